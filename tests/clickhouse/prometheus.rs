//! Prometheus endpoints: E13 `SVC/prometheus` and S4 `ORG/prometheus` (spec §8.3,
//! CH-R39; T-73..T-76).

use std::collections::{BTreeMap, BTreeSet};

use crate::support::*;

/// One sample line: metric name, labels, value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed exposition body: samples in order, and `# TYPE` per name.
#[derive(Debug, Default)]
struct Exposition {
    samples: Vec<Sample>,
    types: BTreeMap<String, String>,
}

impl Exposition {
    fn names(&self) -> BTreeSet<String> {
        self.samples.iter().map(|s| s.name.clone()).collect()
    }

    fn of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The value of `name` on one replica host.
    fn value(&self, name: &str, host: &str) -> f64 {
        self.of(name).find(|s| s.labels["hostname"] == host).map(|s| s.value).expect("series present")
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses text exposition 0.0.4 strictly: every line is a `# HELP`, a `# TYPE` (once per
/// name, before its samples) or a sample `name{k="v",...} value`; blank lines are allowed.
#[track_caller]
fn parse(text: &str) -> Exposition {
    let mut out = Exposition::default();
    let mut helped = BTreeSet::new();
    assert!(text.is_empty() || text.ends_with('\n'), "body ends with a newline");
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP has a name and a text");
            assert!(is_name(name) && !help.is_empty(), "bad HELP line {line:?}");
            assert!(helped.insert(name.to_owned()), "HELP for {name} appears twice");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE has a name and a type");
            assert!(is_name(name), "bad TYPE line {line:?}");
            assert!(["counter", "gauge", "untyped", "histogram", "summary"].contains(&kind), "bad type {kind}");
            assert!(out.types.insert(name.to_owned(), kind.to_owned()).is_none(), "TYPE for {name} appears twice");
            assert!(out.of(name).next().is_none(), "TYPE for {name} after its samples");
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment {line:?}");
        let open = line.find('{').expect("sample has labels");
        let name = &line[..open];
        assert!(is_name(name), "bad metric name in {line:?}");
        let close = line.rfind("} ").expect("labels end before the value");
        let mut labels = BTreeMap::new();
        let mut rest = &line[open + 1..close];
        while !rest.is_empty() {
            let (key, after) = rest.split_once("=\"").expect("label key=\"value\"");
            assert!(is_name(key), "bad label name {key:?} in {line:?}");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next().expect("label value ends") {
                    (_, '\\') => match chars.next().expect("escape").1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        c => panic!("bad escape \\{c} in {line:?}"),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            assert!(labels.insert(key.to_owned(), value).is_none(), "label {key} twice in {line:?}");
            rest = &after[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        let value: f64 = line[close + 2..].parse().expect("numeric value");
        assert!(out.types.contains_key(name), "sample of {name} before its TYPE");
        out.samples.push(Sample { name: name.to_owned(), labels, value });
    }
    out
}

async fn scrape(sim: &Sim, path: &str) -> Exposition {
    let r = sim.get(path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    parse(&r.text)
}

fn prom(id: &str) -> String {
    format!("{ORG}/services/{id}/prometheus")
}

/// The `c-sim-<sub>-server-<i>` host of replica `i`.
async fn host(sim: &Sim, id: &str, i: u32) -> String {
    let svc = sim.get(&format!("{ORG}/services/{id}")).await;
    let host = svc.assert_ok()["endpoints"][0]["host"].as_str().unwrap().to_owned();
    let sub = host.split('.').next().unwrap();
    format!("c-sim-{sub}-server-{i}")
}

#[tokio::test]
async fn a_running_service_exposes_service_info_and_one_series_per_replica() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let m = scrape(&sim, &prom(&id)).await;
    let info: Vec<&Sample> = m.of("ClickHouse_ServiceInfo").collect();
    assert_eq!(info.len(), 1);
    let labels = &info[0].labels;
    assert_eq!(labels["clickhouse_org"], ORG_ID);
    assert_eq!(labels["clickhouse_service"], id);
    assert_eq!(labels["clickhouse_service_name"], "my service");
    assert_eq!(labels["clickhouse_cluster_status"], "running");
    assert_eq!(labels["clickhouse_version"], "25.8.1.8344");
    assert_eq!(labels["scrape"], "full");
    assert_eq!(info[0].value, 1.0);
    assert_eq!(m.types["ClickHouse_ServiceInfo"], "untyped");
    assert_eq!(m.types["ClickHouseProfileEvents_Query"], "counter");
    assert_eq!(m.types["ClickHouseMetrics_MemoryTracking"], "gauge");

    let queries: Vec<&Sample> = m.of("ClickHouseProfileEvents_Query").collect();
    assert_eq!(queries.len(), 3, "one per replica (numReplicas 3)");
    for (i, s) in queries.iter().enumerate() {
        let h = host(&sim, &id, i as u32).await;
        assert_eq!(s.labels["hostname"], h);
        assert_eq!(s.labels["instance"], h);
        assert_eq!(s.labels["table"], "system.events");
        assert_eq!(s.labels["clickhouse_service"], id);
    }
    for s in m.of("ClickHouseMetrics_MemoryTracking") {
        assert!(s.value > 0.0 && s.value < 8.0 * (1u64 << 30) as f64, "below minReplicaMemoryGb: {s:?}");
        assert_eq!(s.labels["table"], "system.metrics");
    }
    let text = sim.get(&prom(&id)).await.text;
    assert!(text.contains(&format!("ClickHouse_ServiceInfo{{clickhouse_org=\"{ORG_ID}\",clickhouse_service=\"{id}\"")));
}

#[tokio::test]
async fn filtered_metrics_are_a_strict_subset_of_all_metrics() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let filtered = scrape(&sim, &format!("{}?filtered_metrics=true", prom(&id))).await.names();
    let all = scrape(&sim, &format!("{}?filtered_metrics=false", prom(&id))).await.names();
    let default = scrape(&sim, &prom(&id)).await.names();
    assert!(filtered.is_subset(&all) && filtered.len() < all.len(), "{filtered:?} vs {all:?}");
    assert_eq!(default, all, "absent means false");
    let expected: BTreeSet<String> = [
        "ClickHouse_ServiceInfo",
        "ClickHouseProfileEvents_Query",
        "ClickHouseProfileEvents_SelectQuery",
        "ClickHouseProfileEvents_InsertQuery",
        "ClickHouseMetrics_MemoryTracking",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(filtered, expected);
    assert!(all.contains("ClickHouseProfileEvents_FailedQuery"));
}

#[tokio::test]
async fn the_organization_endpoint_has_the_series_of_every_service_under_one_header_per_metric() {
    let sim = Sim::start().await;
    let a = sim.create_service(json!({"name": "alpha"})).await;
    let b = sim.create_service(json!({"name": "beta", "numReplicas": 2})).await;
    sim.advance(60).await;
    let r = sim.get(&format!("{ORG}/prometheus")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The parser refuses a second HELP/TYPE for one name.
    let m = parse(&r.text);
    let services: BTreeSet<&str> =
        m.of("ClickHouse_ServiceInfo").map(|s| s.labels["clickhouse_service"].as_str()).collect();
    assert_eq!(services, BTreeSet::from([a.as_str(), b.as_str()]));
    let per_service =
        |id: &str| m.of("ClickHouseProfileEvents_Query").filter(|s| s.labels["clickhouse_service"] == id).count();
    assert_eq!(per_service(&a), 3);
    assert_eq!(per_service(&b), 2);
    assert_eq!(r.text.matches("# TYPE ClickHouseProfileEvents_Query ").count(), 1);
    // Same values as each service's own endpoint.
    let own = scrape(&sim, &prom(&b)).await;
    for s in own.samples {
        assert!(m.samples.contains(&s), "{s:?} missing from the organization body");
    }
}

#[tokio::test]
async fn an_organization_without_services_answers_an_empty_body() {
    let sim = Sim::start().await;
    let r = sim.get(&format!("{ORG}/prometheus?filtered_metrics=true")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, "");
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
}

#[tokio::test]
async fn a_filtered_metrics_value_that_is_not_a_boolean_gets_the_json_envelope() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    for path in [format!("{}?filtered_metrics=maybe", prom(&id)), format!("{ORG}/prometheus?filtered_metrics=1")] {
        let r = sim.get(&path).await;
        r.assert_ch_error(400, "BAD_REQUEST: filtered_metrics must be a boolean");
        assert!(r.header("content-type").unwrap_or("").starts_with("application/json"));
    }
}

#[tokio::test]
async fn metrics_of_an_unknown_service_are_a_json_404() {
    let sim = Sim::start().await;
    let unknown = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    sim.get(&prom(unknown)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
}

#[tokio::test]
async fn idle_and_stopped_services_expose_only_partial_service_info() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    sim.advance(15 * 60).await;
    assert_eq!(sim.state_of(&id).await, "idle");
    let m = scrape(&sim, &prom(&id)).await;
    assert_eq!(m.names(), BTreeSet::from(["ClickHouse_ServiceInfo".to_owned()]));
    let info = m.of("ClickHouse_ServiceInfo").next().unwrap();
    assert_eq!(info.labels["scrape"], "partial");
    assert_eq!(info.labels["clickhouse_cluster_status"], "idle");
    // Scraping does not wake the service.
    assert_eq!(sim.state_of(&id).await, "idle");

    sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    let m = scrape(&sim, &prom(&id)).await;
    let info = m.of("ClickHouse_ServiceInfo").next().unwrap();
    assert_eq!(
        (info.labels["scrape"].as_str(), info.labels["clickhouse_cluster_status"].as_str()),
        ("partial", "stopped")
    );
    assert_eq!(m.samples.len(), 1);
}

#[tokio::test]
async fn counters_never_decrease_across_scrapes_and_restarts() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"idleScaling": false})).await;
    sim.advance(60).await;
    let h = host(&sim, &id, 1).await;
    let counters = [
        "ClickHouseProfileEvents_Query",
        "ClickHouseProfileEvents_SelectQuery",
        "ClickHouseProfileEvents_InsertQuery",
        "ClickHouseProfileEvents_FailedQuery",
    ];
    let mut last: Vec<f64> = vec![0.0; counters.len()];
    let mut grew = false;
    for step in 0..6 {
        if step == 3 {
            // Stop and start again: the counters carry on from where they were.
            sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "stop"})).await.assert_ok();
            sim.advance(20 * 60).await;
            sim.patch(&format!("{ORG}/services/{id}/state"), json!({"command": "start"})).await.assert_ok();
            sim.advance(30).await;
        }
        let m = scrape(&sim, &prom(&id)).await;
        for (i, name) in counters.iter().enumerate() {
            let v = m.value(name, &h);
            assert!(v >= last[i], "{name} went from {} to {v}", last[i]);
            grew |= v > last[i] && step > 0;
            last[i] = v;
        }
        sim.advance(7 * 60).await;
    }
    assert!(grew, "counters move with time");
    let m = scrape(&sim, &prom(&id)).await;
    let select = m.value("ClickHouseProfileEvents_SelectQuery", &h);
    let insert = m.value("ClickHouseProfileEvents_InsertQuery", &h);
    assert!(m.value("ClickHouseProfileEvents_Query", &h) >= select + insert);
}

#[tokio::test]
async fn the_same_seed_and_requests_give_the_same_metrics() {
    async fn run() -> String {
        let sim = Sim::start().await;
        let id = sim.running_service().await;
        sim.advance(10 * 60).await;
        sim.get(&prom(&id)).await.text
    }
    let (a, b) = (run().await, run().await);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}
