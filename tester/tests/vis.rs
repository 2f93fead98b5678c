//! `cargo test`'s timelines (issue #11), for a Raft written here, outside
//! labraft: a server that never campaigns fails TestInitialElection3A, and
//! the failure report names the timeline under its replay line. Each case
//! runs the `#[ignore]`d child test in a process of its own, because
//! `LAB_VIS`, `LAB_VIS_DIR` and `LAB_SEED` are process-wide.

use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term};
use std::path::PathBuf;
use std::process::{Command, Output};
use tester::Factory;

/// A student's Raft before any code: it never campaigns, never calls.
struct Silent;

impl Raft for Silent {
    type Request = ();
    type Reply = ();

    fn make(_: Config, _: Persisted, _: &mut Effects<()>) -> Self {
        Silent
    }
    fn tick(&mut self, _: Instant, _: &mut Effects<()>) {}
    fn handle_request(&mut self, _: Instant, _: NodeId, _: &(), _: &mut Effects<()>) {}
    fn handle_reply(&mut self, _: Instant, _: NodeId, _: (), _: Option<()>, _: &mut Effects<()>) {}
    fn start(&mut self, _: Instant, _: Bytes, _: &mut Effects<()>) -> Option<Started> {
        None
    }
    fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Effects<()>) {}
    fn state(&self) -> (Term, bool) {
        (Term(0), false)
    }
    fn persist_bytes(&self) -> usize {
        0
    }
}

fn factory() -> Factory<Silent> {
    Box::new(<Silent as Raft>::make)
}

#[test]
#[ignore = "run by the tests below, in a child process with its own environment"]
fn child_initial_election_of_a_silent_raft() {
    tester::cargo::cargo_test::<Silent>("TestInitialElection3A", factory);
}

fn child(vars: &[(&str, &str)]) -> (Output, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "child_initial_election_of_a_silent_raft",
        "--nocapture",
    ]);
    cmd.env_remove("LAB_VIS")
        .env_remove("LAB_VIS_DIR")
        .env("LAB_SEED", "1");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tester-vis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_failing_cargo_test_writes_its_timeline_under_the_replay_line() {
    let dir = folder("failure");
    let (out, text) = child(&[("LAB_VIS_DIR", dir.to_str().unwrap())]);
    assert!(!out.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let replay = lines
        .iter()
        .position(|l| l.starts_with("  replay: LAB_SEED=0x1"))
        .expect(&text);
    let file = std::path::absolute(dir.join("TestInitialElection3A-0x1-2026.html")).unwrap();
    assert_eq!(
        lines[replay + 1],
        format!("  timeline: {}", file.display()),
        "{text}"
    );
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.contains("expected one leader, got none"));
    assert!(page.contains("LAB_SEED=0x1 LAB_EDITION=2026 cargo test -- TestInitialElection3A"));
}

#[test]
fn lab_vis_never_writes_nothing_and_garbage_is_named() {
    let dir = folder("never");
    let (out, text) = child(&[("LAB_VIS", "never"), ("LAB_VIS_DIR", dir.to_str().unwrap())]);
    assert!(!out.status.success());
    assert!(!text.contains("timeline:"), "{text}");
    assert!(!dir.exists(), "nothing written");
    let (out, text) = child(&[("LAB_VIS", "on")]);
    assert!(!out.status.success());
    assert!(
        text.contains("LAB_VIS: 'on' is not one of failure, always, never"),
        "{text}"
    );
    assert!(
        !text.contains("Test (3A)"),
        "refused before any run: {text}"
    );
}

#[test]
fn a_picture_of_a_raft_the_lab_never_saw_has_its_lanes_and_failure() {
    let test = tester::registry::find("TestInitialElection3A").unwrap();
    let spec = tester::RunSpec::new(test, 1, tester::Edition::default());
    let first = tester::run(spec, factory());
    let (again, t) =
        tester::vis::picture(spec, factory(), Some(&first), tester::vis::About::default());
    assert_eq!(again.trace_hash, first.trace_hash);
    assert!(t.header.notes.is_empty(), "{:?}", t.header.notes);
    assert_eq!(t.lanes.len(), 3);
    assert!(t.lanes.iter().all(|l| l.incarnation == 1 && !l.crashed));
    let failure = t.failure.as_ref().unwrap();
    assert_eq!(
        (failure.check.as_str(), failure.t),
        ("checkOneLeader", first.virtual_ms)
    );
    assert!(t.rpcs.is_empty(), "it never calls");
    assert_eq!(t.header.verdict, "failed");
}
