//! Concurrency (spec §12): simultaneous mutations of one instance get exactly one 201 and
//! 409 `BUSY` for the rest; simultaneous creates never lose an instance or reuse an id.

use std::sync::Arc;

use crate::support::oracle::*;
use crate::support::*;

async fn all<F>(n: usize, f: impl Fn(usize) -> F) -> Vec<Resp>
where
    F: std::future::Future<Output = Resp> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(f(i))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_one_instance_get_one_201_and_busy_for_the_rest() {
    let sim = Arc::new(Sim::start().await);
    let instance = sim.active_multivm_instance().await;
    let answers = all(12, |i| {
        let (sim, instance) = (sim.clone(), instance.clone());
        async move { sim.post_operation(update_body(&instance, &add_payload(&format!("c{i}"), 2, 2, 1, 50))).await }
    })
    .await;
    let accepted: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(accepted.len(), 1, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    let winner = accepted[0].body["id"].as_str().unwrap().to_owned();
    for r in answers.iter().filter(|r| r.status != 201) {
        r.assert_ora_error(409, "ITAS-409-BUSY", &format!("has an operation in progress: {winner}"));
    }
    assert_eq!(sim.instance_state(&instance).await["inFlight"], json!(winner));
    assert_eq!(sim.settle(&winner, 60).await["result"]["status"], "PROCESSED");
    assert_eq!(sim.resource_info(&instance).await.body["DistributedClusterResources"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_with_one_name_have_one_winner() {
    let sim = Arc::new(Sim::start().await);
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"maxInstances": 50})).await;
    let answers = all(10, |_| {
        let sim = sim.clone();
        async move { sim.post_operation(create_body(&[])).await }
    })
    .await;
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 1);
    for r in answers.iter().filter(|r| r.status != 201) {
        r.assert_ora_error(409, "ITAS-409-CONFLICT", "'prodexa01' is already used");
    }
    assert_eq!(sim.instance_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_with_distinct_names_all_land_with_distinct_ids() {
    let sim = Arc::new(Sim::start().await);
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"maxInstances": 50})).await;
    let n = 16;
    let answers = all(n, |i| {
        let sim = sim.clone();
        async move {
            let name = format!("exa{i}");
            sim.post_operation(create_body(&[("requestPayload.name", Some(&name))])).await
        }
    })
    .await;
    assert!(answers.iter().all(|r| r.status == 201), "{:?}", answers.iter().map(|r| &r.text).collect::<Vec<_>>());
    let mut ops: Vec<&str> = answers.iter().map(|r| r.body["id"].as_str().unwrap()).collect();
    ops.sort();
    ops.dedup();
    assert_eq!(ops.len(), n, "operation ids are unique");
    sim.advance(30).await;
    let r = sim.ms_get("/serviceInstances?statuses=ACTIVE&limit=100").await;
    let mut ids: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), n, "no instance was lost: {ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn polling_while_the_clock_advances_sees_only_documented_steps_in_order() {
    let sim = Arc::new(Sim::start().await);
    let op = sim.submit(create_multivm_body(SEED_ADD_PAYLOAD)).await;
    let order = ["NEW/READY", "PROCESSING/PROCESSING", "PROCESSING/ASYNC_WAIT", "PROCESSED/PROCESSED"];
    let poller = {
        let (sim, op) = (sim.clone(), op.clone());
        tokio::spawn(async move {
            let mut seen: Vec<String> = Vec::new();
            for _ in 0..400 {
                let (o, i) = sim.op_status(&op).await;
                let step = format!("{o}/{i}");
                if seen.last() != Some(&step) {
                    seen.push(step.clone());
                }
                if o == "PROCESSED" {
                    break;
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    for _ in 0..21 {
        sim.advance(1).await;
    }
    let seen = poller.await.unwrap();
    let positions: Vec<usize> =
        seen.iter().map(|s| order.iter().position(|o| o == s).expect("a documented step")).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "steps out of order: {seen:?}");
    assert_eq!(sim.op_status(&op).await, ("PROCESSED".into(), "PROCESSED".into()));
}
