//! Fujitsu DB event notifications (seed 1.7, lines 11127–12315): subscriptions (create,
//! list, get, the shared PUT that modifies or adds/removes sources, delete), the event
//! categories of a source type, and the event list over the history (`history`).
//!
//! - A subscription is `active` as soon as it is written: the seed names `creating`,
//!   `modifying`, `deleting` (11300–11310) but no operation can observe them in a
//!   simulator whose writes are atomic, so they are never shown.
//! - An event matches an enabled subscription of its tenant whose source type, source ids
//!   and categories admit it (empty = all, seed 11190, 11200); the simulator counts the
//!   notifications (`delivered`, in the state dump) instead of sending mail.
//! - `GET events` answers newest first ("イベントは日時の降順で表示されます", seed 12230);
//!   `marker` is the date-time of the previous page's last event, the next page holds
//!   strictly older ones.
//!
//! May touch: the subscription, instance and snapshot tables (sources must exist), the
//! history. Authority: seed 1.7.2.1–1.7.2.8; extract 03 §1.7, C6.

use hyper::StatusCode;
use serde_json::{json, Value};

use super::error::FujitsuError;
use super::history::{self, DbEvent, DB_INSTANCE, DB_SNAPSHOT};
use super::model::Subscription;
use super::snapshots::time_text;
use super::validate::events::{self as rules, SubscriptionSpec, Update};
use super::validate::{common, query};
use super::wire::{SubscriptionBody};
use super::{body_mirror, Call, Fujitsu, Out, Res};
use crate::validation::FieldError;

fn not_found(id: &str) -> FujitsuError {
    FujitsuError::NotFound(format!("SubscriptionNotFound: '{id}' is not an event subscription of the tenant"))
}

fn body(call: &Call) -> Result<SubscriptionBody, FujitsuError> {
    body_mirror(call.req)
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

/// The element of create, get, modify and the list (the example's wire names, seed
/// 11350–11372; `status` from the table).
fn element(s: &Subscription, call: &Call) -> Value {
    json!({
        "subscriptionId": s.id,
        "name": s.name,
        "enabled": s.enabled,
        "eventCategories": s.categories.iter().map(|c| json!({"eventCategory": c})).collect::<Vec<_>>(),
        "sourceIds": s.source_ids.iter().map(|c| json!({"sourceId": c})).collect::<Vec<_>>(),
        "sourceType": s.source_type,
        "status": "active",
        "created": time_text(call.cx, s.created),
        "description": s.description,
    })
}

fn one(s: &Subscription, call: &Call) -> Res {
    json_out(&json!({ "eventSubscription": element(s, call) }))
}

/// Every source id names a resource of the type in the tenant (seed 11183–11190; 404).
fn sources_exist(f: &Fujitsu, call: &Call, source_type: Option<&str>, ids: &[String]) -> Result<(), FujitsuError> {
    for (i, id) in ids.iter().enumerate() {
        let exists = match source_type {
            Some(DB_SNAPSHOT) => f.snapshots.contains(call.tenant(), id),
            _ => f.instances.contains(call.tenant(), id),
        };
        if !exists {
            return Err(FujitsuError::NotFound(format!(
                "SourceNotFound: eventnotification.sourceIds[{i}] '{id}' is not a {} of the tenant",
                source_type.unwrap_or(DB_INSTANCE)
            )));
        }
    }
    Ok(())
}

/// `POST eventnotifications` (1.7.2.1).
pub fn create(f: &Fujitsu, call: &Call) -> Res {
    let spec: SubscriptionSpec = rules::create_spec(&body(call)?)?;
    let _guard = f.lock();
    sources_exist(f, call, spec.source_type.as_deref(), &spec.source_ids)?;
    let id = match spec.id {
        Some(id) if f.subscriptions.contains(call.tenant(), &id) => {
            return Err(FujitsuError::Duplicate(format!(
                "SubscriptionAlreadyExist: eventnotification.id '{id}' is already an event subscription of the tenant"
            )))
        }
        Some(id) => id,
        None => loop {
            let id = format!("subscription-{}", call.cx.ids.alnum_lower(12));
            if !f.subscriptions.contains(call.tenant(), &id) {
                break id;
            }
        },
    };
    let count = f.subscriptions.count(call.tenant());
    if count as u64 >= call.settings.quota_subscriptions {
        return Err(FujitsuError::OverLimit(format!(
            "SubscriptionQuotaExceeded: the tenant already has {count} of {} event subscriptions",
            call.settings.quota_subscriptions
        )));
    }
    let s = Subscription {
        id: id.clone(),
        tenant: call.tenant().to_owned(),
        name: spec.name,
        description: spec.description,
        enabled: spec.enabled,
        categories: spec.categories,
        source_ids: spec.source_ids,
        source_type: spec.source_type,
        created: call.cx.now,
        seq: f.subscriptions.list(call.tenant()).iter().map(|s| s.seq).max().unwrap_or(0) + 1,
        delivered: 0,
    };
    let out = one(&s, call);
    f.subscriptions.insert(call.tenant(), &id, s);
    out
}

/// `PUT eventnotifications/{id}`: `action.modify` (1.7.2.3) or `action.add` /
/// `action.remove` (1.7.2.4).
pub fn update(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let b = body(call)?;
    let action = common::read("action", &b.action, "object")?;
    let op = rules::update_action(action)?;
    let _guard = f.lock();
    let mut s = f.subscriptions.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    match op {
        Update::Modify => {
            let spec = rules::modify_spec(&b)?;
            rules::type_keeps_sources(s.source_type.as_deref(), spec.source_type.as_deref(), &s.source_ids)?;
            s.name = spec.name;
            if spec.description.is_some() {
                s.description = spec.description;
            }
            s.enabled = spec.enabled;
            s.categories = spec.categories;
            s.source_type = spec.source_type;
        }
        Update::Add | Update::Remove => {
            let ids = rules::sources_spec(&b)?;
            let Some(st) = s.source_type.clone() else {
                return Err(FujitsuError::Unprocessable(format!(
                    "InvalidSubscriptionState: subscription '{id}' has no sourceType, so it takes no sourceIds"
                )));
            };
            if op == Update::Add {
                sources_exist(f, call, Some(&st), &ids)?;
                for x in ids {
                    if !s.source_ids.contains(&x) {
                        s.source_ids.push(x);
                    }
                }
                if s.source_ids.len() > rules::MAX_LIST {
                    return Err(FieldError::says("eventnotification.sourceIds", "a subscription takes at most 100").into());
                }
            } else {
                if let Some((i, x)) = ids.iter().enumerate().find(|(_, x)| !s.source_ids.contains(x)) {
                    return Err(FujitsuError::NotFound(format!(
                        "SourceNotFound: eventnotification.sourceIds[{i}] '{x}' is not a source of subscription '{id}'"
                    )));
                }
                s.source_ids.retain(|x| !ids.contains(x));
            }
        }
    }
    let out = one(&s, call);
    f.subscriptions.insert(call.tenant(), id, s);
    out
}

/// `DELETE eventnotifications/{id}` (1.7.2.2): 202.
pub fn delete(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let _guard = f.lock();
    f.subscriptions.remove(call.tenant(), id).ok_or_else(|| not_found(id))?;
    Ok(Out::accepted())
}

/// `GET eventnotifications/{id}` (1.7.2.6).
pub fn show(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let s = f.subscriptions.get(call.tenant(), id).ok_or_else(|| not_found(id))?;
    one(&s, call)
}

/// `GET eventnotifications` (1.7.2.5): creation order, `limit`, `marker` an id or name.
pub fn list(f: &Fujitsu, call: &Call) -> Res {
    let page = query::page(call.req, call.settings.clamp_list_limit)?;
    let mut all = f.subscriptions.list(call.tenant());
    all.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    let start = query::start_after(&all, page.marker.as_deref(), |s| &s.id, |s| &s.name)?;
    let items: Vec<Value> =
        all.iter().skip(start).take(page.limit).map(|s| json!({ "eventSubscription": element(s, call) })).collect();
    json_out(&json!({ "eventSubscriptions": items }))
}

/// `GET eventcategories/{sourceType}` (1.7.2.7): the map of the one source type named
/// (the example shows both; the path names one). Another type: 404.
pub fn categories(source_type: &str) -> Res {
    let list = match source_type {
        DB_INSTANCE => history::INSTANCE_CATEGORIES,
        DB_SNAPSHOT => history::SNAPSHOT_CATEGORIES,
        other => {
            return Err(FujitsuError::NotFound(format!(
                "SourceTypeNotFound: sourceType '{other}' is not db-instance or db-snapshot"
            )))
        }
    };
    json_out(&json!({"eventCategoriesMaps": [{"eventCategoriesMap": {"eventCategories": list, "sourceType": source_type}}]}))
}

/// `GET events` (1.7.2.8).
pub fn list_events(f: &Fujitsu, call: &Call) -> Res {
    let pairs = call.req.query_pairs();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let clock = call.cx.clock;
    let start = get("startTime").map(|s| rules::query_time("startTime", s)).transpose()?;
    let end = get("endTime").map(|s| rules::query_time("endTime", s)).transpose()?;
    let minutes = rules::duration_minutes(get("duration"))?;
    let (from, to) = rules::window(start, end, minutes, clock.to_utc(call.cx.now))?;
    let source_type = rules::source_type("sourceType", get("sourceType"))?;
    let wanted: Vec<String> = pairs.iter().filter(|(k, _)| k == "eventCategory").map(|(_, v)| v.clone()).collect();
    let known = history::categories(source_type.as_deref());
    if let Some(c) = wanted.iter().find(|c| !known.contains(&c.as_str())) {
        return Err(FieldError::says("eventCategory", format!("'{c}' is not an event category")).into());
    }
    let source_id = get("sourceId");
    let limit = query::limit(get("limit"), call.settings.clamp_list_limit)?;
    let marker = get("marker").map(|m| rules::query_time("marker", m)).transpose()?;
    let mut events: Vec<DbEvent> = f
        .history()
        .of(call.tenant())
        .into_iter()
        .filter(|e| {
            let at = clock.to_utc(e.date);
            at >= from
                && at <= to
                && marker.is_none_or(|m| at < m)
                && source_type.as_deref().is_none_or(|t| e.source_type == t)
                && source_id.is_none_or(|id| e.source_id == id)
                && (wanted.is_empty() || wanted.iter().any(|w| *w == e.category))
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.date, e.seq)));
    let items: Vec<Value> = events
        .iter()
        .take(limit)
        .map(|e| {
            json!({
                "date": time_text(call.cx, e.date),
                "eventCategories": [e.category],
                "message": e.message,
                "sourceIdentifier": e.source_id,
                "sourceType": e.source_type,
            })
        })
        .collect();
    json_out(&json!({ "events": items }))
}

/// Whether an event reaches a subscription.
pub fn matches(s: &Subscription, e: &DbEvent) -> bool {
    s.tenant == e.tenant
        && s.enabled
        && s.source_type.as_deref().is_none_or(|t| t == e.source_type)
        && (s.source_ids.is_empty() || s.source_ids.iter().any(|x| *x == *e.source_id))
        && (s.categories.is_empty() || s.categories.iter().any(|c| *c == e.category))
}
