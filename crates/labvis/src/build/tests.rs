//! The builder on a small run told in the lab's vocabulary: three servers,
//! an election, a dropped reply, a disconnect, a crash and a restart, a
//! failed `one()`.

use crate::event::Event;
use crate::model::{FailureMark, Header, Role, RpcEnd, Timeline};
use crate::vocab::{RPC, STATE, TESTER, facts};

fn tester(t: u64, topic: &str) -> Event {
    Event::new(t, TESTER, topic, "")
}

fn state(t: u64, server: usize, topic: &str, field: &str, value: &str) -> Event {
    Event::new(t, STATE, topic, "")
        .on(server)
        .with(field, value)
}

fn rpc(t: u64, topic: &str, server: usize, call: u64) -> Event {
    Event::new(t, RPC, topic, "").on(server).with("call", call)
}

fn run() -> Vec<Event> {
    let mut e = Vec::new();
    for i in 0..3 {
        e.push(
            tester(0, "restart")
                .with("server", i)
                .with("incarnation", 1),
        );
    }
    for i in 0..3 {
        e.push(tester(0, "connect").with("server", i));
    }
    e.push(state(100, 1, "role", "role", "candidate"));
    e.push(state(100, 1, "term", "term", "2"));
    for (call, to) in [(1, 0), (2, 2)] {
        let send = rpc(100, "send", 1, call)
            .with("peer", to)
            .with("kind", "RequestVote");
        e.push(send.with("request", "RequestVote(Args { term: 2, candidate: 1 })"));
    }
    e.push(rpc(110, "recv", 0, 1));
    e.push(rpc(111, "recv", 2, 2));
    e.push(rpc(120, "reply", 1, 1).with("reply", "Vote { term: 2, granted: true }"));
    e.push(rpc(125, "fail", 1, 2).with("reason", "reply-dropped"));
    e.push(state(120, 1, "role", "role", "leader"));
    e.push(state(130, 1, "commit", "commit_index", "3"));
    e.push(state(130, 1, "log", "last_log_index", "4").with("snapshot_index", 0));
    e.push(
        tester(200, "disconnect")
            .with("server", 2)
            .with("links", "110 110 000"),
    );
    e.push(
        tester(300, "crash")
            .with("server", 0)
            .with("incarnation", 1),
    );
    e.push(
        tester(400, "restart")
            .with("server", 0)
            .with("incarnation", 2),
    );
    e.push(tester(400, "connect").with("server", 0));
    e.push(Event::new(500, TESTER, "one", "one(x, 3, true) begins"));
    e
}

fn timeline() -> Timeline {
    let header = Header {
        test: "TestSmall".into(),
        servers: 3,
        end_ms: 700,
        ..Header::default()
    };
    let failure = FailureMark {
        t: 650,
        check: "one".into(),
        message: "one(x) failed to reach agreement".into(),
        kind: "check".into(),
        oracle: None,
    };
    crate::build(header, Some(failure), &facts(&run()))
}

#[test]
fn a_lane_per_incarnation_ended_by_crash_or_the_end() {
    let t = timeline();
    let lanes: Vec<(usize, u32, u64, u64, bool)> = t
        .lanes
        .iter()
        .map(|l| (l.server, l.incarnation, l.from_ms, l.to_ms, l.crashed))
        .collect();
    assert_eq!(
        lanes,
        [
            (0, 1, 0, 300, true),
            (0, 2, 400, 700, false),
            (1, 1, 0, 700, false),
            (2, 1, 0, 700, false)
        ]
    );
}

#[test]
fn elections_have_their_votes_and_outcome() {
    let t = timeline();
    assert_eq!(t.elections.len(), 1);
    let e = &t.elections[0];
    assert_eq!(
        (e.server, e.term, e.from_ms, e.to_ms, e.won),
        (1, Some(2), 100, 120, true)
    );
    assert_eq!(e.votes.len(), 1, "the dropped reply brought no vote");
    assert_eq!((e.votes[0].voter, e.votes[0].granted), (0, true));
    let roles: Vec<(u64, u64, Option<Role>)> = t
        .roles
        .iter()
        .filter(|r| r.server == 1)
        .map(|r| (r.from_ms, r.to_ms, r.role))
        .collect();
    assert_eq!(
        roles,
        [
            (100, 120, Some(Role::Candidate)),
            (120, 700, Some(Role::Leader))
        ]
    );
}

#[test]
fn rpcs_are_matched_by_call_number() {
    let t = timeline();
    assert_eq!(t.kinds, ["RequestVote"]);
    let granted = &t.rpcs[0];
    assert_eq!(
        (
            granted.from,
            granted.to,
            granted.arrived_ms,
            granted.ended_ms
        ),
        (1, 0, Some(110), Some(120))
    );
    assert_eq!(granted.end, RpcEnd::Replied);
    let dropped = &t.rpcs[1];
    assert_eq!(
        (dropped.end, dropped.reason.as_str()),
        (RpcEnd::Failed, "reply-dropped")
    );
}

#[test]
fn the_cursor_rows_know_votes_indices_and_connections() {
    let t = timeline();
    let last = |server: usize, at: u64| {
        t.states
            .iter()
            .rfind(|r| r.server == server && r.t <= at)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        last(0, 115).voted_for,
        Some(1),
        "voted when the request arrived"
    );
    let leader = last(1, 200);
    assert_eq!(
        (leader.role, leader.term, leader.commit),
        (Some(Role::Leader), Some(2), Some(3))
    );
    assert_eq!((leader.log_first, leader.log_last), (Some(1), Some(4)));
    assert!(!last(2, 250).connected);
    let crashed = last(0, 350);
    assert!(!crashed.up && !crashed.connected);
    let back = last(0, 450);
    assert_eq!((back.up, back.incarnation, back.connected), (true, 2, true));
    assert_eq!(t.series[1].commit, [(130, 3)]);
}

#[test]
fn links_follow_connects_and_the_matrix_of_a_disconnect() {
    let t = timeline();
    let span = |from: usize, to: usize| -> Vec<(u64, u64)> {
        t.network
            .links
            .iter()
            .filter(|l| l.from == from && l.to == to)
            .map(|l| (l.from_ms, l.to_ms))
            .collect()
    };
    assert_eq!(span(1, 2), [(0, 200)]);
    assert_eq!(span(2, 1), [(0, 200)]);
    assert_eq!(span(1, 0), [(0, 300), (400, 700)]);
}

#[test]
fn an_unfinished_step_fails_with_the_run() {
    let t = timeline();
    let one = t.steps.iter().find(|s| s.kind == "one").unwrap();
    assert_eq!(
        (one.from_ms, one.to_ms, one.verdict.as_str()),
        (500, 650, "failed")
    );
    assert_eq!(
        t.failure.as_ref().unwrap().message,
        "one(x) failed to reach agreement"
    );
}

#[test]
fn the_same_events_give_the_same_bytes() {
    let a = crate::html::render(&timeline());
    let b = crate::html::render(&timeline());
    assert_eq!(a, b);
    assert_eq!(
        crate::perfetto::render(&timeline()),
        crate::perfetto::render(&timeline())
    );
}

#[test]
fn perfetto_has_a_process_per_server_tracks_and_flow_pairs() {
    let text = crate::perfetto::render(&timeline());
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let named = |what: &str| -> Vec<(u64, String)> {
        events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == what)
            .map(|e| {
                (
                    e["pid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let processes = named("process_name");
    assert_eq!(
        processes,
        [
            (1, "S0".to_string()),
            (2, "S1".into()),
            (3, "S2".into()),
            (4, "tester".into())
        ]
    );
    let tracks = named("thread_name");
    assert!(tracks.contains(&(2, "role / term".to_string())));
    assert!(tracks.contains(&(2, "calls to S0".to_string())));
    let leader = events
        .iter()
        .find(|e| e["cat"] == "role" && e["name"] == "leader t2")
        .unwrap();
    assert_eq!(
        (leader["pid"].as_u64(), leader["ts"].as_u64()),
        (Some(2), Some(120_000))
    );
    // Every flow starts and finishes once, each end on a slice of its track.
    let flows =
        |ph: &str| -> Vec<&serde_json::Value> { events.iter().filter(|e| e["ph"] == ph).collect() };
    let (starts, finishes) = (flows("s"), flows("f"));
    assert_eq!(starts.len(), 3, "call 1 there and back, call 2 there");
    assert_eq!(starts.len(), finishes.len());
    for s in &starts {
        let f = finishes
            .iter()
            .find(|f| f["id"] == s["id"])
            .expect("a finish per start");
        for end in [s, f] {
            let on_slice = events.iter().any(|e| {
                e["ph"] == "X"
                    && e["pid"] == end["pid"]
                    && e["tid"] == end["tid"]
                    && e["ts"] == end["ts"]
            });
            assert!(on_slice, "flow end {end} binds to a slice");
        }
    }
    let failure = events.iter().find(|e| e["cat"] == "failure").unwrap();
    assert_eq!(
        failure["args"]["message"],
        "one(x) failed to reach agreement"
    );
    assert_eq!(json["otherData"]["test"], "TestSmall");
}
