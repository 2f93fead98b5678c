//! A tiny hand-wired cluster for the tests: a pool of messages in flight that
//! the test delivers, drops, duplicates or reorders; virtual time with each
//! server's wake-up; crashes and restarts from the last persisted state; and a
//! 3D-style service that snapshots every 10 entries. Every apply is checked
//! against every other server's (state-machine safety), and every step can be
//! checked for election safety and log matching.

use labraft::{Raft, Reply, Request};
use raftapi::{
    ApplyMsg, Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft as _, Term, codec,
};
use std::collections::{BTreeMap, VecDeque};

/// A message in the pool.
#[derive(Debug, Clone)]
pub enum InFlight {
    /// A call on its way to `to`.
    Request {
        from: NodeId,
        from_incarnation: u64,
        to: NodeId,
        request: Request,
    },
    /// A call's outcome on its way back to `to`, the caller.
    Reply {
        to: NodeId,
        to_incarnation: u64,
        from: NodeId,
        request: Request,
        reply: Option<Reply>,
    },
}

/// One server slot: the live incarnation (if up) and what outlives it.
pub struct Slot {
    pub raft: Option<Raft>,
    pub incarnation: u64,
    pub persisted: Persisted,
    pub wake: Option<Instant>,
    /// The service's applied commands, index k + 1 at position k.
    pub history: Vec<Bytes>,
    /// Requests handled by the current incarnation (the tester's per-server count).
    pub handled: u64,
}

/// The cluster.
pub struct Sim {
    pub now: Instant,
    pub slots: Vec<Slot>,
    pub pool: VecDeque<InFlight>,
    /// Every command any server applied, by index.
    pub committed: BTreeMap<u64, Bytes>,
    /// The leader seen in each term.
    pub leaders: BTreeMap<Term, NodeId>,
    /// Request bytes sent plus reply bytes delivered (TestRPCBytes3B's count).
    pub bytes: u64,
    /// Snapshot every 10 entries, like the 3D applier.
    pub snapshots: bool,
    seed: u64,
}

impl Sim {
    pub fn new(peers: usize, seed: u64, snapshots: bool) -> Sim {
        let mut sim = Sim {
            now: Instant(0),
            slots: Vec::new(),
            pool: VecDeque::new(),
            committed: BTreeMap::new(),
            leaders: BTreeMap::new(),
            bytes: 0,
            snapshots,
            seed,
        };
        for _ in 0..peers {
            sim.slots.push(Slot {
                raft: None,
                incarnation: 0,
                persisted: Persisted::default(),
                wake: None,
                history: Vec::new(),
                handled: 0,
            });
        }
        for i in 0..peers {
            sim.restart(i);
        }
        sim
    }

    pub fn peers(&self) -> usize {
        self.slots.len()
    }

    /// Crashes server `i`: its volatile state and pending wake-up are gone.
    pub fn crash(&mut self, i: usize) {
        self.slots[i].raft = None;
        self.slots[i].wake = None;
    }

    /// (Re)starts server `i` from its last persisted state; the service
    /// reloads the persisted snapshot, as the tester's `start1` does.
    pub fn restart(&mut self, i: usize) {
        self.crash(i);
        self.seed += 1;
        let peers = self.slots.len();
        let slot = &mut self.slots[i];
        slot.incarnation += 1;
        slot.handled = 0;
        slot.history = if slot.persisted.snapshot.is_empty() {
            Vec::new()
        } else {
            codec::decode::<Vec<Bytes>>(&slot.persisted.snapshot).unwrap()
        };
        let config = Config {
            me: NodeId(i),
            peers,
            seed: self.seed,
            now: self.now,
        };
        let mut out = Effects::new();
        let raft = Raft::make(config, slot.persisted.clone(), &mut out);
        let restored = LogIndex(slot.history.len() as u64);
        assert_eq!(
            raft.inspect().unwrap().last_applied,
            restored,
            "restart resumes after the snapshot"
        );
        slot.raft = Some(raft);
        self.perform(i, out);
    }

    pub fn is_up(&self, i: usize) -> bool {
        self.slots[i].raft.is_some()
    }

    pub fn raft(&self, i: usize) -> &Raft {
        self.slots[i].raft.as_ref().expect("server is up")
    }

    /// The course's `Start` on server `i`.
    pub fn start(&mut self, i: usize, command: Bytes) -> Option<raftapi::Started> {
        let now = self.now;
        let raft = self.slots[i].raft.as_mut()?;
        let mut out = Effects::new();
        let started = raft.start(now, command, &mut out);
        self.perform(i, out);
        started
    }

    /// Performs server `i`'s effects in contract order: persist, calls, applies
    /// (snapshotting from the applier as the 3D tester does), wake-up.
    fn perform(&mut self, i: usize, mut out: Effects<Request>) {
        if let Some(p) = out.take_persist() {
            self.slots[i].persisted = Persisted {
                raft_state: p.raft_state,
                snapshot: p.snapshot,
            };
        }
        let from_incarnation = self.slots[i].incarnation;
        for (to, request) in out.drain_calls() {
            self.bytes += codec::measure(&request).len as u64;
            self.pool.push_back(InFlight::Request {
                from: NodeId(i),
                from_incarnation,
                to,
                request,
            });
        }
        let applies: Vec<ApplyMsg> = out.drain_applies().collect();
        if let Some(wake) = out.take_wake() {
            self.slots[i].wake = Some(wake);
        }
        for msg in applies {
            self.apply(i, msg);
        }
    }

    fn apply(&mut self, i: usize, msg: ApplyMsg) {
        match msg {
            ApplyMsg::Command { index, command } => {
                let history = &mut self.slots[i].history;
                assert_eq!(
                    index.0,
                    history.len() as u64 + 1,
                    "S{i} applied out of order"
                );
                history.push(command.clone());
                let agreed = self
                    .committed
                    .entry(index.0)
                    .or_insert_with(|| command.clone());
                assert_eq!(
                    *agreed, command,
                    "S{i} applied a different command at {index}"
                );
                if self.snapshots && (index.0 + 1) % 10 == 0 {
                    let data = Bytes::from(codec::encode(&self.slots[i].history).unwrap());
                    let now = self.now;
                    let mut out = Effects::new();
                    self.slots[i]
                        .raft
                        .as_mut()
                        .unwrap()
                        .snapshot(now, index, data, &mut out);
                    assert!(out.applies().is_empty(), "snapshot() applies nothing");
                    self.perform(i, out);
                }
            }
            ApplyMsg::Snapshot { index, data, .. } => {
                let history: Vec<Bytes> = codec::decode(&data).unwrap();
                assert_eq!(
                    history.len() as u64,
                    index.0,
                    "snapshot data matches its index"
                );
                assert!(
                    index.0 > self.slots[i].history.len() as u64,
                    "S{i} snapshot moved back"
                );
                for (k, command) in history.iter().enumerate() {
                    let agreed = self
                        .committed
                        .entry(k as u64 + 1)
                        .or_insert_with(|| command.clone());
                    assert_eq!(
                        agreed,
                        command,
                        "S{i} installed a snapshot that disagrees at {}",
                        k + 1
                    );
                }
                self.slots[i].history = history;
            }
        }
    }

    /// Delivers the message at `k` (modulo the pool size): a request is
    /// handled (or fails if its target is down), a reply reaches its caller.
    pub fn deliver(&mut self, k: usize) {
        let Some(msg) = self.take(k) else { return };
        match msg {
            InFlight::Request {
                from,
                from_incarnation,
                to,
                request,
            } => {
                let now = self.now;
                let reply = self.slots[to.0].raft.as_mut().map(|raft| {
                    let mut out = Effects::new();
                    let reply = raft.handle_request(now, from, &request, &mut out);
                    (reply, out)
                });
                let reply = reply.map(|(reply, out)| {
                    self.slots[to.0].handled += 1;
                    self.perform(to.0, out);
                    reply
                });
                self.pool.push_back(InFlight::Reply {
                    to: from,
                    to_incarnation: from_incarnation,
                    from: to,
                    request,
                    reply,
                });
            }
            InFlight::Reply {
                to,
                to_incarnation,
                from,
                request,
                reply,
            } => {
                if self.slots[to.0].incarnation != to_incarnation {
                    return;
                }
                if let Some(r) = &reply {
                    self.bytes += codec::measure(r).len as u64;
                }
                let now = self.now;
                let Some(raft) = self.slots[to.0].raft.as_mut() else {
                    return;
                };
                let mut out = Effects::new();
                raft.handle_reply(now, from, request, reply, &mut out);
                self.perform(to.0, out);
            }
        }
    }

    /// Drops the message at `k`: a lost request or reply makes the call fail.
    pub fn drop_message(&mut self, k: usize) {
        let Some(msg) = self.take(k) else { return };
        let failed = match msg {
            InFlight::Request {
                from,
                from_incarnation,
                to,
                request,
            } => InFlight::Reply {
                to: from,
                to_incarnation: from_incarnation,
                from: to,
                request,
                reply: None,
            },
            InFlight::Reply {
                to,
                to_incarnation,
                from,
                request,
                reply: Some(_),
            } => InFlight::Reply {
                to,
                to_incarnation,
                from,
                request,
                reply: None,
            },
            // A failure cannot be lost: every call resolves.
            failure => failure,
        };
        self.pool.push_back(failed);
    }

    /// Duplicates the message at `k` (a retried request, a repeated reply).
    pub fn duplicate(&mut self, k: usize) {
        if self.pool.is_empty() {
            return;
        }
        let k = k % self.pool.len();
        let copy = self.pool[k].clone();
        self.pool.push_back(copy);
    }

    fn take(&mut self, k: usize) -> Option<InFlight> {
        if self.pool.is_empty() {
            return None;
        }
        let k = k % self.pool.len();
        self.pool.remove(k)
    }

    /// Fires the earliest wake-up at or before `until`; false if none is due.
    fn tick_next(&mut self, until: Instant) -> bool {
        let due = (0..self.peers())
            .filter_map(|i| self.slots[i].wake.map(|w| (w, i)))
            .filter(|&(w, _)| w <= until)
            .min();
        let Some((wake, i)) = due else { return false };
        self.now = self.now.max(wake);
        self.slots[i].wake = None;
        let now = self.now;
        let mut out = Effects::new();
        self.slots[i].raft.as_mut().unwrap().tick(now, &mut out);
        self.perform(i, out);
        true
    }

    /// Moves time forward by `ms`, firing wake-ups on the way, delivering
    /// nothing.
    pub fn advance(&mut self, ms: u64) {
        let until = self.now.plus_ms(ms);
        while self.tick_next(until) {}
        self.now = until;
    }

    /// Delivers everything in flight, oldest first, at the current instant.
    pub fn settle(&mut self) {
        while !self.pool.is_empty() {
            self.deliver(0);
        }
    }

    /// A reliable network with no delay: run until `ms` from now, delivering
    /// every message as soon as it is sent.
    pub fn run_reliable(&mut self, ms: u64) {
        let until = self.now.plus_ms(ms);
        loop {
            self.settle();
            if !self.tick_next(until) {
                break;
            }
        }
        self.now = until;
    }

    /// An unreliable network (the course's 10 % request and 10 % reply loss):
    /// every millisecond, each message in flight is delivered or lost, in a
    /// shuffled order, for `ms` milliseconds. `rng` is a xorshift state.
    pub fn run_lossy(&mut self, ms: u64, rng: &mut u64) {
        for _ in 0..ms {
            let mut batch: Vec<InFlight> = self.pool.drain(..).collect();
            while !batch.is_empty() {
                let k = (xorshift(rng) % batch.len() as u64) as usize;
                self.pool.push_back(batch.swap_remove(k));
                let last = self.pool.len() - 1;
                if xorshift(rng) % 10 == 0 {
                    self.drop_message(last);
                } else {
                    self.deliver(last);
                }
            }
            self.advance(1);
        }
    }

    /// The live leaders, as (term, id).
    pub fn leaders_now(&self) -> Vec<(Term, NodeId)> {
        (0..self.peers())
            .filter_map(|i| {
                let (term, leader) = self.slots[i].raft.as_ref()?.state();
                leader.then_some((term, NodeId(i)))
            })
            .collect()
    }

    /// The leader of the highest term, if any (the tester's `checkOneLeader`).
    pub fn leader(&self) -> Option<usize> {
        self.leaders_now().into_iter().max().map(|(_, id)| id.0)
    }

    /// How many servers applied index `index` (the tester's `nCommitted`).
    pub fn applied_count(&self, index: u64) -> usize {
        self.slots
            .iter()
            .filter(|s| s.history.len() as u64 >= index)
            .count()
    }

    /// Requests handled by the live incarnations (the tester's `rpcs()`).
    pub fn handled(&self) -> u64 {
        self.slots.iter().map(|s| s.handled).sum()
    }

    /// Election safety and log matching, checked across all live servers.
    pub fn check_safety(&mut self) {
        for (term, id) in self.leaders_now() {
            let first = *self.leaders.entry(term).or_insert(id);
            assert_eq!(first, id, "two leaders in {term}: {first} and {id}");
        }
        let views: Vec<_> = (0..self.peers())
            .filter_map(|i| self.slots[i].raft.as_ref()?.inspect())
            .collect();
        for a in &views {
            for b in &views {
                check_log_matching(a, b);
            }
        }
    }
}

/// Log matching (§5.3): if two logs hold an entry with the same index and
/// term, they agree on every earlier entry both still hold.
fn check_log_matching(a: &raftapi::Inspection, b: &raftapi::Inspection) {
    let top = a.last_log_index().min(b.last_log_index());
    let bottom = a.snapshot_index.max(b.snapshot_index);
    let mut index = top;
    while index > bottom && a.term_at(index) != b.term_at(index) {
        index = index.prev();
    }
    while index > bottom {
        index = index.prev();
        assert_eq!(
            a.term_at(index),
            b.term_at(index),
            "logs agree at a later index but not at {index}"
        );
    }
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
