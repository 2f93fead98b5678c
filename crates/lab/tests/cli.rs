//! The `lab` binary, run as a user runs it: bad input, planted failures and
//! their replay commands, isolation of panics and hangs, `--json`,
//! determinism across `--jobs`, and byte-identical replays. 3A only.
//!
//! Runs the built-in binary on the reference and planted Rafts: with the
//! `reference` feature only (staff-only: not in `make handout`).

#![cfg(feature = "reference")]

use serde_json::Value;

mod common;
use common::{lab, replay_args, stderr, stdout};

/// A temporary file path unique to this test.
fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("lab-cli-{}-{name}", std::process::id()))
}

fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the JSON file exists");
    serde_json::from_str(&text).expect("the JSON parses")
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let cases: [&[&str]; 9] = [
        &["replay", "TestNope3A", "--seed", "1"],
        &["run", "NoSuchTest"],
        &["run", "3A", "--seed", "forty"],
        &["sweep", "3A", "--seeds", "2", "--shard", "3/2"],
        &["sweep", "3A", "--seeds", "2", "--jobs", "0"],
        &["run", "3A", "--edition", "2023"],
        &["sweep", "3A", "--seeds", "0"],
        &["sweep", "3A"],
        &["--raft", "bogus", "list"],
    ];
    for args in cases {
        let out = lab(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn list_shows_parts_networks_and_aliases() {
    let out = lab(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("3A:\n  TestInitialElection3A "));
    let all_crash = text
        .lines()
        .find(|l| l.contains("TestSnapshotAllCrash3D"))
        .unwrap();
    assert!(all_crash.contains("reliable in 2024, unreliable after"));
    assert!(all_crash.contains("snapshot"));
    assert_eq!(stdout(&lab(&["list", "2A"])), stdout(&lab(&["list", "3A"])));
}

#[test]
fn a_planted_failure_replays_as_printed() {
    let out = lab(&[
        "--raft",
        "flaky",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "8",
        "--jobs",
        "2",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let fail = text
        .lines()
        .find(|l| l.starts_with("FAIL "))
        .expect("a failure line");
    let message = fail.split(": ").last().unwrap();
    // The binary, run from its cargo target directory, is named as cargo
    // runs it: `cargo run [--release] --bin lab -- replay ...`.
    let replay = text
        .lines()
        .find_map(|l| l.strip_prefix("  replay: cargo run "))
        .and_then(|l| l.split_once(" --bin lab -- "))
        .expect("a replay line")
        .1;
    let args: Vec<&str> = replay.split(' ').collect();
    assert!(args.ends_with(&["--raft", "flaky"]), "{replay}");
    let again = lab(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(stdout(&again).contains(message), "{}", stdout(&again));
    // The same seed through `lab run` fails the same way.
    let seed = args[args.iter().position(|a| *a == "--seed").unwrap() + 1];
    let run = lab(&[
        "--raft",
        "flaky",
        "run",
        "TestInitialElection3A",
        "--seed",
        seed,
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stdout(&run).contains(message));
    assert!(stdout(&run).ends_with("0 passed, 1 failed\n"));
    // Its one replay line reproduces the planted Raft: cargo test would run
    // the crate's own.
    let text = stdout(&run);
    let replays: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("replay: ") || l.trim_start().starts_with("or: "))
        .collect();
    assert_eq!(replays.len(), 1, "{text}");
    assert!(replays[0].ends_with(" --raft flaky"), "{text}");
    let replayed = lab(&replay_args(replays[0]));
    assert!(stdout(&replayed).contains(message), "{}", stdout(&replayed));
}

#[test]
fn a_never_leader_fails_initial_election() {
    let out = lab(&[
        "--raft",
        "never-leader",
        "run",
        "TestInitialElection3A",
        "--seed",
        "7",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("expected one leader, got none"));
}

#[test]
fn a_panicking_raft_is_a_result_with_its_seed() {
    let args = ["--raft", "panic", "sweep", "TestInitialElection3A"];
    let out = lab(&[&args[..], &["--seeds", "3", "--from", "10"]].concat());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    for seed in ["0xa", "0xb", "0xc"] {
        assert!(text.contains(&format!("seed={seed} ")), "{seed}: {text}");
    }
    assert!(text.contains("Raft panicked"));
    assert!(!stderr(&out).contains("panicked at"), "no backtrace spew");
    assert!(text.ends_with("0 passed, 3 failed\n"));
}

#[test]
fn a_hanging_raft_is_killed_reported_and_the_sweep_goes_on() {
    let out = lab(&[
        "--raft",
        "hang",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "2",
        "--jobs",
        "2",
        "--timeout-ms",
        "1000",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert_eq!(text.matches("hang (watchdog)").count(), 4);
    assert!(text.contains("exceeded the CPU limit of 1 s (raise it with --timeout-ms)"));
    assert!(text.contains("seed=0x1 ") && text.contains("seed=0x2 "));
    assert!(text.ends_with("0 passed, 2 failed\n"));
}

#[test]
fn a_runaway_raft_hits_the_event_budget() {
    let out = lab(&[
        "--raft",
        "runaway",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "1",
        "--max-events",
        "100000",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout(&out).contains("more than 100000 simulator events"));
}

/// The results of a flaky sweep with `jobs` workers, wall times removed.
fn flaky_results(jobs: &str) -> Value {
    let path = temp(&format!("jobs{jobs}.json"));
    let path_text = path.to_str().unwrap();
    let out = lab(&[
        "--raft", "flaky", "sweep", "3A", "--seeds", "4", "--jobs", jobs, "--json", path_text,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let mut json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    for r in json["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("wall_ms");
    }
    json
}

#[test]
fn json_counts_every_run_and_jobs_do_not_change_results() {
    let one = flaky_results("1");
    let results = one["results"].as_array().unwrap();
    assert_eq!(results.len(), 12, "3 tests x 4 seeds");
    let failed = results.iter().filter(|r| r["passed"] == false).count();
    assert_eq!(one["failed"], failed);
    assert_eq!(one["passed"], 12 - failed);
    assert!(failed > 0);
    let first = &results[0];
    assert_eq!(first["test"], "TestInitialElection3A");
    assert_eq!(first["seed"], 1);
    assert_eq!(first["edition"], 2026);
    for key in ["trace_hash", "events", "virtual_ms", "replay", "failure"] {
        assert!(first.get(key).is_some(), "{key}");
    }
    assert_eq!(one, flaky_results("2"));
}

#[test]
fn shards_split_the_seed_range() {
    let path = temp("shard.json");
    let p = path.to_str().unwrap();
    let out = lab(&[
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "5",
        "--shard",
        "2/2",
        "--json",
        p,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    let seeds: Vec<u64> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [3, 4, 5]);
    assert!(stdout(&out).ends_with("3 passed, 0 failed\n"));
}

#[test]
fn replays_are_byte_identical() {
    for extra in [
        &[][..],
        &["--columns"][..],
        &["--only", "vote,leader", "--server", "1"][..],
    ] {
        let args = [&["replay", "TestReElection3A", "--seed", "0x2a"][..], extra].concat();
        let a = lab(&args);
        let b = lab(&args);
        assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
        assert!(!a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "{extra:?}");
    }
    let out = stdout(&lab(&["replay", "TestReElection3A", "--seed", "0x2a"]));
    assert!(
        out.contains("---- disconnect: disconnect S"),
        "tester events shown"
    );
    assert!(out.contains(" vote "), "raft events shown");
    assert!(out.ends_with("PASSED\n"));
}

#[test]
fn oracles_run_alone_and_their_failures_replay() {
    // The planted Raft grants votes without persisting them: the course's
    // 3A sees nothing, the durability oracle alone fails it on every seed.
    let raft = ["--raft", "unpersisted-vote"];
    let plain = lab(&[
        &raft[..],
        &["sweep", "TestInitialElection3A", "--seeds", "2"],
    ]
    .concat());
    assert_eq!(plain.status.code(), Some(0), "{}", stdout(&plain));
    let args = [
        &raft[..],
        &[
            "--oracles",
            "durability",
            "sweep",
            "TestInitialElection3A",
            "--seeds",
            "2",
        ],
    ]
    .concat();
    let out = lab(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.ends_with("0 passed, 2 failed\n"), "{text}");
    assert!(
        text.contains("oracle failed in oracle:durability: S"),
        "{text}"
    );
    assert!(
        text.contains(", but a restart from its persisted state would "),
        "{text}"
    );
    let replay = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("fastest replay: "))
        .expect("a replay line");
    assert!(
        replay.ends_with(" --oracles durability --raft unpersisted-vote"),
        "{replay}"
    );
    let replayed = lab(&replay_args(replay));
    assert_eq!(replayed.status.code(), Some(1), "{}", stdout(&replayed));
    assert!(stdout(&replayed).contains("oracle:durability"));
}

#[test]
fn oracle_lists_are_checked_before_any_work() {
    for args in [
        &["--oracles", "yes", "list"][..],
        &["--oracles", "", "list"][..],
        &["--strict", "--oracles", "durability", "list"][..],
    ] {
        let out = lab(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    let out = lab(&["--oracles", "yes", "list"]);
    assert!(stderr(&out).contains("durability"), "names the oracles");
}

#[test]
fn a_failed_run_names_its_first_broken_invariant_unless_told_not_to() {
    let raft = ["--raft", "bug:vote-without-up-to-date-check"];
    let run = ["run", "TestFailAgree3B", "--seed", "1", "--edition", "2025"];
    let out = lab(&[&raft[..], &run[..]].concat());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("\n  first broken invariant: 2.463s, oracle:election-restriction: S0 voted for S1 in term 5"),
        "{text}"
    );
    assert!(
        text.contains(" --strict --raft bug:vote-without-up-to-date-check\n"),
        "{text}"
    );
    let quick = lab(&[&raft[..], &run[..], &["--no-root-cause"][..]].concat());
    assert_eq!(quick.status.code(), Some(1));
    assert!(!stdout(&quick).contains("first broken invariant"));
}
