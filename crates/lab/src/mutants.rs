//! `lab mutants`: how well does the course's tester catch classic Raft bugs?
//! For each bug of labraft's catalogue ([`labraft::Bug::ALL`], less the two
//! fixtures, see [`injected::is_fixture`]) the whole suite runs on `--seeds`
//! seeds with that bug injected, on the sweep's worker processes (`lab --raft
//! bug:NAME worker`, under the CPU-time watchdog: a buggy Raft may hang or
//! panic). One bug at a time, jobs in seed-major order, so `--stop-after F`
//! can end a bug's runs at the first seed by which it has failed F runs.
//!
//! Three passes per bug: the course's 28 tests as the course judges them;
//! the same tests with the durability oracle alone (only its failures count:
//! it says which persistence bugs it sees, on how many runs); and every
//! strict oracle with the scenario files added.
//!
//! Then one row per bug and pass: caught or not, the tests that caught it, the first
//! failing seed and its replay command, the detection rate (failed runs over
//! runs of the catching tests) and the virtual time to that first failure.
//! Results are sorted and an early stop is cut at a seed boundary computed
//! from the sorted results, so the table is the same for any `--jobs`.
//!
//! Failures are what this command measures, so it exits 0 once every run has
//! a result and the table is printed; 2 on bad usage or if no worker starts.

use crate::cli::{Common, MutantsArgs, Usage};
use crate::injected;
use crate::pool::{self, PoolConfig};
use crate::record::{FailKind, Job, RunRecord};
use crate::report::{self, Exit};
use crate::sweep::{default_jobs, worker_args};
use labraft::Bug;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant as WallClock};
use tester::oracle::{DURABILITY, Oracle, OracleSet};
use tester::registry::{self, Part, TestDef};
use tester::seeds::show_seed;

/// How many catching tests a table row names; the rest are counted.
const TESTS_SHOWN: usize = 3;

/// The most simulator events one mutant run may process (`--max-events` is
/// capped here): a bug that livelocks in zero virtual time (a leader and a
/// follower rejecting each other at once, forever) is then a runaway after
/// about a second instead of a wall-clock hang after ten. The reference Raft
/// needs under 60 000 events in any test (1000 seeds, both editions).
pub const MUTANT_MAX_EVENTS: u64 = 5_000_000;

/// One pass over a bug: which tests, which oracles, and how its row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// The course's 28 tests as the course judges them.
    Course,
    /// The 28 tests with the durability oracle alone; only its failures count.
    Durability,
    /// Every strict oracle, the 28 tests and the scenario files.
    Strict,
}

impl Pass {
    const ALL: [Pass; 3] = [Pass::Course, Pass::Durability, Pass::Strict];

    fn name(self) -> &'static str {
        match self {
            Pass::Course => "course",
            Pass::Durability => "durable",
            Pass::Strict => "strict",
        }
    }

    fn oracles(self) -> OracleSet {
        match self {
            Pass::Course => OracleSet::NONE,
            Pass::Durability => Oracle::Durability.into(),
            Pass::Strict => OracleSet::ALL,
        }
    }
}

/// Runs `lab mutants`: for each bug, three passes. The first runs the
/// course's 28 tests as the course judges them; the second runs them with
/// the durability oracle alone and counts only its failures; the third runs
/// them with every strict oracle on, plus every loaded scenario file.
pub fn main(args: &MutantsArgs) -> Result<Exit, Usage> {
    // The seeds must not wrap past u64::MAX (the runs' seeds count up).
    crate::jobs::SeedRange::new(args.from, args.seeds, ("--from", "--seeds"))?;
    let all = registry::select("");
    let course: Vec<&'static TestDef> = all
        .iter()
        .copied()
        .filter(|t| t.part != Part::Scenario)
        .collect();
    let exe = std::env::current_exe().map_err(|e| Usage(format!("cannot find myself: {e}")))?;
    let bugs = bugs_to_run(args.only);
    crate::out::line(format_args!(
        "lab mutants: {} bug(s) x {} course tests (then with the durability oracle, then {} tests with strict oracles and scenario files) x {} seeds from {}, edition {}, stop after {} failed runs{}",
        bugs.len(),
        course.len(),
        all.len(),
        args.seeds,
        show_seed(args.from),
        args.common.edition,
        args.stop_after,
        if args.stop_after == 0 { " (never)" } else { "" },
    ));
    let mut rows: [Vec<BugRow>; 3] = Default::default();
    for bug in bugs {
        let raft: &'static str = Box::leak(injected::raft_name(bug).into_boxed_str());
        for (pass, rows) in Pass::ALL.into_iter().zip(&mut rows) {
            let tests = if pass == Pass::Strict { &all } else { &course };
            let common = Common {
                strict: pass.oracles(),
                max_events: args.common.max_events.min(MUTANT_MAX_EVENTS),
                // A killed mutant's first broken invariant is not asked for.
                no_root_cause: true,
                ..args.common
            };
            let config = PoolConfig {
                exe: exe.clone(),
                args: worker_args(&common, Some(raft)),
                timeout: Duration::from_millis(args.timeout_ms),
                jobs: args.jobs.map_or_else(default_jobs, |j| j as usize),
                check: false,
            };
            let started = WallClock::now();
            let mut records = run_bug(&config, args, tests, raft, common.strict)
                .map_err(|e| Usage(format!("cannot start a worker: {e}")))?;
            if pass == Pass::Durability {
                only_check(&mut records, DURABILITY);
            }
            let row = BugRow::new(bug, &records);
            crate::out::status(format_args!(
                "{:<32} {:<8} {:>6} runs, {:>5} failed, {:>6.1} s",
                bug.name(),
                pass.name(),
                row.runs,
                row.failed,
                started.elapsed().as_secs_f64()
            ));
            rows.push(row);
        }
    }
    let [course_rows, durable_rows, strict_rows] = &rows;
    print!("\n{}", summary(course_rows, durable_rows, strict_rows));
    print!(
        "\nThe course's 28 tests, as the course judges them:\n\n{}",
        table(course_rows)
    );
    print!(
        "\nThe durability oracle alone, the 28 tests (only its failures count):\n\n{}",
        table(durable_rows)
    );
    print!(
        "\nStrict oracles on, the 28 tests and the scenario files:\n\n{}",
        table(strict_rows)
    );
    print!("\n{}", details(course_rows));
    Ok(Exit::Passed)
}

/// Counts as passed every run that did not fail by `check`.
pub fn only_check(records: &mut [RunRecord], check: &str) {
    for r in records.iter_mut() {
        if r.failure.as_ref().is_some_and(|f| f.check != check) {
            r.passed = true;
            r.failure = None;
        }
    }
}

/// One line per bug: caught by the course's tests, by the durability
/// oracle, by strict oracles and scenario files (with the check that caught
/// it first).
pub fn summary(course: &[BugRow], durable: &[BugRow], strict: &[BugRow]) -> String {
    let mut out = String::from(
        "| bug | course's 28 tests | durability oracle | strict oracles + scenario files |\n|---|---|---|---|\n",
    );
    let cell = |row: &BugRow| match &row.first {
        None => format!("no ({} runs)", row.runs),
        Some(f) => format!(
            "yes: seed {} {}, {}",
            show_seed(f.seed),
            short_name(&f.test),
            f.check
        ),
    };
    // The test that caught it on the most seeds, the first in the suite's order.
    let durable_cell = |row: &BugRow| match row.catching.iter().rev().max_by_key(|c| c.failed) {
        None => format!("no ({} runs)", row.runs),
        Some(best) => format!(
            "yes: {}/{} {}",
            best.failed,
            best.runs,
            short_name(&best.test)
        ),
    };
    for ((c, d), s) in course.iter().zip(durable).zip(strict) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.bug,
            cell(c),
            durable_cell(d),
            cell(s)
        );
    }
    out
}

/// `--only BUG`, or every bug of the catalogue but the fixtures.
pub fn bugs_to_run(only: Option<Bug>) -> Vec<Bug> {
    match only {
        Some(bug) => vec![bug],
        None => Bug::ALL
            .into_iter()
            .filter(|&bug| !injected::is_fixture(bug))
            .collect(),
    }
}

/// Every test on every seed with one bug, sorted; cut at the stop seed.
fn run_bug(
    config: &PoolConfig,
    args: &MutantsArgs,
    tests: &[&'static TestDef],
    raft: &'static str,
    strict: OracleSet,
) -> std::io::Result<Vec<RunRecord>> {
    let edition = args.common.edition;
    let jobs: Vec<Job> = (0..args.seeds)
        .flat_map(|k| {
            tests.iter().map(move |t| Job {
                test: t.name,
                seed: args.from.wrapping_add(k),
                edition,
                raft: Some(raft),
                strict,
            })
        })
        .collect();
    let offset = |seed: u64| seed.wrapping_sub(args.from);
    // Failed runs by seed offset so far, and the stop offset they imply (a
    // bound: failures still running can only move the true stop earlier).
    let failed_by_offset = Mutex::new(BTreeMap::<u64, u64>::new());
    let stop_offset = AtomicU64::new(u64::MAX);
    let skip = |job: &Job| offset(job.seed) > stop_offset.load(Ordering::SeqCst);
    let mut records = Vec::new();
    thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let pool = scope.spawn(|| pool::run_all(config, jobs, &skip, tx));
        for record in rx {
            if !record.passed && args.stop_after > 0 {
                let mut failed = failed_by_offset.lock().expect("lock");
                *failed.entry(offset(record.seed)).or_default() += 1;
                stop_offset.store(stop_at(&failed, args.stop_after), Ordering::SeqCst);
            }
            records.push(record);
        }
        pool.join().expect("the pool thread does not panic")
    })?;
    report::sort(&mut records);
    if args.stop_after > 0 {
        let mut failed = BTreeMap::<u64, u64>::new();
        for r in records.iter().filter(|r| !r.passed) {
            *failed.entry(offset(r.seed)).or_default() += 1;
        }
        let stop = stop_at(&failed, args.stop_after);
        records.retain(|r| offset(r.seed) <= stop);
    }
    Ok(records)
}

/// The first seed offset by which `stop_after` runs have failed, counting
/// seeds in order; `u64::MAX` if never.
pub fn stop_at(failed_by_offset: &BTreeMap<u64, u64>, stop_after: u64) -> u64 {
    let mut total = 0;
    for (&offset, &failed) in failed_by_offset {
        total += failed;
        if total >= stop_after {
            return offset;
        }
    }
    u64::MAX
}

/// One test's results under one bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCount {
    /// The test's Go name.
    pub test: String,
    /// Runs that failed.
    pub failed: usize,
    /// Runs made.
    pub runs: usize,
}

/// The first failing run: lowest seed, then earliest test in the suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstFailure {
    /// The test.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// How it failed.
    pub kind: FailKind,
    /// The failed check.
    pub check: String,
    /// Virtual ms to the failure; `None` for a hang or a crash.
    pub virtual_ms: Option<u64>,
    /// Its replay command.
    pub replay: String,
}

/// One bug's row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BugRow {
    /// The bug.
    pub bug: Bug,
    /// Runs made.
    pub runs: usize,
    /// Runs that failed.
    pub failed: usize,
    /// The tests that failed at least once, in suite order.
    pub catching: Vec<TestCount>,
    /// The first failing run.
    pub first: Option<FirstFailure>,
    /// How the runs failed, by kind.
    pub kinds: BTreeMap<FailKind, usize>,
}

impl BugRow {
    /// The row of `records`, sorted by (test, seed).
    pub fn new(bug: Bug, records: &[RunRecord]) -> BugRow {
        let catching = records
            .chunk_by(|a, b| a.test == b.test)
            .map(|chunk| TestCount {
                test: chunk[0].test.clone(),
                failed: chunk.iter().filter(|r| !r.passed).count(),
                runs: chunk.len(),
            })
            .filter(|count| count.failed > 0)
            .collect();
        let first = records
            .iter()
            .filter(|r| !r.passed)
            .min_by_key(|r| r.seed)
            .map(|r| {
                let f = r.failure.as_ref().expect("a failed run has a failure");
                let timed = !matches!(f.kind, FailKind::Hang | FailKind::Crash);
                FirstFailure {
                    test: r.test.clone(),
                    seed: r.seed,
                    kind: f.kind,
                    check: f.check.clone(),
                    virtual_ms: timed.then_some(f.virtual_ms),
                    replay: r.replay.clone(),
                }
            });
        let mut kinds = BTreeMap::new();
        for f in records.iter().filter_map(|r| r.failure.as_ref()) {
            *kinds.entry(f.kind).or_default() += 1;
        }
        BugRow {
            bug,
            runs: records.len(),
            failed: records.iter().filter(|r| !r.passed).count(),
            catching,
            first,
            kinds,
        }
    }

    /// Failed runs over runs, among the catching tests' runs.
    pub fn detection(&self) -> (usize, usize) {
        self.catching
            .iter()
            .fold((0, 0), |(f, n), c| (f + c.failed, n + c.runs))
    }
}

/// The Markdown table, one row per bug, in catalogue order.
pub fn table(rows: &[BugRow]) -> String {
    let mut out = String::from(
        "| bug | caught | tests that caught it | detection | first failure (virtual time, check) | replay | runs |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let name = if injected::is_fixture(row.bug) {
            format!("{} (fixture)", row.bug)
        } else {
            row.bug.to_string()
        };
        let Some(first) = &row.first else {
            let _ = writeln!(out, "| {name} | no | - | - | - | - | {} |", row.runs);
            continue;
        };
        let mut tests: Vec<String> = row
            .catching
            .iter()
            .take(TESTS_SHOWN)
            .map(|c| short_name(&c.test).to_string())
            .collect();
        if row.catching.len() > TESTS_SHOWN {
            tests.push(format!("+{} more", row.catching.len() - TESTS_SHOWN));
        }
        let (failed, runs) = row.detection();
        let when = first
            .virtual_ms
            .map_or_else(|| "unknown".to_string(), |ms| format!("{ms} ms"));
        let _ = writeln!(
            out,
            "| {name} | yes | {} | {:.0}% ({failed}/{runs}) | seed {} {}: {when}, {} in {} | `{}` | {} |",
            tests.join(", "),
            percent(failed, runs),
            show_seed(first.seed),
            short_name(&first.test),
            first.kind.describe(),
            first.check,
            first.replay,
            row.runs
        );
    }
    out
}

/// Per caught bug, every catching test with its failed/runs, and the kinds.
pub fn details(rows: &[BugRow]) -> String {
    let mut out = String::new();
    for row in rows.iter().filter(|r| r.first.is_some()) {
        let kinds: Vec<String> = row
            .kinds
            .iter()
            .map(|(kind, n)| format!("{n} {}", kind.describe()))
            .collect();
        let _ = writeln!(
            out,
            "{}: {} of {} runs failed ({})",
            row.bug,
            row.failed,
            row.runs,
            kinds.join(", ")
        );
        for c in &row.catching {
            let _ = writeln!(
                out,
                "  {:<34} {:>4}/{:<4} {:>4.0}%",
                c.test,
                c.failed,
                c.runs,
                percent(c.failed, c.runs)
            );
        }
    }
    out
}

/// A test's name without its `Test` prefix, for narrow columns.
fn short_name(test: &str) -> &str {
    test.strip_prefix("Test").unwrap_or(test)
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FailureRecord;

    fn record(test: &str, seed: u64, fail: Option<(FailKind, u64)>) -> RunRecord {
        RunRecord {
            test: test.to_string(),
            seed,
            edition: 2025,
            passed: fail.is_none(),
            failure: fail.map(|(kind, virtual_ms)| FailureRecord {
                kind,
                check: "c".to_string(),
                message: "m".to_string(),
                virtual_ms,
            }),
            trace_hash: 0,
            events: 0,
            virtual_ms: 1000,
            wall_ms: 1.0,
            replay: format!("lab replay {test} --seed {seed} --raft bug:double-vote"),
            check_hash: None,
            nondeterministic: None,
            first_broken: None,
            liveness: None,
        }
    }

    #[test]
    fn the_stop_is_the_first_seed_by_which_enough_runs_failed() {
        let failed = BTreeMap::from([(2, 1), (5, 2), (9, 4)]);
        assert_eq!(stop_at(&failed, 1), 2);
        assert_eq!(stop_at(&failed, 3), 5);
        assert_eq!(stop_at(&failed, 4), 9);
        assert_eq!(stop_at(&failed, 8), u64::MAX);
        assert_eq!(stop_at(&BTreeMap::new(), 1), u64::MAX);
    }

    #[test]
    fn the_durability_column_counts_only_its_oracle() {
        let mut rs = vec![
            record("TestReElection3A", 1, Some((FailKind::Oracle, 300))),
            record("TestReElection3A", 2, Some((FailKind::Check, 700))),
            record("TestBasicAgree3B", 1, Some((FailKind::Oracle, 300))),
        ];
        rs[0].failure.as_mut().unwrap().check = DURABILITY.to_string();
        rs[2].failure.as_mut().unwrap().check = DURABILITY.to_string();
        only_check(&mut rs, DURABILITY);
        assert!(
            rs[1].passed && rs[1].failure.is_none(),
            "a course check is no catch"
        );
        report::sort(&mut rs);
        let durable = BugRow::new(Bug::DoubleVote, &rs);
        assert_eq!(durable.detection(), (2, 3));
        let none = BugRow::new(Bug::DoubleVote, &rs[1..2]);
        let none = std::slice::from_ref(&none);
        let line = summary(none, &[durable], none);
        assert!(
            line.contains("| double-vote | no (1 runs) | yes: 1/2 ReElection3A | no (1 runs) |"),
            "{line}"
        );
    }

    #[test]
    fn a_row_counts_catching_tests_and_the_lowest_failing_seed() {
        let mut rs = vec![
            record("TestReElection3A", 1, None),
            record("TestReElection3A", 2, Some((FailKind::Check, 700))),
            record("TestInitialElection3A", 1, None),
            record("TestInitialElection3A", 2, None),
            record("TestFigure83C", 1, Some((FailKind::Hang, 0))),
            record("TestFigure83C", 2, Some((FailKind::Check, 300))),
        ];
        report::sort(&mut rs);
        let row = BugRow::new(Bug::DoubleVote, &rs);
        let names: Vec<&str> = row.catching.iter().map(|c| c.test.as_str()).collect();
        assert_eq!(names, ["TestReElection3A", "TestFigure83C"]);
        assert_eq!(row.detection(), (3, 4));
        let first = row.first.as_ref().unwrap();
        assert_eq!((first.test.as_str(), first.seed), ("TestFigure83C", 1));
        assert_eq!(first.virtual_ms, None, "a hang has no virtual time");
        let text = table(&[row, BugRow::new(Bug::SlowBackup, &rs[..2])]);
        assert!(text.contains("| double-vote | yes | ReElection3A, Figure83C | 75% (3/4) |"));
        assert!(text.contains("| slow-backup | no | - |"), "{text}");
    }
}
