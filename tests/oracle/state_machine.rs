//! The operation, item, instance and cluster state machines (spec §10–11): injected
//! backend failures and their rollbacks, the delete modes, retention of TERMINATED
//! instances, durations, the clock's transition list, reset, idempotency.

use crate::support::oracle::*;
use crate::support::*;

async fn fault(sim: &Sim, body: Value) {
    let r = sim.sim_post("/_sim/oracle/faults", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn clusters(info: &Resp) -> Vec<(u64, String)> {
    info.body["DistributedClusterResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["ExaunitId"].as_u64().unwrap(), c["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_backend_failure_while_adding_leaves_a_provisionerr_cluster_that_can_be_deleted() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fault(&sim, json!({"operation": "AddCluster", "phase": "finish", "message": "ECRA: node unreachable"})).await;
    let done = sim.update_and_settle(&instance, &add_payload("c2", 4, 30, 3, 60)).await;
    assert_eq!(done["result"]["status"], "FAILED");
    assert_eq!(done["result"]["statusMessage"], "ECRA: node unreachable");
    let info = sim.resource_info(&instance).await;
    assert_eq!(clusters(&info), [(1, "PROVISIONED".into()), (2, "PROVISIONERR".into())]);
    // It holds no resources: the Oracle Home budget counts only cluster 1.
    assert_eq!(info.body["AllocatedExaServiceResources"]["AvailableOracleHomeSpaceInGb"], 440);
    let gone = sim.update_and_settle(&instance, &delete_cluster_payload(2)).await;
    assert_eq!(gone["result"]["status"], "PROCESSED");
    assert_eq!(clusters(&sim.resource_info(&instance).await), [(1, "PROVISIONED".into())]);
    // The fault fired once.
    assert_eq!(sim.sim_get("/_sim/oracle/faults").await.body["faults"][0]["remaining"], 0);
}

#[tokio::test]
async fn a_failed_reshape_or_cluster_delete_leaves_the_cluster_provisioned_and_unchanged() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fault(&sim, json!({"operation": "ReshapeCluster", "message": "reshape failed"})).await;
    fault(&sim, json!({"operation": "DeleteCluster", "message": "delete failed"})).await;
    let op = sim.submit(update_body(&instance, &reshape_payload(1, "TotalMemoryInGb", "60"))).await;
    sim.advance(1).await;
    assert_eq!(clusters(&sim.resource_info(&instance).await), [(1, "UPDATING".into())]);
    assert_eq!(sim.settle(&op, 30).await["result"]["statusMessage"], "reshape failed");
    let info = sim.resource_info(&instance).await;
    assert_eq!(clusters(&info), [(1, "PROVISIONED".into())]);
    assert_eq!(info.body["DistributedClusterResources"][0]["TotalMemoryInGb"], 30);
    let done = sim.update_and_settle(&instance, &delete_cluster_payload(1)).await;
    assert_eq!(done["result"]["statusMessage"], "delete failed");
    assert_eq!(clusters(&sim.resource_info(&instance).await), [(1, "PROVISIONED".into())]);
}

#[tokio::test]
async fn a_create_failing_late_ends_failed_activation_with_a_provisionerr_cluster() {
    let sim = Sim::start().await;
    fault(&sim, json!({"definition": CREATE, "phase": "finish", "message": "rack offline"})).await;
    let op = sim.submit(create_multivm_body(SEED_ADD_PAYLOAD)).await;
    let done = sim.settle(&op, 60).await;
    assert_eq!(done["result"]["statusMessage"], "rack offline");
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["status"], "FAILED_ACTIVATION");
    assert_eq!(inst["clusters"]["1"]["status"], "PROVISIONERR");
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(sim.instance_state(SEED_INSTANCE).await["status"], "TERMINATED");
}

#[tokio::test]
async fn a_failed_delete_returns_the_instance_to_active() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    fault(
        &sim,
        json!({"definition": DELETE, "phase": "finish", "message": "could not wipe", "instanceId": SEED_INSTANCE}),
    )
    .await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.advance(1).await;
    assert_eq!(sim.instance_state(SEED_INSTANCE).await["status"], "BEGIN_TERMINATION");
    assert_eq!(sim.settle(&del, 30).await["result"]["statusMessage"], "could not wipe");
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["status"], "ACTIVE");
    assert_eq!(inst["clusters"]["1"]["status"], "PROVISIONED");
    assert_eq!(inst["inFlight"], Value::Null);
}

#[tokio::test]
async fn faults_can_strike_at_the_start_and_be_listed_and_cleared() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    fault(&sim, json!({"operation": "addcluster", "phase": "start", "count": 2})).await;
    let done = sim.update_and_settle(&instance, &add_payload("c2", 4, 30, 3, 60)).await;
    assert_eq!(done["result"]["statusMessage"], "Injected backend failure");
    assert_eq!(clusters(&sim.resource_info(&instance).await).len(), 1, "nothing was reserved");
    let r = sim.send(hyper::Method::DELETE, "/_sim/oracle/faults", None, None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        sim.update_and_settle(&instance, &add_payload("c2", 4, 30, 3, 60)).await["result"]["status"],
        "PROCESSED"
    );
    let r = sim.sim_post("/_sim/oracle/faults", json!({"phase": "later"})).await;
    assert_eq!((r.status, r.body["error"].as_str()), (400, Some("phase 'later' must be start or finish")));
}

#[tokio::test]
async fn delete_with_clusters_cascade_removes_everything() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    sim.sim_patch("/_sim/config", json!({"oracle.deleteWithClusters": "cascade"})).await;
    let op = sim.submit(delete_body(&instance)).await;
    sim.advance(1).await;
    assert_eq!(sim.instance_state(&instance).await["clusters"]["1"]["status"], "DELETING");
    assert_eq!(sim.settle(&op, 30).await["result"]["status"], "PROCESSED");
    let inst = sim.instance_state(&instance).await;
    assert_eq!(inst["status"], "TERMINATED");
    assert!(inst["clusters"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn delete_with_clusters_invalid_state_orphans_them_as_non_recoverable() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    sim.sim_patch("/_sim/config", json!({"oracle.deleteWithClusters": "invalidState"})).await;
    let op = sim.submit(delete_body(&instance)).await;
    assert_eq!(sim.settle(&op, 30).await["result"]["status"], "PROCESSED");
    let inst = sim.instance_state(&instance).await;
    assert_eq!(inst["status"], "NON_RECOVERABLE");
    assert_eq!(inst["clusters"]["1"]["status"], "PROVISIONED");
}

#[tokio::test]
async fn terminated_instances_stay_listed_and_free_their_name_unless_the_knob_says_otherwise() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"maxInstances": 3})).await;
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.settle(&del, 60).await;
    let r = sim.ms_get("/serviceInstances?statuses=TERMINATED").await;
    assert_eq!(r.body["items"][0]["id"], "csi-500076173");
    sim.sim_patch("/_sim/config", json!({"oracle.reuseTerminatedNames": false})).await;
    sim.post_operation(create_body(&[])).await.assert_ora_error(
        409,
        "ITAS-409-CONFLICT",
        "'prodexa01' is already used",
    );
    sim.sim_patch("/_sim/config", json!({"oracle.reuseTerminatedNames": true})).await;
    let r = sim.post_operation(create_body(&[])).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(sim.instance_count().await, 2);
}

#[tokio::test]
async fn durations_are_knobs_and_the_clock_lists_each_transition() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/config", json!({"oracle.durations.create": 5, "oracle.durations.startDelay": 2})).await;
    let op = sim.submit(create_body(&[])).await;
    let adv = sim.advance(1).await;
    assert_eq!(adv["transitions"], json!([]));
    let adv = sim.advance(1).await;
    let t: Vec<(String, String, String)> = adv["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (t["kind"].as_str().unwrap().into(), t["from"].as_str().unwrap().into(), t["to"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(
        t,
        [
            ("vmCluster".into(), "ABSENT".into(), "CREATING".into()),
            ("operation".into(), "NEW".into(), "PROCESSING".into())
        ]
    );
    assert_eq!(adv["transitions"][0]["provider"], "oracle");
    let adv = sim.advance(5).await;
    let kinds: Vec<&str> = adv["transitions"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["operationItem", "serviceInstance", "vmCluster", "operation"]);
    assert_eq!(sim.op_status(&op).await.0, "PROCESSED");
}

#[tokio::test]
async fn reset_restores_the_default_identity_and_the_first_ids() {
    let sim = Sim::start().await;
    sim.active_multivm_instance().await;
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"status": "SUSPENDED"})).await;
    let r = sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.instance_count().await, 0);
    assert_eq!(sim.ms_get("/serviceEntitlements/cesi-500073421").await.body["status"], "ACTIVE");
    let r = sim.post_operation(create_multivm_body(SEED_ADD_PAYLOAD)).await;
    assert_eq!(r.body["id"], "700000001", "{}", r.text);
    sim.settle("700000001", 60).await;
    assert_eq!(sim.resource_info(SEED_INSTANCE).await.body["DistributedClusterResources"][0]["ExaunitId"], 1);
}

#[tokio::test]
async fn idempotency_by_request_id_returns_the_original_operation() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    sim.sim_patch("/_sim/config", json!({"oracle.idempotency": "requestId"})).await;
    let payload = "{ExaunitProperties:[{name:requestId,value:11111111-2222-3333-4444-555555555555},{name:Operation,value:ReshapeCluster},{name:ExaunitID,value:1},{name:StorageInTb,value:9}]}";
    let first = sim.submit(update_body(&instance, payload)).await;
    let again = sim.post_operation(update_body(&instance, payload)).await;
    assert_eq!((again.status, again.body["id"].as_str()), (201, Some(first.as_str())), "{}", again.text);
    let other = payload.replace("value:9", "value:8");
    let r = sim.post_operation(update_body(&instance, &other)).await;
    r.assert_ora_error(
        409,
        "ITAS-409-CONFLICT",
        "requestId 11111111-2222-3333-4444-555555555555 was already used with a different payload",
    );
}

#[tokio::test]
async fn without_idempotency_the_seeds_reused_request_id_is_accepted_again() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    // The seed uses the same requestId for create, add and reshape.
    let payload = SEED_ADD_PAYLOAD.replace("systemname", "Cluster2");
    assert_eq!(sim.update_and_settle(&instance, &payload).await["result"]["status"], "PROCESSED");
}

#[tokio::test]
async fn the_operation_result_can_be_a_plain_string() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/config", json!({"oracle.operationResultShape": "string"})).await;
    let r = sim.post_operation(create_body(&[])).await;
    assert_eq!(r.body["result"], "NEW", "{}", r.text);
}

#[tokio::test]
async fn bad_knob_values_are_refused_by_name() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"oracle.deleteWithClusters": "sometimes"})).await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"].as_str().unwrap().contains("oracle.deleteWithClusters"), "{}", r.text);
    let knobs = sim.sim_get("/_sim/config").await.body["knobs"].clone();
    let names: Vec<&str> = knobs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["name"].as_str())
        .filter(|n| n.starts_with("oracle."))
        .collect();
    assert!(
        names.contains(&"oracle.maxClustersPerInstance") && names.contains(&"oracle.durations.create"),
        "{names:?}"
    );
}

#[tokio::test]
async fn finished_operations_expire_after_a_week_and_terminated_instances_per_knob() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/config", json!({"oracle.terminatedRetention": 3600})).await;
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.settle(&del, 60).await;
    assert_eq!(sim.instance_count().await, 1, "TERMINATED stays listed for a while");
    sim.advance(3600).await;
    assert_eq!(sim.instance_count().await, 0);
    assert_eq!(sim.ms_get(&format!("/operations/{op}")).await.status, 200);
    sim.advance(7 * 24 * 3600).await;
    sim.ms_get(&format!("/operations/{op}")).await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Operation");
}
