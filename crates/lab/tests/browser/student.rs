//! A student's election-only Raft (lab 3A), written here, outside labraft:
//! randomized election timeouts, RequestVote, empty heartbeats. It keeps
//! the classic bug of a leader that never steps down when a reply or a
//! heartbeat shows a higher term, and it offers no `inspect()`: the lab sees
//! only the wire, `state()` and the tester's own markers.

use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Raft, Started, Term};
use serde::Serialize;

/// What one server sends.
#[derive(Clone, Debug, Serialize)]
pub enum Request {
    /// Asks for a vote.
    RequestVote { term: u64, candidate: usize },
    /// A heartbeat.
    AppendEntries { term: u64, leader: usize },
}

/// What it answers.
#[derive(Clone, Debug, Serialize)]
pub enum Reply {
    /// A vote, granted or not.
    Vote { term: u64, granted: bool },
    /// A heartbeat's answer.
    Ack { term: u64 },
}

type Out = Effects<Request>;

/// One server.
pub struct Student {
    me: usize,
    peers: usize,
    term: u64,
    voted_for: Option<usize>,
    leader: bool,
    votes: usize,
    deadline: u64,
    rng: u64,
}

impl Student {
    fn random_ms(&mut self, lo: u64, spread: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        lo + self.rng % spread
    }

    fn reset_timer(&mut self, now: Instant, out: &mut Out) {
        self.deadline = now.0 + self.random_ms(300, 300);
        out.wake_at(Instant(self.deadline));
    }

    fn heartbeat(&mut self, now: Instant, out: &mut Out) {
        for p in (0..self.peers).filter(|&p| p != self.me) {
            out.call(
                NodeId(p),
                Request::AppendEntries {
                    term: self.term,
                    leader: self.me,
                },
            );
        }
        out.wake_at(Instant(now.0 + 100));
    }

    fn campaign(&mut self, now: Instant, out: &mut Out) {
        self.term += 1;
        self.voted_for = Some(self.me);
        self.votes = 1;
        for p in (0..self.peers).filter(|&p| p != self.me) {
            out.call(
                NodeId(p),
                Request::RequestVote {
                    term: self.term,
                    candidate: self.me,
                },
            );
        }
        self.reset_timer(now, out);
    }

    /// A newer term seen: follow it. The bug: a leader ignores it.
    fn maybe_follow(&mut self, term: u64) {
        if term > self.term && !self.leader {
            self.term = term;
            self.voted_for = None;
        }
    }
}

impl Raft for Student {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, _persisted: Persisted, out: &mut Out) -> Self {
        let mut s = Student {
            me: config.me.0,
            peers: config.peers,
            term: 0,
            voted_for: None,
            leader: false,
            votes: 0,
            deadline: 0,
            rng: config.seed | 1,
        };
        s.reset_timer(config.now, out);
        s
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        if self.leader {
            self.heartbeat(now, out);
        } else if now.0 >= self.deadline {
            self.campaign(now, out);
        } else {
            out.wake_at(Instant(self.deadline));
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        _from: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        match *request {
            Request::RequestVote { term, candidate } => {
                self.maybe_follow(term);
                let granted = term == self.term
                    && self.voted_for.is_none_or(|v| v == candidate)
                    && !self.leader;
                if granted {
                    self.voted_for = Some(candidate);
                    self.reset_timer(now, out);
                }
                Reply::Vote {
                    term: self.term,
                    granted,
                }
            }
            Request::AppendEntries { term, .. } => {
                self.maybe_follow(term);
                if term == self.term && !self.leader {
                    self.reset_timer(now, out);
                }
                Reply::Ack { term: self.term }
            }
        }
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        _to: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        match (request, reply) {
            (
                Request::RequestVote { term, .. },
                Some(Reply::Vote {
                    term: theirs,
                    granted,
                }),
            ) => {
                self.maybe_follow(theirs);
                if granted && term == self.term && !self.leader {
                    self.votes += 1;
                    if self.votes * 2 > self.peers {
                        self.leader = true;
                        self.heartbeat(now, out);
                    }
                }
            }
            (_, Some(Reply::Ack { term })) => self.maybe_follow(term),
            _ => {}
        }
    }

    fn start(&mut self, _now: Instant, _command: Bytes, _out: &mut Out) -> Option<Started> {
        None
    }

    fn snapshot(&mut self, _now: Instant, _index: LogIndex, _snapshot: Bytes, _out: &mut Out) {}

    fn state(&self) -> (Term, bool) {
        (Term(self.term), self.leader)
    }

    fn persist_bytes(&self) -> usize {
        0
    }
}
