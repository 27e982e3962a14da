//! Query API endpoints of a service (`SVC/query-api-endpoints[/{endpointId}]`:
//! `queryApiEndpointList`, `queryApiEndpointCreate`, `queryApiEndpointGet`,
//! `queryApiEndpointUpdate` (PUT), `queryApiEndpointDelete`).
//!
//! Owns the `query_api_endpoints` table, keyed `(organization, "<serviceId>/<endpointId>")`.
//! Reads the `keys` and `roles` tables (references must exist) and the `services` table.
//! Not the older single per-service endpoint (`serviceQueryEndpoint`, `query_endpoint.rs`):
//! the two are independent. May touch: `super::cursor_pages`, `super::saved_queries` (the
//! shared body rules).
//!
//! # Authority
//! Not in the official OpenAPI document; the `clickhousectl` 0.5.0 binary is the source:
//! its operation table (paths, the operationIds used here as journal and fault-rule
//! names), `--help` (reads need `control-plane:service:view-query-api-endpoints`, writes
//! `...:manage-query-api-endpoints`; "User-owned endpoints can be read but cannot be
//! updated or deleted"; update: "Supply the complete definition; omitted parameters and
//! allowedOrigins reset to empty"), its models `PublicQueryApiEndpoint` (`id`, `name`,
//! `sql`, `database`, `parameters`, `apiKeyIds`, `roles`, `allowedOrigins`, `url`,
//! `ownerType` ∈ {`user`, `queryApiEndpoint`}), `PublicQueryApiEndpointListItem` (the same
//! less `sql` and `parameters`) and `PublicQueryApiEndpointRequest` (`name`, `sql`,
//! `database`, `apiKeyIds`, `roles` required; `parameters`, `allowedOrigins` optional),
//! and the list envelope it decodes (`cursor_pages.rs`: `result` an array, `nextCursor`
//! beside it; the CLI prints it as `pagination.nextCursor`).
//!
//! # Choices (I)
//! - **`apiKeyIds`**: a non-empty array of management ids (UUIDs) of API keys of the
//!   organization, each once. Deleting a key takes it off every endpoint (`forget_key`).
//! - **`roles`**: a non-empty array of role ids of the organization, each once: the system
//!   roles' fixed ids (Admin, Developer, Query Endpoints) or a custom role's id, as
//!   `organizationRolesGetList` lists them (a system id is stored as listed). Deleting a
//!   custom role takes it off every endpoint (`forget_role`).
//! - **`allowedOrigins`**: an array (absent or `null`: empty) of `*` or origins
//!   `http(s)://host[:port]` / `host[:port]`, at most 100.
//! - **Names** are unique within the service (409), as saved queries' are.
//! - **`ownerType`**: what this API creates is `queryApiEndpoint`. A `user` endpoint
//!   (one a user made in the SQL console; only a restored state dump makes one here) is
//!   listed and read, and an update or delete of it is a 409 `CONFLICT` — the status the
//!   same client documents for saved queries that "cannot be managed through this API".
//! - **`url`**: `https://queries.clickhouse.cloud/run/{endpointId}` (the host is in the
//!   binary; the `/run/{id}` form is the SQL console's).
//! - Knob `maxQueryApiEndpointsPerService` (default 100) caps a service (403). Any
//!   service state; deleting the service deletes its endpoints. Creates answer 200.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::cursor_pages::{self, Paging};
use super::routes::Op;
use super::saved_queries::{key, query_body};
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::json_object;
use crate::validation::{is_uuid, FieldError, Fields};

/// The most `allowedOrigins` one endpoint keeps.
pub const MAX_ORIGINS: usize = 100;
/// The base of an endpoint's `url`.
pub const URL_BASE: &str = "https://queries.clickhouse.cloud/run";

/// Who owns an endpoint (`ownerType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerType {
    /// Made in the SQL console by a user: read-only here.
    #[serde(rename = "user")]
    User,
    /// Made through this API.
    #[serde(rename = "queryApiEndpoint")]
    QueryApiEndpoint,
}

impl OwnerType {
    /// The wire value (the one place it is written).
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerType::User => "user",
            OwnerType::QueryApiEndpoint => "queryApiEndpoint",
        }
    }
}

/// A stored Query API endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryApiEndpoint {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    /// Creation order within the service (list order and cursor key).
    pub seq: u64,
    pub name: String,
    pub sql: String,
    pub database: String,
    pub parameters: BTreeMap<String, String>,
    pub api_key_ids: Vec<String>,
    pub roles: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub owner_type: OwnerType,
    pub created_at: SimInstant,
    pub updated_at: SimInstant,
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListQueryApiEndpoints { service } => list(ch, call, service),
        Op::CreateQueryApiEndpoint { service } => create(ch, call, service),
        Op::GetQueryApiEndpoint { service, endpoint } => Ok(Out::Result(view(&find(ch, call, service, endpoint)?))),
        Op::UpdateQueryApiEndpoint { service, endpoint } => update(ch, call, service, endpoint),
        Op::DeleteQueryApiEndpoint { service, endpoint } => delete(ch, call, service, endpoint),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn find(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Result<QueryApiEndpoint, ChError> {
    ch.service(&call.org.id, service)?;
    ch.query_api_endpoints
        .get(&call.org.id, &key(service, id))
        .ok_or_else(|| ChError::not_found("Query API endpoint", id))
}

fn of_service(ch: &ClickHouse, org: &str, service: &str) -> Vec<QueryApiEndpoint> {
    let mut all = ch.query_api_endpoints.list_where(org, |e| e.service_id == service);
    all.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    all
}

fn url(id: &str) -> String {
    format!("{URL_BASE}/{id}")
}

/// `PublicQueryApiEndpoint`.
pub fn view(e: &QueryApiEndpoint) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "sql": e.sql,
        "database": e.database,
        "parameters": e.parameters,
        "apiKeyIds": e.api_key_ids,
        "roles": e.roles,
        "allowedOrigins": e.allowed_origins,
        "url": url(&e.id),
        "ownerType": e.owner_type.as_str(),
    })
}

/// `PublicQueryApiEndpointListItem`.
fn list_view(e: &QueryApiEndpoint) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "database": e.database,
        "apiKeyIds": e.api_key_ids,
        "roles": e.roles,
        "allowedOrigins": e.allowed_origins,
        "url": url(&e.id),
        "ownerType": e.owner_type.as_str(),
    })
}

fn list(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let paging = cursor_pages::params(call.req)?.unwrap_or(Paging { limit: cursor_pages::MAX_LIMIT, after: None });
    let page = cursor_pages::cut(of_service(ch, &call.org.id, service), &paging, |e| (e.seq, e.id.as_str()));
    Ok(Out::Cursor(cursor_pages::Page {
        items: page.items.iter().map(list_view).collect(),
        limit: page.limit,
        total: page.total,
        next: page.next,
    }))
}

/// A required, non-empty array of distinct strings.
fn distinct_strings<'a>(f: &Fields<'a>, field: &str) -> Result<Vec<&'a str>, FieldError> {
    let items = f.strings(field)?.ok_or_else(|| FieldError::required(field))?;
    if items.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    for (i, s) in items.iter().enumerate() {
        if items[..i].contains(s) {
            return Err(FieldError::says(format!("{field}[{i}]"), format!("repeats '{s}'")));
        }
    }
    Ok(items)
}

/// `apiKeyIds`: API keys of the organization, by management id.
fn api_key_ids_rule(ch: &ClickHouse, org: &str, f: &Fields) -> Result<Vec<String>, FieldError> {
    let ids = distinct_strings(f, "apiKeyIds")?;
    for (i, id) in ids.iter().enumerate() {
        if !is_uuid(id) {
            return Err(FieldError::says(format!("apiKeyIds[{i}]"), "must be a UUID"));
        }
        if !ch.keys.contains(org, id) {
            return Err(FieldError::says(format!("apiKeyIds[{i}]"), format!("names no API key of this organization ('{id}')")));
        }
    }
    Ok(ids.iter().map(|s| (*s).to_owned()).collect())
}

/// `roles`: role ids of the organization (system or custom).
fn roles_rule(ch: &ClickHouse, org: &str, f: &Fields) -> Result<Vec<String>, FieldError> {
    let ids = distinct_strings(f, "roles")?;
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match rules::SYSTEM_ROLES.iter().find(|(_, rid, _)| rid.eq_ignore_ascii_case(id)) {
            Some((_, rid, _)) => out.push((*rid).to_owned()),
            None if super::roles::is_custom(ch, org, id) => out.push((*id).to_owned()),
            None => {
                return Err(FieldError::says(format!("roles[{i}]"), format!("names no role of this organization ('{id}')")))
            }
        }
    }
    Ok(out)
}

/// One `allowedOrigins` entry: `*`, or `[http(s)://]host[:port]`.
fn origin_rule(field: &str, s: &str) -> Result<(), FieldError> {
    if s == "*" || v::is_origin(s) {
        return Ok(());
    }
    Err(FieldError::says(field, "must be * or an origin ([http(s)://]host[:port])"))
}

/// `allowedOrigins`: optional (absent or `null`: none), at most 100 origins.
fn allowed_origins_rule(f: &Fields) -> Result<Vec<String>, FieldError> {
    if matches!(f.raw("allowedOrigins"), None | Some(Value::Null)) {
        return Ok(Vec::new());
    }
    let items = f.strings("allowedOrigins")?.unwrap_or_default();
    if items.len() > MAX_ORIGINS {
        return Err(FieldError::says("allowedOrigins", format!("must have at most {MAX_ORIGINS} entries")));
    }
    for (i, s) in items.iter().enumerate() {
        origin_rule(&format!("allowedOrigins[{i}]"), s)?;
    }
    Ok(items.iter().map(|s| (*s).to_owned()).collect())
}

const FIELDS: &[&str] = &["name", "sql", "database", "parameters", "apiKeyIds", "roles", "allowedOrigins"];

/// A validated `PublicQueryApiEndpointRequest`.
struct Spec {
    name: String,
    sql: String,
    database: String,
    parameters: BTreeMap<String, String>,
    api_key_ids: Vec<String>,
    roles: Vec<String>,
    allowed_origins: Vec<String>,
}

fn spec(ch: &ClickHouse, call: &Call) -> Result<Spec, ChError> {
    let raw = json_object(call.req)?;
    let f = Fields::new(&raw);
    v::unknown_fields(&f, FIELDS, call.settings.strict_unknown_fields)?;
    let q = query_body(&f)?;
    let org = &call.org.id;
    Ok(Spec {
        name: q.name,
        sql: q.sql,
        database: q.database,
        parameters: q.parameters,
        api_key_ids: api_key_ids_rule(ch, org, &f)?,
        roles: roles_rule(ch, org, &f)?,
        allowed_origins: allowed_origins_rule(&f)?,
    })
}

/// Knob `maxQueryApiEndpointsPerService`: 403 at the cap.
fn quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::Forbidden(format!("Query API endpoint limit reached for this service ({max})")));
    }
    Ok(())
}

fn name_free(all: &[QueryApiEndpoint], name: &str, except: Option<&str>) -> Result<(), ChError> {
    if all.iter().any(|e| e.name == name && Some(e.id.as_str()) != except) {
        return Err(ChError::Conflict(format!("A Query API endpoint named '{name}' already exists in this service")));
    }
    Ok(())
}

/// User-owned endpoints are read-only here (409).
fn api_owned(e: &QueryApiEndpoint) -> Result<(), ChError> {
    if e.owner_type == OwnerType::User {
        return Err(ChError::Conflict(format!(
            "Query API endpoint {} is owned by a user and cannot be updated or deleted through this API",
            e.id
        )));
    }
    Ok(())
}

fn create(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let s = spec(ch, call)?;
    let all = of_service(ch, &call.org.id, service);
    quota(all.len(), call.settings.max_query_api_endpoints_per_service)?;
    name_free(&all, &s.name, None)?;
    let cx = call.cx;
    let e = QueryApiEndpoint {
        id: cx.ids.uuid(),
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        seq: all.iter().map(|e| e.seq).max().map_or(1, |n| n + 1),
        name: s.name,
        sql: s.sql,
        database: s.database,
        parameters: s.parameters,
        api_key_ids: s.api_key_ids,
        roles: s.roles,
        allowed_origins: s.allowed_origins,
        owner_type: OwnerType::QueryApiEndpoint,
        created_at: cx.now,
        updated_at: cx.now,
    };
    ch.query_api_endpoints.insert(&call.org.id, &key(service, &e.id), e.clone());
    Ok(Out::Result(view(&e)))
}

fn update(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let current = find(ch, call, service, id)?;
    let s = spec(ch, call)?;
    api_owned(&current)?;
    name_free(&of_service(ch, &call.org.id, service), &s.name, Some(id))?;
    let next = QueryApiEndpoint {
        name: s.name,
        sql: s.sql,
        database: s.database,
        parameters: s.parameters,
        api_key_ids: s.api_key_ids,
        roles: s.roles,
        allowed_origins: s.allowed_origins,
        updated_at: call.cx.now,
        ..current
    };
    ch.query_api_endpoints.insert(&call.org.id, &key(service, id), next.clone());
    Ok(Out::Result(view(&next)))
}

fn delete(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let current = find(ch, call, service, id)?;
    api_owned(&current)?;
    ch.query_api_endpoints.remove(&call.org.id, &key(service, id));
    Ok(Out::Empty)
}

/// Drops a removed service's endpoints.
pub fn forget_service(ch: &ClickHouse, org: &str, service: &str) {
    ch.query_api_endpoints.retain(|k, e| !(k.0 == org && e.service_id == service));
}

/// A deleted API key leaves every endpoint of its organization.
pub fn forget_key(ch: &ClickHouse, org: &str, key_id: &str) {
    ch.query_api_endpoints.retain(|k, e| {
        if k.0 == org {
            e.api_key_ids.retain(|id| id != key_id);
        }
        true
    });
}

/// A deleted custom role leaves every endpoint of its organization.
pub fn forget_role(ch: &ClickHouse, org: &str, role_id: &str) {
    ch.query_api_endpoints.retain(|k, e| {
        if k.0 == org {
            e.roles.retain(|id| id != role_id);
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_star_or_host_with_optional_scheme_and_port() {
        for ok in ["*", "example.com", "https://a.b:8080", "http://localhost"] {
            assert!(origin_rule("o", ok).is_ok(), "{ok}");
        }
        for bad in ["", "bad origin", "https://", "a.b:", "a.b:123456", "ftp://x"] {
            assert!(origin_rule("o", bad).is_err(), "{bad}");
        }
        assert_eq!(OwnerType::User.as_str(), "user");
        assert_eq!(serde_json::to_value(OwnerType::QueryApiEndpoint).unwrap(), json!("queryApiEndpoint"));
    }

    #[test]
    fn repeated_references_name_the_index() {
        let m = json!({"roles": ["a", "b", "a"]}).as_object().cloned().unwrap();
        assert_eq!(distinct_strings(&Fields::new(&m), "roles").unwrap_err().to_string(), "roles[2] repeats 'a'");
        let m = json!({"roles": []}).as_object().cloned().unwrap();
        assert_eq!(distinct_strings(&Fields::new(&m), "roles").unwrap_err().to_string(), "roles must not be empty");
    }
}
