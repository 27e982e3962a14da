//! API keys (spec §9.3, O1 `ApiKey*`): list, create, get, update, delete.
//!
//! A key has a management `id` (the path's `keyId`, a UUID) and a key ID that HTTP Basic
//! sends (§2.7). Generated key IDs are 20 uppercase alphanumerics and secrets `4b1d` + 38
//! alphanumerics; both come from the seeded RNG. A key created from `hashData` has no
//! secret and no known key ID: it is stored under the key ID `sha256:<keyIdHash>:<suffix>`
//! (never sendable as a Basic user name, which cannot hold `:`), and `auth.rs` finds it
//! through [`hashed_key_id`] of the key ID a client presents.
//!
//! May touch: the `keys`, `key_index` and `rate` tables, `activities::record_with`, the
//! `apiKeyIds` of Query API endpoints (a deleted key leaves them).
//! Rules live in `validate::org`. Secrets are never returned after creation.

use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::activities;
use super::roles;
use super::model::ApiKey;
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::Cx;
use crate::validation::{FieldError, Fields};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListKeys => list(ch, call),
        Op::CreateKey => create(ch, call),
        Op::GetKey { key } => Ok(Out::Result(view(ch, &*find(ch, call, key)?, call.cx))),
        Op::UpdateKey { key } => update(ch, call, key),
        Op::DeleteKey { key } => delete(ch, call, key),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// GET `ORG/keys`, oldest first. Without `limit` and `cursor` every key in one answer, as
/// the official document describes `openapiKeyGetList` (no paging parameters, `result` an
/// array); with either, one cursor page (`cursor_pages.rs`: `limit`, `totalCount` and
/// `nextCursor` beside `result`), the shape `clickhousectl` 0.5.0's `key list --limit
/// --cursor --all` sends and decodes (learnt from its binary; no document has it). The
/// cursor key is `(createdAt in ms, id)`.
fn list(ch: &ClickHouse, call: &Call) -> Res {
    let paging = super::cursor_pages::params(call.req)?;
    let mut keys = ch.keys.list(&call.org.id);
    keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let Some(paging) = paging else {
        return Ok(Out::Result(Value::Array(keys.iter().map(|k| view(ch, k, call.cx)).collect())));
    };
    let page = super::cursor_pages::cut(keys, &paging, |k| (k.created_at.millis(), k.id.as_str()));
    Ok(Out::Cursor(super::cursor_pages::Page {
        items: page.items.iter().map(|k| view(ch, k, call.cx)).collect(),
        limit: page.limit,
        total: page.total,
        next: page.next,
    }))
}

fn find(ch: &ClickHouse, call: &Call, id: &str) -> Result<Arc<ApiKey>, ChError> {
    ch.keys.get(&call.org.id, id).ok_or_else(|| ChError::not_found("API key", id))
}

const HASHED_PREFIX: &str = "sha256:";

/// The stored key ID of a `hashData` key that a presented key ID would match: the
/// base64 SHA-256 of the key ID and its last 4 characters (`keyIdSuffix`, §2.7).
pub fn hashed_key_id(presented: &str) -> Option<String> {
    let chars: Vec<char> = presented.chars().collect();
    let suffix: String = chars.get(chars.len().checked_sub(4)?..)?.iter().collect();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(presented.as_bytes()));
    Some(format!("{HASHED_PREFIX}{hash}:{suffix}"))
}

/// `keySuffix` (O1): the last 4 characters of the key ID.
fn key_suffix(k: &ApiKey) -> String {
    if let Some(rest) = k.key_id.strip_prefix(HASHED_PREFIX) {
        return rest.rsplit(':').next().unwrap_or("").to_owned();
    }
    let chars: Vec<char> = k.key_id.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// O1 `ApiKey`: `{id, name, state, roles, assignedRoles, keySuffix, createdAt, expireAt?,
/// usedAt?, ipAccessList}`; never the secret.
pub fn view(ch: &ClickHouse, k: &ApiKey, cx: &Cx) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(k.id));
    m.insert("name".into(), json!(k.name));
    m.insert("state".into(), json!(k.state));
    m.insert("roles".into(), json!(k.roles));
    m.insert("assignedRoles".into(), roles::assigned(ch, &k.org_id, &k.roles, Some(&actor(&k.id)), &[]));
    m.insert("keySuffix".into(), json!(key_suffix(k)));
    m.insert("createdAt".into(), json!(cx.iso(k.created_at)));
    if let Some(t) = k.expire_at {
        m.insert("expireAt".into(), json!(cx.iso(t)));
    }
    if let Some(t) = k.used_at {
        m.insert("usedAt".into(), json!(cx.iso(t)));
    }
    m.insert("ipAccessList".into(), json!(k.ip_access_list));
    Value::Object(m)
}

const CREATE_FIELDS: &[&str] = &["name", "roles", "assignedRoleIds", "state", "expireAt", "hashData", "ipAccessList"];

/// The role-member name of a key (`apiKey/<id>`, official `RoleCreateRequest.actors`).
pub fn actor(id: &str) -> String {
    format!("apiKey/{id}")
}

/// The system roles and custom role ids a key body names (`None`: not given).
type KeyRoles = (Option<Vec<String>>, Option<Vec<String>>);

/// `roles` and/or `assignedRoleIds` of a body, validated: the system roles (`None` when
/// neither field is given) and the custom role ids (`None` without `assignedRoleIds`).
fn roles_of(ch: &ClickHouse, call: &Call, f: &Fields) -> Result<KeyRoles, FieldError> {
    let roles = f.strings("roles")?.map(|r| rules::role_names("roles", &r, rules::KEY_ROLES)).transpose()?;
    let org = &call.org.id;
    let assigned = f
        .strings("assignedRoleIds")?
        .map(|ids| rules::assigned_role_ids(&ids, rules::KEY_ROLES, |id| roles::is_custom(ch, org, id)))
        .transpose()?;
    let custom = assigned.as_ref().map(|a| a.custom.clone());
    if roles.is_none() && assigned.is_none() {
        return Ok((None, None));
    }
    Ok((Some(rules::roles_given(roles, assigned.map(|a| a.system))?), custom))
}

/// POST `ORG/keys` (admin): validated in full, then stored and indexed so that the new
/// key authenticates on the very next request (I). Activity `key_create`.
fn create(ch: &ClickHouse, call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let s = &call.settings;
    let cx = call.cx;
    v::unknown_fields(&f, CREATE_FIELDS, s.strict_unknown_fields)?;
    let name = f.str("name")?.ok_or_else(|| FieldError::required("name"))?;
    let name = rules::key_name(name)?;
    let (roles, custom_roles) = roles_of(ch, call, &f)?;
    let roles = roles.unwrap_or_default();
    let state = f.str("state")?.map(rules::key_state).transpose()?.unwrap_or_else(|| "enabled".into());
    let now_utc = cx.clock.to_utc(cx.now);
    let expire_at = f.str("expireAt")?.map(|t| rules::expire_at(t, now_utc)).transpose()?;
    let hashes = f.object("hashData")?.map(rules::hash_data).transpose()?;
    let ip_access_list = match f.array("ipAccessList")? {
        Some(items) => v::ip_access_list(items, s.allow_ipv6, s.max_ip_access_entries)?,
        None => Vec::new(),
    };
    rules::key_quota(ch.keys.list(&call.org.id).len(), s.max_api_keys)?;

    let id = cx.ids.uuid();
    let (key_id, secret, secret_hash) = match &hashes {
        Some(h) => {
            let key_id = format!("{HASHED_PREFIX}{}:{}", h.key_id_hash, h.key_id_suffix);
            if ch.key_index.contains("", &key_id) {
                return Err(ChError::Conflict("An API key with this keyIdHash already exists".into()));
            }
            (key_id, None, Some(h.key_secret_hash.clone()))
        }
        None => {
            // 36^20 ids: a clash is near impossible, but never hand out a taken one.
            let mut key_id = cx.ids.alnum_upper(20);
            while ch.key_index.contains("", &key_id) {
                key_id = cx.ids.alnum_upper(20);
            }
            (key_id, Some(format!("4b1d{}", cx.ids.alnum(38))), None)
        }
    };
    let key = ApiKey {
        id: id.clone(),
        org_id: call.org.id.clone(),
        key_id: key_id.clone(),
        key_secret: secret.as_deref().map(crate::secret::Secret::new),
        key_secret_hash: secret_hash,
        name,
        state,
        roles,
        created_at: cx.now,
        expire_at: expire_at.map(|t| cx.clock.from_utc(t)),
        used_at: None,
        ip_access_list,
    };
    ch.add_key(key.clone());
    if let Some(custom) = &custom_roles {
        roles::set_memberships(ch, &call.org.id, &actor(&id), custom);
    }
    activities::record_with(ch, call, "key_create", None, Some(&id), None);
    let mut result = Map::new();
    result.insert("key".into(), view(ch, &key, cx));
    // O1: keyId and keySecret are omitted when the key was created from hashData.
    if let Some(secret) = secret {
        result.insert("keyId".into(), json!(key_id));
        result.insert("keySecret".into(), json!(secret));
    }
    Ok(Out::Result(Value::Object(result)))
}

const UPDATE_FIELDS: &[&str] = &["name", "roles", "assignedRoleIds", "expireAt", "state", "ipAccessList"];

/// PATCH `ORG/keys/{keyId}` (admin): `name`, `roles`/`assignedRoleIds`, `expireAt`
/// (explicit `null` clears it, §9.3), `state`, `ipAccessList` (an array replaces the
/// whole list). One `openapi_key_update` activity per kind of change, with its
/// `keyUpdateType`.
fn update(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let current = find(ch, call, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let s = &call.settings;
    let cx = call.cx;
    v::unknown_fields(&f, UPDATE_FIELDS, s.strict_unknown_fields)?;
    let mut next = ApiKey::clone(&current);
    let mut changes: Vec<&'static str> = Vec::new();
    if let Some(name) = f.str("name")? {
        next.name = rules::key_name(name)?;
        if next.name != current.name {
            changes.push("name-changed");
        }
    }
    let (system_roles, custom_roles) = roles_of(ch, call, &f)?;
    if let Some(roles) = system_roles {
        next.roles = roles;
        if next.roles != current.roles {
            changes.push("role-changed");
        }
    }
    if let Some(state) = f.str("state")? {
        next.state = rules::key_state(state)?;
        if next.state != current.state {
            changes.push("state-changed");
        }
    }
    if f.has_key("expireAt") {
        let now_utc = cx.clock.to_utc(cx.now);
        next.expire_at =
            f.str("expireAt")?.map(|t| rules::expire_at(t, now_utc)).transpose()?.map(|t| cx.clock.from_utc(t));
        if next.expire_at != current.expire_at {
            changes.push("date-changed");
        }
    }
    if let Some(items) = f.array("ipAccessList")? {
        next.ip_access_list = v::ip_access_list(items, s.allow_ipv6, s.max_ip_access_entries)?;
        if next.ip_access_list != current.ip_access_list {
            changes.push("ip-access-list-changed");
        }
    }
    let stored = ch
        .keys
        .update(&call.org.id, id, |k| {
            // Keep what moved meanwhile (usedAt); take the patch.
            let used_at = k.used_at;
            *k = Arc::new(ApiKey { used_at, ..next.clone() });
            k.clone()
        })
        .ok_or_else(|| ChError::not_found("API key", id))?;
    if let Some(custom) = &custom_roles {
        roles::set_memberships(ch, &call.org.id, &actor(id), custom);
    }
    for change in changes {
        activities::record_with(ch, call, "openapi_key_update", None, Some(id), Some(change));
    }
    Ok(Out::Result(view(ch, &stored, cx)))
}

/// DELETE `ORG/keys/{keyId}` (admin): never the key of the request itself (O1). The key
/// ID leaves the Basic-auth index at once, so the key stops authenticating.
fn delete(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let key = find(ch, call, id)?;
    rules::not_own_key(&key.id, &call.key.id)?;
    ch.keys.remove(&call.org.id, id);
    ch.key_index.remove("", &key.key_id);
    ch.rate.remove("", &key.key_id);
    roles::set_memberships(ch, &call.org.id, &actor(id), &[]);
    super::query_api_endpoints::forget_key(ch, &call.org.id, id);
    activities::record_with(ch, call, "key_delete", None, Some(id), None);
    Ok(Out::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_key_ids_carry_the_suffix() {
        let id = hashed_key_id("ABCDEFGHIJKLMNOPQRST").unwrap();
        assert!(id.starts_with("sha256:"));
        assert!(id.ends_with(":QRST"));
        assert!(hashed_key_id("abc").is_none());
    }
}
