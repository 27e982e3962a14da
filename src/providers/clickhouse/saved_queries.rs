//! Saved queries of a service (`SVC/saved-queries[/{queryId}]`: `savedQueryList`,
//! `savedQueryCreate`, `savedQueryGet`, `savedQueryUpdate` (PUT), `savedQueryDelete`).
//!
//! Owns the `saved_queries` table, keyed `(organization, "<serviceId>/<queryId>")`, so a
//! query is found only under the service (and organization) it was created in. Also holds
//! the body rules the Query API endpoints share (`name`, `sql`, `database`,
//! `parameters`). May touch: `super::cursor_pages`, the `services` table (read).
//!
//! # Authority
//! None of these operations is in the official OpenAPI document; `clickhousectl` 0.5.0
//! (the live API's own client) calls them, and its binary is the source: the paths and
//! operationIds of its operation table (`savedQueryList`, ... — used as the journal and
//! fault-rule names), the permissions its `--help` prints (`control-plane:service:view`
//! to read, `control-plane:service:manage` to write), its models `PublicSavedQuery` (`id`,
//! `name`, `sql`, `database`, `parameters`), `PublicSavedQueryListItem` (`id`, `name`,
//! `database`) and `PublicSavedQueryRequest` (`name`, `sql`, `database` required,
//! `parameters` a string→string map, "an omitted map is empty"), what it sends (captured
//! against a throwaway server) and the cursor envelope it decodes (`cursor_pages.rs`).
//!
//! # Choices (I)
//! - **Update replaces the whole query** (the client says so: "Omitted --param values
//!   reset to empty; nothing is merged").
//! - **Names are unique within the service** (the client: "unique within the service"; a
//!   taken name → 409, as its doc comment says), compared exactly (case-sensitive).
//! - **Not API-managed queries** ("saved queries that cannot be managed through this API
//!   ... are rejected with 409"): a stored query with `apiManaged: false` (a user's SQL
//!   console query; only a restored state dump makes one) can be read and listed, and an
//!   update or delete of it is a 409.
//! - **Bounds the client does not state**, the simulator's own: `name` 1–255 characters,
//!   `sql` and `database` not blank, at most 100 `parameters` with non-blank names; knob
//!   `maxSavedQueriesPerService` (default 1000) caps a service (403 beyond it, as the other
//!   quotas of this provider answer).
//! - **Any service state**: saved queries live in the control plane, so a stopped or idle
//!   service keeps and serves them. Deleting the service deletes them.
//! - Creates answer 200 (the client takes any 2xx; the provider's creates are 200 but for
//!   UDFs). Lists are ordered by creation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::cursor_pages::{self, Paging};
use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::json_object;
use crate::validation::{FieldError, Fields, Rule};

/// The longest `name` (characters).
pub const MAX_NAME_CHARS: usize = 255;
/// The most `parameters` one query keeps.
pub const MAX_PARAMETERS: usize = 100;

/// A stored saved query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedQuery {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    /// Creation order within the service (list order and cursor key).
    pub seq: u64,
    pub name: String,
    pub sql: String,
    pub database: String,
    pub parameters: BTreeMap<String, String>,
    /// False: a query this API may read but not change (409).
    #[serde(default = "yes")]
    pub api_managed: bool,
    pub created_at: SimInstant,
    pub updated_at: SimInstant,
}

fn yes() -> bool {
    true
}

/// The table key of an item of a service.
pub fn key(service: &str, id: &str) -> String {
    format!("{service}/{id}")
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListSavedQueries { service } => list(ch, call, service),
        Op::CreateSavedQuery { service } => create(ch, call, service),
        Op::GetSavedQuery { service, query } => Ok(Out::Result(view(&find(ch, call, service, query)?))),
        Op::UpdateSavedQuery { service, query } => update(ch, call, service, query),
        Op::DeleteSavedQuery { service, query } => delete(ch, call, service, query),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn not_found(id: &str) -> ChError {
    ChError::not_found("Saved query", id)
}

/// The query `id` of a visible service of the call's organization, or 404.
fn find(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Result<SavedQuery, ChError> {
    ch.service(&call.org.id, service)?;
    ch.saved_queries.get(&call.org.id, &key(service, id)).ok_or_else(|| not_found(id))
}

/// The service's queries, in creation order.
fn of_service(ch: &ClickHouse, org: &str, service: &str) -> Vec<SavedQuery> {
    let mut all = ch.saved_queries.list_where(org, |q| q.service_id == service);
    all.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    all
}

/// `PublicSavedQuery`.
pub fn view(q: &SavedQuery) -> Value {
    json!({"id": q.id, "name": q.name, "sql": q.sql, "database": q.database, "parameters": q.parameters})
}

/// `PublicSavedQueryListItem`.
fn list_view(q: &SavedQuery) -> Value {
    json!({"id": q.id, "name": q.name, "database": q.database})
}

fn list(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let paging = cursor_pages::params(call.req)?.unwrap_or(Paging { limit: cursor_pages::MAX_LIMIT, after: None });
    let page = cursor_pages::cut(of_service(ch, &call.org.id, service), &paging, |q| (q.seq, q.id.as_str()));
    Ok(Out::Cursor(cursor_pages::Page {
        items: page.items.iter().map(list_view).collect(),
        limit: page.limit,
        total: page.total,
        next: page.next,
    }))
}

/// The fields of `PublicSavedQueryRequest` (and the first four of
/// `PublicQueryApiEndpointRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryBody {
    pub name: String,
    pub sql: String,
    pub database: String,
    pub parameters: BTreeMap<String, String>,
}

/// `name`: required, 1–255 characters, not blank.
pub fn name_rule(f: &Fields) -> Result<String, FieldError> {
    let name = f.str("name")?.ok_or_else(|| FieldError::required("name"))?;
    if name.trim().is_empty() {
        return Err(FieldError::says("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::says("name", format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    Ok(name.to_owned())
}

/// `sql`: required, not blank.
pub fn sql_rule(f: &Fields) -> Result<String, FieldError> {
    let sql = f.str("sql")?.ok_or_else(|| FieldError::required("sql"))?;
    if sql.trim().is_empty() {
        return Err(FieldError::says("sql", "must not be empty"));
    }
    Ok(sql.to_owned())
}

/// `database`: required, not blank.
pub fn database_rule(f: &Fields) -> Result<String, FieldError> {
    let db = f.str("database")?.ok_or_else(|| FieldError::required("database"))?;
    if db.trim().is_empty() {
        return Err(FieldError::says("database", "must not be empty"));
    }
    Ok(db.to_owned())
}

/// `parameters`: optional (absent or `null` is empty), an object of at most 100 string
/// values under non-blank names.
pub fn parameters_rule(f: &Fields) -> Result<BTreeMap<String, String>, FieldError> {
    let map: &Map<String, Value> = match f.raw("parameters") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(FieldError::new("parameters", Rule::Type("object"))),
    };
    if map.len() > MAX_PARAMETERS {
        return Err(FieldError::says("parameters", format!("must have at most {MAX_PARAMETERS} entries")));
    }
    let mut out = BTreeMap::new();
    for (k, val) in map {
        if k.trim().is_empty() {
            return Err(FieldError::says("parameters", "names must not be empty"));
        }
        let s = val.as_str().ok_or_else(|| FieldError::new(format!("parameters.{k}"), Rule::Type("string")))?;
        out.insert(k.clone(), s.to_owned());
    }
    Ok(out)
}

/// The four shared fields, in the order a client reads its errors.
pub fn query_body(f: &Fields) -> Result<QueryBody, FieldError> {
    Ok(QueryBody { name: name_rule(f)?, sql: sql_rule(f)?, database: database_rule(f)?, parameters: parameters_rule(f)? })
}

/// Knob `maxSavedQueriesPerService`: 403 at the cap.
fn quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::Forbidden(format!("Saved query limit reached for this service ({max})")));
    }
    Ok(())
}

/// A name no other query of the service holds (409).
fn name_free(all: &[SavedQuery], name: &str, except: Option<&str>) -> Result<(), ChError> {
    if all.iter().any(|q| q.name == name && Some(q.id.as_str()) != except) {
        return Err(ChError::Conflict(format!("A saved query named '{name}' already exists in this service")));
    }
    Ok(())
}

/// Only API-managed queries change through the API (409).
fn managed(q: &SavedQuery) -> Result<(), ChError> {
    if !q.api_managed {
        return Err(ChError::Conflict(format!("Saved query {} cannot be managed through this API", q.id)));
    }
    Ok(())
}

const FIELDS: &[&str] = &["name", "sql", "database", "parameters"];

fn body(call: &Call) -> Result<QueryBody, ChError> {
    let raw = json_object(call.req)?;
    let f = Fields::new(&raw);
    v::unknown_fields(&f, FIELDS, call.settings.strict_unknown_fields)?;
    Ok(query_body(&f)?)
}

fn create(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let b = body(call)?;
    let all = of_service(ch, &call.org.id, service);
    quota(all.len(), call.settings.max_saved_queries_per_service)?;
    name_free(&all, &b.name, None)?;
    let cx = call.cx;
    let q = SavedQuery {
        id: cx.ids.uuid(),
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        seq: all.iter().map(|q| q.seq).max().map_or(1, |s| s + 1),
        name: b.name,
        sql: b.sql,
        database: b.database,
        parameters: b.parameters,
        api_managed: true,
        created_at: cx.now,
        updated_at: cx.now,
    };
    ch.saved_queries.insert(&call.org.id, &key(service, &q.id), q.clone());
    Ok(Out::Result(view(&q)))
}

fn update(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let current = find(ch, call, service, id)?;
    let b = body(call)?;
    managed(&current)?;
    name_free(&of_service(ch, &call.org.id, service), &b.name, Some(id))?;
    let next = SavedQuery {
        name: b.name,
        sql: b.sql,
        database: b.database,
        parameters: b.parameters,
        updated_at: call.cx.now,
        ..current
    };
    ch.saved_queries.insert(&call.org.id, &key(service, id), next.clone());
    Ok(Out::Result(view(&next)))
}

fn delete(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let current = find(ch, call, service, id)?;
    managed(&current)?;
    ch.saved_queries.remove(&call.org.id, &key(service, id));
    Ok(Out::Empty)
}

/// Drops a removed service's queries.
pub fn forget_service(ch: &ClickHouse, org: &str, service: &str) {
    ch.saved_queries.retain(|k, q| !(k.0 == org && q.service_id == service));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (json!({}), "name is required"),
            (json!({"name": " "}), "name must not be empty"),
            (json!({"name": "x".repeat(256)}), "name must be at most 255 characters"),
            (json!({"name": "q"}), "sql is required"),
            (json!({"name": "q", "sql": ""}), "sql must not be empty"),
            (json!({"name": "q", "sql": "SELECT 1"}), "database is required"),
            (json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": []}), "parameters must be an object"),
            (json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": {"a": 1}}), "parameters.a must be a string"),
        ];
        for (body, want) in cases {
            let m = fields(body);
            assert_eq!(query_body(&Fields::new(&m)).unwrap_err().to_string(), want);
        }
        let m = fields(json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": null}));
        assert!(query_body(&Fields::new(&m)).unwrap().parameters.is_empty());
    }
}
