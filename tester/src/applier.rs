//! The appliers: what the tester records of each server's applied commands,
//! and the checks it runs on every `ApplyMsg` (`applier`, `applierSnap`,
//! `checkLogs`, `ingestSnap`; spec §3.7, with the 2025 per-incarnation
//! records of §7.3(5)).
//!
//! 2026 (`edition-2026.md` §3-4) keeps one record per server index across
//! restarts, builds snapshots from a separate per-incarnation map (the peer
//! process's `rfsrv.log`), lets every snapshot ingest replace the record
//! (`IngestLog`), and stores apply errors instead of failing at once: the
//! next `nCommitted` fails with the stored text.

use crate::agreement::Agreement;
use crate::cmd::show;
use crate::edition::Edition;
use crate::harness::Tester;
use raftapi::{ApplyMsg, Bytes, Instant, LogIndex, Raft};

/// The course's `SnapShotInterval`: snapshot after every 10 applied entries.
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// A map of applied commands by index (index 0 is always absent), with
/// the snapshot encoding of a prefix of it kept as the map grows: the
/// applier hands Raft the encoding of the whole map every ten entries, and
/// re-encoding it each time is what the course does but costs O(length).
#[derive(Debug, Default)]
pub(crate) struct AppliedLog {
    commands: Vec<Option<Bytes>>,
    /// The postcard encoding (an option tag, then the byte string) of the
    /// commands at 0..ends.len(), one after the other.
    encoded: Vec<u8>,
    /// `ends[k]`: where the encoding of the command at k ends.
    ends: Vec<usize>,
}

impl Clone for AppliedLog {
    /// The commands only: the copy encodes its own prefix when asked.
    fn clone(&self) -> AppliedLog {
        AppliedLog::from(self.commands.clone())
    }
}

impl From<Vec<Option<Bytes>>> for AppliedLog {
    fn from(commands: Vec<Option<Bytes>>) -> AppliedLog {
        AppliedLog {
            commands,
            encoded: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl std::ops::Deref for AppliedLog {
    type Target = [Option<Bytes>];
    fn deref(&self) -> &[Option<Bytes>] {
        &self.commands
    }
}

impl AppliedLog {
    fn get(&self, index: u64) -> Option<&Bytes> {
        self.commands.get(index as usize)?.as_ref()
    }

    fn set(&mut self, index: u64, command: Bytes) {
        let k = index as usize;
        if k < self.ends.len() {
            self.forget_encoding_from(k);
        }
        if self.commands.len() == k {
            self.commands.push(Some(command));
            return;
        }
        if self.commands.len() < k {
            self.commands.resize(k + 1, None);
        }
        self.commands[k] = Some(command);
    }

    fn clear(&mut self) {
        self.commands.clear();
        self.forget_encoding_from(0);
    }

    /// Takes over `old`'s kept encoding where it still holds: for the
    /// indexes below `first_difference` (all of them when `None`), this map
    /// holds what `old` held.
    fn adopt_encoding(&mut self, old: AppliedLog, first_difference: Option<usize>) {
        self.encoded = old.encoded;
        self.ends = old.ends;
        self.forget_encoding_from(first_difference.unwrap_or(usize::MAX).min(self.ends.len()));
    }

    fn forget_encoding_from(&mut self, k: usize) {
        self.ends.truncate(k);
        self.encoded
            .truncate(self.ends.last().copied().unwrap_or(0));
    }

    /// The encoding of the commands at 0..=index as postcard writes a
    /// `Vec<Option<Bytes>>`'s elements (absent ones as `None`).
    fn encoded_through(&mut self, index: u64) -> &[u8] {
        let through = index as usize;
        for k in self.ends.len()..=through {
            match self.commands.get(k) {
                Some(Some(command)) => {
                    self.encoded.push(1);
                    labcodec::put_bytes(command, &mut self.encoded);
                }
                _ => self.encoded.push(0),
            }
            self.ends.push(self.encoded.len());
        }
        &self.encoded[..self.ends[through]]
    }
}

/// A snapshot as the applier encodes it: the index, then the commands at
/// 0..=index. `None` if the bytes do not decode as that.
/// Read by hand ([`labcodec::Reader`]: what postcard's `decode` of `(u64,
/// Vec<Option<Bytes>>)` reads and rejects, without serde), because every
/// restart and every installed snapshot decodes one.
fn decode_snapshot(snapshot: &[u8]) -> Option<(u64, AppliedLog)> {
    let mut reader = labcodec::Reader::new(snapshot);
    let index = reader.varint()?;
    let len = reader.varint()?;
    // Postcard's Vec grows as elements decode; a bogus length fails on the
    // first missing element, before this reserves more than the bytes hold.
    let mut commands = Vec::with_capacity((len as usize).min(snapshot.len()));
    for _ in 0..len {
        let command = match reader.option_tag()? {
            false => None,
            true => Some(Bytes::from(reader.bytes()?)),
        };
        commands.push(command);
    }
    reader
        .is_empty()
        .then(|| (index, AppliedLog::from(commands)))
}

/// What each server has applied (the course's `logs[i]` and `lastApplied[i]`).
pub(crate) struct Records {
    /// `logs[i][index]`: the command server i applied at index.
    pub(crate) logs: Vec<AppliedLog>,
    /// What `logs` agree on, index by index (every change to `logs` goes
    /// through a method here that keeps it).
    agreement: Agreement,
    /// The snapshot applier's `lastApplied[i]` (per incarnation in 2025 and
    /// 2026, where it lives in the rfsrv or the peer process).
    pub(crate) last_applied: Vec<u64>,
    /// The highest index any server applied (for the summary line).
    pub(crate) max_index: u64,
    /// 2026 only: each incarnation's own map (the peer process's
    /// `rfsrv.log`), from which snapshots are built. It is written for every
    /// command, including one that failed a check, and replaced by each
    /// successful snapshot ingest (§3.3).
    process_logs: Vec<AppliedLog>,
    /// 2026 only: `applyErr[i]`, the latest apply error of server i; never
    /// cleared, so it survives restarts (§4.2).
    pub(crate) apply_err: Vec<Option<String>>,
}

impl Records {
    pub(crate) fn new(n: usize) -> Records {
        Records {
            logs: vec![AppliedLog::default(); n],
            agreement: Agreement::new(n),
            last_applied: vec![0; n],
            max_index: 0,
            process_logs: vec![AppliedLog::default(); n],
            apply_err: vec![None; n],
        }
    }

    /// A fresh rfsrv's record (2025): nothing applied.
    pub(crate) fn reset(&mut self, i: usize) {
        self.replace_log(i, AppliedLog::default());
        self.last_applied[i] = 0;
    }

    /// Server i's record becomes `log`.
    fn replace_log(&mut self, i: usize, mut log: AppliedLog) {
        // Only the indexes where the two differ change what the records
        // agree on (a restart's record is mostly the old one).
        let old = &self.logs[i];
        let mut first_difference = None;
        for k in 0..old.len().max(log.len()) {
            let (was, is) = (old.get(k as u64), log.get(k as u64));
            if was == is {
                continue;
            }
            first_difference.get_or_insert(k);
            if was.is_some() {
                self.agreement.unset(i, k as u64);
            }
            if let Some(command) = is {
                self.agreement.set(i, k as u64, command);
            }
        }
        log.adopt_encoding(std::mem::take(&mut self.logs[i]), first_difference);
        self.logs[i] = log;
    }

    /// A fresh peer process (2026): the record is kept; the incarnation's
    /// own map and `lastApplied` start empty.
    pub(crate) fn new_incarnation(&mut self, i: usize) {
        self.process_logs[i].clear();
        self.last_applied[i] = 0;
    }

    pub(crate) fn get(&self, i: usize, index: u64) -> Option<&Bytes> {
        self.logs[i].get(index)
    }

    /// `nCommitted(index)`'s count and value, when the records agree (see
    /// [`Agreement`]); `None` when the caller must scan them.
    pub(crate) fn agreed(&self, index: u64) -> Option<(usize, Option<Bytes>)> {
        let agreed = self.agreement.at(index)?;
        let value = (agreed.holders > 0).then(|| agreed.value.clone());
        Some((agreed.holders, value))
    }

    /// `checkLogs(i, m)`: records the command, returns (error, prevok).
    pub(crate) fn check_logs(
        &mut self,
        i: usize,
        index: u64,
        command: &Bytes,
    ) -> (Option<String>, bool) {
        let err = match self.agreement.at(index) {
            // Every record holding the index holds this command: no
            // server's differs, as the scan below would find.
            Some(agreed) if agreed.holders == 0 || agreed.value == command => None,
            _ => self.conflict(i, index, command),
        };
        let prevok = index > 0 && self.get(i, index - 1).is_some();
        self.agreement.set(i, index, command);
        self.logs[i].set(index, command.clone());
        self.max_index = self.max_index.max(index);
        (err, prevok)
    }

    /// `checkLogs`'s scan: the last server whose record holds another
    /// value at `index`, in the course's words.
    fn conflict(&self, i: usize, index: u64, command: &Bytes) -> Option<String> {
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
        err
    }

    /// `ingestSnap(i, snapshot, index)` (2024, 2025): the snapshot replaces
    /// the record. `expected` is `m.SnapshotIndex`, or `None` for the
    /// course's -1.
    pub(crate) fn ingest_snapshot(
        &mut self,
        i: usize,
        snapshot: &[u8],
        expected: Option<u64>,
    ) -> Result<(), String> {
        let Some((last_included, xlog)) = decode_snapshot(snapshot) else {
            return Err("snapshot decode error".to_string());
        };
        if let Some(index) = expected
            && index != last_included
        {
            return Err(format!("server {i} snapshot doesn't match m.SnapshotIndex"));
        }
        self.replace_log(i, xlog);
        self.last_applied[i] = last_included;
        Ok(())
    }

    /// The 2026 peer process's `ingestSnap`: on success the snapshot
    /// replaces the incarnation's own map and sets its `lastApplied`; on
    /// failure both stay as they were. Does not touch the tester's record.
    pub(crate) fn ingest_process_snapshot(
        &mut self,
        i: usize,
        snapshot: &[u8],
        expected: Option<u64>,
    ) -> Result<(), String> {
        if snapshot.is_empty() {
            // Go's nil snapshot; an empty one is the closest Rust value.
            return Err("nil snapshot".to_string());
        }
        let Some((last_included, xlog)) = decode_snapshot(snapshot) else {
            return Err("failed to decode snapshot".to_string());
        };
        if let Some(index) = expected
            && index != last_included
        {
            return Err(format!("server {i} snapshot doesn't match m.SnapshotIndex"));
        }
        let mut xlog = xlog;
        let old = std::mem::take(&mut self.process_logs[i]);
        let first_difference =
            (0..old.len().max(xlog.len())).find(|&k| old.get(k as u64) != xlog.get(k as u64));
        xlog.adopt_encoding(old, first_difference);
        self.process_logs[i] = xlog;
        self.last_applied[i] = last_included;
        Ok(())
    }

    /// 2026 `IngestLog(i, log)`: the tester's record of server i becomes a
    /// copy of the incarnation's own map.
    pub(crate) fn ingest_log(&mut self, i: usize) {
        self.replace_log(i, self.process_logs[i].clone());
    }

    /// The snapshot the applier hands to `Snapshot(index, ...)`: the index,
    /// then every command applied at 0..=index (index 0 is always absent),
    /// taken from the record (2024, 2025) or the incarnation's own map (2026).
    /// Written as postcard writes `(index, xlog)` with `xlog:
    /// Vec<Option<Bytes>>` (what `ingest_snapshot` decodes), from the
    /// map's kept encoding, without collecting `xlog` first.
    pub(crate) fn make_snapshot(&mut self, i: usize, index: u64, edition: Edition) -> Bytes {
        let source = match edition {
            Edition::Y2024 | Edition::Y2025 => &mut self.logs[i],
            Edition::Y2026 => &mut self.process_logs[i],
        };
        let items = source.encoded_through(index);
        let mut out = Vec::with_capacity(20 + items.len());
        labcodec::put_varint(index, &mut out);
        labcodec::put_varint(index + 1, &mut out);
        out.extend_from_slice(items);
        Bytes::from(out)
    }

    /// 2026: the incarnation's own map records `command` at `index`.
    pub(crate) fn set_process_log(&mut self, i: usize, index: u64, command: Bytes) {
        self.process_logs[i].set(index, command);
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
        let Err(message) = result else {
            return;
        };
        match self.edition {
            // The course's appliers call log.Fatalf, ending the whole run.
            Edition::Y2024 | Edition::Y2025 => {
                let f = self.fatal("applier", format!("apply error: {message}"));
                self.fail(f);
            }
            // `ApplyErr`: stored (the latest wins); the applier goes on and
            // the next `nCommitted` fails the test with the bare text.
            Edition::Y2026 => {
                self.note("applier", format_args!("S{i} apply error: {message}"));
                self.records.apply_err[i] = Some(message);
            }
        }
    }

    /// The course's `applier`: commands only, contiguity via `prevok`. The
    /// out-of-order text replaces a conflict's, as in Go.
    fn apply_plain(&mut self, i: usize, msg: ApplyMsg) -> Result<(), String> {
        let ApplyMsg::Command { index, command } = msg else {
            return Ok(());
        };
        let (err, prevok) = self.records.check_logs(i, index.0, &command);
        if index.0 > 1 && !prevok {
            return Err(format!("server {i} apply out of order {}", index.0));
        }
        err.map_or(Ok(()), Err)
    }

    /// The course's `applierSnap`: snapshots ingested, commands must be
    /// exactly last + 1, and a snapshot handed to Raft every 10 entries.
    fn apply_snap(&mut self, i: usize, msg: ApplyMsg) -> Result<(), String> {
        match msg {
            ApplyMsg::Snapshot { index, data, .. } => self.ingest_applied_snapshot(i, index, &data),
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
                if self.edition == Edition::Y2026 {
                    self.records.set_process_log(i, index, command);
                }
                if (index + 1) % SNAPSHOT_INTERVAL == 0 {
                    self.take_snapshot(i, index);
                }
                err.map_or(Ok(()), Err)
            }
        }
    }

    /// A `SnapshotValid` message: `ingestSnap` (2024, 2025); in 2026 the
    /// process's `ingestSnap`, then `IngestLog` whether or not it succeeded.
    fn ingest_applied_snapshot(
        &mut self,
        i: usize,
        index: LogIndex,
        data: &[u8],
    ) -> Result<(), String> {
        match self.edition {
            Edition::Y2024 | Edition::Y2025 => {
                if data.is_empty() {
                    // Go's nil snapshot; an empty one is the closest Rust value.
                    return Err("nil snapshot".to_string());
                }
                self.records.ingest_snapshot(i, data, Some(index.0))
            }
            Edition::Y2026 => {
                let result = self.records.ingest_process_snapshot(i, data, Some(index.0));
                self.records.ingest_log(i);
                result
            }
        }
    }

    /// `rf.Snapshot(index, w.Bytes())`, synchronously, from the applier.
    fn take_snapshot(&mut self, i: usize, index: u64) {
        let data = self.records.make_snapshot(i, index, self.edition);
        let now = Instant(self.sim.now().0);
        let _input = self.input_span(i, labtrace::vocab::input::SNAPSHOT);
        let mut fx = self.take_effects();
        if self.nodes[i].raft.is_none() {
            self.return_effects(fx);
            return;
        }
        self.check_snapshot_input(i, index, &data);
        let raft = self.nodes[i].raft.as_mut().expect("checked above");
        raft.snapshot(now, LogIndex(index), data, &mut fx);
        self.perform(i, fx, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Cmd;

    fn int(x: i64) -> Bytes {
        Cmd::Int(x).encode()
    }

    fn snapshot_of(index: u64, values: &[i64]) -> Bytes {
        let mut xlog: Vec<Option<Bytes>> = vec![None];
        xlog.extend(values.iter().map(|&v| Some(int(v))));
        Bytes::from(labcodec::encode(&(index, xlog)).unwrap())
    }

    #[test]
    fn a_2026_snapshot_ingest_replaces_the_record_even_when_it_fails() {
        let mut r = Records::new(2);
        for k in 1..=3 {
            r.check_logs(1, k, &int(k as i64));
        }
        // A new incarnation with no snapshot: the record is kept, the
        // process map is empty.
        r.new_incarnation(1);
        assert_eq!(r.get(1, 3), Some(&int(3)));
        r.process_logs[1].set(1, int(1));

        let bad = snapshot_of(2, &[1, 2]);
        assert_eq!(
            r.ingest_process_snapshot(1, &bad, Some(5)),
            Err("server 1 snapshot doesn't match m.SnapshotIndex".to_string())
        );
        r.ingest_log(1);
        assert_eq!(r.get(1, 1), Some(&int(1)), "the unchanged process map");
        assert_eq!(r.get(1, 3), None, "what the record held above it is gone");
        assert_eq!(r.last_applied[1], 0);

        assert_eq!(r.ingest_process_snapshot(1, &bad, Some(2)), Ok(()));
        r.ingest_log(1);
        assert_eq!((r.get(1, 2), r.last_applied[1]), (Some(&int(2)), 2));
    }

    #[test]
    fn the_2026_ingest_texts() {
        let mut r = Records::new(1);
        let nil = r.ingest_process_snapshot(0, &[], Some(1));
        assert_eq!(nil, Err("nil snapshot".to_string()));
        let garbage = r.ingest_process_snapshot(0, &[0xff; 16], Some(1));
        assert_eq!(garbage, Err("failed to decode snapshot".to_string()));
        let old = r.ingest_snapshot(0, &[0xff; 16], Some(1));
        assert_eq!(old, Err("snapshot decode error".to_string()));
    }

    #[test]
    fn snapshots_in_2026_come_from_the_process_map_which_keeps_failed_commands() {
        let mut r = Records::new(1);
        r.check_logs(0, 1, &int(1));
        r.process_logs[0].set(1, int(1));
        // A command that failed a check is in the process map only.
        r.process_logs[0].set(2, int(99));
        let from_process = r.make_snapshot(0, 2, Edition::Y2026);
        let from_record = r.make_snapshot(0, 2, Edition::Y2025);
        assert_eq!(decode_snapshot(&from_process).unwrap().1[2], Some(int(99)));
        assert_eq!(decode_snapshot(&from_record).unwrap().1[2], None);
    }

    #[test]
    fn snapshots_decode_as_postcard_decodes_them_even_when_corrupt() {
        let good = snapshot_of(3, &[1, 300, -5]);
        let mut inputs: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
        for k in 0..good.len() {
            for b in [0u8, 1, 2, 0x80, 0xFF] {
                let mut changed = good.to_vec();
                changed[k] = b;
                inputs.push(changed);
            }
        }
        inputs.push([&good[..], &[0]].concat());
        for input in inputs {
            let by_hand = decode_snapshot(&input).map(|(index, log)| (index, log.to_vec()));
            let postcard = labcodec::decode::<(u64, Vec<Option<Bytes>>)>(&input).ok();
            assert_eq!(by_hand, postcard, "{input:?}");
        }
    }

    #[test]
    fn a_replaced_record_keeps_its_agreement_and_encoding_where_unchanged() {
        let mut r = Records::new(2);
        for k in 1..=4 {
            r.check_logs(0, k, &int(k as i64));
            r.check_logs(1, k, &int(k as i64));
        }
        r.make_snapshot(0, 4, Edition::Y2025);
        // A snapshot through 2 replaces server 0's record: 3 and 4 are gone.
        r.ingest_snapshot(0, &snapshot_of(2, &[1, 2]), Some(2))
            .unwrap();
        assert_eq!(r.agreed(2), Some((2, Some(int(2)))));
        assert_eq!(r.agreed(4), Some((1, Some(int(4)))));
        let expected =
            labcodec::encode(&(4u64, vec![None, Some(int(1)), Some(int(2)), None, None]));
        assert_eq!(
            &r.make_snapshot(0, 4, Edition::Y2025)[..],
            &expected.unwrap()[..]
        );
        // One that disagrees switches the summary off; nCommitted scans.
        r.ingest_snapshot(0, &snapshot_of(2, &[1, 9]), Some(2))
            .unwrap();
        assert_eq!(r.agreed(2), None);
    }

    #[test]
    fn a_snapshot_is_the_encoding_of_index_and_xlog() {
        let mut records = Records::new(2);
        for (k, len) in [(1u64, 3usize), (2, 0), (4, 200), (5, 22)] {
            records.logs[0].set(k, Bytes::from(vec![k as u8; len]));
        }
        let check = |records: &mut Records, index: u64| {
            let xlog: Vec<Option<Bytes>> =
                (0..=index).map(|k| records.get(0, k).cloned()).collect();
            let expected = labcodec::encode(&(index, xlog)).unwrap();
            assert_eq!(
                &records.make_snapshot(0, index, Edition::Y2025)[..],
                &expected[..],
                "through {index}"
            );
        };
        for index in [0, 1, 4, 5, 9] {
            check(&mut records, index);
        }
        // Changes below the encoded prefix (a command replaced, a gap
        // filled, the map cleared) are seen by the next snapshot.
        records.logs[0].set(2, Bytes::from(vec![7; 130]));
        records.logs[0].set(7, Bytes::from(vec![1]));
        for index in [9, 3, 12] {
            check(&mut records, index);
        }
        records.reset(0);
        records.logs[0].set(1, Bytes::from(vec![5]));
        check(&mut records, 2);
    }
}
