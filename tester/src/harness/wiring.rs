//! Connecting, disconnecting, crashing and starting servers, in the exact
//! order of the course's `connect`, `disconnect`, `crash1`, `start1` (2024),
//! `ConnectOne`, `DisconnectAll`, `ShutdownServer`, `StartServer`,
//! `restart` (2025) and `kill(srvs)`, `restart(srvs)` (2026). See
//! `../shared/spec/mit-tester.md` §3.4-3.6 and §7.2, and
//! `../shared/spec/edition-2026.md` §2.

use super::{EndOwner, Tester};
use crate::edition::Edition;
use crate::failure::Failure;
use labrpc::ServerName;
use raftapi::{Config, Instant, NodeId, Raft};

impl<R: Raft> Tester<R> {
    /// 2024 `connect(i)` = 2025 `ConnectOne(i)`: enables i's ends towards, and
    /// the ends from, every connected server (i included).
    pub fn connect(&mut self, i: usize) {
        self.connected[i] = true;
        self.record_external(1, i as u64);
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
        self.mark_link_change(labtrace::vocab::topic::CONNECT, i);
    }

    /// 2024 `disconnect(i)` = 2025 `DisconnectAll(i)`: disables every end
    /// from and to i.
    pub fn disconnect(&mut self, i: usize) {
        self.connected[i] = false;
        self.record_external(2, i as u64);
        for j in 0..self.n {
            if let Some(end) = self.end_names[i][j] {
                self.sim.enable(end, false);
            }
            if let Some(end) = self.end_names[j][i] {
                self.sim.enable(end, false);
            }
        }
        self.mark_link_change(labtrace::vocab::topic::DISCONNECT, i);
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
        self.record_external(3, i as u64);
        self.nodes[i].wake_at = None;
        self.nodes[i].armed_at = None;
        self.nodes[i].wake_generation += 1;
        if let Some(raft) = self.nodes[i].raft.take() {
            self.oracle_crashed(i, &raft);
            self.mark_crash(i);
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

    /// `StartServer(i)`: fresh ends, the saved state, a new Raft, a new
    /// server object. Does not connect. 2025: a new rfsrv with an empty apply
    /// record (filled from the snapshot in snapshot mode). 2026: a new peer
    /// process; the record is kept, and in snapshot mode a non-empty saved
    /// snapshot, read before `Make`, replaces it (§3.1). A 2026 snapshot that
    /// does not decode fails the test and the Raft never runs (§4.5).
    pub fn start_server(&mut self, i: usize) {
        self.make_ends(i);
        let snapshot = self.saved[i].snapshot.clone();
        let ingest = self.snapshot_mode && !snapshot.is_empty();
        match self.edition {
            Edition::Y2024 | Edition::Y2025 => {
                self.records.reset(i);
                if ingest {
                    self.ingest_snapshot_on_start(i, &snapshot);
                }
            }
            Edition::Y2026 => {
                self.records.new_incarnation(i);
                if ingest {
                    if let Err(message) = self.records.ingest_process_snapshot(i, &snapshot, None) {
                        let f = Failure::bare("ingestSnap", message, self.sim.now());
                        self.fail(f);
                        return;
                    }
                    self.records.ingest_log(i);
                }
            }
        }
        self.make_raft(i);
    }

    /// 2025 `restart(i)`: `StartServer(i)` then `ConnectAll()`, which
    /// reconnects every server, not just i (§7.3(4)).
    pub fn restart(&mut self, i: usize) {
        self.start_server(i);
        self.connect_all();
    }

    /// 2026 `kill(srvs)`: `ShutdownServer` for each listed server, in list
    /// order (disconnect, delete, keep what it persisted, drop the Raft).
    pub fn kill(&mut self, servers: &[usize]) {
        for &i in servers {
            self.shutdown_server(i);
        }
    }

    /// 2026 `restart(srvs)`: `StartServer` for each listed server, then
    /// `ConnectOne` for each, in list order. No other server is connected, so
    /// a partition survives and a down server stays marked disconnected.
    pub fn restart_servers(&mut self, servers: &[usize]) {
        for &i in servers {
            self.start_server(i);
        }
        for &i in servers {
            self.connect(i);
        }
    }

    /// The edition's way to crash server i: `crash1`, `ShutdownServer`, or
    /// `kill([i])`.
    pub fn crash(&mut self, i: usize) {
        match self.edition {
            Edition::Y2024 => self.crash1(i),
            Edition::Y2025 => self.shutdown_server(i),
            Edition::Y2026 => self.kill(&[i]),
        }
    }

    /// The edition's way to bring a crashed server back: 2024 `start1` +
    /// `connect`; 2025 `restart(i)` (which reconnects everyone); 2026
    /// `restart([i])` (which connects i only).
    pub fn revive(&mut self, i: usize) {
        match self.edition {
            Edition::Y2024 => {
                self.start1(i);
                self.connect(i);
            }
            Edition::Y2025 => self.restart(i),
            Edition::Y2026 => self.restart_servers(&[i]),
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
        self.record_external(4, i as u64);
        self.mark_restart(i, incarnation);
        let _input = self.input_span(i, labtrace::vocab::input::MAKE);
        let mut fx = self.take_effects();
        let raft = (self.factory)(config, self.saved[i].clone(), &mut fx);
        self.nodes[i].raft = Some(raft);
        self.nodes[i].config = Some(config);
        self.perform(i, fx, None);
        self.sim.add_server(ServerName(i));
    }
}
