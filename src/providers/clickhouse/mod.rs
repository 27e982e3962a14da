//! ClickHouse Cloud API v1 (`/v1/organizations/...`): organizations, services, backups,
//! keys, members, invitations, activities, usage cost, ClickPipes, Prometheus.
//!
//! Owns every ClickHouse resource, the 14-state service machine, the `{status, requestId,
//! result}` envelope and the `{status, error, requestId}` error envelope.
//! May touch: `crate::store` (its own tables), `crate::providers::Cx` (clock reading,
//! seeded ids, schedule), `crate::http`, `crate::validation`, `crate::config`.
//! Must not touch: other providers, `admin`, `server`.
//! Authority: seeds `000_81462f630751b7e0.txt` (SEED-A) and `002_2c43c0047f710082.txt`
//! (SEED-B); extract `spec/clickhouse-cloud.md`.
//!
//! # Request flow (spec §5)
//! auth (A1–A4, `auth.rs`) → path-id format (CH-R49) → organization scoping (A6) → role
//! (A5: system roles, then custom roles' policies, `access.rs`) → rate limit → the
//! family's handler: lookup → body validation (`validate.rs`) → state check
//! (`ServiceState::permits`) → effect → envelope (`view.rs`).

pub mod access;
pub mod activities;
pub mod activity_log;
pub mod auth;
pub mod backup_bucket;
pub mod backups;
pub mod billing;
pub mod byoc;
pub mod byoc_checks;
pub mod byoc_reads;
pub mod ch_settings;
pub mod chaos;
pub mod clickpipe_sources;
pub mod clickpipes;
pub mod clickpipes_config;
pub mod clickpipes_context;
pub mod cursor_pages;
pub mod error;
pub mod hooks;
pub mod keys;
pub mod members;
pub mod model;
pub mod notifications;
pub mod openapi;
pub mod org;
pub mod prometheus;
pub mod prometheus_discovery;
pub mod query_api_endpoints;
pub mod query_endpoint;
pub mod quotas;
pub mod replica_routing;
pub mod roles;
pub mod routes;
pub mod saved_queries;
pub mod scaling;
pub mod service_profiles;
pub mod services;
pub mod settings;
pub mod snapshots;
pub mod udfs;
pub mod upgrade_window;
pub mod usage;
pub mod validate;
pub mod view;

use std::sync::Arc;

use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::clock::SimInstant;
use crate::config::{KnobSet, Knobs};
use crate::dump::StateOut;
use crate::http::{ProviderError, Reply, Request, PROMETHEUS_TEXT};
use crate::faults::{Classified, ResourceFault};
use crate::providers::{Cx, Handled, Provider, ResourceCount, Scheduled, Transition};
use crate::store::Table;

pub use error::ChError;
pub use model::Event;
use model::*;
use routes::Op;
pub use settings::Settings;

pub const NAME: &str = "clickhouse";

/// The default organization (DESIGN.md contract).
pub const DEFAULT_ORG_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const DEFAULT_ORG_NAME: &str = "sim-org";
pub const DEFAULT_KEY_ID: &str = "sim-key";
pub const DEFAULT_KEY_SECRET: &str = "sim-secret";
pub const DEFAULT_KEY_MGMT_ID: &str = "00000000-0000-4000-8000-0000000000a1";
pub const DEFAULT_MEMBER_ID: &str = "00000000-0000-4000-8000-0000000000b1";

/// Every ClickHouse table. Keys are `(organization id, resource id)`.
pub struct ClickHouse {
    knobs: Knobs<Settings>,
    /// Shared (`Arc`) so that every request's `Call` takes its organization and key
    /// without copying them; writers copy on write (`Arc::make_mut`).
    pub orgs: Table<Arc<Organization>>,
    pub keys: Table<Arc<ApiKey>>,
    /// Basic-auth key id → `(organization id, management id)`; tenant `""`.
    pub key_index: Table<(String, String)>,
    pub members: Table<Member>,
    pub invitations: Table<Invitation>,
    /// The audit log: per organization, its newest `activities.max` entries.
    pub activities: activity_log::ActivityLog,
    pub services: Table<Service>,
    pub warehouses: Table<Warehouse>,
    pub backups: Table<Backup>,
    pub clickpipes: Table<ClickPipe>,
    pub reverse_endpoints: Table<ReversePrivateEndpoint>,
    pub roles: Table<Role>,
    /// Keyed `(organization, service id)`.
    pub upgrade_windows: Table<UpgradeWindow>,
    /// Keyed `(organization, service id)`.
    pub clickhouse_settings: Table<ClickhouseSettings>,
    /// Keyed `(organization, service id)`.
    pub backup_buckets: Table<BackupBucket>,
    /// Keyed `(organization, service id)`.
    pub cdc_scaling: Table<CdcScaling>,
    /// Keyed `(organization, pipe id)`.
    pub clickpipe_settings: Table<ClickPipeSettings>,
    /// Keyed `(organization, function name)`.
    pub udfs: Table<Udf>,
    pub udf_uploads: Table<UdfUpload>,
    /// Keyed `(organization, "<function>/<service id>")`.
    pub udf_attachments: Table<UdfAttachment>,
    /// Keyed `(organization, "<service id>/<query id>")`.
    pub saved_queries: Table<saved_queries::SavedQuery>,
    /// Keyed `(organization, "<service id>/<endpoint id>")`.
    pub query_api_endpoints: Table<query_api_endpoints::QueryApiEndpoint>,
    /// Keyed `(organization, balance id)`.
    pub credit_balances: Table<billing::CreditBalance>,
    /// Keyed `(organization, notification id)`.
    pub notifications: Table<notifications::Notification>,
    /// Keyed `(organization, service id)`.
    pub replica_routing: Table<replica_routing::ReplicaRouting>,
    /// Keyed `(organization, service id)`.
    pub snapshot_configs: Table<snapshots::SnapshotConfig>,
    /// Per key id: request times of the current rate-limit window; tenant `""`.
    pub rate: Table<Vec<SimInstant>>,
}

/// One authenticated call: what every handler gets.
pub struct Call<'a> {
    pub req: &'a Request,
    pub cx: &'a Cx<'a>,
    pub org: Arc<Organization>,
    /// `orgs.version()` read before `org` was: the memo tag of renderings that read it.
    pub org_version: u64,
    pub key: Arc<ApiKey>,
    pub settings: Arc<Settings>,
    /// The answer's `requestId` (and `X-Request-Id`).
    pub request_id: &'a str,
    /// What the key's roles let the call see (lists of services filter by it).
    pub access: access::Access,
}

impl Call<'_> {
    /// A 200 answer with `result` written straight into its envelope.
    pub fn result(&self, result: &impl view::WriteJson) -> Out {
        Out::Written(envelope(self.request_id, result))
    }
}

/// A handler's success.
pub enum Out {
    /// 200 `{status, requestId, result}`.
    Result(Value),
    /// 200 `{status, requestId, result}`, already written whole ([`Call::result`]).
    Written(Vec<u8>),
    /// 200 `{status, requestId, result: [...], pagination}`: a page of a paginated list.
    Paged(Value, Value),
    /// 201 `{status: 201, requestId, result}` (the operations the official document
    /// declares 201 for: UDF creates and upload sessions).
    Created(Value),
    /// 200 `{status, requestId, result: [...], limit, totalCount, nextCursor?}`: a cursor
    /// page (`cursor_pages.rs`).
    Cursor(cursor_pages::Page<Value>),
    /// 200 `{status, requestId}` (DELETE operations).
    Empty,
    /// 200 Prometheus text.
    Prometheus(String),
    /// 200 with this JSON as the whole body, no envelope (Prometheus HTTP service
    /// discovery, `prometheus_discovery.rs`).
    Bare(Value),
}

pub type Res = Result<Out, ChError>;

impl ClickHouse {
    pub fn settings(&self) -> Arc<Settings> {
        self.knobs.get()
    }

    /// The default organization, key and member (spec §8.1).
    fn seed_defaults(&self, cx: &Cx) {
        self.add_org(
            cx,
            Organization {
                id: DEFAULT_ORG_ID.into(),
                name: DEFAULT_ORG_NAME.into(),
                created_at: SimInstant::ZERO,
                private_endpoints: Vec::new(),
                byoc_config: Vec::new(),
                enable_core_dumps: true,
                hidden: OrgAttributes::default(),
            },
        );
        self.add_key(ApiKey {
            id: DEFAULT_KEY_MGMT_ID.into(),
            org_id: DEFAULT_ORG_ID.into(),
            key_id: DEFAULT_KEY_ID.into(),
            key_secret: Some(crate::secret::Secret::new(DEFAULT_KEY_SECRET)),
            key_secret_hash: None,
            name: "sim-key".into(),
            state: "enabled".into(),
            roles: vec!["admin".into()],
            created_at: SimInstant::ZERO,
            expire_at: None,
            used_at: None,
            ip_access_list: Vec::new(),
        });
        self.members.insert(
            DEFAULT_ORG_ID,
            DEFAULT_MEMBER_ID,
            Member {
                user_id: DEFAULT_MEMBER_ID.into(),
                org_id: DEFAULT_ORG_ID.into(),
                name: "Sim Admin".into(),
                email: "admin@sim.local".into(),
                role: "admin".into(),
                joined_at: SimInstant::ZERO,
            },
        );
    }

    /// Adds an organization and its `create_organization` activity.
    pub fn add_org(&self, cx: &Cx, org: Organization) {
        let id = org.id.clone();
        self.orgs.insert(&id, &id, Arc::new(org));
        activities::record_system(self, cx, &id, "create_organization", None);
    }

    /// Adds a key and indexes its key id for Basic auth.
    pub fn add_key(&self, key: ApiKey) {
        self.key_index.insert("", &key.key_id, (key.org_id.clone(), key.id.clone()));
        self.keys.insert_keyed((key.org_id.clone(), key.id.clone()), Arc::new(key));
    }

    /// Auth, path ids, scoping, role, rate limit; then the family's handler.
    fn authorized(&self, req: &Request, cx: &Cx, settings: Arc<Settings>, r: routes::Routed, request_id: &str) -> Res {
        let key = auth::authenticate(self, req, cx)?;
        for (param, value) in r.op.uuid_params() {
            validate::path_uuid(param, value)?;
        }
        let org_id: &str = r.org.as_deref().unwrap_or(&key.org_id);
        if org_id != key.org_id {
            validate::path_uuid("organizationId", org_id)?;
            return Err(auth::foreign_org(&settings, org_id));
        }
        let org_version = self.orgs.version();
        let org = self.orgs.get(org_id, org_id).ok_or_else(|| ChError::not_found("Organization", org_id))?;
        let access = auth::check_role(self, &key, &r.op, req, &settings)?;
        if settings.rate_limit {
            auth::rate_limit(self, &key, cx.now)?;
        }
        auth::touch(self, &key, cx);
        let call = Call { req, cx, org, org_version, key, settings, request_id, access };
        self.dispatch(&call, &r.op)
    }

    fn dispatch(&self, call: &Call, op: &Op) -> Res {
        use Op::*;
        match op {
            ListOrganizations
            | GetOrganization
            | UpdateOrganization
            | OrganizationPrivateEndpointConfig
            | OrganizationPrivateEndpointInfo { .. }
            | Whoami => org::handle(self, call, op),
            ListQuotas | GetQuota { .. } => quotas::handle(self, call, op),
            CreateByoc | UpdateByoc { .. } | DeleteByoc { .. } => byoc::handle(self, call, op),
            ListRoles | CreateRole | GetRole { .. } | UpdateRole { .. } | DeleteRole { .. } => {
                roles::handle(self, call, op)
            }
            GetScalingSchedule { .. } | UpsertScalingSchedule { .. } | DeleteScalingSchedule { .. } => {
                scaling::handle(self, call, op)
            }
            GetUpgradeWindow { .. } | UpdateUpgradeWindow { .. } | DeleteUpgradeWindow { .. } => {
                upgrade_window::handle(self, call, op)
            }
            ListClickhouseSettings { .. }
            | UpdateClickhouseSettings { .. }
            | GetClickhouseSettingsSchema { .. }
            | GetClickhouseSetting { .. }
            | DeleteClickhouseSetting { .. } => ch_settings::handle(self, call, op),
            GetBackupBucket { .. } | CreateBackupBucket { .. } | UpdateBackupBucket { .. } | DeleteBackupBucket { .. } => {
                backup_bucket::handle(self, call, op)
            }
            GetClickPipeSettings { .. }
            | UpdateClickPipeSettings { .. }
            | DiscoverClickPipeSchema { .. }
            | GetCdcScaling { .. }
            | UpdateCdcScaling { .. } => clickpipes_config::handle(self, call, op),
            ListUdfs
            | CreateUdf
            | GetUdf { .. }
            | DeleteUdf { .. }
            | CreateUdfUploadSession
            | ListUdfVersions { .. }
            | CreateUdfVersion { .. }
            | DeleteUdfVersion { .. }
            | ListUdfAttachments { .. }
            | GetUdfAttachment { .. }
            | AttachUdf { .. }
            | DetachUdf { .. } => udfs::handle(self, call, op),
            OrganizationPrometheus | ServicePrometheus { .. } => prometheus::handle(self, call, op),
            ListServices
            | CreateService
            | GetService { .. }
            | UpdateService { .. }
            | DeleteService { .. }
            | GetPrivateEndpointConfig { .. }
            | UpdateState { .. }
            | UpdateScaling { .. }
            | UpdateReplicaScaling { .. }
            | UpdatePassword { .. }
            | CreatePrivateEndpoint { .. } => services::handle(self, call, op),
            GetQueryEndpoint { .. } | DeleteQueryEndpoint { .. } | UpsertQueryEndpoint { .. } => {
                query_endpoint::handle(self, call, op)
            }
            ListSavedQueries { .. }
            | CreateSavedQuery { .. }
            | GetSavedQuery { .. }
            | UpdateSavedQuery { .. }
            | DeleteSavedQuery { .. } => saved_queries::handle(self, call, op),
            ListQueryApiEndpoints { .. }
            | CreateQueryApiEndpoint { .. }
            | GetQueryApiEndpoint { .. }
            | UpdateQueryApiEndpoint { .. }
            | DeleteQueryApiEndpoint { .. } => query_api_endpoints::handle(self, call, op),
            ListBackups { .. }
            | GetBackup { .. }
            | GetBackupConfiguration { .. }
            | UpdateBackupConfiguration { .. } => backups::handle(self, call, op),
            ListKeys | CreateKey | GetKey { .. } | UpdateKey { .. } | DeleteKey { .. } => keys::handle(self, call, op),
            ListMembers
            | GetMember { .. }
            | UpdateMember { .. }
            | DeleteMember { .. }
            | ListInvitations
            | CreateInvitation
            | GetInvitation { .. }
            | DeleteInvitation { .. } => members::handle(self, call, op),
            ListActivities | GetActivity { .. } => activities::handle(self, call, op),
            UsageCost => usage::handle(self, call, op),
            CreditBalances => billing::handle(self, call, op),
            GetReplicaAwareRouting { .. } | UpdateReplicaAwareRouting { .. } => replica_routing::handle(self, call, op),
            GetClickPipesContext { .. } => clickpipes_context::handle(self, call, op),
            GetSnapshotConfiguration { .. }
            | UpdateSnapshotConfiguration { .. }
            | ListSnapshots { .. }
            | GetSnapshot { .. } => snapshots::handle(self, call, op),
            ListNotifications | ListNotificationTypes => notifications::handle(self, call, op),
            ListServiceProfiles => service_profiles::handle(self, call, op),
            GetByoc { .. } | GetByocPrivateEndpointConfig { .. } | GetByocTags { .. } => byoc_reads::handle(self, call, op),
            GetByocProgress { .. } | ValidateByoc => byoc_checks::handle(self, call, op),
            OrganizationPrometheusDiscovery => prometheus_discovery::handle(self, call, op),
            ListClickPipes { .. }
            | CreateClickPipe { .. }
            | GetClickPipe { .. }
            | UpdateClickPipe { .. }
            | DeleteClickPipe { .. }
            | UpdateClickPipeScaling { .. }
            | UpdateClickPipeState { .. }
            | ListReversePrivateEndpoints { .. }
            | CreateReversePrivateEndpoint { .. }
            | GetReversePrivateEndpoint { .. }
            | UpdateReversePrivateEndpoint { .. }
            | DeleteReversePrivateEndpoint { .. } => clickpipes::handle(self, call, op),
        }
    }

    /// A visible (not removed) service of the call's organization, or 404.
    pub fn service(&self, org: &str, id: &str) -> Result<Service, ChError> {
        self.services.get(org, id).filter(|s| !s.state.is_removed()).ok_or_else(|| ChError::not_found("Service", id))
    }

}

impl Provider for ClickHouse {
    fn new(cx: &Cx) -> Self {
        let ch = ClickHouse {
            knobs: Knobs::new(NAME, settings::KNOBS),
            orgs: Table::default(),
            keys: Table::default(),
            key_index: Table::default(),
            members: Table::default(),
            invitations: Table::default(),
            activities: activity_log::ActivityLog::default(),
            services: Table::default(),
            warehouses: Table::default(),
            backups: Table::default(),
            clickpipes: Table::default(),
            reverse_endpoints: Table::default(),
            roles: Table::default(),
            upgrade_windows: Table::default(),
            clickhouse_settings: Table::default(),
            backup_buckets: Table::default(),
            cdc_scaling: Table::default(),
            clickpipe_settings: Table::default(),
            udfs: Table::default(),
            udf_uploads: Table::default(),
            udf_attachments: Table::default(),
            saved_queries: Table::default(),
            query_api_endpoints: Table::default(),
            credit_balances: Table::default(),
            notifications: Table::default(),
            replica_routing: Table::default(),
            snapshot_configs: Table::default(),
            rate: Table::default(),
        };
        ch.seed_defaults(cx);
        ch
    }

    fn knobs(&self) -> &dyn KnobSet {
        &self.knobs
    }

    fn reset(&self, cx: &Cx) {
        self.orgs.clear();
        self.keys.clear();
        self.key_index.clear();
        self.members.clear();
        self.invitations.clear();
        self.activities.clear();
        self.services.clear();
        self.warehouses.clear();
        self.backups.clear();
        self.clickpipes.clear();
        self.reverse_endpoints.clear();
        self.roles.clear();
        self.upgrade_windows.clear();
        self.clickhouse_settings.clear();
        self.backup_buckets.clear();
        self.cdc_scaling.clear();
        self.clickpipe_settings.clear();
        self.udfs.clear();
        self.udf_uploads.clear();
        self.udf_attachments.clear();
        self.saved_queries.clear();
        self.query_api_endpoints.clear();
        self.credit_balances.clear();
        self.notifications.clear();
        self.replica_routing.clear();
        self.snapshot_configs.clear();
        self.rate.clear();
        self.seed_defaults(cx);
    }

    /// Answers one request under `/v1`.
    fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Handled {
        let request_id = cx.ids.uuid_id();
        let settings = self.settings();
        let routed = routes::route(&req.method, &segs[1..], settings.rc_aliases);
        let (operation, result, tenant) = match routed {
            None => ("unknownRoute", Err(ChError::NotFound("Route not found".into())), None),
            Some(Err(m)) => ("methodNotAllowed", Err(ChError::MethodNotAllowed(m.allow)), None),
            Some(Ok(r)) => {
                let name = r.op.name();
                let tenant = r.org.clone();
                (name, self.authorized(req, cx, settings, r, &request_id), tenant)
            }
        };
        Handled { reply: render(result, &request_id), provider: NAME, operation, tenant }
    }

    /// `/_sim/clickhouse/...` hooks.
    fn admin(&self, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
        hooks::handle(self, req, segs, cx)
            .or_else(|| billing::hook(self, req, segs, cx))
            .or_else(|| notifications::hook(self, req, segs, cx))
    }

    fn admin_takes_opaque_body(&self, segs: &[&str]) -> bool {
        hooks::takes_opaque_body(segs)
    }

    /// Every resource, by kind (`GET /_sim/state`), a table at a time.
    fn write_state(&self, _cx: &Cx, out: &mut StateOut<'_>) -> std::io::Result<()> {
        out.object()?;
        out.table("organizations", &self.orgs)?;
        out.table("keys", &self.keys)?;
        out.table("members", &self.members)?;
        out.table("invitations", &self.invitations)?;
        out.items("activities", self.activities.sorted())?;
        out.table("services", &self.services)?;
        out.table("warehouses", &self.warehouses)?;
        out.table("backups", &self.backups)?;
        out.table("clickpipes", &self.clickpipes)?;
        out.table("reversePrivateEndpoints", &self.reverse_endpoints)?;
        out.table("roles", &self.roles)?;
        out.table("upgradeWindows", &self.upgrade_windows)?;
        out.table("clickhouseSettings", &self.clickhouse_settings)?;
        out.table("backupBuckets", &self.backup_buckets)?;
        out.table("cdcScaling", &self.cdc_scaling)?;
        out.table("clickpipeSettings", &self.clickpipe_settings)?;
        out.table("udfs", &self.udfs)?;
        out.table("udfUploads", &self.udf_uploads)?;
        out.table("udfAttachments", &self.udf_attachments)?;
        out.table("savedQueries", &self.saved_queries)?;
        out.table("queryApiEndpoints", &self.query_api_endpoints)?;
        out.table("creditBalances", &self.credit_balances)?;
        out.table("notifications", &self.notifications)?;
        out.table("replicaAwareRouting", &self.replica_routing)?;
        out.table("snapshotConfigurations", &self.snapshot_configs)?;
        out.end()
    }

    fn resource_counts(&self) -> Vec<ResourceCount> {
        use std::collections::BTreeMap;
        let mut counts: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        for (_, s) in self.services.all() {
            *counts.entry(("service", s.state.as_str().to_owned())).or_default() += 1;
        }
        for (_, b) in self.backups.all() {
            *counts.entry(("backup", b.status.as_str().to_owned())).or_default() += 1;
        }
        for (_, p) in self.clickpipes.all() {
            *counts.entry(("clickpipe", p.state.clone())).or_default() += 1;
        }
        *counts.entry(("organization", "active".into())).or_default() += self.orgs.len();
        *counts.entry(("key", "any".into())).or_default() += self.keys.len();
        counts.into_iter().map(|((kind, state), count)| ResourceCount { provider: NAME, kind, state, count }).collect()
    }

    fn name(&self) -> &'static str {
        NAME
    }

    /// Every path under `/v1`.
    fn owns(&self, segs: &[&str]) -> bool {
        segs.first() == Some(&"v1")
    }

    fn classify(&self, req: &Request, segs: &[&str]) -> Classified {
        chaos::classify(self, req, segs)
    }

    fn inject(&self, status: u16, retry_after: Option<u64>, cx: &Cx) -> Reply {
        chaos::inject(status, retry_after, cx)
    }

    fn resource_target(&self, req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
        chaos::resource_target(self, req, segs, reply)
    }

    fn check_resource_state(&self, state: &str) -> Result<(), String> {
        chaos::check_state(state).map(|_| ())
    }

    fn resource_fault(
        &self,
        tenant: Option<&str>,
        id: &str,
        fault: &ResourceFault,
        cx: &Cx,
    ) -> Result<Vec<Transition>, String> {
        chaos::resource_fault(self, tenant, id, fault, cx)
    }

    fn seed_identities(&self, section: &Value, cx: &Cx) -> Result<(), String> {
        chaos::seed_identities(self, section, cx)
    }

    fn seed_resources(&self, section: &Value, cx: &Cx) -> Result<(), String> {
        chaos::seed_resources(self, section, cx)
    }

    fn check_restore(&self, part: &Value) -> Result<(), String> {
        chaos::parse_dump(part).map(|_| ())
    }

    fn restore(&self, part: &Value) -> Result<(), String> {
        chaos::restore(self, part)
    }

    fn openapi(&self) -> Value {
        openapi::document()
    }

    fn default_auth(&self) -> Vec<(String, String)> {
        chaos::default_auth()
    }

    fn variables(&self) -> Vec<(String, String)> {
        chaos::variables()
    }
}

impl Scheduled for ClickHouse {
    type Event = Event;

    /// Applies a due event.
    fn apply(&self, event: Event, cx: &Cx) -> Vec<Transition> {
        match event {
            Event::ServiceSettle { .. } | Event::IdleCheck { .. } | Event::ServiceRemove { .. } => {
                services::apply(self, event, cx)
            }
            Event::BackupDue { .. } | Event::BackupFinish { .. } | Event::BackupExpire { .. } => {
                backups::apply(self, event, cx)
            }
            Event::ClickPipeSettle { .. } | Event::ReversePrivateEndpointSettle { .. } => {
                clickpipes::apply(self, event, cx)
            }
            Event::ScalingScheduleTick { .. } => scaling::apply(self, event, cx),
            Event::ByocSettle { .. } => byoc::apply(self, event, cx),
            Event::UdfBuildFinish { .. } | Event::UdfAttachmentSettle { .. } => udfs::apply(self, event, cx),
        }
    }

    /// A service's timers, a backup's finish and expiry, a ClickPipe's transitions: each
    /// is cancelled when its resource is removed.
    fn owner(event: &Event) -> Option<(&'static str, &str, &str)> {
        match event {
            Event::ServiceSettle { org, service, .. }
            | Event::IdleCheck { org, service, .. }
            | Event::ServiceRemove { org, service, .. }
            | Event::BackupDue { org, service, .. }
            | Event::ScalingScheduleTick { org, service, .. } => Some(("service", org, service)),
            Event::BackupFinish { org, backup } | Event::BackupExpire { org, backup } => Some(("backup", org, backup)),
            Event::ClickPipeSettle { org, pipe, .. } => Some(("clickpipe", org, pipe)),
            Event::ReversePrivateEndpointSettle { org, endpoint, .. } => Some(("reversePrivateEndpoint", org, endpoint)),
            Event::ByocSettle { .. } | Event::UdfBuildFinish { .. } | Event::UdfAttachmentSettle { .. } => None,
        }
    }
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The success envelope `{"requestId":...,"result":...,"status":200}`, written in one
/// pass: `result` is written in place, never copied into a `json!` tree first. Keys in
/// byte order, as a `serde_json::Map` (which sorts them) has always written them.
///
/// Written into a per-thread scratch buffer and copied out at its exact size: a body of
/// about 1 KiB (a service) then comes from the allocator's small-size cache, where a
/// growing or generously reserved Vec lands in its slow path. Large bodies (lists) are
/// handed over without the copy.
fn envelope(request_id: &str, result: &impl view::WriteJson) -> Vec<u8> {
    /// Bodies up to this size are copied out of the scratch buffer; larger ones take it.
    const COPIED: usize = 16 * 1024;
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(COPIED));
    }
    SCRATCH.with(|scratch| {
        // A re-entrant use (none today) would find the buffer borrowed: write fresh.
        let mut fresh = Vec::new();
        let mut borrowed = scratch.try_borrow_mut();
        let out = borrowed.as_deref_mut().unwrap_or(&mut fresh);
        out.clear();
        out.extend_from_slice(b"{\"requestId\":");
        crate::json_text::string(out, request_id);
        out.extend_from_slice(b",\"result\":");
        result.write_json(out);
        out.extend_from_slice(b",\"status\":200}");
        if out.len() <= COPIED {
            out.as_slice().to_vec()
        } else {
            std::mem::replace(out, Vec::with_capacity(COPIED))
        }
    })
}

/// Wraps a handler's answer in the success or error envelope, with `X-Request-Id`.
fn render(result: Res, request_id: &str) -> Reply {
    let reply = match result {
        Ok(Out::Result(value)) => Reply::json_bytes(StatusCode::OK, envelope(request_id, &value)),
        Ok(Out::Written(body)) => Reply::json_bytes(StatusCode::OK, body),
        Ok(Out::Paged(items, pagination)) => Reply::json(
            StatusCode::OK,
            &json!({"status": 200, "requestId": request_id, "result": items, "pagination": pagination}),
        ),
        Ok(Out::Created(value)) => Reply::json(
            StatusCode::CREATED,
            &json!({"status": 201, "requestId": request_id, "result": value}),
        ),
        Ok(Out::Cursor(page)) => {
            let mut body = json!({"status": 200, "requestId": request_id, "result": page.items,
                                  "limit": page.limit, "totalCount": page.total});
            if let Some(next) = page.next {
                body["nextCursor"] = json!(next);
            }
            Reply::json(StatusCode::OK, &body)
        }
        Ok(Out::Empty) => Reply::json(StatusCode::OK, &json!({"status": 200, "requestId": request_id})),
        Ok(Out::Prometheus(text)) => Reply::text(StatusCode::OK, PROMETHEUS_TEXT, text),
        Ok(Out::Bare(value)) => Reply::json(StatusCode::OK, &value),
        Err(e) => e.into_reply(request_id),
    };
    match HeaderValue::from_str(request_id) {
        Ok(v) => reply.with_header(X_REQUEST_ID, v),
        Err(_) => reply,
    }
}
