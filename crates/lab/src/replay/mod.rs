//! `lab replay`: one seed re-run in this process under [`labtrace`]'s
//! collector, then printed in virtual time: every event of every server
//! (the lab's RPC, effect, state and tester events, and whatever the Raft
//! itself emitted, under any target), filtered by topic and server. No
//! wall-clock time appears anywhere in the output, so the same seed prints
//! the same bytes.
//!
//! [`collect`] is the same run as data, for other views of a run.

mod hung;
pub mod render;

use crate::check::ChildCheck;
use crate::cli::{self, ReplayArgs, Usage};
use crate::record::{Job, RunRecord};
use crate::report::{Exit, checked_replay, exit_of};
use crate::worker::{describe_one, quiet_panics};
use labtrace::{Event, LogFilter, Style, vocab};
use raftapi::Raft;
use tester::determinism::report::not_reproduced;
use tester::{Factory, Outcome, RunSpec};

/// The variable `--log` defaults to (as for `cargo test`).
pub const LOG_VAR: &str = tester::observe::logging::LOG_VAR;

/// Runs `spec` once under a collector keeping what `filter` wants: the
/// outcome and every collected event, in the order they happened.
pub fn collect<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    filter: LogFilter,
) -> (Outcome, Vec<Event>) {
    labtrace::collected(filter, || tester::run(spec, factory))
}

/// `lab replay TEST --seed S`.
pub fn main<R: Raft>(
    args: &ReplayArgs,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
) -> Result<Exit, Usage> {
    let test = cli::find(&args.test)?;
    if let Some(i) = args.server.filter(|&i| i >= test.servers) {
        return Err(Usage(format!(
            "--server {i}: {} has servers 0..{}",
            test.name,
            test.servers - 1
        )));
    }
    vocab::check_topics(&args.only).map_err(|e| Usage(format!("--only: {e}")))?;
    vocab::check_topics(&args.hide).map_err(|e| Usage(format!("--hide: {e}")))?;
    let filter = log_filter(args.log.as_deref())?;
    let pictures = crate::vis::ReplayPictures::new(args)?; // #11
    let checker = args
        .check_determinism
        .then(|| ChildCheck::new(&args.common, raft, CHECK_TIMEOUT))
        .transpose()?;
    quiet_panics();
    let spec = args
        .common
        .spec(test, args.seed)
        .checked(args.check_determinism);
    let style = Style {
        columns: args.columns,
        colour: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        servers: test.servers,
        width: args.width.unwrap_or_else(terminal_width),
        only: args.only.clone(),
        hide: args.hide.clone(),
        server: args.server,
    };
    let collector = labtrace::Collector::new(filter);
    let if_hung = hung::Hung {
        spec,
        raft,
        collector: collector.clone(),
        style: style.clone(),
        pictures: pictures.clone(),
    };
    let outcome = hung::watched(args.timeout_ms, if_hung, || {
        labtrace::listen::collected_by(&collector, || tester::run(spec, make()))
    });
    let events = collector.take();
    crate::out::print(render::header(&outcome, raft));
    crate::out::print(labtrace::render::render(&events, &style));
    if collector.dropped() > 0 {
        let dropped = collector.dropped();
        crate::out::line(format!(
            "  ... {dropped} events not kept ({}) ...",
            past_cap()
        ));
    }
    crate::out::print(render::footer(&outcome, raft));
    crate::out::print(pictures.write(&spec, &outcome, &events, raft)?); // #11
    if let Some(expected) = args.expect_hash.filter(|&h| h != outcome.trace_hash) {
        crate::out::status(not_reproduced(expected, outcome.trace_hash));
    }
    let verdict = outcome
        .result
        .as_ref()
        .err()
        .map_or(Exit::Passed, |f| exit_of(f.kind.into()));
    Ok(match checker {
        Some(checker) => check_against_child(checker, &outcome, spec, make, raft, verdict),
        None => verdict,
    })
}

/// `--check-determinism`: the replayed run against a child's; prints the
/// report if they differ (exit 5), else says they agree (the verdict's
/// exit code).
fn check_against_child<R: Raft>(
    mut checker: ChildCheck,
    outcome: &Outcome,
    spec: RunSpec,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
    verdict: Exit,
) -> Exit {
    let job = job_of(spec, raft);
    let record = RunRecord::from_outcome(outcome, 0.0, raft);
    let record = checker.check(record, job, |path| describe_one(job, make, path));
    checker.close();
    match &record.nondeterministic {
        Some(n) => {
            crate::out::print(n.report(&record.run_name(), &checked_replay(&record)) + "\n");
            Exit::Nondeterministic
        }
        None => {
            crate::out::line(
                "deterministic: a second run in another process had the same check hash",
            );
            verdict
        }
    }
}

/// Why a replay's collector did not keep some events.
fn past_cap() -> String {
    format!(
        "past the first {} events of one input",
        labtrace::collect::INPUT_EVENTS_KEPT
    )
}

/// The run `spec` of `raft`, as a job.
fn job_of(spec: RunSpec, raft: Option<&'static str>) -> Job {
    Job {
        test: spec.test.name,
        seed: spec.seed,
        edition: spec.edition,
        raft,
        strict: spec.strict,
    }
}

/// The CPU limit of the second run of `lab replay --check-determinism`.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `--log`, else `$LAB_LOG`, else the default; a bad one is a usage error.
fn log_filter(flag: Option<&str>) -> Result<LogFilter, Usage> {
    let spec = match flag {
        Some(s) => s.to_string(),
        None => std::env::var(LOG_VAR).unwrap_or_else(|_| labtrace::collect::DEFAULT_FILTER.into()),
    };
    LogFilter::parse(&spec).map_err(|e| Usage(e.to_string()))
}

/// The terminal's width when printing to one, else the default (so a
/// replay piped or captured prints the same bytes everywhere).
fn terminal_width() -> usize {
    let term = console::Term::stdout();
    match term.size_checked() {
        Some((_, cols)) if term.is_term() => usize::from(cols).max(40),
        _ => labtrace::render::DEFAULT_WIDTH,
    }
}
