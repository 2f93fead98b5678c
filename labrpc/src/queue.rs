//! The one event queue, ordered by (time, sequence number).
//!
//! The sequence number is the order of scheduling, so two events at the same
//! virtual instant always run in the order they were scheduled: ties never
//! depend on a heap's internal layout.
//!
//! Most events are scheduled for the current instant (a reliable network
//! dispatches and delivers at once), and those arrive already in order: they
//! wait in a FIFO, and only events for later instants go through the heap.
//! Popping takes the smaller (time, sequence) of the two fronts, so the order
//! is exactly that of one heap holding everything.

use crate::time::Time;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

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

/// A min-queue of events keyed by (time, sequence number).
pub struct EventQueue<E> {
    /// Events for other instants than `fifo_at`.
    heap: BinaryHeap<Entry<E>>,
    /// Events for the instant `fifo_at`, in scheduling (sequence) order.
    fifo: VecDeque<(u64, E)>,
    /// The instant of the FIFO's events: the current instant (the last one
    /// popped or advanced to) whenever the FIFO is empty.
    fifo_at: Time,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            fifo: VecDeque::new(),
            fifo_at: Time::ZERO,
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, after everything already scheduled at `at`.
    pub fn push(&mut self, at: Time, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if at == self.fifo_at {
            self.fifo.push_back((seq, event));
        } else {
            self.heap.push(Entry { at, seq, event });
        }
    }

    /// Tells the queue that the clock moved to `now` without an event (a run
    /// until a deadline), so that events for `now` can take the FIFO.
    pub fn advance(&mut self, now: Time) {
        if self.fifo.is_empty() {
            self.fifo_at = now;
        }
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<Time> {
        match (self.fifo.is_empty(), self.heap.peek()) {
            (false, Some(e)) => Some(e.at.min(self.fifo_at)),
            (false, None) => Some(self.fifo_at),
            (true, top) => top.map(|e| e.at),
        }
    }

    /// Removes the earliest event if it is due at or before `deadline`.
    pub fn pop_until(&mut self, deadline: Time) -> Option<(Time, E)> {
        let from_fifo = match (self.fifo.front(), self.heap.peek()) {
            (Some(&(seq, _)), Some(top)) => (self.fifo_at, seq) < (top.at, top.seq),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if from_fifo {
            if self.fifo_at > deadline {
                return None;
            }
            let (_, event) = self.fifo.pop_front().expect("a front was seen");
            return Some((self.fifo_at, event));
        }
        if self.heap.peek()?.at > deadline {
            return None;
        }
        let e = self.heap.pop().expect("a top was seen");
        self.advance(e.at);
        Some((e.at, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + self.fifo.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        assert_eq!(q.len(), 1);
    }

    /// The queue against the plainest model: sort everything by (time, seq).
    #[test]
    fn pops_in_exactly_the_order_of_one_sorted_list() {
        let mut rng = SimRng::from_seed(7);
        let mut q = EventQueue::default();
        let mut model: Vec<(Time, u64)> = Vec::new();
        let mut now = Time::ZERO;
        for seq in 0..20_000u64 {
            match rng.below(10) {
                // Mostly "now", sometimes later, as the simulator schedules.
                0..=4 => {
                    q.push(now, seq);
                    model.push((now, seq));
                }
                5..=7 => {
                    let at = now + rng.below(30);
                    q.push(at, seq);
                    model.push((at, seq));
                }
                8 => {
                    let deadline = now + rng.below(5);
                    model.sort();
                    while model.first().is_some_and(|&(at, _)| at <= deadline) {
                        let (at, expected) = model.remove(0);
                        assert_eq!(q.pop_until(deadline), Some((at, expected)));
                        now = at;
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
