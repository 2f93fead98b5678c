//! The running trace hash: a digest of every event the simulator processes,
//! so two runs can be compared by one number.

use crate::time::Time;
use labcodec::Digest;

/// What kind of event was folded into the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A call was made (request counted).
    Send = 1,
    /// An unreliable network dropped the request.
    DropRequest = 2,
    /// The request reached a handler.
    Dispatch = 3,
    /// A handler's reply was produced.
    Complete = 4,
    /// An unreliable network dropped the reply.
    DropReply = 5,
    /// The reply was delayed by long reordering.
    Reorder = 6,
    /// A reply was delivered.
    Deliver = 7,
    /// A call failed (dead, disabled, unconnected, dropped).
    Fail = 8,
    /// A timer fired.
    Timer = 9,
    /// Something outside the network (the tester) folded in an event.
    External = 10,
}

/// A running hash over (time, kind, two words of detail).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceHash {
    digest: Digest,
    events: u64,
}

impl TraceHash {
    /// Folds one event in.
    #[inline]
    pub fn record(&mut self, at: Time, kind: Kind, a: u64, b: u64) {
        self.digest.write_u64(at.0);
        self.digest.write_u64(kind as u64);
        self.digest.write_u64(a);
        self.digest.write_u64(b);
        self.events += 1;
    }

    /// The hash of everything recorded so far.
    #[inline]
    pub fn value(&self) -> u64 {
        self.digest.finish()
    }

    /// How many events were recorded.
    pub fn events(&self) -> u64 {
        self.events
    }
}
