//! Injected bugs: each one drives the same input into two copies of one
//! server, without and with the bug, and asserts the differing effect at the
//! rule the bug breaks. Also: no bug means no change.

use super::*;
use crate::bugs::Bug;
use crate::messages::InstallSnapshotArgs;
use crate::role::Role as RoleState;
use raftapi::ApplyMsg;

/// Builds two copies of a server with `setup` (without bugs), turns `bug` on
/// in the second, drives `input` into both, and returns (without, with).
pub(super) fn without_and_with<T>(
    bug: Bug,
    setup: impl Fn() -> Node,
    input: impl Fn(&mut Node) -> T,
) -> ((Node, T), (Node, T)) {
    let mut plain = setup();
    let mut buggy = setup();
    buggy.raft.bugs = Bugs::from(bug);
    let a = input(&mut plain);
    let b = input(&mut buggy);
    ((plain, a), (buggy, b))
}

fn applied_indices(node: &Node) -> Vec<u64> {
    node.out
        .applies()
        .iter()
        .map(|m| match m {
            ApplyMsg::Command { index, .. } | ApplyMsg::Snapshot { index, .. } => index.0,
        })
        .collect()
}

#[test]
fn vote_without_up_to_date_check_grants_a_shorter_log() {
    // Reference: §5.4.1 "the voter denies its vote if its own log is more up-to-date".
    let ((_, plain), (_, buggy)) = without_and_with(
        Bug::VoteWithoutUpToDateCheck,
        || follower_with_log(1, &[1, 1]),
        |n| vote_reply(n.request(2, request_vote(2, 2, 1, 1))).vote_granted,
    );
    assert!(!plain);
    assert!(buggy);
}

#[test]
fn double_vote_grants_a_second_candidate_of_the_term() {
    // Reference: §5.2 "each server will vote for at most one candidate in a given term".
    let ((_, plain), (node, buggy)) = without_and_with(
        Bug::DoubleVote,
        || {
            let mut node = Node::new(0, 3);
            assert!(vote_reply(node.request(1, request_vote(1, 1, 0, 0))).vote_granted);
            node
        },
        |n| vote_reply(n.request(2, request_vote(1, 2, 0, 0))).vote_granted,
    );
    assert!(!plain);
    assert!(buggy);
    assert_eq!(
        node.view().voted_for,
        Some(NodeId(1)),
        "the first vote is kept"
    );
}

#[test]
fn commit_old_term_commits_by_counting_replicas() {
    // Reference: §5.4.2, Figure 8.
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::CommitOldTerm,
        || leader_with_log(&[1, 1], 3),
        |n| {
            let heartbeat = n.out.calls()[0].clone();
            n.reply(heartbeat.0, heartbeat.1, Some(append_ok(3)));
        },
    );
    assert_eq!(plain.view().commit_index, LogIndex(0));
    assert_eq!(buggy.view().commit_index, LogIndex(2));
    assert_eq!(applied_indices(&buggy), vec![1, 2]);
}

#[test]
fn voted_for_not_persisted_saves_no_vote_and_a_restart_votes_again() {
    // Reference: Figure 2 persistent state (votedFor).
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::VotedForNotPersisted,
        || Node::new(0, 3),
        |n| n.request(1, request_vote(1, 1, 0, 0)),
    );
    assert_eq!(plain.persisted_state().voted_for, Some(NodeId(1)));
    assert_eq!(buggy.persisted_state().voted_for, None);
    assert_eq!(
        buggy.persisted_state().current_term,
        Term(1),
        "only the vote is lost"
    );
    let bugs = Bugs::from(Bug::VotedForNotPersisted);
    let mut restarted = Node::restart_with_bugs(0, 3, buggy.persisted(), buggy.now, bugs);
    assert!(vote_reply(restarted.request(2, request_vote(1, 2, 0, 0))).vote_granted);
}

#[test]
fn log_not_persisted_saves_no_entries() {
    // Reference: Figure 2 persistent state (log[]).
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::LogNotPersisted,
        || follower_with_log(1, &[1]),
        |n| n.request(0, append(1, 0, (1, 1), entries(2, &[1]), 0)),
    );
    assert_eq!(plain.persisted_state().log.len(), 2);
    assert!(buggy.persisted_state().log.is_empty());
    assert_eq!(buggy.view().log_terms.len(), 2, "the live log is intact");
}

#[test]
fn term_not_persisted_saves_term_zero_and_a_restart_starts_over() {
    // Reference: Figure 2 persistent state (currentTerm).
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::TermNotPersisted,
        || follower_with_log(2, &[1, 2]),
        |n| n.request(2, request_vote(3, 2, 2, 2)),
    );
    assert_eq!(plain.persisted_state().current_term, Term(3));
    assert_eq!(buggy.persisted_state().current_term, Term(0));
    // labraft's "log term from the future" assert is off with this bug, so the
    // restart itself does not panic: the tester has to notice.
    let bugs = Bugs::from(Bug::TermNotPersisted);
    let restarted = Node::restart_with_bugs(1, 3, buggy.persisted(), buggy.now, bugs);
    assert_eq!(restarted.view().current_term, Term(0));
    assert_eq!(restarted.view().log_terms, vec![Term(1), Term(2)]);
}

#[test]
fn fixed_election_timeout_always_waits_the_minimum() {
    // Reference: §5.2 "election timeouts are chosen randomly from a fixed interval".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::FixedElectionTimeout,
        || Node::new(0, 3),
        |n| {
            n.tick();
            n.tick();
        },
    );
    assert_ne!(plain.wake, plain.now.plus_ms(300));
    assert_eq!(buggy.wake, buggy.now.plus_ms(300));
    let made = Node::restart_with_bugs(
        0,
        3,
        Persisted::default(),
        Instant(0),
        Bug::FixedElectionTimeout.into(),
    );
    assert_eq!(made.wake, Instant(300), "from the first timeout on");
}

#[test]
fn no_timer_reset_on_append_keeps_the_old_deadline() {
    // Reference: §5.2 "followers remain followers as long as they receive
    // valid RPCs from a leader".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::NoTimerResetOnAppend,
        || {
            let mut node = follower_with_log(1, &[1]);
            node.advance(200);
            node
        },
        |n| n.request(0, append(1, 0, (1, 1), vec![], 0)),
    );
    let before = follower_with_log(1, &[1]).wake;
    assert!(plain.wake >= plain.now.plus_ms(300), "restarted");
    assert_eq!(buggy.wake, before, "not restarted");
}

#[test]
fn leader_ignores_higher_term_in_a_reply() {
    // Reference: §5.1, Figure 2 "if RPC request or response contains term T >
    // currentTerm: set currentTerm = T, convert to follower".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::LeaderIgnoresHigherTerm,
        || Node::leader(3),
        |n| {
            let (peer, request) = n.out.calls()[0].clone();
            n.reply(peer, request, Some(reject(4, None, 1)));
        },
    );
    assert_eq!(plain.raft.state(), (Term(4), false));
    assert_eq!(buggy.raft.state(), (Term(1), true));
}

#[test]
fn truncate_on_every_append_drops_matching_entries() {
    // Reference: Figure 2 AppendEntries step 3 "if an existing entry conflicts
    // with a new one (same index but different terms), delete the existing
    // entry and all that follow it".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::TruncateOnEveryAppend,
        || follower_with_log(1, &[1, 1, 1]),
        |n| n.request(0, append(1, 0, (0, 0), entries(1, &[1]), 0)),
    );
    assert_eq!(plain.view().log_terms.len(), 3);
    assert_eq!(buggy.view().log_terms.len(), 1);
}

#[test]
fn commit_past_last_new_commits_entries_not_sent() {
    // Reference: Figure 2 AppendEntries step 5 "commitIndex = min(leaderCommit,
    // index of last new entry)".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::CommitPastLastNew,
        || follower_with_log(1, &[1, 1, 1]),
        |n| n.request(0, append(1, 0, (1, 1), vec![], 3)),
    );
    assert_eq!(plain.view().commit_index, LogIndex(1));
    assert_eq!(buggy.view().commit_index, LogIndex(3));
}

#[test]
fn accept_stale_append_takes_a_deposed_leaders_entries() {
    // Reference: Figure 2 AppendEntries step 1 "reply false if term < currentTerm".
    let ((plain, p), (buggy, b)) = without_and_with(
        Bug::AcceptStaleAppend,
        || follower_with_log(3, &[1]),
        |n| append_reply(n.request(2, append(2, 2, (1, 1), entries(2, &[2]), 0))).success,
    );
    assert!(!p);
    assert!(b);
    assert_eq!(plain.view().log_terms, vec![Term(1)]);
    assert_eq!(buggy.view().log_terms, vec![Term(1), Term(2)]);
}

#[test]
fn count_stale_votes_counts_a_vote_for_an_earlier_candidacy() {
    // Reference: §5.2 "votes from a majority of the servers in the same term".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::CountStaleVotes,
        || Node::new(0, 3),
        |n| {
            n.tick();
            let (peer, old_request) = n.out.calls()[0].clone();
            n.tick(); // split vote: a second candidacy in term 2
            n.reply(peer, old_request, Some(vote(Term(1), true)));
        },
    );
    assert_eq!(plain.view().role, Role::Candidate);
    assert_eq!(buggy.view().role, Role::Leader);
}

#[test]
fn fast_heartbeats_come_every_ten_ms() {
    // Reference: the course's "no more than ten heartbeats per second".
    let ((plain, _), (buggy, _)) =
        without_and_with(Bug::FastHeartbeats, || Node::leader(3), Node::tick);
    assert_eq!(plain.wake, plain.now.plus_ms(100));
    assert_eq!(buggy.wake, buggy.now.plus_ms(10));
}

#[test]
fn resend_whole_log_sends_acknowledged_entries_again() {
    // Reference: §5.3 nextIndex "index of the next log entry to send".
    let ((plain, p), (buggy, b)) = without_and_with(
        Bug::ResendWholeLog,
        || {
            let mut node = Node::leader(3);
            node.start("a");
            node.tick();
            let (peer, request) = node.out.calls()[0].clone();
            node.reply(peer, request, Some(append_ok(1)));
            node
        },
        |n| {
            n.tick(); // heartbeat
            n.appends()
        },
    );
    assert!(p.iter().all(|(_, args)| args.entries.is_empty()));
    assert!(
        b.iter()
            .all(|(_, args)| args.entries == vec![entry(1, "a")]
                && args.prev_log_index == LogIndex(0))
    );
    assert_eq!(
        (plain.raft.state(), buggy.raft.state()),
        ((Term(1), true), (Term(1), true))
    );
}

#[test]
fn snapshot_not_persisted_saves_the_state_without_it() {
    // Reference: §7; the course's `persister.Save(raftstate, snapshot)`.
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::SnapshotNotPersisted,
        || {
            let mut node = follower_with_log(1, &[1; 12]);
            node.request(0, append(1, 0, (12, 1), vec![], 10));
            node
        },
        |n| n.snapshot(9, "upto9"),
    );
    assert_eq!(plain.out.persisted().unwrap().snapshot, cmd("upto9"));
    assert!(buggy.out.persisted().unwrap().snapshot.is_empty());
    assert_eq!(buggy.persisted_state().snapshot_index, LogIndex(9));
}

#[test]
fn snapshot_moves_backwards_installs_an_old_snapshot() {
    // Reference: §7; state never moves backwards.
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::SnapshotMovesBackwards,
        || {
            let mut node = follower_with_log(1, &[1; 6]);
            node.request(0, append(1, 0, (6, 1), vec![], 5));
            node
        },
        |n| {
            let args = InstallSnapshotArgs {
                term: Term(1),
                leader_id: NodeId(0),
                last_included_index: LogIndex(4),
                last_included_term: Term(1),
                data: cmd("old"),
            };
            n.request(0, Request::InstallSnapshot(args))
        },
    );
    assert!(plain.out.applies().is_empty());
    assert_eq!(plain.view().last_applied, LogIndex(5));
    assert_eq!(applied_indices(&buggy), vec![4]);
    assert_eq!(buggy.view().last_applied, LogIndex(4), "moved backwards");
}

#[test]
fn apply_past_commit_applies_uncommitted_entries() {
    // Reference: Figure 2 all servers "if commitIndex > lastApplied: increment
    // lastApplied, apply log[lastApplied]".
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::ApplyPastCommit,
        || follower_with_log(1, &[1, 1, 1]),
        |n| n.request(0, append(1, 0, (3, 1), vec![], 1)),
    );
    assert_eq!(applied_indices(&plain), vec![1]);
    // labraft's "applied past commit" assert is off with this bug.
    assert_eq!(applied_indices(&buggy), vec![1, 2, 3]);
    assert_eq!(buggy.view().commit_index, LogIndex(1));
}

#[test]
fn slow_backup_goes_back_one_entry_per_rejection() {
    // Reference: §5.3 "decrement nextIndex and retry" versus the fast backup.
    let ((_, p), (_, b)) = without_and_with(
        Bug::SlowBackup,
        || leader_with_log(&[1, 1, 3, 3], 4),
        |n| {
            let (peer, request) = n.out.calls()[0].clone();
            n.reply(peer, request, Some(reject(4, Some(2), 2)));
            n.appends().pop().expect("resent at once").1.prev_log_index
        },
    );
    assert_eq!(p, LogIndex(1));
    assert_eq!(b, LogIndex(3));
}

#[test]
fn stale_match_index_survives_re_election() {
    // Reference: Figure 2 "matchIndex[]: ... initialized to 0" on election.
    let match_index = |node: &Node| match &node.raft.role {
        RoleState::Leader(leader) => leader.match_index.clone(),
        other => panic!("not leading: {other:?}"),
    };
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::StaleMatchIndex,
        || {
            let mut node = Node::leader(3);
            node.start("a");
            node.tick();
            node
        },
        |n| {
            let (peer, request) = n.out.calls()[0].clone();
            n.reply(peer, request, Some(append_ok(1)));
            n.request(2, request_vote(2, 2, 1, 1)); // steps down
            n.elect();
        },
    );
    assert_eq!(plain.view().current_term, Term(3));
    assert_eq!(
        match_index(&plain),
        vec![LogIndex(1), LogIndex(0), LogIndex(0)]
    );
    assert_eq!(
        match_index(&buggy),
        vec![LogIndex(1), LogIndex(1), LogIndex(0)]
    );
}

#[test]
fn accept_stale_append_reply_counts_an_old_terms_success() {
    // Reference: §5.1; a reply to an earlier term's request is stale.
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::AcceptStaleAppendReply,
        || {
            let mut node = leader_with_log(&[1], 3);
            node.start("x");
            node
        },
        |n| {
            let old = append(2, 0, (0, 0), entries(1, &[1, 3]), 0);
            n.reply(NodeId(1), old, Some(append_ok(2)));
        },
    );
    assert_eq!(plain.view().commit_index, LogIndex(0));
    assert_eq!(buggy.view().commit_index, LogIndex(2));
}

#[test]
fn grant_every_vote_grants_a_stale_candidate_with_a_short_log() {
    // Reference: §5.1, §5.2, §5.4.1 all at once (a bug for negative tests).
    let ((_, p), (buggy, b)) = without_and_with(
        Bug::GrantEveryVote,
        || {
            let mut node = follower_with_log(3, &[1]);
            node.request(0, request_vote(3, 0, 1, 1));
            node
        },
        |n| vote_reply(n.request(2, request_vote(2, 2, 0, 0))).vote_granted,
    );
    assert!(!p);
    assert!(b);
    assert_eq!(buggy.view().voted_for, Some(NodeId(0)));
}

#[test]
fn apply_out_of_order_swaps_the_first_two_of_a_batch() {
    // Reference: Figure 2 all servers, apply in log order (a bug for negative tests).
    let ((plain, _), (buggy, _)) = without_and_with(
        Bug::ApplyOutOfOrder,
        || follower_with_log(1, &[1, 1, 1]),
        |n| n.request(0, append(1, 0, (3, 1), vec![], 3)),
    );
    assert_eq!(applied_indices(&plain), vec![1, 2, 3]);
    assert_eq!(applied_indices(&buggy), vec![2, 1, 3]);
}

#[test]
#[should_panic(expected = "two leaders in T1")]
fn without_bugs_a_rival_leader_of_the_same_term_is_a_panic() {
    // Reference: §5.2 Election Safety: labraft's own assert.
    let mut node = Node::leader(3);
    node.request(1, append(1, 1, (0, 0), vec![], 0));
}

#[test]
fn with_a_bug_a_rival_leader_is_refused_and_left_for_the_tester() {
    // Reference: §5.2 Election Safety; the tester's checkOneLeader must catch it.
    let mut node = Node::leader(3);
    node.raft.bugs = Bug::DoubleVote.into();
    let reply = append_reply(node.request(1, append(1, 1, (0, 0), vec![], 0)));
    assert!(!reply.success);
    assert_eq!(node.raft.state(), (Term(1), true));
}

/// Drives one fixed script of inputs into a 3-server cluster's server 0, made
/// by `make`, and records every input's effects and the view after it.
fn script(make: impl Fn(Config, Persisted, &mut Out) -> Raft) -> Vec<String> {
    let mut out = Effects::new();
    let config = |now| Config {
        me: NodeId(0),
        peers: 3,
        seed: 9,
        now,
    };
    let mut raft = make(config(Instant(0)), Persisted::default(), &mut out);
    let mut log = vec![format!("{out:?}")];
    let mut now = out.wake().unwrap();
    let step = |raft: &mut Raft, out: &mut Out, log: &mut Vec<String>| {
        log.push(format!("{out:?} {:?}", raft.inspect()));
        out.clear();
    };
    out.clear();
    raft.tick(now, &mut out);
    let votes = out.calls().to_vec();
    step(&mut raft, &mut out, &mut log);
    raft.handle_reply(
        now,
        votes[0].0,
        votes[0].1.clone(),
        Some(vote(Term(1), true)),
        &mut out,
    );
    step(&mut raft, &mut out, &mut log);
    for k in 0..3 {
        raft.start(now, cmd(&format!("c{k}")), &mut out);
        step(&mut raft, &mut out, &mut log);
    }
    now = now.plus_ms(1);
    raft.tick(now, &mut out);
    let sends = out.calls().to_vec();
    step(&mut raft, &mut out, &mut log);
    raft.handle_reply(
        now,
        sends[0].0,
        sends[0].1.clone(),
        Some(append_ok(1)),
        &mut out,
    );
    step(&mut raft, &mut out, &mut log);
    raft.handle_reply(now, sends[1].0, sends[1].1.clone(), None, &mut out);
    step(&mut raft, &mut out, &mut log);
    raft.snapshot(now, LogIndex(2), cmd("upto2"), &mut out);
    step(&mut raft, &mut out, &mut log);
    now = now.plus_ms(100);
    raft.tick(now, &mut out);
    step(&mut raft, &mut out, &mut log);
    let reply = raft.handle_request(now, NodeId(2), &request_vote(5, 2, 9, 1), &mut out);
    log.push(format!("{reply:?}"));
    step(&mut raft, &mut out, &mut log);
    let persisted = out_persisted_after(&mut raft, now);
    let mut restarted = make(config(now), persisted, &mut out);
    step(&mut restarted, &mut out, &mut log);
    log
}

/// What `raft` would persist now (a term change forces a save).
fn out_persisted_after(raft: &mut Raft, now: Instant) -> Persisted {
    let mut out = Effects::new();
    raft.handle_request(now, NodeId(1), &request_vote(6, 1, 0, 0), &mut out);
    let saved = out.persisted().expect("a new term is persisted");
    Persisted {
        raft_state: saved.raft_state.clone(),
        snapshot: saved.snapshot.clone(),
    }
}

#[test]
fn no_bugs_through_make_with_bugs_is_exactly_make() {
    // Reference: the bugs are off by default and change nothing when off.
    let via_make = script(<Raft as raftapi::Raft>::make);
    let via_bugs =
        script(|c, p, o| Raft::make_with_bugs(c, p, Tuning::default(), Bugs::default(), o));
    assert!(via_make.len() > 10);
    assert_eq!(via_make, via_bugs);
    // And the script does reach the bug sites: with a bug on, it differs.
    let buggy = script(|c, p, o| {
        Raft::make_with_bugs(c, p, Tuning::default(), Bug::FastHeartbeats.into(), o)
    });
    assert_ne!(via_make, buggy);
}
