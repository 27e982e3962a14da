//! The backend (ECRA) checks of spec §5.2 and §7.5–7.7 (rows A06–A15, R07–R11, D02–D03,
//! X02). They run when an operation starts and fail the operation with the message shown
//! (knob `backendValidation=sync` runs them at POST time instead, as 400 `PAYLOAD`).
//!
//! Pure: each function reads an instance (with its clusters) and numbers, and answers the
//! message of the failed operation. Sums count only clusters that hold resources
//! (PROVISIONERR holds none, §10.3).

use super::super::model::{AddClusterSpec, Cluster, ClusterOp, Instance, ReshapeAttr};
use super::super::settings::Settings;

/// The knobs the backend checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_clusters: u64,
    pub min_cores_per_node: u64,
    pub min_mem_gb_per_node: u64,
    pub min_storage_tb: u64,
    pub min_oh_gb: u64,
    pub oh_usable_gb_per_node: u64,
    pub oversubscription: u64,
}

impl Limits {
    pub fn from(s: &Settings) -> Self {
        Limits {
            max_clusters: s.max_clusters_per_instance,
            min_cores_per_node: s.min_cores_per_node,
            min_mem_gb_per_node: s.min_mem_gb_per_node,
            min_storage_tb: s.min_storage_tb,
            min_oh_gb: s.min_oh_gb,
            oh_usable_gb_per_node: s.oh_usable_gb_per_node,
            oversubscription: s.oversubscription_factor.max(1),
        }
    }
}

/// What the instance's other clusters hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub cores: u64,
    pub memory_gb: u64,
    pub storage_tb: u64,
    pub oh_gb: u64,
}

/// Resources held by every cluster except `except`.
pub fn sums(inst: &Instance, except: Option<u64>) -> Sums {
    inst.clusters.values().filter(|c| Some(c.exaunit_id) != except && c.status.holds_resources()).fold(
        Sums::default(),
        |s, c| Sums {
            cores: s.cores + c.cores,
            memory_gb: s.memory_gb + c.memory_gb,
            storage_tb: s.storage_tb + c.storage_tb,
            oh_gb: s.oh_gb + c.oh_gb,
        },
    )
}

/// A06: clusters are added to (and changed in) multi-VM instances only.
pub fn a06_multi_vm(inst: &Instance) -> Result<(), String> {
    if !inst.multi_vm {
        return Err(format!("Instance {} is not multi-VM enabled", inst.numeric_id));
    }
    Ok(())
}

/// A07: at most eight VM clusters (seed: 「最大8つのクラスタを定義し」); every cluster counts,
/// failed ones included.
pub fn a07_cluster_count(inst: &Instance, max: u64) -> Result<(), String> {
    if inst.clusters.len() as u64 >= max {
        return Err(format!("Maximum number of VM clusters ({max}) reached"));
    }
    Ok(())
}

/// A08 / R09: cores are a multiple of `numComputes` (seed: 「numComputesの倍数であることが必要です」).
pub fn a08_cores_multiple(cores: u64, num_computes: u64) -> Result<(), String> {
    if num_computes == 0 || cores % num_computes != 0 {
        return Err(format!("TotalNumOfCoresForCluster {cores} must be a multiple of numComputes {num_computes}"));
    }
    Ok(())
}

/// A09 / R09: memory is a multiple of `numComputes` (seed).
pub fn a09_memory_multiple(memory_gb: u64, num_computes: u64) -> Result<(), String> {
    if num_computes == 0 || memory_gb % num_computes != 0 {
        return Err(format!("TotalMemoryInGb {memory_gb} must be a multiple of numComputes {num_computes}"));
    }
    Ok(())
}

/// A10: cores per node within `[minCoresPerNode knob, maxCoresPerNode of the rack]`.
pub fn a10_cores_per_node(cores: u64, num_computes: u64, min: u64, max: u64) -> Result<(), String> {
    let per_node = cores / num_computes.max(1);
    if per_node < min || per_node > max {
        return Err(format!(
            "TotalNumOfCoresForCluster {cores} gives {per_node} cores per node; allowed {min} to {max} per node"
        ));
    }
    Ok(())
}

/// A11: Σ cores ≤ subscribed cores × oversubscription (seed: no over-provisioning).
pub fn a11_cores_total(others: u64, cores: u64, subscribed: u64, factor: u64) -> Result<(), String> {
    let limit = subscribed.saturating_mul(factor);
    if others + cores > limit {
        return Err(format!(
            "TotalNumOfCoresForCluster {cores} exceeds the available cores: {others} of {limit} are distributed across existing clusters"
        ));
    }
    Ok(())
}

/// A12: Σ memory ≤ rack memory, and at least the minimum per node.
pub fn a12_memory(
    others: u64,
    memory_gb: u64,
    rack_gb: u64,
    num_computes: u64,
    min_per_node: u64,
) -> Result<(), String> {
    if memory_gb / num_computes.max(1) < min_per_node {
        return Err(format!("TotalMemoryInGb {memory_gb} is below {min_per_node} GB per node"));
    }
    if others + memory_gb > rack_gb {
        return Err(format!(
            "TotalMemoryInGb {memory_gb} exceeds the available memory: {others} of {rack_gb} GB are allocated"
        ));
    }
    Ok(())
}

/// A13: Σ storage ≤ rack storage, and at least the minimum.
pub fn a13_storage(others: u64, storage_tb: u64, rack_tb: u64, min: u64) -> Result<(), String> {
    if storage_tb < min {
        return Err(format!("StorageInTb {storage_tb} is below the minimum of {min} TB"));
    }
    if others + storage_tb > rack_tb {
        return Err(format!(
            "StorageInTb {storage_tb} exceeds the available storage: {others} of {rack_tb} TB are allocated"
        ));
    }
    Ok(())
}

/// A14: Oracle Home ≥ the minimum (50 GB, O), and Σ per node ≤ the usable space.
pub fn a14_oracle_home(oh_gb: u64, others: u64, min: u64, usable: u64) -> Result<(), String> {
    if oh_gb < min {
        return Err(format!("OracleHomeDiskSizeInGb {oh_gb} is below the minimum of {min} GB"));
    }
    if others + oh_gb > usable {
        return Err(format!(
            "OracleHomeDiskSizeInGb {oh_gb} exceeds the available Oracle Home space: {others} of {usable} GB per node are allocated"
        ));
    }
    Ok(())
}

/// A15: cluster names are unique within the instance.
pub fn a15_unique_name(inst: &Instance, name: &str) -> Result<(), String> {
    if inst.clusters.values().any(|c| c.name.eq_ignore_ascii_case(name)) {
        return Err(format!("A VM cluster named {name} already exists in instance {}", inst.numeric_id));
    }
    Ok(())
}

/// R07: the reshaped cluster exists in this instance.
pub fn r07_exaunit_exists(inst: &Instance, exaunit: u64) -> Result<&Cluster, String> {
    inst.clusters.get(&exaunit).ok_or_else(|| format!("ExaunitID {exaunit} not found in instance {}", inst.numeric_id))
}

/// R08: only a PROVISIONED cluster is reshaped.
pub fn r08_cluster_provisioned(c: &Cluster) -> Result<(), String> {
    if !c.status.can(ClusterOp::Reshape) {
        return Err(format!("Cluster {} is not in PROVISIONED state ({})", c.exaunit_id, c.status.as_str()));
    }
    Ok(())
}

/// R11: a reshape to the current value is a no-op (the operation still ends PROCESSED).
pub fn r11_no_change(c: &Cluster, change: ReshapeAttr) -> bool {
    change.current(c) == change.value()
}

/// D02: the deleted cluster exists in this instance.
pub fn d02_exaunit_exists(inst: &Instance, exaunit: u64) -> Result<&Cluster, String> {
    r07_exaunit_exists(inst, exaunit)
}

/// D03: a cluster being created, updated or deleted is busy.
pub fn d03_cluster_deletable(c: &Cluster) -> Result<(), String> {
    if !c.status.can(ClusterOp::Delete) {
        return Err(format!("Cluster {} is busy ({})", c.exaunit_id, c.status.as_str()));
    }
    Ok(())
}

/// X02: a multi-VM instance has no clusters left when it is deleted (seed: 「Exadataインスタンスを
/// 削除する前に、既存の複数VMクラスタをすべて削除してください」), under knob `deleteWithClusters=fail`.
pub fn x02_no_clusters(inst: &Instance, mode: &str) -> Result<(), String> {
    let n = inst.clusters.len();
    // A FAILED_ACTIVATION instance cannot be updated, so its failed clusters go with it.
    let active = inst.status == super::super::model::InstanceStatus::Active;
    if active && inst.multi_vm && n > 0 && mode == "fail" {
        return Err(format!(
            "Instance {} still has {n} VM cluster(s); delete them with DeleteCluster first",
            inst.numeric_id
        ));
    }
    Ok(())
}

/// §7.5: every AddCluster check, in order.
pub fn check_add(inst: &Instance, spec: &AddClusterSpec, l: &Limits) -> Result<(), String> {
    let cap = inst.capacity();
    let n = cap.num_computes;
    a07_cluster_count(inst, l.max_clusters)?;
    a15_unique_name(inst, &spec.name)?;
    a08_cores_multiple(spec.cores, n)?;
    a09_memory_multiple(spec.memory_gb, n)?;
    a10_cores_per_node(spec.cores, n, l.min_cores_per_node, cap.max_cores_per_node)?;
    let others = sums(inst, None);
    a11_cores_total(others.cores, spec.cores, inst.subscribed_cores(), l.oversubscription)?;
    a12_memory(others.memory_gb, spec.memory_gb, cap.memory_gb(), n, l.min_mem_gb_per_node)?;
    a13_storage(others.storage_tb, spec.storage_tb, cap.storage_tb, l.min_storage_tb)?;
    a14_oracle_home(spec.oh_gb, others.oh_gb, l.min_oh_gb, l.oh_usable_gb_per_node)?;
    Ok(())
}

/// §7.6: every ReshapeCluster check; `Ok(true)` when the value is unchanged (R11).
pub fn check_reshape(inst: &Instance, exaunit: u64, change: ReshapeAttr, l: &Limits) -> Result<bool, String> {
    let cluster = r07_exaunit_exists(inst, exaunit)?;
    r08_cluster_provisioned(cluster)?;
    if r11_no_change(cluster, change) {
        return Ok(true);
    }
    let cap = inst.capacity();
    let n = cap.num_computes;
    let others = sums(inst, Some(exaunit));
    match change {
        ReshapeAttr::Cores(v) => {
            a08_cores_multiple(v, n)?;
            a10_cores_per_node(v, n, l.min_cores_per_node, cap.max_cores_per_node)?;
            a11_cores_total(others.cores, v, inst.subscribed_cores(), l.oversubscription)?;
        }
        ReshapeAttr::Memory(v) => {
            a09_memory_multiple(v, n)?;
            a12_memory(others.memory_gb, v, cap.memory_gb(), n, l.min_mem_gb_per_node)?;
        }
        ReshapeAttr::Storage(v) => a13_storage(others.storage_tb, v, cap.storage_tb, l.min_storage_tb)?,
        ReshapeAttr::Ohome(v) => a14_oracle_home(v, others.oh_gb, l.min_oh_gb, l.oh_usable_gb_per_node)?,
    }
    Ok(false)
}

/// §7.7: every DeleteCluster check.
pub fn check_delete_cluster(inst: &Instance, exaunit: u64) -> Result<(), String> {
    d03_cluster_deletable(d02_exaunit_exists(inst, exaunit)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_and_per_node_limits() {
        assert!(a08_cores_multiple(4, 2).is_ok());
        assert_eq!(
            a08_cores_multiple(5, 2).unwrap_err(),
            "TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2"
        );
        assert!(a09_memory_multiple(30, 2).is_ok());
        assert!(a09_memory_multiple(31, 2).is_err());
        assert!(a10_cores_per_node(4, 2, 1, 46).is_ok());
        assert!(a10_cores_per_node(94, 2, 1, 46).is_err());
        assert!(a11_cores_total(20, 4, 22, 1).is_err());
        assert!(a11_cores_total(18, 4, 22, 1).is_ok());
        assert!(a11_cores_total(20, 4, 22, 2).is_ok());
        assert!(a12_memory(1400, 60, 1440, 2, 1).is_err());
        assert!(a12_memory(0, 1, 1440, 2, 1).is_err());
        assert!(a13_storage(100, 7, 106, 1).is_err());
        assert!(a14_oracle_home(49, 0, 50, 500).is_err());
        assert!(a14_oracle_home(60, 450, 50, 500).is_err());
        assert!(a14_oracle_home(60, 440, 50, 500).is_ok());
    }
}
