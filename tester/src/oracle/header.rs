//! The `inspect_header` hint ([`raftapi::Raft::inspect_header`]). Most
//! inputs leave a server's log as it was (heartbeats, replies, timers) or
//! only append to it (`start`, AppendEntries). A Raft whose header's
//! `log_version` says so spares the oracles copying its whole log with
//! `inspect()` and comparing it with the last view: the last view's log is
//! *carried over*, extended with the new entries' terms
//! (`Raft::inspect_log_terms`), under the header's fields, which is what
//! `inspect()` would have shown if the hint is true. The log-matching and
//! leader append-only checks then start where the old log ended. Verdicts
//! are the same with the hint or without it.
//!
//! A hint that lied would hide violations or invent them, so it is checked:
//! - at every carry-over (O(1)): the snapshot base must be the carried
//!   log's, the log no shorter, its last term the same if no longer, and
//!   when it grew, its old last entry must keep its term and the new terms
//!   must end at the header's last index and term (a version that never
//!   changes is caught at the first truncation, snapshot or rewrite that
//!   touches the log's end);
//! - every [`SAMPLE`]th carry-over of a server, when it crashes, and before
//!   any violation is reported (for every live server whose log was carried
//!   over since its last `inspect()`): a full `inspect()`, against the
//!   carried view (a version kept across a rewrite of the log's middle);
//! - whenever both are taken at once: the header must be `inspect()`'s.
//!
//! A lie fails the run as [`INSPECT_HEADER`], naming the method. A Raft
//! without the hint (`None`) is inspected after every observed input, as
//! before; a Raft whose `inspect()` returns `None` is not asked for it.

use super::{Oracles, Violation, log_matching};
use raftapi::{Inspection, InspectionHeader, Raft};

/// The check name of a lying `inspect_header`.
pub const INSPECT_HEADER: &str = "oracle:inspect-header";

/// One carry-over in `SAMPLE` (per server) is checked with a full
/// `inspect()`.
pub const SAMPLE: u32 = 64;

/// What the oracles know of one server's hint.
#[derive(Debug, Default)]
pub(super) struct Hint {
    /// The `log_version` the slot's view was taken or carried with, in the
    /// current incarnation; `None` without a header.
    version: Option<u64>,
    /// Whether the view's log was carried over since it was last compared
    /// with an `inspect()`.
    pub(super) carried: bool,
    /// Carry-overs since the last sampled check.
    since_sample: u32,
    /// The header of the slot's view (kept beside it, so that a view
    /// carried over unchanged is not read again).
    seen: Option<InspectionHeader>,
    /// The header of the view before it (of any incarnation), if any.
    pub(super) before: Option<InspectionHeader>,
}

impl Hint {
    /// A new incarnation: its versions have nothing to do with the last's.
    pub(super) fn forget(&mut self) {
        *self = Hint::default();
    }
}

/// How server i's new view (in its slot, its header in `hint.seen`, the
/// last one's in `hint.before`) holds the last one. Small, and the views
/// stay where they are: this runs after every input.
#[derive(Clone, Copy, Debug)]
pub(super) struct Look {
    /// How far the new log holds what the old one held.
    pub(super) kept: u64,
    /// Whether the log is the old one (base, length and terms).
    pub(super) unchanged: bool,
    /// Whether the whole view is the old one: every check of it was made.
    pub(super) same: bool,
}

impl Oracles {
    /// Server i's new view, from its header when the log kept its version
    /// (and the view is of the same incarnation), from `inspect()`
    /// otherwise, left in its slot (the last one in `slot.replaced` when
    /// `inspect()` gave a new one); `None` if `inspect()` returned `None`.
    pub(super) fn look<R: Raft>(
        &mut self,
        i: usize,
        same_incarnation: bool,
        raft: &R,
    ) -> Result<Option<Look>, Violation> {
        let header = raft.inspect_header();
        let slot = &mut self.slots[i];
        slot.replaced = None;
        let kept_version =
            header.filter(|h| same_incarnation && Some(h.log_version) == slot.hint.version);
        if let Some(header) = kept_version
            && let Some(view) = slot.view.as_mut()
        {
            let old =
                (slot.hint.seen).unwrap_or_else(|| InspectionHeader::of(view, header.log_version));
            check_ends(i, &old, &header)?;
            if header.last_log_index > old.last_log_index {
                append_terms(i, view, &header, raft)?;
            }
            set_header(view, &header);
            let hint = &mut slot.hint;
            (hint.before, hint.seen) = (Some(old), Some(header));
            hint.carried = true;
            hint.since_sample += 1;
            if hint.since_sample >= SAMPLE {
                hint.since_sample = 0;
                hint.carried = false;
                verify(i, view, raft)?;
            }
            return Ok(Some(Look {
                kept: old.last_log_index.0,
                unchanged: header.last_log_index == old.last_log_index,
                same: header == old,
            }));
        }
        let Some(view) = raft.inspect() else {
            return Ok(None);
        };
        let replaced = slot.view.take();
        // Up to `kept` the new log holds what the old one held, so whatever
        // agreed with the old log up to there still agrees.
        let kept = match &replaced {
            Some(old) if old.snapshot_index <= view.snapshot_index => {
                log_matching::agreed_prefix(old, &view, 0)
            }
            _ => 0,
        };
        // An unchanged log has the same snapshot base and terms (`kept`
        // covers the snapshot index's term).
        let unchanged = replaced.as_ref().is_some_and(|old| {
            kept == view.last_log_index().0
                && old.last_log_index() == view.last_log_index()
                && old.snapshot_index == view.snapshot_index
        });
        let version = header.map(|h| h.log_version);
        slot.hint = Hint {
            version,
            seen: Some(InspectionHeader::of(&view, version.unwrap_or(0))),
            before: replaced.as_ref().map(|v| InspectionHeader::of(v, 0)),
            ..Hint::default()
        };
        let matches = header.map_or(Ok(()), |h| check_header(i, &view, &h));
        slot.view = Some(view);
        slot.replaced = replaced;
        matches.map(|()| {
            Some(Look {
                kept,
                unchanged,
                same: false,
            })
        })
    }

    /// Before a violation is reported, and when server i crashes: every
    /// view in `servers` whose log was carried over since its last
    /// `inspect()` is compared with one.
    pub(super) fn verify_carried<'a, R: Raft + 'a>(
        &mut self,
        servers: impl Iterator<Item = (usize, &'a R)>,
    ) -> Result<(), Violation> {
        for (i, raft) in servers {
            let slot = &mut self.slots[i];
            if !slot.hint.carried {
                continue;
            }
            slot.hint.carried = false;
            if let Some(view) = &slot.view {
                verify_later(i, view, slot.hint.version, raft)?;
            }
        }
        Ok(())
    }
}

/// The header's fields in `view` (whose log they leave as it is).
fn set_header(view: &mut Inspection, header: &InspectionHeader) {
    view.current_term = header.current_term;
    view.voted_for = header.voted_for;
    view.role = header.role;
    view.commit_index = header.commit_index;
    view.last_applied = header.last_applied;
}

/// A log whose version did not change must keep its snapshot base and
/// hold its old entries: no shorter, and the same last term if no longer.
fn check_ends(
    i: usize,
    old: &InspectionHeader,
    header: &InspectionHeader,
) -> Result<(), Violation> {
    let base = |h: &InspectionHeader| (h.snapshot_index.0, h.snapshot_term.0);
    let last = |h: &InspectionHeader| (h.last_log_index.0, h.last_log_term.0);
    let shrank = header.last_log_index < old.last_log_index;
    let rewritten = header.last_log_index == old.last_log_index && last(old) != last(header);
    let what = if base(old) != base(header) {
        format!(
            "its snapshot base went from index {} (term {}) to index {} (term {})",
            old.snapshot_index.0,
            old.snapshot_term.0,
            header.snapshot_index.0,
            header.snapshot_term.0
        )
    } else if shrank || rewritten {
        format!(
            "its last entry went from index {} (term {}) to index {} (term {})",
            old.last_log_index.0,
            old.last_log_term.0,
            header.last_log_index.0,
            header.last_log_term.0
        )
    } else {
        return Ok(());
    };
    Err(lie(format!(
        "S{i}'s inspect_header() kept log_version {}, but {what}: the version must change \
         whenever an entry is removed or replaced or the snapshot base moves",
        header.log_version
    )))
}

/// Appends to `view`'s log the terms of the entries the Raft appended
/// since, by `inspect_log_terms`, read from its last entry on: that entry
/// must still have its term (an unchanged version promised it), and the
/// log must end at the header's last index and term.
fn append_terms<R: Raft>(
    i: usize,
    view: &mut Inspection,
    header: &InspectionHeader,
    raft: &R,
) -> Result<(), Violation> {
    let last = view.last_log_index();
    let was = view.log_terms.pop();
    let from = if was.is_some() { last } else { last.next() };
    raft.inspect_log_terms(from, &mut view.log_terms);
    let now = was.and_then(|_| view.term_at(last));
    if let (Some(was), Some(now)) = (was, now)
        && was != now
    {
        return Err(lie(format!(
            "S{i}'s inspect_header() kept log_version {}, but its entry {} went from term {} \
             to term {}: the version must change whenever an entry is removed or replaced",
            header.log_version, last.0, was.0, now.0
        )));
    }
    let end = view.last_log_index();
    let term = view.term_at(end);
    if (end, term) == (header.last_log_index, Some(header.last_log_term)) && now == was {
        return Ok(());
    }
    Err(lie(format!(
        "S{i}'s inspect_log_terms() from index {} gave a log ending at index {} (term {}), \
         but inspect_header() says it ends at index {} (term {})",
        from.0,
        end.0,
        term.map_or(0, |t| t.0),
        header.last_log_index.0,
        header.last_log_term.0
    )))
}

/// A header must show what `inspect()` shows at the same moment.
fn check_header(i: usize, view: &Inspection, header: &InspectionHeader) -> Result<(), Violation> {
    let expected = InspectionHeader::of(view, header.log_version);
    if expected == *header {
        return Ok(());
    }
    Err(lie(format!(
        "S{i}'s inspect_header() says {}, but inspect() says {}",
        describe(header),
        describe(&expected)
    )))
}

/// A view carried over at this input against a full `inspect()`: the same
/// moment, so the whole view must be equal.
fn verify<R: Raft>(i: usize, view: &Inspection, raft: &R) -> Result<(), Violation> {
    let actual = inspect_again(i, raft)?;
    if let Some(header) = raft.inspect_header() {
        check_header(i, &actual, &header)?;
        check_log(i, view, &actual, header.log_version, false)?;
    }
    Ok(())
}

/// A view carried over at an earlier input, against a full `inspect()`
/// now: the server may have changed since (an input nobody saw), so only
/// if its log kept the version it was carried with must the log be equal.
fn verify_later<R: Raft>(
    i: usize,
    view: &Inspection,
    version: Option<u64>,
    raft: &R,
) -> Result<(), Violation> {
    let now = raft.inspect_header().map(|h| h.log_version);
    match version {
        Some(version) if now == Some(version) => {
            check_log(i, view, &inspect_again(i, raft)?, version, true)
        }
        _ => Ok(()),
    }
}

fn inspect_again<R: Raft>(i: usize, raft: &R) -> Result<Inspection, Violation> {
    raft.inspect().ok_or_else(|| {
        lie(format!(
            "S{i}'s inspect() returned None after inspect_header() had its log carried over"
        ))
    })
}

/// The log of `view`, carried over with `version`, must be `actual`'s
/// (with entries appended since, if `appended` may be).
fn check_log(
    i: usize,
    view: &Inspection,
    actual: &Inspection,
    version: u64,
    appended: bool,
) -> Result<(), Violation> {
    let base = |v: &Inspection| (v.snapshot_index, v.snapshot_term);
    let mismatch = log_matching::first_mismatch(&view.log_terms, &actual.log_terms);
    let what = if base(view) != base(actual) {
        "its snapshot base".to_string()
    } else if let Some(k) = mismatch {
        format!(
            "the term of its entry {} (now {}, was {})",
            view.snapshot_index.0 + 1 + k as u64,
            actual.log_terms[k].0,
            view.log_terms[k].0
        )
    } else if view.log_terms.len() > actual.log_terms.len()
        || (!appended && view.log_terms.len() < actual.log_terms.len())
    {
        format!(
            "its last index (now {}, was {})",
            actual.last_log_index().0,
            view.last_log_index().0
        )
    } else {
        return Ok(());
    };
    Err(lie(format!(
        "S{i}'s inspect_header() kept log_version {version}, but inspect() shows that {what} \
         changed: the version must change whenever an entry is removed or replaced or the \
         snapshot base moves"
    )))
}

fn describe(h: &InspectionHeader) -> String {
    let vote = h
        .voted_for
        .map_or("nobody".to_string(), |v| format!("S{}", v.0));
    format!(
        "term {}, vote {vote}, {:?}, commit {}, applied {}, snapshot {} (term {}), last {} (term {})",
        h.current_term.0,
        h.role,
        h.commit_index.0,
        h.last_applied.0,
        h.snapshot_index.0,
        h.snapshot_term.0,
        h.last_log_index.0,
        h.last_log_term.0
    )
}

fn lie(message: String) -> Violation {
    Violation {
        check: INSPECT_HEADER,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;
    use crate::oracle::{LOG_MATCHING, OracleSet};
    use raftapi::{Bytes, Config, Effects, Instant, LogIndex, NodeId, Persisted, Started, Term};

    /// A Raft that shows what the test sets: `view`, and a header with
    /// `version` (none if `None`).
    struct Scripted {
        view: Inspection,
        version: Option<u64>,
    }

    impl Raft for Scripted {
        type Request = ();
        type Reply = ();
        fn make(_: Config, _: Persisted, _: &mut Effects<()>) -> Scripted {
            unreachable!("scripted")
        }
        fn tick(&mut self, _: Instant, _: &mut Effects<()>) {}
        fn handle_request(&mut self, _: Instant, _: NodeId, _: &(), _: &mut Effects<()>) {}
        fn handle_reply(
            &mut self,
            _: Instant,
            _: NodeId,
            _: (),
            _: Option<()>,
            _: &mut Effects<()>,
        ) {
        }
        fn start(&mut self, _: Instant, _: Bytes, _: &mut Effects<()>) -> Option<Started> {
            None
        }
        fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Effects<()>) {}
        fn state(&self) -> (Term, bool) {
            (self.view.current_term, false)
        }
        fn persist_bytes(&self) -> usize {
            0
        }
        fn inspect(&self) -> Option<Inspection> {
            Some(self.view.clone())
        }
        fn inspect_header(&self) -> Option<InspectionHeader> {
            Some(InspectionHeader::of(&self.view, self.version?))
        }
    }

    fn scripted(terms: &[u64], version: Option<u64>) -> Scripted {
        Scripted {
            view: view(0, 0, terms),
            version,
        }
    }

    fn lie_in(result: Result<(), Violation>) -> String {
        let v = result.expect_err("a lie");
        assert_eq!(v.check, INSPECT_HEADER, "{}", v.message);
        v.message
    }

    #[test]
    fn appends_are_read_from_the_old_end_and_a_rewritten_end_is_a_lie() {
        let mut oracles = Oracles::new(1, OracleSet::ALL);
        let mut raft = scripted(&[1, 1], Some(0));
        oracles.observe(0, 0, &raft).unwrap();
        raft.view.log_terms.extend([2, 2].map(Term));
        oracles.observe(0, 0, &raft).unwrap();
        let carried = oracles.slots[0].view.as_ref().unwrap();
        assert_eq!(carried, &raft.view, "the new terms are appended");
        assert!(oracles.slots[0].hint.carried);
        // Entry 4 rewritten, the log grown past it: the version had to move.
        raft.view.log_terms[3] = Term(3);
        raft.view.log_terms.push(Term(3));
        raft.view.current_term = Term(3);
        assert_eq!(
            lie_in(oracles.observe(0, 0, &raft)),
            "S0's inspect_header() kept log_version 0, but its entry 4 went from term 2 to term 3: \
             the version must change whenever an entry is removed or replaced"
        );
    }

    #[test]
    fn a_rewritten_middle_is_caught_by_the_sample() {
        let mut oracles = Oracles::new(1, OracleSet::ALL);
        let mut raft = scripted(&[1, 1, 2, 2], Some(7));
        oracles.observe(0, 0, &raft).unwrap();
        raft.view.log_terms[1] = Term(2); // the ends stay as they were
        for _ in 1..SAMPLE {
            oracles.observe(0, 0, &raft).unwrap();
        }
        assert_eq!(
            lie_in(oracles.observe(0, 0, &raft)),
            "S0's inspect_header() kept log_version 7, but inspect() shows that the term of its \
             entry 2 (now 2, was 1) changed: the version must change whenever an entry is removed \
             or replaced or the snapshot base moves"
        );
    }

    #[test]
    fn a_violation_that_rests_on_a_lie_is_the_lies() {
        // S0's entry 2 changes under an unchanged version while its log
        // grows past its old end, which keeps its term: the carried view
        // shows the old entry 2, and S1's log then seems to break log
        // matching with it.
        let mut oracles = Oracles::new(2, OracleSet::ALL);
        let mut s0 = scripted(&[1, 1, 2], Some(0));
        oracles.observe(0, 0, &s0).unwrap();
        s0.view.log_terms = [1, 3, 2, 2].map(Term).to_vec();
        oracles.observe(0, 0, &s0).unwrap();
        let s1 = scripted(&[1, 3, 2, 2], None);
        assert_eq!(oracles.observe(1, 0, &s1).unwrap_err().check, LOG_MATCHING);
        // Checked before that is reported (or at a crash): the lie.
        let message = lie_in(oracles.verify_carried([(0, &s0)].into_iter()));
        assert!(
            message.contains("the term of its entry 2 (now 3, was 1)"),
            "{message}"
        );
        // Once checked, a view is not checked again until carried again.
        assert!(oracles.verify_carried([(0, &s0)].into_iter()).is_ok());
        // Without the hint, the same logs are fine.
        let mut plain = Oracles::new(2, OracleSet::ALL);
        s0.version = None;
        plain.observe(0, 0, &scripted(&[1, 1, 2], None)).unwrap();
        plain.observe(0, 0, &s0).unwrap();
        plain.observe(1, 0, &s1).unwrap();
    }

    #[test]
    fn a_header_that_differs_from_inspect_is_a_lie() {
        let mut oracles = Oracles::new(1, OracleSet::ALL);
        let raft = scripted(&[1, 1], Some(0));
        oracles.observe(0, 0, &raft).unwrap();
        let mut wrong = InspectionHeader::of(&raft.view, 1);
        wrong.commit_index = LogIndex(2);
        assert_eq!(
            lie_in(check_header(0, &raft.view, &wrong)),
            "S0's inspect_header() says term 1, vote nobody, Follower, commit 2, applied 0, \
             snapshot 0 (term 0), last 2 (term 1), but inspect() says term 1, vote nobody, \
             Follower, commit 0, applied 0, snapshot 0 (term 0), last 2 (term 1)"
        );
    }
}
