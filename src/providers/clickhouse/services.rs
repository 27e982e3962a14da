//! Services: E1–E12 and S5/S6 of spec §5/§9.2 — list, create, get, update, delete,
//! state commands, scaling, password, private endpoints — and the service transitions
//! the scheduler applies (§6.2).

use std::sync::Arc;

use serde_json::{json, Value};

use super::activities;
use super::backups;
use super::model::*;
use super::routes::Op;
use super::validate::{self as v, scaling as vs, Command};
use super::view;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::id::Id;
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Fields, Rule};

/// Special characters of generated passwords.
const PASSWORD_SPECIALS: &str = "~!@#$%^&*_-+=";

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListServices => list(ch, call),
        Op::CreateService => create(ch, call),
        Op::GetService { service } => ch
            .services
            // Written under the shard's read lock, from the stored value: no clone.
            .read(&call.org.id, service, |s| (!s.state.is_removed()).then(|| call.result(&view::Kept::new(s, call))))
            .flatten()
            .ok_or_else(|| ChError::not_found("Service", service)),
        Op::UpdateService { service } => update(ch, call, service),
        Op::DeleteService { service } => delete(ch, call, service),
        Op::GetPrivateEndpointConfig { service } => private_endpoint_config(ch, call, service),
        Op::UpdateState { service } => state_command(ch, call, service),
        Op::UpdateScaling { service } => scaling(ch, call, service, ScalingKind::Totals),
        Op::UpdateReplicaScaling { service } => scaling(ch, call, service, ScalingKind::Replica),
        Op::UpdatePassword { service } => password(ch, call, service),
        Op::CreatePrivateEndpoint { service } => create_private_endpoint(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn body(call: &Call) -> Result<serde_json::Map<String, Value>, ChError> {
    Ok(json_object(call.req)?)
}

/// E1: services of the organization, oldest first; `filter=tag:<Key>[=<Value>]`
/// (repeatable, ANDed).
fn list(ch: &ClickHouse, call: &Call) -> Res {
    let mut filters: Vec<(String, Option<String>)> = Vec::new();
    for (k, val) in call.req.query_pairs() {
        if k != "filter" {
            continue;
        }
        let tag = val
            .strip_prefix("tag:")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ChError::BadRequest("Invalid filter".into()))?;
        let (key, value) = match tag.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (tag.to_owned(), None),
        };
        if key.is_empty() {
            return Err(ChError::BadRequest("Invalid filter".into()));
        }
        filters.push((key, value));
    }
    let keep = |s: &Service| {
        !s.state.is_removed()
            && call.access.sees_service(&s.id)
            && filters.iter().all(|(k, want)| {
                s.extras.tags.iter().any(|t| &t.key == k && want.as_ref().is_none_or(|w| t.value.as_ref() == Some(w)))
            })
    };
    // Written under the shards' read locks, from the stored values: no clones.
    let tie = |a: &Service, b: &Service| a.id.cmp(&b.id);
    Ok(ch.services.read_sorted(&call.org.id, keep, list_key, tie, |services| {
        call.result(&view::ServiceList { services, org: &call.org, org_version: call.org_version, cx: call.cx })
    }))
}

/// E1's order, oldest first and then by id, as a sort key with the id's first 8 bytes
/// as a number: it settles almost every tie of creation time without comparing strings
/// (ties go on to the whole id). Padded with zeros, a shorter id sorts first, as string
/// order has it.
fn list_key(s: &Service) -> (crate::clock::SimInstant, u64) {
    (s.created_at, id_head(&s.id))
}

/// The first 8 bytes of `id`, zero-padded, as a big-endian number.
fn id_head(id: &str) -> u64 {
    let mut head = [0u8; 8];
    let n = id.len().min(8);
    head[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(head)
}

/// The fields E2 knows (for knob `strictUnknownFields`).
const CREATE_FIELDS: &[&str] = &[
    "name",
    "provider",
    "region",
    "tier",
    "ipAccessList",
    "minTotalMemoryGb",
    "maxTotalMemoryGb",
    "minReplicaMemoryGb",
    "maxReplicaMemoryGb",
    "numReplicas",
    "autoscalingMode",
    "minReplicas",
    "maxReplicas",
    "idleScaling",
    "idleTimeoutMinutes",
    "isReadonly",
    "dataWarehouseId",
    "backupId",
    "encryptionKey",
    "encryptionAssumedRoleIdentifier",
    "privateEndpointIds",
    "privatePreviewTermsChecked",
    "releaseChannel",
    "byocId",
    "endpoints",
    "hasTransparentDataEncryption",
    "profile",
    "complianceType",
    "tags",
    "enableCoreDumps",
];

/// A validated create request (`ServicePostRequest` after §7).
struct ServiceSpec {
    name: String,
    provider: String,
    region: String,
    tier: Option<String>,
    ip_access_list: Vec<IpAccessEntry>,
    min_replica: u32,
    max_replica: u32,
    num_replicas: u32,
    autoscaling_mode: AutoscalingMode,
    /// The horizontal band; `(num_replicas, num_replicas)` in vertical mode.
    band: (u32, u32),
    idle_scaling: bool,
    idle_timeout_minutes: u32,
    is_readonly: bool,
    warehouse: Option<Warehouse>,
    backup_id: Option<String>,
    encryption_key: Option<String>,
    encryption_role: Option<String>,
    private_endpoint_ids: Vec<String>,
    release_channel: String,
    byoc_id: Option<String>,
    mysql: bool,
    tde: bool,
    profile: Option<String>,
    compliance_type: Option<String>,
    tags: Vec<Tag>,
    enable_core_dumps: bool,
}

/// Replica memory from deprecated totals: ÷3, rounded down to a multiple of 4 (O3).
fn replica_from_total(total: u32) -> f64 {
    ((total / 3) / 4 * 4) as f64
}

/// E2 validation, in the order of §7; nothing is created on failure.
fn create_spec(ch: &ClickHouse, call: &Call, body: &serde_json::Map<String, Value>) -> Result<ServiceSpec, ChError> {
    let s = &call.settings;
    let org = &call.org;
    let attrs = &org.hidden;
    let f = Fields::new(body);
    v::unknown_fields(&f, CREATE_FIELDS, s.strict_unknown_fields)?;
    let name = f.str("name")?.ok_or_else(|| FieldError::says("name", "must be 1-50 characters"))?;
    let name = v::service_name(name, s.name_charset)?;
    let provider = f.str("provider")?.ok_or_else(|| FieldError::new("provider", Rule::OneOf(v::PROVIDERS)))?;
    let provider = v::provider(provider)?.to_owned();
    let region = f.str("region")?.ok_or_else(|| FieldError::required("region"))?;
    let region = v::region(&provider, region, s.seed_regions)?;
    let tier = f.str("tier")?.map(v::tier).transpose()?;
    v::azure_not_development(&provider, tier.as_deref())?;
    let development = tier.as_deref() == Some("development");

    // Autoscaling mode (official ServicePostRequest): read before memory, because a
    // horizontal service runs one memory size; the replica counts are checked in their
    // §7 place below.
    let mode = f.str("autoscalingMode")?.map(|m| vs::autoscaling_mode("autoscalingMode", m)).transpose()?;
    let (min_raw, max_raw) = (f.number("minReplicas")?, f.number("maxReplicas")?);
    let unequal_band = matches!((min_raw, max_raw), (Some(a), Some(b)) if a != b);
    let horizontal = mode == Some(AutoscalingMode::Horizontal) || (mode.is_none() && unequal_band);
    if horizontal {
        vs::horizontal_enabled(attrs)?;
    }

    // Memory: CH-R08..R15. Development services have a fixed size; replica fields that
    // real clients always send are accepted and ignored there (CH-R15, RC).
    let (min_total, max_total) = (f.number("minTotalMemoryGb")?, f.number("maxTotalMemoryGb")?);
    let (min_rep, max_rep) = (f.number("minReplicaMemoryGb")?, f.number("maxReplicaMemoryGb")?);
    let byoc_id = f.str("byocId")?.map(str::to_owned);
    let (min_replica, max_replica) = if development {
        if min_total.is_some() {
            v::memory_only_production("minTotalMemoryGb", true)?;
        }
        if max_total.is_some() {
            v::memory_only_production("maxTotalMemoryGb", true)?;
        }
        (8, 8)
    } else if let Some(byoc) = &byoc_id {
        let (a, b) = v::byoc_memory(min_rep, max_rep, &v::byoc_sizes(s.byoc_sizes))?;
        v::replica_min_le_max(a, b)?;
        v::byoc_config(byoc, &provider, &region, &org.byoc_config)?;
        (a, b)
    } else {
        // §7 order: the replica fields given (CH-R08/R10) before the deprecated totals
        // (CH-R12..R14); replica memory derived from a total is checked under the
        // total's name; CH-R09 last, after defaults.
        let (paid, cap) = (attrs.paid, s.paid_replica_max);
        let total_cap = v::paid_total_cap(s.paid_total_max, cap);
        let min_r = min_rep.map(|n| v::replica_memory_gb("minReplicaMemoryGb", n, paid, cap)).transpose()?;
        let max_r = max_rep.map(|n| v::replica_memory_gb("maxReplicaMemoryGb", n, paid, cap)).transpose()?;
        let min_t = min_total.map(|n| v::total_memory_gb("minTotalMemoryGb", n, paid, total_cap)).transpose()?;
        let max_t = max_total.map(|n| v::total_memory_gb("maxTotalMemoryGb", n, paid, total_cap)).transpose()?;
        if let (Some(a), Some(b)) = (min_t, max_t) {
            v::total_min_le_max(a, b)?;
        }
        let min_d = match (min_r, min_t) {
            (Some(a), _) => Some(a),
            (None, Some(t)) => Some(v::replica_memory_gb("minTotalMemoryGb", replica_from_total(t), paid, cap)?),
            (None, None) => None,
        };
        let max_d = match (max_r, max_t) {
            (Some(b), _) => Some(b),
            (None, Some(t)) => Some(v::replica_memory_gb("maxTotalMemoryGb", replica_from_total(t), paid, cap)?),
            (None, None) => None,
        };
        // Defaults 8 / 120; a horizontal service runs one size, so a missing bound takes
        // the given one (8 when neither is given).
        let (a, b) = match (min_d, max_d) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) if horizontal => (a, a),
            (None, Some(b)) if horizontal => (b, b),
            (None, None) if horizontal => (8, 8),
            (a, b) => (a.unwrap_or(8), b.unwrap_or(120.min(cap))),
        };
        v::replica_min_le_max(a, b)?;
        (a, b)
    };
    if horizontal {
        vs::horizontal_memory("", min_replica, max_replica)?;
    }

    let warehouse_id = f.str("dataWarehouseId")?;
    let default_replicas = if attrs.tier == OrgTier::Basic { 1 } else { 3 };
    let num_given = f.number("numReplicas")?.map(v::num_replicas).transpose()?;
    let min_given = min_raw.map(|n| vs::replica_bound("minReplicas", n)).transpose()?;
    let max_given = max_raw.map(|n| vs::replica_bound("maxReplicas", n)).transpose()?;
    let (mode, replicas) = vs::band("", mode, num_given, min_given, max_given, None)?;
    let (num_replicas, band) = match replicas {
        vs::Replicas::Fixed(n) => (n, (n, n)),
        vs::Replicas::Band(a, b) => (a, (a, b)),
        vs::Replicas::Unset => (default_replicas, (default_replicas, default_replicas)),
    };
    let band_named = min_given.is_some() && num_given.is_none();
    v::replicas_for_warehouse(band.0, attrs.tier, warehouse_id.is_none()).map_err(|mut e| {
        if band_named {
            e.field = "minReplicas".into();
        }
        e
    })?;
    let idle_scaling = f.bool("idleScaling")?.unwrap_or(true);
    let idle_timeout_minutes = f.number("idleTimeoutMinutes")?.map(v::idle_timeout_minutes).transpose()?.unwrap_or(15);
    let ip_access_list = match f.array("ipAccessList")? {
        Some(items) => v::ip_access_list(items, s.allow_ipv6, s.max_ip_access_entries)?,
        None => Vec::new(),
    };
    let mut private_endpoint_ids = Vec::new();
    if let Some(items) = f.array("privateEndpointIds")? {
        for (i, item) in items.iter().enumerate() {
            let id = v::private_endpoint_id(&format!("privateEndpointIds[{i}]"), item)?;
            let known =
                org.private_endpoints.iter().any(|p| p.id == id && p.cloud_provider == provider && p.region == region);
            v::private_endpoint_available(&id, known)?;
            if !private_endpoint_ids.contains(&id) {
                private_endpoint_ids.push(id);
            }
        }
    }
    let mysql = match f.array("endpoints")? {
        Some(items) => v::endpoints(items)?.unwrap_or(false),
        None => false,
    };
    let is_readonly = f.bool("isReadonly")?.unwrap_or(false);
    v::readonly_needs_warehouse(is_readonly, warehouse_id)?;
    let warehouse = match warehouse_id {
        Some(id) => {
            let w = ch.warehouses.get(&org.id, id);
            v::warehouse_matches(id, w.as_ref().map(|w| (w.provider.as_str(), w.region.as_str())), &provider, &region)?;
            w
        }
        None => None,
    };
    let backup_id = match f.str("backupId")? {
        Some(id) => {
            let b = ch.backups.get(&org.id, id);
            v::backup_exists(id, b.as_ref().is_some_and(|b| b.status == BackupStatus::Done))?;
            if let Some(b) = &b {
                v::backup_matches((&provider, &region, tier.as_deref()), (&b.provider, &b.region, b.tier.as_deref()))?;
            }
            Some(id.to_owned())
        }
        None => None,
    };
    let encryption_key = f.str("encryptionKey")?.map(str::to_owned);
    let encryption_role = f.str("encryptionAssumedRoleIdentifier")?.map(str::to_owned);
    v::encryption(&provider, encryption_key.as_deref(), encryption_role.as_deref())?;
    // Only a private-preview organization asks about its first service: no scan otherwise.
    let first_service = attrs.private_preview && live_services(ch, &org.id, 1) == 0;
    v::private_preview_terms(attrs, first_service, f.bool("privatePreviewTermsChecked")?.unwrap_or(false))?;
    let release_channel = f
        .str("releaseChannel")?
        .map(|c| v::release_channel(c, development))
        .transpose()?
        .unwrap_or_else(|| "default".into());
    let tde = f.bool("hasTransparentDataEncryption")?.unwrap_or(false);
    v::tde_enterprise(tde, attrs.tier)?;
    let profile = f.str("profile")?.map(|p| v::profile(p, attrs.tier)).transpose()?;
    let compliance_type = f.str("complianceType")?.map(v::compliance_type).transpose()?;
    let mut tags = Vec::new();
    if let Some(items) = f.array("tags")? {
        for (i, item) in items.iter().enumerate() {
            let t = v::tag(&format!("tags[{i}]"), item)?;
            tags.retain(|x: &Tag| x.key != t.key);
            tags.push(t);
        }
        v::tag_count(tags.len())?;
    }
    let enable_core_dumps = f.bool("enableCoreDumps")?;
    if let Some(e) = enable_core_dumps {
        v::core_dumps(e, org.enable_core_dumps)?;
    }
    v::service_quota(live_services(ch, &org.id, s.max_services_per_org), s.max_services_per_org)?;
    Ok(ServiceSpec {
        name,
        provider,
        region,
        tier,
        ip_access_list,
        min_replica,
        max_replica,
        num_replicas,
        autoscaling_mode: mode.unwrap_or_default(),
        band,
        idle_scaling,
        idle_timeout_minutes,
        is_readonly,
        warehouse,
        backup_id,
        encryption_key,
        encryption_role,
        private_endpoint_ids,
        release_channel,
        byoc_id,
        mysql,
        tde,
        profile,
        compliance_type,
        tags,
        enable_core_dumps: enable_core_dumps.unwrap_or(org.enable_core_dumps),
    })
}

/// How many live (not removed) services the organization has, as far as a threshold
/// `enough` needs: the answer is at least `enough` exactly when the live count is, and
/// below it the answer may count removed services too. That is all the quota (CH-R50,
/// `enough` = the limit) and the first-service check (`enough` = 1) ask. The table's
/// per-organization count bounds the live count from above (a removed service stays
/// stored only when seeded or restored as such), so the table is scanned only when that
/// bound reaches `enough`: creates no longer slow down as services pile up.
fn live_services(ch: &ClickHouse, org: &str, enough: u64) -> usize {
    let stored = ch.services.count(org);
    if (stored as u64) < enough {
        return stored;
    }
    ch.services.count_where(|k, s| k.0 == org && !s.state.is_removed())
}

/// `base64(sha256(pw))` and `hex(sha1(sha1(pw)))` (SEED-A 668–669).
/// E2: create a service; it starts `provisioning` and becomes `running` after
/// `durations.provision` (SEED-A 84: "started asynchronously").
fn create(ch: &ClickHouse, call: &Call) -> Res {
    let body = body(call)?;
    let spec = create_spec(ch, call, &body)?;
    let cx = call.cx;
    let id = cx.ids.uuid_id();
    let subdomain = cx.ids.alnum_lower(10);
    let endpoint_service_suffix = cx.ids.hex(17);
    let password = cx.ids.password(16, PASSWORD_SPECIALS);
    let (warehouse_id, is_primary) = match &spec.warehouse {
        Some(w) => (w.id.clone(), false),
        None => (cx.ids.uuid_id(), true),
    };
    let (tde_key, tde_role) = if spec.tde {
        (Some(cx.ids.uuid()), Some(format!("arn:aws:iam::000000000000:role/CH-TDE-{}", cx.ids.hex(8))))
    } else {
        (None, None)
    };
    let service = Service {
        id: id.clone(),
        org_id: Id::new(&call.org.id),
        name: spec.name,
        provider: spec.provider.as_str().into(),
        region: spec.region.as_str().into(),
        state: ServiceState::Provisioning,
        generation: 0,
        clickhouse_version: call.settings.clickhouse_version.as_str().into(),
        subdomain: subdomain.into(),
        mysql_enabled: spec.mysql,
        min_replica_memory_gb: spec.min_replica,
        max_replica_memory_gb: spec.max_replica,
        num_replicas: spec.num_replicas,
        autoscaling_mode: spec.autoscaling_mode,
        min_replicas: spec.band.0,
        max_replicas: spec.band.1,
        scaling_schedule: None,
        idle_scaling: spec.idle_scaling,
        idle_timeout_minutes: spec.idle_timeout_minutes,
        ip_access_list: spec.ip_access_list,
        created_at: cx.now,
        data_warehouse_id: warehouse_id.clone(),
        is_primary,
        is_readonly: spec.is_readonly,
        release_channel: spec.release_channel.into(),
        has_transparent_data_encryption: spec.tde,
        enable_core_dumps: spec.enable_core_dumps,
        password: PasswordDigests::of(&password),
        query_endpoint: None,
        extras: ServiceExtras {
            encryption_key: spec.encryption_key,
            encryption_assumed_role_identifier: spec.encryption_role,
            byoc_id: spec.byoc_id,
            transparent_data_encryption_key_id: tde_key,
            encryption_role_id: tde_role,
            profile: spec.profile,
            compliance_type: spec.compliance_type,
            backup_id_restored_from: spec.backup_id,
            stall_until: None,
            tier: spec.tier.clone(),
            private_endpoint_ids: spec.private_endpoint_ids,
            tags: spec.tags,
            backup_configuration: BackupConfiguration::DEFAULT,
        }
        .into(),
        last_activity_at: cx.now,
        running_since: None,
        endpoint_service_suffix: endpoint_service_suffix.into(),
        fail_next_backup: false,
        backups_taken: 0,
        backup_schedule: 0,
        next_backup_at: None,
        fail_next_transition: false,
    };
    if is_primary {
        ch.warehouses.insert(
            &call.org.id,
            &warehouse_id,
            Warehouse {
                id: warehouse_id.clone(),
                org_id: Id::new(&call.org.id),
                primary_service_id: id.clone(),
                provider: service.provider.clone(),
                region: service.region.clone(),
                tier: spec.tier,
            },
        );
    }
    let generation = service.generation;
    let out = call.result(&view::Created { password: &password, service: view::service(&service, &call.org, cx) });
    ch.services.insert(&call.org.id, &id, service);
    cx.schedule_in(
        call.settings.durations.provision,
        Event::ServiceSettle {
            org: Id::new(&call.org.id),
            service: id.clone(),
            generation,
            from: ServiceState::Provisioning,
            to: ServiceState::Running,
        },
    );
    activities::record(ch, call, "service_create", Some(&id));
    Ok(out)
}

/// Refuses an operation the state table forbids: 409 `Cannot <op> service in state`.
fn refuse(what: &str, state: ServiceState) -> ChError {
    ChError::Conflict(format!("Cannot {what} service in state '{}'", state.as_str()))
}

/// Checks the state table for a configuring/updating operation.
fn require(s: &Service, op: StateOp, what: &str) -> Result<(), ChError> {
    match s.state.permits(op, false) {
        Permit::No => Err(refuse(what, s.state)),
        _ => Ok(()),
    }
}

const UPDATE_FIELDS: &[&str] = &[
    "name",
    "ipAccessList",
    "privateEndpointIds",
    "releaseChannel",
    "endpoints",
    "transparentDataEncryptionKeyId",
    "tags",
    "enableCoreDumps",
];

/// E4: update basic details. Synchronous; `state` does not change. The patch is
/// validated and applied under the service's lock, on a copy of the live value that is
/// stored only if every rule holds: concurrent patches never lose each other's changes,
/// and fields the patch does not name (backups, timers) are never rolled back.
fn update(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    ch.service(&call.org.id, id)?;
    let body = body(call)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, UPDATE_FIELDS, call.settings.strict_unknown_fields)?;
    let (stored, kinds) = ch
        .services
        .update(&call.org.id, id, |svc| {
            let mut next = svc.clone();
            let kinds = patch_service(&mut next, &f, &call.settings, &call.org)?;
            if svc.state.permits(StateOp::Update, false) == Permit::No {
                return Err(refuse("update", svc.state));
            }
            *svc = next;
            Ok((svc.clone(), kinds))
        })
        .ok_or_else(|| ChError::not_found("Service", id))??;
    for k in kinds {
        activities::record(ch, call, k, Some(id));
    }
    Ok(call.result(&view::service(&stored, &call.org, call.cx)))
}

/// The E4 rules applied to `next` in §7 order; answers the activity kinds to record.
fn patch_service(
    next: &mut Service,
    f: &Fields,
    s: &super::Settings,
    org: &Organization,
) -> Result<Vec<&'static str>, ChError> {
    let mut kinds: Vec<&'static str> = Vec::new();
    if let Some(name) = f.str("name")? {
        next.name = v::service_name(name, s.name_charset)?;
        kinds.push("service_update_name");
    }
    if let Some(raw) = f.raw("ipAccessList") {
        let patch = v::add_remove("ipAccessList", raw, false)?;
        for (i, item) in patch.remove.iter().enumerate() {
            let e = v::ip_access_entry(i, item, s.allow_ipv6).map_err(|e| rename(e, "ipAccessList.remove"))?;
            next.ip_access_list.retain(|x| x.source != e.source);
        }
        for (i, item) in patch.add.iter().enumerate() {
            let e = v::ip_access_entry(i, item, s.allow_ipv6).map_err(|e| rename(e, "ipAccessList.add"))?;
            v::merge_ip_entry(&mut next.ip_access_list, e);
        }
        v::ip_access_list_size(next.ip_access_list.len(), s.max_ip_access_entries)?;
        kinds.push("service_update_ip_access_list");
    }
    if let Some(raw) = f.raw("privateEndpointIds") {
        let patch = v::add_remove("privateEndpointIds", raw, false)?;
        for (i, item) in patch.remove.iter().enumerate() {
            let pe = v::private_endpoint_id(&format!("privateEndpointIds.remove[{i}]"), item)?;
            next.extras.private_endpoint_ids.retain(|x| *x != pe);
        }
        for (i, item) in patch.add.iter().enumerate() {
            let pe = v::private_endpoint_id(&format!("privateEndpointIds.add[{i}]"), item)?;
            let known = org
                .private_endpoints
                .iter()
                .any(|p| p.id == pe && p.cloud_provider == next.provider && p.region == next.region);
            v::private_endpoint_available(&pe, known)?;
            if !next.extras.private_endpoint_ids.contains(&pe) {
                next.extras.private_endpoint_ids.push(pe);
            }
        }
        kinds.push("service_update_private_endpoints");
    }
    // §7 order: CH-R25 (endpoints) before CH-R32 (releaseChannel).
    if let Some(items) = f.array("endpoints")? {
        if let Some(mysql) = v::endpoints(items)? {
            next.mysql_enabled = mysql;
        }
    }
    if let Some(c) = f.str("releaseChannel")? {
        next.release_channel = v::release_channel(c, next.is_development())?.into();
        kinds.push("service_update_release_channel");
    }
    if let Some(key) = f.str("transparentDataEncryptionKeyId")? {
        if !next.has_transparent_data_encryption {
            return Err(FieldError::message(
                "transparentDataEncryptionKeyId",
                "Transparent Data Encryption is not enabled for this service",
            )
            .into());
        }
        next.extras.transparent_data_encryption_key_id = Some(key.to_owned());
    }
    if let Some(raw) = f.raw("tags") {
        let patch = v::add_remove("tags", raw, true)?;
        for (i, item) in patch.remove.iter().enumerate() {
            let t = v::tag(&format!("tags.remove[{i}]"), item)?;
            next.extras.tags.retain(|x| x.key != t.key);
        }
        for (i, item) in patch.add.iter().enumerate() {
            let t = v::tag(&format!("tags.add[{i}]"), item)?;
            next.extras.tags.retain(|x| x.key != t.key);
            next.extras.tags.push(t);
        }
        v::tag_count(next.extras.tags.len())?;
    }
    if let Some(e) = f.bool("enableCoreDumps")? {
        v::core_dumps(e, org.enable_core_dumps)?;
        next.enable_core_dumps = e;
    }
    // A patch back to the defaults leaves nothing out of line.
    next.extras.tidy();
    Ok(kinds)
}

/// Prefixes an entry error with the patch list it came from.
fn rename(mut e: FieldError, list: &str) -> FieldError {
    e.field = e.field.replacen("ipAccessList", list, 1);
    e
}

/// E5: delete a service in a state the live API allows (O4: provisioning, starting,
/// awaking, idle, stopped, degraded, failed; its 409 text lists them); knob
/// `deleteAllowedStates=seed` keeps the seed's stopped-only reading (SEED-A 353).
fn delete(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let s = &call.settings;
    let current = ch.service(&call.org.id, id)?;
    if current.is_primary {
        let others = ch.services.count_where(|k, x| {
            k.0 == call.org.id
                && x.data_warehouse_id == current.data_warehouse_id
                && x.id != id
                && !x.state.is_removed()
        });
        if others > 0 {
            return Err(ChError::Conflict(
                "Primary service cannot be deleted while the warehouse has other services".into(),
            ));
        }
    }
    let to = if s.soft_delete { ServiceState::Softdeleting } else { ServiceState::Terminating };
    let deleted = ch
        .services
        .update(&call.org.id, id, |svc| {
            if svc.state.permits(StateOp::Delete, s.delete_live) != Permit::Yes {
                return Err(ChError::Conflict(format!(
                    "Only instance in one of the following states: {} can be terminated. Current state: '{}'",
                    ServiceState::delete_allowed_list(s.delete_live),
                    svc.state.as_str()
                )));
            }
            svc.set_state(to);
            Ok(svc.clone())
        })
        .ok_or_else(|| ChError::not_found("Service", id))??;
    call.cx.schedule_in(
        s.durations.terminate,
        Event::ServiceRemove { org: Id::new(&call.org.id), service: Id::new(id), generation: deleted.generation },
    );
    activities::record(ch, call, "service_delete", Some(id));
    if s.delete_returns_service {
        Ok(call.result(&view::Deleted { service: view::service(&deleted, &call.org, call.cx) }))
    } else {
        Ok(Out::Empty)
    }
}

/// E6: private endpoint configuration; stable per service (§E6 value schemes).
fn private_endpoint_config(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let s = ch.service(&call.org.id, id)?;
    let (service_id, dns) =
        private_endpoint_names(&s.provider, &s.region, &s.subdomain, &s.endpoint_service_suffix, &s.id);
    Ok(Out::Result(json!({ "endpointServiceId": service_id, "privateDnsHostname": dns })))
}

/// The endpoint service id and private DNS host of a provider/region (§E6, I).
pub fn private_endpoint_names(provider: &str, region: &str, sub: &str, suffix: &str, uuid: &str) -> (String, String) {
    match provider {
        "gcp" => (
            format!("projects/ch-sim-{region}/regions/{region}/serviceAttachments/clickhouse-cloud"),
            format!("{sub}.{region}.p.gcp.clickhouse.cloud"),
        ),
        "azure" => (
            format!("clickhouse-cloud-{region}.{uuid}.{region}.azure.privatelinkservice"),
            format!("{sub}.{region}.privatelink.azure.clickhouse.cloud"),
        ),
        _ => (
            format!("com.amazonaws.vpce.{region}.vpce-svc-{suffix}"),
            format!("{sub}.{region}.vpce.aws.clickhouse.cloud"),
        ),
    }
}

/// E10: start / stop / awake (§6.2, §6.4).
fn state_command(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    ch.service(&call.org.id, id)?; // 404 before the body is read (§5 order)
    let body = body(call)?;
    let f = Fields::new(&body);
    let command = v::command(f.str("command")?, call.settings.awake_command)?;
    let d = &call.settings.durations;
    let (op, what) = match command {
        Command::Start => (StateOp::Start, "start"),
        Command::Stop => (StateOp::Stop, "stop"),
        Command::Awake => (StateOp::Awake, "awake"),
    };
    // `None`: a no-op (§6.4 "N": 200 with the unchanged service, nothing recorded);
    // `Some(settle)`: the state changed, and `settle` is the transition still to come.
    let (svc, change) = ch
        .services
        .update(&call.org.id, id, |svc| {
            match svc.state.permits(op, false) {
                Permit::No => return Err(refuse(what, svc.state)),
                Permit::NoOp => return Ok((svc.clone(), None)),
                Permit::Yes => {}
            }
            let from = svc.state;
            let (to, then, secs) = match (command, from) {
                (Command::Stop, ServiceState::Failed) => (ServiceState::Stopped, None, 0),
                (Command::Stop, _) => (ServiceState::Stopping, Some(ServiceState::Stopped), d.stop),
                (Command::Start | Command::Awake, ServiceState::Idle) => {
                    (ServiceState::Awaking, Some(ServiceState::Running), d.awake)
                }
                (_, _) => (ServiceState::Starting, Some(ServiceState::Running), d.start),
            };
            svc.set_state(to);
            Ok((svc.clone(), Some(then.map(|then| (to, then, secs)))))
        })
        .ok_or_else(|| ChError::not_found("Service", id))??;
    let Some(settle) = change else { return Ok(call.result(&view::service(&svc, &call.org, call.cx))) };
    if let Some((from, to, secs)) = settle {
        call.cx.schedule_in(
            secs,
            Event::ServiceSettle {
                org: Id::new(&call.org.id),
                service: Id::new(id),
                generation: svc.generation,
                from,
                to,
            },
        );
    }
    let kind = match command {
        Command::Start => "service_start",
        Command::Stop => "service_stop",
        Command::Awake => "service_awaken",
    };
    activities::record(ch, call, kind, Some(id));
    Ok(call.result(&view::service(&svc, &call.org, call.cx)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScalingKind {
    /// E11 (deprecated): totals, numReplicas, idle settings.
    Totals,
    /// S5: replica memory, numReplicas, idle settings.
    Replica,
}

/// E11 / S5: scaling. Synchronous; `state` unchanged; totals are ×3 of replica memory.
fn scaling(ch: &ClickHouse, call: &Call, id: &str, kind: ScalingKind) -> Res {
    ch.service(&call.org.id, id)?;
    let body = body(call)?;
    let f = Fields::new(&body);
    let s = &call.settings;
    let known: &[&str] = match kind {
        ScalingKind::Totals => {
            &["minTotalMemoryGb", "maxTotalMemoryGb", "numReplicas", "idleScaling", "idleTimeoutMinutes"]
        }
        ScalingKind::Replica => &[
            "minReplicaMemoryGb",
            "maxReplicaMemoryGb",
            "numReplicas",
            "autoscalingMode",
            "minReplicas",
            "maxReplicas",
            "idleScaling",
            "idleTimeoutMinutes",
        ],
    };
    v::unknown_fields(&f, known, s.strict_unknown_fields)?;
    // Validated and applied under the service's lock, on a copy of the live value.
    let (stored, kinds) = ch
        .services
        .update(&call.org.id, id, |svc| {
            let mut next = svc.clone();
            let kinds = scale_service(&mut next, &f, s, &call.org, kind)?;
            if svc.state.permits(StateOp::Configure, false) == Permit::No {
                return Err(refuse("scale", svc.state));
            }
            *svc = next;
            Ok((svc.clone(), kinds))
        })
        .ok_or_else(|| ChError::not_found("Service", id))??;
    if stored.state == ServiceState::Running {
        schedule_idle_check(&stored, call.cx, &call.settings);
    }
    for k in kinds {
        activities::record(ch, call, k, Some(id));
    }
    Ok(call.result(&view::service(&stored, &call.org, call.cx)))
}

/// The E11 / S5 rules applied to `next` in §7 order; answers the activity kinds.
fn scale_service(
    next: &mut Service,
    f: &Fields,
    s: &super::Settings,
    org: &Organization,
    kind: ScalingKind,
) -> Result<Vec<&'static str>, ChError> {
    let paid = org.hidden.paid;
    let mut kinds: Vec<&'static str> = Vec::new();
    let (min_field, max_field) = match kind {
        ScalingKind::Totals => ("minTotalMemoryGb", "maxTotalMemoryGb"),
        ScalingKind::Replica => ("minReplicaMemoryGb", "maxReplicaMemoryGb"),
    };
    let (min_raw, max_raw) = (f.number(min_field)?, f.number(max_field)?);
    if min_raw.is_some() || max_raw.is_some() {
        let field = if min_raw.is_some() { min_field } else { max_field };
        v::memory_only_production(field, next.is_development())?;
        match kind {
            ScalingKind::Totals => {
                let cap = v::paid_total_cap(s.paid_total_max, s.paid_replica_max);
                let a = min_raw.map(|n| v::total_memory_gb("minTotalMemoryGb", n, paid, cap)).transpose()?;
                let b = max_raw.map(|n| v::total_memory_gb("maxTotalMemoryGb", n, paid, cap)).transpose()?;
                v::total_min_le_max(a.unwrap_or(next.min_total_memory_gb()), b.unwrap_or(next.max_total_memory_gb()))?;
                if let Some(a) = a {
                    next.min_replica_memory_gb =
                        v::replica_memory_gb("minTotalMemoryGb", replica_from_total(a), paid, s.paid_replica_max)?;
                }
                if let Some(b) = b {
                    next.max_replica_memory_gb =
                        v::replica_memory_gb("maxTotalMemoryGb", replica_from_total(b), paid, s.paid_replica_max)?;
                }
            }
            ScalingKind::Replica => {
                if let Some(a) = min_raw {
                    next.min_replica_memory_gb =
                        v::replica_memory_gb("minReplicaMemoryGb", a, paid, s.paid_replica_max)?;
                }
                if let Some(b) = max_raw {
                    next.max_replica_memory_gb =
                        v::replica_memory_gb("maxReplicaMemoryGb", b, paid, s.paid_replica_max)?;
                }
            }
        }
        v::replica_min_le_max(next.min_replica_memory_gb, next.max_replica_memory_gb)?;
        kinds.push("service_update_autoscaling_memory");
    }
    // Replicas: `numReplicas` (both endpoints); the mode and band only on /replicaScaling
    // (official ServiceReplicaScalingPatchRequest), with the rules of create.
    let num = f.number("numReplicas")?.map(v::num_replicas).transpose()?;
    let (mode, min, max) = match kind {
        ScalingKind::Totals => (None, None, None),
        ScalingKind::Replica => (
            f.str("autoscalingMode")?.map(|m| vs::autoscaling_mode("autoscalingMode", m)).transpose()?,
            f.number("minReplicas")?.map(|n| vs::replica_bound("minReplicas", n)).transpose()?,
            f.number("maxReplicas")?.map(|n| vs::replica_bound("maxReplicas", n)).transpose()?,
        ),
    };
    let kept = (next.autoscaling_mode == AutoscalingMode::Horizontal).then_some((next.min_replicas, next.max_replicas));
    let (mode, replicas) = vs::band("", mode, num, min, max, kept)?;
    let to_mode = match (mode, replicas) {
        (Some(m), _) => m,
        (None, vs::Replicas::Fixed(_)) => AutoscalingMode::Vertical,
        (None, _) => next.autoscaling_mode,
    };
    if to_mode == AutoscalingMode::Horizontal && (mode.is_some() || replicas != vs::Replicas::Unset) {
        vs::horizontal_enabled(&org.hidden)?;
    }
    let (a, b) = match replicas {
        vs::Replicas::Fixed(n) => (n, n),
        vs::Replicas::Band(a, b) => (a, b),
        vs::Replicas::Unset if to_mode == next.autoscaling_mode => (next.min_replicas, next.max_replicas),
        // Vertical to horizontal without a band is refused by `band`; horizontal to
        // vertical keeps the band's lower end as the fixed count.
        vs::Replicas::Unset => (next.min_replicas, next.min_replicas),
    };
    if replicas != vs::Replicas::Unset || to_mode != next.autoscaling_mode {
        v::num_replicas_adjustable(&org.hidden)?;
        if org.hidden.tier == OrgTier::Basic {
            v::replicas_for_warehouse(b, OrgTier::Basic, false)?;
        }
        next.autoscaling_mode = to_mode;
        (next.min_replicas, next.max_replicas) = (a, b);
        next.num_replicas = a;
        kinds.push("service_update_autoscaling_replicas");
    }
    if next.autoscaling_mode == AutoscalingMode::Horizontal {
        vs::horizontal_memory("", next.min_replica_memory_gb, next.max_replica_memory_gb)?;
    }
    let idle_scaling = f.bool("idleScaling")?;
    let idle_timeout = f.number("idleTimeoutMinutes")?.map(v::idle_timeout_minutes).transpose()?;
    if idle_scaling.is_some() || idle_timeout.is_some() {
        next.idle_scaling = idle_scaling.unwrap_or(next.idle_scaling);
        next.idle_timeout_minutes = idle_timeout.unwrap_or(next.idle_timeout_minutes);
        kinds.push("service_update_autoscaling_idling");
    }
    Ok(kinds)
}

/// E12: set a password from hashes, or generate one (SEED-A 650–682).
fn password(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let current = ch.service(&call.org.id, id)?;
    let body = body(call)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["newPasswordHash", "newDoubleSha1Hash"], call.settings.strict_unknown_fields)?;
    let hash = f.str("newPasswordHash")?.map(v::password_hash).transpose()?;
    let double = match &hash {
        Some(_) => f.str("newDoubleSha1Hash")?.map(v::double_sha1_hash).transpose()?,
        None => None, // ignored without newPasswordHash (SEED-A)
    };
    require(&current, StateOp::Configure, "change the password of")?;
    let (new_password, digests) = match hash {
        Some(sha256) => (None, PasswordDigests { sha256, double_sha1: double }),
        None => {
            let p = call.cx.ids.password(16, PASSWORD_SPECIALS);
            let digests = PasswordDigests::of(&p);
            (Some(p), digests)
        }
    };
    ch.services
        .update(&call.org.id, id, |svc| {
            if svc.state.permits(StateOp::Configure, false) == Permit::No {
                return Err(refuse("change the password of", svc.state));
            }
            svc.password = digests;
            Ok(())
        })
        .ok_or_else(|| ChError::not_found("Service", id))??;
    activities::record(ch, call, "service_update_password", Some(id));
    Ok(Out::Result(match new_password {
        Some(p) => json!({ "password": p }),
        None => json!({}),
    }))
}

/// S6: register a private endpoint for the service's provider/region in the
/// organization (so it shows in `availablePrivateEndpointIds`).
fn create_private_endpoint(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let s = ch.service(&call.org.id, id)?;
    let body = body(call)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["id", "description"], call.settings.strict_unknown_fields)?;
    let pe_id = match f.raw("id") {
        Some(raw) => v::private_endpoint_id("id", raw)?,
        None => return Err(FieldError::required("id").into()),
    };
    let description = f.str("description")?.unwrap_or("").to_owned();
    require(&s, StateOp::Configure, "add a private endpoint to")?;
    let endpoint = OrgPrivateEndpoint {
        id: pe_id.clone(),
        description,
        cloud_provider: s.provider.to_string(),
        region: s.region.to_string(),
    };
    ch.orgs
        .update(&call.org.id, &call.org.id, |org| {
            if org.private_endpoints.iter().any(|p| p.id == pe_id) {
                return Err(ChError::Conflict(format!("Private endpoint '{pe_id}' already exists")));
            }
            Arc::make_mut(org).private_endpoints.push(endpoint.clone());
            Ok(())
        })
        .ok_or_else(|| ChError::not_found("Organization", &call.org.id))??;
    Ok(Out::Result(serde_json::to_value(&endpoint).unwrap_or(Value::Null)))
}

/// Schedules the `running → idle` check `idleTimeoutMinutes` after the last activity.
pub fn schedule_idle_check(s: &Service, cx: &Cx, settings: &super::Settings) {
    if let Some((due, since)) = idle_check_due(s, settings) {
        let event = Event::IdleCheck { org: s.org_id.clone(), service: s.id.clone(), generation: s.generation, since };
        cx.schedule_at(due, event);
    }
}

/// When a running service's idle check is due, and the activity it checks against;
/// `None` when it takes none (not running, idling off).
fn idle_check_due(s: &Service, settings: &super::Settings) -> Option<(crate::clock::SimInstant, crate::clock::SimInstant)> {
    (settings.auto_idle && s.idle_scaling && s.state == ServiceState::Running)
        .then(|| (s.last_activity_at.plus_secs(s.idle_timeout_minutes as u64 * 60), s.last_activity_at))
}

/// What a settle's table write hands out: the new state and generation, and the events
/// to schedule (idle check: due and since; backup chain: schedule and due).
struct Settled {
    state: ServiceState,
    generation: u64,
    idle_check: Option<(crate::clock::SimInstant, crate::clock::SimInstant)>,
    backup: Option<(u64, crate::clock::SimInstant)>,
}

/// Forces a service into `to` now (§6.2 "any → any": the control hook, fault rules).
///
/// A forced transitional state runs to its natural end on the clock as if it had been
/// reached normally (`starting`/`awaking`/`provisioning` → `running`, `stopping` →
/// `stopped`, `terminating`/`softdeleting` → removed), so a chaos run never leaves a
/// service stuck half-way; a forced `terminated`/`softdeleted` removes it at once. The
/// generation bump makes every event scheduled before the force a no-op.
pub fn force_state(ch: &ClickHouse, org: &str, id: &str, to: ServiceState, cx: &Cx) -> Option<Service> {
    let settings = ch.settings();
    let (s, was_running) = ch.services.update(org, id, |svc| {
        let was_running = svc.state == ServiceState::Running;
        svc.set_state(to);
        if to == ServiceState::Running && !was_running {
            // As a timer's transition into `running` would (idle timer, backup anchor).
            svc.last_activity_at = cx.now;
            svc.running_since = Some(cx.now);
        }
        (svc.clone(), was_running)
    })?;
    let d = &settings.durations;
    let settle = |secs: u64, then: ServiceState| {
        cx.schedule_in(
            secs,
            Event::ServiceSettle {
                org: Id::new(org),
                service: Id::new(id),
                generation: s.generation,
                from: to,
                to: then,
            },
        )
    };
    match to {
        ServiceState::Provisioning => settle(d.provision, ServiceState::Running),
        ServiceState::Starting => settle(d.start, ServiceState::Running),
        ServiceState::Awaking => settle(d.awake, ServiceState::Running),
        ServiceState::Stopping => settle(d.stop, ServiceState::Stopped),
        ServiceState::Terminating | ServiceState::Softdeleting => cx.schedule_in(
            d.terminate,
            Event::ServiceRemove { org: Id::new(org), service: Id::new(id), generation: s.generation },
        ),
        ServiceState::Terminated | ServiceState::Softdeleted => remove_service(ch, &s, cx),
        ServiceState::Running if !was_running => {
            schedule_idle_check(&s, cx, &settings);
            backups::on_running(ch, &s, cx);
        }
        ServiceState::Running => {}
        ServiceState::Idle
        | ServiceState::PartiallyRunning
        | ServiceState::Degraded
        | ServiceState::Failed
        | ServiceState::Stopped => {}
    }
    Some(s)
}

/// Marks activity on a service (the sim-only activity hook): an idle service awakes, a
/// running one restarts its idle timer.
pub fn touch_activity(ch: &ClickHouse, org: &str, id: &str, cx: &Cx) -> Option<Service> {
    let settings = ch.settings();
    let s = ch.services.update(org, id, |svc| {
        svc.last_activity_at = cx.now;
        if svc.state == ServiceState::Idle {
            svc.set_state(ServiceState::Awaking);
        }
        svc.clone()
    })?;
    match s.state {
        ServiceState::Awaking => cx.schedule_in(
            settings.durations.awake,
            Event::ServiceSettle {
                org: Id::new(org),
                service: Id::new(id),
                generation: s.generation,
                from: ServiceState::Awaking,
                to: ServiceState::Running,
            },
        ),
        ServiceState::Running => schedule_idle_check(&s, cx, &settings),
        _ => {}
    }
    Some(s)
}

fn transition(s: &Service, from: ServiceState, cx: &Cx) -> Transition {
    Transition::new(super::NAME, "service", &s.id, from.as_str(), s.state.as_str(), cx)
}

/// Applies a due service event (guarded by the generation it expects).
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    let settings = ch.settings();
    match event {
        Event::ServiceSettle { org, service, generation, from, to } => {
            // Everything the service's side of a settle needs is done in one pass under
            // its shard lock (the backup chain's restart included), and only what the
            // events and the transition need comes out: no clone of the service.
            let outcome = ch
                .services
                .update(&org, &service, |svc| {
                    if svc.generation != generation || svc.state != from {
                        return None;
                    }
                    // Resource faults: a stalled transition waits, an armed one fails.
                    match adjust_transition(svc, cx.now) {
                        Adjusted::Hold(until) => return Some(Err(until)),
                        Adjusted::Fail => svc.set_state(ServiceState::Failed),
                        Adjusted::Proceed => svc.set_state(to),
                    }
                    let running = svc.state == ServiceState::Running;
                    if running {
                        svc.last_activity_at = cx.now;
                        svc.running_since = Some(cx.now);
                    }
                    let idle_check = running.then(|| idle_check_due(svc, &settings)).flatten();
                    let backup = if running { backups::restart_on_running(svc, cx) } else { None };
                    Some(Ok(Settled { state: svc.state, generation: svc.generation, idle_check, backup }))
                })
                .flatten();
            let s = match outcome {
                None => return Vec::new(),
                Some(Err(until)) => {
                    cx.schedule_at(until, Event::ServiceSettle { org, service, generation, from, to });
                    return Vec::new();
                }
                Some(Ok(s)) => s,
            };
            if let Some(kind) = activities::reached(s.state) {
                activities::record_system(ch, cx, &org, kind, Some(&service));
            }
            let changed = Transition::new(super::NAME, "service", &service, from.as_str(), s.state.as_str(), cx);
            if let Some((due, since)) = s.idle_check {
                let event = Event::IdleCheck { org: org.clone(), service: service.clone(), generation: s.generation, since };
                cx.schedule_at(due, event);
            }
            if let Some((schedule, due)) = s.backup {
                cx.schedule_at(due, Event::BackupDue { org, service, schedule });
            }
            vec![changed]
        }
        Event::IdleCheck { org, service, generation, since } => {
            let outcome = ch.services.update(&org, &service, |svc| {
                if svc.generation != generation || svc.state != ServiceState::Running || svc.last_activity_at != since {
                    return None;
                }
                if !(settings.auto_idle && svc.idle_scaling) {
                    return None;
                }
                let due = svc.last_activity_at.plus_secs(svc.idle_timeout_minutes as u64 * 60);
                if cx.now < due {
                    return Some(Err(svc.clone())); // timeout was raised: check again later
                }
                svc.set_state(ServiceState::Idle);
                Some(Ok(svc.clone()))
            });
            match outcome.flatten() {
                Some(Ok(s)) => {
                    activities::record_system(ch, cx, &org, "service_idle", Some(&service));
                    vec![transition(&s, ServiceState::Running, cx)]
                }
                Some(Err(s)) => {
                    schedule_idle_check(&s, cx, &settings);
                    Vec::new()
                }
                None => Vec::new(),
            }
        }
        Event::ServiceRemove { org, service, generation } => {
            let Some(s) = ch.services.get(&org, &service) else { return Vec::new() };
            if s.generation != generation || !matches!(s.state, ServiceState::Terminating | ServiceState::Softdeleting)
            {
                return Vec::new();
            }
            let from = s.state;
            let adjusted = ch.services.update(&org, &service, |svc| adjust_transition(svc, cx.now));
            match adjusted {
                Some(Adjusted::Hold(until)) => {
                    cx.schedule_at(until, Event::ServiceRemove { org, service, generation });
                    return Vec::new();
                }
                Some(Adjusted::Fail) => {
                    let failed = ch.services.update(&org, &service, |svc| {
                        svc.set_state(ServiceState::Failed);
                        svc.clone()
                    });
                    return failed.map(|f| vec![transition(&f, from, cx)]).unwrap_or_default();
                }
                _ => {}
            }
            remove_service(ch, &s, cx);
            let mut gone = s.clone();
            gone.state =
                if from == ServiceState::Softdeleting { ServiceState::Softdeleted } else { ServiceState::Terminated };
            if let Some(kind) = activities::reached(gone.state) {
                activities::record_system(ch, cx, &org, kind, Some(&service));
            }
            vec![transition(&gone, from, cx)]
        }
        _ => Vec::new(),
    }
}

/// Removes a service with what hangs off it: its backups (when it was the last service
/// of its warehouse), ClickPipes, reverse private endpoints, and its empty warehouse;
/// the pending events of each (idle checks, backup slots, ...) are cancelled with it.
pub fn remove_service(ch: &ClickHouse, s: &Service, cx: &Cx) {
    ch.services.remove(&s.org_id, &s.id);
    cx.cancel_events(super::NAME, "service", &s.org_id, &s.id);
    for pipe in ch.clickpipes.list_where(&s.org_id, |p| p.service_id == s.id) {
        ch.clickpipe_settings.remove(&s.org_id, &pipe.id);
        cx.cancel_events(super::NAME, "clickpipe", &s.org_id, &pipe.id);
    }
    ch.clickpipes.retain(|k, p| !(k.0 == s.org_id && p.service_id == s.id));
    for e in ch.reverse_endpoints.list_where(&s.org_id, |e| e.service_id == s.id) {
        cx.cancel_events(super::NAME, "reversePrivateEndpoint", &s.org_id, &e.id);
    }
    ch.reverse_endpoints.retain(|k, p| !(k.0 == s.org_id && p.service_id == s.id));
    ch.upgrade_windows.remove(&s.org_id, &s.id);
    ch.clickhouse_settings.remove(&s.org_id, &s.id);
    ch.backup_buckets.remove(&s.org_id, &s.id);
    ch.cdc_scaling.remove(&s.org_id, &s.id);
    super::udfs::forget_service(ch, &s.org_id, &s.id);
    super::saved_queries::forget_service(ch, &s.org_id, &s.id);
    super::query_api_endpoints::forget_service(ch, &s.org_id, &s.id);
    super::replica_routing::forget_service(ch, &s.org_id, &s.id);
    super::snapshots::forget_service(ch, &s.org_id, &s.id);
    let others = ch.services.count_where(|k, x| k.0 == s.org_id && x.data_warehouse_id == s.data_warehouse_id);
    if others == 0 {
        ch.warehouses.remove(&s.org_id, &s.data_warehouse_id);
        for b in ch.backups.list_where(&s.org_id, |b| b.data_warehouse_id == s.data_warehouse_id) {
            cx.cancel_events(super::NAME, "backup", &s.org_id, &b.id);
        }
        ch.backups.retain(|k, b| !(k.0 == s.org_id && b.data_warehouse_id == s.data_warehouse_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_key_then_the_id_orders_as_creation_time_then_id() {
        let ids = [
            "",
            "a",
            "ab",
            "ab\0",
            "ab\0c",
            "abcdefgh",
            "abcdefgh0",
            "abcdefgi",
            "abcdefg",
            "b",
            "0f2b7c1e-1111",
            "0f2b7c1e-1112",
            "ff",
            "\u{e9}",
            "zz",
        ];
        let all: Vec<(u64, &str)> = [0u64, 1, 2].iter().flat_map(|t| ids.iter().map(move |id| (*t, *id))).collect();
        for &(ta, a) in &all {
            for &(tb, b) in &all {
                let fast = (ta, id_head(a)).cmp(&(tb, id_head(b))).then_with(|| a.cmp(b));
                assert_eq!(fast, (ta, a).cmp(&(tb, b)), "{ta} {a:?} vs {tb} {b:?}");
            }
        }
    }
}
