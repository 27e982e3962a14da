//! Scaling schedules (`SVC/scalingSchedule`: `scalingScheduleGet`, `scalingScheduleUpsert`,
//! `scalingScheduleDelete`) and the clock that moves their active entry.
//!
//! Owns `Service::scaling_schedule`. An upsert replaces every entry (an empty `entries`
//! array clears the schedule: the answer then has an empty `baseConfig` and a later GET is
//! 404); the active entry is worked out at once and again at every hour an entry starts or
//! ends (`Event::ScalingScheduleTick`), so `currentScaling`, `isActiveNow` and
//! `activeEntryId` follow the simulated clock; over a long clock advance the ticks
//! coalesce (the last change before its end is the only one run). The base
//! configuration is the service's own scaling (`/replicaScaling`).
//! May touch: `ClickHouse::services`, the lifecycle. Rules: `validate::scaling`.
//! Authority: the official document (`ScalingSchedulePostRequest`,
//! `ScalingScheduleEntryRequest`, `ScalingSchedule`); the seeds predate the feature.

use chrono::{Datelike, Timelike};
use serde_json::{json, Map, Value};

use super::model::*;
use super::routes::Op;
use super::validate::{self as v, scaling as vs};
use super::view;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Fields, Rule};

const HOUR_MS: u64 = 3_600_000;

/// A schedule's period: its entries name weekdays and UTC hours, so the active entry at
/// `t + WEEK_MS` is the one at `t`.
const WEEK_MS: u64 = 7 * 24 * HOUR_MS;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    if !call.org.hidden.scheduled_autoscaling {
        return Err(ChError::Forbidden("Scheduled autoscaling is not enabled for this organization".into()));
    }
    match op {
        Op::GetScalingSchedule { service } => {
            let s = ch.service(&call.org.id, service)?;
            let schedule = s.scaling_schedule.as_deref().ok_or_else(not_configured)?;
            Ok(Out::Result(view::scaling_schedule(schedule, &s)))
        }
        Op::UpsertScalingSchedule { service } => upsert(ch, call, service),
        Op::DeleteScalingSchedule { service } => delete(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// The official 404 of a service without a schedule.
fn not_configured() -> ChError {
    ChError::NotFound("Scaling schedule not found".into())
}

/// §6.4 "Configure" row: refused (409) once the deletion has begun.
fn require_configurable(s: &Service) -> Result<(), ChError> {
    match s.state.permits(StateOp::Configure, false) {
        Permit::No => Err(ChError::Conflict(format!(
            "Cannot update the scaling schedule of service in state '{}'",
            s.state.as_str()
        ))),
        Permit::Yes | Permit::NoOp => Ok(()),
    }
}

/// One `entries[i]` (official `ScalingScheduleEntryRequest`), validated: required `name`,
/// `weekdays`, `startHourUtc`, `endHourUtc`; mode and replicas by the rules of create;
/// replica memory a multiple of 4 in 8..356 given as a pair (or both omitted for a vertical
/// entry, which then keeps the base memory); horizontal entries name one memory size.
fn entry(id: String, i: usize, v: &Value, org: &Organization, paid_max: u32) -> Result<ScalingEntry, ChError> {
    let field = format!("entries[{i}]");
    let obj = v.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
    let prefix = format!("{field}.");
    let f = Fields::with_prefix(obj, &prefix);
    let name = f.str("name")?.ok_or_else(|| FieldError::required(f.name("name")))?.to_owned();
    let days = f.array("weekdays")?.ok_or_else(|| FieldError::required(f.name("weekdays")))?;
    let mut numbers = Vec::with_capacity(days.len());
    for (d, day) in days.iter().enumerate() {
        numbers.push(day.as_f64().ok_or_else(|| FieldError::new(format!("{prefix}weekdays[{d}]"), Rule::Type("number")))?);
    }
    let weekdays = vs::weekdays(&f.name("weekdays"), &numbers)?;
    let start = f.number("startHourUtc")?.ok_or_else(|| FieldError::required(f.name("startHourUtc")))?;
    let end = f.number("endHourUtc")?.ok_or_else(|| FieldError::required(f.name("endHourUtc")))?;
    let (start_hour_utc, end_hour_utc) = vs::entry_hours(&prefix, start, end)?;
    let mode = f.str("autoscalingMode")?.map(|m| vs::autoscaling_mode(&f.name("autoscalingMode"), m)).transpose()?;
    let num = f
        .number("numReplicas")?
        .map(|n| vs::replica_bound(&f.name("numReplicas"), n))
        .transpose()?;
    let min = f.number("minReplicas")?.map(|n| vs::replica_bound(&f.name("minReplicas"), n)).transpose()?;
    let max = f.number("maxReplicas")?.map(|n| vs::replica_bound(&f.name("maxReplicas"), n)).transpose()?;
    let (mode, replicas) = vs::band(&prefix, mode, num, min, max, None)?;
    let mode = mode.unwrap_or_default();
    if mode == AutoscalingMode::Horizontal {
        vs::horizontal_enabled(&org.hidden)?;
    }
    let paid = org.hidden.paid;
    let mem = |name: &'static str| -> Result<Option<u32>, FieldError> {
        let prefixed = |mut e: FieldError| {
            e.field = f.name(name);
            e
        };
        f.number(name)?.map(|n| v::replica_memory_gb(name, n, paid, paid_max).map_err(prefixed)).transpose()
    };
    let (min_mem, max_mem) = (mem("minReplicaMemoryGb")?, mem("maxReplicaMemoryGb")?);
    match (min_mem, max_mem) {
        (Some(a), Some(b)) => {
            v::replica_min_le_max(a, b).map_err(|mut e| {
                e.field = f.name("minReplicaMemoryGb");
                e
            })?;
            if mode == AutoscalingMode::Horizontal {
                vs::horizontal_memory(&prefix, a, b)?;
            }
        }
        (None, None) if mode == AutoscalingMode::Vertical => {}
        _ => {
            return Err(FieldError::message(
                f.name("minReplicaMemoryGb"),
                if mode == AutoscalingMode::Horizontal {
                    "minReplicaMemoryGb and maxReplicaMemoryGb are required when autoscalingMode is horizontal"
                } else {
                    "minReplicaMemoryGb and maxReplicaMemoryGb must be given together"
                },
            )
            .into())
        }
    }
    let (min_replicas, max_replicas) = match replicas {
        vs::Replicas::Fixed(n) => (Some(n), Some(n)),
        vs::Replicas::Band(a, b) => (Some(a), Some(b)),
        vs::Replicas::Unset => (None, None),
    };
    let idle_scaling = f.bool("idleScaling")?;
    let idle_timeout_minutes = f.number("idleTimeoutMinutes")?.map(v::idle_timeout_minutes).transpose().map_err(
        |mut e| {
            e.field = f.name("idleTimeoutMinutes");
            e
        },
    )?;
    Ok(ScalingEntry {
        id,
        name,
        weekdays,
        start_hour_utc,
        end_hour_utc,
        autoscaling_mode: mode,
        min_replica_memory_gb: min_mem,
        max_replica_memory_gb: max_mem,
        min_replicas,
        max_replicas,
        idle_scaling,
        idle_timeout_minutes,
    })
}

/// The first pair of entries active at a common hour of the week.
fn overlap(entries: &[ScalingEntry]) -> Option<(usize, usize)> {
    for day in 0..7u8 {
        for hour in 0..24u8 {
            let mut active = entries.iter().enumerate().filter(|(_, e)| e.covers(day, hour)).map(|(i, _)| i);
            if let (Some(a), Some(b)) = (active.next(), active.next()) {
                return Some((a, b));
            }
        }
    }
    None
}

/// The entry active at `t` (UTC weekday and hour).
fn active_at(entries: &[ScalingEntry], t: SimInstant, cx: &Cx) -> Option<String> {
    let at = cx.clock.to_utc(t);
    let (day, hour) = (at.weekday().num_days_from_sunday() as u8, at.hour() as u8);
    entries.iter().find(|e| e.covers(day, hour)).map(|e| e.id.clone())
}

/// The next top of an hour after `now` at which the active entry changes (within a week;
/// `None` when it never does).
fn next_change(entries: &[ScalingEntry], now: SimInstant, cx: &Cx) -> Option<SimInstant> {
    let current = active_at(entries, now, cx);
    let at = cx.clock.to_utc(now);
    let into_hour = (at.minute() as u64 * 60 + at.second() as u64) * 1000 + (at.nanosecond() / 1_000_000) as u64 % 1000;
    let first = now.0.saturating_sub(into_hour).saturating_add(HOUR_MS);
    (0..=7 * 24u64)
        .map(|k| SimInstant(first.saturating_add(k * HOUR_MS)))
        .find(|t| active_at(entries, *t, cx) != current)
}

/// Where the next tick goes when the change after this one is at `due`: `due` itself,
/// or, when the run of due events in progress goes past it (a clock advance,
/// [`Cx::horizon`]), the last change at or before its horizon. A tick only sets the
/// active entry from the clock, and nothing but due events happens before the horizon
/// (no upsert, no delete: the only writes of a schedule), so the ticks in between leave
/// nothing the last one does not: skipping them leaves the service, and its next tick,
/// as stepping hour by hour would, in at most two ticks per advance, however long.
fn coalesced(entries: &[ScalingEntry], due: SimInstant, cx: &Cx) -> SimInstant {
    let horizon = cx.horizon();
    if due > horizon {
        return due;
    }
    // A change a whole number of weeks after `due` is a change too; from the last such
    // one by the horizon, at most a week of changes is left to walk.
    let weeks = (horizon.0 - due.0) / WEEK_MS;
    let mut last = SimInstant(due.0.saturating_add(weeks.saturating_mul(WEEK_MS)));
    while let Some(next) = next_change(entries, last, cx).filter(|n| *n <= horizon) {
        last = next;
    }
    last
}

/// Schedules the next tick of a service's schedule, if its active entry ever changes.
/// `from_tick`: scheduled by a due tick, which over a long advance goes to the last
/// change before its end ([`coalesced`]); a request (an upsert, which may run while an
/// advance is under way on another thread) never coalesces.
fn schedule_tick(s: &Service, cx: &Cx, from_tick: bool) {
    if let Some(schedule) = s.scaling_schedule.as_deref() {
        let next = next_change(&schedule.entries, cx.now, cx);
        if let Some(due) = next.map(|due| if from_tick { coalesced(&schedule.entries, due, cx) } else { due }) {
            let event =
                Event::ScalingScheduleTick { org: s.org_id.clone(), service: s.id.clone(), generation: schedule.generation };
            cx.schedule_at(due, event);
        }
    }
}

/// `scalingScheduleUpsert`: validates every entry, then replaces the schedule (new entry
/// ids, a new generation, so ticks of the old one no-op). `entries: []` clears it.
fn upsert(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let current = ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["entries"], call.settings.strict_unknown_fields)?;
    let items = f.array("entries")?.ok_or_else(|| FieldError::required("entries"))?;
    let mut entries = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        entries.push(entry(String::new(), i, item, &call.org, call.settings.paid_replica_max)?);
    }
    vs::entries_disjoint("entries", overlap(&entries))?;
    require_configurable(&current)?;
    for e in &mut entries {
        e.id = call.cx.ids.uuid();
    }
    let cx = call.cx;
    let stored = ch
        .services
        .update(&call.org.id, service, |svc| {
            require_configurable(svc)?;
            let generation = svc.scaling_schedule.as_ref().map_or(0, |s| s.generation) + 1;
            svc.scaling_schedule = if entries.is_empty() {
                None
            } else {
                let active_entry_id = active_at(&entries, cx.now, cx);
                Some(Box::new(ScalingSchedule { entries, active_entry_id, generation }))
            };
            Ok::<_, ChError>(svc.clone())
        })
        .ok_or_else(|| ChError::not_found("Service", service))??;
    schedule_tick(&stored, cx, false);
    Ok(Out::Result(match stored.scaling_schedule.as_deref() {
        Some(schedule) => view::scaling_schedule(schedule, &stored),
        // Cleared: "the response will contain an empty baseConfig (all fields absent)".
        None => json!({"entries": [], "baseConfig": Value::Object(Map::new())}),
    }))
}

/// `scalingScheduleDelete`: removes the schedule (the base scaling applies again); 404
/// when there is none.
fn delete(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let current = ch.service(&call.org.id, service)?;
    current.scaling_schedule.as_ref().ok_or_else(not_configured)?;
    require_configurable(&current)?;
    ch.services
        .update(&call.org.id, service, |svc| {
            require_configurable(svc)?;
            svc.scaling_schedule.take().map(|_| ()).ok_or_else(not_configured)
        })
        .ok_or_else(|| ChError::not_found("Service", service))??;
    Ok(Out::Empty)
}

/// A due tick: the active entry at this hour, and the next tick.
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    let Event::ScalingScheduleTick { org, service, generation } = event else { return Vec::new() };
    let moved = ch
        .services
        .update(&org, &service, |svc| {
            let schedule = svc.scaling_schedule.as_deref_mut().filter(|s| s.generation == generation)?;
            schedule.active_entry_id = active_at(&schedule.entries, cx.now, cx);
            Some(svc.clone())
        })
        .flatten();
    if let Some(svc) = moved {
        schedule_tick(&svc, cx, true);
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(days: &[u8], start: u8, end: u8) -> ScalingEntry {
        ScalingEntry {
            id: format!("{days:?}{start}-{end}"),
            name: "x".into(),
            weekdays: days.to_vec(),
            start_hour_utc: start,
            end_hour_utc: end,
            autoscaling_mode: AutoscalingMode::Vertical,
            min_replica_memory_gb: None,
            max_replica_memory_gb: None,
            min_replicas: None,
            max_replicas: None,
            idle_scaling: None,
            idle_timeout_minutes: None,
        }
    }

    #[test]
    fn entries_cover_their_hours_and_overnight_windows_spill_into_the_next_day() {
        let day = e(&[1], 9, 17);
        assert!(day.covers(1, 9) && day.covers(1, 16) && !day.covers(1, 17) && !day.covers(2, 10));
        let night = e(&[5], 22, 6);
        assert!(night.covers(5, 23) && night.covers(6, 5) && !night.covers(6, 6) && !night.covers(5, 21));
        let midnight = e(&[0], 20, 24);
        assert!(midnight.covers(0, 23) && !midnight.covers(1, 0));
    }

    #[test]
    fn overlapping_entries_are_found() {
        assert_eq!(overlap(&[e(&[1], 9, 17), e(&[2], 9, 17)]), None);
        assert_eq!(overlap(&[e(&[1], 9, 17), e(&[1], 16, 18)]), Some((0, 1)));
        assert_eq!(overlap(&[e(&[1], 22, 6), e(&[2], 5, 7)]), Some((0, 1)));
    }
}
