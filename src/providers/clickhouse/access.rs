//! What a key may do: the permission every operation needs ([`needs`], one table) and
//! the decision from a key's custom roles' policies ([`by_custom_roles`]); the system
//! roles are decided first, in `auth.rs`.
//!
//! Owns no table; reads `roles` (custom roles, their `actors` and `policies`).
//! May touch: `super::model`, `super::routes::Op`, `super::keys` (the actor name).
//! Must not touch: other providers, `admin`, `server`.
//! Authority: the official document (`RBACPolicy`: `allowDeny` ALLOW/DENY, `permissions`
//! such as `control-plane:organization:view`, `resources` such as `instance/<uuid>`,
//! `instance/*`, `organization/<uuid>`; `upgradeWindowGet` "403: caller lacks
//! `control-plane:service:view` on the service", `upgradeWindowUpdate`/`Delete` "...
//! `control-plane:service:manage`"). The document we serve from names only those three
//! permissions and maps no other operation, so the rows come from the official client:
//! ClickHouse/clickhousectl `crates/clickhouse-cloud-api/src/meta/operations.rs`
//! (`required_permissions` per operationId, generated from its vendored OpenAPI
//! snapshot; clickhousectl 0.5.0's `--help` prints the same names).
//!
//! # Choices (I)
//! - **The table** ([`needs`]) is that file's, row for row, with its oddities kept:
//!   roles are read with `organization:manage`, key update and delete need only
//!   `organization:view-api-keys`, ClickPipes reads need `service:manage-clickpipes`, UDF
//!   attach/detach are organization-level (`organization:manage`). Where it lists nothing
//!   (`organizationGetList`, `organizationPrometheusGet`, `instanceGetList`,
//!   `instanceStateUpdate`) and for `whoami` (not in it), the simulator decides:
//!   `organization:view`; `service:view` on some service, listing only the viewable ones;
//!   `service:manage` on the service (start, stop, awake).
//! - **Resources**: `instance/<serviceId>` is that service, `instance/*` every service,
//!   `organization/<organizationId>` of the key's own organization (or `organization/*`)
//!   the organization and every service in it, `*` everything. A service id compares
//!   case-insensitively. Organization-level permissions need an organization resource.
//! - **Permissions**: compared by name; a trailing `*` matches every name it prefixes
//!   (`control-plane:service:*`). `service:manage` implies `service:delete` (the backend
//!   adds it, as the Terraform provider's role tests record); nothing else implies
//!   anything: `manage` does not imply `view`.
//! - **DENY wins over ALLOW** among a key's custom roles: an operation is allowed when
//!   some ALLOW policy covers its permission and resource and no DENY policy does.
//! - **System roles first**: what a key's system roles allow (`auth::system_allows`:
//!   Admin everything, Developer every GET and `awake`) stays allowed whatever its custom
//!   roles say, so a key with a system role keeps the behaviour it had before custom roles
//!   were enforced; custom roles only add access. A key whose system roles do not allow
//!   the operation gets it from its custom roles' policies, or 403 `Insufficient
//!   permissions`. Policies are read on every such request: a role's update or deletion
//!   applies to the next one.
//! - **Members** do not authenticate against this API (only API keys do): their custom
//!   roles are recorded and listed, and grant nothing here.
//! - Knob `enforceCustomRoles` (default true): false restores the earlier reading, where
//!   custom roles' policies are recorded and not enforced.

use std::sync::Arc;

use super::model::{ApiKey, Policy};
use super::routes::Op;
use super::ClickHouse;

/// The control-plane permissions the served operations need (the names of
/// clickhousectl's generated table; see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    OrganizationView,
    OrganizationManage,
    OrganizationCreateService,
    OrganizationCreateApiKeys,
    OrganizationViewApiKeys,
    OrganizationViewActivities,
    ServiceView,
    ServiceManage,
    ServiceDelete,
    ServiceViewBackups,
    ServiceManageBackups,
    ServiceManageClickpipes,
    ServiceViewPrivateEndpoints,
    ServiceManagePrivateEndpoints,
    ServiceViewQueryApiEndpoints,
    ServiceManageQueryApiEndpoints,
    ServiceManageScalingConfig,
    OrganizationViewBilling,
    ServiceViewSnapshots,
    ServiceManageSnapshots,
}

impl Permission {
    /// The wire name (official `RBACPolicy.permissions`).
    pub fn as_str(self) -> &'static str {
        use Permission::*;
        match self {
            OrganizationView => "control-plane:organization:view",
            OrganizationManage => "control-plane:organization:manage",
            OrganizationCreateService => "control-plane:organization:create-service",
            OrganizationCreateApiKeys => "control-plane:organization:create-api-keys",
            OrganizationViewApiKeys => "control-plane:organization:view-api-keys",
            OrganizationViewActivities => "control-plane:organization:view-activities",
            ServiceView => "control-plane:service:view",
            ServiceManage => "control-plane:service:manage",
            ServiceDelete => "control-plane:service:delete",
            ServiceViewBackups => "control-plane:service:view-backups",
            ServiceManageBackups => "control-plane:service:manage-backups",
            ServiceManageClickpipes => "control-plane:service:manage-clickpipes",
            ServiceViewPrivateEndpoints => "control-plane:service:view-private-endpoints",
            ServiceManagePrivateEndpoints => "control-plane:service:manage-private-endpoints",
            ServiceViewQueryApiEndpoints => "control-plane:service:view-query-api-endpoints",
            ServiceManageQueryApiEndpoints => "control-plane:service:manage-query-api-endpoints",
            ServiceManageScalingConfig => "control-plane:service:manage-scaling-config",
            OrganizationViewBilling => "control-plane:organization:view-billing",
            ServiceViewSnapshots => "control-plane:service:view-snapshots",
            ServiceManageSnapshots => "control-plane:service:manage-snapshots",
        }
    }

    /// Names that grant this permission besides its own: the backend grants
    /// `service:delete` with `service:manage`.
    fn implied_by(self) -> &'static [&'static str] {
        match self {
            Permission::ServiceDelete => &["control-plane:service:manage"],
            _ => &[],
        }
    }
}

/// What a permission is needed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The organization itself.
    Organization,
    /// One service.
    Service(&'a str),
    /// Some service; the list shows only those the key may view.
    SomeService,
}

/// The one table: the permission every served operation needs, and on what. Exhaustive,
/// so a new operation must decide its row. Rows follow clickhousectl's generated
/// `required_permissions` (module doc), except where that list is empty.
pub fn needs(op: &Op) -> (Permission, Target<'_>) {
    use Op::*;
    use Permission::*;
    let org = Target::Organization;
    match op {
        // Empty upstream: the organization's own view (I).
        ListOrganizations | Whoami | OrganizationPrometheus => (OrganizationView, org),
        GetOrganization
        | OrganizationPrivateEndpointConfig
        | OrganizationPrivateEndpointInfo { .. }
        | ListQuotas
        | GetQuota { .. }
        | ListMembers
        | GetMember { .. }
        | ListInvitations
        | GetInvitation { .. }
        | UsageCost
        | ListNotificationTypes
        | ListServiceProfiles
        | GetByoc { .. }
        | GetByocPrivateEndpointConfig { .. }
        | GetByocTags { .. }
        | GetByocProgress { .. }
        | ListUdfs
        | GetUdf { .. }
        | ListUdfVersions { .. }
        | ListUdfAttachments { .. }
        | GetUdfAttachment { .. } => (OrganizationView, org),
        UpdateOrganization
        | CreateByoc
        | ValidateByoc
        | UpdateByoc { .. }
        | DeleteByoc { .. }
        | ListRoles
        | GetRole { .. }
        | CreateRole
        | UpdateRole { .. }
        | DeleteRole { .. }
        | UpdateMember { .. }
        | DeleteMember { .. }
        | CreateInvitation
        | DeleteInvitation { .. }
        | CreateUdf
        | DeleteUdf { .. }
        | CreateUdfUploadSession
        | CreateUdfVersion { .. }
        | DeleteUdfVersion { .. }
        | AttachUdf { .. }
        | DetachUdf { .. } => (OrganizationManage, org),
        CreateKey => (OrganizationCreateApiKeys, org),
        // Upstream lists view-api-keys for update and delete too.
        ListKeys | GetKey { .. } | UpdateKey { .. } | DeleteKey { .. } => (OrganizationViewApiKeys, org),
        ListActivities | GetActivity { .. } => (OrganizationViewActivities, org),
        // clickhousectl 0.5.0's table (not in the official document): balances need
        // view-billing; notifications declare no named permission, so the organization's
        // own view (I).
        CreditBalances => (OrganizationViewBilling, org),
        ListNotifications | OrganizationPrometheusDiscovery => (OrganizationView, org),
        CreateService => (OrganizationCreateService, org),
        // Empty upstream: the services the key may view (I).
        ListServices => (ServiceView, Target::SomeService),
        GetService { service }
        | ServicePrometheus { service }
        | GetScalingSchedule { service }
        | GetUpgradeWindow { service }
        | ListClickhouseSettings { service }
        | GetClickhouseSettingsSchema { service }
        | GetClickhouseSetting { service, .. } => (ServiceView, Target::Service(service)),
        // Empty upstream for the state: start, stop and awake manage the service (I).
        UpdateService { service }
        | UpdateState { service }
        | UpdatePassword { service }
        | UpdateUpgradeWindow { service }
        | DeleteUpgradeWindow { service }
        | UpdateClickhouseSettings { service }
        | DeleteClickhouseSetting { service, .. } => (ServiceManage, Target::Service(service)),
        DeleteService { service } => (ServiceDelete, Target::Service(service)),
        UpdateScaling { service }
        | UpdateReplicaScaling { service }
        | UpsertScalingSchedule { service }
        | DeleteScalingSchedule { service } => (ServiceManageScalingConfig, Target::Service(service)),
        ListBackups { service }
        | GetBackup { service, .. }
        | GetBackupConfiguration { service }
        | GetBackupBucket { service } => (ServiceViewBackups, Target::Service(service)),
        UpdateBackupConfiguration { service }
        | CreateBackupBucket { service }
        | UpdateBackupBucket { service }
        | DeleteBackupBucket { service } => (ServiceManageBackups, Target::Service(service)),
        GetPrivateEndpointConfig { service } => (ServiceViewPrivateEndpoints, Target::Service(service)),
        CreatePrivateEndpoint { service } => (ServiceManagePrivateEndpoints, Target::Service(service)),
        GetQueryEndpoint { service } => (ServiceViewQueryApiEndpoints, Target::Service(service)),
        // clickhousectl 0.5.0's table (these operations are not in the official document).
        ListSavedQueries { service } | GetSavedQuery { service, .. } => (ServiceView, Target::Service(service)),
        CreateSavedQuery { service } | UpdateSavedQuery { service, .. } | DeleteSavedQuery { service, .. } => {
            (ServiceManage, Target::Service(service))
        }
        ListQueryApiEndpoints { service } | GetQueryApiEndpoint { service, .. } => {
            (ServiceViewQueryApiEndpoints, Target::Service(service))
        }
        CreateQueryApiEndpoint { service }
        | UpdateQueryApiEndpoint { service, .. }
        | DeleteQueryApiEndpoint { service, .. } => (ServiceManageQueryApiEndpoints, Target::Service(service)),
        GetReplicaAwareRouting { service } => (ServiceView, Target::Service(service)),
        UpdateReplicaAwareRouting { service } => (ServiceManage, Target::Service(service)),
        GetSnapshotConfiguration { service } | ListSnapshots { service } | GetSnapshot { service, .. } => {
            (ServiceViewSnapshots, Target::Service(service))
        }
        UpdateSnapshotConfiguration { service } => (ServiceManageSnapshots, Target::Service(service)),
        UpsertQueryEndpoint { service } | DeleteQueryEndpoint { service } => {
            (ServiceManageQueryApiEndpoints, Target::Service(service))
        }
        ListClickPipes { service }
        | CreateClickPipe { service }
        | GetClickPipe { service, .. }
        | UpdateClickPipe { service, .. }
        | DeleteClickPipe { service, .. }
        | UpdateClickPipeScaling { service, .. }
        | UpdateClickPipeState { service, .. }
        | GetClickPipeSettings { service, .. }
        | UpdateClickPipeSettings { service, .. }
        | DiscoverClickPipeSchema { service }
        | GetClickPipesContext { service }
        | GetCdcScaling { service }
        | UpdateCdcScaling { service }
        | ListReversePrivateEndpoints { service }
        | CreateReversePrivateEndpoint { service }
        | GetReversePrivateEndpoint { service, .. }
        | UpdateReversePrivateEndpoint { service, .. }
        | DeleteReversePrivateEndpoint { service, .. } => (ServiceManageClickpipes, Target::Service(service)),
    }
}

/// What an allowed call may see.
#[derive(Debug, Clone, Default)]
pub enum Access {
    /// Everything the operation touches (system roles, or custom roles on a single target).
    #[default]
    Full,
    /// A service list through custom roles: only the services these policies (of
    /// organization `org`) let it view.
    Services { org: String, policies: Arc<Vec<Policy>> },
}

impl Access {
    /// Whether a listed service is shown.
    pub fn sees_service(&self, id: &str) -> bool {
        match self {
            Access::Full => true,
            Access::Services { org, policies } => allowed(policies, org, Permission::ServiceView, Target::Service(id)),
        }
    }
}

/// The custom roles' policies of `key`, or why the operation is refused (`None`).
pub fn by_custom_roles(ch: &ClickHouse, key: &ApiKey, op: &Op) -> Option<Access> {
    let (permission, target) = needs(op);
    let actor = super::keys::actor(&key.id);
    let policies: Vec<Policy> = ch
        .roles
        .list_where(&key.org_id, |r| r.actors.contains(&actor))
        .into_iter()
        .flat_map(|r| r.policies)
        .collect();
    if !allowed(&policies, &key.org_id, permission, target) {
        return None;
    }
    Some(match target {
        Target::SomeService => Access::Services { org: key.org_id.clone(), policies: Arc::new(policies) },
        _ => Access::Full,
    })
}

/// DENY wins: some ALLOW policy covers `(permission, target)` and no DENY policy does.
/// For [`Target::SomeService`] a DENY counts only when it covers every service.
fn allowed(policies: &[Policy], org: &str, permission: Permission, target: Target) -> bool {
    let covering = |allow: &str, every: bool| {
        policies.iter().any(|p| {
            p.allow_deny == allow
                && grants(p, permission)
                && p.resources.iter().any(|r| if every { covers_every_service(r, org) } else { covers(r, org, target) })
        })
    };
    let every = matches!(target, Target::SomeService);
    covering("ALLOW", false) && !covering("DENY", every)
}

/// Whether a policy names `permission`: exactly, by a name that implies it, or by a
/// trailing `*`.
fn grants(policy: &Policy, permission: Permission) -> bool {
    let want = permission.as_str();
    policy.permissions.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => want.starts_with(prefix),
        None => p == want || permission.implied_by().contains(&p.as_str()),
    })
}

fn covers_every_service(resource: &str, org: &str) -> bool {
    resource == "instance/*" || covers_organization(resource, org)
}

fn covers_organization(resource: &str, org: &str) -> bool {
    resource == "*" || resource.strip_prefix("organization/").is_some_and(|id| id == "*" || id.eq_ignore_ascii_case(org))
}

/// Whether a policy resource covers `target` (see the module doc's "Resources").
/// `org` is the key's (and the role's) organization.
fn covers(resource: &str, org: &str, target: Target) -> bool {
    if covers_organization(resource, org) {
        return true;
    }
    match (resource.strip_prefix("instance/"), target) {
        (None, _) | (Some(_), Target::Organization) => false,
        (Some("*"), _) | (Some(_), Target::SomeService) => true,
        (Some(id), Target::Service(s)) => id.eq_ignore_ascii_case(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &str, permissions: &[&str], resources: &[&str]) -> Policy {
        Policy {
            id: "p".into(),
            allow_deny: allow.into(),
            permissions: permissions.iter().map(|s| (*s).to_owned()).collect(),
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
            grants: None,
            role_v2: None,
        }
    }

    const VIEW: &str = "control-plane:service:view";
    const MANAGE: &str = "control-plane:service:manage";

    #[test]
    fn an_instance_resource_covers_that_service_only() {
        let p = [policy("ALLOW", &[MANAGE], &["instance/A"])];
        assert!(allowed(&p, "x", Permission::ServiceManage, Target::Service("a")));
        assert!(!allowed(&p, "x", Permission::ServiceManage, Target::Service("b")));
        assert!(!allowed(&p, "x", Permission::ServiceView, Target::Service("a")), "manage does not imply view");
        assert!(allowed(&p, "x", Permission::ServiceDelete, Target::Service("a")), "manage implies delete");
        assert!(!allowed(&p, "x", Permission::OrganizationView, Target::Organization));
    }

    #[test]
    fn deny_wins_over_allow() {
        let p = [policy("ALLOW", &[VIEW], &["instance/*"]), policy("DENY", &[VIEW], &["instance/b"])];
        assert!(allowed(&p, "x", Permission::ServiceView, Target::Service("a")));
        assert!(!allowed(&p, "x", Permission::ServiceView, Target::Service("b")));
        assert!(allowed(&p, "x", Permission::ServiceView, Target::SomeService), "the list shows a, not b");
        let all_denied = [policy("ALLOW", &[VIEW], &["instance/*"]), policy("DENY", &["control-plane:*"], &["*"])];
        assert!(!allowed(&all_denied, "x", Permission::ServiceView, Target::SomeService));
    }

    #[test]
    fn organization_resources_cover_the_organization_and_its_services() {
        let p = [policy("ALLOW", &["control-plane:service:*", "control-plane:organization:view"], &["organization/x"])];
        assert!(allowed(&p, "x", Permission::ServiceManageBackups, Target::Service("s")));
        assert!(allowed(&p, "x", Permission::ServiceView, Target::SomeService));
        assert!(allowed(&p, "x", Permission::OrganizationView, Target::Organization));
        assert!(!allowed(&p, "x", Permission::OrganizationManage, Target::Organization));
        assert!(!allowed(&p, "y", Permission::OrganizationView, Target::Organization), "another organization");
        assert!(!allowed(&[policy("ALLOW", &[VIEW], &["instance/*"])], "x", Permission::ServiceView, Target::Organization));
    }

    #[test]
    fn the_table_follows_the_clients_required_permissions() {
        assert_eq!(needs(&Op::CreateKey), (Permission::OrganizationCreateApiKeys, Target::Organization));
        assert_eq!(needs(&Op::CreateService), (Permission::OrganizationCreateService, Target::Organization));
        let s = Op::UpdateState { service: "s".into() };
        assert_eq!(needs(&s), (Permission::ServiceManage, Target::Service("s")));
        let b = Op::GetBackup { service: "s".into(), backup: "b".into() };
        assert_eq!(needs(&b).0.as_str(), "control-plane:service:view-backups");
    }
}
