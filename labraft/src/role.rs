//! The role a server plays, as one enum that owns the state only that role has
//! (STYLE 5): a leader's `next_index`/`match_index` vanish with its leadership,
//! a candidate's vote tally with its candidacy.

use raftapi::{Instant, LogIndex, NodeId};
use std::collections::BTreeSet;

/// Follower, candidate or leader, with the state each needs.
#[derive(Debug)]
pub(crate) enum Role {
    /// Waits for a leader; campaigns when `election_deadline` passes without
    /// hearing from one (§5.2).
    Follower {
        /// When this follower becomes a candidate.
        election_deadline: Instant,
        /// The leader of the current term, once heard from (for tracing).
        leader_id: Option<NodeId>,
    },
    /// Campaigns for the current term.
    Candidate {
        /// When this candidacy gives up and starts a new term.
        election_deadline: Instant,
        /// Who voted for this candidate in the current term, itself included.
        votes_granted: BTreeSet<NodeId>,
    },
    /// Leads the current term.
    Leader(Leadership),
}

/// Figure 2's volatile leader state, plus the leader's two timers.
#[derive(Debug)]
pub(crate) struct Leadership {
    /// For each server, the next log index to send it. Advanced optimistically
    /// when entries are sent, so a heartbeat never repeats entries still in
    /// flight; moved back by a rejection or a failed call.
    pub(crate) next_index: Vec<LogIndex>,
    /// For each server, the highest index known to be replicated on it (the
    /// leader's own entry is its last log index).
    pub(crate) match_index: Vec<LogIndex>,
    /// When the next round of heartbeats is due.
    pub(crate) heartbeat_due: Instant,
    /// When entries appended by `start` will be sent, if a send is pending.
    pub(crate) replicate_at: Option<Instant>,
    /// For each server, whether its last call failed. Until it answers again
    /// it gets empty AppendEntries (probes), not entries it may never receive:
    /// an unreachable follower's calls fail after up to 7 s, and resending a
    /// batch on every heartbeat meanwhile only burns bytes.
    pub(crate) probing: Vec<bool>,
}

impl Role {
    /// The API's view of this role.
    pub(crate) fn kind(&self) -> raftapi::Role {
        match self {
            Role::Follower { .. } => raftapi::Role::Follower,
            Role::Candidate { .. } => raftapi::Role::Candidate,
            Role::Leader(_) => raftapi::Role::Leader,
        }
    }

    /// Moves a follower's or candidate's election deadline (a leader has none).
    pub(crate) fn set_election_deadline(&mut self, deadline: Instant) {
        match self {
            Role::Follower {
                election_deadline, ..
            }
            | Role::Candidate {
                election_deadline, ..
            } => *election_deadline = deadline,
            Role::Leader(_) => panic!("a leader has no election deadline"),
        }
    }

    /// The next instant this role needs a tick.
    pub(crate) fn next_deadline(&self) -> Instant {
        match self {
            Role::Follower {
                election_deadline, ..
            }
            | Role::Candidate {
                election_deadline, ..
            } => *election_deadline,
            Role::Leader(leader) => match leader.replicate_at {
                Some(at) => at.min(leader.heartbeat_due),
                None => leader.heartbeat_due,
            },
        }
    }
}

/// The highest index that a majority of `match_index` has reached (§5.3): the
/// commit candidate. Pure and allocation-free; clusters are small.
pub(crate) fn quorum_index(match_index: &[LogIndex]) -> LogIndex {
    let mut best = LogIndex(0);
    for &candidate in match_index {
        if candidate <= best {
            continue; // cannot raise the answer: skip the count
        }
        let holders = match_index.iter().filter(|&&m| m >= candidate).count();
        if holders * 2 > match_index.len() && candidate > best {
            best = candidate;
        }
    }
    best
}

/// True when `votes` out of `peers` servers form a majority (§5.2).
pub(crate) fn is_majority(votes: usize, peers: usize) -> bool {
    votes * 2 > peers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_index_is_the_majority_floor() {
        let m = |v: &[u64]| v.iter().map(|&i| LogIndex(i)).collect::<Vec<_>>();
        assert_eq!(quorum_index(&m(&[5, 3, 1])), LogIndex(3));
        assert_eq!(quorum_index(&m(&[5, 0, 0])), LogIndex(0));
        assert_eq!(quorum_index(&m(&[7, 7, 2, 2, 9])), LogIndex(7));
        assert_eq!(quorum_index(&m(&[4])), LogIndex(4));
    }

    #[test]
    fn majority_needs_more_than_half() {
        assert!(!is_majority(1, 3));
        assert!(is_majority(2, 3));
        assert!(!is_majority(2, 4));
        assert!(is_majority(1, 1));
    }
}
