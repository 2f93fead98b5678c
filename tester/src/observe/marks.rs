//! The tester's markers (target `lab::tester`): what the test script did to
//! the cluster, naming the servers it acted on, and the lines the course's
//! tester prints, at the virtual time they happened.

use super::CmdText;
use crate::harness::Tester;
use labtrace::vocab::{self, topic};
use raftapi::{Bytes, Raft, Started};
use tracing::Level;

impl<R: Raft> Tester<R> {
    /// Prints a line as the course's tester does (kept in the run's lines)
    /// and marks it: `course`.
    pub(crate) fn say(&mut self, line: String) {
        tracing::info!(target: vocab::TESTER, t = self.sim.now().0, topic = topic::COURSE, line = %line);
        self.lines.push(line);
    }

    /// `connect` or `disconnect` of server i, with the links after it.
    pub(crate) fn mark_link_change(&self, topic: &'static str, i: usize) {
        if tracing::enabled!(target: vocab::TESTER, Level::INFO) {
            let links = self.links();
            tracing::info!(target: vocab::TESTER, t = self.sim.now().0, topic, server = i as u64, links);
        }
    }

    /// A scenario's `set_links`: `partition`.
    pub(crate) fn mark_partition(&self) {
        if tracing::enabled!(target: vocab::TESTER, Level::INFO) {
            let links = self.links();
            tracing::info!(target: vocab::TESTER, t = self.sim.now().0, topic = topic::PARTITION, links);
        }
    }

    /// The network's flags: `network`.
    pub(crate) fn mark_network(&self) {
        tracing::info!(
            target: vocab::TESTER,
            t = self.sim.now().0,
            topic = topic::NETWORK,
            reliable = self.sim.is_reliable(),
            long_reordering = self.sim.is_long_reordering(),
        );
    }

    /// Server i crashed: `crash`.
    pub(crate) fn mark_crash(&mut self, i: usize) {
        self.forget_seen(i);
        tracing::info!(
            target: vocab::TESTER,
            t = self.sim.now().0,
            topic = topic::CRASH,
            server = i as u64,
            incarnation = u64::from(self.nodes[i].incarnation),
        );
    }

    /// Server i is being made as `incarnation`: `restart`.
    pub(crate) fn mark_restart(&self, i: usize, incarnation: u32) {
        tracing::info!(
            target: vocab::TESTER,
            t = self.sim.now().0,
            topic = topic::RESTART,
            server = i as u64,
            incarnation = u64::from(incarnation),
        );
    }

    /// A copy of `command` if a `start` event will want it (a cheap clone
    /// of shared bytes, only then).
    #[inline]
    pub(crate) fn start_shown(&self, command: &Bytes) -> Option<Bytes> {
        tracing::enabled!(target: vocab::TESTER, Level::INFO).then(|| command.clone())
    }

    /// The tester's `Start(command)` on server i returned `started`.
    #[inline]
    pub(crate) fn mark_start(&self, i: usize, command: Option<Bytes>, started: Option<Started>) {
        let Some(command) = command else {
            return;
        };
        tracing::info!(
            target: vocab::TESTER,
            t = self.sim.now().0,
            topic = topic::START,
            server = i as u64,
            command = %CmdText(&command),
            accepted = started.is_some(),
            index = started.map(|s| s.index.0),
            term = started.map(|s| s.term.0),
        );
    }

    /// Which ends are enabled: n rows of n digits, row i column j is `1`
    /// when i's end towards j is enabled.
    fn links(&self) -> String {
        let rows: Vec<String> = self
            .end_names
            .iter()
            .map(|row| {
                row.iter()
                    .map(|end| match end {
                        Some(e) if self.sim.is_enabled(*e) => '1',
                        _ => '0',
                    })
                    .collect()
            })
            .collect();
        rows.join(" ")
    }
}
