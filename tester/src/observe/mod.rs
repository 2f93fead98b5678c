//! Observation: the harness's side of [`labtrace`]. Every Raft input runs
//! inside an input span (`Tester::input_span`), and the harness emits the
//! lab's own events (RPCs, effects, state changes, the tester's markers)
//! with the targets, topics and fields of [`labtrace::vocab`], the one
//! place they are documented.
//!
//! Nothing here costs anything when nobody listens: every event is a
//! `tracing` macro whose fields are evaluated only when a subscriber wants
//! it, summaries are formatted lazily, and `inspect()`, call numbering and
//! link tables are computed only behind `tracing::enabled!`.
//!
//! - `wire`: `send`, `recv`, `reply`, `fail`.
//! - `state`: `role`, `term`, `commit`, `log`, `persist`, `apply`.
//! - `marks`: the tester's markers and the course's lines.
//! - [`cluster`]: each server's state when a run failed ([`ServerState`]).
//! - [`logging`]: `LAB_LOG` for `cargo test`.

pub mod cluster;
pub mod logging;
mod marks;
mod state;
mod wire;

pub use cluster::ServerState;

use crate::harness::Tester;
use labrpc::CallId;
use labtrace::vocab;
use raftapi::{Bytes, Raft};
use state::Seen;
use std::collections::BTreeMap;
use std::fmt;
use tracing::Level;
use tracing::span::EnteredSpan;

/// What the harness remembers in order to describe a run.
#[derive(Debug, Default)]
pub(crate) struct Observer {
    /// The numbers of the calls in flight (only while RPC events are wanted).
    calls: BTreeMap<CallId, u64>,
    /// Calls numbered so far.
    numbered: u64,
    /// What was last reported of each server.
    seen: Vec<Option<Seen>>,
    /// The command of the `one()` that failed, for the failure report.
    pub(crate) failing_command: Option<Bytes>,
    /// The liveness explanation's recorder, in its re-run only.
    pub(crate) progress: Option<Box<crate::progress::Progress>>,
}

impl Observer {
    /// An observer of `n` servers.
    pub(crate) fn new(n: usize) -> Observer {
        Observer {
            seen: vec![None; n],
            ..Observer::default()
        }
    }
}

/// Whether some subscriber may want events at `level`: one relaxed atomic
/// load, the way out of every observation when nobody listens (the same
/// first check `tracing`'s macros make).
#[inline(always)]
pub(crate) fn may_listen(level: Level) -> bool {
    level <= tracing::level_filters::STATIC_MAX_LEVEL
        && level <= tracing::level_filters::LevelFilter::current()
}

impl<R: Raft> Tester<R> {
    /// Enters server i's span for one input (`vocab::input::*`); the span is
    /// left when the guard drops. `None` when nobody may listen. (Boxed: the
    /// guard of every input is dropped where it is made, and dropping a
    /// `None` box is one test, where an unboxed span's drop is a call.)
    #[inline]
    pub(crate) fn input_span(&self, i: usize, input: &'static str) -> Option<Box<EnteredSpan>> {
        may_listen(Level::INFO).then(|| self.enter_input(i, input))
    }

    #[inline(never)]
    fn enter_input(&self, i: usize, input: &'static str) -> Box<EnteredSpan> {
        Box::new(
            tracing::info_span!(
                target: vocab::INPUT,
                "input",
                server = i as u64,
                incarnation = u64::from(self.nodes[i].incarnation),
                t = self.sim.now().0,
                input
            )
            .entered(),
        )
    }
}

/// A command as the course prints it (`show`), formatted only when shown.
pub(crate) struct CmdText<'a>(pub(crate) &'a Bytes);

impl fmt::Display for CmdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::cmd::show(Some(self.0)))
    }
}
