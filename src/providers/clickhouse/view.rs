//! Wire rendering of ClickHouse resources (the `result` objects of spec §4).
//!
//! Emission rule (§4.2): every listed field is emitted; strings never set are omitted
//! (not `null`); arrays default to `[]`; booleans are always present. Timestamps are
//! ISO-8601 UTC at second precision.
//!
//! Services, on every hot path (get, list, create), are written as JSON text straight
//! into the answer's bytes ([`WriteJson`]); the rarer resources are built as `Value`s.

use serde_json::{json, Map, Value};

use super::model::*;
use crate::clock::SimInstant;
use crate::json_text::{self, contents, number, string};
use crate::providers::Cx;
use crate::store::Stored;

fn put_opt(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), Value::String(v.clone()));
    }
}

/// Something written as JSON text straight into an answer's bytes.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

impl WriteJson for Value {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Serialising into a Vec cannot fail: no I/O, and a Map's keys are strings.
        serde_json::to_writer(out, self).expect("a Value serialises into memory");
    }
}

/// `key` is the literal `,"name":` (or `{"name":`) before the value.
fn field(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    string(out, value);
}

/// Omitted when never set (§4.2 emission rule).
fn optional(out: &mut Vec<u8>, key: &[u8], value: Option<&str>) {
    if let Some(v) = value {
        field(out, key, v);
    }
}

fn flag(out: &mut Vec<u8>, key: &[u8], value: bool) {
    out.extend_from_slice(key);
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn count(out: &mut Vec<u8>, key: &[u8], value: u32) {
    out.extend_from_slice(key);
    number(out, value.into());
}

/// `key` then an array of strings.
fn strings<'s>(out: &mut Vec<u8>, key: &[u8], items: impl Iterator<Item = &'s str>) {
    out.extend_from_slice(key);
    json_text::strings(out, items);
}

/// `"<ISO-8601>"` at second precision, as `cx.iso(t)` formats it.
fn timestamp(out: &mut Vec<u8>, cx: &Cx, t: SimInstant) {
    json_text::date_time(out, cx.clock, t, json_text::DateTimeForm { millis: false, zone: true });
}

/// One `endpoints` entry (§4.3) on the service's host
/// `<sub>.<region>.<provider>.clickhouse.cloud`; the MySQL one names its user.
fn endpoint(out: &mut Vec<u8>, s: &Service, protocol: &str, port: u16, mysql_user: bool) {
    out.extend_from_slice(br#"{"host":""#);
    contents(out, &s.subdomain);
    out.push(b'.');
    contents(out, &s.region);
    out.push(b'.');
    contents(out, &s.provider);
    out.extend_from_slice(br#".clickhouse.cloud","port":"#);
    number(out, port.into());
    field(out, br#","protocol":"#, protocol);
    if mysql_user {
        out.extend_from_slice(br#","username":"mysql4"#);
        contents(out, &s.subdomain);
        out.push(b'"');
    }
    out.push(b'}');
}

/// Organization private endpoints of the service's provider/region, not attached to it.
fn available_private_endpoints<'a>(s: &'a Service, org: &'a Organization) -> impl Iterator<Item = &'a str> {
    org.private_endpoints
        .iter()
        .filter(|p| p.cloud_provider == s.provider && p.region == s.region && !s.extras.private_endpoint_ids.contains(&p.id))
        .map(|p| p.id.as_str())
}

/// `Service` (§4.2) of `s` in `org`, written as JSON text.
///
/// Emission rule (§4.2): every listed field is emitted; strings never set are omitted
/// (not `null`); arrays default to `[]`; booleans are always present. Written by hand,
/// field by field with the keys as literal bytes, because services are on every hot path
/// (a list of 1,000 is 830 KiB): serde's per-key escaping and `Value` trees cost ten
/// times more. Fields come in byte order of their names, the order the answers have
/// always had (they were `serde_json::Map`s, which sort their keys), so the bytes did
/// not change; the unit test below holds the old `Value` rendering as the oracle.
///
/// Every Service answer carries what the official document marks required
/// (`autoscalingMode`, `currentScaling`); `numReplicas` only in vertical mode and
/// `minReplicas`/`maxReplicas`/`replicaMemoryGb` only in horizontal mode (official
/// `Service`: "Present only when the service uses ... autoscaling").
fn write_service(out: &mut Vec<u8>, s: &Service, org: &Organization, cx: &Cx) {
    let horizontal = s.autoscaling_mode == AutoscalingMode::Horizontal;
    field(out, br#"{"autoscalingMode":"#, s.autoscaling_mode.as_str());
    strings(out, br#","availablePrivateEndpointIds":"#, available_private_endpoints(s, org));
    optional(out, br#","byocId":"#, s.extras.byoc_id.as_deref());
    field(out, br#","clickhouseVersion":"#, &s.clickhouse_version);
    optional(out, br#","complianceType":"#, s.extras.compliance_type.as_deref());
    out.extend_from_slice(br#","createdAt":"#);
    timestamp(out, cx, s.created_at);
    write_current_scaling(out, &s.effective());
    field(out, br#","dataWarehouseId":"#, &s.data_warehouse_id);
    flag(out, br#","enableCoreDumps":"#, s.enable_core_dumps);
    optional(out, br#","encryptionAssumedRoleIdentifier":"#, s.extras.encryption_assumed_role_identifier.as_deref());
    optional(out, br#","encryptionKey":"#, s.extras.encryption_key.as_deref());
    optional(out, br#","encryptionRoleId":"#, s.extras.encryption_role_id.as_deref());
    // §4.3: https 8443 and nativesecure 9440 always, mysql 3306 when enabled.
    out.extend_from_slice(br#","endpoints":["#);
    endpoint(out, s, "https", 8443, false);
    out.push(b',');
    endpoint(out, s, "nativesecure", 9440, false);
    if s.mysql_enabled {
        out.push(b',');
        endpoint(out, s, "mysql", 3306, true);
    }
    out.push(b']');
    flag(out, br#","hasTransparentDataEncryption":"#, s.has_transparent_data_encryption);
    if s.provider == "aws" {
        // First 8 characters of the id; `get` because a loaded state may carry any id.
        out.extend_from_slice(br#","iamRole":"arn:aws:iam::000000000000:role/CH-S3-"#);
        contents(out, s.id.get(..8).unwrap_or(&s.id));
        out.extend_from_slice(br#"-Role""#);
    }
    field(out, br#","id":"#, &s.id);
    flag(out, br#","idleScaling":"#, s.idle_scaling);
    count(out, br#","idleTimeoutMinutes":"#, s.idle_timeout_minutes);
    out.extend_from_slice(br#","ipAccessList":["#);
    for (i, e) in s.ip_access_list.iter().enumerate() {
        out.extend_from_slice(if i > 0 { b",{" } else { b"{" });
        if let Some(d) = &e.description {
            field(out, br#""description":"#, d);
            out.push(b',');
        }
        field(out, br#""source":"#, &e.source);
        out.push(b'}');
    }
    out.push(b']');
    flag(out, br#","isPrimary":"#, s.is_primary);
    flag(out, br#","isReadonly":"#, s.is_readonly);
    count(out, br#","maxReplicaMemoryGb":"#, s.max_replica_memory_gb);
    if horizontal {
        count(out, br#","maxReplicas":"#, s.max_replicas);
    }
    count(out, br#","maxTotalMemoryGb":"#, s.max_total_memory_gb());
    count(out, br#","minReplicaMemoryGb":"#, s.min_replica_memory_gb);
    if horizontal {
        count(out, br#","minReplicas":"#, s.min_replicas);
    }
    count(out, br#","minTotalMemoryGb":"#, s.min_total_memory_gb());
    field(out, br#","name":"#, &s.name);
    if !horizontal {
        count(out, br#","numReplicas":"#, s.num_replicas);
    }
    strings(out, br#","privateEndpointIds":"#, s.extras.private_endpoint_ids.iter().map(String::as_str));
    optional(out, br#","profile":"#, s.extras.profile.as_deref());
    field(out, br#","provider":"#, &s.provider);
    field(out, br#","region":"#, &s.region);
    field(out, br#","releaseChannel":"#, &s.release_channel);
    if horizontal {
        count(out, br#","replicaMemoryGb":"#, s.min_replica_memory_gb);
    }
    if let Some(schedule) = s.scaling_schedule.as_deref() {
        out.extend_from_slice(br#","scalingSchedule":"#);
        scaling_schedule(schedule, s).write_json(out);
    }
    field(out, br#","state":"#, s.state.as_str());
    out.extend_from_slice(br#","tags":["#);
    for (i, t) in s.extras.tags.iter().enumerate() {
        field(out, if i > 0 { br#",{"key":"# } else { br#"{"key":"# }, &t.key);
        optional(out, br#","value":"#, t.value.as_deref());
        out.push(b'}');
    }
    out.push(b']');
    // Organizations on legacy tiers see `production` where a service has no tier.
    optional(out, br#","tier":"#, s.extras.tier.as_deref().or(org.hidden.legacy_tiers.then_some("production")));
    optional(out, br#","transparentDataEncryptionKeyId":"#, s.extras.transparent_data_encryption_key_id.as_deref());
    out.push(b'}');
}

/// Official `CurrentScaling`, keys in byte order.
fn write_current_scaling(out: &mut Vec<u8>, e: &Effective) {
    out.extend_from_slice(br#","currentScaling":{"#);
    if let Some(id) = e.active_entry_id {
        field(out, br#""activeEntryId":"#, id);
        out.push(b',');
    }
    field(out, br#""effectiveAutoscalingMode":"#, e.mode.as_str());
    flag(out, br#","effectiveIdleScaling":"#, e.idle_scaling);
    count(out, br#","effectiveIdleTimeoutMinutes":"#, e.idle_timeout_minutes);
    count(out, br#","effectiveMaxReplicaMemoryGb":"#, e.max_replica_memory_gb);
    count(out, br#","effectiveMaxReplicas":"#, e.max_replicas);
    count(out, br#","effectiveMinReplicaMemoryGb":"#, e.min_replica_memory_gb);
    count(out, br#","effectiveMinReplicas":"#, e.min_replicas);
    out.push(b'}');
}

/// Official `ScalingScheduleEntry`: a vertical entry with a fixed count reports it as an
/// equal band; absent values stay absent.
pub fn scaling_entry(e: &ScalingEntry, active: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id));
    m.insert("name".into(), json!(e.name));
    m.insert("weekdays".into(), json!(e.weekdays));
    m.insert("startHourUtc".into(), json!(e.start_hour_utc));
    m.insert("endHourUtc".into(), json!(e.end_hour_utc));
    m.insert("autoscalingMode".into(), json!(e.autoscaling_mode.as_str()));
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("minReplicaMemoryGb", e.min_replica_memory_gb.map(|n| json!(n)));
    put("maxReplicaMemoryGb", e.max_replica_memory_gb.map(|n| json!(n)));
    put("minReplicas", e.min_replicas.map(|n| json!(n)));
    put("maxReplicas", e.max_replicas.map(|n| json!(n)));
    put("idleScaling", e.idle_scaling.map(|b| json!(b)));
    put("idleTimeoutMinutes", e.idle_timeout_minutes.map(|n| json!(n)));
    m.insert("isActiveNow".into(), json!(active == Some(e.id.as_str())));
    Value::Object(m)
}

/// Official `ScalingScheduleBaseConfig` of a service: the scaling applied when no entry
/// is active.
pub fn base_config(s: &Service) -> Value {
    let vertical = s.autoscaling_mode == AutoscalingMode::Vertical;
    let (min, max) = if vertical { (s.num_replicas, s.num_replicas) } else { (s.min_replicas, s.max_replicas) };
    json!({
        "autoscalingMode": s.autoscaling_mode.as_str(),
        "minReplicaMemoryGb": s.min_replica_memory_gb,
        "maxReplicaMemoryGb": s.max_replica_memory_gb,
        "minReplicas": min,
        "maxReplicas": max,
        "idleScaling": s.idle_scaling,
        "idleTimeoutMinutes": s.idle_timeout_minutes,
    })
}

/// Official `ScalingSchedule` of a service: `{entries, baseConfig, activeEntryId?}`.
pub fn scaling_schedule(schedule: &ScalingSchedule, s: &Service) -> Value {
    let active = schedule.active_entry_id.as_deref();
    let mut v = json!({
        "entries": schedule.entries.iter().map(|e| scaling_entry(e, active)).collect::<Vec<_>>(),
        "baseConfig": base_config(s),
    });
    if let Some(id) = active {
        v["activeEntryId"] = json!(id);
    }
    v
}

/// `Service` (§4.2) of `s` in `org`, written by hand (see `write_service`).
pub struct ServiceView<'a> {
    s: &'a Service,
    org: &'a Organization,
    cx: &'a Cx<'a>,
}

pub fn service<'a>(s: &'a Service, org: &'a Organization, cx: &'a Cx<'a>) -> ServiceView<'a> {
    ServiceView { s, org, cx }
}

impl WriteJson for ServiceView<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_service(out, self.s, self.org, self.cx);
    }
}

/// A stored service, written from the rendering memoised with it (`Stored::memo`)
/// while neither it nor any organization has been written since: the rendering reads
/// only the service, its organization (`org_version` is the tag) and the clock's epoch,
/// which never changes. A poller that gets or lists unchanged services (the common
/// case, and the load bench's) copies bytes instead of rendering them.
pub struct Kept<'a> {
    stored: &'a Stored<Service>,
    org: &'a Organization,
    org_version: u64,
    cx: &'a Cx<'a>,
}

impl<'a> Kept<'a> {
    pub fn new(stored: &'a Stored<Service>, call: &'a super::Call<'a>) -> Self {
        Kept { stored, org: &call.org, org_version: call.org_version, cx: call.cx }
    }
}

impl WriteJson for Kept<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        self.stored.memo(self.org_version, out, |s, out| write_service(out, s, self.org, self.cx));
    }
}

/// An array of stored services of `org`, in the given order (each as [`Kept`]).
pub struct ServiceList<'a> {
    pub services: &'a [&'a Stored<Service>],
    pub org: &'a Organization,
    pub org_version: u64,
    pub cx: &'a Cx<'a>,
}

impl WriteJson for ServiceList<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        // A service is about 1.1 KiB: 1 KiB each came short, and the last push then
        // doubled a 1 MiB buffer (a copy of it and a megabyte of fresh pages, a third of
        // the simulator's share of a list of 1,000). Room not written to costs nothing.
        out.reserve(self.services.len() * 1536 + 64);
        out.push(b'[');
        for (i, stored) in self.services.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            stored.memo(self.org_version, out, |s, out| write_service(out, s, self.org, self.cx));
        }
        out.push(b']');
    }
}

/// The answer of a create (E2): `{"password": ..., "service": ...}`.
pub struct Created<'a> {
    pub password: &'a str,
    pub service: ServiceView<'a>,
}

impl WriteJson for Created<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        field(out, br#"{"password":"#, self.password);
        out.extend_from_slice(br#","service":"#);
        self.service.write_json(out);
        out.push(b'}');
    }
}

/// `{"service": ...}`: the answer of a delete under knob `deleteReturnsService`.
pub struct Deleted<'a> {
    pub service: ServiceView<'a>,
}

impl WriteJson for Deleted<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"service":"#);
        self.service.write_json(out);
        out.push(b'}');
    }
}

/// `Organization` (§4.1), without the hidden attributes.
pub fn organization(o: &Organization, cx: &Cx) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "createdAt": cx.iso(o.created_at),
        "privateEndpoints": o.private_endpoints,
        "byocConfig": o.byoc_config,
        "enableCoreDumps": o.enable_core_dumps,
    })
}

/// `Backup` (§4.4). While in progress, `durationInSeconds` is the time so far.
pub fn backup(b: &Backup, cx: &Cx) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(b.id));
    m.insert("status".into(), json!(b.status.as_str()));
    m.insert("serviceId".into(), json!(b.service_id));
    m.insert("startedAt".into(), json!(cx.iso(b.started_at)));
    if let Some(f) = b.finished_at {
        m.insert("finishedAt".into(), json!(cx.iso(f)));
    }
    m.insert("sizeInBytes".into(), json!(b.size_in_bytes));
    let end = b.finished_at.unwrap_or(cx.now);
    m.insert("durationInSeconds".into(), json!(end.secs_since(b.started_at)));
    m.insert("type".into(), json!(b.kind));
    Value::Object(m)
}

/// `BackupConfiguration` (§4.5); `backupStartTime` omitted when unset.
pub fn backup_configuration(c: &BackupConfiguration) -> Value {
    let mut m = Map::new();
    m.insert("backupPeriodInHours".into(), json!(c.backup_period_in_hours));
    m.insert("backupRetentionPeriodInHours".into(), json!(c.backup_retention_period_in_hours));
    put_opt(&mut m, "backupStartTime", &c.backup_start_time);
    Value::Object(m)
}

/// `ServiceQueryAPIEndpoint` (§4.6).
pub fn query_endpoint(q: &QueryEndpoint) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(q.id));
    m.insert("openApiKeys".into(), json!(q.open_api_keys));
    m.insert("roles".into(), json!(q.roles));
    put_opt(&mut m, "allowedOrigins", &q.allowed_origins);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ClockMode, SimInstant};
    use crate::ids::Ids;
    use crate::lifecycle::Lifecycle;

    /// The `Value` rendering services had before [`ServiceView`], kept as the oracle:
    /// the view must write exactly its bytes.
    fn service_value(s: &Service, org: &Organization, cx: &Cx) -> Value {
        let put_opt = |m: &mut Map<String, Value>, k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        let host = format!("{}.{}.{}.clickhouse.cloud", s.subdomain, s.region, s.provider);
        let mut endpoints = vec![
            json!({"protocol": "https", "host": host, "port": 8443}),
            json!({"protocol": "nativesecure", "host": host, "port": 9440}),
        ];
        if s.mysql_enabled {
            endpoints.push(
                json!({"protocol": "mysql", "host": host, "port": 3306, "username": format!("mysql4{}", s.subdomain)}),
            );
        }
        let available: Vec<String> = org
            .private_endpoints
            .iter()
            .filter(|p| {
                p.cloud_provider == s.provider && p.region == s.region && !s.extras.private_endpoint_ids.contains(&p.id)
            })
            .map(|p| p.id.clone())
            .collect();
        let mut m = Map::new();
        m.insert("id".into(), json!(s.id));
        m.insert("name".into(), json!(s.name));
        m.insert("provider".into(), json!(s.provider));
        m.insert("region".into(), json!(s.region));
        m.insert("state".into(), json!(s.state.as_str()));
        m.insert("clickhouseVersion".into(), json!(s.clickhouse_version));
        m.insert("endpoints".into(), Value::Array(endpoints));
        let tier = s.extras.tier.clone().or_else(|| org.hidden.legacy_tiers.then(|| "production".to_owned()));
        put_opt(&mut m, "tier", &tier);
        m.insert("minTotalMemoryGb".into(), json!(s.min_total_memory_gb()));
        m.insert("maxTotalMemoryGb".into(), json!(s.max_total_memory_gb()));
        m.insert("minReplicaMemoryGb".into(), json!(s.min_replica_memory_gb));
        m.insert("maxReplicaMemoryGb".into(), json!(s.max_replica_memory_gb));
        let horizontal = s.autoscaling_mode == AutoscalingMode::Horizontal;
        m.insert("autoscalingMode".into(), json!(s.autoscaling_mode.as_str()));
        if horizontal {
            m.insert("minReplicas".into(), json!(s.min_replicas));
            m.insert("maxReplicas".into(), json!(s.max_replicas));
            m.insert("replicaMemoryGb".into(), json!(s.min_replica_memory_gb));
        } else {
            m.insert("numReplicas".into(), json!(s.num_replicas));
        }
        let e = s.effective();
        let mut current = json!({
            "effectiveAutoscalingMode": e.mode.as_str(),
            "effectiveMinReplicaMemoryGb": e.min_replica_memory_gb,
            "effectiveMaxReplicaMemoryGb": e.max_replica_memory_gb,
            "effectiveMinReplicas": e.min_replicas,
            "effectiveMaxReplicas": e.max_replicas,
            "effectiveIdleScaling": e.idle_scaling,
            "effectiveIdleTimeoutMinutes": e.idle_timeout_minutes,
        });
        if let Some(id) = e.active_entry_id {
            current["activeEntryId"] = json!(id);
        }
        m.insert("currentScaling".into(), current);
        if let Some(schedule) = s.scaling_schedule.as_deref() {
            m.insert("scalingSchedule".into(), scaling_schedule(schedule, s));
        }
        m.insert("idleScaling".into(), json!(s.idle_scaling));
        m.insert("idleTimeoutMinutes".into(), json!(s.idle_timeout_minutes));
        m.insert("ipAccessList".into(), json!(s.ip_access_list));
        m.insert("createdAt".into(), json!(cx.iso(s.created_at)));
        put_opt(&mut m, "encryptionKey", &s.extras.encryption_key);
        put_opt(&mut m, "encryptionAssumedRoleIdentifier", &s.extras.encryption_assumed_role_identifier);
        if s.provider == "aws" {
            let short = s.id.get(..8).unwrap_or(&s.id);
            m.insert("iamRole".into(), json!(format!("arn:aws:iam::000000000000:role/CH-S3-{short}-Role")));
        }
        m.insert("privateEndpointIds".into(), json!(s.extras.private_endpoint_ids));
        m.insert("availablePrivateEndpointIds".into(), json!(available));
        m.insert("dataWarehouseId".into(), json!(s.data_warehouse_id));
        m.insert("isPrimary".into(), json!(s.is_primary));
        m.insert("isReadonly".into(), json!(s.is_readonly));
        m.insert("releaseChannel".into(), json!(s.release_channel));
        put_opt(&mut m, "byocId", &s.extras.byoc_id);
        m.insert("hasTransparentDataEncryption".into(), json!(s.has_transparent_data_encryption));
        put_opt(&mut m, "transparentDataEncryptionKeyId", &s.extras.transparent_data_encryption_key_id);
        put_opt(&mut m, "encryptionRoleId", &s.extras.encryption_role_id);
        put_opt(&mut m, "profile", &s.extras.profile);
        put_opt(&mut m, "complianceType", &s.extras.compliance_type);
        m.insert("tags".into(), json!(s.extras.tags));
        m.insert("enableCoreDumps".into(), json!(s.enable_core_dumps));
        Value::Object(m)
    }

    fn bare_service() -> Service {
        Service {
            id: "0f2b7c1e-1111-4222-8333-444455556666".into(),
            org_id: "org".into(),
            name: "plain".into(),
            provider: "gcp".into(),
            region: "us-east1".into(),
            state: ServiceState::Provisioning,
            generation: 0,
            clickhouse_version: "25.1".into(),
            subdomain: "abcdefghij".into(),
            mysql_enabled: false,
            min_replica_memory_gb: 8,
            max_replica_memory_gb: 120,
            num_replicas: 3,
            autoscaling_mode: AutoscalingMode::Vertical,
            min_replicas: 3,
            max_replicas: 3,
            scaling_schedule: None,
            idle_scaling: true,
            idle_timeout_minutes: 15,
            ip_access_list: Vec::new(),
            created_at: SimInstant(90_500),
            data_warehouse_id: "w".into(),
            is_primary: true,
            is_readonly: false,
            release_channel: "default".into(),
            has_transparent_data_encryption: false,
            enable_core_dumps: true,
            password: PasswordDigests::default(),
            query_endpoint: None,
            extras: Default::default(),
            last_activity_at: SimInstant::ZERO,
            running_since: None,
            endpoint_service_suffix: Default::default(),
            fail_next_backup: false,
            backups_taken: 0,
            backup_schedule: 0,
            next_backup_at: None,
            fail_next_transition: false,
            }
    }

    fn full_service() -> Service {
        let some = |s: &str| Some(s.to_owned());
        Service {
            name: "quotes \" and \\ and \u{1} and ü".into(),
            provider: "aws".into(),
            region: "us-east-1".into(),
            state: ServiceState::PartiallyRunning,
            mysql_enabled: true,
            ip_access_list: vec![
                IpAccessEntry { source: "10.0.0.0/8".into(), description: some("office \"A\"") },
                IpAccessEntry { source: "1.2.3.4".into(), description: None },
            ],
            has_transparent_data_encryption: true,
            extras: ServiceExtras {
                encryption_key: some("k"),
                encryption_assumed_role_identifier: some("role"),
                byoc_id: some("byoc"),
                transparent_data_encryption_key_id: some("tde"),
                encryption_role_id: some("arn"),
                profile: some("v1-default"),
                compliance_type: some("hipaa"),
                backup_id_restored_from: None,
                stall_until: None,
                tier: some("production"),
                private_endpoint_ids: vec!["pe-1".into()],
                tags: vec![Tag { key: "env".into(), value: some("prod") }, Tag { key: "bare".into(), value: None }],
                backup_configuration: BackupConfiguration::DEFAULT,
            }
            .into(),
            ..bare_service()
        }
    }

    fn org(legacy_tiers: bool) -> Organization {
        let pe = |id: &str, provider: &str, region: &str| OrgPrivateEndpoint {
            id: id.into(),
            description: String::new(),
            cloud_provider: provider.into(),
            region: region.into(),
        };
        Organization {
            id: "org".into(),
            name: "o".into(),
            created_at: SimInstant::ZERO,
            private_endpoints: vec![
                pe("pe-1", "aws", "us-east-1"),
                pe("pe-2", "aws", "us-east-1"),
                pe("pe-3", "gcp", "us-east1"),
                pe("pe-4", "aws", "eu-west-1"),
            ],
            byoc_config: Vec::new(),
            enable_core_dumps: true,
            hidden: OrgAttributes { legacy_tiers, ..OrgAttributes::default() },
        }
    }

    fn written(v: &impl WriteJson) -> String {
        let mut out = Vec::new();
        v.write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn text(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn a_service_state_keeps_its_rare_attributes_flat_and_round_trips() {
        // `extras` is out of line in memory only: the state dump reads as before.
        let full = full_service();
        let v = serde_json::to_value(&full).expect("a service serializes");
        assert_eq!(v["encryptionKey"], "k");
        assert_eq!(v["complianceType"], "hipaa");
        assert!(v.get("extras").is_none(), "flattened: {v}");
        let back: Service = serde_json::from_value(v).expect("and reads back");
        assert_eq!(back, full);
        let bare: Service = serde_json::from_value(serde_json::to_value(bare_service()).unwrap()).unwrap();
        assert_eq!(bare, bare_service());
    }

    #[test]
    fn timestamps_are_written_as_the_clock_formats_them() {
        let ids = Ids::new(1);
        let lifecycle = Lifecycle::default();
        let peer = ([127, 0, 0, 1], 0).into();
        // The manual clock's whole-second epoch, and the real clock's epoch (now, with
        // a fraction of a second that carries into the next second).
        for clock in [Clock::new(ClockMode::Manual), Clock::new(ClockMode::Real)] {
            let cx = Cx { now: SimInstant::ZERO, clock: &clock, ids: &ids, lifecycle: &lifecycle, peer };
            let draws = Ids::new(7);
            let spans = [1_000u64, 86_400_000, 400 * 365 * 86_400_000, u64::MAX];
            let fixed = [0, 1, 999, 1_000, 59_999, 86_399_999, 5_000_000_000_000, 252_000_000_000_000, u64::MAX];
            let drawn = (0..20_000).map(|i| draws.range(0, spans[i % spans.len()]));
            for t in fixed.into_iter().chain(drawn) {
                let mut out = Vec::new();
                timestamp(&mut out, &cx, SimInstant(t));
                assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", clock.iso(SimInstant(t))), "{t}");
            }
        }
    }

    #[test]
    fn services_are_written_byte_for_byte_as_the_value_tree_wrote_them() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        // A loaded state may carry any strings, in the host's pieces and the id too.
        let odd = Service {
            id: "ab\"cd\u{7f}efgh-i".into(),
            subdomain: "s\"ub".into(),
            region: "r\n".into(),
            provider: "aws".into(),
            created_at: SimInstant(1_234_567),
            ..full_service()
        };
        let short_id = Service { id: "short".into(), provider: "aws".into(), ..bare_service() };
        let entry = |id: &str, mode| ScalingEntry {
            id: id.into(),
            name: "nights \"n\"".into(),
            weekdays: vec![0, 6],
            start_hour_utc: 22,
            end_hour_utc: 6,
            autoscaling_mode: mode,
            min_replica_memory_gb: Some(16),
            max_replica_memory_gb: Some(16),
            min_replicas: Some(2),
            max_replicas: Some(5),
            idle_scaling: None,
            idle_timeout_minutes: Some(30),
        };
        let scheduled = Service {
            autoscaling_mode: AutoscalingMode::Horizontal,
            min_replicas: 2,
            max_replicas: 6,
            min_replica_memory_gb: 24,
            max_replica_memory_gb: 24,
            scaling_schedule: Some(Box::new(ScalingSchedule {
                entries: vec![entry("e1", AutoscalingMode::Horizontal), entry("e2", AutoscalingMode::Vertical)],
                active_entry_id: Some("e1".into()),
                generation: 1,
            })),
            ..full_service()
        };
        let idle_schedule = Service {
            scaling_schedule: Some(Box::new(ScalingSchedule {
                entries: vec![entry("e3", AutoscalingMode::Vertical)],
                active_entry_id: None,
                generation: 1,
            })),
            ..bare_service()
        };
        let services = [bare_service(), full_service(), short_id, odd, scheduled, idle_schedule];
        for legacy in [false, true] {
            let org = org(legacy);
            for s in &services {
                assert_eq!(written(&service(s, &org, &cx)), text(&service_value(s, &org, &cx)));
                let created = Created { password: "p\"w", service: service(s, &org, &cx) };
                let want = json!({"service": service_value(s, &org, &cx), "password": "p\"w"});
                assert_eq!(written(&created), text(&want));
                let deleted = Deleted { service: service(s, &org, &cx) };
                assert_eq!(written(&deleted), text(&json!({"service": service_value(s, &org, &cx)})));
            }
            let none = ServiceList { services: &[], org: &org, org_version: 0, cx: &cx };
            assert_eq!(written(&none), "[]");
        }
    }

    #[test]
    fn lists_write_from_the_memo_until_a_service_or_the_organization_changes() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let short_id = Service { id: "short".into(), provider: "aws".into(), ..bare_service() };
        let mut services = vec![bare_service(), full_service(), short_id];
        let table = crate::store::Table::default();
        for (i, s) in services.iter().enumerate() {
            table.insert("org", &i.to_string(), s.clone());
        }
        let order = |a: &Service, b: &Service| (a.created_at, &a.id, &a.name).cmp(&(b.created_at, &b.id, &b.name));
        let list = |org: &Organization, tag: u64| {
            table.read_sorted(
                "org",
                |_| true,
                |_| (),
                order,
                |stored| written(&ServiceList { services: stored, org, org_version: tag, cx: &cx }),
            )
        };
        let oracle = |services: &mut Vec<Service>, org: &Organization| {
            services.sort_by(order);
            text(&Value::Array(services.iter().map(|s| service_value(s, org, &cx)).collect()))
        };
        let plain = org(false);
        let first = list(&plain, 1);
        assert_eq!(first, oracle(&mut services, &plain));
        assert_eq!(list(&plain, 1), first, "from the memo");
        // A written service is rendered again; the others come from their memos.
        table.update("org", "1", |s| s.name = "renamed \"x\"".into());
        services.iter_mut().filter(|s| s.name != "plain").for_each(|s| s.name = "renamed \"x\"".into());
        assert_eq!(list(&plain, 1), oracle(&mut services, &plain));
        // An organization written since (a new tag) renders every service again.
        let legacy = org(true);
        assert_eq!(list(&legacy, 2), oracle(&mut services, &legacy));
        assert_eq!(list(&legacy, 2), oracle(&mut services, &legacy));
    }
}
