//! Usage cost (spec §9.6, O1 `UsageCost`): `GET ORG/usageCost?from_date=&to_date=`.
//!
//! The simulator keeps no billing history, so costs are computed from what it has, the
//! same way every time (I):
//! - `service`, per day: `computeCHC = numReplicas × maxReplicaMemoryGb × 0.01 × hours in
//!   running that day`. The simulator keeps no state history, so the hours are those of
//!   the service's current running stretch: from when it last reached `running` until now
//!   (state `running`) or until it went idle (`idle`, at last activity + idle timeout).
//! - `datawarehouse`, per day: `storageCHC = 0.1` and `backupCHC = 0.05` per `done` backup
//!   of the warehouse finished by the end of that day.
//! - `clickpipe`, per day: `computeCHC = replicas × 0.01 × hours the pipe existed`.
//!
//! A record exists for every day of the range, up to today, on which the entity existed.
//! Metrics are rounded to 4 decimals, `grandTotalCHC` to 2. `locked` is `true` for days
//! before yesterday. `costs` is an array. `filter=tag:...` selects services by tag
//! (and their ClickPipes); warehouses have no tags and are then left out.
//!
//! May touch: reads of `services`, `warehouses`, `backups`, `clickpipes`. Rules live in
//! `validate::org`.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Map, Value};

use super::model::{BackupStatus, Service, ServiceState};
use super::routes::Op;
use super::validate::org as rules;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::{Clock, SimInstant};

const MS_PER_HOUR: f64 = 3_600_000.0;

/// The metric names of O1 `UsageCostMetrics`, in wire order.
const METRICS: &[&str] = &[
    "storageCHC",
    "backupCHC",
    "computeCHC",
    "dataTransferCHC",
    "initialLoadCHC",
    "publicDataTransferCHC",
    "interRegionTier1DataTransferCHC",
    "interRegionTier2DataTransferCHC",
    "interRegionTier3DataTransferCHC",
    "interRegionTier4DataTransferCHC",
];

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::UsageCost => usage_cost(ch, call),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Milliseconds of `[a, b)` inside `[lo, hi)`.
fn overlap_ms((a, b): (SimInstant, SimInstant), (lo, hi): (SimInstant, SimInstant)) -> u64 {
    let start = a.max(lo);
    let end = b.min(hi);
    end.0.saturating_sub(start.0)
}

/// The service's current running stretch (see the module doc).
fn running_stretch(s: &Service, now: SimInstant) -> Option<(SimInstant, SimInstant)> {
    let since = s.running_since?;
    match s.state {
        ServiceState::Running => Some((since, now)),
        ServiceState::Idle => {
            Some((since, s.last_activity_at.plus_secs(u64::from(s.idle_timeout_minutes) * 60).min(now)))
        }
        _ => None,
    }
}

/// One day of the range, as simulated instants.
struct Day {
    date: NaiveDate,
    start: SimInstant,
    end: SimInstant,
    locked: bool,
}

/// One `UsageCostRecord`.
struct Record {
    kind_order: u8,
    entity_type: &'static str,
    entity_id: String,
    entity_name: String,
    warehouse: String,
    service: Option<String>,
    metrics: Vec<(&'static str, f64)>,
}

impl Record {
    fn total(&self) -> f64 {
        round(self.metrics.iter().map(|(_, v)| round(*v, 4)).sum(), 4)
    }

    fn to_json(&self, day: &Day) -> Value {
        let mut metrics = Map::new();
        for name in METRICS {
            let v = self.metrics.iter().find(|(k, _)| k == name).map(|(_, v)| round(*v, 4)).unwrap_or(0.0);
            metrics.insert((*name).to_owned(), json!(v));
        }
        json!({
            "entityType": self.entity_type,
            "entityId": self.entity_id,
            "entityName": self.entity_name,
            "dataWarehouseId": self.warehouse,
            "serviceId": self.service,
            "date": day.date.format("%Y-%m-%d").to_string(),
            "metrics": metrics,
            "totalCHC": self.total(),
            "locked": day.locked,
        })
    }
}

fn day_of(clock: &Clock, t: SimInstant) -> NaiveDate {
    clock.to_utc(t).date_naive()
}

fn usage_cost(ch: &ClickHouse, call: &Call) -> Res {
    let req = call.req;
    let from = rules::required_param("from_date", req.query_param("from_date"))?;
    let to = rules::required_param("to_date", req.query_param("to_date"))?;
    let from = rules::usage_date("from_date", &from)?;
    let to = rules::usage_date("to_date", &to)?;
    rules::usage_range(from, to)?;
    let mut filters = Vec::new();
    for (k, val) in req.query_pairs() {
        if k == "filter" {
            filters.push(rules::usage_filter(&val)?);
        }
    }

    let cx = call.cx;
    let clock = cx.clock;
    let now = cx.now;
    let today = day_of(clock, now);
    let org = &call.org.id;
    let services: Vec<Service> = ch.services.list_where(org, |s| {
        !s.state.is_removed()
            && filters.iter().all(|(k, want)| {
                s.extras.tags.iter().any(|t| &t.key == k && want.as_ref().is_none_or(|w| t.value.as_ref() == Some(w)))
            })
    });
    let warehouses = if filters.is_empty() { ch.warehouses.list(org) } else { Vec::new() };
    let pipes = ch.clickpipes.list_where(org, |p| services.iter().any(|s| s.id == p.service_id));
    let done_backups = ch.backups.list_where(org, |b| b.status == BackupStatus::Done);

    let mut costs = Vec::new();
    let mut grand_total = 0.0;
    let mut date = from;
    while date <= to.min(today) {
        let start_utc = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
        let day = Day {
            date,
            start: clock.from_utc(start_utc),
            end: clock.from_utc(start_utc + Duration::days(1)),
            locked: date < today - Duration::days(1),
        };
        let mut records: Vec<Record> = Vec::new();
        for w in &warehouses {
            let members: Vec<&Service> = services.iter().filter(|s| s.data_warehouse_id == w.id).collect();
            let Some(born) = members.iter().map(|s| s.created_at).min() else { continue };
            if day_of(clock, born) > date {
                continue;
            }
            let backups = done_backups
                .iter()
                .filter(|b| b.data_warehouse_id == w.id && b.finished_at.is_some_and(|f| f < day.end))
                .count() as f64;
            let name = members.iter().find(|s| s.id == w.primary_service_id).map(|s| s.name.clone());
            records.push(Record {
                kind_order: 0,
                entity_type: "datawarehouse",
                entity_id: w.id.to_string(),
                entity_name: name.unwrap_or_else(|| w.id.to_string()),
                warehouse: w.id.to_string(),
                service: None,
                metrics: vec![("storageCHC", 0.1 * backups), ("backupCHC", 0.05 * backups)],
            });
        }
        for s in &services {
            if day_of(clock, s.created_at) > date {
                continue;
            }
            let hours =
                running_stretch(s, now).map(|r| overlap_ms(r, (day.start, day.end))).unwrap_or(0) as f64 / MS_PER_HOUR;
            let compute = f64::from(s.num_replicas) * f64::from(s.max_replica_memory_gb) * 0.01 * hours;
            records.push(Record {
                kind_order: 1,
                entity_type: "service",
                entity_id: s.id.to_string(),
                entity_name: s.name.clone(),
                warehouse: s.data_warehouse_id.to_string(),
                service: Some(s.id.to_string()),
                metrics: vec![("computeCHC", compute)],
            });
        }
        for p in &pipes {
            if day_of(clock, p.created_at) > date {
                continue;
            }
            let hours = overlap_ms((p.created_at, now), (day.start, day.end)) as f64 / MS_PER_HOUR;
            let warehouse =
                services.iter().find(|s| s.id == p.service_id).map(|s| s.data_warehouse_id.to_string()).unwrap_or_default();
            records.push(Record {
                kind_order: 2,
                entity_type: "clickpipe",
                entity_id: p.id.clone(),
                entity_name: p.name.clone(),
                warehouse,
                service: Some(p.service_id.clone()),
                metrics: vec![("computeCHC", f64::from(p.replicas) * 0.01 * hours)],
            });
        }
        records.sort_by(|a, b| (a.kind_order, &a.entity_id).cmp(&(b.kind_order, &b.entity_id)));
        for r in &records {
            grand_total += r.total();
            costs.push(r.to_json(&day));
        }
        date += Duration::days(1);
    }
    Ok(Out::Result(json!({ "grandTotalCHC": round(grand_total, 2), "costs": costs })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_clipped_to_the_day() {
        let s = SimInstant::from_secs;
        assert_eq!(overlap_ms((s(10), s(100)), (s(0), s(50))), 40_000);
        assert_eq!(overlap_ms((s(60), s(100)), (s(0), s(50))), 0);
        assert_eq!(round(0.1 + 0.2, 4), 0.3);
        assert_eq!(round(1.005_1, 2), 1.01);
    }
}
