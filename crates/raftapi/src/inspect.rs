//! An optional read-only view of a Raft's internals, for oracles that check
//! safety after every event rather than sampling `state()`.

use crate::types::{LogIndex, NodeId, Term};

/// A server's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Campaigning for votes.
    Candidate,
    /// Leads its term.
    Leader,
}

/// What an oracle may see of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// `currentTerm`.
    pub current_term: Term,
    /// `votedFor` in the current term.
    pub voted_for: Option<NodeId>,
    /// The role.
    pub role: Role,
    /// `commitIndex`.
    pub commit_index: LogIndex,
    /// `lastApplied`.
    pub last_applied: LogIndex,
    /// The last index covered by the snapshot (0 when there is none).
    pub snapshot_index: LogIndex,
    /// The term of the entry at `snapshot_index`.
    pub snapshot_term: Term,
    /// The terms of the entries after the snapshot, in order: entry
    /// `snapshot_index + 1 + k` has term `log_terms[k]`.
    pub log_terms: Vec<Term>,
}

impl Inspection {
    /// The last index in the log (or the snapshot index if the log is empty).
    pub fn last_log_index(&self) -> LogIndex {
        LogIndex(self.snapshot_index.0 + self.log_terms.len() as u64)
    }

    /// The term at `index`, if this server still knows it.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        let offset = index.0.checked_sub(self.snapshot_index.0 + 1)?;
        self.log_terms.get(offset as usize).copied()
    }
}
