//! Restore from a DB snapshot (1.2.2.4, seed 2589–3692) and point-in-time recovery
//! (1.2.2.5, seed 3693–4791): the bodies beyond `instance` (which `create::instance_spec`
//! reads), the restore time and its range, and the credential rules.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::validation::{FieldError, Rule};

use super::super::wire::InstanceBody;
use super::common::*;
use super::create::{instance_spec, Family, InstanceSpec};

#[derive(Debug, Clone, PartialEq)]
pub struct RestoreSpec {
    pub snapshot_id: String,
    pub instance: InstanceSpec,
}

/// The point PITR restores to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestorePoint {
    /// `useLatestRestorableTime: true`.
    Latest,
    At(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PitrSpec {
    pub point: RestorePoint,
    /// The field that named the time (`restore.restoreTime` or the example's top-level
    /// `restoreTime`), for the range error.
    pub time_field: &'static str,
    pub instance: InstanceSpec,
}

fn instance(body: &InstanceBody, family: Family) -> Result<InstanceSpec, FieldError> {
    let i = need("instance", &body.instance, "object")?;
    instance_spec(family, i)
}

/// 1.2.2.4: `snapshot.id` 1..1 "Existing snapshot ID" (seed 2630–2642; the child list
/// spells it `Id`), then `instance`.
pub fn restore_spec(body: &InstanceBody) -> Result<RestoreSpec, FieldError> {
    let snapshot = need("snapshot", &body.snapshot, "object")?;
    let id = match (&snapshot.id, &snapshot.id_capital) {
        (None, Some(_)) => need("snapshot.Id", &snapshot.id_capital, "string")?,
        _ => need("snapshot.id", &snapshot.id, "string")?,
    };
    let snapshot_id = max_255("snapshot.id", id)?.to_owned();
    Ok(RestoreSpec { snapshot_id, instance: instance(body, Family::Restore)? })
}

/// The PITR action key: `restoretopleveltime` in the table (seed 3725–3732),
/// `restoretointime` in the example (4698); either is accepted (extract 02 A1), nothing
/// else.
pub fn pitr_action(action: Option<&Map<String, Value>>) -> Result<(), FieldError> {
    const KEYS: &[&str] = &["restoretopleveltime", "restoretointime"];
    let Some(action) = action else { return Err(FieldError::required("action.restoretopleveltime")) };
    if let Some(k) = action.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(FieldError::says(
            format!("action.{k}"),
            "is not an action of POST /instances/{instanceId} (restoretopleveltime)",
        ));
    }
    if action.is_empty() {
        return Err(FieldError::required("action.restoretopleveltime"));
    }
    Ok(())
}

/// 1.2.2.5: `action`, `restore.restoreTime` / `restore.useLatestRestorableTime` (or the
/// example's top-level `restoreTime`, A2), then `instance`.
pub fn pitr_spec(body: &InstanceBody) -> Result<PitrSpec, FieldError> {
    pitr_action(read("action", &body.action, "object")?)?;
    let restore = read("restore", &body.restore, "object")?;
    let (time_field, time, latest_field, latest) = match restore {
        Some(r) => {
            ("restore.restoreTime", &r.restore_time, "restore.useLatestRestorableTime", &r.use_latest_restorable_time)
        }
        None => ("restoreTime", &body.restore_time, "useLatestRestorableTime", &body.use_latest_restorable_time),
    };
    let time = string(time_field, time)?;
    let latest = boolean(latest_field, latest)?;
    let point = restore_point(time_field, time, latest)?;
    Ok(PitrSpec { point, time_field, instance: instance(body, Family::Pitr)? })
}

/// Seed 3739–3765: `restoreTime` is required unless `useLatestRestorableTime` is true,
/// and cannot be given when it is (A22: `false` with a time is fine).
pub fn restore_point(
    field: &'static str,
    time: Option<&str>,
    latest: Option<bool>,
) -> Result<RestorePoint, FieldError> {
    match (time, latest) {
        (Some(_), Some(true)) => Err(FieldError::new(field, Rule::ExcludedBy("useLatestRestorableTime"))),
        (None, Some(true)) => Ok(RestorePoint::Latest),
        (None, _) => Err(FieldError::says(field, "is required when useLatestRestorableTime is not true")),
        (Some(t), _) => Ok(RestorePoint::At(restore_time(field, t)?)),
    }
}

/// A UTC date-time: ISO-8601 with `Z` or an offset (`2009-09-07T23:45:00Z`, seed 3745),
/// or the example's `2014-07-10 10:00:00` read as UTC (seed 4699; A2).
pub fn restore_time(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            return Ok(t.and_utc());
        }
    }
    Err(FieldError::says(field, "must be a UTC date-time such as 2009-09-07T23:45:00Z"))
}

/// "最新のリストア可能時間より前でなければならない" (seed 3741): before the latest
/// restorable time, and not before the oldest retained automated backup (inferred).
pub fn restore_time_in_range(
    field: &str,
    t: DateTime<Utc>,
    earliest: DateTime<Utc>,
    latest: DateTime<Utc>,
) -> Result<(), FieldError> {
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if t >= latest {
        return Err(FieldError::says(field, format!("must be before the latest restorable time {}", fmt(latest))));
    }
    if t < earliest {
        return Err(FieldError::says(
            field,
            format!("must not be before the earliest restorable time {}", fmt(earliest)),
        ));
    }
    Ok(())
}

/// "リストア元の masterUserName と同じ値を指定してください" (seed 2874, 3993).
pub fn same_master_user_name(given: Option<&str>, source: &str) -> Result<(), FieldError> {
    match given {
        Some(g) if g != source => {
            Err(FieldError::says("instance.masterUserName", "must be the restore source's masterUserName"))
        }
        _ => Ok(()),
    }
}

/// The password must be the source's at the restore point (seed 2884, 4003–4004); the
/// caller compares hashes.
pub fn same_master_password(matches: bool) -> Result<(), FieldError> {
    if !matches {
        return Err(FieldError::says(
            "instance.masterUserPassword",
            "must be the masterUserPassword the source had at the restore point",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use chrono::TimeZone;
    use serde_json::json;

    fn body(v: Value) -> InstanceBody {
        mirror(&v).unwrap()
    }

    fn inst() -> Value {
        json!({"flavorRef": "1", "volume": {"size": 20}, "masterUserPassword": "pw"})
    }

    #[test]
    fn restore_needs_a_snapshot_id() {
        let b = body(json!({"action": {"restoresnapshot": ""}, "snapshot": {"id": "snap1"}, "instance": inst()}));
        assert_eq!(restore_spec(&b).unwrap().snapshot_id, "snap1");
        let b = body(json!({"action": {"restoresnapshot": ""}, "snapshot": {"Id": "snap1"}, "instance": inst()}));
        assert_eq!(restore_spec(&b).unwrap().snapshot_id, "snap1");
        let b = body(json!({"action": {"restoresnapshot": ""}, "instance": inst()}));
        assert_eq!(restore_spec(&b).unwrap_err().to_string(), "snapshot is required");
        let b = body(json!({"snapshot": {}, "instance": inst()}));
        assert_eq!(restore_spec(&b).unwrap_err().to_string(), "snapshot.id is required");
        let b = body(json!({"snapshot": {"id": "s"}}));
        assert_eq!(restore_spec(&b).unwrap_err().to_string(), "instance is required");
    }

    /// Seed 3739–3765 and A1, A2.
    #[test]
    fn pitr_takes_a_time_or_the_latest_but_not_both() {
        let b = body(
            json!({"action": {"restoretointime": ""}, "restore": {"useLatestRestorableTime": true}, "instance": inst()}),
        );
        assert_eq!(pitr_spec(&b).unwrap().point, RestorePoint::Latest);
        let b = body(
            json!({"action": {"restoretopleveltime": ""}, "restoreTime": "2014-07-10 10:00:00", "instance": inst()}),
        );
        let s = pitr_spec(&b).unwrap();
        assert_eq!(s.point, RestorePoint::At(Utc.with_ymd_and_hms(2014, 7, 10, 10, 0, 0).unwrap()));
        assert_eq!(s.time_field, "restoreTime");
        let b = body(json!({"action": {"restoretointime": ""}, "restore": {}, "instance": inst()}));
        assert!(pitr_spec(&b).unwrap_err().to_string().starts_with("restore.restoreTime is required"));
        let b = body(json!({"action": {"restoretointime": ""},
                            "restore": {"useLatestRestorableTime": true, "restoreTime": "2014-07-10T10:00:00Z"}, "instance": inst()}));
        assert_eq!(pitr_spec(&b).unwrap_err().field, "restore.restoreTime");
        let b = body(json!({"action": {}, "restore": {"useLatestRestorableTime": true}, "instance": inst()}));
        assert!(pitr_spec(&b).unwrap_err().field.starts_with("action"));
        let b = body(
            json!({"action": {"restoretointime": "", "stop": ""}, "restore": {"useLatestRestorableTime": true}, "instance": inst()}),
        );
        assert_eq!(pitr_spec(&b).unwrap_err().field, "action.stop");
        let b = body(
            json!({"action": {"restoretointime": ""}, "restore": {"useLatestRestorableTime": "yes"}, "instance": inst()}),
        );
        assert_eq!(pitr_spec(&b).unwrap_err().field, "restore.useLatestRestorableTime");
    }

    #[test]
    fn restore_times_parse_iso_and_the_examples_form() {
        assert!(restore_time("t", "2009-09-07T23:45:00Z").is_ok());
        assert!(restore_time("t", "2009-09-07T23:45:00+09:00").is_ok());
        assert!(restore_time("t", "2014-07-10 10:00:00").is_ok());
        assert!(restore_time("t", "yesterday").is_err());
        let at = |h| Utc.with_ymd_and_hms(2025, 1, 1, h, 0, 0).unwrap();
        assert!(restore_time_in_range("t", at(12), at(11), at(13)).is_ok());
        assert!(restore_time_in_range("t", at(13), at(11), at(13)).is_err(), "strictly before the latest");
        assert!(restore_time_in_range("t", at(10), at(11), at(13)).is_err());
    }

    #[test]
    fn credentials_must_be_the_sources() {
        assert!(same_master_user_name(None, "postgres").is_ok());
        assert!(same_master_user_name(Some("postgres"), "postgres").is_ok());
        assert_eq!(same_master_user_name(Some("x"), "postgres").unwrap_err().field, "instance.masterUserName");
        assert_eq!(same_master_password(false).unwrap_err().field, "instance.masterUserPassword");
    }
}
