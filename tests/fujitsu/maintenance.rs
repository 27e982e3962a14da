//! Apply maintenance (seed 1.9.2.1, lines 12520–12622) and the database-service project
//! info (1.10.2.1, lines 12623–12690).

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

fn apply(id: &str) -> String {
    path(&format!("/applymaintenance/{id}"))
}

#[tokio::test]
async fn maintenance_is_a_rolling_update_through_modifying_back_to_active_with_its_event() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // Both nodes: no request body (seed 12585).
    fj.fj(Method::POST, &apply("db1"), None).await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "MODIFYING");
    fj.wait_active("db1").await;
    // The user-timed switchover: the secondary first, then the other node.
    fj.fj(Method::POST, &apply("db1"), Some(json!({"standby": true}))).await.assert_accepted();
    fj.wait_active("db1").await;
    fj.fj(Method::POST, &apply("db1"), Some(json!({"failover": true}))).await.assert_accepted();
    fj.wait_active("db1").await;
    let r = fj.fj_get(&path("/events?eventCategory=maintenance&duration=600")).await;
    let messages: Vec<&str> =
        r.body["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 3, "{}", r.text);
    assert!(messages[0].contains("former primary") && messages[1].contains("secondary"), "{messages:?}");
    let ops: Vec<String> =
        fj.journal("&method=POST").await.iter().filter_map(|e| e["operation"].as_str().map(str::to_owned)).collect();
    assert!(ops.iter().any(|o| o == "applyMaintenance"), "{ops:?}");
}

#[tokio::test]
async fn maintenance_rules_are_each_refused() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.create_instance_with("single", json!({"multi": false})).await;
    fj.wait_active("single").await;
    fj.fj(Method::POST, &apply("nope"), None).await.assert_fj_error(404, "DBInstanceNotFound");
    fj.fj(Method::POST, &apply("db1"), Some(json!({"standby": true, "failover": true})))
        .await
        .assert_fj_error(400, "failover");
    fj.fj(Method::POST, &apply("db1"), Some(json!({"standby": "yes"}))).await.assert_fj_error(400, "standby");
    fj.fj(Method::POST, &apply("single"), Some(json!({"standby": true}))).await.assert_fj_error(400, "standby");
    assert_eq!(fj.fj(Method::POST, &apply("single"), None).await.status, 202, "a single instance is maintained whole");
    fj.force_state("db1", "BUILD").await;
    fj.fj(Method::POST, &apply("db1"), None).await.assert_fj_error(422, "BUILD");
    fj.force_state("db1", "SHUTDOWN").await;
    fj.fj(Method::POST, &apply("db1"), None).await.assert_fj_error(422, "SHUTDOWN");
    assert_eq!(fj.instance_status("db1").await, "SHUTDOWN", "refused: nothing changed");
}

#[tokio::test]
async fn the_project_info_names_the_tenant() {
    let fj = Fj::start().await;
    let r = fj.fj_get(&path("/database-service")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"database_service": {"projectId": TENANT}}));
    fj.fj(Method::POST, &path("/database-service"), Some(json!({}))).await.assert_fj_error(405, "GET");
}
