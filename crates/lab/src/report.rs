//! The end of a sweep (or a merge, or `lab run`), as pure functions of its
//! [`Summary`]: the table, the failures grouped by signature, the runs not
//! run, the closing line and the exit code.

use crate::record::{FailKind, RunRecord};
use crate::summary::{Summary, TestTotals, test_position};
use std::fmt::Write as _;
use std::process::ExitCode;
use tester::determinism::CAUSES;
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
    /// A run hung: a watchdog (CPU limit, no progress) or the runaway
    /// budget stopped it.
    Hung = 4,
    /// Two runs of one seed differed (`--check-determinism`): nothing the
    /// others say can be trusted to replay, so it outranks them.
    Nondeterministic = 5,
    /// SIGINT or SIGTERM stopped the sweep (128 + SIGINT, as shells do).
    Interrupted = 130,
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
/// order nondeterministic (5) > hang (4) > panic (3) > check failure (1) >
/// passed (0).
pub fn exit_code(summary: &Summary) -> Exit {
    if summary.nondeterministic_runs() > 0 {
        return Exit::Nondeterministic;
    }
    summary.kinds().map(exit_of).max().unwrap_or(Exit::Passed)
}

/// Sorts results by (test order in the suite, seed).
pub fn sort(records: &mut [RunRecord]) {
    records.sort_by_key(|r| (test_position(&r.test), r.seed));
}

/// The closing line: `N passed, N failed` (`, N nondeterministic` when
/// determinism was checked, `, N skipped` when some runs did not run).
pub fn totals_line(summary: &Summary) -> String {
    let mut line = format!("{} passed, {} failed", summary.passed(), summary.failed());
    if summary.checked_runs() > 0 {
        let _ = write!(
            line,
            ", {} nondeterministic",
            summary.nondeterministic_runs()
        );
    }
    if summary.skipped_runs() > 0 {
        let _ = write!(line, ", {} skipped", summary.skipped_runs());
    }
    line
}

/// `interrupted after N of M runs`.
pub fn interrupted_line(summary: &Summary, planned: u64) -> String {
    format!("interrupted after {} of {planned} runs", summary.finished())
}

/// A column of the table: its title, its width, and a test's cell.
struct Column {
    title: &'static str,
    width: usize,
    cell: fn(&TestTotals) -> String,
}

/// The table's columns after the name; `skipped` only when runs were
/// skipped, so a complete sweep's table is as it always was.
fn columns(summary: &Summary) -> Vec<Column> {
    let mut columns = vec![
        Column {
            title: "failed",
            width: 6,
            cell: |t| t.failed.to_string(),
        },
        Column {
            title: "total",
            width: 6,
            cell: |t| t.runs.to_string(),
        },
    ];
    if summary.checked_runs() > 0 {
        columns.push(Column {
            title: "nondet",
            width: 6,
            cell: |t| t.nondeterministic.to_string(),
        });
    }
    if summary.skipped_runs() > 0 {
        columns.push(Column {
            title: "skipped",
            width: 7,
            cell: |t| t.skipped.to_string(),
        });
    }
    columns.push(Column {
        title: "virtual s",
        width: 10,
        cell: |t| format!("{:.1}", t.mean_virtual_s()),
    });
    columns.push(Column {
        title: "wall ms",
        width: 9,
        cell: |t| format!("{:.2}", t.mean_wall_ms()),
    });
    columns
}

/// One row per test: failed, total (finished), nondet (when checked),
/// skipped (if any), mean virtual seconds, mean wall ms. The name column is as wide as the longest
/// name (scenario names run long).
pub fn table(summary: &Summary) -> String {
    let width = summary
        .tests()
        .map(|t| t.test.len())
        .max()
        .unwrap_or(0)
        .max(34);
    let columns = columns(summary);
    let mut out = format!("{:<width$}", "test");
    for c in &columns {
        let _ = write!(out, " {:>w$}", c.title, w = c.width);
    }
    out.push('\n');
    for t in summary.tests() {
        let _ = write!(out, "{:<width$}", t.test);
        for c in &columns {
            let _ = write!(out, " {:>w$}", (c.cell)(t), w = c.width);
        }
        out.push('\n');
    }
    out
}

/// How many seeds of a group are listed; the rest are counted.
const SEEDS_SHOWN: usize = crate::summary::FASTEST_KEPT;

/// The failures grouped by signature (test, failed check and the first
/// broken invariant of their re-runs), in suite
/// order; in each group the fastest-failing seed (least virtual time to the
/// failure) first, with its replay command. Empty when nothing failed.
pub fn failure_groups(summary: &Summary) -> String {
    let mut out = String::new();
    for group in summary.signatures() {
        let first = group
            .first_broken
            .as_ref()
            .map_or(String::new(), |b| format!(" (first broken: {b})"));
        let _ = writeln!(
            out,
            "{} / {}{first}: {} failed",
            group.test, group.check, group.failed
        );
        for r in group.fastest.iter().take(SEEDS_SHOWN) {
            let f = r.failure.as_ref().expect("grouped runs failed");
            let _ = writeln!(
                out,
                "  seed={} {}: {}: {}{}",
                show_seed(r.seed),
                f.when(),
                f.kind.describe(),
                f.message,
                r.first_broken_lines().replace("\n", "\n  ")
            );
        }
        if group.failed > SEEDS_SHOWN as u64 {
            let _ = writeln!(out, "  ... and {} more", group.failed - SEEDS_SHOWN as u64);
        }
        let _ = writeln!(out, "  fastest replay: {}", group.fastest[0].replay);
    }
    out
}

/// The nondeterministic runs, by test: the lowest seed's report in full
/// (both verdicts, the first divergent event, the events agreed before it),
/// the others' first divergent event, then what usually causes it. Empty
/// if none.
pub fn nondeterministic_list(summary: &Summary) -> String {
    let mut out = String::new();
    for group in summary.nondeterministic() {
        let _ = writeln!(out, "{}: {} nondeterministic", group.test, group.count);
        for (k, r) in group.kept.iter().enumerate() {
            let n = r
                .nondeterministic
                .as_ref()
                .expect("kept runs are nondeterministic");
            if k == 0 {
                let _ = writeln!(out, "  seed={}:", show_seed(r.seed));
                for line in n.details().lines() {
                    let _ = writeln!(out, "  {line}");
                }
                let _ = writeln!(out, "    replay: {}", checked_replay(r));
            } else {
                let _ = writeln!(out, "  seed={}: {}", show_seed(r.seed), n.headline());
            }
        }
        let shown = group.kept.len() as u64;
        if group.count > shown {
            let _ = writeln!(out, "  ... and {} more", group.count - shown);
        }
    }
    if !out.is_empty() {
        let _ = writeln!(out, "{CAUSES}.");
    }
    out
}

/// A nondeterministic run's replay line, checking again.
pub fn checked_replay(r: &RunRecord) -> String {
    format!("{} --check-determinism", r.replay)
}

/// The runs not run, one line per range of seeds. Empty if none.
pub fn skipped_list(summary: &Summary) -> String {
    let mut out = String::new();
    for s in summary.skipped() {
        let last = s.from + (s.count - 1);
        let seeds = if s.count == 1 {
            format!("seed {}", show_seed(s.from))
        } else {
            format!("seeds {}..={}", show_seed(s.from), show_seed(last))
        };
        let _ = writeln!(out, "  {} {seeds} ({} runs)", s.test, s.count);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::SeedRange;
    use crate::record::testing::record;

    fn summary(records: &[RunRecord]) -> Summary {
        let mut s = Summary::default();
        for r in records {
            s.add(r);
        }
        s
    }

    #[test]
    fn exit_code_takes_the_most_severe_class() {
        let pass = record("TestReElection3A", 1, None);
        let check = record("TestReElection3A", 2, Some((FailKind::Check, "c", 5)));
        let panic = record("TestReElection3A", 3, Some((FailKind::Panic, "panic", 5)));
        let hang = record(
            "TestReElection3A",
            4,
            Some((FailKind::Hang, "cpu-limit", 0)),
        );
        let code = |rs: &[RunRecord]| exit_code(&summary(rs));
        assert_eq!(code(std::slice::from_ref(&pass)), Exit::Passed);
        assert_eq!(code(&[pass.clone(), check.clone()]), Exit::CheckFailed);
        assert_eq!(code(&[check.clone(), panic.clone()]), Exit::Panicked);
        assert_eq!(code(&[hang, panic, check]), Exit::Hung);
    }

    #[test]
    fn tables_are_in_suite_order_and_groups_fastest_first() {
        let s = summary(&[
            record("TestReElection3A", 2, Some((FailKind::Check, "c", 900))),
            record("TestInitialElection3A", 9, None),
            record("TestReElection3A", 1, Some((FailKind::Check, "c", 300))),
        ]);
        let table = table(&s);
        let names: Vec<&str> = table
            .lines()
            .skip(1)
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(names, ["TestInitialElection3A", "TestReElection3A"]);
        assert!(table.starts_with("test "));
        assert!(!table.contains("skipped"));
        let groups = failure_groups(&s);
        assert!(groups.starts_with("TestReElection3A / c: 2 failed\n  seed=0x1 at 300 ms virtual"));
        assert!(groups.contains("fastest replay: lab replay TestReElection3A --seed 1"));
        assert_eq!(totals_line(&s), "1 passed, 2 failed");
    }

    #[test]
    fn failures_group_by_their_first_broken_invariant() {
        let broken = |seed: u64, oracle: Option<&str>| {
            let mut r = record(
                "TestBackup3B",
                seed,
                Some((FailKind::Check, "one", 900 + seed)),
            );
            r.first_broken = oracle.map(|check| {
                Box::new(crate::record::FirstBrokenRecord {
                    check: check.to_string(),
                    message: format!("S1 voted for S0 in term {seed}"),
                    virtual_ms: 850,
                    replay: format!("lab replay TestBackup3B --seed {seed} --strict"),
                })
            });
            r
        };
        let records = [
            broken(1, Some("oracle:election-restriction")),
            broken(2, None),
            broken(3, Some("oracle:election-restriction")),
        ];
        let groups = failure_groups(&summary(&records));
        assert!(
            groups.starts_with(
                "TestBackup3B / one: 1 failed\n  seed=0x2 at 902 ms virtual: check failed: m\n"
            ),
            "{groups}"
        );
        assert!(
            groups.contains(
                "TestBackup3B / one (first broken: oracle:election-restriction): 2 failed\n  \
                 seed=0x1 at 901 ms virtual: check failed: m\n    \
                 first broken invariant: 0.850s, oracle:election-restriction: S1 voted for S0 in term 1\n      \
                 replay: lab replay TestBackup3B --seed 1 --strict\n"
            ),
            "{groups}"
        );
        let json = serde_json::to_value(&records[0]).unwrap();
        assert_eq!(json["first_broken"]["check"], "oracle:election-restriction");
        assert_eq!(json["first_broken"]["virtual_ms"], 850);
        assert!(
            serde_json::to_value(&records[1])
                .unwrap()
                .get("first_broken")
                .is_none()
        );
    }

    #[test]
    fn skipped_runs_get_a_column_a_list_and_a_count() {
        let mut s = summary(&[record(
            "TestReElection3A",
            1,
            Some((FailKind::Check, "c", 9)),
        )]);
        s.skip("TestReElection3A", SeedRange { first: 2, count: 3 });
        s.skip("TestManyElections3A", SeedRange { first: 1, count: 1 });
        let table = table(&s);
        assert!(
            table.lines().next().unwrap().contains(" skipped "),
            "{table}"
        );
        assert_eq!(totals_line(&s), "0 passed, 1 failed, 4 skipped");
        assert_eq!(
            skipped_list(&s),
            "  TestReElection3A seeds 0x2..=0x4 (3 runs)\n  TestManyElections3A seed 0x1 (1 runs)\n"
        );
        assert_eq!(interrupted_line(&s, 10), "interrupted after 1 of 10 runs");
    }
}
