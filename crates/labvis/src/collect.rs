//! [`Collector`]: a `tracing` layer that keeps every event of a run in
//! memory as an [`Event`]. An event without its own `t`, `node` or
//! `incarnation` takes them from the innermost enclosing span that has them
//! (the harness runs each input of a Raft inside such a span), so a user's
//! plain `tracing::info!` lands on the right server at the right time.

use crate::event::Event;
use std::fmt;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Most events one run keeps: a runaway Raft logging in a loop must not
/// exhaust memory; what comes after is counted, not kept.
pub const MAX_EVENTS: usize = 2_000_000;

/// A [`Layer`] that collects events; clones share one buffer.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    inner: Arc<Mutex<Collected>>,
}

#[derive(Debug, Default)]
struct Collected {
    events: Vec<Event>,
    dropped: u64,
}

impl Collector {
    /// Everything collected so far (the buffer is emptied).
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut self.lock().events)
    }

    /// Events not kept because [`MAX_EVENTS`] was reached.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Collected> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where an event happened, as a span records it.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    t: Option<u64>,
    node: Option<usize>,
    incarnation: Option<u32>,
}

/// Reads the lab's fields; every other one is kept as text.
#[derive(Default)]
struct Fields {
    place: Place,
    topic: String,
    message: String,
    rest: Vec<(String, String)>,
}

impl Fields {
    fn number(&mut self, field: &Field, value: u64) -> bool {
        match field.name() {
            "t" => self.place.t = Some(value),
            "node" | "server" => self.place.node = Some(value as usize),
            "incarnation" => self.place.incarnation = Some(value as u32),
            _ => return false,
        }
        true
    }
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if !self.number(field, value) {
            self.rest
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if value < 0 || !self.number(field, value as u64) {
            self.rest
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest
            .push((field.name().to_string(), value.to_string()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "topic" => self.topic = value.to_string(),
            "message" => self.message = value.to_string(),
            name => self.rest.push((name.to_string(), value.to_string())),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        match field.name() {
            "message" => self.message = text,
            "topic" => self.topic = text,
            name => {
                // Numbers recorded through Debug (usize, u32) still place.
                match text.parse::<u64>() {
                    Ok(n) if self.number(field, n) => {}
                    _ => self.rest.push((name.to_string(), text)),
                }
            }
        }
    }
}

impl<S> Layer<S> for Collector
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields.place);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut ext = span.extensions_mut();
        let place = ext.get_mut::<Place>().expect("every span has a Place");
        let new = fields.place;
        *place = Place {
            t: new.t.or(place.t),
            node: new.node.or(place.node),
            incarnation: new.incarnation.or(place.incarnation),
        };
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let mut place = f.place;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(outer) = span.extensions().get::<Place>() {
                    place.t = place.t.or(outer.t);
                    place.node = place.node.or(outer.node);
                    place.incarnation = place.incarnation.or(outer.incarnation);
                }
            }
        }
        let meta = event.metadata();
        let e = Event {
            t: place.t.unwrap_or(0),
            target: meta.target().to_string(),
            level: meta.level().as_str(),
            node: place.node,
            incarnation: place.incarnation,
            topic: f.topic,
            message: f.message,
            fields: f.rest,
        };
        let mut inner = self.lock();
        if inner.events.len() < MAX_EVENTS {
            inner.events.push(e);
        } else {
            inner.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn events_take_place_from_their_span_and_keep_every_field() {
        let collector = Collector::default();
        let subscriber = tracing_subscriber::registry().with(collector.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("input", t = 1500u64, node = 2usize, incarnation = 3u32);
            let _g = span.enter();
            tracing::warn!(target: "my_raft", prev = 101, ok = false, "refused");
            tracing::info!(target: "tester", t = 7u64, topic = "crash", "crash S1");
        });
        let events = collector.take();
        assert_eq!(events.len(), 2);
        let mine = &events[0];
        assert_eq!(
            (mine.t, mine.node, mine.incarnation),
            (1500, Some(2), Some(3))
        );
        assert_eq!(mine.target, "my_raft");
        assert_eq!(mine.level, "WARN");
        assert_eq!(mine.message, "refused");
        assert_eq!(mine.num("prev"), Some(101));
        assert_eq!(mine.flag("ok"), Some(false));
        let tester = &events[1];
        assert_eq!((tester.t, tester.topic.as_str()), (7, "crash"));
        assert_eq!(
            tester.node,
            Some(2),
            "an event inside a server's span is that server's"
        );
    }
}
