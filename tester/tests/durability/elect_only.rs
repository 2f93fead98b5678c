//! A small Raft written outside labraft, the way a student writes 3A: leader
//! election only (RequestVote, empty AppendEntries as heartbeats), its own
//! messages and its own persisted encoding. Each [`Plant`] is one of the
//! persistence mistakes students make; `Plant::None` is a correct Raft.

use raftapi::{
    Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Raft, Role, Started,
    Term, codec,
};
use serde::{Deserialize, Serialize};

/// The persistence mistake this Raft makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plant {
    /// None: term and vote are persisted in the input that changes them.
    None,
    /// Grants votes without persisting them (the handler persists a newer
    /// term, but not the `voted_for` it sets afterwards).
    GrantWithoutPersist,
    /// Persists the new term on becoming candidate, before voting for
    /// itself: its own vote is never saved.
    CandidateVoteNotPersisted,
    /// `make` ignores what was persisted: every restart starts at term 0.
    ForgetfulMake,
    /// `make` decodes the persisted bytes as another type and panics.
    PanickyMake,
}

const HEARTBEAT_MS: u64 = 100;
const ELECTION_MS_MIN: u64 = 300;
const ELECTION_MS_SPREAD: u64 = 300;

#[derive(Debug, Serialize)]
pub enum Request {
    Vote { term: u64, candidate: usize },
    Heartbeat { term: u64, leader: usize },
}

#[derive(Debug, Serialize)]
pub enum Reply {
    Vote { term: u64, granted: bool },
    Heartbeat { term: u64 },
}

/// What this Raft persists.
#[derive(Serialize, Deserialize)]
struct Saved {
    term: u64,
    voted_for: Option<usize>,
}

/// What [`Plant::PanickyMake`] expects to read: one field more.
#[derive(Deserialize)]
struct Misread {
    _term: u64,
    _voted_for: Option<usize>,
    _log: Vec<u64>,
}

type Out = Effects<Request>;

pub struct ElectOnly {
    plant: Plant,
    me: usize,
    peers: usize,
    rng: u64,
    term: u64,
    voted_for: Option<usize>,
    role: Role,
    votes: usize,
    deadline: Instant,
    persisted_len: usize,
}

impl ElectOnly {
    pub fn make(plant: Plant, config: Config, persisted: Persisted, out: &mut Out) -> Self {
        let saved = match plant {
            _ if persisted.raft_state.is_empty() => Saved {
                term: 0,
                voted_for: None,
            },
            Plant::ForgetfulMake => Saved {
                term: 0,
                voted_for: None,
            },
            Plant::PanickyMake => {
                let _: Misread = codec::decode(&persisted.raft_state).expect("a corrupt state");
                unreachable!("the state never decodes as a Misread")
            }
            _ => codec::decode(&persisted.raft_state).expect("a state this Raft wrote"),
        };
        let mut raft = ElectOnly {
            plant,
            me: config.me.0,
            peers: config.peers,
            rng: config.seed | 1,
            term: saved.term,
            voted_for: saved.voted_for,
            role: Role::Follower,
            votes: 0,
            deadline: config.now,
            persisted_len: persisted.raft_state.len(),
        };
        raft.reset_timer(config.now);
        out.wake_at(raft.deadline);
        raft
    }

    /// xorshift: the incarnation's own stream, from its seed.
    fn draw(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn reset_timer(&mut self, now: Instant) {
        let wait = ELECTION_MS_MIN + self.draw() % ELECTION_MS_SPREAD;
        self.deadline = now.plus_ms(wait);
    }

    fn persist(&mut self, out: &mut Out) {
        let saved = Saved {
            term: self.term,
            voted_for: self.voted_for,
        };
        let bytes = codec::encode(&saved).expect("encodes");
        self.persisted_len = bytes.len();
        out.persist(Bytes::from(bytes), Bytes::new());
    }

    /// A newer term: follow, forget the vote, persist.
    fn adopt(&mut self, now: Instant, term: u64, out: &mut Out) {
        if term > self.term {
            if self.role == Role::Leader {
                self.reset_timer(now);
            }
            self.term = term;
            self.voted_for = None;
            self.role = Role::Follower;
            self.persist(out);
        }
    }

    fn campaign(&mut self, now: Instant, out: &mut Out) {
        self.term += 1;
        self.role = Role::Candidate;
        if self.plant == Plant::CandidateVoteNotPersisted {
            self.voted_for = None;
            self.persist(out);
            self.voted_for = Some(self.me);
        } else {
            self.voted_for = Some(self.me);
            self.persist(out);
        }
        self.votes = 1;
        self.reset_timer(now);
        for peer in (0..self.peers).filter(|&p| p != self.me) {
            let (term, candidate) = (self.term, self.me);
            out.call(NodeId(peer), Request::Vote { term, candidate });
        }
        self.maybe_win(now, out);
    }

    fn maybe_win(&mut self, now: Instant, out: &mut Out) {
        if self.role == Role::Candidate && 2 * self.votes > self.peers {
            self.role = Role::Leader;
            self.heartbeat(now, out);
        }
    }

    fn heartbeat(&mut self, now: Instant, out: &mut Out) {
        for peer in (0..self.peers).filter(|&p| p != self.me) {
            let (term, leader) = (self.term, self.me);
            out.call(NodeId(peer), Request::Heartbeat { term, leader });
        }
        self.deadline = now.plus_ms(HEARTBEAT_MS);
    }

    fn vote(&mut self, now: Instant, term: u64, candidate: usize, out: &mut Out) -> bool {
        let free = self.voted_for.is_none_or(|v| v == candidate);
        if term < self.term || !free {
            return false;
        }
        self.voted_for = Some(candidate);
        if self.plant != Plant::GrantWithoutPersist {
            self.persist(out);
        }
        self.reset_timer(now);
        true
    }
}

impl Raft for ElectOnly {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Self {
        ElectOnly::make(Plant::None, config, persisted, out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        if now >= self.deadline {
            match self.role {
                Role::Leader => self.heartbeat(now, out),
                _ => self.campaign(now, out),
            }
        }
        out.wake_at(self.deadline);
    }

    fn handle_request(
        &mut self,
        now: Instant,
        _: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        let reply = match *request {
            Request::Vote { term, candidate } => {
                self.adopt(now, term, out);
                let granted = self.vote(now, term, candidate, out);
                Reply::Vote {
                    term: self.term,
                    granted,
                }
            }
            Request::Heartbeat { term, .. } => {
                self.adopt(now, term, out);
                if term == self.term && self.role != Role::Leader {
                    self.role = Role::Follower;
                    self.reset_timer(now);
                }
                Reply::Heartbeat { term: self.term }
            }
        };
        out.wake_at(self.deadline);
        reply
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        _: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        match (request, reply) {
            (_, Some(Reply::Heartbeat { term })) => self.adopt(now, term, out),
            (Request::Vote { term: asked, .. }, Some(Reply::Vote { term, granted })) => {
                self.adopt(now, term, out);
                if granted && asked == self.term {
                    self.votes += 1;
                    self.maybe_win(now, out);
                }
            }
            _ => {}
        }
        out.wake_at(self.deadline);
    }

    fn start(&mut self, _: Instant, _: Bytes, _: &mut Out) -> Option<Started> {
        None
    }

    fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Out) {}

    fn state(&self) -> (Term, bool) {
        (Term(self.term), self.role == Role::Leader)
    }

    fn persist_bytes(&self) -> usize {
        self.persisted_len
    }

    fn inspect(&self) -> Option<Inspection> {
        Some(Inspection {
            current_term: Term(self.term),
            voted_for: self.voted_for.map(NodeId),
            role: self.role,
            commit_index: LogIndex(0),
            last_applied: LogIndex(0),
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            log_terms: Vec::new(),
        })
    }
}

/// The factory of an [`ElectOnly`] with `plant`.
pub fn factory(plant: Plant) -> tester::Factory<ElectOnly> {
    Box::new(move |config, persisted, out| ElectOnly::make(plant, config, persisted, out))
}
