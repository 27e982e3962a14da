//! Restore from a DB snapshot and point-in-time recovery (1.2.2.4, 1.2.2.5), and the
//! restorable range they both check.
//!
//! May touch: what `instances` may (the instance, snapshot and tenant tables; the schedule).

use compact_str::CompactString;
use super::*;

pub(super) fn snapshot_not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("DBSnapshotNotFound: snapshot.id '{id}' is not a DB snapshot of the tenant"))
}

/// `POST /instances` with `action.restoresnapshot` (1.2.2.4): a new instance from an
/// `Available` DB snapshot; the engine, character set, collation, databases and users
/// come from the snapshot; the source instance is untouched and may be gone (A7).
pub(super) fn restore(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
    let spec = restore_spec(body)?;
    let s = spec.instance;
    let flavor = s.flavor.clone().unwrap_or_default();
    let _guard = f.lock();
    let snap =
        f.snapshots.get(call.tenant(), &spec.snapshot_id).ok_or_else(|| snapshot_not_found(&spec.snapshot_id))?;
    refs::snapshot_available(&snap)?;
    refs::snapshot_manual(&snap)?;
    refs::flavor_exists("instance.flavorRef", &flavor)?;
    if let Some(src) = f.instances.get(call.tenant(), &snap.instance_id) {
        check(OpKind::RestoreSnapshot, &src)?;
    }
    let src = &snap.source;
    if call.settings.strict_restore_credentials {
        same_master_user_name(s.master_user_name.as_deref(), &src.master_user_name)?;
        same_master_password(src.master_password.as_ref().is_some_and(|p| p.matches(&s.master_password)))?;
    }
    let origin = Origin {
        flavor: flavor.into(),
        engine: src.engine.clone(),
        engine_version: src.engine_version.clone(),
        engine_minor_version: src.engine_minor_version.clone(),
        master_user_name: s.master_user_name.as_deref().map_or_else(|| src.master_user_name.clone(), CompactString::from),
        character_set: src.character_set.clone(),
        collate: src.collate.clone(),
        databases: src.databases.clone(),
        users: src.users.clone(),
    };
    let out = open(f, call, &s, origin, call.settings.durations.restore, None)?;
    let message = format!("Restoring DB instance {} from snapshot", s.id.as_deref().unwrap_or("(new)"));
    f.record(call.tenant(), "snapshot", &snap.id, "restoration", message.into(), call.cx.now);
    Ok(out)
}

/// The restorable range of an instance's automated backups (its `automated` DB
/// snapshots, completion times in order): from the oldest retained one to `pitr.logLag`
/// seconds ago (never before the newest); `None` when it keeps none
/// (`backupRetentionPeriod` 0, or no backup yet, seed 5852).
pub fn restorable(i: &Instance, backups: &[SimInstant], now: SimInstant, lag: u64) -> Option<(SimInstant, SimInstant)> {
    if i.backup_retention == 0 {
        return None;
    }
    let earliest = *backups.first()?;
    let last = *backups.last()?;
    let latest = SimInstant(now.0.saturating_sub(lag.saturating_mul(1000))).max(last);
    Some((earliest, latest))
}

/// Completion times of the instance's retained automated backups, oldest first.
pub fn automated_backups(f: &Fujitsu, i: &Instance) -> Vec<SimInstant> {
    let mut times: Vec<SimInstant> = f
        .snapshots
        .list_where(&i.tenant, |s| {
            s.instance_id == i.id && s.snapshot_type == SnapshotType::Automated && s.status == SnapshotStatus::Available
        })
        .into_iter()
        .map(|s| s.created)
        .collect();
    times.sort_unstable();
    times
}

/// `POST /instances/{id}` (1.2.2.5): a new instance from the path instance's automated
/// backups, at `restoreTime` or the latest restorable time.
pub fn pitr(f: &Fujitsu, call: &Call, source_id: &str) -> Res {
    let body = instance_body(call)?;
    let _guard = f.lock();
    let src = get(f, call, source_id)?;
    let spec = pitr_spec(&body)?;
    check(OpKind::Pitr, &src)?;
    let backups = automated_backups(f, &src);
    let (earliest, latest) = restorable(&src, &backups, call.cx.now, call.settings.pitr_log_lag).ok_or_else(|| {
        FujitsuError::Unprocessable(format!(
            "InvalidDBInstanceState: instance {} has no automated backup to recover from (backupRetentionPeriod {})",
            src.id, src.backup_retention
        ))
    })?;
    let clock = call.cx.clock;
    let at = match spec.point {
        RestorePoint::Latest => latest,
        RestorePoint::At(t) => {
            restore_time_in_range(spec.time_field, t, clock.to_utc(earliest), clock.to_utc(latest))?;
            clock.from_utc(t)
        }
    };
    let s = spec.instance;
    if call.settings.strict_restore_credentials {
        same_master_user_name(s.master_user_name.as_deref(), &src.master_user_name)?;
        // "restoreTime を指定した場合、指定した時刻での…masterUserPassword", "useLatestRestorableTime
        // に true を指定した場合には、現時点での…masterUserPassword" (seed 4003–4004).
        let expected = match spec.point {
            RestorePoint::Latest => src.master_password.current(),
            RestorePoint::At(_) => src.master_password.at(at),
        };
        same_master_password(expected.is_some_and(|p| p.matches(&s.master_password)))?;
    }
    let flavor = s.flavor.as_deref().map_or_else(|| src.flavor.clone(), CompactString::from);
    refs::flavor_exists("instance.flavorRef", &flavor)?;
    let origin = Origin {
        flavor,
        engine: src.engine.clone(),
        engine_version: src.engine_version.clone(),
        engine_minor_version: src.engine_minor_version.clone(),
        master_user_name: src.master_user_name.clone(),
        character_set: src.character_set.clone(),
        collate: src.collate.clone(),
        databases: src.databases.clone(),
        users: src.users.clone(),
    };
    open(f, call, &s, origin, call.settings.durations.restore, None)
}
