//! Seeds as users see them. A run is named by a *seed* `S` (decimal or
//! `0x`-hex); the test's own simulator seed is derived from `S` and the
//! test's name, so a filtered run replays exactly what the full suite did.
//! N seeds per test are `S, S+1, ..., S+N-1`: the k-th replays alone as
//! `LAB_SEED=S+k`.

use crate::edition::Edition;
use crate::oracle::OracleSet;
use labcodec::Digest;
use std::fmt;

/// A seed the user typed that is not a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadSeed(pub String);

impl fmt::Display for BadSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad seed '{}': expected a decimal number or 0x-hex, e.g. 42 or 0x2a",
            self.0
        )
    }
}

impl std::error::Error for BadSeed {}

/// Parses `42` or `0x2a` (underscores allowed).
pub fn parse_seed(s: &str) -> Result<u64, BadSeed> {
    let t = s.trim().replace('_', "");
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    };
    parsed.map_err(|_| BadSeed(s.to_string()))
}

/// How seeds are printed: 0x-hex.
pub fn show_seed(seed: u64) -> String {
    format!("{seed:#x}")
}

/// The simulator seed of test `name` under user seed `seed`.
pub fn test_seed(seed: u64, name: &str) -> u64 {
    let mut d = Digest::default();
    d.write(name.as_bytes());
    labrpc::Streams::new(seed).seed_for(&[d.finish()])
}

/// A fresh seed for a run that did not pin one. Drawn outside any simulated
/// run (from the hasher keys the OS gives `std`), printed only on failure.
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x1ab);
    h.finish()
}

/// The command that replays one failing run, to paste as is.
pub fn replay_command(test: &str, seed: u64, edition: Edition, strict: OracleSet) -> String {
    replay_command_expecting(test, seed, edition, strict, None)
}

/// [`replay_command`] with `LAB_EXPECT_HASH`, the trace hash of the run it
/// replays, so that a replay that differs says so.
pub fn replay_command_expecting(
    test: &str,
    seed: u64,
    edition: Edition,
    strict: OracleSet,
    trace_hash: Option<u64>,
) -> String {
    let mut vars = format!("LAB_SEED={} LAB_EDITION={edition}", show_seed(seed));
    if let Some(hash) = trace_hash {
        vars.push_str(&format!(" LAB_EXPECT_HASH={hash:#018x}"));
    }
    vars.push_str(&strict.env_arg());
    match test.strip_prefix(crate::scenario::PREFIX) {
        Some(stem) => {
            format!("{vars} LAB_SCENARIO={stem} cargo test --release -p tester --test scenarios")
        }
        None => format!("{vars} cargo test -- {test}"),
    }
}

/// The same replay through the `lab` tool (with the trace shown).
pub fn lab_replay_command(test: &str, seed: u64, edition: Edition) -> String {
    format!("lab {}", lab_replay_args(test, seed, edition))
}

/// [`lab_replay_command`]'s arguments: `replay TEST --seed S --edition E`.
pub fn lab_replay_args(test: &str, seed: u64, edition: Edition) -> String {
    format!(
        "replay {test} --seed {} --edition {edition}",
        show_seed(seed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_in_decimal_and_hex() {
        assert_eq!(parse_seed("42"), Ok(42));
        assert_eq!(parse_seed("0x2a"), Ok(42));
        assert_eq!(parse_seed(" 0X_FF "), Ok(255));
        assert_eq!(parse_seed("0xffffffffffffffff"), Ok(u64::MAX));
        assert!(parse_seed("forty").is_err());
        assert!(parse_seed("").is_err());
        assert!(parse_seed("-1").is_err());
        assert!(parse_seed("0x1_0000_0000_0000_0000").is_err());
        assert_eq!(parse_seed(&show_seed(12345)), Ok(12345));
    }

    #[test]
    fn test_seeds_depend_on_seed_and_name() {
        assert_eq!(test_seed(1, "TestBackup3B"), test_seed(1, "TestBackup3B"));
        assert_ne!(test_seed(1, "TestBackup3B"), test_seed(2, "TestBackup3B"));
        assert_ne!(test_seed(1, "TestBackup3B"), test_seed(1, "TestCount3B"));
    }
}
