//! tester: the MIT 6.5840 Raft tester (labs 3A-3D), ported to run in virtual
//! time on the labrpc simulator, for any Raft that implements
//! [`raftapi::Raft`].
//!
//! ```text
//!  test body (suite) ──> Tester: checks, one, wait, crash, restart, sleep
//!                          │  sleep = run the world until a virtual deadline
//!                          ▼
//!  labrpc::Sim outputs ──> Raft inputs (handle_request, handle_reply, tick)
//!  Raft effects ─────────> persist (saved[i]), calls (sim.call), wake-ups
//!                          (timers), applies (the appliers' checks)
//! ```
//!
//! # Modules
//! - [`harness`]: [`Tester`], the course's config: wiring, crash and
//!   restart, the event loop, effects performed in the raftapi order.
//! - [`applier`]: the appliers and their checks (`checkLogs`, `ingestSnap`);
//!   `agreement`: what the apply records agree on, kept as they change.
//! - [`checks`]: `checkOneLeader`, `checkTerms`, `checkNoLeader`,
//!   `checkNoAgreement`, `nCommitted`, `wait`.
//! - [`one`]: `one()` as a resumable state machine; [`tasks`]: background
//!   goroutines as actors; [`churn`]: the churn clients.
//! - [`stats`]: begin and summary lines, the 120 s limit, counters.
//! - [`suite`]: the 28 tests; [`registry`]: their names and set-ups.
//! - [`regressions`]: the pinned seeds of `scenarios/regressions.txt`.
//! - [`observe`]: every input in a `tracing` span naming its server,
//!   incarnation and virtual time; the lab's own events (RPCs, effects,
//!   state changes, markers; vocabulary in [`labtrace::vocab`]); the
//!   cluster's state in failure reports; `LAB_LOG` for `cargo test`.
//! - [`determinism`]: the self-check: a check hash over every output,
//!   action and effect, describe mode, the first divergent event, and
//!   `cargo test`'s second process.
//! - [`oracle`]: strict oracles (off by default, any subset on): safety and
//!   durability checked after every input rather than sampled.
//! - [`scenario`]: scenario files (`scenarios/*.toml`), registered as tests;
//!   their crash points live in the harness (`Tester::set_crash_points`).
//! - [`root_cause`]: a failed run re-run with every oracle observing, for
//!   the first broken invariant before the course's check; [`progress`]:
//!   in the same re-run, a liveness failure's last seconds per server.
//! - [`runner`]: one test on one seed, panics caught; [`seeds`]: seeds and
//!   replay lines; [`cargo`]: `LAB_*` variables and [`raft_tests!`].
//! - [`watchdog`]: CPU time of the running thread and the virtual time
//!   reached, for `cargo test`'s `LAB_TIMEOUT_S` and `lab`'s limits.
//! - [`vis`]: pictures of runs (a re-run with events collected, its
//!   timeline), for `cargo test`'s failures and `lab`.
//! - [`edition`]: the 2024, 2025 and 2026 (default) logic; [`cmd`]: the
//!   test commands;
//!   [`failure`]: a failed check in the course's words.
//!
//! # Testing your Raft
//! ```ignore
//! // tests/raft.rs in your crate:
//! tester::raft_tests!(my_crate::MyRaft);
//! ```
//! then `cargo test -- 3A`, `cargo test -- TestBackup3B`,
//! `LAB_SEEDS=100 cargo test -- 3C`, `LAB_EDITION=2025 cargo test`.

mod agreement;
pub mod applier;
pub mod cargo;
pub mod checks;
pub mod churn;
pub mod cmd;
pub mod determinism;
pub mod edition;
pub mod failure;
pub mod harness;
pub mod observe;
pub mod one;
pub mod oracle;
pub mod progress;
pub mod registry;
pub mod regressions;
pub mod root_cause;
pub mod runner;
pub mod scenario;
pub mod seeds;
pub mod stats;
pub mod suite;
pub mod tasks;
pub mod vis;
pub mod watchdog;

pub use edition::Edition;
pub use failure::{Check, Failure};
pub use harness::{Budget, Factory, Setup, Tester};
pub use raftapi;
pub use registry::{TESTS, TestDef};
pub use runner::{Outcome, RunSpec, run};
