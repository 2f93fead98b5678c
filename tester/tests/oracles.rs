//! The strict oracles (`tester::oracle`): they stay quiet on the reference
//! Raft and fire on labraft's injected bugs, with their check name and the
//! seed in the report. `bug_catch_table` (ignored; run it with
//! `cargo test --release -p tester --test oracles -- --ignored --nocapture`)
//! measures which bugs the 28 tests catch with the oracles on.

use labraft::{Bug, Bugs, Raft, Tuning};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tester::failure::Kind;
use tester::{Budget, Edition, Factory, Outcome, RunSpec, TESTS, TestDef, registry, run};

fn with_bugs(bugs: Bugs) -> Factory<Raft> {
    Box::new(move |c, p, o| Raft::make_with_bugs(c, p, Tuning::default(), bugs, o))
}

/// A budget for buggy Rafts: far above what the reference Raft needs in any
/// test, small enough that a livelocked run ends in seconds.
const BUGGY_BUDGET: Budget = Budget {
    max_events: 5_000_000,
    max_virtual_ms: 10 * 60 * 1000,
};

fn run_strict(test: &'static TestDef, seed: u64, edition: Edition, bugs: Bugs) -> Outcome {
    let spec = RunSpec::new(test, seed, edition)
        .with_budget(if bugs.is_empty() {
            Budget::default()
        } else {
            BUGGY_BUDGET
        })
        .strict(true);
    run(spec, with_bugs(bugs))
}

#[test]
fn the_reference_raft_passes_every_test_under_strict_oracles() {
    for test in &TESTS {
        for edition in [Edition::Y2024, Edition::Y2025] {
            for seed in 1..=2 {
                let outcome = run_strict(test, seed, edition, Bugs::default());
                assert!(outcome.passed(), "{}", outcome.report().unwrap_or_default());
                assert_eq!(outcome.strict, tester::oracle::OracleSet::ALL);
            }
        }
    }
}

#[test]
fn strict_oracles_change_nothing_in_a_passing_run() {
    let test = registry::find("TestFigure8Unreliable3C").unwrap();
    let spec = |strict| RunSpec::new(test, 7, Edition::Y2025).strict(strict);
    let plain = run(spec(false), Box::new(<Raft as raftapi::Raft>::make));
    let strict = run(spec(true), Box::new(<Raft as raftapi::Raft>::make));
    assert!(plain.passed() && strict.passed());
    assert_eq!(
        (plain.trace_hash, plain.events, &plain.lines),
        (strict.trace_hash, strict.events, &strict.lines)
    );
}

/// A planted violation: bug, test, seed, edition, and the oracle that fires.
struct Planted {
    bug: Bug,
    test: &'static str,
    seed: u64,
    edition: Edition,
    check: &'static str,
}

/// Seeds found with `bug_catch_table`; each run fails by the named oracle.
const PLANTED: &[Planted] = &[
    Planted {
        bug: Bug::DoubleVote,
        test: "TestManyElections3A",
        seed: 1,
        edition: Edition::Y2025,
        check: "oracle:election-safety",
    },
    Planted {
        bug: Bug::TermNotPersisted,
        test: "TestPersist13C",
        seed: 1,
        edition: Edition::Y2025,
        check: "oracle:durability",
    },
    Planted {
        bug: Bug::VoteWithoutUpToDateCheck,
        test: "TestFailAgree3B",
        seed: 1,
        edition: Edition::Y2025,
        // At the vote, before any value diverges (applied-agree alone
        // catches it later).
        check: "oracle:election-restriction",
    },
    Planted {
        bug: Bug::CommitOldTerm,
        test: "TestFigure83C",
        seed: 50,
        edition: Edition::Y2025,
        // An entry of an old term counted committed, then overwritten: the
        // next leader lacks it before anyone applies it.
        check: "oracle:leader-completeness",
    },
    Planted {
        bug: Bug::CommitPastLastNew,
        test: "TestBackup3B",
        seed: 1,
        edition: Edition::Y2025,
        check: "oracle:stored-on-majority",
    },
    Planted {
        bug: Bug::TruncateOnEveryAppend,
        test: "TestUnreliableChurn3C",
        seed: 1,
        edition: Edition::Y2025,
        check: "oracle:stored-on-majority",
    },
    Planted {
        bug: Bug::ApplyPastCommit,
        test: "TestFigure83C",
        seed: 1,
        edition: Edition::Y2025,
        check: "oracle:stored-on-majority",
    },
];

#[test]
fn each_oracle_fires_on_a_planted_bug() {
    for p in PLANTED {
        let test = registry::find(p.test).unwrap();
        let outcome = run_strict(test, p.seed, p.edition, p.bug.into());
        let failure = outcome.result.as_ref().expect_err("the bug must be caught");
        let report = outcome.report().unwrap();
        assert_eq!(
            (failure.kind, failure.check),
            (Kind::Oracle, p.check),
            "{}: {report}",
            p.bug
        );
        assert!(report.contains(&format!("in {}: ", p.check)), "{report}");
        assert!(report.contains(&format!("seed={:#x}", p.seed)), "{report}");
        assert!(report.contains("LAB_STRICT=1"), "{report}");
    }
}

/// What the 28 tests with strict oracles found for one bug.
#[derive(Default)]
struct Found {
    /// The first failing run: (seed, test, check).
    first: Option<(u64, &'static str, String)>,
    /// The first run failed by an oracle.
    oracle: Option<(u64, &'static str, &'static str)>,
    /// Runs done.
    runs: u64,
}

/// For each bug (but the two fixtures), seeds 1..=100 of the 28 tests with
/// strict oracles, edition 2025: the first failing run, and the first run an
/// oracle failed. Stops a bug's search once an oracle fired.
#[test]
#[ignore = "measurement: prints the table for docs/MUTANTS.md"]
fn bug_catch_table() {
    std::panic::set_hook(Box::new(|_| {}));
    let edition: Edition = std::env::var("LAB_EDITION")
        .ok()
        .map_or(Edition::Y2025, |e| e.parse().unwrap());
    let seeds: u64 = std::env::var("LAB_SEEDS")
        .ok()
        .map_or(100, |s| s.parse().unwrap());
    let bugs: Vec<Bug> = Bug::ALL
        .into_iter()
        .filter(|b| !matches!(b, Bug::GrantEveryVote | Bug::ApplyOutOfOrder))
        .collect();
    let results: Vec<Mutex<Found>> = bugs.iter().map(|_| Mutex::default()).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= bugs.len() {
                        return;
                    }
                    let found = search(bugs[k], edition, seeds);
                    println!("{}", line(bugs[k], &found));
                    *results[k].lock().unwrap() = found;
                }
            });
        }
    });
    println!("\n| bug | caught | first failure (seed, test, check) | first oracle failure |");
    println!("|---|---|---|---|");
    for (bug, found) in bugs.iter().zip(&results) {
        println!("{}", line(*bug, &found.lock().unwrap()));
    }
}

fn search(bug: Bug, edition: Edition, seeds: u64) -> Found {
    let mut found = Found::default();
    for seed in 1..=seeds {
        for test in &TESTS {
            let outcome = run_strict(test, seed, edition, bug.into());
            found.runs += 1;
            let Err(f) = &outcome.result else { continue };
            if found.first.is_none() {
                found.first = Some((seed, test.name, format!("{:?}:{}", f.kind, f.check)));
            }
            if f.kind == Kind::Oracle && found.oracle.is_none() {
                found.oracle = Some((seed, test.name, f.check));
                return found;
            }
        }
    }
    found
}

fn line(bug: Bug, found: &Found) -> String {
    let first = found
        .first
        .as_ref()
        .map_or("-".to_string(), |(seed, test, check)| {
            format!("{seed} {test} {check}")
        });
    let oracle = found.oracle.map_or("-".to_string(), |(seed, test, check)| {
        format!("{seed} {test} {check}")
    });
    let caught = if found.first.is_some() { "yes" } else { "no" };
    format!(
        "| {bug} | {caught} | {first} | {oracle} | ({} runs)",
        found.runs
    )
}

/// How a [`Lens`] changes what the reference Raft shows the oracles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Twist {
    /// `inspect()` returns `None`.
    Blind,
    /// Server 0 reports a wrong term at index 1 once its log holds index 2.
    LyingLog,
    /// Every batch of applies ends with its last command applied again.
    ApplyTwice,
}

/// The reference Raft behind a twist, written from outside its crate.
struct Lens {
    inner: Raft,
    me: usize,
    twist: Twist,
}

type Out = raftapi::Effects<labraft::messages::Request>;

impl Lens {
    fn after(&self, out: &mut Out) {
        if self.twist != Twist::ApplyTwice {
            return;
        }
        let applies: Vec<raftapi::ApplyMsg> = out.drain_applies().collect();
        let again = applies
            .iter()
            .rev()
            .find(|a| matches!(a, raftapi::ApplyMsg::Command { .. }))
            .cloned();
        applies.into_iter().chain(again).for_each(|a| out.apply(a));
    }
}

impl raftapi::Raft for Lens {
    type Request = labraft::messages::Request;
    type Reply = labraft::messages::Reply;

    fn make(config: raftapi::Config, persisted: raftapi::Persisted, out: &mut Out) -> Self {
        lens(Twist::Blind)(config, persisted, out)
    }
    fn tick(&mut self, now: raftapi::Instant, out: &mut Out) {
        self.inner.tick(now, out);
        self.after(out);
    }
    fn handle_request(
        &mut self,
        now: raftapi::Instant,
        from: raftapi::NodeId,
        request: &Self::Request,
        out: &mut Out,
    ) -> Self::Reply {
        let reply = self.inner.handle_request(now, from, request, out);
        self.after(out);
        reply
    }
    fn handle_reply(
        &mut self,
        now: raftapi::Instant,
        to: raftapi::NodeId,
        request: Self::Request,
        reply: Option<Self::Reply>,
        out: &mut Out,
    ) {
        self.inner.handle_reply(now, to, request, reply, out);
        self.after(out);
    }
    fn start(
        &mut self,
        now: raftapi::Instant,
        command: raftapi::Bytes,
        out: &mut Out,
    ) -> Option<raftapi::Started> {
        let started = self.inner.start(now, command, out);
        self.after(out);
        started
    }
    fn snapshot(
        &mut self,
        now: raftapi::Instant,
        index: raftapi::LogIndex,
        data: raftapi::Bytes,
        out: &mut Out,
    ) {
        self.inner.snapshot(now, index, data, out);
        self.after(out);
    }
    fn state(&self) -> (raftapi::Term, bool) {
        self.inner.state()
    }
    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }
    fn inspect(&self) -> Option<raftapi::Inspection> {
        let mut view = self.inner.inspect()?;
        match self.twist {
            Twist::Blind => return None,
            Twist::LyingLog
                if self.me == 0 && view.snapshot_index.0 == 0 && view.log_terms.len() >= 2 =>
            {
                view.log_terms[0].0 += 1000;
            }
            _ => {}
        }
        Some(view)
    }
}

fn lens(twist: Twist) -> Factory<Lens> {
    Box::new(move |c, p, o| Lens {
        me: c.me.0,
        inner: <Raft as raftapi::Raft>::make(c, p, o),
        twist,
    })
}

fn run_lens(name: &str, twist: Twist) -> Outcome {
    let spec = RunSpec::new(registry::find(name).unwrap(), 1, Edition::Y2025).strict(true);
    run(spec, lens(twist))
}

#[test]
fn a_raft_without_inspect_runs_and_the_lines_say_what_was_skipped() {
    let outcome = run_lens("TestBasicAgree3B", Twist::Blind);
    assert!(outcome.passed(), "{}", outcome.report().unwrap_or_default());
    let note = "strict: inspect() returned None: oracle:log-matching, \
                oracle:stored-on-majority, oracle:durability, \
                oracle:leader-completeness, oracle:leader-append-only, \
                oracle:election-restriction skipped; \
                oracle:election-safety uses state()";
    assert_eq!(
        outcome.lines.iter().filter(|l| *l == note).count(),
        1,
        "{:?}",
        outcome.lines
    );
}

#[test]
fn log_matching_fires_on_a_log_that_disagrees_below_an_agreeing_entry() {
    let outcome = run_lens("TestBasicAgree3B", Twist::LyingLog);
    let f = outcome.result.as_ref().unwrap_err();
    assert_eq!((f.kind, f.check), (Kind::Oracle, "oracle:log-matching"));
    assert!(
        f.message
            .contains("both have index 2 in term 1, but differ at index 1"),
        "{}",
        f.message
    );
}

#[test]
fn apply_monotonic_fires_on_a_command_applied_twice() {
    let outcome = run_lens("TestBasicAgree3B", Twist::ApplyTwice);
    let f = outcome.result.as_ref().unwrap_err();
    assert_eq!((f.kind, f.check), (Kind::Oracle, "oracle:apply-monotonic"));
    assert!(
        f.message
            .contains("applied a command at index 1 after applying up to 1"),
        "{}",
        f.message
    );
}
