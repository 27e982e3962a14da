//! `GET /_sim/openapi/fujitsu.json`: an OpenAPI 3.0 description of what this simulator
//! serves for Fujitsu DBaaS (paths, methods, operation ids, path and query parameters,
//! the `X-Auth-Token` header, the `{"Error": {...}}` envelope). A unit test routes every
//! entry through `routes::route`, so the document cannot drift from the router.
//!
//! OpenAPI allows one operation per method and path, but the seed puts three operations
//! on `POST /instances` and four on `POST /instances/{instanceId}/action`, told apart by
//! the body. There the `operationId` is the path's default (`createInstance`: no
//! `action`; `instanceAction`: a body naming no action) and `x-dbaas-sim-operations`
//! lists every operation name the journal and fault rules use for it, with the body key
//! that selects it.
//! Authority: seed 1.2.1 (lines 292–313), 1.8.1; the error table (232–245).

use serde_json::{json, Map, Value};

/// `(path under /v1.0/{tenantId}, method, operationId, summary, [(body marker, operation)])`
type Entry = (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

pub const CATALOGUE: &[Entry] = &[
    ("/auth/token", "post", "createToken", "Get a database-service token (1.8.2.1)", &[]),
    ("/instances", "get", "listInstances", "List DB virtual servers (1.2.2.9)", &[]),
    (
        "/instances",
        "post",
        "createInstance",
        "Create a DB virtual server (1.2.2.1), restore one from a DB snapshot (1.2.2.4) or create a read replica (1.2.2.12)",
        &[("(no action)", "createInstance"), ("action.restoresnapshot", "restoreInstanceFromSnapshot"), ("action.readreplica", "createReadReplica")],
    ),
    ("/instances/{instanceId}", "get", "showInstance", "Show a DB virtual server (1.2.2.10)", &[]),
    ("/instances/{instanceId}", "put", "modifyInstance", "Modify a DB virtual server (1.2.2.3)", &[]),
    ("/instances/{instanceId}", "delete", "deleteInstance", "Delete a DB virtual server (1.2.2.2)", &[]),
    ("/instances/{instanceId}", "post", "restoreInstancePointInTime", "Point-in-time recovery from this instance (1.2.2.5)", &[]),
    (
        "/instances/{instanceId}/action",
        "post",
        "instanceAction",
        "Start (1.2.2.6), stop (1.2.2.7), reboot (1.2.2.8) or cancel an operation (1.2.2.11)",
        &[
            ("action.start", "startInstance"),
            ("action.stop", "stopInstance"),
            ("action.reboot", "rebootInstance"),
            ("action.cancel", "cancelInstanceOperation"),
        ],
    ),
    ("/engineversion", "get", "listEngineVersions", "DB engine information (1.2.2.13)", &[]),
    ("/flavors", "get", "listFlavors", "List flavors (1.2.2.14)", &[]),
    ("/flavors/{flavorId}", "get", "showFlavor", "Show a flavor (1.2.2.15)", &[]),
    ("/snapshots", "post", "createSnapshot", "Create a DB snapshot (1.3.2.1)", &[]),
    ("/snapshots", "get", "listSnapshots", "List DB snapshots (1.3.2.4)", &[]),
    ("/snapshots/{snapshotId}", "get", "showSnapshot", "Show a DB snapshot (1.3.2.5)", &[]),
    ("/snapshots/{snapshotId}", "put", "copySnapshot", "Copy a DB snapshot (1.3.2.3)", &[]),
    ("/snapshots/{snapshotId}", "delete", "deleteSnapshot", "Delete a DB snapshot (1.3.2.2)", &[]),
    ("/parametergroups", "post", "createParameterGroup", "Create a DB parameter group (1.5.2.1)", &[]),
    ("/parametergroups", "get", "listParameterGroups", "List DB parameter groups (1.5.2.3)", &[]),
    ("/parametergroups/{parameterGroupId}", "get", "showParameterGroup", "Show a DB parameter group and its parameters (1.5.2.4)", &[]),
    ("/parametergroups/{parameterGroupId}", "put", "modifyParameterGroup", "Change or reset DB parameter values (1.5.2.5)", &[]),
    ("/parametergroups/{parameterGroupId}", "delete", "deleteParameterGroup", "Delete a DB parameter group (1.5.2.2)", &[]),
    ("/eventnotifications", "post", "createEventSubscription", "Create an event subscription (1.7.2.1)", &[]),
    ("/eventnotifications", "get", "listEventSubscriptions", "List event subscriptions (1.7.2.5)", &[]),
    ("/eventnotifications/{subscriptionId}", "get", "showEventSubscription", "Show an event subscription (1.7.2.6)", &[]),
    (
        "/eventnotifications/{subscriptionId}",
        "put",
        "updateEventSubscription",
        "Change a subscription's attributes (1.7.2.3) or add/remove its sources (1.7.2.4)",
        &[
            ("action.modify", "modifyEventSubscription"),
            ("action.add", "addSourceToSubscription"),
            ("action.remove", "removeSourceFromSubscription"),
        ],
    ),
    ("/eventnotifications/{subscriptionId}", "delete", "deleteEventSubscription", "Delete an event subscription (1.7.2.2)", &[]),
    ("/eventcategories/{sourceType}", "get", "listEventCategories", "List the event categories of a source type (1.7.2.7)", &[]),
    ("/events", "get", "listEvents", "List DB events, newest first (1.7.2.8)", &[]),
    ("/logfiles/{instanceId}", "get", "listLogFiles", "List the DB log files of an instance (1.4.2.1)", &[]),
    ("/logfiles/{instanceId}/{logFileName}", "get", "readLogFile", "Read a portion of a DB log file (1.4.2.2)", &[]),
    ("/applymaintenance/{instanceId}", "post", "applyMaintenance", "Apply maintenance by rolling update (1.9.2.1)", &[]),
    ("/database-service", "get", "showDatabaseService", "Database service project info (1.10.2.1)", &[]),
    ("/meter", "post", "startMonitoring", "Start using monitoring (1.6.2.1)", &[]),
    ("/meter", "delete", "stopMonitoring", "Stop using monitoring (1.6.2.2)", &[]),
    ("/meter", "get", "showMonitoring", "Show monitoring usage (1.6.2.3)", &[]),
    ("/meters", "get", "listMeters", "List meters (1.6.2.4)", &[]),
    ("/meters/{meter_name}", "get", "listSamples", "List samples of a meter (1.6.2.5)", &[]),
    ("/meters/{meter_name}/statistics", "get", "showStatistics", "Statistics of a meter's samples (1.6.2.6)", &[]),
    ("/alarms", "get", "listAlarms", "List alarms (1.6.2.7)", &[]),
    ("/alarms", "post", "createAlarm", "Create an alarm (1.6.2.8)", &[]),
    ("/alarms/{alarm_id}", "get", "showAlarm", "Show an alarm (1.6.2.9)", &[]),
    ("/alarms/{alarm_id}", "put", "updateAlarm", "Update an alarm (1.6.2.10)", &[]),
    ("/alarms/{alarm_id}", "delete", "deleteAlarm", "Delete an alarm (1.6.2.11)", &[]),
    ("/alarms/{alarm_id}/state", "get", "showAlarmState", "Get an alarm's state (1.6.2.12)", &[]),
    ("/alarms/{alarm_id}/state", "put", "setAlarmState", "Set an alarm's state (1.6.2.13)", &[]),
    ("/alarms/{alarm_id}/history", "get", "listAlarmHistory", "An alarm's history (1.6.2.14)", &[]),
    ("/security-groups", "post", "createSecurityGroup", "Create a security group (1.11.2.1)", &[]),
    ("/security-groups", "get", "listSecurityGroups", "List security groups (1.11.2.4)", &[]),
    ("/security-groups/{security_group_id}", "get", "showSecurityGroup", "Show a security group (1.11.2.5)", &[]),
    ("/security-groups/{security_group_id}", "put", "updateSecurityGroup", "Update a security group (1.11.2.3)", &[]),
    ("/security-groups/{security_group_id}", "delete", "deleteSecurityGroup", "Delete a security group (1.11.2.2)", &[]),
    ("/security-group-rules", "post", "createSecurityGroupRule", "Create a security group rule (1.12.2.1)", &[]),
    ("/security-group-rules", "get", "listSecurityGroupRules", "List security group rules (1.12.2.3)", &[]),
    ("/security-group-rules/{security_group_rule_id}", "get", "showSecurityGroupRule", "Show a security group rule (1.12.2.4)", &[]),
    ("/security-group-rules/{security_group_rule_id}", "delete", "deleteSecurityGroupRule", "Delete a security group rule (1.12.2.2)", &[]),
];

const BASE: &str = "/v1.0/{tenantId}";

/// Every path parameter a catalogue path may name.
const PATH_PARAMS: &[&str] =
    &["instanceId", "flavorId", "snapshotId", "parameterGroupId", "subscriptionId", "sourceType", "logFileName", "security_group_id", "security_group_rule_id", "meter_name", "alarm_id"];

fn path_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

fn query_param(name: &str, ty: &str, doc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": doc})
}

fn error_responses(codes: &[u16]) -> Map<String, Value> {
    codes
        .iter()
        .map(|c| {
            let name = super::error::error_name(*c);
            (c.to_string(), json!({"description": name, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}))
        })
        .collect()
}

fn operation(path: &str, method: &str, id: &str, summary: &str, alternatives: &[(&str, &str)]) -> Value {
    let mut params: Vec<Value> = vec![path_param("tenantId")];
    for p in PATH_PARAMS {
        if path.contains(&format!("{{{p}}}")) {
            params.push(path_param(p));
        }
    }
    if matches!(id, "listInstances" | "listFlavors" | "listEngineVersions" | "listSnapshots" | "listParameterGroups" | "listEventSubscriptions" | "listEvents") {
        params.push(query_param("limit", "integer", "20 to 100, default 20"));
        params.push(query_param("marker", "string", "where the page starts"));
    }
    if id == "listEvents" {
        for (name, ty, doc) in [
            ("duration", "integer", "minutes to search, default 60"),
            ("startTime", "string", "ISO 8601 start of the interval"),
            ("endTime", "string", "ISO 8601 end of the interval"),
            ("eventCategory", "string", "a category; repeatable"),
            ("sourceType", "string", "db-instance or db-snapshot"),
            ("sourceId", "string", "a resource id"),
        ] {
            params.push(query_param(name, ty, doc));
        }
    }
    if id == "listLogFiles" {
        params.push(query_param("filelastwritten", "integer", "POSIX time: files written at or after it"));
        params.push(query_param("filesize", "integer", "bytes: files larger than it"));
        params.push(query_param("filenamecontains", "string", "files whose name contains it"));
        params.push(query_param("limit", "integer", "20 to 100, default 20"));
    }
    if id == "readLogFile" {
        params.push(query_param("limit", "integer", "lines, default 20, at most 100 (10000 with limitExtension)"));
        params.push(query_param("marker", "string", "the marker of the previous portion"));
        params.push(query_param("descending", "boolean", "from the end (needs downloadLogExtension)"));
        params.push(query_param("limitExtension", "boolean", "raise the limit's bound to 10000"));
    }
    if matches!(id, "listSecurityGroups" | "listSecurityGroupRules") {
        params.push(query_param("fields", "string", "an attribute to show; repeatable"));
    }
    if matches!(id, "listMeters" | "listSamples" | "showStatistics" | "listAlarms" | "listAlarmHistory") {
        params.push(query_param("q.field", "string", "a condition's field; up to 10"));
        params.push(query_param("q.op", "string", "a condition's operator (eq, gt, ge, lt, le)"));
        params.push(query_param("q.value", "string", "a condition's value"));
    }
    if matches!(id, "listMeters" | "listSamples" | "listAlarms" | "listAlarmHistory") {
        params.push(query_param("limit", "integer", "1 to 1440, default 1440"));
        params.push(query_param("offset", "integer", "items to skip, default 0"));
    }
    if id == "showStatistics" {
        params.push(query_param("period", "integer", "60 to 1209600, a multiple of 60"));
        params.push(query_param("groupby", "string", "resource_id or user_id"));
        params.push(query_param("aggregate.func", "string", "avg, count, max, min or sum; repeatable"));
    }
    if id == "listSnapshots" {
        params.push(query_param("snapshotType", "string", "automated or manual"));
    }
    if id == "listEngineVersions" {
        params.push(query_param("engine", "string", "enterprisepostgres"));
        params.push(query_param("engineVersion", "string", "a version"));
        params.push(query_param("defaultOnly", "boolean", "only the default version"));
        params.push(query_param("listSupportedCharacterSets", "boolean", "list supportedCharacterSets"));
    }
    let (ok, ok_doc) = match (method, id) {
        ("delete", _) | (_, "instanceAction" | "applyMaintenance") => ("202", "Accepted, no body"),
        _ => ("200", "OK"),
    };
    let mut responses = Map::new();
    let ok_value = if ok == "202" {
        json!({"description": ok_doc})
    } else {
        json!({"description": ok_doc, "content": {"application/json": {"schema": {"type": "object"}}}})
    };
    responses.insert(ok.into(), ok_value);
    responses.extend(error_responses(&[400, 401, 403, 404, 405, 413, 422, 500, 501, 503, 504]));
    let mut op = json!({
        "operationId": id,
        "summary": summary,
        "parameters": params,
        "responses": responses,
    });
    if id == "createToken" {
        op["security"] = json!([]);
    }
    if matches!(method, "post" | "put") {
        op["requestBody"] = json!({"required": !matches!(id, "instanceAction" | "applyMaintenance"), "content": {"application/json": {"schema": {"type": "object"}}}});
    }
    if !alternatives.is_empty() {
        op["x-dbaas-sim-operations"] = Value::Array(
            alternatives.iter().map(|(marker, name)| json!({"operation": name, "when": marker})).collect(),
        );
    }
    op
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for (path, method, id, summary, alternatives) in CATALOGUE {
        let full = format!("{BASE}{path}");
        let item = paths.entry(full).or_insert_with(|| json!({}));
        item[*method] = operation(path, method, id, summary, alternatives);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Fujitsu DBaaS (dbaas-sim)",
            "version": "1.10",
            "description": "What dbaas-sim serves of the FUJITSU Hybrid IT Service Digital Application Platform database service API (seed 001_d8dce1e49d487248.txt): token auth, the DB virtual server family, DB snapshots, DB parameter groups, event notifications, DB log files, security groups, maintenance and monitoring. Operation names of shared paths are in x-dbaas-sim-operations."
        },
        "paths": paths,
        "security": [{"XAuthToken": []}],
        "components": {
            "securitySchemes": {"XAuthToken": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
            "schemas": {"Error": {
                "type": "object",
                "required": ["Error"],
                "properties": {"Error": {"type": "object", "required": ["status", "name", "message"], "properties": {
                    "status": {"type": "integer"},
                    "name": {"type": "string", "enum": ["badRequest", "unauthorized", "forbidden", "itemNotFound", "badMethod", "overLimit", "unprocessableEntity", "instanceFault", "notImplemented", "serviceUnavailable", "gatewayTimeout"]},
                    "message": {"type": "string"}
                }}}
            }}
        }
    })
}

/// Every operation name a Fujitsu request can carry in the journal.
pub fn operation_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for (_, _, id, _, alternatives) in CATALOGUE {
        names.push(id);
        names.extend(alternatives.iter().map(|(_, n)| *n));
    }
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::routes;
    use hyper::Method;

    #[test]
    fn every_entry_routes_and_operation_ids_are_unique() {
        for (path, method, _, _, _) in CATALOGUE {
            let p = format!("/v1.0/t{path}").replace("{instanceId}", "db1").replace("{flavorId}", "11");
            let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert!(matches!(routes::route(&m, &segs), Some(Ok(_))), "{method} {p}");
        }
        let doc = document();
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|i| i.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert_eq!(n, CATALOGUE.len());
        assert!(operation_names().contains(&"stopInstance"));
    }
}
