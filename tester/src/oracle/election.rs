//! Election safety (§5.2, Figure 3): at most one leader per term, ever,
//! across all servers and all their incarnations.

use super::{ELECTION_SAFETY, Violation};
use std::collections::BTreeMap;

/// The leader seen in each term: (server, incarnation).
#[derive(Debug, Default)]
pub struct ElectionSafety {
    leaders: BTreeMap<u64, (usize, u32)>,
}

impl ElectionSafety {
    /// Server `server` (incarnation `incarnation`) is leader in `term`: the
    /// first leader of a term is recorded; any other is a violation.
    pub fn observe_leader(
        &mut self,
        term: u64,
        server: usize,
        incarnation: u32,
    ) -> Result<(), Violation> {
        let first = *self.leaders.entry(term).or_insert((server, incarnation));
        if first == (server, incarnation) {
            return Ok(());
        }
        Err(Violation {
            check: ELECTION_SAFETY,
            message: format!(
                "two leaders in term {term}: S{} (incarnation {}) and S{server} (incarnation {incarnation})",
                first.0, first.1
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leader_per_term_is_fine_and_a_second_is_not() {
        let mut e = ElectionSafety::default();
        assert!(e.observe_leader(1, 0, 1).is_ok());
        assert!(e.observe_leader(1, 0, 1).is_ok());
        assert!(e.observe_leader(2, 1, 1).is_ok());
        let v = e.observe_leader(1, 2, 1).unwrap_err();
        assert_eq!(v.check, ELECTION_SAFETY);
        assert_eq!(
            v.message,
            "two leaders in term 1: S0 (incarnation 1) and S2 (incarnation 1)"
        );
        // The same server after a restart is another leader too.
        assert!(e.observe_leader(2, 1, 2).is_err());
    }
}
