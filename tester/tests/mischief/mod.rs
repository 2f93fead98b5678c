//! A Raft written outside labraft that misbehaves on purpose, the way a
//! student's can: it wraps the reference Raft and, after each input, may add
//! a bogus apply, skip applies it had made before a crash, bloat what it
//! persists, or persist a snapshot nobody can decode. State that must outlive
//! an incarnation (what was already applied, whether a one-off fired) lives
//! in `Rc`s the factory shares between incarnations, as a student's Raft
//! could keep it on disk.

use raftapi::{
    ApplyMsg, Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term,
};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tester::Factory;
use tester::cmd::Cmd;

type Out = Effects<labraft::messages::Request>;

/// What the wrapper does wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mischief {
    /// Nothing: the reference Raft, through the wrapper.
    None,
    /// Each [`Bogus`] fires once: its server applies the command -7 at a
    /// far index (a hole before it: "apply out of order").
    BogusApplies(&'static [Bogus]),
    /// Remembers (as if on disk) the highest index each server applied and,
    /// after a restart, drops applies at or below it: it resumes after its
    /// old commit point instead of re-applying from 1.
    ResumeAfterApplied,
    /// Appends `extra` bytes to every Raft state it persists.
    BloatState { extra: usize },
    /// Persists 16 bytes of 0xff as its snapshot, which does not decode.
    GarbageSnapshot,
    /// Panics at its first input at or after this virtual time.
    PanicAt { at_ms: u64 },
}

/// One bogus apply: server `server`, at its first input at or after
/// `at_ms`, applies -7 at `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bogus {
    pub server: usize,
    pub at_ms: u64,
    pub index: u64,
}

/// What every incarnation of every server shares.
#[derive(Default)]
struct Shared {
    /// Bit k: the k-th bogus apply fired already.
    fired: Cell<u64>,
    /// The highest index each server ever applied.
    applied: RefCell<Vec<u64>>,
}

/// The reference Raft with one [`Mischief`].
pub struct Wrapped {
    inner: labraft::Raft,
    me: usize,
    mischief: Mischief,
    shared: Rc<Shared>,
    /// `ResumeAfterApplied`: applies at or below this are dropped.
    resume_after: u64,
}

/// A factory of wrapped Rafts that share one [`Shared`].
pub fn factory(mischief: Mischief) -> Factory<Wrapped> {
    let shared = Rc::new(Shared::default());
    Box::new(move |config, persisted, out| {
        let me = config.me.0;
        let mut applied = shared.applied.borrow_mut();
        if applied.len() < config.peers {
            applied.resize(config.peers, 0);
        }
        let resume_after = applied[me];
        drop(applied);
        let mut w = Wrapped {
            inner: labraft::Raft::make(config, persisted, out),
            me,
            mischief,
            shared: Rc::clone(&shared),
            resume_after,
        };
        w.after(config.now, out);
        w
    })
}

impl Wrapped {
    fn after(&mut self, now: Instant, out: &mut Out) {
        match self.mischief {
            Mischief::None => {}
            Mischief::BogusApplies(list) => self.bogus(list, now, out),
            Mischief::ResumeAfterApplied => self.resume(out),
            Mischief::BloatState { extra } => self.rewrite_persist(out, |mut state, snapshot| {
                state.extend(std::iter::repeat_n(0u8, extra));
                (state, snapshot)
            }),
            Mischief::GarbageSnapshot => {
                self.rewrite_persist(out, |state, _| (state, vec![0xff; 16]))
            }
            Mischief::PanicAt { at_ms } => {
                assert!(now.0 < at_ms, "planted panic at {} ms", now.0);
            }
        }
    }

    fn bogus(&self, list: &[Bogus], now: Instant, out: &mut Out) {
        for (k, b) in list.iter().enumerate() {
            let fired = self.shared.fired.get();
            if b.server == self.me && now.0 >= b.at_ms && fired & 1 << k == 0 {
                self.shared.fired.set(fired | 1 << k);
                out.apply(ApplyMsg::Command {
                    index: LogIndex(b.index),
                    command: Cmd::Int(-7).encode(),
                });
            }
        }
    }

    fn resume(&mut self, out: &mut Out) {
        if out.applies().is_empty() {
            return;
        }
        let applies: Vec<ApplyMsg> = out.drain_applies().collect();
        let mut applied = self.shared.applied.borrow_mut();
        for msg in applies {
            if let ApplyMsg::Command { index, .. } = &msg {
                if index.0 <= self.resume_after {
                    continue;
                }
                applied[self.me] = applied[self.me].max(index.0);
            }
            out.apply(msg);
        }
    }

    fn rewrite_persist(&self, out: &mut Out, f: impl Fn(Vec<u8>, Vec<u8>) -> (Vec<u8>, Vec<u8>)) {
        if let Some(p) = out.take_persist() {
            let (state, snapshot) = f(p.raft_state.to_vec(), p.snapshot.to_vec());
            out.persist(Bytes::from(state), Bytes::from(snapshot));
        }
    }
}

impl Raft for Wrapped {
    type Request = labraft::messages::Request;
    type Reply = labraft::messages::Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        factory(Mischief::None)(config, persisted, out)
    }
    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.inner.tick(now, out);
        self.after(now, out);
    }
    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Self::Request,
        out: &mut Out,
    ) -> Self::Reply {
        let reply = self.inner.handle_request(now, from, request, out);
        self.after(now, out);
        reply
    }
    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Self::Request,
        reply: Option<Self::Reply>,
        out: &mut Out,
    ) {
        self.inner.handle_reply(now, to, request, reply, out);
        self.after(now, out);
    }
    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        let started = self.inner.start(now, command, out);
        self.after(now, out);
        started
    }
    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        self.inner.snapshot(now, index, snapshot, out);
        self.after(now, out);
    }
    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }
    fn persist_bytes(&self) -> usize {
        self.inner.persist_bytes()
    }
}
