//! Quick evidence that the tester catches an injected labraft bug: the 3A
//! tests on labraft with `Bugs` chosen at run time. Without bugs they pass,
//! and `make_with_bugs` with no bug runs exactly as `make` (same trace hash).

use labraft::{Bug, Bugs, Raft, Tuning};
use tester::failure::Kind;
use tester::{Edition, Factory, Outcome, RunSpec, registry, run};

/// The user seeds tried per test.
const SEEDS: [u64; 3] = [1, 2, 3];

fn with_bugs(bugs: Bugs) -> Factory<Raft> {
    Box::new(move |c, p, o| Raft::make_with_bugs(c, p, Tuning::default(), bugs, o))
}

fn run_3a(name: &str, seed: u64, factory: Factory<Raft>) -> Outcome {
    let spec = RunSpec::new(
        registry::find(name).expect("a registered test"),
        seed,
        Edition::default(),
    );
    run(spec, factory)
}

const PART_A: [&str; 3] = [
    "TestInitialElection3A",
    "TestReElection3A",
    "TestManyElections3A",
];

#[test]
fn without_bugs_3a_passes_and_make_with_bugs_is_make() {
    for name in PART_A {
        for seed in SEEDS {
            let plain = run_3a(name, seed, Box::new(<Raft as raftapi::Raft>::make));
            let none = run_3a(name, seed, with_bugs(Bugs::default()));
            assert!(plain.passed(), "{}", plain.report().unwrap_or_default());
            assert!(none.passed(), "{}", none.report().unwrap_or_default());
            assert_eq!(
                (plain.trace_hash, plain.events),
                (none.trace_hash, none.events),
                "{name} seed {seed}: no bug must change nothing"
            );
        }
    }
}

#[test]
fn fixed_election_timeouts_fail_the_initial_election() {
    // Servers made together with the same timeout campaign together and split
    // the vote forever: checkOneLeader finds no leader.
    for seed in SEEDS {
        let outcome = run_3a(
            "TestInitialElection3A",
            seed,
            with_bugs(Bug::FixedElectionTimeout.into()),
        );
        let failure = outcome.result.expect_err("the bug must be caught");
        assert_eq!(failure.check, "checkOneLeader", "{}", failure.message);
        assert_eq!(failure.message, "expected one leader, got none");
    }
}

#[test]
fn no_bug_trips_labrafts_own_asserts_in_3a() {
    // Every bug in 3A, a few seeds: whatever fails must be a tester check,
    // never labraft panicking on its own invariants (which would measure
    // labraft, not the tester). Prints which tests caught which bug.
    for bug in Bug::ALL {
        let mut caught = Vec::new();
        for name in PART_A {
            for seed in SEEDS {
                let outcome = run_3a(name, seed, with_bugs(bug.into()));
                if let Err(f) = &outcome.result {
                    assert_ne!(
                        f.kind,
                        Kind::Panic,
                        "{bug} in {name} seed {seed}: labraft panicked: {}",
                        f.message
                    );
                    caught.push(format!("{name}/{seed}: {}", f.check));
                }
            }
        }
        println!("{bug}: caught {} of 9: {caught:?}", caught.len());
    }
}
