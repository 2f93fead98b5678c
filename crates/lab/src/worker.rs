//! The worker: the child side of a sweep. `lab worker` reads jobs on stdin,
//! one `TEST SEED` line each, runs each with [`tester::run`] and writes one
//! JSON [`RunRecord`] line per job on stdout, flushed, before reading the
//! next. It prints nothing else: panics are caught by the runner and the
//! panic hook is silenced, and tracing is off.

use crate::cli::WorkerArgs;
use crate::record::RunRecord;
use raftapi::Raft;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::Instant as WallClock;
use tester::{Factory, RunSpec, registry};

/// Silences the default panic hook: a Raft's panic is a result, reported
/// with its seed, not a backtrace on the terminal.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// One job line: `TEST SEED`.
pub fn job_line(test: &str, seed: u64) -> String {
    format!("{test} {seed}\n")
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
pub fn main<R: Raft>(args: &WorkerArgs, make: fn() -> Factory<R>, raft: Option<&str>) -> ExitCode {
    quiet_panics();
    let stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    for line in stdin.lines() {
        let Ok(line) = line else { break };
        let Some((name, seed)) = parse_job(&line) else {
            eprintln!("lab worker: bad job line '{line}'");
            return ExitCode::from(2);
        };
        let Some(test) = registry::find(name) else {
            eprintln!("lab worker: unknown test '{name}'");
            return ExitCode::from(2);
        };
        let spec = args.common.spec(test, seed);
        let (_, record) = run_one(spec, make, raft);
        let json = serde_json::to_string(&record).expect("a record serialises");
        if writeln!(stdout, "{json}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break; // the parent went away
        }
    }
    ExitCode::SUCCESS
}

fn parse_job(line: &str) -> Option<(&str, u64)> {
    let (name, seed) = line.trim().split_once(' ')?;
    Some((name, seed.parse().ok()?))
}
