//! The named timeouts and limits of the reference Raft, with their units.

/// Timing and batching knobs. [`Tuning::default`] is tuned to the course's
/// contract (spec §4-5, §8): at most about ten heartbeats per second, a leader
/// within ~5 s of a failure, and the RPC budgets of TestCount3B and
/// TestRPCBytes3B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// A leader sends AppendEntries to every peer at least this often. 100 ms
    /// gives 10 heartbeats per second: 20 RPCs per idle second for 3 servers,
    /// against the tester's budget of 60.
    pub heartbeat_interval_ms: u64,
    /// Shortest election timeout. Three heartbeat intervals, so a follower
    /// survives two lost heartbeats in a row on the 10 %-drop network.
    pub election_timeout_ms_min: u64,
    /// Longest election timeout (inclusive). A 300 ms spread makes split votes
    /// rare, and even several rounds fit the tester's 5 s election window.
    pub election_timeout_ms_max: u64,
    /// A `start` waits this long before the leader sends, so that many
    /// `start`s at one instant become one AppendEntries per peer (TestCount3B
    /// allows 42 RPCs for 12 `start`s and 10 commits).
    pub start_batch_delay_ms: u64,
    /// At most this many entries ride in one AppendEntries; a follower further
    /// behind gets the rest as soon as it acknowledges these.
    pub max_entries_per_append: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            heartbeat_interval_ms: 100,
            election_timeout_ms_min: 300,
            election_timeout_ms_max: 600,
            start_batch_delay_ms: 1,
            max_entries_per_append: 128,
        }
    }
}

impl Tuning {
    /// Panics if the values cannot work together: a caller's programming error,
    /// caught when the server is made rather than as a hung election.
    pub(crate) fn assert_valid(&self) {
        assert!(self.heartbeat_interval_ms > 0, "heartbeat interval is zero");
        assert!(
            self.election_timeout_ms_min > self.heartbeat_interval_ms,
            "election timeout must exceed the heartbeat interval"
        );
        assert!(
            self.election_timeout_ms_max >= self.election_timeout_ms_min,
            "election timeout range is empty"
        );
        assert!(
            self.max_entries_per_append > 0,
            "max entries per append is zero"
        );
    }
}
