//! Oracle Cloud My Services API for Exadata Cloud@Customer
//! (`/itas/{domain}/myservices/api/v1/...`) and the ECRA helper endpoints
//! (`/ecra/endpoint/...`).
//!
//! Owns every Oracle resource (identity domains, users, tokens, service definitions,
//! purchase and service entitlements, cloud accounts, service instances with their VM
//! clusters, operations), the operation / item / instance / cluster state machines, the
//! `MSError` and ECRA error envelopes, and the EXAUNIT_ALLOCATIONS grammar.
//! May touch: `crate::store` (its own tables), `crate::providers::Cx` (clock reading,
//! schedule), `crate::http`, `crate::validation`, `crate::config`.
//! Must not touch: other providers, `admin`, `server`.
//! Authority: seed `003_c3b2a6a3fcbca7a3.txt` ("Exadataインスタンスの管理"); extract
//! `spec/oracle-myservices.md` §2–16.
//!
//! # Request flow (spec §2, §5)
//! route (`routes.rs`) → auth (T01–T07, `auth.rs`) → rate limit (T09) → the family's
//! handler. `POST operations` (`operations.rs`): role (T08) → content type (T10) → outer
//! envelope (T11–T17, `validate`) → per-definition attributes (C*, U*, X*) →
//! EXAUNIT_ALLOCATIONS (P*, A01–A05, R01–R06, D01) → instance preconditions (U04, U05,
//! X03, C05, C10, C11) → accept (201) and schedule the steps of §11.4. The backend checks
//! (A06–A15, R07–R11, D02–D03, X02) run when the operation starts.
//!
//! # Control hooks (`/_sim/oracle/...`, `hooks.rs`)
//! - `POST domains {name, alias?, username?, password?, canMutate?}`: another identity domain.
//! - `POST users {domain?, username, password, canMutate?}`: another user.
//! - `POST tokens {domain?, username?, token?, expiresIn?}`: a bearer token (`tokenLifetime`).
//! - `POST tokens/{token}/expire`: the token expires now (T05).
//! - `POST entitlements {domain?, id, serviceDefinition?, ...}` and `PATCH entitlements/{id}`
//!   `{status, eligibleDataCenters, allowedRackSizes, model, additionalCores, burstCores,
//!   maxInstances}`: entitlement data and hidden fields (§4.2, §10.4).
//! - `POST instances/{id}/state {"status": "SUSPENDED"}` and
//!   `POST instances/{id}/clusters/{exaunit}/state {"status": "UPDATING"}`: force a state.
//! - `GET|POST|DELETE faults` `{definition?, operation?, instanceId?, phase, message, count}`:
//!   injected asynchronous failures (§13).
//!
//! Every `{domain}` defaults to `mydomain`. `GET /_sim/state` shows every table under
//! `providers.oracle`.
//!
//! # Chaos (`chaos.rs`, `failures.rs`, `openapi.rs`)
//! The provider-neutral `/_sim/faults` rules, scenario `identities.oracle` /
//! `resources.oracle`, `PUT /_sim/state` and `GET /_sim/openapi/oracle.json` reach Oracle
//! through `chaos.rs`. Forced states and armed failures go through `failures.rs` whether
//! they come from a fault rule or from the hooks above, which stay as the Oracle-specific
//! shortcut (a chosen message and phase for `faults`).

pub mod auth;
pub mod capacity;
pub mod catalog;
pub mod chaos;
pub mod collection;
pub mod ecra;
pub mod entitlements;
pub mod error;
pub mod failures;
pub mod hooks;
pub mod instances;
pub mod model;
pub mod openapi;
pub mod operations;
pub mod payload;
pub mod routes;
pub mod settings;
pub mod validate;
pub mod view;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::clock::SimInstant;
use crate::config::{KnobSet, Knobs};
use crate::dump::StateOut;
use crate::http::{ProviderError, Reply, Request};
use crate::id::Id;
use crate::faults::{Classified, ResourceFault};
use crate::providers::{Cx, Handled, Provider, ResourceCount, Scheduled, Transition};
use crate::secret::Secret;
use crate::store::Table;

use auth::Principal;
pub use error::OracleError;
pub use model::Event;
use model::*;
use routes::Op;
pub use settings::Settings;

pub const NAME: &str = "oracle";

/// The default identity (DESIGN.md contract).
pub const DEFAULT_DOMAIN: &str = "mydomain";
pub const DEFAULT_DOMAIN_ALIAS: &str = "idcs-00000000000000000000000000000001";
pub const DEFAULT_USER: &str = "john.smith@example.com";
pub const DEFAULT_PASSWORD: &str = "Welcome1!";
pub const DEFAULT_ENTITLEMENT: &str = "cesi-500073421";
pub const DEFAULT_DATA_CENTER: &str = "US001";
pub const EXADATA_DEFINITION: &str = "502579309";
pub const DEFAULT_PURCHASE_ENTITLEMENT: &str = "511203590";
pub const DEFAULT_CLOUD_ACCOUNT: &str = "cacct-be7475efc2c54995bc842d3379d35812";
/// A Storage entitlement, so that definition filters and C09 have something to refuse.
pub const STORAGE_ENTITLEMENT: &str = "cesi-500089779";

/// Operation and item ids count from here (§2.6).
const OPERATION_ID_BASE: u64 = 700_000_000;

/// Every Oracle table. Keys are `(identity domain name, id)`; global tables use `""`.
pub struct Oracle {
    knobs: Knobs<Settings>,
    /// Shared values: an authenticated request holds its domain without copying it.
    pub domains: Table<Arc<Domain>>,
    /// Lower-cased IDCS GUID → domain name; tenant `""`.
    pub aliases: Table<String>,
    pub tokens: Table<Token>,
    pub definitions: Table<ServiceDefinition>,
    pub purchase_entitlements: Table<PurchaseEntitlement>,
    pub cloud_accounts: Table<CloudAccount>,
    pub entitlements: Table<Entitlement>,
    /// Keyed by the numeric instance id.
    pub instances: Table<Instance>,
    pub operations: Table<Operation>,
    pub faults: Table<Fault>,
    /// `(domain, requestId)` → `(digest, operation id)` (knob `idempotency=requestId`).
    pub idempotency: Table<(String, String)>,
    /// Per `(domain, user)`: request times of the current rate-limit window.
    pub rate: Table<Vec<SimInstant>>,
    instance_seq: AtomicU64,
    operation_seq: AtomicU64,
    exaunit_seq: AtomicU64,
    fault_seq: AtomicU64,
    /// Serialises every mutation (accepting an operation, applying a step), so that the
    /// check-then-act of name uniqueness, entitlement slots and the busy flag never races
    /// (§10.1 "Mutations are serialised", §12). Never held across an `.await`.
    mutate: Mutex<()>,
}

/// One authenticated call: what every handler gets.
pub struct Call<'a> {
    pub req: &'a Request,
    pub cx: &'a Cx<'a>,
    pub principal: Principal,
    pub settings: Arc<Settings>,
    /// `/itas/{domain as the request spelled it}/myservices/api/v1` (links echo the alias).
    pub base: String,
}

impl Call<'_> {
    pub fn domain(&self) -> &str {
        &self.principal.domain.name
    }
}

/// A handler's success.
pub struct Out {
    pub status: StatusCode,
    pub body: Body,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// A success body: a `Value`, or JSON text a view wrote already (the GET and list
/// paths, [`view`]).
pub enum Body {
    Value(Value),
    Text(Vec<u8>),
}

impl From<Value> for Body {
    fn from(v: Value) -> Self {
        Body::Value(v)
    }
}

impl Body {
    /// The body as a `Value` (a scenario step reading an answer).
    pub fn into_value(self) -> Value {
        match self {
            Body::Value(v) => v,
            Body::Text(t) => serde_json::from_slice(&t).expect("the views write valid JSON"),
        }
    }
}

impl Out {
    pub fn ok(body: Value) -> Self {
        Out { status: StatusCode::OK, body: Body::Value(body), headers: Vec::new() }
    }

    /// A 200 whose body is JSON text already written.
    pub fn text(body: Vec<u8>) -> Self {
        Out { status: StatusCode::OK, body: Body::Text(body), headers: Vec::new() }
    }
}

pub type Res = Result<Out, OracleError>;

impl Oracle {
    pub fn settings(&self) -> Arc<Settings> {
        self.knobs.get()
    }

    /// The lock every mutation takes (see [`Oracle::mutate`] field).
    pub(crate) fn lock(&self) -> MutexGuard<'_, ()> {
        self.mutate.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The default identity domain, user, catalogue and entitlement (DESIGN.md, §13).
    fn seed_defaults(&self, _cx: &Cx) {
        for (id, name) in [(EXADATA_DEFINITION, "Exadata"), ("500089778", "Storage"), ("500123193", "Compute")] {
            self.definitions.insert("", id, ServiceDefinition { id: id.into(), name: name.into() });
        }
        self.add_domain(Domain {
            name: DEFAULT_DOMAIN.into(),
            alias: DEFAULT_DOMAIN_ALIAS.into(),
            id: "511203592".into(),
            display_name: DEFAULT_DOMAIN.into(),
            users: vec![User { username: DEFAULT_USER.into(), password: Secret::new(DEFAULT_PASSWORD), can_mutate: true }],
            cloud_account_id: DEFAULT_CLOUD_ACCOUNT.into(),
        });
        self.purchase_entitlements.insert(
            DEFAULT_DOMAIN,
            DEFAULT_PURCHASE_ENTITLEMENT,
            PurchaseEntitlement {
                id: DEFAULT_PURCHASE_ENTITLEMENT.into(),
                service_definition_id: EXADATA_DEFINITION.into(),
                status: EntitlementStatus::Active,
                created_on: SimInstant::ZERO,
                created_by: "admin@example.com".into(),
            },
        );
        self.entitlements.insert(DEFAULT_DOMAIN, DEFAULT_ENTITLEMENT, default_entitlement(DEFAULT_ENTITLEMENT));
        let mut storage = default_entitlement(STORAGE_ENTITLEMENT);
        storage.service_definition_id = "500089778".into();
        storage.allowed_rack_sizes = Vec::new();
        self.entitlements.insert(DEFAULT_DOMAIN, STORAGE_ENTITLEMENT, storage);
    }

    /// Adds an identity domain with its alias and cloud account.
    pub fn add_domain(&self, d: Domain) {
        self.aliases.insert("", &d.alias.to_ascii_lowercase(), d.name.clone());
        self.cloud_accounts.insert(
            &d.name,
            &d.cloud_account_id,
            CloudAccount { id: d.cloud_account_id.clone(), name: d.name.clone() },
        );
        self.domains.insert("", &d.name.clone(), Arc::new(d));
    }

    /// The next numeric instance id (knob `instanceIdStart`; an id in use is skipped).
    pub(crate) fn next_instance_id(&self) -> u64 {
        let start = self.settings().instance_id_start;
        loop {
            let id = start.saturating_add(self.instance_seq.fetch_add(1, Ordering::Relaxed));
            if self.instances.count_where(|k, _| k.1 == id.to_string()) == 0 {
                return id;
            }
        }
    }

    /// The next operation / item id (9 digits from 700000001, §2.6).
    pub(crate) fn next_operation_id(&self) -> String {
        (OPERATION_ID_BASE + 1 + self.operation_seq.fetch_add(1, Ordering::Relaxed)).to_string()
    }

    /// The next ExaunitID: global, from 1, never reused (§2.6).
    pub(crate) fn next_exaunit_id(&self) -> u64 {
        1 + self.exaunit_seq.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn next_fault_id(&self) -> String {
        format!("fault-{}", 1 + self.fault_seq.fetch_add(1, Ordering::Relaxed))
    }

    /// Auth, rate limit, then the family's handler; answers the domain name for the journal.
    fn authorized(
        &self,
        req: &Request,
        cx: &Cx,
        settings: Arc<Settings>,
        r: &routes::Routed,
    ) -> Result<(Out, Id), OracleError> {
        if settings.allow_anon && r.domain.as_deref() == Some(".anon") {
            if let Some(out) = catalog::anonymous(self, req, &settings, &r.op) {
                return out.map(|o| (o, Id::from(".anon")));
            }
        }
        let principal = auth::authenticate(self, req, r.domain.as_deref(), cx)?;
        if settings.rate_limit > 0 {
            auth::t09_rate_limit(self, &principal, cx.now, settings.rate_limit)?;
        }
        let spelled = r.domain.as_deref().unwrap_or(&principal.domain.name);
        let base = format!("/itas/{spelled}/myservices/api/v1");
        let domain = Id::from(&principal.domain.name);
        let call = Call { req, cx, principal, settings, base };
        self.dispatch(&call, &r.op).map(|out| (out, domain))
    }

    fn dispatch(&self, call: &Call, op: &Op) -> Res {
        use Op::*;
        match op {
            ListServiceDefinitions
            | GetServiceDefinition { .. }
            | ListCloudAccounts
            | GetCloudAccount { .. }
            | ListPurchaseEntitlements
            | GetPurchaseEntitlement { .. }
            | GetOperationItemDefinition { .. } => catalog::handle(self, call, op),
            ListServiceEntitlements
            | GetServiceEntitlement { .. }
            | ListEntitlementConfigurations { .. }
            | GetEntitlementConfiguration { .. } => entitlements::handle(self, call, op),
            ListServiceInstances
            | GetServiceInstance { .. }
            | ListInstanceConfigurations { .. }
            | GetInstanceConfiguration { .. } => instances::handle(self, call, op),
            CreateOperation | ListOperations | GetOperation { .. } => operations::handle(self, call, op),
            Unsupported { name } => Err(OracleError::Unsupported(format!(
                "{name} is not supported by this simulator (out of scope: bursting, security groups, PUT operations)"
            ))),
            EcraClusterShapes | EcraHardwareInfo | EcraExaserviceList | EcraResourceInfo { .. } | EcraStatus { .. } => {
                ecra::handle(self, call, op)
            }
        }
    }

}

/// The paths Oracle answers: `/itas/...`, `/ecra/...`, and the seed's typo without
/// `/itas` (`/{domain}/myservices`, served only under knob `acceptMissingItasPrefix`;
/// refused in Oracle's envelope otherwise). The fuzz harness checks envelopes by it too.
pub fn owns_path(segs: &[&str]) -> bool {
    matches!(segs.first(), Some(&"itas") | Some(&"ecra")) || segs.get(1) == Some(&"myservices")
}

impl Provider for Oracle {
    fn new(cx: &Cx) -> Self {
        let o = Oracle {
            knobs: Knobs::new(NAME, settings::KNOBS),
            domains: Table::default(),
            aliases: Table::default(),
            tokens: Table::default(),
            definitions: Table::default(),
            purchase_entitlements: Table::default(),
            cloud_accounts: Table::default(),
            entitlements: Table::default(),
            instances: Table::default(),
            operations: Table::default(),
            faults: Table::default(),
            idempotency: Table::default(),
            rate: Table::default(),
            instance_seq: AtomicU64::new(0),
            operation_seq: AtomicU64::new(0),
            exaunit_seq: AtomicU64::new(0),
            fault_seq: AtomicU64::new(0),
            mutate: Mutex::new(()),
        };
        o.seed_defaults(cx);
        o
    }

    fn knobs(&self) -> &dyn KnobSet {
        &self.knobs
    }

    fn reset(&self, cx: &Cx) {
        let _guard = self.lock();
        self.domains.clear();
        self.aliases.clear();
        self.tokens.clear();
        self.definitions.clear();
        self.purchase_entitlements.clear();
        self.cloud_accounts.clear();
        self.entitlements.clear();
        self.instances.clear();
        self.operations.clear();
        self.faults.clear();
        self.idempotency.clear();
        self.rate.clear();
        for seq in [&self.instance_seq, &self.operation_seq, &self.exaunit_seq, &self.fault_seq] {
            seq.store(0, Ordering::Relaxed);
        }
        self.seed_defaults(cx);
    }

    /// Answers one request under `/itas`, `/ecra` or (knob) `/{domain}/myservices`.
    fn handle(&self, req: &Request, segs: &[&str], cx: &Cx) -> Handled {
        let settings = self.settings();
        let (operation, result, tenant) = match routes::route(&req.method, segs) {
            None => ("unknownRoute", Err(OracleError::NotFound(format!("No resource at {}", req.path))), None),
            Some(Err(m)) => ("methodNotAllowed", Err(OracleError::MethodNotAllowed(m.allow)), None),
            Some(Ok(r)) if r.missing_prefix && !settings.accept_missing_itas_prefix => {
                ("unknownRoute", Err(OracleError::NotFound(format!("No resource at {}", req.path))), None)
            }
            Some(Ok(r)) => {
                let name = r.op.name();
                let result = self.authorized(req, cx, settings, &r);
                let tenant = match &result {
                    Ok((_, t)) => Some(t.clone()),
                    Err(_) => r.domain.as_deref().map(Id::from),
                };
                (name, result.map(|(out, _)| out), tenant)
            }
        };
        Handled { reply: render(result), provider: NAME, operation, tenant }
    }

    /// `/_sim/oracle/...` hooks.
    fn admin(&self, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
        hooks::handle(self, req, segs, cx)
    }

    /// Every resource, by kind (`GET /_sim/state`), hidden fields included. Rows of
    /// tables keyed by identity domain carry their `domain`; `counters` holds the id
    /// counters, so that `PUT /_sim/state` (`chaos::restore`) continues them.
    fn write_state(&self, _cx: &Cx, out: &mut StateOut<'_>) -> std::io::Result<()> {
        out.object()?;
        out.table_with_tenant("domains", &self.domains, "domain")?;
        out.table_with_tenant("tokens", &self.tokens, "domain")?;
        out.table_with_tenant("serviceDefinitions", &self.definitions, "domain")?;
        out.table_with_tenant("purchaseEntitlements", &self.purchase_entitlements, "domain")?;
        out.table_with_tenant("cloudAccounts", &self.cloud_accounts, "domain")?;
        out.table_with_tenant("serviceEntitlements", &self.entitlements, "domain")?;
        out.table_with_tenant("serviceInstances", &self.instances, "domain")?;
        out.table_with_tenant("operations", &self.operations, "domain")?;
        out.table_with_tenant("faults", &self.faults, "domain")?;
        out.rows("idempotency", &self.idempotency, |(domain, request_id), (digest, operation), buf, pretty| {
            let row = json!({"domain": domain, "requestId": request_id, "digest": digest, "operation": operation});
            crate::dump::render(&row, buf, pretty)
        })?;
        out.field(
            "counters",
            &json!({
                "instances": self.instance_seq.load(Ordering::Relaxed),
                "operations": self.operation_seq.load(Ordering::Relaxed),
                "exaunits": self.exaunit_seq.load(Ordering::Relaxed),
                "faults": self.fault_seq.load(Ordering::Relaxed),
            }),
        )?;
        out.end()
    }

    fn resource_counts(&self) -> Vec<ResourceCount> {
        use std::collections::BTreeMap;
        let mut counts: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        for (_, i) in self.instances.all() {
            *counts.entry(("serviceInstance", i.status.as_str().to_owned())).or_default() += 1;
            for c in i.clusters.values() {
                *counts.entry(("vmCluster", c.status.as_str().to_owned())).or_default() += 1;
            }
        }
        for (_, op) in self.operations.all() {
            *counts.entry(("operation", op.status.as_str().to_owned())).or_default() += 1;
        }
        for (_, e) in self.entitlements.all() {
            *counts.entry(("serviceEntitlement", e.status.as_str().to_owned())).or_default() += 1;
        }
        counts.into_iter().map(|((kind, state), count)| ResourceCount { provider: NAME, kind, state, count }).collect()
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn owns(&self, segs: &[&str]) -> bool {
        owns_path(segs)
    }

    fn classify(&self, req: &Request, segs: &[&str]) -> Classified {
        chaos::classify(self, req, segs)
    }

    fn inject(&self, status: u16, retry_after: Option<u64>, _cx: &Cx) -> Reply {
        chaos::inject(status, retry_after)
    }

    fn resource_target(&self, req: &Request, segs: &[&str], reply: Option<&Reply>) -> Option<(String, String)> {
        chaos::resource_target(self, req, segs, reply)
    }

    fn check_resource_state(&self, state: &str) -> Result<(), String> {
        chaos::check_state(state)
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
        chaos::check_restore(part)
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

impl Scheduled for Oracle {
    type Event = Event;

    /// Applies a due event.
    fn apply(&self, event: Event, cx: &Cx) -> Vec<Transition> {
        operations::apply(self, event, cx)
    }
}

/// The default entitlement's shape (§13 default seed): Exadata, ACTIVE, US001, Quarter or
/// Half Rack, X7-2, one instance.
pub fn default_entitlement(id: &str) -> Entitlement {
    Entitlement {
        id: id.to_owned(),
        service_definition_id: EXADATA_DEFINITION.into(),
        purchase_entitlement_id: DEFAULT_PURCHASE_ENTITLEMENT.into(),
        status: EntitlementStatus::Active,
        eligible_data_centers: vec![DEFAULT_DATA_CENTER.into()],
        allowed_rack_sizes: vec!["Quarter Rack".into(), "Half Rack".into()],
        model: capacity::Model::X7_2,
        additional_cores: 0,
        burst_cores: 0,
        max_instances: 1,
        created_on: SimInstant::ZERO,
        created_by: "admin@example.com".into(),
        modified_on: SimInstant::ZERO,
        modified_by: "admin@example.com".into(),
    }
}

fn render(result: Res) -> Reply {
    match result {
        Ok(out) => {
            let mut reply = match out.body {
                Body::Value(v) => Reply::json(out.status, &v),
                Body::Text(t) => Reply::json_bytes(out.status, t),
            };
            reply.headers.extend(out.headers);
            reply
        }
        Err(e) => e.into_reply(""),
    }
}
