//! `lab list` and `lab run`: the tests as data, and the tests run in this
//! process one after another, printing what the course's tester prints.

use crate::cli::{self, RunArgs, Usage};
use crate::report::{self, Exit};
use crate::worker::{quiet_panics, run_one};
use raftapi::Raft;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;
use tester::Factory;
use tester::registry::{Network, Part};
use tester::seeds::{fresh_seed, show_seed};

/// `lab list [FILTER]`.
pub fn list(filter: Option<&str>) -> Result<Exit, Usage> {
    let tests = cli::select(filter.unwrap_or(""))?;
    let mut out = String::new();
    let mut part: Option<Part> = None;
    for t in tests {
        if part != Some(t.part) {
            let _ = writeln!(out, "{}:", t.part);
            part = Some(t.part);
        }
        let network = match t.network {
            Network::Reliable => "reliable",
            Network::Unreliable => "unreliable",
            Network::ReliableIn2024 => "reliable in 2024, unreliable in 2025",
        };
        let snapshot = if t.snapshot {
            "snapshot"
        } else {
            "no snapshot"
        };
        let _ = writeln!(
            out,
            "  {:<34} {} servers  {network:<36}  {snapshot}",
            t.name, t.servers
        );
    }
    // A closed pipe (`lab list | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(Exit::Passed)
}

/// `lab run FILTER [--seed S] [--seeds N]`.
pub fn run<R: Raft>(
    args: &RunArgs,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
) -> Result<Exit, Usage> {
    let tests = cli::select(&args.filter)?;
    let vis = crate::vis::settings()?; // #11
    let first = args.seed.unwrap_or_else(fresh_seed);
    quiet_panics();
    let watchdog = watchdog(Duration::from_millis(args.timeout_ms));
    let mut records = Vec::new();
    for test in tests {
        for k in 0..args.seeds {
            let seed = first.wrapping_add(k);
            let spec = args.common.spec(test, seed);
            let replay =
                crate::record::replay_command(test.name, seed, spec.edition, raft, spec.strict);
            let _ = watchdog.send(Some((test.name, seed, replay)));
            let (outcome, record) = run_one(spec, make, raft);
            let _ = watchdog.send(None);
            for line in &outcome.lines {
                println!("{line}");
            }
            if let Some(report) = outcome.report() {
                println!("{report}\n  or: {}", record.replay);
            }
            print!(
                "{}",
                crate::vis::after_run(&vis, spec, &outcome, make, raft)
            ); // #11
            records.push(record);
        }
    }
    println!("{}", report::totals_line(&records));
    Ok(report::exit_code(&records))
}

type Watched = Option<(&'static str, u64, String)>;

/// A thread that ends the process with a hang report (exit code 4) if a run
/// takes longer than `timeout` of wall-clock time. `Some(run)` starts the
/// clock, `None` stops it. (`lab sweep` kills a worker instead and goes on.)
fn watchdog(timeout: Duration) -> Sender<Watched> {
    let (tx, rx) = mpsc::channel::<Watched>();
    thread::spawn(move || {
        let mut current: Watched = None;
        loop {
            let next = match &current {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(_) => rx.recv_timeout(timeout),
            };
            match next {
                Ok(run) => current = run,
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {
                    let (test, seed, replay) = current.take().expect("a run is timed");
                    println!(
                        "FAIL {test} seed={}: hang (wall-clock timeout): no result after {} ms\n  replay: {replay}",
                        show_seed(seed),
                        timeout.as_millis()
                    );
                    std::process::exit(Exit::Hung as i32);
                }
            }
        }
    });
    tx
}
