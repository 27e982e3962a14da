//! The static catalogue (spec §3 #9–11, #16; §4.1, §4.4): service definitions, cloud
//! accounts, purchase entitlements and operation item definitions. Read-only.

use serde_json::{json, Value};

use super::collection::{self, list_filter, matches_any, Order};
use super::error::OracleError;
use super::model::Definition;
use super::routes::Op;
use super::settings::Settings;
use super::view;
use super::{Call, Oracle, Out, Res};
use crate::http::Request;

pub fn handle(o: &Oracle, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListServiceDefinitions => Ok(Out::text(list_definitions(o, call.req, &call.base, &call.settings)?)),
        Op::GetServiceDefinition { id } => get_definition(o, &call.base, id).map(Out::ok),
        Op::ListCloudAccounts => list_cloud_accounts(o, call),
        Op::GetCloudAccount { id } => {
            let ca =
                o.cloud_accounts.get(call.domain(), id).ok_or_else(|| OracleError::not_found("Cloud account", id))?;
            Ok(Out::ok(view::cloud_account(call, &ca)))
        }
        Op::ListPurchaseEntitlements => list_purchase_entitlements(o, call),
        Op::GetPurchaseEntitlement { id } => {
            let p = o
                .purchase_entitlements
                .get(call.domain(), id)
                .ok_or_else(|| OracleError::not_found("Purchase entitlement", id))?;
            Ok(Out::ok(view::purchase_entitlement(o, call, &p)))
        }
        Op::GetOperationItemDefinition { id } => operation_item_definition(call, id),
        _ => Err(OracleError::NotFound(format!("No resource at {}", call.req.path))),
    }
}

/// `.anon` reads of the public catalogue under knob `allowAnon` (§2.1); `None` for any
/// other operation (which then needs credentials).
pub fn anonymous(o: &Oracle, req: &Request, settings: &Settings, op: &Op) -> Option<Res> {
    let base = "/itas/.anon/myservices/api/v1";
    match op {
        Op::ListServiceDefinitions => Some(list_definitions(o, req, base, settings).map(Out::text)),
        Op::GetServiceDefinition { id } => Some(get_definition(o, base, id).map(Out::ok)),
        _ => None,
    }
}

/// §3 #9: `name` filter, `orderBy=name|id` (default `name:asc`).
fn list_definitions(o: &Oracle, req: &Request, base: &str, settings: &Settings) -> Result<Vec<u8>, OracleError> {
    let page = collection::g04_page(req, settings.max_page_limit)?;
    let order = collection::g06_order_by(req, &["name", "id"], Order { field: "name", desc: false })?;
    let names = list_filter(req, "name");
    let mut defs: Vec<_> = o.definitions.list("").into_iter().filter(|d| matches_any(&names, &d.name)).collect();
    defs.sort_by(|a, b| match order.field {
        "id" => order.cmp(&a.id, &b.id),
        _ => order.cmp(&a.name, &b.name),
    });
    let link = format!("{base}/serviceDefinitions");
    Ok(collection::envelope(req, &link, page, &defs, |out, d| collection::value(out, &view::definition(base, d))))
}

/// By id, or by name (the catalogue's names are unique).
fn get_definition(o: &Oracle, base: &str, id: &str) -> Result<Value, OracleError> {
    let d = o
        .definitions
        .get("", id)
        .or_else(|| o.definitions.list("").into_iter().find(|d| d.name.eq_ignore_ascii_case(id)))
        .ok_or_else(|| OracleError::not_found("Service definition", id))?;
    Ok(view::definition(base, &d))
}

fn list_cloud_accounts(o: &Oracle, call: &Call) -> Res {
    let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
    let order = collection::g06_order_by(call.req, &["id", "name"], Order { field: "id", desc: false })?;
    let names = list_filter(call.req, "name");
    let mut list: Vec<_> =
        o.cloud_accounts.list(call.domain()).into_iter().filter(|c| matches_any(&names, &c.name)).collect();
    list.sort_by(|a, b| match order.field {
        "name" => order.cmp(&a.name, &b.name),
        _ => order.cmp(&a.id, &b.id),
    });
    let link = format!("{}/cloudAccounts", call.base);
    Ok(Out::text(collection::envelope(call.req, &link, page, &list, |out, c| {
        collection::value(out, &view::cloud_account(call, c))
    })))
}

fn list_purchase_entitlements(o: &Oracle, call: &Call) -> Res {
    let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
    let order =
        collection::g06_order_by(call.req, &["id", "createdOn", "modifiedOn"], Order { field: "id", desc: false })?;
    let ids = list_filter(call.req, "ids");
    let defs = list_filter(call.req, "serviceDefinitionNames");
    let statuses = list_filter(call.req, "statuses");
    let mut list: Vec<_> = o
        .purchase_entitlements
        .list(call.domain())
        .into_iter()
        .filter(|p| {
            let def = o.definitions.get("", &p.service_definition_id).map(|d| d.name).unwrap_or_default();
            matches_any(&ids, &p.id) && matches_any(&defs, &def) && matches_any(&statuses, p.status.as_str())
        })
        .collect();
    list.sort_by(|a, b| match order.field {
        "id" => order.cmp(&a.id, &b.id),
        _ => order.cmp((a.created_on, &a.id), (b.created_on, &b.id)),
    });
    let link = format!("{}/purchaseEntitlements", call.base);
    Ok(Out::text(collection::envelope(call.req, &link, page, &list, |out, p| {
        collection::value(out, &view::purchase_entitlement(o, call, p))
    })))
}

/// §3 #16 (optional): what a definition is; the link form appears in S5's POST sample.
fn operation_item_definition(call: &Call, id: &str) -> Res {
    let def = Definition::parse(id).ok_or_else(|| OracleError::not_found("Operation item definition", id))?;
    let root = call.base.trim_end_matches("/v1");
    Ok(Out::ok(json!({
        "id": def.id(),
        "name": def.id(),
        "operationType": def.operation_type(),
        "resourceType": "SERVICE_INSTANCE",
        "serviceDefinition": {"id": super::EXADATA_DEFINITION, "name": "Exadata"},
        "subSystem": "CIM",
        "canonicalLink": format!("{root}/operationItemDefinitions/{}", def.id()),
    })))
}
