//! Fujitsu monitoring, part two: alarms (seed 1.6.2.7–1.6.2.14, lines 9465–11126) —
//! list, create, get, update, delete, state get/set and history, Aodh-shaped (bare JSON,
//! snake_case).
//!
//! - A threshold alarm is evaluated on the simulated clock every `threshold_rule.period`
//!   seconds (an `Event::AlarmCheck`, guarded by the alarm's generation): the rule's
//!   statistic over the last `period × evaluation_periods` seconds of the meter's samples
//!   (`monitoring::samples`, the rule's `resource_id` condition applied) compared with the
//!   threshold gives `alarm` or `ok`; no samples (monitoring off, no instance) give
//!   `insufficient data`. The window is capped at [`EVALUATION_WINDOW_CAP`] and its samples
//!   are folded as they are computed. A disabled alarm is not evaluated ("false の場合はアラームの評価
//!   … を行いません"). A combination alarm combines its alarms' states (`and` / `or`).
//! - Every change is a history entry (`creation`, `rule change`, `state transition`,
//!   `deletion`), newest first, at most [`HISTORY_CAP`] per alarm. A state transition of
//!   an alarm on one instance also emits a `notification` event of that instance.
//! - Creating an alarm needs monitoring in use (422, inferred: the alarm's project is the
//!   monitoring project).
//!
//! May touch: the alarm and monitoring tables, the schedule, the history.

use hyper::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::FujitsuError;
use super::model::Event;
use super::monitoring::{self, Monitor};
use super::validate::alarm::{self as rules, AlarmDef, AlarmSpec, AlarmState, CombinationRule, ThresholdRule};
use super::validate::monitoring::{self as q, Cond};
use super::{Call, Fujitsu, Out, Res};
use crate::clock::SimInstant;
use crate::providers::{Cx, Transition};

/// History entries kept per alarm (the oldest go first).
pub const HISTORY_CAP: usize = 200;

/// The longest window an evaluation looks at, in seconds: a statistics query's cap
/// (1209600, seed 9210), since an alarm's rule is a statistics query. A rule's
/// `period × evaluation_periods` above it (up to 86400 × 1440) evaluates the last two weeks.
pub const EVALUATION_WINDOW_CAP: u64 = 1_209_600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmChange {
    pub event_id: String,
    pub kind: String,
    pub detail: String,
    pub at: SimInstant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    pub id: String,
    pub tenant: String,
    pub seq: u64,
    /// The definition of the last create or update (its fields at the record's top level
    /// in the state dump).
    #[serde(flatten)]
    pub def: AlarmDef,
    pub state: AlarmState,
    pub state_at: SimInstant,
    pub updated: SimInstant,
    pub user_id: String,
    pub project_id: String,
    /// Bumped by every update, so a stale `AlarmCheck` is a no-op.
    pub generation: u64,
    pub history: Vec<AlarmChange>,
}

fn micros(cx: &Cx, t: SimInstant) -> String {
    cx.clock.to_utc(t).format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The generated description of the update example (seed 10700): "Alarm when my_meter is
/// gt a avg of 0.0 over 60 seconds".
fn describe(r: &ThresholdRule) -> String {
    format!(
        "Alarm when {} is {} a {} of {:?} over {} seconds",
        r.meter_name, r.comparison_operator, r.statistic, r.threshold, r.period
    )
}

fn view(a: &Alarm, cx: &Cx) -> Value {
    let d = &a.def;
    json!({
        "alarm_actions": d.alarm_actions,
        "alarm_id": a.id,
        "combination_rule": d.combination_rule,
        "description": d.description.clone().or_else(|| d.threshold_rule.as_ref().map(describe)),
        "enabled": d.enabled,
        "insufficient_data_actions": d.insufficient_data_actions,
        "name": d.name,
        "ok_actions": d.ok_actions,
        "project_id": a.project_id,
        "repeat_actions": d.repeat_actions,
        "severity": d.severity,
        "state": a.state.as_str(),
        "state_timestamp": micros(cx, a.state_at),
        "threshold_rule": d.threshold_rule,
        "time_constraints": d.time_constraints,
        "timestamp": micros(cx, a.updated),
        "type": d.kind,
        "user_id": a.user_id,
    })
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

fn not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("AlarmNotFound: '{id}' is not an alarm of the tenant"))
}

fn monitor(f: &Fujitsu, call: &Call) -> Result<Monitor, FujitsuError> {
    f.monitors.get("", call.tenant()).ok_or_else(|| {
        FujitsuError::Unprocessable("MonitoringNotStarted: start monitoring with POST meter (1.6.2.1) first".into())
    })
}

fn raw_body(call: &Call) -> Result<Value, FujitsuError> {
    serde_json::from_slice(&call.req.body).map_err(|e| FujitsuError::Malformed(format!("the body is not JSON: {e}")))
}

fn push_history(a: &mut Alarm, kind: &str, detail: Value, cx: &Cx) {
    a.history.push(AlarmChange { event_id: cx.ids.uuid(), kind: kind.to_owned(), detail: detail.to_string(), at: cx.now });
    if a.history.len() > HISTORY_CAP {
        let extra = a.history.len() - HISTORY_CAP;
        a.history.drain(..extra);
    }
}

fn schedule_check(a: &Alarm, cx: &Cx) {
    let period = a.def.threshold_rule.as_ref().map_or(60, |r| r.period.max(60));
    cx.schedule_in(period, Event::AlarmCheck { tenant: a.tenant.as_str().into(), id: a.id.as_str().into(), generation: a.generation });
}

/// Combination rules name alarms of the tenant (404 otherwise).
fn combination_targets(f: &Fujitsu, tenant: &str, spec: &AlarmSpec) -> Result<(), FujitsuError> {
    if let Some(c) = &spec.def.combination_rule {
        if let Some(id) = c.alarm_ids.iter().find(|id| !f.alarms.contains(tenant, id)) {
            return Err(FujitsuError::NotFound(format!("AlarmNotFound: combination_rule.alarm_ids '{id}' is not an alarm of the tenant")));
        }
    }
    Ok(())
}

/// `POST alarms` (1.6.2.8).
pub fn create(f: &Fujitsu, call: &Call) -> Res {
    let spec = rules::alarm_spec(&raw_body(call)?)?;
    let _guard = f.lock();
    let m = monitor(f, call)?;
    combination_targets(f, call.tenant(), &spec)?;
    let count = f.alarms.count(call.tenant());
    if count as u64 >= call.settings.quota_alarms {
        return Err(FujitsuError::Unprocessable(format!("AlarmQuotaExceeded: the tenant already has {count} alarms")));
    }
    let now = call.cx.now;
    let seq = f.alarms.list(call.tenant()).iter().map(|a| a.seq).max().unwrap_or(0) + 1;
    let mut a = Alarm {
        id: call.cx.ids.uuid(),
        tenant: call.tenant().to_owned(),
        seq,
        def: spec.def,
        state: spec.state,
        state_at: now,
        updated: now,
        user_id: String::from(&call.principal.user_id),
        project_id: m.project_id,
        generation: 0,
        history: Vec::new(),
    };
    let mut detail = view(&a, call.cx);
    if let Some(o) = detail.as_object_mut() {
        let rule = o.remove("threshold_rule").unwrap_or(Value::Null);
        o.insert("rule".into(), rule);
    }
    push_history(&mut a, "creation", detail, call.cx);
    let out = view(&a, call.cx);
    schedule_check(&a, call.cx);
    f.alarms.insert(call.tenant(), &a.id.clone(), a);
    json_out(&out)
}

/// `PUT alarms/{id}` (1.6.2.10): the definition replaced; omitted fields take defaults.
pub fn update(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let spec = rules::alarm_spec(&raw_body(call)?)?;
    let _guard = f.lock();
    let mut a = f.alarms.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    combination_targets(f, call.tenant(), &spec)?;
    a.def = spec.def;
    a.updated = call.cx.now;
    a.generation += 1;
    if spec.state != a.state {
        set_state(f, &mut a, spec.state, call.cx);
    }
    let detail = view(&a, call.cx);
    push_history(&mut a, "rule change", detail, call.cx);
    let out = view(&a, call.cx);
    schedule_check(&a, call.cx);
    f.alarms.insert(call.tenant(), id, a);
    json_out(&out)
}

/// `DELETE alarms/{id}` (1.6.2.11): 202; its history goes with it.
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    f.alarms.remove(call.tenant(), id).ok_or_else(|| not_found(id))?;
    call.cx.cancel_events(super::NAME, "alarm", call.tenant(), id);
    Ok(Out::accepted())
}

/// `GET alarms/{id}` (1.6.2.9).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let a = f.alarms.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    json_out(&view(&a, call.cx))
}

/// `GET alarms` (1.6.2.7): `q` on `alarm_id`, `enabled`, `name`, `user_id`.
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let p = call.req.query_pairs();
    let conds = q::conditions(&p, q::ALARM_FIELDS)?;
    let get = |n: &str| p.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let (limit, offset) = q::limit_offset(get("limit"), get("offset"))?;
    let mut all = f.alarms.list(call.tenant());
    all.sort_by_key(|a| a.seq);
    let keep = |a: &Alarm, c: &Cond| match c.field.as_str() {
        "alarm_id" => a.id == c.value,
        "enabled" => a.def.enabled.to_string() == c.value,
        "name" => a.def.name == c.value,
        _ => a.user_id == c.value,
    };
    let items: Vec<Value> =
        all.iter().filter(|a| conds.iter().all(|c| keep(a, c))).skip(offset).take(limit).map(|a| view(a, call.cx)).collect();
    json_out(&Value::Array(items))
}

/// `GET alarms/{id}/state` (1.6.2.12): a bare JSON string.
pub fn get_state(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let a = f.alarms.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    json_out(&json!(a.state.as_str()))
}

/// `PUT alarms/{id}/state` (1.6.2.13): the body a bare JSON string; answers the state.
pub fn put_state(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let state = rules::state_body(&raw_body(call)?)?;
    let _guard = f.lock();
    let mut a = f.alarms.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    set_state(f, &mut a, state, call.cx);
    f.alarms.insert(call.tenant(), id, a);
    json_out(&json!(state.as_str()))
}

/// `GET alarms/{id}/history` (1.6.2.14): newest first; `q` on `timestamp` and `type`.
pub fn history(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let p = call.req.query_pairs();
    let conds = q::conditions(&p, q::HISTORY_FIELDS)?;
    let get = |n: &str| p.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let (limit, offset) = q::limit_offset(get("limit"), get("offset"))?;
    let a = f.alarms.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    let clock = call.cx.clock;
    let keep = |h: &AlarmChange, c: &Cond| -> bool {
        if c.field == "type" {
            return h.kind == c.value;
        }
        let Ok(t) = q::timestamp("q.value", &c.value) else { return false };
        let at = clock.to_utc(h.at);
        match c.op.as_str() {
            "gt" => at > t,
            "ge" => at >= t,
            "lt" => at < t,
            _ => at <= t,
        }
    };
    let items: Vec<Value> = a
        .history
        .iter()
        .rev()
        .filter(|h| conds.iter().all(|c| keep(h, c)))
        .skip(offset)
        .take(limit)
        .map(|h| {
            json!({"alarm_id": a.id, "detail": h.detail, "event_id": h.event_id, "on_behalf_of": a.project_id,
                   "project_id": a.project_id, "timestamp": micros(call.cx, h.at), "type": h.kind, "user_id": a.user_id})
        })
        .collect();
    json_out(&Value::Array(items))
}

/// The instance a threshold alarm watches, when its query names one.
fn resource_of(a: &Alarm) -> Option<String> {
    let r = a.def.threshold_rule.as_ref()?;
    r.query.iter().find(|c| c.get("field").and_then(Value::as_str) == Some("resource_id"))?.get("value")?.as_str().map(str::to_owned)
}

/// A state change: the alarm's state, a `state transition` history entry and, for an
/// alarm on one instance, a `notification` event of it.
fn set_state(f: &Fujitsu, a: &mut Alarm, state: AlarmState, cx: &Cx) {
    if a.state == state && !a.def.repeat_actions {
        return;
    }
    a.state = state;
    a.state_at = cx.now;
    push_history(a, "state transition", json!({ "state": state.as_str() }), cx);
    if let Some(resource) = resource_of(a) {
        let message = format!("Alarm {} ({}) is {}", a.def.name, a.def.severity, state.as_str());
        f.record(&a.tenant, "instance", &resource, "notification", message.into(), cx.now);
    }
}

/// `Event::AlarmCheck`: evaluates the alarm and schedules the next check.
pub fn check(f: &Fujitsu, tenant: &str, id: &str, generation: u64, cx: &Cx) -> Vec<Transition> {
    let Some(mut a) = f.alarms.get(tenant, id) else { return Vec::new() };
    if a.generation != generation {
        return Vec::new();
    }
    schedule_check(&a, cx);
    if !a.def.enabled {
        return Vec::new();
    }
    let from = a.state;
    let state = match (&a.def.threshold_rule, &a.def.combination_rule) {
        (Some(r), _) => evaluate(f, tenant, r, cx),
        (None, Some(c)) => combine(f, tenant, c),
        (None, None) => AlarmState::InsufficientData,
    };
    set_state(f, &mut a, state, cx);
    f.alarms.insert(tenant, id, a);
    if from != state {
        return vec![Transition::new(super::NAME, "alarm", id, from.as_str(), state.as_str(), cx)];
    }
    Vec::new()
}

fn evaluate(f: &Fujitsu, tenant: &str, r: &ThresholdRule, cx: &Cx) -> AlarmState {
    let Some(m) = f.monitors.get("", tenant) else { return AlarmState::InsufficientData };
    let conds: Vec<Cond> = r
        .query
        .iter()
        .filter_map(|c| {
            Some(Cond {
                field: c.get("field")?.as_str()?.to_owned(),
                op: c.get("op").and_then(Value::as_str).unwrap_or("eq").to_owned(),
                value: c.get("value")?.as_str()?.to_owned(),
            })
        })
        .filter(|c| c.field != "timestamp")
        .collect();
    let to = cx.clock.to_utc(cx.now);
    let window = (r.period * u64::from(r.evaluation_periods)).min(EVALUATION_WINDOW_CAP);
    let from = to - chrono::Duration::seconds(window as i64);
    let all = monitoring::series(f, &m, tenant, cx, &r.meter_name, &conds, from, to);
    let Some(agg) = monitoring::aggregate_all(&all) else { return AlarmState::InsufficientData };
    let stat = agg.get(&r.statistic);
    if rules::compare(&r.comparison_operator, stat, r.threshold) {
        AlarmState::Alarm
    } else {
        AlarmState::Ok
    }
}

fn combine(f: &Fujitsu, tenant: &str, c: &CombinationRule) -> AlarmState {
    let states: Vec<AlarmState> =
        c.alarm_ids.iter().map(|id| f.alarms.get(tenant, id).map_or(AlarmState::InsufficientData, |a| a.state)).collect();
    let alarm = |s: &AlarmState| *s == AlarmState::Alarm;
    let hit = if c.operator == "or" { states.iter().any(alarm) } else { states.iter().all(alarm) };
    if hit {
        AlarmState::Alarm
    } else if states.contains(&AlarmState::InsufficientData) {
        AlarmState::InsufficientData
    } else {
        AlarmState::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record as the state dump wrote it before the definition was its own struct:
    /// every definition field at the top level, the state as its wire string.
    fn dumped() -> Value {
        json!({"id": "a1", "tenant": "t", "seq": 1, "name": "busy", "description": null, "enabled": true,
               "kind": "threshold",
               "thresholdRule": {"meter_name": "cpu_util", "threshold": 80.0, "comparison_operator": "gt",
                                 "evaluation_periods": 1, "exclude_outliers": false, "period": 60, "query": [],
                                 "statistic": "avg"},
               "combinationRule": null, "state": "insufficient data", "stateAt": 0, "updated": 0,
               "severity": "low", "repeatActions": false, "alarmActions": [], "okActions": [],
               "insufficientDataActions": [], "timeConstraints": [], "userId": "u", "projectId": "p",
               "generation": 0, "history": []})
    }

    #[test]
    fn the_dump_shape_of_an_alarm_is_flat_and_round_trips() {
        let a: Alarm = serde_json::from_value(dumped()).expect("the dump shape reads");
        assert_eq!((a.def.name.as_str(), a.state), ("busy", AlarmState::InsufficientData));
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(back, dumped(), "written back field for field");
        let mut bad = dumped();
        bad["state"] = json!("on fire");
        assert!(serde_json::from_value::<Alarm>(bad).is_err(), "an unknown state is refused");
    }
}
