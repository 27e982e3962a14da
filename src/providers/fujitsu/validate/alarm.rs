//! Rules of the alarm operations (seed 1.6.2.7–1.6.2.14, lines 9465–11126; the alarm
//! resource of extract 03 §1.6), one pure function per rule.

use serde_json::{Map, Value};

use crate::validation::{FieldError, Rule};

use super::super::monitoring::METERS;

pub const STATES: &[&str] = &["ok", "insufficient data", "alarm"];

/// An alarm's state (seed 9800): its wire spellings are [`AlarmState::as_str`], and the
/// state dump uses the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlarmState {
    Ok,
    Alarm,
    /// The documented default (extract 03 §1.6.2.8, inferred).
    #[default]
    InsufficientData,
}

impl AlarmState {
    pub const ALL: [AlarmState; 3] = [AlarmState::Ok, AlarmState::InsufficientData, AlarmState::Alarm];

    /// The wire spelling, the one place it is written.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "ok",
            AlarmState::Alarm => "alarm",
            AlarmState::InsufficientData => "insufficient data",
        }
    }

    pub fn parse(s: &str) -> Option<AlarmState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl serde::Serialize for AlarmState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AlarmState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AlarmState::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown alarm state '{s}'")))
    }
}
pub const TYPES: &[&str] = &["threshold", "combination"];
pub const SEVERITIES: &[&str] = &["low", "moderate", "critical"];
pub const OPERATORS: &[&str] = &["lt", "le", "eq", "ne", "ge", "gt"];
pub const STATISTICS: &[&str] = &["max", "min", "avg", "sum", "count"];

/// A validated threshold rule (defaults from the examples: `eq`, 1, false, 60, `[]`, `avg`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdRule {
    pub meter_name: String,
    pub threshold: f64,
    pub comparison_operator: String,
    pub evaluation_periods: u32,
    pub exclude_outliers: bool,
    pub period: u64,
    pub query: Vec<Value>,
    pub statistic: String,
}

/// A validated combination rule (Aodh's shape, inferred).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CombinationRule {
    pub alarm_ids: Vec<String>,
    pub operator: String,
}

/// A validated create or update: the alarm's definition and the state it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub def: AlarmDef,
    pub state: AlarmState,
}

/// What a create or update defines (everything of the alarm resource but its state and
/// bookkeeping); the alarm record carries it flattened, field for field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmDef {
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub kind: String,
    pub threshold_rule: Option<ThresholdRule>,
    pub combination_rule: Option<CombinationRule>,
    pub severity: String,
    pub repeat_actions: bool,
    pub alarm_actions: Vec<Value>,
    pub ok_actions: Vec<Value>,
    pub insufficient_data_actions: Vec<Value>,
    pub time_constraints: Vec<Value>,
}

fn text<'a>(o: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, FieldError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FieldError::new(field, Rule::Type("string"))),
    }
}

fn boolean(o: &Map<String, Value>, field: &str, default: bool) -> Result<bool, FieldError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(field, Rule::Type("boolean"))),
    }
}

fn one_of(field: &str, v: Option<&str>, allowed: &'static [&'static str], default: &str) -> Result<String, FieldError> {
    match v {
        None => Ok(default.to_owned()),
        Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
        Some(_) => Err(FieldError::new(field, Rule::OneOf(allowed))),
    }
}

/// `name`: "文字数：1～255" (seed 9800); the create example's trailing space is trimmed,
/// as its response shows (`"my_alarm "` → `"my_alarm"`).
pub fn alarm_name(v: Option<&str>) -> Result<String, FieldError> {
    let s = v.map(str::trim).ok_or_else(|| FieldError::required("name"))?;
    if s.is_empty() || s.chars().count() > 255 {
        return Err(FieldError::says("name", "must be 1-255 characters"));
    }
    Ok(s.to_owned())
}

/// `description`: "文字数：1～1023" (seed 9790).
pub fn alarm_description(v: Option<&str>) -> Result<Option<String>, FieldError> {
    match v {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.chars().count() <= 1023 => Ok(Some(s.to_owned())),
        Some(_) => Err(FieldError::says("description", "must be 1-1023 characters")),
    }
}

fn actions(o: &Map<String, Value>, field: &str) -> Result<Vec<Value>, FieldError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) if a.len() <= 10 && a.iter().all(Value::is_object) => Ok(a.clone()),
        Some(_) => Err(FieldError::says(field, "must be a list of at most 10 action objects")),
    }
}

/// `threshold_rule` (seed 9850–9950; defaults from the examples).
pub fn threshold_rule(v: Option<&Value>) -> Result<ThresholdRule, FieldError> {
    let o = v.and_then(Value::as_object).ok_or_else(|| FieldError::required("threshold_rule"))?;
    let meter = text(o, "meter_name")?.ok_or_else(|| FieldError::required("threshold_rule.meter_name"))?;
    if !METERS.iter().any(|m| m.0 == meter) {
        return Err(FieldError::says("threshold_rule.meter_name", format!("'{meter}' is not a meter of this service")));
    }
    let threshold = match o.get("threshold") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        None | Some(Value::Null) => return Err(FieldError::required("threshold_rule.threshold")),
        Some(_) => return Err(FieldError::new("threshold_rule.threshold", Rule::Type("number"))),
    };
    let int = |field: &'static str, default: i64, min: i64, max: i64| -> Result<i64, FieldError> {
        match o.get(field.trim_start_matches("threshold_rule.")) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => n.as_i64().filter(|n| (min..=max).contains(n)).ok_or_else(|| FieldError::new(field, Rule::Range { min, max })),
            Some(_) => Err(FieldError::new(field, Rule::Type("integer"))),
        }
    };
    let period = int("threshold_rule.period", 60, 60, 86_400)?;
    if period % 60 != 0 {
        return Err(FieldError::new("threshold_rule.period", Rule::MultipleOf(60)));
    }
    let query = match o.get("query") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.len() <= 10 => a.clone(),
        Some(_) => return Err(FieldError::says("threshold_rule.query", "must be a list of at most 10 conditions")),
    };
    Ok(ThresholdRule {
        meter_name: meter.to_owned(),
        threshold,
        comparison_operator: one_of("threshold_rule.comparison_operator", text(o, "comparison_operator")?, OPERATORS, "eq")?,
        evaluation_periods: int("threshold_rule.evaluation_periods", 1, 1, 1440)? as u32,
        exclude_outliers: boolean(o, "exclude_outliers", false).map_err(|_| FieldError::new("threshold_rule.exclude_outliers", Rule::Type("boolean")))?,
        period: period as u64,
        query,
        statistic: one_of("threshold_rule.statistic", text(o, "statistic")?, STATISTICS, "avg")?,
    })
}

/// `combination_rule`: `alarm_ids` (1–10) and `operator` `and` | `or` (inferred, Aodh).
pub fn combination_rule(v: Option<&Value>) -> Result<CombinationRule, FieldError> {
    let o = v.and_then(Value::as_object).ok_or_else(|| FieldError::required("combination_rule"))?;
    let ids = match o.get("alarm_ids") {
        Some(Value::Array(a)) if (1..=10).contains(&a.len()) && a.iter().all(Value::is_string) => {
            a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()
        }
        _ => return Err(FieldError::says("combination_rule.alarm_ids", "must be a list of 1-10 alarm ids")),
    };
    Ok(CombinationRule { alarm_ids: ids, operator: one_of("combination_rule.operator", text(o, "operator")?, &["and", "or"], "and")? })
}

/// The bare alarm object of create and update (seed 9758–10145, 10366–10757).
pub fn alarm_spec(body: &Value) -> Result<AlarmSpec, FieldError> {
    let o = body.as_object().ok_or_else(|| FieldError::new("alarm", Rule::Type("object")))?;
    let kind = one_of("type", Some(text(o, "type")?.ok_or_else(|| FieldError::required("type"))?), TYPES, "")?;
    let (threshold_rule, combination_rule) = match kind.as_str() {
        "threshold" => (Some(threshold_rule(o.get("threshold_rule"))?), None),
        _ => (None, Some(combination_rule(o.get("combination_rule"))?)),
    };
    let state = one_of("state", text(o, "state")?, STATES, "insufficient data")?;
    let def = AlarmDef {
        name: alarm_name(text(o, "name")?)?,
        description: alarm_description(text(o, "description")?)?,
        enabled: boolean(o, "enabled", true)?,
        kind,
        threshold_rule,
        combination_rule,
        severity: one_of("severity", text(o, "severity")?, SEVERITIES, "low")?,
        repeat_actions: boolean(o, "repeat_actions", false)?,
        alarm_actions: actions(o, "alarm_actions")?,
        ok_actions: actions(o, "ok_actions")?,
        insufficient_data_actions: actions(o, "insufficient_data_actions")?,
        time_constraints: actions(o, "time_constraints")?,
    };
    Ok(AlarmSpec { def, state: AlarmState::parse(&state).unwrap_or_default() })
}

/// The body of `PUT alarms/{id}/state`: a bare JSON string, one of the three states
/// ("値をダブルクォーテーション(")で囲む必要があります", seed 10880).
pub fn state_body(body: &Value) -> Result<AlarmState, FieldError> {
    match body {
        Value::String(s) => AlarmState::parse(s).ok_or_else(|| FieldError::new("state", Rule::OneOf(STATES))),
        _ => Err(FieldError::says("state", "must be a JSON string such as \"alarm\"")),
    }
}

/// Whether `value` compared with `threshold` by `op` holds.
pub fn compare(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        "lt" => value < threshold,
        "le" => value <= threshold,
        "ne" => value != threshold,
        "ge" => value >= threshold,
        "gt" => value > threshold,
        _ => value == threshold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_alarm_needs_a_name_a_type_and_its_rule() {
        let ok = alarm_spec(&json!({"name": "my_alarm ", "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 99.0}})).unwrap();
        assert_eq!((ok.def.name.as_str(), ok.state.as_str(), ok.def.severity.as_str()), ("my_alarm", "insufficient data", "low"));
        let r = ok.def.threshold_rule.unwrap();
        assert_eq!((r.comparison_operator.as_str(), r.period, r.statistic.as_str()), ("eq", 60, "avg"));
        let field = |v| alarm_spec(&v).unwrap_err().field;
        assert_eq!(field(json!({"type": "threshold"})), "threshold_rule");
        assert_eq!(field(json!({"name": "a"})), "type");
        assert_eq!(field(json!({"name": "a", "type": "combination"})), "combination_rule");
        assert_eq!(field(json!({"name": "a", "type": "threshold", "threshold_rule": {"meter_name": "x", "threshold": 1}})), "threshold_rule.meter_name");
        assert_eq!(field(json!({"name": "a", "type": "threshold", "state": "bad", "threshold_rule": {"meter_name": "cpu_util", "threshold": 1}})), "state");
        assert_eq!(state_body(&json!("alarm")).unwrap(), AlarmState::Alarm);
        assert!(STATES.iter().all(|s| AlarmState::parse(s).map(AlarmState::as_str) == Some(*s)));
        assert!(state_body(&json!({"state": "alarm"})).is_err());
        assert!(compare("gt", 2.0, 1.0) && !compare("lt", 2.0, 1.0));
    }
}
