//! What the core's fault engine, scenario loader and state restore need from Fujitsu:
//! the operation name of a request (journal, metrics, fault rules), the native injected
//! error, resource faults, the `identities.fujitsu` / `resources.fujitsu` sections of
//! scenarios, the state dump and its restore, scenario variables and the default
//! credentials.
//!
//! Resource faults name an instance (or a snapshot) by id, in the path's tenant when the
//! rule matched a request: a state (any case; FAILED, ERROR and DEGENERATED are the
//! failure states, every other state works too and transitional ones settle as usual),
//! `fail_next_transition` (the next settle ends in FAILED, ERROR for a build) or
//! `stall_seconds` (the pending settle, or the next one, is that much later) or
//! `cpu_percent` (its `cpu_util` samples are at least that from now on, 0 clears; see
//! `monitoring`).
//!
//! May touch: every Fujitsu table, `transitions`, `instances` (seeded instances go
//! through the create handler, so they obey every rule of the API).

use hyper::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::Principal;
use super::error::FujitsuError;
use super::model::*;
use super::routes::{self, Endpoint};
use super::transitions::{self, Due};
use super::validate::actions;
use super::{instances, view, Call, Fujitsu, NAME};
use super::{DEFAULT_DOMAIN, DEFAULT_IAAS_TOKEN, DEFAULT_PASSWORD, DEFAULT_SUBNET, DEFAULT_TENANT, DEFAULT_TOKEN};
use super::{DEFAULT_PARAMETER_GROUP, DEFAULT_SECURITY_GROUP, DEFAULT_USER, DEFAULT_USER_ID};
use crate::faults::{Classified, ResourceFault};
use crate::http::{ProviderError, Reply, Request};
use crate::providers::{Cx, ResourceCount, Transition};
use crate::secret::{digest, Secret};

/// Whether the raw body might carry an `action` key (a plain create skips the parse).
fn mentions_action(body: &[u8]) -> bool {
    body.windows(6).any(|w| w == b"action") || body.contains(&b'\\')
}

/// The operation name of a routed request (the journal's, fault rules', OpenAPI's).
pub fn operation(endpoint: &Endpoint, req: &Request) -> &'static str {
    let action = || -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(&req.body).ok()? {
            Value::Object(mut o) => match o.remove("action")? {
                Value::Object(a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    };
    match endpoint {
        Endpoint::Token => "createToken",
        Endpoint::ListInstances => "listInstances",
        Endpoint::PostInstances if !mentions_action(&req.body) => "createInstance",
        Endpoint::PostInstances => match action().as_ref().map(|a| actions::post_instances(Some(a))) {
            Some(Ok(actions::PostInstances::RestoreSnapshot)) => "restoreInstanceFromSnapshot",
            Some(Ok(actions::PostInstances::ReadReplica)) => "createReadReplica",
            _ => "createInstance",
        },
        Endpoint::ShowInstance { .. } => "showInstance",
        Endpoint::ModifyInstance { .. } => "modifyInstance",
        Endpoint::DeleteInstance { .. } => "deleteInstance",
        Endpoint::Pitr { .. } => "restoreInstancePointInTime",
        Endpoint::Action { .. } => match action().as_ref().and_then(actions::action_key) {
            Some("start") => "startInstance",
            Some("stop") => "stopInstance",
            Some("reboot") => "rebootInstance",
            Some("cancel") => "cancelInstanceOperation",
            _ => "instanceAction",
        },
        Endpoint::EngineVersions => "listEngineVersions",
        Endpoint::ListFlavors => "listFlavors",
        Endpoint::ShowFlavor { .. } => "showFlavor",
        Endpoint::CreateSnapshot => "createSnapshot",
        Endpoint::ListSnapshots => "listSnapshots",
        Endpoint::ShowSnapshot { .. } => "showSnapshot",
        Endpoint::CopySnapshot { .. } => "copySnapshot",
        Endpoint::DeleteSnapshot { .. } => "deleteSnapshot",
        Endpoint::CreateParameterGroup => "createParameterGroup",
        Endpoint::ListParameterGroups => "listParameterGroups",
        Endpoint::ShowParameterGroup { .. } => "showParameterGroup",
        Endpoint::ModifyParameterGroup { .. } => "modifyParameterGroup",
        Endpoint::DeleteParameterGroup { .. } => "deleteParameterGroup",
        Endpoint::CreateSubscription => "createEventSubscription",
        Endpoint::ListSubscriptions => "listEventSubscriptions",
        Endpoint::ShowSubscription { .. } => "showEventSubscription",
        Endpoint::UpdateSubscription { .. } => match action().as_ref().and_then(super::validate::events::update_key) {
            Some("modify") => "modifyEventSubscription",
            Some("add") => "addSourceToSubscription",
            Some("remove") => "removeSourceFromSubscription",
            _ => "updateEventSubscription",
        },
        Endpoint::DeleteSubscription { .. } => "deleteEventSubscription",
        Endpoint::EventCategories { .. } => "listEventCategories",
        Endpoint::ListEvents => "listEvents",
        Endpoint::ListLogFiles { .. } => "listLogFiles",
        Endpoint::ReadLogFile { .. } => "readLogFile",
        Endpoint::CreateSecurityGroup => "createSecurityGroup",
        Endpoint::ListSecurityGroups => "listSecurityGroups",
        Endpoint::ShowSecurityGroup { .. } => "showSecurityGroup",
        Endpoint::UpdateSecurityGroup { .. } => "updateSecurityGroup",
        Endpoint::DeleteSecurityGroup { .. } => "deleteSecurityGroup",
        Endpoint::CreateSecurityGroupRule => "createSecurityGroupRule",
        Endpoint::ListSecurityGroupRules => "listSecurityGroupRules",
        Endpoint::ShowSecurityGroupRule { .. } => "showSecurityGroupRule",
        Endpoint::DeleteSecurityGroupRule { .. } => "deleteSecurityGroupRule",
        Endpoint::ApplyMaintenance { .. } => "applyMaintenance",
        Endpoint::ProjectInfo => "showDatabaseService",
        Endpoint::StartMonitoring => "startMonitoring",
        Endpoint::StopMonitoring => "stopMonitoring",
        Endpoint::ShowMonitoring => "showMonitoring",
        Endpoint::ListMeters => "listMeters",
        Endpoint::ListSamples { .. } => "listSamples",
        Endpoint::Statistics { .. } => "showStatistics",
        Endpoint::ListAlarms => "listAlarms",
        Endpoint::CreateAlarm => "createAlarm",
        Endpoint::ShowAlarm { .. } => "showAlarm",
        Endpoint::UpdateAlarm { .. } => "updateAlarm",
        Endpoint::DeleteAlarm { .. } => "deleteAlarm",
        Endpoint::AlarmState { .. } => "showAlarmState",
        Endpoint::SetAlarmState { .. } => "setAlarmState",
        Endpoint::AlarmHistory { .. } => "listAlarmHistory",
    }
}

/// Operation and tenant (the path's `{tenantId}`) before the handler runs.
pub fn classify(req: &Request, segs: &[&str]) -> Classified {
    let tenant = segs.get(1).map(|s| s.to_string());
    let operation = match routes::route(&req.method, segs) {
        None => "unknownRoute",
        Some(Err(_)) => "methodNotAllowed",
        Some(Ok(r)) => operation(&r.endpoint, req),
    };
    Classified { provider: NAME, operation, tenant }
}

/// An injected status in the Fujitsu envelope (503/429 with `Retry-After`).
pub fn inject(status: u16, retry_after: Option<u64>) -> Reply {
    FujitsuError::Injected { status, retry_after }.into_reply("")
}

/// The instance a request names in its path, or (reply given) the one it created.
pub fn resource_target(req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
    let r = routes::route(&req.method, segs)?.ok()?;
    if let Some(id) = r.endpoint.instance() {
        return Some((r.tenant.to_owned(), id.to_owned()));
    }
    if r.endpoint == Endpoint::PostInstances {
        let body = reply?.body_json()?;
        return Some((r.tenant.to_owned(), body.get("instance")?.get("id")?.as_str()?.to_owned()));
    }
    super::snapshots::target(&r, reply)
}

fn states() -> String {
    InstanceStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// A state a resource fault may force: an instance state, or a snapshot state.
pub fn check_state(state: &str) -> Result<(), String> {
    if InstanceStatus::parse(state).is_some() || SnapshotStatus::parse(state).is_some() {
        return Ok(());
    }
    Err(format!(
        "unknown Fujitsu state '{state}' (instances: {}; snapshots: Available, In_progress, Deleted, Error)",
        states()
    ))
}

/// The `(tenant, id)` of an instance by id, in `tenant` or (none given) any tenant.
fn find_instance(f: &Fujitsu, tenant: Option<&str>, id: &str) -> Option<(String, String)> {
    match tenant {
        Some(t) => f.instances.contains(t, id).then(|| (t.to_owned(), id.to_owned())),
        None => f.instances.all().into_iter().map(|(k, _)| k).filter(|k| k.1 == id).min(),
    }
}

fn find_snapshot(f: &Fujitsu, tenant: Option<&str>, id: &str) -> Option<(String, String)> {
    match tenant {
        Some(t) => f.snapshots.contains(t, id).then(|| (t.to_owned(), id.to_owned())),
        None => f.snapshots.all().into_iter().map(|(k, _)| k).filter(|k| k.1 == id).min(),
    }
}

pub fn resource_fault(
    f: &Fujitsu,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let Some((t, id)) = find_instance(f, tenant, id) else {
        return snapshot_fault(f, tenant, id, fault, cx);
    };
    let _guard = f.lock();
    let mut inst = f.instances.get(&t, &id).ok_or("the instance vanished")?;
    let mut changes = Vec::new();
    let mut due: Option<Due> = None;
    match fault {
        ResourceFault::ForceState(s) => {
            let status = InstanceStatus::parse(s)
                .ok_or_else(|| format!("unknown Fujitsu instance state '{s}' (one of {})", states()))?;
            let from = inst.status;
            due = transitions::force(f, &mut inst, status, cx)?;
            changes.push(Transition::new(NAME, "instance", id.as_str(), from.as_str(), status.as_str(), cx));
        }
        ResourceFault::FailNextTransition => inst.fail_next = true,
        ResourceFault::Stall { seconds } => match inst.transit.as_mut() {
            Some(transit) => {
                transit.due = transit.due.plus_secs(*seconds);
                inst.generation += 1;
                due = Some(Due {
                    at: transit.due,
                    event: Event::Settle { tenant: t.clone(), id: id.clone(), generation: inst.generation },
                });
            }
            None => inst.stall_next = inst.stall_next.saturating_add(*seconds),
        },
        ResourceFault::CpuLoad { percent } => inst.set_cpu_load(*percent, cx.now),
    }
    f.instances.insert(&t, &id, inst);
    if let Some(d) = due {
        d.schedule(cx);
    }
    for c in &changes {
        f.note(&t, c.kind, &c.id, &c.from, &c.to, cx);
    }
    Ok(changes)
}

fn snapshot_fault(
    f: &Fujitsu,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let (t, id) = find_snapshot(f, tenant, id).ok_or_else(|| format!("no Fujitsu instance or snapshot '{id}'"))?;
    let ResourceFault::ForceState(s) = fault else {
        return Err(format!("snapshot {id}: only a state can be forced on a snapshot"));
    };
    let status = SnapshotStatus::parse(s).ok_or_else(|| format!("unknown Fujitsu snapshot state '{s}'"))?;
    let _guard = f.lock();
    let from = f
        .snapshots
        .update(&t, &id, |snap| std::mem::replace(&mut snap.status, status))
        .ok_or("the snapshot vanished")?;
    f.note(&t, "snapshot", &id, from.as_str(), status.as_str(), cx);
    Ok(vec![Transition::new(NAME, "snapshot", id.as_str(), from.as_str(), status.as_str(), cx)])
}

/// The default identity's request headers (scenario `auth: fujitsu`): the default
/// service token, which never expires.
pub fn default_auth() -> Vec<(String, String)> {
    vec![("x-auth-token".into(), DEFAULT_TOKEN.into())]
}

pub fn variables() -> Vec<(String, String)> {
    [
        ("fujitsu.tenant", DEFAULT_TENANT),
        ("fujitsu.user", DEFAULT_USER),
        ("fujitsu.userId", DEFAULT_USER_ID),
        ("fujitsu.domain", DEFAULT_DOMAIN),
        ("fujitsu.password", DEFAULT_PASSWORD),
        ("fujitsu.iaasToken", DEFAULT_IAAS_TOKEN),
        ("fujitsu.token", DEFAULT_TOKEN),
        ("fujitsu.subnet", DEFAULT_SUBNET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn resource_counts(f: &Fujitsu) -> Vec<ResourceCount> {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
    for (_, i) in f.instances.all() {
        *counts.entry(("instance", i.status.as_str())).or_default() += 1;
    }
    for (_, s) in f.snapshots.all() {
        *counts.entry(("snapshot", s.status.as_str())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((kind, state), count)| ResourceCount { provider: NAME, kind, state: state.to_owned(), count })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Scenario sections.

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
        cx.schedule_at(at, Event::SnapshotDone { tenant, id: s.id });
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

// ---------------------------------------------------------------------------------------
// State dump and restore.

/// Every table (`GET /_sim/state`, part `fujitsu`), secrets as sha256 only.
pub fn state(f: &Fujitsu) -> Value {
    let [instances, ips, public_ips] = f.counters();
    json!({
        "tenants": f.tenants.dump(),
        "users": f.users.dump(),
        "iaasTokens": f.iaas_tokens.dump(),
        "tokens": f.tokens.dump(),
        "instances": f.instances.dump(),
        "snapshots": f.snapshots.dump(),
        "parameterGroups": f.parameter_groups.dump(),
        "subscriptions": f.subscriptions.dump(),
        "monitors": f.monitors.dump(),
        "alarms": f.alarms.dump(),
        "securityGroups": f.security_groups.dump(),
        "events": f.history().all(),
        "counters": {"instances": instances, "ips": ips, "publicIps": public_ips},
    })
}

fn rows<V: DeserializeOwned>(v: &Value, name: &str) -> Result<Vec<V>, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| serde_json::from_value(x.clone()).map_err(|e| format!("{name}[{i}]: {e}")))
            .collect(),
        Some(_) => Err(format!("{name} must be a list")),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Counters {
    instances: u64,
    ips: u64,
    public_ips: u64,
}

struct Parsed {
    tenants: Vec<Tenant>,
    users: Vec<User>,
    iaas_tokens: Vec<IaasToken>,
    tokens: Vec<Token>,
    instances: Vec<Instance>,
    snapshots: Vec<Snapshot>,
    parameter_groups: Vec<ParameterGroup>,
    subscriptions: Vec<Subscription>,
    monitors: Vec<super::monitoring::Monitor>,
    alarms: Vec<super::alarms::Alarm>,
    security_groups: Vec<SecurityGroup>,
    events: Vec<super::history::DbEvent>,
    counters: Counters,
}

fn parse(v: &Value) -> Result<Parsed, String> {
    if !v.is_object() {
        return Err("must be an object".into());
    }
    const KNOWN: &[&str] =
        &[
        "tenants",
        "users",
        "iaasTokens",
        "tokens",
        "instances",
        "snapshots",
        "parameterGroups",
        "subscriptions",
        "monitors",
        "alarms",
        "securityGroups",
        "events",
        "counters",
    ];
    if let Some(k) = v.as_object().and_then(|o| o.keys().find(|k| !KNOWN.contains(&k.as_str()))) {
        return Err(format!("unknown key '{k}' (known: {})", KNOWN.join(", ")));
    }
    let p = Parsed {
        tenants: rows(v, "tenants")?,
        users: rows(v, "users")?,
        iaas_tokens: rows(v, "iaasTokens")?,
        tokens: rows(v, "tokens")?,
        instances: rows(v, "instances")?,
        snapshots: rows(v, "snapshots")?,
        parameter_groups: rows(v, "parameterGroups")?,
        subscriptions: rows(v, "subscriptions")?,
        monitors: rows(v, "monitors")?,
        alarms: rows(v, "alarms")?,
        security_groups: rows(v, "securityGroups")?,
        events: rows(v, "events")?,
        counters: match v.get("counters") {
            None | Some(Value::Null) => Counters::default(),
            Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("counters: {e}"))?,
        },
    };
    let known = |t: &str| p.tenants.iter().any(|x| x.id == t);
    if let Some((i, x)) = p.instances.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("instances[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.snapshots.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("snapshots[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.parameter_groups.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("parameterGroups[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.subscriptions.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("subscriptions[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.security_groups.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("securityGroups[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.monitors.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("monitors[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.alarms.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("alarms[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.events.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("events[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.tokens.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("tokens[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    Ok(p)
}

pub fn check_restore(v: &Value) -> Result<(), String> {
    parse(v).map(|_| ())
}

/// Replaces every table with a dump's, parsed whole first; the counters continue after
/// the dump's largest values.
pub fn restore(f: &Fujitsu, v: &Value) -> Result<(), String> {
    let p = parse(v)?;
    let _guard = f.lock();
    let max_seq = p.instances.iter().map(|i| i.seq).max().unwrap_or(0);
    f.tenants.replace(p.tenants.into_iter().map(|t| (String::new(), t.id.clone(), t)));
    f.users.replace(p.users.into_iter().map(|u| (String::new(), u.id.clone(), u)));
    f.iaas_tokens.replace(p.iaas_tokens.into_iter().map(|t| (String::new(), t.token_digest.clone(), t)));
    f.tokens.replace(p.tokens.into_iter().map(|t| (String::new(), t.token_digest.clone(), t)));
    f.instances.replace(p.instances.into_iter().map(|i| (i.tenant.clone(), i.id.clone(), i)));
    f.snapshots.replace(p.snapshots.into_iter().map(|s| (s.tenant.clone(), s.id.clone(), s)));
    f.parameter_groups.replace(p.parameter_groups.into_iter().map(|g| (g.tenant.clone(), g.id.clone(), g)));
    f.subscriptions.replace(p.subscriptions.into_iter().map(|s| (s.tenant.clone(), s.id.clone(), s)));
    f.monitors.replace(p.monitors.into_iter().map(|m| (String::new(), m.tenant.clone(), m)));
    f.alarms.replace(p.alarms.into_iter().map(|a| (a.tenant.clone(), a.id.clone(), a)));
    f.security_groups.replace(p.security_groups.into_iter().map(|g| (g.tenant.clone(), g.id.clone(), g)));
    let cap = f.settings().events_cap as usize;
    f.history().replace(p.events, cap);
    f.set_counters([p.counters.instances.max(max_seq), p.counters.ips, p.counters.public_ips]);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::SimInstant;

    /// A plausible stored instance (ACTIVE, default tenant), for unit tests.
    pub fn sample_instance() -> Instance {
        let now = SimInstant::ZERO;
        Instance {
            id: "db1".into(),
            tenant: DEFAULT_TENANT.into(),
            seq: 1,
            name: "db1".into(),
            description: None,
            status: InstanceStatus::Active,
            created: now,
            updated: now,
            flavor: "1".into(),
            volume: Volume { size: 20, kind: "M2".into() },
            subnet_id: DEFAULT_SUBNET.into(),
            private_ip: "10.125.52.10".into(),
            public_ip: None,
            multi: true,
            port: 26500,
            backup_window: Daily { start: 720, end: 750 },
            maintenance_window: Weekly { start: 6 * DAY + 780, end: 6 * DAY + 810 },
            recovery: Some(Recovery::Immediately),
            auto_maintenance: true,
            publicly_accessible: false,
            security_groups: vec!["default".into()],
            parameter_group: "default".into(),
            backup_retention: 1,
            engine: "enterprisepostgres".into(),
            engine_version: "12".into(),
            engine_minor_version: "0".into(),
            master_user_name: "postgres".into(),
            master_password: PasswordHistory::new(now, Secret::new("pw")),
            character_set: "UTF8".into(),
            collate: "C".into(),
            download_log_extension: false,
            databases: Vec::new(),
            users: Vec::new(),
            auto_scale: AutoScale {
                volume_available: false,
                volume_max_size: 10000,
                volume_time: Daily { start: 60, end: 90 },
                flavor_available: false,
                flavor_time: Daily { start: 120, end: 150 },
                replica_available: false,
                replica_max_number: 5,
                replica_ips: Vec::new(),
                replica_public_ips: Vec::new(),
            },
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

    #[test]
    fn an_instance_round_trips_through_the_dump_format() {
        let i = sample_instance();
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["backupWindow"], "12:00-12:30");
        assert_eq!(v["maintenanceWindow"], "Sun:13:00-Sun:13:30");
        assert_eq!(v["status"], "ACTIVE");
        let back: Instance = serde_json::from_value(v).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn a_dump_with_an_unknown_tenant_is_refused_whole() {
        let i = serde_json::to_value(sample_instance()).unwrap();
        let e = check_restore(&json!({"tenants": [], "instances": [i]})).unwrap_err();
        assert!(e.contains("instances[0]"), "{e}");
        assert!(check_restore(&json!({"bogus": []})).unwrap_err().contains("bogus"));
        assert!(check_restore(&json!({"instances": [{"id": 1}]})).is_err());
    }

    #[test]
    fn states_are_checked_in_any_case() {
        assert!(check_state("degenerated").is_ok());
        assert!(check_state("Restart_Required").is_ok());
        assert!(check_state("in_progress").is_ok());
        assert!(check_state("melted").is_err());
    }
}
