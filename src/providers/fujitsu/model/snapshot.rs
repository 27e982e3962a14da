//! DB snapshots (1.3; handlers in `snapshots`): their status, type, record and what
//! they keep of their instance.
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::*;
use crate::clock::SimInstant;
use crate::secret::Secret;

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
    pub flavor: CompactString,
    pub volume: Volume,
    pub multi: bool,
    pub port: u16,
    pub engine: CompactString,
    pub engine_version: CompactString,
    pub engine_minor_version: CompactString,
    pub master_user_name: CompactString,
    /// The master password when the snapshot was taken (seed 2877–2887), as a digest.
    pub master_password: Option<Secret>,
    pub character_set: CompactString,
    pub collate: CompactString,
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
