//! Organizations (spec §9.1): S1 list, S2 get, S3 update, S7 the organization-level
//! private endpoint configuration and its alias S8 (`privateEndpointInfo/{p}/{r}`, RC).
//!
//! Owns the wire behaviour of the `Organization` resource. May touch: the `orgs` table
//! (S3), reads of `services` (an endpoint still attached to a service cannot be removed),
//! `activities::record`. Rules live in `validate::org`.
//! Authority: extract `spec/clickhouse-cloud.md` §4.1, §9.0–9.1 (O1 `Organization`,
//! `OrganizationPatchRequest`, `OrganizationCloudRegionPrivateEndpointConfig`; O3; RC).

use std::sync::Arc;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::activities;
use super::model::OrgPrivateEndpoint;
use super::routes::Op;
use super::services;
use super::validate::{self as v, org as rules};
use super::view;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::Fields;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        // S1: "a list with a single organization associated with the API key" (O1). The
        // pipeline scoped `call.org` to the key's organization.
        Op::ListOrganizations => Ok(Out::Result(json!([view::organization(&call.org, call.cx)]))),
        Op::GetOrganization => Ok(Out::Result(view::organization(&call.org, call.cx))),
        Op::UpdateOrganization => update(ch, call),
        Op::OrganizationPrivateEndpointConfig => {
            let p = rules::required_param("cloud_provider", call.req.query_param("cloud_provider"))?;
            let r = rules::required_param("region_id", call.req.query_param("region_id"))?;
            private_endpoint_config(call, ("cloud_provider", &p), ("region_id", &r))
        }
        Op::OrganizationPrivateEndpointInfo { cloud_provider, region } => {
            private_endpoint_config(call, ("cloudProvider", cloud_provider), ("region", region))
        }
        Op::Whoami => Ok(Out::Result(whoami(call))),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// `GET /v1/whoami` (`whoamiGet`): not in the official document; `clickhousectl` 0.5.0
/// calls it (`cloud auth whoami`, `cloud auth login`) and reads an API-key identity of
/// four fields (its `WhoamiApiKey`: `actorType`, `keyId`, `name`, `organizationId`). The
/// shape is the simulator's reading of that client's model (I).
fn whoami(call: &Call) -> Value {
    json!({
        "actorType": "apiKey",
        "keyId": call.key.id,
        "name": call.key.name,
        "organizationId": call.org.id,
    })
}

const UPDATE_FIELDS: &[&str] = &["name", "privateEndpoints", "enableCoreDumps"];

/// S3 (admin, O1): `name`, `privateEndpoints {add, remove}`, `enableCoreDumps`. Every
/// rule is checked on a copy before anything is stored. `add` of an id the organization
/// already has replaces that entry (idempotent, I); `remove` matches on `id` and ignores
/// unknown ids (I), but refuses an endpoint still attached to a service (409, I).
fn update(ch: &ClickHouse, call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, UPDATE_FIELDS, call.settings.strict_unknown_fields)?;
    let name = f.str("name")?.map(rules::org_name).transpose()?;
    let endpoints = match f.raw("privateEndpoints") {
        Some(raw) => Some(private_endpoints_patch(ch, call, raw)?),
        None => None,
    };
    let core_dumps = f.bool("enableCoreDumps")?;
    let renamed = name.as_ref().is_some_and(|n| *n != call.org.name);
    let org_id = call.org.id.clone();
    let stored = ch
        .orgs
        .update(&org_id, &org_id, |org| {
            let org = Arc::make_mut(org);
            if let Some(n) = &name {
                org.name = n.clone();
            }
            if let Some((add, remove)) = &endpoints {
                org.private_endpoints.retain(|p| !remove.contains(&p.id) && !add.iter().any(|a| a.id == p.id));
                org.private_endpoints.extend(add.iter().cloned());
            }
            if let Some(c) = core_dumps {
                org.enable_core_dumps = c;
            }
            org.clone()
        })
        .ok_or_else(|| ChError::not_found("Organization", &org_id))?;
    if renamed {
        activities::record(ch, call, "organization_update_name", None);
    }
    Ok(Out::Result(view::organization(&stored, call.cx)))
}

/// The validated `privateEndpoints` patch: entries to add, ids to remove.
fn private_endpoints_patch(
    ch: &ClickHouse,
    call: &Call,
    raw: &Value,
) -> Result<(Vec<OrgPrivateEndpoint>, Vec<String>), ChError> {
    let patch = v::add_remove("privateEndpoints", raw, false)?;
    let seed_regions = call.settings.seed_regions;
    let mut remove = Vec::new();
    for (i, item) in patch.remove.iter().enumerate() {
        remove.push(rules::org_private_endpoint_ref(i, item)?);
    }
    let mut add: Vec<OrgPrivateEndpoint> = Vec::new();
    for (i, item) in patch.add.iter().enumerate() {
        let pe = rules::org_private_endpoint(i, item, seed_regions)?;
        add.retain(|x| x.id != pe.id);
        add.push(pe);
    }
    let services = ch.services.list_where(&call.org.id, |s| !s.state.is_removed());
    for id in &remove {
        // Re-adding the same id in the same request keeps it, so it stays attachable.
        if add.iter().any(|a| &a.id == id) {
            continue;
        }
        let used_by = services.iter().find(|s| s.extras.private_endpoint_ids.contains(id)).map(|s| s.id.as_str());
        rules::private_endpoint_unused(id, used_by)?;
    }
    Ok((add, remove))
}

/// S7/S8: `{endpointServiceId}` of a provider/region for this organization, in the value
/// scheme of E6 (`services::private_endpoint_names`). `provider`/`region` carry the
/// client's parameter names for the error.
fn private_endpoint_config(call: &Call, provider: (&str, &str), region: (&str, &str)) -> Res {
    let (p, r) = rules::cloud_region(provider.0, provider.1, region.0, region.1, call.settings.seed_regions)?;
    let (suffix, uuid, sub) = endpoint_service_names(&call.org.id, p, &r);
    let (endpoint_service_id, _dns) = services::private_endpoint_names(p, &r, &sub, &suffix, &uuid);
    let mut m = Map::new();
    m.insert("endpointServiceId".into(), Value::String(endpoint_service_id));
    Ok(Out::Result(Value::Object(m)))
}

/// Stable per organization and region, and independent of the RNG, so that asking twice,
/// or after other requests, gives the same answer (I): a SHA-256 of org id, provider and
/// region gives the 17-hex suffix (aws), a UUID-shaped id (azure) and a host label.
fn endpoint_service_names(org: &str, provider: &str, region: &str) -> (String, String, String) {
    let digest = Sha256::digest(format!("{org}/{provider}/{region}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let h = |r: std::ops::Range<usize>| hex.get(r).unwrap_or("0").to_owned();
    let suffix = h(0..17);
    // Version 4 / variant 10xx nibbles, so the value reads as a UUIDv4.
    let uuid = format!("{}-{}-4{}-8{}-{}", h(0..8), h(8..12), h(13..16), h(17..20), h(20..32));
    let sub = h(32..42);
    (suffix, uuid, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_service_names_are_stable_and_per_region() {
        let a = endpoint_service_names("o1", "aws", "us-east-1");
        assert_eq!(a, endpoint_service_names("o1", "aws", "us-east-1"));
        assert_ne!(a, endpoint_service_names("o1", "aws", "us-east-2"));
        assert_ne!(a, endpoint_service_names("o2", "aws", "us-east-1"));
        assert_eq!(a.0.len(), 17);
        assert!(v::is_uuid(&a.1));
    }
}
