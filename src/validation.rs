//! Provider-neutral pieces of validation: the typed [`FieldError`] and typed access to
//! the fields of a JSON body.
//!
//! The rules themselves live in each provider's `validate` module (one function per seed
//! rule); they return `FieldError`, and each provider wraps it in its own envelope. The
//! `field` is always the client's JSON name (`ipAccessList[2].source`).
//!
//! May touch: nothing else in the crate.

use std::fmt;

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Required,
    /// Wrong JSON type: "must be a <type>".
    Type(&'static str),
    MultipleOf(u64),
    Range {
        min: i64,
        max: i64,
    },
    Pattern(&'static str),
    OneOf(&'static [&'static str]),
    /// Cannot be given together with (or without) the named field.
    ExcludedBy(&'static str),
    /// A rule whose wording is fixed by the provider; printed after the field name.
    Says(String),
    /// A rule whose whole message is fixed by the provider; printed as is.
    Message(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub rule: Rule,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        FieldError { field: field.into(), rule }
    }

    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, Rule::Required)
    }

    pub fn says(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(field, Rule::Says(text.into()))
    }

    pub fn message(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(field, Rule::Message(text.into()))
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.rule {
            Rule::Required => write!(f, "{field} is required"),
            Rule::Type(t) => write!(f, "{field} must be a{} {t}", if starts_with_vowel(t) { "n" } else { "" }),
            Rule::MultipleOf(n) => write!(f, "{field} must be a multiple of {n}"),
            Rule::Range { min, max } => write!(f, "{field} must be between {min} and {max}"),
            Rule::Pattern(p) => write!(f, "{field} must match {p}"),
            Rule::OneOf(values) => write!(f, "{field} must be one of {}", values.join(", ")),
            Rule::ExcludedBy(other) => write!(f, "{field} cannot be used with {other}"),
            Rule::Says(text) => write!(f, "{field} {text}"),
            Rule::Message(text) => f.write_str(text),
        }
    }
}

/// 8-4-4-4-12 hex digits (any version, either case).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn starts_with_vowel(s: &str) -> bool {
    matches!(s.as_bytes().first(), Some(b'a' | b'e' | b'i' | b'o' | b'u'))
}

/// Typed, named access to the fields of a JSON object. Explicit `null` reads as absent.
/// `prefix` is prepended to field names in errors (`ipAccessList[0].`).
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Fields { map, prefix: "" }
    }

    pub fn with_prefix(map: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Fields { map, prefix }
    }

    pub fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    /// The raw value, `None` when absent or `null`.
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// Whether the key is present (even as `null`).
    pub fn has_key(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    pub fn str(&self, field: &str) -> Result<Option<&'a str>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(FieldError::new(self.name(field), Rule::Type("string"))),
        }
    }

    pub fn bool(&self, field: &str) -> Result<Option<bool>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(FieldError::new(self.name(field), Rule::Type("boolean"))),
        }
    }

    /// A JSON number (integral or not).
    pub fn number(&self, field: &str) -> Result<Option<f64>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(FieldError::new(self.name(field), Rule::Type("number"))),
        }
    }

    pub fn array(&self, field: &str) -> Result<Option<&'a Vec<Value>>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(FieldError::new(self.name(field), Rule::Type("array"))),
        }
    }

    pub fn object(&self, field: &str) -> Result<Option<&'a Map<String, Value>>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(FieldError::new(self.name(field), Rule::Type("object"))),
        }
    }

    /// An array of strings.
    pub fn strings(&self, field: &str) -> Result<Option<Vec<&'a str>>, FieldError> {
        let Some(items) = self.array(field)? else { return Ok(None) };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().ok_or_else(|| FieldError::new(format!("{}[{i}]", self.name(field)), Rule::Type("string")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The names of keys not in `known` (for strict unknown-field checks).
    pub fn unknown(&self, known: &[&str]) -> Option<&'a str> {
        self.map.keys().find(|k| !known.contains(&k.as_str())).map(String::as_str)
    }
}

/// An integral value of a JSON number (`16` or `16.0`), `None` for `16.5` or out of range.
pub fn integral(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.is_finite() && n.abs() < 9.0e15).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_the_field() {
        assert_eq!(FieldError::new("name", Rule::Type("string")).to_string(), "name must be a string");
        assert_eq!(FieldError::new("tags", Rule::Type("array")).to_string(), "tags must be an array");
        assert_eq!(FieldError::new("x", Rule::MultipleOf(4)).to_string(), "x must be a multiple of 4");
    }

    #[test]
    fn null_is_absent_and_types_are_checked() {
        let v = json!({"a": null, "b": 5, "c": "s", "d": [1]});
        let f = Fields::new(v.as_object().unwrap());
        assert_eq!(f.str("a"), Ok(None));
        assert!(f.str("b").is_err());
        assert_eq!(f.number("b"), Ok(Some(5.0)));
        assert_eq!(f.str("c"), Ok(Some("s")));
        assert_eq!(f.strings("d").unwrap_err().field, "d[0]");
        assert_eq!(integral(16.0), Some(16));
        assert_eq!(integral(16.5), None);
    }
}
