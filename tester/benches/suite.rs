//! Wall time of the whole suite on the reference Raft, one core, release:
//! `cargo bench -p tester` (`BENCH_SEEDS`, `BENCH_ROUNDS` to change the size).
//! Each round runs all 28 tests on the same seeds; the fastest round is the
//! least disturbed by other work on the machine, so it is the headline, with
//! the median beside it. Figures are ratios measured side by side in this one
//! run (suite wall time versus its virtual time), never timed assertions.

use raftapi::Raft as _;
use std::time::Instant;
use tester::{Edition, RunSpec, TESTS, run};

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One round: every test on every seed; returns per-test (wall s, virtual
/// ms, events) sums.
fn round(edition: Edition, seeds: u64) -> Vec<(f64, u64, u64)> {
    let mut per_test = vec![(0f64, 0u64, 0u64); TESTS.len()];
    for seed in 0..seeds {
        for (k, test) in TESTS.iter().enumerate() {
            let spec = RunSpec::new(test, seed, edition);
            let t0 = Instant::now();
            let o = run(spec, Box::new(labraft::Raft::make));
            assert!(o.passed(), "{}", o.report().unwrap_or_default());
            per_test[k].0 += t0.elapsed().as_secs_f64();
            per_test[k].1 += o.virtual_ms;
            per_test[k].2 += o.events;
        }
    }
    per_test
}

fn main() {
    let seeds = env_or("BENCH_SEEDS", 10);
    let rounds = env_or("BENCH_ROUNDS", 5).max(1);
    for edition in Edition::ALL {
        let mut results: Vec<Vec<(f64, u64, u64)>> =
            (0..rounds).map(|_| round(edition, seeds)).collect();
        results.sort_by(|a, b| {
            let (wa, wb) = (
                a.iter().map(|p| p.0).sum::<f64>(),
                b.iter().map(|p| p.0).sum::<f64>(),
            );
            wa.total_cmp(&wb)
        });
        let total = |r: &Vec<(f64, u64, u64)>| r.iter().map(|p| p.0).sum::<f64>();
        let best = &results[0];
        let secs = total(best);
        let median = total(&results[results.len() / 2]);
        let virtual_ms: u64 = best.iter().map(|p| p.1).sum();
        let events: u64 = best.iter().map(|p| p.2).sum();
        println!(
            "edition {edition}: {seeds} seeds x {} tests, best of {rounds} rounds: {:.1} ms per seed of the \
             whole suite (median {:.1}); {:.0} virtual s per seed; virtual/wall = {:.0}x; {:.2} M events/s",
            TESTS.len(),
            secs * 1000.0 / seeds as f64,
            median * 1000.0 / seeds as f64,
            virtual_ms as f64 / 1000.0 / seeds as f64,
            virtual_ms as f64 / 1000.0 / secs,
            events as f64 / secs / 1e6
        );
        for (test, (wall, virt, _)) in TESTS.iter().zip(best) {
            println!(
                "  {:<34} {:>7.3} ms wall  {:>6.1} s virtual",
                test.name,
                wall * 1000.0 / seeds as f64,
                *virt as f64 / 1000.0 / seeds as f64
            );
        }
    }
}
