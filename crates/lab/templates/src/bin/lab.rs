//! The `lab` command line on this crate's Raft: run, sweep, replay, bench.
//! `cargo run --release --bin lab -- sweep 3A --seeds 500` (see README.md).
//! It is built by the small `cli/` package (see Cargo.toml), so that
//! `cargo test` does not compile the command line.

fn main() -> std::process::ExitCode {
    lab::main(|| Box::new(<{{crate}}::Raft as raftapi::Raft>::make))
}
