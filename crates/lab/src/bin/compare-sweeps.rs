//! `compare-sweeps BEFORE.json AFTER.json`: the trace-hash contract, checked.
//!
//! Reads two `lab sweep --json` files (a JSON document with `results`, or
//! JSON lines) and compares every run they have in common, keyed by (test,
//! seed, edition): trace hash, event count and verdict must be identical.
//! Prints one summary line and the first differences; exits 0 when the
//! common runs agree, 1 when any differs or none are in common, 2 on bad
//! input. `make compare-sweeps BASELINE=DIR` runs it on both editions.
//!
//! Fields are read by name from untyped JSON, so the check survives new
//! fields in the sweep's records.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// (test, seed, edition): one run.
type Key = (String, u64, Option<u64>);
/// (trace hash, events, passed): what must not move.
type Verdict = (u64, u64, bool);

/// How many differences are printed in full.
const SHOWN: usize = 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [before, after] = args.as_slice() else {
        eprintln!("usage: compare-sweeps BEFORE.json AFTER.json");
        return ExitCode::from(2);
    };
    let (before, after) = match (load(before), load(after)) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("compare-sweeps: {e}");
            return ExitCode::from(2);
        }
    };
    let report = compare(&before, &after);
    println!(
        "{} runs in common ({} before, {} after); {} differ",
        report.common,
        before.len(),
        after.len(),
        report.differ.len()
    );
    for (key, b, a) in report.differ.iter().take(SHOWN) {
        println!("  DIFF {key:?}: {b:?} -> {a:?}  (trace hash, events, passed)");
    }
    if report.common > 0 && report.differ.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The runs of one sweep file, by key.
fn load(path: &str) -> Result<BTreeMap<Key, Verdict>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    parse(&text).map_err(|e| format!("{path}: {e}"))
}

fn parse(text: &str) -> Result<BTreeMap<Key, Verdict>, String> {
    let rows: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut doc)) => match doc.remove("results") {
            Some(Value::Array(rows)) => rows,
            _ => return Err("a JSON document without a results array".into()),
        },
        Ok(Value::Array(rows)) => rows,
        Ok(_) => return Err("neither a sweep document nor an array".into()),
        // JSON lines: one record a line; lines that are not runs are skipped.
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("not JSON nor JSON lines: {e}"))?,
    };
    let mut runs = BTreeMap::new();
    for row in rows.iter().filter(|r| r.get("test").is_some()) {
        let field = |name: &str| row.get(name).ok_or(format!("a run without {name}: {row}"));
        let number = |name: &str| {
            field(name)?
                .as_u64()
                .ok_or(format!("{name} is not a number"))
        };
        let key = (
            field("test")?.as_str().unwrap_or_default().to_string(),
            number("seed")?,
            row.get("edition").and_then(Value::as_u64),
        );
        let passed = field("passed")?.as_bool().ok_or("passed is not a bool")?;
        runs.insert(key, (number("trace_hash")?, number("events")?, passed));
    }
    Ok(runs)
}

/// The outcome of a comparison.
struct Report {
    common: usize,
    differ: Vec<(Key, Verdict, Verdict)>,
}

fn compare(before: &BTreeMap<Key, Verdict>, after: &BTreeMap<Key, Verdict>) -> Report {
    let mut report = Report {
        common: 0,
        differ: Vec::new(),
    };
    for (key, b) in before {
        if let Some(a) = after.get(key) {
            report.common += 1;
            if a != b {
                report.differ.push((key.clone(), *b, *a));
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"edition": 2025, "results": [
        {"test": "TestA", "seed": 1, "edition": 2025, "passed": true, "trace_hash": 11, "events": 5, "wall_ms": 0.1},
        {"test": "TestA", "seed": 2, "edition": 2025, "passed": true, "trace_hash": 12, "events": 6, "wall_ms": 0.1}
    ]}"#;

    #[test]
    fn identical_runs_agree_whatever_the_other_fields() {
        let before = parse(DOC).unwrap();
        let after = parse(&DOC.replace("0.1", "9.9")).unwrap();
        let r = compare(&before, &after);
        assert_eq!((r.common, r.differ.len()), (2, 0));
    }

    #[test]
    fn a_moved_hash_event_count_or_verdict_is_a_difference() {
        let before = parse(DOC).unwrap();
        for changed in [
            DOC.replace("\"trace_hash\": 12", "\"trace_hash\": 13"),
            DOC.replace("\"events\": 6", "\"events\": 7"),
            DOC.replacen("\"passed\": true", "\"passed\": false", 1),
        ] {
            let r = compare(&before, &parse(&changed).unwrap());
            assert_eq!((r.common, r.differ.len()), (2, 1), "{changed}");
        }
    }

    #[test]
    fn json_lines_are_read_and_only_common_runs_compared() {
        let lines = "{\"test\": \"TestA\", \"seed\": 1, \"edition\": 2025, \"passed\": true, \"trace_hash\": 11, \"events\": 5}\n\
                     {\"progress\": 1}\n";
        let r = compare(&parse(DOC).unwrap(), &parse(lines).unwrap());
        assert_eq!((r.common, r.differ.len()), (1, 0));
    }

    #[test]
    fn a_run_without_its_hash_is_an_error() {
        assert!(parse(r#"[{"test": "TestA", "seed": 1, "passed": true, "events": 5}]"#).is_err());
    }
}
