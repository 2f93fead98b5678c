//! Log matching (§5.3, Figure 3): if two logs have an entry with the same
//! index and term, they are identical in all entries up to that index.
//!
//! Only indices both servers still know are compared: from the later of the
//! two snapshot indices (whose term is kept) to the shorter log's end.
//! Entries inside a snapshot are committed; the stored-on-majority and
//! applied-agree oracles watch those.

use super::{LOG_MATCHING, Violation};
use raftapi::{Inspection, LogIndex};

/// Where two logs break log matching: they agree at `agree` but differ at
/// the earlier index `differ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// An index where both have an entry of the same term.
    pub agree: LogIndex,
    /// An earlier index where their terms differ.
    pub differ: LogIndex,
}

/// The first break of log matching between `a` and `b`, if any. One pass
/// over the indices both know: after the first index where the terms differ,
/// no later index may have equal terms.
pub fn find_mismatch(a: &Inspection, b: &Inspection) -> Option<Mismatch> {
    let low = a.snapshot_index.0.max(b.snapshot_index.0);
    let high = a.last_log_index().0.min(b.last_log_index().0);
    let mut differ = None;
    for index in low..=high {
        let index = LogIndex(index);
        let (Some(term_a), Some(term_b)) = (a.term_at(index), b.term_at(index)) else {
            continue;
        };
        match differ {
            None if term_a != term_b => differ = Some(index),
            Some(differ) if term_a == term_b => {
                return Some(Mismatch {
                    agree: index,
                    differ,
                });
            }
            _ => {}
        }
    }
    None
}

/// Whether two inspections hold the same log (snapshot and entries).
pub fn same_log(a: &Inspection, b: &Inspection) -> bool {
    a.snapshot_index == b.snapshot_index
        && a.snapshot_term == b.snapshot_term
        && a.log_terms == b.log_terms
}

/// Checks server `i`'s log against server `j`'s.
pub fn check_pair(i: usize, a: &Inspection, j: usize, b: &Inspection) -> Result<(), Violation> {
    let Some(m) = find_mismatch(a, b) else {
        return Ok(());
    };
    let term = |x: &Inspection, index| x.term_at(index).map_or(0, |t| t.0);
    Err(Violation {
        check: LOG_MATCHING,
        message: format!(
            "S{i} and S{j} both have index {} in term {}, but differ at index {} (S{i} term {}, S{j} term {})",
            m.agree.0,
            term(a, m.agree),
            m.differ.0,
            term(a, m.differ),
            term(b, m.differ)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;

    #[test]
    fn a_prefix_and_a_divergent_suffix_match() {
        let a = view(0, 0, &[1, 1, 2, 2]);
        let b = view(0, 0, &[1, 1, 3]);
        assert_eq!(find_mismatch(&a, &b), None);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[1, 1])), None);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[])), None);
    }

    #[test]
    fn equal_terms_after_a_difference_break_log_matching() {
        let a = view(0, 0, &[1, 1, 2, 3]);
        let b = view(0, 0, &[1, 2, 2, 3]);
        let m = find_mismatch(&a, &b).unwrap();
        assert_eq!((m.agree, m.differ), (LogIndex(3), LogIndex(2)));
        let v = check_pair(0, &a, 1, &b).unwrap_err();
        assert_eq!(v.check, LOG_MATCHING);
        assert_eq!(
            v.message,
            "S0 and S1 both have index 3 in term 2, but differ at index 2 (S0 term 1, S1 term 2)"
        );
    }

    #[test]
    fn snapshots_hide_what_they_cover() {
        // a: snapshot to 2 (term 1), then 3..=4; b: a full log.
        let a = view(2, 1, &[2, 2]);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[9, 1, 2, 2])), None);
        // The snapshot's own term counts.
        let m = find_mismatch(&a, &view(0, 0, &[1, 3, 2, 2])).unwrap();
        assert_eq!((m.agree, m.differ), (LogIndex(3), LogIndex(2)));
    }

    #[test]
    fn same_log_compares_snapshot_and_entries() {
        assert!(same_log(&view(1, 1, &[2]), &view(1, 1, &[2])));
        assert!(!same_log(&view(1, 1, &[2]), &view(0, 0, &[1, 2])));
    }
}
