//! The course's fault-model numbers, named, with where each comes from
//! (`src/labrpc/labrpc.go`; the 2025 file names some of them).

/// Unreliable networks delay each request by `rand(27)` ms, i.e. 0-26 ms
/// (`SHORTDELAY = 27` in 2025).
pub const SHORT_DELAY_MS_BOUND: u64 = 27;
/// Unreliable networks drop 100 in 1000 requests before the handler runs.
pub const REQUEST_DROP_PER_MILLE: u64 = 100;
/// Unreliable networks drop 100 in 1000 replies after the handler ran.
pub const REPLY_DROP_PER_MILLE: u64 = 100;
/// A call on a disabled, unconnected or dead end fails after `rand(7000)` ms
/// when long delays are on (`LONGDELAY = 7000`); the Raft tester always turns
/// them on, to punish leaders that call synchronously.
pub const LONG_DELAY_MS_BOUND: u64 = 7000;
/// ... and after `rand(100)` ms when long delays are off.
pub const SHORT_FAIL_DELAY_MS_BOUND: u64 = 100;
/// With long reordering on, `rand(900) < 600` replies (2 in 3) are delayed.
pub const REORDER_PER_900: u64 = 600;
/// A reordered reply waits `200 + rand(1 + rand(2000))` ms: 200-2199 ms.
pub const REORDER_BASE_MS: u64 = 200;
/// The spread of the reordering delay (see [`REORDER_BASE_MS`]).
pub const REORDER_SPREAD_MS: u64 = 2000;
/// While a handler runs, the Go network checks every 100 ms whether the
/// server died or the end was disabled; here that poll is an exact event.
pub const DEAD_POLL_MS: u64 = 100;

/// The network's fault model as data: every number the unreliable network,
/// the dead-end path and long reordering draw with. [`FaultModel::default`] is
/// exactly the course's numbers above; scenario files set others with
/// [`Sim::set_fault_model`](crate::Sim::set_fault_model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultModel {
    /// Unreliable requests wait `rand(bound)` ms before dispatch.
    pub short_delay_ms_bound: u64,
    /// Unreliable networks drop this many requests in 1000.
    pub request_drop_per_mille: u64,
    /// Unreliable networks drop this many replies in 1000.
    pub reply_drop_per_mille: u64,
    /// Calls on a dead end fail after `rand(bound)` ms with long delays on.
    pub long_delay_ms_bound: u64,
    /// ... and after `rand(bound)` ms with long delays off.
    pub short_fail_delay_ms_bound: u64,
    /// With long reordering on, `rand(900) < this` replies are delayed.
    pub reorder_per_900: u64,
    /// A reordered reply waits `base + rand(1 + rand(spread))` ms.
    pub reorder_base_ms: u64,
    /// See [`FaultModel::reorder_base_ms`].
    pub reorder_spread_ms: u64,
}

impl Default for FaultModel {
    /// The course's numbers.
    fn default() -> Self {
        FaultModel {
            short_delay_ms_bound: SHORT_DELAY_MS_BOUND,
            request_drop_per_mille: REQUEST_DROP_PER_MILLE,
            reply_drop_per_mille: REPLY_DROP_PER_MILLE,
            long_delay_ms_bound: LONG_DELAY_MS_BOUND,
            short_fail_delay_ms_bound: SHORT_FAIL_DELAY_MS_BOUND,
            reorder_per_900: REORDER_PER_900,
            reorder_base_ms: REORDER_BASE_MS,
            reorder_spread_ms: REORDER_SPREAD_MS,
        }
    }
}

/// Why a call failed (resolved without a reply), as the simulator decided
/// it: what the course's `Call` returning false hides from the caller, kept
/// for observers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// The unreliable network dropped the request; no handler ran.
    RequestDropped,
    /// The unreliable network dropped the reply; the handler ran.
    ReplyDropped,
    /// The caller's end was disabled (or never connected): a disconnected
    /// server or a cut link. Decided when the call was made (it then fails
    /// after a short or long delay) or while it was in flight.
    Disconnected,
    /// The server object the call was addressed to was deleted or replaced
    /// (a crash, a restart) before the reply got back.
    Dead,
    /// The network was cleaned up (`Cleanup()`).
    Cleanup,
}

impl Loss {
    /// A short name: `request-dropped`, `reply-dropped`, `disconnected`,
    /// `dead`, `cleanup`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::RequestDropped => "request-dropped",
            Loss::ReplyDropped => "reply-dropped",
            Loss::Disconnected => "disconnected",
            Loss::Dead => "dead",
            Loss::Cleanup => "cleanup",
        }
    }
}
