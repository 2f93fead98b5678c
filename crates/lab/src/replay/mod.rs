//! `lab replay`: one seed re-run in this process with a tracing layer that
//! collects what the Raft (target `labraft`), the network's drops (target
//! `labrpc`) and the tester (target `tester`) said, then printed in virtual
//! time by [`render`]. No wall-clock time appears anywhere in the output, so
//! the same seed prints the same bytes.

pub mod render;

use crate::cli::{self, ReplayArgs, Usage};
use crate::report::{Exit, exit_of};
use crate::worker::quiet_panics;
use raftapi::Raft;
use std::fmt;
use std::sync::{Arc, Mutex};
use tester::Factory;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Who said it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The tester (connect, disconnect, crash, restart, check, failure).
    Tester,
    /// A Raft server (the event has a `node`).
    Raft,
    /// The network (labrpc drops).
    Net,
}

/// One collected event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// Virtual ms.
    pub t: u64,
    /// The server, for Raft events.
    pub node: Option<usize>,
    /// The topic (vote, append, ..., drop, connect, ...).
    pub topic: String,
    /// The message.
    pub message: String,
    /// Who said it.
    pub source: Source,
}

/// A [`Layer`] that keeps the lab's events in memory.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    events: Arc<Mutex<Vec<TraceEvent>>>,
}

impl Collector {
    /// Everything collected so far.
    pub fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.events.lock().expect("collector lock"))
    }
}

/// The fields of one event.
#[derive(Default)]
struct Fields {
    t: u64,
    node: Option<usize>,
    topic: String,
    message: String,
    call: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "t" => self.t = value,
            "node" => self.node = Some(value as usize),
            "call" => self.call = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "topic" => self.topic = value.to_string(),
            "message" => self.message = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Collector {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let source = match event.metadata().target() {
            "tester" => Source::Tester,
            "labraft" => Source::Raft,
            "labrpc" => Source::Net,
            _ => return,
        };
        let mut f = Fields::default();
        event.record(&mut f);
        if source == Source::Net {
            if !f.message.starts_with("drop") {
                return;
            }
            f.topic = "drop".to_string();
            if let Some(call) = f.call {
                f.message = format!("{} (call {call})", f.message);
            }
        }
        let e = TraceEvent {
            t: f.t,
            node: f.node,
            topic: f.topic,
            message: f.message,
            source,
        };
        self.events.lock().expect("collector lock").push(e);
    }
}

/// `lab replay TEST --seed S`.
pub fn main<R: Raft>(
    args: &ReplayArgs,
    make: fn() -> Factory<R>,
    raft: Option<&str>,
) -> Result<Exit, Usage> {
    let test = cli::find(&args.test)?;
    if let Some(i) = args.server.filter(|&i| i >= test.servers) {
        return Err(Usage(format!(
            "--server {i}: {} has servers 0..{}",
            test.name,
            test.servers - 1
        )));
    }
    let pictures = crate::vis::ReplayPictures::new(args)?; // #11
    quiet_panics();
    let spec = args.common.spec(test, args.seed);
    let collector = Collector::default();
    let subscriber = tracing_subscriber::registry()
        .with(collector.clone())
        .with(pictures.layer()); // #11
    let outcome = tracing::subscriber::with_default(subscriber, || tester::run(spec, make()));
    let events = collector.take();
    let style = render::Style {
        columns: args.columns,
        colour: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        servers: test.servers,
        only: args.only.clone(),
        server: args.server,
    };
    print!("{}", render::header(&outcome, raft));
    print!("{}", render::events(&events, &style));
    print!("{}", render::footer(&outcome, raft));
    print!("{}", pictures.write(&spec, &outcome, raft)?); // #11
    Ok(outcome
        .result
        .as_ref()
        .err()
        .map_or(Exit::Passed, |f| exit_of(f.kind.into())))
}
