//! Apply maintenance (seed 1.9.2.1, lines 12520–12622) and the database-service project
//! info (1.10.2.1, lines 12623–12690).
//!
//! Maintenance is a rolling update ("ローリングアップデートによりメンテナンスを適用",
//! seed 12533): the instance is MODIFYING for knob `durations.maintenance`, then ACTIVE
//! with its pending patch (`pendingModifiedValues.engineMinorVersion`) and pending
//! restart values applied. `standby: true` maintains only the secondary, so nothing
//! visible is applied yet and the instance returns to its state; `failover: true` (or no
//! body: both nodes) completes it. Each emits a `maintenance` event.
//!
//! May touch: the instance table, the schedule, the history.

use hyper::StatusCode;
use serde_json::json;

use super::error::FujitsuError;
use super::instances;
use super::model::{InstanceStatus, OpKind, Work};
use super::transitions::begin;
use super::validate::maintenance::{self as rules, Scope};
use super::{body_value, Call, Fujitsu, Out, Res};

/// `POST applymaintenance/{instanceId}` (1.9.2.1): 202, no body ("なし", seed 12610).
pub fn apply(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let body = body_value(call.req)?;
    let scope = rules::scope(&body)?;
    let _guard = f.lock();
    let mut i = f.instances.get(call.tenant(), id).ok_or_else(FujitsuError::instance_not_found)?;
    rules::scope_needs_multi(scope, i.multi)?;
    instances::check(OpKind::Maintenance, &i)?;
    rules::running(&i)?;
    let from = i.status;
    let (work, back) = match scope {
        Scope::Standby => (Work::Touch, from),
        Scope::Both | Scope::Failover => (Work::Reboot { patch: true }, InstanceStatus::Active),
    };
    let now = call.cx.now;
    let due = begin(&mut i, InstanceStatus::Modifying, work, back, call.settings.durations.maintenance, now);
    i.updated = now;
    let what = match scope {
        Scope::Both => "both nodes",
        Scope::Standby => "the secondary node",
        Scope::Failover => "the former primary after a failover",
    };
    f.record(call.tenant(), "instance", id, "maintenance", format!("Applying maintenance to {what} (rolling update)").into(), now);
    f.instances.insert(call.tenant(), id, i);
    due.schedule(call.cx);
    Ok(Out::accepted())
}

/// `GET database-service` (1.10.2.1): the project id, which is the path's tenant.
pub fn project(call: &Call) -> Res {
    let body = json!({"database_service": {"projectId": call.tenant()}});
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(&body).expect("a JSON value serialises")))
}
