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
