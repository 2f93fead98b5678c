//! Injected bugs, continued: the mistakes students report most in 3A-3D
//! (issue 14), each asserted at the rule it breaks like those of `bugs.rs`.

use super::bugs::without_and_with;
use super::*;
use crate::bugs::Bug;
use crate::messages::InstallSnapshotArgs;
use crate::role::Role as RoleState;

#[test]
fn vote_reset_in_same_term_gives_a_late_candidate_a_second_vote() {
    // Reference: §5.2 "each server will vote for at most one candidate in a
    // given term"; only a newer term clears votedFor (Figure 2).
    let ((plain, p), (buggy, b)) = without_and_with(
        Bug::VoteResetInSameTerm,
        || {
            let mut node = Node::new(2, 3);
            assert!(vote_reply(node.request(0, request_vote(1, 0, 0, 0))).vote_granted);
            node
        },
        |n| {
            n.request(0, append(1, 0, (0, 0), vec![], 0)); // S0 leads term 1
            vote_reply(n.request(1, request_vote(1, 1, 0, 0))).vote_granted
        },
    );
    assert!(!p);
    assert_eq!(plain.view().voted_for, Some(NodeId(0)));
    assert!(b);
    assert_eq!(
        buggy.view().voted_for,
        Some(NodeId(1)),
        "a second vote in term 1"
    );
}

#[test]
fn no_timer_reset_on_vote_keeps_the_old_deadline() {
    // Reference: §5.2; Figure 2 followers "if election timeout elapses
    // without ... granting vote to candidate: convert to candidate".
    let ((plain, p), (buggy, b)) = without_and_with(
        Bug::NoTimerResetOnVote,
        || {
            let mut node = Node::new(0, 3);
            node.advance(200);
            node
        },
        |n| vote_reply(n.request(1, request_vote(1, 1, 0, 0))).vote_granted,
    );
    assert!(p && b, "both grant");
    let before = Node::new(0, 3).wake;
    assert!(plain.wake >= plain.now.plus_ms(300), "restarted");
    assert_eq!(buggy.wake, before, "not restarted");
}

#[test]
fn backup_with_leader_term_never_backs_past_the_conflict() {
    // Reference: §5.3 fast backup: the leader skips the follower's
    // conflicting term (here 2, which it lacks: back to conflict_index 2).
    let ((_, p), (_, b)) = without_and_with(
        Bug::BackupWithLeaderTerm,
        || leader_with_log(&[1, 1, 3, 3], 4),
        |n| {
            let (peer, request) = n.out.calls()[0].clone();
            n.reply(peer, request, Some(reject(4, Some(2), 2)));
            n.appends().last().map(|(_, args)| args.prev_log_index)
        },
    );
    assert_eq!(p, Some(LogIndex(1)), "resent from the conflict");
    assert_eq!(b, None, "looked up its own term 3: nothing to back up to");
}

#[test]
fn snapshot_keeps_conflicting_tail_keeps_entries_of_another_history() {
    // Reference: §7 InstallSnapshot receiver step 6 "if existing log entry
    // has same index and term as snapshot's last included entry, retain log
    // entries following it"; step 7 "discard the entire log" otherwise.
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::SnapshotKeepsConflictingTail,
        || follower_with_log(1, &[1, 1, 1, 1]),
        |n| {
            let args = InstallSnapshotArgs {
                term: Term(2),
                leader_id: NodeId(2),
                last_included_index: LogIndex(2),
                last_included_term: Term(2),
                data: cmd("upto2"),
            };
            n.request(2, Request::InstallSnapshot(args))
        },
    );
    let base = |node: &Node| (node.view().snapshot_index, node.view().snapshot_term);
    assert_eq!(base(&plain), (LogIndex(2), Term(2)));
    assert!(
        plain.view().log_terms.is_empty(),
        "index 2 held term 1: discarded"
    );
    assert_eq!(base(&buggy), (LogIndex(2), Term(2)));
    assert_eq!(buggy.view().log_terms, vec![Term(1), Term(1)], "kept");
}

#[test]
fn stale_reply_moves_match_back_below_an_acknowledgement() {
    // Reference: Figure 2 leader state, matchIndex "increases monotonically".
    let match_index = |node: &Node| match &node.raft.role {
        RoleState::Leader(leader) => leader.match_index[1],
        other => panic!("not leading: {other:?}"),
    };
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::StaleReplyMovesMatchBack,
        || {
            let mut node = Node::leader(3);
            node.start("a");
            node.start("b");
            node.tick();
            let (peer, request) = node.out.calls()[0].clone();
            node.reply(peer, request, Some(append_ok(1)));
            assert_eq!(match_index(&node), LogIndex(2));
            node
        },
        |n| {
            // A rejection of an older probe at index 1, delivered late.
            let old = append(1, 0, (1, 1), vec![], 0);
            n.reply(NodeId(1), old, Some(reject(1, None, 1)));
        },
    );
    assert_eq!(
        match_index(&plain),
        LogIndex(2),
        "a stale rejection is ignored"
    );
    assert_eq!(match_index(&buggy), LogIndex(0), "moved back");
}

#[test]
fn vote_grant_not_persisted_saves_the_vote_only_with_a_later_input() {
    // Reference: Figure 2 "updated on stable storage before responding to RPCs".
    let ((plain, _), (buggy, b)) = without_and_with(
        Bug::VoteGrantNotPersisted,
        || Node::new(0, 3),
        |n| vote_reply(n.request(1, request_vote(1, 1, 0, 0))).vote_granted,
    );
    assert!(b, "the vote is granted");
    assert_eq!(plain.persisted_state().voted_for, Some(NodeId(1)));
    assert!(
        buggy.out.persisted().is_none(),
        "nothing saved before the reply"
    );
    assert_eq!(buggy.view().voted_for, Some(NodeId(1)));
    let mut buggy = buggy;
    buggy.request(1, append(1, 1, (0, 0), entries(1, &[1]), 0));
    let saved = buggy.persisted_state();
    assert_eq!(
        (saved.current_term, saved.voted_for),
        (Term(1), Some(NodeId(1)))
    );
}
