//! Backups: E14–E17 (list, get, get/update the backup configuration) and the backup
//! schedule the simulated clock drives (spec §4.4, §4.5, §5 E14–E17, §8.2).
//!
//! Owns the `Backup` table's contents and the backup fields of a `Service`
//! (`backup_configuration`, `backup_schedule`, `next_backup_at`, `backups_taken`,
//! `fail_next_backup`). May touch: `ClickHouse::{services, backups, warehouses}`, the
//! schedule through `Cx`, `activities`. Authority: SEED-A 698–849; extract §8.2.
//!
//! # The schedule (§8.2)
//! Only the primary service of a warehouse has one; its backups belong to the warehouse,
//! so secondary services list the same backups (§E14). A *chain* of `BackupDue` events
//! runs per primary service: each due backup starts `in_progress`, schedules its
//! `BackupFinish` after `durations.backup`, and schedules the next `BackupDue` one period
//! later (or the next day at `backupStartTime` UTC).
//! - The chain starts when the service reaches `running` ([`on_running`]), one period
//!   later. A chain that is still live is left alone, so waking an idle service (which
//!   passes through `running` again) does not push the next backup out.
//! - A slot that finds the service in a state that takes no backups (stopped, starting,
//!   ...) is skipped and ends the chain; the next transition into `running` starts a new
//!   one a period later. Missed slots are never back-filled (§8.2). So the rule
//!   "`runningSince + k × period`" holds with `runningSince` = the start of the current
//!   stretch in which the service takes backups (I).
//! - `Service::backup_schedule` is the chain's generation: `BackupDue` events carry it and
//!   apply only while it matches, so a reconfiguration (which bumps it) cancels the old
//!   chain without any bookkeeping of pending events.
//!
//! Retention: a finished backup whose `finishedAt + backupRetentionPeriodInHours` is
//! earlier than now is removed, except the most recent `done` backup, which is always
//! kept (§8.2). Each finished backup schedules a `BackupExpire` just after its limit, and
//! every finish and every retention change sweeps the warehouse, so a backup kept as "the
//! most recent" goes as soon as a newer one is done. Backups ending in `error` follow the
//! same retention (the spec is silent about them; they are never "the most recent done").

use chrono::Timelike;
use serde_json::Value;

use super::activities;
use super::model::*;
use super::routes::Op;
use super::validate as v;
use super::view;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::Fields;

/// Size of a backup: deterministic from its ordinal `n` (0-based) in the service's chain
/// (§8.2, I).
const BASE_BACKUP_SIZE: u64 = 1_073_741_824;
const BACKUP_SIZE_STEP: u64 = 65_536;
/// The first backup and every 7th after it is `full`, the others `incremental` (§8.2).
const FULL_EVERY: u64 = 7;
const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListBackups { service } => list(ch, call, service),
        Op::GetBackup { service, backup } => get(ch, call, service, backup),
        Op::GetBackupConfiguration { service } => {
            let s = primary(ch, call, service)?;
            Ok(Out::Result(view::backup_configuration(&s.extras.backup_configuration)))
        }
        Op::UpdateBackupConfiguration { service } => update_configuration(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// E14: the warehouse's backups, most recent first (SEED-A 700) = `startedAt` descending,
/// ties by `id` (I).
fn list(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let mut backups = ch.backups.list_where(&call.org.id, |b| b.data_warehouse_id == s.data_warehouse_id);
    backups.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| a.id.cmp(&b.id)));
    Ok(Out::Result(Value::Array(backups.iter().map(|b| view::backup(b, call.cx)).collect())))
}

/// E15: one backup of the service's warehouse; any other id is 404 (I).
fn get(ch: &ClickHouse, call: &Call, service: &str, backup: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let b = ch
        .backups
        .get(&call.org.id, backup)
        .filter(|b| b.data_warehouse_id == s.data_warehouse_id)
        .ok_or_else(|| ChError::not_found("Backup", backup))?;
    Ok(Out::Result(view::backup(&b, call.cx)))
}

/// The service, if it is the primary of its warehouse: only primaries have backup
/// settings (O3), a secondary gets 400 (§E16, I).
fn primary(ch: &ClickHouse, call: &Call, service: &str) -> Result<Service, ChError> {
    let s = ch.service(&call.org.id, service)?;
    if !s.is_primary {
        return Err(ChError::BadRequest(
            "Backup configuration is only available for the primary service of a warehouse".into(),
        ));
    }
    Ok(s)
}

/// What a PATCH asks for one property: leave it, reset it to its default (`null`, SEED-A
/// 814), or set it.
enum Change<T> {
    Keep,
    Reset,
    Set(T),
}

/// E17: update the backup configuration (SEED-A 812–849). Admin only (enforced by the
/// role check, SEED-A 814); not on the BASIC tier (403, I). An explicit `null` clears a
/// property back to its default (SEED-A 814; official: "Setting the properties with null
/// value, will reset the properties to theirs default values"): the period to 24, the
/// retention to 24, the start time to unset. A new `backupStartTime` resets the period to
/// 24 hours unless the same request gives one; with a start time the period is 24 or 48
/// (CH-R47, knob `backupRules`). Values are checked as they will be stored: the retention
/// by CH-R46. A change of period or start time reschedules the next backup from now; a
/// change of retention applies to the existing backups at once.
fn update_configuration(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let current = primary(ch, call, service)?;
    if call.org.hidden.tier == OrgTier::Basic {
        return Err(ChError::Forbidden("Backup configuration cannot be changed on the BASIC tier".into()));
    }
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let settings = &call.settings;
    let seed = settings.seed_backup_rules;
    v::unknown_fields(
        &f,
        &["backupPeriodInHours", "backupRetentionPeriodInHours", "backupStartTime"],
        settings.strict_unknown_fields,
    )?;
    // CH-R48: types first (null is a reset here, not "absent").
    let change_number = |field: &str| -> Result<Change<f64>, ChError> {
        Ok(match f.number(field)? {
            Some(n) => Change::Set(n),
            None if f.has_key(field) => Change::Reset,
            None => Change::Keep,
        })
    };
    let period_in = change_number("backupPeriodInHours")?;
    let retention_in = change_number("backupRetentionPeriodInHours")?;
    let start_in = match f.str("backupStartTime")? {
        Some(s) => Change::Set(s),
        None if f.has_key("backupStartTime") => Change::Reset,
        None => Change::Keep,
    };

    let defaults = BackupConfiguration::default();
    let old = &current.extras.backup_configuration;
    // CH-R45.
    let period_given = match period_in {
        Change::Set(n) => Some(v::backup_period(n, settings)?),
        _ => None,
    };
    let start_time = match start_in {
        Change::Set(s) => Some(s),
        Change::Reset => None,
        Change::Keep => old.backup_start_time.as_deref(),
    };
    let period = match (&period_in, period_given) {
        (_, Some(p)) => p,
        (Change::Reset, _) => defaults.backup_period_in_hours,
        // A new start time resets the period to every 24 hours (SEED-A 832).
        _ if matches!(start_in, Change::Set(_)) => 24,
        _ => old.backup_period_in_hours,
    };
    // CH-R46, as it will be stored.
    let retention = match retention_in {
        Change::Set(n) => v::backup_retention(n, period, seed)?,
        Change::Reset => defaults.backup_retention_period_in_hours,
        Change::Keep => old.backup_retention_period_in_hours,
    };
    if seed && !matches!(retention_in, Change::Set(_)) {
        // The seed reading ties the retention to the period: check the kept one too.
        v::backup_retention(retention as f64, period, seed)?;
    }
    // CH-R47: the format, then the period a start time allows.
    let start_time = match start_time {
        Some(s) => {
            v::backup_start_time(s)?;
            v::start_time_period(Some(period), seed)?;
            Some(s.to_owned())
        }
        None => None,
    };
    let next = BackupConfiguration {
        backup_period_in_hours: period,
        backup_retention_period_in_hours: retention,
        backup_start_time: start_time,
    };
    require_configurable(&current)?;

    let cx = call.cx;
    let (stored, chain) = ch
        .services
        .update(&call.org.id, service, |svc| {
            require_configurable(svc)?;
            let reschedule = svc.extras.backup_configuration.backup_period_in_hours != next.backup_period_in_hours
                || svc.extras.backup_configuration.backup_start_time != next.backup_start_time;
            svc.extras.backup_configuration = next.clone();
            svc.extras.tidy();
            let chain = if reschedule { restart_chain(svc, cx) } else { None };
            Ok::<_, ChError>((svc.clone(), chain))
        })
        .ok_or_else(|| ChError::not_found("Service", service))??;
    if let Some((schedule, due)) = chain {
        schedule_due(&stored, schedule, due, cx);
    }
    if old.backup_retention_period_in_hours != retention {
        for b in ch.backups.list_where(&call.org.id, |b| b.data_warehouse_id == stored.data_warehouse_id) {
            schedule_expiry(&b, retention, cx);
        }
        sweep(ch, &call.org.id, &stored.data_warehouse_id, cx);
    }
    activities::record(ch, call, "service_update_backup_configuration", Some(service));
    Ok(Out::Result(view::backup_configuration(&stored.extras.backup_configuration)))
}

/// §6.4 "Configure" row: refused (409) once the deletion has begun.
fn require_configurable(s: &Service) -> Result<(), ChError> {
    match s.state.permits(StateOp::Configure, false) {
        Permit::No => Err(ChError::Conflict(format!(
            "Cannot update the backup configuration of service in state '{}'",
            s.state.as_str()
        ))),
        Permit::Yes | Permit::NoOp => Ok(()),
    }
}

/// When the next backup is due after `now` under `config`: one period later; with a
/// `backupStartTime` (UTC), its next occurrence strictly after now, and after a slot
/// (`after_slot`) one period on from it (24 or 48 hours, CH-R47) (§8.2).
fn next_due(config: &BackupConfiguration, now: SimInstant, after_slot: bool, cx: &Cx) -> SimInstant {
    match config.backup_start_time.as_deref().and_then(|t| v::backup_start_time(t).ok()) {
        Some(minutes) => {
            let skipped = if after_slot { config.backup_period_in_hours.saturating_sub(24) * HOUR_MS } else { 0 };
            let from = SimInstant(now.0.saturating_add(skipped));
            let at = cx.clock.to_utc(from);
            let ms_of_day = at.num_seconds_from_midnight() as u64 * 1000 + (at.nanosecond() / 1_000_000) as u64 % 1000;
            let target = minutes as u64 * 60_000;
            let wait = if target > ms_of_day { target - ms_of_day } else { target + DAY_MS - ms_of_day };
            SimInstant(from.0.saturating_add(wait))
        }
        None => SimInstant(now.0.saturating_add(config.backup_period_in_hours.saturating_mul(HOUR_MS))),
    }
}

/// Bumps the chain generation (cancelling the pending `BackupDue` of the old chain) and,
/// when the service takes backups now, starts a new chain. Answers what to schedule.
fn restart_chain(svc: &mut Service, cx: &Cx) -> Option<(u64, SimInstant)> {
    svc.backup_schedule += 1;
    if svc.is_primary && svc.state.takes_backups() {
        let due = next_due(&svc.extras.backup_configuration, cx.now, false, cx);
        svc.next_backup_at = Some(due);
        Some((svc.backup_schedule, due))
    } else {
        // Not taking backups now: the next transition into `running` starts the chain.
        svc.next_backup_at = None;
        None
    }
}

fn schedule_due(s: &Service, schedule: u64, due: SimInstant, cx: &Cx) {
    cx.schedule_at(due, Event::BackupDue { org: s.org_id.clone(), service: s.id.clone(), schedule });
}

/// Schedules the retention check of a finished backup just after its limit (the rule is
/// "`finishedAt` + retention < now", so the limit itself still keeps it).
fn schedule_expiry(b: &Backup, retention_hours: u64, cx: &Cx) {
    if let Some(finished) = b.finished_at {
        let limit = finished.0.saturating_add(retention_hours.saturating_mul(HOUR_MS));
        let at = SimInstant(limit.saturating_add(1)).max(cx.now);
        cx.schedule_at(at, Event::BackupExpire { org: b.org_id.clone(), backup: b.id.clone() });
    }
}

/// Called when a service reaches `running` (services.rs): a primary service without a
/// live chain starts one, its first backup one period later or at the next
/// `backupStartTime` (§8.2). A live chain (the service went idle and woke up, or was
/// stopped and started again before its next slot) is kept.
pub fn on_running(ch: &ClickHouse, s: &Service, cx: &Cx) {
    if !s.is_primary {
        return;
    }
    let started = ch.services.update(&s.org_id, &s.id, |svc| restart_on_running(svc, cx)).flatten();
    if let Some((schedule, due)) = started {
        cx.schedule_at(due, Event::BackupDue { org: s.org_id.clone(), service: s.id.clone(), schedule });
    }
}

/// [`on_running`]'s write to the service, for a caller that holds it already (a settle
/// into `running`): restarts its backup chain unless one is pending; answers the chain's
/// generation and first due time, for the caller to schedule.
pub fn restart_on_running(svc: &mut Service, cx: &Cx) -> Option<(u64, SimInstant)> {
    if !svc.is_primary || !svc.state.takes_backups() {
        return None;
    }
    if svc.next_backup_at.is_some_and(|due| due >= cx.now) {
        return None;
    }
    restart_chain(svc, cx)
}

fn transition(id: &str, from: &str, to: &str, cx: &Cx) -> Transition {
    Transition::new(super::NAME, "backup", id, from, to, cx)
}

/// Applies a due backup event (guarded: the service must still exist, be primary and
/// carry the same chain generation; the backup must still be in the expected status).
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    match event {
        Event::BackupDue { org, service, schedule } => backup_due(ch, &org, &service, schedule, cx),
        Event::BackupFinish { org, backup } => finish(ch, &org, &backup, cx),
        Event::BackupExpire { org, backup } => match ch.backups.get(&org, &backup) {
            Some(b) => sweep(ch, &org, &b.data_warehouse_id, cx),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A slot of the chain: take a backup if the service takes backups now; otherwise skip
/// the slot and end the chain (§8.2: missed slots are not back-filled).
fn backup_due(ch: &ClickHouse, org: &str, service: &str, schedule: u64, cx: &Cx) -> Vec<Transition> {
    let backup_ms = ch.settings().durations.backup.saturating_mul(1000);
    let mut skipped = None;
    let taken = ch
        .services
        .update(org, service, |svc| {
            if svc.backup_schedule != schedule {
                return None; // a reconfiguration replaced this chain
            }
            if !svc.is_primary || !svc.state.takes_backups() {
                svc.next_backup_at = None;
                return None;
            }
            if let Some((slots, resume)) = coalescible(svc, backup_ms, cx) {
                svc.backups_taken += slots;
                svc.next_backup_at = Some(resume);
                skipped = Some((slots, resume, svc.clone()));
                return None;
            }
            let n = svc.backups_taken;
            svc.backups_taken += 1;
            let due = next_due(&svc.extras.backup_configuration, cx.now, true, cx);
            svc.next_backup_at = Some(due);
            Some((svc.clone(), n, due))
        })
        .flatten();
    if let Some((slots, resume, svc)) = skipped {
        // Each skipped backup would have begun, finished and expired: three transitions.
        cx.count_coalesced(slots.saturating_mul(3));
        schedule_due(&svc, schedule, resume, cx);
        return Vec::new();
    }
    let Some((svc, n, next)) = taken else { return Vec::new() };
    let backup = Backup {
        id: cx.ids.uuid(),
        org_id: org.to_owned(),
        service_id: svc.id.to_string(),
        data_warehouse_id: svc.data_warehouse_id.to_string(),
        provider: svc.provider.clone(),
        region: svc.region.clone(),
        tier: svc.extras.tier.clone(),
        status: BackupStatus::InProgress,
        started_at: cx.now,
        finished_at: None,
        size_in_bytes: 0,
        kind: if n % FULL_EVERY == 0 { "full" } else { "incremental" }.to_owned(),
    };
    ch.backups.insert(org, &backup.id, backup.clone());
    cx.schedule_in(
        ch.settings().durations.backup,
        Event::BackupFinish { org: org.to_owned(), backup: backup.id.clone() },
    );
    schedule_due(&svc, schedule, next, cx);
    vec![transition(&backup.id, "none", BackupStatus::InProgress.as_str(), cx)]
}

/// How many slots of the chain, from this one (`cx.now`) on, a clock advance can skip,
/// and the slot to resume at: those whose backup would begin, be done and be removed by
/// retention before the advance ends ([`Cx::horizon`]), with a newer backup done by then
/// (so none of them is "the most recent done" that retention keeps). A ten-year advance
/// over a thousand services then materialises only the backups still within retention
/// at its end, and counts the others as applied. Only for a service in a steady state
/// that takes backups (nothing but a request or a timeline action, neither of which
/// happens before the horizon, moves it), and never with a failure armed. A skipped
/// backup leaves no `backup_delete` activity.
fn coalescible(svc: &Service, backup_ms: u64, cx: &Cx) -> Option<(u64, SimInstant)> {
    if !matches!(svc.state, ServiceState::Running | ServiceState::Idle) || svc.fail_next_backup {
        return None;
    }
    let config = &svc.extras.backup_configuration;
    let period = config.backup_period_in_hours.saturating_mul(HOUR_MS);
    if period == 0 {
        return None;
    }
    let retention = config.backup_retention_period_in_hours.saturating_mul(HOUR_MS);
    // Slot `s` is gone by `s + backup + max(retention + 1, period)`: its expiry check, or
    // the sweep when the next backup is done, whichever is later.
    let gone_after = backup_ms.saturating_add(retention.saturating_add(1).max(period));
    let last_skippable = cx.horizon().0.checked_sub(gone_after)?;
    let now = cx.now.0;
    if last_skippable < now {
        return None;
    }
    // Slots are one period apart, with a start time too (24 or 48 hours, at that time).
    let slots = (last_skippable - now) / period + 1;
    Some((slots, SimInstant(now.saturating_add(slots.saturating_mul(period)))))
}

/// `in_progress → done` (or `error` when the fault hook armed `fail_next_backup`), then
/// the retention of the warehouse's backups (§8.2).
fn finish(ch: &ClickHouse, org: &str, backup: &str, cx: &Cx) -> Vec<Transition> {
    let Some(b) = ch.backups.get(org, backup).filter(|b| b.status == BackupStatus::InProgress) else {
        return Vec::new();
    };
    let service = ch.services.update(org, &b.service_id, |svc| {
        let fail = std::mem::take(&mut svc.fail_next_backup);
        (fail, svc.backups_taken, svc.extras.backup_configuration.backup_retention_period_in_hours)
    });
    let (fail, taken, retention) =
        service.unwrap_or((false, 0, BackupConfiguration::default().backup_retention_period_in_hours));
    // The backup's ordinal: backups started after it were counted after it.
    let later = ch.backups.count_where(|k, x| {
        k.0 == org && x.data_warehouse_id == b.data_warehouse_id && (x.started_at, &x.id) > (b.started_at, &b.id)
    }) as u64;
    let n = taken.saturating_sub(1).saturating_sub(later);
    let done = ch
        .backups
        .update(org, backup, |x| {
            if x.status != BackupStatus::InProgress {
                return None;
            }
            x.finished_at = Some(cx.now);
            if fail {
                x.status = BackupStatus::Error;
                x.size_in_bytes = 0;
            } else {
                x.status = BackupStatus::Done;
                x.size_in_bytes = BASE_BACKUP_SIZE + BACKUP_SIZE_STEP * n;
            }
            Some(x.clone())
        })
        .flatten();
    let Some(done) = done else { return Vec::new() };
    schedule_expiry(&done, retention, cx);
    let mut out = vec![transition(&done.id, BackupStatus::InProgress.as_str(), done.status.as_str(), cx)];
    out.extend(sweep(ch, org, &done.data_warehouse_id, cx));
    out
}

/// Removes the warehouse's finished backups past their retention, keeping the most
/// recent `done` one (§8.2). The retention is the primary service's current setting.
fn sweep(ch: &ClickHouse, org: &str, warehouse: &str, cx: &Cx) -> Vec<Transition> {
    let primary = ch.warehouses.get(org, warehouse).and_then(|w| ch.services.get(org, &w.primary_service_id));
    let retention = primary
        .as_ref()
        .map(|s| s.extras.backup_configuration.backup_retention_period_in_hours)
        .unwrap_or(BackupConfiguration::default().backup_retention_period_in_hours);
    let backups = ch.backups.list_where(org, |b| b.data_warehouse_id == warehouse);
    let newest_done = backups
        .iter()
        .filter(|b| b.status == BackupStatus::Done)
        .max_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)))
        .map(|b| b.id.clone());
    let mut out = Vec::new();
    for b in backups {
        let Some(finished) = b.finished_at else { continue };
        let limit = finished.0.saturating_add(retention.saturating_mul(HOUR_MS));
        if limit >= cx.now.0 || newest_done.as_deref() == Some(b.id.as_str()) {
            continue;
        }
        if ch.backups.remove(org, &b.id).is_some() {
            cx.cancel_events(super::NAME, "backup", org, &b.id);
            activities::record_system(ch, cx, org, "backup_delete", Some(&b.service_id));
            out.push(transition(&b.id, b.status.as_str(), "expired", cx));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ClockMode};
    use crate::ids::Ids;
    use crate::lifecycle::Lifecycle;

    fn with_cx<R>(now: SimInstant, f: impl FnOnce(&Cx) -> R) -> R {
        let clock = Clock::new(ClockMode::Manual);
        let ids = Ids::new(1);
        let lifecycle = Lifecycle::default();
        let cx = Cx { now, clock: &clock, ids: &ids, lifecycle: &lifecycle, peer: ([127, 0, 0, 1], 0).into() };
        f(&cx)
    }

    /// The fault hook "the next backup fails" (§2.10) is not reachable over HTTP yet, so
    /// this drives the flag on the in-process core.
    #[test]
    fn an_armed_failure_ends_the_next_backup_in_error_and_the_one_after_is_done() {
        use crate::http::Request;
        use base64::Engine;
        use hyper::Method;
        use std::time::Duration;

        let core = crate::sim::Core::new(ClockMode::Manual, 42, 100);
        let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("sim-key:sim-secret"));
        let request = |method: Method, path: &str, body: &str| {
            let mut req = Request::new(method, path, body.to_owned());
            req.headers.insert("authorization", auth.parse().expect("header value"));
            req.headers.insert("content-type", "application/json".parse().expect("header value"));
            core.handle(req).body_json().expect("json answer")
        };
        let org = "/v1/organizations/00000000-0000-4000-8000-000000000001";
        let created =
            request(Method::POST, &format!("{org}/services"), r#"{"name":"s","provider":"aws","region":"us-east-1"}"#);
        let id = created["result"]["service"]["id"].as_str().expect("service id").to_owned();
        core.advance(Duration::from_secs(60), 0);
        let ch = &core.world.clickhouse;
        ch.services.update(super::super::DEFAULT_ORG_ID, &id, |s| s.fail_next_backup = true);
        core.advance(Duration::from_secs(2 * 24 * 3600 + 300), 0);
        let list = request(Method::GET, &format!("{org}/services/{id}/backups"), "");
        let list = list["result"].as_array().expect("list");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["status"], "done");
        assert_eq!(list[1]["status"], "error");
        assert_eq!(list[1]["sizeInBytes"], 0);
        assert!(list[1]["finishedAt"].is_string());
        assert_eq!(list[0]["sizeInBytes"], BASE_BACKUP_SIZE + BACKUP_SIZE_STEP);
    }

    #[test]
    fn next_due_is_one_period_later_without_a_start_time() {
        let c = BackupConfiguration { backup_period_in_hours: 12, ..Default::default() };
        let now = SimInstant::from_secs(60);
        with_cx(now, |cx| assert_eq!(next_due(&c, now, true, cx), SimInstant::from_secs(60 + 12 * 3600)));
    }

    #[test]
    fn next_due_is_the_next_start_time_in_utc() {
        // The manual clock starts at 2025-01-01T00:00:00Z.
        let c = BackupConfiguration { backup_start_time: Some("03:30".into()), ..Default::default() };
        let now = SimInstant::from_secs(60);
        with_cx(now, |cx| assert_eq!(next_due(&c, now, false, cx), SimInstant::from_secs(3 * 3600 + 30 * 60)));
        // Exactly at the start time: the next one is tomorrow.
        let at = SimInstant::from_secs(3 * 3600 + 30 * 60);
        with_cx(at, |cx| assert_eq!(next_due(&c, at, true, cx), SimInstant::from_secs(24 * 3600 + 3 * 3600 + 30 * 60)));
        // After it: tomorrow.
        let late = SimInstant::from_secs(5 * 3600);
        with_cx(late, |cx| assert_eq!(next_due(&c, late, false, cx), SimInstant::from_secs(27 * 3600 + 30 * 60)));
        // Every other day: after a slot, the start time two days on.
        let c = BackupConfiguration { backup_period_in_hours: 48, ..c };
        with_cx(at, |cx| assert_eq!(next_due(&c, at, true, cx), SimInstant::from_secs(48 * 3600 + 3 * 3600 + 30 * 60)));
        with_cx(now, |cx| assert_eq!(next_due(&c, now, false, cx), SimInstant::from_secs(3 * 3600 + 30 * 60)));
    }
}
