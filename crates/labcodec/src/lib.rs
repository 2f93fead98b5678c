//! labcodec: the one small module behind which raftlab turns values into bytes.
//!
//! The course's labgob (Go `encoding/gob`) becomes [postcard]'s format here:
//! compact, deterministic, maintained (bincode is not). Decoding is
//! postcard's; encoding is a leaner serializer of the same format (`ser`,
//! tested byte for byte against postcard), because every RPC is encoded to
//! be measured. Everything that needs bytes goes
//! through this crate, so the encoding can change in one place:
//!
//! - [`encode`] / [`decode`] / [`encode_append`]: persisted Raft state and snapshots;
//! - [`measure`] and [`Measurer`]: the encoded length of an RPC message (what the simulator adds
//!   to its byte counters) and a digest of those bytes (what it folds into the
//!   trace hash), in one pass and without allocating;
//! - [`Digest`]: the fixed, seedless 64-bit hash used for trace hashes;
//! - [`Reader`]: the format read by hand, for a hot decoder of one shape.
//!
//! ```
//! let bytes = labcodec::encode(&(7u64, "seven")).unwrap();
//! let (n, s): (u64, String) = labcodec::decode(&bytes).unwrap();
//! assert_eq!((n, s.as_str()), (7, "seven"));
//! assert_eq!(labcodec::measure(&(7u64, "seven")).len, bytes.len());
//! ```

mod digest;
mod reader;
mod ser;

pub use digest::{Digest, load_le, mix64};
pub use reader::Reader;
use serde::{Serialize, de::DeserializeOwned};

/// What went wrong while encoding or decoding.
pub type Error = postcard::Error;

/// Room reserved up front by [`encode`]: most values are small (commands,
/// headers), and growing a `Vec` from nothing reallocates several times.
const ENCODE_CAPACITY: usize = 32;

/// Encodes `value` with postcard.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(ENCODE_CAPACITY);
    encode_append(value, &mut out)?;
    Ok(out)
}

/// Appends `value`'s postcard encoding to `out` (no buffer of its own),
/// written by this crate's own serializer, byte for byte postcard's.
pub fn encode_append<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    value.serialize(&mut ser::Writer { out })
}

/// Decodes a value that [`encode`] produced. Trailing bytes are an error, so a
/// truncated or padded blob never decodes silently.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let (value, rest) = postcard::take_from_bytes(bytes)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(Error::DeserializeBadEncoding)
    }
}

/// Appends postcard's encoding of a `u64` or `usize` (a varint: seven bits
/// a byte, low bits first), exactly what [`encode_append`] writes for one,
/// without going through serde: for hot paths that assemble an encoding
/// from parts (a log's entries, a persisted state's header).
#[inline]
pub fn put_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends postcard's encoding of a byte string: its length, then the bytes
/// (what [`encode_append`] writes for a `&[u8]` encoded with
/// `serialize_bytes`, such as a `raftapi::Bytes`).
#[inline]
pub fn put_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    put_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Encodes `value` into a buffer on the stack when it fits (a command, a
/// header) or into a `Vec` when it does not, and hands the bytes to `use_bytes`:
/// no allocation for small values.
pub fn encode_with<T: Serialize + ?Sized, R>(
    value: &T,
    use_bytes: impl FnOnce(&[u8]) -> R,
) -> Result<R, Error> {
    let mut buffer = [0u8; 64];
    match postcard::to_slice(value, &mut buffer) {
        Ok(bytes) => Ok(use_bytes(bytes)),
        Err(Error::SerializeBufferFull) => Ok(use_bytes(&encode(value)?)),
        Err(e) => Err(e),
    }
}

/// The encoded length of a value and a digest of its encoded bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measure {
    /// Length of the postcard encoding, in bytes.
    pub len: usize,
    /// [`Digest`] of the postcard encoding.
    pub digest: u64,
}

/// Measures `value`'s encoding (one-off; see [`Measurer`] for many).
///
/// Panics if the value cannot be encoded: every message type the lab carries is
/// plain data, so a failure here is a bug in the type, not in the caller's input.
pub fn measure<T: Serialize + ?Sized>(value: &T) -> Measure {
    Measurer::new().measure(value)
}

/// Measures many values with one reusable buffer: each value is encoded into
/// it (plain appends, no allocation once the buffer has grown) and the digest
/// then runs over whole words of the result, which is cheaper than digesting
/// postcard's many small pushes one by one.
#[derive(Debug, Default)]
pub struct Measurer {
    scratch: Vec<u8>,
}

impl Measurer {
    /// A measurer with an empty buffer.
    pub fn new() -> Measurer {
        Measurer::default()
    }

    /// Same result as [`measure`].
    pub fn measure<T: Serialize + ?Sized>(&mut self, value: &T) -> Measure {
        self.scratch.clear();
        encode_append(value, &mut self.scratch)
            .expect("a message type that postcard cannot encode");
        Measure {
            len: self.scratch.len(),
            digest: Digest::of(&self.scratch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_agrees_with_encode() {
        let value = (u64::MAX, vec![1u8; 300], "x".repeat(5000), Some(-3i32));
        let bytes = encode(&value).unwrap();
        let m = measure(&value);
        assert_eq!(m.len, bytes.len());
        let mut d = Digest::default();
        d.write(&bytes);
        assert_eq!(m.digest, d.finish());
    }

    #[test]
    fn measure_agrees_with_encode_on_every_kind_of_field() {
        #[derive(serde::Serialize)]
        enum Message {
            Unit,
            Tuple(u8, i16, u32),
            Struct {
                a: i64,
                b: Option<u128>,
                c: bool,
                d: Vec<String>,
            },
        }
        let values = [
            Message::Unit,
            Message::Tuple(255, -300, 70_000),
            Message::Struct {
                a: i64::MIN,
                b: Some(u128::MAX),
                c: true,
                d: vec!["".into(), "é".repeat(9), "z".repeat(300)],
            },
        ];
        for value in &values {
            let bytes = encode(value).unwrap();
            let mut d = Digest::default();
            d.write(&bytes);
            assert_eq!(
                measure(value),
                Measure {
                    len: bytes.len(),
                    digest: d.finish()
                }
            );
        }
        let mut appended = vec![9u8];
        encode_append(&values[1], &mut appended).unwrap();
        assert_eq!(appended[1..], encode(&values[1]).unwrap()[..]);
    }

    #[test]
    fn hand_written_parts_agree_with_postcard() {
        let mut values = vec![0u64, 1, 127, 128, 255, 300, 16_383, 16_384, u64::MAX];
        values.extend((0..64).map(|k| 1u64 << k));
        values.extend((1..64).map(|k| (1u64 << k) - 1));
        for v in values {
            let mut out = vec![7];
            put_varint(v, &mut out);
            assert_eq!(out[1..], encode(&v).unwrap()[..], "{v}");
            assert_eq!(out[1..], encode(&(v as usize)).unwrap()[..], "{v} as usize");
        }
        #[derive(serde::Serialize)]
        struct Raw<'a>(#[serde(with = "serde_bytes_like")] &'a [u8]);
        mod serde_bytes_like {
            pub fn serialize<S: serde::Serializer>(b: &&[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(b)
            }
        }
        for n in [0, 1, 127, 128, 5000] {
            let bytes = vec![3u8; n];
            let mut out = Vec::new();
            put_bytes(&bytes, &mut out);
            assert_eq!(out, encode(&Raw(&bytes)).unwrap(), "{n} bytes");
        }
    }

    #[test]
    fn encode_with_sees_the_encoding_small_or_large() {
        for value in [vec![1u8; 3], vec![2u8; 500]] {
            let expected = encode(&value).unwrap();
            assert_eq!(encode_with(&value, |b| b.to_vec()).unwrap(), expected);
        }
    }

    #[test]
    fn decode_rejects_trailing_bytes() {
        let mut bytes = encode(&5u32).unwrap();
        bytes.push(0);
        assert!(decode::<u32>(&bytes).is_err());
    }

    #[test]
    fn decode_rejects_truncation() {
        let bytes = encode(&"hello".to_string()).unwrap();
        assert!(decode::<String>(&bytes[..3]).is_err());
    }
}
