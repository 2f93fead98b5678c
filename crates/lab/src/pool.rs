//! The parent side of a sweep: worker processes, each fed one job at a time
//! under a wall-clock watchdog.
//!
//! Each of `jobs` threads owns one child process (`lab [--raft N] worker
//! ...`), takes the next job from a shared queue, writes it to the child's
//! stdin and waits for the child's JSON line with a timeout. A child that
//! does not answer in time is killed and the job recorded as a hang; a child
//! that dies (abort, stack overflow) is recorded as a crash. Either way a new
//! child is started and the sweep goes on. Results go to the caller's
//! channel as they come; the caller sorts them.

use crate::record::{FailKind, Job, RunRecord};
use crate::worker::job_line;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant as WallClock};

/// How to start a worker and how long it may take per job.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// The executable (this one).
    pub exe: PathBuf,
    /// Its arguments (`--raft N worker --edition E ...`).
    pub args: Vec<OsString>,
    /// Wall-clock limit per job.
    pub timeout: Duration,
    /// Number of workers.
    pub jobs: usize,
}

/// A running worker process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<io::Result<String>>,
}

impl Worker {
    fn spawn(config: &PoolConfig) -> io::Result<Worker> {
        let mut child = Command::new(&config.exe)
            .args(&config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
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

    /// Runs one job; `Err` (with the job's record) when the worker must be
    /// replaced.
    fn run(&mut self, job: Job, timeout: Duration) -> Result<RunRecord, Box<RunRecord>> {
        let started = WallClock::now();
        let sent = self
            .stdin
            .write_all(job_line(job.test, job.seed).as_bytes())
            .and_then(|()| self.stdin.flush());
        let answer = match sent {
            Ok(()) => self.lines.recv_timeout(timeout),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        match answer {
            Ok(Ok(line)) => serde_json::from_str(&line).map_err(|e| {
                let message = format!("unreadable worker output ({e}): {line}");
                Box::new(RunRecord::lost(job, FailKind::Crash, message, wall_ms))
            }),
            Err(RecvTimeoutError::Timeout) => {
                let message = format!(
                    "no result after {} ms of wall-clock time: the Raft never returned (killed)",
                    timeout.as_millis()
                );
                Err(Box::new(RunRecord::lost(
                    job,
                    FailKind::Hang,
                    message,
                    wall_ms,
                )))
            }
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                let status = self.kill();
                let message =
                    format!("the worker process died ({status}): abort or stack overflow");
                Err(Box::new(RunRecord::lost(
                    job,
                    FailKind::Crash,
                    message,
                    wall_ms,
                )))
            }
        }
    }

    /// Kills the child (if still running) and reaps it; returns its status.
    fn kill(&mut self) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("status unknown: {e}"),
        }
    }

    /// Closes stdin so the worker exits, and reaps it.
    fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// Runs `jobs` on worker processes; sends every result on `results` as it
/// comes. A job for which `skip` holds when its turn comes is dropped without
/// a result (how `sweep --fail-fast` stops and `mutants` stops a bug early).
/// Returns when every handed-out job has a result.
pub fn run_all(
    config: &PoolConfig,
    jobs: Vec<Job>,
    skip: &(dyn Fn(&Job) -> bool + Sync),
    results: Sender<RunRecord>,
) -> io::Result<()> {
    let queue = Mutex::new(VecDeque::from(jobs));
    let threads = config.jobs.max(1);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (queue, results) = (&queue, results.clone());
                scope.spawn(move || drive(config, queue, skip, &results))
            })
            .collect();
        drop(results);
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

/// One pool thread: one worker at a time, replaced when it hangs or dies.
fn drive(
    config: &PoolConfig,
    queue: &Mutex<VecDeque<Job>>,
    skip: &(dyn Fn(&Job) -> bool + Sync),
    results: &Sender<RunRecord>,
) -> io::Result<()> {
    let mut worker: Option<Worker> = None;
    loop {
        let Some(job) = queue.lock().expect("queue lock").pop_front() else {
            break;
        };
        if skip(&job) {
            continue;
        }
        let current = match worker.as_mut() {
            Some(w) => w,
            None => worker.insert(Worker::spawn(config)?),
        };
        let record = match current.run(job, config.timeout) {
            Ok(record) => record,
            Err(record) => {
                if let Some(mut dead) = worker.take() {
                    dead.kill();
                }
                *record
            }
        };
        if results.send(record).is_err() {
            break;
        }
    }
    if let Some(w) = worker {
        w.close();
    }
    Ok(())
}
