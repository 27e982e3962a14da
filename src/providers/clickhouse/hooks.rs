//! `/_sim/clickhouse/...`: control hooks of the ClickHouse provider (spec §8.4, §6.2).
//!
//! - `POST organizations` adds an organization with an admin key (`keyId`, `keySecret`)
//!   and an admin member; body fields as in `PATCH` below plus `id`, `name`.
//! - `PATCH organizations/{id}`: hidden attributes (`tier`, `paid`, `legacyTiers`,
//!   `privatePreview`, `numReplicasAdjustable`, `queryEndpointsEnabled`,
//!   `horizontalAutoscaling`, `scheduledUpgrades`, `scheduledAutoscaling`) and
//!   `enableCoreDumps`, `byocConfig`.
//! - `POST organizations/{id}/members {"name", "email", "role"}`: add a member, as if an
//!   invitation had been accepted in the console (the API has no such call, §9.4).
//! - `POST services/{id}/state {"state": "failed"}`: force a state now; a transitional
//!   state then completes on the clock (`services::force_state`).
//! - `POST services/{id}/activity`: user activity (wakes an idle service).
//! - `GET services/{id}/password-hash`: `{sha256Base64, doubleSha1Hex}`.
//! - `PUT udfUploads/{uploadId}`: the presigned upload URL of `udfUploadSessionCreate`
//!   (any body; the archive is not built).

use std::sync::Arc;

use hyper::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::model::*;
use super::services;
use super::ClickHouse;
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

/// The upload hook takes the archive as clients send it (`application/zip`, ...), not
/// as JSON: the control API's Content-Type rule does not apply to it.
pub fn takes_opaque_body(segs: &[&str]) -> bool {
    matches!(segs, ["udfUploads", _])
}

pub fn handle(ch: &ClickHouse, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
    let m = &req.method;
    Some(match segs {
        ["organizations"] if m == Method::POST => add_org(ch, req, cx),
        ["organizations", id] if m == Method::PATCH => patch_org(ch, req, id),
        ["organizations", id, "members"] if m == Method::POST => add_member(ch, req, id, cx),
        ["services", id, "state"] if m == Method::POST => force_state(ch, req, id, cx),
        ["services", id, "activity"] if m == Method::POST => match find(ch, id) {
            Some(s) => match services::touch_activity(ch, &s.org_id, id, cx) {
                Some(s) => ok(json!({"id": s.id, "state": s.state.as_str()})),
                None => not_found(format!("service {id} not found")),
            },
            None => not_found(format!("service {id} not found")),
        },
        ["udfUploads", id] if m == Method::PUT => {
            if super::udfs::receive_upload(ch, id, cx) {
                ok(json!({"uploadId": id, "received": req.body.len()}))
            } else {
                not_found(format!("upload {id} not found or expired"))
            }
        }
        ["services", id, "password-hash"] if m == Method::GET => match find(ch, id) {
            Some(s) => ok(json!({"sha256Base64": s.password.sha256_base64(), "doubleSha1Hex": s.password.double_sha1_hex()})),
            None => not_found(format!("service {id} not found")),
        },
        _ => return None,
    })
}

/// A service of any organization by id.
pub fn find(ch: &ClickHouse, id: &str) -> Option<Service> {
    ch.services.all().into_iter().map(|(_, s)| s).find(|s| s.id == id && !s.state.is_removed())
}

/// The body as a JSON object, or the refusal (boxed: a reply keeps its headers inline).
fn body(req: &Request) -> Result<Map<String, Value>, Box<Reply>> {
    json_object(req).map_err(|e| Box::new(bad(e.to_string())))
}

/// Applies the hidden attributes, `enableCoreDumps` and `byocConfig` of `body` to `org`.
fn apply_org_fields(org: &mut Organization, body: &Map<String, Value>) -> Result<(), String> {
    let mut attrs = serde_json::to_value(&org.hidden).map_err(|e| e.to_string())?;
    const ATTRIBUTES: &[&str] = &[
        "tier",
        "paid",
        "legacyTiers",
        "privatePreview",
        "numReplicasAdjustable",
        "queryEndpointsEnabled",
        "horizontalAutoscaling",
        "scheduledUpgrades",
        "scheduledAutoscaling",
    ];
    for key in ATTRIBUTES {
        if let Some(v) = body.get(*key) {
            attrs[*key] = v.clone();
        }
    }
    org.hidden = serde_json::from_value(attrs).map_err(|e| format!("bad organization attribute: {e}"))?;
    if let Some(v) = body.get("enableCoreDumps") {
        org.enable_core_dumps = v.as_bool().ok_or("enableCoreDumps must be a boolean")?;
    }
    if let Some(v) = body.get("byocConfig") {
        org.byoc_config = serde_json::from_value(v.clone()).map_err(|e| format!("bad byocConfig: {e}"))?;
    }
    if let Some(v) = body.get("name") {
        org.name = v.as_str().ok_or("name must be a string")?.to_owned();
    }
    Ok(())
}

fn add_org(ch: &ClickHouse, req: &Request, cx: &Cx) -> Reply {
    match body(req) {
        Ok(b) => match add_org_from(ch, &Value::Object(b), cx) {
            Ok(v) => ok(v),
            Err(e) => bad(e),
        },
        Err(r) => *r,
    }
}

/// Adds an organization with an admin key and an admin member (the control hook and
/// the scenario `identities:` section); answers its id and credentials.
pub fn add_org_from(ch: &ClickHouse, body: &Value, cx: &Cx) -> Result<Value, String> {
    let body = body.as_object().ok_or("an organization must be a mapping")?;
    let id = match body.get("id").and_then(Value::as_str) {
        Some(id) if super::validate::is_uuid(id) => id.to_owned(),
        Some(id) => return Err(format!("id '{id}' is not a UUID")),
        None => cx.ids.uuid(),
    };
    if ch.orgs.contains(&id, &id) {
        return Err(format!("organization {id} already exists"));
    }
    let key_id = body.get("keyId").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| cx.ids.alnum_upper(20));
    if ch.key_index.contains("", &key_id) {
        return Err(format!("key id '{key_id}' already exists"));
    }
    let key_secret = body
        .get("keySecret")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("4b1d{}", cx.ids.alnum(38)));
    let mut org = Organization {
        id: id.clone(),
        name: "sim-org".into(),
        created_at: cx.now,
        private_endpoints: Vec::new(),
        byoc_config: Vec::new(),
        enable_core_dumps: true,
        hidden: OrgAttributes::default(),
    };
    apply_org_fields(&mut org, body)?;
    ch.add_org(cx, org);
    let key_mgmt = cx.ids.uuid();
    ch.add_key(ApiKey {
        id: key_mgmt.clone(),
        org_id: id.clone(),
        key_id: key_id.clone(),
        key_secret: Some(crate::secret::Secret::new(&key_secret)),
        key_secret_hash: None,
        name: key_id.clone(),
        state: "enabled".into(),
        roles: vec!["admin".into()],
        created_at: cx.now,
        expire_at: None,
        used_at: None,
        ip_access_list: Vec::new(),
    });
    let member = cx.ids.uuid();
    ch.members.insert(
        &id,
        &member,
        Member {
            user_id: member.clone(),
            org_id: id.clone(),
            name: "Sim Admin".into(),
            email: "admin@sim.local".into(),
            role: "admin".into(),
            joined_at: cx.now,
        },
    );
    Ok(json!({"id": id, "keyId": key_id, "keySecret": key_secret, "keyManagementId": key_mgmt}))
}

fn patch_org(ch: &ClickHouse, req: &Request, id: &str) -> Reply {
    let body = match body(req) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Some(mut org) = ch.orgs.get(id, id) else { return not_found(format!("organization {id} not found")) };
    if let Err(e) = apply_org_fields(Arc::make_mut(&mut org), &body) {
        return bad(e);
    }
    ch.orgs.insert(id, id, org.clone());
    ok(json!({"id": org.id, "attributes": org.hidden, "enableCoreDumps": org.enable_core_dumps}))
}

fn add_member(ch: &ClickHouse, req: &Request, org: &str, cx: &Cx) -> Reply {
    let body = match body(req) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if !ch.orgs.contains(org, org) {
        return not_found(format!("organization {org} not found"));
    }
    let Some(email) = body.get("email").and_then(Value::as_str) else { return bad("email is required") };
    let email = match super::validate::org::email(email) {
        Ok(e) => e,
        Err(e) => return bad(e.to_string()),
    };
    let role = body.get("role").and_then(Value::as_str).unwrap_or("developer");
    if let Err(e) = super::validate::org::member_role(role) {
        return bad(e.to_string());
    }
    if !ch.members.list_where(org, |m| m.email == email).is_empty() {
        return bad(format!("member {email} already exists"));
    }
    let name = body.get("name").and_then(Value::as_str).unwrap_or(&email).to_owned();
    let member = Member {
        user_id: cx.ids.uuid(),
        org_id: org.to_owned(),
        name,
        email,
        role: role.to_owned(),
        joined_at: cx.now,
    };
    ch.members.insert(org, &member.user_id, member.clone());
    ok(json!({"userId": member.user_id, "email": member.email, "role": member.role}))
}

fn force_state(ch: &ClickHouse, req: &Request, id: &str, cx: &Cx) -> Reply {
    let body = match body(req) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Some(state) = body.get("state").and_then(Value::as_str) else { return bad("state is required") };
    let Some(to) = ServiceState::parse(state) else { return bad(format!("unknown service state '{state}'")) };
    let Some(s) = find(ch, id) else { return not_found(format!("service {id} not found")) };
    match services::force_state(ch, &s.org_id, id, to, cx) {
        Some(s) => ok(json!({"id": s.id, "state": s.state.as_str()})),
        None => not_found(format!("service {id} not found")),
    }
}
