//! The seed's documented flow end to end: discover the entitlement and its data center,
//! read `numComputes`, create an instance with a VM cluster, poll it to PROCESSED, add a
//! cluster, reshape, delete clusters, delete the instance. Each state of the operation,
//! item, instance and cluster machines is observed by polling.

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

/// The seed's request bodies and payloads, copied verbatim from
/// `003_c3b2a6a3fcbca7a3.txt` (placeholders `<…>` filled in by [`fill`]).
const SEED_CREATE_BASIC: &str = include_str!("fixtures/seed_create_basic.json");
const SEED_CREATE_NETWORK: &str = include_str!("fixtures/seed_create_network.json");
const SEED_CREATE_MULTIVM: &str = include_str!("fixtures/seed_create_multivm.json");
const SEED_UPDATE_ADD: &str = include_str!("fixtures/seed_update_add.json");
const SEED_UPDATE_RESHAPE: &str = include_str!("fixtures/seed_update_reshape.json");
const SEED_UPDATE_DELETE_CLUSTER: &str = include_str!("fixtures/seed_update_delete_cluster.json");
const SEED_DELETE: &str = include_str!("fixtures/seed_delete.json");
const SEED_PAYLOAD_CREATE_ADD: &str = include_str!("fixtures/seed_payload_create_add.txt");
const SEED_PAYLOAD_UPDATE_ADD: &str = include_str!("fixtures/seed_payload_update_add.txt");
const SEED_PAYLOAD_RESHAPE: &str = include_str!("fixtures/seed_payload_reshape.txt");
const SEED_PAYLOAD_DELETE_CLUSTER: &str = include_str!("fixtures/seed_payload_delete_cluster.txt");
const SEED_PAYLOAD_MINIMAL_RESHAPE: &str = include_str!("fixtures/seed_payload_minimal_reshape.txt");

fn fill(body: &str, payload: &str) -> Vec<u8> {
    body.replace("<instanceId>", SEED_INSTANCE)
        .replace("<serviceEntitlementId>", "500073421")
        .replace("<base64_encoded_string>", &b64(payload))
        .into_bytes()
}

async fn post_raw(sim: &Sim, body: Vec<u8>) -> Resp {
    sim.send_raw(Method::POST, &format!("{MS}/operations"), Some(USER), Some(body), &[("x-id-tenant-name", DOMAIN)])
        .await
}

fn result_attr(op: &Value, name: &str) -> Option<String> {
    op["operationItems"][0]["result"]["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["name"] == name)
        .and_then(|a| a["value"].as_str())
        .map(str::to_owned)
}

async fn cluster_statuses(sim: &Sim, instance: &str) -> Vec<(u64, String)> {
    let r = sim.resource_info(instance).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["DistributedClusterResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["ExaunitId"].as_u64().unwrap(), c["status"].as_str().unwrap().to_owned()))
        .collect()
}

async fn instance_status(sim: &Sim, id: &str) -> String {
    let r = sim.ms_get(&format!("/serviceInstances/csi-{id}")).await;
    r.body["status"].as_str().unwrap_or("<none>").to_owned()
}

#[tokio::test]
async fn the_seed_flow_runs_end_to_end_with_every_state_observable() {
    let sim = Sim::start().await;

    // 1. Discover the Exadata entitlement (seed: サービス資格を検出するには).
    let r = sim.ms_get("/serviceEntitlements?serviceDefinitionNames=Exadata").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["cesi-500073421"]);
    assert_eq!(r.body["items"][0]["serviceDefinition"]["name"], "Exadata");
    assert_eq!(r.body["items"][0]["status"], "ACTIVE");
    assert_eq!(
        (r.body["limit"].clone(), r.body["offset"].clone(), r.body["hasMore"].clone()),
        (json!(25), json!(0), json!(false))
    );

    // 2. Its eligible data centers (seed: 対象のデータ・センター).
    let r = sim.ms_get("/serviceEntitlements/cesi-500073421?expands=serviceInstancesEligibleDataCenters").await;
    assert_eq!(r.body["serviceInstancesEligibleDataCenters"], json!([{"id": "US001"}]));

    // 3. numComputes from ECRA.
    let r = sim.ora_get("/ecra/endpoint/clustershapes?racksize=QUARTER&model=X7-2").await;
    assert_eq!(r.body["numComputes"], 2, "{}", r.text);

    // 4. Create a multi-VM instance with the seed's AddCluster payload: 201 at once.
    let r = sim.post_operation(create_multivm_body(SEED_ADD_PAYLOAD)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let op = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("{MS}/operations/{op}").as_str()));
    assert_eq!(r.body["result"]["status"], "NEW");
    assert_eq!(r.body["operationItems"][0]["result"]["status"], "READY");
    assert_eq!(r.body["operationItems"][0]["operationItemDefinition"]["id"], CREATE);
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "BEGIN_ACTIVATION");

    // Polling shows each step.
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSING".into(), "PROCESSING".into()));
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await, [(1, "CREATING".to_owned())]);
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSING".into(), "ASYNC_WAIT".into()));
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "BEGIN_ACTIVATION");
    sim.advance(19).await;
    let done = sim.ms_get(&format!("/operations/{op}")).await.body;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
    assert_eq!(done["operationItems"][0]["result"]["status"], "PROCESSED");
    assert_eq!(result_attr(&done, "serviceInstanceId").as_deref(), Some("csi-500076173"));
    assert_eq!(result_attr(&done, "instanceId").as_deref(), Some(SEED_INSTANCE));
    assert_eq!(result_attr(&done, "ExaunitID").as_deref(), Some("1"));
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "ACTIVE");
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await, [(1, "PROVISIONED".to_owned())]);

    // 5. Discover the instance (seed: サービス・インスタンスを検出するには).
    let r = sim.ms_get("/serviceInstances?serviceDefinitionNames=Exadata").await;
    assert_eq!(r.body["items"][0]["id"], "csi-500076173");
    assert_eq!(r.body["items"][0]["serviceEntitlement"]["id"], "cesi-500073421");
    assert_eq!(r.body["canonicalLink"], format!("{MS}/serviceInstances"));

    // 6. Add Cluster2 with the seed's UPDATE payload.
    let add = sim.update_and_settle(SEED_INSTANCE, SEED_PAYLOAD_UPDATE_ADD).await;
    assert_eq!(add["result"]["status"], "PROCESSED", "{add}");
    assert_eq!(result_attr(&add, "ExaunitID").as_deref(), Some("2"));

    // 7. Reshape cluster 1, one attribute: UPDATING, then PROVISIONED with the new value.
    let op = sim.submit(update_body(SEED_INSTANCE, &reshape_payload(1, "TotalNumOfCoresForCluster", "6"))).await;
    sim.advance(1).await;
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await[0], (1, "UPDATING".to_owned()));
    let reshaped = sim.settle(&op, 30).await;
    assert_eq!(reshaped["result"]["status"], "PROCESSED", "{reshaped}");
    assert_eq!(result_attr(&reshaped, "TotalNumOfCoresForCluster").as_deref(), Some("6"));
    assert_eq!(result_attr(&reshaped, "TotalNumOfCoresForCluster.previous").as_deref(), Some("4"));
    let info = sim.resource_info(SEED_INSTANCE).await;
    assert_eq!(info.body["DistributedClusterResources"][0]["TotalNumOfCoresForCluster"], 6);

    // 8. Delete cluster 2 with the seed's payload, then cluster 1: DELETING, then gone.
    let op = sim.submit(update_body(SEED_INSTANCE, SEED_PAYLOAD_DELETE_CLUSTER)).await;
    sim.advance(1).await;
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await[1], (2, "DELETING".to_owned()));
    assert_eq!(sim.settle(&op, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await, [(1, "PROVISIONED".to_owned())]);
    let gone = sim.update_and_settle(SEED_INSTANCE, &delete_cluster_payload(1)).await;
    assert_eq!(gone["result"]["status"], "PROCESSED");
    assert!(cluster_statuses(&sim, SEED_INSTANCE).await.is_empty());

    // 9. Delete the instance: BEGIN_TERMINATION, then TERMINATED.
    let op = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.advance(1).await;
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "BEGIN_TERMINATION");
    let deleted = sim.settle(&op, 30).await;
    assert_eq!(deleted["result"]["status"], "PROCESSED");
    assert_eq!(result_attr(&deleted, "instanceId").as_deref(), Some(SEED_INSTANCE));
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "TERMINATED");
}

#[tokio::test]
async fn the_seeds_literal_request_bodies_work_with_the_compatibility_knobs() {
    // The seed's CREATE examples lack a comma and use the name `newinstanceName`, which
    // breaks its own rule; two knobs accept them as written.
    let sim = Sim::start().await;
    let r = sim
        .sim_patch("/_sim/config", json!({"oracle.lenientOuterJson": true, "oracle.strictInstanceNames": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = post_raw(&sim, fill(SEED_CREATE_MULTIVM, SEED_PAYLOAD_CREATE_ADD)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let create = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.settle(&create, 60).await["result"]["status"], "PROCESSED");
    assert_eq!(sim.instance_state(SEED_INSTANCE).await["name"], "newinstancename");

    // The seed's UPDATE examples, literal instance id 500076173 and all.
    let r = post_raw(&sim, fill(SEED_UPDATE_ADD, SEED_PAYLOAD_UPDATE_ADD)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let add = sim.settle(r.body["id"].as_str().unwrap(), 60).await;
    assert_eq!(add["result"]["status"], "PROCESSED", "{add}");
    assert_eq!(result_attr(&add, "ExaunitID").as_deref(), Some("2"));

    // The full reshape example changes four attributes: the seed's own rule refuses it.
    let r = post_raw(&sim, fill(SEED_UPDATE_RESHAPE, SEED_PAYLOAD_RESHAPE)).await;
    r.assert_ora_error(400, "ITAS-400-PAYLOAD", "Only one attribute can be modified");
    // The minimal example names ExaunitID 5, which does not exist: accepted, then FAILED.
    let r = post_raw(&sim, fill(SEED_UPDATE_RESHAPE, SEED_PAYLOAD_MINIMAL_RESHAPE)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let failed = sim.settle(r.body["id"].as_str().unwrap(), 30).await;
    assert_eq!(failed["result"]["statusMessage"], "ExaunitID 5 not found in instance 500076173");

    // DeleteCluster 2 (the seed's payload), then 1, then the seed's DELETE.
    let r = post_raw(&sim, fill(SEED_UPDATE_DELETE_CLUSTER, SEED_PAYLOAD_DELETE_CLUSTER)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(sim.settle(r.body["id"].as_str().unwrap(), 30).await["result"]["status"], "PROCESSED");
    sim.update_and_settle(SEED_INSTANCE, &delete_cluster_payload(1)).await;
    let r = post_raw(&sim, fill(SEED_DELETE, "")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(sim.settle(r.body["id"].as_str().unwrap(), 30).await["result"]["status"], "PROCESSED");
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "TERMINATED");
}

#[tokio::test]
async fn the_seeds_literal_create_bodies_are_refused_by_default_as_the_rules_say() {
    let sim = Sim::start().await;
    // The basic example is valid JSON but its name has an uppercase letter (C04).
    let r = post_raw(&sim, fill(SEED_CREATE_BASIC, "")).await;
    r.assert_ora_error(400, "ITAS-400-ATTRIBUTE", "requestPayload.name may contain only lowercase letters and digits");
    // The custom-network example misses a comma (T11).
    let r = post_raw(&sim, fill(SEED_CREATE_NETWORK, "")).await;
    r.assert_ora_error(400, "ITAS-400-MALFORMED", "not valid JSON");
    assert_eq!(sim.instance_count().await, 0);
    assert_eq!(sim.operation_count().await, 0);
}

#[tokio::test]
async fn a_basic_instance_gets_one_cluster_holding_the_whole_rack_and_deletes_with_it() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    assert_eq!(sim.settle(&op, 60).await["result"]["status"], "PROCESSED");
    let info = sim.resource_info(SEED_INSTANCE).await;
    let cluster = &info.body["DistributedClusterResources"][0];
    assert_eq!(cluster["ExaunitName"], "systemname");
    assert_eq!(cluster["TotalNumOfCoresForCluster"], 22);
    assert_eq!(cluster["TotalMemoryInGb"], 1440);
    assert_eq!(cluster["StorageInTb"], 106);
    assert_eq!(cluster["RackName"], "prodexa01-clu-1");
    assert_eq!(info.body["AllocatedExaServiceResources"]["Racksize"], "quarter");

    // No DeleteCluster needed: the implicit cluster goes with the instance.
    let op = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.advance(1).await;
    assert_eq!(cluster_statuses(&sim, SEED_INSTANCE).await, [(1, "DELETING".to_owned())]);
    assert_eq!(sim.settle(&op, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "TERMINATED");
    assert!(sim.instance_state(SEED_INSTANCE).await["clusters"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn a_custom_network_instance_records_its_networks() {
    let sim = Sim::start().await;
    let body = create_body(&[
        ("requestPayload.customAttributes.ClientNetwork", Some("/root/root/1/ipnetwork1")),
        ("requestPayload.customAttributes.BackupNetwork", Some("/root/root/1/ipnetwork2")),
    ]);
    let op = sim.submit(body).await;
    assert_eq!(sim.settle(&op, 60).await["result"]["status"], "PROCESSED");
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["clientNetwork"], "/root/root/1/ipnetwork1");
    assert_eq!(inst["clusters"]["1"]["backupNetwork"], "/root/root/1/ipnetwork2");
    assert_eq!(inst["multiVm"], false);
}

#[tokio::test]
async fn the_echoed_attributes_keep_the_base64_and_normalise_names() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = reshape_payload(1, "StorageInTb", "4");
    let r = sim.post_operation(update_body(&instance, &payload)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let echoed = r.body["operationItems"][0]["attributes"].as_array().unwrap().clone();
    assert!(echoed.contains(&json!({"name": "requestPayload.customAttributes.MULTIVM_ENABLED", "value": "true"})));
    assert!(echoed
        .contains(&json!({"name": "requestPayload.customAttributes.EXAUNIT_ALLOCATIONS", "value": b64(&payload)})));
    assert_eq!(r.header("retry-after"), Some("2"));
    let id = r.body["id"].as_str().unwrap();
    let none = sim.ms_get(&format!("/operations/{id}?expands=none")).await;
    assert!(none.body.get("operationItems").is_none(), "{}", none.text);
    assert_eq!(none.body["result"]["status"], "NEW");
}
