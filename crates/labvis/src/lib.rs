//! labvis: pictures of one raftlab run. The run's `tracing` events
//! (collected by `labtrace`, given here as [`Event`]s) are read as facts
//! ([`vocab`]), built into a
//! [`Timeline`] ([`build()`]), and drawn as one self-contained HTML file
//! ([`html`]) or a Chrome Trace Event file for Perfetto ([`perfetto`]).
//!
//! ```text
//!  tracing events ──labtrace──► Vec<Event> ──vocab::facts──► Vec<Timed>
//!        ──build(header, failure)──► Timeline ──► html::render / perfetto::render
//! ```
//!
//! # Modules
//! - [`event`]: one collected event, as the builder reads it.
//! - [`vocab`]: the only module that knows the lab's targets, topics and
//!   fields; [`fact`]: what the builder understands.
//! - [`model`]: the timeline as data; [`build()`]: facts to timeline.
//! - [`html`]: the HTML page (its script and style are in `assets/`);
//!   [`perfetto`]: Chrome Trace Event JSON.
//! - [`config`]: `LAB_VIS`, `LAB_VIS_DIR`, output paths checked before a run.
//!
//! Everything is a pure function of the run: no clock, no random ids, maps
//! ordered, so the same seed writes the same bytes.
//!
//! ```
//! use labvis::{build, fact::{Fact, Timed}, model::Header};
//! let header = Header { test: "TestX".into(), servers: 1, end_ms: 100, ..Header::default() };
//! let facts = [Timed { t: 0, fact: Fact::Made { server: 0, incarnation: Some(1) } }];
//! let timeline = build(header, None, &facts);
//! assert_eq!(timeline.lanes.len(), 1);
//! assert!(labvis::html::render(&timeline).contains("TestX"));
//! ```

pub mod config;
pub mod event;
pub mod fact;
pub mod html;
pub mod model;
pub mod perfetto;
pub mod vocab;

mod build;

pub use build::{MAX_MARKS, build, oracle_name};
pub use event::Event;
pub use model::Timeline;
