//! Random schedules against a small cluster: election safety, log matching
//! and state-machine safety after every step, then liveness once healed.

use crate::sim::Sim;
use proptest::prelude::*;
use raftapi::Bytes;

#[derive(Clone, Debug)]
enum Action {
    Deliver(usize),
    /// Deliver everything now in flight (not what that produces), oldest first.
    Flush,
    Drop(usize),
    Duplicate(usize),
    Advance(u64),
    Start(usize, u8),
    Crash(usize),
    Restart(usize),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        10 => any::<usize>().prop_map(Action::Deliver),
        4 => Just(Action::Flush),
        2 => any::<usize>().prop_map(Action::Drop),
        1 => any::<usize>().prop_map(Action::Duplicate),
        5 => (1u64..150).prop_map(Action::Advance),
        6 => (any::<usize>(), any::<u8>()).prop_map(|(n, c)| Action::Start(n, c)),
        1 => any::<usize>().prop_map(Action::Crash),
        1 => any::<usize>().prop_map(Action::Restart),
    ]
}

fn run(peers: usize, seed: u64, snapshots: bool, actions: &[Action]) {
    let mut sim = Sim::new(peers, seed, snapshots);
    let mut next_command = 0u32;
    for action in actions {
        match *action {
            Action::Deliver(k) => sim.deliver(k),
            Action::Flush => {
                for _ in 0..sim.pool.len() {
                    sim.deliver(0);
                }
            }
            Action::Drop(k) => sim.drop_message(k),
            Action::Duplicate(k) => sim.duplicate(k),
            Action::Advance(ms) => sim.advance(ms),
            Action::Start(node, c) => {
                next_command += 1;
                let command = Bytes::from(vec![c, next_command as u8, (next_command >> 8) as u8]);
                // Mostly ask the leader, as the tester's `one` ends up doing;
                // sometimes anyone (a deposed or partitioned leader may accept).
                let target = match sim.leader() {
                    Some(leader) if node % 4 != 0 => leader,
                    _ => node % peers,
                };
                sim.start(target, command);
            }
            Action::Crash(node) => {
                // Keep a majority up so that schedules stay interesting.
                let up = (0..peers).filter(|&i| sim.is_up(i)).count();
                if up * 2 > peers + 1 {
                    sim.crash(node % peers);
                }
            }
            Action::Restart(node) => sim.restart(node % peers),
        }
        sim.check_safety();
    }
    heal_and_commit(&mut sim);
}

/// Liveness after the storm: everyone up, a reliable network, and a command
/// started on the leader must reach every server within a few seconds.
fn heal_and_commit(sim: &mut Sim) {
    for i in 0..sim.peers() {
        if !sim.is_up(i) {
            sim.restart(i);
        }
    }
    let mut index = None;
    for _ in 0..100 {
        sim.run_reliable(100);
        sim.check_safety();
        if index.is_none() {
            if let Some(leader) = sim.leader() {
                index = sim
                    .start(leader, Bytes::from(&b"final"[..]))
                    .map(|s| s.index.0);
            }
        }
        if index.is_some_and(|i| sim.applied_count(i) == sim.peers()) {
            return;
        }
    }
    panic!("no agreement within 10 s after healing (index {index:?})");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn three_servers_stay_safe(seed in any::<u64>(), actions in prop::collection::vec(action(), 0..300)) {
        run(3, seed, false, &actions);
    }

    #[test]
    fn five_servers_stay_safe(seed in any::<u64>(), actions in prop::collection::vec(action(), 0..300)) {
        run(5, seed, false, &actions);
    }

    #[test]
    fn three_servers_with_snapshots_stay_safe(seed in any::<u64>(), actions in prop::collection::vec(action(), 0..600)) {
        run(3, seed, true, &actions);
    }
}
