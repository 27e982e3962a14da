//! The scheduled Fujitsu events.
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};


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
