//! Wire rendering of ClickHouse resources (the `result` objects of spec §4).
//!
//! Emission rule (§4.2): every listed field is emitted; strings never set are omitted
//! (not `null`); arrays default to `[]`; booleans are always present. Timestamps are
//! ISO-8601 UTC at second precision.

use serde_json::{json, Map, Value};

use super::model::*;
use crate::providers::Cx;

fn put_opt(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), Value::String(v.clone()));
    }
}

/// The host of every endpoint of a service.
pub fn host(s: &Service) -> String {
    format!("{}.{}.{}.clickhouse.cloud", s.subdomain, s.region, s.provider)
}

/// `endpoints` (§4.3): https 8443 and nativesecure 9440 always, mysql 3306 when enabled.
pub fn endpoints(s: &Service) -> Value {
    let host = host(s);
    let mut list = vec![
        json!({"protocol": "https", "host": host, "port": 8443}),
        json!({"protocol": "nativesecure", "host": host, "port": 9440}),
    ];
    if s.mysql_enabled {
        list.push(
            json!({"protocol": "mysql", "host": host, "port": 3306, "username": format!("mysql4{}", s.subdomain)}),
        );
    }
    Value::Array(list)
}

/// Organization private endpoints of the service's provider/region, not attached to it.
pub fn available_private_endpoint_ids(s: &Service, org: &Organization) -> Vec<String> {
    org.private_endpoints
        .iter()
        .filter(|p| p.cloud_provider == s.provider && p.region == s.region && !s.private_endpoint_ids.contains(&p.id))
        .map(|p| p.id.clone())
        .collect()
}

/// `Service` (§4.2).
pub fn service(s: &Service, org: &Organization, cx: &Cx) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("name".into(), json!(s.name));
    m.insert("provider".into(), json!(s.provider));
    m.insert("region".into(), json!(s.region));
    m.insert("state".into(), json!(s.state.as_str()));
    m.insert("clickhouseVersion".into(), json!(s.clickhouse_version));
    m.insert("endpoints".into(), endpoints(s));
    let tier = s.tier.clone().or_else(|| org.hidden.legacy_tiers.then(|| "production".to_owned()));
    put_opt(&mut m, "tier", &tier);
    m.insert("minTotalMemoryGb".into(), json!(s.min_total_memory_gb()));
    m.insert("maxTotalMemoryGb".into(), json!(s.max_total_memory_gb()));
    m.insert("minReplicaMemoryGb".into(), json!(s.min_replica_memory_gb));
    m.insert("maxReplicaMemoryGb".into(), json!(s.max_replica_memory_gb));
    m.insert("numReplicas".into(), json!(s.num_replicas));
    m.insert("idleScaling".into(), json!(s.idle_scaling));
    m.insert("idleTimeoutMinutes".into(), json!(s.idle_timeout_minutes));
    m.insert("ipAccessList".into(), json!(s.ip_access_list));
    m.insert("createdAt".into(), json!(cx.iso(s.created_at)));
    put_opt(&mut m, "encryptionKey", &s.encryption_key);
    put_opt(&mut m, "encryptionAssumedRoleIdentifier", &s.encryption_assumed_role_identifier);
    if s.provider == "aws" {
        // First 8 hex digits of the id; `get` because a loaded state may carry any id.
        let short = s.id.get(..8).unwrap_or(&s.id);
        m.insert("iamRole".into(), json!(format!("arn:aws:iam::000000000000:role/CH-S3-{short}-Role")));
    }
    m.insert("privateEndpointIds".into(), json!(s.private_endpoint_ids));
    m.insert("availablePrivateEndpointIds".into(), json!(available_private_endpoint_ids(s, org)));
    m.insert("dataWarehouseId".into(), json!(s.data_warehouse_id));
    m.insert("isPrimary".into(), json!(s.is_primary));
    m.insert("isReadonly".into(), json!(s.is_readonly));
    m.insert("releaseChannel".into(), json!(s.release_channel));
    put_opt(&mut m, "byocId", &s.byoc_id);
    m.insert("hasTransparentDataEncryption".into(), json!(s.has_transparent_data_encryption));
    put_opt(&mut m, "transparentDataEncryptionKeyId", &s.transparent_data_encryption_key_id);
    put_opt(&mut m, "encryptionRoleId", &s.encryption_role_id);
    put_opt(&mut m, "profile", &s.profile);
    put_opt(&mut m, "complianceType", &s.compliance_type);
    m.insert("tags".into(), json!(s.tags));
    m.insert("enableCoreDumps".into(), json!(s.enable_core_dumps));
    Value::Object(m)
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
