//! Monitoring, part two: alarms (seed 1.6.2.7–1.6.2.14, lines 9465–11126) — CRUD, state
//! get/set, history, evaluation on the simulated clock with its events, every rule
//! broken once.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

async fn start_monitoring(fj: &Fj) {
    let r = fj.fj(Method::POST, &path("/meter"), Some(json!({"meter": {"projectId": ""}}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn alarm_body(name: &str, op: &str, threshold: f64) -> Value {
    json!({"name": name, "type": "threshold", "severity": "moderate",
           "alarm_actions": [{"service": "mail", "action": "send", "parameters": {}}],
           "threshold_rule": {"meter_name": "cpu_util", "threshold": threshold, "comparison_operator": op,
                              "query": [{"field": "resource_id", "op": "eq", "value": "db1"}]}})
}

async fn create_alarm(fj: &Fj, body: Value) -> Value {
    let r = fj.fj(Method::POST, &path("/alarms"), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.clone()
}

fn history_types(r: &Resp) -> Vec<String> {
    r.body
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .iter()
        .map(|h| h["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_alarm_is_created_with_the_documented_defaults_listed_updated_and_deleted() {
    let fj = Fj::start().await;
    start_monitoring(&fj).await;
    let a = create_alarm(&fj, json!({"name": "my_alarm ", "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 99.0}})).await;
    assert_eq!(
        (a["name"].as_str(), a["state"].as_str(), a["severity"].as_str()),
        (Some("my_alarm"), Some("insufficient data"), Some("low"))
    );
    assert_eq!((a["enabled"].as_bool(), a["repeat_actions"].as_bool()), (Some(true), Some(false)));
    let r = &a["threshold_rule"];
    assert_eq!(
        (
            r["comparison_operator"].as_str(),
            r["period"].as_u64(),
            r["statistic"].as_str(),
            r["evaluation_periods"].as_u64()
        ),
        (Some("eq"), Some(60), Some("avg"), Some(1))
    );
    assert_eq!(a["description"], "Alarm when cpu_util is eq a avg of 99.0 over 60 seconds");
    let id = a["alarm_id"].as_str().unwrap().to_owned();
    let r = fj.fj_get(&path("/alarms?q.field=name&q.op=eq&q.value=my_alarm")).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.text);
    assert_eq!(fj.fj_get(&path(&format!("/alarms/{id}"))).await.body["alarm_id"], id.as_str());
    // The update example (seed 10400): omitted rule fields take their defaults.
    let r = fj
        .fj(
            Method::PUT,
            &path(&format!("/alarms/{id}")),
            Some(json!({"name": "my_alarm", "type": "threshold",
        "threshold_rule": {"comparison_operator": "gt", "meter_name": "cpu_util", "threshold": 0.0}})),
        )
        .await;
    assert_eq!(r.body["description"], "Alarm when cpu_util is gt a avg of 0.0 over 60 seconds", "{}", r.text);
    let h = fj.fj_get(&path(&format!("/alarms/{id}/history"))).await;
    assert_eq!(history_types(&h), ["rule change", "creation"], "newest first");
    let creation: Value = serde_json::from_str(h.body[1]["detail"].as_str().unwrap()).unwrap();
    assert!(creation["rule"].is_object(), "the creation detail names the rule 'rule' (seed 11050): {creation}");
    fj.fj(Method::DELETE, &path(&format!("/alarms/{id}")), None).await.assert_accepted();
    fj.fj_get(&path(&format!("/alarms/{id}"))).await.assert_fj_error(404, &id);
}

#[tokio::test]
async fn alarms_are_evaluated_as_the_clock_advances_and_emit_events() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    start_monitoring(&fj).await;
    let hot = create_alarm(&fj, alarm_body("always", "ge", 0.0)).await;
    let cold = create_alarm(&fj, alarm_body("never", "gt", 1000.0)).await;
    let state = |a: &Value| {
        let p = path(&format!("/alarms/{}/state", a["alarm_id"].as_str().unwrap()));
        let fj = &fj;
        async move { fj.fj_get(&p).await.body.clone() }
    };
    assert_eq!(state(&hot).await, json!("insufficient data"));
    fj.advance(180).await;
    assert_eq!(state(&hot).await, json!("alarm"));
    assert_eq!(state(&cold).await, json!("ok"));
    let h = fj
        .fj_get(&path(&format!(
            "/alarms/{}/history?q.field=type&q.op=eq&q.value=state%20transition",
            hot["alarm_id"].as_str().unwrap()
        )))
        .await;
    assert_eq!(history_types(&h), ["state transition"], "{}", h.text);
    assert_eq!(h.body[0]["detail"], "{\"state\":\"alarm\"}");
    let r = fj.fj_get(&path("/events?sourceId=db1&eventCategory=notification")).await;
    let messages: Vec<&str> =
        r.body["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("Alarm always (moderate) is alarm")), "{messages:?}");
    // Set by hand, then re-evaluated.
    let id = hot["alarm_id"].as_str().unwrap();
    let r = fj.fj(Method::PUT, &path(&format!("/alarms/{id}/state")), Some(json!("ok"))).await;
    assert_eq!(r.body, json!("ok"), "{}", r.text);
    assert_eq!(state(&hot).await, json!("ok"));
    fj.advance(60).await;
    assert_eq!(state(&hot).await, json!("alarm"));
    // A disabled alarm is not evaluated (seed 9780).
    let mut body = alarm_body("always", "ge", 0.0);
    body["enabled"] = json!(false);
    body["state"] = json!("ok");
    fj.fj(Method::PUT, &path(&format!("/alarms/{id}")), Some(body)).await;
    fj.advance(300).await;
    assert_eq!(state(&hot).await, json!("ok"));
    // A combination alarm combines states.
    let c = create_alarm(&fj, json!({"name": "both", "type": "combination", "combination_rule": {"alarm_ids": [cold["alarm_id"]], "operator": "or"}})).await;
    fj.advance(60).await;
    assert_eq!(state(&c).await, json!("ok"));
}

#[tokio::test]
async fn alarm_rules_are_each_refused_naming_the_field() {
    let fj = Fj::start().await;
    fj.fj(Method::POST, &path("/alarms"), Some(alarm_body("a", "gt", 1.0)))
        .await
        .assert_fj_error(422, "MonitoringNotStarted");
    start_monitoring(&fj).await;
    let a = create_alarm(&fj, alarm_body("a", "gt", 1.0)).await;
    let id = a["alarm_id"].as_str().unwrap().to_owned();
    let post = |b: Value| {
        let fj = &fj;
        async move { fj.fj(Method::POST, &path("/alarms"), Some(b)).await }
    };
    post(json!({"type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 1}}))
        .await
        .assert_fj_error(400, "name");
    post(json!({"name": "a"})).await.assert_fj_error(400, "type");
    post(json!({"name": "a", "type": "gauge"})).await.assert_fj_error(400, "type");
    post(json!({"name": "a", "type": "threshold"})).await.assert_fj_error(400, "threshold_rule");
    post(json!({"name": "a", "type": "combination"})).await.assert_fj_error(400, "combination_rule");
    post(json!({"name": "n".repeat(256), "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 1}})).await.assert_fj_error(400, "name");
    post(json!({"name": "a", "description": "", "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 1}})).await.assert_fj_error(400, "description");
    for (k, v, field) in [
        ("meter_name", json!("nope"), "threshold_rule.meter_name"),
        ("threshold", json!("hot"), "threshold_rule.threshold"),
        ("comparison_operator", json!("approx"), "threshold_rule.comparison_operator"),
        ("statistic", json!("median"), "threshold_rule.statistic"),
        ("period", json!(90), "threshold_rule.period"),
        ("evaluation_periods", json!(0), "threshold_rule.evaluation_periods"),
    ] {
        let mut b = alarm_body("a", "gt", 1.0);
        b["threshold_rule"][k] = v;
        post(b).await.assert_fj_error(400, field);
    }
    let mut b = alarm_body("a", "gt", 1.0);
    b["severity"] = json!("urgent");
    post(b).await.assert_fj_error(400, "severity");
    post(json!({"name": "c", "type": "combination", "combination_rule": {"alarm_ids": ["ghost"]}}))
        .await
        .assert_fj_error(404, "ghost");
    fj.fj(Method::PUT, &path(&format!("/alarms/{id}/state")), Some(json!("broken")))
        .await
        .assert_fj_error(400, "state");
    fj.fj(Method::PUT, &path(&format!("/alarms/{id}/state")), Some(json!({"state": "ok"})))
        .await
        .assert_fj_error(400, "state");
    fj.fj_get(&path("/alarms/ghost/state")).await.assert_fj_error(404, "ghost");
    fj.fj_get(&path("/alarms?q.field=state&q.value=ok")).await.assert_fj_error(400, "q.field");
    fj.fj_get(&path(&format!("/alarms/{id}/history?q.field=type&q.op=gt&q.value=x")))
        .await
        .assert_fj_error(400, "q.op");
    let r = fj.fj_get(&path(&format!("/alarms/{id}"))).await;
    assert_eq!(r.body["state"], a["state"], "rejected requests change nothing");
}

#[tokio::test]
async fn alarms_are_dumped_reset_and_faulted_by_operation_name() {
    let fj = Fj::start().await;
    start_monitoring(&fj).await;
    let a = create_alarm(&fj, alarm_body("a", "gt", 1.0)).await;
    let id = a["alarm_id"].as_str().unwrap().to_owned();
    let dump = fj.sim_get("/_sim/state").await.body;
    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    fj.fj_get(&path(&format!("/alarms/{id}"))).await.assert_fj_error(404, &id);
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.sync_clock().await;
    assert_eq!(fj.fj_get(&path(&format!("/alarms/{id}"))).await.body["name"], "a");
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "setAlarmState"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}})).await;
    fj.fj(Method::PUT, &path(&format!("/alarms/{id}/state")), Some(json!("ok")))
        .await
        .assert_fj_error(503, "ServiceUnavailable");
    let doc = fj.sim_get("/_sim/openapi/fujitsu.json").await.body;
    assert_eq!(doc["paths"]["/v1.0/{tenantId}/alarms/{alarm_id}/history"]["get"]["operationId"], "listAlarmHistory");
}

/// A `cpu_percent` resource rule holds an instance's CPU samples up while the alarm
/// watches it, and a `cpu_percent: 0` rule ends it (the worked scenario
/// `fujitsu-alarm-fires-under-cpu-fault.yaml` tells the same story); a bad one is refused
/// whole.
#[tokio::test]
async fn a_cpu_percent_fault_fires_the_alarm_and_its_end_clears_it() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    start_monitoring(&fj).await;
    let a = create_alarm(&fj, alarm_body("busy", "gt", 80.0)).await;
    let id = a["alarm_id"].as_str().unwrap().to_owned();
    fj.advance(120).await;
    assert_eq!(fj.fj_get(&path(&format!("/alarms/{id}/state"))).await.body, "ok");
    for (action, says) in [
        (json!({"kind": "resource", "cpu_percent": 101}), "cpu_percent"),
        (json!({"kind": "resource", "cpu_percent": 5, "state": "FAILED"}), "exactly one"),
    ] {
        let r = fj.sim_post("/_sim/faults", json!({"match": {"provider": "fujitsu"}, "action": action})).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains(says), "{}", r.text);
    }
    let rule = json!({"match": {"provider": "fujitsu", "operation": "showInstance"},
                      "action": {"kind": "resource", "cpu_percent": 97}, "schedule": {"times": 1}});
    fj.add_rule(rule).await;
    assert_eq!(fj.fj_get(&path("/instances/db1")).await.status, 200);
    fj.advance(120).await;
    let s = fj.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1&limit=2")).await;
    assert_eq!(s.body[0]["counter_volume"], 97.0, "{}", s.text);
    assert_eq!(fj.fj_get(&path(&format!("/alarms/{id}/state"))).await.body, "alarm");
    let r = fj.fj_get(&path("/events?sourceId=db1&eventCategory=notification")).await;
    assert_eq!(r.body["events"][0]["message"], "Alarm busy (moderate) is alarm", "{}", r.text);
    fj.clear_rules().await;
    let rule = json!({"match": {"provider": "fujitsu", "operation": "showInstance"},
                      "action": {"kind": "resource", "cpu_percent": 0}, "schedule": {"times": 1}});
    fj.add_rule(rule).await;
    assert_eq!(fj.fj_get(&path("/instances/db1")).await.status, 200);
    fj.advance(120).await;
    assert_eq!(fj.fj_get(&path(&format!("/alarms/{id}/state"))).await.body, "ok");
    // The samples of the loaded minutes stay as they were: the load is a span, not a flag.
    let s = fj.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1&limit=5")).await;
    let v: Vec<f64> = s.body.as_array().unwrap().iter().map(|x| x["counter_volume"].as_f64().unwrap()).collect();
    assert!(v[0] < 97.0 && v[2..].contains(&97.0), "{v:?}");
    // The dump keeps the spans.
    let dump = fj.sim_get("/_sim/state").await.body;
    assert!(dump.to_string().contains("cpuLoads"), "{dump}");
}
