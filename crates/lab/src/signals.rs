//! SIGINT and SIGTERM during a sweep: the first sets a flag (the sweep stops
//! dispatching, ends its workers, prints what finished and closes `--json`,
//! then exits 130); a second one ends the process at once, as it would
//! have without us.
//!
//! Catching a signal needs a handler, which std cannot install and this
//! workspace's `unsafe_code = "forbid"` keeps us from writing; the
//! `signal-hook` crate (maintained, async-signal-safe, a thin layer over
//! libc) does it safely in two calls.

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A flag set by the first SIGINT or SIGTERM from now on.
pub fn interrupt_flag() -> io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so it sees the flag before the second handler
        // sets it: a repeated signal takes its default action.
        signal_hook::flag::register_conditional_default(signal, Arc::clone(&flag))?;
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    Ok(flag)
}
