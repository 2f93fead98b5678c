//! A checked sweep's pool (`--check-determinism`): each pool thread's jobs
//! run on two pipelined workers, the worker (side A) and its checker (side
//! B), and the two records of each job are compared ([`crate::check`]).
//!
//! ```text
//!  feed ──► worker k (pipeline, side A) ──► A's record ─┐
//!             │ a job A finished with a check hash        ├─► pair: settle ─► sweep
//!             └──► mirror k ──► checker k (side B) ──► B's record ─┘
//! ```
//!
//! Checker k runs exactly the jobs worker k finished, in the same order, so
//! its process has always run one run more than the worker's (its first job
//! is run once before it counts): a `static` that counts runs differs
//! between the two every time. A job that hung or crashed on side A is not
//! run on side B (nothing to compare). Both sides are fed ahead of their
//! turn ([`crate::pipeline`]): a checked sweep costs two plain ones, not
//! more. A pair that differs is described again on two fresh processes,
//! the checker's after one run more ([`crate::check::settle_apart`]).

use crate::pipeline::{self, Side, Source};
use crate::pool::{Event, Feed, POLL, PoolConfig};
use crate::record::{Job, RunRecord};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Condvar, Mutex};
use std::thread;

/// The jobs worker k finished, for checker k, in order.
struct Mirror<'a> {
    queue: Mutex<(VecDeque<(u64, Job)>, bool)>,
    ready: Condvar,
    interrupt: &'a AtomicBool,
}

impl<'a> Mirror<'a> {
    fn new(interrupt: &'a AtomicBool) -> Mirror<'a> {
        Mirror {
            queue: Mutex::new((VecDeque::new(), false)),
            ready: Condvar::new(),
            interrupt,
        }
    }

    fn push(&self, index: u64, job: Job) {
        self.queue
            .lock()
            .expect("not poisoned")
            .0
            .push_back((index, job));
        self.ready.notify_one();
    }

    /// No more jobs will come: the checker ends once it has run the rest.
    fn close(&self) {
        self.queue.lock().expect("not poisoned").1 = true;
        self.ready.notify_all();
    }
}

impl Source for Mirror<'_> {
    fn next(&self, wait: bool) -> Option<(u64, Job)> {
        let mut queue = self.queue.lock().expect("not poisoned");
        loop {
            if self.interrupt.load(Ordering::SeqCst) {
                return None;
            }
            if let Some(next) = queue.0.pop_front() {
                return Some(next);
            }
            if queue.1 || !wait {
                return None;
            }
            queue = self
                .ready
                .wait_timeout(queue, POLL)
                .expect("not poisoned")
                .0;
        }
    }

    fn interrupt_flag(&self) -> &AtomicBool {
        self.interrupt
    }
}

/// What the two sides' threads report to the pairing loop.
enum Tagged {
    /// An event of worker k (side A).
    Worker(usize, Event),
    /// An event of a checker (side B).
    Checker(Event),
    /// A side's thread ended (`Side::Worker` with its k).
    Ended(Side, usize, io::Result<()>),
}

/// Runs the feed's jobs on `config.jobs` worker-and-checker pairs, sending
/// every [`Event`] (one `Finished` per job, the pair settled). Returns when
/// every job handed out has ended; `Err` if a worker cannot be started.
pub(crate) fn run<I: Iterator<Item = Job> + Send>(
    config: &PoolConfig,
    feed: &Feed<I>,
    events: &Sender<Event>,
) -> io::Result<()> {
    let threads = config.jobs.max(1);
    let interrupt = pipeline::Source::interrupt_flag(feed);
    let mirrors: Vec<Mirror> = (0..threads).map(|_| Mirror::new(interrupt)).collect();
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for (k, mirror) in mirrors.iter().enumerate() {
            let to_pair = tx.clone();
            scope.spawn(move || {
                let sink = |e| {
                    // Side A's failure stops the feed at once (`--fail-fast`):
                    // the pair settles it later.
                    feed.note(&e);
                    to_pair.send(Tagged::Worker(k, e)).is_ok()
                };
                let ended = pipeline::drive(config, feed, Side::Worker, &sink);
                let _ = to_pair.send(Tagged::Ended(Side::Worker, k, ended));
            });
            let to_pair = tx.clone();
            scope.spawn(move || {
                let sink = |e| to_pair.send(Tagged::Checker(e)).is_ok();
                let ended = pipeline::drive(config, mirror, Side::Checker, &sink);
                let _ = to_pair.send(Tagged::Ended(Side::Checker, k, ended));
            });
        }
        drop(tx);
        let sink = |e: Event| {
            feed.note(&e);
            events.send(e).is_ok()
        };
        pair(config, interrupt, &mirrors, rx, &sink)
    })
}

/// The pairing loop: forwards side A's progress, hands its finished jobs to
/// side B, and settles each job when both records are in.
fn pair(
    config: &PoolConfig,
    interrupt: &AtomicBool,
    mirrors: &[Mirror],
    tagged: Receiver<Tagged>,
    events: pipeline::Sink<'_>,
) -> io::Result<()> {
    let mut jobs: BTreeMap<u64, Job> = BTreeMap::new();
    let mut waiting: BTreeMap<u64, RunRecord> = BTreeMap::new();
    let mut first_error = Ok(());
    for message in tagged {
        let event = match message {
            Tagged::Worker(_, Event::Started { index, job }) => {
                jobs.insert(index, job);
                Event::Started { index, job }
            }
            Tagged::Worker(k, Event::Finished { index, record }) if record.check_hash.is_some() => {
                mirrors[k].push(index, jobs[&index]);
                waiting.insert(index, record);
                continue;
            }
            Tagged::Worker(_, Event::Finished { index, record }) => {
                jobs.remove(&index);
                Event::Finished { index, record }
            }
            Tagged::Worker(_, Event::Dropped { index, job }) => {
                jobs.remove(&index);
                Event::Dropped { index, job }
            }
            Tagged::Checker(Event::Started { .. }) => continue,
            Tagged::Checker(Event::Finished { index, record: b }) => {
                let (Some(a), Some(job)) = (waiting.remove(&index), jobs.remove(&index)) else {
                    continue;
                };
                match crate::check::settle_apart(a, &b, job, config, interrupt) {
                    Some(record) => Event::Finished { index, record },
                    None => Event::Dropped { index, job },
                }
            }
            Tagged::Checker(Event::Dropped { index, job }) => {
                waiting.remove(&index);
                jobs.remove(&index);
                Event::Dropped { index, job }
            }
            Tagged::Ended(side, k, ended) => {
                if side == Side::Worker {
                    mirrors[k].close();
                }
                if first_error.is_ok() {
                    first_error = ended;
                }
                continue;
            }
        };
        let _ = events(event);
    }
    // Jobs side A finished that side B never ran (an interrupt, or no
    // checker could start).
    for index in waiting.into_keys() {
        if let Some(job) = jobs.remove(&index) {
            let _ = events(Event::Dropped { index, job });
        }
    }
    first_error
}
