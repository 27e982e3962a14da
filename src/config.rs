//! Knobs: every tunable a spec names (durations, quotas, strict or lenient readings),
//! each with one dotted name, a default and one line of doc.
//!
//! A provider declares its knobs as a table of [`KnobDef`]s over its own settings struct;
//! [`Knobs`] keeps the live value behind an `RwLock<Arc<S>>` so that a request takes one
//! cheap `Arc` clone and reads plain fields. The three ways in (`serve --set`, a scenario's
//! `settings:`, `PATCH /_sim/config`) all end in [`KnobSet::set`].
//!
//! May touch: nothing else in the crate.

use std::sync::{Arc, RwLock};

use serde_json::{json, Value};

/// What `GET /_sim/config` shows of one knob.
#[derive(Debug, Clone)]
pub struct KnobInfo {
    pub name: String,
    pub value: Value,
    pub default: Value,
    pub doc: &'static str,
}

impl KnobInfo {
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "value": self.value, "default": self.default, "doc": self.doc})
    }
}

/// The object-safe face of a provider's knobs.
pub trait KnobSet: Send + Sync {
    /// The first segment of every knob name (`clickhouse`).
    fn prefix(&self) -> &'static str;
    fn list(&self) -> Vec<KnobInfo>;
    /// Sets one knob by its full dotted name; the error names the knob and the problem.
    fn set(&self, name: &str, value: &Value) -> Result<(), String>;
    /// Whether `set` would accept this assignment (changes nothing).
    fn check(&self, name: &str, value: &Value) -> Result<(), String>;
    /// Remembers the current values as those `reset` returns to.
    fn mark_baseline(&self);
    fn reset(&self);
}

/// One knob of settings struct `S`.
pub struct KnobDef<S> {
    /// The name after the provider prefix (`durations.provision`).
    pub name: &'static str,
    pub doc: &'static str,
    pub get: fn(&S) -> Value,
    pub set: fn(&mut S, &Value) -> Result<(), String>,
}

pub struct Knobs<S: 'static> {
    prefix: &'static str,
    defs: &'static [KnobDef<S>],
    defaults: Arc<S>,
    baseline: RwLock<Arc<S>>,
    live: RwLock<Arc<S>>,
}

impl<S: Clone + Default + Send + Sync + 'static> Knobs<S> {
    pub fn new(prefix: &'static str, defs: &'static [KnobDef<S>]) -> Self {
        let defaults = Arc::new(S::default());
        Knobs { prefix, defs, baseline: RwLock::new(defaults.clone()), live: RwLock::new(defaults.clone()), defaults }
    }

    /// The live settings (one `Arc` clone).
    pub fn get(&self) -> Arc<S> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn def(&self, name: &str) -> Option<&'static KnobDef<S>> {
        let rest = name.strip_prefix(self.prefix)?.strip_prefix('.')?;
        self.defs.iter().find(|d| d.name == rest)
    }
}

impl<S: Clone + Default + Send + Sync + 'static> KnobSet for Knobs<S> {
    fn prefix(&self) -> &'static str {
        self.prefix
    }

    fn list(&self) -> Vec<KnobInfo> {
        let live = self.get();
        self.defs
            .iter()
            .map(|d| KnobInfo {
                name: format!("{}.{}", self.prefix, d.name),
                value: (d.get)(&live),
                default: (d.get)(&self.defaults),
                doc: d.doc,
            })
            .collect()
    }

    fn set(&self, name: &str, value: &Value) -> Result<(), String> {
        let def = self.def(name).ok_or_else(|| format!("unknown knob '{name}'"))?;
        let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
        let mut next = S::clone(&live);
        (def.set)(&mut next, value).map_err(|e| format!("bad value for knob '{name}': {e}"))?;
        *live = Arc::new(next);
        Ok(())
    }

    fn check(&self, name: &str, value: &Value) -> Result<(), String> {
        let def = self.def(name).ok_or_else(|| format!("unknown knob '{name}'"))?;
        let mut scratch = S::clone(&self.get());
        (def.set)(&mut scratch, value).map_err(|e| format!("bad value for knob '{name}': {e}"))
    }

    fn mark_baseline(&self) {
        *self.baseline.write().unwrap_or_else(|p| p.into_inner()) = self.get();
    }

    fn reset(&self) {
        let base = self.baseline.read().unwrap_or_else(|p| p.into_inner()).clone();
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = base;
    }
}

/// `--set NAME=VALUE`: VALUE is read as JSON when it parses (`60`, `true`, `"x"`), else as
/// a plain string (`live`).
pub fn parse_assignment(s: &str) -> Result<(String, Value), String> {
    let (name, value) = s.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, got '{s}'"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("expected NAME=VALUE, got '{s}'"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

/// A boolean knob on field `$field` (a path like `durations.provision` works too).
macro_rules! knob_bool {
    ($name:expr, $($field:ident).+, $doc:literal) => {
        $crate::config::KnobDef {
            name: $name,
            doc: $doc,
            get: |s| serde_json::json!(s.$($field).+),
            set: |s, v| {
                s.$($field).+ = $crate::config::read::bool(v)?;
                Ok(())
            },
        }
    };
}

/// A non-negative integer knob on field `$field` (a path works too).
macro_rules! knob_u64 {
    ($name:expr, $($field:ident).+, $doc:literal) => {
        $crate::config::KnobDef {
            name: $name,
            doc: $doc,
            get: |s| serde_json::json!(s.$($field).+),
            set: |s, v| {
                s.$($field).+ = $crate::config::read::u64(v)?;
                Ok(())
            },
        }
    };
}

pub(crate) use {knob_bool, knob_u64};

/// Knob value readers: accept the JSON type or its string spelling (from `--set`).
pub mod read {
    use serde_json::Value;

    /// A two-way choice read as a flag: `off` → false, `on` → true.
    pub fn flag(v: &Value, off: &'static str, on: &'static str) -> Result<bool, String> {
        Ok(choice(v, &[off, on])? == on)
    }

    pub fn u64(v: &Value) -> Result<u64, String> {
        match v {
            Value::Number(n) => n.as_u64().ok_or_else(|| format!("expected a non-negative integer, got {n}")),
            Value::String(s) => s.trim().parse().map_err(|_| format!("expected a non-negative integer, got '{s}'")),
            other => Err(format!("expected a non-negative integer, got {other}")),
        }
    }

    pub fn bool(v: &Value) -> Result<bool, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" || s == "on" => Ok(true),
            Value::String(s) if s == "false" || s == "off" => Ok(false),
            other => Err(format!("expected true or false, got {other}")),
        }
    }

    pub fn string(v: &Value) -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("expected a string, got {other}")),
        }
    }

    /// One of `choices` (given as a string, or a number spelled like one).
    pub fn choice(v: &Value, choices: &[&'static str]) -> Result<&'static str, String> {
        let s = string(v)?;
        choices
            .iter()
            .find(|c| **c == s)
            .copied()
            .ok_or_else(|| format!("expected one of {}, got '{s}'", choices.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct S {
        n: u64,
    }

    static DEFS: &[KnobDef<S>] = &[KnobDef {
        name: "n",
        doc: "a number",
        get: |s| json!(s.n),
        set: |s, v| {
            s.n = read::u64(v)?;
            Ok(())
        },
    }];

    #[test]
    fn set_list_and_reset() {
        let k = Knobs::new("p", DEFS);
        k.set("p.n", &json!("5")).unwrap();
        k.mark_baseline();
        k.set("p.n", &json!(7)).unwrap();
        assert_eq!(k.get().n, 7);
        assert!(k.set("p.m", &json!(1)).unwrap_err().contains("unknown knob 'p.m'"));
        assert!(k.set("p.n", &json!(-1)).unwrap_err().contains("p.n"));
        k.reset();
        assert_eq!(k.list()[0].value, json!(5));
        assert_eq!(k.list()[0].default, json!(0));
        assert_eq!(parse_assignment("a.b=live").unwrap(), ("a.b".into(), json!("live")));
    }
}
