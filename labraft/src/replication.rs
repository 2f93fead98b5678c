//! The leader's side of log replication (§5.3, §5.4.2, §7): accepting
//! commands, sending AppendEntries and InstallSnapshot, reading their replies,
//! advancing the commit index, and applying.

use crate::bugs::Bug;
use crate::messages::{AppendEntriesArgs, AppendEntriesReply, Entry, InstallSnapshotArgs, Request};
use crate::raft::{Out, Raft};
use crate::role::{Role, quorum_index};
use raftapi::{ApplyMsg, Bytes, LogIndex, NodeId, Started};

/// The heartbeat interval of [`Bug::FastHeartbeats`].
const FAST_HEARTBEAT_INTERVAL_MS: u64 = 10;

impl Raft {
    /// The course's `Start`: a leader appends the command and schedules a send
    /// shortly after, so that a burst of `start`s at one instant leaves as one
    /// AppendEntries per peer. Anyone else declines.
    pub(crate) fn maybe_append_command(
        &mut self,
        command: Bytes,
        out: &mut Out,
    ) -> Option<Started> {
        let Role::Leader(leader) = &mut self.role else {
            return None;
        };
        self.log.append(Entry {
            term: self.current_term,
            command,
        });
        self.dirty = true;
        let index = self.log.last_index();
        leader.match_index[self.me.0] = index;
        leader.next_index[self.me.0] = index.next();
        if leader.replicate_at.is_none() {
            leader.replicate_at = Some(self.now.plus_ms(self.tuning.start_batch_delay_ms));
        }
        trace!(
            self,
            "append", "leader appended {} in {}", index, self.current_term
        );
        // A cluster of one commits on its own.
        self.maybe_advance_commit(out);
        Some(Started {
            index,
            term: self.current_term,
        })
    }

    /// The leader's timer: a heartbeat round is due or a batch of new entries
    /// is waiting. Either way every peer gets one AppendEntries (or snapshot).
    pub(crate) fn on_leader_timer(&mut self, out: &mut Out) {
        self.broadcast_append(out);
    }

    /// Sends every peer what it is missing, or an empty heartbeat, and restarts
    /// the heartbeat interval (§5.2: heartbeats keep followers from campaigning).
    pub(crate) fn broadcast_append(&mut self, out: &mut Out) {
        for peer in self.others() {
            self.send_append(peer, out);
        }
        // Bug::FastHeartbeats models a leader that heartbeats every 10 ms,
        // far over the course's limit of ten per second (spec: "the tester
        // limits you to 10 heartbeats per second").
        let interval_ms = if self.bugs.has(Bug::FastHeartbeats) {
            FAST_HEARTBEAT_INTERVAL_MS
        } else {
            self.tuning.heartbeat_interval_ms
        };
        let heartbeat_due = self.now.plus_ms(interval_ms);
        let Role::Leader(leader) = &mut self.role else {
            panic!("only a leader broadcasts AppendEntries");
        };
        leader.heartbeat_due = heartbeat_due;
        leader.replicate_at = None;
    }

    /// Sends `peer` the entries from its `next_index` on (at most a tuned
    /// number), or the snapshot if those entries are compacted (§7), and
    /// advances `next_index` past what was sent so the next heartbeat does not
    /// repeat it while it is in flight.
    pub(crate) fn send_append(&mut self, peer: NodeId, out: &mut Out) {
        let Role::Leader(leader) = &mut self.role else {
            panic!("only a leader sends AppendEntries");
        };
        let snapshot_index = self.log.snapshot_index();
        let next = leader.next_index[peer.0];
        if next <= snapshot_index {
            leader.next_index[peer.0] = snapshot_index.next();
            trace!(
                self,
                "snapshot", "sending snapshot through {} to {}", snapshot_index, peer
            );
            out.call(
                peer,
                Request::InstallSnapshot(InstallSnapshotArgs {
                    term: self.current_term,
                    leader_id: self.me,
                    last_included_index: snapshot_index,
                    last_included_term: self.log.snapshot_term(),
                    data: self.snapshot.clone(),
                }),
            );
            return;
        }
        // Bug::ResendWholeLog models a leader that sends `log[1:]` (all it
        // holds after its snapshot) every time instead of the entries from
        // next_index (§5.3), blowing the byte budget. Its bookkeeping
        // (next_index) stays right: only what goes on the wire is wrong.
        let (from, max_entries) = if self.bugs.has(Bug::ResendWholeLog) {
            (snapshot_index.next(), usize::MAX)
        } else {
            (next, self.tuning.max_entries_per_append)
        };
        let prev_log_index = from.prev();
        let prev_log_term = self
            .log
            .term_at(prev_log_index)
            .expect("next index is after the snapshot");
        let entries = if leader.probing[peer.0] {
            Vec::new()
        } else {
            self.log.entries_from(from, max_entries).to_vec()
        };
        let sent_through = LogIndex(from.0 + entries.len() as u64);
        leader.next_index[peer.0] = next.max(sent_through);
        out.call(
            peer,
            Request::AppendEntries(AppendEntriesArgs {
                term: self.current_term,
                leader_id: self.me,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
            }),
        );
    }

    /// An AppendEntries of the current term resolved (`None`: the call failed).
    pub(crate) fn handle_append_entries_reply(
        &mut self,
        peer: NodeId,
        args: &AppendEntriesArgs,
        reply: Option<&AppendEntriesReply>,
        out: &mut Out,
    ) {
        match reply {
            None => self.handle_append_failure(peer, args),
            Some(reply) => {
                let was_probing = self.stop_probing(peer);
                self.handle_append_answer(peer, args, reply, out);
                if was_probing {
                    self.maybe_send_missing(peer, out);
                }
            }
        }
    }

    /// A reply came back from `peer`: it is reachable again.
    fn stop_probing(&mut self, peer: NodeId) -> bool {
        match &mut self.role {
            Role::Leader(leader) => std::mem::replace(&mut leader.probing[peer.0], false),
            _ => false,
        }
    }

    /// Sends `peer` the entries it lacks, if it lacks any and none are in flight.
    fn maybe_send_missing(&mut self, peer: NodeId, out: &mut Out) {
        let last = self.log.last_index();
        if let Role::Leader(leader) = &self.role
            && leader.next_index[peer.0] <= last
        {
            self.send_append(peer, out);
        }
    }

    /// A success or a rejection from `peer`.
    fn handle_append_answer(
        &mut self,
        peer: NodeId,
        args: &AppendEntriesArgs,
        reply: &AppendEntriesReply,
        out: &mut Out,
    ) {
        match reply {
            reply if reply.success => {
                let mut matched = LogIndex(args.prev_log_index.0 + args.entries.len() as u64);
                // Bug::AcceptStaleAppendReply lets an old term's reply through
                // (see `accepts_stale_reply`); what it acknowledged may have
                // been truncated since. Capped at the log's end, as a commit
                // loop from the last log index down would read it.
                if self.bugs.has(Bug::AcceptStaleAppendReply) {
                    matched = matched.min(self.log.last_index());
                }
                self.maybe_record_match(peer, matched, out);
            }
            reply => self.handle_append_rejection(peer, args, reply, out),
        }
    }

    /// A lost AppendEntries: if it carried entries the peer has not
    /// acknowledged, move `next_index` back so the next heartbeat resends them.
    /// Not at once: the peer may be unreachable, and heartbeats pace retries.
    fn handle_append_failure(&mut self, peer: NodeId, args: &AppendEntriesArgs) {
        let Role::Leader(leader) = &mut self.role else {
            return;
        };
        let first_sent = args.prev_log_index.next();
        let p = peer.0;
        leader.probing[p] = true;
        if !args.entries.is_empty()
            && first_sent > leader.match_index[p]
            && first_sent < leader.next_index[p]
        {
            leader.next_index[p] = first_sent;
        }
    }

    /// Fast backup (§5.3's optimisation, as the course describes it): skip the
    /// follower's whole conflicting term, or jump to its log's end, then retry
    /// at once. A rejection at or below what the peer already matched is a
    /// reordered, stale one and is ignored.
    fn handle_append_rejection(
        &mut self,
        peer: NodeId,
        args: &AppendEntriesArgs,
        reply: &AppendEntriesReply,
        out: &mut Out,
    ) {
        let backed = match reply.conflict_term {
            // Bug::SlowBackup models a leader that ignores the fast-backup
            // hints and decrements next_index by one per rejection (§5.3's
            // plain rule), so a follower far behind takes one round trip per
            // entry (TestBackup3B's time limit).
            _ if self.bugs.has(Bug::SlowBackup) => args.prev_log_index,
            // Bug::BackupWithLeaderTerm models a leader that searches its log
            // for the term it sent (prev_log_term) instead of the follower's
            // conflicting term: it lands past the conflict, forever.
            Some(_) if self.bugs.has(Bug::BackupWithLeaderTerm) => self
                .log
                .last_index_of_term(args.prev_log_term)
                .map_or(reply.conflict_index, LogIndex::next),
            None => reply.conflict_index,
            Some(term) => self
                .log
                .last_index_of_term(term)
                .map_or(reply.conflict_index, LogIndex::next),
        };
        let last = self.log.last_index();
        let Role::Leader(leader) = &mut self.role else {
            return;
        };
        let p = peer.0;
        // Bug::StaleReplyMovesMatchBack models `nextIndex = backup;
        // matchIndex = nextIndex - 1` on every rejection, stale ones
        // included: match_index moves back (Figure 2: it only grows).
        if self.bugs.has(Bug::StaleReplyMovesMatchBack) {
            let target = backed.min(last.next()).max(LogIndex(1));
            leader.next_index[p] = target;
            leader.match_index[p] = leader.match_index[p].min(target.prev());
            self.send_append(peer, out);
            return;
        }
        if args.prev_log_index <= leader.match_index[p] {
            return;
        }
        let target = backed.min(last.next()).max(leader.match_index[p].next());
        if target >= leader.next_index[p] {
            return;
        }
        leader.next_index[p] = target;
        trace!(
            self,
            "append", "{} rejected at {}: backing up to {}", peer, args.prev_log_index, target
        );
        self.send_append(peer, out);
    }

    /// An InstallSnapshot of the current term resolved. Once delivered, the
    /// peer holds everything through the snapshot (it either installed it or
    /// had already committed past it).
    pub(crate) fn handle_install_snapshot_reply(
        &mut self,
        peer: NodeId,
        args: &InstallSnapshotArgs,
        delivered: bool,
        out: &mut Out,
    ) {
        if delivered {
            self.maybe_record_match(peer, args.last_included_index, out);
            return;
        }
        let Role::Leader(leader) = &mut self.role else {
            return;
        };
        let p = peer.0;
        let retry_from = args.last_included_index.max(leader.match_index[p].next());
        if retry_from < leader.next_index[p] {
            leader.next_index[p] = retry_from;
        }
    }

    /// `peer` holds the leader's log through `matched`: record it, commit what
    /// a majority holds, and send more at once if the peer is still behind.
    fn maybe_record_match(&mut self, peer: NodeId, matched: LogIndex, out: &mut Out) {
        let last = self.log.last_index();
        let Role::Leader(leader) = &mut self.role else {
            return;
        };
        let p = peer.0;
        if matched <= leader.match_index[p] {
            return;
        }
        leader.match_index[p] = matched;
        if leader.next_index[p] <= matched {
            leader.next_index[p] = matched.next();
        }
        let behind = leader.next_index[p] <= last;
        self.maybe_advance_commit(out);
        if behind {
            self.send_append(peer, out);
        }
    }

    /// §5.3 and §5.4.2: commit the highest index a majority holds, but only if
    /// it is from the current term (older entries then commit indirectly).
    pub(crate) fn maybe_advance_commit(&mut self, out: &mut Out) {
        let Role::Leader(leader) = &self.role else {
            return;
        };
        let candidate = quorum_index(&leader.match_index);
        // Bug::CommitOldTerm models a leader that commits whatever a majority
        // holds, dropping §5.4.2's "only entries from the current term are
        // committed by counting replicas" (the Figure 8 bug).
        let current_term = self.log.term_at(candidate) == Some(self.current_term)
            || self.bugs.has(Bug::CommitOldTerm);
        if candidate <= self.commit_index || !current_term {
            return;
        }
        trace!(
            self,
            "commit", "leader committed through {} in {}", candidate, self.current_term
        );
        self.commit_index = candidate;
        self.apply_committed(out);
    }

    /// Applies `last_applied + 1 ..= commit_index` in order, exactly once each
    /// in this incarnation (Figure 2, "all servers").
    pub(crate) fn apply_committed(&mut self, out: &mut Out) {
        // Bug::ApplyPastCommit models an apply loop bounded by the log's end
        // instead of commit_index (Figure 2: "if commitIndex > lastApplied"),
        // so uncommitted entries reach the service. Without bugs the commit
        // index never passes the log's end; with bugs it may (see the bugs
        // module), and only held entries can be applied.
        let end = if self.bugs.has(Bug::ApplyPastCommit) {
            self.log.last_index()
        } else {
            self.commit_index.min(self.log.last_index())
        };
        if self.last_applied >= end {
            return;
        }
        trace!(
            self,
            "apply",
            "applying {} through {}",
            self.last_applied.next(),
            end
        );
        // Bug::ApplyOutOfOrder hands the service the first two commands of a
        // batch in swapped order: a gross bug for negative tests (Figure 2
        // applies in log order).
        let first = self.last_applied.next();
        if self.bugs.has(Bug::ApplyOutOfOrder) && first < end {
            out.apply(self.command_msg(first.next()));
            out.apply(self.command_msg(first));
            self.last_applied = first.next();
        }
        while self.last_applied < end {
            let index = self.last_applied.next();
            out.apply(self.command_msg(index));
            self.last_applied = index;
        }
    }

    /// The apply message for the held entry at `index`.
    fn command_msg(&self, index: LogIndex) -> ApplyMsg {
        ApplyMsg::Command {
            index,
            command: self.log.entry(index).command.clone(),
        }
    }
}
