//! YAML scenarios: a world to seed, faults to inject, a timeline of changes, and steps
//! (HTTP requests with expectations) to run.
//!
//! The schema (also in `scenarios/README.md`):
//! ```yaml
//! name: create and wait          # optional
//! seed: 7                        # optional; `dbaas-sim run` seeds its simulator with it
//! settings: {clickhouse.durations.provision: 30}      # knobs
//! identities: {clickhouse: {organizations: [...]}}   # per provider
//! resources: {clickhouse: {services: [...]}}          # per provider
//! faults: [ {id, match, action, schedule} ]           # the fault rule shape
//! timeline:                       # at simulated second T
//!   - {at: 60, add_fault: {...}}
//!   - {at: 90, remove_fault: rule-id}
//!   - {at: 120, break: {provider: clickhouse, resource_id: ..., state: degraded}}
//!   - {at: 150, advance: 30}      # jump the clock forward
//! steps:
//!   - name: create
//!     request: {method: POST, path: "/v1/organizations/${clickhouse.org}/services", auth: clickhouse, body: {...}}
//!     expect: {status: 200, json: {/result/service/state: provisioning}}
//!     capture: {svc: /result/service/id}
//!   - advance: 60
//!   - request: {method: GET, path: "/v1/organizations/${clickhouse.org}/services/${svc}", auth: clickhouse}
//!     eventually: {advance: 10, within: 600}
//!     expect: {json: {/result/state: running}}
//! ```
//! A schema error names the file, line and column and what was expected.
//!
//! May touch: `crate::faults` (rule shape), `crate::sim` (loading), `crate::providers`
//! through `World` (identities, resources, breaking resources).

pub mod load;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::RuleSpec;
pub use crate::timeline::{Break, TimelineAction};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Knob name → value.
    #[serde(default)]
    pub settings: BTreeMap<String, Value>,
    /// Provider name → that provider's identities section.
    #[serde(default)]
    pub identities: BTreeMap<String, Value>,
    /// Provider name → that provider's resources section.
    #[serde(default)]
    pub resources: BTreeMap<String, Value>,
    #[serde(default)]
    pub faults: Vec<RuleSpec>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// At simulated second `at`: exactly one action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub at: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_fault: Option<RuleSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_fault: Option<String>,
    #[serde(default, rename = "break", skip_serializing_if = "Option::is_none")]
    pub break_resource: Option<Break>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance: Option<f64>,
}

impl TimelineEntry {
    /// The one action of the entry; the message says what is wrong otherwise.
    pub fn action(&self, index: usize) -> Result<TimelineAction, String> {
        let n = self.add_fault.is_some() as u8
            + self.remove_fault.is_some() as u8
            + self.break_resource.is_some() as u8
            + self.advance.is_some() as u8;
        if n != 1 {
            return Err(format!(
                "timeline[{index}] needs exactly one of add_fault, remove_fault, break, advance (has {n})"
            ));
        }
        if !(self.at.is_finite() && self.at >= 0.0) {
            return Err(format!("timeline[{index}].at must be a non-negative number of seconds"));
        }
        Ok(if let Some(f) = &self.add_fault {
            TimelineAction::AddFault(Box::new(f.clone()))
        } else if let Some(id) = &self.remove_fault {
            TimelineAction::RemoveFault(id.clone())
        } else if let Some(b) = &self.break_resource {
            TimelineAction::Break(b.clone())
        } else {
            let secs = self.advance.unwrap_or(0.0);
            if !(secs.is_finite() && (0.0..=1e9).contains(&secs)) {
                return Err(format!("timeline[{index}].advance must be between 0 and 1e9 seconds"));
            }
            TimelineAction::Advance(secs)
        })
    }
}

/// One step: a request with expectations, or a clock advance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub request: Option<StepRequest>,
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Variable name → JSON pointer (or dotted path) into the answer body.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    #[serde(default)]
    pub eventually: Option<Eventually>,
    /// Advance the simulated clock by this many seconds (a step of its own, or after the
    /// request).
    #[serde(default)]
    pub advance: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    #[serde(default = "default_method")]
    pub method: String,
    pub path: String,
    /// `clickhouse`, `oracle` (the default identities), `none`, or
    /// `{basic: {user, password}}` / `{bearer: token}`.
    #[serde(default)]
    pub auth: Option<Auth>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (written as YAML).
    #[serde(default)]
    pub body: Option<Value>,
    /// A raw body, sent as is (for malformed-input checks).
    #[serde(default)]
    pub raw_body: Option<String>,
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Auth {
    Named(String),
    Basic { basic: BasicAuth },
    Bearer { bearer: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// One status, or any of a list.
    #[serde(default)]
    pub status: Option<StatusSet>,
    /// JSON pointer (or dotted path) → expected value, or a matcher object
    /// (`{$exists: bool}`, `{$len: n}`, `{$contains: v}`, `{$ne: v}`, `{$prefix: "..."}`).
    #[serde(default)]
    pub json: BTreeMap<String, Value>,
    /// Header name → exact value.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body text contains this.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// The connection fails (reset, cut off, or no answer): expected by chaos steps.
    #[serde(default)]
    pub connection_error: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

impl StatusSet {
    pub fn contains(&self, s: u16) -> bool {
        match self {
            StatusSet::One(x) => *x == s,
            StatusSet::Any(v) => v.contains(&s),
        }
    }
}

/// Retry the request, advancing the manual clock `advance` seconds between tries, until
/// the expectations hold or `within` seconds have been advanced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eventually {
    #[serde(default = "default_eventually_step")]
    pub advance: f64,
    pub within: f64,
}

fn default_eventually_step() -> f64 {
    1.0
}

/// Parses a scenario; errors read `FILE:LINE:COLUMN: what was expected`, then the line
/// of YAML with a caret under the column.
pub fn parse(file: &str, text: &str) -> Result<Scenario, String> {
    let scenario: Scenario = serde_saphyr::from_str(text).map_err(|e| {
        let message = message_of(&e.without_snippet().to_string());
        match e.location() {
            Some(loc) => {
                let (line, column) = (loc.line() as usize, loc.column() as usize);
                format!("{file}:{line}:{column}: {message}{}", context(text, line, column))
            }
            None => format!("{file}: {message}"),
        }
    })?;
    check(&scenario).map_err(|e| format!("{file}: {e}"))?;
    Ok(scenario)
}

/// The parser's message without its own copies of the location (`error: line 4 column
/// 5: ...`, `... at line 4, column 5`): the location is printed once, in front, as
/// `FILE:LINE:COLUMN`.
fn message_of(rendered: &str) -> String {
    let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or(rendered).trim();
    let mut message = first.strip_prefix("error:").map(str::trim_start).unwrap_or(first);
    if let Some((place, rest)) = message.split_once(": ") {
        if place.starts_with("line ") && place.contains(" column ") {
            message = rest;
        }
    }
    if let Some((rest, place)) = message.rsplit_once(" at line ") {
        if place.contains(", column ") && place.chars().all(|c| c.is_ascii_digit() || ", column".contains(c)) {
            message = rest;
        }
    }
    message.to_owned()
}

/// The YAML line `line` (1-based) and a caret under `column` (1-based), indented like a
/// compiler's message; empty when the line is not in the text.
fn context(text: &str, line: usize, column: usize) -> String {
    let Some(source) = line.checked_sub(1).and_then(|i| text.lines().nth(i)) else {
        return String::new();
    };
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    // Tabs stay tabs, so the caret lines up with the character above it.
    let lead: String =
        source.chars().take(column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("\n {number} | {source}\n {gutter} | {lead}^")
}

/// Checks what the schema alone cannot: one action per timeline entry, steps that do
/// something, eventually limits.
fn check(s: &Scenario) -> Result<(), String> {
    for (i, t) in s.timeline.iter().enumerate() {
        t.action(i)?;
    }
    for (i, step) in s.steps.iter().enumerate() {
        if step.request.is_none() && step.advance.is_none() {
            return Err(format!("steps[{i}] needs a request or an advance"));
        }
        if step.request.is_none() && (step.expect.is_some() || step.eventually.is_some() || !step.capture.is_empty()) {
            return Err(format!("steps[{i}]: expect, capture and eventually need a request"));
        }
        if let Some(e) = &step.eventually {
            if !(e.advance > 0.0 && e.advance.is_finite() && e.within >= 0.0 && e.within <= 1e9) {
                return Err(format!("steps[{i}].eventually needs advance > 0 and 0 <= within <= 1e9"));
            }
        }
        if let Some(a) = step.advance {
            if !(a.is_finite() && (0.0..=1e9).contains(&a)) {
                return Err(format!("steps[{i}].advance must be between 0 and 1e9 seconds"));
            }
        }
        if let Some(r) = &step.request {
            if r.body.is_some() && r.raw_body.is_some() {
                return Err(format!("steps[{i}].request has both body and raw_body"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_scenario() {
        let s = parse(
            "t.yaml",
            r#"
name: demo
seed: 3
settings: {clickhouse.durations.provision: 5}
faults:
  - id: storm
    match: {provider: clickhouse, operation: createService}
    action: {kind: status, status: 503, retry_after: 2}
    schedule: {times: 2}
timeline:
  - {at: 10, remove_fault: storm}
steps:
  - name: create
    request: {method: POST, path: /v1/x, auth: clickhouse, body: {name: a}}
    expect: {status: [200, 503], json: {/result/x: {$exists: true}}}
    capture: {id: /result/service/id}
  - advance: 5
"#,
        )
        .unwrap();
        assert_eq!(s.seed, Some(3));
        assert_eq!(s.faults[0].id.as_deref(), Some("storm"));
        assert_eq!(s.steps.len(), 2);
        assert!(s.steps[0].expect.as_ref().unwrap().status.as_ref().unwrap().contains(503));
    }

    #[test]
    fn schema_errors_name_line_and_column() {
        let e = parse("bad.yaml", "name: x\nsteps:\n  - request: {path: /a}\n    expct: {status: 200}\n").unwrap_err();
        assert!(e.starts_with("bad.yaml:4:5: unknown field `expct`"), "{e}");
        assert!(!e.contains("line 4"), "the location is printed once: {e}");
        assert!(e.ends_with("\n 4 |     expct: {status: 200}\n   |     ^"), "the YAML line and a caret: {e}");
        let e = parse("bad.yaml", "faults:\n  - action: {kind: explode}\n").unwrap_err();
        assert!(e.starts_with("bad.yaml:2:"), "{e}");
        let e = parse("t.yaml", "timeline:\n  - {at: 1}\n").unwrap_err();
        assert!(e.contains("timeline[0]"), "{e}");
    }
}
