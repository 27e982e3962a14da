//! The organization audit log (O1 `Activity`, spec §9.5): recording, and
//! `GET ORG/activities[/{activityId}]`.

use std::sync::atomic::Ordering;

use super::model::Activity;
use super::routes::Op;
use super::{Call, ChError, ClickHouse, Res};
use crate::providers::Cx;

/// Records an activity done through the API by the call's key.
pub fn record(ch: &ClickHouse, call: &Call, kind: &str, service_id: Option<&str>) {
    record_with(ch, call, kind, service_id, None, None)
}

/// Records an API activity about a key (`targetKeyId`, `keyUpdateType`).
pub fn record_with(
    ch: &ClickHouse,
    call: &Call,
    kind: &str,
    service_id: Option<&str>,
    target_key_id: Option<&str>,
    key_update_type: Option<&str>,
) {
    let a = Activity {
        id: call.cx.ids.uuid(),
        org_id: call.org.id.clone(),
        seq: ch.activity_seq.fetch_add(1, Ordering::Relaxed),
        created_at: call.cx.now,
        kind: kind.to_owned(),
        actor_type: "api".into(),
        actor_id: call.key.id.clone(),
        actor_details: format!("API key {}", call.key.name),
        actor_ip_address: call.cx.peer.ip().to_string(),
        service_id: service_id.map(str::to_owned),
        user_agent: call.req.header("user-agent").map(str::to_owned),
        target_key_id: target_key_id.map(str::to_owned),
        key_update_type: key_update_type.map(str::to_owned),
    };
    ch.activities.insert(&a.org_id.clone(), &a.id.clone(), a);
}

/// Records an activity done by the system (timers, transitions).
pub fn record_system(ch: &ClickHouse, cx: &Cx, org: &str, kind: &str, service_id: Option<&str>) {
    let a = Activity {
        id: cx.ids.uuid(),
        org_id: org.to_owned(),
        seq: ch.activity_seq.fetch_add(1, Ordering::Relaxed),
        created_at: cx.now,
        kind: kind.to_owned(),
        actor_type: "system".into(),
        actor_id: "system".into(),
        actor_details: "ClickHouse Cloud".into(),
        actor_ip_address: String::new(),
        service_id: service_id.map(str::to_owned),
        user_agent: None,
        target_key_id: None,
        key_update_type: None,
    };
    ch.activities.insert(org, &a.id.clone(), a);
}

pub fn handle(_ch: &ClickHouse, _call: &Call, op: &Op) -> Res {
    Err(ChError::NotFound(format!("{} is not served yet", op.name())))
}
