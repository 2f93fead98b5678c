//! A process killed as from outside (the OOM killer, a user), for the
//! `--check-determinism` tests: a kill is not nondeterminism.

/// SIGKILLs this process as the variable `var` says: `always`, or a path
/// that the one process killed removes (a kill once); unset, nothing.
pub fn sigkill_as(var: &str) {
    let kill = match std::env::var(var) {
        Ok(how) if how == "always" => true,
        Ok(marker) => std::fs::remove_file(marker).is_ok(),
        Err(_) => false,
    };
    if kill {
        signal_hook::low_level::raise(signal_hook::consts::SIGKILL).expect("raised");
    }
}
