//! Members and invitations (spec §9.4, O1 `Member`, `Invitation`).
//!
//! Members: list, get, change role, remove; an organization always keeps one admin.
//! Invitations: list, create (email validated and stored lowercase; one pending
//! invitation per address, none for members; valid 7 days), get, delete. Accepting an
//! invitation happens in the console, not in this API, so invitations never turn into
//! members here (I).
//!
//! May touch: the `members` and `invitations` tables, `activities::record`. Rules live in
//! `validate::org`.

use serde_json::{json, Value};

use super::activities;
use super::roles;
use super::model::{Invitation, Member};
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::Cx;
use crate::validation::{FieldError, Fields};

/// Invitations expire 7 days after they are sent (I).
const INVITATION_TTL_SECS: u64 = 7 * 24 * 3600;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListMembers => {
            let mut members = ch.members.list(&call.org.id);
            members.sort_by(|a, b| (a.joined_at, &a.user_id).cmp(&(b.joined_at, &b.user_id)));
            Ok(Out::Result(Value::Array(members.iter().map(|m| member_view(ch, m, call.cx)).collect())))
        }
        Op::GetMember { user } => Ok(Out::Result(member_view(ch, &find_member(ch, call, user)?, call.cx))),
        Op::UpdateMember { user } => update_member(ch, call, user),
        Op::DeleteMember { user } => delete_member(ch, call, user),
        Op::ListInvitations => {
            let mut list = ch.invitations.list(&call.org.id);
            list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            Ok(Out::Result(Value::Array(list.iter().map(|i| invitation_view(ch, i, call.cx)).collect())))
        }
        Op::CreateInvitation => create_invitation(ch, call),
        Op::GetInvitation { invitation } => {
            Ok(Out::Result(invitation_view(ch, &find_invitation(ch, call, invitation)?, call.cx)))
        }
        Op::DeleteInvitation { invitation } => {
            find_invitation(ch, call, invitation)?;
            ch.invitations.remove(&call.org.id, invitation);
            activities::record(ch, call, "organization_invite_delete", None);
            Ok(Out::Empty)
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn find_member(ch: &ClickHouse, call: &Call, id: &str) -> Result<Member, ChError> {
    ch.members.get(&call.org.id, id).ok_or_else(|| ChError::not_found("Member", id))
}

fn find_invitation(ch: &ClickHouse, call: &Call, id: &str) -> Result<Invitation, ChError> {
    ch.invitations.get(&call.org.id, id).ok_or_else(|| ChError::not_found("Invitation", id))
}

/// O1 `Member`: `{userId, name, email, role, joinedAt, assignedRoles}`.
pub fn member_view(ch: &ClickHouse, m: &Member, cx: &Cx) -> Value {
    json!({
        "userId": m.user_id,
        "name": m.name,
        "email": m.email,
        "role": m.role,
        "joinedAt": cx.iso(m.joined_at),
        "assignedRoles": roles::assigned(ch, &m.org_id, std::slice::from_ref(&m.role), Some(&actor(&m.user_id)), &[]),
    })
}

/// O1 `Invitation`: `{id, email, role?, createdAt, expireAt, assignedRoles}` (`role` only
/// when the invitation carries one).
pub fn invitation_view(ch: &ClickHouse, i: &Invitation, cx: &Cx) -> Value {
    let mut v = json!({
        "id": i.id,
        "email": i.email,
        "createdAt": cx.iso(i.created_at),
        "expireAt": cx.iso(i.expire_at),
        "assignedRoles": roles::assigned(ch, &i.org_id, i.role.as_slice(), None, &i.custom_role_ids),
    });
    if let Some(role) = &i.role {
        v["role"] = json!(role);
    }
    v
}

/// The role-member name of a member (`user/<userId>`, official `RoleCreateRequest.actors`).
fn actor(user: &str) -> String {
    format!("user/{user}")
}

/// The roles a body names through `role` (deprecated, what older clients send) and
/// `assignedRoleIds`: `None` when neither field is given, else the system role names
/// (possibly none: `assignedRoleIds: []`) and the custom role ids.
fn roles_named(ch: &ClickHouse, call: &Call, f: &Fields) -> Result<Option<rules::RoleRefs>, FieldError> {
    let role = f.str("role")?.map(rules::member_role).transpose()?;
    let org = &call.org.id;
    let assigned = f
        .strings("assignedRoleIds")?
        .map(|ids| rules::assigned_role_ids(&ids, rules::MEMBER_ROLES, |id| roles::is_custom(ch, org, id)))
        .transpose()?;
    Ok(match (role, assigned) {
        (None, None) => None,
        (r, a) => {
            let mut refs = a.unwrap_or_default();
            refs.system.extend(r);
            Some(refs)
        }
    })
}

/// A member's role from a body (given several, admin wins; a member always keeps one
/// system role) and the custom roles it names.
fn role_of(ch: &ClickHouse, call: &Call, f: &Fields) -> Result<Option<(String, Vec<String>)>, FieldError> {
    match roles_named(ch, call, f)? {
        None => Ok(None),
        Some(refs) if refs.system.is_empty() && refs.custom.is_empty() => {
            Err(FieldError::says("assignedRoleIds", "must not be empty"))
        }
        Some(refs) => {
            let system = if refs.system.is_empty() { "developer".to_owned() } else { rules::member_role_of(&refs.system) };
            Ok(Some((system, refs.custom)))
        }
    }
}

fn admins_without(ch: &ClickHouse, org: &str, user: &str) -> usize {
    ch.members.list_where(org, |m| m.role == "admin" && m.user_id != user).len()
}

/// PATCH `ORG/members/{userId}` (admin): `{role}` or `{assignedRoleIds}`; demoting the
/// last admin → 400 (I). Activity `organization_member_update_role` when it changes.
fn update_member(ch: &ClickHouse, call: &Call, user: &str) -> Res {
    let current = find_member(ch, call, user)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["role", "assignedRoleIds"], call.settings.strict_unknown_fields)?;
    let (role, custom) = role_of(ch, call, &f)?.ok_or_else(|| FieldError::required("role"))?;
    if role != "admin" && current.role == "admin" {
        rules::keeps_an_admin(admins_without(ch, &call.org.id, user))?;
    }
    let stored = ch
        .members
        .update(&call.org.id, user, |m| {
            m.role = role.clone();
            m.clone()
        })
        .ok_or_else(|| ChError::not_found("Member", user))?;
    roles::set_memberships(ch, &call.org.id, &actor(user), &custom);
    if stored.role != current.role {
        activities::record(ch, call, "organization_member_update_role", None);
    }
    Ok(Out::Result(member_view(ch, &stored, call.cx)))
}

/// DELETE `ORG/members/{userId}` (admin): never the last admin (I). Activity
/// `organization_member_delete`.
fn delete_member(ch: &ClickHouse, call: &Call, user: &str) -> Res {
    let m = find_member(ch, call, user)?;
    if m.role == "admin" {
        rules::keeps_an_admin(admins_without(ch, &call.org.id, user))?;
    }
    ch.members.remove(&call.org.id, user);
    roles::set_memberships(ch, &call.org.id, &actor(user), &[]);
    activities::record(ch, call, "organization_member_delete", None);
    Ok(Out::Empty)
}

/// POST `ORG/invitations` (admin): `{email, role? | assignedRoleIds?}`; neither field: the
/// `developer` role (I); `assignedRoleIds: []` (what `clickhousectl invitation create` sends
/// without `--role-id`): no role, as the live API accepts it.
/// An address that is already a member, or has a pending (unexpired) invitation → 409.
/// `expireAt = createdAt + 7 days`. Activity `organization_invite_create`.
fn create_invitation(ch: &ClickHouse, call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let cx = call.cx;
    v::unknown_fields(&f, &["email", "role", "assignedRoleIds"], call.settings.strict_unknown_fields)?;
    let email = f.str("email")?.ok_or_else(|| FieldError::required("email"))?;
    let email = rules::email(email)?;
    let (role, custom_role_ids) = match roles_named(ch, call, &f)? {
        None => (Some("developer".to_owned()), Vec::new()),
        Some(refs) if refs.system.is_empty() => (None, refs.custom),
        Some(refs) => (Some(rules::member_role_of(&refs.system)), refs.custom),
    };
    let member = ch.members.list_where(&call.org.id, |m| m.email.eq_ignore_ascii_case(&email)).into_iter().next();
    let pending = ch.invitations.list_where(&call.org.id, |i| i.email == email && i.expire_at > cx.now);
    rules::email_free(&email, member.is_some(), !pending.is_empty())?;
    let inv = Invitation {
        id: cx.ids.uuid(),
        org_id: call.org.id.clone(),
        email,
        role,
        custom_role_ids,
        created_at: cx.now,
        expire_at: cx.now.plus_secs(INVITATION_TTL_SECS),
    };
    ch.invitations.insert(&call.org.id, &inv.id, inv.clone());
    activities::record(ch, call, "organization_invite_create", None);
    Ok(Out::Result(invitation_view(ch, &inv, cx)))
}
