//! Prometheus HTTP service discovery (`GET ORG/prometheus/discovery`, clickhousectl
//! 0.5.0's `cloud org prometheus discovery`): a bare array of target groups, one per
//! service, whose targets and paths scrape the simulator itself.

use hyper::Method;

use crate::support::*;

fn path(q: &str) -> String {
    format!("{ORG}/prometheus/discovery{q}")
}

#[tokio::test]
async fn discovery_lists_one_scrapable_group_per_service() {
    let sim = Sim::start().await;
    let r = sim.get(&path("")).await;
    assert_eq!((r.status, r.body.clone()), (200, json!([])), "no services, no groups: {}", r.text);
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    let r = sim.get(&path("")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let groups = r.body.as_array().expect("a bare array, no envelope").clone();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["labels"]["clickhouse_service_id"], a.as_str());
    assert_eq!(groups[1]["labels"]["clickhouse_service_id"], b.as_str());
    let labels = &groups[0]["labels"];
    assert_eq!(labels["clickhouse_org_id"], ORG_ID);
    assert_eq!(labels["__scheme__"], "http");
    assert!(labels.get("__param_filtered_metrics").is_none());
    assert_eq!(labels["__meta_clickhouse_provider"], "aws");
    assert!(labels["clickhouse_discovery_service_name"].is_string());
    // The group's target and path are the service's own Prometheus endpoint here.
    let metrics_path = labels["__metrics_path__"].as_str().unwrap().to_owned();
    assert_eq!(metrics_path, format!("{ORG}/services/{a}/prometheus"));
    assert_eq!(groups[0]["targets"].as_array().unwrap().len(), 1);
    let scraped = sim.get(&metrics_path).await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.text.contains("ClickHouse_ServiceInfo"), "{}", scraped.text);

    let r = sim.get(&path("?filtered_metrics=true")).await;
    assert_eq!(r.body[0]["labels"]["__param_filtered_metrics"], "true");
    sim.get(&path("?filtered_metrics=maybe"))
        .await
        .assert_ch_error(400, "BAD_REQUEST: filtered_metrics must be a boolean");
}

#[tokio::test]
async fn discovery_shows_only_the_callers_organization() {
    let sim = Sim::start().await;
    sim.running_service().await;
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let k2 = Some(("k2", "s2"));
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/prometheus/discovery"), k2, None, &[]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!([])), "{}", r.text);
    let r = sim.send(Method::GET, &path(""), k2, None, &[]).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);
}
