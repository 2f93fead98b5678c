//! The calls in flight: a slab indexed by call id, with generations so an id
//! is never confused with a later call in the same slot.

use crate::ids::{CallId, EndId};
use crate::net::Target;
use crate::time::Time;
use std::cell::Cell;

thread_local! {
    /// How many slots the last slab dropped on this thread had: the next
    /// one starts with that room (a sweep runs seeds of one test in a row,
    /// and growing a slab of calls copies every call in it).
    static LAST_SLOTS: Cell<usize> = const { Cell::new(0) };
}

/// Where a call is in the Go code's decision procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Made; waiting for the short delay (case A) or to fail (case B).
    Sent,
    /// Its handler was handed to the world and has not completed yet.
    Handling,
    /// Its fate is sealed: a delivery or a failure event is scheduled.
    Settled,
}

/// One call in flight.
pub(crate) struct Call<Req, Rep> {
    pub(crate) end: EndId,
    /// `Some` in case A: the server the request was addressed to.
    pub(crate) target: Option<Target>,
    /// The flags as they were when the call was made.
    pub(crate) reliable: bool,
    pub(crate) long_reordering: bool,
    pub(crate) sent_at: Time,
    pub(crate) dispatched_at: Time,
    pub(crate) phase: Phase,
    pub(crate) request: Req,
    pub(crate) reply: Option<Rep>,
    pub(crate) reply_len: usize,
}

struct Slot<Req, Rep> {
    generation: u32,
    call: Option<Call<Req, Rep>>,
}

/// The slab of calls.
pub(crate) struct Calls<Req, Rep> {
    slots: Vec<Slot<Req, Rep>>,
    free: Vec<u32>,
    live: usize,
}

impl<Req, Rep> Default for Calls<Req, Rep> {
    fn default() -> Self {
        Calls {
            slots: Vec::with_capacity(LAST_SLOTS.with(Cell::get)),
            free: Vec::new(),
            live: 0,
        }
    }
}

impl<Req, Rep> Drop for Calls<Req, Rep> {
    fn drop(&mut self) {
        let _ = LAST_SLOTS.try_with(|last| last.set(self.slots.len()));
    }
}

impl<Req, Rep> Calls<Req, Rep> {
    pub(crate) fn insert(&mut self, call: Call<Req, Rep>) -> CallId {
        self.live += 1;
        if let Some(slot) = self.free.pop() {
            let s = &mut self.slots[slot as usize];
            s.call = Some(call);
            return CallId::new(slot, s.generation);
        }
        let slot = u32::try_from(self.slots.len()).expect("more than 2^32 calls in flight");
        self.slots.push(Slot {
            generation: 0,
            call: Some(call),
        });
        CallId::new(slot, 0)
    }

    pub(crate) fn get(&self, id: CallId) -> Option<&Call<Req, Rep>> {
        let s = self.slots.get(id.slot())?;
        if s.generation != id.generation() {
            return None;
        }
        s.call.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: CallId) -> Option<&mut Call<Req, Rep>> {
        let s = self.slots.get_mut(id.slot())?;
        if s.generation != id.generation() {
            return None;
        }
        s.call.as_mut()
    }

    /// Removes a live call. Panics on a stale id: the simulator only removes
    /// calls whose events it scheduled itself.
    pub(crate) fn remove(&mut self, id: CallId) -> Call<Req, Rep> {
        let s = &mut self.slots[id.slot()];
        assert_eq!(s.generation, id.generation(), "removing a call twice");
        let call = s.call.take().expect("removing a call twice");
        s.generation = s.generation.wrapping_add(1);
        self.free.push(id.slot() as u32);
        self.live -= 1;
        call
    }

    pub(crate) fn live(&self) -> usize {
        self.live
    }
}
