//! Identities: tenants with their subnets, users, IaaS tokens and database-service
//! tokens (1.8).
//!
//! Pure data, no I/O. May touch: `crate::clock` (types).

use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;
use crate::secret::Secret;

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
