//! Service query endpoints: E7 GET, E8 DELETE, E9 POST (upsert) of
//! `SVC/serviceQueryEndpoint`, and the alias `SVC/queryEndpoint` a real client uses (S36–S38,
//! knob `rcAliases`; the router sends both here). Spec §4.6, §5 E7–E9, CH-R40..R42.
//!
//! Owns `Service::query_endpoint`. May touch: `ClickHouse::{services, keys, key_index}`
//! (reads of keys only), `activities`. Authority: SEED-A 394–480.
//!
//! The feature is experimental and enabled per organization by support (SEED-A 396): an
//! organization with `queryEndpointsEnabled=false` gets 403 on all three operations, before
//! the service is looked up (like a permission check). The writes leave no activity: the
//! official `Activity.type` enum has no type for them.

use super::model::*;
use super::routes::Op;
use super::validate as v;
use super::view;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    if !call.org.hidden.query_endpoints_enabled {
        return Err(ChError::Forbidden("Service query endpoints are not enabled for this organization".into()));
    }
    match op {
        Op::GetQueryEndpoint { service } => get(ch, call, service),
        Op::DeleteQueryEndpoint { service } => delete(ch, call, service),
        Op::UpsertQueryEndpoint { service } => upsert(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn not_configured() -> ChError {
    ChError::NotFound("Service query endpoint not found".into())
}

/// E7: the endpoint, or 404 when none is configured (O3 reads 404 as "none"; it must not be
/// 400/403).
fn get(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let q = s.query_endpoint.as_ref().ok_or_else(not_configured)?;
    Ok(Out::Result(view::query_endpoint(q)))
}

/// §6.4 "Configure" row: refused (409) once the deletion has begun.
fn require_configurable(s: &Service) -> Result<(), ChError> {
    match s.state.permits(StateOp::Configure, false) {
        Permit::No => Err(ChError::Conflict(format!(
            "Cannot update the query endpoint of service in state '{}'",
            s.state.as_str()
        ))),
        Permit::Yes | Permit::NoOp => Ok(()),
    }
}

/// E8: removes the endpoint; `{status, requestId}` (O1); 404 when none (I).
fn delete(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    require_configurable(&s)?;
    ch.services
        .update(&call.org.id, service, |svc| {
            require_configurable(svc)?;
            svc.query_endpoint.take().map(|_| ()).ok_or_else(not_configured)
        })
        .ok_or_else(|| ChError::not_found("Service", service))??;
    Ok(Out::Empty)
}

/// A validated E9 body.
struct QueryEndpointSpec {
    roles: Vec<String>,
    open_api_keys: Vec<String>,
    allowed_origins: Option<String>,
}

/// E9 validation: CH-R40 `roles`, CH-R41 `openApiKeys`, CH-R42 `allowedOrigins`.
///
/// `openApiKeys` names keys by their UUID (the management `id`, the path's `keyId`), as the
/// live API binds them: `clickhousectl` (`cloud/service_query.rs`) creates a key and binds
/// `key.id`. A key ID (the Basic-auth user name, the spec's earlier reading of A-18) is
/// accepted too, and kept as given. `allowedOrigins: ""` is what `clickhousectl` sends when
/// no origins are given (`unwrap_or_default`): it means unset, like an absent field.
fn upsert_spec(ch: &ClickHouse, call: &Call) -> Result<QueryEndpointSpec, ChError> {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["roles", "openApiKeys", "allowedOrigins"], call.settings.strict_unknown_fields)?;
    let roles = f.strings("roles")?.ok_or_else(|| FieldError::required("roles"))?;
    let roles = v::query_endpoint_roles(&roles)?;
    let keys = f.strings("openApiKeys")?.ok_or_else(|| FieldError::required("openApiKeys"))?;
    let org = &call.org.id;
    let open_api_keys = v::open_api_keys(&keys, |reference| {
        let by_uuid = || ch.keys.get(org, reference);
        let by_key_id = || {
            ch.key_index
                .get("", reference)
                .filter(|(key_org, _)| key_org == org)
                .and_then(|(key_org, mgmt)| ch.keys.get(&key_org, &mgmt))
        };
        by_uuid().or_else(by_key_id).is_some_and(|k| k.state == "enabled")
    })?;
    let allowed_origins =
        f.str("allowedOrigins")?.filter(|o| !o.trim().is_empty()).map(v::allowed_origins).transpose()?;
    Ok(QueryEndpointSpec { roles, open_api_keys, allowed_origins })
}

/// E9: creates the endpoint with a new id, or replaces it keeping its id (SEED-A 441–480).
fn upsert(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let spec = upsert_spec(ch, call)?;
    require_configurable(&s)?;
    let cx = call.cx;
    let endpoint = ch
        .services
        .update(&call.org.id, service, |svc| {
            require_configurable(svc)?;
            // A new id only when there was none, so a replace keeps it and uses no id.
            let id = match &svc.query_endpoint {
                Some(q) => q.id.clone(),
                None => cx.ids.uuid(),
            };
            let q = QueryEndpoint {
                id,
                open_api_keys: spec.open_api_keys,
                roles: spec.roles,
                allowed_origins: spec.allowed_origins,
            };
            svc.query_endpoint = Some(Box::new(q.clone()));
            Ok::<_, ChError>(q)
        })
        .ok_or_else(|| ChError::not_found("Service", service))??;
    Ok(Out::Result(view::query_endpoint(&endpoint)))
}
