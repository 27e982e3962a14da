//! Organizations (spec §9.1): get, update (name, private endpoints, core dumps), the
//! organization-level private endpoint configuration and its alias (T-77, T-85).

use crate::support::*;

/// The `type`s of the organization's activities, newest first.
async fn activity_types(sim: &Sim) -> Vec<String> {
    let r = sim.get(&format!("{ORG}/activities")).await;
    r.assert_ok().as_array().unwrap().iter().map(|a| a["type"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn get_organization_answers_the_visible_fields_only() {
    let sim = Sim::start().await;
    let org = sim.get(ORG).await.assert_ok().clone();
    assert_eq!(
        org,
        json!({
            "id": ORG_ID,
            "name": "sim-org",
            "createdAt": "2025-01-01T00:00:00Z",
            "privateEndpoints": [],
            "byocConfig": [],
            "enableCoreDumps": true,
        })
    );
}

#[tokio::test]
async fn renaming_the_organization_is_stored_and_audited() {
    // T-77
    let sim = Sim::start().await;
    let r = sim.patch(ORG, json!({"name": "renamed org"})).await;
    assert_eq!(r.assert_ok()["name"], "renamed org");
    assert_eq!(sim.get(ORG).await.assert_ok()["name"], "renamed org");
    assert_eq!(sim.get("/v1/organizations").await.assert_ok()[0]["name"], "renamed org");
    let types = activity_types(&sim).await;
    assert_eq!(types[0], "organization_update_name");
    // Same name again: no new activity.
    sim.patch(ORG, json!({"name": "renamed org"})).await.assert_ok();
    assert_eq!(activity_types(&sim).await.len(), types.len());
}

#[tokio::test]
async fn an_invalid_organization_name_is_refused_and_changes_nothing() {
    let sim = Sim::start().await;
    for name in [json!("a".repeat(51)), json!(""), json!("   ")] {
        let r = sim.patch(ORG, json!({"name": name, "enableCoreDumps": false})).await;
        r.assert_ch_error(400, "BAD_REQUEST: name must be 1-50 characters");
    }
    let r = sim.patch(ORG, json!({"name": 5})).await;
    r.assert_ch_error(400, "BAD_REQUEST: name must be a string");
    let org = sim.get(ORG).await.assert_ok().clone();
    assert_eq!(org["name"], "sim-org");
    assert_eq!(org["enableCoreDumps"], true);
}

#[tokio::test]
async fn private_endpoints_are_added_and_removed_by_id() {
    let sim = Sim::start().await;
    let add = json!({"privateEndpoints": {"add": [
        {"id": "vpce-1", "description": "one", "cloudProvider": "aws", "region": "us-east-1"},
        {"id": "pe-2", "cloudProvider": "gcp", "region": "us-east1"},
    ]}});
    let org = sim.patch(ORG, add).await.assert_ok().clone();
    assert_eq!(
        org["privateEndpoints"],
        json!([
            {"id": "vpce-1", "description": "one", "cloudProvider": "aws", "region": "us-east-1"},
            {"id": "pe-2", "description": "", "cloudProvider": "gcp", "region": "us-east1"},
        ])
    );
    // A service in the same provider/region sees it as available.
    let svc = sim.create_service(json!({})).await;
    let s = sim.get(&format!("{ORG}/services/{svc}")).await.assert_ok().clone();
    assert_eq!(s["availablePrivateEndpointIds"], json!(["vpce-1"]));
    let org = sim.patch(ORG, json!({"privateEndpoints": {"remove": [{"id": "vpce-1"}]}})).await.assert_ok().clone();
    assert_eq!(org["privateEndpoints"].as_array().unwrap().len(), 1);
    assert_eq!(org["privateEndpoints"][0]["id"], "pe-2");
}

#[tokio::test]
async fn an_invalid_private_endpoint_is_refused_naming_its_field_and_changes_nothing() {
    let sim = Sim::start().await;
    let cases = [
        (
            json!({"add": [{"id": "vpce-1", "cloudProvider": "oracle", "region": "us-east-1"}]}),
            "BAD_REQUEST: privateEndpoints.add[0].cloudProvider must be one of aws, gcp, azure",
        ),
        (
            json!({"add": [{"id": "vpce-1", "cloudProvider": "aws", "region": "eastus"}]}),
            "BAD_REQUEST: privateEndpoints.add[0].region: Region 'eastus' is not available for provider 'aws'",
        ),
        (
            json!({"add": [{"id": "vpce-1", "cloudProvider": "aws", "region": "mars-1"}]}),
            "BAD_REQUEST: privateEndpoints.add[0].region: Unsupported region 'mars-1'",
        ),
        (
            json!({"add": [{"cloudProvider": "aws", "region": "us-east-1"}]}),
            "BAD_REQUEST: privateEndpoints.add[0].id is required",
        ),
        (
            json!({"add": [{"id": "vpce-1", "region": "us-east-1"}]}),
            "BAD_REQUEST: privateEndpoints.add[0].cloudProvider is required",
        ),
        (json!([{"id": "vpce-1"}]), "BAD_REQUEST: privateEndpoints must be an object with add/remove"),
    ];
    for (patch, error) in cases {
        let r = sim.patch(ORG, json!({"name": "changed", "privateEndpoints": patch})).await;
        r.assert_ch_error(400, error);
    }
    let org = sim.get(ORG).await.assert_ok().clone();
    assert_eq!(org["privateEndpoints"], json!([]));
    assert_eq!(org["name"], "sim-org");
}

#[tokio::test]
async fn a_private_endpoint_attached_to_a_service_cannot_be_removed() {
    let sim = Sim::start().await;
    let pe = json!({"id": "vpce-1", "cloudProvider": "aws", "region": "us-east-1"});
    sim.patch(ORG, json!({"privateEndpoints": {"add": [pe]}})).await.assert_ok();
    let svc = sim.create_service(json!({})).await;
    sim.patch(&format!("{ORG}/services/{svc}"), json!({"privateEndpointIds": {"add": ["vpce-1"]}})).await.assert_ok();
    let r = sim.patch(ORG, json!({"privateEndpoints": {"remove": [{"id": "vpce-1"}]}})).await;
    r.assert_ch_error(409, &format!("CONFLICT: Private endpoint 'vpce-1' is in use by service {svc}"));
    assert_eq!(sim.get(ORG).await.assert_ok()["privateEndpoints"][0]["id"], "vpce-1");
}

#[tokio::test]
async fn disabling_core_dumps_on_the_organization_refuses_them_on_new_services() {
    let sim = Sim::start().await;
    let r = sim.patch(ORG, json!({"enableCoreDumps": false})).await;
    assert_eq!(r.assert_ok()["enableCoreDumps"], false);
    let body = json!({"name": "s", "provider": "aws", "region": "us-east-1", "enableCoreDumps": true});
    let r = sim.post(&format!("{ORG}/services"), body).await;
    r.assert_ch_error(400, "BAD_REQUEST: Core dumps are disabled for this organization");
    let r = sim.patch(ORG, json!({"enableCoreDumps": "no"})).await;
    r.assert_ch_error(400, "BAD_REQUEST: enableCoreDumps must be a boolean");
}

#[tokio::test]
async fn organization_private_endpoint_config_is_stable_per_region() {
    // S7
    let sim = Sim::start().await;
    let path = format!("{ORG}/privateEndpointConfig?cloud_provider=aws&region_id=us-east-1");
    let first = sim.get(&path).await.assert_ok().clone();
    let id = first["endpointServiceId"].as_str().unwrap();
    assert!(id.starts_with("com.amazonaws.vpce.us-east-1.vpce-svc-"), "{id}");
    assert_eq!(id.len(), "com.amazonaws.vpce.us-east-1.vpce-svc-".len() + 17);
    sim.create_service(json!({})).await; // other requests draw from the RNG meanwhile
    assert_eq!(sim.get(&path).await.assert_ok(), &first);
    let other = sim.get(&format!("{ORG}/privateEndpointConfig?cloud_provider=aws&region_id=eu-west-1")).await;
    assert_ne!(other.assert_ok()["endpointServiceId"], first["endpointServiceId"]);
    let gcp = sim.get(&format!("{ORG}/privateEndpointConfig?cloud_provider=gcp&region_id=us-east1")).await;
    assert_eq!(
        gcp.assert_ok()["endpointServiceId"],
        "projects/ch-sim-us-east1/regions/us-east1/serviceAttachments/clickhouse-cloud"
    );
    let azure = sim.get(&format!("{ORG}/privateEndpointConfig?cloud_provider=azure&region_id=eastus")).await;
    assert!(azure.assert_ok()["endpointServiceId"].as_str().unwrap().ends_with(".eastus.azure.privatelinkservice"));
}

#[tokio::test]
async fn organization_private_endpoint_config_needs_valid_parameters() {
    let sim = Sim::start().await;
    let cases = [
        ("?region_id=us-east-1", "BAD_REQUEST: cloud_provider is required"),
        ("?cloud_provider=aws", "BAD_REQUEST: region_id is required"),
        ("?cloud_provider=oracle&region_id=us-east-1", "BAD_REQUEST: cloud_provider must be one of aws, gcp, azure"),
        ("?cloud_provider=aws&region_id=eastus", "BAD_REQUEST: region_id: Region 'eastus' is not available"),
    ];
    for (query, error) in cases {
        sim.get(&format!("{ORG}/privateEndpointConfig{query}")).await.assert_ch_error(400, error);
    }
    let r = sim.get(&format!("{ORG}/privateEndpointInfo/aws/mars-1")).await;
    r.assert_ch_error(400, "BAD_REQUEST: region: Unsupported region 'mars-1'");
}

#[tokio::test]
async fn the_private_endpoint_info_alias_answers_like_the_canonical_path() {
    // T-85 (organization part)
    let sim = Sim::start().await;
    let canonical = sim.get(&format!("{ORG}/privateEndpointConfig?cloud_provider=aws&region_id=us-east-1")).await;
    let alias = sim.get(&format!("{ORG}/privateEndpointInfo/aws/us-east-1")).await;
    assert_eq!(alias.assert_ok(), canonical.assert_ok());
    // With the aliases switched off, only the canonical path exists.
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.rcAliases": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.get(&format!("{ORG}/privateEndpointInfo/aws/us-east-1")).await;
    r.assert_ch_error(404, "NOT_FOUND: Route not found");
}
