//! What edition 2026 changes, shown side by side with 2025 (and 2024 where
//! it matters), on Rafts written outside labraft (`mischief`): restarts that
//! connect only the restarted servers, apply records kept across restarts,
//! apply errors deferred to `nCommitted` with the bare text, "Raft size too
//! large", `#Ops`, a start-up snapshot that does not decode, and the places
//! where the 2026 harness must equal the 2025 one trace for trace.
//! `../shared/spec/edition-2026.md` §10 is the checklist.

mod mischief;

use mischief::{Bogus, Mischief, Wrapped, factory};
use raftapi::Raft as _;
use tester::failure::Kind;
use tester::{Edition, Outcome, RunSpec, Setup, Tester, registry, run};

fn cluster(servers: usize, snapshot: bool, edition: Edition, m: Mischief) -> Tester<Wrapped> {
    let setup = Setup {
        servers,
        reliable: true,
        snapshot,
    };
    Tester::new(setup, edition, 0x2026, factory(m))
}

fn outcome(test: &str, seed: u64, edition: Edition, m: Mischief) -> Outcome {
    let spec = RunSpec::new(registry::find(test).unwrap(), seed, edition);
    run(spec, factory(m))
}

#[test]
fn a_restart_connects_only_the_restarted_server_in_2026() {
    for edition in [Edition::Y2025, Edition::Y2026] {
        let mut t = cluster(5, false, edition, Mischief::None);
        t.one_int(1, 5, true).unwrap();
        t.disconnect(0); // a live server, isolated
        t.crash(1);
        t.crash(2);
        let before = t.now();
        t.revive(1);
        assert_eq!(t.now(), before, "a restart takes 0 virtual ms");
        assert!(t.is_connected(1) && t.is_up(1));
        assert!(!t.is_up(2));
        let healed = edition == Edition::Y2025;
        assert_eq!(t.is_connected(0), healed, "{edition}: the isolated server");
        assert_eq!(t.is_connected(2), healed, "{edition}: the down server");

        // With every server up, agreement on all five needs server 0: the
        // partition made before the restarts is still there in 2026 only.
        t.revive(2);
        match t.one_int(2, 5, false) {
            Ok(_) => assert_eq!(edition, Edition::Y2025),
            Err(f) => {
                assert_eq!(edition, Edition::Y2026, "{f}");
                assert_eq!(f.message, "one(2) failed to reach agreement");
            }
        }
    }
}

#[test]
fn kill_and_restart_take_lists_and_touch_only_the_listed_servers() {
    let mut t = cluster(5, false, Edition::Y2026, Mischief::None);
    t.one_int(1, 5, true).unwrap();
    t.kill(&[1, 2, 3]);
    assert!((1..4).all(|i| !t.is_up(i) && !t.is_connected(i)));
    t.restart_servers(&[3, 1]);
    assert!(t.is_up(1) && t.is_up(3) && t.is_connected(1) && t.is_connected(3));
    assert!(!t.is_up(2) && !t.is_connected(2));
    t.one_int(2, 4, true).unwrap();
}

/// The tests that restart one server among running ones, where 2026's
/// `restart([i])` connects i only and 2025's `restart(i)` connects everyone.
/// Every other test runs the 2025 steps in 2026, "crash all, restart all"
/// included (same order: shut down 0..n-1, start 0..n-1, connect 0..n-1).
const RESTARTS_ONE_SERVER: [&str; 8] = [
    "TestPersist13C",
    "TestPersist23C",
    "TestPersist33C",
    "TestFigure83C",
    "TestReliableChurn3C",
    "TestUnreliableChurn3C",
    "TestSnapshotInstallCrash3D",
    "TestSnapshotInstallUnCrash3D",
];

#[test]
fn only_restarts_of_single_servers_change_the_trace_from_2025() {
    let hash = |test: &str, seed, edition| outcome(test, seed, edition, Mischief::None).trace_hash;
    let differs =
        |test: &str, seed| hash(test, seed, Edition::Y2025) != hash(test, seed, Edition::Y2026);
    for test in registry::TESTS.iter() {
        let restarts = RESTARTS_ONE_SERVER.contains(&test.name);
        if test.name.contains("Churn") {
            // Churn restarts a down server on some rounds only.
            assert!(
                (1..=5).any(|seed| differs(test.name, seed)),
                "{}",
                test.name
            );
        } else {
            assert_eq!(differs(test.name, 3), restarts, "{}", test.name);
        }
    }
}

#[test]
fn apply_records_survive_a_restart_in_2024_and_2026_but_not_2025() {
    for edition in Edition::ALL {
        let mut t = cluster(3, false, edition, Mischief::None);
        t.one_int(101, 3, true).unwrap();
        t.crash(2);
        assert_eq!(
            t.n_committed(1).unwrap().0,
            3,
            "a killed server still counts"
        );
        t.revive(2);
        let kept = edition != Edition::Y2025;
        let expected = if kept { 3 } else { 2 };
        assert_eq!(t.n_committed(1).unwrap().0, expected, "{edition}");
    }
}

#[test]
fn a_raft_that_resumes_after_its_old_commit_point_fails_only_2025() {
    // After a restart it applies k+1 first: the kept record holds k (2024,
    // 2026), the fresh 2025 record does not.
    for edition in Edition::ALL {
        let o = outcome("TestPersist13C", 1, edition, Mischief::ResumeAfterApplied);
        if edition == Edition::Y2025 {
            let f = o.result.expect_err("2025 needs a re-apply from index 1");
            assert_eq!(f.check, "applier");
            assert!(f.message.starts_with("apply error: server "), "{f}");
            assert!(f.message.contains(" apply out of order "), "{f}");
        } else {
            assert!(o.passed(), "{edition}: {:?}", o.report());
        }
    }
}

#[test]
fn an_apply_error_fails_the_test_at_the_next_n_committed_with_the_bare_text() {
    const ONE: &[Bogus] = &[Bogus {
        server: 0,
        at_ms: 300,
        index: 50,
    }];
    let m = Mischief::BogusApplies(ONE);
    let now = outcome("TestBasicAgree3B", 1, Edition::Y2025, m);
    let later = outcome("TestBasicAgree3B", 1, Edition::Y2026, m);
    let f25 = now.result.as_ref().unwrap_err();
    assert_eq!(
        (f25.check, f25.message.as_str()),
        ("applier", "apply error: server 0 apply out of order 50")
    );
    assert_eq!(
        now.lines.last().unwrap(),
        "Fatal: apply error: server 0 apply out of order 50"
    );
    let f26 = later.result.as_ref().unwrap_err();
    assert_eq!((f26.kind, f26.check), (Kind::Check, "nCommitted"));
    assert_eq!(f26.message, "server 0 apply out of order 50");
    assert_eq!(
        later.lines.last().unwrap(),
        "server 0 apply out of order 50"
    );
    // The run went on past the error until a checker looked.
    assert!(
        f26.at >= f25.at && later.events > now.events,
        "{f25} / {f26}"
    );
    assert!(later.report().unwrap().contains("LAB_EDITION=2026"));
}

#[test]
fn an_apply_error_no_later_n_committed_sees_leaves_the_test_passing() {
    const LATE: &[Bogus] = &[Bogus {
        server: 1,
        at_ms: 1000,
        index: 5,
    }];
    let m = Mischief::BogusApplies(LATE);
    // TestInitialElection3A never calls nCommitted.
    let o = outcome("TestInitialElection3A", 1, Edition::Y2026, m);
    assert!(o.passed(), "{:?}", o.report());
    assert!(o.lines.last().unwrap().starts_with("  ... Passed --"));
    let o = outcome("TestInitialElection3A", 1, Edition::Y2025, m);
    let f = o.result.unwrap_err();
    assert_eq!(f.message, "apply error: server 1 apply out of order 5");
}

#[test]
fn stored_apply_errors_survive_restarts_the_latest_wins_and_servers_go_in_order() {
    const THREE: &[Bogus] = &[
        Bogus {
            server: 2,
            at_ms: 100,
            index: 40,
        },
        Bogus {
            server: 1,
            at_ms: 2000,
            index: 50,
        },
        Bogus {
            server: 1,
            at_ms: 2500,
            index: 60,
        },
    ];
    let m = Mischief::BogusApplies(THREE);
    let mut t = cluster(3, false, Edition::Y2026, m);
    t.sleep(3000)
        .expect("2026 stores apply errors without failing");
    t.crash(1);
    t.revive(1);
    t.sleep(100).unwrap();
    let f = t.n_committed(1).unwrap_err();
    assert_eq!((f.check, f.bare), ("nCommitted", true));
    assert_eq!(f.message, "server 1 apply out of order 60");

    let mut t = cluster(3, false, Edition::Y2025, m);
    let f = t.sleep(3000).unwrap_err();
    assert_eq!(f.message, "apply error: server 2 apply out of order 40");
}

#[test]
fn the_size_check_says_raft_size_in_2026() {
    let m = Mischief::BloatState { extra: 2500 };
    for (edition, text, line) in [
        (
            Edition::Y2025,
            "Log size too large",
            "Fatal: Log size too large",
        ),
        (Edition::Y2026, "Raft size too large", "Raft size too large"),
    ] {
        let o = outcome("TestSnapshotBasic3D", 1, edition, m);
        let f = o.result.as_ref().unwrap_err();
        assert_eq!((f.check, f.message.as_str()), ("snapcommon", text));
        assert_eq!(o.lines.last().unwrap(), line);
    }
}

/// `#Ops` of a passing 2026 run (edition-2026.md §5.2).
const OPS: [(&str, u64); 27] = [
    ("TestInitialElection3A", 0),
    ("TestReElection3A", 0),
    ("TestManyElections3A", 0),
    ("TestBasicAgree3B", 3),
    ("TestRPCBytes3B", 11),
    ("TestFollowerFailure3B", 3),
    ("TestLeaderFailure3B", 3),
    ("TestFailAgree3B", 7),
    ("TestFailNoAgree3B", 2),
    ("TestConcurrentStarts3B", 0),
    ("TestRejoin3B", 4),
    ("TestBackup3B", 102),
    ("TestCount3B", 0),
    ("TestPersist13C", 6),
    ("TestPersist23C", 16),
    ("TestPersist33C", 4),
    ("TestFigure83C", 2),
    ("TestUnreliableAgree3C", 246),
    ("TestFigure8Unreliable3C", 2),
    ("TestReliableChurn3C", 1),
    ("TestUnreliableChurn3C", 1),
    ("TestSnapshotBasic3D", 31),
    ("TestSnapshotInstall3D", 91),
    ("TestSnapshotInstallUnreliable3D", 91),
    ("TestSnapshotInstallCrash3D", 91),
    ("TestSnapshotInstallUnCrash3D", 91),
    ("TestSnapshotInit3D", 14),
];

#[test]
fn ops_counts_successful_one_calls_in_2026() {
    for (test, ops) in OPS {
        let o = outcome(test, 1, Edition::Y2026, Mischief::None);
        let summary = o.result.unwrap_or_else(|f| panic!("{test}: {f}"));
        assert_eq!(summary.ops, ops, "{test}");
        let line = o.lines.last().unwrap();
        assert!(line.contains(&format!("#Ops {ops:4} ")), "{test}: {line}");
    }
    // 1 + five rounds of nn + 2, nn = 5 + rand(10).
    for seed in 1..=3 {
        let o = outcome(
            "TestSnapshotAllCrash3D",
            seed,
            Edition::Y2026,
            Mischief::None,
        );
        let ops = o.result.unwrap().ops;
        assert!((36..=81).contains(&ops), "{ops}");
    }
    // 2025 prints the course's 0.
    let o = outcome("TestBackup3B", 1, Edition::Y2025, Mischief::None);
    assert!(
        o.lines.last().unwrap().contains("#Ops    0 "),
        "{:?}",
        o.lines
    );
}

#[test]
fn a_start_up_snapshot_that_does_not_decode_fails_at_once_and_the_server_never_runs() {
    for edition in [Edition::Y2025, Edition::Y2026] {
        let mut t = cluster(3, true, edition, Mischief::GarbageSnapshot);
        t.sleep(1000).unwrap();
        t.crash(0);
        t.revive(0);
        let f = t.sleep(1).unwrap_err();
        assert_eq!(f.check, "ingestSnap");
        if edition == Edition::Y2026 {
            assert_eq!(
                (f.message.as_str(), f.bare),
                ("failed to decode snapshot", true)
            );
            assert!(!t.is_up(0));
        } else {
            assert_eq!(f.message, "snapshot decode error");
            assert!(t.is_up(0));
        }
    }
}

#[test]
fn a_raft_panic_fails_the_2026_test_as_a_panic() {
    let o = outcome(
        "TestBasicAgree3B",
        1,
        Edition::Y2026,
        Mischief::PanicAt { at_ms: 200 },
    );
    let f = o.result.unwrap_err();
    assert_eq!(f.kind, Kind::Panic);
    assert!(f.message.contains("planted panic"), "{f}");
}

#[test]
fn the_reference_raft_through_the_wrapper_passes_every_2026_test() {
    for test in registry::TESTS.iter() {
        let o = outcome(test.name, 2, Edition::Y2026, Mischief::None);
        assert!(o.passed(), "{:?}", o.report());
        let reference = run(
            RunSpec::new(test, 2, Edition::Y2026),
            Box::new(labraft::Raft::make),
        );
        assert_eq!(
            o.trace_hash, reference.trace_hash,
            "the wrapper adds nothing"
        );
    }
}
