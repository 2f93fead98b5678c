//! Applied indices never move backwards within an incarnation: each command
//! applied is above everything applied before, a snapshot is not below it,
//! and the Raft's own `last_applied` never decreases.

use super::{APPLY_MONOTONIC, Violation};

/// What one incarnation of one server has applied.
#[derive(Clone, Copy, Debug, Default)]
pub struct Applied {
    /// The highest index applied by a message (command or snapshot).
    by_messages: u64,
    /// The Raft's `last_applied` at its last inspection.
    inspected: u64,
}

impl Applied {
    /// A command at `index`: it must be above every index applied before.
    pub fn command(&mut self, server: usize, index: u64) -> Result<(), Violation> {
        let last = self.by_messages;
        self.by_messages = last.max(index);
        if index > last {
            return Ok(());
        }
        Err(violation(format!(
            "S{server} applied a command at index {index} after applying up to {last}"
        )))
    }

    /// A snapshot up to `index`: it must not be below what was applied.
    pub fn snapshot(&mut self, server: usize, index: u64) -> Result<(), Violation> {
        let last = self.by_messages;
        self.by_messages = last.max(index);
        if index >= last {
            return Ok(());
        }
        Err(violation(format!(
            "S{server} applied a snapshot up to index {index} after applying up to {last}"
        )))
    }

    /// The Raft reports `last_applied`: it must not decrease.
    pub fn inspected(&mut self, server: usize, last_applied: u64) -> Result<(), Violation> {
        let before = self.inspected;
        self.inspected = before.max(last_applied);
        if last_applied >= before {
            return Ok(());
        }
        Err(violation(format!(
            "S{server}'s last_applied went back from {before} to {last_applied}"
        )))
    }
}

fn violation(message: String) -> Violation {
    Violation {
        check: APPLY_MONOTONIC,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_is_fine_backwards_is_not() {
        let mut a = Applied::default();
        assert!(a.command(0, 1).is_ok());
        assert!(a.command(0, 2).is_ok());
        assert!(a.snapshot(0, 10).is_ok());
        assert!(a.snapshot(0, 10).is_ok());
        assert!(a.command(0, 11).is_ok());
        let v = a.snapshot(0, 5).unwrap_err();
        assert_eq!(v.check, APPLY_MONOTONIC);
        assert_eq!(
            v.message,
            "S0 applied a snapshot up to index 5 after applying up to 11"
        );
        assert!(a.command(0, 11).is_err());
        assert!(a.inspected(0, 11).is_ok());
        assert!(a.inspected(0, 4).is_err());
    }
}
