//! The log's entry encodings, kept so that persisting is cheap.
//!
//! Every input that changes the log persists the whole state, and the log is
//! most of it (up to tens of KB in the churn tests). Copying it on every
//! persist cost more than the rest of the Raft together. So the encodings
//! live in immutable, shared chunks of about [`CHUNK_BYTES`] plus a short
//! open tail: a persist shares the chunks ([`Bytes::concat`]) and copies
//! only the tail. Appends fill the tail and seal it into a chunk when it is
//! full; removing entries (a conflict, a snapshot) rebuilds the chunks from
//! the cut, which is rare.

use crate::messages::Entry;
use raftapi::{Bytes, codec};

/// A tail this long is sealed into a shared chunk: a persist copies less
/// than this, and a log of n bytes has about n / this chunks.
const CHUNK_BYTES: usize = 512;

/// Chunks joined into one group: sealing a chunk concatenates the groups
/// and the chunks of the open group, not every chunk (a 50 KB log has a
/// hundred chunks, and the churn tests seal one every few dozen entries).
const GROUP_CHUNKS: usize = 16;

/// The concatenated postcard encodings of a log's entries.
#[derive(Debug, Default)]
pub(crate) struct Encoded {
    /// Full chunks, in order, and their concatenation (what a persist
    /// shares), made of `groups` and the chunks after them.
    chunks: Vec<Bytes>,
    /// `groups[g]`: the concatenation of chunks `g * GROUP_CHUNKS ..` (full
    /// groups only).
    groups: Vec<Bytes>,
    sealed: Bytes,
    /// The encodings after the chunks.
    tail: Vec<u8>,
    /// `ends[k]`: where entry k's encoding ends, counted from the first chunk.
    ends: Vec<usize>,
}

impl Encoded {
    /// Encodings already made: `bytes` holds them back to back, entry k's
    /// ending at `ends[k]` (a restart copies them from the persisted state
    /// rather than encoding every entry again).
    pub(crate) fn from_encodings(bytes: &[u8], ends: Vec<usize>) -> Encoded {
        assert_eq!(ends.last().copied().unwrap_or(0), bytes.len());
        let mut encoded = Encoded {
            tail: bytes.to_vec(),
            ends,
            ..Encoded::default()
        };
        if encoded.tail.len() >= CHUNK_BYTES {
            encoded.seal();
        }
        encoded
    }

    /// Appends `entry`'s encoding.
    pub(crate) fn push(&mut self, entry: &Entry) {
        // `Entry`'s postcard encoding, written directly (tested against it).
        codec::put_varint(entry.term.0, &mut self.tail);
        codec::put_bytes(&entry.command, &mut self.tail);
        self.ends.push(self.sealed.len() + self.tail.len());
        if self.tail.len() >= CHUNK_BYTES {
            self.seal();
        }
    }

    /// Keeps the first `keep` entries' encodings.
    pub(crate) fn truncate(&mut self, keep: usize) {
        if keep >= self.ends.len() {
            return;
        }
        let cut = keep.checked_sub(1).map_or(0, |k| self.ends[k]);
        self.ends.truncate(keep);
        if cut >= self.sealed.len() {
            self.tail.truncate(cut - self.sealed.len());
            return;
        }
        // The cut is inside a chunk: keep the chunks before it, reopen the
        // rest of that chunk as the tail.
        let mut start = 0;
        let mut kept = 0;
        while start + self.chunks[kept].len() <= cut {
            start += self.chunks[kept].len();
            kept += 1;
        }
        self.tail = self.chunks[kept][..cut - start].to_vec();
        self.chunks.truncate(kept);
        self.groups.truncate(kept / GROUP_CHUNKS);
        self.join_sealed();
    }

    /// Removes the first `dropped` entries' encodings.
    pub(crate) fn drain_front(&mut self, dropped: usize) {
        let cut = dropped.checked_sub(1).map_or(0, |k| self.ends[k]);
        let mut rest = self.sealed[..].to_vec();
        rest.extend_from_slice(&self.tail);
        rest.drain(..cut);
        self.ends.drain(..dropped);
        for end in &mut self.ends {
            *end -= cut;
        }
        self.chunks.clear();
        self.groups.clear();
        self.sealed = Bytes::new();
        self.tail = rest;
        if self.tail.len() >= CHUNK_BYTES {
            self.seal();
        }
    }

    /// Removes every encoding.
    pub(crate) fn clear(&mut self) {
        *self = Encoded::default();
    }

    /// All the encodings: the shared chunks, then the open tail.
    pub(crate) fn bytes(&self) -> (Bytes, &[u8]) {
        (self.sealed.clone(), &self.tail)
    }

    /// The number of entries encoded.
    pub(crate) fn entries(&self) -> usize {
        self.ends.len()
    }

    fn seal(&mut self) {
        let chunk = std::mem::replace(&mut self.tail, Vec::with_capacity(2 * CHUNK_BYTES));
        self.chunks.push(Bytes::from(chunk));
        if self.chunks.len() % GROUP_CHUNKS == 0 {
            let group = &self.chunks[self.chunks.len() - GROUP_CHUNKS..];
            self.groups.push(Bytes::concat(group.to_vec()));
        }
        self.join_sealed();
    }

    /// `sealed` from the full groups and the chunks after them.
    fn join_sealed(&mut self) {
        let open = &self.chunks[self.groups.len() * GROUP_CHUNKS..];
        let parts: Vec<Bytes> = self.groups.iter().chain(open).cloned().collect();
        self.sealed = Bytes::concat(parts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftapi::Term;

    fn entry(k: u64) -> Entry {
        Entry {
            term: Term(k / 7),
            command: Bytes::from(vec![k as u8; (k % 90) as usize]),
        }
    }

    fn joined(e: &Encoded) -> Vec<u8> {
        let (sealed, tail) = e.bytes();
        [&sealed[..], tail].concat()
    }

    fn fresh(entries: &[Entry]) -> Vec<u8> {
        entries
            .iter()
            .flat_map(|e| codec::encode(e).unwrap())
            .collect()
    }

    #[test]
    fn edits_keep_the_encoding_of_the_entries_held() {
        let mut held: Vec<Entry> = Vec::new();
        let mut e = Encoded::default();
        for k in 0..900 {
            held.push(entry(k));
            e.push(&entry(k));
        }
        assert!(e.groups.len() > 2, "long logs are chunked and grouped");
        assert_eq!(joined(&e), fresh(&held));
        for keep in [890, 700, 290, 200, 17, 16, 0] {
            held.truncate(keep);
            e.truncate(keep);
            assert_eq!(joined(&e), fresh(&held), "truncated to {keep}");
            for k in 0..40 {
                held.push(entry(k + 1000));
                e.push(&entry(k + 1000));
            }
            assert_eq!(joined(&e), fresh(&held), "appended after {keep}");
        }
        held.drain(..25);
        e.drain_front(25);
        assert_eq!(joined(&e), fresh(&held), "compacted");
        assert_eq!(e.entries(), held.len());
        e.truncate(3);
        held.truncate(3);
        assert_eq!(joined(&e), fresh(&held));
        e.clear();
        assert!(joined(&e).is_empty());
    }
}
