//! Sharded in-memory storage shared by the providers.
//!
//! One [`Table`] per resource kind, keyed by `(tenant, id)`. A `Table` is a `DashMap`, so
//! requests for different resources never wait on one another; callers get clones out,
//! read or change a value inside a short closure, so no shard guard ever outlives a call
//! (and so none is held across an `.await`).
//!
//! Built for the request path (the load bench's figures): lookups by `(&str, &str)`
//! allocate nothing (the stored key borrows as a `KeyView` that hashes and compares like
//! the `(&str, &str)` pair); a stored key shares its tenant with every entry of that
//! tenant (one allocation per tenant, not per entry); values are boxed (growth moves pointers) and
//! hashed with FxHash; each table keeps its entries per tenant (quotas read a counter)
//! and a version that moves after every write; and each value carries a memo of bytes
//! derived from it ([`Stored::memo`], e.g. its JSON rendering) that every write drops.
//!
//! May touch: `crate::id` (the keys' ids).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, PoisonError};

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;

use crate::id::Id;

/// The hasher of every table: FxHash (rustc's multiply-rotate hash, 8 bytes per step)
/// with a final rotation that moves the well-mixed high bits down to where hashbrown
/// takes the bucket index. Keys are short ids and every request hashes several of them
/// (SipHash was 15% of a create); flooding a simulator with colliding ids only slows
/// that simulator down, so DoS resistance buys nothing here.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i.into());
    }

    fn write_u16(&mut self, i: u16) {
        self.add(i.into());
    }

    fn write_u32(&mut self, i: u32) {
        self.add(i.into());
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// Builds [`FxHasher`]s.
pub type FxBuild = BuildHasherDefault<FxHasher>;

/// `(tenant, id)`: an organization, tenant or identity domain, and the resource's id in it.
pub type Key = (String, String);

/// A `(tenant, id)` key seen as two string slices: what lookups borrow the stored key
/// as, so that `get("org", "id")` needs no owned `String`s. Hashes and compares exactly
/// like [`Key`] (a tuple hashes its fields in order).
trait KeyView {
    fn tenant(&self) -> &str;
    fn id(&self) -> &str;
}

impl KeyView for (&str, &str) {
    fn tenant(&self) -> &str {
        self.0
    }
    fn id(&self) -> &str {
        self.1
    }
}

/// A key as a table stores it: the tenant shared by all of its entries (see
/// [`Table::tenant`]), the id inline when it is short (a UUID is). 56 bytes and no
/// allocation of its own, where a `(String, String)` was 48 bytes and two.
struct Slot {
    tenant: Arc<str>,
    id: Id,
}

impl KeyView for Slot {
    fn tenant(&self) -> &str {
        &self.tenant
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Slot {
    fn pair(&self) -> (&str, &str) {
        (&self.tenant, &self.id)
    }

    fn owned(&self) -> Key {
        (self.tenant.to_string(), self.id.to_string())
    }
}

/// Hashes as [`KeyView`] does, so that a borrowed `(&str, &str)` finds it.
impl Hash for Slot {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tenant().hash(state);
        self.id().hash(state);
    }
}

impl PartialEq for Slot {
    fn eq(&self, other: &Self) -> bool {
        self.pair() == other.pair()
    }
}

impl Eq for Slot {}

impl<'a> Borrow<dyn KeyView + 'a> for Slot {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tenant().hash(state);
        self.id().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.tenant() == other.tenant() && self.id() == other.id()
    }
}

impl Eq for dyn KeyView + '_ {}

/// A stored value, and bytes derived from it (its rendering) kept until it is next
/// written. Dereferences to the value.
pub struct Stored<V> {
    value: V,
    /// `(tag, bytes)` from [`Stored::memo`]; dropped by every write to the value. Boxed:
    /// 16 bytes on every stored value instead of 32, which kept a ClickHouse service
    /// (with its memo) out of the 512-byte allocator class; a memo is only made by a read.
    memo: Mutex<Option<Box<Memo>>>,
}

/// A memo's tag and bytes (see [`Stored::memo`]).
type Memo = (u64, Box<[u8]>);

impl<V> Stored<V> {
    fn new(value: V) -> Box<Self> {
        Box::new(Stored { value, memo: Mutex::new(None) })
    }

    /// The value, to be changed: whatever was derived from it goes.
    fn value_mut(&mut self) -> &mut V {
        *self.memo.get_mut().unwrap_or_else(PoisonError::into_inner) = None;
        &mut self.value
    }

    /// Appends to `out` what `render` writes for this value, rendering only when the
    /// value was written since the last time or `tag` differs from the last time's.
    ///
    /// `tag` stands for every other input of `render`: callers take it from a
    /// [`Table::version`] read *before* they read those inputs, so a change racing with
    /// the render leaves a tag that is already out of date (a wasted memo, never a
    /// stale one). Renders run under this entry's memo lock: no second render races it.
    pub fn memo(&self, tag: u64, out: &mut Vec<u8>, render: impl FnOnce(&V, &mut Vec<u8>)) {
        let mut memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        match memo.as_deref() {
            Some((t, bytes)) if *t == tag => out.extend_from_slice(bytes),
            _ => {
                let start = out.len();
                render(&self.value, out);
                *memo = Some(Box::new((tag, out[start..].into())));
            }
        }
    }
}

impl<V> std::ops::Deref for Stored<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.value
    }
}

pub struct Table<V> {
    /// Values are boxed: a shard that grows moves pointers, not the values (a stored
    /// ClickHouse service is 512 bytes), which made rehashing a third of a create's time.
    map: DashMap<Slot, Box<Stored<V>>, FxBuild>,
    /// Entries per tenant, kept by every insert and removal; its keys are the tenants
    /// the stored keys share.
    per_tenant: DashMap<Arc<str>, usize, FxBuild>,
    /// Bumped after every write (see [`Table::version`]).
    version: AtomicU64,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table { map: DashMap::default(), per_tenant: DashMap::default(), version: AtomicU64::new(0) }
    }
}

impl<V: Clone> Table<V> {
    fn counted(&self, tenant: &str, added: bool) {
        if added {
            match self.per_tenant.get_mut(tenant) {
                Some(mut n) => *n += 1,
                None => *self.per_tenant.entry(Arc::from(tenant)).or_insert(0) += 1,
            }
        } else if let Some(mut n) = self.per_tenant.get_mut(tenant) {
            *n = n.saturating_sub(1);
        }
    }

    /// The tenant as the stored keys share it (registered with no entries the first
    /// time; its count moves when an entry lands).
    fn tenant(&self, tenant: &str) -> Arc<str> {
        if let Some(t) = self.per_tenant.get(tenant) {
            return t.key().clone();
        }
        self.per_tenant.entry(Arc::from(tenant)).or_insert(0).key().clone()
    }

    fn slot(&self, tenant: &str, id: &str) -> Slot {
        Slot { tenant: self.tenant(tenant), id: id.into() }
    }

    /// After a write has landed: a version read before it now differs.
    fn written(&self) {
        self.version.fetch_add(1, AtomicOrdering::AcqRel);
    }

    /// A number that changes after every write to the table (inserts, updates whether
    /// or not they changed anything, removals): a memo tag for what is derived from this
    /// table's values, read before reading them (see [`Stored::memo`]).
    pub fn version(&self) -> u64 {
        self.version.load(AtomicOrdering::Acquire)
    }

    pub fn insert(&self, tenant: &str, id: &str, value: V) -> Option<V> {
        self.insert_slot(self.slot(tenant, id), value)
    }

    /// [`Table::insert`] with a key the caller owns (its id is kept without a copy).
    pub fn insert_keyed(&self, key: Key, value: V) -> Option<V> {
        let slot = Slot { tenant: self.tenant(&key.0), id: Id::from(key.1) };
        self.insert_slot(slot, value)
    }

    fn insert_slot(&self, slot: Slot, value: V) -> Option<V> {
        let old = match self.map.entry(slot) {
            Entry::Occupied(mut e) => Some(e.insert(Stored::new(value)).value),
            Entry::Vacant(e) => {
                // Counted under the entry's shard lock (the same order as `retain`:
                // a shard, then the counts).
                let stored = e.insert(Stored::new(value));
                self.counted(&stored.key().tenant, true);
                None
            }
        };
        self.written();
        old
    }

    /// Inserts `value` (as [`Table::insert`]), then runs `after` on the stored value under
    /// its shard's lock, without a clone: a caller renders its answer there after it has
    /// released a lock of its own. `after` must not touch this table.
    pub fn insert_then<R>(&self, tenant: &str, id: &str, value: V, after: impl FnOnce(&V) -> R) -> R {
        let out = match self.map.entry(self.slot(tenant, id)) {
            Entry::Occupied(mut e) => {
                e.insert(Stored::new(value));
                after(&e.get().value)
            }
            Entry::Vacant(e) => {
                let stored = e.insert(Stored::new(value));
                self.counted(&stored.key().tenant, true);
                after(&stored.value().value)
            }
        };
        self.written();
        out
    }

    pub fn get(&self, tenant: &str, id: &str) -> Option<V> {
        self.map.get(&(tenant, id) as &dyn KeyView).map(|r| V::clone(&r.value().value))
    }

    /// Runs `f` on the stored value under its shard's read lock (no clone); `None` when
    /// there is no such value. `f` must not write to this table.
    pub fn read<R>(&self, tenant: &str, id: &str, f: impl FnOnce(&Stored<V>) -> R) -> Option<R> {
        self.map.get(&(tenant, id) as &dyn KeyView).map(|r| f(r.value()))
    }

    pub fn contains(&self, tenant: &str, id: &str) -> bool {
        self.map.contains_key(&(tenant, id) as &dyn KeyView)
    }

    /// Runs `f` on the stored value under its shard lock and returns what `f` returns;
    /// `None` when there is no such value.
    pub fn update<R>(&self, tenant: &str, id: &str, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let result = self.map.get_mut(&(tenant, id) as &dyn KeyView).map(|mut r| f(r.value_mut().value_mut()));
        self.written();
        result
    }

    pub fn remove(&self, tenant: &str, id: &str) -> Option<V> {
        let removed = self.map.remove(&(tenant, id) as &dyn KeyView).map(|(_, v)| v.value);
        if removed.is_some() {
            self.counted(tenant, false);
        }
        self.written();
        removed
    }

    /// How many entries `tenant` has (all of them, whatever their state).
    pub fn count(&self, tenant: &str) -> usize {
        self.per_tenant.get(tenant).map_or(0, |n| *n)
    }

    /// Every value of one tenant (unordered: callers sort by their documented order).
    pub fn list(&self, tenant: &str) -> Vec<V> {
        self.map.iter().filter(|r| *r.key().tenant == *tenant).map(|r| V::clone(&r.value().value)).collect()
    }

    /// Every value of one tenant that `keep` selects.
    pub fn list_where(&self, tenant: &str, keep: impl Fn(&V) -> bool) -> Vec<V> {
        self.map
            .iter()
            .filter(|r| *r.key().tenant == *tenant && keep(&r.value().value))
            .map(|r| V::clone(&r.value().value))
            .collect()
    }

    /// Hands `f` the values of one tenant that `keep` selects, sorted by `key` and then,
    /// where keys tie, by `tie`, without cloning them: the shards' read locks are held
    /// until `f` returns, so `f` must be short and must not write to this table.
    ///
    /// `key` is read once per value and the sort compares the keys side by side: sorting
    /// 1,000 services by comparing them in place chased pointers into every one of them
    /// for each of ~10,000 comparisons (half of a list's time).
    pub fn read_sorted<K: Ord, R>(
        &self,
        tenant: &str,
        keep: impl Fn(&V) -> bool,
        key: impl Fn(&V) -> K,
        tie: impl Fn(&V, &V) -> Ordering,
        f: impl FnOnce(&[&Stored<V>]) -> R,
    ) -> R {
        let held: Vec<_> = self.map.iter().filter(|r| *r.key().tenant == *tenant && keep(&r.value().value)).collect();
        let mut keyed: Vec<(K, &Stored<V>)> = held.iter().map(|r| (key(&r.value().value), &**r.value())).collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| tie(&a.1.value, &b.1.value)));
        let values: Vec<&Stored<V>> = keyed.into_iter().map(|(_, v)| v).collect();
        f(&values)
    }

    /// Every key, sorted (tenant, then id): a state dump reads the rows one at a time
    /// in this order, without holding a shard's lock for longer than a row.
    pub fn sorted_keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.map.iter().map(|r| r.key().owned()).collect();
        keys.sort_unstable();
        keys
    }

    /// Every `(key, value)` of every tenant (state dumps, metrics).
    pub fn all(&self) -> Vec<(Key, V)> {
        self.map.iter().map(|r| (r.key().owned(), V::clone(&r.value().value))).collect()
    }

    /// How many entries `keep` selects; it sees each key as `(tenant, id)`.
    pub fn count_where(&self, keep: impl Fn(&(&str, &str), &V) -> bool) -> usize {
        self.map.iter().filter(|r| keep(&r.key().pair(), &r.value().value)).count()
    }

    /// Keeps the entries `keep` selects; it sees each key as `(tenant, id)`.
    pub fn retain(&self, mut keep: impl FnMut(&(&str, &str), &mut V) -> bool) {
        self.map.retain(|k, v| {
            let kept = keep(&k.pair(), v.value_mut());
            if !kept {
                self.counted(&k.tenant, false);
            }
            kept
        });
        self.written();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&self) {
        self.map.clear();
        self.per_tenant.clear();
        self.written();
    }

    /// Replaces every entry with `rows` of `(tenant, id, value)` (state restore).
    pub fn replace(&self, rows: impl IntoIterator<Item = (String, String, V)>) {
        self.clear();
        for (tenant, id, value) in rows {
            self.insert_keyed((tenant, id), value);
        }
    }
}

/// A small counter map (e.g. metrics by label set), sharded like the tables.
///
/// Counting takes the shard's read lock and an atomic add once the key exists: every
/// request counts itself, and a load test sends the same request (the same key) from
/// every connection, which serialised on one shard's write lock.
pub struct Counters<K: Eq + Hash> {
    map: DashMap<K, AtomicU64, FxBuild>,
}

impl<K: Eq + Hash> Default for Counters<K> {
    fn default() -> Self {
        Counters { map: DashMap::default() }
    }
}

impl<K: Eq + Hash + Clone> Counters<K> {
    pub fn incr(&self, key: K) {
        if let Some(n) = self.map.get(&key) {
            n.fetch_add(1, AtomicOrdering::Relaxed);
            return;
        }
        self.map.entry(key).or_default().fetch_add(1, AtomicOrdering::Relaxed);
    }

    pub fn snapshot(&self) -> Vec<(K, u64)> {
        self.map.iter().map(|r| (r.key().clone(), r.value().load(AtomicOrdering::Relaxed))).collect()
    }

    pub fn clear(&self) {
        self.map.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_do_not_see_each_other() {
        let t = Table::default();
        t.insert("a", "1", 1);
        t.insert("b", "1", 2);
        assert_eq!(t.get("a", "1"), Some(1));
        assert_eq!(t.list("b"), vec![2]);
        assert_eq!(
            t.update("a", "1", |v| {
                *v += 10;
                *v
            }),
            Some(11)
        );
        assert_eq!(t.update("c", "1", |v| *v), None);
        assert_eq!(t.remove("a", "1"), Some(11));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn per_tenant_counts_follow_inserts_and_removals() {
        let t = Table::default();
        t.insert("a", "1", 1);
        t.insert("a", "1", 2); // a replacement is not a new entry
        t.insert_keyed(("a".into(), "2".into()), 3);
        assert_eq!(t.insert_keyed(("a".into(), "2".into()), 5), Some(3));
        t.insert("b", "1", 4);
        assert_eq!((t.count("a"), t.count("b"), t.count("c")), (2, 1, 0));
        t.remove("a", "1");
        t.remove("a", "9");
        assert_eq!(t.count("a"), 1);
        t.retain(|k, _| k.0 != "b");
        assert_eq!((t.count("a"), t.count("b")), (1, 0));
        t.clear();
        assert_eq!(t.count("a"), 0);
    }

    #[test]
    fn the_entries_of_a_tenant_share_one_tenant_string() {
        let t = Table::default();
        t.insert("org", "1", 1);
        t.insert_keyed(("org".into(), "2".into()), 2);
        t.insert_then("org", "3", 3, |_| ());
        let tenants: Vec<*const u8> = t.map.iter().map(|r| r.key().tenant.as_ptr()).collect();
        assert_eq!(tenants.len(), 3);
        assert!(tenants.iter().all(|p| *p == tenants[0]), "one allocation for the tenant");
        assert_eq!(
            t.sorted_keys(),
            vec![("org".into(), "1".into()), ("org".into(), "2".into()), ("org".into(), "3".into())]
        );
        assert_eq!(t.count_where(|k, v| k.0 == "org" && k.1 != "2" && *v > 0), 2);
    }

    #[test]
    fn borrowed_keys_find_what_owned_keys_stored() {
        let t = Table::default();
        for i in 0..100 {
            t.insert(&format!("tenant-{}", i % 7), &format!("id-{i}"), i);
        }
        for i in 0..100 {
            let (tenant, id) = (format!("tenant-{}", i % 7), format!("id-{i}"));
            assert_eq!(t.get(&tenant, &id), Some(i));
            assert!(t.contains(&tenant, &id));
            assert_eq!(t.read(&tenant, &id, |v| **v + 1), Some(i + 1));
        }
        assert_eq!(t.get("tenant-0", "id-1"), None);
        // ("ab", "c") and ("a", "bc") are different keys.
        t.insert("ab", "c", 1);
        assert_eq!(t.get("a", "bc"), None);
    }

    #[test]
    fn the_hasher_tells_apart_keys_that_differ_in_one_byte_or_in_length() {
        let hash = |k: &Key| {
            let mut h = FxHasher::default();
            k.hash(&mut h);
            h.finish()
        };
        let base = "00000000-0000-4000-8000-000000000001";
        let mut seen = std::collections::HashSet::new();
        for i in 0..base.len() {
            for b in [b'0', b'1', b'f', b'\0'] {
                let mut id = base.as_bytes().to_vec();
                id[i] = b;
                let id = String::from_utf8(id).unwrap();
                seen.insert((id.clone(), hash(&(String::new(), id))));
            }
        }
        for len in 0..=base.len() {
            let id = base[..len].to_owned();
            seen.insert((id.clone(), hash(&(String::new(), id))));
        }
        let ids: std::collections::HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
        let hashes: std::collections::HashSet<u64> = seen.iter().map(|(_, h)| *h).collect();
        assert_eq!(ids.len(), hashes.len());
        assert_ne!(hash(&("ab".into(), "c".into())), hash(&("a".into(), "bc".into())));
    }

    #[test]
    fn memos_last_until_the_value_is_written_or_the_tag_changes() {
        let t = Table::default();
        t.insert("a", "1", 7);
        let renders = std::cell::Cell::new(0);
        let memo = |tag: u64| {
            let mut out = b"<".to_vec();
            t.read("a", "1", |s| {
                s.memo(tag, &mut out, |v, out| {
                    renders.set(renders.get() + 1);
                    out.extend_from_slice(v.to_string().as_bytes());
                })
            });
            String::from_utf8(out).unwrap()
        };
        assert_eq!((memo(1), memo(1), renders.get()), ("<7".into(), "<7".into(), 1));
        t.update("a", "1", |v| *v = 8);
        assert_eq!((memo(1), renders.get()), ("<8".into(), 2));
        assert_eq!((memo(2), memo(2), renders.get()), ("<8".into(), "<8".into(), 3));
        t.insert("a", "1", 9);
        assert_eq!((memo(2), renders.get()), ("<9".into(), 4));
        t.retain(|_, v| {
            *v += 1;
            true
        });
        assert_eq!((memo(2), renders.get()), ("<10".into(), 5));
    }

    #[test]
    fn the_version_moves_after_every_write() {
        let t = Table::default();
        let mut last = t.version();
        let mut moved = |t: &Table<i32>| {
            let now = t.version();
            assert!(now > last);
            last = now;
        };
        t.insert("a", "1", 1);
        moved(&t);
        t.update("a", "1", |v| *v += 1);
        moved(&t);
        t.update("a", "missing", |v| *v += 1);
        moved(&t);
        t.retain(|_, _| true);
        moved(&t);
        t.remove("a", "1");
        moved(&t);
        t.clear();
        moved(&t);
    }

    #[test]
    fn counters_count_each_key() {
        let c = Counters::default();
        for key in ["a", "b", "a", "a"] {
            c.incr(key);
        }
        let mut seen = c.snapshot();
        seen.sort();
        assert_eq!(seen, vec![("a", 3), ("b", 1)]);
        c.clear();
        assert!(c.snapshot().is_empty());
    }

    #[test]
    fn read_sorted_orders_one_tenant() {
        let t = Table::default();
        for (id, v) in [("x", 3), ("y", 1), ("z", 2)] {
            t.insert("a", id, v);
        }
        t.insert("b", "w", 0);
        let seen = t.read_sorted(
            "a",
            |v| *v != 2,
            |v| *v,
            |_, _| Ordering::Equal,
            |vals| vals.iter().map(|v| ***v).collect::<Vec<_>>(),
        );
        assert_eq!(seen, vec![1, 3]);
    }
}
