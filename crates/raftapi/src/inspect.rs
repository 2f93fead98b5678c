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

/// [`Inspection`] without the log's terms: the fields a strict oracle reads
/// after every input, the log's ends, and a *version* of the log that says
/// whether it only grew since the last look. See
/// [`crate::Raft::inspect_header`] for the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectionHeader {
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
    /// The last index in the log (the snapshot index if the log is empty).
    pub last_log_index: LogIndex,
    /// The term at `last_log_index`.
    pub last_log_term: Term,
    /// The same in two calls only if the log of the first is a prefix of
    /// the second's, at the same snapshot base (appends need not change
    /// it; anything else must); see [`crate::Raft::inspect_header`].
    pub log_version: u64,
}

impl InspectionHeader {
    /// The header of `view`, with `log_version` (what a correct
    /// [`crate::Raft::inspect_header`] returns beside that `inspect()`).
    pub fn of(view: &Inspection, log_version: u64) -> InspectionHeader {
        let last_log_index = view.last_log_index();
        InspectionHeader {
            current_term: view.current_term,
            voted_for: view.voted_for,
            role: view.role,
            commit_index: view.commit_index,
            last_applied: view.last_applied,
            snapshot_index: view.snapshot_index,
            snapshot_term: view.snapshot_term,
            last_log_index,
            last_log_term: view
                .term_at(last_log_index)
                .expect("an inspection holds its last index"),
            log_version,
        }
    }
}
