//! The course's checkers (`checkOneLeader`, `checkTerms`, `checkNoLeader`,
//! `checkNoAgreement`, `nCommitted`, `wait`), with the same rounds, sleeps and
//! limits in virtual time (spec §3.8).

use crate::cmd::{Cmd, show};
use crate::edition::Edition;
use crate::failure::{Check, Failure};
use crate::harness::Tester;
use raftapi::{Bytes, Raft};
use std::collections::BTreeMap;

impl<R: Raft> Tester<R> {
    /// `checkOneLeader()`: up to 10 rounds of 450-549 ms; fails on two
    /// leaders in one term; returns the leader of the highest term.
    pub fn check_one_leader(&mut self) -> Check<usize> {
        self.note("check", format_args!("checkOneLeader begins"));
        let (leader, term) = self.check_one_leader_rounds()?;
        self.note_leader("checkOneLeader", leader, term);
        Ok(leader)
    }

    /// The leader and its term.
    fn check_one_leader_rounds(&mut self) -> Check<(usize, u64)> {
        for _ in 0..10 {
            let ms = 450 + self.rand(100);
            self.sleep(ms)?;
            let mut leaders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for i in 0..self.n {
                if self.connected[i]
                    && let Some((term, true)) = self.get_state(i)
                {
                    leaders.entry(term).or_default().push(i);
                }
            }
            for (term, ls) in &leaders {
                if ls.len() > 1 {
                    let m = format!("term {term} has {} (>1) leaders", ls.len());
                    return Err(self.fatal("checkOneLeader", m));
                }
            }
            if let Some((&term, ls)) = leaders.last_key_value() {
                return Ok((ls[0], term));
            }
        }
        Err(self.fatal("checkOneLeader", "expected one leader, got none"))
    }

    /// `checkTerms()`: every connected server reports the same term; returns
    /// it, or `None` (the course's -1) if no server is connected.
    pub fn check_terms(&mut self) -> Check<Option<u64>> {
        let mut term = None;
        for i in 0..self.n {
            if !self.connected[i] {
                continue;
            }
            let Some((xterm, _)) = self.get_state(i) else {
                continue;
            };
            match term {
                None => term = Some(xterm),
                Some(t) if t != xterm => {
                    return Err(self.fatal("checkTerms", "servers disagree on term"));
                }
                Some(_) => {}
            }
        }
        Ok(term)
    }

    /// `checkNoLeader()`: no connected server claims to lead.
    pub fn check_no_leader(&mut self) -> Check {
        for i in 0..self.n {
            if self.connected[i]
                && let Some((_, true)) = self.get_state(i)
            {
                let m = match self.edition {
                    Edition::Y2024 => {
                        format!(
                            "expected no leader among connected servers, but {i} claims to be leader"
                        )
                    }
                    Edition::Y2025 | Edition::Y2026 => format!("leader = {i}"),
                };
                return Err(self.fatal("checkNoLeader", m));
            }
        }
        Ok(())
    }

    /// `checkNoAgreement(index)` (2025; 2024 inlines the same check).
    pub fn check_no_agreement(&mut self, index: u64) -> Check {
        let (n, _) = self.n_committed(index)?;
        if n > 0 {
            return Err(self.fatal("checkNoAgreement", format!("{n} committed but no majority")));
        }
        Ok(())
    }

    /// `nCommitted(index)`: how many servers applied `index`, and the value;
    /// fails if two servers applied different values. In 2026 it first fails
    /// on each server's stored apply error, with the bare text (Go's
    /// `t.Fatal`; 2024 and 2025 never store one: they fail at once).
    pub fn n_committed(&mut self, index: u64) -> Check<(usize, Option<Bytes>)> {
        self.failed()?;
        if self.records.apply_err.iter().all(Option::is_none)
            && let Some(agreed) = self.records.agreed(index)
        {
            // No stored error, and the records agree at every index: the
            // scan below would count the same holders and find no mismatch.
            return Ok(agreed);
        }
        let mut count = 0;
        let mut cmd: Option<Bytes> = None;
        for i in 0..self.n {
            if let Some(err) = &self.records.apply_err[i] {
                return Err(Failure::bare("nCommitted", err.clone(), self.sim.now()));
            }
            let Some(cmd1) = self.records.get(i, index) else {
                continue;
            };
            if count > 0 && cmd.as_ref() != Some(cmd1) {
                let (a, b) = (show(cmd.as_ref()), show(Some(cmd1)));
                let m = match self.edition {
                    Edition::Y2024 => {
                        format!("committed values do not match: index {index}, {a}, {b}")
                    }
                    Edition::Y2025 | Edition::Y2026 => {
                        format!("committed values at index {index} do not match ({a} != {b})")
                    }
                };
                return Err(self.fatal("nCommitted", m));
            }
            count += 1;
            cmd = Some(cmd1.clone());
        }
        Ok((count, cmd))
    }

    /// `wait(index, n, startTerm)`: waits (10 ms doubling to 1280 ms, 30
    /// rounds) for `n` servers to apply `index`. `Ok(None)` is the course's
    /// -1: some server's term moved past `start_term`.
    pub fn wait(&mut self, index: u64, n: usize, start_term: Option<u64>) -> Check<Option<Cmd>> {
        let mut to_ms = 10;
        for _ in 0..30 {
            let (nd, _) = self.n_committed(index)?;
            if nd >= n {
                break;
            }
            self.sleep(to_ms)?;
            if to_ms < 1000 {
                to_ms *= 2;
            }
            if let Some(start) = start_term
                && (0..self.n).any(|i| self.get_state(i).is_some_and(|(t, _)| t > start))
            {
                return Ok(None);
            }
        }
        let (nd, cmd) = self.n_committed(index)?;
        if nd < n {
            let m = format!("only {nd} decided for index {index}; wanted {n}");
            return Err(self.fatal("wait", m));
        }
        let cmd = cmd.expect("n > 0 servers decided, so there is a value");
        Ok(Some(
            Cmd::decode(&cmd).unwrap_or_else(|| Cmd::Str(show(Some(&cmd)))),
        ))
    }
}
