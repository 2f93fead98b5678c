//! `cargo test` integration: the environment variables (`LAB_SEED`,
//! `LAB_SEEDS`, `LAB_EDITION`, `LAB_STRICT`, `LAB_ROOT_CAUSE`,
//! `LAB_TIMEOUT_S`, `LAB_VERBOSE`, `LAB_CHECK_DETERMINISM`, `LAB_EXPECT_HASH`; `LAB_LOG` in
//! [`crate::observe::logging`]; `LAB_VIS` and `LAB_VIS_DIR` for timelines,
//! see [`crate::vis`]), and the [`raft_tests!`](crate::raft_tests) macro
//! that gives any Raft the 28 tests under their Go names.
//!
//! Each run is watched ([`crate::watchdog`]): a Raft that loops or blocks
//! for `LAB_TIMEOUT_S` seconds of the test thread's CPU time (default 60)
//! fails with its seed, the virtual time it reached and its replay line.
//! A looping thread cannot be stopped, so the report goes straight to
//! stderr and the whole test process ends with exit code 4: the other tests
//! of that process do not report.
//!
//! With `LAB_CHECK_DETERMINISM=1` each seed also runs in a second process
//! (the test binary re-run on this one test, [`crate::determinism::child`]);
//! a seed whose two runs differ fails the test as nondeterministic, with
//! the first divergent event. `LAB_EXPECT_HASH` (in every replay line of a
//! failure) warns when the pinned seed's run did not reproduce.

use crate::determinism::child;
use crate::determinism::report::not_reproduced;
use crate::edition::Edition;
use crate::harness::Factory;
use crate::oracle::OracleSet;
use crate::registry;
use crate::runner::RunSpec;
use crate::seeds::{fresh_seed, parse_seed, replay_command, show_seed};
use crate::watchdog::{Expiry, OnExpiry, Watchdog};
use raftapi::Raft;
use std::fmt;
use std::io::Write as _;
use std::time::Duration;

/// `LAB_TIMEOUT_S` when unset: generous, as a student's debug build of a
/// slow Raft may take a while, and a hang is still reported within a minute.
pub const DEFAULT_TIMEOUT_S: u64 = 60;

/// The exit code of a test process ended by the watchdog (`lab`'s "a run
/// hung").
pub const HUNG_EXIT_CODE: i32 = 4;

/// Seeds and edition read from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvConfig {
    /// The first seed (`LAB_SEED`), or a fresh one.
    pub seed: u64,
    /// Whether the seed was pinned by `LAB_SEED`.
    pub pinned: bool,
    /// Seeds per test (`LAB_SEEDS`, default 1).
    pub seeds: u64,
    /// `LAB_EDITION` (default 2026).
    pub edition: Edition,
    /// `LAB_STRICT=1`: every strict oracle; `LAB_STRICT=durability,...`:
    /// those (default: none).
    pub strict: OracleSet,
    /// `LAB_TIMEOUT_S`: the CPU limit of one run (`None`: `LAB_TIMEOUT_S=0`,
    /// no watchdog, e.g. under a debugger).
    pub timeout: Option<Duration>,
    /// `LAB_VERBOSE=1`: print every run's seed and replay line before it
    /// runs, uncaptured.
    pub verbose: bool,
    /// `LAB_CHECK_DETERMINISM=1`: run every seed a second time in another
    /// process and compare (default off).
    pub check_determinism: bool,
    /// `LAB_EXPECT_HASH`: the trace hash the first seed's run must have
    /// (from a replay line); a run that differs did not reproduce.
    pub expect_hash: Option<u64>,
    /// `LAB_ROOT_CAUSE=0`: a failed run is not re-run for its first broken
    /// invariant (default on; see [`crate::root_cause`]).
    pub root_cause: bool,
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
        // The last seed, first + seeds - 1, must exist.
        let room = u64::MAX - (seeds - 1);
        let (seed, pinned) = match var("LAB_SEED") {
            Some(s) => (
                parse_seed(&s).map_err(|e| BadEnv(format!("LAB_SEED: {e}")))?,
                true,
            ),
            None => (fresh_seed() % room.saturating_add(1), false),
        };
        if seed > room {
            return Err(BadEnv(format!(
                "LAB_SEED {} with LAB_SEEDS {seeds} runs past the last seed {}",
                show_seed(seed),
                show_seed(u64::MAX)
            )));
        }
        let edition = match var("LAB_EDITION") {
            Some(s) => s.parse().map_err(|e| BadEnv(format!("LAB_EDITION: {e}")))?,
            None => Edition::default(),
        };
        let timeout_s = match var("LAB_TIMEOUT_S") {
            Some(s) => s.trim().parse::<u64>().map_err(|_| {
                BadEnv(format!(
                    "LAB_TIMEOUT_S: '{s}' is not a number of seconds (0 turns the watchdog off)"
                ))
            })?,
            None => DEFAULT_TIMEOUT_S,
        };
        let strict = match var("LAB_STRICT") {
            None => OracleSet::NONE,
            Some(s) => s.parse().map_err(|e| BadEnv(format!("LAB_STRICT: {e}")))?,
        };
        let expect_hash = match var("LAB_EXPECT_HASH") {
            Some(_) if !pinned => {
                return Err(BadEnv(
                    "LAB_EXPECT_HASH needs LAB_SEED: it is the hash of that seed's run".into(),
                ));
            }
            Some(s) => Some(parse_seed(&s).map_err(|_| {
                BadEnv(format!(
                    "LAB_EXPECT_HASH: '{s}' is not a hash such as 0x1f2e3d4c5b6a7988"
                ))
            })?),
            None => None,
        };
        Ok(EnvConfig {
            seed,
            pinned,
            seeds,
            edition,
            strict,
            timeout: (timeout_s > 0).then(|| Duration::from_secs(timeout_s)),
            verbose: flag(&var, "LAB_VERBOSE")?,
            check_determinism: flag(&var, "LAB_CHECK_DETERMINISM")?,
            expect_hash,
            root_cause: var("LAB_ROOT_CAUSE").is_none() || flag(&var, "LAB_ROOT_CAUSE")?,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<EnvConfig, BadEnv> {
        EnvConfig::read(|k| std::env::var(k).ok())
    }
}

/// A 0-or-1 variable (unset: 0).
fn flag(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, BadEnv> {
    match var(name).as_deref().map(str::trim) {
        None | Some("" | "0") => Ok(false),
        Some("1") => Ok(true),
        Some(s) => Err(BadEnv(format!("{name}: '{s}' is not 0 or 1"))),
    }
}

/// Runs test `name` the way `cargo test` expects: every configured seed,
/// each under the watchdog; prints the course's lines (and, with several
/// seeds or `LAB_VERBOSE=1`, each seed and replay line before it runs);
/// panics with the failure report on failure. The test is found by its
/// bare name; [`cargo_test_in`] also knows its module (for
/// `LAB_CHECK_DETERMINISM`'s second process).
pub fn cargo_test<R: Raft>(name: &str, make: fn() -> Factory<R>) {
    cargo_test_in("", name, make);
}

/// [`cargo_test`] for the test `name` defined in `module` (as
/// `module_path!()` spells it), which is how [`raft_tests!`](crate::raft_tests) calls it.
pub fn cargo_test_in<R: Raft>(module: &str, name: &str, make: fn() -> Factory<R>) {
    let env = EnvConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    // #11: LAB_VIS / LAB_VIS_DIR, checked before any run.
    let vis = labvis::config::VisConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let test = registry::find(name).unwrap_or_else(|| panic!("unknown test {name}"));
    if let Some(role) = child::Role::from_env() {
        return child::serve(&role, test, &env, make);
    }
    let watchdog = env.timeout.map(Watchdog::new);
    let (checked, failed) = run_seeds(test, &env, &vis, watchdog.as_ref(), make);
    if env.check_determinism {
        let describe_here = |seed: u64, path: &std::path::Path| {
            let spec = RunSpec::new(test, seed, env.edition).oracles(env.strict);
            let heading = heading(test, seed, &env);
            let lab = lab_replay(test, seed, &env);
            watched(watchdog.as_ref(), (&heading, &lab), env.timeout_s(), || {
                crate::determinism::describe(spec, make(), path)
            })
        };
        let invocation = child::Invocation::new(module, name);
        if let Some(report) = child::verify(&invocation, &env, &checked, &describe_here) {
            panic!("{report}");
        }
    }
    if let Some(report) = failed {
        panic!("{report}");
    }
}

/// Runs the configured seeds until one fails: what each amounts to (for
/// the determinism check), and the failure report, if any.
fn run_seeds<R: Raft>(
    test: &'static registry::TestDef,
    env: &EnvConfig,
    vis: &labvis::config::VisConfig,
    watchdog: Option<&Watchdog>,
    make: fn() -> Factory<R>,
) -> (Vec<child::Checked>, Option<String>) {
    let mut checked = Vec::new();
    for k in 0..env.seeds {
        let seed = env.seed + k;
        let spec = RunSpec::new(test, seed, env.edition)
            .oracles(env.strict)
            .checked(env.check_determinism)
            .root_cause(env.root_cause);
        let heading = heading(test, seed, env);
        if env.verbose {
            // Uncaptured, so a run that never ends still shows its seed.
            let _ = writeln!(std::io::stderr(), "{heading}");
        } else if env.seeds > 1 {
            println!("{heading}");
        }
        let lab = lab_replay(test, seed, env);
        let outcome = watched(watchdog, (&heading, &lab), env.timeout_s(), || {
            crate::observe::logging::run_with_env(spec, make())
        });
        for line in &outcome.lines {
            println!("{line}");
        }
        let warning = env
            .expect_hash
            .filter(|&h| k == 0 && h != outcome.trace_hash)
            .map(|expected| not_reproduced(expected, outcome.trace_hash));
        if let Some(w) = &warning {
            let _ = writeln!(std::io::stderr(), "{w}");
        }
        checked.push(child::Checked::of(&outcome));
        // #11: the timeline of this run, if LAB_VIS wants one.
        let picture = crate::vis::after_cargo_run(vis, spec, &outcome, make);
        if let Some(report) = outcome.report() {
            let how = if env.pinned {
                "pinned by LAB_SEED"
            } else {
                "drawn fresh"
            };
            let mut report = format!("{report}{picture}\n  (seed {} was {how})", show_seed(seed));
            if let Some(w) = warning {
                report = format!("{report}\n{w}");
            }
            return (checked, Some(report));
        }
        if !picture.is_empty() {
            println!("{}", picture.trim_start());
        }
    }
    (checked, None)
}

/// `RUN TestX seed=0x.. edition=..` and its replay line.
fn heading(test: &registry::TestDef, seed: u64, env: &EnvConfig) -> String {
    let replay = replay_command(test.name, seed, env.edition, env.strict);
    format!(
        "RUN {} seed={} edition={}\n  replay: {replay}",
        test.name,
        show_seed(seed),
        env.edition
    )
}

/// The `lab replay` line of a run (a crate made by `lab new` has the
/// `lab` binary): it shows a hanging run's events up to the hang, which
/// `cargo test` cannot (its thread is stuck).
fn lab_replay(test: &registry::TestDef, seed: u64, env: &EnvConfig) -> String {
    format!(
        "cargo run --release --bin lab -- {}",
        crate::seeds::lab_replay_args(test.name, seed, env.edition)
    )
}

/// Runs `run` under the watchdog, if there is one; `lines`: the run's
/// heading and its `lab replay` line, for a hang report.
fn watched<T>(
    watchdog: Option<&Watchdog>,
    lines: (&str, &str),
    timeout_s: u64,
    run: impl FnOnce() -> T,
) -> T {
    match watchdog {
        Some(dog) => dog.watch(
            hang_report(lines.0.to_string(), lines.1.to_string(), timeout_s),
            run,
        ),
        None => run(),
    }
}

impl EnvConfig {
    /// `LAB_TIMEOUT_S` as typed (0: off).
    fn timeout_s(&self) -> u64 {
        self.timeout.map_or(0, |t| t.as_secs())
    }
}

/// What the watchdog does when a run of `cargo test` hangs: the report on
/// stderr, uncaptured, then the end of the test process (a looping thread
/// cannot be stopped, and waiting for it is the hang this avoids).
fn hang_report(heading: String, lab: String, timeout_s: u64) -> OnExpiry {
    Box::new(move |e: Expiry| {
        let (test_and_seed, replay) = heading.split_once('\n').expect("two lines");
        let report = format!(
            "\nFAIL {} at {} virtual: hang: {e} (LAB_TIMEOUT_S={timeout_s}; raise it, or 0 for no watchdog)\n{replay}\n  \
             its events up to the hang: {lab}\n  \
             the Raft does not return and a thread cannot be stopped: ending the test process (exit code {HUNG_EXIT_CODE})",
            test_and_seed.trim_start_matches("RUN "),
            labrpc::Time(e.reached_ms),
        );
        let _ = writeln!(std::io::stderr(), "{report}");
        std::process::exit(HUNG_EXIT_CODE);
    })
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
                $crate::cargo::cargo_test_in::<$raft>(module_path!(), stringify!($name), factory);
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
            (1, Edition::Y2026, OracleSet::NONE)
        );
        assert_eq!(c.timeout, Some(Duration::from_secs(DEFAULT_TIMEOUT_S)));
        assert!(!c.verbose);
        assert_eq!(read(&[("LAB_TIMEOUT_S", "0")]).unwrap().timeout, None);
        assert_eq!(
            read(&[("LAB_TIMEOUT_S", "5")]).unwrap().timeout,
            Some(Duration::from_secs(5))
        );
        assert!(read(&[("LAB_VERBOSE", "1")]).unwrap().verbose);
        // A fresh first seed leaves room for every seed.
        let c = read(&[("LAB_SEEDS", "18446744073709551615")]).unwrap();
        assert!(c.seed <= 1, "{c:?}");
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
                timeout: Some(Duration::from_secs(DEFAULT_TIMEOUT_S)),
                verbose: false,
                check_determinism: false,
                expect_hash: None,
                root_cause: true,
            }
        );
        assert!(!read(&[("LAB_ROOT_CAUSE", "0")]).unwrap().root_cause);
        assert!(read(&[("LAB_ROOT_CAUSE", "1")]).unwrap().root_cause);
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
        assert!(
            read(&[("LAB_TIMEOUT_S", "soon")])
                .unwrap_err()
                .0
                .starts_with("LAB_TIMEOUT_S: 'soon' is not a number")
        );
        assert_eq!(
            read(&[("LAB_SEED", "0xfffffffffffffffe"), ("LAB_SEEDS", "3")])
                .unwrap_err()
                .0,
            "LAB_SEED 0xfffffffffffffffe with LAB_SEEDS 3 runs past the last seed 0xffffffffffffffff"
        );
        assert!(read(&[("LAB_SEED", "0xfffffffffffffffe"), ("LAB_SEEDS", "2")]).is_ok());
    }
}
