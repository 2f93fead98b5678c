//! Durability (Figure 2: persistent state is "updated on stable storage
//! before responding to RPCs"): after every input, the server's durable
//! state must be what a server made from its persisted bytes alone would
//! have. The oracle makes that server (a *shadow*) with the run's own
//! factory and compares the two `inspect()`s.
//!
//! What it compares, per Figure 2 and §7: `current_term`, `voted_for`, the
//! snapshot base (index and term) and the term of every entry after it; and,
//! when the restored log starts after a snapshot, that a snapshot was
//! persisted at all. Not compared: the role, `commit_index`, `last_applied`
//! (volatile), and the bytes of the snapshot (the service's business).
//!
//! What it assumes of the Raft:
//! - `make(config, persisted, out)` restores the durable state from
//!   `persisted` alone and is deterministic in its arguments. The shadow gets
//!   the live incarnation's own [`Config`] (its seed included: the shadow's
//!   draws come from a copy of that seed, never from a stream of the run) and
//!   a throwaway [`Effects`] buffer; tracing is muted while it is made, and
//!   the shadow is dropped after one `inspect()`. A `make` with side effects
//!   beyond its `Effects` (a global counter, a file) sees one extra call per
//!   check: that disturbs only the shadow, never the run, as long as the
//!   live servers do not read those side effects back.
//! - `inspect()` reports the durable fields the same way for a live server
//!   and a restored one. A Raft whose `inspect()` returns `None` is not
//!   checked (the run's lines say so), nor is one whose shadow returns `None`.
//! - A `make` that panics on its own persisted bytes fails the run as a
//!   violation of this oracle, with the panic's message.
//!
//! When a check is made, and at what cost:
//! - nothing changed since the previous input (durable state, bytes): none;
//! - the bytes are those of the last shadow (the input persisted nothing):
//!   the live state is compared with that shadow's, no new shadow;
//! - the input only appended to the log (term, vote and snapshot base as
//!   the last shadow had them, the shadow's log a prefix of the live one):
//!   a new shadow once the log has grown by half since the last one
//!   (always while it holds fewer than [`GROWTH_DIVISOR`] entries), so the
//!   shadows decode about three times the log's final length in all instead
//!   of its square; a Raft that persists every append wrongly is caught at the
//!   next shadow, one whose appends are persisted late or not at all at once;
//! - anything else (a new term or vote, a truncation, a snapshot): a new
//!   shadow at once.
//!
//! Bytes are compared by pointer first (`Bytes` is shared), then content.
//!
//! Because the ordering contract performs the persist before the reply and
//! calls of the same input, "reply before persist" cannot happen; what this
//! catches is a persist that never happens or that leaves something out.

use super::{DURABILITY, Violation};
use crate::failure::panic_message;
use raftapi::{Config, Effects, Inspection, NodeId, Persisted, Raft};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

/// Appends are checked with a new shadow once the log has grown by
/// 1/`GROWTH_DIVISOR` of the last shadow's length.
pub const GROWTH_DIVISOR: usize = 2;

/// How one input changed a server's live state, as the oracles saw it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// The durable state (term, vote, snapshot base, log terms) changed.
    pub durable: bool,
    /// The new log holds the old one whole, at the same snapshot base.
    pub extends: bool,
}

impl Change {
    /// Nothing changed.
    pub const NONE: Change = Change {
        durable: false,
        extends: true,
    };
}

/// What the durability oracle keeps of one server between inputs.
#[derive(Debug, Default)]
pub struct Checked {
    /// The bytes persisted after the previous input.
    last: Option<Persisted>,
    /// The bytes of the last shadow, and what the shadow held.
    shadow: Option<(Persisted, Rc<Inspection>)>,
    /// Whether the live log has held the shadow's log whole ever since.
    extends_shadow: bool,
}

impl Checked {
    /// Server `i`'s `live` state, changed by `change`, against `persisted`,
    /// by the rules of the module docs; `restore` makes and inspects a shadow.
    pub fn check(
        &mut self,
        i: usize,
        live: &Inspection,
        change: Change,
        persisted: &Persisted,
        restore: impl FnOnce(&Persisted) -> Result<Option<Rc<Inspection>>, String>,
    ) -> Result<(), Violation> {
        if !change.durable && self.last.as_ref() == Some(persisted) {
            return Ok(());
        }
        self.last = Some(persisted.clone());
        self.extends_shadow &= change.extends;
        if let Some((bytes, restored)) = &self.shadow {
            if bytes == persisted {
                return compare(i, live, restored, persisted);
            }
            if self.extends_shadow && appended_a_little(restored, live) {
                return Ok(());
            }
        }
        match restore(persisted) {
            Err(message) => Err(panicked(i, persisted, &message)),
            Ok(None) => Ok(()),
            Ok(Some(restored)) => {
                let result = compare(i, live, &restored, persisted);
                self.shadow = Some((persisted.clone(), restored));
                self.extends_shadow = true;
                result
            }
        }
    }
}

/// Whether `live`, whose log extends `restored`'s, holds at most half as
/// many new entries as `restored`'s log, with the same term, vote and
/// snapshot base.
fn appended_a_little(restored: &Inspection, live: &Inspection) -> bool {
    let (old, new) = (restored.log_terms.len(), live.log_terms.len());
    let header = |v: &Inspection| {
        (
            v.current_term,
            v.voted_for,
            v.snapshot_index,
            v.snapshot_term,
        )
    };
    new > old && (new - old) * GROWTH_DIVISOR <= old && header(restored) == header(live)
}

/// The last few shadows made, by the bytes they were made from: followers
/// in step persist the same bytes, and one shadow serves them all (shared,
/// not copied: a shadow holds a whole log's terms).
#[derive(Debug, Default)]
pub struct Shadows {
    recent: Vec<(Persisted, Rc<Inspection>)>,
}

impl Shadows {
    /// How many shadows are kept.
    const KEPT: usize = 4;

    /// What a restart from `persisted` holds: a kept shadow's, or `restore`'s
    /// (then kept).
    pub fn restore(
        &mut self,
        persisted: &Persisted,
        restore: impl FnOnce(&Persisted) -> Result<Option<Inspection>, String>,
    ) -> Result<Option<Rc<Inspection>>, String> {
        if let Some(k) = self.recent.iter().position(|(p, _)| p == persisted) {
            let kept = self.recent.remove(k);
            let view = Rc::clone(&kept.1);
            self.recent.insert(0, kept);
            return Ok(Some(view));
        }
        let Some(restored) = restore(persisted)?.map(Rc::new) else {
            return Ok(None);
        };
        self.recent
            .insert(0, (persisted.clone(), Rc::clone(&restored)));
        self.recent.truncate(Self::KEPT);
        Ok(Some(restored))
    }
}

/// A server's factory (the harness's `Factory`, unboxed).
pub type Make<R> = dyn Fn(Config, Persisted, &mut Effects<<R as Raft>::Request>) -> R;

/// Makes a shadow of server `config.me` from `persisted` with `make` and
/// inspects it. `Err` with the panic's message if `make` (or `inspect`)
/// panicked.
pub fn restore<R: Raft>(
    make: &Make<R>,
    config: Config,
    persisted: &Persisted,
) -> Result<Option<Inspection>, String> {
    let none = tracing::Dispatch::none();
    catch_unwind(AssertUnwindSafe(|| {
        tracing::dispatcher::with_default(&none, || {
            let mut out = Effects::new();
            make(config, persisted.clone(), &mut out).inspect()
        })
    }))
    .map_err(|payload| panic_message(payload.as_ref()))
}

/// Server `i`'s `live` durable state against `restored`, the state of a
/// server made from `persisted`.
pub fn compare(
    i: usize,
    live: &Inspection,
    restored: &Inspection,
    persisted: &Persisted,
) -> Result<(), Violation> {
    let lost = |what: String| {
        let mut message = format!("S{i}{what}");
        if restored_nothing(restored) && !persisted.raft_state.is_empty() {
            message += &format!(
                " (its make restored nothing from {} persisted bytes)",
                persisted.raft_state.len()
            );
        }
        Err(violation(message))
    };
    let (term, restored_term) = (live.current_term.0, restored.current_term.0);
    if term != restored_term {
        return lost(format!(
            " is in term {term}, but a restart from its persisted state would be in term {restored_term}"
        ));
    }
    if live.voted_for != restored.voted_for {
        let voted = match live.voted_for {
            Some(v) => format!(" voted for S{} in term {term}", v.0),
            None => format!(" has not voted in term {term}"),
        };
        return lost(format!(
            "{voted}, but a restart from its persisted state would have voted for {}",
            who(restored.voted_for)
        ));
    }
    let base = |v: &Inspection| (v.snapshot_index, v.snapshot_term);
    if base(live) != base(restored) {
        return lost(format!(
            " has {}, but a restart from its persisted state would have {}",
            snapshot(live),
            snapshot(restored)
        ));
    }
    let (last, restored_last) = (live.last_log_index().0, restored.last_log_index().0);
    if last != restored_last {
        return lost(format!(
            "'s log has {last} entries, but a restart from its persisted state would have {restored_last}"
        ));
    }
    if let Some(k) = super::log_matching::first_mismatch(&live.log_terms, &restored.log_terms) {
        return lost(format!(
            "'s entry {} is from term {}, but a restart from its persisted state would have it from term {}",
            live.snapshot_index.0 + 1 + k as u64,
            live.log_terms[k].0,
            restored.log_terms[k].0
        ));
    }
    if restored.snapshot_index.0 > 0 && persisted.snapshot.is_empty() {
        return Err(violation(format!(
            "S{i}'s log starts after a snapshot through index {}, but the snapshot it persisted is empty: \
             a restart could not give its service that state",
            restored.snapshot_index.0
        )));
    }
    Ok(())
}

/// A `make` that panicked on server `i`'s persisted bytes.
pub fn panicked(i: usize, persisted: &Persisted, message: &str) -> Violation {
    violation(format!(
        "S{i}: a restart from its persisted state ({} bytes of raft state, {} of snapshot) panics in make: {message}",
        persisted.raft_state.len(),
        persisted.snapshot.len()
    ))
}

fn restored_nothing(v: &Inspection) -> bool {
    v.current_term.0 == 0 && v.voted_for.is_none() && v.last_log_index().0 == 0
}

fn who(vote: Option<NodeId>) -> String {
    vote.map_or_else(|| "nobody".to_string(), |v| format!("S{}", v.0))
}

fn snapshot(v: &Inspection) -> String {
    if v.snapshot_index.0 == 0 {
        "no snapshot".to_string()
    } else {
        format!(
            "a snapshot through index {} (term {})",
            v.snapshot_index.0, v.snapshot_term.0
        )
    }
}

fn violation(message: String) -> Violation {
    Violation {
        check: DURABILITY,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;
    use raftapi::{Bytes, Term};

    fn saved(bytes: usize) -> Persisted {
        Persisted {
            raft_state: Bytes::from(vec![7; bytes]),
            snapshot: Bytes::new(),
        }
    }

    fn message(live: &Inspection, restored: &Inspection, persisted: &Persisted) -> String {
        let v = compare(2, live, restored, persisted).unwrap_err();
        assert_eq!(v.check, DURABILITY);
        v.message
    }

    #[test]
    fn equal_durable_states_pass_whatever_the_volatile_ones() {
        let live = view(0, 0, &[1, 1, 2]);
        let mut restored = view(0, 0, &[1, 1, 2]);
        restored.commit_index.0 = 0;
        restored.role = raftapi::Role::Leader;
        assert!(compare(2, &live, &restored, &saved(10)).is_ok());
    }

    #[test]
    fn each_lost_field_is_named() {
        let mut live = view(0, 0, &[1, 1]);
        live.current_term = Term(7);
        live.voted_for = Some(NodeId(0));
        let mut restored = view(0, 0, &[1, 1]);
        restored.current_term = Term(7);
        assert_eq!(
            message(&live, &restored, &saved(10)),
            "S2 voted for S0 in term 7, but a restart from its persisted state would have voted for nobody"
        );
        restored.current_term = Term(5);
        assert_eq!(
            message(&live, &restored, &saved(10)),
            "S2 is in term 7, but a restart from its persisted state would be in term 5"
        );
        let live = view(0, 0, &[1, 1, 1, 2]);
        let mut restored = view(0, 0, &[1, 1]);
        restored.current_term = live.current_term;
        assert_eq!(
            message(&live, &restored, &saved(10)),
            "S2's log has 4 entries, but a restart from its persisted state would have 2"
        );
        let mut restored = view(0, 0, &[1, 1, 2, 2]);
        restored.current_term = live.current_term;
        assert_eq!(
            message(&live, &restored, &saved(10)),
            "S2's entry 3 is from term 1, but a restart from its persisted state would have it from term 2"
        );
        let mut restored = view(2, 1, &[1, 2]);
        restored.current_term = live.current_term;
        assert_eq!(
            message(&live, &restored, &saved(10)),
            "S2 has no snapshot, but a restart from its persisted state would have a snapshot through index 2 (term 1)"
        );
    }

    #[test]
    fn a_make_that_restores_nothing_is_pointed_out() {
        let mut live = view(0, 0, &[]);
        live.current_term = Term(3);
        let mut restored = view(0, 0, &[]);
        restored.current_term = Term(0);
        assert_eq!(
            message(&live, &restored, &saved(12)),
            "S2 is in term 3, but a restart from its persisted state would be in term 0 \
             (its make restored nothing from 12 persisted bytes)"
        );
    }

    #[test]
    fn a_snapshot_base_needs_a_persisted_snapshot() {
        let live = view(9, 2, &[2]);
        assert_eq!(
            message(&live, &view(9, 2, &[2]), &saved(10)),
            "S2's log starts after a snapshot through index 9, but the snapshot it persisted is empty: \
             a restart could not give its service that state"
        );
        let with_snapshot = Persisted {
            snapshot: Bytes::from(vec![1]),
            ..saved(10)
        };
        assert!(compare(2, &live, &view(9, 2, &[2]), &with_snapshot).is_ok());
    }

    /// Runs `check` with a `restore` that counts its shadows and returns
    /// `restored`.
    fn check(
        c: &mut Checked,
        live: &Inspection,
        changed: bool,
        bytes: &Persisted,
        restored: &Inspection,
        shadows: &mut usize,
    ) -> Result<(), Violation> {
        let change = Change {
            durable: changed,
            extends: true,
        };
        c.check(2, live, change, bytes, |_| {
            *shadows += 1;
            Ok(Some(Rc::new(restored.clone())))
        })
    }

    #[test]
    fn shadows_are_made_only_when_needed() {
        let mut c = Checked::default();
        let mut shadows = 0;
        let mut terms = vec![1; 16];
        let (live, bytes) = (view(0, 0, &terms), saved(16));
        assert!(check(&mut c, &live, true, &bytes, &live, &mut shadows).is_ok());
        assert_eq!(shadows, 1, "the first check makes one");
        assert!(check(&mut c, &live, false, &saved(16), &live, &mut shadows).is_ok());
        assert_eq!(shadows, 1, "nothing changed: equal bytes in another buffer");
        // The state changed but nothing was persisted: the last shadow says so.
        terms.push(1);
        let grown = view(0, 0, &terms);
        let v = check(&mut c, &grown, true, &bytes, &live, &mut shadows).unwrap_err();
        assert!(v.message.contains("log has 17 entries"), "{}", v.message);
        assert_eq!(shadows, 1);
        // Eight appends persisted: half of 16, no shadow yet.
        terms.extend([1; 7]);
        let grown = view(0, 0, &terms);
        assert!(check(&mut c, &grown, true, &saved(24), &live, &mut shadows).is_ok());
        assert_eq!(shadows, 1);
        terms.push(1);
        let grown = view(0, 0, &terms);
        let v = check(&mut c, &grown, true, &saved(25), &live, &mut shadows).unwrap_err();
        assert_eq!(shadows, 2, "nine: more than half");
        assert!(
            v.message.contains("log has 25 entries, but"),
            "{}",
            v.message
        );
        // A new term is checked at once.
        let mut voted = view(0, 0, &[1; 16]);
        voted.current_term = Term(2);
        let _ = check(&mut c, &voted, true, &saved(20), &voted, &mut shadows);
        assert_eq!(shadows, 3);
    }
}
