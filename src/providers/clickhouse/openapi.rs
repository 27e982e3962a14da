//! `GET /_sim/openapi/clickhouse.json`: the contract the simulator serves for ClickHouse
//! Cloud, with the official operationIds and request and response schemas.
//!
//! The facts come from the official OpenAPI document (ClickHouse/clickhousectl,
//! `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`, Apache-2.0, commit
//! d966006): `contract/clickhouse.json` holds its paths, operations, parameters, bodies,
//! responses and the schemas they reach, without prose or examples, for the operations in
//! scope (everything but the Postgres and ClickStack product lines); `contract/extract.py`
//! writes it from the official file. This module adds what the simulator itself answers:
//! a `default` response with the `{status, error, requestId}` envelope on every operation
//! (401, 403, 404, 405, 409, 424, 429 and injected statuses are answered too), the
//! servers and security of a local simulator, and `GET /v1/whoami` (`whoamiGet`), which
//! `clickhousectl` 0.5.0 calls though the official document does not list it. Where a
//! seed states more than the official document, the seed is the authority and the served
//! schema says so: `profile` takes SEED-B's 10 values (253–268; the official enum has 6).
//! Where the live API differs from the document, the live API wins: the `settings` of
//! `serviceClickhouseSettingsUpdate` is an object (`clickhousectl` 0.5.0 sends and decodes
//! one; the document says string), a string holding one is still accepted; the UDF
//! lists (`udfList`, `udfVersionList`, `udfAttachmentList`) answer the page as `result`
//! with `pagination` beside it (the CLI decodes `result` as an array; the document nests
//! both in `result`).
//!
//! A unit test routes every documented operation through `routes::route` and checks its
//! operationId against `Op::name`, so the document and the router cannot drift; the
//! integration tests check every live response against the documented schema.

use serde_json::{json, Map, Value};

/// The official facts, trimmed (see the module doc).
const CONTRACT: &str = include_str!("contract/clickhouse.json");

/// The document.
pub fn document() -> Value {
    let contract: Value = serde_json::from_str(CONTRACT).expect("the contract parses (unit-tested)");
    let mut paths = contract["paths"].as_object().cloned().unwrap_or_default();
    for item in paths.values_mut() {
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses.entry("default").or_insert_with(|| {
                    json!({
                        "description": "Error (the simulator's envelope for any status)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimError"}}},
                    })
                });
            }
        }
    }
    paths.insert(
        "/v1/whoami".into(),
        json!({"get": {
            "operationId": "whoamiGet",
            "description": "The identity behind the credentials (not in the official document; called by clickhousectl 0.5.0).",
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "number"},
                        "requestId": {"type": "string", "format": "uuid"},
                        "result": {"$ref": "#/components/schemas/SimWhoami"},
                    },
                }}}},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimError"}}}},
            },
        }}),
    );
    for (path, item_schema) in [
        ("/v1/organizations/{organizationId}/udfs", "Udf"),
        ("/v1/organizations/{organizationId}/udfs/{functionName}/versions", "Udf"),
        ("/v1/organizations/{organizationId}/udfs/{functionName}/attachments", "UdfAttachment"),
    ] {
        if let Some(schema) =
            paths.get_mut(path).and_then(|p| p.pointer_mut("/get/responses/200/content/application~1json/schema"))
        {
            schema["properties"]["result"] = json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{item_schema}")}});
            schema["properties"]["pagination"] = json!({"$ref": "#/components/schemas/Pagination"});
            if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
                required.push(json!("pagination"));
            }
        }
    }
    let mut schemas: Map<String, Value> = contract["schemas"].as_object().cloned().unwrap_or_default();
    if let Some(p) = schemas.get_mut("ServiceClickhouseSettingsPatchRequest").and_then(|s| s.pointer_mut("/properties/settings")) {
        *p = json!({"type": ["object", "string"], "additionalProperties": {"type": ["string", "number", "boolean"]}});
    }
    if let Some(p) = schemas.get_mut("ServiceClickhouseSettingsPatchResponse").and_then(|s| s.pointer_mut("/properties/settings")) {
        *p = json!({"type": "object", "additionalProperties": {"type": "string"}});
    }
    for name in ["Service", "ServicePostRequest"] {
        if let Some(profile) = schemas.get_mut(name).and_then(|s| s.pointer_mut("/properties/profile")) {
            profile["enum"] = json!(super::validate::PROFILES);
        }
    }
    schemas.insert(
        "SimError".into(),
        json!({
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "error": {"type": "string"},
                "requestId": {"type": "string", "format": "uuid"},
            },
            "required": ["status", "error", "requestId"],
        }),
    );
    schemas.insert(
        "SimWhoami".into(),
        json!({
            "type": "object",
            "properties": {
                "actorType": {"type": "string", "enum": ["apiKey"]},
                "keyId": {"type": "string", "format": "uuid"},
                "name": {"type": "string"},
                "organizationId": {"type": "string", "format": "uuid"},
            },
            "required": ["actorType", "keyId", "name", "organizationId"],
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ClickHouse Cloud API (dbaas-sim)",
            "version": "1.0",
            "description": "The operations dbaas-sim serves, with the official operationIds and schemas (facts of the official ClickHouse Cloud OpenAPI document, Apache-2.0).",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
            "schemas": schemas,
        },
    })
}

/// Every `(path, method, operationId)` the document serves.
pub fn operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                out.push((path.clone(), method.clone(), id.to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;

    #[test]
    fn every_documented_operation_routes_to_its_operation() {
        let doc = document();
        let ops = operations(&doc);
        // The 94 official operations outside Postgres and ClickStack, and whoami.
        assert_eq!(ops.len(), 95, "{ops:?}");
        for (path, method, id) in &ops {
            let concrete = path
                .split('/')
                .map(|s| match s {
                    "{functionName}" => "fn_one",
                    "{version}" => "1",
                    "{settingName}" => "max_threads",
                    "{quotaCode}" => "services-per-organization",
                    "{activityId}" => "a1",
                    s if s.starts_with('{') => "00000000-0000-4000-8000-000000000001",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/");
            let segs: Vec<&str> = concrete.split('/').filter(|s| !s.is_empty()).collect();
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let routed = super::super::routes::route(&m, &segs[1..], true)
                .unwrap_or_else(|| panic!("{method} {path} routes"))
                .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
            assert_eq!(routed.op.name(), id, "{method} {path}");
        }
        let mut ids: Vec<&str> = ops.iter().map(|(_, _, id)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ops.len(), "operationIds are unique");
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        fn walk(v: &Value, schemas: &Map<String, Value>) {
            match v {
                Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                        let name = r.trim_start_matches("#/components/schemas/");
                        assert!(schemas.contains_key(name), "{r} resolves");
                    }
                    m.values().for_each(|x| walk(x, schemas));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, schemas)),
                _ => {}
            }
        }
        walk(&doc, schemas);
    }
}
