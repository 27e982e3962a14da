//! `GET /_sim/openapi/oracle.json`: an OpenAPI 3.0 description of what this simulator
//! serves for Oracle My Services and the ECRA helpers (paths, methods, operation ids,
//! path parameters, Basic and bearer auth with `X-ID-TENANT-NAME`, the `MSError` and ECRA
//! envelopes). A unit test routes every entry through `routes::route`, so the document
//! cannot drift from the router.
//!
//! Each operation's `x-dbaas-sim-operation` is the name the journal records and fault
//! rules match; `operationId` is the same name, suffixed with the method where one name
//! serves two methods (`bursting`), because OpenAPI wants operation ids unique.
//! Not listed: the seed's typo paths without `/itas` (served only under knob
//! `acceptMissingItasPrefix`, §15 #22).
//! Authority: extract §3 (endpoints), §2.2 (auth), §2.4 (errors), §9 (ECRA).

use serde_json::{json, Map, Value};

const MS: &str = "/itas/{identityDomainId}/myservices/api/v1";

/// Every served path (after [`MS`] when it starts with `/`, as given when it starts with
/// `!`) with its methods and operation names.
pub const CATALOGUE: &[(&str, &[(&str, &str)])] = &[
    ("/serviceDefinitions", &[("get", "listServiceDefinitions")]),
    ("/serviceDefinitions/{serviceDefinitionId}", &[("get", "getServiceDefinition")]),
    ("/serviceEntitlements", &[("get", "listServiceEntitlements")]),
    ("/serviceEntitlements/{serviceEntitlementId}", &[("get", "getServiceEntitlement")]),
    (
        "/serviceEntitlements/{serviceEntitlementId}/serviceConfigurations",
        &[("get", "listServiceEntitlementConfigurations")],
    ),
    (
        "/serviceEntitlements/{serviceEntitlementId}/serviceConfigurations/{serviceConfigurationId}",
        &[("get", "getServiceEntitlementConfiguration")],
    ),
    (
        "/serviceEntitlements/{serviceEntitlementId}/serviceConfigurations/{serviceConfigurationId}/securityGroups",
        &[("get", "securityGroups")],
    ),
    ("/serviceInstances", &[("get", "listServiceInstances")]),
    ("/serviceInstances/{serviceInstanceId}", &[("get", "getServiceInstance")]),
    ("/serviceInstances/{serviceInstanceId}/serviceConfigurations", &[("get", "listServiceInstanceConfigurations")]),
    (
        "/serviceInstances/{serviceInstanceId}/serviceConfigurations/{serviceConfigurationId}",
        &[("get", "getServiceInstanceConfiguration")],
    ),
    (
        "/serviceInstances/{serviceInstanceId}/serviceConfigurations/{serviceConfigurationId}/bursting",
        &[("get", "bursting"), ("put", "bursting")],
    ),
    (
        "/serviceInstances/{serviceInstanceId}/serviceConfigurations/{serviceConfigurationId}/securityGroupAssignments",
        &[("get", "securityGroupAssignments")],
    ),
    ("/cloudAccounts", &[("get", "listCloudAccounts")]),
    ("/cloudAccounts/{cloudAccountId}", &[("get", "getCloudAccount")]),
    ("/purchaseEntitlements", &[("get", "listPurchaseEntitlements")]),
    ("/purchaseEntitlements/{purchaseEntitlementId}", &[("get", "getPurchaseEntitlement")]),
    ("/operations", &[("get", "listOperations"), ("post", "createOperation")]),
    ("/operations/{operationId}", &[("get", "getOperation"), ("put", "updateOperation")]),
    (
        "!/itas/{identityDomainId}/myservices/api/operationItemDefinitions/{operationItemDefinitionId}",
        &[("get", "getOperationItemDefinition")],
    ),
    ("!/ecra/endpoint/clustershapes", &[("get", "clustershapes_get")]),
    ("!/ecra/endpoint/hardwareinfo", &[("get", "hardwareinfo_get")]),
    ("!/ecra/endpoint/exaservice/list", &[("get", "exaservice_list")]),
    ("!/ecra/endpoint/exaservice/{serviceInstance}/resourceinfo", &[("get", "get-exaservice")]),
    ("!/ecra/endpoint/statuses/{statusId}", &[("get", "statuses_get")]),
];

/// Operations answered with 400 `UNSUPPORTED` (G08: out of scope).
const UNSUPPORTED: &[&str] = &["securityGroups", "bursting", "securityGroupAssignments", "updateOperation"];

/// The full path of a catalogue entry.
pub fn full_path(entry: &str) -> String {
    match entry.strip_prefix('!') {
        Some(p) => p.to_owned(),
        None => format!("{MS}{entry}"),
    }
}

fn parameters(path: &str) -> Vec<Value> {
    let mut out: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    out.push(json!({
        "name": "X-ID-TENANT-NAME", "in": "header", "required": false,
        "description": "The identity domain (name or IDCS GUID); required with Basic authentication",
        "schema": {"type": "string"},
    }));
    out
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut seen: Vec<String> = Vec::new();
    for (entry, methods) in CATALOGUE {
        let path = full_path(entry);
        let ecra = path.starts_with("/ecra/");
        let mut item = Map::new();
        for (method, op) in *methods {
            let mut id = (*op).to_owned();
            if seen.contains(&id) {
                id = format!("{op}_{method}");
            }
            seen.push(id.clone());
            let error = if ecra { "#/components/schemas/EcraError" } else { "#/components/schemas/MSError" };
            let (code, description) = match (*op, *method) {
                ("createOperation", _) => ("201", "The accepted operation (poll it until PROCESSED or FAILED)"),
                (o, _) if UNSUPPORTED.contains(&o) => ("400", "Not supported by this simulator (UNSUPPORTED)"),
                _ => ("200", "Success"),
            };
            let mut operation = json!({
                "operationId": id,
                "x-dbaas-sim-operation": op,
                "parameters": parameters(&path),
                "responses": {
                    code: {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}},
                    "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": error}}}},
                },
            });
            if *op == "createOperation" {
                operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/OperationRequest"}}}});
            } else if *method == "put" {
                operation["requestBody"] =
                    json!({"required": false, "content": {"application/json": {"schema": {"type": "object"}}}});
            }
            item.insert((*method).to_owned(), operation);
        }
        paths.insert(path, Value::Object(item));
    }
    let attribute = json!({"type": "object", "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "Oracle Cloud My Services API for Exadata Cloud@Customer (dbaas-sim)", "version": "1.0"},
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "OperationRequest": {"type": "object", "required": ["operationItems"], "properties": {
                    "operationItems": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                        "type": "object", "required": ["attributes", "operationItemDefinition"], "properties": {
                            "attributes": {"type": "array", "items": attribute},
                            "operationItemDefinition": {"type": "object", "required": ["id"], "properties": {
                                "id": {"type": "string", "enum": [
                                    "CIM-Exadata-CUSTOM-PRODUCTION-CREATE",
                                    "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE",
                                    "CIM-Exadata-CUSTOM-PRODUCTION-DELETE"]},
                                "operationType": {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE"]}}}}}}}},
                "MSError": {"type": "object", "properties": {
                    "errorCode": {"type": "string", "example": "ITAS-400-ATTRIBUTE"},
                    "errorMessage": {"type": "string"},
                    "httpMessage": {"type": "string"},
                    "httpStatusCode": {"type": "integer"}}},
                "EcraError": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"},
                    "status-detail": {"type": "string"}, "op": {"type": "string"}}},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;

    #[test]
    fn every_catalogue_entry_routes_to_its_operation() {
        for (entry, methods) in CATALOGUE {
            let concrete = full_path(entry)
                .split('/')
                .map(|s| match s {
                    "{identityDomainId}" => "mydomain",
                    s if s.starts_with('{') => "500076173",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/");
            let segs: Vec<&str> = concrete.split('/').filter(|s| !s.is_empty()).collect();
            for (method, op) in *methods {
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let routed = super::super::routes::route(&m, &segs).unwrap().unwrap();
                assert_eq!(routed.op.name(), *op, "{method} {entry}");
                assert!(!routed.missing_prefix);
            }
        }
    }

    #[test]
    fn operation_ids_are_unique_and_name_the_journal_operation() {
        let doc = document();
        let mut ids = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_owned());
                assert!(op["x-dbaas-sim-operation"].is_string());
            }
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "unique operation ids");
        assert!(ids.contains(&"bursting_put".to_owned()));
    }
}
