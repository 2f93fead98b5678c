//! Timelines from the command line (issue #11): `lab replay --html
//! --perfetto`, the automatic timelines of `lab run` and `lab sweep` under
//! `LAB_VIS` and `LAB_VIS_DIR`, and bad paths and settings refused before
//! any run.
//!
//! Runs the reference Raft and its injected bugs: with the `reference`
//! feature only (staff-only: not in `make handout`).

#![cfg(feature = "reference")]

mod common;

use common::{stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty folder for this test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-vis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `lab` with `vars` set (and `LAB_VIS*` cleared otherwise).
fn lab_env(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env_remove("LAB_VIS").env_remove("LAB_VIS_DIR");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("lab runs")
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn figure8(html: &Path, perfetto: &Path) -> Output {
    let (h, p) = (html.to_str().unwrap(), perfetto.to_str().unwrap());
    let args = [
        "--raft",
        "bug:commit-old-term",
        "replay",
        "TestFigure83C",
        "--seed",
        "0x32",
        "--html",
        h,
        "--perfetto",
        p,
    ];
    lab_env(&[], &args)
}

#[test]
fn replay_pictures_are_the_same_bytes_for_the_same_seed() {
    let dir = folder("same-bytes");
    let (h1, p1) = (dir.join("a.html"), dir.join("a.json"));
    let (h2, p2) = (dir.join("b.html"), dir.join("b.json"));
    let first = figure8(&h1, &p1);
    let second = figure8(&h2, &p2);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let out = stdout(&first);
    let lines: Vec<&str> = out.lines().collect();
    let replay = lines
        .iter()
        .position(|l| l.starts_with("  replay: ") && l.contains(" replay TestFigure83C "))
        .expect("the replay line");
    assert_eq!(
        lines[replay + 1],
        format!("  timeline: {}", h1.display()),
        "under the replay line"
    );
    assert!(lines[replay + 2].starts_with(&format!("  perfetto: {}", p1.display())));
    assert_eq!(second.status.code(), Some(1));
    assert_eq!(
        std::fs::read(&h1).unwrap(),
        std::fs::read(&h2).unwrap(),
        "same HTML bytes"
    );
    assert_eq!(
        std::fs::read(&p1).unwrap(),
        std::fs::read(&p2).unwrap(),
        "same Perfetto bytes"
    );
    let page = std::fs::read_to_string(&h1).unwrap();
    assert!(page.contains("TestFigure83C") && page.contains("commit index=52"));
    // Self-contained: no external script, style or image; the only URL is
    // SVG's namespace name.
    assert!(!page.contains("<script src") && !page.contains("<link") && !page.contains("url(http"));
    assert_eq!(
        page.matches("http").count(),
        page.matches("http://www.w3.org/2000/svg").count()
    );
}

#[test]
fn the_perfetto_file_has_servers_tracks_and_flow_pairs() {
    let dir = folder("perfetto");
    let (html, json) = (dir.join("f8.html"), dir.join("f8.json"));
    assert_eq!(figure8(&html, &json).status.code(), Some(1));
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let processes: Vec<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(processes, ["S0", "S1", "S2", "S3", "S4", "tester"]);
    for pid in 1..=5 {
        let role_track = events
            .iter()
            .any(|e| e["ph"] == "M" && e["pid"] == pid && e["args"]["name"] == "role / term");
        assert!(role_track, "S{} has a role track", pid - 1);
    }
    let lanes = events.iter().filter(|e| e["cat"] == "lane").count();
    assert!(
        lanes > 5,
        "Figure 8 crashes and restarts servers: {lanes} incarnations"
    );
    let starts: Vec<&Value> = events.iter().filter(|e| e["ph"] == "s").collect();
    let finishes: Vec<&Value> = events.iter().filter(|e| e["ph"] == "f").collect();
    assert_eq!(
        starts.len(),
        finishes.len(),
        "every flow starts and finishes"
    );
    for s in &starts {
        assert_eq!(finishes.iter().filter(|f| f["id"] == s["id"]).count(), 1);
    }
    let failure = events
        .iter()
        .find(|e| e["cat"] == "failure")
        .expect("the failure");
    assert!(
        failure["args"]["message"]
            .as_str()
            .unwrap()
            .starts_with("commit index=")
    );
    assert!(events.iter().all(|e| e["ph"] == "M" || e["ts"].is_u64()));
}

/// Variables, arguments, and what the error says.
type Case<'a> = (&'a [(&'a str, &'a str)], Vec<&'a str>, &'a str);

#[test]
fn unusable_paths_and_settings_are_one_line_errors_before_any_run() {
    let dir = folder("bad");
    let missing = dir.join("no/such/folder/x.html");
    let a_file = dir.join("file");
    std::fs::write(&a_file, "x").unwrap();
    let d = dir.to_str().unwrap();
    let cases: [Case; 5] = [
        (
            &[],
            vec![
                "replay",
                "TestInitialElection3A",
                "--seed",
                "1",
                "--html",
                d,
            ],
            "is a directory",
        ),
        (
            &[],
            vec![
                "replay",
                "TestInitialElection3A",
                "--seed",
                "1",
                "--perfetto",
                missing.to_str().unwrap(),
            ],
            "cannot write",
        ),
        (
            &[("LAB_VIS", "sometimes")],
            vec!["run", "TestInitialElection3A", "--seed", "1"],
            "LAB_VIS: 'sometimes'",
        ),
        (
            &[("LAB_VIS", "maybe")],
            vec!["sweep", "TestInitialElection3A", "--seeds", "1"],
            "not one of failure, always, never",
        ),
        (
            &[("LAB_VIS_DIR", a_file.to_str().unwrap())],
            vec!["run", "TestInitialElection3A", "--seed", "1"],
            "is not a directory",
        ),
    ];
    for (vars, args, says) in cases {
        let out = lab_env(vars, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}: nothing ran");
    }
}

#[test]
fn a_failing_run_writes_its_timeline_and_says_where_under_the_replay_line() {
    let dir = folder("run");
    let d = dir.to_str().unwrap();
    let args = [
        "--raft",
        "never-leader",
        "run",
        "TestInitialElection3A",
        "--seed",
        "1",
    ];
    let out = lab_env(&[("LAB_VIS_DIR", d)], &args);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let replay = lines
        .iter()
        .position(|l| l.starts_with("  replay: ") && l.contains(" replay TestInitialElection3A "))
        .expect("a replay line");
    let file = dir.join("TestInitialElection3A-0x1-2026-never-leader.html");
    assert_eq!(lines[replay + 1], format!("  timeline: {}", file.display()));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("expected one leader")
    );

    let never = folder("run-never");
    let out = lab_env(
        &[
            ("LAB_VIS", "never"),
            ("LAB_VIS_DIR", never.to_str().unwrap()),
        ],
        &args,
    );
    assert!(!stdout(&out).contains("timeline:"));
    assert!(files(&never).is_empty(), "LAB_VIS=never writes nothing");

    let always = folder("run-always");
    let pass = ["run", "TestInitialElection3A", "--seed", "1"];
    let out = lab_env(
        &[
            ("LAB_VIS", "always"),
            ("LAB_VIS_DIR", always.to_str().unwrap()),
        ],
        &pass,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("timeline: "));
    assert_eq!(files(&always), ["TestInitialElection3A-0x1-2026.html"]);
}

#[test]
fn a_sweep_writes_one_timeline_per_failure_signature_of_its_fastest_seed() {
    let dir = folder("sweep");
    let args = [
        "--raft",
        "never-leader",
        "sweep",
        "TestInitialElection3A",
        "--seeds",
        "3",
        "--jobs",
        "1",
    ];
    let out = lab_env(
        &[
            ("LAB_VIS", "always"),
            ("LAB_VIS_DIR", dir.to_str().unwrap()),
        ],
        &args,
    );
    assert_eq!(out.status.code(), Some(1));
    let names = files(&dir);
    assert_eq!(
        names.len(),
        1,
        "one signature, one timeline, never one per failure: {names:?}"
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let fastest = lines
        .iter()
        .position(|l| l.starts_with("  fastest replay: "))
        .expect("the group's replay");
    let seed = lines[fastest]
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(
        names[0],
        format!("TestInitialElection3A-{seed}-2026-never-leader.html")
    );
    assert_eq!(
        lines[fastest + 1],
        format!("  timeline: {}", dir.join(&names[0]).display())
    );
}

#[test]
fn a_runaway_run_is_not_drawn_again_automatically() {
    let dir = folder("runaway");
    let args = [
        "--raft",
        "runaway",
        "run",
        "TestInitialElection3A",
        "--seed",
        "1",
        "--max-events",
        "200000",
    ];
    let out = lab_env(&[("LAB_VIS_DIR", dir.to_str().unwrap())], &args);
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("  timeline not written: a runaway run is not drawn automatically")
    );
    assert!(files(&dir).is_empty());
}
