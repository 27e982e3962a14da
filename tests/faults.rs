//! Fault rules over real HTTP: every action kind (connection-level ones seen from a raw
//! client socket), every schedule kind, matching precedence, resource faults, the
//! `/_sim/faults` API and state restore.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

async fn add_rule(sim: &Sim, rule: Value) -> String {
    let r = sim.sim_post("/_sim/faults", rule).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().expect("rule id").to_owned()
}

/// Sends a raw HTTP/1.1 GET with the default key; answers every byte until EOF (or the
/// limit), and whether the read ended in an error.
async fn raw_get(sim: &Sim, path: &str) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect(sim.sim.addr()).await.expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic c2ltLWtleTpzaW0tc2VjcmV0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let res = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await.expect("ends");
    (buf, res.is_err())
}

#[tokio::test]
async fn a_status_rule_answers_the_native_503_with_retry_after_and_changes_nothing() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"match": {"provider": "clickhouse", "operation": "instanceCreate"}, "action": {"kind": "status"}}),
    )
    .await;
    let r = sim.post(&format!("{ORG}/services"), json!({"name": "a", "provider": "aws", "region": "us-east-1"})).await;
    r.assert_ch_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn status_rules_use_the_provider_codes_for_429_500_and_504() {
    let sim = Sim::start().await;
    for (status, code) in [(429, "TOO_MANY_REQUESTS"), (500, "INTERNAL_ERROR"), (504, "GATEWAY_TIMEOUT")] {
        let id = add_rule(
            &sim,
            json!({"match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": status, "retry_after": 7}}),
        )
        .await;
        let r = sim.get(&format!("{ORG}/services")).await;
        r.assert_ch_error(status, code);
        assert_eq!(r.header("retry-after"), Some("7"));
        sim.send(hyper::Method::DELETE, &format!("/_sim/faults/{id}"), None, None, &[]).await;
    }
    sim.get(&format!("{ORG}/services")).await.assert_ok();
}

#[tokio::test]
async fn real_latency_delays_only_the_matched_request() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"match": {"operation": "organizationGet"}, "action": {"kind": "latency", "ms": 150}})).await;
    let t = Instant::now();
    sim.get(ORG).await.assert_ok();
    assert!(t.elapsed() >= Duration::from_millis(150));
    let t = Instant::now();
    sim.get(&format!("{ORG}/services")).await.assert_ok();
    assert!(t.elapsed() < Duration::from_millis(150), "unmatched requests are not delayed");
}

#[tokio::test]
async fn simulated_latency_waits_for_the_clock_without_blocking_other_connections() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"match": {"operation": "organizationGet"}, "action": {"kind": "latency", "ms": 30000, "simulated": true}}))
        .await;
    let url = sim.url();
    let slow = tokio::spawn(async move {
        let client = Sim::client();
        let req = hyper::Request::get(format!("{url}{ORG}"))
            .header("authorization", "Basic c2ltLWtleTpzaW0tc2VjcmV0")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        client.request(req).await.map(|r| r.status().as_u16())
    });
    // Other connections are served while it waits.
    for _ in 0..5 {
        sim.get(&format!("{ORG}/services")).await.assert_ok();
    }
    assert!(!slow.is_finished());
    sim.advance(10).await;
    assert!(!slow.is_finished());
    sim.advance(20).await;
    let status = tokio::time::timeout(Duration::from_secs(10), slow).await.expect("answers").unwrap().unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_reset_closes_the_connection_before_any_byte() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"match": {"path": "/v1/organizations/*/services"}, "action": {"kind": "reset"}, "schedule": {"times": 1}}))
        .await;
    let (bytes, _) = raw_get(&sim, &format!("{ORG}/services")).await;
    assert!(bytes.is_empty(), "no byte before the close: {:?}", String::from_utf8_lossy(&bytes));
    let (bytes, _) = raw_get(&sim, &format!("{ORG}/services")).await;
    assert!(bytes.starts_with(b"HTTP/1.1 200"), "the rule fired once");
}

#[tokio::test]
async fn a_truncated_body_stops_short_of_its_content_length() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"match": {"operation": "organizationGet"}, "action": {"kind": "truncate", "after_bytes": 20}}),
    )
    .await;
    let (bytes, _) = raw_get(&sim, ORG).await;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("headers were sent");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .expect("content-length");
    assert_eq!(body.len(), 20);
    assert!(len > 20, "declared {len}");
}

#[tokio::test]
async fn a_slow_body_arrives_whole_in_trickles() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"match": {"operation": "organizationGet"}, "action": {"kind": "slow_body", "bytes_per_chunk": 32, "chunk_ms": 5}}),
    )
    .await;
    let t = Instant::now();
    let r = sim.get(ORG).await;
    assert_eq!(r.assert_ok()["name"], "sim-org");
    let chunks = r.text.len().div_ceil(32) as u32;
    assert!(t.elapsed() >= Duration::from_millis(5) * (chunks - 1), "{chunks} chunks in {:?}", t.elapsed());
}

#[tokio::test]
async fn a_hang_gives_no_answer_until_the_client_gives_up() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"match": {"operation": "organizationGet"}, "action": {"kind": "hang", "ms": 600}})).await;
    let mut s = TcpStream::connect(sim.sim.addr()).await.unwrap();
    s.write_all(
        format!("GET {ORG} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic c2ltLWtleTpzaW0tc2VjcmV0\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = [0u8; 64];
    let res = tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await;
    assert!(res.is_err(), "the client times out first");
    // Bounded: the server closes the connection after `ms`, without a response.
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.expect("closed").unwrap_or(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn schedules_skip_after_fire_times_and_count_in_get_faults() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"id": "storm", "match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": 503}, "schedule": {"after": 2, "times": 2}}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(sim.get(&format!("{ORG}/services")).await.status);
    }
    assert_eq!(statuses, [200, 200, 503, 503, 200, 200]);
    let r = sim.sim_get("/_sim/faults").await;
    assert_eq!(r.body["faults"][0]["id"], "storm");
    assert_eq!(r.body["faults"][0]["matched"], 6);
    assert_eq!(r.body["faults"][0]["fired"], 2);
    let j = sim.sim_get("/_sim/requests?status=503").await;
    assert_eq!(j.body["requests"][0]["fault"], "storm");
}

#[tokio::test]
async fn a_time_window_in_simulated_seconds_bounds_a_rule() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": 500}, "schedule": {"from": 60, "until": 120}})).await;
    assert_eq!(sim.get(&format!("{ORG}/services")).await.status, 200);
    sim.advance(60).await;
    assert_eq!(sim.get(&format!("{ORG}/services")).await.status, 500);
    sim.advance(61).await;
    assert_eq!(sim.get(&format!("{ORG}/services")).await.status, 200);
}

#[tokio::test]
async fn probability_draws_from_the_seed_and_repeats_run_after_run() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let sim = Sim::start_with(dbaas_sim::Simulator::builder().seed(seed)).await;
        add_rule(&sim, json!({"match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": 503}, "schedule": {"probability": 0.5}})).await;
        let mut v = Vec::new();
        for _ in 0..24 {
            v.push(sim.get(&format!("{ORG}/services")).await.status);
        }
        v
    }
    let a = pattern(5).await;
    assert_eq!(a, pattern(5).await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn the_first_rule_added_wins_and_later_rules_do_not_see_the_request() {
    let sim = Sim::start().await;
    add_rule(&sim, json!({"id": "first", "match": {"provider": "clickhouse"}, "action": {"kind": "status", "status": 500}, "schedule": {"times": 1}})).await;
    add_rule(
        &sim,
        json!({"id": "second", "match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": 503}}),
    )
    .await;
    sim.get(&format!("{ORG}/services")).await.assert_ch_error(500, "INTERNAL_ERROR");
    sim.get(&format!("{ORG}/services")).await.assert_ch_error(503, "SERVICE_UNAVAILABLE");
    let r = sim.sim_get("/_sim/faults").await;
    assert_eq!(r.body["faults"][1]["matched"], 1, "second did not count the request the first took");
}

#[tokio::test]
async fn tenant_header_and_body_matches_keep_rules_to_their_requests() {
    let sim = Sim::start().await;
    let other = "22222222-2222-4222-8222-222222222222";
    let r =
        sim.sim_post("/_sim/clickhouse/organizations", json!({"id": other, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200);
    add_rule(&sim, json!({"match": {"tenant": other}, "action": {"kind": "status", "status": 503}})).await;
    sim.get(&format!("{ORG}/services")).await.assert_ok();
    let r = sim
        .send(hyper::Method::GET, &format!("/v1/organizations/{other}/services"), Some(("k2", "s2")), None, &[])
        .await;
    r.assert_ch_error(503, "SERVICE_UNAVAILABLE");
    sim.send(hyper::Method::DELETE, "/_sim/faults", None, None, &[]).await;

    add_rule(&sim, json!({"match": {"body": {"name": "chaos"}}, "action": {"kind": "status", "status": 500}})).await;
    add_rule(&sim, json!({"match": {"header": {"x-chaos": "1"}}, "action": {"kind": "status", "status": 502}})).await;
    let create = |name: &str| json!({"name": name, "provider": "aws", "region": "us-east-1"});
    sim.post(&format!("{ORG}/services"), create("calm")).await.assert_ok();
    sim.post(&format!("{ORG}/services"), create("chaos")).await.assert_ch_error(500, "INTERNAL_ERROR");
    let r = sim.send(hyper::Method::GET, ORG, Some(KEY), None, &[("x-chaos", "1")]).await;
    assert_eq!(r.status, 502);
}

#[tokio::test]
async fn resource_rules_force_a_state_fail_the_next_transition_or_stall_it() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    // Force a failure state through the request that names the service.
    add_rule(&sim, json!({"match": {"operation": "instanceGet"}, "action": {"kind": "resource", "state": "degraded"}, "schedule": {"times": 1}})).await;
    assert_eq!(sim.state_of(&id).await, "degraded");
    // Recovery as the seed documents it: start from degraded.
    sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "start"})).await.assert_ok();
    sim.advance(30).await;
    assert_eq!(sim.state_of(&id).await, "running");

    // Every new service's provisioning fails.
    add_rule(
        &sim,
        json!({"match": {"operation": "instanceCreate"}, "action": {"kind": "resource", "fail_next_transition": true}}),
    )
    .await;
    let a = sim.create_service(json!({})).await;
    let b = sim.create_service(json!({})).await;
    sim.advance(60).await;
    assert_eq!(sim.state_of(&a).await, "failed");
    assert_eq!(sim.state_of(&b).await, "failed");
    sim.send(hyper::Method::DELETE, "/_sim/faults", None, None, &[]).await;

    // A stalled transition waits the given simulated time.
    let c = sim.create_service(json!({})).await;
    add_rule(&sim, json!({"match": {"method": "POST", "path": "/_never"}, "action": {"kind": "reset"}})).await;
    let r = sim.sim_post("/_sim/faults", json!({"match": {"operation": "instanceGet"}, "action": {"kind": "resource", "stall_seconds": 300}, "schedule": {"times": 1}})).await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.state_of(&c).await, "provisioning");
    sim.advance(60).await;
    assert_eq!(sim.state_of(&c).await, "provisioning");
    sim.advance(240).await;
    assert_eq!(sim.state_of(&c).await, "running");
}

#[tokio::test]
async fn invalid_rules_are_refused_whole_and_change_nothing() {
    let sim = Sim::start().await;
    for bad in [
        json!({"action": {"kind": "explode"}}),
        json!({"action": {"kind": "status", "status": 200}}),
        json!({"action": {"kind": "status"}, "surprise": true}),
        json!({"match": {"provider": "nowhere"}, "action": {"kind": "reset"}}),
        json!({"action": {"kind": "latency", "ms": 10, "min_ms": 1}}),
        json!({"action": {"kind": "hang", "ms": 99999999}}),
        json!({"action": {"kind": "reset"}, "schedule": {"probability": 2}}),
        json!([{"id": "ok", "action": {"kind": "reset"}}, {"action": {"kind": "resource"}}]),
    ] {
        let r = sim.sim_post("/_sim/faults", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert!(r.body["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    assert_eq!(sim.sim_get("/_sim/faults").await.body["faults"], json!([]));
    let id = add_rule(&sim, json!({"id": "dup", "action": {"kind": "reset"}, "match": {"path": "/nothing"}})).await;
    assert_eq!(id, "dup");
    assert_eq!(sim.sim_post("/_sim/faults", json!({"id": "dup", "action": {"kind": "reset"}})).await.status, 400);
    let r = sim.send(hyper::Method::DELETE, "/_sim/faults/none", None, None, &[]).await;
    assert_eq!(r.status, 404);
    let r = sim.send(hyper::Method::DELETE, "/_sim/faults/dup", None, None, &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn rules_that_could_never_apply_are_refused_naming_what_is_wrong() {
    let sim = Sim::start().await;
    for (bad, says) in [
        // A state no ClickHouse resource has.
        (json!({"match": {"provider": "clickhouse"}, "action": {"kind": "resource", "state": "melted"}}), "melted"),
        // A state of no provider at all.
        (json!({"action": {"kind": "resource", "state": "melted"}}), "action.state"),
        // An Oracle state on a ClickHouse rule.
        (
            json!({"match": {"provider": "clickhouse"}, "action": {"kind": "resource", "state": "FAILED_ACTIVATION"}}),
            "FAILED_ACTIVATION",
        ),
        (json!({"match": {"header": {"bad header": "x"}}, "action": {"kind": "reset"}}), "bad header"),
        (json!({"match": {"path": "/a".repeat(65)}, "action": {"kind": "reset"}}), "match.path"),
    ] {
        let r = sim.sim_post("/_sim/faults", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert!(r.text.contains(says), "{bad}: the error names {says}: {}", r.text);
    }
    assert_eq!(sim.sim_get("/_sim/faults").await.body["faults"], json!([]));
    // Each provider's own failure states are accepted, in any case.
    for ok in [
        json!({"match": {"provider": "clickhouse"}, "action": {"kind": "resource", "state": "DEGRADED"}}),
        json!({"match": {"provider": "oracle"}, "action": {"kind": "resource", "state": "failed_activation"}}),
        json!({"action": {"kind": "resource", "state": "failed"}}),
    ] {
        let r = sim.sim_post("/_sim/faults", ok.clone()).await;
        assert_eq!(r.status, 200, "{ok}: {}", r.text);
    }
}

#[tokio::test]
async fn a_glob_with_many_double_stars_matches_a_long_path_and_the_journal_filter_too() {
    let sim = Sim::start().await;
    let stars = "/**".repeat(30);
    add_rule(&sim, json!({"match": {"path": format!("{stars}/never")}, "action": {"kind": "status", "status": 503}}))
        .await;
    add_rule(&sim, json!({"match": {"path": format!("{stars}/hit")}, "action": {"kind": "status", "status": 418}}))
        .await;
    // 900 segments: beyond reach of a backtracking matcher, within what the journal keeps.
    let long = format!("{}/hit", "/a".repeat(900));
    let r = sim.send(hyper::Method::GET, &long, None, None, &[]).await;
    assert_eq!(r.status, 418, "the matching rule fires: {}", r.text);
    let miss = "/a".repeat(900);
    assert_eq!(sim.send(hyper::Method::GET, &miss, None, None, &[]).await.status, 404);
    let r = sim.sim_get(&format!("/_sim/requests?path={stars}/hit")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], json!(1), "the journal filter uses the same matcher");
    let r = sim.sim_get(&format!("/_sim/requests?path={}", "/a".repeat(65))).await;
    assert_eq!(r.status, 400, "an over-long filter is refused: {}", r.text);
}

#[tokio::test]
async fn put_state_restores_a_dump_with_its_pending_transitions() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    add_rule(&sim, json!({"id": "kept", "match": {"path": "/nothing"}, "action": {"kind": "reset"}})).await;
    let dump = sim.sim_get("/_sim/state").await.body;
    assert_eq!(dump["providers"]["clickhouse"]["services"][0]["id"], json!(id));
    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(sim.service_count().await, 0);
    let r = sim.send(hyper::Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.state_of(&id).await, "provisioning");
    sim.advance(60).await;
    assert_eq!(sim.state_of(&id).await, "running");
    assert_eq!(sim.sim_get("/_sim/faults").await.body["faults"][0]["id"], "kept");
    // A broken dump changes nothing.
    let r = sim
        .send(
            hyper::Method::PUT,
            "/_sim/state",
            None,
            Some(json!({"providers": {"clickhouse": {"services": [1]}}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(sim.state_of(&id).await, "running");
}
