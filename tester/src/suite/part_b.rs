//! Part 3B.

use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// Not yet ported.
pub(crate) fn basic_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "basic_agree is not ported yet"))
}

/// Not yet ported.
pub(crate) fn rpc_bytes<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "rpc_bytes is not ported yet"))
}

/// Not yet ported.
pub(crate) fn follower_failure<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "follower_failure is not ported yet"))
}

/// Not yet ported.
pub(crate) fn leader_failure<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "leader_failure is not ported yet"))
}

/// Not yet ported.
pub(crate) fn fail_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "fail_agree is not ported yet"))
}

/// Not yet ported.
pub(crate) fn fail_no_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "fail_no_agree is not ported yet"))
}

/// Not yet ported.
pub(crate) fn concurrent_starts<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "concurrent_starts is not ported yet"))
}

/// Not yet ported.
pub(crate) fn rejoin<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "rejoin is not ported yet"))
}

/// Not yet ported.
pub(crate) fn backup<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "backup is not ported yet"))
}

/// Not yet ported.
pub(crate) fn count<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "count is not ported yet"))
}
