//! The scheduled Fujitsu events.
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};

use crate::id::Id;

/// A scheduled Fujitsu event. Guarded: each applies only if its instance (snapshot)
/// still exists and is still where the event expects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Event {
    /// Completes the instance's transit if its generation is still `generation`. Ids
    /// inline: every create and change schedules one, and every instance keeps a backup.
    Settle { tenant: Id, id: Id, generation: u64 },
    /// The daily automated backup of series `series` (the backup window's start).
    BackupDue { tenant: Id, id: Id, series: u64 },
    /// An `In_progress` snapshot completes (or goes, when it was cancelled).
    SnapshotDone { tenant: Id, id: Id },
    /// A `Deleted` snapshot leaves the tables (1.3.2.2).
    SnapshotGone { tenant: Id, id: Id },
    /// An alarm's next evaluation (1.6.2.8), if it still carries `generation`.
    AlarmCheck { tenant: Id, id: Id, generation: u64 },
}
