//! Part 3D: log compaction. Spec §4.4, with the 2025 differences of §7.3:
//! crash means `ShutdownServer` and `restart` (which reconnects everyone),
//! two labels lose their network suffix (`Begin` appends the network type),
//! and TestSnapshotAllCrash3D and TestSnapshotInit3D run on an unreliable
//! network (set up by the registry). 2026 is 2025 with `kill`/`restart` of
//! one server and the size check renamed "Raft size too large" (Go's
//! `t.Fatalf`, printed bare).

use super::common::{crash_all, one_rand, start_all};
use crate::applier::SNAPSHOT_INTERVAL;
use crate::cmd::Cmd;
use crate::edition::Edition;
use crate::failure::{Check, Failure};
use crate::harness::Tester;
use raftapi::Raft;

/// The course's `MAXLOGSIZE`: the largest persisted Raft state (bytes,
/// without the snapshot) the snapshot tests allow.
pub(crate) const MAX_LOG_SIZE: usize = 2000;

/// Rounds of `snapcommon`.
const SNAP_ROUNDS: usize = 30;

/// What `snapcommon` does to the victim in each round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Nothing: all followers stay current (no InstallSnapshot needed).
    None,
    /// Disconnect the victim, later reconnect it.
    Disconnect,
    /// Crash the victim, later restart it.
    Crash,
}

/// `snapcommon(name, disconnect, reliable, crash)`; the network kind comes
/// from the registry's set-up.
fn snapcommon<R: Raft>(t: &mut Tester<R>, name: &str, fault: Fault) -> Check {
    let servers = t.servers();
    t.begin(name);

    one_rand(t, servers)?;
    let mut leader1 = t.check_one_leader()?;

    for i in 0..SNAP_ROUNDS {
        let mut victim = (leader1 + 1) % servers;
        let mut sender = leader1;
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }

        match fault {
            Fault::Disconnect => {
                t.disconnect(victim);
                one_rand(t, servers - 1)?;
            }
            Fault::Crash => {
                t.crash(victim);
                one_rand(t, servers - 1)?;
            }
            Fault::None => {}
        }

        // perhaps send enough to get a snapshot
        let nn = SNAPSHOT_INTERVAL / 2 + t.rand(SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            // The sender may not be the leader; the results are ignored.
            let cmd = Cmd::Int(t.rand_int()).encode();
            let _ = t.start_on(sender, cmd);
        }

        // let applier threads catch up with the Start()'s
        if fault == Fault::None {
            // make sure all followers have caught up, so that
            // an InstallSnapshot RPC isn't required for
            // TestSnapshotBasic3D().
            one_rand(t, servers)?;
        } else {
            one_rand(t, servers - 1)?;
        }

        check_size(t)?;
        match fault {
            Fault::Disconnect => {
                // reconnect a follower, who maybe behind and
                // needs to rceive a snapshot to catch up.
                t.connect(victim);
                one_rand(t, servers)?;
                leader1 = t.check_one_leader()?;
            }
            Fault::Crash => {
                t.revive(victim);
                one_rand(t, servers)?;
                leader1 = t.check_one_leader()?;
            }
            Fault::None => {}
        }
    }
    Ok(())
}

/// The size check after each round: `LogSize()` / "Log size too large"
/// (2024, 2025); `RaftSize()` / "Raft size too large" (2026), the same
/// number.
fn check_size<R: Raft>(t: &mut Tester<R>) -> Check {
    if t.log_size() < MAX_LOG_SIZE {
        return Ok(());
    }
    Err(match t.edition() {
        Edition::Y2024 | Edition::Y2025 => t.fatal("snapcommon", "Log size too large"),
        Edition::Y2026 => Failure::bare("snapcommon", "Raft size too large", t.now()),
    })
}

/// TestSnapshotBasic3D: "Test (3D): snapshots basic".
pub(crate) fn snapshot_basic<R: Raft>(t: &mut Tester<R>) -> Check {
    snapcommon(t, "Test (3D): snapshots basic", Fault::None)
}

/// TestSnapshotInstall3D: "Test (3D): install snapshots (disconnect)".
pub(crate) fn snapshot_install<R: Raft>(t: &mut Tester<R>) -> Check {
    snapcommon(
        t,
        "Test (3D): install snapshots (disconnect)",
        Fault::Disconnect,
    )
}

/// TestSnapshotInstallUnreliable3D: "Test (3D): install snapshots
/// (disconnect+unreliable)" in 2024; 2025 drops "+unreliable", since `Begin`
/// appends the network type (§7.3(2)).
pub(crate) fn snapshot_install_unreliable<R: Raft>(t: &mut Tester<R>) -> Check {
    let name = match t.edition() {
        Edition::Y2024 => "Test (3D): install snapshots (disconnect+unreliable)",
        Edition::Y2025 | Edition::Y2026 => "Test (3D): install snapshots (disconnect)",
    };
    snapcommon(t, name, Fault::Disconnect)
}

/// TestSnapshotInstallCrash3D: "Test (3D): install snapshots (crash)".
pub(crate) fn snapshot_install_crash<R: Raft>(t: &mut Tester<R>) -> Check {
    snapcommon(t, "Test (3D): install snapshots (crash)", Fault::Crash)
}

/// TestSnapshotInstallUnCrash3D: "Test (3D): install snapshots
/// (unreliable+crash)" in 2024; "Test (3D): install snapshots (crash)" in
/// 2025 (§7.3(2)).
pub(crate) fn snapshot_install_uncrash<R: Raft>(t: &mut Tester<R>) -> Check {
    let name = match t.edition() {
        Edition::Y2024 => "Test (3D): install snapshots (unreliable+crash)",
        Edition::Y2025 | Edition::Y2026 => "Test (3D): install snapshots (crash)",
    };
    snapcommon(t, name, Fault::Crash)
}

/// TestSnapshotAllCrash3D: "Test (3D): crash and restart all servers".
///
/// do the servers persist the snapshots, and
/// restart using snapshot along with the
/// tail of the log?
pub(crate) fn snapshot_all_crash<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3D): crash and restart all servers");

    one_rand(t, servers)?;

    for _ in 0..5 {
        // perhaps enough to get a snapshot
        let nn = SNAPSHOT_INTERVAL / 2 + t.rand(SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            one_rand(t, servers)?;
        }

        let index1 = one_rand(t, servers)?;

        // crash all
        crash_all(t);
        start_all(t);

        let index2 = one_rand(t, servers)?;
        if index2 < index1 + 1 {
            let m = format!("index decreased from {index1} to {index2}");
            return Err(t.fatal("TestSnapshotAllCrash3D", m));
        }
    }
    Ok(())
}

/// TestSnapshotInit3D: "Test (3D): snapshot initialization after crash".
///
/// do servers correctly initialize their in-memory copy of the snapshot, making
/// sure that future writes to persistent state don't lose state?
pub(crate) fn snapshot_init<R: Raft>(t: &mut Tester<R>) -> Check {
    let servers = t.servers();
    t.begin("Test (3D): snapshot initialization after crash");

    one_rand(t, servers)?;

    // enough ops to make a snapshot
    let nn = SNAPSHOT_INTERVAL + 1;
    for _ in 0..nn {
        one_rand(t, servers)?;
    }

    // crash all
    crash_all(t);
    start_all(t);

    // a single op, to get something to be written back to persistent storage.
    one_rand(t, servers)?;

    // crash all
    crash_all(t);
    start_all(t);

    // do another op to trigger potential bug
    one_rand(t, servers)?;
    Ok(())
}
