//! The churn clients of `internalChurn` (TestReliableChurn3C,
//! TestUnreliableChurn3C): each submits random ints to every live server and
//! records the ones it saw commit.

use crate::cmd::Cmd;
use crate::failure::Check;
use crate::harness::Tester;
use crate::tasks::Step;
use raftapi::Raft;

/// The sleeps between `nCommitted` checks (the 200 ms after the fifth check
/// is slept too, then the client starts over).
const CHECK_SLEEPS_MS: [u64; 5] = [10, 20, 50, 100, 200];

#[derive(Clone, Copy, Debug)]
enum Phase {
    Submit,
    Check { x: i64, index: u64, round: usize },
}

/// The end of `internalChurn`: whether every value a client saw commit is
/// among the values really committed. The Go test scans `really` once per
/// value (thousands by thousands); a sorted copy and binary searches give
/// the same verdict.
pub fn all_found(values: &[i64], really: &[i64]) -> bool {
    let mut really = really.to_vec();
    really.sort_unstable();
    values.iter().all(|v| really.binary_search(v).is_ok())
}

/// One churn client goroutine (`cfn(me, ch)`).
#[derive(Clone, Debug)]
pub struct ChurnClient {
    me: u64,
    values: Vec<i64>,
    phase: Phase,
}

impl ChurnClient {
    /// Client number `me` (0, 1, 2).
    pub fn new(me: u64) -> ChurnClient {
        ChurnClient {
            me,
            values: Vec::new(),
            phase: Phase::Submit,
        }
    }

    /// The values this client saw commit.
    pub fn into_values(self) -> Vec<i64> {
        self.values
    }

    /// Runs until the next sleep, or until stopped.
    pub fn step<R: Raft>(&mut self, t: &mut Tester<R>) -> Check<Step<()>> {
        loop {
            match self.phase {
                Phase::Submit => {
                    if t.churn_stop {
                        return Ok(Step::Done(()));
                    }
                    let x = t.rand_int();
                    let bytes = Cmd::Int(x).encode();
                    // Try them all, connected or not: maybe one is a leader.
                    let mut index = None;
                    for i in 0..t.servers() {
                        if let Some(started) = t.start_on(i, bytes.clone()) {
                            index = Some(started.index.0);
                        }
                    }
                    match index {
                        Some(index) => self.phase = Phase::Check { x, index, round: 0 },
                        None => return Ok(Step::Sleep(79 + self.me * 17)),
                    }
                }
                Phase::Check { round: 5, .. } => self.phase = Phase::Submit,
                Phase::Check { x, index, round } => {
                    let (nd, cmd) = t.n_committed(index)?;
                    if nd > 0 {
                        match cmd
                            .as_deref()
                            .and_then(Cmd::decode)
                            .and_then(|c| c.as_int())
                        {
                            Some(xx) if xx == x => self.values.push(x),
                            Some(_) => {}
                            None => return Err(t.fatal("churn", "wrong command type")),
                        }
                        self.phase = Phase::Submit;
                        continue;
                    }
                    self.phase = Phase::Check {
                        x,
                        index,
                        round: round + 1,
                    };
                    return Ok(Step::Sleep(CHECK_SLEEPS_MS[round]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::all_found;

    #[test]
    fn every_value_must_be_found() {
        let really = [5, -3, 9, 5, 0];
        assert!(all_found(&[9, 5, -3, 5], &really));
        assert!(all_found(&[], &really));
        assert!(!all_found(&[9, 4], &really));
        assert!(!all_found(&[1], &[]));
    }
}
