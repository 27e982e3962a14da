//! Wire rendering of Oracle resources (spec §4 read resources, §11 operations).
//!
//! Emission rules: the fields of §4 exactly; absent optional objects are omitted, never
//! `null` (§4); timestamps are ISO-8601 UTC with milliseconds (`2025-01-01T00:00:00.000Z`,
//! §2.7) or epoch milliseconds under knob `timestampFormat=epochMillis`; every
//! `canonicalLink` echoes the domain alias the request used (§2.1).

use serde_json::{json, Map, Value};

use super::model::*;
use super::{Call, Oracle};
use crate::clock::SimInstant;

/// A timestamp per knob `timestampFormat`.
pub fn ts(call: &Call, t: SimInstant) -> Value {
    let at = call.cx.clock.to_utc(t);
    if call.settings.epoch_millis {
        json!(at.timestamp_millis())
    } else {
        json!(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    }
}

/// `{id, name, canonicalLink}` of a service definition (§4.1).
pub fn definition(base: &str, d: &ServiceDefinition) -> Value {
    json!({"id": d.id, "name": d.name, "canonicalLink": format!("{base}/serviceDefinitions/{}", d.id)})
}

fn definition_ref(o: &Oracle, call: &Call, id: &str) -> Value {
    let name = o.definitions.get("", id).map(|d| d.name).unwrap_or_default();
    definition(&call.base, &ServiceDefinition { id: id.to_owned(), name })
}

fn purchase_ref(call: &Call, id: &str) -> Value {
    json!({"id": id, "subscriptionId": id, "canonicalLink": format!("{}/purchaseEntitlements/{id}", call.base)})
}

fn identity_domain(call: &Call) -> Value {
    let d = &call.principal.domain;
    json!({"id": d.id, "name": d.name, "displayName": d.display_name})
}

/// `{id, name, canonicalLink}` of a cloud account (§4.4).
pub fn cloud_account(call: &Call, ca: &CloudAccount) -> Value {
    json!({"id": ca.id, "name": ca.name, "canonicalLink": format!("{}/cloudAccounts/{}", call.base, ca.id)})
}

fn cloud_account_ref(o: &Oracle, call: &Call) -> Value {
    let id = &call.principal.domain.cloud_account_id;
    let ca = o
        .cloud_accounts
        .get(call.domain(), id)
        .unwrap_or_else(|| CloudAccount { id: id.clone(), name: call.domain().to_owned() });
    cloud_account(call, &ca)
}

/// A purchase entitlement (§4.4).
pub fn purchase_entitlement(o: &Oracle, call: &Call, p: &PurchaseEntitlement) -> Value {
    json!({
        "id": p.id,
        "subscriptionId": p.id,
        "status": p.status.as_str(),
        "serviceDefinition": definition_ref(o, call, &p.service_definition_id),
        "identityDomain": identity_domain(call),
        "cloudAccount": cloud_account_ref(o, call),
        "createdOn": ts(call, p.created_on),
        "createdBy": p.created_by,
        "modifiedOn": ts(call, p.created_on),
        "modifiedBy": p.created_by,
        "trial": false,
        "canonicalLink": format!("{}/purchaseEntitlements/{}", call.base, p.id),
    })
}

/// A service entitlement (§4.2); the eligible data centers only when expanded.
pub fn entitlement(o: &Oracle, call: &Call, e: &Entitlement, expand_data_centers: bool) -> Value {
    let link = format!("{}/serviceEntitlements/{}", call.base, e.id);
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id));
    m.insert("purchaseEntitlement".into(), purchase_ref(call, &e.purchase_entitlement_id));
    m.insert("serviceDefinition".into(), definition_ref(o, call, &e.service_definition_id));
    m.insert("identityDomain".into(), identity_domain(call));
    m.insert("cloudAccount".into(), cloud_account_ref(o, call));
    m.insert("status".into(), json!(e.status.as_str()));
    m.insert("serviceConfigurations".into(), json!({"canonicalLink": format!("{link}/serviceConfigurations")}));
    if expand_data_centers {
        let dcs: Vec<Value> = e.eligible_data_centers.iter().map(|d| json!({"id": d})).collect();
        m.insert("serviceInstancesEligibleDataCenters".into(), Value::Array(dcs));
    }
    m.insert("createdOn".into(), ts(call, e.created_on));
    m.insert("createdBy".into(), json!(e.created_by));
    m.insert("modifiedOn".into(), ts(call, e.modified_on));
    m.insert("modifiedBy".into(), json!(e.modified_by));
    m.insert("canonicalLink".into(), json!(link));
    Value::Object(m)
}

/// A service instance (§4.3); `name` only under knob `exposeInstanceName`.
pub fn instance(o: &Oracle, call: &Call, i: &Instance) -> Value {
    let link = format!("{}/serviceInstances/{}", call.base, i.id());
    let purchase = o
        .entitlements
        .get(&i.domain, &i.entitlement_id)
        .map(|e| e.purchase_entitlement_id)
        .unwrap_or_else(|| super::DEFAULT_PURCHASE_ENTITLEMENT.to_owned());
    let mut m = Map::new();
    m.insert("id".into(), json!(i.id()));
    if call.settings.expose_instance_name {
        m.insert("name".into(), json!(i.name));
    }
    m.insert(
        "serviceEntitlement".into(),
        json!({"id": i.entitlement_id, "canonicalLink": format!("{}/serviceEntitlements/{}", call.base, i.entitlement_id)}),
    );
    m.insert("serviceDefinition".into(), definition_ref(o, call, super::EXADATA_DEFINITION));
    m.insert("purchaseEntitlement".into(), purchase_ref(call, &purchase));
    m.insert("cloudAccount".into(), cloud_account_ref(o, call));
    m.insert("identityDomain".into(), identity_domain(call));
    m.insert("status".into(), json!(i.status.as_str()));
    m.insert("serviceConfigurations".into(), json!({"canonicalLink": format!("{link}/serviceConfigurations")}));
    m.insert("createdOn".into(), ts(call, i.created_on));
    m.insert("createdBy".into(), json!(i.created_by));
    m.insert("modifiedOn".into(), ts(call, i.modified_on));
    m.insert("modifiedBy".into(), json!(i.modified_by));
    m.insert("canonicalLink".into(), json!(link));
    Value::Object(m)
}

fn attributes(list: &[Attribute]) -> Value {
    Value::Array(list.iter().map(|a| json!({"name": a.name, "value": a.value})).collect())
}

/// An operation (§11.2); the item only when `items` (`expands=operationItems`, default).
pub fn operation(call: &Call, op: &Operation, items: bool) -> Value {
    let link = format!("{}/operations/{}", call.base, op.id);
    let mut m = Map::new();
    m.insert("id".into(), json!(op.id));
    m.insert("canonicalLink".into(), json!(link));
    m.insert("subSystem".into(), json!(op.sub_system));
    m.insert("createdOn".into(), ts(call, op.created_on));
    m.insert("createdBy".into(), json!(op.created_by));
    m.insert("modifiedOn".into(), ts(call, op.modified_on));
    let result = if call.settings.result_as_string {
        json!(op.status.as_str())
    } else {
        json!({"status": op.status.as_str(), "statusMessage": op.status_message})
    };
    m.insert("result".into(), result);
    if items {
        m.insert("operationItems".into(), json!([operation_item(call, op)]));
    }
    Value::Object(m)
}

fn operation_item(call: &Call, op: &Operation) -> Value {
    let item = &op.item;
    let def = item.definition;
    let root = call.base.trim_end_matches("/v1");
    let logs: Vec<Value> = item
        .action_logs
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "operationId": op.id,
                "operationItemId": item.id,
                "action": l.action.as_str(),
                "createdOn": ts(call, l.created_on),
                "message": l.message,
                "status": l.status.as_str(),
            })
        })
        .collect();
    json!({
        "id": item.id,
        "operationId": op.id,
        "createdOn": ts(call, item.created_on),
        "modifiedOn": ts(call, item.modified_on),
        "operationItemDefinition": {
            "id": def.id(),
            "operationType": def.operation_type(),
            "resourceType": "SERVICE_INSTANCE",
            "canonicalLink": format!("{root}/operationItemDefinitions/{}", def.id()),
        },
        "attributes": attributes(&item.attributes),
        "result": {
            "status": item.status.as_str(),
            "currentAction": item.current_action.as_str(),
            "actionRetryCount": item.action_retry_count,
            "attributes": attributes(&item.result_attributes),
        },
        "actionLogs": logs,
    })
}
