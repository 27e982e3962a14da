//! The service state machine (spec §6): transitions on the simulated clock (T-39..T-50)
//! and the whole §6.4 operation × state table. Every operation in every state where it
//! is forbidden gets 409 `CONFLICT: ...` and changes nothing; no-ops answer 200 with the
//! unchanged service. Abnormal states are forced with
//! `POST /_sim/clickhouse/services/{id}/state`.

use hyper::Method;

use super::services::{force_state, get_service, services_path, set_knobs, svc, svc_path};
use crate::support::*;

/// The states of the §6.4 columns (`terminated`/`softdeleted` are hidden: see below).
const STATES: [&str; 12] = [
    "provisioning",
    "starting",
    "running",
    "idle",
    "awaking",
    "partially_running",
    "degraded",
    "failed",
    "stopping",
    "stopped",
    "terminating",
    "softdeleting",
];

/// What §6.4 says about one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    /// ✓: 200, the service is now in this state.
    To(&'static str),
    /// ✓ without a state change (updates, scaling, password, private endpoints).
    Same,
    /// N: 200 with the unchanged service, and nothing changed.
    NoOp,
    /// ✗: 409, unchanged.
    Refused,
}

fn deleting(state: &str) -> bool {
    matches!(state, "terminating" | "softdeleting")
}

fn start_cell(state: &str) -> Cell {
    match state {
        "provisioning" | "starting" | "running" | "awaking" => Cell::NoOp,
        "idle" => Cell::To("awaking"),
        "partially_running" | "degraded" | "failed" | "stopped" => Cell::To("starting"),
        _ => Cell::Refused, // stopping, terminating, softdeleting
    }
}

fn stop_cell(state: &str) -> Cell {
    match state {
        "failed" => Cell::To("stopped"), // at once (I)
        "stopping" | "stopped" => Cell::NoOp,
        s if deleting(s) => Cell::Refused,
        _ => Cell::To("stopping"),
    }
}

fn awake_cell(state: &str) -> Cell {
    match state {
        "idle" => Cell::To("awaking"),
        "provisioning" | "starting" | "running" | "awaking" | "partially_running" | "degraded" => Cell::NoOp,
        _ => Cell::Refused, // failed, stopping, stopped (O2), deleting
    }
}

fn delete_cell(state: &str, live: bool) -> Cell {
    let allowed: &[&str] = if live {
        &["provisioning", "starting", "awaking", "idle", "stopped", "degraded", "failed"]
    } else {
        &["stopped"]
    };
    if allowed.contains(&state) {
        Cell::To("terminating")
    } else {
        Cell::Refused
    }
}

fn configure_cell(state: &str) -> Cell {
    if deleting(state) {
        Cell::Refused
    } else {
        Cell::Same
    }
}

/// A fresh service forced into `state`.
async fn service_in(sim: &Sim, state: &str) -> String {
    let id = sim.create_service(json!({"name": format!("svc {}", state.replace('_', " "))})).await;
    force_state(sim, &id, state).await;
    id
}

/// Runs one request against a service in `state` and checks the cell: status, envelope,
/// resulting state, and "nothing changed" for refusals and no-ops.
async fn check_cell(
    sim: &Sim,
    state: &str,
    method: Method,
    tail: &str,
    body: Option<Value>,
    cell: Cell,
    conflict: &str,
) {
    let id = service_in(sim, state).await;
    let path = if tail.is_empty() { svc(&id) } else { svc_path(&id, tail) };
    let before = get_service(sim, &id).await;
    let r = sim.ch(method.clone(), &path, body.clone()).await;
    let ctx = format!("{method} {tail} {body:?} in state {state}");
    match cell {
        Cell::Refused => {
            r.assert_ch_error(409, "CONFLICT");
            let expected = conflict.replace("<state>", state);
            assert_eq!(r.error(), format!("CONFLICT: {expected}"), "{ctx}");
            assert_eq!(get_service(sim, &id).await, before, "a refusal changes nothing: {ctx}");
        }
        Cell::NoOp => {
            assert_eq!(r.assert_ok(), &before, "a no-op answers the unchanged service: {ctx}");
            assert_eq!(get_service(sim, &id).await, before, "a no-op changes nothing: {ctx}");
        }
        Cell::Same => {
            assert_eq!(r.status, 200, "{ctx}: {}", r.text);
            assert_eq!(get_service(sim, &id).await["state"], state, "{ctx}");
        }
        Cell::To(to) => {
            assert_eq!(r.status, 200, "{ctx}: {}", r.text);
            assert_eq!(sim.state_of(&id).await, to, "{ctx}");
        }
    }
}

// ---- §6.4, row by row ------------------------------------------------------------------

#[tokio::test]
async fn reads_succeed_in_every_state_until_removal() {
    let sim = Sim::start().await;
    for state in STATES {
        let id = service_in(&sim, state).await;
        assert_eq!(get_service(&sim, &id).await["state"], state);
        sim.get(&svc_path(&id, "privateEndpointConfig")).await.assert_ok();
        let list = sim.get(&services_path()).await;
        assert!(list.assert_ok().as_array().unwrap().iter().any(|s| s["id"] == id.as_str()), "{state} listed");
    }
}

#[tokio::test]
async fn basic_update_is_refused_only_while_deleting() {
    let sim = Sim::start().await;
    for state in STATES {
        let cell = configure_cell(state);
        check_cell(
            &sim,
            state,
            Method::PATCH,
            "",
            Some(json!({"name": "renamed"})),
            cell,
            "Cannot update service in state '<state>'",
        )
        .await;
    }
}

#[tokio::test]
async fn start_follows_the_state_table() {
    let sim = Sim::start().await;
    for state in STATES {
        let body = Some(json!({"command": "start"}));
        check_cell(
            &sim,
            state,
            Method::PATCH,
            "state",
            body,
            start_cell(state),
            "Cannot start service in state '<state>'",
        )
        .await;
    }
}

#[tokio::test]
async fn stop_follows_the_state_table() {
    let sim = Sim::start().await;
    for state in STATES {
        let body = Some(json!({"command": "stop"}));
        check_cell(
            &sim,
            state,
            Method::PATCH,
            "state",
            body,
            stop_cell(state),
            "Cannot stop service in state '<state>'",
        )
        .await;
    }
}

#[tokio::test]
async fn awake_follows_the_state_table() {
    let sim = Sim::start().await;
    for state in STATES {
        let body = Some(json!({"command": "awake"}));
        check_cell(
            &sim,
            state,
            Method::PATCH,
            "state",
            body,
            awake_cell(state),
            "Cannot awake service in state '<state>'",
        )
        .await;
    }
}

#[tokio::test]
async fn delete_is_allowed_only_when_stopped_under_the_seed_reading() {
    // SEED-A 353 "must be in stopped state": knob deleteAllowedStates=seed.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.deleteAllowedStates": "seed"})).await;
    let text = "Only instance in one of the following states: 'stopped' can be terminated. Current state: '<state>'";
    for state in STATES {
        check_cell(&sim, state, Method::DELETE, "", None, delete_cell(state, false), text).await;
    }
}

#[tokio::test]
async fn delete_follows_the_live_list_by_default() {
    // T-48 and the `live` row: the live API's rule and 409 text (O4) are the default.
    let sim = Sim::start().await;
    let text = "Only instance in one of the following states: 'provisioning','starting','awaking','idle','stopped','degraded','failed' can be terminated. Current state: '<state>'";
    for state in STATES {
        check_cell(&sim, state, Method::DELETE, "", None, delete_cell(state, true), text).await;
    }
}

#[tokio::test]
async fn scaling_password_and_private_endpoints_are_refused_only_while_deleting() {
    let sim = Sim::start().await;
    for state in STATES {
        let cell = configure_cell(state);
        let scale = "Cannot scale service in state '<state>'";
        check_cell(&sim, state, Method::PATCH, "scaling", Some(json!({"idleTimeoutMinutes": 30})), cell, scale).await;
        check_cell(&sim, state, Method::PATCH, "replicaScaling", Some(json!({"maxReplicaMemoryGb": 64})), cell, scale)
            .await;
        let pw = "Cannot change the password of service in state '<state>'";
        check_cell(&sim, state, Method::PATCH, "password", Some(json!({})), cell, pw).await;
        let pe = "Cannot add a private endpoint to service in state '<state>'";
        let body = Some(json!({"id": format!("vpce-{state}")}));
        check_cell(&sim, state, Method::POST, "privateEndpoint", body, cell, pe).await;
    }
}

#[tokio::test]
async fn accepted_configuration_changes_keep_the_state() {
    let sim = Sim::start().await;
    for state in STATES.iter().filter(|s| !deleting(s)) {
        let id = service_in(&sim, state).await;
        let r = sim.patch(&svc_path(&id, "replicaScaling"), json!({"maxReplicaMemoryGb": 64})).await;
        assert_eq!(r.assert_ok()["state"], *state);
        assert_eq!(r.result()["maxReplicaMemoryGb"], 64);
        let r = sim.patch(&svc(&id), json!({"name": "renamed"})).await;
        assert_eq!(r.assert_ok()["state"], *state);
    }
}

#[tokio::test]
async fn removed_states_are_invisible() {
    let sim = Sim::start().await;
    for state in ["terminated", "softdeleted"] {
        let id = sim.create_service(json!({})).await;
        let r = sim.sim_post(&format!("/_sim/clickhouse/services/{id}/state"), json!({"state": state})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        sim.get(&svc(&id)).await.assert_ch_error(404, "NOT_FOUND");
        let list = sim.get(&services_path()).await;
        assert!(!list.assert_ok().as_array().unwrap().iter().any(|s| s["id"] == id.as_str()));
    }
}

// ---- transitions on the clock (T-39..T-50) ---------------------------------------------

#[tokio::test]
async fn stop_goes_through_stopping_to_stopped() {
    // T-39
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await;
    assert_eq!(r.assert_ok()["state"], "stopping");
    let adv = sim.advance(19).await;
    assert_eq!(adv["transitions"], json!([]));
    assert_eq!(sim.state_of(&id).await, "stopping");
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"].as_array().unwrap().len(), 1);
    let t = &adv["transitions"][0];
    assert_eq!(
        (t["id"].as_str(), t["from"].as_str(), t["to"].as_str()),
        (Some(id.as_str()), Some("stopping"), Some("stopped"))
    );
    assert_eq!(t["kind"], "service");
    assert_eq!(t["at"], "2025-01-01T00:01:20Z");
    assert_eq!(sim.state_of(&id).await, "stopped");
}

#[tokio::test]
async fn start_goes_through_starting_to_running() {
    // T-40
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await;
    assert_eq!(r.assert_ok()["state"], "starting");
    sim.advance(29).await;
    assert_eq!(sim.state_of(&id).await, "starting");
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"][0]["from"], "starting");
    assert_eq!(adv["transitions"][0]["to"], "running");
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn deleting_a_running_service_is_a_conflict_with_the_live_text() {
    // T-42
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim.delete(&svc(&id)).await;
    r.assert_ch_error(409, "CONFLICT: Only instance in one of the following states:");
    assert!(r.error().ends_with("Current state: 'running'"), "{}", r.error());
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn deleting_a_stopped_service_terminates_it_and_it_disappears() {
    // T-43
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let keep = sim.create_service(json!({"name": "keep"})).await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let r = sim.delete(&svc(&id)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], 200);
    assert_eq!(r.body["requestId"].as_str().unwrap().len(), 36);
    assert!(r.body.get("result").is_none(), "DELETE answers no result: {}", r.text);
    assert_eq!(sim.state_of(&id).await, "terminating");
    // Still listed while terminating; a second DELETE is a conflict.
    assert_eq!(sim.service_count().await, 2);
    let again = sim.delete(&svc(&id)).await;
    again.assert_ch_error(409, "CONFLICT");
    assert!(again.error().ends_with("Current state: 'terminating'"), "{}", again.error());
    sim.advance(29).await;
    assert_eq!(sim.state_of(&id).await, "terminating");
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"][0]["from"], "terminating");
    assert_eq!(adv["transitions"][0]["to"], "terminated");
    let r = sim.get(&svc(&id)).await;
    r.assert_ch_error(404, "NOT_FOUND");
    assert_eq!(r.error(), format!("NOT_FOUND: Service {id} not found"));
    let list = sim.get(&services_path()).await;
    let ids: Vec<&str> = list.assert_ok().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [keep.as_str()]);
    sim.delete(&svc(&id)).await.assert_ch_error(404, "NOT_FOUND");
    sim.patch(&svc(&id), json!({"name": "x"})).await.assert_ch_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn deleting_the_last_service_of_a_warehouse_removes_the_warehouse() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let wh = get_service(&sim, &id).await["dataWarehouseId"].as_str().unwrap().to_owned();
    force_state(&sim, &id, "stopped").await;
    sim.delete(&svc(&id)).await;
    sim.advance(30).await;
    let r = sim
        .post(
            &services_path(),
            json!({"name": "late", "provider": "aws", "region": "us-east-1", "dataWarehouseId": wh}),
        )
        .await;
    r.assert_ch_error(400, "BAD_REQUEST");
    assert_eq!(r.error(), format!("BAD_REQUEST: Data warehouse '{wh}' not found"));
}

#[tokio::test]
async fn a_primary_with_secondaries_cannot_be_deleted() {
    let sim = Sim::start().await;
    let primary = sim.create_service(json!({})).await;
    let wh = get_service(&sim, &primary).await["dataWarehouseId"].as_str().unwrap().to_owned();
    let secondary = sim.create_service(json!({"name": "second", "dataWarehouseId": wh, "numReplicas": 1})).await;
    force_state(&sim, &primary, "stopped").await;
    force_state(&sim, &secondary, "stopped").await;
    let r = sim.delete(&svc(&primary)).await;
    r.assert_ch_error(409, "CONFLICT");
    assert_eq!(r.error(), "CONFLICT: Primary service cannot be deleted while the warehouse has other services");
    assert_eq!(sim.state_of(&primary).await, "stopped");
    // Delete the secondary first; once it is gone the primary may go.
    sim.delete(&svc(&secondary)).await.assert_ok_empty();
    sim.advance(30).await;
    sim.delete(&svc(&primary)).await.assert_ok_empty();
    sim.advance(30).await;
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn stopping_cannot_be_started() {
    // T-44
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await;
    r.assert_ch_error(409, "CONFLICT");
    assert_eq!(r.error(), "CONFLICT: Cannot start service in state 'stopping'");
    sim.advance(20).await;
    assert_eq!(sim.state_of(&id).await, "stopped");
}

#[tokio::test]
async fn stopping_a_stopped_service_is_a_no_op() {
    // T-45
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let before = get_service(&sim, &id).await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await;
    assert_eq!(r.assert_ok(), &before);
    let adv = sim.advance(3600).await;
    assert_eq!(adv["transitions"], json!([]));
}

/// The activity kinds recorded for a service so far (from `GET /_sim/state`).
async fn activity_kinds(sim: &Sim, id: &str) -> Vec<String> {
    let state = sim.sim_get("/_sim/state").await;
    let mut all: Vec<&Value> = state.body["providers"]["clickhouse"]["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter(|a| a["serviceId"] == id)
        .collect();
    all.sort_by_key(|a| a["seq"].as_u64());
    all.iter().map(|a| a["kind"].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn no_op_commands_record_no_activity() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await.assert_ok();
    sim.patch(&svc_path(&id, "state"), json!({"command": "awake"})).await.assert_ok();
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    let kinds = activity_kinds(&sim, &id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "service_stop").count(), 1, "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "service_start" || k == "service_awaken"), "{kinds:?}");
    // Stopping a failed service stops it at once, and that is recorded.
    force_state(&sim, &id, "failed").await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    let kinds = activity_kinds(&sim, &id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "service_stop").count(), 2, "{kinds:?}");
}

#[tokio::test]
async fn an_idle_timeout_idles_a_running_service_and_awake_brings_it_back() {
    // T-46
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleScaling": true, "idleTimeoutMinutes": 5})).await;
    sim.advance(60).await; // running at 00:01:00
    sim.advance(299).await;
    assert_eq!(sim.state_of(&id).await, "running");
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"][0]["from"], "running");
    assert_eq!(adv["transitions"][0]["to"], "idle");
    assert_eq!(adv["transitions"][0]["at"], "2025-01-01T00:06:00Z");
    assert_eq!(sim.state_of(&id).await, "idle");
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "awake"})).await;
    assert_eq!(r.assert_ok()["state"], "awaking");
    sim.advance(14).await;
    assert_eq!(sim.state_of(&id).await, "awaking");
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"][0]["to"], "running");
    assert_eq!(sim.state_of(&id).await, "running");
    // ... and idles again after another timeout.
    sim.advance(300).await;
    assert_eq!(sim.state_of(&id).await, "idle");
}

#[tokio::test]
async fn start_on_an_idle_service_awakes_it() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    sim.advance(360).await;
    assert_eq!(sim.state_of(&id).await, "idle");
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await;
    assert_eq!(r.assert_ok()["state"], "awaking");
    sim.advance(15).await;
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn the_default_idle_timeout_is_fifteen_minutes() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(15 * 60 - 1).await;
    assert_eq!(sim.state_of(&id).await, "running");
    sim.advance(1).await;
    assert_eq!(sim.state_of(&id).await, "idle");
}

#[tokio::test]
async fn no_idling_without_idle_scaling_or_with_auto_idle_off() {
    let sim = Sim::start().await;
    let off = sim.create_service(json!({"idleScaling": false, "idleTimeoutMinutes": 5})).await;
    sim.advance(3600).await;
    assert_eq!(sim.state_of(&off).await, "running");
    set_knobs(&sim, json!({"clickhouse.autoIdle": false})).await;
    let auto_off = sim.create_service(json!({"name": "auto off", "idleTimeoutMinutes": 5})).await;
    sim.advance(3600).await;
    assert_eq!(sim.state_of(&auto_off).await, "running");
}

#[tokio::test]
async fn control_plane_calls_do_not_count_as_activity() {
    // §6.2: API calls do not wake a service or reset its idle timer.
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    sim.advance(60 + 240).await;
    get_service(&sim, &id).await;
    sim.patch(&svc(&id), json!({"name": "renamed"})).await.assert_ok();
    sim.advance(60).await;
    assert_eq!(sim.state_of(&id).await, "idle");
}

#[tokio::test]
async fn the_activity_hook_resets_the_idle_timer_and_wakes_an_idle_service() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    sim.advance(60 + 240).await; // 4 of 5 minutes idle
    let r = sim.sim_post(&format!("/_sim/clickhouse/services/{id}/activity"), json!({})).await;
    assert_eq!(r.status, 200);
    sim.advance(240).await;
    assert_eq!(sim.state_of(&id).await, "running", "the timer restarted");
    sim.advance(60).await;
    assert_eq!(sim.state_of(&id).await, "idle");
    let r = sim.sim_post(&format!("/_sim/clickhouse/services/{id}/activity"), json!({})).await;
    assert_eq!(r.body["state"], "awaking");
    sim.advance(15).await;
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn raising_the_idle_timeout_postpones_idling_and_lowering_it_brings_it_forward() {
    let sim = Sim::start().await;
    let a = sim.create_service(json!({"name": "raised", "idleTimeoutMinutes": 5})).await;
    let b = sim.create_service(json!({"name": "lowered", "idleTimeoutMinutes": 30})).await;
    sim.advance(60 + 120).await;
    sim.patch(&svc_path(&a, "scaling"), json!({"idleTimeoutMinutes": 10})).await.assert_ok();
    sim.patch(&svc_path(&b, "replicaScaling"), json!({"idleTimeoutMinutes": 5})).await.assert_ok();
    sim.advance(180).await; // 5 minutes after running
    assert_eq!(sim.state_of(&a).await, "running");
    assert_eq!(sim.state_of(&b).await, "idle");
    sim.advance(300).await; // 10 minutes after running
    assert_eq!(sim.state_of(&a).await, "idle");
}

#[tokio::test]
async fn turning_idle_scaling_off_keeps_the_service_running() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    sim.advance(120).await;
    sim.patch(&svc_path(&id, "scaling"), json!({"idleScaling": false})).await.assert_ok();
    sim.advance(3600).await;
    assert_eq!(sim.state_of(&id).await, "running");
    sim.patch(&svc_path(&id, "scaling"), json!({"idleScaling": true})).await.assert_ok();
    sim.advance(300).await;
    assert_eq!(sim.state_of(&id).await, "idle");
}

#[tokio::test]
async fn awake_on_a_stopped_service_is_a_conflict() {
    // T-47
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "awake"})).await;
    r.assert_ch_error(409, "CONFLICT");
    assert_eq!(r.error(), "CONFLICT: Cannot awake service in state 'stopped'");
    assert_eq!(sim.state_of(&id).await, "stopped");
}

#[tokio::test]
async fn live_delete_of_an_idle_service_terminates_it() {
    // T-48
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.deleteAllowedStates": "live"})).await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    sim.advance(360).await;
    assert_eq!(sim.state_of(&id).await, "idle");
    sim.delete(&svc(&id)).await.assert_ok_empty();
    assert_eq!(sim.state_of(&id).await, "terminating");
    sim.advance(30).await;
    assert_eq!(sim.state_of(&id).await, "<gone>");
}

#[tokio::test]
async fn a_terminating_service_cannot_be_updated() {
    // T-49
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    force_state(&sim, &id, "stopped").await;
    sim.delete(&svc(&id)).await.assert_ok_empty();
    let r = sim.patch(&svc(&id), json!({"name": "x"})).await;
    r.assert_ch_error(409, "CONFLICT");
    assert_eq!(r.error(), "CONFLICT: Cannot update service in state 'terminating'");
}

#[tokio::test]
async fn a_failed_service_can_be_started_or_stopped_at_once() {
    // T-50
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    force_state(&sim, &id, "failed").await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await;
    assert_eq!(r.assert_ok()["state"], "starting");
    sim.advance(30).await;
    assert_eq!(sim.state_of(&id).await, "running");
    force_state(&sim, &id, "failed").await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await;
    assert_eq!(r.assert_ok()["state"], "stopped");
    assert_eq!(sim.advance(3600).await["transitions"], json!([]));
}

#[tokio::test]
async fn stop_while_provisioning_wins_over_the_provisioning_timer() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    sim.advance(10).await;
    let r = sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await;
    assert_eq!(r.assert_ok()["state"], "stopping");
    let adv = sim.advance(60).await;
    let moves: Vec<(String, String)> = adv["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_str().unwrap().to_owned(), t["to"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(moves, [("stopping".to_owned(), "stopped".to_owned())]);
    assert_eq!(sim.state_of(&id).await, "stopped");
}

#[tokio::test]
async fn forced_transitional_states_complete_on_the_clock() {
    // A forced transitional state runs to its natural end, like a real one.
    let sim = Sim::start().await;
    for (state, secs, end) in [
        ("starting", 30, "running"),
        ("stopping", 20, "stopped"),
        ("awaking", 15, "running"),
        ("provisioning", 60, "running"),
    ] {
        let id = sim.create_service(json!({"idleScaling": false})).await;
        sim.advance(60).await;
        force_state(&sim, &id, state).await;
        sim.advance(secs - 1).await;
        assert_eq!(sim.state_of(&id).await, state);
        sim.advance(1).await;
        assert_eq!(sim.state_of(&id).await, end, "{state} ends in {end}");
    }
    let id = sim.create_service(json!({})).await;
    force_state(&sim, &id, "terminating").await;
    sim.advance(30).await;
    assert_eq!(sim.state_of(&id).await, "<gone>");
}

#[tokio::test]
async fn a_service_forced_into_running_starts_its_idle_timer_then() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleTimeoutMinutes": 5})).await;
    force_state(&sim, &id, "degraded").await;
    sim.advance(600).await;
    assert_eq!(sim.state_of(&id).await, "degraded");
    force_state(&sim, &id, "running").await;
    sim.advance(299).await;
    assert_eq!(sim.state_of(&id).await, "running");
    sim.advance(1).await;
    assert_eq!(sim.state_of(&id).await, "idle");
}

#[tokio::test]
async fn soft_delete_goes_through_softdeleting_and_hides_the_service() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.softDelete": true})).await;
    let id = sim.create_service(json!({})).await;
    force_state(&sim, &id, "stopped").await;
    sim.delete(&svc(&id)).await.assert_ok_empty();
    assert_eq!(sim.state_of(&id).await, "softdeleting");
    let adv = sim.advance(30).await;
    assert_eq!(adv["transitions"][0]["to"], "softdeleted");
    sim.get(&svc(&id)).await.assert_ch_error(404, "NOT_FOUND");
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn delete_returns_the_service_with_the_knob() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.deleteReturnsService": true})).await;
    let id = sim.create_service(json!({})).await;
    force_state(&sim, &id, "stopped").await;
    let r = sim.delete(&svc(&id)).await;
    let s = &r.assert_ok()["service"];
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["state"], "terminating");
}

#[tokio::test]
async fn durations_knobs_drive_every_transition() {
    let sim = Sim::start().await;
    set_knobs(
        &sim,
        json!({"clickhouse.durations.stop": 2, "clickhouse.durations.start": 3, "clickhouse.durations.terminate": 4}),
    )
    .await;
    let id = sim.running_service().await;
    sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(2).await;
    assert_eq!(sim.state_of(&id).await, "stopped");
    sim.patch(&svc_path(&id, "state"), json!({"command": "start"})).await.assert_ok();
    sim.advance(3).await;
    assert_eq!(sim.state_of(&id).await, "running");
    force_state(&sim, &id, "stopped").await;
    sim.delete(&svc(&id)).await.assert_ok_empty();
    sim.advance(4).await;
    assert_eq!(sim.state_of(&id).await, "<gone>");
}

trait EmptyOk {
    fn assert_ok_empty(&self);
}

impl EmptyOk for Resp {
    /// 200 `{status, requestId}` without `result` (DELETE operations, O1).
    #[track_caller]
    fn assert_ok_empty(&self) {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.body["status"], 200);
        assert!(self.body.get("result").is_none(), "{}", self.text);
    }
}
