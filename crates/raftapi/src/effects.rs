//! The effects a Raft records during one input, and the messages it applies.

use crate::types::{Bytes, Instant, LogIndex, NodeId, Term};

/// A message from Raft to the service above it (the course's `ApplyMsg`):
/// either one committed command or a snapshot to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMsg {
    /// `CommandValid`: the command committed at `index`.
    Command {
        /// The command's log index.
        index: LogIndex,
        /// The command, as given to `start`.
        command: Bytes,
    },
    /// `SnapshotValid`: replace the service state with this snapshot, which
    /// covers the log up to and including `index` (of term `term`).
    Snapshot {
        /// The last index the snapshot covers.
        index: LogIndex,
        /// The term of the entry at `index`.
        term: Term,
        /// The snapshot, as the service made it.
        data: Bytes,
    },
}

/// A request to store the Raft state and snapshot (the course's
/// `persister.Save(raftstate, snapshot)`): both replace what was stored, and an
/// empty snapshot erases an earlier one, as a nil snapshot does in Go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persist {
    /// The encoded Raft state (term, vote, log). Its length is what the 3D
    /// tests hold under 2000 bytes.
    pub raft_state: Bytes,
    /// The snapshot to keep beside it.
    pub snapshot: Bytes,
}

/// The effects of one input, recorded in order, performed by the driver after
/// the input returns (see the ordering contract in the [crate docs](crate)).
#[derive(Debug)]
pub struct Effects<Req> {
    persist: Option<Persist>,
    calls: Vec<(NodeId, Req)>,
    applies: Vec<ApplyMsg>,
    wake_at: Option<Instant>,
}

impl<Req> Default for Effects<Req> {
    fn default() -> Self {
        Effects {
            persist: None,
            calls: Vec::new(),
            applies: Vec::new(),
            wake_at: None,
        }
    }
}

impl<Req> Effects<Req> {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Store `raft_state` and `snapshot`, replacing both. Only the last persist
    /// of an input counts, since each replaces the whole stored state.
    pub fn persist(&mut self, raft_state: Bytes, snapshot: Bytes) {
        self.persist = Some(Persist {
            raft_state,
            snapshot,
        });
    }

    /// Send `request` to peer `to` (the course's `peers[to].Call(...)`). The
    /// outcome arrives later through `handle_reply`.
    pub fn call(&mut self, to: NodeId, request: Req) {
        self.calls.push((to, request));
    }

    /// Deliver `msg` to the service (the course's `applyCh <- msg`).
    pub fn apply(&mut self, msg: ApplyMsg) {
        self.applies.push(msg);
    }

    /// Be ticked at `at` (or as soon as possible if `at` is not in the future).
    /// A server has at most one pending wake-up: this replaces any earlier one.
    pub fn wake_at(&mut self, at: Instant) {
        self.wake_at = Some(at);
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none()
            && self.calls.is_empty()
            && self.applies.is_empty()
            && self.wake_at.is_none()
    }

    /// The persist recorded, if any (read-only; for tests and inspection).
    pub fn persisted(&self) -> Option<&Persist> {
        self.persist.as_ref()
    }

    /// The calls recorded so far, in order.
    pub fn calls(&self) -> &[(NodeId, Req)] {
        &self.calls
    }

    /// The applies recorded so far, in order.
    pub fn applies(&self) -> &[ApplyMsg] {
        &self.applies
    }

    /// The wake-up recorded, if any.
    pub fn wake(&self) -> Option<Instant> {
        self.wake_at
    }

    /// Takes the persist out of the buffer (driver side).
    pub fn take_persist(&mut self) -> Option<Persist> {
        self.persist.take()
    }

    /// Takes the calls out of the buffer, in order (driver side).
    pub fn drain_calls(&mut self) -> std::vec::Drain<'_, (NodeId, Req)> {
        self.calls.drain(..)
    }

    /// Takes the applies out of the buffer, in order (driver side).
    pub fn drain_applies(&mut self) -> std::vec::Drain<'_, ApplyMsg> {
        self.applies.drain(..)
    }

    /// Takes the wake-up out of the buffer (driver side).
    pub fn take_wake(&mut self) -> Option<Instant> {
        self.wake_at.take()
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        self.persist = None;
        self.calls.clear();
        self.applies.clear();
        self.wake_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_persist_and_last_wake_win_calls_and_applies_keep_order() {
        let mut out: Effects<u8> = Effects::new();
        assert!(out.is_empty());
        out.persist(Bytes::from(vec![1]), Bytes::new());
        out.persist(Bytes::from(vec![2]), Bytes::new());
        out.call(NodeId(1), 10);
        out.call(NodeId(2), 20);
        out.wake_at(Instant(5));
        out.wake_at(Instant(3));
        out.apply(ApplyMsg::Command {
            index: LogIndex(1),
            command: Bytes::new(),
        });
        assert_eq!(out.take_persist().unwrap().raft_state, Bytes::from(vec![2]));
        assert_eq!(
            out.drain_calls().collect::<Vec<_>>(),
            vec![(NodeId(1), 10), (NodeId(2), 20)]
        );
        assert_eq!(out.take_wake(), Some(Instant(3)));
        assert_eq!(out.drain_applies().count(), 1);
        assert!(out.is_empty());
    }
}
