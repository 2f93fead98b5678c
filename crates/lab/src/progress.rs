//! What a sweep shows while it runs: indicatif bars on a terminal (an
//! overall bar and one line per test), plain lines elsewhere: a line per
//! finished test and a status line at least every [`STATUS_EVERY`], so a
//! piped sweep inside one long test still says what it is doing. Failure
//! lines go to stdout either way, as they happen.
//!
//! The ETA weighs the runs left by what each test's runs have cost so far
//! (wall ms; the mean of the measured tests for a test not yet measured),
//! over the rate at which the sweep gets through that cost.

use crate::out;
use crate::record::{Job, RunRecord};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant as WallClock};
use tester::registry::TestDef;
use tester::seeds::show_seed;

/// Off a terminal, a status line at least this often (`LAB_STATUS_S`
/// overrides it, for tests).
pub const STATUS_EVERY: Duration = Duration::from_secs(30);

fn status_every() -> Duration {
    std::env::var("LAB_STATUS_S")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(STATUS_EVERY, Duration::from_secs)
}

/// One test's runs so far.
#[derive(Clone, Debug, PartialEq)]
pub struct TestProgress {
    /// The test.
    pub name: &'static str,
    /// Runs finished (or dropped).
    pub done: u64,
    /// Runs in all.
    pub expected: u64,
    /// Runs failed.
    pub failed: u64,
    /// Wall ms of the finished runs.
    pub cost_ms: f64,
    /// Runs measured (finished, not dropped).
    pub measured: u64,
}

/// The time left: the cost of the runs left (each test's mean cost, or the
/// mean of the measured tests) over the cost finished per second so far.
/// `None` until a run has finished.
pub fn eta(tests: &[TestProgress], elapsed: Duration) -> Option<Duration> {
    let (cost, measured) = tests
        .iter()
        .fold((0.0, 0), |(c, m), t| (c + t.cost_ms, m + t.measured));
    if measured == 0 || elapsed.is_zero() {
        return None;
    }
    let fallback = cost / measured as f64;
    let left: f64 = tests
        .iter()
        .map(|t| {
            let mean = if t.measured > 0 {
                t.cost_ms / t.measured as f64
            } else {
                fallback
            };
            t.expected.saturating_sub(t.done) as f64 * mean
        })
        .sum();
    let rate = cost / elapsed.as_secs_f64();
    (rate > 0.0).then(|| Duration::from_secs_f64(left / rate))
}

/// `1h02m`, `4m10s`, `12s`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// How progress is drawn.
enum Display {
    /// On a terminal: the overall bar, and a bar per test.
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
        per_test: Vec<ProgressBar>,
    },
    /// Elsewhere: lines on stderr, a status line `every` so often.
    Plain {
        last_status: WallClock,
        every: Duration,
    },
}

/// The running display of a sweep.
pub struct Progress {
    display: Display,
    tests: Vec<TestProgress>,
    started: WallClock,
    done: u64,
    failed: u64,
    total: u64,
    /// Jobs running: index to (test, seed, since).
    running: BTreeMap<u64, (&'static str, u64, WallClock)>,
}

impl Progress {
    /// A display for `tests` with `per_test` runs each; bars if stderr is a
    /// terminal.
    pub fn new(tests: &[&'static TestDef], per_test: u64) -> Progress {
        let total = per_test.saturating_mul(tests.len() as u64);
        let display = if std::io::stderr().is_terminal() {
            bars(tests, per_test, total)
        } else {
            Display::Plain {
                last_status: WallClock::now(),
                every: status_every(),
            }
        };
        Progress {
            display,
            tests: tests
                .iter()
                .map(|t| TestProgress {
                    name: t.name,
                    done: 0,
                    expected: per_test,
                    failed: 0,
                    cost_ms: 0.0,
                    measured: 0,
                })
                .collect(),
            started: WallClock::now(),
            done: 0,
            failed: 0,
            total,
            running: BTreeMap::new(),
        }
    }

    /// Job `index` went to a worker.
    pub fn started(&mut self, index: u64, job: &Job) {
        self.running
            .insert(index, (job.test, job.seed, WallClock::now()));
    }

    /// Job `index` was dropped unfinished.
    pub fn dropped(&mut self, index: u64) {
        self.running.remove(&index);
    }

    /// Counts one result; prints its failure line if it failed.
    pub fn finished(&mut self, index: u64, record: &RunRecord) {
        self.running.remove(&index);
        self.done += 1;
        self.failed += u64::from(record.failed());
        let Some(k) = self.tests.iter().position(|t| t.name == record.test) else {
            return;
        };
        let t = &mut self.tests[k];
        t.done += 1;
        t.measured += 1;
        t.cost_ms += record.wall_ms;
        t.failed += u64::from(record.failed());
        let (done, expected, failed, name) = (t.done, t.expected, t.failed, t.name);
        let eta = self.eta_text();
        match &mut self.display {
            Display::Bars {
                multi,
                overall,
                per_test,
            } => {
                if let Some(line) = record.failure_line() {
                    multi.suspend(|| out::line(line));
                }
                overall.inc(1);
                overall.set_message(format!("{eta}, {} failed", self.failed));
                let bar = &per_test[k];
                bar.inc(1);
                let state = if done == expected { "done" } else { "running" };
                bar.set_message(format!("{state}, {failed} failed"));
            }
            Display::Plain { .. } => {
                if let Some(line) = record.failure_line() {
                    out::line(line);
                }
                if done == expected {
                    out::status(format!("{name}: {expected} runs done, {failed} failed"));
                }
            }
        }
    }

    /// Called after every event and at least once a second: off a
    /// terminal, the status line when due.
    pub fn tick(&mut self) {
        let Display::Plain { last_status, every } = &self.display else {
            return;
        };
        if last_status.elapsed() < *every {
            return;
        }
        out::status(self.status_line());
        if let Display::Plain { last_status, .. } = &mut self.display {
            *last_status = WallClock::now();
        }
    }

    /// `status: 1234/28000 runs, 3 failed, 1m05s elapsed, ETA 4m10s;
    /// running: TestX seed=0x12 for 45s (+1 more)`.
    pub fn status_line(&self) -> String {
        let mut line = format!(
            "status: {}/{} runs, {} failed, {} elapsed, {}",
            self.done,
            self.total,
            self.failed,
            fmt_duration(self.started.elapsed()),
            self.eta_text()
        );
        if let Some((test, seed, since)) = self.running.values().min_by_key(|r| r.2) {
            line.push_str(&format!(
                "; running: {test} seed={} for {}",
                show_seed(*seed),
                fmt_duration(since.elapsed())
            ));
            if self.running.len() > 1 {
                line.push_str(&format!(" (+{} more)", self.running.len() - 1));
            }
        }
        line
    }

    fn eta_text(&self) -> String {
        match eta(&self.tests, self.started.elapsed()) {
            Some(left) => format!("ETA {}", fmt_duration(left)),
            None => "ETA unknown".into(),
        }
    }

    /// Removes the bars.
    pub fn finish(self) {
        if let Display::Bars {
            multi,
            overall,
            per_test,
        } = self.display
        {
            for bar in per_test {
                bar.finish_and_clear();
            }
            overall.finish_and_clear();
            let _ = multi.clear();
        }
    }
}

fn bars(tests: &[&'static TestDef], per_test: u64, total: u64) -> Display {
    let multi = MultiProgress::new();
    let overall = multi.add(ProgressBar::new(total));
    overall.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} runs, {msg}")
            .expect("a valid template"),
    );
    overall.set_message("ETA unknown");
    let style = ProgressStyle::with_template("  {prefix:34} {pos:>6}/{len:6} {msg}")
        .expect("a valid template");
    let per_test = tests
        .iter()
        .map(|t| {
            let bar = multi.add(ProgressBar::new(per_test));
            bar.set_style(style.clone());
            bar.set_prefix(t.name);
            bar
        })
        .collect();
    Display::Bars {
        multi,
        overall,
        per_test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(name: &'static str, done: u64, expected: u64, cost_ms: f64) -> TestProgress {
        TestProgress {
            name,
            done,
            expected,
            failed: 0,
            cost_ms,
            measured: done,
        }
    }

    #[test]
    fn the_eta_weighs_runs_left_by_their_tests_cost() {
        // Done in 1 s: 10 cheap runs (1 ms each) and one slow run (100 ms),
        // so 110 ms of cost per second. Left: 10 cheap and 10 slow runs,
        // 1010 ms of cost: 9.2 s, where counting runs would say 1.75 s.
        let tests = [
            test("Cheap", 10, 20, 10.0),
            TestProgress {
                measured: 1,
                cost_ms: 100.0,
                ..test("Slow", 1, 11, 0.0)
            },
        ];
        let left = eta(&tests, Duration::from_secs(1)).unwrap();
        assert_eq!(left.as_millis(), 9181);
        // A test not yet measured costs the mean of the others.
        let tests = [test("A", 2, 2, 20.0), test("B", 0, 2, 0.0)];
        assert_eq!(eta(&tests, Duration::from_secs(2)).unwrap().as_secs(), 2);
        assert_eq!(eta(&[test("A", 0, 5, 0.0)], Duration::from_secs(1)), None);
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(fmt_duration(Duration::from_secs(12)), "12s");
        assert_eq!(fmt_duration(Duration::from_secs(250)), "4m10s");
        assert_eq!(fmt_duration(Duration::from_secs(3720)), "1h02m");
    }
}
