//! The three editions of the course's tester: 2026 (the default: the
//! course's current tester), 2025 and 2024. Every behavioural difference of
//! `../shared/spec/mit-tester.md` §7.3 (2024 versus 2025) and of
//! `../shared/spec/edition-2026.md` (2025 versus 2026) is decided by
//! [`Edition`] in the harness, the appliers or the suite.

use std::fmt;
use std::str::FromStr;

/// Which year's tester logic to follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// Spring 2024 (`src/raft`): crash1/start1, logs survive crashes.
    Y2024,
    /// Spring 2025 (`src/raft1` + `src/tester1`): shutdown/restart, per
    /// incarnation apply records, `restart` reconnects everyone.
    Y2025,
    /// Spring 2026 (one OS process per server, not ported): `kill`/`restart`
    /// of a list of servers, `restart` connects only the servers it starts,
    /// apply records survive restarts, apply errors fail the test at the next
    /// `nCommitted`, "Raft size too large", `#Ops` counts `one()` calls.
    #[default]
    Y2026,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 3] = [Edition::Y2024, Edition::Y2025, Edition::Y2026];

    /// The year, as `LAB_EDITION` spells it.
    pub fn year(self) -> u16 {
        match self {
            Edition::Y2024 => 2024,
            Edition::Y2025 => 2025,
            Edition::Y2026 => 2026,
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.year())
    }
}

/// An edition name that is not one of [`Edition::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEdition(pub String);

impl fmt::Display for UnknownEdition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown edition '{}': expected 2024, 2025 or 2026",
            self.0
        )
    }
}

impl std::error::Error for UnknownEdition {}

impl FromStr for Edition {
    type Err = UnknownEdition;
    fn from_str(s: &str) -> Result<Edition, UnknownEdition> {
        match s.trim() {
            "2024" => Ok(Edition::Y2024),
            "2025" => Ok(Edition::Y2025),
            "2026" => Ok(Edition::Y2026),
            other => Err(UnknownEdition(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edition_parses_from_its_year_and_2026_is_the_default() {
        for e in Edition::ALL {
            assert_eq!(e.to_string().parse::<Edition>(), Ok(e));
        }
        assert_eq!(Edition::default(), Edition::Y2026);
        let err = "2023".parse::<Edition>().unwrap_err().to_string();
        assert_eq!(err, "unknown edition '2023': expected 2024, 2025 or 2026");
    }
}
