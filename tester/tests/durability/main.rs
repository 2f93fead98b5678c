//! The durability oracle (`oracle:durability`, `LAB_STRICT=durability`): it
//! stays quiet on correct Rafts (the reference one, and one written here),
//! and for a Raft that persists too little or restores too little it names
//! what a restart would lose, on every seed, where the course's tests see
//! nothing.

mod elect_only;

use elect_only::{Plant, factory};
use labraft::{Bug, Bugs, Tuning};
use tester::failure::Kind;
use tester::oracle::{DURABILITY, Oracle, OracleSet};
use tester::{Edition, Factory, Outcome, RunSpec, registry, run};

fn durability() -> OracleSet {
    Oracle::Durability.into()
}

fn spec(test: &str, seed: u64, edition: Edition, oracles: OracleSet) -> RunSpec {
    RunSpec::new(registry::find(test).expect("a test"), seed, edition).oracles(oracles)
}

fn run_elect(test: &str, seed: u64, plant: Plant, oracles: OracleSet) -> Outcome {
    run(spec(test, seed, Edition::Y2025, oracles), factory(plant))
}

fn with_bug(bug: Bug) -> Factory<labraft::Raft> {
    Box::new(move |c, p, o| {
        labraft::Raft::make_with_bugs(c, p, Tuning::default(), Bugs::from(bug), o)
    })
}

#[test]
fn a_correct_raft_written_elsewhere_passes_3a_with_every_oracle() {
    for test in [
        "TestInitialElection3A",
        "TestReElection3A",
        "TestManyElections3A",
    ] {
        for edition in [Edition::Y2024, Edition::Y2025] {
            for seed in 1..=3 {
                let outcome = run(
                    spec(test, seed, edition, OracleSet::ALL),
                    factory(Plant::None),
                );
                assert!(outcome.passed(), "{}", outcome.report().unwrap_or_default());
                let plain = run(
                    spec(test, seed, edition, OracleSet::NONE),
                    factory(Plant::None),
                );
                assert_eq!(
                    (plain.trace_hash, plain.events),
                    (outcome.trace_hash, outcome.events),
                    "the shadows leave the run as it was"
                );
            }
        }
    }
}

/// Each planted mistake and words its message must hold.
const PLANTS: [(Plant, &str); 4] = [
    (
        Plant::GrantWithoutPersist,
        ", but a restart from its persisted state would have voted for nobody",
    ),
    (
        Plant::CandidateVoteNotPersisted,
        ", but a restart from its persisted state would have voted for nobody",
    ),
    (
        Plant::ForgetfulMake,
        ", but a restart from its persisted state would be in term 0 (its make restored nothing from",
    ),
    (
        Plant::PanickyMake,
        ": a restart from its persisted state (3 bytes of raft state, 0 of snapshot) panics in make: a corrupt state",
    ),
];

#[test]
fn each_planted_persistence_mistake_is_caught_on_every_seed_and_named() {
    for (plant, words) in PLANTS {
        for seed in 1..=10 {
            let outcome = run_elect("TestInitialElection3A", seed, plant, durability());
            let report = outcome.report().unwrap_or_default();
            let f = outcome
                .result
                .as_ref()
                .err()
                .unwrap_or_else(|| panic!("{plant:?} escaped on seed {seed}"));
            assert_eq!((f.kind, f.check), (Kind::Oracle, DURABILITY), "{report}");
            assert!(f.message.contains(words), "{plant:?}: {}", f.message);
            assert!(report.contains(" LAB_STRICT=durability "), "{report}");
        }
        // The course's checks see nothing: 3A never restarts a server.
        let course = run_elect("TestInitialElection3A", 1, plant, OracleSet::NONE);
        assert!(course.passed(), "{:?}", course.report());
    }
}

#[test]
fn the_vote_is_named_with_its_term_and_candidate() {
    let outcome = run_elect(
        "TestInitialElection3A",
        1,
        Plant::CandidateVoteNotPersisted,
        durability(),
    );
    let message = &outcome.result.as_ref().unwrap_err().message;
    let (who, rest) = message.split_once(" voted for ").expect("a vote is named");
    let (candidate, rest) = rest.split_once(" in term ").expect("its term is named");
    assert_eq!(who, candidate, "a candidate's own vote: {message}");
    assert!(rest.starts_with("1, "), "{message}");
}

/// Every persistence bug of labraft's catalogue, a test that exercises it,
/// and words its message must hold.
const CATALOGUE: [(Bug, &str, &str); 5] = [
    (
        Bug::VotedForNotPersisted,
        "TestInitialElection3A",
        "would have voted for nobody",
    ),
    (
        Bug::TermNotPersisted,
        "TestInitialElection3A",
        "would be in term 0",
    ),
    (
        Bug::VoteGrantNotPersisted,
        "TestInitialElection3A",
        "would be in term 0",
    ),
    (
        Bug::LogNotPersisted,
        "TestBasicAgree3B",
        "entries, but a restart from its persisted state would have 0",
    ),
    (
        Bug::SnapshotNotPersisted,
        "TestSnapshotBasic3D",
        "but the snapshot it persisted is empty",
    ),
];

#[test]
fn every_persistence_bug_of_the_catalogue_is_caught_on_9_of_the_first_10_seeds() {
    for (bug, test, words) in CATALOGUE {
        let mut caught = 0;
        for seed in 1..=10 {
            let outcome = run(
                spec(test, seed, Edition::Y2025, durability()),
                with_bug(bug),
            );
            if let Err(f) = &outcome.result
                && f.check == DURABILITY
            {
                assert!(f.message.contains(words), "{bug}: {}", f.message);
                caught += 1;
            }
        }
        assert!(
            caught >= 9,
            "{bug} caught on {caught} of 10 seeds of {test}"
        );
    }
}

#[test]
fn durability_alone_runs_no_other_oracle() {
    // count-stale-votes breaks election safety on this seed (with every
    // oracle on); with durability alone the run goes on to the course's end.
    let test = "scenario/stale-replies";
    tester::scenario::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios"
    )))
    .expect("the scenario files load");
    let strict = run(
        spec(test, 0xb, Edition::Y2025, OracleSet::ALL),
        with_bug(Bug::CountStaleVotes),
    );
    assert_eq!(strict.result.unwrap_err().check, "oracle:election-safety");
    let alone = run(
        spec(test, 0xb, Edition::Y2025, durability()),
        with_bug(Bug::CountStaleVotes),
    );
    let other_oracle = alone
        .result
        .as_ref()
        .is_err_and(|f| f.check.starts_with("oracle:") && f.check != DURABILITY);
    assert!(!other_oracle, "{:?}", alone.report());
    assert_eq!(alone.strict, durability());
}

/// The scenario files' crash points (`scenarios/crash-after-*.toml`) turn a
/// persistence mistake of a Raft written elsewhere into two leaders in one
/// term, which election safety sees without the durability oracle; the
/// correct Raft's fault phase passes them (its only failure is the liveness
/// phase's fresh command, which an elections-only Raft cannot commit).
#[test]
fn crash_points_turn_unpersisted_votes_into_two_leaders_in_a_term() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    tester::scenario::load_dir(std::path::Path::new(dir)).expect("the scenario files load");
    for (plant, test) in [
        (Plant::GrantWithoutPersist, "scenario/crash-after-vote"),
        (
            Plant::CandidateVoteNotPersisted,
            "scenario/crash-after-leader",
        ),
    ] {
        let mut caught = 0;
        for seed in 1..=20 {
            let elections = Oracle::ElectionSafety.into();
            let buggy = run(spec(test, seed, Edition::Y2025, elections), factory(plant));
            let correct = run(
                spec(test, seed, Edition::Y2025, elections),
                factory(Plant::None),
            );
            let check = |o: &Outcome| o.result.as_ref().err().map(|f| f.check);
            assert_eq!(check(&correct), Some("liveness"), "{:?}", correct.report());
            match check(&buggy) {
                Some("oracle:election-safety") => caught += 1,
                Some("liveness") => {}
                other => panic!("{plant:?} seed {seed}: {other:?} {:?}", buggy.report()),
            }
        }
        assert!(caught > 0, "{plant:?} never made two leaders in {test}");
        eprintln!("{plant:?}: two leaders in a term on {caught} of 20 seeds of {test}");
    }
}
