//! One run's result as data: what a worker sends back as one JSON line, what
//! `--json` writes, and what the tables are made from.

use serde::{Deserialize, Serialize};
use tester::determinism::Nondeterminism;
use tester::failure::Kind;
use tester::oracle::OracleSet;
use tester::seeds::show_seed;
use tester::watchdog::{Expiry, ExpiryKind};
use tester::{Edition, Outcome};

/// How a failed run failed, as `--json` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailKind {
    /// A check of the course's tester failed.
    Check,
    /// A strict oracle failed.
    Oracle,
    /// The Raft panicked (caught in the worker).
    Panic,
    /// The worker process died (abort, stack overflow): counted as a panic.
    Crash,
    /// The run exceeded its event or virtual-time budget.
    Runaway,
    /// The run exceeded its CPU limit (`--timeout-ms`) or stopped using CPU
    /// (check `cpu-limit` or `no-progress`): its worker was ended.
    Hang,
}

impl FailKind {
    /// In the words of a failure line.
    pub fn describe(self) -> &'static str {
        match self {
            FailKind::Check => "check failed",
            FailKind::Oracle => "oracle failed",
            FailKind::Panic => "Raft panicked",
            FailKind::Crash => "worker crashed",
            FailKind::Runaway => "runaway (budget)",
            FailKind::Hang => "hang (watchdog)",
        }
    }
}

impl From<Kind> for FailKind {
    fn from(kind: Kind) -> FailKind {
        match kind {
            Kind::Check => FailKind::Check,
            Kind::Oracle => FailKind::Oracle,
            Kind::Panic => FailKind::Panic,
            Kind::Hang => FailKind::Runaway,
        }
    }
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The kind.
    pub kind: FailKind,
    /// The check that failed (`checkOneLeader`, `panic`, `budget`,
    /// `cpu-limit`, `no-progress`, `worker`).
    pub check: String,
    /// The message.
    pub message: String,
    /// Virtual time of the failure; for a hang, the time the run had
    /// reached (0 when unknown: a crash, or a worker that never answered).
    pub virtual_ms: u64,
}

impl FailureRecord {
    /// `at 1234 ms virtual`, or that the time is unknown.
    pub fn when(&self) -> String {
        match self.kind {
            FailKind::Hang | FailKind::Crash if self.virtual_ms == 0 => {
                "at an unknown virtual time".to_string()
            }
            _ => format!("at {} ms virtual", self.virtual_ms),
        }
    }
}

/// The first strict oracle that fired before a run's failure, in its
/// re-run with every oracle observing (see [`tester::root_cause`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstBrokenRecord {
    /// The oracle (`oracle:applied-agree`).
    pub check: String,
    /// What it saw.
    pub message: String,
    /// Virtual time it fired.
    pub virtual_ms: u64,
    /// The command that replays the run with the oracles failing it.
    pub replay: String,
}

/// One run of one test on one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The test's Go name.
    pub test: String,
    /// The user seed.
    pub seed: u64,
    /// The edition year.
    pub edition: u16,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed, if it did.
    pub failure: Option<FailureRecord>,
    /// The simulator's trace hash at the end.
    pub trace_hash: u64,
    /// Simulator events processed.
    pub events: u64,
    /// Virtual time at the end.
    pub virtual_ms: u64,
    /// Wall-clock time of the run, in ms (microsecond precision).
    pub wall_ms: f64,
    /// The command that replays it.
    pub replay: String,
    /// The check hash, when determinism was checked (`--check-determinism`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_hash: Option<u64>,
    /// Set when two runs of this seed differed: the run is then neither
    /// passed nor failed, but nondeterministic (see [`tester::determinism`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nondeterministic: Option<Box<Nondeterminism>>,
    /// The first broken invariant, when an oracle fired before the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<Box<FirstBrokenRecord>>,
    /// A liveness failure's last seconds, per server (see
    /// [`tester::progress`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Box<str>>,
}

impl RunRecord {
    /// The record of a finished run.
    pub fn from_outcome(outcome: &Outcome, wall_ms: f64, raft: Option<&str>) -> RunRecord {
        let failure = outcome.result.as_ref().err().map(|f| FailureRecord {
            kind: f.kind.into(),
            check: f.check.to_string(),
            message: f.message.clone(),
            virtual_ms: f.at.0,
        });
        RunRecord {
            test: outcome.test.to_string(),
            seed: outcome.seed,
            edition: outcome.edition.year(),
            passed: outcome.passed(),
            failure,
            trace_hash: outcome.trace_hash,
            events: outcome.events,
            virtual_ms: outcome.virtual_ms,
            wall_ms,
            replay: replay_command_expecting(
                outcome.test,
                outcome.seed,
                outcome.edition,
                raft,
                outcome.strict,
                Some(outcome.trace_hash),
            ),
            check_hash: outcome.check.as_ref().map(|c| c.hash),
            nondeterministic: None,
            first_broken: outcome.first_broken.as_ref().map(|b| {
                Box::new(FirstBrokenRecord {
                    check: b.check.to_string(),
                    message: b.message.clone(),
                    virtual_ms: b.at.0,
                    replay: replay_command(
                        outcome.test,
                        outcome.seed,
                        outcome.edition,
                        raft,
                        tester::root_cause::ORACLES,
                    ),
                })
            }),
            liveness: outcome.liveness.as_deref().map(Box::from),
        }
    }

    /// The record of a run that never finished: stopped by a watchdog
    /// (`Hang`, with the virtual time reached if known) or lost with its
    /// worker (`Crash`). `check` is `cpu-limit`, `no-progress` or `worker`.
    pub fn lost(job: Job, failure: FailureRecord, wall_ms: f64) -> RunRecord {
        RunRecord {
            test: job.test.to_string(),
            seed: job.seed,
            edition: job.edition.year(),
            passed: false,
            virtual_ms: failure.virtual_ms,
            failure: Some(failure),
            trace_hash: 0,
            events: 0,
            wall_ms,
            replay: job.replay(),
            check_hash: None,
            nondeterministic: None,
            first_broken: None,
            liveness: None,
        }
    }

    /// The record of a run a watchdog stopped (`e`: why, and the virtual
    /// time reached).
    pub fn hung(job: Job, e: &Expiry, wall_ms: f64) -> RunRecord {
        let mut message = e.to_string();
        if e.kind == ExpiryKind::CpuLimit {
            message.push_str(" (raise it with --timeout-ms)");
        }
        let failure = FailureRecord {
            kind: FailKind::Hang,
            check: e.check().to_string(),
            message,
            virtual_ms: e.reached_ms,
        };
        RunRecord::lost(job, failure, wall_ms)
    }

    /// Whether it failed (a nondeterministic run did not fail: it has no
    /// verdict).
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// `TestX seed=0x2a edition=2026`.
    pub fn run_name(&self) -> String {
        format!(
            "{} seed={} edition={}",
            self.test,
            show_seed(self.seed),
            self.edition
        )
    }

    /// How the run ended, in words: `passed`, or its failure.
    pub fn ended(&self) -> String {
        match &self.failure {
            None => "passed".to_string(),
            Some(f) => format!(
                "{} in {} {}: {}",
                f.kind.describe(),
                f.check,
                f.when(),
                f.message
            ),
        }
    }

    /// The failure line printed when it happens; for a nondeterministic
    /// run, its first divergent event in one line.
    pub fn failure_line(&self) -> Option<String> {
        if let Some(n) = &self.nondeterministic {
            return Some(format!(
                "NONDETERMINISTIC {}: two runs of the same seed differed: {}\n  replay: {}",
                self.run_name(),
                n.headline(),
                crate::report::checked_replay(self)
            ));
        }
        let f = self.failure.as_ref()?;
        Some(format!(
            "FAIL {} seed={} edition={} {}: {} in {}: {}{}\n  replay: {}",
            self.test,
            show_seed(self.seed),
            self.edition,
            f.when(),
            f.kind.describe(),
            f.check,
            f.message,
            self.first_broken_lines(),
            self.replay
        ))
    }

    /// Under the failure: `first broken invariant: 0.850s, oracle:...: ...`
    /// and its replay line, then a liveness failure's explanation; or
    /// nothing.
    pub fn first_broken_lines(&self) -> String {
        let mut lines = self.first_broken.as_ref().map_or(String::new(), |b| {
            format!(
                "\n  first broken invariant: {}, {}: {}\n    replay: {}",
                labrpc::Time(b.virtual_ms),
                b.check,
                b.message,
                b.replay
            )
        });
        if let Some(text) = &self.liveness {
            lines.push_str("\n  ");
            lines.push_str(&text.replace('\n', "\n  "));
        }
        lines
    }
}

/// One run to do: what the parent sends a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// The test's Go name.
    pub test: &'static str,
    /// The user seed.
    pub seed: u64,
    /// The edition.
    pub edition: Edition,
    /// The planted Raft, if any (only for replay commands).
    pub raft: Option<&'static str>,
    /// Which strict oracles run (only for replay commands).
    pub strict: OracleSet,
}

impl Job {
    /// The command that replays this run.
    pub fn replay(&self) -> String {
        replay_command(self.test, self.seed, self.edition, self.raft, self.strict)
    }
}

/// `PROGRAM [--scenarios DIR] replay TEST --seed S --edition E
/// [--strict | --oracles LIST] [--raft NAME]`: what replays a run of this binary, `PROGRAM` and the
/// scenario directory as [`crate::invocation`] finds them.
pub fn replay_command(
    test: &str,
    seed: u64,
    edition: Edition,
    raft: Option<&str>,
    strict: OracleSet,
) -> String {
    replay_command_expecting(test, seed, edition, raft, strict, None)
}

/// [`replay_command`] with `--expect-hash H` after the edition: the trace
/// hash of the run it replays, so that a replay that differs says so.
pub fn replay_command_expecting(
    test: &str,
    seed: u64,
    edition: Edition,
    raft: Option<&str>,
    strict: OracleSet,
    trace_hash: Option<u64>,
) -> String {
    let mut line = format!(
        "{}{} replay {test} --seed {} --edition {edition}",
        crate::invocation::program(),
        crate::invocation::scenarios_flag(test),
        show_seed(seed)
    );
    if let Some(hash) = trace_hash {
        line.push_str(&format!(" --expect-hash {hash:#018x}"));
    }
    line.push_str(&strict.flag_arg());
    if let Some(name) = raft {
        line.push_str(" --raft ");
        line.push_str(name);
    }
    line
}

/// Records for unit tests.
#[cfg(test)]
pub mod testing {
    use super::*;

    /// A run of `test` on `seed`, failed as `fail` says (kind, check,
    /// virtual ms of the failure), else passed in 1 s of virtual time.
    pub fn record(test: &str, seed: u64, fail: Option<(FailKind, &str, u64)>) -> RunRecord {
        RunRecord {
            test: test.to_string(),
            seed,
            edition: 2025,
            passed: fail.is_none(),
            failure: fail.map(|(kind, check, virtual_ms)| FailureRecord {
                kind,
                check: check.to_string(),
                message: "m".to_string(),
                virtual_ms,
            }),
            trace_hash: 0,
            events: 0,
            virtual_ms: 1000,
            wall_ms: 2.0,
            replay: format!("lab replay {test} --seed {seed}"),
            check_hash: None,
            nondeterministic: None,
            first_broken: None,
            liveness: None,
        }
    }
}
