//! Scenario timeline actions: what a scenario's `timeline:` schedules at a simulated
//! time (add or remove a fault rule, break a resource, jump the clock). The core holds
//! them in a heap of their own and runs them in time order with the providers' events;
//! the scenario loader builds them.
//!
//! May touch: `crate::faults` (the rule shape).

use serde::{Deserialize, Serialize};

use crate::faults::RuleSpec;

/// Break a resource: force a state, fail its next transition, or stall it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Break {
    pub provider: String,
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_next_transition: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_seconds: Option<u64>,
}

/// The timeline action, as scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TimelineAction {
    AddFault(Box<RuleSpec>),
    RemoveFault(String),
    Break(Break),
    Advance(f64),
}

/// Timeline actions belong to the scenario, not to a resource.
impl crate::lifecycle::Owned for TimelineAction {
    fn owner(&self) -> Option<crate::lifecycle::Owner<'_>> {
        None
    }
}
