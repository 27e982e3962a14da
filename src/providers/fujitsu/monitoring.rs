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
use crate::hash;

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

/// The stable hash of the concatenated `parts`.
fn fnv(parts: &[&[u8]]) -> u64 {
    parts.iter().fold(hash::FNV1A_OFFSET, |h, p| hash::fnv1a_from(h, p))
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

/// One sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'s> {
    pub series: &'s Series,
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// The samples of one meter of one instance over a window: one a minute, minutes
/// `first..=last`, computed on demand (nothing is stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub meter: &'static str,
    pub unit: &'static str,
    pub resource: String,
    pub resource_name: String,
    seed: u64,
    first: i64,
    last: i64,
    /// CPU load faults as `[from, until)` in Unix seconds, with their percent.
    loads: Vec<(i64, i64, f64)>,
}

impl Series {
    /// The sample of `minute` (in `first..=last`): [`value`], held up by a CPU load fault.
    pub fn at(&self, minute: i64) -> Sample<'_> {
        let v = value(self.seed, &self.resource, self.meter, minute as u64);
        let t = minute * 60;
        let load = self.loads.iter().filter(|(from, until, _)| *from <= t && t < *until).map(|l| l.2).fold(0.0, f64::max);
        let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
        Sample { series: self, at, value: v.max(load) }
    }

    /// Every sample, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = Sample<'_>> + '_ {
        (self.first..=self.last).map(move |m| self.at(m))
    }
}

/// The series of `meter` in `[from, to)` (and before now), one per matching instance
/// with samples there, in creation order.
#[allow(clippy::too_many_arguments)]
pub fn series(
    f: &Fujitsu,
    m: &Monitor,
    tenant: &str,
    cx: &crate::providers::Cx,
    meter: &str,
    conds: &[Cond],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Series> {
    let clock = cx.clock;
    let now = clock.to_utc(cx.now);
    let src = source(m);
    let Some(&(name, unit, ..)) = METERS.iter().find(|x| x.0 == meter) else { return Vec::new() };
    let mut out = Vec::new();
    for i in resources(f, tenant) {
        if !matches(conds, &i.id, &src, &m.user_id) {
            continue;
        }
        let begin = clock.to_utc(m.started.max(i.created)).max(from);
        let end = to.min(now);
        let first = (begin.timestamp() + 59).div_euclid(60);
        let last = (end.timestamp() - 1).div_euclid(60);
        if first > last {
            continue;
        }
        let loads = if name == "cpu_util" {
            let secs = |t: SimInstant| clock.to_utc(t).timestamp();
            i.cpu_loads.iter().map(|l| (secs(l.from), l.until.map_or(i64::MAX, secs), f64::from(l.percent))).collect()
        } else {
            Vec::new()
        };
        out.push(Series {
            meter: name,
            unit,
            resource: i.id.to_string(),
            resource_name: i.name.to_string(),
            seed: cx.ids.seed(),
            first,
            last,
            loads,
        });
    }
    out
}

/// The page `offset..offset + limit` of the samples of `all`, newest first (ties: the
/// resource id, descending). Every series of one query ends at the same minute and they
/// start at different ones, so going back in time the set of reporting instances only
/// shrinks; the offset is skipped arithmetically inside each stretch where it holds, and
/// the cost is the page's and the number of instances', whatever the window's length.
pub fn newest_first(all: &[Series], offset: usize, limit: usize) -> Vec<Sample<'_>> {
    let mut by_id: Vec<&Series> = all.iter().collect();
    by_id.sort_by(|a, b| b.resource.cmp(&a.resource));
    let mut out = Vec::new();
    let Some(mut minute) = all.iter().map(|s| s.last).max() else { return out };
    let mut skip = offset as i64;
    while out.len() < limit {
        let active: Vec<&Series> = by_id.iter().copied().filter(|s| s.first <= minute && minute <= s.last).collect();
        let Some(lo) = active.iter().map(|s| s.first).max() else { break };
        let k = active.len() as i64;
        let stretch = minute - lo + 1;
        if skip >= stretch * k {
            skip -= stretch * k;
            minute = lo - 1;
            continue;
        }
        minute -= skip / k;
        skip %= k;
        while minute >= lo && out.len() < limit {
            for s in &active {
                if skip > 0 {
                    skip -= 1;
                } else if out.len() < limit {
                    out.push(s.at(minute));
                }
            }
            minute -= 1;
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
        user_id: String::from(&call.principal.user_id),
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

/// `GET meters/{meter_name}` (1.6.2.5): newest first; default window one day. The seed
/// sets no maximum window for samples, so none is refused; the page is computed alone
/// (`newest_first`), never the window.
pub fn list_samples(f: &Fujitsu, call: &Call, meter: &str) -> Res {
    let p = pairs(call);
    let conds = rules::conditions(&p, rules::SAMPLE_FIELDS)?;
    let (limit, offset) = rules::limit_offset(get(&p, "limit"), get(&p, "offset"))?;
    let now = call.cx.clock.to_utc(call.cx.now);
    let (from, to) = rules::window(&conds, now, Duration::days(1), None)?;
    let m = monitor(f, call)?;
    let all = series(f, &m, call.tenant(), call.cx, meter, &conds, from, to);
    let src = source(&m);
    let items: Vec<Value> = newest_first(&all, offset, limit)
        .iter()
        .map(|s| {
            json!({"counter_name": s.series.meter, "counter_type": "gauge", "counter_unit": s.series.unit,
                   "counter_volume": s.value, "project_id": m.project_id, "recorded_at": format!("{}.000000", stamp(s.at)),
                   "resource_id": s.series.resource, "resource_metadata": {"instance_name": s.series.resource_name},
                   "source": src, "timestamp": stamp(s.at), "user_id": m.user_id})
        })
        .collect();
    json_out(&Value::Array(items))
}

/// A running aggregate: count, sum, min, max and the first and last sample's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agg {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

impl Agg {
    pub fn new(s: &Sample) -> Agg {
        Agg { count: 1, sum: s.value, min: s.value, max: s.value, first: s.at, last: s.at }
    }

    pub fn add(&mut self, s: &Sample) {
        self.count += 1;
        self.sum += s.value;
        self.min = self.min.min(s.value);
        self.max = self.max.max(s.value);
        self.first = self.first.min(s.at);
        self.last = self.last.max(s.at);
    }

    /// `avg`, `count`, `max`, `min` or `sum`.
    pub fn get(&self, func: &str) -> f64 {
        match func {
            "count" => self.count as f64,
            "max" => self.max,
            "min" => self.min,
            "sum" => self.sum,
            _ => self.sum / self.count as f64,
        }
    }
}

/// The aggregate of every sample of `all`, none when there is none.
pub fn aggregate_all(all: &[Series]) -> Option<Agg> {
    let mut agg: Option<Agg> = None;
    for s in all.iter().flat_map(Series::samples) {
        match agg.as_mut() {
            Some(a) => a.add(&s),
            None => agg = Some(Agg::new(&s)),
        }
    }
    agg
}

/// `GET meters/{meter_name}/statistics` (1.6.2.6): one row per period bucket (and group).
/// The window is `period × 1440` seconds, capped at 1209600 (seed 9205–9210), and a
/// longer one is refused; without a period, 1209600 and one bucket over it all (`period`
/// 0, as the example prints). So at most 1440 rows per group, and the samples are folded
/// into them as they are computed, never collected.
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
    let all = series(f, &m, call.tenant(), call.cx, meter, &conds, from, to);
    let mut groups: BTreeMap<(String, i64), Agg> = BTreeMap::new();
    let mut unit = "";
    for s in all.iter().flat_map(Series::samples) {
        unit = s.series.unit;
        let g = match groupby.as_deref() {
            Some("resource_id") => s.series.resource.clone(),
            Some(_) => m.user_id.clone(),
            None => String::new(),
        };
        let bucket = period.map_or(0, |p| (s.at - from).num_seconds().div_euclid(p as i64));
        groups.entry((g, bucket)).and_modify(|a| a.add(&s)).or_insert_with(|| Agg::new(&s));
    }
    let items: Vec<Value> = groups
        .iter()
        .map(|((g, bucket), agg)| {
            let (first, last) = (agg.first, agg.last);
            let (ps, pe) = match period {
                Some(p) => {
                    let ps = from + Duration::seconds(bucket * p as i64);
                    (ps, ps + Duration::seconds(p as i64))
                }
                None => (first, last),
            };
            let mut row = Map::new();
            for k in rules::FUNCS {
                if funcs.is_empty() || funcs.iter().any(|f| f == k) {
                    row.insert((*k).to_owned(), if *k == "count" { json!(agg.count) } else { json!(agg.get(k)) });
                }
            }
            if !funcs.is_empty() {
                let a: Map<String, Value> = funcs.iter().map(|f| (f.clone(), json!(agg.get(f)))).collect();
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
            row.insert("unit".into(), json!(unit));
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

    fn series(resource: &str, first: i64, last: i64, loads: Vec<(i64, i64, f64)>) -> Series {
        Series {
            meter: "cpu_util",
            unit: "%",
            resource: resource.into(),
            resource_name: resource.into(),
            seed: 3,
            first,
            last,
            loads,
        }
    }

    #[test]
    fn a_page_newest_first_is_the_page_of_every_sample_sorted() {
        let all = vec![series("a", 10, 40, Vec::new()), series("c", 25, 40, Vec::new()), series("b", 0, 40, Vec::new())];
        let mut every: Vec<(i64, String)> =
            all.iter().flat_map(|s| (s.first..=s.last).map(move |m| (m, s.resource.clone()))).collect();
        every.sort_by(|x, y| y.cmp(x));
        for offset in 0..every.len() + 3 {
            for limit in [1, 2, 7, 1440] {
                let page: Vec<(i64, String)> = newest_first(&all, offset, limit)
                    .iter()
                    .map(|s| (s.at.timestamp() / 60, s.series.resource.clone()))
                    .collect();
                let want: Vec<(i64, String)> = every.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(page, want, "offset {offset} limit {limit}");
            }
        }
        assert!(newest_first(&[], 0, 10).is_empty());
    }

    #[test]
    fn a_cpu_load_holds_the_samples_up_while_it_lasts() {
        let s = series("a", 0, 100, vec![(600, 1200, 95.0)]);
        assert!(s.at(9).value < 95.0);
        assert_eq!((s.at(10).value, s.at(19).value), (95.0, 95.0));
        assert_eq!(s.at(20).value, value(3, "a", "cpu_util", 20));
    }
}
