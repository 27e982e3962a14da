//! The `Provider` / `Scheduled` impls: how the core reaches Fujitsu. Each method hands
//! over to the module that owns the concern; nothing is decided here.

use serde_json::{json, Value};

use super::{chaos, hooks, openapi, routes, transitions, Event, Fujitsu, NAME};
use crate::config::KnobSet;
use crate::dump::StateOut;
use crate::faults::{Classified, ResourceFault};
use crate::http::{Reply, Request};
use crate::providers::{Cx, Handled, Provider, ResourceCount, Scheduled, Transition};

impl Provider for Fujitsu {
    fn new(cx: &Cx) -> Self {
        Fujitsu::build(cx)
    }

    fn name(&self) -> &'static str {
        NAME
    }

    /// `/v1.0/...` (seed 220–223).
    fn owns(&self, segs: &[&str]) -> bool {
        routes::owns(segs)
    }

    fn classify(&self, req: &Request, segs: &[&str]) -> Classified {
        chaos::classify(req, segs)
    }

    fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Handled {
        self.serve(req, segs, cx)
    }

    fn admin(&self, req: &Request, segs: &[&str], _cx: &Cx) -> Option<Reply> {
        hooks::handle(req, segs)
    }

    fn inject(&self, status: u16, retry_after: Option<u64>, _cx: &Cx) -> Reply {
        chaos::inject(status, retry_after)
    }

    fn resource_target(&self, req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
        chaos::resource_target(req, segs, reply)
    }

    fn check_resource_state(&self, state: &str) -> Result<(), String> {
        chaos::check_state(state)
    }

    fn resource_fault(
        &self,
        tenant: Option<&str>,
        id: &str,
        fault: &ResourceFault,
        cx: &Cx,
    ) -> Result<Vec<Transition>, String> {
        chaos::resource_fault(self, tenant, id, fault, cx)
    }

    fn seed_identities(&self, section: &Value, cx: &Cx) -> Result<(), String> {
        chaos::seed_identities(self, section, cx)
    }

    fn seed_resources(&self, section: &Value, cx: &Cx) -> Result<(), String> {
        chaos::seed_resources(self, section, cx)
    }

    /// Every table (part `fujitsu`), secrets as sha256 only, a row at a time (the keys
    /// `chaos::check_restore` reads). The event history is bounded (its rings' cap), so it
    /// is copied out of its lock whole.
    fn write_state(&self, _cx: &Cx, out: &mut StateOut<'_>) -> std::io::Result<()> {
        let [instances, ips, public_ips] = self.counters();
        out.object()?;
        out.table("tenants", &self.tenants)?;
        out.table("users", &self.users)?;
        out.table("iaasTokens", &self.iaas_tokens)?;
        out.table("tokens", &self.tokens)?;
        out.table("instances", &self.instances)?;
        out.table("snapshots", &self.snapshots)?;
        out.table("parameterGroups", &self.parameter_groups)?;
        out.table("subscriptions", &self.subscriptions)?;
        out.table("monitors", &self.monitors)?;
        out.table("alarms", &self.alarms)?;
        out.table("securityGroups", &self.security_groups)?;
        let events = self.history().all();
        out.key("events")?;
        out.array()?;
        for e in &events {
            out.value(e)?;
        }
        out.end()?;
        out.field("counters", &json!({"instances": instances, "ips": ips, "publicIps": public_ips}))?;
        out.end()
    }

    fn check_restore(&self, part: &Value) -> Result<(), String> {
        chaos::check_restore(part)
    }

    fn restore(&self, part: &Value) -> Result<(), String> {
        chaos::restore(self, part)
    }

    fn reset(&self, cx: &Cx) {
        self.reset_all(cx)
    }

    fn knobs(&self) -> &dyn KnobSet {
        self.knob_set()
    }

    fn resource_counts(&self) -> Vec<ResourceCount> {
        chaos::resource_counts(self)
    }

    fn openapi(&self) -> Value {
        openapi::document()
    }

    fn default_auth(&self) -> Vec<(String, String)> {
        chaos::default_auth()
    }

    fn variables(&self) -> Vec<(String, String)> {
        chaos::variables()
    }
}

impl Scheduled for Fujitsu {
    type Event = Event;

    fn apply(&self, event: Event, cx: &Cx) -> Vec<Transition> {
        transitions::apply(self, event, cx)
    }

    /// An instance's transits and backups; a snapshot's completion and removal; an alarm's
    /// evaluations. A resource's events are cancelled when it leaves the store (or an
    /// instance moves to a new id).
    fn owner(event: &Event) -> Option<(&'static str, &str, &str)> {
        match event {
            Event::Settle { tenant, id, .. } | Event::BackupDue { tenant, id, .. } => Some(("instance", tenant, id)),
            Event::SnapshotDone { tenant, id } | Event::SnapshotGone { tenant, id } => Some(("snapshot", tenant, id)),
            Event::AlarmCheck { tenant, id, .. } => Some(("alarm", tenant, id)),
        }
    }
}
