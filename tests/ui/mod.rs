//! The dashboard and its live feed, over real HTTP: `GET /_sim/events` (server-sent
//! events: transitions, requests, clock moves, fault changes; bounded per subscriber;
//! ended by shutdown) and `GET /_sim/ui` (the page and its embedded assets). The page
//! itself is driven in headless Chromium by `tests/ui/dashboard.test.mjs` (`.ci/run`).

use std::time::Duration;

use bytes::Bytes;
use dbaas_sim::{ClockMode, Simulator};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::support::*;

/// Every bounded wait for an event.
const PATIENCE: Duration = Duration::from_secs(10);

/// A client of `GET /_sim/events`.
struct Events {
    body: Incoming,
    buf: String,
}

impl Events {
    async fn open(url: &str) -> (Events, hyper::HeaderMap) {
        // A small receive buffer, so that a client that does not read is soon a client the
        // server cannot write to (the slow-subscriber test depends on it).
        let mut connector = HttpConnector::new();
        connector.set_recv_buffer_size(Some(4096));
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
        let req = hyper::Request::get(format!("{url}/_sim/events")).body(Full::new(Bytes::new())).expect("request");
        let resp = tokio::time::timeout(PATIENCE, client.request(req))
            .await
            .expect("the stream opens in time")
            .expect("request");
        assert_eq!(resp.status(), 200);
        let headers = resp.headers().clone();
        (Events { body: resp.into_body(), buf: String::new() }, headers)
    }

    /// The next event that is not a comment: (type, data); `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut kind = String::from("message");
                let mut data = None;
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event: ") {
                        kind = k.to_owned();
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str(d).expect("data is JSON"));
                    }
                }
                match data {
                    Some(d) => return Some((kind, d)),
                    None => continue, // a comment or the retry line
                }
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame()).await.expect("an event within the wait")?;
            if let Ok(data) = frame.expect("the stream reads").into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// Reads until an event of `kind` for which `pick` holds, skipping the others.
    async fn until(&mut self, kind: &str, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let (k, data) = self.next().await.unwrap_or_else(|| panic!("the stream ended before a {kind} event"));
            if k == kind && pick(&data) {
                return data;
            }
        }
    }
}

#[tokio::test]
async fn events_stream_requests_transitions_clock_moves_and_fault_changes() {
    let sim = Sim::start().await;
    let (mut events, headers) = Events::open(&sim.url()).await;
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/event-stream"), "{headers:?}");
    assert_eq!(headers["cache-control"], "no-cache");

    let id = sim.create_service(json!({"name": "watched"})).await;
    let created = events.until("request", |e| e["operation"] == "instanceCreate").await;
    assert_eq!((&created["method"], &created["status"]), (&json!("POST"), &json!(200)));
    assert_eq!(created["simTime"], "2025-01-01T00:00:00Z");
    assert!(created["seq"].as_u64().is_some_and(|s| s > 0), "the journal's number: {created}");

    let r = sim
        .sim_post("/_sim/faults", json!({"id": "f1", "match": {"path": "/nowhere"}, "action": {"kind": "reset"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fault = events.until("fault", |_| true).await;
    assert_eq!(fault, json!({"change": "added", "ids": ["f1"]}));

    sim.advance(60).await;
    let transition = events.until("transition", |_| true).await;
    assert_eq!(
        transition,
        json!({"provider": "clickhouse", "kind": "service", "id": id, "from": "provisioning", "to": "running", "at": "2025-01-01T00:01:00Z"})
    );
    let clock = events.until("clock", |_| true).await;
    assert_eq!(
        (&clock["change"], &clock["now"], &clock["elapsedMs"]),
        (&json!("advanced"), &json!("2025-01-01T00:01:00Z"), &json!(60000))
    );

    let r = sim.send(Method::DELETE, "/_sim/faults/f1", None, None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(events.until("fault", |_| true).await, json!({"change": "removed", "ids": ["f1"]}));

    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(events.until("clock", |_| true).await["change"], "reset");
    assert_eq!(events.until("fault", |_| true).await, json!({"change": "cleared"}));
}

#[tokio::test]
async fn a_fired_fault_rule_and_the_state_it_forces_are_events_too() {
    let sim = Sim::start().await;
    let (mut events, _) = Events::open(&sim.url()).await;
    let id = sim.create_service(json!({})).await;
    let rule =
        json!({"id": "boom", "match": {"operation": "instanceGet"}, "action": {"kind": "resource", "state": "failed"}});
    assert_eq!(sim.sim_post("/_sim/faults", rule).await.status, 200);
    sim.get(&format!("{ORG}/services/{id}")).await;
    // The forced state comes first (it is applied before the handler runs).
    let t = events.until("transition", |_| true).await;
    assert_eq!((&t["id"], &t["from"], &t["to"]), (&json!(id), &json!("provisioning"), &json!("failed")));
    assert_eq!(events.until("fault", |f| f["change"] == "fired").await["id"], "boom");
}

#[tokio::test]
async fn watching_is_not_journaled() {
    let sim = Sim::start().await;
    let (_events, _) = Events::open(&sim.url()).await;
    assert_eq!(sim.sim_get("/_sim/ui").await.status, 200);
    let journal = sim.sim_get("/_sim/requests").await;
    assert_eq!(journal.body["requests"], json!([]), "{}", journal.text);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_loses_events_and_is_told_how_many() {
    // A small journal: the requests below carry long paths.
    let sim = Sim::start_with(Simulator::builder().clock(ClockMode::Manual).journal_size(4)).await;
    let (mut events, _) = Events::open(&sim.url()).await;
    // Not reading while far more than the feed keeps (and the sockets buffer) is sent.
    let long = format!("/{}", "x".repeat(1024));
    for _ in 0..(dbaas_sim::feed::CAPACITY * 3) {
        sim.sim.handle().request(dbaas_sim::Request::new(Method::GET, &long, ""));
    }
    let lagged = events.until("lagged", |_| true).await;
    assert!(lagged["dropped"].as_u64().is_some_and(|n| n > 0), "{lagged}");
    // And the stream goes on.
    sim.sim_post("/_sim/reset", json!({})).await;
    events.until("clock", |c| c["change"] == "reset").await;
}

#[tokio::test]
async fn shutdown_ends_every_event_stream_instead_of_waiting_for_it() {
    let sim = Sim::start().await;
    let (mut events, _) = Events::open(&sim.url()).await;
    let (mut second, _) = Events::open(&sim.url()).await;
    // Shutdown returns well before the drain limit (10 s) ...
    tokio::time::timeout(Duration::from_secs(5), sim.sim.shutdown()).await.expect("shutdown does not wait on watchers");
    // ... and both streams end cleanly.
    assert!(events.next().await.is_none(), "the first stream ended");
    assert!(second.next().await.is_none(), "the second stream ended");
}

#[tokio::test]
async fn events_answers_only_get() {
    let sim = Sim::start().await;
    let r = sim.send(Method::POST, "/_sim/events", None, None, &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
}

#[tokio::test]
async fn the_dashboard_and_its_assets_are_served_from_the_binary_with_a_strict_policy() {
    let sim = Sim::start().await;
    for (path, content_type) in [
        ("/_sim/ui", "text/html"),
        ("/_sim/ui/", "text/html"),
        ("/_sim/ui/app.js", "text/javascript"),
        ("/_sim/ui/style.css", "text/css"),
    ] {
        let r = sim.sim_get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("content-type").unwrap_or("").starts_with(content_type), "{path}: {:?}", r.headers);
        let csp = r.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{path}: {csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    let page = sim.sim_get("/_sim/ui").await.text;
    assert!(page.contains("<script src=\"/_sim/ui/app.js\""), "{page}");
    let r = sim.sim_get("/_sim/ui/missing.js").await;
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/_sim/ui/missing.js"), "{}", r.text);
    let r = sim.send(Method::POST, "/_sim/ui", None, None, &[]).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn the_script_sends_the_admin_token_when_one_is_given() {
    // The hook for --admin-token: a `#token=` fragment or a prompt after a 401, sent as
    // a Bearer header on every request, the event stream included (fetch, not EventSource).
    let script = Sim::start().await.sim_get("/_sim/ui/app.js").await.text;
    for needle in ["token=", "'Bearer ' + token", "status === 401", "fetch('/_sim/events'"] {
        assert!(script.contains(needle), "app.js has {needle:?}");
    }
    assert!(!script.contains("EventSource("), "EventSource cannot send the Authorization header");
}
