//! `--check-determinism`: every run executed twice, the second time in
//! another process with another history, and compared by check hash (see
//! [`tester::determinism`]).
//!
//! ```text
//!  sweep: each pool thread owns a worker and a checker (two processes)
//!    job ─► worker: `TEST SEED check`            ─► record A (check hash)
//!        ─► checker: `TEST SEED check[-warm]`    ─► record B
//!  lab run / lab replay: run A in this process, run B in a child worker
//!  B's process died under the run (A finished) ─► B's run once more on a
//!                   fresh process: a kill from outside is not a finding
//!  hashes differ ─► both describe the seed at once (`describe FILE`; a
//!                   sweep's on two fresh workers), the files are
//!                   compared: the first divergent event
//! ```
//!
//! The histories differ by construction: a checker's first job is run
//! once before it counts (`check-warm`), so the checker has always run one
//! run more than the worker when it runs a job (and a `lab run` child one
//! more than its parent); a `static` that counts runs differs between them
//! every time. A run whose hashes differ becomes a *nondeterministic*
//! record: neither passed nor failed, with both verdicts and the first
//! divergent event, or what is known when there is none to show.

use crate::cli::{Common, Usage};
use crate::pool::{JobEnd, PoolConfig, Worker, run_on};
use crate::record::{FailKind, Job, RunRecord};
use crate::worker::Mode;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;
use tester::determinism::{Nondeterminism, child::AGREED_SHOWN, first_divergence};

/// A sweep's pair of runs of `job`, A's record `a` and B's `b`, settled
/// ([`settle`]); when they differ, the seed is described again on two fresh
/// worker processes, B's after one run more so that their histories still
/// differ. `None` if interrupted.
pub(crate) fn settle_apart(
    a: RunRecord,
    b: RunRecord,
    job: Job,
    config: &PoolConfig,
    interrupt: &AtomicBool,
) -> Option<RunRecord> {
    let b = if died_under(&a, &b) {
        let mut checker = None;
        let again = run_b_again(&mut checker, b, job, config, interrupt);
        close(checker, interrupt);
        again?
    } else {
        b
    };
    settle(a, &b, |path_a, path_b| {
        thread::scope(|scope| {
            let there = scope.spawn(|| {
                let mut checker = None;
                let warm = Mode::Check { warm: false };
                let _ = run_on(&mut checker, job, &warm, config, interrupt);
                let described = describe_on(&mut checker, job, path_b, config, interrupt);
                close(checker, interrupt);
                described
            });
            let mut worker = None;
            let here = describe_on(&mut worker, job, path_a, config, interrupt);
            close(worker, interrupt);
            Some([
                here?,
                there.join().expect("a describing thread does not panic")?,
            ])
        })
    })
}

/// Whether side B's process died under its run while side A finished it:
/// killed from outside (the OOM killer, a user) as likely as by the Raft.
fn died_under(a: &RunRecord, b: &RunRecord) -> bool {
    a.check_hash.is_some()
        && b.check_hash.is_none()
        && b.failure
            .as_ref()
            .is_some_and(|f| f.kind == FailKind::Crash && f.check == crate::pool::WORKER_DIED)
}

/// Side B's run of `job` once more, on a fresh process after one run more
/// (as a checker's first): a process killed from outside does not make a
/// deterministic Raft look nondeterministic, and a Raft that kills its own
/// process on B's side does so again. `dead`'s record if no process
/// starts; `None` if interrupted.
fn run_b_again(
    slot: &mut Option<Worker>,
    dead: RunRecord,
    job: Job,
    config: &PoolConfig,
    interrupt: &AtomicBool,
) -> Option<RunRecord> {
    *slot = None;
    match run_on(slot, job, &Mode::Check { warm: true }, config, interrupt) {
        Ok(JobEnd::Done(record) | JobEnd::Replace(record)) => Some(record),
        Ok(JobEnd::Dropped) => None,
        Err(_) => Some(dead),
    }
}

/// Ends a describing worker: closed, or killed if the sweep was interrupted.
fn close(slot: Option<Worker>, interrupt: &AtomicBool) {
    match slot {
        Some(mut w) if interrupt.load(Ordering::SeqCst) => {
            w.kill();
        }
        Some(w) => w.close(),
        None => {}
    }
}

/// Describes `job` on the worker in `slot`: its record, `None` if
/// interrupted (an unstartable worker is a record without a check hash).
fn describe_on(
    slot: &mut Option<Worker>,
    job: Job,
    path: &Path,
    config: &PoolConfig,
    interrupt: &AtomicBool,
) -> Option<RunRecord> {
    let mode = Mode::Describe(path.to_path_buf());
    match run_on(slot, job, &mode, config, interrupt) {
        Ok(JobEnd::Done(record) | JobEnd::Replace(record)) => Some(record),
        Ok(JobEnd::Dropped) => None,
        Err(e) => Some(RunRecord::lost(
            job,
            describe_failed(format!("no worker: {e}")),
            0.0,
        )),
    }
}

fn describe_failed(message: String) -> crate::record::FailureRecord {
    crate::record::FailureRecord {
        kind: FailKind::Crash,
        check: "describe".into(),
        message,
        virtual_ms: 0,
    }
}

/// Run A against run B: A's record if their check hashes agree, else a
/// nondeterministic record, described by `describe` (which runs the seed
/// again on both sides, into the two paths, and returns both records;
/// `None` when interrupted, and then so is this).
fn settle(
    a: RunRecord,
    b: &RunRecord,
    describe: impl FnOnce(&Path, &Path) -> Option<[RunRecord; 2]>,
) -> Option<RunRecord> {
    if a.check_hash.is_some() && a.check_hash == b.check_hash {
        return Some(a);
    }
    let mut found = Nondeterminism {
        check_hashes: [a.check_hash, b.check_hash],
        runs: [a.ended(), b.ended()],
        divergence: None,
        note: None,
    };
    if b.check_hash.is_none() {
        found.note = Some("no event to show: run B did not finish".into());
    } else {
        let (path_a, path_b) = (temp_path('a'), temp_path('b'));
        let described = describe(&path_a, &path_b);
        let compared = described
            .as_ref()
            .map(|[da, db]| compare(da, db, &path_a, &path_b));
        let _ = std::fs::remove_file(&path_a);
        let _ = std::fs::remove_file(&path_b);
        match compared? {
            Ok(Some(d)) => found.divergence = Some(d),
            Ok(None) => {
                found.note =
                    Some("the describing re-runs happened to agree: no event to show".into());
            }
            Err(e) => found.note = Some(format!("no event to show: {e}")),
        }
    }
    Some(RunRecord {
        passed: false,
        failure: None,
        nondeterministic: Some(Box::new(found)),
        ..a
    })
}

/// Where two describing runs part, from their event files.
fn compare(
    da: &RunRecord,
    db: &RunRecord,
    path_a: &Path,
    path_b: &Path,
) -> Result<Option<tester::determinism::Divergence>, String> {
    for (side, r) in [("A", da), ("B", db)] {
        if r.check_hash.is_none() {
            return Err(format!(
                "describing run {side} did not finish: {}",
                r.ended()
            ));
        }
    }
    first_divergence(path_a, path_b, AGREED_SHOWN).map_err(|e| e.to_string())
}

/// A fresh event file path of this process, for side `a` or `b`.
fn temp_path(side: char) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "lab-describe-{}-{n}-{side}.tsv",
        std::process::id()
    ))
}

/// The second side of `lab run` and `lab replay`: a child worker (of this
/// binary, the same variant and options) that re-runs each run of this
/// process.
pub struct ChildCheck {
    config: PoolConfig,
    child: Option<Worker>,
    interrupt: AtomicBool,
}

impl ChildCheck {
    /// A checker for runs with `common`'s options, each limited to
    /// `timeout` of CPU time; the child starts at its first run.
    pub fn new(
        common: &Common,
        raft: Option<&str>,
        timeout: Duration,
    ) -> Result<ChildCheck, Usage> {
        let exe = std::env::current_exe().map_err(|e| Usage(format!("cannot find myself: {e}")))?;
        let config = PoolConfig {
            exe,
            args: crate::sweep::worker_args(common, raft),
            timeout,
            jobs: 1,
            check: true,
        };
        Ok(ChildCheck {
            config,
            child: None,
            interrupt: AtomicBool::new(false),
        })
    }

    /// Run A (`a`, made in this process) against the child's run of `job`:
    /// `a` if they agree, else the nondeterministic record, both sides
    /// described at once (`describe_here` describes in this process).
    pub fn check(
        &mut self,
        a: RunRecord,
        job: Job,
        describe_here: impl FnOnce(&Path) -> RunRecord,
    ) -> RunRecord {
        let warm = self.child.is_none();
        let mode = Mode::Check { warm };
        let b = match run_on(&mut self.child, job, &mode, &self.config, &self.interrupt) {
            Ok(JobEnd::Done(r) | JobEnd::Replace(r)) => r,
            Ok(JobEnd::Dropped) => unreachable!("nothing interrupts a child check"),
            Err(e) => RunRecord::lost(job, describe_failed(format!("no child: {e}")), 0.0),
        };
        let b = if died_under(&a, &b) {
            run_b_again(&mut self.child, b, job, &self.config, &self.interrupt)
                .expect("nothing interrupts a child check")
        } else {
            b
        };
        let (child, config, interrupt) = (&mut self.child, &self.config, &self.interrupt);
        let settled = settle(a, &b, |path_a, path_b| {
            thread::scope(|scope| {
                let there = scope.spawn(|| describe_on(child, job, path_b, config, interrupt));
                let here = describe_here(path_a);
                Some([
                    here,
                    there.join().expect("a describing thread does not panic")?,
                ])
            })
        });
        settled.expect("nothing interrupts a child check")
    }

    /// Ends the child.
    pub fn close(self) {
        if let Some(child) = self.child {
            child.close();
        }
    }
}
