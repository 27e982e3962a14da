//! Fujitsu DB snapshots (seed 1.3, lines 7110–7682): create, delete, copy, list, get, and
//! the automated ones that the instance's daily backup takes.
//!
//! - Manual snapshots (1.3.2.1, 1.3.2.3) start `In_progress` and become `Available` after
//!   knob `durations.snapshot` (0: at once, as the create example prints `Available`);
//!   a cancel (1.2.2.11) removes them instead.
//! - Automated snapshots (`snapshotType: automated`, the list filter of seed 7518–7530)
//!   are the daily backups of the backup window ("日次のバックアップ", seed 444), taken on
//!   the simulated clock by `transitions`, kept for `backupRetentionPeriod` days (seed
//!   557–568) and gone with their instance. They are PITR's range (1.2.2.5); a restore
//!   (1.2.2.4) takes a manual one ("手動で作成した DB スナップショット", seed 2591).
//! - A delete (1.3.2.2) shows `Deleted` for knob `durations.snapshotDelete`, then the
//!   snapshot is gone (404), and a `DELETED` instance whose last snapshot went goes too
//!   (seed 260).
//!
//! May touch: the snapshot and instance tables (read; a reaped DELETED instance), the
//! schedule. Authority: seed 1.3.2.1–1.3.2.5; extract 03 §1.3; 00-decisions (statuses).

use hyper::StatusCode;
use serde_json::{json, Value};

use super::error::FujitsuError;
use super::instances;
use super::model::*;
use super::transitions;
use super::validate::snapshot::{self as rules, SnapshotSpec};
use super::validate::query;
use super::wire::{SnapshotBody};
use super::{body_mirror, Call, Fujitsu, Out, Res, NAME};
use crate::clock::SimInstant;
use crate::providers::{Cx, Transition};

/// The seed's `Date` values as the instance views print them (`2026-12-02T12:00:00`).
pub fn time_text(cx: &Cx, t: SimInstant) -> String {
    cx.clock.to_utc(t).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The full element of create, copy and get (seed 7214–7262, 7424–7468, 7620–7670).
/// `created` is `null` until the snapshot is `Available`: the create example prints
/// `"created": null` (seed 7275), and the time is the one a restore returns to (seed
/// 7628–7632), which an unfinished snapshot does not have yet.
pub fn view(s: &Snapshot, cx: &Cx) -> Value {
    let created = match s.status {
        SnapshotStatus::InProgress => Value::Null,
        _ => Value::String(time_text(cx, s.created)),
    };
    json!({"snapshot": {
        "created": created,
        "name": s.name,
        "id": s.id,
        "instanceId": s.instance_id,
        "snapshotType": s.snapshot_type,
        "status": s.status.as_str(),
        "description": s.description,
    }})
}

fn ok(s: &Snapshot, cx: &Cx) -> Res {
    let body = serde_json::to_vec(&view(s, cx)).expect("a JSON value serialises");
    Ok(Out::json(StatusCode::OK, body))
}

fn not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("DBSnapshotNotFound: snapshot '{id}' is not a DB snapshot of the tenant"))
}

fn body(call: &Call) -> Result<SnapshotBody, FujitsuError> {
    body_mirror(call.req)
}

/// A free id: the given one (400 when taken) or `snapshot-<random>` (the example's shape,
/// seed 7276, which obeys the id rule).
fn new_id(f: &Fujitsu, call: &Call, given: Option<&str>) -> Result<String, FujitsuError> {
    if let Some(id) = given {
        rules::snapshot_id_unused("snapshot.id", id, f.snapshots.contains(call.tenant(), id))?;
        return Ok(id.to_owned());
    }
    Ok(fresh_id(f, call.tenant(), call.cx))
}

fn fresh_id(f: &Fujitsu, tenant: &str, cx: &Cx) -> String {
    loop {
        let id = format!("snapshot-{}", cx.ids.alnum_lower(14));
        if !f.snapshots.contains(tenant, &id) {
            return id;
        }
    }
}

fn manual_count(f: &Fujitsu, tenant: &str) -> usize {
    f.snapshots.count_where(|k, s| k.0 == tenant && s.snapshot_type == SnapshotType::Manual)
}

/// Inserts a manual snapshot `In_progress` (or `Available` when the duration is 0) and
/// schedules its completion.
fn start(f: &Fujitsu, call: &Call, mut snap: Snapshot) -> Res {
    let secs = call.settings.durations.snapshot;
    snap.status = if secs == 0 { SnapshotStatus::Available } else { SnapshotStatus::InProgress };
    let out = ok(&snap, call.cx);
    let (tenant, id) = (snap.tenant.clone(), snap.id.clone());
    f.note(&tenant, "snapshot", &id, "-", snap.status.as_str(), call.cx);
    f.snapshots.insert(&tenant, &id, snap);
    if secs > 0 {
        call.cx.schedule_at(call.cx.now.plus_secs(secs), Event::SnapshotDone { tenant: tenant.into(), id: id.into() });
    }
    out
}

/// `POST /snapshots` (1.3.2.1): a manual snapshot of an instance whose state allows it
/// (`OpKind::Snapshot`: refused in BACKUP, SHUTDOWN and every state that refuses
/// POST, seed 253, 267).
pub fn create(f: &Fujitsu, call: &Call) -> Res {
    let spec: SnapshotSpec = rules::create_spec(&body(call)?)?;
    let instance_id = spec.instance_id.clone().unwrap_or_default();
    let _guard = f.lock();
    let inst = f.instances.get(call.tenant(), &instance_id).ok_or_else(|| {
        FujitsuError::NotFound(format!(
            "DBInstanceNotFound: snapshot.instanceId '{instance_id}' is not an instance of the tenant"
        ))
    })?;
    instances::check(OpKind::Snapshot, &inst)?;
    let id = new_id(f, call, spec.id.as_deref())?;
    rules::snapshot_quota(manual_count(f, call.tenant()), call.settings.quota_snapshots)?;
    let now = call.cx.now;
    let snap = Snapshot {
        id,
        tenant: call.tenant().to_owned(),
        instance_id: inst.id.to_string(),
        name: spec.name,
        description: spec.description,
        snapshot_type: SnapshotType::Manual,
        status: SnapshotStatus::InProgress,
        created: now,
        cancelling: false,
        source: SnapshotSource::of(&inst, now),
    };
    start(f, call, snap)
}

/// `PUT /snapshots/{id}` (1.3.2.3): a new manual snapshot with its source's data — its
/// instance, creation time (the restore point) and contents; the source is untouched.
pub fn copy(f: &Fujitsu, call: &Call, source_id: &str) -> Res {
    let spec = rules::copy_spec(&body(call)?)?;
    let _guard = f.lock();
    let src = f.snapshots.get(call.tenant(), source_id).ok_or_else(|| not_found(source_id))?;
    rules::copy_source_available(&src)?;
    let id = new_id(f, call, spec.id.as_deref())?;
    rules::snapshot_quota(manual_count(f, call.tenant()), call.settings.quota_snapshots)?;
    let snap = Snapshot {
        id,
        name: spec.name,
        description: spec.description.or_else(|| src.description.clone()),
        snapshot_type: SnapshotType::Manual,
        cancelling: false,
        ..src
    };
    start(f, call, snap)
}

/// `DELETE /snapshots/{id}` (1.3.2.2): 202; `Deleted`, then gone.
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    let snap = f.snapshots.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    rules::snapshot_deletable(&snap)?;
    let secs = call.settings.durations.snapshot_delete;
    if secs == 0 {
        f.snapshots.remove(call.tenant(), id);
        call.cx.cancel_events(super::NAME, "snapshot", call.tenant(), id);
        f.note(call.tenant(), "snapshot", id, snap.status.as_str(), "gone", call.cx);
        if let Some(t) = transitions::reap_deleted(f, call.tenant(), &snap.instance_id, call.cx) {
            f.note(call.tenant(), "instance", &t.id, &t.from, &t.to, call.cx);
        }
    } else {
        f.note(call.tenant(), "snapshot", id, snap.status.as_str(), "Deleted", call.cx);
        f.snapshots.update(call.tenant(), id, |s| s.status = SnapshotStatus::Deleted);
        let event = Event::SnapshotGone { tenant: call.tenant().into(), id: id.into() };
        call.cx.schedule_at(call.cx.now.plus_secs(secs), event);
    }
    Ok(Out::accepted())
}

/// `GET /snapshots/{id}` (1.3.2.5).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let snap = f.snapshots.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    ok(&snap, call.cx)
}

/// `GET /snapshots` (1.3.2.4): creation order, `snapshotType` filter, `limit` 20–100 and
/// `marker` = the id or name of the previous page's last element (seed 7490–7516). The
/// elements carry only the four fields the seed lists (7540–7566).
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let page = query::page(call.req, call.settings.clamp_list_limit)?;
    let pairs = call.req.query_pairs();
    let raw = pairs.iter().find(|(k, _)| k == "snapshotType").map(|(_, v)| v.as_str());
    let kind = rules::snapshot_type_filter(raw)?;
    let mut all = f.snapshots.list_where(call.tenant(), |s| kind.is_none_or(|k| s.snapshot_type == k));
    all.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let start = query::start_after(&all, page.marker.as_deref(), |s| &s.id, |s| &s.name)?;
    let items: Vec<Value> = all
        .iter()
        .skip(start)
        .take(page.limit)
        .map(|s| {
            json!({"snapshot": {"name": s.name, "id": s.id, "instanceId": s.instance_id, "snapshotType": s.snapshot_type}})
        })
        .collect();
    let body = serde_json::to_vec(&json!({ "snapshots": items })).expect("a JSON value serialises");
    Ok(Out::json(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------
// On the clock (called by `transitions` under the mutation lock).

/// The daily backup of `i` completed: an `automated` snapshot of it, `Available`, and
/// the ones older than the retention period go.
pub fn record_automated(f: &Fujitsu, i: &Instance, cx: &Cx) {
    let id = fresh_id(f, &i.tenant, cx);
    let stamp = cx.clock.to_utc(cx.now).format("%Y%m%d-%H%M").to_string();
    let snap = Snapshot {
        id: id.clone(),
        tenant: i.tenant.to_string(),
        instance_id: i.id.to_string(),
        name: format!("automated-{}-{stamp}", i.id),
        description: Some(format!("automated backup of {} (backup window {})", i.id, i.backup_window.text())),
        snapshot_type: SnapshotType::Automated,
        status: SnapshotStatus::Available,
        created: cx.now,
        cancelling: false,
        source: SnapshotSource::of(i, cx.now),
    };
    f.snapshots.insert(&i.tenant, &id, snap);
    prune_automated(f, i, cx.now);
}

/// Automated snapshots older than `backupRetentionPeriod` days go (0: every one).
pub fn prune_automated(f: &Fujitsu, i: &Instance, now: SimInstant) {
    let keep = u64::from(i.backup_retention) * 86_400;
    f.snapshots.retain(|k, s| {
        !(k.0 == i.tenant
            && s.instance_id == i.id
            && s.snapshot_type == SnapshotType::Automated
            && (keep == 0 || now.secs_since(s.created) > keep))
    });
}

/// `Event::SnapshotGone`: a `Deleted` snapshot leaves; its DELETED instance may follow.
pub fn gone(f: &Fujitsu, tenant: &str, id: &str, cx: &Cx) -> Vec<Transition> {
    let Some(snap) = f.snapshots.get(tenant, id) else { return Vec::new() };
    if snap.status != SnapshotStatus::Deleted {
        return Vec::new();
    }
    f.snapshots.remove(tenant, id);
    let mut out = vec![Transition::new(NAME, "snapshot", id, "Deleted", "gone", cx)];
    out.extend(transitions::reap_deleted(f, tenant, &snap.instance_id, cx));
    out
}

/// The snapshot a request names in its path or (reply given) created, for resource
/// faults.
pub fn target(r: &super::routes::Routed, reply: Option<&crate::http::Reply>) -> Option<(String, String)> {
    use super::routes::Endpoint;
    match r.endpoint {
        Endpoint::ShowSnapshot { id } | Endpoint::CopySnapshot { id } | Endpoint::DeleteSnapshot { id } => {
            Some((r.tenant.to_owned(), id.to_owned()))
        }
        Endpoint::CreateSnapshot => {
            let body = reply?.body_json()?;
            Some((r.tenant.to_owned(), body.get("snapshot")?.get("id")?.as_str()?.to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automated_snapshots_last_their_retention_period() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let f = Fujitsu::build(&cx);
        let mut i = super::super::chaos::tests::sample_instance();
        i.backup_retention = 2;
        record_automated(&f, &i, &cx);
        let day = |n: u64| core.cx(SimInstant::from_secs(n * 86_400));
        record_automated(&f, &i, &day(1));
        record_automated(&f, &i, &day(2));
        assert_eq!(f.snapshots.len(), 3, "day 0 is exactly 2 days old");
        record_automated(&f, &i, &day(3));
        assert_eq!(f.snapshots.len(), 3, "day 0 went");
        i.backup_retention = 0;
        prune_automated(&f, &i, SimInstant::from_secs(3 * 86_400));
        assert!(f.snapshots.is_empty());
    }
}
