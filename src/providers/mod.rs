//! The providers, and the one place that names them all.
//!
//! Each provider module owns its resources, wire format, rules and state machine. This
//! module is the seam between them and the core: [`World`] routes a request to the
//! provider whose path prefix it carries, [`Event`] wraps each provider's scheduled events
//! so that one lifecycle heap can hold them, and [`Cx`] is what a handler may use of the
//! core (the clock reading, the seeded ids, the schedule).
//!
//! May touch: every provider, `crate::{clock, ids, lifecycle, http, config}`.
//! Must not touch: `server`, `admin`.

pub mod clickhouse;
pub mod oracle;

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::{Clock, SimInstant};
use crate::config::KnobSet;
use crate::faults::{Classified, ResourceFault};
use crate::http::{Reply, Request};
use crate::ids::Ids;
use crate::lifecycle::Lifecycle;

/// A scheduled event of some provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", content = "event", rename_all = "lowercase")]
pub enum Event {
    Clickhouse(clickhouse::Event),
    Oracle(oracle::Event),
}

impl From<clickhouse::Event> for Event {
    fn from(e: clickhouse::Event) -> Self {
        Event::Clickhouse(e)
    }
}

impl From<oracle::Event> for Event {
    fn from(e: oracle::Event) -> Self {
        Event::Oracle(e)
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
    pub tenant: Option<String>,
}

/// A state change applied by the scheduler (`POST /_sim/clock/advance` lists them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub provider: &'static str,
    pub kind: &'static str,
    pub id: String,
    pub from: String,
    pub to: String,
    /// Simulated time of the change, ISO-8601.
    pub at: String,
}

/// One row of the "resources by provider/kind/state" gauge.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceCount {
    pub provider: &'static str,
    pub kind: &'static str,
    pub state: String,
    pub count: usize,
}

/// Every provider's resources.
pub struct World {
    pub clickhouse: clickhouse::ClickHouse,
    pub oracle: oracle::Oracle,
}

impl World {
    pub fn new(cx: &Cx) -> Self {
        World { clickhouse: clickhouse::ClickHouse::new(cx), oracle: oracle::Oracle::new(cx) }
    }

    /// The provider that owns a path, by its prefix.
    pub fn provider_of(segs: &[&str]) -> Option<&'static str> {
        match segs.first() {
            Some(&"v1") => Some(clickhouse::NAME),
            Some(&"itas") | Some(&"ecra") => Some(oracle::NAME),
            // The seed's typo without `/itas` (served only under knob acceptMissingItasPrefix).
            Some(_) if segs.get(1) == Some(&"myservices") => Some(oracle::NAME),
            _ => None,
        }
    }

    /// Routes a request to its provider; `None` when no provider owns the path.
    pub fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Option<Handled> {
        match Self::provider_of(segs)? {
            clickhouse::NAME => Some(self.clickhouse.handle(req, segs, cx)),
            oracle::NAME => Some(self.oracle.handle(req, segs, cx)),
            _ => None,
        }
    }

    /// Provider-specific control endpoints under `/_sim/{provider}/...`.
    pub fn admin(&self, req: &Request, provider: &str, segs: &[&str], cx: &Cx) -> Option<Reply> {
        match provider {
            clickhouse::NAME => self.clickhouse.admin(req, segs, cx),
            oracle::NAME => self.oracle.admin(req, segs, cx),
            _ => None,
        }
    }

    /// Provider, operation and tenant of a request, before any handler runs (fault
    /// matching); `None` when no provider owns the path.
    pub fn classify(&self, req: &Request, segs: &[&str]) -> Option<Classified> {
        match Self::provider_of(segs)? {
            clickhouse::NAME => Some(clickhouse::chaos::classify(&self.clickhouse, req, segs)),
            oracle::NAME => Some(oracle::chaos::classify(&self.oracle, req, segs)),
            _ => None,
        }
    }

    /// The provider's native error for an injected status.
    pub fn inject(&self, provider: &str, status: u16, retry_after: Option<u64>, cx: &Cx) -> Reply {
        match provider {
            clickhouse::NAME => clickhouse::chaos::inject(status, retry_after, cx),
            oracle::NAME => oracle::chaos::inject(status, retry_after),
            _ => Reply::json(
                hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::SERVICE_UNAVAILABLE),
                &json!({"error": "injected by a fault rule"}),
            ),
        }
    }

    /// The `(tenant, id)` of the resource a request names (`reply` absent: before the
    /// handler runs) or created (`reply` given).
    pub fn resource_target(
        &self,
        provider: &str,
        req: &Request,
        segs: &[&str],
        reply: Option<&Reply>,
    ) -> Option<(String, String)> {
        match provider {
            clickhouse::NAME => clickhouse::chaos::resource_target(&self.clickhouse, req, segs, reply),
            oracle::NAME => oracle::chaos::resource_target(&self.oracle, req, segs, reply),
            _ => None,
        }
    }

    /// Puts a resource into one of its provider's failure states, or arms a failing or
    /// stalled next transition.
    pub fn resource_fault(
        &self,
        provider: &str,
        tenant: Option<&str>,
        id: &str,
        fault: &ResourceFault,
        cx: &Cx,
    ) -> Result<Vec<Transition>, String> {
        match provider {
            clickhouse::NAME => clickhouse::chaos::resource_fault(&self.clickhouse, tenant, id, fault, cx),
            oracle::NAME => oracle::chaos::resource_fault(&self.oracle, tenant, id, fault, cx),
            other => Err(format!("unknown provider '{other}'")),
        }
    }

    /// A scenario's `identities.<provider>` section.
    pub fn seed_identities(&self, provider: &str, section: &Value, cx: &Cx) -> Result<(), String> {
        match provider {
            clickhouse::NAME => clickhouse::chaos::seed_identities(&self.clickhouse, section, cx),
            oracle::NAME => oracle::chaos::seed_identities(&self.oracle, section, cx),
            other => Err(format!("unknown provider '{other}'")),
        }
    }

    /// A scenario's `resources.<provider>` section.
    pub fn seed_resources(&self, provider: &str, section: &Value, cx: &Cx) -> Result<(), String> {
        match provider {
            clickhouse::NAME => clickhouse::chaos::seed_resources(&self.clickhouse, section, cx),
            oracle::NAME => oracle::chaos::seed_resources(&self.oracle, section, cx),
            other => Err(format!("unknown provider '{other}'")),
        }
    }

    /// Restores the `providers` part of a state dump; providers absent from it keep
    /// their resources. Each provider parses its part whole before replacing anything,
    /// and Oracle's part is checked before ClickHouse's is applied, so a broken dump
    /// changes nothing.
    pub fn restore(&self, providers: &Value) -> Result<(), String> {
        if let Some(v) = providers.get(oracle::NAME) {
            oracle::chaos::check_restore(v).map_err(|e| format!("{}: {e}", oracle::NAME))?;
        }
        if let Some(v) = providers.get(clickhouse::NAME) {
            clickhouse::chaos::restore(&self.clickhouse, v).map_err(|e| format!("{}: {e}", clickhouse::NAME))?;
        }
        if let Some(v) = providers.get(oracle::NAME) {
            oracle::chaos::restore(&self.oracle, v).map_err(|e| format!("{}: {e}", oracle::NAME))?;
        }
        Ok(())
    }

    /// The OpenAPI document of what a provider serves (`GET /_sim/openapi/{provider}.json`).
    pub fn openapi(provider: &str) -> Option<Value> {
        match provider {
            clickhouse::NAME => Some(clickhouse::openapi::document()),
            oracle::NAME => Some(oracle::openapi::document()),
            _ => None,
        }
    }

    /// Scenario variables naming the default identities (`clickhouse.org`, ...).
    pub fn variables() -> Vec<(String, String)> {
        let mut vars = clickhouse::chaos::variables();
        vars.extend(oracle::chaos::variables());
        vars
    }

    /// Request headers of a provider's default identity (scenario `auth: <provider>`).
    pub fn default_auth(provider: &str) -> Option<Vec<(String, String)>> {
        match provider {
            clickhouse::NAME => Some(clickhouse::chaos::default_auth()),
            oracle::NAME => Some(oracle::chaos::default_auth()),
            _ => None,
        }
    }

    /// Applies a due event; `None` when its guard no longer holds.
    pub fn apply(&self, event: Event, cx: &Cx) -> Vec<Transition> {
        match event {
            Event::Clickhouse(e) => self.clickhouse.apply(e, cx),
            Event::Oracle(e) => self.oracle.apply(e, cx),
        }
    }

    /// Back to the default identities and no resources.
    pub fn reset(&self, cx: &Cx) {
        self.clickhouse.reset(cx);
        self.oracle.reset(cx);
    }

    /// Every resource, by provider and kind.
    pub fn state(&self, cx: &Cx) -> Value {
        json!({ clickhouse::NAME: self.clickhouse.state(cx), oracle::NAME: self.oracle.state(cx) })
    }

    pub fn resource_counts(&self) -> Vec<ResourceCount> {
        let mut counts = self.clickhouse.resource_counts();
        counts.extend(self.oracle.resource_counts());
        counts
    }

    pub fn knobs(&self) -> Vec<&dyn KnobSet> {
        vec![self.clickhouse.knobs(), self.oracle.knobs()]
    }

    pub fn providers() -> &'static [&'static str] {
        &[clickhouse::NAME, oracle::NAME]
    }
}
