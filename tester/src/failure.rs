//! A failed check: what the course's tester would have printed with `Fatalf`,
//! and when, in virtual time.

use labrpc::Time;
use std::fmt;

/// Why a test stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A check of the course's tester failed (`Fatalf`, `t.Fatal`, `log.Fatalf`).
    Check,
    /// The Raft panicked.
    Panic,
    /// The run exceeded its event or virtual-time budget (a runaway Raft).
    Hang,
    /// A strict oracle or a scenario's liveness phase failed.
    Oracle,
}

/// A test failure: the check that failed, in the course's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: Kind,
    /// The check that failed, by the course's function name (`checkOneLeader`,
    /// `one`, `applier`, ...).
    pub check: &'static str,
    /// The message, as the course's tester formats it.
    pub message: String,
    /// When it failed, in virtual time since the test began.
    pub at: Time,
    /// Go reports it with its testing package's `t.Fatal`, which prints the
    /// message alone (2026: apply errors, "Raft size too large"); otherwise
    /// with the course's `Fatalf`, which prints `Fatal: <message>`.
    pub bare: bool,
}

impl Failure {
    /// A failed course check.
    pub fn check(check: &'static str, message: impl Into<String>, at: Time) -> Failure {
        Failure {
            kind: Kind::Check,
            check,
            message: message.into(),
            at,
            bare: false,
        }
    }

    /// A failed course check that Go reports with `t.Fatal`: printed bare.
    pub fn bare(check: &'static str, message: impl Into<String>, at: Time) -> Failure {
        Failure {
            bare: true,
            ..Failure::check(check, message, at)
        }
    }

    /// The line the course's tester prints for it: `Fatal: <message>`, or
    /// the bare message for `t.Fatal`.
    pub fn go_line(&self) -> String {
        if self.bare {
            self.message.clone()
        } else {
            format!("Fatal: {}", self.message)
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{} at {} virtual]",
            self.go_line(),
            self.check,
            self.at
        )
    }
}

impl std::error::Error for Failure {}

/// The text of a panic payload (a Raft's panic caught by the runner or an
/// oracle).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// What test bodies and checkers return: `Err` stops the test, like `Fatalf`.
pub type Check<T = ()> = Result<T, Failure>;
