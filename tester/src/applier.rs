//! The appliers: what the tester records of each server's applied commands,
//! and the checks it runs on every `ApplyMsg` (`applier`, `applierSnap`,
//! `checkLogs`, `ingestSnap`; spec §3.7, with the 2025 per-incarnation
//! records of §7.3(5)).

use crate::cmd::show;
use crate::harness::Tester;
use raftapi::{ApplyMsg, Bytes, Instant, LogIndex, Raft};

/// The course's `SnapShotInterval`: snapshot after every 10 applied entries.
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// What each server has applied (the course's `logs[i]` and `lastApplied[i]`).
pub(crate) struct Records {
    /// `logs[i][index]`: the command server i applied at index.
    pub(crate) logs: Vec<Vec<Option<Bytes>>>,
    /// The snapshot applier's `lastApplied[i]`.
    pub(crate) last_applied: Vec<u64>,
    /// The highest index any server applied (for the summary line).
    pub(crate) max_index: u64,
}

impl Records {
    pub(crate) fn new(n: usize) -> Records {
        Records {
            logs: vec![Vec::new(); n],
            last_applied: vec![0; n],
            max_index: 0,
        }
    }

    /// A fresh rfsrv's record (2025): nothing applied.
    pub(crate) fn reset(&mut self, i: usize) {
        self.logs[i].clear();
        self.last_applied[i] = 0;
    }

    pub(crate) fn get(&self, i: usize, index: u64) -> Option<&Bytes> {
        self.logs[i].get(index as usize)?.as_ref()
    }

    fn set(&mut self, i: usize, index: u64, command: Bytes) {
        let log = &mut self.logs[i];
        if log.len() <= index as usize {
            log.resize(index as usize + 1, None);
        }
        log[index as usize] = Some(command);
    }

    /// `checkLogs(i, m)`: records the command, returns (error, prevok).
    pub(crate) fn check_logs(
        &mut self,
        i: usize,
        index: u64,
        command: &Bytes,
    ) -> (Option<String>, bool) {
        let mut err = None;
        for j in 0..self.logs.len() {
            if let Some(old) = self.get(j, index)
                && old != command
            {
                err = Some(format!(
                    "commit index={index} server={i} {} != server={j} {}",
                    show(Some(command)),
                    show(Some(old))
                ));
            }
        }
        let prevok = index > 0 && self.get(i, index - 1).is_some();
        self.set(i, index, command.clone());
        self.max_index = self.max_index.max(index);
        (err, prevok)
    }

    /// `ingestSnap(i, snapshot, index)`: the snapshot replaces the record.
    /// `expected` is `m.SnapshotIndex`, or `None` for the course's -1.
    pub(crate) fn ingest_snapshot(
        &mut self,
        i: usize,
        snapshot: &[u8],
        expected: Option<u64>,
    ) -> Result<(), String> {
        let Ok((last_included, xlog)) = labcodec::decode::<(u64, Vec<Option<Bytes>>)>(snapshot)
        else {
            return Err("snapshot decode error".to_string());
        };
        if let Some(index) = expected
            && index != last_included
        {
            return Err(format!("server {i} snapshot doesn't match m.SnapshotIndex"));
        }
        self.logs[i] = xlog;
        self.last_applied[i] = last_included;
        Ok(())
    }

    /// The snapshot the applier hands to `Snapshot(index, ...)`: the index,
    /// then every command applied at 0..=index (index 0 is always absent).
    /// Written as postcard writes `(index, xlog)` with `xlog:
    /// Vec<Option<Bytes>>` (what `ingest_snapshot` decodes), without
    /// collecting `xlog` first.
    pub(crate) fn make_snapshot(&self, i: usize, index: u64) -> Bytes {
        let mut out = Vec::with_capacity(16 + 12 * index as usize);
        labcodec::put_varint(index, &mut out);
        labcodec::put_varint(index + 1, &mut out);
        for k in 0..=index {
            match self.get(i, k) {
                None => out.push(0),
                Some(command) => {
                    out.push(1);
                    labcodec::put_bytes(command, &mut out);
                }
            }
        }
        Bytes::from(out)
    }
}

impl<R: Raft> Tester<R> {
    /// Hands one `ApplyMsg` of server i to the test's applier.
    pub(crate) fn apply(&mut self, i: usize, msg: ApplyMsg) {
        self.oracle_applied(i, &msg);
        let result = if self.snapshot_mode {
            self.apply_snap(i, msg)
        } else {
            self.apply_plain(i, msg)
        };
        if let Err(message) = result {
            // The course's appliers call log.Fatalf, ending the whole run.
            let f = self.fatal("applier", format!("apply error: {message}"));
            self.fail(f);
        }
    }

    /// The course's `applier`: commands only, contiguity via `prevok`.
    fn apply_plain(&mut self, i: usize, msg: ApplyMsg) -> Result<(), String> {
        let ApplyMsg::Command { index, command } = msg else {
            return Ok(());
        };
        let (err, prevok) = self.records.check_logs(i, index.0, &command);
        if let Some(e) = err {
            return Err(e);
        }
        if index.0 > 1 && !prevok {
            return Err(format!("server {i} apply out of order {}", index.0));
        }
        Ok(())
    }

    /// The course's `applierSnap`: snapshots ingested, commands must be
    /// exactly last + 1, and a snapshot handed to Raft every 10 entries.
    fn apply_snap(&mut self, i: usize, msg: ApplyMsg) -> Result<(), String> {
        match msg {
            ApplyMsg::Snapshot { index, data, .. } => {
                if data.is_empty() {
                    // Go's nil snapshot; an empty one is the closest Rust value.
                    return Err("nil snapshot".to_string());
                }
                self.records.ingest_snapshot(i, &data, Some(index.0))
            }
            ApplyMsg::Command { index, command } => {
                let index = index.0;
                let mut err = None;
                if index != self.records.last_applied[i] + 1 {
                    err = Some(format!(
                        "server {i} apply out of order, expected index {}, got {index}",
                        self.records.last_applied[i] + 1
                    ));
                }
                if err.is_none() {
                    let (e, prevok) = self.records.check_logs(i, index, &command);
                    err = e;
                    if index > 1 && !prevok {
                        err = Some(format!("server {i} apply out of order {index}"));
                    }
                }
                self.records.last_applied[i] = index;
                if (index + 1) % SNAPSHOT_INTERVAL == 0 {
                    self.take_snapshot(i, index);
                }
                err.map_or(Ok(()), Err)
            }
        }
    }

    /// `rf.Snapshot(index, w.Bytes())`, synchronously, from the applier.
    fn take_snapshot(&mut self, i: usize, index: u64) {
        let data = self.records.make_snapshot(i, index);
        let now = Instant(self.sim.now().0);
        let mut fx = self.take_effects();
        let Some(raft) = self.nodes[i].raft.as_mut() else {
            self.return_effects(fx);
            return;
        };
        raft.snapshot(now, LogIndex(index), data, &mut fx);
        self.perform(i, fx, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_the_encoding_of_index_and_xlog() {
        let mut records = Records::new(2);
        for (k, len) in [(1u64, 3usize), (2, 0), (4, 200), (5, 22)] {
            records.set(0, k, Bytes::from(vec![k as u8; len]));
        }
        for index in [0, 1, 4, 5, 9] {
            let xlog: Vec<Option<Bytes>> =
                (0..=index).map(|k| records.get(0, k).cloned()).collect();
            let expected = labcodec::encode(&(index, xlog)).unwrap();
            assert_eq!(
                &records.make_snapshot(0, index)[..],
                &expected[..],
                "through {index}"
            );
        }
    }
}
