//! A Raft written here, around the reference one, that gives the strict
//! oracles an `inspect_header` hint of its own making, honest or not. Its
//! version is kept the way a student might: after every input it compares
//! its log with the one before (a Raft with a log of its own would bump a
//! counter where it truncates or compacts instead).

use labraft::{Bugs, Reply, Request, Tuning};
use raftapi::{
    Bytes, Config, Effects, Inspection, InspectionHeader, Instant, LogIndex, NodeId, Persisted,
    Raft, Started, Term,
};
use tester::Factory;

/// Which hint the Raft gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// None: `inspect_header` keeps its default.
    Absent,
    /// A version that moves whenever the log does anything but grow.
    Honest,
    /// Version 0, whatever the log does.
    Stuck,
    /// A version that moves only with the snapshot base: a truncation, or a
    /// rewrite of the log past the last snapshot, is not told.
    ForgetsTruncation,
}

/// The reference Raft (with `bugs`) giving `hint`.
pub struct Hinted {
    inner: labraft::Raft,
    hint: Hint,
    /// The log after the last input.
    last: Inspection,
    version: u64,
}

/// A factory of [`Hinted`] Rafts.
pub fn factory(hint: Hint, bugs: Bugs) -> Factory<Hinted> {
    Box::new(move |config, persisted, out| {
        let inner = labraft::Raft::make_with_bugs(config, persisted, Tuning::default(), bugs, out);
        let last = inner.inspect().expect("the reference Raft inspects");
        Hinted {
            inner,
            hint,
            last,
            version: 0,
        }
    })
}

impl Hinted {
    /// After every input: moves the version as `hint` would.
    fn track(&mut self) {
        let now = self.inner.inspect().expect("the reference Raft inspects");
        let base = |v: &Inspection| (v.snapshot_index, v.snapshot_term);
        let base_moved = base(&self.last) != base(&now);
        let grew = !base_moved && now.log_terms.starts_with(&self.last.log_terms);
        let moved = match self.hint {
            Hint::Honest => !grew,
            Hint::ForgetsTruncation => base_moved,
            Hint::Absent | Hint::Stuck => false,
        };
        self.version += u64::from(moved);
        self.last = now;
    }
}

type Out = Effects<Request>;

impl Raft for Hinted {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Hinted {
        factory(Hint::Honest, Bugs::default())(config, persisted, out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.inner.tick(now, out);
        self.track();
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        req: &Request,
        out: &mut Out,
    ) -> Reply {
        let reply = self.inner.handle_request(now, from, req, out);
        self.track();
        reply
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        req: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        self.inner.handle_reply(now, to, req, reply, out);
        self.track();
    }

    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        let started = self.inner.start(now, command, out);
        self.track();
        started
    }

    fn snapshot(&mut self, now: Instant, index: LogIndex, data: Bytes, out: &mut Out) {
        self.inner.snapshot(now, index, data, out);
        self.track();
    }

    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }

    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }

    fn inspect(&self) -> Option<Inspection> {
        self.inner.inspect()
    }

    /// Built from `inspect()`, with the version kept above. Its log terms
    /// come from the trait's default `inspect_log_terms`.
    fn inspect_header(&self) -> Option<InspectionHeader> {
        if self.hint == Hint::Absent {
            return None;
        }
        Some(InspectionHeader::of(&self.inspect()?, self.version))
    }
}
