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
//! Cost: a shadow is made only when the live durable state or the persisted
//! bytes changed since the last check; the bytes are compared by pointer
//! first (`Bytes` is shared), then by content.
//!
//! Because the ordering contract performs the persist before the reply and
//! calls of the same input, "reply before persist" cannot happen; what this
//! catches is a persist that never happens or that leaves something out.

use super::{DURABILITY, Violation};
use crate::failure::panic_message;
use raftapi::{Config, Effects, Inspection, NodeId, Persisted, Raft};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The persisted bytes a server was last checked against.
#[derive(Debug, Default)]
pub struct Checked {
    persisted: Option<Persisted>,
}

impl Checked {
    /// Whether a check is due: the durable state changed since the last
    /// check (`durable_changed`), or the persisted bytes did.
    pub fn due(&self, durable_changed: bool, persisted: &Persisted) -> bool {
        durable_changed || self.persisted.as_ref() != Some(persisted)
    }

    /// Remembers the bytes of a check that passed.
    pub fn checked(&mut self, persisted: &Persisted) {
        self.persisted = Some(persisted.clone());
    }
}

/// Whether two inspections hold the same durable state.
pub fn same_durable(a: &Inspection, b: &Inspection) -> bool {
    a.current_term == b.current_term
        && a.voted_for == b.voted_for
        && a.snapshot_index == b.snapshot_index
        && a.snapshot_term == b.snapshot_term
        && a.log_terms == b.log_terms
}

/// Makes a shadow of server `config.me` from `persisted` with `make` and
/// inspects it. `Err` with the panic's message if `make` (or `inspect`)
/// panicked.
pub fn restore<R: Raft>(
    make: &dyn Fn(Config, Persisted, &mut Effects<R::Request>) -> R,
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
    if let Some(k) = (0..live.log_terms.len()).find(|&k| live.log_terms[k] != restored.log_terms[k])
    {
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
        assert!(same_durable(&live, &restored));
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

    #[test]
    fn a_check_is_due_on_new_bytes_or_a_changed_state() {
        let mut checked = Checked::default();
        let bytes = saved(4);
        assert!(checked.due(false, &bytes), "never checked");
        checked.checked(&bytes);
        assert!(!checked.due(false, &bytes));
        assert!(
            !checked.due(false, &saved(4)),
            "equal bytes, another buffer"
        );
        assert!(checked.due(false, &saved(5)));
        assert!(checked.due(true, &bytes));
    }
}
