//! Unit tests: each drives one input into one server and asserts the exact
//! effects, one rule of the paper per test (in the manner of etcd's
//! `raft_paper_test.go`). The helpers here build a server in a known state
//! through the public inputs only.

mod append;
mod bugs;
mod bugs_reported;
mod election;
mod leader;
mod persist;
mod snapshot;

use crate::bugs::Bugs;
use crate::messages::{
    AppendEntriesArgs, AppendEntriesReply, Entry, Reply, Request, RequestVoteArgs, RequestVoteReply,
};
use crate::raft::{Out, Raft};
use crate::tuning::Tuning;
use raftapi::{
    Bytes, Config, Effects, Inspection, Instant, LogIndex, NodeId, Persisted, Raft as _, Role,
    Started, Term,
};

/// One server under test, the effects of its latest input, and its wake-up.
pub(crate) struct Node {
    pub(crate) raft: Raft,
    pub(crate) out: Out,
    pub(crate) now: Instant,
    pub(crate) wake: Instant,
}

impl Node {
    /// A fresh server `me` of `peers`, its make effects left in `out`.
    pub(crate) fn new(me: usize, peers: usize) -> Node {
        Node::restart(me, peers, Persisted::default(), Instant(0))
    }

    /// Server `me` made from `persisted` at `now`.
    pub(crate) fn restart(me: usize, peers: usize, persisted: Persisted, now: Instant) -> Node {
        let config = Config {
            me: NodeId(me),
            peers,
            seed: 42 + me as u64,
            now,
        };
        let mut out = Effects::new();
        let raft = Raft::make(config, persisted, &mut out);
        let wake = out.wake().expect("make schedules the election timer");
        Node {
            raft,
            out,
            now,
            wake,
        }
    }

    /// Server `me` made from `persisted` at `now` with injected `bugs`.
    pub(crate) fn restart_with_bugs(
        me: usize,
        peers: usize,
        persisted: Persisted,
        now: Instant,
        bugs: Bugs,
    ) -> Node {
        let config = Config {
            me: NodeId(me),
            peers,
            seed: 42 + me as u64,
            now,
        };
        let mut out = Effects::new();
        let raft = Raft::make_with_bugs(config, persisted, Tuning::default(), bugs, &mut out);
        let wake = out.wake().expect("make schedules the election timer");
        Node {
            raft,
            out,
            now,
            wake,
        }
    }

    /// Server 0 of `peers`, elected leader of term 1 with an empty log.
    pub(crate) fn leader(peers: usize) -> Node {
        let mut node = Node::new(0, peers);
        node.elect();
        node
    }

    /// Lets the election timer fire and grants votes until it wins the next term.
    pub(crate) fn elect(&mut self) {
        self.tick();
        let votes: Vec<_> = self.out.calls().to_vec();
        // Stop at the deciding vote, so `out` holds the first heartbeats.
        for (peer, request) in votes {
            if self.view().role == Role::Leader {
                break;
            }
            let term = request.term();
            self.reply(peer, request, Some(vote(term, true)));
        }
        assert_eq!(self.view().role, Role::Leader);
    }

    fn begin(&mut self) {
        self.out.clear();
    }

    fn end(&mut self) {
        if let Some(wake) = self.out.wake() {
            self.wake = wake;
        }
    }

    /// Moves the clock forward by `ms` without an input.
    pub(crate) fn advance(&mut self, ms: u64) {
        self.now = self.now.plus_ms(ms);
    }

    /// The wake-up fires: time jumps to it and the server is ticked.
    pub(crate) fn tick(&mut self) {
        self.now = self.now.max(self.wake);
        self.begin();
        self.raft.tick(self.now, &mut self.out);
        self.end();
    }

    pub(crate) fn request(&mut self, from: usize, request: Request) -> Reply {
        self.begin();
        let reply = self
            .raft
            .handle_request(self.now, NodeId(from), &request, &mut self.out);
        self.end();
        reply
    }

    pub(crate) fn reply(&mut self, to: NodeId, request: Request, reply: Option<Reply>) {
        self.begin();
        self.raft
            .handle_reply(self.now, to, request, reply, &mut self.out);
        self.end();
    }

    pub(crate) fn start(&mut self, command: &str) -> Option<Started> {
        self.begin();
        let started = self.raft.start(self.now, cmd(command), &mut self.out);
        self.end();
        started
    }

    pub(crate) fn snapshot(&mut self, index: u64, data: &str) {
        self.begin();
        self.raft
            .snapshot(self.now, LogIndex(index), cmd(data), &mut self.out);
        self.end();
    }

    pub(crate) fn view(&self) -> Inspection {
        self.raft
            .inspect()
            .expect("labraft always allows inspection")
    }

    /// The AppendEntries calls of the latest input, as (peer, args).
    pub(crate) fn appends(&self) -> Vec<(usize, AppendEntriesArgs)> {
        self.out
            .calls()
            .iter()
            .map(|(peer, request)| match request {
                Request::AppendEntries(args) => (peer.0, args.clone()),
                other => panic!("expected AppendEntries, got {other:?}"),
            })
            .collect()
    }

    /// What the latest input persisted, decoded.
    pub(crate) fn persisted_state(&self) -> crate::durable::PersistentState {
        let persist = self.out.persisted().expect("the input persisted");
        crate::durable::decode_state(&persist.raft_state)
    }

    /// What the latest input persisted, as `make` would receive it.
    pub(crate) fn persisted(&self) -> Persisted {
        let persist = self.out.persisted().expect("the input persisted");
        Persisted {
            raft_state: persist.raft_state.clone(),
            snapshot: persist.snapshot.clone(),
        }
    }
}

pub(crate) fn cmd(text: &str) -> Bytes {
    Bytes::from(text.as_bytes())
}

pub(crate) fn entry(term: u64, text: &str) -> Entry {
    Entry {
        term: Term(term),
        command: cmd(text),
    }
}

/// Entries with these terms and commands "c1", "c2", ... by index from `first`.
pub(crate) fn entries(first: u64, terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(k, &t)| entry(t, &format!("c{}", first + k as u64)))
        .collect()
}

pub(crate) fn append(
    term: u64,
    leader: usize,
    prev: (u64, u64),
    entries: Vec<Entry>,
    leader_commit: u64,
) -> Request {
    Request::AppendEntries(AppendEntriesArgs {
        term: Term(term),
        leader_id: NodeId(leader),
        prev_log_index: LogIndex(prev.0),
        prev_log_term: Term(prev.1),
        entries,
        leader_commit: LogIndex(leader_commit),
    })
}

pub(crate) fn request_vote(
    term: u64,
    candidate: usize,
    last_index: u64,
    last_term: u64,
) -> Request {
    Request::RequestVote(RequestVoteArgs {
        term: Term(term),
        candidate_id: NodeId(candidate),
        last_log_index: LogIndex(last_index),
        last_log_term: Term(last_term),
    })
}

pub(crate) fn vote(term: Term, granted: bool) -> Reply {
    Reply::RequestVote(RequestVoteReply {
        term,
        vote_granted: granted,
    })
}

pub(crate) fn append_ok(term: u64) -> Reply {
    Reply::AppendEntries(AppendEntriesReply {
        term: Term(term),
        success: true,
        conflict_term: None,
        conflict_index: LogIndex(0),
    })
}

pub(crate) fn append_reply(reply: Reply) -> AppendEntriesReply {
    match reply {
        Reply::AppendEntries(r) => r,
        other => panic!("expected an AppendEntries reply, got {other:?}"),
    }
}

pub(crate) fn vote_reply(reply: Reply) -> RequestVoteReply {
    match reply {
        Reply::RequestVote(r) => r,
        other => panic!("expected a RequestVote reply, got {other:?}"),
    }
}

/// A follower (server 1 of 3) holding entries with these terms from index 1,
/// none committed, in the current term `term` led by server 0.
pub(crate) fn follower_with_log(term: u64, terms: &[u64]) -> Node {
    let mut node = Node::new(1, 3);
    let reply = node.request(0, append(term, 0, (0, 0), entries(1, terms), 0));
    assert!(append_reply(reply).success);
    node
}

/// Server 0 of 3 holding `terms` from index 1 (learned as a follower), then
/// elected leader of `elected_term` with only its own vote and one more.
pub(crate) fn leader_with_log(terms: &[u64], elected_term: u64) -> Node {
    let mut node = Node::new(0, 3);
    let learned = *terms.iter().max().unwrap_or(&0);
    let reply = node.request(1, append(learned, 1, (0, 0), entries(1, terms), 0));
    assert!(append_reply(reply).success);
    while node.view().current_term.0 + 1 < elected_term {
        node.tick(); // lost elections raise the term
    }
    node.elect();
    assert_eq!(node.view().current_term, Term(elected_term));
    node
}

pub(crate) fn reject(term: u64, conflict_term: Option<u64>, conflict_index: u64) -> Reply {
    Reply::AppendEntries(AppendEntriesReply {
        term: Term(term),
        success: false,
        conflict_term: conflict_term.map(Term),
        conflict_index: LogIndex(conflict_index),
    })
}
