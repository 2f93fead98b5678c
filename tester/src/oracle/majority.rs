//! Stored on a majority (§5.4, the Leader Completeness argument): an entry
//! any server applies must, at that moment, be stored by a majority of the
//! servers, in its log or covered by its snapshot.
//!
//! Each server is judged by its last inspection. A crashed server's last
//! inspection before the crash stands in for its durable state: for a Raft
//! that persists before its effects become visible (the raftapi contract) the
//! two agree; for one that does not, the oracle gives it the benefit of the
//! doubt, and the course's checks and the other oracles remain.

use super::{STORED_ON_MAJORITY, Violation};
use raftapi::{Inspection, LogIndex, Term};

/// Whether `view` stores the entry at `index`: covered by its snapshot, or
/// in its log with term `term` (any term when the applier's own term for
/// the entry is unknown, because its snapshot covers it).
pub fn stores(view: &Inspection, index: LogIndex, term: Option<Term>) -> bool {
    if view.snapshot_index >= index {
        return true;
    }
    match term {
        Some(term) => view.term_at(index) == Some(term),
        None => view.last_log_index() >= index,
    }
}

/// Checks that the entry (`index`, `term`) server `applier` applies is
/// stored by a majority of `views` (one per server; `None` for a server
/// never inspected, which stores nothing).
pub fn check<'a>(
    applier: usize,
    index: LogIndex,
    term: Option<Term>,
    views: impl Iterator<Item = Option<&'a Inspection>> + Clone,
) -> Result<(), Violation> {
    let holds = |v: Option<&Inspection>| v.is_some_and(|v| stores(v, index, term));
    let servers = views.clone().count();
    if 2 * views.clone().filter(|v| holds(*v)).count() > servers {
        return Ok(());
    }
    let holders: Vec<usize> = views
        .enumerate()
        .filter(|(_, v)| holds(*v))
        .map(|(j, _)| j)
        .collect();
    let term = term.map_or("?".to_string(), |t| t.0.to_string());
    let holders: Vec<String> = holders.iter().map(|j| format!("S{j}")).collect();
    Err(Violation {
        check: STORED_ON_MAJORITY,
        message: format!(
            "S{applier} applied index {} (term {term}), stored by only {} of {} servers [{}]",
            index.0,
            holders.len(),
            servers,
            holders.join(" ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;

    #[test]
    fn a_majority_in_logs_or_snapshots_is_enough() {
        let views = [
            Some(view(0, 0, &[1, 2])),
            Some(view(2, 2, &[])),
            Some(view(0, 0, &[1])),
        ];
        assert!(
            check(
                0,
                LogIndex(2),
                Some(Term(2)),
                views.iter().map(Option::as_ref)
            )
            .is_ok()
        );
        assert!(
            check(
                0,
                LogIndex(1),
                Some(Term(1)),
                views.iter().map(Option::as_ref)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_minority_or_a_wrong_term_is_a_violation() {
        let views = [Some(view(0, 0, &[1, 2])), Some(view(0, 0, &[1, 3])), None];
        let v = check(
            0,
            LogIndex(2),
            Some(Term(2)),
            views.iter().map(Option::as_ref),
        )
        .unwrap_err();
        assert_eq!(v.check, STORED_ON_MAJORITY);
        assert_eq!(
            v.message,
            "S0 applied index 2 (term 2), stored by only 1 of 3 servers [S0]"
        );
        // With the term unknown, any entry at the index counts.
        assert!(check(0, LogIndex(2), None, views.iter().map(Option::as_ref)).is_ok());
    }
}
