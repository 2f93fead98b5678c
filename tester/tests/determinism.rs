//! Same seed, same trace hash: for every ported test in every edition
//! (2024, 2025, 2026), twice in a row, and inside a whole-suite run versus
//! alone.

use raftapi::Raft as _;
use tester::{Edition, RunSpec, TESTS, run};

fn hash_of(test: &'static tester::TestDef, seed: u64, edition: Edition) -> (u64, u64, bool) {
    let spec = RunSpec::new(test, seed, edition);
    let o = run(spec, Box::new(labraft::Raft::make));
    (o.trace_hash, o.events, o.passed())
}

#[test]
fn every_test_has_the_same_trace_hash_on_the_same_seed() {
    for edition in Edition::ALL {
        for test in TESTS.iter() {
            let a = hash_of(test, 0xd1, edition);
            let b = hash_of(test, 0xd1, edition);
            assert_eq!(a, b, "{} ({edition}) is not deterministic", test.name);
            assert!(a.1 > 0, "{} simulated nothing", test.name);
        }
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let test = tester::registry::find("TestReElection3A").unwrap();
    let hashes: std::collections::BTreeSet<u64> = (0..20)
        .map(|s| hash_of(test, s, Edition::default()).0)
        .collect();
    assert_eq!(hashes.len(), 20);
}

#[test]
fn a_test_alone_replays_what_the_whole_suite_did() {
    // The suite in file order, seed 7, then each test alone in reverse order.
    for edition in Edition::ALL {
        let suite: Vec<_> = TESTS.iter().map(|t| hash_of(t, 7, edition)).collect();
        for (i, test) in TESTS.iter().enumerate().rev() {
            let alone = hash_of(test, 7, edition);
            assert_eq!(alone, suite[i], "{} ({edition})", test.name);
        }
    }
}
