//! What an input changed: the server's role, term, commit index and last
//! log index (target `lab::state`, from `inspect()` when the Raft gives it,
//! else role and term from `state()`), what it persisted and what it
//! applied (target `lab::effect`).

use super::{CmdText, may_listen};
use crate::harness::Tester;
use labtrace::vocab::{self, topic};
use raftapi::{ApplyMsg, Effects, Raft, Role};
use tracing::Level;

/// What was last reported of a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    role: &'static str,
    term: u64,
    /// `None` without `inspect()` (or without a vote).
    voted_for: Option<usize>,
    /// `None` without `inspect()`.
    commit_index: Option<u64>,
    last_log_index: Option<u64>,
    snapshot_index: Option<u64>,
}

/// The role's name in events.
pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Follower => "follower",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

impl Seen {
    fn of<R: Raft>(raft: &R) -> Seen {
        match raft.inspect() {
            Some(view) => Seen {
                role: role_name(view.role),
                term: view.current_term.0,
                voted_for: view.voted_for.map(|v| v.0),
                commit_index: Some(view.commit_index.0),
                last_log_index: Some(view.last_log_index().0),
                snapshot_index: Some(view.snapshot_index.0),
            },
            None => {
                let (term, leader) = raft.state();
                Seen {
                    role: if leader { "leader" } else { "not-leader" },
                    term: term.0,
                    voted_for: None,
                    commit_index: None,
                    last_log_index: None,
                    snapshot_index: None,
                }
            }
        }
    }
}

impl<R: Raft> Tester<R> {
    /// After server i's input returned, before its effects are performed:
    /// what changed (`role`, `term`, `commit`, `log`), then `persist`.
    #[inline]
    pub(crate) fn observe_effects(&mut self, i: usize, fx: &Effects<R::Request>) {
        if !may_listen(Level::INFO) {
            return;
        }
        if tracing::enabled!(target: vocab::STATE, Level::INFO) {
            self.observe_state(i);
        }
        if let Some(p) = fx.persisted() {
            tracing::debug!(
                target: vocab::EFFECT,
                topic = topic::PERSIST,
                raft_state_bytes = p.raft_state.len() as u64,
                snapshot_bytes = p.snapshot.len() as u64,
            );
        }
    }

    fn observe_state(&mut self, i: usize) {
        let Some(raft) = self.nodes[i].raft.as_ref() else {
            return;
        };
        let now = Seen::of(raft);
        let was = self.observer.seen[i].replace(now);
        if was == Some(now) {
            return;
        }
        let was_role = was.map(|w| w.role);
        if was_role != Some(now.role) {
            tracing::info!(target: vocab::STATE, topic = topic::ROLE, role = now.role, was = was_role);
        }
        let was_term = was.map(|w| w.term);
        if was_term != Some(now.term) || was.map(|w| w.voted_for) != Some(now.voted_for) {
            tracing::info!(
                target: vocab::STATE,
                topic = topic::TERM,
                term = now.term,
                was = was_term,
                voted_for = now.voted_for.map(|v| v as u64)
            );
        }
        let was_commit = was.and_then(|w| w.commit_index);
        if now.commit_index.is_some() && was_commit != now.commit_index {
            tracing::debug!(
                target: vocab::STATE,
                topic = topic::COMMIT,
                commit_index = now.commit_index,
                was = was_commit
            );
        }
        let was_last = was.and_then(|w| w.last_log_index);
        if now.last_log_index.is_some() && was_last != now.last_log_index {
            tracing::debug!(
                target: vocab::STATE,
                topic = topic::LOG,
                last_log_index = now.last_log_index,
                was = was_last,
                snapshot_index = now.snapshot_index
            );
        }
    }

    /// Server i's `ApplyMsg`, as it is handed to the applier: `apply`.
    #[inline]
    pub(crate) fn observe_apply(&self, msg: &ApplyMsg) {
        if !may_listen(Level::DEBUG) {
            return;
        }
        match msg {
            ApplyMsg::Command { index, command } => tracing::debug!(
                target: vocab::EFFECT,
                topic = topic::APPLY,
                index = index.0,
                command = %CmdText(command),
            ),
            ApplyMsg::Snapshot { index, term, data } => tracing::debug!(
                target: vocab::EFFECT,
                topic = topic::APPLY,
                snapshot = true,
                index = index.0,
                term = term.0,
                snapshot_bytes = data.len() as u64,
            ),
        }
    }

    /// Server i crashed: its next incarnation is reported afresh.
    pub(crate) fn forget_seen(&mut self, i: usize) {
        self.observer.seen[i] = None;
    }
}
