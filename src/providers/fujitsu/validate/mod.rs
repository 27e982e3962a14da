//! Every validation rule of the instance family, one pure function per rule, each citing
//! the seed lines that state it. Handlers, the scenario loader and the tests call the
//! same functions; a rejected request changes nothing because handlers run all of them
//! before they write.
//!
//! Where the rows of the extracts' "Validation rules checklist" live
//! (01 = `spec/fujitsu/01-…`, rows 1–80; 02 = `02-…`, rows 1–61):
//!
//! | rows | rule | file |
//! |---|---|---|
//! | 01:1 | strings ≤ 255 (G1) | `common::max_255` |
//! | 01:2, 02:60 | X-Auth-Token | `super::auth` (not a body rule) |
//! | 01:3 | 405 badMethod | `super::routes` |
//! | 01:4, 01:10–11, 01:13–14, 02:4, 02:6 | JSON object, required `instance`, `flavorRef`, `volume`, `volume.size` | `create::instance_spec`, `common::need` |
//! | 01:5–9, 02:47, 02:58 | instance exists / state / Shutdown / Failed rows | `super::model::InstanceStatus::can`, `super::model::modify_allowed` |
//! | 01:12, 02:5 | existing flavor (404) | `refs::flavor_exists` |
//! | 01:15–16, 02:7–8 | volume size 10–10000, type M2 | `common::volume_size`, `common::volume_type` |
//! | 01:17–25, 02:30–31 | id/name rules | `common::instance_id`, `common::instance_name` |
//! | 01:22, 02:29 | id free in the tenant | `refs::id_unused` |
//! | 01:26, 02:32 | description ≤ 1024 | `common::description` |
//! | 01:27, 02:33 | subnet (required for a replica), owned by the tenant | `replica::replica_spec`, `refs::subnet_owned` |
//! | 01:28, 01:38, 01:40–41, 01:56, 01:66, 01:74, 02:9, 02:16, 02:27, 02:45, 02:49–50 | booleans | `common::boolean` (named type errors) |
//! | 01:29, 02:10 | port 1024–32767 | `common::port` |
//! | 01:30–35, 02:11–13 | window formats and lengths | `windows::backup_window`, `windows::maintenance_window` |
//! | 01:33, 02:12 | backup ∩ maintenance = ∅ | `windows::backup_clear_of_maintenance` |
//! | 01:36–37, 02:14–15 | recovery time only with multi; one of its two keys | `create::recovery_needs_multi`, `create::recovery_value` |
//! | 01:39 | recovery time `hh24:mi` | `windows::time_of_day` |
//! | 01:43, 02:17 | security groups: list of strings/objects, owned | `common::security_group_ids`, `refs::security_groups_owned` |
//! | 01:44, 02:18 | parameter group owned | `refs::parameter_group_owned` |
//! | 01:45, 02:19 | backupRetentionPeriod 0–10 | `common::backup_retention` |
//! | 01:46–47 | engine, engineVersion | `common::engine`, `common::engine_version` |
//! | 01:48–50, 02:20 | masterUserName (create; restores) | `common::master_user_name`, `common::restore_master_user_name` |
//! | 01:51–53, 02:22 | masterUserPassword | `common::master_user_password` |
//! | 01:54–55 | characterSet, collate | `common::character_set`, `common::collate` |
//! | 01:57–65 | databases, users | `common::name_list`, `common::db_identifier`, `common::user_password`, `create::user_database_exists` |
//! | 01:67–68, 02:25 | autoScale maxSize | `common::autoscale_max_size`, `modify::resolve` |
//! | 01:69–72, 02:26 | autoScale times: format, length, no overlap | `windows::autoscale_time`, `windows::autoscale_clear_of_windows` |
//! | 01:73, 02:28 | maxNumber | `common::autoscale_max_number` |
//! | 01:75–76 | modify: resulting configuration, unlisted keys ignored | `modify::resolve`, `super::wire` |
//! | 01:77, 02:61 | quotas | `refs::instance_quota`, `refs::volume_quota` |
//! | 01:78–80, 03:1.5 | parameter groups: family, id/name, values, isModifiable, static vs immediate, default group, in use, quota | `paramgroup::create_spec`, `paramgroup::modify_spec`, `paramgroup::parameter_value`, `paramgroup::modifiable`, `paramgroup::method_fits_type`, `paramgroup::not_default`, `paramgroup::not_in_use`, `paramgroup::group_quota` |
//! | 02:1 | `action` of POST /instances | `actions::post_instances` |
//! | 02:2–3 | snapshot.id required, existing | `restore::restore_spec`, the handler (404) |
//! | 02:21, 02:23–24 | restore credentials | `restore::same_master_user_name`, `restore::same_master_password` |
//! | 02:34–35 | replica source given, existing | `replica::replica_spec`, the handler (404) |
//! | 02:36–38 | replica source preconditions | `replica::source_preconditions` |
//! | 02:39–46 | PITR: action, restore time, range, backups | `restore::pitr_action`, `restore::restore_point`, `restore::restore_time`, `restore::restore_time_in_range` |
//! | 02:48 | one action key | `actions::instance_action` |
//! | 02:51–53 | start/stop/reboot/cancel preconditions | `super::model::precondition`, the cancel handler |
//! | 02:54–57 | limit, marker, engine flags | `query` |
//! | 02:59 | unknown flavor 404 | `super::catalog::show_flavor` |
//! | 1.8 | token request body | `auth::credentials` |
//! | 03:1.6.2.7–1.6.2.14 | alarms: name, description, type and its rule, state, severity, actions; state body | `alarm::alarm_spec`, `alarm::threshold_rule`, `alarm::combination_rule`, `alarm::state_body` |
//! | 03:1.6.0–1.6.2.6 | monitoring: projectId blank, q.* conditions, limit/offset, period, groupby, aggregate.func, timestamp window | `monitoring::project_id_blank`, `monitoring::conditions`, `monitoring::limit_offset`, `monitoring::period`, `monitoring::groupby`, `monitoring::aggregate_funcs`, `monitoring::window` |
//! | 03:1.9 | apply maintenance: standby/failover, redundancy, running | `maintenance::scope`, `maintenance::scope_needs_multi`, `maintenance::running` |
//! | 03:1.11–1.12 | security groups: name, description, stateful; rules: direction, ethertype, protocol, ports, CIDR | `secgroup::create_spec`, `secgroup::update_spec`, `secgroup::rule_spec`, `secgroup::protocol`, `secgroup::port_range`, `secgroup::remote_ip_prefix` |
//! | 03:1.4 | log files: readable states, list query, read limit/marker/descending | `logs::logs_readable`, `logs::list_query`, `logs::read_limit`, `logs::marker`, `logs::descending_allowed` |
//! | 03:1.7 | subscriptions: action, name/id/description, sourceType, categories, sourceIds; events query | `events::update_action`, `events::create_spec`, `events::modify_spec`, `events::sources_spec`, `events::type_keeps_sources`, `events::query_time`, `events::duration_minutes`, `events::window` |
//! | — | snapshot usable for a restore: Available, manual (seed 2591) | `refs::snapshot_available`, `refs::snapshot_manual` |
//! | 03:1.3 | snapshot id/name/description, instanceId, type filter | `snapshot::create_spec`, `snapshot::copy_spec`, `snapshot::snapshot_type_filter` |
//! | 03:1.3 | snapshot id free, quota, copy source, delete | `snapshot::snapshot_id_unused`, `snapshot::snapshot_quota`, `snapshot::copy_source_available`, `snapshot::snapshot_deletable` |

/// `instance.NAME` as a `&'static str` built at compile time: a rule's field name costs
/// nothing unless the rule fails (a `format!` per field was a fifth of a create's time).
macro_rules! field {
    ($name:literal) => {
        concat!("instance.", $name)
    };
}

pub mod actions;
pub mod alarm;
pub mod auth;
pub mod common;
pub mod create;
pub mod logs;
pub mod maintenance;
pub mod events;
pub mod modify;
pub mod monitoring;
pub mod paramgroup;
pub mod query;
pub mod refs;
pub mod replica;
pub mod restore;
pub mod secgroup;
pub mod snapshot;
pub mod windows;
