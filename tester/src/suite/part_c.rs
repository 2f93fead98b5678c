//! Part 3C: persistence. Spec §4.3, with the 2025 steps of §7.3(3)-(4):
//! where 2024 disconnects or `crash1`es and later `start1`s and connects,
//! 2025 shuts down and `restart`s, and `restart` reconnects every server.
//! 2026 (`edition-2026.md` §1-2) `kill`s and `restart`s lists of servers,
//! and `restart` connects only the servers it starts.

use super::ET;
use super::common::{crash_all, one_rand, start_all};
use crate::churn::{self, ChurnClient};
use crate::cmd::Cmd;
use crate::edition::Edition;
use crate::failure::Check;
use crate::harness::Tester;
use crate::one::One;
use crate::tasks::{Task, TaskId};
use raftapi::Raft;

/// Takes servers out of the cluster for a while: 2024 `disconnect(i)` for
/// each; 2025 `ShutdownServer(i)` for each (§7.3(3)); 2026 `kill(servers)`.
fn take_down<R: Raft>(t: &mut Tester<R>, servers: &[usize]) {
    match t.edition() {
        Edition::Y2024 => servers.iter().for_each(|&i| t.disconnect(i)),
        Edition::Y2025 => servers.iter().for_each(|&i| t.shutdown_server(i)),
        Edition::Y2026 => t.kill(servers),
    }
}

/// Brings back a server [`take_down`] took out: 2024 `connect(i)`; 2025
/// `restart(i)`, which reconnects every server; 2026 `restart([i])`.
fn bring_back<R: Raft>(t: &mut Tester<R>, i: usize) {
    match t.edition() {
        Edition::Y2024 => t.connect(i),
        Edition::Y2025 => t.restart(i),
        Edition::Y2026 => t.restart_servers(&[i]),
    }
}

/// TestPersist13C: "Test (3C): basic persistence".
pub(crate) fn persist1<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): basic persistence");

    t.one_int(11, servers, true)?;

    // crash and re-start all
    match t.edition() {
        Edition::Y2024 => {
            // one at a time; none is connected until all have restarted.
            for i in 0..servers {
                t.start1(i);
            }
            for i in 0..servers {
                t.disconnect(i);
                t.connect(i);
            }
        }
        Edition::Y2025 | Edition::Y2026 => {
            // 2025 g.Shutdown(), g.StartServers(); 2026 kill(Servers()),
            // restart(Servers()): all down together.
            crash_all(t);
            start_all(t);
        }
    }

    t.one_int(12, servers, true)?;

    let leader1 = t.check_one_leader()?;
    take_down(t, &[leader1]);
    t.revive(leader1);

    t.one_int(13, servers, true)?;

    let leader2 = t.check_one_leader()?;
    take_down(t, &[leader2]);
    t.one_int(14, servers - 1, true)?;
    t.revive(leader2);

    // wait for leader2 to join before killing i3
    t.wait(4, servers, None)?;

    let i3 = (t.check_one_leader()? + 1) % servers;
    take_down(t, &[i3]);
    t.one_int(15, servers - 1, true)?;
    t.revive(i3);

    t.one_int(16, servers, true)?;
    Ok(())
}

/// TestPersist23C: "Test (3C): more persistence". In 2025 and 2026 every
/// server is shut down and restarted in every round (§7.3(3)); 2026 restarts
/// L+1 and L+2 with one `restart([L+1, L+2])`: both start, then both connect.
pub(crate) fn persist2<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): more persistence");

    let mut index = 1;
    for _ in 0..5 {
        t.one_int(10 + index, servers, true)?;
        index += 1;

        let leader1 = t.check_one_leader()?;
        let at = |k: usize| (leader1 + k) % servers;

        take_down(t, &[at(1), at(2)]);

        t.one_int(10 + index, servers - 2, true)?;
        index += 1;

        take_down(t, &[at(0), at(3), at(4)]);

        match t.edition() {
            Edition::Y2024 => {
                t.start1(at(1));
                t.start1(at(2));
                t.connect(at(1));
                t.connect(at(2));
            }
            Edition::Y2025 => {
                t.restart(at(1));
                t.restart(at(2));
            }
            Edition::Y2026 => t.restart_servers(&[at(1), at(2)]),
        }

        t.sleep(ET)?;

        t.revive(at(3));

        t.one_int(10 + index, servers - 2, true)?;
        index += 1;

        bring_back(t, at(4));
        bring_back(t, at(0));
    }

    t.one_int(1000, servers, true)?;
    Ok(())
}

/// TestPersist33C: "Test (3C): partitioned leader and one follower crash,
/// leader restarts".
pub(crate) fn persist3<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): partitioned leader and one follower crash, leader restarts");

    t.one_int(101, 3, true)?;

    let leader = t.check_one_leader()?;
    t.disconnect((leader + 2) % servers);

    t.one_int(102, 2, true)?;

    t.crash(leader % servers);
    t.crash((leader + 1) % servers);
    t.connect((leader + 2) % servers);
    t.revive(leader % servers);

    t.one_int(103, 2, true)?;

    t.revive((leader + 1) % servers);

    t.one_int(104, servers, true)?;
    Ok(())
}

/// The Figure 8 tests' pause: with probability 10 % up to half an election
/// timeout (0-499 ms), otherwise 0-12 ms.
fn figure8_sleep<R: Raft>(t: &mut Tester<R>) -> Check {
    let ms = if t.rand(1000) < 100 {
        t.rand(ET / 2)
    } else {
        t.rand(13)
    };
    t.sleep(ms)
}

/// TestFigure83C: "Test (3C): Figure 8".
///
/// Test the scenarios described in Figure 8 of the extended Raft paper. Each
/// iteration asks a leader, if there is one, to insert a command in the Raft
/// log.  If there is a leader, that leader will fail quickly with a high
/// probability (perhaps without committing the command), or crash after a while
/// with low probability (most likey committing the command).  If the number of
/// alive servers isn't enough to form a majority, perhaps start a new server.
/// The leader in a new term may try to finish replicating log entries that
/// haven't been committed yet.
pub(crate) fn figure8<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): Figure 8");

    one_rand(t, 1)?;

    let mut nup = servers;
    for _ in 0..1000 {
        let mut leader = None;
        for i in 0..servers {
            if t.is_up(i) {
                let cmd = Cmd::Int(t.rand_int()).encode();
                if t.start_on(i, cmd).is_some() {
                    leader = Some(i);
                }
            }
        }

        figure8_sleep(t)?;

        if let Some(leader) = leader {
            t.crash(leader);
            nup -= 1;
        }

        if nup < 3 {
            let s = t.rand(servers as u64) as usize;
            if !t.is_up(s) {
                t.revive(s);
                nup += 1;
            }
        }
    }

    for i in 0..servers {
        if !t.is_up(i) {
            t.revive(i);
        }
    }

    one_rand(t, servers)?;
    Ok(())
}

/// TestUnreliableAgree3C: "Test (3C): unreliable agreement". The goroutines
/// are background tasks; they pile up (196 of them) and are joined at the end.
pub(crate) fn unreliable_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): unreliable agreement");

    let mut wg: Vec<TaskId> = Vec::new();
    for iters in 1..50 {
        for j in 0..4 {
            wg.push(t.spawn_one(One::new(Cmd::Int(100 * iters + j), 1, true, t.now())));
        }
        t.one_int(iters, 1, true)?;
    }

    t.set_reliable(true);

    t.join(&wg)?;

    t.one_int(100, servers, true)?;
    Ok(())
}

/// TestFigure8Unreliable3C: "Test (3C): Figure 8 (unreliable)". Servers are
/// only partitioned, never crashed.
pub(crate) fn figure8_unreliable<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3C): Figure 8 (unreliable)");

    let x = t.rand_int() % 10000;
    t.one_int(x, 1, true)?;

    let mut nup = servers;
    for iters in 0..1000 {
        if iters == 200 {
            t.set_long_reordering(true);
        }
        let mut leader = None;
        for i in 0..servers {
            let cmd = Cmd::Int(t.rand_int() % 10000).encode();
            let ok = t.start_on(i, cmd).is_some();
            if ok && t.is_connected(i) {
                leader = Some(i);
            }
        }

        figure8_sleep(t)?;

        if let Some(leader) = leader
            && t.rand(1000) < ET / 2
        {
            t.disconnect(leader);
            nup -= 1;
        }

        if nup < 3 {
            let s = t.rand(servers as u64) as usize;
            if !t.is_connected(s) {
                t.connect(s);
                nup += 1;
            }
        }
    }

    for i in 0..servers {
        if !t.is_connected(i) {
            t.connect(i);
        }
    }

    let x = t.rand_int() % 10000;
    t.one_int(x, servers, true)?;
    Ok(())
}

/// Number of churn clients.
const CHURN_CLIENTS: u64 = 3;
/// Rounds of the churn fault schedule.
const CHURN_ROUNDS: usize = 20;

/// Restarts server i if it is down: 2024 `start1(i)`; 2025 `restart(i)`,
/// which reconnects every server (§7.3(4)), healing every partition; 2026
/// `restart([i])`, which connects i only, so partitions survive. The caller
/// connects i after.
fn start_if_down<R: Raft>(t: &mut Tester<R>, i: usize) {
    if t.is_up(i) {
        return;
    }
    match t.edition() {
        Edition::Y2024 => t.start1(i),
        Edition::Y2025 => t.restart(i),
        Edition::Y2026 => t.restart_servers(&[i]),
    }
}

/// `internalChurn`: three clients submit random ints to every live server
/// while servers are disconnected, crashed and restarted; every value a
/// client saw commit must be in the final log.
fn internal_churn<R: Raft>(t: &mut Tester<R>, reliable: bool) -> Check {
    let servers = t.servers();
    if reliable {
        t.begin("Test (3C): churn");
    } else {
        t.begin("Test (3C): unreliable churn");
    }

    // create concurrent clients
    let clients: Vec<TaskId> = (0..CHURN_CLIENTS)
        .map(|me| t.spawn(Task::Churn(ChurnClient::new(me))))
        .collect();

    let n = servers as u64;
    for _ in 0..CHURN_ROUNDS {
        if t.rand(1000) < 200 {
            let i = t.rand(n) as usize;
            t.disconnect(i);
        }

        if t.rand(1000) < 500 {
            let i = t.rand(n) as usize;
            start_if_down(t, i);
            t.connect(i);
        }

        if t.rand(1000) < 200 {
            let i = t.rand(n) as usize;
            if t.is_up(i) {
                t.crash(i);
            }
        }

        // Make crash/restart infrequent enough that the peers can often
        // keep up, but not so infrequent that everything has settled
        // down from one change to the next. Pick a value smaller than
        // the election timeout, but not hugely smaller.
        t.sleep(ET * 7 / 10)?;
    }

    t.sleep(ET)?;
    t.set_reliable(true);
    for i in 0..servers {
        start_if_down(t, i);
        t.connect(i);
    }

    t.churn_stop = true;
    t.join(&clients)?;
    // A client that failed has already failed the test; one that returned
    // nothing is the course's nil result.
    if t.churn_results.len() != clients.len() {
        return Err(t.fatal("internalChurn", "client failed"));
    }
    let values: Vec<i64> = t.churn_results.concat();

    t.sleep(ET)?;

    let last_index = one_rand(t, servers)?;

    let mut really = Vec::new();
    for index in 1..=last_index {
        match t.wait(index, servers, None)?.and_then(|v| v.as_int()) {
            Some(vi) => really.push(vi),
            None => return Err(t.fatal("internalChurn", "not an int")),
        }
    }

    if !churn::all_found(&values, &really) {
        return Err(t.fatal("internalChurn", "didn't find a value"));
    }
    Ok(())
}

/// TestReliableChurn3C: "Test (3C): churn".
pub(crate) fn reliable_churn<R: Raft>(t: &mut Tester<R>) -> Check {
    internal_churn(t, true)
}

/// TestUnreliableChurn3C: "Test (3C): unreliable churn".
pub(crate) fn unreliable_churn<R: Raft>(t: &mut Tester<R>) -> Check {
    internal_churn(t, false)
}
