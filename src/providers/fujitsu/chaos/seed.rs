//! The `identities.fujitsu` and `resources.fujitsu` sections of scenarios: tenants,
//! users, IaaS tokens, subnets and groups; instances (through the create handler, so
//! they obey every rule of the API) and snapshots.
//!
//! May touch: every Fujitsu table, `transitions`, `instances`.

use hyper::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::super::auth::Principal;
use super::faults::states;
use super::super::model::*;
use super::super::transitions::{self};
use super::super::{instances, view, Call, Fujitsu};
use super::super::{DEFAULT_DOMAIN, DEFAULT_PASSWORD, DEFAULT_TENANT};
use super::super::{DEFAULT_PARAMETER_GROUP, DEFAULT_SECURITY_GROUP, DEFAULT_USER_ID};
use crate::http::{ProviderError, Request};
use crate::providers::Cx;
use crate::secret::{digest, Secret};

fn section<'a>(v: &'a Value, lists: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let obj = v.as_object().ok_or_else(|| format!("must be a mapping with lists {}", lists.join(", ")))?;
    if let Some(k) = obj.keys().find(|k| !lists.contains(&k.as_str())) {
        return Err(format!("unknown key '{k}' (known: {})", lists.join(", ")));
    }
    Ok(obj)
}

fn list<'a>(s: &'a Map<String, Value>, name: &str) -> Result<&'a [Value], String> {
    match s.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{name} must be a list")),
    }
}

fn item<T: DeserializeOwned>(name: &str, i: usize, v: &Value) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("{name}[{i}]: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubnetSeed {
    #[serde(default)]
    tenant: Option<String>,
    id: String,
    #[serde(default)]
    cidr: Option<String>,
    #[serde(default = "yes")]
    internet_gateway: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(untagged)]
enum GroupSeed {
    Id(String),
    Full {
        #[serde(default)]
        tenant: Option<String>,
        id: String,
    },
}

impl GroupSeed {
    fn parts(&self) -> (Option<&str>, &str) {
        match self {
            GroupSeed::Id(id) => (None, id),
            GroupSeed::Full { tenant, id } => (tenant.as_deref(), id),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TenantSeed {
    id: String,
    #[serde(default)]
    subnets: Option<Vec<SubnetSeed>>,
    #[serde(default)]
    parameter_groups: Option<Vec<String>>,
    #[serde(default)]
    security_groups: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserSeed {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    tenants: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct IaasTokenSeed {
    token: String,
    /// A user id, or a user name (of `domain`, default `simdomain`).
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn add_subnet(f: &Fujitsu, tenant: &str, s: Subnet) -> Result<(), String> {
    f.tenants
        .update("", tenant, |t| {
            t.subnets.retain(|x| x.id != s.id);
            t.subnets.push(s);
        })
        .ok_or_else(|| format!("tenant {tenant} does not exist (add it under tenants)"))
}

fn add_group(f: &Fujitsu, tenant: &str, id: &str, security: bool) -> Result<(), String> {
    f.tenants
        .update("", tenant, |t| {
            let groups = if security { &mut t.security_groups } else { &mut t.parameter_groups };
            if !groups.iter().any(|g| g == id) {
                groups.push(id.to_owned());
            }
        })
        .ok_or_else(|| format!("tenant {tenant} does not exist (add it under tenants)"))
}

/// `identities.fujitsu`: `tenants` (`id`, `subnets`, `parameterGroups`,
/// `securityGroups`; a new tenant without them gets one subnet with an Internet gateway
/// and the groups `default`), `users` (`id`, `name`, `domain`, `password`, `tenants`; a
/// user that exists by id or by name and domain gains the tenants), `iaasTokens`
/// (`token`, `user`, `domain`, `expiresIn`), and `subnets` (`tenant`, `id`, `cidr`,
/// `internetGateway`), `parameterGroups` and `securityGroups` (ids, or `{tenant, id}`)
/// added to a tenant (default: the default tenant).
pub fn seed_identities(f: &Fujitsu, v: &Value, cx: &Cx) -> Result<(), String> {
    const LISTS: &[&str] = &["tenants", "users", "iaasTokens", "subnets", "parameterGroups", "securityGroups"];
    let s = section(v, LISTS)?;
    let _guard = f.lock();
    for (i, t) in list(s, "tenants")?.iter().enumerate() {
        let t: TenantSeed = item("tenants", i, t)?;
        if t.id.is_empty() || t.id.contains('/') {
            return Err(format!("tenants[{i}]: id must be a non-empty path segment"));
        }
        if !f.tenants.contains("", &t.id) {
            let n = f.tenants.len();
            let subnet =
                Subnet { id: cx.ids.uuid(), cidr: format!("10.{}.0.0/24", 1 + n % 250), internet_gateway: true };
            f.tenants.insert(
                "",
                &t.id,
                Tenant {
                    id: t.id.clone(),
                    subnets: if t.subnets.is_some() { Vec::new() } else { vec![subnet] },
                    parameter_groups: vec![DEFAULT_PARAMETER_GROUP.into()],
                    security_groups: vec![DEFAULT_SECURITY_GROUP.into()],
                },
            );
        }
        for s in t.subnets.unwrap_or_default() {
            let cidr = s.cidr.unwrap_or_else(|| "10.0.0.0/24".into());
            add_subnet(f, &t.id, Subnet { id: s.id, cidr, internet_gateway: s.internet_gateway })
                .map_err(|e| format!("tenants[{i}]: {e}"))?;
        }
        for g in t.parameter_groups.unwrap_or_default() {
            add_group(f, &t.id, &g, false).map_err(|e| format!("tenants[{i}]: {e}"))?;
        }
        for g in t.security_groups.unwrap_or_default() {
            add_group(f, &t.id, &g, true).map_err(|e| format!("tenants[{i}]: {e}"))?;
        }
    }
    for (i, u) in list(s, "users")?.iter().enumerate() {
        let u: UserSeed = item("users", i, u)?;
        let domain = u.domain.unwrap_or_else(|| DEFAULT_DOMAIN.into());
        let tenants = u.tenants.unwrap_or_else(|| vec![DEFAULT_TENANT.into()]);
        if let Some(t) = tenants.iter().find(|t| !f.tenants.contains("", t)) {
            return Err(format!("users[{i}]: tenant {t} does not exist"));
        }
        let existing = match &u.id {
            Some(id) => f.users.get("", id),
            None => f.users.list_where("", |x| x.name == u.name && x.domain == domain).into_iter().next(),
        };
        let user = match existing {
            Some(mut x) => {
                for t in tenants {
                    if !x.tenants.contains(&t) {
                        x.tenants.push(t);
                    }
                }
                if let Some(p) = &u.password {
                    x.password = Secret::new(p);
                }
                x
            }
            None => User {
                id: u.id.unwrap_or_else(|| cx.ids.hex(32)),
                name: u.name,
                domain,
                password: Secret::new(&u.password.ok_or_else(|| format!("users[{i}]: password is required"))?),
                tenants,
            },
        };
        f.users.insert("", &user.id.clone(), user);
    }
    for (i, t) in list(s, "iaasTokens")?.iter().enumerate() {
        let t: IaasTokenSeed = item("iaasTokens", i, t)?;
        let who = t.user.unwrap_or_else(|| DEFAULT_USER_ID.into());
        let domain = t.domain.unwrap_or_else(|| DEFAULT_DOMAIN.into());
        let user = f
            .users
            .get("", &who)
            .or_else(|| f.users.list_where("", |u| u.name == who && u.domain == domain).into_iter().next())
            .ok_or_else(|| format!("iaasTokens[{i}]: user {who} does not exist"))?;
        let sha = digest(&t.token);
        let expires = t.expires_in.map(|s| cx.now.plus_secs(s));
        f.iaas_tokens.insert("", &sha, IaasToken { token_digest: sha.clone(), user_id: user.id, expires });
    }
    for (i, v) in list(s, "subnets")?.iter().enumerate() {
        let s: SubnetSeed = item("subnets", i, v)?;
        let tenant = s.tenant.unwrap_or_else(|| DEFAULT_TENANT.into());
        let cidr = s.cidr.unwrap_or_else(|| "10.0.0.0/24".into());
        add_subnet(f, &tenant, Subnet { id: s.id, cidr, internet_gateway: s.internet_gateway })
            .map_err(|e| format!("subnets[{i}]: {e}"))?;
    }
    for (name, security) in [("parameterGroups", false), ("securityGroups", true)] {
        for (i, v) in list(s, name)?.iter().enumerate() {
            let g: GroupSeed = item(name, i, v)?;
            let (tenant, id) = g.parts();
            add_group(f, tenant.unwrap_or(DEFAULT_TENANT), id, security).map_err(|e| format!("{name}[{i}]: {e}"))?;
        }
    }
    Ok(())
}

/// The keys a seeded instance may have: the create request's `instance` fields, and
/// `tenant` and `status`.
const INSTANCE_KEYS: &[&str] = &[
    "tenant",
    "status",
    "flavorRef",
    "volume",
    "id",
    "name",
    "description",
    "subnetId",
    "multi",
    "port",
    "preferredBackupWindow",
    "preferredMaintenanceWindow",
    "preferredRecoveryTime",
    "autoMaintenance",
    "publiclyAccessible",
    "securityGroupIds",
    "parameterGroupId",
    "backupRetentionPeriod",
    "engine",
    "engineVersion",
    "masterUserName",
    "masterUserPassword",
    "characterSet",
    "collate",
    "downloadLogExtension",
    "databases",
    "users",
    "autoScale",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SnapshotSeed {
    #[serde(default)]
    tenant: Option<String>,
    id: String,
    instance_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    snapshot_type: Option<SnapshotType>,
}

/// A call as the default user of `tenant` would make it (seeding goes through the
/// handlers).
fn seed_call<'a>(f: &Fujitsu, req: &'a Request, tenant: &'a str, cx: &'a Cx<'a>) -> Call<'a> {
    Call {
        req,
        cx,
        tenant,
        principal: Principal { user_id: DEFAULT_USER_ID.into() },
        settings: f.settings(),
        links: view::Links::new(None, tenant),
    }
}

fn seed_instance(f: &Fujitsu, obj: &Map<String, Value>, cx: &Cx) -> Result<(), String> {
    if let Some(k) = obj.keys().find(|k| !INSTANCE_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key '{k}'"));
    }
    let tenant = obj.get("tenant").and_then(Value::as_str).unwrap_or(DEFAULT_TENANT).to_owned();
    if !f.tenants.contains("", &tenant) {
        return Err(format!("tenant {tenant} does not exist (add it under identities.fujitsu.tenants)"));
    }
    let status = match obj.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(InstanceStatus::parse(s).ok_or_else(|| format!("unknown status '{s}' (one of {})", states()))?)
        }
        Some(_) => return Err("status must be a string".into()),
    };
    let mut fields = obj.clone();
    fields.remove("tenant");
    fields.remove("status");
    fields.entry("flavorRef").or_insert(json!("1"));
    fields.entry("volume").or_insert(json!({"size": 20}));
    fields.entry("masterUserPassword").or_insert(json!(DEFAULT_PASSWORD));
    let body = serde_json::to_vec(&json!({ "instance": fields })).map_err(|e| e.to_string())?;
    let mut req = Request::new(Method::POST, &format!("/v1.0/{tenant}/instances"), body);
    req.headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    let call = seed_call(f, &req, &tenant, cx);
    let out = instances::post(f, &call)
        .map_err(|e| e.body("")["Error"]["message"].as_str().unwrap_or("refused").to_owned())?;
    let created: Value = serde_json::from_slice(&out.body).map_err(|e| e.to_string())?;
    let id = created["instance"]["id"].as_str().ok_or("the instance has no id")?.to_owned();
    // Settled at once: a seeded instance starts ACTIVE (or in its `status`).
    let _guard = f.lock();
    let mut inst = f.instances.get(&tenant, &id).ok_or("the instance vanished")?;
    let gateway_error = inst.transit.as_ref().is_some_and(|t| t.back == InstanceStatus::Error);
    transitions::drop_transit(&mut inst);
    inst.status = if gateway_error { InstanceStatus::Error } else { InstanceStatus::Active };
    let mut due = vec![transitions::schedule_backups(&mut inst, cx, cx.now)];
    if let Some(s) = status {
        due.extend(transitions::force(f, &mut inst, s, cx)?);
    }
    f.instances.insert(&tenant, &id, inst);
    for d in due {
        d.schedule(cx);
    }
    Ok(())
}

fn seed_snapshot(f: &Fujitsu, s: SnapshotSeed, cx: &Cx) -> Result<(), String> {
    let tenant = s.tenant.unwrap_or_else(|| DEFAULT_TENANT.into());
    if s.id.is_empty() || s.id.chars().count() > 255 {
        return Err("id must be 1 to 255 characters".into());
    }
    let _guard = f.lock();
    if f.snapshots.contains(&tenant, &s.id) {
        return Err(format!("snapshot {} already exists", s.id));
    }
    let inst = f
        .instances
        .get(&tenant, &s.instance_id)
        .ok_or_else(|| format!("instance {} of tenant {tenant} does not exist", s.instance_id))?;
    let status = match s.status.as_deref() {
        None => SnapshotStatus::Available,
        Some(x) => SnapshotStatus::parse(x)
            .ok_or_else(|| format!("unknown status '{x}' (Available, In_progress, Deleted, Error)"))?,
    };
    let snap = Snapshot {
        id: s.id.clone(),
        tenant: tenant.clone(),
        instance_id: s.instance_id,
        name: s.name.unwrap_or_else(|| s.id.clone()),
        description: s.description,
        snapshot_type: s.snapshot_type.unwrap_or(SnapshotType::Manual),
        status,
        created: cx.now,
        cancelling: false,
        source: SnapshotSource::of(&inst, cx.now),
    };
    f.snapshots.insert(&tenant, &s.id, snap);
    if status == SnapshotStatus::InProgress {
        let at = cx.now.plus_secs(f.settings().durations.snapshot);
        cx.schedule_at(at, Event::SnapshotDone { tenant: tenant.into(), id: s.id.into() });
    }
    Ok(())
}

/// `resources.fujitsu`: `instances` (the create request's `instance` fields, plus
/// `tenant` and `status`; `flavorRef` defaults to `1`, `volume` to 20 GB,
/// `masterUserPassword` to `simpassword`), created through the create handler (every
/// rule applies) and settled at once into `status` (default ACTIVE); `snapshots`
/// (`tenant`, `id`, `instanceId`, `name`, `description`, `status`, `snapshotType`) of an
/// existing instance, which they copy as it is now.
pub fn seed_resources(f: &Fujitsu, v: &Value, cx: &Cx) -> Result<(), String> {
    let s = section(v, &["instances", "snapshots"])?;
    for (i, item) in list(s, "instances")?.iter().enumerate() {
        let obj = item.as_object().ok_or_else(|| format!("instances[{i}] must be a mapping"))?;
        seed_instance(f, obj, cx).map_err(|e| format!("instances[{i}]: {e}"))?;
    }
    for (i, v) in list(s, "snapshots")?.iter().enumerate() {
        let seed: SnapshotSeed = item("snapshots", i, v)?;
        seed_snapshot(f, seed, cx).map_err(|e| format!("snapshots[{i}]: {e}"))?;
    }
    Ok(())
}
