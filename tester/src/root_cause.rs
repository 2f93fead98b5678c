//! The earliest root cause of a failing seed. A run that fails (by a
//! course check, a panic or a scenario's liveness phase; not by a strict
//! oracle, which already is the root cause) is run once more with every
//! strict oracle on, observing only: a violation is recorded, not failed on, so
//! the re-run takes the same path (its trace hash and event count are
//! compared with the first run's) to the same end. When an oracle fired
//! before the course's check did, the failure report shows it under the
//! course's message, with a replay line of its own:
//!
//! ```text
//! FAIL TestPersist13C seed=0x7 edition=2026 at 33.020s virtual: check failed in wait: ...
//!   first broken invariant: 0.850s, oracle:applied-agree: S1 applied ...
//!     replay: LAB_SEED=0x7 LAB_EDITION=2026 LAB_STRICT=1 cargo test -- TestPersist13C
//! ```
//!
//! The same re-run explains a liveness failure ([`crate::progress`]).
//! Only failing runs pay for it (one more run, unobserved by `tracing`).
//! Off with `RunSpec::root_cause` false: `lab --no-root-cause`,
//! `LAB_ROOT_CAUSE=0` for `cargo test`; `lab mutants` never asks. Runs that
//! ran out of budget are not re-run (a runaway costs its whole budget
//! again), nor checked runs (`RunSpec::check`), nor runs that used more
//! than a third of their CPU limit (the re-run would share it: the
//! failure is kept, unexplained, rather than lost to the limit).

use crate::failure::Kind;
use crate::harness::Factory;
use crate::oracle::OracleSet;
use crate::runner::{Outcome, RunSpec};
use labrpc::Time;
use raftapi::Raft;
use std::time::Duration;

/// The first strict oracle that fired in a failed run, before its check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstBroken {
    /// When, in virtual time.
    pub at: Time,
    /// The oracle's check name (`oracle:applied-agree`).
    pub check: &'static str,
    /// What it saw.
    pub message: String,
}

impl FirstBroken {
    /// `0.850s, oracle:applied-agree: S1 applied ...`.
    pub fn describe(&self) -> String {
        format!("{}, {}: {}", self.at, self.check, self.message)
    }
}

/// Whether `spec`'s run, if it fails, is re-run to explain it (checked
/// runs compare two executions instead).
pub fn wanted(spec: &RunSpec) -> bool {
    spec.root_cause && !spec.check
}

/// Whether a re-run fits in what is left of a CPU limit after a first run
/// that used `used` of it: the re-run, with every oracle on, costs up to
/// about twice the first run.
pub fn rerun_fits(used: Duration, limit: Duration) -> bool {
    used * 3 <= limit
}

/// The oracles of the re-run: every one.
pub const ORACLES: OracleSet = OracleSet::ALL;

/// What the re-run of a failed run found.
#[derive(Debug, Default)]
pub struct Explained {
    /// The first oracle that fired before the failure.
    pub first_broken: Option<FirstBroken>,
    /// A liveness failure's last seconds ([`crate::progress`]).
    pub liveness: Option<String>,
}

/// For the failed `first` run of `spec`: the re-run with every oracle
/// observing (and, for a liveness failure, progress recorded over its last
/// seconds). Its first violation counts if it came before `first`'s failure
/// on the same path. Nothing if `first` passed, ran out of budget or was
/// failed by an oracle.
pub(crate) fn explain<R: Raft>(spec: RunSpec, first: &Outcome, factory: Factory<R>) -> Explained {
    let Some(failure) = first.result.as_ref().err() else {
        return Explained::default();
    };
    if failure.kind == Kind::Hang || failure.check.starts_with("oracle:") {
        return Explained::default();
    }
    // The re-run shares the first run's CPU limit (a watchdog watches both
    // as one), and every oracle makes it costlier: a failure is not risked
    // for its explanation.
    if crate::watchdog::cpu_used().is_some_and(|(used, limit)| !rerun_fits(used, limit)) {
        return Explained::default();
    }
    let liveness = crate::progress::LIVENESS_CHECKS.contains(&failure.check);
    let from = liveness.then(|| Time(failure.at.0.saturating_sub(crate::progress::WINDOW_MS)));
    // Unobserved: the first run's events were the ones logged or collected.
    let (again, observed) =
        tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
            crate::runner::run_observing(spec.oracles(ORACLES), factory, from)
        });
    if (again.trace_hash, again.events) != (first.trace_hash, first.events) {
        // Not the same run: what it saw says nothing of this one.
        return Explained::default();
    }
    let first_broken = observed.violation.and_then(|(violation, at)| {
        (at < failure.at).then_some(FirstBroken {
            at,
            check: violation.check,
            message: violation.message,
        })
    });
    Explained {
        first_broken,
        liveness: observed.progress,
    }
}
