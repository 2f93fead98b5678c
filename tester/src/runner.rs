//! Running one test on one seed: set-up, body, end line, and every way it can
//! end (passed, a check failed, the Raft panicked, a budget ran out) turned
//! into an [`Outcome`]. Nothing here lets a Raft's panic escape.

use crate::edition::Edition;
pub use crate::failure::panic_message;
use crate::failure::{Failure, Kind};
use crate::harness::{Budget, Factory, Tester};
use crate::oracle::OracleSet;
use crate::registry::TestDef;
use crate::seeds::{replay_command_expecting, show_seed, test_seed};
use crate::stats::Summary;
use labrpc::Time;
use raftapi::Raft;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec {
    /// The test.
    pub test: &'static TestDef,
    /// The user seed (the test's simulator seed derives from it and the name).
    pub seed: u64,
    /// The edition.
    pub edition: Edition,
    /// Runaway limits.
    pub budget: Budget,
    /// Which strict oracles run (see [`crate::oracle`]; none by default).
    pub strict: OracleSet,
    /// Whether the run computes a check hash (see [`crate::determinism`]).
    pub check: bool,
    /// Whether a failed run is re-run with every oracle observing, for its
    /// first broken invariant (see [`crate::root_cause`]; on by default).
    pub root_cause: bool,
}

impl RunSpec {
    /// `test` on `seed` in `edition`, with the default budget, strict off.
    pub fn new(test: &'static TestDef, seed: u64, edition: Edition) -> RunSpec {
        RunSpec {
            test,
            seed,
            edition,
            budget: Budget::default(),
            strict: OracleSet::NONE,
            check: false,
            root_cause: true,
        }
    }

    /// The same run with every strict oracle on, or all off.
    pub fn strict(self, strict: bool) -> RunSpec {
        self.oracles(OracleSet::all_if(strict))
    }

    /// The same run with only the `selected` strict oracles.
    pub fn oracles(self, selected: OracleSet) -> RunSpec {
        RunSpec {
            strict: selected,
            ..self
        }
    }

    /// The same run with the check hash on or off.
    pub fn checked(self, check: bool) -> RunSpec {
        RunSpec { check, ..self }
    }

    /// The same run with the root-cause re-run of a failure on or off.
    pub fn root_cause(self, root_cause: bool) -> RunSpec {
        RunSpec { root_cause, ..self }
    }

    /// The same run with other runaway limits.
    pub fn with_budget(self, budget: Budget) -> RunSpec {
        RunSpec { budget, ..self }
    }
}

/// How one run ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The test's Go name.
    pub test: &'static str,
    /// The user seed.
    pub seed: u64,
    /// The edition.
    pub edition: Edition,
    /// `Ok` with the summary columns if it passed.
    pub result: Result<Summary, Failure>,
    /// The trace hash at the end of the run.
    pub trace_hash: u64,
    /// Simulator events processed.
    pub events: u64,
    /// Virtual time at the end of the run.
    pub virtual_ms: u64,
    /// What the course's tester printed (begin, summary, warnings).
    pub lines: Vec<String>,
    /// Which strict oracles ran.
    pub strict: OracleSet,
    /// Each server's state when the run failed (empty when it passed).
    pub cluster: Vec<crate::observe::ServerState>,
    /// The check hash, when the run was checked ([`RunSpec::check`]).
    pub check: Option<crate::determinism::CheckSummary>,
    /// The first strict oracle that fired before the failure, in a re-run
    /// ([`crate::root_cause`]).
    pub first_broken: Option<crate::root_cause::FirstBroken>,
    /// A liveness failure's last seconds, per server, from the same re-run
    /// ([`crate::progress`]).
    pub liveness: Option<String>,
}

impl Outcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.result.is_ok()
    }

    /// The failure report: test, seed, virtual time, the check in the course's
    /// words, one line per server at the failure point, and the replay
    /// command.
    pub fn report(&self) -> Option<String> {
        let replay = replay_command_expecting(
            self.test,
            self.seed,
            self.edition,
            self.strict,
            Some(self.trace_hash),
        );
        let strict = crate::root_cause::ORACLES;
        let strict_replay =
            replay_command_expecting(self.test, self.seed, self.edition, strict, None);
        self.report_replayed_by(&replay, &strict_replay)
    }

    /// [`Outcome::report`] with other replay lines (the run's, and the one
    /// with every oracle for its first broken invariant): a tool running a
    /// Raft other than the crate's own (`lab --raft NAME`) names the command
    /// that reproduces that one.
    pub fn report_replayed_by(&self, replay: &str, strict_replay: &str) -> Option<String> {
        let f = self.result.as_ref().err()?;
        let what = match f.kind {
            Kind::Check => "check failed",
            Kind::Panic => "Raft panicked",
            Kind::Hang => "runaway",
            Kind::Oracle => "oracle failed",
        };
        let servers: String = self.cluster.iter().map(|s| format!("\n  {s}")).collect();
        let first_broken = self.first_broken.as_ref().map_or(String::new(), |b| {
            format!(
                "\n  first broken invariant: {}\n    replay: {strict_replay}",
                b.describe()
            )
        });
        let liveness = self.liveness.as_ref().map_or(String::new(), |text| {
            format!("\n  {}", text.replace('\n', "\n  "))
        });
        Some(format!(
            "FAIL {} seed={} edition={} at {} virtual: {what} in {}: {}{first_broken}{liveness}{servers}\n  replay: {}",
            self.test,
            show_seed(self.seed),
            self.edition,
            f.at,
            f.check,
            f.message,
            replay
        ))
    }
}

/// Runs one test on one seed with Rafts made by `factory`.
pub fn run<R: Raft>(spec: RunSpec, factory: Factory<R>) -> Outcome {
    let check = spec.check.then(crate::determinism::Recorder::hashing);
    let (mut outcome, _, factory) = run_inner(spec, factory, check, None);
    if let Some(factory) = factory.filter(|_| crate::root_cause::wanted(&spec)) {
        let explained = crate::root_cause::explain(spec, &outcome, factory);
        outcome.first_broken = explained.first_broken;
        outcome.liveness = explained.liveness;
    }
    outcome
}

/// What a re-run observed: the first violation of its oracles (with its
/// time) and the liveness explanation.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub(crate) violation: Option<(crate::oracle::Violation, Time)>,
    pub(crate) progress: Option<String>,
}

/// An outcome, what it observed, and the factory back (unless the run
/// panicked before it had a tester).
type Ran<R> = (Outcome, Observed, Option<Factory<R>>);

/// [`run`] with a check recorder of the caller's (describe mode).
pub(crate) fn run_with<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    check: Option<crate::determinism::Recorder>,
) -> Outcome {
    run_inner(spec, factory, check, None).0
}

/// [`run`] with its oracles observing only: the run goes on past a
/// violation, which comes back with its time (see [`crate::root_cause`]);
/// with `progress_from`, progress is recorded from then on
/// ([`crate::progress`]).
pub(crate) fn run_observing<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    progress_from: Option<Time>,
) -> (Outcome, Observed) {
    let (outcome, observed, _) = run_inner(spec, factory, None, Some(progress_from));
    (outcome, observed)
}

/// `observing`: `None` for a plain run; else the oracles observe only, and
/// progress is recorded from the time given, if one is.
fn run_inner<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    mut check: Option<crate::determinism::Recorder>,
    observing: Option<Option<Time>>,
) -> Ran<R> {
    let def = spec.test;
    let mut slot: Option<Tester<R>> = None;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let seed = test_seed(spec.seed, def.name);
        let scenario = crate::scenario::plan(def.name, seed);
        let setup = scenario.as_ref().map_or_else(
            || def.setup(spec.edition),
            |(s, _)| crate::scenario::run::setup(s),
        );
        let tester = slot.insert(Tester::new(setup, spec.edition, seed, factory));
        tester.set_budget(spec.budget);
        tester.set_oracles(spec.strict);
        tester.set_oracles_observing(observing.is_some());
        if let Some(Some(from)) = observing {
            tester.set_progress(from);
        }
        tester.set_check(check.take());
        match &scenario {
            Some((s, drew)) => crate::scenario::run::execute(s, drew.as_deref(), tester),
            None => crate::suite::run_body(def.name, tester),
        }
    }));
    let (trace_hash, events, now, mut lines) = match &slot {
        Some(t) => (t.trace_hash(), t.events(), t.now(), t.lines().to_vec()),
        None => (0, 0, Time::ZERO, Vec::new()),
    };
    let result = match result {
        Ok(Ok(summary)) => Ok(summary),
        Ok(Err(failure)) => Err(failure),
        Err(payload) => Err(Failure {
            kind: Kind::Panic,
            check: "panic",
            message: panic_message(payload.as_ref()),
            at: now,
            bare: false,
        }),
    };
    let check = slot
        .as_mut()
        .and_then(|t| t.finish_check(result.as_ref().map(|_| ())));
    let mut cluster = Vec::new();
    if let Err(f) = &result {
        tracing::error!(
            target: labtrace::vocab::TESTER,
            t = now.0,
            topic = labtrace::vocab::topic::FAILURE,
            check = f.check,
            kind = ?f.kind,
            message = %f.message,
        );
        lines.push(f.go_line());
        // A Raft that panicked may panic again when inspected.
        cluster = catch_unwind(AssertUnwindSafe(|| {
            slot.as_ref().map(Tester::cluster_state).unwrap_or_default()
        }))
        .unwrap_or_default();
    }
    let observed = Observed {
        violation: slot.as_mut().and_then(Tester::take_observed_violation),
        // A Raft that panicked may panic again when inspected.
        progress: catch_unwind(AssertUnwindSafe(|| {
            slot.as_ref().and_then(Tester::explain_progress)
        }))
        .unwrap_or_default(),
    };
    let outcome = Outcome {
        test: def.name,
        seed: spec.seed,
        edition: spec.edition,
        result,
        trace_hash,
        events,
        virtual_ms: now.0,
        lines,
        strict: spec.strict,
        cluster,
        check,
        first_broken: None,
        liveness: None,
    };
    (outcome, observed, slot.map(|t| t.factory))
}
