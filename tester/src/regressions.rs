//! Pinned regression seeds: `scenarios/regressions.txt` lists (test, seed,
//! edition) triples that once exposed a real bug; `cargo test` replays them.
//!
//! Format: one entry per line, `TestName SEED EDITION  # why`, where SEED is
//! decimal or 0x-hex and EDITION is 2024, 2025 or 2026. Blank lines and lines
//! starting with `#` are ignored.

use crate::edition::Edition;
use crate::registry::{TestDef, find};
use crate::seeds::parse_seed;
use std::fmt;

/// One pinned run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The test.
    pub test: &'static TestDef,
    /// The seed.
    pub seed: u64,
    /// The edition.
    pub edition: Edition,
    /// The line it came from (1-based).
    pub line: usize,
}

/// A line that is not a valid entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Parses the file's text.
pub fn parse(text: &str) -> Result<Vec<Pinned>, BadLine> {
    let mut out = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let fields: Vec<&str> = content.split_whitespace().collect();
        let bad = |reason: String| BadLine { line, reason };
        let [name, seed, edition] = fields[..] else {
            return Err(bad(format!(
                "expected 'TestName SEED EDITION', got {} fields",
                fields.len()
            )));
        };
        let test = find(name).ok_or_else(|| bad(format!("unknown test '{name}'")))?;
        let seed = parse_seed(seed).map_err(|e| bad(e.to_string()))?;
        let edition = edition
            .parse()
            .map_err(|e: crate::edition::UnknownEdition| bad(e.to_string()))?;
        out.push(Pinned {
            test,
            seed,
            edition,
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_with_comments_and_blank_lines() {
        let text = "# header\n\nTestBackup3B 0x2a 2024  # a reason\nTestCount2B 7 2025\n";
        let v = parse(text).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].test.name, v[0].seed, v[0].edition, v[0].line),
            ("TestBackup3B", 42, Edition::Y2024, 3)
        );
        assert_eq!(
            (v[1].test.name, v[1].seed),
            ("TestCount3B", 7),
            "2B is an alias of 3B"
        );
    }

    #[test]
    fn bad_lines_name_the_line_and_the_field() {
        assert_eq!(
            parse("TestNope 1 2025").unwrap_err().to_string(),
            "line 1: unknown test 'TestNope'"
        );
        assert!(
            parse("\nTestBackup3B x 2025")
                .unwrap_err()
                .to_string()
                .starts_with("line 2: bad seed 'x'")
        );
        assert!(
            parse("TestBackup3B 1 1999")
                .unwrap_err()
                .to_string()
                .contains("unknown edition '1999'")
        );
        assert!(
            parse("TestBackup3B 1")
                .unwrap_err()
                .to_string()
                .contains("got 2 fields")
        );
    }
}
