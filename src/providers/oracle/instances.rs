//! Service instances (spec §3 #7, #8, #13; §4.3): discovery with filters and paging, one
//! instance by `csi-N` (or `N`), and its service configurations. Read-only: instances
//! change only through `POST operations` (`operations.rs`).

use serde_json::{json, Value};

use super::collection::{self, list_filter, matches_any, Order};
use super::error::OracleError;
use super::model::Instance;
use super::routes::Op;
use super::view;
use super::{Call, Oracle, Out, Res};

pub fn handle(o: &Oracle, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListServiceInstances => list(o, call),
        Op::GetServiceInstance { id } => {
            let i = find(o, call.domain(), id)?;
            let mut out = Vec::with_capacity(1024);
            view::instance(&mut out, o, call, &i);
            Ok(Out::text(out))
        }
        Op::ListInstanceConfigurations { instance } => {
            let i = find(o, call.domain(), instance)?;
            let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
            let link = format!("{}/serviceInstances/{}/serviceConfigurations", call.base, i.id());
            Ok(Out::text(collection::envelope(call.req, &link, page, &[configuration(&link)], collection::value)))
        }
        Op::GetInstanceConfiguration { instance, config } => {
            let i = find(o, call.domain(), instance)?;
            if !config.eq_ignore_ascii_case("Exadata") {
                return Err(OracleError::not_found("Service configuration", config));
            }
            Ok(Out::ok(configuration(&format!("{}/serviceInstances/{}/serviceConfigurations", call.base, i.id()))))
        }
        _ => Err(OracleError::NotFound(format!("No resource at {}", call.req.path))),
    }
}

/// The numeric id of `csi-N` or `N`.
pub fn numeric_id(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("csi-").unwrap_or(id);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// G02: an instance of `domain` by `csi-N` or `N`, else 404.
pub fn find(o: &Oracle, domain: &str, id: &str) -> Result<Instance, OracleError> {
    numeric_id(id)
        .and_then(|n| o.instances.get(domain, &n.to_string()))
        .ok_or_else(|| OracleError::not_found("Service instance", id))
}

/// §3 #7: `ids`, `purchaseEntitlementId`, `serviceDefinitionNames`, `serviceEntitlementId`,
/// `statuses`; `orderBy=id|createdOn|modifiedOn` (default `id:asc`). Every status is listed
/// unless `statuses` narrows it (§10.2).
fn list(o: &Oracle, call: &Call) -> Res {
    let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
    let order =
        collection::g06_order_by(call.req, &["id", "createdOn", "modifiedOn"], Order { field: "id", desc: false })?;
    let ids = list_filter(call.req, "ids");
    let purchases = list_filter(call.req, "purchaseEntitlementId");
    let defs = list_filter(call.req, "serviceDefinitionNames");
    let entitlements = list_filter(call.req, "serviceEntitlementId");
    let statuses = list_filter(call.req, "statuses");
    let mut list: Vec<Instance> = o
        .instances
        .list(call.domain())
        .into_iter()
        .filter(|i| {
            let purchase = o.entitlements.get(&i.domain, &i.entitlement_id).map(|e| e.purchase_entitlement_id);
            let numeric = i.numeric_id.to_string();
            let own_ent = i.entitlement_id.strip_prefix("cesi-").unwrap_or(&i.entitlement_id);
            (matches_any(&ids, &i.id()) || matches_any(&ids, &numeric))
                && matches_any(&purchases, purchase.as_deref().unwrap_or(""))
                && matches_any(&defs, "Exadata")
                && (matches_any(&entitlements, &i.entitlement_id) || matches_any(&entitlements, own_ent))
                && matches_any(&statuses, i.status.as_str())
        })
        .collect();
    list.sort_by(|a, b| match order.field {
        "createdOn" => order.cmp((a.created_on, a.id()), (b.created_on, b.id())),
        "modifiedOn" => order.cmp((a.modified_on, a.id()), (b.modified_on, b.id())),
        _ => order.cmp(a.id(), b.id()),
    });
    let link = format!("{}/serviceInstances", call.base);
    Ok(Out::text(collection::envelope(call.req, &link, page, &list, |out, i| view::instance(out, o, call, i))))
}

/// §3 #13 (S3): the Exadata configuration of an instance.
fn configuration(link: &str) -> Value {
    json!({
        "id": "Exadata",
        "exadata": {
            "bursting": {"canonicalLink": format!("{link}/Exadata/bursting")},
            "securityGroupAssignments": {"canonicalLink": format!("{link}/Exadata/securityGroupAssignments")},
        },
        "canonicalLink": format!("{link}/Exadata"),
    })
}
