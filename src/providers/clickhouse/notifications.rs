//! Organization notifications (`GET /v1/organizations/{id}/notifications`,
//! `notificationGetList`: `clickhousectl cloud org notifications`), the notification-type
//! catalog (`GET .../notificationTypes`, `notificationTypesGetList`: `cloud org
//! notification-types`), and the control hook that raises notifications
//! (`/_sim/clickhouse/organizations/{id}/notifications`).
//!
//! Owns the `notifications` table, keyed `(organization, notification id)`. May touch:
//! `super::cursor_pages` (cursor encoding and cutting), the `clickpipes` table (read: a
//! pipe's service), `crate::validation`.
//!
//! # Authority
//! Not in the official OpenAPI document (neither the vendored nor the newest one);
//! learnt from the clickhousectl 0.5.0 binary: the paths and operationIds of its operation
//! table; the permissions its `--help` prints (notifications: "valid key; no additional
//! named permissions declared", types: `control-plane:organization:view`); the query it
//! sends (captured: `limit`, `cursor`, `severity`, `type`, `resource_id`, `resource_type`,
//! `from_date`, `to_date` — snake case — with `limit` 1–250, default 100, and RFC 3339
//! dates); the envelope it decodes (`result`, `limit`, `nextCursor` beside it, as the
//! other cursor lists, `cursor_pages.rs`); and its models, probed against a capturing
//! server: `Notification` of 9 fields (`id` a UUID, `type`, `severity`, `title`,
//! `description`, `createdAt` an RFC 3339 date-time, `resourceType`, `resourceId`,
//! `resourceName`, all strings) and `NotificationType` of 8 (`name`, `title`,
//! `category`, `severity` — the enum `NotificationTypeSeverity` of 3 values, `info`,
//! `warning`, `critical` —, `resourceType`, `description`, `isConfigurable`,
//! `isAvailable` booleans).
//!
//! # Choices (I)
//! - **The catalog** ([`TYPES`]) is the simulator's own: the binary names no type. Ten
//!   types over the resource kinds the client's help names (service, organization,
//!   clickpipe, postgres); every one available.
//! - **Where notifications come from**: the API only reads them, so the hook raises one:
//!   `POST .../notifications {"type", "resourceId", "resourceName"?, "severity"?, "title"?,
//!   "description"?}`; the type must be in the catalog and fixes `resourceType`; severity,
//!   title and description default to the type's. Raised at the simulated now.
//! - **Order and paging**: newest first; keyset cursors (`cursor_pages`), so a page
//!   neither repeats nor skips an item when one is raised between two pages. `limit`
//!   1..=250 (default 100), the client's bounds.
//! - **Filters**, one function per rule, each a 400 naming its parameter: `severity` one
//!   of the three; `type` a catalog name; `resource_type` one of the catalog's kinds;
//!   `resource_id` any string — a service id also matches notifications of its ClickPipes,
//!   as the client's help says; `from_date` / `to_date` RFC 3339, inclusive, from ≤ to.
//! - **Bounded**: knob `maxNotificationsPerOrg` (default 1000) keeps an organization's
//!   newest notifications; raising one beyond it drops the oldest.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::cursor_pages::{self, Page, Paging};
use super::routes::Op;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::{json_object, Reply, Request};
use crate::providers::Cx;
use crate::validation::{FieldError, Fields, Rule};

/// The largest and default `limit`.
pub const MAX_LIMIT: usize = 250;
pub const DEFAULT_LIMIT: usize = 100;
/// `NotificationTypeSeverity`.
pub const SEVERITIES: &[&str] = &["info", "warning", "critical"];
/// The resource kinds of the catalog.
pub const RESOURCE_TYPES: &[&str] = &["service", "organization", "clickpipe", "postgres"];

/// One catalog entry: `(name, title, category, severity, resourceType, description,
/// isConfigurable)`.
pub type TypeRow = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, bool);

/// The notification types (the simulator's own catalog, module doc).
pub const TYPES: &[TypeRow] = &[
    ("service_idle", "Service idled", "service", "info", "service", "The service went idle after its idle timeout.", true),
    ("service_stopped", "Service stopped", "service", "info", "service", "The service was stopped.", true),
    ("service_upgrade_scheduled", "Upgrade scheduled", "service", "info", "service", "A ClickHouse upgrade is scheduled for the service.", true),
    ("service_storage_high", "Storage usage high", "service", "warning", "service", "The service's storage use is above its threshold.", true),
    ("service_failed", "Service failed", "service", "critical", "service", "The service failed and needs attention.", false),
    ("clickpipe_degraded", "ClickPipe degraded", "clickpipe", "warning", "clickpipe", "The ClickPipe ingests with errors.", true),
    ("clickpipe_failed", "ClickPipe failed", "clickpipe", "critical", "clickpipe", "The ClickPipe stopped ingesting.", true),
    ("billing_credits_low", "Credits running low", "billing", "warning", "organization", "The organization's remaining credits are low.", true),
    ("billing_credits_expiring", "Credits expiring", "billing", "warning", "organization", "Some of the organization's credits expire soon.", true),
    ("postgres_failover", "Postgres failover", "postgres", "warning", "postgres", "A Postgres service failed over to its standby.", true),
];

fn type_row(name: &str) -> Option<&'static TypeRow> {
    TYPES.iter().find(|t| t.0 == name)
}

fn type_names() -> &'static [&'static str] {
    const NAMES: [&str; TYPES.len()] = {
        let mut out = [""; TYPES.len()];
        let mut i = 0;
        while i < TYPES.len() {
            out[i] = TYPES[i].0;
            i += 1;
        }
        out
    };
    &NAMES
}

/// One stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    pub org_id: String,
    /// Raising order within the organization (list order and cursor key).
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub severity: String,
    pub title: String,
    pub description: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: String,
    /// The service of a ClickPipe notification (the `resource_id` filter matches it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    pub created_at: SimInstant,
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListNotifications => list(ch, call),
        Op::ListNotificationTypes => Ok(Out::Result(Value::Array(TYPES.iter().map(type_view).collect()))),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// `NotificationType`.
fn type_view(t: &TypeRow) -> Value {
    let (name, title, category, severity, resource_type, description, configurable) = *t;
    json!({"name": name, "title": title, "category": category, "severity": severity, "resourceType": resource_type,
           "description": description, "isConfigurable": configurable, "isAvailable": true})
}

/// `Notification`.
fn view(n: &Notification, cx: &Cx) -> Value {
    json!({"id": n.id, "type": n.kind, "severity": n.severity, "title": n.title, "description": n.description,
           "createdAt": cx.clock.iso(n.created_at), "resourceType": n.resource_type, "resourceId": n.resource_id,
           "resourceName": n.resource_name})
}

/// The list's filters.
#[derive(Debug, Default)]
struct Filter {
    severity: Option<String>,
    kind: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<String>,
    from: Option<SimInstant>,
    to: Option<SimInstant>,
}

impl Filter {
    fn keeps(&self, n: &Notification) -> bool {
        let eq = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
        eq(&self.severity, &n.severity)
            && eq(&self.kind, &n.kind)
            && eq(&self.resource_type, &n.resource_type)
            && self.resource_id.as_deref().is_none_or(|r| n.resource_id == r || n.service_id.as_deref() == Some(r))
            && self.from.is_none_or(|f| n.created_at >= f)
            && self.to.is_none_or(|t| n.created_at <= t)
    }
}

/// `limit`: an integer 1..=250.
fn limit_rule(s: &str) -> Result<usize, FieldError> {
    match s.parse::<usize>() {
        Ok(v) if (1..=MAX_LIMIT).contains(&v) => Ok(v),
        _ => Err(FieldError::new("limit", Rule::Range { min: 1, max: MAX_LIMIT as i64 })),
    }
}

/// `severity`: one of [`SEVERITIES`].
fn severity_rule(field: &str, s: &str) -> Result<String, FieldError> {
    if !SEVERITIES.contains(&s) {
        return Err(FieldError::new(field, Rule::OneOf(SEVERITIES)));
    }
    Ok(s.to_owned())
}

/// `type`: a catalog name.
fn type_rule(field: &str, s: &str) -> Result<String, FieldError> {
    if type_row(s).is_none() {
        return Err(FieldError::new(field, Rule::OneOf(type_names())));
    }
    Ok(s.to_owned())
}

/// `resource_type`: one of [`RESOURCE_TYPES`].
fn resource_type_rule(s: &str) -> Result<String, FieldError> {
    if !RESOURCE_TYPES.contains(&s) {
        return Err(FieldError::new("resource_type", Rule::OneOf(RESOURCE_TYPES)));
    }
    Ok(s.to_owned())
}

/// `from_date` / `to_date`: RFC 3339 date-times.
fn date_rule(field: &str, s: &str, cx: &Cx) -> Result<SimInstant, FieldError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| cx.clock.from_utc(t.with_timezone(&chrono::Utc)))
        .map_err(|_| FieldError::says(field, "must be an RFC 3339 date-time"))
}

/// `from_date` not after `to_date`.
fn range_rule(from: Option<SimInstant>, to: Option<SimInstant>) -> Result<(), FieldError> {
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(FieldError::says("from_date", "must not be after to_date"));
        }
    }
    Ok(())
}

/// The request's paging and filters.
fn params(req: &Request, cx: &Cx) -> Result<(Paging, Filter), FieldError> {
    let mut paging = Paging { limit: DEFAULT_LIMIT, after: None };
    let mut f = Filter::default();
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "limit" => paging.limit = limit_rule(&v)?,
            "cursor" => paging.after = Some(cursor_pages::cursor(&v)?),
            "severity" => f.severity = Some(severity_rule("severity", &v)?),
            "type" => f.kind = Some(type_rule("type", &v)?),
            "resource_type" => f.resource_type = Some(resource_type_rule(&v)?),
            "resource_id" => f.resource_id = Some(v.to_string()),
            "from_date" => f.from = Some(date_rule("from_date", &v, cx)?),
            "to_date" => f.to = Some(date_rule("to_date", &v, cx)?),
            _ => {}
        }
    }
    range_rule(f.from, f.to)?;
    Ok((paging, f))
}

/// The newest-first sort key, as `cursor_pages` orders (ascending).
fn sort_key(n: &Notification) -> (u64, &str) {
    (u64::MAX - n.seq, n.id.as_str())
}

/// The organization's notifications, newest first.
fn of_org(ch: &ClickHouse, org: &str) -> Vec<Notification> {
    let mut all = ch.notifications.list(org);
    all.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    all
}

fn list(ch: &ClickHouse, call: &Call) -> Res {
    let (paging, filter) = params(call.req, call.cx)?;
    let kept: Vec<Notification> = of_org(ch, &call.org.id).into_iter().filter(|n| filter.keeps(n)).collect();
    let page = cursor_pages::cut(kept, &paging, sort_key);
    Ok(Out::Cursor(Page {
        items: page.items.iter().map(|n| view(n, call.cx)).collect(),
        limit: page.limit,
        total: page.total,
        next: page.next,
    }))
}

const FIELDS: &[&str] = &["type", "resourceId", "resourceName", "severity", "title", "description"];

/// A non-blank string field, or `default`.
fn text_rule(f: &Fields, field: &str, default: &str) -> Result<String, FieldError> {
    match f.str(field)? {
        None => Ok(default.to_owned()),
        Some(s) if s.trim().is_empty() || s.chars().count() > 1024 => {
            Err(FieldError::says(field, "must be 1 to 1024 characters"))
        }
        Some(s) => Ok(s.to_owned()),
    }
}

/// A notification from the hook's body.
fn raise(ch: &ClickHouse, body: &Map<String, Value>, org: &str, cx: &Cx) -> Result<Notification, FieldError> {
    let f = Fields::new(body);
    if let Some(k) = f.unknown(FIELDS) {
        return Err(FieldError::says(k, "is not a field of a notification"));
    }
    let kind = type_rule("type", f.str("type")?.ok_or_else(|| FieldError::required("type"))?)?;
    let row = type_row(&kind).ok_or_else(|| FieldError::says("type", "is not a notification type"))?;
    let resource_id = f.str("resourceId")?.ok_or_else(|| FieldError::required("resourceId"))?.to_owned();
    if resource_id.trim().is_empty() {
        return Err(FieldError::says("resourceId", "must not be empty"));
    }
    let severity = match f.str("severity")? {
        Some(s) => severity_rule("severity", s)?,
        None => row.3.to_owned(),
    };
    let service_id = (row.4 == "clickpipe").then(|| ch.clickpipes.get(org, &resource_id).map(|p| p.service_id)).flatten();
    let seq = ch.notifications.list(org).iter().map(|n| n.seq).max().map_or(1, |s| s + 1);
    Ok(Notification {
        id: cx.ids.uuid(),
        org_id: org.to_owned(),
        seq,
        kind: kind.clone(),
        severity,
        title: text_rule(&f, "title", row.1)?,
        description: text_rule(&f, "description", row.5)?,
        resource_type: row.4.to_owned(),
        resource_name: text_rule(&f, "resourceName", &resource_id)?,
        resource_id,
        service_id,
        created_at: cx.now,
    })
}

/// Drops the oldest of `org`'s notifications beyond `max`.
fn trim(ch: &ClickHouse, org: &str, max: u64) {
    let all = of_org(ch, org);
    for old in all.iter().skip(max as usize) {
        ch.notifications.remove(org, &old.id);
    }
}

/// `POST /_sim/clickhouse/organizations/{id}/notifications`: raises one.
pub fn hook(ch: &ClickHouse, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
    let ["organizations", org, "notifications"] = segs else { return None };
    let reply = |status, v: Value| Some(Reply::json(status, &v));
    if req.method != hyper::Method::POST {
        return reply(hyper::StatusCode::METHOD_NOT_ALLOWED, json!({"error": "POST"}));
    }
    if ch.orgs.get(org, org).is_none() {
        return reply(hyper::StatusCode::NOT_FOUND, json!({"error": format!("organization {org} not found")}));
    }
    let Ok(body) = json_object(req) else {
        return reply(hyper::StatusCode::BAD_REQUEST, json!({"error": "body must be a JSON object"}));
    };
    match raise(ch, &body, org, cx) {
        Ok(n) => {
            ch.notifications.insert(org, &n.id, n.clone());
            trim(ch, org, ch.settings().max_notifications_per_org.max(1));
            reply(hyper::StatusCode::OK, view(&n, cx))
        }
        Err(e) => reply(hyper::StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_query_rule_names_its_parameter() {
        assert!(limit_rule("0").unwrap_err().to_string().starts_with("limit"));
        assert!(limit_rule("251").is_err());
        assert_eq!(limit_rule("250"), Ok(250));
        assert!(severity_rule("severity", "high").unwrap_err().to_string().starts_with("severity"));
        assert!(type_rule("type", "nope").unwrap_err().to_string().starts_with("type"));
        assert!(resource_type_rule("bucket").unwrap_err().to_string().starts_with("resource_type"));
        assert!(range_rule(Some(SimInstant(2)), Some(SimInstant(1))).unwrap_err().to_string().starts_with("from_date"));
        assert_eq!(type_names().len(), TYPES.len());
        for t in TYPES {
            assert!(SEVERITIES.contains(&t.3) && RESOURCE_TYPES.contains(&t.4), "{t:?}");
        }
    }
}
