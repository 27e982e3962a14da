//! Fujitsu DBaaS resources and the instance state machine (pure data, no I/O).
//!
//! Owns: [`InstanceStatus`] (the seed's 15 states) with its one exhaustive
//! [`InstanceStatus::can`] table, each operation's own preconditions next to it
//! ([`precondition`]), the [`Instance`] and [`Snapshot`] records, the identity records
//! (tenants with their subnets, parameter groups and security groups; users; IaaS and
//! database-service tokens), the transition in progress ([`Transit`]) and the scheduled
//! [`Event`]s.
//!
//! May touch: `crate::clock` (types). Must not touch: the store, the clock's reading.
//! Authority: seed `001_d8dce1e49d487248.txt` lines 247–272 (states), 1.2.2.1–1.2.2.15;
//! `spec/fujitsu/00-decisions.md`; extract 01 §1.5.7–1.5.8.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::SimInstant;
use crate::secret::Secret;

// ---------------------------------------------------------------------------------------
// States and the state × operation table.

/// The 15 instance states of seed lines 247–272. On the wire: upper case with the
/// underscore kept (`RESTART_REQUIRED`, 00-decisions); the seed's spellings are the
/// variant names. Any case is accepted where a state is input ([`InstanceStatus::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceStatus {
    Active,
    Backup,
    RestartRequired,
    Degenerated,
    Build,
    Deleting,
    Deleted,
    Failed,
    Error,
    Modifying,
    Resize,
    Shutdown,
    Reboot,
    Starting,
    Stopping,
}

/// What a request does to an instance, for the state table: an operation without its
/// parameters. Modify is split by the two things the table distinguishes: a change of
/// only the disk size (allowed in `Failed`) and `applyImmediately=true` (refused in
/// `Shutdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OpKind {
    /// GET show / list (1.2.2.9, 1.2.2.10).
    Read,
    /// DB log file list / get (1.4.2.1–1.4.2.2; GETs, served by a later issue).
    LogRead,
    /// PUT 1.2.2.3, without `applyImmediately=true`.
    Modify,
    /// PUT 1.2.2.3 with `applyImmediately=true`.
    ModifyImmediately,
    /// PUT 1.2.2.3 that changes only `volume` (the table's "ディスクサイズの変更").
    ResizeDisk,
    /// A disk-size-only PUT with `applyImmediately=true`.
    ResizeDiskImmediately,
    /// DELETE 1.2.2.2.
    Delete,
    Start,
    Stop,
    Reboot,
    /// 1.2.2.11.
    Cancel,
    /// 1.2.2.12 with this instance as the source.
    Replicate,
    /// 1.3.2.1 of this instance (a later issue serves it).
    Snapshot,
    /// 1.2.2.5 with this instance as the source.
    Pitr,
    /// 1.2.2.4 from a DB snapshot of this instance.
    RestoreSnapshot,
    /// 1.9.2.1 apply maintenance (a later issue serves it).
    Maintenance,
}

impl OpKind {
    pub const ALL: [OpKind; 16] = [
        OpKind::Read,
        OpKind::LogRead,
        OpKind::Modify,
        OpKind::ModifyImmediately,
        OpKind::ResizeDisk,
        OpKind::ResizeDiskImmediately,
        OpKind::Delete,
        OpKind::Start,
        OpKind::Stop,
        OpKind::Reboot,
        OpKind::Cancel,
        OpKind::Replicate,
        OpKind::Snapshot,
        OpKind::Pitr,
        OpKind::RestoreSnapshot,
        OpKind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        use OpKind::*;
        match self {
            Read => "read",
            LogRead => "logRead",
            Modify => "modify",
            ModifyImmediately => "modifyImmediately",
            ResizeDisk => "resizeDisk",
            ResizeDiskImmediately => "resizeDiskImmediately",
            Delete => "delete",
            Start => "start",
            Stop => "stop",
            Reboot => "reboot",
            Cancel => "cancel",
            Replicate => "replicate",
            Snapshot => "snapshot",
            Pitr => "pitr",
            RestoreSnapshot => "restoreSnapshot",
            Maintenance => "maintenance",
        }
    }

    /// Modify, by the two distinctions the table makes.
    pub fn modify(disk_only: bool, immediately: bool) -> OpKind {
        match (disk_only, immediately) {
            (false, false) => OpKind::Modify,
            (false, true) => OpKind::ModifyImmediately,
            (true, false) => OpKind::ResizeDisk,
            (true, true) => OpKind::ResizeDiskImmediately,
        }
    }
}

impl InstanceStatus {
    pub const ALL: [InstanceStatus; 15] = [
        InstanceStatus::Active,
        InstanceStatus::Backup,
        InstanceStatus::RestartRequired,
        InstanceStatus::Degenerated,
        InstanceStatus::Build,
        InstanceStatus::Deleting,
        InstanceStatus::Deleted,
        InstanceStatus::Failed,
        InstanceStatus::Error,
        InstanceStatus::Modifying,
        InstanceStatus::Resize,
        InstanceStatus::Shutdown,
        InstanceStatus::Reboot,
        InstanceStatus::Starting,
        InstanceStatus::Stopping,
    ];

    /// The wire spelling (00-decisions).
    pub fn as_str(self) -> &'static str {
        use InstanceStatus::*;
        match self {
            Active => "ACTIVE",
            Backup => "BACKUP",
            RestartRequired => "RESTART_REQUIRED",
            Degenerated => "DEGENERATED",
            Build => "BUILD",
            Deleting => "DELETING",
            Deleted => "DELETED",
            Failed => "FAILED",
            Error => "ERROR",
            Modifying => "MODIFYING",
            Resize => "RESIZE",
            Shutdown => "SHUTDOWN",
            Reboot => "REBOOT",
            Starting => "STARTING",
            Stopping => "STOPPING",
        }
    }

    /// A state as input (scenarios, faults): any case, `_` or `-` or nothing between the
    /// words (`restart_required`, `Restart_Required`, `RestartRequired`).
    pub fn parse(s: &str) -> Option<InstanceStatus> {
        let folded: String = s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_uppercase).collect();
        InstanceStatus::ALL.into_iter().find(|st| st.as_str().replace('_', "") == folded)
    }

    /// The seed's state × operation table (lines 247–272; extract 01 §1.5.8), one row per
    /// state. Exhaustive on purpose: no `_ =>`, so a new state does not compile until its
    /// row is decided. GETs (`Read`, `LogRead`) are allowed everywhere: every restriction
    /// of the table names POST/PUT/DELETE.
    ///
    /// Two readings beyond the literal text, both from 00-decisions / extract 01:
    /// - `RestoreSnapshot` is allowed in `Build`, `Deleting` and `Deleted` (A7): the
    ///   restore is a tenant-level `POST /instances` that creates a new instance, and the
    ///   `Deleted` state exists because its snapshots remain (seed line 260).
    /// - `Delete` is allowed in `Failed` and `Error` (A26): their rows restrict only
    ///   "POST/PUT", and `Error` asks the user to re-create the instance.
    ///
    /// `Shutdown` also refuses every modify when the instance was stopped from
    /// `Degenerated` (seed line 267 ※); that needs the instance, see [`modify_allowed`].
    pub fn can(self, op: OpKind) -> bool {
        use InstanceStatus as S;
        use OpKind::*;
        match self {
            // "すべての API を実行できます" (lines 250, 254).
            S::Active | S::RestartRequired => true,
            // Line 253: no start/stop/reboot, modify, read replica, DB snapshot.
            S::Backup => !matches!(
                op,
                Modify
                    | ModifyImmediately
                    | ResizeDisk
                    | ResizeDiskImmediately
                    | Start
                    | Stop
                    | Reboot
                    | Replicate
                    | Snapshot
            ),
            // Line 255: no modify, no read replica.
            S::Degenerated => {
                !matches!(op, Modify | ModifyImmediately | ResizeDisk | ResizeDiskImmediately | Replicate)
            }
            // Lines 256, 257, 260: no POST/PUT/DELETE (restore from a snapshot: A7).
            S::Build | S::Deleting | S::Deleted => matches!(op, Read | LogRead | RestoreSnapshot),
            // Line 261: POST/PUT only restore, PITR, log reads, stop/reboot, disk size.
            S::Failed => matches!(
                op,
                Read | LogRead | ResizeDisk | ResizeDiskImmediately | Delete | Stop | Reboot | Pitr | RestoreSnapshot
            ),
            // Line 262: POST/PUT only restore, PITR, log reads.
            S::Error => matches!(op, Read | LogRead | Delete | Pitr | RestoreSnapshot),
            // Lines 265, 266: POST/PUT/DELETE only restore, PITR, log reads.
            S::Modifying | S::Resize => matches!(op, Read | LogRead | Pitr | RestoreSnapshot),
            // Lines 268, 271, 272: POST/PUT/DELETE only restore and PITR.
            S::Reboot | S::Starting | S::Stopping => matches!(op, Read | LogRead | Pitr | RestoreSnapshot),
            // Line 267: no modify with applyImmediately=true, no read replica, no snapshot.
            S::Shutdown => !matches!(op, ModifyImmediately | ResizeDiskImmediately | Replicate | Snapshot),
        }
    }

    /// States that take no work to leave: a transition is not in progress.
    pub fn is_transitional(self) -> bool {
        use InstanceStatus::*;
        match self {
            Build | Deleting | Modifying | Resize | Reboot | Starting | Stopping | Backup => true,
            Active | RestartRequired | Degenerated | Deleted | Failed | Error | Shutdown => false,
        }
    }

    /// The instance runs (the database answers or would): what stop and reboot need.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            InstanceStatus::Active
                | InstanceStatus::RestartRequired
                | InstanceStatus::Degenerated
                | InstanceStatus::Failed
        )
    }
}

/// The whole table as rows `(status, operation, allowed)`, in the order of
/// [`InstanceStatus::ALL`] × [`OpKind::ALL`] (also served at `GET /_sim/fujitsu/state-table`
/// for black-box tests).
pub fn table() -> Vec<(InstanceStatus, OpKind, bool)> {
    InstanceStatus::ALL.iter().flat_map(|s| OpKind::ALL.iter().map(move |op| (*s, *op, s.can(*op)))).collect()
}

/// An operation's own precondition beyond the table: `Some(reason)` refuses it (422).
/// Inferred where the seed is silent (extract 02 §16, rows 51–53): start needs a stopped
/// instance, stop and reboot a running one, cancel a backup or snapshot in progress
/// (checked by the handler, which sees the snapshots).
pub fn precondition(i: &Instance, op: OpKind) -> Option<&'static str> {
    match op {
        OpKind::Start if i.status != InstanceStatus::Shutdown => Some("start needs a stopped instance (SHUTDOWN)"),
        OpKind::Stop | OpKind::Reboot if !i.status.is_running() => Some("the instance is not running"),
        _ => None,
    }
}

/// Whether the state allows a modify of this kind, including seed line 267 ※: an instance
/// stopped from `Degenerated` refuses 1.2.2.3 whatever `applyImmediately` is.
pub fn modify_allowed(i: &Instance, op: OpKind) -> bool {
    i.status.can(op) && !(i.status == InstanceStatus::Shutdown && i.stopped_degenerated)
}

// ---------------------------------------------------------------------------------------
// Windows.

/// A daily window `hh24:mi-hh24:mi` (UTC), in minutes of the day; may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    pub start: u32,
    pub end: u32,
}

/// A weekly window `ddd:hh24:mi-ddd:hh24:mi` (UTC), in minutes of the week from Monday
/// 00:00; may cross the week's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekly {
    pub start: u32,
    pub end: u32,
}

pub const DAY: u32 = 1440;
pub const WEEK: u32 = 7 * DAY;
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Daily {
    pub fn minutes(self) -> u32 {
        (self.end + DAY - self.start) % DAY
    }
    pub fn text(self) -> String {
        format!("{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

impl Weekly {
    pub fn minutes(self) -> u32 {
        (self.end + WEEK - self.start) % WEEK
    }
    pub fn text(self) -> String {
        let part = |m: u32| format!("{}:{:02}:{:02}", DAYS[(m / DAY) as usize % 7], m % DAY / 60, m % 60);
        format!("{}-{}", part(self.start), part(self.end))
    }
}

macro_rules! window_serde {
    ($ty:ident, $parse:path) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $parse("window", &text).map_err(|e| serde::de::Error::custom(e.to_string()))
            }
        }
    };
}

window_serde!(Daily, super::validate::windows::daily);
window_serde!(Weekly, super::validate::windows::weekly);

/// `hh24:mi` of the day (the recovery time; format inferred from the modify example's
/// `"01:00"`, extract 01 row 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay(pub u32);

impl TimeOfDay {
    pub fn text(self) -> String {
        format!("{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        super::validate::windows::time_of_day("time", &text).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------
// Instances.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub size: u32,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `preferredRecoveryTime` of a redundant instance (seed 480–507).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Recovery {
    /// `{"applyImmediately": true}` (the default, seed 496).
    Immediately,
    /// `{"applyImmediately": false}`: no automatic recovery time was chosen.
    NotImmediately,
    /// `{"time": "hh:mm"}`: recovery starts at that time of day.
    At(TimeOfDay),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbUser {
    pub name: String,
    pub password: Secret,
    pub databases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoScale {
    pub volume_available: bool,
    pub volume_max_size: u32,
    pub volume_time: Daily,
    pub flavor_available: bool,
    pub flavor_time: Daily,
    pub replica_available: bool,
    pub replica_max_number: u32,
    /// `readreplicaIp`: one per `maxNumber` when available (seed 1373–1380, A15).
    pub replica_ips: Vec<String>,
    /// `readreplicaPublicIp`: as many, when `publiclyAccessible` (seed 1382–1391).
    pub replica_public_ips: Vec<String>,
}

/// `pendingModifiedValues` (seed 1022–1027, 1145–1233): what the next restart changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pending {
    pub flavor: Option<String>,
    pub volume: Option<Volume>,
    pub port: Option<u16>,
    /// A17: a new instance id, applied (the instance moves) at the restart.
    pub id: Option<String>,
    /// Shown as `"****"` while a password change is being applied (seed 1201–1208).
    pub master_user_password: bool,
    /// A patch waiting for `applyPatch` (seed 1217–1233).
    pub engine_minor_version: Option<String>,
    pub security_update: Option<bool>,
}

impl Pending {
    /// Restart-requiring values are waiting (what makes `RESTART_REQUIRED`).
    pub fn needs_restart(&self) -> bool {
        self.flavor.is_some() || self.volume.is_some() || self.port.is_some() || self.id.is_some()
    }

    pub fn is_empty(&self) -> bool {
        *self == Pending::default()
    }
}

/// A read-replica link (`readReplicaSrcDBInstance`, `readReplicaDBInstances[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaRef {
    pub region: String,
    pub tenant_id: String,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplicaStatus {
    Replicating,
    Error,
}

/// A master password as digests (`crate::secret`): the current one and when each
/// earlier one held, so that PITR can ask for "the password at restoreTime" (seed 1734,
/// 4003–4004).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordHistory {
    /// `(since, digest)`, oldest first; never empty.
    pub entries: Vec<(SimInstant, Secret)>,
}

impl PasswordHistory {
    pub fn new(at: SimInstant, secret: Secret) -> Self {
        PasswordHistory { entries: vec![(at, secret)] }
    }

    /// The current password (`None` only for a hand-written dump with no entry).
    pub fn current(&self) -> Option<&Secret> {
        self.entries.last().map(|(_, s)| s)
    }

    /// The password that held at `t` (the oldest one before the first entry).
    pub fn at(&self, t: SimInstant) -> Option<&Secret> {
        self.entries.iter().rev().find(|(since, _)| *since <= t).or(self.entries.first()).map(|(_, s)| s)
    }

    pub fn set(&mut self, at: SimInstant, secret: Secret) {
        self.entries.push((at, secret));
    }
}

/// A DB virtual server ("データベース仮想サーバ", here: instance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: String,
    pub tenant: String,
    /// Creation order within the simulator (the list order, so that `marker` works).
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub status: InstanceStatus,
    pub created: SimInstant,
    pub updated: SimInstant,
    pub flavor: String,
    pub volume: Volume,
    pub subnet_id: String,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub multi: bool,
    pub port: u16,
    pub backup_window: Daily,
    pub maintenance_window: Weekly,
    /// Only for redundant instances and replicas.
    pub recovery: Option<Recovery>,
    pub auto_maintenance: bool,
    pub publicly_accessible: bool,
    pub security_groups: Vec<String>,
    pub parameter_group: String,
    pub backup_retention: u8,
    pub engine: String,
    pub engine_version: String,
    pub engine_minor_version: String,
    pub master_user_name: String,
    pub master_password: PasswordHistory,
    pub character_set: String,
    pub collate: String,
    pub download_log_extension: bool,
    pub databases: Vec<String>,
    pub users: Vec<DbUser>,
    pub auto_scale: AutoScale,
    pub pending: Pending,
    pub replica_of: Option<ReplicaRef>,
    pub replicas: Vec<ReplicaRef>,
    pub replica_status: Option<ReplicaStatus>,
    /// Stopped while `Degenerated`: modify refused until started (seed 267 ※).
    pub stopped_degenerated: bool,
    /// The daily backup events carry it; a new series (new window) retires the old one.
    pub backup_series: u64,
    /// Bumped by every change of `transit`, so a stale `Settle` is a no-op.
    pub generation: u64,
    /// The transition in progress, if any.
    pub transit: Option<Transit>,
    /// Armed by a resource fault: the next settle ends in FAILED (ERROR for a build).
    pub fail_next: bool,
    /// Armed by a resource fault when nothing was in progress: the next transition is
    /// delayed this many seconds.
    pub stall_next: u64,
    /// CPU load faults (`cpu_percent`), oldest first, at most [`CPU_LOADS_CAP`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_loads: Vec<CpuLoad>,
}

/// CPU load spans kept per instance (the oldest go first).
pub const CPU_LOADS_CAP: usize = 16;

/// A resource fault's CPU load: from `from` until `until` (open: still on), the
/// instance's `cpu_util` samples are at least `percent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuLoad {
    pub from: SimInstant,
    pub until: Option<SimInstant>,
    pub percent: u8,
}

impl Instance {
    /// Ends the open CPU load (if any) now and, for a percent above 0, opens a new one.
    pub fn set_cpu_load(&mut self, percent: u8, now: SimInstant) {
        if let Some(open) = self.cpu_loads.last_mut().filter(|l| l.until.is_none()) {
            open.until = Some(now);
        }
        if percent > 0 {
            self.cpu_loads.push(CpuLoad { from: now, until: None, percent });
        }
        if self.cpu_loads.len() > CPU_LOADS_CAP {
            let extra = self.cpu_loads.len() - CPU_LOADS_CAP;
            self.cpu_loads.drain(..extra);
        }
    }
}

impl Instance {
    /// The readReplicaDBInstances / readReplicaSrcDBInstance reference to this instance.
    pub fn reference(&self, region: &str) -> ReplicaRef {
        ReplicaRef { region: region.to_owned(), tenant_id: self.tenant.clone(), id: self.id.clone() }
    }
}

/// A transition in progress: what it completes, the status it returns to when it is a
/// detour (`back`), and when it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transit {
    pub work: Work,
    pub back: InstanceStatus,
    pub due: SimInstant,
}

/// What a settle completes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Work {
    /// BUILD → `back` (ACTIVE, or ERROR for seed 1.1.2: public access in a subnet without
    /// an Internet gateway).
    Build,
    /// MODIFYING/RESIZE → `back` with the restart-requiring values applied.
    Apply { changes: Restart },
    /// MODIFYING → `back`: changes that need no restart (already applied).
    Touch,
    /// STOPPING → SHUTDOWN.
    Stop,
    /// STARTING → ACTIVE, the pending values applied (and the patch with `applyPatch`).
    Start { patch: bool },
    /// REBOOT → ACTIVE, the pending values applied.
    Reboot { patch: bool },
    /// DELETING → gone (DELETED while manual snapshots of it remain).
    Delete,
    /// BACKUP → `back`, the backup recorded.
    Backup,
    /// A cancelled backup: BACKUP → `back`, nothing recorded (1.2.2.11).
    CancelBackup,
    /// DEGENERATED → ACTIVE: redundancy recovered (seed 255).
    Recover,
}

/// Restart-requiring changes (seed 1.1.3: flavorRef, volume, port; and `id`, A17).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Restart {
    pub flavor: Option<String>,
    pub volume: Option<Volume>,
    pub port: Option<u16>,
    pub id: Option<String>,
}

impl Restart {
    pub fn is_empty(&self) -> bool {
        *self == Restart::default()
    }

    /// `other` on top of `self`.
    pub fn merged(mut self, other: &Restart) -> Restart {
        if other.flavor.is_some() {
            self.flavor.clone_from(&other.flavor);
        }
        if other.volume.is_some() {
            self.volume.clone_from(&other.volume);
        }
        if other.port.is_some() {
            self.port = other.port;
        }
        if other.id.is_some() {
            self.id.clone_from(&other.id);
        }
        self
    }

    pub fn from_pending(p: &Pending) -> Restart {
        Restart { flavor: p.flavor.clone(), volume: p.volume.clone(), port: p.port, id: p.id.clone() }
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots (1.3; handlers in `snapshots`).

/// Snapshot statuses as the examples print them (00-decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotStatus {
    Available,
    #[serde(rename = "In_progress")]
    InProgress,
    Deleted,
    Error,
}

impl SnapshotStatus {
    pub const ALL: [SnapshotStatus; 4] =
        [SnapshotStatus::Available, SnapshotStatus::InProgress, SnapshotStatus::Deleted, SnapshotStatus::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotStatus::Available => "Available",
            SnapshotStatus::InProgress => "In_progress",
            SnapshotStatus::Deleted => "Deleted",
            SnapshotStatus::Error => "Error",
        }
    }

    /// Any case, `_`/`-`/nothing between the words.
    pub fn parse(s: &str) -> Option<SnapshotStatus> {
        let folded: String = s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect();
        SnapshotStatus::ALL.into_iter().find(|st| st.as_str().replace('_', "").to_lowercase() == folded)
    }
}

/// `snapshotType` (extract 03 §1.3: the list filter's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotType {
    Manual,
    Automated,
}

/// What a snapshot keeps of its instance: what a restore takes from it (the rest of the
/// new instance comes from the restore request, seed 2589–3060).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSource {
    pub flavor: String,
    pub volume: Volume,
    pub multi: bool,
    pub port: u16,
    pub engine: String,
    pub engine_version: String,
    pub engine_minor_version: String,
    pub master_user_name: String,
    /// The master password when the snapshot was taken (seed 2877–2887), as a digest.
    pub master_password: Option<Secret>,
    pub character_set: String,
    pub collate: String,
    pub databases: Vec<String>,
    pub users: Vec<DbUser>,
}

impl SnapshotSource {
    pub fn of(i: &Instance, at: SimInstant) -> Self {
        SnapshotSource {
            flavor: i.flavor.clone(),
            volume: i.volume.clone(),
            multi: i.multi,
            port: i.port,
            engine: i.engine.clone(),
            engine_version: i.engine_version.clone(),
            engine_minor_version: i.engine_minor_version.clone(),
            master_user_name: i.master_user_name.clone(),
            master_password: i.master_password.at(at).cloned(),
            character_set: i.character_set.clone(),
            collate: i.collate.clone(),
            databases: i.databases.clone(),
            users: i.users.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub id: String,
    pub tenant: String,
    pub instance_id: String,
    pub name: String,
    pub description: Option<String>,
    pub snapshot_type: SnapshotType,
    pub status: SnapshotStatus,
    /// "DB スナップショットからの…復旧 API を実施した場合には、この時刻に復旧されます"
    /// (extract 03 §1.3.2.5).
    pub created: SimInstant,
    /// A cancel (1.2.2.11) is under way: the snapshot goes when it completes.
    #[serde(default)]
    pub cancelling: bool,
    pub source: SnapshotSource,
}

// ---------------------------------------------------------------------------------------
// DB parameter groups (1.5; handlers in `paramgroups`, catalogue in `parameters`).

/// A DB parameter group. Its parameters are the catalogue's; `values` holds the ones a
/// user changed (`source: user`), the rest have their defaults (`source: system`).
/// `appliedInstances` is not stored: it is the tenant's instances that name the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterGroup {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub description: Option<String>,
    pub family: String,
    pub created: SimInstant,
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------
// Event-notification subscriptions (1.7; handlers in `events`).

/// An event subscription (seed 1.7.2.1, the resource table of extract 03 §1.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// Empty: every category of the source type.
    pub categories: Vec<String>,
    /// Empty: every source (seed 11190).
    pub source_ids: Vec<String>,
    /// `None`: every event (seed 11200).
    pub source_type: Option<String>,
    pub created: SimInstant,
    /// Creation order in the tenant (the list order).
    #[serde(default)]
    pub seq: u64,
    /// Events this subscription matched (its notifications, which the simulator counts
    /// instead of mailing).
    #[serde(default)]
    pub delivered: u64,
}

// ---------------------------------------------------------------------------------------
// Security groups (1.11, 1.12; handlers in `secgroups`).

/// A rule of a security group (seed 1.12; the embedded form of 1.11's responses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SgRule {
    pub id: String,
    pub direction: String,
    /// The wire value (`null`, `tcp`, `"6"`, ...).
    pub protocol: Option<String>,
    pub ethertype: String,
    pub port_range_min: Option<u16>,
    pub port_range_max: Option<u16>,
    pub remote_ip_prefix: Option<String>,
    /// `null` in the default rules, `""` when a created rule gives none (the examples).
    pub description: Option<String>,
    pub created: SimInstant,
}

/// A security group and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroup {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub description: String,
    pub stateful: bool,
    pub created: SimInstant,
    pub updated: SimInstant,
    pub rules: Vec<SgRule>,
}

// ---------------------------------------------------------------------------------------
// Identities.

/// An IaaS subnet the tenant owns (00-decisions: no subnet API in the seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subnet {
    pub id: String,
    /// `a.b.c.d/n`: where private IPs come from (seed 934–941).
    pub cidr: String,
    /// Seed 1.1.2: public access without an Internet gateway ends in `Error`.
    pub internet_gateway: bool,
}

/// A project ({tenantId}) and the IaaS and DB references it owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub subnets: Vec<Subnet>,
    pub parameter_groups: Vec<String>,
    pub security_groups: Vec<String>,
}

/// An FJcloud-O user (seed 1.8: by id, or by name within a domain = contract number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub password: Secret,
    /// The projects the user may get tokens for.
    pub tenants: Vec<String>,
}

/// An FJcloud-O IaaS token, accepted by `auth.token.id`; kept by its digest
/// (`crate::secret::digest`, also its table key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IaasToken {
    pub token_digest: String,
    pub user_id: String,
    pub expires: Option<SimInstant>,
}

/// A database-service token (`X-Auth-Token`), bound to one tenant; kept by its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub token_digest: String,
    pub user_id: String,
    pub tenant: String,
    pub expires: SimInstant,
}

// ---------------------------------------------------------------------------------------
// Events.

/// A scheduled Fujitsu event. Guarded: each applies only if its instance (snapshot)
/// still exists and is still where the event expects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Event {
    /// Completes the instance's transit if its generation is still `generation`.
    Settle { tenant: String, id: String, generation: u64 },
    /// The daily automated backup of series `series` (the backup window's start).
    BackupDue { tenant: String, id: String, series: u64 },
    /// An `In_progress` snapshot completes (or goes, when it was cancelled).
    SnapshotDone { tenant: String, id: String },
    /// A `Deleted` snapshot leaves the tables (1.3.2.2).
    SnapshotGone { tenant: String, id: String },
    /// An alarm's next evaluation (1.6.2.8), if it still carries `generation`.
    AlarmCheck { tenant: String, id: String, generation: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceStatus as S;
    use OpKind::*;

    #[test]
    fn every_state_parses_from_any_spelling() {
        for s in InstanceStatus::ALL {
            assert_eq!(InstanceStatus::parse(s.as_str()), Some(s));
            assert_eq!(InstanceStatus::parse(&s.as_str().to_lowercase()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(InstanceStatus::parse("Restart_Required"), Some(S::RestartRequired));
        assert_eq!(InstanceStatus::parse("restartrequired"), Some(S::RestartRequired));
        assert_eq!(InstanceStatus::parse("degenerated"), Some(S::Degenerated));
        assert_eq!(InstanceStatus::parse("nope"), None);
        assert_eq!(SnapshotStatus::parse("in_progress"), Some(SnapshotStatus::InProgress));
        assert_eq!(SnapshotStatus::parse("AVAILABLE"), Some(SnapshotStatus::Available));
    }

    /// The rows of seed lines 247–272, cell by cell (extract 01 §1.5.8).
    #[test]
    fn the_table_matches_the_seed_row_by_row() {
        let row = |s: InstanceStatus| -> Vec<OpKind> { OpKind::ALL.into_iter().filter(|op| s.can(*op)).collect() };
        let all: Vec<OpKind> = OpKind::ALL.to_vec();
        assert_eq!(row(S::Active), all);
        assert_eq!(row(S::RestartRequired), all);
        assert_eq!(row(S::Backup), vec![Read, LogRead, Delete, Cancel, Pitr, RestoreSnapshot, Maintenance]);
        assert_eq!(
            row(S::Degenerated),
            vec![Read, LogRead, Delete, Start, Stop, Reboot, Cancel, Snapshot, Pitr, RestoreSnapshot, Maintenance]
        );
        for s in [S::Build, S::Deleting, S::Deleted] {
            assert_eq!(row(s), vec![Read, LogRead, RestoreSnapshot], "{s:?}");
        }
        assert_eq!(
            row(S::Failed),
            vec![Read, LogRead, ResizeDisk, ResizeDiskImmediately, Delete, Stop, Reboot, Pitr, RestoreSnapshot]
        );
        assert_eq!(row(S::Error), vec![Read, LogRead, Delete, Pitr, RestoreSnapshot]);
        for s in [S::Modifying, S::Resize, S::Reboot, S::Starting, S::Stopping] {
            assert_eq!(row(s), vec![Read, LogRead, Pitr, RestoreSnapshot], "{s:?}");
        }
        assert_eq!(
            row(S::Shutdown),
            vec![
                Read,
                LogRead,
                Modify,
                ResizeDisk,
                Delete,
                Start,
                Stop,
                Reboot,
                Cancel,
                Pitr,
                RestoreSnapshot,
                Maintenance
            ]
        );
        assert_eq!(table().len(), 15 * 16);
        assert!(table().iter().all(|(s, op, ok)| s.can(*op) == *ok));
    }

    #[test]
    fn reads_are_allowed_in_every_state() {
        for s in InstanceStatus::ALL {
            assert!(s.can(Read) && s.can(LogRead), "{s:?}");
        }
    }

    #[test]
    fn windows_print_as_the_seed_writes_them() {
        assert_eq!(Daily { start: 17 * 60, end: 18 * 60 }.text(), "17:00-18:00");
        assert_eq!(Daily { start: 23 * 60 + 45, end: 15 }.minutes(), 30);
        let w = Weekly { start: 6 * DAY + 19 * 60, end: 6 * DAY + 20 * 60 };
        assert_eq!(w.text(), "Sun:19:00-Sun:20:00");
        assert_eq!(Weekly { start: 6 * DAY + 23 * 60 + 30, end: 0 }.minutes(), 30);
    }

    #[test]
    fn the_password_history_answers_the_one_that_held_then() {
        let mut h = PasswordHistory::new(SimInstant(10), Secret::new("a"));
        h.set(SimInstant(20), Secret::new("b"));
        assert!(h.current().unwrap().matches("b"));
        assert!(h.at(SimInstant(15)).unwrap().matches("a"));
        assert!(h.at(SimInstant(20)).unwrap().matches("b"));
        assert!(h.at(SimInstant(5)).unwrap().matches("a"));
    }
}
