//! `lab list` and `lab run`: the tests as data, and the tests run in this
//! process one after another, printing what the course's tester prints,
//! each under a CPU-time watchdog ([`tester::watchdog`]); with
//! `--check-determinism`, each also in a child process ([`crate::check`]).

use crate::check::ChildCheck;
use crate::cli::{self, RunArgs, Usage};
use crate::out;
use crate::record::{Job, RunRecord};
use crate::report::{self, Exit};
use crate::summary::Summary;
use crate::worker::{describe_one, quiet_panics, run_one};
use raftapi::Raft;
use std::fmt::Write as _;
use std::time::{Duration, Instant as WallClock};
use tester::registry::{Network, Part};
use tester::watchdog::{OnExpiry, Watchdog};
use tester::{Factory, Outcome};

/// `lab list [FILTER]`.
pub fn list(filter: Option<&str>) -> Result<Exit, Usage> {
    let tests = cli::select(filter.unwrap_or(""))?;
    let mut text = String::new();
    let mut part: Option<Part> = None;
    for t in tests {
        if part != Some(t.part) {
            let _ = writeln!(text, "{}:", t.part);
            part = Some(t.part);
        }
        let network = match t.network {
            Network::Reliable => "reliable",
            Network::Unreliable => "unreliable",
            Network::ReliableIn2024 => "reliable in 2024, unreliable after",
        };
        let snapshot = if t.snapshot {
            "snapshot"
        } else {
            "no snapshot"
        };
        let _ = writeln!(
            text,
            "  {:<34} {} servers  {network:<36}  {snapshot}",
            t.name, t.servers
        );
    }
    // A closed pipe (`lab list | head`) is not an error worth a panic.
    out::print(text);
    Ok(Exit::Passed)
}

/// `lab run FILTER [--seed S] [--seeds N]`.
pub fn run<R: Raft>(
    args: &RunArgs,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
) -> Result<Exit, Usage> {
    let tests = cli::select(&args.filter)?;
    let seeds = cli::run_seeds(args.seed, args.seeds)?;
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut checker = args
        .check_determinism
        .then(|| ChildCheck::new(&args.common, raft, timeout))
        .transpose()?;
    let vis = crate::vis::settings()?; // #11
    quiet_panics();
    let watchdog = Watchdog::new(timeout);
    let mut summary = Summary::default();
    for test in tests {
        for k in 0..seeds.count {
            let spec = args
                .common
                .spec(test, seeds.seed(k))
                .checked(args.check_determinism);
            let job = Job {
                test: test.name,
                seed: spec.seed,
                edition: spec.edition,
                raft,
                strict: spec.strict,
            };
            let (outcome, mut record) =
                watchdog.watch(report_hang(job), || run_one(spec, make, raft));
            if let Some(checker) = checker.as_mut() {
                record = checker.check(record, job, |path| {
                    watchdog.watch(report_hang(job), || describe_one(job, make, path))
                });
            }
            for line in &outcome.lines {
                out::line(line);
            }
            if let Some(n) = &record.nondeterministic {
                out::line(n.report(&record.run_name(), &report::checked_replay(&record)));
            } else if let Some(report) = failure_report(&outcome, raft, &record.replay) {
                out::line(report);
            }
            out::print(crate::vis::after_run(&vis, spec, &outcome, make, raft)); // #11
            summary.add(&record);
        }
    }
    if let Some(checker) = checker {
        checker.close();
    }
    out::line(report::totals_line(&summary));
    Ok(report::exit_code(&summary))
}

/// What the watchdog does when a run of `lab run` hangs: the failure line,
/// then exit code 4 (a looping run cannot be stopped; `lab sweep` replaces
/// its worker instead and goes on).
fn report_hang(job: Job) -> OnExpiry {
    let started = WallClock::now();
    Box::new(move |expiry| {
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        let record = RunRecord::hung(job, &expiry, wall_ms);
        if let Some(line) = record.failure_line() {
            out::line(line);
        }
        std::process::exit(Exit::Hung as i32);
    })
}

/// The failure report of `lab run`: the crate's own Raft is replayed by
/// `cargo test` or by this binary; any other (`--raft NAME`) only by this
/// binary, so its line comes first and alone.
pub(crate) fn failure_report(outcome: &Outcome, raft: Option<&str>, lab: &str) -> Option<String> {
    match raft {
        None => outcome
            .report()
            .map(|report| format!("{report}\n  or: {lab}")),
        Some(_) => {
            let strict = tester::root_cause::ORACLES;
            let (test, seed, edition) = (outcome.test, outcome.seed, outcome.edition);
            let strict_lab = crate::record::replay_command(test, seed, edition, raft, strict);
            outcome.report_replayed_by(lab, &strict_lab)
        }
    }
}
