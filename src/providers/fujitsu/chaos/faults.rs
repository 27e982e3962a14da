//! Fujitsu's resource faults: the state a rule may force (an instance's or a
//! snapshot's), and a fault applied to the instance (or snapshot) it names — a state,
//! `fail_next_transition`, `stall_seconds` or `cpu_percent` (see `chaos`).
//!
//! May touch: the instance and snapshot tables, `transitions`, the history.


use super::super::model::*;
use super::super::transitions::{self, Due};
use super::super::{Fujitsu, NAME};
use crate::faults::ResourceFault;
use crate::providers::{Cx, Transition};

pub(super) fn states() -> String {
    InstanceStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// A state a resource fault may force: an instance state, or a snapshot state.
pub fn check_state(state: &str) -> Result<(), String> {
    if InstanceStatus::parse(state).is_some() || SnapshotStatus::parse(state).is_some() {
        return Ok(());
    }
    Err(format!(
        "unknown Fujitsu state '{state}' (instances: {}; snapshots: Available, In_progress, Deleted, Error)",
        states()
    ))
}

/// The `(tenant, id)` of an instance by id, in `tenant` or (none given) any tenant.
fn find_instance(f: &Fujitsu, tenant: Option<&str>, id: &str) -> Option<(String, String)> {
    match tenant {
        Some(t) => f.instances.contains(t, id).then(|| (t.to_owned(), id.to_owned())),
        None => f.instances.all().into_iter().map(|(k, _)| k).filter(|k| k.1 == id).min(),
    }
}

fn find_snapshot(f: &Fujitsu, tenant: Option<&str>, id: &str) -> Option<(String, String)> {
    match tenant {
        Some(t) => f.snapshots.contains(t, id).then(|| (t.to_owned(), id.to_owned())),
        None => f.snapshots.all().into_iter().map(|(k, _)| k).filter(|k| k.1 == id).min(),
    }
}

pub fn resource_fault(
    f: &Fujitsu,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let Some((t, id)) = find_instance(f, tenant, id) else {
        return snapshot_fault(f, tenant, id, fault, cx);
    };
    let _guard = f.lock();
    let mut inst = f.instances.get(&t, &id).ok_or("the instance vanished")?;
    let mut changes = Vec::new();
    let mut due: Option<Due> = None;
    match fault {
        ResourceFault::ForceState(s) => {
            let status = InstanceStatus::parse(s)
                .ok_or_else(|| format!("unknown Fujitsu instance state '{s}' (one of {})", states()))?;
            let from = inst.status;
            due = transitions::force(f, &mut inst, status, cx)?;
            changes.push(Transition::new(NAME, "instance", id.as_str(), from.as_str(), status.as_str(), cx));
        }
        ResourceFault::FailNextTransition => inst.fail_next = true,
        ResourceFault::Stall { seconds } => match inst.transit.as_mut() {
            Some(transit) => {
                transit.due = transit.due.plus_secs(*seconds);
                inst.generation += 1;
                due = Some(Due {
                    at: transit.due,
                    event: Event::Settle { tenant: t.as_str().into(), id: id.as_str().into(), generation: inst.generation },
                });
            }
            None => inst.stall_next = inst.stall_next.saturating_add(*seconds),
        },
        ResourceFault::CpuLoad { percent } => inst.set_cpu_load(*percent, cx.now),
    }
    f.instances.insert(&t, &id, inst);
    if let Some(d) = due {
        d.schedule(cx);
    }
    for c in &changes {
        f.note(&t, c.kind, &c.id, &c.from, &c.to, cx);
    }
    Ok(changes)
}

fn snapshot_fault(
    f: &Fujitsu,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let (t, id) = find_snapshot(f, tenant, id).ok_or_else(|| format!("no Fujitsu instance or snapshot '{id}'"))?;
    let ResourceFault::ForceState(s) = fault else {
        return Err(format!("snapshot {id}: only a state can be forced on a snapshot"));
    };
    let status = SnapshotStatus::parse(s).ok_or_else(|| format!("unknown Fujitsu snapshot state '{s}'"))?;
    let _guard = f.lock();
    let from = f
        .snapshots
        .update(&t, &id, |snap| std::mem::replace(&mut snap.status, status))
        .ok_or("the snapshot vanished")?;
    f.note(&t, "snapshot", &id, from.as_str(), status.as_str(), cx);
    Ok(vec![Transition::new(NAME, "snapshot", id.as_str(), from.as_str(), status.as_str(), cx)])
}
