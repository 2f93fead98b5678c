//! The course's `one(cmd, expectedServers, retry)` as a resumable state
//! machine, so the same code serves the test script (which sleeps in it) and
//! the background `one`s of TestUnreliableAgree3C (which the simulator wakes).

use crate::cmd::Cmd;
use crate::failure::Check;
use crate::harness::Tester;
use crate::tasks::Step;
use labrpc::Time;
use raftapi::{Bytes, Raft};

/// `one` gives up after 10 s (checked at the top of each attempt).
const ONE_LIMIT_MS: u64 = 10_000;
/// Each attempt waits 2 s for agreement.
const ATTEMPT_MS: u64 = 2_000;
/// Poll `nCommitted` every 20 ms.
const POLL_MS: u64 = 20;
/// Pause 50 ms when no server accepted the command.
const NO_LEADER_PAUSE_MS: u64 = 50;

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// At the top of the outer loop: try to find a leader.
    Submit,
    /// Polling `nCommitted(index)` since `since`.
    Poll { index: u64, since: Time },
}

/// One call of `one`.
#[derive(Clone, Debug)]
pub struct One {
    cmd: Cmd,
    bytes: Bytes,
    expected: usize,
    retry: bool,
    t0: Time,
    /// The course's `starts` cursor: the next probe goes to `starts + 1`.
    starts: usize,
    phase: Phase,
}

impl One {
    /// Begins `one(cmd, expected, retry)` at `now`.
    pub fn new(cmd: Cmd, expected: usize, retry: bool, now: Time) -> One {
        let bytes = cmd.encode();
        One {
            cmd,
            bytes,
            expected,
            retry,
            t0: now,
            starts: 0,
            phase: Phase::Submit,
        }
    }

    /// Runs until the next sleep (`Step::Sleep`) or the index (`Step::Done`).
    pub fn step<R: Raft>(&mut self, t: &mut Tester<R>) -> Check<Step<u64>> {
        loop {
            match self.phase {
                Phase::Submit => {
                    if t.now().ms_since(self.t0) >= ONE_LIMIT_MS {
                        return Err(t.fatal_one(&self.cmd, &self.bytes));
                    }
                    match self.submit(t) {
                        Some(index) => {
                            self.phase = Phase::Poll {
                                index,
                                since: t.now(),
                            }
                        }
                        None => return Ok(Step::Sleep(NO_LEADER_PAUSE_MS)),
                    }
                }
                Phase::Poll { index, since } => {
                    if t.now().ms_since(since) < ATTEMPT_MS {
                        let (nd, cmd1) = t.n_committed(index)?;
                        if nd > 0 && nd >= self.expected && cmd1.as_ref() == Some(&self.bytes) {
                            // 2026's `OpInc`: counted in every edition,
                            // printed in 2026 only.
                            t.op_inc();
                            return Ok(Step::Done(index));
                        }
                        return Ok(Step::Sleep(POLL_MS));
                    }
                    if !self.retry {
                        return Err(t.fatal_one(&self.cmd, &self.bytes));
                    }
                    self.phase = Phase::Submit;
                }
            }
        }
    }

    /// Walks the servers from the cursor; `Start`s on the first connected,
    /// live one that accepts.
    fn submit<R: Raft>(&mut self, t: &mut Tester<R>) -> Option<u64> {
        for _ in 0..t.servers() {
            self.starts = (self.starts + 1) % t.servers();
            if t.is_connected(self.starts)
                && let Some(started) = t.start_on(self.starts, self.bytes.clone())
            {
                return Some(started.index.0);
            }
        }
        None
    }
}

impl<R: Raft> Tester<R> {
    /// `one(cmd, expectedServers, retry)`: submits `cmd` and waits until at
    /// least `expected` servers applied it; returns its index.
    pub fn one(&mut self, cmd: Cmd, expected: usize, retry: bool) -> Check<u64> {
        self.note(
            "one",
            format_args!("one({cmd}, {expected}, {retry}) begins"),
        );
        let mut one = One::new(cmd, expected, retry, self.now());
        loop {
            match one.step(self)? {
                Step::Sleep(ms) => self.sleep(ms)?,
                Step::Done(index) => {
                    self.note("one", format_args!("one: committed at index {index}"));
                    return Ok(index);
                }
            }
        }
    }

    /// `one` with an int command (most tests).
    pub fn one_int(&mut self, x: i64, expected: usize, retry: bool) -> Check<u64> {
        self.one(Cmd::Int(x), expected, retry)
    }
}
