//! State changes, recorded as they are learned (a vote is learned when its
//! reply arrives, but was cast when the request did), then sorted by time
//! and folded into the time cursor's rows and the step lines.

use crate::model::{Role, Series, StateRow};

/// One change of one server's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Made (true, incarnation) or crashed (false).
    Up(bool, u32),
    /// The course's `connected[i]`.
    Connected(bool),
    /// The role (None: unknown, or down).
    Role(Option<Role>),
    /// The current term.
    Term(u64),
    /// Voted for this server in this term.
    Vote(usize, Option<u64>),
    /// Commit index.
    Commit(u64),
    /// Last applied index.
    Applied(u64),
    /// The log's first and last index.
    Log(Option<u64>, Option<u64>),
}

/// The changes, in the order learned.
#[derive(Default)]
pub(super) struct Changes {
    list: Vec<(u64, u64, usize, Change)>,
}

impl Changes {
    pub(super) fn push(&mut self, t: u64, seq: u64, server: usize, change: Change) {
        self.list.push((t, seq, server, change));
    }

    /// The step lines of each server and every row of state, in time order
    /// (a row per server per instant at which it changed).
    pub(super) fn fold(mut self, n: usize) -> (Vec<Series>, Vec<StateRow>) {
        self.list
            .sort_by_key(|&(t, seq, server, _)| (t, seq, server));
        let mut now: Vec<Now> = (0..n).map(|_| Now::default()).collect();
        let mut series: Vec<Series> = (0..n)
            .map(|server| Series {
                server,
                ..Series::default()
            })
            .collect();
        let mut rows: Vec<StateRow> = Vec::new();
        let mut last_row: Vec<Option<usize>> = vec![None; n];
        for (t, _, i, change) in self.list {
            if i >= n {
                continue;
            }
            now[i].apply(change);
            let row = now[i].row(t, i);
            match last_row[i] {
                Some(k) if rows[k].t == t => rows[k] = row,
                Some(k) if same_state(&rows[k], &row) => {}
                _ => {
                    last_row[i] = Some(rows.len());
                    rows.push(row);
                }
            }
            let s = &mut series[i];
            match change {
                Change::Commit(c) => step(&mut s.commit, t, c),
                Change::Applied(a) => step(&mut s.applied, t, a),
                Change::Log(_, Some(last)) => step(&mut s.last_log, t, last),
                _ => {}
            }
        }
        (series, rows)
    }
}

fn same_state(a: &StateRow, b: &StateRow) -> bool {
    StateRow {
        t: b.t,
        ..a.clone()
    } == *b
}

/// Adds a point to a step line (replacing one at the same instant).
fn step(points: &mut Vec<(u64, u64)>, t: u64, value: u64) {
    match points.last_mut() {
        Some(last) if last.0 == t => last.1 = value,
        Some(last) if last.1 == value => {}
        _ => points.push((t, value)),
    }
}

/// A server's state while folding.
#[derive(Default)]
struct Now {
    incarnation: u32,
    up: bool,
    connected: bool,
    role: Option<Role>,
    term: Option<u64>,
    vote: Option<(usize, Option<u64>)>,
    commit: Option<u64>,
    applied: Option<u64>,
    log_first: Option<u64>,
    log_last: Option<u64>,
}

impl Now {
    fn apply(&mut self, change: Change) {
        match change {
            Change::Up(up, incarnation) => {
                (self.up, self.incarnation) = (up, incarnation);
                if up {
                    // A new incarnation knows only what it persisted.
                    (self.commit, self.applied) = (None, None);
                }
            }
            Change::Connected(c) => self.connected = c,
            Change::Role(r) => self.role = r,
            Change::Term(t) => self.term = Some(t),
            Change::Vote(who, term) => self.vote = Some((who, term)),
            Change::Commit(c) => self.commit = Some(c),
            Change::Applied(a) => self.applied = Some(a),
            Change::Log(first, last) => {
                self.log_first = first.or(self.log_first);
                self.log_last = last.or(self.log_last);
            }
        }
    }

    fn row(&self, t: u64, server: usize) -> StateRow {
        let voted_for = match self.vote {
            Some((who, term)) if term.is_none() || self.term.is_none() || term == self.term => {
                Some(who)
            }
            _ => None,
        };
        StateRow {
            t,
            server,
            incarnation: self.incarnation,
            up: self.up,
            connected: self.connected,
            role: self.role,
            term: self.term,
            voted_for,
            commit: self.commit,
            applied: self.applied,
            log_first: self.log_first.or(self.log_last.map(|_| 1)),
            log_last: self.log_last,
        }
    }
}
