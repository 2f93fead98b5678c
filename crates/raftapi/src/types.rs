//! Newtypes for the paper's quantities, and cheap shared bytes for commands
//! and snapshots.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// A Raft term (Figure 2: `currentTerm`). Terms start at 0 and only grow.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Term(pub u64);

/// A position in the log. The first command is at index 1; index 0 is the
/// empty prefix (and the index of "no snapshot").
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LogIndex(pub u64);

/// A server's index in the cluster (the course's `me`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct NodeId(pub usize);

/// A virtual instant: milliseconds since the run began. Never wall-clock time.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Term {
    /// The next term.
    pub fn next(self) -> Term {
        Term(self.0 + 1)
    }
}

impl LogIndex {
    /// The index after this one.
    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }

    /// The index before this one. Panics at 0: there is no entry before the
    /// empty prefix, so asking for one is a bug.
    pub fn prev(self) -> LogIndex {
        LogIndex(
            self.0
                .checked_sub(1)
                .expect("LogIndex(0) has no predecessor"),
        )
    }
}

impl Instant {
    /// This instant plus `ms` milliseconds.
    pub fn plus_ms(self, ms: u64) -> Instant {
        Instant(self.0 + ms)
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn ms_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}", self.0)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S{}", self.0)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// Immutable bytes that are cheap to clone: commands and snapshots are copied
/// into many log entries, messages and apply records, and an `Arc` keeps that
/// from being a copy of the payload each time. Flat bytes wrap an
/// `Arc<Vec<u8>>` rather than an `Arc<[u8]>` so that turning an encoded `Vec`
/// (a persisted state, a command) into `Bytes` moves it instead of copying
/// it. Encodes as a postcard byte string (length, then the bytes).
///
/// Bytes can also be a *concatenation* of other bytes ([`Bytes::concat`]),
/// shared, not copied: a persisted Raft state is a small header plus a large
/// log that changes a little per input, and a Raft can keep its log's
/// encoding in immutable pieces and persist header + pieces without copying
/// them. Its length is known at once; its bytes are joined into one buffer,
/// once, the first time they are read (a restart decoding them).
#[derive(Clone)]
pub struct Bytes(Repr);

#[derive(Clone)]
enum Repr {
    Flat(Arc<Vec<u8>>),
    Concat(Arc<Concat>),
}

/// The pieces of a concatenation, and their bytes joined once read.
struct Concat {
    parts: Vec<Bytes>,
    len: usize,
    joined: OnceLock<Vec<u8>>,
}

impl Concat {
    /// Appends the pieces' bytes to `out` without joining nested pieces
    /// (only the outermost concatenation keeps a joined copy).
    fn write_to(&self, out: &mut Vec<u8>) {
        if let Some(joined) = self.joined.get() {
            out.extend_from_slice(joined);
            return;
        }
        for part in &self.parts {
            match &part.0 {
                Repr::Flat(v) => out.extend_from_slice(v),
                Repr::Concat(c) => c.write_to(out),
            }
        }
    }
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes(Repr::Flat(Arc::default()))
    }
}

impl Bytes {
    /// Empty bytes (no snapshot, no command).
    pub fn new() -> Bytes {
        Bytes::default()
    }

    /// `head` followed by `tail`, copied into one buffer sized once.
    pub fn join(head: &[u8], tail: &[u8]) -> Bytes {
        let mut v = Vec::with_capacity(head.len() + tail.len());
        v.extend_from_slice(head);
        v.extend_from_slice(tail);
        Bytes::from(v)
    }

    /// The concatenation of `parts`, which are shared, not copied: its
    /// length is known at once, and its bytes are joined only when read.
    pub fn concat(parts: Vec<Bytes>) -> Bytes {
        let len = parts.iter().map(Bytes::len).sum();
        Bytes(Repr::Concat(Arc::new(Concat {
            parts,
            len,
            joined: OnceLock::new(),
        })))
    }

    /// The number of bytes (without joining a concatenation).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Flat(v) => v.len(),
            Repr::Concat(c) => c.len,
        }
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Flat(v) => v,
            Repr::Concat(c) => c.joined.get_or_init(|| {
                let mut out = Vec::with_capacity(c.len);
                c.write_to(&mut out);
                out
            }),
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        // Clones of one command compare at once, as `Arc`'s own `eq` does.
        if let (Repr::Flat(a), Repr::Flat(b)) = (&self.0, &other.0)
            && Arc::ptr_eq(a, b)
        {
            return true;
        }
        self.len() == other.len() && self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl PartialOrd for Bytes {
    fn partial_cmp(&self, other: &Bytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bytes {
    fn cmp(&self, other: &Bytes) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl std::hash::Hash for Bytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes(Repr::Flat(Arc::new(v)))
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Bytes {
        Bytes::from(v.to_vec())
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long payloads (5000-byte commands, snapshots) would drown a trace.
        const SHOWN: usize = 16;
        write!(f, "b\"")?;
        for &b in self.iter().take(SHOWN) {
            write!(f, "{}", std::ascii::escape_default(b))?;
        }
        if self.len() > SHOWN {
            write!(f, "...({} bytes)", self.len())?;
        }
        write!(f, "\"")
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> serde::de::Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
        Ok(Bytes::from(v))
    }

    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
        Ok(Bytes::from(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(b) = seq.next_element::<u8>()? {
            v.push(b);
        }
        Ok(Bytes::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_through_the_codec() {
        let b = Bytes::from(vec![0u8, 1, 2, 255]);
        let enc = labcodec::encode(&b).unwrap();
        assert_eq!(
            enc,
            vec![4, 0, 1, 2, 255],
            "a length prefix, then the raw bytes"
        );
        let back: Bytes = labcodec::decode(&enc).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn join_concatenates() {
        assert_eq!(&Bytes::join(b"ab", b"cde")[..], b"abcde");
        assert_eq!(&Bytes::join(b"", b"x")[..], b"x");
        assert!(Bytes::join(b"", b"").is_empty());
    }

    #[test]
    fn a_concatenation_reads_as_its_parts_joined() {
        let inner = Bytes::concat(vec![
            Bytes::from(&b"cd"[..]),
            Bytes::new(),
            Bytes::from(&b"e"[..]),
        ]);
        let whole = Bytes::concat(vec![
            Bytes::from(&b"ab"[..]),
            inner.clone(),
            Bytes::from(&b"fg"[..]),
        ]);
        assert_eq!(whole.len(), 7);
        assert_eq!(&whole[..], b"abcdefg");
        assert_eq!(whole, Bytes::from(&b"abcdefg"[..]));
        assert_eq!(&inner[..], b"cde", "an inner part reads on its own too");
        assert_eq!(
            labcodec::encode(&whole).unwrap(),
            labcodec::encode(&Bytes::from(&b"abcdefg"[..])).unwrap()
        );
        assert!(Bytes::concat(Vec::new()).is_empty());
        assert!(Bytes::from(&b"ab"[..]) < whole, "ordered by content");
    }

    #[test]
    fn newtypes_encode_as_their_number() {
        assert_eq!(
            labcodec::encode(&Term(300)).unwrap(),
            labcodec::encode(&300u64).unwrap()
        );
        assert_eq!(LogIndex(5).next(), LogIndex(6));
        assert_eq!(LogIndex(5).prev(), LogIndex(4));
        assert_eq!(Instant(1500).to_string(), "1.500s");
    }

    #[test]
    #[should_panic(expected = "no predecessor")]
    fn index_zero_has_no_predecessor() {
        let _ = LogIndex(0).prev();
    }
}
