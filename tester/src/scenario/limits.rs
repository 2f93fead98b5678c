//! The bounds of a scenario file, checked when it loads, so that a file can
//! neither exhaust the loader (size, nesting) nor make a run so long or busy
//! that it ends as a runaway blamed on the Raft. The numbers are documented
//! in `scenarios/README.md`.

use super::format::Scenario;
use std::ops::Range;

/// Most bytes in a scenario file (the shipped ones are under 2 KB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024;
/// Most levels of nesting: dotted key parts, or arrays and inline tables
/// (the format needs 2).
pub const MAX_NESTING: usize = 8;
/// Most virtual ms of the fault phase (`duration_ms`), and of the liveness
/// phase (`liveness_ms`): 10 minutes each, well inside the run's budget.
pub const MAX_PHASE_MS: u64 = 600_000;
/// Most `[workload]` clients.
pub const MAX_CLIENTS: usize = 16;
/// Most commands per virtual second from all clients together.
pub const MAX_COMMANDS_PER_SECOND: u64 = 1000;
/// Most `[[event]]` tables.
pub const MAX_EVENTS: usize = 1000;
/// Most `[[generator]]` tables.
pub const MAX_GENERATORS: usize = 16;
/// Most faults the events (with their repeats) and the generators (at their
/// shortest gaps) can fire in one run.
pub const MAX_FAULTS: u64 = 200_000;

/// A bound that does not hold: the field, the span of the table at fault
/// (if in an array of tables), the message (the caller adds file and line).
pub type Broken = (String, Option<Range<usize>>, String);

/// The bounds on counts and durations.
pub fn check(s: &Scenario) -> Result<(), Broken> {
    let over = |field: &str, value: u64, max: u64| -> Result<(), Broken> {
        if value > max {
            return Err((
                field.into(),
                None,
                format!("{value} is over the limit of {max}"),
            ));
        }
        Ok(())
    };
    over("duration_ms", s.duration_ms, MAX_PHASE_MS)?;
    over("liveness_ms", s.liveness_ms, MAX_PHASE_MS)?;
    let clients = s.workload.clients as u64;
    over("workload.clients", clients, MAX_CLIENTS as u64)?;
    let rate = clients.saturating_mul(s.workload.commands_per_second);
    if rate > MAX_COMMANDS_PER_SECOND {
        return Err((
            "workload.commands_per_second".into(),
            None,
            format!(
                "{clients} clients x {} commands per second is over the limit of {MAX_COMMANDS_PER_SECOND} in all",
                s.workload.commands_per_second
            ),
        ));
    }
    let too_many = |field: &str, count: usize, max: usize, span: Option<Range<usize>>| {
        (
            field.to_string(),
            span,
            format!("{count} tables: at most {max}"),
        )
    };
    if s.events.len() > MAX_EVENTS {
        let span = s.events[MAX_EVENTS].span();
        return Err(too_many("event", s.events.len(), MAX_EVENTS, Some(span)));
    }
    if s.generators.len() > MAX_GENERATORS {
        let span = s.generators[MAX_GENERATORS].span();
        let count = s.generators.len();
        return Err(too_many("generator", count, MAX_GENERATORS, Some(span)));
    }
    let faults = most_faults(s);
    if faults > MAX_FAULTS {
        let (field, span) = match s.events.first() {
            Some(e) => ("event", Some(e.span())),
            None => ("generator", s.generators.first().map(|g| g.span())),
        };
        return Err((
            field.into(),
            span,
            format!(
                "the events and generators can fire {faults} faults; the limit is {MAX_FAULTS} (fewer repeats, longer gaps)"
            ),
        ));
    }
    Ok(())
}

/// How many faults the events and generators fire at most (zero gaps and
/// periods are refused elsewhere; counted here as 1 ms).
fn most_faults(s: &Scenario) -> u64 {
    let end = s.duration_ms;
    let events: u64 = s
        .events
        .iter()
        .map(|e| {
            let e = e.get_ref();
            match e.every_ms {
                Some(every) => {
                    let until = e.until_ms.unwrap_or(end).min(end);
                    until.saturating_sub(e.at_ms) / every.max(1) + 1
                }
                None => 1,
            }
        })
        .fold(0, u64::saturating_add);
    let generated: u64 = s
        .generators
        .iter()
        .map(|g| {
            let g = g.get_ref();
            let until = g.until_ms.unwrap_or(end).min(end);
            until.saturating_sub(g.from_ms) / g.min_gap_ms.max(1) + 1
        })
        .fold(0, u64::saturating_add);
    events.saturating_add(generated)
}

/// Where the text nests deeper than [`MAX_NESTING`]: the byte offset of
/// the line, the key (or `-`), the depth. Checked before the TOML parser
/// runs (it recurses per level). A small lexer: strings and comments are
/// skipped; a key's depth is its parts (`a.b.c` is 3) plus the arrays and
/// inline tables around it; a value's, the arrays and inline tables open.
pub fn too_deep(text: &str) -> Option<(usize, String, usize)> {
    let b = text.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    let mut expect_key = true;
    let (mut i, mut line_start) = (0, 0);
    while i < b.len() {
        let c = b[i];
        let mut depth = open.len();
        match c {
            b'\n' => {
                line_start = i + 1;
                expect_key |= open.is_empty();
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => i = end_of_line(b, i),
            _ if expect_key => {
                // A key, or a `[table]` header at the start of a line.
                let header = c == b'[' && open.is_empty();
                let (end, parts) = read_key(b, i, if header { b']' } else { b'=' });
                depth += parts;
                expect_key = false;
                i = if header { end_of_line(b, end) } else { end };
            }
            b'"' | b'\'' => i = skip_string(b, i),
            b'[' | b'{' => {
                open.push(c);
                depth += 1;
                expect_key = c == b'{';
                i += 1;
            }
            b']' | b'}' => {
                open.pop();
                i += 1;
            }
            b',' => {
                expect_key = open.last() == Some(&b'{');
                i += 1;
            }
            _ => i += 1,
        }
        if depth > MAX_NESTING {
            let line = text[line_start..].lines().next().unwrap_or("");
            let key = line.split('=').next().unwrap_or("").trim();
            let key = crate::registry::clip(if key.is_empty() { "-" } else { key }, 40);
            return Some((line_start, key, depth));
        }
    }
    None
}

/// Reads a key (or header) from `i` up to `end` (or a line's end); returns
/// where it stopped and its number of dotted parts.
fn read_key(b: &[u8], i: usize, end: u8) -> (usize, usize) {
    let (mut j, mut parts) = (i, 1);
    while j < b.len() {
        match b[j] {
            b'"' | b'\'' => {
                j = skip_string(b, j);
                continue;
            }
            b'.' => parts += 1,
            b'\n' | b'}' | b',' => break,
            x if x == end => break,
            _ => {}
        }
        j += 1;
    }
    (j, parts)
}

/// The index of the newline ending the line of `i` (or the text's end).
fn end_of_line(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&x| x == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// The index just past the string (basic, literal or multi-line) at `i`.
fn skip_string(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let triple = b[i..].starts_with(&[quote; 3]);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        if b[j] == b'\\' && quote == b'"' {
            j += 2;
            continue;
        }
        if b[j] == b'\n' && !triple {
            return j; // unterminated: the parser will say so
        }
        if b[j] == quote && (!triple || b[j..].starts_with(&[quote; 3])) {
            return j + if triple { 3 } else { 1 };
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_key_parts_and_brackets_not_strings_or_floats() {
        let fine = "a.b = 1\n[generator.weights]\nx = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]\ns = \"a.b.c.d.e.f.g.h.i.j\" # c.d.e.f.g.h.i.j.k\n";
        assert_eq!(too_deep(fine), None);
        let dotted = format!("x = 1\n{} = 1\n", vec!["a"; 50_000].join("."));
        let (at, key, depth) = too_deep(&dotted).unwrap();
        assert_eq!((at, depth), (6, 50_000));
        assert!(key.starts_with("a.a.a"), "{key}");
        let arrays = format!("x = {}1{}\n", "[".repeat(20), "]".repeat(20));
        assert_eq!(too_deep(&arrays), Some((0, "x".into(), MAX_NESTING + 1)));
        let header = format!("[{}]\n", vec!["t"; 20].join("."));
        assert_eq!(too_deep(&header).map(|t| t.2), Some(20));
        let inline = format!("x = {}1{}\n", "{a = ".repeat(10), "}".repeat(10));
        assert!(too_deep(&inline).is_some());
    }
}
