//! The runs of a sweep, generated lazily: every seed of a range for each
//! selected test, in (test order, seed) order, so `--seeds 400000000` costs
//! no more memory than `--seeds 4`. A range whose last seed would pass
//! `u64::MAX`, or a selection of more than `u64::MAX` runs, is refused
//! before anything runs.

use crate::cli::Usage;
use crate::record::Job;
use tester::Edition;
use tester::oracle::OracleSet;
use tester::registry::TestDef;
use tester::seeds::show_seed;

/// Seeds `first, first + 1, ..., first + count - 1`; the last one exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    /// The first seed.
    pub first: u64,
    /// How many seeds.
    pub count: u64,
}

impl SeedRange {
    /// The range, or a usage error naming both options if its last seed
    /// would pass `u64::MAX`.
    pub fn new(first: u64, count: u64, names: (&str, &str)) -> Result<SeedRange, Usage> {
        if count > 0 && first.checked_add(count - 1).is_none() {
            return Err(Usage(format!(
                "{} {} with {} {count} runs past the last seed {}",
                names.0,
                show_seed(first),
                names.1,
                show_seed(u64::MAX)
            )));
        }
        Ok(SeedRange { first, count })
    }

    /// The `k`-th seed (`k < count`).
    pub fn seed(&self, k: u64) -> u64 {
        debug_assert!(k < self.count);
        self.first + k
    }

    /// Whether it holds no seed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The jobs of a sweep, as an iterator that makes each when asked.
#[derive(Clone, Debug)]
pub struct Jobs {
    tests: Vec<&'static TestDef>,
    seeds: SeedRange,
    /// Index of the next job in (test, seed) order.
    next: u64,
    total: u64,
    edition: Edition,
    raft: Option<&'static str>,
    strict: OracleSet,
}

impl Jobs {
    /// Every seed of `seeds` for each of `tests`; an error if there are
    /// none, or more than `u64::MAX`.
    pub fn new(
        tests: Vec<&'static TestDef>,
        seeds: SeedRange,
        edition: Edition,
        raft: Option<&'static str>,
        strict: OracleSet,
    ) -> Result<Jobs, Usage> {
        let total = seeds.count.checked_mul(tests.len() as u64).ok_or_else(|| {
            Usage(format!(
                "{} tests x {} seeds is more runs than can be counted: fewer seeds",
                tests.len(),
                seeds.count
            ))
        })?;
        Ok(Jobs {
            tests,
            seeds,
            next: 0,
            total,
            edition,
            raft,
            strict,
        })
    }

    /// How many jobs in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The seeds of each test not yet handed out, in order.
    pub fn rest(&self) -> Vec<(&'static str, SeedRange)> {
        if self.next >= self.total {
            return Vec::new();
        }
        let (first_test, first_k) = self.locate(self.next);
        let mut rest = vec![(
            self.tests[first_test].name,
            SeedRange {
                first: self.seeds.seed(first_k),
                count: self.seeds.count - first_k,
            },
        )];
        rest.extend(
            self.tests[first_test + 1..]
                .iter()
                .map(|t| (t.name, self.seeds)),
        );
        rest
    }

    /// (test index, seed offset) of job `index`.
    fn locate(&self, index: u64) -> (usize, u64) {
        (
            (index / self.seeds.count) as usize,
            index % self.seeds.count,
        )
    }
}

impl Iterator for Jobs {
    type Item = Job;

    fn next(&mut self) -> Option<Job> {
        if self.next >= self.total {
            return None;
        }
        let (t, k) = self.locate(self.next);
        self.next += 1;
        Some(Job {
            test: self.tests[t].name,
            seed: self.seeds.seed(k),
            edition: self.edition,
            raft: self.raft,
            strict: self.strict,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tester::registry::select;

    fn names() -> (&'static str, &'static str) {
        ("--from", "--seeds")
    }

    #[test]
    fn ranges_whose_last_seed_does_not_exist_are_refused() {
        let e = SeedRange::new(u64::MAX - 1, 3, names()).unwrap_err();
        assert_eq!(
            e.0,
            "--from 0xfffffffffffffffe with --seeds 3 runs past the last seed 0xffffffffffffffff"
        );
        assert!(SeedRange::new(u64::MAX - 1, 2, names()).is_ok());
        assert!(SeedRange::new(2, u64::MAX, names()).is_err());
        assert!(SeedRange::new(1, u64::MAX, names()).is_ok());
    }

    #[test]
    fn jobs_come_in_test_then_seed_order_and_the_rest_is_known() {
        let seeds = SeedRange::new(10, 3, names()).unwrap();
        let mut jobs =
            Jobs::new(select("3A"), seeds, Edition::Y2025, None, OracleSet::NONE).unwrap();
        assert_eq!(jobs.total(), 9);
        let first: Vec<(&str, u64)> = jobs.by_ref().take(4).map(|j| (j.test, j.seed)).collect();
        assert_eq!(
            first,
            [
                ("TestInitialElection3A", 10),
                ("TestInitialElection3A", 11),
                ("TestInitialElection3A", 12),
                ("TestReElection3A", 10)
            ]
        );
        let rest = jobs.rest();
        assert_eq!(rest.len(), 2);
        assert_eq!(
            rest[0],
            (
                "TestReElection3A",
                SeedRange {
                    first: 11,
                    count: 2
                }
            )
        );
        assert_eq!(rest[1], ("TestManyElections3A", seeds));
        assert_eq!(jobs.count(), 5);
    }

    #[test]
    fn huge_selections_are_lazy_or_refused() {
        let all = select("");
        let seeds = SeedRange::new(0, u64::MAX, names()).unwrap();
        assert!(Jobs::new(all, seeds, Edition::Y2025, None, OracleSet::NONE).is_err());
        let one = select("TestBackup3B");
        let mut jobs = Jobs::new(one, seeds, Edition::Y2025, None, OracleSet::NONE).unwrap();
        assert_eq!(jobs.total(), u64::MAX);
        assert_eq!(jobs.nth(1_000_000).map(|j| j.seed), Some(1_000_000));
    }
}
