//! Method + path → [`Op`], and nothing else (spec §3; slice patterns, no regex).
//!
//! `route` sees the segments after `/v1`. Path parameters are captured as given; their
//! format (UUID, CH-R49) is checked by the handler pipeline after authentication, in the
//! order of spec §5.
//!
//! # Operation names
//! [`Op::name`] is the official document's `operationId` (ClickHouse/clickhousectl,
//! `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`): the journal, the metrics
//! and fault rules' `match.operation` use these names, and `GET
//! /_sim/openapi/clickhouse.json` serves them. The names the simulator used before
//! (`createService`, `listKeys`, ...) and their official replacements are listed in
//! `docs-clickhouse-clients.md` ("Operation names"). The short alias paths of knob
//! `rcAliases` answer under the name of the operation they alias. `GET /v1/whoami` is not
//! in the official document; `clickhousectl` 0.5.0 calls it as `whoamiGet`. Nor are the
//! saved queries and Query API endpoints (`savedQueryList`, ..., `queryApiEndpointDelete`),
//! credit balances, notifications and their types, service profiles, Prometheus
//! discovery, the ClickPipes context, the BYOC reads, progress and validation, replica-aware routing and snapshots
//! (`creditBalancesGet`, ..., `snapshotGet`): their names are the ones clickhousectl
//! 0.5.0's own operation table gives them.

use hyper::Method;

use crate::id::Id;

/// A path parameter as given: inline up to 38 bytes (every id the service hands out),
/// so that routing a request allocates nothing.
pub type Param = Id;

/// Every ClickHouse Cloud operation the simulator serves. `org` is the path's
/// `organizationId` (absent only for [`Op::ListOrganizations`] and [`Op::Whoami`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    // Organizations (S1–S4, S7, S8), quotas, BYOC infrastructure, the caller
    ListOrganizations,
    GetOrganization,
    UpdateOrganization,
    OrganizationPrometheus,
    OrganizationPrivateEndpointConfig,
    OrganizationPrivateEndpointInfo { cloud_provider: Param, region: Param },
    ListQuotas,
    GetQuota { quota: Param },
    CreateByoc,
    UpdateByoc { byoc: Param },
    // Reads of one BYOC infrastructure (clickhousectl 0.5.0's table; `byoc_reads.rs`)
    GetByoc { byoc: Param },
    GetByocPrivateEndpointConfig { byoc: Param },
    GetByocTags { byoc: Param },
    // BYOC progress and account validation (clickhousectl 0.5.0's table; `byoc_checks.rs`)
    GetByocProgress { byoc: Param },
    ValidateByoc,
    DeleteByoc { byoc: Param },
    Whoami,
    // Roles
    ListRoles,
    CreateRole,
    GetRole { role: Param },
    UpdateRole { role: Param },
    DeleteRole { role: Param },
    // Services (E1–E13, S5, S6)
    ListServices,
    CreateService,
    GetService { service: Param },
    UpdateService { service: Param },
    DeleteService { service: Param },
    GetPrivateEndpointConfig { service: Param },
    GetQueryEndpoint { service: Param },
    DeleteQueryEndpoint { service: Param },
    UpsertQueryEndpoint { service: Param },
    // Saved queries and Query API endpoints (not in the official document: clickhousectl
    // 0.5.0's operation table; `saved_queries.rs`, `query_api_endpoints.rs`)
    ListSavedQueries { service: Param },
    CreateSavedQuery { service: Param },
    GetSavedQuery { service: Param, query: Param },
    UpdateSavedQuery { service: Param, query: Param },
    DeleteSavedQuery { service: Param, query: Param },
    ListQueryApiEndpoints { service: Param },
    CreateQueryApiEndpoint { service: Param },
    GetQueryApiEndpoint { service: Param, endpoint: Param },
    UpdateQueryApiEndpoint { service: Param, endpoint: Param },
    DeleteQueryApiEndpoint { service: Param, endpoint: Param },
    // Replica-aware routing and snapshots (clickhousectl 0.5.0's table;
    // `replica_routing.rs`, `snapshots.rs`)
    GetReplicaAwareRouting { service: Param },
    GetClickPipesContext { service: Param },
    UpdateReplicaAwareRouting { service: Param },
    GetSnapshotConfiguration { service: Param },
    UpdateSnapshotConfiguration { service: Param },
    ListSnapshots { service: Param },
    GetSnapshot { service: Param, snapshot: Param },
    UpdateState { service: Param },
    UpdateScaling { service: Param },
    UpdateReplicaScaling { service: Param },
    UpdatePassword { service: Param },
    CreatePrivateEndpoint { service: Param },
    ServicePrometheus { service: Param },
    // Scaling schedules, upgrade windows, ClickHouse settings
    GetScalingSchedule { service: Param },
    UpsertScalingSchedule { service: Param },
    DeleteScalingSchedule { service: Param },
    GetUpgradeWindow { service: Param },
    UpdateUpgradeWindow { service: Param },
    DeleteUpgradeWindow { service: Param },
    ListClickhouseSettings { service: Param },
    UpdateClickhouseSettings { service: Param },
    GetClickhouseSettingsSchema { service: Param },
    GetClickhouseSetting { service: Param, setting: Param },
    DeleteClickhouseSetting { service: Param, setting: Param },
    // Backups (E14–E17) and backup buckets
    ListBackups { service: Param },
    GetBackup { service: Param, backup: Param },
    GetBackupConfiguration { service: Param },
    UpdateBackupConfiguration { service: Param },
    GetBackupBucket { service: Param },
    CreateBackupBucket { service: Param },
    UpdateBackupBucket { service: Param },
    DeleteBackupBucket { service: Param },
    // API keys (S9–S13)
    ListKeys,
    CreateKey,
    GetKey { key: Param },
    UpdateKey { key: Param },
    DeleteKey { key: Param },
    // Members and invitations (S14–S21)
    ListMembers,
    GetMember { user: Param },
    UpdateMember { user: Param },
    DeleteMember { user: Param },
    ListInvitations,
    CreateInvitation,
    GetInvitation { invitation: Param },
    DeleteInvitation { invitation: Param },
    // Activities and usage (S22–S24)
    ListActivities,
    GetActivity { activity: Param },
    UsageCost,
    // Credit balances and notifications (clickhousectl 0.5.0's table; `billing.rs`,
    // `notifications.rs`)
    CreditBalances,
    ListNotifications,
    ListNotificationTypes,
    ListServiceProfiles,
    OrganizationPrometheusDiscovery,
    // ClickPipes (S25–S31), their settings, schema discovery, CDC scaling
    ListClickPipes { service: Param },
    CreateClickPipe { service: Param },
    GetClickPipe { service: Param, pipe: Param },
    UpdateClickPipe { service: Param, pipe: Param },
    DeleteClickPipe { service: Param, pipe: Param },
    UpdateClickPipeScaling { service: Param, pipe: Param },
    UpdateClickPipeState { service: Param, pipe: Param },
    GetClickPipeSettings { service: Param, pipe: Param },
    UpdateClickPipeSettings { service: Param, pipe: Param },
    DiscoverClickPipeSchema { service: Param },
    GetCdcScaling { service: Param },
    UpdateCdcScaling { service: Param },
    // Reverse private endpoints (S32–S35)
    ListReversePrivateEndpoints { service: Param },
    CreateReversePrivateEndpoint { service: Param },
    GetReversePrivateEndpoint { service: Param, endpoint: Param },
    UpdateReversePrivateEndpoint { service: Param, endpoint: Param },
    DeleteReversePrivateEndpoint { service: Param, endpoint: Param },
    // User-defined functions, their versions and service attachments
    ListUdfs,
    CreateUdf,
    GetUdf { function: Param },
    DeleteUdf { function: Param },
    CreateUdfUploadSession,
    ListUdfVersions { function: Param },
    CreateUdfVersion { function: Param },
    DeleteUdfVersion { function: Param, version: Param },
    ListUdfAttachments { function: Param },
    GetUdfAttachment { function: Param, service: Param },
    AttachUdf { function: Param, service: Param },
    DetachUdf { function: Param, service: Param },
}

impl Op {
    /// The official `operationId`: the name the journal records and fault rules match.
    pub fn name(&self) -> &'static str {
        use Op::*;
        match self {
            ListOrganizations => "organizationGetList",
            GetOrganization => "organizationGet",
            UpdateOrganization => "organizationUpdate",
            OrganizationPrometheus => "organizationPrometheusGet",
            OrganizationPrivateEndpointConfig | OrganizationPrivateEndpointInfo { .. } => {
                "organizationPrivateEndpointConfigGetList"
            }
            ListQuotas => "organizationQuotasGetList",
            GetQuota { .. } => "organizationQuotaGet",
            CreateByoc => "organizationByocInfrastructureCreate",
            UpdateByoc { .. } => "organizationByocInfrastructureUpdate",
            GetByoc { .. } => "organizationByocInfrastructureGet",
            GetByocPrivateEndpointConfig { .. } => "organizationByocInfrastructurePrivateEndpointConfigGet",
            GetByocTags { .. } => "organizationByocInfrastructureTagsGet",
            GetByocProgress { .. } => "organizationByocInfrastructureProgressGet",
            ValidateByoc => "organizationByocInfrastructureValidate",
            DeleteByoc { .. } => "organizationByocInfrastructureDelete",
            Whoami => "whoamiGet",
            ListRoles => "organizationRolesGetList",
            CreateRole => "organizationRolePost",
            GetRole { .. } => "organizationRoleGet",
            UpdateRole { .. } => "organizationRolePatch",
            DeleteRole { .. } => "organizationRoleDelete",
            ListServices => "instanceGetList",
            CreateService => "instanceCreate",
            GetService { .. } => "instanceGet",
            UpdateService { .. } => "instanceUpdate",
            DeleteService { .. } => "instanceDelete",
            GetPrivateEndpointConfig { .. } => "instancePrivateEndpointConfigGet",
            GetQueryEndpoint { .. } => "instanceQueryEndpointGet",
            DeleteQueryEndpoint { .. } => "instanceQueryEndpointDelete",
            UpsertQueryEndpoint { .. } => "instanceQueryEndpointUpsert",
            ListSavedQueries { .. } => "savedQueryList",
            CreateSavedQuery { .. } => "savedQueryCreate",
            GetSavedQuery { .. } => "savedQueryGet",
            UpdateSavedQuery { .. } => "savedQueryUpdate",
            DeleteSavedQuery { .. } => "savedQueryDelete",
            ListQueryApiEndpoints { .. } => "queryApiEndpointList",
            CreateQueryApiEndpoint { .. } => "queryApiEndpointCreate",
            GetQueryApiEndpoint { .. } => "queryApiEndpointGet",
            UpdateQueryApiEndpoint { .. } => "queryApiEndpointUpdate",
            DeleteQueryApiEndpoint { .. } => "queryApiEndpointDelete",
            UpdateState { .. } => "instanceStateUpdate",
            UpdateScaling { .. } => "instanceScalingUpdate",
            UpdateReplicaScaling { .. } => "instanceReplicaScalingUpdate",
            UpdatePassword { .. } => "instancePasswordUpdate",
            CreatePrivateEndpoint { .. } => "instancePrivateEndpointCreate",
            ServicePrometheus { .. } => "instancePrometheusGet",
            GetScalingSchedule { .. } => "scalingScheduleGet",
            UpsertScalingSchedule { .. } => "scalingScheduleUpsert",
            DeleteScalingSchedule { .. } => "scalingScheduleDelete",
            GetUpgradeWindow { .. } => "upgradeWindowGet",
            UpdateUpgradeWindow { .. } => "upgradeWindowUpdate",
            DeleteUpgradeWindow { .. } => "upgradeWindowDelete",
            ListClickhouseSettings { .. } => "serviceClickhouseSettingsListGet",
            UpdateClickhouseSettings { .. } => "serviceClickhouseSettingsUpdate",
            GetClickhouseSettingsSchema { .. } => "serviceClickhouseSettingsSchemaGet",
            GetClickhouseSetting { .. } => "serviceClickhouseSettingGet",
            DeleteClickhouseSetting { .. } => "serviceClickhouseSettingDelete",
            ListBackups { .. } => "backupGetList",
            GetBackup { .. } => "backupGet",
            GetBackupConfiguration { .. } => "backupConfigurationGet",
            UpdateBackupConfiguration { .. } => "backupConfigurationUpdate",
            GetBackupBucket { .. } => "backupBucketGet",
            CreateBackupBucket { .. } => "backupBucketCreate",
            UpdateBackupBucket { .. } => "backupBucketUpdate",
            DeleteBackupBucket { .. } => "backupBucketDelete",
            ListKeys => "openapiKeyGetList",
            CreateKey => "openapiKeyCreate",
            GetKey { .. } => "openapiKeyGet",
            UpdateKey { .. } => "openapiKeyUpdate",
            DeleteKey { .. } => "openapiKeyDelete",
            ListMembers => "memberGetList",
            GetMember { .. } => "memberGet",
            UpdateMember { .. } => "memberUpdate",
            DeleteMember { .. } => "memberDelete",
            ListInvitations => "invitationGetList",
            CreateInvitation => "invitationCreate",
            GetInvitation { .. } => "invitationGet",
            DeleteInvitation { .. } => "invitationDelete",
            ListActivities => "activityGetList",
            GetActivity { .. } => "activityGet",
            UsageCost => "usageCostGet",
            CreditBalances => "creditBalancesGet",
            GetReplicaAwareRouting { .. } => "replicaAwareRoutingGet",
            GetClickPipesContext { .. } => "clickPipesServiceContextGet",
            UpdateReplicaAwareRouting { .. } => "replicaAwareRoutingUpdate",
            GetSnapshotConfiguration { .. } => "snapshotConfigurationGet",
            UpdateSnapshotConfiguration { .. } => "snapshotConfigurationUpdate",
            ListSnapshots { .. } => "snapshotGetList",
            GetSnapshot { .. } => "snapshotGet",
            ListNotifications => "notificationGetList",
            ListNotificationTypes => "notificationTypesGetList",
            ListServiceProfiles => "serviceProfilesList",
            OrganizationPrometheusDiscovery => "organizationPrometheusDiscoveryGet",
            ListClickPipes { .. } => "clickPipeGetList",
            CreateClickPipe { .. } => "clickPipeCreate",
            GetClickPipe { .. } => "clickPipeGet",
            UpdateClickPipe { .. } => "clickPipeUpdate",
            DeleteClickPipe { .. } => "clickPipeDelete",
            UpdateClickPipeScaling { .. } => "clickPipeScalingUpdate",
            UpdateClickPipeState { .. } => "clickPipeStateUpdate",
            GetClickPipeSettings { .. } => "clickPipeSettingsGet",
            UpdateClickPipeSettings { .. } => "clickPipeSettingsUpdate",
            DiscoverClickPipeSchema { .. } => "clickPipeSchemaDiscovery",
            GetCdcScaling { .. } => "clickPipeCdcScalingGet",
            UpdateCdcScaling { .. } => "clickPipeCdcScalingUpdate",
            ListReversePrivateEndpoints { .. } => "clickPipeReversePrivateEndpointGetList",
            CreateReversePrivateEndpoint { .. } => "clickPipeReversePrivateEndpointCreate",
            GetReversePrivateEndpoint { .. } => "clickPipeReversePrivateEndpointGet",
            UpdateReversePrivateEndpoint { .. } => "clickPipeReversePrivateEndpointUpdate",
            DeleteReversePrivateEndpoint { .. } => "clickPipeReversePrivateEndpointDelete",
            ListUdfs => "udfList",
            CreateUdf => "udfCreate",
            GetUdf { .. } => "udfGet",
            DeleteUdf { .. } => "udfDelete",
            CreateUdfUploadSession => "udfUploadSessionCreate",
            ListUdfVersions { .. } => "udfVersionList",
            CreateUdfVersion { .. } => "udfVersionCreate",
            DeleteUdfVersion { .. } => "udfVersionDelete",
            ListUdfAttachments { .. } => "udfAttachmentList",
            GetUdfAttachment { .. } => "udfAttachmentGet",
            AttachUdf { .. } => "udfAttach",
            DetachUdf { .. } => "udfDetach",
        }
    }

    /// Path parameters that must be UUIDs (CH-R49), with their names for the error.
    pub fn uuid_params(&self) -> impl Iterator<Item = (&'static str, &str)> {
        use Op::*;
        // At most two per operation (a service and one thing in it): on the stack.
        let mut out: smallvec::SmallVec<[(&'static str, &str); 2]> = smallvec::SmallVec::new();
        match self {
            GetService { service }
            | UpdateService { service }
            | DeleteService { service }
            | GetPrivateEndpointConfig { service }
            | GetQueryEndpoint { service }
            | DeleteQueryEndpoint { service }
            | UpsertQueryEndpoint { service }
            | ListSavedQueries { service }
            | CreateSavedQuery { service }
            | ListQueryApiEndpoints { service }
            | CreateQueryApiEndpoint { service }
            | GetReplicaAwareRouting { service }
            | GetClickPipesContext { service }
            | UpdateReplicaAwareRouting { service }
            | GetSnapshotConfiguration { service }
            | UpdateSnapshotConfiguration { service }
            | ListSnapshots { service }
            | UpdateState { service }
            | UpdateScaling { service }
            | UpdateReplicaScaling { service }
            | UpdatePassword { service }
            | CreatePrivateEndpoint { service }
            | ServicePrometheus { service }
            | GetScalingSchedule { service }
            | UpsertScalingSchedule { service }
            | DeleteScalingSchedule { service }
            | GetUpgradeWindow { service }
            | UpdateUpgradeWindow { service }
            | DeleteUpgradeWindow { service }
            | ListClickhouseSettings { service }
            | UpdateClickhouseSettings { service }
            | GetClickhouseSettingsSchema { service }
            | GetClickhouseSetting { service, .. }
            | DeleteClickhouseSetting { service, .. }
            | ListBackups { service }
            | GetBackupConfiguration { service }
            | UpdateBackupConfiguration { service }
            | GetBackupBucket { service }
            | CreateBackupBucket { service }
            | UpdateBackupBucket { service }
            | DeleteBackupBucket { service }
            | ListClickPipes { service }
            | CreateClickPipe { service }
            | DiscoverClickPipeSchema { service }
            | GetCdcScaling { service }
            | UpdateCdcScaling { service }
            | ListReversePrivateEndpoints { service }
            | CreateReversePrivateEndpoint { service }
            | GetUdfAttachment { service, .. }
            | AttachUdf { service, .. }
            | DetachUdf { service, .. } => out.push(("serviceId", service.as_str())),
            GetSnapshot { service, snapshot } => {
                out.push(("serviceId", service.as_str()));
                out.push(("snapshotId", snapshot.as_str()));
            }
            GetBackup { service, backup } => {
                out.push(("serviceId", service.as_str()));
                out.push(("backupId", backup.as_str()));
            }
            GetSavedQuery { service, query } | UpdateSavedQuery { service, query } | DeleteSavedQuery { service, query } => {
                out.push(("serviceId", service.as_str()));
                out.push(("queryId", query.as_str()));
            }
            GetQueryApiEndpoint { service, endpoint }
            | UpdateQueryApiEndpoint { service, endpoint }
            | DeleteQueryApiEndpoint { service, endpoint } => {
                out.push(("serviceId", service.as_str()));
                out.push(("endpointId", endpoint.as_str()));
            }
            GetClickPipe { service, pipe }
            | UpdateClickPipe { service, pipe }
            | DeleteClickPipe { service, pipe }
            | UpdateClickPipeScaling { service, pipe }
            | UpdateClickPipeState { service, pipe }
            | GetClickPipeSettings { service, pipe }
            | UpdateClickPipeSettings { service, pipe } => {
                out.push(("serviceId", service.as_str()));
                out.push(("clickPipeId", pipe.as_str()));
            }
            GetReversePrivateEndpoint { service, endpoint }
            | UpdateReversePrivateEndpoint { service, endpoint }
            | DeleteReversePrivateEndpoint { service, endpoint } => {
                out.push(("serviceId", service.as_str()));
                out.push(("reversePrivateEndpointId", endpoint.as_str()));
            }
            GetKey { key } | UpdateKey { key } | DeleteKey { key } => out.push(("keyId", key.as_str())),
            GetMember { user } | UpdateMember { user } | DeleteMember { user } => out.push(("userId", user.as_str())),
            GetInvitation { invitation } | DeleteInvitation { invitation } => {
                out.push(("invitationId", invitation.as_str()))
            }
            GetRole { role } | UpdateRole { role } | DeleteRole { role } => out.push(("roleId", role.as_str())),
            UpdateByoc { byoc }
            | DeleteByoc { byoc }
            | GetByoc { byoc }
            | GetByocPrivateEndpointConfig { byoc }
            | GetByocTags { byoc }
            | GetByocProgress { byoc } => out.push(("byocInfrastructureId", byoc.as_str())),
            ListOrganizations
            | GetOrganization
            | UpdateOrganization
            | OrganizationPrometheus
            | OrganizationPrivateEndpointConfig
            | OrganizationPrivateEndpointInfo { .. }
            | ListQuotas
            | GetQuota { .. }
            | CreateByoc
            | ValidateByoc
            | Whoami
            | ListRoles
            | CreateRole
            | ListServices
            | CreateService
            | ListKeys
            | CreateKey
            | ListMembers
            | ListInvitations
            | CreateInvitation
            | ListActivities
            | GetActivity { .. }
            | UsageCost
            | CreditBalances
            | ListNotifications
            | ListNotificationTypes
            | ListServiceProfiles
            | OrganizationPrometheusDiscovery
            | ListUdfs
            | CreateUdf
            | GetUdf { .. }
            | DeleteUdf { .. }
            | CreateUdfUploadSession
            | ListUdfVersions { .. }
            | CreateUdfVersion { .. }
            | DeleteUdfVersion { .. }
            | ListUdfAttachments { .. } => {}
        }
        out.into_iter()
    }

    /// The service the operation targets, if any.
    pub fn service(&self) -> Option<&str> {
        self.uuid_params().into_iter().find(|(n, _)| *n == "serviceId").map(|(_, v)| v)
    }

    /// Whether the operation only reads (the `developer` role may call it).
    pub fn is_read(&self, method: &Method) -> bool {
        method == Method::GET
    }
}

/// A routed request: the organization in the path and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub org: Option<Param>,
    pub op: Op,
}

/// Known path, wrong method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodNotAllowed {
    pub allow: &'static str,
}

/// Routes the segments after `/v1`. `None`: no such path.
pub fn route(method: &Method, segs: &[&str], aliases: bool) -> Option<Result<Routed, MethodNotAllowed>> {
    use Op::*;
    let s = |x: &str| Param::from(x);
    let only = |want: Method, op: Op, allow: &'static str| if *method == want { Ok(op) } else { Err(allow) };
    let (org, rest) = match segs {
        ["organizations"] => {
            return Some(only(Method::GET, ListOrganizations, "GET").map(|op| Routed { org: None, op }).map_err(
                |allow| MethodNotAllowed { allow },
            ))
        }
        ["whoami"] => {
            return Some(
                only(Method::GET, Whoami, "GET").map(|op| Routed { org: None, op }).map_err(|allow| MethodNotAllowed {
                    allow,
                }),
            )
        }
        ["organizations", org, rest @ ..] => (Some(s(org)), rest),
        _ => return None,
    };
    let (get, post, put, patch, delete) = (Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE);
    // Only the method that matched builds its operation, so a request allocates the
    // path parameters of one operation.
    macro_rules! by_method {
        ($allow:literal; $($m:ident => $op:expr),+ $(,)?) => {{
            #[allow(unreachable_patterns)]
            match method {
                $(m if *m == $m => Ok($op),)+
                _ => Err($allow),
            }
        }};
    }
    let qe = |ep: &str| ep == "serviceQueryEndpoint" || (aliases && ep == "queryEndpoint");
    let rpe = |ep: &str| ep == "clickpipesReversePrivateEndpoints" || (aliases && ep == "reversePrivateEndpoints");
    let op: Result<Op, &'static str> = match rest {
        [] => by_method!("GET, PATCH"; get => GetOrganization, patch => UpdateOrganization),
        ["prometheus"] => only(get, OrganizationPrometheus, "GET"),
        ["privateEndpointConfig"] => only(get, OrganizationPrivateEndpointConfig, "GET"),
        ["privateEndpointInfo", p, r] if aliases => {
            only(get, OrganizationPrivateEndpointInfo { cloud_provider: s(p), region: s(r) }, "GET")
        }
        ["quotas"] => only(get, ListQuotas, "GET"),
        ["quotas", q] => only(get, GetQuota { quota: s(q) }, "GET"),
        ["byocInfrastructure"] => only(post, CreateByoc, "POST"),
        ["byocInfrastructure", "validate"] => only(post, ValidateByoc, "POST"),
        ["byocInfrastructure", b] => by_method!("GET, PATCH, DELETE";
            get => GetByoc { byoc: s(b) }, patch => UpdateByoc { byoc: s(b) }, delete => DeleteByoc { byoc: s(b) }),
        ["byocInfrastructure", b, "privateEndpointConfig"] => {
            only(get, GetByocPrivateEndpointConfig { byoc: s(b) }, "GET")
        }
        ["byocInfrastructure", b, "tags"] => only(get, GetByocTags { byoc: s(b) }, "GET"),
        ["byocInfrastructure", b, "progress"] => only(get, GetByocProgress { byoc: s(b) }, "GET"),
        ["roles"] => by_method!("GET, POST"; get => ListRoles, post => CreateRole),
        ["roles", r] => by_method!("GET, PATCH, DELETE";
            get => GetRole { role: s(r) }, patch => UpdateRole { role: s(r) }, delete => DeleteRole { role: s(r) }),
        ["services"] => by_method!("GET, POST"; get => ListServices, post => CreateService),
        ["services", id] => by_method!("GET, PATCH, DELETE";
            get => GetService { service: s(id) },
            patch => UpdateService { service: s(id) },
            delete => DeleteService { service: s(id) }),
        ["services", id, "privateEndpointConfig"] => only(get, GetPrivateEndpointConfig { service: s(id) }, "GET"),
        ["services", id, ep] if qe(ep) => by_method!("GET, POST, DELETE";
            get => GetQueryEndpoint { service: s(id) },
            post => UpsertQueryEndpoint { service: s(id) },
            delete => DeleteQueryEndpoint { service: s(id) }),
        ["services", id, "saved-queries"] => by_method!("GET, POST";
            get => ListSavedQueries { service: s(id) }, post => CreateSavedQuery { service: s(id) }),
        ["services", id, "saved-queries", q] => by_method!("GET, PUT, DELETE";
            get => GetSavedQuery { service: s(id), query: s(q) },
            put => UpdateSavedQuery { service: s(id), query: s(q) },
            delete => DeleteSavedQuery { service: s(id), query: s(q) }),
        ["services", id, "query-api-endpoints"] => by_method!("GET, POST";
            get => ListQueryApiEndpoints { service: s(id) }, post => CreateQueryApiEndpoint { service: s(id) }),
        ["services", id, "query-api-endpoints", e] => by_method!("GET, PUT, DELETE";
            get => GetQueryApiEndpoint { service: s(id), endpoint: s(e) },
            put => UpdateQueryApiEndpoint { service: s(id), endpoint: s(e) },
            delete => DeleteQueryApiEndpoint { service: s(id), endpoint: s(e) }),
        ["services", id, "state"] => only(patch, UpdateState { service: s(id) }, "PATCH"),
        ["services", id, "replicaAwareRouting"] => by_method!("GET, PATCH";
            get => GetReplicaAwareRouting { service: s(id) }, patch => UpdateReplicaAwareRouting { service: s(id) }),
        ["services", id, "snapshotConfiguration"] => by_method!("GET, PATCH";
            get => GetSnapshotConfiguration { service: s(id) }, patch => UpdateSnapshotConfiguration { service: s(id) }),
        ["services", id, "snapshots"] => only(get, ListSnapshots { service: s(id) }, "GET"),
        ["services", id, "snapshots", sn] => only(get, GetSnapshot { service: s(id), snapshot: s(sn) }, "GET"),
        ["services", id, "scaling"] => only(patch, UpdateScaling { service: s(id) }, "PATCH"),
        ["services", id, "replicaScaling"] => only(patch, UpdateReplicaScaling { service: s(id) }, "PATCH"),
        ["services", id, "password"] => only(patch, UpdatePassword { service: s(id) }, "PATCH"),
        ["services", id, "privateEndpoint"] => only(post, CreatePrivateEndpoint { service: s(id) }, "POST"),
        ["services", id, "prometheus"] => only(get, ServicePrometheus { service: s(id) }, "GET"),
        ["services", id, "scalingSchedule"] => by_method!("GET, POST, DELETE";
            get => GetScalingSchedule { service: s(id) },
            post => UpsertScalingSchedule { service: s(id) },
            delete => DeleteScalingSchedule { service: s(id) }),
        ["services", id, "upgradeWindow"] => by_method!("GET, PUT, DELETE";
            get => GetUpgradeWindow { service: s(id) },
            put => UpdateUpgradeWindow { service: s(id) },
            delete => DeleteUpgradeWindow { service: s(id) }),
        ["services", id, "clickhouseSettings"] => by_method!("GET, PATCH";
            get => ListClickhouseSettings { service: s(id) },
            patch => UpdateClickhouseSettings { service: s(id) }),
        // `schema` is the schema for GET; a setting of that name can still be deleted.
        ["services", id, "clickhouseSettings", "schema"] => by_method!("GET, DELETE";
            get => GetClickhouseSettingsSchema { service: s(id) },
            delete => DeleteClickhouseSetting { service: s(id), setting: s("schema") }),
        ["services", id, "clickhouseSettings", name] => by_method!("GET, DELETE";
            get => GetClickhouseSetting { service: s(id), setting: s(name) },
            delete => DeleteClickhouseSetting { service: s(id), setting: s(name) }),
        ["services", id, "backups"] => only(get, ListBackups { service: s(id) }, "GET"),
        ["services", id, "backups", b] => only(get, GetBackup { service: s(id), backup: s(b) }, "GET"),
        ["services", id, "backupConfiguration"] => by_method!("GET, PATCH";
            get => GetBackupConfiguration { service: s(id) },
            patch => UpdateBackupConfiguration { service: s(id) }),
        ["services", id, "backupBucket"] => by_method!("GET, POST, PATCH, DELETE";
            get => GetBackupBucket { service: s(id) },
            post => CreateBackupBucket { service: s(id) },
            patch => UpdateBackupBucket { service: s(id) },
            delete => DeleteBackupBucket { service: s(id) }),
        ["services", id, "clickpipes"] => by_method!("GET, POST";
            get => ListClickPipes { service: s(id) }, post => CreateClickPipe { service: s(id) }),
        ["services", id, "clickpipes", "context"] => only(get, GetClickPipesContext { service: s(id) }, "GET"),
        ["services", id, "clickpipes", "schemaDiscovery"] => {
            only(post, DiscoverClickPipeSchema { service: s(id) }, "POST")
        }
        ["services", id, "clickpipes", p] => by_method!("GET, PATCH, DELETE";
            get => GetClickPipe { service: s(id), pipe: s(p) },
            patch => UpdateClickPipe { service: s(id), pipe: s(p) },
            delete => DeleteClickPipe { service: s(id), pipe: s(p) }),
        ["services", id, "clickpipes", p, "scaling"] => {
            only(patch, UpdateClickPipeScaling { service: s(id), pipe: s(p) }, "PATCH")
        }
        ["services", id, "clickpipes", p, "state"] => {
            only(patch, UpdateClickPipeState { service: s(id), pipe: s(p) }, "PATCH")
        }
        ["services", id, "clickpipes", p, "settings"] => by_method!("GET, PUT";
            get => GetClickPipeSettings { service: s(id), pipe: s(p) },
            put => UpdateClickPipeSettings { service: s(id), pipe: s(p) }),
        ["services", id, "clickpipesCdcScaling"] => by_method!("GET, PATCH";
            get => GetCdcScaling { service: s(id) }, patch => UpdateCdcScaling { service: s(id) }),
        ["services", id, ep] if rpe(ep) => by_method!("GET, POST";
            get => ListReversePrivateEndpoints { service: s(id) },
            post => CreateReversePrivateEndpoint { service: s(id) }),
        ["services", id, ep, e] if rpe(ep) => by_method!("GET, PATCH, DELETE";
            get => GetReversePrivateEndpoint { service: s(id), endpoint: s(e) },
            patch => UpdateReversePrivateEndpoint { service: s(id), endpoint: s(e) },
            delete => DeleteReversePrivateEndpoint { service: s(id), endpoint: s(e) }),
        ["keys"] => by_method!("GET, POST"; get => ListKeys, post => CreateKey),
        ["keys", k] => by_method!("GET, PATCH, DELETE";
            get => GetKey { key: s(k) }, patch => UpdateKey { key: s(k) }, delete => DeleteKey { key: s(k) }),
        ["members"] => only(get, ListMembers, "GET"),
        ["members", u] => by_method!("GET, PATCH, DELETE";
            get => GetMember { user: s(u) }, patch => UpdateMember { user: s(u) }, delete => DeleteMember { user: s(u) }),
        ["invitations"] => by_method!("GET, POST"; get => ListInvitations, post => CreateInvitation),
        ["invitations", i] => by_method!("GET, DELETE";
            get => GetInvitation { invitation: s(i) }, delete => DeleteInvitation { invitation: s(i) }),
        ["activities"] => only(get, ListActivities, "GET"),
        ["activities", a] => only(get, GetActivity { activity: s(a) }, "GET"),
        ["usageCost"] => only(get, UsageCost, "GET"),
        ["creditBalances"] => only(get, CreditBalances, "GET"),
        ["notifications"] => only(get, ListNotifications, "GET"),
        ["notificationTypes"] => only(get, ListNotificationTypes, "GET"),
        ["serviceProfiles"] => only(get, ListServiceProfiles, "GET"),
        ["prometheus", "discovery"] => only(get, OrganizationPrometheusDiscovery, "GET"),
        ["udfs"] => by_method!("GET, POST"; get => ListUdfs, post => CreateUdf),
        ["udfUploads", "url"] => only(post, CreateUdfUploadSession, "POST"),
        ["udfs", f] => by_method!("GET, DELETE";
            get => GetUdf { function: s(f) }, delete => DeleteUdf { function: s(f) }),
        ["udfs", f, "versions"] => by_method!("GET, POST";
            get => ListUdfVersions { function: s(f) }, post => CreateUdfVersion { function: s(f) }),
        ["udfs", f, "versions", v] => only(delete, DeleteUdfVersion { function: s(f), version: s(v) }, "DELETE"),
        ["udfs", f, "attachments"] => only(get, ListUdfAttachments { function: s(f) }, "GET"),
        ["udfs", f, "attachments", svc] => by_method!("GET, PUT, DELETE";
            get => GetUdfAttachment { function: s(f), service: s(svc) },
            put => AttachUdf { function: s(f), service: s(svc) },
            delete => DetachUdf { function: s(f), service: s(svc) }),
        _ => return None,
    };
    Some(op.map(|op| Routed { org, op }).map_err(|allow| MethodNotAllowed { allow }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_services_and_aliases() {
        let r = route(&Method::GET, &["organizations", "o", "services", "s"], true).unwrap().unwrap();
        assert_eq!(r.op, Op::GetService { service: "s".into() });
        assert_eq!(r.org.as_deref(), Some("o"));
        let r = route(&Method::PUT, &["organizations", "o", "services"], true).unwrap().unwrap_err();
        assert_eq!(r.allow, "GET, POST");
        assert!(route(&Method::GET, &["organizations", "o", "services", "s", "queryEndpoint"], false).is_none());
        assert!(route(&Method::GET, &["organizations", "o", "services", "s", "queryEndpoint"], true).is_some());
        assert!(route(&Method::GET, &["nothing"], true).is_none());
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let r = route(&Method::POST, &["organizations", "o", "services", "s", "clickpipes", "schemaDiscovery"], true);
        assert_eq!(r.unwrap().unwrap().op, Op::DiscoverClickPipeSchema { service: "s".into() });
        let r = route(&Method::GET, &["organizations", "o", "services", "s", "clickhouseSettings", "schema"], true);
        assert_eq!(r.unwrap().unwrap().op, Op::GetClickhouseSettingsSchema { service: "s".into() });
        let r = route(&Method::GET, &["organizations", "o", "services", "s", "clickhouseSettings", "max_threads"], true);
        assert_eq!(r.unwrap().unwrap().op.name(), "serviceClickhouseSettingGet");
        let r = route(&Method::GET, &["whoami"], true).unwrap().unwrap();
        assert_eq!((r.op, r.org), (Op::Whoami, None));
    }
}
