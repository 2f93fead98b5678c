//! From facts to a [`Timeline`]: one pass over the facts in order, keeping
//! each server's current state and closing intervals as they end.
//!
//! - `mod.rs`: the pass, lanes, roles and elections, the tester's steps.
//! - `state.rs`: state changes folded into the cursor's rows and the step
//!   lines.
//! - `net.rs`: the network track. `rpc.rs`: RPC arrows.

mod net;
mod rpc;
mod state;
#[cfg(test)]
mod tests;

use crate::fact::{Fact, Timed};
use crate::model::{
    Election, FailureMark, Header, Lane, Mark, Role, RoleSpan, SnapshotMark, Step, Timeline, Vote,
};
use net::NetState;
use rpc::Rpcs;
use state::{Change, Changes};

/// Most point marks (persists, applies, a Raft's own events) a timeline
/// keeps; a Raft that logs in a loop must not make the file unreadable.
pub const MAX_MARKS: usize = 60_000;

/// Builds the timeline of a run: `header` says what run it is, `failure`
/// how it failed (from the run's outcome; else the facts' own failure).
pub fn build(header: Header, failure: Option<FailureMark>, facts: &[Timed]) -> Timeline {
    let mut b = Builder::new(header.servers, header.end_ms);
    for (seq, timed) in facts.iter().enumerate() {
        b.seq = seq as u64;
        b.fact(timed.t.min(b.end_ms), &timed.fact);
    }
    b.finish(header, failure)
}

/// A strict oracle's name without the `oracle:` of its check's name.
pub fn oracle_name(check: &str) -> String {
    check.strip_prefix("oracle:").unwrap_or(check).to_string()
}

/// One server as the pass goes.
#[derive(Default)]
struct Server {
    incarnation: u32,
    lane_from: Option<u64>,
    role: Option<Role>,
    term: Option<u64>,
    span_from: u64,
    election: Option<usize>,
    snapshot_index: Option<u64>,
}

struct Builder {
    end_ms: u64,
    seq: u64,
    servers: Vec<Server>,
    net: NetState,
    rpcs: Rpcs,
    changes: Changes,
    lanes: Vec<Lane>,
    roles: Vec<RoleSpan>,
    elections: Vec<Election>,
    snapshots: Vec<SnapshotMark>,
    marks: Vec<Mark>,
    marks_dropped: usize,
    steps: Vec<Step>,
    open_steps: Vec<usize>,
    failure: Option<FailureMark>,
}

impl Builder {
    fn new(n: usize, end_ms: u64) -> Builder {
        Builder {
            end_ms,
            seq: 0,
            servers: (0..n).map(|_| Server::default()).collect(),
            net: NetState::new(n),
            rpcs: Rpcs::default(),
            changes: Changes::default(),
            lanes: Vec::new(),
            roles: Vec::new(),
            elections: Vec::new(),
            snapshots: Vec::new(),
            marks: Vec::new(),
            marks_dropped: 0,
            steps: Vec::new(),
            open_steps: Vec::new(),
            failure: None,
        }
    }

    fn change(&mut self, t: u64, server: usize, what: Change) {
        self.changes.push(t, self.seq, server, what);
    }

    fn fact(&mut self, t: u64, fact: &Fact) {
        match fact {
            Fact::Made {
                server,
                incarnation,
            } => self.made(t, *server, *incarnation),
            Fact::Crashed { server } => self.crashed(t, *server),
            Fact::Connected { server, up, links } => {
                self.connected(t, *server, *up, links.as_deref())
            }
            Fact::Links { links } => self.links(t, links),
            Fact::Network { kind, on, detail } => self.net.phase(t, kind, *on, detail),
            Fact::State {
                server,
                role,
                term,
                commit,
                last_log,
                snapshot_index,
            } => {
                self.state(t, *server, *role, *term);
                self.indices(t, *server, *commit, *last_log, *snapshot_index);
            }
            Fact::Sent {
                call,
                from,
                to,
                kind,
                request,
            } => {
                if *from < self.servers.len() && *to < self.servers.len() {
                    self.rpcs.sent(t, *call, *from, *to, kind, request);
                }
            }
            Fact::Arrived { call } => {
                self.rpcs.arrived(t, *call);
            }
            Fact::Replied { call, reply } => self.replied(t, *call, reply),
            Fact::Failed { call, reason } => {
                self.rpcs.ended(t, *call, Err(reason));
            }
            Fact::Applied {
                server,
                index,
                snapshot,
                text,
            } => self.applied(t, *server, *index, *snapshot, text),
            Fact::SnapshotTaken { server, index } => self.snapshot(t, *server, *index, "taken"),
            Fact::StepBegin {
                kind,
                server,
                label,
            } => self.step_begin(t, kind, *server, label),
            Fact::StepEnd { kind, label, ok } => self.step_end(t, kind, label, *ok),
            Fact::Failure {
                check,
                message,
                kind,
            } => self.failed(t, check, message, kind),
            Fact::Note {
                server,
                topic,
                text,
            } => self.mark(t, *server, topic, text),
        }
    }

    fn made(&mut self, t: u64, i: usize, incarnation: Option<u32>) {
        if i >= self.servers.len() {
            return;
        }
        if self.servers[i].lane_from.is_some() {
            self.crashed(t, i);
        }
        let s = &mut self.servers[i];
        s.incarnation = incarnation.unwrap_or(s.incarnation + 1);
        s.lane_from = Some(t);
        s.span_from = t;
        let incarnation = s.incarnation;
        self.net.fresh_ends(t, i);
        self.change(t, i, Change::Up(true, incarnation));
    }

    fn crashed(&mut self, t: u64, i: usize) {
        if !self.close_lane(t, i, true) {
            return;
        }
        self.net.disconnect(t, i);
        self.change(t, i, Change::Up(false, self.servers[i].incarnation));
        self.change(t, i, Change::Connected(false));
        self.change(t, i, Change::Role(None));
    }

    /// Ends server i's lane (a crash, or the end of the run); false if it
    /// had none.
    fn close_lane(&mut self, t: u64, i: usize, crashed: bool) -> bool {
        let Some(from_ms) = self.servers.get(i).and_then(|s| s.lane_from) else {
            return false;
        };
        self.close_role_span(t, i);
        self.end_election(t, i, false);
        let s = &mut self.servers[i];
        s.lane_from = None;
        s.role = None;
        self.lanes.push(Lane {
            server: i,
            incarnation: s.incarnation,
            from_ms,
            to_ms: t,
            crashed,
        });
        true
    }

    fn connected(&mut self, t: u64, i: usize, up: bool, links: Option<&[Vec<bool>]>) {
        if i >= self.servers.len() {
            return;
        }
        match (up, links) {
            (_, Some(links)) => {
                let mut ups = self.up_servers();
                ups[i] = ups[i] || up;
                self.net.set_all(t, links, &ups);
                if !up {
                    self.net.disconnect(t, i);
                }
            }
            (true, None) => self.net.connect(t, i),
            (false, None) => self.net.disconnect(t, i),
        }
        self.connected_changes(t);
    }

    fn links(&mut self, t: u64, links: &[Vec<bool>]) {
        let ups = self.up_servers();
        self.net.set_all(t, links, &ups);
        self.connected_changes(t);
    }

    fn up_servers(&self) -> Vec<bool> {
        self.servers.iter().map(|s| s.lane_from.is_some()).collect()
    }

    fn connected_changes(&mut self, t: u64) {
        for i in 0..self.servers.len() {
            let on = self.net.is_connected(i);
            self.change(t, i, Change::Connected(on));
        }
    }

    /// A change of role or term: a new role span, and elections.
    fn state(&mut self, t: u64, i: usize, role: Option<Role>, term: Option<u64>) {
        let Some(s) = self.servers.get(i) else { return };
        let new_role = role.or(s.role);
        let new_term = term.or(s.term);
        if (new_role, new_term) == (s.role, s.term) {
            return;
        }
        let was_candidate = s.role == Some(Role::Candidate);
        self.close_role_span(t, i);
        let s = &mut self.servers[i];
        (s.role, s.term) = (new_role, new_term);
        if role.is_some() {
            self.change(t, i, Change::Role(new_role));
        }
        if let Some(term) = term {
            self.change(t, i, Change::Term(term));
        }
        match new_role {
            Some(Role::Candidate) if !was_candidate => self.open_election(t, i),
            Some(Role::Candidate) => self.retarget_election(t, i),
            Some(Role::Leader) => self.end_election(t, i, true),
            _ => self.end_election(t, i, false),
        }
    }

    fn close_role_span(&mut self, t: u64, i: usize) {
        let s = &mut self.servers[i];
        if s.lane_from.is_some() && t > s.span_from && (s.role.is_some() || s.term.is_some()) {
            self.roles.push(RoleSpan {
                server: i,
                from_ms: s.span_from,
                to_ms: t,
                role: s.role,
                term: s.term,
            });
        }
        s.span_from = t;
    }

    fn open_election(&mut self, t: u64, i: usize) {
        let term = self.servers[i].term;
        self.elections.push(Election {
            server: i,
            term,
            from_ms: t,
            to_ms: t,
            won: false,
            votes: Vec::new(),
        });
        self.servers[i].election = Some(self.elections.len() - 1);
        self.change(t, i, Change::Vote(i, term));
    }

    /// A candidate's term moved: the same election if it began just now
    /// (role and term reported apart), else a new one.
    fn retarget_election(&mut self, t: u64, i: usize) {
        let term = self.servers[i].term;
        match self.servers[i].election {
            Some(e) if self.elections[e].from_ms == t => {
                self.elections[e].term = term;
                self.change(t, i, Change::Vote(i, term));
            }
            _ => {
                self.end_election(t, i, false);
                self.open_election(t, i);
            }
        }
    }

    fn end_election(&mut self, t: u64, i: usize, won: bool) {
        if let Some(e) = self.servers[i].election.take() {
            let election = &mut self.elections[e];
            election.to_ms = t;
            election.won = won && election.term == self.servers[i].term;
        }
    }

    fn indices(
        &mut self,
        t: u64,
        i: usize,
        commit: Option<u64>,
        last_log: Option<u64>,
        snapshot_index: Option<u64>,
    ) {
        if i >= self.servers.len() {
            return;
        }
        if let Some(c) = commit {
            self.change(t, i, Change::Commit(c));
        }
        if let Some(s) = snapshot_index {
            let before = self.servers[i].snapshot_index.replace(s);
            if s > 0 && before.is_some_and(|b| b < s) {
                self.snapshot(t, i, s, "compacted");
            }
        }
        if last_log.is_some() || snapshot_index.is_some() {
            let first = self.servers[i].snapshot_index.map(|s| s + 1);
            self.change(t, i, Change::Log(first, last_log));
        }
    }

    fn replied(&mut self, t: u64, call: u64, reply: &str) {
        let Some(ended) = self.rpcs.ended(t, call, Ok(reply)) else {
            return;
        };
        if !rpc::is_vote_kind(ended.kind) {
            return;
        }
        let Some(granted) = crate::vocab::vote_granted(reply) else {
            return;
        };
        let (candidate, voter) = (ended.from, ended.to);
        let term = crate::vocab::term_in(ended.request);
        let arrived = ended.arrived_ms;
        if let Some(e) = self
            .elections
            .iter_mut()
            .rev()
            .find(|e| e.server == candidate && (term.is_none() || e.term == term))
        {
            e.votes.push(Vote { voter, t, granted });
        }
        if granted && let Some(at) = arrived {
            self.change(at, voter, Change::Vote(candidate, term));
        }
    }

    fn applied(&mut self, t: u64, i: usize, index: u64, snapshot: bool, text: &str) {
        if i >= self.servers.len() {
            return;
        }
        self.change(t, i, Change::Applied(index));
        if snapshot {
            self.snapshot(t, i, index, "applied");
        }
        self.mark(t, i, "apply", text);
    }

    fn snapshot(&mut self, t: u64, server: usize, index: u64, how: &str) {
        self.snapshots.push(SnapshotMark {
            server,
            t,
            index,
            how: how.to_string(),
        });
    }

    fn mark(&mut self, t: u64, server: usize, topic: &str, text: &str) {
        if server >= self.servers.len() {
            return;
        }
        if self.marks.len() >= MAX_MARKS {
            self.marks_dropped += 1;
            return;
        }
        self.marks.push(Mark {
            server,
            t,
            topic: topic.to_string(),
            text: text.to_string(),
        });
    }

    fn step_begin(&mut self, t: u64, kind: &str, server: Option<usize>, label: &str) {
        let step = Step {
            from_ms: t,
            to_ms: t,
            kind: kind.to_string(),
            server,
            label: label.to_string(),
            verdict: String::new(),
        };
        if matches!(kind, "one" | "check") {
            self.open_steps.push(self.steps.len());
        }
        self.steps.push(step);
    }

    fn step_end(&mut self, t: u64, kind: &str, label: &str, ok: bool) {
        let open = self
            .open_steps
            .iter()
            .rposition(|&k| self.steps[k].kind == kind);
        let Some(pos) = open else {
            return self.step_begin(t, kind, None, label);
        };
        let step = &mut self.steps[self.open_steps.remove(pos)];
        step.to_ms = t;
        step.label = format!("{} → {label}", step.label);
        step.verdict = if ok { "ok" } else { "failed" }.to_string();
    }

    fn failed(&mut self, t: u64, check: &str, message: &str, kind: &str) {
        self.failure.get_or_insert_with(|| FailureMark {
            t,
            check: check.to_string(),
            message: message.to_string(),
            kind: kind.to_string(),
            oracle: (kind == "oracle").then(|| oracle_name(check)),
        });
    }

    fn finish(mut self, mut header: Header, failure: Option<FailureMark>) -> Timeline {
        let end = self.end_ms;
        let failure = failure.or(self.failure.take());
        for i in 0..self.servers.len() {
            self.close_lane(end, i, false);
        }
        for k in std::mem::take(&mut self.open_steps) {
            let step = &mut self.steps[k];
            step.to_ms = failure.as_ref().map_or(end, |f| f.t.max(step.from_ms));
            step.verdict = if failure.is_some() { "failed" } else { "" }.to_string();
        }
        if self.marks_dropped > 0 {
            header.notes.push(format!(
                "{} marks beyond the first {MAX_MARKS} were left out",
                self.marks_dropped
            ));
        }
        self.lanes.sort_by_key(|l| (l.server, l.from_ms));
        self.roles.sort_by_key(|r| (r.from_ms, r.server));
        self.snapshots.sort_by_key(|s| (s.t, s.server));
        let (series, states) = self.changes.fold(self.servers.len());
        let (kinds, rpcs) = self.rpcs.finish();
        Timeline {
            header,
            steps: self.steps,
            failure,
            network: self.net.finish(end),
            lanes: self.lanes,
            roles: self.roles,
            elections: self.elections,
            series,
            snapshots: self.snapshots,
            marks: self.marks,
            kinds,
            rpcs,
            states,
        }
    }
}
