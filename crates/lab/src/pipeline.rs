//! A plain sweep's pool thread: one worker process fed [`DEPTH`] jobs ahead
//! and read directly, so that a run costs the parent one wake-up and the
//! worker none.
//!
//! ```text
//!  pool thread: job lines ──► worker stdin   (the next job already waits
//!       ▲                                     in the pipe when one ends)
//!       └── blocking read ◄── worker stdout  (one JSON line per job)
//!  watcher thread, every POLL: the running job's backstop, the interrupt;
//!       kills the worker when either is due, and says why
//! ```
//!
//! The jobs written to a worker run in order, so the oldest one without an
//! answer is the one running: a hang or a crash is that job's, and the jobs
//! queued behind it are written again to the next worker. A checked sweep
//! (`--check-determinism`) runs two of these per pool thread, one per side
//! (`crate::check_pool`).

use crate::pool::{self, Backstop, Event, Feed, JobEnd, PoolConfig};
use crate::record::{FailureRecord, Job, RunRecord};
use crate::worker::{Mode, job_line};
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant as WallClock;

/// Jobs written to a worker ahead of their turn: with two, the next job's
/// line is in the worker's pipe whenever it finishes one.
pub const DEPTH: usize = 2;

/// Where a pipeline's jobs come from: the sweep's [`Feed`], or (a checked
/// sweep's second side) the jobs the first side ran.
pub(crate) trait Source: Sync {
    /// The next job and its index; `None` when there are no more, or
    /// (unless `wait`) none yet: a caller with jobs queued does not wait.
    fn next(&self, wait: bool) -> Option<(u64, Job)>;
    /// The flag an interrupt sets.
    fn interrupt_flag(&self) -> &AtomicBool;
}

impl<I: Iterator<Item = Job> + Send> Source for Feed<I> {
    fn next(&self, _wait: bool) -> Option<(u64, Job)> {
        Feed::next(self)
    }
    fn interrupt_flag(&self) -> &AtomicBool {
        Feed::interrupt_flag(self)
    }
}

/// Which runs a pipeline's worker makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Plain runs.
    Plain,
    /// Checked runs, side A: the worker.
    Worker,
    /// Checked runs, side B: the checker, whose every process runs its
    /// first job once before it counts (so it has always run one run more
    /// than its worker).
    Checker,
}

impl Side {
    /// The mode of the `nth` job line written to one worker process.
    fn mode(self, nth: u64) -> Mode {
        match self {
            Side::Plain => Mode::Plain,
            Side::Worker => Mode::Check { warm: false },
            Side::Checker => Mode::Check { warm: nth == 0 },
        }
    }
}

/// Where a pipeline's events go; `false` when no one listens any more.
pub(crate) type Sink<'a> = &'a (dyn Fn(Event) -> bool + Sync);

/// Why the watcher killed a worker.
#[derive(Debug)]
enum Kill {
    /// The job with this index ran past the backstop.
    Hang(u64, FailureRecord),
    /// The sweep was interrupted.
    Interrupt,
}

/// What the pool thread and its watcher share.
#[derive(Default)]
struct Watched {
    /// The worker process (for the watcher to kill, the thread to reap).
    child: Option<Child>,
    /// The running job's index and its backstop.
    running: Option<(u64, Backstop)>,
    /// Why the watcher killed the current worker, if it did.
    killed: Option<Kill>,
    /// The pool thread has finished: the watcher leaves.
    done: bool,
}

/// The shared state and the condition that wakes the watcher early (when
/// the pool thread is done).
type Shared = (Mutex<Watched>, Condvar);

/// A worker's pipes (its process lives in [`Watched`]).
struct Pipes {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pid: u32,
    /// How many of the queued jobs were written to this worker.
    sent: usize,
    /// How many job lines were written to this worker in all.
    written: u64,
}

/// Runs the feed's jobs on one pipelined worker at a time (a new one after
/// a hang or a crash), sending every [`Event`]. `Err` if no worker starts.
pub(crate) fn drive(
    config: &PoolConfig,
    feed: &dyn Source,
    side: Side,
    events: Sink<'_>,
) -> io::Result<()> {
    let shared: Arc<Shared> = Arc::default();
    thread::scope(|scope| {
        let watcher = {
            let shared = Arc::clone(&shared);
            let interrupt = feed.interrupt_flag();
            scope.spawn(move || watch(&shared, config, interrupt))
        };
        let outcome = feed_worker(config, feed, side, events, &shared);
        let (lock, wake) = &*shared;
        let mut watched = lock.lock().expect("not poisoned");
        watched.done = true;
        if let Some(mut child) = watched.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        drop(watched);
        wake.notify_all();
        watcher.join().expect("the watcher does not panic");
        outcome
    })
}

/// The pool thread's loop: keep the worker [`DEPTH`] jobs ahead, read its
/// answers.
fn feed_worker(
    config: &PoolConfig,
    feed: &dyn Source,
    side: Side,
    events: Sink<'_>,
    shared: &Shared,
) -> io::Result<()> {
    let mut queue: VecDeque<(u64, Job)> = VecDeque::new();
    let mut pipes: Option<Pipes> = None;
    let mut running = None;
    loop {
        while queue.len() < DEPTH
            && let Some(next) = feed.next(queue.is_empty())
        {
            queue.push_back(next);
        }
        let Some(&(index, job)) = queue.front() else {
            break;
        };
        if running != Some(index) {
            running = Some(index);
            let _ = events(Event::Started { index, job });
        }
        let p = match pipes.as_mut() {
            Some(p) => p,
            None => match start(config, shared) {
                Ok(p) => pipes.insert(p),
                Err(e) => {
                    for (index, job) in queue {
                        let _ = events(Event::Dropped { index, job });
                    }
                    return Err(e);
                }
            },
        };
        write_queued(p, &queue, side);
        mark_running(shared, index, p.pid, config);
        let started = WallClock::now();
        let end = match read_answer(p) {
            Some(line) => pool::answer(job, &line, ms_since(started)),
            None => {
                pipes = None;
                match reap(shared, index) {
                    Reaped::Crash(status) => crashed(job, &status, ms_since(started)),
                    Reaped::Hang(failure) => {
                        JobEnd::Replace(RunRecord::lost(job, failure, ms_since(started)))
                    }
                    // A kill aimed at a job that had answered: the queue
                    // runs again on a new worker.
                    Reaped::Stale => continue,
                    Reaped::Interrupt => JobEnd::Dropped,
                }
            }
        };
        let event = match end {
            JobEnd::Done(record) => {
                if let Some(p) = pipes.as_mut() {
                    p.sent -= 1;
                }
                Event::Finished { index, record }
            }
            JobEnd::Replace(record) => {
                if pipes.take().is_some() {
                    let _ = reap(shared, index);
                }
                Event::Finished { index, record }
            }
            JobEnd::Dropped => {
                for (index, job) in queue.drain(..) {
                    let _ = events(Event::Dropped { index, job });
                }
                continue;
            }
        };
        queue.pop_front();
        if !events(event) {
            break;
        }
    }
    if let Some(p) = pipes {
        // Closing stdin ends the worker; `drive` reaps it.
        drop(p.stdin);
    }
    Ok(())
}

/// Starts a worker and hands its process to the watcher.
fn start(config: &PoolConfig, shared: &Shared) -> io::Result<Pipes> {
    let mut child = pool::worker_command(config).spawn()?;
    let pipes = Pipes {
        stdin: child.stdin.take().expect("piped stdin"),
        stdout: BufReader::new(child.stdout.take().expect("piped stdout")),
        pid: child.id(),
        sent: 0,
        written: 0,
    };
    let mut watched = shared.0.lock().expect("not poisoned");
    watched.child = Some(child);
    watched.running = None;
    watched.killed = None;
    Ok(pipes)
}

/// Writes the queued jobs this worker has not been given yet. A worker
/// that cannot be written to is dead: reading its answer says so.
fn write_queued(p: &mut Pipes, queue: &VecDeque<(u64, Job)>, side: Side) {
    if p.sent >= queue.len() {
        return;
    }
    let mut lines = String::new();
    let mut written = p.written;
    for &(_, job) in queue.iter().skip(p.sent) {
        lines.push_str(&job_line(job.test, job.seed, &side.mode(written)));
        written += 1;
    }
    if p.stdin.write_all(lines.as_bytes()).is_ok() && p.stdin.flush().is_ok() {
        p.sent = queue.len();
        p.written = written;
    }
}

/// The backstop watches job `index` from now on (unless it already does).
fn mark_running(shared: &Shared, index: u64, pid: u32, config: &PoolConfig) {
    let mut watched = shared.0.lock().expect("not poisoned");
    if watched.running.as_ref().is_none_or(|(i, _)| *i != index) {
        watched.running = Some((index, Backstop::new(pid, config.backstop())));
    }
}

/// The next answer line; `None` when the worker's output ended (it died,
/// or was killed).
fn read_answer(p: &mut Pipes) -> Option<String> {
    let mut line = String::new();
    match p.stdout.read_line(&mut line) {
        Ok(n) if n > 0 && line.ends_with('\n') => Some(line),
        _ => None,
    }
}

/// What became of a worker whose output ended while job `index` ran.
enum Reaped {
    /// It died on its own (with this status): the job crashed it.
    Crash(String),
    /// The watcher killed it: the job ran past the backstop.
    Hang(FailureRecord),
    /// The watcher killed it for a job that had answered meanwhile.
    Stale,
    /// The watcher killed it: the sweep was interrupted.
    Interrupt,
}

/// Kills (if need be) and reaps the worker; why it ended.
fn reap(shared: &Shared, index: u64) -> Reaped {
    let mut watched = shared.0.lock().expect("not poisoned");
    let status = watched.child.take().map(|mut child| {
        let _ = child.kill();
        child.wait()
    });
    watched.running = None;
    match watched.killed.take() {
        None => Reaped::Crash(match status {
            Some(Ok(status)) => status.to_string(),
            _ => "status unknown".to_string(),
        }),
        Some(Kill::Interrupt) => Reaped::Interrupt,
        Some(Kill::Hang(i, failure)) if i == index => Reaped::Hang(failure),
        Some(Kill::Hang(..)) => Reaped::Stale,
    }
}

/// The record of a job whose worker died under it.
fn crashed(job: Job, status: &str, wall_ms: f64) -> JobEnd {
    JobEnd::Replace(RunRecord::lost(job, pool::crash(status), wall_ms))
}

fn ms_since(started: WallClock) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// The watcher: every [`pool::POLL`], the interrupt flag and the running
/// job's backstop; kills the worker when one is due.
fn watch(shared: &Shared, config: &PoolConfig, interrupt: &AtomicBool) {
    let (lock, wake) = shared;
    let mut watched = lock.lock().expect("not poisoned");
    while !watched.done {
        watched = wake
            .wait_timeout(watched, pool::POLL)
            .expect("not poisoned")
            .0;
        if watched.done || watched.child.is_none() || watched.killed.is_some() {
            continue;
        }
        let kill = if interrupt.load(Ordering::SeqCst) {
            Some(Kill::Interrupt)
        } else {
            let Some((index, backstop)) = watched.running.as_mut() else {
                continue;
            };
            let index = *index;
            backstop
                .due(config.timeout)
                .map(|failure| Kill::Hang(index, failure))
        };
        if let Some(kill) = kill {
            if let Some(child) = watched.child.as_mut() {
                let _ = child.kill();
            }
            watched.killed = Some(kill);
        }
    }
}
