//! The AppendEntries receiver: consistency check, fast-backup hints, conflict
//! truncation, commit and apply.

use super::*;
use raftapi::ApplyMsg;

fn terms(list: &[u64]) -> Vec<Term> {
    list.iter().map(|&t| Term(t)).collect()
}

#[test]
fn entries_after_a_matching_prev_are_appended_and_persisted() {
    // Reference: §5.3, Figure 2 AppendEntries receiver step 4.
    let mut node = follower_with_log(1, &[1]);
    let reply = append_reply(node.request(0, append(1, 0, (1, 1), entries(2, &[1, 1]), 0)));
    assert_eq!(reply, append_reply(append_ok(1)));
    assert_eq!(node.view().log_terms, terms(&[1, 1, 1]));
    assert_eq!(
        node.persisted_state().log,
        entries(1, &[1, 1, 1]),
        "persisted before the reply"
    );
}

#[test]
fn a_missing_prev_is_rejected_with_the_index_past_the_log_end() {
    // Reference: §5.3 consistency check, with the course's fast backup hint
    // (conflict term absent: the follower's log is too short).
    let mut node = follower_with_log(2, &[1, 1]);
    let reply = append_reply(node.request(0, append(2, 0, (5, 2), entries(6, &[2]), 0)));
    assert!(!reply.success);
    assert_eq!(
        (reply.conflict_term, reply.conflict_index),
        (None, LogIndex(3))
    );
    assert!(node.out.persisted().is_none(), "nothing changed");
}

#[test]
fn a_mismatched_prev_is_rejected_with_the_conflicting_term_and_its_first_index() {
    // Reference: §5.3 ("the follower can include the term of the conflicting
    // entry and the first index it stores for that term").
    let mut node = follower_with_log(3, &[1, 2, 2, 2]);
    let reply = append_reply(node.request(0, append(3, 0, (4, 3), vec![], 0)));
    assert!(!reply.success);
    assert_eq!(
        (reply.conflict_term, reply.conflict_index),
        (Some(Term(2)), LogIndex(2))
    );
    assert_eq!(
        node.view().log_terms,
        terms(&[1, 2, 2, 2]),
        "a rejection truncates nothing"
    );
}

#[test]
fn a_conflicting_entry_and_all_after_it_are_replaced() {
    // Reference: §5.3, Figure 2 receiver step 3 "if an existing entry conflicts
    // with a new one (same index but different terms), delete the existing
    // entry and all that follow it".
    let mut node = follower_with_log(2, &[1, 2, 2, 2]);
    let reply = append_reply(node.request(0, append(3, 0, (1, 1), entries(2, &[3]), 0)));
    assert!(reply.success);
    assert_eq!(node.view().log_terms, terms(&[1, 3]));
    assert_eq!(
        node.persisted_state().log,
        vec![entry(1, "c1"), entry(3, "c2")]
    );
}

#[test]
fn a_stale_append_whose_entries_match_truncates_nothing() {
    // Reference: §5.3 / Figure 2 step 3 (truncate only on an actual conflict):
    // a reordered, older AppendEntries must not remove entries a newer one added.
    let mut node = follower_with_log(1, &[1, 1, 1, 1]);
    let reply = append_reply(node.request(0, append(1, 0, (0, 0), entries(1, &[1, 1]), 0)));
    assert!(reply.success);
    assert_eq!(node.view().log_terms, terms(&[1, 1, 1, 1]));
    assert!(
        node.out.persisted().is_none(),
        "nothing changed, nothing persisted"
    );
}

#[test]
fn commit_follows_the_leader_but_not_past_the_last_new_entry() {
    // Reference: Figure 2 receiver step 5 "set commitIndex =
    // min(leaderCommit, index of last new entry)".
    let mut node = follower_with_log(1, &[1, 1, 1, 1]);
    // Only entries 1-2 are vouched for by this request; entries 3-4 may be
    // from a deposed leader, so leader_commit 4 may commit through 2 only.
    node.request(0, append(1, 0, (1, 1), entries(2, &[1]), 4));
    assert_eq!(node.view().commit_index, LogIndex(2));
    let expected = [
        ApplyMsg::Command {
            index: LogIndex(1),
            command: cmd("c1"),
        },
        ApplyMsg::Command {
            index: LogIndex(2),
            command: cmd("c2"),
        },
    ];
    assert_eq!(node.out.applies(), &expected[..]);
}

#[test]
fn committed_entries_are_applied_once_each_in_order() {
    // Reference: Figure 2 "all servers: if commitIndex > lastApplied: increment
    // lastApplied, apply log[lastApplied]".
    let mut node = follower_with_log(1, &[1, 1, 1]);
    node.request(0, append(1, 0, (3, 1), vec![], 1));
    assert_eq!(node.out.applies().len(), 1);
    node.request(0, append(1, 0, (3, 1), vec![], 1));
    assert!(
        node.out.applies().is_empty(),
        "a repeated commit index applies nothing"
    );
    node.request(0, append(1, 0, (3, 1), vec![], 3));
    let indices: Vec<_> = node
        .out
        .applies()
        .iter()
        .map(|m| match m {
            ApplyMsg::Command { index, .. } => index.0,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(indices, vec![2, 3]);
    assert_eq!(node.view().last_applied, LogIndex(3));
}

#[test]
fn a_heartbeat_restarts_the_election_timer() {
    // Reference: §5.2 "followers remain in follower state as long as they
    // receive valid RPCs from a leader".
    let mut node = follower_with_log(1, &[1]);
    let first = node.wake;
    node.advance(250);
    node.request(0, append(1, 0, (1, 1), vec![], 0));
    assert!(node.wake >= node.now.plus_ms(300));
    assert!(node.wake > first);
}
