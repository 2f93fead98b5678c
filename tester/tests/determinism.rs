//! Same seed, same trace hash: for every ported test in every edition
//! (2024, 2025, 2026), twice in a row, and inside a whole-suite run versus
//! alone.

use raftapi::Raft as _;
use tester::{Edition, RunSpec, TESTS, run};

fn hash_of(test: &'static tester::TestDef, seed: u64, edition: Edition) -> (u64, u64, bool) {
    let spec = RunSpec::new(test, seed, edition);
    let o = run(spec, Box::new(labraft::Raft::make));
    (o.trace_hash, o.events, o.passed())
}

#[test]
fn every_test_has_the_same_trace_hash_on_the_same_seed() {
    for edition in Edition::ALL {
        for test in TESTS.iter() {
            let a = hash_of(test, 0xd1, edition);
            let b = hash_of(test, 0xd1, edition);
            assert_eq!(a, b, "{} ({edition}) is not deterministic", test.name);
            assert!(a.1 > 0, "{} simulated nothing", test.name);
        }
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let test = tester::registry::find("TestReElection3A").unwrap();
    let hashes: std::collections::BTreeSet<u64> = (0..20)
        .map(|s| hash_of(test, s, Edition::default()).0)
        .collect();
    assert_eq!(hashes.len(), 20);
}

#[test]
fn a_test_alone_replays_what_the_whole_suite_did() {
    // The suite in file order, seed 7, then each test alone in reverse order.
    for edition in Edition::ALL {
        let suite: Vec<_> = TESTS.iter().map(|t| hash_of(t, 7, edition)).collect();
        for (i, test) in TESTS.iter().enumerate().rev() {
            let alone = hash_of(test, 7, edition);
            assert_eq!(alone, suite[i], "{} ({edition})", test.name);
        }
    }
}

// ---- the determinism self-check (`tester::determinism`) ----

use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Started, Term};
use std::sync::atomic::{AtomicU64, Ordering};
use tester::determinism::{self, first_divergence};

/// A Raft outside labraft that is the reference Raft but for one thing it
/// does not keep: `SeedCounter` mixes a `static` count of the servers this
/// process has made into its seed; `PersistNoise` persists eight bytes of
/// a `static` counter after its state (and strips them again on restart),
/// so only what it persists differs.
struct Leaky {
    inner: labraft::Raft,
    leak: Leak,
}

#[derive(Clone, Copy, PartialEq)]
enum Leak {
    SeedCounter,
    PersistNoise,
}

static MADE: AtomicU64 = AtomicU64::new(0);

type Out = Effects<labraft::Request>;

impl Leaky {
    fn make(leak: Leak, config: Config, mut persisted: Persisted, out: &mut Out) -> Leaky {
        let made = MADE.fetch_add(1, Ordering::Relaxed);
        let config = match leak {
            Leak::SeedCounter => Config {
                seed: config.seed ^ made << 20,
                ..config
            },
            Leak::PersistNoise => config,
        };
        if leak == Leak::PersistNoise && !persisted.raft_state.is_empty() {
            let state = &persisted.raft_state[..persisted.raft_state.len() - 8];
            persisted.raft_state = Bytes::from(state);
        }
        let mut fx = Out::new();
        let inner = <labraft::Raft as raftapi::Raft>::make(config, persisted, &mut fx);
        let mut leaky = Leaky { inner, leak };
        leaky.forward(fx, out);
        leaky
    }

    fn forward(&mut self, mut fx: Out, out: &mut Out) {
        if let Some(p) = fx.take_persist() {
            let state = match self.leak {
                Leak::PersistNoise => {
                    let noise = MADE.fetch_add(1, Ordering::Relaxed).to_le_bytes();
                    Bytes::join(&p.raft_state, &noise)
                }
                Leak::SeedCounter => p.raft_state,
            };
            out.persist(state, p.snapshot);
        }
        for (to, request) in fx.drain_calls() {
            out.call(to, request);
        }
        for msg in fx.drain_applies() {
            out.apply(msg);
        }
        if let Some(at) = fx.take_wake() {
            out.wake_at(at);
        }
    }
}

impl raftapi::Raft for Leaky {
    type Request = labraft::Request;
    type Reply = labraft::Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        Leaky::make(Leak::SeedCounter, config, persisted, out)
    }
    fn tick(&mut self, now: Instant, out: &mut Out) {
        let mut fx = Out::new();
        self.inner.tick(now, &mut fx);
        self.forward(fx, out);
    }
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        r: &Self::Request,
        out: &mut Out,
    ) -> Self::Reply {
        let mut fx = Out::new();
        let reply = self.inner.handle_request(now, from, r, &mut fx);
        self.forward(fx, out);
        reply
    }
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        r: Self::Request,
        reply: Option<Self::Reply>,
        out: &mut Out,
    ) {
        let mut fx = Out::new();
        self.inner.handle_reply(now, to, r, reply, &mut fx);
        self.forward(fx, out);
    }
    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        let mut fx = Out::new();
        let started = self.inner.start(now, command, &mut fx);
        self.forward(fx, out);
        started
    }
    fn snapshot(&mut self, now: Instant, index: LogIndex, data: Bytes, out: &mut Out) {
        let mut fx = Out::new();
        self.inner.snapshot(now, index, data, &mut fx);
        self.forward(fx, out);
    }
    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }
    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }
}

fn leaky(leak: Leak) -> tester::Factory<Leaky> {
    Box::new(move |c, p, o| Leaky::make(leak, c, p, o))
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("determinism-{}-{name}.tsv", std::process::id()))
}

#[test]
fn checking_moves_no_trace_hash_and_gives_one_check_hash_per_seed() {
    let edition = Edition::default();
    for test in TESTS.iter() {
        let plain = run(
            RunSpec::new(test, 0xc4, edition),
            Box::new(labraft::Raft::make),
        );
        let checked = |_| {
            let spec = RunSpec::new(test, 0xc4, edition).checked(true);
            run(spec, Box::new(labraft::Raft::make))
        };
        let (a, b) = (checked(0), checked(1));
        assert_eq!(
            (a.trace_hash, a.events),
            (plain.trace_hash, plain.events),
            "{}",
            test.name
        );
        assert!(plain.check.is_none());
        let (ca, cb) = (a.check.unwrap(), b.check.unwrap());
        assert_eq!(ca, cb, "{}", test.name);
        assert!(ca.events > a.events / 4, "{}: events are folded", test.name);
    }
}

#[test]
fn describing_the_reference_twice_writes_the_same_events() {
    let test = tester::registry::find("TestFigure83C").unwrap();
    let spec = RunSpec::new(test, 3, Edition::default());
    let (pa, pb) = (temp("ref-a"), temp("ref-b"));
    let a = determinism::describe(spec, Box::new(labraft::Raft::make), &pa).unwrap();
    let b = determinism::describe(spec, Box::new(labraft::Raft::make), &pb).unwrap();
    assert_eq!(a.check, b.check);
    assert_eq!(first_divergence(&pa, &pb, 4).unwrap(), None);
    let text = std::fs::read_to_string(&pa).unwrap();
    assert_eq!(text.lines().count() as u64, a.check.unwrap().events);
    let needles = [
        "\tsent AppendEntries",
        "\treceived ",
        "\tanswered call #",
        "\tpersisted raft state (",
        "\tapplied ",
        "\twake-up timer fired",
        "\t-\t", // the tester's own events
        "\tcrash S",
        "\tis made from: persisted raft state ",
    ];
    for needle in needles {
        assert!(text.contains(needle), "{needle}");
    }
    let _ = std::fs::remove_file(pa);
    let _ = std::fs::remove_file(pb);
}

#[test]
fn a_static_counter_diverges_at_its_first_draw_and_noise_in_persisted_bytes_at_its_first_persist() {
    let test = tester::registry::find("TestPersist13C").unwrap();
    let spec = RunSpec::new(test, 5, Edition::default());
    for (leak, expect) in [
        (Leak::SeedCounter, "wakes at"),
        (Leak::PersistNoise, "persisted raft state"),
    ] {
        let checked = |_| run(spec.checked(true), leaky(leak)).check.unwrap().hash;
        assert_ne!(checked(0), checked(1), "two runs in one process differ");
        let (pa, pb) = (temp("leak-a"), temp("leak-b"));
        determinism::describe(spec, leaky(leak), &pa).unwrap();
        determinism::describe(spec, leaky(leak), &pb).unwrap();
        let d = first_divergence(&pa, &pb, 3).unwrap().expect("they part");
        let (a, b) = (d.run_a.unwrap(), d.run_b.unwrap());
        assert_eq!((a.index, a.at_ms, a.server), (b.index, b.at_ms, b.server));
        assert!(a.text.contains(expect), "{a}");
        assert_ne!(a.text, b.text, "the descriptions differ");
        assert_eq!(d.agreed.len(), 3.min(d.index as usize));
        let _ = std::fs::remove_file(pa);
        let _ = std::fs::remove_file(pb);
    }
}
