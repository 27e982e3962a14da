//! Scenarios: every example in scenarios/ runs green; `dbaas-sim run` output and exit
//! code; determinism of a scenario run twice; schema errors; loading at run time.

use std::process::Command;

use crate::support::*;
use dbaas_sim::{runner, scenario};

fn example_files() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_example_scenario_passes() {
    let files = example_files();
    assert!(files.len() >= 8, "at least eight worked examples, found {}", files.len());
    for file in files {
        let results = runner::run_file(&file).await;
        assert!(!results.is_empty(), "{file} has steps");
        for r in &results {
            assert!(r.passed, "{file} #{} {}: {}", r.index, r.name, r.detail);
        }
    }
}

fn write_temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("dbaas-sim-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario");
    path.display().to_string()
}

#[test]
fn run_prints_a_line_per_step_and_the_totals_and_fails_when_a_step_fails() {
    let bad = write_temp(
        "one-fails.yaml",
        "steps:\n  - name: health\n    request: {path: /_sim/health}\n    expect: {status: 200}\n  - name: wrong\n    request: {path: /_sim/health}\n    expect: {status: 418}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_dbaas-sim")).args(["run", &bad]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("ok ") && lines[0].contains("#1 health"), "{stdout}");
    assert!(lines[1].starts_with("FAIL") && lines[1].contains("status 200 (expected 418)"), "{stdout}");
    assert_eq!(lines.last(), Some(&"1 passed, 1 failed"));

    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/clickhouse-lifecycle.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_dbaas-sim")).args(["run", good]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("10 passed, 0 failed"));
}

#[test]
fn a_schema_error_names_the_file_line_and_column() {
    let e =
        scenario::parse("x.yaml", "name: x\nfaults:\n  - match: {provider: clickhouse}\n    acton: {kind: reset}\n")
            .unwrap_err();
    assert!(e.starts_with("x.yaml:4:"), "{e}");
    assert!(e.contains("acton"), "{e}");
    let e = scenario::parse("x.yaml", "steps:\n  - request: {path: /a}\n    expect: {status: nope}\n").unwrap_err();
    assert!(e.starts_with("x.yaml:3:"), "{e}");
    let path = write_temp("broken.yaml", "steps: [\n");
    let out = Command::new(env!("CARGO_BIN_EXE_dbaas-sim")).args(["run", &path]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "an invalid file is a usage error: {stdout}");
    assert!(stdout.contains("broken.yaml:"), "{stdout}");
    assert!(stdout.ends_with("0 passed, 1 failed\n"), "{stdout}");
}

/// The journal of a run, without real-time fields.
async fn journal_of(file: &str, seed: u64) -> Vec<Value> {
    let text = std::fs::read_to_string(file).expect("read");
    let s = scenario::parse(file, &text).expect("parse");
    let sim = Sim::start_with(dbaas_sim::Simulator::builder().seed(seed)).await;
    sim.sim.load_scenario(&s).expect("load");
    let results = runner::run_steps(&sim.sim, &s).await;
    assert!(results.iter().all(|r| r.passed), "{results:?}");
    let r = sim.sim_get("/_sim/requests").await;
    r.body["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().expect("entry").remove("latencyUs");
            e
        })
        .collect()
}

#[tokio::test]
async fn the_same_seed_and_scenario_give_the_same_journal_run_after_run() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/clickhouse-503-429-storm.yaml");
    let a = journal_of(file, 11).await;
    let b = journal_of(file, 11).await;
    assert!(a.len() >= 5);
    assert_eq!(a, b);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/clickhouse-lifecycle.yaml");
    assert_eq!(journal_of(file, 11).await, journal_of(file, 11).await);
}

#[tokio::test]
async fn post_scenarios_loads_setup_at_run_time_and_refuses_bad_ones_whole() {
    let sim = Sim::start().await;
    let yaml = "faults:\n  - {id: x, match: {operation: instanceGetList}, action: {kind: status, status: 500}}\nresources:\n  clickhouse:\n    services:\n      - {name: seeded, provider: aws, region: us-east-1}\n";
    let r = sim.send_raw(hyper::Method::POST, "/_sim/scenarios", None, Some(yaml.as_bytes().to_vec()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.get(&format!("{ORG}/services")).await;
    r.assert_ch_error(500, "INTERNAL_ERROR");
    sim.send(hyper::Method::DELETE, "/_sim/faults", None, None, &[]).await;
    assert_eq!(sim.service_count().await, 1);

    // The second service is invalid: nothing of this scenario stays.
    let yaml = "faults:\n  - {id: y, action: {kind: reset}}\nresources:\n  clickhouse:\n    services:\n      - {name: ok, provider: aws, region: us-east-1}\n      - {name: bad, provider: aws, region: mars-1}\n";
    let r = sim.send_raw(hyper::Method::POST, "/_sim/scenarios", None, Some(yaml.as_bytes().to_vec()), &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("services[1]"), "{}", r.text);
    assert_eq!(sim.service_count().await, 1);
    let faults = sim.sim_get("/_sim/faults").await;
    assert_eq!(faults.body["faults"], json!([]));

    let r = sim.send_raw(hyper::Method::POST, "/_sim/scenarios", None, Some(b"steps: [".to_vec()), &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"].as_str().unwrap().starts_with("request body:"), "{}", r.text);
}

#[tokio::test]
async fn serve_scenario_flag_and_builder_load_the_setup_at_start() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/seeded-world.yaml");
    let sim = Sim::start_with(dbaas_sim::Simulator::builder().scenario(file)).await;
    assert_eq!(sim.service_count().await, 2);
    // Reset returns to the default identities and an empty world.
    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(sim.service_count().await, 0);
    let err = dbaas_sim::Simulator::builder().scenario("/nonexistent.yaml").start().await.err().expect("refused");
    assert!(err.to_string().contains("/nonexistent.yaml"));
}
