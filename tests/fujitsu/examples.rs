//! The seed's request examples, sent as files (`fixtures/`). Where the printed JSON is
//! broken, the fixture repairs the syntax (each constant below says what was repaired;
//! `seed_create_printed.txt` is the create example exactly as printed). The examples'
//! rule defects, which the seed's own rules refuse, are shown refused, then fixed in the
//! test — except the create example's two, fixed in its fixture and shown refused by
//! putting them back.

use hyper::Method;

use super::restores::seed_snapshot;
use crate::support::fujitsu::*;
use crate::support::*;

/// Create, seed 1396–1444, exactly as printed.
const CREATE_PRINTED: &str = include_str!("fixtures/seed_create_printed.txt");
/// Create, seed 1396–1444. Repaired: the missing commas after `volume` and
/// `masterUserPassword` and the trailing comma in `{"name":"sampledb",}` (syntax);
/// `multi` true (the printed `false` breaks "multi=true の場合のみ指定可能", 480–487) and
/// the leading space of `" enterprisepostgres"` removed (A20) — both shown refused below.
const CREATE: &str = include_str!("fixtures/seed_create.json");
/// Modify, seed 2450–2506. Repaired (syntax only): missing commas after `volume`,
/// `multi` and `masterUserPassword`, trailing commas after `"time": "01:00"` and
/// `"name": "sampledb"`, the page-break indentation, one `}` too many at the end.
const MODIFY: &str = include_str!("fixtures/seed_modify.json");
/// Restore from a snapshot, seed 3592–3616. Repaired (syntax only): the missing comma
/// after `action`, the stray `"` in `"volume":{"`, the trailing comma after
/// `parameterGroupId`.
const RESTORE: &str = include_str!("fixtures/seed_restore_snapshot.json");
/// PITR, seed 4696–4719. Repaired (syntax only): the missing comma after `action`, the
/// trailing comma after `parameterGroupId`.
const PITR: &str = include_str!("fixtures/seed_pitr.json");
/// Start, stop, reboot, cancel (seed 4865–4869, 4934–4938, 5028–5033, 5911–5915): verbatim.
const START: &str = include_str!("fixtures/seed_start.json");
const STOP: &str = include_str!("fixtures/seed_stop.json");
const REBOOT: &str = include_str!("fixtures/seed_reboot.json");
const CANCEL: &str = include_str!("fixtures/seed_cancel.json");
/// Read replica, seed 6618–6630: verbatim.
const REPLICA: &str = include_str!("fixtures/seed_read_replica.json");
/// Token authentication, seed 12432–12440. Repaired: the token value, wrapped over three
/// lines by the PDF, is joined into one string.
const TOKEN_AUTH: &str = include_str!("fixtures/seed_token_auth.json");
/// Password authentication by user name (seed 12446–12456) and by user id (12460–12470;
/// the stray `}` `}` after the page break left out): verbatim.
const PASSWORD_BY_NAME: &str = include_str!("fixtures/seed_password_by_name.json");
const PASSWORD_BY_ID: &str = include_str!("fixtures/seed_password_by_id.json");

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the fixture is JSON")
}

/// `POST path` with the fixture's bytes as they are in the file.
async fn post_text(fj: &Fj, p: &str, text: &str) -> Resp {
    fj.fj_raw(Method::POST, p, text.as_bytes().to_vec(), &[]).await
}

#[tokio::test]
async fn the_printed_create_example_is_not_json_and_gets_400() {
    let fj = Fj::start().await;
    post_text(&fj, &path("/instances"), CREATE_PRINTED).await.assert_fj_error(400, "");
    assert!(fj.list().await.is_empty());
}

#[tokio::test]
async fn the_create_example_is_accepted_and_echoed() {
    let fj = Fj::start().await;
    let r = post_text(&fj, &path("/instances"), CREATE).await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD", "{}", r.text);
    // Echo the request, not the example response's json_rack_instance / 26500 (A21).
    assert_eq!(i["name"], "json-rack-instance");
    assert_eq!(i["port"], 1234);
    assert_eq!(i["volume"], json!({"size": 20, "type": "M2"}));
    assert_eq!(i["subnetId"], SUBNET);
    assert_eq!(i["preferredBackupWindow"], "17:00-18:00");
    assert_eq!(i["preferredMaintenanceWindow"], "Sun:19:00-Sun:20:00");
    assert_eq!(i["preferredRecoveryTime"]["applyImmediately"], true);
    assert_eq!(i["securityGroupIds"], json!([{"securityGroupId": "secid1"}, {"securityGroupId": "secid2"}]));
    assert_eq!(i["parameterGroupId"], "paramid1");
    assert_eq!(i["characterSet"], "UTF8", "utf8 answers UTF8 (00-decisions)");
    assert_eq!(i["collate"], "C");
    assert_eq!(i["backupRetentionPeriod"], 10);
    assert_eq!(i["engine"], "enterprisepostgres");
    assert_eq!(i["engineVersion"], "12");
    let id = i["id"].as_str().unwrap().to_owned();
    fj.wait_active(&id).await;
}

#[tokio::test]
async fn the_create_examples_rule_defects_are_refused_as_the_rules_say() {
    let fj = Fj::start().await;
    // As printed, multi is false with a preferredRecoveryTime (seed 480–487).
    let mut body = parse(CREATE);
    body["instance"]["multi"] = json!(false);
    fj.post_instances(body).await.assert_fj_error(400, "preferredRecoveryTime");
    // As printed, engine has a leading space (A20: not trimmed).
    let mut body = parse(CREATE);
    body["instance"]["engine"] = json!(" enterprisepostgres");
    fj.post_instances(body).await.assert_fj_error(400, "engine");
    assert!(fj.list().await.is_empty());
}

#[tokio::test]
async fn the_modify_example_as_printed_is_refused_for_its_size_then_accepted_when_fixed() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let before = fj.show("db1").await.body;
    // As printed: volume.size 2 (< 10, seed 1607–1614) and autoScale.volume.time equal to
    // the backup window (seed 1820–1837). A19: the create-only keys are ignored.
    let r = fj.fj_raw(Method::PUT, &inst("db1"), MODIFY.as_bytes().to_vec(), &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let message = r.body["Error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("volume.size") || message.contains("autoScale.volume.time"), "{}", r.text);
    r.assert_fj_error(400, "");
    assert_eq!(fj.show("db1").await.body, before);
    // Fixed: size 20, an autoScale window that overlaps nothing.
    let mut body = parse(MODIFY);
    body["instance"]["volume"]["size"] = json!(20);
    body["instance"]["autoScale"]["volume"]["time"] = json!("21:00-21:30");
    let r = fj.fj(Method::PUT, &inst("db1"), Some(body)).await;
    let i = r.instance().clone();
    assert_eq!(i["name"], "json-rack-instance");
    assert_eq!(i["backupRetentionPeriod"], 10);
    assert_eq!(i["autoScale"]["volume"]["maxSize"], 5000);
    assert_eq!(i["multi"], before["instance"]["multi"], "multi is not a modify parameter");
    // port is restart-requiring (1.1.3) and applyImmediately absent: pending.
    assert_eq!(i["pendingModifiedValues"]["port"], 1234, "{i}");
}

#[tokio::test]
async fn the_restore_example_needs_the_password_it_leaves_out_then_restores() {
    let fj = Fj::start().await;
    fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    // masterUserPassword is 1..1 (seed 2877–2887) but the example has none.
    post_text(&fj, &path("/instances"), RESTORE).await.assert_fj_error(400, "masterUserPassword");
    let mut body = parse(RESTORE);
    body["instance"]["masterUserPassword"] = json!(MASTER_PASSWORD);
    let r = fj.post_instances(body).await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD", "{}", r.text);
    assert_eq!(i["volume"]["size"], 100);
    assert_eq!(i["port"], 1234);
    assert_eq!(i["publiclyAccessible"], true);
    assert!(i["publicIp"].is_string(), "publiclyAccessible: a public IP is assigned (seed 1050–1057): {i}");
    assert_eq!(i["backupRetentionPeriod"], 1, "the default, not the example response's 10 (A24)");
}

#[tokio::test]
async fn the_pitr_example_restore_time_predates_every_backup_then_a_recent_one_restores() {
    let fj = Fj::start().await;
    super::restores::backed_up_instance(&fj, "src").await;
    let mut body = parse(PITR);
    body["instance"]["masterUserPassword"] = json!(MASTER_PASSWORD);
    // 2014-07-10 is long before the simulated clock's start (2025): nothing to restore.
    fj.fj(Method::POST, &inst("src"), Some(body.clone())).await.assert_fj_error(400, "restoreTime");
    // The same top-level, space-separated form (A2), within the retained backups.
    body["restoreTime"] = json!("2025-01-01 12:45:00");
    let r = fj.fj(Method::POST, &inst("src"), Some(body)).await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD", "{}", r.text);
    assert_eq!(i["name"], "json-rack-instance");
    assert_eq!(i["volume"]["size"], 100);
}

#[tokio::test]
async fn the_action_examples_start_stop_reboot_and_cancel() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    post_text(&fj, &action_path("db1"), STOP).await.assert_accepted();
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    post_text(&fj, &action_path("db1"), START).await.assert_accepted();
    fj.wait_active("db1").await;
    post_text(&fj, &action_path("db1"), REBOOT).await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "REBOOT");
    fj.wait_active("db1").await;
    fj.force_state("db1", "BACKUP").await;
    post_text(&fj, &action_path("db1"), CANCEL).await.assert_accepted();
}

#[tokio::test]
async fn the_read_replica_example_names_a_source_in_another_project_then_works_with_ours() {
    let fj = Fj::start().await;
    fj.active_instance("test-instance-id").await;
    // As printed, the source's tenantId is not a project of this simulator.
    post_text(&fj, &path("/instances"), REPLICA).await.assert_fj_error(404, "");
    let mut body = parse(REPLICA);
    body["instance"]["readReplicaSrcDBInstance"]["tenantId"] = json!(TENANT);
    let r = fj.post_instances(body).await;
    let i = r.instance().clone();
    assert_eq!((i["id"].clone(), i["name"].clone()), (json!("replica-instance-id"), json!("replica-instance-name")));
    assert_eq!(i["securityGroupIds"], json!([{"securityGroupId": "secid1"}]));
    assert_eq!(i["readReplicaSrcDBInstance"]["id"], "test-instance-id");
}

/// The seed's example user by name: `testuser1` in domain `domain`, added by a scenario.
async fn with_example_user(fj: &Fj) {
    let r = fj.load("identities:\n  fujitsu:\n    users:\n      - {name: testuser1, domain: domain, password: testuser1password}\n").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn the_token_examples_authenticate_once_their_identities_exist() {
    let fj = Fj::start().await;
    // The example's IaaS token is not one this simulator issued.
    fj.auth(TENANT, parse(TOKEN_AUTH)).await.assert_fj_error(401, "");
    let mut body = parse(TOKEN_AUTH);
    body["auth"]["token"]["id"] = json!(IAAS_TOKEN);
    assert_eq!(fj.auth(TENANT, body).await.status, 200);
    // The password examples, for the user they name.
    fj.auth(TENANT, parse(PASSWORD_BY_NAME)).await.assert_fj_error(401, "");
    with_example_user(&fj).await;
    let r =
        fj.send_raw(Method::POST, &path("/auth/token"), None, Some(PASSWORD_BY_NAME.as_bytes().to_vec()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = Fj::token_of(&r);
    assert_eq!(fj.fj_as(&token, Method::GET, &path("/instances"), None).await.status, 200);
    // By id: the default user has the example's id (9e604c79…) but not its password.
    let r = fj.send_raw(Method::POST, &path("/auth/token"), None, Some(PASSWORD_BY_ID.as_bytes().to_vec()), &[]).await;
    r.assert_fj_error(401, "");
    let mut body = parse(PASSWORD_BY_ID);
    body["auth"]["password"]["user"]["password"] = json!(PASSWORD);
    let r = fj.auth(TENANT, body).await;
    assert_eq!(r.status, 200, "the default user by its id: {}", r.text);
}
