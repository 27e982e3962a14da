//! `/_sim/oracle/...`: control hooks of the Oracle provider (spec §13), listed in the
//! module doc of `oracle/mod.rs`. Answers JSON; bad input is 400 `{"error": ...}` and
//! changes nothing.

use hyper::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::capacity::Model;
use super::instances;
use super::model::*;
use super::{default_entitlement, Oracle, DEFAULT_DOMAIN};
use crate::http::{json_object, Reply, Request};
use crate::providers::Cx;

fn ok(v: Value) -> Reply {
    Reply::json(StatusCode::OK, &v)
}

fn bad(m: impl Into<String>) -> Reply {
    Reply::json(StatusCode::BAD_REQUEST, &json!({"error": m.into()}))
}

fn not_found(m: impl Into<String>) -> Reply {
    Reply::json(StatusCode::NOT_FOUND, &json!({"error": m.into()}))
}

pub fn handle(o: &Oracle, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
    let m = &req.method;
    let body = || json_object(req).map_err(|e| bad(format!("{e:?}")));
    let run = |f: &dyn Fn(Map<String, Value>) -> Reply| match body() {
        Ok(b) => f(b),
        Err(r) => r,
    };
    Some(match segs {
        ["domains"] if m == Method::POST => run(&|b| add_domain(o, &b, cx)),
        ["users"] if m == Method::POST => run(&|b| add_user(o, &b)),
        ["tokens"] if m == Method::POST => run(&|b| add_token(o, &b, cx)),
        ["tokens", token, "expire"] if m == Method::POST => {
            match o.tokens.update("", token, |t| t.expires_at = cx.now) {
                Some(()) => ok(json!({"token": token, "expired": true})),
                None => not_found(format!("token {token} not found")),
            }
        }
        ["entitlements"] if m == Method::POST => run(&|b| add_entitlement(o, &b, cx)),
        ["entitlements", id] if m == Method::PATCH => run(&|b| patch_entitlement(o, id, &b, cx)),
        ["instances", id, "state"] if m == Method::POST => run(&|b| force_instance(o, id, &b, cx)),
        ["instances", id, "clusters", exaunit, "state"] if m == Method::POST => {
            run(&|b| force_cluster(o, id, exaunit, &b, cx))
        }
        ["faults"] if m == Method::GET => {
            let mut all = o.faults.all();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            ok(json!({"faults": all.into_iter().map(|(_, f)| f).collect::<Vec<_>>()}))
        }
        ["faults"] if m == Method::POST => run(&|b| add_fault(o, &b)),
        ["faults"] if m == Method::DELETE => {
            o.faults.clear();
            ok(json!({"cleared": true}))
        }
        _ => return None,
    })
}

fn str_field<'a>(b: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, Reply> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{k} must be a string"))),
    }
}

fn u64_field(b: &Map<String, Value>, k: &str) -> Result<Option<u64>, Reply> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| bad(format!("{k} must be a non-negative integer"))),
    }
}

fn strings(b: &Map<String, Value>, k: &str) -> Result<Option<Vec<String>>, Reply> {
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

fn domain_of(o: &Oracle, b: &Map<String, Value>) -> Result<Domain, Reply> {
    let name = str_field(b, "domain")?.unwrap_or(DEFAULT_DOMAIN);
    super::auth::resolve_domain(o, name).ok_or_else(|| not_found(format!("identity domain {name} not found")))
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

fn add_domain(o: &Oracle, b: &Map<String, Value>, _cx: &Cx) -> Reply {
    let Some(name) = tri!(str_field(b, "name")) else { return bad("name is required") };
    if name.is_empty() || name.contains('/') || super::auth::resolve_domain(o, name).is_some() {
        return bad(format!("identity domain '{name}' already exists or is not a valid name"));
    }
    let n = o.domains.len() + 1;
    let alias = tri!(str_field(b, "alias")).map(str::to_owned).unwrap_or_else(|| format!("idcs-{n:032x}"));
    if super::auth::resolve_domain(o, &alias).is_some() {
        return bad(format!("alias '{alias}' already exists"));
    }
    let mut users = Vec::new();
    if let Some(username) = tri!(str_field(b, "username")) {
        let password = tri!(str_field(b, "password")).unwrap_or("Welcome1!").to_owned();
        let can_mutate = b.get("canMutate").and_then(Value::as_bool).unwrap_or(true);
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
    ok(json!({"name": name, "alias": alias}))
}

fn add_user(o: &Oracle, b: &Map<String, Value>) -> Reply {
    let d = tri!(domain_of(o, b));
    let (Some(username), Some(password)) = (tri!(str_field(b, "username")), tri!(str_field(b, "password"))) else {
        return bad("username and password are required");
    };
    let can_mutate = b.get("canMutate").and_then(Value::as_bool).unwrap_or(true);
    let user = User { username: username.to_owned(), password: password.to_owned(), can_mutate };
    o.domains.update("", &d.name, |d| {
        d.users.retain(|u| u.username != user.username);
        d.users.push(user.clone());
    });
    ok(json!({"domain": d.name, "username": username, "canMutate": can_mutate}))
}

fn add_token(o: &Oracle, b: &Map<String, Value>, cx: &Cx) -> Reply {
    let d = tri!(domain_of(o, b));
    let username = tri!(str_field(b, "username")).map(str::to_owned).unwrap_or_else(|| {
        d.users.first().map(|u| u.username.clone()).unwrap_or_else(|| super::DEFAULT_USER.to_owned())
    });
    let token =
        tri!(str_field(b, "token")).map(str::to_owned).unwrap_or_else(|| format!("sim-oracle-{}", cx.ids.alnum(32)));
    let lifetime = tri!(u64_field(b, "expiresIn")).unwrap_or(o.settings().token_lifetime);
    let expires_at = cx.now.plus_secs(lifetime);
    o.tokens.insert("", &token, Token { token: token.clone(), domain: d.name.clone(), username, expires_at });
    ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "domain": d.name}))
}

/// Applies the hidden and visible fields of `b` to an entitlement.
fn apply_entitlement(o: &Oracle, e: &mut Entitlement, b: &Map<String, Value>) -> Result<(), Reply> {
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

fn add_entitlement(o: &Oracle, b: &Map<String, Value>, cx: &Cx) -> Reply {
    let d = tri!(domain_of(o, b));
    let Some(id) = tri!(str_field(b, "id")) else { return bad("id is required (cesi-N)") };
    let digits = id.strip_prefix("cesi-").unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return bad(format!("id '{id}' must be cesi-<digits>"));
    }
    let id = format!("cesi-{digits}");
    if o.entitlements.contains(&d.name, &id) {
        return bad(format!("entitlement {id} already exists"));
    }
    let mut e = default_entitlement(&id);
    e.created_on = cx.now;
    e.modified_on = cx.now;
    tri!(apply_entitlement(o, &mut e, b));
    o.entitlements.insert(&d.name, &id, e.clone());
    ok(json!(e))
}

fn patch_entitlement(o: &Oracle, id: &str, b: &Map<String, Value>, cx: &Cx) -> Reply {
    let d = tri!(domain_of(o, b));
    let _guard = o.lock();
    let Some(mut e) = o.entitlements.get(&d.name, id) else { return not_found(format!("entitlement {id} not found")) };
    tri!(apply_entitlement(o, &mut e, b));
    e.modified_on = cx.now;
    o.entitlements.insert(&d.name, id, e.clone());
    ok(json!(e))
}

fn find_instance(o: &Oracle, b: &Map<String, Value>, id: &str) -> Result<Instance, Reply> {
    let d = domain_of(o, b)?;
    instances::find(o, &d.name, id).map_err(|_| not_found(format!("service instance {id} not found")))
}

/// Forces an instance status now (e.g. SUSPENDED, §10.2 admin row); releases nothing.
fn force_instance(o: &Oracle, id: &str, b: &Map<String, Value>, cx: &Cx) -> Reply {
    let Some(s) = tri!(str_field(b, "status")) else { return bad("status is required") };
    let Some(status) = InstanceStatus::parse(s) else { return bad(format!("unknown instance status '{s}'")) };
    let _guard = o.lock();
    let inst = tri!(find_instance(o, b, id));
    o.instances.update(&inst.domain, &inst.numeric_id.to_string(), |i| {
        i.status = status;
        i.modified_on = cx.now;
    });
    ok(json!({"id": inst.id(), "status": status.as_str()}))
}

/// Forces a cluster status now (R08 / D03 tests).
fn force_cluster(o: &Oracle, id: &str, exaunit: &str, b: &Map<String, Value>, cx: &Cx) -> Reply {
    let Some(s) = tri!(str_field(b, "status")) else { return bad("status is required") };
    let Some(status) = ClusterStatus::parse(s) else { return bad(format!("unknown cluster status '{s}'")) };
    let Ok(exaunit) = exaunit.parse::<u64>() else { return bad(format!("exaunit '{exaunit}' is not a number")) };
    let _guard = o.lock();
    let inst = tri!(find_instance(o, b, id));
    let done = o.instances.update(&inst.domain, &inst.numeric_id.to_string(), |i| match i.clusters.get_mut(&exaunit) {
        Some(c) => {
            c.status = status;
            c.modified_on = cx.now;
            true
        }
        None => false,
    });
    if done != Some(true) {
        return not_found(format!("cluster {exaunit} not found in instance {id}"));
    }
    ok(json!({"exaunitId": exaunit, "status": status.as_str()}))
}

fn add_fault(o: &Oracle, b: &Map<String, Value>) -> Reply {
    let definition = match tri!(str_field(b, "definition")) {
        None => None,
        Some(d) => match Definition::parse(d) {
            Some(d) => Some(d),
            None => return bad(format!("unknown operation item definition '{d}'")),
        },
    };
    const OPS: &[&str] = &["CREATE", "DELETE", "AddCluster", "ReshapeCluster", "DeleteCluster"];
    let operation = match tri!(str_field(b, "operation")) {
        None => None,
        Some(x) if OPS.iter().any(|o| o.eq_ignore_ascii_case(x)) => Some(x.to_owned()),
        Some(x) => return bad(format!("operation '{x}' must be one of {}", OPS.join(", "))),
    };
    let instance = match b.get("instanceId") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().and_then(instances::numeric_id).or_else(|| v.as_u64()) {
            Some(n) => Some(n),
            None => return bad("instanceId must be N or csi-N"),
        },
    };
    let phase = match tri!(str_field(b, "phase")).unwrap_or("finish") {
        "start" => Phase::Start,
        "finish" => Phase::Finish,
        other => return bad(format!("phase '{other}' must be start or finish")),
    };
    let message = tri!(str_field(b, "message")).unwrap_or("Injected backend failure").to_owned();
    let remaining = tri!(u64_field(b, "count")).unwrap_or(1);
    let fault = Fault { id: o.next_fault_id(), definition, operation, instance, phase, message, remaining };
    o.faults.insert("", &fault.id, fault.clone());
    ok(json!(fault))
}
