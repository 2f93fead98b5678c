//! Part 3D.

use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// Not yet ported.
pub(crate) fn snapshot_basic<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_basic is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_install<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_install is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_install_unreliable<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_install_unreliable is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_install_crash<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_install_crash is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_install_uncrash<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_install_uncrash is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_all_crash<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_all_crash is not ported yet"))
}

/// Not yet ported.
pub(crate) fn snapshot_init<R: Raft>(t: &mut Tester<R>) -> Check {
    Err(t.fatal("port", "snapshot_init is not ported yet"))
}
