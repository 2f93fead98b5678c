//! What a determinism check found, as data (`--json` and the workers'
//! lines carry it) and as the text `lab` and `cargo test` print.

use super::events::{Divergence, Event};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Why a Raft is usually nondeterministic, and what to do instead.
pub const CAUSES: &str = "the same seed must give the same run, and this Raft's runs differ: \
this is not a failure of its logic, but no failure of it can be trusted to replay. Usual causes: \
iterating a HashMap or HashSet (std's hasher is keyed randomly in every process: use BTreeMap, \
BTreeSet or a Vec); thread_rng(), rand::rng() or other OS randomness (draw from Config::seed, \
e.g. with a raftapi::rng::Rng of your own); clocks (Instant::now(), SystemTime: use the `now` \
argument); threads; statics that keep state from one run to the next (a counter, a cache)";

/// The warning of a replay whose run is not the one its line was printed
/// for: its trace hash differs from the one the line expected.
pub fn not_reproduced(expected: u64, got: u64) -> String {
    format!(
        "WARNING: THIS RUN DID NOT REPRODUCE the run the replay line was printed for: its trace \
hash is {got:#018x}, the line expected {expected:#018x}.\n  This usually means the Raft is \
nondeterministic (HashMap/HashSet iteration, thread_rng()/rand::rng(), clocks, threads, statics \
surviving between runs): what you see now may not be what failed. Check it with \
--check-determinism (lab) or LAB_CHECK_DETERMINISM=1 (cargo test).\n  It also happens when the \
Raft, the lab, the edition or the flags changed since the line was printed (a fixed bug, say): \
then the same seed runs a different run."
    )
}

/// A run whose two executions differed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nondeterminism {
    /// Run A's and run B's check hashes (`None`: that run gave none, e.g.
    /// it hung or its process died).
    pub check_hashes: [Option<u64>; 2],
    /// How each run ended, in words.
    pub runs: [String; 2],
    /// Where the describing re-runs parted, if they did.
    pub divergence: Option<Divergence>,
    /// What else is known (the re-runs did not part, one could not run).
    pub note: Option<String>,
}

impl Nondeterminism {
    /// One line: the first divergent event, or the hashes and the note.
    pub fn headline(&self) -> String {
        match &self.divergence {
            Some(d) => d.headline(),
            None => {
                let hash = |h: Option<u64>| h.map_or("none".to_string(), |h| format!("{h:#018x}"));
                let mut line = format!(
                    "check hashes {} (run A) and {} (run B)",
                    hash(self.check_hashes[0]),
                    hash(self.check_hashes[1])
                );
                if let Some(note) = &self.note {
                    let _ = write!(line, "; {note}");
                }
                line
            }
        }
    }

    /// The full report: `NONDETERMINISTIC <run>: ...`, then the
    /// [`details`](Nondeterminism::details), the causes and the replay line.
    pub fn report(&self, run: &str, replay: &str) -> String {
        format!(
            "NONDETERMINISTIC {run}: two runs of the same seed differed\n{}  {CAUSES}\n  replay: {replay}",
            self.details()
        )
    }

    /// How each run ended, the first divergent event and the events both
    /// runs agree on before it (or the hashes and what is known), one
    /// indented line each.
    pub fn details(&self) -> String {
        let mut out = format!("  run A: {}\n  run B: {}\n", self.runs[0], self.runs[1]);
        let Some(d) = &self.divergence else {
            let _ = writeln!(out, "  {}", self.headline());
            return out;
        };
        let side = |e: &Option<Event>| {
            e.as_ref()
                .map_or("(the run had ended)".to_string(), Event::to_string)
        };
        let _ = writeln!(out, "  first divergent event: {}", d.index);
        let _ = writeln!(out, "    run A: {}", side(&d.run_a));
        let _ = writeln!(out, "    run B: {}", side(&d.run_b));
        if !d.agreed.is_empty() {
            out.push_str("  the last events both runs agree on:\n");
            for e in &d.agreed {
                let _ = writeln!(out, "    {e}");
            }
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "  ({note})");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(index: u64, text: &str) -> Event {
        Event {
            index,
            at_ms: 2417,
            server: Some(2),
            hash: index,
            text: text.to_string(),
        }
    }

    #[test]
    fn the_report_names_the_event_both_sides_and_the_agreed_ones() {
        let n = Nondeterminism {
            check_hashes: [Some(1), Some(2)],
            runs: ["passed".into(), "check failed in one: none".into()],
            divergence: Some(Divergence {
                index: 1834,
                run_a: Some(event(1834, "sent AppendEntries to S4")),
                run_b: Some(event(1834, "sent AppendEntries to S1")),
                agreed: vec![event(1833, "timer fired")],
            }),
            note: None,
        };
        assert_eq!(
            n.headline(),
            "event 1834 at 2.417s: run A: S2 sent AppendEntries to S4; run B: S2 sent AppendEntries to S1"
        );
        let text = n.report("TestBackup3B seed=0x1 edition=2026", "lab replay X");
        assert!(text.starts_with("NONDETERMINISTIC TestBackup3B seed=0x1 edition=2026: two runs"));
        assert!(text.contains("\n    run A: event 1834 at 2.417s: S2 sent AppendEntries to S4\n"));
        assert!(text.contains("\n    event 1833 at 2.417s: S2 timer fired\n"));
        assert!(text.contains("HashMap or HashSet") && text.ends_with("replay: lab replay X"));
        let unknown = Nondeterminism {
            divergence: None,
            check_hashes: [Some(1), None],
            note: Some("run B hung".into()),
            ..n
        };
        assert_eq!(
            unknown.headline(),
            "check hashes 0x0000000000000001 (run A) and none (run B); run B hung"
        );
    }
}
