//! What the core's fault engine, scenario loader and state restore need from Fujitsu:
//! the operation name of a request (journal, metrics, fault rules), the native injected
//! error, resource faults, the `identities.fujitsu` / `resources.fujitsu` sections of
//! scenarios, the state dump and its restore, scenario variables and the default
//! credentials. Here: the operation names, the injected error, the dump, the defaults;
//! the resource faults are `chaos::faults`, the scenario sections `chaos::seed`.
//!
//! Resource faults name an instance (or a snapshot) by id, in the path's tenant when the
//! rule matched a request: a state (any case; FAILED, ERROR and DEGENERATED are the
//! failure states, every other state works too and transitional ones settle as usual),
//! `fail_next_transition` (the next settle ends in FAILED, ERROR for a build) or
//! `stall_seconds` (the pending settle, or the next one, is that much later) or
//! `cpu_percent` (its `cpu_util` samples are at least that from now on, 0 clears; see
//! `monitoring`).
//!
//! May touch: every Fujitsu table, `transitions`, `instances` (seeded instances go
//! through the create handler, so they obey every rule of the API).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::FujitsuError;
use super::model::*;
use super::routes::{self, Endpoint};
use super::validate::actions;
use super::{Fujitsu, NAME};
use super::{DEFAULT_DOMAIN, DEFAULT_IAAS_TOKEN, DEFAULT_PASSWORD, DEFAULT_SUBNET, DEFAULT_TENANT, DEFAULT_TOKEN};
use super::{DEFAULT_USER, DEFAULT_USER_ID};
use crate::faults::Classified;
use crate::http::{ProviderError, Reply, Request};
use crate::providers::ResourceCount;

mod faults;
mod seed;

pub use faults::{check_state, resource_fault};
pub use seed::{seed_identities, seed_resources};

/// Whether the raw body might carry an `action` key (a plain create skips the parse).
fn mentions_action(body: &[u8]) -> bool {
    body.windows(6).any(|w| w == b"action") || body.contains(&b'\\')
}

/// The operation name of a routed request (the journal's, fault rules', OpenAPI's).
pub fn operation(endpoint: &Endpoint, req: &Request) -> &'static str {
    let action = || -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(&req.body).ok()? {
            Value::Object(mut o) => match o.remove("action")? {
                Value::Object(a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    };
    match endpoint {
        Endpoint::Token => "createToken",
        Endpoint::ListInstances => "listInstances",
        Endpoint::PostInstances if !mentions_action(&req.body) => "createInstance",
        Endpoint::PostInstances => match action().as_ref().map(|a| actions::post_instances(Some(a))) {
            Some(Ok(actions::PostInstances::RestoreSnapshot)) => "restoreInstanceFromSnapshot",
            Some(Ok(actions::PostInstances::ReadReplica)) => "createReadReplica",
            _ => "createInstance",
        },
        Endpoint::ShowInstance { .. } => "showInstance",
        Endpoint::ModifyInstance { .. } => "modifyInstance",
        Endpoint::DeleteInstance { .. } => "deleteInstance",
        Endpoint::Pitr { .. } => "restoreInstancePointInTime",
        Endpoint::Action { .. } => match action().as_ref().and_then(actions::action_key) {
            Some("start") => "startInstance",
            Some("stop") => "stopInstance",
            Some("reboot") => "rebootInstance",
            Some("cancel") => "cancelInstanceOperation",
            _ => "instanceAction",
        },
        Endpoint::EngineVersions => "listEngineVersions",
        Endpoint::ListFlavors => "listFlavors",
        Endpoint::ShowFlavor { .. } => "showFlavor",
        Endpoint::CreateSnapshot => "createSnapshot",
        Endpoint::ListSnapshots => "listSnapshots",
        Endpoint::ShowSnapshot { .. } => "showSnapshot",
        Endpoint::CopySnapshot { .. } => "copySnapshot",
        Endpoint::DeleteSnapshot { .. } => "deleteSnapshot",
        Endpoint::CreateParameterGroup => "createParameterGroup",
        Endpoint::ListParameterGroups => "listParameterGroups",
        Endpoint::ShowParameterGroup { .. } => "showParameterGroup",
        Endpoint::ModifyParameterGroup { .. } => "modifyParameterGroup",
        Endpoint::DeleteParameterGroup { .. } => "deleteParameterGroup",
        Endpoint::CreateSubscription => "createEventSubscription",
        Endpoint::ListSubscriptions => "listEventSubscriptions",
        Endpoint::ShowSubscription { .. } => "showEventSubscription",
        Endpoint::UpdateSubscription { .. } => match action().as_ref().and_then(super::validate::events::update_key) {
            Some("modify") => "modifyEventSubscription",
            Some("add") => "addSourceToSubscription",
            Some("remove") => "removeSourceFromSubscription",
            _ => "updateEventSubscription",
        },
        Endpoint::DeleteSubscription { .. } => "deleteEventSubscription",
        Endpoint::EventCategories { .. } => "listEventCategories",
        Endpoint::ListEvents => "listEvents",
        Endpoint::ListLogFiles { .. } => "listLogFiles",
        Endpoint::ReadLogFile { .. } => "readLogFile",
        Endpoint::CreateSecurityGroup => "createSecurityGroup",
        Endpoint::ListSecurityGroups => "listSecurityGroups",
        Endpoint::ShowSecurityGroup { .. } => "showSecurityGroup",
        Endpoint::UpdateSecurityGroup { .. } => "updateSecurityGroup",
        Endpoint::DeleteSecurityGroup { .. } => "deleteSecurityGroup",
        Endpoint::CreateSecurityGroupRule => "createSecurityGroupRule",
        Endpoint::ListSecurityGroupRules => "listSecurityGroupRules",
        Endpoint::ShowSecurityGroupRule { .. } => "showSecurityGroupRule",
        Endpoint::DeleteSecurityGroupRule { .. } => "deleteSecurityGroupRule",
        Endpoint::ApplyMaintenance { .. } => "applyMaintenance",
        Endpoint::ProjectInfo => "showDatabaseService",
        Endpoint::StartMonitoring => "startMonitoring",
        Endpoint::StopMonitoring => "stopMonitoring",
        Endpoint::ShowMonitoring => "showMonitoring",
        Endpoint::ListMeters => "listMeters",
        Endpoint::ListSamples { .. } => "listSamples",
        Endpoint::Statistics { .. } => "showStatistics",
        Endpoint::ListAlarms => "listAlarms",
        Endpoint::CreateAlarm => "createAlarm",
        Endpoint::ShowAlarm { .. } => "showAlarm",
        Endpoint::UpdateAlarm { .. } => "updateAlarm",
        Endpoint::DeleteAlarm { .. } => "deleteAlarm",
        Endpoint::AlarmState { .. } => "showAlarmState",
        Endpoint::SetAlarmState { .. } => "setAlarmState",
        Endpoint::AlarmHistory { .. } => "listAlarmHistory",
    }
}

/// Operation and tenant (the path's `{tenantId}`) before the handler runs.
pub fn classify(req: &Request, segs: &[&str]) -> Classified {
    let tenant = segs.get(1).map(|s| crate::id::Id::from(*s));
    let operation = match routes::route(&req.method, segs) {
        None => "unknownRoute",
        Some(Err(_)) => "methodNotAllowed",
        Some(Ok(r)) => operation(&r.endpoint, req),
    };
    Classified { provider: NAME, operation, tenant }
}

/// An injected status in the Fujitsu envelope (503/429 with `Retry-After`).
pub fn inject(status: u16, retry_after: Option<u64>) -> Reply {
    FujitsuError::Injected { status, retry_after }.into_reply("")
}

/// The instance a request names in its path, or (reply given) the one it created.
pub fn resource_target(req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
    let r = routes::route(&req.method, segs)?.ok()?;
    if let Some(id) = r.endpoint.instance() {
        return Some((r.tenant.to_owned(), id.to_owned()));
    }
    if r.endpoint == Endpoint::PostInstances {
        let body = reply?.body_json()?;
        return Some((r.tenant.to_owned(), body.get("instance")?.get("id")?.as_str()?.to_owned()));
    }
    super::snapshots::target(&r, reply)
}


/// The default identity's request headers (scenario `auth: fujitsu`): the default
/// service token, which never expires.
pub fn default_auth() -> Vec<(String, String)> {
    vec![("x-auth-token".into(), DEFAULT_TOKEN.into())]
}

pub fn variables() -> Vec<(String, String)> {
    [
        ("fujitsu.tenant", DEFAULT_TENANT),
        ("fujitsu.user", DEFAULT_USER),
        ("fujitsu.userId", DEFAULT_USER_ID),
        ("fujitsu.domain", DEFAULT_DOMAIN),
        ("fujitsu.password", DEFAULT_PASSWORD),
        ("fujitsu.iaasToken", DEFAULT_IAAS_TOKEN),
        ("fujitsu.token", DEFAULT_TOKEN),
        ("fujitsu.subnet", DEFAULT_SUBNET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn resource_counts(f: &Fujitsu) -> Vec<ResourceCount> {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
    for (_, i) in f.instances.all() {
        *counts.entry(("instance", i.status.as_str())).or_default() += 1;
    }
    for (_, s) in f.snapshots.all() {
        *counts.entry(("snapshot", s.status.as_str())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((kind, state), count)| ResourceCount { provider: NAME, kind, state: state.to_owned(), count })
        .collect()
}

// ---------------------------------------------------------------------------------------
// State dump and restore.

fn rows<V: DeserializeOwned>(v: &Value, name: &str) -> Result<Vec<V>, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| serde_json::from_value(x.clone()).map_err(|e| format!("{name}[{i}]: {e}")))
            .collect(),
        Some(_) => Err(format!("{name} must be a list")),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Counters {
    instances: u64,
    ips: u64,
    public_ips: u64,
}

struct Parsed {
    tenants: Vec<Tenant>,
    users: Vec<User>,
    iaas_tokens: Vec<IaasToken>,
    tokens: Vec<Token>,
    instances: Vec<Instance>,
    snapshots: Vec<Snapshot>,
    parameter_groups: Vec<ParameterGroup>,
    subscriptions: Vec<Subscription>,
    monitors: Vec<super::monitoring::Monitor>,
    alarms: Vec<super::alarms::Alarm>,
    security_groups: Vec<SecurityGroup>,
    events: Vec<super::history::DbEvent>,
    counters: Counters,
}

fn parse(v: &Value) -> Result<Parsed, String> {
    if !v.is_object() {
        return Err("must be an object".into());
    }
    const KNOWN: &[&str] =
        &[
        "tenants",
        "users",
        "iaasTokens",
        "tokens",
        "instances",
        "snapshots",
        "parameterGroups",
        "subscriptions",
        "monitors",
        "alarms",
        "securityGroups",
        "events",
        "counters",
    ];
    if let Some(k) = v.as_object().and_then(|o| o.keys().find(|k| !KNOWN.contains(&k.as_str()))) {
        return Err(format!("unknown key '{k}' (known: {})", KNOWN.join(", ")));
    }
    let p = Parsed {
        tenants: rows(v, "tenants")?,
        users: rows(v, "users")?,
        iaas_tokens: rows(v, "iaasTokens")?,
        tokens: rows(v, "tokens")?,
        instances: rows(v, "instances")?,
        snapshots: rows(v, "snapshots")?,
        parameter_groups: rows(v, "parameterGroups")?,
        subscriptions: rows(v, "subscriptions")?,
        monitors: rows(v, "monitors")?,
        alarms: rows(v, "alarms")?,
        security_groups: rows(v, "securityGroups")?,
        events: rows(v, "events")?,
        counters: match v.get("counters") {
            None | Some(Value::Null) => Counters::default(),
            Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("counters: {e}"))?,
        },
    };
    let known = |t: &str| p.tenants.iter().any(|x| x.id == t);
    if let Some((i, x)) = p.instances.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("instances[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.snapshots.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("snapshots[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.parameter_groups.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("parameterGroups[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.subscriptions.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("subscriptions[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.security_groups.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("securityGroups[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.monitors.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("monitors[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.alarms.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("alarms[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.events.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("events[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    if let Some((i, x)) = p.tokens.iter().enumerate().find(|(_, x)| !known(&x.tenant)) {
        return Err(format!("tokens[{i}]: tenant '{}' is not among the tenants", x.tenant));
    }
    Ok(p)
}

pub fn check_restore(v: &Value) -> Result<(), String> {
    parse(v).map(|_| ())
}

/// Replaces every table with a dump's, parsed whole first; the counters continue after
/// the dump's largest values.
pub fn restore(f: &Fujitsu, v: &Value) -> Result<(), String> {
    let p = parse(v)?;
    let _guard = f.lock();
    let max_seq = p.instances.iter().map(|i| i.seq).max().unwrap_or(0);
    f.tenants.replace(p.tenants.into_iter().map(|t| (String::new(), t.id.clone(), t)));
    f.users.replace(p.users.into_iter().map(|u| (String::new(), u.id.clone(), u)));
    f.iaas_tokens.replace(p.iaas_tokens.into_iter().map(|t| (String::new(), t.token_digest.clone(), t)));
    f.tokens.replace(p.tokens.into_iter().map(|t| (String::new(), t.token_digest.clone(), t)));
    f.instances.replace(p.instances.into_iter().map(|i| (i.tenant.to_string(), i.id.to_string(), i)));
    f.snapshots.replace(p.snapshots.into_iter().map(|s| (s.tenant.clone(), s.id.clone(), s)));
    f.parameter_groups.replace(p.parameter_groups.into_iter().map(|g| (g.tenant.clone(), g.id.clone(), g)));
    f.subscriptions.replace(p.subscriptions.into_iter().map(|s| (s.tenant.clone(), s.id.clone(), s)));
    f.monitors.replace(p.monitors.into_iter().map(|m| (String::new(), m.tenant.clone(), m)));
    f.alarms.replace(p.alarms.into_iter().map(|a| (a.tenant.clone(), a.id.clone(), a)));
    f.security_groups.replace(p.security_groups.into_iter().map(|g| (g.tenant.clone(), g.id.clone(), g)));
    let cap = f.settings().events_cap as usize;
    f.history().replace(p.events, cap);
    f.set_counters([p.counters.instances.max(max_seq), p.counters.ips, p.counters.public_ips]);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::SimInstant;
    use crate::secret::Secret;
    use serde_json::json;

    /// A plausible stored instance (ACTIVE, default tenant), for unit tests.
    pub fn sample_instance() -> Instance {
        let now = SimInstant::ZERO;
        Instance {
            id: "db1".into(),
            tenant: DEFAULT_TENANT.into(),
            seq: 1,
            name: "db1".into(),
            description: None,
            status: InstanceStatus::Active,
            created: now,
            updated: now,
            flavor: "1".into(),
            volume: Volume { size: 20, kind: "M2".into() },
            subnet_id: DEFAULT_SUBNET.into(),
            private_ip: "10.125.52.10".into(),
            public_ip: None,
            multi: true,
            port: 26500,
            backup_window: Daily { start: 720, end: 750 },
            maintenance_window: Weekly { start: 6 * DAY + 780, end: 6 * DAY + 810 },
            recovery: Some(Recovery::Immediately),
            auto_maintenance: true,
            publicly_accessible: false,
            security_groups: vec!["default".into()],
            parameter_group: "default".into(),
            backup_retention: 1,
            engine: "enterprisepostgres".into(),
            engine_version: "12".into(),
            engine_minor_version: "0".into(),
            master_user_name: "postgres".into(),
            master_password: PasswordHistory::new(now, Secret::new("pw")),
            character_set: "UTF8".into(),
            collate: "C".into(),
            download_log_extension: false,
            databases: Vec::new(),
            users: Vec::new(),
            auto_scale: AutoScale {
                volume_available: false,
                volume_max_size: 10000,
                volume_time: Daily { start: 60, end: 90 },
                flavor_available: false,
                flavor_time: Daily { start: 120, end: 150 },
                replica_available: false,
                replica_max_number: 5,
                replica_ips: Vec::new(),
                replica_public_ips: Vec::new(),
            },
            pending: crate::sparse::Sparse::default(),
            replica_of: None,
            replicas: Vec::new(),
            replica_status: None,
            stopped_degenerated: false,
            backup_series: 0,
            generation: 0,
            transit: None,
            fail_next: false,
            stall_next: 0,
            cpu_loads: Default::default(),
        }
    }

    #[test]
    fn an_instance_round_trips_through_the_dump_format() {
        let i = sample_instance();
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["backupWindow"], "12:00-12:30");
        assert_eq!(v["maintenanceWindow"], "Sun:13:00-Sun:13:30");
        assert_eq!(v["status"], "ACTIVE");
        let back: Instance = serde_json::from_value(v).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn a_dump_with_an_unknown_tenant_is_refused_whole() {
        let i = serde_json::to_value(sample_instance()).unwrap();
        let e = check_restore(&json!({"tenants": [], "instances": [i]})).unwrap_err();
        assert!(e.contains("instances[0]"), "{e}");
        assert!(check_restore(&json!({"bogus": []})).unwrap_err().contains("bogus"));
        assert!(check_restore(&json!({"instances": [{"id": 1}]})).is_err());
    }

    #[test]
    fn states_are_checked_in_any_case() {
        assert!(check_state("degenerated").is_ok());
        assert!(check_state("Restart_Required").is_ok());
        assert!(check_state("in_progress").is_ok());
        assert!(check_state("melted").is_err());
    }
}
