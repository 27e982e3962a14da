//! Organization quotas (`ORG/quotas[/{quotaCode}]`: `organizationQuotasGetList`,
//! `organizationQuotaGet`).
//!
//! Read-only views of the limits the simulator enforces: `services-per-organization` is
//! knob `maxServicesPerOrg` (CH-R50) with the live services as usage;
//! `replicas-per-warehouse` is the 20 replicas of CH-R16 (scope `warehouse`, no usage).
//! `postgres-services-per-organization` does not apply (Postgres is out of scope), so it
//! is omitted, as the official document says of quotas that do not apply; asking for it,
//! or for an unknown code, is 404.
//! Authority: the official document (`OrganizationQuota`).

use serde_json::{json, Value};

use super::routes::Op;
use super::{Call, ChError, ClickHouse, Out, Res};

/// The quota codes the simulator reports.
pub const CODES: &[&str] = &["services-per-organization", "replicas-per-warehouse"];

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListQuotas => Ok(Out::Result(Value::Array(CODES.iter().filter_map(|c| quota(ch, call, c)).collect()))),
        Op::GetQuota { quota: code } => {
            quota(ch, call, code).map(Out::Result).ok_or_else(|| ChError::NotFound(format!("Quota {code} not found")))
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// Official `OrganizationQuota` of one code.
fn quota(ch: &ClickHouse, call: &Call, code: &str) -> Option<Value> {
    Some(match code {
        "services-per-organization" => {
            let usage = ch.services.count_where(|k, s| k.0 == call.org.id && !s.state.is_removed());
            json!({
                "quotaCode": code,
                "name": "Services per organization",
                "description": "The number of services an organization may have, in any state except deleted.",
                "scope": "organization",
                "value": call.settings.max_services_per_org,
                "usage": usage,
                "adjustable": true,
            })
        }
        "replicas-per-warehouse" => json!({
            "quotaCode": code,
            "name": "Replicas per warehouse",
            "description": "The number of replicas each service of a warehouse may run.",
            "scope": "warehouse",
            "value": 20,
            "adjustable": true,
        }),
        _ => return None,
    })
}
