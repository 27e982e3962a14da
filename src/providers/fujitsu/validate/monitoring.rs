//! Rules of the monitoring family (seed 1.6, lines 8575–11126; extract 03 §1.6.0): the
//! `meter.projectId` of the start request, the Ceilometer-style `q.field` / `q.op` /
//! `q.value` conditions with each endpoint's fields and operators, `limit` / `offset`,
//! and the statistics' `period`, `groupby` and `aggregate.func`. One pure function per
//! rule.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::validation::{FieldError, Rule};

/// One condition of `q.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub field: String,
    pub op: String,
    pub value: String,
}

/// `(field, allowed operators)` of an endpoint (extract 03 §1.6.0's table).
pub type Fields = &'static [(&'static str, &'static [&'static str])];

const EQ: &[&str] = &["eq"];
const TIME: &[&str] = &["gt", "ge", "lt", "le"];
pub const METER_FIELDS: Fields = &[("resource_id", EQ), ("source", EQ), ("user_id", EQ)];
pub const SAMPLE_FIELDS: Fields = &[("resource_id", EQ), ("source", EQ), ("timestamp", TIME), ("user_id", EQ)];
pub const ALARM_FIELDS: Fields = &[("alarm_id", EQ), ("enabled", EQ), ("name", EQ), ("user_id", EQ)];
pub const HISTORY_FIELDS: Fields = &[("timestamp", TIME), ("type", EQ)];

/// `meter.projectId`: "ブランク文字固定" — the blank string only (seed 8610–8620).
pub fn project_id_blank(body: &Value) -> Result<(), FieldError> {
    let meter = body.get("meter").ok_or_else(|| FieldError::required("meter"))?;
    match meter.get("projectId") {
        Some(Value::String(s)) if s.is_empty() => Ok(()),
        None | Some(Value::Null) => Err(FieldError::required("meter.projectId")),
        Some(_) => Err(FieldError::says("meter.projectId", "must be the blank string \"\" (seed 8615)")),
    }
}

/// `q.field`/`q.op`/`q.value`, "0..10" each, the i-th of each one condition; a missing
/// `q.op` is `eq` (so ops pair with the fields in order, as Ceilometer pairs them: give
/// every one once any is needed before the last); `q.value` 1–255 characters (seed
/// 8780–8830); a `timestamp`, `enabled` or history `type` value of its documented form.
pub fn conditions(pairs: &[(String, String)], allowed: Fields) -> Result<Vec<Cond>, FieldError> {
    let of = |k: &str| pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let (fields, ops, values) = (of("q.field"), of("q.op"), of("q.value"));
    if fields.len() > 10 || ops.len() > 10 || values.len() > 10 {
        return Err(FieldError::says("q.field", "at most 10 conditions"));
    }
    if values.len() != fields.len() || ops.len() > fields.len() {
        return Err(FieldError::says("q.value", "each q.field needs its q.value (and at most one q.op)"));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (i, field) in fields.into_iter().enumerate() {
        let Some((_, ops_ok)) = allowed.iter().find(|(f, _)| *f == field) else {
            let names: Vec<&str> = allowed.iter().map(|(f, _)| *f).collect();
            return Err(FieldError::says("q.field", format!("'{field}' is not one of {}", names.join(", "))));
        };
        let op = ops.get(i).cloned().unwrap_or_else(|| "eq".to_owned());
        if !ops_ok.contains(&op.as_str()) {
            return Err(FieldError::says("q.op", format!("'{op}' is not an operator of {field} ({})", ops_ok.join(", "))));
        }
        let value = values[i].clone();
        if value.is_empty() || value.chars().count() > 255 {
            return Err(FieldError::says("q.value", "must be 1-255 characters"));
        }
        match field.as_str() {
            "timestamp" => timestamp("q.value", &value).map(|_| ())?,
            "enabled" => enabled_value(&value)?,
            "type" => history_type(&value)?,
            _ => {}
        }
        out.push(Cond { field, op, value });
    }
    Ok(out)
}

/// The `enabled` condition of `GET alarms`: `true` (有効) or `false` (無効).
pub fn enabled_value(value: &str) -> Result<(), FieldError> {
    match value {
        "true" | "false" => Ok(()),
        _ => Err(FieldError::says("q.value", format!("enabled is 'true' or 'false', got '{value}'"))),
    }
}

/// The history kinds a `type` condition names (extract 03 §1.6.0; seed 10950).
pub const HISTORY_TYPES: &[&str] = &["creation", "rule change", "state transition", "deletion", "action"];

/// The `type` condition of `GET alarms/{id}/history`: one of [`HISTORY_TYPES`].
pub fn history_type(value: &str) -> Result<(), FieldError> {
    if HISTORY_TYPES.contains(&value) {
        return Ok(());
    }
    Err(FieldError::says("q.value", format!("type '{value}' is not one of {}", HISTORY_TYPES.join(", "))))
}

/// "日時(YYYY-MM-DDThh:mm:ss)" (seed 8990).
pub fn timestamp(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    Err(FieldError::says(field, "must be a date-time YYYY-MM-DDThh:mm:ss"))
}

fn int(name: &'static str, raw: Option<&str>, default: i64, min: i64, max: i64) -> Result<i64, FieldError> {
    let Some(raw) = raw else { return Ok(default) };
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new(name, Rule::Type("integer")))?;
    if !(min..=max).contains(&n) {
        return Err(FieldError::new(name, Rule::Range { min, max }));
    }
    Ok(n)
}

/// `limit`: "1 以上 1440 以下", default 1440; `offset`: default 0 (seed 8800–8815).
pub fn limit_offset(limit: Option<&str>, offset: Option<&str>) -> Result<(usize, usize), FieldError> {
    let l = int("limit", limit, 1440, 1, 1440)?;
    let o = int("offset", offset, 0, 0, i64::from(u32::MAX))?;
    Ok((l as usize, o as usize))
}

/// `period`: "範囲：60～1209600 (60 の倍数のみ指定可能です)" (seed 9195).
pub fn period(raw: Option<&str>) -> Result<Option<u64>, FieldError> {
    let Some(raw) = raw else { return Ok(None) };
    let n = int("period", Some(raw), 0, 60, 1_209_600)?;
    if n % 60 != 0 {
        return Err(FieldError::new("period", Rule::MultipleOf(60)));
    }
    Ok(Some(n as u64))
}

/// `groupby`: `resource_id` | `user_id` (seed 9190).
pub fn groupby(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(g @ ("resource_id" | "user_id")) => Ok(Some(g.to_owned())),
        Some(_) => Err(FieldError::new("groupby", Rule::OneOf(&["resource_id", "user_id"]))),
    }
}

pub const FUNCS: &[&str] = &["avg", "count", "max", "min", "sum"];

/// `aggregate.func`: up to 10 of `avg`, `count`, `max`, `min`, `sum` (seed 9198–9203).
pub fn aggregate_funcs(pairs: &[(String, String)]) -> Result<Vec<String>, FieldError> {
    let funcs: Vec<String> = pairs.iter().filter(|(k, _)| k == "aggregate.func").map(|(_, v)| v.clone()).collect();
    if funcs.len() > 10 {
        return Err(FieldError::says("aggregate.func", "at most 10"));
    }
    if let Some(f) = funcs.iter().find(|f| !FUNCS.contains(&f.as_str())) {
        return Err(FieldError::says("aggregate.func", format!("'{f}' is not one of {}", FUNCS.join(", "))));
    }
    Ok(funcs)
}

/// A `timestamp` window from the conditions: `[start, end)` with the seed's defaults —
/// none given: `[now − span, now)`; one given: `span` from/to it (seed 8967–8969,
/// 9205–9209). With `max_span`, a wider explicit window is refused ("エラーになります").
pub fn window(
    conds: &[Cond],
    now: DateTime<Utc>,
    span: chrono::Duration,
    max_span: Option<chrono::Duration>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), FieldError> {
    let mut start = None;
    let mut end = None;
    for c in conds.iter().filter(|c| c.field == "timestamp") {
        let t = timestamp("q.value", &c.value)?;
        match c.op.as_str() {
            "gt" => start = Some(t + chrono::Duration::seconds(1)),
            "ge" => start = Some(t),
            "lt" => end = Some(t),
            _ => end = Some(t + chrono::Duration::seconds(1)),
        }
    }
    let w = match (start, end) {
        (None, None) => (now - span, now),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (Some(s), Some(e)) => (s, e),
    };
    if w.1 < w.0 {
        return Err(FieldError::says("q.value", "the timestamp window ends before it starts"));
    }
    if let Some(max) = max_span {
        if w.1 - w.0 > max {
            return Err(FieldError::says("q.value", format!("the timestamp window is over period x 1440 = {} s (seed 9208)", max.num_seconds())));
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn conditions_follow_each_endpoints_fields_and_operators() {
        let c = conditions(&q(&[("q.field", "resource_id"), ("q.value", "db1")]), METER_FIELDS).unwrap();
        assert_eq!(c[0].op, "eq");
        assert_eq!(conditions(&q(&[("q.field", "timestamp"), ("q.value", "x")]), METER_FIELDS).unwrap_err().field, "q.field");
        let bad_op = q(&[("q.field", "timestamp"), ("q.op", "eq"), ("q.value", "2026-01-01T00:00:00")]);
        assert_eq!(conditions(&bad_op, SAMPLE_FIELDS).unwrap_err().field, "q.op");
        assert_eq!(conditions(&q(&[("q.field", "source")]), METER_FIELDS).unwrap_err().field, "q.value");
        assert_eq!(period(Some("90")).unwrap_err().field, "period");
        assert_eq!(period(Some("120")).unwrap(), Some(120));
        assert_eq!(limit_offset(Some("1441"), None).unwrap_err().field, "limit");
        assert!(aggregate_funcs(&q(&[("aggregate.func", "median")])).is_err());
        assert!(project_id_blank(&serde_json::json!({"meter": {"projectId": "x"}})).is_err());
    }
}
