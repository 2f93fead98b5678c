//! Crash points: crash a server right after it produced a chosen kind of
//! output (granted a vote, acknowledged new entries, became leader,
//! applied), then let the driver restart it after a delay. A persist that
//! is missing or too small then costs a real safety violation (two leaders
//! in a term, a committed entry lost), not just a wrong byte.
//!
//! The outputs are recognised for any Raft, from what the seam shows after
//! each input compared with what it showed after the server's previous one:
//!
//! | output   | seen as                                                           | needs `inspect()` |
//! |----------|-------------------------------------------------------------------|-------------------|
//! | `Vote`   | `voted_for` names another server, and (term, vote) changed        | yes |
//! | `Append` | a request was handled, the server is a follower, its last log index grew | yes |
//! | `Leader` | `state()` says leader, and did not after the previous input       | no  |
//! | `Apply`  | the input recorded at least one apply                             | no  |
//!
//! A Raft without `inspect()` never fires `Vote` or `Append` points; the
//! run's lines say so once. The crash happens after the input's effects are
//! all performed (its reply is on the wire, its applies consumed), before the
//! next event: the edition's crash (`crash1` / `ShutdownServer`). Draws for
//! `per_mille` come from a stream of their own, made only when points are
//! installed, so runs without crash points are unchanged.

use super::Tester;
use labrpc::{SimRng, Time};
use raftapi::{Effects, LogIndex, NodeId, Raft, Role, Term};

/// The label of the crash points' random stream.
const CRASH_POINTS_LABEL: u64 = 0x4352_4153_4850;

/// The kind of output a crash point waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Granted a vote to another server.
    Vote,
    /// Acknowledged new entries (or a snapshot) as a follower.
    Append,
    /// Became leader.
    Leader,
    /// Handed committed entries (or a snapshot) to its service.
    Apply,
}

/// One crash point, in absolute virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrashPoint {
    /// What the server must have just done.
    pub after: Output,
    /// The chance, per 1000 outputs, that one crashes the server.
    pub per_mille: u64,
    /// At most this many crashes from this point (`None`: no limit).
    pub limit: Option<u64>,
    /// The crashed server comes back this long after.
    pub restart_after_ms: u64,
    /// Outputs before this time are let through.
    pub from: Time,
    /// Outputs after this time are let through.
    pub until: Time,
    /// No crash while this many servers are down.
    pub max_crashed: usize,
}

/// What one server showed after its last input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    incarnation: u32,
    leader: bool,
    /// `(term, voted_for, role, last log index)` when inspectable.
    seen: Option<(Term, Option<NodeId>, Role, LogIndex)>,
}

/// The installed crash points and what they need between inputs.
pub(crate) struct CrashPoints {
    points: Vec<(CrashPoint, u64)>,
    rng: SimRng,
    marks: Vec<Option<Marks>>,
    /// (server, restart delay in ms) to crash once the current event is done.
    pending: Vec<(usize, u64)>,
    /// (when, server) restarts the driver still has to make.
    restarts: Vec<(Time, usize)>,
    blind_noted: bool,
}

impl<R: Raft> Tester<R> {
    /// Installs crash points (an empty list removes them). The driver then
    /// restarts crashed servers when [`Tester::next_crash_restart`] is due
    /// ([`Tester::take_due_restarts`]); a [`Tester::sleep`] ends early at a
    /// crash so that it can.
    pub fn set_crash_points(&mut self, points: &[CrashPoint]) {
        if points.is_empty() {
            self.crash_points = None;
            return;
        }
        let seed = self.sim.streams().seed_for(&[CRASH_POINTS_LABEL]);
        self.crash_points = Some(CrashPoints {
            points: points.iter().map(|&p| (p, 0)).collect(),
            rng: SimRng::from_seed(seed),
            marks: vec![None; self.n],
            pending: Vec::new(),
            restarts: Vec::new(),
            blind_noted: false,
        });
    }

    /// The earliest restart a crash point asked for, if any.
    pub fn next_crash_restart(&self) -> Option<Time> {
        let cp = self.crash_points.as_ref()?;
        cp.restarts.iter().map(|(at, _)| *at).min()
    }

    /// The servers whose restart is due at `now`, removed from the list.
    pub fn take_due_restarts(&mut self) -> Vec<usize> {
        let now = self.sim.now();
        let Some(cp) = self.crash_points.as_mut() else {
            return Vec::new();
        };
        let (due, later) = cp.restarts.iter().partition(|(at, _)| *at <= now);
        cp.restarts = later;
        due.into_iter().map(|(_, i)| i).collect()
    }

    /// After server i's input (its effects still in `fx`; `request`: it was
    /// a `handle_request`; `quiet`: it recorded and answered nothing): marks
    /// a crash if a point fires.
    pub(crate) fn crash_point_observe(
        &mut self,
        i: usize,
        fx: &Effects<R::Request>,
        request: bool,
        quiet: bool,
    ) {
        let Some(cp) = self.crash_points.as_mut() else {
            return;
        };
        let Some(raft) = self.nodes[i].raft.as_ref() else {
            return;
        };
        let incarnation = self.nodes[i].incarnation;
        let leader = raft.state().1;
        let same = |m: &Marks| m.incarnation == incarnation && m.leader == leader;
        if quiet && cp.marks[i].as_ref().is_some_and(same) {
            return; // no output: no vote, append, leadership or apply
        }
        let view = raft.inspect();
        let marks = Marks {
            incarnation,
            leader,
            seen: view
                .as_ref()
                .map(|v| (v.current_term, v.voted_for, v.role, v.last_log_index())),
        };
        let before = cp.marks[i].replace(marks);
        if view.is_none() && !cp.blind_noted {
            cp.blind_noted = true;
            self.lines.push(
                "crash points: inspect() returned None: points after a vote or an append never fire"
                    .into(),
            );
        }
        let Some(before) = before.filter(|b| b.incarnation == marks.incarnation) else {
            return; // a server's making is not an output
        };
        let outputs = outputs(i, before, marks, request, !fx.applies().is_empty());
        let down = self.nodes.iter().filter(|n| n.raft.is_none()).count();
        if let Some(delay_ms) = cp.fires(&outputs, self.sim.now(), down + cp.pending.len()) {
            cp.pending.push((i, delay_ms));
        }
    }

    /// Crashes the servers marked during the event just handled, and books
    /// their restarts; returns whether it crashed any. (A sleep then ends
    /// early, so that its driver can restart them on time.)
    /// (Called after every event: the test is inline, the crashing not.)
    #[inline]
    pub(crate) fn crash_points_flush(&mut self) -> bool {
        match &self.crash_points {
            Some(cp) if !cp.pending.is_empty() => self.crash_pending(),
            _ => false,
        }
    }

    #[inline(never)]
    fn crash_pending(&mut self) -> bool {
        let Some(cp) = self.crash_points.as_mut() else {
            return false;
        };
        let pending = std::mem::take(&mut cp.pending);
        let now = self.sim.now();
        cp.restarts
            .extend(pending.iter().map(|&(i, delay_ms)| (now + delay_ms, i)));
        for (i, _) in pending {
            self.note("crash", format_args!("crash point: crash S{i}"));
            self.crash(i);
        }
        true
    }
}

impl CrashPoints {
    /// The restart delay of the first point matching one of `outputs` that
    /// fires now (at most one per input); counts it.
    fn fires(&mut self, outputs: &[Output], now: Time, down: usize) -> Option<u64> {
        for k in 0..self.points.len() {
            let (p, fired) = self.points[k];
            let open = p.from <= now && now <= p.until && p.limit.is_none_or(|l| fired < l);
            if !outputs.contains(&p.after) || !open || down >= p.max_crashed {
                continue;
            }
            if self.rng.below(1000) < p.per_mille {
                self.points[k].1 += 1;
                return Some(p.restart_after_ms);
            }
        }
        None
    }
}

/// The outputs of one input, from the marks before and after it.
fn outputs(i: usize, before: Marks, after: Marks, request: bool, applied: bool) -> Vec<Output> {
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (before.seen, after.seen) {
        let (term, vote, role, last) = a;
        if vote.is_some_and(|v| v.0 != i) && (term, vote) != (b.0, b.1) {
            out.push(Output::Vote);
        }
        if request && role == Role::Follower && last > b.3 {
            out.push(Output::Append);
        }
    }
    if after.leader && !before.leader {
        out.push(Output::Leader);
    }
    if applied {
        out.push(Output::Apply);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(term: u64, vote: Option<usize>, role: Role, last: u64) -> Marks {
        Marks {
            incarnation: 1,
            leader: role == Role::Leader,
            seen: Some((Term(term), vote.map(NodeId), role, LogIndex(last))),
        }
    }

    #[test]
    fn outputs_are_read_from_the_marks_before_and_after() {
        let f = Role::Follower;
        let before = marks(1, None, f, 3);
        // S2 votes for S0 in term 2 (a request): a vote.
        let voted = outputs(2, before, marks(2, Some(0), f, 3), true, false);
        assert_eq!(voted, vec![Output::Vote]);
        // The same vote again, or a candidate's own vote: no vote.
        let again = marks(2, Some(0), f, 3);
        assert!(outputs(2, again, again, true, false).is_empty());
        let own = marks(3, Some(2), Role::Candidate, 3);
        assert!(outputs(2, before, own, false, false).is_empty());
        // New entries on a follower, from a request: an append.
        let appended = outputs(2, before, marks(1, None, f, 5), true, false);
        assert_eq!(appended, vec![Output::Append]);
        assert!(outputs(2, before, marks(1, None, f, 5), false, false).is_empty());
        // Leadership, and applies.
        let leader = marks(2, Some(2), Role::Leader, 3);
        assert_eq!(
            outputs(2, own, leader, false, true),
            vec![Output::Leader, Output::Apply]
        );
        // Without inspect(): leadership and applies only.
        let blind = |leader| Marks {
            incarnation: 1,
            leader,
            seen: None,
        };
        assert_eq!(
            outputs(2, blind(false), blind(true), true, false),
            vec![Output::Leader]
        );
    }

    fn point(per_mille: u64, limit: Option<u64>) -> CrashPoint {
        CrashPoint {
            after: Output::Vote,
            per_mille,
            limit,
            restart_after_ms: 7,
            from: Time(10),
            until: Time(20),
            max_crashed: 1,
        }
    }

    fn points(p: CrashPoint) -> CrashPoints {
        CrashPoints {
            points: vec![(p, 0)],
            rng: SimRng::from_seed(1),
            marks: Vec::new(),
            pending: Vec::new(),
            restarts: Vec::new(),
            blind_noted: false,
        }
    }

    #[test]
    fn a_point_fires_in_its_window_up_to_its_limit_with_its_chance() {
        let mut cp = points(point(1000, Some(2)));
        let vote = [Output::Vote];
        assert_eq!(
            cp.fires(&[Output::Apply], Time(15), 0),
            None,
            "another output"
        );
        assert_eq!(cp.fires(&vote, Time(9), 0), None, "before its window");
        assert_eq!(cp.fires(&vote, Time(21), 0), None, "after it");
        assert_eq!(cp.fires(&vote, Time(15), 1), None, "one is down already");
        assert_eq!(cp.fires(&vote, Time(15), 0), Some(7));
        assert_eq!(cp.fires(&vote, Time(15), 0), Some(7));
        assert_eq!(cp.fires(&vote, Time(15), 0), None, "its limit");
        let mut half = points(point(500, None));
        let fired = (0..1000)
            .filter(|_| half.fires(&vote, Time(15), 0).is_some())
            .count();
        assert!((400..600).contains(&fired), "about half: {fired}");
    }
}
