//! Create a read replica (1.2.2.12, seed 5918–6677): the `instance` fields the table
//! lists (others ignored, extract 02 §12.2), and the source's preconditions (seed
//! 5922–5926). Omitted fields take the source's values, except `parameterGroupId` and
//! `securityGroupIds`, whose default is the tenant's default group (A26), and `id`,
//! "the source's value; random if it is a duplicate" (A25).

use crate::validation::FieldError;

use super::super::error::FujitsuError;
use super::super::model::{Instance, Recovery, Weekly};
use super::super::wire::InstanceBody;
use super::common::*;
use super::create::recovery_value;
use super::windows;

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSpec {
    pub source_tenant: Option<String>,
    pub source_id: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub flavor: Option<String>,
    pub volume_size: Option<u32>,
    pub volume_type: Option<String>,
    pub subnet_id: String,
    pub port: Option<u16>,
    pub maintenance_window: Option<Weekly>,
    /// No `multi` rule here (A16): allowed on every replica.
    pub recovery: Option<Recovery>,
    pub auto_maintenance: Option<bool>,
    pub publicly_accessible: Option<bool>,
    pub security_groups: Option<Vec<String>>,
    pub parameter_group: Option<String>,
    pub download_log_extension: Option<bool>,
}


pub fn replica_spec(body: &InstanceBody) -> Result<ReplicaSpec, FieldError> {
    let i = need("instance", &body.instance, "object")?;
    let src = need(field!("readReplicaSrcDBInstance"), &i.read_replica_src_db_instance, "object")?;
    let source_tenant = string(field!("readReplicaSrcDBInstance.tenantId"), &src.tenant_id)?
        .map(|s| max_255(field!("readReplicaSrcDBInstance.tenantId"), s).map(str::to_owned))
        .transpose()?;
    let source_id = match (&src.id, &src.id_capital) {
        (None, Some(_)) => need(field!("readReplicaSrcDBInstance.Id"), &src.id_capital, "string")?,
        _ => need(field!("readReplicaSrcDBInstance.id"), &src.id, "string")?,
    };
    let source_id = max_255(field!("readReplicaSrcDBInstance.id"), source_id)?.to_owned();
    let subnet_id = max_255(field!("subnetId"), need(field!("subnetId"), &i.subnet_id, "string")?)?.to_owned();
    let flavor =
        string(field!("flavorRef"), &i.flavor_ref)?.map(|s| max_255(field!("flavorRef"), s).map(str::to_owned)).transpose()?;
    let (volume_size, volume_type) = match read(field!("volume"), &i.volume, "object")? {
        None => (None, None),
        Some(v) => (
            integer(field!("volume.size"), &v.size)?.map(|n| volume_size(field!("volume.size"), n)).transpose()?,
            string(field!("volume.type"), &v.kind)?.map(|t| volume_type(field!("volume.type"), t)).transpose()?,
        ),
    };
    let recovery = read(field!("preferredRecoveryTime"), &i.preferred_recovery_time, "object")?
        .map(|r| recovery_value(field!("preferredRecoveryTime"), r))
        .transpose()?;
    Ok(ReplicaSpec {
        source_tenant,
        source_id,
        id: string(field!("id"), &i.id)?.map(|s| instance_id(field!("id"), s)).transpose()?,
        name: string(field!("name"), &i.name)?.map(|s| instance_name(field!("name"), s)).transpose()?,
        description: string(field!("description"), &i.description)?
            .map(|s| description(field!("description"), s))
            .transpose()?,
        flavor,
        volume_size,
        volume_type,
        subnet_id,
        port: integer(field!("port"), &i.port)?.map(|n| port(field!("port"), n)).transpose()?,
        maintenance_window: string(field!("preferredMaintenanceWindow"), &i.preferred_maintenance_window)?
            .map(|s| windows::maintenance_window(field!("preferredMaintenanceWindow"), s))
            .transpose()?,
        recovery,
        auto_maintenance: boolean(field!("autoMaintenance"), &i.auto_maintenance)?,
        publicly_accessible: boolean(field!("publiclyAccessible"), &i.publicly_accessible)?,
        security_groups: read(field!("securityGroupIds"), &i.security_group_ids, "array")?
            .map(|items| security_group_ids(field!("securityGroupIds"), items))
            .transpose()?
            .filter(|ids| !ids.is_empty()),
        parameter_group: string(field!("parameterGroupId"), i.parameter_group())?
            .map(|s| max_255(field!("parameterGroupId"), s).map(str::to_owned))
            .transpose()?,
        download_log_extension: boolean(field!("downloadLogExtension"), &i.download_log_extension)?,
    })
}

/// Seed 5922–5926: the source is redundant (`multi` true), keeps automated backups
/// (`backupRetentionPeriod` ≥ 1) and runs `enterprisepostgres`. A replica of a replica
/// is refused too (inferred: a replica has no automated backups of its own).
pub fn source_preconditions(src: &Instance) -> Result<(), FujitsuError> {
    let refuse = |why: &str| {
        Err(FujitsuError::Unprocessable(format!(
            "InvalidDBInstanceState: the read replica source {} {why} (seed 1.2.2.12)",
            src.id
        )))
    };
    if !src.multi {
        return refuse("must have multi=true");
    }
    if src.backup_retention < 1 {
        return refuse("must have backupRetentionPeriod of 1 or more");
    }
    if src.engine != "enterprisepostgres" {
        return refuse("must have engine enterprisepostgres");
    }
    if src.replica_of.is_some() {
        return refuse("is itself a read replica");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use serde_json::{json, Value};

    fn spec(v: Value) -> Result<ReplicaSpec, FieldError> {
        replica_spec(&mirror(&json!({"action": {"readreplica": ""}, "instance": v})).unwrap())
    }

    #[test]
    fn the_source_and_subnet_are_required() {
        let s = spec(json!({"subnetId": "s1", "readReplicaSrcDBInstance": {"id": "src"}})).unwrap();
        assert_eq!((s.source_id.as_str(), s.source_tenant), ("src", None));
        let s = spec(json!({"subnetId": "s1", "readReplicaSrcDBInstance": {"Id": "src", "tenantId": "t"}})).unwrap();
        assert_eq!((s.source_id.as_str(), s.source_tenant.as_deref()), ("src", Some("t")));
        assert_eq!(spec(json!({"readReplicaSrcDBInstance": {"id": "src"}})).unwrap_err().field, "instance.subnetId");
        assert_eq!(spec(json!({"subnetId": "s"})).unwrap_err().field, "instance.readReplicaSrcDBInstance");
        assert_eq!(
            spec(json!({"subnetId": "s", "readReplicaSrcDBInstance": {"tenantId": "t"}})).unwrap_err().field,
            "instance.readReplicaSrcDBInstance.id"
        );
    }

    #[test]
    fn fields_follow_the_create_rules() {
        let base = |k: &str, v: Value| {
            let mut o = json!({"subnetId": "s1", "readReplicaSrcDBInstance": {"id": "src"}});
            o[k] = v;
            spec(o)
        };
        assert_eq!(base("id", json!("bad--id")).unwrap_err().field, "instance.id");
        assert_eq!(base("port", json!(99)).unwrap_err().field, "instance.port");
        assert_eq!(base("volume", json!({"type": "SSD"})).unwrap_err().field, "instance.volume.type");
        assert_eq!(
            base("preferredMaintenanceWindow", json!("Sun:1")).unwrap_err().field,
            "instance.preferredMaintenanceWindow"
        );
        let r = base("preferredRecoveryTime", json!({"applyImmediately": true, "time": "01:00"}));
        assert_eq!(r.unwrap_err().field, "instance.preferredRecoveryTime.time");
        assert!(base("preferredRecoveryTime", json!({"time": "01:00"})).is_ok(), "no multi rule (A16)");
    }

    /// Seed 5922–5926.
    #[test]
    fn the_source_must_be_redundant_backed_up_and_enterprisepostgres() {
        let mut src = crate::providers::fujitsu::chaos::tests::sample_instance();
        assert!(source_preconditions(&src).is_ok());
        src.multi = false;
        assert!(format!("{:?}", source_preconditions(&src).unwrap_err()).contains("multi"));
        src.multi = true;
        src.backup_retention = 0;
        assert!(format!("{:?}", source_preconditions(&src).unwrap_err()).contains("backupRetentionPeriod"));
        src.backup_retention = 1;
        src.engine = "other".into();
        assert!(format!("{:?}", source_preconditions(&src).unwrap_err()).contains("engine"));
    }
}
