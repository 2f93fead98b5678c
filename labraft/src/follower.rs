//! The receiving side of replication: AppendEntries (Figure 2, §5.3) and
//! InstallSnapshot (§7), and the service's own `snapshot` call.

use crate::bugs::Bug;
use crate::log::Log;
use crate::messages::{
    AppendEntriesArgs, AppendEntriesReply, Entry, InstallSnapshotArgs, InstallSnapshotReply,
};
use crate::raft::{Out, Raft};
use crate::role::Role;
use raftapi::{ApplyMsg, Bytes, LogIndex, NodeId, Term};

impl Raft {
    /// A current-term leader spoke: recognise it, and restart the election
    /// timer (§5.2). A candidate of this term learns it lost.
    fn follow(&mut self, leader_id: NodeId) {
        if let Role::Leader(_) = self.role {
            panic!("two leaders in {}", self.current_term);
        }
        if !matches!(self.role, Role::Follower { leader_id: Some(l), .. } if l == leader_id) {
            trace!(
                self,
                "leader", "following {} in {}", leader_id, self.current_term
            );
        }
        self.become_follower(self.current_term, Some(leader_id));
    }

    /// Another leader of this server's own term spoke to it while it leads.
    /// Election Safety (§5.2) makes that impossible, so without bugs it is a
    /// panic. With a bug injected the cluster may well elect two leaders in a
    /// term, and it is the tester that must notice: this leader refuses the
    /// rival and keeps leading (see the bugs module on relaxed asserts).
    fn is_rival_leader(&self) -> bool {
        let leading = matches!(self.role, Role::Leader(_));
        assert!(
            !leading || !self.bugs.is_empty(),
            "two leaders in {}",
            self.current_term
        );
        leading
    }

    /// Figure 2, AppendEntries receiver. The caller already adopted a newer term.
    pub(crate) fn handle_append_entries(
        &mut self,
        from: NodeId,
        args: &AppendEntriesArgs,
        out: &mut Out,
    ) -> AppendEntriesReply {
        // Bug::AcceptStaleAppend models a receiver that skips step 1 ("reply
        // false if term < currentTerm"): a deposed leader's entries are taken.
        let stale = args.term < self.current_term && !self.bugs.has(Bug::AcceptStaleAppend);
        if stale || self.is_rival_leader() {
            return self.append_reply(false, None, LogIndex(0));
        }
        let election_deadline = self.role.next_deadline();
        self.follow(from);
        // Bug::NoTimerResetOnAppend models a follower that does not restart its
        // election timer when a current leader's AppendEntries arrives (§5.2),
        // so it campaigns against a live leader every timeout.
        if self.bugs.has(Bug::NoTimerResetOnAppend) {
            self.role.set_election_deadline(election_deadline);
        }
        // Entries up to the snapshot are committed, so they match the leader's
        // (Log Matching, Leader Completeness): check from the snapshot on.
        let snapshot_index = self.log.snapshot_index();
        let covered = snapshot_index.0.saturating_sub(args.prev_log_index.0) as usize;
        let (prev, prev_term, entries) = if covered == 0 {
            (args.prev_log_index, args.prev_log_term, &args.entries[..])
        } else {
            let rest = &args.entries[covered.min(args.entries.len())..];
            (snapshot_index, self.log.snapshot_term(), rest)
        };
        if prev > self.log.last_index() {
            let end = self.log.last_index().next();
            trace!(
                self,
                "append",
                "reject from {}: no entry at {} (log ends at {})",
                from,
                prev,
                end.prev()
            );
            return self.append_reply(false, None, end);
        }
        let held = self.log.term_at(prev).expect("prev is within the held log");
        if held != prev_term {
            let first = self.log.first_index_of_term(held).unwrap_or(prev);
            trace!(
                self,
                "append",
                "reject from {}: {} at {} is {}, not {}",
                from,
                prev,
                prev,
                held,
                prev_term
            );
            return self.append_reply(false, Some(held), first);
        }
        if self.bugs.has(Bug::TruncateOnEveryAppend) {
            self.replace_after(prev, entries);
        } else {
            self.merge_entries(prev, entries);
        }
        let last_new = LogIndex(args.prev_log_index.0 + args.entries.len() as u64);
        // Bug::CommitPastLastNew models step 5 written as
        // `min(leaderCommit, lastLogIndex)` instead of the index of the last
        // new entry: entries after those sent, perhaps from an old term and
        // about to be overwritten, are committed.
        let commit_bound = if self.bugs.has(Bug::CommitPastLastNew) {
            self.log.last_index()
        } else {
            last_new
        };
        let commit = args.leader_commit.min(commit_bound);
        if commit > self.commit_index {
            trace!(
                self,
                "commit", "follower committed through {} in {}", commit, self.current_term
            );
            self.commit_index = commit;
            self.apply_committed(out);
        }
        self.append_reply(true, None, LogIndex(0))
    }

    /// Figure 2 steps 3-4: append the entries not already held; truncate only
    /// at an actual conflict (same index, different term), so a stale or
    /// reordered AppendEntries never removes entries a newer one added.
    fn merge_entries(&mut self, prev: LogIndex, entries: &[Entry]) {
        for (k, entry) in entries.iter().enumerate() {
            let index = LogIndex(prev.0 + 1 + k as u64);
            match self.log.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    // Relaxed with bugs on: a buggy leader may overwrite a
                    // committed entry, which the tester must catch.
                    assert!(
                        index > self.commit_index || !self.bugs.is_empty(),
                        "conflict at committed index {index}"
                    );
                    trace!(self, "append", "conflict at {}: truncating", index);
                    self.log.truncate_from(index);
                }
                None => {}
            }
            for entry in &entries[k..] {
                self.log.append(entry.clone());
            }
            self.dirty = true;
            trace!(
                self,
                "append",
                "log now ends at {} in {}",
                self.log.last_index(),
                self.current_term
            );
            return;
        }
    }

    /// Bug::TruncateOnEveryAppend: `log = append(log[:prev+1], entries...)`.
    /// It models a receiver that truncates after `prev` on every
    /// AppendEntries instead of only at a conflict (Figure 2 step 3), so a
    /// reordered, older AppendEntries removes entries a newer one added and
    /// the leader already counted.
    fn replace_after(&mut self, prev: LogIndex, entries: &[Entry]) {
        self.log.truncate_from(prev.next());
        for entry in entries {
            self.log.append(entry.clone());
        }
        self.dirty = true;
    }

    fn append_reply(
        &self,
        success: bool,
        conflict_term: Option<Term>,
        conflict_index: LogIndex,
    ) -> AppendEntriesReply {
        AppendEntriesReply {
            term: self.current_term,
            success,
            conflict_term,
            conflict_index,
        }
    }

    /// §7, InstallSnapshot receiver (sent in one piece). A snapshot at or below
    /// the commit index is old news and ignored: the state never moves back.
    /// Otherwise the log suffix survives if it extends the snapshot, and the
    /// service is told to install the snapshot.
    pub(crate) fn handle_install_snapshot(
        &mut self,
        from: NodeId,
        args: &InstallSnapshotArgs,
        out: &mut Out,
    ) -> InstallSnapshotReply {
        let reply = |raft: &Raft| InstallSnapshotReply {
            term: raft.current_term,
        };
        if args.term < self.current_term || self.is_rival_leader() {
            return reply(self);
        }
        self.follow(from);
        let index = args.last_included_index;
        // Bug::SnapshotMovesBackwards models a receiver that installs every
        // snapshot the leader sends (`rf.log = nil; lastIncludedIndex = ...`),
        // even one its commit index has passed (§7: a snapshot that describes
        // a prefix of the log is old news): commit_index and last_applied move
        // backwards, the entries after it are dropped, and the service is
        // handed older state.
        if self.bugs.has(Bug::SnapshotMovesBackwards) && index <= self.commit_index {
            self.log
                .replace(Log::new(index, args.last_included_term, Vec::new()));
        }
        let old_news = index <= self.commit_index && !self.bugs.has(Bug::SnapshotMovesBackwards);
        if old_news {
            trace!(
                self,
                "snapshot", "ignored snapshot through {} (committed {})", index, self.commit_index
            );
            return reply(self);
        }
        // Bug::SnapshotKeepsConflictingTail skips step 6's term check: the
        // entries after `index` stay even if the entry there has another term.
        if index > self.log.snapshot_index() && self.bugs.has(Bug::SnapshotKeepsConflictingTail) {
            self.log
                .compact_keeping_tail(index, args.last_included_term);
        } else if index > self.log.snapshot_index() {
            self.log.compact_to(index, args.last_included_term);
        }
        self.snapshot = args.data.clone();
        self.commit_index = index;
        self.last_applied = index;
        self.dirty = true;
        trace!(
            self,
            "snapshot", "installed snapshot through {} from {}", index, from
        );
        out.apply(ApplyMsg::Snapshot {
            index,
            term: args.last_included_term,
            data: args.data.clone(),
        });
        reply(self)
    }

    /// The course's `Snapshot(index, data)`: the service has everything
    /// through `index` in `data`, so the log before it may go. Ignored when the
    /// snapshot would not move forward, or would cover entries not yet handed
    /// to the service (it cannot have them; the tester snapshots from its
    /// applier, after `last_applied` may already have moved past `index`).
    pub(crate) fn maybe_compact(&mut self, index: LogIndex, data: Bytes) -> bool {
        if index <= self.log.snapshot_index() || index > self.last_applied {
            trace!(
                self,
                "snapshot",
                "ignored service snapshot at {} (base {}, applied {})",
                index,
                self.log.snapshot_index(),
                self.last_applied
            );
            return false;
        }
        // Bug::ApplyPastCommit hands the service entries not yet committed; a
        // snapshot of them must not move the base past the commit index.
        if self.bugs.has(Bug::ApplyPastCommit) && index > self.commit_index {
            return false;
        }
        let Some(term) = self.log.term_at(index) else {
            // Relaxed with bugs on: a buggy truncation can remove entries the
            // service already has.
            assert!(!self.bugs.is_empty(), "applied entries are held");
            return false;
        };
        self.log.compact_to(index, term);
        self.snapshot = data;
        self.dirty = true;
        trace!(self, "snapshot", "compacted log through {}", index);
        true
    }
}
