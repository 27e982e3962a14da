//! Scheduled transitions: "at simulated time T, apply event X".
//!
//! A min-heap keyed by `(due, seq)`; `seq` is insertion order, so events due at the same
//! instant replay in the order they were scheduled. The events themselves sit in a slab
//! the keys point into ([`Schedule`]): scheduling one (every create does) and running
//! one (an advance runs millions) take no hash-map update but an owner's first or last,
//! and not even those when a settle schedules the next events of the resource it ran
//! (`Hot`). A long run sweeps its due keys out of the heap in one pass
//! (`Schedule::sweep`). Events are plain data owned by the providers (the core never
//! looks inside them); each provider guards its own events ("apply only if the resource
//! is still in state A"), so nothing here needs cancelling.
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
use std::collections::{BinaryHeap, HashMap, VecDeque};
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

/// foldhash (fast, fixed seed), not the tables' FxHash: an owner is four strings hashed
/// for every event scheduled, 39 ns with FxHash's eight bytes per dependent multiply and
/// 5 with foldhash. The tables keep FxHash, under which ids that differ in their last
/// characters (`db1`, `db2`, ...) land in nearby buckets: with foldhash a Fujitsu
/// create into a store of 100k instances ran at 0.74-0.82 of one into an empty store,
/// with FxHash at 0.89-0.97.
fn owner_hash(owner: &Owner) -> u64 {
    foldhash::fast::FixedState::default().hash_one(owner)
}

/// "No slot": the end of an owner's chain, of the free list.
const NONE: u32 = u32::MAX;

/// A heap key: due time, then insertion order; `slot` says where the event is (the
/// order never looks at it, `seq` being unique).
type Key = (SimInstant, u64, u32);

/// One place of the slab: an event, or a free place (`event` empty, `next` the next
/// free one).
struct Slot<E> {
    /// The seq of the event it holds (or last held): a heap key whose seq differs is of
    /// an event cancelled since, whose place was taken again.
    seq: u64,
    event: Option<E>,
    /// The [`owner_hash`] of the event (meaningful when `owned`).
    owner: u64,
    owned: bool,
    /// Neighbours in the chain of the events of the same owner hash.
    prev: u32,
    next: u32,
}

/// The places of the events, in chunks of [`CHUNK`]: growing takes a new chunk and
/// never moves the others (a `Vec` of 200k events copied itself on each doubling, an
/// eighth of an advance that schedules more events than it runs).
struct Slab<E> {
    chunks: Vec<Vec<Slot<E>>>,
}

/// Heap pops of one run before it may sweep the heap ([`Schedule::sweep`]).
const SWEEP_AFTER: usize = 256;

/// Places per chunk of the [`Slab`].
const CHUNK: usize = 4096;

impl<E> Default for Slab<E> {
    fn default() -> Self {
        Slab { chunks: Vec::new() }
    }
}

impl<E> Slab<E> {
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn len(&self) -> usize {
        self.chunks.last().map_or(0, |c| (self.chunks.len() - 1) * CHUNK + c.len())
    }

    fn get(&self, at: u32) -> Option<&Slot<E>> {
        let at = at as usize;
        self.chunks.get(at / CHUNK)?.get(at % CHUNK)
    }

    /// Keeps the first `len` places (a chunk no longer needed goes back to the allocator).
    fn truncate(&mut self, len: usize) {
        self.chunks.truncate(len.div_ceil(CHUNK));
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(len - (len.div_ceil(CHUNK) - 1) * CHUNK);
        }
    }

    fn push(&mut self, slot: Slot<E>) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(slot),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(slot);
                self.chunks.push(c);
            }
        }
    }
}

impl<E> std::ops::Index<u32> for Slab<E> {
    type Output = Slot<E>;
    fn index(&self, at: u32) -> &Slot<E> {
        let at = at as usize;
        &self.chunks[at / CHUNK][at % CHUNK]
    }
}

impl<E> std::ops::IndexMut<u32> for Slab<E> {
    fn index_mut(&mut self, at: u32) -> &mut Slot<E> {
        let at = at as usize;
        &mut self.chunks[at / CHUNK][at % CHUNK]
    }
}

/// The heap itself (no locking).
///
/// Events live in a slab (a `Vec` of places reused through a free list), indexed by the
/// heap's keys, so that scheduling and popping take no hash-map update for the event
/// itself. The events of one owner are a doubly linked chain through their places, and
/// `owners` maps an owner hash to the chain's head: scheduling the first event of an
/// owner is one hash-map insert, further ones none; popping an event is one hash-map
/// update only when it is its chain's head, and no allocation ever (no `Vec` per owner).
/// A cancelled event's place is freed at once; its heap key stays until it surfaces (or
/// the heap is rebuilt) and is recognised as stale by its seq.
pub struct Schedule<E> {
    queue: BinaryHeap<Reverse<Key>>,
    /// Due keys swept out of the heap in one pass, ascending ([`Schedule::sweep`]). An
    /// event is popped from here or from the heap, whichever front is earlier.
    ready: VecDeque<Key>,
    /// Events popped from the heap since the run began or the last sweep.
    streak: usize,
    slots: Slab<E>,
    /// Head of the free list of `slots`.
    free: u32,
    /// Events pending (places in use).
    live: usize,
    /// The head of each owner hash's chain (a collision is told apart by comparing the
    /// events' owners on cancel).
    owners: HashMap<u64, u32, FxBuild>,
    /// The owner map's entry last written or deferred ([`Hot`]).
    hot: Option<Hot>,
    next_seq: u64,
}

/// What the schedule knows of one entry of its owner map without reading it, so that
/// the usual run of a settle (its event popped, then one or two events of the same
/// resource scheduled) touches the map not at all: a probe of a map of 100k owners is a
/// cache miss, and it was the largest part of a ClickHouse settle's pop.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Hot {
    hash: u64,
    /// `owners[hash]`.
    slot: u32,
    /// The chain's only event was released from `slot` and the map entry left in place:
    /// the next event of the same owner takes the same place (the head of the free
    /// list), and the entry is right again. Anything else first removes it ([`Schedule::flush`]).
    freed: bool,
}

impl<E> Default for Schedule<E> {
    fn default() -> Self {
        Schedule {
            queue: BinaryHeap::new(),
            ready: VecDeque::new(),
            streak: 0,
            slots: Slab::default(),
            free: NONE,
            live: 0,
            owners: HashMap::default(),
            hot: None,
            next_seq: 0,
        }
    }
}

impl<E: Owned> Schedule<E> {
    pub fn at(&mut self, due: SimInstant, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let owner = event.owner().map(|o| owner_hash(&o));
        let slot = self.take_slot(seq, event);
        if let Some(hash) = owner {
            self.link(slot, hash);
        }
        self.queue.push(Reverse((due, seq, slot)));
        seq
    }

    /// Cancels every pending event of `owner` (its resource is gone); answers how many.
    pub fn cancel(&mut self, owner: &Owner) -> usize {
        self.flush();
        let hash = owner_hash(owner);
        let mut at = self.owners.get(&hash).copied().unwrap_or(NONE);
        let mut cancelled = 0;
        while at != NONE {
            let slot = &self.slots[at];
            let next = slot.next;
            if slot.event.as_ref().and_then(Owned::owner).as_ref() == Some(owner) {
                self.release(at);
                cancelled += 1;
            }
            at = next;
        }
        // Cancelled keys stay in the heap until they surface; rebuild it when they
        // outnumber the live ones, so that memory follows what is pending.
        // The last release may have left its entry in place; cancels are rare.
        self.flush();
        if self.queue.len() + self.ready.len() > 2 * self.live + 1024 {
            let slots = &self.slots;
            self.queue.retain(|Reverse((_, seq, slot))| is_live(slots, *seq, *slot));
            self.ready.retain(|(_, seq, slot)| is_live(slots, *seq, *slot));
        }
        cancelled
    }

    /// The earliest event due at or before `now`, removed from the heap.
    pub fn pop_due(&mut self, now: SimInstant) -> Option<(SimInstant, E)> {
        while let Some((due, seq, slot)) = self.take_front(now) {
            if is_live(&self.slots, seq, slot) {
                return self.release(slot).map(|event| (due, event));
            }
        }
        // Nothing more is due: the end of a run, when the places it freed are counted.
        self.streak = 0;
        self.compact_if_sparse();
        None
    }

    /// The earliest key due at or before `now` (live or not), from the heap or the swept
    /// keys; sweeps the heap once a run has popped enough of it one by one.
    fn take_front(&mut self, now: SimInstant) -> Option<Key> {
        let heap = self.queue.peek().map(|Reverse(k)| *k).filter(|k| k.0 <= now);
        let swept = self.ready.front().copied().filter(|k| k.0 <= now);
        match (heap, swept) {
            (None, None) => None,
            (Some(h), Some(r)) if r < h => self.ready.pop_front(),
            (None, Some(_)) => self.ready.pop_front(),
            (Some(h), _) => {
                self.queue.pop();
                self.streak += 1;
                if self.streak >= SWEEP_AFTER.max(self.queue.len() / 32) {
                    self.sweep(now);
                }
                Some(h)
            }
        }
    }

    /// Takes every key due at or before `now` out of the heap into `ready`, sorted,
    /// and rebuilds the heap of the rest: two passes over the heap's array instead of a
    /// pop apiece, each a walk from its top to its bottom through cache misses (a pop of
    /// a heap of 200k keys was a sixth of a ClickHouse settle). Called once a run has
    /// popped a thirty-second of the heap (and at least [`SWEEP_AFTER`]) one by one, so
    /// the passes cost at most what those pops did: a run of a few events never sweeps,
    /// a run of many sweeps once, and what the run schedules that is due before it ends
    /// goes into the heap and is merged by [`Schedule::take_front`].
    fn sweep(&mut self, now: SimInstant) {
        self.streak = 0;
        // Stale keys (cancelled events) go along: telling them apart would read every
        // event's place, and a pop drops them as it meets them.
        let mut keys = std::mem::take(&mut self.queue).into_vec();
        let mut due: Vec<Key> = Vec::new();
        keys.retain(|&Reverse(k)| {
            let run = k.0 <= now;
            if run {
                due.push(k);
            }
            !run
        });
        self.queue = BinaryHeap::from(keys);
        due.sort_unstable();
        if self.ready.is_empty() {
            self.ready = VecDeque::from(due);
        } else {
            self.ready.extend(due);
            self.ready.make_contiguous().sort_unstable();
        }
    }

    /// Packs the pending events into the first places of the slab and drops the rest,
    /// and rebuilds the heap and the owner map at their size, when more than a third of
    /// the places are free. A run that settles many resources schedules their next events
    /// while the old ones are still in place (a ClickHouse settle schedules an idle check
    /// and a backup slot), so the slab peaks at twice what stays pending. The packing moves
    /// events within the slab (no second slab), so the places it frees go back to the
    /// allocator for what comes next. It is O(pending), paid at most once per half as many
    /// events run: a constant cost per event.
    fn compact_if_sparse(&mut self) {
        let places = self.slots.len();
        if places - self.live <= self.live / 2 + CHUNK {
            return;
        }
        let mut keys: Vec<Reverse<Key>> = std::mem::take(&mut self.queue).into_vec();
        // Swept keys not yet run (a run that stopped before a timeline action) go back
        // to the heap, which is rebuilt with them.
        keys.extend(self.ready.drain(..).map(Reverse));
        keys.retain(|Reverse((_, seq, slot))| is_live(&self.slots, *seq, *slot));
        keys.shrink_to_fit();
        let kept = keys.len();
        let target = u32::try_from(kept).expect("places are u32");
        // The free places below `target` take the events above it, one each.
        let holes: Vec<u32> = (0..target).filter(|&at| self.slots[at].event.is_none()).collect();
        let mut holes = holes.into_iter();
        for Reverse((_, _, slot)) in keys.iter_mut().filter(|Reverse((_, _, slot))| *slot >= target) {
            let hole = holes.next().expect("as many free places below the live count as live events above it");
            let moved = std::mem::replace(
                &mut self.slots[*slot],
                Slot { seq: 0, event: None, owner: 0, owned: false, prev: NONE, next: NONE },
            );
            self.slots[hole] = moved;
            *slot = hole;
        }
        self.slots.truncate(kept);
        // The chains are rebuilt over the places the events have now.
        self.hot = None;
        self.owners = HashMap::default();
        for at in 0..target {
            let place = &mut self.slots[at];
            (place.prev, place.next) = (NONE, NONE);
            if place.owned {
                let hash = place.owner;
                self.link(at, hash);
            }
        }
        self.owners.shrink_to_fit();
        self.free = NONE;
        self.live = kept;
        self.queue = BinaryHeap::from(keys);
    }
}

/// Whether a heap key names the event its place holds (not one cancelled since).
fn is_live<E>(slots: &Slab<E>, seq: u64, slot: u32) -> bool {
    slots.get(slot).is_some_and(|s| s.seq == seq && s.event.is_some())
}

impl<E> Schedule<E> {
    /// A place for `event`: a free one, or a new one at the end.
    fn take_slot(&mut self, seq: u64, event: E) -> u32 {
        self.live += 1;
        let fresh = Slot { seq, event: Some(event), owner: 0, owned: false, prev: NONE, next: NONE };
        if self.free != NONE {
            let at = self.free;
            self.free = self.slots[at].next;
            self.slots[at] = fresh;
            return at;
        }
        // Four billion pending events would take hundreds of GiB first.
        let at = u32::try_from(self.slots.len()).expect("fewer than 2^32 - 1 pending events");
        assert!(at != NONE, "fewer than 2^32 - 1 pending events");
        self.slots.push(fresh);
        at
    }

    /// Puts place `at` into the chain of owner hash `hash`: second, behind the head, when
    /// the head is known ([`Hot`]), else at the head.
    fn link(&mut self, at: u32, hash: u64) {
        match self.hot {
            // The owner's head is known: the new event goes second in its chain.
            Some(Hot { hash: h, slot: head, freed: false }) if h == hash => {
                let next = self.slots[head].next;
                self.slots[head].next = at;
                if next != NONE {
                    self.slots[next].prev = at;
                }
                let slot = &mut self.slots[at];
                (slot.owner, slot.owned, slot.prev, slot.next) = (hash, true, head, next);
                return;
            }
            // The owner's last event was released from this very place: the map entry
            // left there is right again.
            Some(Hot { hash: h, slot, freed: true }) if h == hash && slot == at => {
                let slot = &mut self.slots[at];
                (slot.owner, slot.owned, slot.prev, slot.next) = (hash, true, NONE, NONE);
                self.hot = Some(Hot { hash, slot: at, freed: false });
                return;
            }
            _ => self.flush(),
        }
        let head = self.owners.insert(hash, at).unwrap_or(NONE);
        let slot = &mut self.slots[at];
        slot.owner = hash;
        slot.owned = true;
        slot.next = head;
        if head != NONE {
            self.slots[head].prev = at;
        }
        self.hot = Some(Hot { hash, slot: at, freed: false });
    }

    /// Removes the map entry a release left in place (see [`Hot::freed`]).
    fn flush(&mut self) {
        if let Some(Hot { hash, freed: true, .. }) = self.hot.take() {
            self.owners.remove(&hash);
        }
    }

    /// Takes place `at`'s event out of its owner's chain and frees the place.
    fn release(&mut self, at: u32) -> Option<E> {
        let slot = &mut self.slots[at];
        let event = slot.event.take()?;
        let (owned, hash, prev, next) = (slot.owned, slot.owner, slot.prev, slot.next);
        slot.owned = false;
        slot.prev = NONE;
        slot.next = self.free;
        self.free = at;
        self.live -= 1;
        if owned {
            if next != NONE {
                self.slots[next].prev = prev;
            }
            if prev != NONE {
                self.slots[prev].next = next;
            } else if next != NONE {
                self.flush();
                self.owners.insert(hash, next);
                self.hot = Some(Hot { hash, slot: next, freed: false });
            } else {
                // The chain's only event: its map entry stays until the next event of
                // the same owner takes this place again, or anything else flushes it.
                self.flush();
                self.hot = Some(Hot { hash, slot: at, freed: true });
            }
        }
        Some(event)
    }

    /// The earliest due time of a pending event (cancelled keys on top are dropped).
    pub fn next_due(&mut self) -> Option<SimInstant> {
        while let Some(&(_, seq, slot)) = self.ready.front() {
            if is_live(&self.slots, seq, slot) {
                break;
            }
            self.ready.pop_front();
        }
        while let Some(&Reverse((_, seq, slot))) = self.queue.peek() {
            if is_live(&self.slots, seq, slot) {
                break;
            }
            self.queue.pop();
        }
        let heap = self.queue.peek().map(|Reverse(k)| k.0);
        let swept = self.ready.front().map(|k| k.0);
        heap.into_iter().chain(swept).min()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Pending events in the order they will run.
    pub fn pending(&self) -> Vec<(SimInstant, &E)> {
        let mut keys: Vec<Key> = self.queue.iter().map(|Reverse(k)| *k).chain(self.ready.iter().copied()).collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter(|(_, seq, slot)| is_live(&self.slots, *seq, *slot))
            .filter_map(|(due, _, slot)| self.slots[slot].event.as_ref().map(|e| (due, e)))
            .collect()
    }

    pub fn clear(&mut self) {
        // Memory goes back too: a reset after a large world keeps no large slab.
        *self = Schedule::default();
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

    /// `n` transitions applied (one atomic add for all of an event's).
    pub fn count_applied(&self, n: u64) {
        if n > 0 {
            self.applied.fetch_add(n, Ordering::Relaxed);
        }
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
    fn a_mostly_free_slab_is_compacted_at_the_end_of_a_run_and_keeps_order_and_chains() {
        let mut s = Schedule::default();
        let n = 4 * CHUNK as u64;
        let names: Vec<&'static str> = (0..n).map(|i| &*format!("o{}:{i}", i % 7).leak()).collect();
        for (i, name) in names.iter().enumerate() {
            s.at(SimInstant(i as u64), *name);
        }
        // The first three quarters run: a quarter stays pending in a slab of 4 chunks.
        for i in 0..3 * n / 4 {
            assert_eq!(s.pop_due(SimInstant(3 * n / 4 - 1)), Some((SimInstant(i), names[i as usize])));
        }
        assert_eq!(s.slots.len(), n as usize, "no compaction while the run goes on");
        assert_eq!(s.pop_due(SimInstant(3 * n / 4 - 1)), None);
        assert_eq!(s.slots.len(), CHUNK, "the run's end packed the pending events into a slab of their size");
        assert_eq!(s.slots.chunks.len(), 1);
        assert_eq!(s.queue.len(), CHUNK);
        assert_eq!(s.len(), CHUNK);
        // Owner chains still find every event of their owner.
        let o3 = Owner { provider: "test", kind: "thing", tenant: "t", id: "o3" };
        let of_o3 = (3 * n / 4..n).filter(|i| i % 7 == 3).count();
        assert_eq!(s.cancel(&o3), of_o3);
        // The rest still runs in order.
        let rest: Vec<_> = std::iter::from_fn(|| s.pop_due(SimInstant(n))).collect();
        let expected: Vec<_> =
            (3 * n / 4..n).filter(|i| i % 7 != 3).map(|i| (SimInstant(i), names[i as usize])).collect();
        assert_eq!(rest, expected);
        assert!(s.is_empty());
    }

    #[test]
    fn a_long_run_sweeps_the_heap_and_still_pops_in_order_with_what_it_schedules_and_cancels() {
        let mut s = Schedule::default();
        // Expected order: (due, seq), every live event; names carry their owner.
        let mut model: std::collections::BTreeSet<(u64, u64, &'static str)> = Default::default();
        let mut x: u64 = 7;
        let mut next = |m: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for i in 0..20_000u64 {
            let name: &'static str = format!("o{}:{i}", i % 97).leak();
            let due = next(1_000);
            let seq = s.at(SimInstant(due), name);
            model.insert((due, seq, name));
        }
        let until = 600;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        let mut cancelled = Vec::new();
        let mut swept = false;
        let mut i = 20_000u64;
        // The model's next due event, while there is one.
        while let Some(&(due, seq, name)) = model.first().filter(|(due, _, _)| *due <= until) {
            model.remove(&(due, seq, name));
            expected.push((SimInstant(due), name));
            let got = s.pop_due(SimInstant(until)).expect("a due event");
            swept |= !s.ready.is_empty();
            popped.push(got);
            // Every 50th pop schedules one due within the run (before or after the swept
            // keys), every 300th cancels an owner.
            if popped.len() % 50 == 0 {
                let name: &'static str = format!("o{}:{i}", i % 97).leak();
                i += 1;
                let due = next(until + 1);
                let seq = s.at(SimInstant(due), name);
                model.insert((due, seq, name));
            }
            if popped.len() % 300 == 0 {
                let owner_id: &'static str = format!("o{}", next(97)).leak();
                cancelled.push(owner_id);
                let n = s.cancel(&owner(owner_id));
                let before = model.len();
                model.retain(|(_, _, name)| name.split(':').next() != Some(owner_id));
                assert_eq!(n, before - model.len(), "cancelled {owner_id}");
            }
            if popped.len() != expected.len() || popped.last() != expected.last() {
                break;
            }
        }
        assert_eq!(popped, expected);
        assert!(swept && popped.len() > 10_000 && !cancelled.is_empty(), "the run swept the heap");
        assert_eq!(s.pop_due(SimInstant(until)), None);
        assert_eq!(s.len(), model.len());
        let rest: Vec<_> = std::iter::from_fn(|| s.pop_due(SimInstant(u64::MAX))).collect();
        let want: Vec<_> = model.iter().map(|(due, _, name)| (SimInstant(*due), *name)).collect();
        assert_eq!(rest, want);
        assert!(s.owners.len() <= 1, "at most the last release's entry is left, {} are", s.owners.len());
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

    fn owner(id: &'static str) -> Owner<'static> {
        Owner { provider: "test", kind: "thing", tenant: "t", id }
    }

    #[test]
    fn an_owner_chain_survives_pops_from_its_head_middle_and_tail() {
        let mut s = Schedule::default();
        // The first heads the chain, the others go in behind it while its head is known:
        // a:1, a:5, a:4, a:3, a:2.
        for (due, e) in [(10, "a:1"), (24, "a:2"), (20, "a:3"), (40, "a:4"), (30, "a:5"), (22, "b:1")] {
            s.at(SimInstant(due), e);
        }
        assert_eq!(s.pop_due(SimInstant(25)), Some((SimInstant(10), "a:1")), "the head");
        assert_eq!(s.pop_due(SimInstant(25)), Some((SimInstant(20), "a:3")), "the middle");
        assert_eq!(s.pop_due(SimInstant(25)), Some((SimInstant(22), "b:1")), "b's only one");
        assert_eq!(s.pop_due(SimInstant(25)), Some((SimInstant(24), "a:2")), "the tail");
        assert_eq!(s.pop_due(SimInstant(25)), None);
        s.at(SimInstant(50), "a:6");
        assert_eq!(s.cancel(&owner("b")), 0);
        assert_eq!(s.cancel(&owner("a")), 3, "a:4, a:5 and a:6 were still linked");
        assert!(s.is_empty());
        assert_eq!(s.next_due(), None);
        assert!(s.owners.is_empty(), "an empty chain leaves no entry");
    }

    #[test]
    fn a_cancelled_events_place_is_reused_and_its_old_key_stays_harmless() {
        let mut s = Schedule::default();
        s.at(SimInstant(10), "a:1");
        assert_eq!(s.cancel(&owner("a")), 1);
        // The same place, a later time: the stale key at 10 must not pop it early.
        s.at(SimInstant(30), "b:1");
        assert_eq!(s.slots.len(), 1, "the freed place was taken again");
        assert_eq!(s.pop_due(SimInstant(20)), None);
        assert_eq!(s.next_due(), Some(SimInstant(30)));
        assert_eq!(s.pending(), vec![(SimInstant(30), &"b:1")]);
        assert_eq!(s.pop_due(SimInstant(30)), Some((SimInstant(30), "b:1")));
        assert_eq!(s.pop_due(SimInstant(u64::MAX)), None, "popped once");
    }

    #[test]
    fn ownerless_events_are_in_no_chain() {
        let mut s: Schedule<i32> = Schedule::default();
        s.at(SimInstant(5), 1);
        s.at(SimInstant(5), 2);
        assert!(s.owners.is_empty());
        assert_eq!(s.pop_due(SimInstant(5)), Some((SimInstant(5), 1)));
        assert_eq!(s.pop_due(SimInstant(5)), Some((SimInstant(5), 2)));
        s.clear();
        assert!(s.is_empty() && s.slots.is_empty());
    }

    /// The slab against a plain list of pending events, over a seeded mix of schedules,
    /// pops and cancels (with owners that share chains and places that are reused).
    #[test]
    fn the_slab_behaves_as_a_sorted_list_of_pending_events() {
        const IDS: [&str; 6] = ["a:x", "b:x", "c:x", "d:x", "e:x", "f:x"];
        let mut s = Schedule::default();
        let mut model: Vec<(u64, u64, &'static str)> = Vec::new(); // (due, seq, event)
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut now, mut seq) = (0u64, 0u64);
        for _ in 0..20_000 {
            match next() % 10 {
                0..=4 => {
                    let due = now + next() % 50;
                    let e = IDS[(next() % 6) as usize];
                    assert_eq!(s.at(SimInstant(due), e), seq);
                    model.push((due, seq, e));
                    seq += 1;
                }
                5..=7 => {
                    now += next() % 10;
                    model.sort_unstable();
                    let want = model.first().filter(|(d, _, _)| *d <= now).copied();
                    if want.is_some() {
                        model.remove(0);
                    }
                    assert_eq!(s.pop_due(SimInstant(now)), want.map(|(d, _, e)| (SimInstant(d), e)));
                }
                _ => {
                    let id = &IDS[(next() % 6) as usize][..1];
                    let before = model.len();
                    model.retain(|(_, _, e)| !e.starts_with(id));
                    assert_eq!(s.cancel(&owner(id)), before - model.len());
                }
            }
            assert_eq!(s.len(), model.len());
            model.sort_unstable();
            assert_eq!(s.next_due(), model.first().map(|(d, _, _)| SimInstant(*d)));
        }
        let pending: Vec<(SimInstant, &str)> = s.pending().into_iter().map(|(d, e)| (d, *e)).collect();
        let want: Vec<(SimInstant, &str)> = model.iter().map(|(d, _, e)| (SimInstant(*d), *e)).collect();
        assert_eq!(pending, want);
        assert!(s.slots.len() <= 20_000, "places are reused");
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
