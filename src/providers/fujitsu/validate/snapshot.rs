//! Rules of the DB snapshot family (seed 1.3.2.1–1.3.2.5, lines 7127–7682), one pure
//! function per rule. The handlers in `super::super::snapshots` run every one of them
//! before they write.
//!
//! The seed states the id and name rules (7156–7182, 7367–7392) and the list's query
//! (`limit` 20–100, `marker` an id or a name, `snapshotType`; 7476–7530). The state rules
//! are the instance state table's (`OpKind::Snapshot`, seed 247–272) plus inferences the
//! seed is silent on, each marked "inferred" with its reason.

use crate::validation::{FieldError, Rule};

use super::super::error::FujitsuError;
use super::super::model::{Snapshot, SnapshotStatus, SnapshotType};
use super::super::wire::{SnapshotBody, SnapshotRequest};
use super::common;

/// A validated create (1.3.2.1) or copy (1.3.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSpec {
    /// Create only: the instance to snapshot.
    pub instance_id: Option<String>,
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
}

fn request(body: &SnapshotBody) -> Result<&SnapshotRequest, FieldError> {
    common::need("snapshot", &body.snapshot, "object")
}

/// `snapshot.id`: "英数字またはハイフンのみ使用可 … 最大 63 文字", "Default: random value"
/// (seed 7156–7168, 7367–7379).
pub fn snapshot_id(field: &str, s: &str) -> Result<String, FieldError> {
    common::instance_id(field, s)
}

/// `snapshot.name`: the same rules, at most 255 characters, required (seed 7171–7182,
/// 7381–7392).
pub fn snapshot_name(field: &str, s: &str) -> Result<String, FieldError> {
    common::instance_name(field, s)
}

/// `snapshot.description`: no limit is printed (seed 7184–7189), so the general one:
/// "String 型の入力パラメーターの上限値は 255" (seed 170).
pub fn snapshot_description(field: &str, s: &str) -> Result<String, FieldError> {
    Ok(common::max_255(field, s)?.to_owned())
}

/// The fields both bodies share.
fn common_fields(r: &SnapshotRequest) -> Result<SnapshotSpec, FieldError> {
    let id = common::string("snapshot.id", &r.id)?.map(|s| snapshot_id("snapshot.id", s)).transpose()?;
    let name = common::need("snapshot.name", &r.name, "string").and_then(|s| snapshot_name("snapshot.name", s))?;
    let description = common::string("snapshot.description", &r.description)?
        .map(|s| snapshot_description("snapshot.description", s))
        .transpose()?;
    Ok(SnapshotSpec { instance_id: None, id, name, description })
}

/// `POST /snapshots`: `snapshot.instanceId` "1..1" (seed 7147–7152) and the shared fields.
pub fn create_spec(body: &SnapshotBody) -> Result<SnapshotSpec, FieldError> {
    let r = request(body)?;
    let instance = common::need("snapshot.instanceId", &r.instance_id, "string")?;
    if instance.is_empty() {
        return Err(FieldError::says("snapshot.instanceId", "must not be empty"));
    }
    common::max_255("snapshot.instanceId", instance)?;
    let mut spec = common_fields(r)?;
    spec.instance_id = Some(instance.clone());
    Ok(spec)
}

/// `PUT /snapshots/{id}`: the copy's id, name and description (seed 7360–7399).
pub fn copy_spec(body: &SnapshotBody) -> Result<SnapshotSpec, FieldError> {
    common_fields(request(body)?)
}

/// `snapshotType` of the list: "automated | manual" (seed 7518–7530); absent = both.
pub fn snapshot_type_filter(raw: Option<&str>) -> Result<Option<SnapshotType>, FieldError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("automated") => Ok(Some(SnapshotType::Automated)),
        Some(s) if s.eq_ignore_ascii_case("manual") => Ok(Some(SnapshotType::Manual)),
        Some(_) => Err(FieldError::new("snapshotType", Rule::OneOf(&["automated", "manual"]))),
    }
}

/// A snapshot id is free in the tenant (inferred: the seed lists 400 for the create and
/// names no duplicate rule; 400 like the instance ids', extract 01 row 22).
pub fn snapshot_id_unused(field: &str, id: &str, taken: bool) -> Result<(), FujitsuError> {
    if taken {
        return Err(FujitsuError::Duplicate(format!(
            "DBSnapshotAlreadyExists: {field} '{id}' is already a DB snapshot of the tenant"
        )));
    }
    Ok(())
}

/// Knob `fujitsu.quota.snapshots`: manual snapshots per tenant (413 `overLimit` is listed,
/// seed 7196–7210; no number is printed). Automated backups do not count: their number is
/// the retention period's.
pub fn snapshot_quota(count: usize, max: u64) -> Result<(), FujitsuError> {
    if count as u64 >= max {
        return Err(FujitsuError::OverLimit(format!(
            "SnapshotQuotaExceeded: the tenant already has {count} of {max} manual DB snapshots"
        )));
    }
    Ok(())
}

/// A copy needs an `Available` source (inferred: a copy of unfinished or deleted data
/// has nothing to copy; extract 03 §1.3.2.3).
pub fn copy_source_available(s: &Snapshot) -> Result<(), FujitsuError> {
    if s.status != SnapshotStatus::Available {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidDBSnapshotState: snapshot '{}' is {}; only an Available DB snapshot can be copied",
            s.id,
            s.status.as_str()
        )));
    }
    Ok(())
}

/// What a delete refuses (inferred, 422): a snapshot still `In_progress` (cancel it with
/// 1.2.2.11), one already `Deleted`, and an automated backup, which goes with its
/// retention period (`backupRetentionPeriod`, seed 557–568) or its instance.
pub fn snapshot_deletable(s: &Snapshot) -> Result<(), FujitsuError> {
    let why = match (s.status, s.snapshot_type) {
        (SnapshotStatus::InProgress, _) => "is In_progress (cancel it with the instance's cancel action, 1.2.2.11)",
        (SnapshotStatus::Deleted, _) => "is already Deleted",
        (_, SnapshotType::Automated) => {
            "is an automated backup: it goes at the end of the instance's backupRetentionPeriod"
        }
        _ => return Ok(()),
    };
    Err(FujitsuError::Unprocessable(format!("InvalidDBSnapshotState: snapshot '{}' {why}", s.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use serde_json::json;

    fn body(v: serde_json::Value) -> SnapshotBody {
        mirror(&v).unwrap()
    }

    #[test]
    fn a_create_needs_an_instance_and_a_name_that_follow_the_rules() {
        let ok = create_spec(&body(json!({"snapshot": {"instanceId": "db1", "name": "s1"}}))).unwrap();
        assert_eq!((ok.instance_id.as_deref(), ok.name.as_str(), ok.id), (Some("db1"), "s1", None));
        let field = |v| create_spec(&body(v)).unwrap_err().field;
        assert_eq!(field(json!({})), "snapshot");
        assert_eq!(field(json!({"snapshot": {"name": "s1"}})), "snapshot.instanceId");
        assert_eq!(field(json!({"snapshot": {"instanceId": "db1"}})), "snapshot.name");
        assert_eq!(field(json!({"snapshot": {"instanceId": "db1", "name": "1s"}})), "snapshot.name");
        assert_eq!(field(json!({"snapshot": {"instanceId": "db1", "name": "s", "id": "a--b"}})), "snapshot.id");
        assert_eq!(field(json!({"snapshot": {"instanceId": "db1", "name": "s", "id": "x".repeat(64)}})), "snapshot.id");
        assert_eq!(
            field(json!({"snapshot": {"instanceId": "db1", "name": "s", "description": "d".repeat(256)}})),
            "snapshot.description"
        );
    }

    #[test]
    fn the_type_filter_takes_the_two_documented_values() {
        assert_eq!(snapshot_type_filter(Some("automated")), Ok(Some(SnapshotType::Automated)));
        assert_eq!(snapshot_type_filter(Some("Manual")), Ok(Some(SnapshotType::Manual)));
        assert_eq!(snapshot_type_filter(None), Ok(None));
        assert_eq!(snapshot_type_filter(Some("daily")).unwrap_err().field, "snapshotType");
    }
}
