//! `LAB_CHECK_DETERMINISM=1 cargo test`: the second run of each seed in
//! another process, which for `cargo test` is the test binary itself,
//! re-invoked on the one test (`NAME --exact`), told its role by
//! `LAB_CHECK_CHILD`, answering through a file (its stdout is libtest's):
//!
//! - `hash:FILE`: run the seeds `LAB_SEED ..` (`LAB_SEEDS`) with the check
//!   hash, each written to FILE as `seed TAB hash TAB how it ended`. It first
//!   runs the first seed once more, unreported, so that its history differs
//!   from the parent's (a `static` counter then differs too).
//! - `describe:FILE`: run `LAB_SEED` once in describe mode into FILE.
//!
//! The parent ([`verify`]) compares the hashes; at the first seed that
//! differs it describes the seed itself while a child describes it too,
//! and reports the first divergent event.

use super::{Nondeterminism, first_divergence};
use crate::cargo::EnvConfig;
use crate::harness::Factory;
use crate::registry::TestDef;
use crate::runner::{Outcome, RunSpec};
use crate::seeds::{replay_command, show_seed};
use crate::watchdog::Watchdog;
use raftapi::Raft;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that makes a test process a checking child.
pub const CHILD_VAR: &str = "LAB_CHECK_CHILD";

/// How many agreed events a report shows before the divergent one.
pub const AGREED_SHOWN: usize = 8;

/// What a checking child does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Hash every seed, writing the hashes to the file.
    Hash(PathBuf),
    /// Describe the one seed into the file.
    Describe(PathBuf),
}

impl Role {
    /// The role `LAB_CHECK_CHILD` gives this process, if any.
    pub fn from_env() -> Option<Role> {
        Role::parse(&std::env::var(CHILD_VAR).ok()?)
    }

    /// The role a value of `LAB_CHECK_CHILD` names.
    pub fn parse(value: &str) -> Option<Role> {
        if let Some(path) = value.strip_prefix("hash:") {
            Some(Role::Hash(path.into()))
        } else {
            value
                .strip_prefix("describe:")
                .map(|path| Role::Describe(path.into()))
        }
    }
}

/// One seed's run in the parent: its check hash and how it ended.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The seed.
    pub seed: u64,
    /// Its check hash.
    pub hash: Option<u64>,
    /// How it ended, in words.
    pub ended: String,
}

impl Checked {
    /// What a checked outcome amounts to.
    pub fn of(outcome: &Outcome) -> Checked {
        Checked {
            seed: outcome.seed,
            hash: outcome.check.as_ref().map(|c| c.hash),
            ended: ended(outcome),
        }
    }
}

/// How a run ended, in words: `passed`, or the failure.
pub fn ended(outcome: &Outcome) -> String {
    match &outcome.result {
        Ok(_) => "passed".to_string(),
        Err(f) => format!("failed in {} at {}: {}", f.check, f.at, f.message),
    }
}

/// Runs this process's part as a checking child; a watchdog's expiry ends
/// the process (the parent reports what is missing).
pub fn serve<R: Raft>(
    role: &Role,
    test: &'static TestDef,
    env: &EnvConfig,
    make: fn() -> Factory<R>,
) {
    let spec = |seed| {
        RunSpec::new(test, seed, env.edition)
            .oracles(env.strict)
            .checked(true)
    };
    let watch = |run: &mut dyn FnMut() -> Outcome| match env.timeout {
        Some(limit) => Watchdog::new(limit).watch(Box::new(|_| std::process::exit(4)), run),
        None => run(),
    };
    match role {
        Role::Hash(path) => {
            let mut out = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            watch(&mut || crate::runner::run(spec(env.seed), make()));
            for k in 0..env.seeds {
                let outcome = watch(&mut || crate::runner::run(spec(env.seed + k), make()));
                let hash = outcome.check.as_ref().map_or(0, |c| c.hash);
                writeln!(
                    out,
                    "{}\t{hash:016x}\t{}",
                    outcome.seed,
                    ended(&outcome).replace('\n', " ")
                )
                .and_then(|()| out.flush())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        Role::Describe(path) => {
            let outcome = watch(&mut || {
                super::describe(spec(env.seed), make(), path).unwrap_or_else(|e| panic!("{e}"))
            });
            drop(outcome);
        }
    }
}

/// How the parent re-invokes its test binary on one test.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The test's name as libtest knows it (`module::TestX`).
    pub test_path: String,
}

impl Invocation {
    /// The test `name` of `module` (as `module_path!()` spells it: the
    /// crate first, which libtest's names leave out).
    pub fn new(module: &str, name: &str) -> Invocation {
        let test_path = match module.split_once("::") {
            Some((_, inner)) => format!("{inner}::{name}"),
            None => name.to_string(),
        };
        Invocation { test_path }
    }

    fn command(&self, role: &str, seed: u64, seeds: u64) -> Command {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut command = Command::new(exe);
        command.args([self.test_path.as_str(), "--exact", "--test-threads", "1"]);
        // An #[ignore]d test runs in the child only if asked for again.
        if std::env::args().any(|a| a == "--ignored" || a == "--include-ignored") {
            command.arg("--include-ignored");
        }
        command
            .env(CHILD_VAR, role)
            .env("LAB_SEED", show_seed(seed))
            .env("LAB_SEEDS", seeds.to_string())
            .env_remove("LAB_CHECK_DETERMINISM")
            .env_remove("LAB_EXPECT_HASH")
            .env_remove("LAB_VERBOSE")
            .env_remove("LAB_LOG");
        command
    }
}

/// A fresh temporary path for this process.
fn temp_path(what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("lab-check-{}-{n}-{what}.tsv", std::process::id()))
}

/// A child's hashes of the `checked` seeds, and how it ended. A child
/// killed by a signal before it finished (from outside as likely as not:
/// the OOM killer, a user) is replaced once: the seeds it did not finish
/// run in a fresh child, so that a kill is not taken for nondeterminism;
/// a Raft that kills its own process there does so again.
fn child_hashes(
    invocation: &Invocation,
    checked: &[Checked],
) -> (Vec<(u64, u64, String)>, io::Result<Output>) {
    let (mut theirs, output) = hashes_from(invocation, checked);
    let killed = output.as_ref().is_ok_and(|o| o.status.code().is_none());
    if killed && theirs.len() < checked.len() {
        let (rest, again) = hashes_from(invocation, &checked[theirs.len()..]);
        theirs.extend(rest);
        return (theirs, again);
    }
    (theirs, output)
}

/// One child's run of the `checked` seeds (in a row): its hashes file,
/// read, and how it ended.
fn hashes_from(
    invocation: &Invocation,
    checked: &[Checked],
) -> (Vec<(u64, u64, String)>, io::Result<Output>) {
    let path = temp_path("hashes");
    let role = format!("hash:{}", path.display());
    let output = invocation
        .command(&role, checked[0].seed, checked.len() as u64)
        .output();
    let theirs = read_hashes(&path);
    let _ = std::fs::remove_file(&path);
    (theirs, output)
}

/// Reads a hash child's file: (seed, hash, how it ended) per line.
fn read_hashes(path: &Path) -> Vec<(u64, u64, String)> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let seed = parts.next()?.parse().ok()?;
            let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
            Some((seed, hash, parts.next()?.to_string()))
        })
        .collect()
}

/// Why a child gave no answer: its exit status and its last stderr line.
fn child_trouble(output: &io::Result<Output>) -> String {
    match output {
        Err(e) => format!("the test binary could not be re-run: {e}"),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!(
                "the re-run test process ended ({}) before it finished: {last}",
                out.status
            )
        }
    }
}

/// Compares the parent's runs (`checked`, seeds in a row) with a child's,
/// and at the first seed that differs finds where: the report, or `None`
/// if every seed agreed. `describe_here` describes a seed in this process.
pub fn verify(
    invocation: &Invocation,
    env: &EnvConfig,
    checked: &[Checked],
    describe_here: &dyn Fn(u64, &Path) -> io::Result<Outcome>,
) -> Option<String> {
    checked.first()?;
    let (theirs, output) = child_hashes(invocation, checked);
    for (k, mine) in checked.iter().enumerate() {
        let found = match theirs.get(k) {
            Some((seed, hash, ended)) if *seed == mine.seed => {
                if mine.hash == Some(*hash) {
                    continue;
                }
                Nondeterminism {
                    check_hashes: [mine.hash, Some(*hash)],
                    runs: [mine.ended.clone(), ended.clone()],
                    divergence: None,
                    note: None,
                }
            }
            _ => Nondeterminism {
                check_hashes: [mine.hash, None],
                runs: [mine.ended.clone(), "did not finish".to_string()],
                divergence: None,
                note: Some(child_trouble(&output)),
            },
        };
        let found = describe_both(invocation, mine.seed, found, describe_here);
        let run = format!(
            "{} seed={} edition={}",
            invocation.test_path,
            show_seed(mine.seed),
            env.edition
        );
        let name = invocation.test_path.rsplit("::").next().unwrap_or_default();
        let replay = format!(
            "LAB_CHECK_DETERMINISM=1 {}",
            replay_command(name, mine.seed, env.edition, env.strict)
        );
        return Some(found.report(&run, &replay));
    }
    None
}

/// Describes `seed` here and in a child at once, and adds where the two
/// descriptions part (or why that is unknown) to `found`.
fn describe_both(
    invocation: &Invocation,
    seed: u64,
    mut found: Nondeterminism,
    describe_here: &dyn Fn(u64, &Path) -> io::Result<Outcome>,
) -> Nondeterminism {
    let (here, there) = (temp_path("a"), temp_path("b"));
    let role = format!("describe:{}", there.display());
    let child = invocation
        .command(&role, seed, 1)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mine = describe_here(seed, &here);
    let output = child.and_then(|c| c.wait_with_output());
    let compared = match (&mine, &output) {
        (Err(e), _) => Err(format!("describing run A failed: {e}")),
        (_, Ok(out)) if out.status.success() => {
            first_divergence(&here, &there, AGREED_SHOWN).map_err(|e| e.to_string())
        }
        _ => Err(child_trouble(&output)),
    };
    match compared {
        Ok(Some(d)) => found.divergence = Some(d),
        Ok(None) => {
            found.note = Some("the describing re-runs happened to agree: no event to show".into());
        }
        Err(e) => found.note = Some(format!("no event to show: {e}")),
    }
    let _ = std::fs::remove_file(here);
    let _ = std::fs::remove_file(there);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_names_leave_the_crate_out() {
        assert_eq!(Invocation::new("raft", "TestX").test_path, "TestX");
        assert_eq!(
            Invocation::new("raft::suite::a", "TestX").test_path,
            "suite::a::TestX"
        );
        assert_eq!(Invocation::new("", "TestX").test_path, "TestX");
    }

    #[test]
    fn roles_come_from_the_variable_s_prefix() {
        let parse = Role::parse;
        assert_eq!(parse("hash:/tmp/x"), Some(Role::Hash("/tmp/x".into())));
        assert_eq!(
            parse("describe:/tmp/y"),
            Some(Role::Describe("/tmp/y".into()))
        );
        assert_eq!(parse("other"), None);
    }
}
