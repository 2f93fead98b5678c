//! Wall time of the whole suite on the reference Raft, one core, release:
//! `cargo bench -p tester`. Figures are ratios measured side by side in this
//! one run (suite wall time versus its virtual time), never timed assertions.

use raftapi::Raft as _;
use std::time::Instant;
use tester::{Budget, Edition, RunSpec, TESTS, run};

fn main() {
    let seeds: u64 = std::env::var("BENCH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    for edition in Edition::ALL {
        let mut per_test = vec![(0f64, 0u64, 0u64); TESTS.len()];
        let wall = Instant::now();
        for seed in 0..seeds {
            for (k, test) in TESTS.iter().enumerate() {
                let spec = RunSpec {
                    test,
                    seed,
                    edition,
                    budget: Budget::default(),
                };
                let t0 = Instant::now();
                let o = run(spec, Box::new(labraft::Raft::make));
                assert!(o.passed(), "{}", o.report().unwrap_or_default());
                per_test[k].0 += t0.elapsed().as_secs_f64();
                per_test[k].1 += o.virtual_ms;
                per_test[k].2 += o.events;
            }
        }
        let secs = wall.elapsed().as_secs_f64();
        let virtual_ms: u64 = per_test.iter().map(|p| p.1).sum();
        let events: u64 = per_test.iter().map(|p| p.2).sum();
        println!(
            "edition {edition}: {seeds} seeds x {} tests: {:.1} ms per seed of the whole suite; \
             {:.0} virtual s per seed; virtual/wall = {:.0}x; {:.1} M events/s",
            TESTS.len(),
            secs * 1000.0 / seeds as f64,
            virtual_ms as f64 / 1000.0 / seeds as f64,
            virtual_ms as f64 / 1000.0 / secs,
            events as f64 / secs / 1e6
        );
        for (test, (wall, virt, _)) in TESTS.iter().zip(&per_test) {
            println!(
                "  {:<34} {:>7.3} ms wall  {:>6.1} s virtual",
                test.name,
                wall * 1000.0 / seeds as f64,
                *virt as f64 / 1000.0 / seeds as f64
            );
        }
    }
}
