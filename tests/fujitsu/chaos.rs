//! Fujitsu through the provider-neutral chaos seam: status rules answering the Fujitsu
//! body (503 with Retry-After: "数分間待ってから API のリトライ", seed 172), resource rules
//! forcing FAILED / ERROR / DEGENERATED with the seed's recovery paths, fail_next_transition
//! and stall_seconds seen by polling, scenario seeding, state dump and restore, the journal
//! and the OpenAPI document.

use hyper::Method;

use super::restores::{pitr, pitr_body};
use crate::support::fujitsu::*;
use crate::support::*;

fn create_rule(action: Value) -> Value {
    json!({"match": {"provider": "fujitsu", "method": "POST", "path": "/v1.0/*/instances"}, "action": action})
}

#[tokio::test]
async fn an_injected_503_answers_the_fujitsu_body_with_retry_after_and_creates_nothing() {
    let fj = Fj::start().await;
    let id = fj.add_rule(create_rule(json!({"kind": "status", "status": 503}))).await;
    let r = fj.post_instances(create_body("db1")).await;
    r.assert_fj_error(503, "");
    assert_eq!(r.header("retry-after"), Some("1"), "503 sends Retry-After (DESIGN default 1)");
    assert!(fj.list().await.is_empty());
    let entry = fj.journal("&method=POST").await.last().cloned().expect("journaled");
    assert_eq!(entry["fault"], json!(id));
    assert_eq!(entry["status"], 503);
    assert_eq!(entry["tenant"], TENANT);
    fj.clear_rules().await;
    // The retry (after the client waited) goes through.
    fj.create_instance("db1").await;
}

#[tokio::test]
async fn injected_statuses_carry_the_seeds_error_names_and_an_explicit_retry_after() {
    let fj = Fj::start().await;
    for status in [500u16, 501, 503, 504, 400, 404, 413, 422] {
        let id = fj
            .add_rule(json!({"match": {"provider": "fujitsu", "method": "GET", "path": "/v1.0/*/instances"},
                             "action": {"kind": "status", "status": status, "retry_after": 7}}))
            .await;
        let r = fj.fj_get(&path("/instances")).await;
        r.assert_fj_error(status, "");
        assert_eq!(r.header("retry-after"), Some("7"), "{status}");
        fj.send(Method::DELETE, &format!("/_sim/faults/{id}"), None, None, &[]).await;
    }
    assert_eq!(fj.fj_get(&path("/instances")).await.status, 200);
}

#[tokio::test]
async fn a_rule_matches_by_the_journals_operation_name_and_tenant() {
    let fj = Fj::start().await;
    fj.fj_get(&path("/instances")).await;
    let op = fj.journal("&method=GET").await.last().unwrap()["operation"].as_str().unwrap().to_owned();
    let id = fj
        .add_rule(
            json!({"match": {"provider": "fujitsu", "operation": op, "tenant": TENANT}, "action": {"kind": "status"},
                         "schedule": {"times": 2}}),
        )
        .await;
    fj.fj_get(&path("/instances")).await.assert_fj_error(503, "");
    fj.fj_get(&path("/instances")).await.assert_fj_error(503, "");
    assert_eq!(fj.fj_get(&path("/instances")).await.status, 200, "times: 2");
    // Other operations do not match.
    assert_eq!(fj.fj_get(&path("/flavors")).await.status, 200);
    let rules = fj.sim_get("/_sim/faults").await.body["faults"].clone();
    let rule = rules.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(rule["fired"], 2, "{rule}");
}

#[tokio::test]
async fn a_resource_rule_on_the_create_targets_the_new_instance() {
    let fj = Fj::start().await;
    fj.add_rule(create_rule(json!({"kind": "resource", "state": "FAILED"}))).await;
    let r = fj.post_instances(create_body("db1")).await;
    assert_eq!(r.instance()["status"], "BUILD", "the answer was made before the rule acted");
    assert_eq!(fj.instance_status("db1").await, "FAILED");
    fj.advance(86_400).await;
    assert_eq!(fj.instance_status("db1").await, "FAILED", "nothing moves it out by itself");
}

#[tokio::test]
async fn a_failed_instance_is_recovered_by_pitr_and_may_be_deleted() {
    let fj = Fj::start().await;
    super::restores::backed_up_instance(&fj, "db1").await;
    fj.force_state("db1", "FAILED").await;
    // Failed: recover with 1.2.2.4 or 1.2.2.5 (seed 261).
    let r = pitr(&fj, "db1", pitr_body("db1-recovered")).await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
    fj.wait_active("db1-recovered").await;
    fj.modify("db1", json!({"description": "x"})).await.assert_fj_error(422, "");
    // DELETE is not among the refused "POST/PUT" (A26).
    fj.delete("db1").await.assert_accepted();
}

#[tokio::test]
async fn an_error_instance_can_only_be_deleted_and_created_again() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.force_state("db1", "ERROR").await;
    // Error after 1.2.2.1: "再作成を実施してください" (seed 262).
    for (r, what) in [
        (fj.act("db1", "start").await, "start"),
        (fj.act("db1", "stop").await, "stop"),
        (fj.act("db1", "reboot").await, "reboot"),
        (fj.modify("db1", json!({"volume": {"size": 30}})).await, "disk size"),
    ] {
        assert_eq!(r.status, 422, "{what} in ERROR: {}", r.text);
        r.assert_fj_error(422, "");
    }
    fj.delete("db1").await.assert_accepted();
    for _ in 0..1440 {
        if fj.show("db1").await.status == 404 {
            break;
        }
        fj.advance(60).await;
    }
    fj.show("db1").await.assert_fj_error(404, "DBInstanceNotFound");
    fj.active_instance("db1").await;
}

#[tokio::test]
async fn a_degenerated_instance_recovers_by_itself_at_its_preferred_recovery_time() {
    let fj = Fj::start().await;
    // applyImmediately: recovery starts at once (seed 489–498), and takes a while (255).
    fj.active_instance("now").await;
    fj.create_instance_with("later", json!({"preferredRecoveryTime": {"time": "03:00"}})).await;
    fj.wait_active("later").await;
    fj.force_state("now", "DEGENERATED").await;
    fj.force_state("later", "DEGENERATED").await;
    fj.wait_for("now", "ACTIVE", 6 * 3600).await;
    assert_eq!(fj.instance_status("later").await, "DEGENERATED", "waits for 03:00 UTC");
    // The clock started at midnight; at 03:00 the recovery starts.
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    let three = epoch_secs("2025-01-01T03:00:00Z").unwrap();
    assert!(now < three, "still before 03:00");
    fj.advance((three - now - 60) as u64).await;
    assert_eq!(fj.instance_status("later").await, "DEGENERATED");
    fj.wait_for("later", "ACTIVE", 6 * 3600).await;
}

#[tokio::test]
async fn fail_next_transition_makes_a_create_end_in_error_and_a_new_create_succeeds() {
    let fj = Fj::start().await;
    fj.add_rule(json!({"match": {"provider": "fujitsu", "method": "POST", "path": "/v1.0/*/instances"},
                       "action": {"kind": "resource", "fail_next_transition": true}, "schedule": {"times": 1}}))
        .await;
    fj.create_instance("db1").await;
    // Error after 1.2.2.1 (seed 262), instead of ACTIVE.
    fj.wait_for("db1", "ERROR", 86_400).await;
    fj.advance(86_400).await;
    assert_eq!(fj.instance_status("db1").await, "ERROR");
    fj.active_instance("db2").await;
}

#[tokio::test]
async fn stall_seconds_holds_a_build_for_that_simulated_time() {
    let fj = Fj::start().await;
    fj.create_instance("plain").await;
    let took = fj.wait_for("plain", "ACTIVE", 86_400).await;
    fj.add_rule(json!({"match": {"provider": "fujitsu", "method": "POST", "path": "/v1.0/*/instances"},
                       "action": {"kind": "resource", "stall_seconds": 7200}, "schedule": {"times": 1}}))
        .await;
    fj.create_instance("stalled").await;
    fj.advance(took + 60).await;
    assert_eq!(fj.instance_status("stalled").await, "BUILD", "held by the stall");
    fj.advance(7200).await;
    assert_eq!(fj.instance_status("stalled").await, "ACTIVE");
}

#[tokio::test]
async fn a_scenario_seeds_fujitsu_instances_in_any_state_and_a_broken_one_changes_nothing() {
    let fj = Fj::start().await;
    let yaml = r#"
resources:
  fujitsu:
    instances:
      - {id: seeded1, flavorRef: "1", volume: {size: 20}, masterUserPassword: Sim-passw0rd}
      - {id: seeded2, flavorRef: "1", volume: {size: 30}, masterUserPassword: Sim-passw0rd, status: SHUTDOWN}
      - {id: seeded3, flavorRef: "1", volume: {size: 20}, masterUserPassword: Sim-passw0rd, multi: true, status: degenerated}
"#;
    let r = fj.load(yaml).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = fj.list().await;
    let expect: Vec<(String, String)> = [("seeded1", "ACTIVE"), ("seeded2", "SHUTDOWN"), ("seeded3", "DEGENERATED")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(list, expect);
    assert_eq!(fj.show("seeded2").await.instance()["volume"]["size"], 30);
    // A broken one (port out of range) is refused by name, and nothing of it stays.
    let before = fj.fujitsu_state().await;
    let broken = r#"
resources:
  fujitsu:
    instances:
      - {id: fine1, flavorRef: "1", volume: {size: 20}, masterUserPassword: Sim-passw0rd}
      - {id: bad1, flavorRef: "1", volume: {size: 20}, masterUserPassword: Sim-passw0rd, port: 80}
"#;
    let r = fj.load(broken).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let error = r.body["error"].as_str().unwrap_or("");
    assert!(error.contains("instances[1]") && error.contains("port"), "{error}");
    assert_eq!(fj.fujitsu_state().await, before);
    let r = fj.load("resources: {fujitsu: {instances: [{id: x1, flavorRef: '1', volume: {size: 20}, masterUserPassword: p, status: MELTED}]}}").await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("MELTED"), "{}", r.text);
}

#[tokio::test]
async fn a_timeline_break_degenerates_an_instance_at_its_simulated_time() {
    let fj = Fj::start().await;
    let yaml = r#"
resources:
  fujitsu:
    instances:
      - {id: db1, flavorRef: "1", volume: {size: 20}, masterUserPassword: Sim-passw0rd, multi: true}
timeline:
  - {at: 600, break: {provider: fujitsu, resource_id: db1, state: DEGENERATED}}
"#;
    let r = fj.load(yaml).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.advance(599).await;
    assert_eq!(fj.instance_status("db1").await, "ACTIVE");
    let moved = fj.advance(1).await;
    let t = moved["transitions"].as_array().unwrap();
    assert!(
        t.iter().any(|t| t["provider"] == "fujitsu"
            && t["id"] == "db1"
            && t["from"] == "ACTIVE"
            && t["to"] == "DEGENERATED"),
        "{moved}"
    );
    assert_eq!(fj.instance_status("db1").await, "DEGENERATED");
}

#[tokio::test]
async fn a_state_dump_restores_instances_and_their_pending_transitions() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.active_instance("db3").await;
    fj.create_instance("db2").await;
    fj.act("db3", "stop").await.assert_accepted();
    let shown: Vec<Value> =
        [fj.show("db1").await, fj.show("db2").await, fj.show("db3").await].iter().map(|r| r.body.clone()).collect();
    let dump = fj.sim_get("/_sim/state").await.body;
    assert!(dump["providers"]["fujitsu"].is_object(), "{dump}");
    assert!(!dump.to_string().contains(MASTER_PASSWORD), "secrets are dumped only as hashes");

    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    assert!(fj.list().await.is_empty());
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Read back before any new token joins the dump.
    assert_eq!(
        fj.sim_get("/_sim/state").await.body["providers"]["fujitsu"],
        dump["providers"]["fujitsu"],
        "round trip"
    );
    fj.sync_clock().await;
    let again: Vec<Value> =
        [fj.show("db1").await, fj.show("db2").await, fj.show("db3").await].iter().map(|r| r.body.clone()).collect();
    assert_eq!(again, shown, "the same instances, field for field");
    // The pending transitions go on.
    fj.wait_active("db2").await;
    fj.wait_for("db3", "SHUTDOWN", 86_400).await;
    // New instances do not collide with restored ones.
    let fresh = fj
        .post_instances(
            json!({"instance": {"flavorRef": FLAVOR, "volume": {"size": 10}, "masterUserPassword": MASTER_PASSWORD}}),
        )
        .await;
    let fresh_ip = fresh.instance()["privateIp"].clone();
    assert!(shown.iter().all(|s| s["instance"]["privateIp"] != fresh_ip), "a new IP");
    // A broken Fujitsu part is refused and changes nothing.
    let before = fj.fujitsu_state().await;
    let broken = json!({"providers": {"fujitsu": {"instances": [1]}}});
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(broken), &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap_or("").contains("fujitsu"), "{}", r.text);
    assert_eq!(fj.fujitsu_state().await, before);
}

#[tokio::test]
async fn the_journal_records_each_fujitsu_operation_with_its_tenant() {
    let fj = Fj::start().await;
    fj.create_instance("db1").await;
    fj.show("db1").await;
    fj.show("nope").await;
    let entries = fj.journal("").await;
    let (token, create, show, missing) = (&entries[0], &entries[1], &entries[2], &entries[3]);
    for e in [token, create, show, missing] {
        assert_eq!(e["provider"], "fujitsu", "{e}");
        assert_eq!(e["tenant"], TENANT, "{e}");
        assert!(e["operation"].as_str().is_some_and(|o| !o.is_empty()), "{e}");
    }
    assert_eq!(
        (create["method"].clone(), create["path"].clone(), create["status"].clone()),
        (json!("POST"), json!(path("/instances")), json!(200))
    );
    assert_eq!(show["operation"], missing["operation"]);
    assert_eq!((show["status"].clone(), missing["status"].clone()), (json!(200), json!(404)));
    assert_ne!(create["operation"], show["operation"]);
    // A request without a token is journaled too, as a 401 of the same operation.
    fj.send(Method::GET, &inst("db1"), None, None, &[]).await;
    let last = fj.journal("").await.last().cloned().unwrap();
    assert_eq!((last["status"].clone(), last["operation"].clone()), (json!(401), show["operation"].clone()));
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation_the_journal_names() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // One request of each instance-family operation (seed 1.2.1) and the token.
    fj.fj_get(&path("/instances")).await;
    fj.show("db1").await;
    fj.modify("db1", json!({"description": "x"})).await;
    fj.wait_active("db1").await;
    fj.act("db1", "stop").await;
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    fj.act("db1", "start").await;
    fj.wait_active("db1").await;
    fj.act("db1", "reboot").await;
    fj.wait_active("db1").await;
    fj.force_state("db1", "BACKUP").await;
    fj.act("db1", "cancel").await;
    fj.fj(Method::POST, &inst("db1"), Some(pitr_body("p1"))).await;
    fj.post_instances(super::restores::replica_body("db1", "r1")).await;
    fj.post_instances(super::restores::restore_body("nosnap", "s1")).await;
    fj.fj_get(&path("/flavors")).await;
    fj.fj_get(&path("/flavors/11")).await;
    fj.fj_get(&path("/engineversion")).await;
    fj.delete("r1").await;
    let mut ops: Vec<String> =
        fj.journal("").await.iter().filter_map(|e| e["operation"].as_str().map(str::to_owned)).collect();
    ops.sort();
    ops.dedup();
    assert!(ops.len() >= 16, "16 distinct operations (15 of 1.2.1 and the token): {ops:?}");

    let r = fj.sim_get("/_sim/openapi/fujitsu.json").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", r.body["openapi"]);
    let paths = r.body["paths"].as_object().expect("paths");
    for p in [
        "/v1.0/{tenantId}/instances",
        "/v1.0/{tenantId}/instances/{instanceId}",
        "/v1.0/{tenantId}/instances/{instanceId}/action",
        "/v1.0/{tenantId}/auth/token",
        "/v1.0/{tenantId}/engineversion",
        "/v1.0/{tenantId}/flavors",
        "/v1.0/{tenantId}/flavors/{flavorId}",
    ] {
        assert!(paths.contains_key(p), "{p} in {:?}", paths.keys().collect::<Vec<_>>());
    }
    for op in &ops {
        assert!(r.text.contains(&format!("\"{op}\"")), "operation {op} is in the document");
    }
}
