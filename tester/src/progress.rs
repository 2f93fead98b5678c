//! Liveness failures explained. When `one()`, `wait` or a scenario's
//! liveness phase gives up, the failed run is run once more (with the root
//! cause re-run, [`crate::root_cause`]) with a [`Progress`] recorder on for
//! its last [`WINDOW_MS`]: each server's log length and commit index when
//! the window opened and at the failure, and the AppendEntries each server
//! sent each other one in the window, by how they ended: succeeded,
//! refused, lost (the call failed: lost request or reply, unreachable or
//! dead peer) or unanswered (still in flight at the failure).
//!
//! ```text
//!   S0's log has not grown for 10.000s; leader S2 sent it 97 AppendEntries, 0 succeeded, 61 refused, 36 lost
//!   progress over the last 10.000s (from 23.020s to 33.020s):
//!     S0: log 4 -> 4, commit 1 -> 1; S2 sent it 97 AppendEntries: 0 succeeded, 61 refused, 36 lost, 0 unanswered
//!     S2 (leader, term 5): log 9 -> 9, commit 4 -> 4
//! ```
//!
//! Kinds and success come from `Raft::rpc_kind` and `Raft::rpc_success`
//! (their defaults read `Debug` names, see [`raftapi::describe`]); log
//! lengths and commit indices from `inspect()` (without it, only the
//! AppendEntries are counted). The recorder only reads: the re-run's trace
//! is the failed run's.

use crate::harness::{EndOwner, Tester};
use labrpc::{CallId, Loss, Time};
use raftapi::{Raft, RpcKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How far back the explanation looks (`one()` gives up after 10 s).
pub const WINDOW_MS: u64 = 10_000;

/// The course's checks whose failure is a liveness timeout.
pub const LIVENESS_CHECKS: [&str; 3] = ["one", "wait", "liveness"];

/// A server's (last log index, commit index), from `inspect()`.
type Mark = Option<(u64, u64)>;

/// How the AppendEntries from one server to another ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    sent: u64,
    succeeded: u64,
    refused: u64,
    /// Answered, with no `success` the lab could read.
    answered: u64,
    lost: u64,
}

impl Counts {
    fn unanswered(&self) -> u64 {
        self.sent
            .saturating_sub(self.succeeded + self.refused + self.answered + self.lost)
    }
}

/// What the re-run records from `from` on.
#[derive(Debug)]
pub struct Progress {
    from: Time,
    /// When the window opened (the first send at or after `from`) and each
    /// server's mark then.
    then: Option<(Time, Vec<Mark>)>,
    /// AppendEntries by (sender, receiver).
    appends: BTreeMap<(usize, usize), Counts>,
}

impl Progress {
    /// A recorder of what happens from `from` on.
    pub fn new(from: Time) -> Progress {
        Progress {
            from,
            then: None,
            appends: BTreeMap::new(),
        }
    }
}

fn mark<R: Raft>(raft: Option<&R>) -> Mark {
    let view = raft?.inspect()?;
    Some((view.last_log_index().0, view.commit_index.0))
}

impl<R: Raft> Tester<R> {
    /// Records progress from `from` on (see [`crate::progress`]).
    pub(crate) fn set_progress(&mut self, from: Time) {
        self.observer.progress = Some(Box::new(Progress::new(from)));
    }

    /// Server i called `to` with `call`.
    #[inline]
    pub(crate) fn progress_sent(&mut self, i: usize, to: usize, call: CallId) {
        let now = self.sim.now();
        let Some(p) = self.observer.progress.as_mut().filter(|p| now >= p.from) else {
            return;
        };
        if p.then.is_none() {
            let marks = self.nodes.iter().map(|n| mark(n.raft.as_ref())).collect();
            p.then = Some((now, marks));
        }
        if R::rpc_kind(self.sim.request(call)) == RpcKind::AppendEntries {
            p.appends.entry((i, to)).or_default().sent += 1;
        }
    }

    /// A call sent at `sent_at` resolved.
    #[inline]
    pub(crate) fn progress_resolved(
        &mut self,
        owner: EndOwner,
        request: &R::Request,
        reply: &Result<R::Reply, Loss>,
        sent_at: Time,
    ) {
        let Some(p) = self.observer.progress.as_mut() else {
            return;
        };
        if sent_at < p.from || R::rpc_kind(request) != RpcKind::AppendEntries {
            return;
        }
        let counts = p.appends.entry((owner.from, owner.to)).or_default();
        match reply {
            Err(_) => counts.lost += 1,
            Ok(reply) => match R::rpc_success(reply) {
                Some(true) => counts.succeeded += 1,
                Some(false) => counts.refused += 1,
                None => counts.answered += 1,
            },
        }
    }

    /// The explanation, at the end of the re-run.
    pub(crate) fn explain_progress(&self) -> Option<String> {
        let p = self.observer.progress.as_ref()?;
        let now = self.sim.now();
        let (since, then) = p.then.clone()?;
        let marks: Vec<Mark> = self.nodes.iter().map(|n| mark(n.raft.as_ref())).collect();
        let states: Vec<Option<(u64, bool)>> = (0..self.n).map(|i| self.get_state(i)).collect();
        let leader = (0..self.n)
            .filter(|&i| states[i].is_some_and(|(_, l)| l))
            .max_by_key(|&i| states[i].map(|(t, _)| t));
        Some(describe(p, leader, since, now, &then, &marks, &states))
    }
}

/// The text: a headline naming the most lagging server, then each server.
fn describe(
    p: &Progress,
    leader: Option<usize>,
    since: Time,
    now: Time,
    then: &[Mark],
    marks: &[Mark],
    states: &[Option<(u64, bool)>],
) -> String {
    let span = Time(now.0 - since.0);
    // Whom each server heard from: the leader, else its busiest sender.
    let sender = |j: usize| {
        leader.filter(|&l| l != j).or_else(|| {
            (0..then.len())
                .filter(|&i| i != j)
                .max_by_key(|&i| p.appends.get(&(i, j)).map_or(0, |c| c.sent))
        })
    };
    let counts = |j: usize| sender(j).and_then(|i| Some((i, *p.appends.get(&(i, j))?)));
    let mut lines = Vec::new();
    for j in 0..then.len() {
        let mut line = format!("S{j}");
        if Some(j) == leader {
            let term = states[j].map_or(0, |(t, _)| t);
            let _ = write!(line, " (leader, term {term})");
        }
        match (then[j], marks[j]) {
            (Some((log0, c0)), Some((log1, c1))) => {
                let _ = write!(line, ": log {log0} -> {log1}, commit {c0} -> {c1}");
            }
            _ if states[j].is_none() => line.push_str(": down"),
            _ => line.push_str(": (no inspect())"),
        }
        if let Some((i, c)) = counts(j).filter(|_| Some(j) != leader) {
            let _ = write!(line, "; S{i} sent it {}", sent_text(&c, ": "));
        }
        lines.push(line);
    }
    let lagging = (0..then.len()).find(|&j| {
        Some(j) != leader
            && matches!((then[j], marks[j]), (Some((a, _)), Some((b, _))) if a == b)
            && leader
                .is_some_and(|l| marks[l].is_some_and(|(ll, _)| ll > then[j].map_or(0, |m| m.0)))
    });
    let mut text = String::new();
    if let (Some(j), Some(l)) = (lagging, leader) {
        let _ = write!(
            text,
            "S{j}'s log has not grown for {span}; leader S{l} sent it "
        );
        match counts(j) {
            Some((_, c)) => text.push_str(&sent_text(&c, ", ")),
            None => text.push_str("no AppendEntries"),
        }
        text.push('\n');
    }
    let _ = write!(
        text,
        "progress over the last {span} (from {since} to {now}):"
    );
    for line in lines {
        let _ = write!(text, "\n  {line}");
    }
    text
}

/// `97 AppendEntries, 0 succeeded, 61 refused, 36 lost` (with `sep` after
/// "AppendEntries"), and the answered and unanswered ones when there are.
fn sent_text(c: &Counts, sep: &str) -> String {
    let mut text = format!(
        "{} AppendEntries{sep}{} succeeded, {} refused, {} lost",
        c.sent, c.succeeded, c.refused, c.lost
    );
    if c.answered > 0 {
        let _ = write!(text, ", {} answered without success", c.answered);
    }
    let _ = write!(text, ", {} unanswered", c.unanswered());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_names_the_lagging_server_and_its_leader_sends() {
        let mut p = Progress::new(Time(1000));
        p.appends.insert(
            (2, 0),
            Counts {
                sent: 97,
                refused: 61,
                lost: 36,
                ..Counts::default()
            },
        );
        p.appends.insert(
            (2, 1),
            Counts {
                sent: 40,
                succeeded: 40,
                ..Counts::default()
            },
        );
        let then = [Some((4, 1)), Some((4, 4)), Some((4, 4))];
        let now = [Some((4, 1)), Some((9, 9)), Some((9, 9))];
        let states = [Some((5, false)), Some((5, false)), Some((5, true))];
        let text = describe(&p, Some(2), Time(1000), Time(11000), &then, &now, &states);
        assert_eq!(
            text,
            "S0's log has not grown for 10.000s; leader S2 sent it 97 AppendEntries, 0 succeeded, 61 refused, 36 lost, 0 unanswered\n\
             progress over the last 10.000s (from 1.000s to 11.000s):\n  \
             S0: log 4 -> 4, commit 1 -> 1; S2 sent it 97 AppendEntries: 0 succeeded, 61 refused, 36 lost, 0 unanswered\n  \
             S1: log 4 -> 9, commit 4 -> 9; S2 sent it 40 AppendEntries: 40 succeeded, 0 refused, 0 lost, 0 unanswered\n  \
             S2 (leader, term 5): log 4 -> 9, commit 4 -> 9"
        );
    }
}
