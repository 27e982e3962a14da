//! Backups, backup configuration and the backup schedule (E14–E17, spec §8.2, T-65..T-72).
//!
//! Timeline of every test: the manual clock starts at 2025-01-01T00:00:00Z, a service
//! created at once is `running` at 00:01:00 (`Sim::running_service`), so with the default
//! configuration its first backup starts at 2025-01-02T00:01:00Z and takes 300 s.

use super::services::set_knobs;
use crate::support::*;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn svc(id: &str) -> String {
    format!("{ORG}/services/{id}")
}

async fn backups(sim: &Sim, id: &str) -> Vec<Value> {
    let r = sim.get(&format!("{}/backups", svc(id))).await;
    r.assert_ok().as_array().expect("backups is an array").clone()
}

async fn config(sim: &Sim, id: &str) -> Value {
    sim.get(&format!("{}/backupConfiguration", svc(id))).await.assert_ok().clone()
}

async fn patch_config(sim: &Sim, id: &str, body: Value) -> Resp {
    sim.patch(&format!("{}/backupConfiguration", svc(id)), body).await
}

/// Activity types recorded for the default organization, oldest first.
async fn activity_types(sim: &Sim) -> Vec<String> {
    let state = sim.sim_get("/_sim/state").await;
    let mut all: Vec<(u64, String)> = state.body["providers"]["clickhouse"]["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter(|a| a["orgId"] == ORG_ID)
        .map(|a| (a["seq"].as_u64().unwrap_or(0), a["kind"].as_str().unwrap_or("").to_owned()))
        .collect();
    all.sort();
    all.into_iter().map(|(_, k)| k).collect()
}

#[tokio::test]
async fn backup_configuration_defaults_to_daily_backups_kept_one_day() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    assert_eq!(config(&sim, &id).await, json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 24}));
}

#[tokio::test]
async fn two_days_of_running_give_a_full_then_an_incremental_backup_and_retention_drops_the_oldest() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let adv = sim.advance(2 * DAY + 300).await;
    let backup_changes: Vec<&Value> =
        adv["transitions"].as_array().unwrap().iter().filter(|t| t["kind"] == "backup").collect();
    assert_eq!(backup_changes.len(), 4, "two starts and two finishes: {adv}");

    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let (newest, oldest) = (&list[0], &list[1]);
    assert_eq!(newest["status"], "done");
    assert_eq!(oldest["status"], "done");
    assert_eq!(oldest["type"], "full");
    assert_eq!(newest["type"], "incremental");
    assert_eq!(oldest["durationInSeconds"], 300);
    assert_eq!(newest["durationInSeconds"], 300);
    assert_eq!(oldest["startedAt"], "2025-01-02T00:01:00Z");
    assert_eq!(oldest["finishedAt"], "2025-01-02T00:06:00Z");
    assert_eq!(newest["startedAt"], "2025-01-03T00:01:00Z");
    assert_eq!(newest["finishedAt"], "2025-01-03T00:06:00Z");
    assert_eq!(oldest["serviceId"], id.as_str());
    assert_eq!(oldest["sizeInBytes"], 1_073_741_824u64);
    assert_eq!(newest["sizeInBytes"], 1_073_741_824u64 + 65_536);

    // The oldest sits exactly at its retention limit (finishedAt + 24 h): one second later
    // it is gone, the newest done backup stays.
    sim.advance(1).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], newest["id"]);
    assert!(activity_types(&sim).await.contains(&"backup_delete".to_owned()));
}

#[tokio::test]
async fn a_backup_in_progress_has_no_finished_at_and_counts_the_seconds_so_far() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(DAY + 100).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    let b = &list[0];
    assert_eq!(b["status"], "in_progress");
    assert!(b.get("finishedAt").is_none(), "{b}");
    assert_eq!(b["durationInSeconds"], 100);
    assert_eq!(b["type"], "full");
    assert!(b["id"].as_str().unwrap().len() == 36);
}

#[tokio::test]
async fn the_most_recent_done_backup_is_kept_past_its_retention() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(DAY + 300).await;
    // Stop the service: no newer backup will come, so the only done backup stays.
    sim.patch(&format!("{}/state", svc(&id)), json!({"command": "stop"})).await.assert_ok();
    sim.advance(5 * DAY).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "done");
}

#[tokio::test]
async fn get_backup_answers_one_backup_of_the_service_and_404_otherwise() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let other = sim.create_service(json!({"name": "other"})).await;
    sim.advance(DAY + 300).await;
    let list = backups(&sim, &id).await;
    let backup_id = list[0]["id"].as_str().unwrap().to_owned();

    let r = sim.get(&format!("{}/backups/{backup_id}", svc(&id))).await;
    assert_eq!(r.assert_ok(), &list[0]);

    let unknown = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    sim.get(&format!("{}/backups/{unknown}", svc(&id)))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: Backup {unknown} not found"));
    // Another warehouse's backup is not found through this service.
    sim.get(&format!("{}/backups/{backup_id}", svc(&other)))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: Backup {backup_id} not found"));
    sim.get(&format!("{}/backups/not-a-uuid", svc(&id))).await.assert_ch_error(400, "BAD_REQUEST: Invalid backupId");
}

#[tokio::test]
async fn backups_of_an_unknown_service_are_404() {
    let sim = Sim::start().await;
    let unknown = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    for path in ["backups", "backupConfiguration"] {
        sim.get(&format!("{}/{path}", svc(unknown)))
            .await
            .assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
    }
    patch_config(&sim, unknown, json!({"backupPeriodInHours": 12}))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
}

#[tokio::test]
async fn backup_start_time_moves_the_next_backup_to_that_utc_time_every_day() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = patch_config(&sim, &id, json!({"backupStartTime": "03:30"})).await;
    assert_eq!(
        r.assert_ok(),
        &json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 24, "backupStartTime": "03:30"})
    );
    assert_eq!(config(&sim, &id).await["backupStartTime"], "03:30");

    // Now is 00:01:00; the next backup is at 03:30:00 UTC today.
    sim.advance(3 * HOUR + 29 * 60 - 1).await;
    assert!(backups(&sim, &id).await.is_empty());
    sim.advance(1).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["startedAt"], "2025-01-01T03:30:00Z");

    // The old chain (due at 2025-01-02T00:01:00Z) was cancelled: the next one is at 03:30.
    sim.advance(DAY + 60).await;
    let list = backups(&sim, &id).await;
    let starts: Vec<&str> = list.iter().map(|b| b["startedAt"].as_str().unwrap()).collect();
    assert_eq!(starts, ["2025-01-02T03:30:00Z", "2025-01-01T03:30:00Z"]);
    assert!(activity_types(&sim).await.contains(&"service_update_backup_configuration".to_owned()));
}

#[tokio::test]
async fn a_new_period_reschedules_the_next_backup_from_now() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(HOUR).await; // 01:01:00
    let r = patch_config(&sim, &id, json!({"backupPeriodInHours": 6})).await;
    assert_eq!(r.assert_ok()["backupPeriodInHours"], 6);
    sim.advance(6 * HOUR).await; // 07:01:00
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["startedAt"], "2025-01-01T07:01:00Z");
    sim.advance(6 * HOUR).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["startedAt"], "2025-01-01T13:01:00Z");
}

#[tokio::test]
async fn a_longer_retention_keeps_backups_longer() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = patch_config(&sim, &id, json!({"backupRetentionPeriodInHours": 72})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 72}));
    sim.advance(2 * DAY + 301).await;
    assert_eq!(backups(&sim, &id).await.len(), 2);
    // Back to one day: the first backup is past it and goes at once.
    patch_config(&sim, &id, json!({"backupRetentionPeriodInHours": null})).await.assert_ok();
    assert_eq!(backups(&sim, &id).await.len(), 1);
}

#[tokio::test]
async fn invalid_backup_configurations_are_refused_and_change_nothing() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let before = config(&sim, &id).await;
    let cases = [
        (json!({"backupStartTime": "25:00"}), "BAD_REQUEST: backupStartTime must be in HH:MM format"),
        (json!({"backupStartTime": "3:30"}), "BAD_REQUEST: backupStartTime must be in HH:MM format"),
        (json!({"backupPeriodInHours": 2}), "BAD_REQUEST: backupPeriodInHours must be between 6 and 48"),
        (json!({"backupPeriodInHours": 49}), "BAD_REQUEST: backupPeriodInHours must be between 6 and 48"),
        (json!({"backupPeriodInHours": 12.5}), "BAD_REQUEST: backupPeriodInHours must be between 6 and 48"),
        (
            json!({"backupRetentionPeriodInHours": 1104}),
            "BAD_REQUEST: backupRetentionPeriodInHours must be a multiple of 24 between 24 and 1080",
        ),
        (
            json!({"backupRetentionPeriodInHours": 25}),
            "BAD_REQUEST: backupRetentionPeriodInHours must be a multiple of 24 between 24 and 1080",
        ),
        (
            json!({"backupRetentionPeriodInHours": 0}),
            "BAD_REQUEST: backupRetentionPeriodInHours must be a multiple of 24 between 24 and 1080",
        ),
        (
            json!({"backupStartTime": "03:30", "backupPeriodInHours": 12}),
            "BAD_REQUEST: backupPeriodInHours must be 24 or 48 when backupStartTime is set",
        ),
        (json!({"backupPeriodInHours": "12"}), "BAD_REQUEST: backupPeriodInHours must be a number"),
        (json!({"backupStartTime": 330}), "BAD_REQUEST: backupStartTime must be a string"),
    ];
    for (body, error) in cases {
        let r = patch_config(&sim, &id, body.clone()).await;
        r.assert_ch_error(400, error);
        assert_eq!(config(&sim, &id).await, before, "after {body}");
    }
    let r = sim
        .send_raw(
            hyper::Method::PATCH,
            &format!("{}/backupConfiguration", svc(&id)),
            Some(KEY),
            Some(b"{".to_vec()),
            &[],
        )
        .await;
    r.assert_ch_error(400, "BAD_REQUEST: Invalid JSON body");
    assert_eq!(config(&sim, &id).await, before);
    assert!(!activity_types(&sim).await.contains(&"service_update_backup_configuration".to_owned()));
    // An empty body changes nothing and is not an error.
    let r = sim.ch(hyper::Method::PATCH, &format!("{}/backupConfiguration", svc(&id)), None).await;
    assert_eq!(r.assert_ok(), &before);
}

#[tokio::test]
async fn a_start_time_makes_a_later_period_change_refused() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    patch_config(&sim, &id, json!({"backupStartTime": "03:30"})).await.assert_ok();
    patch_config(&sim, &id, json!({"backupPeriodInHours": 12}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: backupPeriodInHours must be 24 or 48 when backupStartTime is set");
    // Clearing the start time in the same request allows it.
    let r = patch_config(&sim, &id, json!({"backupPeriodInHours": 12, "backupStartTime": null})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 12, "backupRetentionPeriodInHours": 24}));
}

#[tokio::test]
async fn with_a_start_time_the_period_may_be_48_hours_and_backups_come_every_other_day() {
    // The live API: with a start time the period is 24 or 48 (knob backupRules=seed: 24).
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = patch_config(&sim, &id, json!({"backupStartTime": "03:30", "backupPeriodInHours": 48})).await;
    assert_eq!(
        r.assert_ok(),
        &json!({"backupPeriodInHours": 48, "backupRetentionPeriodInHours": 24, "backupStartTime": "03:30"})
    );
    assert_eq!(config(&sim, &id).await["backupPeriodInHours"], 48);
    sim.advance(3 * HOUR + 29 * 60).await; // 03:30 today
    sim.advance(3 * DAY).await; // 03:30 on the 4th
    let mut list = backups(&sim, &id).await;
    list.sort_by_key(|b| b["startedAt"].as_str().unwrap().to_owned());
    let starts: Vec<&str> = list.iter().map(|b| b["startedAt"].as_str().unwrap()).collect();
    // Retention 24 h: the first one (done at 03:35 on the 1st) is gone by the 4th.
    assert_eq!(starts, ["2025-01-03T03:30:00Z"]);
    sim.advance(2 * DAY).await;
    let starts: Vec<String> =
        backups(&sim, &id).await.iter().map(|b| b["startedAt"].as_str().unwrap().to_owned()).collect();
    assert_eq!(starts, ["2025-01-05T03:30:00Z"]);
    // A later period change keeps to 24 or 48 while the start time stays.
    patch_config(&sim, &id, json!({"backupPeriodInHours": 24})).await.assert_ok();
    patch_config(&sim, &id, json!({"backupPeriodInHours": 36}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: backupPeriodInHours must be 24 or 48 when backupStartTime is set");
}

#[tokio::test]
async fn retention_is_24_to_1080_hours_in_whole_days() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    for hours in [24, 48, 720, 1080] {
        let r = patch_config(&sim, &id, json!({"backupRetentionPeriodInHours": hours})).await;
        assert_eq!(r.assert_ok()["backupRetentionPeriodInHours"], hours);
    }
    // Not tied to the period: a 48-hour period with a one-day retention is fine.
    let r = patch_config(&sim, &id, json!({"backupPeriodInHours": 48, "backupRetentionPeriodInHours": 24})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 48, "backupRetentionPeriodInHours": 24}));
}

#[tokio::test]
async fn the_seed_reading_of_the_backup_rules_stays_a_knob() {
    // Knob backupRules=seed: retention between the period and 720; a start time forces 24.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.backupRules": "seed"})).await;
    let id = sim.running_service().await;
    let cases = [
        (
            json!({"backupRetentionPeriodInHours": 721}),
            "BAD_REQUEST: backupRetentionPeriodInHours must be between 24 and 720",
        ),
        (json!({"backupPeriodInHours": 48}), "BAD_REQUEST: backupRetentionPeriodInHours must be between 48 and 720"),
        (
            json!({"backupStartTime": "03:30", "backupPeriodInHours": 12}),
            "BAD_REQUEST: backupPeriodInHours must be 24 when backupStartTime is set (the period resets to every 24 hours)",
        ),
    ];
    for (body, error) in cases {
        patch_config(&sim, &id, body).await.assert_ch_error(400, error);
    }
    let r = patch_config(&sim, &id, json!({"backupRetentionPeriodInHours": 30})).await;
    assert_eq!(r.assert_ok()["backupRetentionPeriodInHours"], 30);
}

#[tokio::test]
async fn null_resets_a_backup_setting_to_its_default() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = patch_config(&sim, &id, json!({"backupPeriodInHours": 12, "backupRetentionPeriodInHours": 48})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 12, "backupRetentionPeriodInHours": 48}));
    let r = patch_config(&sim, &id, json!({"backupPeriodInHours": null})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 48}));
    patch_config(&sim, &id, json!({"backupStartTime": "23:59"})).await.assert_ok();
    let r = patch_config(&sim, &id, json!({"backupStartTime": null, "backupRetentionPeriodInHours": null})).await;
    assert_eq!(r.assert_ok(), &json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 24}));
    assert_eq!(config(&sim, &id).await, json!({"backupPeriodInHours": 24, "backupRetentionPeriodInHours": 24}));
}

#[tokio::test]
async fn a_developer_key_cannot_change_the_backup_configuration() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "ci", "roles": ["developer"], "state": "enabled"})).await;
    let key = r.assert_ok().clone();
    let (key_id, secret) = (key["keyId"].as_str().unwrap(), key["keySecret"].as_str().unwrap());
    let path = format!("{}/backupConfiguration", svc(&id));
    let r = sim
        .send(hyper::Method::PATCH, &path, Some((key_id, secret)), Some(json!({"backupPeriodInHours": 12})), &[])
        .await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    let r = sim.send(hyper::Method::GET, &path, Some((key_id, secret)), None, &[]).await;
    assert_eq!(r.assert_ok()["backupPeriodInHours"], 24);
}

#[tokio::test]
async fn basic_tier_organizations_cannot_change_the_backup_configuration() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.org_attrs(ORG_ID, json!({"tier": "BASIC"})).await;
    patch_config(&sim, &id, json!({"backupPeriodInHours": 12}))
        .await
        .assert_ch_error(403, "FORBIDDEN: Backup configuration cannot be changed on the BASIC tier");
    assert_eq!(config(&sim, &id).await["backupPeriodInHours"], 24);
}

#[tokio::test]
async fn a_secondary_service_lists_the_warehouse_backups_but_has_no_backup_configuration() {
    let sim = Sim::start().await;
    let primary = sim.running_service().await;
    let warehouse = sim.get(&svc(&primary)).await.assert_ok()["dataWarehouseId"].as_str().unwrap().to_owned();
    let secondary = sim.create_service(json!({"name": "reader", "dataWarehouseId": warehouse, "numReplicas": 1})).await;
    sim.advance(DAY + 300).await;

    let from_primary = backups(&sim, &primary).await;
    assert_eq!(from_primary.len(), 1, "only the primary has a schedule");
    assert_eq!(backups(&sim, &secondary).await, from_primary);
    let backup_id = from_primary[0]["id"].as_str().unwrap();
    sim.get(&format!("{}/backups/{backup_id}", svc(&secondary))).await.assert_ok();

    let only_primary = "BAD_REQUEST: Backup configuration is only available for the primary service of a warehouse";
    sim.get(&format!("{}/backupConfiguration", svc(&secondary))).await.assert_ch_error(400, only_primary);
    patch_config(&sim, &secondary, json!({"backupPeriodInHours": 12})).await.assert_ch_error(400, only_primary);
}

#[tokio::test]
async fn backups_of_a_deleted_service_disappear() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(DAY + 300).await;
    assert_eq!(backups(&sim, &id).await.len(), 1);
    sim.patch(&format!("{}/state", svc(&id)), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.delete(&svc(&id)).await.assert_ok();
    // Terminating: still readable, but no longer configurable.
    assert_eq!(backups(&sim, &id).await.len(), 1);
    patch_config(&sim, &id, json!({"backupPeriodInHours": 12}))
        .await
        .assert_ch_error(409, "CONFLICT: Cannot update the backup configuration of service in state 'terminating'");
    sim.advance(30).await;
    sim.get(&format!("{}/backups", svc(&id))).await.assert_ch_error(404, "NOT_FOUND: Service");
    let state = sim.sim_get("/_sim/state").await;
    assert_eq!(state.body["providers"]["clickhouse"]["backups"], json!([]));
}

#[tokio::test]
async fn a_stopped_service_skips_its_backup_slots_and_starts_a_new_schedule_when_running_again() {
    let sim = Sim::start().await;
    let id = sim.running_service().await; // 00:01:00
    sim.advance(HOUR).await;
    sim.patch(&format!("{}/state", svc(&id)), json!({"command": "stop"})).await.assert_ok();
    sim.advance(2 * DAY).await; // past two slots, stopped
    assert!(backups(&sim, &id).await.is_empty(), "missed slots are not back-filled");
    sim.patch(&format!("{}/state", svc(&id)), json!({"command": "start"})).await.assert_ok();
    sim.advance(30).await; // running at 2025-01-03T01:01:30Z
    assert_eq!(sim.state_of(&id).await, "running");
    sim.advance(DAY).await;
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["startedAt"], "2025-01-04T01:01:30Z");
    assert_eq!(list[0]["type"], "full");
}

#[tokio::test]
async fn an_idle_service_is_backed_up_and_waking_it_keeps_the_schedule() {
    let sim = Sim::start().await;
    let id = sim.running_service().await; // 00:01:00, idle after 15 minutes
    sim.advance(2 * HOUR).await;
    assert_eq!(sim.state_of(&id).await, "idle");
    sim.patch(&format!("{}/state", svc(&id)), json!({"command": "awake"})).await.assert_ok();
    sim.advance(15).await;
    assert_eq!(sim.state_of(&id).await, "running");
    sim.advance(DAY - 2 * HOUR - 15).await; // 2025-01-02T00:01:00Z
    let list = backups(&sim, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["startedAt"], "2025-01-02T00:01:00Z");
}

#[tokio::test]
async fn every_seventh_backup_after_the_first_is_full() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    patch_config(&sim, &id, json!({"backupPeriodInHours": 6, "backupRetentionPeriodInHours": 720})).await.assert_ok();
    sim.advance(9 * 6 * HOUR).await;
    let mut list = backups(&sim, &id).await;
    list.reverse(); // oldest first
    let types: Vec<&str> = list.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "full",
            "incremental",
            "incremental",
            "incremental",
            "incremental",
            "incremental",
            "incremental",
            "full",
            "incremental"
        ]
    );
    let sizes: Vec<u64> = list.iter().filter_map(|b| b["sizeInBytes"].as_u64()).collect();
    assert_eq!(sizes[7], 1_073_741_824 + 7 * 65_536);
}
