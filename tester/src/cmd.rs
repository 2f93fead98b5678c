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
        // Encoded on the stack: an int's bytes are then stored inline.
        labcodec::encode_with(self, |bytes| Bytes::from(bytes)).expect("a command always encodes")
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
