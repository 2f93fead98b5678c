//! What a sweep shows while it runs: indicatif bars on a terminal (an
//! overall bar with its ETA and one line per test), plain lines elsewhere.
//! Failure lines go to stdout either way, as they happen.

use crate::record::RunRecord;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use tester::registry::TestDef;

/// The running display of a sweep.
pub enum Progress {
    /// On a terminal.
    Bars {
        /// Holds the bars.
        multi: MultiProgress,
        /// Every run.
        overall: ProgressBar,
        /// One per test, in suite order.
        per_test: Vec<(&'static str, ProgressBar, u64)>,
    },
    /// Off a terminal: a line per finished test.
    Plain {
        /// Per test: name, runs done, runs expected, failures.
        per_test: Vec<(&'static str, u64, u64, u64)>,
    },
}

impl Progress {
    /// A display for `tests` with `per_test` runs each; bars if stderr is a
    /// terminal.
    pub fn new(tests: &[&'static TestDef], per_test: u64) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::Plain {
                per_test: tests.iter().map(|t| (t.name, 0, per_test, 0)).collect(),
            };
        }
        let multi = MultiProgress::new();
        let total = per_test * tests.len() as u64;
        let overall = multi.add(ProgressBar::new(total));
        overall.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs, ETA {eta} {msg}",
            )
            .expect("a valid template"),
        );
        let style = ProgressStyle::with_template("  {prefix:34} {pos:>6}/{len:6} {msg}")
            .expect("a valid template");
        let bars = tests
            .iter()
            .map(|t| {
                let bar = multi.add(ProgressBar::new(per_test));
                bar.set_style(style.clone());
                bar.set_prefix(t.name);
                (t.name, bar, 0)
            })
            .collect();
        Progress::Bars {
            multi,
            overall,
            per_test: bars,
        }
    }

    /// Counts one result; prints its failure line if it failed.
    pub fn on_result(&mut self, record: &RunRecord) {
        let line = record.failure_line();
        match self {
            Progress::Bars {
                multi,
                overall,
                per_test,
            } => {
                if let Some(line) = &line {
                    multi.suspend(|| println!("{line}"));
                }
                overall.inc(1);
                if let Some((_, bar, failed)) = per_test.iter_mut().find(|t| t.0 == record.test) {
                    bar.inc(1);
                    *failed += u64::from(!record.passed);
                    let state = if bar.position() == bar.length().unwrap_or(0) {
                        "done"
                    } else {
                        "running"
                    };
                    bar.set_message(format!("{state}, {failed} failed"));
                }
            }
            Progress::Plain { per_test } => {
                if let Some(line) = &line {
                    println!("{line}");
                }
                if let Some(t) = per_test.iter_mut().find(|t| t.0 == record.test) {
                    t.1 += 1;
                    t.3 += u64::from(!record.passed);
                    if t.1 == t.2 {
                        eprintln!("{}: {} runs done, {} failed", t.0, t.2, t.3);
                    }
                }
            }
        }
    }

    /// Removes the bars.
    pub fn finish(self) {
        if let Progress::Bars {
            multi,
            overall,
            per_test,
        } = self
        {
            for (_, bar, _) in per_test {
                bar.finish_and_clear();
            }
            overall.finish_and_clear();
            let _ = multi.clear();
        }
    }
}
