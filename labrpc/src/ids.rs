//! Identifiers of the simulated network's objects.

use std::fmt;

/// A client end (the course's `ClientEnd`): a one-way wire from one caller to
/// one server name. The Go code names ends with random strings; an index is
/// just as unique and needs no randomness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EndId(pub u32);

/// The name a server is registered under (the course's `servername`: the
/// peer index in 2024, `"server-0-i"` in 2025). It outlives restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerName(pub usize);

/// One server object (one incarnation). A restart registers a new object
/// under the same name, so calls addressed to the old one count as dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerId(pub u64);

/// One call, from `call` until it resolves. Ids of resolved calls are never
/// reused (a generation in the high half tells old from new).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

impl CallId {
    pub(crate) fn new(slot: u32, generation: u32) -> CallId {
        CallId(u64::from(generation) << 32 | u64::from(slot))
    }

    pub(crate) fn slot(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }

    pub(crate) fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}.{}", self.slot(), self.generation())
    }
}
