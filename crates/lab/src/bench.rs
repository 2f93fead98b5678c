//! `lab bench`: what the suite costs against what the bare simulator costs,
//! measured in this process, in CPU time (the machine may be shared, so wall
//! time says little).
//!
//! For each part (and the whole selection): CPU ms per seed (one seed of
//! every selected test of the part), wall ms per seed beside it, simulator
//! events per seed, and the ratio of the CPU per seed to its *limit*: the
//! events per seed times the bare simulator's CPU ns per event, measured on
//! [`labrpc::pingpong`] in this same run (before and after the suite). A
//! ratio of 1 would mean the Raft and the tester cost nothing beside the
//! events they cause.

use crate::cli::{self, BenchArgs, Usage};
use crate::report::Exit;
use crate::worker::{quiet_panics, run_one};
use raftapi::Raft;
use std::collections::BTreeMap;
use std::time::Instant as WallClock;
use tester::Factory;
use tester::registry::Part;

/// Virtual ms of each bare ping/pong run (about 3 M events, reliable).
const BARE_VIRTUAL_MS: u64 = 50_000;

/// Sums over a set of runs.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    runs: u64,
    failed: u64,
    cpu_ns: u64,
    wall_ms: f64,
    virtual_ms: u64,
    events: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.runs += other.runs;
        self.failed += other.failed;
        self.cpu_ns += other.cpu_ns;
        self.wall_ms += other.wall_ms;
        self.virtual_ms += other.virtual_ms;
        self.events += other.events;
    }

    /// One table row; a "seed" is one seed of every selected test of the
    /// row (the whole part, or the whole selection), so `seeds` is the
    /// number of seeds benched, not the number of runs.
    fn row(&self, name: &str, seeds: u64, bare_ns_per_event: f64) -> String {
        let seeds = seeds.max(1) as f64;
        let cpu_ms = self.cpu_ns as f64 / 1e6 / seeds;
        let events = self.events as f64 / seeds;
        let limit_ms = events * bare_ns_per_event / 1e6;
        format!(
            "{name:<8} {:>5} {:>6} {:>11.3} {:>11.3} {:>11.0} {:>11.3} {:>7.2}x {:>12.0}",
            self.runs,
            self.failed,
            cpu_ms,
            self.wall_ms / seeds,
            events,
            limit_ms,
            cpu_ms / limit_ms.max(1e-9),
            self.virtual_ms as f64 / (self.cpu_ns as f64 / 1e6).max(1e-3),
        )
    }
}

/// The CPU time this thread has used, in ns, or `None` where the kernel does
/// not say (not Linux): then wall time stands in, and the output says so.
///
/// Linux's `/proc/thread-self/schedstat` starts with the thread's time on a
/// CPU in ns, but only as of the scheduler's last update (up to a tick, a
/// few ms, stale). Yielding first makes the scheduler account the running
/// slice, so the figure is exact at the call (std alone, no unsafe).
fn thread_cpu_ns() -> Option<u64> {
    std::thread::yield_now();
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// A CPU stopwatch (wall time where CPU time is not available).
struct Stopwatch {
    cpu_ns: Option<u64>,
    wall: WallClock,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            cpu_ns: thread_cpu_ns(),
            wall: WallClock::now(),
        }
    }

    /// CPU ns since the start or the last lap; restarts the stopwatch.
    fn lap(&mut self) -> u64 {
        let next = Stopwatch::start();
        let ns = match (self.cpu_ns, next.cpu_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => next.wall.duration_since(self.wall).as_nanos() as u64,
        };
        *self = next;
        ns
    }
}

/// The bare simulator's CPU ns per event: reliable and unreliable ping/pong,
/// events and CPU time added up.
#[derive(Clone, Copy, Debug, Default)]
struct Bare {
    events: u64,
    cpu_ns: u64,
}

impl Bare {
    fn measure(&mut self) {
        let mut watch = Stopwatch::start();
        for reliable in [true, false] {
            self.events += labrpc::pingpong::run(reliable, BARE_VIRTUAL_MS).events;
        }
        self.cpu_ns += watch.lap();
    }

    fn ns_per_event(&self) -> f64 {
        self.cpu_ns as f64 / self.events.max(1) as f64
    }
}

/// `lab bench [FILTER] [--seeds N]`.
pub fn main<R: Raft>(
    args: &BenchArgs,
    make: fn() -> Factory<R>,
    raft: Option<&str>,
) -> Result<Exit, Usage> {
    let tests = cli::select(&args.filter)?;
    quiet_panics();
    if cfg!(debug_assertions) {
        crate::out::line(format_args!(
            "warning: a debug build; bench a release build (cargo run --release -p lab -- bench)"
        ));
    }
    if thread_cpu_ns().is_none() {
        crate::out::line(format_args!(
            "warning: no per-thread CPU time here; the CPU columns are wall time"
        ));
    }
    let mut bare = Bare::default();
    bare.measure();
    let mut parts: BTreeMap<Part, Totals> = BTreeMap::new();
    let mut watch = Stopwatch::start();
    for test in tests {
        let t = parts.entry(test.part).or_default();
        for k in 0..args.seeds {
            let spec = args.common.spec(test, args.from.wrapping_add(k));
            let (_, record) = run_one(spec, make, raft);
            t.runs += 1;
            t.failed += u64::from(!record.passed);
            t.wall_ms += record.wall_ms;
            t.virtual_ms += record.virtual_ms;
            t.events += record.events;
        }
        // One lap per test: laps telescope, so the parts add up exactly.
        t.cpu_ns += watch.lap();
    }
    bare.measure();
    print_table(&parts, args.seeds, bare);
    Ok(Exit::Passed)
}

fn print_table(parts: &BTreeMap<Part, Totals>, seeds: u64, bare: Bare) {
    let ns = bare.ns_per_event();
    crate::out::line(format_args!(
        "{:<8} {:>5} {:>6} {:>11} {:>11} {:>11} {:>11} {:>8} {:>12}",
        "part",
        "runs",
        "failed",
        "cpu ms/seed",
        "wall ms/seed",
        "events/seed",
        "limit ms",
        "ratio",
        "virtual/cpu"
    ));
    let mut suite = Totals::default();
    let mut all = Totals::default();
    for (part, t) in parts {
        crate::out::line(format_args!("{}", t.row(&part.to_string(), seeds, ns)));
        if *part != Part::Scenario {
            suite.add(t);
        }
        all.add(t);
    }
    if parts.contains_key(&Part::Scenario) && suite.runs > 0 {
        crate::out::line(format_args!("{}", suite.row("tests", seeds, ns)));
    }
    crate::out::line(format_args!("{}", all.row("all", seeds, ns)));
    crate::out::line(format_args!(
        "bare simulator (labrpc ping/pong, reliable + unreliable, {} events): {ns:.1} ns/event CPU",
        bare.events
    ));
    crate::out::line(format_args!(
        "limit = events/seed x {ns:.1} ns; ratio = cpu ms/seed / limit (target: at most 3x for the tests)"
    ));
}
