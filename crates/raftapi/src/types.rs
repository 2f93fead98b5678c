//! Newtypes for the paper's quantities (and, re-exported from
//! [`crate::bytes`], cheap shared bytes for commands and snapshots).

pub use crate::bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A Raft term (Figure 2: `currentTerm`). Terms start at 0 and only grow.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Term(pub u64);

/// A position in the log. The first command is at index 1; index 0 is the
/// empty prefix (and the index of "no snapshot").
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LogIndex(pub u64);

/// A server's index in the cluster (the course's `me`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct NodeId(pub usize);

/// A virtual instant: milliseconds since the run began. Never wall-clock time.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Term {
    /// The next term.
    pub fn next(self) -> Term {
        Term(self.0 + 1)
    }
}

impl LogIndex {
    /// The index after this one.
    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }

    /// The index before this one. Panics at 0: there is no entry before the
    /// empty prefix, so asking for one is a bug.
    pub fn prev(self) -> LogIndex {
        LogIndex(
            self.0
                .checked_sub(1)
                .expect("LogIndex(0) has no predecessor"),
        )
    }
}

impl Instant {
    /// This instant plus `ms` milliseconds.
    pub fn plus_ms(self, ms: u64) -> Instant {
        Instant(self.0 + ms)
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn ms_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}", self.0)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S{}", self.0)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newtypes_encode_as_their_number() {
        assert_eq!(
            labcodec::encode(&Term(300)).unwrap(),
            labcodec::encode(&300u64).unwrap()
        );
        assert_eq!(LogIndex(5).next(), LogIndex(6));
        assert_eq!(LogIndex(5).prev(), LogIndex(4));
        assert_eq!(Instant(1500).to_string(), "1.500s");
    }

    #[test]
    #[should_panic(expected = "no predecessor")]
    fn index_zero_has_no_predecessor() {
        let _ = LogIndex(0).prev();
    }
}
