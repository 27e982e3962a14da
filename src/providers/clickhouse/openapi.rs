//! `GET /_sim/openapi/clickhouse.json`: an OpenAPI 3.0 description of what this
//! simulator serves for ClickHouse Cloud (paths, methods, operation ids, path
//! parameters, Basic auth, the envelopes). A unit test routes every entry through
//! `routes::route`, so the document cannot drift from the router.

use serde_json::{json, Map, Value};

/// Every served path with its methods and operation names (the names the journal
/// records and fault rules match).
pub const CATALOGUE: &[(&str, &[(&str, &str)])] = &[
    ("/v1/organizations", &[("get", "listOrganizations")]),
    ("/v1/organizations/{organizationId}", &[("get", "getOrganization"), ("patch", "updateOrganization")]),
    ("/v1/organizations/{organizationId}/prometheus", &[("get", "getOrganizationPrometheus")]),
    ("/v1/organizations/{organizationId}/privateEndpointConfig", &[("get", "getOrganizationPrivateEndpointConfig")]),
    (
        "/v1/organizations/{organizationId}/privateEndpointInfo/{cloudProvider}/{region}",
        &[("get", "getOrganizationPrivateEndpointInfo")],
    ),
    ("/v1/organizations/{organizationId}/services", &[("get", "listServices"), ("post", "createService")]),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}",
        &[("get", "getService"), ("patch", "updateService"), ("delete", "deleteService")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/privateEndpointConfig",
        &[("get", "getServicePrivateEndpointConfig")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/serviceQueryEndpoint",
        &[
            ("get", "getServiceQueryEndpoint"),
            ("post", "upsertServiceQueryEndpoint"),
            ("delete", "deleteServiceQueryEndpoint"),
        ],
    ),
    ("/v1/organizations/{organizationId}/services/{serviceId}/state", &[("patch", "updateServiceState")]),
    ("/v1/organizations/{organizationId}/services/{serviceId}/scaling", &[("patch", "updateServiceScaling")]),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/replicaScaling",
        &[("patch", "updateServiceReplicaScaling")],
    ),
    ("/v1/organizations/{organizationId}/services/{serviceId}/password", &[("patch", "updateServicePassword")]),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/privateEndpoint",
        &[("post", "createServicePrivateEndpoint")],
    ),
    ("/v1/organizations/{organizationId}/services/{serviceId}/prometheus", &[("get", "getServicePrometheus")]),
    ("/v1/organizations/{organizationId}/services/{serviceId}/backups", &[("get", "listBackups")]),
    ("/v1/organizations/{organizationId}/services/{serviceId}/backups/{backupId}", &[("get", "getBackup")]),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/backupConfiguration",
        &[("get", "getBackupConfiguration"), ("patch", "updateBackupConfiguration")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipes",
        &[("get", "listClickPipes"), ("post", "createClickPipe")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipes/{clickPipeId}",
        &[("get", "getClickPipe"), ("patch", "updateClickPipe"), ("delete", "deleteClickPipe")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipes/{clickPipeId}/scaling",
        &[("patch", "updateClickPipeScaling")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipes/{clickPipeId}/state",
        &[("patch", "updateClickPipeState")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipesReversePrivateEndpoints",
        &[("get", "listReversePrivateEndpoints"), ("post", "createReversePrivateEndpoint")],
    ),
    (
        "/v1/organizations/{organizationId}/services/{serviceId}/clickpipesReversePrivateEndpoints/{reversePrivateEndpointId}",
        &[("get", "getReversePrivateEndpoint"), ("delete", "deleteReversePrivateEndpoint")],
    ),
    ("/v1/organizations/{organizationId}/keys", &[("get", "listKeys"), ("post", "createKey")]),
    (
        "/v1/organizations/{organizationId}/keys/{keyId}",
        &[("get", "getKey"), ("patch", "updateKey"), ("delete", "deleteKey")],
    ),
    ("/v1/organizations/{organizationId}/members", &[("get", "listMembers")]),
    (
        "/v1/organizations/{organizationId}/members/{userId}",
        &[("get", "getMember"), ("patch", "updateMember"), ("delete", "deleteMember")],
    ),
    ("/v1/organizations/{organizationId}/invitations", &[("get", "listInvitations"), ("post", "createInvitation")]),
    (
        "/v1/organizations/{organizationId}/invitations/{invitationId}",
        &[("get", "getInvitation"), ("delete", "deleteInvitation")],
    ),
    ("/v1/organizations/{organizationId}/activities", &[("get", "listActivities")]),
    ("/v1/organizations/{organizationId}/activities/{activityId}", &[("get", "getActivity")]),
    ("/v1/organizations/{organizationId}/usageCost", &[("get", "getUsageCost")]),
];

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "activityId" || name == "cloudProvider" || name == "region" {
                json!({"type": "string"})
            } else {
                json!({"type": "string", "format": "uuid"})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect()
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (path, methods) in CATALOGUE {
        let mut item = Map::new();
        for (method, op) in *methods {
            let prometheus = op.ends_with("Prometheus");
            let ok = if prometheus {
                json!({"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}})
            } else {
                json!({"description": "Success", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}})
            };
            let mut operation = json!({
                "operationId": op,
                "parameters": parameters(path),
                "responses": {
                    "200": ok,
                    "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            });
            if matches!(*method, "post" | "patch") {
                operation["requestBody"] =
                    json!({"required": false, "content": {"application/json": {"schema": {"type": "object"}}}});
            }
            item.insert((*method).to_owned(), operation);
        }
        paths.insert((*path).to_owned(), Value::Object(item));
    }
    json!({
        "openapi": "3.0.1",
        "info": {"title": "ClickHouse Cloud API (dbaas-sim)", "version": "1.0"},
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
            "schemas": {
                "Envelope": {"type": "object", "properties": {
                    "status": {"type": "number"}, "requestId": {"type": "string", "format": "uuid"}, "result": {}}},
                "Error": {"type": "object", "properties": {
                    "status": {"type": "number"}, "error": {"type": "string"}, "requestId": {"type": "string", "format": "uuid"}}},
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
        for (path, methods) in CATALOGUE {
            let concrete = path
                .split('/')
                .map(|s| if s.starts_with('{') { "00000000-0000-4000-8000-000000000001" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let segs: Vec<&str> = concrete.split('/').filter(|s| !s.is_empty()).collect();
            for (method, op) in *methods {
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let routed = super::super::routes::route(&m, &segs[1..], true).unwrap().unwrap();
                assert_eq!(routed.op.name(), *op, "{method} {path}");
            }
        }
    }
}
