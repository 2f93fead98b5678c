//! Every scenario file of `scenarios/` on the reference Raft (`LAB_SEED`,
//! `LAB_SEEDS`, `LAB_EDITION` honoured; `LAB_SCENARIO=<stem>` runs one), the
//! swarm's round trip (a drawn scenario written as TOML parses back and
//! replays with the same trace hash), and, ignored by default, which
//! injected labraft bugs the scenario files catch within 100 seeds.

use raftapi::Raft as _;
use tester::cargo::EnvConfig;
use tester::determinism::report::not_reproduced;
use tester::scenario::{self, format::Scenario, parse, run as scenario_run};
use tester::seeds::{replay_command, show_seed, test_seed};
use tester::{Edition, Factory, RunSpec, TestDef, Tester};

fn dir() -> std::path::PathBuf {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios").into()
}

fn load_all() -> Vec<&'static TestDef> {
    scenario::load_dir(&dir()).unwrap_or_else(|e| panic!("{e}"))
}

fn reference() -> Factory<labraft::Raft> {
    Box::new(labraft::Raft::make)
}

#[test]
fn every_scenario_file_passes() {
    let env = EnvConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let vis = labvis::config::VisConfig::from_env().unwrap_or_else(|e| panic!("{e}")); // #11
    let only = std::env::var("LAB_SCENARIO").ok();
    let tests = load_all();
    assert!(tests.len() >= 6, "the six scenario files are there");
    let mut ran = 0;
    for test in tests {
        if only
            .as_deref()
            .is_some_and(|o| test.name != format!("{}{o}", scenario::PREFIX))
        {
            continue;
        }
        ran += 1;
        for k in 0..env.seeds {
            let seed = env.seed.wrapping_add(k);
            let spec = RunSpec::new(test, seed, env.edition).oracles(env.strict);
            let outcome = tester::run(spec, reference());
            if let Some(expected) = env
                .expect_hash
                .filter(|&h| k == 0 && h != outcome.trace_hash)
            {
                eprintln!("{}", not_reproduced(expected, outcome.trace_hash));
            }
            let picture = tester::vis::after_cargo_run(&vis, spec, &outcome, reference); // #11
            if let Some(report) = outcome.report() {
                panic!(
                    "{report}{picture}\n  scenario {} seed {} (replay line above)",
                    test.name,
                    show_seed(seed)
                );
            }
        }
    }
    assert!(ran > 0, "LAB_SCENARIO={only:?} names no scenario file");
    eprintln!("{ran} scenario files x {} seeds passed", env.seeds);
}

#[test]
fn a_failure_report_names_the_scenario_and_a_replay_command() {
    let line = replay_command(
        "scenario/isolate-leader",
        0x2a,
        Edition::Y2025,
        tester::oracle::OracleSet::NONE,
    );
    assert!(line.contains("LAB_SCENARIO=isolate-leader"), "{line}");
    assert!(line.contains("LAB_SEED=0x2a"), "{line}");
    assert!(line.contains("--test scenarios"), "{line}");
}

/// Runs concrete scenario `s` on simulator seed `seed`: trace hash, passed.
fn run_concrete(s: &Scenario, drew: Option<&str>, seed: u64) -> (u64, bool) {
    let mut t: Tester<labraft::Raft> =
        Tester::new(scenario_run::setup(s), Edition::Y2025, seed, reference());
    let passed = scenario_run::execute(s, drew, &mut t).is_ok();
    (t.trace_hash(), passed)
}

#[test]
fn a_drawn_swarm_scenario_round_trips_through_toml_and_replays_identically() {
    load_all();
    for user_seed in 1..=4 {
        let seed = test_seed(user_seed, "scenario/swarm");
        let (drawn, line) = scenario::plan("scenario/swarm", seed).expect("swarm registered");
        assert!(
            line.as_deref()
                .is_some_and(|l| l.starts_with("swarm drew: servers="))
        );
        let text = scenario::to_toml(&drawn);
        let back = parse::parse_str("drawn.toml", &text, Some("swarm"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, drawn, "{text}");
        let (a, pa) = run_concrete(&drawn, line.as_deref(), seed);
        let (b, pb) = run_concrete(&back, None, seed);
        assert_eq!(a, b, "same trace hash after the round trip");
        assert!(pa && pb);
        // And the registered test, run by name, is that same run.
        let test = tester::registry::find("scenario/swarm").expect("registered");
        let spec = RunSpec::new(test, user_seed, Edition::Y2025);
        let outcome = tester::run(spec, reference());
        assert_eq!(outcome.trace_hash, a);
        assert!(outcome.lines[0].starts_with("swarm drew:"));
    }
}

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    for test in load_all() {
        let spec = RunSpec::new(test, 0xd1, Edition::Y2024);
        let a = tester::run(spec, reference());
        let b = tester::run(spec, reference());
        assert_eq!(a.trace_hash, b.trace_hash, "{}", test.name);
        assert!(a.passed(), "{}", a.report().unwrap_or_default());
    }
}

/// `cargo test --release -p tester --test scenarios -- --ignored --nocapture`:
/// for each injected bug, the first (seed, scenario) that fails, seeds 1..=100.
#[test]
#[ignore = "slow: hundreds of runs per bug"]
fn which_bugs_the_scenario_files_catch() {
    use labraft::{Bug, Bugs, Tuning};
    std::panic::set_hook(Box::new(|_| {})); // a buggy Raft's panic is a result
    let tests = load_all();
    let bugs: Vec<Bug> = Bug::ALL
        .into_iter()
        .filter(|b| !matches!(b, Bug::GrantEveryVote | Bug::ApplyOutOfOrder))
        .filter(|b| {
            std::env::var("LAB_BUGS").map_or(true, |only| only.split(',').any(|o| o == b.name()))
        })
        .collect();
    let seeds: u64 = std::env::var("LAB_SEEDS").map_or(100, |s| s.parse().unwrap());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&bug) = bugs.get(k) else { return };
                    let found = first_catch(&tests, seeds, move || {
                        Box::new(move |c, p, o| {
                            labraft::Raft::make_with_bugs(
                                c,
                                p,
                                Tuning::default(),
                                Bugs::from(bug),
                                o,
                            )
                        })
                    });
                    match found {
                        Some((test, seed, why)) => println!(
                            "BUG {:<30} caught   {:<40} seed {seed:<4} {why}",
                            bug.name(),
                            test
                        ),
                        None => println!("BUG {:<30} NOT caught in {seeds} seeds", bug.name()),
                    }
                }
            });
        }
    });
}

fn first_catch(
    tests: &[&'static TestDef],
    seeds: u64,
    make: impl Fn() -> Factory<labraft::Raft>,
) -> Option<(&'static str, u64, String)> {
    for seed in 1..=seeds {
        for &test in tests {
            let spec = RunSpec::new(test, seed, Edition::Y2025);
            let outcome = tester::run(spec, make());
            if let Err(f) = &outcome.result {
                return Some((
                    test.name,
                    seed,
                    format!("{:?} {}: {}", f.kind, f.check, f.message),
                ));
            }
        }
    }
    None
}

/// The bugs that only strict oracles and scenario files catch (docs/MUTANTS.md)
/// stay caught: each pinned (bug, scenario, seed) fails under strict oracles,
/// and the reference Raft passes the same run. A change that blunts an oracle
/// or a scenario fails here.
#[test]
fn strict_oracles_and_scenarios_keep_catching_what_the_course_misses() {
    use labraft::{Bug, Bugs, Tuning};
    load_all();
    let pinned = [
        (
            Bug::CommitOldTerm,
            "scenario/leader-and-follower-partition",
            0x12,
            "oracle:",
        ),
        (
            Bug::CountStaleVotes,
            "scenario/stale-replies",
            0xb,
            "oracle:election-safety",
        ),
        (
            Bug::AcceptStaleAppendReply,
            "scenario/stale-replies",
            0x2,
            "oracle:",
        ),
        (
            Bug::SnapshotMovesBackwards,
            "scenario/delayed-snapshots",
            0x1,
            "oracle:apply-monotonic",
        ),
    ];
    for (bug, name, seed, check) in pinned {
        let test = tester::registry::find(name).expect("a registered scenario");
        let spec = RunSpec::new(test, seed, Edition::Y2025).strict(true);
        let buggy: Factory<labraft::Raft> = Box::new(move |c, p, o| {
            labraft::Raft::make_with_bugs(c, p, Tuning::default(), Bugs::from(bug), o)
        });
        let failed = tester::run(spec, buggy);
        let f = failed
            .result
            .as_ref()
            .expect_err(&format!("{bug} went uncaught by {name} seed {seed:#x}"));
        assert!(
            f.check.starts_with(check),
            "{bug}: caught by {} ({}), expected {check}",
            f.check,
            f.message
        );
        let fine = tester::run(spec, reference());
        assert!(fine.passed(), "{:?}", fine.report());
    }
}

/// (bug, crash-point file, seed, with the five safety oracles (else the
/// course's checks alone), the check that fails).
const CRASH_PINNED: [(labraft::Bug, &str, u64, bool, &str); 7] = {
    use labraft::Bug;
    [
        (
            Bug::TermNotPersisted,
            "crash-after-append",
            1,
            false,
            "applier",
        ),
        (
            Bug::LogNotPersisted,
            "crash-after-append",
            1,
            false,
            "applier",
        ),
        (
            Bug::VotedForNotPersisted,
            "crash-after-vote",
            22,
            false,
            "applier",
        ),
        (
            Bug::VoteGrantNotPersisted,
            "crash-after-vote",
            18,
            false,
            "applier",
        ),
        (
            Bug::VotedForNotPersisted,
            "crash-after-vote",
            1,
            true,
            "oracle:election-safety",
        ),
        (
            Bug::VoteGrantNotPersisted,
            "crash-after-vote",
            1,
            true,
            "oracle:election-safety",
        ),
        (
            Bug::VoteResetInSameTerm,
            "crash-after-leader",
            5,
            true,
            "oracle:election-safety",
        ),
    ]
};

/// Crash points make persistence bugs visible to the course's own checks
/// (the applier sees two commands at one index) and to election safety,
/// without the durability oracle: each pinned run fails so, and the
/// reference Raft passes it.
#[test]
fn crash_points_turn_persistence_bugs_into_violations() {
    use labraft::{Bugs, Tuning};
    use tester::oracle::{Oracle, OracleSet};
    load_all();
    let safety = Oracle::ALL
        .into_iter()
        .filter(|&o| o != Oracle::Durability)
        .fold(OracleSet::NONE, OracleSet::with);
    for (bug, stem, seed, with_safety, check) in CRASH_PINNED {
        let test = tester::registry::find(&format!("scenario/{stem}")).expect("registered");
        let oracles = if with_safety { safety } else { OracleSet::NONE };
        let spec = RunSpec::new(test, seed, Edition::Y2025).oracles(oracles);
        let buggy: Factory<labraft::Raft> = Box::new(move |c, p, o| {
            labraft::Raft::make_with_bugs(c, p, Tuning::default(), Bugs::from(bug), o)
        });
        let failed = tester::run(spec, buggy);
        let f = failed
            .result
            .as_ref()
            .expect_err(&format!("{bug} escaped {stem} seed {seed}"));
        assert_eq!(f.check, check, "{bug} in {stem}: {}", f.message);
        let fine = tester::run(spec, reference());
        assert!(fine.passed(), "{:?}", fine.report());
    }
}
