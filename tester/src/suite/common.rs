//! Steps that several tests of parts 3C and 3D share, each in every edition.

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

/// "crash all": 2024 `crash1(i)` for every i; 2025 `Shutdown()` and 2026
/// `kill(Servers())`, which both shut every server down in order.
pub(crate) fn crash_all<R: Raft>(t: &mut Tester<R>) {
    let all: Vec<usize> = (0..t.servers()).collect();
    match t.edition() {
        Edition::Y2024 => all.iter().for_each(|&i| t.crash1(i)),
        Edition::Y2025 => all.iter().for_each(|&i| t.shutdown_server(i)),
        Edition::Y2026 => t.kill(&all),
    }
}

/// "restart and connect all" after [`crash_all`]: 2024 `start1(i)` then
/// `connect(i)` for every i in turn; 2025 `StartServers()`, which starts every
/// server and then runs `ConnectAll()`; 2026 `restart(Servers())`, which
/// starts every server and then connects each in order: the same steps.
pub(crate) fn start_all<R: Raft>(t: &mut Tester<R>) {
    let all: Vec<usize> = (0..t.servers()).collect();
    match t.edition() {
        Edition::Y2024 => {
            for &i in &all {
                t.start1(i);
                t.connect(i);
            }
        }
        Edition::Y2025 => {
            for &i in &all {
                t.start_server(i);
            }
            t.connect_all();
        }
        Edition::Y2026 => t.restart_servers(&all),
    }
}
