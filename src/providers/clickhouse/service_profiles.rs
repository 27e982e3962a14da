//! The service profiles an organization may choose (`GET ORG/serviceProfiles`,
//! `serviceProfilesList`: `clickhousectl cloud service profile list`).
//!
//! Owns no table; reads the organization's BYOC infrastructures (`Organization::byoc_config`).
//! May touch: `super::validate` (the profile and region lists), `crate::validation`.
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary: the
//! path and operationId of its operation table, the permission its `--help` prints
//! (`control-plane:organization:view`), its flags ("--region: required without
//! --byoc-id", "--byoc-id: ... Cloud validates any supplied region against this
//! infrastructure"), the query it sends (captured: `region_id`, `byoc_id`) and its model
//! `ServiceProfile`, probed against a capturing server: `profile` a string, `cpuCores`
//! and `memoryGi` numbers.
//!
//! # Choices (I)
//! - **The profiles** are SEED-B's ten (`validate::PROFILES`, the values `profile`
//!   accepts at create), in every region; the binary names no sizes, so these are the
//!   simulator's: `v1-default` 2 cores / 8 GiB, the `highmem` ones 1:8 and the `highcpu`
//!   ones 1:2 from 2 to 32 cores ([`SIZES`]).
//! - **Rules**, one function each, a 400 naming the parameter: one of `region_id` and
//!   `byoc_id` is required; `region_id` one of the official regions; `byoc_id` a UUID
//!   naming a BYOC infrastructure of the organization (else the 404 `BYOC infrastructure
//!   {id} not found`); with both, the region must be the infrastructure's.

use serde_json::{json, Value};

use super::routes::Op;
use super::validate::{OFFICIAL_REGIONS, PROFILES};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::validation::{is_uuid, FieldError, Rule};

/// `(profile, cpuCores, memoryGi)`, in [`PROFILES`] order.
pub const SIZES: &[(&str, u32, u32)] = &[
    ("v1-default", 2, 8),
    ("v1-highmem-xs", 2, 16),
    ("v1-highmem-s", 4, 32),
    ("v1-highmem-m", 8, 64),
    ("v1-highmem-l", 16, 128),
    ("v1-highmem-xl", 32, 256),
    ("v1-highcpu-s", 4, 8),
    ("v1-highcpu-m", 8, 16),
    ("v1-highcpu-l", 16, 32),
    ("v1-highcpu-xl", 32, 64),
];

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListServiceProfiles => list(ch, call),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// One of the two parameters.
fn some_parameter_rule(region: &Option<String>, byoc: &Option<String>) -> Result<(), FieldError> {
    if region.is_none() && byoc.is_none() {
        return Err(FieldError::says("region_id", "or byoc_id is required"));
    }
    Ok(())
}

/// `region_id`: an official region.
fn region_rule(region: &str) -> Result<(), FieldError> {
    if !OFFICIAL_REGIONS.iter().any(|(_, r)| *r == region) {
        return Err(FieldError::message("region_id", format!("Unsupported region '{region}'")));
    }
    Ok(())
}

/// `byoc_id`: a UUID.
fn byoc_id_rule(byoc: &str) -> Result<(), FieldError> {
    if !is_uuid(byoc) {
        return Err(FieldError::new("byoc_id", Rule::Pattern("uuid")));
    }
    Ok(())
}

/// With both, the region is the infrastructure's.
fn same_region_rule(region: Option<&str>, byoc_region: &str) -> Result<(), FieldError> {
    match region {
        Some(r) if r != byoc_region => Err(FieldError::message(
            "region_id",
            format!("Region '{r}' is not the BYOC infrastructure's region '{byoc_region}'"),
        )),
        _ => Ok(()),
    }
}

fn list(_ch: &ClickHouse, call: &Call) -> Res {
    let (mut region, mut byoc) = (None, None);
    for (k, v) in call.req.query_pairs() {
        match k.as_str() {
            "region_id" => region = Some(v.to_string()),
            "byoc_id" => byoc = Some(v.to_string()),
            _ => {}
        }
    }
    some_parameter_rule(&region, &byoc)?;
    if let Some(r) = &region {
        region_rule(r)?;
    }
    if let Some(b) = &byoc {
        byoc_id_rule(b)?;
        let infra = call
            .org
            .byoc_config
            .iter()
            .find(|c| &c.id == b)
            .ok_or_else(|| ChError::not_found("BYOC infrastructure", b))?;
        same_region_rule(region.as_deref(), &infra.region_id)?;
    }
    debug_assert_eq!(SIZES.len(), PROFILES.len());
    let out: Vec<Value> =
        SIZES.iter().map(|(p, cpu, mem)| json!({"profile": p, "cpuCores": cpu, "memoryGi": mem})).collect();
    Ok(Out::Result(Value::Array(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_a_size_and_each_rule_names_its_parameter() {
        assert_eq!(SIZES.iter().map(|s| s.0).collect::<Vec<_>>(), PROFILES.to_vec());
        assert!(some_parameter_rule(&None, &None).unwrap_err().to_string().starts_with("region_id"));
        assert!(region_rule("mars-1").unwrap_err().to_string().contains("Unsupported region"));
        assert!(byoc_id_rule("x").unwrap_err().to_string().starts_with("byoc_id"));
        assert!(same_region_rule(Some("eu-west-1"), "us-east-1").is_err());
        assert!(same_region_rule(None, "us-east-1").is_ok());
    }
}
