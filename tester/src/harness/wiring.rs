//! Connecting, disconnecting, crashing and starting servers, in the exact
//! order of the course's `connect`, `disconnect`, `crash1`, `start1` (2024)
//! and `ConnectOne`, `DisconnectAll`, `ShutdownServer`, `StartServer`,
//! `restart` (2025). See `../shared/spec/mit-tester.md` §3.4-3.6 and §7.2.

use super::{EndOwner, Tester};
use crate::edition::Edition;
use labrpc::ServerName;
use raftapi::{Config, Instant, NodeId, Raft};

impl<R: Raft> Tester<R> {
    /// 2024 `connect(i)` = 2025 `ConnectOne(i)`: enables i's ends towards, and
    /// the ends from, every connected server (i included).
    pub fn connect(&mut self, i: usize) {
        self.connected[i] = true;
        self.sim.record_external(1, i as u64);
        self.note("connect", format_args!("connect S{i}"));
        for j in 0..self.n {
            if self.connected[j] {
                if let Some(end) = self.end_names[i][j] {
                    self.sim.enable(end, true);
                }
                if let Some(end) = self.end_names[j][i] {
                    self.sim.enable(end, true);
                }
            }
        }
    }

    /// 2024 `disconnect(i)` = 2025 `DisconnectAll(i)`: disables every end
    /// from and to i.
    pub fn disconnect(&mut self, i: usize) {
        self.connected[i] = false;
        self.sim.record_external(2, i as u64);
        self.note("disconnect", format_args!("disconnect S{i}"));
        for j in 0..self.n {
            if let Some(end) = self.end_names[i][j] {
                self.sim.enable(end, false);
            }
            if let Some(end) = self.end_names[j][i] {
                self.sim.enable(end, false);
            }
        }
    }

    /// 2025 `ConnectAll()`: `ConnectOne` for every server, up or down.
    pub fn connect_all(&mut self) {
        for i in 0..self.n {
            self.connect(i);
        }
    }

    /// 2024 `crash1(i)`: disconnect, delete the server, kill the Raft. What it
    /// persisted stays in `saved[i]`; a dead Raft can write nothing more (it
    /// is dropped), which is the effect of the course's persister copy.
    /// Applied records (`logs[i]`) are kept.
    pub fn crash1(&mut self, i: usize) {
        self.disconnect(i);
        self.sim.delete_server(ServerName(i));
        self.sim.record_external(3, i as u64);
        self.nodes[i].wake_at = None;
        self.nodes[i].armed_at = None;
        self.nodes[i].wake_generation += 1;
        if self.nodes[i].raft.take().is_some() {
            self.oracle_crashed(i);
            self.note("crash", format_args!("crash S{i}"));
        }
    }

    /// 2025 `ShutdownServer(i)`: `DisconnectAll`, `DeleteServer`, kill. The
    /// same steps as `crash1`.
    pub fn shutdown_server(&mut self, i: usize) {
        self.crash1(i);
    }

    /// 2024 `start1(i)`: crash whatever runs, give i fresh ends (disabled),
    /// load its snapshot into the tester's records, make the Raft from the
    /// persisted state and register a new server object. Does not connect.
    pub fn start1(&mut self, i: usize) {
        self.crash1(i);
        self.make_ends(i);
        self.records.last_applied[i] = 0;
        // 2024 ingests a persisted snapshot whatever the applier.
        let snapshot = self.saved[i].snapshot.clone();
        if !snapshot.is_empty() {
            self.ingest_snapshot_on_start(i, &snapshot);
        }
        self.make_raft(i);
    }

    /// 2025 `StartServer(i)`: fresh ends, a persister copy, a new rfsrv with
    /// an empty apply record (filled from the snapshot in snapshot mode), a
    /// new Raft, a new server object. Does not connect.
    pub fn start_server(&mut self, i: usize) {
        self.make_ends(i);
        self.records.reset(i);
        let snapshot = self.saved[i].snapshot.clone();
        if self.snapshot_mode && !snapshot.is_empty() {
            self.ingest_snapshot_on_start(i, &snapshot);
        }
        self.make_raft(i);
    }

    /// 2025 `restart(i)`: `StartServer(i)` then `ConnectAll()`, which
    /// reconnects every server, not just i (§7.3(4)).
    pub fn restart(&mut self, i: usize) {
        self.start_server(i);
        self.connect_all();
    }

    /// The edition's way to crash server i: `crash1` or `ShutdownServer`.
    pub fn crash(&mut self, i: usize) {
        match self.edition {
            Edition::Y2024 => self.crash1(i),
            Edition::Y2025 => self.shutdown_server(i),
        }
    }

    /// The edition's way to bring a crashed server back: 2024 `start1` +
    /// `connect`; 2025 `restart` (which reconnects everyone).
    pub fn revive(&mut self, i: usize) {
        match self.edition {
            Edition::Y2024 => {
                self.start1(i);
                self.connect(i);
            }
            Edition::Y2025 => self.restart(i),
        }
    }

    fn make_ends(&mut self, i: usize) {
        let incarnation = self.nodes[i].incarnation + 1;
        for j in 0..self.n {
            let end = self.sim.make_end();
            assert_eq!(
                end.0 as usize,
                self.end_owner.len(),
                "labrpc numbers ends densely"
            );
            self.end_owner.push(EndOwner {
                from: i,
                incarnation,
                to: j,
            });
            self.sim.connect(end, ServerName(j));
            self.end_names[i][j] = Some(end);
        }
    }

    fn ingest_snapshot_on_start(&mut self, i: usize, snapshot: &[u8]) {
        if let Err(message) = self.records.ingest_snapshot(i, snapshot, None) {
            let f = self.fatal("ingestSnap", message);
            self.fail(f);
        }
    }

    fn make_raft(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        node.incarnation += 1;
        let incarnation = node.incarnation;
        let config = Config {
            me: NodeId(i),
            peers: self.n,
            seed: self
                .sim
                .streams()
                .seed_for(&[i as u64, u64::from(incarnation)]),
            now: Instant(self.sim.now().0),
        };
        self.sim.record_external(4, i as u64);
        self.note(
            "restart",
            format_args!("start S{i} (incarnation {incarnation})"),
        );
        let mut fx = self.take_effects();
        let raft = (self.factory)(config, self.saved[i].clone(), &mut fx);
        self.nodes[i].raft = Some(raft);
        self.nodes[i].config = Some(config);
        self.perform(i, fx, None);
        self.sim.add_server(ServerName(i));
    }
}
