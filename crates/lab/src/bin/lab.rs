//! The `lab` binary: the command line on the reference Raft (see the `lab`
//! crate docs for running it on your own Raft).

fn main() -> std::process::ExitCode {
    lab::main_builtin()
}
