//! Running the `lab` binary as a user does, shared by the test binaries.

#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, ExitCode, Output};

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

/// The main of a `harness = false` test binary: runs each of `checks` whose
/// name contains a free argument (all without one, as libtest filters),
/// catching panics, and prints a libtest-like line for each and a total.
pub fn run_checks(suite: &str, checks: &[(&str, fn())]) -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut failed = 0;
    for (name, check) in checks {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let result = std::panic::catch_unwind(check);
        println!(
            "test {name} ... {}",
            if result.is_ok() { "ok" } else { "FAILED" }
        );
        failed += usize::from(result.is_err());
    }
    println!("{suite}: {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
