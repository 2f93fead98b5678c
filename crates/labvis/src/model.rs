//! The timeline of one run, as data: what the HTML and Perfetto renderers
//! draw. Times are virtual ms from the start of the run. Every list is in
//! time order (then server order), so the same run gives the same bytes.
//!
//! ```text
//!  header            seed, edition, test, replay command, trace hash, verdict
//!  steps, failure    the tester's track: Start/one()/checks, the failing check
//!  network           who can talk to whom: links i->j over time, phases
//!  lanes, roles      one lane per server incarnation; role and term spans
//!  elections         a candidate's term: when, the votes, won or not
//!  series            commit index, last log index, applied: step lines
//!  snapshots, marks  points on lanes (snapshots; persist, apply, a Raft's logs)
//!  rpcs              arrows: sent, arrived, replied or failed (and why)
//!  states            every change of a server's state: the time cursor's table
//! ```

use serde::Serialize;

/// A server's role, as drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Follows (or waits for a leader).
    Follower,
    /// Campaigns.
    Candidate,
    /// Leads.
    Leader,
    /// Known to lead or not only through `state()` (a Raft without
    /// `inspect()`): not the leader.
    NotLeader,
}

impl Role {
    /// The vocabulary's spelling (`follower`, `not-leader`, ...).
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "follower" => Role::Follower,
            "candidate" => Role::Candidate,
            "leader" => Role::Leader,
            "not-leader" | "notleader" => Role::NotLeader,
            _ => return None,
        })
    }

    /// One word, for labels.
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::NotLeader => "not-leader",
        }
    }
}

/// The whole picture.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timeline {
    /// What run this is.
    pub header: Header,
    /// The tester's steps: `Start`, `one()`, checks, crashes, ...
    pub steps: Vec<Step>,
    /// The failing check, if the run failed.
    pub failure: Option<FailureMark>,
    /// The network track.
    pub network: Network,
    /// One lane per server incarnation.
    pub lanes: Vec<Lane>,
    /// Role and term over time, per server.
    pub roles: Vec<RoleSpan>,
    /// Elections: a candidate's term, its votes, and whether it won.
    pub elections: Vec<Election>,
    /// Commit index, last log index and applied index per server.
    pub series: Vec<Series>,
    /// Snapshots taken or installed.
    pub snapshots: Vec<SnapshotMark>,
    /// Other points on lanes: persists, applies, a Raft's own events.
    pub marks: Vec<Mark>,
    /// The RPC kinds, indexed by [`Rpc::kind`].
    pub kinds: Vec<String>,
    /// Every RPC.
    pub rpcs: Vec<Rpc>,
    /// Every change of a server's state (the state after it), in time
    /// order: the time cursor shows the last row of each server at or before
    /// the cursor.
    pub states: Vec<StateRow>,
}

/// The run: what the top of the page says.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Header {
    /// The test's name (`TestFigure83C`, `scenario/swarm`).
    pub test: String,
    /// The seed, as users type it (`0x2a`).
    pub seed: String,
    /// The edition (`2025`).
    pub edition: String,
    /// The Raft, when not the default one (`bug:commit-old-term`).
    pub raft: Option<String>,
    /// Whether the strict oracles ran.
    pub strict: bool,
    /// Servers in the cluster.
    pub servers: usize,
    /// Virtual ms at the end of the run.
    pub end_ms: u64,
    /// The trace hash, `0x` and 16 hex digits.
    pub trace_hash: String,
    /// Simulator events processed.
    pub events: u64,
    /// `passed`, `failed`, or `hung` (a run that never returned, drawn up
    /// to where it stopped: no event count or trace hash).
    pub verdict: String,
    /// The command that replays the run (the first is the one to paste).
    pub replay: Vec<String>,
    /// What the course's tester printed.
    pub lines: Vec<String>,
    /// Anything the reader should know (events not kept, a re-run that
    /// diverged from the run it pictures).
    pub notes: Vec<String>,
}

/// One step of the tester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// When it began.
    pub from_ms: u64,
    /// When it ended (equal to `from_ms` for instant markers).
    pub to_ms: u64,
    /// `one`, `check`, `start`, `crash`, `restart`, `connect`,
    /// `disconnect`, `partition`, `network`, `oracle`, `course`.
    pub kind: String,
    /// The server it concerns, if one.
    pub server: Option<usize>,
    /// What it says.
    pub label: String,
    /// `ok`, `failed`, or empty when a step has no verdict.
    pub verdict: String,
}

/// The failing check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailureMark {
    /// When.
    pub t: u64,
    /// The check, by the course's function name (`one`, `checkOneLeader`),
    /// or the oracle's name.
    pub check: String,
    /// The course's message.
    pub message: String,
    /// `check`, `panic`, `runaway` (the event budget), `hang` (the
    /// watchdog stopped a run that never returned), `oracle`.
    pub kind: String,
    /// The violated strict oracle, when a strict oracle failed the run.
    pub oracle: Option<String>,
}

/// Who can talk to whom.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Network {
    /// Intervals in which the link `from -> to` carries calls.
    pub links: Vec<LinkSpan>,
    /// Intervals in which a server counts as connected (the course's
    /// `connected[i]`).
    pub connected: Vec<Span>,
    /// Phases of the whole network: `unreliable`, `long-reordering`, and a
    /// scenario's fault settings.
    pub phases: Vec<Phase>,
}

/// A link that is up from `from_ms` to `to_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LinkSpan {
    /// Caller.
    pub from: usize,
    /// Callee.
    pub to: usize,
    /// Since.
    pub from_ms: u64,
    /// Until.
    pub to_ms: u64,
}

/// A server's interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The server.
    pub server: usize,
    /// Since.
    pub from_ms: u64,
    /// Until.
    pub to_ms: u64,
}

/// A network-wide phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phase {
    /// `unreliable`, `long-reordering`, `faults`.
    pub kind: String,
    /// Since.
    pub from_ms: u64,
    /// Until.
    pub to_ms: u64,
    /// Details for the hover.
    pub detail: String,
}

/// One incarnation of a server: made at `from_ms`, crashed (or the run
/// ended) at `to_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Lane {
    /// The server.
    pub server: usize,
    /// 1 for the first, +1 per restart.
    pub incarnation: u32,
    /// Made.
    pub from_ms: u64,
    /// Crashed or the end of the run.
    pub to_ms: u64,
    /// Whether a crash ended it.
    pub crashed: bool,
}

/// A server's role and term over an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RoleSpan {
    /// The server.
    pub server: usize,
    /// Since.
    pub from_ms: u64,
    /// Until.
    pub to_ms: u64,
    /// The role (None: unknown, the Raft tells nothing).
    pub role: Option<Role>,
    /// The term (None: unknown).
    pub term: Option<u64>,
}

/// A candidate's election.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Election {
    /// The candidate.
    pub server: usize,
    /// Its term.
    pub term: Option<u64>,
    /// When it became a candidate.
    pub from_ms: u64,
    /// When it stopped being one.
    pub to_ms: u64,
    /// Whether it became leader of that term.
    pub won: bool,
    /// The answers it got.
    pub votes: Vec<Vote>,
}

/// One answer to a vote request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Vote {
    /// Who answered.
    pub voter: usize,
    /// When the answer arrived.
    pub t: u64,
    /// Whether the vote was granted.
    pub granted: bool,
}

/// Step lines of one server: `(t, value)` points, each value holding until
/// the next point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Series {
    /// The server.
    pub server: usize,
    /// Commit index.
    pub commit: Vec<(u64, u64)>,
    /// Last log index.
    pub last_log: Vec<(u64, u64)>,
    /// Last applied index (from the applies the tester received).
    pub applied: Vec<(u64, u64)>,
}

/// A snapshot on a lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotMark {
    /// The server.
    pub server: usize,
    /// When.
    pub t: u64,
    /// The last index it covers.
    pub index: u64,
    /// `taken` (the service's `Snapshot`), `applied` (an installed
    /// snapshot handed to the service), `compacted` (the log start moved).
    pub how: String,
}

/// A point event on a lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// The server.
    pub server: usize,
    /// When.
    pub t: u64,
    /// The topic (`persist`, `apply`, or a Raft's own).
    pub topic: String,
    /// What it says.
    pub text: String,
}

/// How an RPC ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RpcEnd {
    /// The reply reached the caller.
    Replied,
    /// The call failed back to the caller (see [`Rpc::reason`]).
    Failed,
    /// Still in flight when the run ended.
    Pending,
}

/// One RPC: an arrow from caller to callee, and back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rpc {
    /// The call's number in the run.
    pub call: u64,
    /// Caller.
    pub from: usize,
    /// Callee.
    pub to: usize,
    /// Index into [`Timeline::kinds`].
    pub kind: usize,
    /// Sent.
    pub sent_ms: u64,
    /// Handed to the callee, if it was.
    pub arrived_ms: Option<u64>,
    /// Replied or failed back, if it did.
    pub ended_ms: Option<u64>,
    /// How it ended.
    pub end: RpcEnd,
    /// Why it failed (`request-dropped`, `reply-dropped`, `disconnected`,
    /// `dead`, `cleanup`), empty otherwise.
    pub reason: String,
    /// The request's summary.
    pub request: String,
    /// The reply's summary, if one arrived.
    pub reply: String,
}

/// One server's state after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StateRow {
    /// When.
    pub t: u64,
    /// The server.
    pub server: usize,
    /// Its incarnation (0: not made yet).
    pub incarnation: u32,
    /// Whether a Raft runs on it.
    pub up: bool,
    /// The course's `connected[i]`.
    pub connected: bool,
    /// Role.
    pub role: Option<Role>,
    /// Current term.
    pub term: Option<u64>,
    /// Whom it voted for in `term`, as seen on the wire (a granted vote).
    pub voted_for: Option<usize>,
    /// Commit index.
    pub commit: Option<u64>,
    /// Last applied index, as the tester's applier received.
    pub applied: Option<u64>,
    /// First index still in the log (after the snapshot).
    pub log_first: Option<u64>,
    /// Last log index.
    pub log_last: Option<u64>,
}
