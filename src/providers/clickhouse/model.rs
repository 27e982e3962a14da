//! ClickHouse Cloud resources and the service state machine (pure data, no I/O).
//!
//! Spec §4 (resource model) and §6 (states, transitions, operation × state table).
//! Wire rendering lives in `view.rs`; behaviour in the handler modules.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;
use crate::id::Id;
use crate::sparse::{Blank, Sparse};

/// Organization (§4.1): visible fields plus the hidden simulator attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: SimInstant,
    pub private_endpoints: Vec<OrgPrivateEndpoint>,
    pub byoc_config: Vec<ByocConfig>,
    pub enable_core_dumps: bool,
    pub hidden: OrgAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgPrivateEndpoint {
    pub id: String,
    pub description: String,
    pub cloud_provider: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ByocConfig {
    pub id: String,
    /// `infra-ready`, `infra-provisioning` or `infra-terminated`.
    pub state: String,
    pub account_name: String,
    pub region_id: String,
    pub cloud_provider: String,
    pub display_name: String,
}

/// Hidden organization attributes (§4.1), settable by scenarios and `/_sim/clickhouse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrgAttributes {
    /// `BASIC`, `SCALE` or `ENTERPRISE`.
    pub tier: OrgTier,
    pub paid: bool,
    pub legacy_tiers: bool,
    pub private_preview: bool,
    pub num_replicas_adjustable: bool,
    pub query_endpoints_enabled: bool,
    /// Official: horizontal autoscaling "requires the feature to be enabled for the
    /// organization" (I: on by default, so that clients can use it).
    pub horizontal_autoscaling: bool,
    /// Official `upgradeWindowUpdate`: 403 when "the organization does not have the
    /// scheduled upgrades feature enabled" (I: on by default).
    pub scheduled_upgrades: bool,
    /// Official scaling schedules "require the scheduled autoscaling feature to be enabled
    /// for the organization" (I: on by default).
    pub scheduled_autoscaling: bool,
}

impl Default for OrgAttributes {
    fn default() -> Self {
        OrgAttributes {
            tier: OrgTier::Scale,
            paid: true,
            legacy_tiers: false,
            private_preview: false,
            num_replicas_adjustable: true,
            query_endpoints_enabled: true,
            horizontal_autoscaling: true,
            scheduled_upgrades: true,
            scheduled_autoscaling: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OrgTier {
    Basic,
    Scale,
    Enterprise,
}

/// An API key (O1 `ApiKey`). `key_id` is what Basic auth sends; `id` is the management id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub org_id: String,
    pub key_id: String,
    /// The secret as given or generated, kept only as its digest (`crate::secret`), as
    /// the real service does: no dump, journal or log holds it, and a restored dump
    /// still authenticates. `None` when the key was created from `hashData`. The
    /// plaintext is answered once, by the create call.
    pub key_secret: Option<crate::secret::Secret>,
    /// base64(SHA-256(secret)), for keys created from `hashData`.
    pub key_secret_hash: Option<String>,
    pub name: String,
    /// `enabled` or `disabled`.
    pub state: String,
    /// `admin`, `developer`, `query_endpoints`.
    pub roles: Vec<String>,
    pub created_at: SimInstant,
    pub expire_at: Option<SimInstant>,
    pub used_at: Option<SimInstant>,
    pub ip_access_list: Vec<IpAccessEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub user_id: String,
    pub org_id: String,
    pub name: String,
    pub email: String,
    /// `admin` or `developer`.
    pub role: String,
    pub joined_at: SimInstant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    /// `None`: invited with `assignedRoleIds: []`.
    pub role: Option<String>,
    /// Custom roles the invitee gets on joining.
    #[serde(default)]
    pub custom_role_ids: Vec<String>,
    pub created_at: SimInstant,
    pub expire_at: SimInstant,
}

/// An audit-log entry (O1 `Activity`). Its short texts (type, actor, address) are
/// `CompactString`s, inline up to 24 bytes: every create and transition records one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: Id,
    pub org_id: Id,
    /// Insertion order, to keep "newest first" stable within one second.
    pub seq: u64,
    pub created_at: SimInstant,
    /// O1 activity type, e.g. `service_create`.
    pub kind: CompactString,
    /// `user`, `support`, `system` or `api`.
    pub actor_type: CompactString,
    pub actor_id: CompactString,
    pub actor_details: CompactString,
    pub actor_ip_address: CompactString,
    pub service_id: Option<Id>,
    pub user_agent: Option<String>,
    pub target_key_id: Option<String>,
    pub key_update_type: Option<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAccessEntry {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `Service.state` (O1 enum, 14 values; §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Provisioning,
    Starting,
    Running,
    Idle,
    Awaking,
    PartiallyRunning,
    Degraded,
    Failed,
    Stopping,
    Stopped,
    Terminating,
    Terminated,
    Softdeleting,
    Softdeleted,
}

/// The operations whose permission depends on the state (§6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateOp {
    Read,
    Update,
    Start,
    Stop,
    Awake,
    Delete,
    /// Scaling, password, backup configuration, query endpoint upsert/delete.
    Configure,
    ClickPipeWrite,
}

/// What the state table says about an operation in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Allowed; it changes something.
    Yes,
    /// Allowed, but a no-op: answer 200 with the unchanged service.
    NoOp,
    /// Refused (409, or 424 for ClickPipes).
    No,
}

impl ServiceState {
    pub const ALL: [ServiceState; 14] = [
        ServiceState::Provisioning,
        ServiceState::Starting,
        ServiceState::Running,
        ServiceState::Idle,
        ServiceState::Awaking,
        ServiceState::PartiallyRunning,
        ServiceState::Degraded,
        ServiceState::Failed,
        ServiceState::Stopping,
        ServiceState::Stopped,
        ServiceState::Terminating,
        ServiceState::Terminated,
        ServiceState::Softdeleting,
        ServiceState::Softdeleted,
    ];

    pub fn as_str(self) -> &'static str {
        use ServiceState::*;
        match self {
            Provisioning => "provisioning",
            Starting => "starting",
            Running => "running",
            Idle => "idle",
            Awaking => "awaking",
            PartiallyRunning => "partially_running",
            Degraded => "degraded",
            Failed => "failed",
            Stopping => "stopping",
            Stopped => "stopped",
            Terminating => "terminating",
            Terminated => "terminated",
            Softdeleting => "softdeleting",
            Softdeleted => "softdeleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Deletion running or done: only reads are allowed.
    pub fn is_deleting(self) -> bool {
        use ServiceState::*;
        matches!(self, Terminating | Terminated | Softdeleting | Softdeleted)
    }

    /// Gone: invisible to every endpoint (404).
    pub fn is_removed(self) -> bool {
        matches!(self, ServiceState::Terminated | ServiceState::Softdeleted)
    }

    /// Backups are taken in these states (§8.2).
    pub fn takes_backups(self) -> bool {
        use ServiceState::*;
        matches!(self, Running | Idle | PartiallyRunning | Degraded)
    }

    /// The operation × state table of spec §6.4. Exhaustive on purpose: a new state does
    /// not compile until its row is decided. `live_delete` is knob `deleteAllowedStates=live`.
    pub fn permits(self, op: StateOp, live_delete: bool) -> Permit {
        use Permit::*;
        use ServiceState as S;
        use StateOp as O;
        let yes = |b: bool| if b { Yes } else { No };
        match op {
            O::Read => Yes,
            O::Update | O::Configure => yes(!self.is_deleting()),
            O::Start => match self {
                S::Idle | S::PartiallyRunning | S::Degraded | S::Failed | S::Stopped => Yes,
                S::Provisioning | S::Starting | S::Running | S::Awaking => NoOp,
                S::Stopping | S::Terminating | S::Terminated | S::Softdeleting | S::Softdeleted => No,
            },
            O::Stop => match self {
                S::Provisioning
                | S::Starting
                | S::Running
                | S::Idle
                | S::Awaking
                | S::PartiallyRunning
                | S::Degraded
                | S::Failed => Yes,
                S::Stopping | S::Stopped => NoOp,
                S::Terminating | S::Terminated | S::Softdeleting | S::Softdeleted => No,
            },
            O::Awake => match self {
                S::Idle => Yes,
                S::Provisioning | S::Starting | S::Running | S::Awaking | S::PartiallyRunning | S::Degraded => NoOp,
                S::Failed
                | S::Stopping
                | S::Stopped
                | S::Terminating
                | S::Terminated
                | S::Softdeleting
                | S::Softdeleted => No,
            },
            O::Delete => match self {
                S::Stopped => Yes,
                S::Provisioning | S::Starting | S::Idle | S::Awaking | S::Degraded | S::Failed => yes(live_delete),
                S::Running
                | S::PartiallyRunning
                | S::Stopping
                | S::Terminating
                | S::Terminated
                | S::Softdeleting
                | S::Softdeleted => No,
            },
            O::ClickPipeWrite => yes(self == S::Running),
        }
    }

    /// The state list of the delete refusal text (O4), per knob.
    pub fn delete_allowed_list(live_delete: bool) -> &'static str {
        if live_delete {
            "'provisioning','starting','awaking','idle','stopped','degraded','failed'"
        } else {
            "'stopped'"
        }
    }
}

/// `backupConfiguration` (§4.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupConfiguration {
    pub backup_period_in_hours: u64,
    pub backup_retention_period_in_hours: u64,
    /// `HH:MM` UTC.
    pub backup_start_time: Option<String>,
}

impl BackupConfiguration {
    /// A day's period and retention, no start time.
    pub const DEFAULT: BackupConfiguration =
        BackupConfiguration { backup_period_in_hours: 24, backup_retention_period_in_hours: 24, backup_start_time: None };
}

impl Default for BackupConfiguration {
    fn default() -> Self {
        BackupConfiguration::DEFAULT
    }
}

/// `autoscalingMode` (official `Service.autoscalingMode`): `vertical` runs a fixed replica
/// count while memory scales between the replica-memory bounds; `horizontal` scales the
/// replica count between `minReplicas` and `maxReplicas` at a fixed memory per replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoscalingMode {
    #[default]
    Vertical,
    Horizontal,
}

impl AutoscalingMode {
    pub const NAMES: &'static [&'static str] = &["vertical", "horizontal"];

    pub fn as_str(self) -> &'static str {
        match self {
            AutoscalingMode::Vertical => "vertical",
            AutoscalingMode::Horizontal => "horizontal",
        }
    }
}

/// A service's scaling schedule (official `ScalingSchedule`): entries that override the
/// base scaling while they are active. `active_entry_id` is kept by the clock
/// (`Event::ScalingScheduleTick` at every hour an entry starts or ends), so a rendering
/// never reads the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingSchedule {
    pub entries: Vec<ScalingEntry>,
    pub active_entry_id: Option<String>,
    /// Bumped on every upsert: ticks carry the generation they were scheduled for.
    pub generation: u64,
}

/// One entry (official `ScalingScheduleEntry`): on `weekdays` (0 = Sunday) from
/// `start_hour_utc` (inclusive) to `end_hour_utc` (exclusive; smaller = overnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingEntry {
    pub id: String,
    pub name: String,
    pub weekdays: Vec<u8>,
    pub start_hour_utc: u8,
    pub end_hour_utc: u8,
    pub autoscaling_mode: AutoscalingMode,
    pub min_replica_memory_gb: Option<u32>,
    pub max_replica_memory_gb: Option<u32>,
    pub min_replicas: Option<u32>,
    pub max_replicas: Option<u32>,
    pub idle_scaling: Option<bool>,
    pub idle_timeout_minutes: Option<u32>,
}

impl ScalingEntry {
    /// Whether the entry is active at `weekday` (0 = Sunday) and `hour` (UTC).
    pub fn covers(&self, weekday: u8, hour: u8) -> bool {
        let (start, end) = (self.start_hour_utc, self.end_hour_utc);
        if start < end {
            self.weekdays.contains(&weekday) && (start..end).contains(&hour)
        } else {
            // Overnight: from `start` on one of the weekdays until `end` the next day.
            let yesterday = (weekday + 6) % 7;
            (self.weekdays.contains(&weekday) && hour >= start) || (self.weekdays.contains(&yesterday) && hour < end)
        }
    }
}

/// The service query endpoint (§4.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryEndpoint {
    pub id: String,
    pub open_api_keys: Vec<String>,
    pub roles: Vec<String>,
    pub allowed_origins: Option<String>,
}

/// The attributes of a service that most services never set (encryption, BYOC, profile,
/// compliance, the backup restored from, an armed stall, the deprecated tier, private
/// endpoints, tags, a backup configuration other than the default): 320 bytes that a
/// [`Sparse`] keeps out of line, so that a service without them pays a pointer and stays
/// within 512 bytes with its memo (an allocator size class; it was 640). Flattened into
/// [`Service`] on the wire of the state dump, which therefore reads as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceExtras {
    pub encryption_key: Option<String>,
    pub encryption_assumed_role_identifier: Option<String>,
    pub byoc_id: Option<String>,
    pub transparent_data_encryption_key_id: Option<String>,
    pub encryption_role_id: Option<String>,
    pub profile: Option<String>,
    pub compliance_type: Option<String>,
    pub backup_id_restored_from: Option<String>,
    /// Fault: scheduled transitions wait until this instant.
    pub stall_until: Option<SimInstant>,
    /// The deprecated `tier` (`development`, `production`, ...); most services have none.
    pub tier: Option<String>,
    pub private_endpoint_ids: Vec<String>,
    pub tags: Vec<Tag>,
    /// The defaults (24-hour period and retention, no start time) unless changed.
    pub backup_configuration: BackupConfiguration,
}

impl Blank for ServiceExtras {
    fn blank() -> &'static Self {
        static BLANK: ServiceExtras = ServiceExtras {
            encryption_key: None,
            encryption_assumed_role_identifier: None,
            byoc_id: None,
            transparent_data_encryption_key_id: None,
            encryption_role_id: None,
            profile: None,
            compliance_type: None,
            backup_id_restored_from: None,
            stall_until: None,
            tier: None,
            private_endpoint_ids: Vec::new(),
            tags: Vec::new(),
            backup_configuration: BackupConfiguration::DEFAULT,
        };
        &BLANK
    }
}

/// A service password as its two digests (SEED-A 650–682): SHA-256, and the double SHA-1
/// that MySQL clients use (absent when a hash was set without one). Raw bytes, 53 bytes
/// inline, where the base64 and hex texts took 48 inline and two allocations; the state
/// dump still carries the texts (`passwordSha256Base64`, `doubleSha1Hex`, `""` for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PasswordDigests {
    pub sha256: [u8; 32],
    pub double_sha1: Option<[u8; 20]>,
}

impl PasswordDigests {
    /// The digests of a plaintext password.
    pub fn of(password: &str) -> Self {
        use sha1::Sha1;
        use sha2::{Digest, Sha256};
        PasswordDigests {
            sha256: Sha256::digest(password.as_bytes()).into(),
            double_sha1: Some(Sha1::digest(Sha1::digest(password.as_bytes())).into()),
        }
    }

    /// Padded standard base64 of the SHA-256.
    pub fn sha256_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.sha256)
    }

    /// Lowercase hex of the double SHA-1 (`""` when there is none).
    pub fn double_sha1_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let Some(d) = self.double_sha1 else { return String::new() };
        d.iter().flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char]).collect()
    }
}

/// The texts the state dump holds.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordTexts {
    password_sha256_base64: String,
    double_sha1_hex: String,
}

impl Serialize for PasswordDigests {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PasswordTexts { password_sha256_base64: self.sha256_base64(), double_sha1_hex: self.double_sha1_hex() }
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for PasswordDigests {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        use serde::de::Error;
        let t = PasswordTexts::deserialize(d)?;
        let sha256 = base64::engine::general_purpose::STANDARD
            .decode(&t.password_sha256_base64)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| D::Error::custom("passwordSha256Base64: not base64 of 32 bytes"))?;
        let double_sha1 = match t.double_sha1_hex.as_str() {
            "" => None,
            hex => Some(hex_20(hex).ok_or_else(|| D::Error::custom("doubleSha1Hex: not 40 hex digits"))?),
        };
        Ok(PasswordDigests { sha256, double_sha1 })
    }
}

/// 40 hex digits (either case) as 20 bytes.
pub fn hex_20(hex: &str) -> Option<[u8; 20]> {
    let b = hex.as_bytes();
    if b.len() != 40 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 20];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// A service (§4.2), with its hidden attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: Id,
    pub org_id: Id,
    pub name: String,
    /// `aws`, `gcp` or `azure`.
    pub provider: CompactString,
    pub region: CompactString,
    pub state: ServiceState,
    /// Bumped on every state change; scheduled events carry the generation they expect.
    pub generation: u64,
    pub clickhouse_version: CompactString,
    /// `<sub>` of the endpoint host names.
    pub subdomain: CompactString,
    pub mysql_enabled: bool,
    pub min_replica_memory_gb: u32,
    pub max_replica_memory_gb: u32,
    /// The fixed replica count (vertical); in horizontal mode `min_replicas`.
    pub num_replicas: u32,
    #[serde(default)]
    pub autoscaling_mode: AutoscalingMode,
    /// The horizontal band (official `minReplicas`/`maxReplicas`); both equal
    /// `num_replicas` in vertical mode.
    #[serde(default)]
    pub min_replicas: u32,
    #[serde(default)]
    pub max_replicas: u32,
    #[serde(default)]
    pub scaling_schedule: Option<Box<ScalingSchedule>>,
    pub idle_scaling: bool,
    pub idle_timeout_minutes: u32,
    pub ip_access_list: Vec<IpAccessEntry>,
    pub created_at: SimInstant,
    pub data_warehouse_id: Id,
    pub is_primary: bool,
    pub is_readonly: bool,
    pub release_channel: CompactString,
    pub has_transparent_data_encryption: bool,
    pub enable_core_dumps: bool,
    // Hidden (never on the wire).
    /// The password's digests (the state dump's `passwordSha256Base64` and `doubleSha1Hex`).
    #[serde(flatten)]
    pub password: PasswordDigests,
    /// Boxed: most services have none (96 bytes inline on every service otherwise).
    pub query_endpoint: Option<Box<QueryEndpoint>>,
    /// Attributes most services never set, out of line (see [`ServiceExtras`]).
    #[serde(flatten)]
    pub extras: Sparse<ServiceExtras>,
    /// Set on create, on every transition into `running`, and by the activity hook.
    pub last_activity_at: SimInstant,
    /// When the service last reached `running` from a non-running state (backup anchor).
    pub running_since: Option<SimInstant>,
    /// 17 hex digits of the private endpoint service name (stable per service).
    pub endpoint_service_suffix: CompactString,
    /// Fault hook: the next backup ends in `error`.
    pub fail_next_backup: bool,
    /// Number of backups taken so far (for full/incremental and sizes).
    pub backups_taken: u64,
    /// Generation of the backup chain; `BackupDue` events carry it, so a reconfiguration
    /// (which bumps it) cancels the old chain (§8.2).
    #[serde(default)]
    pub backup_schedule: u64,
    /// When the live backup chain's next backup is due; `None` while no chain runs.
    #[serde(default)]
    pub next_backup_at: Option<SimInstant>,
    /// Fault: the next scheduled transition ends in `failed`.
    #[serde(default)]
    pub fail_next_transition: bool,
}

/// The scaling in effect now (official `CurrentScaling`): the base configuration, or the
/// active scaling-schedule entry's values where it sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective<'a> {
    pub mode: AutoscalingMode,
    pub min_replica_memory_gb: u32,
    pub max_replica_memory_gb: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub idle_scaling: bool,
    pub idle_timeout_minutes: u32,
    pub active_entry_id: Option<&'a str>,
}

impl Service {
    /// The scaling in effect: the active schedule entry over the base configuration.
    pub fn effective(&self) -> Effective<'_> {
        let mut e = Effective {
            mode: self.autoscaling_mode,
            min_replica_memory_gb: self.min_replica_memory_gb,
            max_replica_memory_gb: self.max_replica_memory_gb,
            min_replicas: self.min_replicas.max(1),
            max_replicas: self.max_replicas.max(1),
            idle_scaling: self.idle_scaling,
            idle_timeout_minutes: self.idle_timeout_minutes,
            active_entry_id: None,
        };
        if self.autoscaling_mode == AutoscalingMode::Vertical {
            (e.min_replicas, e.max_replicas) = (self.num_replicas, self.num_replicas);
        }
        let schedule = self.scaling_schedule.as_deref();
        let active = schedule.and_then(|s| {
            let id = s.active_entry_id.as_deref()?;
            s.entries.iter().find(|x| x.id == id)
        });
        if let Some(entry) = active {
            e.mode = entry.autoscaling_mode;
            e.min_replica_memory_gb = entry.min_replica_memory_gb.unwrap_or(e.min_replica_memory_gb);
            e.max_replica_memory_gb = entry.max_replica_memory_gb.unwrap_or(e.max_replica_memory_gb);
            e.min_replicas = entry.min_replicas.unwrap_or(e.min_replicas);
            e.max_replicas = entry.max_replicas.unwrap_or(e.max_replicas);
            e.idle_scaling = entry.idle_scaling.unwrap_or(e.idle_scaling);
            e.idle_timeout_minutes = entry.idle_timeout_minutes.unwrap_or(e.idle_timeout_minutes);
            e.active_entry_id = Some(&entry.id);
        }
        e
    }

    /// Total memory of "three workers" (§4.2: ×3).
    pub fn min_total_memory_gb(&self) -> u32 {
        self.min_replica_memory_gb * 3
    }

    pub fn max_total_memory_gb(&self) -> u32 {
        self.max_replica_memory_gb * 3
    }

    pub fn is_development(&self) -> bool {
        self.extras.tier.as_deref() == Some("development")
    }

    /// Moves to `to` and bumps the generation (so stale scheduled events no-op).
    pub fn set_state(&mut self, to: ServiceState) {
        self.state = to;
        self.generation += 1;
    }
}

/// Data warehouse (§4.7, hidden).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    pub id: Id,
    pub org_id: Id,
    pub primary_service_id: Id,
    pub provider: CompactString,
    pub region: CompactString,
    pub tier: Option<String>,
}

/// `Backup.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupStatus {
    Done,
    Error,
    InProgress,
}

impl BackupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupStatus::Done => "done",
            BackupStatus::Error => "error",
            BackupStatus::InProgress => "in_progress",
        }
    }
}

/// A backup (§4.4). Backups belong to the warehouse's primary service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub data_warehouse_id: String,
    /// Provider, region and tier of the source service (CH-R29).
    pub provider: CompactString,
    pub region: CompactString,
    pub tier: Option<String>,
    pub status: BackupStatus,
    pub started_at: SimInstant,
    pub finished_at: Option<SimInstant>,
    pub size_in_bytes: u64,
    /// `full` or `incremental`.
    pub kind: String,
}

/// A ClickPipe (§9.7): opaque source/destination, a small state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickPipe {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub name: String,
    pub description: String,
    /// `Provisioning`, `Running`, `Stopping`, `Stopped`, `Resync`, `Failed`.
    pub state: String,
    pub generation: u64,
    pub replicas: u32,
    pub source: serde_json::Value,
    pub destination: serde_json::Value,
    pub field_mappings: serde_json::Value,
    pub created_at: SimInstant,
    pub updated_at: SimInstant,
}

/// A reverse private endpoint (§9.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReversePrivateEndpoint {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub description: String,
    /// `VPC_ENDPOINT_SERVICE`, `VPC_RESOURCE` or `MSK_MULTI_VPC`.
    pub kind: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub endpoint_id: String,
    /// `Provisioning`, `Ready`, `Deleting`.
    pub status: String,
    pub generation: u64,
}

/// Scheduled ClickHouse events. Each carries what it expects to find (generation), so a
/// change that got there first makes it a no-op.
///
/// The events every service has pending (settles, idle checks, backup slots) name it by
/// [`Id`]s (no allocation); the rarer ones keep `String`s, so that none is larger than
/// an idle check and the enum stays at 104 bytes (an advance over many services holds
/// two events per service at its peak).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A service transition `from → to` (provisioning → running, stopping → stopped, ...).
    #[serde(rename_all = "camelCase")]
    ServiceSettle { org: Id, service: Id, generation: u64, from: ServiceState, to: ServiceState },
    /// `running → idle` if there was no activity since `since`.
    #[serde(rename_all = "camelCase")]
    IdleCheck { org: Id, service: Id, generation: u64, since: SimInstant },
    /// Terminating/softdeleting services disappear.
    #[serde(rename_all = "camelCase")]
    ServiceRemove { org: Id, service: Id, generation: u64 },
    /// A scheduled backup of a primary service is due.
    #[serde(rename_all = "camelCase")]
    BackupDue { org: Id, service: Id, schedule: u64 },
    /// An in-progress backup finishes.
    #[serde(rename_all = "camelCase")]
    BackupFinish { org: String, backup: String },
    /// A done backup reaches the end of its retention.
    #[serde(rename_all = "camelCase")]
    BackupExpire { org: String, backup: String },
    /// An hour at which a scaling-schedule entry starts or ends: re-evaluate the active
    /// entry (guarded by the schedule's generation).
    #[serde(rename_all = "camelCase")]
    ScalingScheduleTick { org: Id, service: Id, generation: u64 },
    /// A BYOC infrastructure is ready (`infra-provisioning → infra-ready`).
    #[serde(rename_all = "camelCase")]
    ByocSettle { org: String, byoc: String },
    /// A UDF version's build ends (`building → ready`).
    #[serde(rename_all = "camelCase")]
    UdfBuildFinish { org: String, function: String, version: u32 },
    /// A UDF attachment settles (`provisioning → deployed`, `deprovisioning → removed`).
    #[serde(rename_all = "camelCase")]
    UdfAttachmentSettle { org: String, function: String, service: String, generation: u64 },
    /// A ClickPipe transition.
    #[serde(rename_all = "camelCase")]
    ClickPipeSettle { org: String, pipe: String, generation: u64, to: String },
    /// A reverse private endpoint transition (`Ready`, or removal after `Deleting`).
    #[serde(rename_all = "camelCase")]
    ReversePrivateEndpointSettle { org: String, endpoint: String, generation: u64, to: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored service is the service and a 16-byte memo: within 512 bytes it takes
    /// the allocator's 512-byte class (the next is 640), a fifth of an idle service.
    #[test]
    fn a_service_stays_within_its_allocator_class() {
        assert!(std::mem::size_of::<Service>() <= 512 - 16, "{} bytes", std::mem::size_of::<Service>());
        assert!(std::mem::size_of::<Event>() <= 104, "{} bytes", std::mem::size_of::<Event>());
    }

    #[test]
    fn state_names_round_trip() {
        for s in ServiceState::ALL {
            assert_eq!(ServiceState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
    }

    #[test]
    fn delete_follows_the_knob() {
        assert_eq!(ServiceState::Stopped.permits(StateOp::Delete, false), Permit::Yes);
        assert_eq!(ServiceState::Idle.permits(StateOp::Delete, false), Permit::No);
        assert_eq!(ServiceState::Idle.permits(StateOp::Delete, true), Permit::Yes);
        assert_eq!(ServiceState::Running.permits(StateOp::Delete, true), Permit::No);
    }

    #[test]
    fn awake_does_not_start_a_stopped_service() {
        assert_eq!(ServiceState::Stopped.permits(StateOp::Awake, false), Permit::No);
        assert_eq!(ServiceState::Idle.permits(StateOp::Awake, false), Permit::Yes);
        assert_eq!(ServiceState::Running.permits(StateOp::Awake, false), Permit::NoOp);
    }
}

/// What the armed faults of a service do to its next transition (clearing them as they
/// take effect).
pub fn adjust_transition(svc: &mut Service, now: SimInstant) -> Adjusted {
    if let Some(until) = svc.extras.stall_until {
        if now < until {
            return Adjusted::Hold(until);
        }
        svc.extras.stall_until = None;
        svc.extras.tidy();
    }
    if svc.fail_next_transition {
        svc.fail_next_transition = false;
        return Adjusted::Fail;
    }
    Adjusted::Proceed
}

/// What a fault does to a due transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjusted {
    Proceed,
    /// End in `failed` instead.
    Fail,
    /// Not yet: try again at this instant.
    Hold(SimInstant),
}

// ---------------------------------------------------------------------------------------
// The rest of the official API (roles, service configuration, BYOC, UDFs). Authority: the
// official OpenAPI document (ClickHouse/clickhousectl,
// `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`); the seeds do not cover them.
// ---------------------------------------------------------------------------------------

/// A custom RBAC role (official `RBACRole`, `type: custom`); the system roles are fixed
/// (`validate::org::SYSTEM_ROLES`) and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// `user/<uuid>` and `apiKey/<uuid>` resource ids.
    pub actors: Vec<String>,
    pub policies: Vec<Policy>,
    pub created_at: SimInstant,
    pub updated_at: SimInstant,
}

/// One policy of a role (official `RBACPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    /// `ALLOW` or `DENY`.
    pub allow_deny: String,
    pub permissions: Vec<String>,
    pub resources: Vec<String>,
    pub grants: Option<Vec<String>>,
    /// `sql-console-readonly` or `sql-console-admin`.
    pub role_v2: Option<String>,
}

/// A service's upgrade window (official `UpgradeWindow`; 6 hours from `start_hour_utc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeWindow {
    pub org_id: String,
    pub service_id: String,
    /// 0 = Sunday.
    pub weekday: u8,
    /// 0, 6, 12 or 18.
    pub start_hour_utc: u8,
}

/// The explicitly configured ClickHouse settings of a service, as strings (official
/// `ServiceClickhouseSetting.value`: "returned as a string for all setting types").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickhouseSettings {
    pub org_id: String,
    pub service_id: String,
    pub settings: std::collections::BTreeMap<String, String>,
}

/// A service's external backup bucket (official `BackupBucket`, one of AWS, GCP, AZURE).
/// Secrets (`secretAccessKey`, `connectionString`) are write-only: kept as SHA-256 hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupBucket {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    /// `AWS`, `GCP` or `AZURE`.
    pub bucket_provider: String,
    pub bucket_path: Option<String>,
    pub iam_role_arn: Option<String>,
    pub iam_role_session_name: Option<String>,
    pub access_key_id: Option<String>,
    pub container_name: Option<String>,
    pub secret_hash: Option<String>,
}

/// Scaling of a service's database ClickPipes (official `ClickPipesCdcScaling`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdcScaling {
    pub org_id: String,
    pub service_id: String,
    pub replica_cpu_millicores: u32,
    pub replica_memory_gb: u32,
}

/// The advanced settings of a ClickPipe (official `ClickPipeSettings`): only those set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickPipeSettings {
    pub org_id: String,
    pub pipe_id: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// A user-defined function and its versions (official `Udf`); `versions` oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Udf {
    pub org_id: String,
    pub function_name: String,
    pub versions: Vec<UdfVersion>,
    /// The next version number (versions are never reused after a delete).
    pub next_version: u32,
}

/// One version of a UDF: its build state and configuration (official `Udf` fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UdfVersion {
    pub version: u32,
    /// `building`, `ready` or `error`.
    pub status: String,
    /// `python3.11` or `native`.
    pub runtime: String,
    /// `executable` or `executable_pool`.
    pub kind: String,
    /// `{name, type}` objects.
    pub arguments: Vec<serde_json::Value>,
    pub return_type: String,
    pub return_name: Option<String>,
    pub pool_size: Option<u32>,
    pub command_read_timeout: u64,
    pub command_write_timeout: u64,
    pub max_command_execution_time: Option<u64>,
    pub send_chunk_header: bool,
    pub format: String,
    pub sandbox_type: String,
    pub sandbox_version: String,
    pub created_at: SimInstant,
    pub updated_at: SimInstant,
}

/// A presigned upload (official `UdfUploadSession`): usable for one create or version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UdfUpload {
    pub id: String,
    pub org_id: String,
    pub created_at: SimInstant,
    pub used: bool,
}

/// A UDF attached to a service (official `UdfAttachment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UdfAttachment {
    pub org_id: String,
    pub function_name: String,
    pub service_id: String,
    pub version: u32,
    /// `provisioning`, `deployed`, `deprovisioning`, `error` or `standby`.
    pub status: String,
    pub generation: u64,
}

impl UdfAttachment {
    /// The table key of an attachment: one per function and service.
    pub fn key(function: &str, service: &str) -> String {
        format!("{function}/{service}")
    }
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn password_digests_keep_the_dump_texts_and_read_them_back() {
        let d = PasswordDigests::of("pw");
        let v = serde_json::to_value(d).unwrap();
        // echo -n pw | sha256sum | xxd -r -p | base64; and sha1(sha1("pw")).
        assert_eq!(v["passwordSha256Base64"], "MMlS+rEiw/l1nwKm2Vw3WLJGtP7iOZV7LU/uRuJhcMQ=");
        assert_eq!(v["doubleSha1Hex"].as_str().map(str::len), Some(40));
        assert_eq!(serde_json::from_value::<PasswordDigests>(v).unwrap(), d);
        let none = PasswordDigests { double_sha1: None, ..d };
        let v = serde_json::to_value(none).unwrap();
        assert_eq!(v["doubleSha1Hex"], "");
        assert_eq!(serde_json::from_value::<PasswordDigests>(v).unwrap(), none);
        let bad = serde_json::json!({"passwordSha256Base64": "AAAA", "doubleSha1Hex": ""});
        assert!(serde_json::from_value::<PasswordDigests>(bad).is_err(), "not 32 bytes");
        assert_eq!(hex_20(&"Ab".repeat(20)), Some([0xab; 20]));
        assert_eq!(hex_20("zz"), None);
    }
}
