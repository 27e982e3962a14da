//! ClickHouse settings of a service (`SVC/clickhouseSettings[/schema|/{settingName}]`:
//! `serviceClickhouseSettingsListGet`, `serviceClickhouseSettingsUpdate`,
//! `serviceClickhouseSettingsSchemaGet`, `serviceClickhouseSettingGet`,
//! `serviceClickhouseSettingDelete`).
//!
//! Owns the `clickhouse_settings` table, keyed `(organization, service id)`: only the
//! settings explicitly set (the list shows those), values kept as strings (official
//! `ServiceClickhouseSetting.value`: "returned as a string for all setting types"). The
//! PATCH body's `settings` is a JSON object encoded in a string (official
//! `ServiceClickhouseSettingsPatchRequest`) or, as `clickhousectl` 0.5.0 sends it, the
//! object itself; the answer echoes the applied values as an object, with a warning per
//! disruptive setting (the live API answers an object: `clickhousectl` decodes a map
//! there, though the official schema says string). Deleting a setting never set is a no-op
//! (200). The configurable settings and their defaults are [`CATALOGUE`] (I: a small,
//! fixed subset; the live list is larger and changes).
//! Authority: the official document.

use serde_json::{json, Map, Value};

use super::model::ClickhouseSettings;
use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields};

/// One configurable setting: name, type, default, allowed values (enums), warning.
pub struct SettingDef {
    pub name: &'static str,
    pub kind: &'static str,
    pub default: &'static str,
    pub description: &'static str,
    pub allowed: &'static [i64],
    pub warning: Option<&'static str>,
}

const RESTART: Option<&str> = Some("Changing this setting triggers a rolling restart of the ClickHouse server");

/// The settings the simulator lets a client configure (I).
pub const CATALOGUE: &[SettingDef] = &[
    SettingDef { name: "async_insert", kind: "Bool", default: "0", description: "Insert asynchronously", allowed: &[], warning: None },
    SettingDef { name: "compatibility", kind: "String", default: "", description: "Behave as the given earlier version", allowed: &[], warning: None },
    SettingDef { name: "keep_alive_timeout", kind: "Seconds", default: "10", description: "Seconds an idle HTTP connection is kept", allowed: &[], warning: RESTART },
    SettingDef { name: "max_concurrent_queries", kind: "UInt64", default: "1000", description: "Queries run at the same time", allowed: &[], warning: RESTART },
    SettingDef { name: "max_execution_time", kind: "Seconds", default: "0", description: "Longest query run time (0: no limit)", allowed: &[], warning: None },
    SettingDef { name: "max_memory_usage", kind: "UInt64", default: "0", description: "Memory a query may use (0: no limit)", allowed: &[], warning: None },
    SettingDef { name: "max_threads", kind: "MaxThreads", default: "0", description: "Threads per query (0: automatic)", allowed: &[], warning: None },
    SettingDef { name: "readonly", kind: "UInt64", default: "0", description: "Read-only level", allowed: &[0, 1, 2], warning: None },
];

fn def(name: &str) -> Option<&'static SettingDef> {
    CATALOGUE.iter().find(|d| d.name == name)
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListClickhouseSettings { service } => {
            ch.service(&call.org.id, service)?;
            let stored = ch.clickhouse_settings.get(&call.org.id, service);
            let settings: Vec<Value> = stored
                .iter()
                .flat_map(|s| s.settings.iter())
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            Ok(Out::Result(json!({ "settings": settings })))
        }
        Op::GetClickhouseSettingsSchema { service } => {
            ch.service(&call.org.id, service)?;
            let settings: Vec<Value> = CATALOGUE.iter().map(schema_entry).collect();
            Ok(Out::Result(json!({ "settings": settings })))
        }
        Op::GetClickhouseSetting { service, setting } => {
            ch.service(&call.org.id, service)?;
            let d = def(setting).ok_or_else(|| unknown(setting))?;
            let value = ch
                .clickhouse_settings
                .read(&call.org.id, service, |s| s.settings.get(setting.as_str()).cloned())
                .flatten()
                .unwrap_or_else(|| d.default.to_owned());
            Ok(Out::Result(json!({"name": setting, "value": value})))
        }
        Op::UpdateClickhouseSettings { service } => update(ch, call, service),
        Op::DeleteClickhouseSetting { service, setting } => {
            ch.service(&call.org.id, service)?;
            def(setting).ok_or_else(|| unknown(setting))?;
            ch.clickhouse_settings.update(&call.org.id, service, |s| s.settings.remove(setting.as_str()));
            Ok(Out::Empty)
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn unknown(name: &str) -> ChError {
    ChError::NotFound(format!("Setting '{name}' not found"))
}

/// Official `ServiceClickhouseSettingSchemaEntry`.
fn schema_entry(d: &SettingDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(d.name));
    m.insert("type".into(), json!(d.kind));
    m.insert("description".into(), json!(d.description));
    if !d.allowed.is_empty() {
        m.insert("enum".into(), json!(d.allowed));
    }
    if let Some(w) = d.warning {
        m.insert("warning".into(), json!(w));
    }
    Value::Object(m)
}

/// One setting's value checked against its type; answered as the stored string.
fn setting_value(d: &SettingDef, v: &Value) -> Result<String, FieldError> {
    let field = format!("settings.{}", d.name);
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        _ => return Err(FieldError::says(field, "must be a string, a number or a boolean")),
    };
    let ok = match d.kind {
        "Bool" => matches!(text.as_str(), "0" | "1" | "true" | "false"),
        "UInt64" | "Seconds" | "MaxThreads" => text.parse::<u64>().is_ok(),
        _ => true,
    };
    if !ok {
        return Err(FieldError::says(field, format!("must be a valid {}", d.kind)));
    }
    if !d.allowed.is_empty() && !text.parse::<i64>().is_ok_and(|n| d.allowed.contains(&n)) {
        let list = d.allowed.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        return Err(FieldError::says(field, format!("must be one of {list}")));
    }
    Ok(match text.as_str() {
        "true" if d.kind == "Bool" => "1".into(),
        "false" if d.kind == "Bool" => "0".into(),
        _ => text,
    })
}

/// `serviceClickhouseSettingsUpdate`: `{settings: "<JSON object>"}`; every name must be a
/// configurable setting and every value fit its type, or nothing changes.
fn update(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["settings"], call.settings.strict_unknown_fields)?;
    // The official schema types `settings` as a string holding a JSON object;
    // `clickhousectl` 0.5.0 sends the object itself. Both are accepted.
    let shape = || FieldError::says("settings", "must be a JSON object of setting names to values");
    let parsed: Map<String, Value> = match f.raw("settings") {
        None | Some(Value::Null) => return Err(FieldError::required("settings").into()),
        Some(Value::Object(m)) => m.clone(),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            _ => return Err(shape().into()),
        },
        Some(_) => return Err(shape().into()),
    };
    if parsed.is_empty() {
        return Err(FieldError::says("settings", "must name at least one setting").into());
    }
    let mut applied = Vec::with_capacity(parsed.len());
    for (name, value) in &parsed {
        let d = def(name).ok_or_else(|| FieldError::message("settings", format!("Unknown setting '{name}'")))?;
        applied.push((d, setting_value(d, value)?));
    }
    let mut stored = ch.clickhouse_settings.get(&call.org.id, service).unwrap_or(ClickhouseSettings {
        org_id: call.org.id.clone(),
        service_id: s.id.to_string(),
        settings: Default::default(),
    });
    let mut echo = Map::new();
    let mut warnings = Vec::new();
    for (d, value) in applied {
        echo.insert(d.name.to_owned(), Value::String(value.clone()));
        stored.settings.insert(d.name.to_owned(), value);
        if let Some(w) = d.warning {
            warnings.push(json!({"name": d.name, "message": w}));
        }
    }
    ch.clickhouse_settings.insert(&call.org.id, service, stored);
    Ok(Out::Result(json!({"settings": Value::Object(echo), "warnings": warnings})))
}
