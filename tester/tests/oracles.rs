//! The strict oracles (`tester::oracle`): they stay quiet on the reference
//! Raft and fire on labraft's injected bugs, with their check name and the
//! seed in the report. `bug_catch_table` (ignored; run it with
//! `cargo test --release -p tester --test oracles -- --ignored --nocapture`)
//! measures which bugs the 28 tests catch with the oracles on.

use labraft::{Bug, Bugs, Raft, Tuning};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tester::failure::Kind;
use tester::{Budget, Edition, Factory, Outcome, RunSpec, TESTS, TestDef, registry, run};

fn with_bugs(bugs: Bugs) -> Factory<Raft> {
    Box::new(move |c, p, o| Raft::make_with_bugs(c, p, Tuning::default(), bugs, o))
}

/// A budget for buggy Rafts: far above what the reference Raft needs in any
/// test, small enough that a livelocked run ends in seconds.
const BUGGY_BUDGET: Budget = Budget {
    max_events: 5_000_000,
    max_virtual_ms: 10 * 60 * 1000,
};

fn run_strict(test: &'static TestDef, seed: u64, edition: Edition, bugs: Bugs) -> Outcome {
    let spec = RunSpec {
        test,
        seed,
        edition,
        budget: if bugs.is_empty() {
            Budget::default()
        } else {
            BUGGY_BUDGET
        },
        strict: true,
    };
    run(spec, with_bugs(bugs))
}

#[test]
fn the_reference_raft_passes_every_test_under_strict_oracles() {
    for test in &TESTS {
        for edition in [Edition::Y2024, Edition::Y2025] {
            for seed in 1..=2 {
                let outcome = run_strict(test, seed, edition, Bugs::default());
                assert!(outcome.passed(), "{}", outcome.report().unwrap_or_default());
                assert!(outcome.strict);
            }
        }
    }
}

#[test]
fn strict_oracles_change_nothing_in_a_passing_run() {
    let test = registry::find("TestFigure8Unreliable3C").unwrap();
    let spec = |strict| RunSpec {
        test,
        seed: 7,
        edition: Edition::Y2025,
        budget: Budget::default(),
        strict,
    };
    let plain = run(spec(false), Box::new(<Raft as raftapi::Raft>::make));
    let strict = run(spec(true), Box::new(<Raft as raftapi::Raft>::make));
    assert!(plain.passed() && strict.passed());
    assert_eq!(
        (plain.trace_hash, plain.events, &plain.lines),
        (strict.trace_hash, strict.events, &strict.lines)
    );
}

/// A planted violation: bug, test, seed, edition, and the oracle that fires.
struct Planted {
    bug: Bug,
    test: &'static str,
    seed: u64,
    edition: Edition,
    check: &'static str,
}

/// Seeds found with `bug_catch_table`; each run fails by the named oracle.
const PLANTED: &[Planted] = &[];

#[test]
fn each_oracle_fires_on_a_planted_bug() {
    for p in PLANTED {
        let test = registry::find(p.test).unwrap();
        let outcome = run_strict(test, p.seed, p.edition, p.bug.into());
        let failure = outcome.result.as_ref().expect_err("the bug must be caught");
        let report = outcome.report().unwrap();
        assert_eq!(
            (failure.kind, failure.check),
            (Kind::Oracle, p.check),
            "{}: {report}",
            p.bug
        );
        assert!(report.contains(&format!("in {}: ", p.check)), "{report}");
        assert!(report.contains(&format!("seed={:#x}", p.seed)), "{report}");
        assert!(report.contains("LAB_STRICT=1"), "{report}");
    }
}

/// What the 28 tests with strict oracles found for one bug.
#[derive(Default)]
struct Found {
    /// The first failing run: (seed, test, check).
    first: Option<(u64, &'static str, String)>,
    /// The first run failed by an oracle.
    oracle: Option<(u64, &'static str, &'static str)>,
    /// Runs done.
    runs: u64,
}

/// For each bug (but the two fixtures), seeds 1..=100 of the 28 tests with
/// strict oracles, edition 2025: the first failing run, and the first run an
/// oracle failed. Stops a bug's search once an oracle fired.
#[test]
#[ignore = "measurement: prints the table for docs/MUTANTS.md"]
fn bug_catch_table() {
    let edition: Edition = std::env::var("LAB_EDITION")
        .ok()
        .map_or(Edition::Y2025, |e| e.parse().unwrap());
    let seeds: u64 = std::env::var("LAB_SEEDS")
        .ok()
        .map_or(100, |s| s.parse().unwrap());
    let bugs: Vec<Bug> = Bug::ALL
        .into_iter()
        .filter(|b| !matches!(b, Bug::GrantEveryVote | Bug::ApplyOutOfOrder))
        .collect();
    let results: Vec<Mutex<Found>> = bugs.iter().map(|_| Mutex::default()).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= bugs.len() {
                        return;
                    }
                    let found = search(bugs[k], edition, seeds);
                    println!("{}", line(bugs[k], &found));
                    *results[k].lock().unwrap() = found;
                }
            });
        }
    });
    println!("\n| bug | caught | first failure (seed, test, check) | first oracle failure |");
    println!("|---|---|---|---|");
    for (bug, found) in bugs.iter().zip(&results) {
        println!("{}", line(*bug, &found.lock().unwrap()));
    }
}

fn search(bug: Bug, edition: Edition, seeds: u64) -> Found {
    let mut found = Found::default();
    for seed in 1..=seeds {
        for test in &TESTS {
            let outcome = run_strict(test, seed, edition, bug.into());
            found.runs += 1;
            let Err(f) = &outcome.result else { continue };
            if found.first.is_none() {
                found.first = Some((seed, test.name, format!("{:?}:{}", f.kind, f.check)));
            }
            if f.kind == Kind::Oracle && found.oracle.is_none() {
                found.oracle = Some((seed, test.name, f.check));
                return found;
            }
        }
    }
    found
}

fn line(bug: Bug, found: &Found) -> String {
    let first = found.first.as_ref().map_or("-".to_string(), |(seed, test, check)| {
        format!("{seed} {test} {check}")
    });
    let oracle = found.oracle.map_or("-".to_string(), |(seed, test, check)| {
        format!("{seed} {test} {check}")
    });
    let caught = if found.first.is_some() { "yes" } else { "no" };
    format!("| {bug} | {caught} | {first} | {oracle} | ({} runs)", found.runs)
}
