//! Printing a replay: one line per event (time, who, topic, message), or one
//! column per server as the course's pretty-printing scripts do. Tester
//! events and network drops span the full width. Pure functions of the
//! collected events, so the output depends on the seed only.

use super::{Source, TraceEvent};
use crate::record::replay_command;
use std::fmt::Write as _;
use tester::Outcome;
use tester::seeds::show_seed;

/// How to print.
#[derive(Clone, Debug)]
pub struct Style {
    /// One column per server.
    pub columns: bool,
    /// ANSI colours (on a terminal only).
    pub colour: bool,
    /// Servers in the test.
    pub servers: usize,
    /// Only these topics (empty: all).
    pub only: Vec<String>,
    /// Only this server's events (and the tester's).
    pub server: Option<usize>,
}

/// Width of the time column, `  12.345s`.
const TIME_WIDTH: usize = 9;
/// Total width a column layout aims at.
const LINE_WIDTH: usize = 150;
/// Narrowest column.
const MIN_COLUMN: usize = 20;

/// The first lines: what is replayed.
pub fn header(outcome: &Outcome, raft: Option<&str>) -> String {
    let raft = raft.map_or(String::new(), |r| format!(" raft={r}"));
    format!(
        "replay {} seed={} edition={}{raft}\n",
        outcome.test,
        show_seed(outcome.seed),
        outcome.edition
    )
}

/// The last lines: the course's lines, then the failure report or "passed".
pub fn footer(outcome: &Outcome, raft: Option<&str>) -> String {
    let mut out = String::new();
    for line in &outcome.lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "end at {} virtual, {} events, trace hash {:#018x}",
        fmt_time(outcome.virtual_ms).trim_start(),
        outcome.events,
        outcome.trace_hash
    );
    match outcome.report() {
        Some(report) => {
            let lab = replay_command(
                outcome.test,
                outcome.seed,
                outcome.edition,
                raft,
                outcome.strict,
            );
            let _ = writeln!(out, "{report}\n  or: {lab}");
        }
        None => out.push_str("PASSED\n"),
    }
    out
}

/// Every kept event, in the order they happened.
pub fn events(events: &[TraceEvent], style: &Style) -> String {
    let width = column_width(style.servers);
    let mut out = String::new();
    if style.columns {
        out.push_str(&column_header(style.servers, width));
    }
    for e in events.iter().filter(|e| keep(e, style)) {
        let line = match (style.columns, e.node) {
            (true, Some(node)) => column_line(e, node, width),
            (false, Some(node)) => {
                format!("{} S{node:<3} {:<8} {}", fmt_time(e.t), e.topic, e.message)
            }
            (_, None) => wide_line(e),
        };
        out.push_str(&paint(&line, &e.topic, e.source, style.colour));
        out.push('\n');
    }
    out
}

fn keep(e: &TraceEvent, style: &Style) -> bool {
    let topic_ok = style.only.is_empty() || style.only.contains(&e.topic);
    let server_ok = match style.server {
        None => true,
        Some(i) => e.node == Some(i) || e.source == Source::Tester,
    };
    topic_ok && server_ok
}

/// `12.345s`, right-aligned in the time column.
fn fmt_time(ms: u64) -> String {
    format!(
        "{:>width$}",
        format!("{}.{:03}s", ms / 1000, ms % 1000),
        width = TIME_WIDTH
    )
}

fn column_width(servers: usize) -> usize {
    ((LINE_WIDTH - TIME_WIDTH) / servers.max(1)).max(MIN_COLUMN)
}

fn column_header(servers: usize, width: usize) -> String {
    let mut line = format!("{:>TIME_WIDTH$}", "time");
    for i in 0..servers {
        let _ = write!(line, " {:<w$}", format!("S{i}"), w = width - 1);
    }
    format!("{}\n", line.trim_end())
}

/// The event in its server's column, wrapped onto more lines if long.
fn column_line(e: &TraceEvent, node: usize, width: usize) -> String {
    let text = format!("{}: {}", e.topic, e.message);
    let indent = " ".repeat(node * width);
    let mut lines = Vec::new();
    for (k, chunk) in wrap(&text, width - 1).into_iter().enumerate() {
        let time = if k == 0 {
            fmt_time(e.t)
        } else {
            " ".repeat(TIME_WIDTH)
        };
        lines.push(format!("{time} {indent}{chunk}"));
    }
    lines.join("\n")
}

/// A tester event or a drop, across the full width.
fn wide_line(e: &TraceEvent) -> String {
    match e.source {
        Source::Tester => format!("{} ---- {}: {} ----", fmt_time(e.t), e.topic, e.message),
        _ => format!("{} net  {:<8} {}", fmt_time(e.t), e.topic, e.message),
    }
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

/// ANSI colour by topic, when on a terminal.
fn paint(line: &str, topic: &str, source: Source, colour: bool) -> String {
    if !colour {
        return line.to_string();
    }
    let code = match (source, topic) {
        (Source::Tester, "failure") => "1;31",
        (Source::Tester, _) => "1",
        (Source::Net, _) => "2;31",
        (_, "vote") => "33",
        (_, "append") => "36",
        (_, "commit") => "32",
        (_, "persist") => "35",
        (_, "snapshot") => "34",
        (_, "timer") => "90",
        (_, "term") => "93",
        (_, "leader") => "1;32",
        (_, "apply") => "92",
        _ => "0",
    };
    format!("\x1b[{code}m{line}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_width() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    }

    #[test]
    fn columns_place_events_under_their_server() {
        let e = TraceEvent {
            t: 1234,
            node: Some(1),
            topic: "vote".into(),
            message: "granted".into(),
            source: Source::Raft,
        };
        let line = column_line(&e, 1, 20);
        assert_eq!(line, format!("   1.234s {}vote: granted", " ".repeat(20)));
    }
}
