//! Part 3B: log replication.

use super::ET;
use crate::cmd::Cmd;
use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// TestBasicAgree3B: "Test (3B): basic agreement".
pub(crate) fn basic_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): basic agreement");
    for index in 1..=3u64 {
        let (nd, _) = t.n_committed(index)?;
        if nd > 0 {
            return Err(t.fatal("TestBasicAgree3B", "some have committed before Start()"));
        }
        let xindex = t.one_int(index as i64 * 100, servers, false)?;
        if xindex != index {
            return Err(t.fatal(
                "TestBasicAgree3B",
                format!("got index {xindex} but expected {index}"),
            ));
        }
    }
    Ok(())
}

/// TestRPCBytes3B: "Test (3B): RPC byte count". Check, based on counting
/// bytes of RPCs, that each command is sent to each peer just once.
pub(crate) fn rpc_bytes<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): RPC byte count");
    t.one_int(99, servers, false)?;
    let bytes0 = t.bytes_total();
    let iters = 10;
    let mut sent = 0u64;
    for index in 2..iters + 2 {
        let cmd = t.rand_string(5000);
        sent += cmd.len() as u64;
        let xindex = t.one(Cmd::Str(cmd), servers, false)?;
        if xindex != index {
            return Err(t.fatal(
                "TestRPCBytes3B",
                format!("got index {xindex} but expected {index}"),
            ));
        }
    }
    let got = t.bytes_total() - bytes0;
    let expected = servers as u64 * sent;
    if got > expected + 50_000 {
        return Err(t.fatal(
            "TestRPCBytes3B",
            format!("too many RPC bytes; got {got}, expected {expected}"),
        ));
    }
    Ok(())
}

/// TestFollowerFailure3B: "Test (3B): test progressive failure of followers".
pub(crate) fn follower_failure<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): test progressive failure of followers");
    t.one_int(101, servers, false)?;
    // disconnect one follower from the network.
    let leader1 = t.check_one_leader()?;
    t.disconnect((leader1 + 1) % servers);
    // the leader and remaining follower should be able to agree despite the
    // disconnected follower.
    t.one_int(102, servers - 1, false)?;
    t.sleep(ET)?;
    t.one_int(103, servers - 1, false)?;
    // disconnect the remaining follower
    let leader2 = t.check_one_leader()?;
    t.disconnect((leader2 + 1) % servers);
    t.disconnect((leader2 + 2) % servers);
    // submit a command.
    let Some(started) = t.start_on(leader2, Cmd::Int(104).encode()) else {
        return Err(t.fatal("TestFollowerFailure3B", "leader rejected Start()"));
    };
    if started.index.0 != 4 {
        return Err(t.fatal(
            "TestFollowerFailure3B",
            format!("expected index 4, got {}", started.index.0),
        ));
    }
    t.sleep(2 * ET)?;
    // check that command 104 did not commit.
    t.check_no_agreement(started.index.0)
}

/// TestLeaderFailure3B: "Test (3B): test failure of leaders".
pub(crate) fn leader_failure<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): test failure of leaders");
    t.one_int(101, servers, false)?;
    // disconnect the first leader.
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    // the remaining followers should elect a new leader.
    t.one_int(102, servers - 1, false)?;
    t.sleep(ET)?;
    t.one_int(103, servers - 1, false)?;
    // disconnect the new leader.
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    // submit a command to each server.
    for i in 0..servers {
        t.start_on(i, Cmd::Int(104).encode());
    }
    t.sleep(2 * ET)?;
    // check that command 104 did not commit.
    t.check_no_agreement(4)
}

/// TestFailAgree3B: "Test (3B): agreement after follower reconnects".
pub(crate) fn fail_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): agreement after follower reconnects");
    t.one_int(101, servers, false)?;
    // disconnect one follower from the network.
    let leader = t.check_one_leader()?;
    t.disconnect((leader + 1) % servers);
    // the leader and remaining follower should be able to agree despite the
    // disconnected follower.
    t.one_int(102, servers - 1, false)?;
    t.one_int(103, servers - 1, false)?;
    t.sleep(ET)?;
    t.one_int(104, servers - 1, false)?;
    t.one_int(105, servers - 1, false)?;
    // re-connect
    t.connect((leader + 1) % servers);
    // the full set of servers should preserve previous agreements, and be
    // able to agree on new commands.
    t.one_int(106, servers, true)?;
    t.sleep(ET)?;
    t.one_int(107, servers, true)?;
    Ok(())
}

/// TestFailNoAgree3B: "Test (3B): no agreement if too many followers disconnect".
pub(crate) fn fail_no_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): no agreement if too many followers disconnect");
    t.one_int(10, servers, false)?;
    // 3 of 5 followers disconnect
    let leader = t.check_one_leader()?;
    for k in 1..=3 {
        t.disconnect((leader + k) % servers);
    }
    let Some(started) = t.start_on(leader, Cmd::Int(20).encode()) else {
        return Err(t.fatal("TestFailNoAgree3B", "leader rejected Start()"));
    };
    if started.index.0 != 2 {
        return Err(t.fatal(
            "TestFailNoAgree3B",
            format!("expected index 2, got {}", started.index.0),
        ));
    }
    t.sleep(2 * ET)?;
    let (n, _) = t.n_committed(started.index.0)?;
    if n > 0 {
        return Err(t.fatal(
            "TestFailNoAgree3B",
            format!("{n} committed but no majority"),
        ));
    }
    // repair
    for k in 1..=3 {
        t.connect((leader + k) % servers);
    }
    // the disconnected majority may have chosen a leader from among their
    // own ranks, forgetting index 2.
    let leader2 = t.check_one_leader()?;
    let Some(started2) = t.start_on(leader2, Cmd::Int(30).encode()) else {
        return Err(t.fatal("TestFailNoAgree3B", "leader2 rejected Start()"));
    };
    if !(2..=3).contains(&started2.index.0) {
        return Err(t.fatal(
            "TestFailNoAgree3B",
            format!("unexpected index {}", started2.index.0),
        ));
    }
    t.one_int(1000, servers, true)?;
    Ok(())
}

/// TestConcurrentStarts3B: "Test (3B): concurrent Start()s". The five
/// goroutines' `Start`s run one after another at the same virtual instant.
pub(crate) fn concurrent_starts<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): concurrent Start()s");
    for attempt in 0..5 {
        if attempt > 0 {
            // give solution some time to settle
            t.sleep(3000)?;
        }
        if concurrent_starts_try(t, servers)? {
            return Ok(());
        }
    }
    Err(t.fatal("TestConcurrentStarts3B", "term changed too often"))
}

/// One try of TestConcurrentStarts3B: `Ok(false)` means "try again".
fn concurrent_starts_try<R: Raft>(t: &mut Tester<R>, servers: usize) -> Check<bool> {
    let leader = t.check_one_leader()?;
    let Some(first) = t.start_on(leader, Cmd::Int(1).encode()) else {
        return Ok(false); // leader moved on really quickly
    };
    let term = first.term;
    let iters = 5;
    let mut indices = Vec::new();
    for i in 0..iters {
        if let Some(s) = t.start_on(leader, Cmd::Int(100 + i).encode())
            && s.term == term
        {
            indices.push(s.index.0);
        }
    }
    for j in 0..servers {
        if t.get_state(j).is_none_or(|(tj, _)| tj != term.0) {
            return Ok(false); // term changed -- can't expect low RPC counts
        }
    }
    let mut cmds = Vec::new();
    for index in indices {
        match t.wait(index, servers, Some(term.0))? {
            // peers have moved on to later terms, so we can't expect all
            // Start()s to have succeeded
            None => return Ok(false),
            Some(Cmd::Int(x)) => cmds.push(x),
            Some(other) => {
                return Err(t.fatal(
                    "TestConcurrentStarts3B",
                    format!("value {other} is not an int"),
                ));
            }
        }
    }
    for i in 0..iters {
        let x = 100 + i;
        if !cmds.contains(&x) {
            return Err(t.fatal(
                "TestConcurrentStarts3B",
                format!("cmd {x} missing in {cmds:?}"),
            ));
        }
    }
    Ok(true)
}

/// TestRejoin3B: "Test (3B): rejoin of partitioned leader".
pub(crate) fn rejoin<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): rejoin of partitioned leader");
    t.one_int(101, servers, true)?;
    // leader network failure
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    // make old leader try to agree on some entries
    for x in [102, 103, 104] {
        t.start_on(leader1, Cmd::Int(x).encode());
    }
    // new leader commits, also for index=2
    t.one_int(103, 2, true)?;
    // new leader network failure
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    // old leader connected again
    t.connect(leader1);
    t.one_int(104, 2, true)?;
    // all together now
    t.connect(leader2);
    t.one_int(105, servers, true)?;
    Ok(())
}

/// TestBackup3B: "Test (3B): leader backs up quickly over incorrect follower logs".
pub(crate) fn backup<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): leader backs up quickly over incorrect follower logs");
    let x = t.rand_int();
    t.one_int(x, servers, true)?;
    // put leader and one follower in a partition
    let leader1 = t.check_one_leader()?;
    for k in 2..=4 {
        t.disconnect((leader1 + k) % servers);
    }
    // submit lots of commands that won't commit
    start_many(t, leader1, 50);
    t.sleep(ET / 2)?;
    t.disconnect(leader1 % servers);
    t.disconnect((leader1 + 1) % servers);
    // allow other partition to recover
    for k in 2..=4 {
        t.connect((leader1 + k) % servers);
    }
    // lots of successful commands to new group.
    for _ in 0..50 {
        let x = t.rand_int();
        t.one_int(x, 3, true)?;
    }
    // now another partitioned leader and one follower
    let leader2 = t.check_one_leader()?;
    let mut other = (leader1 + 2) % servers;
    if leader2 == other {
        other = (leader2 + 1) % servers;
    }
    t.disconnect(other);
    // lots more commands that won't commit
    start_many(t, leader2, 50);
    t.sleep(ET / 2)?;
    // bring original leader back to life,
    for i in 0..servers {
        t.disconnect(i);
    }
    t.connect(leader1 % servers);
    t.connect((leader1 + 1) % servers);
    t.connect(other);
    // lots of successful commands to new group.
    for _ in 0..50 {
        let x = t.rand_int();
        t.one_int(x, 3, true)?;
    }
    // now everyone
    for i in 0..servers {
        t.connect(i);
    }
    let x = t.rand_int();
    t.one_int(x, servers, true)?;
    Ok(())
}

/// `Start(rand.Int())` `n` times on server `i`, results ignored.
fn start_many<R: Raft>(t: &mut Tester<R>, i: usize, n: usize) {
    for _ in 0..n {
        let x = t.rand_int();
        t.start_on(i, Cmd::Int(x).encode());
    }
}

/// TestCount3B: "Test (3B): RPC counts aren't too high".
pub(crate) fn count<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3B): RPC counts aren't too high");
    t.check_one_leader()?;
    let total1 = rpcs(t);
    if !(1..=30).contains(&total1) {
        return Err(t.fatal(
            "TestCount3B",
            format!("too many or few RPCs ({total1}) to elect initial leader"),
        ));
    }
    let mut total2 = None;
    for attempt in 0..5 {
        if attempt > 0 {
            t.sleep(3000)?;
        }
        if let Some(total) = count_try(t, servers)? {
            total2 = Some(total);
            break;
        }
    }
    let Some(total2) = total2 else {
        return Err(t.fatal("TestCount3B", "term changed too often"));
    };
    t.sleep(ET)?;
    let total3 = rpcs(t);
    if total3 - total2 > 3 * 20 {
        let m = format!(
            "too many RPCs ({}) for 1 second of idleness",
            total3 - total2
        );
        return Err(t.fatal("TestCount3B", m));
    }
    Ok(())
}

/// The sum of the per-server incoming RPC counts.
fn rpcs<R: Raft>(t: &Tester<R>) -> u64 {
    (0..t.servers()).map(|j| t.rpc_count(j)).sum()
}

/// One try of TestCount3B's main loop: `Ok(None)` means "try again",
/// `Ok(Some(total2))` success.
fn count_try<R: Raft>(t: &mut Tester<R>, servers: usize) -> Check<Option<u64>> {
    let leader = t.check_one_leader()?;
    let total1 = rpcs(t);
    let iters = 10u64;
    let Some(first) = t.start_on(leader, Cmd::Int(1).encode()) else {
        return Ok(None);
    };
    let (starti, term) = (first.index.0, first.term);
    let mut cmds = Vec::new();
    for i in 1..iters + 2 {
        let x = (t.rand(1 << 31)) as i64; // rand.Int31()
        cmds.push(x);
        match t.start_on(leader, Cmd::Int(x).encode()) {
            Some(s) if s.term == term => {
                if s.index.0 != starti + i {
                    return Err(t.fatal("TestCount3B", "Start() failed"));
                }
            }
            _ => return Ok(None),
        }
    }
    for i in 1..iters + 1 {
        match t.wait(starti + i, servers, Some(term.0))? {
            None => return Ok(None),
            Some(Cmd::Int(x)) if x == cmds[i as usize - 1] => {}
            Some(other) => {
                let m = format!(
                    "wrong value {other} committed for index {}; expected {cmds:?}",
                    starti + i
                );
                return Err(t.fatal("TestCount3B", m));
            }
        }
    }
    let total2 = rpcs(t);
    if (0..servers).any(|j| t.get_state(j).is_none_or(|(tj, _)| tj != term.0)) {
        return Ok(None);
    }
    if total2 - total1 > (iters + 1 + 3) * 3 {
        let m = format!("too many RPCs ({}) for {iters} entries", total2 - total1);
        return Err(t.fatal("TestCount3B", m));
    }
    Ok(Some(total2))
}
