//! The RPC messages (Figure 2's RequestVote and AppendEntries, §7's
//! InstallSnapshot) and the log entry they carry. Every request and every reply
//! carries its sender's `term`, so any message can teach a stale server the
//! current term (§5.1).

use raftapi::{Bytes, LogIndex, NodeId, Term};
use serde::{Deserialize, Serialize};

/// One log entry: the command and the term in which a leader received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The leader's term when the entry was created.
    pub term: Term,
    /// The command, as given to `start` (cheap to clone).
    pub command: Bytes,
}

/// Figure 2: RequestVote arguments, sent by candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: Term,
    /// The candidate requesting the vote.
    pub candidate_id: NodeId,
    /// Index of the candidate's last log entry (§5.4.1).
    pub last_log_index: LogIndex,
    /// Term of the candidate's last log entry (§5.4.1).
    pub last_log_term: Term,
}

/// Figure 2: RequestVote results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: Term,
    /// True means the candidate received the vote.
    pub vote_granted: bool,
}

/// Figure 2: AppendEntries arguments, sent by leaders to replicate entries and
/// as heartbeats (with no entries).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: Term,
    /// So the follower knows who leads (for tracing; clients are not redirected here).
    pub leader_id: NodeId,
    /// Index of the entry immediately preceding the new ones.
    pub prev_log_index: LogIndex,
    /// Term of the entry at `prev_log_index`.
    pub prev_log_term: Term,
    /// Entries to store, starting at `prev_log_index + 1` (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// The leader's `commit_index`.
    pub leader_commit: LogIndex,
}

/// Figure 2: AppendEntries results, extended with the course's "fast backup"
/// hints so a leader skips a whole conflicting term per round trip (§5.3, the
/// optimisation sketched at the end of that section).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
    /// True if the follower held an entry matching `prev_log_index` and
    /// `prev_log_term` (and now holds all the entries sent).
    pub success: bool,
    /// On failure: the term of the follower's conflicting entry at
    /// `prev_log_index`, or `None` if its log is too short to have one.
    pub conflict_term: Option<Term>,
    /// On failure: the first index the follower holds for `conflict_term`, or
    /// (when `conflict_term` is `None`) one past its last index.
    pub conflict_index: LogIndex,
}

/// §7: InstallSnapshot arguments, sent when a follower needs entries the
/// leader has already compacted away. The snapshot is sent in one piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: Term,
    /// So the follower knows who leads.
    pub leader_id: NodeId,
    /// The snapshot replaces all entries up to and including this index.
    pub last_included_index: LogIndex,
    /// Term of `last_included_index`.
    pub last_included_term: Term,
    /// The service's snapshot bytes.
    pub data: Bytes,
}

/// §7: InstallSnapshot results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
}

/// Every request one server sends another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// A candidate asks for a vote.
    RequestVote(RequestVoteArgs),
    /// A leader replicates entries or sends a heartbeat.
    AppendEntries(AppendEntriesArgs),
    /// A leader sends its snapshot to a follower that is too far behind.
    InstallSnapshot(InstallSnapshotArgs),
}

/// Every reply, one variant per request variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// Answers [`Request::RequestVote`].
    RequestVote(RequestVoteReply),
    /// Answers [`Request::AppendEntries`].
    AppendEntries(AppendEntriesReply),
    /// Answers [`Request::InstallSnapshot`].
    InstallSnapshot(InstallSnapshotReply),
}

impl Request {
    /// The sender's term.
    pub fn term(&self) -> Term {
        match self {
            Request::RequestVote(args) => args.term,
            Request::AppendEntries(args) => args.term,
            Request::InstallSnapshot(args) => args.term,
        }
    }
}

impl Reply {
    /// The replier's term.
    pub fn term(&self) -> Term {
        match self {
            Reply::RequestVote(reply) => reply.term,
            Reply::AppendEntries(reply) => reply.term,
            Reply::InstallSnapshot(reply) => reply.term,
        }
    }
}
