//! Method + path → [`Endpoint`], and nothing else (slice patterns, no regex).
//!
//! Paths are `/v1.0/{tenantId}/...` (seed 220–223; the version segment is the only one
//! this simulator serves). A known path with another method is 405 `badMethod` with
//! `Allow`. Where several operations share a method and path (three on `POST
//! /instances`, four on `POST /instances/{id}/action`), the endpoint is the path's and
//! `validate::actions` tells the operations apart by the body.
//! The same holds for the shared `PUT eventnotifications/{id}` (modify, add, remove
//! sources; `validate::events`). Every operation of seed 1.2–1.12 has its endpoint.

use hyper::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    /// POST auth/token (1.8.2.1).
    Token,
    /// GET instances (1.2.2.9).
    ListInstances,
    /// POST instances: create, restore from a snapshot or read replica.
    PostInstances,
    /// GET instances/{id} (1.2.2.10).
    ShowInstance { id: &'a str },
    /// PUT instances/{id} (1.2.2.3).
    ModifyInstance { id: &'a str },
    /// DELETE instances/{id} (1.2.2.2).
    DeleteInstance { id: &'a str },
    /// POST instances/{id}: point-in-time recovery from this instance (1.2.2.5).
    Pitr { id: &'a str },
    /// POST instances/{id}/action: start, stop, reboot, cancel.
    Action { id: &'a str },
    /// GET engineversion (1.2.2.13).
    EngineVersions,
    /// GET flavors (1.2.2.14).
    ListFlavors,
    /// GET flavors/{id} (1.2.2.15).
    ShowFlavor { id: &'a str },
    /// POST snapshots (1.3.2.1).
    CreateSnapshot,
    /// GET snapshots (1.3.2.4).
    ListSnapshots,
    /// GET snapshots/{id} (1.3.2.5).
    ShowSnapshot { id: &'a str },
    /// PUT snapshots/{id}: copy (1.3.2.3).
    CopySnapshot { id: &'a str },
    /// DELETE snapshots/{id} (1.3.2.2).
    DeleteSnapshot { id: &'a str },
    /// POST parametergroups (1.5.2.1).
    CreateParameterGroup,
    /// GET parametergroups (1.5.2.3).
    ListParameterGroups,
    /// GET parametergroups/{id} (1.5.2.4).
    ShowParameterGroup { id: &'a str },
    /// PUT parametergroups/{id} (1.5.2.5).
    ModifyParameterGroup { id: &'a str },
    /// DELETE parametergroups/{id} (1.5.2.2).
    DeleteParameterGroup { id: &'a str },
    /// POST eventnotifications (1.7.2.1).
    CreateSubscription,
    /// GET eventnotifications (1.7.2.5).
    ListSubscriptions,
    /// GET eventnotifications/{id} (1.7.2.6).
    ShowSubscription { id: &'a str },
    /// PUT eventnotifications/{id}: modify (1.7.2.3) or add/remove sources (1.7.2.4).
    UpdateSubscription { id: &'a str },
    /// DELETE eventnotifications/{id} (1.7.2.2).
    DeleteSubscription { id: &'a str },
    /// GET eventcategories/{sourceType} (1.7.2.7).
    EventCategories { source_type: &'a str },
    /// GET events (1.7.2.8).
    ListEvents,
    /// GET logfiles/{instanceId} (1.4.2.1).
    ListLogFiles { id: &'a str },
    /// GET logfiles/{instanceId}/{logFileName} (1.4.2.2).
    ReadLogFile { id: &'a str, name: &'a str },
    /// POST security-groups (1.11.2.1).
    CreateSecurityGroup,
    /// GET security-groups (1.11.2.4).
    ListSecurityGroups,
    /// GET security-groups/{id} (1.11.2.5).
    ShowSecurityGroup { id: &'a str },
    /// PUT security-groups/{id} (1.11.2.3).
    UpdateSecurityGroup { id: &'a str },
    /// DELETE security-groups/{id} (1.11.2.2).
    DeleteSecurityGroup { id: &'a str },
    /// POST security-group-rules (1.12.2.1).
    CreateSecurityGroupRule,
    /// GET security-group-rules (1.12.2.3).
    ListSecurityGroupRules,
    /// GET security-group-rules/{id} (1.12.2.4).
    ShowSecurityGroupRule { id: &'a str },
    /// DELETE security-group-rules/{id} (1.12.2.2).
    DeleteSecurityGroupRule { id: &'a str },
    /// POST applymaintenance/{instanceId} (1.9.2.1).
    ApplyMaintenance { id: &'a str },
    /// GET database-service (1.10.2.1).
    ProjectInfo,
    /// POST meter (1.6.2.1).
    StartMonitoring,
    /// DELETE meter (1.6.2.2).
    StopMonitoring,
    /// GET meter (1.6.2.3).
    ShowMonitoring,
    /// GET meters (1.6.2.4).
    ListMeters,
    /// GET meters/{meter_name} (1.6.2.5).
    ListSamples { meter: &'a str },
    /// GET meters/{meter_name}/statistics (1.6.2.6).
    Statistics { meter: &'a str },
    /// GET alarms (1.6.2.7).
    ListAlarms,
    /// POST alarms (1.6.2.8).
    CreateAlarm,
    /// GET alarms/{id} (1.6.2.9).
    ShowAlarm { id: &'a str },
    /// PUT alarms/{id} (1.6.2.10).
    UpdateAlarm { id: &'a str },
    /// DELETE alarms/{id} (1.6.2.11).
    DeleteAlarm { id: &'a str },
    /// GET alarms/{id}/state (1.6.2.12).
    AlarmState { id: &'a str },
    /// PUT alarms/{id}/state (1.6.2.13).
    SetAlarmState { id: &'a str },
    /// GET alarms/{id}/history (1.6.2.14).
    AlarmHistory { id: &'a str },
}

impl<'a> Endpoint<'a> {
    /// The instance id in the path, if any.
    pub fn instance(&self) -> Option<&'a str> {
        match self {
            Endpoint::ShowInstance { id }
            | Endpoint::ModifyInstance { id }
            | Endpoint::DeleteInstance { id }
            | Endpoint::Pitr { id }
            | Endpoint::Action { id }
            | Endpoint::ListLogFiles { id }
            | Endpoint::ReadLogFile { id, .. }
            | Endpoint::ApplyMaintenance { id } => Some(id),
            _ => None,
        }
    }
}

/// A routed request: the path's `{tenantId}` and the endpoint (borrowed from the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routed<'a> {
    pub tenant: &'a str,
    pub endpoint: Endpoint<'a>,
}

/// Known path, wrong method: the methods of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodNotAllowed {
    pub allow: &'static str,
}

/// Whether a path is Fujitsu's (by its prefix).
pub fn owns(segs: &[&str]) -> bool {
    segs.first() == Some(&"v1.0")
}

/// `None`: no such path.
pub fn route<'a>(method: &Method, segs: &[&'a str]) -> Option<Result<Routed<'a>, MethodNotAllowed>> {
    use Endpoint::*;
    let ["v1.0", tenant, rest @ ..] = segs else { return None };
    let s = |x: &'a str| x;
    let endpoint: Result<Endpoint<'a>, &'static str> = match (rest, method.clone()) {
        (["auth", "token"], Method::POST) => Ok(Token),
        (["auth", "token"], _) => Err("POST"),
        (["instances"], Method::GET) => Ok(ListInstances),
        (["instances"], Method::POST) => Ok(PostInstances),
        (["instances"], _) => Err("GET, POST"),
        (["instances", id], Method::GET) => Ok(ShowInstance { id: s(id) }),
        (["instances", id], Method::PUT) => Ok(ModifyInstance { id: s(id) }),
        (["instances", id], Method::DELETE) => Ok(DeleteInstance { id: s(id) }),
        (["instances", id], Method::POST) => Ok(Pitr { id: s(id) }),
        (["instances", _], _) => Err("GET, PUT, DELETE, POST"),
        (["instances", id, "action"], Method::POST) => Ok(Action { id: s(id) }),
        (["instances", _, "action"], _) => Err("POST"),
        (["engineversion"], Method::GET) => Ok(EngineVersions),
        (["engineversion"], _) => Err("GET"),
        (["flavors"], Method::GET) => Ok(ListFlavors),
        (["flavors"], _) => Err("GET"),
        (["flavors", id], Method::GET) => Ok(ShowFlavor { id: s(id) }),
        (["flavors", _], _) => Err("GET"),
        (["snapshots"], Method::GET) => Ok(ListSnapshots),
        (["snapshots"], Method::POST) => Ok(CreateSnapshot),
        (["snapshots"], _) => Err("GET, POST"),
        (["snapshots", id], Method::GET) => Ok(ShowSnapshot { id: s(id) }),
        (["snapshots", id], Method::PUT) => Ok(CopySnapshot { id: s(id) }),
        (["snapshots", id], Method::DELETE) => Ok(DeleteSnapshot { id: s(id) }),
        (["snapshots", _], _) => Err("GET, PUT, DELETE"),
        (["parametergroups"], Method::GET) => Ok(ListParameterGroups),
        (["parametergroups"], Method::POST) => Ok(CreateParameterGroup),
        (["parametergroups"], _) => Err("GET, POST"),
        (["parametergroups", id], Method::GET) => Ok(ShowParameterGroup { id: s(id) }),
        (["parametergroups", id], Method::PUT) => Ok(ModifyParameterGroup { id: s(id) }),
        (["parametergroups", id], Method::DELETE) => Ok(DeleteParameterGroup { id: s(id) }),
        (["parametergroups", _], _) => Err("GET, PUT, DELETE"),
        (["eventnotifications"], Method::GET) => Ok(ListSubscriptions),
        (["eventnotifications"], Method::POST) => Ok(CreateSubscription),
        (["eventnotifications"], _) => Err("GET, POST"),
        (["eventnotifications", id], Method::GET) => Ok(ShowSubscription { id: s(id) }),
        (["eventnotifications", id], Method::PUT) => Ok(UpdateSubscription { id: s(id) }),
        (["eventnotifications", id], Method::DELETE) => Ok(DeleteSubscription { id: s(id) }),
        (["eventnotifications", _], _) => Err("GET, PUT, DELETE"),
        (["eventcategories", t], Method::GET) => Ok(EventCategories { source_type: s(t) }),
        (["eventcategories", _], _) => Err("GET"),
        (["events"], Method::GET) => Ok(ListEvents),
        (["events"], _) => Err("GET"),
        (["logfiles", id], Method::GET) => Ok(ListLogFiles { id: s(id) }),
        (["logfiles", _], _) => Err("GET"),
        (["logfiles", id, name], Method::GET) => Ok(ReadLogFile { id: s(id), name: s(name) }),
        (["logfiles", _, _], _) => Err("GET"),
        (["security-groups"], Method::GET) => Ok(ListSecurityGroups),
        (["security-groups"], Method::POST) => Ok(CreateSecurityGroup),
        (["security-groups"], _) => Err("GET, POST"),
        (["security-groups", id], Method::GET) => Ok(ShowSecurityGroup { id: s(id) }),
        (["security-groups", id], Method::PUT) => Ok(UpdateSecurityGroup { id: s(id) }),
        (["security-groups", id], Method::DELETE) => Ok(DeleteSecurityGroup { id: s(id) }),
        (["security-groups", _], _) => Err("GET, PUT, DELETE"),
        (["security-group-rules"], Method::GET) => Ok(ListSecurityGroupRules),
        (["security-group-rules"], Method::POST) => Ok(CreateSecurityGroupRule),
        (["security-group-rules"], _) => Err("GET, POST"),
        (["security-group-rules", id], Method::GET) => Ok(ShowSecurityGroupRule { id: s(id) }),
        (["security-group-rules", id], Method::DELETE) => Ok(DeleteSecurityGroupRule { id: s(id) }),
        (["security-group-rules", _], _) => Err("GET, DELETE"),
        (["applymaintenance", id], Method::POST) => Ok(ApplyMaintenance { id: s(id) }),
        (["applymaintenance", _], _) => Err("POST"),
        (["database-service"], Method::GET) => Ok(ProjectInfo),
        (["database-service"], _) => Err("GET"),
        (["meter"], Method::POST) => Ok(StartMonitoring),
        (["meter"], Method::DELETE) => Ok(StopMonitoring),
        (["meter"], Method::GET) => Ok(ShowMonitoring),
        (["meter"], _) => Err("GET, POST, DELETE"),
        (["meters"], Method::GET) => Ok(ListMeters),
        (["meters"], _) => Err("GET"),
        (["meters", m], Method::GET) => Ok(ListSamples { meter: s(m) }),
        (["meters", _], _) => Err("GET"),
        (["meters", m, "statistics"], Method::GET) => Ok(Statistics { meter: s(m) }),
        (["meters", _, "statistics"], _) => Err("GET"),
        (["alarms"], Method::GET) => Ok(ListAlarms),
        (["alarms"], Method::POST) => Ok(CreateAlarm),
        (["alarms"], _) => Err("GET, POST"),
        (["alarms", id], Method::GET) => Ok(ShowAlarm { id: s(id) }),
        (["alarms", id], Method::PUT) => Ok(UpdateAlarm { id: s(id) }),
        (["alarms", id], Method::DELETE) => Ok(DeleteAlarm { id: s(id) }),
        (["alarms", _], _) => Err("GET, PUT, DELETE"),
        (["alarms", id, "state"], Method::GET) => Ok(AlarmState { id: s(id) }),
        (["alarms", id, "state"], Method::PUT) => Ok(SetAlarmState { id: s(id) }),
        (["alarms", _, "state"], _) => Err("GET, PUT"),
        (["alarms", id, "history"], Method::GET) => Ok(AlarmHistory { id: s(id) }),
        (["alarms", _, "history"], _) => Err("GET"),
        _ => return None,
    };
    Some(endpoint.map(|endpoint| Routed { tenant, endpoint }).map_err(|allow| MethodNotAllowed { allow }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(m: Method, p: &'static str) -> Option<Result<Routed<'static>, MethodNotAllowed>> {
        let segs: Vec<&'static str> = p.split('/').filter(|s| !s.is_empty()).collect();
        route(&m, &segs)
    }

    #[test]
    fn every_seed_path_routes() {
        let ep = |m, p: &str| {
            let full: &'static str = Box::leak(format!("/v1.0/t1{p}").into_boxed_str());
            r(m, full).unwrap().unwrap().endpoint
        };
        assert_eq!(ep(Method::POST, "/auth/token"), Endpoint::Token);
        assert_eq!(ep(Method::GET, "/instances"), Endpoint::ListInstances);
        assert_eq!(ep(Method::POST, "/instances/"), Endpoint::PostInstances);
        assert_eq!(ep(Method::GET, "/instances/db1"), Endpoint::ShowInstance { id: "db1" });
        assert_eq!(ep(Method::PUT, "/instances/db1"), Endpoint::ModifyInstance { id: "db1" });
        assert_eq!(ep(Method::DELETE, "/instances/db1"), Endpoint::DeleteInstance { id: "db1" });
        assert_eq!(ep(Method::POST, "/instances/db1"), Endpoint::Pitr { id: "db1" });
        assert_eq!(ep(Method::POST, "/instances/db1/action"), Endpoint::Action { id: "db1" });
        assert_eq!(ep(Method::GET, "/engineversion"), Endpoint::EngineVersions);
        assert_eq!(ep(Method::GET, "/flavors"), Endpoint::ListFlavors);
        assert_eq!(ep(Method::GET, "/flavors/11"), Endpoint::ShowFlavor { id: "11" });
        assert_eq!(ep(Method::GET, "/snapshots"), Endpoint::ListSnapshots);
        assert_eq!(ep(Method::POST, "/snapshots"), Endpoint::CreateSnapshot);
        assert_eq!(ep(Method::GET, "/snapshots/s1"), Endpoint::ShowSnapshot { id: "s1" });
        assert_eq!(ep(Method::PUT, "/snapshots/s1"), Endpoint::CopySnapshot { id: "s1" });
        assert_eq!(ep(Method::DELETE, "/snapshots/s1"), Endpoint::DeleteSnapshot { id: "s1" });
        assert_eq!(ep(Method::PUT, "/parametergroups/p1"), Endpoint::ModifyParameterGroup { id: "p1" });
        assert_eq!(ep(Method::GET, "/logfiles/db1"), Endpoint::ListLogFiles { id: "db1" });
        assert_eq!(ep(Method::GET, "/meter"), Endpoint::ShowMonitoring);
        assert_eq!(ep(Method::GET, "/alarms"), Endpoint::ListAlarms);
        assert_eq!(ep(Method::PUT, "/alarms/a1/state"), Endpoint::SetAlarmState { id: "a1" });
        assert_eq!(r(Method::GET, "/v1.0/t1/instances").unwrap().unwrap().tenant, "t1");
    }

    #[test]
    fn known_paths_with_another_method_are_405_with_allow() {
        assert_eq!(r(Method::DELETE, "/v1.0/t/instances"), Some(Err(MethodNotAllowed { allow: "GET, POST" })));
        assert_eq!(
            r(Method::PATCH, "/v1.0/t/instances/x"),
            Some(Err(MethodNotAllowed { allow: "GET, PUT, DELETE, POST" }))
        );
        assert_eq!(r(Method::GET, "/v1.0/t/instances/x/action"), Some(Err(MethodNotAllowed { allow: "POST" })));
        assert_eq!(r(Method::GET, "/v1.0/t/auth/token"), Some(Err(MethodNotAllowed { allow: "POST" })));
    }

    #[test]
    fn other_paths_are_not_found() {
        assert_eq!(r(Method::GET, "/v1.0/t/nothing"), None);
        assert_eq!(r(Method::GET, "/v1.0/t"), None);
        assert_eq!(r(Method::GET, "/v1.0/t/instances/x/action/y"), None);
        assert!(!owns(&["v1", "organizations"]));
        assert!(owns(&["v1.0"]));
    }
}
