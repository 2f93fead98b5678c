//! Planted Rafts: the reference [`labraft::Raft`] with one bug injected, for
//! testing the tool itself (`lab --raft NAME ...`, variants of the built-in
//! binary). Each bug is deterministic in the run's seed, so every failure
//! replays.
//!
//! | name           | bug                                                        | caught as            |
//! |----------------|------------------------------------------------------------|----------------------|
//! | `never-leader` | drops every tick, so it never campaigns                    | check failure        |
//! | `panic`        | server 0 panics in its first input 1-2 s into the run (by its seed) | panic       |
//! | `hang`         | server 0 spins forever in a request or reply after 1 s     | CPU-time watchdog    |
//! | `blocks`       | server 0 sleeps forever in a request or reply after 1 s    | no-progress watchdog |
//! | `slow`         | correct, but burns a fixed amount of CPU in every input    | nothing: passes under any load within its CPU limit |
//! | `runaway`      | every server asks to be woken at `now`, forever, after 0.5 s | event budget       |
//! | `flaky`        | a server whose seed draws 1 in 8 claims leadership it lacks | check failure, 1-(7/8)^3 = 1 in 3 runs of a 3-server test |
//! | `unpersisted-vote` | drops the persist of every RequestVote it grants (saved by a later input) | passes the course's 3A; `--oracles durability` fails it |

use labraft::{Reply, Request};
use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Started, Term};
use tester::Factory;

/// Which bug a [`Planted`] Raft carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// Never campaigns.
    NeverLeader,
    /// Panics in a tick at a seed-dependent time.
    Panic,
    /// Loops forever in a request handler.
    Hang,
    /// Sleeps forever in a request handler.
    Blocks,
    /// Correct, but slow: burns CPU in every input.
    Slow,
    /// Asks for a wake-up at `now` forever: virtual time stops.
    Runaway,
    /// Claims leadership on some servers, chosen by their seeds.
    Flaky,
    /// Grants votes without persisting them.
    UnpersistedVote,
}

/// Makes the factory of one planted Raft.
pub type MakePlanted = fn() -> Factory<Planted>;

/// The planted Rafts by name, as `--raft` spells them.
pub const PLANTED: [(&str, MakePlanted); 8] = [
    ("never-leader", || factory(Bug::NeverLeader)),
    ("panic", || factory(Bug::Panic)),
    ("hang", || factory(Bug::Hang)),
    ("blocks", || factory(Bug::Blocks)),
    ("slow", || factory(Bug::Slow)),
    ("runaway", || factory(Bug::Runaway)),
    ("flaky", || factory(Bug::Flaky)),
    ("unpersisted-vote", || factory(Bug::UnpersistedVote)),
];

/// Work done in every input of `Bug::Slow`: a fixed count, not a time, so
/// the run stays deterministic; about 3 ms of CPU on a 2020s core, about 1 s
/// per run of TestInitialElection3A.
const SLOW_STEPS_PER_INPUT: u64 = 3_000_000;

/// Burns CPU: `SLOW_STEPS_PER_INPUT` steps of xorshift, kept alive.
fn burn_cpu() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..SLOW_STEPS_PER_INPUT {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = std::hint::black_box(x);
    }
}

fn factory(bug: Bug) -> Factory<Planted> {
    Box::new(move |config, persisted, out| Planted::make(bug, config, persisted, out))
}

/// The reference Raft with a bug.
#[derive(Debug)]
pub struct Planted {
    inner: labraft::Raft,
    bug: Bug,
    me: NodeId,
    /// This incarnation's seed (from the run seed, the server and incarnation).
    seed: u64,
}

type Out = Effects<Request>;

impl Planted {
    fn make(bug: Bug, config: Config, persisted: Persisted, out: &mut Out) -> Planted {
        Planted {
            inner: <labraft::Raft as raftapi::Raft>::make(config, persisted, out),
            bug,
            me: config.me,
            seed: config.seed,
        }
    }

    /// When server 0 of `Bug::Panic` panics: between 1 and 2 s.
    fn panic_at_ms(&self) -> u64 {
        1000 + self.seed % 1000
    }

    /// `Bug::Panic`: server 0 panics in its first input after
    /// [`Planted::panic_at_ms`].
    fn maybe_panic(&self, now: Instant, input: &str) {
        if self.bug == Bug::Panic && self.me.0 == 0 && now.0 >= self.panic_at_ms() {
            panic!("planted panic in {input} at {} ms", now.0);
        }
    }

    /// `Bug::Hang` and `Bug::Blocks`: server 0 never returns from its
    /// first request or reply after 1 s of virtual time (leader or
    /// follower, it gets one). `Bug::Slow`: every input burns CPU.
    fn maybe_hang(&self, now: Instant) {
        let stuck = self.me.0 == 0 && now.0 >= 1000;
        match self.bug {
            Bug::Hang if stuck => loop {
                std::hint::spin_loop();
            },
            Bug::Blocks if stuck => loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            },
            Bug::Slow => burn_cpu(),
            _ => {}
        }
    }

    /// Whether a `Bug::Flaky` server lies about leading (1 in 8 servers).
    fn lies(&self) -> bool {
        self.bug == Bug::Flaky && self.seed % 8 == 0
    }
}

impl raftapi::Raft for Planted {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Planted {
        Planted::make(Bug::Flaky, config, persisted, out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.maybe_panic(now, "tick");
        self.maybe_hang(now);
        match self.bug {
            Bug::NeverLeader => {}
            Bug::Runaway if now.0 >= 500 => {
                self.inner.tick(now, out);
                out.wake_at(now);
            }
            _ => self.inner.tick(now, out),
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        self.maybe_panic(now, "handle_request");
        self.maybe_hang(now);
        let reply = self.inner.handle_request(now, from, request, out);
        if self.bug == Bug::UnpersistedVote
            && matches!(&reply, Reply::RequestVote(r) if r.vote_granted)
        {
            out.take_persist();
        }
        reply
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        self.maybe_panic(now, "handle_reply");
        self.maybe_hang(now);
        self.inner.handle_reply(now, to, request, reply, out);
    }

    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        self.inner.start(now, command, out)
    }

    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        self.inner.snapshot(now, index, snapshot, out);
    }

    fn state(&self) -> (Term, bool) {
        let (term, leader) = self.inner.state();
        (term, leader || self.lies())
    }

    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }

    fn inspect(&self) -> Option<raftapi::Inspection> {
        self.inner.inspect()
    }

    fn inspect_header(&self) -> Option<raftapi::InspectionHeader> {
        self.inner.inspect_header()
    }

    fn inspect_log_terms(&self, from: LogIndex, terms: &mut Vec<Term>) {
        self.inner.inspect_log_terms(from, terms);
    }
}
