//! Replays every pinned (test, seed, edition) of `scenarios/regressions.txt`
//! on the reference Raft; each must pass.

use raftapi::Raft as _;
use tester::{RunSpec, regressions, run};

#[test]
fn every_pinned_regression_passes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/regressions.txt");
    let text = std::fs::read_to_string(path).expect("scenarios/regressions.txt is readable");
    let pinned = regressions::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    for p in &pinned {
        let spec = RunSpec::new(p.test, p.seed, p.edition);
        let outcome = run(spec, Box::new(labraft::Raft::make));
        assert!(
            outcome.passed(),
            "{path}:{}: {}",
            p.line,
            outcome.report().unwrap_or_default()
        );
    }
    eprintln!("{} pinned regressions replayed", pinned.len());
}
