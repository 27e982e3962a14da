//! `instance` of modify (1.2.2.3, seed 1586–1909): every field optional; the overlap
//! and `maxSize` rules are checked on the resulting configuration (new values where
//! given, the instance's otherwise; extract 01 row 75). Keys the modify table does not
//! list (`multi`, `subnetId`, `engine`, `characterSet`, ...) are ignored (A19).

use crate::validation::{FieldError, Rule};

use super::super::model::{Daily, Instance, Restart, Volume, Weekly};
use super::super::wire::InstanceRequest;
use super::common::*;
use super::windows;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoScaleChange {
    pub volume_available: Option<bool>,
    pub volume_max_size: Option<u32>,
    pub volume_time: Option<Daily>,
    pub flavor_available: Option<bool>,
    pub flavor_time: Option<Daily>,
    pub replica_available: Option<bool>,
    pub replica_max_number: Option<u32>,
}

/// A validated modify: `restart` holds the seed 1.1.3 fields (and `id`, A17), the rest
/// need no restart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModifySpec {
    pub restart: Restart,
    pub name: Option<String>,
    pub description: Option<String>,
    pub backup_window: Option<Daily>,
    pub maintenance_window: Option<Weekly>,
    pub auto_maintenance: Option<bool>,
    pub security_groups: Option<Vec<String>>,
    pub parameter_group: Option<String>,
    pub backup_retention: Option<u8>,
    pub engine_version: Option<String>,
    pub master_password: Option<String>,
    pub download_log_extension: Option<bool>,
    pub auto_scale: AutoScaleChange,
    pub apply_immediately: bool,
}

impl ModifySpec {
    /// The request changes only the disk size (the `Failed` row's exception, seed 261;
    /// extract 01 §1.5.8 note).
    pub fn disk_only(&self) -> bool {
        let rest = ModifySpec {
            restart: Restart { volume: None, ..self.restart.clone() },
            apply_immediately: false,
            ..self.clone()
        };
        self.restart.volume.is_some() && rest == ModifySpec::default()
    }

    /// Changes that need no restart.
    pub fn has_plain_changes(&self) -> bool {
        let plain = ModifySpec { restart: Restart::default(), apply_immediately: false, ..self.clone() };
        plain != ModifySpec::default()
    }
}

const I: &str = "instance.";

fn f(name: &str) -> String {
    format!("{I}{name}")
}

/// The field rules of modify (seed 1593–1909).
pub fn modify_spec(i: &InstanceRequest) -> Result<ModifySpec, FieldError> {
    let flavor =
        string(field!("flavorRef"), &i.flavor_ref)?.map(|s| max_255(field!("flavorRef"), s).map(str::to_owned)).transpose()?;
    let volume = match read(field!("volume"), &i.volume, "object")? {
        None => None,
        Some(v) => {
            let size = integer(field!("volume.size"), &v.size)?.map(|n| volume_size(field!("volume.size"), n)).transpose()?;
            let kind = string(field!("volume.type"), &v.kind)?.map(|t| volume_type(field!("volume.type"), t)).transpose()?;
            match (size, kind) {
                (None, None) => None,
                (size, kind) => Some((size, kind)),
            }
        }
    };
    let port = integer(field!("port"), &i.port)?.map(|n| port(field!("port"), n)).transpose()?;
    let id = string(field!("id"), &i.id)?.map(|s| instance_id(field!("id"), s)).transpose()?;
    let name = string(field!("name"), &i.name)?.map(|s| instance_name(field!("name"), s)).transpose()?;
    let description =
        string(field!("description"), &i.description)?.map(|s| description(field!("description"), s)).transpose()?;
    let backup_window = string(field!("preferredBackupWindow"), &i.preferred_backup_window)?
        .map(|s| windows::backup_window(field!("preferredBackupWindow"), s))
        .transpose()?;
    let maintenance_window = string(field!("preferredMaintenanceWindow"), &i.preferred_maintenance_window)?
        .map(|s| windows::maintenance_window(field!("preferredMaintenanceWindow"), s))
        .transpose()?;
    let auto_maintenance = boolean(field!("autoMaintenance"), &i.auto_maintenance)?;
    let security_groups = read(field!("securityGroupIds"), &i.security_group_ids, "array")?
        .map(|items| security_group_ids(field!("securityGroupIds"), items))
        .transpose()?
        .filter(|ids| !ids.is_empty());
    let parameter_group = string(field!("parameterGroupId"), i.parameter_group())?
        .map(|s| max_255(field!("parameterGroupId"), s).map(str::to_owned))
        .transpose()?;
    let backup_retention = integer(field!("backupRetentionPeriod"), &i.backup_retention_period)?
        .map(|n| backup_retention(field!("backupRetentionPeriod"), n))
        .transpose()?;
    let engine_version = string(field!("engineVersion"), &i.engine_version)?
        .map(|s| engine_version(field!("engineVersion"), "enterprisepostgres", max_255(field!("engineVersion"), s)?))
        .transpose()?;
    let master_password = string(field!("masterUserPassword"), &i.master_user_password)?
        .map(|s| master_user_password(field!("masterUserPassword"), s))
        .transpose()?;
    let download_log_extension = boolean(field!("downloadLogExtension"), &i.download_log_extension)?;
    let apply_immediately = boolean(field!("applyImmediately"), &i.apply_immediately)?.unwrap_or(false);
    let auto_scale = auto_scale_change(i)?;
    Ok(ModifySpec {
        // The volume's size and type are completed from the instance by `resolve`.
        restart: Restart {
            flavor,
            volume: volume.map(|(size, kind)| Volume { size: size.unwrap_or(0), kind: kind.unwrap_or_default().into() }),
            port,
            id,
        },
        name,
        description,
        backup_window,
        maintenance_window,
        auto_maintenance,
        security_groups,
        parameter_group,
        backup_retention,
        engine_version,
        master_password,
        download_log_extension,
        auto_scale,
        apply_immediately,
    })
}

fn auto_scale_change(i: &InstanceRequest) -> Result<AutoScaleChange, FieldError> {
    let Some(a) = read(field!("autoScale"), &i.auto_scale, "object")? else { return Ok(AutoScaleChange::default()) };
    let mut c = AutoScaleChange::default();
    if let Some(v) = read(field!("autoScale.volume"), &a.volume, "object")? {
        c.volume_available = boolean(field!("autoScale.volume.available"), &v.available)?;
        // Checked against the resulting disk size in `resolve`; a multiple of 10 here.
        c.volume_max_size = integer(field!("autoScale.volume.maxSize"), &v.max_size)?
            .map(|n| autoscale_max_size(field!("autoScale.volume.maxSize"), n, 0))
            .transpose()?;
        c.volume_time = string(field!("autoScale.volume.time"), &v.time)?
            .map(|s| windows::autoscale_time(field!("autoScale.volume.time"), s))
            .transpose()?;
    }
    if let Some(v) = read(field!("autoScale.flavor"), &a.flavor, "object")? {
        c.flavor_available = boolean(field!("autoScale.flavor.available"), &v.available)?;
        c.flavor_time = string(field!("autoScale.flavor.time"), &v.time)?
            .map(|s| windows::autoscale_time(field!("autoScale.flavor.time"), s))
            .transpose()?;
    }
    if let Some(v) = read(field!("autoScale.readreplica"), &a.readreplica, "object")? {
        c.replica_available = boolean(field!("autoScale.readreplica.available"), &v.available)?;
        c.replica_max_number = integer(field!("autoScale.readreplica.maxNumber"), &v.max_number)?
            .map(|n| autoscale_max_number(field!("autoScale.readreplica.maxNumber"), n))
            .transpose()?;
    }
    Ok(c)
}

/// Completes the spec against the instance and checks the resulting configuration:
/// a partial `volume` takes the rest from the instance (the pending one, if any);
/// values equal to the current ones are no change; the windows and autoScale times
/// must not overlap; `maxSize` must reach the resulting disk size (seed 748–757).
pub fn resolve(mut spec: ModifySpec, inst: &Instance) -> Result<ModifySpec, FieldError> {
    let base_volume = inst.pending.volume.clone().unwrap_or_else(|| inst.volume.clone());
    if let Some(v) = spec.restart.volume.take() {
        let size = if v.size == 0 { base_volume.size } else { v.size };
        let kind = if v.kind.is_empty() { base_volume.kind.clone() } else { v.kind };
        let new = Volume { size, kind };
        if new != inst.volume {
            spec.restart.volume = Some(new);
        }
    }
    if spec.restart.flavor.as_deref() == Some(inst.flavor.as_str()) {
        spec.restart.flavor = None;
    }
    if spec.restart.port == Some(inst.port) {
        spec.restart.port = None;
    }
    if spec.restart.id.as_deref() == Some(inst.id.as_str()) {
        spec.restart.id = None;
    }
    let backup = spec.backup_window.unwrap_or(inst.backup_window);
    let maintenance = spec.maintenance_window.unwrap_or(inst.maintenance_window);
    // Blame the field the request gave (the backup window when it gave both).
    if windows::daily_overlaps_weekly(backup, maintenance) {
        return Err(if spec.backup_window.is_none() {
            FieldError::says(
                field!("preferredMaintenanceWindow"),
                format!("{} overlaps preferredBackupWindow {}", maintenance.text(), backup.text()),
            )
        } else {
            FieldError::says(
                field!("preferredBackupWindow"),
                format!("{} overlaps preferredMaintenanceWindow {}", backup.text(), maintenance.text()),
            )
        });
    }
    let a = &inst.auto_scale;
    let times = [
        ("autoScale.volume.time", spec.auto_scale.volume_time, a.volume_time),
        ("autoScale.flavor.time", spec.auto_scale.flavor_time, a.flavor_time),
    ];
    for (name, new, old) in times {
        let t = new.unwrap_or(old);
        if let Err(e) = windows::autoscale_clear_of_windows(&f(name), t, backup, maintenance) {
            if new.is_some() {
                return Err(e);
            }
            // The kept autoScale time clashes with a window the request moved.
            let field = if windows::daily_overlaps_daily(t, backup) {
                "preferredBackupWindow"
            } else {
                "preferredMaintenanceWindow"
            };
            return Err(FieldError::says(f(field), format!("overlaps instance.{name} {}", t.text())));
        }
    }
    let size = spec.restart.volume.as_ref().map_or(base_volume.size, |v| v.size);
    let max_size = spec.auto_scale.volume_max_size.unwrap_or(a.volume_max_size);
    if max_size < size {
        let field = if spec.auto_scale.volume_max_size.is_some() { "autoScale.volume.maxSize" } else { "volume.size" };
        return Err(FieldError::new(
            f(field),
            if field == "volume.size" {
                Rule::Says(format!("{size} is over autoScale.volume.maxSize {max_size}"))
            } else {
                Rule::Range { min: size.into(), max: 10000 }
            },
        ));
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::{mirror, In, InstanceBody};
    use serde_json::{json, Value};

    fn spec(v: Value) -> Result<ModifySpec, FieldError> {
        match mirror::<InstanceBody>(&json!({ "instance": v })).unwrap().instance {
            Some(In::Ok(i)) => modify_spec(&i),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_field_is_optional_and_keys_outside_the_table_are_ignored() {
        let s = spec(json!({"multi": true, "engine": "x", "character_set": "utf8", "subnetId": 5})).unwrap();
        assert_eq!(s, ModifySpec::default());
        assert!(!s.disk_only() && !s.has_plain_changes());
    }

    #[test]
    fn the_disk_only_change_is_told_apart() {
        let s = spec(json!({"volume": {"size": 40}, "applyImmediately": true})).unwrap();
        assert!(s.disk_only());
        assert!(s.apply_immediately);
        let s = spec(json!({"volume": {"size": 40}, "port": 2000})).unwrap();
        assert!(!s.disk_only());
        let s = spec(json!({"description": "d"})).unwrap();
        assert!(s.has_plain_changes() && !s.disk_only());
    }

    #[test]
    fn ranges_and_formats_are_the_creates() {
        assert_eq!(spec(json!({"volume": {"size": 2}})).unwrap_err().field, "instance.volume.size");
        assert_eq!(spec(json!({"port": 80})).unwrap_err().field, "instance.port");
        assert_eq!(spec(json!({"backupRetentionPeriod": 11})).unwrap_err().field, "instance.backupRetentionPeriod");
        assert_eq!(spec(json!({"id": "9x"})).unwrap_err().field, "instance.id");
        assert_eq!(spec(json!({"applyImmediately": "yes"})).unwrap_err().field, "instance.applyImmediately");
        assert_eq!(spec(json!({"masterUserPassword": "a'b"})).unwrap_err().field, "instance.masterUserPassword");
        assert_eq!(
            spec(json!({"autoScale": {"volume": {"maxSize": 15}}})).unwrap_err().field,
            "instance.autoScale.volume.maxSize"
        );
        assert_eq!(
            spec(json!({"preferredMaintenanceWindow": "Sun:05:00-Sun:05:10"})).unwrap_err().field,
            "instance.preferredMaintenanceWindow"
        );
    }

    /// Extract 01 row 75: the rules read the resulting configuration.
    #[test]
    fn resolve_checks_the_resulting_configuration() {
        let inst = crate::providers::fujitsu::chaos::tests::sample_instance();
        // Backup 12:00-12:30 and maintenance Sun:13:00-Sun:13:30 today.
        let e =
            resolve(spec(json!({"preferredMaintenanceWindow": "Sun:12:15-Sun:12:45"})).unwrap(), &inst).unwrap_err();
        assert_eq!(e.field, "instance.preferredMaintenanceWindow");
        let e = resolve(spec(json!({"preferredBackupWindow": "13:00-13:30"})).unwrap(), &inst).unwrap_err();
        assert_eq!(e.field, "instance.preferredBackupWindow");
        // The kept autoScale time (01:00-01:30) now clashes with the moved backup window.
        let e = resolve(spec(json!({"preferredBackupWindow": "01:00-01:30"})).unwrap(), &inst).unwrap_err();
        assert_eq!(e.field, "instance.preferredBackupWindow");
        let e =
            resolve(spec(json!({"volume": {"size": 100}, "autoScale": {"volume": {"maxSize": 50}}})).unwrap(), &inst);
        assert_eq!(e.unwrap_err().field, "instance.autoScale.volume.maxSize");
        // Values equal to the current ones are no change; a partial volume keeps its type.
        let s =
            resolve(spec(json!({"port": 26500, "flavorRef": "1", "volume": {"size": 30}})).unwrap(), &inst).unwrap();
        assert_eq!(s.restart, Restart { volume: Some(Volume { size: 30, kind: "M2".into() }), ..Restart::default() });
    }
}
