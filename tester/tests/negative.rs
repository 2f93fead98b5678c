//! The tester has teeth: Rafts with planted mistakes fail the tests that
//! should catch them, with the course's message and the seed in the report.
//! Each planted Raft wraps the reference one from outside its crate, which
//! also shows that a Raft written elsewhere implements the trait in a few lines.

use labraft::Tuning;
use raftapi::{
    ApplyMsg, Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term,
};
use tester::{Edition, Factory, RunSpec, registry, run};

/// What a planted Raft changes about the reference one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plant {
    /// Ignores its timer, so it never campaigns.
    NeverCampaign,
    /// Swaps the first two commands of every batch of applies.
    SwapApplies,
}

struct Planted {
    inner: labraft::Raft,
    plant: Plant,
}

type Out = Effects<labraft::messages::Request>;

impl Planted {
    fn after(&self, out: &mut Out) {
        if self.plant != Plant::SwapApplies || out.applies().len() < 2 {
            return;
        }
        let mut applies: Vec<ApplyMsg> = out.drain_applies().collect();
        applies.swap(0, 1);
        for a in applies {
            out.apply(a);
        }
    }
}

impl Raft for Planted {
    type Request = labraft::messages::Request;
    type Reply = labraft::messages::Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        Planted {
            inner: labraft::Raft::make(config, persisted, out),
            plant: Plant::NeverCampaign,
        }
    }
    fn tick(&mut self, now: Instant, out: &mut Out) {
        if self.plant != Plant::NeverCampaign {
            self.inner.tick(now, out);
            self.after(out);
        }
    }
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Self::Request,
        out: &mut Out,
    ) -> Self::Reply {
        let reply = self.inner.handle_request(now, from, request, out);
        self.after(out);
        reply
    }
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Self::Request,
        reply: Option<Self::Reply>,
        out: &mut Out,
    ) {
        self.inner.handle_reply(now, to, request, reply, out);
        self.after(out);
    }
    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        let started = self.inner.start(now, command, out);
        self.after(out);
        started
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

fn planted(plant: Plant) -> Factory<Planted> {
    Box::new(move |c, p, o| Planted {
        inner: labraft::Raft::make(c, p, o),
        plant,
    })
}

/// Runs `test` on `seed` and returns the failure report; panics if it passed.
fn report<R: Raft>(test: &str, seed: u64, factory: Factory<R>) -> String {
    let spec = RunSpec::new(registry::find(test).unwrap(), seed, Edition::Y2025);
    let outcome = run(spec, factory);
    outcome
        .report()
        .unwrap_or_else(|| panic!("{test} passed on seed {seed:#x} but should fail"))
}

#[test]
fn a_raft_that_never_becomes_leader_fails_initial_election() {
    let r = report("TestInitialElection3A", 0x51, planted(Plant::NeverCampaign));
    assert!(r.contains("expected one leader, got none"), "{r}");
    assert!(r.contains("seed=0x51"), "{r}");
    assert!(
        r.contains("LAB_SEED=0x51 LAB_EDITION=2025 LAB_EXPECT_HASH=0x"),
        "{r}"
    );
    assert!(r.contains(" cargo test -- TestInitialElection3A"), "{r}");
    assert!(r.contains("in checkOneLeader"), "{r}");
    // checkOneLeader gives up after 10 rounds of 450-549 ms: 4.5-5.5 s.
    let at: f64 = r
        .split(" at ")
        .nth(1)
        .unwrap()
        .split('s')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((4.5..=5.5).contains(&at), "failed at {at} s: {r}");
}

#[test]
fn a_raft_that_heartbeats_every_10_ms_fails_count() {
    let chatty: Factory<labraft::Raft> = Box::new(|c, p, o| {
        let tuning = Tuning {
            heartbeat_interval_ms: 10,
            ..Tuning::default()
        };
        labraft::Raft::make_with(c, p, tuning, o)
    });
    let r = report("TestCount3B", 0x10, chatty);
    assert!(
        r.contains("too many RPCs") || r.contains("too many or few RPCs"),
        "{r}"
    );
    assert!(r.contains("seed=0x10"), "{r}");
}

#[test]
fn a_raft_that_applies_out_of_order_fails_with_the_appliers_message() {
    let r = report("TestConcurrentStarts3B", 0x7, planted(Plant::SwapApplies));
    assert!(r.contains("apply error: server"), "{r}");
    assert!(r.contains("apply out of order"), "{r}");
    assert!(r.contains("seed=0x7"), "{r}");
}

#[test]
fn the_reference_raft_passes_what_the_planted_ones_fail() {
    for test in [
        "TestInitialElection3A",
        "TestCount3B",
        "TestConcurrentStarts3B",
    ] {
        let spec = RunSpec::new(registry::find(test).unwrap(), 0x51, Edition::Y2025);
        let outcome = run(spec, Box::new(<labraft::Raft as Raft>::make));
        assert!(outcome.passed(), "{:?}", outcome.report());
    }
}

#[test]
fn a_raft_that_grants_every_vote_fails_election_safety_or_agreement() {
    let bugs = labraft::Bugs::from(labraft::Bug::GrantEveryVote);
    let mut caught = Vec::new();
    for seed in 0..40u64 {
        for test in ["TestManyElections3A", "TestReElection3A", "TestFailAgree3B"] {
            let factory: Factory<labraft::Raft> = Box::new(move |c, p, o| {
                labraft::Raft::make_with_bugs(c, p, Tuning::default(), bugs, o)
            });
            let spec = RunSpec::new(registry::find(test).unwrap(), seed, Edition::Y2025);
            if let Some(r) = run(spec, factory).report() {
                assert!(r.contains(&format!("seed={seed:#x}")), "{r}");
                caught.push(r);
            }
        }
    }
    assert!(
        !caught.is_empty(),
        "granting every vote went unnoticed on 40 seeds"
    );
    let safety = caught
        .iter()
        .any(|r| r.contains("(>1) leaders") || r.contains("do not match"));
    assert!(
        safety,
        "no election-safety or agreement failure among: {caught:#?}"
    );
}
