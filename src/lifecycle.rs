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
//! Guards make stale events harmless, but they would still wait in the heap and count as
//! pending: an event names the resource it is about ([`Owned`]), and removing a resource
//! cancels its events ([`Lifecycle::cancel`]), so the pending count is what will happen.
//! For long advances, the run in progress tells the providers how far it goes
//! ([`Lifecycle::horizon`]), so that a periodic chain can skip work nobody will see, and
//! count what it skipped ([`Lifecycle::count_coalesced`]).
//!
//! May touch: `crate::clock` (types only), `crate::store` (its hasher).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::clock::SimInstant;
use crate::store::FxBuild;

/// The resource an event is about: removing it cancels the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner<'a> {
    pub provider: &'static str,
    /// The resource kind (`service`, `instance`, ...): ids of two kinds may be equal.
    pub kind: &'static str,
    pub tenant: &'a str,
    pub id: &'a str,
}

/// Events that may belong to a resource.
pub trait Owned {
    /// The resource this event is about; `None` when removing no resource should cancel it.
    fn owner(&self) -> Option<Owner<'_>>;
}

fn owner_hash(owner: &Owner) -> u64 {
    FxBuild::default().hash_one(owner)
}

/// The heap itself (no locking).
pub struct Schedule<E> {
    queue: BinaryHeap<Reverse<(SimInstant, u64)>>,
    /// By seq (FxHash: the keys are a counter, SipHash bought nothing here).
    events: HashMap<u64, E, FxBuild>,
    /// The seqs of each owner's events, by [`owner_hash`] (a collision is told apart by
    /// comparing the events' owners on cancel).
    owners: HashMap<u64, Vec<u64>, FxBuild>,
    next_seq: u64,
}

impl<E> Default for Schedule<E> {
    fn default() -> Self {
        Schedule { queue: BinaryHeap::new(), events: HashMap::default(), owners: HashMap::default(), next_seq: 0 }
    }
}

impl<E: Owned> Schedule<E> {
    pub fn at(&mut self, due: SimInstant, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Some(owner) = event.owner() {
            self.owners.entry(owner_hash(&owner)).or_default().push(seq);
        }
        self.queue.push(Reverse((due, seq)));
        self.events.insert(seq, event);
        seq
    }

    /// Cancels every pending event of `owner` (its resource is gone); answers how many.
    pub fn cancel(&mut self, owner: &Owner) -> usize {
        let hash = owner_hash(owner);
        let Some(seqs) = self.owners.remove(&hash) else { return 0 };
        let mut kept = Vec::new();
        let mut cancelled = 0;
        for seq in seqs {
            match self.events.get(&seq) {
                Some(e) if e.owner().as_ref() == Some(owner) => {
                    self.events.remove(&seq);
                    cancelled += 1;
                }
                Some(_) => kept.push(seq),
                None => {}
            }
        }
        if !kept.is_empty() {
            self.owners.insert(hash, kept);
        }
        // Cancelled keys stay in the heap until they surface; rebuild it when they
        // outnumber the live ones, so that memory follows what is pending.
        if self.queue.len() > 2 * self.events.len() + 1024 {
            let events = &self.events;
            self.queue.retain(|Reverse((_, seq))| events.contains_key(seq));
        }
        cancelled
    }

    fn forget_owner(&mut self, event: &E, seq: u64) {
        let Some(owner) = event.owner() else { return };
        let hash = owner_hash(&owner);
        if let Some(seqs) = self.owners.get_mut(&hash) {
            if let Some(i) = seqs.iter().position(|s| *s == seq) {
                seqs.swap_remove(i);
            }
            if seqs.is_empty() {
                self.owners.remove(&hash);
            }
        }
    }

    /// The earliest event due at or before `now`, removed from the heap.
    pub fn pop_due(&mut self, now: SimInstant) -> Option<(SimInstant, E)> {
        while let Some(&Reverse((due, seq))) = self.queue.peek() {
            if due > now {
                return None;
            }
            self.queue.pop();
            if let Some(event) = self.events.remove(&seq) {
                self.forget_owner(&event, seq);
                return Some((due, event));
            }
        }
        None
    }
}

impl<E> Schedule<E> {
    /// The earliest due time of a pending event (cancelled keys on top are dropped).
    pub fn next_due(&mut self) -> Option<SimInstant> {
        while let Some(&Reverse((due, seq))) = self.queue.peek() {
            if self.events.contains_key(&seq) {
                return Some(due);
            }
            self.queue.pop();
        }
        None
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
        self.owners.clear();
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
    /// Events popped when due (whether or not they changed anything): the work a clock
    /// advance did, which coalescing keeps bounded.
    ran: AtomicU64,
    /// How far the run of due events in progress goes (`0` between runs).
    horizon: AtomicU64,
    /// Transitions skipped by coalescing in the run in progress, not yet counted.
    coalesced: AtomicU64,
}

impl<E> Default for Lifecycle<E> {
    fn default() -> Self {
        Lifecycle {
            schedule: Mutex::new(Schedule::default()),
            next_due_hint: AtomicU64::new(u64::MAX),
            wake: Notify::new(),
            applied: AtomicU64::new(0),
            ran: AtomicU64::new(0),
            horizon: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
        }
    }
}

impl<E> Lifecycle<E> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule<E>> {
        // A panic while holding this lock is a bug elsewhere; keep serving anyway.
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Schedules `event` at `due`.
    pub fn at(&self, due: SimInstant, event: E)
    where
        E: Owned,
    {
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

    /// Cancels the pending events of a removed resource; answers how many.
    pub fn cancel(&self, owner: &Owner) -> usize
    where
        E: Owned,
    {
        self.lock().cancel(owner)
    }

    pub fn pop_due(&self, now: SimInstant) -> Option<(SimInstant, E)>
    where
        E: Owned,
    {
        let mut s = self.lock();
        let popped = s.pop_due(now);
        if popped.is_some() {
            self.ran.fetch_add(1, Ordering::Relaxed);
        }
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

    /// How many due events were run (popped to be applied), since the start.
    pub fn ran(&self) -> u64 {
        self.ran.load(Ordering::Relaxed)
    }

    /// Set by the core before it applies an event: every event due at or before
    /// `horizon` will be applied in this run, with nothing else (no request, no timeline
    /// action) in between. `SimInstant::ZERO` outside such a run.
    pub fn set_horizon(&self, horizon: SimInstant) {
        self.horizon.store(horizon.0, Ordering::Release);
    }

    /// See [`Lifecycle::set_horizon`].
    pub fn horizon(&self) -> SimInstant {
        SimInstant(self.horizon.load(Ordering::Acquire))
    }

    /// A provider skipped `n` transitions nobody could have seen (a periodic chain
    /// coalesced over a long advance): they count as applied.
    pub fn count_coalesced(&self, n: u64) {
        self.coalesced.fetch_add(n, Ordering::Relaxed);
        self.applied.fetch_add(n, Ordering::Relaxed);
    }

    /// The coalesced count since the last call.
    pub fn take_coalesced(&self) -> u64 {
        self.coalesced.swap(0, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Owned for &'static str {
        fn owner(&self) -> Option<Owner<'_>> {
            Some(Owner { provider: "test", kind: "thing", tenant: "t", id: self.split(':').next().unwrap_or("") })
        }
    }

    impl Owned for i32 {
        fn owner(&self) -> Option<Owner<'_>> {
            None
        }
    }

    #[test]
    fn cancelling_an_owner_removes_only_its_events() {
        let mut s = Schedule::default();
        s.at(SimInstant(10), "a:1");
        s.at(SimInstant(20), "b:1");
        s.at(SimInstant(30), "a:2");
        let a = Owner { provider: "test", kind: "thing", tenant: "t", id: "a" };
        assert_eq!(s.cancel(&a), 2);
        assert_eq!(s.len(), 1);
        assert_eq!(s.next_due(), Some(SimInstant(20)), "a cancelled top is skipped");
        assert_eq!(s.pop_due(SimInstant(100)), Some((SimInstant(20), "b:1")));
        assert_eq!(s.pop_due(SimInstant(100)), None);
        assert_eq!(s.cancel(&a), 0);
    }

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
