//! The harness's side of the oracles: [`Tester::set_strict`] and the three
//! calls the harness makes (after an input, on an apply, on a crash). A
//! violation fails the run with [`Kind::Oracle`] at the current virtual time.

use super::{Oracles, Violation};
use crate::failure::{Failure, Kind};
use crate::harness::Tester;
use raftapi::{ApplyMsg, Raft};

impl<R: Raft> Tester<R> {
    /// Turns the strict oracles on or off. Turning them on observes every
    /// live server at once, so calling it right after [`Tester::new`] misses
    /// nothing of the servers' making.
    pub fn set_strict(&mut self, strict: bool) {
        if !strict {
            self.oracles = None;
            return;
        }
        self.oracles = Some(Oracles::new(self.n));
        for i in 0..self.n {
            self.oracle_observe(i);
        }
    }

    /// Whether the strict oracles are on.
    pub fn strict(&self) -> bool {
        self.oracles.is_some()
    }

    /// After server i handled an input (its effects recorded).
    pub(crate) fn oracle_observe(&mut self, i: usize) {
        let Some(oracles) = self.oracles.as_mut() else {
            return;
        };
        let Some(raft) = self.nodes[i].raft.as_ref() else {
            return;
        };
        let result = oracles.observe(i, self.nodes[i].incarnation, raft);
        self.oracle_done(result);
    }

    /// Before the applier sees server i's `msg`.
    pub(crate) fn oracle_applied(&mut self, i: usize, msg: &ApplyMsg) {
        if let Some(oracles) = self.oracles.as_mut() {
            let result = oracles.applied(i, msg);
            self.oracle_done(result);
        }
    }

    /// Server i crashed.
    pub(crate) fn oracle_crashed(&mut self, i: usize) {
        if let Some(oracles) = self.oracles.as_mut() {
            oracles.crashed(i);
        }
    }

    fn oracle_done(&mut self, result: Result<(), Violation>) {
        if let Some(note) = self.oracles.as_mut().and_then(Oracles::take_note) {
            self.say(note);
        }
        if let Err(v) = result {
            self.note("oracle", format_args!("{}: {}", v.check, v.message));
            self.fail(Failure {
                kind: Kind::Oracle,
                check: v.check,
                message: v.message,
                at: self.sim.now(),
                bare: false,
            });
        }
    }
}
