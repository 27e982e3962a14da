//! Sharded in-memory storage shared by the providers.
//!
//! One [`Table`] per resource kind, keyed by `(tenant, id)`. A `Table` is a `DashMap`, so
//! requests for different resources never wait on one another; callers get clones out or
//! change a value inside a short closure, so no shard guard ever outlives a call (and so
//! none is held across an `.await`).
//!
//! May touch: nothing else in the crate.

use std::hash::Hash;

use dashmap::DashMap;

/// `(tenant, id)`: an organization, tenant or identity domain, and the resource's id in it.
pub type Key = (String, String);

pub struct Table<V> {
    map: DashMap<Key, V>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table { map: DashMap::new() }
    }
}

impl<V: Clone> Table<V> {
    pub fn insert(&self, tenant: &str, id: &str, value: V) -> Option<V> {
        self.map.insert((tenant.to_owned(), id.to_owned()), value)
    }

    pub fn get(&self, tenant: &str, id: &str) -> Option<V> {
        self.map.get(&(tenant.to_owned(), id.to_owned())).map(|r| r.value().clone())
    }

    pub fn contains(&self, tenant: &str, id: &str) -> bool {
        self.map.contains_key(&(tenant.to_owned(), id.to_owned()))
    }

    /// Runs `f` on the stored value under its shard lock and returns what `f` returns;
    /// `None` when there is no such value.
    pub fn update<R>(&self, tenant: &str, id: &str, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        self.map.get_mut(&(tenant.to_owned(), id.to_owned())).map(|mut r| f(r.value_mut()))
    }

    pub fn remove(&self, tenant: &str, id: &str) -> Option<V> {
        self.map.remove(&(tenant.to_owned(), id.to_owned())).map(|(_, v)| v)
    }

    /// Every value of one tenant (unordered: callers sort by their documented order).
    pub fn list(&self, tenant: &str) -> Vec<V> {
        self.map.iter().filter(|r| r.key().0 == tenant).map(|r| r.value().clone()).collect()
    }

    /// Every value of one tenant that `keep` selects.
    pub fn list_where(&self, tenant: &str, keep: impl Fn(&V) -> bool) -> Vec<V> {
        self.map.iter().filter(|r| r.key().0 == tenant && keep(r.value())).map(|r| r.value().clone()).collect()
    }

    /// Every `(key, value)` of every tenant (state dumps, metrics).
    pub fn all(&self) -> Vec<(Key, V)> {
        self.map.iter().map(|r| (r.key().clone(), r.value().clone())).collect()
    }

    pub fn count_where(&self, keep: impl Fn(&Key, &V) -> bool) -> usize {
        self.map.iter().filter(|r| keep(r.key(), r.value())).count()
    }

    pub fn retain(&self, keep: impl FnMut(&Key, &mut V) -> bool) {
        self.map.retain(keep)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&self) {
        self.map.clear()
    }
}

/// A small counter map (e.g. metrics by label set), sharded like the tables.
pub struct Counters<K: Eq + Hash> {
    map: DashMap<K, u64>,
}

impl<K: Eq + Hash> Default for Counters<K> {
    fn default() -> Self {
        Counters { map: DashMap::new() }
    }
}

impl<K: Eq + Hash + Clone> Counters<K> {
    pub fn incr(&self, key: K) {
        *self.map.entry(key).or_insert(0) += 1;
    }

    pub fn snapshot(&self) -> Vec<(K, u64)> {
        self.map.iter().map(|r| (r.key().clone(), *r.value())).collect()
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
}
