//! The network track: which links are up, who counts as connected, and the
//! network-wide phases, as intervals.

use crate::model::{LinkSpan, Network, Phase, Span};
use std::collections::BTreeMap;

/// The network as it is now, and the intervals closed so far.
pub(super) struct NetState {
    n: usize,
    /// `links[i][j]`: since when i can call j.
    link_since: Vec<Vec<Option<u64>>>,
    connected_since: Vec<Option<u64>>,
    phase_since: BTreeMap<String, (u64, String)>,
    out: Network,
}

impl NetState {
    pub(super) fn new(n: usize) -> NetState {
        NetState {
            n,
            link_since: vec![vec![None; n]; n],
            connected_since: vec![None; n],
            phase_since: BTreeMap::new(),
            out: Network::default(),
        }
    }

    pub(super) fn is_connected(&self, i: usize) -> bool {
        self.connected_since.get(i).is_some_and(Option::is_some)
    }

    /// The course's `connect(i)`: i's links to and from every connected
    /// server come up.
    pub(super) fn connect(&mut self, t: u64, i: usize) {
        self.set_connected(t, i, true);
        for j in 0..self.n {
            if j != i && self.is_connected(j) {
                self.set_link(t, i, j, true);
                self.set_link(t, j, i, true);
            }
        }
    }

    /// The course's `disconnect(i)` (and a crash): every link of i goes down.
    pub(super) fn disconnect(&mut self, t: u64, i: usize) {
        self.set_connected(t, i, false);
        for j in 0..self.n {
            self.set_link(t, i, j, false);
            self.set_link(t, j, i, false);
        }
    }

    /// A new incarnation's ends start disabled.
    pub(super) fn fresh_ends(&mut self, t: u64, i: usize) {
        for j in 0..self.n {
            self.set_link(t, i, j, false);
        }
    }

    /// Links set all at once; a server with any link up counts as
    /// connected (`connected` says which servers are up).
    pub(super) fn set_all(&mut self, t: u64, links: &[Vec<bool>], up: &[bool]) {
        for i in 0..self.n {
            for j in 0..self.n {
                let on = i != j && links.get(i).and_then(|r| r.get(j)).copied() == Some(true);
                self.set_link(t, i, j, on);
            }
            self.set_connected(t, i, up.get(i).copied().unwrap_or(false));
        }
    }

    /// A phase turned on or off.
    pub(super) fn phase(&mut self, t: u64, kind: &str, on: bool, detail: &str) {
        if on && self.phase_since.contains_key(kind) {
            return; // still on: one phase
        }
        if let Some((from_ms, old)) = self.phase_since.remove(kind) {
            self.close_phase(kind, from_ms, t, old);
        }
        if on {
            self.phase_since
                .insert(kind.to_string(), (t, detail.to_string()));
        }
    }

    fn close_phase(&mut self, kind: &str, from_ms: u64, to_ms: u64, detail: String) {
        if to_ms > from_ms {
            self.out.phases.push(Phase {
                kind: kind.to_string(),
                from_ms,
                to_ms,
                detail,
            });
        }
    }

    fn set_connected(&mut self, t: u64, i: usize, on: bool) {
        let Some(slot) = self.connected_since.get_mut(i) else {
            return;
        };
        match (*slot, on) {
            (None, true) => *slot = Some(t),
            (Some(from_ms), false) => {
                *slot = None;
                if t > from_ms {
                    self.out.connected.push(Span {
                        server: i,
                        from_ms,
                        to_ms: t,
                    });
                }
            }
            _ => {}
        }
    }

    fn set_link(&mut self, t: u64, i: usize, j: usize, on: bool) {
        if i == j || i >= self.n || j >= self.n {
            return;
        }
        let slot = &mut self.link_since[i][j];
        match (*slot, on) {
            (None, true) => *slot = Some(t),
            (Some(from_ms), false) => {
                *slot = None;
                if t > from_ms {
                    self.out.links.push(LinkSpan {
                        from: i,
                        to: j,
                        from_ms,
                        to_ms: t,
                    });
                }
            }
            _ => {}
        }
    }

    /// Closes everything open at `end_ms`; intervals sorted by start.
    pub(super) fn finish(mut self, end_ms: u64) -> Network {
        for i in 0..self.n {
            self.set_connected(end_ms, i, false);
            for j in 0..self.n {
                self.set_link(end_ms, i, j, false);
            }
        }
        for (kind, (from_ms, detail)) in std::mem::take(&mut self.phase_since) {
            self.close_phase(&kind, from_ms, end_ms, detail);
        }
        let mut out = self.out;
        out.links.sort_by_key(|l| (l.from_ms, l.from, l.to));
        out.connected.sort_by_key(|s| (s.from_ms, s.server));
        out.phases
            .sort_by(|a, b| (a.from_ms, &a.kind).cmp(&(b.from_ms, &b.kind)));
        out
    }
}
