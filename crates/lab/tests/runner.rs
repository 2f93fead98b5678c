//! The runner never loses a result and never hangs, tried as a hostile user
//! would: interrupts, killed parents, closed pipes, overflowing seed ranges,
//! empty selections, looping, blocked and slow Rafts (planted ones, which
//! wrap the reference Raft from outside labraft), `--fail-fast`, shards
//! merged, and scenario files past their limits.
//!
//! Runs the built-in binary on the reference and planted Rafts: with the
//! `reference` feature only (staff-only: not in `make handout`).

#![cfg(feature = "reference")]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{lab, stderr, stdout};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lab-runner-{}-{name}", std::process::id()))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the JSON file exists");
    serde_json::from_str(&text).expect("the JSON parses")
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lab starts")
}

fn signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success());
}

/// The processes whose parent is `pid` (from /proc).
fn children(pid: u32) -> Vec<u32> {
    let mut kids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
        if after.split_whitespace().nth(1) == Some(&pid.to_string()) {
            kids.push(child);
        }
    }
    kids
}

/// Whether process `pid` still runs (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, a)| a.split_whitespace().next());
    matches!(state, Some(s) if s != "Z" && s != "X")
}

/// Waits (up to a minute) until `ready` holds.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many runs a `--json` file being written holds so far.
fn results_so_far(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .matches("\"trace_hash\"")
        .count()
}

#[test]
fn sigint_leaves_valid_json_of_the_finished_runs_no_workers_and_exit_130() {
    sigint_case(&[], "sigint.json", "");
}

#[test]
fn sigint_leaves_a_checked_sweep_complete_too() {
    // Two processes, a worker and its checker; the jobs the worker took
    // ahead of its turn count as skipped.
    sigint_case(
        &["--check-determinism"],
        "sigint-checked.json",
        ", 0 nondeterministic",
    );
}

/// A sweep of 1.2 billion runs with `extra`, interrupted once 20 results
/// are written; `nondeterministic` is the summary's column for it.
fn sigint_case(extra: &[&str], file: &str, nondeterministic: &str) {
    let path = temp(file);
    let p = path.to_str().unwrap();
    // 400 million seeds: jobs are made as needed (no allocation up front).
    let mut args = vec![
        "sweep",
        "3A",
        "--seeds",
        "400000000",
        "--jobs",
        "2",
        "--json",
        p,
    ];
    args.extend_from_slice(extra);
    let sweep = spawn(&args);
    wait_for("some runs written", || results_so_far(&path) >= 20);
    let workers = children(sweep.id());
    assert_eq!(workers.len(), 2, "{workers:?}");
    signal(sweep.id(), "-INT");
    let out = sweep.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(130), "{text}{}", stderr(&out));
    for w in workers {
        assert!(!alive(w), "worker {w} outlived the sweep");
    }
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    let results = json["results"].as_array().unwrap();
    let finished = results.len() as u64;
    assert!(finished >= 20);
    assert_eq!(json["interrupted"], true);
    assert_eq!(json["runs"], 1_200_000_000u64);
    assert_eq!(
        json["passed"].as_u64().unwrap() + json["failed"].as_u64().unwrap(),
        finished
    );
    assert_eq!(
        json["skipped_runs"].as_u64().unwrap(),
        1_200_000_000 - finished
    );
    // In (test, seed) order, without gaps before the first skipped seed.
    let seeds: Vec<u64> = results
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds[..10], (1..=10).collect::<Vec<_>>());
    let last = text.lines().rev().nth(1).unwrap();
    assert_eq!(
        last,
        format!("interrupted after {finished} of 1200000000 runs")
    );
    assert!(
        text.ends_with(&format!(
            "{finished} passed, 0 failed{nondeterministic}, {} skipped\n",
            1_200_000_000 - finished
        )),
        "{text}"
    );
}

#[test]
fn workers_leave_when_their_parent_is_killed() {
    let mut sweep = spawn(&["sweep", "", "--seeds", "100000", "--jobs", "2"]);
    let parent = sweep.id();
    wait_for("two workers", || children(parent).len() == 2);
    let workers = children(parent);
    signal(parent, "-KILL");
    let _ = sweep.wait();
    wait_for("the orphaned workers to exit", || {
        workers.iter().all(|&w| !alive(w))
    });
}

#[test]
fn a_closed_stdout_ends_quietly_and_the_json_is_still_written() {
    let mut run = spawn(&["run", "3A", "--seed", "1"]);
    let mut first = String::new();
    BufReader::new(run.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("Test (3A): "), "{first}");
    // The read end is closed now: the rest of the output goes nowhere.
    let out = run.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    let path = temp("epipe.json");
    let mut sweep = spawn(&[
        "--raft",
        "flaky",
        "sweep",
        "3A",
        "--seeds",
        "30",
        "--json",
        path.to_str().unwrap(),
    ]);
    drop(sweep.stdout.take());
    let mut err = String::new();
    sweep
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = sweep.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "the flaky Raft fails some runs: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(json["results"].as_array().unwrap().len(), 90);
}

#[test]
fn overflowing_and_empty_selections_exit_2_before_any_run() {
    let cases: [&[&str]; 11] = [
        &[
            "sweep",
            "3A",
            "--from",
            "0xFFFFFFFFFFFFFFFE",
            "--seeds",
            "3",
        ],
        &["sweep", "", "--seeds", "18446744073709551615"],
        &["sweep", "3A", "--seeds", "9223372036854775808"],
        &["sweep", "3A", "--shard", "3/4", "--seeds", "2"],
        &["run", "3A", "--seed", "0xffffffffffffffff", "--seeds", "2"],
        &["sweep", "Bakup", "--seeds", "1"],
        &["sweep", "3E", "--seeds", "1"],
        &[
            "sweep",
            "3A",
            "--seeds",
            "1",
            "--json",
            "/nonexistent-dir/x.json",
        ],
        &["sweep", "3A", "--seeds", "1", "--json", "-"],
        &["mutants", "--from", "0xffffffffffffffff", "--seeds", "2"],
        &["merge", "/nonexistent-dir/x.json"],
    ];
    for args in cases {
        let out = lab(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(stdout(&out).is_empty(), "{args:?} ran something");
    }
    let err = stderr(&lab(&["sweep", "Bakup", "--seeds", "1"]));
    assert!(err.contains("did you mean TestBackup3B?"), "{err}");
    let huge = "x".repeat(100_000);
    let err = stderr(&lab(&["run", &huge]));
    assert!(
        err.len() < 300 && err.contains("(100000 bytes)"),
        "{}",
        err.len()
    );
    // Filters match in any case.
    let out = lab(&["list", "backup"]);
    assert!(stdout(&out).contains("TestBackup3B"));
}

#[test]
fn fail_fast_counts_and_lists_the_runs_it_skipped() {
    fail_fast_stops_soon(&[], "failfast.json");
}

#[test]
fn fail_fast_stops_a_checked_sweep_too() {
    fail_fast_stops_soon(&["--check-determinism"], "failfast-checked.json");
}

/// A sweep of a Raft that fails in most runs, with `--fail-fast` and
/// `extra`: it stops after a few runs, however fast they are (the runs
/// already handed to a worker finish), and counts the rest as skipped.
fn fail_fast_stops_soon(extra: &[&str], file: &str) {
    let path = temp(file);
    let mut args = vec![
        "--raft",
        "flaky",
        "sweep",
        "3A",
        "--seeds",
        "40",
        "--jobs",
        "1",
        "--fail-fast",
        "--json",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = lab(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    let finished = json["results"].as_array().unwrap().len() as u64;
    let skipped = json["skipped_runs"].as_u64().unwrap();
    // At most the failing run and those queued behind it on the worker
    // (and, checked, on its checker) ran past the first failure.
    assert!(skipped >= 100, "{skipped} skipped: {text}");
    assert_eq!(finished + skipped, 120);
    let listed: u64 = json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(listed, skipped);
    assert!(
        text.lines()
            .any(|l| l.starts_with("test ") && l.contains(" skipped "))
    );
    assert!(text.contains("not run (--fail-fast, after the first failure):"));
    assert!(text.ends_with(&format!(", {skipped} skipped\n")), "{text}");
    assert_eq!(json["interrupted"], false);
}

#[test]
fn a_looping_raft_is_stopped_by_its_cpu_limit_with_the_virtual_time_reached() {
    let out = lab(&[
        "--raft",
        "hang",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "1",
        "--timeout-ms",
        "1000",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    let fail = text.lines().find(|l| l.starts_with("FAIL ")).unwrap();
    assert!(
        fail.contains("hang (watchdog) in cpu-limit: exceeded the CPU limit of 1 s (raise it with --timeout-ms)"),
        "{fail}"
    );
    let at: u64 = fail
        .split(" at ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(at >= 1000, "it loops from 1 s of virtual time on: {fail}");
    // `lab run` reports the same and exits 4.
    let run = lab(&[
        "--raft",
        "hang",
        "run",
        "TestInitialElection3A",
        "--seed",
        "1",
        "--timeout-ms",
        "1000",
    ]);
    assert_eq!(run.status.code(), Some(4));
    assert!(
        stdout(&run).contains("exceeded the CPU limit of 1 s"),
        "{}",
        stdout(&run)
    );
}

#[test]
fn every_run_queued_behind_a_hung_one_runs_on_the_next_worker() {
    // One worker, jobs written to it ahead of their turn: each hangs and
    // takes the worker with it; the jobs queued behind it are run by the
    // next worker, each reported once, in order.
    let path = temp("queued.json");
    let out = lab(&[
        "--raft",
        "hang",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "3",
        "--jobs",
        "1",
        "--timeout-ms",
        "500",
        "--json",
        path.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.ends_with("0 passed, 3 failed\n"), "{text}");
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    let results = json["results"].as_array().unwrap();
    let seeds: Vec<u64> = results
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [1, 2, 3]);
    for r in results {
        assert_eq!(r["failure"]["check"], "cpu-limit", "{r}");
    }
}

#[test]
fn a_blocked_raft_is_reported_as_stopped_answering() {
    let out = lab(&[
        "--raft",
        "blocks",
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
    assert_eq!(
        text.matches("in no-progress: stopped answering: used no CPU for 1 s")
            .count(),
        2,
        "{text}"
    );
    assert!(text.ends_with("0 passed, 2 failed\n"));
}

#[test]
fn a_worker_that_stops_answering_is_killed_by_the_parents_backstop() {
    // SIGSTOP freezes the worker and its own watchdog: only the parent,
    // which sees it use no CPU, can end the run.
    let sweep = spawn(&[
        "--raft",
        "slow",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "1",
        "--timeout-ms",
        "1000",
    ]);
    wait_for("the worker", || children(sweep.id()).len() == 1);
    signal(children(sweep.id())[0], "-STOP");
    let out = sweep.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains("hang (watchdog) in no-progress: stopped answering: the worker used no CPU for 3000 ms and was killed"),
        "{text}"
    );
    assert!(text.contains("at an unknown virtual time"), "{text}");
}

/// CPU burners at the priority of the sweep beside them; killed on drop.
struct Burners(Vec<Child>);

impl Burners {
    fn start(count: usize) -> Burners {
        Burners(
            (0..count)
                .map(|_| {
                    Command::new("nice")
                        .args(["-n", "5", "sh", "-c", "while :; do :; done"])
                        .spawn()
                        .expect("a burner starts")
                })
                .collect(),
        )
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_slow_but_correct_raft_passes_within_its_cpu_limit_on_a_loaded_machine() {
    // Each run of `slow` uses about 0.7 s of CPU; beside two burners (and
    // the machine's other work) it takes longer in wall-clock time than
    // the 2 s limit, which a wall-clock watchdog would call a hang.
    let burners = Burners::start(2);
    let path = temp("slow.json");
    let out = Command::new("nice")
        .args(["-n", "5", env!("CARGO_BIN_EXE_lab")])
        .args([
            "--raft",
            "slow",
            "sweep",
            "TestInitialElection3A",
            "--seeds",
            "4",
            "--jobs",
            "2",
        ])
        .args(["--timeout-ms", "2000", "--json", path.to_str().unwrap()])
        .env("LAB_STATUS_S", "1")
        .output()
        .expect("lab runs");
    drop(burners);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.ends_with("4 passed, 0 failed\n"), "{text}");
    // Piped, it says what runs at least every LAB_STATUS_S.
    let err = stderr(&out);
    assert!(err.contains("status: "), "{err}");
    assert!(
        err.contains("; running: TestInitialElection3A seed=0x"),
        "{err}"
    );
    let json = read_json(&path);
    let _ = std::fs::remove_file(&path);
    let walls: Vec<f64> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["wall_ms"].as_f64().unwrap())
        .collect();
    eprintln!("wall ms per run beside the burners (limit: 2000 ms of CPU): {walls:?}");
}

fn sweep_json(extra: &[&str], name: &str) -> (Output, PathBuf) {
    let path = temp(name);
    let args = [
        &[
            "--raft",
            "flaky",
            "sweep",
            "3A",
            "--seeds",
            "9",
            "--json",
            path.to_str().unwrap(),
        ][..],
        extra,
    ]
    .concat();
    (lab(&args), path)
}

#[test]
fn merged_shards_give_the_table_and_exit_code_of_one_sweep() {
    let (whole, whole_path) = sweep_json(&[], "whole.json");
    let mut shards = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        shards.push(sweep_json(&["--shard", &shard], &format!("shard{k}.json")).1);
    }
    let files: Vec<&str> = shards.iter().map(|p| p.to_str().unwrap()).collect();
    let merged = lab(&[&["merge"][..], &files].concat());
    let merged_text = stdout(&merged);
    assert_eq!(merged.status.code(), whole.status.code(), "{merged_text}");
    assert!(merged_text.starts_with("merged 3 files: shards 1/3..3/3 of \"3A\", edition 2026\n"));
    // The same table (but the wall times), groups and closing line (a merge
    // draws no timelines).
    let strip = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| {
                !l.starts_with("FAIL ")
                    && !l.starts_with("  replay: ")
                    && !l.starts_with("merged ")
                    && !l.starts_with("  timeline: ")
            })
            .map(|l| l.rsplit_once(' ').map_or(l, |(head, _)| head).to_string())
            .collect()
    };
    let whole_text = stdout(&whole);
    let from_table = |t: &str| strip(&t[t.find("\ntest ").unwrap()..]);
    assert_eq!(from_table(&merged_text), from_table(&whole_text));
    let missing = lab(&["merge", files[0], files[2]]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr(&missing), "error: missing shard 2/3\n");
    for p in shards.iter().chain([&whole_path]) {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn hostile_scenario_files_are_refused_with_file_line_and_field() {
    let dir = temp("scenarios");
    let cases = [
        (
            "duration_ms = 1000",
            "duration_ms = 18446744073709551615",
            ":4: field `duration_ms`: ",
        ),
        (
            "[workload]",
            "[workload]\nclients = 100000",
            ":6: field `workload.clients`: ",
        ),
        (
            "[workload]",
            "[swarm]",
            ":4: field `swarm.servers`: missing field",
        ),
    ];
    for (from, to, expected) in cases {
        std::fs::create_dir_all(&dir).unwrap();
        let text = "version = 1\nname = \"h\"\nservers = 3\nduration_ms = 1000\n[workload]\n";
        let text = text.replace(from, to);
        let text = if to == "[swarm]" {
            text.replace("servers = 3\n", "")
        } else {
            text
        };
        std::fs::write(dir.join("h.toml"), text).unwrap();
        let out = lab(&["--scenarios", dir.to_str().unwrap(), "list"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: ") && err.contains("h.toml") && err.contains(expected),
            "{expected}: {err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
