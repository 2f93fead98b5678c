//! `--check-determinism` on Rafts written outside labraft that are not
//! deterministic ([`flawed`]: a `HashSet` iterated with std's random hasher,
//! OS randomness, the wall clock, a `static` counter of runs), and on one
//! that is (the student's Raft). This test target has no libtest harness:
//! run with `LAB_NONDET_AS_BINARY=1` this executable is a user's lab binary
//! with those Rafts as variants; run by `cargo test`, it runs the checks
//! below, each starting itself as that binary.

mod common;
use common::{stderr, stdout};
#[allow(dead_code)]
#[path = "outside/student.rs"]
mod student;

#[path = "nondeterministic/flawed.rs"]
mod flawed;
#[path = "nondeterministic/kill.rs"]
mod kill;

use flawed::{Flaw, Flawed};
use serde_json::Value;
use std::process::{Command, ExitCode, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use student::{Opts, Student};
use tester::Factory;

/// Set to make this executable the lab binary.
const AS_BINARY: &str = "LAB_NONDET_AS_BINARY";

/// The planted Rafts, by variant name.
const FLAWS: [(&str, Flaw); 4] = [
    ("hash-set", Flaw::HashSetOrder),
    ("os-random", Flaw::OsRandom),
    ("wall-clock", Flaw::WallClock),
    ("static-counter", Flaw::StaticCounter),
];

fn flawed(flaw: Flaw) -> Factory<Flawed> {
    Box::new(move |c, p, o| Flawed::make_with(flaw, c, p, o))
}

/// The user's binary: the student's Raft, and each flawed one.
fn binary() -> ExitCode {
    lab::Lab::new()
        .variant("student", "the student's Raft (deterministic)", || {
            Box::new(|c, p, o| Student::make_with(Opts::default(), c, p, o))
        })
        .variant("hash-set", "broadcasts in HashSet order", || {
            flawed(Flaw::HashSetOrder)
        })
        .variant("os-random", "seeded from OS randomness", || {
            flawed(Flaw::OsRandom)
        })
        .variant("wall-clock", "seeded from the wall clock", || {
            flawed(Flaw::WallClock)
        })
        .variant(
            "static-counter",
            "a static count of runs in its seed",
            || flawed(Flaw::StaticCounter),
        )
        .variant(
            "killed",
            "the student's, its process killed in its second run",
            || {
                Box::new(|c, p, o| {
                    kill_in_second_run(&c);
                    Student::make_with(Opts::default(), c, p, o)
                })
            },
        )
        .run()
}

/// How `killed` is killed: `always`, or a path, removed by the one run
/// that is killed (a kill from outside, once).
const KILL: &str = "LAB_KILL_SECOND_RUN";

/// SIGKILLs this process when it starts its second run, as `KILL` says:
/// a checker (its first run is run twice) and never a worker of one job.
fn kill_in_second_run(c: &raftapi::Config) {
    static RUNS_MADE: AtomicU64 = AtomicU64::new(0);
    if c.me.0 != 0 || c.now.0 != 0 || RUNS_MADE.fetch_add(1, Ordering::Relaxed) != 1 {
        return;
    }
    kill::sigkill_as(KILL);
}

/// Runs this executable as the lab binary.
fn me(args: &[&str]) -> Output {
    Command::new(std::env::current_exe().expect("myself"))
        .args(args)
        .env(AS_BINARY, "1")
        .env_remove("LAB_LOG")
        .output()
        .expect("runs")
}

/// `sweep` with `args` and `--json`: the output and the document.
fn sweep(args: &[&str]) -> (Output, Value) {
    let json = std::env::temp_dir().join(format!(
        "lab-nondet-{}-{}.json",
        std::process::id(),
        args.join("-").replace('/', "_")
    ));
    let json_arg = json.to_str().unwrap();
    let out = me(&[args, &["--json", json_arg]].concat());
    let text = std::fs::read_to_string(&json)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    let _ = std::fs::remove_file(&json);
    (out, serde_json::from_str(&text).expect("valid JSON"))
}

/// A finding's two sides at the first divergent event: (A's text, B's).
fn sides(finding: &Value) -> (String, String) {
    let d = &finding["divergence"];
    assert!(d.is_object(), "a first divergent event: {finding}");
    let text = |side: &str| {
        d[side]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("run {side} has an event: {d}"))
            .to_string()
    };
    (text("run_a"), text("run_b"))
}

/// Every flaw, in a sweep: each run nondeterministic, none a failure,
/// each with a first divergent event whose two descriptions differ.
fn a_every_flaw_is_named_nondeterministic_in_a_sweep() {
    for (name, _) in FLAWS {
        let args = [
            "--raft",
            name,
            "sweep",
            "TestInitialElection3A",
            "--seeds",
            "3",
            "--check-determinism",
        ];
        let (out, doc) = sweep(&args);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(5), "{name}: {text}");
        assert_eq!(doc["nondeterministic"], 3, "{name}");
        assert_eq!(
            (doc["passed"].as_u64(), doc["failed"].as_u64()),
            (Some(0), Some(0))
        );
        for run in doc["results"].as_array().unwrap() {
            assert!(
                run["failure"].is_null(),
                "{name}: not a check failure: {run}"
            );
            assert_eq!(run["passed"], false);
            let (a, b) = sides(&run["nondeterministic"]);
            assert_ne!(a, b, "{name}: the two descriptions differ");
        }
        let header = text.lines().find(|l| l.starts_with("test ")).unwrap();
        assert!(header.contains(" nondet "), "{header}");
        assert!(
            text.contains("\nnondeterministic runs (two runs of one seed differed"),
            "{text}"
        );
        assert!(text.contains("  first divergent event: "), "{text}");
        assert!(!text.contains("failures by signature"), "{text}");
        assert!(text.contains("HashMap or HashSet"), "the causes: {text}");
        assert!(
            text.ends_with("0 passed, 0 failed, 3 nondeterministic\n"),
            "{text}"
        );
    }
}

/// A deterministic Raft outside labraft is never flagged.
fn b_the_deterministic_student_is_never_flagged() {
    let (out, doc) = sweep(&[
        "--raft",
        "student",
        "sweep",
        "3A",
        "--seeds",
        "4",
        "--check-determinism",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(doc["nondeterministic"], 0);
    assert_eq!(doc["passed"], 12);
    for run in doc["results"].as_array().unwrap() {
        assert!(run["check_hash"].is_u64(), "{run}");
        assert!(run.get("nondeterministic").is_none());
    }
    assert!(
        text.ends_with("12 passed, 0 failed, 0 nondeterministic\n"),
        "{text}"
    );
}

/// `lab run` and `lab replay` check against a child process; the static
/// counter differs there too (the child has run one run more).
fn c_run_and_replay_name_the_first_divergent_event() {
    for (command, name) in [
        ("run", "static-counter"),
        ("replay", "hash-set"),
        ("replay", "wall-clock"),
    ] {
        let out = me(&[
            "--raft",
            name,
            command,
            "TestInitialElection3A",
            "--seed",
            "1",
            "--check-determinism",
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(5), "{command} {name}: {text}");
        let report = &text[text
            .find("NONDETERMINISTIC TestInitialElection3A seed=0x1")
            .expect(&text)..];
        let line = |prefix: &str| {
            report
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{prefix}: {report}"))
                .to_string()
        };
        let (a, b) = (line("    run A: event "), line("    run B: event "));
        assert_ne!(a, b, "{report}");
        assert!(
            report.contains("  the last events both runs agree on:\n"),
            "{report}"
        );
        assert!(!report.contains("FAIL "), "not a failure: {report}");
        assert!(
            report.contains(" --check-determinism"),
            "replays checking: {report}"
        );
    }
    let out = me(&[
        "--raft",
        "student",
        "replay",
        "TestReElection3A",
        "--seed",
        "1",
        "--check-determinism",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out)
            .ends_with("deterministic: a second run in another process had the same check hash\n")
    );
}

/// A replay line printed by a sweep, pasted, says loudly when its run did
/// not reproduce; a deterministic Raft's says nothing.
fn d_a_pasted_replay_line_warns_that_it_did_not_reproduce() {
    for (name, warns) in [("os-random", true), ("hash-set", true), ("student", false)] {
        let (_, doc) = sweep(&["--raft", name, "sweep", "TestReElection3A", "--seeds", "1"]);
        let run = &doc["results"][0];
        let line = run["replay"].as_str().unwrap();
        let hash = format!(
            "--expect-hash {:#018x}",
            run["trace_hash"].as_u64().unwrap()
        );
        assert!(line.contains(&hash), "{line}");
        let (_, args) = line.split_once(" replay ").expect("a replay line");
        let args: Vec<&str> = ["replay"].into_iter().chain(args.split(' ')).collect();
        let out = me(&args);
        let err = stderr(&out);
        assert_eq!(err.contains("DID NOT REPRODUCE"), warns, "{name}: {err}");
        if warns {
            assert!(
                err.contains("nondeterministic"),
                "why it usually happens: {err}"
            );
            assert!(err.contains(&format!(
                "expected {:#018x}",
                run["trace_hash"].as_u64().unwrap()
            )));
        }
    }
    let bad = me(&[
        "replay",
        "TestReElection3A",
        "--seed",
        "1",
        "--expect-hash",
        "0xzz",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(stderr(&bad).lines().count(), 1, "{}", stderr(&bad));
}

/// A checker killed from outside once does not make a deterministic Raft
/// nondeterministic (its run is run again on a fresh process); a Raft that
/// kills its process on B's side every time still is.
fn e_a_checker_killed_once_is_not_a_finding() {
    let marker = std::env::temp_dir().join(format!("lab-kill-once-{}", std::process::id()));
    let marker_arg = marker.to_str().expect("utf-8").to_string();
    for (how, flagged) in [(marker_arg.as_str(), false), ("always", true)] {
        std::fs::write(&marker, b"").expect("marker written");
        let json = marker.with_extension("json");
        let args = [
            "--raft",
            "killed",
            "sweep",
            "TestReElection3A",
            "--seeds",
            "1",
        ];
        let out = Command::new(std::env::current_exe().expect("myself"))
            .args(args)
            .args([
                "--check-determinism",
                "--json",
                json.to_str().expect("utf-8"),
            ])
            .env(AS_BINARY, "1")
            .env(KILL, how)
            .output()
            .expect("runs");
        let text = stdout(&out);
        assert!(!marker.exists() || how == "always", "killed once: {text}");
        let doc: Value = std::fs::read_to_string(&json)
            .map(|t| serde_json::from_str(&t).expect("valid JSON"))
            .expect(&text);
        let _ = std::fs::remove_file(&json);
        let run = &doc["results"][0];
        assert_eq!(doc["nondeterministic"], u64::from(flagged), "{how}: {text}");
        if flagged {
            assert_eq!(out.status.code(), Some(5), "{text}");
            let note = run["nondeterministic"]["note"].as_str().expect("a note");
            assert!(note.contains("run B did not finish"), "{note}");
        } else {
            assert_eq!(out.status.code(), Some(0), "{text}");
            assert_eq!(run["passed"], true, "{run}");
            assert!(run["check_hash"].is_u64(), "{run}");
        }
    }
    let _ = std::fs::remove_file(&marker);
    std::fs::write(&marker, b"").expect("marker written");
    let out = Command::new(std::env::current_exe().expect("myself"))
        .args(["--raft", "killed", "run", "TestReElection3A", "--seed", "1"])
        .arg("--check-determinism")
        .env(AS_BINARY, "1")
        .env(KILL, &marker)
        .output()
        .expect("runs");
    assert!(!marker.exists(), "lab run's child was killed");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

const CHECKS: &[(&str, fn())] = &[
    (
        "a_every_flaw_is_named_nondeterministic_in_a_sweep",
        a_every_flaw_is_named_nondeterministic_in_a_sweep,
    ),
    (
        "b_the_deterministic_student_is_never_flagged",
        b_the_deterministic_student_is_never_flagged,
    ),
    (
        "c_run_and_replay_name_the_first_divergent_event",
        c_run_and_replay_name_the_first_divergent_event,
    ),
    (
        "d_a_pasted_replay_line_warns_that_it_did_not_reproduce",
        d_a_pasted_replay_line_warns_that_it_did_not_reproduce,
    ),
    (
        "e_a_checker_killed_once_is_not_a_finding",
        e_a_checker_killed_once_is_not_a_finding,
    ),
];

fn main() -> ExitCode {
    if std::env::var_os(AS_BINARY).is_some() {
        return binary();
    }
    common::run_checks("nondeterministic", CHECKS)
}
