//! `/_sim/oracle/...`: control hooks of the Oracle provider (spec §13), listed in the
//! module doc of `oracle/mod.rs`. Answers JSON; bad input is 400 `{"error": ...}` and
//! changes nothing.

use hyper::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::capacity::Model;
use super::failures::{self, FaultTarget};
use super::instances;
use super::model::*;
use super::{default_entitlement, Oracle, DEFAULT_DOMAIN};
use crate::secret::Secret;
use crate::http::{json_object, Reply, Request};
use crate::providers::Cx;

/// Why a hook (or a scenario's `identities.oracle` item) was refused: 400 or 404, with
/// the message `{"error": ...}` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Bad(String),
    NotFound(String),
}

impl Refusal {
    pub(crate) fn message(&self) -> &str {
        match self {
            Refusal::Bad(m) | Refusal::NotFound(m) => m,
        }
    }

    fn reply(&self) -> Reply {
        let status = match self {
            Refusal::Bad(_) => StatusCode::BAD_REQUEST,
            Refusal::NotFound(_) => StatusCode::NOT_FOUND,
        };
        Reply::json(status, &json!({"error": self.message()}))
    }
}

/// A hook's answer: the JSON it replies with, or why it refused (nothing changed then).
pub(crate) type Done = Result<Value, Refusal>;

fn bad(m: impl Into<String>) -> Refusal {
    Refusal::Bad(m.into())
}

fn not_found(m: impl Into<String>) -> Refusal {
    Refusal::NotFound(m.into())
}

pub fn handle(o: &Oracle, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
    let m = &req.method;
    let run = |f: &dyn Fn(&Map<String, Value>) -> Done| {
        json_object(req).map_err(|e| bad(e.to_string())).and_then(|b| f(&b))
    };
    let done = match segs {
        ["domains"] if m == Method::POST => run(&|b| add_domain(o, b)),
        ["users"] if m == Method::POST => run(&|b| add_user(o, b)),
        ["tokens"] if m == Method::POST => run(&|b| add_token(o, b, cx)),
        ["tokens", token, "expire"] if m == Method::POST => match o.tokens.update("", &crate::secret::digest(token), |t| t.expires_at = cx.now)
        {
            Some(()) => Ok(json!({"token": token, "expired": true})),
            None => Err(not_found(format!("token {token} not found"))),
        },
        ["entitlements"] if m == Method::POST => run(&|b| add_entitlement(o, b, cx)),
        ["entitlements", id] if m == Method::PATCH => run(&|b| patch_entitlement(o, id, b, cx)),
        ["instances", id, "state"] if m == Method::POST => run(&|b| force_instance(o, id, b, cx)),
        ["instances", id, "clusters", exaunit, "state"] if m == Method::POST => {
            run(&|b| force_cluster(o, id, exaunit, b, cx))
        }
        ["faults"] if m == Method::GET => {
            let mut all = o.faults.all();
            all.sort_by_key(|(_, f)| f.number());
            Ok(json!({"faults": all.into_iter().map(|(_, f)| f).collect::<Vec<_>>()}))
        }
        ["faults"] if m == Method::POST => run(&|b| add_fault(o, b)),
        ["faults"] if m == Method::DELETE => {
            o.faults.clear();
            Ok(json!({"cleared": true}))
        }
        _ => return None,
    };
    Some(match done {
        Ok(v) => Reply::json(StatusCode::OK, &v),
        Err(r) => r.reply(),
    })
}

fn str_field<'a>(b: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, Refusal> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{k} must be a string"))),
    }
}

fn u64_field(b: &Map<String, Value>, k: &str) -> Result<Option<u64>, Refusal> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| bad(format!("{k} must be a non-negative integer"))),
    }
}

fn bool_field(b: &Map<String, Value>, k: &str) -> Result<Option<bool>, Refusal> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(v)) => Ok(Some(*v)),
        Some(_) => Err(bad(format!("{k} must be true or false"))),
    }
}

fn strings(b: &Map<String, Value>, k: &str) -> Result<Option<Vec<String>>, Refusal> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad(format!("{k} must be an array of strings"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad(format!("{k} must be an array of strings"))),
    }
}

fn domain_of(o: &Oracle, b: &Map<String, Value>) -> Result<std::sync::Arc<Domain>, Refusal> {
    let name = str_field(b, "domain")?.unwrap_or(DEFAULT_DOMAIN);
    super::auth::resolve_domain(o, name).ok_or_else(|| not_found(format!("identity domain {name} not found")))
}

/// `POST domains {name, alias?, username?, password?, canMutate?}`: another identity
/// domain with its alias (`idcs-<32 hex>` generated when absent) and cloud account.
pub(crate) fn add_domain(o: &Oracle, b: &Map<String, Value>) -> Done {
    let name = str_field(b, "name")?.ok_or_else(|| bad("name is required"))?;
    if name.is_empty() || name.contains('/') || super::auth::resolve_domain(o, name).is_some() {
        return Err(bad(format!("identity domain '{name}' already exists or is not a valid name")));
    }
    let n = o.domains.len() + 1;
    let alias = str_field(b, "alias")?.map(str::to_owned).unwrap_or_else(|| format!("idcs-{n:032x}"));
    if alias.is_empty() || alias.contains('/') || super::auth::resolve_domain(o, &alias).is_some() {
        return Err(bad(format!("alias '{alias}' already exists or is not a valid name")));
    }
    let mut users = Vec::new();
    if let Some(username) = str_field(b, "username")? {
        let password = Secret::new(str_field(b, "password")?.unwrap_or(super::DEFAULT_PASSWORD));
        let can_mutate = bool_field(b, "canMutate")?.unwrap_or(true);
        users.push(User { username: username.to_owned(), password, can_mutate });
    }
    let cloud = format!("cacct-{n:032x}");
    o.add_domain(Domain {
        name: name.to_owned(),
        alias: alias.clone(),
        id: format!("{}", 511_203_592 + n as u64),
        display_name: name.to_owned(),
        users,
        cloud_account_id: cloud,
    });
    Ok(json!({"name": name, "alias": alias}))
}

/// `POST users {domain?, username, password, canMutate?}`: another user (a user of the
/// same name is replaced).
pub(crate) fn add_user(o: &Oracle, b: &Map<String, Value>) -> Done {
    let d = domain_of(o, b)?;
    let (Some(username), Some(password)) = (str_field(b, "username")?, str_field(b, "password")?) else {
        return Err(bad("username and password are required"));
    };
    let can_mutate = bool_field(b, "canMutate")?.unwrap_or(true);
    let user = User { username: username.to_owned(), password: Secret::new(password), can_mutate };
    o.domains.update("", &d.name, |d| {
        let d = std::sync::Arc::make_mut(d);
        d.users.retain(|u| u.username != user.username);
        d.users.push(user.clone());
    });
    Ok(json!({"domain": d.name, "username": username, "canMutate": can_mutate}))
}

/// `POST tokens {domain?, username?, token?, expiresIn?}`: a bearer token (§2.2, S4).
pub(crate) fn add_token(o: &Oracle, b: &Map<String, Value>, cx: &Cx) -> Done {
    let d = domain_of(o, b)?;
    let username = str_field(b, "username")?.map(str::to_owned).unwrap_or_else(|| {
        d.users.first().map(|u| u.username.clone()).unwrap_or_else(|| super::DEFAULT_USER.to_owned())
    });
    let token = match str_field(b, "token")? {
        Some(t) if t.is_empty() || t.chars().any(char::is_whitespace) => {
            return Err(bad("token must be non-empty and without spaces"))
        }
        Some(t) => t.to_owned(),
        None => format!("sim-oracle-{}", cx.ids.alnum(32)),
    };
    let lifetime = u64_field(b, "expiresIn")?.unwrap_or(o.settings().token_lifetime);
    let expires_at = cx.now.plus_secs(lifetime);
    let secret = Secret::new(&token);
    o.tokens.insert("", secret.as_digest(), Token { token: secret.clone(), domain: d.name.clone(), username, expires_at });
    Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "domain": d.name}))
}

/// Applies the hidden and visible fields of `b` to an entitlement.
fn apply_entitlement(o: &Oracle, e: &mut Entitlement, b: &Map<String, Value>) -> Result<(), Refusal> {
    if let Some(s) = str_field(b, "status")? {
        e.status = EntitlementStatus::parse(s).ok_or_else(|| bad(format!("unknown entitlement status '{s}'")))?;
    }
    if let Some(d) = str_field(b, "serviceDefinition")? {
        let def = o
            .definitions
            .list("")
            .into_iter()
            .find(|x| x.id == d || x.name.eq_ignore_ascii_case(d))
            .ok_or_else(|| bad(format!("unknown service definition '{d}'")))?;
        e.service_definition_id = def.id;
    }
    if let Some(v) = strings(b, "eligibleDataCenters")? {
        e.eligible_data_centers = v;
    }
    if let Some(v) = strings(b, "allowedRackSizes")? {
        e.allowed_rack_sizes = v;
    }
    if let Some(m) = str_field(b, "model")? {
        e.model = Model::parse(m).ok_or_else(|| bad(format!("unknown model '{m}'")))?;
    }
    if let Some(n) = u64_field(b, "additionalCores")? {
        e.additional_cores = n;
    }
    if let Some(n) = u64_field(b, "burstCores")? {
        e.burst_cores = n;
    }
    if let Some(n) = u64_field(b, "maxInstances")? {
        e.max_instances = n;
    }
    Ok(())
}

/// `cesi-N` (or `N`) of a hook body's `id`.
pub(crate) fn entitlement_id(id: &str) -> Result<String, Refusal> {
    let digits = id.strip_prefix("cesi-").unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad(format!("id '{id}' must be cesi-<digits>")));
    }
    Ok(format!("cesi-{digits}"))
}

/// `POST entitlements {domain?, id, serviceDefinition?, status?, ...}`: another service
/// entitlement, shaped like the default one unless the body says otherwise (§4.2, §10.4).
pub(crate) fn add_entitlement(o: &Oracle, b: &Map<String, Value>, cx: &Cx) -> Done {
    let d = domain_of(o, b)?;
    let id = entitlement_id(str_field(b, "id")?.ok_or_else(|| bad("id is required (cesi-N)"))?)?;
    let _guard = o.lock();
    if o.entitlements.contains(&d.name, &id) {
        return Err(bad(format!("entitlement {id} already exists")));
    }
    let mut e = default_entitlement(&id);
    e.created_on = cx.now;
    e.modified_on = cx.now;
    apply_entitlement(o, &mut e, b)?;
    o.entitlements.insert(&d.name, &id, e.clone());
    Ok(json!(e))
}

/// `PATCH entitlements/{id}`: status and hidden fields of an existing entitlement.
pub(crate) fn patch_entitlement(o: &Oracle, id: &str, b: &Map<String, Value>, cx: &Cx) -> Done {
    let d = domain_of(o, b)?;
    let _guard = o.lock();
    let mut e = o.entitlements.get(&d.name, id).ok_or_else(|| not_found(format!("entitlement {id} not found")))?;
    apply_entitlement(o, &mut e, b)?;
    e.modified_on = cx.now;
    o.entitlements.insert(&d.name, id, e.clone());
    Ok(json!(e))
}

fn find_instance(o: &Oracle, b: &Map<String, Value>, id: &str) -> Result<Instance, Refusal> {
    let d = domain_of(o, b)?;
    instances::find(o, &d.name, id).map_err(|_| not_found(format!("service instance {id} not found")))
}

/// `POST instances/{id}/state {"status": ...}`: forces an instance status now (e.g.
/// SUSPENDED, §10.2 admin row) through `failures::force_instance`.
fn force_instance(o: &Oracle, id: &str, b: &Map<String, Value>, cx: &Cx) -> Done {
    let s = str_field(b, "status")?.ok_or_else(|| bad("status is required"))?;
    let status = InstanceStatus::parse(s).ok_or_else(|| bad(format!("unknown instance status '{s}'")))?;
    let inst = find_instance(o, b, id)?;
    failures::force_instance(o, &inst.domain, inst.numeric_id, status, cx).map_err(not_found)?;
    Ok(json!({"id": inst.id(), "status": status.as_str()}))
}

/// `POST instances/{id}/clusters/{exaunit}/state {"status": ...}`: forces a cluster
/// status now (R08 / D03) through `failures::force_cluster`.
fn force_cluster(o: &Oracle, id: &str, exaunit: &str, b: &Map<String, Value>, cx: &Cx) -> Done {
    let s = str_field(b, "status")?.ok_or_else(|| bad("status is required"))?;
    let status = ClusterStatus::parse(s).ok_or_else(|| bad(format!("unknown cluster status '{s}'")))?;
    let exaunit = exaunit.parse::<u64>().map_err(|_| bad(format!("exaunit '{exaunit}' is not a number")))?;
    let inst = find_instance(o, b, id)?;
    failures::force_cluster(o, &inst.domain, inst.numeric_id, exaunit, status, cx)
        .map_err(|_| not_found(format!("cluster {exaunit} not found in instance {id}")))?;
    Ok(json!({"exaunitId": exaunit, "status": status.as_str()}))
}

/// `POST faults {definition?, operation?, instanceId?, phase?, message?, count?}`: the
/// §13 backend failure, armed through `failures::arm`.
fn add_fault(o: &Oracle, b: &Map<String, Value>) -> Done {
    let definition = match str_field(b, "definition")? {
        None => None,
        Some(d) => Some(Definition::parse(d).ok_or_else(|| bad(format!("unknown operation item definition '{d}'")))?),
    };
    const OPS: &[&str] = &["CREATE", "DELETE", "AddCluster", "ReshapeCluster", "DeleteCluster"];
    let operation = match str_field(b, "operation")? {
        None => None,
        Some(x) if OPS.iter().any(|o| o.eq_ignore_ascii_case(x)) => Some(x.to_owned()),
        Some(x) => return Err(bad(format!("operation '{x}' must be one of {}", OPS.join(", ")))),
    };
    let instance = match b.get("instanceId") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(instances::numeric_id)
                .or_else(|| v.as_u64())
                .ok_or_else(|| bad("instanceId must be N or csi-N"))?,
        ),
    };
    let phase = match str_field(b, "phase")?.unwrap_or("finish") {
        "start" => Phase::Start,
        "finish" => Phase::Finish,
        other => return Err(bad(format!("phase '{other}' must be start or finish"))),
    };
    let message = str_field(b, "message")?.unwrap_or(failures::INJECTED).to_owned();
    let count = u64_field(b, "count")?.unwrap_or(1);
    let target = FaultTarget { definition, operation, instance, ..FaultTarget::default() };
    Ok(json!(failures::arm(o, target, phase, message, count)))
}
