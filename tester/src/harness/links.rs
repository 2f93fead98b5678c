//! Link-level faults for scenario files: one end at a time, in either
//! direction (the course only connects and disconnects whole servers), the
//! fault model, and clogged links.

use super::Tester;
use labrpc::FaultModel;
use raftapi::Raft;

impl<R: Raft> Tester<R> {
    /// Enables exactly the ends `i -> j` for which `allowed(i, j)` holds
    /// (a call on a disabled end fails; its reverse may still work). Every
    /// live server counts as connected afterwards.
    pub fn set_links(&mut self, allowed: impl Fn(usize, usize) -> bool) {
        self.record_external(5, 0);
        for i in 0..self.n {
            self.connected[i] = self.is_up(i);
            for j in 0..self.n {
                if let Some(end) = self.end_names[i][j] {
                    self.sim.enable(end, allowed(i, j));
                }
            }
        }
        self.mark_partition();
    }

    /// Adds `ms` of delay to requests on the current end `i -> j`.
    pub fn set_link_delay(&mut self, i: usize, j: usize, ms: u64) {
        self.record_external(6, (i * self.n + j) as u64 ^ ms << 16);
        if let Some(end) = self.end_names[i][j] {
            self.sim.set_end_delay(end, ms);
        }
    }

    /// Replaces the network's fault model.
    pub fn set_fault_model(&mut self, model: FaultModel) {
        self.sim.set_fault_model(model);
    }
}
