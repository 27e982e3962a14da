//! Method + path → [`Op`], and nothing else (spec §3; slice patterns, no regex).
//!
//! Three families of paths: My Services under `/itas/{domain}/myservices/api/v1/...`
//! (and, behind knob `acceptMissingItasPrefix`, the seed's typo without `/itas`), the
//! operation item definitions under `/itas/{domain}/myservices/api/operationItemDefinitions`
//! (no `v1`, §3 #16), and ECRA under `/ecra/endpoint/...` (§9, §15 #15).

use hyper::Method;

use crate::id::Id;

/// A path parameter as given: inline up to 38 bytes (every name and id of the service),
/// so that routing a request allocates nothing.
pub type Param = Id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    ListServiceDefinitions,
    GetServiceDefinition {
        id: Param,
    },
    ListServiceEntitlements,
    GetServiceEntitlement {
        id: Param,
    },
    ListEntitlementConfigurations {
        entitlement: Param,
    },
    GetEntitlementConfiguration {
        entitlement: Param,
        config: Param,
    },
    ListServiceInstances,
    GetServiceInstance {
        id: Param,
    },
    ListInstanceConfigurations {
        instance: Param,
    },
    GetInstanceConfiguration {
        instance: Param,
        config: Param,
    },
    ListCloudAccounts,
    GetCloudAccount {
        id: Param,
    },
    ListPurchaseEntitlements,
    GetPurchaseEntitlement {
        id: Param,
    },
    CreateOperation,
    ListOperations,
    GetOperation {
        id: Param,
    },
    GetOperationItemDefinition {
        id: Param,
    },
    /// Documented but out of scope (G08): answered with 400 `UNSUPPORTED`.
    Unsupported {
        name: &'static str,
    },
    EcraClusterShapes,
    EcraHardwareInfo,
    EcraExaserviceList,
    EcraResourceInfo {
        instance: Param,
    },
    EcraStatus {
        id: Param,
    },
}

impl Op {
    /// The operation name the journal records and fault rules match.
    pub fn name(&self) -> &'static str {
        use Op::*;
        match self {
            ListServiceDefinitions => "listServiceDefinitions",
            GetServiceDefinition { .. } => "getServiceDefinition",
            ListServiceEntitlements => "listServiceEntitlements",
            GetServiceEntitlement { .. } => "getServiceEntitlement",
            ListEntitlementConfigurations { .. } => "listServiceEntitlementConfigurations",
            GetEntitlementConfiguration { .. } => "getServiceEntitlementConfiguration",
            ListServiceInstances => "listServiceInstances",
            GetServiceInstance { .. } => "getServiceInstance",
            ListInstanceConfigurations { .. } => "listServiceInstanceConfigurations",
            GetInstanceConfiguration { .. } => "getServiceInstanceConfiguration",
            ListCloudAccounts => "listCloudAccounts",
            GetCloudAccount { .. } => "getCloudAccount",
            ListPurchaseEntitlements => "listPurchaseEntitlements",
            GetPurchaseEntitlement { .. } => "getPurchaseEntitlement",
            CreateOperation => "createOperation",
            ListOperations => "listOperations",
            GetOperation { .. } => "getOperation",
            GetOperationItemDefinition { .. } => "getOperationItemDefinition",
            Unsupported { name } => name,
            EcraClusterShapes => "clustershapes_get",
            EcraHardwareInfo => "hardwareinfo_get",
            EcraExaserviceList => "exaservice_list",
            EcraResourceInfo { .. } => "get-exaservice",
            EcraStatus { .. } => "statuses_get",
        }
    }

    pub fn is_ecra(&self) -> bool {
        matches!(
            self,
            Op::EcraClusterShapes
                | Op::EcraHardwareInfo
                | Op::EcraExaserviceList
                | Op::EcraResourceInfo { .. }
                | Op::EcraStatus { .. }
        )
    }
}

/// A routed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The `{domain}` of the path as given (name or IDCS GUID); `None` for ECRA.
    pub domain: Option<Param>,
    pub op: Op,
    /// The path lacked `/itas` (served only with knob `acceptMissingItasPrefix`).
    pub missing_prefix: bool,
}

/// Known path, wrong method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodNotAllowed {
    pub allow: &'static str,
}

type Routing = Option<Result<Routed, MethodNotAllowed>>;

/// Routes every segment of the path. `None`: no such path.
pub fn route(method: &Method, segs: &[&str]) -> Routing {
    match segs {
        ["itas", d, "myservices", "api", "v1", rest @ ..] => my_services(method, d, rest, false),
        ["itas", d, "myservices", "api", "operationItemDefinitions", id] => {
            one(method, &Method::GET, "GET", d, Op::GetOperationItemDefinition { id: Param::from(*id) })
        }
        [d, "myservices", "api", "v1", rest @ ..] => my_services(method, d, rest, true),
        ["ecra", "endpoint", rest @ ..] => ecra(method, rest),
        _ => None,
    }
}

fn routed(d: &str, op: Op, missing_prefix: bool) -> Routed {
    Routed { domain: Some(Param::from(d)), op, missing_prefix }
}

fn one(method: &Method, want: &Method, allow: &'static str, d: &str, op: Op) -> Routing {
    Some(if method == want { Ok(routed(d, op, false)) } else { Err(MethodNotAllowed { allow }) })
}

fn my_services(method: &Method, d: &str, rest: &[&str], missing: bool) -> Routing {
    use Op::*;
    let s = |x: &str| Param::from(x);
    let get = method == Method::GET;
    let op: Result<Op, &'static str> = match rest {
        ["serviceDefinitions"] if get => Ok(ListServiceDefinitions),
        ["serviceDefinitions", id] if get => Ok(GetServiceDefinition { id: s(id) }),
        ["serviceEntitlements"] if get => Ok(ListServiceEntitlements),
        ["serviceEntitlements", id] if get => Ok(GetServiceEntitlement { id: s(id) }),
        ["serviceEntitlements", id, "serviceConfigurations"] if get => {
            Ok(ListEntitlementConfigurations { entitlement: s(id) })
        }
        ["serviceEntitlements", id, "serviceConfigurations", c] if get => {
            Ok(GetEntitlementConfiguration { entitlement: s(id), config: s(c) })
        }
        ["serviceEntitlements", _, "serviceConfigurations", _, "securityGroups", ..] => {
            Ok(Unsupported { name: "securityGroups" })
        }
        ["serviceInstances"] if get => Ok(ListServiceInstances),
        ["serviceInstances", id] if get => Ok(GetServiceInstance { id: s(id) }),
        ["serviceInstances", id, "serviceConfigurations"] if get => Ok(ListInstanceConfigurations { instance: s(id) }),
        ["serviceInstances", id, "serviceConfigurations", c] if get => {
            Ok(GetInstanceConfiguration { instance: s(id), config: s(c) })
        }
        ["serviceInstances", _, "serviceConfigurations", _, "bursting"] => match *method {
            Method::GET | Method::PUT => Ok(Unsupported { name: "bursting" }),
            _ => Err("GET, PUT"),
        },
        ["serviceInstances", _, "serviceConfigurations", _, "securityGroupAssignment" | "securityGroupAssignments", ..] => {
            Ok(Unsupported { name: "securityGroupAssignments" })
        }
        ["cloudAccounts"] if get => Ok(ListCloudAccounts),
        ["cloudAccounts", id] if get => Ok(GetCloudAccount { id: s(id) }),
        ["purchaseEntitlements"] if get => Ok(ListPurchaseEntitlements),
        ["purchaseEntitlements", id] if get => Ok(GetPurchaseEntitlement { id: s(id) }),
        ["operations"] => match *method {
            Method::GET => Ok(ListOperations),
            Method::POST => Ok(CreateOperation),
            _ => Err("GET, POST"),
        },
        ["operations", id] => match *method {
            Method::GET => Ok(GetOperation { id: s(id) }),
            Method::PUT => Ok(Unsupported { name: "updateOperation" }),
            _ => Err("GET, PUT"),
        },
        // Known read-only paths with another method.
        ["serviceDefinitions"
        | "serviceEntitlements"
        | "serviceInstances"
        | "cloudAccounts"
        | "purchaseEntitlements"]
        | ["serviceDefinitions"
        | "serviceEntitlements"
        | "serviceInstances"
        | "cloudAccounts"
        | "purchaseEntitlements", _]
        | ["serviceEntitlements" | "serviceInstances", _, "serviceConfigurations"]
        | ["serviceEntitlements" | "serviceInstances", _, "serviceConfigurations", _] => Err("GET"),
        _ => return None,
    };
    Some(op.map(|op| routed(d, op, missing)).map_err(|allow| MethodNotAllowed { allow }))
}

fn ecra(method: &Method, rest: &[&str]) -> Routing {
    use Op::*;
    let op = match rest {
        ["clustershapes"] => EcraClusterShapes,
        ["hardwareinfo"] => EcraHardwareInfo,
        ["exaservice", "list"] => EcraExaserviceList,
        ["exaservice", id, "resourceinfo"] => EcraResourceInfo { instance: Param::from(*id) },
        ["statuses", id] => EcraStatus { id: Param::from(*id) },
        _ => return None,
    };
    Some(if method == Method::GET {
        Ok(Routed { domain: None, op, missing_prefix: false })
    } else {
        Err(MethodNotAllowed { allow: "GET" })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(method: Method, path: &str) -> Routed {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        route(&method, &segs).unwrap().unwrap()
    }

    #[test]
    fn routes_my_services_and_ecra() {
        let r = ok(Method::POST, "/itas/mydomain/myservices/api/v1/operations");
        assert_eq!((r.domain.as_deref(), r.op), (Some("mydomain"), Op::CreateOperation));
        let r = ok(Method::GET, "/itas/d/myservices/api/v1/serviceEntitlements/cesi-1");
        assert_eq!(r.op, Op::GetServiceEntitlement { id: "cesi-1".into() });
        let r = ok(Method::PUT, "/itas/d/myservices/api/v1/operations/7");
        assert_eq!(r.op, Op::Unsupported { name: "updateOperation" });
        let r = ok(Method::GET, "/ecra/endpoint/exaservice/600000001/resourceinfo");
        assert_eq!((r.domain, r.op), (None, Op::EcraResourceInfo { instance: "600000001".into() }));
        let r = ok(Method::GET, "/d/myservices/api/v1/serviceInstances");
        assert!(r.missing_prefix);
    }

    #[test]
    fn wrong_methods_and_unknown_paths() {
        let segs = ["itas", "d", "myservices", "api", "v1", "serviceInstances"];
        assert_eq!(route(&Method::POST, &segs).unwrap().unwrap_err().allow, "GET");
        let segs = ["itas", "d", "myservices", "api", "v1", "operations"];
        assert_eq!(route(&Method::DELETE, &segs).unwrap().unwrap_err().allow, "GET, POST");
        assert!(route(&Method::GET, &["itas", "d", "myservices", "api", "v1", "nothing"]).is_none());
        assert!(route(&Method::GET, &["v1", "organizations"]).is_none());
    }
}
