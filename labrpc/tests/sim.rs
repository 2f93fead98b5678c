//! Behaviour of the simulated network, checked against the Go labrpc's
//! semantics (`../shared/spec/mit-tester.md` §1).

use labrpc::{CallId, EndId, Loss, Output, ServerId, ServerName, Sim, Time, World};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// What happened to one call.
#[derive(Clone, Debug, Default)]
struct Fate {
    sent: Time,
    dispatched: Option<Time>,
    handled_by: Option<ServerId>,
    resolved: Vec<(Time, Result<u64, Loss>)>,
}

/// A service that answers `x` with `x * 2`, and records every call's fate.
#[derive(Default)]
struct Recorder {
    fates: BTreeMap<CallId, Fate>,
    /// Requests whose handler should not return (left pending).
    hold: Vec<u64>,
    pending: Vec<CallId>,
}

impl Recorder {
    fn call(&mut self, sim: &mut Sim<u64, u64>, end: EndId, x: u64) -> CallId {
        let id = sim.call(end, x);
        self.fates.insert(
            id,
            Fate {
                sent: sim.now(),
                ..Fate::default()
            },
        );
        id
    }
}

impl World<u64, u64> for Recorder {
    fn on_output(&mut self, sim: &mut Sim<u64, u64>, out: Output<u64, u64>) {
        match out {
            Output::Request { call, server, .. } => {
                let fate = self.fates.get_mut(&call).unwrap();
                assert!(
                    fate.dispatched.is_none(),
                    "a request is handled at most once"
                );
                fate.dispatched = Some(sim.now());
                fate.handled_by = Some(server);
                let x = *sim.request(call);
                if self.hold.contains(&x) {
                    self.pending.push(call);
                } else {
                    assert!(sim.complete(call, x * 2));
                }
            }
            Output::Resolved { call, reply, .. } => {
                self.fates
                    .get_mut(&call)
                    .unwrap()
                    .resolved
                    .push((sim.now(), reply));
            }
            Output::Timer { .. } => {}
        }
    }
}

/// One server named 0 and one enabled end to it.
fn one_link(seed: u64) -> (Sim<u64, u64>, EndId, ServerId) {
    let mut sim = Sim::new(seed);
    let server = sim.add_server(ServerName(0));
    let end = sim.make_end();
    sim.connect(end, ServerName(0));
    sim.enable(end, true);
    (sim, end, server)
}

#[test]
fn reliable_calls_are_answered_at_once() {
    let (mut sim, end, server) = one_link(1);
    let mut w = Recorder::default();
    let id = w.call(&mut sim, end, 21);
    sim.run_for(1, &mut w);
    let fate = &w.fates[&id];
    assert_eq!(fate.dispatched, Some(Time(0)));
    assert_eq!(fate.resolved, vec![(Time(0), Ok(42))]);
    assert_eq!(sim.incoming_count(server), 1);
}

#[test]
fn unreliable_drop_rates_are_ten_percent_each() {
    let (mut sim, end, _) = one_link(7);
    sim.set_reliable(false);
    let mut w = Recorder::default();
    const CALLS: u64 = 100_000;
    for x in 0..CALLS {
        w.call(&mut sim, end, x);
    }
    sim.run_for(100, &mut w);
    let handled = w.fates.values().filter(|f| f.dispatched.is_some()).count() as f64;
    let delivered = w.fates.values().filter(|f| f.resolved[0].1.is_ok()).count() as f64;
    let lost = |loss: Loss| {
        w.fates
            .values()
            .filter(|f| f.resolved[0].1 == Err(loss))
            .count() as f64
    };
    assert_eq!(
        lost(Loss::RequestDropped),
        CALLS as f64 - handled,
        "a request drop says so"
    );
    assert_eq!(
        lost(Loss::ReplyDropped),
        handled - delivered,
        "a reply drop says so"
    );
    let request_drop = 1.0 - handled / CALLS as f64;
    let reply_drop = 1.0 - delivered / handled;
    // Binomial standard deviation at n = 100 000, p = 0.1 is under 0.1 %;
    // 0.5 % is more than five of them.
    assert!(
        (request_drop - 0.1).abs() < 0.005,
        "request drop rate {request_drop}"
    );
    assert!(
        (reply_drop - 0.1).abs() < 0.005,
        "reply drop rate {reply_drop}"
    );
}

#[test]
fn unreliable_short_delay_spans_0_to_26_ms() {
    let (mut sim, end, _) = one_link(3);
    sim.set_reliable(false);
    let mut w = Recorder::default();
    for x in 0..5000 {
        w.call(&mut sim, end, x);
    }
    sim.run_for(1000, &mut w);
    let mut seen = [false; 27];
    for f in w.fates.values() {
        let (resolved_at, reply) = f.resolved[0];
        let delay = resolved_at.ms_since(f.sent);
        assert!(delay <= 26, "short delay {delay} out of range");
        if let Some(d) = f.dispatched {
            seen[d.ms_since(f.sent) as usize] = true;
            if reply.is_ok() {
                assert_eq!(resolved_at, d, "no reply delay without reordering");
            }
        }
    }
    assert!(seen.iter().all(|&s| s), "every delay 0..=26 occurs");
}

#[test]
fn long_reordering_delays_replies_200_to_2199_ms_two_times_in_three() {
    let (mut sim, end, _) = one_link(5);
    sim.set_long_reordering(true);
    let mut w = Recorder::default();
    for x in 0..30_000 {
        w.call(&mut sim, end, x);
    }
    sim.run_for(3000, &mut w);
    let mut delayed = 0;
    for f in w.fates.values() {
        let (at, reply) = f.resolved[0];
        assert!(reply.is_ok(), "reliable: every reply arrives");
        let extra = at.ms_since(f.dispatched.unwrap());
        assert!(
            extra == 0 || (200..=2199).contains(&extra),
            "reorder delay {extra}"
        );
        delayed += usize::from(extra > 0);
    }
    let share = delayed as f64 / 30_000.0;
    assert!((share - 2.0 / 3.0).abs() < 0.02, "reordered share {share}");
}

#[test]
fn a_call_on_a_disabled_end_fails_within_7_s_without_running_the_handler() {
    let (mut sim, end, server) = one_link(11);
    sim.set_long_delays(true);
    sim.enable(end, false);
    let mut w = Recorder::default();
    for x in 0..2000 {
        w.call(&mut sim, end, x);
    }
    sim.run_for(7000, &mut w);
    let mut max = 0;
    for f in w.fates.values() {
        assert_eq!(f.resolved.len(), 1);
        assert_eq!(f.resolved[0].1, Err(Loss::Disconnected));
        assert!(f.dispatched.is_none());
        max = max.max(f.resolved[0].0.ms_since(f.sent));
    }
    assert!(
        max <= 6999 && max > 6000,
        "long delays span 0-6999 ms (max seen {max})"
    );
    assert_eq!(sim.incoming_count(server), 0);
}

#[test]
fn without_long_delays_unreachable_calls_fail_within_100_ms() {
    let mut sim: Sim<u64, u64> = Sim::new(2);
    let end = sim.make_end(); // never connected
    sim.enable(end, true);
    let mut w = Recorder::default();
    for x in 0..500 {
        w.call(&mut sim, end, x);
    }
    sim.run_for(100, &mut w);
    assert!(
        w.fates
            .values()
            .all(|f| f.resolved.len() == 1 && f.resolved[0].0 <= Time(99))
    );
}

#[test]
fn a_disconnect_during_a_handler_loses_the_reply_at_the_next_dead_poll() {
    let (mut sim, end, server) = one_link(1);
    let mut w = Recorder {
        hold: vec![5],
        ..Recorder::default()
    };
    let id = w.call(&mut sim, end, 5);
    sim.run_for(30, &mut w);
    assert_eq!(w.pending, vec![id], "the handler is running");
    sim.enable(end, false);
    sim.run_for(60, &mut w);
    assert!(
        w.fates[&id].resolved.is_empty(),
        "the poll at 100 ms has not happened yet"
    );
    sim.run_for(20, &mut w);
    assert_eq!(
        w.fates[&id].resolved,
        vec![(Time(100), Err(Loss::Disconnected))],
        "failed by the poll at 100 ms"
    );
    // The handler finishing later keeps its effects but its reply is lost.
    assert!(!sim.complete(id, 10));
    assert_eq!(sim.incoming_count(server), 1);
}

#[test]
fn a_disconnect_before_the_handler_returns_loses_the_reply_of_a_handler_that_ran() {
    // Unreliable: the request waits 0-26 ms, and the end is disabled during
    // that wait. The handler still runs (§1.4) but the caller gets false.
    let (mut sim, end, _) = one_link(9);
    sim.set_reliable(false);
    let mut w = Recorder::default();
    let ids: Vec<_> = (0..200).map(|x| w.call(&mut sim, end, x)).collect();
    sim.enable(end, false);
    sim.run_for(100, &mut w);
    let ran = ids
        .iter()
        .filter(|id| w.fates[id].dispatched.is_some())
        .count();
    assert!(ran > 150, "most handlers still ran ({ran})");
    assert!(ids.iter().all(|id| matches!(
        w.fates[id].resolved[..],
        [(_, Err(Loss::Disconnected | Loss::RequestDropped))]
    )));
}

#[test]
fn a_failed_call_says_why_for_a_deleted_server_and_after_cleanup() {
    let (mut sim, end, _) = one_link(2);
    let mut w = Recorder::default();
    sim.delete_server(ServerName(0));
    let dead = w.call(&mut sim, end, 1);
    sim.enable(end, false);
    let cut = w.call(&mut sim, end, 2);
    sim.cleanup();
    let late = w.call(&mut sim, end, 3);
    sim.run_for(100, &mut w);
    assert_eq!(w.fates[&dead].resolved[0].1, Err(Loss::Dead));
    assert_eq!(w.fates[&cut].resolved[0].1, Err(Loss::Disconnected));
    assert_eq!(w.fates[&late].resolved[0].1, Err(Loss::Cleanup));
}

#[test]
fn a_restarted_server_never_handles_calls_addressed_to_its_old_incarnation() {
    let (mut sim, end, old) = one_link(4);
    sim.set_reliable(false); // give calls a short delay to be in flight across the restart
    let mut w = Recorder::default();
    let ids: Vec<_> = (0..300).map(|x| w.call(&mut sim, end, x)).collect();
    sim.delete_server(ServerName(0));
    let new = sim.add_server(ServerName(0));
    let later = w.call(&mut sim, end, 1000);
    sim.run_for(100, &mut w);
    for id in &ids {
        assert_ne!(
            w.fates[id].handled_by,
            Some(new),
            "old calls never reach the new object"
        );
        assert!(
            matches!(
                w.fates[id].resolved[0].1,
                Err(Loss::Dead | Loss::RequestDropped)
            ),
            "calls to the old object fail as dead (or dropped first)"
        );
    }
    let f = &w.fates[&later];
    if f.dispatched.is_some() {
        assert_eq!(f.handled_by, Some(new));
    }
    assert_ne!(old, new);
    assert_eq!(sim.incoming_count(new), u64::from(f.dispatched.is_some()));
}

#[test]
fn byte_counts_are_request_bytes_plus_delivered_reply_bytes() {
    let (mut sim, end, _) = one_link(8);
    let mut w = Recorder::default();
    // postcard varints: 1 byte below 128, 2 bytes below 16384, 3 bytes below 2^21.
    w.call(&mut sim, end, 5); // request 1 byte, reply 10 -> 1 byte
    w.call(&mut sim, end, 100); // request 1 byte, reply 200 -> 2 bytes
    w.call(&mut sim, end, 10_000); // request 2 bytes, reply 20 000 -> 3 bytes
    sim.run_for(1, &mut w);
    assert_eq!(sim.totals().calls, 3);
    assert_eq!(sim.totals().bytes, (1 + 1) + (1 + 2) + (2 + 3));
    // A failed call counts its request only.
    sim.enable(end, false);
    w.call(&mut sim, end, 10_000);
    sim.run_for(7000, &mut w);
    assert_eq!(sim.totals().bytes, 10 + 2);
    assert_eq!(sim.totals().calls, 4);
}

#[test]
fn timers_fire_in_time_order_and_ties_in_scheduling_order() {
    #[derive(Default)]
    struct Timers(Vec<(Time, u64)>);
    impl World<u64, u64> for Timers {
        fn on_output(&mut self, sim: &mut Sim<u64, u64>, out: Output<u64, u64>) {
            if let Output::Timer { key } = out {
                self.0.push((sim.now(), key));
            }
        }
    }
    let mut sim: Sim<u64, u64> = Sim::new(0);
    sim.set_timer(Time(50), 1);
    sim.set_timer(Time(20), 2);
    sim.set_timer(Time(50), 3);
    let mut w = Timers::default();
    sim.run_until(Time(49), &mut w);
    assert_eq!(w.0, vec![(Time(20), 2)]);
    sim.run_until(Time(50), &mut w);
    assert_eq!(w.0, vec![(Time(20), 2), (Time(50), 1), (Time(50), 3)]);
}

// ---- random workloads ----

#[derive(Clone, Debug)]
enum Op {
    Call { from: usize, to: usize, x: u64 },
    Enable { from: usize, to: usize, on: bool },
    Restart { server: usize },
    Delete { server: usize },
    Reliable(bool),
    Reordering(bool),
    LongDelays(bool),
    Hold(u64),
    Sleep(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 0..3usize, 0..50u64).prop_map(|(from, to, x)| Op::Call { from, to, x }),
        2 => (0..3usize, 0..3usize, any::<bool>()).prop_map(|(from, to, on)| Op::Enable { from, to, on }),
        1 => (0..3usize).prop_map(|server| Op::Restart { server }),
        1 => (0..3usize).prop_map(|server| Op::Delete { server }),
        1 => any::<bool>().prop_map(Op::Reliable),
        1 => any::<bool>().prop_map(Op::Reordering),
        1 => any::<bool>().prop_map(Op::LongDelays),
        1 => (0..50u64).prop_map(Op::Hold),
        3 => (0..500u64).prop_map(Op::Sleep),
    ]
}

/// Runs `ops` on 3 servers fully meshed by 9 ends; returns the world, the
/// trace hash and the totals.
fn run_ops(seed: u64, ops: &[Op]) -> (Recorder, u64, labrpc::Totals) {
    let mut sim: Sim<u64, u64> = Sim::new(seed);
    let mut ends = [[EndId(0); 3]; 3];
    for (from, row) in ends.iter_mut().enumerate() {
        for (to, end) in row.iter_mut().enumerate() {
            *end = sim.make_end();
            sim.connect(*end, ServerName(to));
            sim.enable(*end, true);
            let _ = from;
        }
    }
    for s in 0..3 {
        sim.add_server(ServerName(s));
    }
    let mut w = Recorder::default();
    for op in ops {
        match *op {
            Op::Call { from, to, x } => {
                w.call(&mut sim, ends[from][to], x);
            }
            Op::Enable { from, to, on } => sim.enable(ends[from][to], on),
            Op::Restart { server } => {
                sim.add_server(ServerName(server));
            }
            Op::Delete { server } => sim.delete_server(ServerName(server)),
            Op::Reliable(on) => sim.set_reliable(on),
            Op::Reordering(on) => sim.set_long_reordering(on),
            Op::LongDelays(on) => sim.set_long_delays(on),
            Op::Hold(x) => w.hold.push(x),
            Op::Sleep(ms) => sim.run_for(ms, &mut w),
        }
    }
    // Release held handlers, then let everything settle: disabled ends take
    // up to 7 s, reordered replies up to 2.2 s, dead polls 100 ms.
    w.hold.clear();
    for id in std::mem::take(&mut w.pending) {
        let _ = sim.complete(id, 0);
    }
    sim.run_for(10_000, &mut w);
    let hash = sim.trace_hash();
    let totals = sim.totals();
    (w, hash, totals)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_call_resolves_exactly_once_and_never_before_it_was_sent(
        seed in any::<u64>(), ops in prop::collection::vec(op(), 1..120)
    ) {
        let (w, _, totals) = run_ops(seed, &ops);
        for (id, f) in &w.fates {
            prop_assert_eq!(f.resolved.len(), 1, "call {} resolved {} times", id, f.resolved.len());
            prop_assert!(f.resolved[0].0 >= f.sent);
            if let Some(d) = f.dispatched {
                prop_assert!(d >= f.sent && d <= f.resolved[0].0);
            }
            if f.resolved[0].1.is_ok() {
                prop_assert!(f.dispatched.is_some(), "a reply needs a handler");
            }
        }
        prop_assert_eq!(totals.calls, w.fates.len() as u64);
    }

    #[test]
    fn the_same_seed_gives_the_same_trace_hash(
        seed in any::<u64>(), ops in prop::collection::vec(op(), 1..60)
    ) {
        let (_, a, ta) = run_ops(seed, &ops);
        let (_, b, tb) = run_ops(seed, &ops);
        prop_assert_eq!(a, b);
        prop_assert_eq!(ta, tb);
    }
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    let ops: Vec<Op> = (0..200)
        .flat_map(|x| {
            [
                Op::Call {
                    from: 0,
                    to: (x % 3) as usize,
                    x,
                },
                Op::Sleep(7),
            ]
        })
        .chain([Op::Reliable(false)])
        .chain((0..200).map(|x| Op::Call { from: 1, to: 2, x }))
        .collect();
    let hashes: std::collections::BTreeSet<u64> =
        (0..50).map(|seed| run_ops(seed, &ops).1).collect();
    assert_eq!(hashes.len(), 50, "50 seeds, 50 distinct hashes");
}
