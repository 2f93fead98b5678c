//! The simulator: one clock, one event queue, one network, one RNG stream for
//! the network's faults, and the decision procedure of the Go labrpc
//! (`../shared/spec/mit-tester.md` §1.3) as events.
//!
//! A call's life:
//!
//! ```text
//! call() ── case B (disabled/unconnected/no server) ──> Fail after rand(7000) or rand(100) ms
//!   │
//!   └─ case A ─> Dispatch after rand(27) ms (0 if reliable)
//!                 ├─ unreliable and 10 %: request dropped, resolve false
//!                 ├─ server object replaced/deleted: old handler, resolve false
//!                 └─ Output::Request to the world; world calls complete()
//!                      (if it does not, a DeadPoll every 100 ms may fail it)
//!                      complete(): dead now?                 -> Fail now
//!                                  unreliable and 10 %       -> Fail now (reply dropped)
//!                                  long reordering, 600/900  -> Deliver after 200+rand(1+rand(2000))
//!                                  otherwise                 -> Deliver now
//! ```
//!
//! Every path ends in exactly one `Output::Resolved`; a failed one says why
//! ([`Loss`]: request or reply dropped, disconnected, dead server, cleanup).

use crate::calls::{Call, Calls, Phase};
use crate::faults::*;
use crate::ids::{CallId, EndId, ServerId, ServerName};
use crate::net::Wiring;
use crate::queue::EventQueue;
use crate::rng::{SimRng, Streams, purpose};
use crate::time::Time;
use crate::trace::{Kind, TraceHash};
use serde::Serialize;
use tracing::trace;

/// What the simulator hands to the world (the driver of the servers).
#[derive(Debug)]
pub enum Output<Req, Rep> {
    /// A request reached server `server` (registered under `name`): run its
    /// handler with [`Sim::request`], then call [`Sim::complete`].
    Request {
        /// The call; pass it to `request` and `complete`.
        call: CallId,
        /// The end it was sent on (tells the world who sent it).
        end: EndId,
        /// The server name it is addressed to.
        name: ServerName,
        /// The server object (incarnation) that must handle it.
        server: ServerId,
    },
    /// A call resolved: hand the outcome to whoever made it.
    Resolved {
        /// The call.
        call: CallId,
        /// The end it was sent on.
        end: EndId,
        /// The request, given back to the caller.
        request: Req,
        /// `Ok` if the reply came back (`Call` returned true), else why not.
        reply: Result<Rep, Loss>,
        /// When the call was made.
        sent_at: Time,
    },
    /// A timer set with [`Sim::set_timer`] fired.
    Timer {
        /// The key it was set with.
        key: u64,
    },
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Dispatch(CallId),
    Fail(CallId, Loss),
    Deliver(CallId),
    DeadPoll(CallId),
    Timer(u64),
}

/// Something that reacts to the simulator's outputs (the tester's world of
/// servers, or a test service).
pub trait World<Req, Rep> {
    /// Handles one output; may call back into `sim` (complete a handler, make
    /// calls, set timers).
    fn on_output(&mut self, sim: &mut Sim<Req, Rep>, output: Output<Req, Rep>);
}

/// Running totals (the course's `GetTotalCount`, `GetTotalBytes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Every call made: sends, whether delivered or not.
    pub calls: u64,
    /// Request bytes of every call, plus reply bytes of delivered replies.
    pub bytes: u64,
}

/// The discrete-event simulator of the labrpc network.
pub struct Sim<Req, Rep> {
    now: Time,
    queue: EventQueue<Event>,
    streams: Streams,
    rng: SimRng,
    wiring: Wiring,
    faults: FaultModel,
    calls: Calls<Req, Rep>,
    /// The call last handed to the world as a Request, checked for completion
    /// at the next step (to arm the dead poll only for handlers that pend).
    awaiting: Option<CallId>,
    totals: Totals,
    measurer: labcodec::Measurer,
    trace: TraceHash,
    events: u64,
    cleaned_up: bool,
}

impl<Req: Serialize, Rep: Serialize> Sim<Req, Rep> {
    /// A simulator whose randomness all comes from `seed`.
    pub fn new(seed: u64) -> Self {
        let streams = Streams::new(seed);
        Sim {
            now: Time::ZERO,
            queue: EventQueue::default(),
            rng: streams.stream(purpose::NETWORK),
            streams,
            wiring: Wiring::default(),
            faults: FaultModel::default(),
            calls: Calls::default(),
            awaiting: None,
            totals: Totals::default(),
            measurer: labcodec::Measurer::new(),
            trace: TraceHash::default(),
            events: 0,
            cleaned_up: false,
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The run's seed streams (for the tester's and the nodes' own draws).
    pub fn streams(&self) -> Streams {
        self.streams
    }

    // ---- network configuration (the course's Network methods) ----

    /// `Reliable(yes)`: no delays or drops when true.
    pub fn set_reliable(&mut self, reliable: bool) {
        self.wiring.reliable = reliable;
    }

    /// Whether the network is reliable.
    pub fn is_reliable(&self) -> bool {
        self.wiring.reliable
    }

    /// `LongDelays(yes)`: calls to unreachable servers fail after up to 7 s.
    pub fn set_long_delays(&mut self, yes: bool) {
        self.wiring.long_delays = yes;
    }

    /// `LongReordering(yes)`: delay 2 in 3 replies by 200-2199 ms.
    pub fn set_long_reordering(&mut self, yes: bool) {
        self.wiring.long_reordering = yes;
    }

    /// Whether long reordering is on.
    pub fn is_long_reordering(&self) -> bool {
        self.wiring.long_reordering
    }

    /// Replaces the fault model (the course's numbers by default). Every
    /// bound must be positive: a bound is the `n` of a `rand(n)` draw.
    pub fn set_fault_model(&mut self, model: FaultModel) {
        assert!(model.short_delay_ms_bound > 0, "short_delay_ms_bound is 0");
        assert!(model.long_delay_ms_bound > 0, "long_delay_ms_bound is 0");
        assert!(
            model.short_fail_delay_ms_bound > 0,
            "short_fail_delay_ms_bound is 0"
        );
        assert!(model.reorder_spread_ms > 0, "reorder_spread_ms is 0");
        self.faults = model;
    }

    /// The fault model in force.
    pub fn fault_model(&self) -> FaultModel {
        self.faults
    }

    /// Adds `ms` of delay to every request dispatched on `end` (clogging a
    /// link), on reliable networks too. 0 (the default) adds nothing.
    pub fn set_end_delay(&mut self, end: EndId, ms: u64) {
        self.wiring.set_extra_delay(end, ms);
    }

    /// `MakeEnd`: a new end, disabled and unconnected.
    pub fn make_end(&mut self) -> EndId {
        self.wiring.make_end()
    }

    /// `Connect(end, server)`: an end is connected once in its life.
    pub fn connect(&mut self, end: EndId, name: ServerName) {
        self.wiring.connect(end, name);
    }

    /// `Enable(end, enabled)`.
    pub fn enable(&mut self, end: EndId, enabled: bool) {
        self.wiring.enable(end, enabled);
    }

    /// Whether `end` is enabled.
    pub fn is_enabled(&self, end: EndId) -> bool {
        self.wiring.is_enabled(end)
    }

    /// The server name `end` is connected to.
    pub fn end_server(&self, end: EndId) -> Option<ServerName> {
        self.wiring.end_server(end)
    }

    /// `AddServer(name, server)`: registers a new server object (a fresh
    /// incarnation with a zero incoming count), replacing any older one.
    pub fn add_server(&mut self, name: ServerName) -> ServerId {
        self.wiring.add_server(name)
    }

    /// `DeleteServer(name)`: from now on calls to `name` take the dead path.
    pub fn delete_server(&mut self, name: ServerName) {
        self.wiring.delete_server(name);
    }

    /// The server object registered under `name`, if any.
    pub fn server(&self, name: ServerName) -> Option<ServerId> {
        self.wiring.server(name)
    }

    /// `GetCount`: requests dispatched to this server object's handlers.
    pub fn incoming_count(&self, server: ServerId) -> u64 {
        self.wiring.incoming(server)
    }

    /// `GetTotalCount` and `GetTotalBytes`.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// `Cleanup()`: later calls fail at once, uncounted.
    pub fn cleanup(&mut self) {
        self.cleaned_up = true;
    }

    /// The trace hash over every event so far.
    pub fn trace_hash(&self) -> u64 {
        self.trace.value()
    }

    /// Lets a driver fold its own events (crash, restart, start) into the
    /// trace hash, so that runs differing only there hash differently.
    pub fn record_external(&mut self, a: u64, b: u64) {
        self.trace.record(self.now, Kind::External, a, b);
    }

    /// Events processed so far (for budgets and events-per-second figures).
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Calls made and not yet resolved.
    pub fn calls_in_flight(&self) -> usize {
        self.calls.live()
    }

    /// The time of the next pending event.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    // ---- timers ----

    /// Fires `Output::Timer { key }` at `at` (or now, if `at` has passed).
    /// Timers cannot be cancelled: a driver ignores the ones it no longer wants.
    pub fn set_timer(&mut self, at: Time, key: u64) {
        self.queue.push(at.max(self.now), Event::Timer(key));
    }

    // ---- calls ----

    /// `end.Call(request)`: counts the call and its bytes, then decides its
    /// fate by §1.3. The outcome arrives later as `Output::Resolved`.
    pub fn call(&mut self, end: EndId, request: Req) -> CallId {
        let target = self.wiring.target(end);
        let call = Call {
            end,
            target,
            reliable: self.wiring.reliable,
            long_reordering: self.wiring.long_reordering,
            sent_at: self.now,
            dispatched_at: self.now,
            phase: Phase::Sent,
            reply_len: 0,
            reply: None,
            request,
        };
        if self.cleaned_up {
            let id = self.calls.insert(call);
            self.queue.push(self.now, Event::Fail(id, Loss::Cleanup));
            return id;
        }
        let m = self.measurer.measure(&call.request);
        self.totals.calls += 1;
        self.totals.bytes += m.len as u64;
        let id = self.calls.insert(call);
        self.trace.record(
            self.now,
            Kind::Send,
            id.0 ^ u64::from(end.0) << 48,
            m.digest,
        );
        trace!(target: "labrpc", t = self.now.0, call = id.0, end = end.0, bytes = m.len, "send");
        let f = self.faults;
        let at = match target {
            Some(_) if self.wiring.reliable => self.now + self.wiring.extra_delay(end),
            Some(_) => {
                self.now + self.rng.below(f.short_delay_ms_bound) + self.wiring.extra_delay(end)
            }
            None if self.wiring.long_delays => self.now + self.rng.below(f.long_delay_ms_bound),
            None => self.now + self.rng.below(f.short_fail_delay_ms_bound),
        };
        let event = if target.is_some() {
            Event::Dispatch(id)
        } else {
            Event::Fail(id, self.wiring.loss(end))
        };
        self.queue.push(at, event);
        id
    }

    /// The request of a call being handled (to pass to the handler).
    pub fn request(&self, call: CallId) -> &Req {
        &self
            .calls
            .get(call)
            .expect("request() of a resolved call")
            .request
    }

    /// The handler of `call` returned `reply`. Returns false if the call had
    /// already failed (its server died or its end was disabled while the
    /// handler pended): the handler's effects stay, its reply is lost.
    pub fn complete(&mut self, call: CallId, reply: Rep) -> bool {
        if self
            .calls
            .get(call)
            .is_none_or(|c| c.phase != Phase::Handling)
        {
            return false;
        }
        let m = self.measurer.measure(&reply);
        let c = self.calls.get_mut(call).expect("checked above");
        c.phase = Phase::Settled;
        c.reply_len = m.len;
        c.reply = Some(reply);
        let (end, target, reliable, reordering) = (
            c.end,
            c.target.expect("a handled call has a target"),
            c.reliable,
            c.long_reordering,
        );
        self.trace
            .record(self.now, Kind::Complete, call.0, m.digest);
        if self.wiring.is_dead(end, target) {
            let loss = self.wiring.loss(end);
            self.queue.push(self.now, Event::Fail(call, loss));
        } else if !reliable && self.rng.chance_per_mille(self.faults.reply_drop_per_mille) {
            self.trace.record(self.now, Kind::DropReply, call.0, 0);
            trace!(target: "labrpc", t = self.now.0, call = call.0, "drop reply");
            self.queue
                .push(self.now, Event::Fail(call, Loss::ReplyDropped));
        } else if reordering && self.rng.below(900) < self.faults.reorder_per_900 {
            let spread = 1 + self.rng.below(self.faults.reorder_spread_ms);
            let delay = self.faults.reorder_base_ms + self.rng.below(spread);
            self.trace.record(self.now, Kind::Reorder, call.0, delay);
            self.queue.push(self.now + delay, Event::Deliver(call));
        } else {
            self.queue.push(self.now, Event::Deliver(call));
        }
        true
    }

    // ---- running ----

    /// Processes events due at or before `deadline` until one needs the
    /// world; returns it. When none is left, the clock moves to `deadline`
    /// and `None` is returned.
    pub fn step_until(&mut self, deadline: Time) -> Option<Output<Req, Rep>> {
        self.arm_dead_poll();
        while let Some((at, event)) = self.queue.pop_until(deadline) {
            debug_assert!(at >= self.now, "the clock never runs backwards");
            self.now = at;
            self.events += 1;
            if let Some(out) = self.process(event) {
                return Some(out);
            }
        }
        self.now = self.now.max(deadline);
        self.queue.advance(self.now);
        None
    }

    /// Processes the next event, whenever it is due (single-step).
    pub fn step(&mut self) -> Option<Output<Req, Rep>> {
        let at = self.queue.peek_time()?;
        self.step_until(at)
    }

    /// Runs the world until `deadline`: every event due by then is processed.
    pub fn run_until<W: World<Req, Rep>>(&mut self, deadline: Time, world: &mut W) {
        while let Some(out) = self.step_until(deadline) {
            world.on_output(self, out);
        }
    }

    /// Runs the world for `ms` milliseconds of virtual time (a test's sleep).
    pub fn run_for<W: World<Req, Rep>>(&mut self, ms: u64, world: &mut W) {
        let deadline = self.now + ms;
        self.run_until(deadline, world);
    }

    fn process(&mut self, event: Event) -> Option<Output<Req, Rep>> {
        match event {
            Event::Dispatch(id) => self.dispatch(id),
            Event::Fail(id, loss) => Some(self.resolve(id, Some(loss))),
            Event::Deliver(id) => Some(self.resolve(id, None)),
            Event::DeadPoll(id) => self.dead_poll(id),
            Event::Timer(key) => {
                self.trace.record(self.now, Kind::Timer, key, 0);
                trace!(target: "labrpc", t = self.now.0, key, "timer");
                Some(Output::Timer { key })
            }
        }
    }

    fn dispatch(&mut self, id: CallId) -> Option<Output<Req, Rep>> {
        let c = self.calls.get(id).expect("dispatching a resolved call");
        let (end, target, reliable) = (
            c.end,
            c.target.expect("dispatch without target"),
            c.reliable,
        );
        if !reliable
            && self
                .rng
                .chance_per_mille(self.faults.request_drop_per_mille)
        {
            self.trace.record(self.now, Kind::DropRequest, id.0, 0);
            trace!(target: "labrpc", t = self.now.0, call = id.0, "drop request");
            return Some(self.resolve(id, Some(Loss::RequestDropped)));
        }
        // The handler runs on the object the call was addressed to, even if the
        // end was disabled meanwhile (§1.4); only its reply is then lost.
        self.wiring.count_incoming(target.server);
        if self.wiring.server(target.name) != Some(target.server) {
            // A dead incarnation's handler: no observable effect, reply false.
            return Some(self.resolve(id, Some(Loss::Dead)));
        }
        let c = self.calls.get_mut(id).expect("dispatching a resolved call");
        c.phase = Phase::Handling;
        c.dispatched_at = self.now;
        self.awaiting = Some(id);
        self.trace
            .record(self.now, Kind::Dispatch, id.0, target.server.0);
        trace!(target: "labrpc", t = self.now.0, call = id.0, to = target.name.0, "dispatch");
        Some(Output::Request {
            call: id,
            end,
            name: target.name,
            server: target.server,
        })
    }

    /// If the world left the last request's handler pending, the Go network
    /// would poll for its server's death every 100 ms: schedule that poll.
    fn arm_dead_poll(&mut self) {
        let Some(id) = self.awaiting.take() else {
            return;
        };
        if let Some(c) = self.calls.get(id)
            && c.phase == Phase::Handling
        {
            self.queue
                .push(c.dispatched_at + DEAD_POLL_MS, Event::DeadPoll(id));
        }
    }

    fn dead_poll(&mut self, id: CallId) -> Option<Output<Req, Rep>> {
        let c = self.calls.get(id)?;
        if c.phase != Phase::Handling {
            return None;
        }
        let target = c.target.expect("a handled call has a target");
        if self.wiring.is_dead(c.end, target) {
            let loss = self.wiring.loss(c.end);
            return Some(self.resolve(id, Some(loss)));
        }
        self.queue
            .push(self.now + DEAD_POLL_MS, Event::DeadPoll(id));
        None
    }

    /// Resolves `id`: its reply delivered, or failed with `lost`.
    fn resolve(&mut self, id: CallId, lost: Option<Loss>) -> Output<Req, Rep> {
        let c = self.calls.remove(id);
        debug_assert!(
            self.now >= c.sent_at,
            "a call never resolves before it was sent"
        );
        let reply = match lost {
            None => {
                self.totals.bytes += c.reply_len as u64;
                self.trace
                    .record(self.now, Kind::Deliver, id.0, c.reply_len as u64);
                trace!(target: "labrpc", t = self.now.0, call = id.0, bytes = c.reply_len, "deliver");
                Ok(c.reply.expect("a delivered call has a reply"))
            }
            Some(loss) => {
                self.trace.record(self.now, Kind::Fail, id.0, 0);
                trace!(target: "labrpc", t = self.now.0, call = id.0, reason = loss.name(), "fail");
                Err(loss)
            }
        };
        Output::Resolved {
            call: id,
            end: c.end,
            request: c.request,
            reply,
            sent_at: c.sent_at,
        }
    }
}
