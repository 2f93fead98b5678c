//! The harness's side of the oracles: [`Tester::set_oracles`] and the three
//! calls the harness makes (after an input and its persist, on an apply, on
//! a crash). A violation fails the run with [`Kind::Oracle`] at the current
//! virtual time.

use super::{INSPECT_HEADER, OracleSet, Oracles, Violation, durability};
use crate::failure::{Failure, Kind};
use crate::harness::Tester;
use raftapi::{ApplyMsg, Raft};

impl<R: Raft> Tester<R> {
    /// Turns every strict oracle on, or all off.
    pub fn set_strict(&mut self, strict: bool) {
        self.set_oracles(OracleSet::all_if(strict));
    }

    /// Runs the `selected` strict oracles (none: off). Turning them on
    /// observes every live server at once, so calling it right after
    /// [`Tester::new`] misses nothing of the servers' making.
    pub fn set_oracles(&mut self, selected: OracleSet) {
        if selected.is_empty() {
            self.oracles = None;
            return;
        }
        self.oracles = Some(Oracles::new(self.n, selected));
        for i in 0..self.n {
            self.oracle_observe(i, false);
        }
    }

    /// With `observing`, the oracles record their first violation instead
    /// of failing the run (see [`crate::root_cause`]); after it they rest.
    pub(crate) fn set_oracles_observing(&mut self, observing: bool) {
        if let Some(oracles) = self.oracles.as_mut() {
            oracles.observing = observing.then_some(None);
        }
    }

    /// The first violation of observing oracles, with its virtual time.
    pub(crate) fn take_observed_violation(&mut self) -> Option<(Violation, labrpc::Time)> {
        self.oracles.as_mut()?.observing.take().flatten()
    }

    /// Whether the strict oracles are on.
    pub fn strict(&self) -> bool {
        self.oracles.is_some()
    }

    /// After server i handled an input and its persist was stored. A
    /// `quiet` input (no effect, no reply) that left `state()` as it was is
    /// looked at with the server's next input instead: whatever it changed
    /// was shown to no one, and `inspect()` copies the whole log.
    pub(crate) fn oracle_observe(&mut self, i: usize, quiet: bool) {
        let Some(oracles) = self.oracles.as_mut() else {
            return;
        };
        if oracles.resting() {
            return;
        }
        let node = &self.nodes[i];
        let Some(raft) = node.raft.as_ref() else {
            return;
        };
        if quiet && oracles.state_unchanged(i, node.incarnation, raft.state()) {
            return;
        }
        let mut result = oracles.observe(i, node.incarnation, raft);
        if result.is_ok()
            && oracles.wants_durability()
            && let Some(config) = node.config
        {
            let make = &*self.factory;
            result = oracles.check_durability(i, &self.saved[i], |persisted| {
                durability::restore(make, config, persisted)
            });
        }
        self.oracle_done(result);
    }

    /// Before the applier sees server i's `msg`.
    pub(crate) fn oracle_applied(&mut self, i: usize, msg: &ApplyMsg) {
        if let Some(oracles) = self.oracles.as_mut()
            && !oracles.resting()
        {
            let result = oracles.applied(i, msg);
            self.oracle_done(result);
        }
    }

    /// Server i crashed (`raft`: its last state). Its last view stands in
    /// for its durable state from now on, so a view carried over on its
    /// `inspect_header` hint is checked first.
    pub(crate) fn oracle_crashed(&mut self, i: usize, raft: &R) {
        let Some(oracles) = self.oracles.as_mut() else {
            return;
        };
        let result = if oracles.resting() {
            Ok(())
        } else {
            oracles.verify_carried(std::iter::once((i, raft)))
        };
        oracles.crashed(i);
        self.oracle_done(result);
    }

    fn oracle_done(&mut self, result: Result<(), Violation>) {
        if let Some(note) = self.oracles.as_mut().and_then(Oracles::take_note) {
            self.say(note);
        }
        let Err(v) = result else {
            return;
        };
        let Some(oracles) = self.oracles.as_mut() else {
            return;
        };
        // A violation may rest on views carried over on `inspect_header`
        // hints: they are checked first, and a lie is what is reported.
        let v = if v.check == INSPECT_HEADER {
            v
        } else {
            let live = self.nodes.iter().enumerate();
            let live = live.filter_map(|(j, node)| Some((j, node.raft.as_ref()?)));
            oracles.verify_carried(live).err().unwrap_or(v)
        };
        let now = self.sim.now();
        if let Some(first) = oracles.observing.as_mut() {
            if first.is_none() {
                *first = Some((v, now));
            }
            return;
        }
        self.note("oracle", format_args!("{}: {}", v.check, v.message));
        self.fail(Failure {
            kind: Kind::Oracle,
            check: v.check,
            message: v.message,
            at: now,
            bare: false,
        });
    }
}
