//! Operations that share a method and path (seed 1.2.1, lines 292–313): three on
//! `POST /instances` (create, restore from snapshot, read replica) and four on
//! `POST /instances/{id}/action` (start, stop, reboot, cancel), told apart by the body;
//! and bad input — malformed JSON, wrong types, the wrong media type, a body meant for
//! another operation, an oversized body, a wrong method or path — which gets the Fujitsu
//! error and changes nothing.

use hyper::Method;

use super::restores::{replica_body, restore_body, seed_snapshot};
use crate::support::fujitsu::*;
use crate::support::*;

/// The operation name the journal recorded for the last Fujitsu request.
async fn last_operation(fj: &Fj) -> String {
    let entries = fj.journal("").await;
    entries.last().and_then(|e| e["operation"].as_str()).unwrap_or("").to_owned()
}

#[tokio::test]
async fn post_instances_is_create_restore_or_replica_by_its_action_key() {
    let fj = Fj::start().await;
    fj.post_instances(create_body("src")).await.instance();
    let create = last_operation(&fj).await;
    fj.wait_active("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    let r = fj.post_instances(restore_body("snap1", "restored")).await;
    assert_eq!(r.instance()["id"], "restored");
    let restore = last_operation(&fj).await;
    let r = fj.post_instances(replica_body("src", "replica1")).await;
    assert_eq!(r.instance()["readReplicaSrcDBInstance"]["id"], "src", "{}", r.text);
    let replica = last_operation(&fj).await;
    let names = [create.clone(), restore.clone(), replica.clone()];
    assert!(names.iter().all(|n| !n.is_empty()), "{names:?}");
    assert!(create != restore && restore != replica && create != replica, "three operations: {names:?}");
    assert!(create.to_ascii_lowercase().contains("create"), "{create}");
    assert!(restore.to_ascii_lowercase().contains("snapshot"), "{restore}");
    assert!(replica.to_ascii_lowercase().contains("replica"), "{replica}");
}

#[tokio::test]
async fn post_instances_with_an_unusable_action_is_400_and_creates_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("src").await;
    seed_snapshot(&fj, "snap1", "src").await;
    let before = fj.list().await;
    let mut both = restore_body("snap1", "x1");
    both["action"] = json!({"restoresnapshot": "", "readreplica": ""});
    let cases = [
        (both, "action"),
        (json!({"action": {}, "instance": create_body("x1")["instance"]}), "action"),
        (json!({"action": {"start": ""}, "instance": create_body("x1")["instance"]}), "start"),
        (json!({"action": "restoresnapshot", "instance": create_body("x1")["instance"]}), "action"),
    ];
    for (body, field) in cases {
        let r = fj.post_instances(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.assert_fj_error(400, field);
    }
    assert_eq!(fj.list().await, before);
}

#[tokio::test]
async fn the_action_endpoint_is_start_stop_reboot_or_cancel_by_its_key() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let mut names = Vec::new();
    fj.act("db1", "stop").await.assert_accepted();
    names.push(last_operation(&fj).await);
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    fj.act("db1", "start").await.assert_accepted();
    names.push(last_operation(&fj).await);
    fj.wait_active("db1").await;
    fj.act("db1", "reboot").await.assert_accepted();
    names.push(last_operation(&fj).await);
    fj.wait_active("db1").await;
    fj.force_state("db1", "BACKUP").await;
    fj.act("db1", "cancel").await.assert_accepted();
    names.push(last_operation(&fj).await);
    for (name, key) in names.iter().zip(["stop", "start", "reboot", "cancel"]) {
        assert!(name.to_ascii_lowercase().contains(key), "{key} is journaled as {name}: {names:?}");
    }
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{names:?}");
}

#[tokio::test]
async fn a_body_meant_for_another_operation_is_400_and_changes_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let before = fj.show("db1").await.body;
    // A create body on the action endpoint.
    let r = fj.fj(Method::POST, &action_path("db1"), Some(create_body("db2"))).await;
    r.assert_fj_error(400, "action");
    // An action on the modify endpoint.
    let r = fj.fj(Method::PUT, &inst("db1"), Some(action("stop"))).await;
    r.assert_fj_error(400, "instance");
    // A start on the PITR path (its only key is restoretointime / restoretopleveltime).
    let r = fj.fj(Method::POST, &inst("db1"), Some(action("start"))).await;
    r.assert_fj_error(400, "start");
    // A PITR on the action endpoint.
    let r = fj.fj(Method::POST, &action_path("db1"), Some(action("restoretointime"))).await;
    r.assert_fj_error(400, "restoretointime");
    assert_eq!(fj.show("db1").await.body, before);
    assert_eq!(fj.list().await.len(), 1);
}

#[tokio::test]
async fn malformed_json_is_400_bad_request_and_changes_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let before = fj.show("db1").await.body;
    let json_ct = [("content-type", "application/json")];
    let bodies: [&[u8]; 6] =
        [b"{\"instance\": {", b"not json", b"[]", b"\"instance\"", b"{\"instance\": {}} trailing", &[0xff, 0xfe, 0x00]];
    for body in bodies {
        for (method, p) in
            [(Method::POST, path("/instances")), (Method::PUT, inst("db1")), (Method::POST, action_path("db1"))]
        {
            let r = fj.fj_raw(method.clone(), &p, body.to_vec(), &json_ct).await;
            assert_eq!(r.status, 400, "{method} {p} {:?}: {}", String::from_utf8_lossy(body), r.text);
            r.assert_fj_error(400, "");
        }
    }
    assert_eq!(fj.show("db1").await.body, before);
    assert_eq!(fj.list().await.len(), 1);
}

#[tokio::test]
async fn wrong_json_types_are_400_naming_the_field() {
    let fj = Fj::start().await;
    let before = fj.list().await;
    let cases = [
        (json!({"instance": []}), "instance"),
        (json!({"instance": {"flavorRef": FLAVOR, "volume": 20, "masterUserPassword": MASTER_PASSWORD}}), "volume"),
        (
            json!({"instance": {"flavorRef": [FLAVOR], "volume": {"size": 20}, "masterUserPassword": MASTER_PASSWORD}}),
            "flavorRef",
        ),
        (create_body_with("x1", json!({"databases": {"name": "a"}})), "databases"),
        (create_body_with("x1", json!({"users": "demouser"})), "users"),
        (create_body_with("x1", json!({"autoScale": []})), "autoScale"),
        (create_body_with("x1", json!({"preferredRecoveryTime": true})), "preferredRecoveryTime"),
    ];
    for (body, field) in cases {
        let r = fj.post_instances(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.assert_fj_error(400, field);
    }
    assert_eq!(fj.list().await, before);
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_400_since_fujitsu_has_no_415() {
    let fj = Fj::start().await;
    // "POST/PUT の場合 application/json を指定" (seed 211–218); the error table (232–245)
    // has no 415, so badRequest.
    let body = serde_json::to_vec(&create_body("db1")).unwrap();
    for ct in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let r = fj.fj_raw(Method::POST, &path("/instances"), body.clone(), &[("content-type", ct)]).await;
        assert_eq!(r.status, 400, "{ct}: {}", r.text);
        r.assert_fj_error(400, "");
    }
    let r = fj.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
    assert_eq!(r.status, 200);
    let raw = serde_json::to_vec(&password_auth(USER, DOMAIN, PASSWORD)).unwrap();
    let r = fj.send_raw(Method::POST, &path("/auth/token"), None, Some(raw), &[("content-type", "text/plain")]).await;
    r.assert_fj_error(400, "");
    assert!(fj.list().await.is_empty());
    // A charset parameter is still JSON.
    let r = fj
        .fj_raw(Method::POST, &path("/instances"), body, &[("content-type", "application/json; charset=utf-8")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn an_oversized_body_is_413_over_limit_and_creates_nothing() {
    let fj = Fj::start().await;
    let mut body = create_body("db1");
    body["instance"]["description"] = json!("x".repeat(2 << 20));
    let r = fj.fj_raw(Method::POST, &path("/instances"), serde_json::to_vec(&body).unwrap(), &[]).await;
    r.assert_fj_error(413, "");
    assert!(fj.list().await.is_empty());
}

#[tokio::test]
async fn a_wrong_method_is_405_bad_method_and_an_unknown_path_404() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    for (method, p) in [
        (Method::PATCH, inst("db1")),
        (Method::DELETE, path("/instances")),
        (Method::PUT, path("/instances")),
        (Method::GET, action_path("db1")),
        (Method::DELETE, path("/flavors/11")),
        (Method::GET, path("/auth/token")),
    ] {
        let r = fj.fj(method.clone(), &p, None).await;
        assert_eq!(r.status, 405, "{method} {p}: {}", r.text);
        r.assert_fj_error(405, "");
    }
    let r = fj.fj_get(&path("/nothing-here")).await;
    r.assert_fj_error(404, "");
    let r = fj.fj_get(&format!("{}/extra", action_path("db1"))).await;
    r.assert_fj_error(404, "");
    assert_eq!(fj.instance_status("db1").await, "ACTIVE");
}

#[tokio::test]
async fn an_empty_body_on_a_create_or_an_action_is_400() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = fj.fj_raw(Method::POST, &path("/instances"), Vec::new(), &[]).await;
    r.assert_fj_error(400, "instance");
    let r = fj.fj_raw(Method::POST, &action_path("db1"), Vec::new(), &[]).await;
    r.assert_fj_error(400, "action");
    let r = fj.fj_raw(Method::PUT, &inst("db1"), Vec::new(), &[]).await;
    r.assert_fj_error(400, "instance");
    assert_eq!(fj.list().await.len(), 1);
}
