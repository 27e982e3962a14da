//! The instance handlers, one function per operation (seed 1.2.2.1–1.2.2.12): parse →
//! validate (every rule, `validate/`) → check the state (`model::InstanceStatus::can`
//! and the operation's precondition) → apply and schedule (`transitions`) → render
//! (`view`). Nothing is written before every rule has passed; the mutation lock is held
//! from the first read of shared state to the write, so checks and writes never race.
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

/// What a new instance takes from its origin (the request for a create, the snapshot
/// for a restore, the source instance for PITR and replicas).
struct Origin {
    flavor: String,
    engine: String,
    engine_version: String,
    engine_minor_version: String,
    master_user_name: String,
    character_set: String,
    collate: String,
    databases: Vec<String>,
    users: Vec<DbUser>,
}

/// The tenant's references of a new instance, checked: the subnet (given or the
/// tenant's first; 00-decisions), the parameter group and the security groups (given or
/// the tenant's default ones, seed 539–555).
struct Placement {
    subnet_id: String,
    cidr: String,
    internet_gateway: bool,
    parameter_group: String,
    security_groups: Vec<String>,
}

fn placement(
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
fn new_id(f: &Fujitsu, call: &Call, given: Option<&str>) -> Result<String, FujitsuError> {
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
fn quotas(f: &Fujitsu, call: &Call, size: u32) -> Result<(), FujitsuError> {
    refs::instance_quota(f.instances.count(call.tenant()), call.settings.quota_instances)?;
    if call.settings.quota_volume_gb > 0 {
        let total: u64 = f.instances.list(call.tenant()).iter().map(|i| u64::from(i.volume.size)).sum();
        refs::volume_quota("instance.volume.size", total, size.into(), call.settings.quota_volume_gb)?;
    }
    Ok(())
}

/// The reserved read-replica addresses of autoScale (seed 1373–1391, A15).
fn replica_ips(f: &Fujitsu, a: &mut AutoScale, cidr: &str, public: bool) {
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

fn auto_scale(f: &Fujitsu, spec: &AutoScaleSpec, w: &Windows, cidr: &str, public: bool) -> AutoScale {
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
fn build(
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
        id,
        tenant: call.tenant().to_owned(),
        seq: f.next_instance_seq(),
        name: spec.name.clone().unwrap_or_else(|| format!("db-{}", call.cx.ids.alnum_lower(10))),
        description: spec.description.clone(),
        status: Status::Build,
        created: now,
        updated: now,
        flavor: origin.flavor,
        volume: spec.volume.clone(),
        subnet_id: p.subnet_id,
        private_ip: f.private_ip(&p.cidr),
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
        pending: Pending::default(),
        replica_of: None,
        replicas: Vec::new(),
        replica_status: None,
        stopped_degenerated: false,
        backup_series: 0,
        generation: 0,
        transit: None,
        fail_next: false,
        stall_next: 0,
        cpu_loads: Vec::new(),
    }
}

/// Inserts a new instance in BUILD and schedules its settle; answers 200 with it. The
/// caller's create lock (`held`, when it passes it) is released once the instance is in
/// the table, before its answer is rendered, so that creates wait on each other only for
/// the checks and the insert.
fn launch(f: &Fujitsu, call: &Call, mut i: Instance, internet_gateway: bool, secs: u64, held: Held<'_>) -> Res {
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
fn open(f: &Fujitsu, call: &Call, spec: &InstanceSpec, origin: Origin, secs: u64, held: Held<'_>) -> Res {
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
fn create(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
    let i: &InstanceRequest = common::need("instance", &body.instance, "object")?;
    let spec = instance_spec(Family::Create, i)?;
    let flavor = spec.flavor.clone().unwrap_or_default();
    refs::flavor_exists("instance.flavorRef", &flavor)?;
    let e = spec.engine.clone().expect("a create spec has its engine fields");
    let minor = super::catalog::engine(&e.engine, &e.engine_version).map_or("0", |x| x.minor_version);
    let users = e
        .users
        .iter()
        .map(|u| DbUser { name: u.name.clone(), password: Secret::new(&u.password), databases: u.databases.clone() })
        .collect();
    let origin = Origin {
        flavor,
        engine: e.engine.clone(),
        engine_version: e.engine_version.clone(),
        engine_minor_version: minor.to_owned(),
        master_user_name: spec.master_user_name.clone().unwrap_or_else(|| "postgres".to_owned()),
        character_set: e.character_set.clone(),
        collate: e.collate.clone(),
        databases: e.databases.clone(),
        users,
    };
    // The lock covers the references, the id, the quotas and the insert; the answer is
    // rendered after it (see `launch`).
    let guard = f.lock();
    open(f, call, &spec, origin, call.settings.durations.create, Some(guard))
}

fn snapshot_not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("DBSnapshotNotFound: snapshot.id '{id}' is not a DB snapshot of the tenant"))
}

/// `POST /instances` with `action.restoresnapshot` (1.2.2.4): a new instance from an
/// `Available` DB snapshot; the engine, character set, collation, databases and users
/// come from the snapshot; the source instance is untouched and may be gone (A7).
fn restore(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
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
        flavor,
        engine: src.engine.clone(),
        engine_version: src.engine_version.clone(),
        engine_minor_version: src.engine_minor_version.clone(),
        master_user_name: s.master_user_name.clone().unwrap_or_else(|| src.master_user_name.clone()),
        character_set: src.character_set.clone(),
        collate: src.collate.clone(),
        databases: src.databases.clone(),
        users: src.users.clone(),
    };
    let out = open(f, call, &s, origin, call.settings.durations.restore, None)?;
    let message = format!("Restoring DB instance {} from snapshot", s.id.as_deref().unwrap_or("(new)"));
    f.record(call.tenant(), "snapshot", &snap.id, "restoration", message, call.cx.now);
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
    let flavor = s.flavor.clone().unwrap_or_else(|| src.flavor.clone());
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

/// `POST /instances` with `action.readreplica` (1.2.2.12).
fn replica(f: &Fujitsu, call: &Call, body: &InstanceBody) -> Res {
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
    let flavor = spec.flavor.clone().unwrap_or_else(|| src.flavor.clone());
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
        None if !f.instances.contains(call.tenant(), &src.id) => src.id.clone(),
        None => new_id(f, call, None)?,
    };
    let volume = Volume {
        size: spec.volume_size.unwrap_or(src.volume.size),
        kind: spec.volume_type.clone().unwrap_or_else(|| src.volume.kind.clone()),
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
        id,
        tenant: call.tenant().to_owned(),
        seq: f.next_instance_seq(),
        name: spec.name.clone().unwrap_or_else(|| src.name.clone()),
        description: spec.description.clone().or_else(|| src.description.clone()),
        status: Status::Build,
        created: now,
        updated: now,
        flavor,
        volume,
        subnet_id: p.subnet_id,
        private_ip: f.private_ip(&p.cidr),
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
        pending: Pending::default(),
        replica_of: Some(src.reference(&call.settings.region)),
        replicas: Vec::new(),
        replica_status: Some(ReplicaStatus::Replicating),
        stopped_degenerated: false,
        backup_series: 0,
        generation: 0,
        transit: None,
        fail_next: false,
        stall_next: 0,
        cpu_loads: Vec::new(),
    };
    launch(f, call, inst, p.internet_gateway, call.settings.durations.replica, None)
}

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

fn apply_modify(f: &Fujitsu, call: &Call, i: &mut Instance, spec: &ModifySpec) -> Vec<Due> {
    let now = call.cx.now;
    let d = &call.settings.durations;
    let mut due = Vec::new();
    i.updated = now;
    if let Some(n) = &spec.name {
        i.name.clone_from(n);
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
        i.engine_version.clone_from(x);
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

fn merge_pending(i: &mut Instance, r: &Restart) {
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
            event: Event::SnapshotDone { tenant: tenant.clone(), id: s.id.clone() },
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
