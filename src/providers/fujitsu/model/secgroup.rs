//! Security groups and their rules (1.11, 1.12; handlers in `secgroups`).
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;

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
