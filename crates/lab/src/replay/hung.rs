//! A replayed run that never returns (a Raft that loops or blocks): the
//! watchdog's thread prints what the run did until then, as a replay that
//! ends there (and draws the pictures asked for, up to there), and ends the
//! process as a hang. The run itself cannot be stopped; without this,
//! `lab replay` of a hanging run printed nothing.

use crate::record::RunRecord;
use crate::report::Exit;
use crate::vis::ReplayPictures;
use labtrace::{Collector, Event, OpenInput, Style};
use std::fmt::Write as _;
use std::time::{Duration, Instant as WallClock};
use tester::failure::Kind;
use tester::watchdog::{Expiry, Watchdog};
use tester::{Failure, Outcome, RunSpec};

/// Events of the input a run hung in shown at each end; more between are
/// elided (a loop that logs would print them by the million).
const STUCK_SHOWN: usize = 20;

/// What a hang report needs: the run, its events so far, how to print
/// them, and the pictures asked for (drawn up to the hang).
pub(crate) struct Hung {
    pub(crate) spec: RunSpec,
    pub(crate) raft: Option<&'static str>,
    pub(crate) collector: Collector,
    pub(crate) style: Style,
    pub(crate) pictures: ReplayPictures,
}

/// Runs `run` under a CPU-time watchdog of `timeout_ms` (0: none); a run
/// over it is reported ([`Hung::report`]) and the process ends (exit 4).
pub(crate) fn watched<T>(timeout_ms: u64, hung: Hung, run: impl FnOnce() -> T) -> T {
    if timeout_ms == 0 {
        return run();
    }
    let started = WallClock::now();
    let watchdog = Watchdog::new(Duration::from_millis(timeout_ms));
    watchdog.watch(
        Box::new(move |expiry| {
            let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
            crate::out::print(hung.report(&expiry, wall_ms));
            std::process::exit(Exit::Hung as i32);
        }),
        run,
    )
}

impl Hung {
    /// The replay up to the hang: the title, the events (the stuck input's
    /// cut in the middle), where it stopped, and the failure line.
    fn report(&self, expiry: &Expiry, wall_ms: f64) -> String {
        let events = self.collector.take();
        let job = super::job_of(self.spec, self.raft);
        let mut out = super::render::title(job.test, job.seed, job.edition.year(), job.raft);
        let start = stuck_input_start(&events);
        if events.len() - start > 2 * STUCK_SHOWN {
            let (head, tail) = (start + STUCK_SHOWN, events.len() - STUCK_SHOWN);
            out.push_str(&labtrace::render::render(&events[..head], &self.style));
            let dropped = self.collector.dropped();
            let more = (tail - head) as u64 + dropped;
            let _ = match dropped {
                0 => writeln!(out, "  ... {more} more events of this input ..."),
                _ => writeln!(
                    out,
                    "  ... {more} more events of this input ({dropped} not kept: {}) ...",
                    super::past_cap()
                ),
            };
            out.push_str(&labtrace::render::render(&events[tail..], &self.style));
        } else {
            out.push_str(&labtrace::render::render(&events, &self.style));
        }
        let reached = labtrace::render::fmt_time(expiry.reached_ms);
        let stuck = match self.collector.open_input() {
            Some(OpenInput {
                server: Some(server),
                input: Some(input),
                ..
            }) => format!("S{server}'s {input} input has not returned"),
            _ => "the run has not returned".to_string(),
        };
        let _ = writeln!(out, "stopped at {} virtual: {stuck}", reached.trim_start());
        let record = RunRecord::hung(job, expiry, wall_ms);
        if let Some(line) = record.failure_line() {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("  (--timeout-ms 0: no limit, e.g. under a debugger)\n");
        out.push_str(&self.picture(expiry, &events, &stuck));
        out
    }

    /// The pictures asked for, of the run up to the hang, marked where it
    /// stopped; the lines to print.
    fn picture(&self, expiry: &Expiry, events: &[Event], stuck: &str) -> String {
        let outcome = Outcome {
            test: self.spec.test.name,
            seed: self.spec.seed,
            edition: self.spec.edition,
            result: Err(Failure {
                kind: Kind::Hang,
                check: expiry.check(),
                message: format!("{expiry}: {stuck}"),
                at: labrpc::Time(expiry.reached_ms),
                bare: false,
            }),
            trace_hash: 0,
            events: 0,
            virtual_ms: expiry.reached_ms,
            lines: Vec::new(),
            strict: self.spec.strict,
            cluster: Vec::new(),
            check: None,
            first_broken: None,
            liveness: None,
        };
        let mut about = crate::vis::about(&outcome, self.raft);
        about.notes.push(format!(
            "This run never ended: {stuck}. The picture stops there; a run that does not end has no event count or trace hash."
        ));
        let events = tester::vis::events_of(events);
        let mut timeline = tester::vis::timeline(&self.spec, &outcome, &events, about);
        timeline.header.verdict = "hung".into();
        if let Some(mark) = timeline.failure.as_mut() {
            // Not the event budget's "runaway": the watchdog stopped it.
            mark.kind = "hang".into();
        }
        match self.pictures.write_timeline(&timeline) {
            Ok(lines) => lines,
            Err(e) => format!("  {}\n", e.0),
        }
    }
}

/// Where the trailing events of the last event's input begin: same
/// server, incarnation, input and virtual time.
fn stuck_input_start(events: &[Event]) -> usize {
    let Some(last) = events.last() else {
        return 0;
    };
    let same = |e: &Event| {
        (e.server, e.incarnation, e.input, e.t)
            == (last.server, last.incarnation, last.input, last.t)
    };
    events.iter().rposition(|e| !same(e)).map_or(0, |k| k + 1)
}
