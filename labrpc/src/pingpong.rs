//! A trivial ping/pong service: the workload that measures the bare
//! simulator's cost per event, shared by `cargo bench -p labrpc` and
//! `lab bench` (which compares the suite against it in the same process).
//!
//! It reads no clock: callers time [`run`] themselves.

use crate::{EndId, Output, ServerName, Sim, Time, World};

/// Each client pings its server; one millisecond after the answer (or the
/// failure) it pings again. So every ping is a call, a dispatch, a handler, a
/// resolution and a timer.
struct PingPong {
    ends: Vec<EndId>,
    pings: u64,
}

impl World<u64, u64> for PingPong {
    fn on_output(&mut self, sim: &mut Sim<u64, u64>, out: Output<u64, u64>) {
        match out {
            Output::Request { call, .. } => {
                let x = *sim.request(call);
                sim.complete(call, x + 1);
            }
            Output::Resolved { end, .. } => {
                self.pings += 1;
                let at = sim.now() + 1;
                sim.set_timer(at, u64::from(end.0));
            }
            Output::Timer { key } => {
                let end = self.ends[key as usize];
                sim.call(end, key);
            }
        }
    }
}

/// What one ping/pong run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingPongRun {
    /// Simulator events processed.
    pub events: u64,
    /// Calls resolved (pings answered or failed).
    pub pings: u64,
}

/// Runs 20 clients against 5 servers for `virtual_ms` of virtual time, on a
/// reliable or an unreliable network (long delays on, as the Raft tester sets).
pub fn run(reliable: bool, virtual_ms: u64) -> PingPongRun {
    let mut sim: Sim<u64, u64> = Sim::new(1);
    sim.set_reliable(reliable);
    sim.set_long_delays(true);
    let mut world = PingPong {
        ends: Vec::new(),
        pings: 0,
    };
    for s in 0..5 {
        sim.add_server(ServerName(s));
    }
    for c in 0..20u64 {
        let end = sim.make_end();
        sim.connect(end, ServerName((c % 5) as usize));
        sim.enable(end, true);
        world.ends.push(end);
        sim.set_timer(Time(c), u64::from(end.0));
    }
    sim.run_for(virtual_ms, &mut world);
    PingPongRun {
        events: sim.events_processed(),
        pings: world.pings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ping_is_answered_on_a_reliable_network() {
        let r = run(true, 100);
        assert!(
            r.pings >= 20 * 50,
            "each client pings about every ms: {r:?}"
        );
        assert!(
            r.events >= 3 * r.pings,
            "a dispatch, a resolution and a timer per ping"
        );
        assert_eq!(run(true, 100), r, "deterministic");
    }
}
