//! The end of a sweep, as pure functions of the sorted results: the table,
//! the failures grouped by signature, the closing line and the exit code.

use crate::record::{FailKind, RunRecord};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use tester::registry;
use tester::seeds::show_seed;

/// The exit codes of `lab`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    /// Every run passed.
    Passed = 0,
    /// A check (or oracle) failed.
    CheckFailed = 1,
    /// Bad usage.
    Usage = 2,
    /// A Raft panicked or a worker process died.
    Panicked = 3,
    /// A run hung: the wall-clock watchdog or the runaway budget stopped it.
    Hung = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// The exit class of one failure.
pub fn exit_of(kind: FailKind) -> Exit {
    match kind {
        FailKind::Check | FailKind::Oracle => Exit::CheckFailed,
        FailKind::Panic | FailKind::Crash => Exit::Panicked,
        FailKind::Runaway | FailKind::Hang => Exit::Hung,
    }
}

/// The exit code of a set of results: the most severe class present, in the
/// order hang (4) > panic (3) > check failure (1) > passed (0).
pub fn exit_code(records: &[RunRecord]) -> Exit {
    records
        .iter()
        .filter_map(|r| r.failure.as_ref())
        .map(|f| exit_of(f.kind))
        .max()
        .unwrap_or(Exit::Passed)
}

/// Sorts results by (test order in the suite, seed): the order of every
/// table and of `--json`, whatever the order they finished in.
pub fn sort(records: &mut [RunRecord]) {
    records.sort_by_key(|r| (test_position(&r.test), r.seed));
}

fn test_position(name: &str) -> usize {
    registry::find(name).map_or(usize::MAX, |t| t.position())
}

/// The closing line: `N passed, N failed`.
pub fn totals_line(records: &[RunRecord]) -> String {
    let failed = records.iter().filter(|r| !r.passed).count();
    format!("{} passed, {failed} failed", records.len() - failed)
}

/// One row per test: failed, total, mean virtual seconds, mean wall ms. The
/// name column is as wide as the longest name (scenario names run long).
pub fn table(records: &[RunRecord]) -> String {
    let width = records
        .iter()
        .map(|r| r.test.len())
        .max()
        .unwrap_or(0)
        .max(34);
    let mut out = format!(
        "{:<width$} {:>6} {:>6} {:>10} {:>9}\n",
        "test", "failed", "total", "virtual s", "wall ms"
    );
    for chunk in records.chunk_by(|a, b| a.test == b.test) {
        let n = chunk.len() as f64;
        let failed = chunk.iter().filter(|r| !r.passed).count();
        let virtual_s = chunk.iter().map(|r| r.virtual_ms as f64).sum::<f64>() / n / 1000.0;
        let wall_ms = chunk.iter().map(|r| r.wall_ms).sum::<f64>() / n;
        let _ = writeln!(
            out,
            "{:<width$} {failed:>6} {:>6} {virtual_s:>10.1} {wall_ms:>9.2}",
            chunk[0].test,
            chunk.len()
        );
    }
    out
}

/// How many seeds of a group are listed; the rest are counted.
const SEEDS_SHOWN: usize = 5;

/// The failures grouped by signature (test and failed check), in suite
/// order; in each group the fastest-failing seed (least virtual time to the
/// failure) first, with its replay command. Empty when nothing failed.
pub fn failure_groups(records: &[RunRecord]) -> String {
    let mut groups: BTreeMap<(usize, &str, &str), Vec<&RunRecord>> = BTreeMap::new();
    for r in records {
        if let Some(f) = &r.failure {
            let key = (test_position(&r.test), r.test.as_str(), f.check.as_str());
            groups.entry(key).or_default().push(r);
        }
    }
    let mut out = String::new();
    for ((_, test, check), mut runs) in groups {
        runs.sort_by_key(|r| (r.failure.as_ref().map_or(0, |f| f.virtual_ms), r.seed));
        let _ = writeln!(out, "{test} / {check}: {} failed", runs.len());
        for r in runs.iter().take(SEEDS_SHOWN) {
            let f = r.failure.as_ref().expect("grouped runs failed");
            let _ = writeln!(
                out,
                "  seed={} {}: {}: {}",
                show_seed(r.seed),
                f.when(),
                f.kind.describe(),
                f.message
            );
        }
        if runs.len() > SEEDS_SHOWN {
            let _ = writeln!(out, "  ... and {} more", runs.len() - SEEDS_SHOWN);
        }
        let _ = writeln!(out, "  fastest replay: {}", runs[0].replay);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FailureRecord;

    fn record(test: &str, seed: u64, fail: Option<(FailKind, &str, u64)>) -> RunRecord {
        RunRecord {
            test: test.to_string(),
            seed,
            edition: 2025,
            passed: fail.is_none(),
            failure: fail.map(|(kind, check, virtual_ms)| FailureRecord {
                kind,
                check: check.to_string(),
                message: "m".to_string(),
                virtual_ms,
            }),
            trace_hash: 0,
            events: 0,
            virtual_ms: 1000,
            wall_ms: 2.0,
            replay: format!("lab replay {test} --seed {seed}"),
        }
    }

    #[test]
    fn exit_code_takes_the_most_severe_class() {
        let pass = record("TestReElection3A", 1, None);
        let check = record("TestReElection3A", 2, Some((FailKind::Check, "c", 5)));
        let panic = record("TestReElection3A", 3, Some((FailKind::Panic, "panic", 5)));
        let hang = record("TestReElection3A", 4, Some((FailKind::Hang, "watchdog", 0)));
        assert_eq!(exit_code(std::slice::from_ref(&pass)), Exit::Passed);
        assert_eq!(exit_code(&[pass.clone(), check.clone()]), Exit::CheckFailed);
        assert_eq!(exit_code(&[check.clone(), panic.clone()]), Exit::Panicked);
        assert_eq!(exit_code(&[hang, panic, check]), Exit::Hung);
    }

    #[test]
    fn sorted_by_suite_order_then_seed_and_grouped_fastest_first() {
        let mut rs = vec![
            record("TestReElection3A", 2, Some((FailKind::Check, "c", 900))),
            record("TestInitialElection3A", 9, None),
            record("TestReElection3A", 1, Some((FailKind::Check, "c", 300))),
        ];
        sort(&mut rs);
        let order: Vec<(&str, u64)> = rs.iter().map(|r| (r.test.as_str(), r.seed)).collect();
        assert_eq!(
            order,
            [
                ("TestInitialElection3A", 9),
                ("TestReElection3A", 1),
                ("TestReElection3A", 2)
            ]
        );
        let groups = failure_groups(&rs);
        assert!(groups.starts_with("TestReElection3A / c: 2 failed\n  seed=0x1 at 300 ms virtual"));
        assert!(groups.contains("fastest replay: lab replay TestReElection3A --seed 1"));
        assert_eq!(totals_line(&rs), "1 passed, 2 failed");
    }
}
