//! The election restriction, checked at the vote (§5.4.1): a server grants
//! its vote only to a candidate whose log is at least as up-to-date as its
//! own (a later last term, or the same last term and an index at least as
//! high).
//!
//! Assumptions: the candidate's log is recorded when the oracle first
//! observes it as a candidate in a term (a candidate does not append, so
//! that is the log its RequestVote carries); the voter's log is the one it
//! holds right after the input that set its `voted_for` (a RequestVote
//! handler does not change the log). A vote is checked when `voted_for`
//! changes within one incarnation, not when a restart restores it; a vote
//! for a candidate never observed as a candidate in that term is not
//! checked.

use super::{ELECTION_RESTRICTION, Violation};
use raftapi::{Inspection, InspectionHeader, Role};
use std::collections::BTreeMap;

/// A log's last (term, index).
type Last = (u64, u64);

fn last_of(view: &Inspection) -> Last {
    let index = view.last_log_index();
    let term = view.term_at(index).map_or(0, |t| t.0);
    (term, index.0)
}

/// Each candidacy's log: (term, server) -> its last (term, index).
#[derive(Debug, Default)]
pub struct Candidacies {
    logs: BTreeMap<(u64, usize), Last>,
}

impl Candidacies {
    /// Server `server`'s `view`: a candidate's first view in a term is its
    /// candidacy's log.
    pub fn observe(&mut self, server: usize, view: &Inspection) {
        if view.role == Role::Candidate {
            self.logs
                .entry((view.current_term.0, server))
                .or_insert_with(|| last_of(view));
        }
    }

    /// Server `voter` went from `old` to `view` in one incarnation: if that
    /// granted a vote, the candidate's log must be at least as up-to-date.
    pub fn check_vote(
        &self,
        voter: usize,
        old: &InspectionHeader,
        view: &Inspection,
    ) -> Result<(), Violation> {
        let Some(candidate) = view.voted_for.map(|c| c.0) else {
            return Ok(());
        };
        let unchanged = old.current_term == view.current_term && old.voted_for == view.voted_for;
        if unchanged || candidate == voter {
            return Ok(());
        }
        let term = view.current_term.0;
        let Some(&theirs) = self.logs.get(&(term, candidate)) else {
            return Ok(());
        };
        let mine = last_of(view);
        if theirs >= mine {
            return Ok(());
        }
        Err(Violation {
            check: ELECTION_RESTRICTION,
            message: format!(
                "S{voter} voted for S{candidate} in term {term}, but S{candidate}'s log \
                 (last index {}, term {}) is behind S{voter}'s (last index {}, term {})",
                theirs.1, theirs.0, mine.1, mine.0
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;
    use raftapi::{NodeId, Term};

    fn candidate(terms: &[u64], term: u64) -> Inspection {
        let mut v = view(0, 0, terms);
        v.role = Role::Candidate;
        v.current_term = Term(term);
        v
    }

    fn voted(terms: &[u64], term: u64, for_: usize) -> Inspection {
        let mut v = view(0, 0, terms);
        v.current_term = Term(term);
        v.voted_for = Some(NodeId(for_));
        v
    }

    #[test]
    fn a_vote_for_a_log_behind_is_a_violation() {
        let mut c = Candidacies::default();
        c.observe(0, &candidate(&[1], 5));
        c.observe(2, &candidate(&[1, 1, 1, 1, 1, 1], 5));
        let old = view(0, 0, &[1, 1, 1, 1, 1]);
        let v = c.check_vote(
            1,
            &InspectionHeader::of(&old, 0),
            &voted(&[1, 1, 1, 1, 1], 5, 0),
        );
        let v = v.unwrap_err();
        assert_eq!(v.check, ELECTION_RESTRICTION);
        assert_eq!(
            v.message,
            "S1 voted for S0 in term 5, but S0's log (last index 1, term 1) is behind S1's (last index 5, term 1)"
        );
        // S2's log is longer: fine; an unchanged vote is not checked again.
        assert!(
            c.check_vote(1, &InspectionHeader::of(&old, 0), &voted(&[1; 5], 5, 2))
                .is_ok()
        );
        let v0 = voted(&[1; 5], 5, 0);
        assert!(c.check_vote(1, &InspectionHeader::of(&v0, 0), &v0).is_ok());
        // A later last term wins over a longer log.
        c.observe(0, &candidate(&[1, 2], 6));
        assert!(
            c.check_vote(1, &InspectionHeader::of(&old, 0), &voted(&[1; 5], 6, 0))
                .is_ok()
        );
    }
}
