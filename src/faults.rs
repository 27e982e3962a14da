//! Fault rules: match a request → fire an action, on a schedule.
//!
//! One rule shape for `/_sim/faults` (JSON) and scenario files (YAML), as DESIGN.md fixes
//! it: `{id?, match, action, schedule}`. Unknown keys are refused; a rule is validated
//! whole before it is added, so an invalid rule changes nothing.
//!
//! Matching is provider-neutral: the provider classifies a request (provider, operation,
//! tenant) before its handler runs, and this module compares. Rules are tried in the
//! order they were added; the first whose match holds and whose schedule lets it fire
//! wins, and rules after it do not see the request. Rules are indexed by operation, path
//! pattern and provider, so rules that name another operation or another path cost
//! nothing on the request path.
//!
//! Probabilities draw from a RNG seeded with the simulator's seed (separate from the id
//! RNG, so adding a fault does not change generated ids).
//!
//! May touch: `crate::journal` (path globs), `crate::clock` (types), `crate::ids`,
//! `crate::store` (its hasher).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::SimInstant;
use crate::glob;
use crate::ids::Ids;
use crate::store::FxBuild;

/// Longest latency, hang or slow-body run a rule may ask for (bounded, so a rule can
/// never hold a connection forever).
pub const MAX_DELAY_MS: u64 = 600_000;

/// A fault rule as written (JSON or YAML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "match", default)]
    pub matcher: Match,
    pub action: Action,
    #[serde(default)]
    pub schedule: Schedule,
}

/// Every key optional; all given keys must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The operation name the journal records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Glob: `*` is one segment, `**` any number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Organization id, tenant id or identity domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Header name → exact value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<BTreeMap<String, String>>,
    /// Body field (dotted path or JSON pointer) → JSON value it must equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BTreeMap<String, Value>>,
}

/// What a firing rule does; exactly one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The provider's native error body for `status`; `retry_after` seconds (503 and
    /// 429 get `Retry-After: 1` by default).
    Status {
        #[serde(default = "default_status")]
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Added latency: `ms`, or `min_ms`+`max_ms` (uniform), or `mean_ms`+`stddev_ms`
    /// (+`max_ms` cap, normal). `simulated: true` waits for simulated time instead.
    Latency {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mean_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stddev_ms: Option<u64>,
        #[serde(default)]
        simulated: bool,
    },
    /// Close the connection before any byte of the response.
    Reset,
    /// Send the headers (with the full Content-Length) and `after_bytes` of the body,
    /// then close the connection.
    Truncate { after_bytes: u64 },
    /// Trickle the body: `bytes_per_chunk` every `chunk_ms` (real time).
    SlowBody { bytes_per_chunk: u64, chunk_ms: u64 },
    /// No answer for `ms` (real time, bounded), then close the connection.
    Hang { ms: u64 },
    /// A resource fault: force `state` now, or make the next transition fail, or stall
    /// the next transition `stall_seconds`, or hold its CPU samples at `cpu_percent` or
    /// more (0 clears). The target is `resource_id` or the matched request's resource
    /// (the one in its path, or the one it created).
    Resource {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fail_next_transition: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stall_seconds: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_percent: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resource_id: Option<String>,
    },
}

fn default_status() -> u16 {
    503
}

/// When a matching rule fires. Every key optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Skip the first N matching requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Fire at most N times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Fire with this probability (seeded RNG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Simulated seconds since the clock's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<f64>,
}

/// What a provider says about a request before its handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub provider: &'static str,
    pub operation: &'static str,
    pub tenant: Option<crate::id::Id>,
}

/// A resource fault handed to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceFault {
    ForceState(String),
    FailNextTransition,
    Stall {
        seconds: u64,
    },
    /// The resource's CPU samples are held at or above `percent` from now on (0 clears
    /// it). Only providers that serve samples take it (Fujitsu monitoring).
    CpuLoad {
        percent: u8,
    },
}

/// What the server must do with a request a rule fired on.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Answer with the provider's native error for this status.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Run the request, then wait (real time).
    Delay(Duration),
    /// Run the request, then wait until simulated time reaches this instant.
    DelayUntil(SimInstant),
    Reset,
    Truncate {
        after_bytes: u64,
    },
    SlowBody {
        bytes_per_chunk: u64,
        chunk: Duration,
    },
    Hang(Duration),
    /// Apply to the resource, then run the request normally.
    Resource {
        fault: ResourceFault,
        resource_id: Option<String>,
    },
}

/// A fired rule: which, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub rule: String,
    pub effect: Effect,
}

impl RuleSpec {
    /// Checks every value; the message names the field.
    pub fn validate(&self, catalog: &dyn Catalog) -> Result<(), String> {
        let providers = catalog.providers();
        let m = &self.matcher;
        if let Some(p) = &m.provider {
            if !providers.contains(&p.as_str()) {
                return Err(format!("match.provider must be one of {}, got '{p}'", providers.join(", ")));
            }
        }
        if let Some(method) = &m.method {
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(format!("match.method must be an HTTP method, got '{method}'"));
            }
        }
        if let Some(path) = &m.path {
            if !path.starts_with('/') {
                return Err(format!("match.path must start with '/', got '{path}'"));
            }
            glob::check(path).map_err(|e| format!("match.path: {e}"))?;
        }
        for name in m.header.iter().flat_map(|h| h.keys()) {
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("match.header: '{name}' is not a valid header name"));
            }
        }
        if let Some(id) = &self.id {
            if id.is_empty() || id.len() > 128 || id.contains('/') {
                return Err("id must be 1-128 characters without '/'".into());
            }
        }
        let s = &self.schedule;
        if let Some(p) = s.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("schedule.probability must be between 0 and 1, got {p}"));
            }
        }
        for (name, v) in [("schedule.from", s.from), ("schedule.until", s.until)] {
            if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(format!("{name} must be a non-negative number of seconds"));
            }
        }
        if let (Some(a), Some(b)) = (s.from, s.until) {
            if a > b {
                return Err("schedule.from must not be after schedule.until".into());
            }
        }
        let bounded = |name: &str, v: u64| {
            if v > MAX_DELAY_MS {
                Err(format!("action.{name} must be at most {MAX_DELAY_MS}"))
            } else {
                Ok(())
            }
        };
        match &self.action {
            Action::Status { status, retry_after } => {
                if !(400..=599).contains(status) {
                    return Err(format!("action.status must be an HTTP error status (400-599), got {status}"));
                }
                if retry_after.is_some_and(|r| r > 86_400) {
                    return Err("action.retry_after must be at most 86400 seconds".into());
                }
            }
            Action::Latency { ms, min_ms, max_ms, mean_ms, stddev_ms, .. } => {
                match (ms, min_ms, max_ms, mean_ms, stddev_ms) {
                    (Some(ms), None, None, None, None) => bounded("ms", *ms)?,
                    (None, Some(lo), Some(hi), None, None) => {
                        bounded("max_ms", *hi)?;
                        if lo > hi {
                            return Err("action.min_ms must not exceed action.max_ms".into());
                        }
                    }
                    (None, None, cap, Some(mean), Some(sd)) => {
                        bounded("mean_ms", *mean)?;
                        bounded("stddev_ms", *sd)?;
                        bounded("max_ms", cap.unwrap_or(MAX_DELAY_MS))?;
                    }
                    _ => {
                        return Err(
                            "action latency needs exactly one of: ms; min_ms+max_ms; mean_ms+stddev_ms(+max_ms)".into(),
                        )
                    }
                }
            }
            Action::Reset => {}
            Action::Truncate { .. } => {}
            Action::SlowBody { bytes_per_chunk, chunk_ms } => {
                if *bytes_per_chunk == 0 {
                    return Err("action.bytes_per_chunk must be at least 1".into());
                }
                bounded("chunk_ms", *chunk_ms)?;
            }
            Action::Hang { ms } => bounded("ms", *ms)?,
            Action::Resource { state, fail_next_transition, stall_seconds, cpu_percent, .. } => {
                let n = state.is_some() as u8
                    + fail_next_transition.unwrap_or(false) as u8
                    + stall_seconds.is_some() as u8
                    + cpu_percent.is_some() as u8;
                if n != 1 {
                    return Err("action resource needs exactly one of: state; fail_next_transition: true; \
                                stall_seconds; cpu_percent"
                        .into());
                }
                if cpu_percent.is_some_and(|p| p > 100) {
                    return Err("action.cpu_percent must be 0-100".into());
                }
                // A state no resource of the provider can be forced into would never apply.
                if let Some(state) = state {
                    catalog.check_state(m.provider.as_deref(), state).map_err(|e| format!("action.state: {e}"))?;
                }
            }
        }
        Ok(())
    }
}

/// A rule with its counters.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub spec: RuleSpec,
    /// Matching requests seen (including skipped ones).
    pub matched: AtomicU64,
    pub fired: AtomicU64,
    /// Insertion order.
    pub seq: u64,
}

impl Rule {
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.spec).unwrap_or(Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("id".into(), json!(self.id));
            obj.insert("matched".into(), json!(self.matched.load(Ordering::Relaxed)));
            obj.insert("fired".into(), json!(self.fired.load(Ordering::Relaxed)));
        }
        v
    }
}

/// The request facts a rule looks at.
/// What validating a rule needs to know of the providers (the registry answers it).
pub trait Catalog {
    /// Every provider name a rule may match.
    fn providers(&self) -> &[&'static str];
    /// Why `state` is not a state that a resource fault on `provider` (on any provider
    /// when `None`) can force.
    fn check_state(&self, provider: Option<&str>, state: &str) -> Result<(), String>;
}

/// Provider names alone, every state accepted (unit tests of the rule shape).
pub struct Names(pub &'static [&'static str]);

impl Catalog for Names {
    fn providers(&self) -> &[&'static str] {
        self.0
    }

    fn check_state(&self, _provider: Option<&str>, _state: &str) -> Result<(), String> {
        Ok(())
    }
}

pub struct Probe<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a hyper::HeaderMap,
    pub body: &'a [u8],
    pub class: Option<&'a Classified>,
    pub now: SimInstant,
}

/// Rules indexed for the request path.
#[derive(Default)]
struct Index {
    rules: Vec<Arc<Rule>>,
    /// Rule positions by operation name.
    by_operation: HashMap<String, Vec<usize>, FxBuild>,
    /// Rules without an operation but with a path, by the paths they can match.
    by_path: PathIndex,
    /// Rules with neither an operation nor a path but with a provider, by provider.
    by_provider: HashMap<String, Vec<usize>, FxBuild>,
    /// Rules with none of the three.
    general: Vec<usize>,
}

impl Index {
    fn build(rules: Vec<Arc<Rule>>) -> Self {
        let mut idx = Index { rules, ..Index::default() };
        for (i, r) in idx.rules.iter().enumerate() {
            let m = &r.spec.matcher;
            match (&m.operation, &m.path, &m.provider) {
                (Some(op), _, _) => idx.by_operation.entry(op.clone()).or_default().push(i),
                (None, Some(path), _) => idx.by_path.add(path, i),
                (None, None, Some(p)) => idx.by_provider.entry(p.clone()).or_default().push(i),
                (None, None, None) => idx.general.push(i),
            }
        }
        idx
    }

    /// Positions of the rules that could match, in insertion order (a superset: each
    /// is still checked whole by [`matches`]).
    fn candidates(&self, class: Option<&Classified>, path: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.general.clone();
        if let Some(c) = class {
            if let Some(v) = self.by_operation.get(c.operation) {
                out.extend(v);
            }
            if let Some(v) = self.by_provider.get(c.provider) {
                out.extend(v);
            }
        }
        self.by_path.candidates(path, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Path rules by pattern, so that a request tries only the rules whose `match.path` can
/// match its path, however many rules name other paths (issue 5: a thousand rules of a
/// chaos scenario must not slow every request down).
///
/// Mirrors [`glob_path`] exactly: a pattern without `*` matches one path (trailing `/`
/// aside), so those are a map; a glob is split into segments as [`glob::segments`] splits
/// it and stored in a trie whose edges are literal segments, `*` (one segment) and `**`
/// (any number of segments).
#[derive(Default)]
struct PathIndex {
    exact: HashMap<String, Vec<usize>, FxBuild>,
    globs: PathNode,
}

#[derive(Default)]
struct PathNode {
    literal: HashMap<String, PathNode, FxBuild>,
    one: Option<Box<PathNode>>,
    any: Option<Box<PathNode>>,
    /// Rules whose pattern ends here.
    rules: Vec<usize>,
}

impl PathIndex {
    fn add(&mut self, pattern: &str, rule: usize) {
        if !pattern.contains('*') {
            self.exact.entry(pattern.trim_end_matches('/').to_owned()).or_default().push(rule);
            return;
        }
        let mut node = &mut self.globs;
        for seg in pattern.trim_matches('/').split('/') {
            node = match seg {
                "*" => node.one.get_or_insert_with(Box::default),
                "**" => node.any.get_or_insert_with(Box::default),
                lit => node.literal.entry(lit.to_owned()).or_default(),
            };
        }
        node.rules.push(rule);
    }

    /// Adds the rules whose pattern matches `path` to `out`.
    fn candidates(&self, path: &str, out: &mut Vec<usize>) {
        if !self.exact.is_empty() {
            if let Some(v) = self.exact.get(path.trim_end_matches('/')) {
                out.extend(v);
            }
        }
        let g = &self.globs;
        if g.literal.is_empty() && g.one.is_none() && g.any.is_none() && g.rules.is_empty() {
            return;
        }
        g.collect(&glob::segments(path), out);
    }
}

impl PathNode {
    /// The rules whose pattern matches `segs`: the trie run as an NFA, one set of active
    /// nodes per path segment, so that nested `**` cost (segments × nodes) at most
    /// instead of trying every split of the path (exponential in the number of `**`).
    fn collect(&self, segs: &[&str], out: &mut Vec<usize>) {
        let mut active = Active::default();
        active.reach(self, false);
        for seg in segs {
            let mut next = Active::default();
            for &(node, looping) in &active.states {
                if looping {
                    // Inside a `**` edge: it consumes this segment too.
                    next.reach(node, true);
                    continue;
                }
                if let Some(n) = node.literal.get(*seg) {
                    next.reach(n, false);
                }
                if let Some(n) = &node.one {
                    next.reach(n, false);
                }
            }
            if next.states.is_empty() {
                return;
            }
            active = next;
        }
        for (node, looping) in active.states {
            if !looping {
                out.extend(&node.rules);
            }
        }
    }
}

/// Trie positions reached after some segments: `(node, false)` is at the node, `(node,
/// true)` is inside the `**` edge that leads to it. Each position is held once: a linear
/// scan finds it among the few a request usually reaches; past [`Active::SCAN`] of them
/// a hash set takes over, so that many globs never cost a quadratic scan.
#[derive(Default)]
struct Active<'a> {
    states: Vec<(&'a PathNode, bool)>,
    seen: Option<std::collections::HashSet<(usize, bool), FxBuild>>,
}

impl<'a> Active<'a> {
    const SCAN: usize = 32;

    fn reach(&mut self, node: &'a PathNode, looping: bool) {
        let key = (node as *const PathNode as usize, looping);
        let new = match &mut self.seen {
            Some(seen) => seen.insert(key),
            None if self.states.len() < Self::SCAN => {
                !self.states.iter().any(|(n, l)| std::ptr::eq(*n, node) && *l == looping)
            }
            None => {
                let mut seen: std::collections::HashSet<(usize, bool), FxBuild> =
                    self.states.iter().map(|(n, l)| (*n as *const PathNode as usize, *l)).collect();
                let new = seen.insert(key);
                self.seen = Some(seen);
                new
            }
        };
        if !new {
            return;
        }
        self.states.push((node, looping));
        if looping {
            // A `**` may stop consuming here.
            self.reach(node, false);
        } else if let Some(any) = &node.any {
            self.reach(any, true);
        }
    }
}

pub struct Faults {
    index: RwLock<Arc<Index>>,
    /// How many rules the index holds, kept beside it (written under its write lock) so
    /// that the request path's "any rules?" costs one atomic load and no shared lock.
    len: AtomicUsize,
    next_seq: AtomicU64,
    rng: Ids,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Faults {
            index: RwLock::new(Arc::new(Index::default())),
            len: AtomicUsize::new(0),
            next_seq: AtomicU64::new(1),
            rng: Ids::new(seed ^ 0x6661_756c_7473), // "faults"
        }
    }

    fn snapshot(&self) -> Arc<Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn is_empty(&self) -> bool {
        self.len.load(Ordering::Acquire) == 0
    }

    /// Installs a new index (under the write lock `guard`).
    fn install(&self, guard: &mut Arc<Index>, rules: Vec<Arc<Rule>>) {
        self.len.store(rules.len(), Ordering::Release);
        *guard = Arc::new(Index::build(rules));
    }

    /// Adds rules (all or none); answers their ids. Ids must be new.
    pub fn add(&self, specs: Vec<RuleSpec>, catalog: &dyn Catalog) -> Result<Vec<String>, String> {
        for s in &specs {
            s.validate(catalog)?;
        }
        let mut guard = self.index.write().unwrap_or_else(|p| p.into_inner());
        let mut rules = guard.rules.clone();
        let mut ids = Vec::new();
        for spec in specs {
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            let id = spec.id.clone().unwrap_or_else(|| format!("fault-{seq}"));
            if rules.iter().any(|r| r.id == id) || ids.contains(&id) {
                return Err(format!("a fault rule with id '{id}' already exists"));
            }
            ids.push(id.clone());
            rules.push(Arc::new(Rule { id, spec, matched: AtomicU64::new(0), fired: AtomicU64::new(0), seq }));
        }
        self.install(&mut guard, rules);
        Ok(ids)
    }

    /// Removes one rule; `false` when there is none.
    pub fn remove(&self, id: &str) -> bool {
        let mut guard = self.index.write().unwrap_or_else(|p| p.into_inner());
        let before = guard.rules.len();
        let rules: Vec<Arc<Rule>> = guard.rules.iter().filter(|r| r.id != id).cloned().collect();
        let removed = rules.len() != before;
        self.install(&mut guard, rules);
        removed
    }

    pub fn clear(&self) {
        let mut guard = self.index.write().unwrap_or_else(|p| p.into_inner());
        self.install(&mut guard, Vec::new());
    }

    /// Back to no rules, the RNG at the seed's start.
    pub fn reset(&self) {
        self.clear();
        self.next_seq.store(1, Ordering::Relaxed);
        self.rng.reset();
    }

    pub fn list(&self) -> Vec<Arc<Rule>> {
        self.snapshot().rules.clone()
    }

    /// The first rule that fires for this request, if any (counters updated).
    pub fn check(&self, probe: &Probe) -> Option<Fired> {
        let idx = self.snapshot();
        if idx.rules.is_empty() {
            return None;
        }
        let mut body: Option<Option<Value>> = None;
        for i in idx.candidates(probe.class, probe.path) {
            let rule = &idx.rules[i];
            if !matches(&rule.spec.matcher, probe, &mut body) {
                continue;
            }
            let seen = rule.matched.fetch_add(1, Ordering::Relaxed) + 1;
            let s = &rule.spec.schedule;
            let secs = probe.now.millis() as f64 / 1000.0;
            if s.after.is_some_and(|a| seen <= a)
                || s.from.is_some_and(|f| secs < f)
                || s.until.is_some_and(|u| secs > u)
                || s.times.is_some_and(|t| rule.fired.load(Ordering::Relaxed) >= t)
            {
                continue;
            }
            if let Some(p) = s.probability {
                if self.rng.unit() >= p {
                    continue;
                }
            }
            // `times` under concurrency: only the requests that win the increment fire.
            let fired = rule.fired.fetch_add(1, Ordering::Relaxed);
            if s.times.is_some_and(|t| fired >= t) {
                rule.fired.fetch_sub(1, Ordering::Relaxed);
                continue;
            }
            return Some(Fired { rule: rule.id.clone(), effect: self.effect(&rule.spec.action, probe.now) });
        }
        None
    }

    fn effect(&self, action: &Action, now: SimInstant) -> Effect {
        match action {
            Action::Status { status, retry_after } => Effect::Status { status: *status, retry_after: *retry_after },
            Action::Latency { ms, min_ms, max_ms, mean_ms, stddev_ms, simulated } => {
                let ms = match (ms, min_ms, max_ms, mean_ms, stddev_ms) {
                    (Some(ms), ..) => *ms,
                    (None, Some(lo), Some(hi), None, _) => self.rng.range(*lo, *hi),
                    (None, _, cap, Some(mean), Some(sd)) => {
                        // Box-Muller from two seeded draws, clamped to [0, cap].
                        let (u1, u2) = (self.rng.unit().max(f64::MIN_POSITIVE), self.rng.unit());
                        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                        let v = (*mean as f64 + z * *sd as f64).max(0.0);
                        (v as u64).min(cap.unwrap_or(MAX_DELAY_MS))
                    }
                    _ => 0,
                };
                if *simulated {
                    Effect::DelayUntil(SimInstant(now.millis().saturating_add(ms)))
                } else {
                    Effect::Delay(Duration::from_millis(ms))
                }
            }
            Action::Reset => Effect::Reset,
            Action::Truncate { after_bytes } => Effect::Truncate { after_bytes: *after_bytes },
            Action::SlowBody { bytes_per_chunk, chunk_ms } => {
                Effect::SlowBody { bytes_per_chunk: *bytes_per_chunk, chunk: Duration::from_millis(*chunk_ms) }
            }
            Action::Hang { ms } => Effect::Hang(Duration::from_millis(*ms)),
            Action::Resource { state, fail_next_transition, stall_seconds, cpu_percent, resource_id } => {
                let fault = match (state, fail_next_transition, stall_seconds, cpu_percent) {
                    (Some(s), ..) => ResourceFault::ForceState(s.clone()),
                    (None, Some(true), ..) => ResourceFault::FailNextTransition,
                    (None, _, Some(secs), _) => ResourceFault::Stall { seconds: *secs },
                    (None, _, None, Some(p)) => ResourceFault::CpuLoad { percent: *p },
                    _ => ResourceFault::FailNextTransition,
                };
                Effect::Resource { fault, resource_id: resource_id.clone() }
            }
        }
    }
}

fn matches(m: &Match, p: &Probe, body: &mut Option<Option<Value>>) -> bool {
    if let Some(provider) = &m.provider {
        if p.class.is_none_or(|c| c.provider != provider) {
            return false;
        }
    }
    if let Some(op) = &m.operation {
        if p.class.is_none_or(|c| c.operation != op) {
            return false;
        }
    }
    if let Some(method) = &m.method {
        if !method.eq_ignore_ascii_case(p.method) {
            return false;
        }
    }
    if let Some(tenant) = &m.tenant {
        if p.class.and_then(|c| c.tenant.as_deref()) != Some(tenant.as_str()) {
            return false;
        }
    }
    if let Some(path) = &m.path {
        if !glob_path(path, p.path) {
            return false;
        }
    }
    if let Some(headers) = &m.header {
        for (name, want) in headers {
            if p.headers.get(name.as_str()).and_then(|v| v.to_str().ok()) != Some(want.as_str()) {
                return false;
            }
        }
    }
    if let Some(fields) = &m.body {
        let parsed = body.get_or_insert_with(|| serde_json::from_slice::<Value>(p.body).ok());
        let Some(doc) = parsed.as_ref() else { return false };
        for (field, want) in fields {
            if json_at(doc, field) != Some(want) {
                return false;
            }
        }
    }
    true
}

/// A path pattern without wildcards matches only the same path (unlike journal filters,
/// which take prefixes).
fn glob_path(pattern: &str, path: &str) -> bool {
    if pattern.contains('*') {
        glob::glob_matches(pattern, path)
    } else {
        pattern.trim_end_matches('/') == path.trim_end_matches('/')
    }
}

/// A value inside a JSON document by JSON pointer (`/a/0/b`) or dotted path (`a.0.b`).
pub fn json_at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if path.starts_with('/') || path.is_empty() {
        return doc.pointer(path);
    }
    path.split('.').try_fold(doc, |v, seg| match v {
        Value::Object(o) => o.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Value) -> RuleSpec {
        serde_json::from_value(v).unwrap()
    }

    fn probe<'a>(class: &'a Classified, headers: &'a hyper::HeaderMap, now: u64) -> Probe<'a> {
        Probe {
            method: "POST",
            path: "/v1/organizations/o/services",
            headers,
            body: b"{\"name\":\"a\"}",
            class: Some(class),
            now: SimInstant::from_secs(now),
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(serde_json::from_value::<RuleSpec>(json!({"action": {"kind": "status"}, "extra": 1})).is_err());
        assert!(serde_json::from_value::<RuleSpec>(json!({"action": {"kind": "nope"}})).is_err());
        assert!(serde_json::from_value::<RuleSpec>(json!({"action": {"kind": "status", "ms": 1}})).is_err());
        let s = spec(json!({"action": {"kind": "status", "status": 200}}));
        assert!(s.validate(&Names(&["clickhouse"])).unwrap_err().contains("action.status"));
        let s = spec(json!({"match": {"provider": "x"}, "action": {"kind": "reset"}}));
        assert!(s.validate(&Names(&["clickhouse"])).unwrap_err().contains("match.provider"));
        let s = spec(json!({"action": {"kind": "latency", "ms": 5, "min_ms": 1}}));
        assert!(s.validate(&Names(&["clickhouse"])).is_err());
    }

    #[test]
    fn schedule_after_times_window_and_precedence() {
        let f = Faults::new(1);
        let providers = Names(&["clickhouse"]);
        f.add(vec![spec(json!({"id": "a", "match": {"operation": "createService"}, "action": {"kind": "status", "status": 503}, "schedule": {"after": 1, "times": 2}}))], &providers).unwrap();
        f.add(vec![spec(json!({"id": "b", "match": {"provider": "clickhouse"}, "action": {"kind": "status", "status": 429}, "schedule": {"from": 100}}))], &providers).unwrap();
        let class = Classified { provider: "clickhouse", operation: "createService", tenant: Some("o".into()) };
        let h = hyper::HeaderMap::new();
        let fired: Vec<Option<String>> = (0..5).map(|_| f.check(&probe(&class, &h, 0)).map(|x| x.rule)).collect();
        assert_eq!(fired, [None, Some("a".into()), Some("a".into()), None, None]);
        assert_eq!(f.check(&probe(&class, &h, 100)).map(|x| x.rule), Some("b".into()));
        assert!(f.remove("b"));
        assert!(!f.remove("b"));
        assert!(f.add(vec![spec(json!({"id": "a", "action": {"kind": "reset"}}))], &providers).is_err());
    }

    #[test]
    fn body_and_header_matching() {
        let f = Faults::new(1);
        f.add(
            vec![spec(
                json!({"match": {"body": {"name": "a"}, "header": {"x-test": "1"}}, "action": {"kind": "reset"}}),
            )],
            &Names(&["clickhouse"]),
        )
        .unwrap();
        let class = Classified { provider: "clickhouse", operation: "createService", tenant: None };
        let mut h = hyper::HeaderMap::new();
        assert!(f.check(&probe(&class, &h, 0)).is_none());
        h.insert("x-test", "1".parse().unwrap());
        assert_eq!(f.check(&probe(&class, &h, 0)).unwrap().effect, Effect::Reset);
    }

    #[test]
    fn probability_is_seeded() {
        let run = || {
            let f = Faults::new(9);
            f.add(
                vec![spec(json!({"action": {"kind": "reset"}, "schedule": {"probability": 0.5}}))],
                &Names(&["clickhouse"]),
            )
            .unwrap();
            let class = Classified { provider: "clickhouse", operation: "x", tenant: None };
            let h = hyper::HeaderMap::new();
            (0..32).map(|_| f.check(&probe(&class, &h, 0)).is_some()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }

    #[test]
    fn the_path_index_finds_exactly_the_rules_whose_pattern_matches() {
        let patterns = [
            "/v1/organizations/*/services",
            "/v1/organizations/*/services/*",
            "/v1/organizations/o/services/",
            "/v1/organizations/o/services",
            "/v1/**",
            "/v1/**/services/*",
            "/**",
            "/**/x",
            "/**/**/x",
            "/a/**/b/*",
            "/a//b",
            "/a/*/",
            "/a*b/*",
            "/*",
            "/",
            "/**/",
            "/x/**/**",
        ];
        let paths = [
            "/",
            "//",
            "/v1",
            "/v1/",
            "/v1/organizations/o/services",
            "/v1/organizations/o/services/",
            "/v1/organizations/o/services/s",
            "/v1/organizations/o/services/s/state",
            "/a/b",
            "/a//b",
            "/a/x/y/b/z",
            "/a/b/z",
            "/a*b/c",
            "/ab/c",
            "/x",
            "//x",
            "/y/x",
            "/x/x/x",
        ];
        let mut index = PathIndex::default();
        for (i, p) in patterns.iter().enumerate() {
            index.add(p, i);
        }
        for path in paths {
            let mut found = Vec::new();
            index.candidates(path, &mut found);
            found.sort_unstable();
            found.dedup();
            let want: Vec<usize> = (0..patterns.len()).filter(|&i| glob_path(patterns[i], path)).collect();
            assert_eq!(found, want, "{path}");
        }
    }

    #[test]
    fn glob_segments_split_as_path_matches_does() {
        for path in ["/v1/organizations/o/services", "/", "", "//", "/a//b/", "a", "/é/x/"] {
            let want: Vec<&str> = path.trim_matches('/').split('/').collect();
            assert_eq!(glob::segments(path), want, "{path:?}");
        }
    }

    #[test]
    fn nested_double_stars_in_the_index_cost_no_more_than_the_path_is_long() {
        // Every split of 5,000 segments over 20 `**` would never finish.
        let mut index = PathIndex::default();
        index.add(&format!("{}/never", "/**".repeat(20)), 0);
        index.add(&format!("{}/a", "/**".repeat(20)), 1);
        let path = "/a".repeat(5_000);
        let mut found = Vec::new();
        index.candidates(&path, &mut found);
        assert_eq!(found, vec![1]);
    }

    #[test]
    fn rules_for_other_paths_are_not_candidates() {
        let f = Faults::new(1);
        let rules: Vec<RuleSpec> = (0..100)
            .map(|i| {
                spec(json!({"match": {"path": format!("/v1/organizations/*/keys/k{i}")}, "action": {"kind": "reset"}}))
            })
            .chain([spec(
                json!({"id": "mine", "match": {"path": "/v1/organizations/*/services"}, "action": {"kind": "reset"}}),
            )])
            .collect();
        f.add(rules, &Names(&["clickhouse"])).unwrap();
        let idx = f.snapshot();
        assert_eq!(idx.candidates(None, "/v1/organizations/o/services"), vec![100]);
        assert_eq!(idx.candidates(None, "/v1/organizations/o/keys/k7"), vec![7]);
        let class = Classified { provider: "clickhouse", operation: "createService", tenant: None };
        let h = hyper::HeaderMap::new();
        assert_eq!(f.check(&probe(&class, &h, 0)).map(|x| x.rule), Some("mine".into()));
    }

    #[test]
    fn json_paths() {
        let v = json!({"a": {"b": [1, {"c": 2}]}});
        assert_eq!(json_at(&v, "a.b.1.c"), Some(&json!(2)));
        assert_eq!(json_at(&v, "/a/b/0"), Some(&json!(1)));
        assert_eq!(json_at(&v, "a.x"), None);
    }
}
