//! The bare simulator's speed: the ping/pong service of
//! [`labrpc::pingpong`], reported as simulated events per second of wall
//! time and nanoseconds per event (one core, release mode), best of a few
//! rounds (the machine may be shared).
//!
//! `cargo bench -p labrpc` runs it; wall time is read here, in the bench,
//! and never inside the simulator. `lab bench` runs the same workload and
//! reports it in CPU time beside the suite.

use std::time::Instant;

const ROUNDS: usize = 5;
const VIRTUAL_MS: u64 = 200_000;

fn main() {
    for (label, reliable) in [("reliable", true), ("unreliable", false)] {
        let mut best = f64::INFINITY;
        let mut run = labrpc::pingpong::run(reliable, 1);
        for _ in 0..ROUNDS {
            let wall = Instant::now();
            run = labrpc::pingpong::run(reliable, VIRTUAL_MS);
            best = best.min(wall.elapsed().as_secs_f64());
        }
        println!(
            "labrpc ping/pong ({label:>10}): {:>9} events in {:>7.1} ms = {:>5.2} M events/s, {:>5.1} ns/event ({} calls; best of {ROUNDS})",
            run.events,
            best * 1000.0,
            run.events as f64 / best / 1e6,
            best * 1e9 / run.events as f64,
            run.pings
        );
    }
}
