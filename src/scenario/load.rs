//! Loads a scenario's setup into a running simulator: settings, identities, resources,
//! faults and timeline (steps are for the runner). All or nothing: what can be checked
//! is checked first, and if a provider refuses a resource half-way the state from before
//! the load is restored.

use super::{Scenario, TimelineAction};
use crate::clock::SimInstant;
use crate::providers::World;
use crate::sim::Core;

pub fn load(core: &Core, s: &Scenario) -> Result<(), String> {
    let providers = World::providers();
    for (i, f) in s.faults.iter().enumerate() {
        f.validate(&core.world).map_err(|e| format!("faults[{i}]: {e}"))?;
    }
    let mut timeline = Vec::new();
    for (i, t) in s.timeline.iter().enumerate() {
        let action = t.action(i)?;
        match &action {
            TimelineAction::AddFault(f) => {
                f.validate(&core.world).map_err(|e| format!("timeline[{i}].add_fault: {e}"))?
            }
            TimelineAction::Break(b) if !providers.contains(&b.provider.as_str()) => {
                return Err(format!("timeline[{i}].break.provider must be one of {}", providers.join(", ")))
            }
            _ => {}
        }
        timeline.push((SimInstant((t.at * 1000.0) as u64), action));
    }
    for (name, value) in &s.settings {
        core.check_knob(name, value).map_err(|e| format!("settings: {e}"))?;
    }
    for p in s.identities.keys().chain(s.resources.keys()) {
        if !providers.contains(&p.as_str()) {
            return Err(format!("unknown provider '{p}'; known: {}", providers.join(", ")));
        }
    }
    let snapshot = core.dump();
    let applied = (|| -> Result<(), String> {
        for (name, value) in &s.settings {
            core.set_knob(name, value).map_err(|e| format!("settings: {e}"))?;
        }
        let cx = core.cx(core.clock.now(), std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        for (p, section) in &s.identities {
            core.world.seed_identities(p, section, &cx).map_err(|e| format!("identities.{p}: {e}"))?;
        }
        for (p, section) in &s.resources {
            core.world.seed_resources(p, section, &cx).map_err(|e| format!("resources.{p}: {e}"))?;
        }
        core.faults.add(s.faults.clone(), &core.world).map_err(|e| format!("faults: {e}"))?;
        for (at, action) in timeline {
            core.timeline.at(at, action);
        }
        Ok(())
    })();
    if applied.is_err() {
        if let Err(e) = core.restore(&snapshot) {
            tracing::error!(error = %e, "could not restore the state after a failed scenario load");
        }
    }
    applied
}
