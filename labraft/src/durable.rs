//! What survives a crash (Figure 2's persistent state, plus §7's snapshot
//! base): its encoding, and its decoding when a server is made.
//!
//! The encoding is exactly `codec::encode(&PersistentState { .. })` (tested),
//! but it is assembled from a small header and the log's cached entry encodings
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

/// The most bytes the header (the fields before the entries, and the log's
/// length) encodes to: four varints of up to 10 bytes and an option tag.
const HEADER_MAX_BYTES: usize = 41;

/// Encodes the persistent state: the header written field by field as
/// postcard writes `PersistentState`'s (varints; `voted_for` as an option
/// tag and a varint), then the cached entry encodings, shared.
pub(crate) fn encode_state(current_term: Term, voted_for: Option<NodeId>, log: &Log) -> Bytes {
    let (sealed, tail) = log.encoded_entries();
    let mut state = BytesBuilder::with_capacity(HEADER_MAX_BYTES + tail.len(), 3);
    let header = state.copied();
    codec::put_varint(current_term.0, header);
    match voted_for {
        None => header.push(0),
        Some(NodeId(id)) => {
            header.push(1);
            codec::put_varint(id as u64, header);
        }
    }
    codec::put_varint(log.snapshot_index().0, header);
    codec::put_varint(log.snapshot_term().0, header);
    codec::put_varint(log.len() as u64, header);
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
        for k in 0..2000u64 {
            let command = vec![k as u8; (k % 40) as usize];
            log.append(entry(1 + k / 50, &command));
        }
        log.truncate_from(LogIndex(1500));
        log.compact_to(LogIndex(400), Term(8));
        log.append(entry(300, b"after"));
        for (term, voted_for) in [(Term(300), Some(NodeId(2))), (Term(1 << 40), None)] {
            let assembled = encode_state(term, voted_for, &log);
            let fresh = PersistentState {
                current_term: term,
                voted_for,
                snapshot_index: LogIndex(400),
                snapshot_term: Term(8),
                log: log.entries().to_vec(),
            };
            assert_eq!(assembled.len(), codec::encode(&fresh).unwrap().len());
            assert_eq!(&assembled[..], &codec::encode(&fresh).unwrap()[..]);
            assert_eq!(decode_state(&assembled), fresh);
        }
    }

    #[test]
    fn empty_bytes_decode_to_the_initial_state() {
        let state = decode_state(&[]);
        assert_eq!(state.current_term, Term(0));
        assert_eq!(state.voted_for, None);
        assert!(state.log.is_empty());
    }
}
