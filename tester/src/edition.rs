//! The two editions of the course's tester: 2025 (the default; the current
//! course keeps its logic) and 2024. Every behavioural difference of
//! `../shared/spec/mit-tester.md` §7.3 is decided by [`Edition`] in the
//! harness or the suite.

use std::fmt;
use std::str::FromStr;

/// Which year's tester logic to follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// Spring 2024 (`src/raft`): crash1/start1, logs survive crashes.
    Y2024,
    /// Spring 2025 (`src/raft1` + `src/tester1`): shutdown/restart, per
    /// incarnation apply records, `restart` reconnects everyone.
    #[default]
    Y2025,
}

impl Edition {
    /// Both editions, oldest first.
    pub const ALL: [Edition; 2] = [Edition::Y2024, Edition::Y2025];

    /// The year, as `LAB_EDITION` spells it.
    pub fn year(self) -> u16 {
        match self {
            Edition::Y2024 => 2024,
            Edition::Y2025 => 2025,
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.year())
    }
}

/// An edition name that is neither 2024 nor 2025.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEdition(pub String);

impl fmt::Display for UnknownEdition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown edition '{}': expected 2024 or 2025", self.0)
    }
}

impl std::error::Error for UnknownEdition {}

impl FromStr for Edition {
    type Err = UnknownEdition;
    fn from_str(s: &str) -> Result<Edition, UnknownEdition> {
        match s.trim() {
            "2024" => Ok(Edition::Y2024),
            "2025" => Ok(Edition::Y2025),
            other => Err(UnknownEdition(other.to_string())),
        }
    }
}
