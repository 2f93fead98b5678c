//! The timeline as Chrome Trace Event JSON, which Perfetto
//! (ui.perfetto.dev, "Open trace file") and `chrome://tracing` open. One
//! process per server with tracks for its role and term, its incarnations,
//! its connectivity, and one track per peer for RPCs sent and received;
//! each RPC is a flow (an arrow) from the sender's slice to the receiver's,
//! and its reply a flow back. The tester is a process of its own (its
//! steps, the network's phases, the failure). Times are virtual: 1 virtual
//! ms is shown as 1 ms.

use crate::model::{Rpc, RpcEnd, Timeline};
use serde::Serialize;
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
    let header = serde_json::to_string(&t.header).expect("a header serialises");
    let mut out = Vec::with_capacity(w.events.len() * 160);
    out.extend_from_slice(b"{\"displayTimeUnit\":\"ms\",\"otherData\":");
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(b",\"traceEvents\":[\n");
    for (k, e) in w.events.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, e).expect("an event serialises");
    }
    out.extend_from_slice(b"\n]}\n");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// One trace event, in the Trace Event format's field names.
#[derive(Serialize)]
struct Ev<'a> {
    ph: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    pid: u64,
    tid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<u64>,
    name: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    cat: &'static str,
    #[serde(skip_serializing_if = "Args::is_none")]
    args: Args<'a>,
}

/// An event's `args`: a small JSON object, or an RPC's fields (borrowed:
/// there are many).
#[derive(Serialize)]
#[serde(untagged)]
enum Args<'a> {
    None,
    Json(Value),
    Rpc(RpcArgs<'a>),
}

impl Args<'_> {
    fn is_none(&self) -> bool {
        matches!(self, Args::None)
    }
}

#[derive(Clone, Copy, Serialize)]
struct RpcArgs<'a> {
    call: u64,
    request: &'a str,
    reply: &'a str,
    end: &'static str,
    reason: &'a str,
}

impl<'a> Ev<'a> {
    fn new(ph: &'static str, pid: u64, tid: u64, name: String) -> Ev<'a> {
        Ev {
            ph,
            s: None,
            bp: None,
            id: None,
            pid,
            tid,
            ts: None,
            dur: None,
            name,
            cat: "",
            args: Args::None,
        }
    }
}

/// The server's process id (the tester's is `servers + 1`).
pub fn server_pid(server: usize) -> u64 {
    server as u64 + 1
}

fn us(ms: u64) -> u64 {
    ms * 1000
}

#[derive(Default)]
struct Writer<'a> {
    events: Vec<Ev<'a>>,
}

impl<'a> Writer<'a> {
    fn meta(&mut self, pid: u64, tid: Option<u64>, name: &str) {
        let (what, tid) = match tid {
            Some(tid) => ("thread_name", tid),
            None => ("process_name", 0),
        };
        let mut e = Ev::new("M", pid, tid, what.to_string());
        e.args = Args::Json(json!({ "name": name }));
        self.events.push(e);
        if what == "process_name" {
            let mut e = Ev::new("M", pid, 0, "process_sort_index".to_string());
            e.args = Args::Json(json!({ "sort_index": pid }));
            self.events.push(e);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn slice(
        &mut self,
        pid: u64,
        tid: u64,
        ts: u64,
        dur: u64,
        name: &str,
        cat: &'static str,
        args: Args<'a>,
    ) {
        let mut e = Ev::new("X", pid, tid, name.to_string());
        (e.ts, e.dur, e.cat, e.args) = (Some(ts), Some(dur), cat, args);
        self.events.push(e);
    }

    fn instant(&mut self, pid: u64, tid: u64, ts: u64, name: &str, cat: &'static str, args: Value) {
        let mut e = Ev::new("i", pid, tid, name.to_string());
        (e.s, e.ts, e.cat, e.args) = (Some("t"), Some(ts), cat, Args::Json(args));
        self.events.push(e);
    }

    fn processes(&mut self, t: &'a Timeline) {
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

    fn lanes_and_roles(&mut self, t: &'a Timeline) {
        for l in &t.lanes {
            let name = format!("incarnation {}", l.incarnation);
            let ended = if l.crashed { "crash" } else { "end of run" };
            let args = Args::Json(json!({ "ended by": ended }));
            let (ts, dur) = (us(l.from_ms), us(l.to_ms - l.from_ms));
            self.slice(server_pid(l.server), LANE_TID, ts, dur, &name, "lane", args);
        }
        for r in &t.roles {
            let role = r.role.map_or("unknown", |r| r.name());
            let name = match r.term {
                Some(term) => format!("{role} t{term}"),
                None => role.to_string(),
            };
            let args = Args::Json(json!({ "role": role, "term": r.term }));
            let (ts, dur) = (us(r.from_ms), us(r.to_ms - r.from_ms));
            self.slice(server_pid(r.server), ROLE_TID, ts, dur, &name, "role", args);
        }
        for c in &t.network.connected {
            let (ts, dur) = (us(c.from_ms), us(c.to_ms - c.from_ms));
            let pid = server_pid(c.server);
            self.slice(
                pid,
                CONNECTED_TID,
                ts,
                dur,
                "connected",
                "network",
                Args::None,
            );
        }
    }

    fn tester(&mut self, t: &'a Timeline) {
        let pid = server_pid(t.header.servers);
        for s in &t.steps {
            let args = json!({ "label": s.label, "verdict": s.verdict, "server": s.server });
            if s.to_ms > s.from_ms {
                let (ts, dur) = (us(s.from_ms), us(s.to_ms - s.from_ms));
                self.slice(pid, STEPS_TID, ts, dur, &s.kind, "step", Args::Json(args));
            } else {
                self.instant(pid, MARKERS_TID, us(s.from_ms), &s.label, "marker", args);
            }
        }
        for p in &t.network.phases {
            let args = Args::Json(json!({ "detail": p.detail }));
            let (ts, dur) = (us(p.from_ms), us(p.to_ms - p.from_ms));
            self.slice(pid, NETWORK_TID, ts, dur, &p.kind, "network", args);
        }
        if let Some(f) = &t.failure {
            let name = format!("FAIL {}: {}", f.check, f.message);
            let args = json!({ "check": f.check, "message": f.message, "kind": f.kind, "oracle": f.oracle });
            self.instant(pid, MARKERS_TID, us(f.t), &name, "failure", args);
            self.events.last_mut().expect("just pushed").s = Some("g");
        }
    }

    fn rpcs(&mut self, t: &'a Timeline) {
        let mut plan = RpcPlan::default();
        for rpc in &t.rpcs {
            plan.rpc(t, rpc);
        }
        let starts = plan.place();
        for (k, s) in plan.slices.into_iter().enumerate() {
            let args = Args::Rpc(s.args);
            self.slice(s.pid, s.tid, starts[k], RPC_SLICE_US, &s.name, "rpc", args);
        }
        for f in plan.flows {
            for (ph, (pid, tid, slice)) in [("s", f.from), ("f", f.to)] {
                let mut e = Ev::new(ph, pid, tid, f.name.clone());
                (e.id, e.ts, e.cat) = (Some(f.id), Some(starts[slice]), "rpc");
                e.bp = (ph == "f").then_some("e");
                self.events.push(e);
            }
        }
    }
}

/// RPC slices and flows before their places on the tracks are known.
#[derive(Default)]
struct RpcPlan<'a> {
    slices: Vec<PlannedSlice<'a>>,
    flows: Vec<PlannedFlow>,
}

struct PlannedSlice<'a> {
    pid: u64,
    tid: u64,
    at_ms: u64,
    name: String,
    args: RpcArgs<'a>,
}

/// A flow between two planned slices: (pid, tid, slice index) each.
struct PlannedFlow {
    id: u64,
    name: String,
    from: (u64, u64, usize),
    to: (u64, u64, usize),
}

impl<'a> RpcPlan<'a> {
    fn slice(
        &mut self,
        pid: u64,
        tid: u64,
        at_ms: u64,
        name: String,
        args: RpcArgs<'a>,
    ) -> (u64, u64, usize) {
        self.slices.push(PlannedSlice {
            pid,
            tid,
            at_ms,
            name,
            args,
        });
        (pid, tid, self.slices.len() - 1)
    }

    fn rpc(&mut self, t: &Timeline, rpc: &'a Rpc) {
        let kind = &t.kinds[rpc.kind];
        let (caller, callee) = (server_pid(rpc.from), server_pid(rpc.to));
        let (out_tid, in_tid) = (SENT_TID + rpc.to as u64, RECEIVED_TID + rpc.from as u64);
        let end = match rpc.end {
            RpcEnd::Replied => "replied",
            RpcEnd::Failed => "failed",
            RpcEnd::Pending => "pending",
        };
        let args = RpcArgs {
            call: rpc.call,
            request: &rpc.request,
            reply: &rpc.reply,
            end,
            reason: &rpc.reason,
        };
        let sent = self.slice(
            caller,
            out_tid,
            rpc.sent_ms,
            format!("{kind} → S{}", rpc.to),
            args,
        );
        let arrived = rpc.arrived_ms.map(|at| {
            let arrived = self.slice(callee, in_tid, at, format!("{kind} ← S{}", rpc.from), args);
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
        let back = self.slice(caller, out_tid, ended_ms, name.clone(), args);
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
