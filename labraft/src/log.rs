//! The log: entries after a snapshot base, with O(1) index math.
//!
//! Entry `snapshot_index + 1 + k` lives at `entries[k]`; everything up to and
//! including `snapshot_index` has been compacted into the service's snapshot,
//! and only its term (`snapshot_term`) is remembered, for the consistency check
//! of the first entry after it.
//!
//! The log also keeps the postcard encoding of its entries, updated as entries
//! come and go, so that persisting neither re-encodes nor copies the log on
//! every input (see [`crate::encoded`] and [`crate::durable`]).

use crate::encoded::Encoded;
use crate::messages::Entry;
use raftapi::{Bytes, LogIndex, Term};

/// The log and its snapshot base. Invariant: `encoded` holds the
/// concatenated encodings of `entries`, one per entry.
#[derive(Debug)]
pub(crate) struct Log {
    snapshot_index: LogIndex,
    snapshot_term: Term,
    entries: Vec<Entry>,
    encoded: Encoded,
    /// Bumped by every method that removes or replaces entries or moves the
    /// snapshot base, not by appends (the `log_version` of
    /// `Raft::inspect_header`: the strict oracles copy the whole log's terms
    /// only when it changes).
    version: u64,
}

impl Log {
    /// A log holding `entries` after the base `(snapshot_index, snapshot_term)`.
    pub(crate) fn new(snapshot_index: LogIndex, snapshot_term: Term, entries: Vec<Entry>) -> Log {
        let mut log = Log {
            snapshot_index,
            snapshot_term,
            entries: Vec::with_capacity(entries.len()),
            encoded: Encoded::default(),
            version: 0,
        };
        for entry in entries {
            log.append(entry);
        }
        log
    }

    /// The log a server restores from its persisted state: `entries` after
    /// the base, decoded from `persisted`, which ends with their encodings
    /// (see [`crate::durable`]). The encoding cache is copied from there
    /// rather than built by encoding every entry again: restarts, and the
    /// durability oracle's shadows, restore whole logs.
    pub(crate) fn restored(
        snapshot_index: LogIndex,
        snapshot_term: Term,
        entries: Vec<Entry>,
        persisted: &[u8],
    ) -> Log {
        let mut encoded_ends = Vec::with_capacity(entries.len());
        let mut end = 0;
        for entry in &entries {
            end += encoded_len(entry);
            encoded_ends.push(end);
        }
        assert!(
            end <= persisted.len(),
            "the entries end the persisted state"
        );
        Log {
            snapshot_index,
            snapshot_term,
            entries,
            encoded: Encoded::from_encodings(&persisted[persisted.len() - end..], encoded_ends),
            version: 0,
        }
    }

    /// The last index covered by the snapshot (0 when there is none).
    pub(crate) fn snapshot_index(&self) -> LogIndex {
        self.snapshot_index
    }

    /// The term of the entry at `snapshot_index`.
    pub(crate) fn snapshot_term(&self) -> Term {
        self.snapshot_term
    }

    /// The index of the last entry (the snapshot index if no entry follows it).
    pub(crate) fn last_index(&self) -> LogIndex {
        LogIndex(self.snapshot_index.0 + self.entries.len() as u64)
    }

    /// The term of the last entry (the snapshot term if no entry follows it).
    pub(crate) fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }

    /// The term at `index`, if this log still knows it: the snapshot base or
    /// any entry after it.
    pub(crate) fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        self.offset(index).map(|k| self.entries[k].term)
    }

    /// The entry at `index`. Panics if it is compacted or beyond the end: the
    /// caller checked the bounds, so a miss is a bug.
    pub(crate) fn entry(&self, index: LogIndex) -> &Entry {
        let k = self
            .offset(index)
            .expect("entry index outside the log's held range");
        &self.entries[k]
    }

    /// Up to `max` entries starting at `from` (which must be after the
    /// snapshot and at most one past the last index).
    pub(crate) fn entries_from(&self, from: LogIndex, max: usize) -> &[Entry] {
        assert!(from > self.snapshot_index, "entries_from a compacted index");
        assert!(
            from <= self.last_index().next(),
            "entries_from past the end"
        );
        let start = (from.0 - self.snapshot_index.0 - 1) as usize;
        let end = self.entries.len().min(start.saturating_add(max));
        &self.entries[start..end]
    }

    /// The log's version: it changes whenever an entry is removed or
    /// replaced or the snapshot base moves.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// Replaces this log with `log`, whose version continues this one's
    /// (a fresh log's would start again at 0, the version of another log).
    pub(crate) fn replace(&mut self, log: Log) {
        let version = self.version + 1;
        *self = log;
        self.version = version;
    }

    /// Appends one entry at `last_index() + 1`.
    pub(crate) fn append(&mut self, entry: Entry) {
        self.encoded.push(&entry);
        self.entries.push(entry);
    }

    /// Removes the entries at `from` and after (§5.3: a conflicting entry and
    /// all that follow it). `from` must be after the snapshot: committed
    /// entries are never removed, and the snapshot only covers committed ones.
    pub(crate) fn truncate_from(&mut self, from: LogIndex) {
        assert!(from > self.snapshot_index, "truncating into the snapshot");
        let keep = (from.0 - self.snapshot_index.0 - 1) as usize;
        if keep >= self.entries.len() {
            return;
        }
        self.version += 1;
        self.entries.truncate(keep);
        self.encoded.truncate(keep);
    }

    /// Moves the snapshot base to `(index, term)`. Entries after `index` are
    /// kept if this log holds `index` with that term (the snapshot is then a
    /// prefix of this log); otherwise the whole log is discarded (§7).
    pub(crate) fn compact_to(&mut self, index: LogIndex, term: Term) {
        assert!(
            index > self.snapshot_index,
            "snapshot base moving backwards"
        );
        self.version += 1;
        if self.term_at(index) == Some(term) {
            let dropped = (index.0 - self.snapshot_index.0) as usize;
            self.entries.drain(..dropped);
            self.encoded.drain_front(dropped);
        } else {
            self.entries.clear();
            self.encoded.clear();
        }
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// [`Log::compact_to`] without its term check, for
    /// `Bug::SnapshotKeepsConflictingTail`: the entries after `index` stay if
    /// the log holds `index` at all, whatever its term there.
    pub(crate) fn compact_keeping_tail(&mut self, index: LogIndex, term: Term) {
        let held = self.term_at(index).unwrap_or(term);
        self.compact_to(index, held);
        self.snapshot_term = term; // compact_to bumped the version
    }

    /// The first index holding `term` after the snapshot, if any. Terms never
    /// decrease along a log, so this is a binary search.
    pub(crate) fn first_index_of_term(&self, term: Term) -> Option<LogIndex> {
        let k = self.entries.partition_point(|e| e.term < term);
        let found = self.entries.get(k).is_some_and(|e| e.term == term);
        found.then(|| self.index_of(k))
    }

    /// The last index holding `term` after the snapshot, if any.
    pub(crate) fn last_index_of_term(&self, term: Term) -> Option<LogIndex> {
        let k = self.entries.partition_point(|e| e.term <= term);
        let found = k > 0 && self.entries[k - 1].term == term;
        found.then(|| self.index_of(k - 1))
    }

    /// §5.4.1: is a log ending at `(last_log_index, last_log_term)` at least as
    /// up-to-date as this one? Later last term wins; equal terms, longer wins.
    pub(crate) fn at_least_as_up_to_date(
        &self,
        last_log_index: LogIndex,
        last_log_term: Term,
    ) -> bool {
        (last_log_term, last_log_index) >= (self.last_term(), self.last_index())
    }

    /// The terms of the entries after the snapshot, in order.
    pub(crate) fn terms(&self) -> Vec<Term> {
        self.entries.iter().map(|e| e.term).collect()
    }

    /// The number of entries held after the snapshot.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The concatenated postcard encodings of the entries held, in shared
    /// pieces (see [`crate::encoded`]).
    pub(crate) fn encoded_entries(&self) -> (Bytes, &[u8]) {
        debug_assert_eq!(self.encoded.entries(), self.entries.len());
        self.encoded.bytes()
    }

    /// The entries held, for tests that compare the cache with a fresh encoding.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn offset(&self, index: LogIndex) -> Option<usize> {
        let k = index.0.checked_sub(self.snapshot_index.0 + 1)? as usize;
        (k < self.entries.len()).then_some(k)
    }

    fn index_of(&self, k: usize) -> LogIndex {
        LogIndex(self.snapshot_index.0 + 1 + k as u64)
    }
}

/// The length of `entry`'s postcard encoding: its term and its command's
/// length as varints, then the command's bytes.
pub(crate) fn encoded_len(entry: &Entry) -> usize {
    varint_len(entry.term.0) + varint_len(entry.command.len() as u64) + entry.command.len()
}

/// Bytes of a postcard varint: seven bits each (one for the small terms
/// and command lengths that are most of a log, the strict oracles' shadows
/// restoring whole logs).
fn varint_len(value: u64) -> usize {
    if value < 0x80 {
        return 1;
    }
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7)
}
