//! The instance record ([`Instance`], a DB virtual server), its parts (volume, users,
//! pending values, replicas, password history, CPU load faults) and the transition in
//! progress ([`Transit`], [`Work`]).
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::*;
use crate::id::Id;
use crate::clock::SimInstant;
use crate::secret::Secret;
use crate::sparse::Sparse;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub size: u32,
    #[serde(rename = "type")]
    pub kind: CompactString,
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

impl crate::sparse::Blank for Pending {
    fn blank() -> &'static Self {
        static BLANK: Pending = Pending {
            flavor: None,
            volume: None,
            port: None,
            id: None,
            master_user_password: false,
            engine_minor_version: None,
            security_update: None,
        };
        &BLANK
    }
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
    pub id: Id,
    pub tenant: Id,
    /// Creation order within the simulator (the list order, so that `marker` works).
    pub seq: u64,
    pub name: CompactString,
    pub description: Option<String>,
    pub status: InstanceStatus,
    pub created: SimInstant,
    pub updated: SimInstant,
    pub flavor: CompactString,
    pub volume: Volume,
    pub subnet_id: String,
    pub private_ip: CompactString,
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
    pub engine: CompactString,
    pub engine_version: CompactString,
    pub engine_minor_version: CompactString,
    pub master_user_name: CompactString,
    pub master_password: PasswordHistory,
    pub character_set: CompactString,
    pub collate: CompactString,
    pub download_log_extension: bool,
    pub databases: Vec<String>,
    pub users: Vec<DbUser>,
    pub auto_scale: AutoScale,
    /// Blank for almost every instance: kept out of line ([`Sparse`]).
    pub pending: Sparse<Pending>,
    /// Boxed: only read replicas have one (72 bytes inline on every instance otherwise).
    pub replica_of: Option<Box<ReplicaRef>>,
    pub replicas: Vec<ReplicaRef>,
    pub replica_status: Option<ReplicaStatus>,
    /// Stopped while `Degenerated`: modify refused until started (seed 267 ※).
    pub stopped_degenerated: bool,
    /// The daily backup events carry it; a new series (new window) retires the old one.
    pub backup_series: u64,
    /// Bumped by every change of `transit`, so a stale `Settle` is a no-op.
    pub generation: u64,
    /// The transition in progress, if any.
    /// Boxed: an idle instance has none (104 bytes inline on every instance otherwise).
    pub transit: Option<Box<Transit>>,
    /// Armed by a resource fault: the next settle ends in FAILED (ERROR for a build).
    pub fail_next: bool,
    /// Armed by a resource fault when nothing was in progress: the next transition is
    /// delayed this many seconds.
    pub stall_next: u64,
    /// CPU load faults (`cpu_percent`), oldest first, at most [`CPU_LOADS_CAP`]. Out of
    /// line ([`Sparse`]): only a chaos run sets one, and its 24 bytes inline were what
    /// put a stored instance past mimalloc's 768-byte class.
    #[serde(default, skip_serializing_if = "no_cpu_loads")]
    pub cpu_loads: Sparse<Vec<CpuLoad>>,
}

fn no_cpu_loads(loads: &Sparse<Vec<CpuLoad>>) -> bool {
    loads.is_empty()
}

impl crate::sparse::Blank for Vec<CpuLoad> {
    fn blank() -> &'static Self {
        static BLANK: Vec<CpuLoad> = Vec::new();
        &BLANK
    }
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
        self.cpu_loads.tidy();
    }
}

impl Instance {
    /// The readReplicaDBInstances / readReplicaSrcDBInstance reference to this instance.
    pub fn reference(&self, region: &str) -> ReplicaRef {
        ReplicaRef { region: region.to_owned(), tenant_id: self.tenant.to_string(), id: self.id.to_string() }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored instance is one allocation of `Stored<Instance>`; past 768 bytes it takes
    /// mimalloc's 896 class, 128 bytes more per idle instance (issue 12's 1.5 KB).
    #[test]
    fn a_stored_instance_stays_within_the_768_byte_class() {
        assert!(std::mem::size_of::<crate::store::Stored<Instance>>() <= 768);
    }
}
