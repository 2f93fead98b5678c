//! `lab merge a.json b.json ...`: the `--json` files of a sweep's shards
//! (a CI matrix) combined into one table, failure groups, closing line and
//! exit code, as if one sweep had run them all. Each file is read as a
//! stream, run by run, into one [`Summary`], so memory does not grow with
//! the number of runs.
//!
//! The files must agree on the edition; sharded files must be the shards
//! `1/N..N/N` of one sweep (same filter, `--from`, `--seeds`), each once.
//! A file cut short by an interrupt makes the merge exit 130, after the
//! table, as the interrupted sweep did.

use crate::cli::{MergeArgs, Usage};
use crate::jobs::SeedRange;
use crate::out;
use crate::record::RunRecord;
use crate::report::{self, Exit};
use crate::summary::{Skipped, Summary};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::BufReader;
use std::path::Path;

/// The fields of a `--json` file other than its results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepMeta {
    /// The filter.
    pub filter: String,
    /// The edition year.
    pub edition: u16,
    /// The first seed of the whole range.
    pub from: u64,
    /// Seeds per test of the whole range.
    pub seeds: u64,
    /// `K/N`, if sharded.
    pub shard: Option<String>,
    /// Runs the file was to hold (absent in files of older versions).
    pub runs: Option<u64>,
    /// Whether the sweep was interrupted.
    pub interrupted: bool,
    /// Runs not run.
    pub skipped: Vec<Skipped>,
    /// Runs read.
    pub results: u64,
}

/// `lab merge`.
pub fn main(args: &MergeArgs) -> Result<Exit, Usage> {
    let mut summary = Summary::default();
    let mut metas = Vec::new();
    for path in &args.files {
        let meta = read(path, &mut summary)?;
        for s in &meta.skipped {
            let seeds = SeedRange {
                first: s.from,
                count: s.count,
            };
            summary.skip(&s.test, seeds);
        }
        metas.push((path.display().to_string(), meta));
    }
    check(&metas)?;
    out::line(heading(&metas));
    out::line("");
    out::print(report::table(&summary));
    let groups = report::failure_groups(&summary);
    if !groups.is_empty() {
        out::line("\nfailures by signature (fastest-failing seed first):");
        out::print(groups);
    }
    let nondeterministic = report::nondeterministic_list(&summary);
    if !nondeterministic.is_empty() {
        out::line(
            "\nnondeterministic runs (two runs of one seed differed; not failures of the Raft's logic):",
        );
        out::print(nondeterministic);
    }
    let skipped = report::skipped_list(&summary);
    if !skipped.is_empty() {
        out::line("\nnot run:");
        out::print(skipped);
    }
    let mut interrupted = false;
    for (file, meta) in metas.iter().filter(|(_, m)| m.interrupted) {
        interrupted = true;
        let planned = meta.runs.map_or("?".into(), |r| r.to_string());
        out::line(format!(
            "{file}: interrupted after {} of {planned} runs",
            meta.results
        ));
    }
    out::line(report::totals_line(&summary));
    Ok(if interrupted {
        Exit::Interrupted
    } else {
        report::exit_code(&summary)
    })
}

/// `merged 4 files: shards 1/4..4/4 of "3C", edition 2026`.
fn heading(metas: &[(String, SweepMeta)]) -> String {
    let first = &metas[0].1;
    let what = match &first.shard {
        Some(s) => format!(
            "shards 1/{0}..{0}/{0} of",
            s.split('/').nth(1).unwrap_or("?")
        ),
        None => "sweeps of".into(),
    };
    format!(
        "merged {} files: {what} \"{}\", edition {}",
        metas.len(),
        tester::registry::clip(&first.filter, 40),
        first.edition
    )
}

/// The files belong together: one edition; shards of one sweep, each once.
pub fn check(metas: &[(String, SweepMeta)]) -> Result<(), Usage> {
    let (first_file, first) = &metas[0];
    for (file, m) in metas {
        if m.edition != first.edition {
            return Err(Usage(format!(
                "{file} is edition {}, {first_file} edition {}: merge one edition at a time",
                m.edition, first.edition
            )));
        }
    }
    let sharded = metas.iter().filter(|(_, m)| m.shard.is_some()).count();
    if sharded == 0 {
        return Ok(());
    }
    if sharded != metas.len() {
        return Err(Usage(
            "some files are shards and some are not: merge the shards of one sweep".into(),
        ));
    }
    let shard_of = |file: &str, m: &SweepMeta| {
        let shard = m.shard.as_deref().unwrap_or("");
        shard
            .split_once('/')
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)))
            .ok_or_else(|| Usage(format!("{file}: bad shard '{shard}'")))
    };
    let (_, count) = shard_of(first_file, first)?;
    let mut seen: Vec<(u64, &str)> = Vec::new();
    for (file, m) in metas {
        let (k, n) = shard_of(file, m)?;
        let shard = format!("{k}/{n}");
        if (m.filter.as_str(), m.from, m.seeds, n)
            != (first.filter.as_str(), first.from, first.seeds, count)
        {
            return Err(Usage(format!(
                "{file} is shard {shard} of another sweep than {first_file} (filter, --from, --seeds and N must agree)"
            )));
        }
        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == k) {
            return Err(Usage(format!("{file} and {other} are both shard {shard}")));
        }
        seen.push((k, file.as_str()));
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.iter().any(|(s, _)| s == k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Usage(format!("missing shard {}", missing.join(", "))));
    }
    Ok(())
}

/// Reads one `--json` file: every result into `summary`, the rest returned.
pub fn read(path: &Path, summary: &mut Summary) -> Result<SweepMeta, Usage> {
    let bad = |e: String| Usage(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut json = serde_json::Deserializer::from_reader(BufReader::new(file));
    let meta = de::Deserializer::deserialize_map(&mut json, Document { summary })
        .map_err(|e| bad(format!("not a lab sweep --json file: {e}")))?;
    json.end()
        .map_err(|e| bad(format!("not a lab sweep --json file: {e}")))?;
    Ok(meta)
}

/// Visits a `--json` document, feeding its results to a summary.
struct Document<'a> {
    summary: &'a mut Summary,
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = SweepMeta;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the object `lab sweep --json` writes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SweepMeta, A::Error> {
        let mut meta = SweepMeta::default();
        let mut has_results = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "filter" => meta.filter = map.next_value()?,
                "edition" => meta.edition = map.next_value()?,
                "from" => meta.from = map.next_value()?,
                "seeds" => meta.seeds = map.next_value()?,
                "shard" => meta.shard = map.next_value()?,
                "runs" => meta.runs = Some(map.next_value()?),
                "interrupted" => meta.interrupted = map.next_value()?,
                "skipped" => meta.skipped = map.next_value()?,
                "results" => {
                    has_results = true;
                    meta.results = map.next_value_seed(Results {
                        summary: &mut *self.summary,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !has_results {
            return Err(de::Error::missing_field("results"));
        }
        Ok(meta)
    }
}

/// The `results` array, each run counted as it is read; returns how many.
struct Results<'a> {
    summary: &'a mut Summary,
}

impl<'de> DeserializeSeed<'de> for Results<'_> {
    type Value = u64;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Results<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of runs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut count = 0;
        while let Some(record) = seq.next_element::<RunRecord>()? {
            self.summary.add(&record);
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(shard: Option<&str>, edition: u16) -> (String, SweepMeta) {
        let m = SweepMeta {
            filter: "3A".into(),
            edition,
            from: 1,
            seeds: 10,
            shard: shard.map(String::from),
            ..SweepMeta::default()
        };
        (
            format!("{}.json", shard.unwrap_or("all").replace('/', "-")),
            m,
        )
    }

    #[test]
    fn shards_must_be_one_sweeps_each_once() {
        let ok = [meta(Some("1/2"), 2025), meta(Some("2/2"), 2025)];
        assert_eq!(check(&ok), Ok(()));
        assert_eq!(check(&[meta(None, 2025), meta(None, 2025)]), Ok(()));
        let e = check(&[meta(Some("1/3"), 2025), meta(Some("3/3"), 2025)]).unwrap_err();
        assert_eq!(e.0, "missing shard 2/3");
        let e = check(&[meta(Some("1/2"), 2025), meta(Some("1/2"), 2025)]).unwrap_err();
        assert!(e.0.ends_with("are both shard 1/2"), "{e}");
        let e = check(&[meta(Some("1/2"), 2025), meta(Some("2/2"), 2024)]).unwrap_err();
        assert!(e.0.contains("edition 2024"), "{e}");
        let mut other = meta(Some("2/2"), 2025);
        other.1.seeds = 11;
        let e = check(&[meta(Some("1/2"), 2025), other]).unwrap_err();
        assert!(e.0.contains("another sweep"), "{e}");
        let e = check(&[meta(Some("1/2"), 2025), meta(Some("2/3"), 2025)]).unwrap_err();
        assert!(e.0.contains("another sweep"), "{e}");
        let e = check(&[meta(Some("1/2"), 2025), meta(None, 2025)]).unwrap_err();
        assert!(e.0.starts_with("some files are shards"), "{e}");
    }
}
