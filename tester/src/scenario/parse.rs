//! Loading a scenario file: TOML into [`Scenario`], then the checks serde
//! cannot make. Every error names the file, the line and the field.

use super::format::{Action, Event, Generator, Profile, Scenario, VERSION};
use super::limits::{self, MAX_FILE_BYTES, MAX_NESTING};
use std::fmt;
use std::io::Read as _;
use std::ops::Range;
use std::path::Path;

/// A scenario file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The field at fault (`event[2].groups`, `servers`, ...).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: field `{}`: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

impl std::error::Error for ScenarioError {}

/// One member of a group in `groups = "leader+1 | 2,3 | rest"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// A server by index.
    Server(usize),
    /// The leader plus this many random followers.
    Leader(usize),
    /// This many random servers not named elsewhere.
    Any(usize),
    /// Everyone not named elsewhere.
    Rest,
}

/// Groups, each a list of members.
pub type Groups = Vec<Vec<Member>>;

/// Reads and checks the file at `path` (at most [`MAX_FILE_BYTES`] read).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let whole = |message: String| ScenarioError {
        file: file.clone(),
        line: 0,
        field: "-".into(),
        message,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| whole(format!("cannot read: {e}")))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).map_or(text.len() as u64, |m| m.len());
        return Err(whole(too_big(size)));
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    parse_str(&file, &text, Some(stem))
}

fn too_big(bytes: u64) -> String {
    format!("{bytes} bytes: a scenario file holds at most {MAX_FILE_BYTES}")
}

/// Parses and checks `text` (from `file`, for messages). With `stem`, the
/// `name` field must equal it.
pub fn parse_str(file: &str, text: &str, stem: Option<&str>) -> Result<Scenario, ScenarioError> {
    let error = |line: usize, field: String, message: String| ScenarioError {
        file: file.into(),
        line,
        field,
        message,
    };
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(error(0, "-".into(), too_big(text.len() as u64)));
    }
    if let Some((at, key, depth)) = limits::too_deep(text) {
        let message = format!("nested {depth} levels deep: at most {MAX_NESTING}");
        return Err(error(line_of(text, at), key, message));
    }
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let Some(span) = e.span() else {
            return error(0, "-".into(), message);
        };
        let names_field =
            message.starts_with("unknown field") || message.starts_with("missing field");
        let key = backticked(&message)
            .filter(|_| names_field)
            .unwrap_or_else(|| key_at(text, span.start));
        let field = match table_at(text, span.start) {
            Some(table) if !key.starts_with('[') => format!("{table}.{key}"),
            _ => key,
        };
        error(line_of(text, span.start), field, message)
    })?;
    let err = |field: String, at: usize, message: String| ScenarioError {
        file: file.into(),
        line: line_of(text, at),
        field,
        message,
    };
    let top = |key: &str| find_key(text, 0, leaf(key));
    if scenario.version != VERSION {
        return Err(err(
            "version".into(),
            top("version"),
            format!(
                "version {} is not supported (expected {VERSION})",
                scenario.version
            ),
        ));
    }
    if let Some(stem) = stem
        && scenario.name != stem
    {
        return Err(err(
            "name".into(),
            top("name"),
            format!(
                "name '{}' differs from the file name '{stem}'",
                scenario.name
            ),
        ));
    }
    check(&scenario).map_err(|(field, span, message)| {
        let at = span.map_or_else(|| top(&field), |s| find_key(text, s.start, leaf(&field)));
        err(field, at, message)
    })?;
    Ok(scenario)
}

/// A check failure: field path, the span of its table (if in an array of
/// tables), message.
type Bad = (String, Option<Range<usize>>, String);

fn check(s: &Scenario) -> Result<(), Bad> {
    let bad = |f: &str, m: String| (f.to_string(), None, m);
    limits::check(s)?;
    if s.duration_ms == 0 {
        return Err(bad("duration_ms", "must be positive".into()));
    }
    if s.liveness_ms == 0 {
        return Err(bad("liveness_ms", "must be positive".into()));
    }
    if s.workload.commands_per_second == 0 || s.workload.commands_per_second > 1000 {
        return Err(bad(
            "workload.commands_per_second",
            "must be 1..=1000".into(),
        ));
    }
    check_network(s)?;
    let n = match (&s.swarm, s.servers) {
        (Some(_), Some(_)) => {
            return Err(bad("servers", "a swarm draws servers: remove it".into()));
        }
        (Some(swarm), None) => {
            super::swarm::check(swarm).map_err(|(f, m)| bad(&format!("swarm.{f}"), m))?;
            *swarm.servers.iter().min().expect("checked non-empty")
        }
        (None, None) => return Err(bad("servers", "missing field `servers`".into())),
        (None, Some(n)) if !(1..=15).contains(&n) => {
            return Err(bad("servers", format!("{n} servers: expected 1..=15")));
        }
        (None, Some(n)) => n,
    };
    for (k, e) in s.events.iter().enumerate() {
        check_event(e.get_ref(), n, s.duration_ms)
            .map_err(|(f, m)| (format!("event[{k}].{f}"), Some(e.span()), m))?;
    }
    for (k, g) in s.generators.iter().enumerate() {
        check_generator(g.get_ref(), n)
            .map_err(|(f, m)| (format!("generator[{k}].{f}"), Some(g.span()), m))?;
    }
    for (k, c) in s.crash_points.iter().enumerate() {
        super::crash_point::check(c.get_ref(), n, s.duration_ms)
            .map_err(|(f, m)| (format!("crash_point[{k}].{f}"), Some(c.span()), m))?;
    }
    Ok(())
}

fn check_network(s: &Scenario) -> Result<(), Bad> {
    let net = &s.network;
    let custom = [
        ("request_drop_per_mille", net.request_drop_per_mille),
        ("reply_drop_per_mille", net.reply_drop_per_mille),
        ("max_delay_ms", net.max_delay_ms),
        ("reorder_per_900", net.reorder_per_900),
        ("reorder_base_ms", net.reorder_base_ms),
        ("reorder_spread_ms", net.reorder_spread_ms),
    ];
    for (name, value) in custom {
        let field = format!("network.{name}");
        let Some(v) = value else { continue };
        if net.profile != Profile::Custom {
            return Err((field, None, "needs profile = \"custom\"".into()));
        }
        let limit = match name {
            "request_drop_per_mille" | "reply_drop_per_mille" => 1000,
            "reorder_per_900" => 900,
            _ => 60_000,
        };
        if v > limit {
            return Err((field, None, format!("{v} is over {limit}")));
        }
        if name == "reorder_spread_ms" && v == 0 {
            return Err((field, None, "must be positive".into()));
        }
    }
    Ok(())
}

type FieldBad = (&'static str, String);

fn check_event(e: &Event, n: usize, duration_ms: u64) -> Result<(), FieldBad> {
    if e.at_ms >= duration_ms {
        return Err((
            "at_ms",
            format!("{} is not before duration_ms = {duration_ms}", e.at_ms),
        ));
    }
    if e.every_ms == Some(0) {
        return Err(("every_ms", "must be positive".into()));
    }
    if e.until_ms.is_some() && e.every_ms.is_none() {
        return Err(("until_ms", "only with every_ms".into()));
    }
    let needs_groups = matches!(e.action, Action::Partition | Action::OneWay | Action::Clog);
    let needs_who = matches!(e.action, Action::Crash | Action::Restart);
    let is_clog = e.action == Action::Clog;
    match (&e.groups, needs_groups) {
        (None, true) => return Err(("groups", "missing for this action".into())),
        (Some(_), false) => return Err(("groups", "not used by this action".into())),
        (Some(g), true) => {
            let groups = parse_groups(g, n).map_err(|m| ("groups", m))?;
            if e.action != Action::Partition && groups.len() != 2 {
                return Err((
                    "groups",
                    "expected exactly two groups: \"from | to\"".into(),
                ));
            }
        }
        (None, false) => {}
    }
    match (&e.who, needs_who) {
        (None, true) => return Err(("who", "missing for this action".into())),
        (Some(_), false) => return Err(("who", "not used by this action".into())),
        (Some(w), true) => check_who(w, e.action, n).map_err(|m| ("who", m))?,
        (None, false) => {}
    }
    for (field, v) in [("delay_ms", e.delay_ms), ("for_ms", e.for_ms)] {
        match (v, is_clog) {
            (None, true) => return Err((field, "missing for clog".into())),
            (Some(_), false) => return Err((field, "only for clog".into())),
            (Some(0), true) => return Err((field, "must be positive".into())),
            _ => {}
        }
    }
    Ok(())
}

fn check_who(who: &str, action: Action, n: usize) -> Result<(), String> {
    match who.trim() {
        "leader" | "follower" | "random" if action == Action::Crash => Ok(()),
        "random" | "all" if action == Action::Restart => Ok(()),
        w => match w.parse::<usize>() {
            Ok(i) if i < n => Ok(()),
            Ok(i) => Err(format!("server {i} out of range (servers 0..{n})")),
            Err(_) => Err(format!(
                "'{w}': expected {} or a server index",
                if action == Action::Crash {
                    "leader, follower, random"
                } else {
                    "random, all"
                }
            )),
        },
    }
}

fn check_generator(g: &Generator, n: usize) -> Result<(), FieldBad> {
    if g.min_gap_ms == 0 {
        return Err(("min_gap_ms", "must be positive".into()));
    }
    if g.max_gap_ms < g.min_gap_ms {
        return Err(("max_gap_ms", "is below min_gap_ms".into()));
    }
    if g.clog_max_delay_ms == 0 || g.clog_max_for_ms == 0 {
        return Err(("clog_max_delay_ms", "clog maxima must be positive".into()));
    }
    if g.max_crashed.is_some_and(|m| m >= n) {
        return Err(("max_crashed", format!("must be below servers ({n})")));
    }
    if g.weights.named().iter().all(|(_, w)| *w == 0) {
        return Err(("weights", "every weight is 0".into()));
    }
    Ok(())
}

/// Parses `"leader+1 | 2,3 | rest"` for a cluster of `n`: at least two
/// groups, none empty; indices in range and named once; one `rest` at most;
/// the leader in one group at most, and not mixed with indices (which server
/// leads is known only when the event fires).
pub fn parse_groups(spec: &str, n: usize) -> Result<Groups, String> {
    let mut groups = Vec::new();
    let mut seen = vec![false; n];
    let (mut leader, mut rest, mut indices, mut counted) = (false, false, false, 0);
    for part in spec.split('|') {
        let mut group = Vec::new();
        for token in part.split([',', ' ']).filter(|t| !t.is_empty()) {
            let member = parse_member(token)?;
            match member {
                Member::Server(i) if i >= n => {
                    return Err(format!("server {i} out of range (servers 0..{n})"));
                }
                Member::Server(i) if seen[i] => {
                    return Err(format!("server {i} is in two groups"));
                }
                Member::Server(i) => {
                    seen[i] = true;
                    indices = true;
                    counted += 1;
                }
                Member::Leader(k) if leader => return Err(format!("'leader+{k}': leader twice")),
                Member::Leader(k) => {
                    leader = true;
                    counted += 1 + k;
                }
                Member::Any(k) => counted += k,
                Member::Rest if rest => return Err("'rest' twice".into()),
                Member::Rest => rest = true,
            }
            group.push(member);
        }
        if group.is_empty() {
            return Err(format!("an empty group in '{spec}'"));
        }
        groups.push(group);
    }
    if groups.len() < 2 {
        return Err(format!(
            "'{spec}': expected at least two groups separated by |"
        ));
    }
    if leader && indices {
        return Err("the leader and server indices in one spec may overlap".into());
    }
    if counted > n {
        return Err(format!("the groups name {counted} servers; there are {n}"));
    }
    Ok(groups)
}

fn parse_member(token: &str) -> Result<Member, String> {
    let count = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("'{token}': bad count"))
    };
    if token == "leader" {
        Ok(Member::Leader(0))
    } else if let Some(k) = token.strip_prefix("leader+") {
        Ok(Member::Leader(count(k)?))
    } else if let Some(k) = token.strip_prefix("any") {
        match count(k)? {
            0 => Err(format!("'{token}': count must be positive")),
            k => Ok(Member::Any(k)),
        }
    } else if token == "rest" {
        Ok(Member::Rest)
    } else {
        token.parse::<usize>().map(Member::Server).map_err(|_| {
            format!("'{token}': expected a server index, leader, leader+K, anyK or rest")
        })
    }
}

/// The 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    1 + text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The byte offset of the first line at or after `from` that sets `key`
/// (`key = ...`), or `from` if none does.
fn find_key(text: &str, from: usize, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if offset <= from {
            continue;
        }
        let t = line.trim_start();
        if let Some(after) = t.strip_prefix(key)
            && after.trim_start().starts_with('=')
        {
            return start;
        }
    }
    from
}

/// The key set on the line of byte `at` (for type errors at a value).
fn key_at(text: &str, at: usize) -> String {
    let line = text[..at.min(text.len())]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .to_string()
        + text[at.min(text.len())..].split('\n').next().unwrap_or("");
    match line.split_once('=') {
        Some((key, _)) => key.trim().to_string(),
        None => line.trim().to_string(),
    }
}

/// The table whose lines hold byte `at`, as a field path: `workload`,
/// `event[2]`, `generator[0].weights`; `None` at the top level.
fn table_at(text: &str, at: usize) -> Option<String> {
    let mut arrays: Vec<(String, usize)> = Vec::new();
    let mut current = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > at {
            break;
        }
        offset += line.len();
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|t| t.split_once("]]")) {
            let name = name.0.trim().to_string();
            let k = match arrays.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => {
                    *count += 1;
                    *count - 1
                }
                None => {
                    arrays.push((name.clone(), 1));
                    0
                }
            };
            current = Some(format!("{name}[{k}]"));
        } else if let Some(name) = t.strip_prefix('[').and_then(|t| t.split_once(']')) {
            let name = name.0.trim();
            // `[generator.weights]` belongs to the last `[[generator]]`.
            let path = match name.split_once('.') {
                Some((head, tail)) => match arrays.iter().find(|(n, _)| n == head) {
                    Some((_, count)) => format!("{head}[{}].{tail}", count - 1),
                    None => name.to_string(),
                },
                None => name.to_string(),
            };
            current = Some(path);
        }
    }
    current
}

/// The first `quoted` word in a serde message (`unknown field \`x\``).
fn backticked(message: &str) -> Option<String> {
    let rest = message.split_once('`')?.1;
    Some(rest.split_once('`')?.0.to_string())
}

/// The last component of a field path.
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}
