//! The frame of a replay: what is replayed (header), and how the run ended
//! (footer: end time, events, trace hash, then the failure report with its
//! per-server lines and both replay commands, or `PASSED`). The events in
//! between are [`labtrace::render`]'s.

use crate::record::replay_command;
use std::fmt::Write as _;
use tester::Outcome;
use tester::seeds::show_seed;

/// The first line: what is replayed.
pub fn header(outcome: &Outcome, raft: Option<&str>) -> String {
    title(outcome.test, outcome.seed, outcome.edition.year(), raft)
}

/// The first line, from its parts.
pub(crate) fn title(test: &str, seed: u64, edition: u16, raft: Option<&str>) -> String {
    let raft = raft.map_or(String::new(), |r| format!(" raft={r}"));
    format!(
        "replay {test} seed={} edition={edition}{raft}\n",
        show_seed(seed)
    )
}

/// The last lines: the end of the run, then the failure report or "PASSED".
pub fn footer(outcome: &Outcome, raft: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "end at {} virtual, {} events, trace hash {:#018x}",
        labtrace::render::fmt_time(outcome.virtual_ms).trim_start(),
        outcome.events,
        outcome.trace_hash
    );
    let lab = replay_command(
        outcome.test,
        outcome.seed,
        outcome.edition,
        raft,
        outcome.strict,
    );
    match crate::run::failure_report(outcome, raft, &lab) {
        Some(report) => {
            let _ = writeln!(out, "{report}");
        }
        None => out.push_str("PASSED\n"),
    }
    out
}
