//! [`Reader`]: postcard's format read by hand, piece by piece, for hot
//! paths that decode one known shape many times (the tester's snapshots,
//! decoded on every restart and every install). It accepts exactly what
//! postcard's deserializer accepts for the same pieces and reads the same
//! values (tested against [`crate::decode`]), without serde's visitors.

/// The bytes still to read; every method fails (`None`) where postcard's
/// deserializer fails, and leaves the reader unusable after a failure.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

/// The most bytes a `u64` varint takes, and what its last byte may hold
/// (the 64th bit only), as postcard checks them.
const VARINT_U64_MAX_BYTES: usize = 10;
const VARINT_U64_LAST_BYTE_MAX: u8 = 1;

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    /// Whether every byte has been read (postcard's `decode` rejects
    /// trailing bytes).
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(first)
    }

    /// A `u64` or `usize` varint (seven bits a byte, low bits first; at
    /// most ten bytes, the tenth holding one bit).
    #[inline]
    pub fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for k in 0..VARINT_U64_MAX_BYTES {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7F) << (7 * k);
            if byte & 0x80 == 0 {
                let last = k == VARINT_U64_MAX_BYTES - 1;
                return (!last || byte <= VARINT_U64_LAST_BYTE_MAX).then_some(value);
            }
        }
        None
    }

    /// An option's tag: `Some(false)` for `None` (0), `Some(true)` for
    /// `Some` (1); any other byte fails.
    #[inline]
    pub fn option_tag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// A byte string: its length, then the bytes, borrowed.
    #[inline]
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        if len > self.rest.len() {
            return None;
        }
        let (bytes, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;
    use serde_bytes_shim::ByteBuf;

    /// A `Vec<u8>` that (de)serializes as a byte string, as `raftapi::Bytes`
    /// does (this crate cannot depend on raftapi).
    mod serde_bytes_shim {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #[derive(Debug, PartialEq)]
        pub struct ByteBuf(pub Vec<u8>);

        impl Serialize for ByteBuf {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for ByteBuf {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteBuf, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = ByteBuf;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E>(self, v: &[u8]) -> Result<ByteBuf, E> {
                        Ok(ByteBuf(v.to_vec()))
                    }
                }
                d.deserialize_byte_buf(Visitor)
            }
        }
    }

    type Shape = (u64, Vec<Option<ByteBuf>>);

    fn read(bytes: &[u8]) -> Option<Shape> {
        let mut r = Reader::new(bytes);
        let index = r.varint()?;
        let len = r.varint()?;
        let mut items = Vec::new();
        for _ in 0..len {
            let item = match r.option_tag()? {
                false => None,
                true => Some(ByteBuf(r.bytes()?.to_vec())),
            };
            items.push(item);
        }
        r.is_empty().then_some((index, items))
    }

    #[test]
    fn reads_what_postcard_decodes_and_fails_where_it_fails() {
        let value: Shape = (
            u64::MAX,
            vec![None, Some(ByteBuf(vec![7; 200])), Some(ByteBuf(vec![]))],
        );
        let good = crate::encode(&value).unwrap();
        assert_eq!(read(&good), Some(value));
        // Every prefix, every one-byte change and every appended byte:
        // the reader and postcard agree on whether and what they decode.
        let mut inputs: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
        for k in 0..good.len() {
            for b in [0u8, 1, 2, 0x7F, 0x80, 0xFF] {
                let mut changed = good.clone();
                changed[k] = b;
                inputs.push(changed);
            }
        }
        inputs.push([good.clone(), vec![0]].concat());
        // Varints: non-minimal, ten bytes, a tenth byte past the 64th bit.
        inputs.push(vec![0x80, 0x00, 0x00]);
        inputs.push([vec![0xFF; 9], vec![0x01, 0x00]].concat());
        inputs.push([vec![0xFF; 9], vec![0x02, 0x00]].concat());
        inputs.push(vec![0xFF; 11]);
        for input in inputs {
            let postcard = crate::decode::<Shape>(&input).ok();
            assert_eq!(read(&input), postcard, "{input:?}");
        }
    }
}
