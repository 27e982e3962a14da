//! Oracle validation rules: one pure function per row of the spec's checklist (§14),
//! named after the row id (`t12_…`, `c04_…`, `p02_…`, `a08_…`), called from every place
//! that needs the rule (handlers, sync backend mode, property tests).
//!
//! - this module: the outer envelope of `POST operations` (T11–T17) and the normalised
//!   attribute list of §5.1;
//! - `create`: CREATE attributes (C01–C24);
//! - `allocations`: EXAUNIT_ALLOCATIONS (P01–P08, A01–A05, R01–R06, D01);
//! - `update`: UPDATE and DELETE attributes and instance preconditions (U01–U08, X01, X03);
//! - `backend`: the checks ECRA makes when the operation starts (A06–A15, R07–R11,
//!   D02–D03, X02), which fail the operation rather than the request (§5.2).
//!
//! Synchronous rules return [`OracleError`] (the field named in a [`FieldError`]);
//! backend rules return the message the failed operation carries.

pub mod allocations;
pub mod backend;
pub mod create;
pub mod update;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::OracleError;
use super::model::{Attribute, Definition};
use super::payload;
use crate::validation::{FieldError, Rule};

fn malformed(m: impl Into<String>) -> OracleError {
    OracleError::Malformed(m.into())
}

fn attribute(field: impl Into<String>, rule: Rule) -> OracleError {
    OracleError::Attribute(FieldError::new(field, rule))
}

/// T11: the outer body is a JSON object, parsed strictly (§2.3) unless knob
/// `lenientOuterJson` forgives missing commas (the seed's CREATE examples lack one, §15 #10).
pub fn t11_outer_json(body: &[u8], lenient: bool) -> Result<Map<String, Value>, OracleError> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("The request body is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(malformed("The request body is empty; a JSON object with operationItems is required"));
    }
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(e) if lenient => payload::parse_lenient_json(text).map_err(|p| {
            malformed(format!("The request body is not valid JSON: {e}; lenient reading failed at {p}"))
        })?,
        Err(e) => return Err(malformed(format!("The request body is not valid JSON: {e}"))),
    };
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(malformed("The request body must be a JSON object")),
    }
}

/// T12: `operationItems` is a non-empty array.
pub fn t12_operation_items(body: &Map<String, Value>) -> Result<&Vec<Value>, OracleError> {
    match body.get("operationItems") {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) => Err(malformed("operationItems must contain one operation item")),
        Some(Value::Null) | None => Err(malformed("operationItems is required")),
        Some(_) => Err(malformed("operationItems must be an array")),
    }
}

/// T13: exactly one operation item (§5.1 rule 1), and it is an object.
pub fn t13_single_item(items: &[Value]) -> Result<&Map<String, Value>, OracleError> {
    if items.len() > 1 {
        return Err(malformed(format!(
            "operationItems must contain exactly one operation item, found {}",
            items.len()
        )));
    }
    items.first().and_then(Value::as_object).ok_or_else(|| malformed("operationItems[0] must be an object"))
}

/// T14: `operationItemDefinition.id` names one of the three Exadata definitions
/// (case-sensitive, §5.1 rule 2).
pub fn t14_definition(item: &Map<String, Value>) -> Result<Definition, OracleError> {
    const IDS: &[&str] = &[
        "CIM-Exadata-CUSTOM-PRODUCTION-CREATE",
        "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE",
        "CIM-Exadata-CUSTOM-PRODUCTION-DELETE",
    ];
    const FIELD: &str = "operationItems[0].operationItemDefinition.id";
    let id = item.get("operationItemDefinition").and_then(|d| d.get("id")).and_then(Value::as_str);
    match id {
        None => Err(attribute(FIELD, Rule::Required)),
        Some(id) => Definition::parse(id).ok_or_else(|| attribute(FIELD, Rule::OneOf(IDS))),
    }
}

/// T15: an `operationType` given beside the definition must agree with it.
pub fn t15_operation_type(item: &Map<String, Value>, def: Definition) -> Result<(), OracleError> {
    let given = item.get("operationItemDefinition").and_then(|d| d.get("operationType"));
    match given {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) if t.eq_ignore_ascii_case(def.operation_type()) => Ok(()),
        Some(_) => Err(OracleError::Attribute(FieldError::says(
            "operationItems[0].operationItemDefinition.operationType",
            format!("must be {} for {}", def.operation_type(), def.id()),
        ))),
    }
}

/// §5.1 rule 4: split on `.`, trim each segment, rejoin (the seed writes
/// `requestPayload.customAttributes. MULTIVM_ENABLED`).
pub fn normalise_name(name: &str) -> String {
    name.split('.').map(str::trim).collect::<Vec<_>>().join(".")
}

/// The attributes of an item: as echoed (normalised names, values as sent) and as read
/// (values trimmed, §5.1 rule 7; `null` absent, rule 3).
#[derive(Debug, Clone, Default)]
pub struct Attrs {
    pub echo: Vec<Attribute>,
    values: BTreeMap<String, String>,
}

impl Attrs {
    /// A present, non-empty value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether the attribute was sent at all (possibly empty).
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// T16: every attribute has a string `name`; a value is a string, number or boolean
/// (coerced to its string form) or `null` (absent).
pub fn t16_attributes(item: &Map<String, Value>) -> Result<Vec<(String, Option<String>)>, OracleError> {
    let list = match item.get("attributes") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(malformed("operationItems[0].attributes must be an array")),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let field = format!("operationItems[0].attributes[{i}]");
        let obj = a.as_object().ok_or_else(|| malformed(format!("{field} must be an object with name and value")))?;
        let name = match obj.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
            _ => return Err(attribute(format!("{field}.name"), Rule::Required)),
        };
        let value = match obj.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(_) => {
                return Err(OracleError::Attribute(FieldError::says(
                    normalise_name(&name),
                    "must be a string, number or boolean",
                )))
            }
        };
        out.push((name, value));
    }
    Ok(out)
}

/// T17: no two attributes share a name after normalisation (§5.1 rule 5).
pub fn t17_unique_names(list: Vec<(String, Option<String>)>) -> Result<Attrs, OracleError> {
    let mut attrs = Attrs::default();
    for (raw, value) in list {
        let name = normalise_name(&raw);
        if attrs.echo.iter().any(|a| a.name == name) {
            return Err(OracleError::Attribute(FieldError::says(name, "is given more than once")));
        }
        attrs.echo.push(Attribute::new(name.clone(), value.clone().unwrap_or_default()));
        if let Some(v) = value {
            attrs.values.insert(name, v.trim().to_owned());
        }
    }
    Ok(attrs)
}

/// `Y`/`N`, case-insensitive (C17, A05).
pub fn yes_no(field: &str, v: &str) -> Result<bool, FieldError> {
    match v.to_ascii_uppercase().as_str() {
        "Y" => Ok(true),
        "N" => Ok(false),
        _ => Err(FieldError::new(field, Rule::OneOf(&["Y", "N"]))),
    }
}

/// `^[A-Za-z][A-Za-z0-9-]{0,14}$` (§15 #25: the Clusterware 15-character limit). C15, A03.
pub fn exa_unit_name(field: &str, v: &str) -> Result<String, FieldError> {
    let mut chars = v.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && v.len() <= 15;
    if ok {
        Ok(v.to_owned())
    } else {
        Err(FieldError::says(field, "must be 1-15 characters: a letter, then letters, digits or '-'"))
    }
}

/// A network reference: non-empty, at most 512 characters (§6.1, no inventory check).
pub fn network(field: &str, v: &str) -> Result<String, FieldError> {
    if v.is_empty() || v.chars().count() > 512 {
        return Err(FieldError::says(field, "must be 1-512 characters"));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn t11_is_strict_unless_lenient() {
        let missing_comma = br#"{"operationItems": [{"attributes": [{"name": "a", "value": "1"}
            {"name": "b", "value": "2"}]}]}"#;
        assert!(matches!(t11_outer_json(missing_comma, false), Err(OracleError::Malformed(_))));
        assert!(t11_outer_json(missing_comma, true).is_ok());
        assert!(t11_outer_json(b"[1]", false).is_err());
        assert!(t11_outer_json(b"", false).is_err());
    }

    #[test]
    fn t12_t13_t14_t15_envelope_rules() {
        assert!(t12_operation_items(&obj(json!({}))).is_err());
        assert!(t12_operation_items(&obj(json!({"operationItems": []}))).is_err());
        assert!(t13_single_item(&[json!({}), json!({})]).is_err());
        let item = obj(json!({"operationItemDefinition": {"id": "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE"}}));
        assert_eq!(t14_definition(&item).unwrap(), Definition::Update);
        let lower = obj(json!({"operationItemDefinition": {"id": "cim-exadata-custom-production-update"}}));
        assert!(t14_definition(&lower).is_err());
        let typed = obj(json!({"operationItemDefinition": {"id": "x", "operationType": "DELETE"}}));
        assert!(t15_operation_type(&typed, Definition::Update).is_err());
        assert!(t15_operation_type(&typed, Definition::Delete).is_ok());
    }

    #[test]
    fn t16_t17_attribute_names_are_normalised_and_unique() {
        let item = obj(json!({"attributes": [
            {"name": "requestPayload.customAttributes. MULTIVM_ENABLED", "value": " true "},
            {"name": "n", "value": 5},
            {"name": "z", "value": null}
        ]}));
        let attrs = t17_unique_names(t16_attributes(&item).unwrap()).unwrap();
        assert_eq!(attrs.get("requestPayload.customAttributes.MULTIVM_ENABLED"), Some("true"));
        assert_eq!(attrs.get("n"), Some("5"));
        assert!(!attrs.has("z"));
        assert_eq!(attrs.echo[0].name, "requestPayload.customAttributes.MULTIVM_ENABLED");
        let dup = obj(json!({"attributes": [{"name": "a.b", "value": "1"}, {"name": "a . b", "value": "2"}]}));
        assert!(t17_unique_names(t16_attributes(&dup).unwrap()).is_err());
        let nameless = obj(json!({"attributes": [{"value": "1"}]}));
        assert!(t16_attributes(&nameless).is_err());
    }

    #[test]
    fn shared_formats() {
        assert!(exa_unit_name("x", "Cluster2").is_ok());
        assert!(exa_unit_name("x", "systemname").is_ok());
        assert!(exa_unit_name("x", "2cluster").is_err());
        assert!(exa_unit_name("x", "a_b").is_err());
        assert!(exa_unit_name("x", "abcdefghijklmnop").is_err());
        assert_eq!(yes_no("f", "y"), Ok(true));
        assert!(yes_no("f", "yes").is_err());
    }
}
