//! Durable and bounded: the state dump's format and version, restores that never drop a
//! resource silently, long advances in bounded memory (periodic events coalesced:
//! backups, scaling-schedule ticks), a large dump streamed without holding up the health
//! check or anything else, capped histories and the events of removed resources. Over HTTP
//! against an in-process simulator (the state file itself, SIGKILL included, is in
//! `cli.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dbaas_sim::{ClockMode, Simulator};
use hyper::Method;

use crate::support::{json, Sim, Value, ORG, ORG_ID};

/// `/_sim/state`, parsed.
async fn state(sim: &Sim) -> Value {
    let r = sim.sim_get("/_sim/state").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn put_state(sim: &Sim, dump: Value) -> crate::support::Resp {
    sim.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await
}

async fn pending(sim: &Sim) -> u64 {
    sim.sim_get("/_sim/clock").await.body["pendingTransitions"].as_u64().expect("pendingTransitions")
}

// ---------------------------------------------------------------- format and restore

#[tokio::test]
async fn a_dump_names_its_format_and_version_and_a_restore_refuses_another() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    let dump = state(&sim).await;
    assert_eq!(dump["format"], "dbaas-sim-state");
    assert_eq!(dump["version"], 1);

    let mut newer = dump.clone();
    newer["version"] = json!(99);
    let r = put_state(&sim, newer).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains("version 99"), "{}", r.text);

    let mut foreign = dump.clone();
    foreign["format"] = json!("someone-else");
    let r = put_state(&sim, foreign).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains("not a dbaas-sim state dump"), "{}", r.text);
    assert_eq!(sim.service_count().await, 1, "a refused restore changes nothing");

    // A hand-written partial state (no format) is still taken over HTTP.
    let r = put_state(&sim, json!({"faults": []})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_restore_refuses_a_service_of_an_organization_the_dump_does_not_have() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let mut dump = state(&sim).await;
    let stranger = "00000000-0000-4000-8000-0000000000ff";
    dump["providers"]["clickhouse"]["services"][0]["orgId"] = json!(stranger);
    let r = put_state(&sim, dump.clone()).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains(stranger) && r.error().contains("services[0]"), "names the row: {}", r.text);
    assert_eq!(sim.state_of(&id).await, "provisioning", "nothing changed");
}

// ---------------------------------------------------------------- long work

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_a_large_state_is_dumped() {
    // 20,000 services, restored in-process (a PUT body that size is over the limit).
    let sim = large_world(20_000).await;

    let mut answered_during = 0;
    for _ in 0..5 {
        let done = Arc::new(AtomicBool::new(false));
        let url = format!("{}/_sim/state", sim.url());
        let flag = done.clone();
        let dumping = tokio::spawn(async move {
            let client = Sim::client();
            let req = hyper::Request::get(url).body(http_body_util::Full::new(bytes::Bytes::new())).expect("request");
            let resp = client.request(req).await.expect("dump answers");
            let status = resp.status();
            let body = http_body_util::BodyExt::collect(resp.into_body()).await.expect("body").to_bytes();
            flag.store(true, Ordering::SeqCst);
            (status, body.len())
        });
        while !done.load(Ordering::SeqCst) {
            let r = tokio::time::timeout(Duration::from_secs(10), sim.sim_get("/_sim/health"))
                .await
                .expect("health answers while the dump runs");
            assert_eq!(r.status, 200, "{}", r.text);
            if !done.load(Ordering::SeqCst) {
                answered_during += 1;
            }
        }
        let (status, len) = dumping.await.expect("dump task");
        assert_eq!(status, 200);
        assert!(len > 20_000 * 100, "the whole state: {len} bytes");
        if answered_during > 0 {
            break;
        }
    }
    assert!(answered_during > 0, "the health check answered while a dump was in flight");
}

/// A world of every provider: a ClickHouse service, a Fujitsu instance, an Oracle
/// instance, a fault rule and pending transitions; answers the Fujitsu wrapper around it.
async fn world_of_every_provider(builder: dbaas_sim::SimulatorBuilder) -> crate::support::fujitsu::Fj {
    use crate::support::{fujitsu, oracle};
    let fj = fujitsu::Fj::start_with(builder).await;
    fj.create_service(json!({})).await;
    let r = fj.fj(Method::POST, &fujitsu::path("/instances"), Some(fujitsu::create_body("streamdb"))).await;
    assert!(r.status < 300, "fujitsu create: {}", r.text);
    fj.submit(oracle::create_body(&[])).await;
    let rule = json!({"id": "stream-rule", "match": {"provider": "clickhouse", "operation": "getService"},
        "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}});
    assert_eq!(fj.sim_post("/_sim/faults", rule).await.status, 200);
    fj
}

#[tokio::test]
async fn a_streamed_dump_restores_to_itself_and_is_what_the_state_file_and_the_rust_api_hold() {
    let dir = std::env::temp_dir().join(format!("dbaas-sim-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let builder = Simulator::builder().seed(42).clock(ClockMode::Manual).state_file(&file);
    let fj = world_of_every_provider(builder).await;
    let streamed = state(&fj).await;
    for (provider, table) in [("clickhouse", "services"), ("fujitsu", "instances"), ("oracle", "serviceInstances")] {
        let rows = streamed["providers"][provider][table].as_array().map_or(0, Vec::len);
        assert_eq!(rows, 1, "{provider}.{table} in the dump: {}", streamed["providers"][provider]);
    }
    assert!(streamed["pending"].as_array().is_some_and(|p| !p.is_empty()), "pending: {}", streamed["pending"]);
    assert_eq!(streamed["faults"][0]["id"], "stream-rule");

    // The Rust API and the state file (pretty-printed) hold the same dump.
    assert_eq!(fj.sim.sim.dump(), streamed, "Simulator::dump is the streamed dump");
    fj.sim.sim.save_state().expect("writes the state file");
    let text = std::fs::read_to_string(&file).expect("state file");
    assert!(text.contains("\n  \"providers\": {\n"), "pretty-printed: {}", &text[..text.len().min(300)]);
    assert_eq!(serde_json::from_str::<Value>(&text).expect("the state file parses"), streamed);

    // Restored into a fresh simulator, the dump comes back the same, every provider's
    // part, pending transition and fault rule included.
    let fresh = Sim::start().await;
    fresh.sim.restore(&streamed).expect("restores");
    assert_eq!(state(&fresh).await, streamed, "dump, restore, dump");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `n` ClickHouse services (3,000 are about 4 MB of dump), restored in-process.
async fn large_world(n: usize) -> Sim {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    let mut dump = state(&sim).await;
    let template = dump["providers"]["clickhouse"]["services"][0].clone();
    let services: Vec<Value> = (0..n)
        .map(|i| {
            let mut s = template.clone();
            s["id"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
            s
        })
        .collect();
    dump["providers"]["clickhouse"]["services"] = Value::Array(services);
    sim.sim.restore(&dump).expect("restores");
    sim
}

#[tokio::test]
async fn the_dump_is_streamed_its_first_bytes_sent_before_the_rest_is_written() {
    let sim = large_world(3_000).await;
    // HTTP/2 with the default 64 KiB windows, never widened: the server can send no more
    // than that until this client releases what it read, so the dump's writer (a few
    // chunks ahead at most) cannot reach its end, the fault rules, before then.
    let tcp = tokio::net::TcpStream::connect(sim.sim.addr()).await.expect("connects");
    let (send, conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
    tokio::spawn(conn);
    let mut send = send.ready().await.expect("ready");
    let req = hyper::Request::get(format!("{}/_sim/state", sim.url())).body(()).expect("request");
    let (resp, _) = send.send_request(req, true).expect("send");
    let resp = tokio::time::timeout(Duration::from_secs(30), resp).await.expect("in time").expect("answer");
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let first = body.data().await.expect("a first chunk").expect("data");
    assert!(first.starts_with(b"{\"format\":\"dbaas-sim-state\""), "{:?}", &first[..first.len().min(60)]);

    // Added after the first bytes arrived: a dump built whole before it was sent could
    // not hold it; a streamed one reaches the fault rules only now.
    let rule = json!({"id": "added-mid-dump", "match": {"provider": "clickhouse"}, "action": {"kind": "status", "status": 503}});
    assert_eq!(sim.sim_post("/_sim/faults", rule).await.status, 200, "served while the dump waits");
    let mut text = first.to_vec();
    body.flow_control().release_capacity(first.len()).expect("release");
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(60), body.data()).await.expect("in time") {
        let chunk = chunk.expect("data");
        body.flow_control().release_capacity(chunk.len()).expect("release");
        text.extend_from_slice(&chunk);
    }
    let dump: Value = serde_json::from_slice(&text).expect("the whole dump parses");
    assert_eq!(dump["providers"]["clickhouse"]["services"].as_array().map(Vec::len), Some(3_000));
    assert_eq!(dump["faults"][0]["id"], "added-mid-dump", "the rule added mid-dump: {}", dump["faults"]);
}

#[tokio::test]
async fn a_client_that_leaves_mid_dump_leaves_the_server_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = large_world(3_000).await;
    for _ in 0..3 {
        let mut tcp = tokio::net::TcpStream::connect(sim.sim.addr()).await.expect("connects");
        tcp.write_all(b"GET /_sim/state HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(30), tcp.read(&mut buf))
                .await
                .expect("in time")
                .expect("read");
            assert!(n > 0, "the server closed before answering");
            head.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("transfer-encoding: chunked"), "a streamed body is chunked: {head}");
        drop(tcp);
    }
    // The writers stopped with their clients and hold no lock: everything still answers.
    assert_eq!(sim.sim_get("/_sim/health").await.status, 200);
    let rule = json!({"id": "after-the-leavers", "match": {"provider": "clickhouse"}, "action": {"kind": "status", "status": 503}});
    assert_eq!(sim.sim_post("/_sim/faults", rule).await.status, 200);
    let dump = state(&sim).await;
    assert_eq!(dump["providers"]["clickhouse"]["services"].as_array().map(Vec::len), Some(3_000));
    assert_eq!(dump["faults"][0]["id"], "after-the-leavers", "a change made after is in the next dump");
}

/// The backups of a service, as `(startedAt, status, sizeInBytes, type)`, newest first.
async fn backups(sim: &Sim, id: &str) -> Vec<(String, String, u64, String)> {
    let r = sim.get(&format!("{ORG}/services/{id}/backups")).await;
    r.assert_ok()
        .as_array()
        .expect("list")
        .iter()
        .map(|b| {
            (
                b["startedAt"].as_str().unwrap_or("").to_owned(),
                b["status"].as_str().unwrap_or("").to_owned(),
                b["sizeInBytes"].as_u64().unwrap_or(0),
                b["type"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_long_advance_leaves_the_same_backups_as_stepping_day_by_day() {
    let stepped = Sim::start().await;
    let leaped = Sim::start().await;
    let a = stepped.running_service().await;
    let b = leaped.running_service().await;
    for _ in 0..40 {
        stepped.advance(24 * 3600).await;
    }
    let answer = leaped.advance(40 * 24 * 3600).await;
    let (by_steps, by_leap) = (backups(&stepped, &a).await, backups(&leaped, &b).await);
    assert!(!by_steps.is_empty());
    assert_eq!(by_leap, by_steps, "coalescing skips only backups nobody could see at the end");
    // About 40 backups, each begun, done and expired: counted although not materialised.
    let applied = answer["applied"].as_u64().expect("applied");
    assert!(applied >= 3 * 38, "{answer}");
    let listed = answer["transitions"].as_array().expect("list").len() as u64;
    assert!(listed < applied / 2, "most were coalesced, not run: {listed} of {applied}");
    assert_eq!(pending(&leaped).await, pending(&stepped).await, "the same timers are left");
}

/// A running service with a scaling schedule: business hours on weekdays, and a night
/// entry from Wednesday 22:00 to Thursday 02:00 (the clock starts on a Wednesday).
async fn scheduled_service(sim: &Sim) -> String {
    let id = sim.running_service().await;
    let entries = json!({"entries": [
        {"name": "Business hours", "weekdays": [1, 2, 3, 4, 5], "startHourUtc": 9, "endHourUtc": 17,
         "minReplicaMemoryGb": 32, "maxReplicaMemoryGb": 64, "numReplicas": 4},
        {"name": "Nights", "weekdays": [3], "startHourUtc": 22, "endHourUtc": 2,
         "autoscalingMode": "vertical", "numReplicas": 2, "idleScaling": false},
    ]});
    sim.post(&format!("{ORG}/services/{id}/scalingSchedule"), entries).await.assert_ok();
    id
}

/// What a service's scaling schedule shows (its scaling now, its entries' activity) and
/// when its next tick is due.
async fn scaling(sim: &Sim, id: &str) -> (Value, Value, Vec<Value>) {
    let service = sim.get(&format!("{ORG}/services/{id}")).await.assert_ok().clone();
    let schedule = sim.get(&format!("{ORG}/services/{id}/scalingSchedule")).await.assert_ok().clone();
    let ticks = state(sim).await["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .filter(|p| p["event"]["event"]["type"] == "scalingScheduleTick")
        .map(|p| json!([p["dueMs"], p["event"]["event"]["generation"]]))
        .collect();
    (service["currentScaling"].clone(), schedule, ticks)
}

async fn events_run(sim: &Sim) -> u64 {
    let metrics = sim.sim_get("/_sim/metrics").await.text;
    let line = metrics.lines().find_map(|l| l.strip_prefix("dbaas_sim_events_run_total ")).expect("the metric");
    line.parse().expect("a count")
}

#[tokio::test]
async fn a_long_advance_leaves_the_same_scaling_as_stepping_hour_by_hour() {
    let stepped = Sim::start().await;
    let leaped = Sim::start().await;
    let a = scheduled_service(&stepped).await;
    let b = scheduled_service(&leaped).await;
    // Two weeks and 23 hours: Wednesday 23:00, the night entry active.
    let hours = 14 * 24 + 23;
    for _ in 0..hours {
        stepped.advance(3600).await;
    }
    let before = events_run(&leaped).await;
    leaped.advance(hours * 3600).await;
    let ran = events_run(&leaped).await - before;
    let (by_steps, by_leap) = (scaling(&stepped, &a).await, scaling(&leaped, &b).await);
    assert_eq!(by_steps.0["effectiveMaxReplicas"], 2, "the night entry is active: {}", by_steps.0);
    assert_eq!(by_leap, by_steps, "the same scaling, entries and next tick");
    assert_eq!(by_leap.2.len(), 1, "one tick pending: {:?}", by_leap.2);
    // Stepping ran a tick at each of the 24 changes; the leap ran at most a couple.
    assert!(ran <= 12, "ticks coalesced: {ran} events run");
}

#[tokio::test]
async fn a_ten_year_advance_over_a_scheduled_service_runs_a_bounded_number_of_ticks() {
    let leaped = Sim::start().await;
    let every = Sim::start().await;
    let a = scheduled_service(&leaped).await;
    let b = scheduled_service(&every).await;
    let ten_years = 10 * 365 * 24 * 3600;
    let before = events_run(&leaped).await;
    let answer = leaped.advance(ten_years).await;
    let ran = events_run(&leaped).await - before;
    assert!(ran <= 50, "about 6,000 schedule changes in ten years, a few ticks run: {ran} ({answer})");
    assert!(answer["transitions"].as_array().expect("list").len() <= 1000);
    // Every event run, none coalesced ("all": true): the schedule ends the same.
    let before = events_run(&every).await;
    let r = every.sim_post("/_sim/clock/advance", json!({"seconds": ten_years, "all": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stepped = events_run(&every).await - before;
    assert!(stepped > 5_000, "uncoalesced, each change is a tick: {stepped}");
    assert_eq!(scaling(&leaped, &a).await, scaling(&every, &b).await);
}

#[tokio::test]
async fn a_ten_year_advance_over_many_services_answers_counts_in_bounded_memory() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.maxServicesPerOrg": 1000})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = 200;
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(sim.create_service(json!({})).await);
    }
    sim.advance(60).await;
    let years = sim.advance(10 * 365 * 24 * 3600).await;
    let applied = years["applied"].as_u64().expect("applied");
    // A backup a day for ten years per service, each begun, done and expired.
    assert!(applied >= n * 3 * 3640, "every backup is counted: {applied}");
    assert_eq!(years["truncated"], true);
    assert!(years["transitions"].as_array().expect("list").len() <= 1000);
    let dump = state(&sim).await;
    let stored = dump["providers"]["clickhouse"]["backups"].as_array().expect("backups").len() as u64;
    assert!(stored <= n * 3, "only backups within retention are kept: {stored}");
    let activities = dump["providers"]["clickhouse"]["activities"].as_array().expect("activities").len();
    assert!(activities <= 10_000, "the activity log is capped: {activities}");
    assert!(pending(&sim).await <= n * 3, "a few timers per service are left");
    assert_eq!(sim.state_of(&ids[0]).await, "idle");
}

// ---------------------------------------------------------------- bounded histories

#[tokio::test]
async fn the_activity_log_keeps_the_newest_entries_up_to_its_knob() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.activities.max": 5})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = sim.create_service(json!({})).await;
    for i in 0..10 {
        let r = sim.patch(&format!("{ORG}/services/{id}"), json!({"name": format!("name {i}")})).await;
        r.assert_ok();
    }
    let r = sim.get(&format!("{ORG}/activities")).await;
    let list = r.assert_ok().as_array().expect("list").clone();
    assert_eq!(list.len(), 5, "{list:?}");
    assert!(list.iter().all(|a| a["type"] == "service_update_name"), "the oldest went first: {list:?}");
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.activities.max": "many"})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains("clickhouse.activities.max"), "{}", r.text);
}

#[tokio::test]
async fn a_removed_service_leaves_no_pending_timer_behind() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    assert!(pending(&sim).await > 0, "a running service has an idle check and a backup slot");
    let r = sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await;
    r.assert_ok();
    sim.advance(60).await;
    assert_eq!(sim.state_of(&id).await, "stopped");
    let r = sim.delete(&format!("{ORG}/services/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.advance(60).await;
    assert_eq!(sim.state_of(&id).await, "<gone>");
    assert_eq!(pending(&sim).await, 0, "its timers went with it");
    let metrics = sim.sim_get("/_sim/metrics").await.text;
    assert!(metrics.contains("dbaas_sim_transitions_pending 0"), "{metrics}");
    let later = sim.advance(30 * 24 * 3600).await;
    assert_eq!(later["applied"], 0, "{later}");
}

/// In-process: the library's restore takes a dump of any size, and keeps the org.
#[tokio::test]
async fn the_library_restores_what_it_dumps() {
    let sim = Simulator::builder().clock(ClockMode::Manual).start().await.expect("starts");
    let dump = sim.dump();
    assert_eq!(dump["providers"]["clickhouse"]["organizations"][0]["id"], ORG_ID);
    sim.restore(&dump).expect("restores its own dump");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_long_advance_leaves_the_same_fujitsu_backups_as_stepping_day_by_day() {
    use crate::support::fujitsu::Fj;
    let stepped = Fj::start().await;
    let leaped = Fj::start().await;
    for fj in [&stepped, &leaped] {
        fj.create_instance_with("db1", json!({"backupRetentionPeriod": 3})).await;
        fj.wait_active("db1").await;
    }
    for _ in 0..40 {
        stepped.advance(24 * 3600).await;
    }
    let answer = leaped.advance(40 * 24 * 3600).await;
    // The daily backups are automated snapshots: the same days are kept either way (their
    // ids differ: a skipped day draws none).
    let backups = |state: &Value| -> Vec<Value> {
        let all = state["snapshots"].as_array().cloned().unwrap_or_default();
        let mut times: Vec<u64> =
            all.iter().filter(|s| s["snapshotType"] == "automated").filter_map(|s| s["created"].as_u64()).collect();
        times.sort_unstable();
        times.into_iter().map(Value::from).collect()
    };
    let (stepped_state, leaped_state) = (stepped.fujitsu_state().await, leaped.fujitsu_state().await);
    let (by_steps, by_leap) = (stepped_state["instances"][0].clone(), leaped_state["instances"][0].clone());
    assert_eq!(by_leap["status"], "ACTIVE");
    assert_eq!(backups(&leaped_state), backups(&stepped_state), "the retained backups are the same");
    assert!(!backups(&leaped_state).is_empty(), "{leaped_state}");
    assert_eq!(by_leap["updated"], by_steps["updated"]);
    // About 40 daily backups, each into BACKUP and back.
    let applied = answer["applied"].as_u64().expect("applied");
    assert!(applied >= 2 * 38, "{answer}");
    let listed = answer["transitions"].as_array().expect("list").len() as u64;
    assert!(listed < applied / 2, "most were coalesced, not run: {listed} of {applied}");
}

#[tokio::test]
async fn a_seeded_service_leaves_no_stale_provisioning_timer() {
    let sim = Sim::start().await;
    let yaml = "resources:\n  clickhouse:\n    services:\n      - {name: seeded, provider: aws, region: us-east-1, state: running}\n";
    let r = sim
        .send_raw(Method::POST, "/_sim/scenarios", None, Some(yaml.into()), &[("content-type", "application/yaml")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pending = state(&sim).await["pending"].clone();
    let text = pending.to_string();
    assert!(!text.contains("serviceSettle"), "the create's provisioning settle went: {text}");
    assert!(text.contains("idleCheck") && text.contains("backupDue"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_a_long_advance_runs() {
    let sim = Sim::start().await;
    for _ in 0..5 {
        sim.create_service(json!({})).await;
    }
    let mut answered_during = 0;
    for _ in 0..5 {
        // The library's advance lists every transition, so it coalesces nothing: years of
        // backups, applied one by one.
        let lib = sim.sim.clone();
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let advancing = tokio::task::spawn_blocking(move || {
            let n = lib.advance(Duration::from_secs(3 * 365 * 24 * 3600)).len();
            flag.store(true, Ordering::SeqCst);
            n
        });
        while !done.load(Ordering::SeqCst) {
            let r = tokio::time::timeout(Duration::from_secs(10), sim.sim_get("/_sim/health"))
                .await
                .expect("health answers while the advance runs");
            assert_eq!(r.status, 200, "{}", r.text);
            if !done.load(Ordering::SeqCst) {
                answered_during += 1;
            }
        }
        assert!(advancing.await.expect("advance") > 5 * 3 * 1000, "years of backups were applied");
        if answered_during > 0 {
            break;
        }
    }
    assert!(answered_during > 0, "the health check answered while an advance was under way");
}

#[tokio::test]
async fn a_stopped_fujitsu_instance_idles_through_a_long_advance_without_a_daily_event() {
    use crate::support::fujitsu::Fj;
    let stepped = Fj::start().await;
    let leaped = Fj::start().await;
    for fj in [&stepped, &leaped] {
        fj.active_instance("db1").await;
        let r = fj.act("db1", "stop").await;
        r.assert_accepted();
        fj.wait_for("db1", "SHUTDOWN", 3600).await;
    }
    for _ in 0..10 {
        stepped.advance(24 * 3600).await;
    }
    leaped.advance(10 * 24 * 3600).await;
    let (a, b) = (
        stepped.sim_get("/_sim/state").await.body["pending"].clone(),
        leaped.sim_get("/_sim/state").await.body["pending"].clone(),
    );
    assert!(a.as_array().is_some_and(|p| !p.is_empty()), "{a}");
    assert_eq!(a, b, "the same next backup slot, however the days went by");
    let r = leaped.sim_post("/_sim/clock/advance", json!({"seconds": 10 * 365 * 24 * 3600})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(leaped.instance_status("db1").await, "SHUTDOWN");
}
