//! ECRA helper endpoints (spec §9; rows E01, E02): cluster shapes with `numComputes`,
//! resource info with the `ExaunitId`s, hardware info, the exaservice list, statuses.

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

#[tokio::test]
async fn cluster_shapes_give_num_computes_and_per_node_and_per_cluster_values() {
    let sim = Sim::start().await;
    let r = sim.ora_get("/ecra/endpoint/clustershapes?racksize=QUARTER&model=X7-2").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["racksize"].as_str(), r.body["model"].as_str(), r.body["numComputes"].as_u64()),
        (Some("QUARTER"), Some("X7-2"), Some(2))
    );
    assert_eq!(
        (r.body["status"].clone(), r.body["status-detail"].clone(), r.body["op"].clone()),
        (json!(200), json!("success"), json!("clustershapes_get"))
    );
    let shapes = r.body["clusterShapes"].as_array().unwrap();
    assert_eq!(
        shapes[0],
        json!({"shape": "SMALL", "numComputes": 2, "numCoresPerNode": 4, "numCoresPerCluster": 8, "gbMemPerNode": 30, "gbMemPerCluster": 60, "tbStoragePerCluster": 3, "gbOhSize": 60})
    );
    assert_eq!(shapes[3]["shape"], "WHOLE");
    assert_eq!(
        (
            shapes[3]["numCoresPerCluster"].as_u64(),
            shapes[3]["gbMemPerCluster"].as_u64(),
            shapes[3]["tbStoragePerCluster"].as_u64()
        ),
        (Some(22), Some(1440), Some(106))
    );
    let r = sim.ora_get("/ecra/endpoint/clustershapes?racksize=full&model=x6-2").await;
    assert_eq!(r.body["numComputes"], 8);
}

#[tokio::test]
async fn e01_cluster_shapes_without_or_with_unknown_parameters_are_400() {
    let sim = Sim::start().await;
    sim.ora_get("/ecra/endpoint/clustershapes").await.assert_ecra_error(
        400,
        "clustershapes_get",
        "racksize and model are required",
    );
    sim.ora_get("/ecra/endpoint/clustershapes?racksize=QUARTER").await.assert_ecra_error(
        400,
        "clustershapes_get",
        "racksize and model are required",
    );
    sim.ora_get("/ecra/endpoint/clustershapes?racksize=THIRD&model=X7-2").await.assert_ecra_error(
        400,
        "clustershapes_get",
        "Unknown model and racksize combination: THIRD X7-2",
    );
    sim.ora_get("/ecra/endpoint/hardwareinfo?racksize=HALF&model=X9").await.assert_ecra_error(
        400,
        "hardwareinfo_get",
        "Unknown model and racksize combination",
    );
    sim.ora_get("/ecra/endpoint/clustershapes?exaservice=1").await.assert_ecra_error(
        400,
        "clustershapes_get",
        "Could not find exaservice 1",
    );
}

#[tokio::test]
async fn cluster_shapes_and_hardware_info_can_name_an_exaservice_instead() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let r = sim.ora_get(&format!("/ecra/endpoint/clustershapes?exaservice={instance}")).await;
    assert_eq!((r.body["racksize"].as_str(), r.body["numComputes"].as_u64()), (Some("QUARTER"), Some(2)));
    let r = sim.ora_get("/ecra/endpoint/hardwareinfo?racksize=HALF&model=X7-2").await;
    assert_eq!(r.body["numComputes"], 4);
    assert_eq!(r.body["maxCoresPerNode"], 46);
    assert_eq!(r.body["tbStorage"], 213);
}

#[tokio::test]
async fn resource_info_lists_the_allocation_and_every_cluster() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    sim.update_and_settle(&instance, &add_payload("Cluster2", 4, 30, 3, 60)).await;
    let r = sim.resource_info(&instance).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = &r.body["AllocatedExaServiceResources"];
    assert_eq!(a["ExaServiceName"], "prodexa01");
    assert_eq!((a["Model"].as_str(), a["Racksize"].as_str()), (Some("X7-2"), Some("quarter")));
    assert_eq!(
        (a["BaseNumOfCores"].as_u64(), a["TotalMemoryInGb"].as_u64(), a["StorageInTb"].as_u64()),
        (Some(22), Some(1440), Some(106))
    );
    assert_eq!(
        (a["TotalOracleHomeSpaceInGb"].as_u64(), a["AvailableOracleHomeSpaceInGb"].as_u64()),
        (Some(500), Some(380))
    );
    assert_eq!(a["OverSubscriptionFactor"], 1);
    let c = &r.body["DistributedClusterResources"];
    assert_eq!(
        c[0],
        json!({
            "ExaunitId": 1, "ExaunitName": "systemname", "RackName": "prodexa01-clu-1", "status": "PROVISIONED",
            "TotalNumOfCoresForCluster": 4, "TotalNumOfBurstCoresForCluster": 0, "TotalMemoryInGb": 30,
            "StorageInTb": 3, "OracleHomeDiskSizeInGb": 60, "CreateSparse": "N", "BackupToDisk": "N"
        })
    );
    assert_eq!((c[1]["ExaunitId"].as_u64(), c[1]["RackName"].as_str()), (Some(2), Some("prodexa01-clu-2")));
    assert_eq!((r.body["state"].clone(), r.body["op"].clone()), (json!("ACTIVE"), json!("get-exaservice")));
    let r = sim.ora_get(&format!("/ecra/endpoint/exaservice/csi-{instance}/resourceinfo?exaunit=2")).await;
    let ids: Vec<u64> = r.body["DistributedClusterResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ExaunitId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2]);
}

#[tokio::test]
async fn e02_resource_info_of_unknown_terminated_or_foreign_things_is_400() {
    let sim = Sim::start().await;
    sim.resource_info("123").await.assert_ecra_error(400, "get-exaservice", "Could not find exaservice 123");
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    let r = sim.ora_get(&format!("/ecra/endpoint/exaservice/{SEED_INSTANCE}/resourceinfo?exaunit=9")).await;
    r.assert_ecra_error(400, "get-exaservice", "Could not find exaunit 9 in exaservice 500076173");
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.settle(&del, 60).await;
    sim.resource_info(SEED_INSTANCE).await.assert_ecra_error(
        400,
        "get-exaservice",
        "Could not find exaservice 500076173",
    );
}

#[tokio::test]
async fn ecra_needs_the_same_credentials_and_sees_only_the_callers_domain() {
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, "/ecra/endpoint/clustershapes?racksize=QUARTER&model=X7-2", None, None, &[]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Authorization header is required");
    let r = sim.send(Method::GET, "/ecra/endpoint/exaservice/list", Some(USER), None, &[]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "X-ID-TENANT-NAME header is required");
    sim.submit(create_body(&[])).await;
    sim.sim_post("/_sim/oracle/domains", json!({"name": "otherdomain", "username": "o@example.com", "password": "pw"}))
        .await;
    let r = sim
        .send(
            Method::GET,
            &format!("/ecra/endpoint/exaservice/{SEED_INSTANCE}/resourceinfo"),
            Some(("o@example.com", "pw")),
            None,
            &[("x-id-tenant-name", "otherdomain")],
        )
        .await;
    r.assert_ecra_error(400, "get-exaservice", "Could not find exaservice");
    let r = sim
        .send(Method::POST, "/ecra/endpoint/exaservice/list", Some(USER), None, &[("x-id-tenant-name", DOMAIN)])
        .await;
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
}

#[tokio::test]
async fn the_exaservice_list_and_statuses_follow_the_instances_and_operations() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    let r = sim.ora_get("/ecra/endpoint/exaservice/list").await;
    assert_eq!(
        r.body["exaservices"],
        json!([{"id": SEED_INSTANCE, "racksize": "quarter", "model": "X7-2", "exadata_id": "exadata-500076173"}])
    );
    let r = sim.ora_get(&format!("/ecra/endpoint/statuses/{op}")).await;
    assert_eq!((r.status, r.body["status"].clone(), r.body["message"].clone()), (202, json!(202), json!("processing")));
    assert_eq!(r.body["op_start_time"], "2025-01-01T00:00:00+0000");
    sim.settle(&op, 60).await;
    let r = sim.ora_get(&format!("/ecra/endpoint/statuses/{op}")).await;
    assert_eq!(
        (r.status, r.body["status-detail"].clone(), r.body["error_str"].clone()),
        (200, json!("success"), json!(""))
    );
    sim.ora_get("/ecra/endpoint/statuses/1").await.assert_ecra_error(400, "statuses_get", "Could not find status 1");
}
