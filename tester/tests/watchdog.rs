//! `cargo test` never hangs: a Raft written here (outside labraft) that loops
//! or blocks in a handler fails within `LAB_TIMEOUT_S` with its seed, the
//! virtual time it reached and its replay line; with several seeds (or
//! `LAB_VERBOSE=1`) each seed is printed before it runs.
//!
//! The watchdog ends the test process, so each case runs this test binary
//! again as a child, selecting one `#[ignore]`d test that is the student's
//! `cargo test`.

use labraft::messages::{Reply, Request};
use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term};
use std::process::{Command, Output};
use std::time::Duration;

/// What the student's Raft does wrong, from 1 s of virtual time on, on
/// server 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stuck {
    /// Spins in its first request or reply.
    Loops,
    /// Blocks (sleeps) in its first request or reply.
    Blocks,
    /// Nothing: the reference Raft's behaviour.
    Never,
}

struct Student {
    inner: labraft::Raft,
    me: NodeId,
    stuck: Stuck,
}

type Out = Effects<Request>;

impl Student {
    fn maybe_get_stuck(&self, now: Instant) {
        if self.me.0 != 0 || now.0 < 1000 {
            return;
        }
        match self.stuck {
            Stuck::Loops => loop {
                std::hint::spin_loop();
            },
            Stuck::Blocks => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Stuck::Never => {}
        }
    }
}

impl Raft for Student {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        let stuck = match std::env::var("STUDENT_STUCK").as_deref() {
            Ok("loops") => Stuck::Loops,
            Ok("blocks") => Stuck::Blocks,
            _ => Stuck::Never,
        };
        Student {
            inner: labraft::Raft::make(config, persisted, out),
            me: config.me,
            stuck,
        }
    }
    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.inner.tick(now, out);
    }
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        self.maybe_get_stuck(now);
        self.inner.handle_request(now, from, request, out)
    }
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        self.maybe_get_stuck(now);
        self.inner.handle_reply(now, to, request, reply, out);
    }
    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        self.inner.start(now, command, out)
    }
    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        self.inner.snapshot(now, index, snapshot, out);
    }
    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }
    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }
}

/// The student's `cargo test -- TestInitialElection3A`.
#[test]
#[ignore = "run as a child by the tests below"]
fn student_initial_election() {
    tester::cargo::cargo_test::<Student>("TestInitialElection3A", || Box::new(Student::make));
}

/// Runs `student_initial_election` in a child with these variables (and no
/// other `LAB_*` ones).
fn cargo_test(vars: &[(&str, &str)]) -> Output {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "--ignored",
        "--exact",
        "student_initial_election",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, _) in std::env::vars() {
        if key.starts_with("LAB_") {
            child.env_remove(key);
        }
    }
    child
        .envs(vars.iter().copied())
        .output()
        .expect("the test binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The virtual time in `at 1.234s virtual`, in ms.
fn reached_ms(report: &str) -> u64 {
    let at = report
        .split(" at ")
        .nth(1)
        .expect("at ...")
        .split('s')
        .next()
        .unwrap();
    let (s, ms) = at.split_once('.').unwrap();
    s.parse::<u64>().unwrap() * 1000 + ms.parse::<u64>().unwrap()
}

#[test]
fn a_looping_raft_fails_within_the_limit_with_its_seed() {
    let out = cargo_test(&[
        ("STUDENT_STUCK", "loops"),
        ("LAB_TIMEOUT_S", "1"),
        ("LAB_SEED", "0x2a"),
    ]);
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(tester::cargo::HUNG_EXIT_CODE),
        "{err}"
    );
    let fail = err
        .lines()
        .find(|l| l.starts_with("FAIL "))
        .expect("a FAIL line");
    assert!(
        fail.starts_with("FAIL TestInitialElection3A seed=0x2a edition=2026 at "),
        "{fail}"
    );
    assert!(
        fail.contains("hang: exceeded the CPU limit of 1 s (LAB_TIMEOUT_S=1"),
        "{fail}"
    );
    assert!(reached_ms(fail) >= 1000, "it loops from 1 s on: {fail}");
    assert!(
        err.contains(
            "  replay: LAB_SEED=0x2a LAB_EDITION=2026 cargo test -- TestInitialElection3A"
        ),
        "{err}"
    );
    assert!(
        err.contains("  its events up to the hang: cargo run --release --bin lab -- replay TestInitialElection3A --seed 0x2a --edition 2026\n"),
        "the lab line (the crate's lab binary shows what a stuck thread cannot): {err}"
    );
}

#[test]
fn a_blocked_raft_is_reported_as_stopped_answering() {
    let out = cargo_test(&[
        ("STUDENT_STUCK", "blocks"),
        ("LAB_TIMEOUT_S", "1"),
        ("LAB_SEED", "7"),
    ]);
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(tester::cargo::HUNG_EXIT_CODE),
        "{err}"
    );
    assert!(
        err.contains("FAIL TestInitialElection3A seed=0x7 "),
        "{err}"
    );
    assert!(
        err.contains("hang: stopped answering: used no CPU for 1 s"),
        "{err}"
    );
}

#[test]
fn several_seeds_are_each_printed_before_they_run() {
    let out = cargo_test(&[("LAB_SEED", "5"), ("LAB_SEEDS", "3")]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    // libtest's `test NAME ... ` may begin the first line.
    let runs: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("RUN ").map(|at| &l[at..]))
        .collect();
    assert_eq!(
        runs,
        [
            "RUN TestInitialElection3A seed=0x5 edition=2026",
            "RUN TestInitialElection3A seed=0x6 edition=2026",
            "RUN TestInitialElection3A seed=0x7 edition=2026",
        ]
    );
    assert!(
        stdout.contains(
            "  replay: LAB_SEED=0x6 LAB_EDITION=2026 cargo test -- TestInitialElection3A"
        )
    );
    // One seed prints no heading, unless LAB_VERBOSE=1 (then on stderr).
    let one = cargo_test(&[("LAB_SEED", "5")]);
    assert!(!text(&one.stdout).contains("RUN "));
    let verbose = cargo_test(&[("LAB_SEED", "5"), ("LAB_VERBOSE", "1")]);
    assert!(
        text(&verbose.stderr)
            .contains("RUN TestInitialElection3A seed=0x5 edition=2026\n  replay: ")
    );
}

/// A student's Raft that never elects a leader and spends CPU on every
/// tick: it fails the course's check late in a run that used a good part
/// of its CPU limit.
mod burner {
    use raftapi::{
        Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term,
    };
    use serde::Serialize;

    #[derive(Debug, Serialize)]
    pub struct Ping;

    pub struct Burner;

    /// Work the optimiser cannot remove.
    fn burn() {
        let mut x = 0u64;
        for k in 0..120_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(k));
        }
        std::hint::black_box(x);
    }

    impl Raft for Burner {
        type Request = Ping;
        type Reply = Ping;
        fn make(config: Config, _: Persisted, out: &mut Effects<Ping>) -> Self {
            out.wake_at(Instant(config.now.0 + 10));
            Burner
        }
        fn tick(&mut self, now: Instant, out: &mut Effects<Ping>) {
            burn();
            out.wake_at(Instant(now.0 + 10));
        }
        fn handle_request(
            &mut self,
            _: Instant,
            _: NodeId,
            _: &Ping,
            _: &mut Effects<Ping>,
        ) -> Ping {
            Ping
        }
        fn handle_reply(
            &mut self,
            _: Instant,
            _: NodeId,
            _: Ping,
            _: Option<Ping>,
            _: &mut Effects<Ping>,
        ) {
        }
        fn start(&mut self, _: Instant, _: Bytes, _: &mut Effects<Ping>) -> Option<Started> {
            None
        }
        fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Effects<Ping>) {}
        fn state(&self) -> (Term, bool) {
            (Term(0), false)
        }
        fn persist_bytes(&self) -> usize {
            0
        }
    }
}

/// A failure found after half the CPU limit is reported as itself: the
/// root-cause re-run, which would share the limit, is not tried.
#[test]
fn a_late_failure_is_not_lost_to_its_root_cause_rerun() {
    use burner::Burner;
    use std::sync::mpsc;
    use tester::watchdog::{ThreadCpu, Watchdog};
    let spec = tester::RunSpec::new(
        tester::registry::find("TestInitialElection3A").unwrap(),
        7,
        tester::Edition::Y2026,
    );
    let factory = || -> tester::Factory<Burner> { Box::new(Burner::make) };
    let Some(clock) = ThreadCpu::current() else {
        return; // no CPU clock: the watchdog measures wall time instead
    };
    // How much CPU the failing run takes here, unwatched (the more of two).
    let mut cost = Duration::ZERO;
    for _ in 0..2 {
        let before = clock.used().unwrap();
        let first = tester::run(spec.root_cause(false), factory());
        cost = cost.max(clock.used().unwrap() - before);
        assert_eq!(first.result.as_ref().unwrap_err().check, "checkOneLeader");
    }
    // A limit 1.6 times that: the run fits, a re-run after it would not.
    assert!(
        cost >= Duration::from_millis(100),
        "{cost:?}: too quick to tell"
    );
    let dog = Watchdog::new(cost * 8 / 5);
    let (tx, rx) = mpsc::channel();
    let watched = dog.watch(Box::new(move |e| tx.send(e).unwrap()), || {
        tester::run(spec, factory())
    });
    if let Ok(expiry) = rx.try_recv() {
        panic!("the limit fired: {expiry}");
    }
    let failure = watched.result.unwrap_err();
    assert_eq!(failure.check, "checkOneLeader", "{failure:?}");
    assert!(watched.first_broken.is_none());
}
