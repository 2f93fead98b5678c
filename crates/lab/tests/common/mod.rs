//! Running the `lab` binary as a user does, shared by the test binaries.

#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Output};

/// Runs `lab` with `args` and waits for it.
pub fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .output()
        .expect("lab runs")
}

/// What it printed on stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

/// What it printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

/// The arguments of a replay line the lab printed (`cargo run [--release]
/// --bin lab -- ARGS`), to run the binary with them directly.
pub fn replay_args(line: &str) -> Vec<&str> {
    line.split_once(" --bin lab -- ")
        .unwrap_or_else(|| panic!("not a replay line of the lab binary: {line}"))
        .1
        .split_whitespace()
        .collect()
}
