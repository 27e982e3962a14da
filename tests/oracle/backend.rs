//! Backend checks (spec §5.2, §7.5–7.7; rows A06–A15, R07–R11, D02–D03, X02): the POST
//! is accepted (201), then the operation ends FAILED with the documented message and the
//! instance and its clusters are as they were (nothing half-applied).

use crate::support::oracle::*;
use crate::support::*;

/// Runs an UPDATE that must end FAILED with `message`; asserts that the clusters and the
/// instance status are unchanged and the instance is no longer busy.
async fn fails(sim: &Sim, instance: &str, payload: &str, message: &str) {
    let before = sim.instance_state(instance).await;
    let done = sim.update_and_settle(instance, payload).await;
    assert_eq!(done["result"]["status"], "FAILED", "{done}");
    assert_eq!(done["result"]["statusMessage"], message, "{done}");
    let item = &done["operationItems"][0];
    assert_eq!(item["result"]["status"], "FAILED");
    let logs = item["actionLogs"].as_array().unwrap();
    assert_eq!(logs.last().unwrap()["message"], message);
    let after = sim.instance_state(instance).await;
    assert_eq!(after["clusters"], before["clusters"], "clusters unchanged");
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["inFlight"], Value::Null, "the instance is free again");
}

#[tokio::test]
async fn a06_adding_a_cluster_to_a_basic_instance_fails() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    fails(&sim, SEED_INSTANCE, &add_payload("c2", 2, 2, 1, 50), "Instance 500076173 is not multi-VM enabled").await;
}

#[tokio::test]
async fn a07_a_ninth_cluster_fails() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    for k in 2..=8 {
        let done = sim.update_and_settle(&instance, &add_payload(&format!("c{k}"), 2, 2, 1, 50)).await;
        assert_eq!(done["result"]["status"], "PROCESSED", "cluster {k}: {done}");
    }
    assert_eq!(sim.resource_info(&instance).await.body["DistributedClusterResources"].as_array().unwrap().len(), 8);
    fails(&sim, &instance, &add_payload("c9", 2, 2, 1, 50), "Maximum number of VM clusters (8) reached").await;
}

#[tokio::test]
async fn a08_a09_cores_and_memory_must_be_multiples_of_num_computes() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 5, 30, 3, 60),
        "TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2",
    )
    .await;
    fails(&sim, &instance, &add_payload("c2", 4, 31, 3, 60), "TotalMemoryInGb 31 must be a multiple of numComputes 2")
        .await;
}

#[tokio::test]
async fn a10_cores_per_node_must_stay_within_the_rack() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 94, 30, 3, 60),
        "TotalNumOfCoresForCluster 94 gives 47 cores per node; allowed 1 to 46 per node",
    )
    .await;
    sim.sim_patch("/_sim/config", json!({"oracle.minCoresPerNode": 2})).await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 2, 30, 3, 60),
        "TotalNumOfCoresForCluster 2 gives 1 cores per node; allowed 2 to 46 per node",
    )
    .await;
}

#[tokio::test]
async fn a11_cores_cannot_be_over_provisioned() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 20, 30, 3, 60),
        "TotalNumOfCoresForCluster 20 exceeds the available cores: 4 of 22 are distributed across existing clusters",
    )
    .await;
    let done = sim.update_and_settle(&instance, &add_payload("c2", 18, 30, 3, 60)).await;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
}

#[tokio::test]
async fn a12_memory_stays_within_the_rack_and_above_the_per_node_minimum() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 4, 1412, 3, 60),
        "TotalMemoryInGb 1412 exceeds the available memory: 30 of 1440 GB are allocated",
    )
    .await;
    sim.sim_patch("/_sim/config", json!({"oracle.minMemGbPerNode": 16})).await;
    fails(&sim, &instance, &add_payload("c2", 4, 30, 3, 60), "TotalMemoryInGb 30 is below 16 GB per node").await;
}

#[tokio::test]
async fn a13_storage_stays_within_the_rack() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 4, 30, 104, 60),
        "StorageInTb 104 exceeds the available storage: 3 of 106 TB are allocated",
    )
    .await;
}

#[tokio::test]
async fn a14_the_oracle_home_has_a_minimum_and_a_per_node_budget() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(&sim, &instance, &add_payload("c2", 4, 30, 3, 40), "OracleHomeDiskSizeInGb 40 is below the minimum of 50 GB")
        .await;
    fails(
        &sim,
        &instance,
        &add_payload("c2", 4, 30, 3, 450),
        "OracleHomeDiskSizeInGb 450 exceeds the available Oracle Home space: 60 of 500 GB per node are allocated",
    )
    .await;
}

#[tokio::test]
async fn a15_cluster_names_are_unique_within_the_instance() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &add_payload("SystemName", 4, 30, 3, 60),
        "A VM cluster named SystemName already exists in instance 500076173",
    )
    .await;
}

#[tokio::test]
async fn r07_r08_reshape_needs_an_existing_provisioned_cluster() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &reshape_payload(5, "TotalNumOfCoresForCluster", "6"),
        "ExaunitID 5 not found in instance 500076173",
    )
    .await;
    let r = sim
        .sim_post(&format!("/_sim/oracle/instances/{instance}/clusters/1/state"), json!({"status": "PROVISIONERR"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "TotalNumOfCoresForCluster", "6"),
        "Cluster 1 is not in PROVISIONED state (PROVISIONERR)",
    )
    .await;
}

#[tokio::test]
async fn r09_r10_reshaped_values_follow_the_add_cluster_limits() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "TotalNumOfCoresForCluster", "5"),
        "TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2",
    )
    .await;
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "TotalMemoryInGb", "31"),
        "TotalMemoryInGb 31 must be a multiple of numComputes 2",
    )
    .await;
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "TotalNumOfCoresForCluster", "24"),
        "TotalNumOfCoresForCluster 24 exceeds the available cores: 0 of 22 are distributed across existing clusters",
    )
    .await;
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "StorageInTb", "107"),
        "StorageInTb 107 exceeds the available storage: 0 of 106 TB are allocated",
    )
    .await;
    fails(
        &sim,
        &instance,
        &reshape_payload(1, "OhomePartitionInGB", "49"),
        "OracleHomeDiskSizeInGb 49 is below the minimum of 50 GB",
    )
    .await;
    // The whole rack is fine for the only cluster.
    let done = sim.update_and_settle(&instance, &reshape_payload(1, "TotalNumOfCoresForCluster", "22")).await;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
}

#[tokio::test]
async fn r11_a_reshape_to_the_current_value_is_a_processed_no_op() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let op = sim.submit(update_body(&instance, &reshape_payload(1, "TotalMemoryInGb", "30"))).await;
    sim.advance(1).await;
    let c = &sim.resource_info(&instance).await.body["DistributedClusterResources"][0];
    assert_eq!(c["status"], "PROVISIONED", "a no-op never goes UPDATING");
    let done = sim.settle(&op, 30).await;
    assert_eq!(done["result"]["status"], "PROCESSED");
    let logs: Vec<&str> = done["operationItems"][0]["actionLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(logs.contains(&"No change: the value equals the current one"), "{logs:?}");
}

#[tokio::test]
async fn d02_d03_delete_cluster_needs_an_existing_idle_cluster() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fails(&sim, &instance, &delete_cluster_payload(7), "ExaunitID 7 not found in instance 500076173").await;
    for busy in ["CREATING", "UPDATING", "DELETING"] {
        sim.sim_post(&format!("/_sim/oracle/instances/{instance}/clusters/1/state"), json!({"status": busy})).await;
        fails(&sim, &instance, &delete_cluster_payload(1), &format!("Cluster 1 is busy ({busy})")).await;
    }
    // A failed cluster can be deleted.
    sim.sim_post(&format!("/_sim/oracle/instances/{instance}/clusters/1/state"), json!({"status": "PROVISIONERR"}))
        .await;
    assert_eq!(sim.update_and_settle(&instance, &delete_cluster_payload(1)).await["result"]["status"], "PROCESSED");
}

#[tokio::test]
async fn x02_deleting_a_multivm_instance_with_clusters_fails_and_leaves_it_active() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let before = sim.instance_state(&instance).await;
    let op = sim.submit(delete_body(&instance)).await;
    let done = sim.settle(&op, 30).await;
    assert_eq!(done["result"]["status"], "FAILED");
    assert_eq!(
        done["result"]["statusMessage"],
        "Instance 500076173 still has 1 VM cluster(s); delete them with DeleteCluster first"
    );
    let after = sim.instance_state(&instance).await;
    assert_eq!(after["status"], "ACTIVE");
    assert_eq!(after["clusters"], before["clusters"]);
}

#[tokio::test]
async fn a_create_whose_cluster_fails_the_checks_ends_failed_activation_and_can_be_deleted() {
    let sim = Sim::start().await;
    let op = sim.submit(create_multivm_body(&add_payload("c1", 5, 30, 3, 60))).await;
    let done = sim.settle(&op, 30).await;
    assert_eq!(done["result"]["statusMessage"], "TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2");
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["status"], "FAILED_ACTIVATION");
    assert!(inst["clusters"].as_object().unwrap().is_empty(), "nothing was reserved");
    // Updates are refused; a DELETE is allowed and frees the name.
    let r = sim.post_operation(update_body(SEED_INSTANCE, &add_payload("c1", 4, 30, 3, 60))).await;
    r.assert_ora_error(409, "ITAS-409-CONFLICT", "is FAILED_ACTIVATION and cannot be updated");
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(sim.instance_state(SEED_INSTANCE).await["status"], "TERMINATED");
    assert_eq!(sim.post_operation(create_body(&[])).await.status, 201, "the name and the slot are free again");
}

#[tokio::test]
async fn backend_validation_sync_refuses_at_post_time_with_400_payload() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    sim.sim_patch("/_sim/config", json!({"oracle.backendValidation": "sync"})).await;
    let ops = sim.operation_count().await;
    let r = sim.post_operation(update_body(&instance, &add_payload("c2", 5, 30, 3, 60))).await;
    r.assert_ora_error(400, "ITAS-400-PAYLOAD", "TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2");
    let r = sim.post_operation(update_body(&instance, &delete_cluster_payload(9))).await;
    r.assert_ora_error(400, "ITAS-400-PAYLOAD", "ExaunitID 9 not found");
    sim.post_operation(delete_body(&instance)).await.assert_ora_error(
        400,
        "ITAS-400-PAYLOAD",
        "still has 1 VM cluster(s)",
    );
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"maxInstances": 2})).await;
    let mut create = create_multivm_body(&add_payload("c1", 4, 31, 3, 60));
    create["operationItems"][0]["attributes"][0]["value"] = json!("other");
    let r = sim.post_operation(create).await;
    r.assert_ora_error(400, "ITAS-400-PAYLOAD", "TotalMemoryInGb 31 must be a multiple");
    assert_eq!(sim.operation_count().await, ops, "nothing was created");
}
