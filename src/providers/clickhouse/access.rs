//! What a key may do: the permission every operation needs ([`needs`], one table) and
//! the decision from a key's system roles and its custom roles' policies ([`decide`]).
//!
//! Owns no table; reads `roles` (custom roles, their `actors` and `policies`).
//! May touch: `super::model`, `super::routes::Op`, `super::auth` (the system roles).
//! Must not touch: other providers, `admin`, `server`.
//! Authority: the official document (`RBACPolicy`: `allowDeny` ALLOW/DENY, `permissions`
//! such as `control-plane:organization:view`, `resources` such as `instance/<uuid>`,
//! `instance/*`; `upgradeWindowGet` "403: caller lacks `control-plane:service:view` on
//! the service", `upgradeWindowUpdate`/`upgradeWindowDelete` "... lacks
//! `control-plane:service:manage` on the service").
//!
//! # Choices (I: the official document names three permissions and shows resources only
//! by example; it does not say which operation needs which, except for upgrade windows)
//! - **The table** ([`needs`]): every GET of an organization-level resource (the
//!   organization, its private-endpoint config, Prometheus, quotas, roles, keys, members,
//!   invitations, activities, usage cost, UDFs and their versions and attachment lists,
//!   `whoami`) needs `control-plane:organization:view` on the organization; every GET of
//!   a service or of something under one needs `control-plane:service:view` on that
//!   service; every mutation of a service or of something under one (PATCH/POST/PUT/DELETE
//!   under `services/{id}`, start/stop/awake included, UDF attach and detach, ClickPipes
//!   schema discovery, which connects to a source on the service's behalf) needs
//!   `control-plane:service:manage` on that service; creating a service needs it on every
//!   service (`instance/*`), since the new service has no id to name yet. Listing
//!   services needs `control-plane:service:view` on some service and lists only the ones
//!   the key may view. Organization-level mutations (the organization, keys, members,
//!   invitations, roles, BYOC infrastructure, UDFs and their versions and upload
//!   sessions) are covered by no documented permission: they need the system Admin role.
//! - **Resources**: `instance/<serviceId>` is that service, `instance/*` every service,
//!   `organization/<organizationId>` of the key's own organization (or `organization/*`)
//!   the organization and every service in it, `*` everything. A service id compares case-insensitively.
//! - **Permissions**: compared by name; a trailing `*` matches every name it prefixes
//!   (`control-plane:service:*`). `manage` does not imply `view`: a policy lists both,
//!   as the official examples list permissions in an array.
//! - **DENY wins over ALLOW** among a key's custom roles: an operation is allowed when
//!   some ALLOW policy covers its permission and resource and no DENY policy does.
//! - **System roles first**: what a key's system roles allow (`auth::system_allows`:
//!   Admin everything, Developer every GET and `awake`) stays allowed whatever its custom
//!   roles say, so a key with a system role keeps the behaviour it had before custom roles
//!   were enforced; custom roles only add access. A key whose system roles do not allow
//!   the operation gets it from its custom roles' policies, or 403 `Insufficient
//!   permissions`.
//! - **Members** do not authenticate against this API (only API keys do): their custom
//!   roles are recorded and listed, and grant nothing here.
//! - Knob `enforceCustomRoles` (default true): false restores the earlier reading, where
//!   custom roles' policies are recorded and not enforced.

use std::sync::Arc;

use super::model::{ApiKey, Policy};
use super::routes::Op;
use super::ClickHouse;

/// The documented control-plane permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    OrganizationView,
    ServiceView,
    ServiceManage,
}

impl Permission {
    /// The wire name (official `RBACPolicy.permissions`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OrganizationView => "control-plane:organization:view",
            Permission::ServiceView => "control-plane:service:view",
            Permission::ServiceManage => "control-plane:service:manage",
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
    /// Every service: a new one has no id yet.
    EveryService,
    /// Some service; the list shows only those the key may view.
    SomeService,
}

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need<'a> {
    /// A documented permission on a target.
    Grant(Permission, Target<'a>),
    /// No documented permission covers it: the system Admin role only.
    Admin,
}

/// The one table: the permission every served operation needs. Exhaustive, so a new
/// operation must decide its row.
pub fn needs(op: &Op) -> Need<'_> {
    use Op::*;
    use Permission::*;
    let org_view = Need::Grant(OrganizationView, Target::Organization);
    fn view(s: &str) -> Need<'_> {
        Need::Grant(ServiceView, Target::Service(s))
    }
    fn manage(s: &str) -> Need<'_> {
        Need::Grant(ServiceManage, Target::Service(s))
    }
    match op {
        ListOrganizations
        | GetOrganization
        | OrganizationPrometheus
        | OrganizationPrivateEndpointConfig
        | OrganizationPrivateEndpointInfo { .. }
        | ListQuotas
        | GetQuota { .. }
        | Whoami
        | ListRoles
        | GetRole { .. }
        | ListKeys
        | GetKey { .. }
        | ListMembers
        | GetMember { .. }
        | ListInvitations
        | GetInvitation { .. }
        | ListActivities
        | GetActivity { .. }
        | UsageCost
        | ListUdfs
        | GetUdf { .. }
        | ListUdfVersions { .. }
        | ListUdfAttachments { .. } => org_view,
        UpdateOrganization
        | CreateByoc
        | UpdateByoc { .. }
        | DeleteByoc { .. }
        | CreateRole
        | UpdateRole { .. }
        | DeleteRole { .. }
        | CreateKey
        | UpdateKey { .. }
        | DeleteKey { .. }
        | UpdateMember { .. }
        | DeleteMember { .. }
        | CreateInvitation
        | DeleteInvitation { .. }
        | CreateUdf
        | DeleteUdf { .. }
        | CreateUdfUploadSession
        | CreateUdfVersion { .. }
        | DeleteUdfVersion { .. } => Need::Admin,
        ListServices => Need::Grant(ServiceView, Target::SomeService),
        CreateService => Need::Grant(ServiceManage, Target::EveryService),
        GetService { service }
        | GetPrivateEndpointConfig { service }
        | GetQueryEndpoint { service }
        | ServicePrometheus { service }
        | GetScalingSchedule { service }
        | GetUpgradeWindow { service }
        | ListClickhouseSettings { service }
        | GetClickhouseSettingsSchema { service }
        | GetClickhouseSetting { service, .. }
        | ListBackups { service }
        | GetBackup { service, .. }
        | GetBackupConfiguration { service }
        | GetBackupBucket { service }
        | ListClickPipes { service }
        | GetClickPipe { service, .. }
        | GetClickPipeSettings { service, .. }
        | GetCdcScaling { service }
        | ListReversePrivateEndpoints { service }
        | GetReversePrivateEndpoint { service, .. }
        | GetUdfAttachment { service, .. } => view(service),
        UpdateService { service }
        | DeleteService { service }
        | DeleteQueryEndpoint { service }
        | UpsertQueryEndpoint { service }
        | UpdateState { service }
        | UpdateScaling { service }
        | UpdateReplicaScaling { service }
        | UpdatePassword { service }
        | CreatePrivateEndpoint { service }
        | UpsertScalingSchedule { service }
        | DeleteScalingSchedule { service }
        | UpdateUpgradeWindow { service }
        | DeleteUpgradeWindow { service }
        | UpdateClickhouseSettings { service }
        | DeleteClickhouseSetting { service, .. }
        | UpdateBackupConfiguration { service }
        | CreateBackupBucket { service }
        | UpdateBackupBucket { service }
        | DeleteBackupBucket { service }
        | CreateClickPipe { service }
        | UpdateClickPipe { service, .. }
        | DeleteClickPipe { service, .. }
        | UpdateClickPipeScaling { service, .. }
        | UpdateClickPipeState { service, .. }
        | UpdateClickPipeSettings { service, .. }
        | DiscoverClickPipeSchema { service }
        | UpdateCdcScaling { service }
        | CreateReversePrivateEndpoint { service }
        | UpdateReversePrivateEndpoint { service, .. }
        | DeleteReversePrivateEndpoint { service, .. }
        | AttachUdf { service, .. }
        | DetachUdf { service, .. } => manage(service),
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
    let (permission, target) = match needs(op) {
        Need::Admin => return None,
        Need::Grant(p, t) => (p, t),
    };
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
    let covering = |allow: &str, t: Target| {
        policies
            .iter()
            .any(|p| p.allow_deny == allow && grants(p, permission) && p.resources.iter().any(|r| covers(r, org, t)))
    };
    let denied_target = match target {
        Target::SomeService => Target::EveryService,
        t => t,
    };
    covering("ALLOW", target) && !covering("DENY", denied_target)
}

/// Whether a policy names `permission` (exactly, or by a trailing `*`).
fn grants(policy: &Policy, permission: Permission) -> bool {
    let want = permission.as_str();
    policy.permissions.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => want.starts_with(prefix),
        None => p == want,
    })
}

/// Whether a policy resource covers `target` (see the module doc's "Resources").
/// `org` is the key's (and the role's) organization.
fn covers(resource: &str, org: &str, target: Target) -> bool {
    if resource == "*" {
        return true;
    }
    if let Some(id) = resource.strip_prefix("organization/") {
        return id == "*" || id.eq_ignore_ascii_case(org);
    }
    match (resource.strip_prefix("instance/"), target) {
        (None, _) | (Some(_), Target::Organization) => false,
        (Some("*"), _) => true,
        (Some(id), Target::Service(s)) => id.eq_ignore_ascii_case(s),
        (Some(_), Target::SomeService) => true,
        (Some(_), Target::EveryService) => false,
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
        assert!(!allowed(&p, "x", Permission::ServiceManage, Target::EveryService));
        assert!(!allowed(&p, "x", Permission::ServiceView, Target::Service("a")), "manage does not imply view");
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
        assert!(allowed(&p, "x", Permission::ServiceManage, Target::EveryService));
        assert!(allowed(&p, "x", Permission::ServiceView, Target::Service("s")));
        assert!(allowed(&p, "x", Permission::OrganizationView, Target::Organization));
        assert!(!allowed(&p, "y", Permission::OrganizationView, Target::Organization), "another organization");
        assert!(!allowed(&[policy("ALLOW", &[VIEW], &["instance/*"])], "x", Permission::ServiceView, Target::Organization));
    }

    #[test]
    fn organization_mutations_need_the_admin_role() {
        assert_eq!(needs(&Op::CreateKey), Need::Admin);
        assert_eq!(needs(&Op::ListKeys), Need::Grant(Permission::OrganizationView, Target::Organization));
        let s = Op::UpdateState { service: "s".into() };
        assert_eq!(needs(&s), Need::Grant(Permission::ServiceManage, Target::Service("s")));
    }
}
