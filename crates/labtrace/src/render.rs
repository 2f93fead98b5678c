//! Printing collected events as text: one line per event (time, server,
//! topic, text), or one column per server as the course's pretty-printing
//! scripts do. The tester's markers and the course's lines span the full
//! width. Pure functions of the events and the [`Style`], so the output
//! depends on the seed only.
//!
//! The lab's own events are described from their fields (see
//! [`describe`]); every other event prints its message, then its fields as
//! `key=value`.

use crate::event::{Event, Source};
use crate::vocab::{field, topic};
use std::fmt::Write as _;

/// How to print.
#[derive(Clone, Debug)]
pub struct Style {
    /// One column per server.
    pub columns: bool,
    /// ANSI colours.
    pub colour: bool,
    /// Servers in the test.
    pub servers: usize,
    /// Total line width the column layout fills.
    pub width: usize,
    /// Only these topics, and the tester's markers (empty: all).
    pub only: Vec<String>,
    /// Never these topics (markers included).
    pub hide: Vec<String>,
    /// Only this server's events (and the tester's markers); in columns,
    /// only its column.
    pub server: Option<usize>,
}

impl Style {
    /// Plain lines, every event, `servers` servers, the default width.
    pub fn lines(servers: usize) -> Style {
        Style {
            columns: false,
            colour: false,
            servers,
            width: DEFAULT_WIDTH,
            only: Vec::new(),
            hide: Vec::new(),
            server: None,
        }
    }
}

/// Width of the time column, `  12.345s`.
pub const TIME_WIDTH: usize = 9;
/// The width used when the terminal's is unknown.
pub const DEFAULT_WIDTH: usize = 150;
/// Narrowest column.
const MIN_COLUMN: usize = 20;

/// Every kept event, in the order they happened.
pub fn render(events: &[Event], style: &Style) -> String {
    let columns: Vec<usize> = match style.server {
        Some(i) => vec![i],
        None => (0..style.servers).collect(),
    };
    let width = column_width(style.width, columns.len());
    let mut out = String::new();
    if style.columns {
        out.push_str(&column_header(&columns, width));
    }
    for e in events.iter().filter(|e| keep(e, style)) {
        let column = e.server.and_then(|s| columns.iter().position(|&c| c == s));
        let line = match (style.columns, column) {
            _ if e.is_marker() || e.source == Source::Net => wide_line(e),
            (true, Some(k)) => column_line(e, k, width),
            _ => plain_line(e),
        };
        out.push_str(&paint(&line, e, style.colour));
        out.push('\n');
    }
    out
}

/// Whether `style` shows `e`.
pub fn keep(e: &Event, style: &Style) -> bool {
    if style.hide.iter().any(|h| e.has_topic(h)) {
        return false;
    }
    if e.is_marker() {
        return true;
    }
    let server_ok = style.server.is_none() || e.server == style.server;
    let topic_ok = style.only.is_empty() || style.only.iter().any(|o| e.has_topic(o));
    server_ok && topic_ok
}

/// `12.345s`, right-aligned in the time column.
pub fn fmt_time(ms: u64) -> String {
    format!(
        "{:>width$}",
        format!("{}.{:03}s", ms / 1000, ms % 1000),
        width = TIME_WIDTH
    )
}

/// The event's text, without time and server: the lab's events from their
/// fields, any other from its message and fields.
pub fn describe(e: &Event) -> String {
    let f = |name: &str| e.text(name).unwrap_or_default();
    let s = |name: &str| e.text(name).map_or_else(String::new, |v| format!("S{v}"));
    if e.source == Source::Raft || e.source == Source::Net {
        return generic(e);
    }
    match e.topic() {
        topic::SEND => format!(
            "-> {} #{} {}",
            s(field::PEER),
            f(field::CALL),
            f(field::REQUEST)
        ),
        topic::RECV => format!(
            "<- {} #{} {}",
            s(field::PEER),
            f(field::CALL),
            f(field::REQUEST)
        ),
        topic::REPLY => format!(
            "<= {} #{} {} ({} ms)",
            s(field::PEER),
            f(field::CALL),
            f(field::REPLY),
            f(field::WAITED_MS)
        ),
        topic::FAIL => format!(
            "#{} {} to {} failed: {} ({} ms)",
            f(field::CALL),
            f(field::KIND),
            s(field::PEER),
            f(field::REASON),
            f(field::WAITED_MS)
        ),
        topic::PERSIST => format!(
            "persisted {} B state, {} B snapshot",
            f(field::RAFT_STATE_BYTES),
            f(field::SNAPSHOT_BYTES)
        ),
        topic::APPLY if e.field(field::SNAPSHOT).is_some() => format!(
            "applied snapshot through {} (term {}, {} B)",
            f(field::INDEX),
            f(field::TERM),
            f(field::SNAPSHOT_BYTES)
        ),
        topic::APPLY => format!("applied {}: {}", f(field::INDEX), f(field::COMMAND)),
        topic::ROLE => change(e, "", field::ROLE),
        topic::TERM => describe_term(e),
        topic::COMMIT => change(e, "commit ", field::COMMIT_INDEX),
        topic::LOG => describe_log(e),
        topic::COURSE => f(field::LINE),
        topic::CONNECT | topic::DISCONNECT => {
            let links = f(field::LINKS);
            let groups = link_groups(&links).unwrap_or_else(|| describe_links(&links));
            format!(
                "{} S{}; {groups}",
                e.topic(),
                e.server.map_or(String::new(), |s| s.to_string())
            )
        }
        topic::CRASH => format!(
            "crash S{}",
            e.server.map_or(String::new(), |s| s.to_string())
        ),
        topic::RESTART => format!(
            "start S{} (incarnation {})",
            e.server.map_or(String::new(), |s| s.to_string()),
            f(field::INCARNATION)
        ),
        topic::PARTITION => {
            let links = f(field::LINKS);
            link_groups(&links).unwrap_or_else(|| describe_links(&links))
        }
        topic::NETWORK => describe_network(e),
        topic::START => describe_start(e),
        // Its fields (`server`, `term` of a leader found) are in the words.
        topic::CHECK => e.message.clone(),
        topic::FAILURE => format!("Fatal: {} [{}]", e.message, f(field::CHECK)),
        _ => generic(e),
    }
}

/// `{what}{was} -> {now}`, or `{what}{now}` when nothing was reported before.
fn change(e: &Event, what: &str, now: &str) -> String {
    let now = e.text(now).unwrap_or_default();
    match e.text(field::WAS) {
        Some(was) => format!("{what}{was} -> {now}"),
        None => format!("{what}{now}"),
    }
}

fn describe_term(e: &Event) -> String {
    let mut text = change(e, "term ", field::TERM);
    if e.text(field::WAS) == e.text(field::TERM) {
        text = format!("term {}", e.text(field::TERM).unwrap_or_default());
    }
    if let Some(v) = e.u64(field::VOTED_FOR) {
        let _ = write!(text, ", voted for S{v}");
    }
    text
}

fn describe_log(e: &Event) -> String {
    let mut text = change(e, "last log ", field::LAST_LOG_INDEX);
    if let Some(snap) = e.u64(field::SNAPSHOT_INDEX).filter(|&s| s > 0) {
        let _ = write!(text, " (snapshot through {snap})");
    }
    text
}

/// The groups a `links` matrix makes, when it is a clean partition (every
/// link inside a group up both ways, every link across groups cut both
/// ways): `links: {S0} | {S1,S2}`. `None` for any other matrix.
pub fn link_groups(matrix: &str) -> Option<String> {
    let rows: Vec<&[u8]> = matrix.split(' ').map(str::as_bytes).collect();
    let n = rows.len();
    let up = |i: usize, j: usize| rows[i].get(j) == Some(&b'1');
    let mut group_of: Vec<Option<usize>> = vec![None; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let found = (0..i).find(|&j| up(i, j) && up(j, i));
        match found.and_then(|j| group_of[j]) {
            Some(g) => {
                group_of[i] = Some(g);
                groups[g].push(i);
            }
            None => {
                group_of[i] = Some(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    let clean =
        (0..n).all(|i| (0..n).all(|j| i == j || (up(i, j) == (group_of[i] == group_of[j]))));
    if !clean || rows.iter().any(|r| r.len() != n) {
        return None;
    }
    let shown: Vec<String> = groups
        .iter()
        .map(|g| {
            let names: Vec<String> = g.iter().map(|i| format!("S{i}")).collect();
            format!("{{{}}}", names.join(","))
        })
        .collect();
    Some(format!("links: {}", shown.join(" | ")))
}

/// The cut links of a `links` matrix: `S2 -x-> S0 S1; S3 -x-> S4`.
fn describe_links(matrix: &str) -> String {
    let cuts: Vec<String> = matrix
        .split(' ')
        .enumerate()
        .filter_map(|(i, row)| {
            let cut: Vec<String> = row
                .chars()
                .enumerate()
                .filter(|&(j, c)| j != i && c == '0')
                .map(|(j, _)| format!("S{j}"))
                .collect();
            (!cut.is_empty()).then(|| format!("S{i} -x-> {}", cut.join(" ")))
        })
        .collect();
    if cuts.is_empty() {
        "every link up".to_string()
    } else {
        format!("links cut: {}", cuts.join("; "))
    }
}

fn describe_network(e: &Event) -> String {
    let reliable = e.field(field::RELIABLE).map(ToString::to_string);
    let reordering = e.field(field::LONG_REORDERING).map(ToString::to_string);
    format!(
        "network {}{}",
        if reliable.as_deref() == Some("true") {
            "reliable"
        } else {
            "unreliable"
        },
        if reordering.as_deref() == Some("true") {
            ", long reordering"
        } else {
            ""
        }
    )
}

fn describe_start(e: &Event) -> String {
    let server = e.server.map_or(String::new(), |s| s.to_string());
    let command = e.text(field::COMMAND).unwrap_or_default();
    match (e.u64(field::INDEX), e.u64(field::TERM)) {
        (Some(index), Some(term)) => {
            format!("Start({command}) on S{server} -> index {index}, term {term}")
        }
        _ => format!("Start({command}) on S{server} -> not leader"),
    }
}

/// The message, then every field as `key=value`.
fn generic(e: &Event) -> String {
    let mut text = e.message.clone();
    for (k, v) in &e.fields {
        if !text.is_empty() {
            text.push(' ');
        }
        let _ = write!(text, "{k}={v}");
    }
    text
}

/// The label of an event: its topic, else its target.
fn label(e: &Event) -> &str {
    e.topic.as_deref().unwrap_or(&e.target)
}

fn plain_line(e: &Event) -> String {
    let server = e.server.map_or(String::new(), |s| format!("S{s}"));
    format!(
        "{} {server:<4} {:<8} {}",
        fmt_time(e.t),
        label(e),
        describe(e)
    )
}

/// A marker, a course line or a network event, across the full width.
fn wide_line(e: &Event) -> String {
    match (e.source, e.topic()) {
        (Source::Tester, topic::COURSE) => format!("{} {}", fmt_time(e.t), describe(e)),
        (Source::Tester, name) => format!("{} ---- {name}: {} ----", fmt_time(e.t), describe(e)),
        _ => format!("{} net  {:<8} {}", fmt_time(e.t), label(e), describe(e)),
    }
}

fn column_width(width: usize, columns: usize) -> usize {
    (width.saturating_sub(TIME_WIDTH) / columns.max(1)).max(MIN_COLUMN)
}

fn column_header(columns: &[usize], width: usize) -> String {
    let mut line = format!("{:>TIME_WIDTH$}", "time");
    for i in columns {
        let _ = write!(line, " {:<w$}", format!("S{i}"), w = width - 1);
    }
    format!("{}\n", line.trim_end())
}

/// The event in column `k`, wrapped onto more lines if long.
fn column_line(e: &Event, k: usize, width: usize) -> String {
    let text = format!("{}: {}", label(e), describe(e));
    let indent = " ".repeat(k * width);
    let mut lines = Vec::new();
    for (n, chunk) in wrap(&text, width - 1).into_iter().enumerate() {
        let time = if n == 0 {
            fmt_time(e.t)
        } else {
            " ".repeat(TIME_WIDTH)
        };
        lines.push(format!("{time} {indent}{chunk}"));
    }
    lines.join("\n")
}

/// Splits `text` into pieces of at most `width` characters, at spaces where
/// possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("one line");
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            lines.push(String::new());
        }
        let current = lines.last_mut().expect("one line");
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines
        .into_iter()
        .flat_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars
                .chunks(width.max(1))
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// ANSI colour by source and topic.
fn paint(line: &str, e: &Event, colour: bool) -> String {
    if !colour {
        return line.to_string();
    }
    let code = match (e.source, e.topic()) {
        (Source::Tester, topic::FAILURE | topic::ORACLE) => "1;31",
        (Source::Tester, _) => "1",
        (Source::Net, _) | (_, topic::FAIL) => "2;31",
        (_, topic::SEND | topic::RECV | topic::REPLY) => "2",
        (_, topic::VOTE) => "33",
        (_, topic::APPEND) => "36",
        (_, topic::COMMIT) => "32",
        (_, topic::PERSIST) => "35",
        (_, topic::SNAPSHOT) => "34",
        (_, topic::TIMER) => "90",
        (_, topic::TERM) => "93",
        (_, topic::LEADER | topic::ROLE) => "1;32",
        (_, topic::APPLY) => "92",
        _ => "0",
    };
    format!("\x1b[{code}m{line}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Value;

    fn event(
        source: Source,
        topic: &str,
        server: Option<usize>,
        fields: &[(&'static str, Value)],
    ) -> Event {
        Event {
            t: 1234,
            server,
            incarnation: None,
            input: None,
            target: "x".into(),
            level: tracing::Level::INFO,
            topic: (!topic.is_empty()).then(|| topic.to_string()),
            message: String::new(),
            fields: fields.to_vec(),
            source,
        }
    }

    #[test]
    fn wrap_keeps_words_and_width() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    }

    #[test]
    fn columns_place_events_under_their_server() {
        let mut e = event(Source::Raft, "vote", Some(1), &[]);
        e.message = "granted".into();
        let line = column_line(&e, 1, 20);
        assert_eq!(line, format!("   1.234s {}vote: granted", " ".repeat(20)));
    }

    #[test]
    fn lab_events_are_described_from_their_fields() {
        let send = event(
            Source::Lab,
            "send",
            Some(0),
            &[
                ("peer", Value::U64(2)),
                ("call", Value::U64(7)),
                ("request", Value::Str("Vote(..)".into())),
            ],
        );
        assert_eq!(
            plain_line(&send),
            "   1.234s S0   send     -> S2 #7 Vote(..)"
        );
        let crash = event(Source::Tester, "crash", Some(1), &[]);
        assert_eq!(wide_line(&crash), "   1.234s ---- crash: crash S1 ----");
        let links = [("links", Value::Str("100 011 011".into()))];
        let cut = event(Source::Tester, "disconnect", Some(0), &links);
        assert_eq!(
            wide_line(&cut),
            "   1.234s ---- disconnect: disconnect S0; links: {S0} | {S1,S2} ----"
        );
        let started = [
            ("command", Value::Str("106".into())),
            ("index", Value::U64(7)),
            ("term", Value::U64(4)),
        ];
        let start = event(Source::Tester, "start", Some(2), &started);
        assert_eq!(describe(&start), "Start(106) on S2 -> index 7, term 4");
        let mut leads = event(Source::Tester, "check", None, &[("term", Value::U64(3))]);
        leads.message = "checkOneLeader: S1 leads (term 3)".into();
        assert_eq!(
            wide_line(&leads),
            "   1.234s ---- check: checkOneLeader: S1 leads (term 3) ----"
        );
        let mut failure = event(
            Source::Tester,
            "failure",
            None,
            &[("check", Value::Str("one".into()))],
        );
        failure.message = "one(5) failed to reach agreement".into();
        assert_eq!(
            describe(&failure),
            "Fatal: one(5) failed to reach agreement [one]"
        );
        let mut raft = event(Source::Raft, "", Some(2), &[("votes", Value::U64(3))]);
        raft.target = "student".into();
        raft.message = "won".into();
        assert_eq!(plain_line(&raft), "   1.234s S2   student  won votes=3");
    }

    #[test]
    fn links_say_which_are_cut() {
        assert_eq!(describe_links("111 111 111"), "every link up");
        assert_eq!(link_groups("111 111 111").unwrap(), "links: {S0,S1,S2}");
        assert_eq!(link_groups("100 011 011").unwrap(), "links: {S0} | {S1,S2}");
        assert_eq!(link_groups("101 010 101").unwrap(), "links: {S0,S2} | {S1}");
        // One-way cuts and non-transitive links are no clean partition.
        assert_eq!(link_groups("110 111 011"), None);
        assert_eq!(link_groups("111 011 111"), None);
        assert_eq!(
            describe_links("110 101 001"),
            "links cut: S0 -x-> S2; S2 -x-> S0 S1"
        );
    }

    #[test]
    fn only_never_hides_markers_but_hide_does() {
        let crash = event(Source::Tester, "crash", Some(1), &[]);
        let send = event(Source::Lab, "send", Some(0), &[]);
        let raft = event(Source::Raft, "", Some(0), &[]);
        let mut style = Style::lines(3);
        style.only = vec!["vote".into()];
        assert!(keep(&crash, &style) && !keep(&send, &style) && !keep(&raft, &style));
        style.only = vec!["raft".into()];
        assert!(keep(&raft, &style));
        style.hide = vec!["crash".into()];
        assert!(!keep(&crash, &style));
        style.server = Some(1);
        assert!(!keep(&raft, &style));
    }
}
