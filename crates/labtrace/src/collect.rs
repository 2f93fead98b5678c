//! The collector: a `tracing` [`Layer`] that keeps every wanted event of a
//! run in memory as an [`Event`], attributed to the server, incarnation and
//! virtual time of the input span it happened in.
//!
//! Which events are wanted is a [`LogFilter`]: a `RUST_LOG`-style list of
//! `target=level` directives (`my_raft=trace,my_raft::net=off`, default
//! `debug`) for a Raft's own events. The lab's own events (`lab::*`) are
//! always kept unless a directive names them (`lab::rpc=off`); the
//! simulator's (`labrpc`) only when one does.
//!
//! ```
//! use labtrace::collect::{Collector, LogFilter};
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let collector = Collector::new(LogFilter::parse("debug").unwrap());
//! let subscriber = tracing_subscriber::registry().with(collector.clone());
//! tracing::subscriber::with_default(subscriber, || {
//!     let span = tracing::info_span!(target: "lab::input", "input", server = 2u64, incarnation = 1u64, t = 1500u64, input = "tick");
//!     let _entered = span.enter();
//!     tracing::info!(target: "student", votes = 3, "campaigning");
//! });
//! let events = collector.take();
//! assert_eq!((events[0].server, events[0].t), (Some(2), 1500));
//! assert_eq!(events[0].message, "campaigning");
//! assert_eq!(events[0].u64("votes"), Some(3));
//! ```

use crate::event::{Event, Source, Value, is_lifted};
use crate::vocab::{self, field};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The default filter of a Raft's own events.
pub const DEFAULT_FILTER: &str = "debug";

/// Which events to collect (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct LogFilter {
    targets: Targets,
    /// The targets named in the directives (the lab's are kept unless named).
    named: Vec<String>,
}

/// A filter that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadFilter(pub String);

impl fmt::Display for BadFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadFilter {}

impl LogFilter {
    /// Parses `target=level,...` (levels: off, error, warn, info, debug,
    /// trace; a bare level applies to every target not named).
    pub fn parse(spec: &str) -> Result<LogFilter, BadFilter> {
        let targets = Targets::from_str(spec).map_err(|e| {
            BadFilter(format!(
                "bad log filter '{spec}': {e} (expected target=level,... with levels off, error, warn, info, debug, trace)"
            ))
        })?;
        let named = targets.iter().map(|(t, _)| t.to_string()).collect();
        Ok(LogFilter { targets, named })
    }

    fn names(&self, target: &str) -> bool {
        self.named.iter().any(|n| target.starts_with(n.as_str()))
    }

    /// Whether events (or spans) with this metadata are collected.
    pub fn wants(&self, meta: &Metadata<'_>) -> bool {
        let target = meta.target();
        if meta.is_span() {
            return target == vocab::INPUT;
        }
        let named = self.names(target);
        match Source::of_target(target) {
            Source::Tester | Source::Lab if !named => true,
            Source::Net if !named => false,
            _ => self.targets.would_enable(target, meta.level()),
        }
    }
}

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter::parse(DEFAULT_FILTER).expect("the default filter parses")
    }
}

/// The input span's fields, kept in the span's extensions.
#[derive(Clone, Copy, Debug, Default)]
struct InputSpan {
    server: Option<usize>,
    incarnation: Option<u32>,
    t: Option<u64>,
    input: Option<&'static str>,
}

impl Visit for InputSpan {
    fn record_u64(&mut self, f: &Field, value: u64) {
        match f.name() {
            field::SERVER => self.server = usize::try_from(value).ok(),
            field::INCARNATION => self.incarnation = u32::try_from(value).ok(),
            field::T => self.t = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, f: &Field, value: i64) {
        if let Ok(v) = u64::try_from(value) {
            self.record_u64(f, v);
        }
    }

    fn record_str(&mut self, f: &Field, value: &str) {
        if f.name() == field::INPUT {
            self.input = [
                vocab::input::MAKE,
                vocab::input::TICK,
                vocab::input::REQUEST,
                vocab::input::REPLY,
                vocab::input::START,
                vocab::input::SNAPSHOT,
            ]
            .into_iter()
            .find(|k| *k == value);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn fmt::Debug) {}
}

/// An event's fields as the visitor found them.
#[derive(Default)]
struct Fields {
    message: String,
    topic: Option<String>,
    list: Vec<(&'static str, Value)>,
}

impl Fields {
    fn push(&mut self, f: &Field, value: Value) {
        match (f.name(), value) {
            (field::MESSAGE, v) => self.message = v.to_string(),
            (field::TOPIC, Value::Str(s)) => self.topic = Some(s),
            (name, v) => self.list.push((name, v)),
        }
    }
}

impl Visit for Fields {
    fn record_bool(&mut self, f: &Field, value: bool) {
        self.push(f, Value::Bool(value));
    }
    fn record_u64(&mut self, f: &Field, value: u64) {
        self.push(f, Value::U64(value));
    }
    fn record_i64(&mut self, f: &Field, value: i64) {
        self.push(f, Value::I64(value));
    }
    fn record_f64(&mut self, f: &Field, value: f64) {
        self.push(f, Value::F64(value));
    }
    fn record_str(&mut self, f: &Field, value: &str) {
        self.push(f, Value::Str(value.to_string()));
    }
    fn record_debug(&mut self, f: &Field, value: &dyn fmt::Debug) {
        self.push(f, Value::Str(format!("{value:?}")));
    }
}

/// A [`Layer`] that keeps the run's events (see the [module docs](self)).
/// Clones share the same store.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    store: Arc<Mutex<Store>>,
    filter: LogFilter,
    /// The most events kept of one input ([`INPUT_EVENTS_KEPT`]).
    input_cap: u64,
}

/// The most events kept of one input: a Raft that logs in a loop that
/// never ends would otherwise fill the memory before a watchdog stops it.
pub const INPUT_EVENTS_KEPT: u64 = 100_000;

/// What a collector holds.
#[derive(Debug, Default)]
struct Store {
    events: Vec<Event>,
    /// The input spans entered and not yet left, innermost last, each with
    /// the events it emitted so far.
    open: Vec<(OpenInput, u64)>,
    /// Events not kept: past the cap of their input.
    dropped: u64,
}

/// An input a server was given and has not returned from: what a run that
/// never returns is stuck in ([`Collector::open_input`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenInput {
    /// The server.
    pub server: Option<usize>,
    /// The input (`tick`, `request`, ...).
    pub input: Option<&'static str>,
    /// Its virtual time, in ms.
    pub t: Option<u64>,
}

impl Collector {
    /// A collector keeping what `filter` wants.
    pub fn new(filter: LogFilter) -> Collector {
        Collector {
            store: Arc::default(),
            filter,
            input_cap: INPUT_EVENTS_KEPT,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("collector lock")
    }

    /// The innermost input being handled now, if any (read from another
    /// thread while the run is stuck in it).
    pub fn open_input(&self) -> Option<OpenInput> {
        self.store().open.last().map(|(input, _)| *input)
    }

    /// Takes everything collected so far.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut self.store().events)
    }

    /// How many events were not kept: those of an input past its first
    /// [`INPUT_EVENTS_KEPT`].
    pub fn dropped(&self) -> u64 {
        self.store().dropped
    }

    fn push(&self, event: Event) {
        let mut store = self.store();
        if let Some((_, emitted)) = store.open.last_mut() {
            *emitted += 1;
            if *emitted > self.input_cap {
                store.dropped += 1;
                return;
            }
        }
        store.events.push(event);
    }

    fn last_t(&self) -> u64 {
        self.store().events.last().map_or(0, |e| e.t)
    }
}

impl<S> Layer<S> for Collector
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.filter.wants(meta)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().target() != vocab::INPUT {
            return;
        }
        let mut input = InputSpan::default();
        attrs.record(&mut input);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(input);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(input) = span.extensions().get::<InputSpan>() {
            let open = OpenInput {
                server: input.server,
                input: input.input,
                t: input.t,
            };
            self.store().open.push((open, 0));
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if span.extensions().get::<InputSpan>().is_some() {
            self.store().open.pop();
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let span = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|s| s.extensions().get::<InputSpan>().copied())
        });
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let e = attribute(fields, span.unwrap_or_default(), meta, || self.last_t());
        self.push(e);
    }
}

/// Builds the event: the span's attribution first, the event's own `t` and
/// `server`/`node` fields otherwise (kept in the list when they say
/// something else than the span).
fn attribute(
    fields: Fields,
    span: InputSpan,
    meta: &Metadata<'_>,
    last_t: impl FnOnce() -> u64,
) -> Event {
    let own = |name: &str| {
        fields
            .list
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.as_u64())
    };
    let own_server = own(field::SERVER).or_else(|| own(field::NODE));
    let server = span
        .server
        .or(own_server.and_then(|s| usize::try_from(s).ok()));
    let t = span.t.or_else(|| own(field::T)).unwrap_or_else(last_t);
    let redundant = |name: &str, v: &Value| match name {
        field::T => v.as_u64() == Some(t),
        field::SERVER | field::NODE => v.as_u64() == server.map(|s| s as u64),
        _ => false,
    };
    let list = fields
        .list
        .into_iter()
        .filter(|(k, v)| !(is_lifted(k) && redundant(k, v)))
        .collect();
    Event {
        t,
        server,
        incarnation: span.incarnation,
        input: span.input,
        target: meta.target().to_string(),
        level: *meta.level(),
        topic: fields.topic,
        message: fields.message,
        fields: list,
        source: Source::of_target(meta.target()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    fn collect(filter: &str, body: impl FnOnce()) -> Vec<Event> {
        let collector = Collector::new(LogFilter::parse(filter).unwrap());
        let subscriber = tracing_subscriber::registry().with(collector.clone());
        tracing::subscriber::with_default(subscriber, body);
        collector.take()
    }

    #[test]
    fn an_input_s_events_past_the_cap_are_counted_not_kept() {
        let collector = Collector {
            input_cap: 3,
            ..Collector::new(LogFilter::parse("debug").unwrap())
        };
        let subscriber = tracing_subscriber::registry().with(collector.clone());
        tracing::subscriber::with_default(subscriber, || {
            for t in [100u64, 200] {
                let span = tracing::info_span!(target: "lab::input", "input", server = 0u64, incarnation = 1u64, t, input = "tick");
                let _entered = span.enter();
                for k in 0..5u64 {
                    tracing::info!(target: "student", k, "loop");
                }
            }
            tracing::info!(target: "student", "outside any input");
        });
        let events = collector.take();
        let at = |t: u64| {
            events
                .iter()
                .filter(|e| e.t == t && e.input.is_some())
                .count()
        };
        assert_eq!((at(100), at(200)), (3, 3), "each input keeps its first 3");
        assert_eq!(collector.dropped(), 4);
        assert_eq!(events.last().unwrap().message, "outside any input");
    }

    #[test]
    fn the_input_being_handled_is_open_until_it_returns() {
        let collector = Collector::new(LogFilter::parse("debug").unwrap());
        let subscriber = tracing_subscriber::registry().with(collector.clone());
        tracing::subscriber::with_default(subscriber, || {
            assert_eq!(collector.open_input(), None);
            let outer = tracing::info_span!(target: "lab::input", "input", server = 1u64, incarnation = 1u64, t = 700u64, input = "tick");
            let entered = outer.enter();
            let inner = tracing::info_span!(target: "lab::input", "input", server = 2u64, incarnation = 1u64, t = 700u64, input = "request");
            {
                let _inner = inner.enter();
                let open = collector.open_input().expect("inside an input");
                assert_eq!(
                    (open.server, open.input, open.t),
                    (Some(2), Some("request"), Some(700))
                );
            }
            assert_eq!(collector.open_input().and_then(|o| o.input), Some("tick"));
            drop(entered);
            assert_eq!(collector.open_input(), None);
        });
    }

    #[test]
    fn span_attribution_wins_and_fields_are_kept() {
        let events = collect("debug", || {
            let span = tracing::info_span!(target: "lab::input", "input", server = 1u64, incarnation = 2u64, t = 700u64, input = "request");
            let _g = span.enter();
            tracing::debug!(target: "labraft", t = 700u64, node = 1u64, topic = "vote", "granted");
            tracing::info!(target: "mine", server = 4u64, weight = 2.5, ok = true, "x");
        });
        assert_eq!(events.len(), 2);
        let (a, b) = (&events[0], &events[1]);
        assert_eq!(
            (a.t, a.server, a.incarnation, a.input),
            (700, Some(1), Some(2), Some("request"))
        );
        assert_eq!(
            (a.topic(), a.message.as_str(), a.source),
            ("vote", "granted", Source::Raft)
        );
        assert!(
            a.fields.is_empty(),
            "t and node equal the span's: {:?}",
            a.fields
        );
        assert_eq!(b.server, Some(1));
        assert_eq!(b.u64("server"), Some(4), "a field that disagrees stays");
        assert_eq!(b.field("weight"), Some(&Value::F64(2.5)));
        assert_eq!(b.field("ok"), Some(&Value::Bool(true)));
    }

    #[test]
    fn outside_spans_events_carry_their_own_time_and_server() {
        let events = collect("debug", || {
            tracing::info!(target: "lab::tester", t = 42u64, server = 2u64, topic = "crash");
            tracing::info!(target: "lab::tester", topic = "check", "no time");
        });
        assert_eq!((events[0].t, events[0].server), (42, Some(2)));
        assert_eq!(
            (events[1].t, events[1].server),
            (42, None),
            "the time before it"
        );
        assert!(events[0].is_marker());
    }

    #[test]
    fn the_filter_selects_raft_targets_and_keeps_the_labs_unless_named() {
        let body = || {
            tracing::debug!(target: "lab::rpc", topic = "send");
            tracing::trace!(target: "mine", "fine");
            tracing::info!(target: "other", "coarse");
            tracing::trace!(target: "labrpc", "low");
        };
        let topics = |evs: Vec<Event>| -> Vec<String> {
            evs.iter()
                .map(|e| format!("{}:{}", e.target, e.message))
                .collect()
        };
        assert_eq!(
            topics(collect("debug", body)),
            ["lab::rpc:", "other:coarse"]
        );
        assert_eq!(
            topics(collect("mine=trace,off", body)),
            ["lab::rpc:", "mine:fine"]
        );
        assert_eq!(
            topics(collect("lab::rpc=off,labrpc=trace,info", body)),
            ["other:coarse", "labrpc:low"]
        );
        assert!(LogFilter::parse("mine=loud").is_err());
    }
}
