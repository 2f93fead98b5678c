//! Your Raft for the MIT 6.5840 Raft lab (parts 3A-3D), in sans-IO form.
//!
//! This file plays the part of the course's `raft.go` skeleton. The Go code
//! runs goroutines, sleeps, locks and blocking calls; here the server is a
//! value, and the lab calls one method per input, each recording what it wants
//! done in `out` (an [`Effects`] buffer):
//!
//! ```text
//!  Go (raft.go)                          here
//!  Make(peers, me, persister, applyCh)   Raft::make(config, persisted, out)
//!  go rf.ticker(); time.Sleep(ms)        tick(now, out); out.wake_at(now + ms)
//!  RequestVote(args, reply) handler      handle_request -> handle_request_vote
//!  sendRequestVote(server, args, reply)  send_request_vote -> out.call(peer, ..)
//!  ... ok := Call(...) returns           handle_reply(.., Some(reply) | None)
//!  applyCh <- ApplyMsg{...}              out.apply(ApplyMsg::Command { .. })
//!  rf.persist() / rf.readPersist(data)   self.persist(out) / self.restore(..)
//!  Start / GetState / Snapshot           start / state / snapshot
//!  PersistBytes                          persist_bytes
//!  rf.mu.Lock()                          nothing: one input runs at a time
//!  Kill() / rf.killed()                  nothing: a crashed server is dropped
//!  rand.Int63()                          self.rng (seeded from Config::seed)
//! ```
//!
//! The rules the lab relies on (so that a failing seed replays exactly):
//! never read a clock (use `now`), never use `rand::rng()`/`thread_rng()`
//! (use `self.rng`), never iterate a `HashMap`/`HashSet` (use `BTreeMap`,
//! `Vec`), no threads, no `static` state. See the crate's README.md and the
//! lab's docs/STUDENTS.md for the whole mapping and the classic pitfalls.
//!
//! As given, this skeleton compiles and runs, but never elects a leader:
//! `cargo test -- 3A` fails with the course's "expected one leader, got
//! none", as the Go skeleton does. Fill in the places marked
//! "Your code here".

// The skeleton declares state, messages and arguments it does not use yet.
// Delete this line once your Raft uses them, so that the compiler points at
// whatever is still left unused.
#![allow(dead_code, unused_variables)]

use raftapi::rng::Rng;
use raftapi::{
    ApplyMsg, Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Started,
    Term,
};
use serde::{Deserialize, Serialize};

/// The effects buffer every input records into.
pub type Out = Effects<Request>;

/// The Go skeleton's ticker pauses `50 + rand.Int63() % 300` ms between
/// checks. Your election timeout is yours to choose: the tester wants a new
/// leader within five seconds of a failure, and the course suggests
/// timeouts a good deal longer than the 100 ms between heartbeats.
const TICKER_PAUSE_MS: std::ops::Range<u64> = 50..350;

// ----------------------------------------------------------------------------
// The RPC messages (Figure 2). Every request and reply carries its sender's
// term. Add fields as you need them (e.g. for a faster log backup).

/// One log entry: a command and the term in which the leader received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The leader's term when it appended the entry.
    pub term: Term,
    /// The command, as given to `start` (the tester's opaque bytes).
    pub command: Bytes,
}

/// RequestVote RPC arguments (Figure 2), sent by candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: Term,
    /// The candidate requesting the vote.
    pub candidate_id: NodeId,
    /// Index of the candidate's last log entry (§5.4).
    pub last_log_index: LogIndex,
    /// Term of the candidate's last log entry (§5.4).
    pub last_log_term: Term,
}

/// RequestVote RPC reply (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: Term,
    /// True means the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries RPC arguments (Figure 2): replication, and heartbeats when
/// `entries` is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: Term,
    /// The leader (so followers know who leads).
    pub leader_id: NodeId,
    /// Index of the entry just before the new ones.
    pub prev_log_index: LogIndex,
    /// Term of the entry at `prev_log_index`.
    pub prev_log_term: Term,
    /// The entries to store (empty for a heartbeat).
    pub entries: Vec<LogEntry>,
    /// The leader's `commit_index`.
    pub leader_commit: LogIndex,
}

/// AppendEntries RPC reply (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
    /// True if the follower had an entry matching `prev_log_index` and
    /// `prev_log_term`.
    pub success: bool,
}

/// InstallSnapshot RPC arguments (Figure 13; 3D), sent in one piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: Term,
    /// The leader.
    pub leader_id: NodeId,
    /// The snapshot replaces all entries up to and including this index.
    pub last_included_index: LogIndex,
    /// The term of `last_included_index`.
    pub last_included_term: Term,
    /// The snapshot, as the service made it.
    pub data: Bytes,
}

/// InstallSnapshot RPC reply (Figure 13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
}

/// Every request this Raft sends (Go names them by string:
/// `Call("Raft.RequestVote", ...)`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// `Raft.RequestVote`.
    RequestVote(RequestVoteArgs),
    /// `Raft.AppendEntries`.
    AppendEntries(AppendEntriesArgs),
    /// `Raft.InstallSnapshot` (3D).
    InstallSnapshot(InstallSnapshotArgs),
}

/// Every reply, one variant per request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// Answers [`Request::RequestVote`].
    RequestVote(RequestVoteReply),
    /// Answers [`Request::AppendEntries`].
    AppendEntries(AppendEntriesReply),
    /// Answers [`Request::InstallSnapshot`].
    InstallSnapshot(InstallSnapshotReply),
}

// ----------------------------------------------------------------------------
// The server.

/// What a server is, with the state only a leader has inside `Leader`: it
/// vanishes when leadership does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Waits for a leader's AppendEntries; starts an election when none came.
    Follower,
    /// Asks for votes.
    Candidate,
    /// Leads its term.
    Leader {
        /// Per peer: the index of the next entry to send (Figure 2;
        /// initialised to the leader's last log index + 1).
        next_index: Vec<LogIndex>,
        /// Per peer: the highest index known to be replicated there
        /// (Figure 2; initialised to 0).
        match_index: Vec<LogIndex>,
    },
}

/// One Raft peer (the course's `Raft` struct).
#[derive(Debug)]
pub struct Raft {
    /// This peer's index among the peers (Go's `me`).
    me: NodeId,
    /// How many peers there are, this one included (Go's `len(peers)`).
    peers: usize,

    // Persistent state on all servers (Figure 2). Updated on stable storage
    // before responding to RPCs: here, call `self.persist(out)` in the same
    // input that changes them, and the lab stores it before the reply or any
    // call of that input leaves this server.
    /// The latest term this server has seen (0 at first, only grows).
    current_term: Term,
    /// The candidate that received this server's vote in `current_term`.
    voted_for: Option<NodeId>,
    /// The log entries. The first entry is at index 1 (index 0 is the empty
    /// prefix); after a snapshot (3D) the entries up to `snapshot_index` are
    /// gone and `log[k]` holds index `snapshot_index + 1 + k`.
    log: Vec<LogEntry>,

    // 3D: what the last snapshot covers, and the snapshot itself (stored
    // beside the state: pass it to every persist).
    /// The last index the snapshot covers (0: no snapshot).
    snapshot_index: LogIndex,
    /// The term of the entry at `snapshot_index`.
    snapshot_term: Term,
    /// The snapshot, as the service made it.
    snapshot: Bytes,

    // Volatile state on all servers (Figure 2).
    /// The highest index known to be committed.
    commit_index: LogIndex,
    /// The highest index applied (sent with `out.apply`).
    last_applied: LogIndex,

    /// Follower, candidate or leader.
    role: Role,
    /// This incarnation's random numbers (Go's `rand`), from `Config::seed`.
    rng: Rng,
    /// Size of the Raft state last persisted, for `persist_bytes`.
    persisted_bytes: usize,
}

impl raftapi::Raft for Raft {
    type Request = Request;
    type Reply = Reply;

    /// Go's `Make(peers, me, persister, applyCh)`: start from what was
    /// persisted, and start the ticker. Must return quickly (it does: there
    /// is nothing here that could block).
    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Raft {
        let mut raft = Raft {
            me: config.me,
            peers: config.peers,
            current_term: Term(0),
            voted_for: None,
            log: Vec::new(),
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            snapshot: Bytes::new(),
            commit_index: LogIndex(0),
            last_applied: LogIndex(0),
            role: Role::Follower,
            rng: Rng::new(config.seed),
            persisted_bytes: 0,
        };
        // Your initialization code here (3A, 3B, 3C).

        // Go: rf.readPersist(persister.ReadRaftState()).
        raft.restore(&persisted);
        // Go: go rf.ticker().
        raft.sleep_until_next_check(config.now, out);
        raft
    }

    /// One pass of Go's `ticker()` loop: the pause it ends with is the
    /// wake-up recorded at the end.
    fn tick(&mut self, now: Instant, out: &mut Out) {
        // Your code here (3A)
        // Check if a leader election should be started (no word from a
        // leader, and no vote granted, for longer than your election
        // timeout): become a candidate and send RequestVote to every peer.
        // A leader sends its heartbeats from here too (at most ten per
        // second: the tester counts RPCs).
        // To see a step in `lab replay`, log it:
        // tracing::debug!(topic = "vote", term = self.current_term.0, "starting an election");
        self.sleep_until_next_check(now, out);
    }

    /// A peer's RPC arrived: Go's labrpc calls the handler method named in
    /// the call; the returned reply is sent back after this input's persist.
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        match request {
            Request::RequestVote(args) => {
                Reply::RequestVote(self.handle_request_vote(now, args, out))
            }
            Request::AppendEntries(args) => {
                Reply::AppendEntries(self.handle_append_entries(now, args, out))
            }
            Request::InstallSnapshot(args) => {
                Reply::InstallSnapshot(self.handle_install_snapshot(now, args, out))
            }
        }
    }

    /// A call this server made has resolved: Go's `ok := rf.peers[to].Call(..)`
    /// returned, in the goroutine that made it. `None` is `ok == false`.
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        match (request, reply) {
            (Request::RequestVote(args), Some(Reply::RequestVote(reply))) => {
                self.handle_request_vote_reply(now, to, &args, &reply, out);
            }
            (Request::AppendEntries(args), Some(Reply::AppendEntries(reply))) => {
                self.handle_append_entries_reply(now, to, &args, &reply, out);
            }
            (Request::InstallSnapshot(args), Some(Reply::InstallSnapshot(reply))) => {
                self.handle_install_snapshot_reply(now, to, &args, &reply, out);
            }
            (request, None) => self.handle_failed_call(now, to, &request, out),
            (request, Some(reply)) => {
                // The lab hands back each request with the reply its own
                // handler returned, so this is a bug in handle_request.
                panic!("{reply:?} does not answer {request:?}")
            }
        }
    }

    /// Go's `Start(command)`: if this server is the leader, append the
    /// command to the log and return where it will be if it commits; do not
    /// wait for replication (the next heartbeat, or a call recorded here,
    /// sends it).
    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        // Your code here (3B).
        None
    }

    /// Go's `Snapshot(index, snapshot)`: the service has a snapshot of
    /// everything up to and including `index`; trim the log and persist the
    /// snapshot with the state.
    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        // Your code here (3D).
    }

    /// Go's `GetState()`: the current term and whether this server believes
    /// it is the leader.
    fn state(&self) -> (Term, bool) {
        (self.current_term, matches!(self.role, Role::Leader { .. }))
    }

    /// Go's `PersistBytes()`: the size of the Raft state last persisted.
    fn persist_bytes(&self) -> usize {
        self.persisted_bytes
    }

    /// A read-only view for the lab's strict oracles (`LAB_STRICT=1`) and
    /// its traces. Keep it in step with your fields if you change how the
    /// log is stored.
    fn inspect(&self) -> Option<Inspection> {
        Some(Inspection {
            current_term: self.current_term,
            voted_for: self.voted_for,
            role: match self.role {
                Role::Follower => raftapi::Role::Follower,
                Role::Candidate => raftapi::Role::Candidate,
                Role::Leader { .. } => raftapi::Role::Leader,
            },
            commit_index: self.commit_index,
            last_applied: self.last_applied,
            snapshot_index: self.snapshot_index,
            snapshot_term: self.snapshot_term,
            log_terms: self.log.iter().map(|entry| entry.term).collect(),
        })
    }
}

impl Raft {
    /// Go: `ms := 50 + (rand.Int63() % 300); time.Sleep(...)`. At most one
    /// wake-up is pending per server: a later `wake_at` replaces it.
    fn sleep_until_next_check(&mut self, now: Instant, out: &mut Out) {
        out.wake_at(now.plus_ms(self.rng.in_range(TICKER_PAUSE_MS)));
    }

    /// Go's `RequestVote` handler.
    fn handle_request_vote(
        &mut self,
        now: Instant,
        args: &RequestVoteArgs,
        out: &mut Out,
    ) -> RequestVoteReply {
        // Your code here (3A, 3B).
        // Figure 2, "RequestVote RPC, receiver implementation". If you
        // change current_term or voted_for, call self.persist(out) here.
        RequestVoteReply {
            term: self.current_term,
            vote_granted: false,
        }
    }

    /// Go's `AppendEntries` handler (the heartbeat too).
    fn handle_append_entries(
        &mut self,
        now: Instant,
        args: &AppendEntriesArgs,
        out: &mut Out,
    ) -> AppendEntriesReply {
        // Your code here (3A: heartbeats; 3B: entries).
        // Figure 2, "AppendEntries RPC, receiver implementation". Newly
        // committed entries are applied with out.apply, in index order.
        AppendEntriesReply {
            term: self.current_term,
            success: false,
        }
    }

    /// Go's `InstallSnapshot` handler (3D).
    fn handle_install_snapshot(
        &mut self,
        now: Instant,
        args: &InstallSnapshotArgs,
        out: &mut Out,
    ) -> InstallSnapshotReply {
        // Your code here (3D).
        // Figure 13. The service learns of the snapshot through
        // out.apply(ApplyMsg::Snapshot { .. }).
        InstallSnapshotReply {
            term: self.current_term,
        }
    }

    /// Go's `sendRequestVote(server, args, reply)`, as an effect: the call
    /// leaves when this input returns, and its outcome comes back later
    /// through `handle_reply`. As with labrpc's `Call`, the outcome always
    /// arrives (a reply, or `None` after a lost request or reply, a
    /// partition or a dead peer), calls may be reordered, and nothing is
    /// shared: so there is no timeout to write around it.
    fn send_request_vote(&self, to: NodeId, args: RequestVoteArgs, out: &mut Out) {
        out.call(to, Request::RequestVote(args));
    }

    /// The candidate's side of a RequestVote call: count the vote.
    fn handle_request_vote_reply(
        &mut self,
        now: Instant,
        from: NodeId,
        args: &RequestVoteArgs,
        reply: &RequestVoteReply,
        out: &mut Out,
    ) {
        // Your code here (3A).
        // Mind stale replies: this server may have moved on to another term
        // or role since it sent `args`.
    }

    /// The leader's side of an AppendEntries call.
    fn handle_append_entries_reply(
        &mut self,
        now: Instant,
        from: NodeId,
        args: &AppendEntriesArgs,
        reply: &AppendEntriesReply,
        out: &mut Out,
    ) {
        // Your code here (3A, 3B).
    }

    /// The leader's side of an InstallSnapshot call (3D).
    fn handle_install_snapshot_reply(
        &mut self,
        now: Instant,
        from: NodeId,
        args: &InstallSnapshotArgs,
        reply: &InstallSnapshotReply,
        out: &mut Out,
    ) {
        // Your code here (3D).
    }

    /// A call that failed (Go's `Call` returned false). Most designs need
    /// nothing here: the next heartbeat or election retries.
    fn handle_failed_call(&mut self, now: Instant, to: NodeId, request: &Request, out: &mut Out) {}

    /// Go's `persist()`: record the persistent state (Figure 2) and the
    /// snapshot (empty until 3D) to be stored. The lab stores the last
    /// persist of an input before that input's replies and calls leave.
    fn persist(&mut self, out: &mut Out) {
        // Your code here (3C): add whatever else you need after a restart
        // (3D: what the snapshot covers).
        let state = (self.current_term, self.voted_for, &self.log);
        let bytes = raftapi::codec::encode(&state).expect("the Raft state encodes");
        self.persisted_bytes = bytes.len();
        out.persist(Bytes::from(bytes), self.snapshot.clone());
    }

    /// Go's `readPersist(data)`: restore what `persist` stored. Nothing
    /// stored (a first start) leaves the initial state.
    fn restore(&mut self, persisted: &Persisted) {
        if persisted.raft_state.is_empty() {
            return;
        }
        // Decode exactly what persist encodes: this server wrote it, so
        // bytes that do not decode are a bug in persist or restore.
        let (current_term, voted_for, log): (Term, Option<NodeId>, Vec<LogEntry>) =
            raftapi::codec::decode(&persisted.raft_state)
                .expect("the persisted Raft state decodes as persist encoded it");
        self.current_term = current_term;
        self.voted_for = voted_for;
        self.log = log;
        self.snapshot = persisted.snapshot.clone();
        self.persisted_bytes = persisted.raft_state.len();
    }

    /// Send a committed command to the service (Go: `applyCh <- ApplyMsg{
    /// CommandValid: true, Command: .., CommandIndex: index }`), in index
    /// order, each exactly once.
    fn apply_command(&mut self, index: LogIndex, command: Bytes, out: &mut Out) {
        out.apply(ApplyMsg::Command { index, command });
    }
}
