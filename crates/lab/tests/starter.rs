//! The skeleton `lab new` hands a student (`templates/src/lib.rs`), compiled
//! here as a Raft written outside labraft: it fails each 3A test with the
//! course's "expected one leader, got none" (as the Go skeleton does), never
//! panics or hangs under the tester, and its restore reads the state its
//! persist writes.

// Private here, public in the student's crate, where clippy keeps exported
// names (`Request::RequestVote`, the course's RPC name) as they are.
#[allow(clippy::enum_variant_names)]
#[path = "../templates/src/lib.rs"]
mod starter;

use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft as _, Term};
use starter::{LogEntry, Raft};
use tester::failure::Kind;
use tester::{Edition, RunSpec, TESTS, run};

fn factory() -> tester::Factory<Raft> {
    Box::new(<Raft as raftapi::Raft>::make)
}

#[test]
fn each_3a_test_fails_with_the_courses_message() {
    let part_a: Vec<_> = TESTS.iter().filter(|t| t.name.ends_with("3A")).collect();
    assert_eq!(part_a.len(), 3);
    for test in part_a {
        for edition in Edition::ALL {
            for seed in 0..3 {
                for strict in [false, true] {
                    let spec = RunSpec::new(test, seed, edition).strict(strict);
                    let failure = run(spec, factory())
                        .result
                        .expect_err("the skeleton elects no leader");
                    let what = format!(
                        "{} seed {seed} {edition} strict={strict}: {failure}",
                        test.name
                    );
                    assert_eq!(failure.kind, Kind::Check, "{what}");
                    assert_eq!(failure.check, "checkOneLeader", "{what}");
                    assert_eq!(failure.message, "expected one leader, got none", "{what}");
                }
            }
        }
    }
}

#[test]
fn every_test_fails_as_a_check_never_a_panic_or_a_hang() {
    for test in TESTS.iter() {
        let failure = run(RunSpec::new(test, 7, Edition::default()), factory())
            .result
            .expect_err("the skeleton passes nothing");
        assert_eq!(failure.kind, Kind::Check, "{}: {failure}", test.name);
    }
}

#[test]
fn the_ticker_sleeps_50_to_350_ms_and_is_deterministic() {
    let wakes = |seed| {
        let mut out = Effects::new();
        let config = Config {
            me: NodeId(0),
            peers: 3,
            seed,
            now: Instant(1000),
        };
        let mut raft = Raft::make(config, Persisted::default(), &mut out);
        let mut wakes = Vec::new();
        let mut now = Instant(1000);
        for _ in 0..20 {
            let at = out.take_wake().expect("every input re-arms the ticker");
            assert!((50..350).contains(&at.ms_since(now)), "{at} after {now}");
            assert!(out.is_empty(), "the skeleton does nothing else");
            wakes.push(at);
            now = at;
            raft.tick(now, &mut out);
        }
        wakes
    };
    assert_eq!(wakes(1), wakes(1));
    assert_ne!(wakes(1), wakes(2));
}

#[test]
fn restore_reads_what_persist_writes() {
    let log = vec![
        LogEntry {
            term: Term(1),
            command: Bytes::from(&b"x"[..]),
        },
        LogEntry {
            term: Term(3),
            command: Bytes::from(&b"y"[..]),
        },
    ];
    // The layout persist encodes: (current_term, voted_for, log).
    let state = raftapi::codec::encode(&(Term(3), Some(NodeId(2)), &log)).unwrap();
    let persisted = Persisted {
        raft_state: Bytes::from(state.clone()),
        snapshot: Bytes::new(),
    };
    let config = Config {
        me: NodeId(1),
        peers: 3,
        seed: 9,
        now: Instant(0),
    };
    let raft = Raft::make(config, persisted, &mut Effects::new());
    assert_eq!(raft.state(), (Term(3), false));
    assert_eq!(raft.persist_bytes(), state.len());
    let seen = raft.inspect().expect("the skeleton offers inspect");
    assert_eq!(seen.voted_for, Some(NodeId(2)));
    assert_eq!(seen.log_terms, vec![Term(1), Term(3)]);
    assert_eq!(seen.last_log_index(), LogIndex(2));

    let fresh = Raft::make(config, Persisted::default(), &mut Effects::new());
    assert_eq!(fresh.state(), (Term(0), false));
    assert_eq!(fresh.persist_bytes(), 0);
}
