//! `cargo test` logging: with `LAB_LOG=FILTER` each run is collected (as
//! `lab replay` collects it) and a failing run's events are printed in the
//! replay's lines before the failure report; `LAB_LOG_RUNS=all` prints
//! every run's. FILTER selects the Raft's own events `RUST_LOG`-style
//! (`debug`, `my_raft=trace,my_raft::net=off`; see
//! [`labtrace::collect`]); the lab's own events are always collected.
//!
//! ```sh
//! LAB_LOG=debug LAB_SEED=0x2a cargo test -- TestBackup3B
//! LAB_LOG=my_raft=trace,lab::rpc=off LAB_LOG_RUNS=all cargo test -- TestInitialElection3A
//! ```

use crate::cargo::BadEnv;
use crate::harness::Factory;
use crate::runner::{Outcome, RunSpec, run};
use crate::seeds::show_seed;
use labtrace::{LogFilter, render};
use raftapi::Raft;

/// The variable holding the filter; unset, nothing is collected.
pub const LOG_VAR: &str = "LAB_LOG";
/// `failed` (default) or `all`: which runs' events are printed.
pub const RUNS_VAR: &str = "LAB_LOG_RUNS";

/// What `LAB_LOG` and `LAB_LOG_RUNS` ask for.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// Which of the Raft's own events to collect.
    pub filter: LogFilter,
    /// Print every run, not only failing ones.
    pub all_runs: bool,
}

impl LogConfig {
    /// Reads the two variables; `Ok(None)` when `LAB_LOG` is unset.
    pub fn read(var: impl Fn(&str) -> Option<String>) -> Result<Option<LogConfig>, BadEnv> {
        let Some(spec) = var(LOG_VAR) else {
            return Ok(None);
        };
        let filter = LogFilter::parse(&spec).map_err(|e| BadEnv(format!("{LOG_VAR}: {e}")))?;
        let all_runs = match var(RUNS_VAR).as_deref().map(str::trim) {
            None | Some("" | "failed") => false,
            Some("all") => true,
            Some(other) => {
                return Err(BadEnv(format!(
                    "{RUNS_VAR}: '{other}' is not failed or all"
                )));
            }
        };
        Ok(Some(LogConfig { filter, all_runs }))
    }
}

/// Runs `spec`; under `log`, collects its events and returns their
/// rendering too when the run failed (or `all_runs`).
pub fn run_logged<R: Raft>(
    spec: RunSpec,
    factory: Factory<R>,
    log: Option<&LogConfig>,
) -> (Outcome, Option<String>) {
    let Some(log) = log else {
        return (run(spec, factory), None);
    };
    let (outcome, events) = labtrace::collected(log.filter.clone(), || run(spec, factory));
    if outcome.passed() && !log.all_runs {
        return (outcome, None);
    }
    let header = format!(
        "events of {} seed={} edition={} ({LOG_VAR}):\n",
        outcome.test,
        show_seed(outcome.seed),
        outcome.edition
    );
    let events = render::render(&events, &render::Style::lines(spec.test.servers));
    (outcome, Some(header + &events))
}

/// [`run_logged`] configured from the environment, printing the events;
/// panics (failing the test) on a bad variable, as the other `LAB_*` do.
pub fn run_with_env<R: Raft>(spec: RunSpec, factory: Factory<R>) -> Outcome {
    let log = LogConfig::read(|k| std::env::var(k).ok()).unwrap_or_else(|e| panic!("{e}"));
    let (outcome, events) = run_logged(spec, factory, log.as_ref());
    if let Some(events) = events {
        print!("{events}");
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Option<LogConfig>, BadEnv> {
        LogConfig::read(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn the_variables_parse_or_say_what_is_wrong() {
        assert!(read(&[]).unwrap().is_none());
        let c = read(&[("LAB_LOG", "mine=trace")]).unwrap().unwrap();
        assert!(!c.all_runs);
        assert!(
            read(&[("LAB_LOG", "debug"), ("LAB_LOG_RUNS", "all")])
                .unwrap()
                .unwrap()
                .all_runs
        );
        let e = read(&[("LAB_LOG", "mine=loud")]).unwrap_err().0;
        assert!(e.starts_with("LAB_LOG: bad log filter 'mine=loud'"), "{e}");
        let e = read(&[("LAB_LOG", "debug"), ("LAB_LOG_RUNS", "some")])
            .unwrap_err()
            .0;
        assert_eq!(e, "LAB_LOG_RUNS: 'some' is not failed or all");
    }
}
