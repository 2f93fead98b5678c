//! The event file of describe mode, and the comparison of two.
//!
//! One line per event: `index TAB time-ms TAB server TAB hash TAB text`,
//! the server `-` for the tester's own events, the hash the running check
//! hash after the event (16 hex digits). Two runs of the same seed agree
//! up to the first index whose hashes differ: that event is the first
//! divergent one. The files are read in step, one line at a time, so
//! comparing runs of millions of events needs no memory to speak of.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

/// One described event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its position in the run, from 0.
    pub index: u64,
    /// Virtual time, in ms.
    pub at_ms: u64,
    /// The server it belongs to (`None`: the tester's own).
    pub server: Option<u64>,
    /// The running check hash after it (not in JSON: it says nothing to a
    /// reader).
    #[serde(skip)]
    pub hash: u64,
    /// What happened, e.g. `sent AppendEntries { .. } to S4`.
    pub text: String,
}

impl Event {
    /// Writes the event as one line.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let server = self.server.map_or("-".to_string(), |s| s.to_string());
        // A Raft's Debug output may hold anything: keep the line one line.
        let text = self.text.replace(['\t', '\n', '\r'], " ");
        writeln!(
            out,
            "{}\t{}\t{server}\t{:016x}\t{text}",
            self.index, self.at_ms, self.hash
        )
    }

    /// Reads a line written by [`Event::write_to`].
    pub fn parse(line: &str) -> Option<Event> {
        let mut parts = line.splitn(5, '\t');
        let index = parts.next()?.parse().ok()?;
        let at_ms = parts.next()?.parse().ok()?;
        let server = match parts.next()? {
            "-" => None,
            s => Some(s.parse().ok()?),
        };
        let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
        let text = parts.next()?.to_string();
        Some(Event {
            index,
            at_ms,
            server,
            hash,
            text,
        })
    }
}

impl fmt::Display for Event {
    /// `event 1834 at 2.417s: S2 sent AppendEntries { .. } to S4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {} at {}: ", self.index, labrpc::Time(self.at_ms))?;
        match self.server {
            Some(s) => write!(f, "S{s} {}", self.text),
            None => write!(f, "tester: {}", self.text),
        }
    }
}

/// Where two runs of one seed parted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// The index of the first event on which they differ.
    pub index: u64,
    /// Run A's event there (`None`: run A had ended).
    pub run_a: Option<Event>,
    /// Run B's event there (`None`: run B had ended).
    pub run_b: Option<Event>,
    /// The last events both runs agree on, oldest first.
    pub agreed: Vec<Event>,
}

impl Divergence {
    /// The divergent event in one line: `event 1834 at 2.417s: run A: S2
    /// sent ... to S4; run B: S2 sent ... to S1`.
    pub fn headline(&self) -> String {
        let side = |e: &Option<Event>| match e {
            Some(e) => match e.server {
                Some(s) => format!("S{s} {}", e.text),
                None => format!("tester: {}", e.text),
            },
            None => "(the run had ended)".to_string(),
        };
        let time = |e: &Option<Event>| e.as_ref().map(|e| labrpc::Time(e.at_ms));
        let at = match (time(&self.run_a), time(&self.run_b)) {
            (Some(a), Some(b)) if a == b => format!(" at {a}"),
            (Some(a), Some(b)) => format!(" at {a} (run A) and {b} (run B)"),
            (Some(t), None) | (None, Some(t)) => format!(" at {t}"),
            (None, None) => String::new(),
        };
        format!(
            "event {}{at}: run A: {}; run B: {}",
            self.index,
            side(&self.run_a),
            side(&self.run_b)
        )
    }
}

/// Reads two event files in step and returns where they part, with up to
/// `context` agreed events before; `None` if they agree to the end.
pub fn first_divergence(a: &Path, b: &Path, context: usize) -> io::Result<Option<Divergence>> {
    let open = |p: &Path| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
    };
    let (mut a, mut b) = (open(a)?.lines(), open(b)?.lines());
    let mut agreed: VecDeque<Event> = VecDeque::with_capacity(context + 1);
    let mut index = 0;
    loop {
        let next = |lines: &mut io::Lines<BufReader<File>>| -> io::Result<Option<Event>> {
            match lines.next().transpose()? {
                None => Ok(None),
                Some(line) => Event::parse(&line).map(Some).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("bad event line: {line}"),
                    )
                }),
            }
        };
        let (ea, eb) = (next(&mut a)?, next(&mut b)?);
        match (&ea, &eb) {
            (None, None) => return Ok(None),
            (Some(x), Some(y)) if x.hash == y.hash => {
                if agreed.len() == context {
                    agreed.pop_front();
                }
                if context > 0 {
                    agreed.push_back(ea.expect("matched Some"));
                }
            }
            _ => {
                return Ok(Some(Divergence {
                    index,
                    run_a: ea,
                    run_b: eb,
                    agreed: agreed.into(),
                }));
            }
        }
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(index: u64, hash: u64, text: &str) -> Event {
        Event {
            index,
            at_ms: 1000 + index,
            server: (index % 2 == 0).then_some(2),
            hash,
            text: text.to_string(),
        }
    }

    fn file(name: &str, events: &[Event]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("events-{}-{name}", std::process::id()));
        let mut out = File::create(&path).unwrap();
        for e in events {
            e.write_to(&mut out).unwrap();
        }
        path
    }

    #[test]
    fn lines_round_trip_and_stay_one_line() {
        let e = event(4, 0xabc, "sent\tX {\n a }");
        let mut bytes = Vec::new();
        e.write_to(&mut bytes).unwrap();
        let line = String::from_utf8(bytes).unwrap();
        assert_eq!(line.lines().count(), 1);
        let back = Event::parse(line.trim_end()).unwrap();
        assert_eq!(back.text, "sent X {  a }");
        assert_eq!(
            (back.index, back.at_ms, back.server, back.hash),
            (4, 1004, Some(2), 0xabc)
        );
        assert_eq!(back.to_string(), "event 4 at 1.004s: S2 sent X {  a }");
        assert!(Event::parse("1\t2\tx\t0\ty").is_none());
    }

    #[test]
    fn the_first_differing_hash_is_the_divergence_with_its_context() {
        let common: Vec<Event> = (0..5).map(|k| event(k, k, "same")).collect();
        let mut a = common.clone();
        a.push(event(5, 50, "sent to S4"));
        let mut b = common.clone();
        b.push(event(5, 51, "sent to S1"));
        let (pa, pb) = (file("a", &a), file("b", &b));
        let d = first_divergence(&pa, &pb, 3).unwrap().unwrap();
        assert_eq!(d.index, 5);
        assert_eq!(
            d.agreed.iter().map(|e| e.index).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(
            d.headline(),
            "event 5 at 1.005s: run A: tester: sent to S4; run B: tester: sent to S1"
        );
        assert_eq!(first_divergence(&pa, &pa, 3).unwrap(), None);
        let (pc, pd) = (file("c", &common), file("d", &a));
        let ended = first_divergence(&pc, &pd, 0).unwrap().unwrap();
        assert_eq!((ended.index, ended.run_a.is_none()), (5, true));
        assert!(ended.agreed.is_empty());
        assert!(
            ended
                .headline()
                .contains("run A: (the run had ended); run B: tester: sent")
        );
        for p in [pa, pb, pc, pd] {
            let _ = std::fs::remove_file(p);
        }
    }
}
