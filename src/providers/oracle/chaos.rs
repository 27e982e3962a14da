//! What the core's fault engine, scenario loader and state restore need from Oracle My
//! Services: request classification, the native injected error, resource faults (its
//! failure states), the `identities:` / `resources:` sections of scenarios, state
//! restore, scenario variables and the default credentials.
//!
//! Operation names are the router's (`routes::Op::name`, the journal's); the tenant is
//! the identity domain's canonical name, also when the request spells its alias, so a
//! rule with `tenant: mydomain` matches requests made through
//! `idcs-00000000000000000000000000000001` too (§2.1).
//!
//! Resource ids: an operation id (`700000001`, or its item's id), a service instance
//! (`csi-N` or `N`) or a VM cluster (its `ExaunitID`), looked up in that order.
//! Failure states (§10.2, §10.3, §11): an instance forced into FAILED_ACTIVATION (or any
//! instance state), a cluster into PROVISIONERR (or any cluster state), an operation into
//! FAILED; an instance state given for an operation applies to the operation's
//! instance. `fail_next_transition` makes the next operation on that instance (the
//! operation given; for a cluster, the next one working on it) end FAILED part-way, through
//! the §13 backend-failure mechanism; `stall_seconds` holds its next step. Everything
//! goes through `failures.rs`, shared with the `/_sim/oracle/...` hooks, so forcing never
//! leaves an operation half-applied. Recovery is what the seed documents: DELETE of a
//! FAILED_ACTIVATION instance, DeleteCluster of a PROVISIONERR cluster, a new operation
//! after a FAILED one.
//!
//! May touch: every Oracle table, `failures`, `hooks` (shared identity logic),
//! `operations` (seeded instances are created through `POST operations`).
//! Authority: seed `003_c3b2a6a3fcbca7a3.txt`; extract §2, §10, §11, §13.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::{self, Principal};
use super::error::OracleError;
use super::failures::{self, FaultTarget};
use super::hooks;
use super::model::*;
use super::routes::{self, Op};
use super::validate::allocations;
use super::{instances, operations, payload, Call, Oracle};
use super::{DEFAULT_DOMAIN, DEFAULT_DOMAIN_ALIAS, DEFAULT_ENTITLEMENT, DEFAULT_PASSWORD, DEFAULT_USER};
use super::{NAME, OPERATION_ID_BASE};
use crate::faults::{Classified, ResourceFault};
use crate::http::{ProviderError, Reply, Request};
use crate::providers::{Cx, Transition};

/// The canonical domain name of `name` (a name or an alias); unknown names as given.
fn canonical(o: &Oracle, name: &str) -> String {
    auth::resolve_domain(o, name).map(|d| d.name.clone()).unwrap_or_else(|| name.to_owned())
}

/// The identity domain a request acts in: the path's `{domain}`, else (ECRA)
/// `X-ID-TENANT-NAME`, else the domain of its bearer token.
fn tenant_of(o: &Oracle, req: &Request, path_domain: Option<&str>) -> Option<String> {
    let header = req.header("x-id-tenant-name").map(str::trim).filter(|t| !t.is_empty());
    if let Some(name) = path_domain.or(header) {
        return Some(canonical(o, name));
    }
    let (scheme, token) = req.header("authorization")?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    o.tokens.get("", &crate::secret::digest(token.trim())).map(|t| t.domain)
}

/// The provider, operation and identity domain of a request, before its handler runs.
pub fn classify(o: &Oracle, req: &Request, segs: &[&str]) -> Classified {
    let class = |operation, tenant| Classified { provider: NAME, operation, tenant };
    match routes::route(&req.method, segs) {
        None => class("unknownRoute", None),
        Some(Err(_)) => class("methodNotAllowed", None),
        Some(Ok(r)) if r.missing_prefix && !o.settings().accept_missing_itas_prefix => class("unknownRoute", None),
        Some(Ok(r)) => class(r.op.name(), tenant_of(o, req, r.domain.as_deref()).map(Into::into)),
    }
}

/// An injected error in the `MSError` envelope (§2.4): `ITAS-503-INTERNAL` with
/// `Retry-After` (1 s unless the rule says), `ITAS-429-RATE`, `ITAS-500-INTERNAL`, ...
pub fn inject(status: u16, retry_after: Option<u64>) -> Reply {
    OracleError::Injected { status, retry_after }.into_reply("")
}

/// The resource a request is about: the operation or service instance in its path, or
/// (given the reply) the operation a `POST operations` created.
pub fn resource_target(o: &Oracle, req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
    let r = routes::route(&req.method, segs)?.ok()?;
    let tenant = tenant_of(o, req, r.domain.as_deref())?;
    let id = match &r.op {
        Op::CreateOperation => reply?.body_json()?.get("id")?.as_str()?.to_owned(),
        Op::GetOperation { id } | Op::EcraStatus { id } | Op::GetServiceInstance { id } => String::from(id),
        Op::ListInstanceConfigurations { instance }
        | Op::GetInstanceConfiguration { instance, .. }
        | Op::EcraResourceInfo { instance } => String::from(instance),
        _ => return None,
    };
    Some((tenant, id))
}

/// What a resource id names.
enum Target {
    Operation(Operation),
    Instance(Instance),
    Cluster(Instance, u64),
}

/// An operation (or its item), then a service instance, then a VM cluster, by id, in
/// `tenant` (name or alias) or in any domain.
fn resolve(o: &Oracle, tenant: Option<&str>, id: &str) -> Result<Target, String> {
    let tenant = tenant.map(|t| canonical(o, t));
    let in_tenant = |domain: &str| tenant.as_deref().is_none_or(|t| t == domain);
    if !id.starts_with("csi-") {
        let op = o
            .operations
            .all()
            .into_iter()
            .map(|(_, op)| op)
            .find(|op| in_tenant(&op.domain) && (op.id == id || op.item.id == id));
        if let Some(op) = op {
            return Ok(Target::Operation(op));
        }
    }
    let insts: Vec<Instance> = o.instances.all().into_iter().map(|(_, i)| i).filter(|i| in_tenant(&i.domain)).collect();
    if let Some(i) = instances::numeric_id(id).and_then(|n| insts.iter().find(|i| i.numeric_id == n)) {
        return Ok(Target::Instance(i.clone()));
    }
    if let Ok(exaunit) = id.parse::<u64>() {
        if let Some(i) = insts.into_iter().find(|i| i.clusters.contains_key(&exaunit)) {
            return Ok(Target::Cluster(i, exaunit));
        }
    }
    Err(format!("no Oracle operation, service instance or VM cluster '{id}'"))
}

fn instance_states() -> String {
    InstanceStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

fn cluster_states() -> String {
    ClusterStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// A state some Oracle resource can be forced into: FAILED for an operation, or a service
/// instance or VM cluster state.
pub fn check_state(state: &str) -> Result<(), String> {
    let known = OperationStatus::parse(state) == Some(OperationStatus::Failed)
        || InstanceStatus::parse(state).is_some()
        || ClusterStatus::parse(state).is_some();
    if known {
        Ok(())
    } else {
        Err(format!(
            "unknown Oracle state '{state}' (operation: FAILED; service instance: {}; VM cluster: {})",
            instance_states(),
            cluster_states()
        ))
    }
}

/// Applies a resource fault to an operation, a service instance or a VM cluster.
pub fn resource_fault(
    o: &Oracle,
    tenant: Option<&str>,
    id: &str,
    fault: &ResourceFault,
    cx: &Cx,
) -> Result<Vec<Transition>, String> {
    let target = resolve(o, tenant, id)?;
    match (target, fault) {
        (Target::Operation(op), ResourceFault::ForceState(s)) => {
            if OperationStatus::parse(s) == Some(OperationStatus::Failed) {
                failures::fail_operation(o, &op.domain, &op.id, failures::INJECTED, cx)
            } else if let Some(status) = InstanceStatus::parse(s) {
                failures::force_instance(o, &op.domain, op.plan.instance(), status, cx)
            } else {
                Err(format!(
                    "unknown Oracle operation state '{s}' (failure state: FAILED; or an instance state for the \
                     operation's instance: {})",
                    instance_states()
                ))
            }
        }
        (Target::Instance(i), ResourceFault::ForceState(s)) => {
            let status = InstanceStatus::parse(s)
                .ok_or_else(|| format!("unknown Oracle service instance state '{s}' (one of {})", instance_states()))?;
            failures::force_instance(o, &i.domain, i.numeric_id, status, cx)
        }
        (Target::Cluster(i, exaunit), ResourceFault::ForceState(s)) => {
            let status = ClusterStatus::parse(s)
                .ok_or_else(|| format!("unknown Oracle VM cluster state '{s}' (one of {})", cluster_states()))?;
            failures::force_cluster(o, &i.domain, i.numeric_id, exaunit, status, cx)
        }
        (Target::Operation(op), ResourceFault::FailNextTransition) => {
            failures::fail_operation_later(o, &op.domain, &op.id).map(|_| Vec::new())
        }
        (Target::Instance(i), ResourceFault::FailNextTransition) => {
            let target = FaultTarget { instance: Some(i.numeric_id), ..FaultTarget::default() };
            failures::arm(o, target, Phase::Finish, failures::INJECTED.to_owned(), 1);
            Ok(Vec::new())
        }
        (Target::Cluster(i, exaunit), ResourceFault::FailNextTransition) => {
            let target = FaultTarget { instance: Some(i.numeric_id), exaunit: Some(exaunit), ..FaultTarget::default() };
            failures::arm(o, target, Phase::Finish, failures::INJECTED.to_owned(), 1);
            Ok(Vec::new())
        }
        (Target::Operation(op), ResourceFault::Stall { seconds }) => {
            failures::stall_operation(o, &op.domain, &op.id, *seconds, cx).map(|_| Vec::new())
        }
        (Target::Instance(i) | Target::Cluster(i, _), ResourceFault::Stall { seconds }) => {
            failures::stall_instance(o, &i.domain, i.numeric_id, *seconds, cx).map(|_| Vec::new())
        }
        (_, ResourceFault::CpuLoad { .. }) => Err("Oracle serves no CPU samples: cpu_percent does not apply".into()),
    }
}

/// The default identity as request headers (scenario `auth: oracle`): Basic with
/// `X-ID-TENANT-NAME` (§2.2, S6).
pub fn default_auth() -> Vec<(String, String)> {
    vec![
        ("authorization".into(), crate::http::basic(DEFAULT_USER, DEFAULT_PASSWORD)),
        ("x-id-tenant-name".into(), DEFAULT_DOMAIN.into()),
    ]
}

/// Built-in scenario variables naming the default identity.
pub fn variables() -> Vec<(String, String)> {
    vec![
        ("oracle.domain".into(), DEFAULT_DOMAIN.into()),
        ("oracle.alias".into(), DEFAULT_DOMAIN_ALIAS.into()),
        ("oracle.user".into(), DEFAULT_USER.into()),
        ("oracle.password".into(), DEFAULT_PASSWORD.into()),
        ("oracle.entitlement".into(), DEFAULT_ENTITLEMENT.into()),
    ]
}

// ---------------------------------------------------------------------------------------
// Scenario sections.

/// The items of one list of a section, each an object with only `known` keys.
fn items<'a>(
    section: &'a Map<String, Value>,
    list: &str,
    known: &[&str],
) -> Result<Vec<&'a Map<String, Value>>, String> {
    let Some(v) = section.get(list) else { return Ok(Vec::new()) };
    let arr = v.as_array().ok_or_else(|| format!("{list} must be a list"))?;
    arr.iter()
        .enumerate()
        .map(|(i, item)| {
            let obj = item.as_object().ok_or_else(|| format!("{list}[{i}] must be a mapping"))?;
            if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
                return Err(format!("{list}[{i}]: unknown key '{k}' (known: {})", known.join(", ")));
            }
            Ok(obj)
        })
        .collect()
}

fn section<'a>(v: &'a Value, lists: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let obj = v.as_object().ok_or_else(|| format!("must be a mapping with lists {}", lists.join(", ")))?;
    if let Some(k) = obj.keys().find(|k| !lists.contains(&k.as_str())) {
        return Err(format!("unknown key '{k}' (known: {})", lists.join(", ")));
    }
    Ok(obj)
}

const DOMAIN_KEYS: &[&str] = &["name", "alias", "username", "password", "canMutate"];
const USER_KEYS: &[&str] = &["domain", "username", "password", "canMutate"];
const TOKEN_KEYS: &[&str] = &["domain", "username", "token", "expiresIn"];
const ENTITLEMENT_KEYS: &[&str] = &[
    "domain",
    "id",
    "serviceDefinition",
    "status",
    "eligibleDataCenters",
    "allowedRackSizes",
    "model",
    "additionalCores",
    "burstCores",
    "maxInstances",
];

/// `identities.oracle`: `domains` (`name`, `alias`, `username`, `password`,
/// `canMutate`), `users` (`domain`, `username`, `password`, `canMutate`), `tokens`
/// (`domain`, `username`, `token`, `expiresIn`) and `entitlements` (`domain`, `id`,
/// `serviceDefinition`, `status`, `eligibleDataCenters`, `allowedRackSizes`, `model`,
/// `additionalCores`, `burstCores`, `maxInstances`; an `id` that exists in the domain is
/// updated, as `PATCH /_sim/oracle/entitlements/{id}` does). The same functions as the
/// `/_sim/oracle/...` hooks, in that order.
pub fn seed_identities(o: &Oracle, v: &Value, cx: &Cx) -> Result<(), String> {
    let s = section(v, &["domains", "users", "tokens", "entitlements"])?;
    let (domains, users) = (items(s, "domains", DOMAIN_KEYS)?, items(s, "users", USER_KEYS)?);
    let (tokens, ents) = (items(s, "tokens", TOKEN_KEYS)?, items(s, "entitlements", ENTITLEMENT_KEYS)?);
    fn at(list: &'static str, i: usize) -> impl Fn(hooks::Refusal) -> String {
        move |r| format!("{list}[{i}]: {}", r.message())
    }
    for (i, d) in domains.into_iter().enumerate() {
        hooks::add_domain(o, d).map_err(at("domains", i))?;
    }
    for (i, u) in users.into_iter().enumerate() {
        hooks::add_user(o, u).map_err(at("users", i))?;
    }
    for (i, t) in tokens.into_iter().enumerate() {
        hooks::add_token(o, t, cx).map_err(at("tokens", i))?;
    }
    for (i, e) in ents.into_iter().enumerate() {
        let domain = e.get("domain").and_then(Value::as_str).unwrap_or(DEFAULT_DOMAIN);
        let id = e
            .get("id")
            .and_then(Value::as_str)
            .map(hooks::entitlement_id)
            .transpose()
            .map_err(at("entitlements", i))?;
        let exists = id.as_ref().is_some_and(|id| o.entitlements.contains(&canonical(o, domain), id));
        match id {
            Some(id) if exists => hooks::patch_entitlement(o, &id, e, cx),
            _ => hooks::add_entitlement(o, e, cx),
        }
        .map_err(at("entitlements", i))?;
    }
    Ok(())
}

/// One `resources.oracle.serviceInstances` item.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct InstanceSeed {
    name: String,
    #[serde(default)]
    domain: Option<String>,
    /// `N` or `csi-N`, instead of the next id.
    #[serde(default)]
    id: Option<Value>,
    /// `cesi-N` or `N` (default: the default entitlement).
    #[serde(default)]
    entitlement: Option<String>,
    /// `PickRackSize` (default: the entitlement's first allowed size).
    #[serde(default)]
    rack_size: Option<String>,
    /// `SELECTED_DC_ID` (default: the entitlement's first eligible data center).
    #[serde(default)]
    data_center: Option<String>,
    #[serde(default)]
    status: Option<String>,
    /// Multi-VM when given: the first comes with the CREATE, the others are AddClusters.
    #[serde(default)]
    clusters: Vec<ClusterSeed>,
    /// Extra or replaced CREATE attributes, by their full name.
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

/// One VM cluster of a seeded instance (the AddCluster properties of §7.5).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterSeed {
    name: String,
    #[serde(default = "default_cores")]
    cores: u64,
    #[serde(default = "default_memory")]
    memory_gb: u64,
    #[serde(default = "default_storage")]
    storage_tb: u64,
    #[serde(default = "default_oh")]
    oh_gb: u64,
    #[serde(default)]
    create_sparse: bool,
    #[serde(default)]
    backup_to_disk: bool,
    #[serde(default)]
    client_network: Option<String>,
    #[serde(default)]
    backup_network: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

// The seed's AddCluster example (§7.2): 4 cores, 30 GB, 3 TB, 60 GB Oracle Home.
fn default_cores() -> u64 {
    4
}
fn default_memory() -> u64 {
    30
}
fn default_storage() -> u64 {
    3
}
fn default_oh() -> u64 {
    60
}

const P: &str = "requestPayload.";
const CA: &str = "requestPayload.customAttributes.";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// The EXAUNIT_ALLOCATIONS text of an AddCluster, as the payload serializer writes it.
fn add_cluster_payload(c: &ClusterSeed) -> String {
    let spec = AddClusterSpec {
        name: c.name.clone(),
        cores: c.cores,
        memory_gb: c.memory_gb,
        storage_tb: c.storage_tb,
        oh_gb: c.oh_gb,
        create_sparse: c.create_sparse,
        backup_to_disk: c.backup_to_disk,
        client_network: c.client_network.clone(),
        backup_network: c.backup_network.clone(),
    };
    let a = Allocation { op: AllocationOp::Add(spec), request_id: None, ignored: Vec::new() };
    payload::serialize(&allocations::properties_of(&a), payload::Style::Json)
}

fn operation_body(definition: Definition, attributes: &[(String, String)]) -> Value {
    let attrs: Vec<Value> = attributes.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
    json!({"operationItems": [{"attributes": attrs, "operationItemDefinition": {"id": definition.id()}}]})
}

/// Runs one `POST operations` through the handler (every synchronous rule) and its steps
/// at once (the backend checks); answers the PROCESSED operation, which is then dropped
/// (a seeded world has no operation history).
fn run_operation(o: &Oracle, principal: &Principal, body: &Value, cx: &Cx) -> Result<Operation, String> {
    let domain = principal.domain.name.clone();
    let base = format!("/itas/{domain}/myservices/api/v1");
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let mut req = Request::new(hyper::Method::POST, &format!("{base}/operations"), bytes);
    req.headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    let call = Call { req: &req, cx, principal: principal.clone(), settings: o.settings(), base };
    let out = operations::handle(o, &call, &Op::CreateOperation).map_err(|e| {
        let body = e.body("");
        format!("{}: {}", body["errorCode"].as_str().unwrap_or(""), body["errorMessage"].as_str().unwrap_or(""))
    })?;
    let id = out.body.into_value().get("id").and_then(Value::as_str).ok_or("the operation has no id")?.to_owned();
    for step in [Step::Start, Step::Finish] {
        let op = o.operations.get(&domain, &id).ok_or("the operation vanished")?;
        if op.status.is_terminal() {
            break;
        }
        let event =
            Event::OperationStep { domain: domain.clone(), operation: id.clone(), generation: op.generation, step };
        operations::apply(o, event, cx);
    }
    let op = o.operations.remove(&domain, &id).ok_or("the operation vanished")?;
    match op.status {
        OperationStatus::Processed => Ok(op),
        OperationStatus::Failed => Err(op.status_message),
        other => Err(format!("the operation is still {} (a stall is in force)", other.as_str())),
    }
}

fn seed_instance(o: &Oracle, seed: &InstanceSeed, cx: &Cx) -> Result<(), String> {
    let domain = auth::resolve_domain(o, seed.domain.as_deref().unwrap_or(DEFAULT_DOMAIN))
        .ok_or_else(|| format!("identity domain {} not found", seed.domain.as_deref().unwrap_or(DEFAULT_DOMAIN)))?;
    let status = seed
        .status
        .as_deref()
        .map(|s| InstanceStatus::parse(s).ok_or_else(|| format!("unknown status '{s}' (one of {})", instance_states())))
        .transpose()?;
    let cluster_status = seed
        .clusters
        .iter()
        .enumerate()
        .map(|(j, c)| {
            c.status
                .as_deref()
                .map(|s| {
                    ClusterStatus::parse(s)
                        .ok_or_else(|| format!("clusters[{j}]: unknown status '{s}' (one of {})", cluster_states()))
                })
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let wanted = match &seed.id {
        None => None,
        Some(v) => {
            let n = v.as_u64().or_else(|| v.as_str().and_then(instances::numeric_id)).ok_or("id must be N or csi-N")?;
            if o.instances.count_where(|k, _| k.1 == n.to_string()) > 0 {
                return Err(format!("service instance {n} already exists"));
            }
            Some(n)
        }
    };
    let ent = seed.entitlement.as_deref().unwrap_or(DEFAULT_ENTITLEMENT);
    let ent = ent.strip_prefix("cesi-").unwrap_or(ent);
    let known = o.entitlements.get(&domain.name, &format!("cesi-{ent}"));
    let rack = seed
        .rack_size
        .clone()
        .or_else(|| known.as_ref().and_then(|e| e.allowed_rack_sizes.first().cloned()))
        .unwrap_or_else(|| "Quarter Rack".into());
    let dc = seed
        .data_center
        .clone()
        .or_else(|| known.as_ref().and_then(|e| e.eligible_data_centers.first().cloned()))
        .unwrap_or_else(|| super::DEFAULT_DATA_CENTER.into());
    let user = domain.users.iter().find(|u| u.can_mutate).or(domain.users.first());
    let username = user.map(|u| u.username.clone()).unwrap_or_else(|| DEFAULT_USER.to_owned());
    let email = if username.contains('@') { username.clone() } else { format!("{username}@example.com") };
    let principal = Principal { domain: domain.clone(), username: crate::id::Id::from(&username), can_mutate: true };
    let unit_name = seed.clusters.first().map_or(seed.name.as_str(), |c| c.name.as_str());
    let mut attrs: Vec<(String, String)> = [
        (format!("{P}name"), seed.name.clone()),
        (format!("{P}serviceEntitlementId"), ent.to_owned()),
        (format!("{P}size"), "CUSTOM".into()),
        (format!("{P}serviceType"), "Exadata".into()),
        (format!("{P}adminUserName"), username.clone()),
        (format!("{P}adminEmail"), email.clone()),
        (format!("{P}adminFirstName"), "Sim".into()),
        (format!("{P}adminLastName"), "Admin".into()),
        (format!("{P}invokerAdminUserName"), username),
        (format!("{P}invokerAdminEmail"), email),
        (format!("{P}invokerAdminFirstName"), "Sim".into()),
        (format!("{P}invokerAdminLastName"), "Admin".into()),
        (format!("{CA}ExaUnitName"), unit_name.to_owned()),
        (format!("{CA}CreateSparse"), "N".into()),
        (format!("{CA}BackupToDisk"), "N".into()),
        (format!("{CA}isBYOL"), "N".into()),
        (format!("{CA}PickRackSize"), rack),
        (format!("{CA}SELECTED_DC_ID"), dc),
    ]
    .into_iter()
    .collect();
    if let Some(first) = seed.clusters.first() {
        attrs.push((format!("{CA}EXAUNIT_ALLOCATIONS"), b64(&add_cluster_payload(first))));
        attrs.push((format!("{CA}MULTIVM_ENABLED"), "true".into()));
    }
    for (name, value) in &seed.attributes {
        match attrs.iter_mut().find(|(n, _)| n == name) {
            Some(a) => a.1 = value.clone(),
            None => attrs.push((name.clone(), value.clone())),
        }
    }
    let created = run_operation(o, &principal, &operation_body(Definition::Create, &attrs), cx)?;
    let mut id = created.plan.instance();
    let mut exaunits: Vec<u64> = created.exaunit.into_iter().collect();
    for (j, c) in seed.clusters.iter().enumerate().skip(1) {
        let update = [
            ("instanceId".to_owned(), id.to_string()),
            (format!("{P}serviceEntitlementId"), ent.to_owned()),
            (format!("{P}size"), "CUSTOM".into()),
            (format!("{P}serviceType"), "Exadata".into()),
            (format!("{CA}EXAUNIT_ALLOCATIONS"), b64(&add_cluster_payload(c))),
            (format!("{CA}MULTIVM_ENABLED"), "true".into()),
        ];
        let added = run_operation(o, &principal, &operation_body(Definition::Update, &update), cx)
            .map_err(|e| format!("clusters[{j}]: {e}"))?;
        exaunits.extend(added.exaunit);
    }
    if let Some(n) = wanted {
        let _guard = o.lock();
        let mut inst = o.instances.remove(&domain.name, &id.to_string()).ok_or("the instance vanished")?;
        inst.numeric_id = n;
        o.instances.insert(&domain.name, &n.to_string(), inst);
        id = n;
    }
    if let Some(s) = status.filter(|s| *s != InstanceStatus::Active) {
        failures::force_instance(o, &domain.name, id, s, cx)?;
    }
    for (exaunit, s) in exaunits.iter().zip(cluster_status) {
        if let Some(s) = s {
            failures::force_cluster(o, &domain.name, id, *exaunit, s, cx)?;
        }
    }
    Ok(())
}

/// `resources.oracle.serviceInstances`: each item is created through `POST operations`
/// (CREATE, then an AddCluster per further cluster: every synchronous rule and backend
/// check of the API) and settled at once; then its `status` (default ACTIVE) and each
/// cluster's `status` (default PROVISIONED) are forced. Keys: `name`, `domain`, `id`,
/// `entitlement`, `rackSize`, `dataCenter`, `status`, `clusters` (`name`, `cores`,
/// `memoryGb`, `storageTb`, `ohGb`, `createSparse`, `backupToDisk`, `clientNetwork`,
/// `backupNetwork`, `status`), `attributes` (CREATE attributes by full name).
pub fn seed_resources(o: &Oracle, v: &Value, cx: &Cx) -> Result<(), String> {
    let s = section(v, &["serviceInstances"])?;
    let Some(list) = s.get("serviceInstances") else { return Ok(()) };
    let list = list.as_array().ok_or("serviceInstances must be a list")?;
    for (i, item) in list.iter().enumerate() {
        let seed: InstanceSeed =
            serde_json::from_value(item.clone()).map_err(|e| format!("serviceInstances[{i}]: {e}"))?;
        seed_instance(o, &seed, cx).map_err(|e| format!("serviceInstances[{i}]: {e}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// State restore.

/// The rows of one table of a dump, each with its `domain` field when it has one.
fn rows<V: DeserializeOwned>(v: &Value, name: &str) -> Result<Vec<(Option<String>, V)>, String> {
    let list = match v.get(name) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(format!("{name} must be a list")),
    };
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let domain = item.get("domain").and_then(Value::as_str).map(str::to_owned);
            let row = serde_json::from_value(item.clone()).map_err(|e| format!("{name}[{i}]: {e}"))?;
            Ok((domain, row))
        })
        .collect()
}

/// Each row's domain (the default domain when the row names none), which must be one of
/// the dump's domains.
fn in_domains<V>(names: &[String], table: &str, rows: Vec<(Option<String>, V)>) -> Result<Vec<(String, V)>, String> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (d, row))| {
            let d = d.unwrap_or_else(|| DEFAULT_DOMAIN.to_owned());
            if !names.contains(&d) {
                return Err(format!("{table}[{i}]: identity domain '{d}' is not among the domains"));
            }
            Ok((d, row))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdempotencyRow {
    domain: String,
    request_id: String,
    digest: String,
    operation: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Counters {
    instances: u64,
    operations: u64,
    exaunits: u64,
    faults: u64,
}


/// A dump's `providers.oracle`, parsed and checked.
struct Parsed {
    domains: Vec<Domain>,
    tokens: Vec<Token>,
    definitions: Vec<ServiceDefinition>,
    purchases: Vec<(String, PurchaseEntitlement)>,
    accounts: Vec<(String, CloudAccount)>,
    entitlements: Vec<(String, Entitlement)>,
    instances: Vec<(String, Instance)>,
    operations: Vec<(String, Operation)>,
    faults: Vec<Fault>,
    idempotency: Vec<IdempotencyRow>,
    /// Instance, operation, exaunit and fault counters to continue from.
    seqs: [u64; 4],
}

fn parse(v: &Value) -> Result<Parsed, String> {
    let domains: Vec<Domain> = rows(v, "domains")?.into_iter().map(|(_, d)| d).collect();
    let names: Vec<String> = domains.iter().map(|d| d.name.clone()).collect();
    let tokens: Vec<(String, Token)> = in_domains(&names, "tokens", rows(v, "tokens")?)?;
    let definitions: Vec<(Option<String>, ServiceDefinition)> = rows(v, "serviceDefinitions")?;
    let purchases = in_domains(&names, "purchaseEntitlements", rows(v, "purchaseEntitlements")?)?;
    // A cloud account is named after its domain.
    let accounts: Vec<(Option<String>, CloudAccount)> = rows(v, "cloudAccounts")?;
    let accounts = accounts.into_iter().map(|(d, a)| (d.or_else(|| Some(a.name.clone())), a)).collect();
    let accounts = in_domains(&names, "cloudAccounts", accounts)?;
    let entitlements = in_domains(&names, "serviceEntitlements", rows(v, "serviceEntitlements")?)?;
    let instances: Vec<(String, Instance)> = in_domains(&names, "serviceInstances", rows(v, "serviceInstances")?)?;
    let operations: Vec<(String, Operation)> = in_domains(&names, "operations", rows(v, "operations")?)?;
    let faults: Vec<Fault> = rows(v, "faults")?.into_iter().map(|(_, f)| f).collect();
    let idempotency: Vec<IdempotencyRow> = rows(v, "idempotency")?.into_iter().map(|(_, r)| r).collect();
    let counters: Counters = match v.get("counters") {
        None | Some(Value::Null) => Counters::default(),
        Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("counters: {e}"))?,
    };
    let op_ids = operations.iter().flat_map(|(_, op)| [&op.id, &op.item.id]).filter_map(|id| id.parse::<u64>().ok());
    let operation_seq = op_ids.map(|n| n.saturating_sub(OPERATION_ID_BASE)).max().unwrap_or(0);
    let clusters = instances.iter().flat_map(|(_, i)| i.clusters.keys().copied());
    let exaunit_seq = clusters.chain(operations.iter().filter_map(|(_, op)| op.exaunit)).max().unwrap_or(0);
    let fault_seq = faults.iter().map(Fault::number).filter(|n| *n != u64::MAX).max().unwrap_or(0);
    Ok(Parsed {
        domains,
        tokens: tokens.into_iter().map(|(_, t)| t).collect(),
        definitions: definitions.into_iter().map(|(_, d)| d).collect(),
        purchases,
        accounts,
        entitlements,
        instances,
        operations,
        faults,
        idempotency,
        seqs: [
            // Instance ids skip the ones in use (`next_instance_id`): the counter as dumped.
            counters.instances,
            operation_seq.max(counters.operations),
            exaunit_seq.max(counters.exaunits),
            fault_seq.max(counters.faults),
        ],
    })
}

/// Checks a dump's `providers.oracle` without changing anything (so a state restore
/// across providers can refuse it before any provider has changed).
pub fn check_restore(v: &Value) -> Result<(), String> {
    parse(v).map(|_| ())
}

/// Replaces every Oracle table with the contents of a `GET /_sim/state` dump
/// (`providers.oracle`), parsed and checked whole before anything is replaced. The id
/// counters continue from the dump's `counters`, and operation, cluster and fault ids
/// after the largest in the dump if that is larger, so new ids never collide.
pub fn restore(o: &Oracle, v: &Value) -> Result<(), String> {
    let p = parse(v)?;
    let _guard = o.lock();
    o.aliases.clear();
    o.domains.clear();
    for d in p.domains {
        o.aliases.insert("", &d.alias.to_ascii_lowercase(), d.name.clone());
        o.domains.insert("", &d.name.clone(), std::sync::Arc::new(d));
    }
    o.tokens.replace(p.tokens.into_iter().map(|t| (String::new(), t.token.as_digest().to_owned(), t)));
    o.definitions.replace(p.definitions.into_iter().map(|d| (String::new(), d.id.clone(), d)));
    o.purchase_entitlements.replace(p.purchases.into_iter().map(|(d, x)| (d, x.id.clone(), x)));
    o.cloud_accounts.replace(p.accounts.into_iter().map(|(d, a)| (d, a.id.clone(), a)));
    o.entitlements.replace(p.entitlements.into_iter().map(|(d, e)| (d, e.id.clone(), e)));
    o.instances.replace(p.instances.into_iter().map(|(d, i)| (d, i.numeric_id.to_string(), i)));
    o.operations.replace(p.operations.into_iter().map(|(d, op)| (d, op.id.clone(), op)));
    o.faults.replace(p.faults.into_iter().map(|f| (String::new(), f.id.clone(), f)));
    let idempotency = p.idempotency.into_iter().map(|r| (r.domain, r.request_id, (r.digest, r.operation)));
    o.idempotency.replace(idempotency);
    o.rate.clear();
    let [instances, operations, exaunits, faults] = p.seqs;
    o.instance_seq.store(instances, Ordering::Relaxed);
    o.operation_seq.store(operations, Ordering::Relaxed);
    o.exaunit_seq.store(exaunits, Ordering::Relaxed);
    o.fault_seq.store(faults, Ordering::Relaxed);
    Ok(())
}
