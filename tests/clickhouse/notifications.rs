//! Notifications (`GET ORG/notifications`, clickhousectl 0.5.0's `cloud org
//! notifications`), the type catalog (`GET ORG/notificationTypes`, `cloud org
//! notification-types`) and the hook that raises notifications: newest-first cursor
//! pages, every filter, every rule broken once with nothing changed, isolation, the cap,
//! dump/restore/reset.

use hyper::Method;

use crate::support::*;

const HOOK: &str = "/_sim/clickhouse/organizations/00000000-0000-4000-8000-000000000001/notifications";

fn path() -> String {
    format!("{ORG}/notifications")
}

async fn raise(sim: &Sim, body: Value) -> Value {
    let r = sim.sim_post(HOOK, body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.clone()
}

async fn ids(sim: &Sim, query: &str) -> Vec<String> {
    let r = sim.get(&format!("{}{query}", path())).await;
    r.assert_ok().as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_catalog_lists_every_type_with_its_severity() {
    let sim = Sim::start().await;
    let types = sim.get(&format!("{ORG}/notificationTypes")).await.assert_ok().clone();
    let types = types.as_array().unwrap();
    assert!(types.len() >= 5);
    for t in types {
        assert!(["info", "warning", "critical"].contains(&t["severity"].as_str().unwrap()), "{t}");
        assert_eq!(t["isAvailable"], true);
    }
    assert!(types.iter().any(|t| t["name"] == "service_idle" && t["resourceType"] == "service"));
    // An organization with nothing raised has an empty first page.
    let r = sim.get(&path()).await;
    assert_eq!(r.assert_ok(), &json!([]));
    assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(100), json!(0)));
    assert!(r.body.get("nextCursor").is_none());
}

#[tokio::test]
async fn raised_notifications_page_newest_first_and_filter() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let idle = raise(&sim, json!({"type": "service_idle", "resourceId": svc, "resourceName": "svc"})).await;
    assert_eq!(idle["severity"], "info");
    assert_eq!(idle["resourceType"], "service");
    assert_eq!(idle["title"], "Service idled");
    sim.advance(3600).await;
    let low = raise(&sim, json!({"type": "billing_credits_low", "resourceId": ORG_ID, "title": "Top up"})).await;
    assert_eq!((low["severity"].as_str(), low["title"].as_str()), (Some("warning"), Some("Top up")));
    assert_eq!(low["createdAt"], "2025-01-01T01:01:00Z");
    let crit = raise(&sim, json!({"type": "service_storage_high", "resourceId": svc, "severity": "critical"})).await;

    assert_eq!(ids(&sim, "").await, vec![id(&crit), id(&low), id(&idle)]);
    // One a page, following nextCursor to the end.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=1&cursor={c}"),
            None => "?limit=1".into(),
        };
        let r = sim.get(&format!("{}{q}", path())).await;
        let page = r.assert_ok().as_array().unwrap().clone();
        assert_eq!((page.len(), r.body["totalCount"].clone()), (1, json!(3)));
        seen.push(id(&page[0]));
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec![id(&crit), id(&low), id(&idle)]);

    assert_eq!(ids(&sim, "?severity=warning").await, vec![id(&low)]);
    assert_eq!(ids(&sim, "?type=service_idle").await, vec![id(&idle)]);
    assert_eq!(ids(&sim, "?resource_type=organization").await, vec![id(&low)]);
    assert_eq!(ids(&sim, &format!("?resource_id={svc}")).await, vec![id(&crit), id(&idle)]);
    assert_eq!(ids(&sim, "?from_date=2025-01-01T01:00:00Z").await, vec![id(&crit), id(&low)]);
    assert_eq!(ids(&sim, "?to_date=2025-01-01T00:01:00Z").await, vec![id(&idle)]);
    assert_eq!(ids(&sim, "?severity=info&type=billing_credits_low").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_service_id_matches_the_notifications_of_its_clickpipes() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let body = json!({"name": "p", "source": {"kafka": {"brokers": "b:9092", "topics": "t", "format": "JSONEachRow"}},
                      "destination": {"database": "default", "table": "t"}});
    let pipe = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), body).await;
    let pipe = id(pipe.assert_ok());
    let n = raise(&sim, json!({"type": "clickpipe_failed", "resourceId": pipe})).await;
    assert_eq!(n["resourceType"], "clickpipe");
    assert_eq!(ids(&sim, &format!("?resource_id={svc}")).await, vec![id(&n)]);
    assert_eq!(ids(&sim, &format!("?resource_id={pipe}")).await, vec![id(&n)]);
}

#[tokio::test]
async fn every_query_rule_names_its_parameter() {
    let sim = Sim::start().await;
    raise(&sim, json!({"type": "service_idle", "resourceId": "x"})).await;
    for (q, want) in [
        ("limit=0", "BAD_REQUEST: limit"),
        ("limit=251", "BAD_REQUEST: limit"),
        ("limit=ten", "BAD_REQUEST: limit"),
        ("cursor=zz", "BAD_REQUEST: cursor"),
        ("severity=high", "BAD_REQUEST: severity must be one of info, warning, critical"),
        ("type=nope", "BAD_REQUEST: type must be one of"),
        ("resource_type=bucket", "BAD_REQUEST: resource_type must be one of"),
        ("from_date=2025-01-01", "BAD_REQUEST: from_date must be an RFC 3339 date-time"),
        ("to_date=soon", "BAD_REQUEST: to_date must be an RFC 3339 date-time"),
        (
            "from_date=2025-02-01T00:00:00Z&to_date=2025-01-01T00:00:00Z",
            "BAD_REQUEST: from_date must not be after to_date",
        ),
    ] {
        sim.get(&format!("{}?{q}", path())).await.assert_ch_error(400, want);
    }
    assert_eq!(ids(&sim, "?limit=250").await.len(), 1);
}

#[tokio::test]
async fn every_rule_of_the_hook_names_its_field_and_changes_nothing() {
    let sim = Sim::start().await;
    for (body, want) in [
        (json!({"resourceId": "x"}), "type is required"),
        (json!({"type": "nope", "resourceId": "x"}), "type must be one of"),
        (json!({"type": "service_idle"}), "resourceId is required"),
        (json!({"type": "service_idle", "resourceId": " "}), "resourceId must not be empty"),
        (json!({"type": "service_idle", "resourceId": "x", "severity": "loud"}), "severity must be one of"),
        (json!({"type": "service_idle", "resourceId": "x", "title": ""}), "title must be 1 to 1024 characters"),
        (json!({"type": "service_idle", "resourceId": "x", "colour": 1}), "colour is not a field"),
    ] {
        let r = sim.sim_post(HOOK, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        let msg = r.body["error"].as_str().unwrap_or_default();
        assert!(msg.starts_with(want), "{body}: {msg:?} / {want:?}");
    }
    assert!(ids(&sim, "").await.is_empty());
}

#[tokio::test]
async fn notifications_belong_to_their_organization_and_the_oldest_go_at_the_cap() {
    let sim = Sim::start().await;
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .sim_post(
            &format!("/_sim/clickhouse/organizations/{org2}/notifications"),
            json!({"type": "service_idle", "resourceId": "o2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(ids(&sim, "").await.is_empty(), "the other organization's notification is not ours");
    let k2 = Some(("k2", "s2"));
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/notifications"), k2, None, &[]).await;
    assert_eq!(r.assert_ok().as_array().unwrap().len(), 1);
    let r = sim.send(Method::GET, &path(), k2, None, &[]).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);

    sim.sim_patch("/_sim/config", json!({"clickhouse.maxNotificationsPerOrg": 2})).await;
    let a = raise(&sim, json!({"type": "service_idle", "resourceId": "a"})).await;
    let b = raise(&sim, json!({"type": "service_idle", "resourceId": "b"})).await;
    let c = raise(&sim, json!({"type": "service_idle", "resourceId": "c"})).await;
    assert_eq!(ids(&sim, "").await, vec![id(&c), id(&b)]);
    assert_ne!(id(&a), id(&c));
}

#[tokio::test]
async fn notifications_round_trip_through_the_state_dump_and_reset_clears_them() {
    let sim = Sim::start().await;
    let n = raise(&sim, json!({"type": "service_idle", "resourceId": "x"})).await;
    let before = sim.sim_get("/_sim/state").await.body;
    assert_eq!(before["providers"]["clickhouse"]["notifications"].as_array().map(Vec::len), Some(1));
    assert_eq!(sim.sim_post("/_sim/reset", json!({})).await.status, 200);
    assert!(ids(&sim, "").await.is_empty());
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&sim, "").await, vec![id(&n)]);
    // The next one is newer than the restored one.
    let m = raise(&sim, json!({"type": "service_idle", "resourceId": "y"})).await;
    assert_eq!(ids(&sim, "").await, vec![id(&m), id(&n)]);
}
