//! The `inspect_header` hint (`raftapi::Raft::inspect_header`), given by a
//! Raft written here (`hinted`): an honest hint changes neither a run nor a
//! verdict of the strict oracles, only their cost; a Raft without one runs
//! as it always did; a hint that lies is reported as such, naming the
//! method.

mod hinted;

use hinted::{Hint, factory};
use labraft::{Bug, Bugs};
use tester::oracle::{INSPECT_HEADER, OracleSet};
use tester::{Budget, Edition, Outcome, RunSpec, registry, run};

fn spec(test: &str, seed: u64, oracles: OracleSet) -> RunSpec {
    let test = registry::find(test).expect("a test");
    RunSpec::new(test, seed, Edition::Y2025)
        .oracles(oracles)
        .with_budget(Budget {
            max_events: 5_000_000,
            max_virtual_ms: 10 * 60 * 1000,
        })
}

fn run_hinted(test: &str, seed: u64, hint: Hint, bugs: Bugs) -> Outcome {
    run(spec(test, seed, OracleSet::ALL), factory(hint, bugs))
}

/// What a run's verdict is: its trace, and its failure's kind, check,
/// message and virtual time.
fn verdict(o: &Outcome) -> (u64, u64, Option<String>) {
    let failure = o
        .result
        .as_ref()
        .err()
        .map(|f| format!("{:?} {} at {:?}: {}", f.kind, f.check, f.at, f.message));
    (o.trace_hash, o.events, failure)
}

/// Tests whose logs are truncated, compacted, rewritten and restored.
const TESTS: [&str; 6] = [
    "TestBackup3B",
    "TestFigure8Unreliable3C",
    "TestUnreliableChurn3C",
    "TestSnapshotInstallUnreliable3D",
    "TestSnapshotInstallUnCrash3D",
    "TestSnapshotAllCrash3D",
];

#[test]
fn an_honest_hint_changes_no_run_and_no_verdict() {
    for test in TESTS {
        for seed in 1..=2 {
            let with = run_hinted(test, seed, Hint::Honest, Bugs::default());
            let without = run_hinted(test, seed, Hint::Absent, Bugs::default());
            assert!(with.passed(), "{}", with.report().unwrap_or_default());
            assert_eq!(verdict(&with), verdict(&without), "{test} seed {seed}");
            assert_eq!(with.lines, without.lines, "{test} seed {seed}");
            let plain = run(
                spec(test, seed, OracleSet::NONE),
                factory(Hint::Honest, Bugs::default()),
            );
            assert_eq!(verdict(&plain), verdict(&with), "{test} seed {seed}");
        }
    }
}

/// Bugs each caught by a different strict oracle, and a test that shows it.
const CAUGHT: [(Bug, &str); 5] = [
    (Bug::LogNotPersisted, "TestBasicAgree3B"),
    (Bug::VoteWithoutUpToDateCheck, "TestFigure8Unreliable3C"),
    (Bug::CommitOldTerm, "TestFigure8Unreliable3C"),
    (Bug::TruncateOnEveryAppend, "TestFigure8Unreliable3C"),
    (
        Bug::SnapshotKeepsConflictingTail,
        "TestSnapshotInstallUnreliable3D",
    ),
];

#[test]
fn with_or_without_an_honest_hint_the_oracles_catch_the_same_bugs_alike() {
    let mut failures = 0;
    for (bug, test) in CAUGHT {
        for seed in 1..=3 {
            let with = run_hinted(test, seed, Hint::Honest, Bugs::from(bug));
            let without = run_hinted(test, seed, Hint::Absent, Bugs::from(bug));
            assert_eq!(
                verdict(&with),
                verdict(&without),
                "{bug} {test} seed {seed}"
            );
            failures += usize::from(!with.passed());
        }
    }
    assert!(failures >= CAUGHT.len(), "only {failures} runs failed");
}

#[test]
fn a_version_that_never_changes_is_reported_naming_the_method() {
    for seed in 1..=3 {
        let outcome = run_hinted("TestSnapshotBasic3D", seed, Hint::Stuck, Bugs::default());
        let f = outcome
            .result
            .as_ref()
            .expect_err("a stuck version is caught");
        assert_eq!(f.check, INSPECT_HEADER, "{}", f.message);
        assert!(
            f.message
                .contains("'s inspect_header() kept log_version 0, but"),
            "{}",
            f.message
        );
        let report = outcome.report().unwrap_or_default();
        assert!(report.contains("oracle:inspect-header"), "{report}");
        // The course's checks and a Raft without the hint see nothing wrong.
        let plain = run(
            spec("TestSnapshotBasic3D", seed, OracleSet::NONE),
            factory(Hint::Stuck, Bugs::default()),
        );
        assert!(plain.passed());
    }
}

#[test]
fn a_version_that_forgets_truncations_is_reported_and_invents_no_violation() {
    let mut caught = 0;
    for test in ["TestFigure8Unreliable3C", "TestUnreliableChurn3C"] {
        for seed in 1..=6 {
            let outcome = run_hinted(test, seed, Hint::ForgetsTruncation, Bugs::default());
            let Err(f) = &outcome.result else {
                continue;
            };
            // The reference Raft is correct: a failure can only be the lie.
            assert_eq!(f.check, INSPECT_HEADER, "{test} seed {seed}: {}", f.message);
            assert!(
                f.message.contains("inspect_header() kept log_version")
                    && f.message.contains("the version must change"),
                "{}",
                f.message
            );
            eprintln!("{test} seed {seed}: {}", f.message);
            caught += 1;
        }
    }
    assert!(caught > 0, "the forgetful version was never caught");
}
