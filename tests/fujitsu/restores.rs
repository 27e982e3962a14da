//! The three operations that make a new instance from an existing one: restore from a DB
//! snapshot (1.2.2.4, seed 2589–3692), point-in-time recovery (1.2.2.5, seed 3693–4791)
//! and read replicas (1.2.2.12, seed 5918–6677). Snapshots are seeded here through a
//! scenario's `resources.fujitsu.snapshots`; `snapshots.rs` makes them through the API.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

/// Seeds a DB snapshot `snap` of instance `of` through `POST /_sim/scenarios`.
pub async fn seed_snapshot(fj: &Fj, snap: &str, of: &str) {
    let yaml = format!("resources:\n  fujitsu:\n    snapshots:\n      - {{id: {snap}, instanceId: {of}}}\n");
    let r = fj.load(&yaml).await;
    assert_eq!(r.status, 200, "seeding snapshot {snap}: {}", r.text);
}

pub fn restore_body(snap: &str, new_id: &str) -> Value {
    json!({"action": {"restoresnapshot": ""}, "snapshot": {"id": snap},
           "instance": {"id": new_id, "flavorRef": FLAVOR, "volume": {"size": 20}, "masterUserPassword": MASTER_PASSWORD}})
}

pub fn pitr_body(new_id: &str) -> Value {
    json!({"action": {"restoretointime": ""}, "restore": {"useLatestRestorableTime": true},
           "instance": {"id": new_id, "flavorRef": FLAVOR, "volume": {"size": 20}, "masterUserPassword": MASTER_PASSWORD}})
}

pub fn replica_body(src: &str, new_id: &str) -> Value {
    json!({"action": {"readreplica": ""},
           "instance": {"id": new_id, "subnetId": SUBNET, "readReplicaSrcDBInstance": {"id": src}}})
}

/// An ACTIVE instance that has had its first automated backup: its backup window is
/// 12:00-12:30 and the clock starts at midnight, so 13 hours are enough.
pub async fn backed_up_instance(fj: &Fj, id: &str) -> Value {
    fj.active_instance(id).await;
    fj.advance(13 * 3600).await;
    fj.wait_active(id).await;
    fj.show(id).await.instance().clone()
}

/// `POST {BASE}/instances/{src}` (PITR).
pub async fn pitr(fj: &Fj, src: &str, body: Value) -> Resp {
    fj.fj(Method::POST, &inst(src), Some(body)).await
}

#[tokio::test]
async fn restore_from_a_snapshot_makes_a_new_instance_and_leaves_the_source_alone() {
    let fj = Fj::start().await;
    let src = fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    let r = fj.post_instances(restore_body("snap1", "restored")).await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD", "{}", r.text);
    assert_eq!(i["id"], "restored");
    assert_eq!(i["volume"]["size"], 20);
    // "新しい IP アドレス" (seed 2593–2596): a new instance with its own IP.
    assert_ne!(i["privateIp"], src["privateIp"]);
    fj.wait_active("restored").await;
    assert_eq!(fj.show("src").await.instance(), &src, "the source is unchanged");
    let ids: Vec<String> = fj.list().await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["src", "restored"]);
}

#[tokio::test]
async fn restore_is_the_documented_recovery_of_a_failed_instance_and_works_after_the_source_is_deleted() {
    let fj = Fj::start().await;
    fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    // Failed: "1.2.2.4API、または、1.2.2.5API により復旧してください" (seed 261).
    fj.force_state("src", "FAILED").await;
    let r = fj.post_instances(restore_body("snap1", "fixed")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
    fj.wait_active("fixed").await;
    fj.delete("src").await.assert_accepted();
    // The snapshot outlives its instance (the Deleted state, seed 260) and still restores.
    fj.advance(86_400).await;
    let r = fj.post_instances(restore_body("snap1", "again")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
}

#[tokio::test]
async fn an_instance_deleted_while_its_snapshot_exists_shows_as_deleted() {
    let fj = Fj::start().await;
    fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    fj.delete("src").await.assert_accepted();
    fj.advance(86_400).await;
    // Deleted: "削除済みですが、…DB スナップショットが存在している" (seed 260).
    assert_eq!(fj.instance_status("src").await, "DELETED");
    fj.modify("src", json!({"description": "x"})).await.assert_fj_error(422, "");
}

#[tokio::test]
async fn restore_refuses_a_missing_or_unknown_snapshot_and_a_wrong_password() {
    let fj = Fj::start().await;
    fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    let before = fj.list().await;
    let mut body = restore_body("snap1", "r1");
    body.as_object_mut().unwrap().remove("snapshot");
    fj.post_instances(body).await.assert_fj_error(400, "snapshot");
    fj.post_instances(restore_body("nosuch", "r1")).await.assert_fj_error(404, "snapshot");
    let mut body = restore_body("snap1", "r1");
    body["instance"].as_object_mut().unwrap().remove("flavorRef");
    fj.post_instances(body).await.assert_fj_error(400, "flavorRef");
    let mut body = restore_body("snap1", "r1");
    body["instance"].as_object_mut().unwrap().remove("masterUserPassword");
    fj.post_instances(body).await.assert_fj_error(400, "masterUserPassword");
    // "スナップショット作成時の masterUserPassword と同じ値" (seed 2877–2887; A21).
    let mut body = restore_body("snap1", "r1");
    body["instance"]["masterUserPassword"] = json!("Not-the-same1");
    fj.post_instances(body).await.assert_fj_error(400, "masterUserPassword");
    let mut body = restore_body("snap1", "r1");
    body["instance"]["masterUserName"] = json!("someone_else");
    fj.post_instances(body).await.assert_fj_error(400, "masterUserName");
    // The id of an existing instance (seed 2607–2614).
    let r = fj.post_instances(restore_body("snap1", "src")).await;
    assert!(matches!(r.status, 400 | 422), "{}", r.text);
    r.assert_fj_error(r.status, "id");
    assert_eq!(fj.list().await, before, "nothing was created");
}

#[tokio::test]
async fn pitr_to_the_latest_restorable_time_makes_a_new_instance() {
    let fj = Fj::start().await;
    let src = backed_up_instance(&fj, "src").await;
    let r = pitr(&fj, "src", pitr_body("pitr1")).await;
    let i = r.instance().clone();
    assert_eq!((i["status"].clone(), i["id"].clone()), (json!("BUILD"), json!("pitr1")), "{}", r.text);
    assert_ne!(i["privateIp"], src["privateIp"], "a new IP (seed 3697–3700)");
    fj.wait_active("pitr1").await;
    assert_eq!(fj.show("src").await.instance()["status"], "ACTIVE", "the source is untouched");
}

#[tokio::test]
async fn pitr_accepts_both_spellings_of_the_action_and_a_restore_time_in_either_place() {
    let fj = Fj::start().await;
    backed_up_instance(&fj, "src").await;
    // The clock is at 2025-01-01T13:0x; the backup ran at 12:00.
    // A1: the table says restoretopleveltime, the example restoretointime; A2: the table
    // nests restore.restoreTime (ISO, Z), the example puts "2014-07-10 10:00:00" on top.
    let mut body = pitr_body("p1");
    body["action"] = json!({"restoretopleveltime": ""});
    body["restore"] = json!({"restoreTime": "2025-01-01T12:45:00Z"});
    let r = pitr(&fj, "src", body).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
    let mut body = pitr_body("p2");
    body.as_object_mut().unwrap().remove("restore");
    body["restoreTime"] = json!("2025-01-01 12:45:00");
    let r = pitr(&fj, "src", body).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
}

#[tokio::test]
async fn pitr_refuses_bad_restore_times_and_an_unknown_source() {
    let fj = Fj::start().await;
    backed_up_instance(&fj, "src").await;
    let before = fj.list().await;
    pitr(&fj, "nosuch", pitr_body("p1")).await.assert_fj_error(404, "DBInstanceNotFound");
    // Neither restoreTime nor useLatestRestorableTime: "エラーとなります" (seed 3739–3754).
    let mut body = pitr_body("p1");
    body["restore"] = json!({});
    pitr(&fj, "src", body).await.assert_fj_error(400, "restoreTime");
    // Both.
    let mut body = pitr_body("p1");
    body["restore"] = json!({"useLatestRestorableTime": true, "restoreTime": "2025-01-01T12:45:00Z"});
    pitr(&fj, "src", body).await.assert_fj_error(400, "restoreTime");
    // Not a date-time; after the latest restorable time; before any backup.
    for t in ["yesterday", "2030-01-01T00:00:00Z", "2014-07-10T10:00:00Z"] {
        let mut body = pitr_body("p1");
        body["restore"] = json!({ "restoreTime": t });
        pitr(&fj, "src", body).await.assert_fj_error(400, "restoreTime");
    }
    let mut body = pitr_body("p1");
    body["restore"] = json!({"useLatestRestorableTime": "yes"});
    pitr(&fj, "src", body).await.assert_fj_error(400, "useLatestRestorableTime");
    // The action key is required.
    let mut body = pitr_body("p1");
    body["action"] = json!({});
    pitr(&fj, "src", body).await.assert_fj_error(400, "action");
    // The current password when useLatestRestorableTime (seed 4003–4004).
    let mut body = pitr_body("p1");
    body["instance"]["masterUserPassword"] = json!("Wrong-passw0rd");
    pitr(&fj, "src", body).await.assert_fj_error(400, "masterUserPassword");
    assert_eq!(fj.list().await, before, "nothing was created");
}

#[tokio::test]
async fn pitr_of_an_instance_without_automated_backups_is_422() {
    let fj = Fj::start().await;
    // backupRetentionPeriod 0: "自動バックアップを行わない" (seed 557–568).
    fj.create_instance_with("nobackup", json!({"backupRetentionPeriod": 0})).await;
    fj.wait_active("nobackup").await;
    fj.advance(13 * 3600).await;
    pitr(&fj, "nobackup", pitr_body("p1")).await.assert_fj_error(422, "");
    assert_eq!(fj.list().await.len(), 1);
}

#[tokio::test]
async fn a_read_replica_copies_its_source_and_both_sides_name_each_other() {
    let fj = Fj::start().await;
    let src = fj.active_instance("src").await;
    let r = fj.post_instances(replica_body("src", "replica1")).await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD", "{}", r.text);
    assert_eq!(i["id"], "replica1");
    // Defaults: the source's values (seed 5956–6100).
    assert_eq!(i["flavor"]["id"], src["flavor"]["id"]);
    assert_eq!(i["volume"], src["volume"]);
    assert_eq!(i["port"], src["port"]);
    assert_eq!(i["readReplicaSrcDBInstance"]["id"], "src");
    assert_eq!(i["readReplicaSrcDBInstance"]["tenantId"], TENANT);
    // {region, tenantId, id} (seed 1275–1294; the example prints jp-east-3).
    assert!(i["readReplicaSrcDBInstance"]["region"].as_str().is_some_and(|r| !r.is_empty()), "{i}");
    fj.wait_active("replica1").await;
    let i = fj.show("replica1").await.instance().clone();
    assert_eq!(i["replicaStatus"], "Replicating", "seed 1073–1080");
    // "リードレプリカに対する操作とは非同期で反映" (seed 1103–1110): eventually listed.
    let s = fj.show("src").await.instance().clone();
    let replicas = s["readReplicaDBInstances"].as_array().expect("readReplicaDBInstances");
    assert!(replicas.iter().any(|r| r["id"] == "replica1" && r["tenantId"] == TENANT), "{s}");
    assert_eq!(s["readReplicaDBInstanceIdentifiers"], json!([]), "deprecated: always []");
}

#[tokio::test]
async fn a_read_replica_needs_a_redundant_backed_up_source() {
    let fj = Fj::start().await;
    // Preconditions (seed 5922–5926): multi=true, backupRetentionPeriod ≥ 1.
    fj.create_instance_with("single", json!({"multi": false})).await;
    fj.create_instance_with("nobackup", json!({"backupRetentionPeriod": 0})).await;
    fj.wait_active("single").await;
    fj.wait_active("nobackup").await;
    let before = fj.list().await;
    fj.post_instances(replica_body("single", "r1")).await.assert_fj_error(422, "multi");
    fj.post_instances(replica_body("nobackup", "r1")).await.assert_fj_error(422, "backupRetentionPeriod");
    fj.post_instances(replica_body("nosuch", "r1")).await.assert_fj_error(404, "");
    let mut body = replica_body("single", "r1");
    body["instance"].as_object_mut().unwrap().remove("subnetId");
    fj.post_instances(body).await.assert_fj_error(400, "subnetId");
    let mut body = replica_body("single", "r1");
    body["instance"]["readReplicaSrcDBInstance"] = json!({"tenantId": TENANT});
    fj.post_instances(body).await.assert_fj_error(400, "readReplicaSrcDBInstance");
    assert_eq!(fj.list().await, before, "nothing was created");
}

#[tokio::test]
async fn the_daily_automated_backup_runs_in_the_backup_window_as_the_backup_state() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.create_instance_with("nobackup", json!({"backupRetentionPeriod": 0})).await;
    fj.wait_active("nobackup").await;
    // The clock started at midnight; the window is 12:00-12:30 (seed 438–457).
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    let noon = epoch_secs("2025-01-01T12:00:00Z").unwrap();
    fj.advance((noon - now + 60) as u64).await;
    // Backup: start/stop/reboot and modify are refused (seed 253).
    assert_eq!(fj.instance_status("db1").await, "BACKUP");
    fj.modify("db1", json!({"description": "x"})).await.assert_fj_error(422, "");
    fj.act("db1", "reboot").await.assert_fj_error(422, "");
    // backupRetentionPeriod 0: "自動バックアップを行わない" (seed 557–568).
    assert_eq!(fj.instance_status("nobackup").await, "ACTIVE");
    fj.advance(29 * 60).await;
    assert_eq!(fj.instance_status("db1").await, "ACTIVE", "done within the window");
}

#[tokio::test]
async fn cancelling_the_only_automated_backup_leaves_nothing_for_pitr() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    let noon = epoch_secs("2025-01-01T12:00:00Z").unwrap();
    fj.advance((noon - now + 60) as u64).await;
    assert_eq!(fj.instance_status("db1").await, "BACKUP");
    fj.act("db1", "cancel").await.assert_accepted();
    // "キャンセルが完了するまで、10 分程度" (seed 5848).
    fj.wait_for("db1", "ACTIVE", 3600).await;
    // Seed 5852: cancelled with no valid automated backup → no PITR until the next one.
    pitr(&fj, "db1", pitr_body("p1")).await.assert_fj_error(422, "");
    assert_eq!(fj.list().await.len(), 1);
    // The next day's backup completes, and PITR works again.
    fj.advance(86_400).await;
    fj.wait_active("db1").await;
    let r = pitr(&fj, "db1", pitr_body("p1")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
}

#[tokio::test]
async fn restores_need_the_password_of_the_restored_time_not_the_current_one() {
    let fj = Fj::start().await;
    backed_up_instance(&fj, "src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    // The clock is past 13:00; the backup ran at 12:00. Change the password now.
    let r = fj.modify("src", json!({"masterUserPassword": "Second-passw0rd"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.wait_active("src").await;
    // "過去の masterUserPassword が必要になる場合がある" (seed 1734): keep the old one.
    // PITR to a time before the change: the password of that time (seed 4003).
    let mut body = pitr_body("p1");
    body["restore"] = json!({"restoreTime": "2025-01-01T12:45:00Z"});
    let mut current = body.clone();
    current["instance"]["masterUserPassword"] = json!("Second-passw0rd");
    pitr(&fj, "src", current).await.assert_fj_error(400, "masterUserPassword");
    assert_eq!(pitr(&fj, "src", body).await.instance()["status"], "BUILD");
    // The latest restorable time: the current password (seed 4004).
    let mut latest = pitr_body("p2");
    pitr(&fj, "src", latest.clone()).await.assert_fj_error(400, "masterUserPassword");
    latest["instance"]["masterUserPassword"] = json!("Second-passw0rd");
    assert_eq!(pitr(&fj, "src", latest).await.instance()["status"], "BUILD");
    // A snapshot keeps the password it was taken with (seed 2877–2887).
    let mut r = restore_body("snap1", "r1");
    r["instance"]["masterUserPassword"] = json!("Second-passw0rd");
    fj.post_instances(r).await.assert_fj_error(400, "masterUserPassword");
    assert_eq!(fj.post_instances(restore_body("snap1", "r1")).await.instance()["status"], "BUILD");
}

#[tokio::test]
async fn a_read_replica_takes_the_default_groups_and_a_fresh_id_when_none_is_given() {
    let fj = Fj::start().await;
    fj.create_instance_with(
        "src",
        json!({"parameterGroupId": "paramid1", "securityGroupIds": [{"securityGroupId": "secid1"}],
               "preferredMaintenanceWindow": "Tue:03:00-Tue:04:00"}),
    )
    .await;
    fj.wait_active("src").await;
    let r = fj
        .post_instances(json!({"action": {"readreplica": ""},
                               "instance": {"subnetId": SUBNET, "readReplicaSrcDBInstance": {"id": "src"}}}))
        .await;
    let i = r.instance().clone();
    // id: "元のデータベース仮想サーバの値。ただし、重複する場合は、random value" (seed 6004, A25).
    let id = i["id"].as_str().unwrap();
    assert_ne!(id, "src", "{}", r.text);
    // parameterGroupId / securityGroupIds default to the defaults, not the source's (A26).
    assert_eq!(i["parameterGroupId"], "default");
    assert_eq!(i["securityGroupIds"], json!([{"securityGroupId": "default"}]));
    // The other fields default to the source's.
    assert_eq!(i["preferredMaintenanceWindow"], "Tue:03:00-Tue:04:00");
}

#[tokio::test]
async fn pitr_without_a_flavor_takes_the_sources() {
    let fj = Fj::start().await;
    fj.create_instance_with("src", json!({"flavorRef": "11"})).await;
    fj.wait_active("src").await;
    fj.advance(13 * 3600).await;
    // flavorRef is 0..1 in 1.2.2.5 (A19).
    let mut body = pitr_body("p1");
    body["instance"].as_object_mut().unwrap().remove("flavorRef");
    let r = pitr(&fj, "src", body).await;
    assert_eq!(r.instance()["flavor"]["id"], "11", "{}", r.text);
}
