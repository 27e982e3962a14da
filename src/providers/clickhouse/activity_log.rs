//! Where the organization audit log is kept: per organization, its newest activities in
//! recording order, with an index by activity id.
//!
//! Every API call that changes something and every settle of a service records an
//! activity, and a full log (knob `activities.max`) drops its oldest one for each new one.
//! A table keyed `(organization, activity id)` did that with a hash-map insert and a
//! remove of a cold 300-byte entry, which moved it out to drop it: two fifths of a
//! ClickHouse settle. Here a record is a push onto the organization's ring, and a drop
//! is a pop from its other end. A hash index by id cost as much again (an insert and a
//! remove at random places of a table too large for the cache, per record), so the id
//! lookup scans a ring of the ids' hashes kept beside the entries instead: 8 bytes an
//! entry, newest first, a few microseconds over a full log of the default 10,000 (the
//! list of the same log costs more), and nothing per record but two pushes and two pops
//! at the ends.
//!
//! `seq` is taken under the organization's lock, so an organization's ring is in `seq`
//! order whichever threads record into it.
//!
//! May touch: nothing but its own maps (the recording rules are in `activities`).

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;

use super::model::Activity;
use crate::id::Id;
use crate::store::FxBuild;

/// The audit logs of every organization.
#[derive(Default)]
pub struct ActivityLog {
    orgs: DashMap<Id, OrgLog, FxBuild>,
    /// The next recording number (global, so that a dump keeps the order across orgs).
    seq: AtomicU64,
}

/// One organization's log.
#[derive(Default)]
struct OrgLog {
    /// Oldest first, `seq` ascending.
    ring: VecDeque<Activity>,
    /// The [`id_hash`] of each entry of `ring`, at the same place.
    hashes: VecDeque<u64>,
}

fn id_hash(id: &str) -> u64 {
    FxBuild::default().hash_one(id)
}

impl OrgLog {
    /// The newest entry with id `id` (a restored dump may hold an id twice).
    fn find(&self, id: &str) -> Option<&Activity> {
        let want = id_hash(id);
        let mut places = self.hashes.iter().enumerate().rev().filter(|(_, h)| **h == want);
        places.find_map(|(at, _)| self.ring.get(at).filter(|a| *a.id == *id))
    }

    /// Appends `a` (its `seq` already the newest), then drops the oldest beyond `max`.
    fn push(&mut self, a: Activity, max: usize) {
        self.hashes.push_back(id_hash(&a.id));
        self.ring.push_back(a);
        while self.ring.len() > max {
            self.ring.pop_front();
            self.hashes.pop_front();
        }
    }
}

impl ActivityLog {
    /// Records `a` under its organization with the next `seq`, then drops the
    /// organization's oldest beyond `max` (at least one is kept).
    pub fn record(&self, mut a: Activity, max: usize) {
        let mut log = match self.orgs.get_mut(&*a.org_id) {
            Some(log) => log,
            None => self.orgs.entry(a.org_id.clone()).or_default(),
        };
        a.seq = self.seq.fetch_add(1, Ordering::Relaxed);
        log.push(a, max.max(1));
    }

    /// The activity `id` of `org`, if the log still holds it.
    pub fn get(&self, org: &str, id: &str) -> Option<Activity> {
        self.orgs.get(org)?.find(id).cloned()
    }

    /// The activities of `org` that `keep` selects, oldest first.
    pub fn list_where(&self, org: &str, keep: impl Fn(&Activity) -> bool) -> Vec<Activity> {
        self.orgs.get(org).map(|log| log.ring.iter().filter(|a| keep(a)).cloned().collect()).unwrap_or_default()
    }

    /// Every activity of every organization in key order (organization id, then activity
    /// id), as a table dump lists its rows.
    pub fn sorted(&self) -> Vec<Activity> {
        let mut all: Vec<Activity> = self.orgs.iter().flat_map(|log| log.ring.iter().cloned().collect::<Vec<_>>()).collect();
        all.sort_by(|a, b| (&*a.org_id, &*a.id).cmp(&(&*b.org_id, &*b.id)));
        all
    }

    pub fn clear(&self) {
        self.orgs.clear();
        self.seq.store(0, Ordering::Relaxed);
    }

    /// Replaces every log with `rows` (a restored dump), in their recording order; the
    /// next record takes the number after the highest restored one.
    pub fn replace(&self, rows: impl IntoIterator<Item = Activity>) {
        self.orgs.clear();
        let mut rows: Vec<Activity> = rows.into_iter().collect();
        rows.sort_by_key(|a| a.seq);
        let next = rows.last().map_or(0, |a| a.seq + 1);
        for a in rows {
            self.orgs.entry(a.org_id.clone()).or_default().push(a, usize::MAX);
        }
        self.seq.store(next, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimInstant;
    use compact_str::CompactString;

    fn activity(org: &str, id: &str) -> Activity {
        Activity {
            id: Id::new(id),
            org_id: Id::new(org),
            seq: 0,
            created_at: SimInstant::ZERO,
            kind: "service_create".into(),
            actor_type: "system".into(),
            actor_id: "system".into(),
            actor_details: "ClickHouse Cloud".into(),
            actor_ip_address: CompactString::default(),
            service_id: None,
            user_agent: None,
            target_key_id: None,
            key_update_type: None,
        }
    }

    #[test]
    fn a_full_log_drops_its_oldest_and_forgets_their_ids_but_not_the_other_orgs() {
        let log = ActivityLog::default();
        for i in 0..5 {
            log.record(activity("o1", &format!("a{i}")), 3);
        }
        log.record(activity("o2", "b0"), 3);
        assert!(log.get("o1", "a0").is_none() && log.get("o1", "a1").is_none());
        assert_eq!(log.get("o1", "a4").map(|a| a.seq), Some(4));
        assert_eq!(log.get("o2", "b0").map(|a| a.seq), Some(5));
        let ids: Vec<String> = log.list_where("o1", |_| true).iter().map(|a| a.id.to_string()).collect();
        assert_eq!(ids, ["a2", "a3", "a4"]);
        assert_eq!(log.sorted().len(), 4);
        assert!(log.get("o3", "a4").is_none() && log.list_where("o3", |_| true).is_empty());
    }

    #[test]
    fn a_restored_log_keeps_its_recording_order_and_numbers_on_after_it() {
        let log = ActivityLog::default();
        let mut rows = vec![activity("o1", "z"), activity("o1", "a"), activity("o2", "m")];
        (rows[0].seq, rows[1].seq, rows[2].seq) = (7, 9, 8);
        log.replace(rows);
        let ids: Vec<String> = log.list_where("o1", |_| true).iter().map(|a| a.id.to_string()).collect();
        assert_eq!(ids, ["z", "a"], "recording order, not id order");
        let keyed: Vec<String> = log.sorted().iter().map(|a| format!("{}/{}", a.org_id, a.id)).collect();
        assert_eq!(keyed, ["o1/a", "o1/z", "o2/m"], "a dump lists rows in key order");
        log.record(activity("o2", "n"), 10);
        assert_eq!(log.get("o2", "n").map(|a| a.seq), Some(10));
    }

    #[test]
    fn an_id_recorded_twice_is_found_as_its_newest_until_that_one_is_dropped() {
        let log = ActivityLog::default();
        log.record(activity("o1", "dup"), 2);
        log.record(activity("o1", "dup"), 2);
        assert_eq!(log.get("o1", "dup").map(|a| a.seq), Some(1));
        log.record(activity("o1", "x"), 2);
        assert_eq!(log.get("o1", "dup").map(|a| a.seq), Some(1), "dropping the older copy keeps the newer one");
        log.record(activity("o1", "y"), 2);
        assert!(log.get("o1", "dup").is_none());
    }
}
