//! `lab sweep`: many seeds of many tests on worker processes (see
//! [`crate::pool`]), then the table, the failure groups, `--json` and the
//! closing `N passed, N failed` line. Results are sorted by (test, seed)
//! before anything is printed at the end, so the end is the same for any
//! `--jobs`.

use crate::cli::{self, Common, Shard, SweepArgs, Usage};
use crate::pool::{self, PoolConfig};
use crate::progress::Progress;
use crate::record::{Job, RunRecord};
use crate::report::{self, Exit};
use serde::Serialize;
use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What `--json` writes.
#[derive(Debug, Serialize)]
pub struct SweepJson<'a> {
    /// The filter typed.
    pub filter: &'a str,
    /// The edition year.
    pub edition: u16,
    /// The first seed of the whole range (before sharding).
    pub from: u64,
    /// Seeds per test in the whole range.
    pub seeds: u64,
    /// `K/N`, if sharded.
    pub shard: Option<String>,
    /// Runs passed.
    pub passed: usize,
    /// Runs failed.
    pub failed: usize,
    /// Every run, sorted by (test order, seed).
    pub results: &'a [RunRecord],
}

/// Runs the sweep; `Err` for bad usage.
pub fn main(args: &SweepArgs, raft: Option<&'static str>) -> Result<Exit, Usage> {
    let tests = cli::select(&args.filter)?;
    let shard = args.shard.unwrap_or(Shard { index: 1, count: 1 });
    let seeds = shard.seeds(args.from, args.seeds);
    let edition = args.common.edition;
    let jobs: Vec<Job> = tests
        .iter()
        .flat_map(|t| {
            seeds.clone().map(move |seed| Job {
                test: t.name,
                seed,
                edition,
                raft,
                strict: args.common.strict,
            })
        })
        .collect();
    let config = PoolConfig {
        exe: std::env::current_exe().map_err(|e| Usage(format!("cannot find myself: {e}")))?,
        args: worker_args(&args.common, raft),
        timeout: Duration::from_millis(args.timeout_ms),
        jobs: args.jobs.map_or_else(default_jobs, |j| j as usize),
    };
    let per_test = seeds.end.wrapping_sub(seeds.start);
    let mut records = collect(&config, jobs, &tests, per_test, args.fail_fast)
        .map_err(|e| Usage(format!("cannot start a worker: {e}")))?;
    report::sort(&mut records);
    finish(args, &records)?;
    Ok(report::exit_code(&records))
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
    out
}

/// Runs every job on the pool, showing progress; returns the results in the
/// order they came.
fn collect(
    config: &PoolConfig,
    jobs: Vec<Job>,
    tests: &[&'static tester::TestDef],
    per_test: u64,
    fail_fast: bool,
) -> std::io::Result<Vec<RunRecord>> {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let pool = {
        let (config, stop) = (config.clone(), Arc::clone(&stop));
        let stopped = move |_: &Job| stop.load(Ordering::SeqCst);
        thread::spawn(move || pool::run_all(&config, jobs, &stopped, tx))
    };
    let mut progress = Progress::new(tests, per_test);
    let mut records = Vec::new();
    for record in rx {
        progress.on_result(&record);
        if fail_fast && !record.passed {
            stop.store(true, Ordering::SeqCst);
        }
        records.push(record);
    }
    progress.finish();
    pool.join().expect("the pool thread does not panic")?;
    Ok(records)
}

/// Prints the table and the failure groups, writes `--json`, prints the
/// closing line.
fn finish(args: &SweepArgs, records: &[RunRecord]) -> Result<(), Usage> {
    println!();
    print!("{}", report::table(records));
    let groups = report::failure_groups(records);
    if !groups.is_empty() {
        println!("\nfailures by signature (fastest-failing seed first):");
        print!("{groups}");
    }
    if let Some(path) = &args.json {
        let passed = records.iter().filter(|r| r.passed).count();
        let json = SweepJson {
            filter: &args.filter,
            edition: args.common.edition.year(),
            from: args.from,
            seeds: args.seeds,
            shard: args.shard.map(|s| s.to_string()),
            passed,
            failed: records.len() - passed,
            results: records,
        };
        let text = serde_json::to_string_pretty(&json).expect("results serialise");
        std::fs::write(path, text + "\n")
            .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("{}", report::totals_line(records));
    Ok(())
}
