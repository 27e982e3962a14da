//! The DB event history (seed 1.7.2.7–1.7.2.8, lines 12007–12315): which event each
//! change of an instance or snapshot emits, and the bounded per-tenant record of them.
//!
//! Every state change of an instance or snapshot — a handler's (create, modify, delete,
//! start/stop/reboot, snapshot create/copy/delete, a parameter-group change), a settle on
//! the clock (BUILD → ACTIVE, the daily backup, DEGENERATED → ACTIVE, ...) or a resource
//! fault — goes through [`Fujitsu::note`], which maps `(kind, from, to)` to one of the
//! seed's categories ([`category`]) and appends an event. The history of each tenant is a
//! ring of knob `fujitsu.events.cap` entries (oldest dropped first).
//!
//! Categories (seed 12060–12090): `db-instance` availability, failover, recovery, low
//! storage, creation, notification, backup, configuration change, restoration,
//! maintenance, deletion, failure; `db-snapshot` deletion, restoration, notification,
//! failure, creation. The one message text the seed prints is "Finished DB Instance
//! backup" (12290); the others follow its style.
//!
//! May touch: the history only. Authority: seed 1.7.2.7, 1.7.2.8; extract 03 §1.7, C6.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::Fujitsu;
use crate::clock::SimInstant;
use crate::id::Id;
use crate::providers::Cx;

pub const DB_INSTANCE: &str = "db-instance";
pub const DB_SNAPSHOT: &str = "db-snapshot";
pub const SOURCE_TYPES: &[&str] = &[DB_INSTANCE, DB_SNAPSHOT];

/// Seed 12060–12075, in the example's order.
pub const INSTANCE_CATEGORIES: &[&str] = &[
    "availability",
    "failover",
    "recovery",
    "low storage",
    "creation",
    "notification",
    "backup",
    "configuration change",
    "restoration",
    "maintenance",
    "deletion",
    "failure",
];

/// Seed 12078–12086.
pub const SNAPSHOT_CATEGORIES: &[&str] = &["deletion", "restoration", "notification", "failure", "creation"];

/// The categories of a source type (`None`: the two lists' union, instance ones first).
pub fn categories(source_type: Option<&str>) -> Vec<&'static str> {
    match source_type {
        Some(DB_INSTANCE) => INSTANCE_CATEGORIES.to_vec(),
        Some(DB_SNAPSHOT) => SNAPSHOT_CATEGORIES.to_vec(),
        _ => {
            let mut all = INSTANCE_CATEGORIES.to_vec();
            all.extend(SNAPSHOT_CATEGORIES.iter().filter(|c| !INSTANCE_CATEGORIES.contains(c)));
            all
        }
    }
}

/// One event (`events[]`, seed 12250–12280).
///
/// The source type, category and message are this module's constants for every event
/// the simulator records (`Cow::Borrowed`: no allocation per event on the create path);
/// a restored dump's are owned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbEvent {
    /// Inline (`Id`), as the source id: every transition records an event, and two
    /// owned strings were two allocations of each.
    pub tenant: Id,
    /// Order of recording (events of one second stay in order).
    pub seq: u64,
    pub date: SimInstant,
    pub source_type: Cow<'static, str>,
    pub source_id: Id,
    pub category: Cow<'static, str>,
    pub message: Cow<'static, str>,
}

/// The category and message of a change of `kind` (`instance`, `snapshot`) `from` → `to`
/// (wire spellings; `-` = it did not exist, `gone` = it no longer exists). `None`: the
/// change is not an event (a status that stays).
pub fn category(kind: &str, from: &str, to: &str) -> Option<(&'static str, &'static str)> {
    if from == to {
        return None;
    }
    let c = |cat: &'static str, m: &'static str| Some((cat, m));
    match kind {
        "instance" => match (from, to) {
            (_, "BUILD") => c("creation", "Creating DB instance"),
            ("BUILD", "ACTIVE") => c("creation", "DB instance created"),
            ("BACKUP", _) if to != "FAILED" => c("backup", "Finished DB Instance backup"),
            (_, "BACKUP") => c("backup", "Backing up DB instance"),
            (_, "RESTART_REQUIRED") => c("configuration change", "DB instance requires a reboot to apply changes"),
            ("MODIFYING" | "RESIZE", "ACTIVE" | "SHUTDOWN" | "DEGENERATED") => {
                c("configuration change", "Finished applying modification to DB instance")
            }
            (_, "MODIFYING") => c("configuration change", "Applying modification to DB instance"),
            (_, "RESIZE") => c("configuration change", "Applying modification to allocated storage"),
            ("DEGENERATED", "ACTIVE") => c("recovery", "Recovery of the DB instance is complete"),
            (_, "DEGENERATED") => c("failover", "DB instance is running on one node (redundancy lost)"),
            ("REBOOT", "ACTIVE") => c("availability", "DB instance restarted"),
            (_, "REBOOT") => c("availability", "DB instance restarting"),
            ("STARTING", "ACTIVE") => c("notification", "DB instance started"),
            (_, "STARTING") => c("notification", "DB instance is being started"),
            (_, "STOPPING") => c("notification", "DB instance is being stopped"),
            (_, "SHUTDOWN") => c("notification", "DB instance stopped"),
            (_, "DELETING") => c("deletion", "Deleting DB instance"),
            (_, "DELETED" | "gone") => c("deletion", "DB instance deleted"),
            (_, "FAILED") => c("failure", "DB instance failed"),
            (_, "ERROR") => c("failure", "DB instance is in an error state"),
            (_, "ACTIVE") => c("availability", "DB instance is available"),
            _ => None,
        },
        "snapshot" => match (from, to) {
            ("-", "In_progress") => c("creation", "Creating manual snapshot"),
            ("-", "Available") | ("In_progress", "Available") => c("creation", "Manual snapshot created"),
            (_, "Deleted") => c("deletion", "Deleting snapshot"),
            (_, "gone") => c("deletion", "Deleted snapshot"),
            (_, "Error") => c("failure", "Snapshot failed"),
            _ => c("notification", "Snapshot state changed"),
        },
        _ => None,
    }
}

/// Every tenant's ring of events.
#[derive(Debug, Default)]
pub struct History {
    pub(crate) rings: BTreeMap<String, VecDeque<DbEvent>>,
    pub(crate) next_seq: u64,
}

impl History {
    pub fn push(&mut self, mut e: DbEvent, cap: usize) {
        self.next_seq += 1;
        e.seq = self.next_seq;
        // The tenant's ring is there but for its first event: no key cloned for a lookup.
        let ring = match self.rings.get_mut(e.tenant.as_str()) {
            Some(ring) => ring,
            None => self.rings.entry(e.tenant.to_string()).or_default(),
        };
        ring.push_back(e);
        while ring.len() > cap.max(1) {
            ring.pop_front();
        }
    }

    pub fn of(&self, tenant: &str) -> Vec<DbEvent> {
        self.rings.get(tenant).map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn all(&self) -> Vec<DbEvent> {
        self.rings.values().flatten().cloned().collect()
    }

    /// A dump's events, in their order, each ring bounded by `cap`.
    pub fn replace(&mut self, events: Vec<DbEvent>, cap: usize) {
        self.rings.clear();
        let mut events = events;
        events.sort_by_key(|e| e.seq);
        self.next_seq = events.last().map_or(0, |e| e.seq);
        for e in events {
            let ring = self.rings.entry(e.tenant.to_string()).or_default();
            ring.push_back(e);
            while ring.len() > cap.max(1) {
                ring.pop_front();
            }
        }
    }
}

impl Fujitsu {
    /// Records the event of a change, if it is one (see [`category`]).
    pub(crate) fn note(&self, tenant: &str, kind: &str, id: &str, from: &str, to: &str, cx: &Cx) {
        if let Some((cat, message)) = category(kind, from, to) {
            self.record(tenant, kind, id, cat, message.into(), cx.now);
        }
    }

    /// Appends one event to the tenant's ring.
    pub(crate) fn record(
        &self,
        tenant: &str,
        kind: &str,
        id: &str,
        category: &'static str,
        message: Cow<'static, str>,
        at: SimInstant,
    ) {
        let source_type = if kind == "snapshot" { DB_SNAPSHOT } else { DB_INSTANCE };
        let cap = self.settings().events_cap as usize;
        let e = DbEvent {
            tenant: Id::new(tenant),
            seq: 0,
            date: at,
            source_type: source_type.into(),
            source_id: Id::new(id),
            category: category.into(),
            message,
        };
        // Counted before the push, so that the event is not cloned for it; and only when
        // there are subscriptions (a retain write-locks every shard of the table).
        if !self.subscriptions.is_empty() {
            self.subscriptions.retain(|_, s| {
                if super::events::matches(s, &e) {
                    s.delivered += 1;
                }
                true
            });
        }
        self.history().push(e, cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_maps_to_a_category_of_its_source_type() {
        assert_eq!(category("instance", "BACKUP", "ACTIVE").unwrap().1, "Finished DB Instance backup");
        assert_eq!(category("instance", "-", "BUILD").unwrap().0, "creation");
        assert_eq!(category("instance", "ACTIVE", "RESTART_REQUIRED").unwrap().0, "configuration change");
        assert_eq!(category("instance", "ACTIVE", "ACTIVE"), None);
        for from in ["-", "ACTIVE", "BACKUP", "BUILD", "REBOOT", "DEGENERATED", "STOPPING"] {
            for to in ["ACTIVE", "FAILED", "ERROR", "SHUTDOWN", "DELETING", "gone", "DEGENERATED"] {
                if let Some((cat, _)) = category("instance", from, to) {
                    assert!(INSTANCE_CATEGORIES.contains(&cat), "{from}->{to}: {cat}");
                }
            }
        }
        for (from, to) in [("-", "In_progress"), ("In_progress", "Available"), ("Available", "Deleted"), ("Deleted", "gone"), ("Available", "Error")] {
            let (cat, _) = category("snapshot", from, to).unwrap();
            assert!(SNAPSHOT_CATEGORIES.contains(&cat), "{from}->{to}: {cat}");
        }
    }

    #[test]
    fn a_tenants_ring_keeps_the_newest_cap_events() {
        let mut h = History::default();
        let e = |t: &str, n: u64| DbEvent {
            tenant: t.into(),
            seq: 0,
            date: SimInstant::from_secs(n),
            source_type: DB_INSTANCE.into(),
            source_id: "db1".into(),
            category: "backup".into(),
            message: format!("m{n}").into(),
        };
        for n in 0..5 {
            h.push(e("a", n), 3);
        }
        h.push(e("b", 9), 3);
        let a: Vec<String> = h.of("a").into_iter().map(|e| e.message.into_owned()).collect();
        assert_eq!(a, ["m2", "m3", "m4"]);
        assert_eq!(h.of("b").len(), 1, "another tenant's events do not push these out");
    }
}
