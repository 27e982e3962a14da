//! The organization audit log (O1 `Activity`, spec §9.5): recording, and
//! `GET ORG/activities[/{activityId}]`.
//!
//! Every module records through `record*` here; API calls record `actorType "api"` with
//! the key's management id, the peer IP and the User-Agent; timers record `"system"`.
//! The log is bounded: each organization keeps its newest `activities.max` entries (knob,
//! default 10,000), the oldest go first, so that years of simulated backups do not grow it
//! without end.
//! May touch: the `activities` table and its order. Rules (date parameters) live in
//! `validate::org`.

use compact_str::CompactString;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::model::{Activity, ServiceState};
use super::routes::Op;
use super::validate::org as rules;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::id::Id;
use crate::providers::Cx;

/// The activity types of the official document (`Activity.type`). Only these are ever
/// recorded: a transition with no type of its own (a service reaching `stopped`, say)
/// leaves no entry, as on the live API, whose log has no such type.
pub const TYPES: &[&str] = &[
    "create_organization",
    "organization_update_name",
    "transfer_service_in",
    "transfer_service_out",
    "save_payment_method",
    "marketplace_subscription",
    "migrate_marketplace_billing_details_in",
    "migrate_marketplace_billing_details_out",
    "organization_update_tier",
    "organization_invite_create",
    "organization_invite_delete",
    "organization_member_join",
    "organization_member_add",
    "organization_member_leave",
    "organization_member_delete",
    "organization_member_update_role",
    "organization_member_update_roles",
    "organization_member_update_mfa_method",
    "organization_saml_connection_create",
    "organization_saml_connection_update",
    "user_login",
    "user_login_failed",
    "user_logout",
    "key_create",
    "key_delete",
    "openapi_key_update",
    "service_create",
    "service_start",
    "service_stop",
    "service_awaken",
    "service_idle",
    "service_running",
    "service_partially_running",
    "service_delete",
    "service_update_name",
    "service_update_ip_access_list",
    "service_update_autoscaling_memory",
    "service_update_autoscaling_idling",
    "service_update_password",
    "service_update_autoscaling_replicas",
    "service_update_max_allowable_replicas",
    "service_update_backup_configuration",
    "service_update_snapshot_configuration",
    "service_restore_backup",
    "service_update_release_channel",
    "service_update_gpt_usage_consent",
    "service_update_private_endpoints",
    "service_import_to_organization",
    "service_export_from_organization",
    "service_maintenance_start",
    "service_maintenance_end",
    "service_update_core_dump",
    "backup_delete",
];

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
    debug_assert!(TYPES.contains(&kind), "activity type {kind} is not an official one");
    let a = Activity {
        id: call.cx.ids.uuid_id(),
        org_id: Id::new(&call.org.id),
        seq: 0, // the log numbers it
        created_at: call.cx.now,
        kind: kind.into(),
        actor_type: "api".into(),
        actor_id: call.key.id.as_str().into(),
        actor_details: {
            let mut d = CompactString::const_new("API key ");
            d.push_str(&call.key.name);
            d
        },
        actor_ip_address: ip_text(call.cx.peer.ip()),
        service_id: service_id.map(Id::new),
        user_agent: call.req.headers.get(hyper::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
        target_key_id: target_key_id.map(str::to_owned),
        key_update_type: key_update_type.map(CompactString::from),
    };
    ch.activities.record(a, max_entries(call.settings.activities_max));
}

/// The activity a service records when it reaches `state` by itself (a settle, an idle
/// check, a removal): `service_<state>` where the official types have one, else none.
pub fn reached(state: ServiceState) -> Option<&'static str> {
    use ServiceState::*;
    match state {
        Running => Some("service_running"),
        Idle => Some("service_idle"),
        PartiallyRunning => Some("service_partially_running"),
        Provisioning | Starting | Awaking | Degraded | Failed | Stopping | Stopped | Terminating | Terminated
        | Softdeleting | Softdeleted => None,
    }
}

/// An IP address as `Display` writes it; IPv4 (every local client) without the
/// formatter, which cost more than the rest of recording an activity.
fn ip_text(ip: std::net::IpAddr) -> CompactString {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let mut text = CompactString::default();
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                if octet >= 100 {
                    text.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    text.push(char::from(b'0' + octet / 10 % 10));
                }
                text.push(char::from(b'0' + octet % 10));
            }
            text
        }
        v6 => compact_str::ToCompactString::to_compact_string(&v6),
    }
}

/// Records an activity done by the system (timers, transitions).
pub fn record_system(ch: &ClickHouse, cx: &Cx, org: &str, kind: &str, service_id: Option<&str>) {
    if !TYPES.contains(&kind) {
        return;
    }
    let a = Activity {
        id: cx.ids.uuid_id(),
        org_id: Id::new(org),
        seq: 0, // the log numbers it
        created_at: cx.now,
        kind: kind.into(),
        actor_type: "system".into(),
        actor_id: "system".into(),
        actor_details: "ClickHouse Cloud".into(),
        actor_ip_address: CompactString::default(),
        service_id: service_id.map(Id::new),
        user_agent: None,
        target_key_id: None,
        key_update_type: None,
    };
    ch.activities.record(a, max_entries(ch.settings().activities_max));
}

/// The knob `activities.max` as a length.
fn max_entries(max: u64) -> usize {
    usize::try_from(max).unwrap_or(usize::MAX)
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListActivities => list(ch, call),
        // `activityId` is a plain string (O1), so any value is looked up; unknown → 404.
        Op::GetActivity { activity } => ch
            .activities
            .get(&call.org.id, activity)
            .map(|a| Out::Result(view(&a, call.cx)))
            .ok_or_else(|| ChError::not_found("Activity", activity)),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// An optional date query parameter (§9.5: ISO-8601 date-time, or `YYYY-MM-DD` read as
/// midnight UTC).
fn date_param(call: &Call, name: &str) -> Result<Option<DateTime<Utc>>, ChError> {
    match call.req.query_param(name) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => Ok(Some(rules::date_time(name, &s)?)),
    }
}

/// `GET ORG/activities?from_date=&to_date=`: both bounds optional and inclusive on
/// `createdAt`; newest first, ties (same second) broken by recording order, newest first.
fn list(ch: &ClickHouse, call: &Call) -> Res {
    let from = date_param(call, "from_date")?;
    let to = date_param(call, "to_date")?;
    rules::instant_order(from, to)?;
    let clock = call.cx.clock;
    let mut list = ch.activities.list_where(&call.org.id, |a| {
        let at = clock.to_utc(a.created_at);
        from.is_none_or(|f| at >= f) && to.is_none_or(|t| at <= t)
    });
    list.sort_by_key(|a| std::cmp::Reverse((a.created_at, a.seq)));
    Ok(Out::Result(Value::Array(list.iter().map(|a| view(a, call.cx)).collect())))
}

/// O1 `Activity`: `{id, createdAt, type, actorType, actorId, actorDetails,
/// actorIpAddress, organizationId, serviceId?, userAgent?, targetKeyId?, keyUpdateType?}`;
/// `type` is the activity kind (`service_create`, ...). Absent optional fields are omitted.
pub fn view(a: &Activity, cx: &Cx) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("createdAt".into(), json!(cx.iso(a.created_at)));
    m.insert("type".into(), json!(a.kind));
    m.insert("actorType".into(), json!(a.actor_type));
    m.insert("actorId".into(), json!(a.actor_id));
    m.insert("actorDetails".into(), json!(a.actor_details));
    m.insert("actorIpAddress".into(), json!(a.actor_ip_address));
    m.insert("organizationId".into(), json!(a.org_id));
    let optional = [
        ("serviceId", a.service_id.as_deref()),
        ("userAgent", a.user_agent.as_deref()),
        ("targetKeyId", a.target_key_id.as_deref()),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(v) = &a.key_update_type {
        m.insert("keyUpdateType".into(), json!(v));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reached_records_service_state_exactly_when_that_is_an_official_type() {
        for state in ServiceState::ALL {
            let kind = format!("service_{}", state.as_str());
            assert_eq!(reached(state), TYPES.contains(&kind.as_str()).then_some(kind.as_str()), "{state:?}");
        }
    }

    #[test]
    fn ip_text_is_what_display_writes() {
        for v4 in [[127, 0, 0, 1], [0, 0, 0, 0], [255, 255, 255, 255], [10, 100, 9, 99], [192, 168, 1, 200]] {
            let ip = std::net::IpAddr::from(v4);
            assert_eq!(ip_text(ip), ip.to_string());
        }
        let v6: std::net::IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(ip_text(v6), "2001:db8::1");
    }
}
