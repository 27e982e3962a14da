//! Replica-aware routing (`SVC/replicaAwareRouting`) and snapshots
//! (`SVC/snapshotConfiguration`, `SVC/snapshots[/{id}]`), the operations clickhousectl
//! 0.5.0's `cloud service replica-aware-routing` and `cloud service snapshot` call: round
//! trips, every rule broken once with nothing changed, snapshots on the clock,
//! isolation, the cap, the cascade with the service, dump/restore/reset.

use hyper::Method;

use crate::support::*;

fn svc_path(svc: &str, tail: &str) -> String {
    format!("{ORG}/services/{svc}/{tail}")
}

async fn snapshot_ids(sim: &Sim, svc: &str) -> Vec<String> {
    let r = sim.get(&svc_path(svc, "snapshots")).await;
    r.assert_ok().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn replica_aware_routing_reads_off_and_merges_what_is_set() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let path = svc_path(&svc, "replicaAwareRouting");
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"httpEnabled": false, "nativeEnabled": false}));
    let r = sim.patch(&path, json!({"httpEnabled": true})).await;
    assert_eq!(r.assert_ok(), &json!({"httpEnabled": true, "nativeEnabled": false}));
    let r = sim.patch(&path, json!({"nativeEnabled": true})).await;
    assert_eq!(r.assert_ok(), &json!({"httpEnabled": true, "nativeEnabled": true}));
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"httpEnabled": true, "nativeEnabled": true}));

    for (body, want) in [
        (json!({}), "BAD_REQUEST: httpEnabled or nativeEnabled is required"),
        (json!({"httpEnabled": "yes"}), "BAD_REQUEST: httpEnabled must be a boolean"),
        (json!({"nativeEnabled": 1}), "BAD_REQUEST: nativeEnabled must be a boolean"),
    ] {
        sim.patch(&path, body).await.assert_ch_error(400, want);
    }
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"httpEnabled": true, "nativeEnabled": true}));

    // Another service keeps its own; an unknown one is the official 404.
    let other = sim.running_service().await;
    assert_eq!(sim.get(&svc_path(&other, "replicaAwareRouting")).await.assert_ok()["httpEnabled"], false);
    let unknown = "99999999-9999-4999-8999-999999999999";
    sim.get(&svc_path(unknown, "replicaAwareRouting"))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
    sim.get(&svc_path("nope", "replicaAwareRouting")).await.assert_ch_error(400, "BAD_REQUEST: Invalid serviceId");
}

#[tokio::test]
async fn a_snapshot_schedule_takes_snapshots_on_the_clock_and_keeps_its_time_frame() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let cfg = svc_path(&svc, "snapshotConfiguration");
    sim.get(&cfg).await.assert_ch_error(404, "NOT_FOUND: Snapshot configuration not found");
    assert!(snapshot_ids(&sim, &svc).await.is_empty());

    let r = sim.patch(&cfg, json!({"enabled": true})).await;
    assert_eq!(r.assert_ok(), &json!({"enabled": true, "gap": 60, "timeFrame": 1440}));
    let r = sim.patch(&cfg, json!({"gap": 60, "timeFrame": 180})).await;
    assert_eq!(r.assert_ok(), &json!({"enabled": true, "gap": 60, "timeFrame": 180}));
    assert_eq!(sim.get(&cfg).await.assert_ok(), r.assert_ok());

    sim.advance(3600).await; // the first snapshot starts
    let list = sim.get(&svc_path(&svc, "snapshots")).await.assert_ok().clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["status"], "in_progress");
    assert_eq!(list[0]["serviceId"], svc.as_str());
    assert!(list[0].get("finishedAt").is_none());
    sim.advance(60).await;
    let one = sim.get(&svc_path(&svc, &format!("snapshots/{}", list[0]["id"].as_str().unwrap()))).await;
    let one = one.assert_ok().clone();
    assert_eq!((one["status"].as_str(), one["durationInSeconds"].as_f64()), (Some("done"), Some(60.0)));
    assert_eq!(one["id"], list[0]["id"], "a snapshot keeps its id");

    sim.advance(5 * 3600).await; // 6 h 1 min in: the last 180 minutes' three remain
    let ids = snapshot_ids(&sim, &svc).await;
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(!ids.contains(&one["id"].as_str().unwrap().to_owned()), "the first one is past its time frame");
    let gone = one["id"].as_str().unwrap();
    sim.get(&svc_path(&svc, &format!("snapshots/{gone}")))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: Snapshot {gone} not found"));

    // Disabling keeps what was taken and takes no more.
    sim.patch(&cfg, json!({"enabled": false})).await.assert_ok();
    sim.advance(3600).await;
    assert_eq!(snapshot_ids(&sim, &svc).await, ids[..2].to_vec(), "the oldest aged out, none taken");
}

#[tokio::test]
async fn every_snapshot_rule_names_its_field_and_changes_nothing() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let cfg = svc_path(&svc, "snapshotConfiguration");
    for (body, want) in [
        (json!({}), "BAD_REQUEST: enabled gap or timeFrame is required"),
        (json!({"enabled": "on"}), "BAD_REQUEST: enabled must be a boolean"),
        (json!({"gap": 5}), "BAD_REQUEST: gap must be between 15 and 1440"),
        (json!({"gap": 60.5}), "BAD_REQUEST: gap must be between 15 and 1440"),
        (json!({"timeFrame": 50000}), "BAD_REQUEST: timeFrame must be between 60 and 43200"),
        (json!({"gap": 120, "timeFrame": 60}), "BAD_REQUEST: timeFrame must be at least gap"),
    ] {
        sim.patch(&cfg, body).await.assert_ch_error(400, want);
    }
    sim.get(&cfg).await.assert_ch_error(404, "NOT_FOUND: Snapshot configuration not found");
    sim.patch(&cfg, json!({"gap": 60, "timeFrame": 60})).await.assert_ok();
    sim.patch(&cfg, json!({"gap": 120})).await.assert_ch_error(400, "BAD_REQUEST: timeFrame must be at least gap");
    assert_eq!(sim.get(&cfg).await.assert_ok(), &json!({"enabled": false, "gap": 60, "timeFrame": 60}));
    sim.get(&svc_path(&svc, "snapshots/not-a-uuid")).await.assert_ch_error(400, "BAD_REQUEST: Invalid snapshotId");
}

#[tokio::test]
async fn snapshots_belong_to_their_service_and_organization_and_are_capped() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    sim.sim_patch("/_sim/config", json!({"clickhouse.maxSnapshotsPerService": 2})).await;
    sim.patch(&svc_path(&a, "snapshotConfiguration"), json!({"enabled": true, "gap": 15, "timeFrame": 1440}))
        .await
        .assert_ok();
    sim.advance(3600).await;
    assert_eq!(snapshot_ids(&sim, &a).await.len(), 2, "the cap keeps the newest two of four");
    assert!(snapshot_ids(&sim, &b).await.is_empty());
    let id = snapshot_ids(&sim, &a).await[0].clone();
    sim.get(&svc_path(&b, &format!("snapshots/{id}"))).await.assert_ch_error(404, "NOT_FOUND: Snapshot");

    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .send(Method::GET, &format!("/v1/organizations/{org2}/services/{a}/snapshots"), Some(("k2", "s2")), None, &[])
        .await;
    r.assert_ch_error(404, &format!("NOT_FOUND: Service {a} not found"));
}

#[tokio::test]
async fn settings_round_trip_through_the_dump_go_with_their_service_and_reset() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let keep = sim.running_service().await;
    for s in [&svc, &keep] {
        sim.patch(&svc_path(s, "snapshotConfiguration"), json!({"enabled": true})).await.assert_ok();
        sim.patch(&svc_path(s, "replicaAwareRouting"), json!({"httpEnabled": true})).await.assert_ok();
    }
    sim.advance(7200).await;
    let before_ids = snapshot_ids(&sim, &svc).await;
    assert_eq!(before_ids.len(), 2);
    let before = sim.sim_get("/_sim/state").await.body;
    assert_eq!(sim.sim_post("/_sim/reset", json!({})).await.status, 200);
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(snapshot_ids(&sim, &svc).await, before_ids);
    assert_eq!(sim.get(&svc_path(&svc, "replicaAwareRouting")).await.assert_ok()["httpEnabled"], true);

    sim.patch(&format!("{ORG}/services/{svc}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.delete(&format!("{ORG}/services/{svc}")).await.assert_ok();
    sim.advance(120).await;
    let dump = sim.sim_get("/_sim/state").await.body;
    let ch = &dump["providers"]["clickhouse"];
    for table in ["snapshotConfigurations", "replicaAwareRouting"] {
        let rows = ch[table].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{table}: {rows:?}");
        assert_eq!(rows[0]["serviceId"], keep.as_str());
    }
}
