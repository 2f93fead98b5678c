//! Which strict oracles run: [`OracleSet`], a set of [`Oracle`]s, spelled
//! `1` (all of them), `0` (none) or a comma-separated list of names
//! (`durability,log-matching`) in `LAB_STRICT` and in `lab --oracles`.

use std::fmt;
use std::str::FromStr;

/// One strict oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Oracle {
    /// At most one leader per term.
    ElectionSafety,
    /// Same index and term imply the same log up to it.
    LogMatching,
    /// An applied entry is stored on a majority.
    StoredOnMajority,
    /// Every server applies the same command at an index.
    AppliedAgree,
    /// Applied indices never move backwards within an incarnation.
    ApplyMonotonic,
    /// The durable state equals what a restart from the persisted bytes has.
    Durability,
    /// A new leader holds every committed entry.
    LeaderCompleteness,
    /// A leader never overwrites or deletes its own entries in its term.
    LeaderAppendOnly,
    /// A vote goes only to a candidate whose log is at least as up-to-date.
    ElectionRestriction,
}

impl Oracle {
    /// Every oracle, in a fixed order (the order of the bits in [`OracleSet`]).
    pub const ALL: [Oracle; 9] = [
        Oracle::ElectionSafety,
        Oracle::LogMatching,
        Oracle::StoredOnMajority,
        Oracle::AppliedAgree,
        Oracle::ApplyMonotonic,
        Oracle::Durability,
        Oracle::LeaderCompleteness,
        Oracle::LeaderAppendOnly,
        Oracle::ElectionRestriction,
    ];

    /// The check name a violation carries (`oracle:durability`).
    pub fn check(self) -> &'static str {
        match self {
            Oracle::ElectionSafety => super::ELECTION_SAFETY,
            Oracle::LogMatching => super::LOG_MATCHING,
            Oracle::StoredOnMajority => super::STORED_ON_MAJORITY,
            Oracle::AppliedAgree => super::APPLIED_AGREE,
            Oracle::ApplyMonotonic => super::APPLY_MONOTONIC,
            Oracle::Durability => super::DURABILITY,
            Oracle::LeaderCompleteness => super::LEADER_COMPLETENESS,
            Oracle::LeaderAppendOnly => super::LEADER_APPEND_ONLY,
            Oracle::ElectionRestriction => super::ELECTION_RESTRICTION,
        }
    }

    /// The name users type: the check name without `oracle:`.
    pub fn name(self) -> &'static str {
        let check = self.check();
        check.strip_prefix("oracle:").unwrap_or(check)
    }
}

/// A set of [`Oracle`]s, one bit each. Empty by default: strict off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OracleSet(u16);

impl OracleSet {
    /// No oracle: the course's verdicts only.
    pub const NONE: OracleSet = OracleSet(0);
    /// Every oracle (`--strict`, `LAB_STRICT=1`).
    pub const ALL: OracleSet = OracleSet((1 << Oracle::ALL.len()) - 1);

    /// All oracles or none (`RunSpec::strict(bool)`).
    pub fn all_if(strict: bool) -> OracleSet {
        if strict {
            OracleSet::ALL
        } else {
            OracleSet::NONE
        }
    }

    /// Whether `oracle` runs.
    pub fn has(self, oracle: Oracle) -> bool {
        self.0 & (1 << oracle as u16) != 0
    }

    /// This set with `oracle` added.
    #[must_use]
    pub fn with(self, oracle: Oracle) -> OracleSet {
        OracleSet(self.0 | 1 << oracle as u16)
    }

    /// Whether no oracle runs.
    pub fn is_empty(self) -> bool {
        self == OracleSet::NONE
    }

    /// The oracles in the set, in [`Oracle::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Oracle> {
        Oracle::ALL.into_iter().filter(move |&o| self.has(o))
    }

    /// How a replay line through `cargo test` says it: ` LAB_STRICT=1`,
    /// ` LAB_STRICT=durability`, or nothing.
    pub fn env_arg(self) -> String {
        match self {
            OracleSet::NONE => String::new(),
            OracleSet::ALL => " LAB_STRICT=1".to_string(),
            some => format!(" LAB_STRICT={some}"),
        }
    }

    /// How a `lab` command line says it: ` --strict`, ` --oracles
    /// durability`, or nothing.
    pub fn flag_arg(self) -> String {
        match self {
            OracleSet::NONE => String::new(),
            OracleSet::ALL => " --strict".to_string(),
            some => format!(" --oracles {some}"),
        }
    }
}

impl From<Oracle> for OracleSet {
    fn from(oracle: Oracle) -> OracleSet {
        OracleSet::NONE.with(oracle)
    }
}

impl fmt::Display for OracleSet {
    /// `all`, `none`, or the names comma-separated, as [`FromStr`] reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OracleSet::NONE => return f.write_str("none"),
            OracleSet::ALL => return f.write_str("all"),
            _ => {}
        }
        for (k, oracle) in self.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            f.write_str(oracle.name())?;
        }
        Ok(())
    }
}

/// A spelling of an oracle set that names no oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOracle(pub String);

impl fmt::Display for UnknownOracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not 0, 1, all, none or a comma-separated list of oracles:",
            self.0
        )?;
        for oracle in Oracle::ALL {
            write!(f, " {}", oracle.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownOracle {}

impl FromStr for OracleSet {
    type Err = UnknownOracle;

    /// `1`/`all`, `0`/`none`/empty, or names (with or without `oracle:`).
    fn from_str(s: &str) -> Result<OracleSet, UnknownOracle> {
        match s.trim() {
            "" | "0" | "none" => return Ok(OracleSet::NONE),
            "1" | "all" => return Ok(OracleSet::ALL),
            _ => {}
        }
        let unknown = || UnknownOracle(s.trim().to_string());
        let mut set = OracleSet::NONE;
        for name in s.split(',').map(str::trim) {
            let name = name.strip_prefix("oracle:").unwrap_or(name);
            let oracle = Oracle::ALL
                .into_iter()
                .find(|o| o.name() == name)
                .ok_or_else(unknown)?;
            set = set.with(oracle);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        assert_eq!("1".parse(), Ok(OracleSet::ALL));
        assert_eq!("all".parse(), Ok(OracleSet::ALL));
        assert_eq!(" 0 ".parse(), Ok(OracleSet::NONE));
        assert_eq!("".parse(), Ok(OracleSet::NONE));
        let set: OracleSet = "durability, oracle:log-matching".parse().unwrap();
        assert!(set.has(Oracle::Durability) && set.has(Oracle::LogMatching));
        assert!(!set.has(Oracle::ElectionSafety));
        assert_eq!(set.to_string(), "log-matching,durability");
        assert_eq!(set.to_string().parse(), Ok(set));
        let every = Oracle::ALL
            .into_iter()
            .fold(OracleSet::NONE, OracleSet::with);
        assert_eq!(every, OracleSet::ALL);
        assert_eq!(OracleSet::ALL.to_string().parse(), Ok(OracleSet::ALL));
        assert_eq!(OracleSet::all_if(false), OracleSet::NONE);
    }

    #[test]
    fn replay_arguments_name_the_set() {
        assert_eq!(OracleSet::NONE.env_arg(), "");
        assert_eq!(OracleSet::ALL.env_arg(), " LAB_STRICT=1");
        let durability = OracleSet::from(Oracle::Durability);
        assert_eq!(durability.env_arg(), " LAB_STRICT=durability");
        assert_eq!(durability.flag_arg(), " --oracles durability");
        assert_eq!(OracleSet::ALL.flag_arg(), " --strict");
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = "durability,yes".parse::<OracleSet>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "'durability,yes' is not 0, 1, all, none or a comma-separated list of oracles: \
             election-safety log-matching stored-on-majority applied-agree apply-monotonic durability \
             leader-completeness leader-append-only election-restriction"
        );
        assert!("durability,".parse::<OracleSet>().is_err());
    }
}
