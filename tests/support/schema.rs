//! The response-schema check of every ClickHouse answer the tests see: a small
//! JSON-Schema validator (the subset the served OpenAPI 3.1 document uses) and the lookup
//! of the documented response of a request.
//!
//! `Sim::send_raw` calls [`check_clickhouse`] for every `/v1/...` answer, so every live
//! response of the test suite is checked against the document the simulator serves
//! (`GET /_sim/openapi/clickhouse.json` is `openapi::document()`); a response that breaks
//! it fails the test that made it, naming the operation, the status and the first broken
//! JSON pointer.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

/// The served ClickHouse document and its path templates.
pub struct Contract {
    doc: Value,
    /// `(segments, path)`: `None` segments are parameters.
    templates: Vec<(Vec<Option<String>>, String)>,
    patterns: Mutex<HashMap<String, Option<regex::Regex>>>,
}

static CONTRACT: OnceLock<Contract> = OnceLock::new();

/// The contract, built once per test process.
pub fn contract() -> &'static Contract {
    CONTRACT.get_or_init(|| Contract::new(dbaas_sim::providers::clickhouse::openapi::document()))
}

impl Contract {
    pub fn new(doc: Value) -> Contract {
        let templates = doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .keys()
                    .map(|p| {
                        let segs = p
                            .split('/')
                            .filter(|s| !s.is_empty())
                            .map(|s| if s.starts_with('{') { None } else { Some(s.to_owned()) })
                            .collect();
                        (segs, p.clone())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Contract { doc, templates, patterns: Mutex::new(HashMap::new()) }
    }

    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The documented path of a concrete path: the template with the most literal
    /// segments that matches. The simulator's alias paths (knob `rcAliases`) map to the
    /// operations they alias.
    pub fn template(&self, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        let segs: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "queryEndpoint" => "serviceQueryEndpoint",
                "reversePrivateEndpoints" => "clickpipesReversePrivateEndpoints",
                s => s,
            })
            .collect();
        self.templates
            .iter()
            .filter(|(t, _)| {
                t.len() == segs.len() && t.iter().zip(&segs).all(|(a, b)| a.as_deref().is_none_or(|lit| lit == *b))
            })
            .max_by_key(|(t, _)| t.iter().filter(|s| s.is_some()).count())
            .map(|(_, p)| p.as_str())
    }

    /// The schema a response of `method path` with `status` must satisfy: the documented
    /// status, else `default`. `Err` when the document has no answer for it at all.
    fn response_schema(&self, method: &str, template: &str, status: u16) -> Result<Option<&Value>, String> {
        let op = &self.doc["paths"][template][method.to_ascii_lowercase()];
        if op.is_null() {
            // A known path with another method: the simulator's 405 envelope.
            return Ok(self.doc["components"]["schemas"].get("SimError"));
        }
        let responses = &op["responses"];
        let r = responses.get(status.to_string()).or_else(|| responses.get("default"));
        let r = r.ok_or_else(|| format!("{} documents no response {status}", op["operationId"]))?;
        Ok(r.pointer("/content/application~1json/schema"))
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            s = &self.doc["components"]["schemas"][name];
        }
        s
    }

    fn pattern_matches(&self, pattern: &str, s: &str) -> bool {
        let mut cache = self.patterns.lock().unwrap_or_else(|p| p.into_inner());
        let re = cache.entry(pattern.to_owned()).or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().is_none_or(|re| re.is_match(s))
    }

    /// Validates `v` against `schema`; the error names the JSON pointer and the rule.
    pub fn validate(&self, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
        let s = self.resolve(schema);
        let fail = |rule: String| Err(format!("{}: {rule} (value {})", if at.is_empty() { "/" } else { at }, short(v)));
        let Some(obj) = s.as_object() else { return Ok(()) };
        if let Some(t) = obj.get("type") {
            let types: Vec<&str> = match t {
                Value::String(t) => vec![t.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let nullable = obj.get("nullable").and_then(Value::as_bool).unwrap_or(false);
            if !(types.iter().any(|t| type_matches(t, v)) || nullable && v.is_null()) {
                return fail(format!("type {types:?}"));
            }
        }
        if let Some(e) = obj.get("enum").and_then(Value::as_array) {
            let nullable_null = v.is_null() && obj.get("type").is_some_and(|t| type_matches_any(t, v));
            if !e.contains(v) && !nullable_null {
                return fail(format!("enum {}", short(&Value::Array(e.clone()))));
            }
        }
        if let Some(c) = obj.get("const") {
            if c != v {
                return fail(format!("const {c}"));
            }
        }
        if let Some(n) = v.as_f64() {
            let num = |k: &str| obj.get(k).and_then(Value::as_f64);
            if num("minimum").is_some_and(|m| n < m) {
                return fail(format!("minimum {}", obj["minimum"]));
            }
            if num("maximum").is_some_and(|m| n > m) {
                return fail(format!("maximum {}", obj["maximum"]));
            }
            if num("exclusiveMinimum").is_some_and(|m| n <= m) {
                return fail(format!("exclusiveMinimum {}", obj["exclusiveMinimum"]));
            }
            if num("exclusiveMaximum").is_some_and(|m| n >= m) {
                return fail(format!("exclusiveMaximum {}", obj["exclusiveMaximum"]));
            }
            if let Some(m) = num("multipleOf") {
                if m > 0.0 && ((n / m) - (n / m).round()).abs() > 1e-9 {
                    return fail(format!("multipleOf {m}"));
                }
            }
        }
        if let Some(text) = v.as_str() {
            let len = text.chars().count() as u64;
            if obj.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m) {
                return fail("minLength".into());
            }
            if obj.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m) {
                return fail("maxLength".into());
            }
            if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
                if !self.pattern_matches(p, text) {
                    return fail(format!("pattern {p}"));
                }
            }
            if let Some(f) = obj.get("format").and_then(Value::as_str) {
                if !format_matches(f, text) {
                    return fail(format!("format {f}"));
                }
            }
        }
        if let Some(items) = v.as_array() {
            let len = items.len() as u64;
            if obj.get("minItems").and_then(Value::as_u64).is_some_and(|m| len < m) {
                return fail("minItems".into());
            }
            if obj.get("maxItems").and_then(Value::as_u64).is_some_and(|m| len > m) {
                return fail("maxItems".into());
            }
            if let Some(item) = obj.get("items") {
                for (i, x) in items.iter().enumerate() {
                    self.validate(item, x, &format!("{at}/{i}"))?;
                }
            }
        }
        if let Some(map) = v.as_object() {
            self.validate_object(obj, map, at)?;
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.validate(s, v, at)?;
            }
        }
        if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
            if !any.iter().any(|s| self.validate(s, v, at).is_ok()) {
                let why: Vec<String> = any.iter().filter_map(|s| self.validate(s, v, at).err()).collect();
                return fail(format!("anyOf: none matches ({})", why.join("; ")));
            }
        }
        if let Some(one) = obj.get("oneOf").and_then(Value::as_array) {
            let matching = one.iter().filter(|s| self.validate(s, v, at).is_ok()).count();
            if matching != 1 {
                let why: Vec<String> = one.iter().filter_map(|s| self.validate(s, v, at).err()).collect();
                return fail(format!("oneOf: {matching} match ({})", why.join("; ")));
            }
        }
        Ok(())
    }

    fn validate_object(&self, obj: &Map<String, Value>, map: &Map<String, Value>, at: &str) -> Result<(), String> {
        let props = obj.get("properties").and_then(Value::as_object);
        for r in obj.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(r) {
                return Err(format!("{}: required property '{r}' is missing", if at.is_empty() { "/" } else { at }));
            }
        }
        for (k, x) in map {
            let here = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(s) => self.validate(s, x, &here)?,
                None => match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Err(format!("{here}: additional property not allowed")),
                    Some(s @ Value::Object(_)) => self.validate(s, x, &here)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_matches_any(t: &Value, v: &Value) -> bool {
    match t {
        Value::String(t) => type_matches(t, v),
        Value::Array(a) => a.iter().filter_map(Value::as_str).any(|t| type_matches(t, v)),
        _ => false,
    }
}

fn format_matches(format: &str, s: &str) -> bool {
    match format {
        "uuid" => {
            let b = s.as_bytes();
            b.len() == 36
                && b.iter().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        *c == b'-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        }
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        "email" => s.contains('@'),
        "uri" => s.contains("://"),
        _ => true,
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 160 {
        format!("{}…", &text[..text.char_indices().nth(160).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

/// Checks one live ClickHouse answer against the served document: the answer's status
/// must be documented for its operation (or by `default`), a JSON answer must satisfy the
/// documented schema, and a `text/plain` answer must be documented as such.
pub fn check_clickhouse(method: &str, path: &str, status: u16, content_type: &str, body: &[u8]) -> Result<(), String> {
    let c = contract();
    let Some(template) = c.template(path) else {
        // Not a documented path: the router's 404 (or an alias without a documented
        // twin) must still be the envelope.
        return match serde_json::from_slice::<Value>(body) {
            Ok(v) if status >= 400 => c.validate(&c.doc()["components"]["schemas"]["SimError"], &v, ""),
            _ => Ok(()),
        };
    };
    let schema = c.response_schema(method, template, status)?;
    if content_type.starts_with("text/plain") {
        let op = &c.doc()["paths"][template][method.to_ascii_lowercase()];
        let declared = op["responses"][status.to_string()]["content"].get("text/plain").is_some();
        return if declared { Ok(()) } else { Err(format!("{method} {template} {status}: undocumented text/plain")) };
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        // Truncated or empty answers come from fault rules; they carry no schema.
        return Ok(());
    };
    match schema {
        Some(s) => c.validate(s, &v, "").map_err(|e| format!("{method} {template} -> {status}: {e}")),
        None => Ok(()),
    }
}
