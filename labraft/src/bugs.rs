//! Injectable classic Raft bugs: small, faithful models of the mistakes
//! students make in the lab, all off by default and chosen at run time, so
//! that the tester can be measured against them (does it catch each one?).
//!
//! Each bug is one `if self.bugs.has(Bug::X)` branch placed exactly at the rule
//! it breaks; grep for the variant to find it. [`Bugs`] is a small set carried
//! next to [`Tuning`](crate::Tuning) and given to
//! [`Raft::make_with_bugs`](crate::Raft::make_with_bugs).
//!
//! # labraft's own asserts
//!
//! labraft checks its invariants after every input. A bug that *necessarily*
//! breaks one of them (applying past the commit index breaks
//! `last_applied <= commit_index`) skips that one assert, and only while that
//! bug is on, so that the tester, not labraft, is what catches it. Asserts that
//! observe another server's mistake (two leaders in one term, a committed entry
//! overwritten) are relaxed whenever any bug is on, for the same reason: the
//! servers of a run all carry the same bugs, and the tester must notice the
//! safety violation from the outside. With [`Bugs::default`] every assert holds
//! as before.
//!
//! ```
//! use labraft::{Bug, Bugs};
//!
//! let bugs: Bugs = "double-vote,fast-heartbeats".parse().unwrap();
//! assert!(bugs.has(Bug::DoubleVote) && bugs.has(Bug::FastHeartbeats));
//! assert_eq!(bugs.to_string(), "double-vote,fast-heartbeats");
//! assert!(Bugs::default().is_empty());
//! assert!("no-such-bug".parse::<Bug>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// One classic student mistake. See [`Bug::description`] for what each models
/// and which rule it breaks; [`Bug::name`] is its kebab-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// `vote-without-up-to-date-check`: §5.4.1.
    VoteWithoutUpToDateCheck,
    /// `double-vote`: §5.2, one vote per term.
    DoubleVote,
    /// `commit-old-term`: §5.4.2, Figure 8.
    CommitOldTerm,
    /// `voted-for-not-persisted`: Figure 2, persistent state.
    VotedForNotPersisted,
    /// `log-not-persisted`: Figure 2, persistent state.
    LogNotPersisted,
    /// `term-not-persisted`: Figure 2, persistent state.
    TermNotPersisted,
    /// `fixed-election-timeout`: §5.2, randomized timeouts.
    FixedElectionTimeout,
    /// `no-timer-reset-on-append`: §5.2, heartbeats hold elections off.
    NoTimerResetOnAppend,
    /// `leader-ignores-higher-term`: §5.1, Figure 2 "all servers".
    LeaderIgnoresHigherTerm,
    /// `truncate-on-every-append`: Figure 2, AppendEntries receiver step 3.
    TruncateOnEveryAppend,
    /// `commit-past-last-new`: Figure 2, AppendEntries receiver step 5.
    CommitPastLastNew,
    /// `accept-stale-append`: Figure 2, AppendEntries receiver step 1.
    AcceptStaleAppend,
    /// `count-stale-votes`: §5.2, votes of the current term only.
    CountStaleVotes,
    /// `fast-heartbeats`: the course's limit of ten heartbeats per second.
    FastHeartbeats,
    /// `resend-whole-log`: §5.3, `next_index`.
    ResendWholeLog,
    /// `snapshot-not-persisted`: §7, the snapshot is saved with the state.
    SnapshotNotPersisted,
    /// `snapshot-moves-backwards`: §7, InstallSnapshot receiver.
    SnapshotMovesBackwards,
    /// `apply-past-commit`: Figure 2, "all servers" apply rule.
    ApplyPastCommit,
    /// `slow-backup`: §5.3, the fast-backup optimisation.
    SlowBackup,
    /// `stale-match-index`: Figure 2, leader state reinitialised on election.
    StaleMatchIndex,
    /// `accept-stale-append-reply`: §5.1, replies of an earlier term are stale.
    AcceptStaleAppendReply,
    /// `vote-reset-in-same-term`: §5.2, one vote per term.
    VoteResetInSameTerm,
    /// `no-timer-reset-on-vote`: §5.2, a voter waits for the candidate.
    NoTimerResetOnVote,
    /// `backup-with-leader-term`: §5.3, the fast-backup optimisation.
    BackupWithLeaderTerm,
    /// `snapshot-keeps-conflicting-tail`: §7, InstallSnapshot receiver step 6.
    SnapshotKeepsConflictingTail,
    /// `stale-reply-moves-match-back`: Figure 2, match_index only grows.
    StaleReplyMovesMatchBack,
    /// `vote-grant-not-persisted`: Figure 2, persist before responding.
    VoteGrantNotPersisted,
    /// `grant-every-vote`: a deliberately gross bug for negative tests.
    GrantEveryVote,
    /// `apply-out-of-order`: a deliberately gross bug for negative tests.
    ApplyOutOfOrder,
}

impl Bug {
    /// Every bug, in a fixed order (the order of the bits in [`Bugs`]).
    pub const ALL: [Bug; 29] = [
        Bug::VoteWithoutUpToDateCheck,
        Bug::DoubleVote,
        Bug::CommitOldTerm,
        Bug::VotedForNotPersisted,
        Bug::LogNotPersisted,
        Bug::TermNotPersisted,
        Bug::FixedElectionTimeout,
        Bug::NoTimerResetOnAppend,
        Bug::LeaderIgnoresHigherTerm,
        Bug::TruncateOnEveryAppend,
        Bug::CommitPastLastNew,
        Bug::AcceptStaleAppend,
        Bug::CountStaleVotes,
        Bug::FastHeartbeats,
        Bug::ResendWholeLog,
        Bug::SnapshotNotPersisted,
        Bug::SnapshotMovesBackwards,
        Bug::ApplyPastCommit,
        Bug::SlowBackup,
        Bug::StaleMatchIndex,
        Bug::AcceptStaleAppendReply,
        Bug::VoteResetInSameTerm,
        Bug::NoTimerResetOnVote,
        Bug::BackupWithLeaderTerm,
        Bug::SnapshotKeepsConflictingTail,
        Bug::StaleReplyMovesMatchBack,
        Bug::VoteGrantNotPersisted,
        Bug::GrantEveryVote,
        Bug::ApplyOutOfOrder,
    ];

    /// The kebab-case name, as [`FromStr`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Bug::VoteWithoutUpToDateCheck => "vote-without-up-to-date-check",
            Bug::DoubleVote => "double-vote",
            Bug::CommitOldTerm => "commit-old-term",
            Bug::VotedForNotPersisted => "voted-for-not-persisted",
            Bug::LogNotPersisted => "log-not-persisted",
            Bug::TermNotPersisted => "term-not-persisted",
            Bug::FixedElectionTimeout => "fixed-election-timeout",
            Bug::NoTimerResetOnAppend => "no-timer-reset-on-append",
            Bug::LeaderIgnoresHigherTerm => "leader-ignores-higher-term",
            Bug::TruncateOnEveryAppend => "truncate-on-every-append",
            Bug::CommitPastLastNew => "commit-past-last-new",
            Bug::AcceptStaleAppend => "accept-stale-append",
            Bug::CountStaleVotes => "count-stale-votes",
            Bug::FastHeartbeats => "fast-heartbeats",
            Bug::ResendWholeLog => "resend-whole-log",
            Bug::SnapshotNotPersisted => "snapshot-not-persisted",
            Bug::SnapshotMovesBackwards => "snapshot-moves-backwards",
            Bug::ApplyPastCommit => "apply-past-commit",
            Bug::SlowBackup => "slow-backup",
            Bug::StaleMatchIndex => "stale-match-index",
            Bug::AcceptStaleAppendReply => "accept-stale-append-reply",
            Bug::VoteResetInSameTerm => "vote-reset-in-same-term",
            Bug::NoTimerResetOnVote => "no-timer-reset-on-vote",
            Bug::BackupWithLeaderTerm => "backup-with-leader-term",
            Bug::SnapshotKeepsConflictingTail => "snapshot-keeps-conflicting-tail",
            Bug::StaleReplyMovesMatchBack => "stale-reply-moves-match-back",
            Bug::VoteGrantNotPersisted => "vote-grant-not-persisted",
            Bug::GrantEveryVote => "grant-every-vote",
            Bug::ApplyOutOfOrder => "apply-out-of-order",
        }
    }

    /// What mistake the bug models and which rule it breaks, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            Bug::VoteWithoutUpToDateCheck => {
                "grants a vote without checking that the candidate's log is at least as up to date (§5.4.1)"
            }
            Bug::DoubleVote => {
                "grants a second vote in a term: voted_for is not checked before granting (§5.2)"
            }
            Bug::CommitOldTerm => {
                "commits an entry of an earlier term by counting replicas (§5.4.2, Figure 8)"
            }
            Bug::VotedForNotPersisted => {
                "leaves voted_for out of the persisted state, so a restart forgets the vote (Figure 2)"
            }
            Bug::LogNotPersisted => {
                "leaves the log out of the persisted state, so a restart forgets it (Figure 2)"
            }
            Bug::TermNotPersisted => {
                "leaves current_term out of the persisted state, so a restart starts at term 0 (Figure 2)"
            }
            Bug::FixedElectionTimeout => {
                "uses the minimum election timeout every time instead of a random one (§5.2)"
            }
            Bug::NoTimerResetOnAppend => {
                "does not restart the election timer on a valid AppendEntries (§5.2)"
            }
            Bug::LeaderIgnoresHigherTerm => {
                "a leader does not step down when a reply carries a higher term (§5.1)"
            }
            Bug::TruncateOnEveryAppend => {
                "truncates the log after prev_log_index on every AppendEntries, even when the entries match (Figure 2, receiver step 3)"
            }
            Bug::CommitPastLastNew => {
                "sets commit_index from leader_commit bounded by the log's end, not by the last new entry (Figure 2, receiver step 5)"
            }
            Bug::AcceptStaleAppend => {
                "accepts an AppendEntries from an earlier term (Figure 2, receiver step 1)"
            }
            Bug::CountStaleVotes => {
                "a candidate counts granted votes from replies to an earlier term's RequestVote (§5.2)"
            }
            Bug::FastHeartbeats => {
                "sends heartbeats every 10 ms, far more than the course's ten per second"
            }
            Bug::ResendWholeLog => {
                "sends the whole log in every AppendEntries instead of the entries from next_index (§5.3)"
            }
            Bug::SnapshotNotPersisted => {
                "persists the state without the snapshot, so a restart loses it (§7)"
            }
            Bug::SnapshotMovesBackwards => {
                "installs an InstallSnapshot older than the commit index, moving the state backwards (§7)"
            }
            Bug::ApplyPastCommit => {
                "applies every entry in the log, not only those up to commit_index (Figure 2, all servers)"
            }
            Bug::SlowBackup => {
                "on a rejection, backs next_index up by one entry per round trip instead of a term at a time (§5.3)"
            }
            Bug::StaleMatchIndex => {
                "a re-elected leader keeps match_index from its previous leadership instead of resetting it (Figure 2)"
            }
            Bug::AcceptStaleAppendReply => {
                "a leader lets AppendEntries replies to an earlier term's requests update match_index and commit (§5.1)"
            }
            Bug::VoteResetInSameTerm => {
                "clears voted_for when it hears from its term's leader, so a late candidate of that term gets a second vote (§5.2)"
            }
            Bug::NoTimerResetOnVote => {
                "does not restart the election timer when it grants a vote, so it may campaign against the candidate it chose (§5.2)"
            }
            Bug::BackupWithLeaderTerm => {
                "on a rejection, looks up the term it sent at prev_log_index instead of the follower's conflicting term, so next_index never backs past the conflict (§5.3)"
            }
            Bug::SnapshotKeepsConflictingTail => {
                "on InstallSnapshot, keeps the entries after the snapshot without checking that the entry at its index has its term (§7, receiver step 6)"
            }
            Bug::StaleReplyMovesMatchBack => {
                "a stale, reordered AppendEntries rejection moves match_index and next_index back below what the peer acknowledged (Figure 2)"
            }
            Bug::VoteGrantNotPersisted => {
                "the RequestVote handler never persists: a granted vote and the term it adopted are saved only when a later input persists (Figure 2)"
            }
            Bug::GrantEveryVote => {
                "grants every RequestVote regardless of term, vote or log (negative tests)"
            }
            Bug::ApplyOutOfOrder => {
                "applies the first two commands of an apply batch in swapped order (negative tests)"
            }
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Bug::ALL`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownBug(pub String);

impl fmt::Display for UnknownBug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown bug '{}'; known bugs are:", self.0)?;
        for bug in Bug::ALL {
            write!(f, " {bug}")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownBug {}

impl FromStr for Bug {
    type Err = UnknownBug;

    /// Reads a kebab-case name (surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Bug, UnknownBug> {
        let name = s.trim();
        Bug::ALL
            .into_iter()
            .find(|bug| bug.name() == name)
            .ok_or_else(|| UnknownBug(name.to_string()))
    }
}

/// A set of [`Bug`]s, one bit each. Empty by default: no bug.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bugs(u32);

impl Bugs {
    /// No bug (the same as [`Bugs::default`]).
    pub const NONE: Bugs = Bugs(0);

    /// Whether `bug` is in the set.
    pub fn has(self, bug: Bug) -> bool {
        self.0 & bug.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// This set with `bug` added.
    #[must_use]
    pub fn with(self, bug: Bug) -> Bugs {
        Bugs(self.0 | bug.bit())
    }

    /// The bugs in the set, in [`Bug::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Bug> {
        Bug::ALL.into_iter().filter(move |&bug| self.has(bug))
    }
}

impl From<Bug> for Bugs {
    fn from(bug: Bug) -> Bugs {
        Bugs::NONE.with(bug)
    }
}

impl FromIterator<Bug> for Bugs {
    fn from_iter<I: IntoIterator<Item = Bug>>(bugs: I) -> Bugs {
        bugs.into_iter().fold(Bugs::NONE, Bugs::with)
    }
}

impl fmt::Display for Bugs {
    /// Comma-separated names, as [`FromStr`] reads them; empty for no bug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, bug) in self.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            f.write_str(bug.name())?;
        }
        Ok(())
    }
}

impl FromStr for Bugs {
    type Err = UnknownBug;

    /// Reads comma-separated kebab-case names; an empty string is no bug.
    fn from_str(s: &str) -> Result<Bugs, UnknownBug> {
        s.split(',')
            .filter(|name| !name.trim().is_empty())
            .map(str::parse::<Bug>)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_empty() {
        assert!(Bugs::default().is_empty());
        assert_eq!(Bugs::default(), Bugs::NONE);
        assert!(Bug::ALL.iter().all(|&bug| !Bugs::default().has(bug)));
        assert_eq!(Bugs::default().to_string(), "");
        assert_eq!("".parse::<Bugs>(), Ok(Bugs::NONE));
    }

    #[test]
    fn every_name_round_trips_and_is_distinct() {
        for (k, bug) in Bug::ALL.into_iter().enumerate() {
            assert_eq!(bug as usize, k, "ALL is in declaration order");
            assert_eq!(bug.name().parse::<Bug>(), Ok(bug));
            assert_eq!(bug.to_string(), bug.name());
            assert!(!bug.description().is_empty());
            let only = Bugs::from(bug);
            assert_eq!(only.iter().collect::<Vec<_>>(), vec![bug]);
        }
        let all: Bugs = Bug::ALL.into_iter().collect();
        assert_eq!(
            all.iter().count(),
            Bug::ALL.len(),
            "names and bits distinct"
        );
        assert_eq!(all.to_string().parse::<Bugs>(), Ok(all));
    }

    #[test]
    fn unknown_names_say_what_is_known() {
        let err = "double-votes".parse::<Bug>().unwrap_err();
        assert_eq!(err, UnknownBug("double-votes".to_string()));
        let text = err.to_string();
        assert!(text.starts_with("unknown bug 'double-votes'; known bugs are: "));
        assert!(text.contains(" double-vote "));
        assert!(" double-vote, x".parse::<Bugs>().is_err());
        assert_eq!(
            " double-vote , slow-backup ".parse::<Bugs>(),
            Ok(Bugs::from(Bug::DoubleVote).with(Bug::SlowBackup))
        );
    }
}
