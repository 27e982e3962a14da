//! Rules of the event-notification family (seed 1.7.2.1–1.7.2.8, lines 11127–12315),
//! one pure function per rule; the handlers in `super::super::events` run them all
//! before they write.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::validation::{FieldError, Rule};

use super::super::history::{categories, SOURCE_TYPES};
use super::super::wire::{SubscriptionBody, SubscriptionRequest};
use super::common;

/// Bound of the lists a body may carry (the seed gives none).
pub const MAX_LIST: usize = 100;

/// What `PUT eventnotifications/{id}` does, by its one `action` key (seed 11430–11445,
/// 11623–11640).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Modify,
    Add,
    Remove,
}

pub const UPDATE_KEYS: [&str; 3] = ["modify", "add", "remove"];

/// The action key of a body, unvalidated (the journal's operation name).
pub fn update_key(action: &Map<String, Value>) -> Option<&'static str> {
    let mut found = UPDATE_KEYS.into_iter().filter(|k| action.contains_key(*k));
    let first = found.next();
    first.filter(|_| found.next().is_none())
}

/// `action`: exactly one of `modify`, `add`, `remove` (inferred: the shared PUT needs one).
pub fn update_action(action: Option<&Map<String, Value>>) -> Result<Update, FieldError> {
    let a = action.ok_or_else(|| FieldError::required("action"))?;
    match update_key(a) {
        Some("modify") => Ok(Update::Modify),
        Some("add") => Ok(Update::Add),
        Some("remove") => Ok(Update::Remove),
        _ => Err(FieldError::new("action", Rule::OneOf(&UPDATE_KEYS))),
    }
}

/// `sourceType`: `db-instance` | `db-snapshot` (seed 11196–11202).
pub fn source_type(field: &str, s: Option<&str>) -> Result<Option<String>, FieldError> {
    match s {
        None => Ok(None),
        Some(t) if SOURCE_TYPES.contains(&t) => Ok(Some(t.to_owned())),
        Some(_) => Err(FieldError::new(field, Rule::OneOf(SOURCE_TYPES))),
    }
}

/// A list of `{"<key>": "<value>"}` objects (the examples' form) or plain strings.
fn keyed_list(field: &str, v: &[Value], key: &str) -> Result<Vec<String>, FieldError> {
    if v.len() > MAX_LIST {
        return Err(FieldError::says(field, format!("must have at most {MAX_LIST} elements")));
    }
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for (i, x) in v.iter().enumerate() {
        let s = match x {
            Value::String(s) => s.as_str(),
            Value::Object(o) => match o.get(key) {
                Some(Value::String(s)) => s.as_str(),
                _ => return Err(FieldError::required(format!("{field}[{i}].{key}"))),
            },
            _ => return Err(FieldError::new(format!("{field}[{i}]"), Rule::Type("object"))),
        };
        common::max_255(&format!("{field}[{i}].{key}"), s)?;
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

/// `eventCategories`: each a category of the source type ("1.7.2.7 で取得できる値",
/// seed 11170–11180); without a source type, of either.
pub fn event_categories(field: &str, v: &[Value], source_type: Option<&str>) -> Result<Vec<String>, FieldError> {
    let list = keyed_list(field, v, "eventCategory")?;
    let known = categories(source_type);
    for (i, c) in list.iter().enumerate() {
        if !known.contains(&c.as_str()) {
            return Err(FieldError::says(
                format!("{field}[{i}].eventCategory"),
                format!("'{c}' is not an event category of {}", source_type.unwrap_or("any source type")),
            ));
        }
    }
    Ok(list)
}

/// `sourceIds` need a `sourceType` to say what they name (seed 11183–11190: "sourceType
/// に制約されます"; inferred 400 without one).
pub fn source_ids_need_type(field: &str, ids: &[String], source_type: Option<&str>) -> Result<(), FieldError> {
    if !ids.is_empty() && source_type.is_none() {
        return Err(FieldError::says(field, "needs eventnotification.sourceType"));
    }
    Ok(())
}

/// A validated create or modify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSpec {
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub categories: Vec<String>,
    pub source_ids: Vec<String>,
    pub source_type: Option<String>,
}

fn request(body: &SubscriptionBody) -> Result<&SubscriptionRequest, FieldError> {
    common::need("eventnotification", &body.eventnotification, "object")
}

/// `description`: "最大 1024 文字" (seed 11225).
fn description(r: &SubscriptionRequest) -> Result<Option<String>, FieldError> {
    common::string("eventnotification.description", &r.description)?
        .map(|s| common::description("eventnotification.description", s))
        .transpose()
}

/// `POST eventnotifications` (seed 11145–11240).
pub fn create_spec(body: &SubscriptionBody) -> Result<SubscriptionSpec, FieldError> {
    let r = request(body)?;
    let st = source_type("eventnotification.sourceType", common::string("eventnotification.sourceType", &r.source_type)?)?;
    let id = common::string("eventnotification.id", &r.id)?
        .map(|s| common::instance_id("eventnotification.id", s))
        .transpose()?;
    let name = common::need("eventnotification.name", &r.name, "string")
        .and_then(|s| common::instance_name("eventnotification.name", s))?;
    let enabled = common::boolean("eventnotification.enabled", &r.enabled)?.unwrap_or(true);
    let categories = match common::read("eventnotification.eventCategories", &r.event_categories, "array")? {
        Some(v) => event_categories("eventnotification.eventCategories", v, st.as_deref())?,
        None => Vec::new(),
    };
    let source_ids = match common::read("eventnotification.sourceIds", &r.source_ids, "array")? {
        Some(v) => keyed_list("eventnotification.sourceIds", v, "sourceId")?,
        None => Vec::new(),
    };
    source_ids_need_type("eventnotification.sourceIds", &source_ids, st.as_deref())?;
    Ok(SubscriptionSpec { id, name, description: description(r)?, enabled, categories, source_ids, source_type: st })
}

/// `action.modify` (seed 11428–11560): `enabled`, `eventCategories` and `name` are
/// "1..1" (the example's `subscriptionName` is read as `name`); `description` is "1..1"
/// too but the example omits it, so it stays optional. `sourceIds` are not this
/// operation's (add/remove): the spec carries none.
pub fn modify_spec(body: &SubscriptionBody) -> Result<SubscriptionSpec, FieldError> {
    let r = request(body)?;
    let st = source_type("eventnotification.sourceType", common::string("eventnotification.sourceType", &r.source_type)?)?;
    let enabled = common::boolean("eventnotification.enabled", &r.enabled)?
        .ok_or_else(|| FieldError::required("eventnotification.enabled"))?;
    let v = common::need("eventnotification.eventCategories", &r.event_categories, "array")?;
    let categories = event_categories("eventnotification.eventCategories", v, st.as_deref())?;
    let name = match (&r.name, &r.subscription_name) {
        (Some(_), _) | (None, None) => common::need("eventnotification.name", &r.name, "string")?,
        (None, Some(_)) => common::need("eventnotification.subscriptionName", &r.subscription_name, "string")?,
    };
    let name = common::instance_name("eventnotification.name", name)?;
    Ok(SubscriptionSpec {
        id: None,
        name,
        description: description(r)?,
        enabled,
        categories,
        source_ids: Vec::new(),
        source_type: st,
    })
}

/// A new source type must not strand the registered source ids (inferred, 400).
pub fn type_keeps_sources(old: Option<&str>, new: Option<&str>, ids: &[String]) -> Result<(), FieldError> {
    if old != new && !ids.is_empty() {
        return Err(FieldError::says(
            "eventnotification.sourceType",
            "cannot change while sourceIds are registered (remove them first)",
        ));
    }
    Ok(())
}

/// `action.add` / `action.remove`: `sourceIds` "1..1", not empty (seed 11650–11680).
pub fn sources_spec(body: &SubscriptionBody) -> Result<Vec<String>, FieldError> {
    let r = request(body)?;
    let v = common::need("eventnotification.sourceIds", &r.source_ids, "array")?;
    let ids = keyed_list("eventnotification.sourceIds", v, "sourceId")?;
    if ids.is_empty() {
        return Err(FieldError::says("eventnotification.sourceIds", "must not be empty"));
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------------------
// GET events (seed 12127–12240).

/// A time of the query: ISO 8601, as the example `2009-07-08T18:00Z` (seconds optional,
/// offset or `Z`).
pub fn query_time(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let bare = s.strip_suffix('Z').unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(bare, fmt) {
            return Ok(t.and_utc());
        }
    }
    Err(FieldError::says(field, "must be an ISO 8601 date-time such as 2009-07-08T18:00Z"))
}

/// `duration`: minutes, default 60 (seed 12140–12148); at least 1, at most a year (the
/// simulator's bound; the history is bounded anyway).
pub fn duration_minutes(raw: Option<&str>) -> Result<i64, FieldError> {
    let Some(raw) = raw else { return Ok(60) };
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new("duration", Rule::Type("integer")))?;
    if !(1..=525_600).contains(&n) {
        return Err(FieldError::new("duration", Rule::Range { min: 1, max: 525_600 }));
    }
    Ok(n)
}

/// The search window (inferred, RDS DescribeEvents-like): neither time → the last
/// `duration` minutes; one → `duration` from/to it; both → as given (`endTime` not before
/// `startTime`).
pub fn window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    minutes: i64,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), FieldError> {
    let d = chrono::Duration::minutes(minutes);
    let w = match (start, end) {
        (None, None) => (now - d, now),
        (Some(s), None) => (s, s + d),
        (None, Some(e)) => (e - d, e),
        (Some(s), Some(e)) => (s, e),
    };
    if w.1 < w.0 {
        return Err(FieldError::says("endTime", "must not be before startTime"));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use serde_json::json;

    fn body(v: Value) -> SubscriptionBody {
        mirror(&v).unwrap()
    }

    #[test]
    fn a_create_checks_categories_against_the_source_type() {
        let s = create_spec(&body(json!({"eventnotification": {"name": "s1", "sourceType": "db-instance",
            "eventCategories": [{"eventCategory": "backup"}, "creation"], "sourceIds": [{"sourceId": "db1"}]}})))
        .unwrap();
        assert_eq!((s.categories.len(), s.source_ids.as_slice(), s.enabled), (2, &["db1".to_owned()][..], true));
        let field = |v| create_spec(&body(v)).unwrap_err().field;
        assert_eq!(field(json!({"eventnotification": {"name": "s", "sourceType": "db-snapshot", "eventCategories": ["backup"]}})), "eventnotification.eventCategories[0].eventCategory");
        assert_eq!(field(json!({"eventnotification": {"name": "s", "sourceIds": ["db1"]}})), "eventnotification.sourceIds");
        assert_eq!(field(json!({"eventnotification": {"name": "s", "sourceType": "db"}})), "eventnotification.sourceType");
        assert_eq!(field(json!({"eventnotification": {}})), "eventnotification.name");
    }

    #[test]
    fn the_window_follows_duration_and_the_given_times() {
        let now = query_time("t", "2026-01-01T12:00Z").unwrap();
        let (a, b) = window(None, None, 60, now).unwrap();
        assert_eq!((b - a).num_minutes(), 60);
        let s = query_time("startTime", "2026-01-01T10:00:00Z").unwrap();
        assert_eq!(window(Some(s), None, 30, now).unwrap().1, query_time("t", "2026-01-01T10:30Z").unwrap());
        assert!(window(Some(now), Some(s), 60, now).is_err());
        assert!(query_time("startTime", "yesterday").is_err());
        assert_eq!(duration_minutes(Some("0")).unwrap_err().field, "duration");
    }

    #[test]
    fn the_shared_put_needs_exactly_one_action() {
        let a = |v: Value| update_action(v.as_object());
        assert_eq!(a(json!({"modify": ""})), Ok(Update::Modify));
        assert_eq!(a(json!({"remove": ""})), Ok(Update::Remove));
        assert!(a(json!({"add": "", "remove": ""})).is_err());
        assert!(a(json!({})).is_err());
        assert!(update_action(None).is_err());
    }
}
