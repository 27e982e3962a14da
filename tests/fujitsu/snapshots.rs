//! DB snapshots (seed 1.3.2.1–1.3.2.5, lines 7110–7682): create, copy, list, get, delete,
//! the automated ones of the daily backup window, every rule broken once, and the
//! restore that takes them (1.2.2.4).

use hyper::Method;

use super::restores::{backed_up_instance, restore_body};
use super::tenants::{other_tenant_yaml, OTHER, OTHER_USER};
use crate::support::fujitsu::*;
use crate::support::*;

pub fn snaps(tail: &str) -> String {
    path(&format!("/snapshots{tail}"))
}

/// `POST {BASE}/snapshots` of instance `of`.
pub async fn create_snapshot(fj: &Fj, of: &str, id: &str) -> Resp {
    let body = json!({"snapshot": {"instanceId": of, "id": id, "name": format!("{id}-name"), "description": "sample snapshot"}});
    fj.fj(Method::POST, &snaps(""), Some(body)).await
}

/// A manual snapshot that has become `Available`.
pub async fn available_snapshot(fj: &Fj, of: &str, id: &str) -> Value {
    let r = create_snapshot(fj, of, id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.advance(600).await;
    let r = fj.fj_get(&snaps(&format!("/{id}"))).await;
    assert_eq!(r.body["snapshot"]["status"], "Available", "{}", r.text);
    r.body["snapshot"].clone()
}

async fn set_knob(fj: &Fj, name: &str, value: Value) {
    let r = fj.sim_patch("/_sim/config", json!({ name: value })).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn automated(fj: &Fj) -> Vec<String> {
    ids_of(&fj.fj_get(&snaps("?snapshotType=automated")).await)
}

async fn post(fj: &Fj, body: Value) -> Resp {
    fj.fj(Method::POST, &snaps(""), Some(body)).await
}

async fn put(fj: &Fj, id: &str, body: Value) -> Resp {
    fj.fj(Method::PUT, &snaps(&format!("/{id}")), Some(body)).await
}

fn ids_of(r: &Resp) -> Vec<String> {
    r.body["snapshots"]
        .as_array()
        .unwrap_or_else(|| panic!("snapshots is a list: {}", r.text))
        .iter()
        .map(|s| s["snapshot"]["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_new_snapshot_is_in_progress_then_available_with_every_documented_field() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = create_snapshot(&fj, "db1", "snap1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["snapshot"];
    assert_eq!((s["id"].as_str(), s["name"].as_str()), (Some("snap1"), Some("snap1-name")));
    assert_eq!((s["instanceId"].as_str(), s["snapshotType"].as_str()), (Some("db1"), Some("manual")));
    assert_eq!((s["status"].as_str(), &s["created"]), (Some("In_progress"), &Value::Null), "seed 7275: created null");
    assert_eq!(s["description"], "sample snapshot");
    fj.advance(600).await;
    let r = fj.fj_get(&snaps("/snap1")).await;
    assert_eq!(r.body["snapshot"]["status"], "Available", "{}", r.text);
    assert!(r.body["snapshot"]["created"].as_str().and_then(epoch_secs).is_some(), "{}", r.text);
    assert_eq!(fj.instance_status("db1").await, "ACTIVE", "the instance is untouched");
}

#[tokio::test]
async fn a_generated_id_obeys_the_id_rule() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = fj.fj(Method::POST, &snaps(""), Some(json!({"snapshot": {"instanceId": "db1", "name": "n1"}}))).await;
    let id = r.body["snapshot"]["id"].as_str().unwrap_or_else(|| panic!("{}", r.text)).to_owned();
    assert!(id.starts_with("snapshot-") && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id}");
    assert!(id.len() <= 63);
}

#[tokio::test]
async fn the_list_filters_by_type_and_pages_by_id_or_name() {
    let fj = Fj::start().await;
    set_knob(&fj, "fujitsu.durations.snapshot", json!(0)).await;
    backed_up_instance(&fj, "db1").await;
    for n in 0..21 {
        let r = create_snapshot(&fj, "db1", &format!("s{n:02}")).await;
        assert_eq!(r.body["snapshot"]["status"], "Available", "duration 0: at once; {}", r.text);
    }
    let r = fj.fj_get(&snaps("")).await;
    assert_eq!(ids_of(&r).len(), 20, "limit defaults to 20");
    let only = |r: &Resp, kind: &str| {
        r.body["snapshots"].as_array().unwrap().iter().all(|s| s["snapshot"]["snapshotType"] == kind)
    };
    let r = fj.fj_get(&snaps("?snapshotType=automated")).await;
    assert_eq!(ids_of(&r).len(), 1, "one daily backup so far: {}", r.text);
    assert!(only(&r, "automated"));
    let item = r.body["snapshots"][0]["snapshot"].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "instanceId", "name", "snapshotType"], "the four fields of seed 7540–7566");
    let r = fj.fj_get(&snaps("?snapshotType=manual&limit=100")).await;
    assert_eq!(ids_of(&r).len(), 21);
    assert!(only(&r, "manual"));
    let r = fj.fj_get(&snaps("?snapshotType=manual&marker=s18")).await;
    assert_eq!(ids_of(&r), ["s19", "s20"]);
    let r = fj.fj_get(&snaps("?snapshotType=manual&marker=s19-name")).await;
    assert_eq!(ids_of(&r), ["s20"], "the marker may be a name (seed 7505)");
}

#[tokio::test]
async fn the_daily_backup_leaves_an_automated_snapshot_kept_for_the_retention_period() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = fj.modify("db1", json!({"backupRetentionPeriod": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.advance(13 * 3600).await;
    let first = automated(&fj).await;
    assert_eq!(first.len(), 1, "the first backup window (12:00) has passed");
    let s = fj.fj_get(&snaps(&format!("/{}", first[0]))).await.body["snapshot"].clone();
    assert_eq!((s["status"].as_str(), s["instanceId"].as_str()), (Some("Available"), Some("db1")));
    fj.advance(86_400).await;
    assert_eq!(automated(&fj).await.len(), 2);
    fj.advance(2 * 86_400).await;
    let now = automated(&fj).await;
    // Two days back from today's backup, today's included.
    assert_eq!(now.len(), 3, "two days of retention: {now:?}");
    assert!(!now.contains(&first[0]), "the oldest went");
    let r = fj.fj(Method::DELETE, &snaps(&format!("/{}", now[0])), None).await;
    r.assert_fj_error(422, "automated");
    // Retention 0: no automated backups at all (seed 557–568).
    fj.modify("db1", json!({"backupRetentionPeriod": 0})).await;
    fj.advance(86_400).await;
    assert!(automated(&fj).await.is_empty());
}

#[tokio::test]
async fn a_copy_keeps_its_sources_instance_and_restore_point() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let src = available_snapshot(&fj, "db1", "snap1").await;
    let r = fj
        .fj(
            Method::PUT,
            &snaps("/snap1"),
            Some(json!({"snapshot": {"name": "json-rack-instance-bkup2", "id": "copy1"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.body["snapshot"];
    assert_eq!((c["id"].as_str(), c["status"].as_str()), (Some("copy1"), Some("In_progress")));
    assert_eq!((c["instanceId"].as_str(), c["snapshotType"].as_str()), (Some("db1"), Some("manual")));
    assert_eq!(c["description"], src["description"]);
    fj.advance(600).await;
    let c = fj.fj_get(&snaps("/copy1")).await.body["snapshot"].clone();
    assert_eq!(c["created"], src["created"], "the copy restores to the source's time");
    assert_eq!(fj.fj_get(&snaps("/snap1")).await.body["snapshot"], src, "the source is unchanged");
    // The copy restores like its source (1.2.2.4).
    let r = fj.post_instances(restore_body("copy1", "restored")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
}

#[tokio::test]
async fn a_delete_shows_deleted_then_the_snapshot_is_gone_and_so_is_its_deleted_instance() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    available_snapshot(&fj, "db1", "snap1").await;
    fj.delete("db1").await.assert_accepted();
    fj.advance(600).await;
    assert_eq!(fj.instance_status("db1").await, "DELETED", "seed 260: its snapshot remains");
    fj.fj(Method::DELETE, &snaps("/snap1"), None).await.assert_accepted();
    assert_eq!(fj.fj_get(&snaps("/snap1")).await.body["snapshot"]["status"], "Deleted");
    fj.fj(Method::DELETE, &snaps("/snap1"), None).await.assert_fj_error(422, "Deleted");
    fj.advance(60).await;
    fj.fj_get(&snaps("/snap1")).await.assert_fj_error(404, "snap1");
    assert_eq!(fj.instance_status("db1").await, "<gone>");
}

#[tokio::test]
async fn restore_takes_an_available_manual_snapshot_only() {
    let fj = Fj::start().await;
    backed_up_instance(&fj, "db1").await;
    create_snapshot(&fj, "db1", "snap1").await;
    fj.post_instances(restore_body("snap1", "early")).await.assert_fj_error(422, "In_progress");
    fj.advance(600).await;
    let auto = ids_of(&fj.fj_get(&snaps("?snapshotType=automated")).await);
    fj.post_instances(restore_body(&auto[0], "fromauto")).await.assert_fj_error(422, "automated");
    let r = fj.post_instances(restore_body("snap1", "restored")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
}

#[tokio::test]
async fn create_and_copy_rules_are_each_refused_naming_the_field_and_change_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    available_snapshot(&fj, "db1", "snap1").await;
    let before = fj.fujitsu_state().await["snapshots"].clone();
    post(&fj, json!({})).await.assert_fj_error(400, "snapshot");
    post(&fj, json!({"snapshot": {"name": "n"}})).await.assert_fj_error(400, "snapshot.instanceId");
    post(&fj, json!({"snapshot": {"instanceId": "db1"}})).await.assert_fj_error(400, "snapshot.name");
    post(&fj, json!({"snapshot": {"instanceId": "db1", "name": "bad_name"}}))
        .await
        .assert_fj_error(400, "snapshot.name");
    post(&fj, json!({"snapshot": {"instanceId": "db1", "name": "n", "id": "-x"}}))
        .await
        .assert_fj_error(400, "snapshot.id");
    post(&fj, json!({"snapshot": {"instanceId": "db1", "name": "n", "id": "a".repeat(64)}}))
        .await
        .assert_fj_error(400, "snapshot.id");
    post(&fj, json!({"snapshot": {"instanceId": "db1", "name": "n", "description": "d".repeat(256)}}))
        .await
        .assert_fj_error(400, "snapshot.description");
    post(&fj, json!({"snapshot": {"instanceId": "db1", "name": "n", "id": "snap1"}}))
        .await
        .assert_fj_error(400, "DBSnapshotAlreadyExists");
    post(&fj, json!({"snapshot": {"instanceId": "nope", "name": "n"}}))
        .await
        .assert_fj_error(404, "snapshot.instanceId");
    put(&fj, "nope", json!({"snapshot": {"name": "n"}})).await.assert_fj_error(404, "nope");
    put(&fj, "snap1", json!({"snapshot": {}})).await.assert_fj_error(400, "snapshot.name");
    put(&fj, "snap1", json!({"snapshot": {"name": "n", "id": "snap1"}})).await.assert_fj_error(400, "snap1");
    assert_eq!(fj.fujitsu_state().await["snapshots"], before, "rejected requests change nothing");
    // An In_progress source cannot be copied.
    create_snapshot(&fj, "db1", "snap2").await;
    put(&fj, "snap2", json!({"snapshot": {"name": "n"}})).await.assert_fj_error(422, "In_progress");
    fj.fj(Method::DELETE, &snaps("/snap2"), None).await.assert_fj_error(422, "In_progress");
    fj.fj(Method::DELETE, &snaps("/nope"), None).await.assert_fj_error(404, "nope");
}

#[tokio::test]
async fn the_state_table_refuses_a_snapshot_of_a_stopped_or_backing_up_instance() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    for state in ["SHUTDOWN", "BACKUP", "BUILD", "FAILED"] {
        fj.force_state("db1", state).await;
        create_snapshot(&fj, "db1", "s1").await.assert_fj_error(422, state);
    }
    assert!(ids_of(&fj.fj_get(&snaps("")).await).is_empty());
    fj.force_state("db1", "DEGENERATED").await;
    assert_eq!(create_snapshot(&fj, "db1", "s1").await.status, 200, "seed 255 allows it");
}

#[tokio::test]
async fn list_queries_and_the_quota_are_checked() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.fj_get(&snaps("?snapshotType=daily")).await.assert_fj_error(400, "snapshotType");
    fj.fj_get(&snaps("?limit=5")).await.assert_fj_error(400, "limit");
    fj.fj_get(&snaps("?marker=nothing")).await.assert_fj_error(400, "marker");
    set_knob(&fj, "fujitsu.quota.snapshots", json!(1)).await;
    assert_eq!(create_snapshot(&fj, "db1", "s1").await.status, 200);
    create_snapshot(&fj, "db1", "s2").await.assert_fj_error(413, "SnapshotQuotaExceeded");
}

#[tokio::test]
async fn snapshots_are_dumped_restored_reset_isolated_and_faulted_by_operation_name() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    available_snapshot(&fj, "db1", "snap1").await;
    // Another tenant sees none of them.
    let r = fj.load(&other_tenant_yaml()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = fj.token_for(OTHER, OTHER_USER.0, OTHER_USER.1, OTHER_USER.2).await;
    let r = fj.fj_as(&b, Method::GET, &format!("/v1.0/{OTHER}/snapshots"), None).await;
    assert_eq!(ids_of(&r), Vec::<String>::new());
    let r = fj.fj_as(&b, Method::GET, &format!("/v1.0/{OTHER}/snapshots/snap1"), None).await;
    r.assert_fj_error(404, "snap1");
    // Dump, reset, restore.
    let dump = fj.sim_get("/_sim/state").await.body;
    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    fj.fj_get(&snaps("/snap1")).await.assert_fj_error(404, "snap1");
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.sync_clock().await;
    assert_eq!(fj.fj_get(&snaps("/snap1")).await.body["snapshot"]["status"], "Available");
    // Fault rules match the new operation names.
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "createSnapshot"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}})).await;
    create_snapshot(&fj, "db1", "s2").await.assert_fj_error(503, "ServiceUnavailable");
    assert_eq!(create_snapshot(&fj, "db1", "s2").await.status, 200);
    let ops: Vec<String> =
        fj.journal("").await.iter().filter_map(|e| e["operation"].as_str().map(str::to_owned)).collect();
    for op in ["createSnapshot", "showSnapshot"] {
        assert!(ops.iter().any(|o| o == op), "journal names {op}: {ops:?}");
    }
    let doc = fj.sim_get("/_sim/openapi/fujitsu.json").await.body;
    let p = &doc["paths"]["/v1.0/{tenantId}/snapshots/{snapshotId}"];
    assert_eq!(
        (p["put"]["operationId"].as_str(), p["delete"]["operationId"].as_str()),
        (Some("copySnapshot"), Some("deleteSnapshot"))
    );
    // A resource fault forces a snapshot state.
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "showSnapshot"}, "action": {"kind": "resource", "state": "Error"}, "schedule": {"times": 1}})).await;
    fj.fj_get(&snaps("/snap1")).await;
    assert_eq!(fj.fj_get(&snaps("/snap1")).await.body["snapshot"]["status"], "Error");
}
