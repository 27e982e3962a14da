//! Read replicas (1.2.2.12).
//!
//! May touch: what `instances` may (the instance, snapshot and tenant tables; the schedule).

use compact_str::CompactString;
use super::*;
use crate::id::Id;

/// `POST /instances` with `action.readreplica` (1.2.2.12).
pub(super) fn replica(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
    let spec = replica_spec(body)?;
    let _guard = f.lock();
    let src_tenant = spec.source_tenant.clone().unwrap_or_else(|| call.tenant().to_owned());
    let not_found = || {
        FujitsuError::NotFound(format!(
            "DBInstanceNotFound: instance.readReplicaSrcDBInstance.id '{}' is not an instance of the project",
            spec.source_id
        ))
    };
    // Another project's source only for a user of that project; never a hint otherwise.
    if src_tenant != call.tenant() && !auth::member(f, &call.principal.user_id, &src_tenant) {
        return Err(not_found());
    }
    let src = f.instances.get(&src_tenant, &spec.source_id).ok_or_else(not_found)?;
    check(OpKind::Replicate, &src)?;
    source_preconditions(&src)?;
    let flavor = spec.flavor.as_deref().map_or_else(|| src.flavor.clone(), CompactString::from);
    refs::flavor_exists("instance.flavorRef", &flavor)?;
    let p = placement(
        f,
        call.tenant(),
        Some(&spec.subnet_id),
        spec.parameter_group.as_deref(),
        spec.security_groups.as_deref(),
    )?;
    let maintenance = spec.maintenance_window.unwrap_or(src.maintenance_window);
    windows::backup_clear_of_maintenance("instance.preferredMaintenanceWindow", src.backup_window, maintenance)
        .map_err(|_| {
            FieldError::says(
                "instance.preferredMaintenanceWindow",
                format!(
                    "{} overlaps the source's preferredBackupWindow {}",
                    maintenance.text(),
                    src.backup_window.text()
                ),
            )
        })?;
    let given =
        Given { backup: Some(src.backup_window), maintenance: Some(maintenance), volume_time: None, flavor_time: None };
    let w = windows::defaults(given, &mut draw(call))?;
    // "元のデータベース仮想サーバの値。ただし、重複する場合は、random value" (seed 6025).
    let id = match &spec.id {
        Some(id) => new_id(f, call, Some(id))?,
        None if !f.instances.contains(call.tenant(), &src.id) => src.id.to_string(),
        None => new_id(f, call, None)?,
    };
    let volume = Volume {
        size: spec.volume_size.unwrap_or(src.volume.size),
        kind: spec.volume_type.as_deref().map_or_else(|| src.volume.kind.clone(), CompactString::from),
    };
    quotas(f, call, volume.size)?;
    let now = call.cx.now;
    let publicly_accessible = spec.publicly_accessible.unwrap_or(src.publicly_accessible);
    let spec_scale = AutoScaleSpec {
        volume_available: false,
        volume_max_size: 10000.max(volume.size),
        flavor_available: false,
        replica_available: false,
        replica_max_number: 5,
    };
    let inst = Instance {
        id: Id::new(&id),
        tenant: Id::new(call.tenant()),
        seq: f.next_instance_seq(),
        name: spec.name.as_deref().map_or_else(|| src.name.clone(), CompactString::from),
        description: spec.description.clone().or_else(|| src.description.clone()),
        status: Status::Build,
        created: now,
        updated: now,
        flavor,
        volume,
        subnet_id: p.subnet_id,
        private_ip: f.private_ip(&p.cidr).into(),
        public_ip: publicly_accessible.then(|| f.public_ip()),
        multi: false,
        port: spec.port.unwrap_or(src.port),
        backup_window: src.backup_window,
        maintenance_window: maintenance,
        recovery: spec.recovery.or(src.recovery).or(Some(Recovery::Immediately)),
        auto_maintenance: spec.auto_maintenance.unwrap_or(src.auto_maintenance),
        publicly_accessible,
        security_groups: p.security_groups,
        parameter_group: p.parameter_group,
        // A replica keeps no automated backups of its own.
        backup_retention: 0,
        engine: src.engine.clone(),
        engine_version: src.engine_version.clone(),
        engine_minor_version: src.engine_minor_version.clone(),
        master_user_name: src.master_user_name.clone(),
        master_password: src.master_password.clone(),
        character_set: src.character_set.clone(),
        collate: src.collate.clone(),
        download_log_extension: spec.download_log_extension.unwrap_or(src.download_log_extension),
        databases: src.databases.clone(),
        users: src.users.clone(),
        auto_scale: auto_scale(f, &spec_scale, &w, &p.cidr, publicly_accessible),
        pending: crate::sparse::Sparse::default(),
        replica_of: Some(Box::new(src.reference(&call.settings.region))),
        replicas: Vec::new(),
        replica_status: Some(ReplicaStatus::Replicating),
        stopped_degenerated: false,
        backup_series: 0,
        generation: 0,
        transit: None,
        fail_next: false,
        stall_next: 0,
        cpu_loads: Default::default(),
    };
    launch(f, call, inst, p.internet_gateway, call.settings.durations.replica, None)
}
