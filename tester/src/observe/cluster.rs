//! Where the cluster was when a run failed: one [`ServerState`] per server,
//! printed under the course's message in a failure report.

use super::state::role_name;
use crate::cmd::Cmd;
use crate::failure::Failure;
use crate::harness::Tester;
use raftapi::{Bytes, Raft};
use std::fmt;

/// One server as it was at the failure point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerState {
    /// The server.
    pub server: usize,
    /// Whether a Raft was running (not crashed).
    pub up: bool,
    /// Whether the tester had it connected.
    pub connected: bool,
    /// `state()`: its term and whether it believed it led (when up).
    pub state: Option<(u64, bool)>,
    /// From `inspect()`, when the Raft provides it: role, commit index,
    /// last log index.
    pub inspected: Option<(&'static str, u64, u64)>,
    /// Requests its current incarnation handled (the course's `rpcCount`).
    pub rpcs_handled: u64,
    /// For a failed `one()`: the index at which this server applied the
    /// command (`Some(None)`: it has not applied it).
    pub applied_command: Option<Option<u64>>,
}

impl fmt::Display for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let link = if self.connected {
            "connected"
        } else {
            "disconnected"
        };
        write!(f, "S{}: ", self.server)?;
        match (self.up, self.state, self.inspected) {
            (false, _, _) => write!(f, "crashed, {link}")?,
            (true, Some((term, _)), Some((role, commit, last))) => {
                write!(
                    f,
                    "{link}, {role}, term {term}, commit {commit}, last log {last}"
                )?;
            }
            (true, Some((term, leader)), None) => {
                let role = if leader { "leader" } else { "not leader" };
                write!(
                    f,
                    "{link}, {role}, term {term}, handled {} RPCs",
                    self.rpcs_handled
                )?;
            }
            (true, None, _) => write!(f, "{link}")?,
        }
        match self.applied_command {
            Some(Some(index)) => write!(f, "; applied the command at {index}"),
            Some(None) => write!(f, "; has not applied the command"),
            None => Ok(()),
        }
    }
}

impl<R: Raft> Tester<R> {
    /// `one(cmd)` failed to reach agreement: the course's failure, with the
    /// command kept for the report's per-server lines.
    pub(crate) fn fatal_one(&mut self, cmd: &Cmd, bytes: &Bytes) -> Failure {
        self.observer.failing_command = Some(bytes.clone());
        self.fatal("one", format!("one({cmd}) failed to reach agreement"))
    }

    /// Every server's state now (for a failure report).
    pub fn cluster_state(&self) -> Vec<ServerState> {
        let command = self.observer.failing_command.as_ref();
        (0..self.n)
            .map(|i| {
                let raft = self.raft(i);
                ServerState {
                    server: i,
                    up: raft.is_some(),
                    connected: self.is_connected(i),
                    state: self.get_state(i),
                    inspected: raft
                        .and_then(Raft::inspect)
                        .map(|v| (role_name(v.role), v.commit_index.0, v.last_log_index().0)),
                    rpcs_handled: self.rpc_count(i),
                    applied_command: command.map(|c| self.applied_at(i, c)),
                }
            })
            .collect()
    }

    /// The index at which server i applied `command`, if it did.
    fn applied_at(&self, i: usize, command: &Bytes) -> Option<u64> {
        let log = self.records.logs.get(i)?;
        log.iter()
            .position(|c| c.as_ref() == Some(command))
            .map(|k| k as u64)
    }
}
