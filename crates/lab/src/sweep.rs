//! `lab sweep`: many seeds of many tests on worker processes (see
//! [`crate::pool`]), then the table, the failure groups, the runs not run
//! and the closing `N passed, N failed` line.
//!
//! ```text
//!  Jobs (lazy) ─► Feed ─► pool threads ─► workers
//!                  ▲          │ Started / Finished / Dropped events
//!  SIGINT, SIGTERM │          ▼
//!  --fail-fast ────┴─ this loop: progress; InOrder ─► Summary + --json
//! ```
//!
//! The parent holds counters and per-signature summaries ([`Summary`]),
//! never the runs: each goes to `--json` as soon as the runs before it in
//! (test, seed) order have finished, so the end is the same for any
//! `--jobs` and memory does not grow with `--seeds`.

use crate::cli::{self, Common, Shard, SweepArgs, Usage};
use crate::jobs::{Jobs, SeedRange};
use crate::out;
use crate::pool::{self, EVENT_PAUSE, Event, Feed, PoolConfig};
use crate::progress::Progress;
use crate::record::RunRecord;
use crate::report::{self, Exit};
use crate::signals;
use crate::stream::{Header, InOrder, JsonOut};
use crate::summary::Summary;
use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// How a sweep's loop ended.
struct Ended {
    summary: Summary,
    interrupted: bool,
}

/// Runs the sweep; `Err` for bad usage (before any run starts).
pub fn main(args: &SweepArgs, raft: Option<&'static str>) -> Result<Exit, Usage> {
    let tests = cli::select(&args.filter)?;
    let whole = SeedRange::new(args.from, args.seeds, ("--from", "--seeds"))?;
    let vis = crate::vis::settings()?; // #11
    let shard = args.shard.unwrap_or(Shard { index: 1, count: 1 });
    let seeds = shard.seeds(whole);
    if seeds.is_empty() {
        return Err(Usage(format!(
            "shard {shard} of {} seeds holds no seed: use at most {} shards",
            args.seeds, args.seeds
        )));
    }
    let edition = args.common.edition;
    let jobs = Jobs::new(tests.clone(), seeds, edition, raft, args.common.strict)?;
    let planned = jobs.total();
    let header = Header {
        filter: &args.filter,
        edition: edition.year(),
        from: args.from,
        seeds: args.seeds,
        shard: args.shard.map(|s| s.to_string()),
    };
    let mut json = args
        .json
        .as_deref()
        .map(|path| JsonOut::create(path, &header))
        .transpose()?;
    let interrupt = signals::interrupt_flag()
        .map_err(|e| Usage(format!("cannot catch SIGINT and SIGTERM: {e}")))?;
    let config = PoolConfig {
        exe: std::env::current_exe().map_err(|e| Usage(format!("cannot find myself: {e}")))?,
        args: worker_args(&args.common, raft),
        timeout: Duration::from_millis(args.timeout_ms),
        jobs: args.jobs.map_or_else(default_jobs, |j| j as usize),
        check: args.check_determinism,
    };
    let mut progress = Progress::new(&tests, seeds.count);
    let ended = drive(
        &config,
        jobs,
        interrupt,
        args.fail_fast,
        &mut progress,
        json.as_mut(),
    );
    progress.finish();
    let ended = ended?;
    print_end(&ended, planned, args, &vis, raft);
    let written = json.map(|j| j.finish(&ended.summary, planned, ended.interrupted));
    out::line(report::totals_line(&ended.summary));
    report_peak_rss();
    written.transpose()?;
    Ok(if ended.interrupted {
        Exit::Interrupted
    } else {
        report::exit_code(&ended.summary)
    })
}

/// One worker per core.
pub fn default_jobs() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// `[--raft N] worker --edition E --max-events X --max-virtual-ms Y`.
pub fn worker_args(c: &Common, raft: Option<&str>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    if let Some(name) = raft {
        out.extend(["--raft".into(), name.into()]);
    }
    if let Some(dir) = tester::scenario::loaded_dir() {
        out.extend(["--scenarios".into(), dir.into()]);
    }
    for arg in [
        "worker".to_string(),
        "--edition".into(),
        c.edition.to_string(),
        "--max-events".into(),
        c.max_events.to_string(),
        "--max-virtual-ms".into(),
        c.max_virtual_ms.to_string(),
    ] {
        out.push(arg.into());
    }
    out.extend(c.strict.flag_arg().split_whitespace().map(OsString::from));
    if c.no_root_cause {
        out.push("--no-root-cause".into());
    }
    out
}

/// Runs every job on the pool, showing progress, writing `--json` in order
/// and counting into a [`Summary`]; stops dispatching at an interrupt (or
/// the first failure with `fail_fast`) and counts what did not run.
fn drive(
    config: &PoolConfig,
    jobs: Jobs,
    interrupt: Arc<AtomicBool>,
    fail_fast: bool,
    progress: &mut Progress,
    json: Option<&mut JsonOut>,
) -> Result<Ended, Usage> {
    let feed = Feed::new(jobs, interrupt);
    let feed = if fail_fast {
        feed.stopping_at_failure()
    } else {
        feed
    };
    let mut results = Results {
        summary: Summary::default(),
        in_order: InOrder::default(),
        json,
    };
    let pooled = thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let feed = &feed;
        let pool = scope.spawn(move || pool::run(config, feed, &tx));
        loop {
            let first = match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            // With whatever else came meanwhile; then a pause, so that
            // events gather in the channel and this thread wakes about
            // 1/EVENT_PAUSE times a second instead of twice per run (each
            // wake-up costs the workers more CPU than its handling).
            for event in first.into_iter().chain(rx.try_iter()) {
                results.take(event, progress);
            }
            progress.tick();
            thread::sleep(EVENT_PAUSE);
        }
        pool.join().expect("the pool thread does not panic")
    });
    let Results {
        mut summary,
        mut in_order,
        json,
    } = results;
    keep(&mut summary, json, in_order.drain());
    let interrupted = feed.interrupted();
    for (test, seeds) in feed.into_rest().rest() {
        summary.skip(test, seeds);
    }
    pooled.map_err(|e| Usage(format!("cannot start a worker: {e}")))?;
    Ok(Ended {
        summary,
        interrupted,
    })
}

/// Where the pool's events end up.
struct Results<'a> {
    summary: Summary,
    in_order: InOrder<RunRecord>,
    json: Option<&'a mut JsonOut>,
}

impl Results<'_> {
    /// Shows and keeps one event.
    fn take(&mut self, event: Event, progress: &mut Progress) {
        match event {
            Event::Started { index, job } => {
                progress.started(index, &job);
            }
            Event::Finished { index, record } => {
                progress.finished(index, &record);
                let ready = self.in_order.put(index, Some(record));
                keep(&mut self.summary, self.json.as_deref_mut(), ready);
            }
            Event::Dropped { index, job } => {
                progress.dropped(index);
                let seeds = SeedRange {
                    first: job.seed,
                    count: 1,
                };
                self.summary.skip(job.test, seeds);
                let ready = self.in_order.put(index, None);
                keep(&mut self.summary, self.json.as_deref_mut(), ready);
            }
        }
    }
}

/// Counts `records` (in order) and appends them to `--json`.
fn keep(summary: &mut Summary, mut json: Option<&mut JsonOut>, records: Vec<RunRecord>) {
    for r in records {
        summary.add(&r);
        if let Some(json) = json.as_mut() {
            json.push(&r);
        }
    }
}

/// The table, the failure groups (each with its timeline, #11), the runs
/// not run and, if interrupted, how far it got.
fn print_end(
    ended: &Ended,
    planned: u64,
    args: &SweepArgs,
    vis: &labvis::config::VisConfig,
    raft: Option<&str>,
) {
    let summary = &ended.summary;
    out::line("");
    out::print(report::table(summary));
    let groups = report::failure_groups(summary);
    let timeout = Duration::from_millis(args.timeout_ms);
    let groups = crate::vis::after_sweep(vis, &args.common, raft, summary, &groups, timeout);
    if !groups.is_empty() {
        out::line("\nfailures by signature (fastest-failing seed first):");
        out::print(groups);
    }
    let nondeterministic = report::nondeterministic_list(summary);
    if !nondeterministic.is_empty() {
        out::line(
            "\nnondeterministic runs (two runs of one seed differed; not failures of the Raft's logic):",
        );
        out::print(nondeterministic);
    }
    let skipped = report::skipped_list(summary);
    if !skipped.is_empty() {
        let why = if ended.interrupted {
            "interrupted"
        } else if args.fail_fast {
            "--fail-fast, after the first failure"
        } else {
            "no worker could run them"
        };
        out::line(format!("\nnot run ({why}):"));
        out::print(skipped);
    }
    if ended.interrupted {
        out::line(report::interrupted_line(summary, planned));
    }
}

/// With `LAB_PEAK_RSS=1`, the parent's peak resident memory (Linux
/// `VmHWM`) on stderr: how the sweep's memory is measured.
fn report_peak_rss() {
    if std::env::var_os("LAB_PEAK_RSS").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
        let kb = line.trim_start_matches("VmHWM:").trim();
        out::status(format!("lab: peak RSS {kb}"));
    }
}
