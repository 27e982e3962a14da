//! Monitoring, part one (seed 1.6.2.1–1.6.2.6, lines 8588–9464): monitoring use on, off
//! and shown; meters, samples and statistics of the tenant's instances, deterministic
//! from the simulator's seed and the simulated clock; every rule broken once.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

async fn start(fj: &Fj) {
    let r = fj.fj(Method::POST, &path("/meter"), Some(json!({"meter": {"projectId": ""}}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"meter": {"projectId": ""}}), "as the example (seed 8655)");
}

fn list(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.as_array().cloned().unwrap_or_else(|| panic!("a bare array: {}", r.text))
}

#[tokio::test]
async fn monitoring_is_started_shown_and_stopped() {
    let fj = Fj::start().await;
    fj.fj_get(&path("/meter")).await.assert_fj_error(422, "MonitoringNotStarted");
    start(&fj).await;
    let r = fj.fj_get(&path("/meter")).await;
    let pid = r.body["meter"]["projectId"].as_str().unwrap_or_else(|| panic!("{}", r.text)).to_owned();
    assert!(pid.len() == 32 && pid.chars().all(|c| c.is_ascii_hexdigit()), "{pid}");
    fj.fj(Method::POST, &path("/meter"), Some(json!({"meter": {"projectId": ""}})))
        .await
        .assert_fj_error(422, "already");
    fj.fj(Method::DELETE, &path("/meter"), None).await.assert_accepted();
    fj.fj(Method::DELETE, &path("/meter"), None).await.assert_fj_error(422, "MonitoringNotStarted");
    fj.fj_get(&path("/meters")).await.assert_fj_error(422, "MonitoringNotStarted");
    fj.fj(Method::POST, &path("/meter"), Some(json!({"meter": {"projectId": "x"}})))
        .await
        .assert_fj_error(400, "meter.projectId");
    fj.fj(Method::POST, &path("/meter"), Some(json!({}))).await.assert_fj_error(400, "meter");
}

#[tokio::test]
async fn each_instance_has_gauge_meters_and_a_sample_a_minute_newest_first() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.active_instance("db2").await;
    start(&fj).await;
    let meters = list(&fj.fj_get(&path("/meters")).await);
    assert_eq!(meters.len(), 8, "four meters of two instances");
    let m = &meters[0];
    assert_eq!(
        (m["name"].as_str(), m["type"].as_str(), m["resource_id"].as_str()),
        (Some("cpu_util"), Some("gauge"), Some("db1"))
    );
    assert!(m["meter_id"].as_str().unwrap().ends_with('\n'));
    let only = list(&fj.fj_get(&path("/meters?q.field=resource_id&q.op=eq&q.value=db2&limit=2&offset=1")).await);
    assert_eq!(only.iter().map(|m| m["name"].as_str().unwrap()).collect::<Vec<_>>(), ["memory_util", "disk_util"]);
    fj.advance(10 * 60).await;
    let r = fj.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1")).await;
    let s = list(&r);
    assert_eq!(s.len(), 10, "one per minute: {}", r.text);
    assert!(s[0]["timestamp"].as_str() > s[1]["timestamp"].as_str(), "newest first");
    assert_eq!((s[0]["counter_type"].as_str(), s[0]["counter_unit"].as_str()), (Some("gauge"), Some("%")));
    assert!(s[0]["counter_volume"].as_f64().is_some_and(|v| (0.0..=100.0).contains(&v)));
    // Deterministic: the same seed and clock give the same samples.
    let again = list(&fj.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1")).await);
    assert_eq!(s, again);
    let other = Fj::start().await;
    other.active_instance("db1").await;
    other.active_instance("db2").await;
    start(&other).await;
    other.advance(10 * 60).await;
    let there = list(&other.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1")).await);
    let volumes = |v: &[Value]| v.iter().map(|s| s["counter_volume"].clone()).collect::<Vec<_>>();
    assert_eq!(volumes(&there), volumes(&s), "another simulator with the same seed agrees");
    // A time condition.
    let t = s[4]["timestamp"].as_str().unwrap();
    let newer = list(
        &fj.fj_get(&path(&format!(
            "/meters/cpu_util?q.field=resource_id&q.op=eq&q.value=db1&q.field=timestamp&q.op=gt&q.value={t}"
        )))
        .await,
    );
    assert_eq!(newer.len(), 4);
    assert!(list(&fj.fj_get(&path("/meters/no_such_meter")).await).is_empty());
}

#[tokio::test]
async fn statistics_aggregate_by_period_and_group() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.active_instance("db2").await;
    start(&fj).await;
    fj.advance(30 * 60).await;
    let all = list(&fj.fj_get(&path("/meters/cpu_util/statistics")).await);
    assert_eq!(all.len(), 1, "no period: one row");
    let row = &all[0];
    assert_eq!((row["count"].as_u64(), row["period"].as_u64()), (Some(60), Some(0)));
    let (min, max, avg) = (row["min"].as_f64().unwrap(), row["max"].as_f64().unwrap(), row["avg"].as_f64().unwrap());
    assert!(min <= avg && avg <= max);
    assert!((row["sum"].as_f64().unwrap() / 60.0 - avg).abs() < 1e-9);
    let rows =
        list(&fj.fj_get(&path("/meters/cpu_util/statistics?period=600&groupby=resource_id&aggregate.func=max")).await);
    assert!(rows.len() >= 6, "three buckets of two instances: {rows:?}");
    assert!(rows[0]["groupby"]["resource_id"].is_string());
    assert!(rows[0]["aggregate"]["max"].is_f64() && rows[0].get("min").is_none(), "{}", rows[0]);
    for (q, field) in [
        ("?period=90", "period"),
        ("?period=30", "period"),
        ("?groupby=name", "groupby"),
        ("?aggregate.func=median", "aggregate.func"),
        ("?q.field=name&q.value=x", "q.field"),
        ("?q.field=timestamp&q.op=eq&q.value=2026-01-01T00:00:00", "q.op"),
        ("?q.field=timestamp&q.op=ge&q.value=soon", "q.value"),
        ("?q.field=resource_id", "q.value"),
        ("?period=60&q.field=timestamp&q.op=ge&q.value=2020-01-01T00:00:00&q.field=timestamp&q.op=lt&q.value=2020-01-03T00:00:00", "q.value"),
    ] {
        fj.fj_get(&path(&format!("/meters/cpu_util/statistics{q}"))).await.assert_fj_error(400, field);
    }
    fj.fj_get(&path("/meters?limit=0")).await.assert_fj_error(400, "limit");
    fj.fj_get(&path("/meters/cpu_util?offset=-1")).await.assert_fj_error(400, "offset");
}

#[tokio::test]
async fn monitoring_is_dumped_reset_and_faulted_by_operation_name() {
    let fj = Fj::start().await;
    start(&fj).await;
    let dump = fj.sim_get("/_sim/state").await.body;
    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    fj.fj_get(&path("/meter")).await.assert_fj_error(422, "MonitoringNotStarted");
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.sync_clock().await;
    assert_eq!(fj.fj_get(&path("/meter")).await.status, 200);
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "listSamples"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}})).await;
    fj.fj_get(&path("/meters/cpu_util")).await.assert_fj_error(503, "ServiceUnavailable");
    let doc = fj.sim_get("/_sim/openapi/fujitsu.json").await.body;
    assert_eq!(doc["paths"]["/v1.0/{tenantId}/meters/{meter_name}/statistics"]["get"]["operationId"], "showStatistics");
}

/// Ten simulated years of two instances are some ten million samples: none is stored,
/// and a query over all of them costs its page. A samples page is at most `limit` (1440)
/// whatever the window and the offset; a statistics window over `period × 1440` seconds
/// (two weeks at most) is refused, so a statistics answer is at most 1440 rows a group.
#[tokio::test]
async fn ten_simulated_years_of_samples_stay_bounded() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.active_instance("db2").await;
    start(&fj).await;
    let first = list(&fj.fj_get(&path("/meters/cpu_util?limit=1")).await);
    assert!(first.is_empty(), "no sample before the first minute");
    fj.advance(60).await;
    let begin = list(&fj.fj_get(&path("/meters/cpu_util?q.field=resource_id&q.value=db1")).await)[0]["timestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    fj.advance(3650 * 86_400).await; // the longest advance there is
    fj.advance(3 * 86_400).await; // and the leap days
    let newest = list(&fj.fj_get(&path("/meters/cpu_util?limit=1")).await);
    let end = newest[0]["timestamp"].as_str().unwrap().to_owned();
    assert!(end[..4].parse::<u32>().unwrap() >= begin[..4].parse::<u32>().unwrap() + 10, "{begin} .. {end}");
    let window = format!("q.field=timestamp&q.op=ge&q.value={begin}&q.field=timestamp&q.op=le&q.value={end}");
    // The whole decade: one full page, newest first, both instances at each minute.
    let page = list(&fj.fj_get(&path(&format!("/meters/cpu_util?{window}"))).await);
    assert_eq!(page.len(), 1440, "the page is capped at limit's maximum");
    assert_eq!(page[0]["timestamp"], end.as_str());
    assert_eq!((page[0]["resource_id"].as_str(), page[1]["resource_id"].as_str()), (Some("db2"), Some("db1")));
    assert_eq!(page[0]["timestamp"], page[1]["timestamp"]);
    fj.fj_get(&path(&format!("/meters/cpu_util?{window}&limit=1441"))).await.assert_fj_error(400, "limit");
    // Deep in the decade: the offset is skipped, not walked; the sample found there is
    // the one a one-minute query at its time answers.
    let deep = list(&fj.fj_get(&path(&format!("/meters/cpu_util?{window}&limit=3&offset=9000001"))).await);
    assert_eq!(deep.len(), 3);
    assert!(deep[0]["timestamp"].as_str() < Some(&end[..]));
    let (t, id) = (deep[0]["timestamp"].as_str().unwrap(), deep[0]["resource_id"].as_str().unwrap());
    let at = list(
        &fj.fj_get(&path(&format!(
            "/meters/cpu_util?q.field=resource_id&q.op=eq&q.value={id}&q.field=timestamp&q.op=ge&q.value={t}&q.field=timestamp&q.op=le&q.value={t}"
        )))
        .await,
    );
    assert_eq!(at.len(), 1, "{t} {id}");
    assert_eq!(at[0]["counter_volume"], deep[0]["counter_volume"]);
    // Past the last sample: empty, at once.
    let none = list(&fj.fj_get(&path(&format!("/meters/cpu_util?{window}&offset=4294967295"))).await);
    assert!(none.is_empty());
    // Statistics over the decade with a small period, or the largest: refused, naming the
    // window and its cap.
    for period in ["60", "1209600"] {
        let r = fj.fj_get(&path(&format!("/meters/cpu_util/statistics?period={period}&{window}"))).await;
        r.assert_fj_error(400, "q.value");
        assert!(r.text.contains(if period == "60" { "86400" } else { "1209600" }), "{}", r.text);
    }
    // The default window of the smallest period: one day, 1440 one-minute buckets a group.
    let rows = list(&fj.fj_get(&path("/meters/cpu_util/statistics?period=60&groupby=resource_id")).await);
    assert_eq!(rows.len(), 2 * 1440, "1440 buckets of two instances");
    assert!(rows.iter().all(|r| r["count"] == 1));
}
