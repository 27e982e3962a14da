//! Fujitsu DBaaS (FUJITSU Hybrid IT Service Digital Application Platform, database
//! service API, `/v1.0/{tenantId}/...`): token auth and the DB virtual server
//! ("instance") family.
//!
//! Owns the tenants with their subnets, parameter groups and security groups, users,
//! IaaS and database-service tokens, instances with their 15-state machine, DB
//! snapshots (manual and automated, 1.3), DB parameter groups (1.5), event subscriptions
//! and the event history (1.7) with the log files made of it (1.4), security groups
//! and their rules (1.11, 1.12), and the `{"Error": {...}}` envelope.
//!
//! May touch: `crate::store` (its own tables), `crate::providers::Cx` (clock reading,
//! seeded ids, the schedule), `crate::http`, `crate::validation`, `crate::config`.
//! Must not touch: other providers, `admin`, `server`, `scenario`.
//! Authority: seed `001_d8dce1e49d487248.txt` (1.1, 1.2.2.1–1.2.2.15, 1.8);
//! `spec/fujitsu/00-decisions.md` wins over the extracts `01-…`, `02-…`, `03-…` §1.8.
//!
//! # Layout
//! - `routes`: method + path → [`routes::Endpoint`]; `validate::actions` picks the
//!   operation of the shared paths from the body.
//! - `auth`: `POST auth/token` and the `X-Auth-Token` check.
//! - `wire` (request mirrors) → `validate/` (one function per rule) → `instances`
//!   (one handler per operation) → `transitions` (the scheduled settles) → `view`.
//! - `snapshots`: the DB snapshot family and the automated backups' snapshots.
//! - `paramgroups`: DB parameter groups; `parameters`: their parameter catalogue.
//! - `history`: the events every change emits, a bounded ring per tenant; `events`: the
//!   event-notification subscriptions, categories and the event list.
//! - `logfiles`: PostgreSQL log files generated from an instance's history.
//! - `monitoring`: monitoring use, meters, samples and statistics; `alarms`: alarms,
//!   evaluated on the clock.
//! - `secgroups`: security groups and their rules. `maintenance`: apply maintenance and
//!   the project info.
//! - `model`: states, the `can(op)` table, records, events. `error`: the envelope.
//! - `catalog`: flavors and engine versions. `settings`: knobs `fujitsu.*`.
//! - `chaos`: classification, injected errors, resource faults, scenario sections,
//!   state dump and restore. `hooks`: `/_sim/fujitsu/...`. `openapi`. `seam`: the
//!   `Provider` / `Scheduled` impls.
//!
//! # Operations (journal names = OpenAPI operationIds or `x-dbaas-sim-operations`)
//! `createToken`, `createInstance`, `restoreInstanceFromSnapshot`, `createReadReplica`
//! (all `POST /instances`), `deleteInstance`, `modifyInstance`,
//! `restoreInstancePointInTime`, `startInstance`, `stopInstance`, `rebootInstance`,
//! `cancelInstanceOperation` (the last four `POST /instances/{id}/action`; a body that
//! names none is `instanceAction`), `listInstances`, `showInstance`,
//! `listEngineVersions`, `listFlavors`, `showFlavor`; `createSnapshot`, `listSnapshots`,
//! `showSnapshot`, `copySnapshot`, `deleteSnapshot`; `createParameterGroup`,
//! `listParameterGroups`, `showParameterGroup`, `modifyParameterGroup`,
//! `deleteParameterGroup`; `createEventSubscription`, `listEventSubscriptions`,
//! `showEventSubscription`, `modifyEventSubscription`, `addSourceToSubscription`,
//! `removeSourceFromSubscription` (the last three `PUT eventnotifications/{id}`; a body
//! naming no action is `updateEventSubscription`), `deleteEventSubscription`,
//! `listEventCategories`, `listEvents`; `listLogFiles`, `readLogFile`;
//! `createSecurityGroup`, `listSecurityGroups`, `showSecurityGroup`,
//! `updateSecurityGroup`, `deleteSecurityGroup`, `createSecurityGroupRule`,
//! `listSecurityGroupRules`, `showSecurityGroupRule`, `deleteSecurityGroupRule`;
//! `applyMaintenance`, `showDatabaseService`; `startMonitoring`, `stopMonitoring`,
//! `showMonitoring`, `listMeters`, `listSamples`, `showStatistics`; `listAlarms`,
//! `createAlarm`, `showAlarm`, `updateAlarm`, `deleteAlarm`, `showAlarmState`,
//! `setAlarmState`, `listAlarmHistory`;
//! `unknownRoute`, `methodNotAllowed`.
//!
//! # Default identity (DESIGN.md)
//! Tenant `0123456789abcdef0123456789abcdef`; user `simuser` (id
//! `9e604c79ced44f88b3ac8e2d4c640a1c`, the seed's example user id, line 12497) in domain
//! `simdomain`, password `simpassword`; IaaS token `sim-iaas-token`; and, for scenario
//! steps, the never-expiring service token `sim-fujitsu-token`. The tenant owns the
//! seed examples' subnet `f45dabec-fae7-4a4e-8c3b-7f878602f12a` (10.125.52.0/24, with
//! an Internet gateway), the parameter groups `default` and `paramid1` and the security
//! groups `default`, `secid1`, `secid2` that the examples name.

pub mod alarms;
pub mod auth;
pub mod catalog;
pub mod chaos;
pub mod error;
pub mod events;
pub mod history;
pub mod hooks;
pub mod instances;
pub mod logfiles;
pub mod maintenance;
pub mod model;
pub mod monitoring;
pub mod openapi;
pub mod paramgroups;
pub mod parameters;
pub mod routes;
pub mod secgroups;
pub mod seam;
pub mod settings;
pub mod snapshots;
pub mod transitions;
pub mod validate;
pub mod view;
pub mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde_json::Value;

use crate::config::Knobs;
use crate::http::{json_object, ProviderError, Reply, Request};
use crate::id::Id;
use crate::providers::{Cx, Handled};
use crate::store::Table;

use auth::Principal;
pub use error::FujitsuError;
pub use model::Event;
use model::*;
use routes::Endpoint;
pub use settings::Settings;

pub const NAME: &str = "fujitsu";

pub const DEFAULT_TENANT: &str = "0123456789abcdef0123456789abcdef";
pub const DEFAULT_USER: &str = "simuser";
pub const DEFAULT_USER_ID: &str = "9e604c79ced44f88b3ac8e2d4c640a1c";
pub const DEFAULT_DOMAIN: &str = "simdomain";
pub const DEFAULT_PASSWORD: &str = "simpassword";
pub const DEFAULT_IAAS_TOKEN: &str = "sim-iaas-token";
/// A database-service token of the default user that never expires: the default
/// identity's `X-Auth-Token` for scenario steps (`auth: fujitsu`, `${fujitsu.token}`).
pub const DEFAULT_TOKEN: &str = "sim-fujitsu-token";
pub const DEFAULT_SUBNET: &str = "f45dabec-fae7-4a4e-8c3b-7f878602f12a";
pub const DEFAULT_SUBNET_CIDR: &str = "10.125.52.0/24";
pub const DEFAULT_PARAMETER_GROUP: &str = "default";
pub const DEFAULT_SECURITY_GROUP: &str = "default";

/// Every Fujitsu table. Identity tables use the tenant `""`; instances and snapshots
/// are keyed by `(tenantId, id)`.
pub struct Fujitsu {
    knobs: Knobs<Settings>,
    pub tenants: Table<Tenant>,
    pub users: Table<User>,
    /// Keyed by the token's sha256.
    pub iaas_tokens: Table<IaasToken>,
    /// Keyed by the token's sha256.
    pub tokens: Table<Token>,
    pub instances: Table<Instance>,
    pub snapshots: Table<Snapshot>,
    /// Records of the tenants' DB parameter groups (see `paramgroups::load`).
    pub parameter_groups: Table<ParameterGroup>,
    /// Records of the tenants' security groups (see `secgroups::load`).
    pub security_groups: Table<SecurityGroup>,
    /// Each tenant's use of monitoring (1.6.2.1), keyed `("", tenantId)`.
    pub monitors: Table<monitoring::Monitor>,
    /// Alarms (1.6.2.7–1.6.2.14).
    pub alarms: Table<alarms::Alarm>,
    /// Event-notification subscriptions (1.7).
    pub subscriptions: Table<Subscription>,
    /// The DB event history, a bounded ring per tenant (1.7.2.8).
    history: Mutex<history::History>,
    /// Creation order of instances (the list order).
    instance_seq: AtomicU64,
    /// Address counters of private and public IPs.
    ip_seq: AtomicU64,
    public_ip_seq: AtomicU64,
    /// Tokens issued since the last sweep of expired ones.
    token_count: AtomicU64,
    /// Serialises every mutation (check-then-act of ids and quotas, transitions), never
    /// held across an `.await`.
    mutate: Mutex<()>,
}

/// A handler's success: status, JSON body bytes (empty for 202), extra headers.
pub struct Out {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Out {
    pub fn json(status: StatusCode, body: Vec<u8>) -> Self {
        Out { status, body, headers: Vec::new() }
    }

    /// 202 with an empty body (DELETE and the `/action` POSTs, 00-decisions).
    pub fn accepted() -> Self {
        Out { status: StatusCode::ACCEPTED, body: Vec::new(), headers: Vec::new() }
    }
}

pub type Res = Result<Out, FujitsuError>;

/// One authenticated request: what every handler gets.
pub struct Call<'a> {
    pub req: &'a Request,
    pub cx: &'a Cx<'a>,
    /// The path's `{tenantId}`, which the token was checked against.
    pub tenant: &'a str,
    pub principal: Principal,
    pub settings: Arc<Settings>,
    pub links: view::Links<'a>,
}

impl Call<'_> {
    pub fn tenant(&self) -> &str {
        self.tenant
    }
}

/// The body as JSON (an empty body is `{}`); core rejections in the Fujitsu envelope.
pub fn body_value(req: &Request) -> Result<Value, FujitsuError> {
    Ok(Value::Object(json_object(req)?))
}

/// The body as a request mirror: straight from its bytes when it is one plain JSON
/// object (the common case, no `Value` tree), else through [`body_value`] and
/// [`wire::mirror`], whose answers and error texts are the reference.
pub fn body_mirror<T: wire::Kind + serde::de::DeserializeOwned>(req: &Request) -> Result<T, FujitsuError> {
    if !req.body_too_large && crate::http::is_json_content(req) {
        if let Some(t) = wire::mirror_bytes(&req.body) {
            return Ok(t);
        }
    }
    let body = body_value(req)?;
    wire::mirror(&body).ok_or_else(|| FujitsuError::Malformed("the body must be a JSON object".into()))
}

impl Fujitsu {
    pub(crate) fn build(cx: &Cx) -> Self {
        let f = Fujitsu {
            knobs: Knobs::new(NAME, settings::KNOBS),
            tenants: Table::default(),
            users: Table::default(),
            iaas_tokens: Table::default(),
            tokens: Table::default(),
            instances: Table::default(),
            snapshots: Table::default(),
            parameter_groups: Table::default(),
            subscriptions: Table::default(),
            monitors: Table::default(),
            alarms: Table::default(),
            security_groups: Table::default(),
            history: Mutex::new(history::History::default()),
            instance_seq: AtomicU64::new(0),
            ip_seq: AtomicU64::new(0),
            public_ip_seq: AtomicU64::new(0),
            token_count: AtomicU64::new(0),
            mutate: Mutex::new(()),
        };
        f.seed_defaults(cx);
        f
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.knobs.get()
    }

    pub(crate) fn knob_set(&self) -> &Knobs<Settings> {
        &self.knobs
    }

    /// The event history (never held while another Fujitsu lock is taken).
    pub(crate) fn history(&self) -> MutexGuard<'_, history::History> {
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The lock every mutation takes.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ()> {
        self.mutate.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The default tenant, user and IaaS token (DESIGN.md contract).
    fn seed_defaults(&self, _cx: &Cx) {
        self.tenants.insert(
            "",
            DEFAULT_TENANT,
            Tenant {
                id: DEFAULT_TENANT.into(),
                subnets: vec![Subnet {
                    id: DEFAULT_SUBNET.into(),
                    cidr: DEFAULT_SUBNET_CIDR.into(),
                    internet_gateway: true,
                }],
                parameter_groups: vec![DEFAULT_PARAMETER_GROUP.into(), "paramid1".into()],
                security_groups: vec![DEFAULT_SECURITY_GROUP.into(), "secid1".into(), "secid2".into()],
            },
        );
        self.users.insert(
            "",
            DEFAULT_USER_ID,
            User {
                id: DEFAULT_USER_ID.into(),
                name: DEFAULT_USER.into(),
                domain: DEFAULT_DOMAIN.into(),
                password: crate::secret::Secret::new(DEFAULT_PASSWORD),
                tenants: vec![DEFAULT_TENANT.into()],
            },
        );
        let sha = crate::secret::digest(DEFAULT_IAAS_TOKEN);
        self.iaas_tokens.insert(
            "",
            &sha,
            IaasToken { token_digest: sha.clone(), user_id: DEFAULT_USER_ID.into(), expires: None },
        );
        let sha = crate::secret::digest(DEFAULT_TOKEN);
        let token = Token {
            token_digest: sha.clone(),
            user_id: DEFAULT_USER_ID.into(),
            tenant: DEFAULT_TENANT.into(),
            expires: crate::clock::SimInstant(u64::MAX),
        };
        self.tokens.insert("", &sha, token);
    }

    pub(crate) fn clear(&self) {
        self.tenants.clear();
        self.users.clear();
        self.iaas_tokens.clear();
        self.tokens.clear();
        self.instances.clear();
        self.snapshots.clear();
        self.parameter_groups.clear();
        self.subscriptions.clear();
        self.monitors.clear();
        self.alarms.clear();
        self.security_groups.clear();
        *self.history() = history::History::default();
        for seq in [&self.instance_seq, &self.ip_seq, &self.public_ip_seq, &self.token_count] {
            seq.store(0, Ordering::Relaxed);
        }
    }

    /// Back to the default identities and no resources.
    pub(crate) fn reset_all(&self, cx: &Cx) {
        let _guard = self.lock();
        self.clear();
        self.seed_defaults(cx);
    }

    /// Drops expired tokens once every 256 issued, so a long run's token table stays
    /// bounded without a scan per request.
    pub(crate) fn prune_tokens(&self, cx: &Cx) {
        if self.token_count.fetch_add(1, Ordering::Relaxed) % 256 == 255 {
            self.tokens.retain(|_, t| t.expires > cx.now);
        }
    }

    pub(crate) fn next_instance_seq(&self) -> u64 {
        self.instance_seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Instance, private-IP and public-IP counters (the state dump continues them).
    pub(crate) fn counters(&self) -> [u64; 3] {
        [&self.instance_seq, &self.ip_seq, &self.public_ip_seq].map(|c| c.load(Ordering::Relaxed))
    }

    pub(crate) fn set_counters(&self, values: [u64; 3]) {
        for (c, v) in [&self.instance_seq, &self.ip_seq, &self.public_ip_seq].into_iter().zip(values) {
            c.store(v, Ordering::Relaxed);
        }
    }

    /// A private address of the subnet (seed 934–941: from the subnet's CIDR), hosts
    /// from .10 on, in turn.
    pub(crate) fn private_ip(&self, cidr: &str) -> String {
        let n = self.ip_seq.fetch_add(1, Ordering::Relaxed);
        let (base, bits) = parse_cidr(cidr).unwrap_or((u32::from_be_bytes([10, 0, 0, 0]), 24));
        let span = (1u64 << (32 - bits.clamp(8, 30))).saturating_sub(20).max(1);
        let addr = (base & (u32::MAX << (32 - bits.clamp(8, 30)))).wrapping_add(10 + (n % span) as u32);
        std::net::Ipv4Addr::from(addr).to_string()
    }

    /// A global address (seed 943–950), from 203.0.113.10 (a documentation range) on.
    pub(crate) fn public_ip(&self) -> String {
        let n = self.public_ip_seq.fetch_add(1, Ordering::Relaxed);
        let addr = u32::from_be_bytes([203, 0, 113, 10]).wrapping_add((n % 65_000) as u32);
        std::net::Ipv4Addr::from(addr).to_string()
    }

    /// Answers one request under `/v1.0`.
    pub(crate) fn serve(&self, req: &Request, segs: &[&str], cx: &Cx) -> Handled {
        let (operation, tenant, result) = match routes::route(&req.method, segs) {
            None => (
                "unknownRoute",
                segs.get(1).map(|s| Id::from(*s)),
                Err(FujitsuError::NotFound("ResourceNotFound".into())),
            ),
            Some(Err(m)) => {
                ("methodNotAllowed", segs.get(1).map(|s| Id::from(*s)), Err(FujitsuError::MethodNotAllowed(m.allow)))
            }
            Some(Ok(r)) => {
                let operation = chaos::operation(&r.endpoint, req);
                let result = self.dispatch(req, &r, cx);
                (operation, Some(Id::from(r.tenant)), result)
            }
        };
        Handled { reply: render(result), provider: NAME, operation, tenant }
    }

    fn dispatch(&self, req: &Request, r: &routes::Routed, cx: &Cx) -> Res {
        if r.endpoint == Endpoint::Token {
            return auth::create_token(self, req, r.tenant, cx);
        }
        let principal = auth::authenticate(self, req, r.tenant, cx)?;
        let settings = self.settings();
        let links = view::Links::new(req.header(hyper::header::HOST), r.tenant);
        let call = Call { req, cx, tenant: r.tenant, principal, settings, links };
        let clamp = call.settings.clamp_list_limit;
        match &r.endpoint {
            Endpoint::Token => unreachable!("answered above"),
            Endpoint::ListInstances => instances::list(self, &call),
            Endpoint::PostInstances => instances::post(self, &call),
            Endpoint::ShowInstance { id } => instances::show(self, &call, id),
            Endpoint::ModifyInstance { id } => instances::modify(self, &call, id),
            Endpoint::DeleteInstance { id } => instances::delete(self, &call, id),
            Endpoint::Pitr { id } => instances::pitr(self, &call, id),
            Endpoint::Action { id } => instances::action(self, &call, id),
            Endpoint::EngineVersions => catalog::list_engine_versions(req, clamp),
            Endpoint::ListFlavors => catalog::list_flavors(req, &call.links, clamp),
            Endpoint::ShowFlavor { id } => catalog::show_flavor(id, &call.links),
            Endpoint::CreateSnapshot => snapshots::create(self, &call),
            Endpoint::ListSnapshots => snapshots::list(self, &call),
            Endpoint::ShowSnapshot { id } => snapshots::show(self, &call, id),
            Endpoint::CopySnapshot { id } => snapshots::copy(self, &call, id),
            Endpoint::DeleteSnapshot { id } => snapshots::delete(self, &call, id),
            Endpoint::CreateParameterGroup => paramgroups::create(self, &call),
            Endpoint::ListParameterGroups => paramgroups::list(self, &call),
            Endpoint::ShowParameterGroup { id } => paramgroups::show(self, &call, id),
            Endpoint::ModifyParameterGroup { id } => paramgroups::modify(self, &call, id),
            Endpoint::DeleteParameterGroup { id } => paramgroups::delete(self, &call, id),
            Endpoint::CreateSubscription => events::create(self, &call),
            Endpoint::ListSubscriptions => events::list(self, &call),
            Endpoint::ShowSubscription { id } => events::show(self, &call, id),
            Endpoint::UpdateSubscription { id } => events::update(self, &call, id),
            Endpoint::DeleteSubscription { id } => events::delete(self, &call, id),
            Endpoint::EventCategories { source_type } => events::categories(source_type),
            Endpoint::ListEvents => events::list_events(self, &call),
            Endpoint::ListLogFiles { id } => logfiles::list(self, &call, id),
            Endpoint::ReadLogFile { id, name } => logfiles::read(self, &call, id, name),
            Endpoint::CreateSecurityGroup => secgroups::create(self, &call),
            Endpoint::ListSecurityGroups => secgroups::list(self, &call),
            Endpoint::ShowSecurityGroup { id } => secgroups::show(self, &call, id),
            Endpoint::UpdateSecurityGroup { id } => secgroups::update(self, &call, id),
            Endpoint::DeleteSecurityGroup { id } => secgroups::delete(self, &call, id),
            Endpoint::CreateSecurityGroupRule => secgroups::create_rule(self, &call),
            Endpoint::ListSecurityGroupRules => secgroups::list_rules(self, &call),
            Endpoint::ShowSecurityGroupRule { id } => secgroups::show_rule(self, &call, id),
            Endpoint::DeleteSecurityGroupRule { id } => secgroups::delete_rule(self, &call, id),
            Endpoint::ApplyMaintenance { id } => maintenance::apply(self, &call, id),
            Endpoint::ProjectInfo => maintenance::project(&call),
            Endpoint::StartMonitoring => monitoring::start(self, &call),
            Endpoint::StopMonitoring => monitoring::stop(self, &call),
            Endpoint::ShowMonitoring => monitoring::show(self, &call),
            Endpoint::ListMeters => monitoring::list_meters(self, &call),
            Endpoint::ListSamples { meter } => monitoring::list_samples(self, &call, meter),
            Endpoint::Statistics { meter } => monitoring::statistics(self, &call, meter),
            Endpoint::ListAlarms => alarms::list(self, &call),
            Endpoint::CreateAlarm => alarms::create(self, &call),
            Endpoint::ShowAlarm { id } => alarms::show(self, &call, id),
            Endpoint::UpdateAlarm { id } => alarms::update(self, &call, id),
            Endpoint::DeleteAlarm { id } => alarms::delete(self, &call, id),
            Endpoint::AlarmState { id } => alarms::get_state(self, &call, id),
            Endpoint::SetAlarmState { id } => alarms::put_state(self, &call, id),
            Endpoint::AlarmHistory { id } => alarms::history(self, &call, id),
        }
    }
}

/// `a.b.c.d/n` → (address, n).
fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (addr, bits) = cidr.split_once('/')?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
    Some((u32::from(addr), bits))
}

fn render(result: Res) -> Reply {
    match result {
        Ok(out) if out.body.is_empty() => Reply { status: out.status, headers: out.headers.into(), body: bytes::Bytes::new() },
        Ok(out) => {
            let mut reply = Reply::json_bytes(out.status, out.body);
            reply.headers.extend(out.headers);
            reply
        }
        Err(e) => e.into_reply(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_give_addresses_inside_them() {
        assert_eq!(parse_cidr("10.125.52.0/24"), Some((u32::from_be_bytes([10, 125, 52, 0]), 24)));
        assert_eq!(parse_cidr("nope"), None);
    }
}
