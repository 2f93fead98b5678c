//! The bare simulator's speed: a trivial ping/pong service, reported as
//! simulated events per second of wall time (one core, release mode).
//!
//! `cargo bench -p labrpc` runs it; wall time is read here, in the bench,
//! and never inside the simulator.

use labrpc::{EndId, Output, ServerName, Sim, World};
use std::time::Instant;

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

/// Runs 20 clients against 5 servers for `virtual_ms`; returns the events
/// processed and the wall seconds taken.
fn run(reliable: bool, virtual_ms: u64) -> (u64, f64, u64) {
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
        sim.set_timer(labrpc::Time(c), u64::from(end.0));
    }
    let wall = Instant::now();
    sim.run_for(virtual_ms, &mut world);
    (
        sim.events_processed(),
        wall.elapsed().as_secs_f64(),
        world.pings,
    )
}

fn main() {
    for (label, reliable, ms) in [("reliable", true, 200_000), ("unreliable", false, 200_000)] {
        let (events, secs, pings) = run(reliable, ms);
        println!(
            "labrpc ping/pong ({label:>10}): {events:>9} events in {:>7.1} ms = {:>5.2} M events/s ({pings} calls)",
            secs * 1000.0,
            events as f64 / secs / 1e6
        );
    }
}
