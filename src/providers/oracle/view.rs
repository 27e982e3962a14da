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
use crate::json_text::{self, DateTimeForm, Obj};

/// Timestamps with milliseconds and a zone (§2.7).
const MILLIS_Z: DateTimeForm = DateTimeForm { millis: true, zone: true };

/// A timestamp per knob `timestampFormat`.
pub fn ts(call: &Call, t: SimInstant) -> Value {
    let mut text = Vec::with_capacity(26);
    write_ts(&mut text, call, t);
    serde_json::from_slice(&text).expect("a timestamp is a JSON number or string")
}

/// [`ts`] as JSON text.
fn write_ts(out: &mut Vec<u8>, call: &Call, t: SimInstant) {
    if call.settings.epoch_millis {
        json_text::signed(out, call.cx.clock.to_utc(t).timestamp_millis());
    } else {
        json_text::date_time(out, call.cx.clock, t, MILLIS_Z);
    }
}

/// A JSON string of `parts` joined (each escaped).
fn link(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for p in parts {
        json_text::contents(out, p);
    }
    out.push(b'"');
}

/// `{"canonicalLink": "<parts>/serviceConfigurations"}`.
fn configurations(out: &mut Vec<u8>, parts: &[&str]) {
    out.extend_from_slice(br#"{"canonicalLink":""#);
    for p in parts {
        json_text::contents(out, p);
    }
    out.extend_from_slice(br#"/serviceConfigurations"}"#);
}

/// `{id, name, canonicalLink}` of a service definition (§4.1).
pub fn definition(base: &str, d: &ServiceDefinition) -> Value {
    json!({"id": d.id, "name": d.name, "canonicalLink": format!("{base}/serviceDefinitions/{}", d.id)})
}

/// [`definition`] of the definition `id` as JSON text (an unknown one has an empty name).
fn definition_ref(out: &mut Vec<u8>, o: &Oracle, call: &Call, id: &str) {
    let mut m = Obj::new(out);
    link(m.key("canonicalLink"), &[&call.base, "/serviceDefinitions/", id]);
    m.str("id", id);
    let named = o.definitions.read("", id, |d| m.str("name", &d.name));
    if named.is_none() {
        m.str("name", "");
    }
    m.end();
}

/// `{id, subscriptionId, canonicalLink}` of a purchase entitlement, as JSON text.
fn purchase_ref(out: &mut Vec<u8>, call: &Call, id: &str) {
    let mut m = Obj::new(out);
    link(m.key("canonicalLink"), &[&call.base, "/purchaseEntitlements/", id]);
    m.str("id", id);
    m.str("subscriptionId", id);
    m.end();
}

/// `{id, name, displayName}` of the caller's identity domain, as JSON text.
fn identity_domain(out: &mut Vec<u8>, call: &Call) {
    let d = &call.principal.domain;
    let mut m = Obj::new(out);
    m.str("displayName", &d.display_name);
    m.str("id", &d.id);
    m.str("name", &d.name);
    m.end();
}

/// `{id, name, canonicalLink}` of a cloud account (§4.4).
pub fn cloud_account(call: &Call, ca: &CloudAccount) -> Value {
    json!({"id": ca.id, "name": ca.name, "canonicalLink": format!("{}/cloudAccounts/{}", call.base, ca.id)})
}

/// [`cloud_account`] of the caller's domain's account, as JSON text (named after the
/// domain when the account is not stored).
fn cloud_account_ref(out: &mut Vec<u8>, o: &Oracle, call: &Call) {
    let id = &call.principal.domain.cloud_account_id;
    let mut m = Obj::new(out);
    link(m.key("canonicalLink"), &[&call.base, "/cloudAccounts/", id]);
    m.str("id", id);
    let named = o.cloud_accounts.read(call.domain(), id, |ca| m.str("name", &ca.name));
    if named.is_none() {
        m.str("name", call.domain());
    }
    m.end();
}

/// A `Value` of what a JSON-text writer writes (the rarer resources nest the refs).
fn value_of(write: impl FnOnce(&mut Vec<u8>)) -> Value {
    let mut text = Vec::with_capacity(256);
    write(&mut text);
    serde_json::from_slice(&text).expect("the views write valid JSON")
}

/// A purchase entitlement (§4.4).
pub fn purchase_entitlement(o: &Oracle, call: &Call, p: &PurchaseEntitlement) -> Value {
    json!({
        "id": p.id,
        "subscriptionId": p.id,
        "status": p.status.as_str(),
        "serviceDefinition": value_of(|out| definition_ref(out, o, call, &p.service_definition_id)),
        "identityDomain": value_of(|out| identity_domain(out, call)),
        "cloudAccount": value_of(|out| cloud_account_ref(out, o, call)),
        "createdOn": ts(call, p.created_on),
        "createdBy": p.created_by,
        "modifiedOn": ts(call, p.created_on),
        "modifiedBy": p.created_by,
        "trial": false,
        "canonicalLink": format!("{}/purchaseEntitlements/{}", call.base, p.id),
    })
}

/// A service entitlement (§4.2); the eligible data centers only when expanded. Written
/// as JSON text (the GET path), keys in byte order as the `Value` rendering had them.
pub fn entitlement(out: &mut Vec<u8>, o: &Oracle, call: &Call, e: &Entitlement, expand_data_centers: bool) {
    let mut m = Obj::new(out);
    link(m.key("canonicalLink"), &[&call.base, "/serviceEntitlements/", &e.id]);
    cloud_account_ref(m.key("cloudAccount"), o, call);
    m.str("createdBy", &e.created_by);
    write_ts(m.key("createdOn"), call, e.created_on);
    m.str("id", &e.id);
    identity_domain(m.key("identityDomain"), call);
    m.str("modifiedBy", &e.modified_by);
    write_ts(m.key("modifiedOn"), call, e.modified_on);
    purchase_ref(m.key("purchaseEntitlement"), call, &e.purchase_entitlement_id);
    configurations(m.key("serviceConfigurations"), &[&call.base, "/serviceEntitlements/", &e.id]);
    definition_ref(m.key("serviceDefinition"), o, call, &e.service_definition_id);
    if expand_data_centers {
        let dcs = m.key("serviceInstancesEligibleDataCenters");
        dcs.push(b'[');
        for (n, d) in e.eligible_data_centers.iter().enumerate() {
            if n > 0 {
                dcs.push(b',');
            }
            let mut dc = Obj::new(dcs);
            dc.str("id", d);
            dc.end();
        }
        dcs.push(b']');
    }
    m.str("status", e.status.as_str());
    m.end();
}

/// A service instance (§4.3); `name` only under knob `exposeInstanceName`. Written as
/// JSON text, keys in byte order as the `Value` rendering had them.
pub fn instance(out: &mut Vec<u8>, o: &Oracle, call: &Call, i: &Instance) {
    let id = i.id();
    let purchase = o.entitlements.read(&i.domain, &i.entitlement_id, |e| e.purchase_entitlement_id.clone());
    let purchase = purchase.unwrap_or_else(|| super::DEFAULT_PURCHASE_ENTITLEMENT.to_owned());
    let mut m = Obj::new(out);
    link(m.key("canonicalLink"), &[&call.base, "/serviceInstances/", &id]);
    cloud_account_ref(m.key("cloudAccount"), o, call);
    m.str("createdBy", &i.created_by);
    write_ts(m.key("createdOn"), call, i.created_on);
    m.str("id", &id);
    identity_domain(m.key("identityDomain"), call);
    m.str("modifiedBy", &i.modified_by);
    write_ts(m.key("modifiedOn"), call, i.modified_on);
    if call.settings.expose_instance_name {
        m.str("name", &i.name);
    }
    purchase_ref(m.key("purchaseEntitlement"), call, &purchase);
    configurations(m.key("serviceConfigurations"), &[&call.base, "/serviceInstances/", &id]);
    definition_ref(m.key("serviceDefinition"), o, call, super::EXADATA_DEFINITION);
    let mut ent = Obj::new(m.key("serviceEntitlement"));
    link(ent.key("canonicalLink"), &[&call.base, "/serviceEntitlements/", &i.entitlement_id]);
    ent.str("id", &i.entitlement_id);
    ent.end();
    m.str("status", i.status.as_str());
    m.end();
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::http::Request;
    use crate::provider::{Provider, TestCore};

    /// The `Value` rendering the text writer replaced: the oracle of its bytes.
    fn entitlement_value(o: &Oracle, call: &Call, e: &Entitlement, expand: bool) -> Value {
        let link = format!("{}/serviceEntitlements/{}", call.base, e.id);
        let def = o.definitions.get("", &e.service_definition_id).map(|d| d.name).unwrap_or_default();
        let d = &call.principal.domain;
        let ca = o.cloud_accounts.get(call.domain(), &d.cloud_account_id).expect("the default account");
        let mut m = Map::new();
        m.insert("id".into(), json!(e.id));
        m.insert(
            "purchaseEntitlement".into(),
            json!({"id": e.purchase_entitlement_id, "subscriptionId": e.purchase_entitlement_id,
                   "canonicalLink": format!("{}/purchaseEntitlements/{}", call.base, e.purchase_entitlement_id)}),
        );
        m.insert(
            "serviceDefinition".into(),
            definition(&call.base, &ServiceDefinition { id: e.service_definition_id.clone(), name: def }),
        );
        m.insert("identityDomain".into(), json!({"id": d.id, "name": d.name, "displayName": d.display_name}));
        m.insert("cloudAccount".into(), cloud_account(call, &ca));
        m.insert("status".into(), json!(e.status.as_str()));
        m.insert("serviceConfigurations".into(), json!({"canonicalLink": format!("{link}/serviceConfigurations")}));
        if expand {
            let dcs: Vec<Value> = e.eligible_data_centers.iter().map(|d| json!({"id": d})).collect();
            m.insert("serviceInstancesEligibleDataCenters".into(), Value::Array(dcs));
        }
        let at = |t: SimInstant| {
            let at = call.cx.clock.to_utc(t);
            if call.settings.epoch_millis {
                json!(at.timestamp_millis())
            } else {
                json!(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            }
        };
        m.insert("createdOn".into(), at(e.created_on));
        m.insert("createdBy".into(), json!(e.created_by));
        m.insert("modifiedOn".into(), at(e.modified_on));
        m.insert("modifiedBy".into(), json!(e.modified_by));
        m.insert("canonicalLink".into(), json!(link));
        Value::Object(m)
    }

    #[test]
    fn entitlements_are_written_byte_for_byte_as_the_value_tree_wrote_them() {
        let core = TestCore::new();
        let cx = core.cx(SimInstant(1_234_567));
        let o = Oracle::new(&cx);
        let domain = o.domains.get("", super::super::DEFAULT_DOMAIN).expect("the default domain");
        let principal = super::super::auth::Principal { domain, username: "u".into(), can_mutate: true };
        let req = Request::new(hyper::Method::GET, "/x", "");
        let mut e = super::super::default_entitlement("cesi-1");
        e.eligible_data_centers = vec!["dc\"1".into(), "dc2".into()];
        e.created_by = "odd \\ \u{1} é".into();
        e.modified_on = SimInstant(86_400_123);
        for epoch_millis in [false, true] {
            let mut settings = (*o.settings()).clone();
            settings.epoch_millis = epoch_millis;
            let call = Call {
                req: &req,
                cx: &cx,
                principal: principal.clone(),
                settings: Arc::new(settings),
                base: "/itas/idcs-x/myservices/api/v1".into(),
            };
            for expand in [false, true] {
                let mut out = Vec::new();
                entitlement(&mut out, &o, &call, &e, expand);
                let want = serde_json::to_vec(&entitlement_value(&o, &call, &e, expand)).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(want).unwrap(), "{epoch_millis} {expand}");
            }
        }
    }
}
