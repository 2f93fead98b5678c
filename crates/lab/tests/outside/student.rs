//! A student's Raft, written outside labraft the way a student writes one:
//! elections, replication with one-step backup, persistence, no snapshots,
//! no fast backup. Options make the variants the tests need: with or
//! without its own logging, with or without `inspect()`, and with classic
//! bugs: a leader that never backs up `next_index`, a leader that truncates
//! its own log, votes without (or with half of) the up-to-date check.

use raftapi::{
    ApplyMsg, Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Raft, Role,
    Started, Term,
};
use serde::{Deserialize, Serialize};

/// How this Raft is built.
#[derive(Clone, Copy, Debug, Default)]
pub struct Opts {
    /// Logs its elections with `tracing::info!(target: "student", ...)`.
    pub logs: bool,
    /// Gives the lab an `inspect()` view.
    pub inspect: bool,
    /// The bug: a refused AppendEntries never moves `next_index` back.
    pub never_backs_up: bool,
    /// The bug: a vote without the up-to-date check (§5.4.1).
    pub vote_ignores_log: bool,
    /// The bug: a vote's up-to-date check that compares log lengths only.
    pub vote_by_length: bool,
    /// The bug: a leader refused an AppendEntries truncates its own log to
    /// the follower's (as it guesses it).
    pub leader_truncates: bool,
    /// The bug: a leader's heartbeat never returns (it retries forever,
    /// logging its first few tries).
    pub heartbeat_loops: bool,
    /// With `heartbeat_loops`: every try is logged, for ever.
    pub loop_logs_every_try: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    term: u64,
    candidate: usize,
    last_index: usize,
    last_term: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    term: u64,
    leader: usize,
    prev_log_index: usize,
    prev_log_term: u64,
    entries: Vec<(u64, Bytes)>,
    leader_commit: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Msg {
    RequestVote(RequestVoteArgs),
    AppendEntries(AppendEntriesArgs),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Answer {
    Vote { term: u64, granted: bool },
    Append { term: u64, success: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Was {
    Follower,
    Candidate,
    Leader,
}

type Out = Effects<Msg>;

const HEARTBEAT_MS: u64 = 100;

pub struct Student {
    opts: Opts,
    me: usize,
    n: usize,
    rng: u64,
    term: u64,
    voted_for: Option<usize>,
    /// `log[0]` is a sentinel of term 0.
    log: Vec<(u64, Bytes)>,
    role: Was,
    votes: usize,
    next: Vec<usize>,
    matched: Vec<usize>,
    commit: usize,
    applied: usize,
    deadline: u64,
    heartbeat_at: u64,
    persisted: usize,
}

impl Student {
    pub fn make_with(opts: Opts, config: Config, persisted: Persisted, out: &mut Out) -> Student {
        let (term, voted_for, log) = if persisted.raft_state.is_empty() {
            (0, None, vec![(0, Bytes::new())])
        } else {
            raftapi::codec::decode(&persisted.raft_state).expect("my own state decodes")
        };
        let mut s = Student {
            opts,
            me: config.me.0,
            n: config.peers,
            rng: config.seed | 1,
            term,
            voted_for,
            log,
            role: Was::Follower,
            votes: 0,
            next: vec![1; config.peers],
            matched: vec![0; config.peers],
            commit: 0,
            applied: 0,
            deadline: 0,
            heartbeat_at: 0,
            persisted: persisted.raft_state.len(),
        };
        s.reset_deadline(config.now.0);
        s.wake(out);
        s
    }

    fn random_below(&mut self, n: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % n
    }

    fn reset_deadline(&mut self, now: u64) {
        self.deadline = now + 300 + self.random_below(300);
    }

    fn wake(&self, out: &mut Out) {
        let at = if self.role == Was::Leader {
            self.heartbeat_at
        } else {
            self.deadline
        };
        out.wake_at(Instant(at));
    }

    fn persist(&mut self, out: &mut Out) {
        let state =
            raftapi::codec::encode(&(self.term, self.voted_for, &self.log)).expect("encodes");
        self.persisted = state.len();
        out.persist(Bytes::from(state), Bytes::new());
    }

    fn last(&self) -> (usize, u64) {
        (self.log.len() - 1, self.log[self.log.len() - 1].0)
    }

    fn step_down(&mut self, term: u64) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        self.role = Was::Follower;
    }

    fn campaign(&mut self, now: u64, out: &mut Out) {
        self.term += 1;
        self.role = Was::Candidate;
        self.voted_for = Some(self.me);
        self.votes = 1;
        self.reset_deadline(now);
        if self.opts.logs {
            tracing::info!(target: "student", me = self.me as u64, now, term = self.term, "election timeout");
        }
        self.persist(out);
        let (last_index, last_term) = self.last();
        for peer in (0..self.n).filter(|&p| p != self.me) {
            let args = RequestVoteArgs {
                term: self.term,
                candidate: self.me,
                last_index,
                last_term,
            };
            out.call(NodeId(peer), Msg::RequestVote(args));
        }
    }

    fn send_append(&self, peer: usize, out: &mut Out) {
        let prev = self.next[peer] - 1;
        let args = AppendEntriesArgs {
            term: self.term,
            leader: self.me,
            prev_log_index: prev,
            prev_log_term: self.log[prev].0,
            entries: self.log[prev + 1..].to_vec(),
            leader_commit: self.commit,
        };
        out.call(NodeId(peer), Msg::AppendEntries(args));
    }

    fn broadcast(&mut self, now: u64, out: &mut Out) {
        if self.opts.heartbeat_loops {
            spin_forever(self.me, self.opts.loop_logs_every_try);
        }
        for peer in (0..self.n).filter(|&p| p != self.me) {
            self.send_append(peer, out);
        }
        self.heartbeat_at = now + HEARTBEAT_MS;
    }

    fn become_leader(&mut self, now: u64, out: &mut Out) {
        self.role = Was::Leader;
        self.next = vec![self.log.len(); self.n];
        self.matched = vec![0; self.n];
        if self.opts.logs {
            tracing::info!(target: "student", me = self.me as u64, now, term = self.term, "won the election");
        }
        self.broadcast(now, out);
    }

    fn apply(&mut self, out: &mut Out) {
        while self.applied < self.commit {
            self.applied += 1;
            let command = self.log[self.applied].1.clone();
            out.apply(ApplyMsg::Command {
                index: LogIndex(self.applied as u64),
                command,
            });
        }
    }

    fn advance_commit(&mut self, out: &mut Out) {
        for index in (self.commit + 1..self.log.len()).rev() {
            let copies = 1
                + (0..self.n)
                    .filter(|&p| p != self.me && self.matched[p] >= index)
                    .count();
            if copies * 2 > self.n && self.log[index].0 == self.term {
                self.commit = index;
                break;
            }
        }
        self.apply(out);
    }

    fn on_vote(&mut self, now: u64, a: &RequestVoteArgs, out: &mut Out) -> Answer {
        if a.term > self.term {
            self.step_down(a.term);
        }
        let (last_index, last_term) = self.last();
        let up_to_date = if self.opts.vote_ignores_log {
            true
        } else if self.opts.vote_by_length {
            a.last_index >= last_index
        } else {
            (a.last_term, a.last_index) >= (last_term, last_index)
        };
        let free = self.voted_for.is_none_or(|v| v == a.candidate);
        let granted = a.term == self.term && free && up_to_date;
        if granted {
            self.voted_for = Some(a.candidate);
            self.reset_deadline(now);
        }
        self.persist(out);
        Answer::Vote {
            term: self.term,
            granted,
        }
    }

    fn on_append(&mut self, now: u64, a: &AppendEntriesArgs, out: &mut Out) -> Answer {
        if a.term < self.term {
            return Answer::Append {
                term: self.term,
                success: false,
            };
        }
        self.step_down(a.term);
        self.reset_deadline(now);
        let matches =
            a.prev_log_index < self.log.len() && self.log[a.prev_log_index].0 == a.prev_log_term;
        if !matches {
            self.persist(out);
            return Answer::Append {
                term: self.term,
                success: false,
            };
        }
        for (k, entry) in a.entries.iter().enumerate() {
            let index = a.prev_log_index + 1 + k;
            if index < self.log.len() && self.log[index].0 != entry.0 {
                self.log.truncate(index);
            }
            if index >= self.log.len() {
                self.log.push(entry.clone());
            }
        }
        let last_new = a.prev_log_index + a.entries.len();
        if a.leader_commit > self.commit {
            self.commit = a.leader_commit.min(last_new);
        }
        self.persist(out);
        self.apply(out);
        Answer::Append {
            term: self.term,
            success: true,
        }
    }
}

impl Raft for Student {
    type Request = Msg;
    type Reply = Answer;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        Student::make_with(Opts::default(), config, persisted, out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        match self.role {
            Was::Leader if now.0 >= self.heartbeat_at => self.broadcast(now.0, out),
            Was::Follower | Was::Candidate if now.0 >= self.deadline => self.campaign(now.0, out),
            _ => {}
        }
        self.wake(out);
    }

    fn handle_request(&mut self, now: Instant, _: NodeId, request: &Msg, out: &mut Out) -> Answer {
        let answer = match request {
            Msg::RequestVote(a) => self.on_vote(now.0, a, out),
            Msg::AppendEntries(a) => self.on_append(now.0, a, out),
        };
        self.wake(out);
        answer
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Msg,
        reply: Option<Answer>,
        out: &mut Out,
    ) {
        let peer = to.0;
        match (request, reply) {
            (_, None) => {}
            (_, Some(Answer::Vote { term, .. } | Answer::Append { term, .. }))
                if term > self.term =>
            {
                self.step_down(term);
                self.persist(out);
            }
            (Msg::RequestVote(a), Some(Answer::Vote { granted: true, .. }))
                if self.role == Was::Candidate && a.term == self.term =>
            {
                self.votes += 1;
                if self.votes * 2 > self.n {
                    self.become_leader(now.0, out);
                }
            }
            (Msg::AppendEntries(a), Some(Answer::Append { success, .. }))
                if self.role == Was::Leader && a.term == self.term =>
            {
                if success {
                    self.matched[peer] = self.matched[peer].max(a.prev_log_index + a.entries.len());
                    self.next[peer] = self.matched[peer] + 1;
                    self.advance_commit(out);
                } else if self.opts.leader_truncates {
                    self.log
                        .truncate((a.prev_log_index + 1).max(self.commit + 1));
                    let len = self.log.len();
                    self.next
                        .iter_mut()
                        .for_each(|next| *next = (*next).min(len));
                    self.next[peer] = a.prev_log_index.max(1);
                    self.persist(out);
                } else if !self.opts.never_backs_up {
                    self.next[peer] = (self.next[peer] - 1).max(1);
                    self.send_append(peer, out);
                }
            }
            _ => {}
        }
        self.wake(out);
    }

    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        if self.role != Was::Leader {
            return None;
        }
        self.log.push((self.term, command));
        self.persist(out);
        self.broadcast(now.0, out);
        self.wake(out);
        Some(Started {
            index: LogIndex(self.log.len() as u64 - 1),
            term: Term(self.term),
        })
    }

    fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Out) {}

    fn state(&self) -> (Term, bool) {
        (Term(self.term), self.role == Was::Leader)
    }

    fn persist_bytes(&self) -> usize {
        self.persisted
    }

    fn inspect(&self) -> Option<Inspection> {
        if !self.opts.inspect {
            return None;
        }
        Some(Inspection {
            current_term: Term(self.term),
            voted_for: self.voted_for.map(NodeId),
            role: match self.role {
                Was::Follower => Role::Follower,
                Was::Candidate => Role::Candidate,
                Was::Leader => Role::Leader,
            },
            commit_index: LogIndex(self.commit as u64),
            last_applied: LogIndex(self.applied as u64),
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            log_terms: self.log[1..].iter().map(|(t, _)| Term(*t)).collect(),
        })
    }
}

/// `heartbeat_loops`: a retry loop whose exit condition never holds.
fn spin_forever(me: usize, log_every_try: bool) -> ! {
    let mut tries: u64 = 0;
    loop {
        tries = std::hint::black_box(tries + 1);
        if tries <= 200 || log_every_try {
            tracing::debug!(target: "student", me = me as u64, tries, "heartbeat not sent yet, retrying");
        }
    }
}
