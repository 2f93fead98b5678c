//! The leader: batching `start`s, what heartbeats carry, commit rules, and
//! fast backup on rejections.

use super::*;
use raftapi::ApplyMsg;

#[test]
fn only_a_leader_accepts_commands() {
    // Reference: §5.1 "the leader handles all client requests".
    let mut node = Node::new(0, 3);
    assert_eq!(node.start("x"), None);
    assert!(node.out.persisted().is_none());
    let mut leader = Node::leader(3);
    let started = leader.start("x").unwrap();
    assert_eq!((started.index, started.term), (LogIndex(1), Term(1)));
    assert_eq!(
        leader.persisted_state().log,
        vec![entry(1, "x")],
        "persisted with the start"
    );
}

#[test]
fn starts_at_one_instant_leave_as_one_append_per_peer() {
    // Reference: §5.3 replication; the course's RPC budget (TestCount3B).
    let mut node = Node::leader(3);
    for text in ["a", "b", "c"] {
        node.start(text);
        assert!(node.out.calls().is_empty(), "no send per start");
    }
    assert_eq!(node.wake, node.now.plus_ms(1), "one short batching delay");
    node.tick();
    let appends = node.appends();
    assert_eq!(appends.len(), 2);
    for (_, args) in appends {
        assert_eq!(
            args.entries,
            vec![entry(1, "a"), entry(1, "b"), entry(1, "c")]
        );
        assert_eq!(args.prev_log_index, LogIndex(0));
    }
}

#[test]
fn heartbeats_carry_neither_acknowledged_nor_in_flight_entries() {
    // Reference: §5.3 (nextIndex); the course's byte budget (TestRPCBytes3B).
    let mut node = Node::leader(3);
    node.start("a");
    node.tick();
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(append_ok(1)));
    node.tick(); // heartbeat
    for (to, args) in node.appends() {
        assert!(
            args.entries.is_empty(),
            "S{to} already has or is being sent entry 1"
        );
        assert_eq!(args.prev_log_index, LogIndex(1));
    }
}

#[test]
fn after_a_failed_append_the_leader_probes_then_resends_when_the_follower_answers() {
    // Reference: §5.3 "if followers crash or run slowly, or if network packets
    // are lost, the leader retries AppendEntries RPCs indefinitely". The
    // retry starts as an empty probe: entries go once the follower answers.
    let mut node = Node::leader(3);
    node.start("a");
    node.tick();
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, None);
    assert!(
        node.out.calls().is_empty(),
        "no immediate retry: heartbeats pace retries"
    );
    node.tick();
    let probe = node
        .appends()
        .into_iter()
        .find(|(to, _)| *to == peer.0)
        .expect("the next heartbeat reaches the failed peer");
    assert!(probe.1.entries.is_empty(), "a probe carries no entries");
    assert_eq!(
        probe.1.prev_log_index,
        LogIndex(0),
        "it probes from next_index"
    );
    node.reply(peer, Request::AppendEntries(probe.1), Some(append_ok(1)));
    let resent = node.appends();
    assert_eq!(resent.len(), 1, "the answer brings the entries at once");
    assert_eq!(resent[0].0, peer.0);
    assert_eq!(resent[0].1.entries, vec![entry(1, "a")]);
}

#[test]
fn an_entry_commits_once_a_majority_holds_it_and_is_applied() {
    // Reference: §5.3 "a log entry is committed once the leader that created
    // the entry has replicated it on a majority of the servers".
    let mut node = Node::leader(3);
    node.start("a");
    node.tick();
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(append_ok(1)));
    assert_eq!(node.view().commit_index, LogIndex(1));
    let expected = ApplyMsg::Command {
        index: LogIndex(1),
        command: cmd("a"),
    };
    assert_eq!(node.out.applies(), &[expected]);
}

#[test]
fn entries_from_an_older_term_do_not_commit_by_counting_replicas() {
    // Reference: §5.4.2 "only log entries from the leader's current term are
    // committed by counting replicas" (Figure 8).
    let mut node = leader_with_log(&[1, 1], 3);
    let heartbeat = node.out.calls()[0].clone();
    // The peer already held entries 1-2: a heartbeat with prev 2 matches.
    node.reply(heartbeat.0, heartbeat.1, Some(append_ok(3)));
    assert_eq!(
        node.view().commit_index,
        LogIndex(0),
        "term-1 entries on a majority, yet uncommitted"
    );
    node.start("new");
    node.tick();
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(append_ok(3)));
    assert_eq!(
        node.view().commit_index,
        LogIndex(3),
        "a current-term entry commits the older ones too"
    );
    assert_eq!(node.out.applies().len(), 3);
}

#[test]
fn fast_backup_skips_a_term_the_leader_lacks() {
    // Reference: §5.3 fast backup: conflict term absent from the leader's log,
    // so nextIndex goes to the follower's first index of that term.
    let mut node = leader_with_log(&[1, 1, 3, 3], 4);
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(reject(4, Some(2), 2)));
    let (to, args) = node.appends().pop().expect("resent at once");
    assert_eq!(to, peer.0);
    assert_eq!(
        (args.prev_log_index, args.prev_log_term),
        (LogIndex(1), Term(1))
    );
    assert_eq!(args.entries.len(), 3);
}

#[test]
fn fast_backup_jumps_past_the_leaders_last_entry_of_the_conflict_term() {
    // Reference: §5.3 fast backup: the leader holds the conflict term, so
    // nextIndex goes just past its own last entry of that term.
    let mut node = leader_with_log(&[1, 1, 3, 3], 4);
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(reject(4, Some(1), 1)));
    let (_, args) = node.appends().pop().expect("resent at once");
    assert_eq!(
        (args.prev_log_index, args.prev_log_term),
        (LogIndex(2), Term(1))
    );
}

#[test]
fn fast_backup_goes_to_the_end_of_a_short_log() {
    // Reference: §5.3 fast backup: no conflict term means the follower's log
    // ends before prev; resend from its end.
    let mut node = leader_with_log(&[1, 1, 3, 3], 4);
    let (peer, request) = node.out.calls()[0].clone();
    node.reply(peer, request, Some(reject(4, None, 2)));
    let (_, args) = node.appends().pop().expect("resent at once");
    assert_eq!(args.prev_log_index, LogIndex(1));
    assert_eq!(args.entries.len(), 3);
}

#[test]
fn a_reordered_rejection_below_the_match_index_is_ignored() {
    // Reference: §5.3; a reply to an older request must not undo progress.
    let mut node = leader_with_log(&[1, 1], 2);
    let (peer, stale) = node.out.calls()[0].clone();
    node.start("x");
    node.tick();
    let fresh = node
        .out
        .calls()
        .iter()
        .find(|(p, _)| *p == peer)
        .unwrap()
        .1
        .clone();
    node.reply(peer, fresh, Some(append_ok(2)));
    let matched = node.view().commit_index;
    assert_eq!(matched, LogIndex(3));
    let Request::AppendEntries(mut args) = stale else {
        unreachable!()
    };
    args.prev_log_index = LogIndex(1);
    node.reply(peer, Request::AppendEntries(args), Some(reject(2, None, 1)));
    assert!(
        node.out.calls().is_empty(),
        "no backing up below what the peer holds"
    );
}

#[test]
fn a_reply_from_an_older_term_is_ignored() {
    // Reference: §5.1; the leadership the request served is over.
    let mut node = leader_with_log(&[1], 3);
    let request = append(2, 0, (0, 0), entries(1, &[1]), 0);
    node.reply(NodeId(1), request, Some(append_ok(3)));
    assert_eq!(node.view().commit_index, LogIndex(0));
    assert!(node.out.calls().is_empty());
}
