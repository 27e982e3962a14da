//! Modify an instance (1.2.2.3): applied now or at the next restart (pending values).
//!
//! May touch: what `instances` may (the instance, snapshot and tenant tables; the schedule).

use super::*;

/// `PUT /instances/{id}` (1.2.2.3). Changes that need no restart apply at once (with a
/// short MODIFYING, knob `durations.modify`); the restart-requiring ones (seed 1.1.3)
/// restart now with `applyImmediately=true` (RESIZE for the disk, MODIFYING otherwise)
/// or wait in `pendingModifiedValues` with RESTART_REQUIRED until a reboot (A24). A
/// stopped instance keeps them pending until it starts; a FAILED one may only resize
/// its disk (seed 261) and goes back to FAILED.
pub fn modify(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let body = instance_body(call)?;
    let i = common::need("instance", &body.instance, "object")?;
    let spec = modify_spec(i)?;
    let _guard = f.lock();
    let mut inst = get(f, call, id)?;
    let op = OpKind::modify(spec.disk_only(), spec.apply_immediately);
    if !model::modify_allowed(&inst, op) {
        return Err(refused(op, &inst));
    }
    let spec = resolve(spec, &inst)?;
    if let Some(flavor) = &spec.restart.flavor {
        refs::flavor_exists("instance.flavorRef", flavor)?;
    }
    if spec.parameter_group.is_some() || spec.security_groups.is_some() {
        placement(
            f,
            call.tenant(),
            Some(&inst.subnet_id),
            spec.parameter_group.as_deref(),
            spec.security_groups.as_deref(),
        )
        .map(|_| ())
        .or_else(|e| match e {
            // The instance's own subnet may have left the tenant's list; only the
            // groups are this request's.
            FujitsuError::NotFound(m) if m.starts_with("SubnetNotFound") => Ok(()),
            e => Err(e),
        })?;
    }
    if let Some(new_id) = &spec.restart.id {
        refs::id_unused("instance.id", new_id, f.instances.contains(call.tenant(), new_id))?;
    }
    if let (Some(v), true) = (&spec.restart.volume, call.settings.quota_volume_gb > 0) {
        let total: u64 = f.instances.list(call.tenant()).iter().map(|x| u64::from(x.volume.size)).sum();
        let grow = u64::from(v.size.saturating_sub(inst.volume.size));
        refs::volume_quota("instance.volume.size", total, grow, call.settings.quota_volume_gb)?;
    }
    let from = inst.status;
    let due = apply_modify(f, call, &mut inst, &spec);
    let out = ok_instance(&inst, call);
    f.note(call.tenant(), "instance", id, from.as_str(), inst.status.as_str(), call.cx);
    f.instances.insert(call.tenant(), id, inst);
    for d in due {
        d.schedule(call.cx);
    }
    out
}

pub(super) fn apply_modify(f: &Fujitsu, call: &Call, i: &mut Instance, spec: &ModifySpec) -> Vec<Due> {
    let now = call.cx.now;
    let d = &call.settings.durations;
    let mut due = Vec::new();
    i.updated = now;
    if let Some(n) = &spec.name {
        i.name = n.as_str().into();
    }
    if let Some(x) = &spec.description {
        i.description = Some(x.clone());
    }
    if let Some(w) = spec.backup_window {
        if w != i.backup_window {
            i.backup_window = w;
            due.push(transitions::schedule_backups(i, call.cx, now));
        }
    }
    if let Some(w) = spec.maintenance_window {
        i.maintenance_window = w;
    }
    if let Some(x) = spec.auto_maintenance {
        i.auto_maintenance = x;
    }
    if let Some(x) = &spec.security_groups {
        i.security_groups.clone_from(x);
    }
    if let Some(x) = &spec.parameter_group {
        i.parameter_group.clone_from(x);
    }
    if let Some(x) = spec.backup_retention {
        i.backup_retention = x;
    }
    if let Some(x) = &spec.engine_version {
        i.engine_version = x.as_str().into();
    }
    if let Some(p) = &spec.master_password {
        i.master_password.set(now, Secret::new(p));
    }
    if let Some(x) = spec.download_log_extension {
        i.download_log_extension = x;
    }
    let a = &spec.auto_scale;
    let s = &mut i.auto_scale;
    s.volume_available = a.volume_available.unwrap_or(s.volume_available);
    s.volume_max_size = a.volume_max_size.unwrap_or(s.volume_max_size);
    s.volume_time = a.volume_time.unwrap_or(s.volume_time);
    s.flavor_available = a.flavor_available.unwrap_or(s.flavor_available);
    s.flavor_time = a.flavor_time.unwrap_or(s.flavor_time);
    if a.replica_available.is_some() || a.replica_max_number.is_some() {
        s.replica_available = a.replica_available.unwrap_or(s.replica_available);
        s.replica_max_number = a.replica_max_number.unwrap_or(s.replica_max_number);
        let cidr = f
            .tenants
            .read("", &i.tenant, |t| t.subnets.iter().find(|x| x.id == i.subnet_id).map(|x| x.cidr.clone()))
            .flatten()
            .unwrap_or_else(|| DEFAULT_SUBNET_CIDR.to_owned());
        let public = i.publicly_accessible;
        replica_ips(f, &mut i.auto_scale, &cidr, public);
    }
    let restart = &spec.restart;
    if !restart.is_empty() {
        match i.status {
            // Seed 261: a FAILED instance may resize its disk; it stays FAILED.
            Status::Failed => {
                let changes = restart.clone();
                i.pending.volume.clone_from(&changes.volume);
                due.push(begin(i, Status::Resize, Work::Apply { changes }, Status::Failed, d.resize, now));
            }
            // Stopped: pending until the next start (applyImmediately is refused here).
            Status::Shutdown => merge_pending(i, restart),
            _ if spec.apply_immediately => {
                let changes = Restart::from_pending(&i.pending).merged(restart);
                merge_pending(i, restart);
                let (status, secs) = if changes.volume.is_some() {
                    (Status::Resize, d.resize)
                } else {
                    (Status::Modifying, d.modify_restart)
                };
                i.pending.master_user_password = spec.master_password.is_some();
                due.push(begin(i, status, Work::Apply { changes }, Status::Active, secs, now));
            }
            _ => {
                merge_pending(i, restart);
                i.status = Status::RestartRequired;
            }
        }
    } else if spec.has_plain_changes() && matches!(i.status, Status::Active | Status::RestartRequired) && d.modify > 0 {
        let back = i.status;
        i.pending.master_user_password = spec.master_password.is_some();
        due.push(begin(i, Status::Modifying, Work::Touch, back, d.modify, now));
    } else if spec.apply_immediately && i.status == Status::RestartRequired {
        // Nothing new, but "API 実行後にインスタンスが再起動します" (seed 1741): the
        // pending values apply now.
        let changes = Restart::from_pending(&i.pending);
        let status = if changes.volume.is_some() { Status::Resize } else { Status::Modifying };
        due.push(begin(i, status, Work::Apply { changes }, Status::Active, d.modify_restart, now));
    }
    due
}

pub(super) fn merge_pending(i: &mut Instance, r: &Restart) {
    let p = &mut i.pending;
    if r.flavor.is_some() {
        p.flavor.clone_from(&r.flavor);
    }
    if r.volume.is_some() {
        p.volume.clone_from(&r.volume);
    }
    if r.port.is_some() {
        p.port = r.port;
    }
    if r.id.is_some() {
        p.id.clone_from(&r.id);
    }
}
