//! Log compaction (§7): the service's `snapshot`, InstallSnapshot on both
//! sides, and restart from a snapshot.

use super::*;
use crate::messages::{InstallSnapshotArgs, InstallSnapshotReply};
use raftapi::{ApplyMsg, InspectionHeader};

fn install(term: u64, index: u64, last_term: u64, data: &str) -> Request {
    Request::InstallSnapshot(InstallSnapshotArgs {
        term: Term(term),
        leader_id: NodeId(0),
        last_included_index: LogIndex(index),
        last_included_term: Term(last_term),
        data: cmd(data),
    })
}

/// A follower with entries of term 1 at 1..=len, committed and applied through `commit`.
fn follower_applied(len: u64, commit: u64) -> Node {
    let mut node = follower_with_log(1, &vec![1; len as usize]);
    node.request(0, append(1, 0, (len, 1), vec![], commit));
    node
}

#[test]
fn a_service_snapshot_trims_the_log_and_is_persisted_beside_the_state() {
    // Reference: §7 "the server discards the log entries up through the last
    // included index"; the snapshot goes in the persister's snapshot slot.
    let mut node = follower_applied(12, 10);
    node.snapshot(9, "upto9");
    let view = node.view();
    assert_eq!(
        (view.snapshot_index, view.snapshot_term),
        (LogIndex(9), Term(1))
    );
    assert_eq!(view.log_terms.len(), 3);
    let persisted = node.out.persisted().unwrap();
    assert_eq!(persisted.snapshot, cmd("upto9"));
    let state = node.persisted_state();
    assert_eq!(state.snapshot_index, LogIndex(9));
    assert_eq!(
        state.log,
        entries(10, &[1, 1, 1]),
        "the state holds only the suffix"
    );
}

#[test]
fn a_service_snapshot_that_would_not_move_forward_or_covers_unapplied_entries_is_ignored() {
    // Reference: §7; the tester snapshots from its applier, at or below what
    // it was given.
    let mut node = follower_applied(12, 10);
    node.snapshot(11, "too far");
    assert!(node.out.persisted().is_none());
    node.snapshot(5, "ok");
    node.snapshot(5, "again");
    node.snapshot(3, "older");
    assert!(node.out.persisted().is_none());
    assert_eq!(node.view().snapshot_index, LogIndex(5));
}

#[test]
fn an_installed_snapshot_keeps_a_matching_suffix_and_is_applied() {
    // Reference: §7 "if existing log entry has same index and term as
    // snapshot's last included entry, retain log entries following it".
    let mut node = follower_applied(6, 2);
    let reply = node.request(0, install(1, 4, 1, "upto4"));
    assert_eq!(
        reply,
        Reply::InstallSnapshot(InstallSnapshotReply { term: Term(1) })
    );
    let view = node.view();
    assert_eq!(view.snapshot_index, LogIndex(4));
    assert_eq!(view.log_terms, vec![Term(1), Term(1)], "entries 5-6 kept");
    assert_eq!(
        (view.commit_index, view.last_applied),
        (LogIndex(4), LogIndex(4))
    );
    let expected = ApplyMsg::Snapshot {
        index: LogIndex(4),
        term: Term(1),
        data: cmd("upto4"),
    };
    assert_eq!(node.out.applies(), &[expected]);
    assert_eq!(node.out.persisted().unwrap().snapshot, cmd("upto4"));
}

#[test]
fn an_installed_snapshot_that_conflicts_discards_the_log() {
    // Reference: §7 "discard the entire log".
    let mut node = follower_applied(3, 0);
    node.request(0, install(2, 5, 2, "upto5"));
    let view = node.view();
    assert_eq!(
        (view.snapshot_index, view.snapshot_term),
        (LogIndex(5), Term(2))
    );
    assert!(view.log_terms.is_empty());
    assert_eq!(view.last_log_index(), LogIndex(5));
}

#[test]
fn a_snapshot_at_or_below_the_commit_index_is_ignored() {
    // Reference: §7; state never moves backwards (the course: ignore snapshots
    // older than what the follower has).
    let mut node = follower_applied(6, 5);
    node.request(0, install(1, 4, 1, "old"));
    assert!(node.out.applies().is_empty());
    assert!(node.out.persisted().is_none());
    assert_eq!(node.view().snapshot_index, LogIndex(0));
    assert_eq!(node.view().last_applied, LogIndex(5));
}

#[test]
fn a_leader_sends_its_snapshot_to_a_follower_behind_it() {
    // Reference: §7 "the leader uses InstallSnapshot to send snapshots to
    // followers that are too far behind".
    let mut node = Node::leader(3);
    for k in 0..5 {
        node.start(&format!("x{k}"));
    }
    node.tick();
    let calls = node.out.calls().to_vec();
    node.reply(calls[0].0, calls[0].1.clone(), Some(append_ok(1)));
    assert_eq!(node.view().last_applied, LogIndex(5));
    node.snapshot(4, "upto4");
    // The other peer lost the entries, and rejects the next heartbeat.
    node.tick();
    let heartbeat = node
        .out
        .calls()
        .iter()
        .find(|(p, _)| *p == calls[1].0)
        .unwrap()
        .1
        .clone();
    let reply = Reply::AppendEntries(AppendEntriesReply {
        term: Term(1),
        success: false,
        conflict_term: None,
        conflict_index: LogIndex(1),
    });
    node.reply(calls[1].0, heartbeat, Some(reply));
    let [(to, Request::InstallSnapshot(args))] = node.out.calls() else {
        panic!("expected one InstallSnapshot, got {:?}", node.out.calls());
    };
    assert_eq!(*to, calls[1].0);
    assert_eq!(
        (args.last_included_index, args.last_included_term),
        (LogIndex(4), Term(1))
    );
    assert_eq!(args.data, cmd("upto4"));
    let request = Request::InstallSnapshot(args.clone());
    node.reply(
        calls[1].0,
        request,
        Some(Reply::InstallSnapshot(InstallSnapshotReply {
            term: Term(1),
        })),
    );
    let (_, rest) = node.appends().pop().expect("the rest follows at once");
    assert_eq!(rest.prev_log_index, LogIndex(4));
    assert_eq!(rest.entries.len(), 1);
}

#[test]
fn a_restart_with_a_snapshot_resumes_after_it_without_reapplying() {
    // Reference: §7 and the course's tester (it reloads the snapshot itself on
    // restart): commitIndex = lastApplied = the snapshot's index.
    let mut node = follower_applied(12, 12);
    node.snapshot(9, "upto9");
    let persisted = node.persisted();
    let restarted = Node::restart(1, 3, persisted, node.now);
    let view = restarted.view();
    assert_eq!(
        (view.commit_index, view.last_applied),
        (LogIndex(9), LogIndex(9))
    );
    assert_eq!(view.snapshot_index, LogIndex(9));
    assert_eq!(view.log_terms.len(), 3);
    assert!(restarted.out.applies().is_empty());
}

#[test]
fn the_inspect_header_log_version_moves_when_entries_go_never_on_appends() {
    // The raftapi contract of `inspect_header`: the same version promises
    // that the log only grew; the header is `inspect()` without the terms.
    let mut node = follower_with_log(1, &[1, 1, 1]);
    let header = |node: &Node| {
        let header = node.raft.inspect_header().expect("labraft gives a header");
        let view = node.view();
        assert_eq!(header, InspectionHeader::of(&view, header.log_version));
        header.log_version
    };
    let start = header(&node);
    node.request(0, append(1, 0, (3, 1), entries(4, &[1, 1]), 0));
    assert_eq!(header(&node), start, "appends keep it");
    node.request(0, append(2, 0, (2, 1), entries(3, &[2]), 0));
    assert_eq!(
        node.view().log_terms.len(),
        3,
        "entries 3..5 replaced by one"
    );
    let truncated = header(&node);
    assert!(truncated > start, "a truncation moves it");
    node.request(0, append(2, 0, (3, 2), vec![], 3));
    node.snapshot(2, "upto2");
    assert!(header(&node) > truncated, "a compaction moves it");
    let mut from_three = Vec::new();
    node.raft.inspect_log_terms(LogIndex(3), &mut from_three);
    assert_eq!(from_three, vec![Term(2)]);
}
