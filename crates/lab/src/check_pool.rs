//! A checked sweep's pool (`--check-determinism`): each pool thread's jobs
//! run on two pipelined workers, the worker (side A) and its checker (side
//! B), and the two records of each job are compared ([`crate::check`]).
//!
//! ```text
//!  feed ──► tee k ──► worker k (pipeline, side A) ──► A's record ─┐
//!             └──► mirror k ──► checker k (side B) ──► B's record ─┴─► pair: settle ─► sweep
//! ```
//!
//! Checker k runs exactly the jobs worker k takes, in the same order; the
//! worker takes them from the feed a few at a time and the checker gets
//! each batch at once, so that neither process waits for the other and
//! both are woken about as seldom as a plain worker. The checker's process
//! has always run one run more than the worker's (its first job is run
//! once before it counts): a `static` that counts runs differs between the
//! two every time.
//! A job that hung or crashed on side A is settled with A's record (there
//! is nothing to compare; B's record is dropped). Both sides are fed ahead
//! of their turn ([`crate::pipeline`]): a checked sweep costs two plain
//! ones, not more. A pair that differs is described again on two fresh
//! processes, the checker's after one run more
//! ([`crate::check::settle_apart`]).

use crate::pipeline::{self, Side, Source};
use crate::pool::{EVENT_PAUSE, Event, Feed, POLL, PoolConfig};
use crate::record::{Job, RunRecord};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Condvar, Mutex};
use std::thread;

/// The jobs worker k took, for checker k, in order.
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

/// How many jobs a worker holds taken from the feed: the checker gets
/// them as they are taken, so that it never waits for its worker (a process that
/// waits, sleeps and wakes again costs more CPU per run).
const RESERVE: usize = 16;

/// Side A's source: the feed, up to [`RESERVE`] jobs held ahead, each
/// handed to the mirror as it is taken.
struct Tee<'a, I> {
    feed: &'a Feed<I>,
    mirror: &'a Mirror<'a>,
    reserved: Mutex<VecDeque<(u64, Job)>>,
}

impl<I: Iterator<Item = Job> + Send> Source for Tee<'_, I> {
    fn next(&self, wait: bool) -> Option<(u64, Job)> {
        if self.feed.stopped() {
            // An interrupt or `--fail-fast`: the jobs held are not run;
            // they are dropped when the worker's pipeline ends.
            return None;
        }
        let mut reserved = self.reserved.lock().expect("not poisoned");
        // Topped up while half remains, so that a checker running ahead of
        // its worker still finds jobs; waits only when none remain.
        if reserved.len() <= RESERVE / 2 {
            let mut wait = wait && reserved.is_empty();
            while reserved.len() < RESERVE
                && let Some((index, job)) = Source::next(self.feed, wait)
            {
                self.mirror.push(index, job);
                reserved.push_back((index, job));
                wait = false;
            }
        }
        reserved.pop_front()
    }

    fn interrupt_flag(&self) -> &AtomicBool {
        Source::interrupt_flag(self.feed)
    }
}

/// What the two sides' threads report to the pairing loop.
enum Tagged {
    /// An event of a worker (side A).
    Worker(Event),
    /// An event of a checker (side B).
    Checker(Event),
    /// A side's thread ended (`Side::Worker` with its k).
    Ended(Side, usize, io::Result<()>),
}

/// The worker-and-checker pairs of a checked sweep on `jobs` processes.
pub(crate) fn pairs(jobs: usize) -> usize {
    (jobs / 2).max(1)
}

/// Runs the feed's jobs on [`pairs`] worker-and-checker pairs, sending
/// every [`Event`] (one `Finished` per job, the pair settled). Returns when
/// every job handed out has ended; `Err` if a worker cannot be started.
pub(crate) fn run<I: Iterator<Item = Job> + Send>(
    config: &PoolConfig,
    feed: &Feed<I>,
    events: &Sender<Event>,
) -> io::Result<()> {
    // `jobs` processes in all, a worker and its checker per pair (two at
    // the least): more processes than cores share each core's cache, and a
    // checked sweep cost a tenth more CPU with twice as many.
    let threads = pairs(config.jobs);
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
                    to_pair.send(Tagged::Worker(e)).is_ok()
                };
                let tee = Tee {
                    feed,
                    mirror,
                    reserved: Mutex::default(),
                };
                let ended = pipeline::drive(config, &tee, Side::Worker, &sink);
                // Jobs taken but never run (an interrupt, `--fail-fast`, or no
                // worker could start) are reported as dropped, as the
                // pipeline's own are.
                for (index, job) in tee.reserved.into_inner().expect("not poisoned") {
                    sink(Event::Dropped { index, job });
                }
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
        // The workers' sinks already stop the feed at a failure (a settled
        // failure is side A's).
        let sink = |e: Event| events.send(e).is_ok();
        pair(config, interrupt, &mirrors, rx, &sink)
    })
}

/// Records waiting for their other side, by job index.
#[derive(Default)]
struct Pending {
    /// The jobs side A started.
    jobs: BTreeMap<u64, Job>,
    /// Side A's records (with a check hash) waiting for side B's.
    a: BTreeMap<u64, RunRecord>,
    /// Side B's records waiting for side A's (`None`: B dropped the job).
    b: BTreeMap<u64, Option<RunRecord>>,
    /// Jobs settled without side B (A hung, crashed or dropped them): B's
    /// record, if one comes, is not needed.
    settled: BTreeSet<u64>,
}

impl Pending {
    /// The event for job `index` once both sides are in (B's `None`: it
    /// dropped the job).
    fn settle(
        &mut self,
        index: u64,
        a: RunRecord,
        b: Option<RunRecord>,
        config: &PoolConfig,
        interrupt: &AtomicBool,
    ) -> Event {
        let job = self.jobs.remove(&index).expect("side A started it");
        match b.and_then(|b| crate::check::settle_apart(a, b, job, config, interrupt)) {
            Some(record) => Event::Finished { index, record },
            None => Event::Dropped { index, job },
        }
    }

    /// Side A's end of job `index`: an event when the job is settled.
    fn side_a(
        &mut self,
        event: Event,
        config: &PoolConfig,
        interrupt: &AtomicBool,
    ) -> Option<Event> {
        match event {
            Event::Started { index, job } => {
                self.jobs.insert(index, job);
                Some(Event::Started { index, job })
            }
            Event::Finished { index, record } if record.check_hash.is_some() => {
                match self.b.remove(&index) {
                    Some(b) => Some(self.settle(index, record, b, config, interrupt)),
                    None => {
                        self.a.insert(index, record);
                        None
                    }
                }
            }
            Event::Finished { index, .. } | Event::Dropped { index, .. } => {
                self.jobs.remove(&index);
                if self.b.remove(&index).is_none() {
                    self.settled.insert(index);
                }
                Some(event)
            }
        }
    }

    /// Side B's end of job `index` (`None`: dropped).
    fn side_b(
        &mut self,
        index: u64,
        b: Option<RunRecord>,
        config: &PoolConfig,
        interrupt: &AtomicBool,
    ) -> Option<Event> {
        if self.settled.remove(&index) {
            return None;
        }
        match self.a.remove(&index) {
            Some(a) => Some(self.settle(index, a, b, config, interrupt)),
            None => {
                self.b.insert(index, b);
                None
            }
        }
    }
}

/// The pairing loop: forwards side A's progress and settles each job when
/// both records are in.
fn pair(
    config: &PoolConfig,
    interrupt: &AtomicBool,
    mirrors: &[Mirror],
    tagged: Receiver<Tagged>,
    events: pipeline::Sink<'_>,
) -> io::Result<()> {
    let mut pending = Pending::default();
    let mut first_error = Ok(());
    // Blocks for the first message, then takes what else came, then lets
    // more gather ([`EVENT_PAUSE`]): side B is fed without this loop.
    while let Ok(first) = tagged.recv() {
        for message in std::iter::once(first).chain(tagged.try_iter()) {
            let event = match message {
                Tagged::Worker(event) => pending.side_a(event, config, interrupt),
                Tagged::Checker(Event::Started { .. }) => None,
                Tagged::Checker(Event::Finished { index, record }) => {
                    pending.side_b(index, Some(record), config, interrupt)
                }
                Tagged::Checker(Event::Dropped { index, .. }) => {
                    pending.side_b(index, None, config, interrupt)
                }
                Tagged::Ended(side, k, ended) => {
                    if side == Side::Worker {
                        mirrors[k].close();
                    }
                    if first_error.is_ok() {
                        first_error = ended;
                    }
                    None
                }
            };
            if let Some(event) = event {
                let _ = events(event);
            }
        }
        thread::sleep(EVENT_PAUSE);
    }
    // Jobs side A finished that side B never ran (an interrupt, or no
    // checker could start).
    for index in pending.a.into_keys() {
        if let Some(job) = pending.jobs.remove(&index) {
            let _ = events(Event::Dropped { index, job });
        }
    }
    first_error
}

#[cfg(test)]
mod tests {
    use super::pairs;

    #[test]
    fn a_checked_sweep_runs_as_many_processes_as_jobs_and_at_least_two() {
        assert_eq!(pairs(1), 1);
        assert_eq!(pairs(2), 1);
        assert_eq!(pairs(3), 1);
        assert_eq!(pairs(4), 2);
        assert_eq!(pairs(0), 1);
    }
}
