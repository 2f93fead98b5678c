//! The determinism self-check: is the Raft under test deterministic?
//!
//! Everything the lab promises (a seed replays its run, sweeps group
//! failures, shards merge) holds only if the same seed gives the same run.
//! The lab's own code keeps that rule; a Raft may not (a `HashSet`
//! iterated with `std`'s random hasher, `thread_rng`, the clock, a
//! `static` that survives between runs). So a checked run is executed
//! twice, the second time in another process with another history, and
//! the two runs are compared through a *check hash*: a running digest of
//! every simulator output the harness handles (a request delivered, a call
//! resolved, a timer), every tester action (connect, crash, make) and every
//! effect a Raft records (persisted bytes, replies, calls, wake-ups,
//! applies, `start`'s answer).
//!
//! ```text
//!  run A (this process)   ─┐  check hashes equal: deterministic (as far as seen)
//!  run B (another process)─┘  differ: both re-run in describe mode, each event
//!                             written as (index, time, server, hash, text) to a
//!                             file; the first index whose running hashes differ
//!                             is the first divergent event
//! ```
//!
//! The check hash is separate from the trace hash (which stays what it
//! was, and which the check hash takes in whole at the end: see `hooks`
//! for what is folded, and how, in each mode) and costs nothing when
//! checking is off: one `Option` test per hook.
//!
//! # Modules
//! - this file: [`Recorder`], the running hash (and, in describe mode, the
//!   event file), installed with `Tester::set_check`.
//! - `hooks`: the harness's calls into it, one per output, effect and
//!   tester action, and the words and words each folds in.
//! - [`events`]: the event file: writing, reading, and
//!   [`first_divergence`] of two files.
//! - [`report`]: [`Nondeterminism`], what a check found, as data and text,
//!   and [`CAUSES`], what usually makes a Raft nondeterministic.
//! - [`child`]: `cargo test`'s second run: the test binary re-invoked on
//!   one test (`--exact`), reporting through a file.

pub mod child;
pub mod events;
mod hooks;
pub mod report;

pub use events::{Divergence, Event, first_divergence};
pub use report::{CAUSES, Nondeterminism};

use crate::harness::Factory;
use crate::runner::{Outcome, RunSpec};
use labcodec::Digest;
use labrpc::Time;
use raftapi::{Bytes, Raft};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What a checked run reports: its check hash and how many events it
/// folded in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSummary {
    /// The check hash at the end of the run.
    pub hash: u64,
    /// Events folded in: one per effect, apply and tester action, and
    /// in describe mode (which writes one line each) also one per call,
    /// delivery, answer, resolution and timer, which a hashing run covers
    /// with the simulator's trace hash.
    pub events: u64,
    /// Describe mode only: why the event file is incomplete, if it is.
    pub write_error: Option<String>,
}

/// Runs `spec` once in describe mode: the run's events are written to
/// `path`, one line each (see [`events`]), for [`first_divergence`].
/// `Err` if the file cannot be written.
pub fn describe<R: Raft>(spec: RunSpec, factory: Factory<R>, path: &Path) -> io::Result<Outcome> {
    let recorder = Recorder::describing(path)?;
    let outcome = crate::runner::run_with(spec, factory, Some(recorder));
    match outcome.check.as_ref().and_then(|c| c.write_error.clone()) {
        Some(e) => Err(io::Error::other(format!("{}: {e}", path.display()))),
        None => Ok(outcome),
    }
}

/// How many snapshots' digests are remembered: a Raft persists the same
/// snapshot (shared bytes) with every state it persists, and digesting it
/// each time would cost more than the rest of the check.
const KNOWN_SNAPSHOTS: usize = 8;

/// The running check hash of one run, and in describe mode its event file.
pub struct Recorder {
    digest: Digest,
    events: u64,
    /// Snapshots already digested, by identity (shared bytes are
    /// immutable, and holding a clone keeps the address from being reused).
    known: Vec<(Bytes, u64)>,
    next_known: usize,
    describer: Option<Describer>,
}

/// Calls as described: numbered in the order they were made (the
/// simulator's ids are slab slots and generations).
#[derive(Default)]
struct CallNumbers {
    numbers: std::collections::BTreeMap<u64, u64>,
    made: u64,
}

impl CallNumbers {
    /// A call's label: its number, or its simulator id if it was made
    /// before the recorder was installed.
    fn label(&self, call: labrpc::CallId) -> String {
        match self.numbers.get(&call.0) {
            Some(n) => format!("#{n}"),
            None => format!("{:#x}", call.0),
        }
    }
}

/// The event file of describe mode.
struct Describer {
    out: BufWriter<File>,
    error: Option<io::Error>,
    calls: CallNumbers,
}

impl Recorder {
    /// A recorder that only hashes.
    pub fn hashing() -> Recorder {
        Recorder {
            digest: Digest::default(),
            events: 0,
            known: Vec::with_capacity(KNOWN_SNAPSHOTS),
            next_known: 0,
            describer: None,
        }
    }

    /// A recorder that also writes every event, described, to `path`.
    pub fn describing(path: &Path) -> io::Result<Recorder> {
        let out = BufWriter::new(File::create(path)?);
        Ok(Recorder {
            describer: Some(Describer {
                out,
                error: None,
                calls: CallNumbers::default(),
            }),
            ..Recorder::hashing()
        })
    }

    /// Whether events are being described (texts are wanted).
    pub(crate) fn describing_events(&self) -> bool {
        self.describer.is_some()
    }

    /// Describe mode: numbers a call just made, and returns its label
    /// (`#12`); empty when not describing.
    pub(crate) fn number_call(&mut self, call: labrpc::CallId) -> String {
        let Some(d) = self.describer.as_mut() else {
            return String::new();
        };
        d.calls.made += 1;
        d.calls.numbers.insert(call.0, d.calls.made);
        format!("#{}", d.calls.made)
    }

    /// Describe mode: a call's label (`#12`, or its simulator id if it was
    /// made before the recorder was installed); empty when not describing.
    #[inline]
    pub(crate) fn call_label(&self, call: labrpc::CallId) -> String {
        match self.describer.as_ref() {
            None => String::new(),
            Some(d) => d.calls.label(call),
        }
    }

    /// Folds one event in: when, whose (`None`: the tester's), what, two
    /// words of detail; `text` describes it, called in describe mode only.
    #[inline]
    pub(crate) fn fold(
        &mut self,
        at: Time,
        server: Option<usize>,
        what: u64,
        detail: [u64; 2],
        text: impl FnOnce() -> String,
    ) {
        // Time (ms, far below 2^40), kind and owner share one word.
        let whose = server.map_or(0xffff, |s| s as u64 & 0xffff);
        self.digest.write_u64(at.0 << 24 ^ what << 16 ^ whose);
        self.digest.write_u64(detail[0]);
        self.digest.write_u64(detail[1]);
        let index = self.events;
        self.events += 1;
        if let Some(d) = self.describer.as_mut() {
            let event = Event {
                index,
                at_ms: at.0,
                server: server.map(|s| s as u64),
                hash: self.digest.finish(),
                text: text(),
            };
            d.write(&event);
        }
    }

    /// Folds one event as a few words of detail, without its time:
    /// hashing mode's cheap path for what describe mode folds with
    /// [`Recorder::fold`] (the time is in the trace hash, and the events
    /// come in the same order in both runs of a deterministic Raft).
    #[inline]
    pub(crate) fn fold_words<const N: usize>(&mut self, words: [u64; N]) {
        for word in words {
            self.digest.write_u64(word);
        }
        self.events += 1;
    }

    /// Folds `bytes` (an applied command) straight into the check hash,
    /// a word at a time, before the event that carries them: a digest of
    /// their own, finished and then folded, costs several times as much,
    /// and every server applies every command.
    #[inline]
    pub(crate) fn fold_bytes(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.digest
                .write_u64(u64::from_le_bytes(word.try_into().expect("chunks of 8")));
        }
        let tail = words.remainder();
        // The length goes with the tail, so that trailing zero bytes count.
        self.digest
            .write_u64(labcodec::load_le(tail) ^ (bytes.len() as u64) << 56);
    }

    /// The digest of some bytes (a persisted state, a failure's check).
    #[inline]
    pub(crate) fn digest_of(bytes: &[u8]) -> u64 {
        let mut d = Digest::default();
        d.write(bytes);
        d.write_u64(bytes.len() as u64);
        d.finish()
    }

    /// The digest of a snapshot, computed once per distinct shared bytes.
    pub(crate) fn snapshot_digest(&mut self, bytes: &Bytes) -> u64 {
        if bytes.is_empty() {
            return 0;
        }
        let same = |(b, _): &&(Bytes, u64)| b.as_ptr() == bytes.as_ptr() && b.len() == bytes.len();
        if let Some((_, digest)) = self.known.iter().find(same) {
            return *digest;
        }
        let digest = Recorder::digest_of(bytes);
        if self.known.len() < KNOWN_SNAPSHOTS {
            self.known.push((bytes.clone(), digest));
        } else {
            self.known[self.next_known] = (bytes.clone(), digest);
            self.next_known = (self.next_known + 1) % KNOWN_SNAPSHOTS;
        }
        digest
    }

    /// What the run amounts to, the event file flushed.
    pub(crate) fn finish(mut self) -> CheckSummary {
        let write_error = self.describer.as_mut().and_then(|d| {
            d.flush();
            d.error.take().map(|e| e.to_string())
        });
        CheckSummary {
            hash: self.digest.finish(),
            events: self.events,
            write_error,
        }
    }
}

impl Describer {
    fn write(&mut self, event: &Event) {
        if self.error.is_none()
            && let Err(e) = event.write_to(&mut self.out)
        {
            self.error = Some(e);
        }
    }

    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
    }
}
