//! The simulator's core state: clock, due transitions, fault rules, journal, knobs,
//! reset, state dump and restore.
//!
//! [`Core`] owns the clock, the seeded ids, the lifecycle heap (provider transitions),
//! the timeline heap (scenario actions), the fault rules, the journal, the metrics
//! counters and the [`World`] of provider resources. The request path over them lives
//! one level up, in `crate::pipeline`, which may call the control API; nothing here does.
//!
//! What happens here is told as it happens: transitions, clock moves and timeline fault
//! changes are logged (`tracing`, targets `dbaas_sim::transition`, ...) and published on
//! the live feed ([`crate::feed`]).
//!
//! Every change goes through here or through `crate::pipeline` (a request that is not
//! a read, a due event, an advance, a reset, a restore), and each marks
//! [`Core::changes`], which is what the state file's writer waits on (`crate::persist`).
//!
//! May touch: every core module, `crate::providers` through `World` only,
//! `crate::timeline`. Must not touch: `pipeline`, `admin`, `scenario`, `server`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::clock::{Clock, ClockMode, SimInstant};
use crate::config::KnobSet;
use crate::dump::StateOut;
use crate::faults::Faults;
use crate::feed::{Feed, Kind};
use crate::ids::Ids;
use crate::journal::Journal;
use crate::lifecycle::Lifecycle;
use crate::persist::Changes;
use crate::providers::{Cx, Event, Transition, World};
use crate::store::Counters;
use crate::timeline::TimelineAction;

/// The longest one advance may move the clock: ten simulated years. Every due event on
/// the way is applied, and periodic chains (a backup every 6 hours of every service) make
/// that work proportional to the span, so one call must not ask for millennia.
pub const MAX_ADVANCE: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `"format"` of every state dump: what tells a dump of this simulator from any other
/// JSON file.
pub const STATE_FORMAT: &str = "dbaas-sim-state";

/// Runs work that may take long (a dump of a large world, an advance over years) so that
/// the other requests on this worker thread move to another one meanwhile: with
/// `block_in_place` on a multi-threaded runtime (the server's), as is on any other (an
/// in-process caller on a current-thread runtime has nobody else to serve). The work
/// itself holds no table lock for long: dumps go a row at a time, advances one event at
/// a time. The control API and the request path (dumps for in-process callers and
/// `HEAD`) both use it.
pub fn offload<R>(work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// `"version"` of the state dumps this build writes and reads. Bumped when a dump of the
/// previous version would no longer restore to the same world.
pub const STATE_VERSION: u64 = 1;

/// Checks a dump's `format` and `version`. `required`: a dump without them is refused
/// too (a state file); otherwise it is taken as a hand-written partial state
/// (`PUT /_sim/state`).
pub fn check_format(dump: &Value, required: bool) -> Result<(), String> {
    let Some(obj) = dump.as_object() else {
        return Err("is not a dbaas-sim state dump: not a JSON object".into());
    };
    match obj.get("format") {
        None if !required => return Ok(()),
        None => {
            return Err(format!(
                "is not a dbaas-sim state dump: it has no \"format\": \"{STATE_FORMAT}\" (left as it is)"
            ))
        }
        Some(Value::String(f)) if f == STATE_FORMAT => {}
        Some(other) => {
            return Err(format!("is not a dbaas-sim state dump: its format is {other}, not \"{STATE_FORMAT}\""))
        }
    }
    match obj.get("version") {
        Some(v) if v.as_u64() == Some(STATE_VERSION) => Ok(()),
        Some(v) => Err(format!(
            "is a dbaas-sim state dump of version {v}, which this dbaas-sim (version {}) cannot read; \
             it reads version {STATE_VERSION}",
            env!("CARGO_PKG_VERSION")
        )),
        None => Err("is a dbaas-sim state dump without a version".into()),
    }
}

/// The transitions a run of due events applied: the first `keep` in time order, and the
/// count of all of them.
#[derive(Debug, Default)]
pub struct Applied {
    pub transitions: Vec<Transition>,
    pub total: usize,
    keep: usize,
}

impl Applied {
    pub fn keeping(keep: usize) -> Self {
        Applied { transitions: Vec::new(), total: 0, keep }
    }

    /// Transitions a provider coalesced: counted, never listed.
    fn count_coalesced(&mut self, n: u64) {
        self.total = self.total.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
    }

    fn extend(&mut self, changes: Vec<Transition>) {
        self.total += changes.len();
        let room = self.keep.saturating_sub(self.transitions.len());
        self.transitions.extend(changes.into_iter().take(room));
    }

    /// Whether some transitions were counted but not kept.
    pub fn truncated(&self) -> bool {
        self.total > self.transitions.len()
    }
}

/// Metric key: provider, operation, status.
pub type RequestKey = (&'static str, &'static str, u16);

pub struct Core {
    pub clock: Clock,
    pub ids: Ids,
    pub lifecycle: Lifecycle<Event>,
    /// Scenario timeline actions, due at their simulated time.
    pub timeline: Lifecycle<TimelineAction>,
    pub faults: Faults,
    /// Wakes responses that wait for simulated time (latency faults with
    /// `simulated: true`) whenever the clock is advanced.
    pub clock_moved: Notify,
    pub journal: Journal,
    /// What happens, as it happens (`GET /_sim/events`).
    pub feed: Feed,
    pub world: World,
    pub requests: Counters<RequestKey>,
    /// Serialises clock advances and due-event runs, so events apply one at a time in
    /// time order. Never held across an `.await`.
    run_lock: Mutex<()>,
    /// A clock advance is under way: requests leave due events to it instead of waiting
    /// on `run_lock` for the whole advance.
    advancing: AtomicBool,
    /// Marked by every change; the state file's writer waits on it.
    pub changes: Changes,
    pub started: Instant,
}

impl Core {
    pub fn new(mode: ClockMode, seed: u64, journal_size: usize) -> Self {
        let clock = Clock::new(mode);
        let ids = Ids::new(seed);
        let lifecycle = Lifecycle::default();
        let world = {
            let cx = Cx { now: SimInstant::ZERO, clock: &clock, ids: &ids, lifecycle: &lifecycle, peer: local() };
            World::new(&cx)
        };
        Core {
            clock,
            ids,
            lifecycle,
            timeline: Lifecycle::default(),
            faults: Faults::new(seed),
            clock_moved: Notify::new(),
            journal: Journal::new(journal_size),
            feed: Feed::default(),
            world,
            requests: Counters::default(),
            run_lock: Mutex::new(()),
            advancing: AtomicBool::new(false),
            changes: Changes::default(),
            started: Instant::now(),
        }
    }

    pub fn cx(&self, now: SimInstant, peer: SocketAddr) -> Cx<'_> {
        Cx { now, clock: &self.clock, ids: &self.ids, lifecycle: &self.lifecycle, peer }
    }

    pub fn knobs(&self) -> Vec<&dyn KnobSet> {
        self.world.knobs()
    }

    /// Sets one knob by its dotted name.
    pub fn set_knob(&self, name: &str, value: &serde_json::Value) -> Result<(), String> {
        let prefix = name.split('.').next().unwrap_or("");
        let set =
            self.knobs().into_iter().find(|k| k.prefix() == prefix).ok_or_else(|| format!("unknown knob '{name}'"))?;
        set.set(name, value)
    }

    /// Checks a knob assignment without applying it.
    pub fn check_knob(&self, name: &str, value: &serde_json::Value) -> Result<(), String> {
        let prefix = name.split('.').next().unwrap_or("");
        let set =
            self.knobs().into_iter().find(|k| k.prefix() == prefix).ok_or_else(|| format!("unknown knob '{name}'"))?;
        set.check(name, value)
    }

    /// Applies every event due at or before `until`, each with the clock reading its own
    /// due time; events that an apply schedules run in the same loop when due.
    pub fn run_due(&self, until: SimInstant) -> Applied {
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut applied = Applied::keeping(0);
        self.run_due_locked(until, until, &mut applied);
        applied
    }

    /// Whether a request should run due events itself: not while an advance is under
    /// way (it applies them, and waiting for it would stall every request, the health
    /// check included, for as long as it runs).
    pub fn should_run_due(&self) -> bool {
        !self.advancing.load(Ordering::Acquire)
    }

    /// Applies the events due up to `until`. `target`: where the run as a whole goes
    /// (an advance's end), the providers' horizon for coalescing periodic chains.
    fn run_due_locked(&self, until: SimInstant, target: SimInstant, applied: &mut Applied) {
        loop {
            // Both heaps in time order; at equal times the timeline goes first, so a fault
            // added "at T" is in force for the transitions of T. The timeline is looked at
            // through its lock-free hint first: it is empty in most runs, and this loop
            // goes round once per due event.
            let timeline = if self.timeline.is_due(until.max(target)) { self.timeline.next_due() } else { None };
            let next_timeline = timeline.filter(|d| *d <= until);
            // Provider events strictly before the next timeline action go first, taken
            // with one lock of the schedule each (no peek first).
            let events_until = match next_timeline {
                Some(t) => t.0.checked_sub(1).map(SimInstant),
                None => Some(until),
            };
            if let Some((due, event)) = events_until.and_then(|u| self.lifecycle.pop_due(u)) {
                // Nothing but due events happens before the next timeline action.
                let horizon = match timeline {
                    Some(t) => target.min(SimInstant(t.0.saturating_sub(1))),
                    None => target,
                };
                self.lifecycle.set_horizon(horizon);
                let cx = self.cx(due, local());
                let changes = self.world.apply(event, &cx);
                self.lifecycle.set_horizon(SimInstant::ZERO);
                self.lifecycle.count_applied(changes.len() as u64);
                self.announce(&changes);
                applied.extend(changes);
                applied.count_coalesced(self.lifecycle.take_coalesced());
                self.changes.mark();
                continue;
            }
            let Some(t) = next_timeline else { break };
            if let Some((due, action)) = self.timeline.pop_due(t) {
                let changes = self.run_timeline(due, action);
                self.announce(&changes);
                applied.extend(changes);
                self.changes.mark();
            }
        }
    }

    /// Applies one scenario timeline action at its due time.
    fn run_timeline(&self, due: SimInstant, action: TimelineAction) -> Vec<Transition> {
        let cx = self.cx(due, local());
        let result = match action {
            TimelineAction::AddFault(rule) => self.faults.add(vec![*rule], &self.world).map(|ids| {
                self.feed.publish(Kind::Fault, &json!({"change": "added", "ids": ids}));
                Vec::new()
            }),
            TimelineAction::RemoveFault(id) => {
                if self.faults.remove(&id) {
                    self.feed.publish(Kind::Fault, &json!({"change": "removed", "ids": [id]}));
                }
                Ok(Vec::new())
            }
            TimelineAction::Break(b) => {
                let fault = match (&b.state, b.fail_next_transition, b.stall_seconds) {
                    (Some(s), _, _) => crate::faults::ResourceFault::ForceState(s.clone()),
                    (None, Some(true), _) => crate::faults::ResourceFault::FailNextTransition,
                    (None, _, Some(secs)) => crate::faults::ResourceFault::Stall { seconds: secs },
                    _ => return Vec::new(),
                };
                self.world.resource_fault(&b.provider, None, &b.resource_id, &fault, &cx)
            }
            TimelineAction::Advance(secs) => {
                self.clock.advance(Duration::from_secs_f64(secs));
                Ok(Vec::new())
            }
        };
        result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "timeline action failed");
            Vec::new()
        })
    }

    /// Logs and publishes state changes, wherever they were applied.
    pub fn announce(&self, transitions: &[Transition]) {
        for t in transitions {
            tracing::info!(
                target: "dbaas_sim::transition",
                provider = t.provider,
                kind = t.kind,
                id = %t.id,
                from = %t.from,
                to = %t.to,
                at = %t.at,
                "transition"
            );
            self.feed.publish(Kind::Transition, t);
        }
    }

    /// Publishes where the clock is now (after an advance, a reset or a restore).
    fn announce_clock(&self, why: &str) {
        if self.feed.is_watched() {
            let now = self.clock.now();
            self.feed.publish(
                Kind::Clock,
                &json!({"change": why, "mode": self.clock.mode().name(), "now": self.clock.iso(now), "elapsedMs": now.millis()}),
            );
        }
    }

    fn next_due(&self) -> Option<SimInstant> {
        match (self.lifecycle.next_due(), self.timeline.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The real-time driver's view: the earliest event of either heap.
    pub fn next_event_due(&self) -> Option<SimInstant> {
        self.next_due()
    }

    /// Moves the clock forward by `d` (at most [`MAX_ADVANCE`] per call), stepping
    /// through every due event in time order, and answers the new time and the
    /// transitions applied: the first `keep` of them in order, and how many in all, so
    /// that an advance over years of periodic events answers in bounded memory.
    /// Providers may coalesce periodic chains up to the advance's end (counted, not
    /// listed); `keep == usize::MAX` (every transition asked for) turns that off.
    pub fn advance(&self, d: Duration, keep: usize) -> (SimInstant, Applied) {
        let d = d.min(MAX_ADVANCE);
        let applied = {
            let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
            self.advancing.store(true, Ordering::Release);
            let mut target = self.clock.now().plus(d);
            let mut applied = Applied::keeping(keep);
            loop {
                match self.next_due() {
                    Some(due) if due <= target => {
                        self.clock.advance_to(due);
                        let horizon = if keep == usize::MAX { due } else { target };
                        self.run_due_locked(due, horizon, &mut applied);
                        // A timeline `advance` may have jumped past the target.
                        target = target.max(self.clock.now());
                    }
                    _ => break,
                }
            }
            self.clock.advance_to(target);
            self.advancing.store(false, Ordering::Release);
            applied
        };
        self.changes.mark();
        self.clock_moved.notify_waiters();
        self.announce_clock("advanced");
        (self.clock.now(), applied)
    }

    /// Back to the default identities, an empty world, the clock at its start, the
    /// startup knobs, the seed's first id, an empty journal.
    pub fn reset(&self) {
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.clock.reset();
        self.ids.reset();
        self.lifecycle.clear();
        self.timeline.clear();
        self.faults.reset();
        self.journal.clear();
        self.requests.clear();
        for k in self.knobs() {
            k.reset();
        }
        let cx = self.cx(SimInstant::ZERO, local());
        self.world.reset(&cx);
        drop(_run);
        self.changes.mark();
        self.clock_moved.notify_waiters();
        tracing::info!("reset");
        self.announce_clock("reset");
        self.feed.publish(Kind::Fault, &json!({"change": "cleared"}));
    }

    /// Everything a `PUT /_sim/state` can bring back: clock, knobs, resources, pending
    /// transitions, timeline, fault rules, as a `Value` (the Rust API and the scenario
    /// loader; it parses [`Core::write_dump`]'s text).
    pub fn dump(&self) -> Value {
        serde_json::from_slice(&self.dump_bytes()).unwrap_or(Value::Null)
    }

    /// [`Core::write_dump`] into memory, compact.
    pub fn dump_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        // Writing to memory cannot fail.
        let _ = self.write_dump(&mut bytes, false);
        bytes
    }

    /// Writes the state dump to `out` as it goes, a row at a time: `format`, `version`,
    /// `clock`, `settings`, `providers` (each provider's [`crate::provider::Provider::write_state`]),
    /// `pending`, `timeline`, `faults`. Holds no lock of a table or of the schedule while
    /// bytes go to `out` (which may be a slow client): a row, or the schedule's list of
    /// pending events, is copied out first. An error is `out`'s: the dump stops there.
    pub fn write_dump(&self, out: &mut dyn std::io::Write, pretty: bool) -> std::io::Result<()> {
        /// A row of `pending` (`action` empty) or of `timeline` (`event` empty).
        #[derive(serde::Serialize)]
        struct Due<'a> {
            due: String,
            #[serde(rename = "dueMs")]
            due_ms: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            event: Option<&'a Event>,
            #[serde(skip_serializing_if = "Option::is_none")]
            action: Option<&'a TimelineAction>,
        }
        let now = self.clock.now();
        let cx = self.cx(now, local());
        let mut out = StateOut::new(out, pretty);
        out.object()?;
        out.field("format", STATE_FORMAT)?;
        out.field("version", &STATE_VERSION)?;
        out.field(
            "clock",
            &json!({"mode": self.clock.mode().name(), "now": self.clock.iso(now), "elapsedMs": now.millis()}),
        )?;
        let settings: serde_json::Map<String, Value> =
            self.knobs().iter().flat_map(|k| k.list()).map(|k| (k.name, k.value)).collect();
        out.field("settings", &settings)?;
        out.key("providers")?;
        self.world.write_state(&cx, &mut out)?;
        out.key("pending")?;
        out.array()?;
        for (due, event) in self.lifecycle.pending() {
            let row = Due { due: self.clock.iso(due), due_ms: due.millis(), event: Some(&event), action: None };
            out.value(&row)?;
        }
        out.end()?;
        out.key("timeline")?;
        out.array()?;
        for (due, action) in self.timeline.pending() {
            let row = Due { due: self.clock.iso(due), due_ms: due.millis(), event: None, action: Some(&action) };
            out.value(&row)?;
        }
        out.end()?;
        out.key("faults")?;
        out.array()?;
        for rule in self.faults.list() {
            out.value(&rule.spec)?;
        }
        out.end()?;
        out.end()?;
        out.flush()
    }

    /// Restores a [`Core::dump`]: all or nothing. The clock moves to the dump's time when
    /// that is later than now (it never goes back); ids continue from the current seed
    /// stream.
    pub fn restore(&self, dump: &Value) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Due<T> {
            #[serde(rename = "dueMs")]
            due_ms: u64,
            #[serde(alias = "action")]
            event: T,
        }
        let obj = dump.as_object().ok_or("the state must be a JSON object")?;
        check_format(dump, false).map_err(|e| format!("the state {e}"))?;
        let parse_list = |name: &str| -> Result<Vec<Value>, String> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => Ok(a.clone()),
                Some(_) => Err(format!("{name} must be an array")),
            }
        };
        let pending: Vec<Due<Event>> = parse_list("pending")?
            .into_iter()
            .enumerate()
            .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("pending[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        let timeline: Vec<Due<TimelineAction>> = parse_list("timeline")?
            .into_iter()
            .enumerate()
            .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("timeline[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        let faults: Vec<crate::faults::RuleSpec> = parse_list("faults")?
            .into_iter()
            .enumerate()
            .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("faults[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        for (i, f) in faults.iter().enumerate() {
            f.validate(&self.world).map_err(|e| format!("faults[{i}]: {e}"))?;
        }
        let settings = match obj.get("settings") {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err("settings must be an object".into()),
        };
        for (k, v) in &settings {
            self.check_knob(k, v).map_err(|e| format!("settings: {e}"))?;
        }
        let providers = obj.get("providers").cloned().unwrap_or(Value::Null);
        let elapsed = obj.get("clock").and_then(|c| c.get("elapsedMs")).and_then(Value::as_u64);
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.world.restore(&providers)?;
        for (k, v) in &settings {
            self.set_knob(k, v)?;
        }
        if let Some(ms) = elapsed {
            self.clock.advance_to(SimInstant(ms));
        }
        self.lifecycle.clear();
        for p in pending {
            self.lifecycle.at(SimInstant(p.due_ms), p.event);
        }
        self.timeline.clear();
        for t in timeline {
            self.timeline.at(SimInstant(t.due_ms), t.event);
        }
        self.faults.clear();
        self.faults.add(faults, &self.world)?;
        drop(_run);
        self.changes.mark();
        self.announce_clock("restored");
        self.feed.publish(Kind::Fault, &json!({"change": "restored"}));
        Ok(())
    }
}

pub(crate) fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
