//! The registry of providers: the one place that names them all.
//!
//! Each provider is a folder of its own (`clickhouse/`, `oracle/`, ...) that implements
//! [`Provider`] and [`Scheduled`]. Adding one is its folder plus one line in the
//! `registry!` call below, which generates the `mod` line, the provider's variant of the
//! lifecycle [`Event`] enum (serialised `{"provider": name, "event": ...}`) and its field
//! of [`World`]. Everything the core does "for every provider" is a loop over
//! [`World::all`] in this file; nothing else in the crate names a provider.
//!
//! May touch: `crate::provider` (the seam), `crate::faults` and `crate::config` (types).
//! Must not touch: `server`, `pipeline`, `admin`, `scenario`, `sim`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::KnobSet;
use crate::faults::{Catalog, Classified, ResourceFault};
use crate::http::{Reply, Request};
pub use crate::provider::{Cx, Handled, Provider, ResourceCount, Scheduled, Transition};

/// Generates, from one `module::Type => Variant` line per provider: the `mod` lines, the
/// [`Event`] enum with its `From` impls, [`World`] with one field per provider, and the
/// statically dispatched [`World::new`], [`World::all`] and [`World::apply`]. The module
/// name is the provider's name.
macro_rules! registry {
    ($($module:ident :: $ty:ident => $variant:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// The names of every provider, in registration order.
        pub const NAMES: &[&str] = &[$(stringify!($module)),+];

        /// A scheduled event of some provider.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "provider", content = "event", rename_all = "lowercase")]
        pub enum Event {
            $($variant(<$module::$ty as Scheduled>::Event),)+
        }

        impl crate::lifecycle::Owned for Event {
            fn owner(&self) -> Option<crate::lifecycle::Owner<'_>> {
                match self {
                    $(Event::$variant(e) => <$module::$ty as Scheduled>::owner(e).map(|(kind, tenant, id)| {
                        crate::lifecycle::Owner { provider: stringify!($module), kind, tenant, id }
                    }),)+
                }
            }
        }

        $(impl From<<$module::$ty as Scheduled>::Event> for Event {
            fn from(e: <$module::$ty as Scheduled>::Event) -> Self {
                Event::$variant(e)
            }
        })+

        /// Every provider's resources.
        pub struct World {
            $(pub $module: $module::$ty,)+
        }

        impl World {
            pub fn new(cx: &Cx) -> Self {
                World { $($module: <$module::$ty as Provider>::new(cx),)+ }
            }

            /// Every provider, in registration order.
            pub fn all(&self) -> [&dyn Provider; NAMES.len()] {
                [$(&self.$module as &dyn Provider,)+]
            }

            /// Applies a due event; no transition when its guard no longer holds.
            pub fn apply(&self, event: Event, cx: &Cx) -> Vec<Transition> {
                match event {
                    $(Event::$variant(e) => self.$module.apply(e, cx),)+
                }
            }
        }
    };
}

registry! {
    clickhouse::ClickHouse => Clickhouse,
    oracle::Oracle => Oracle,
    fujitsu::Fujitsu => Fujitsu,
}

impl World {
    /// The provider of that name.
    pub fn get(&self, name: &str) -> Option<&dyn Provider> {
        self.all().into_iter().find(|p| p.name() == name)
    }

    fn named(&self, name: &str) -> Result<&dyn Provider, String> {
        self.get(name).ok_or_else(|| format!("unknown provider '{name}'"))
    }

    /// The provider that owns a path, by its prefix.
    pub fn owner(&self, segs: &[&str]) -> Option<&dyn Provider> {
        self.all().into_iter().find(|p| p.owns(segs))
    }

    /// Routes a request to its provider; `None` when no provider owns the path.
    pub fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Option<Handled> {
        self.owner(segs).map(|p| p.handle(req, segs, cx))
    }

    /// Whether `PUT /_sim/{provider}/<segs>` takes an opaque body
    /// ([`Provider::admin_takes_opaque_body`]).
    pub fn admin_takes_opaque_body(&self, provider: &str, segs: &[&str]) -> bool {
        self.get(provider).is_some_and(|p| p.admin_takes_opaque_body(segs))
    }

    /// Provider-specific control endpoints under `/_sim/{provider}/...`.
    pub fn admin(&self, req: &Request, provider: &str, segs: &[&str], cx: &Cx) -> Option<Reply> {
        self.get(provider)?.admin(req, segs, cx)
    }

    /// Provider, operation and tenant of a request, before any handler runs (fault
    /// matching); `None` when no provider owns the path.
    pub fn classify(&self, req: &Request, segs: &[&str]) -> Option<Classified> {
        self.owner(segs).map(|p| p.classify(req, segs))
    }

    /// The provider's native error for an injected status; `None` for an unknown provider.
    pub fn inject(&self, provider: &str, status: u16, retry_after: Option<u64>, cx: &Cx) -> Option<Reply> {
        self.get(provider).map(|p| p.inject(status, retry_after, cx))
    }

    /// See [`Provider::resource_target`].
    pub fn resource_target(
        &self,
        provider: &str,
        req: &Request,
        segs: &[&str],
        reply: Option<&Reply>,
    ) -> Option<(String, String)> {
        self.get(provider)?.resource_target(req, segs, reply)
    }

    /// See [`Provider::resource_fault`].
    pub fn resource_fault(
        &self,
        provider: &str,
        tenant: Option<&str>,
        id: &str,
        fault: &ResourceFault,
        cx: &Cx,
    ) -> Result<Vec<Transition>, String> {
        self.named(provider)?.resource_fault(tenant, id, fault, cx)
    }

    /// A scenario's `identities.<provider>` section.
    pub fn seed_identities(&self, provider: &str, section: &Value, cx: &Cx) -> Result<(), String> {
        self.named(provider)?.seed_identities(section, cx)
    }

    /// A scenario's `resources.<provider>` section.
    pub fn seed_resources(&self, provider: &str, section: &Value, cx: &Cx) -> Result<(), String> {
        self.named(provider)?.seed_resources(section, cx)
    }

    /// Restores the `providers` part of a state dump, all or nothing: every provider's
    /// part is checked before any is applied. Providers absent from it keep their
    /// resources; an unknown provider name is refused.
    pub fn restore(&self, providers: &Value) -> Result<(), String> {
        let parts = match providers {
            Value::Null => return Ok(()),
            Value::Object(m) => m,
            _ => return Err("providers must be an object".into()),
        };
        if let Some(unknown) = parts.keys().find(|k| self.get(k).is_none()) {
            return Err(format!("unknown provider '{unknown}' (known: {})", NAMES.join(", ")));
        }
        let present = || self.all().into_iter().filter_map(|p| parts.get(p.name()).map(|v| (p, v)));
        for (p, part) in present() {
            p.check_restore(part).map_err(|e| format!("{}: {e}", p.name()))?;
        }
        for (p, part) in present() {
            p.restore(part).map_err(|e| format!("{}: {e}", p.name()))?;
        }
        Ok(())
    }

    /// The OpenAPI document of what a provider serves (`GET /_sim/openapi/{provider}.json`).
    pub fn openapi(&self, provider: &str) -> Option<Value> {
        self.get(provider).map(|p| p.openapi())
    }

    /// Scenario variables naming the default identities (`clickhouse.org`, ...).
    pub fn variables(&self) -> Vec<(String, String)> {
        self.all().into_iter().flat_map(|p| p.variables()).collect()
    }

    /// Request headers of a provider's default identity (scenario `auth: <provider>`).
    pub fn default_auth(&self, provider: &str) -> Option<Vec<(String, String)>> {
        self.get(provider).map(|p| p.default_auth())
    }

    /// Back to the default identities and no resources.
    pub fn reset(&self, cx: &Cx) {
        for p in self.all() {
            p.reset(cx);
        }
    }

    /// Every resource, by provider and kind: one JSON object, a member per provider in
    /// registration order.
    pub fn write_state(&self, cx: &Cx, out: &mut crate::dump::StateOut<'_>) -> std::io::Result<()> {
        out.object()?;
        for p in self.all() {
            out.key(p.name())?;
            p.write_state(cx, out)?;
        }
        out.end()
    }

    pub fn resource_counts(&self) -> Vec<ResourceCount> {
        self.all().into_iter().flat_map(|p| p.resource_counts()).collect()
    }

    pub fn knobs(&self) -> Vec<&dyn KnobSet> {
        self.all().into_iter().map(|p| p.knobs()).collect()
    }

    /// The names of every provider, in registration order.
    pub fn providers() -> &'static [&'static str] {
        NAMES
    }
}

/// Fault rules are validated against the registry: its provider names, and the states
/// each provider's resources can be forced into.
impl Catalog for World {
    fn providers(&self) -> &[&'static str] {
        NAMES
    }

    fn check_state(&self, provider: Option<&str>, state: &str) -> Result<(), String> {
        match provider.and_then(|p| self.get(p)) {
            Some(p) => p.check_resource_state(state),
            None => {
                let refusals: Vec<String> =
                    self.all().into_iter().filter_map(|p| p.check_resource_state(state).err()).collect();
                if refusals.len() < NAMES.len() {
                    Ok(())
                } else {
                    Err(refusals.join("; "))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimInstant;

    #[test]
    fn each_provider_is_registered_under_its_own_name_and_owns_a_distinct_prefix() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let world = World::new(&cx);
        let names: Vec<&str> = world.all().iter().map(|p| p.name()).collect();
        assert_eq!(names, NAMES, "the module name is the provider's name");
        for p in world.all() {
            assert_eq!(p.knobs().prefix(), p.name(), "knob prefix of {}", p.name());
        }
        assert!(world.owner(&["_sim", "health"]).is_none(), "the control API is nobody's");
    }

    /// Every scheduled event of every provider is one place of the schedule: the
    /// largest provider event sets what each of them costs, resident, per resource.
    #[test]
    fn a_scheduled_event_stays_within_its_place() {
        let size = std::mem::size_of::<Event>();
        assert!(size <= 104, "{size} bytes");
    }
}
