//! Core: the `/_sim/` control API (health, reset, state, clock, journal, metrics, config),
//! determinism, concurrency, body limits, routing fallbacks, HTTP/1.1 keep-alive and
//! HTTP/2, and the library's lifecycle (shutdown, drop). Every test starts its own
//! simulator on 127.0.0.1:0 with the manual clock.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dbaas_sim::{ClockMode, Simulator};
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

const START: &str = "2025-01-01T00:00:00Z";

/// The knob list of `GET /_sim/config`, as `name -> knob object`.
async fn knob(sim: &Sim, name: &str) -> Value {
    let r = sim.sim_get("/_sim/config").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["knobs"]
        .as_array()
        .expect("knobs is an array")
        .iter()
        .find(|k| k["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("knob {name} is listed"))
}

/// Asserts the control API's error shape: the status and `{"error": "..."}` containing
/// every one of `mentions`.
#[track_caller]
fn assert_control_error(r: &Resp, status: u16, mentions: &[&str]) {
    assert_eq!(r.status, status, "status; body: {}", r.text);
    assert!(r.header("content-type").unwrap_or("").starts_with("application/json"), "JSON: {:?}", r.headers);
    let error = r.error();
    for m in mentions {
        assert!(error.contains(m), "error {error:?} does not mention {m:?}");
    }
}

/// The journal entries of `GET /_sim/requests?<query>`.
async fn journal(sim: &Sim, query: &str) -> Vec<Value> {
    let r = sim.sim_get(&format!("/_sim/requests{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["requests"].as_array().expect("requests is an array").clone()
}

/// Reads from `stream` until `needle` has arrived (bounded by a 10 s timeout).
async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("the server answers within 10 s")
            .expect("read");
        assert!(n > 0, "connection closed before {needle:?}; got {:?}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Whether a TCP connect to `addr` is refused, polled a bounded number of times while
/// yielding to the server's tasks (no real-time sleeps).
async fn refused_eventually(addr: std::net::SocketAddr) -> bool {
    for _ in 0..2_000 {
        tokio::task::yield_now().await;
        if let Ok(Err(_)) = tokio::time::timeout(Duration::from_millis(100), TcpStream::connect(addr)).await {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------- health, reset, state

#[tokio::test]
async fn health_answers_ok_with_providers_clock_and_seed() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/health").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["clock"], "manual");
    assert_eq!(r.body["seed"], 42);
    assert!(r.body["providers"].as_array().unwrap().contains(&json!("clickhouse")));
}

#[tokio::test]
async fn reset_empties_the_world_rewinds_the_clock_and_replays_the_seed() {
    let sim = Sim::start().await;
    let first = sim.create_service(json!({})).await;
    sim.create_service(json!({"name": "second"})).await;
    sim.advance(120).await;

    let r = sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    assert_eq!(sim.service_count().await, 0, "no services after reset");
    let clock = sim.sim_get("/_sim/clock").await;
    assert_eq!((clock.body["now"].as_str(), clock.body["elapsedMs"].as_u64()), (Some(START), Some(0)));
    assert_eq!(clock.body["pendingTransitions"], 0);
    // The default identities are back, and only they: sim-key in sim-org.
    let state = sim.sim_get("/_sim/state").await;
    let ch = &state.body["providers"]["clickhouse"];
    let names = |kind: &str, field: &str| -> Vec<String> {
        ch[kind].as_array().unwrap().iter().map(|v| v[field].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names("organizations", "id"), [ORG_ID]);
    assert_eq!(names("organizations", "name"), ["sim-org"]);
    assert_eq!(names("keys", "keyId"), ["sim-key"]);
    assert_eq!(sim.get(&format!("{ORG}/services")).await.status, 200, "sim-key:sim-secret still works");
    // The seed starts over: the same first request after a reset gets the same id.
    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(sim.create_service(json!({})).await, first);
}

#[tokio::test]
async fn state_lists_every_resource_by_provider_and_kind_and_the_pending_transitions() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.sim_get("/_sim/state").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ch = &r.body["providers"]["clickhouse"];
    assert_eq!(ch["organizations"][0]["id"], ORG_ID);
    assert_eq!(ch["keys"][0]["keyId"], "sim-key");
    assert_eq!(ch["services"].as_array().unwrap().len(), 1);
    assert_eq!(ch["services"][0]["id"], id.as_str());
    assert_eq!(ch["services"][0]["state"], "provisioning");
    let pending = r.body["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "the provisioning -> running transition is pending: {pending:?}");
    assert_eq!(pending[0]["due"], "2025-01-01T00:01:00Z");
    assert_eq!(r.body["clock"]["now"], START);
}

// ---------------------------------------------------------------------------- clock

#[tokio::test]
async fn clock_reports_the_manual_mode_at_its_start() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/clock").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["mode"], "manual");
    assert_eq!(r.body["now"], START);
    assert_eq!(r.body["elapsedMs"], 0);
    assert_eq!(r.body["epoch"], START);
}

#[tokio::test]
async fn advance_answers_the_new_time_and_the_transitions_it_applied() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 90})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["now"], "2025-01-01T00:01:30Z");
    assert_eq!(r.body["elapsedMs"], 90_000);
    let transitions = r.body["transitions"].as_array().unwrap();
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    let t = &transitions[0];
    assert_eq!((t["provider"].as_str(), t["id"].as_str()), (Some("clickhouse"), Some(id.as_str())));
    assert_eq!((t["from"].as_str(), t["to"].as_str()), (Some("provisioning"), Some("running")));
    assert_eq!(t["at"], "2025-01-01T00:01:00Z", "applied at its own due time, not at the end of the step");
    // Fractions of a second are accepted.
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 0.5})).await;
    assert_eq!(r.body["elapsedMs"], 90_500);
}

#[tokio::test]
async fn advance_refuses_bad_bodies_with_400_and_leaves_the_clock_alone() {
    let sim = Sim::start().await;
    let cases: [(&[u8], &str); 7] = [
        (b"{}", "seconds"),
        (b"{\"seconds\":\"10\"}", "seconds"),
        (b"{\"seconds\":-1}", "seconds"),
        (b"{\"seconds\":1e13}", "seconds"),
        (b"{\"seconds\":null}", "seconds"),
        (b"[10]", "object"),
        (b"{\"seconds\":", "JSON"),
    ];
    for (body, mention) in cases {
        let r = sim.send_raw(Method::POST, "/_sim/clock/advance", None, Some(body.to_vec()), &[]).await;
        assert_control_error(&r, 400, &[mention]);
    }
    let r = sim.sim_get("/_sim/clock").await;
    assert_eq!(r.body["elapsedMs"], 0, "no bad body moved the clock");
}

#[tokio::test]
async fn one_advance_moves_the_clock_at_most_ten_years_applying_every_transition_on_the_way() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    sim.sim.advance(Duration::from_secs(u64::MAX));
    let r = sim.sim_get("/_sim/clock").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["elapsedMs"], json!(10u64 * 365 * 24 * 3600 * 1000), "{}", r.text);
    let r = sim.get(&format!("{ORG}/services/{id}")).await;
    assert_ne!(r.assert_ok()["state"], "provisioning", "every transition on the way was applied");
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 1e12})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("ten years"));
}

#[tokio::test]
async fn a_long_advance_counts_every_transition_and_lists_the_first_thousand_unless_asked_for_all() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    sim.create_service(json!({"name": "second"})).await;
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 2 * 365 * 24 * 3600})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let applied = r.body["applied"].as_u64().unwrap();
    assert!(applied > 1000, "two years of daily backups of two services: {applied}");
    // Backups that began and expired on the way are coalesced: counted, never listed.
    let listed = r.body["transitions"].as_array().unwrap().len();
    assert!(listed <= 1000 && (listed as u64) < applied, "{listed} of {applied}");
    assert_eq!(r.body["truncated"], json!(true));
    // Asked for all, it coalesces nothing and lists every one of them.
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 365 * 24 * 3600, "all": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["applied"].as_u64().unwrap() > 1000, "{}", r.body["applied"]);
    assert_eq!(r.body["transitions"].as_array().unwrap().len() as u64, r.body["applied"].as_u64().unwrap());
    assert_eq!(r.body["truncated"], json!(false));
    let r = sim.sim_post("/_sim/clock/advance", json!({"seconds": 1, "all": "yes"})).await;
    assert_control_error(&r, 400, &["all"]);
}

// -------------------------------------------------------------------------- journal

#[tokio::test]
async fn journal_records_method_path_provider_operation_status_time_and_latency() {
    let sim = Sim::start().await;
    sim.advance(30).await;
    sim.create_service(json!({})).await;
    let entries = journal(&sim, "?provider=clickhouse").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], format!("{ORG}/services"));
    assert_eq!(e["provider"], "clickhouse");
    assert_eq!(e["operation"], "instanceCreate");
    assert_eq!(e["tenant"], ORG_ID);
    assert_eq!(e["status"], 200);
    assert_eq!(e["simTime"], "2025-01-01T00:00:30Z");
    assert_eq!(e["simTimeMs"], 30_000);
    assert!(e["latencyUs"].is_u64(), "{e}");
    assert_eq!(e["requestId"].as_str().map(str::len), Some(36));
}

#[tokio::test]
async fn journal_filters_by_provider_method_path_and_status() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    sim.get(&format!("{ORG}/services/{id}")).await;
    sim.get(&format!("{ORG}/services/00000000-0000-4000-8000-00000000dead")).await;
    sim.send(Method::GET, ORG, None, None, &[]).await; // 401
    sim.sim_get("/_sim/health").await;

    let ops =
        |entries: Vec<Value>| entries.iter().map(|e| e["operation"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ops(journal(&sim, "?provider=sim").await), ["health"]);
    assert_eq!(ops(journal(&sim, "?method=post").await), ["instanceCreate"]);
    assert_eq!(ops(journal(&sim, "?status=404").await), ["instanceGet"]);
    assert_eq!(journal(&sim, "?status=401").await.len(), 1);
    assert_eq!(ops(journal(&sim, &format!("?path={ORG}/services/*")).await), ["instanceGet", "instanceGet"]);
    assert_eq!(ops(journal(&sim, "?path=/v1/**&method=GET&status=200").await), ["instanceGet"]);
    assert_eq!(journal(&sim, "?provider=clickhouse").await.len(), 4);
    // A filter that is not one is refused, naming it.
    let r = sim.sim_get("/_sim/requests?colour=red").await;
    assert_control_error(&r, 400, &["colour"]);
    let r = sim.sim_get("/_sim/requests?status=ok").await;
    assert_control_error(&r, 400, &["status", "ok"]);
}

#[tokio::test]
async fn journal_pages_by_seq_and_keeps_long_paths_shortened() {
    let sim = Sim::start().await;
    for i in 0..5 {
        sim.sim_get(&format!("/_sim/nothing/{i}")).await;
    }
    let r = sim.sim_get("/_sim/requests?limit=2").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let seqs = |r: &crate::support::Resp| {
        r.body["requests"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(seqs(&r), [1, 2]);
    assert_eq!(r.body["next"], json!(2));
    let r = sim.sim_get("/_sim/requests?limit=10&after=2").await;
    assert_eq!(seqs(&r), [3, 4, 5]);
    assert_eq!(r.body["next"], Value::Null, "the last page says so");
    for bad in ["limit=0", "limit=10001", "limit=x", "after=-1"] {
        let r = sim.sim_get(&format!("/_sim/requests?{bad}")).await;
        assert_control_error(&r, 400, &[bad.split('=').next().unwrap()]);
    }
    // A 20 KB path costs the journal about 2 KB, and says how much it dropped.
    let long = format!("/nothing/{}", "x".repeat(20_000));
    sim.sim_get(&long).await;
    let entries = journal(&sim, "?status=404&path=/nothing").await;
    let path = entries.last().unwrap()["path"].as_str().unwrap().to_owned();
    assert!(path.len() < 2100 && path.ends_with(&format!("…[+{} bytes]", long.len() - 2048)), "{}", path.len());
    let metrics = sim.sim_get("/_sim/metrics").await.text;
    assert!(metrics.contains("dbaas_sim_journal_bytes "), "{metrics}");
}

#[tokio::test]
async fn deleting_the_journal_empties_it() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    let r = sim.send(Method::DELETE, "/_sim/requests", None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(journal(&sim, "").await.is_empty());
    sim.sim_get("/_sim/health").await;
    assert_eq!(journal(&sim, "").await.len(), 1, "recording goes on after a clear");
}

#[tokio::test]
async fn journal_keeps_only_the_newest_entries_up_to_its_size() {
    let sim = Sim::start_with(Simulator::builder().seed(42).journal_size(3)).await;
    for i in 0..5 {
        sim.sim_get(&format!("/_sim/nothing/{i}")).await;
    }
    let r = sim.sim_get("/_sim/requests").await;
    assert_eq!(r.body["capacity"], 3);
    let paths: Vec<&str> = r.body["requests"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/_sim/nothing/2", "/_sim/nothing/3", "/_sim/nothing/4"]);
    let seqs: Vec<u64> = r.body["requests"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [3, 4, 5], "sequence numbers keep counting past the dropped entries");
}

// -------------------------------------------------------------------------- metrics

#[tokio::test]
async fn metrics_count_requests_resources_and_applied_transitions_in_prometheus_text() {
    let sim = Sim::start().await;
    sim.create_service(json!({})).await;
    sim.create_service(json!({})).await;
    sim.get(&format!("{ORG}/services/00000000-0000-4000-8000-00000000dead")).await;
    sim.advance(60).await;
    sim.create_service(json!({})).await;

    let r = sim.sim_get("/_sim/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"), "{:?}", r.headers);
    let has = |line: &str| r.text.lines().any(|l| l == line);
    for line in [
        "# TYPE dbaas_sim_requests_total counter",
        r#"dbaas_sim_requests_total{provider="clickhouse",operation="instanceCreate",status="200"} 3"#,
        r#"dbaas_sim_requests_total{provider="clickhouse",operation="instanceGet",status="404"} 1"#,
        r#"dbaas_sim_requests_total{provider="sim",operation="advanceClock",status="200"} 1"#,
        "# TYPE dbaas_sim_resources gauge",
        r#"dbaas_sim_resources{provider="clickhouse",kind="service",state="running"} 2"#,
        r#"dbaas_sim_resources{provider="clickhouse",kind="service",state="provisioning"} 1"#,
        "# TYPE dbaas_sim_transitions_applied_total counter",
        "dbaas_sim_transitions_applied_total 2",
    ] {
        assert!(has(line), "missing {line:?} in\n{}", r.text);
    }
}

// --------------------------------------------------------------------------- config

#[tokio::test]
async fn config_lists_every_knob_with_its_value_default_and_doc() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/config").await;
    let knobs = r.body["knobs"].as_array().expect("knobs");
    assert!(knobs.len() >= 10, "{}", r.text);
    for k in knobs {
        let name = k["name"].as_str().expect("name");
        assert!(name.contains('.'), "dotted name: {name}");
        assert!(k.get("value").is_some() && k.get("default").is_some(), "{k}");
        assert!(k["doc"].as_str().is_some_and(|d| !d.is_empty()), "{name} has a doc line");
    }
    let provision = knob(&sim, "clickhouse.durations.provision").await;
    assert_eq!(provision["value"], provision["default"]);
}

#[tokio::test]
async fn patching_config_sets_a_knob_that_takes_effect_at_once() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.durations.provision": 5})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let k = knob(&sim, "clickhouse.durations.provision").await;
    assert_eq!(k["value"], 5);
    assert_eq!(k["default"], 60, "the default is still shown");
    let id = sim.create_service(json!({})).await;
    sim.advance(5).await;
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn patching_an_unknown_knob_is_refused_by_name_and_changes_nothing() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.durations.provision": 5, "clickhouse.nope": 1})).await;
    assert_control_error(&r, 400, &["clickhouse.nope"]);
    assert_eq!(knob(&sim, "clickhouse.durations.provision").await["value"], 60);
}

#[tokio::test]
async fn patching_a_bad_value_is_refused_by_name_and_changes_nothing() {
    let sim = Sim::start().await;
    // Knobs apply in name order, so provision is set before the bad value is found and
    // must be rolled back.
    let body = json!({"clickhouse.durations.provision": 5, "clickhouse.maxServicesPerOrg": -1});
    let r = sim.sim_patch("/_sim/config", body).await;
    assert_control_error(&r, 400, &["clickhouse.maxServicesPerOrg"]);
    assert_eq!(knob(&sim, "clickhouse.durations.provision").await["value"], 60);
    assert_eq!(knob(&sim, "clickhouse.maxServicesPerOrg").await["value"], 100);
    let r = sim.send_raw(Method::PATCH, "/_sim/config", None, Some(b"[1]".to_vec()), &[]).await;
    assert_control_error(&r, 400, &["object"]);
}

#[tokio::test]
async fn reset_restores_the_knobs_given_at_start() {
    let sim = Sim::start_with(Simulator::builder().seed(42).set("clickhouse.durations.provision", 7)).await;
    sim.sim_patch("/_sim/config", json!({"clickhouse.durations.provision": 9})).await;
    sim.sim_post("/_sim/reset", json!({})).await;
    let k = knob(&sim, "clickhouse.durations.provision").await;
    assert_eq!((k["value"].as_u64(), k["default"].as_u64()), (Some(7), Some(60)));
}

#[tokio::test]
async fn builder_refuses_an_unknown_knob_or_a_bad_value_with_a_config_error() {
    for (name, value, mention) in [
        ("clickhouse.nope", json!(1), "clickhouse.nope"),
        ("nope.at.all", json!(1), "nope.at.all"),
        ("clickhouse.durations.provision", json!("soon"), "clickhouse.durations.provision"),
    ] {
        match Simulator::builder().set(name, value.clone()).start().await {
            Err(dbaas_sim::Error::Config(message)) => assert!(message.contains(mention), "{message}"),
            Err(other) => panic!("{name}: expected a config error, got {other}"),
            Ok(_) => panic!("{name}={value} was accepted"),
        }
        assert!(matches!(Simulator::builder().set(name, value).build(), Err(dbaas_sim::Error::Config(_))));
    }
}

// ------------------------------------------------------------------ control routing

#[tokio::test]
async fn unknown_control_path_is_404_json() {
    let sim = Sim::start().await;
    for path in ["/_sim/nothing", "/_sim", "/_sim/clock/rewind", "/_sim/clickhouse/nothing"] {
        let r = sim.sim_get(path).await;
        assert_control_error(&r, 404, &[]);
        assert!(!r.error().is_empty(), "{path}: {}", r.text);
    }
}

#[tokio::test]
async fn wrong_method_on_a_control_path_is_405_with_allow() {
    let sim = Sim::start().await;
    for (method, path, allow) in [
        (Method::POST, "/_sim/health", "GET"),
        (Method::GET, "/_sim/reset", "POST"),
        (Method::GET, "/_sim/clock/advance", "POST"),
        (Method::PUT, "/_sim/requests", "GET, DELETE"),
        (Method::DELETE, "/_sim/config", "GET, PATCH"),
        (Method::POST, "/_sim/metrics", "GET"),
    ] {
        let r = sim.send(method.clone(), path, None, None, &[]).await;
        assert_control_error(&r, 405, &[]);
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
    assert_eq!(sim.sim_get("/_sim/clock").await.body["elapsedMs"], 0);
}

// ------------------------------------------------------ determinism and concurrency

/// A fixed request sequence; answers every reply body.
async fn script(sim: &Sim) -> Vec<Value> {
    let mut out = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        out.push(
            sim.post(&format!("{ORG}/services"), json!({"name": name, "provider": "aws", "region": "us-east-1"}))
                .await
                .body,
        );
    }
    let id = out[0]["result"]["service"]["id"].as_str().unwrap().to_owned();
    sim.advance(60).await;
    out.push(sim.patch(&format!("{ORG}/services/{id}/password"), json!({})).await.body);
    out.push(sim.get(&format!("{ORG}/services")).await.body);
    out.push(sim.sim_get("/_sim/state").await.body);
    out
}

#[tokio::test]
async fn t87_same_seed_and_same_requests_give_identical_ids_passwords_and_hosts() {
    let (a, b) = (Sim::start().await, Sim::start().await);
    let (ra, rb) = (script(&a).await, script(&b).await);
    let svc = &ra[0]["result"]["service"];
    assert!(svc["id"].is_string() && ra[0]["result"]["password"].is_string(), "{}", ra[0]);
    assert!(svc["endpoints"][0]["host"].is_string(), "{svc}");
    assert_eq!(ra, rb, "every answer, ids, passwords, hosts and request ids included, is the same");

    let c = Sim::start_with(Simulator::builder().seed(43)).await;
    let rc = script(&c).await;
    assert_ne!(ra[0]["result"]["service"]["id"], rc[0]["result"]["service"]["id"], "another seed, other ids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t88_hundred_concurrent_creates_give_hundred_distinct_services_and_no_5xx() {
    let sim = Arc::new(Sim::start().await);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let sim = sim.clone();
            tokio::spawn(async move {
                let body = json!({"name": format!("svc {i}"), "provider": "aws", "region": "us-east-1"});
                sim.post(&format!("{ORG}/services"), body).await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.expect("task");
        assert!(r.status < 500, "no 5xx: {}", r.text);
        ids.insert(r.assert_ok()["service"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 100);
    assert_eq!(sim.service_count().await, 100);
}

// ------------------------------------------------------- limits and routing fallbacks

#[tokio::test]
async fn t89_a_two_mib_body_gets_413_in_the_clickhouse_envelope_and_creates_nothing() {
    let sim = Sim::start().await;
    let mut body = br#"{"name":"big","provider":"aws","region":"us-east-1","tags":""#.to_vec();
    body.resize(2 << 20, b'a');
    body.extend_from_slice(br#""}"#);
    let r = sim.send_raw(Method::POST, &format!("{ORG}/services"), Some(KEY), Some(body), &[]).await;
    r.assert_ch_error(413, "");
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn t90_put_on_the_services_collection_is_405_allowing_get_and_post() {
    let sim = Sim::start().await;
    let r = sim.ch(Method::PUT, &format!("{ORG}/services"), Some(json!({}))).await;
    r.assert_ch_error(405, "");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn t91_an_unknown_v1_path_is_404_not_found_in_the_clickhouse_envelope() {
    let sim = Sim::start().await;
    let r = sim.get("/v1/nothing").await;
    r.assert_ch_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_path_no_provider_owns_is_404_json() {
    let sim = Sim::start().await;
    for (method, path) in [(Method::GET, "/nothing"), (Method::POST, "/"), (Method::DELETE, "/v2/organizations")] {
        let r = sim.send(method, path, None, None, &[]).await;
        assert_control_error(&r, 404, &[path]);
    }
    let entries = journal(&sim, "?provider=none").await;
    assert_eq!(entries.len(), 3, "unknown routes are journaled too");
}

// -------------------------------------------------------------------- HTTP transport

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let sim = Sim::start().await;
    let stream = TcpStream::connect(sim.sim.addr()).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    let conn = tokio::spawn(conn);
    for i in 0..5 {
        let req = hyper::Request::post("/_sim/clock/advance")
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(r#"{"seconds":1}"#)))
            .unwrap();
        let resp = sender.send_request(req).await.expect("the same connection answers");
        assert_eq!(resp.status(), 200);
        let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["elapsedMs"], (i + 1) * 1000);
    }
    drop(sender);
    conn.await.expect("task").expect("the connection ends cleanly");
}

#[tokio::test]
async fn http2_prior_knowledge_cleartext_requests_are_served() {
    let sim = Sim::start().await;
    let stream = TcpStream::connect(sim.sim.addr()).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.expect("h2 handshake");
    tokio::spawn(conn);
    let req = hyper::Request::get(format!("{}/_sim/health", sim.url())).body(Full::new(Bytes::new())).unwrap();
    let resp = sender.send_request(req).await.expect("h2 request");
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["status"], "ok");
}

// ---------------------------------------------------------------- library lifecycle

#[tokio::test]
async fn the_handle_answers_requests_in_process_without_a_socket() {
    let handle = Simulator::builder().seed(42).build().expect("builds");
    let reply = handle.request(dbaas_sim::Request::new(Method::GET, "/_sim/health", ""));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body_json().unwrap()["seed"], 42);
    assert!(handle.advance(Duration::from_secs(1)).is_empty());
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let sim = Simulator::builder().clock(ClockMode::Manual).start().await.expect("starts");
    let addr = sim.addr();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // Headers now, body later: `100 Continue` proves the handler is reading the body.
    let body = br#"{"seconds":30}"#;
    let head = format!(
        "POST /_sim/clock/advance HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nexpect: 100-continue\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    read_until(&mut stream, "100 Continue\r\n\r\n").await;

    let stopping = sim.clone();
    let shutdown = tokio::spawn(async move { stopping.shutdown().await });
    assert!(refused_eventually(addr).await, "the listener closes at once on shutdown");

    stream.write_all(body).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response))
        .await
        .expect("the response arrives and the connection closes")
        .expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""elapsedMs":30000"#), "a full response: {response}");
    tokio::time::timeout(Duration::from_secs(10), shutdown).await.expect("shutdown completes").expect("task");
}

#[tokio::test]
async fn dropping_the_last_simulator_clone_stops_the_server() {
    let sim = Sim::start().await;
    let addr = sim.sim.addr();
    let Sim { sim: simulator, .. } = sim;
    let clone = simulator.clone();
    drop(simulator);
    let r = TcpStream::connect(addr).await;
    assert!(r.is_ok(), "a clone keeps the server up");
    drop(r);
    drop(clone);
    assert!(refused_eventually(addr).await, "connections are refused once the last clone is gone");
}

// ------------------------------------------------------------------------- fuzzing

#[test]
fn fuzz_corpus_replays_without_panic() {
    let corpus = |target: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).expect("the corpus exists").map(|e| e.unwrap().path()).collect();
        files.sort();
        assert!(files.len() >= 5, "a seeded corpus for {target}: {}", files.len());
        files
    };
    let files = corpus("router");
    assert!(files.len() >= 20, "a seeded router corpus: {}", files.len());
    let handle = dbaas_sim::fuzzing::simulator();
    for (i, file) in files.iter().enumerate() {
        if i % 500 == 499 {
            handle.reset();
        }
        let data = std::fs::read(file).expect("read");
        // Each file once on the shared, evolving state (as the fuzzer runs them) ...
        dbaas_sim::fuzzing::run_one(&handle, &data);
    }
    // ... and each on a fresh simulator, so a file that needs a clean start is checked too.
    for file in &files {
        dbaas_sim::fuzzing::run_one(&dbaas_sim::fuzzing::simulator(), &std::fs::read(file).unwrap());
    }
    // The other targets, as their fuzz_targets/*.rs run them.
    let handle = dbaas_sim::fuzzing::simulator();
    for file in corpus("scenario") {
        dbaas_sim::fuzzing::scenario_one(&handle, &std::fs::read(file).unwrap());
    }
    for file in corpus("faults") {
        dbaas_sim::fuzzing::faults_one(&handle, &std::fs::read(file).unwrap());
    }
    for file in corpus("allocations") {
        dbaas_sim::fuzzing::allocations_one(&std::fs::read(file).unwrap());
    }
}

#[tokio::test]
async fn openapi_document_lists_every_clickhouse_operation() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/openapi/clickhouse.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    let create = &r.body["paths"]["/v1/organizations/{organizationId}/services"]["post"];
    assert_eq!(create["operationId"], "instanceCreate");
    assert_eq!(sim.sim_get("/_sim/openapi/nothing.json").await.status, 404);
}

// ------------------------------------------------------- the one Content-Type rule

/// A control request with exactly these headers (no Content-Type added).
async fn control_raw(sim: &Sim, method: Method, path: &str, content_type: Option<&str>, body: &str) -> Resp {
    let mut req = hyper::Request::builder().method(method).uri(format!("{}{path}", sim.url()));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).expect("request");
    let resp = Sim::client().request(req).await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Resp { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), text }
}

#[tokio::test]
async fn every_control_mutation_with_a_body_needs_a_json_content_type() {
    let sim = Sim::start().await;
    let rule = r#"{"id": "r", "action": {"kind": "reset"}, "match": {"path": "/x"}}"#;
    let cases: [(Method, &str, &str); 8] = [
        (Method::POST, "/_sim/faults", rule),
        (Method::POST, "/_sim/clock/advance", r#"{"seconds": 60}"#),
        (Method::PATCH, "/_sim/config", r#"{"clickhouse.durations.provision": 5}"#),
        (Method::PUT, "/_sim/state", r#"{"faults": []}"#),
        (Method::POST, "/_sim/scenarios", "faults: []\n"),
        (Method::POST, "/_sim/reset", "{}"),
        (Method::DELETE, "/_sim/faults", "{}"),
        (Method::POST, "/_sim/clickhouse/organizations", r#"{"name": "other"}"#),
    ];
    for (method, path, body) in cases {
        // What a web page can send without asking the server first, and nothing at all.
        for ct in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data")] {
            let r = control_raw(&sim, method.clone(), path, ct, body).await;
            assert_control_error(&r, 415, &["Content-Type: application/json", "POST /_sim/scenarios"]);
            assert!(
                r.error().contains(&ct.map_or("none".to_owned(), |c| format!("'{c}'"))),
                "{path} {ct:?}: {}",
                r.text
            );
        }
    }
    // Nothing changed.
    assert_eq!(sim.sim_get("/_sim/faults").await.body["faults"], json!([]));
    assert_eq!(sim.sim_get("/_sim/clock").await.body["elapsedMs"], 0);
    assert_eq!(knob(&sim, "clickhouse.durations.provision").await["value"], 60);
    let ops: Vec<Value> = journal(&sim, "?status=415").await.iter().map(|e| e["operation"].clone()).collect();
    assert_eq!(ops.len(), 32);
    assert!(ops.iter().all(|o| o == "unsupportedMediaType"), "{ops:?}");
}

#[tokio::test]
async fn json_content_types_are_accepted_with_parameters_and_yaml_only_for_scenarios() {
    let sim = Sim::start().await;
    for ct in
        ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"]
    {
        let r = control_raw(&sim, Method::POST, "/_sim/clock/advance", Some(ct), r#"{"seconds": 1}"#).await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text);
    }
    for ct in ["application/yaml", "application/x-yaml", "text/yaml", "application/json"] {
        let r = control_raw(&sim, Method::POST, "/_sim/scenarios", Some(ct), "faults: []\n").await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text);
    }
    let r =
        control_raw(&sim, Method::PATCH, "/_sim/config", Some("application/yaml"), "clickhouse.rateLimit: on\n").await;
    assert_control_error(&r, 415, &["application/json", "'application/yaml'"]);
}

#[tokio::test]
async fn body_less_control_mutations_need_no_content_type() {
    let sim = Sim::start().await;
    for (method, path) in [
        (Method::POST, "/_sim/reset"),
        (Method::DELETE, "/_sim/faults"),
        (Method::DELETE, "/_sim/requests"),
        (Method::POST, "/_sim/clock/advance"),
    ] {
        let r = control_raw(&sim, method, path, None, "").await;
        // An advance without a body is refused for what it lacks, not for its type.
        let want = if path == "/_sim/clock/advance" { 400 } else { 200 };
        assert_eq!(r.status, want, "{path}: {}", r.text);
    }
    let r = control_raw(&sim, Method::POST, "/_sim/clock/advance", None, "").await;
    assert_control_error(&r, 400, &["seconds is required"]);
    // Reads never need one, whatever they carry.
    assert_eq!(control_raw(&sim, Method::GET, "/_sim/health", Some("text/plain"), "hello").await.status, 200);
}
