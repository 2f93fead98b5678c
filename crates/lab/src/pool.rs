//! The parent side of a sweep: worker processes, each fed one job at a time
//! and watched.
//!
//! Each of `jobs` threads owns one child process (`lab [--raft N] worker
//! ... --timeout-ms T`, in a process group of its own so that a terminal's
//! Ctrl-C reaches only the parent), takes the next job from the shared
//! [`Feed`], writes it to the child's stdin and waits for the child's JSON
//! line. The child watches its own run ([`tester::watchdog`]): past `T` ms
//! of CPU time, or `T` ms without using any, it answers with a hang record
//! (with the virtual time reached) and exits. The parent watches the child
//! too, by its CPU time in `/proc/<pid>/stat`, as a backstop a little
//! later: a child that neither answers nor uses CPU is killed as "stopped
//! answering". A child that dies (abort, stack overflow) is a crash. After
//! a hang or a crash a new child is started and the sweep goes on.
//!
//! When the feed is interrupted (SIGINT, SIGTERM), every thread kills its
//! child at once and reports its job as dropped; when it is stopped
//! (`--fail-fast`), the threads finish their jobs and take no more.
//!
//! A pool thread writes jobs to its worker ahead of their turn and reads
//! the answers itself ([`crate::pipeline`]); with `--check-determinism`
//! each pool thread has two, a worker and its checker, and every job runs
//! on both (`crate::check_pool`). `Worker` runs one job at a time: the
//! second run of `lab run` and `lab replay`, and describing re-runs.

use crate::pipeline::Side;
use crate::record::{FailKind, FailureRecord, Job, RunRecord};
use crate::worker::{Mode, job_line};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant as WallClock};
use tester::watchdog::{process_cpu, process_wants_cpu};

/// How long a loop that handles the pool's events lets them gather before
/// it handles them: it wakes about 1/EVENT_PAUSE times a second instead of
/// once or twice per run (each wake-up costs the workers more CPU than its
/// handling).
pub(crate) const EVENT_PAUSE: Duration = Duration::from_millis(10);

/// How often a waiting thread looks at its child's CPU time and at the
/// interrupt flag.
pub(crate) const POLL: Duration = Duration::from_millis(100);

/// How to start a worker and how long it may take per job.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// The executable (this one).
    pub exe: PathBuf,
    /// Its arguments (`--raft N worker --edition E ...`).
    pub args: Vec<OsString>,
    /// CPU time limit per job (`--timeout-ms`).
    pub timeout: Duration,
    /// Number of workers.
    pub jobs: usize,
    /// Whether every job also runs on a checker (`--check-determinism`).
    pub check: bool,
}

impl PoolConfig {
    /// When the parent's backstop fires: the worker's own watchdog should
    /// have answered well before.
    pub(crate) fn backstop(&self) -> Duration {
        self.timeout + (self.timeout / 4).max(Duration::from_secs(2))
    }
}

/// What the pool reports, as it happens.
#[derive(Debug)]
pub enum Event {
    /// Job `index` (in the order handed out) began to run on a worker.
    Started {
        /// Its index.
        index: u64,
        /// The job.
        job: Job,
    },
    /// Job `index` has a result.
    Finished {
        /// Its index.
        index: u64,
        /// The result.
        record: RunRecord,
    },
    /// Job `index` was abandoned unfinished (an interrupt).
    Dropped {
        /// Its index.
        index: u64,
        /// The job.
        job: Job,
    },
}

/// The jobs, handed out one at a time with their index, and what stops them.
pub struct Feed<I> {
    queue: Mutex<(u64, I)>,
    stop: AtomicBool,
    stop_at_failure: bool,
    interrupt: Arc<AtomicBool>,
}

impl<I: Iterator<Item = Job>> Feed<I> {
    /// A feed of `jobs` that stops at once when `interrupt` is set.
    pub fn new(jobs: I, interrupt: Arc<AtomicBool>) -> Feed<I> {
        Feed {
            queue: Mutex::new((0, jobs)),
            stop: AtomicBool::new(false),
            stop_at_failure: false,
            interrupt,
        }
    }

    /// The same feed, stopping at the first failed run (`--fail-fast`).
    /// The pool threads stop it as they read the failure: the thread that
    /// shows results wakes too seldom to stop fast runs in time.
    pub fn stopping_at_failure(mut self) -> Feed<I> {
        self.stop_at_failure = true;
        self
    }

    /// Stops the feed if `event` is a failed run and it stops at one.
    pub(crate) fn note(&self, event: &Event) {
        if self.stop_at_failure
            && let Event::Finished { record, .. } = event
            && !record.passed
        {
            self.stop();
        }
    }

    /// Hands out no more jobs (the ones running finish).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether the feed hands out no more jobs (stopped or interrupted).
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.interrupted()
    }

    /// Whether the sweep was interrupted.
    pub fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    /// The flag an interrupt sets.
    pub(crate) fn interrupt_flag(&self) -> &AtomicBool {
        &self.interrupt
    }

    /// The jobs never handed out.
    pub fn into_rest(self) -> I {
        self.queue.into_inner().expect("not poisoned").1
    }

    pub(crate) fn next(&self) -> Option<(u64, Job)> {
        if self.stopped() {
            return None;
        }
        let mut queue = self.queue.lock().expect("not poisoned");
        let job = queue.1.next()?;
        let index = queue.0;
        queue.0 += 1;
        Some((index, job))
    }
}

/// How a job ended on a worker.
pub(crate) enum JobEnd {
    /// A result; the worker goes on.
    Done(RunRecord),
    /// A result; the worker is gone or must go.
    Replace(RunRecord),
    /// Abandoned (interrupt); the worker must go.
    Dropped,
}

/// A running worker process.
pub(crate) struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<io::Result<String>>,
}

impl Worker {
    pub(crate) fn spawn(config: &PoolConfig) -> io::Result<Worker> {
        let mut child = worker_command(config).spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            lines,
        })
    }

    /// Runs one job, watching the worker's CPU time.
    pub(crate) fn run(
        &mut self,
        job: Job,
        mode: &Mode,
        config: &PoolConfig,
        interrupt: &AtomicBool,
    ) -> JobEnd {
        let started = WallClock::now();
        let wall_ms = || started.elapsed().as_secs_f64() * 1000.0;
        let sent = self
            .stdin
            .write_all(job_line(job.test, job.seed, mode).as_bytes())
            .and_then(|()| self.stdin.flush());
        if sent.is_err() {
            return self.died(job, wall_ms());
        }
        let mut backstop = Backstop::new(self.child.id(), config.backstop());
        loop {
            match self.lines.recv_timeout(POLL) {
                Ok(Ok(line)) => return answer(job, &line, wall_ms()),
                Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    return self.died(job, wall_ms());
                }
                Err(RecvTimeoutError::Timeout) if interrupt.load(Ordering::SeqCst) => {
                    return JobEnd::Dropped;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(failure) = backstop.due(config.timeout) {
                        return JobEnd::Replace(RunRecord::lost(job, failure, wall_ms()));
                    }
                }
            }
        }
    }

    /// The record of a job whose worker died under it.
    fn died(&mut self, job: Job, wall_ms: f64) -> JobEnd {
        let status = match self.kill() {
            Some(status) => status.to_string(),
            None => "status unknown".to_string(),
        };
        JobEnd::Replace(RunRecord::lost(job, crash(&status), wall_ms))
    }

    /// Kills the child (if still running) and reaps it.
    pub(crate) fn kill(&mut self) -> Option<ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Closes stdin so the worker exits, and reaps it.
    pub(crate) fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// A worker process (`lab [--raft N] worker ... --timeout-ms T`), its
/// stdin and stdout piped, in a process group of its own.
pub(crate) fn worker_command(config: &PoolConfig) -> Command {
    let mut command = Command::new(&config.exe);
    command
        .args(&config.args)
        .arg("--timeout-ms")
        .arg(config.timeout.as_millis().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env(
            "GLIBC_TUNABLES",
            worker_tunables(std::env::var("GLIBC_TUNABLES").ok().as_deref()),
        );
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
}

/// A worker's `GLIBC_TUNABLES`: keep the heap between runs, then whatever
/// the user set (`user`; a later setting wins). By default glibc's malloc
/// gives the top of the heap back to the kernel whenever more than 128 KB
/// of it is free, as at the end of every run, and the next run faults it in
/// again page by page: about 6 page faults per run, and with the zeroing of
/// those pages about a tenth of a worker's CPU time. Other C libraries
/// ignore the variable.
pub(crate) fn worker_tunables(user: Option<&str>) -> String {
    const KEEP_HEAP: &str =
        "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432";
    match user {
        Some(user) if !user.is_empty() => format!("{KEEP_HEAP}:{user}"),
        _ => KEEP_HEAP.to_string(),
    }
}

/// The check named by the failure of a job whose worker process died.
pub(crate) const WORKER_DIED: &str = "worker";

/// The failure of a job whose worker died (`status`: how it ended).
pub(crate) fn crash(status: &str) -> FailureRecord {
    FailureRecord {
        kind: FailKind::Crash,
        check: WORKER_DIED.into(),
        message: format!("the worker process died ({status}): abort or stack overflow"),
        virtual_ms: 0,
    }
}

/// A worker's answer: its record; a hang record means the worker's own
/// watchdog stopped the run and the worker is exiting.
pub(crate) fn answer(job: Job, line: &str, wall_ms: f64) -> JobEnd {
    match serde_json::from_str::<RunRecord>(line) {
        Ok(record)
            if record
                .failure
                .as_ref()
                .is_some_and(|f| f.kind == FailKind::Hang) =>
        {
            JobEnd::Replace(record)
        }
        Ok(record) => JobEnd::Done(record),
        Err(e) => {
            let failure = FailureRecord {
                kind: FailKind::Crash,
                check: "worker".into(),
                message: format!(
                    "unreadable worker output ({e}): {}",
                    tester::registry::clip(line, 200)
                ),
                virtual_ms: 0,
            };
            JobEnd::Replace(RunRecord::lost(job, failure, wall_ms))
        }
    }
}

/// The parent's watch over one job: the worker's CPU time (all its
/// threads), or wall time where there is no CPU clock.
pub(crate) struct Backstop {
    pid: u32,
    limit: Duration,
    /// Read at the first poll (see `due`); inside, `None` where there is
    /// no CPU clock.
    cpu_at_start: Option<Option<Duration>>,
    cpu_last: Duration,
    progress_at: WallClock,
    started: WallClock,
}

impl Backstop {
    pub(crate) fn new(pid: u32, limit: Duration) -> Backstop {
        let now = WallClock::now();
        Backstop {
            pid,
            limit,
            cpu_at_start: None,
            cpu_last: Duration::ZERO,
            progress_at: now,
            started: now,
        }
    }

    /// A hang to record if the worker is past the backstop. `timeout` is
    /// the limit as the user set it (for the message).
    pub(crate) fn due(&mut self, timeout: Duration) -> Option<FailureRecord> {
        let hang = |check: &str, message: String| FailureRecord {
            kind: FailKind::Hang,
            check: check.into(),
            message,
            virtual_ms: 0,
        };
        // The worker's CPU time is first read at the first poll, not when
        // the job is handed out: most jobs end before it, a read per job is
        // a tenth of a sweep's system time, and the CPU a job used before
        // the first poll is well within the seconds the backstop allows
        // over the worker's own limit.
        let pid = self.pid;
        let Some(start) = *self.cpu_at_start.get_or_insert_with(|| process_cpu(pid)) else {
            return (self.started.elapsed() > self.limit).then(|| {
                hang(
                    "cpu-limit",
                    format!(
                        "no result after {} ms of wall-clock time (no CPU clock on this system; raise it with --timeout-ms)",
                        self.limit.as_millis()
                    ),
                )
            });
        };
        let used = process_cpu(self.pid)?.saturating_sub(start);
        if used > self.limit {
            let message = format!(
                "exceeded the CPU limit of {} ms (raise it with --timeout-ms); the worker did not stop it and was killed",
                timeout.as_millis()
            );
            return Some(hang("cpu-limit", message));
        }
        // Starved of CPU on a loaded machine (runnable) is not stuck.
        if used > self.cpu_last || process_wants_cpu(self.pid) {
            self.cpu_last = used;
            self.progress_at = WallClock::now();
            return None;
        }
        (self.progress_at.elapsed() > self.limit).then(|| {
            let message = format!(
                "stopped answering: the worker used no CPU for {} ms and was killed",
                self.limit.as_millis()
            );
            hang("no-progress", message)
        })
    }
}

/// Runs the feed's jobs on `config.jobs` worker processes, sending every
/// [`Event`] as it happens. Returns when the feed is exhausted, stopped or
/// interrupted and every job handed out has ended; `Err` if a worker
/// cannot be started.
pub fn run<I: Iterator<Item = Job> + Send>(
    config: &PoolConfig,
    feed: &Feed<I>,
    events: &Sender<Event>,
) -> io::Result<()> {
    if config.check {
        return crate::check_pool::run(config, feed, events);
    }
    let sink = |e| {
        feed.note(&e);
        events.send(e).is_ok()
    };
    thread::scope(|scope| {
        let handles: Vec<_> = (0..config.jobs.max(1))
            .map(|_| scope.spawn(|| crate::pipeline::drive(config, feed, Side::Plain, &sink)))
            .collect();
        let mut first_error = Ok(());
        for handle in handles {
            let outcome = handle.join().expect("a pool thread does not panic");
            if first_error.is_ok() {
                first_error = outcome;
            }
        }
        first_error
    })
}

/// Runs `job` on the worker in `slot`, started if there is none; the
/// worker is killed and the slot emptied when the job says it must go
/// (a hang, a crash, an interrupt). `Err` if no worker can be started.
pub(crate) fn run_on(
    slot: &mut Option<Worker>,
    job: Job,
    mode: &Mode,
    config: &PoolConfig,
    interrupt: &AtomicBool,
) -> io::Result<JobEnd> {
    let worker = match slot.as_mut() {
        Some(w) => w,
        None => slot.insert(Worker::spawn(config)?),
    };
    let ended = worker.run(job, mode, config, interrupt);
    if !matches!(ended, JobEnd::Done(_))
        && let Some(mut gone) = slot.take()
    {
        gone.kill();
    }
    Ok(ended)
}

/// Runs `jobs` on worker processes; sends every result on `results` as it
/// comes. A job for which `skip` holds when its turn comes is dropped without
/// a result (how `mutants` stops a bug early). Returns when every handed-out
/// job has a result.
pub fn run_all(
    config: &PoolConfig,
    jobs: Vec<Job>,
    skip: &(dyn Fn(&Job) -> bool + Sync),
    results: Sender<RunRecord>,
) -> io::Result<()> {
    let feed = Feed::new(
        jobs.into_iter().filter(|job| !skip(job)),
        Arc::new(AtomicBool::new(false)),
    );
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        scope.spawn(move || {
            for event in rx {
                if let Event::Finished { record, .. } = event
                    && results.send(record).is_err()
                {
                    break;
                }
            }
        });
        let outcome = run(config, &feed, &tx);
        drop(tx);
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_keep_their_heap_and_the_users_tunables_come_last() {
        let ours = worker_tunables(None);
        assert!(ours.contains("glibc.malloc.trim_threshold="));
        assert!(ours.contains("glibc.malloc.mmap_threshold="));
        assert_eq!(worker_tunables(Some("")), ours);
        assert_eq!(
            worker_tunables(Some("glibc.malloc.tcache_count=0")),
            format!("{ours}:glibc.malloc.tcache_count=0")
        );
    }
}
