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
//! Simulator extensions beyond the official document, each saying so in its
//! `description`: the saved queries and Query API endpoints (`savedQuery*`,
//! `queryApiEndpoint*`, [`extensions`]), which clickhousectl 0.5.0 calls under the live
//! API's model names (`PublicSavedQuery`, `PublicQueryApiEndpoint`, ...: the schemas here
//! carry those names and the fields its binary decodes and sends), and the `limit` /
//! `cursor` parameters of `openapiKeyGetList` with the `limit`, `totalCount` and
//! `nextCursor` its paged answers carry beside `result` (`cursor_pages.rs`); and the
//! organization reads `creditBalancesGet`, `notificationGetList` and
//! `notificationTypesGetList` (`billing.rs`, `notifications.rs`) and `serviceProfilesList`
//! (`service_profiles.rs`) and `organizationPrometheusDiscoveryGet` (`prometheus_discovery.rs`,
//! a bare array, Prometheus' HTTP SD format), under the models its
//! binary decodes (`CreditBalances`, `CreditBalance`, `Notification`, `NotificationType`);
//! the ClickPipes context (`clickPipesServiceContextGet`, `clickpipes_context.rs`); the BYOC
//! reads (`organizationByocInfrastructureGet`, `...PrivateEndpointConfigGet`, `...TagsGet`,
//! `byoc_reads.rs`; the GET joins the official PATCH and DELETE of that path), the BYOC
//! progress and account validation (`organizationByocInfrastructureProgressGet`,
//! `organizationByocInfrastructureValidate`, `byoc_checks.rs`);
//! and replica-aware routing and snapshots (`replicaAwareRouting*`, `snapshot*`,
//! `replica_routing.rs`, `snapshots.rs`); and the Kafka pipes' `kafka_read_committed` in
//! `ClickPipeSettings` / `ClickPipeSettingsPutRequest` (`clickpipes_config.rs`), and the
//! `objectStorage` / `pubsub` kinds of `ClickPipeSchemaDiscoverySource` (`clickpipe_sources.rs`).
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
    paths.extend(extensions());
    if let Some(item) = paths.get_mut("/v1/organizations/{organizationId}/byocInfrastructure/{byocInfrastructureId}") {
        item["get"] = byoc_get_op();
    }
    if let Some(keys) = paths.get_mut("/v1/organizations/{organizationId}/keys").and_then(|p| p.get_mut("get")) {
        page_keys(keys);
    }
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
    for name in ["ClickPipeSettings", "ClickPipeSettingsPutRequest"] {
        if let Some(props) = schemas.get_mut(name).and_then(|s| s.pointer_mut("/properties")).and_then(Value::as_object_mut) {
            props.insert(
                super::clickpipes_config::KAFKA_READ_COMMITTED.into(),
                json!({"type": ["boolean", "null"], "description": "Simulator extension (learnt from clickhousectl 0.5.0; not in the official document): read only committed Kafka messages. Kafka ClickPipes only."}),
            );
        }
    }
    if let Some(props) =
        schemas.get_mut("ClickPipeSchemaDiscoverySource").and_then(|s| s.pointer_mut("/properties")).and_then(Value::as_object_mut)
    {
        for (kind, schema) in [("objectStorage", "ClickPipePostObjectStorageSource"), ("pubsub", "ClickPipePostPubSubSource")] {
            props.insert(
                kind.into(),
                json!({"oneOf": [schema_ref(schema), {"type": "null"}],
                       "description": "Simulator extension (clickhousectl 0.5.0 `schema-discover`; not in the official document)."}),
            );
        }
    }
    schemas.extend(extension_schemas());
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

/// What every simulator extension's description starts with.
const EXTENSION: &str = "Simulator extension: not in the official ClickHouse Cloud document; the operation clickhousectl 0.5.0 (the live API's own client) calls, under the operationId of its operation table.";

fn path_param(name: &str) -> Value {
    json!({"in": "path", "name": name, "required": true, "schema": {"type": "string", "format": "uuid"}})
}

/// `limit` and `cursor` of a cursor-paged list.
fn page_params() -> [Value; 2] {
    [
        json!({"in": "query", "name": "limit", "description": "Page size (1-100, default 100).",
               "schema": {"type": "integer", "minimum": 1, "maximum": 100}}),
        json!({"in": "query", "name": "cursor", "description": "The nextCursor of the previous page.",
               "schema": {"type": "string"}}),
    ]
}

fn envelope(result: Value) -> Value {
    json!({"description": "Success", "content": {"application/json": {"schema": {
        "type": "object",
        "properties": {
            "status": {"type": "number"},
            "requestId": {"type": "string", "format": "uuid"},
            "result": result,
        },
        "required": ["status", "requestId", "result"],
    }}}})
}

/// A cursor page: `result` an array of `item`, with `limit`, `totalCount` and
/// `nextCursor` (absent on the last page) beside it.
fn cursor_envelope(item: &str) -> Value {
    json!({"description": "Success: one page", "content": {"application/json": {"schema": {
        "type": "object",
        "properties": {
            "status": {"type": "number"},
            "requestId": {"type": "string", "format": "uuid"},
            "result": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "totalCount": {"type": "integer", "minimum": 0},
            "nextCursor": {"type": "string"},
        },
        "required": ["status", "requestId", "result", "limit", "totalCount"],
    }}}})
}

fn error_default() -> Value {
    json!({"description": "Error (the simulator's envelope for any status)",
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimError"}}}})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The collection and item paths of one extension family.
fn family(collection: &str, item_param: &str, ops: [&str; 5], schema: &str, what: &str) -> [(String, Value); 2] {
    let [list, create, get, update, delete] = ops;
    let base = format!("/v1/organizations/{{organizationId}}/services/{{serviceId}}/{collection}");
    let (org, svc, id) = (path_param("organizationId"), path_param("serviceId"), path_param(item_param));
    let request = json!({"required": true, "content": {"application/json": {"schema": schema_ref(&format!("{schema}Request"))}}});
    let [limit, cursor] = page_params();
    let collection_item = json!({
        "get": {
            "operationId": list, "description": format!("{EXTENSION} Lists the service's {what}s, oldest first, a cursor page at a time."),
            "parameters": [org, svc, limit, cursor],
            "responses": {"200": cursor_envelope(&format!("{schema}ListItem")), "default": error_default()},
        },
        "post": {
            "operationId": create, "description": format!("{EXTENSION} Creates a {what}."),
            "parameters": [org, svc], "requestBody": request,
            "responses": {"200": envelope(schema_ref(schema)), "default": error_default()},
        },
    });
    let one = json!({
        "get": {
            "operationId": get, "description": format!("{EXTENSION} One {what}."),
            "parameters": [org, svc, id],
            "responses": {"200": envelope(schema_ref(schema)), "default": error_default()},
        },
        "put": {
            "operationId": update, "description": format!("{EXTENSION} Replaces the whole {what}."),
            "parameters": [org, svc, id], "requestBody": request,
            "responses": {"200": envelope(schema_ref(schema)), "default": error_default()},
        },
        "delete": {
            "operationId": delete, "description": format!("{EXTENSION} Deletes the {what}."),
            "parameters": [org, svc, id],
            "responses": {"200": {"description": "Success", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"status": {"type": "number"}, "requestId": {"type": "string", "format": "uuid"}},
                "required": ["status", "requestId"],
            }}}}, "default": error_default()},
        },
    });
    [(base.clone(), collection_item), (format!("{base}/{{{item_param}}}"), one)]
}

/// The paths of the saved queries and Query API endpoints.
pub fn extensions() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    out.extend(family(
        "saved-queries",
        "queryId",
        ["savedQueryList", "savedQueryCreate", "savedQueryGet", "savedQueryUpdate", "savedQueryDelete"],
        "PublicSavedQuery",
        "saved query",
    ));
    out.extend(family(
        "query-api-endpoints",
        "endpointId",
        ["queryApiEndpointList", "queryApiEndpointCreate", "queryApiEndpointGet", "queryApiEndpointUpdate", "queryApiEndpointDelete"],
        "PublicQueryApiEndpoint",
        "Query API endpoint",
    ));
    out.extend(org_reads());
    out.extend(service_settings());
    out
}

/// Replica-aware routing and snapshots (`replica_routing.rs`, `snapshots.rs`).
fn service_settings() -> Vec<(String, Value)> {
    let (org, svc) = (path_param("organizationId"), path_param("serviceId"));
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": schema_ref(schema)}}});
    let get = |id: &str, what: &str, schema: Value, params: Value| {
        json!({"operationId": id, "description": format!("{EXTENSION} {what}"), "parameters": params,
               "responses": {"200": envelope(schema), "default": error_default()}})
    };
    let patch = |id: &str, what: &str, schema: &str, request: &str| {
        json!({"operationId": id, "description": format!("{EXTENSION} {what}"), "parameters": [org, svc],
               "requestBody": body(request), "responses": {"200": envelope(schema_ref(schema)), "default": error_default()}})
    };
    let base = "/v1/organizations/{organizationId}/services/{serviceId}";
    vec![
        (
            format!("{base}/replicaAwareRouting"),
            json!({
                "get": get("replicaAwareRoutingGet", "The service's replica-aware routing.", schema_ref("ReplicaAwareRouting"), json!([org, svc])),
                "patch": patch("replicaAwareRoutingUpdate", "Turns replica-aware routing on or off (omitted fields keep their value).", "ReplicaAwareRouting", "ReplicaAwareRoutingPatchRequest"),
            }),
        ),
        (
            format!("{base}/snapshotConfiguration"),
            json!({
                "get": get("snapshotConfigurationGet", "The service's snapshot schedule.", schema_ref("SnapshotConfiguration"), json!([org, svc])),
                "patch": patch("snapshotConfigurationUpdate", "Changes the snapshot schedule (omitted fields keep their value).", "SnapshotConfiguration", "SnapshotConfigurationPatchRequest"),
            }),
        ),
        (
            format!("{base}/clickpipes/context"),
            json!({"get": get("clickPipesServiceContextGet", "Whether the service's ClickPipes can use GCP workload identity, and its principal (`clickpipes_context.rs`).", schema_ref("ClickPipesServiceContext"), json!([org, svc]))}),
        ),
        (
            format!("{base}/snapshots"),
            json!({"get": get("snapshotGetList", "The service's kept snapshots, newest first.", json!({"type": "array", "items": schema_ref("Snapshot")}), json!([org, svc]))}),
        ),
        (
            format!("{base}/snapshots/{{snapshotId}}"),
            json!({"get": get("snapshotGet", "One kept snapshot.", schema_ref("Snapshot"), json!([org, svc, path_param("snapshotId")]))}),
        ),
    ]
}

/// `organizationByocInfrastructureGet`, beside the official PATCH and DELETE of its path.
fn byoc_get_op() -> Value {
    json!({"operationId": "organizationByocInfrastructureGet",
           "description": format!("{EXTENSION} One BYOC infrastructure (`byoc_reads.rs`)."),
           "parameters": [path_param("organizationId"), path_param("byocInfrastructureId")],
           "responses": {"200": envelope(schema_ref("ByocInfrastructureDetails")), "default": error_default()}})
}

/// The organization-level reads of `billing.rs` and `notifications.rs`.
fn org_reads() -> Vec<(String, Value)> {
    let org = path_param("organizationId");
    let q = |name: &str, description: &str, schema: Value| {
        json!({"in": "query", "name": name, "description": description, "schema": schema})
    };
    let date = json!({"type": "string", "format": "date-time"});
    let notifications = json!({"get": {
        "operationId": "notificationGetList",
        "description": format!("{EXTENSION} The organization's notifications, newest first, a cursor page at a time (`notifications.rs`)."),
        "parameters": [
            org,
            q("limit", "Page size (1-250, default 100).", json!({"type": "integer", "minimum": 1, "maximum": 250})),
            q("cursor", "The nextCursor of the previous page.", json!({"type": "string"})),
            q("severity", "Only this severity.", json!({"type": "string", "enum": super::notifications::SEVERITIES})),
            q("type", "Only this notification type (notificationTypesGetList).", json!({"type": "string"})),
            q("resource_id", "Only this resource; a service id also matches its ClickPipes.", json!({"type": "string"})),
            q("resource_type", "Only this resource kind.", json!({"type": "string", "enum": super::notifications::RESOURCE_TYPES})),
            q("from_date", "Earliest creation time, inclusive.", date.clone()),
            q("to_date", "Latest creation time, inclusive.", date),
        ],
        "responses": {"200": {"description": "Success: one page", "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "status": {"type": "number"},
                "requestId": {"type": "string", "format": "uuid"},
                "result": {"type": "array", "items": schema_ref("Notification")},
                "limit": {"type": "integer", "minimum": 1, "maximum": 250},
                "totalCount": {"type": "integer", "minimum": 0},
                "nextCursor": {"type": "string"},
            },
            "required": ["status", "requestId", "result", "limit", "totalCount"],
        }}}}, "default": error_default()},
    }});
    let types = json!({"get": {
        "operationId": "notificationTypesGetList",
        "description": format!("{EXTENSION} The notification types (the simulator's catalog, `notifications.rs`)."),
        "parameters": [org],
        "responses": {"200": envelope(json!({"type": "array", "items": schema_ref("NotificationType")})), "default": error_default()},
    }});
    let balances = json!({"get": {
        "operationId": "creditBalancesGet",
        "description": format!("{EXTENSION} The organization's active credit balances (`billing.rs`)."),
        "parameters": [org],
        "responses": {"200": envelope(schema_ref("CreditBalances")), "default": error_default()},
    }});
    let profiles = json!({"get": {
        "operationId": "serviceProfilesList",
        "description": format!("{EXTENSION} The service profiles of a region or BYOC infrastructure (`service_profiles.rs`)."),
        "parameters": [
            org,
            q("region_id", "Region (required without byoc_id).", json!({"type": "string"})),
            q("byoc_id", "BYOC infrastructure (required without region_id).", json!({"type": "string", "format": "uuid"})),
        ],
        "responses": {"200": envelope(json!({"type": "array", "items": schema_ref("ServiceProfile")})), "default": error_default()},
    }});
    let discovery = json!({"get": {
        "operationId": "organizationPrometheusDiscoveryGet",
        "description": format!("{EXTENSION} Prometheus HTTP service discovery: a bare array of target groups, one per service (`prometheus_discovery.rs`)."),
        "parameters": [org, q("filtered_metrics", "Scrape the filtered metric set.", json!({"type": "boolean"}))],
        "responses": {"200": {"description": "Success: target groups (no envelope)", "content": {"application/json": {"schema": {
            "type": "array", "items": schema_ref("PrometheusDiscoveryTargetGroup"),
        }}}}, "default": error_default()},
    }});
    let byoc = path_param("byocInfrastructureId");
    let byoc_get = |id: &str, what: &str, schema: &str| {
        json!({"operationId": id, "description": format!("{EXTENSION} {what} (`byoc_reads.rs`)."),
               "parameters": [org, byoc], "responses": {"200": envelope(schema_ref(schema)), "default": error_default()}})
    };
    let byoc_pec = byoc_get(
        "organizationByocInfrastructurePrivateEndpointConfigGet",
        "The private endpoint configuration of a ready BYOC infrastructure",
        "ByocInfrastructurePrivateEndpointConfig",
    );
    let byoc_tags = byoc_get("organizationByocInfrastructureTagsGet", "A BYOC infrastructure's tags", "ByocInfrastructureTagsResponse");
    let byoc_progress = json!({"operationId": "organizationByocInfrastructureProgressGet",
        "description": format!("{EXTENSION} A BYOC infrastructure's provisioning progress (`byoc_checks.rs`)."),
        "parameters": [org, byoc], "responses": {"200": envelope(schema_ref("ByocInfrastructureProgress")), "default": error_default()}});
    let byoc_validate = json!({"operationId": "organizationByocInfrastructureValidate",
        "description": format!("{EXTENSION} Checks a cloud account's readiness for BYOC; stores nothing (`byoc_checks.rs`)."),
        "parameters": [org],
        "requestBody": {"content": {"application/json": {"schema": schema_ref("ByocInfrastructureValidatePostRequest")}}},
        "responses": {"200": envelope(schema_ref("ByocInfrastructureValidation")), "default": error_default()}});
    let base = "/v1/organizations/{organizationId}";
    vec![
        (format!("{base}/byocInfrastructure/{{byocInfrastructureId}}/progress"), json!({"get": byoc_progress})),
        (format!("{base}/byocInfrastructure/validate"), json!({"post": byoc_validate})),
        (format!("{base}/byocInfrastructure/{{byocInfrastructureId}}/privateEndpointConfig"), json!({"get": byoc_pec})),
        (format!("{base}/byocInfrastructure/{{byocInfrastructureId}}/tags"), json!({"get": byoc_tags})),
        (format!("{base}/prometheus/discovery"), discovery),
        (format!("{base}/serviceProfiles"), profiles),
        (format!("{base}/notifications"), notifications),
        (format!("{base}/notificationTypes"), types),
        (format!("{base}/creditBalances"), balances),
    ]
}

/// `openapiKeyGetList` with the cursor paging clickhousectl 0.5.0 uses.
fn page_keys(op: &mut Value) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        params.extend(page_params());
    }
    op["description"] = json!("Simulator extension of the official operation: without limit and cursor every key in one answer (the official shape); with either, one cursor page with limit, totalCount and nextCursor beside result, as clickhousectl 0.5.0 pages `key list`.");
    if let Some(props) = op.pointer_mut("/responses/200/content/application~1json/schema/properties") {
        props["limit"] = json!({"type": "integer", "minimum": 1, "maximum": 100});
        props["totalCount"] = json!({"type": "integer", "minimum": 0});
        props["nextCursor"] = json!({"type": "string"});
    }
}

/// The models of the extensions, under the live API's names.
fn extension_schemas() -> Map<String, Value> {
    let uuid = json!({"type": "string", "format": "uuid"});
    let params = json!({"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 100});
    let name = json!({"type": "string", "minLength": 1, "maxLength": 255});
    let text = json!({"type": "string", "minLength": 1});
    let key_ids = json!({"type": "array", "items": uuid, "minItems": 1, "uniqueItems": true});
    let roles = json!({"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true});
    let origins = json!({"type": "array", "items": {"type": "string"}, "maxItems": 100});
    let owner = json!({"type": "string", "enum": ["user", "queryApiEndpoint"]});
    let url = json!({"type": "string", "format": "uri"});
    let obj = |props: Value, required: &[&str]| {
        json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
    };
    let mut m = Map::new();
    m.insert(
        "PublicSavedQuery".into(),
        obj(
            json!({"id": uuid, "name": name, "sql": text, "database": text, "parameters": params}),
            &["id", "name", "sql", "database", "parameters"],
        ),
    );
    m.insert(
        "PublicSavedQueryListItem".into(),
        obj(json!({"id": uuid, "name": name, "database": text}), &["id", "name", "database"]),
    );
    m.insert(
        "PublicSavedQueryRequest".into(),
        json!({"type": "object", "properties": {"name": name, "sql": text, "database": text, "parameters": params},
               "required": ["name", "sql", "database"]}),
    );
    m.insert(
        "PublicQueryApiEndpoint".into(),
        obj(
            json!({"id": uuid, "name": name, "sql": text, "database": text, "parameters": params,
                   "apiKeyIds": {"type": "array", "items": uuid}, "roles": {"type": "array", "items": {"type": "string"}},
                   "allowedOrigins": origins, "url": url, "ownerType": owner}),
            &["id", "name", "sql", "database", "parameters", "apiKeyIds", "roles", "allowedOrigins", "url", "ownerType"],
        ),
    );
    m.insert(
        "PublicQueryApiEndpointListItem".into(),
        obj(
            json!({"id": uuid, "name": name, "database": text,
                   "apiKeyIds": {"type": "array", "items": uuid}, "roles": {"type": "array", "items": {"type": "string"}},
                   "allowedOrigins": origins, "url": url, "ownerType": owner}),
            &["id", "name", "database", "apiKeyIds", "roles", "allowedOrigins", "url", "ownerType"],
        ),
    );
    m.insert(
        "PublicQueryApiEndpointRequest".into(),
        json!({"type": "object",
               "properties": {"name": name, "sql": text, "database": text, "parameters": params,
                              "apiKeyIds": key_ids, "roles": roles, "allowedOrigins": origins},
               "required": ["name", "sql", "database", "apiKeyIds", "roles"]}),
    );
    let text = json!({"type": "string"});
    let date = json!({"type": "string", "format": "date-time"});
    let amount = json!({"type": "number", "minimum": 0});
    let severity = json!({"type": "string", "enum": super::notifications::SEVERITIES});
    let kind = json!({"type": "string", "enum": super::notifications::RESOURCE_TYPES});
    m.insert(
        "Notification".into(),
        obj(
            json!({"id": uuid, "type": text, "severity": severity, "title": text, "description": text,
                   "createdAt": date, "resourceType": kind, "resourceId": text, "resourceName": text}),
            &["id", "type", "severity", "title", "description", "createdAt", "resourceType", "resourceId", "resourceName"],
        ),
    );
    m.insert(
        "NotificationType".into(),
        obj(
            json!({"name": text, "title": text, "category": text, "severity": severity, "resourceType": kind,
                   "description": text, "isConfigurable": {"type": "boolean"}, "isAvailable": {"type": "boolean"}}),
            &["name", "title", "category", "severity", "resourceType", "description", "isConfigurable", "isAvailable"],
        ),
    );
    m.insert(
        "CreditBalance".into(),
        obj(
            json!({"id": uuid, "type": {"type": "string", "enum": super::billing::TYPES}, "totalAmount": amount,
                   "amountSpent": amount, "remainingCredits": amount, "startDate": date, "expirationDate": date}),
            &["id", "type", "totalAmount", "amountSpent", "remainingCredits", "startDate", "expirationDate"],
        ),
    );
    m.insert(
        "CreditBalances".into(),
        obj(
            json!({"totalRemainingCredits": amount, "balances": {"type": "array", "items": schema_ref("CreditBalance")}}),
            &["totalRemainingCredits", "balances"],
        ),
    );
    m.insert(
        "ServiceProfile".into(),
        obj(
            json!({"profile": {"type": "string", "enum": super::validate::PROFILES},
                   "cpuCores": {"type": "number", "minimum": 1}, "memoryGi": {"type": "number", "minimum": 1}}),
            &["profile", "cpuCores", "memoryGi"],
        ),
    );
    m.insert(
        "PrometheusDiscoveryTargetGroup".into(),
        obj(
            json!({"targets": {"type": "array", "items": {"type": "string"}},
                   "labels": {"type": "object", "additionalProperties": {"type": "string"}}}),
            &["targets", "labels"],
        ),
    );
    m.insert(
        "ByocInfrastructureDetails".into(),
        obj(
            json!({"id": uuid, "state": {"type": "string", "enum": ["infra-ready", "infra-provisioning", "infra-terminated"]},
                   "cloudProvider": {"type": "string", "enum": ["aws", "gcp", "azure"]}, "regionId": text,
                   "accountId": text, "displayName": text}),
            &["id", "state", "cloudProvider", "regionId", "accountId", "displayName"],
        ),
    );
    m.insert(
        "ByocInfrastructurePrivateEndpointConfig".into(),
        obj(json!({"endpointName": text, "privateDnsHostname": text}), &["endpointName", "privateDnsHostname"]),
    );
    m.insert(
        "ByocInfrastructureTagsResponse".into(),
        obj(json!({"tags": {"type": "object", "additionalProperties": {"type": "string"}}}), &["tags"]),
    );
    let boolean = json!({"type": "boolean"});
    let stage_status = json!({"type": "string", "enum": ["not_started", "pending", "waiting", "in_progress", "ready", "failed"]});
    let stage = obj(
        json!({"name": text, "status": stage_status, "updatedAt": {"type": "string", "format": "date-time"},
               "subStages": {"type": "array", "items": obj(json!({"name": text, "status": stage_status}), &["name", "status"])}}),
        &["name", "status", "subStages"],
    );
    m.insert(
        "ByocInfrastructureProgress".into(),
        obj(
            json!({"id": uuid, "status": stage_status, "stages": {"type": "array", "items": stage},
                   "updatedAt": {"type": "string", "format": "date-time"}}),
            &["id", "status", "stages"],
        ),
    );
    let check = obj(
        json!({"group": text, "name": text, "action": text, "allowed": boolean, "reason": text}),
        &["group", "name", "action", "allowed", "reason"],
    );
    m.insert(
        "ByocInfrastructureValidation".into(),
        obj(
            json!({"cloudProvider": {"type": "string", "enum": ["aws", "gcp", "azure"]}, "supported": boolean,
                   "allPassed": boolean, "anyPassed": boolean, "checks": {"type": "array", "items": check}}),
            &["cloudProvider", "supported", "allPassed", "anyPassed", "checks"],
        ),
    );
    let strings = json!({"type": "array", "items": {"type": "string"}});
    m.insert(
        "ByocInfrastructureValidatePostRequest".into(),
        obj(
            json!({"regionId": text, "accountId": text,
                   "availabilityZoneSuffixes": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c", "d", "e", "f"]}},
                   "vpcCidrRange": text, "vpcId": text, "privateSubnetIds": strings, "publicSubnetIds": strings,
                   "externalId": text, "gcpPodCidrRangeNames": strings, "gcpSharedVpcHostProjectId": text,
                   "tenantId": text, "servicePrincipalClientId": text,
                   "tags": {"type": "object", "additionalProperties": {"type": "string"}}}),
            &["regionId", "accountId"],
        ),
    );
    m.insert(
        "ClickPipesServiceContext".into(),
        obj(
            json!({"gcpWorkloadIdentity": obj(
                json!({"supported": boolean, "ready": boolean, "principal": {"type": "string"}}),
                &["supported", "ready"],
            )}),
            &["gcpWorkloadIdentity"],
        ),
    );
    m.insert(
        "ReplicaAwareRouting".into(),
        obj(json!({"httpEnabled": boolean, "nativeEnabled": boolean}), &["httpEnabled", "nativeEnabled"]),
    );
    m.insert(
        "ReplicaAwareRoutingPatchRequest".into(),
        json!({"type": "object", "properties": {"httpEnabled": boolean, "nativeEnabled": boolean}, "minProperties": 1}),
    );
    use super::snapshots::{GAP_MAX, GAP_MIN, TIME_FRAME_MAX, TIME_FRAME_MIN};
    let gap = json!({"type": "integer", "minimum": GAP_MIN, "maximum": GAP_MAX, "description": "Minutes between snapshots."});
    let frame = json!({"type": "integer", "minimum": TIME_FRAME_MIN, "maximum": TIME_FRAME_MAX, "description": "Minutes a snapshot is kept."});
    m.insert(
        "SnapshotConfiguration".into(),
        obj(json!({"enabled": boolean, "gap": gap, "timeFrame": frame}), &["enabled", "gap", "timeFrame"]),
    );
    m.insert(
        "SnapshotConfigurationPatchRequest".into(),
        json!({"type": "object", "properties": {"enabled": boolean, "gap": gap, "timeFrame": frame}, "minProperties": 1}),
    );
    m.insert(
        "Snapshot".into(),
        obj(
            json!({"id": uuid, "serviceId": uuid, "status": {"type": "string", "enum": ["done", "in_progress"]},
                   "type": {"type": "string", "enum": ["full"]}, "startedAt": date, "finishedAt": date,
                   "durationInSeconds": amount, "sizeInBytes": amount}),
            &["id", "serviceId", "status", "type", "startedAt"],
        ),
    );
    m
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
        // The 94 official operations outside Postgres and ClickStack, whoami, and the 10
        // saved-query and Query API endpoint operations, the credit-balance and two
        // notification reads, the service-profile list, Prometheus discovery, and the six replica-routing and
        // snapshot operations, the ClickPipes context, three BYOC reads, and BYOC progress and
        // validation.
        assert_eq!(ops.len(), 122, "{ops:?}");
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
