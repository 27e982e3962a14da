//! The served contract (`GET /_sim/openapi/clickhouse.json`): the official operationIds and
//! schemas, the names the journal and fault rules use, and the official 404 of
//! resources that are not configured. (Every live answer of the suite is also checked
//! against the served schemas by `support::schema`.)

use hyper::Method;

use super::services::{services_path, svc_path};
use crate::support::schema::contract;
use crate::support::*;

/// The official operations outside the Postgres and ClickStack product lines.
const OFFICIAL: &[&str] = &[
    "organizationGetList",
    "organizationGet",
    "organizationUpdate",
    "organizationPrometheusGet",
    "organizationRolesGetList",
    "organizationRolePost",
    "organizationRoleGet",
    "organizationRolePatch",
    "organizationRoleDelete",
    "organizationQuotasGetList",
    "organizationQuotaGet",
    "instanceGetList",
    "instanceCreate",
    "instanceGet",
    "instanceUpdate",
    "instanceDelete",
    "instancePrivateEndpointConfigGet",
    "instanceQueryEndpointGet",
    "instanceQueryEndpointDelete",
    "instanceQueryEndpointUpsert",
    "instanceStateUpdate",
    "instanceScalingUpdate",
    "instanceReplicaScalingUpdate",
    "instancePasswordUpdate",
    "instancePrivateEndpointCreate",
    "instancePrometheusGet",
    "scalingScheduleGet",
    "scalingScheduleUpsert",
    "scalingScheduleDelete",
    "upgradeWindowGet",
    "upgradeWindowUpdate",
    "upgradeWindowDelete",
    "serviceClickhouseSettingsListGet",
    "serviceClickhouseSettingsUpdate",
    "serviceClickhouseSettingsSchemaGet",
    "serviceClickhouseSettingGet",
    "serviceClickhouseSettingDelete",
    "backupGetList",
    "backupGet",
    "backupConfigurationGet",
    "backupConfigurationUpdate",
    "backupBucketGet",
    "backupBucketCreate",
    "backupBucketUpdate",
    "backupBucketDelete",
    "openapiKeyGetList",
    "openapiKeyCreate",
    "openapiKeyGet",
    "openapiKeyUpdate",
    "openapiKeyDelete",
    "memberGetList",
    "memberGet",
    "memberUpdate",
    "memberDelete",
    "invitationGetList",
    "invitationCreate",
    "invitationGet",
    "invitationDelete",
    "activityGetList",
    "activityGet",
    "usageCostGet",
    "clickPipeGetList",
    "clickPipeCreate",
    "clickPipeGet",
    "clickPipeUpdate",
    "clickPipeDelete",
    "clickPipeSettingsGet",
    "clickPipeSettingsUpdate",
    "clickPipeSchemaDiscovery",
    "clickPipeScalingUpdate",
    "clickPipeStateUpdate",
    "clickPipeCdcScalingGet",
    "clickPipeCdcScalingUpdate",
    "organizationPrivateEndpointConfigGetList",
    "organizationByocInfrastructureCreate",
    "organizationByocInfrastructureDelete",
    "organizationByocInfrastructureUpdate",
    "clickPipeReversePrivateEndpointGetList",
    "clickPipeReversePrivateEndpointCreate",
    "clickPipeReversePrivateEndpointGet",
    "clickPipeReversePrivateEndpointDelete",
    "clickPipeReversePrivateEndpointUpdate",
    "udfAttach",
    "udfAttachmentGet",
    "udfDetach",
    "udfAttachmentList",
    "udfCreate",
    "udfList",
    "udfDelete",
    "udfGet",
    "udfUploadSessionCreate",
    "udfVersionCreate",
    "udfVersionList",
    "udfVersionDelete",
];

/// Operations the official document lacks and clickhousectl 0.5.0 calls (its names).
const EXTENSIONS: &[&str] = &[
    "savedQueryList",
    "savedQueryCreate",
    "savedQueryGet",
    "savedQueryUpdate",
    "savedQueryDelete",
    "queryApiEndpointList",
    "queryApiEndpointCreate",
    "queryApiEndpointGet",
    "queryApiEndpointUpdate",
    "queryApiEndpointDelete",
    "creditBalancesGet",
    "notificationGetList",
    "notificationTypesGetList",
    "serviceProfilesList",
    "organizationPrometheusDiscoveryGet",
    "clickPipesServiceContextGet",
    "organizationByocInfrastructureGet",
    "organizationByocInfrastructurePrivateEndpointConfigGet",
    "organizationByocInfrastructureTagsGet",
    "organizationByocInfrastructureProgressGet",
    "organizationByocInfrastructureValidate",
    "replicaAwareRoutingGet",
    "replicaAwareRoutingUpdate",
    "snapshotConfigurationGet",
    "snapshotConfigurationUpdate",
    "snapshotGetList",
    "snapshotGet",
];

#[tokio::test]
async fn the_served_document_has_every_official_operation_with_its_operation_id_and_schemas() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/openapi/clickhouse.json").await;
    assert_eq!(r.status, 200);
    let doc = &r.body;
    assert_eq!(doc, contract().doc(), "the served document is the one the tests check against");
    assert_eq!(doc["openapi"], "3.1.0");
    let mut served = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().expect("every operation has an operationId");
            served.push(id.to_owned());
            let ok = op["responses"].get("200").or_else(|| op["responses"].get("201"));
            let ok = ok.unwrap_or_else(|| panic!("{method} {path}: a success response"));
            let content = &ok["content"];
            assert!(
                content
                    .get("application/json")
                    .or_else(|| content.get("text/plain"))
                    .is_some_and(|c| c["schema"].is_object()),
                "{method} {path}: a response schema"
            );
            assert!(op["responses"]["default"]["content"]["application/json"]["schema"].is_object(), "{method} {path}");
            if matches!(method.as_str(), "post" | "put" | "patch") && op.get("requestBody").is_some() {
                assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object(), "{method} {path}");
            }
        }
    }
    for id in OFFICIAL {
        assert!(served.iter().any(|s| s == id), "{id} is served");
    }
    assert_eq!(served.len(), OFFICIAL.len() + 1 + EXTENSIONS.len(), "plus whoamiGet and the extensions: {served:?}");
    assert!(served.iter().any(|s| s == "whoamiGet"));
    for id in EXTENSIONS {
        let op = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .find(|op| op["operationId"] == *id)
            .unwrap_or_else(|| panic!("{id} is served"));
        let description = op["description"].as_str().unwrap_or("");
        assert!(description.starts_with("Simulator extension"), "{id} says it is an extension: {description}");
    }
    assert!(!served.iter().any(|s| s.starts_with("postgres") || s.starts_with("clickStack")));
    assert!(doc["components"]["schemas"]["Service"]["required"].as_array().unwrap().contains(&json!("currentScaling")));
}

#[tokio::test]
async fn the_journal_metrics_and_fault_rules_use_the_official_operation_ids() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    sim.get(&format!("{ORG}/services/{id}")).await.assert_ok();
    let journal = sim.sim_get("/_sim/requests").await.body;
    let ops: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().filter_map(|e| e["operation"].as_str()).collect();
    assert!(ops.contains(&"instanceCreate") && ops.contains(&"instanceGet"), "{ops:?}");
    let metrics = sim.sim_get("/_sim/metrics").await.text;
    assert!(metrics.contains(r#"operation="instanceCreate""#), "{metrics}");
    let rule = json!({"id": "get-503", "match": {"provider": "clickhouse", "operation": "instanceGet"},
                      "action": {"kind": "status", "status": 503}});
    assert_eq!(sim.sim_post("/_sim/faults", rule).await.status, 200);
    sim.get(&format!("{ORG}/services/{id}")).await.assert_ch_error(503, "SERVICE_UNAVAILABLE");
    sim.get(&services_path()).await.assert_ok();
}

#[tokio::test]
async fn what_is_not_configured_answers_the_official_404_not_route_not_found() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    for tail in ["scalingSchedule", "upgradeWindow", "backupBucket", "clickpipesCdcScaling", "serviceQueryEndpoint"] {
        let r = sim.get(&svc_path(&id, tail)).await;
        r.assert_ch_error(404, "NOT_FOUND");
        assert!(!r.error().contains("Route not found"), "{tail}: {}", r.error());
    }
    for path in [format!("{ORG}/udfs/nothing"), format!("{ORG}/quotas/nothing"), format!("{ORG}/roles/{}", ORG_ID)] {
        let r = sim.get(&path).await;
        r.assert_ch_error(404, "NOT_FOUND");
        assert!(!r.error().contains("Route not found"), "{path}: {}", r.error());
    }
    // A truly unknown path is still the router's 404, in the envelope.
    sim.get(&format!("{ORG}/nothing")).await.assert_ch_error(404, "NOT_FOUND: Route not found");
}

#[tokio::test]
async fn whoami_names_the_key_and_its_organization() {
    // clickhousectl 0.5.0 calls GET /v1/whoami (`cloud auth whoami`, `auth login`).
    let sim = Sim::start().await;
    let r = sim.get("/v1/whoami").await;
    assert_eq!(
        r.assert_ok(),
        &json!({"actorType": "apiKey", "keyId": "00000000-0000-4000-8000-0000000000a1", "name": "sim-key",
                "organizationId": ORG_ID})
    );
    sim.send(Method::GET, "/v1/whoami", None, None, &[]).await.assert_ch_error(401, "UNAUTHORIZED");
    sim.send(Method::POST, "/v1/whoami", Some(KEY), Some(json!({})), &[])
        .await
        .assert_ch_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn the_new_families_round_trip_through_the_state_dump() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let window = json!({"weekday": 1, "startHourUtc": 6});
    sim.ch(Method::PUT, &svc_path(&id, "upgradeWindow"), Some(window)).await.assert_ok();
    sim.patch(&svc_path(&id, "clickhouseSettings"), json!({"settings": {"max_threads": 4}})).await.assert_ok();
    sim.post(&format!("{ORG}/roles"), json!({"name": "ops", "actors": [], "policies": []})).await.assert_ok();
    let before = sim.sim_get("/_sim/state").await.body;
    for table in ["roles", "upgradeWindows", "clickhouseSettings"] {
        assert_eq!(before["providers"]["clickhouse"][table].as_array().map(Vec::len), Some(1), "{table}");
    }
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"], before["providers"]["clickhouse"]);
    assert_eq!(sim.get(&svc_path(&id, "upgradeWindow")).await.assert_ok()["weekday"], 1);
}
