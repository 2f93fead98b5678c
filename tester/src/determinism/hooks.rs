//! The harness's side of the check: [`Tester::set_check`], and one call per
//! simulator output, tester action and effect. With checking off each is
//! one `Option` test.
//!
//! Two ways of folding, one per mode, each compared only with a run in the
//! same mode:
//! - *hashing* (every checked run): each effect (a persist, a wake-up that
//!   changes the one asked for before, an apply) and each tester action is
//!   folded as a word or two in order, without its time; what the
//!   simulator's trace hash covers (calls and their requests' bytes,
//!   deliveries, answers and their bytes, losses, timers, and the times of
//!   all of them) is folded once, as the final trace hash, at the end.
//!   Applied commands are folded by their bytes; persisted states and
//!   snapshots by their lengths as they pass, and by a digest where they
//!   are read back (a server made from them) and at the end.
//! - *describe* (the re-run of a seed whose hashes differed): every event
//!   above and every traced one is folded with its time, owner and kind,
//!   persisted bytes by a digest, and written out in words, so that the
//!   first event where two runs part can be named. It folds more than
//!   hashing, never less, so a difference hashing saw is one it finds.
//!
//! What the tester hands a Raft (its commands, its snapshots) is its own,
//! determined by what came before, and only named.

use super::{CheckSummary, Recorder};
use crate::failure::Failure;
use crate::harness::{EndOwner, Tester};
use crate::observe::CmdText;
use labrpc::{CallId, Loss, Time};
use labtrace::summary::{Kind, Summary};
use raftapi::{ApplyMsg, Bytes, Effects, Raft, Started};

/// Kinds of event, as folded.
mod what {
    pub const SETUP: u64 = 1;
    pub const MADE: u64 = 2;
    pub const REQUEST: u64 = 3;
    pub const RESOLVED: u64 = 4;
    pub const TIMER: u64 = 5;
    pub const TESTER: u64 = 6;
    pub const START: u64 = 7;
    pub const SNAPSHOT: u64 = 8;
    pub const PERSIST: u64 = 9;
    pub const WAKE: u64 = 10;
    pub const ANSWER: u64 = 11;
    pub const CALL: u64 = 12;
    pub const APPLY: u64 = 13;
    pub const END: u64 = 14;
    pub const MAKE: u64 = 15;
    pub const KEPT: u64 = 16;
}

/// `record_external`'s code for a server being made.
const MAKE: u64 = 4;

/// The tester's action that `record_external` folds as `code` and
/// `detail`, in words.
fn action(code: u64, detail: u64) -> String {
    match code {
        1 => format!("connect S{detail}"),
        2 => format!("disconnect S{detail}"),
        3 => format!("crash S{detail}"),
        5 => "set the links".to_string(),
        6 => "set a link's delay".to_string(),
        _ => format!("action {code} ({detail:#x})"),
    }
}

impl<R: Raft> Tester<R> {
    /// Installs a check recorder (or removes it), folding in what the
    /// servers did while they were made: each one's persisted state and
    /// wake-up, and the simulator's trace so far (their calls).
    pub fn set_check(&mut self, recorder: Option<Recorder>) {
        self.check_describing = recorder.as_ref().is_some_and(Recorder::describing_events);
        self.check = recorder.map(Box::new);
        let trace = self.sim.trace_hash();
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        check.fold(
            self.sim.now(),
            None,
            what::SETUP,
            [trace, self.n as u64],
            || format!("{} servers made (trace #{trace:016x})", self.n),
        );
        for i in 0..self.n {
            let wake = self.nodes[i].wake_at.map_or(u64::MAX, |t| t.0);
            self.fold_saved(i, what::MADE, wake, "was made");
        }
    }

    /// Folds server i's persisted state (what a restart reads), and `word`.
    fn fold_saved(&mut self, i: usize, what: u64, word: u64, said: &str) {
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let saved = &self.saved[i];
        let state = Recorder::digest_of(&saved.raft_state);
        let snapshot = check.snapshot_digest(&saved.snapshot);
        check.fold(self.sim.now(), Some(i), what, [state ^ word, snapshot], || {
            let wakes = match what {
                what::MADE if word != u64::MAX => format!(", wakes at {}", Time(word)),
                _ => String::new(),
            };
            format!(
                "{said}: persisted raft state {} bytes (#{state:016x}), snapshot {} bytes (#{snapshot:016x}){wakes}",
                saved.raft_state.len(),
                saved.snapshot.len(),
            )
        });
    }

    /// The run ended (`Err`: how it failed): what each server persisted,
    /// the last event, and the check summary.
    pub(crate) fn finish_check(&mut self, ended: Result<(), &Failure>) -> Option<CheckSummary> {
        self.check.as_ref()?;
        for i in 0..self.n {
            self.fold_saved(i, what::KEPT, 0, "kept");
        }
        let mut check = self.check.take()?;
        let code = match ended {
            Ok(()) => 0,
            Err(f) => 1 + Recorder::digest_of(f.check.as_bytes()),
        };
        let trace = self.sim.trace_hash();
        check.fold(
            self.sim.now(),
            None,
            what::END,
            [code, trace],
            || match ended {
                Ok(()) => "run ended: passed".to_string(),
                Err(f) => format!("run ended: {} failed: {}", f.check, f.message),
            },
        );
        Some(check.finish())
    }

    /// The simulator's `sim.record_external`, also folded into the check
    /// (a server about to be made with what it persisted).
    pub(crate) fn record_external(&mut self, code: u64, detail: u64) {
        self.sim.record_external(code, detail);
        if code == MAKE {
            return self.fold_saved(detail as usize, what::MAKE, 0, "is made from");
        }
        if let Some(check) = self.check.as_deref_mut() {
            check.fold(self.sim.now(), None, what::TESTER, [code, detail], || {
                action(code, detail)
            });
        }
    }

    /// A request reached server i from `from`.
    #[inline]
    pub(crate) fn check_request(&mut self, i: usize, from: usize, call: CallId) {
        if !self.check_describing {
            return; // covered by the trace hash (see the module's docs)
        }
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let label = check.call_label(call);
        let request = self.sim.request(call);
        check.fold(
            self.sim.now(),
            Some(i),
            what::REQUEST,
            [call.0, from as u64],
            || format!("received {} from S{from} (call {label})", Summary(request)),
        );
    }

    /// A call resolved for its caller (`live`: the incarnation that made it
    /// is still up, and gets it).
    #[inline]
    pub(crate) fn check_resolved(
        &mut self,
        owner: EndOwner,
        call: CallId,
        request: &R::Request,
        reply: &Result<R::Reply, Loss>,
        live: bool,
    ) {
        if !self.check_describing {
            return; // covered by the trace hash (see the module's docs)
        }
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let outcome = match reply {
            Ok(_) => 0,
            Err(loss) => 1 + *loss as u64,
        };
        let words = [call.0, outcome << 1 | u64::from(live)];
        let label = check.call_label(call);
        check.fold(
            self.sim.now(),
            Some(owner.from),
            what::RESOLVED,
            words,
            || {
                let about = format!("call {label} ({}) to S{}", Kind(request), owner.to);
                let dropped = if live {
                    ""
                } else {
                    " (crashed since: ignored)"
                };
                match reply {
                    Ok(r) => format!("got the reply to {about}: {}{dropped}", Summary(r)),
                    Err(loss) => format!("{about} failed: {}{dropped}", loss.name()),
                }
            },
        );
    }

    /// A timer fired: server i's wake-up timer, or (`None`) a tester task's.
    #[inline]
    pub(crate) fn check_timer(&mut self, i: Option<usize>, key: u64) {
        if !self.check_describing {
            return; // covered by the trace hash (see the module's docs)
        }
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        check.fold(self.sim.now(), i, what::TIMER, [key, 0], || match i {
            Some(_) => "wake-up timer fired".to_string(),
            None => format!("tester task {key} resumes"),
        });
    }

    /// Server i's input produced `fx`: its persist and its wake-up.
    #[inline]
    pub(crate) fn check_effects(&mut self, i: usize, fx: &Effects<R::Request>) {
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        // Digesting every persisted state would cost more than the run (a
        // Raft persists its whole log, again and again): a hashing run folds
        // the lengths here and the bytes where they can matter, when a
        // server is made from them and at the end; describe mode, which
        // looks for the first difference, digests them all.
        if !check.describing_events() {
            // The input's time and kind are in the trace hash.
            let whose = (i as u64) << 48;
            if let Some(p) = fx.persisted() {
                check.fold_words([
                    what::PERSIST << 56 ^ whose,
                    p.raft_state.len() as u64 ^ (p.snapshot.len() as u64) << 32,
                ]);
            }
            // Asking again for the wake-up already asked for changes nothing.
            if let Some(at) = fx
                .wake()
                .filter(|at| Some(at.0) != self.nodes[i].wake_at.map(|t| t.0))
            {
                check.fold_words([what::WAKE << 56 ^ whose ^ at.0]);
            }
            return;
        }
        let now = self.sim.now();
        if let Some(p) = fx.persisted() {
            let state = Recorder::digest_of(&p.raft_state);
            let snapshot = check.snapshot_digest(&p.snapshot);
            check.fold(now, Some(i), what::PERSIST, [state, snapshot], || {
                format!(
                    "persisted raft state ({} bytes, #{state:016x}) and snapshot ({} bytes, #{snapshot:016x})",
                    p.raft_state.len(),
                    p.snapshot.len()
                )
            });
        }
        if let Some(at) = fx.wake() {
            check.fold(now, Some(i), what::WAKE, [at.0, 0], || {
                format!("asked to be woken at {at}")
            });
        }
    }

    /// What server i's answer to a call says, in describe mode (before the
    /// answer goes to the simulator).
    #[inline]
    pub(crate) fn check_answer_text(&self, reply: &R::Reply) -> Option<String> {
        let check = self.check.as_deref()?;
        check.describing_events().then(|| {
            let digest = labcodec::measure(reply).digest;
            format!("{} [#{digest:016x}]", Summary(reply))
        })
    }

    /// Server i answered `call` (the simulator's trace hash now covers the
    /// answer's bytes); `text` from [`Tester::check_answer_text`].
    #[inline]
    pub(crate) fn check_answer(&mut self, i: usize, call: CallId, text: Option<String>) {
        if !self.check_describing {
            return; // covered by the trace hash (see the module's docs)
        }
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let trace = self.sim.trace_hash();
        let label = check.call_label(call);
        check.fold(
            self.sim.now(),
            Some(i),
            what::ANSWER,
            [call.0, trace],
            || format!("answered call {label} with {}", text.unwrap_or_default()),
        );
    }

    /// Server i called `to` (`call` is in the simulator: the trace hash
    /// now covers the request's bytes).
    #[inline]
    pub(crate) fn check_call(&mut self, i: usize, to: usize, call: CallId) {
        if !self.check_describing {
            return; // covered by the trace hash (see the module's docs)
        }
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let trace = self.sim.trace_hash();
        let described = check.describing_events().then(|| {
            let label = check.number_call(call);
            let request = self.sim.request(call);
            let digest = labcodec::measure(request).digest;
            format!(
                "sent {} to S{to} (call {label}) [#{digest:016x}]",
                Summary(request)
            )
        });
        check.fold(
            self.sim.now(),
            Some(i),
            what::CALL,
            [to as u64, trace],
            || described.unwrap_or_default(),
        );
    }

    /// Server i applied `msg`.
    #[inline]
    pub(crate) fn check_apply(&mut self, i: usize, msg: &ApplyMsg) {
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let now = self.sim.now();
        match msg {
            ApplyMsg::Command { index, command } => {
                check.fold_bytes(command);
                if !check.describing_events() {
                    return check.fold_words([what::APPLY << 56 ^ (i as u64) << 48 ^ index.0]);
                }
                check.fold(now, Some(i), what::APPLY, [index.0, 0], || {
                    format!("applied {index}: {}", CmdText(command))
                });
            }
            ApplyMsg::Snapshot { index, term, data } => {
                let digest = match check.describing_events() {
                    true => check.snapshot_digest(data),
                    false => data.len() as u64,
                };
                check.fold(now, Some(i), what::APPLY, [index.0 | term.0 << 48, digest], || {
                    format!(
                        "applied a snapshot up to {index} (term {term}, {} bytes, #{digest:016x})",
                        data.len()
                    )
                });
            }
        }
    }

    /// A command about to be started, kept for describe mode (the
    /// command is the tester's own: only the answer is the Raft's).
    #[inline]
    pub(crate) fn check_command(&self, command: &Bytes) -> Option<Bytes> {
        self.check_describing.then(|| command.clone())
    }

    /// `start(command)` on server i answered `started`.
    #[inline]
    pub(crate) fn check_start(
        &mut self,
        i: usize,
        command: Option<Bytes>,
        started: Option<Started>,
    ) {
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        let answer = started.map_or(0, |s| s.index.0 << 16 ^ s.term.0 ^ 1 << 63);
        if !self.check_describing {
            return check.fold_words([what::START << 56 ^ (i as u64) << 48, answer]);
        }
        check.fold(self.sim.now(), Some(i), what::START, [answer, 0], || {
            let said = match started {
                Some(s) => format!("index {}, term {}", s.index, s.term),
                None => "not the leader".to_string(),
            };
            let command = command.unwrap_or_default();
            format!("start({}) answered {said}", CmdText(&command))
        });
    }

    /// The service hands server i a snapshot up to `index`.
    #[inline]
    pub(crate) fn check_snapshot_input(&mut self, i: usize, index: u64, data: &Bytes) {
        let Some(check) = self.check.as_deref_mut() else {
            return;
        };
        // The snapshot is the tester's own: its index says which.
        check.fold(self.sim.now(), Some(i), what::SNAPSHOT, [index, 0], || {
            format!("given a snapshot up to {index} ({} bytes)", data.len())
        });
    }
}
