//! The one event queue, ordered by (time, sequence number).
//!
//! The sequence number is the order of scheduling, so two events at the same
//! virtual instant always run in the order they were scheduled: ties never
//! depend on a data structure's internal layout.
//!
//! Nearly every event is due within a few seconds (a dispatch, a delivery, a
//! timeout, a call to an unreachable server failing after up to 7 s), and
//! there are often a thousand pending (those failing calls). So the queue is
//! a timing wheel: one slot per millisecond for the next [`WHEEL_MS`] ms, each
//! a FIFO list. Events reach a slot in scheduling order, so each list is
//! already sorted by sequence number: scheduling and popping are O(1), and a
//! bitmap finds the next occupied slot. Events further ahead wait in a heap;
//! popping takes the smaller (time, sequence) of the wheel's next and the
//! heap's top, so the order is exactly that of one heap holding everything.

use crate::time::Time;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The wheel's span: events due within this many ms of the current instant
/// take a slot (a power of two, above the course's longest delay of 7 s).
pub const WHEEL_MS: u64 = 8192;
const SLOTS: usize = WHEEL_MS as usize;
const WORDS: usize = SLOTS / 64;

/// An event beyond the wheel's span, in the heap.
struct Entry<E> {
    at: Time,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// An event in a slot's list; `next` is a 1-based node index, 0 ends it.
#[derive(Clone, Copy)]
struct Node<E> {
    seq: u64,
    next: u32,
    event: E,
}

/// A slot's list, as 1-based node indices (0 when empty).
#[derive(Clone, Copy, Default)]
struct Slot {
    head: u32,
    tail: u32,
}

/// The most emptied wheels a thread keeps for its next queues.
const SPARE_WHEELS: usize = 4;

thread_local! {
    /// Wheels of dropped queues, emptied, for the next queues made on this
    /// thread: a sweep's worker makes a simulator per run, and a fresh
    /// wheel is 65 KB to allocate and zero (and to fault in).
    static SPARE: RefCell<Vec<(Vec<Slot>, Vec<u64>)>> = const { RefCell::new(Vec::new()) };
}

/// A wheel's slots and occupancy bits, all empty: a spare one, or new.
fn empty_wheel() -> (Vec<Slot>, Vec<u64>) {
    SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_else(|| (vec![Slot::default(); SLOTS], vec![0; WORDS]))
}

/// A min-queue of events keyed by (time, sequence number).
pub struct EventQueue<E> {
    /// The current instant: every event in the wheel is due in
    /// `base .. base + WHEEL_MS`, in slot `at % WHEEL_MS`.
    base: Time,
    slots: Vec<Slot>,
    /// Bit k set when slot k is occupied (all clear in a spare wheel);
    /// `summary` bit w when word w is.
    occupied: Vec<u64>,
    summary: [u64; WORDS / 64],
    /// The lists' nodes; freed ones are chained from `free` (1-based, 0 none).
    nodes: Vec<Node<E>>,
    free: u32,
    in_wheel: usize,
    /// Events due at `base + WHEEL_MS` or later when they were scheduled.
    later: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        let (slots, occupied) = empty_wheel();
        EventQueue {
            base: Time::ZERO,
            slots,
            occupied,
            summary: [0; WORDS / 64],
            nodes: Vec::new(),
            free: 0,
            in_wheel: 0,
            later: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> Drop for EventQueue<E> {
    /// Empties the wheel (only its occupied slots) and keeps it for the
    /// thread's next queue.
    fn drop(&mut self) {
        for (w, word) in self.occupied.iter_mut().enumerate() {
            while *word != 0 {
                let bit = word.trailing_zeros() as usize;
                self.slots[w * 64 + bit] = Slot::default();
                *word &= *word - 1;
            }
        }
        let wheel = (
            std::mem::take(&mut self.slots),
            std::mem::take(&mut self.occupied),
        );
        // At thread exit the spare list may already be gone: then the
        // wheel is simply freed.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_WHEELS {
                spare.push(wheel);
            }
        });
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `at` (not before the current instant), after
    /// everything already scheduled at `at`.
    pub fn push(&mut self, at: Time, event: E) {
        assert!(at >= self.base, "an event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        if at.0 - self.base.0 >= WHEEL_MS {
            self.later.push(Entry { at, seq, event });
            return;
        }
        let node = Node {
            seq,
            next: 0,
            event,
        };
        let k = if self.free != 0 {
            let k = self.free;
            self.free = self.nodes[k as usize - 1].next;
            self.nodes[k as usize - 1] = node;
            k
        } else {
            self.nodes.push(node);
            u32::try_from(self.nodes.len()).expect("more than 2^32 pending events")
        };
        let i = (at.0 % WHEEL_MS) as usize;
        let slot = &mut self.slots[i];
        if slot.tail == 0 {
            slot.head = k;
            self.occupied[i / 64] |= 1 << (i % 64);
            self.summary[i / 4096] |= 1 << (i / 64 % 64);
        } else {
            self.nodes[slot.tail as usize - 1].next = k;
        }
        self.slots[i].tail = k;
        self.in_wheel += 1;
    }

    /// Tells the queue that the clock moved to `now` (a run until a deadline
    /// with nothing left before it). Nothing pending may be due before `now`.
    pub fn advance(&mut self, now: Time) {
        debug_assert!(self.peek_time().is_none_or(|t| t >= now));
        self.base = self.base.max(now);
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<Time> {
        let wheel = self.next_slot().map(|(at, _)| at);
        let later = self.later.peek().map(|e| e.at);
        match (wheel, later) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes the earliest event if it is due at or before `deadline`.
    pub fn pop_until(&mut self, deadline: Time) -> Option<(Time, E)> {
        let wheel = self
            .next_slot()
            .map(|(at, i)| (at, self.nodes[self.slots[i].head as usize - 1].seq, i));
        let later = self.later.peek().map(|e| (e.at, e.seq));
        let from_wheel = match (wheel, later) {
            (Some((at, seq, _)), Some(top)) => (at, seq) < top,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if from_wheel {
            let (at, _, i) = wheel.expect("seen above");
            if at > deadline {
                return None;
            }
            self.base = at;
            return Some((at, self.pop_slot(i)));
        }
        if self.later.peek()?.at > deadline {
            return None;
        }
        let e = self.later.pop().expect("seen above");
        self.base = e.at;
        Some((e.at, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.in_wheel + self.later.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first event of slot `i`, removed.
    fn pop_slot(&mut self, i: usize) -> E {
        let k = self.slots[i].head;
        let node = self.nodes[k as usize - 1];
        self.slots[i].head = node.next;
        if node.next == 0 {
            self.slots[i].tail = 0;
            self.occupied[i / 64] &= !(1 << (i % 64));
            if self.occupied[i / 64] == 0 {
                self.summary[i / 4096] &= !(1 << (i / 64 % 64));
            }
        }
        self.nodes[k as usize - 1].next = self.free;
        self.free = k;
        self.in_wheel -= 1;
        node.event
    }

    /// The first occupied slot from the current instant on, and its time.
    fn next_slot(&self) -> Option<(Time, usize)> {
        if self.in_wheel == 0 {
            return None;
        }
        let start = (self.base.0 % WHEEL_MS) as usize;
        let i = self
            .occupied_from(start)
            .or_else(|| self.occupied_from(0))
            .expect("a non-empty wheel has an occupied slot");
        let ahead = (i + SLOTS - start) % SLOTS;
        Some((self.base + ahead as u64, i))
    }

    /// The first occupied slot at `from` or after it (without wrapping).
    fn occupied_from(&self, from: usize) -> Option<usize> {
        let word = from / 64;
        let bits = self.occupied[word] & (!0u64 << (from % 64));
        if bits != 0 {
            return Some(word * 64 + bits.trailing_zeros() as usize);
        }
        // Whole words after `word`, found through the summary.
        let next = word + 1;
        for s in next / 64..WORDS / 64 {
            let mut words = self.summary[s];
            if s == next / 64 {
                words &= !0u64 << (next % 64);
            }
            if words != 0 {
                let w = s * 64 + words.trailing_zeros() as usize;
                return Some(w * 64 + self.occupied[w].trailing_zeros() as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(Time(5), "b");
        q.push(Time(3), "a");
        q.push(Time(5), "c");
        q.push(Time(9), "d");
        q.push(Time(0), "z");
        q.push(Time(3 * WHEEL_MS), "far");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_until(Time(8))).collect();
        assert_eq!(
            order,
            vec![
                (Time(0), "z"),
                (Time(3), "a"),
                (Time(5), "b"),
                (Time(5), "c")
            ]
        );
        assert_eq!(q.peek_time(), Some(Time(9)));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn a_queue_dropped_with_events_pending_leaves_an_empty_wheel() {
        for round in 0..3 {
            let mut q = EventQueue::default();
            assert_eq!((q.len(), q.peek_time()), (0, None), "round {round}");
            for k in 0..200u64 {
                q.push(Time(k * 37 % 9000), k);
            }
            assert_eq!(q.pop_until(Time(0)), Some((Time(0), 0)));
            assert_eq!(q.peek_time(), Some(Time(37)));
            // Dropped with 199 pending: the next queue reuses its wheel.
        }
    }

    /// The queue against the plainest model: sort everything by (time, seq).
    #[test]
    fn pops_in_exactly_the_order_of_one_sorted_list() {
        let mut rng = SimRng::from_seed(7);
        let mut q = EventQueue::default();
        let mut model: Vec<(Time, u64)> = Vec::new();
        let mut now = Time::ZERO;
        for seq in 0..30_000u64 {
            match rng.below(12) {
                // Mostly "now" or soon, sometimes seconds ahead, now and then
                // beyond the wheel, as the simulator schedules.
                0..=3 => {
                    q.push(now, seq);
                    model.push((now, seq));
                }
                4..=7 => {
                    let at = now + rng.below(30);
                    q.push(at, seq);
                    model.push((at, seq));
                }
                8 => {
                    let at = now + rng.below(3 * WHEEL_MS);
                    q.push(at, seq);
                    model.push((at, seq));
                }
                9 => {
                    let deadline = now + rng.below(2 * WHEEL_MS);
                    model.sort();
                    while model.first().is_some_and(|&(at, _)| at <= deadline) {
                        let (at, expected) = model.remove(0);
                        assert_eq!(q.pop_until(deadline), Some((at, expected)));
                    }
                    assert_eq!(q.pop_until(deadline), None);
                    now = deadline;
                    q.advance(now);
                }
                _ => {
                    model.sort();
                    assert_eq!(q.peek_time(), model.first().map(|e| e.0));
                    if let Some((at, expected)) = q.pop_until(now + 1_000) {
                        assert_eq!((at, expected), model.remove(0));
                        now = at;
                    }
                }
            }
            assert_eq!(q.len(), model.len());
        }
    }
}
