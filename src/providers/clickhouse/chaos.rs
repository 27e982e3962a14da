//! What the core's fault engine and scenario loader need from ClickHouse: request
//! classification, native injected errors, resource faults (its failure states), the
//! `identities:`/`resources:` sections of scenarios, and state restore.
//!
//! Failure states (spec §2.10, §6.1): a service can be forced into `failed`, `degraded`
//! or `partially_running` (any of the 14 states is accepted); "fail the next transition"
//! makes the next scheduled service transition end in `failed` (e.g. provisioning →
//! failed); "stall" holds the next transition for a simulated duration. Recovery is what
//! the seed documents: `start` on a failed/degraded/partially_running service (§6.4).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::model::*;
use super::routes::{self, Op};
use super::{services, Call, ChError, ClickHouse, Out, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, DEFAULT_ORG_ID};
use crate::id::Id;
use crate::faults::{Classified, ResourceFault};
use crate::http::{ProviderError, Reply, Request};
use crate::providers::{Cx, Transition};

/// The provider, operation and organization of a request, before its handler runs.
pub fn classify(ch: &ClickHouse, req: &Request, segs: &[&str]) -> Classified {
    let settings = ch.settings();
    match routes::route(&req.method, segs.get(1..).unwrap_or(&[]), settings.rc_aliases) {
        Some(Ok(r)) => Classified { provider: super::NAME, operation: r.op.name(), tenant: r.org },
        Some(Err(_)) => Classified { provider: super::NAME, operation: "methodNotAllowed", tenant: None },
        None => Classified { provider: super::NAME, operation: "unknownRoute", tenant: None },
    }
}

/// An injected error in the native envelope (503 `SERVICE_UNAVAILABLE` with
/// `Retry-After`, 429 `TOO_MANY_REQUESTS`, 500 `INTERNAL_ERROR`, ...).
pub fn inject(status: u16, retry_after: Option<u64>, cx: &Cx) -> Reply {
    let request_id = cx.ids.uuid();
    let reply = ChError::Injected { status, retry_after }.into_reply(&request_id);
    match hyper::header::HeaderValue::from_str(&request_id) {
        Ok(v) => reply.with_header(hyper::header::HeaderName::from_static("x-request-id"), v),
        Err(_) => reply,
    }
}

/// The resource a request is about: the service in its path, or (given the reply) the
/// one it created.
pub fn resource_target(
    ch: &ClickHouse,
    req: &Request,
    segs: &[&str],
    reply: Option<&Reply>,
) -> Option<(String, String)> {
    let r = routes::route(&req.method, segs.get(1..).unwrap_or(&[]), ch.settings().rc_aliases)?.ok()?;
    let org = String::from(r.org?);
    match &r.op {
        Op::CreateService => {
            let body = reply?.body_json()?;
            Some((org, body.pointer("/result/service/id")?.as_str()?.to_owned()))
        }
        op => op.service().map(|s| (org, s.to_owned())),
    }
}

/// A state a service can be forced into (any state of the machine; the failure states are
/// `failed`, `degraded` and `partially_running`).
pub fn check_state(state: &str) -> Result<ServiceState, String> {
    ServiceState::parse(&state.to_ascii_lowercase()).ok_or_else(|| {
        format!("unknown ClickHouse service state '{state}' (failure states: failed, degraded, partially_running)")
    })
}

/// Applies a resource fault to a service (of `tenant`, or of any organization).
pub fn resource_fault(
    ch: &ClickHouse,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let s = ch
        .services
        .all()
        .into_iter()
        .map(|(_, s)| s)
        .find(|s| s.id == id && tenant.is_none_or(|t| t == s.org_id) && !s.state.is_removed())
        .ok_or_else(|| format!("no ClickHouse service '{id}'"))?;
    match fault {
        ResourceFault::ForceState(state) => {
            let to = check_state(state)?;
            let from = s.state;
            services::force_state(ch, &s.org_id, id, to, cx).ok_or_else(|| format!("no ClickHouse service '{id}'"))?;
            Ok(vec![Transition::new(super::NAME, "service", id, from.as_str(), to.as_str(), cx)])
        }
        ResourceFault::FailNextTransition => {
            ch.services.update(&s.org_id, id, |svc| svc.fail_next_transition = true);
            Ok(Vec::new())
        }
        ResourceFault::Stall { seconds } => {
            ch.services.update(&s.org_id, id, |svc| svc.extras.stall_until = Some(cx.now.plus_secs(*seconds)));
            Ok(Vec::new())
        }
        ResourceFault::CpuLoad { .. } => Err("ClickHouse serves no CPU samples: cpu_percent does not apply".into()),
    }
}

/// The default identity as request headers (scenario `auth: clickhouse`).
pub fn default_auth() -> Vec<(String, String)> {
    vec![("authorization".into(), crate::http::basic(DEFAULT_KEY_ID, DEFAULT_KEY_SECRET))]
}

/// Built-in scenario variables.
pub fn variables() -> Vec<(String, String)> {
    vec![
        ("clickhouse.org".into(), DEFAULT_ORG_ID.into()),
        ("clickhouse.keyId".into(), DEFAULT_KEY_ID.into()),
        ("clickhouse.keySecret".into(), DEFAULT_KEY_SECRET.into()),
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Identities {
    #[serde(default)]
    organizations: Vec<Value>,
    #[serde(default)]
    keys: Vec<KeySeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KeySeed {
    #[serde(default)]
    organization: Option<String>,
    key_id: String,
    key_secret: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    state: Option<String>,
}

/// `identities.clickhouse`: `organizations` (same fields as `POST
/// /_sim/clickhouse/organizations`: `id`, `name`, `keyId`, `keySecret`, hidden
/// attributes) and extra `keys` (`organization`, `keyId`, `keySecret`, `roles`, `state`).
pub fn seed_identities(ch: &ClickHouse, section: &Value, cx: &Cx) -> Result<(), String> {
    let ids: Identities = serde_json::from_value(section.clone()).map_err(|e| e.to_string())?;
    for (i, org) in ids.organizations.iter().enumerate() {
        super::hooks::add_org_from(ch, org, cx).map_err(|e| format!("organizations[{i}]: {e}"))?;
    }
    for (i, k) in ids.keys.iter().enumerate() {
        let org = k.organization.clone().unwrap_or_else(|| DEFAULT_ORG_ID.to_owned());
        if !ch.orgs.contains(&org, &org) {
            return Err(format!("keys[{i}]: organization {org} not found"));
        }
        if ch.key_index.contains("", &k.key_id) {
            return Err(format!("keys[{i}]: key id '{}' already exists", k.key_id));
        }
        let roles = k.roles.clone().unwrap_or_else(|| vec!["admin".into()]);
        for r in &roles {
            if !["admin", "developer", "query_endpoints"].contains(&r.as_str()) {
                return Err(format!("keys[{i}].roles: unknown role '{r}'"));
            }
        }
        let state = k.state.clone().unwrap_or_else(|| "enabled".into());
        if state != "enabled" && state != "disabled" {
            return Err(format!("keys[{i}].state must be enabled or disabled"));
        }
        ch.add_key(ApiKey {
            id: cx.ids.uuid(),
            org_id: org,
            key_id: k.key_id.clone(),
            key_secret: Some(crate::secret::Secret::new(&k.key_secret)),
            key_secret_hash: None,
            name: k.name.clone().unwrap_or_else(|| k.key_id.clone()),
            state,
            roles,
            created_at: cx.now,
            expire_at: None,
            used_at: None,
            ip_access_list: Vec::new(),
        });
    }
    Ok(())
}

/// `resources.clickhouse.services`: each item is a create body (validated by the same
/// rules as `POST .../services`) plus `organization` (default org), `id` (a UUID to use
/// instead of a generated one) and `state` (default `running`: seeded services start
/// settled).
pub fn seed_resources(ch: &ClickHouse, section: &Value, cx: &Cx) -> Result<(), String> {
    let obj = section.as_object().ok_or("must be a mapping with a 'services' list")?;
    if let Some(k) = obj.keys().find(|k| *k != "services") {
        return Err(format!("unknown key '{k}' (known: services)"));
    }
    let Some(list) = obj.get("services") else { return Ok(()) };
    let list = list.as_array().ok_or("services must be a list")?;
    for (i, item) in list.iter().enumerate() {
        seed_service(ch, item, cx).map_err(|e| format!("services[{i}]: {e}"))?;
    }
    Ok(())
}

fn seed_service(ch: &ClickHouse, item: &Value, cx: &Cx) -> Result<(), String> {
    let mut body = item.as_object().cloned().ok_or("must be a mapping")?;
    let org_id = match body.remove("organization") {
        Some(Value::String(s)) => s,
        Some(_) => return Err("organization must be a string".into()),
        None => DEFAULT_ORG_ID.to_owned(),
    };
    let wanted_id = match body.remove("id") {
        Some(Value::String(s)) if super::validate::is_uuid(&s) => Some(s.to_ascii_lowercase()),
        Some(_) => return Err("id must be a UUID".into()),
        None => None,
    };
    let state = match body.remove("state") {
        Some(Value::String(s)) => ServiceState::parse(&s).ok_or_else(|| format!("unknown service state '{s}'"))?,
        Some(_) => return Err("state must be a string".into()),
        None => ServiceState::Running,
    };
    if let Some(id) = &wanted_id {
        if ch.services.all().iter().any(|(_, s)| &s.id == id) {
            return Err(format!("service {id} already exists"));
        }
    }
    let org_version = ch.orgs.version();
    let org = ch.orgs.get(&org_id, &org_id).ok_or_else(|| format!("organization {org_id} not found"))?;
    let key = ch
        .keys
        .list(&org_id)
        .into_iter()
        .find(|k| k.roles.iter().any(|r| r == "admin"))
        .ok_or_else(|| format!("organization {org_id} has no admin key"))?;
    let mut req = Request::new(
        hyper::Method::POST,
        &format!("/v1/organizations/{org_id}/services"),
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    req.headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    let call = Call { req: &req, cx, org, org_version, key, settings: ch.settings(), request_id: "-", access: Default::default() };
    let created = match services::handle(ch, &call, &Op::CreateService) {
        Ok(Out::Written(body)) => {
            serde_json::from_slice::<Value>(&body).ok().and_then(|mut v| v.get_mut("result").map(Value::take))
        }
        Ok(_) => None,
        Err(e) => return Err(e.body("-")["error"].as_str().unwrap_or("invalid service").to_owned()),
    };
    let created = match created {
        Some(v) => v,
        None => return Err("unexpected answer".into()),
    };
    let mut id = created.pointer("/service/id").and_then(Value::as_str).ok_or("no id")?.to_owned();
    // Settled at once below: the create's provisioning event would only wait, stale.
    cx.cancel_events(super::NAME, "service", &org_id, &id);
    if let Some(wanted) = wanted_id {
        let mut svc = ch.services.remove(&org_id, &id).ok_or("vanished")?;
        if svc.is_primary {
            if let Some(mut w) = ch.warehouses.remove(&org_id, &svc.data_warehouse_id) {
                w.primary_service_id = Id::new(&wanted);
                ch.warehouses.insert(&org_id, &w.id.clone(), w);
            }
        }
        svc.id = Id::new(&wanted);
        ch.services.insert(&org_id, &wanted, svc);
        id = wanted;
    }
    // Settle at once into the wanted state.
    let s = ch
        .services
        .update(&org_id, &id, |svc| {
            svc.set_state(state);
            svc.last_activity_at = cx.now;
            if state == ServiceState::Running {
                svc.running_since = Some(cx.now);
            }
            svc.clone()
        })
        .ok_or("vanished")?;
    if state == ServiceState::Running {
        services::schedule_idle_check(&s, cx, &ch.settings());
        super::backups::on_running(ch, &s, cx);
    }
    Ok(())
}

fn restore_table<V: serde::de::DeserializeOwned + Clone>(
    v: &Value,
    name: &str,
    key: impl Fn(&V) -> (String, String),
) -> Result<Vec<(String, String, V)>, String> {
    let items = match v.get(name) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(format!("{name} must be a list")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let val: V = serde_json::from_value(item.clone()).map_err(|e| format!("{name}[{i}]: {e}"))?;
            let (t, id) = key(&val);
            Ok((t, id, val))
        })
        .collect()
}

type Rows<V> = Vec<(String, String, V)>;

/// A `providers.clickhouse` dump, parsed whole.
pub struct Dump {
    orgs: Rows<Organization>,
    keys: Rows<ApiKey>,
    members: Rows<Member>,
    invitations: Rows<Invitation>,
    activities: Rows<Activity>,
    services: Rows<Service>,
    warehouses: Rows<Warehouse>,
    backups: Rows<Backup>,
    pipes: Rows<ClickPipe>,
    rpes: Rows<ReversePrivateEndpoint>,
    roles: Rows<Role>,
    upgrade_windows: Rows<UpgradeWindow>,
    clickhouse_settings: Rows<ClickhouseSettings>,
    backup_buckets: Rows<BackupBucket>,
    cdc_scaling: Rows<CdcScaling>,
    clickpipe_settings: Rows<ClickPipeSettings>,
    udfs: Rows<Udf>,
    udf_uploads: Rows<UdfUpload>,
    udf_attachments: Rows<UdfAttachment>,
    saved_queries: Rows<super::saved_queries::SavedQuery>,
    query_api_endpoints: Rows<super::query_api_endpoints::QueryApiEndpoint>,
    credit_balances: Rows<super::billing::CreditBalance>,
    notifications: Rows<super::notifications::Notification>,
    replica_routing: Rows<super::replica_routing::ReplicaRouting>,
    snapshot_configs: Rows<super::snapshots::SnapshotConfig>,
}

/// Parses a `GET /_sim/state` dump's `providers.clickhouse`, changing nothing.
pub fn parse_dump(v: &Value) -> Result<Dump, String> {
    let d = parse_tables(v)?;
    check_organizations(&d)?;
    Ok(d)
}

/// Every row belongs to one of the dump's organizations: a row of another one would be
/// restored where no key can reach it, which is losing it without a word. Such a dump is
/// refused, naming the row and its organization.
fn check_organizations(d: &Dump) -> Result<(), String> {
    fn all_known<T>(orgs: &std::collections::HashSet<&str>, table: &str, rows: &Rows<T>) -> Result<(), String> {
        match rows.iter().enumerate().find(|(_, (org, _, _))| !orgs.contains(org.as_str())) {
            Some((i, (org, id, _))) => {
                Err(format!("{table}[{i}] ({id}): organization '{org}' is not among the organizations"))
            }
            None => Ok(()),
        }
    }
    let orgs: std::collections::HashSet<&str> = d.orgs.iter().map(|(_, id, _)| id.as_str()).collect();
    all_known(&orgs, "keys", &d.keys)?;
    all_known(&orgs, "members", &d.members)?;
    all_known(&orgs, "invitations", &d.invitations)?;
    all_known(&orgs, "activities", &d.activities)?;
    all_known(&orgs, "services", &d.services)?;
    all_known(&orgs, "warehouses", &d.warehouses)?;
    all_known(&orgs, "backups", &d.backups)?;
    all_known(&orgs, "clickpipes", &d.pipes)?;
    all_known(&orgs, "reversePrivateEndpoints", &d.rpes)?;
    all_known(&orgs, "roles", &d.roles)?;
    all_known(&orgs, "upgradeWindows", &d.upgrade_windows)?;
    all_known(&orgs, "clickhouseSettings", &d.clickhouse_settings)?;
    all_known(&orgs, "backupBuckets", &d.backup_buckets)?;
    all_known(&orgs, "cdcScaling", &d.cdc_scaling)?;
    all_known(&orgs, "clickpipeSettings", &d.clickpipe_settings)?;
    all_known(&orgs, "udfs", &d.udfs)?;
    all_known(&orgs, "udfUploads", &d.udf_uploads)?;
    all_known(&orgs, "udfAttachments", &d.udf_attachments)?;
    all_known(&orgs, "savedQueries", &d.saved_queries)?;
    all_known(&orgs, "queryApiEndpoints", &d.query_api_endpoints)?;
    all_known(&orgs, "creditBalances", &d.credit_balances)?;
    all_known(&orgs, "notifications", &d.notifications)?;
    all_known(&orgs, "replicaAwareRouting", &d.replica_routing)?;
    all_known(&orgs, "snapshotConfigurations", &d.snapshot_configs)
}

fn parse_tables(v: &Value) -> Result<Dump, String> {
    Ok(Dump {
        orgs: restore_table(v, "organizations", |o: &Organization| (o.id.clone(), o.id.clone()))?,
        keys: restore_table(v, "keys", |k: &ApiKey| (k.org_id.clone(), k.id.clone()))?,
        members: restore_table(v, "members", |m: &Member| (m.org_id.clone(), m.user_id.clone()))?,
        invitations: restore_table(v, "invitations", |m: &Invitation| (m.org_id.clone(), m.id.clone()))?,
        activities: restore_table(v, "activities", |a: &Activity| (a.org_id.to_string(), a.id.to_string()))?,
        services: restore_table(v, "services", |s: &Service| (s.org_id.to_string(), s.id.to_string()))?,
        warehouses: restore_table(v, "warehouses", |w: &Warehouse| (w.org_id.to_string(), w.id.to_string()))?,
        backups: restore_table(v, "backups", |b: &Backup| (b.org_id.clone(), b.id.clone()))?,
        pipes: restore_table(v, "clickpipes", |p: &ClickPipe| (p.org_id.clone(), p.id.clone()))?,
        rpes: restore_table(v, "reversePrivateEndpoints", |p: &ReversePrivateEndpoint| {
            (p.org_id.clone(), p.id.clone())
        })?,
        roles: restore_table(v, "roles", |r: &Role| (r.org_id.clone(), r.id.clone()))?,
        upgrade_windows: restore_table(v, "upgradeWindows", |w: &UpgradeWindow| {
            (w.org_id.clone(), w.service_id.clone())
        })?,
        clickhouse_settings: restore_table(v, "clickhouseSettings", |s: &ClickhouseSettings| {
            (s.org_id.clone(), s.service_id.clone())
        })?,
        backup_buckets: restore_table(v, "backupBuckets", |b: &BackupBucket| (b.org_id.clone(), b.service_id.clone()))?,
        cdc_scaling: restore_table(v, "cdcScaling", |c: &CdcScaling| (c.org_id.clone(), c.service_id.clone()))?,
        clickpipe_settings: restore_table(v, "clickpipeSettings", |c: &ClickPipeSettings| {
            (c.org_id.clone(), c.pipe_id.clone())
        })?,
        udfs: restore_table(v, "udfs", |u: &Udf| (u.org_id.clone(), u.function_name.clone()))?,
        udf_uploads: restore_table(v, "udfUploads", |u: &UdfUpload| (u.org_id.clone(), u.id.clone()))?,
        udf_attachments: restore_table(v, "udfAttachments", |a: &UdfAttachment| {
            (a.org_id.clone(), UdfAttachment::key(&a.function_name, &a.service_id))
        })?,
        saved_queries: restore_table(v, "savedQueries", |q: &super::saved_queries::SavedQuery| {
            (q.org_id.clone(), super::saved_queries::key(&q.service_id, &q.id))
        })?,
        query_api_endpoints: restore_table(v, "queryApiEndpoints", |e: &super::query_api_endpoints::QueryApiEndpoint| {
            (e.org_id.clone(), super::saved_queries::key(&e.service_id, &e.id))
        })?,
        credit_balances: restore_table(v, "creditBalances", |b: &super::billing::CreditBalance| {
            (b.org_id.clone(), b.id.clone())
        })?,
        notifications: restore_table(v, "notifications", |n: &super::notifications::Notification| {
            (n.org_id.clone(), n.id.clone())
        })?,
        replica_routing: restore_table(v, "replicaAwareRouting", |r: &super::replica_routing::ReplicaRouting| {
            (r.org_id.clone(), r.service_id.clone())
        })?,
        snapshot_configs: restore_table(v, "snapshotConfigurations", |c: &super::snapshots::SnapshotConfig| {
            (c.org_id.clone(), c.service_id.clone())
        })?,
    })
}

/// Replaces every ClickHouse table with the contents of a `GET /_sim/state` dump
/// (`providers.clickhouse`). Parsed whole before anything is replaced.
pub fn restore(ch: &ClickHouse, v: &Value) -> Result<(), String> {
    let d = parse_dump(v)?;
    ch.key_index.replace(d.keys.iter().map(|(_, _, k)| (String::new(), k.key_id.clone(), (k.org_id.clone(), k.id.clone()))));
    ch.orgs.replace(d.orgs.into_iter().map(|(t, id, o)| (t, id, Arc::new(o))));
    ch.keys.replace(d.keys.into_iter().map(|(t, id, k)| (t, id, Arc::new(k))));
    ch.members.replace(d.members);
    ch.invitations.replace(d.invitations);
    ch.activities.replace(d.activities.into_iter().map(|(_, _, a)| a));
    ch.services.replace(d.services);
    ch.warehouses.replace(d.warehouses);
    ch.backups.replace(d.backups);
    ch.clickpipes.replace(d.pipes);
    ch.reverse_endpoints.replace(d.rpes);
    ch.roles.replace(d.roles);
    ch.upgrade_windows.replace(d.upgrade_windows);
    ch.clickhouse_settings.replace(d.clickhouse_settings);
    ch.backup_buckets.replace(d.backup_buckets);
    ch.cdc_scaling.replace(d.cdc_scaling);
    ch.clickpipe_settings.replace(d.clickpipe_settings);
    ch.udfs.replace(d.udfs);
    ch.udf_uploads.replace(d.udf_uploads);
    ch.udf_attachments.replace(d.udf_attachments);
    ch.saved_queries.replace(d.saved_queries);
    ch.query_api_endpoints.replace(d.query_api_endpoints);
    ch.credit_balances.replace(d.credit_balances);
    ch.notifications.replace(d.notifications);
    ch.replica_routing.replace(d.replica_routing);
    ch.snapshot_configs.replace(d.snapshot_configs);
    ch.rate.clear();
    Ok(())
}
