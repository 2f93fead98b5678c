//! The course's `begin`/`end` lines, the 120 s limit, and the counters the
//! tests read (`rpcCount`, `rpcTotal`, `bytesTotal`, `LogSize`/`RaftSize`,
//! and 2026's `#Ops`: successful `one()` calls since `begin`).

use crate::edition::Edition;
use crate::failure::Check;
use crate::harness::{Since, TEST_TIME_LIMIT_MS, Tester};
use labrpc::ServerName;
use raftapi::Raft;

/// The summary of a passed test: the Go tester's columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    /// Virtual seconds since `begin`.
    pub seconds: f64,
    /// Number of servers.
    pub peers: usize,
    /// RPCs sent since `begin`.
    pub rpcs: u64,
    /// Bytes since `begin`.
    pub bytes: u64,
    /// How far the highest applied index moved since `begin`.
    pub commands: u64,
    /// Successful `one()` calls since `begin` (the 2026 `#Ops`; the 2025
    /// column is always 0 for Raft).
    pub ops: u64,
}

impl<R: Raft> Tester<R> {
    /// `begin(description)`: prints the label and starts the statistics.
    pub fn begin(&mut self, description: &str) {
        let line = match self.edition {
            Edition::Y2024 => format!("{description} ..."),
            Edition::Y2025 | Edition::Y2026 => {
                let kind = if self.reliable {
                    "reliable"
                } else {
                    "unreliable"
                };
                format!("{description} ({kind} network)...")
            }
        };
        self.say(line);
        self.began = Some(description.to_string());
        let totals = self.sim.totals();
        self.since = Since {
            t0: self.sim.now(),
            rpcs0: totals.calls,
            bytes0: totals.bytes,
            max_index0: self.records.max_index,
            ops: 0,
        };
    }

    /// The statistics since `begin`.
    pub fn summary(&self) -> Summary {
        let totals = self.sim.totals();
        Summary {
            seconds: self.sim.now().ms_since(self.since.t0) as f64 / 1000.0,
            peers: self.n,
            rpcs: totals.calls - self.since.rpcs0,
            bytes: totals.bytes - self.since.bytes0,
            commands: self.records.max_index - self.since.max_index0,
            ops: self.since.ops,
        }
    }

    /// `end()`: the time limit, then the "Passed" line.
    pub fn end(&mut self) -> Check {
        self.check_timeout()?;
        let s = self.summary();
        let line = match self.edition {
            Edition::Y2024 => format!(
                "  ... Passed --  {:4.1}  {} {:4} {:7} {:4}",
                s.seconds, s.peers, s.rpcs, s.bytes, s.commands
            ),
            // The course prints #Ops: always 0 for Raft in 2025, successful
            // `one()` calls in 2026 (`OpInc`). Bytes and commands are added
            // so every edition reports the same figures.
            Edition::Y2025 | Edition::Y2026 => {
                let ops = if self.edition == Edition::Y2026 {
                    s.ops
                } else {
                    0
                };
                format!(
                    "  ... Passed --  time {:4.1}s #peers {} #RPCs {:5} #Ops {:4} #bytes {:7} #cmds {:4}",
                    s.seconds, s.peers, s.rpcs, ops, s.bytes, s.commands
                )
            }
        };
        self.say(line);
        Ok(())
    }

    /// `checkTimeout()`: fails a test that took more than 120 s (virtual).
    pub fn check_timeout(&self) -> Check {
        if self.sim.now().ms_since(self.start) > TEST_TIME_LIMIT_MS {
            return Err(self.fatal("checkTimeout", "test took longer than 120 seconds"));
        }
        Ok(())
    }

    /// Prints a line the way a test's `fmt.Printf` would.
    pub fn print(&mut self, line: impl Into<String>) {
        self.say(line.into());
    }

    /// `rpcCount(i)`: requests handled by server i's current incarnation.
    pub fn rpc_count(&self, i: usize) -> u64 {
        self.sim
            .server(ServerName(i))
            .map_or(0, |s| self.sim.incoming_count(s))
    }

    /// `rpcTotal()`: every call made.
    pub fn rpc_total(&self) -> u64 {
        self.sim.totals().calls
    }

    /// `bytesTotal()`: request bytes plus delivered reply bytes.
    pub fn bytes_total(&self) -> u64 {
        self.sim.totals().bytes
    }

    /// `OpInc()`: one more successful `one()` (2026's `#Ops`).
    pub(crate) fn op_inc(&mut self) {
        self.since.ops += 1;
    }

    /// `LogSize()` (2024, 2025) = `RaftSize()` (2026): the largest persisted
    /// Raft state (without snapshots): the live state of running servers,
    /// the state at the kill for killed ones.
    pub fn log_size(&self) -> usize {
        self.saved
            .iter()
            .map(|p| p.raft_state.len())
            .max()
            .unwrap_or(0)
    }
}
