//! The simulator's core state and its request path: dispatch, due transitions, journal.
//!
//! [`Core`] owns the clock, the seeded ids, the lifecycle heap, the journal, the metrics
//! counters and the [`World`] of provider resources. `Core::handle` is the one request
//! path shared by the HTTP server, scenario steps and the fuzzer: run due transitions,
//! dispatch to the control API or a provider, record the journal entry.
//!
//! May touch: every core module, `crate::providers` through `World` only, `crate::admin`.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::json;

use crate::clock::{Clock, ClockMode, SimInstant};
use crate::config::KnobSet;
use crate::http::{Reply, Request};
use crate::ids::Ids;
use crate::journal::{method_name, Entry, Journal};
use crate::lifecycle::Lifecycle;
use crate::providers::{Cx, Event, Transition, World};
use crate::store::Counters;

/// Metric key: provider, operation, status.
pub type RequestKey = (&'static str, &'static str, u16);

pub struct Core {
    pub clock: Clock,
    pub ids: Ids,
    pub lifecycle: Lifecycle<Event>,
    pub journal: Journal,
    pub world: World,
    pub requests: Counters<RequestKey>,
    /// Serialises clock advances and due-event runs, so events apply one at a time in
    /// time order. Never held across an `.await`.
    run_lock: Mutex<()>,
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
            journal: Journal::new(journal_size),
            world,
            requests: Counters::default(),
            run_lock: Mutex::new(()),
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

    /// Applies every event due at or before `until`, each with the clock reading its own
    /// due time; events that an apply schedules run in the same loop when due.
    pub fn run_due(&self, until: SimInstant) -> Vec<Transition> {
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.run_due_locked(until)
    }

    fn run_due_locked(&self, until: SimInstant) -> Vec<Transition> {
        let mut applied = Vec::new();
        while let Some((due, event)) = self.lifecycle.pop_due(until) {
            let cx = self.cx(due, local());
            let changes = self.world.apply(event, &cx);
            for _ in &changes {
                self.lifecycle.count_applied();
            }
            applied.extend(changes);
        }
        applied
    }

    /// Moves the clock forward by `d`, stepping through every due event in time order,
    /// and answers the new time and the transitions applied.
    pub fn advance(&self, d: Duration) -> (SimInstant, Vec<Transition>) {
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        let target = self.clock.now().plus(d);
        let mut applied = Vec::new();
        loop {
            match self.lifecycle.next_due() {
                Some(due) if due <= target => {
                    self.clock.advance_to(due);
                    applied.extend(self.run_due_locked(due));
                }
                _ => break,
            }
        }
        self.clock.advance_to(target);
        (self.clock.now(), applied)
    }

    /// Back to the default identities, an empty world, the clock at its start, the
    /// startup knobs, the seed's first id, an empty journal.
    pub fn reset(&self) {
        let _run = self.run_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.clock.reset();
        self.ids.reset();
        self.lifecycle.clear();
        self.journal.clear();
        self.requests.clear();
        for k in self.knobs() {
            k.reset();
        }
        let cx = self.cx(SimInstant::ZERO, local());
        self.world.reset(&cx);
    }

    /// The one request path: due transitions, dispatch, journal.
    pub fn handle(&self, req: Request) -> Reply {
        let started = Instant::now();
        let mut now = self.clock.now();
        if self.lifecycle.is_due(now) {
            self.run_due(now);
            now = self.clock.now();
        }
        let segs = req.segments();
        let (reply, provider, operation, tenant) = if segs.first() == Some(&"_sim") {
            let (reply, op) = crate::admin::handle(self, &req, &segs[1..]);
            (reply, "sim", op, None)
        } else {
            let cx = self.cx(now, req.peer);
            match self.world.handle(&req, &segs, &cx) {
                Some(h) => (h.reply, h.provider, h.operation, h.tenant),
                None => (
                    Reply::json(
                        StatusCode::NOT_FOUND,
                        &json!({"error": format!("no route for {} {}", req.method, req.path)}),
                    ),
                    "none",
                    "unknownRoute",
                    None,
                ),
            }
        };
        let status = reply.status.as_u16();
        self.requests.incr((provider, operation, status));
        // The journal's own reads are not journaled, so that reading it does not change it.
        let journaled = provider != "sim" || segs.get(1).is_none_or(|s| *s != "requests");
        drop(segs);
        if journaled && self.journal.capacity() > 0 {
            // The request is done with: its path and query move into the entry.
            self.journal.record(Entry {
                seq: 0,
                method: method_name(&req.method),
                path: req.path,
                query: req.query,
                provider: Cow::Borrowed(provider),
                operation: Cow::Borrowed(operation),
                tenant,
                status,
                sim_time_ms: now.millis(),
                sim_time: String::new(),
                latency_us: started.elapsed().as_micros() as u64,
                request_id: reply
                    .headers
                    .iter()
                    .find(|(n, _)| n.as_str() == "x-request-id")
                    .and_then(|(_, v)| v.to_str().ok())
                    .map(str::to_owned),
            });
        }
        reply
    }
}

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
