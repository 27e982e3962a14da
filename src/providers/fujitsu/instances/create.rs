//! A new instance: its origin, placement, id, quotas and record, launched on the
//! schedule (1.2.2.1; shared by restores, PITR and replicas).
//!
//! May touch: what `instances` may (the instance, snapshot and tenant tables; the schedule).

use compact_str::CompactString;
use super::*;
use crate::id::Id;

/// What a new instance takes from its origin (the request for a create, the snapshot
/// for a restore, the source instance for PITR and replicas).
pub(super) struct Origin {
    pub(super) flavor: CompactString,
    pub(super) engine: CompactString,
    pub(super) engine_version: CompactString,
    pub(super) engine_minor_version: CompactString,
    pub(super) master_user_name: CompactString,
    pub(super) character_set: CompactString,
    pub(super) collate: CompactString,
    pub(super) databases: Vec<String>,
    pub(super) users: Vec<DbUser>,
}

/// The tenant's references of a new instance, checked: the subnet (given or the
/// tenant's first; 00-decisions), the parameter group and the security groups (given or
/// the tenant's default ones, seed 539–555).
pub(super) struct Placement {
    pub(super) subnet_id: String,
    pub(super) cidr: String,
    pub(super) internet_gateway: bool,
    pub(super) parameter_group: String,
    pub(super) security_groups: Vec<String>,
}

pub(super) fn placement(
    f: &Fujitsu,
    tenant: &str,
    subnet: Option<&str>,
    parameter_group: Option<&str>,
    security_groups: Option<&[String]>,
) -> Result<Placement, FujitsuError> {
    let found = f.tenants.read("", tenant, |t| -> Result<Placement, FujitsuError> {
        let subnet = match subnet {
            Some(id) => refs::subnet_owned("instance.subnetId", t, id)?.clone(),
            None => t.subnets.first().cloned().ok_or_else(|| {
                FujitsuError::Invalid(FieldError::says(
                    "instance.subnetId",
                    "is required: the tenant has no default subnet",
                ))
            })?,
        };
        let pg = match parameter_group {
            Some(g) => {
                refs::parameter_group_owned("instance.parameterGroupId", t, g)?;
                g.to_owned()
            }
            None => t.parameter_groups.first().cloned().unwrap_or_else(|| DEFAULT_PARAMETER_GROUP.to_owned()),
        };
        let sgs = match security_groups {
            Some(ids) => {
                refs::security_groups_owned("instance.securityGroupIds", t, ids)?;
                ids.to_vec()
            }
            None => vec![t.security_groups.first().cloned().unwrap_or_else(|| DEFAULT_SECURITY_GROUP.to_owned())],
        };
        Ok(Placement {
            subnet_id: subnet.id,
            cidr: subnet.cidr,
            internet_gateway: subnet.internet_gateway,
            parameter_group: pg,
            security_groups: sgs,
        })
    });
    found.unwrap_or(Err(FujitsuError::Unauthorized("the project does not exist")))
}

/// An id for a new instance: the given one if free (400 otherwise), else a random one
/// obeying the id rule ("Default: random value", seed 381).
pub(super) fn new_id(f: &Fujitsu, call: &Call, given: Option<&str>) -> Result<String, FujitsuError> {
    if let Some(id) = given {
        refs::id_unused("instance.id", id, f.instances.contains(call.tenant(), id))?;
        return Ok(id.to_owned());
    }
    loop {
        let id = format!("db-{}", call.cx.ids.alnum_lower(10));
        if !f.instances.contains(call.tenant(), &id) {
            return Ok(id);
        }
    }
}

/// The quotas a new instance must fit (knobs `fujitsu.quota.*`).
pub(super) fn quotas(f: &Fujitsu, call: &Call, size: u32) -> Result<(), FujitsuError> {
    refs::instance_quota(f.instances.count(call.tenant()), call.settings.quota_instances)?;
    if call.settings.quota_volume_gb > 0 {
        let total: u64 = f.instances.list(call.tenant()).iter().map(|i| u64::from(i.volume.size)).sum();
        refs::volume_quota("instance.volume.size", total, size.into(), call.settings.quota_volume_gb)?;
    }
    Ok(())
}

/// The reserved read-replica addresses of autoScale (seed 1373–1391, A15).
pub(super) fn replica_ips(f: &Fujitsu, a: &mut AutoScale, cidr: &str, public: bool) {
    a.replica_ips.clear();
    a.replica_public_ips.clear();
    if a.replica_available {
        for _ in 0..a.replica_max_number {
            a.replica_ips.push(f.private_ip(cidr));
            if public {
                a.replica_public_ips.push(f.public_ip());
            }
        }
    }
}

pub(super) fn auto_scale(f: &Fujitsu, spec: &AutoScaleSpec, w: &Windows, cidr: &str, public: bool) -> AutoScale {
    let mut a = AutoScale {
        volume_available: spec.volume_available,
        volume_max_size: spec.volume_max_size,
        volume_time: w.volume_time,
        flavor_available: spec.flavor_available,
        flavor_time: w.flavor_time,
        replica_available: spec.replica_available,
        replica_max_number: spec.replica_max_number,
        replica_ips: Vec::new(),
        replica_public_ips: Vec::new(),
    };
    replica_ips(f, &mut a, cidr, public);
    a
}

/// A new instance from a validated `instance` (create and the restores), in BUILD.
pub(super) fn build(
    f: &Fujitsu,
    call: &Call,
    id: String,
    spec: &InstanceSpec,
    origin: Origin,
    w: Windows,
    p: Placement,
) -> Instance {
    let now = call.cx.now;
    let public_ip = spec.publicly_accessible.then(|| f.public_ip());
    Instance {
        id: Id::new(&id),
        tenant: Id::new(call.tenant()),
        seq: f.next_instance_seq(),
        name: spec.name.as_deref().map_or_else(|| format!("db-{}", call.cx.ids.alnum_lower(10)).into(), CompactString::from),
        description: spec.description.clone(),
        status: Status::Build,
        created: now,
        updated: now,
        flavor: origin.flavor,
        volume: spec.volume.clone(),
        subnet_id: p.subnet_id,
        private_ip: f.private_ip(&p.cidr).into(),
        public_ip,
        multi: spec.multi,
        port: spec.port,
        backup_window: w.backup,
        maintenance_window: w.maintenance,
        recovery: spec.recovery,
        auto_maintenance: spec.auto_maintenance,
        publicly_accessible: spec.publicly_accessible,
        security_groups: p.security_groups,
        parameter_group: p.parameter_group,
        backup_retention: spec.backup_retention,
        engine: origin.engine,
        engine_version: origin.engine_version,
        engine_minor_version: origin.engine_minor_version,
        master_user_name: origin.master_user_name,
        master_password: PasswordHistory::new(now, Secret::new(&spec.master_password)),
        character_set: origin.character_set,
        collate: origin.collate,
        download_log_extension: spec.download_log_extension,
        databases: origin.databases,
        users: origin.users,
        auto_scale: auto_scale(f, &spec.auto_scale, &w, &p.cidr, spec.publicly_accessible),
        pending: crate::sparse::Sparse::default(),
        replica_of: None,
        replicas: Vec::new(),
        replica_status: None,
        stopped_degenerated: false,
        backup_series: 0,
        generation: 0,
        transit: None,
        fail_next: false,
        stall_next: 0,
        cpu_loads: Default::default(),
    }
}

/// Inserts a new instance in BUILD and schedules its settle; answers 200 with it. The
/// caller's create lock (`held`, when it passes it) is released once the instance is in
/// the table, before its answer is rendered, so that creates wait on each other only for
/// the checks and the insert.
pub(super) fn launch(f: &Fujitsu, call: &Call, mut i: Instance, internet_gateway: bool, secs: u64, held: Held<'_>) -> Res {
    // Seed 1.1.2: public access in a subnet without an Internet gateway ends in Error.
    let back = if i.publicly_accessible && !internet_gateway { Status::Error } else { Status::Active };
    let due = begin(&mut i, Status::Build, Work::Build, back, secs, call.cx.now);
    f.note(call.tenant(), "instance", &i.id, "-", "BUILD", call.cx);
    let id = i.id.clone();
    let out = f.instances.insert_then(call.tenant(), &id, i, |i| {
        drop(held);
        ok_instance(i, call)
    });
    due.schedule(call.cx);
    out
}

/// The create lock, when the caller hands it over to be released early.
type Held<'a> = Option<std::sync::MutexGuard<'a, ()>>;

/// The common end of a create and the two restores: the tenant's references, the
/// windows (drawn where not given), the id, the quotas; then the instance in BUILD, its
/// settle scheduled `secs` from now.
pub(super) fn open(f: &Fujitsu, call: &Call, spec: &InstanceSpec, origin: Origin, secs: u64, held: Held<'_>) -> Res {
    let p = placement(
        f,
        call.tenant(),
        spec.subnet_id.as_deref(),
        spec.parameter_group.as_deref(),
        spec.security_groups.as_deref(),
    )?;
    let w = windows::defaults(spec.windows, &mut draw(call))?;
    let id = new_id(f, call, spec.id.as_deref())?;
    quotas(f, call, spec.volume.size)?;
    let gateway = p.internet_gateway;
    let inst = build(f, call, id, spec, origin, w, p);
    launch(f, call, inst, gateway, secs, held)
}

/// `POST /instances` without `action` (1.2.2.1).
pub(super) fn create(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
    let i: &InstanceRequest = common::need("instance", &body.instance, "object")?;
    let spec = instance_spec(Family::Create, i)?;
    let flavor = spec.flavor.clone().unwrap_or_default();
    refs::flavor_exists("instance.flavorRef", &flavor)?;
    let e = spec.engine.clone().expect("a create spec has its engine fields");
    let minor = super::super::catalog::engine(&e.engine, &e.engine_version).map_or("0", |x| x.minor_version);
    let users = e
        .users
        .iter()
        .map(|u| DbUser { name: u.name.clone(), password: Secret::new(&u.password), databases: u.databases.clone() })
        .collect();
    let origin = Origin {
        flavor: flavor.into(),
        engine: e.engine.as_str().into(),
        engine_version: e.engine_version.as_str().into(),
        engine_minor_version: minor.into(),
        master_user_name: spec.master_user_name.as_deref().unwrap_or("postgres").into(),
        character_set: e.character_set.as_str().into(),
        collate: e.collate.as_str().into(),
        databases: e.databases.clone(),
        users,
    };
    // The lock covers the references, the id, the quotas and the insert; the answer is
    // rendered after it (see `launch`).
    let guard = f.lock();
    open(f, call, &spec, origin, call.settings.durations.create, Some(guard))
}
