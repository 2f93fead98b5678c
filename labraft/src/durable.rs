//! What survives a crash (Figure 2's persistent state, plus §7's snapshot
//! base): its encoding, and its decoding when a server is made.
//!
//! The encoding is exactly `codec::encode(&PersistentState { .. })`, but it is
//! assembled from a small encoded header and the log's cached entry encodings
//! (postcard encodes a struct as its fields in order and a `Vec` as a length
//! followed by its elements), so persisting never re-encodes the whole log,
//! and shares its encodings instead of copying them ([`Bytes::concat`]).

use crate::log::Log;
use crate::messages::Entry;
use raftapi::{Bytes, BytesBuilder, LogIndex, NodeId, Term, codec};
use serde::{Deserialize, Serialize};

/// The persisted Raft state. The snapshot itself is persisted beside it, never
/// inside it, so this stays small once the log is trimmed (3D's 2000 bytes).
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PersistentState {
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) snapshot_index: LogIndex,
    pub(crate) snapshot_term: Term,
    pub(crate) log: Vec<Entry>,
}

/// The most bytes a [`Header`] encodes to: four varints of up to 10 bytes and
/// an option tag.
const HEADER_MAX_BYTES: usize = 41;

/// `PersistentState` up to and including the log's length prefix.
#[derive(Serialize)]
struct Header {
    current_term: Term,
    voted_for: Option<NodeId>,
    snapshot_index: LogIndex,
    snapshot_term: Term,
    log_len: usize,
}

/// Encodes the persistent state in one pass over the cached entry bytes.
pub(crate) fn encode_state(current_term: Term, voted_for: Option<NodeId>, log: &Log) -> Bytes {
    let header = Header {
        current_term,
        voted_for,
        snapshot_index: log.snapshot_index(),
        snapshot_term: log.snapshot_term(),
        log_len: log.len(),
    };
    let (sealed, tail) = log.encoded_entries();
    let mut state = BytesBuilder::with_capacity(HEADER_MAX_BYTES + tail.len(), 3);
    codec::encode_append(&header, state.copied()).expect("the header always encodes");
    state.push_shared(sealed);
    state.extend_from_slice(tail);
    state.build()
}

/// Decodes what [`encode_state`] wrote; an empty blob (nothing ever saved)
/// is the initial state. Panics on a corrupt blob: only this module writes it,
/// so a blob that does not decode is a bug, not an input to recover from.
pub(crate) fn decode_state(bytes: &[u8]) -> PersistentState {
    if bytes.is_empty() {
        return PersistentState {
            current_term: Term(0),
            voted_for: None,
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            log: Vec::new(),
        };
    }
    codec::decode(bytes).expect("persisted raft state does not decode")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64, command: &[u8]) -> Entry {
        Entry {
            term: Term(term),
            command: Bytes::from(command),
        }
    }

    #[test]
    fn assembled_encoding_equals_a_fresh_encoding_after_edits() {
        let mut log = Log::new(LogIndex(0), Term(0), Vec::new());
        for k in 0..200u64 {
            log.append(entry(1 + k / 50, &k.to_le_bytes()));
        }
        log.truncate_from(LogIndex(150));
        log.compact_to(LogIndex(40), Term(1));
        log.append(entry(9, b"after"));
        let assembled = encode_state(Term(9), Some(NodeId(2)), &log);
        let fresh = PersistentState {
            current_term: Term(9),
            voted_for: Some(NodeId(2)),
            snapshot_index: LogIndex(40),
            snapshot_term: Term(1),
            log: log.entries().to_vec(),
        };
        assert_eq!(&assembled[..], &codec::encode(&fresh).unwrap()[..]);
        assert_eq!(decode_state(&assembled), fresh);
    }

    #[test]
    fn empty_bytes_decode_to_the_initial_state() {
        let state = decode_state(&[]);
        assert_eq!(state.current_term, Term(0));
        assert_eq!(state.voted_for, None);
        assert!(state.log.is_empty());
    }
}
