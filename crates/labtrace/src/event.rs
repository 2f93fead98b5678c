//! One collected event, as data: when (virtual ms), which server and
//! incarnation (from the input span, or the event's own fields), which
//! target, level and topic, the message, and every other field as a
//! key-value list. Everything a replay, a timeline or a report reads.

use crate::vocab::{self, field};
use std::fmt;

/// Who emitted an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The tester's markers (target `lab::tester`).
    Tester,
    /// The lab's wire, effect and state events (other `lab::*` targets).
    Lab,
    /// The Raft under test (any other target).
    Raft,
    /// The simulator's low-level events (target `labrpc`).
    Net,
}

impl Source {
    /// The source of events with this target.
    pub fn of_target(target: &str) -> Source {
        if target == vocab::TESTER {
            Source::Tester
        } else if target.starts_with(vocab::LAB_PREFIX) {
            Source::Lab
        } else if target == vocab::NET {
            Source::Net
        } else {
            Source::Raft
        }
    }
}

/// A field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// A string, or anything recorded with `Debug`/`Display`.
    Str(String),
}

impl Value {
    /// The value as an unsigned integer, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U64(v) => Some(v),
            Value::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Str(v) => f.write_str(v),
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Virtual ms: the input span's `t`, else the event's `t` field, else
    /// the time of the event before it.
    pub t: u64,
    /// The server: the input span's, else the event's `server` (or
    /// `node`) field.
    pub server: Option<usize>,
    /// The server's incarnation, inside an input span.
    pub incarnation: Option<u32>,
    /// The input being handled (`tick`, `request`, ...), inside a span.
    pub input: Option<&'static str>,
    /// The `tracing` target.
    pub target: String,
    /// The level.
    pub level: tracing::Level,
    /// The `topic` field, if the event has a string one.
    pub topic: Option<String>,
    /// The message (empty if none).
    pub message: String,
    /// Every other field, in the order recorded (without `t`, `server`,
    /// `node`, `topic` and `message`, which are above).
    pub fields: Vec<(&'static str, Value)>,
    /// Who emitted it.
    pub source: Source,
}

impl Event {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Field `name` as an unsigned integer.
    pub fn u64(&self, name: &str) -> Option<u64> {
        self.field(name).and_then(Value::as_u64)
    }

    /// Field `name` as text (any value, displayed).
    pub fn text(&self, name: &str) -> Option<String> {
        self.field(name).map(ToString::to_string)
    }

    /// Whether this is a tester marker (a tester event whose topic is one
    /// of [`vocab::Origin::Tester`]'s).
    pub fn is_marker(&self) -> bool {
        self.source == Source::Tester && vocab::is_marker(self.topic())
    }

    /// The topic, or `""`.
    pub fn topic(&self) -> &str {
        self.topic.as_deref().unwrap_or("")
    }

    /// Whether `--only`/`--hide` topic `name` selects this event: its topic
    /// is `name`, or `name` is `raft` and the Raft emitted it.
    pub fn has_topic(&self, name: &str) -> bool {
        self.topic() == name || (name == vocab::topic::RAFT && self.source == Source::Raft)
    }
}

/// The fields the collector lifts out of the generic list.
pub(crate) fn is_lifted(name: &str) -> bool {
    matches!(
        name,
        field::T | field::SERVER | field::NODE | field::TOPIC | field::MESSAGE
    )
}
