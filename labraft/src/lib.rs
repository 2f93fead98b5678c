//! labraft: the raftlab reference Raft, a synchronous sans-IO state machine
//! behind the [`raftapi::Raft`] seam (Raft paper Figure 2, §5 and §7, with the
//! MIT 6.5840 lab's conventions: first index 1, fast backup, snapshots taken
//! by the service).
//!
//! A [`Raft`] is a plain value. Each input is one method call that takes the
//! virtual time `now` and an [`raftapi::Effects`] buffer; the server records
//! what it wants done, and the driver does it afterwards, in the order the
//! `raftapi` contract fixes: persist, then reply and calls, then applies, then
//! the wake-up. Every input that changes durable state records one `persist`
//! at its end, so nothing that depends on the change is visible before it is
//! stored.
//!
//! ```text
//!  tick(now) ─────────────► election timer: become_candidate ─► RequestVote ×N
//!                           leader timer:   broadcast_append  ─► AppendEntries ×N
//!  start(cmd) ────────────► leader appends, sends shortly after (batching)
//!  handle_request(req) ───► handle_request_vote / handle_append_entries /
//!                           handle_install_snapshot ─► Reply (+ applies)
//!  handle_reply(req, rep) ► votes counted, match/next index, commit ─► applies
//!  snapshot(index, data) ─► log compacted (the snapshot is persisted beside it)
//!  every input ends with: persist if dirty, wake_at(next deadline), invariants
//! ```
//!
//! # Modules
//! - [`messages`]: the RPC request and reply enums and the log [`Entry`].
//! - [`tuning`]: [`Tuning`], the named timeouts.
//! - [`bugs`]: [`Bug`] and [`Bugs`], injectable classic mistakes (off by default).
//! - `raft`: the [`Raft`] value, `make`, the input dispatcher, invariants.
//! - `role`: the role enum that owns leader- and candidate-only state.
//! - `election`: `become_*` transitions and RequestVote (§5.2, §5.4.1).
//! - `replication`: the leader's sends, replies, commit and apply (§5.3, §5.4.2).
//! - `follower`: AppendEntries and InstallSnapshot receivers, `snapshot` (§7).
//! - `log`: the log after its snapshot base, with cached entry encodings and
//!   a version (`Raft::inspect_header`'s `log_version`) moved by truncations
//!   and compactions.
//! - `encoded`: those encodings, in shared chunks, so persisting copies little.
//! - `durable`: the persisted state's encoding.
//!
//! Tracing: `debug` events with target `labraft` and fields `t` (virtual ms),
//! `node` and `topic` (vote, append, commit, persist, snapshot, timer, term,
//! leader, apply). Nothing is formatted without a subscriber.
//!
//! # Example: a one-server cluster elects itself and commits
//!
//! ```
//! use labraft::Raft;
//! use raftapi::{ApplyMsg, Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft as _};
//!
//! let mut out = Effects::new();
//! let config = Config { me: NodeId(0), peers: 1, seed: 7, now: Instant(0) };
//! let mut raft = Raft::make(config, Persisted::default(), &mut out);
//! let wake = out.take_wake().expect("an election timer");
//! out.clear();
//!
//! raft.tick(wake, &mut out);
//! assert_eq!(raft.state().1, true, "a cluster of one elects itself");
//! assert!(out.persisted().is_some(), "the new term and vote are persisted");
//! out.clear();
//!
//! let started = raft.start(wake, Bytes::from(&b"x"[..]), &mut out).unwrap();
//! assert_eq!(started.index, LogIndex(1));
//! assert_eq!(out.applies(), &[ApplyMsg::Command { index: LogIndex(1), command: Bytes::from(&b"x"[..]) }]);
//! ```

/// Emits a `tracing` debug event with the lab's fields. Arguments are only
/// formatted when a subscriber wants the event.
macro_rules! trace {
    ($raft:expr, $topic:literal, $($arg:tt)+) => {
        tracing::debug!(
            target: "labraft",
            t = $raft.now.0,
            node = $raft.me.0,
            topic = $topic,
            $($arg)+
        )
    };
}

pub mod bugs;
mod durable;
mod election;
mod encoded;
mod follower;
mod log;
pub mod messages;
mod raft;
mod replication;
mod role;
pub mod tuning;

#[cfg(test)]
mod tests;

pub use bugs::{Bug, Bugs, UnknownBug};
pub use messages::{
    AppendEntriesArgs, AppendEntriesReply, Entry, InstallSnapshotArgs, InstallSnapshotReply, Reply,
    Request, RequestVoteArgs, RequestVoteReply,
};
pub use raft::Raft;
pub use tuning::Tuning;
