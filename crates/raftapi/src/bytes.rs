//! [`Bytes`]: immutable bytes that are cheap to clone, for commands,
//! snapshots and persisted states, and [`BytesBuilder`], which makes them from
//! copied bytes and shared ones.
//!
//! Three representations behind one type, chosen by how the bytes are made:
//!
//! - *inline*: up to [`INLINE_MAX`] bytes stored in the value itself. The
//!   course's commands are mostly small ints, copied into log entries,
//!   messages, apply records and snapshots many times over: they never
//!   allocate, and a clone is a copy of the value.
//! - *flat*: an `Arc<Vec<u8>>`, so that turning a large encoded `Vec` (a
//!   snapshot, a 5000-byte command) into `Bytes` moves it instead of copying
//!   it, and a clone is a reference count.
//! - *concatenation*: copied bytes and other `Bytes`, shared, not copied. A
//!   persisted Raft state is a small header plus a large log that changes a
//!   little per input: a Raft can keep its log's encoding in immutable pieces
//!   and persist header + pieces without copying them. The length is known at
//!   once; the bytes are joined into one buffer, once, the first time they are
//!   read (a restart decoding them).
//!
//! Whatever the representation, `Bytes` compare, hash, order and encode as
//! their contents (a postcard byte string: length, then the bytes).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// The most bytes stored inline: what fits beside a tag and the length in
/// the 16 bytes the other representations take (a tag and a pointer). A
/// command that is a Go int encodes to at most 11.
pub const INLINE_MAX: usize = 14;

/// Immutable bytes that are cheap to clone; see the [module docs](self).
#[derive(Clone)]
pub struct Bytes(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, data: [u8; INLINE_MAX] },
    Flat(Arc<Vec<u8>>),
    Concat(Arc<Concat>),
}

/// A concatenation: segments of copied bytes and shared `Bytes`, in order.
struct Concat {
    copied: Vec<u8>,
    segments: Segments,
    len: usize,
    joined: OnceLock<Vec<u8>>,
}

enum Segment {
    /// `copied[previous end..end]`.
    Copied {
        end: usize,
    },
    Shared(Bytes),
}

/// Segments held without an allocation of their own: a persisted Raft
/// state is three (a header, the shared log, an open tail), made and freed
/// on every persist.
const INLINE_SEGMENTS: usize = 3;

/// A list of segments, the first [`INLINE_SEGMENTS`] in place.
enum Segments {
    Few(usize, [Segment; INLINE_SEGMENTS]),
    Many(Vec<Segment>),
}

impl Segments {
    fn with_capacity(segments: usize) -> Segments {
        if segments <= INLINE_SEGMENTS {
            Segments::Few(0, [const { Segment::Copied { end: 0 } }; INLINE_SEGMENTS])
        } else {
            Segments::Many(Vec::with_capacity(segments))
        }
    }

    fn push(&mut self, segment: Segment) {
        match self {
            Segments::Few(n, few) if *n < INLINE_SEGMENTS => {
                few[*n] = segment;
                *n += 1;
            }
            Segments::Few(_, few) => {
                let mut many: Vec<Segment> = Vec::with_capacity(2 * INLINE_SEGMENTS);
                many.extend(
                    few.iter_mut()
                        .map(|s| std::mem::replace(s, Segment::Copied { end: 0 })),
                );
                many.push(segment);
                *self = Segments::Many(many);
            }
            Segments::Many(many) => many.push(segment),
        }
    }

    fn as_slice(&self) -> &[Segment] {
        match self {
            Segments::Few(n, few) => &few[..*n],
            Segments::Many(many) => many,
        }
    }
}

impl Concat {
    /// The bytes joined, once (kept).
    #[inline(never)]
    fn joined(&self) -> &[u8] {
        self.joined.get_or_init(|| {
            let mut out = Vec::with_capacity(self.len);
            self.write_to(&mut out);
            out
        })
    }

    /// Appends the bytes to `out` without joining nested concatenations
    /// (only the outermost one keeps a joined copy).
    fn write_to(&self, out: &mut Vec<u8>) {
        if let Some(joined) = self.joined.get() {
            out.extend_from_slice(joined);
            return;
        }
        let mut start = 0;
        for segment in self.segments.as_slice() {
            match segment {
                Segment::Copied { end } => {
                    out.extend_from_slice(&self.copied[start..*end]);
                    start = *end;
                }
                Segment::Shared(part) => part.write_to(out),
            }
        }
    }
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes::EMPTY
    }
}

impl Bytes {
    /// Empty bytes, as a constant.
    pub const EMPTY: Bytes = Bytes(Repr::Inline {
        len: 0,
        data: [0; INLINE_MAX],
    });

    /// Empty bytes (no snapshot, no command).
    pub fn new() -> Bytes {
        Bytes::default()
    }

    /// `head` followed by `tail`, copied into one buffer sized once.
    pub fn join(head: &[u8], tail: &[u8]) -> Bytes {
        let mut builder = BytesBuilder::with_capacity(head.len() + tail.len(), 1);
        builder.extend_from_slice(head);
        builder.extend_from_slice(tail);
        builder.build()
    }

    /// The concatenation of `parts`, which are shared, not copied.
    pub fn concat(parts: Vec<Bytes>) -> Bytes {
        let mut builder = BytesBuilder::with_capacity(0, parts.len());
        for part in parts {
            builder.push_shared(part);
        }
        builder.build()
    }

    /// The number of bytes (without joining a concatenation).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => usize::from(*len),
            Repr::Flat(v) => v.len(),
            Repr::Concat(c) => c.len,
        }
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn inline(bytes: &[u8]) -> Bytes {
        debug_assert!(bytes.len() <= INLINE_MAX);
        // Copied as two overlapping words (the first and the last 8, 4 or
        // 1 bytes) rather than with `memcpy`: a call for a few bytes, whose
        // byte-wise stores the word-wise reads of the moves that follow
        // then wait for; and without a loop over the bytes.
        let n = bytes.len();
        let mut data = [0; INLINE_MAX];
        if n >= 8 {
            data[n - 8..n].copy_from_slice(&bytes[n - 8..]);
            data[..8].copy_from_slice(&bytes[..8]);
        } else if n >= 4 {
            data[n - 4..n].copy_from_slice(&bytes[n - 4..]);
            data[..4].copy_from_slice(&bytes[..4]);
        } else if n > 0 {
            data[0] = bytes[0];
            data[n / 2] = bytes[n / 2];
            data[n - 1] = bytes[n - 1];
        }
        Bytes(Repr::Inline { len: n as u8, data })
    }

    /// Inline: every command and message field is read through it, and
    /// only a concatenation's first read needs more than a branch.
    #[inline]
    fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, data } => &data[..usize::from(*len)],
            Repr::Flat(v) => v,
            Repr::Concat(c) => c.joined(),
        }
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Repr::Concat(c) => c.write_to(out),
            _ => out.extend_from_slice(self.as_slice()),
        }
    }
}

/// Makes [`Bytes`] from copied bytes and shared [`Bytes`], in order: the
/// shared ones are not copied (see the [module docs](self)).
pub struct BytesBuilder {
    copied: Vec<u8>,
    segments: Segments,
    /// `copied.len()` when the last segment was closed.
    mark: usize,
    shared_len: usize,
}

impl Default for BytesBuilder {
    fn default() -> BytesBuilder {
        BytesBuilder::with_capacity(0, 0)
    }
}

impl BytesBuilder {
    /// A builder with room for `copied` copied bytes and `segments` runs of
    /// copied or shared bytes, so that building allocates at most once for
    /// each (and not for up to three segments).
    pub fn with_capacity(copied: usize, segments: usize) -> BytesBuilder {
        BytesBuilder {
            copied: Vec::with_capacity(copied),
            segments: Segments::with_capacity(segments),
            mark: 0,
            shared_len: 0,
        }
    }

    /// Appends a copy of `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.copied.extend_from_slice(bytes);
    }

    /// The buffer that copied bytes are appended to, to write (encode) into
    /// it directly; only appends count.
    pub fn copied(&mut self) -> &mut Vec<u8> {
        &mut self.copied
    }

    /// Appends `part`, shared, not copied.
    pub fn push_shared(&mut self, part: Bytes) {
        if part.is_empty() {
            return;
        }
        self.close_copied();
        self.shared_len += part.len();
        self.segments.push(Segment::Shared(part));
    }

    /// The bytes appended so far.
    pub fn build(mut self) -> Bytes {
        if self.shared_len == 0 {
            return Bytes::from(self.copied);
        }
        self.close_copied();
        Bytes(Repr::Concat(Arc::new(Concat {
            len: self.copied.len() + self.shared_len,
            copied: self.copied,
            segments: self.segments,
            joined: OnceLock::new(),
        })))
    }

    fn close_copied(&mut self) {
        assert!(self.copied.len() >= self.mark, "copied bytes were removed");
        if self.copied.len() > self.mark {
            self.mark = self.copied.len();
            self.segments.push(Segment::Copied { end: self.mark });
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Bytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Bytes {
    #[inline]
    fn eq(&self, other: &Bytes) -> bool {
        match (&self.0, &other.0) {
            // The bytes past `len` are zero, so whole arrays compare (no
            // call to `memcmp` for a few bytes).
            (Repr::Inline { len: a, data: x }, Repr::Inline { len: b, data: y }) => {
                a == b && x == y
            }
            // Clones of one large command compare at once, as `Arc`'s own
            // `eq` does.
            (Repr::Flat(a), Repr::Flat(b)) if Arc::ptr_eq(a, b) => true,
            // Clones of one persisted state (the strict oracles compare the
            // bytes persisted after each input with the last): without
            // joining them.
            (Repr::Concat(a), Repr::Concat(b)) if Arc::ptr_eq(a, b) => true,
            _ => self.len() == other.len() && self.as_slice() == other.as_slice(),
        }
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
        if v.len() <= INLINE_MAX {
            return Bytes::inline(&v);
        }
        Bytes(Repr::Flat(Arc::new(v)))
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Bytes {
        if v.len() <= INLINE_MAX {
            return Bytes::inline(v);
        }
        Bytes(Repr::Flat(Arc::new(v.to_vec())))
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

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|k| (k * 31 % 251) as u8).collect()
    }

    #[test]
    fn bytes_round_trip_through_the_codec() {
        for b in [Bytes::from(vec![0u8, 1, 2, 255]), Bytes::from(bytes(300))] {
            let enc = labcodec::encode(&b).unwrap();
            let prefix = labcodec::encode(&b.len()).unwrap();
            assert_eq!(
                enc,
                [&prefix[..], &b[..]].concat(),
                "a length, then the bytes"
            );
            let back: Bytes = labcodec::decode(&enc).unwrap();
            assert_eq!(back, b);
        }
    }

    #[test]
    fn every_representation_is_its_contents() {
        for n in (0..=INLINE_MAX + 1).chain([1000]) {
            let v = bytes(n);
            let from_vec = Bytes::from(v.clone());
            let from_slice = Bytes::from(&v[..]);
            let (head, tail) = v.split_at(n / 3);
            let shared = Bytes::concat(vec![Bytes::from(head), Bytes::from(tail)]);
            let mut builder = BytesBuilder::default();
            builder.extend_from_slice(head);
            builder.push_shared(Bytes::from(tail));
            for b in [&from_slice, &shared, &builder.build()] {
                assert_eq!(b.len(), n);
                assert_eq!(&b[..], &v[..]);
                assert_eq!(b, &from_vec);
                assert_eq!(b.cmp(&from_vec), std::cmp::Ordering::Equal);
            }
        }
        assert!(Bytes::new().is_empty());
        assert!(
            Bytes::from(&b"ab"[..]) < Bytes::from(&b"abc"[..]),
            "ordered by content"
        );
    }

    #[test]
    fn bytes_take_two_words() {
        // Logs, messages and the tester's records hold millions of them.
        assert_eq!(std::mem::size_of::<Bytes>(), 16);
        assert_eq!(std::mem::size_of::<Option<Bytes>>(), 16);
    }

    #[test]
    fn a_concatenation_reads_as_its_pieces_joined() {
        let inner = Bytes::concat(vec![
            Bytes::from(&b"cd"[..]),
            Bytes::new(),
            Bytes::from(bytes(40)),
        ]);
        let mut builder = BytesBuilder::with_capacity(8, 4);
        builder.extend_from_slice(b"a");
        builder.copied().push(b'b');
        builder.push_shared(inner.clone());
        builder.extend_from_slice(b"fg");
        let whole = builder.build();
        let mut expected = b"abcd".to_vec();
        expected.extend(bytes(40));
        expected.extend(b"fg");
        assert_eq!(whole.len(), expected.len(), "known before joining");
        assert_eq!(&whole[..], &expected[..]);
        assert_eq!(
            &inner[2..],
            &bytes(40)[..],
            "an inner piece reads on its own"
        );
        assert_eq!(
            labcodec::encode(&whole).unwrap(),
            labcodec::encode(&Bytes::from(expected)).unwrap()
        );
        assert_eq!(&Bytes::join(b"ab", b"cde")[..], b"abcde");
    }

    #[test]
    fn more_segments_than_announced_are_kept_in_order() {
        for announced in [0, 1, 3, 8] {
            let mut builder = BytesBuilder::with_capacity(0, announced);
            let mut expected = Vec::new();
            for k in 0..7u8 {
                let shared = bytes(20 + usize::from(k));
                builder.push_shared(Bytes::from(shared.clone()));
                builder.extend_from_slice(&[k]);
                expected.extend(shared);
                expected.push(k);
            }
            let whole = builder.build();
            assert_eq!(whole.len(), expected.len(), "announced {announced}");
            assert_eq!(&whole[..], &expected[..], "announced {announced}");
        }
    }
}
