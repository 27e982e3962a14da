//! The seed's 15 instance states ([`InstanceStatus`]) and what a request does to an
//! instance ([`OpKind`]), with the one exhaustive state × operation table
//! ([`InstanceStatus::can`]) and each operation's own preconditions next to it.
//!
//! Authority: seed lines 247–272; 00-decisions; extract 01 §1.5.7–1.5.8.
//!
//! Pure data, no I/O. May touch: the other model records (types).

use serde::{Deserialize, Serialize};

use super::*;

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
