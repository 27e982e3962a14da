//! Roles (`ORG/roles[/{roleId}]`: `organizationRolesGetList`, `organizationRolePost`,
//! `organizationRoleGet`, `organizationRolePatch`, `organizationRoleDelete`) and the
//! `assignedRoles` of keys, members and invitations.
//!
//! Owns the `roles` table of custom roles. The system roles (Admin, Developer, Query
//! Endpoints; fixed ids in `validate::org::SYSTEM_ROLES`) are listed with every
//! organization and cannot be changed or deleted (400, official). A custom role's `actors`
//! (`user/<userId>`, `apiKey/<keyId>`) are its members: `assignedRoleIds` of a key or a
//! member naming a custom role adds them, and the key's or member's `assignedRoles` lists
//! every role whose actors hold it; a deleted key or member leaves its roles. System
//! roles' actors are the keys and members that hold them. A key's custom roles grant what
//! their policies say (`access.rs`: the permission each operation needs, DENY over ALLOW,
//! `instance/<id>` / `instance/*` scopes), read on every request, so an update or delete of
//! a role takes effect on the next one; knob `enforceCustomRoles=false` keeps the earlier
//! reading (recorded, not enforced).
//! Authority: the official document (`RBACRole`, `RoleCreateRequest`, `RoleUpdateRequest`,
//! `RBACPolicyCreateRequest`).

use serde_json::{json, Value};

use super::model::{Policy, Role};
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::Cx;
use crate::validation::{FieldError, Fields, Rule};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListRoles => {
            let mut out: Vec<Value> =
                rules::SYSTEM_ROLES.iter().map(|(name, id, label)| system_view(ch, call, name, id, label)).collect();
            let mut custom = ch.roles.list(&call.org.id);
            custom.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            out.extend(custom.iter().map(|r| custom_view(r, call.cx)));
            Ok(Out::Result(Value::Array(out)))
        }
        Op::CreateRole => create(ch, call),
        Op::GetRole { role } => match system(role) {
            Some((name, id, label)) => Ok(Out::Result(system_view(ch, call, name, id, label))),
            None => Ok(Out::Result(custom_view(&find(ch, call, role)?, call.cx))),
        },
        Op::UpdateRole { role } => update(ch, call, role),
        Op::DeleteRole { role } => {
            if system(role).is_some() {
                return Err(ChError::BadRequest("System roles cannot be deleted".into()));
            }
            find(ch, call, role)?;
            ch.roles.remove(&call.org.id, role);
            super::query_api_endpoints::forget_role(ch, &call.org.id, role);
            ch.invitations.retain(|k, i| {
                if k.0 == call.org.id {
                    i.custom_role_ids.retain(|r| r != role);
                }
                true
            });
            Ok(Out::Empty)
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// A system role by id.
fn system(id: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    rules::SYSTEM_ROLES.iter().find(|(_, rid, _)| rid.eq_ignore_ascii_case(id))
}

fn find(ch: &ClickHouse, call: &Call, id: &str) -> Result<Role, ChError> {
    ch.roles.get(&call.org.id, id).ok_or_else(|| ChError::not_found("Role", id))
}

/// Whether `id` is a custom role of `org`.
pub fn is_custom(ch: &ClickHouse, org: &str, id: &str) -> bool {
    ch.roles.contains(org, id)
}

/// Official `RBACRole` of a system role: its actors are the keys and members holding it.
fn system_view(ch: &ClickHouse, call: &Call, name: &str, id: &str, label: &str) -> Value {
    let org = &call.org.id;
    let mut actors: Vec<String> =
        ch.members.list_where(org, |m| m.role == name).into_iter().map(|m| format!("user/{}", m.user_id)).collect();
    actors.extend(
        ch.keys.list_where(org, |k| k.roles.iter().any(|r| r == name)).into_iter().map(|k| format!("apiKey/{}", k.id)),
    );
    actors.sort();
    let created = call.cx.iso(call.org.created_at);
    json!({
        "id": id,
        "tenantId": format!("organization/{org}"),
        "ownerId": format!("organization/{org}"),
        "name": label,
        "type": "system",
        "actors": actors,
        "policies": [],
        "createdAt": created,
        "updatedAt": created,
    })
}

/// Official `RBACRole` of a custom role, with its policies (`RBACPolicy`).
pub fn custom_view(r: &Role, cx: &Cx) -> Value {
    let tenant = format!("organization/{}", r.org_id);
    let policies: Vec<Value> = r
        .policies
        .iter()
        .map(|p| {
            let mut v = json!({
                "id": p.id,
                "roleId": r.id,
                "tenantId": tenant,
                "allowDeny": p.allow_deny,
                "permissions": p.permissions,
                "resources": p.resources,
            });
            let mut tags = serde_json::Map::new();
            if let Some(g) = &p.grants {
                tags.insert("grants".into(), json!(g));
            }
            if let Some(r2) = &p.role_v2 {
                tags.insert("roleV2".into(), json!(r2));
            }
            if !tags.is_empty() {
                v["tags"] = Value::Object(tags);
            }
            v
        })
        .collect();
    json!({
        "id": r.id,
        "tenantId": tenant,
        "ownerId": tenant,
        "name": r.name,
        "type": "custom",
        "actors": r.actors,
        "policies": policies,
        "createdAt": cx.iso(r.created_at),
        "updatedAt": cx.iso(r.updated_at),
    })
}

/// `actors`: each `user/<userId>` of a member or `apiKey/<keyId>` of a key of the
/// organization; duplicates collapse.
fn actors(ch: &ClickHouse, call: &Call, items: &[&str]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for (i, a) in items.iter().enumerate() {
        let known = match a.split_once('/') {
            Some(("user", id)) => ch.members.contains(&call.org.id, id),
            Some(("apiKey", id)) => ch.keys.contains(&call.org.id, id),
            _ => false,
        };
        if !known {
            return Err(FieldError::says(format!("actors[{i}]"), format!("'{a}' is not a member or API key of this organization")));
        }
        if !out.iter().any(|x| x == a) {
            out.push((*a).to_owned());
        }
    }
    Ok(out)
}

/// `policies[i]` (official `RBACPolicyCreateRequest`): `allowDeny`, `permissions` and
/// `resources` required; `tags.grants`, `tags.roleV2` optional.
fn policies(call: &Call, items: &[Value]) -> Result<Vec<Policy>, FieldError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("policies[{i}]");
        let obj = item.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
        let prefix = format!("{field}.");
        let f = Fields::with_prefix(obj, &prefix);
        let allow_deny = f.str("allowDeny")?.ok_or_else(|| FieldError::required(f.name("allowDeny")))?;
        let allow_deny = rules::allow_deny(&f.name("allowDeny"), allow_deny)?;
        let permissions = f.strings("permissions")?.ok_or_else(|| FieldError::required(f.name("permissions")))?;
        let permissions = rules::permissions(&f.name("permissions"), &permissions)?;
        let resources = f.strings("resources")?.ok_or_else(|| FieldError::required(f.name("resources")))?;
        let (grants, role_v2) = match f.object("tags")? {
            Some(tags) => {
                let tp = format!("{prefix}tags.");
                let tf = Fields::with_prefix(tags, &tp);
                let grants = tf.strings("grants")?.map(|g| g.into_iter().map(str::to_owned).collect());
                let role_v2 = tf.str("roleV2")?.map(|r| rules::role_v2(&tf.name("roleV2"), r)).transpose()?;
                (grants, role_v2)
            }
            None => (None, None),
        };
        out.push(Policy {
            id: call.cx.ids.uuid(),
            allow_deny,
            permissions,
            resources: resources.into_iter().map(str::to_owned).collect(),
            grants,
            role_v2,
        });
    }
    Ok(out)
}

/// `organizationRolePost`: `name`, `actors`, `policies` required (official); the name is
/// unique in the organization, system names included (409).
fn create(ch: &ClickHouse, call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["name", "actors", "policies"], call.settings.strict_unknown_fields)?;
    let name = f.str("name")?.ok_or_else(|| FieldError::required("name"))?;
    let name = rules::role_name(name)?;
    let actor_list = f.strings("actors")?.ok_or_else(|| FieldError::required("actors"))?;
    let actor_list = actors(ch, call, &actor_list)?;
    let policy_items = f.array("policies")?.ok_or_else(|| FieldError::required("policies"))?;
    let policy_list = policies(call, policy_items)?;
    name_free(ch, call, &name, None)?;
    let now = call.cx.now;
    let role = Role {
        id: call.cx.ids.uuid(),
        org_id: call.org.id.clone(),
        name,
        actors: actor_list,
        policies: policy_list,
        created_at: now,
        updated_at: now,
    };
    ch.roles.insert(&call.org.id, &role.id, role.clone());
    Ok(Out::Result(custom_view(&role, call.cx)))
}

fn name_free(ch: &ClickHouse, call: &Call, name: &str, except: Option<&str>) -> Result<(), ChError> {
    let system = rules::SYSTEM_ROLES.iter().any(|(_, _, label)| label.eq_ignore_ascii_case(name));
    let custom = !ch.roles.list_where(&call.org.id, |r| r.name.eq_ignore_ascii_case(name) && Some(r.id.as_str()) != except).is_empty();
    if system || custom {
        return Err(ChError::Conflict(format!("A role named '{name}' already exists")));
    }
    Ok(())
}

/// `organizationRolePatch`: system roles cannot be updated (400); given fields replace.
fn update(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    if system(id).is_some() {
        return Err(ChError::BadRequest("System roles cannot be updated".into()));
    }
    let mut role = find(ch, call, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["name", "actors", "policies"], call.settings.strict_unknown_fields)?;
    if let Some(name) = f.str("name")? {
        role.name = rules::role_name(name)?;
        name_free(ch, call, &role.name, Some(id))?;
    }
    if let Some(list) = f.strings("actors")? {
        role.actors = actors(ch, call, &list)?;
    }
    if let Some(items) = f.array("policies")? {
        role.policies = policies(call, items)?;
    }
    role.updated_at = call.cx.now;
    ch.roles.insert(&call.org.id, id, role.clone());
    Ok(Out::Result(custom_view(&role, call.cx)))
}

/// Makes `actor` a member of exactly the custom roles `ids` of `org`.
pub fn set_memberships(ch: &ClickHouse, org: &str, actor: &str, ids: &[String]) {
    ch.roles.retain(|k, r| {
        if k.0 == org {
            let wanted = ids.contains(&r.id);
            let has = r.actors.iter().any(|a| a == actor);
            if wanted && !has {
                r.actors.push(actor.to_owned());
            } else if !wanted && has {
                r.actors.retain(|a| a != actor);
            }
        }
        true
    });
}

/// `assignedRoles` (official `AssignedRole`) of an actor holding the system roles
/// `system` and whichever custom roles list it.
pub fn assigned(ch: &ClickHouse, org: &str, system: &[String], actor: Option<&str>, extra: &[String]) -> Value {
    let mut out: Vec<Value> = rules::SYSTEM_ROLES
        .iter()
        .filter(|(name, _, _)| system.iter().any(|r| r == name))
        .map(|(_, id, label)| json!({"roleId": id, "roleName": label, "roleType": "system"}))
        .collect();
    if actor.is_some() || !extra.is_empty() {
        let mut custom =
            ch.roles.list_where(org, |r| extra.contains(&r.id) || actor.is_some_and(|a| r.actors.iter().any(|x| x == a)));
        custom.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        out.extend(custom.iter().map(|r| json!({"roleId": r.id, "roleName": r.name, "roleType": "custom"})));
    }
    Value::Array(out)
}
