//! Activities, the organization audit log (spec §9.5; test T-82).

use hyper::Method;

use crate::support::*;

async fn list(sim: &Sim, query: &str) -> Vec<Value> {
    let r = sim.get(&format!("{ORG}/activities{query}")).await;
    r.assert_ok().as_array().unwrap().clone()
}

fn types(list: &[Value]) -> Vec<&str> {
    list.iter().map(|a| a["type"].as_str().unwrap()).collect()
}

/// Create (t=0), running (t=60), stop (t=60), stopped (t=80), delete (t=80), gone (t=110).
async fn service_lifecycle(sim: &Sim) -> String {
    let id = sim.create_service(json!({})).await;
    sim.advance(60).await;
    sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let r = sim.delete(&format!("{ORG}/services/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.advance(30).await;
    id
}

#[tokio::test]
async fn the_audit_log_lists_service_operations_newest_first() {
    // T-82
    let sim = Sim::start().await;
    let id = service_lifecycle(&sim).await;
    let all = list(&sim, "").await;
    let t = types(&all);
    let pos = |k: &str| t.iter().position(|x| *x == k).unwrap_or_else(|| panic!("{k} missing in {t:?}"));
    assert!(pos("service_delete") < pos("service_stop"), "{t:?}");
    assert!(pos("service_stop") < pos("service_create"), "{t:?}");
    assert_eq!(t.last(), Some(&"create_organization"));
    let stamps: Vec<&str> = all.iter().map(|a| a["createdAt"].as_str().unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first: {stamps:?}");
    let create = &all[pos("service_create")];
    assert_eq!(create["serviceId"], id);
    assert_eq!(create["organizationId"], ORG_ID);
    assert_eq!(create["createdAt"], "2025-01-01T00:00:00Z");
}

#[tokio::test]
async fn from_and_to_dates_narrow_the_log_inclusively() {
    let sim = Sim::start().await;
    service_lifecycle(&sim).await;
    let all = list(&sim, "").await;
    let from = list(&sim, "?from_date=2025-01-01T00:01:20Z").await;
    assert!(from.len() < all.len());
    assert!(from.iter().all(|a| a["createdAt"].as_str().unwrap() >= "2025-01-01T00:01:20Z"));
    assert!(types(&from).contains(&"service_delete") && !types(&from).contains(&"service_stop"));
    let window = list(&sim, "?from_date=2025-01-01T00:01:00Z&to_date=2025-01-01T00:01:00%2B00:00").await;
    assert!(!window.is_empty());
    assert!(window.iter().all(|a| a["createdAt"] == "2025-01-01T00:01:00Z"), "{window:?}");
    assert!(types(&window).contains(&"service_stop"));
    // A bare date is midnight UTC (§9.5), so as an upper bound it keeps only t=0.
    let midnight = list(&sim, "?to_date=2025-01-01").await;
    assert_eq!(types(&midnight), ["service_create", "create_organization"]);
    assert_eq!(list(&sim, "?from_date=2025-01-01").await.len(), all.len());
}

#[tokio::test]
async fn invalid_activity_dates_are_bad_requests() {
    let sim = Sim::start().await;
    let cases = [
        ("?from_date=yesterday", "BAD_REQUEST: from_date must be an ISO-8601 date-time"),
        ("?to_date=2025-13-01", "BAD_REQUEST: to_date must be an ISO-8601 date-time"),
        ("?from_date=2025-01-02&to_date=2025-01-01", "BAD_REQUEST: to_date must not be before from_date"),
    ];
    for (query, error) in cases {
        sim.get(&format!("{ORG}/activities{query}")).await.assert_ch_error(400, error);
    }
}

#[tokio::test]
async fn an_activity_is_read_by_id_with_its_api_actor() {
    let sim = Sim::start().await;
    let body = json!({"name": "my service", "provider": "aws", "region": "us-east-1"});
    let r =
        sim.send(Method::POST, &format!("{ORG}/services"), Some(KEY), Some(body), &[("user-agent", "tests/1.0")]).await;
    r.assert_ok();
    let first = list(&sim, "").await[0].clone();
    assert_eq!(first["type"], "service_create");
    assert_eq!(first["actorType"], "api");
    assert_eq!(first["actorId"], "00000000-0000-4000-8000-0000000000a1");
    assert_eq!(first["actorIpAddress"], "127.0.0.1");
    assert_eq!(first["userAgent"], "tests/1.0");
    assert!(first.get("keyUpdateType").is_none() && first.get("targetKeyId").is_none());
    let id = first["id"].as_str().unwrap();
    assert_eq!(sim.get(&format!("{ORG}/activities/{id}")).await.assert_ok(), &first);
    let r = sim.get(&format!("{ORG}/activities/no-such-activity")).await;
    r.assert_ch_error(404, "NOT_FOUND: Activity no-such-activity not found");
}

#[tokio::test]
async fn timer_transitions_are_recorded_as_system_activities() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    sim.advance(60).await;
    let running = list(&sim, "").await[0].clone();
    assert_eq!(running["type"], "service_running");
    assert_eq!(running["actorType"], "system");
    assert_eq!(running["createdAt"], "2025-01-01T00:01:00Z");
}

#[tokio::test]
async fn another_organizations_activities_are_invisible() {
    let sim = Sim::start().await;
    let org2 = "22222222-2222-4222-8222-222222222222";
    sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    let id = list(&sim, "").await[0]["id"].as_str().unwrap().to_owned();
    let k2 = Some(("k2", "s2"));
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/activities/{id}"), k2, None, &[]).await;
    r.assert_ch_error(404, "NOT_FOUND: Activity");
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/activities"), k2, None, &[]).await;
    let own = r.assert_ok().as_array().unwrap().clone();
    assert_eq!(types(&own), ["create_organization"]);
    assert_eq!(own[0]["organizationId"], org2);
}

#[tokio::test]
async fn every_recorded_activity_type_is_one_of_the_official_enum() {
    // Official `Activity.type`: transitions without a type of their own (stopped, failed,
    // terminated) and query-endpoint changes leave no entry.
    let sim = Sim::start().await;
    let id = service_lifecycle(&sim).await;
    let other = sim.running_service().await;
    let qe = json!({"roles": ["sql_console_admin"], "openApiKeys": ["00000000-0000-4000-8000-0000000000a1"]});
    sim.post(&format!("{ORG}/services/{other}/serviceQueryEndpoint"), qe).await.assert_ok();
    let doc = crate::support::schema::contract().doc();
    let official: Vec<&str> = doc["components"]["schemas"]["Activity"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let all = list(&sim, "").await;
    for t in types(&all) {
        assert!(official.contains(&t), "{t} is an official activity type");
    }
    let of_service: Vec<&str> =
        all.iter().filter(|a| a["serviceId"] == id.as_str()).map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(of_service, ["service_delete", "service_stop", "service_running", "service_create"]);
}
