//! The instance handlers, one function per operation (seed 1.2.2.1–1.2.2.12): parse →
//! validate (every rule, `validate/`) → check the state (`model::InstanceStatus::can`
//! and the operation's precondition) → apply and schedule (`transitions`) → render
//! (`view`). Nothing is written before every rule has passed; the mutation lock is held
//! from the first read of shared state to the write, so checks and writes never race.
//!
//! Here: list, show, the create/restore/replica dispatch, delete and the actions; the
//! creation itself is `instances::create`, restores and PITR `instances::recovery`,
//! replicas `instances::replica`, modify `instances::modify`.
//!
//! May touch: the instance, snapshot and tenant tables; the schedule.

use hyper::StatusCode;

use super::error::FujitsuError;
use super::model::*;
use super::transitions::{self, begin, Due};
use super::validate::actions::{self, Action, PostInstances};
use super::validate::create::{instance_spec, AutoScaleSpec, Family, InstanceSpec};
use super::validate::modify::{modify_spec, resolve, ModifySpec};
use super::validate::replica::{replica_spec, source_preconditions};
use super::validate::restore::{
    pitr_spec, restore_spec, restore_time_in_range, same_master_password, same_master_user_name, RestorePoint,
};
use super::validate::windows::{self, Given, Windows};
use super::validate::{common, query, refs};
use super::wire::{ActionBody, InstanceBody, InstanceRequest};
use super::{auth, body_mirror, view, Call, Fujitsu, Res};
use super::{Out, DEFAULT_PARAMETER_GROUP, DEFAULT_SECURITY_GROUP, DEFAULT_SUBNET_CIDR};
use crate::clock::SimInstant;
use crate::secret::Secret;
use crate::validation::FieldError;

type Status = InstanceStatus;

mod create;
mod modify;
mod recovery;
mod replica;

use create::*;
use recovery::*;
use replica::*;

pub use modify::modify;
pub use recovery::{automated_backups, pitr, restorable};

fn ok_instance(i: &Instance, call: &Call) -> Res {
    Ok(Out::json(StatusCode::OK, view::instance(i, &call.links, call.cx)))
}

/// 422 for an operation the state table refuses (00-decisions).
fn refused(op: OpKind, i: &Instance) -> FujitsuError {
    let extra =
        if i.status == Status::Shutdown && i.stopped_degenerated && matches!(op, OpKind::Modify | OpKind::ResizeDisk) {
            " (stopped from DEGENERATED: no modify until it is started, seed 267)"
        } else {
            ""
        };
    FujitsuError::InvalidState(format!(
        "{} is not allowed while instance {} is {}{extra} (seed 247-272)",
        op.as_str(),
        i.id,
        i.status.as_str()
    ))
}

pub(crate) fn check(op: OpKind, i: &Instance) -> Result<(), FujitsuError> {
    if !i.status.can(op) {
        return Err(refused(op, i));
    }
    if let Some(why) = model::precondition(i, op) {
        return Err(FujitsuError::InvalidState(format!(
            "{}: {why}; instance {} is {}",
            op.as_str(),
            i.id,
            i.status.as_str()
        )));
    }
    Ok(())
}

use super::model;

/// The instance of the path, or 404 `DBInstanceNotFound` (seed 280–288).
fn get(f: &Fujitsu, call: &Call, id: &str) -> Result<Instance, FujitsuError> {
    f.instances.get(call.tenant(), id).ok_or_else(FujitsuError::instance_not_found)
}

fn instance_body(call: &Call) -> Result<InstanceBody, FujitsuError> {
    body_mirror(call.req)
}

fn draw<'a>(call: &'a Call<'a>) -> impl FnMut(u32) -> u32 + 'a {
    move |n| call.cx.ids.range(0, u64::from(n.max(1)) - 1) as u32
}

/// `GET /instances` (1.2.2.9): the tenant's instances in creation order, paged by
/// `limit` and `marker` (the last id of the previous page).
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let page = query::page(call.req, call.settings.clamp_list_limit)?;
    f.instances.read_sorted(
        call.tenant(),
        |_| true,
        |i| i.seq,
        |_, _| std::cmp::Ordering::Equal,
        |all| {
            let start = match &page.marker {
                None => 0,
                Some(m) => {
                    all.iter().position(|i| i.id == *m).map(|p| p + 1).ok_or_else(|| query::unknown_marker(m))?
                }
            };
            let items = all.iter().skip(start).take(page.limit);
            let mut out = Vec::with_capacity(32 + 360 * page.limit.min(all.len()));
            out.extend_from_slice(b"{\"instances\":[");
            for (n, i) in items.enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                view::write_summary(&mut out, i, &call.links);
            }
            out.extend_from_slice(b"]}");
            Ok(Out::json(StatusCode::OK, out))
        },
    )
}

/// `GET /instances/{id}` (1.2.2.10).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    f.instances
        .read(call.tenant(), id, |i| Out::json(StatusCode::OK, view::instance(i, &call.links, call.cx)))
        .ok_or_else(FujitsuError::instance_not_found)
}

/// `POST /instances`: create, restore from a snapshot or read replica, by `action`.
pub fn post(f: &Fujitsu, call: &Call) -> Res {
    let body = instance_body(call)?;
    let action = common::read("action", &body.action, "object")?;
    match actions::post_instances(action)? {
        PostInstances::Create => create(f, call, &body),
        PostInstances::RestoreSnapshot => restore(f, call, &body),
        PostInstances::ReadReplica => replica(f, call, &body),
    }
}

/// `DELETE /instances/{id}` (1.2.2.2): 202, DELETING, then gone (or DELETED).
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    let mut i = get(f, call, id)?;
    check(OpKind::Delete, &i)?;
    let from = i.status;
    let due =
        begin(&mut i, Status::Deleting, Work::Delete, Status::Deleting, call.settings.durations.delete, call.cx.now);
    i.updated = call.cx.now;
    f.note(call.tenant(), "instance", id, from.as_str(), "DELETING", call.cx);
    f.instances.insert(call.tenant(), id, i);
    due.schedule(call.cx);
    Ok(Out::accepted())
}

/// `POST /instances/{id}/action` (1.2.2.6–1.2.2.8, 1.2.2.11): 202, then the transition.
pub fn action(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let body: ActionBody = body_mirror(call.req)?;
    let _guard = f.lock();
    let mut i = get(f, call, id)?;
    let act = actions::instance_action(&body)?;
    let from = i.status;
    let d = &call.settings.durations;
    let now = call.cx.now;
    let due = match act {
        Action::Start { apply_patch } => {
            check(OpKind::Start, &i)?;
            begin(&mut i, Status::Starting, Work::Start { patch: apply_patch }, Status::Active, d.start, now)
        }
        Action::Stop => {
            check(OpKind::Stop, &i)?;
            i.stopped_degenerated = i.status == Status::Degenerated;
            begin(&mut i, Status::Stopping, Work::Stop, Status::Shutdown, d.stop, now)
        }
        Action::Reboot { apply_patch, .. } => {
            // `failover` (seed 4990–4997) changes which node serves; the visible states
            // are the same, so it needs no branch of its own.
            check(OpKind::Reboot, &i)?;
            begin(&mut i, Status::Reboot, Work::Reboot { patch: apply_patch }, Status::Active, d.reboot, now)
        }
        Action::Cancel => {
            check(OpKind::Cancel, &i)?;
            return cancel(f, call, i);
        }
    };
    i.updated = now;
    f.note(call.tenant(), "instance", id, from.as_str(), i.status.as_str(), call.cx);
    f.instances.insert(call.tenant(), id, i);
    due.schedule(call.cx);
    Ok(Out::accepted())
}

/// 1.2.2.11: "自動バックアップおよび DB スナップショットの作成をキャンセルする", done in
/// about 10 minutes (seed 5848, knob `durations.cancel`). A running backup returns the
/// instance to its state before it, unrecorded; snapshots in progress go. Nothing in
/// progress: 422.
fn cancel(f: &Fujitsu, call: &Call, mut i: Instance) -> Res {
    let now = call.cx.now;
    let secs = call.settings.durations.cancel;
    let backup = match &i.transit {
        Some(t) if i.status == Status::Backup && t.work == Work::Backup => Some(t.back),
        _ => None,
    };
    let (tenant, id) = (i.tenant.clone(), i.id.clone());
    let snapshots: Vec<Snapshot> = f
        .snapshots
        .list_where(&tenant, |s| s.instance_id == id && s.status == SnapshotStatus::InProgress && !s.cancelling);
    if backup.is_none() && snapshots.is_empty() {
        return Err(FujitsuError::InvalidState(format!(
            "cancel needs an automated backup or a DB snapshot creation in progress; instance {id} is {}",
            i.status.as_str()
        )));
    }
    let mut due = Vec::new();
    if let Some(back) = backup {
        due.push(begin(&mut i, Status::Backup, Work::CancelBackup, back, secs, now));
        i.updated = now;
        f.instances.insert(&tenant, &id, i);
    }
    for s in snapshots {
        f.snapshots.update(&tenant, &s.id, |s| s.cancelling = true);
        due.push(Due {
            at: now.plus_secs(secs),
            event: Event::SnapshotDone { tenant: tenant.as_str().into(), id: s.id.as_str().into() },
        });
    }
    for d in due {
        d.schedule(call.cx);
    }
    Ok(Out::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_restorable_range_needs_a_backup() {
        let mut i = super::super::chaos::tests::sample_instance();
        i.backup_retention = 1;
        assert_eq!(restorable(&i, &[], SimInstant::from_secs(1000), 300), None);
        let backups = [SimInstant::from_secs(100), SimInstant::from_secs(200)];
        assert_eq!(
            restorable(&i, &backups, SimInstant::from_secs(1000), 300),
            Some((SimInstant::from_secs(100), SimInstant::from_secs(700)))
        );
        assert_eq!(
            restorable(&i, &backups, SimInstant::from_secs(250), 300),
            Some((SimInstant::from_secs(100), SimInstant::from_secs(200)))
        );
        i.backup_retention = 0;
        assert_eq!(restorable(&i, &backups, SimInstant::from_secs(1000), 300), None);
    }
}
