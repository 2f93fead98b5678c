//! Term and vote rules, and the role transitions of an election.

use super::*;

#[test]
fn make_schedules_an_election_timeout_in_the_tuned_range() {
    // Reference: §5.2 (randomized election timeouts), Tuning defaults.
    let node = Node::new(0, 3);
    assert!(
        node.out.persisted().is_none(),
        "nothing changed, nothing to persist"
    );
    assert!(node.out.calls().is_empty());
    assert!(
        (300..=600).contains(&node.wake.0),
        "wake at {:?}",
        node.wake
    );
}

#[test]
fn election_timeout_starts_a_candidacy_and_asks_every_peer() {
    // Reference: §5.2 "increment currentTerm, vote for self, send RequestVote RPCs".
    let mut node = follower_with_log(1, &[1, 1]);
    node.tick();
    let view = node.view();
    assert_eq!(view.role, Role::Candidate);
    assert_eq!(view.current_term, Term(2));
    assert_eq!(view.voted_for, Some(NodeId(1)));
    assert_eq!(
        node.persisted_state().current_term,
        Term(2),
        "term and vote persisted with the calls"
    );
    assert_eq!(node.persisted_state().voted_for, Some(NodeId(1)));
    let expected = request_vote(2, 1, 2, 1);
    assert_eq!(
        node.out.calls(),
        &[(NodeId(0), expected.clone()), (NodeId(2), expected)]
    );
    assert!(node.wake > node.now, "a new election deadline");
}

#[test]
fn a_majority_of_votes_makes_a_leader_that_sends_heartbeats_at_once() {
    // Reference: §5.2 "votes from a majority: become leader; send heartbeats".
    let mut node = Node::new(0, 3);
    node.tick();
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(vote(Term(1), true)));
    assert_eq!(node.view().role, Role::Leader);
    assert_eq!(node.raft.state(), (Term(1), true));
    let appends = node.appends();
    assert_eq!(appends.len(), 2, "one heartbeat per peer");
    for (_, args) in appends {
        assert_eq!(args.term, Term(1));
        assert!(args.entries.is_empty());
        assert_eq!(
            (args.prev_log_index, args.prev_log_term),
            (LogIndex(0), Term(0))
        );
    }
    assert_eq!(node.wake, node.now.plus_ms(100), "next heartbeat in 100 ms");
}

#[test]
fn a_refused_vote_is_not_counted() {
    // Reference: §5.2 "wins an election if it receives votes from a majority".
    let mut node = Node::new(0, 5);
    node.tick();
    let calls = node.out.calls().to_vec();
    node.reply(calls[0].0, calls[0].1.clone(), Some(vote(Term(1), true)));
    node.reply(calls[1].0, calls[1].1.clone(), Some(vote(Term(1), false)));
    node.reply(calls[2].0, calls[2].1.clone(), None);
    assert_eq!(node.view().role, Role::Candidate, "2 of 5 is no majority");
    node.reply(calls[3].0, calls[3].1.clone(), Some(vote(Term(1), true)));
    assert_eq!(node.view().role, Role::Leader);
}

#[test]
fn a_vote_from_an_earlier_candidacy_is_ignored() {
    // Reference: §5.2; a reply to a request of an older term is stale.
    let mut node = Node::new(0, 3);
    node.tick();
    let (peer, old_request) = node.out.calls()[0].clone();
    node.tick(); // split vote: a second candidacy in term 2
    assert_eq!(node.view().current_term, Term(2));
    node.reply(peer, old_request, Some(vote(Term(1), true)));
    assert_eq!(node.view().role, Role::Candidate);
    assert!(node.out.calls().is_empty());
}

#[test]
fn a_higher_term_in_a_request_makes_a_leader_step_down() {
    // Reference: §5.1 "if one server's current term is smaller, it updates its
    // current term; a leader that discovers a higher term reverts to follower".
    let mut node = Node::leader(3);
    let reply = node.request(2, request_vote(5, 2, 0, 0));
    let view = node.view();
    assert_eq!(view.role, Role::Follower);
    assert_eq!(view.current_term, Term(5));
    assert_eq!(
        vote_reply(reply),
        RequestVoteReply {
            term: Term(5),
            vote_granted: true
        }
    );
    assert_eq!(node.persisted_state().current_term, Term(5));
}

#[test]
fn a_higher_term_in_a_reply_makes_a_leader_step_down() {
    // Reference: §5.1, Figure 2 "all servers: if RPC reply contains term T > currentTerm".
    let mut node = Node::leader(3);
    let (peer, request) = node.out.calls()[0].clone();
    let reply = Reply::AppendEntries(AppendEntriesReply {
        term: Term(4),
        success: false,
        conflict_term: None,
        conflict_index: LogIndex(1),
    });
    node.reply(peer, request, Some(reply));
    assert_eq!(node.view().role, Role::Follower);
    assert_eq!(node.view().current_term, Term(4));
    assert_eq!(node.view().voted_for, None, "a new term clears the vote");
    assert_eq!(node.persisted_state().current_term, Term(4));
}

#[test]
fn a_request_from_an_older_term_is_refused_with_the_current_term() {
    // Reference: §5.1 "if a server receives a request with a stale term number, it rejects".
    let mut node = follower_with_log(3, &[1]);
    let reply = node.request(2, request_vote(2, 2, 9, 2));
    assert_eq!(
        vote_reply(reply),
        RequestVoteReply {
            term: Term(3),
            vote_granted: false
        }
    );
    let reply = append_reply(node.request(2, append(2, 2, (1, 1), entries(2, &[2]), 0)));
    assert!(!reply.success);
    assert_eq!(reply.term, Term(3));
    assert_eq!(
        node.view().log_terms,
        vec![Term(1)],
        "the stale leader changed nothing"
    );
    assert!(node.out.persisted().is_none());
}

#[test]
fn one_vote_per_term_first_come_first_served() {
    // Reference: §5.2 "each server will vote for at most one candidate in a given term".
    let mut node = Node::new(0, 3);
    let first = vote_reply(node.request(1, request_vote(1, 1, 0, 0)));
    assert!(first.vote_granted);
    let second = vote_reply(node.request(2, request_vote(1, 2, 0, 0)));
    assert!(!second.vote_granted);
    let again = vote_reply(node.request(1, request_vote(1, 1, 0, 0)));
    assert!(
        again.vote_granted,
        "a repeated request from the same candidate is granted again"
    );
    assert_eq!(node.view().voted_for, Some(NodeId(1)));
}

#[test]
fn a_granted_vote_is_persisted_in_the_same_input() {
    // Reference: Figure 2 "updated on stable storage before responding to RPCs".
    let mut node = Node::new(0, 3);
    let reply = vote_reply(node.request(1, request_vote(1, 1, 0, 0)));
    assert!(reply.vote_granted);
    let state = node.persisted_state();
    assert_eq!(
        (state.current_term, state.voted_for),
        (Term(1), Some(NodeId(1)))
    );
}

#[test]
fn granting_a_vote_restarts_the_election_timer() {
    // Reference: Figure 2 "followers: if election timeout elapses without ...
    // granting vote to candidate: convert to candidate".
    let mut node = Node::new(0, 3);
    let before = node.wake;
    node.advance(250);
    node.request(1, request_vote(1, 1, 0, 0));
    assert!(node.wake > before, "timer pushed back");
    assert!(node.wake >= node.now.plus_ms(300));
}

#[test]
fn a_newer_term_alone_does_not_restart_the_election_timer() {
    // Reference: Figure 2 "followers: if election timeout elapses without
    // receiving AppendEntries from current leader or granting vote to
    // candidate: convert to candidate". A refused candidate of a newer term
    // is neither, so the up-to-date follower still campaigns on time.
    let mut node = follower_with_log(2, &[1, 2]);
    let before = node.wake;
    node.advance(100);
    let reply = vote_reply(node.request(2, request_vote(3, 2, 1, 1)));
    assert!(!reply.vote_granted, "a stale log loses");
    assert_eq!(node.view().current_term, Term(3));
    assert_eq!(node.wake, before, "the deadline stands");
}

#[test]
fn a_candidate_with_an_older_last_term_is_refused() {
    // Reference: §5.4.1 "if the logs have last entries with different terms,
    // the log with the later term is more up-to-date".
    let mut node = follower_with_log(2, &[1, 2]);
    let reply = vote_reply(node.request(2, request_vote(3, 2, 10, 1)));
    assert!(!reply.vote_granted, "longer but older log loses");
    assert_eq!(
        node.view().current_term,
        Term(3),
        "the term is still adopted"
    );
    assert_eq!(node.view().voted_for, None);
}

#[test]
fn a_candidate_with_a_shorter_log_of_the_same_last_term_is_refused() {
    // Reference: §5.4.1 "if the logs end with the same term, whichever log is
    // longer is more up-to-date".
    let mut node = follower_with_log(2, &[1, 2, 2]);
    assert!(!vote_reply(node.request(2, request_vote(3, 2, 2, 2))).vote_granted);
    assert!(vote_reply(node.request(2, request_vote(3, 2, 3, 2))).vote_granted);
}

#[test]
fn a_candidate_learns_of_the_leader_of_its_term_and_steps_down() {
    // Reference: §5.2 "if the leader's term is at least as large as the
    // candidate's current term, the candidate returns to follower state".
    let mut node = Node::new(0, 3);
    node.tick();
    assert_eq!(node.view().role, Role::Candidate);
    let reply = append_reply(node.request(1, append(1, 1, (0, 0), vec![], 0)));
    assert!(reply.success);
    assert_eq!(node.view().role, Role::Follower);
    assert_eq!(node.view().current_term, Term(1));
    assert_eq!(
        node.view().voted_for,
        Some(NodeId(0)),
        "the vote of the term stands"
    );
}
