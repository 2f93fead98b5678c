//! `[[crash_point]]`: crash a server right after a chosen kind of output,
//! then restart it after a delay (see [`crate::harness::CrashPoint`] for
//! how each output is recognised). The serde type, its checks, and its
//! form in absolute virtual time.

use crate::harness::{CrashPoint as Point, Output};
use labrpc::Time;
use serde::{Deserialize, Serialize};

/// What a crash point waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// The server granted a vote to another.
    Vote,
    /// The server, a follower, acknowledged new entries (or a snapshot).
    Append,
    /// The server became leader.
    Leader,
    /// The server applied committed entries (or a snapshot).
    Apply,
}

/// `[[crash_point]]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashPoint {
    /// vote, append, leader or apply.
    pub after: After,
    /// Chance per 1000 such outputs of a crash (default 1000: every one).
    #[serde(default = "always")]
    pub probability_per_mille: u64,
    /// At most this many crashes from this point (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// The server restarts this long after its crash.
    pub restart_after_ms: u64,
    /// No crash before this time.
    #[serde(default)]
    pub from_ms: u64,
    /// No crash after this time (default: the end of the fault phase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// No crash while this many servers are down (default: a minority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_crashed: Option<usize>,
}

fn always() -> u64 {
    1000
}

/// Checks one crash point of a file of `n` servers: (field, message).
pub fn check(c: &CrashPoint, n: usize, duration_ms: u64) -> Result<(), (&'static str, String)> {
    if !(1..=1000).contains(&c.probability_per_mille) {
        return Err(("probability_per_mille", "must be 1..=1000".into()));
    }
    if c.limit == Some(0) {
        return Err(("limit", "must be positive".into()));
    }
    if c.restart_after_ms == 0 || c.restart_after_ms > 600_000 {
        return Err(("restart_after_ms", "must be 1..=600000".into()));
    }
    if c.from_ms >= duration_ms {
        return Err((
            "from_ms",
            format!("{} is not before duration_ms = {duration_ms}", c.from_ms),
        ));
    }
    if c.until_ms.is_some_and(|u| u < c.from_ms) {
        return Err(("until_ms", "is before from_ms".into()));
    }
    if c.max_crashed.is_some_and(|m| m == 0 || m >= n) {
        return Err(("max_crashed", format!("must be 1..{n} (below servers)")));
    }
    Ok(())
}

/// The harness's crash point for `c` in a cluster of `n` whose fault phase
/// began at `t0` and lasts `duration_ms`.
pub fn to_point(c: &CrashPoint, n: usize, t0: Time, duration_ms: u64) -> Point {
    let until_ms = c.until_ms.unwrap_or(duration_ms).min(duration_ms);
    Point {
        after: match c.after {
            After::Vote => Output::Vote,
            After::Append => Output::Append,
            After::Leader => Output::Leader,
            After::Apply => Output::Apply,
        },
        per_mille: c.probability_per_mille,
        limit: c.limit,
        restart_after_ms: c.restart_after_ms,
        from: t0 + c.from_ms,
        until: t0 + until_ms,
        max_crashed: c.max_crashed.unwrap_or((n - 1) / 2).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse::parse_str;

    const FILE: &str = r#"version = 1
name = "c"
servers = 5
duration_ms = 9000

[[crash_point]]
after = "vote"
probability_per_mille = 250
limit = 3
restart_after_ms = 40
from_ms = 100
until_ms = 8000
max_crashed = 2

[[crash_point]]
after = "append"
restart_after_ms = 500
"#;

    #[test]
    fn crash_points_parse_with_defaults() {
        let s = parse_str("c.toml", FILE, None).unwrap();
        let c: Vec<&CrashPoint> = s.crash_points.iter().map(|c| c.get_ref()).collect();
        assert_eq!(
            *c[0],
            CrashPoint {
                after: After::Vote,
                probability_per_mille: 250,
                limit: Some(3),
                restart_after_ms: 40,
                from_ms: 100,
                until_ms: Some(8000),
                max_crashed: Some(2),
            }
        );
        assert_eq!(
            (c[1].after, c[1].probability_per_mille),
            (After::Append, 1000)
        );
        let p = to_point(c[1], 5, Time(50), 9000);
        assert_eq!((p.from, p.until, p.max_crashed), (Time(50), Time(9050), 2));
        assert_eq!((p.after, p.limit), (Output::Append, None));
    }

    #[test]
    fn bad_crash_points_name_line_and_field() {
        let cases = [
            (
                "after = \"vote\"",
                "after = \"votes\"",
                7,
                "crash_point[0].after",
                "unknown variant",
            ),
            (
                "limit = 3",
                "limit = 0",
                9,
                "crash_point[0].limit",
                "must be positive",
            ),
            (
                "probability_per_mille = 250",
                "probability_per_mille = 1001",
                8,
                "crash_point[0].probability_per_mille",
                "1..=1000",
            ),
            (
                "max_crashed = 2",
                "max_crashed = 5",
                13,
                "crash_point[0].max_crashed",
                "below servers",
            ),
            (
                "restart_after_ms = 500",
                "restart_after_ms = 0",
                17,
                "crash_point[1].restart_after_ms",
                "1..=600000",
            ),
            (
                "from_ms = 100",
                "from_ms = 9000",
                11,
                "crash_point[0].from_ms",
                "not before duration_ms",
            ),
        ];
        for (from, to, line, field, words) in cases {
            let text = FILE.replacen(from, to, 1);
            let e = parse_str("c.toml", &text, None).unwrap_err();
            assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
            assert!(e.message.contains(words), "{e}");
        }
    }
}
