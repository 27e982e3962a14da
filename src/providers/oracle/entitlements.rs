//! Service entitlements (spec §3 #5, #6, #12; §4.2): discovery with filters and paging, one
//! entitlement with `expands=serviceInstancesEligibleDataCenters` (seed:
//! 「対象のデータ・センター」), and its service configurations.

use serde_json::{json, Value};

use super::collection::{self, list_filter, matches_any, Order};
use super::error::OracleError;
use super::model::Entitlement;
use super::routes::Op;
use super::view;
use super::{Call, Oracle, Out, Res};
use crate::validation::{FieldError, Rule};

pub fn handle(o: &Oracle, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListServiceEntitlements => list(o, call),
        Op::GetServiceEntitlement { id } => {
            let expand = expand_data_centers(call)?;
            let mut out = Vec::with_capacity(1024);
            let tag = view_tag(o, call, expand);
            let found = o.entitlements.read(call.domain(), &key(id), |stored| {
                stored.memo(tag, &mut out, |e, out| view::entitlement(out, o, call, e, expand))
            });
            found.ok_or_else(|| OracleError::not_found("Service entitlement", id))?;
            Ok(Out::text(out))
        }
        Op::ListEntitlementConfigurations { entitlement } => {
            let e = find(o, call, entitlement)?;
            let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
            let link = format!("{}/serviceEntitlements/{}/serviceConfigurations", call.base, e.id);
            Ok(Out::text(collection::envelope(call.req, &link, page, &[configuration(&link)], collection::value)))
        }
        Op::GetEntitlementConfiguration { entitlement, config } => {
            let e = find(o, call, entitlement)?;
            if !config.eq_ignore_ascii_case("Exadata") {
                return Err(OracleError::not_found("Service configuration", config));
            }
            let link = format!("{}/serviceEntitlements/{}/serviceConfigurations", call.base, e.id);
            Ok(Out::ok(configuration(&link)))
        }
        _ => Err(OracleError::NotFound(format!("No resource at {}", call.req.path))),
    }
}

/// What an entitlement's rendering reads besides the entitlement itself, as the tag of
/// its memo (`Stored::memo`, dropped whenever the entitlement is written): the links'
/// base as the request spells the domain, the expansion, the timestamp format, and the
/// tables its references are named from (their versions move on every write). A poller
/// that gets an unchanged entitlement copies its bytes instead of rendering it with
/// three lookups and two timestamps.
fn view_tag(o: &Oracle, call: &Call, expand: bool) -> u64 {
    use std::hash::BuildHasher;
    let inputs = (
        &*call.base,
        expand,
        call.settings.epoch_millis,
        o.domains.version(),
        o.cloud_accounts.version(),
        o.definitions.version(),
    );
    crate::store::FxBuild::default().hash_one(inputs)
}

/// G02: an entitlement of the caller's domain by `cesi-N` (or `N`), else 404.
pub fn find(o: &Oracle, call: &Call, id: &str) -> Result<Entitlement, OracleError> {
    o.entitlements.get(call.domain(), &key(id)).ok_or_else(|| OracleError::not_found("Service entitlement", id))
}

/// The table key of entitlement `id` (`cesi-N`, or `N` alone).
fn key(id: &str) -> std::borrow::Cow<'_, str> {
    if id.bytes().all(|b| b.is_ascii_digit()) {
        std::borrow::Cow::Owned(format!("cesi-{id}"))
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

/// `expands=none` (default) or `serviceInstancesEligibleDataCenters` (§3 #6).
fn expand_data_centers(call: &Call) -> Result<bool, OracleError> {
    const VALUES: &[&str] = &["none", "serviceInstancesEligibleDataCenters"];
    match collection::list_filter(call.req, "expands") {
        None => Ok(false),
        Some(values) => {
            let mut expand = false;
            for v in &values {
                match VALUES.iter().find(|x| x.eq_ignore_ascii_case(v)) {
                    Some(&"serviceInstancesEligibleDataCenters") => expand = true,
                    Some(_) => {}
                    None => return Err(OracleError::Attribute(FieldError::new("expands", Rule::OneOf(VALUES)))),
                }
            }
            Ok(expand)
        }
    }
}

/// §3 #5: `ids`, `purchaseEntitlementId`, `serviceDefinitionNames`, `statuses`;
/// `orderBy=id|createdOn|modifiedOn` (default `id:asc`; ids compare as strings).
fn list(o: &Oracle, call: &Call) -> Res {
    let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
    let order =
        collection::g06_order_by(call.req, &["id", "createdOn", "modifiedOn"], Order { field: "id", desc: false })?;
    let expand = expand_data_centers(call)?;
    let ids = list_filter(call.req, "ids");
    let purchases = list_filter(call.req, "purchaseEntitlementId");
    let defs = list_filter(call.req, "serviceDefinitionNames");
    let statuses = list_filter(call.req, "statuses");
    let mut list: Vec<Entitlement> = o
        .entitlements
        .list(call.domain())
        .into_iter()
        .filter(|e| {
            let def = o.definitions.get("", &e.service_definition_id).map(|d| d.name).unwrap_or_default();
            matches_any(&ids, &e.id)
                && matches_any(&purchases, &e.purchase_entitlement_id)
                && matches_any(&defs, &def)
                && matches_any(&statuses, e.status.as_str())
        })
        .collect();
    list.sort_by(|a, b| match order.field {
        "createdOn" => order.cmp((a.created_on, &a.id), (b.created_on, &b.id)),
        "modifiedOn" => order.cmp((a.modified_on, &a.id), (b.modified_on, &b.id)),
        _ => order.cmp(&a.id, &b.id),
    });
    let link = format!("{}/serviceEntitlements", call.base);
    Ok(Out::text(collection::envelope(call.req, &link, page, &list, |out, e| {
        view::entitlement(out, o, call, e, expand)
    })))
}

/// §3 #12 (S3): the Exadata configuration of an entitlement.
fn configuration(link: &str) -> Value {
    json!({
        "id": "Exadata",
        "exadata": {"securityGroups": {"canonicalLink": format!("{link}/Exadata/securityGroups")}},
        "canonicalLink": format!("{link}/Exadata"),
    })
}
