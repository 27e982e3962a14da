//! Fujitsu DBaaS knobs: every duration, quota and strict/lenient reading this provider
//! lets a test tune, each named `fujitsu.<name>` with a default and one line of doc.
//!
//! The seed gives no duration for any transition (only "30 分以上" for the redundancy
//! recovery, seed line 255, and "10 分程度" for a cancel, line 5848), so the defaults are
//! plausible minutes of simulated time.
//!
//! May touch: `crate::config` only.

use serde_json::json;

use crate::config::{knob_bool, knob_u64, read, KnobDef};

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Seconds a database-service token lives (seed 1.8 prints only an example `expires`).
    pub token_lifetime: u64,
    /// Instances per tenant (413 `overLimit`); every instance counts until it is gone.
    pub quota_instances: u64,
    /// Total data-disk GB per tenant (413 `overLimit`); 0 = no limit.
    pub quota_volume_gb: u64,
    /// Manual DB snapshots per tenant (413 `overLimit`).
    pub quota_snapshots: u64,
    /// DB parameter groups per tenant, the listed default ones included (413).
    pub quota_parameter_groups: u64,
    /// Security groups per tenant, the listed default ones included (422: the seed lists
    /// no 413 for the create).
    pub quota_security_groups: u64,
    /// Rules per security group (422).
    pub quota_security_group_rules: u64,
    /// Alarms per tenant (422: the seed lists no 413 for alarms).
    pub quota_alarms: u64,
    /// Event subscriptions per tenant (413).
    pub quota_subscriptions: u64,
    /// Events kept per tenant (the oldest go first).
    pub events_cap: u64,
    /// PITR: the latest restorable time is this many seconds before now (log shipping).
    pub pitr_log_lag: u64,
    /// A21: restore and PITR refuse a `masterUserName`/`masterUserPassword` that differs
    /// from the source's (400); false accepts any.
    pub strict_restore_credentials: bool,
    /// A27: an out-of-range `limit` is clamped to 20–100 instead of refused with 400.
    pub clamp_list_limit: bool,
    /// The region written in `readReplicaSrcDBInstance` / `readReplicaDBInstances`
    /// (the seed's replica example prints `jp-east-3`).
    pub region: String,
    pub durations: Durations,
}

/// Simulated seconds of each transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Durations {
    pub create: u64,
    pub restore: u64,
    pub replica: u64,
    pub modify: u64,
    pub modify_restart: u64,
    pub resize: u64,
    pub stop: u64,
    pub start: u64,
    pub reboot: u64,
    pub delete: u64,
    pub backup: u64,
    pub cancel: u64,
    pub recovery: u64,
    pub snapshot: u64,
    pub snapshot_delete: u64,
    pub maintenance: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_lifetime: 3600,
            quota_instances: 20,
            quota_volume_gb: 0,
            quota_snapshots: 50,
            quota_parameter_groups: 50,
            quota_subscriptions: 20,
            quota_alarms: 50,
            quota_security_groups: 50,
            quota_security_group_rules: 100,
            events_cap: 1000,
            pitr_log_lag: 300,
            strict_restore_credentials: true,
            clamp_list_limit: false,
            region: "jp-east-3".into(),
            durations: Durations {
                create: 600,
                restore: 900,
                replica: 900,
                modify: 0,
                modify_restart: 300,
                resize: 600,
                stop: 120,
                start: 180,
                reboot: 180,
                delete: 120,
                backup: 600,
                cancel: 600,
                recovery: 1800,
                snapshot: 600,
                snapshot_delete: 60,
                maintenance: 600,
            },
        }
    }
}

pub static KNOBS: &[KnobDef<Settings>] = &[
    knob_u64!("tokenLifetime", token_lifetime, "seconds a token from POST /v1.0/{tenantId}/auth/token stays valid"),
    knob_u64!(
        concat!("quota.", "instances"),
        quota_instances,
        "instances per tenant (413 overLimit), gone ones excepted"
    ),
    knob_u64!(
        concat!("quota.", "volumeGb"),
        quota_volume_gb,
        "total volume.size GB per tenant (413 overLimit); 0 = no limit"
    ),
    knob_u64!(
        concat!("quota.", "snapshots"),
        quota_snapshots,
        "manual DB snapshots per tenant (413 overLimit); automated backups do not count"
    ),
    knob_u64!(
        concat!("quota.", "parameterGroups"),
        quota_parameter_groups,
        "DB parameter groups per tenant, default ones included (413 overLimit)"
    ),
    knob_u64!(
        concat!("quota.", "subscriptions"),
        quota_subscriptions,
        "event-notification subscriptions per tenant (413 overLimit)"
    ),
    knob_u64!(
        concat!("quota.", "securityGroups"),
        quota_security_groups,
        "security groups per tenant, default ones included (422: the seed lists no 413 there)"
    ),
    knob_u64!(
        concat!("quota.", "securityGroupRules"),
        quota_security_group_rules,
        "rules per security group (422)"
    ),
    knob_u64!(concat!("quota.", "alarms"), quota_alarms, "alarms per tenant (422: the seed lists no 413 there)"),
    knob_u64!(concat!("events.", "cap"), events_cap, "DB events kept per tenant for GET events; the oldest go first"),
    knob_u64!(concat!("pitr.", "logLag"), pitr_log_lag, "seconds between now and the latest restorable time of PITR"),
    knob_bool!(
        "strictRestoreCredentials",
        strict_restore_credentials,
        "restore/PITR refuse a masterUserName or masterUserPassword other than the source's (seed 2865-2887, 4003-4004)"
    ),
    knob_bool!("clampListLimit", clamp_list_limit, "clamp limit to 20-100 instead of answering 400 (seed 5053-5063)"),
    KnobDef {
        name: "region",
        doc: "region named in readReplicaSrcDBInstance and readReplicaDBInstances",
        get: |s| json!(s.region),
        set: |s, v| {
            s.region = read::string(v)?;
            Ok(())
        },
    },
    knob_u64!(concat!("durations.", "create"), durations.create, "simulated seconds of BUILD for a new instance"),
    knob_u64!(concat!("durations.", "restore"), durations.restore, "simulated seconds of BUILD for a restore or PITR"),
    knob_u64!(concat!("durations.", "replica"), durations.replica, "simulated seconds of BUILD for a read replica"),
    knob_u64!(
        concat!("durations.", "modify"),
        durations.modify,
        "simulated seconds of MODIFYING for changes that need no restart; 0 (default) = applied at once, no state change"
    ),
    knob_u64!(
        concat!("durations.", "modifyRestart"),
        durations.modify_restart,
        "simulated seconds of MODIFYING for flavorRef/port changes applied immediately"
    ),
    knob_u64!(concat!("durations.", "resize"), durations.resize, "simulated seconds of RESIZE for a volume change"),
    knob_u64!(concat!("durations.", "stop"), durations.stop, "simulated seconds of STOPPING"),
    knob_u64!(concat!("durations.", "start"), durations.start, "simulated seconds of STARTING"),
    knob_u64!(concat!("durations.", "reboot"), durations.reboot, "simulated seconds of REBOOT"),
    knob_u64!(concat!("durations.", "delete"), durations.delete, "simulated seconds of DELETING"),
    knob_u64!(
        concat!("durations.", "backup"),
        durations.backup,
        "simulated seconds of BACKUP for the daily automated backup; 0 = backups leave the state alone"
    ),
    knob_u64!(
        concat!("durations.", "cancel"),
        durations.cancel,
        "simulated seconds a cancel takes (seed 5848: about 10 minutes)"
    ),
    knob_u64!(
        concat!("durations.", "recovery"),
        durations.recovery,
        "simulated seconds a DEGENERATED instance takes to recover redundancy (seed 255: 30 minutes or more)"
    ),
    knob_u64!(
        concat!("durations.", "snapshot"),
        durations.snapshot,
        "simulated seconds a created or copied DB snapshot stays In_progress; 0 = Available at once"
    ),
    knob_u64!(
        concat!("durations.", "snapshotDelete"),
        durations.snapshot_delete,
        "simulated seconds a deleted DB snapshot shows Deleted before it is gone; 0 = gone at once"
    ),
    knob_u64!(
        concat!("durations.", "maintenance"),
        durations.maintenance,
        "simulated seconds of MODIFYING for an applied maintenance (rolling update)"
    ),
];
