//! BYOC provisioning progress and account validation
//! (`GET ORG/byocInfrastructure/{id}/progress`: `organizationByocInfrastructureProgressGet`;
//! `POST ORG/byocInfrastructure/validate`: `organizationByocInfrastructureValidate`;
//! clickhousectl 0.5.0's `org byoc progress` and `org byoc validate`).
//!
//! Owns no table and changes nothing; reads `Organization::byoc_config` (written by
//! `byoc.rs`) and reuses `byoc::account_fields` for the account rules.
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary (its
//! operation table names the paths and operationIds) and probed against a capturing
//! server: the CLI sends `regionId`, `accountId`, `availabilityZoneSuffixes`,
//! `vpcCidrRange` or the BYO-VPC ids, `externalId`, the GCP and Azure ids and `tags`, and
//! decodes `ByocInfrastructureProgress` (`id`, `status`, `stages[]` of `name`, `status`,
//! `subStages[]`, `updatedAt`; statuses `not_started`, `pending`, `waiting`, `in_progress`,
//! `ready`, `failed`) and `ByocInfrastructureValidation` (`cloudProvider`, `supported`,
//! `allPassed`, `anyPassed`, `checks[]` of `group`, `name`, `action`, `allowed`,
//! `reason`). The CLI "exits 1 after printing the result when any check is denied".
//!
//! # Choices (I)
//! - **Progress** follows the infrastructure's state: `infra-provisioning` is `in_progress`
//!   (the first of the three fixed stages `network`, `kubernetes`, `control-plane` in
//!   progress, the others pending), `infra-ready` is `ready` with every stage ready, any
//!   other state `failed`. The simulator keeps no per-stage times, so no `updatedAt`.
//! - **Validation** checks the body by the create's rules (400 naming the field, nothing
//!   stored) plus: `vpcCidrRange` excludes `vpcId`, `privateSubnetIds` needs `vpcId` (the
//!   CLI's rules); Azure regions need `tenantId` and `servicePrincipalClientId`. There is
//!   no cloud account to inspect, so a valid body is `supported` and every check allowed.

use serde_json::{json, Value};

use super::model::ByocConfig;
use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields, Rule};

pub fn handle(_ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetByocProgress { byoc } => Ok(Out::Result(progress(find(call, byoc)?))),
        Op::ValidateByoc => validate(call),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn find<'a>(call: &'a Call, id: &str) -> Result<&'a ByocConfig, ChError> {
    call.org.byoc_config.iter().find(|c| c.id == id).ok_or_else(|| ChError::not_found("BYOC infrastructure", id))
}

/// The fixed provisioning stages (module doc).
const STAGES: [&str; 3] = ["network", "kubernetes", "control-plane"];

/// `ByocInfrastructureProgress` of an infrastructure's state.
fn progress(c: &ByocConfig) -> Value {
    let (status, first, rest) = match c.state.as_str() {
        "infra-provisioning" => ("in_progress", "in_progress", "pending"),
        "infra-ready" => ("ready", "ready", "ready"),
        _ => ("failed", "failed", "not_started"),
    };
    let stages: Vec<Value> = STAGES
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"name": name, "status": if i == 0 { first } else { rest }, "subStages": []}))
        .collect();
    json!({"id": c.id, "status": status, "stages": stages})
}

const VALIDATE_FIELDS: &[&str] = &[
    "regionId",
    "accountId",
    "availabilityZoneSuffixes",
    "vpcCidrRange",
    "vpcId",
    "privateSubnetIds",
    "publicSubnetIds",
    "externalId",
    "gcpPodCidrRangeNames",
    "gcpSharedVpcHostProjectId",
    "tenantId",
    "servicePrincipalClientId",
    "tags",
];

/// `vpcCidrRange` (a managed VPC) excludes `vpcId` (a BYO VPC); subnets need `vpcId`.
fn vpc_choice(f: &Fields) -> Result<(), FieldError> {
    let vpc = f.str("vpcId")?;
    if vpc.is_some() && f.str("vpcCidrRange")?.is_some() {
        return Err(FieldError::new("vpcCidrRange", Rule::ExcludedBy("vpcId")));
    }
    if vpc.is_none() && f.strings("privateSubnetIds")?.is_some_and(|s| !s.is_empty()) {
        return Err(FieldError::required("vpcId"));
    }
    f.strings("publicSubnetIds")?;
    f.strings("gcpPodCidrRangeNames")?;
    Ok(())
}

/// Azure regions need the tenant and the service principal.
fn azure_ids(f: &Fields, provider: &str) -> Result<(), FieldError> {
    if provider != "azure" {
        return Ok(());
    }
    for name in ["tenantId", "servicePrincipalClientId"] {
        f.str(name)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| FieldError::required(name))?;
    }
    Ok(())
}

/// `tags` is a string map.
fn tags(f: &Fields) -> Result<(), FieldError> {
    match f.object("tags")? {
        Some(m) => m.iter().try_for_each(|(k, v)| {
            v.as_str().map(|_| ()).ok_or_else(|| FieldError::new(format!("tags.{k}"), Rule::Type("string")))
        }),
        None => Ok(()),
    }
}

fn validate(call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, VALIDATE_FIELDS, call.settings.strict_unknown_fields)?;
    let (_, provider, _) = super::byoc::account_fields(&f)?;
    vpc_choice(&f)?;
    azure_ids(&f, provider)?;
    tags(&f)?;
    let (role, network) = match provider {
        "aws" => ("sts:AssumeRole", "ec2:CreateVpc"),
        "gcp" => ("iam.serviceAccounts.actAs", "compute.networks.create"),
        _ => ("Microsoft.Authorization/roleAssignments/read", "Microsoft.Network/virtualNetworks/write"),
    };
    let check = |group: &str, name: &str, action: &str| {
        json!({"group": group, "name": name, "action": action, "allowed": true, "reason": ""})
    };
    Ok(Out::Result(json!({
        "cloudProvider": provider,
        "supported": true,
        "allPassed": true,
        "anyPassed": true,
        "checks": [
            check("identity", "management-role", role),
            check("network", "vpc", network),
            check("quota", "capacity", "quota:read"),
        ],
    })))
}
