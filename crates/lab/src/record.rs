//! One run's result as data: what a worker sends back as one JSON line, what
//! `--json` writes, and what the tables are made from.

use serde::{Deserialize, Serialize};
use tester::failure::Kind;
use tester::oracle::OracleSet;
use tester::seeds::show_seed;
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
    /// The run exceeded its wall-clock timeout and its worker was killed.
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
            FailKind::Hang => "hang (wall-clock timeout)",
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
    /// The check that failed (`checkOneLeader`, `panic`, `budget`, `watchdog`).
    pub check: String,
    /// The message.
    pub message: String,
    /// Virtual time of the failure (0 when unknown: a hang or a crash).
    pub virtual_ms: u64,
}

impl FailureRecord {
    /// `at 1234 ms virtual`, or that the time is unknown (a hang, a crash).
    pub fn when(&self) -> String {
        match self.kind {
            FailKind::Hang | FailKind::Crash => "at an unknown virtual time".to_string(),
            _ => format!("at {} ms virtual", self.virtual_ms),
        }
    }
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
            replay: replay_command(
                outcome.test,
                outcome.seed,
                outcome.edition,
                raft,
                outcome.strict,
            ),
        }
    }

    /// The record of a run that never reported: killed by the watchdog
    /// (`Hang`) or lost with its worker (`Crash`).
    pub fn lost(job: Job, kind: FailKind, message: String, wall_ms: f64) -> RunRecord {
        let check = if kind == FailKind::Hang {
            "watchdog"
        } else {
            "worker"
        };
        RunRecord {
            test: job.test.to_string(),
            seed: job.seed,
            edition: job.edition.year(),
            passed: false,
            failure: Some(FailureRecord {
                kind,
                check: check.to_string(),
                message,
                virtual_ms: 0,
            }),
            trace_hash: 0,
            events: 0,
            virtual_ms: 0,
            wall_ms,
            replay: replay_command(job.test, job.seed, job.edition, job.raft, job.strict),
        }
    }

    /// The failure line printed when it happens.
    pub fn failure_line(&self) -> Option<String> {
        let f = self.failure.as_ref()?;
        Some(format!(
            "FAIL {} seed={} edition={} {}: {} in {}: {}\n  replay: {}",
            self.test,
            show_seed(self.seed),
            self.edition,
            f.when(),
            f.kind.describe(),
            f.check,
            f.message,
            self.replay
        ))
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

/// `lab replay TEST --seed S --edition E [--strict | --oracles LIST] [--raft NAME]`.
pub fn replay_command(
    test: &str,
    seed: u64,
    edition: Edition,
    raft: Option<&str>,
    strict: OracleSet,
) -> String {
    let mut line = tester::seeds::lab_replay_command(test, seed, edition);
    line.push_str(&strict.flag_arg());
    if let Some(name) = raft {
        line.push_str(" --raft ");
        line.push_str(name);
    }
    line
}
