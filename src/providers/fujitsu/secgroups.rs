//! Fujitsu security groups and their rules (seed 1.11, lines 12691–13450; 1.12, lines
//! 13451–14049): the Neutron-shaped groups that instances name in `securityGroupIds`.
//!
//! - As with parameter groups, the tenant's id list (`Tenant::security_groups`, which
//!   instance create and modify check) says which groups exist and
//!   `Fujitsu::security_groups` holds their records; a listed group without one (the
//!   default tenant's `default`, `secid1`, `secid2`) has the two default egress rules of
//!   every example (IPv4 and IPv6, everything `null`) with ids derived from its own.
//! - A new group has those two rules too (seed 12800–12860). A rule belongs to one group;
//!   creating or deleting one bumps its group's `updated_at`.
//! - A group that an instance uses, and the `default` group, cannot be deleted (422,
//!   inferred: Neutron refuses both); an identical rule is refused (422, Neutron's 409).
//! - `fields` (repeatable) restricts the list elements' attributes (seed 13140–13150).
//!
//! May touch: the security-group, tenant and instance (read) tables.

use hyper::StatusCode;
use serde_json::{json, Map, Value};

use super::error::FujitsuError;
use super::model::{InstanceStatus, SecurityGroup, SgRule};
use super::validate::common;
use super::validate::secgroup::{self as rules};
use super::wire::{SecurityGroupBody, SecurityGroupRuleBody};
use super::{body_mirror, Call, Fujitsu, Out, Res, DEFAULT_SECURITY_GROUP};
use crate::clock::SimInstant;
use crate::providers::Cx;

/// A stable UUID-shaped id from a text (the default rules of a listed group).
fn derived_id(text: &str) -> String {
    let h = |seed: u64| crate::hash::fnv1a_from(seed, text.as_bytes());
    let (a, b) = (h(crate::hash::FNV1A_OFFSET), h(0x8422_2325_cbf2_9ce4));
    format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52, b & 0xffff_ffff_ffff)
}

fn default_rules(group_id: &str, at: SimInstant, mut id: impl FnMut(&str) -> String) -> Vec<SgRule> {
    ["IPv4", "IPv6"]
        .into_iter()
        .map(|ethertype| SgRule {
            id: id(&format!("{group_id}/egress/{ethertype}")),
            direction: "egress".into(),
            protocol: None,
            ethertype: ethertype.into(),
            port_range_min: None,
            port_range_max: None,
            remote_ip_prefix: None,
            description: None,
            created: at,
        })
        .collect()
}

/// The group `id` of `tenant`: its record, or the defaults of a listed group without one.
pub fn load(f: &Fujitsu, tenant: &str, id: &str) -> Option<SecurityGroup> {
    if let Some(g) = f.security_groups.get(tenant, id) {
        return Some(g);
    }
    let listed = f.tenants.read("", tenant, |t| t.security_groups.iter().any(|g| g == id))?;
    listed.then(|| SecurityGroup {
        id: id.to_owned(),
        tenant: tenant.to_owned(),
        name: id.to_owned(),
        description: format!("security group {id}"),
        stateful: true,
        created: SimInstant::ZERO,
        updated: SimInstant::ZERO,
        rules: default_rules(id, SimInstant::ZERO, derived_id),
    })
}

fn all(f: &Fujitsu, tenant: &str) -> Vec<SecurityGroup> {
    let ids = f.tenants.read("", tenant, |t| t.security_groups.clone()).unwrap_or_default();
    ids.iter().filter_map(|id| load(f, tenant, id)).collect()
}

fn not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("SecurityGroupNotFound: '{id}' is not a security group of the tenant"))
}

fn rule_not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("SecurityGroupRuleNotFound: '{id}' is not a security group rule of the tenant"))
}

/// The seed's example times (`2021-08-01T01:10:58Z` once repaired).
fn stamp(cx: &Cx, t: SimInstant) -> String {
    cx.clock.to_utc(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn rule_view(r: &SgRule, group: &str, cx: &Cx, embedded: bool) -> Value {
    let mut v = json!({
        "id": r.id,
        "security_group_id": group,
        "direction": r.direction,
        "ethertype": r.ethertype,
        "port_range_max": r.port_range_max,
        "port_range_min": r.port_range_min,
        "protocol": r.protocol,
        "remote_ip_prefix": r.remote_ip_prefix,
        "description": r.description,
    });
    if embedded {
        v["created_at"] = json!(stamp(cx, r.created));
        v["updated_at"] = json!(stamp(cx, r.created));
    }
    v
}

fn group_view(g: &SecurityGroup, cx: &Cx) -> Value {
    json!({
        "created_at": stamp(cx, g.created),
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "stateful": g.stateful,
        "security_group_rules": g.rules.iter().map(|r| json!({"security_group_rule": rule_view(r, &g.id, cx, true)})).collect::<Vec<_>>(),
        "updated_at": stamp(cx, g.updated),
    })
}

/// Keeps only the `fields` asked for (all when none).
fn only(v: Value, fields: &[String]) -> Value {
    match v {
        Value::Object(o) if !fields.is_empty() => {
            Value::Object(o.into_iter().filter(|(k, _)| fields.contains(k)).collect::<Map<String, Value>>())
        }
        v => v,
    }
}

fn fields(call: &Call) -> Vec<String> {
    call.req.query_pairs().into_iter().filter(|(k, _)| k == "fields").map(|(_, v)| v).collect()
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

fn group_body(call: &Call) -> Result<SecurityGroupBody, FujitsuError> {
    body_mirror(call.req)
}

fn new_uuid(f: &Fujitsu, tenant: &str, cx: &Cx) -> String {
    loop {
        let id = cx.ids.uuid();
        if load(f, tenant, &id).is_none() {
            return id;
        }
    }
}

/// `POST security-groups` (1.11.2.1); `stateful` defaults to true (seed 12760).
pub fn create(f: &Fujitsu, call: &Call) -> Res {
    let spec = rules::create_spec(&group_body(call)?)?;
    let _guard = f.lock();
    let tenant = call.tenant();
    let count = f.tenants.read("", tenant, |t| t.security_groups.len()).unwrap_or(0);
    if count as u64 >= call.settings.quota_security_groups {
        // The seed lists 422 and no 413 for this operation.
        return Err(FujitsuError::Unprocessable(format!(
            "SecurityGroupQuotaExceeded: the tenant already has {count} of {} security groups",
            call.settings.quota_security_groups
        )));
    }
    let id = new_uuid(f, tenant, call.cx);
    let now = call.cx.now;
    let g = SecurityGroup {
        id: id.clone(),
        tenant: tenant.to_owned(),
        name: spec.name.unwrap_or_default(),
        description: spec.description.unwrap_or_default(),
        stateful: spec.stateful.unwrap_or(true),
        created: now,
        updated: now,
        rules: default_rules(&id, now, |_| call.cx.ids.uuid()),
    };
    let out = json!({ "security_group": group_view(&g, call.cx) });
    f.tenants.update("", tenant, |t| t.security_groups.push(id.clone()));
    f.security_groups.insert(tenant, &id, g);
    json_out(&out)
}

/// `PUT security-groups/{id}` (1.11.2.3).
pub fn update(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let spec = rules::update_spec(&group_body(call)?)?;
    let _guard = f.lock();
    let mut g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    if let Some(n) = spec.name {
        g.name = n;
    }
    if let Some(d) = spec.description {
        g.description = d;
    }
    if let Some(s) = spec.stateful {
        g.stateful = s;
    }
    g.updated = call.cx.now;
    let out = json!({ "security_group": group_view(&g, call.cx) });
    f.security_groups.insert(call.tenant(), id, g);
    json_out(&out)
}

/// The tenant's instances that name the group.
fn users(f: &Fujitsu, tenant: &str, id: &str) -> Vec<String> {
    let mut v: Vec<String> = f
        .instances
        .list_where(tenant, |i| i.status != InstanceStatus::Deleted && i.security_groups.iter().any(|g| g == id))
        .into_iter()
        .map(|i| i.id.to_string())
        .collect();
    v.sort();
    v
}

/// `DELETE security-groups/{id}` (1.11.2.2): 202; its rules go with it.
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    let g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    if g.id == DEFAULT_SECURITY_GROUP {
        return Err(FujitsuError::Unprocessable("InvalidSecurityGroupState: the default security group cannot be deleted".into()));
    }
    let used = users(f, call.tenant(), id);
    if !used.is_empty() {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidSecurityGroupState: security group '{id}' is used by instances {}",
            used.join(", ")
        )));
    }
    f.tenants.update("", call.tenant(), |t| t.security_groups.retain(|x| x != id));
    f.security_groups.remove(call.tenant(), id);
    Ok(Out::accepted())
}

/// `GET security-groups` (1.11.2.4), `fields` applied to each element.
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let fields = fields(call);
    let items: Vec<Value> = all(f, call.tenant())
        .iter()
        .map(|g| json!({"security_group": only(group_view(g, call.cx), &fields)}))
        .collect();
    json_out(&json!({ "security_groups": items }))
}

/// `GET security-groups/{id}` (1.11.2.5).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let g = load(f, call.tenant(), id).ok_or_else(|| not_found(id))?;
    json_out(&json!({ "security_group": group_view(&g, call.cx) }))
}

// ---------------------------------------------------------------------------------------
// Rules (1.12).

fn find_rule(f: &Fujitsu, tenant: &str, rule: &str) -> Option<(SecurityGroup, SgRule)> {
    all(f, tenant).into_iter().find_map(|g| g.rules.iter().find(|r| r.id == rule).cloned().map(|r| (g, r)))
}

/// `POST security-group-rules` (1.12.2.1).
pub fn create_rule(f: &Fujitsu, call: &Call) -> Res {
    let body: SecurityGroupRuleBody = body_mirror(call.req)?;
    let r = common::read("security_group_rule", &body.security_group_rule, "object")?;
    let spec = rules::rule_spec(r)?;
    let _guard = f.lock();
    let mut g = load(f, call.tenant(), &spec.security_group_id).ok_or_else(|| {
        FujitsuError::NotFound(format!(
            "SecurityGroupNotFound: security_group_rule.security_group_id '{}' is not a security group of the tenant",
            spec.security_group_id
        ))
    })?;
    let protocol = spec.protocol.wire().as_str().map(str::to_owned);
    let same = g.rules.iter().find(|x| {
        x.direction == spec.direction
            && x.ethertype == spec.ethertype
            && x.protocol == protocol
            && x.port_range_min == spec.port_range_min
            && x.port_range_max == spec.port_range_max
            && x.remote_ip_prefix == spec.remote_ip_prefix
    });
    if let Some(x) = same {
        return Err(FujitsuError::Unprocessable(format!("SecurityGroupRuleExists: rule {} is the same rule", x.id)));
    }
    if g.rules.len() >= call.settings.quota_security_group_rules as usize {
        return Err(FujitsuError::Unprocessable(format!(
            "SecurityGroupRuleQuotaExceeded: the group already has {} rules",
            g.rules.len()
        )));
    }
    let now = call.cx.now;
    let rule = SgRule {
        id: new_uuid(f, call.tenant(), call.cx),
        direction: spec.direction,
        protocol,
        ethertype: spec.ethertype,
        port_range_min: spec.port_range_min,
        port_range_max: spec.port_range_max,
        remote_ip_prefix: spec.remote_ip_prefix,
        description: Some(spec.description),
        created: now,
    };
    let out = json!({ "security_group_rule": rule_view(&rule, &g.id, call.cx, false) });
    g.rules.push(rule);
    g.updated = now;
    f.security_groups.insert(call.tenant(), &g.id.clone(), g);
    json_out(&out)
}

/// `DELETE security-group-rules/{id}` (1.12.2.2): 202.
pub fn delete_rule(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    let (mut g, _) = find_rule(f, call.tenant(), id).ok_or_else(|| rule_not_found(id))?;
    g.rules.retain(|r| r.id != id);
    g.updated = call.cx.now;
    f.security_groups.insert(call.tenant(), &g.id.clone(), g);
    Ok(Out::accepted())
}

/// `GET security-group-rules` (1.12.2.3): every rule of the tenant's groups.
pub fn list_rules(f: &Fujitsu, call: &Call) -> Res {
    let fields = fields(call);
    let items: Vec<Value> = all(f, call.tenant())
        .iter()
        .flat_map(|g| g.rules.iter().map(move |r| (g.id.clone(), r.clone())))
        .map(|(gid, r)| json!({"security_group_rule": only(rule_view(&r, &gid, call.cx, false), &fields)}))
        .collect();
    json_out(&json!({ "security_group_rules": items }))
}

/// `GET security-group-rules/{id}` (1.12.2.4).
pub fn show_rule(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let (g, r) = find_rule(f, call.tenant(), id).ok_or_else(|| rule_not_found(id))?;
    json_out(&json!({ "security_group_rule": rule_view(&r, &g.id, call.cx, false) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_uuid_shaped() {
        let a = derived_id("default/egress/IPv4");
        assert_eq!(a, derived_id("default/egress/IPv4"));
        assert_ne!(a, derived_id("default/egress/IPv6"));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
