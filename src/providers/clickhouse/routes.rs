//! Method + path → [`Op`], and nothing else (spec §3; slice patterns, no regex).
//!
//! `route` sees the segments after `/v1`. Path parameters are captured as given; their
//! format (UUID, CH-R49) is checked by the handler pipeline after authentication, in the
//! order of spec §5.

use hyper::Method;

/// Every ClickHouse Cloud operation the simulator serves. `org` is the path's
/// `organizationId` (absent only for [`Op::ListOrganizations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    // Organizations (S1–S4, S7, S8)
    ListOrganizations,
    GetOrganization,
    UpdateOrganization,
    OrganizationPrometheus,
    OrganizationPrivateEndpointConfig,
    OrganizationPrivateEndpointInfo { cloud_provider: String, region: String },
    // Services (E1–E13, S5, S6)
    ListServices,
    CreateService,
    GetService { service: String },
    UpdateService { service: String },
    DeleteService { service: String },
    GetPrivateEndpointConfig { service: String },
    GetQueryEndpoint { service: String },
    DeleteQueryEndpoint { service: String },
    UpsertQueryEndpoint { service: String },
    UpdateState { service: String },
    UpdateScaling { service: String },
    UpdateReplicaScaling { service: String },
    UpdatePassword { service: String },
    CreatePrivateEndpoint { service: String },
    ServicePrometheus { service: String },
    // Backups (E14–E17)
    ListBackups { service: String },
    GetBackup { service: String, backup: String },
    GetBackupConfiguration { service: String },
    UpdateBackupConfiguration { service: String },
    // API keys (S9–S13)
    ListKeys,
    CreateKey,
    GetKey { key: String },
    UpdateKey { key: String },
    DeleteKey { key: String },
    // Members and invitations (S14–S21)
    ListMembers,
    GetMember { user: String },
    UpdateMember { user: String },
    DeleteMember { user: String },
    ListInvitations,
    CreateInvitation,
    GetInvitation { invitation: String },
    DeleteInvitation { invitation: String },
    // Activities and usage (S22–S24)
    ListActivities,
    GetActivity { activity: String },
    UsageCost,
    // ClickPipes (S25–S31)
    ListClickPipes { service: String },
    CreateClickPipe { service: String },
    GetClickPipe { service: String, pipe: String },
    UpdateClickPipe { service: String, pipe: String },
    DeleteClickPipe { service: String, pipe: String },
    UpdateClickPipeScaling { service: String, pipe: String },
    UpdateClickPipeState { service: String, pipe: String },
    // Reverse private endpoints (S32–S35)
    ListReversePrivateEndpoints { service: String },
    CreateReversePrivateEndpoint { service: String },
    GetReversePrivateEndpoint { service: String, endpoint: String },
    DeleteReversePrivateEndpoint { service: String, endpoint: String },
}

impl Op {
    /// The operation name the journal records and fault rules match.
    pub fn name(&self) -> &'static str {
        use Op::*;
        match self {
            ListOrganizations => "listOrganizations",
            GetOrganization => "getOrganization",
            UpdateOrganization => "updateOrganization",
            OrganizationPrometheus => "getOrganizationPrometheus",
            OrganizationPrivateEndpointConfig => "getOrganizationPrivateEndpointConfig",
            OrganizationPrivateEndpointInfo { .. } => "getOrganizationPrivateEndpointInfo",
            ListServices => "listServices",
            CreateService => "createService",
            GetService { .. } => "getService",
            UpdateService { .. } => "updateService",
            DeleteService { .. } => "deleteService",
            GetPrivateEndpointConfig { .. } => "getServicePrivateEndpointConfig",
            GetQueryEndpoint { .. } => "getServiceQueryEndpoint",
            DeleteQueryEndpoint { .. } => "deleteServiceQueryEndpoint",
            UpsertQueryEndpoint { .. } => "upsertServiceQueryEndpoint",
            UpdateState { .. } => "updateServiceState",
            UpdateScaling { .. } => "updateServiceScaling",
            UpdateReplicaScaling { .. } => "updateServiceReplicaScaling",
            UpdatePassword { .. } => "updateServicePassword",
            CreatePrivateEndpoint { .. } => "createServicePrivateEndpoint",
            ServicePrometheus { .. } => "getServicePrometheus",
            ListBackups { .. } => "listBackups",
            GetBackup { .. } => "getBackup",
            GetBackupConfiguration { .. } => "getBackupConfiguration",
            UpdateBackupConfiguration { .. } => "updateBackupConfiguration",
            ListKeys => "listKeys",
            CreateKey => "createKey",
            GetKey { .. } => "getKey",
            UpdateKey { .. } => "updateKey",
            DeleteKey { .. } => "deleteKey",
            ListMembers => "listMembers",
            GetMember { .. } => "getMember",
            UpdateMember { .. } => "updateMember",
            DeleteMember { .. } => "deleteMember",
            ListInvitations => "listInvitations",
            CreateInvitation => "createInvitation",
            GetInvitation { .. } => "getInvitation",
            DeleteInvitation { .. } => "deleteInvitation",
            ListActivities => "listActivities",
            GetActivity { .. } => "getActivity",
            UsageCost => "getUsageCost",
            ListClickPipes { .. } => "listClickPipes",
            CreateClickPipe { .. } => "createClickPipe",
            GetClickPipe { .. } => "getClickPipe",
            UpdateClickPipe { .. } => "updateClickPipe",
            DeleteClickPipe { .. } => "deleteClickPipe",
            UpdateClickPipeScaling { .. } => "updateClickPipeScaling",
            UpdateClickPipeState { .. } => "updateClickPipeState",
            ListReversePrivateEndpoints { .. } => "listReversePrivateEndpoints",
            CreateReversePrivateEndpoint { .. } => "createReversePrivateEndpoint",
            GetReversePrivateEndpoint { .. } => "getReversePrivateEndpoint",
            DeleteReversePrivateEndpoint { .. } => "deleteReversePrivateEndpoint",
        }
    }

    /// Path parameters that must be UUIDs (CH-R49), with their names for the error.
    pub fn uuid_params(&self) -> Vec<(&'static str, &str)> {
        use Op::*;
        let mut out = Vec::new();
        match self {
            GetService { service }
            | UpdateService { service }
            | DeleteService { service }
            | GetPrivateEndpointConfig { service }
            | GetQueryEndpoint { service }
            | DeleteQueryEndpoint { service }
            | UpsertQueryEndpoint { service }
            | UpdateState { service }
            | UpdateScaling { service }
            | UpdateReplicaScaling { service }
            | UpdatePassword { service }
            | CreatePrivateEndpoint { service }
            | ServicePrometheus { service }
            | ListBackups { service }
            | GetBackupConfiguration { service }
            | UpdateBackupConfiguration { service }
            | ListClickPipes { service }
            | CreateClickPipe { service }
            | ListReversePrivateEndpoints { service }
            | CreateReversePrivateEndpoint { service } => out.push(("serviceId", service.as_str())),
            GetBackup { service, backup } => {
                out.push(("serviceId", service.as_str()));
                out.push(("backupId", backup.as_str()));
            }
            GetClickPipe { service, pipe }
            | UpdateClickPipe { service, pipe }
            | DeleteClickPipe { service, pipe }
            | UpdateClickPipeScaling { service, pipe }
            | UpdateClickPipeState { service, pipe } => {
                out.push(("serviceId", service.as_str()));
                out.push(("clickPipeId", pipe.as_str()));
            }
            GetReversePrivateEndpoint { service, endpoint } | DeleteReversePrivateEndpoint { service, endpoint } => {
                out.push(("serviceId", service.as_str()));
                out.push(("reversePrivateEndpointId", endpoint.as_str()));
            }
            GetKey { key } | UpdateKey { key } | DeleteKey { key } => out.push(("keyId", key.as_str())),
            GetMember { user } | UpdateMember { user } | DeleteMember { user } => out.push(("userId", user.as_str())),
            GetInvitation { invitation } | DeleteInvitation { invitation } => {
                out.push(("invitationId", invitation.as_str()))
            }
            _ => {}
        }
        out
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
    pub org: Option<String>,
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
    let s = |x: &str| x.to_owned();
    let (org, rest) = match segs {
        ["organizations"] => {
            return Some(if method == Method::GET {
                Ok(Routed { org: None, op: ListOrganizations })
            } else {
                Err(MethodNotAllowed { allow: "GET" })
            })
        }
        ["organizations", org, rest @ ..] => (Some(s(org)), rest),
        _ => return None,
    };
    let m = method.clone();
    let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);
    let op: Result<Op, &'static str> = match rest {
        [] => match m {
            x if x == get => Ok(GetOrganization),
            x if x == patch => Ok(UpdateOrganization),
            _ => Err("GET, PATCH"),
        },
        ["prometheus"] => {
            if m == get {
                Ok(OrganizationPrometheus)
            } else {
                Err("GET")
            }
        }
        ["privateEndpointConfig"] => {
            if m == get {
                Ok(OrganizationPrivateEndpointConfig)
            } else {
                Err("GET")
            }
        }
        ["privateEndpointInfo", p, r] if aliases => {
            if m == get {
                Ok(OrganizationPrivateEndpointInfo { cloud_provider: s(p), region: s(r) })
            } else {
                Err("GET")
            }
        }
        ["services"] => match m {
            x if x == get => Ok(ListServices),
            x if x == post => Ok(CreateService),
            _ => Err("GET, POST"),
        },
        ["services", id] => match m {
            x if x == get => Ok(GetService { service: s(id) }),
            x if x == patch => Ok(UpdateService { service: s(id) }),
            x if x == delete => Ok(DeleteService { service: s(id) }),
            _ => Err("GET, PATCH, DELETE"),
        },
        ["services", id, "privateEndpointConfig"] => {
            if m == get {
                Ok(GetPrivateEndpointConfig { service: s(id) })
            } else {
                Err("GET")
            }
        }
        ["services", id, ep] if *ep == "serviceQueryEndpoint" || (aliases && *ep == "queryEndpoint") => match m {
            x if x == get => Ok(GetQueryEndpoint { service: s(id) }),
            x if x == post => Ok(UpsertQueryEndpoint { service: s(id) }),
            x if x == delete => Ok(DeleteQueryEndpoint { service: s(id) }),
            _ => Err("GET, POST, DELETE"),
        },
        ["services", id, "state"] => {
            if m == patch {
                Ok(UpdateState { service: s(id) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, "scaling"] => {
            if m == patch {
                Ok(UpdateScaling { service: s(id) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, "replicaScaling"] => {
            if m == patch {
                Ok(UpdateReplicaScaling { service: s(id) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, "password"] => {
            if m == patch {
                Ok(UpdatePassword { service: s(id) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, "privateEndpoint"] => {
            if m == post {
                Ok(CreatePrivateEndpoint { service: s(id) })
            } else {
                Err("POST")
            }
        }
        ["services", id, "prometheus"] => {
            if m == get {
                Ok(ServicePrometheus { service: s(id) })
            } else {
                Err("GET")
            }
        }
        ["services", id, "backups"] => {
            if m == get {
                Ok(ListBackups { service: s(id) })
            } else {
                Err("GET")
            }
        }
        ["services", id, "backups", b] => {
            if m == get {
                Ok(GetBackup { service: s(id), backup: s(b) })
            } else {
                Err("GET")
            }
        }
        ["services", id, "backupConfiguration"] => match m {
            x if x == get => Ok(GetBackupConfiguration { service: s(id) }),
            x if x == patch => Ok(UpdateBackupConfiguration { service: s(id) }),
            _ => Err("GET, PATCH"),
        },
        ["services", id, "clickpipes"] => match m {
            x if x == get => Ok(ListClickPipes { service: s(id) }),
            x if x == post => Ok(CreateClickPipe { service: s(id) }),
            _ => Err("GET, POST"),
        },
        ["services", id, "clickpipes", p] => match m {
            x if x == get => Ok(GetClickPipe { service: s(id), pipe: s(p) }),
            x if x == patch => Ok(UpdateClickPipe { service: s(id), pipe: s(p) }),
            x if x == delete => Ok(DeleteClickPipe { service: s(id), pipe: s(p) }),
            _ => Err("GET, PATCH, DELETE"),
        },
        ["services", id, "clickpipes", p, "scaling"] => {
            if m == patch {
                Ok(UpdateClickPipeScaling { service: s(id), pipe: s(p) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, "clickpipes", p, "state"] => {
            if m == patch {
                Ok(UpdateClickPipeState { service: s(id), pipe: s(p) })
            } else {
                Err("PATCH")
            }
        }
        ["services", id, rpe]
            if *rpe == "clickpipesReversePrivateEndpoints" || (aliases && *rpe == "reversePrivateEndpoints") =>
        {
            match m {
                x if x == get => Ok(ListReversePrivateEndpoints { service: s(id) }),
                x if x == post => Ok(CreateReversePrivateEndpoint { service: s(id) }),
                _ => Err("GET, POST"),
            }
        }
        ["services", id, rpe, e]
            if *rpe == "clickpipesReversePrivateEndpoints" || (aliases && *rpe == "reversePrivateEndpoints") =>
        {
            match m {
                x if x == get => Ok(GetReversePrivateEndpoint { service: s(id), endpoint: s(e) }),
                x if x == delete => Ok(DeleteReversePrivateEndpoint { service: s(id), endpoint: s(e) }),
                _ => Err("GET, DELETE"),
            }
        }
        ["keys"] => match m {
            x if x == get => Ok(ListKeys),
            x if x == post => Ok(CreateKey),
            _ => Err("GET, POST"),
        },
        ["keys", k] => match m {
            x if x == get => Ok(GetKey { key: s(k) }),
            x if x == patch => Ok(UpdateKey { key: s(k) }),
            x if x == delete => Ok(DeleteKey { key: s(k) }),
            _ => Err("GET, PATCH, DELETE"),
        },
        ["members"] => {
            if m == get {
                Ok(ListMembers)
            } else {
                Err("GET")
            }
        }
        ["members", u] => match m {
            x if x == get => Ok(GetMember { user: s(u) }),
            x if x == patch => Ok(UpdateMember { user: s(u) }),
            x if x == delete => Ok(DeleteMember { user: s(u) }),
            _ => Err("GET, PATCH, DELETE"),
        },
        ["invitations"] => match m {
            x if x == get => Ok(ListInvitations),
            x if x == post => Ok(CreateInvitation),
            _ => Err("GET, POST"),
        },
        ["invitations", i] => match m {
            x if x == get => Ok(GetInvitation { invitation: s(i) }),
            x if x == delete => Ok(DeleteInvitation { invitation: s(i) }),
            _ => Err("GET, DELETE"),
        },
        ["activities"] => {
            if m == get {
                Ok(ListActivities)
            } else {
                Err("GET")
            }
        }
        ["activities", a] => {
            if m == get {
                Ok(GetActivity { activity: s(a) })
            } else {
                Err("GET")
            }
        }
        ["usageCost"] => {
            if m == get {
                Ok(UsageCost)
            } else {
                Err("GET")
            }
        }
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
}
