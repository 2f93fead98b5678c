//! labtrace: what a raftlab run looked like, as data.
//!
//! The tester's harness runs every input of every Raft inside a `tracing`
//! span that names the server, its incarnation and the virtual time, and
//! emits the lab's own events (RPCs, effects, state changes, the tester's
//! markers) with structured fields. This crate holds the vocabulary of those
//! spans and events, the layer that collects them as data, and the text
//! rendering `lab replay` and `cargo test` logging print.
//!
//! ```text
//!  tester harness ── input span {server, incarnation, t, input} ──┐
//!    Raft's own events (any target) ───────────────────────────────┤
//!    lab::rpc / lab::effect / lab::state / lab::tester events ─────┤
//!                                                                   ▼
//!                 collect::Collector (a tracing Layer, LogFilter) -> Vec<Event>
//!                                                                   │
//!       render::render (lines or columns, --only/--hide/--server)   ▼
//!       timelines, reports, determinism checks read the same Events
//! ```
//!
//! # Modules
//! - [`vocab`]: every target, topic and field name, documented: the one
//!   place to look up what the lab emits.
//! - [`event`]: [`Event`], one collected event (time, server, incarnation,
//!   target, level, topic, message, fields).
//! - [`collect`]: [`Collector`], the layer; [`LogFilter`], the
//!   `RUST_LOG`-style filter of a Raft's own events.
//! - [`listen`]: [`collected`], one thread's events collected safely while
//!   other threads run unobserved.
//! - [`render`]: the text of a replay.
//! - [`summary`]: lazy, truncated `Debug` summaries and RPC kinds.
//!
//! # Example
//! ```
//! use labtrace::{Collector, LogFilter, render};
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let collector = Collector::new(LogFilter::default());
//! let subscriber = tracing_subscriber::registry().with(collector.clone());
//! tracing::subscriber::with_default(subscriber, || {
//!     tracing::info!(target: "lab::tester", t = 10u64, server = 1u64, topic = "crash");
//!     let span = tracing::info_span!(target: "lab::input", "input", server = 0u64, incarnation = 1u64, t = 25u64, input = "tick");
//!     let _entered = span.enter();
//!     tracing::info!(target: "student", term = 2, "election timeout");
//! });
//! let text = render::render(&collector.take(), &render::Style::lines(3));
//! assert_eq!(text, "   0.010s ---- crash: crash S1 ----\n   0.025s S0   student  election timeout term=2\n");
//! ```

pub mod collect;
pub mod event;
pub mod listen;
pub mod render;
pub mod summary;
pub mod vocab;

pub use collect::{BadFilter, Collector, LogFilter, OpenInput};
pub use event::{Event, Source, Value};
pub use listen::collected;
pub use render::Style;
