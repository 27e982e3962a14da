//! Wire rendering of ClickHouse resources (the `result` objects of spec §4).
//!
//! Emission rule (§4.2): every listed field is emitted; strings never set are omitted
//! (not `null`); arrays default to `[]`; booleans are always present. Timestamps are
//! ISO-8601 UTC at second precision.
//!
//! Services, on every hot path (get, list, create), are [`ServiceView`]s serialised
//! straight into the answer's bytes; the rarer resources are still built as `Value`s.

use std::fmt;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::model::*;
use crate::providers::Cx;

fn put_opt(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), Value::String(v.clone()));
    }
}

/// The host of every endpoint of a service: `<sub>.<region>.<provider>.clickhouse.cloud`.
struct Host<'a>(&'a Service);

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(f, "{}.{}.{}.clickhouse.cloud", s.subdomain, s.region, s.provider)
    }
}

impl Serialize for Host<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One entry of `endpoints` (keys in byte order, as everywhere in this view).
#[derive(Serialize)]
struct Endpoint<'a> {
    host: Host<'a>,
    port: u16,
    protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<MysqlUser<'a>>,
}

/// `mysql4<sub>`, the MySQL endpoint's user name.
struct MysqlUser<'a>(&'a str);

impl Serialize for MysqlUser<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("mysql4{}", self.0))
    }
}

/// `endpoints` (§4.3): https 8443 and nativesecure 9440 always, mysql 3306 when enabled.
struct Endpoints<'a>(&'a Service);

impl Serialize for Endpoints<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let at = |protocol, port| Endpoint { host: Host(s), port, protocol, username: None };
        let mut seq = serializer.serialize_seq(Some(2 + s.mysql_enabled as usize))?;
        seq.serialize_element(&at("https", 8443))?;
        seq.serialize_element(&at("nativesecure", 9440))?;
        if s.mysql_enabled {
            seq.serialize_element(&Endpoint { username: Some(MysqlUser(&s.subdomain)), ..at("mysql", 3306) })?;
        }
        seq.end()
    }
}

/// `ipAccessList`: `{description?, source}` entries (description first, by name).
struct IpList<'a>(&'a [IpAccessEntry]);

#[derive(Serialize)]
struct IpEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    source: &'a str,
}

impl Serialize for IpList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer
            .collect_seq(self.0.iter().map(|e| IpEntry { description: e.description.as_deref(), source: &e.source }))
    }
}

/// `availablePrivateEndpointIds`: organization private endpoints of the service's
/// provider/region, not attached to it.
struct AvailablePrivateEndpoints<'a>(&'a Service, &'a Organization);

impl Serialize for AvailablePrivateEndpoints<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (s, org) = (self.0, self.1);
        serializer.collect_seq(
            org.private_endpoints
                .iter()
                .filter(|p| {
                    p.cloud_provider == s.provider && p.region == s.region && !s.private_endpoint_ids.contains(&p.id)
                })
                .map(|p| p.id.as_str()),
        )
    }
}

/// `iamRole` of an AWS service: `arn:aws:iam::000000000000:role/CH-S3-<first 8 of id>-Role`.
struct IamRole<'a>(&'a str);

impl Serialize for IamRole<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // `get` because a loaded state may carry any id.
        let short = self.0.get(..8).unwrap_or(self.0);
        serializer.collect_str(&format_args!("arn:aws:iam::000000000000:role/CH-S3-{short}-Role"))
    }
}

/// `Service` (§4.2) as the wire shows it, borrowed from the stored service and written
/// straight into the answer (no `Value` tree).
///
/// Emission rule (§4.2): every listed field is emitted; strings never set are omitted
/// (not `null`); arrays default to `[]`; booleans are always present. Fields are declared
/// in byte order of their wire names, the order the answers have always had (they were
/// `serde_json::Map`s, which sort their keys), so the bytes did not change.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView<'a> {
    available_private_endpoint_ids: AvailablePrivateEndpoints<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byoc_id: Option<&'a str>,
    clickhouse_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance_type: Option<&'a str>,
    created_at: String,
    data_warehouse_id: &'a str,
    enable_core_dumps: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_assumed_role_identifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_role_id: Option<&'a str>,
    endpoints: Endpoints<'a>,
    has_transparent_data_encryption: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    iam_role: Option<IamRole<'a>>,
    id: &'a str,
    idle_scaling: bool,
    idle_timeout_minutes: u32,
    ip_access_list: IpList<'a>,
    is_primary: bool,
    is_readonly: bool,
    max_replica_memory_gb: u32,
    max_total_memory_gb: u32,
    min_replica_memory_gb: u32,
    min_total_memory_gb: u32,
    name: &'a str,
    num_replicas: u32,
    private_endpoint_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    provider: &'a str,
    region: &'a str,
    release_channel: &'a str,
    state: &'static str,
    tags: &'a [Tag],
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transparent_data_encryption_key_id: Option<&'a str>,
}

/// `Service` (§4.2) of `s` in `org`.
pub fn service<'a>(s: &'a Service, org: &'a Organization, cx: &Cx) -> ServiceView<'a> {
    ServiceView {
        available_private_endpoint_ids: AvailablePrivateEndpoints(s, org),
        byoc_id: s.byoc_id.as_deref(),
        clickhouse_version: &s.clickhouse_version,
        compliance_type: s.compliance_type.as_deref(),
        created_at: cx.iso(s.created_at),
        data_warehouse_id: &s.data_warehouse_id,
        enable_core_dumps: s.enable_core_dumps,
        encryption_assumed_role_identifier: s.encryption_assumed_role_identifier.as_deref(),
        encryption_key: s.encryption_key.as_deref(),
        encryption_role_id: s.encryption_role_id.as_deref(),
        endpoints: Endpoints(s),
        has_transparent_data_encryption: s.has_transparent_data_encryption,
        iam_role: (s.provider == "aws").then_some(IamRole(&s.id)),
        id: &s.id,
        idle_scaling: s.idle_scaling,
        idle_timeout_minutes: s.idle_timeout_minutes,
        ip_access_list: IpList(&s.ip_access_list),
        is_primary: s.is_primary,
        is_readonly: s.is_readonly,
        max_replica_memory_gb: s.max_replica_memory_gb,
        max_total_memory_gb: s.max_total_memory_gb(),
        min_replica_memory_gb: s.min_replica_memory_gb,
        min_total_memory_gb: s.min_total_memory_gb(),
        name: &s.name,
        num_replicas: s.num_replicas,
        private_endpoint_ids: &s.private_endpoint_ids,
        profile: s.profile.as_deref(),
        provider: &s.provider,
        region: &s.region,
        release_channel: &s.release_channel,
        state: s.state.as_str(),
        tags: &s.tags,
        // Organizations on legacy tiers see `production` where a service has no tier.
        tier: s.tier.as_deref().or(org.hidden.legacy_tiers.then_some("production")),
        transparent_data_encryption_key_id: s.transparent_data_encryption_key_id.as_deref(),
    }
}

/// The answer of a create (E2): the new service and its generated password.
#[derive(Serialize)]
pub struct Created<'a> {
    pub password: &'a str,
    pub service: ServiceView<'a>,
}

/// `{"service": ...}`: the answer of a delete under knob `deleteReturnsService`.
#[derive(Serialize)]
pub struct Deleted<'a> {
    pub service: ServiceView<'a>,
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
                p.cloud_provider == s.provider && p.region == s.region && !s.private_endpoint_ids.contains(&p.id)
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
            let short = s.id.get(..8).unwrap_or(&s.id);
            m.insert("iamRole".into(), json!(format!("arn:aws:iam::000000000000:role/CH-S3-{short}-Role")));
        }
        m.insert("privateEndpointIds".into(), json!(s.private_endpoint_ids));
        m.insert("availablePrivateEndpointIds".into(), json!(available));
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
            tier: None,
            min_replica_memory_gb: 8,
            max_replica_memory_gb: 120,
            num_replicas: 3,
            idle_scaling: true,
            idle_timeout_minutes: 15,
            ip_access_list: Vec::new(),
            created_at: SimInstant(90_500),
            encryption_key: None,
            encryption_assumed_role_identifier: None,
            private_endpoint_ids: Vec::new(),
            data_warehouse_id: "w".into(),
            is_primary: true,
            is_readonly: false,
            release_channel: "default".into(),
            byoc_id: None,
            has_transparent_data_encryption: false,
            transparent_data_encryption_key_id: None,
            encryption_role_id: None,
            profile: None,
            compliance_type: None,
            tags: Vec::new(),
            enable_core_dumps: true,
            password_sha256_base64: String::new(),
            double_sha1_hex: String::new(),
            backup_configuration: BackupConfiguration::default(),
            query_endpoint: None,
            backup_id_restored_from: None,
            last_activity_at: SimInstant::ZERO,
            running_since: None,
            endpoint_service_suffix: String::new(),
            fail_next_backup: false,
            backups_taken: 0,
            backup_schedule: 0,
            next_backup_at: None,
            fail_next_transition: false,
            stall_until: None,
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
            tier: some("production"),
            ip_access_list: vec![
                IpAccessEntry { source: "10.0.0.0/8".into(), description: some("office \"A\"") },
                IpAccessEntry { source: "1.2.3.4".into(), description: None },
            ],
            encryption_key: some("k"),
            encryption_assumed_role_identifier: some("role"),
            private_endpoint_ids: vec!["pe-1".into()],
            byoc_id: some("byoc"),
            has_transparent_data_encryption: true,
            transparent_data_encryption_key_id: some("tde"),
            encryption_role_id: some("arn"),
            profile: some("v1-default"),
            compliance_type: some("hipaa"),
            tags: vec![Tag { key: "env".into(), value: some("prod") }, Tag { key: "bare".into(), value: None }],
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

    #[test]
    fn service_view_writes_the_bytes_the_value_tree_wrote() {
        let (clock, ids, lifecycle) = (Clock::new(ClockMode::Manual), Ids::new(1), Lifecycle::default());
        let cx = Cx {
            now: SimInstant::ZERO,
            clock: &clock,
            ids: &ids,
            lifecycle: &lifecycle,
            peer: ([127, 0, 0, 1], 0).into(),
        };
        let short_id = Service { id: "short".into(), provider: "aws".into(), ..bare_service() };
        for s in [bare_service(), full_service(), short_id] {
            for legacy in [false, true] {
                let org = org(legacy);
                let want = serde_json::to_vec(&service_value(&s, &org, &cx)).unwrap();
                let got = serde_json::to_vec(&service(&s, &org, &cx)).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
            }
        }
    }
}
