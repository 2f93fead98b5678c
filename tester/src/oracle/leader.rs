//! The leader's two Figure 3 properties (§5.3, §5.4):
//! - *Leader Completeness*: a server that becomes leader in term T holds
//!   every entry committed in a term before T, with its term.
//! - *Leader Append-Only*: a leader never overwrites or deletes entries of
//!   its own log during its term.
//!
//! What "committed" means here: every index up to the highest
//! `commit_index` any server's `inspect()` has shown, with the term that
//! server's log held there (the first server to show it committed is named
//! in the message), committed *in* that server's current term then. That is
//! never below the term of the leader that committed it (a follower learns
//! of a commit from a leader of its term or an earlier one), so a leader of
//! an older term still in office, which may rightly lack it, is not judged
//! by it. Indices a server had already compacted into a snapshot when it
//! committed them carry no term and are not checked; neither are indices
//! inside the new leader's own snapshot.

use super::{LEADER_APPEND_ONLY, LEADER_COMPLETENESS, Violation};
use raftapi::{Inspection, InspectionHeader, LogIndex, Role, Term};

/// One committed index: its entry's term (when known), the server first
/// seen committing it, and that server's current term then.
#[derive(Clone, Copy, Debug)]
struct Entry {
    term: Option<Term>,
    by: usize,
    in_term: Term,
}

/// What is known to be committed: index k + 1 at `entries[k]`.
#[derive(Debug, Default)]
pub struct Committed {
    entries: Vec<Entry>,
}

impl Committed {
    /// Server `server`'s `view`: everything up to its commit index is
    /// committed, with the terms of its log.
    pub fn learn(&mut self, server: usize, view: &Inspection) {
        let known = self.entries.len() as u64;
        for index in known + 1..=view.commit_index.0 {
            let term = (index >= view.snapshot_index.0)
                .then(|| view.term_at(LogIndex(index)))
                .flatten();
            self.entries.push(Entry {
                term,
                by: server,
                in_term: view.current_term,
            });
        }
    }

    /// Server `server` has just become leader with `view`: its log must hold
    /// every entry committed in an earlier term, at its term.
    pub fn check_new_leader(&self, server: usize, view: &Inspection) -> Result<(), Violation> {
        let term = view.current_term.0;
        for (k, entry) in self.entries.iter().enumerate() {
            let index = k as u64 + 1;
            let (Some(committed), by) = (entry.term, entry.by) else {
                continue;
            };
            if index < view.snapshot_index.0 || entry.in_term >= view.current_term {
                continue;
            }
            let message = match view.term_at(LogIndex(index)) {
                Some(held) if held == committed => continue,
                Some(held) => format!(
                    "S{server} became leader in term {term} with index {index} of term {}, \
                     but S{by} committed index {index} at term {}",
                    held.0, committed.0
                ),
                None => format!(
                    "S{server} became leader in term {term} without index {index} \
                     (term {}, committed by S{by}); its last index is {}",
                    committed.0,
                    view.last_log_index().0
                ),
            };
            return Err(Violation {
                check: LEADER_COMPLETENESS,
                message,
            });
        }
        Ok(())
    }
}

/// Whether `view` shows server `server` newly leader: leader now, and not
/// leader of the same term at its last observation (`old`, of the same
/// incarnation; `None` if there is none).
pub fn newly_leader(old: Option<&InspectionHeader>, view: &Inspection) -> bool {
    view.role == Role::Leader
        && !old.is_some_and(|o| o.role == Role::Leader && o.current_term == view.current_term)
}

/// Leader Append-Only: `old` and `view` are two observations of one
/// incarnation of server `server`, both leader of the same term; `kept` is
/// how far the new log holds what the old one held.
pub fn check_append_only(
    server: usize,
    old: &Inspection,
    view: &Inspection,
    kept: u64,
) -> Result<(), Violation> {
    let was_leader = old.role == Role::Leader && view.role == Role::Leader;
    let last = old.last_log_index().0;
    if !was_leader || old.current_term != view.current_term || kept >= last {
        return Ok(());
    }
    let term = view.current_term.0;
    let index = kept + 1;
    let now = view.last_log_index().0;
    let message = match (old.term_at(LogIndex(index)), view.term_at(LogIndex(index))) {
        (Some(was), Some(is)) if was != is => format!(
            "S{server}, leader in term {term}, overwrote index {index} of its own log \
             (term {} became term {})",
            was.0, is.0
        ),
        _ => format!(
            "S{server}, leader in term {term}, deleted entries of its own log from index \
             {index} (its last index went from {last} to {now})"
        ),
    };
    Err(Violation {
        check: LEADER_APPEND_ONLY,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;

    fn leader(mut v: Inspection, term: u64) -> Inspection {
        v.role = Role::Leader;
        v.current_term = Term(term);
        v
    }

    #[test]
    fn a_new_leader_must_hold_what_was_committed() {
        let mut committed = Committed::default();
        let mut s0 = view(0, 0, &[1, 1, 2]);
        s0.commit_index = LogIndex(3);
        committed.learn(0, &s0);
        assert!(
            committed
                .check_new_leader(1, &leader(view(0, 0, &[1, 1, 2, 3]), 3))
                .is_ok()
        );
        let short = committed.check_new_leader(1, &leader(view(0, 0, &[1, 1]), 3));
        assert_eq!(
            short.unwrap_err().message,
            "S1 became leader in term 3 without index 3 (term 2, committed by S0); its last index is 2"
        );
        let other = committed.check_new_leader(2, &leader(view(0, 0, &[1, 1, 1]), 3));
        let v = other.unwrap_err();
        assert_eq!(v.check, LEADER_COMPLETENESS);
        assert_eq!(
            v.message,
            "S2 became leader in term 3 with index 3 of term 1, but S0 committed index 3 at term 2"
        );
        // Inside the new leader's snapshot: not checked.
        assert!(
            committed
                .check_new_leader(2, &leader(view(3, 2, &[]), 3))
                .is_ok()
        );
        // Committed in term 2: a leader of term 2 (or earlier) still in
        // office may lack it.
        let stale = leader(view(0, 0, &[1]), 2);
        assert!(committed.check_new_leader(1, &stale).is_ok());
    }

    #[test]
    fn a_leader_only_appends_in_its_term() {
        let old = leader(view(0, 0, &[1, 2, 2]), 2);
        let longer = leader(view(0, 0, &[1, 2, 2, 2]), 2);
        assert!(check_append_only(0, &old, &longer, 3).is_ok());
        let shorter = leader(view(0, 0, &[1, 2]), 2);
        assert_eq!(
            check_append_only(0, &old, &shorter, 2).unwrap_err().message,
            "S0, leader in term 2, deleted entries of its own log from index 3 (its last index went from 3 to 2)"
        );
        let rewritten = leader(view(0, 0, &[1, 1, 2]), 2);
        assert_eq!(
            check_append_only(0, &old, &rewritten, 1)
                .unwrap_err()
                .message,
            "S0, leader in term 2, overwrote index 2 of its own log (term 2 became term 1)"
        );
        // A new term: a new leadership, whatever the log did.
        assert!(check_append_only(0, &old, &leader(view(0, 0, &[1]), 3), 1).is_ok());
        let header = InspectionHeader::of(&old, 0);
        assert!(newly_leader(Some(&header), &leader(view(0, 0, &[1]), 3)));
        assert!(!newly_leader(Some(&header), &old));
    }
}
