//! The provider seam, provider by provider: every provider in the registry (as
//! `GET /_sim/health` lists it) answers the core's questions the same way: its OpenAPI
//! document, its part of the state, a dump/restore round trip, reset, an all-or-nothing
//! restore across providers, and an injected status in its own error envelope.

use hyper::Method;

use crate::support::{json, Sim, Value};

async fn providers(sim: &Sim) -> Vec<String> {
    let r = sim.sim_get("/_sim/health").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let names: Vec<String> = r.body["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert!(names.len() >= 2, "the registry lists the providers: {names:?}");
    names
}

async fn state(sim: &Sim) -> Value {
    let r = sim.sim_get("/_sim/state").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// A GET path of the provider's own document, its parameters filled with `x`.
fn some_get_path(doc: &Value) -> String {
    let paths = doc["paths"].as_object().expect("paths");
    let (path, _) = paths.iter().find(|(_, item)| item.get("get").is_some()).expect("a GET operation");
    path.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn top_level_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn every_registered_provider_serves_an_openapi_document_with_unique_operation_ids() {
    let sim = Sim::start().await;
    for p in providers(&sim).await {
        let r = sim.sim_get(&format!("/_sim/openapi/{p}.json")).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        assert!(r.body["openapi"].as_str().is_some_and(|v| v.starts_with('3')), "{p}: OpenAPI 3");
        let paths = r.body["paths"].as_object().expect("paths");
        assert!(!paths.is_empty(), "{p} serves paths");
        let mut ids: Vec<&str> = paths
            .values()
            .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "{p}: operationIds are unique");
    }
}

#[tokio::test]
async fn every_registered_provider_has_a_state_part_that_round_trips_and_resets() {
    let sim = Sim::start().await;
    let names = providers(&sim).await;
    let initial = state(&sim).await;
    for p in &names {
        assert!(initial["providers"][p].is_object(), "{p} has a part in the state: {}", initial["providers"]);
    }
    // Round trip: what GET answers, PUT takes, and GET then answers the same.
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(initial.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let again = state(&sim).await;
    for p in &names {
        assert_eq!(again["providers"][p], initial["providers"][p], "{p}: dump, restore, dump is unchanged");
    }
    // Reset gives back the start-up world of every provider.
    let r = sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let reset = state(&sim).await;
    for p in &names {
        assert_eq!(reset["providers"][p], initial["providers"][p], "{p}: reset is the start-up world");
    }
}

#[tokio::test]
async fn a_restore_with_one_broken_provider_part_changes_no_provider() {
    let sim = Sim::start().await;
    let names = providers(&sim).await;
    let before = state(&sim).await;
    for broken in &names {
        // Every other provider gets a valid but empty part (which would empty it); the
        // broken one a table of the wrong type. Parts are checked before any is applied.
        let first_table = before["providers"][broken]
            .as_object()
            .and_then(|o| o.iter().find(|(_, v)| v.is_array()).map(|(k, _)| k.clone()))
            .expect("a provider dumps at least one table");
        let mut parts = serde_json::Map::new();
        for p in &names {
            let part = if p == broken { json!({ first_table.clone(): 5 }) } else { json!({}) };
            parts.insert(p.clone(), part);
        }
        let mut dump = before.clone();
        dump["providers"] = Value::Object(parts);
        let r = sim.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
        assert_eq!(r.status, 400, "{broken}: a broken part is refused: {}", r.text);
        assert!(r.text.contains(broken.as_str()), "{broken}: the error names the provider: {}", r.text);
        let after = state(&sim).await;
        assert_eq!(after["providers"], before["providers"], "{broken}: nothing changed");
    }
}

#[tokio::test]
async fn an_injected_status_comes_in_each_providers_own_error_envelope() {
    let sim = Sim::start().await;
    for p in providers(&sim).await {
        let doc = sim.sim_get(&format!("/_sim/openapi/{p}.json")).await.body;
        let path = some_get_path(&doc);
        // Without credentials the provider answers with its own error envelope.
        let native = sim.send(Method::GET, &path, None, None, &[]).await;
        assert!(native.status >= 400, "{p} {path}: {}", native.text);
        let r = sim
            .sim_post(
                "/_sim/faults",
                json!({"id": format!("{p}-503"), "match": {"provider": p}, "action": {"kind": "status", "status": 503}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let injected = sim.send(Method::GET, &path, None, None, &[]).await;
        assert_eq!(injected.status, 503, "{p} {path}: {}", injected.text);
        assert_eq!(injected.header("retry-after"), Some("1"), "{p}: a 503 says when to retry");
        assert_ne!(injected.body, json!({"error": "injected by a fault rule"}), "{p}: not the generic body");
        assert_eq!(
            top_level_keys(&injected.body),
            top_level_keys(&native.body),
            "{p}: the injected error has the shape of the provider's own errors: {} vs {}",
            injected.text,
            native.text
        );
        let journal = sim.sim_get("/_sim/requests").await.body;
        let last = journal["requests"].as_array().and_then(|a| a.last()).cloned().unwrap_or(Value::Null);
        assert_eq!(last["provider"], json!(p), "{p}: the journal names the provider: {last}");
        assert_eq!(last["fault"], json!(format!("{p}-503")), "{p}: and the rule: {last}");
        let r = sim.send(Method::DELETE, "/_sim/faults", None, None, &[]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}
