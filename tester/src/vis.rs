//! Pictures of runs (issue #11): a run made again with its `tracing` events
//! collected, and its [`labvis::Timeline`]. `cargo test` writes one for
//! every failing run (`LAB_VIS`, `LAB_VIS_DIR`: see [`labvis::config`]);
//! `lab` uses the same functions for `run`, `sweep` and `replay --html`.
//!
//! A picture costs one more run, made only when a picture is wanted: the
//! run being deterministic, the re-run is the run. A Raft that is not (it
//! reads a clock, iterates a `HashMap`) can diverge; the trace hashes are
//! compared and the page says so.

use crate::harness::Factory;
use crate::runner::{Outcome, RunSpec, run};
use crate::seeds::{lab_replay_command, replay_command, show_seed};
use labvis::config::{RunName, VisConfig};
use labvis::fact::{Fact, Timed};
use labvis::model::{FailureMark, Header};
use labvis::{Event, Timeline};
use raftapi::Raft;
use std::path::PathBuf;

/// Runs `spec` with every event collected (labtrace's collector, its
/// default filter), as the timeline reads them.
pub fn run_collected<R: Raft>(spec: RunSpec, factory: Factory<R>) -> (Outcome, Vec<Event>) {
    let (outcome, events) = labtrace::collected(labtrace::LogFilter::default(), || {
        run(spec.root_cause(false), factory)
    });
    (outcome, events_of(&events))
}

/// Collected events as the timeline reads them.
pub fn events_of(events: &[labtrace::Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| Event {
            t: e.t,
            target: e.target.clone(),
            level: e.level.as_str(),
            node: e.server,
            incarnation: e.incarnation,
            topic: e.topic().to_string(),
            message: e.message.clone(),
            fields: e
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .collect()
}

/// What the page says about the run besides its events.
#[derive(Clone, Debug, Default)]
pub struct About {
    /// The Raft's name, when not the default one (`bug:NAME`).
    pub raft: Option<String>,
    /// Replay commands, the one to paste first.
    pub replay: Vec<String>,
    /// Notes for the reader.
    pub notes: Vec<String>,
}

/// The timeline of a run from its outcome and its collected events.
pub fn timeline(spec: &RunSpec, outcome: &Outcome, events: &[Event], about: About) -> Timeline {
    let mut facts = initial_facts(spec);
    facts.extend(labvis::vocab::facts(events));
    let servers = facts
        .iter()
        .filter_map(|f| match f.fact {
            Fact::Made { server, .. } => Some(server + 1),
            _ => None,
        })
        .max()
        .unwrap_or(spec.test.servers);
    let header = Header {
        test: outcome.test.to_string(),
        seed: show_seed(outcome.seed),
        edition: outcome.edition.to_string(),
        raft: about.raft,
        strict: !outcome.strict.is_empty(),
        servers,
        end_ms: outcome.virtual_ms,
        trace_hash: format!("{:#018x}", outcome.trace_hash),
        events: outcome.events,
        verdict: if outcome.passed() { "passed" } else { "failed" }.to_string(),
        replay: about.replay,
        lines: outcome.lines.clone(),
        notes: about.notes,
    };
    labvis::build(header, failure_mark(outcome), &facts)
}

/// What the events cannot say: the network's reliability as the test set
/// it up (the harness sets it before any marker).
fn initial_facts(spec: &RunSpec) -> Vec<Timed> {
    let course = crate::registry::TESTS
        .iter()
        .any(|t| t.name == spec.test.name);
    if !course {
        return Vec::new();
    }
    let reliable = spec.test.setup(spec.edition).reliable;
    vec![Timed {
        t: 0,
        fact: Fact::Network {
            kind: "unreliable".into(),
            on: !reliable,
            detail: "the test's network".into(),
        },
    }]
}

/// The failure as the outcome has it (the check in the course's words).
fn failure_mark(outcome: &Outcome) -> Option<FailureMark> {
    use crate::failure::Kind;
    let f = outcome.result.as_ref().err()?;
    let kind = match f.kind {
        Kind::Check => "check",
        Kind::Panic => "panic",
        Kind::Hang => "runaway",
        Kind::Oracle => "oracle",
    };
    Some(FailureMark {
        t: f.at.0,
        check: f.check.to_string(),
        message: f.message.clone(),
        kind: kind.to_string(),
        oracle: (f.kind == Kind::Oracle).then(|| labvis::oracle_name(f.check)),
    })
}

/// How a run's files are named.
pub fn run_name<'a>(
    outcome: &'a Outcome,
    seed: &'a str,
    edition: &'a str,
    raft: Option<&'a str>,
) -> RunName<'a> {
    RunName {
        test: outcome.test,
        seed,
        edition,
        raft,
        strict: !outcome.strict.is_empty(),
    }
}

/// Runs `spec` again with events collected and builds its timeline; notes
/// a re-run whose trace hash differs from `first`'s.
pub fn picture<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    first: Option<&Outcome>,
    mut about: About,
) -> (Outcome, Timeline) {
    let (again, events) = run_collected(spec, factory);
    if let Some(first) = first.filter(|f| f.trace_hash != again.trace_hash) {
        about.notes.push(format!(
            "This picture comes from a re-run whose trace hash {:#018x} differs from the run's {:#018x}: the Raft did something different under the same seed (a clock, a HashMap's order, a thread?).",
            again.trace_hash, first.trace_hash
        ));
    }
    let timeline = timeline(&spec, &again, &events, about);
    (again, timeline)
}

/// For `cargo test`: the timeline of `outcome` if `config` wants one,
/// written to `LAB_VIS_DIR`; the line to print under the replay line, or
/// `""`.
pub fn after_cargo_run<R: Raft>(
    config: &VisConfig,
    spec: RunSpec,
    outcome: &Outcome,
    make: fn() -> Factory<R>,
) -> String {
    if !config.wants(outcome.passed()) {
        return String::new();
    }
    if let Some(why) = not_pictured(outcome) {
        return format!("\n  timeline not written: {why}");
    }
    let about = About {
        raft: None,
        replay: vec![
            replay_command(outcome.test, outcome.seed, outcome.edition, outcome.strict),
            lab_replay_command(outcome.test, outcome.seed, outcome.edition),
        ],
        notes: Vec::new(),
    };
    let (_, timeline) = picture(spec, make(), Some(outcome), about);
    let (seed, edition) = (show_seed(outcome.seed), outcome.edition.to_string());
    let path = config.path_for(&run_name(outcome, &seed, &edition, None), "html");
    written_line(
        &path,
        labvis::config::write(&path, &labvis::html::render(&timeline)),
    )
}

/// Why a run gets no automatic picture: a runaway run (its event budget
/// spent) would be run again to its budget and its millions of events
/// kept; `lab replay --html` still draws it on request.
pub fn not_pictured(outcome: &Outcome) -> Option<&'static str> {
    let runaway = outcome
        .result
        .as_ref()
        .is_err_and(|f| f.kind == crate::failure::Kind::Hang);
    runaway.then_some("a runaway run is not drawn automatically (lab replay --html draws it)")
}

/// `\n  timeline: PATH`, or why it could not be written.
pub fn written_line(
    path: &std::path::Path,
    result: Result<(), labvis::config::BadOutput>,
) -> String {
    match result {
        Ok(()) => format!("\n  timeline: {}", absolute(path).display()),
        Err(e) => format!("\n  timeline not written: {e}"),
    }
}

/// The path from the root, so that it can be opened from anywhere (a test
/// binary runs in its package's folder, not the workspace's).
fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
