//! The tester must keep catching the injected bugs it catches today (see
//! docs/MUTANTS.md): for each bug that `lab mutants --seeds 100` caught on
//! every one of the 100 seeds of some test, a few seeds of that test with the
//! bug must all fail a check, and the same runs without the bug must pass.
//! A change that blunts a check of the tester fails here. Also `lab mutants`
//! itself on one bug, and its usage errors.
//!
//! Runs the built-in binary on the reference and planted Rafts: with the
//! `reference` feature only (staff-only: not in `make handout`).

#![cfg(feature = "reference")]

mod common;
use common::{lab, stdout};

/// Seeds per guarded run: every one must fail with the bug, pass without.
const SEEDS: &str = "3";

/// (bug, a test that caught it on 100 of 100 seeds in docs/MUTANTS.md).
const GUARDED: [(&str, &str); 8] = [
    ("vote-without-up-to-date-check", "TestPersist23C"),
    ("log-not-persisted", "TestPersist13C"),
    ("fixed-election-timeout", "TestInitialElection3A"),
    ("fast-heartbeats", "TestCount3B"),
    ("resend-whole-log", "TestRPCBytes3B"),
    ("snapshot-not-persisted", "TestSnapshotInstallCrash3D"),
    ("snapshot-not-persisted", "TestSnapshotInit3D"),
    ("slow-backup", "TestFigure8Unreliable3C"),
];

#[test]
fn guarded_bugs_are_still_caught_by_a_check() {
    for (bug, test) in GUARDED {
        let raft = format!("bug:{bug}");
        let out = lab(&["--raft", &raft, "sweep", test, "--seeds", SEEDS]);
        let text = stdout(&out);
        // Exit 1: a check of the tester failed (not labraft's own asserts,
        // which would be exit 3, nor a hang, 4).
        assert_eq!(out.status.code(), Some(1), "{bug} in {test}:\n{text}");
        assert!(
            text.ends_with(&format!("0 passed, {SEEDS} failed\n")),
            "{bug} in {test} escaped on some seed:\n{text}"
        );
        assert!(text.contains(&format!("--raft {raft}\n")), "replay lines");
    }
}

#[test]
fn the_guarded_runs_pass_without_the_bug() {
    let mut tests: Vec<&str> = GUARDED.iter().map(|(_, test)| *test).collect();
    tests.dedup();
    for test in tests {
        let out = lab(&["sweep", test, "--seeds", SEEDS]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{test}:\n{text}");
        assert!(text.ends_with(&format!("{SEEDS} passed, 0 failed\n")));
    }
}

#[test]
fn mutants_prints_a_row_and_exits_0_though_runs_fail() {
    let args = ["mutants", "--only", "fast-heartbeats", "--seeds", "2"];
    let out = lab(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("| fast-heartbeats | yes | Count3B | 100% (2/2) | seed 0x1 Count3B: "),
        "{text}"
    );
    let replay = text
        .split(" --bin lab -- replay TestCount3B --seed 0x1 --edition 2026 --expect-hash 0x")
        .nth(1)
        .expect("the first failure's replay line, with its trace hash");
    assert!(
        replay[16..].starts_with(" --raft bug:fast-heartbeats`"),
        "{replay}"
    );
    assert!(text.contains("| 56 |\n"), "28 tests x 2 seeds: {text}");
    let again = lab(&[&args[..], &["--jobs", "1"]].concat());
    assert_eq!(stdout(&again), text, "the same for any --jobs");
}

#[test]
fn mutants_and_bug_rafts_refuse_bad_input() {
    for args in [
        &["--raft", "bug:no-such-bug", "list"][..],
        &["--raft", "flaky", "mutants"][..],
        &["mutants", "--only", "no-such-bug"][..],
    ] {
        let out = lab(args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}
