//! BYOC infrastructure (`ORG/byocInfrastructure[/{byocInfrastructureId}]`:
//! `organizationByocInfrastructureCreate`, `organizationByocInfrastructureUpdate`,
//! `organizationByocInfrastructureDelete`).
//!
//! Owns `Organization::byoc_config` (what `GET ORG` lists as `byocConfig`). A create needs
//! `regionId` (the official region enum; the cloud provider follows from it) and
//! `accountId`; `availabilityZoneSuffixes` are `a`..`f`, `vpcCidrRange` an IPv4 CIDR. It
//! starts `infra-provisioning` and is `infra-ready` after knob `durations.byoc`
//! (`Event::ByocSettle`); services may use it (`byocId`, CH-R11) once ready. An update
//! changes `displayName`; a delete removes it, refused (409) while a service uses it.
//! Authority: the official document (`ByocInfrastructurePostRequest`,
//! `ByocInfrastructurePatchRequest`, `ByocConfig`).

use std::sync::Arc;

use serde_json::Value;

use super::model::{ByocConfig, Event};
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Fields};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::CreateByoc => create(ch, call),
        Op::UpdateByoc { byoc } => update(ch, call, byoc),
        Op::DeleteByoc { byoc } => delete(ch, call, byoc),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn view(c: &ByocConfig) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

fn not_found(id: &str) -> ChError {
    ChError::not_found("BYOC infrastructure", id)
}

/// The checks a create (and `byoc_checks.rs`' validation) makes of the account: `regionId`
/// (official enum; answers its provider), `accountId`, the zone suffixes and the VPC CIDR.
pub fn account_fields<'a>(f: &Fields<'a>) -> Result<(&'a str, &'static str, &'a str), ChError> {
    let region = f.str("regionId")?.ok_or_else(|| FieldError::required("regionId"))?;
    let provider = v::OFFICIAL_REGIONS
        .iter()
        .find(|(_, r)| *r == region)
        .map(|(p, _)| *p)
        .ok_or_else(|| FieldError::message("regionId", format!("Unsupported region '{region}'")))?;
    let account = f.str("accountId")?.ok_or_else(|| FieldError::required("accountId"))?;
    rules::non_blank("accountId", account)?;
    if let Some(zones) = f.strings("availabilityZoneSuffixes")? {
        rules::zone_suffixes(&zones)?;
    }
    if let Some(cidr) = f.str("vpcCidrRange")? {
        rules::vpc_cidr(cidr)?;
    }
    Ok((region, provider, account))
}

fn create(ch: &ClickHouse, call: &Call) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let known = ["regionId", "accountId", "availabilityZoneSuffixes", "vpcCidrRange", "displayName"];
    v::unknown_fields(&f, &known, call.settings.strict_unknown_fields)?;
    let (region, provider, account) = account_fields(&f)?;
    let display = f.str("displayName")?.map(str::to_owned);
    super::validate::byoc_quota(call.org.byoc_config.len(), call.settings.max_byoc_configs)?;
    let config = ByocConfig {
        id: call.cx.ids.uuid(),
        state: "infra-provisioning".into(),
        account_name: account.to_owned(),
        region_id: region.to_owned(),
        cloud_provider: provider.to_owned(),
        display_name: display.unwrap_or_else(|| format!("{provider}-{region}")),
    };
    ch.orgs
        .update(&call.org.id, &call.org.id, |org| Arc::make_mut(org).byoc_config.push(config.clone()))
        .ok_or_else(|| ChError::not_found("Organization", &call.org.id))?;
    call.cx.schedule_in(
        call.settings.durations.byoc,
        Event::ByocSettle { org: call.org.id.clone(), byoc: config.id.clone() },
    );
    Ok(Out::Result(view(&config)))
}

fn update(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["displayName"], call.settings.strict_unknown_fields)?;
    let display = f.str("displayName")?.map(str::to_owned);
    if let Some(d) = &display {
        rules::non_blank("displayName", d)?;
    }
    ch.orgs
        .update(&call.org.id, &call.org.id, |org| {
            let c = Arc::make_mut(org).byoc_config.iter_mut().find(|c| c.id == id).ok_or_else(|| not_found(id))?;
            if let Some(d) = display {
                c.display_name = d;
            }
            Ok::<_, ChError>(view(c))
        })
        .ok_or_else(|| ChError::not_found("Organization", &call.org.id))?
        .map(Out::Result)
}

fn delete(ch: &ClickHouse, call: &Call, id: &str) -> Res {
    if !call.org.byoc_config.iter().any(|c| c.id == id) {
        return Err(not_found(id));
    }
    let used = ch.services.count_where(|k, s| k.0 == call.org.id && s.extras.byoc_id.as_deref() == Some(id) && !s.state.is_removed());
    if used > 0 {
        return Err(ChError::Conflict(format!("BYOC infrastructure {id} is used by {used} service(s)")));
    }
    ch.orgs.update(&call.org.id, &call.org.id, |org| Arc::make_mut(org).byoc_config.retain(|c| c.id != id));
    Ok(Out::Empty)
}

/// `infra-provisioning → infra-ready` (a deleted one is gone: a no-op).
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    let Event::ByocSettle { org, byoc } = event else { return Vec::new() };
    let moved = ch
        .orgs
        .update(&org, &org, |o| {
            let c = Arc::make_mut(o).byoc_config.iter_mut().find(|c| c.id == byoc && c.state == "infra-provisioning")?;
            c.state = "infra-ready".into();
            Some(())
        })
        .flatten();
    match moved {
        Some(()) => vec![Transition::new(super::NAME, "byocInfrastructure", &byoc, "infra-provisioning", "infra-ready", cx)],
        None => Vec::new(),
    }
}
