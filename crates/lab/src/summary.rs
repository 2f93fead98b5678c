//! What a sweep keeps of its results: counters per test, and per failure
//! signature (test and check) its count and fastest-failing runs. Never
//! the runs themselves, so the parent's memory does not grow with `--seeds`
//! (each run goes to `--json` as it finishes). [`crate::report`] renders it.
//!
//! A field for a new column (a new result kind, a first broken invariant)
//! goes on [`TestTotals`] or in the [`RunRecord`]s a [`Signature`] keeps.

use crate::jobs::SeedRange;
use crate::record::{FailKind, RunRecord};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tester::registry;

/// How many fastest-failing runs a signature keeps.
pub const FASTEST_KEPT: usize = 5;

/// The counters of one test.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestTotals {
    /// The test's name.
    pub test: String,
    /// Runs finished.
    pub runs: u64,
    /// Runs failed (any kind).
    pub failed: u64,
    /// Runs not run (`--fail-fast`, an interrupt).
    pub skipped: u64,
    /// Runs checked for determinism (`--check-determinism`).
    pub checked: u64,
    /// Runs whose two executions differed (neither passed nor failed).
    pub nondeterministic: u64,
    /// Sum of the runs' virtual ms.
    pub virtual_ms: u128,
    /// Sum of the runs' wall ms.
    pub wall_ms: f64,
}

impl TestTotals {
    /// Mean virtual seconds per finished run.
    pub fn mean_virtual_s(&self) -> f64 {
        self.virtual_ms as f64 / self.runs.max(1) as f64 / 1000.0
    }

    /// Mean wall ms per finished run.
    pub fn mean_wall_ms(&self) -> f64 {
        self.wall_ms / self.runs.max(1) as f64
    }
}

/// The failures of one test with one failed check.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    /// The test.
    pub test: String,
    /// The check.
    pub check: String,
    /// The oracle that fired first in these runs' re-runs, if one did.
    pub first_broken: Option<String>,
    /// How many runs failed so.
    pub failed: u64,
    /// The fastest-failing runs (least virtual time, then seed), at most
    /// [`FASTEST_KEPT`].
    pub fastest: Vec<RunRecord>,
}

/// How many nondeterministic runs of a test are kept (the lowest seeds).
pub const NONDETERMINISTIC_KEPT: usize = 3;

/// The nondeterministic runs of one test: never grouped with its failures,
/// whatever either run's verdict was.
#[derive(Clone, Debug, PartialEq)]
pub struct Nondeterministic {
    /// The test.
    pub test: String,
    /// How many of its runs were nondeterministic.
    pub count: u64,
    /// The lowest seeds' runs, at most [`NONDETERMINISTIC_KEPT`].
    pub kept: Vec<RunRecord>,
}

/// Runs of one test that did not run: seeds `from .. from + count`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The test.
    pub test: String,
    /// The first seed.
    pub from: u64,
    /// How many.
    pub count: u64,
}

/// Everything a sweep (or a merge of sweeps) reports.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    tests: BTreeMap<(usize, String), TestTotals>,
    signatures: BTreeMap<(usize, String, String, Option<String>), Signature>,
    nondeterministic: BTreeMap<(usize, String), Nondeterministic>,
    skipped: Vec<Skipped>,
    kinds: BTreeSet<FailKind>,
    passed: u64,
    failed: u64,
}

/// A test's position in the suite (unknown names last, by name).
pub fn test_position(name: &str) -> usize {
    registry::find(name).map_or(usize::MAX, |t| t.position())
}

impl Summary {
    /// Counts one finished run.
    pub fn add(&mut self, r: &RunRecord) {
        let position = test_position(&r.test);
        let totals = self.totals(position, &r.test);
        totals.runs += 1;
        totals.virtual_ms += u128::from(r.virtual_ms);
        totals.wall_ms += r.wall_ms;
        totals.checked += u64::from(r.check_hash.is_some() || r.nondeterministic.is_some());
        if r.nondeterministic.is_some() {
            totals.nondeterministic += 1;
            self.add_nondeterministic(position, r);
            return;
        }
        totals.failed += u64::from(!r.passed);
        let Some(f) = &r.failure else {
            self.passed += 1;
            return;
        };
        self.failed += 1;
        self.kinds.insert(f.kind);
        let first_broken = r.first_broken.as_ref().map(|b| b.check.clone());
        let key = (
            position,
            r.test.clone(),
            f.check.clone(),
            first_broken.clone(),
        );
        let signature = self.signatures.entry(key).or_insert_with(|| Signature {
            test: r.test.clone(),
            check: f.check.clone(),
            first_broken,
            failed: 0,
            fastest: Vec::new(),
        });
        signature.failed += 1;
        let order = |r: &RunRecord| (r.failure.as_ref().map_or(0, |f| f.virtual_ms), r.seed);
        let at = signature.fastest.partition_point(|x| order(x) <= order(r));
        if at < FASTEST_KEPT {
            signature.fastest.insert(at, r.clone());
            signature.fastest.truncate(FASTEST_KEPT);
        }
    }

    fn add_nondeterministic(&mut self, position: usize, r: &RunRecord) {
        let key = (position, r.test.clone());
        let group = self
            .nondeterministic
            .entry(key)
            .or_insert_with(|| Nondeterministic {
                test: r.test.clone(),
                count: 0,
                kept: Vec::new(),
            });
        group.count += 1;
        let at = group.kept.partition_point(|x| x.seed <= r.seed);
        if at < NONDETERMINISTIC_KEPT {
            group.kept.insert(at, r.clone());
            group.kept.truncate(NONDETERMINISTIC_KEPT);
        }
    }

    /// Counts the seeds `seeds` of `test` as not run.
    pub fn skip(&mut self, test: &str, seeds: SeedRange) {
        if seeds.is_empty() {
            return;
        }
        self.totals(test_position(test), test).skipped += seeds.count;
        if let Some(last) = self.skipped.last_mut()
            && last.test == test
            && last.from.checked_add(last.count) == Some(seeds.first)
        {
            last.count += seeds.count;
            return;
        }
        self.skipped.push(Skipped {
            test: test.to_string(),
            from: seeds.first,
            count: seeds.count,
        });
    }

    fn totals(&mut self, position: usize, test: &str) -> &mut TestTotals {
        self.tests
            .entry((position, test.to_string()))
            .or_insert_with(|| TestTotals {
                test: test.to_string(),
                ..TestTotals::default()
            })
    }

    /// The tests, in suite order.
    pub fn tests(&self) -> impl Iterator<Item = &TestTotals> {
        self.tests.values()
    }

    /// The failure signatures, in suite order, then by check.
    pub fn signatures(&self) -> impl Iterator<Item = &Signature> {
        self.signatures.values()
    }

    /// The nondeterministic runs, by test in suite order.
    pub fn nondeterministic(&self) -> impl Iterator<Item = &Nondeterministic> {
        self.nondeterministic.values()
    }

    /// How many runs were nondeterministic.
    pub fn nondeterministic_runs(&self) -> u64 {
        self.nondeterministic.values().map(|n| n.count).sum()
    }

    /// How many runs were checked for determinism.
    pub fn checked_runs(&self) -> u64 {
        self.tests.values().map(|t| t.checked).sum()
    }

    /// The runs not run, as ranges in the order they were skipped.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The kinds of failure seen.
    pub fn kinds(&self) -> impl Iterator<Item = FailKind> + '_ {
        self.kinds.iter().copied()
    }

    /// Runs passed.
    pub fn passed(&self) -> u64 {
        self.passed
    }

    /// Runs failed.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// Runs finished.
    pub fn finished(&self) -> u64 {
        self.passed + self.failed + self.nondeterministic_runs()
    }

    /// Runs not run.
    pub fn skipped_runs(&self) -> u64 {
        self.skipped.iter().map(|s| s.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::testing::record;

    #[test]
    fn counts_per_test_and_keeps_only_the_fastest_failures() {
        let mut s = Summary::default();
        for seed in 0..20 {
            let fail = (seed % 2 == 1).then_some((FailKind::Check, "c", 1000 - seed));
            s.add(&record("TestReElection3A", seed, fail));
        }
        s.add(&record("TestInitialElection3A", 3, None));
        let tests: Vec<(&str, u64, u64)> = s
            .tests()
            .map(|t| (t.test.as_str(), t.runs, t.failed))
            .collect();
        assert_eq!(
            tests,
            [
                ("TestInitialElection3A", 1, 0),
                ("TestReElection3A", 20, 10)
            ]
        );
        let sig = s.signatures().next().unwrap();
        assert_eq!(sig.failed, 10);
        let seeds: Vec<u64> = sig.fastest.iter().map(|r| r.seed).collect();
        assert_eq!(seeds, [19, 17, 15, 13, 11], "least virtual time first");
        assert_eq!((s.passed(), s.failed()), (11, 10));
        assert_eq!(s.kinds().collect::<Vec<_>>(), [FailKind::Check]);
    }

    #[test]
    fn skipped_seeds_merge_into_ranges() {
        let mut s = Summary::default();
        let range = |first, count| SeedRange { first, count };
        s.skip("TestReElection3A", range(5, 2));
        s.skip("TestReElection3A", range(7, 3));
        s.skip("TestReElection3A", range(20, 1));
        s.skip("TestBackup3B", range(1, 4));
        s.skip("TestBackup3B", range(9, 0));
        let ranges: Vec<(&str, u64, u64)> = s
            .skipped()
            .iter()
            .map(|k| (k.test.as_str(), k.from, k.count))
            .collect();
        assert_eq!(
            ranges,
            [
                ("TestReElection3A", 5, 5),
                ("TestReElection3A", 20, 1),
                ("TestBackup3B", 1, 4)
            ]
        );
        assert_eq!(s.skipped_runs(), 10);
        assert_eq!(s.tests().map(|t| t.skipped).sum::<u64>(), 10);
    }
}
