//! Rules that look at the world rather than at one field: references that must exist
//! (404 `itemNotFound`, the field named), ids that must be free (400
//! `DBInstanceAlreadyExists`), quotas (413 `overLimit`) and the snapshot a restore
//! needs (422). Pure: the handler hands in what it read.

use super::super::catalog;
use super::super::error::FujitsuError;
use super::super::model::{Snapshot, SnapshotStatus, SnapshotType, Subnet, Tenant};

/// "存在するフレーバーID を指定する" (seed 341, 1597, 5964): a flavor of 1.2.2.14.
pub fn flavor_exists(field: &str, id: &str) -> Result<(), FujitsuError> {
    match catalog::flavor(id) {
        Some(_) => Ok(()),
        None => Err(FujitsuError::NotFound(format!("FlavorNotFound: {field} '{id}' is not a flavor"))),
    }
}

/// A subnet the tenant owns (00-decisions: 404 naming `subnetId`).
pub fn subnet_owned<'t>(field: &str, tenant: &'t Tenant, id: &str) -> Result<&'t Subnet, FujitsuError> {
    tenant
        .subnets
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| FujitsuError::NotFound(format!("SubnetNotFound: {field} '{id}' is not a subnet of the tenant")))
}

/// A DB parameter group of the tenant ("Default: default DB parameter group", seed
/// 548–555; the groups exist per tenant until their endpoints arrive).
pub fn parameter_group_owned(field: &str, tenant: &Tenant, id: &str) -> Result<(), FujitsuError> {
    if tenant.parameter_groups.iter().any(|g| g == id) {
        return Ok(());
    }
    Err(FujitsuError::NotFound(format!(
        "DBParameterGroupNotFound: {field} '{id}' is not a parameter group of the tenant"
    )))
}

/// Every VPC security group named is the tenant's (seed 539–546).
pub fn security_groups_owned(field: &str, tenant: &Tenant, ids: &[String]) -> Result<(), FujitsuError> {
    for (i, id) in ids.iter().enumerate() {
        if !tenant.security_groups.iter().any(|g| g == id) {
            return Err(FujitsuError::NotFound(format!(
                "SecurityGroupNotFound: {field}[{i}] '{id}' is not a security group of the tenant"
            )));
        }
    }
    Ok(())
}

/// An instance id is free in the tenant (extract 01 row 22; "リストア元の DB インスタンス
/// が存在している場合、同一の ID を指定することはできません", seed 2610, 3714).
pub fn id_unused(field: &str, id: &str, taken: bool) -> Result<(), FujitsuError> {
    if taken {
        return Err(FujitsuError::AlreadyExists(format!("{field} '{id}' is already an instance of the tenant")));
    }
    Ok(())
}

/// Knob `fujitsu.quota.instances`: instances per tenant (extract 01 row 77).
pub fn instance_quota(count: usize, max: u64) -> Result<(), FujitsuError> {
    if count as u64 >= max {
        return Err(FujitsuError::OverLimit(format!(
            "InstanceQuotaExceeded: the tenant already has {count} of {max} instances"
        )));
    }
    Ok(())
}

/// Knob `fujitsu.quota.volumeGb`: total disk per tenant; 0 = no limit.
pub fn volume_quota(field: &str, total: u64, adding: u64, max: u64) -> Result<(), FujitsuError> {
    if max > 0 && total + adding > max {
        return Err(FujitsuError::OverLimit(format!(
            "StorageQuotaExceeded: {field} would bring the tenant to {} of {max} GB",
            total + adding
        )));
    }
    Ok(())
}

/// A restore needs an `Available` snapshot (extract 02 §4.5).
pub fn snapshot_available(s: &Snapshot) -> Result<(), FujitsuError> {
    if s.status != SnapshotStatus::Available {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidDBSnapshotState: snapshot.id '{}' is {}, not Available",
            s.id,
            s.status.as_str()
        )));
    }
    Ok(())
}

/// "DB スナップショット(1.3.2.1)を用いて手動で作成した DB スナップショットから" (seed
/// 2591, 3700): a restore takes a manual snapshot; the automated ones are PITR's.
pub fn snapshot_manual(s: &Snapshot) -> Result<(), FujitsuError> {
    if s.snapshot_type != SnapshotType::Manual {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidDBSnapshotState: snapshot.id '{}' is an automated backup; restore takes a manual DB snapshot \
             (seed 2591), recover from automated backups with point-in-time recovery (1.2.2.5)",
            s.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ProviderError;

    fn tenant() -> Tenant {
        Tenant {
            id: "t".into(),
            subnets: vec![Subnet { id: "s1".into(), cidr: "10.0.0.0/24".into(), internet_gateway: true }],
            parameter_groups: vec!["default".into()],
            security_groups: vec!["default".into(), "secid1".into()],
        }
    }

    #[test]
    fn references_must_exist_and_name_the_field() {
        let t = tenant();
        assert!(flavor_exists("instance.flavorRef", "11").is_ok());
        let e = flavor_exists("instance.flavorRef", "99").unwrap_err();
        assert_eq!(e.status(), hyper::StatusCode::NOT_FOUND);
        assert!(e.body("")["Error"]["message"].as_str().unwrap().contains("instance.flavorRef"));
        assert!(subnet_owned("instance.subnetId", &t, "s1").is_ok());
        assert!(subnet_owned("instance.subnetId", &t, " s1").is_err(), "00-decisions: no trimming");
        assert!(parameter_group_owned("instance.parameterGroupId", &t, "nope").is_err());
        let e = security_groups_owned("instance.securityGroupIds", &t, &["secid1".into(), "x".into()]).unwrap_err();
        assert!(format!("{e:?}").contains("securityGroupIds[1]"));
    }

    #[test]
    fn quotas_and_ids() {
        assert!(instance_quota(19, 20).is_ok());
        assert_eq!(instance_quota(20, 20).unwrap_err().status(), hyper::StatusCode::PAYLOAD_TOO_LARGE);
        assert!(volume_quota("instance.volume.size", 90, 20, 0).is_ok());
        assert!(volume_quota("instance.volume.size", 90, 20, 100).is_err());
        assert_eq!(id_unused("instance.id", "db1", true).unwrap_err().status(), hyper::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_restore_needs_an_available_snapshot() {
        use crate::providers::fujitsu::model::SnapshotSource;
        let i = crate::providers::fujitsu::chaos::tests::sample_instance();
        let mut s = Snapshot {
            id: "snap1".into(),
            tenant: "t".into(),
            instance_id: i.id.to_string(),
            name: "snap1".into(),
            description: None,
            snapshot_type: SnapshotType::Manual,
            status: SnapshotStatus::Available,
            created: crate::clock::SimInstant::ZERO,
            cancelling: false,
            source: SnapshotSource::of(&i, crate::clock::SimInstant::ZERO),
        };
        assert!(snapshot_available(&s).is_ok());
        for st in [SnapshotStatus::InProgress, SnapshotStatus::Deleted, SnapshotStatus::Error] {
            s.status = st;
            assert_eq!(snapshot_available(&s).unwrap_err().status(), hyper::StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}
