//! Fujitsu monitoring, part one (seed 1.6.2.1–1.6.2.6, lines 8588–9464): start, stop and
//! show the tenant's use of monitoring, and the Ceilometer-style meters, samples and
//! statistics of its DB virtual servers. (Alarms, 1.6.2.7–1.6.2.14: `alarms`.)
//!
//! - While monitoring is on, every instance of the tenant (DELETED ones excepted) has the
//!   meters of [`METERS`], all `gauge` (the only type, seed 8870). The seed names no
//!   meter catalogue; these are the ones a PostgreSQL DBaaS reports (an alarm example
//!   mentions `cpu_util`).
//! - Samples are not stored: one every 60 simulated seconds from the later of the start
//!   of monitoring and the instance's creation, each value a pure function of the
//!   simulator's seed, the resource, the meter and the minute ([`value`]), so a replay
//!   with the same seed answers the same samples.
//! - Responses are bare JSON arrays with snake_case names, as the seed prints them.
//!
//! May touch: the monitoring table, the instance table (read). Authority: seed 1.6.2.1–
//! 1.6.2.6; extract 03 §1.6.0–1.6.2.6, C5.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use hyper::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::error::FujitsuError;
use super::model::{Instance, InstanceStatus};
use super::validate::monitoring::{self as rules, Cond};
use super::{body_value, Call, Fujitsu, Out, Res};
use crate::clock::SimInstant;

/// `(name, unit, base, daily swing, noise)` of each meter.
pub const METERS: &[(&str, &str, f64, f64, f64)] = &[
    ("cpu_util", "%", 20.0, 15.0, 10.0),
    ("memory_util", "%", 45.0, 10.0, 5.0),
    ("disk_util", "%", 30.0, 2.0, 1.0),
    ("connections", "count", 12.0, 8.0, 6.0),
];

/// A tenant's use of monitoring (1.6.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monitor {
    pub tenant: String,
    /// The "東日本第 2 リージョンのプロジェクト ID" (seed 8640): 32 hex characters.
    pub project_id: String,
    pub user_id: String,
    pub started: SimInstant,
}

fn fnv(parts: &[&[u8]]) -> u64 {
    parts.iter().flat_map(|p| p.iter()).fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The value of `meter` of `resource` at simulated minute `minute`: a daily curve plus
/// noise, from the seed only.
pub fn value(seed: u64, resource: &str, meter: &str, minute: u64) -> f64 {
    let (_, _, base, swing, noise) = METERS.iter().find(|m| m.0 == meter).copied().unwrap_or((meter, "", 10.0, 5.0, 2.0));
    let h = fnv(&[&seed.to_le_bytes(), resource.as_bytes(), meter.as_bytes(), &minute.to_le_bytes()]);
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    let phase = (minute % 1440) as f64 / 1440.0 * std::f64::consts::TAU;
    let v = (base + swing * phase.sin() + noise * (u - 0.5)).max(0.0);
    let v = if meter == "connections" { v.round() } else { (v * 10.0).round() / 10.0 };
    if meter.ends_with("_util") {
        v.min(100.0)
    } else {
        v
    }
}

/// One sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub meter: &'static str,
    pub unit: &'static str,
    pub resource: String,
    pub resource_name: String,
    pub at: DateTime<Utc>,
    pub value: f64,
}

fn monitor(f: &Fujitsu, call: &Call) -> Result<Monitor, FujitsuError> {
    f.monitors.get("", call.tenant()).ok_or_else(|| {
        FujitsuError::Unprocessable(
            "MonitoringNotStarted: monitoring is not in use for this project; start it with POST meter (1.6.2.1)".into(),
        )
    })
}

fn resources(f: &Fujitsu, tenant: &str) -> Vec<Instance> {
    let mut list = f.instances.list_where(tenant, |i| i.status != InstanceStatus::Deleted);
    list.sort_by_key(|i| i.seq);
    list
}

fn source(m: &Monitor) -> String {
    format!("{}:dbaas", m.project_id)
}

fn matches(conds: &[Cond], resource: &str, source: &str, user: &str) -> bool {
    conds.iter().all(|c| match c.field.as_str() {
        "resource_id" => c.value == resource,
        "source" => c.value == source,
        "user_id" => c.value == user,
        _ => true,
    })
}

/// The samples of `meter` in `[from, to)` (and before now), oldest first.
#[allow(clippy::too_many_arguments)]
pub fn samples_for(
    f: &Fujitsu,
    m: &Monitor,
    tenant: &str,
    cx: &crate::providers::Cx,
    meter: &str,
    conds: &[Cond],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Sample> {
    let clock = cx.clock;
    let now = clock.to_utc(cx.now);
    let seed = cx.ids.seed();
    let src = source(m);
    let mut out = Vec::new();
    for i in resources(f, tenant) {
        if !matches(conds, &i.id, &src, &m.user_id) {
            continue;
        }
        let begin = clock.to_utc(m.started.max(i.created)).max(from);
        let end = to.min(now);
        let first = (begin.timestamp() + 59).div_euclid(60);
        let last = (end.timestamp() - 1).div_euclid(60);
        for &(name, unit, ..) in METERS.iter().filter(|x| x.0 == meter) {
            for minute in first..=last {
                let at = DateTime::from_timestamp(minute * 60, 0).unwrap_or(now);
                let v = value(seed, &i.id, name, minute as u64);
                out.push(Sample { meter: name, unit, resource: i.id.clone(), resource_name: i.name.clone(), at, value: v });
            }
        }
    }
    out
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

fn pairs(call: &Call) -> Vec<(String, String)> {
    call.req.query_pairs()
}

fn get<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// `POST meter` (1.6.2.1): answers `{"meter": {"projectId": ""}}` as the example does.
pub fn start(f: &Fujitsu, call: &Call) -> Res {
    let body = body_value(call.req)?;
    rules::project_id_blank(&body)?;
    let _guard = f.lock();
    if f.monitors.contains("", call.tenant()) {
        return Err(FujitsuError::Unprocessable("MonitoringAlreadyStarted: monitoring is already in use".into()));
    }
    let m = Monitor {
        tenant: call.tenant().to_owned(),
        project_id: call.cx.ids.hex(32),
        user_id: call.principal.user_id.clone(),
        started: call.cx.now,
    };
    f.monitors.insert("", call.tenant(), m);
    json_out(&json!({"meter": {"projectId": ""}}))
}

/// `DELETE meter` (1.6.2.2): 202.
pub fn stop(f: &Fujitsu, call: &Call) -> Res {
    let _guard = f.lock();
    monitor(f, call)?;
    f.monitors.remove("", call.tenant());
    Ok(Out::accepted())
}

/// `GET meter` (1.6.2.3).
pub fn show(f: &Fujitsu, call: &Call) -> Res {
    let m = monitor(f, call)?;
    json_out(&json!({"meter": {"projectId": m.project_id}}))
}

/// `meter_id`: base64 of `<resource_id>+<meter name>` and a newline, Ceilometer's scheme
/// that the examples decode to (extract 03 §1.6.2.4).
fn meter_id(resource: &str, name: &str) -> String {
    format!("{}\n", base64::engine::general_purpose::STANDARD.encode(format!("{resource}+{name}")))
}

/// `GET meters` (1.6.2.4).
pub fn list_meters(f: &Fujitsu, call: &Call) -> Res {
    let p = pairs(call);
    let conds = rules::conditions(&p, rules::METER_FIELDS)?;
    let (limit, offset) = rules::limit_offset(get(&p, "limit"), get(&p, "offset"))?;
    let m = monitor(f, call)?;
    let src = source(&m);
    let items: Vec<Value> = resources(f, call.tenant())
        .iter()
        .filter(|i| matches(&conds, &i.id, &src, &m.user_id))
        .flat_map(|i| {
            METERS.iter().map(|&(name, unit, ..)| {
                json!({"meter_id": meter_id(&i.id, name), "name": name, "project_id": m.project_id, "resource_id": i.id,
                       "source": src, "type": "gauge", "unit": unit, "user_id": m.user_id})
            })
        })
        .skip(offset)
        .take(limit)
        .collect();
    json_out(&Value::Array(items))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `GET meters/{meter_name}` (1.6.2.5): newest first; default window one day.
pub fn list_samples(f: &Fujitsu, call: &Call, meter: &str) -> Res {
    let p = pairs(call);
    let conds = rules::conditions(&p, rules::SAMPLE_FIELDS)?;
    let (limit, offset) = rules::limit_offset(get(&p, "limit"), get(&p, "offset"))?;
    let now = call.cx.clock.to_utc(call.cx.now);
    let (from, to) = rules::window(&conds, now, Duration::days(1), None)?;
    let m = monitor(f, call)?;
    let mut list = samples_for(f, &m, call.tenant(), call.cx, meter, &conds, from, to);
    list.sort_by(|a, b| (b.at, &b.resource).cmp(&(a.at, &a.resource)));
    let src = source(&m);
    let items: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| {
            json!({"counter_name": s.meter, "counter_type": "gauge", "counter_unit": s.unit, "counter_volume": s.value,
                   "project_id": m.project_id, "recorded_at": format!("{}.000000", stamp(s.at)), "resource_id": s.resource,
                   "resource_metadata": {"instance_name": s.resource_name}, "source": src, "timestamp": stamp(s.at),
                   "user_id": m.user_id})
        })
        .collect();
    json_out(&Value::Array(items))
}

/// The aggregate of some values.
fn aggregate(values: &[f64]) -> BTreeMap<&'static str, f64> {
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let mut out = BTreeMap::new();
    out.insert("avg", if values.is_empty() { 0.0 } else { sum / n });
    out.insert("count", n);
    out.insert("max", values.iter().copied().fold(f64::MIN, f64::max));
    out.insert("min", values.iter().copied().fold(f64::MAX, f64::min));
    out.insert("sum", sum);
    out
}

/// `GET meters/{meter_name}/statistics` (1.6.2.6): one row per period bucket (and group).
/// The window is `period × 1440` seconds, capped at 1209600 (seed 9205–9210); without a
/// period, 1209600 and one bucket over it all (`period` 0, as the example prints).
pub fn statistics(f: &Fujitsu, call: &Call, meter: &str) -> Res {
    let p = pairs(call);
    let conds = rules::conditions(&p, rules::SAMPLE_FIELDS)?;
    let period = rules::period(get(&p, "period"))?;
    let groupby = rules::groupby(get(&p, "groupby"))?;
    let funcs = rules::aggregate_funcs(&p)?;
    let span = Duration::seconds(period.map_or(1_209_600, |p| (p * 1440).min(1_209_600)) as i64);
    let now = call.cx.clock.to_utc(call.cx.now);
    let (from, to) = rules::window(&conds, now, span, Some(span))?;
    let m = monitor(f, call)?;
    let list = samples_for(f, &m, call.tenant(), call.cx, meter, &conds, from, to);
    let mut groups: BTreeMap<(String, i64), Vec<&Sample>> = BTreeMap::new();
    for s in &list {
        let g = match groupby.as_deref() {
            Some("resource_id") => s.resource.clone(),
            Some(_) => m.user_id.clone(),
            None => String::new(),
        };
        let bucket = period.map_or(0, |p| (s.at - from).num_seconds().div_euclid(p as i64));
        groups.entry((g, bucket)).or_default().push(s);
    }
    let items: Vec<Value> = groups
        .iter()
        .map(|((g, bucket), ss)| {
            let values: Vec<f64> = ss.iter().map(|s| s.value).collect();
            let agg = aggregate(&values);
            let first = ss.iter().map(|s| s.at).min().unwrap_or(from);
            let last = ss.iter().map(|s| s.at).max().unwrap_or(from);
            let (ps, pe) = match period {
                Some(p) => {
                    let ps = from + Duration::seconds(bucket * p as i64);
                    (ps, ps + Duration::seconds(p as i64))
                }
                None => (first, last),
            };
            let mut row = Map::new();
            for (k, v) in &agg {
                if funcs.is_empty() || funcs.iter().any(|f| f == k) {
                    row.insert((*k).to_owned(), if *k == "count" { json!(*v as u64) } else { json!(*v) });
                }
            }
            if !funcs.is_empty() {
                let a: Map<String, Value> = funcs.iter().map(|f| (f.clone(), json!(agg.get(f.as_str()).copied().unwrap_or(0.0)))).collect();
                row.insert("aggregate".into(), Value::Object(a));
            }
            row.insert("duration".into(), json!((last - first).num_seconds() as f64));
            row.insert("duration_end".into(), json!(stamp(last)));
            row.insert("duration_start".into(), json!(stamp(first)));
            if let Some(field) = &groupby {
                row.insert("groupby".into(), json!({ field.clone(): g }));
            }
            row.insert("period".into(), json!(period.unwrap_or(0)));
            row.insert("period_end".into(), json!(stamp(pe)));
            row.insert("period_start".into(), json!(stamp(ps)));
            row.insert("unit".into(), json!(ss.first().map_or("", |s| s.unit)));
            Value::Object(row)
        })
        .collect();
    json_out(&Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_a_pure_function_of_seed_resource_meter_and_minute() {
        assert_eq!(value(42, "db1", "cpu_util", 600), value(42, "db1", "cpu_util", 600));
        assert_ne!(value(42, "db1", "cpu_util", 600), value(43, "db1", "cpu_util", 600));
        for minute in 0..2000 {
            let v = value(7, "db1", "cpu_util", minute);
            assert!((0.0..=100.0).contains(&v), "{v}");
            assert_eq!(value(7, "db1", "connections", minute).fract(), 0.0);
        }
        assert_eq!(meter_id("demo_resource003", "testmeteyp05"), "ZGVtb19yZXNvdXJjZTAwMyt0ZXN0bWV0ZXlwMDU=\n");
    }
}
