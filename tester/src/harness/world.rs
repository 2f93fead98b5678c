//! The simulator's outputs become Raft inputs; a Raft's effects are performed
//! in the order of the raftapi contract: persist, reply and calls, wake-up,
//! applies. Each input and its effects run inside the server's input span
//! (`input_span`), and the `observe_*` calls emit the lab's events
//! (`crate::observe`).

use super::Tester;
use labrpc::{CallId, Output, Time};
use labtrace::vocab::input;
use raftapi::{Effects, Instant, NodeId, Raft};

/// Timer keys with this bit set belong to nodes; the others are task ids.
const NODE_TIMER: u64 = 1 << 63;
const NODE_SHIFT: u32 = 40;

fn node_timer_key(node: usize, generation: u64) -> u64 {
    NODE_TIMER | (node as u64) << NODE_SHIFT | generation
}

impl<R: Raft> Tester<R> {
    pub(crate) fn on_output(&mut self, out: Output<R::Request, R::Reply>) {
        let now = Instant(self.sim.now().0);
        match out {
            Output::Request {
                call, end, name, ..
            } => {
                let from = self.end_owner[end.0 as usize].from;
                let i = name.0;
                let _input = self.input_span(i, input::REQUEST);
                self.observe_recv(i, from, call);
                self.check_request(i, from, call);
                let mut fx = self.take_effects();
                let raft = self.nodes[i]
                    .raft
                    .as_mut()
                    .expect("a registered server has a Raft");
                let reply = raft.handle_request(now, NodeId(from), self.sim.request(call), &mut fx);
                self.perform(i, fx, Some((call, reply)));
            }
            Output::Resolved {
                call,
                end,
                request,
                reply,
                sent_at,
            } => {
                let owner = self.end_owner[end.0 as usize];
                // A reply to a crashed incarnation goes nowhere, like a reply
                // to a killed Go Raft's goroutine.
                let node = &self.nodes[owner.from];
                let live = node.incarnation == owner.incarnation && node.raft.is_some();
                let _input = live
                    .then(|| self.input_span(owner.from, input::REPLY))
                    .flatten();
                self.observe_resolved(owner, call, &request, &reply, sent_at);
                self.check_resolved(owner, call, &request, &reply, live);
                if !live {
                    return;
                }
                let mut fx = self.take_effects();
                let raft = self.nodes[owner.from].raft.as_mut().expect("live");
                raft.handle_reply(now, NodeId(owner.to), request, reply.ok(), &mut fx);
                self.perform(owner.from, fx, None);
            }
            Output::Timer { key } if key & NODE_TIMER != 0 => {
                let i = ((key & !NODE_TIMER) >> NODE_SHIFT) as usize;
                let generation = key & ((1 << NODE_SHIFT) - 1);
                self.check_timer(Some(i), key);
                let node = &mut self.nodes[i];
                if node.wake_generation != generation {
                    return; // superseded by an earlier timer
                }
                node.armed_at = None;
                match node.wake_at {
                    Some(at) if at <= self.sim.now() => node.wake_at = None,
                    Some(at) => return self.arm_timer(i, at),
                    None => return,
                }
                let _input = self.input_span(i, input::TICK);
                let mut fx = self.take_effects();
                let Some(raft) = self.nodes[i].raft.as_mut() else {
                    self.return_effects(fx);
                    return;
                };
                raft.tick(now, &mut fx);
                self.perform(i, fx, None);
            }
            Output::Timer { key } => {
                self.check_timer(None, key);
                self.run_task(key as usize);
            }
        }
    }

    /// Performs the effects of one input of server `i` (and answers `reply`'s
    /// call), in the contract's order.
    pub(crate) fn perform(
        &mut self,
        i: usize,
        mut fx: Box<Effects<R::Request>>,
        reply: Option<(CallId, R::Reply)>,
    ) {
        self.observe_effects(i, &fx);
        self.check_effects(i, &fx);
        // Nothing recorded, nothing answered: the input showed nothing to
        // anyone, and the oracles may look at it with the server's next one.
        let quiet = reply.is_none() && fx.is_empty();
        if let Some(p) = fx.take_persist() {
            self.saved[i].raft_state = p.raft_state;
            self.saved[i].snapshot = p.snapshot;
        }
        // After the persist: the durability oracle compares with it.
        if self.oracles.is_some() {
            self.oracle_observe(i, quiet);
        }
        self.crash_point_observe(i, &fx, reply.is_some(), quiet);
        if let Some((call, reply)) = reply {
            let said = self.check_answer_text(&reply);
            self.sim.complete(call, reply);
            self.check_answer(i, call, said);
        }
        for (to, request) in fx.drain_calls() {
            assert!(
                to.0 < self.n,
                "server {i} called S{} in a cluster of {}",
                to.0,
                self.n
            );
            let end = self.end_names[i][to.0].expect("a live server has ends");
            let call = self.sim.call(end, request);
            self.observe_send(i, to.0, call);
            self.check_call(i, to.0, call);
        }
        if let Some(at) = fx.take_wake() {
            let at = Time(at.0);
            self.nodes[i].wake_at = Some(at);
            if self.nodes[i].armed_at.is_none_or(|armed| at < armed) {
                self.arm_timer(i, at);
            }
        }
        if fx.applies().is_empty() {
            self.return_effects(fx);
            return;
        }
        // A reused buffer: consuming the applies may re-enter `perform` (the
        // snapshot applier's `Snapshot` call), which then takes a fresh one.
        let mut applies = std::mem::take(&mut self.apply_buffer);
        applies.extend(fx.drain_applies());
        self.return_effects(fx);
        for msg in applies.drain(..) {
            self.observe_apply(&msg);
            self.check_apply(i, &msg);
            self.apply(i, msg);
        }
        self.apply_buffer = applies;
    }

    /// Arms server i's one timer at `at`, invalidating any armed earlier.
    fn arm_timer(&mut self, i: usize, at: Time) {
        let node = &mut self.nodes[i];
        node.wake_generation += 1;
        node.armed_at = Some(at);
        let key = node_timer_key(i, node.wake_generation);
        self.sim.set_timer(at, key);
    }

    /// The course's `Start(cmd)` on server i, as an input with effects.
    pub fn start_on(&mut self, i: usize, command: raftapi::Bytes) -> Option<raftapi::Started> {
        let now = Instant(self.sim.now().0);
        self.nodes[i].raft.as_ref()?;
        let _input = self.input_span(i, input::START);
        let shown = self.start_shown(&command);
        let checked = self.check_command(&command);
        let mut fx = self.take_effects();
        let raft = self.nodes[i].raft.as_mut().expect("checked above");
        let started = raft.start(now, command, &mut fx);
        self.mark_start(i, shown, started);
        self.check_start(i, checked, started);
        self.perform(i, fx, None);
        let _ = self.crash_points_flush();
        started
    }

    /// The course's `GetState()` on server i: (term, is leader), or `None`
    /// when it is down.
    pub fn get_state(&self, i: usize) -> Option<(u64, bool)> {
        let (term, leader) = self.nodes[i].raft.as_ref()?.state();
        Some((term.0, leader))
    }
}
