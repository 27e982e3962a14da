//! `instance` of create (1.2.2.1, seed 330–848) and of the two restores (1.2.2.4 seed
//! 2617–3060, 1.2.2.5 seed 3721–4176), which list the same fields minus the engine ones
//! (`engine`, `engineVersion`, `characterSet`, `collate`, `databases`, `users` come from
//! the snapshot or source instance, so the restores ignore them).
//!
//! Field rules only; references (flavor, subnet, groups) are checked by `refs`, and the
//! random default windows drawn by `windows::defaults`, both before anything changes.

use compact_str::CompactString;

use crate::validation::FieldError;

use super::super::model::{Recovery, Volume};
use super::super::wire::{InstanceRequest, RecoveryRequest};
use super::common::*;
use super::windows::{self, Given};

/// Which operation's `instance` this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Create,
    Restore,
    Pitr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoScaleSpec {
    pub volume_available: bool,
    pub volume_max_size: u32,
    pub flavor_available: bool,
    pub replica_available: bool,
    pub replica_max_number: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DbUserSpec {
    pub name: String,
    pub password: String,
    pub databases: Vec<String>,
}

/// The engine fields only create takes (the restores copy them from the source).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSpec {
    // Inline up to 24 bytes (every engine, version, character set and collation the
    // catalog has): a create builds and clones its spec without allocating.
    pub engine: CompactString,
    pub engine_version: CompactString,
    pub character_set: CompactString,
    pub collate: CompactString,
    pub databases: Vec<String>,
    pub users: Vec<DbUserSpec>,
}

/// A validated `instance` of create or a restore, defaults applied except the random
/// windows (in `windows`) and the references' defaults (subnet, groups: per tenant).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSpec {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `None` only for PITR (0..1 there; the source's flavor, extract 02 A19).
    pub flavor: Option<String>,
    pub volume: Volume,
    pub subnet_id: Option<String>,
    pub multi: bool,
    pub port: u16,
    pub windows: Given,
    pub recovery: Option<Recovery>,
    pub auto_maintenance: bool,
    pub publicly_accessible: bool,
    pub security_groups: Option<Vec<String>>,
    pub parameter_group: Option<String>,
    pub backup_retention: u8,
    pub master_user_name: Option<String>,
    pub master_password: String,
    pub download_log_extension: bool,
    pub auto_scale: AutoScaleSpec,
    /// Create only.
    pub engine: Option<EngineSpec>,
}

const I: &str = "instance.";

fn f(name: &str) -> String {
    format!("{I}{name}")
}

/// `preferredRecoveryTime` (seed 480–507): only when `multi=true`; `applyImmediately` and
/// `time` exclusive; `{}` means the default `applyImmediately: true`.
pub fn recovery(multi: bool, r: Option<&RecoveryRequest>) -> Result<Option<Recovery>, FieldError> {
    let Some(r) = r else { return Ok(multi.then_some(Recovery::Immediately)) };
    recovery_needs_multi(multi)?;
    Ok(Some(recovery_value(field!("preferredRecoveryTime"), r)?))
}

/// "multi=true の場合のみ指定可能" (seed 484).
pub fn recovery_needs_multi(multi: bool) -> Result<(), FieldError> {
    if !multi {
        return Err(FieldError::says(field!("preferredRecoveryTime"), "may be given only when instance.multi is true"));
    }
    Ok(())
}

/// "applyImmediately と time は、どちらか片方だけ指定可能です" (seed 494, 503).
pub fn recovery_value(field: &str, r: &RecoveryRequest) -> Result<Recovery, FieldError> {
    let apply = boolean(&format!("{field}.applyImmediately"), &r.apply_immediately)?;
    let time = string(&format!("{field}.time"), &r.time)?;
    match (apply, time) {
        (Some(_), Some(_)) => Err(FieldError::new(
            format!("{field}.time"),
            crate::validation::Rule::ExcludedBy("preferredRecoveryTime.applyImmediately"),
        )),
        (_, Some(t)) => {
            Ok(Recovery::At(windows::time_of_day(&format!("{field}.time"), max_255(&format!("{field}.time"), t)?)?))
        }
        (Some(false), None) => Ok(Recovery::NotImmediately),
        (Some(true) | None, None) => Ok(Recovery::Immediately),
    }
}

/// The `instance` fields of create, restore and PITR.
pub fn instance_spec(family: Family, i: &InstanceRequest) -> Result<InstanceSpec, FieldError> {
    let flavor = match family {
        Family::Create | Family::Restore => Some(need(field!("flavorRef"), &i.flavor_ref, "string")?.as_str()),
        Family::Pitr => string(field!("flavorRef"), &i.flavor_ref)?,
    };
    let flavor = flavor.map(|s| max_255(field!("flavorRef"), s).map(str::to_owned)).transpose()?;
    let volume = need(field!("volume"), &i.volume, "object")?;
    let size = volume_size(field!("volume.size"), *need(field!("volume.size"), &volume.size, "integer")?)?;
    let kind = match string(field!("volume.type"), &volume.kind)? {
        Some(t) => volume_type(field!("volume.type"), t)?,
        None => "M2".to_owned(),
    };
    let id = string(field!("id"), &i.id)?.map(|s| instance_id(field!("id"), s)).transpose()?;
    let name = string(field!("name"), &i.name)?.map(|s| instance_name(field!("name"), s)).transpose()?;
    let description =
        string(field!("description"), &i.description)?.map(|s| description(field!("description"), s)).transpose()?;
    let subnet_id =
        string(field!("subnetId"), &i.subnet_id)?.map(|s| max_255(field!("subnetId"), s).map(str::to_owned)).transpose()?;
    let multi = boolean(field!("multi"), &i.multi)?.unwrap_or(false);
    let port = integer(field!("port"), &i.port)?.map(|n| port(field!("port"), n)).transpose()?.unwrap_or(26500);
    let backup = string(field!("preferredBackupWindow"), &i.preferred_backup_window)?
        .map(|s| windows::backup_window(field!("preferredBackupWindow"), s))
        .transpose()?;
    let maintenance = string(field!("preferredMaintenanceWindow"), &i.preferred_maintenance_window)?
        .map(|s| windows::maintenance_window(field!("preferredMaintenanceWindow"), s))
        .transpose()?;
    if let (Some(b), Some(m)) = (backup, maintenance) {
        windows::backup_clear_of_maintenance(field!("preferredBackupWindow"), b, m)?;
    }
    let rec = read(field!("preferredRecoveryTime"), &i.preferred_recovery_time, "object")?;
    let recovery = recovery(multi, rec)?;
    let auto_maintenance = boolean(field!("autoMaintenance"), &i.auto_maintenance)?.unwrap_or(true);
    let publicly_accessible = boolean(field!("publiclyAccessible"), &i.publicly_accessible)?.unwrap_or(false);
    let security_groups = read(field!("securityGroupIds"), &i.security_group_ids, "array")?
        .map(|items| security_group_ids(field!("securityGroupIds"), items))
        .transpose()?
        .filter(|ids| !ids.is_empty());
    let parameter_group = string(field!("parameterGroupId"), i.parameter_group())?
        .map(|s| max_255(field!("parameterGroupId"), s).map(str::to_owned))
        .transpose()?;
    let backup_retention = integer(field!("backupRetentionPeriod"), &i.backup_retention_period)?
        .map(|n| backup_retention(field!("backupRetentionPeriod"), n))
        .transpose()?
        .unwrap_or(1);
    let master_user_name = string(field!("masterUserName"), &i.master_user_name)?
        .map(|s| match family {
            Family::Create => master_user_name(field!("masterUserName"), s),
            Family::Restore | Family::Pitr => restore_master_user_name(field!("masterUserName"), s),
        })
        .transpose()?;
    let master_password = master_user_password(
        field!("masterUserPassword"),
        need(field!("masterUserPassword"), &i.master_user_password, "string")?,
    )?;
    let download_log_extension = boolean(field!("downloadLogExtension"), &i.download_log_extension)?.unwrap_or(false);
    let (auto_scale, volume_time, flavor_time) = auto_scale(i, size)?;
    let given = Given { backup, maintenance, volume_time, flavor_time };
    for (name, t) in [("autoScale.volume.time", volume_time), ("autoScale.flavor.time", flavor_time)] {
        if let (Some(t), Some(b), Some(m)) = (t, backup, maintenance) {
            windows::autoscale_clear_of_windows(&f(name), t, b, m)?;
        } else if let Some(t) = t {
            // One window given, the other drawn: check against the given one now.
            if let Some(b) = backup {
                if windows::daily_overlaps_daily(t, b) {
                    return Err(FieldError::says(
                        f(name),
                        format!("{} overlaps preferredBackupWindow {}", t.text(), b.text()),
                    ));
                }
            }
            if let Some(m) = maintenance {
                if windows::daily_overlaps_weekly(t, m) {
                    return Err(FieldError::says(
                        f(name),
                        format!("{} overlaps preferredMaintenanceWindow {}", t.text(), m.text()),
                    ));
                }
            }
        }
    }
    let engine = match family {
        Family::Create => Some(engine_spec(i)?),
        Family::Restore | Family::Pitr => None,
    };
    Ok(InstanceSpec {
        id,
        name,
        description,
        flavor,
        volume: Volume { size, kind: kind.into() },
        subnet_id,
        multi,
        port,
        windows: given,
        recovery,
        auto_maintenance,
        publicly_accessible,
        security_groups,
        parameter_group,
        backup_retention,
        master_user_name,
        master_password,
        download_log_extension,
        auto_scale,
        engine,
    })
}

/// `autoScale` (seed 719–848): availability flags, `maxSize` against the disk size, the
/// two times (format and length; overlaps by the caller), `maxNumber`.
pub fn auto_scale(
    i: &InstanceRequest,
    volume_size: u32,
) -> Result<
    (AutoScaleSpec, Option<crate::providers::fujitsu::model::Daily>, Option<crate::providers::fujitsu::model::Daily>),
    FieldError,
> {
    let a = read(field!("autoScale"), &i.auto_scale, "object")?;
    let vol = a.map(|a| read(field!("autoScale.volume"), &a.volume, "object")).transpose()?.flatten();
    let fl = a.map(|a| read(field!("autoScale.flavor"), &a.flavor, "object")).transpose()?.flatten();
    let rr = a.map(|a| read(field!("autoScale.readreplica"), &a.readreplica, "object")).transpose()?.flatten();
    let volume_available = vol.map(|v| boolean(field!("autoScale.volume.available"), &v.available)).transpose()?.flatten();
    let max_size = vol.map(|v| integer(field!("autoScale.volume.maxSize"), &v.max_size)).transpose()?.flatten();
    let max_size = max_size.map(|n| autoscale_max_size(field!("autoScale.volume.maxSize"), n, volume_size)).transpose()?;
    let volume_time = vol.map(|v| string(field!("autoScale.volume.time"), &v.time)).transpose()?.flatten();
    let volume_time = volume_time.map(|s| windows::autoscale_time(field!("autoScale.volume.time"), s)).transpose()?;
    let flavor_available = fl.map(|v| boolean(field!("autoScale.flavor.available"), &v.available)).transpose()?.flatten();
    let flavor_time = fl.map(|v| string(field!("autoScale.flavor.time"), &v.time)).transpose()?.flatten();
    let flavor_time = flavor_time.map(|s| windows::autoscale_time(field!("autoScale.flavor.time"), s)).transpose()?;
    let replica_available =
        rr.map(|v| boolean(field!("autoScale.readreplica.available"), &v.available)).transpose()?.flatten();
    let max_number = rr.map(|v| integer(field!("autoScale.readreplica.maxNumber"), &v.max_number)).transpose()?.flatten();
    let max_number = max_number.map(|n| autoscale_max_number(field!("autoScale.readreplica.maxNumber"), n)).transpose()?;
    Ok((
        AutoScaleSpec {
            volume_available: volume_available.unwrap_or(false),
            volume_max_size: max_size.unwrap_or(10000),
            flavor_available: flavor_available.unwrap_or(false),
            replica_available: replica_available.unwrap_or(false),
            replica_max_number: max_number.unwrap_or(5),
        },
        volume_time,
        flavor_time,
    ))
}

/// `engine`, `engineVersion`, `characterSet`, `collate`, `databases`, `users` (seed
/// 570–717).
fn engine_spec(i: &InstanceRequest) -> Result<EngineSpec, FieldError> {
    let engine = match string(field!("engine"), &i.engine)? {
        Some(e) => CompactString::from(engine(field!("engine"), e)?),
        None => CompactString::const_new("enterprisepostgres"),
    };
    let engine_version = match string(field!("engineVersion"), &i.engine_version)? {
        Some(v) => engine_version(field!("engineVersion"), &engine, max_255(field!("engineVersion"), v)?)?.into(),
        None => super::super::catalog::latest(&engine)
            .map_or(CompactString::const_new("12"), |e| CompactString::from(e.version)),
    };
    let character_set = match string(field!("characterSet"), &i.character_set)? {
        Some(c) => character_set(field!("characterSet"), c)?.into(),
        None => CompactString::const_new("UTF8"),
    };
    let collate = match string(field!("collate"), &i.collate)? {
        Some(c) => collate(field!("collate"), c)?.into(),
        None => CompactString::const_new("C"),
    };
    // `databases` (the examples' key) or `database` (the table heading, A8).
    let (db_field, db_items) = match (&i.databases, &i.database) {
        (Some(_), _) | (None, None) => ("databases", read(field!("databases"), &i.databases, "array")?),
        (None, Some(_)) => ("database", read(field!("database"), &i.database, "array")?),
    };
    let databases = db_items.map(|items| name_list(&f(db_field), items)).transpose()?.unwrap_or_default();
    let mut users: Vec<DbUserSpec> = Vec::new();
    if let Some(list) = read(field!("users"), &i.users, "array of objects")? {
        for (n, u) in list.iter().enumerate() {
            let at = |x: &str| format!("{I}users[{n}].{x}");
            let name = db_identifier(&at("name"), need(&at("name"), &u.name, "string")?)?;
            let password = user_password(&at("password"), need(&at("password"), &u.password, "string")?)?;
            let dbs = need(&at("databases"), &u.databases, "array")?;
            let dbs = name_list(&at("databases"), dbs)?;
            for (k, d) in dbs.iter().enumerate() {
                user_database_exists(&format!("{I}users[{n}].databases[{k}].name"), d, &databases)?;
            }
            if users.iter().any(|x: &DbUserSpec| x.name == name) {
                return Err(FieldError::says(at("name"), format!("'{name}' is given twice")));
            }
            users.push(DbUserSpec { name, password, databases: dbs });
        }
    }
    Ok(EngineSpec { engine, engine_version, character_set, collate, databases, users })
}

/// "上記ユーザーがログイン可能なデータベース名" (seed 708–717): a database the request
/// creates, or the default `postgres` (inferred, extract 01 row 65).
pub fn user_database_exists(field: &str, name: &str, databases: &[String]) -> Result<(), FieldError> {
    if name != "postgres" && !databases.iter().any(|d| d == name) {
        return Err(FieldError::says(field, format!("'{name}' is neither in instance.databases nor postgres")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::{mirror, In, InstanceBody};
    use serde_json::{json, Value};

    fn inst(v: Value) -> InstanceRequest {
        match mirror::<InstanceBody>(&json!({ "instance": v })).unwrap().instance {
            Some(In::Ok(i)) => i,
            other => panic!("{other:?}"),
        }
    }

    fn minimal() -> Value {
        json!({"flavorRef": "1", "volume": {"size": 20}, "masterUserPassword": "pw"})
    }

    fn with(changes: Value) -> Value {
        let mut v = minimal();
        for (k, x) in changes.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    fn err(v: Value) -> String {
        instance_spec(Family::Create, &inst(v)).unwrap_err().to_string()
    }

    #[test]
    fn the_required_fields_are_flavor_volume_size_and_password() {
        let s = instance_spec(Family::Create, &inst(minimal())).unwrap();
        assert_eq!((s.port, s.multi, s.backup_retention, s.auto_maintenance), (26500, false, 1, true));
        assert_eq!(s.volume.kind, "M2");
        assert_eq!(s.engine.as_ref().unwrap().engine_version, "12");
        assert_eq!(s.recovery, None, "not redundant");
        for key in ["flavorRef", "volume", "masterUserPassword"] {
            let mut v = minimal();
            v.as_object_mut().unwrap().remove(key);
            assert_eq!(err(v), format!("instance.{key} is required"));
        }
        assert_eq!(err(with(json!({"volume": {}}))), "instance.volume.size is required");
        // PITR: flavorRef is 0..1 (seed 3775).
        let mut v = minimal();
        v.as_object_mut().unwrap().remove("flavorRef");
        assert_eq!(instance_spec(Family::Pitr, &inst(v)).unwrap().flavor, None);
    }

    #[test]
    fn wrong_types_name_the_field() {
        assert_eq!(err(with(json!({"port": "1234"}))), "instance.port must be an integer");
        assert_eq!(err(with(json!({"multi": "true"}))), "instance.multi must be a boolean");
        assert_eq!(err(with(json!({"volume": 20}))), "instance.volume must be an object");
        assert_eq!(
            err(with(json!({"autoScale": {"volume": {"maxSize": "x"}}}))),
            "instance.autoScale.volume.maxSize must be an integer"
        );
    }

    /// Seed 484, 494: recovery only with multi; applyImmediately xor time.
    #[test]
    fn preferred_recovery_time_needs_multi_and_one_of_its_keys() {
        assert!(err(with(json!({"preferredRecoveryTime": {"applyImmediately": true}}))).contains("multi"));
        let e = err(with(json!({"multi": true, "preferredRecoveryTime": {"applyImmediately": true, "time": "01:00"}})));
        assert!(e.contains("instance.preferredRecoveryTime.time"), "{e}");
        let s = instance_spec(
            Family::Create,
            &inst(with(json!({"multi": true, "preferredRecoveryTime": {"time": "01:00"}}))),
        )
        .unwrap();
        assert_eq!(s.recovery, Some(Recovery::At(crate::providers::fujitsu::model::TimeOfDay(60))));
        let s = instance_spec(Family::Create, &inst(with(json!({"multi": true})))).unwrap();
        assert_eq!(s.recovery, Some(Recovery::Immediately));
        assert!(err(with(json!({"multi": true, "preferredRecoveryTime": {"time": "1am"}}))).contains("hh24:mi"));
    }

    #[test]
    fn windows_are_checked_against_each_other() {
        let e = err(with(
            json!({"preferredBackupWindow": "19:30-20:30", "preferredMaintenanceWindow": "Sun:19:00-Sun:20:00"}),
        ));
        assert!(e.starts_with("instance.preferredBackupWindow"), "{e}");
        let e = err(with(
            json!({"preferredBackupWindow": "17:00-18:00", "autoScale": {"volume": {"time": "17:00-18:00"}}}),
        ));
        assert!(e.starts_with("instance.autoScale.volume.time"), "{e}");
        let e = err(with(
            json!({"preferredMaintenanceWindow": "Sun:19:00-Sun:20:00", "autoScale": {"flavor": {"time": "19:00-19:30"}}}),
        ));
        assert!(e.starts_with("instance.autoScale.flavor.time"), "{e}");
    }

    #[test]
    fn users_need_a_known_database() {
        let ok = with(
            json!({"databases": [{"name": "SampleDB"}], "users": [{"name": "U1", "password": "p", "databases": [{"name": "sampledb"}]}]}),
        );
        let s = instance_spec(Family::Create, &inst(ok)).unwrap();
        let e = s.engine.unwrap();
        assert_eq!(e.databases, ["sampledb"]);
        assert_eq!(e.users[0].name, "u1");
        let bad = with(json!({"users": [{"name": "u1", "password": "p", "databases": [{"name": "other"}]}]}));
        assert!(err(bad).starts_with("instance.users[0].databases[0].name"));
        let bad = with(json!({"users": [{"name": "u1", "databases": ["postgres"]}]}));
        assert_eq!(err(bad), "instance.users[0].password is required");
    }

    #[test]
    fn the_restores_ignore_the_engine_fields_and_allow_upper_case_user_names() {
        let v = with(json!({"engine": "oracle", "masterUserName": "Admin"}));
        let s = instance_spec(Family::Restore, &inst(v.clone())).unwrap();
        assert_eq!((s.engine, s.master_user_name.as_deref()), (None, Some("Admin")));
        assert!(err(with(json!({"engine": "oracle"}))).contains("instance.engine"));
    }
}
