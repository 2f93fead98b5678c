//! Steps that several tests of parts 3C and 3D share, each in both editions.

use crate::edition::Edition;
use crate::failure::Check;
use crate::harness::Tester;
use raftapi::Raft;

/// `one(rand.Int(), expected, true)`: Go draws the command before `one`
/// runs, and so does this.
pub(crate) fn one_rand<R: Raft>(t: &mut Tester<R>, expected: usize) -> Check<u64> {
    let cmd = t.rand_int();
    t.one_int(cmd, expected, true)
}

/// "crash all": 2024 `crash1(i)` for every i; 2025 `Shutdown()`, which shuts
/// every server down in order.
pub(crate) fn crash_all<R: Raft>(t: &mut Tester<R>) {
    for i in 0..t.servers() {
        match t.edition() {
            Edition::Y2024 => t.crash1(i),
            Edition::Y2025 => t.shutdown_server(i),
        }
    }
}

/// "restart and connect all" after [`crash_all`]: 2024 `start1(i)` then
/// `connect(i)` for every i in turn; 2025 `StartServers()`, which starts every
/// server and then runs `ConnectAll()`.
pub(crate) fn start_all<R: Raft>(t: &mut Tester<R>) {
    match t.edition() {
        Edition::Y2024 => {
            for i in 0..t.servers() {
                t.start1(i);
                t.connect(i);
            }
        }
        Edition::Y2025 => {
            for i in 0..t.servers() {
                t.start_server(i);
            }
            t.connect_all();
        }
    }
}
