//! Scheduled transitions: "at simulated time T, apply event X".
//!
//! A min-heap keyed by `(due, seq)`; `seq` is insertion order, so events due at the same
//! instant replay in the order they were scheduled. Events are plain data owned by the
//! providers (the core never looks inside them); each provider guards its own events
//! ("apply only if the resource is still in state A"), so nothing here needs cancelling.
//!
//! Who runs due events: `Simulator::advance` (manual clock) before it returns, the driver
//! task (real and scaled clocks), and every request on arrival when the lock-free
//! [`Lifecycle::is_due`] hint says something is due, so a request never sees a state that
//! should already have moved on.
//!
//! May touch: `crate::clock` (types only).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::clock::SimInstant;

/// The heap itself (no locking).
pub struct Schedule<E> {
    queue: BinaryHeap<Reverse<(SimInstant, u64)>>,
    events: HashMap<u64, E>,
    next_seq: u64,
}

impl<E> Default for Schedule<E> {
    fn default() -> Self {
        Schedule { queue: BinaryHeap::new(), events: HashMap::new(), next_seq: 0 }
    }
}

impl<E> Schedule<E> {
    pub fn at(&mut self, due: SimInstant, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse((due, seq)));
        self.events.insert(seq, event);
        seq
    }

    /// The earliest event due at or before `now`, removed from the heap.
    pub fn pop_due(&mut self, now: SimInstant) -> Option<(SimInstant, E)> {
        while let Some(&Reverse((due, seq))) = self.queue.peek() {
            if due > now {
                return None;
            }
            self.queue.pop();
            if let Some(event) = self.events.remove(&seq) {
                return Some((due, event));
            }
        }
        None
    }

    /// The earliest due time: the heap's top (events leave the heap only through
    /// `pop_due` or `clear`, so the top is never stale).
    pub fn next_due(&self) -> Option<SimInstant> {
        self.queue.peek().map(|Reverse((due, _))| *due)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Pending events in the order they will run.
    pub fn pending(&self) -> Vec<(SimInstant, &E)> {
        let mut keys: Vec<(SimInstant, u64)> = self.queue.iter().map(|Reverse(k)| *k).collect();
        keys.sort_unstable();
        keys.into_iter().filter_map(|(due, seq)| self.events.get(&seq).map(|e| (due, e))).collect()
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.events.clear();
        self.next_seq = 0;
    }
}

/// The shared, lockable schedule with a lock-free "is anything due?" hint.
pub struct Lifecycle<E> {
    schedule: Mutex<Schedule<E>>,
    /// Earliest due time in the heap (`u64::MAX` when empty). Conservative: may be earlier
    /// than the real earliest after a pop, never later.
    next_due_hint: AtomicU64,
    /// Wakes the real-time driver when an earlier event is scheduled.
    pub wake: Notify,
    applied: AtomicU64,
}

impl<E> Default for Lifecycle<E> {
    fn default() -> Self {
        Lifecycle {
            schedule: Mutex::new(Schedule::default()),
            next_due_hint: AtomicU64::new(u64::MAX),
            wake: Notify::new(),
            applied: AtomicU64::new(0),
        }
    }
}

impl<E> Lifecycle<E> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule<E>> {
        // A panic while holding this lock is a bug elsewhere; keep serving anyway.
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Schedules `event` at `due`.
    pub fn at(&self, due: SimInstant, event: E) {
        self.lock().at(due, event);
        let prev = self.next_due_hint.fetch_min(due.0, Ordering::AcqRel);
        if due.0 < prev {
            self.wake.notify_one();
        }
    }

    /// Lock-free: could an event be due at `now`?
    pub fn is_due(&self, now: SimInstant) -> bool {
        self.next_due_hint.load(Ordering::Acquire) <= now.0
    }

    pub fn pop_due(&self, now: SimInstant) -> Option<(SimInstant, E)> {
        let mut s = self.lock();
        let popped = s.pop_due(now);
        self.next_due_hint.store(s.next_due().map_or(u64::MAX, |d| d.0), Ordering::Release);
        popped
    }

    pub fn next_due(&self) -> Option<SimInstant> {
        self.lock().next_due()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.next_due_hint.store(u64::MAX, Ordering::Release);
    }

    /// Pending events (cloned), in run order.
    pub fn pending(&self) -> Vec<(SimInstant, E)>
    where
        E: Clone,
    {
        self.lock().pending().into_iter().map(|(d, e)| (d, e.clone())).collect()
    }

    pub fn count_applied(&self) {
        self.applied.fetch_add(1, Ordering::Relaxed);
    }

    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut s = Schedule::default();
        s.at(SimInstant(20), "c");
        s.at(SimInstant(10), "a");
        s.at(SimInstant(10), "b");
        assert_eq!(s.pop_due(SimInstant(5)), None);
        assert_eq!(s.pop_due(SimInstant(30)), Some((SimInstant(10), "a")));
        assert_eq!(s.pop_due(SimInstant(30)), Some((SimInstant(10), "b")));
        assert_eq!(s.pop_due(SimInstant(30)), Some((SimInstant(20), "c")));
        assert!(s.is_empty());
    }

    #[test]
    fn hint_tracks_the_earliest_event() {
        let l = Lifecycle::default();
        assert!(!l.is_due(SimInstant(u64::MAX - 1)));
        l.at(SimInstant(50), 1);
        l.at(SimInstant(40), 2);
        assert!(!l.is_due(SimInstant(39)));
        assert!(l.is_due(SimInstant(40)));
        assert_eq!(l.pop_due(SimInstant(45)), Some((SimInstant(40), 2)));
        assert!(!l.is_due(SimInstant(45)));
        assert!(l.is_due(SimInstant(50)));
    }
}
