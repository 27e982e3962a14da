//! Reads of one BYOC infrastructure (`ORG/byocInfrastructure/{id}`,
//! `.../privateEndpointConfig`, `.../tags`: `organizationByocInfrastructureGet`,
//! `organizationByocInfrastructurePrivateEndpointConfigGet`,
//! `organizationByocInfrastructureTagsGet`; `clickhousectl cloud org byoc get`,
//! `private-endpoint-config`, `tags`).
//!
//! Owns no table; reads `Organization::byoc_config` (written by `byoc.rs`). May touch:
//! `crate::hash`.
//!
//! # Authority
//! Not in the official OpenAPI document (it has create, update and delete only); learnt
//! from the clickhousectl 0.5.0 binary: the paths of its operation table and its models,
//! probed against a capturing server: `ByocInfrastructureDetails` (`id`, `state`,
//! `cloudProvider`, `regionId`, `accountId`, `displayName`, and VPC details, all
//! optional), `ByocInfrastructurePrivateEndpointConfig` (`endpointName`,
//! `privateDnsHostname`) and `ByocInfrastructureTagsResponse` (`tags`, a string map).
//!
//! # Choices (I)
//! - **Details** are what the simulator keeps of an infrastructure (`byoc.rs` keeps the
//!   id, state, provider, region, account and display name; the VPC details of the create
//!   are validated there but not kept, so they are not answered).
//! - **Private endpoint config**: an endpoint service name and a private DNS host derived
//!   from the infrastructure's id and region, AWS-style
//!   (`com.amazonaws.vpce.<region>.vpce-svc-<17 hex>`, `<8 hex>.<region>.byoc.clickhouse.cloud`),
//!   stable across reads; answered once the infrastructure is `infra-ready` (else 409, as a
//!   service's private endpoints need a running service).
//! - **Tags**: the simulator keeps none, so `{"tags": {}}`.
//! - An unknown id is the 404 `BYOC infrastructure {id} not found` of `byoc.rs`.
//! - The CLI's `byoc progress` and `byoc validate` are `byoc_checks.rs`.

use serde_json::{json, Value};

use super::model::ByocConfig;
use super::routes::Op;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::hash::fnv1a;

pub fn handle(_ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetByoc { byoc } => Ok(Out::Result(details(find(call, byoc)?))),
        Op::GetByocPrivateEndpointConfig { byoc } => private_endpoint_config(find(call, byoc)?),
        Op::GetByocTags { byoc } => {
            find(call, byoc)?;
            Ok(Out::Result(json!({"tags": {}})))
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn find<'a>(call: &'a Call, id: &str) -> Result<&'a ByocConfig, ChError> {
    call.org.byoc_config.iter().find(|c| c.id == id).ok_or_else(|| ChError::not_found("BYOC infrastructure", id))
}

/// `ByocInfrastructureDetails`, of what is kept.
fn details(c: &ByocConfig) -> Value {
    json!({"id": c.id, "state": c.state, "cloudProvider": c.cloud_provider, "regionId": c.region_id,
           "accountId": c.account_name, "displayName": c.display_name})
}

fn private_endpoint_config(c: &ByocConfig) -> Res {
    if c.state != "infra-ready" {
        return Err(ChError::Conflict(format!("BYOC infrastructure {} is not ready (state {})", c.id, c.state)));
    }
    let h = fnv1a(c.id.as_bytes());
    let svc = format!("{:017x}", h as u128 * 0x1_0000 % (1u128 << 68));
    Ok(Out::Result(json!({
        "endpointName": format!("com.amazonaws.vpce.{}.vpce-svc-{}", c.region_id, &svc[svc.len() - 17..]),
        "privateDnsHostname": format!("{:08x}.{}.byoc.clickhouse.cloud", h >> 32, c.region_id),
    })))
}
