//! Oracle My Services knobs: every duration, quota and strict/lenient reading that the
//! spec (`spec/oracle-myservices.md`) calls a knob, each named `oracle.<name>`, defaulting
//! to the reading the spec recommends (§15) unless the seed forces another.
//!
//! May touch: `crate::config` only.

use serde_json::{json, Value};

use crate::config::{knob_bool, knob_u64, read, KnobDef};

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// §2.1: `.anon` may read the public service catalogue without credentials.
    pub allow_anon: bool,
    /// §2.1 / §15 #22: serve `/{domain}/myservices/...` without the `/itas` prefix.
    pub accept_missing_itas_prefix: bool,
    /// §2.3 / §15 #10: recover missing commas in the outer JSON body.
    pub lenient_outer_json: bool,
    /// §2.5: largest `limit`; larger values are clamped.
    pub max_page_limit: u64,
    /// §3 #3 / §15 #4: `GET operations` lists CIM operations too.
    pub list_cim_operations: bool,
    /// §2.6: `instanceId` may be given as `csi-N`.
    pub accept_csi_prefix: bool,
    /// §2.7: `iso` (ISO-8601 UTC with milliseconds) or `epochMillis`.
    pub epoch_millis: bool,
    /// §2.2 T09: requests per simulated minute per user; 0 = off.
    pub rate_limit: u64,
    /// §6.1 / §15 #13: the eight `admin*`/`invokerAdmin*` attributes are required.
    pub require_admin_attributes: bool,
    /// §15 #8: enforce the lowercase-only name rule (false lower-cases first).
    pub strict_instance_names: bool,
    /// §5.2: backend checks run at POST time (400) instead of failing the operation.
    pub sync_backend_validation: bool,
    /// §6.3 / §15 #18: `fail`, `invalidState` or `cascade`.
    pub delete_with_clusters: &'static str,
    /// §4.3 / §15 #19: serviceInstances carry `name`.
    pub expose_instance_name: bool,
    /// §15 #27: TERMINATED instances free their name.
    pub reuse_terminated_names: bool,
    /// §8.2 / §15 #17: core oversubscription factor.
    pub oversubscription_factor: u64,
    /// §7.5 / §8.2: VM clusters per instance (D: eight).
    pub max_clusters_per_instance: u64,
    /// §7.5 / §15 #26: per-cluster minimums.
    pub min_cores_per_node: u64,
    pub min_mem_gb_per_node: u64,
    pub min_storage_tb: u64,
    pub min_oh_gb: u64,
    /// §8.2: usable Oracle Home space per compute node.
    pub oh_usable_gb_per_node: u64,
    /// §7.1: largest decoded EXAUNIT_ALLOCATIONS payload, bytes.
    pub max_payload_bytes: u64,
    /// §12: `off` or `requestId`.
    pub idempotency_request_id: bool,
    /// §11.2 / §15 #2: `result` as an object (`{status, statusMessage}`) or a string.
    pub result_as_string: bool,
    /// §2.2 (S4): lifetime of tokens made by the token hook, seconds.
    pub token_lifetime: u64,
    /// §11.4: seconds a finished operation stays readable (default 7 days).
    pub operation_retention: u64,
    /// §10.2: seconds a TERMINATED instance stays listed; 0 = forever.
    pub terminated_retention: u64,
    /// The numeric id of the first service instance. The seed's UPDATE and DELETE examples
    /// use `500076173`, so the first instance of a fresh simulator gets exactly that id.
    pub instance_id_start: u64,
    pub durations: Durations,
}

/// Simulated seconds of each phase of an operation (§11.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Durations {
    /// NEW → PROCESSING.
    pub start_delay: u64,
    /// Item PROCESSING → ASYNC_WAIT (after the start).
    pub submit: u64,
    pub create: u64,
    pub add_cluster: u64,
    pub reshape_cluster: u64,
    pub delete_cluster: u64,
    pub delete: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_anon: false,
            accept_missing_itas_prefix: false,
            lenient_outer_json: false,
            max_page_limit: 100,
            list_cim_operations: false,
            accept_csi_prefix: true,
            epoch_millis: false,
            rate_limit: 0,
            require_admin_attributes: true,
            strict_instance_names: true,
            sync_backend_validation: false,
            delete_with_clusters: "fail",
            expose_instance_name: false,
            reuse_terminated_names: true,
            oversubscription_factor: 1,
            max_clusters_per_instance: 8,
            min_cores_per_node: 1,
            min_mem_gb_per_node: 1,
            min_storage_tb: 1,
            min_oh_gb: 50,
            oh_usable_gb_per_node: 500,
            max_payload_bytes: 64 * 1024,
            idempotency_request_id: false,
            result_as_string: false,
            token_lifetime: 3600,
            operation_retention: 7 * 24 * 3600,
            terminated_retention: 0,
            instance_id_start: 500_076_173,
            durations: Durations {
                start_delay: 1,
                submit: 1,
                create: 20,
                add_cluster: 15,
                reshape_cluster: 10,
                delete_cluster: 10,
                delete: 15,
            },
        }
    }
}

pub static KNOBS: &[KnobDef<Settings>] = &[
    knob_bool!("allowAnon", allow_anon, "§2.1 '.anon' may read serviceDefinitions without credentials (everything else stays 401)"),
    knob_bool!(
        "acceptMissingItasPrefix",
        accept_missing_itas_prefix,
        "§2.1 also serve /{domain}/myservices/api/v1/... (the seed's typo without /itas)"
    ),
    knob_bool!(
        "lenientOuterJson",
        lenient_outer_json,
        "§2.3 recover missing commas in the outer JSON body (the seed's CREATE examples lack one)"
    ),
    knob_u64!("maxPageLimit", max_page_limit, "§2.5 largest page size; a larger limit is clamped"),
    knob_bool!("listCimOperations", list_cim_operations, "§3 GET operations also lists CIM operations (S5: only TRA)"),
    knob_bool!("acceptCsiPrefix", accept_csi_prefix, "§2.6 instanceId may be given as csi-N besides N"),
    KnobDef {
        name: "timestampFormat",
        doc: "§2.7 createdOn/modifiedOn as iso (ISO-8601 UTC with milliseconds) or epochMillis",
        get: |s| json!(if s.epoch_millis { "epochMillis" } else { "iso" }),
        set: |s, v| {
            s.epoch_millis = read::flag(v, "iso", "epochMillis")?;
            Ok(())
        },
    },
    KnobDef {
        name: "rateLimit",
        doc: "§2.2 T09 requests per simulated minute per user before 429 (off or a number)",
        get: |s| if s.rate_limit == 0 { json!("off") } else { json!(s.rate_limit) },
        set: |s, v| {
            s.rate_limit = match v {
                Value::String(x) if x == "off" => 0,
                other => read::u64(other)?,
            };
            Ok(())
        },
    },
    knob_bool!(
        "requireAdminAttributes",
        require_admin_attributes,
        "§15 #13 CREATE requires the eight admin*/invokerAdmin* attributes"
    ),
    knob_bool!(
        "strictInstanceNames",
        strict_instance_names,
        "§15 #8 enforce lowercase-only names (false lower-cases the seed's 'newinstanceName' first)"
    ),
    KnobDef {
        name: "backendValidation",
        doc: "§5.2 backend checks (multiples, capacity, cluster states) fail the operation (async) or the POST (sync)",
        get: |s| json!(if s.sync_backend_validation { "sync" } else { "async" }),
        set: |s, v| {
            s.sync_backend_validation = read::flag(v, "async", "sync")?;
            Ok(())
        },
    },
    KnobDef {
        name: "deleteWithClusters",
        doc: "§6.3 DELETE of a multi-VM instance with clusters: fail (operation FAILED), invalidState (NON_RECOVERABLE) or cascade",
        get: |s| json!(s.delete_with_clusters),
        set: |s, v| {
            s.delete_with_clusters = read::choice(v, &["fail", "invalidState", "cascade"])?;
            Ok(())
        },
    },
    knob_bool!("exposeInstanceName", expose_instance_name, "§4.3 serviceInstances carry the instance name"),
    knob_bool!("reuseTerminatedNames", reuse_terminated_names, "§15 #27 a TERMINATED instance frees its name"),
    knob_u64!("oversubscriptionFactor", oversubscription_factor, "§8.2 core oversubscription factor (seed: none)"),
    knob_u64!("maxClustersPerInstance", max_clusters_per_instance, "§7.5 A07 VM clusters per instance (seed: eight)"),
    knob_u64!("minCoresPerNode", min_cores_per_node, "§7.5 A10 smallest cores per compute node of a cluster"),
    knob_u64!("minMemGbPerNode", min_mem_gb_per_node, "§7.5 A12 smallest memory (GB) per compute node of a cluster"),
    knob_u64!("minStorageTb", min_storage_tb, "§7.5 A13 smallest storage (TB) of a cluster"),
    knob_u64!("minOhGb", min_oh_gb, "§7.5 A14 smallest Oracle Home size (GB per node)"),
    knob_u64!("ohUsableGbPerNode", oh_usable_gb_per_node, "§8.2 A14 usable Oracle Home space per compute node (GB)"),
    knob_u64!("maxPayloadBytes", max_payload_bytes, "§7.1 P01 largest decoded EXAUNIT_ALLOCATIONS payload (bytes)"),
    KnobDef {
        name: "idempotency",
        doc: "§12 off, or requestId (same requestId + payload returns the original operation)",
        get: |s| json!(if s.idempotency_request_id { "requestId" } else { "off" }),
        set: |s, v| {
            s.idempotency_request_id = read::flag(v, "off", "requestId")?;
            Ok(())
        },
    },
    KnobDef {
        name: "operationResultShape",
        doc: "§15 #2 operation result as an object {status, statusMessage} or a plain string",
        get: |s| json!(if s.result_as_string { "string" } else { "object" }),
        set: |s, v| {
            s.result_as_string = read::flag(v, "object", "string")?;
            Ok(())
        },
    },
    knob_u64!("tokenLifetime", token_lifetime, "§2.2 seconds a bearer token made by the token hook lasts"),
    knob_u64!("operationRetention", operation_retention, "§11.4 seconds a PROCESSED or FAILED operation stays readable"),
    KnobDef {
        name: "terminatedRetention",
        doc: "§10.2 seconds a TERMINATED instance stays listed (forever or a number)",
        get: |s| if s.terminated_retention == 0 { json!("forever") } else { json!(s.terminated_retention) },
        set: |s, v| {
            s.terminated_retention = match v {
                Value::String(x) if x == "forever" => 0,
                other => read::u64(other)?,
            };
            Ok(())
        },
    },
    knob_u64!(
        "instanceIdStart",
        instance_id_start,
        "numeric id of the first service instance (default: the seed's 500076173)"
    ),
    knob_u64!(concat!("durations.", "startDelay"), durations.start_delay, "§11.4 seconds from NEW to PROCESSING"),
    knob_u64!(concat!("durations.", "submit"), durations.submit, "§11.4 seconds from item PROCESSING to ASYNC_WAIT"),
    knob_u64!(concat!("durations.", "create"), durations.create, "§11.4 seconds of a CREATE after it starts"),
    knob_u64!(concat!("durations.", "addCluster"), durations.add_cluster, "§11.4 seconds of an AddCluster after it starts"),
    knob_u64!(concat!("durations.", "reshapeCluster"), durations.reshape_cluster, "§11.4 seconds of a ReshapeCluster after it starts"),
    knob_u64!(concat!("durations.", "deleteCluster"), durations.delete_cluster, "§11.4 seconds of a DeleteCluster after it starts"),
    knob_u64!(concat!("durations.", "delete"), durations.delete, "§11.4 seconds of a DELETE after it starts"),
];
