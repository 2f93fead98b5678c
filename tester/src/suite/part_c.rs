//! Part 3C.

use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// Not yet ported.
pub(crate) fn persist1<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "persist1 is not ported yet"))
}

/// Not yet ported.
pub(crate) fn persist2<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "persist2 is not ported yet"))
}

/// Not yet ported.
pub(crate) fn persist3<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "persist3 is not ported yet"))
}

/// Not yet ported.
pub(crate) fn figure8<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "figure8 is not ported yet"))
}

/// Not yet ported.
pub(crate) fn unreliable_agree<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "unreliable_agree is not ported yet"))
}

/// Not yet ported.
pub(crate) fn figure8_unreliable<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "figure8_unreliable is not ported yet"))
}

/// Not yet ported.
pub(crate) fn reliable_churn<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "reliable_churn is not ported yet"))
}

/// Not yet ported.
pub(crate) fn unreliable_churn<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "unreliable_churn is not ported yet"))
}
