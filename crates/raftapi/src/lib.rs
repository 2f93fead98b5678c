//! raftapi: the seam between a Raft and the tester, like the course's 2025
//! `raftapi` package, but sans-IO.
//!
//! A Raft here is a value. The tester (or any driver) calls one method per
//! input and the Raft records what it wants done in an [`Effects`] buffer; the
//! driver performs those effects afterwards. The Raft never reads a clock,
//! never sleeps, never spawns, never does I/O: time arrives as the `now`
//! argument and randomness as [`Config::seed`].
//!
//! ```text
//!  inputs (driver -> Raft)                 effects (Raft -> driver, via Effects)
//!  Raft::make(config, persisted)           persist(raft_state, snapshot)
//!  tick(now)              timer fired      call(peer, request)
//!  handle_request(..) -> Reply             apply(ApplyMsg)
//!  handle_reply(.., Some(reply) | None)    wake_at(instant)
//!  start(command) -> Option<Started>
//!  snapshot(index, data)
//!  queries: state(), persist_bytes()
//! ```
//!
//! # The ordering contract
//!
//! After each input returns, the driver performs its effects in this order:
//!
//! 1. **persist**: the last `persist` recorded during the input replaces the
//!    stored state and snapshot (earlier ones in the same input are superseded);
//! 2. **reply** (for `handle_request`) and **calls**, in the order recorded;
//! 3. **wake-up**: the last `wake_at` recorded replaces any pending one;
//! 4. **applies**, in the order recorded. (They come after the wake-up only
//!    because consuming them may trigger a nested `snapshot` input, whose own
//!    wake-up is the later one and must win.)
//!
//! So a Raft that records `persist` in the same input as a reply, a vote or an
//! append that depends on it is crash-safe: nothing becomes visible to another
//! server before it is stored. An input is atomic: a crash happens between
//! inputs, never inside one. A Raft that persists "later" (in another input)
//! can lose state on a crash, exactly like a Go Raft that calls `persist()` too
//! late.
//!
//! Applies are consumed by the tester's applier in order. The snapshot applier
//! may call [`Raft::snapshot`] while it consumes them (at indices 9, 19, ...),
//! which is a new input; the remaining applies of the batch are consumed after
//! it, as the Go applier does when it calls `Snapshot` from the channel loop.
//!
//! # Modules
//! - [`types`]: `Term`, `LogIndex`, `NodeId`, `Instant` newtypes.
//! - [`bytes`]: [`Bytes`], cheap immutable bytes (inline, shared, or a
//!   concatenation of shared pieces), and [`BytesBuilder`].
//! - [`effects`]: the [`Effects`] buffer and [`ApplyMsg`].
//! - [`inspect`]: an optional read-only view of a Raft for strict oracles,
//!   and its header without the log's terms ([`Raft::inspect_header`], an
//!   optional hint that spares the oracles copying a long log).
//! - [`describe`]: [`RpcKind`] and the `Debug`-reading defaults of
//!   `Raft::rpc_kind` and `Raft::rpc_success` (liveness explanations).
//! - [`rng`]: [`rng::Rng`], a small seeded generator to draw timeouts from
//!   [`Config::seed`], so that the same run seed replays the same run.
//!
//! # Determinism: the rules a Raft must keep
//!
//! The lab replays a run from its seed, groups a sweep's failures and
//! merges shards, all on one promise: the same seed gives the same run.
//! The driver keeps its side (virtual time, seeded faults, one thread); a
//! Raft must keep these rules:
//!
//! - no iteration over a `HashMap` or `HashSet` with std's default hasher
//!   (its keys are random in every process): use `BTreeMap`, `BTreeSet` or
//!   a `Vec`; lookups alone are fine;
//! - no `thread_rng()`, `rand::rng()`, `rand::random()` or any other OS
//!   randomness: draw from [`Config::seed`], this incarnation's own seed;
//! - no clocks (`std::time::Instant::now()`, `SystemTime`): time is the
//!   `now` argument of each input;
//! - no threads, nothing that waits;
//! - no state in a `static` that survives from one run to the next (a
//!   counter of servers made, a cache): many runs share one process.
//!
//! The easy path is the deterministic one: own a generator seeded with
//! [`Config::seed`] (the crate's `rng::Rng`, a small SplitMix64) and draw
//! every timeout from it:
//!
//! ```ignore
//! use raftapi::rng::Rng;
//! // in make():
//! let mut rng = Rng::new(config.seed);
//! let election_timeout_ms = rng.in_range(300..600);
//! ```
//!
//! `LAB_CHECK_DETERMINISM=1 cargo test` (or `lab ... --check-determinism`)
//! runs every seed a second time in another process and names the first
//! event where the two runs parted.
//!
//! # Seeing what your Raft does
//!
//! The tester runs every input inside a `tracing` span naming the server,
//! its incarnation and the virtual time, and shows, for any Raft and with no
//! help from it, every RPC (sent, received, replied, or failed and why),
//! every persist and apply, role and term changes (from [`Raft::state`]),
//! commit and last-log changes (from [`Raft::inspect`], if provided), and
//! the tester's own steps: `lab replay TEST --seed S`, or `LAB_LOG=debug
//! cargo test` for failing runs. To add your own lines, emit `tracing`
//! events (any target, any fields); each lands in its server's column at
//! its input's virtual time, and a `topic` field (`vote`, `append`, ...)
//! lets `--only` select it:
//!
//! ```ignore
//! tracing::debug!(target: "my_raft", topic = "append", prev = args.prev_log_index, "refused");
//! ```
//!
//! Select your targets RUST_LOG-style with `--log my_raft=trace` or
//! `LAB_LOG=my_raft=trace`. The vocabulary is in the `labtrace` crate
//! (`labtrace::vocab`).
//!
//! # Implementing it outside this repo
//!
//! ```
//! use raftapi::*;
//! use serde::Serialize;
//!
//! #[derive(Debug, Serialize)]
//! struct Ping { term: Term }
//! #[derive(Debug, Serialize)]
//! struct Pong { term: Term }
//!
//! /// A "Raft" that never does anything: enough to show the shape.
//! struct Idle { term: Term }
//!
//! impl Raft for Idle {
//!     type Request = Ping;
//!     type Reply = Pong;
//!     fn make(_: Config, _: Persisted, _: &mut Effects<Ping>) -> Self { Idle { term: Term(0) } }
//!     fn tick(&mut self, _: Instant, _: &mut Effects<Ping>) {}
//!     fn handle_request(&mut self, _: Instant, _: NodeId, _: &Ping, _: &mut Effects<Ping>) -> Pong {
//!         Pong { term: self.term }
//!     }
//!     fn handle_reply(&mut self, _: Instant, _: NodeId, _: Ping, _: Option<Pong>, _: &mut Effects<Ping>) {}
//!     fn start(&mut self, _: Instant, _: Bytes, _: &mut Effects<Ping>) -> Option<Started> { None }
//!     fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Effects<Ping>) {}
//!     fn state(&self) -> (Term, bool) { (self.term, false) }
//!     fn persist_bytes(&self) -> usize { 0 }
//! }
//!
//! let mut out = Effects::new();
//! let mut raft = Idle::make(Config { me: NodeId(0), peers: 3, seed: 1, now: Instant(0) }, Persisted::default(), &mut out);
//! assert!(raft.start(Instant(5), Bytes::from(&b"x"[..]), &mut out).is_none());
//! assert!(out.is_empty());
//! ```

pub mod bytes;
pub mod describe;
pub mod effects;
pub mod inspect;
pub mod rng;
pub mod types;

pub use bytes::BytesBuilder;
pub use describe::RpcKind;
pub use effects::{ApplyMsg, Effects};
pub use inspect::{Inspection, InspectionHeader, Role};
pub use labcodec as codec;
pub use types::{Bytes, Instant, LogIndex, NodeId, Term};

use serde::Serialize;
use std::fmt::Debug;

/// What a server is told when it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// This server's index among the peers (the course's `me`).
    pub me: NodeId,
    /// Number of servers in the cluster, this one included. Peers are
    /// `NodeId(0) .. NodeId(peers - 1)`.
    pub peers: usize,
    /// The seed of this incarnation's own random stream. A restarted server
    /// gets a fresh seed; the same run seed always gives the same one.
    /// Draw from it with [`rng::Rng::new`]`(seed)`.
    pub seed: u64,
    /// The virtual time at which the server is made.
    pub now: Instant,
}

/// What the persister held when the server was made (empty when nothing was
/// ever saved, as the course's `ReadRaftState` returns an empty slice).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persisted {
    /// The last `raft_state` saved.
    pub raft_state: Bytes,
    /// The last snapshot saved with it.
    pub snapshot: Bytes,
}

/// A successful `start`: where the command will be if it ever commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// The log index the command was appended at.
    pub index: LogIndex,
    /// The leader's current term.
    pub term: Term,
}

/// A Raft server, as the tester sees it. See the [crate docs](crate) for the
/// flow of inputs and effects and the ordering contract.
///
/// Every input takes `now`, the current virtual time, and an [`Effects`] buffer
/// into which it records what it wants done. The driver clears the buffer
/// between inputs.
pub trait Raft: Sized {
    /// Every RPC request this Raft sends (typically an enum of
    /// `RequestVoteArgs`, `AppendEntriesArgs`, ...). Its postcard encoding's
    /// length is what the byte counters count.
    type Request: Serialize + Debug;
    /// Every RPC reply.
    type Reply: Serialize + Debug;

    /// Makes a server (the course's `Make`), restoring from `persisted`.
    /// Effects recorded here (typically the first `wake_at`) are performed.
    fn make(config: Config, persisted: Persisted, out: &mut Effects<Self::Request>) -> Self;

    /// The wake-up requested with [`Effects::wake_at`] is due.
    fn tick(&mut self, now: Instant, out: &mut Effects<Self::Request>);

    /// A request from peer `from` arrived; returns the reply. The reply is sent
    /// after the effects recorded here are persisted.
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Self::Request,
        out: &mut Effects<Self::Request>,
    ) -> Self::Reply;

    /// A call this server made to `to` has resolved: `Some(reply)` if the reply
    /// came back, `None` if the call failed (the course's `Call` returning
    /// false: lost request, lost reply, unreachable or dead peer). The original
    /// request is handed back, as the Go goroutine that made the call still
    /// holds its args. Every call resolves exactly once, unless this server
    /// crashed first.
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Self::Request,
        reply: Option<Self::Reply>,
        out: &mut Effects<Self::Request>,
    );

    /// The course's `Start(command)`: `Some` with the index and term if this
    /// server believes it is the leader and appended the command, else `None`.
    fn start(
        &mut self,
        now: Instant,
        command: Bytes,
        out: &mut Effects<Self::Request>,
    ) -> Option<Started>;

    /// The course's `Snapshot(index, snapshot)`: the service has a snapshot of
    /// everything up to and including `index`; the log before it may go.
    fn snapshot(
        &mut self,
        now: Instant,
        index: LogIndex,
        snapshot: Bytes,
        out: &mut Effects<Self::Request>,
    );

    /// The course's `GetState()`: the current term and whether this server
    /// believes it is the leader.
    fn state(&self) -> (Term, bool);

    /// The course's 2025 `PersistBytes()`: the size of the Raft state last
    /// persisted, in bytes.
    fn persist_bytes(&self) -> usize;

    /// An optional read-only view of the server's internals for the strict
    /// oracles. A Raft that does not provide it still runs everywhere; the
    /// oracles that need it report that they were skipped.
    fn inspect(&self) -> Option<Inspection> {
        None
    }

    /// Optional, for speed only: [`Raft::inspect`] without the log's terms,
    /// plus a version of the log. The strict oracles look at a server after
    /// every input. Most inputs leave its log as it was (heartbeats,
    /// replies, timers) or only append to it (`start`, AppendEntries); with
    /// this and [`Raft::inspect_log_terms`], the oracles read only the new
    /// entries' terms, and copy and compare the whole log only when
    /// `log_version` changed. The default (`None`) makes them call
    /// `inspect()` after every input, which is always correct, only slower
    /// on long logs.
    ///
    /// The contract, within one server value (one `make`):
    /// - every field but `log_version` equals what `inspect()` would show at
    ///   the same moment (`last_log_index` and `last_log_term`: the log's
    ///   last index and the term there);
    /// - `log_version`: two calls that return the same version saw logs
    ///   with the same snapshot base, the first a prefix of the second
    ///   (only appends in between). So it must change whenever an entry the
    ///   log held is removed or replaced or the snapshot base moves, and
    ///   never come back to an earlier value; appending need not change it
    ///   (the oracles see the last index grow), but may. A counter bumped
    ///   wherever your log is truncated, compacted or replaced keeps this.
    ///
    /// A hint the oracles cannot check could hide a bug, so they check it:
    /// at every input, that a log whose version did not change kept its
    /// snapshot base and did not shrink, and that the new entries' terms end
    /// with `last_log_term`; on a fixed sample of the inputs, when a server
    /// crashes, and before any violation is reported, that `inspect()` shows
    /// the log they assumed. A hint caught lying fails the run as
    /// `oracle:inspect-header`, with a message naming this method. It is
    /// not asked for when `inspect()` returns `None`.
    fn inspect_header(&self) -> Option<InspectionHeader> {
        None
    }

    /// For [`Raft::inspect_header`]: appends to `terms` the terms of the
    /// entries from index `from` to the last one, in order (`from` is after
    /// the snapshot base and at most one past the last index). The default
    /// reads them from `inspect()`; a Raft that gives a header should read
    /// them from its log directly, so that the cost is the new entries'.
    fn inspect_log_terms(&self, from: LogIndex, terms: &mut Vec<Term>) {
        if let Some(view) = self.inspect() {
            let skip = from.0.saturating_sub(view.snapshot_index.0 + 1);
            terms.extend(view.log_terms.iter().skip(skip as usize));
        }
    }

    /// What kind of RPC `request` is, for the lab's explanation of a
    /// liveness failure. The default reads `request`'s `Debug` name (see
    /// [`describe`]); override it if your names differ.
    fn rpc_kind(request: &Self::Request) -> RpcKind {
        RpcKind::from_debug(request)
    }

    /// Whether `reply` reports success (AppendEntries' `success`), if it
    /// says. The default reads a `success: bool` field in its `Debug`
    /// output (see [`describe`]).
    fn rpc_success(reply: &Self::Reply) -> Option<bool> {
        describe::success_from_debug(reply)
    }
}
