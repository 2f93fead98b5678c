//! The commands the tests submit. Go tests submit `interface{}` values (ints,
//! and 5000-character strings in TestRPCBytes3B) and compare them with `==`,
//! which compares type and value; a postcard-encoded enum keeps both, so two
//! commands are equal exactly when their bytes are.

use raftapi::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A test command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmd {
    /// A Go `int`.
    Int(i64),
    /// A Go `string`.
    Str(String),
}

impl Cmd {
    /// The bytes handed to `start`.
    pub fn encode(&self) -> Bytes {
        match *self {
            // Postcard's encoding of `Int(x)`, written directly (every
            // `start` of the suite encodes one; tested against postcard's):
            // the variant's index 0, then x zigzagged, as a varint.
            Cmd::Int(x) => {
                let mut out = [0u8; 11];
                let mut zigzag = ((x << 1) ^ (x >> 63)) as u64;
                let mut n = 1;
                while zigzag >= 0x80 {
                    out[n] = zigzag as u8 | 0x80;
                    zigzag >>= 7;
                    n += 1;
                }
                out[n] = zigzag as u8;
                Bytes::from(&out[..=n])
            }
            // Encoded on the stack, then copied once.
            Cmd::Str(_) => labcodec::encode_with(self, |bytes| Bytes::from(bytes))
                .expect("a command always encodes"),
        }
    }

    /// The command behind applied bytes, if they are one of ours.
    pub fn decode(bytes: &[u8]) -> Option<Cmd> {
        labcodec::decode(bytes).ok()
    }

    /// The int, if this is one (the tests' "value is not an int" checks).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cmd::Int(x) => Some(*x),
            Cmd::Str(_) => None,
        }
    }
}

impl fmt::Display for Cmd {
    /// As Go's `%v` prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Int(x) => write!(f, "{x}"),
            Cmd::Str(s) if s.len() > 40 => write!(f, "{}...({} chars)", &s[..40], s.len()),
            Cmd::Str(s) => write!(f, "{s}"),
        }
    }
}

/// How Go's `%v` prints an applied value: the command, or `<nil>` when absent,
/// or the raw bytes when they are not one of ours.
pub fn show(bytes: Option<&Bytes>) -> String {
    match bytes {
        None => "<nil>".to_string(),
        Some(b) => match Cmd::decode(b) {
            Some(c) => c.to_string(),
            None => format!("{b:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_int_is_encoded_as_postcard_encodes_it() {
        let mut ints = vec![0, 1, -1, 63, -64, 64, -65, i64::MAX, i64::MIN];
        let mut x: i64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ints.push(x >> (x as u64 % 64));
        }
        for x in ints {
            let postcard = labcodec::encode(&Cmd::Int(x)).unwrap();
            assert_eq!(&Cmd::Int(x).encode()[..], &postcard[..], "{x}");
            assert_eq!(Cmd::decode(&Cmd::Int(x).encode()), Some(Cmd::Int(x)));
        }
        let s = Cmd::Str("x".repeat(70));
        assert_eq!(&s.encode()[..], &labcodec::encode(&s).unwrap()[..]);
    }
}
