//! Fujitsu DB parameter groups (seed 1.5, lines 7968–8574; change rules 1.1.4, lines
//! 190–197): create, delete, list, get, and the PUT that changes or resets values.
//!
//! - The tenant's list of group ids (`Tenant::parameter_groups`, which instance create
//!   and modify check) says which groups exist; `Fujitsu::parameter_groups` holds their
//!   records. A listed group without a record (the default tenant's `default` and
//!   `paramid1`, groups a scenario's `identities.fujitsu` names) has the family of the
//!   default engine and every parameter at its default ([`load`]).
//! - `default` is the system's group: neither changed nor deleted (422). A group applied
//!   to an instance cannot be deleted (422). `appliedInstances` is computed from the
//!   instances, so it is never stale.
//! - A `pending-reboot` change (every static parameter, and a dynamic one without
//!   `immediate`) puts each ACTIVE instance of the group into RESTART_REQUIRED until it
//!   is rebooted (seed 193, and the state's name, seed 254); an `immediate` change of a
//!   dynamic parameter applies at once, no restart (seed 194).
//!
//! May touch: the parameter-group, tenant and instance tables. Authority: seed 1.5,
//! 1.1.4; extract 03 §1.5 and C4.

use hyper::StatusCode;
use serde_json::{json, Value};

use super::catalog;
use super::error::FujitsuError;
use super::model::*;
use super::parameters::{self, PARAMS};
use super::validate::paramgroup::{self as rules, ApplyMethod};
use super::validate::query;
use super::wire::{ParameterGroupBody};
use super::{body_mirror, Call, Fujitsu, Out, Res, DEFAULT_PARAMETER_GROUP};
use crate::clock::SimInstant;
use crate::providers::Cx;

fn not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("DBParameterGroupNotFound: '{id}' is not a DB parameter group of the tenant"))
}

fn body(call: &Call) -> Result<ParameterGroupBody, FujitsuError> {
    body_mirror(call.req)
}

/// The group `id` of `tenant`: its record, or the defaults of a listed group without one.
pub fn load(f: &Fujitsu, tenant: &str, id: &str) -> Option<ParameterGroup> {
    if let Some(g) = f.parameter_groups.get(tenant, id) {
        return Some(g);
    }
    let listed = f.tenants.read("", tenant, |t| t.parameter_groups.iter().any(|g| g == id))?;
    listed.then(|| ParameterGroup {
        id: id.to_owned(),
        tenant: tenant.to_owned(),
        name: id.to_owned(),
        description: Some(if id == DEFAULT_PARAMETER_GROUP {
            "default DB parameter group".to_owned()
        } else {
            format!("DB parameter group {id}")
        }),
        family: catalog::latest("enterprisepostgres").map_or(parameters::DEFAULT_FAMILY, |e| e.parameter_group_family).to_owned(),
        created: SimInstant::ZERO,
        values: Default::default(),
    })
}

/// Every group of the tenant, in creation order (the list order).
fn all(f: &Fujitsu, tenant: &str) -> Vec<ParameterGroup> {
    let ids = f.tenants.read("", tenant, |t| t.parameter_groups.clone()).unwrap_or_default();
    let mut groups: Vec<ParameterGroup> = ids.iter().filter_map(|id| load(f, tenant, id)).collect();
    groups.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    groups
}

/// The tenant's instances that name the group (gone ones are not in the table; a DELETED
/// one no longer runs with it).
fn applied(f: &Fujitsu, tenant: &str, id: &str) -> Vec<String> {
    let mut list: Vec<(u64, String)> = f
        .instances
        .list_where(tenant, |i| i.parameter_group == id && i.status != InstanceStatus::Deleted)
        .into_iter()
        .map(|i| (i.seq, i.id.to_string()))
        .collect();
    list.sort();
    list.into_iter().map(|(_, id)| id).collect()
}

fn summary(f: &Fujitsu, g: &ParameterGroup) -> Value {
    json!({
        "parameterGroupFamily": g.family,
        "name": g.name,
        "id": g.id,
        "description": g.description,
        "appliedInstances": applied(f, &g.tenant, &g.id),
    })
}

/// The get element (seed 8290–8400): the summary fields and every parameter.
fn detail(f: &Fujitsu, g: &ParameterGroup) -> Value {
    let params: Vec<Value> = PARAMS
        .iter()
        .map(|p| {
            let (value, source) = match g.values.get(p.name) {
                Some(v) => (v.as_str(), "user"),
                None => (p.default, "system"),
            };
            json!({
                "name": p.name,
                "value": value,
                "allowedValues": p.allowed.text(),
                "applyMethod": "pending-reboot",
                "applyType": p.apply_type.as_str(),
                "dataType": p.data_type,
                "description": p.description,
                // The table says Boolean (seed 8385); the example prints "true".
                "isModifiable": p.modifiable,
                "minimumEngineVersion": p.minimum_engine_version,
                "source": source,
            })
        })
        .collect();
    let mut v = summary(f, g);
    v["parameters"] = Value::Array(params);
    json!({ "parameterGroup": v })
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

/// `POST /parametergroups` (1.5.2.1): answers `dbParameterGroup` as the example does.
pub fn create(f: &Fujitsu, call: &Call) -> Res {
    let spec = rules::create_spec(&body(call)?)?;
    let _guard = f.lock();
    let tenant = call.tenant();
    let existing = f.tenants.read("", tenant, |t| t.parameter_groups.clone()).unwrap_or_default();
    let id = match spec.id {
        Some(id) => {
            rules::group_id_unused(&id, existing.contains(&id))?;
            id
        }
        None => loop {
            let id = format!("paramgroup-{}", call.cx.ids.alnum_lower(13));
            if !existing.contains(&id) {
                break id;
            }
        },
    };
    rules::group_quota(existing.len(), call.settings.quota_parameter_groups)?;
    let g = ParameterGroup {
        id: id.clone(),
        tenant: tenant.to_owned(),
        name: spec.name,
        description: spec.description,
        family: spec.family,
        created: call.cx.now,
        values: Default::default(),
    };
    f.tenants.update("", tenant, |t| t.parameter_groups.push(id.clone()));
    let out = json!({ "dbParameterGroup": summary(f, &g) });
    f.parameter_groups.insert(tenant, &id, g);
    json_out(&out)
}

/// `DELETE /parametergroups/{id}` (1.5.2.2): 202.
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    let g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    rules::not_default(&g.id, DEFAULT_PARAMETER_GROUP, "deleted")?;
    rules::not_in_use(&g.id, &applied(f, call.tenant(), id))?;
    f.tenants.update("", call.tenant(), |t| t.parameter_groups.retain(|x| x != id));
    f.parameter_groups.remove(call.tenant(), id);
    Ok(Out::accepted())
}

/// `GET /parametergroups` (1.5.2.3): `limit` 20–100, `marker` an id or a name.
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let page = query::page(call.req, call.settings.clamp_list_limit)?;
    let groups = all(f, call.tenant());
    let start = query::start_after(&groups, page.marker.as_deref(), |g| &g.id, |g| &g.name)?;
    let items: Vec<Value> =
        groups.iter().skip(start).take(page.limit).map(|g| json!({ "parameterGroup": summary(f, g) })).collect();
    json_out(&json!({ "parameterGroups": items }))
}

/// `GET /parametergroups/{id}` (1.5.2.4).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    json_out(&detail(f, &g))
}

/// `PUT /parametergroups/{id}` (1.5.2.5): changes (or resets) values; answers the group.
pub fn modify(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let spec = rules::modify_spec(&body(call)?)?;
    let _guard = f.lock();
    let mut g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    rules::not_default(&g.id, DEFAULT_PARAMETER_GROUP, "changed")?;
    let mut needs_restart = false;
    if spec.reset_all {
        needs_restart |= g
            .values
            .keys()
            .filter_map(|k| parameters::param(k))
            .any(|p| p.apply_type == parameters::ApplyType::Static);
        g.values.clear();
    }
    for c in &spec.changes {
        let old = g.values.get(c.param.name).cloned();
        match &c.value {
            Some(v) if v != c.param.default => g.values.insert(c.param.name.to_owned(), v.clone()),
            _ => g.values.remove(c.param.name),
        };
        if g.values.get(c.param.name) != old.as_ref() && c.method == ApplyMethod::PendingReboot {
            needs_restart = true;
        }
    }
    let names: Vec<&str> = spec.changes.iter().map(|c| c.param.name).collect();
    let what = if spec.reset_all { "every parameter reset".to_owned() } else { names.join(", ") };
    for i in applied(f, call.tenant(), id) {
        let message = format!("Parameter group {id} changed ({what})");
        f.record(call.tenant(), "instance", &i, "configuration change", message.into(), call.cx.now);
    }
    if needs_restart {
        for i in require_restart(f, call.tenant(), id, call.cx) {
            f.note(call.tenant(), "instance", &i, "ACTIVE", "RESTART_REQUIRED", call.cx);
        }
    }
    let out = detail(f, &g);
    f.parameter_groups.insert(call.tenant(), id, g);
    json_out(&out)
}

/// Every ACTIVE, idle instance of the group waits for a reboot (RESTART_REQUIRED);
/// answers the instances that moved.
fn require_restart(f: &Fujitsu, tenant: &str, group: &str, cx: &Cx) -> Vec<String> {
    let mut out = Vec::new();
    for i in f.instances.list_where(tenant, |i| i.parameter_group == group) {
        let moved = f.instances.update(tenant, &i.id, |i| {
            if i.status == InstanceStatus::Active && i.transit.is_none() {
                i.status = InstanceStatus::RestartRequired;
                i.updated = cx.now;
                return true;
            }
            false
        });
        if moved == Some(true) {
            out.push(i.id.to_string());
        }
    }
    out
}
