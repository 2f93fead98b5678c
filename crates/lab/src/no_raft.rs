//! The `lab` binary built without the `reference` feature (a student's
//! crate, the handout made by `make handout`): it has no Raft of its own.
//! `list`, `new` and `merge` work; the commands that run tests say where to
//! run them.

use crate::cli::{Cli, Command, Usage};
use crate::{finish, merge, new, parse, run};
use clap::CommandFactory;
use std::process::ExitCode;

/// What the commands that need a Raft say.
const NO_RAFT: &str = "this lab binary has no Raft of its own (built without the `reference` feature): \
     run your crate's, e.g. `cargo run --release --bin lab -- run 3A` in a crate made by `lab new`";

/// Parses the command line and runs `list`, `new` or `merge`.
pub fn main() -> ExitCode {
    let cli = match parse(Cli::command()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    finish(match &cli.command {
        Command::List { filter } => run::list(filter.as_deref()),
        Command::New(args) => new::main(args),
        Command::Merge(args) => merge::main(args),
        _ => Err(Usage(NO_RAFT.into())),
    })
}
