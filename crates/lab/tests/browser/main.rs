//! The timelines in a real browser (issue #11): this test makes the pages
//! of real runs, then `browser-tests/timeline.test.mjs` opens each in
//! headless Chromium (Debian's, driven by playwright-core) and checks what a
//! person would see: no JavaScript error, one lane per server incarnation,
//! the network track, the failure marker with the course's message, the
//! state panel after a click; it saves a screenshot of each under
//! `target/browser-tests/`.
//!
//! The pages: a 5-server Figure 8 failure of an injected bug, the same test
//! failed by a strict oracle, a passing run, the longest course test (its
//! size is checked here), a student's Raft written in this directory, and
//! a Raft that never returns, drawn up to the hang.
//!
//! Chromium and playwright-core come from `scripts/install-browser-deps`
//! (`make test` runs it). Without them this test fails, saying so; set
//! `LAB_BROWSER=skip` to skip it knowingly.
//!
//! Runs the reference Raft and its injected bugs: with the `reference`
//! feature only (staff-only: not in `make handout`).

#![cfg(feature = "reference")]

#[path = "../common/mod.rs"]
mod common;
mod student;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use tester::{Factory, RunSpec, registry};

/// The size the longest course test's page must stay under (issue #11).
const MAX_PAGE_BYTES: u64 = 5 * 1024 * 1024;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn out_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .to_path_buf();
    let dir = target.join("browser-tests");
    std::fs::create_dir_all(&dir).expect("the output folder");
    dir
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("no Chromium at {chromium}"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node on the PATH".into());
    }
    if !repo()
        .join("browser-tests/node_modules/playwright-core")
        .is_dir()
    {
        return Some("browser-tests/node_modules has no playwright-core".into());
    }
    None
}

/// `lab replay` with `--html` (and `--perfetto`) into the output folder.
fn replay(name: &str, global: &[&str], test: &str, seed: &str) -> (PathBuf, String) {
    let html = out_dir().join(format!("{name}.html"));
    let perfetto = out_dir().join(format!("{name}.json"));
    let mut args: Vec<&str> = global.to_vec();
    let (h, p) = (html.to_str().unwrap(), perfetto.to_str().unwrap());
    args.extend(["replay", test, "--seed", seed, "--html", h, "--perfetto", p]);
    let out = common::lab(&args);
    let stdout = common::stdout(&out);
    assert!(stdout.contains(&format!("  timeline: {h}")), "{stdout}");
    (html, stdout)
}

/// What a page must show of a run, counted from its events: incarnations
/// (`restart` markers), RPCs sent and role changes seen by the harness.
fn counts<R: raftapi::Raft>(spec: RunSpec, factory: Factory<R>) -> (usize, usize, usize) {
    let (_, events) = tester::vis::run_collected(spec, factory);
    let count = |target: &str, topic: &str| {
        events
            .iter()
            .filter(|e| e.topic == topic && e.target.ends_with(target))
            .count()
    };
    (
        count("tester", "restart"),
        count("lab::rpc", "send"),
        count("lab::state", "role"),
    )
}

fn reference() -> Factory<labraft::Raft> {
    lab::reference()
}

fn spec(test: &str, seed: u64) -> RunSpec {
    RunSpec::new(
        registry::find(test).expect("a test"),
        seed,
        tester::Edition::default(),
    )
}

fn entry(
    name: &str,
    file: &Path,
    servers: usize,
    seen: (usize, usize, usize),
    failure: Option<&str>,
    oracle: bool,
) -> Value {
    let (incarnations, rpcs, roles) = seen;
    json!({
        "name": name,
        "file": file,
        "servers": servers,
        "incarnations": incarnations,
        "rpcs": rpcs,
        "roles": roles,
        "failure": failure,
        "oracle": oracle,
        "screenshot": out_dir().join(format!("{name}.png")),
    })
}

fn figure8_failure() -> Value {
    let (file, stdout) = replay(
        "figure8-commit-old-term",
        &["--raft", "bug:commit-old-term"],
        "TestFigure83C",
        "0x32",
    );
    assert!(stdout.contains("check failed in nCommitted"), "{stdout}");
    let bugged = lab::injected::find("bug:commit-old-term").expect("a catalogued bug");
    let n = counts(spec("TestFigure83C", 0x32), bugged());
    entry(
        "figure8-commit-old-term",
        &file,
        5,
        n,
        Some("commit index="),
        false,
    )
}

fn figure8_oracle() -> Value {
    let global = ["--strict", "--raft", "bug:apply-past-commit"];
    let (file, stdout) = replay("figure8-strict-oracle", &global, "TestFigure83C", "0x1");
    assert!(stdout.contains("oracle failed"), "{stdout}");
    let bugged = lab::injected::find("bug:apply-past-commit").expect("a catalogued bug");
    let n = counts(spec("TestFigure83C", 1).strict(true), bugged());
    let oracle = stdout
        .lines()
        .find_map(|l| l.split(" in oracle:").nth(1))
        .expect("the oracle's name");
    let message = oracle
        .split_once(": ")
        .expect("oracle: message")
        .1
        .to_string();
    entry("figure8-strict-oracle", &file, 5, n, Some(&message), true)
}

fn passing() -> Value {
    let (file, stdout) = replay("reelection-passed", &[], "TestReElection3A", "1");
    assert!(stdout.contains("PASSED"), "{stdout}");
    let n = counts(spec("TestReElection3A", 1), reference());
    entry("reelection-passed", &file, 3, n, None, false)
}

fn longest() -> Value {
    let (file, _) = replay(
        "snapshot-install-unreliable",
        &[],
        "TestSnapshotInstallUnreliable3D",
        "1",
    );
    let bytes = std::fs::metadata(&file).expect("the page").len();
    println!("TestSnapshotInstallUnreliable3D seed 1: {bytes} bytes");
    assert!(bytes <= MAX_PAGE_BYTES, "{bytes} bytes");
    let n = counts(spec("TestSnapshotInstallUnreliable3D", 1), reference());
    entry("snapshot-install-unreliable", &file, 3, n, None, false)
}

/// A Raft that never returns (lab's planted `hang`, outside labraft):
/// `lab replay` draws the run up to the hang, marked where it stopped.
fn hung() -> Value {
    let html = out_dir().join("hung.html");
    let h = html.to_str().expect("utf-8");
    let args = [
        "--raft",
        "hang",
        "replay",
        "TestInitialElection3A",
        "--seed",
        "1",
    ];
    let out = common::lab(&[&args[..], &["--timeout-ms", "300", "--html", h]].concat());
    let stdout = common::stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains(&format!("  timeline: {h}")), "{stdout}");
    // What the page must show, from the replay's own lines.
    let label = |l: &str| l.split_whitespace().nth(2).map(str::to_string);
    let labels: Vec<String> = stdout.lines().filter_map(label).collect();
    let count = |what: &str| labels.iter().filter(|l| *l == what).count();
    let seen = (count("restart:"), count("send"), count("role"));
    assert_eq!(seen.0, 3, "three servers, none restarted: {stdout}");
    entry(
        "hung",
        &html,
        3,
        seen,
        Some("exceeded the CPU limit"),
        false,
    )
}

fn student_factory() -> Factory<student::Student> {
    Box::new(<student::Student as raftapi::Raft>::make)
}

/// The student's Raft on TestReElection3A: its first failing seed.
fn student() -> Value {
    let failing = (1..=40)
        .map(|seed| spec("TestReElection3A", seed))
        .find_map(|s| {
            let outcome = tester::run(s, student_factory());
            (!outcome.passed()).then_some((s, outcome))
        });
    let (s, outcome) =
        failing.expect("the leader that never steps down fails a re-election within 40 seeds");
    let about = tester::vis::About {
        raft: Some("student".into()),
        replay: vec![format!("seed {:#x}", s.seed)],
        notes: Vec::new(),
    };
    let (again, timeline) = tester::vis::picture(s, student_factory(), Some(&outcome), about);
    assert_eq!(
        again.trace_hash, outcome.trace_hash,
        "the re-run is the run"
    );
    let file = out_dir().join("student-reelection.html");
    std::fs::write(&file, labvis::html::render(&timeline)).expect("the page");
    let message = outcome.result.as_ref().unwrap_err().message.clone();
    let n = counts(s, student_factory());
    entry("student-reelection", &file, 3, n, Some(&message), false)
}

#[test]
fn timelines_open_in_headless_chromium() {
    if let Some(missing) = missing_prerequisite() {
        if std::env::var("LAB_BROWSER").as_deref() == Ok("skip") {
            println!("SKIPPED the browser tests (LAB_BROWSER=skip): {missing}");
            return;
        }
        panic!(
            "the browser tests cannot run: {missing}; run scripts/install-browser-deps (or set LAB_BROWSER=skip to skip them knowingly)"
        );
    }
    let entries = vec![
        figure8_failure(),
        figure8_oracle(),
        passing(),
        longest(),
        student(),
        hung(),
    ];
    let manifest = out_dir().join("manifest.json");
    std::fs::write(&manifest, serde_json::to_string_pretty(&entries).unwrap()).unwrap();
    let out = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg("timeline.test.mjs")
        .current_dir(repo().join("browser-tests"))
        .env("LAB_BROWSER_MANIFEST", &manifest)
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "the browser tests failed:\n{text}");
    for e in &entries {
        let shot = PathBuf::from(e["screenshot"].as_str().unwrap());
        assert!(
            std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
            "a screenshot at {}",
            shot.display()
        );
    }
}
