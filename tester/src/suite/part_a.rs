//! Part 3A: leader election.

use super::ET;
use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// TestInitialElection3A: "Test (3A): initial election".
pub(crate) fn initial_election<R: Raft>(t: &mut Tester<R>) -> Check {
    t.begin("Test (3A): initial election");
    // is a leader elected?
    t.check_one_leader()?;
    // sleep a bit to avoid racing with followers learning of the election,
    // then check that all peers agree on the term.
    t.sleep(50)?;
    let term1 = t.check_terms()?;
    if term1.is_none_or(|term| term < 1) {
        let shown = term1.map_or(-1, |x| x as i64);
        return Err(t.fatal(
            "TestInitialElection3A",
            format!("term is {shown}, but should be at least 1"),
        ));
    }
    // does the leader+term stay the same if there is no network failure?
    t.sleep(2 * ET)?;
    let term2 = t.check_terms()?;
    if term1 != term2 {
        t.print("warning: term changed even though there were no failures");
    }
    // there should still be a leader.
    t.check_one_leader()?;
    Ok(())
}

/// TestReElection3A: "Test (3A): election after network failure".
pub(crate) fn re_election<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3A): election after network failure");
    let leader1 = t.check_one_leader()?;
    // if the leader disconnects, a new one should be elected.
    t.disconnect(leader1);
    t.check_one_leader()?;
    // if the old leader rejoins, that shouldn't disturb the new leader.
    // and the old leader should switch to follower.
    t.connect(leader1);
    let leader2 = t.check_one_leader()?;
    // if there's no quorum, no new leader should be elected.
    t.disconnect(leader2);
    t.disconnect((leader2 + 1) % servers);
    t.sleep(2 * ET)?;
    // check that the one connected server does not think it is the leader.
    t.check_no_leader()?;
    // if a quorum arises, it should elect a leader.
    t.connect((leader2 + 1) % servers);
    t.check_one_leader()?;
    // re-join of last node shouldn't prevent leader from existing.
    t.connect(leader2);
    t.check_one_leader()?;
    Ok(())
}

/// TestManyElections3A: "Test (3A): multiple elections".
pub(crate) fn many_elections<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers() as u64;
    t.begin("Test (3A): multiple elections");
    t.check_one_leader()?;
    let iters = 10;
    for _ in 1..iters {
        // disconnect three nodes
        let i1 = t.rand(servers) as usize;
        let i2 = t.rand(servers) as usize;
        let i3 = t.rand(servers) as usize;
        t.disconnect(i1);
        t.disconnect(i2);
        t.disconnect(i3);
        // either the current leader should still be alive,
        // or the remaining four should elect a new one.
        t.check_one_leader()?;
        t.connect(i1);
        t.connect(i2);
        t.connect(i3);
    }
    t.check_one_leader()?;
    Ok(())
}
