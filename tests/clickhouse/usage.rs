//! Usage cost (spec §9.6; test T-83).

use crate::support::*;

async fn usage(sim: &Sim, query: &str) -> Value {
    sim.get(&format!("{ORG}/usageCost{query}")).await.assert_ok().clone()
}

#[tokio::test]
async fn usage_cost_needs_both_dates_and_at_most_31_days() {
    // T-83
    let sim = Sim::start().await;
    let ok = usage(&sim, "?from_date=2025-01-01&to_date=2025-01-31").await;
    assert!(ok["grandTotalCHC"].is_number(), "{ok}");
    assert!(ok["costs"].is_array(), "{ok}");
    let cases = [
        ("?from_date=2025-01-01&to_date=2025-02-01", "BAD_REQUEST: to_date must be within 31 days of from_date"),
        ("?from_date=2025-01-01", "BAD_REQUEST: to_date is required"),
        ("?to_date=2025-01-01", "BAD_REQUEST: from_date is required"),
        ("", "BAD_REQUEST: from_date is required"),
        ("?from_date=2025-01-10&to_date=2025-01-09", "BAD_REQUEST: to_date must not be before from_date"),
        ("?from_date=01/01/2025&to_date=2025-01-09", "BAD_REQUEST: from_date must be a date in YYYY-MM-DD format"),
        ("?from_date=2025-01-01&to_date=2025-01-02&filter=owner", "BAD_REQUEST: filter must be tag:<key>"),
    ];
    for (query, error) in cases {
        sim.get(&format!("{ORG}/usageCost{query}")).await.assert_ch_error(400, error);
    }
}

#[tokio::test]
async fn compute_cost_follows_replicas_memory_and_running_hours() {
    let sim = Sim::start().await;
    // 3 replicas × 120 GB, never idle: 3.6 CHC per running hour.
    let id = sim.create_service(json!({"idleScaling": false})).await;
    sim.advance(60).await; // running from 00:01
    sim.advance(3600).await; // now 01:01: one hour of running
    let u = usage(&sim, "?from_date=2025-01-01&to_date=2025-01-31").await;
    assert_eq!(u["grandTotalCHC"], json!(3.6));
    let costs = u["costs"].as_array().unwrap();
    assert_eq!(costs.len(), 2, "one warehouse and one service record for today: {u}");
    assert_eq!(costs[0]["entityType"], "datawarehouse");
    assert_eq!(costs[0]["serviceId"], Value::Null);
    assert_eq!(costs[0]["totalCHC"], json!(0.0));
    let svc = &costs[1];
    assert_eq!(svc["entityType"], "service");
    assert_eq!(svc["entityId"], id);
    assert_eq!(svc["serviceId"], id);
    assert_eq!(svc["entityName"], "my service");
    assert_eq!(svc["dataWarehouseId"], costs[0]["entityId"]);
    assert_eq!(svc["date"], "2025-01-01");
    assert_eq!(svc["metrics"]["computeCHC"], json!(3.6));
    assert_eq!(svc["metrics"]["storageCHC"], json!(0.0));
    assert_eq!(svc["metrics"]["interRegionTier4DataTransferCHC"], json!(0.0));
    assert_eq!(svc["totalCHC"], json!(3.6));
    assert_eq!(svc["locked"], false);
    // The same question gives the same answer.
    assert_eq!(usage(&sim, "?from_date=2025-01-01&to_date=2025-01-31").await, u);
}

#[tokio::test]
async fn days_split_the_running_hours_and_old_days_are_locked() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleScaling": false})).await;
    sim.advance(60).await;
    sim.advance(3 * 24 * 3600).await; // now 2025-01-04T00:01:00Z
    let u = usage(&sim, "?from_date=2025-01-01&to_date=2025-01-10").await;
    let service_days: Vec<&Value> = u["costs"].as_array().unwrap().iter().filter(|c| c["entityId"] == id).collect();
    let dates: Vec<&str> = service_days.iter().map(|c| c["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]);
    let compute: Vec<f64> = service_days.iter().map(|c| c["metrics"]["computeCHC"].as_f64().unwrap()).collect();
    assert_eq!(compute, [86.34, 86.4, 86.4, 0.06]); // 23h59m, 24h, 24h, 1m at 3.6 CHC/h
    let locked: Vec<bool> = service_days.iter().map(|c| c["locked"].as_bool().unwrap()).collect();
    assert_eq!(locked, [true, true, false, false]);
    let total: f64 = u["costs"].as_array().unwrap().iter().map(|c| c["totalCHC"].as_f64().unwrap()).sum();
    assert_eq!(u["grandTotalCHC"].as_f64().unwrap(), (total * 100.0).round() / 100.0);
}

#[tokio::test]
async fn a_tag_filter_selects_services_by_tag() {
    let sim = Sim::start().await;
    let tagged = sim.create_service(json!({"name": "tagged", "tags": [{"key": "team", "value": "a"}]})).await;
    sim.create_service(json!({"name": "plain"})).await;
    let u = usage(&sim, "?from_date=2025-01-01&to_date=2025-01-01&filter=tag:team=a").await;
    let ids: Vec<&Value> = u["costs"].as_array().unwrap().iter().map(|c| &c["entityId"]).collect();
    assert_eq!(ids, [&json!(tagged)]);
    let none = usage(&sim, "?from_date=2025-01-01&to_date=2025-01-01&filter=tag:team=b").await;
    assert_eq!(none["costs"], json!([]));
}

#[tokio::test]
async fn days_before_an_entity_existed_or_after_today_have_no_records() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    let before = usage(&sim, "?from_date=2024-12-01&to_date=2024-12-31").await;
    assert_eq!(before, json!({"grandTotalCHC": 0.0, "costs": []}));
    let future = usage(&sim, "?from_date=2025-01-02&to_date=2025-01-05").await;
    assert_eq!(future["costs"], json!([]));
}
