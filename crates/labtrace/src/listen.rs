//! Collecting one thread's events while other threads run unobserved.
//!
//! `cargo test` runs the lab's tests on parallel threads: one may collect a
//! run (a timeline, `LAB_LOG`) while its neighbours run with no subscriber.
//! tracing-core caches each callsite's interest globally, and while exactly
//! one scoped dispatcher is registered it computes that interest from the
//! *registering thread's* default. So a callsite first reached by an
//! unobserved thread is cached as "never", and the collecting thread then
//! silently misses those events (seen in CI: a collected run with no `send`
//! events). A second dispatcher that lives for the whole process, and wants
//! nothing, keeps tracing-core on its general path, where the interest is
//! the union over every live dispatcher.

use crate::collect::{Collector, LogFilter};
use crate::event::Event;
use std::sync::OnceLock;
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Dispatch, Metadata, span};
use tracing_subscriber::layer::SubscriberExt;

/// Runs `body` with a [`Collector`] filtered by `filter` as this thread's
/// subscriber; returns its result and the events collected.
pub fn collected<T>(filter: LogFilter, body: impl FnOnce() -> T) -> (T, Vec<Event>) {
    let collector = Collector::new(filter);
    let result = collected_by(&collector, body);
    (result, collector.take())
}

/// Runs `body` with `collector` as this thread's subscriber. A clone of the
/// collector kept elsewhere sees the events as they come (what a run that
/// never returns did before it stopped).
pub fn collected_by<T>(collector: &Collector, body: impl FnOnce() -> T) -> T {
    keep_interest_shared();
    let subscriber = tracing_subscriber::registry().with(collector.clone());
    tracing::subscriber::with_default(subscriber, body)
}

/// Registers, once per process, a dispatcher that wants nothing (see the
/// module's note). Call it before setting any scoped subscriber.
pub fn keep_interest_shared() {
    static KEEPER: OnceLock<Dispatch> = OnceLock::new();
    KEEPER.get_or_init(|| Dispatch::new(WantsNothing));
}

/// A subscriber that is never interested: its only job is to exist.
struct WantsNothing;

impl Subscriber for WantsNothing {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::never()
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::OFF)
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    /// The CI failure in miniature: thread B collects; thread A, with no
    /// subscriber, is the first to reach a callsite; B must still see it.
    #[test]
    fn a_callsite_first_reached_by_an_unobserved_thread_is_still_collected() {
        let ready = Arc::new(Barrier::new(2));
        let reached = Arc::new(Barrier::new(2));
        let (r1, r2) = (ready.clone(), reached.clone());
        let collector_thread = std::thread::spawn(move || {
            collected(LogFilter::parse("trace").unwrap(), || {
                r1.wait();
                r2.wait();
                shared_callsite();
            })
            .1
        });
        ready.wait();
        shared_callsite();
        reached.wait();
        let events = collector_thread.join().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].message, "shared");
    }

    fn shared_callsite() {
        tracing::info!(target: "student", "shared");
    }
}
