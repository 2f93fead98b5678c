//! Planted nondeterministic Rafts: the student's Raft ([`Student`]) with
//! one of the ways students' Rafts stop being deterministic. Each still
//! passes the course's tests; only a second run of the same seed shows the
//! difference.

use super::student::{Answer, Msg, Opts, Student};
use raftapi::{
    Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term,
};
use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// How a [`Flawed`] Raft is nondeterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Broadcasts by iterating a `HashSet` of peers (std's `RandomState`).
    HashSetOrder,
    /// Seeds its election timer from OS randomness (std's random hasher
    /// keys, as `thread_rng` would).
    OsRandom,
    /// Seeds its election timer from the wall clock.
    WallClock,
    /// Mixes a `static` count of the runs this process has made into its
    /// seed: two runs in one process differ, and so do two processes with
    /// different histories; two fresh processes running the same seed first
    /// do not.
    StaticCounter,
}

/// Runs this process has made (`Flaw::StaticCounter`).
static RUNS_MADE: AtomicU64 = AtomicU64::new(0);

impl Flaw {
    /// The seed this flaw makes the Raft use instead of `config.seed`.
    fn seed(self, config: Config) -> u64 {
        match self {
            Flaw::HashSetOrder => config.seed,
            Flaw::OsRandom => RandomState::new().build_hasher().finish(),
            Flaw::WallClock => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            Flaw::StaticCounter => {
                if config.me.0 == 0 && config.now.0 == 0 {
                    RUNS_MADE.fetch_add(1, Ordering::Relaxed);
                }
                let runs = RUNS_MADE.load(Ordering::Relaxed);
                config.seed ^ runs.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            }
        }
    }
}

/// The student's Raft with a [`Flaw`].
pub struct Flawed {
    inner: Student,
    flaw: Flaw,
    scratch: Effects<Msg>,
}

type Out = Effects<Msg>;

impl Flawed {
    /// Makes the student's Raft with `flaw`.
    pub fn make_with(flaw: Flaw, config: Config, persisted: Persisted, out: &mut Out) -> Flawed {
        let config = Config {
            seed: flaw.seed(config),
            ..config
        };
        let mut scratch = Effects::new();
        let inner = Student::make_with(Opts::default(), config, persisted, &mut scratch);
        let mut flawed = Flawed {
            inner,
            flaw,
            scratch,
        };
        flawed.forward(out);
        flawed
    }

    /// Hands the inner Raft's effects on; a `HashSetOrder` Raft sends its
    /// calls peer by peer in its `HashSet`'s order.
    fn forward(&mut self, out: &mut Out) {
        let fx = &mut self.scratch;
        if let Some(p) = fx.take_persist() {
            out.persist(p.raft_state, p.snapshot);
        }
        let calls: Vec<(NodeId, Msg)> = fx.drain_calls().collect();
        if self.flaw == Flaw::HashSetOrder {
            let peers: HashSet<usize> = calls.iter().map(|(to, _)| to.0).collect();
            for peer in peers {
                for (to, msg) in calls.iter().filter(|(to, _)| to.0 == peer) {
                    out.call(*to, msg.clone());
                }
            }
        } else {
            for (to, msg) in calls {
                out.call(to, msg);
            }
        }
        for msg in fx.drain_applies() {
            out.apply(msg);
        }
        if let Some(at) = fx.take_wake() {
            out.wake_at(at);
        }
    }
}

impl Raft for Flawed {
    type Request = Msg;
    type Reply = Answer;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        Flawed::make_with(Flaw::HashSetOrder, config, persisted, out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.inner.tick(now, &mut self.scratch);
        self.forward(out);
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Msg,
        out: &mut Out,
    ) -> Answer {
        let answer = self
            .inner
            .handle_request(now, from, request, &mut self.scratch);
        self.forward(out);
        answer
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Msg,
        reply: Option<Answer>,
        out: &mut Out,
    ) {
        self.inner
            .handle_reply(now, to, request, reply, &mut self.scratch);
        self.forward(out);
    }

    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        let started = self.inner.start(now, command, &mut self.scratch);
        self.forward(out);
        started
    }

    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        self.inner.snapshot(now, index, snapshot, &mut self.scratch);
        self.forward(out);
    }

    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }

    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }

    fn inspect(&self) -> Option<Inspection> {
        self.inner.inspect()
    }
}
