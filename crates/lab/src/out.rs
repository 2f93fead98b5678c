//! Console output that survives a closed pipe. `println!` panics when
//! stdout is gone (`lab run 3A | head -1`); these write, ignore the error,
//! and stop writing to a closed stream, so the command goes on quietly
//! (a sweep still writes its `--json` and exits with its usual code).

use std::fmt::Display;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn write_to(mut stream: impl Write, closed: &AtomicBool, text: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}

/// `text` on stdout, as is.
pub fn print(text: impl Display) {
    write_to(io::stdout().lock(), &STDOUT_CLOSED, &text.to_string());
}

/// `text` and a newline on stdout.
pub fn line(text: impl Display) {
    print(format_args!("{text}\n"));
}

/// `text` and a newline on stderr (progress, status, warnings).
pub fn status(text: impl Display) {
    write_to(io::stderr().lock(), &STDERR_CLOSED, &format!("{text}\n"));
}

/// Whether stdout has been found closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
