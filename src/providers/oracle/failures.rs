//! Oracle failure states and armed failures: the one place that forces a service
//! instance, a VM cluster or an operation into a state, arms a backend failure for a
//! later operation step, or stalls the next step. The `/_sim/oracle/...` hooks
//! (`hooks.rs`) and the core's resource fault rules (`chaos.rs`) both come here.
//!
//! Forcing keeps the model whole (spec §10.2–10.3, §11.3): a mutating operation still
//! running on the instance (or, for a cluster, one working on that cluster) first ends
//! FAILED through `operations::fail`, with the rollback a backend failure gets, so no
//! operation is left half-applied and the instance's busy flag (§12) is released.
//! Armed failures reuse the §13 backend-failure mechanism (`Fault`, fired by the
//! operation steps at `start` or `finish`).
//!
//! May touch: the instance, operation and fault tables; `operations::{fail, diff}`.
//! Authority: seed `003_c3b2a6a3fcbca7a3.txt`; extract §10.2, §10.3, §11, §13.

use super::model::*;
use super::operations::{self, diff};
use super::Oracle;
use crate::providers::{Cx, Transition};

/// The message of an armed failure that names none (also `/_sim/oracle/faults`'s default).
pub const INJECTED: &str = "Injected backend failure";

/// What an armed backend failure matches; every field optional, all given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultTarget {
    pub definition: Option<Definition>,
    /// `CREATE`, `DELETE`, `AddCluster`, `ReshapeCluster` or `DeleteCluster`.
    pub operation: Option<String>,
    pub instance: Option<u64>,
    pub operation_id: Option<String>,
    pub exaunit: Option<u64>,
}

/// Arms a backend failure: the next `count` operation steps at `phase` that match end
/// the operation FAILED with `message` (§13 faults).
pub(crate) fn arm(o: &Oracle, target: FaultTarget, phase: Phase, message: String, count: u64) -> Fault {
    let fault = Fault {
        id: o.next_fault_id(),
        definition: target.definition,
        operation: target.operation,
        instance: target.instance,
        operation_id: target.operation_id,
        exaunit: target.exaunit,
        phase,
        message,
        remaining: count,
    };
    o.faults.insert("", &fault.id, fault.clone());
    fault
}

/// A NEW operation has not started: it fails as the `start` backend check would (nothing
/// reserved yet); a PROCESSING one fails part-way, as at `finish`.
fn phase_of(op: &Operation) -> Phase {
    if op.status == OperationStatus::New {
        Phase::Start
    } else {
        Phase::Finish
    }
}

/// The mutating operation still running on an instance (§12 busy flag).
fn running(o: &Oracle, inst: &Instance) -> Option<Operation> {
    let id = inst.in_flight.as_ref()?;
    o.operations.get(&inst.domain, id).filter(|op| !op.status.is_terminal())
}

fn instance(o: &Oracle, domain: &str, id: u64) -> Result<Instance, String> {
    o.instances.get(domain, &id.to_string()).ok_or_else(|| format!("no Oracle service instance {id}"))
}

/// Forces an instance into `status` now (any of §10.2). A running operation on it ends
/// FAILED first. FAILED_ACTIVATION marks its clusters PROVISIONERR, as a failed CREATE
/// does (§10.3 "CREATING --fail--> PROVISIONERR"); TERMINATED removes them, as a DELETE
/// does. Recovery is what the seed allows from there, e.g. DELETE of a FAILED_ACTIVATION
/// instance (§10.2). A forced TERMINATED instance stays listed (no retention event).
pub(crate) fn force_instance(
    o: &Oracle,
    domain: &str,
    id: u64,
    status: InstanceStatus,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let _guard = o.lock();
    let inst = instance(o, domain, id)?;
    let mut out = Vec::new();
    if let Some(op) = running(o, &inst) {
        let phase = phase_of(&op);
        let message = format!("The service instance was forced into {}", status.as_str());
        out.extend(operations::fail(o, op, message, phase, cx));
    }
    let before = instance(o, domain, id)?;
    let after = o.instances.update(domain, &id.to_string(), |i| {
        i.status = status;
        i.status_before_delete = None;
        match status {
            InstanceStatus::FailedActivation => {
                for c in i.clusters.values_mut() {
                    c.status = ClusterStatus::Provisionerr;
                    c.pending = None;
                    c.modified_on = cx.now;
                }
            }
            InstanceStatus::Terminated => i.clusters.clear(),
            _ => {}
        }
        i.modified_on = cx.now;
        i.clone()
    });
    out.extend(after.map(|a| diff(&before, &a, cx)).unwrap_or_default());
    Ok(out)
}

/// Whether an operation works on a cluster: CREATE and DELETE work on every cluster of
/// the instance; an UPDATE on the one of its `ExaunitID`.
fn works_on(op: &Operation, exaunit: u64) -> bool {
    matches!(op.plan, Plan::Create { .. } | Plan::Delete { .. }) || op.exaunit == Some(exaunit)
}

/// Forces a VM cluster into `status` now (any of §10.3; PROVISIONERR is its failure
/// state, from which DeleteCluster recovers). A running operation working on that
/// cluster ends FAILED first.
pub(crate) fn force_cluster(
    o: &Oracle,
    domain: &str,
    id: u64,
    exaunit: u64,
    status: ClusterStatus,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let _guard = o.lock();
    let inst = instance(o, domain, id)?;
    if !inst.clusters.contains_key(&exaunit) {
        return Err(format!("no VM cluster {exaunit} in Oracle service instance {id}"));
    }
    let mut out = Vec::new();
    if let Some(op) = running(o, &inst).filter(|op| works_on(op, exaunit)) {
        let phase = phase_of(&op);
        let message = format!("VM cluster {exaunit} was forced into {}", status.as_str());
        out.extend(operations::fail(o, op, message, phase, cx));
    }
    let before = instance(o, domain, id)?;
    let after = o.instances.update(domain, &id.to_string(), |i| {
        let c = i.clusters.get_mut(&exaunit)?;
        c.status = status;
        c.pending = None;
        c.modified_on = cx.now;
        i.modified_on = cx.now;
        Some(i.clone())
    });
    let after = after.flatten().ok_or_else(|| format!("no VM cluster {exaunit} in Oracle service instance {id}"))?;
    out.extend(diff(&before, &after, cx));
    Ok(out)
}

fn live_operation(o: &Oracle, domain: &str, id: &str) -> Result<Operation, String> {
    let op = o.operations.get(domain, id).ok_or_else(|| format!("no Oracle operation {id}"))?;
    if op.status.is_terminal() {
        return Err(format!("Oracle operation {id} is already {}", op.status.as_str()));
    }
    Ok(op)
}

/// Ends a NEW or PROCESSING operation FAILED now, with its item and the rollback of a
/// backend failure (§10.2–10.3): `result.statusMessage` and the last action log carry
/// `message` (§11.3). A terminal operation is refused.
pub(crate) fn fail_operation(
    o: &Oracle,
    domain: &str,
    id: &str,
    message: &str,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let _guard = o.lock();
    let op = live_operation(o, domain, id)?;
    let phase = phase_of(&op);
    Ok(operations::fail(o, op, message.to_owned(), phase, cx))
}

/// Arms "this operation fails part-way": it still starts (PROCESSING, resources reserved,
/// clusters in their transitional states), then ends FAILED at `finish` with the rollback.
pub(crate) fn fail_operation_later(o: &Oracle, domain: &str, id: &str) -> Result<Fault, String> {
    let _guard = o.lock();
    live_operation(o, domain, id)?;
    let target = FaultTarget { operation_id: Some(id.to_owned()), ..FaultTarget::default() };
    Ok(arm(o, target, Phase::Finish, INJECTED.to_owned(), 1))
}

/// Holds the steps of one operation due before `now + seconds` until then.
pub(crate) fn stall_operation(o: &Oracle, domain: &str, id: &str, seconds: u64, cx: &Cx) -> Result<(), String> {
    let _guard = o.lock();
    live_operation(o, domain, id)?;
    o.operations.update(domain, id, |op| op.stall_until = Some(cx.now.plus_secs(seconds)));
    Ok(())
}

/// Holds the operation steps on one instance due before `now + seconds` until then.
pub(crate) fn stall_instance(o: &Oracle, domain: &str, id: u64, seconds: u64, cx: &Cx) -> Result<(), String> {
    let _guard = o.lock();
    instance(o, domain, id)?;
    o.instances.update(domain, &id.to_string(), |i| i.stall_until = Some(cx.now.plus_secs(seconds)));
    Ok(())
}

