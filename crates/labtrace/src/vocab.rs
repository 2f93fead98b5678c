//! The vocabulary: every `tracing` target, topic and field name the lab
//! emits, in one place. Emitters (the tester's harness) and consumers (the
//! replay collector, timelines, root-cause reports, determinism checks) both
//! read it from here; the README's "What the lab shows" section points here.
//!
//! # Attribution: the input span
//!
//! Every input the tester gives a Raft (`make`, `tick`, `handle_request`,
//! `handle_reply`, `start`, `snapshot`), and the performing of that input's
//! effects, runs inside one span:
//!
//! | target | name | level | fields |
//! |---|---|---|---|
//! | [`INPUT`] (`lab::input`) | `input` | INFO | `server`, `incarnation`, `t` (virtual ms), `input` (one of [`input`]) |
//!
//! So any event a Raft emits, with any target and any fields, belongs to
//! that server, incarnation and virtual time. Nothing else is needed from
//! the Raft.
//!
//! # The lab's own events
//!
//! Emitted by the harness for every Raft, derived from the wire, the effects
//! and (when the Raft provides it) `inspect()`. Each has a `topic` field; the
//! other fields are listed per topic in [`TOPICS`]. Events inside an input
//! span take their server and time from it; the others carry `server` (when
//! about one server) and `t` (virtual ms) themselves.
//!
//! | target | topics | level |
//! |---|---|---|
//! | [`RPC`] (`lab::rpc`) | `send`, `recv`, `reply`, `fail` | DEBUG |
//! | [`EFFECT`] (`lab::effect`) | `persist`, `apply` | DEBUG |
//! | [`STATE`] (`lab::state`) | `role`, `term` (INFO); `commit`, `log` (DEBUG) | |
//! | [`TESTER`] (`lab::tester`) | the tester's markers: `course`, `connect`, `disconnect`, `partition`, `network`, `crash`, `restart`, `one`, `check`, `failure`, `oracle`; and `start`, the tester's `Start()` on one server (not a marker: it is shown in that server's column) | INFO (`failure`: ERROR) |
//!
//! The simulator's low-level events (target [`NET`], `labrpc`, TRACE) are not
//! collected unless a log filter names `labrpc`.
//!
//! # A Raft's own events
//!
//! Any target, any level, any fields. An event with a string `topic` field
//! whose value is one of the [`RAFT_TOPICS`] (`vote`, `append`, ...) is
//! selected by that topic; every event of the Raft is selected by the
//! pseudo-topic [`topic::RAFT`]. The reference Raft uses target `labraft`
//! with fields `t`, `node` and `topic`.
//!
//! # Zero cost when nobody listens
//!
//! Spans and events are `tracing` macros whose fields are evaluated only
//! when a subscriber wants them; summaries are formatted lazily
//! ([`crate::summary`]), and `inspect()` is called only when
//! `tracing::enabled!` says a subscriber wants [`STATE`] events.

/// Target of the input spans (one per Raft input; span name `input`).
pub const INPUT: &str = "lab::input";
/// Target of the wire events: `send`, `recv`, `reply`, `fail`.
pub const RPC: &str = "lab::rpc";
/// Target of the effect events: `persist`, `apply`.
pub const EFFECT: &str = "lab::effect";
/// Target of the state-change events: `role`, `term`, `commit`, `log`.
pub const STATE: &str = "lab::state";
/// Target of the tester's markers.
pub const TESTER: &str = "lab::tester";
/// The simulator's own low-level events (TRACE; collected only on request).
pub const NET: &str = "labrpc";
/// The reference Raft's target (fields `t`, `node`, `topic`).
pub const LABRAFT: &str = "labraft";
/// Every target of the lab's own events starts with this.
pub const LAB_PREFIX: &str = "lab::";

/// The values of the input span's `input` field.
pub mod input {
    /// `Raft::make` (a server made, at the start or after a crash).
    pub const MAKE: &str = "make";
    /// `Raft::tick` (its wake-up was due).
    pub const TICK: &str = "tick";
    /// `Raft::handle_request`.
    pub const REQUEST: &str = "request";
    /// `Raft::handle_reply` (a reply, or a failed call).
    pub const REPLY: &str = "reply";
    /// `Raft::start` (the tester's `Start(command)`).
    pub const START: &str = "start";
    /// `Raft::snapshot` (the snapshot applier's `Snapshot(index, data)`).
    pub const SNAPSHOT: &str = "snapshot";
}

/// Field names, as emitted and as the collector reads them.
pub mod field {
    /// Virtual time in ms (span field; also on events outside spans).
    pub const T: &str = "t";
    /// The server an event belongs to (span field; also on events outside
    /// spans). For `send`, `reply`, `fail`: the caller; for `recv`: the callee.
    pub const SERVER: &str = "server";
    /// The server's incarnation: 1 at the start, +1 per restart.
    pub const INCARNATION: &str = "incarnation";
    /// Which input (span field): see [`super::input`].
    pub const INPUT: &str = "input";
    /// The topic of an event.
    pub const TOPIC: &str = "topic";
    /// The other server of an RPC (the callee of `send`/`reply`/`fail`, the
    /// caller of `recv`).
    pub const PEER: &str = "peer";
    /// An RPC's number in the run: 1 for the first call made, then 2, ...
    pub const CALL: &str = "call";
    /// An RPC's kind: the leading name of its request's `Debug` output
    /// (`RequestVote`, `AppendEntries`, or a struct's name).
    pub const KIND: &str = "kind";
    /// A request's `Debug` summary (see [`crate::summary`]).
    pub const REQUEST: &str = "request";
    /// A reply's `Debug` summary.
    pub const REPLY: &str = "reply";
    /// Why a call failed: one of [`super::reason`].
    pub const REASON: &str = "reason";
    /// Virtual ms from the call to its reply or failure.
    pub const WAITED_MS: &str = "waited_ms";
    /// The reference Raft's name for [`SERVER`].
    pub const NODE: &str = "node";
    /// `persist`: the Raft state's size in bytes.
    pub const RAFT_STATE_BYTES: &str = "raft_state_bytes";
    /// `persist`, `apply` of a snapshot: the snapshot's size in bytes.
    pub const SNAPSHOT_BYTES: &str = "snapshot_bytes";
    /// `apply`, `start`: a log index.
    pub const INDEX: &str = "index";
    /// `apply`, `start`: the command, as the course prints it.
    pub const COMMAND: &str = "command";
    /// `apply`: `true` for a snapshot.
    pub const SNAPSHOT: &str = "snapshot";
    /// `role`: the new role.
    pub const ROLE: &str = "role";
    /// State changes: the value before (absent for a new incarnation).
    pub const WAS: &str = "was";
    /// `term`, `start`, `apply` of a snapshot: a term.
    pub const TERM: &str = "term";
    /// `term`: who has this server's vote in the term (from `inspect()`).
    pub const VOTED_FOR: &str = "voted_for";
    /// `commit`: the new commit index.
    pub const COMMIT_INDEX: &str = "commit_index";
    /// `log`: the new last log index.
    pub const LAST_LOG_INDEX: &str = "last_log_index";
    /// `log`: the last index the snapshot covers.
    pub const SNAPSHOT_INDEX: &str = "snapshot_index";
    /// `course`: the line printed.
    pub const LINE: &str = "line";
    /// `connect`, `disconnect`, `partition`: which ends are enabled, as n
    /// rows of n digits separated by spaces; row i, column j is `1` when
    /// server i's calls to server j get onto the wire.
    pub const LINKS: &str = "links";
    /// `network`: whether the network is reliable.
    pub const RELIABLE: &str = "reliable";
    /// `network`: whether long reordering is on.
    pub const LONG_REORDERING: &str = "long_reordering";
    /// `start`: whether the server accepted the command.
    pub const ACCEPTED: &str = "accepted";
    /// `failure`: the check that failed, by the course's function name.
    pub const CHECK: &str = "check";
    /// The message of an event (`tracing`'s implicit field).
    pub const MESSAGE: &str = "message";
}

/// Why a call failed (`fail`'s `reason` field), as labrpc decided it.
pub mod reason {
    /// The unreliable network dropped the request (the handler never ran).
    pub const REQUEST_DROPPED: &str = "request-dropped";
    /// The unreliable network dropped the reply (the handler ran).
    pub const REPLY_DROPPED: &str = "reply-dropped";
    /// The caller's end was disabled: a disconnected server or a partition.
    /// With long delays on (always, in the Raft tests) such a call fails
    /// after up to 7 s; `waited_ms` says how long.
    pub const DISCONNECTED: &str = "disconnected";
    /// The callee crashed or was restarted (its server object is gone)
    /// before the reply got back.
    pub const DEAD: &str = "dead";
    /// The network was cleaned up at the end of the test.
    pub const CLEANUP: &str = "cleanup";
    /// Every reason.
    pub const ALL: [&str; 5] = [REQUEST_DROPPED, REPLY_DROPPED, DISCONNECTED, DEAD, CLEANUP];
}

/// The topics.
pub mod topic {
    // ---- lab::rpc ----
    /// A call made: `server` called `peer`. Fields: `server`, `peer`,
    /// `call`, `kind`, `request`.
    pub const SEND: &str = "send";
    /// A request handed to its callee, just before its handler runs.
    /// Fields: `server` (callee), `peer` (caller), `call`, `kind`, `request`.
    pub const RECV: &str = "recv";
    /// A reply delivered to its caller. Fields: `server` (caller), `peer`,
    /// `call`, `kind`, `reply`, `waited_ms`, `t`.
    pub const REPLY: &str = "reply";
    /// A call failed back to its caller (the course's `Call` returning
    /// false). Fields: `server` (caller), `peer`, `call`, `kind`, `reason`,
    /// `waited_ms`, `t`.
    pub const FAIL: &str = "fail";
    // ---- lab::effect ----
    /// The input persisted. Fields: `raft_state_bytes`, `snapshot_bytes`.
    pub const PERSIST: &str = "persist";
    /// One `ApplyMsg` handed to the tester's applier. Fields: `index` and
    /// `command` (a command), or `index`, `term` and `snapshot_bytes` (a
    /// snapshot; then `snapshot = true`).
    pub const APPLY: &str = "apply";
    // ---- lab::state ----
    /// The role changed. Fields: `role`, `was` (`follower`, `candidate`,
    /// `leader`; or `leader` / `not-leader` when the Raft gives no
    /// `inspect()`, from `state()`).
    pub const ROLE: &str = "role";
    /// The current term, or the vote in it, changed. Fields: `term`, `was`
    /// (the term before), and `voted_for` when `inspect()` says who has
    /// this server's vote.
    pub const TERM: &str = "term";
    /// The commit index changed (needs `inspect()`). Fields:
    /// `commit_index`, `was`.
    pub const COMMIT: &str = "commit";
    /// The last log index changed (needs `inspect()`). Fields:
    /// `last_log_index`, `was`, `snapshot_index`.
    pub const LOG: &str = "log";
    // ---- lab::tester (markers) ----
    /// A line the course's tester prints (`Test (3B): ...`, `... Passed`,
    /// warnings). Field: `line`, `t`.
    pub const COURSE: &str = "course";
    /// The tester connected a server. Fields: `server`, `links`, `t`;
    /// rendered with the groups the links make (`links: {S0} | {S1,S2}`).
    pub const CONNECT: &str = "connect";
    /// The tester disconnected a server. Fields: `server`, `links`, `t`.
    pub const DISCONNECT: &str = "disconnect";
    /// A scenario set links one by one. Fields: `links`, `t` (rendered as
    /// groups when they make a clean partition, else as the cut links).
    pub const PARTITION: &str = "partition";
    /// The network's fault flags changed. Fields: `reliable`,
    /// `long_reordering`, `t`.
    pub const NETWORK: &str = "network";
    /// The tester crashed a server. Fields: `server`, `incarnation`, `t`.
    pub const CRASH: &str = "crash";
    /// The tester made a server (at the start or after a crash). Fields:
    /// `server`, `incarnation`, `t`.
    pub const RESTART: &str = "restart";
    /// The tester called `Start(command)` on a server (target `lab::tester`
    /// but not a marker: shown in the server's column, selected by
    /// `--only start`). Fields: `server`, `command`, `accepted`, and
    /// `index`, `term` when accepted.
    pub const START: &str = "start";
    /// `one(command, expected, retry)` began or ended. Message; `t`.
    pub const ONE: &str = "one";
    /// A checker began or gave its verdict. Message; `t`; and `server`,
    /// `term` when it names the leader it found (`checkOneLeader: S1 leads
    /// (term 3)`, the liveness phase's `liveness: S0 leads (term 7)`).
    pub const CHECK: &str = "check";
    /// The run failed. Fields: `check`, `kind`, `t`; the message is the
    /// course's words.
    pub const FAILURE: &str = "failure";
    /// A strict oracle saw a violation. Message; `t`.
    pub const ORACLE: &str = "oracle";
    // ---- conventional topics of a Raft's own events ----
    /// Elections: votes asked, granted, refused.
    pub const VOTE: &str = "vote";
    /// AppendEntries sent, accepted, refused.
    pub const APPEND: &str = "append";
    /// Snapshots taken, sent, installed.
    pub const SNAPSHOT: &str = "snapshot";
    /// Timers: election timeouts, heartbeats.
    pub const TIMER: &str = "timer";
    /// Leadership won or lost.
    pub const LEADER: &str = "leader";
    /// Every event the Raft itself emits, whatever its target or topic.
    pub const RAFT: &str = "raft";
}

/// Who emits events of a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The tester's markers (target [`TESTER`]): never hidden by `--only`.
    Tester,
    /// The lab, from the wire, effects and state (targets `lab::*`).
    Lab,
    /// A Raft's own events, by convention (the reference Raft uses them).
    Raft,
}

/// One topic: its name, who emits it, and what it means.
#[derive(Clone, Copy, Debug)]
pub struct Topic {
    /// As `--only` and `--hide` spell it.
    pub name: &'static str,
    /// Who emits it.
    pub origin: Origin,
    /// One line.
    pub about: &'static str,
}

const fn t(name: &'static str, origin: Origin, about: &'static str) -> Topic {
    Topic {
        name,
        origin,
        about,
    }
}

/// Every topic, in the order `--help` lists them.
pub const TOPICS: &[Topic] = &[
    t(
        topic::COURSE,
        Origin::Tester,
        "the course's printed lines (Test (3B): ..., Passed)",
    ),
    t(topic::CONNECT, Origin::Tester, "a server connected"),
    t(topic::DISCONNECT, Origin::Tester, "a server disconnected"),
    t(
        topic::PARTITION,
        Origin::Tester,
        "links set one by one (scenarios)",
    ),
    t(
        topic::NETWORK,
        Origin::Tester,
        "reliable / long reordering switched",
    ),
    t(topic::CRASH, Origin::Tester, "a server crashed"),
    t(
        topic::RESTART,
        Origin::Tester,
        "a server made (start or restart)",
    ),
    t(topic::ONE, Origin::Tester, "one(command) began or ended"),
    t(
        topic::CHECK,
        Origin::Tester,
        "a checker began or gave its verdict",
    ),
    t(
        topic::FAILURE,
        Origin::Tester,
        "the run failed (the course's Fatal)",
    ),
    t(topic::ORACLE, Origin::Tester, "a strict oracle's violation"),
    t(
        topic::START,
        Origin::Lab,
        "the tester's Start(command) on a server, answered",
    ),
    t(
        topic::SEND,
        Origin::Lab,
        "an RPC sent: caller, callee, call number, request",
    ),
    t(topic::RECV, Origin::Lab, "an RPC handed to its callee"),
    t(topic::REPLY, Origin::Lab, "a reply delivered to its caller"),
    t(
        topic::FAIL,
        Origin::Lab,
        "a call failed back to its caller, and why",
    ),
    t(topic::PERSIST, Origin::Lab, "state persisted (sizes)"),
    t(topic::APPLY, Origin::Lab, "a command or snapshot applied"),
    t(topic::ROLE, Origin::Lab, "role changed"),
    t(topic::TERM, Origin::Lab, "current term changed"),
    t(topic::COMMIT, Origin::Lab, "commit index changed (inspect)"),
    t(topic::LOG, Origin::Lab, "last log index changed (inspect)"),
    t(topic::VOTE, Origin::Raft, "elections (a Raft's own events)"),
    t(
        topic::APPEND,
        Origin::Raft,
        "replication (a Raft's own events)",
    ),
    t(
        topic::SNAPSHOT,
        Origin::Raft,
        "snapshots (a Raft's own events)",
    ),
    t(topic::TIMER, Origin::Raft, "timers (a Raft's own events)"),
    t(
        topic::LEADER,
        Origin::Raft,
        "leadership (a Raft's own events)",
    ),
    t(
        topic::RAFT,
        Origin::Raft,
        "every event the Raft emits, any target",
    ),
];

/// The conventional topics of a Raft's own events (its `topic` field).
pub const RAFT_TOPICS: [&str; 9] = [
    topic::VOTE,
    topic::APPEND,
    topic::COMMIT,
    topic::PERSIST,
    topic::SNAPSHOT,
    topic::TIMER,
    topic::TERM,
    topic::LEADER,
    topic::APPLY,
];

/// The topic called `name`, if there is one.
pub fn find_topic(name: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.name == name)
}

/// Whether `name` is a tester marker (shown whatever `--only` says).
pub fn is_marker(name: &str) -> bool {
    find_topic(name).is_some_and(|t| t.origin == Origin::Tester)
}

/// The topic names, comma-separated (for error messages).
pub fn topic_names() -> String {
    let names: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
    names.join(",")
}

/// Checks a list of topic names: `Err` names the first unknown one and
/// lists the valid ones.
pub fn check_topics<S: AsRef<str>>(names: &[S]) -> Result<(), String> {
    match names.iter().find(|n| find_topic(n.as_ref()).is_none()) {
        None => Ok(()),
        Some(bad) => Err(format!(
            "unknown topic '{}': valid topics are {}",
            bad.as_ref(),
            topic_names()
        )),
    }
}

/// The topics as `--help` shows them: one per line, grouped by origin.
pub fn topics_help() -> String {
    let mut out = String::new();
    for (origin, heading) in [
        (
            Origin::Tester,
            "tester markers (shown whatever --only says; --hide hides them):",
        ),
        (Origin::Lab, "the lab's events, for any Raft:"),
        (
            Origin::Raft,
            "a Raft's own events (by their `topic` field; `raft` = all):",
        ),
    ] {
        out.push_str(heading);
        out.push('\n');
        for t in TOPICS.iter().filter(|t| t.origin == origin) {
            out.push_str(&format!("  {:<11} {}\n", t.name, t.about));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_unique_and_raft_topics_are_known() {
        for (k, a) in TOPICS.iter().enumerate() {
            assert!(TOPICS[..k].iter().all(|b| b.name != a.name), "{}", a.name);
        }
        for name in RAFT_TOPICS {
            assert!(find_topic(name).is_some(), "{name}");
        }
    }

    #[test]
    fn unknown_topics_are_named_with_the_valid_list() {
        assert!(check_topics(&["vote", "send"]).is_ok());
        let e = check_topics(&["vote", "bogus"]).unwrap_err();
        assert!(e.starts_with("unknown topic 'bogus': valid topics are course,"));
        assert!(e.contains("send") && e.contains("raft"));
    }

    #[test]
    fn markers_are_the_tester_topics() {
        assert!(is_marker("crash") && is_marker("check") && is_marker("course"));
        assert!(!is_marker("send") && !is_marker("vote") && !is_marker("nope"));
        let help = topics_help();
        assert!(TOPICS.iter().all(|t| help.contains(t.name)));
    }
}
