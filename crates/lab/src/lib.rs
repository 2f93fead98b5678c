//! lab: the raftlab command line. Lists, runs, sweeps, replays and benches
//! the MIT 6.5840 Raft tests (3A-3D) of the [`tester`] crate, for any Raft
//! behind the [`raftapi::Raft`] seam.
//!
//! ```text
//!  lab list [FILTER]                      the tests as data (filters in any case)
//!  lab run FILTER [--seed S] [--seeds N]  in this process, the course's lines,
//!                                         each run under a CPU-time watchdog
//!  lab sweep FILTER --seeds N [--from S] [--jobs J] [--shard K/N] [--json F]
//!      Jobs (lazy) ─► Feed ─► pool threads ── job "TEST SEED" ──► `lab worker`
//!                                          ◄── one JSON line ───  (own process
//!      group; watchdog: CPU limit or no CPU, replies a hang with the virtual
//!      time reached, exits; leaves when the parent dies). Parent: a CPU-time
//!      backstop per job, SIGINT/SIGTERM stop and exit 130; results in (test,
//!      seed) order to --json as they finish; keeps only a Summary
//!  lab merge A.json B.json ...            shards' --json into one table
//!  lab replay TEST --seed S [--columns] [--width N] [--only T,..] [--hide T,..]
//!                 [--server I] [--log FILTER] [--html FILE] [--perfetto FILE]
//!      in this process, under labtrace's collector; printed in virtual time
//!  lab run|sweep|replay ... --check-determinism
//!      every run twice, the second in another process (a sweep: each pool
//!      thread's checker worker; run/replay: a child worker); differing
//!      check hashes: both describe the seed, the first divergent event
//!  lab [--raft NAME] ...                  one of the binary's variants
//!  lab bench [FILTER] [--seeds N]         CPU per seed by part, against the
//!      bare simulator's cost of the same events (labrpc::pingpong)
//!  lab mutants [--seeds N] [--only BUG]   the suite against each of
//!      labraft's injected bugs (workers run `--raft bug:NAME`); a table
//!  lab new PATH [--name N] [--git URL [--rev R]]   a student crate
//! ```
//!
//! # Modules
//! - [`cli`]: clap definitions and input checks (exit code 2).
//! - [`run`]: `list` and `run`; [`bench`](mod@bench): `bench`.
//! - `src/bin/compare-sweeps.rs`: a second binary, the trace-hash contract
//!   checked between two `sweep --json` files (`make compare-sweeps`).
//! - [`sweep`]: `sweep`; [`jobs`]: seed ranges and the lazy job list;
//!   [`pool`]: worker processes and the parent's watchdog; [`pipeline`]: a
//!   pool thread's worker fed jobs ahead of their turn; [`worker`]: the
//!   child side; [`signals`]: SIGINT and SIGTERM; [`progress`]: bars or
//!   plain lines, the ETA; [`stream`]: `--json` written as runs finish.
//! - [`summary`]: what is kept of the results (counters, signatures);
//!   [`report`]: the table, failure groups, closing line and exit codes;
//!   [`merge`]: `merge`, shards' `--json` files read back into one summary.
//! - [`record`]: one run's result as JSON; [`out`]: output that survives a
//!   closed pipe; [`invocation`]: the program replay lines name.
//! - [`check`]: `--check-determinism`: settling a pair of runs, the child
//!   of `lab run` and `lab replay`, nondeterministic records;
//!   `check_pool`: a checked sweep's pipelined worker and checker pairs.
//! - [`replay`]: `lab replay`, on [`labtrace`]'s collector and renderer.
//! - [`variants`]: [`Lab`], a binary's Rafts by name (`--raft NAME`).
//! - [`vis`]: timelines: `replay --html/--perfetto`, and one per failing
//!   run (`run`) or failure signature (`sweep`), under `LAB_VIS`.
//! - [`new`](mod@new): `new`, a student crate from `templates/`.
//!
//! With the `reference` feature (the default; staff-only, absent from the
//! student handout and off in a student's crate), the reference Raft
//! (labraft) and the tools on it:
//! - `builtin`: the `lab` binary's Rafts (reference, planted, injected bugs);
//! - `planted`: Rafts with injected bugs, for testing `lab` itself;
//! - `injected`: the reference Raft with one of labraft's catalogued bugs
//!   (`--raft bug:NAME`); `mutants`: `mutants`, the suite against each.
//!
//! Without it, the `lab` binary has no Raft: `list` and `new` work.
//!
//! # Exit codes
//! 0 every run passed; 1 a check failed; 2 bad usage (before any run); 3 a
//! Raft panicked (or a worker process died); 4 a run hung (CPU watchdog or
//! runaway budget); 5 nondeterministic (`--check-determinism`: two runs of
//! one seed differed); 130 interrupted (SIGINT, SIGTERM). When several
//! kinds occur the most severe wins: 5 > 4 > 3 > 1. `lab mutants` expects failures
//! (they are what it measures): it exits 0 once every run has a result and
//! the table is printed, 2 on bad usage.
//!
//! # Your own Raft
//! The `lab` binary runs the reference Raft (labraft). To run yours, add
//! `lab` as a dependency (`default-features = false`) and write `src/bin/lab.rs`:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     lab::main(|| Box::new(<my_raft::Raft as raftapi::Raft>::make))
//! }
//! ```
//!
//! then `cargo run --release --bin lab -- sweep 3A --seeds 500`. The sweep
//! re-invokes that same binary as its workers, so it tests your Raft. To
//! offer several Rafts (or one with several settings) by name, register
//! them with [`Lab::variant`] and pick one with `--raft NAME`; replay lines
//! name the binary and the variant ([`variants`], [`invocation`]).

pub mod bench;
#[cfg(feature = "reference")]
pub mod builtin;
pub mod check;
mod check_pool;
pub mod cli;
#[cfg(feature = "reference")]
pub mod injected;
pub mod invocation;
pub mod jobs;
pub mod merge;
#[cfg(feature = "reference")]
pub mod mutants;
pub mod new;
#[cfg(not(feature = "reference"))]
mod no_raft;
pub mod out;
pub mod pipeline;
#[cfg(feature = "reference")]
pub mod planted;
pub mod pool;
pub mod progress;
pub mod record;
pub mod replay;
pub mod report;
pub mod run;
pub mod signals;
pub mod stream;
pub mod summary;
pub mod sweep;
pub mod variants;
pub mod vis;
pub mod worker;

use clap::FromArgMatches;
use cli::{Cli, Command, Usage};
use raftapi::Raft;
use report::Exit;
use std::process::ExitCode;
use tester::Factory;
pub use variants::Lab;

/// The command line for Rafts made by `make` (one variant, `default`; see
/// [`Lab`] for several).
pub fn main<R: Raft + 'static>(make: fn() -> Factory<R>) -> ExitCode {
    Lab::new().variant("default", "your Raft", make).run()
}

/// The `lab` binary: the reference Raft, or another of `builtin::lab`'s
/// variants with `--raft NAME` (planted Rafts, `bug:NAME`).
/// Without the `reference` feature (a student's crate, the handout) it has
/// no Raft of its own: `list` and `new` work, and the commands that run
/// tests say to run a crate's own `lab`.
pub fn main_builtin() -> ExitCode {
    #[cfg(feature = "reference")]
    return builtin::lab().run();
    #[cfg(not(feature = "reference"))]
    no_raft::main()
}

/// The reference Raft's factory.
#[cfg(feature = "reference")]
pub fn reference() -> Factory<labraft::Raft> {
    Box::new(<labraft::Raft as Raft>::make)
}

/// Parses the command line with `command` (the [`Cli`], as a [`Lab`]
/// completes it); clap's own errors are cut to their first line.
fn parse(command: clap::Command) -> Result<Cli, ExitCode> {
    let parsed = command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
        .map(|mut cli| {
            cli.spread_globals();
            cli
        });
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                ExitCode::from(if e.use_stderr() { 2 } else { 0 })
            }
            _ => {
                // The first paragraph, on one line (clap puts the missing
                // arguments on lines of their own).
                let text = e.to_string();
                let first: Vec<&str> = text
                    .lines()
                    .take_while(|l| !l.trim().is_empty())
                    .map(str::trim)
                    .collect();
                eprintln!("{}", first.join(" "));
                Exit::Usage.into()
            }
        }
    })
}

/// Runs one command.
fn dispatch<R: Raft>(
    command: &Command,
    make: fn() -> Factory<R>,
    raft: Option<&'static str>,
) -> Result<Exit, Usage> {
    match command {
        Command::List { filter } => run::list(filter.as_deref()),
        Command::Run(args) => run::run(args, make, raft),
        Command::Sweep(args) => sweep::main(args, raft),
        Command::Replay(args) => replay::main(args, make, raft),
        Command::Bench(args) => bench::main(args, make, raft),
        #[cfg(feature = "reference")]
        Command::Mutants(args) => mutants::main(args),
        Command::New(args) => new::main(args),
        Command::Merge(args) => merge::main(args),
        Command::Worker(args) => {
            let code = worker::main(args, make, raft);
            Ok(if code == ExitCode::SUCCESS {
                Exit::Passed
            } else {
                Exit::Usage
            })
        }
    }
}

fn finish(result: Result<Exit, Usage>) -> ExitCode {
    match result {
        Ok(exit) => exit.into(),
        Err(e) => usage(&e),
    }
}

fn usage(e: &Usage) -> ExitCode {
    eprintln!("error: {e}");
    Exit::Usage.into()
}
