//! The server value, its construction and restart, the input dispatcher, and
//! the bookkeeping every input ends with (persist, wake-up, invariants).

use crate::bugs::{Bug, Bugs};
use crate::durable::{decode_state, encode_state};
use crate::log::Log;
use crate::messages::{Reply, Request};
use crate::role::Role;
use crate::tuning::Tuning;
use raftapi::{
    Bytes, Config, Effects, Inspection, InspectionHeader, Instant, LogIndex, NodeId, Persisted,
    Started, Term,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// The effects buffer this Raft records into.
pub(crate) type Out = Effects<Request>;

/// The reference Raft server: Figure 2's state, one role, and nothing that
/// touches the world. See the [crate docs](crate) for the flow of an input.
#[derive(Debug)]
pub struct Raft {
    pub(crate) me: NodeId,
    pub(crate) peers: usize,
    pub(crate) tuning: Tuning,
    /// The injected bugs (none by default; see [`crate::bugs`]).
    pub(crate) bugs: Bugs,
    /// This incarnation's private random stream (election timeouts only).
    rng: ChaCha8Rng,
    /// The time of the input being handled.
    pub(crate) now: Instant,

    // Figure 2, persistent (with §7's snapshot base inside `log`).
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: Log,
    /// The service's latest snapshot, covering the log up to `log.snapshot_index()`.
    pub(crate) snapshot: Bytes,

    // Figure 2, volatile.
    pub(crate) commit_index: LogIndex,
    pub(crate) last_applied: LogIndex,
    pub(crate) role: Role,

    /// Persistent state changed during this input and must be saved before
    /// anything this input produced becomes visible.
    pub(crate) dirty: bool,
    /// Length of the raft state last persisted (or restored from).
    persisted_len: usize,
    /// The wake-up the driver holds for us, to avoid re-recording it.
    scheduled_wake: Option<Instant>,
    /// The `match_index` of this incarnation's last leadership, kept only for
    /// [`Bug::StaleMatchIndex`] (empty otherwise).
    pub(crate) stale_match_index: Vec<LogIndex>,
}

impl Raft {
    /// Makes a server with explicit [`Tuning`], restoring from `persisted`.
    /// Records the first wake-up (the election timeout).
    pub fn make_with(config: Config, persisted: Persisted, tuning: Tuning, out: &mut Out) -> Raft {
        Raft::make_with_bugs(config, persisted, tuning, Bugs::default(), out)
    }

    /// Makes a server with explicit [`Tuning`] and injected [`Bugs`] (see
    /// [`crate::bugs`]). With [`Bugs::default`] it is exactly
    /// [`make_with`](Raft::make_with).
    pub fn make_with_bugs(
        config: Config,
        persisted: Persisted,
        tuning: Tuning,
        bugs: Bugs,
        out: &mut Out,
    ) -> Raft {
        tuning.assert_valid();
        assert!(config.peers > 0, "a cluster needs at least one server");
        assert!(config.me.0 < config.peers, "me is not among the peers");
        let state = decode_state(&persisted.raft_state);
        let log = Log::restored(
            state.snapshot_index,
            state.snapshot_term,
            state.log,
            &persisted.raft_state,
        );
        // The tester ingests the persisted snapshot itself on restart, so
        // everything it covers counts as applied and is not re-sent (§5 of the spec).
        let base = log.snapshot_index();
        let mut raft = Raft {
            me: config.me,
            peers: config.peers,
            tuning,
            bugs,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            now: config.now,
            current_term: state.current_term,
            voted_for: state.voted_for,
            log,
            snapshot: persisted.snapshot,
            commit_index: base,
            last_applied: base,
            role: Role::Follower {
                election_deadline: config.now,
                leader_id: None,
            },
            dirty: false,
            persisted_len: persisted.raft_state.len(),
            scheduled_wake: None,
            stale_match_index: Vec::new(),
        };
        let deadline = raft.random_election_deadline();
        raft.role = Role::Follower {
            election_deadline: deadline,
            leader_id: None,
        };
        trace!(
            raft,
            "persist",
            "restored {} at {} with log up to {}",
            raft.current_term,
            base,
            raft.log.last_index()
        );
        raft.finish_input(out);
        raft
    }

    /// A fresh election deadline, uniform in the tuned range (§5.2).
    pub(crate) fn random_election_deadline(&mut self) -> Instant {
        let min = self.tuning.election_timeout_ms_min;
        // Bug::FixedElectionTimeout models a timeout that is not randomized
        // (a constant, here the minimum), breaking §5.2's randomized timeouts:
        // servers made together time out together and split the vote forever.
        if self.bugs.has(Bug::FixedElectionTimeout) {
            return self.now.plus_ms(min);
        }
        let spread = self.tuning.election_timeout_ms_max - min + 1;
        self.now.plus_ms(min + self.rng.next_u64() % spread)
    }

    /// Every input starts here: time only moves forward.
    fn begin_input(&mut self, now: Instant) {
        assert!(now >= self.now, "time went backwards");
        self.now = now;
    }

    /// Every input ends here: persist if anything durable changed (recorded in
    /// the same Effects as the replies and calls that depend on it), ask for
    /// the next wake-up, and check the invariants.
    fn finish_input(&mut self, out: &mut Out) {
        if self.dirty {
            let raft_state = self.encode_persistent_state();
            trace!(
                self,
                "persist",
                "persisted {} bytes in {} (log up to {})",
                raft_state.len(),
                self.current_term,
                self.log.last_index()
            );
            self.persisted_len = raft_state.len();
            // Bug::SnapshotNotPersisted models `persister.Save(state, nil)`:
            // the snapshot is not saved with the state (§7), and a restart (or
            // the tester's restart ingest) finds none.
            let snapshot = if self.bugs.has(Bug::SnapshotNotPersisted) {
                Bytes::new()
            } else {
                self.snapshot.clone()
            };
            out.persist(raft_state, snapshot);
            self.dirty = false;
        }
        let wake = self.role.next_deadline();
        if self.scheduled_wake != Some(wake) {
            out.wake_at(wake);
            self.scheduled_wake = Some(wake);
        }
        self.assert_invariants();
    }

    /// Figure 2's persistent state, encoded. The persistence bugs model a
    /// `persist()` that forgets one field: it is saved as its initial value,
    /// so a restart loses it (Figure 2 "persistent state on all servers").
    fn encode_persistent_state(&self) -> Bytes {
        // Bug::TermNotPersisted: current_term saved as 0.
        let term = if self.bugs.has(Bug::TermNotPersisted) {
            Term(0)
        } else {
            self.current_term
        };
        // Bug::VotedForNotPersisted: voted_for saved as nobody.
        let voted_for = if self.bugs.has(Bug::VotedForNotPersisted) {
            None
        } else {
            self.voted_for
        };
        // Bug::LogNotPersisted: the entries are not saved (the snapshot base,
        // saved with the snapshot, is kept).
        if self.bugs.has(Bug::LogNotPersisted) {
            let empty = Log::new(
                self.log.snapshot_index(),
                self.log.snapshot_term(),
                Vec::new(),
            );
            return encode_state(term, voted_for, &empty);
        }
        encode_state(term, voted_for, &self.log)
    }

    /// Figure 2 and §7's invariants, one fact per assert.
    fn assert_invariants(&self) {
        let last = self.log.last_index();
        // Bug::ApplyPastCommit breaks this one by definition: the tester, not
        // this assert, must catch it.
        if !self.bugs.has(Bug::ApplyPastCommit) {
            assert!(
                self.last_applied <= self.commit_index,
                "applied past commit"
            );
        }
        // A committed entry overwritten by a buggy leader (or truncated by a
        // buggy follower) can leave the log shorter than the commit index; see
        // the bugs module on relaxed asserts.
        if self.bugs.is_empty() {
            assert!(self.commit_index <= last, "committed past the log");
        }
        assert!(
            self.log.snapshot_index() <= self.commit_index,
            "snapshot past commit"
        );
        assert!(
            self.log.snapshot_index() <= self.last_applied,
            "snapshot past applied"
        );
        // Bug::TermNotPersisted restarts a server at term 0 beside a log of
        // later terms, which it then replicates to others.
        if !self.bugs.has(Bug::TermNotPersisted) {
            assert!(
                self.log.last_term() <= self.current_term,
                "log term from the future"
            );
        }
        match &self.role {
            Role::Follower { .. } => {}
            Role::Candidate { votes_granted, .. } => {
                assert_eq!(self.voted_for, Some(self.me), "candidate voted for another");
                assert!(votes_granted.contains(&self.me), "candidate lacks own vote");
            }
            Role::Leader(leader) => {
                assert_eq!(self.voted_for, Some(self.me), "leader voted for another");
                assert_eq!(
                    leader.match_index[self.me.0], last,
                    "leader's own match is stale"
                );
                for (next, matched) in leader.next_index.iter().zip(&leader.match_index) {
                    assert!(matched < next, "match index not below next index");
                    assert!(*next <= last.next(), "next index beyond the log");
                }
            }
        }
    }

    /// Adopts a newer term seen in any message (§5.1): step down to follower.
    /// Returns whether the term was newer.
    pub(crate) fn maybe_adopt_term(&mut self, term: Term) -> bool {
        if term <= self.current_term {
            return false;
        }
        trace!(
            self,
            "term", "saw {} > {}: stepping down", term, self.current_term
        );
        self.become_follower(term, None);
        true
    }

    /// Whether a reply to `request`, of an earlier term, is read anyway.
    /// Bug::CountStaleVotes models a candidate that counts votes without
    /// checking which term's RequestVote they answer (§5.2: votes are for the
    /// current term). Bug::AcceptStaleAppendReply models a leader that does
    /// the same with AppendEntries replies, so a success for an old term's
    /// request updates match_index and commit (§5.1: the reply is stale).
    fn accepts_stale_reply(&self, request: &Request) -> bool {
        match request {
            Request::RequestVote(_) => self.bugs.has(Bug::CountStaleVotes),
            Request::AppendEntries(_) => self.bugs.has(Bug::AcceptStaleAppendReply),
            Request::InstallSnapshot(_) => false,
        }
    }

    /// The server ids other than this one, in order.
    pub(crate) fn others(&self) -> impl Iterator<Item = NodeId> + use<> {
        let me = self.me;
        (0..self.peers).map(NodeId).filter(move |&p| p != me)
    }
}

impl raftapi::Raft for Raft {
    type Request = Request;
    type Reply = Reply;

    fn make(config: Config, persisted: Persisted, out: &mut Out) -> Raft {
        Raft::make_with(config, persisted, Tuning::default(), out)
    }

    fn tick(&mut self, now: Instant, out: &mut Out) {
        self.begin_input(now);
        // The driver's pending wake-up was this one.
        self.scheduled_wake = None;
        if self.now >= self.role.next_deadline() {
            match self.role {
                Role::Leader(_) => self.on_leader_timer(out),
                _ => {
                    trace!(self, "timer", "election timeout in {}", self.current_term);
                    self.become_candidate(out);
                }
            }
        }
        self.finish_input(out);
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: NodeId,
        request: &Request,
        out: &mut Out,
    ) -> Reply {
        self.begin_input(now);
        self.maybe_adopt_term(request.term());
        let reply = match request {
            Request::RequestVote(args) => Reply::RequestVote(self.handle_request_vote(args)),
            Request::AppendEntries(args) => {
                Reply::AppendEntries(self.handle_append_entries(from, args, out))
            }
            Request::InstallSnapshot(args) => {
                Reply::InstallSnapshot(self.handle_install_snapshot(from, args, out))
            }
        };
        // Bug::VoteGrantNotPersisted models a RequestVote handler without
        // `persist()`: its vote and term are saved by some later input.
        if self.bugs.has(Bug::VoteGrantNotPersisted) && matches!(request, Request::RequestVote(_)) {
            self.dirty = false;
        }
        self.finish_input(out);
        reply
    }

    fn handle_reply(
        &mut self,
        now: Instant,
        to: NodeId,
        request: Request,
        reply: Option<Reply>,
        out: &mut Out,
    ) {
        self.begin_input(now);
        // Bug::LeaderIgnoresHigherTerm models a leader that reads the reply
        // without first comparing terms, breaking §5.1 ("if RPC reply contains
        // term T > currentTerm: set currentTerm = T, convert to follower").
        let ignores_term =
            self.bugs.has(Bug::LeaderIgnoresHigherTerm) && matches!(self.role, Role::Leader(_));
        let adopted = !ignores_term
            && reply
                .as_ref()
                .is_some_and(|r| self.maybe_adopt_term(r.term()));
        // A reply to a request from an earlier term (or a role since lost) is
        // stale: the leadership or candidacy it served is over.
        if !adopted && (request.term() == self.current_term || self.accepts_stale_reply(&request)) {
            match (request, reply) {
                (Request::RequestVote(_), Some(Reply::RequestVote(r))) => {
                    self.handle_request_vote_reply(to, &r, out);
                }
                (Request::AppendEntries(args), r) => {
                    let r = r.map(|r| match r {
                        Reply::AppendEntries(r) => r,
                        other => panic!("AppendEntries answered with {other:?}"),
                    });
                    self.handle_append_entries_reply(to, &args, r.as_ref(), out);
                }
                (Request::InstallSnapshot(args), r) => {
                    self.handle_install_snapshot_reply(to, &args, r.is_some(), out);
                }
                (Request::RequestVote(_), None) => {}
                (request, Some(r)) => panic!("{request:?} answered with {r:?}"),
            }
        }
        self.finish_input(out);
    }

    fn start(&mut self, now: Instant, command: Bytes, out: &mut Out) -> Option<Started> {
        self.begin_input(now);
        let started = self.maybe_append_command(command, out);
        self.finish_input(out);
        started
    }

    fn snapshot(&mut self, now: Instant, index: LogIndex, snapshot: Bytes, out: &mut Out) {
        self.begin_input(now);
        self.maybe_compact(index, snapshot);
        self.finish_input(out);
    }

    fn state(&self) -> (Term, bool) {
        (self.current_term, matches!(self.role, Role::Leader(_)))
    }

    fn persist_bytes(&self) -> usize {
        self.persisted_len
    }

    fn inspect(&self) -> Option<Inspection> {
        Some(Inspection {
            current_term: self.current_term,
            voted_for: self.voted_for,
            role: self.role.kind(),
            commit_index: self.commit_index,
            last_applied: self.last_applied,
            snapshot_index: self.log.snapshot_index(),
            snapshot_term: self.log.snapshot_term(),
            log_terms: self.log.terms(),
        })
    }

    fn inspect_header(&self) -> Option<InspectionHeader> {
        Some(InspectionHeader {
            current_term: self.current_term,
            voted_for: self.voted_for,
            role: self.role.kind(),
            commit_index: self.commit_index,
            last_applied: self.last_applied,
            snapshot_index: self.log.snapshot_index(),
            snapshot_term: self.log.snapshot_term(),
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            log_version: self.log.version(),
        })
    }

    fn inspect_log_terms(&self, from: LogIndex, terms: &mut Vec<Term>) {
        let entries = self.log.entries_from(from, usize::MAX);
        terms.extend(entries.iter().map(|e| e.term));
    }
}
