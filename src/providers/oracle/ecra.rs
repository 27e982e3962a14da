//! The ECRA helper endpoints the seed names (spec §9, §15 #15): `clustershapes` (where
//! `numComputes` comes from), `exaservice/{serviceInstance}/resourceinfo` (where the
//! `ExaunitID`s come from), and the optional `hardwareinfo`, `exaservice/list` and
//! `statuses/{id}`.
//!
//! Served under `/ecra/endpoint/...` with the My Services credentials; the identity
//! domain comes from `X-ID-TENANT-NAME` or the bearer token. Bodies follow the unofficial
//! ECRA material (O): success objects carry `status`, `status-detail` and `op`; errors use
//! the ECRA envelope with 400 for "not found" (`OracleError::Ecra`).

use serde_json::{json, Value};

use super::capacity::{self, Capacity, Model, RackSize};
use super::error::OracleError;
use super::instances;
use super::model::*;
use super::routes::Op;
use super::{Body, Call, Oracle, Out, Res};
use crate::clock::SimInstant;

pub fn handle(o: &Oracle, call: &Call, op: &Op) -> Res {
    match op {
        Op::EcraClusterShapes => cluster_shapes(o, call),
        Op::EcraHardwareInfo => hardware_info(o, call),
        Op::EcraExaserviceList => exaservice_list(o, call),
        Op::EcraResourceInfo { instance } => resource_info(o, call, instance),
        Op::EcraStatus { id } => status(o, call, id),
        _ => Err(OracleError::NotFound(format!("No resource at {}", call.req.path))),
    }
}

fn success(mut body: Value, op: &str) -> Out {
    body["status"] = json!(200);
    body["status-detail"] = json!("success");
    body["op"] = json!(op);
    Out::ok(body)
}

/// E01: `racksize` + `model` (case-insensitive), or `exaservice=<instanceId>` (I).
fn rack_of(o: &Oracle, call: &Call, op: &'static str) -> Result<(RackSize, Model), OracleError> {
    if let Some(id) = call.req.query_param("exaservice") {
        let inst = instances::find(o, call.domain(), &id)
            .map_err(|_| OracleError::ecra(op, format!("Could not find exaservice {id}")))?;
        return Ok((inst.rack, inst.model));
    }
    let (Some(r), Some(m)) = (call.req.query_param("racksize"), call.req.query_param("model")) else {
        return Err(OracleError::ecra(op, "racksize and model are required"));
    };
    match (RackSize::parse(&r), Model::parse(&m)) {
        (Some(rack), Some(model)) => Ok((rack, model)),
        _ => Err(OracleError::ecra(op, format!("Unknown model and racksize combination: {r} {m}"))),
    }
}

/// §9.1: preset shapes with per-node and per-cluster values, and `numComputes` (the seed's
/// multiple for cores and memory).
fn cluster_shapes(o: &Oracle, call: &Call) -> Res {
    let (rack, model) = rack_of(o, call, "clustershapes_get")?;
    let cap = capacity::capacity(model, rack);
    let n = cap.num_computes;
    let shapes: Vec<Value> = capacity::shapes(&cap)
        .iter()
        .map(|s| {
            json!({
                "shape": s.name,
                "numComputes": n,
                "numCoresPerNode": s.cores_per_node,
                "numCoresPerCluster": s.cores_per_node * n,
                "gbMemPerNode": s.mem_gb_per_node,
                "gbMemPerCluster": s.mem_gb_per_node * n,
                "tbStoragePerCluster": s.storage_tb,
                "gbOhSize": s.oh_gb,
            })
        })
        .collect();
    Ok(success(
        json!({"racksize": rack.as_str(), "model": model.as_str(), "numComputes": n, "clusterShapes": shapes}),
        "clustershapes_get",
    ))
}

/// §9.3: rack capacity.
fn hardware_info(o: &Oracle, call: &Call) -> Res {
    let (rack, model) = rack_of(o, call, "hardwareinfo_get")?;
    let cap: Capacity = capacity::capacity(model, rack);
    Ok(success(
        json!({
            "model": model.as_str(),
            "racksize": rack.as_str(),
            "numComputes": cap.num_computes,
            "numCells": rack.num_cells(),
            "minCoresPerNode": cap.min_cores_per_node,
            "maxCoresPerNode": cap.max_cores_per_node,
            "memsize": cap.mem_gb_per_node,
            "tbStorage": cap.storage_tb,
        }),
        "hardwareinfo_get",
    ))
}

/// §9.3: the caller's exaservices (instances not TERMINATED).
fn exaservice_list(o: &Oracle, call: &Call) -> Res {
    let mut list: Vec<Instance> =
        o.instances.list(call.domain()).into_iter().filter(|i| i.status != InstanceStatus::Terminated).collect();
    list.sort_by_key(|i| i.numeric_id);
    let items: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({
                "id": i.numeric_id.to_string(),
                "racksize": i.rack.as_str().to_ascii_lowercase(),
                "model": i.model.as_str(),
                "exadata_id": format!("exadata-{}", i.numeric_id),
            })
        })
        .collect();
    Ok(success(json!({"exaservices": items}), "get-exaservice"))
}

/// §9.2 / E02: instance-level allocation and the clusters with their `ExaunitId`.
fn resource_info(o: &Oracle, call: &Call, id: &str) -> Res {
    const OP: &str = "get-exaservice";
    let inst = instances::find(o, call.domain(), id)
        .ok()
        .filter(|i| i.status != InstanceStatus::Terminated)
        .ok_or_else(|| OracleError::ecra(OP, format!("Could not find exaservice {id}")))?;
    let filter = match call.req.query_param("exaunit") {
        None => None,
        Some(e) => match e.trim().parse::<u64>().ok().filter(|n| inst.clusters.contains_key(n)) {
            Some(n) => Some(n),
            None => return Err(OracleError::ecra(OP, format!("Could not find exaunit {e} in exaservice {id}"))),
        },
    };
    let cap = inst.capacity();
    let oh_used: u64 = inst.clusters.values().filter(|c| c.status.holds_resources()).map(|c| c.oh_gb).sum();
    let oh_total = call.settings.oh_usable_gb_per_node;
    let clusters: Vec<Value> = inst
        .clusters
        .values()
        .filter(|c| filter.is_none_or(|f| f == c.exaunit_id))
        .map(|c| {
            json!({
                "ExaunitId": c.exaunit_id,
                "ExaunitName": c.name,
                "RackName": c.rack_name,
                "status": c.status.as_str(),
                "TotalNumOfCoresForCluster": c.cores,
                "TotalNumOfBurstCoresForCluster": c.burst_cores,
                "TotalMemoryInGb": c.memory_gb,
                "StorageInTb": c.storage_tb,
                "OracleHomeDiskSizeInGb": c.oh_gb,
                "CreateSparse": if c.create_sparse { "Y" } else { "N" },
                "BackupToDisk": if c.backup_to_disk { "Y" } else { "N" },
            })
        })
        .collect();
    Ok(success(
        json!({
            "id": inst.numeric_id.to_string(),
            "AllocatedExaServiceResources": {
                "ExaServiceName": inst.name,
                "Model": inst.model.as_str(),
                "Racksize": inst.rack.as_str().to_ascii_lowercase(),
                "PurchaseType": "subscription",
                "OverSubscriptionFactor": call.settings.oversubscription_factor.max(1),
                "BaseNumOfCores": inst.base_cores,
                "AdditionalNumOfCores": inst.additional_cores,
                "BurstCores": inst.burst_cores,
                "TotalMemoryInGb": cap.memory_gb(),
                "StorageInTb": cap.storage_tb,
                "TotalOracleHomeSpaceInGb": oh_total,
                "AvailableOracleHomeSpaceInGb": oh_total.saturating_sub(oh_used),
                "NumComputes": cap.num_computes,
                "DataCenter": inst.data_center,
            },
            "DistributedClusterResources": clusters,
            "state": inst.status.as_str(),
        }),
        OP,
    ))
}

/// ECRA's `yyyy-MM-dd'T'HH:mm:ssZ` (§2.7, O).
fn ecra_time(call: &Call, t: SimInstant) -> String {
    call.cx.clock.to_utc(t).format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

/// §9.3: ECRA's view of an operation this simulator created: 202 while running, 200 done.
fn status(o: &Oracle, call: &Call, id: &str) -> Res {
    const OP: &str = "statuses_get";
    let op = o
        .operations
        .get(call.domain(), id)
        .ok_or_else(|| OracleError::ecra(OP, format!("Could not find status {id}")))?;
    let uri = format!("/ecra/endpoint/statuses/{id}");
    if !op.status.is_terminal() {
        return Ok(Out {
            status: hyper::StatusCode::ACCEPTED,
            body: Body::Value(json!({
                "status": 202,
                "status_uri": uri,
                "op": op.plan.operation_name(),
                "op_start_time": ecra_time(call, op.created_on),
                "est_op_end_time": "",
                "message": "processing",
                "status-detail": "processing",
            })),
            headers: Vec::new(),
        });
    }
    let failed = op.status == OperationStatus::Failed;
    Ok(Out::ok(json!({
        "status": 200,
        "status_uri": uri,
        "op": op.plan.operation_name(),
        "start_time": ecra_time(call, op.created_on),
        "end_time": ecra_time(call, op.modified_on),
        "message": if failed { "Failed" } else { "Done" },
        "status-detail": if failed { "failure" } else { "success" },
        "error_str": if failed { op.status_message.clone() } else { String::new() },
    })))
}
