//! `--json FILE`, written as the sweep goes: the file is created (and so
//! checked) before the first run, each run is appended and flushed as soon
//! as every run before it in (test, seed) order has finished, and the
//! closing fields (counts, the runs not run, whether it was interrupted)
//! are written at the end, also after SIGINT or SIGTERM. The document has
//! the shape `--json` always had (`filter`, `edition`, `from`, `seeds`,
//! `shard`, `passed`, `failed`, `results`, and `nondeterministic`; a run
//! checked with `--check-determinism` has its `check_hash`, and a
//! nondeterministic one its `nondeterministic` finding), with `results` in (test, seed)
//! order for any `--jobs`; a sweep killed outright (SIGKILL) leaves every
//! run written so far, without the closing fields.

use crate::cli::Usage;
use crate::record::RunRecord;
use crate::summary::Summary;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The fields written before the results.
#[derive(Debug, Serialize)]
pub struct Header<'a> {
    /// The filter typed.
    pub filter: &'a str,
    /// The edition year.
    pub edition: u16,
    /// The first seed of the whole range (before sharding).
    pub from: u64,
    /// Seeds per test in the whole range.
    pub seeds: u64,
    /// `K/N`, if sharded.
    pub shard: Option<String>,
}

/// The fields written after the results.
#[derive(Debug, Serialize)]
pub struct Trailer<'a> {
    /// Runs passed.
    pub passed: u64,
    /// Runs failed.
    pub failed: u64,
    /// Runs whose two executions differed (`--check-determinism`).
    pub nondeterministic: u64,
    /// Runs this file was to hold (this shard's).
    pub runs: u64,
    /// Runs not run (`--fail-fast`, an interrupt).
    pub skipped_runs: u64,
    /// Which, as seed ranges per test.
    pub skipped: &'a [crate::summary::Skipped],
    /// Whether SIGINT or SIGTERM stopped the sweep.
    pub interrupted: bool,
}

/// The `--json` file being written.
pub struct JsonOut {
    path: PathBuf,
    file: BufWriter<File>,
    results: u64,
    error: Option<io::Error>,
}

impl JsonOut {
    /// Creates `path` and writes the header; a usage error if it cannot.
    pub fn create(path: &Path, header: &Header<'_>) -> Result<JsonOut, Usage> {
        let cannot = |e: io::Error| Usage(format!("cannot write {}: {e}", path.display()));
        // Not a file named `-`: stdout is the sweep's table.
        if path == Path::new("-") {
            return Err(Usage(
                "--json -: the table goes to stdout; give --json a file path".into(),
            ));
        }
        let file = File::create(path).map_err(cannot)?;
        let mut out = JsonOut {
            path: path.to_path_buf(),
            file: BufWriter::new(file),
            results: 0,
            error: None,
        };
        let head = serde_json::to_string_pretty(header).expect("a header serialises");
        let head = head.strip_suffix("\n}").expect("an object");
        out.write(&format!("{head},\n  \"results\": ["));
        out.file.flush().map_err(cannot)?;
        Ok(out)
    }

    /// Appends one run, flushed.
    pub fn push(&mut self, record: &RunRecord) {
        let text = serde_json::to_string_pretty(record).expect("a record serialises");
        let mut block = String::with_capacity(text.len() + 64);
        block.push_str(if self.results == 0 { "\n" } else { ",\n" });
        for (k, line) in text.lines().enumerate() {
            if k > 0 {
                block.push('\n');
            }
            block.push_str("    ");
            block.push_str(line);
        }
        self.results += 1;
        self.write(&block);
        self.flush();
    }

    /// Writes the closing fields; the first write error, if any.
    pub fn finish(mut self, summary: &Summary, runs: u64, interrupted: bool) -> Result<(), Usage> {
        let trailer = Trailer {
            passed: summary.passed(),
            failed: summary.failed(),
            nondeterministic: summary.nondeterministic_runs(),
            runs,
            skipped_runs: summary.skipped_runs(),
            skipped: summary.skipped(),
            interrupted,
        };
        let tail = serde_json::to_string_pretty(&trailer).expect("a trailer serialises");
        let tail = tail.strip_prefix("{\n").expect("an object");
        let close = if self.results == 0 { "]" } else { "\n  ]" };
        self.write(&format!("{close},\n{tail}\n"));
        self.flush();
        match self.error {
            None => Ok(()),
            Some(e) => Err(Usage(format!("cannot write {}: {e}", self.path.display()))),
        }
    }

    fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.file.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }

    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.file.flush()
        {
            self.error = Some(e);
        }
    }
}

/// Puts results that finish in any order back in the order they were
/// handed out. It holds only the results that finished ahead of a slower
/// one: at most about (the slowest run's time) x (runs finished per second),
/// whatever the number of seeds.
#[derive(Debug)]
pub struct InOrder<T> {
    next: u64,
    waiting: BTreeMap<u64, Option<T>>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Result `index` (`None`: it has no result, e.g. dropped at an
    /// interrupt); returns the results now in order.
    pub fn put(&mut self, index: u64, item: Option<T>) -> Vec<T> {
        self.waiting.insert(index, item);
        let mut ready = Vec::new();
        while let Some(item) = self.waiting.remove(&self.next) {
            self.next += 1;
            ready.extend(item);
        }
        ready
    }

    /// What is left, in order, gaps skipped (at the end of an interrupted
    /// sweep).
    pub fn drain(&mut self) -> Vec<T> {
        std::mem::take(&mut self.waiting)
            .into_values()
            .flatten()
            .collect()
    }

    /// How many results wait for a slower one.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::SeedRange;
    use crate::record::FailKind;
    use crate::record::testing::record;

    #[test]
    fn results_come_out_in_the_order_handed_out() {
        let mut q = InOrder::default();
        assert!(q.put(1, Some('b')).is_empty());
        assert!(q.put(3, Some('d')).is_empty());
        assert_eq!(q.put(0, Some('a')), ['a', 'b']);
        assert_eq!(q.waiting(), 1);
        assert_eq!(q.put(2, None), ['d']);
        assert!(q.put(5, Some('f')).is_empty());
        assert_eq!(q.drain(), ['f']);
    }

    #[test]
    fn the_document_is_valid_with_the_old_fields_and_the_new() {
        let path = std::env::temp_dir().join(format!("lab-stream-{}.json", std::process::id()));
        let header = Header {
            filter: "3A",
            edition: 2025,
            from: 1,
            seeds: 2,
            shard: Some("1/2".into()),
        };
        let mut out = JsonOut::create(&path, &header).unwrap();
        let mut summary = Summary::default();
        for r in [
            record("TestInitialElection3A", 1, None),
            record("TestInitialElection3A", 2, Some((FailKind::Check, "c", 5))),
        ] {
            out.push(&r);
            summary.add(&r);
            // Valid up to here but for the closing brackets.
            let partial = std::fs::read_to_string(&path).unwrap();
            assert!(serde_json::from_str::<serde_json::Value>(&(partial + "]}")).is_ok());
        }
        summary.skip("TestReElection3A", SeedRange { first: 1, count: 2 });
        out.finish(&summary, 4, true).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["filter"], "3A");
        assert_eq!(doc["shard"], "1/2");
        assert_eq!(
            (doc["passed"].as_u64(), doc["failed"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(doc["results"].as_array().unwrap().len(), 2);
        assert_eq!(doc["results"][1]["failure"]["check"], "c");
        assert_eq!(doc["skipped_runs"], 2);
        assert_eq!(doc["skipped"][0]["test"], "TestReElection3A");
        assert_eq!(doc["interrupted"], true);
        assert_eq!(doc["runs"], 4);
    }

    #[test]
    fn an_unwritable_path_is_a_usage_error_at_once() {
        let header = Header {
            filter: "",
            edition: 2025,
            from: 1,
            seeds: 1,
            shard: None,
        };
        let e = JsonOut::create(Path::new("/nonexistent-dir/x.json"), &header)
            .err()
            .unwrap();
        assert!(
            e.0.starts_with("cannot write /nonexistent-dir/x.json: "),
            "{e}"
        );
    }
}
