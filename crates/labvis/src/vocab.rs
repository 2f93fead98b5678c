//! The adapter from events to [`Fact`]s: the one place that knows the lab's
//! targets, topics and field names (issue #10's vocabulary: targets
//! `lab::tester`, `lab::rpc`, `lab::effect`, `lab::state`), and the older
//! tester markers (target `tester`, the server named in the message as
//! `S3`), which it still reads. Everything else a Raft emits becomes a
//! [`Fact::Note`] on its server's lane.

use crate::event::Event;
use crate::fact::{Fact, Timed};
use crate::model::Role;

/// The tester's markers.
pub const TESTER: &str = "lab::tester";
/// The tester's markers, before the vocabulary had a `lab::` prefix.
pub const TESTER_OLD: &str = "tester";
/// Wire events: `send`, `recv`, `reply`, `fail`.
pub const RPC: &str = "lab::rpc";
/// Effects: `persist`, `apply`.
pub const EFFECT: &str = "lab::effect";
/// State changes: `role`, `term`, `commit`, `log`.
pub const STATE: &str = "lab::state";
/// The simulator's own low-level events: not pictured (the wire events
/// say the same per RPC).
pub const NET: &str = "labrpc";

/// The facts of a run's events, in order.
pub fn facts(events: &[Event]) -> Vec<Timed> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if matches!(e.target.as_str(), TESTER | TESTER_OLD) && e.topic == "network" {
            let phases = network_facts(e).into_iter();
            out.extend(phases.map(|fact| Timed { t: e.t, fact }));
            continue;
        }
        let fact = match e.target.as_str() {
            TESTER | TESTER_OLD => tester_fact(e),
            RPC => rpc_fact(e),
            EFFECT => effect_fact(e),
            STATE => state_fact(e),
            NET => None,
            _ => raft_note(e),
        };
        if let Some(fact) = fact {
            out.push(Timed { t: e.t, fact });
        }
    }
    out
}

/// The server an event names: its field, else `S<n>` in its message.
fn server_of(e: &Event) -> Option<usize> {
    e.node
        .or_else(|| e.num("server").map(|n| n as usize))
        .or_else(|| {
            let rest = &e.message[e.message.find('S')? + 1..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

fn tester_fact(e: &Event) -> Option<Fact> {
    let server = server_of(e);
    let links = e.field("links").and_then(parse_links);
    Some(match e.topic.as_str() {
        "connect" | "disconnect" if e.message == "set links" => return None,
        "connect" | "disconnect" => Fact::Connected {
            server: server?,
            up: e.topic == "connect",
            links,
        },
        "partition" => Fact::Links { links: links? },
        "crash" => Fact::Crashed { server: server? },
        "restart" => Fact::Made {
            server: server?,
            incarnation: e
                .num("incarnation")
                .map(|n| n as u32)
                .or_else(|| incarnation_in(&e.message)),
        },
        "one" | "check" => step_fact(e),
        "failure" => {
            let (check, message) = match (e.field("check"), e.field("message")) {
                (Some(c), Some(m)) => (c.to_string(), m.to_string()),
                _ => split_check(&e.message),
            };
            Fact::Failure {
                check,
                message,
                kind: e.field("kind").unwrap_or("check").to_string(),
            }
        }
        topic => Fact::StepBegin {
            kind: topic.to_string(),
            server,
            label: marker_label(e),
        },
    })
}

/// `one(...) begins` / `checkOneLeader begins` open a step; the next
/// marker of the same kind ends it.
fn step_fact(e: &Event) -> Fact {
    let kind = if e.message.starts_with("one") {
        "one"
    } else {
        e.topic.as_str()
    };
    if e.message.ends_with("begins") || e.message.ends_with("began") {
        return Fact::StepBegin {
            kind: kind.to_string(),
            server: None,
            label: e.message.clone(),
        };
    }
    let failed =
        e.flag("ok") == Some(false) || e.message.contains("failed") || e.message.contains("fail:");
    Fact::StepEnd {
        kind: kind.to_string(),
        label: e.message.clone(),
        ok: !failed,
    }
}

/// The label of an instant marker: its message, else its fields.
fn marker_label(e: &Event) -> String {
    if !e.message.is_empty() {
        return e.message.clone();
    }
    let fields: Vec<String> = e.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} {}", e.topic, fields.join(" "))
}

/// The network's flags: a phase for each (`reliable=false` is the
/// `unreliable` phase), or a `faults` phase for any other setting.
fn network_facts(e: &Event) -> Vec<Fact> {
    let detail = marker_label(e);
    let phase = |kind: &str, on: bool| Fact::Network {
        kind: kind.into(),
        on,
        detail: detail.clone(),
    };
    let mut out = Vec::new();
    if let Some(reliable) = e.flag("reliable") {
        out.push(phase("unreliable", !reliable));
    }
    if let Some(on) = e.flag("long_reordering") {
        out.push(phase("long-reordering", on));
    }
    if out.is_empty() {
        out.push(phase("faults", true));
    }
    out
}

fn rpc_fact(e: &Event) -> Option<Fact> {
    let call = e.num("call")?;
    Some(match e.topic.as_str() {
        "send" => Fact::Sent {
            call,
            from: server_of(e)?,
            to: e.num("peer")? as usize,
            kind: e.field("kind").unwrap_or("?").to_string(),
            request: e.field("request").unwrap_or_default().to_string(),
        },
        "recv" => Fact::Arrived { call },
        "reply" => Fact::Replied {
            call,
            reply: e.field("reply").unwrap_or_default().to_string(),
        },
        "fail" => Fact::Failed {
            call,
            reason: e.field("reason").unwrap_or("failed").to_string(),
        },
        _ => return None,
    })
}

fn effect_fact(e: &Event) -> Option<Fact> {
    let server = server_of(e)?;
    Some(match e.topic.as_str() {
        "apply" => {
            let snapshot = e.flag("snapshot") == Some(true);
            let index = e.num("index")?;
            let text = match (snapshot, e.field("command")) {
                (true, _) => format!("snapshot through {index}"),
                (false, Some(c)) => format!("{index}: {c}"),
                (false, None) => format!("{index}"),
            };
            Fact::Applied {
                server,
                index,
                snapshot,
                text,
            }
        }
        "snapshot" => Fact::SnapshotTaken {
            server,
            index: e.num("index")?,
        },
        topic => Fact::Note {
            server,
            topic: topic.to_string(),
            text: marker_label(e),
        },
    })
}

fn state_fact(e: &Event) -> Option<Fact> {
    let server = server_of(e)?;
    let mut fact = StateFact::default();
    match e.topic.as_str() {
        "role" => fact.role = Role::parse(e.field("role")?),
        "term" => fact.term = e.num("term"),
        "commit" => fact.commit = e.num("commit_index"),
        "log" => {
            fact.last_log = e.num("last_log_index");
            fact.snapshot_index = e.num("snapshot_index");
        }
        _ => return None,
    }
    Some(Fact::State {
        server,
        role: fact.role,
        term: fact.term,
        commit: fact.commit,
        last_log: fact.last_log,
        snapshot_index: fact.snapshot_index,
    })
}

#[derive(Default)]
struct StateFact {
    role: Option<Role>,
    term: Option<u64>,
    commit: Option<u64>,
    last_log: Option<u64>,
    snapshot_index: Option<u64>,
}

/// A Raft's own event (any target): a note on its server's lane.
fn raft_note(e: &Event) -> Option<Fact> {
    let server = e.node?;
    let topic = if e.topic.is_empty() {
        e.target.clone()
    } else {
        e.topic.clone()
    };
    let mut text = e.message.clone();
    for (k, v) in &e.fields {
        text.push_str(&format!(" {k}={v}"));
    }
    Some(Fact::Note {
        server,
        topic,
        text: text.trim().to_string(),
    })
}

/// `start S2 (incarnation 3)` -> 3.
fn incarnation_in(message: &str) -> Option<u32> {
    let rest = &message[message.find("incarnation ")? + "incarnation ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `checkOneLeader: expected one leader` -> (`checkOneLeader`, the rest).
fn split_check(message: &str) -> (String, String) {
    match message.split_once(": ") {
        Some((check, rest)) => (check.to_string(), rest.to_string()),
        None => (String::new(), message.to_string()),
    }
}

/// A link matrix: rows of `0`/`1` (row i: whom i can call), separated by
/// `/`, `,`, `;` or spaces, e.g. `011/101/110`.
pub fn parse_links(text: &str) -> Option<Vec<Vec<bool>>> {
    let rows: Vec<Vec<bool>> = text
        .split(['/', ',', ';', ' ', '|'])
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.chars()
                .map(|c| match c {
                    '1' => Some(true),
                    '0' => Some(false),
                    _ => None,
                })
                .collect::<Option<Vec<bool>>>()
        })
        .collect::<Option<_>>()?;
    let n = rows.len();
    (n > 0 && rows.iter().all(|r| r.len() == n)).then_some(rows)
}

/// Whether a vote reply granted the vote: `granted: true` anywhere in its
/// summary (`vote_granted: true`, `granted: true`), `None` when it says
/// neither.
pub fn vote_granted(reply: &str) -> Option<bool> {
    let at = reply.find("granted")? + "granted".len();
    let rest = reply[at..].trim_start_matches(|c: char| !c.is_alphanumeric());
    if rest.starts_with("true") {
        Some(true)
    } else if rest.starts_with("false") {
        Some(false)
    } else {
        None
    }
}

/// The `term` a request's summary names (`term: 3`, `Term(3)`).
pub fn term_in(summary: &str) -> Option<u64> {
    let at = summary.find("term")? + "term".len();
    let rest = summary[at..].trim_start_matches(|c: char| !c.is_ascii_digit());
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_tester_markers_name_their_server_in_the_message() {
        let events = [
            Event::new(0, "tester", "restart", "start S2 (incarnation 3)"),
            Event::new(5, "tester", "crash", "crash S4"),
            Event::new(9, "tester", "connect", "connect S1"),
            Event::new(9, "tester", "disconnect", "set links"),
        ];
        let f: Vec<Fact> = facts(&events).into_iter().map(|t| t.fact).collect();
        assert_eq!(
            f,
            [
                Fact::Made {
                    server: 2,
                    incarnation: Some(3)
                },
                Fact::Crashed { server: 4 },
                Fact::Connected {
                    server: 1,
                    up: true,
                    links: None
                },
            ]
        );
    }

    #[test]
    fn wire_events_become_rpc_facts() {
        let events = [
            Event::new(10, RPC, "send", "")
                .on(0)
                .with("peer", 2)
                .with("call", 7)
                .with("kind", "RequestVote")
                .with("request", "RequestVote(Args { term: 3 })"),
            Event::new(12, RPC, "fail", "")
                .on(0)
                .with("call", 7)
                .with("reason", "reply-dropped"),
        ];
        let f: Vec<Fact> = facts(&events).into_iter().map(|t| t.fact).collect();
        assert_eq!(
            f[0],
            Fact::Sent {
                call: 7,
                from: 0,
                to: 2,
                kind: "RequestVote".into(),
                request: "RequestVote(Args { term: 3 })".into()
            }
        );
        assert_eq!(
            f[1],
            Fact::Failed {
                call: 7,
                reason: "reply-dropped".into()
            }
        );
    }

    #[test]
    fn one_network_marker_sets_both_phases() {
        let e = Event::new(3, TESTER, "network", "")
            .with("reliable", false)
            .with("long_reordering", true);
        let f: Vec<Fact> = facts(&[e]).into_iter().map(|t| t.fact).collect();
        let phases: Vec<(&str, bool)> = f
            .iter()
            .map(|f| match f {
                Fact::Network { kind, on, .. } => (kind.as_str(), *on),
                _ => panic!("{f:?}"),
            })
            .collect();
        assert_eq!(phases, [("unreliable", true), ("long-reordering", true)]);
    }

    #[test]
    fn links_votes_and_terms_parse() {
        assert_eq!(
            parse_links("01/10"),
            Some(vec![vec![false, true], vec![true, false]])
        );
        assert_eq!(parse_links("01/1"), None);
        assert_eq!(parse_links("0x/10"), None);
        assert_eq!(
            vote_granted("Vote { term: 2, vote_granted: true }"),
            Some(true)
        );
        assert_eq!(vote_granted("Reply { granted: false }"), Some(false));
        assert_eq!(vote_granted("AppendReply { success: true }"), None);
        assert_eq!(
            term_in("RequestVote(Args { term: 12, candidate: 1 })"),
            Some(12)
        );
        assert_eq!(split_check("one: failed to reach agreement").0, "one");
    }
}
