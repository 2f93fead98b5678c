//! The worker: the child side of a sweep. `lab worker` reads jobs on stdin,
//! one `TEST SEED [MODE]` line each ([`Mode`]), runs each with
//! [`tester::run`] and writes one JSON [`RunRecord`] line per job on
//! stdout, flushed, before reading the next. It prints nothing else: panics are caught by the runner and the
//! panic hook is silenced, and tracing is off.
//!
//! Each run is watched ([`tester::watchdog`]): past `--timeout-ms` of CPU
//! time, or as long without using any, the worker writes a hang record with
//! the virtual time reached and exits (the looping run cannot be stopped).
//! A thread watches the parent: if it dies (even by SIGKILL), the worker
//! exits instead of running on as an orphan.

use crate::cli::WorkerArgs;
use crate::record::{Job, RunRecord};
use raftapi::Raft;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant as WallClock};
use tester::watchdog::{OnExpiry, Watchdog};
use tester::{Factory, RunSpec, registry};

/// How often a worker checks that its parent is alive.
#[cfg(unix)]
const PARENT_POLL: Duration = Duration::from_millis(250);

/// Silences the default panic hook: a Raft's panic is a result, reported
/// with its seed, not a backtrace on the terminal.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// How a worker runs a job: the third word of its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A plain run (no third word).
    Plain,
    /// With the check hash (`check`); `warm` (`check-warm`): first run the
    /// job once, unreported, so that this process's history differs from
    /// the other side's (see [`crate::check`]).
    Check {
        /// Run it once before.
        warm: bool,
    },
    /// In describe mode, the events written to the file (`describe PATH`).
    Describe(PathBuf),
}

/// One job line: `TEST SEED [MODE]`.
pub fn job_line(test: &str, seed: u64, mode: &Mode) -> String {
    match mode {
        Mode::Plain => format!("{test} {seed}\n"),
        Mode::Check { warm: false } => format!("{test} {seed} check\n"),
        Mode::Check { warm: true } => format!("{test} {seed} check-warm\n"),
        Mode::Describe(path) => format!("{test} {seed} describe {}\n", path.display()),
    }
}

/// Runs one test on one seed in this process and times it.
pub fn run_one<R: Raft>(
    spec: RunSpec,
    make: fn() -> Factory<R>,
    raft: Option<&str>,
) -> (tester::Outcome, RunRecord) {
    let started = WallClock::now();
    let outcome = tester::run(spec, make());
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let record = RunRecord::from_outcome(&outcome, wall_ms, raft);
    (outcome, record)
}

/// The worker loop; returns when stdin closes.
pub fn main<R: Raft>(
    args: &WorkerArgs,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
) -> ExitCode {
    quiet_panics();
    exit_with_parent();
    let watchdog = Watchdog::new(Duration::from_millis(args.timeout_ms));
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some((name, seed, mode)) = parse_job(&line) else {
            eprintln!("lab worker: bad job line '{line}'");
            return ExitCode::from(2);
        };
        let Some(test) = registry::find(name) else {
            eprintln!("lab worker: unknown test '{name}'");
            return ExitCode::from(2);
        };
        let spec = args.common.spec(test, seed);
        let job = Job {
            test: test.name,
            seed,
            edition: spec.edition,
            raft,
            strict: spec.strict,
        };
        let watched = |run: &dyn Fn() -> RunRecord| watchdog.watch(report_hang(job), run);
        let record = match &mode {
            Mode::Plain => watched(&|| run_one(spec, make, raft).1),
            Mode::Check { warm } => {
                if *warm {
                    watched(&|| run_one(spec.checked(true), make, raft).1);
                }
                watched(&|| run_one(spec.checked(true), make, raft).1)
            }
            Mode::Describe(path) => watched(&|| describe_one(job, make, path)),
        };
        if !send(&record) {
            break; // the parent went away
        }
    }
    ExitCode::SUCCESS
}

/// Runs `job` in describe mode into `path` (see
/// [`tester::determinism::describe`]); its record, with the check hash.
pub fn describe_one<R: Raft>(job: Job, make: fn() -> Factory<R>, path: &Path) -> RunRecord {
    let started = WallClock::now();
    let test = registry::find(job.test).expect("a job names a registered test");
    let spec = RunSpec::new(test, job.seed, job.edition).oracles(job.strict);
    let outcome = tester::determinism::describe(spec, make(), path);
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(outcome) => RunRecord::from_outcome(&outcome, wall_ms, job.raft),
        Err(e) => {
            let failure = crate::record::FailureRecord {
                kind: crate::record::FailKind::Crash,
                check: "describe".into(),
                message: format!("cannot write the events: {e}"),
                virtual_ms: 0,
            };
            RunRecord::lost(job, failure, wall_ms)
        }
    }
}

/// Writes one record line, flushed; false if stdout is closed.
fn send(record: &RunRecord) -> bool {
    let json = serde_json::to_string(record).expect("a record serialises");
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{json}")
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// What the watchdog does when `job` hangs: the hang record, then exit.
fn report_hang(job: Job) -> OnExpiry {
    let started = WallClock::now();
    Box::new(move |expiry| {
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        send(&RunRecord::hung(job, &expiry, wall_ms));
        std::process::exit(0);
    })
}

/// Exits when the parent process is gone (the worker is re-parented).
fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(PARENT_POLL);
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(0);
                }
            }
        });
    }
}

fn parse_job(line: &str) -> Option<(&str, u64, Mode)> {
    let mut words = line.trim_end_matches(['\n', '\r']).splitn(4, ' ');
    let name = words.next()?;
    let seed = words.next()?.parse().ok()?;
    let mode = match (words.next(), words.next()) {
        (None, None) => Mode::Plain,
        (Some("check"), None) => Mode::Check { warm: false },
        (Some("check-warm"), None) => Mode::Check { warm: true },
        (Some("describe"), Some(path)) => Mode::Describe(path.into()),
        _ => return None,
    };
    Some((name, seed, mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_lines_parse_back_with_their_mode() {
        let modes = [
            Mode::Plain,
            Mode::Check { warm: false },
            Mode::Check { warm: true },
            Mode::Describe("/tmp/a dir/x.tsv".into()),
        ];
        for mode in modes {
            let line = job_line("scenario/swarm", 7, &mode);
            assert_eq!(parse_job(&line), Some(("scenario/swarm", 7, mode)));
        }
        assert_eq!(parse_job("TestX 3 bogus"), None);
        assert_eq!(parse_job("TestX three"), None);
    }
}
