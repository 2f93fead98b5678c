//! What the builder understands: the run as a list of timed facts, free of
//! any target, topic or field name. [`crate::vocab`] makes them from
//! events; tests write them directly.

use crate::model::Role;

/// One fact, at a virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    /// Virtual ms.
    pub t: u64,
    /// What happened.
    pub fact: Fact,
}

/// Something that happened in the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A server's Raft was made (incarnation 1 at the start, +1 a restart).
    Made {
        /// The server.
        server: usize,
        /// Its incarnation, if the event says.
        incarnation: Option<u32>,
    },
    /// The tester crashed a server.
    Crashed {
        /// The server.
        server: usize,
    },
    /// The tester connected or disconnected a server; `links`, when known,
    /// is the whole link matrix afterwards (`links[i][j]`: i can call j).
    Connected {
        /// The server.
        server: usize,
        /// Connected (true) or disconnected.
        up: bool,
        /// The matrix afterwards, if the event carries it.
        links: Option<Vec<Vec<bool>>>,
    },
    /// Links set one by one (a scenario's partition).
    Links {
        /// `links[i][j]`: i can call j.
        links: Vec<Vec<bool>>,
    },
    /// A network-wide setting changed.
    Network {
        /// `unreliable`, `long-reordering`, `faults`.
        kind: String,
        /// On or off.
        on: bool,
        /// What it says.
        detail: String,
    },
    /// Part of a server's state changed (what is `None` did not change).
    State {
        /// The server.
        server: usize,
        /// The new role.
        role: Option<Role>,
        /// The new term.
        term: Option<u64>,
        /// The new commit index.
        commit: Option<u64>,
        /// The new last log index.
        last_log: Option<u64>,
        /// The new snapshot index (the log starts after it).
        snapshot_index: Option<u64>,
    },
    /// A call was made.
    Sent {
        /// The call's number.
        call: u64,
        /// Caller.
        from: usize,
        /// Callee.
        to: usize,
        /// Its kind (`RequestVote`, `AppendEntries`).
        kind: String,
        /// The request's summary.
        request: String,
    },
    /// A request reached its callee's handler.
    Arrived {
        /// The call.
        call: u64,
    },
    /// A reply reached the caller.
    Replied {
        /// The call.
        call: u64,
        /// The reply's summary.
        reply: String,
    },
    /// A call failed back to the caller.
    Failed {
        /// The call.
        call: u64,
        /// Why.
        reason: String,
    },
    /// An `ApplyMsg` reached the tester.
    Applied {
        /// The server.
        server: usize,
        /// The index (a snapshot's last index).
        index: u64,
        /// Whether it was a snapshot.
        snapshot: bool,
        /// What it says.
        text: String,
    },
    /// The service asked a server to snapshot through `index`.
    SnapshotTaken {
        /// The server.
        server: usize,
        /// The index.
        index: u64,
    },
    /// A step of the tester began (`one`, a check) or an instant marker.
    StepBegin {
        /// `one`, `check`, `start`, ...
        kind: String,
        /// The server, if one.
        server: Option<usize>,
        /// What it says.
        label: String,
    },
    /// The open step of this kind ended.
    StepEnd {
        /// `one`, `check`.
        kind: String,
        /// What it says.
        label: String,
        /// Whether it passed.
        ok: bool,
    },
    /// The run failed.
    Failure {
        /// The check or oracle.
        check: String,
        /// The course's message.
        message: String,
        /// `check`, `panic`, `runaway`, `oracle`.
        kind: String,
    },
    /// Anything else about a server (persist, a Raft's own events).
    Note {
        /// The server.
        server: usize,
        /// The topic.
        topic: String,
        /// What it says.
        text: String,
    },
}
