//! Persistence (Figure 2 "persistent state on all servers", the course's 3C):
//! what is saved, when, and what a restart restores.

use super::*;

#[test]
fn a_restart_restores_term_vote_and_log() {
    // Reference: Figure 2 persistent state (currentTerm, votedFor, log[]).
    let mut node = follower_with_log(2, &[1, 2]);
    node.request(2, request_vote(3, 2, 2, 2));
    let persisted = node.persisted();
    let restarted = Node::restart(1, 3, persisted, node.now);
    let view = restarted.view();
    assert_eq!(view.current_term, Term(3));
    assert_eq!(view.voted_for, Some(NodeId(2)));
    assert_eq!(view.log_terms, vec![Term(1), Term(2)]);
    assert_eq!(
        (view.commit_index, view.last_applied),
        (LogIndex(0), LogIndex(0)),
        "volatile"
    );
    assert_eq!(view.role, Role::Follower);
    assert_eq!(restarted.raft.persist_bytes(), node.raft.persist_bytes());
}

#[test]
fn a_restarted_voter_does_not_vote_twice_in_a_term() {
    // Reference: §5.2 one vote per term, which must survive a crash (3C).
    let mut node = Node::new(0, 3);
    node.request(1, request_vote(1, 1, 0, 0));
    let mut restarted = Node::restart(0, 3, node.persisted(), node.now);
    assert!(!vote_reply(restarted.request(2, request_vote(1, 2, 0, 0))).vote_granted);
}

#[test]
fn appended_entries_are_persisted_in_the_same_input_as_the_success_reply() {
    // Reference: Figure 2 "updated on stable storage before responding to RPCs"
    // and raftapi's ordering contract (persist is performed before the reply).
    let mut node = follower_with_log(1, &[1]);
    let reply = append_reply(node.request(0, append(1, 0, (1, 1), entries(2, &[1]), 0)));
    assert!(reply.success);
    assert_eq!(node.persisted_state().log.len(), 2);
}

#[test]
fn a_heartbeat_that_changes_nothing_durable_persists_nothing() {
    // Reference: Figure 2 (only currentTerm, votedFor and log[] are persistent);
    // commit index moves are volatile.
    let mut node = follower_with_log(1, &[1]);
    node.request(0, append(1, 0, (1, 1), vec![], 1));
    assert!(node.out.persisted().is_none());
    assert_eq!(node.out.applies().len(), 1);
}

#[test]
fn persist_bytes_reports_the_last_raft_state_saved() {
    // Reference: the course's PersistBytes (3D's log-size check).
    let mut node = follower_with_log(1, &[1, 1]);
    let saved = node.out.persisted().unwrap().raft_state.len();
    assert_eq!(node.raft.persist_bytes(), saved);
    node.request(0, append(1, 0, (2, 1), entries(3, &[1]), 0));
    assert!(node.raft.persist_bytes() > saved);
}

#[test]
fn a_restored_log_caches_the_encodings_a_built_one_would() {
    // Reference: labraft's own persistence: the cache a restart copies from
    // the persisted bytes is what encoding each entry again would give.
    use crate::log::{Log, encoded_len};
    for command in [0usize, 1, 127, 128, 16_383, 16_384] {
        let entry = Entry {
            term: Term(u64::MAX),
            command: Bytes::from(vec![7u8; command]),
        };
        let encoding = raftapi::codec::encode(&entry).unwrap();
        assert_eq!(encoded_len(&entry), encoding.len(), "{command} bytes");
    }
    let mut node = follower_with_log(2, &[1, 1, 2]);
    node.snapshot(0, "none"); // ignored: nothing applied
    node.request(0, append(300, 0, (3, 2), entries(4, &[300]), 0));
    let persisted = node.persisted();
    let state = crate::durable::decode_state(&persisted.raft_state);
    let built = Log::new(state.snapshot_index, state.snapshot_term, state.log.clone());
    let restored = Log::restored(
        state.snapshot_index,
        state.snapshot_term,
        state.log,
        &persisted.raft_state,
    );
    assert_eq!(restored.encoded_entries(), built.encoded_entries());
    assert_eq!(restored.last_index(), LogIndex(4));
    let restarted = Node::restart(1, 3, persisted, node.now);
    assert_eq!(restarted.view().log_terms, node.view().log_terms);
}
