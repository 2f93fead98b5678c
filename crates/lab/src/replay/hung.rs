//! A replayed run that never returns (a Raft that loops or blocks): the
//! watchdog's thread prints what the run did until then, as a replay that
//! ends there, and ends the process as a hang. The run itself cannot be
//! stopped; without this, `lab replay` of a hanging run printed nothing.

use crate::record::{Job, RunRecord};
use crate::report::Exit;
use labtrace::{Collector, Event, OpenInput, Style};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant as WallClock};
use tester::watchdog::{Expiry, Watchdog};

/// Events of the input a run hung in shown at each end; more between are
/// elided (a loop that logs would print them by the million).
const STUCK_SHOWN: usize = 20;

/// What a hang report needs: the run, its events so far, how to print them.
pub(crate) struct Hung {
    pub(crate) job: Job,
    pub(crate) collector: Collector,
    pub(crate) style: Style,
    /// `--html` and `--perfetto`'s files: a run that never ended has no
    /// picture, and the report says so.
    pub(crate) pictures: Vec<PathBuf>,
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
        let job = self.job;
        let mut out = super::render::title(job.test, job.seed, job.edition.year(), job.raft);
        let start = stuck_input_start(&events);
        if events.len() - start > 2 * STUCK_SHOWN {
            let (head, tail) = (start + STUCK_SHOWN, events.len() - STUCK_SHOWN);
            out.push_str(&labtrace::render::render(&events[..head], &self.style));
            let _ = writeln!(out, "  ... {} more events of this input ...", tail - head);
            out.push_str(&labtrace::render::render(&events[tail..], &self.style));
        } else {
            out.push_str(&labtrace::render::render(&events, &self.style));
        }
        let reached = labtrace::render::fmt_time(expiry.reached_ms);
        let _ = write!(out, "stopped at {} virtual: ", reached.trim_start());
        match self.collector.open_input() {
            Some(OpenInput {
                server: Some(server),
                input: Some(input),
                ..
            }) => {
                let _ = writeln!(out, "S{server}'s {input} input has not returned");
            }
            _ => out.push_str("the run has not returned\n"),
        }
        let record = RunRecord::hung(job, expiry, wall_ms);
        if let Some(line) = record.failure_line() {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("  (--timeout-ms 0: no limit, e.g. under a debugger)\n");
        for path in &self.pictures {
            // The empty file the flag's check made before the run, if so.
            if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(path);
            }
            let _ = writeln!(
                out,
                "  {}: not written (the run never ended)",
                path.display()
            );
        }
        out
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
