//! The timeline as Chrome Trace Event JSON, which Perfetto
//! (ui.perfetto.dev, "Open trace file") and `chrome://tracing` open. One
//! process per server with tracks for its role and term, its incarnations,
//! its connectivity, and one track per peer for RPCs sent and received;
//! each RPC is a flow (an arrow) from the sender's slice to the receiver's,
//! and its reply a flow back. The tester is a process of its own (its
//! steps, the network's phases, the failure). Times are virtual: 1 virtual
//! ms is shown as 1 ms.

use crate::model::{Rpc, RpcEnd, Timeline};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Length of an RPC's send or receive slice, in µs (a point would not hold
/// a flow's end).
const RPC_SLICE_US: u64 = 40;
/// Track ids within a server's process.
const ROLE_TID: u64 = 1;
const LANE_TID: u64 = 2;
const CONNECTED_TID: u64 = 3;
const SENT_TID: u64 = 100;
const RECEIVED_TID: u64 = 200;
/// Track ids within the tester's process.
const STEPS_TID: u64 = 1;
const MARKERS_TID: u64 = 2;
const NETWORK_TID: u64 = 3;

/// The whole file.
pub fn render(t: &Timeline) -> String {
    let mut w = Writer::default();
    w.processes(t);
    w.lanes_and_roles(t);
    w.tester(t);
    w.rpcs(t);
    let header = serde_json::to_value(&t.header).expect("a header serialises");
    let mut out = String::from("{\"displayTimeUnit\":\"ms\",\"otherData\":");
    out.push_str(&header.to_string());
    out.push_str(",\"traceEvents\":[\n");
    let lines: Vec<String> = w.events.iter().map(Value::to_string).collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n]}\n");
    out
}

/// The server's process id (the tester's is `servers + 1`).
pub fn server_pid(server: usize) -> u64 {
    server as u64 + 1
}

fn us(ms: u64) -> u64 {
    ms * 1000
}

#[derive(Default)]
struct Writer {
    events: Vec<Value>,
}

impl Writer {
    fn meta(&mut self, pid: u64, tid: Option<u64>, name: &str) {
        let (what, tid) = match tid {
            Some(tid) => ("thread_name", tid),
            None => ("process_name", 0),
        };
        self.events
            .push(json!({"ph": "M", "pid": pid, "tid": tid, "name": what, "args": {"name": name}}));
        if what == "process_name" {
            self.events.push(json!({"ph": "M", "pid": pid, "tid": 0, "name": "process_sort_index", "args": {"sort_index": pid}}));
        }
    }

    fn slice(&mut self, pid: u64, tid: u64, ts: u64, dur: u64, name: &str, cat: &str, args: Value) {
        self.events.push(json!({"ph": "X", "pid": pid, "tid": tid, "ts": ts, "dur": dur, "name": name, "cat": cat, "args": args}));
    }

    fn instant(&mut self, pid: u64, tid: u64, ts: u64, name: &str, cat: &str, args: Value) {
        self.events.push(json!({"ph": "i", "s": "t", "pid": pid, "tid": tid, "ts": ts, "name": name, "cat": cat, "args": args}));
    }

    fn processes(&mut self, t: &Timeline) {
        let n = t.header.servers;
        for i in 0..n {
            let pid = server_pid(i);
            self.meta(pid, None, &format!("S{i}"));
            self.meta(pid, Some(ROLE_TID), "role / term");
            self.meta(pid, Some(LANE_TID), "incarnation");
            self.meta(pid, Some(CONNECTED_TID), "connected");
            for j in (0..n).filter(|&j| j != i) {
                self.meta(pid, Some(SENT_TID + j as u64), &format!("calls to S{j}"));
                self.meta(
                    pid,
                    Some(RECEIVED_TID + j as u64),
                    &format!("calls from S{j}"),
                );
            }
        }
        let tester = server_pid(n);
        self.meta(tester, None, "tester");
        self.meta(tester, Some(STEPS_TID), "one() and checks");
        self.meta(tester, Some(MARKERS_TID), "markers");
        self.meta(tester, Some(NETWORK_TID), "network");
    }

    fn lanes_and_roles(&mut self, t: &Timeline) {
        for l in &t.lanes {
            let name = format!("incarnation {}", l.incarnation);
            let ended = if l.crashed { "crash" } else { "end of run" };
            self.slice(
                server_pid(l.server),
                LANE_TID,
                us(l.from_ms),
                us(l.to_ms - l.from_ms),
                &name,
                "lane",
                json!({"ended by": ended}),
            );
        }
        for r in &t.roles {
            let role = r.role.map_or("unknown", |r| r.name());
            let name = match r.term {
                Some(term) => format!("{role} t{term}"),
                None => role.to_string(),
            };
            self.slice(
                server_pid(r.server),
                ROLE_TID,
                us(r.from_ms),
                us(r.to_ms - r.from_ms),
                &name,
                "role",
                json!({"role": role, "term": r.term}),
            );
        }
        for c in &t.network.connected {
            self.slice(
                server_pid(c.server),
                CONNECTED_TID,
                us(c.from_ms),
                us(c.to_ms - c.from_ms),
                "connected",
                "network",
                json!({}),
            );
        }
    }

    fn tester(&mut self, t: &Timeline) {
        let pid = server_pid(t.header.servers);
        for s in &t.steps {
            let args = json!({"label": s.label, "verdict": s.verdict, "server": s.server});
            if s.to_ms > s.from_ms {
                self.slice(
                    pid,
                    STEPS_TID,
                    us(s.from_ms),
                    us(s.to_ms - s.from_ms),
                    &s.kind,
                    "step",
                    args,
                );
            } else {
                self.instant(pid, MARKERS_TID, us(s.from_ms), &s.label, &s.kind, args);
            }
        }
        for p in &t.network.phases {
            self.slice(
                pid,
                NETWORK_TID,
                us(p.from_ms),
                us(p.to_ms - p.from_ms),
                &p.kind,
                "network",
                json!({"detail": p.detail}),
            );
        }
        if let Some(f) = &t.failure {
            let name = format!("FAIL {}: {}", f.check, f.message);
            let args =
                json!({"check": f.check, "message": f.message, "kind": f.kind, "oracle": f.oracle});
            self.events.push(json!({"ph": "i", "s": "g", "pid": pid, "tid": MARKERS_TID, "ts": us(f.t), "name": name, "cat": "failure", "args": args}));
        }
    }

    fn rpcs(&mut self, t: &Timeline) {
        let mut plan = RpcPlan::default();
        for rpc in &t.rpcs {
            plan.rpc(t, rpc);
        }
        let starts = plan.place();
        for (k, s) in plan.slices.into_iter().enumerate() {
            self.slice(
                s.pid,
                s.tid,
                starts[k],
                RPC_SLICE_US,
                &s.name,
                "rpc",
                s.args,
            );
        }
        for f in plan.flows {
            let (from, to) = (&f.from, &f.to);
            self.events.push(json!({"ph": "s", "id": f.id, "pid": from.0, "tid": from.1, "ts": starts[from.2], "name": f.name, "cat": "rpc"}));
            self.events.push(json!({"ph": "f", "bp": "e", "id": f.id, "pid": to.0, "tid": to.1, "ts": starts[to.2], "name": f.name, "cat": "rpc"}));
        }
    }
}

/// RPC slices and flows before their places on the tracks are known.
#[derive(Default)]
struct RpcPlan {
    slices: Vec<PlannedSlice>,
    flows: Vec<PlannedFlow>,
}

struct PlannedSlice {
    pid: u64,
    tid: u64,
    at_ms: u64,
    name: String,
    args: Value,
}

/// A flow between two planned slices: (pid, tid, slice index) each.
struct PlannedFlow {
    id: u64,
    name: String,
    from: (u64, u64, usize),
    to: (u64, u64, usize),
}

impl RpcPlan {
    fn slice(
        &mut self,
        pid: u64,
        tid: u64,
        at_ms: u64,
        name: String,
        args: &Value,
    ) -> (u64, u64, usize) {
        self.slices.push(PlannedSlice {
            pid,
            tid,
            at_ms,
            name,
            args: args.clone(),
        });
        (pid, tid, self.slices.len() - 1)
    }

    fn rpc(&mut self, t: &Timeline, rpc: &Rpc) {
        let kind = &t.kinds[rpc.kind];
        let (caller, callee) = (server_pid(rpc.from), server_pid(rpc.to));
        let (out_tid, in_tid) = (SENT_TID + rpc.to as u64, RECEIVED_TID + rpc.from as u64);
        let end = match rpc.end {
            RpcEnd::Replied => "replied",
            RpcEnd::Failed => "failed",
            RpcEnd::Pending => "pending",
        };
        let args = json!({"call": rpc.call, "request": rpc.request, "reply": rpc.reply, "end": end, "reason": rpc.reason});
        let sent = self.slice(
            caller,
            out_tid,
            rpc.sent_ms,
            format!("{kind} → S{}", rpc.to),
            &args,
        );
        let arrived = rpc.arrived_ms.map(|at| {
            let arrived = self.slice(callee, in_tid, at, format!("{kind} ← S{}", rpc.from), &args);
            let name = kind.clone();
            self.flows.push(PlannedFlow {
                id: rpc.call * 2,
                name,
                from: sent,
                to: arrived,
            });
            arrived
        });
        let Some(ended_ms) = rpc.ended_ms else { return };
        let name = match rpc.end {
            RpcEnd::Replied => format!("{kind} reply"),
            _ => format!("{kind} failed: {}", rpc.reason),
        };
        let back = self.slice(caller, out_tid, ended_ms, name.clone(), &args);
        if let (RpcEnd::Replied, Some(arrived)) = (rpc.end, arrived) {
            self.flows.push(PlannedFlow {
                id: rpc.call * 2 + 1,
                name,
                from: arrived,
                to: back,
            });
        }
    }

    /// Each slice's start in µs: its virtual time, or just after the slice
    /// before it on its track, so that slices at one instant do not overlap.
    fn place(&self) -> Vec<u64> {
        let mut order: Vec<usize> = (0..self.slices.len()).collect();
        order.sort_by_key(|&k| {
            let s = &self.slices[k];
            (s.pid, s.tid, s.at_ms, k)
        });
        let mut starts = vec![0; self.slices.len()];
        let mut track_end: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        for k in order {
            let s = &self.slices[k];
            let end = track_end.entry((s.pid, s.tid)).or_insert(0);
            starts[k] = us(s.at_ms).max(*end);
            *end = starts[k] + RPC_SLICE_US;
        }
        starts
    }
}
