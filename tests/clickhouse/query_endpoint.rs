//! Service query endpoints: E7 GET, E8 DELETE, E9 POST upsert, the `queryEndpoint` alias
//! (spec §5 E7–E9, §9.2 S36–S38, CH-R40..R42; T-59..T-62, T-85).

use crate::support::*;

fn endpoint(id: &str) -> String {
    format!("{ORG}/services/{id}/serviceQueryEndpoint")
}

fn body() -> Value {
    json!({"roles": ["sql_console_read_only"], "openApiKeys": ["sim-key"], "allowedOrigins": "example.com"})
}

/// Activity types recorded for the default organization.
async fn activity_types(sim: &Sim) -> Vec<String> {
    let state = sim.sim_get("/_sim/state").await;
    state.body["providers"]["clickhouse"]["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter_map(|a| a["kind"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_service_without_query_endpoint_answers_404() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
}

#[tokio::test]
async fn upsert_creates_an_endpoint_and_a_second_upsert_replaces_it_keeping_its_id() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let created = sim.post(&endpoint(&id), body()).await.assert_ok().clone();
    let endpoint_id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(endpoint_id.len(), 36);
    assert_eq!(
        created,
        json!({"id": endpoint_id, "openApiKeys": ["sim-key"], "roles": ["sql_console_read_only"],
               "allowedOrigins": "example.com"})
    );
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &created);

    let replaced = sim
        .post(
            &endpoint(&id),
            json!({"roles": ["sql_console_admin", "sql_console_read_only"], "openApiKeys": ["sim-key"]}),
        )
        .await
        .assert_ok()
        .clone();
    assert_eq!(
        replaced,
        json!({"id": endpoint_id, "openApiKeys": ["sim-key"], "roles": ["sql_console_admin", "sql_console_read_only"]})
    );
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &replaced);
    let kinds = activity_types(&sim).await;
    // The official Activity.type enum has no query-endpoint type: nothing is recorded.
    assert!(!kinds.iter().any(|k| k.contains("query_endpoint")), "{kinds:?}");
}

#[tokio::test]
async fn invalid_upserts_are_refused_and_create_nothing() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let cases = [
        (json!({"roles": ["root"], "openApiKeys": ["sim-key"]}), "BAD_REQUEST: Invalid role 'root'"),
        (json!({"roles": [], "openApiKeys": ["sim-key"]}), "BAD_REQUEST: roles must not be empty"),
        (json!({"openApiKeys": ["sim-key"]}), "BAD_REQUEST: roles is required"),
        (json!({"roles": "sql_console_admin", "openApiKeys": ["sim-key"]}), "BAD_REQUEST: roles must be an array"),
        (json!({"roles": [1], "openApiKeys": ["sim-key"]}), "BAD_REQUEST: roles[0] must be a string"),
        (json!({"roles": ["sql_console_admin"], "openApiKeys": ["nope"]}), "BAD_REQUEST: API key 'nope' not found"),
        (json!({"roles": ["sql_console_admin"], "openApiKeys": []}), "BAD_REQUEST: openApiKeys must not be empty"),
        (json!({"roles": ["sql_console_admin"]}), "BAD_REQUEST: openApiKeys is required"),
        (
            json!({"roles": ["sql_console_admin"], "openApiKeys": ["sim-key"], "allowedOrigins": "bad origin"}),
            "BAD_REQUEST: Invalid allowedOrigins",
        ),
        (
            json!({"roles": ["sql_console_admin"], "openApiKeys": ["sim-key"], "allowedOrigins": 5}),
            "BAD_REQUEST: allowedOrigins must be a string",
        ),
    ];
    for (body, error) in cases {
        sim.post(&endpoint(&id), body).await.assert_ch_error(400, error);
        sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
    }
    assert!(!activity_types(&sim).await.contains(&"service_update_query_endpoints".to_owned()));
}

#[tokio::test]
async fn an_invalid_upsert_leaves_the_existing_endpoint_unchanged() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let created = sim.post(&endpoint(&id), body()).await.assert_ok().clone();
    sim.post(&endpoint(&id), json!({"roles": ["root"], "openApiKeys": ["sim-key"]}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: Invalid role 'root'");
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &created);
}

#[tokio::test]
async fn delete_removes_the_endpoint_and_a_second_delete_is_404() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.post(&endpoint(&id), body()).await.assert_ok();
    let r = sim.delete(&endpoint(&id)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], 200);
    assert_eq!(r.body["requestId"].as_str().map(str::len), Some(36));
    assert!(r.body.get("result").is_none(), "DELETE answers carry no result: {}", r.text);
    sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
    sim.delete(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
}

#[tokio::test]
async fn a_new_endpoint_after_delete_gets_a_new_id() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let first = sim.post(&endpoint(&id), body()).await.assert_ok()["id"].clone();
    sim.delete(&endpoint(&id)).await.assert_ok();
    let second = sim.post(&endpoint(&id), body()).await.assert_ok()["id"].clone();
    assert_ne!(first, second);
}

#[tokio::test]
async fn organizations_without_query_endpoints_get_403_on_every_operation() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.org_attrs(ORG_ID, json!({"queryEndpointsEnabled": false})).await;
    let forbidden = "FORBIDDEN: Service query endpoints are not enabled for this organization";
    sim.get(&endpoint(&id)).await.assert_ch_error(403, forbidden);
    sim.post(&endpoint(&id), body()).await.assert_ch_error(403, forbidden);
    sim.delete(&endpoint(&id)).await.assert_ch_error(403, forbidden);
    sim.org_attrs(ORG_ID, json!({"queryEndpointsEnabled": true})).await;
    sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
}

#[tokio::test]
async fn the_query_endpoint_alias_answers_like_the_canonical_path() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let alias = format!("{ORG}/services/{id}/queryEndpoint");
    sim.get(&alias).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
    let created = sim.post(&alias, body()).await.assert_ok().clone();
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &created);
    assert_eq!(sim.get(&alias).await.assert_ok(), &created);
    sim.delete(&alias).await.assert_ok();
    sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
}

#[tokio::test]
async fn query_endpoints_of_unknown_services_are_404() {
    let sim = Sim::start().await;
    let unknown = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    let not_found = format!("NOT_FOUND: Service {unknown} not found");
    sim.get(&endpoint(unknown)).await.assert_ch_error(404, &not_found);
    sim.post(&endpoint(unknown), body()).await.assert_ch_error(404, &not_found);
    sim.delete(&endpoint(unknown)).await.assert_ch_error(404, &not_found);
    sim.get(&endpoint("nope")).await.assert_ch_error(400, "BAD_REQUEST: Invalid serviceId");
}

#[tokio::test]
async fn a_terminating_service_keeps_its_endpoint_readable_but_refuses_changes() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let created = sim.post(&endpoint(&id), body()).await.assert_ok().clone();
    sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.delete(&format!("{ORG}/services/{id}")).await.assert_ok();
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &created);
    let conflict = "CONFLICT: Cannot update the query endpoint of service in state 'terminating'";
    sim.post(&endpoint(&id), body()).await.assert_ch_error(409, conflict);
    sim.delete(&endpoint(&id)).await.assert_ch_error(409, conflict);
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &created);
}

#[tokio::test]
async fn a_stopped_service_can_have_its_query_endpoint_configured() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    assert_eq!(sim.state_of(&id).await, "stopped");
    sim.post(&endpoint(&id), body()).await.assert_ok();
    sim.get(&endpoint(&id)).await.assert_ok();
}

#[tokio::test]
async fn a_key_of_another_organization_cannot_be_granted_access() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"keyId": "OTHERORGKEY", "keySecret": "s"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.post(&endpoint(&id), json!({"roles": ["sql_console_admin"], "openApiKeys": ["sim-key", "OTHERORGKEY"]}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: API key 'OTHERORGKEY' not found");
    sim.get(&endpoint(&id)).await.assert_ch_error(404, "NOT_FOUND: Service query endpoint not found");
}

#[tokio::test]
async fn upsert_binds_keys_by_their_uuid_and_an_empty_allowed_origins_means_unset() {
    // The live API binds keys by UUID (clickhousectl cloud/service_query.rs binds `key.id`
    // of a key created with `assignedRoleIds: []`, and sends `allowedOrigins: ""` when none
    // are given).
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let created = sim
        .post(
            &format!("{ORG}/keys"),
            json!({"name": "clickhousectl-query-svc", "assignedRoleIds": [], "state": "enabled"}),
        )
        .await
        .assert_ok()
        .clone();
    let key_uuid = created["key"]["id"].as_str().expect("key id").to_owned();
    let body = json!({"roles": ["sql_console_read_only"], "openApiKeys": [key_uuid], "allowedOrigins": ""});
    let bound = sim.post(&endpoint(&id), body).await.assert_ok().clone();
    assert_eq!(bound["openApiKeys"], json!([key_uuid]));
    assert!(bound.get("allowedOrigins").is_none(), "\"\" is unset: {bound}");
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &bound);
    // An unknown UUID is refused and changes nothing.
    let unknown = "00000000-0000-4000-8000-00000000dead";
    let r = sim.post(&endpoint(&id), json!({"roles": ["sql_console_admin"], "openApiKeys": [unknown]})).await;
    r.assert_ch_error(400, &format!("BAD_REQUEST: API key '{unknown}' not found"));
    assert_eq!(sim.get(&endpoint(&id)).await.assert_ok(), &bound);
}
