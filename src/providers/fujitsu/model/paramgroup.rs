//! DB parameter groups (1.5; handlers in `paramgroups`, catalogue in `parameters`).
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;

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
