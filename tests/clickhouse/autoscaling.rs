//! Horizontal autoscaling and scaling schedules (official `ServicePostRequest`,
//! `ServiceReplicaScalingPatchRequest`, `Service.autoscalingMode`/`currentScaling`,
//! `ScalingSchedule*`). The seeds predate both; the official document is the authority.

use hyper::Method;

use super::services::{create_body, force_state, services_path, set_knobs, svc, svc_path};
use crate::support::*;

async fn create(sim: &Sim, extra: Value) -> Resp {
    sim.post(&services_path(), create_body(extra)).await
}

#[tokio::test]
async fn a_horizontal_service_reports_its_band_and_one_memory_size_instead_of_num_replicas() {
    let sim = Sim::start().await;
    let body = json!({"autoscalingMode": "horizontal", "minReplicas": 2, "maxReplicas": 5,
                      "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 16});
    let s = create(&sim, body).await.assert_ok()["service"].clone();
    assert_eq!(s["autoscalingMode"], "horizontal");
    assert_eq!((s["minReplicas"].clone(), s["maxReplicas"].clone()), (json!(2), json!(5)));
    assert_eq!(s["replicaMemoryGb"], 16);
    assert!(s.get("numReplicas").is_none(), "numReplicas is for vertical services only: {s}");
    assert_eq!(
        s["currentScaling"],
        json!({"effectiveAutoscalingMode": "horizontal", "effectiveMinReplicas": 2, "effectiveMaxReplicas": 5,
               "effectiveMinReplicaMemoryGb": 16, "effectiveMaxReplicaMemoryGb": 16,
               "effectiveIdleScaling": true, "effectiveIdleTimeoutMinutes": 15})
    );
    let id = s["id"].as_str().unwrap();
    assert_eq!(sim.get(&svc(id)).await.assert_ok()["autoscalingMode"], "horizontal");
    // A band alone (mode omitted, unequal) is horizontal; one memory bound stands for both.
    let s = create(&sim, json!({"name": "band", "minReplicas": 2, "maxReplicas": 4, "minReplicaMemoryGb": 24}))
        .await
        .assert_ok()["service"]
        .clone();
    assert_eq!((s["autoscalingMode"].as_str(), s["replicaMemoryGb"].as_u64()), (Some("horizontal"), Some(24)));
}

#[tokio::test]
async fn an_equal_band_is_a_vertical_fixed_count_and_needs_no_entitlement() {
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"horizontalAutoscaling": false})).await;
    let s = create(&sim, json!({"minReplicas": 3, "maxReplicas": 3})).await.assert_ok()["service"].clone();
    assert_eq!((s["autoscalingMode"].as_str(), s["numReplicas"].as_u64()), (Some("vertical"), Some(3)));
    assert_eq!(s["currentScaling"]["effectiveMinReplicas"], 3);
    assert_eq!(s["currentScaling"]["effectiveMaxReplicas"], 3);
}

#[tokio::test]
async fn bad_autoscaling_requests_are_refused_naming_the_field_and_create_nothing() {
    let sim = Sim::start().await;
    let cases = [
        (
            json!({"autoscalingMode": "diagonal"}),
            400,
            "BAD_REQUEST: autoscalingMode must be one of vertical, horizontal",
        ),
        (json!({"minReplicas": 2}), 400, "BAD_REQUEST: minReplicas and maxReplicas must be given together"),
        (
            json!({"numReplicas": 3, "minReplicas": 2, "maxReplicas": 4}),
            400,
            "BAD_REQUEST: numReplicas cannot be combined with minReplicas and maxReplicas",
        ),
        (
            json!({"minReplicas": 5, "maxReplicas": 2, "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 16}),
            400,
            "BAD_REQUEST: minReplicas must be less than or equal to maxReplicas",
        ),
        (json!({"minReplicas": 0, "maxReplicas": 2}), 400, "BAD_REQUEST: minReplicas must be between 1 and 20"),
        (json!({"minReplicas": 2, "maxReplicas": 21}), 400, "BAD_REQUEST: maxReplicas must be between 1 and 20"),
        (
            json!({"autoscalingMode": "vertical", "minReplicas": 2, "maxReplicas": 4}),
            400,
            "BAD_REQUEST: minReplicas must equal maxReplicas when autoscalingMode is vertical",
        ),
        (
            json!({"autoscalingMode": "horizontal"}),
            400,
            "BAD_REQUEST: minReplicas and maxReplicas are required when autoscalingMode is horizontal",
        ),
        (
            json!({"autoscalingMode": "horizontal", "minReplicas": 2, "maxReplicas": 4,
                   "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 32}),
            400,
            "BAD_REQUEST: minReplicaMemoryGb must equal maxReplicaMemoryGb when autoscalingMode is horizontal",
        ),
        (
            json!({"autoscalingMode": "horizontal", "minReplicas": 1, "maxReplicas": 4, "minReplicaMemoryGb": 16}),
            400,
            "BAD_REQUEST: minReplicas must be between 2 and 20 for the first service in a warehouse",
        ),
    ];
    for (extra, status, error) in cases {
        let r = create(&sim, extra.clone()).await;
        r.assert_ch_error(status, error);
        assert_eq!(r.error(), error, "{extra}");
    }
    sim.org_attrs(ORG_ID, json!({"horizontalAutoscaling": false})).await;
    let r = create(&sim, json!({"minReplicas": 2, "maxReplicas": 4, "minReplicaMemoryGb": 16})).await;
    r.assert_ch_error(403, "FORBIDDEN: Horizontal autoscaling is not enabled for this organization");
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn replica_scaling_switches_between_vertical_and_horizontal() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "replicaScaling");
    // Horizontal needs one memory size.
    let r = sim.patch(&path, json!({"autoscalingMode": "horizontal", "minReplicas": 2, "maxReplicas": 6})).await;
    r.assert_ch_error(
        400,
        "BAD_REQUEST: minReplicaMemoryGb must equal maxReplicaMemoryGb when autoscalingMode is horizontal",
    );
    let s = sim
        .patch(
            &path,
            json!({"autoscalingMode": "horizontal", "minReplicas": 2, "maxReplicas": 6,
                   "minReplicaMemoryGb": 32, "maxReplicaMemoryGb": 32}),
        )
        .await
        .assert_ok()
        .clone();
    assert_eq!(
        (s["autoscalingMode"].as_str(), s["minReplicas"].as_u64(), s["maxReplicas"].as_u64()),
        (Some("horizontal"), Some(2), Some(6))
    );
    assert_eq!(s["currentScaling"]["effectiveMaxReplicas"], 6);
    // A new band keeps the mode; numReplicas goes back to vertical.
    let s = sim.patch(&path, json!({"minReplicas": 3, "maxReplicas": 8})).await.assert_ok().clone();
    assert_eq!((s["minReplicas"].as_u64(), s["maxReplicas"].as_u64()), (Some(3), Some(8)));
    let s = sim.patch(&path, json!({"numReplicas": 4})).await.assert_ok().clone();
    assert_eq!((s["autoscalingMode"].as_str(), s["numReplicas"].as_u64()), (Some("vertical"), Some(4)));
    assert!(s.get("minReplicas").is_none());
    let kinds: Vec<Value> = sim
        .get(&format!("{ORG}/activities"))
        .await
        .assert_ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].clone())
        .collect();
    assert!(kinds.contains(&json!("service_update_autoscaling_replicas")), "{kinds:?}");
}

#[tokio::test]
async fn every_answer_with_a_service_carries_the_required_autoscaling_fields() {
    // The official Service requires autoscalingMode and currentScaling, on every endpoint.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.deleteReturnsService": true})).await;
    let created = create(&sim, json!({})).await.assert_ok()["service"].clone();
    let id = created["id"].as_str().unwrap().to_owned();
    sim.advance(60).await;
    let answers = [
        created,
        sim.get(&svc(&id)).await.assert_ok().clone(),
        sim.get(&services_path()).await.assert_ok()[0].clone(),
        sim.patch(&svc(&id), json!({"name": "renamed"})).await.assert_ok().clone(),
        sim.patch(&svc_path(&id, "scaling"), json!({"idleTimeoutMinutes": 20})).await.assert_ok().clone(),
        sim.patch(&svc_path(&id, "replicaScaling"), json!({"numReplicas": 2})).await.assert_ok().clone(),
        sim.patch(&svc_path(&id, "state"), json!({"command": "stop"})).await.assert_ok().clone(),
    ];
    sim.advance(20).await;
    let deleted = sim.ch(Method::DELETE, &svc(&id), None).await.assert_ok()["service"].clone();
    for s in answers.iter().chain([&deleted]) {
        assert!(s["autoscalingMode"].is_string(), "{s}");
        assert!(s["currentScaling"]["effectiveAutoscalingMode"].is_string(), "{s}");
    }
}

fn business_hours() -> Value {
    json!({"name": "Business hours", "weekdays": [1, 2, 3, 4, 5], "startHourUtc": 9, "endHourUtc": 17,
           "minReplicaMemoryGb": 32, "maxReplicaMemoryGb": 64, "numReplicas": 4})
}

#[tokio::test]
async fn a_scaling_schedule_applies_its_entries_as_the_clock_moves() {
    // 2025-01-01 is a Wednesday (weekday 3); the service runs from 00:01.
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "scalingSchedule");
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND: Scaling schedule not found");
    let night = json!({"name": "Nights", "weekdays": [3], "startHourUtc": 22, "endHourUtc": 2,
                       "autoscalingMode": "vertical", "numReplicas": 2, "idleScaling": false});
    let r = sim.post(&path, json!({"entries": [business_hours(), night]})).await;
    let schedule = r.assert_ok().clone();
    assert_eq!(schedule["entries"].as_array().unwrap().len(), 2);
    assert!(schedule.get("activeEntryId").is_none(), "00:01 on a Wednesday: nothing active");
    assert_eq!(schedule["baseConfig"]["minReplicas"], 3);
    let business = schedule["entries"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(schedule["entries"][0]["isActiveNow"], false);
    assert_eq!(sim.get(&path).await.assert_ok(), &schedule);

    sim.advance(9 * 3600 - 60).await; // 09:00
    let s = sim.get(&svc(&id)).await.assert_ok().clone();
    assert_eq!(s["currentScaling"]["activeEntryId"], business.as_str());
    assert_eq!(s["currentScaling"]["effectiveMinReplicas"], 4);
    assert_eq!(s["currentScaling"]["effectiveMaxReplicaMemoryGb"], 64);
    assert_eq!(s["numReplicas"], 3, "the base configuration is unchanged");
    assert_eq!(s["scalingSchedule"]["activeEntryId"], business.as_str());
    assert_eq!(sim.get(&path).await.assert_ok()["entries"][0]["isActiveNow"], true);

    sim.advance(8 * 3600).await; // 17:00: back to the base
    let s = sim.get(&svc(&id)).await.assert_ok().clone();
    assert!(s["currentScaling"].get("activeEntryId").is_none(), "{s}");
    assert_eq!(s["currentScaling"]["effectiveMinReplicas"], 3);
    sim.advance(5 * 3600).await; // 22:00 Wednesday: the overnight entry
    let s = sim.get(&svc(&id)).await.assert_ok().clone();
    assert_eq!(s["currentScaling"]["effectiveMaxReplicas"], 2);
    assert_eq!(s["currentScaling"]["effectiveIdleScaling"], false);
    sim.advance(3 * 3600).await; // 01:00 Thursday: still the night entry
    assert_eq!(sim.get(&svc(&id)).await.assert_ok()["currentScaling"]["effectiveMaxReplicas"], 2);
    sim.advance(3600).await; // 02:00 Thursday: over
    assert_eq!(sim.get(&svc(&id)).await.assert_ok()["currentScaling"]["effectiveMaxReplicas"], 3);

    // An empty upsert clears it: the answer has an empty baseConfig, a GET is 404.
    let cleared = sim.post(&path, json!({"entries": []})).await.assert_ok().clone();
    assert_eq!(cleared, json!({"entries": [], "baseConfig": {}}));
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND");
    assert!(sim.get(&svc(&id)).await.assert_ok().get("scalingSchedule").is_none());
}

#[tokio::test]
async fn a_deleted_schedule_is_gone_and_a_second_delete_is_404() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "scalingSchedule");
    sim.post(&path, json!({"entries": [business_hours()]})).await.assert_ok();
    let r = sim.delete(&path).await;
    assert_eq!((r.status, r.body.get("result")), (200, None));
    sim.delete(&path).await.assert_ch_error(404, "NOT_FOUND: Scaling schedule not found");
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn bad_schedules_are_refused_naming_the_entry_field_and_change_nothing() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "scalingSchedule");
    sim.post(&path, json!({"entries": [business_hours()]})).await.assert_ok();
    let before = sim.get(&path).await.assert_ok().clone();
    let with = |patch: Value| {
        let mut e = business_hours();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                e.as_object_mut().unwrap().remove(k);
            } else {
                e[k] = v.clone();
            }
        }
        json!({"entries": [e]})
    };
    let cases = [
        (json!({}), "BAD_REQUEST: entries is required"),
        (with(json!({"name": null})), "BAD_REQUEST: entries[0].name is required"),
        (with(json!({"weekdays": []})), "BAD_REQUEST: entries[0].weekdays must not be empty"),
        (with(json!({"weekdays": [7]})), "BAD_REQUEST: entries[0].weekdays[0] must be between 0 and 6"),
        (with(json!({"startHourUtc": 24})), "BAD_REQUEST: entries[0].startHourUtc must be between 0 and 23"),
        (with(json!({"endHourUtc": 9})), "BAD_REQUEST: entries[0].endHourUtc must differ from startHourUtc"),
        (
            with(json!({"minReplicaMemoryGb": 30})),
            "BAD_REQUEST: entries[0].minReplicaMemoryGb must be a multiple of 4 between 8 and 356",
        ),
        (
            with(json!({"maxReplicaMemoryGb": null})),
            "BAD_REQUEST: minReplicaMemoryGb and maxReplicaMemoryGb must be given together",
        ),
        (json!({"entries": [business_hours(), business_hours()]}), "BAD_REQUEST: entries[0] and entries[1] overlap"),
    ];
    for (body, error) in cases {
        let r = sim.post(&path, body.clone()).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error, "{body}");
    }
    assert_eq!(sim.get(&path).await.assert_ok(), &before);
    // Schedules are per service: another service has none.
    let other = sim.create_service(json!({"name": "other"})).await;
    sim.get(&svc_path(&other, "scalingSchedule")).await.assert_ch_error(404, "NOT_FOUND");
    // A deleting service refuses a new schedule.
    force_state(&sim, &id, "terminating").await;
    sim.post(&path, json!({"entries": []})).await.assert_ch_error(409, "CONFLICT");
}
