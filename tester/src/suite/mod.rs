//! The 28 tests of the course, step by step (spec §4), reading like the Go
//! tests with sleeps replaced by runs of virtual time. Each body takes the
//! [`Tester`] the runner made with the test's set-up and returns `Err` where
//! the Go test would `Fatalf`.

mod common;
mod part_a;
mod part_b;
mod part_c;
mod part_d;

use crate::failure::Check;
use crate::harness::{RAFT_ELECTION_TIMEOUT_MS, Tester};
use crate::stats::Summary;
use raftapi::Raft;

/// The course's `RaftElectionTimeout`, as the tests use it.
pub(crate) const ET: u64 = RAFT_ELECTION_TIMEOUT_MS;

/// Runs the body of test `name`, then its `end()`.
pub fn run_body<R: Raft>(name: &str, t: &mut Tester<R>) -> Check<Summary> {
    let body: fn(&mut Tester<R>) -> Check = match name {
        "TestInitialElection3A" => part_a::initial_election,
        "TestReElection3A" => part_a::re_election,
        "TestManyElections3A" => part_a::many_elections,
        "TestBasicAgree3B" => part_b::basic_agree,
        "TestRPCBytes3B" => part_b::rpc_bytes,
        "TestFollowerFailure3B" => part_b::follower_failure,
        "TestLeaderFailure3B" => part_b::leader_failure,
        "TestFailAgree3B" => part_b::fail_agree,
        "TestFailNoAgree3B" => part_b::fail_no_agree,
        "TestConcurrentStarts3B" => part_b::concurrent_starts,
        "TestRejoin3B" => part_b::rejoin,
        "TestBackup3B" => part_b::backup,
        "TestCount3B" => part_b::count,
        "TestPersist13C" => part_c::persist1,
        "TestPersist23C" => part_c::persist2,
        "TestPersist33C" => part_c::persist3,
        "TestFigure83C" => part_c::figure8,
        "TestUnreliableAgree3C" => part_c::unreliable_agree,
        "TestFigure8Unreliable3C" => part_c::figure8_unreliable,
        "TestReliableChurn3C" => part_c::reliable_churn,
        "TestUnreliableChurn3C" => part_c::unreliable_churn,
        "TestSnapshotBasic3D" => part_d::snapshot_basic,
        "TestSnapshotInstall3D" => part_d::snapshot_install,
        "TestSnapshotInstallUnreliable3D" => part_d::snapshot_install_unreliable,
        "TestSnapshotInstallCrash3D" => part_d::snapshot_install_crash,
        "TestSnapshotInstallUnCrash3D" => part_d::snapshot_install_uncrash,
        "TestSnapshotAllCrash3D" => part_d::snapshot_all_crash,
        "TestSnapshotInit3D" => part_d::snapshot_init,
        other => panic!("no body for test {other}: the registry and the suite disagree"),
    };
    body(t)?;
    t.end()?;
    Ok(t.summary())
}
