//! Oracle My Services resources, their state machines and the scheduled events (pure
//! data, no I/O). Spec §4 (read resources), §10 (entities and state machines), §11
//! (operation status model).
//!
//! Each state enum has one exhaustive table (no `_ =>`), so a new state does not compile
//! until someone decides its row. Wire rendering lives in `view.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::capacity::{self, Capacity, Model, RackSize};
use crate::secret::Secret;
use crate::clock::SimInstant;

/// A status enum with its wire names: `ALL`, `as_str` (the wire name, also its serde
/// form) and a case-insensitive `parse`, so the three never disagree.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

/// An identity domain (§10.1): its name, its IDCS GUID alias, users and cloud account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    /// Canonical name (`mydomain`); the key of every table.
    pub name: String,
    /// IDCS GUID (`idcs-<32 hex>`), accepted wherever the name is (§2.1).
    pub alias: String,
    /// Numeric identity-domain id shown in `identityDomain.id`.
    pub id: String,
    pub display_name: String,
    pub users: Vec<User>,
    pub cloud_account_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub username: String,
    /// Kept as a digest (dumped as `passwordHash`; a dump's plaintext `password` is
    /// hashed on restore).
    #[serde(rename = "passwordHash", alias = "password")]
    pub password: Secret,
    /// §2.2: without it, `POST operations` is 403 (T08).
    pub can_mutate: bool,
}

/// A bearer token (§2.2, S4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// Kept as a digest, which is also the token table's key (dumped as `tokenHash`).
    #[serde(rename = "tokenHash", alias = "token")]
    pub token: Secret,
    pub domain: String,
    pub username: String,
    pub expires_at: SimInstant,
}

/// A service definition (§4.1), e.g. Exadata `502579309`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDefinition {
    pub id: String,
    pub name: String,
}

/// A purchase entitlement (§4.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseEntitlement {
    pub id: String,
    pub service_definition_id: String,
    pub status: EntitlementStatus,
    pub created_on: SimInstant,
    pub created_by: String,
}

/// A cloud account (§4.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudAccount {
    pub id: String,
    pub name: String,
}

wire_enum! {
    /// Entitlement statuses the simulator uses (a subset of the D enum of §4.2).
    EntitlementStatus {
        Active => "ACTIVE",
        PendingActivation => "PENDING_ACTIVATION",
        Suspended => "SUSPENDED",
        Locked => "LOCKED",
        Terminated => "TERMINATED",
    }
}

/// A service entitlement (§4.2) with its hidden simulator fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    /// `cesi-N`.
    pub id: String,
    pub service_definition_id: String,
    pub purchase_entitlement_id: String,
    pub status: EntitlementStatus,
    // Hidden (never on the wire).
    pub eligible_data_centers: Vec<String>,
    /// `PickRackSize` labels the purchase allows (normalised when compared, §8.1).
    pub allowed_rack_sizes: Vec<String>,
    pub model: Model,
    pub additional_cores: u64,
    pub burst_cores: u64,
    pub max_instances: u64,
    pub created_on: SimInstant,
    pub created_by: String,
    pub modified_on: SimInstant,
    pub modified_by: String,
}

impl Entitlement {
    /// The numeric part (`500073421`), as operation attributes name it (§2.6).
    pub fn numeric(&self) -> &str {
        self.id.strip_prefix("cesi-").unwrap_or(&self.id)
    }
}

wire_enum! {
    /// Service-instance status (§10.2).
    InstanceStatus {
        BeginActivation => "BEGIN_ACTIVATION",
        Active => "ACTIVE",
        FailedActivation => "FAILED_ACTIVATION",
        BeginTermination => "BEGIN_TERMINATION",
        Terminated => "TERMINATED",
        Suspended => "SUSPENDED",
        NonRecoverable => "NON_RECOVERABLE",
    }
}

/// What a client may ask of an instance through `POST operations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceOp {
    Update,
    Delete,
}

impl InstanceStatus {
    /// The operation × status table of §10.2 (U04, X03): UPDATE only on ACTIVE; DELETE on
    /// ACTIVE or FAILED_ACTIVATION. Exhaustive on purpose.
    pub fn can(self, op: InstanceOp) -> bool {
        use InstanceOp::*;
        use InstanceStatus as S;
        match self {
            S::Active => true,
            S::FailedActivation => op == Delete,
            S::BeginActivation | S::BeginTermination | S::Terminated | S::Suspended | S::NonRecoverable => false,
        }
    }

    /// Termination started or done (X03 answers these with its own message).
    pub fn is_terminating(self) -> bool {
        matches!(self, InstanceStatus::BeginTermination | InstanceStatus::Terminated)
    }

    /// Holds its name and its entitlement slot (§15 #27).
    pub fn is_live(self) -> bool {
        self != InstanceStatus::Terminated
    }
}

wire_enum! {
    /// VM cluster (exaunit) status (§10.3). PROVISIONED and PROVISIONERR are ECRA's (O).
    ClusterStatus {
        Creating => "CREATING",
        Provisioned => "PROVISIONED",
        Updating => "UPDATING",
        Deleting => "DELETING",
        Provisionerr => "PROVISIONERR",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterOp {
    Reshape,
    Delete,
}

impl ClusterStatus {
    /// §7.6 R08 / §7.7 D03: reshape only a PROVISIONED cluster; delete a PROVISIONED or
    /// PROVISIONERR one. Exhaustive on purpose.
    pub fn can(self, op: ClusterOp) -> bool {
        use ClusterStatus as S;
        match self {
            S::Provisioned => true,
            S::Provisionerr => op == ClusterOp::Delete,
            S::Creating | S::Updating | S::Deleting => false,
        }
    }

    /// §10.3: a failed cluster counts toward the limit of eight but holds no resources.
    pub fn holds_resources(self) -> bool {
        match self {
            ClusterStatus::Creating
            | ClusterStatus::Provisioned
            | ClusterStatus::Updating
            | ClusterStatus::Deleting => true,
            ClusterStatus::Provisionerr => false,
        }
    }
}

wire_enum! {
    /// Operation `result.status` (D enum `OperationResultStatus`, the values used in §11.1).
    OperationStatus {
        New => "NEW",
        Processing => "PROCESSING",
        Processed => "PROCESSED",
        Failed => "FAILED",
    }
}

impl OperationStatus {
    pub fn is_terminal(self) -> bool {
        match self {
            OperationStatus::Processed | OperationStatus::Failed => true,
            OperationStatus::New | OperationStatus::Processing => false,
        }
    }
}

wire_enum! {
    /// Operation item `result.status` (D enum `OperationItemResultStatus`, §11.1).
    ItemStatus {
        Ready => "READY",
        Processing => "PROCESSING",
        AsyncWait => "ASYNC_WAIT",
        Processed => "PROCESSED",
        Failed => "FAILED",
    }
}

impl ItemStatus {
    /// The one legal successor of a step (§11.1: READY → PROCESSING → ASYNC_WAIT →
    /// PROCESSED); FAILED may follow any non-terminal status.
    pub fn next(self) -> Option<ItemStatus> {
        match self {
            ItemStatus::Ready => Some(ItemStatus::Processing),
            ItemStatus::Processing => Some(ItemStatus::AsyncWait),
            ItemStatus::AsyncWait => Some(ItemStatus::Processed),
            ItemStatus::Processed | ItemStatus::Failed => None,
        }
    }
}

wire_enum! {
    /// Item `currentAction` (§11.1, I).
    Action {
        Queued => "QUEUED",
        Validate => "VALIDATE",
        SubmitToBackend => "SUBMIT_TO_BACKEND",
        WaitForBackend => "WAIT_FOR_BACKEND",
        UpdateInventory => "UPDATE_INVENTORY",
        Done => "DONE",
    }
}

/// The three operation item definitions (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Definition {
    #[serde(rename = "CIM-Exadata-CUSTOM-PRODUCTION-CREATE")]
    Create,
    #[serde(rename = "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE")]
    Update,
    #[serde(rename = "CIM-Exadata-CUSTOM-PRODUCTION-DELETE")]
    Delete,
}

impl Definition {
    pub const ALL: [Definition; 3] = [Definition::Create, Definition::Update, Definition::Delete];

    pub fn id(self) -> &'static str {
        match self {
            Definition::Create => "CIM-Exadata-CUSTOM-PRODUCTION-CREATE",
            Definition::Update => "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE",
            Definition::Delete => "CIM-Exadata-CUSTOM-PRODUCTION-DELETE",
        }
    }

    /// Case-sensitive (§5.1 rule 2).
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.id() == id)
    }

    pub fn operation_type(self) -> &'static str {
        match self {
            Definition::Create => "CREATE",
            Definition::Update => "UPDATE",
            Definition::Delete => "DELETE",
        }
    }
}

/// An administrator named by the `admin*` / `invokerAdmin*` attributes (§6.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub user_name: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A validated AddCluster (§7.4–7.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddClusterSpec {
    pub name: String,
    pub cores: u64,
    pub memory_gb: u64,
    pub storage_tb: u64,
    pub oh_gb: u64,
    pub create_sparse: bool,
    pub backup_to_disk: bool,
    pub client_network: Option<String>,
    pub backup_network: Option<String>,
}

/// The one attribute a ReshapeCluster changes (§7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "attribute", content = "value")]
pub enum ReshapeAttr {
    #[serde(rename = "TotalNumOfCoresForCluster")]
    Cores(u64),
    #[serde(rename = "TotalMemoryInGb")]
    Memory(u64),
    #[serde(rename = "StorageInTb")]
    Storage(u64),
    #[serde(rename = "OhomePartitionInGB")]
    Ohome(u64),
}

impl ReshapeAttr {
    pub fn name(self) -> &'static str {
        match self {
            ReshapeAttr::Cores(_) => "TotalNumOfCoresForCluster",
            ReshapeAttr::Memory(_) => "TotalMemoryInGb",
            ReshapeAttr::Storage(_) => "StorageInTb",
            ReshapeAttr::Ohome(_) => "OhomePartitionInGB",
        }
    }

    pub fn value(self) -> u64 {
        match self {
            ReshapeAttr::Cores(v) | ReshapeAttr::Memory(v) | ReshapeAttr::Storage(v) | ReshapeAttr::Ohome(v) => v,
        }
    }

    /// The cluster's current value of this attribute.
    pub fn current(self, c: &Cluster) -> u64 {
        match self {
            ReshapeAttr::Cores(_) => c.cores,
            ReshapeAttr::Memory(_) => c.memory_gb,
            ReshapeAttr::Storage(_) => c.storage_tb,
            ReshapeAttr::Ohome(_) => c.oh_gb,
        }
    }

    /// Sets this attribute on `c`.
    pub fn apply(self, c: &mut Cluster) {
        match self {
            ReshapeAttr::Cores(v) => c.cores = v,
            ReshapeAttr::Memory(v) => c.memory_gb = v,
            ReshapeAttr::Storage(v) => c.storage_tb = v,
            ReshapeAttr::Ohome(v) => c.oh_gb = v,
        }
    }
}

/// The `Operation` of an EXAUNIT_ALLOCATIONS payload, validated (§7.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operation", rename_all = "camelCase")]
pub enum AllocationOp {
    #[serde(rename = "AddCluster")]
    Add(AddClusterSpec),
    #[serde(rename = "ReshapeCluster")]
    Reshape { exaunit: u64, change: ReshapeAttr },
    #[serde(rename = "DeleteCluster")]
    Delete { exaunit: u64 },
}

impl AllocationOp {
    pub fn name(&self) -> &'static str {
        match self {
            AllocationOp::Add(_) => "AddCluster",
            AllocationOp::Reshape { .. } => "ReshapeCluster",
            AllocationOp::Delete { .. } => "DeleteCluster",
        }
    }
}

/// A decoded, validated EXAUNIT_ALLOCATIONS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    pub op: AllocationOp,
    pub request_id: Option<String>,
    /// Unknown property names, recorded in the action log (§7.3).
    pub ignored: Vec<String>,
}

/// A validated CREATE (§6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSpec {
    pub name: String,
    pub entitlement_id: String,
    pub rack: RackSize,
    pub model: Model,
    pub data_center: String,
    pub is_byol: bool,
    pub exa_unit_name: String,
    pub create_sparse: bool,
    pub backup_to_disk: bool,
    pub client_network: Option<String>,
    pub backup_network: Option<String>,
    pub admin: Person,
    pub invoker_admin: Person,
    /// Multi-VM: the AddCluster of the payload; `None` for a basic instance.
    pub allocation: Option<Allocation>,
}

/// What an accepted operation will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Plan {
    Create { instance: u64, spec: Box<CreateSpec> },
    Update { instance: u64, allocation: Allocation },
    Delete { instance: u64 },
}

impl Plan {
    pub fn instance(&self) -> u64 {
        match self {
            Plan::Create { instance, .. } | Plan::Update { instance, .. } | Plan::Delete { instance } => *instance,
        }
    }

    pub fn definition(&self) -> Definition {
        match self {
            Plan::Create { .. } => Definition::Create,
            Plan::Update { .. } => Definition::Update,
            Plan::Delete { .. } => Definition::Delete,
        }
    }

    /// `AddCluster`, `ReshapeCluster`, `DeleteCluster` for UPDATE; the definition's type
    /// otherwise (fault rules match on this).
    pub fn operation_name(&self) -> &'static str {
        match self {
            Plan::Create { .. } => "CREATE",
            Plan::Update { allocation, .. } => allocation.op.name(),
            Plan::Delete { .. } => "DELETE",
        }
    }

    /// §11.4: seconds from the start to the end of the backend work.
    pub fn duration(&self, d: &super::settings::Durations) -> u64 {
        match self {
            Plan::Create { .. } => d.create,
            Plan::Update { allocation, .. } => match allocation.op {
                AllocationOp::Add(_) => d.add_cluster,
                AllocationOp::Reshape { .. } => d.reshape_cluster,
                AllocationOp::Delete { .. } => d.delete_cluster,
            },
            Plan::Delete { .. } => d.delete,
        }
    }
}

/// A VM cluster (exaunit) of an instance (§10.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    pub exaunit_id: u64,
    pub name: String,
    pub rack_name: String,
    pub status: ClusterStatus,
    pub cores: u64,
    pub memory_gb: u64,
    pub storage_tb: u64,
    /// Oracle Home size per compute node.
    pub oh_gb: u64,
    pub create_sparse: bool,
    pub backup_to_disk: bool,
    pub client_network: Option<String>,
    pub backup_network: Option<String>,
    pub burst_cores: u64,
    /// The reshape in flight (applied when the operation finishes).
    pub pending: Option<ReshapeAttr>,
    pub created_on: SimInstant,
    pub modified_on: SimInstant,
}

/// A service instance (§10.1) with its clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub numeric_id: u64,
    pub domain: String,
    pub name: String,
    pub entitlement_id: String,
    pub status: InstanceStatus,
    /// Status before a running DELETE (restored if it fails).
    pub status_before_delete: Option<InstanceStatus>,
    pub multi_vm: bool,
    pub rack: RackSize,
    pub model: Model,
    pub base_cores: u64,
    pub additional_cores: u64,
    pub burst_cores: u64,
    pub data_center: String,
    pub is_byol: bool,
    pub create_sparse: bool,
    pub backup_to_disk: bool,
    pub client_network: Option<String>,
    pub backup_network: Option<String>,
    pub admin: Person,
    pub invoker_admin: Person,
    pub clusters: BTreeMap<u64, Cluster>,
    /// §12: the mutating operation running on this instance (U05).
    pub in_flight: Option<String>,
    /// A stall armed by a fault rule: operation steps on this instance due before this
    /// instant wait until it (`failures.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_until: Option<SimInstant>,
    pub created_on: SimInstant,
    pub created_by: String,
    pub modified_on: SimInstant,
    pub modified_by: String,
}

impl Instance {
    /// `csi-N`.
    pub fn id(&self) -> String {
        format!("csi-{}", self.numeric_id)
    }

    pub fn capacity(&self) -> Capacity {
        capacity::capacity(self.model, self.rack)
    }

    /// `BaseNumOfCores + AdditionalNumOfCores + BurstCores` (§7.5 check 5).
    pub fn subscribed_cores(&self) -> u64 {
        self.base_cores + self.additional_cores + self.burst_cores
    }
}

/// One `{name, value}` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

impl Attribute {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute { name: name.into(), value: value.into() }
    }
}

/// An `actionLogs[]` entry (§11.3, D fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionLog {
    pub id: String,
    pub action: Action,
    pub created_on: SimInstant,
    pub message: String,
    pub status: ItemStatus,
}

/// The single item of an operation (§5.1 rule 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationItem {
    pub id: String,
    pub definition: Definition,
    /// The request's attributes, names normalised (§5.1 rule 4), values as sent.
    pub attributes: Vec<Attribute>,
    pub status: ItemStatus,
    pub current_action: Action,
    pub action_retry_count: u64,
    pub result_attributes: Vec<Attribute>,
    pub action_logs: Vec<ActionLog>,
    pub created_on: SimInstant,
    pub modified_on: SimInstant,
}

/// An operation (§10.1, §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: String,
    pub domain: String,
    /// `CIM` for every Exadata operation (§3 #3).
    pub sub_system: String,
    pub status: OperationStatus,
    pub status_message: String,
    /// Bumped on every step; scheduled steps carry the generation they expect.
    pub generation: u64,
    pub created_on: SimInstant,
    pub modified_on: SimInstant,
    pub created_by: String,
    pub plan: Plan,
    /// The cluster the operation works on: assigned when an AddCluster (or a CREATE)
    /// starts, the payload's `ExaunitID` for a reshape or a cluster delete.
    pub exaunit: Option<u64>,
    /// The decoded EXAUNIT_ALLOCATIONS and definition, for knob `idempotency=requestId`.
    pub digest: Option<String>,
    pub item: OperationItem,
    /// A stall armed by a fault rule: steps of this operation due before this instant
    /// wait until it (`failures.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_until: Option<SimInstant>,
}

impl Operation {
    /// Moves the operation and its item on at `now`, in a new generation (so the steps
    /// scheduled for the old one no-op); answers the operation's previous status.
    pub fn advance(
        &mut self,
        status: OperationStatus,
        message: impl Into<String>,
        item: ItemStatus,
        action: Action,
        now: SimInstant,
    ) -> OperationStatus {
        let from = self.status;
        self.status = status;
        self.status_message = message.into();
        self.generation += 1;
        self.modified_on = now;
        self.item.status = item;
        self.item.current_action = action;
        self.item.modified_on = now;
        from
    }
}

/// The phases of §11.4 an operation goes through on the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// NEW → PROCESSING: backend checks, reservation, transitional states.
    Start,
    /// Item PROCESSING → ASYNC_WAIT.
    AsyncWait,
    /// → PROCESSED: commit.
    Finish,
}

/// Scheduled Oracle events. Each carries the operation generation it expects, so a
/// change that got there first (a reset, a forced state) makes it a no-op.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    #[serde(rename_all = "camelCase")]
    OperationStep { domain: String, operation: String, generation: u64, step: Step },
    /// A finished operation leaves the store (knob `operationRetention`, §11.4).
    #[serde(rename_all = "camelCase")]
    OperationExpire { domain: String, operation: String, generation: u64 },
    /// A TERMINATED instance leaves the store (knob `terminatedRetention`, §10.2), if it
    /// has not changed since `since`.
    #[serde(rename_all = "camelCase")]
    InstanceExpire { domain: String, instance: u64, since: SimInstant },
}

/// Where an injected failure strikes (§13 faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    Start,
    Finish,
}

/// An injected asynchronous failure (§13 faults): armed by `POST /_sim/oracle/faults`
/// or by a `/_sim/faults` resource rule (`fail_next_transition`, `failures.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub id: String,
    pub definition: Option<Definition>,
    /// `CREATE`, `DELETE`, `AddCluster`, `ReshapeCluster` or `DeleteCluster`.
    pub operation: Option<String>,
    pub instance: Option<u64>,
    /// Only this operation (by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Only an operation working on this VM cluster (its `ExaunitID`), or one that works
    /// on every cluster of the instance (CREATE, DELETE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exaunit: Option<u64>,
    pub phase: Phase,
    pub message: String,
    /// Fires this many more times.
    pub remaining: u64,
}

impl Fault {
    /// The `N` of `fault-N`: the order faults were armed in (and are tried in).
    pub fn number(&self) -> u64 {
        self.id.strip_prefix("fault-").and_then(|n| n.parse().ok()).unwrap_or(u64::MAX)
    }

    pub fn matches(&self, op: &Operation, phase: Phase) -> bool {
        let plan = &op.plan;
        let whole_instance = matches!(plan, Plan::Create { .. } | Plan::Delete { .. });
        self.remaining > 0
            && self.phase == phase
            && self.definition.is_none_or(|d| d == plan.definition())
            && self.operation.as_deref().is_none_or(|o| o.eq_ignore_ascii_case(plan.operation_name()))
            && self.instance.is_none_or(|i| i == plan.instance())
            && self.operation_id.as_deref().is_none_or(|id| id == op.id)
            && self.exaunit.is_none_or(|x| whole_instance || op.exaunit == Some(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for &s in InstanceStatus::ALL {
            assert_eq!(InstanceStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        for &s in ClusterStatus::ALL {
            assert_eq!(ClusterStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        for &s in OperationStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        for &s in ItemStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        for &a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
        }
        for d in Definition::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!(d.id()));
        }
    }

    #[test]
    fn instance_table_allows_update_only_when_active() {
        use InstanceOp::*;
        for &s in InstanceStatus::ALL {
            assert_eq!(s.can(Update), s == InstanceStatus::Active, "{s:?}");
            assert_eq!(s.can(Delete), matches!(s, InstanceStatus::Active | InstanceStatus::FailedActivation));
        }
    }

    #[test]
    fn cluster_table_matches_the_spec() {
        assert!(ClusterStatus::Provisioned.can(ClusterOp::Reshape));
        assert!(!ClusterStatus::Provisionerr.can(ClusterOp::Reshape));
        assert!(ClusterStatus::Provisionerr.can(ClusterOp::Delete));
        for s in [ClusterStatus::Creating, ClusterStatus::Updating, ClusterStatus::Deleting] {
            assert!(!s.can(ClusterOp::Delete) && !s.can(ClusterOp::Reshape));
        }
    }

    #[test]
    fn faults_are_numbered_in_arming_order() {
        let f = |id: &str| Fault {
            id: id.into(),
            definition: None,
            operation: None,
            instance: None,
            operation_id: None,
            exaunit: None,
            phase: Phase::Finish,
            message: String::new(),
            remaining: 1,
        };
        assert!(f("fault-2").number() < f("fault-10").number(), "numeric, not lexicographic");
        assert_eq!(f("other").number(), u64::MAX);
    }

    #[test]
    fn item_steps_go_in_the_documented_order() {
        let mut s = ItemStatus::Ready;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            seen.push(n);
            s = n;
        }
        assert_eq!(seen, [ItemStatus::Ready, ItemStatus::Processing, ItemStatus::AsyncWait, ItemStatus::Processed]);
    }
}
