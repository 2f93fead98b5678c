//! Observation costs nothing when nobody listens: without a subscriber the
//! harness never calls `inspect()` and never formats a request with
//! `Debug`; under a collector it does both, and every input's events are
//! attributed to their server. The Raft counts those calls itself (a
//! wrapper around labraft, outside it).

use labraft::{Reply, Request};
use labtrace::LogFilter;
use raftapi::{
    Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term,
};
use serde::{Serialize, Serializer};
use std::cell::Cell;
use std::fmt;
use tester::{Edition, RunSpec, registry};

thread_local! {
    static INSPECTS: Cell<u64> = const { Cell::new(0) };
    static FORMATS: Cell<u64> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    counter.with(|c| c.set(c.get() + 1));
}

fn counts() -> (u64, u64) {
    (INSPECTS.with(Cell::take), FORMATS.with(Cell::take))
}

/// labraft's request, counting how often it is formatted.
struct Counted(Request);

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        bump(&FORMATS);
        self.0.fmt(f)
    }
}

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// labraft, counting `inspect()` calls and `Debug` formatting.
struct Watched(labraft::Raft);

/// Runs `f` on labraft with an effects buffer of its own request type,
/// then moves the recorded effects into `out`.
fn inner<T>(out: &mut Effects<Counted>, f: impl FnOnce(&mut Effects<Request>) -> T) -> T {
    let mut fx = Effects::new();
    let result = f(&mut fx);
    if let Some(p) = fx.take_persist() {
        out.persist(p.raft_state, p.snapshot);
    }
    for (to, request) in fx.drain_calls() {
        out.call(to, Counted(request));
    }
    for msg in fx.drain_applies() {
        out.apply(msg);
    }
    if let Some(at) = fx.take_wake() {
        out.wake_at(at);
    }
    result
}

impl Raft for Watched {
    type Request = Counted;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Effects<Counted>) -> Self {
        Watched(inner(out, |fx| labraft::Raft::make(config, persisted, fx)))
    }
    fn tick(&mut self, now: Instant, out: &mut Effects<Counted>) {
        inner(out, |fx| self.0.tick(now, fx));
    }
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Counted,
        out: &mut Effects<Counted>,
    ) -> Reply {
        inner(out, |fx| self.0.handle_request(now, from, &request.0, fx))
    }
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Counted,
        reply: Option<Reply>,
        out: &mut Effects<Counted>,
    ) {
        inner(out, |fx| self.0.handle_reply(now, to, request.0, reply, fx));
    }
    fn start(
        &mut self,
        now: Instant,
        command: Bytes,
        out: &mut Effects<Counted>,
    ) -> Option<Started> {
        inner(out, |fx| self.0.start(now, command, fx))
    }
    fn snapshot(&mut self, now: Instant, index: LogIndex, data: Bytes, out: &mut Effects<Counted>) {
        inner(out, |fx| self.0.snapshot(now, index, data, fx));
    }
    fn state(&self) -> (Term, bool) {
        self.0.state()
    }
    fn persist_bytes(&self) -> usize {
        self.0.persist_bytes()
    }
    fn inspect(&self) -> Option<Inspection> {
        bump(&INSPECTS);
        self.0.inspect()
    }
}

fn spec() -> RunSpec {
    RunSpec::new(
        registry::find("TestFailAgree3B").unwrap(),
        3,
        Edition::Y2025,
    )
}

fn run() -> tester::Outcome {
    tester::run(spec(), Box::new(<Watched as Raft>::make))
}

fn collected(filter: &str) -> (tester::Outcome, Vec<labtrace::Event>) {
    labtrace::collected(LogFilter::parse(filter).unwrap(), run)
}

#[test]
fn nobody_listening_means_no_inspect_and_no_formatting() {
    counts();
    let quiet = run();
    assert!(quiet.passed());
    assert_eq!(
        counts(),
        (0, 0),
        "no inspect(), no Debug without a subscriber"
    );

    let (heard, events) = collected("debug");
    let (inspects, formats) = counts();
    assert!(
        inspects > 100 && formats > 100,
        "{inspects} inspections, {formats} formats"
    );
    assert_eq!(
        heard.trace_hash, quiet.trace_hash,
        "listening changes nothing"
    );

    let (_, without_state) = collected("lab::state=off,lab::rpc=off,labraft=off");
    assert_eq!(
        counts(),
        (0, 0),
        "nothing is computed for filtered-out targets"
    );
    assert!(
        without_state
            .iter()
            .all(|e| e.topic() != "send" && e.topic() != "role")
    );
    assert!(events.len() > without_state.len());
}

#[test]
fn every_input_s_events_belong_to_its_server_and_time() {
    let (_, events) = collected("debug");
    let sends: Vec<_> = events.iter().filter(|e| e.topic() == "send").collect();
    assert!(!sends.is_empty());
    for e in &sends {
        let (server, peer) = (e.server.unwrap(), e.u64("peer").unwrap() as usize);
        assert_ne!(server, peer, "a call goes to another server");
        assert!(
            e.incarnation.is_some() && e.input.is_some(),
            "inside an input span: {e:?}"
        );
    }
    // Every call number is sent once and received (if at all) by its peer.
    for e in events.iter().filter(|e| e.topic() == "recv") {
        let call = e.u64("call").unwrap();
        let send = sends
            .iter()
            .find(|s| s.u64("call") == Some(call))
            .expect("sent before");
        assert_eq!(send.u64("peer"), e.server.map(|s| s as u64));
        assert_eq!(e.u64("peer"), send.server.map(|s| s as u64));
        assert!(e.t >= send.t);
    }
    // labraft's own events carry their own t and node: they agree with the span.
    for e in events.iter().filter(|e| e.target == "labraft") {
        assert!(e.field("t").is_none() && e.field("node").is_none(), "{e:?}");
    }
    let disconnects = events.iter().filter(|e| e.topic() == "disconnect").count();
    assert!(disconnects > 0, "FailAgree disconnects a follower");
}
