//! Strict oracles: Raft's safety properties checked after every simulated
//! input, not sampled the way the course's tester samples them (`GetState`
//! every ~500 ms, applied values). Off by default (`RunSpec::strict`,
//! `LAB_STRICT=1`, `lab --strict`) so the 28 tests keep the course's verdicts;
//! any subset runs alone ([`OracleSet`]: `LAB_STRICT=durability`,
//! `lab --oracles durability,log-matching`).
//!
//! ```text
//!  harness::perform(i, effects)  ── observe(i) ──> election safety (role, term)
//!   (after every request, reply,                    log matching (i vs live j)
//!    tick, start, snapshot, make;                   last_applied never decreases
//!    after the input's persist)  ── durable(i) ──> durable state = a restart's
//!  applier(i, ApplyMsg)          ── applied(i) ──> stored on a majority
//!                                                  applied values agree
//!                                                  applied index moves forwards
//!                                                  new leader holds the committed
//!                                                  leader append-only
//!                                                  votes for up-to-date logs only
//! ```
//!
//! Only the server that got the input is inspected, and not after a *quiet*
//! input (no effect recorded, no reply, `state()` as before): that one
//! showed nothing to anyone and is looked at with the server's next input.
//! `Raft::inspect` copies the whole log; a Raft that also gives
//! `Raft::inspect_header` has its last view carried over while its log only
//! grows, and only the new entries' terms read (`header`, which checks the
//! hint and reports a lie as [`INSPECT_HEADER`]). Log matching scans each
//! pair of logs only past what earlier scans established. A Raft whose
//! `inspect` returns `None` still runs: election safety falls back on
//! `state()`, log matching, stored-on-majority and durability are skipped,
//! and the run's lines say so.
//!
//! One concern per file: [`election`], [`log_matching`], [`majority`],
//! [`applied`], [`monotonic`], [`durability`], [`leader`] (leader
//! completeness and append-only), [`vote`] (the election restriction);
//! [`select`] names them; `header` reads the views; `hook` is the
//! harness's side.

pub mod applied;
pub mod durability;
pub mod election;
mod header;
mod hook;
pub mod leader;
pub mod log_matching;
pub mod majority;
pub mod monotonic;
pub mod select;
pub mod vote;

pub use header::INSPECT_HEADER;
pub use select::{Oracle, OracleSet};

use raftapi::{ApplyMsg, Bytes, Inspection, InspectionHeader, LogIndex, Persisted, Raft, Role};

/// At most one leader per term.
pub const ELECTION_SAFETY: &str = "oracle:election-safety";
/// Same index and term imply the same log up to it.
pub const LOG_MATCHING: &str = "oracle:log-matching";
/// An applied entry is stored on a majority.
pub const STORED_ON_MAJORITY: &str = "oracle:stored-on-majority";
/// Every server applies the same command at an index.
pub const APPLIED_AGREE: &str = "oracle:applied-agree";
/// Applied indices never move backwards within an incarnation.
pub const APPLY_MONOTONIC: &str = "oracle:apply-monotonic";
/// The durable state equals what a restart from the persisted bytes has.
pub const DURABILITY: &str = "oracle:durability";
/// A new leader's log holds every committed entry, at its term.
pub const LEADER_COMPLETENESS: &str = "oracle:leader-completeness";
/// A leader never overwrites or deletes entries of its own log in its term.
pub const LEADER_APPEND_ONLY: &str = "oracle:leader-append-only";
/// A vote goes only to a candidate whose log is at least as up-to-date.
pub const ELECTION_RESTRICTION: &str = "oracle:election-restriction";

/// A broken safety property: the oracle's check name and what it saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// One of the `oracle:*` names above.
    pub check: &'static str,
    /// Terms, indices and servers involved.
    pub message: String,
}

/// What the oracles remember of one server slot.
#[derive(Debug, Default)]
struct Slot {
    /// The incarnation last observed.
    incarnation: u32,
    /// Whether it is up (log matching compares live servers only).
    live: bool,
    /// Its last inspection; kept after a crash as its durable state.
    view: Option<Inspection>,
    /// The inspection before, when the last input's was a new one (leader
    /// append-only reads its log), until the next input.
    replaced: Option<Inspection>,
    /// What the current incarnation has applied.
    applied: monotonic::Applied,
    /// `state()` at the last observation.
    state: Option<(raftapi::Term, bool)>,
    /// How the last observed input changed `view`.
    change: durability::Change,
    /// What the durability oracle keeps between inputs.
    durable: durability::Checked,
    /// What is known of its `inspect_header` hint.
    hint: header::Hint,
}

/// The strict oracles of one test run.
#[derive(Debug)]
pub struct Oracles {
    /// Which oracles report violations.
    selected: OracleSet,
    slots: Vec<Slot>,
    /// `known[i * n + j]`: what log matching established of i's and j's
    /// logs so far.
    known: Vec<log_matching::Known>,
    leaders: election::ElectionSafety,
    values: applied::AppliedValues,
    /// Recent shadows, shared by servers whose persisted bytes are equal.
    shadows: durability::Shadows,
    /// What is known to be committed (leader completeness).
    committed: leader::Committed,
    /// Each candidacy's log (the election restriction).
    candidacies: vote::Candidacies,
    /// Set when some `inspect()` returned `None`.
    blind: bool,
    /// The note about skipped oracles, until the harness takes it.
    note: Option<String>,
    /// `Some` when observing only (a root-cause re-run): the first
    /// violation and its time, instead of a failure.
    pub(crate) observing: Option<Option<(Violation, labrpc::Time)>>,
}

impl Oracles {
    /// The `selected` oracles for a cluster of `n` servers.
    pub fn new(n: usize, selected: OracleSet) -> Oracles {
        Oracles {
            selected,
            slots: (0..n).map(|_| Slot::default()).collect(),
            known: vec![log_matching::Known::default(); n * n],
            leaders: election::ElectionSafety::default(),
            values: applied::AppliedValues::default(),
            shadows: durability::Shadows::default(),
            committed: leader::Committed::default(),
            candidacies: vote::Candidacies::default(),
            blind: false,
            note: None,
            observing: None,
        }
    }

    /// Server `i` (incarnation `incarnation`) has handled an input: checks
    /// election safety, its log against every live server's, and that its
    /// `last_applied` did not go back.
    pub fn observe<R: Raft>(
        &mut self,
        i: usize,
        incarnation: u32,
        raft: &R,
    ) -> Result<(), Violation> {
        let slot = &mut self.slots[i];
        let same_incarnation = slot.incarnation == incarnation;
        if !same_incarnation {
            slot.incarnation = incarnation;
            slot.applied = monotonic::Applied::default();
            slot.hint.forget();
        }
        slot.live = true;
        slot.state = Some(raft.state());
        let elections = self.selected.has(Oracle::ElectionSafety);
        let look = if self.needs_views() {
            let look = self.look(i, same_incarnation, raft)?;
            if look.is_none() {
                self.go_blind();
            }
            look
        } else {
            None
        };
        let Some(look) = look else {
            let (term, leader) = raft.state();
            if leader && elections {
                self.leaders.observe_leader(term.0, i, incarnation)?;
            }
            return Ok(());
        };
        // A view that is the last one passes every check it passed then
        // (they are all functions of the old view and the new one).
        if look.same {
            self.slots[i].change = durability::Change::NONE;
            return Ok(());
        }
        // Out of the slot while the checks read it beside the others.
        let view = self.slots[i].view.take().expect("a view was looked at");
        let result = self.check_view(i, same_incarnation, &view, look);
        self.slots[i].view = Some(view);
        result
    }

    /// The checks of [`Oracles::observe`] on server i's new view.
    fn check_view(
        &mut self,
        i: usize,
        same_incarnation: bool,
        view: &Inspection,
        look: header::Look,
    ) -> Result<(), Violation> {
        let (old, kept) = (self.slots[i].hint.before, look.kept);
        let old = old.as_ref();
        if view.role == Role::Leader && self.selected.has(Oracle::ElectionSafety) {
            let incarnation = self.slots[i].incarnation;
            self.leaders
                .observe_leader(view.current_term.0, i, incarnation)?;
        }
        let inspected = self.slots[i].applied.inspected(i, view.last_applied.0);
        self.keep(inspected)?;
        self.slots[i].change = durability::Change {
            durable: !look.unchanged
                || old.is_some_and(|old| {
                    (old.current_term, old.voted_for) != (view.current_term, view.voted_for)
                }),
            extends: old.is_some_and(|old| {
                old.snapshot_index == view.snapshot_index && kept == old.last_log_index.0
            }),
        };
        let old = old.filter(|_| same_incarnation);
        let replaced = self.slots[i].replaced.take().filter(|_| same_incarnation);
        self.check_figure3(i, view, old, replaced.as_ref(), kept)?;
        if !look.unchanged && self.selected.has(Oracle::LogMatching) {
            self.check_log_matching(i, view, kept)?;
        }
        Ok(())
    }

    /// After [`Oracles::observe`] and the input's persist: server i's
    /// durable state against a restart from `persisted`, made by `restore`
    /// (see [`durability`]), if either changed since the last check.
    pub fn check_durability(
        &mut self,
        i: usize,
        persisted: &Persisted,
        restore: impl FnOnce(&Persisted) -> Result<Option<Inspection>, String>,
    ) -> Result<(), Violation> {
        let slot = &mut self.slots[i];
        let Some(live) = slot.view.as_ref() else {
            return Ok(()); // blind: the note says durability is skipped
        };
        if !self.selected.has(Oracle::Durability) {
            return Ok(());
        }
        let shadows = &mut self.shadows;
        slot.durable.check(i, live, slot.change, persisted, |p| {
            shadows.restore(p, restore)
        })
    }

    /// Whether any selected oracle reads `inspect()` (election safety alone
    /// does with `state()`).
    fn needs_views(&self) -> bool {
        [
            Oracle::LogMatching,
            Oracle::StoredOnMajority,
            Oracle::ApplyMonotonic,
            Oracle::Durability,
            Oracle::LeaderCompleteness,
            Oracle::LeaderAppendOnly,
            Oracle::ElectionRestriction,
        ]
        .into_iter()
        .any(|o| self.selected.has(o))
    }

    /// Whether the durability oracle runs (the harness then keeps each
    /// incarnation's `Config` for its shadows).
    pub fn wants_durability(&self) -> bool {
        self.selected.has(Oracle::Durability)
    }

    /// Whether server `i`'s incarnation `incarnation` was last observed with
    /// this `state()`.
    pub fn state_unchanged(
        &self,
        i: usize,
        incarnation: u32,
        state: (raftapi::Term, bool),
    ) -> bool {
        let slot = &self.slots[i];
        slot.incarnation == incarnation && slot.state == Some(state)
    }

    /// Server `i` crashed: its last inspection stays as its durable state.
    pub fn crashed(&mut self, i: usize) {
        self.slots[i].live = false;
    }

    /// Server `i` hands `msg` to its service: checks that the entry is
    /// stored on a majority, that the values agree with every earlier apply,
    /// and that the applied index moves forwards.
    pub fn applied(&mut self, i: usize, msg: &ApplyMsg) -> Result<(), Violation> {
        match msg {
            ApplyMsg::Command { index, command } => {
                let monotonic = self.slots[i].applied.command(i, index.0);
                self.keep(monotonic)?;
                let term = self.slots[i].view.as_ref().and_then(|v| v.term_at(*index));
                self.check_majority(i, *index, term)?;
                let agree = self.values.observe(i, index.0, command);
                self.keep(agree)
            }
            ApplyMsg::Snapshot { index, term, data } => {
                let monotonic = self.slots[i].applied.snapshot(i, index.0);
                self.keep(monotonic)?;
                self.check_majority(i, *index, Some(*term))?;
                // The tester's service writes (index, commands) snapshots; a
                // snapshot it cannot read is the applier's to report.
                let Ok((_, commands)) = labcodec::decode::<(u64, Vec<Option<Bytes>>)>(data) else {
                    return Ok(());
                };
                for (k, command) in commands.iter().enumerate() {
                    if let Some(command) = command {
                        let agree = self.values.observe(i, k as u64, command);
                        self.keep(agree)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Leader completeness, leader append-only and the election restriction
    /// for server i's new `view` (`kept`: how far it holds its last view's
    /// log; `old`: the last view's header, of the same incarnation;
    /// `replaced`: that view itself, if the log was inspected anew, which an
    /// unchanged log needs not be for leader append-only).
    fn check_figure3(
        &mut self,
        i: usize,
        view: &Inspection,
        old: Option<&InspectionHeader>,
        replaced: Option<&Inspection>,
        kept: u64,
    ) -> Result<(), Violation> {
        if self.selected.has(Oracle::LeaderCompleteness) {
            if leader::newly_leader(old, view) {
                self.committed.check_new_leader(i, view)?;
            }
            self.committed.learn(i, view);
        }
        if self.selected.has(Oracle::LeaderAppendOnly)
            && let Some(replaced) = replaced
        {
            leader::check_append_only(i, replaced, view, kept)?;
        }
        if self.selected.has(Oracle::ElectionRestriction) {
            self.candidacies.observe(i, view);
            if let Some(old) = old {
                self.candidacies.check_vote(i, old, view)?;
            }
        }
        Ok(())
    }

    /// Checks server i's new log against every live server's, scanning each
    /// pair only past what is known to agree.
    fn check_log_matching(
        &mut self,
        i: usize,
        view: &Inspection,
        kept: u64,
    ) -> Result<(), Violation> {
        let n = self.slots.len();
        for j in (0..n).filter(|&j| j != i) {
            let known = self.known[i * n + j].kept(kept);
            let known = match (&self.slots[j].view, self.slots[j].live) {
                (Some(other), true) => log_matching::check_pair(i, view, j, other, known)?,
                _ => known,
            };
            self.known[i * n + j] = known;
            self.known[j * n + i] = known;
        }
        Ok(())
    }

    /// Whether the oracles observe only and have seen their violation:
    /// nothing more to check.
    pub(crate) fn resting(&self) -> bool {
        matches!(self.observing, Some(Some(_)))
    }

    /// The note saying which oracles were skipped, once.
    pub fn take_note(&mut self) -> Option<String> {
        self.note.take()
    }

    fn check_majority(
        &self,
        i: usize,
        index: LogIndex,
        term: Option<raftapi::Term>,
    ) -> Result<(), Violation> {
        if self.blind || !self.selected.has(Oracle::StoredOnMajority) {
            return Ok(());
        }
        majority::check(i, index, term, self.slots.iter().map(|s| s.view.as_ref()))
    }

    /// `result`, unless its violation is of an oracle not selected (whose
    /// bookkeeping still ran, for the oracles that share it).
    /// (`Ok` is returned, not passed on: moving a whole `Result` through,
    /// after every input, costs more than this check.)
    #[inline]
    fn keep(&self, result: Result<(), Violation>) -> Result<(), Violation> {
        let Err(v) = result else {
            return Ok(());
        };
        if self.selected.iter().any(|o| o.check() == v.check) {
            Err(v)
        } else {
            Ok(())
        }
    }

    fn go_blind(&mut self) {
        if self.blind {
            return;
        }
        self.blind = true;
        let skipped: Vec<&str> = [
            Oracle::LogMatching,
            Oracle::StoredOnMajority,
            Oracle::Durability,
            Oracle::LeaderCompleteness,
            Oracle::LeaderAppendOnly,
            Oracle::ElectionRestriction,
        ]
        .into_iter()
        .filter(|&o| self.selected.has(o))
        .map(Oracle::check)
        .collect();
        let mut note = "strict: inspect() returned None".to_string();
        if !skipped.is_empty() {
            note += &format!(": {} skipped", skipped.join(", "));
        }
        if self.selected.has(Oracle::ElectionSafety) {
            note += &format!("; {ELECTION_SAFETY} uses state()");
        }
        self.note = Some(note);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use raftapi::{Inspection, LogIndex, Role, Term};

    /// A follower's inspection with a snapshot to `snapshot_index` (of term
    /// `snapshot_term`) and then entries of `terms`.
    pub(crate) fn view(snapshot_index: u64, snapshot_term: u64, terms: &[u64]) -> Inspection {
        Inspection {
            current_term: Term(terms.last().copied().unwrap_or(snapshot_term)),
            voted_for: None,
            role: Role::Follower,
            commit_index: LogIndex(snapshot_index),
            last_applied: LogIndex(snapshot_index),
            snapshot_index: LogIndex(snapshot_index),
            snapshot_term: Term(snapshot_term),
            log_terms: terms.iter().map(|&t| Term(t)).collect(),
        }
    }
}
