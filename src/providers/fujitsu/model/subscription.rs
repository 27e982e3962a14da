//! Event-notification subscriptions (1.7; handlers in `events`).
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;

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
