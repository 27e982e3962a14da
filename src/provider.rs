//! The provider seam: the one interface through which the core reaches every provider.
//!
//! A provider (ClickHouse Cloud, Oracle My Services, Fujitsu DBaaS, ...) owns its
//! resources, wire format, rules and state machine. The core (request pipeline, control
//! API, scenarios, state dump, metrics, fault engine) knows none of them: it holds the
//! registry of `crate::providers` and calls the methods of [`Provider`] on each entry, in
//! a loop, never through a `match` on a provider's name. A provider's scheduled events are
//! typed data of its own ([`Scheduled::Event`]); the registry wraps them in one enum so
//! that one lifecycle heap holds them all and applies them with static dispatch.
//!
//! Also here, because every provider needs them the same way: what a handler may use of
//! the core ([`Cx`]), a provider's answer with what the journal records of it
//! ([`Handled`]), a state change ([`Transition`]) and a row of the resource gauge
//! ([`ResourceCount`]).
//!
//! May touch: `crate::{clock, ids, lifecycle, http, config, faults, dump}` (types), and the
//! registry's event enum `crate::providers::Event` (the only thing it names there).

use std::net::SocketAddr;

use compact_str::CompactString;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::clock::{Clock, SimInstant};
use crate::config::KnobSet;
use crate::dump::StateOut;
use crate::faults::{Classified, ResourceFault};
use crate::http::{Reply, Request};
use crate::id::Id;
use crate::ids::Ids;
use crate::lifecycle::{Lifecycle, Owner};
use crate::providers::Event;

/// Everything the core asks of a provider. Object-safe: the core holds `&dyn Provider`.
pub trait Provider: Send + Sync + 'static {
    /// The provider with its default identities and no resources.
    fn new(cx: &Cx) -> Self
    where
        Self: Sized;

    /// The name used in fault rules, journal entries, metrics, the state dump, control
    /// paths (`/_sim/{name}/...`), knob prefixes and scenario sections.
    fn name(&self) -> &'static str;

    /// Whether a request path (segments without the empty ones) is this provider's, by
    /// its prefix. At most one provider owns a path.
    fn owns(&self, segs: &[&str]) -> bool;

    /// Operation and tenant of a request, before any handler runs (fault matching).
    fn classify(&self, req: &Request, segs: &[&str]) -> Classified;

    /// Answers one request of a path it owns, in its own wire format.
    fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Handled;

    /// Provider-specific control endpoints under `/_sim/{name}/...`; `None` when there
    /// is no such route.
    fn admin(&self, _req: &Request, _segs: &[&str], _cx: &Cx) -> Option<Reply> {
        None
    }

    /// Whether the control route `PUT /_sim/{name}/<segs>` takes an opaque body: a
    /// simulated presigned upload, which real clients send as `application/zip`,
    /// `application/octet-stream` or with no type at all. Such a route is exempt from
    /// the control API's JSON Content-Type rule (only that rule: the cross-site and token
    /// checks still apply). Only `PUT` routes qualify, because a browser cannot send a
    /// cross-site `PUT` without a preflight, whatever its Content-Type.
    fn admin_takes_opaque_body(&self, _segs: &[&str]) -> bool {
        false
    }

    /// The native error answer for a status injected by a fault rule.
    fn inject(&self, status: u16, retry_after: Option<u64>, cx: &Cx) -> Reply;

    /// The `(tenant, id)` of the resource a request names (`reply` absent: before the
    /// handler runs) or created (`reply` given).
    fn resource_target(&self, req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)>;

    /// Why `state` is no state a resource fault can force on any of this provider's
    /// resources (checked when a fault rule is added, so that a rule that could never
    /// apply is refused). Any case of a state's name is accepted.
    fn check_resource_state(&self, _state: &str) -> Result<(), String> {
        Ok(())
    }

    /// Puts a resource into one of the provider's failure states, or arms a failing or
    /// stalled next transition.
    fn resource_fault(
        &self,
        tenant: Option<&str>,
        id: &str,
        fault: &ResourceFault,
        cx: &Cx,
    ) -> Result<Vec<Transition>, String>;

    /// A scenario's `identities.<name>` section: more tenants, users, keys.
    fn seed_identities(&self, section: &Value, cx: &Cx) -> Result<(), String>;

    /// A scenario's `resources.<name>` section: resources in a chosen state.
    fn seed_resources(&self, section: &Value, cx: &Cx) -> Result<(), String>;

    /// Every resource, by kind: the provider's part of `GET /_sim/state` and of the
    /// state file, written as one JSON object to `out` (tables with
    /// [`StateOut::table`], a row at a time, so that neither the whole part nor a
    /// table's lock is held while it is written). An error is the sink's (a client that
    /// went away): stop and hand it back.
    fn write_state(&self, cx: &Cx, out: &mut StateOut<'_>) -> std::io::Result<()>;

    /// Parses a part of a state dump whole, changing nothing. The core checks every
    /// provider's part before it restores any, so a broken dump changes nothing.
    fn check_restore(&self, part: &Value) -> Result<(), String>;

    /// Replaces every table with a part of a state dump (already checked).
    fn restore(&self, part: &Value) -> Result<(), String>;

    /// Back to the default identities and no resources.
    fn reset(&self, cx: &Cx);

    /// The provider's knobs (prefix = its name).
    fn knobs(&self) -> &dyn KnobSet;

    /// Rows of the "resources by provider/kind/state" gauge.
    fn resource_counts(&self) -> Vec<ResourceCount>;

    /// The OpenAPI document of what it serves (`GET /_sim/openapi/{name}.json`); its
    /// operationIds are the operation names of the journal and of fault rules.
    fn openapi(&self) -> Value;

    /// Request headers of the default identity (scenario steps with `auth: <name>`).
    fn default_auth(&self) -> Vec<(String, String)>;

    /// Scenario variables naming the default identities (`clickhouse.org`, ...).
    fn variables(&self) -> Vec<(String, String)>;
}

/// A provider's scheduled events: typed data of its own, applied when due.
pub trait Scheduled: Provider {
    type Event: Serialize + DeserializeOwned + Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static;

    /// Applies a due event. Events are guarded: one whose resource has moved on (deleted,
    /// reset, changed by a fault) is a no-op and answers no transition.
    fn apply(&self, event: Self::Event, cx: &Cx) -> Vec<Transition>;

    /// The resource an event is about, `(kind, tenant, id)`: the provider cancels a
    /// removed resource's events with [`Cx::cancel_events`] under the same triple, so
    /// they neither wait in the heap nor count as pending. `None`: nobody's.
    fn owner(_event: &Self::Event) -> Option<(&'static str, &str, &str)>
    where
        Self: Sized,
    {
        None
    }
}

/// What a handler may use of the core.
pub struct Cx<'a> {
    /// The simulated time this request (or event) happens at.
    pub now: SimInstant,
    pub clock: &'a Clock,
    pub ids: &'a Ids,
    pub lifecycle: &'a Lifecycle<Event>,
    pub peer: SocketAddr,
}

impl Cx<'_> {
    /// Schedules `event` `secs` simulated seconds from now.
    pub fn schedule_in(&self, secs: u64, event: impl Into<Event>) {
        self.lifecycle.at(self.now.plus_secs(secs), event.into());
    }

    pub fn schedule_at(&self, due: SimInstant, event: impl Into<Event>) {
        self.lifecycle.at(due, event.into());
    }

    /// Cancels the pending events of a removed resource (see [`Scheduled::owner`]).
    pub fn cancel_events(&self, provider: &'static str, kind: &'static str, tenant: &str, id: &str) {
        self.lifecycle.cancel(&Owner { provider, kind, tenant, id });
    }

    /// How far the run of due events in progress goes: every event due up to then is
    /// applied before anything else (a request, a timeline action) can happen. Never
    /// earlier than now; equal to now outside a clock advance.
    pub fn horizon(&self) -> SimInstant {
        self.lifecycle.horizon().max(self.now)
    }

    /// Counts `n` transitions that a coalesced periodic chain skipped (they would have
    /// begun and ended before [`Cx::horizon`]) as applied.
    pub fn count_coalesced(&self, n: u64) {
        self.lifecycle.count_coalesced(n);
    }

    /// `now` as ISO-8601 (`2025-01-01T00:00:00Z`).
    pub fn now_iso(&self) -> String {
        self.clock.iso(self.now)
    }

    pub fn iso(&self, t: SimInstant) -> String {
        self.clock.iso(t)
    }
}

/// A provider's answer, with what the journal records of it.
pub struct Handled {
    pub reply: Reply,
    pub provider: &'static str,
    pub operation: &'static str,
    /// Inline ([`Id`]): a tenant is an id, and the journal keeps it without an allocation.
    pub tenant: Option<Id>,
}

/// A state change applied by the scheduler or a fault (`POST /_sim/clock/advance` lists
/// them).
///
/// Its texts are inline (ids, states and the ISO time are short): an advance over a
/// large world builds one per due event, and four owned strings were four allocations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub provider: &'static str,
    pub kind: &'static str,
    pub id: Id,
    pub from: CompactString,
    pub to: CompactString,
    /// Simulated time of the change, ISO-8601.
    pub at: CompactString,
}

impl Transition {
    /// A change of resource `kind` `id` from `from` to `to`, now.
    pub fn new(
        provider: &'static str,
        kind: &'static str,
        id: impl Into<Id>,
        from: impl Into<CompactString>,
        to: impl Into<CompactString>,
        cx: &Cx,
    ) -> Self {
        Transition { provider, kind, id: id.into(), from: from.into(), to: to.into(), at: cx.clock.iso_inline(cx.now) }
    }
}

/// One row of the "resources by provider/kind/state" gauge.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceCount {
    pub provider: &'static str,
    pub kind: &'static str,
    pub state: String,
    pub count: usize,
}

/// A core for unit tests of the providers: a manual clock, the ids of seed 1 and an
/// empty schedule, lent out as a [`Cx`] at any time.
#[cfg(test)]
pub(crate) struct TestCore {
    pub clock: Clock,
    pub ids: Ids,
    pub lifecycle: Lifecycle<Event>,
}

#[cfg(test)]
impl TestCore {
    pub fn new() -> Self {
        TestCore {
            clock: Clock::new(crate::clock::ClockMode::Manual),
            ids: Ids::new(1),
            lifecycle: Lifecycle::default(),
        }
    }

    /// What a handler gets at simulated time `now`.
    pub fn cx(&self, now: SimInstant) -> Cx<'_> {
        Cx { now, clock: &self.clock, ids: &self.ids, lifecycle: &self.lifecycle, peer: ([127, 0, 0, 1], 0).into() }
    }
}
