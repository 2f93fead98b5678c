//! The serde types of a scenario file (version 1). Every table denies
//! unknown fields; [`crate::scenario::parse`] adds the checks serde cannot
//! express (group syntax, ranges, which fields an action needs).

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The only format version.
pub const VERSION: u32 = 1;

/// One scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Must be 1.
    pub version: u32,
    /// The file's stem: the test is `scenario/<name>`.
    pub name: String,
    /// What the scenario exercises (shown by nothing; for readers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Servers in the cluster (absent in a swarm file: drawn from the seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<usize>,
    /// Whether the snapshot applier is used (as in the 3D tests).
    #[serde(default, skip_serializing_if = "is_false")]
    pub snapshot: bool,
    /// How long the fault phase lasts, in virtual ms.
    pub duration_ms: u64,
    /// After healing, a leader must appear within this many ms.
    #[serde(default = "default_liveness_ms")]
    pub liveness_ms: u64,
    /// The network during the fault phase.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The clients.
    #[serde(default)]
    pub workload: Workload,
    /// Timed faults.
    #[serde(default, rename = "event", skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Spanned<Event>>,
    /// Seeded fault generators.
    #[serde(default, rename = "generator", skip_serializing_if = "Vec::is_empty")]
    pub generators: Vec<Spanned<Generator>>,
    /// Crashes right after a kind of output (see [`super::crash_point`]).
    #[serde(default, rename = "crash_point", skip_serializing_if = "Vec::is_empty")]
    pub crash_points: Vec<Spanned<super::crash_point::CrashPoint>>,
    /// Present in a swarm file: the ranges the seed draws from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swarm: Option<Swarm>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_liveness_ms() -> u64 {
    10_000
}

/// The network's base behaviour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// No drops, no delays.
    #[default]
    Reliable,
    /// The course's unreliable network.
    Unreliable,
    /// Unreliable with the numbers given in the table.
    Custom,
}

/// `[network]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// reliable, unreliable or custom.
    #[serde(default)]
    pub profile: Profile,
    /// The course's long reordering of replies.
    #[serde(default, skip_serializing_if = "is_false")]
    pub long_reordering: bool,
    /// custom: requests dropped per 1000 (course: 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_drop_per_mille: Option<u64>,
    /// custom: replies dropped per 1000 (course: 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_drop_per_mille: Option<u64>,
    /// custom: requests wait 0..=this many ms (course: 26).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_ms: Option<u64>,
    /// custom: replies reordered per 900 (course: 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_per_900: Option<u64>,
    /// custom: a reordered reply waits at least this (course: 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_base_ms: Option<u64>,
    /// custom: ... plus up to this (course: 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_spread_ms: Option<u64>,
}

/// `[workload]`: clients that submit to whoever says it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Number of clients.
    #[serde(default = "default_clients")]
    pub clients: usize,
    /// Commands each client submits per virtual second.
    #[serde(default = "default_rate")]
    pub commands_per_second: u64,
}

fn default_clients() -> usize {
    2
}

fn default_rate() -> u64 {
    10
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: default_clients(),
            commands_per_second: default_rate(),
        }
    }
}

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Only servers of the same group talk (`groups`).
    Partition,
    /// Calls from the first group to the second fail (`groups`, two groups).
    OneWay,
    /// Crash `who`.
    Crash,
    /// Restart `who` (a crashed server, `random` or `all`).
    Restart,
    /// Cut the leader off from everyone.
    IsolateLeader,
    /// Delay requests both ways between two groups by `delay_ms` for `for_ms`.
    Clog,
    /// Every link up, clogs cleared (crashed servers stay down).
    Heal,
}

/// `[[event]]`: a fault at a time, optionally repeated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When, in virtual ms from the start.
    pub at_ms: u64,
    /// What.
    pub action: Action,
    /// Groups for partition, one_way, clog: `"leader+1 | rest"`, `"0,1 | 2 | rest"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<String>,
    /// For crash and restart: `leader`, `follower`, `random`, `all` or a
    /// server index (`who = 2` or `who = "2"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "name_or_index"
    )]
    pub who: Option<String>,
    /// For clog: the extra delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// For clog: how long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    /// Repeat every this many ms ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_ms: Option<u64>,
    /// ... until this time (default: the end of the fault phase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
}

/// `who`: a name, or a server index written as a number.
fn name_or_index<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Who;
    impl serde::de::Visitor<'_> for Who {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a name (leader, follower, random, all) or a server index")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            u64::try_from(v)
                .map(|v| v.to_string())
                .map_err(|_| E::custom(format!("server index {v} is negative")))
        }
    }
    d.deserialize_any(Who).map(Some)
}

/// `[generator.weights]`: how often each kind of fault is picked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// A random split into two groups.
    #[serde(default)]
    pub partition: u32,
    /// The leader and one follower against the rest.
    #[serde(default)]
    pub leader_plus_one: u32,
    /// The leader alone.
    #[serde(default)]
    pub isolate_leader: u32,
    /// A random one-way cut between two groups.
    #[serde(default)]
    pub one_way: u32,
    /// Crash a random live server (at most `max_crashed` down).
    #[serde(default)]
    pub crash: u32,
    /// Restart a random crashed server.
    #[serde(default)]
    pub restart: u32,
    /// Crash the leader, if one leads and fewer than `max_crashed` are down;
    /// else restart a random crashed server (the Figure 8 tests' loop).
    #[serde(default)]
    pub crash_leader: u32,
    /// Clog a random link.
    #[serde(default)]
    pub clog: u32,
    /// Heal every link.
    #[serde(default)]
    pub heal: u32,
}

impl Weights {
    /// The weights in a fixed order, with their names.
    pub fn named(&self) -> [(&'static str, u32); 9] {
        [
            ("partition", self.partition),
            ("leader_plus_one", self.leader_plus_one),
            ("isolate_leader", self.isolate_leader),
            ("one_way", self.one_way),
            ("crash", self.crash),
            ("restart", self.restart),
            ("crash_leader", self.crash_leader),
            ("clog", self.clog),
            ("heal", self.heal),
        ]
    }
}

/// `[[generator]]`: every `min_gap_ms..=max_gap_ms` pick a fault by weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    /// Shortest gap between two faults.
    pub min_gap_ms: u64,
    /// Longest gap.
    pub max_gap_ms: u64,
    /// First fault no earlier than this.
    #[serde(default)]
    pub from_ms: u64,
    /// No fault after this (default: the end of the fault phase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// Most servers down at once (default: a minority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_crashed: Option<usize>,
    /// A clogged link's extra delay, drawn from 1..=this.
    #[serde(default = "default_clog_ms")]
    pub clog_max_delay_ms: u64,
    /// How long a clog lasts, drawn from 1..=this.
    #[serde(default = "default_clog_for_ms")]
    pub clog_max_for_ms: u64,
    /// The kinds of fault and their weights.
    pub weights: Weights,
}

fn default_clog_ms() -> u64 {
    300
}

fn default_clog_for_ms() -> u64 {
    2000
}

/// `[swarm]`: ranges the seed draws a concrete scenario from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Swarm {
    /// Cluster sizes to pick from.
    pub servers: Vec<usize>,
    /// Drop rates (requests and replies, drawn apart), per 1000: `[lo, hi]`.
    pub drop_per_mille: [u64; 2],
    /// The short-delay maximum: `[lo, hi]`.
    pub max_delay_ms: [u64; 2],
    /// Percent of seeds with long reordering.
    #[serde(default)]
    pub reordering_percent: u64,
    /// Percent of seeds using the snapshot applier.
    #[serde(default)]
    pub snapshot_percent: u64,
    /// Fault kinds the generator may use (names of [`Weights`] fields other
    /// than crash/restart); each gets a weight 0..=3 from the seed.
    pub partition_kinds: Vec<String>,
    /// Crash weight (restart gets the same): `[lo, hi]`.
    pub crash_weight: [u32; 2],
    /// Gap between faults: `[lo, hi]` (both ends drawn inside).
    pub gap_ms: [u64; 2],
}
