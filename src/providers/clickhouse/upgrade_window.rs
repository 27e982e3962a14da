//! Upgrade windows (`SVC/upgradeWindow`: `upgradeWindowGet`, `upgradeWindowUpdate` (PUT),
//! `upgradeWindowDelete`).
//!
//! Owns the `upgrade_windows` table, keyed `(organization, service id)`. A window is set
//! on primary services only (a secondary inherits its primary's: 400), lasts 6 hours from
//! `startHourUtc`, and needs the organization's scheduled-upgrades feature (hidden
//! attribute `scheduledUpgrades`, on by default; 403 without it; a delete works without
//! it). GET and DELETE answer 404 when none is configured.
//! Authority: the official document (`UpgradeWindow`, `UpgradeWindowPutRequest` and the
//! operations' error lists).

use serde_json::{json, Value};

use super::model::{Service, UpgradeWindow};
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetUpgradeWindow { service } => {
            ch.service(&call.org.id, service)?;
            let w = ch.upgrade_windows.get(&call.org.id, service).ok_or_else(not_configured)?;
            Ok(Out::Result(view(&w)))
        }
        Op::UpdateUpgradeWindow { service } => update(ch, call, service),
        Op::DeleteUpgradeWindow { service } => {
            primary(ch, call, service)?;
            ch.upgrade_windows.remove(&call.org.id, service).ok_or_else(not_configured)?;
            Ok(Out::Empty)
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn not_configured() -> ChError {
    ChError::NotFound("Upgrade window not found".into())
}

/// Official `UpgradeWindow`: `{weekday, startHourUtc, duration: 6}`.
pub fn view(w: &UpgradeWindow) -> Value {
    json!({"weekday": w.weekday, "startHourUtc": w.start_hour_utc, "duration": 6})
}

/// The service, if it may carry a window (a primary service).
fn primary(ch: &ClickHouse, call: &Call, service: &str) -> Result<Service, ChError> {
    let s = ch.service(&call.org.id, service)?;
    if !s.is_primary {
        return Err(ChError::BadRequest(
            "The upgrade window can only be set on primary services; secondary services inherit it".into(),
        ));
    }
    Ok(s)
}

/// `upgradeWindowUpdate`: creates or fully replaces the window.
fn update(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = primary(ch, call, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["weekday", "startHourUtc"], call.settings.strict_unknown_fields)?;
    let weekday = f.number("weekday")?.ok_or_else(|| FieldError::required("weekday"))?;
    let weekday = rules::weekday("weekday", weekday)?;
    let start = f.number("startHourUtc")?.ok_or_else(|| FieldError::required("startHourUtc"))?;
    let start_hour_utc = rules::upgrade_start_hour(start)?;
    if !call.org.hidden.scheduled_upgrades {
        return Err(ChError::Forbidden("Scheduled upgrades are not enabled for this organization".into()));
    }
    let w = UpgradeWindow { org_id: call.org.id.clone(), service_id: s.id.to_string(), weekday, start_hour_utc };
    ch.upgrade_windows.insert(&call.org.id, service, w.clone());
    Ok(Out::Result(view(&w)))
}
