//! `cargo test` integration: the environment variables (`LAB_SEED`,
//! `LAB_SEEDS`, `LAB_EDITION`, `LAB_STRICT`), and the [`raft_tests!`](crate::raft_tests)
//! macro that gives any Raft the 28 tests under their Go names.

use crate::edition::Edition;
use crate::harness::Factory;
use crate::oracle::OracleSet;
use crate::registry;
use crate::runner::{RunSpec, run};
use crate::seeds::{fresh_seed, parse_seed, show_seed};
use raftapi::Raft;
use std::fmt;

/// Seeds and edition read from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvConfig {
    /// The first seed (`LAB_SEED`), or a fresh one.
    pub seed: u64,
    /// Whether the seed was pinned by `LAB_SEED`.
    pub pinned: bool,
    /// Seeds per test (`LAB_SEEDS`, default 1).
    pub seeds: u64,
    /// `LAB_EDITION` (default 2025).
    pub edition: Edition,
    /// `LAB_STRICT=1`: every strict oracle; `LAB_STRICT=durability,...`:
    /// those (default: none).
    pub strict: OracleSet,
}

/// An environment variable with a value we cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadEnv(pub String);

impl fmt::Display for BadEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl EnvConfig {
    /// Reads the configuration from `var` (normally `std::env::var`).
    pub fn read(var: impl Fn(&str) -> Option<String>) -> Result<EnvConfig, BadEnv> {
        let (seed, pinned) = match var("LAB_SEED") {
            Some(s) => (
                parse_seed(&s).map_err(|e| BadEnv(format!("LAB_SEED: {e}")))?,
                true,
            ),
            None => (fresh_seed(), false),
        };
        let seeds = match var("LAB_SEEDS") {
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(BadEnv(format!(
                        "LAB_SEEDS: '{s}' is not a positive number of seeds"
                    )));
                }
            },
            None => 1,
        };
        let edition = match var("LAB_EDITION") {
            Some(s) => s.parse().map_err(|e| BadEnv(format!("LAB_EDITION: {e}")))?,
            None => Edition::default(),
        };
        let strict = match var("LAB_STRICT") {
            None => OracleSet::NONE,
            Some(s) => s.parse().map_err(|e| BadEnv(format!("LAB_STRICT: {e}")))?,
        };
        Ok(EnvConfig {
            seed,
            pinned,
            seeds,
            edition,
            strict,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<EnvConfig, BadEnv> {
        EnvConfig::read(|k| std::env::var(k).ok())
    }
}

/// Runs test `name` the way `cargo test` expects: every configured seed;
/// prints the course's lines; panics with the failure report on failure.
pub fn cargo_test<R: Raft>(name: &str, make: fn() -> Factory<R>) {
    let env = EnvConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let test = registry::find(name).unwrap_or_else(|| panic!("unknown test {name}"));
    for k in 0..env.seeds {
        let seed = env.seed.wrapping_add(k);
        let spec = RunSpec::new(test, seed, env.edition).oracles(env.strict);
        let outcome = run(spec, make());
        for line in &outcome.lines {
            println!("{line}");
        }
        if let Some(report) = outcome.report() {
            let how = if env.pinned {
                "pinned by LAB_SEED"
            } else {
                "drawn fresh"
            };
            panic!("{report}\n  (seed {} was {how})", show_seed(seed));
        }
    }
}

/// Defines the 28 tests, named as in Go, for a Raft type:
///
/// ```ignore
/// tester::raft_tests!(my_raft::Raft);
/// // or with a custom constructor (options, injected bugs):
/// tester::raft_tests!(my_raft::Raft, |config, persisted, out| my_raft::Raft::make_with(config, persisted, opts(), out));
/// ```
///
/// Then `cargo test -- 3A`, `cargo test -- TestBackup3B` select as in Go.
#[macro_export]
macro_rules! raft_tests {
    ($raft:ty) => {
        $crate::raft_tests!($raft, <$raft as $crate::raftapi::Raft>::make);
    };
    ($raft:ty, $make:expr) => {
        $crate::__raft_tests_each!(
            $raft, $make;
            TestInitialElection3A TestReElection3A TestManyElections3A
            TestBasicAgree3B TestRPCBytes3B TestFollowerFailure3B TestLeaderFailure3B
            TestFailAgree3B TestFailNoAgree3B TestConcurrentStarts3B TestRejoin3B
            TestBackup3B TestCount3B
            TestPersist13C TestPersist23C TestPersist33C TestFigure83C
            TestUnreliableAgree3C TestFigure8Unreliable3C TestReliableChurn3C
            TestUnreliableChurn3C
            TestSnapshotBasic3D TestSnapshotInstall3D TestSnapshotInstallUnreliable3D
            TestSnapshotInstallCrash3D TestSnapshotInstallUnCrash3D
            TestSnapshotAllCrash3D TestSnapshotInit3D
        );
    };
}

/// Implementation detail of [`raft_tests!`](crate::raft_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __raft_tests_each {
    ($raft:ty, $make:expr; $($name:ident)*) => {
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $name() {
                fn factory() -> $crate::Factory<$raft> {
                    ::std::boxed::Box::new($make)
                }
                $crate::cargo::cargo_test::<$raft>(stringify!($name), factory);
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::Oracle;
    use std::collections::BTreeMap;

    fn read(vars: &[(&str, &str)]) -> Result<EnvConfig, BadEnv> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvConfig::read(|k| map.get(k).cloned())
    }

    #[test]
    fn env_defaults_and_values() {
        let c = read(&[]).unwrap();
        assert!(!c.pinned);
        assert_eq!(
            (c.seeds, c.edition, c.strict),
            (1, Edition::Y2025, OracleSet::NONE)
        );
        assert_eq!(read(&[("LAB_STRICT", "1")]).unwrap().strict, OracleSet::ALL);
        assert!(read(&[("LAB_STRICT", "0")]).unwrap().strict.is_empty());
        assert_eq!(
            read(&[("LAB_STRICT", "durability")]).unwrap().strict,
            OracleSet::from(Oracle::Durability)
        );
        let c = read(&[
            ("LAB_SEED", "0x10"),
            ("LAB_SEEDS", "5"),
            ("LAB_EDITION", "2024"),
        ])
        .unwrap();
        assert_eq!(
            c,
            EnvConfig {
                seed: 16,
                pinned: true,
                seeds: 5,
                edition: Edition::Y2024,
                strict: OracleSet::NONE,
            }
        );
    }

    #[test]
    fn bad_env_values_say_what_is_wrong() {
        assert!(
            read(&[("LAB_SEED", "x")])
                .unwrap_err()
                .0
                .starts_with("LAB_SEED: bad seed 'x'")
        );
        assert!(
            read(&[("LAB_SEEDS", "0")])
                .unwrap_err()
                .0
                .contains("not a positive number")
        );
        assert!(
            read(&[("LAB_EDITION", "2023")])
                .unwrap_err()
                .0
                .contains("unknown edition '2023'")
        );
        assert!(
            read(&[("LAB_STRICT", "yes")])
                .unwrap_err()
                .0
                .starts_with("LAB_STRICT: 'yes' is not 0, 1, all, none or a comma-separated list")
        );
    }
}
