//! Leader election (§5.2, §5.4.1): the role transitions, RequestVote on both
//! sides, and the election timer.

use crate::bugs::Bug;
use crate::messages::{Request, RequestVoteArgs, RequestVoteReply};
use crate::raft::{Out, Raft};
use crate::role::{Leadership, Role, is_majority};
use raftapi::{LogIndex, NodeId, Term};
use std::collections::BTreeSet;

impl Raft {
    /// Becomes a follower in `term` (any role may; a leader only for a newer
    /// term, since a term has at most one leader and it never abdicates).
    /// A newer term clears the vote.
    ///
    /// The election timer restarts only when a leader speaks (`leader_id` is
    /// set) or a leader steps down. A newer term alone leaves a follower's or
    /// candidate's deadline as it was: otherwise candidates with stale logs,
    /// which cannot win, would keep pushing back the timer of the one server
    /// that can, and no leader would ever be elected.
    pub(crate) fn become_follower(&mut self, term: Term, leader_id: Option<NodeId>) {
        assert!(term >= self.current_term, "following an older term");
        let is_leader = matches!(self.role, Role::Leader(_));
        assert!(
            !(is_leader && term == self.current_term),
            "a leader abdicating its own term"
        );
        // Bug::VoteResetInSameTerm models `if args.Term >= rf.currentTerm {
        // rf.votedFor = -1 }`: hearing from this term's leader clears the
        // vote too, so a late candidate of the same term gets a second one.
        if term > self.current_term || self.bugs.has(Bug::VoteResetInSameTerm) {
            self.current_term = term;
            self.voted_for = None;
            self.dirty = true;
        }
        if self.bugs.has(Bug::StaleMatchIndex)
            && let Role::Leader(leader) = &self.role
        {
            self.stale_match_index = leader.match_index.clone();
        }
        let election_deadline = match (&self.role, leader_id) {
            (
                Role::Follower {
                    election_deadline, ..
                }
                | Role::Candidate {
                    election_deadline, ..
                },
                None,
            ) => *election_deadline,
            _ => self.random_election_deadline(),
        };
        self.role = Role::Follower {
            election_deadline,
            leader_id,
        };
    }

    /// The election timer fired (§5.2): start a new term, vote for ourself and
    /// ask everyone else. Legal from follower or candidate (a split vote).
    pub(crate) fn become_candidate(&mut self, out: &mut Out) {
        assert!(
            !matches!(self.role, Role::Leader(_)),
            "a leader campaigning"
        );
        self.current_term = self.current_term.next();
        self.voted_for = Some(self.me);
        self.dirty = true;
        let election_deadline = self.random_election_deadline();
        self.role = Role::Candidate {
            election_deadline,
            votes_granted: BTreeSet::from([self.me]),
        };
        trace!(
            self,
            "vote",
            "campaigning in {} with log up to {}",
            self.current_term,
            self.log.last_index()
        );
        if is_majority(1, self.peers) {
            self.become_leader(out);
            return;
        }
        let args = RequestVoteArgs {
            term: self.current_term,
            candidate_id: self.me,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in self.others() {
            out.call(peer, Request::RequestVote(args.clone()));
        }
    }

    /// Won the election (§5.2): initialise Figure 2's leader state and assert
    /// authority at once with a round of heartbeats.
    pub(crate) fn become_leader(&mut self, out: &mut Out) {
        let Role::Candidate { votes_granted, .. } = &self.role else {
            panic!("only a candidate becomes leader");
        };
        assert!(
            is_majority(votes_granted.len(), self.peers),
            "leader without a majority"
        );
        let last = self.log.last_index();
        let mut match_index = vec![LogIndex(0); self.peers];
        // Bug::StaleMatchIndex models a leader that reinitialises next_index
        // but not match_index on election (Figure 2: "reinitialized after
        // election", match_index to 0), so it keeps what its previous
        // leadership learned. Capped at the log's end, as a commit loop
        // `for n := lastLogIndex; n > commitIndex; n--` would read it.
        if self.bugs.has(Bug::StaleMatchIndex) && !self.stale_match_index.is_empty() {
            match_index = self
                .stale_match_index
                .iter()
                .map(|&m| m.min(last))
                .collect();
        }
        match_index[self.me.0] = last;
        self.role = Role::Leader(Leadership {
            next_index: vec![last.next(); self.peers],
            match_index,
            heartbeat_due: self.now,
            replicate_at: None,
            probing: vec![false; self.peers],
        });
        trace!(
            self,
            "leader", "became leader of {} with log up to {}", self.current_term, last
        );
        self.broadcast_append(out);
    }

    /// Figure 2, RequestVote receiver. The caller already adopted a newer term.
    /// Grants at most one vote per term (§5.2), only to a candidate whose log
    /// is at least as up-to-date (§5.4.1), and resets the election timer when
    /// it grants, so that a server that just voted does not campaign against
    /// the candidate it chose.
    pub(crate) fn handle_request_vote(&mut self, args: &RequestVoteArgs) -> RequestVoteReply {
        let candidate = args.candidate_id;
        // Bug::DoubleVote models a receiver that does not check voted_for
        // before granting (§5.2: "at most one candidate in a given term"), so
        // it grants a second candidate of the same term. The first vote is
        // still the one recorded.
        let free = self.voted_for.is_none()
            || self.voted_for == Some(candidate)
            || self.bugs.has(Bug::DoubleVote);
        // Bug::VoteWithoutUpToDateCheck models a receiver that skips §5.4.1's
        // check, so a candidate missing committed entries can win.
        let up_to_date = self
            .log
            .at_least_as_up_to_date(args.last_log_index, args.last_log_term)
            || self.bugs.has(Bug::VoteWithoutUpToDateCheck);
        // Bug::GrantEveryVote grants whatever the term, vote or log: a gross
        // bug for negative tests (it breaks §5.1, §5.2 and §5.4.1 at once).
        let granted = (args.term == self.current_term && free && up_to_date)
            || self.bugs.has(Bug::GrantEveryVote);
        if granted {
            if self.voted_for.is_none() && args.term == self.current_term {
                self.voted_for = Some(candidate);
                self.dirty = true;
            }
            // Bug::NoTimerResetOnVote models a voter that keeps its old
            // deadline (§5.2), so it may campaign against its own choice.
            if !self.bugs.has(Bug::NoTimerResetOnVote) {
                let deadline = self.random_election_deadline();
                if let Role::Follower {
                    election_deadline, ..
                } = &mut self.role
                {
                    *election_deadline = deadline;
                }
            }
            trace!(
                self,
                "vote", "granted vote to {} in {}", candidate, self.current_term
            );
        } else {
            trace!(
                self,
                "vote",
                "refused {} in {} (stale={}, voted={:?}, up_to_date={})",
                candidate,
                args.term,
                args.term < self.current_term,
                self.voted_for,
                up_to_date
            );
        }
        RequestVoteReply {
            term: self.current_term,
            vote_granted: granted,
        }
    }

    /// A vote came back in the current term. Counts it if still campaigning;
    /// a majority wins (§5.2).
    pub(crate) fn handle_request_vote_reply(
        &mut self,
        from: NodeId,
        reply: &RequestVoteReply,
        out: &mut Out,
    ) {
        let Role::Candidate { votes_granted, .. } = &mut self.role else {
            return;
        };
        if !reply.vote_granted {
            return;
        }
        votes_granted.insert(from);
        let votes = votes_granted.len();
        trace!(
            self,
            "vote", "got vote from {} in {} ({} of {})", from, self.current_term, votes, self.peers
        );
        if is_majority(votes, self.peers) {
            self.become_leader(out);
        }
    }
}
