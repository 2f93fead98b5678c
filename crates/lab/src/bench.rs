//! `lab bench`: the simulator's throughput, in this process, one run after
//! another: wall ms per seed (one seed of every selected test in the part),
//! seeds per second, virtual-to-wall time ratio
//! and simulator events per second, for the whole selection and each part.

use crate::cli::{self, BenchArgs, Usage};
use crate::report::Exit;
use crate::worker::{quiet_panics, run_one};
use raftapi::Raft;
use std::collections::BTreeMap;
use tester::Factory;
use tester::registry::Part;

/// Sums over a set of runs.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    runs: u64,
    failed: u64,
    wall_ms: f64,
    virtual_ms: u64,
    events: u64,
}

impl Totals {
    /// One table row; a "seed" is one seed of every selected test of the
    /// row (the whole part, or the whole selection), so `seeds` is the
    /// number of seeds benched, not the number of runs.
    fn row(&self, name: &str, seeds: u64) -> String {
        let wall_s = self.wall_ms.max(1e-3) / 1000.0;
        format!(
            "{name:<8} {:>6} {:>6} {:>12.3} {:>10.1} {:>14.0} {:>14.0}",
            self.runs,
            self.failed,
            self.wall_ms / seeds.max(1) as f64,
            seeds as f64 / wall_s,
            self.virtual_ms as f64 / self.wall_ms.max(1e-3),
            self.events as f64 / wall_s,
        )
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
        println!(
            "warning: a debug build; bench a release build (cargo run --release -p lab -- bench)"
        );
    }
    let mut parts: BTreeMap<Part, Totals> = BTreeMap::new();
    for test in tests {
        for k in 0..args.seeds {
            let spec = args.common.spec(test, args.from.wrapping_add(k));
            let (_, record) = run_one(spec, make, raft);
            let t = parts.entry(test.part).or_default();
            t.runs += 1;
            t.failed += u64::from(!record.passed);
            t.wall_ms += record.wall_ms;
            t.virtual_ms += record.virtual_ms;
            t.events += record.events;
        }
    }
    println!(
        "{:<8} {:>6} {:>6} {:>12} {:>10} {:>14} {:>14}",
        "part", "runs", "failed", "wall ms/seed", "seeds/s", "virtual/wall", "events/s"
    );
    let mut all = Totals::default();
    for (part, t) in &parts {
        println!("{}", t.row(&part.to_string(), args.seeds));
        all.runs += t.runs;
        all.failed += t.failed;
        all.wall_ms += t.wall_ms;
        all.virtual_ms += t.virtual_ms;
        all.events += t.events;
    }
    println!("{}", all.row("all", args.seeds));
    Ok(Exit::Passed)
}
