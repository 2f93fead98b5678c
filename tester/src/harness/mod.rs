//! The harness: the course's `config.go` (2024) and `tester1` + `test.go`
//! (2025, 2026) in one value, [`Tester`], driving a cluster of sans-IO Rafts on the
//! labrpc simulator.
//!
//! - `mod.rs`: the state, `make`, sleeping (running the world), budgets.
//! - `wiring.rs`: connect, disconnect, crash, start, shutdown, restart.
//! - `links.rs`: one-way links, the fault model, clogged links (scenarios).
//! - `crash_points.rs`: crash a server right after a kind of output
//!   (scenarios' `[[crash_point]]`).
//! - `world.rs`: the simulator's outputs turned into Raft inputs, and the
//!   Raft's effects performed in the raftapi order.

mod crash_points;
mod links;
mod wiring;
mod world;

use crate::applier::Records;
use crate::edition::Edition;
use crate::failure::{Check, Failure, Kind};
use crate::tasks::Task;
pub use crash_points::{CrashPoint, Output};
use labrpc::{EndId, Sim, SimRng, Time};
use raftapi::{Config, Effects, Persisted, Raft};

/// The course's `RaftElectionTimeout`: a unit for the tests' sleeps.
pub const RAFT_ELECTION_TIMEOUT_MS: u64 = 1000;
/// The course's per-test limit, measured in virtual time from the start.
pub const TEST_TIME_LIMIT_MS: u64 = 120_000;

/// Makes a server: `R::make` by default, or any closure (a Raft with options,
/// a Raft with an injected bug).
pub type Factory<R> = Box<dyn Fn(Config, Persisted, &mut Effects<<R as Raft>::Request>) -> R>;

/// How a test's cluster is set up (the arguments of `make_config`/`makeTest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Number of servers.
    pub servers: usize,
    /// Whether the network starts reliable.
    pub reliable: bool,
    /// Whether the snapshot applier is used (3D).
    pub snapshot: bool,
}

/// Limits that turn a runaway Raft into a reported failure instead of a run
/// that never ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most simulator events one test may process.
    pub max_events: u64,
    /// Most virtual time one test may take (far beyond the course's 120 s
    /// limit, which is checked as the course checks it: after the fact).
    pub max_virtual_ms: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_events: 50_000_000,
            max_virtual_ms: 30 * 60 * 1000,
        }
    }
}

/// One server slot: the live incarnation, if any.
pub(crate) struct Node<R> {
    pub(crate) raft: Option<R>,
    /// Counts incarnations; ends and timers remember the one they belong to.
    pub(crate) incarnation: u32,
    /// Generation of the armed timer; older timers are ignored.
    pub(crate) wake_generation: u64,
    /// When the Raft asked to be ticked (its last `wake_at`).
    pub(crate) wake_at: Option<Time>,
    /// When the armed simulator timer fires. It may be earlier than
    /// `wake_at`: a later `wake_at` does not re-arm (that would push a timer
    /// per AppendEntries); the early timer re-arms itself instead.
    pub(crate) armed_at: Option<Time>,
    /// The live incarnation's `Config` (the durability oracle's shadows
    /// are made with it).
    pub(crate) config: Option<Config>,
}

/// Who owns an end: the caller (server and incarnation) and the callee.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EndOwner {
    pub(crate) from: usize,
    pub(crate) incarnation: u32,
    pub(crate) to: usize,
}

/// Statistics since `begin` (the course's `t0`, `rpcs0`, `bytes0`, `maxIndex0`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Since {
    pub(crate) t0: Time,
    pub(crate) rpcs0: u64,
    pub(crate) bytes0: u64,
    pub(crate) max_index0: u64,
    /// Successful `one()` calls since `begin` (2026's `#Ops`).
    pub(crate) ops: u64,
}

/// The course's tester state for one test, over Rafts of type `R`.
pub struct Tester<R: Raft> {
    pub(crate) sim: Sim<R::Request, R::Reply>,
    pub(crate) n: usize,
    pub(crate) edition: Edition,
    pub(crate) snapshot_mode: bool,
    pub(crate) factory: Factory<R>,
    pub(crate) nodes: Vec<Node<R>>,
    pub(crate) connected: Vec<bool>,
    /// The persisted state of each server (the course's `saved[i]`).
    pub(crate) saved: Vec<Persisted>,
    /// `end_names[i][j]`: i's current end towards j.
    pub(crate) end_names: Vec<Vec<Option<EndId>>>,
    /// Owner of every end ever made, indexed by `EndId`.
    pub(crate) end_owner: Vec<EndOwner>,
    pub(crate) records: Records,
    /// The tester's own random stream (sleeps, victims, commands).
    pub(crate) rng: SimRng,
    /// When the servers were made (the 120 s limit counts from here).
    pub(crate) start: Time,
    pub(crate) since: Since,
    pub(crate) reliable: bool,
    pub(crate) failure: Option<Failure>,
    pub(crate) tasks: Vec<Option<Task>>,
    /// Set to stop the churn clients (the Go test's `stop` flag).
    pub(crate) churn_stop: bool,
    /// What each stopped churn client recorded.
    pub(crate) churn_results: Vec<Vec<i64>>,
    /// Effects buffers for reuse, boxed so that handing one around moves a
    /// pointer, not the buffer (an input's effects pass through several calls).
    #[allow(clippy::vec_box, reason = "the boxes are taken out and moved around")]
    pub(crate) effects_pool: Vec<Box<Effects<R::Request>>>,
    pub(crate) apply_buffer: Vec<raftapi::ApplyMsg>,
    pub(crate) budget: Budget,
    /// Lines the course's tester prints (begin, summary, warnings).
    pub(crate) lines: Vec<String>,
    pub(crate) began: Option<String>,
    /// The strict oracles, when on (`set_strict`).
    pub(crate) oracles: Option<crate::oracle::Oracles>,
    /// What the observation events need to remember (`crate::observe`).
    pub(crate) observer: crate::observe::Observer,
    /// The determinism check's recorder, when on (`set_check`).
    pub(crate) check: Option<Box<crate::determinism::Recorder>>,
    /// Whether `check` describes events (see `determinism::hooks`): only
    /// then are the events the trace hash covers (calls, deliveries,
    /// answers, timers) folded one by one, so a hashing run's hooks for
    /// them cost one test, as an unchecked run's do.
    pub(crate) check_describing: bool,
    /// The crash points, when installed (`set_crash_points`).
    pub(crate) crash_points: Option<crash_points::CrashPoints>,
}

impl<R: Raft> Tester<R> {
    /// The course's `make_config(t, n, unreliable, snapshot)` (2024) or
    /// `makeTest(t, n, reliable, snapshot)` (2025, 2026): makes, starts and
    /// connects `setup.servers` servers.
    pub fn new(setup: Setup, edition: Edition, seed: u64, factory: Factory<R>) -> Self {
        let n = setup.servers;
        let sim = Sim::new(seed);
        let rng = sim.streams().stream(labrpc::rng::purpose::TESTER);
        let mut t = Tester {
            sim,
            n,
            edition,
            snapshot_mode: setup.snapshot,
            factory,
            nodes: (0..n)
                .map(|_| Node {
                    raft: None,
                    incarnation: 0,
                    wake_generation: 0,
                    wake_at: None,
                    armed_at: None,
                    config: None,
                })
                .collect(),
            connected: vec![false; n],
            saved: vec![Persisted::default(); n],
            end_names: vec![vec![None; n]; n],
            end_owner: Vec::new(),
            records: Records::new(n),
            rng,
            start: Time::ZERO,
            since: Since::default(),
            reliable: setup.reliable,
            failure: None,
            tasks: Vec::new(),
            churn_stop: false,
            churn_results: Vec::new(),
            effects_pool: Vec::new(),
            apply_buffer: Vec::new(),
            budget: Budget::default(),
            lines: Vec::new(),
            began: None,
            oracles: None,
            observer: crate::observe::Observer::new(n),
            check: None,
            check_describing: false,
            crash_points: None,
        };
        match edition {
            Edition::Y2024 => {
                // make_config: reliability and long delays first, then start
                // every server, then connect every server.
                t.sim.set_reliable(setup.reliable);
                t.sim.set_long_delays(true);
                for i in 0..n {
                    t.start1(i);
                }
                for i in 0..n {
                    t.connect(i);
                }
            }
            Edition::Y2025 | Edition::Y2026 => {
                // MakeConfig: start all, ConnectAll, record the start, and only
                // then set reliability: servers begin on a reliable network.
                for i in 0..n {
                    t.start_server(i);
                }
                t.connect_all();
                t.start = t.sim.now();
                t.sim.set_reliable(setup.reliable);
                t.sim.set_long_delays(true);
            }
        }
        t.mark_network();
        t
    }

    /// Sets the limits for runaway Rafts.
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// Number of servers.
    pub fn servers(&self) -> usize {
        self.n
    }

    /// The edition this test follows.
    pub fn edition(&self) -> Edition {
        self.edition
    }

    /// Virtual time now.
    pub fn now(&self) -> Time {
        self.sim.now()
    }

    /// The trace hash of everything simulated so far.
    pub fn trace_hash(&self) -> u64 {
        self.sim.trace_hash()
    }

    /// Simulator events processed so far.
    pub fn events(&self) -> u64 {
        self.sim.events_processed()
    }

    /// The lines the course's tester printed.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The tester's random draw `rand(n)`.
    pub fn rand(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    /// Go's `rand.Int()`: a non-negative 63-bit int.
    pub fn rand_int(&mut self) -> i64 {
        (self.rng.next_u64() >> 1) as i64
    }

    /// The course's `randstring(n)`: n characters of the base64-URL alphabet.
    pub fn rand_string(&mut self, n: usize) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..n)
            .map(|_| ALPHABET[self.rng.below(64) as usize] as char)
            .collect()
    }

    /// The course's `setunreliable` / `SetReliable`.
    pub fn set_reliable(&mut self, reliable: bool) {
        self.reliable = reliable;
        self.sim.set_reliable(reliable);
        self.mark_network();
    }

    /// The course's `setlongreordering`.
    pub fn set_long_reordering(&mut self, yes: bool) {
        self.sim.set_long_reordering(yes);
        self.mark_network();
    }

    /// Whether server `i` is connected (the course's `connected[i]`).
    pub fn is_connected(&self, i: usize) -> bool {
        self.connected[i]
    }

    /// Whether server `i` has a live Raft (the course's `rafts[i] != nil`).
    pub fn is_up(&self, i: usize) -> bool {
        self.nodes[i].raft.is_some()
    }

    /// The live Raft of server `i` (for read-only queries).
    pub fn raft(&self, i: usize) -> Option<&R> {
        self.nodes[i].raft.as_ref()
    }

    /// Sleeps `ms` of virtual time: the world runs meanwhile. Fails if any
    /// check failed meanwhile (an applier, a background `one`). With crash
    /// points installed it ends early when one crashes a server.
    pub fn sleep(&mut self, ms: u64) -> Check {
        let deadline = self.sim.now() + ms;
        self.run_until(deadline)
    }

    /// Runs the world until `deadline`.
    pub(crate) fn run_until(&mut self, deadline: Time) -> Check {
        self.failed()?;
        while let Some(out) = self.sim.step_until(deadline) {
            crate::watchdog::note_reached(self.sim.now().0);
            self.on_output(out);
            if self.crash_points_flush() {
                // Early: the driver restarts the server after its delay.
                return self.failed();
            }
            self.failed()?;
            self.check_budget()?;
        }
        Ok(())
    }

    /// Records a failure found outside the test script's own flow (an
    /// applier, a background task). The first one wins.
    pub(crate) fn fail(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
    }

    /// `Err` with the recorded failure, if any.
    pub(crate) fn failed(&self) -> Check {
        match &self.failure {
            Some(f) => Err(f.clone()),
            None => Ok(()),
        }
    }

    /// A course check failure at the current time.
    pub fn fatal(&self, check: &'static str, message: impl Into<String>) -> Failure {
        Failure::check(check, message, self.sim.now())
    }

    fn check_budget(&mut self) -> Check {
        let b = self.budget;
        let message = if self.sim.events_processed() > b.max_events {
            format!("runaway: more than {} simulator events", b.max_events)
        } else if self.sim.now().0 > b.max_virtual_ms {
            format!("runaway: more than {} ms of virtual time", b.max_virtual_ms)
        } else {
            return Ok(());
        };
        let f = Failure {
            kind: Kind::Hang,
            check: "budget",
            message,
            at: self.sim.now(),
            bare: false,
        };
        self.fail(f.clone());
        Err(f)
    }

    /// Emits a tester marker with a message (a check's begin or verdict,
    /// ...): target `lab::tester`, fields `t` and `topic` (see
    /// [`labtrace::vocab`]).
    pub(crate) fn note(&self, topic: &'static str, what: std::fmt::Arguments<'_>) {
        tracing::info!(target: labtrace::vocab::TESTER, t = self.sim.now().0, topic, "{what}");
    }

    /// A `check` marker naming the leader a checker found: `checkOneLeader:
    /// S1 leads (term 3)`, with `server` and `term` as fields.
    pub(crate) fn note_leader(&self, what: &str, leader: usize, term: u64) {
        tracing::info!(
            target: labtrace::vocab::TESTER,
            t = self.sim.now().0,
            topic = labtrace::vocab::topic::CHECK,
            server = leader as u64,
            term,
            "{what}: S{leader} leads (term {term})"
        );
    }

    pub(crate) fn take_effects(&mut self) -> Box<Effects<R::Request>> {
        self.effects_pool.pop().unwrap_or_default()
    }

    pub(crate) fn return_effects(&mut self, mut fx: Box<Effects<R::Request>>) {
        // `perform` takes everything out: clearing again costs more than
        // looking.
        if !fx.is_empty() {
            fx.clear();
        }
        self.effects_pool.push(fx);
    }
}
