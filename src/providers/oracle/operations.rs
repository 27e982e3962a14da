//! Operations (spec §5, §6, §10–12): `POST operations` for the three Exadata operation
//! item definitions, polling `GET operations/{id}`, `GET operations`, and the steps the
//! scheduler applies.
//!
//! Accepting answers 201 with the operation at once (NEW / item READY; a CREATE's instance
//! appears in BEGIN_ACTIVATION). Then, on the simulated clock (§11.4):
//! - `start` (`durations.startDelay`): the backend checks run; a failure ends the
//!   operation FAILED at once. Otherwise the operation and item go PROCESSING, resources
//!   are reserved and clusters enter CREATING / UPDATING / DELETING; a DELETE moves the
//!   instance to BEGIN_TERMINATION.
//! - `asyncWait` (`durations.submit` after the start): the item goes ASYNC_WAIT.
//! - `finish` (the plan's duration after the start): PROCESSED, inventory committed,
//!   the instance's busy flag released.
//!
//! Every mutation (accept and each step) runs under `Oracle::lock`, and each step is
//! guarded by the operation's generation and status, so nothing is half-applied and a
//! reset or forced state turns a stale step into a no-op.

use chrono::DateTime;
use hyper::header::{HeaderValue, LOCATION, RETRY_AFTER};
use hyper::StatusCode;

use super::auth;
use super::capacity;
use super::collection::{self, list_filter, matches_any, Order};
use super::error::OracleError;
use super::model::*;
use super::routes::Op;
use super::settings::Settings;
use super::validate::backend::{self, Limits};
use super::validate::create::{self as c, EXAUNIT_ALLOCATIONS};
use super::validate::update as u;
use super::validate::{self, allocations, Attrs};
use super::view;
use super::{Call, Oracle, Out, Res, NAME};
use crate::clock::SimInstant;
use crate::http::is_json_content;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Rule};

pub fn handle(o: &Oracle, call: &Call, op: &Op) -> Res {
    match op {
        Op::CreateOperation => create(o, call),
        Op::ListOperations => list(o, call),
        Op::GetOperation { id } => get(o, call, id),
        _ => Err(OracleError::NotFound(format!("No resource at {}", call.req.path))),
    }
}

/// `expands=none|operationItems` (§3 #2); default `operationItems`.
fn expand_items(call: &Call) -> Result<bool, OracleError> {
    const VALUES: &[&str] = &["none", "operationItems"];
    match call.req.query_param("expands") {
        None => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("operationItems") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("none") => Ok(false),
        Some(_) => Err(OracleError::Attribute(FieldError::new("expands", Rule::OneOf(VALUES)))),
    }
}

/// The answer for one operation: 200 (or 201), `Retry-After: 2` while not terminal (§11.4).
fn operation_out(call: &Call, op: &Operation, status: StatusCode) -> Result<Out, OracleError> {
    let body = view::operation(call, op, expand_items(call)?);
    let mut out = Out { status, body: body.into(), headers: Vec::new() };
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&format!("{}/operations/{}", call.base, op.id)) {
            out.headers.push((LOCATION, v));
        }
    }
    if !op.status.is_terminal() {
        out.headers.push((RETRY_AFTER, HeaderValue::from_static("2")));
    }
    Ok(out)
}

/// G01: `GET operations/{id}`; another domain's operation is 404 too.
fn get(o: &Oracle, call: &Call, id: &str) -> Res {
    let op = o.operations.get(call.domain(), id).ok_or_else(|| OracleError::not_found("Operation", id))?;
    operation_out(call, &op, StatusCode::OK)
}

/// What the sync rules decided, before anything is stored.
struct Prepared {
    plan: Plan,
    /// Entitlement of a CREATE (the new instance's capacity comes from it).
    entitlement: Option<Entitlement>,
    /// `definition|instance|decoded payload` when a `requestId` was given.
    digest: Option<(String, String)>,
}

/// `POST operations` (§5): every synchronous rule, then accept.
fn create(o: &Oracle, call: &Call) -> Res {
    let settings = &call.settings;
    auth::t08_can_mutate(&call.principal)?;
    if call.req.body_too_large {
        return Err(OracleError::TooLarge);
    }
    // T10: a declared content type must be JSON (§2.3).
    if !is_json_content(call.req) {
        return Err(OracleError::UnsupportedMediaType);
    }
    let body = validate::t11_outer_json(&call.req.body, settings.lenient_outer_json)?;
    let items = validate::t12_operation_items(&body)?;
    let item = validate::t13_single_item(items)?;
    let def = validate::t14_definition(item)?;
    validate::t15_operation_type(item, def)?;
    let attrs = validate::t17_unique_names(validate::t16_attributes(item)?)?;

    // From here on the answer depends on stored state: one mutation at a time.
    let _guard = o.lock();
    let prepared = match def {
        Definition::Create => prepare_create(o, call, &attrs)?,
        Definition::Update => prepare_update(o, call, &attrs)?,
        Definition::Delete => prepare_delete(o, call, &attrs)?,
    };
    if let Some((request_id, digest)) = &prepared.digest {
        if settings.idempotency_request_id {
            if let Some((seen, op_id)) = o.idempotency.get(call.domain(), request_id) {
                if &seen != digest {
                    return Err(OracleError::Conflict(format!(
                        "requestId {request_id} was already used with a different payload (operation {op_id})"
                    )));
                }
                if let Some(op) = o.operations.get(call.domain(), &op_id) {
                    return operation_out(call, &op, StatusCode::CREATED);
                }
            }
        }
    }
    preconditions(o, call, &prepared)?;
    if settings.sync_backend_validation {
        sync_backend(o, call, &prepared)?;
    }
    let op = accept(o, call, prepared, attrs)?;
    operation_out(call, &op, StatusCode::CREATED)
}

fn digest_of(def: Definition, instance: &str, allocation: &Allocation, text: &str) -> Option<(String, String)> {
    allocation.request_id.clone().map(|r| (r, format!("{}|{instance}|{text}", def.id())))
}

/// C01–C24 (but C05, C10, C11: see [`preconditions`]) and P01–P08/A01–A05 for a CREATE.
fn prepare_create(o: &Oracle, call: &Call, attrs: &Attrs) -> Result<Prepared, OracleError> {
    let settings = &call.settings;
    let domain = call.domain();
    let name = c::instance_name(c::c01_name_present(attrs)?, settings.strict_instance_names)?;
    let ent = c::c06_entitlement_present(attrs)?;
    c::c07_entitlement_prefix(ent)?;
    let e = c::c08_entitlement_known(ent, o.entitlements.get(domain, &format!("cesi-{ent}")))?;
    let def_name = o.definitions.get("", &e.service_definition_id).map(|d| d.name).unwrap_or_default();
    c::c09_entitlement_exadata(&e, &def_name)?;
    c::c12_size(attrs)?;
    c::c13_service_type(attrs)?;
    let (admin, invoker_admin) = c::c14_admins(attrs, settings.require_admin_attributes)?;
    let exa_unit_name = c::c15_exa_unit_name(attrs)?;
    let mut flags = [false; 3];
    for (slot, field) in flags.iter_mut().zip([c::CREATE_SPARSE, c::BACKUP_TO_DISK, c::IS_BYOL]) {
        *slot = c::c17_flag_value(field, c::c16_flag_present(attrs, field)?)?;
    }
    let [create_sparse, backup_to_disk, is_byol] = flags;
    let rack = c::c19_rack_size_allowed(c::c18_rack_size_present(attrs)?, &e)?;
    let dc = c::c20_data_center_present(attrs)?;
    c::c21_data_center_eligible(dc, &e)?;
    let (client_network, backup_network) = c::c22_networks(attrs)?;
    let multi = c::c24_multivm_value(attrs)?;
    let has_allocations = attrs.has(EXAUNIT_ALLOCATIONS);
    c::c23_multivm_pairing(multi, has_allocations)?;
    let (allocation, digest) = if has_allocations {
        let b64 = attrs.get(EXAUNIT_ALLOCATIONS).unwrap_or("");
        let (a, text) = allocations::allocation(b64, true, settings.max_payload_bytes as usize)?;
        let digest = digest_of(Definition::Create, &name, &a, &text);
        (Some(a), digest)
    } else {
        (None, None)
    };
    let spec = CreateSpec {
        name,
        entitlement_id: e.id.clone(),
        rack,
        model: e.model,
        data_center: dc.to_owned(),
        is_byol,
        exa_unit_name,
        create_sparse,
        backup_to_disk,
        client_network,
        backup_network,
        admin,
        invoker_admin,
        allocation,
    };
    Ok(Prepared { plan: Plan::Create { instance: 0, spec: Box::new(spec) }, entitlement: Some(e), digest })
}

/// U01–U03, U08, U06, U07 and the allocation rows (U04, U05: see [`preconditions`]).
fn prepare_update(o: &Oracle, call: &Call, attrs: &Attrs) -> Result<Prepared, OracleError> {
    let settings = &call.settings;
    let raw = u::u01_instance_id_present(attrs)?;
    let id = u::u02_instance_id(raw, settings.accept_csi_prefix)?;
    let inst = u::u02_instance_known(raw, o.instances.get(call.domain(), &id.to_string()))?;
    let ent = c::c06_entitlement_present(attrs)?;
    c::c07_entitlement_prefix(ent)?;
    u::u03_entitlement_matches(ent, &inst)?;
    u::u08_service_type_and_size(attrs, true)?;
    let b64 = u::u06_allocations_present(attrs, EXAUNIT_ALLOCATIONS)?;
    u::u07_multivm_true(attrs)?;
    let (allocation, text) = allocations::allocation(b64, false, settings.max_payload_bytes as usize)?;
    let digest = digest_of(Definition::Update, &id.to_string(), &allocation, &text);
    Ok(Prepared { plan: Plan::Update { instance: id, allocation }, entitlement: None, digest })
}

/// X01, U02, U03, U08 (X03, U04, U05: see [`preconditions`]).
fn prepare_delete(o: &Oracle, call: &Call, attrs: &Attrs) -> Result<Prepared, OracleError> {
    let (raw, ent) = u::x01_delete_required(attrs)?;
    let id = u::u02_instance_id(raw, call.settings.accept_csi_prefix)?;
    let inst = u::u02_instance_known(raw, o.instances.get(call.domain(), &id.to_string()))?;
    c::c07_entitlement_prefix(ent)?;
    u::u03_entitlement_matches(ent, &inst)?;
    u::u08_service_type_and_size(attrs, false)?;
    Ok(Prepared { plan: Plan::Delete { instance: id }, entitlement: None, digest: None })
}

/// The rows that depend on the state of the domain, checked last (after a retried
/// `requestId` had the chance to find its original operation, §12): C05, C10, C11 for a
/// CREATE; U04, U05 for an UPDATE; X03, U04, U05 for a DELETE.
fn preconditions(o: &Oracle, call: &Call, p: &Prepared) -> Result<(), OracleError> {
    let domain = call.domain();
    match (&p.plan, &p.entitlement) {
        (Plan::Create { spec, .. }, Some(e)) => {
            let settings = &call.settings;
            let holds_name =
                |i: &Instance| i.name == spec.name && (!settings.reuse_terminated_names || i.status.is_live());
            c::c05_name_unique(&spec.name, o.instances.list(domain).iter().any(holds_name))?;
            c::c10_entitlement_active(e)?;
            let live = o.instances.count_where(|k, i| k.0 == domain && i.entitlement_id == e.id && i.status.is_live());
            c::c11_entitlement_slots(e, live as u64)
        }
        (Plan::Create { .. }, None) => Err(OracleError::Conflict("The service entitlement is gone".into())),
        (plan, _) => {
            let id = plan.instance().to_string();
            let inst = o.instances.get(domain, &id).ok_or_else(|| OracleError::not_found("Service instance", &id))?;
            if let Plan::Delete { .. } = plan {
                u::x03_not_terminating(&inst)?;
                u::u04_instance_status(&inst, InstanceOp::Delete)?;
            } else {
                u::u04_instance_status(&inst, InstanceOp::Update)?;
            }
            u::u05_not_busy(&inst)
        }
    }
}

/// A new instance for a CREATE, in BEGIN_ACTIVATION, capacity from the rack catalogue
/// and the entitlement (§6.1, §8.2).
fn new_instance(call: &Call, id: u64, spec: &CreateSpec, e: &Entitlement, op_id: Option<String>) -> Instance {
    let cap = capacity::capacity(spec.model, spec.rack);
    let now = call.cx.now;
    Instance {
        numeric_id: id,
        domain: call.domain().to_owned(),
        name: spec.name.clone(),
        entitlement_id: spec.entitlement_id.clone(),
        status: InstanceStatus::BeginActivation,
        status_before_delete: None,
        multi_vm: spec.allocation.is_some(),
        rack: spec.rack,
        model: spec.model,
        base_cores: cap.base_cores(),
        additional_cores: e.additional_cores,
        burst_cores: e.burst_cores,
        data_center: spec.data_center.clone(),
        is_byol: spec.is_byol,
        create_sparse: spec.create_sparse,
        backup_to_disk: spec.backup_to_disk,
        client_network: spec.client_network.clone(),
        backup_network: spec.backup_network.clone(),
        admin: spec.admin.clone(),
        invoker_admin: spec.invoker_admin.clone(),
        clusters: Default::default(),
        in_flight: op_id,
        stall_until: None,
        created_on: now,
        created_by: String::from(&call.principal.username),
        modified_on: now,
        modified_by: String::from(&call.principal.username),
    }
}

/// Knob `backendValidation=sync`: the backend checks at POST time, as 400 `PAYLOAD`.
fn sync_backend(o: &Oracle, call: &Call, p: &Prepared) -> Result<(), OracleError> {
    let limits = Limits::from(&call.settings);
    let result = match (&p.plan, &p.entitlement) {
        (Plan::Create { spec, .. }, Some(e)) => {
            let inst = new_instance(call, 0, spec, e, None);
            match &spec.allocation {
                Some(Allocation { op: AllocationOp::Add(add), .. }) => backend::check_add(&inst, add, &limits),
                _ => Ok(()),
            }
        }
        (plan, _) => match o.instances.get(call.domain(), &plan.instance().to_string()) {
            Some(inst) => backend_checks(&inst, plan, &call.settings).map(|_| ()),
            None => Ok(()),
        },
    };
    result.map_err(|m| OracleError::Payload(FieldError::message(allocations::FIELD, m)))
}

/// The backend checks of a plan against the instance as it is now (§7.5–7.7, X02);
/// `Ok(true)` when a reshape changes nothing (R11).
fn backend_checks(inst: &Instance, plan: &Plan, settings: &Settings) -> Result<bool, String> {
    let limits = Limits::from(settings);
    match plan {
        Plan::Create { spec, .. } => match &spec.allocation {
            Some(Allocation { op: AllocationOp::Add(add), .. }) => {
                backend::check_add(inst, add, &limits).map(|_| false)
            }
            _ => Ok(false),
        },
        Plan::Update { allocation, .. } => {
            backend::a06_multi_vm(inst)?;
            match &allocation.op {
                AllocationOp::Add(add) => backend::check_add(inst, add, &limits).map(|_| false),
                AllocationOp::Reshape { exaunit, change } => backend::check_reshape(inst, *exaunit, *change, &limits),
                AllocationOp::Delete { exaunit } => backend::check_delete_cluster(inst, *exaunit).map(|_| false),
            }
        }
        Plan::Delete { .. } => backend::x02_no_clusters(inst, settings.delete_with_clusters).map(|_| false),
    }
}

fn push_log(op: &mut Operation, action: Action, now: SimInstant, message: impl Into<String>) {
    let n = op.item.action_logs.len() + 1;
    let id = format!("{}-{n}", op.item.id);
    op.item.action_logs.push(ActionLog {
        id,
        action,
        created_on: now,
        message: message.into(),
        status: op.item.status,
    });
}

/// Stores the operation (and a CREATE's instance, or the busy flag) and schedules its start.
fn accept(o: &Oracle, call: &Call, p: Prepared, attrs: Attrs) -> Result<Operation, OracleError> {
    let cx = call.cx;
    let domain = call.domain().to_owned();
    let op_id = o.next_operation_id();
    let item_id = o.next_operation_id();
    let plan = match p.plan {
        Plan::Create { spec, .. } => {
            let e = p.entitlement.ok_or_else(|| OracleError::Conflict("entitlement vanished".into()))?;
            let id = o.next_instance_id();
            let inst = new_instance(call, id, &spec, &e, Some(op_id.clone()));
            o.instances.insert(&domain, &id.to_string(), inst);
            Plan::Create { instance: id, spec }
        }
        plan => {
            let claimed = o.instances.update(&domain, &plan.instance().to_string(), |i| match &i.in_flight {
                Some(busy) => Err(OracleError::Busy { instance: i.numeric_id.to_string(), operation: busy.clone() }),
                None => {
                    i.in_flight = Some(op_id.clone());
                    Ok(())
                }
            });
            claimed.unwrap_or_else(|| Err(OracleError::not_found("Service instance", &plan.instance().to_string())))?;
            plan
        }
    };
    let exaunit = match &plan {
        Plan::Update { allocation, .. } => match allocation.op {
            AllocationOp::Reshape { exaunit, .. } | AllocationOp::Delete { exaunit } => Some(exaunit),
            AllocationOp::Add(_) => None,
        },
        _ => None,
    };
    let now = cx.now;
    let mut op = Operation {
        id: op_id.clone(),
        domain: domain.clone(),
        sub_system: "CIM".into(),
        status: OperationStatus::New,
        status_message: "Accepted".into(),
        generation: 0,
        created_on: now,
        modified_on: now,
        created_by: String::from(&call.principal.username),
        exaunit,
        digest: p.digest.as_ref().map(|(_, d)| d.clone()),
        stall_until: None,
        plan,
        item: OperationItem {
            id: item_id,
            definition: Definition::Create,
            attributes: attrs.echo,
            status: ItemStatus::Ready,
            current_action: Action::Queued,
            action_retry_count: 0,
            result_attributes: Vec::new(),
            action_logs: Vec::new(),
            created_on: now,
            modified_on: now,
        },
    };
    op.item.definition = op.plan.definition();
    let mut accepted = format!("{} accepted", op.plan.operation_name());
    if let Plan::Update { allocation, .. } = &op.plan {
        if !allocation.ignored.is_empty() {
            accepted.push_str(&format!("; ignored properties: {}", allocation.ignored.join(", ")));
        }
    }
    push_log(&mut op, Action::Queued, now, accepted);
    if let Some((request_id, digest)) = p.digest {
        if call.settings.idempotency_request_id {
            o.idempotency.insert(&domain, &request_id, (digest, op_id.clone()));
        }
    }
    o.operations.insert(&domain, &op_id, op.clone());
    cx.schedule_in(
        call.settings.durations.start_delay,
        Event::OperationStep { domain, operation: op_id, generation: 0, step: Step::Start },
    );
    Ok(op)
}

/// `GET operations` (§3 #3). Only `TRA` operations are listable per S5; the Exadata
/// operations are CIM, so the default list is empty unless knob `listCimOperations`.
fn list(o: &Oracle, call: &Call) -> Res {
    let page = collection::g04_page(call.req, call.settings.max_page_limit)?;
    let order =
        collection::g06_order_by(call.req, &["id", "createdOn", "modifiedOn"], Order { field: "id", desc: false })?;
    let items_too = expand_items(call)?;
    let cim = g07_sub_system(call)?;
    let statuses = list_filter(call.req, "statuses");
    let item_statuses = list_filter(call.req, "operationItemStatuses");
    let definitions = list_filter(call.req, "operationItemDefinitionIds");
    let item_id = list_filter(call.req, "operationItemId");
    let actions = list_filter(call.req, "operationItemCurrentActions");
    let attr_name = call.req.query_param("operationItemAttributeName");
    let attr_value = call.req.query_param("operationItemAttributeValue");
    let range = |name: &'static str| time_param(call, name);
    let (c_from, c_to) = (range("createdOnRangeStart")?, range("createdOnRangeEnd")?);
    let (m_from, m_to) = (range("modifiedOnRangeStart")?, range("modifiedOnRangeEnd")?);
    let within = |t: SimInstant, from: Option<SimInstant>, to: Option<SimInstant>| {
        from.is_none_or(|f| t >= f) && to.is_none_or(|e| t <= e)
    };
    let mut list: Vec<Operation> = o
        .operations
        .list(call.domain())
        .into_iter()
        .filter(|op| cim && op.sub_system == "CIM")
        .filter(|op| {
            let item = &op.item;
            let attr_ok = item.attributes.iter().any(|a| {
                attr_name.as_ref().is_none_or(|n| &a.name == n) && attr_value.as_ref().is_none_or(|v| &a.value == v)
            }) || (attr_name.is_none() && attr_value.is_none());
            matches_any(&statuses, op.status.as_str())
                && matches_any(&item_statuses, item.status.as_str())
                && matches_any(&definitions, item.definition.id())
                && matches_any(&item_id, &item.id)
                && matches_any(&actions, item.current_action.as_str())
                && attr_ok
                && within(op.created_on, c_from, c_to)
                && within(op.modified_on, m_from, m_to)
        })
        .collect();
    list.sort_by(|a, b| match order.field {
        "createdOn" => order.cmp((a.created_on, &a.id), (b.created_on, &b.id)),
        "modifiedOn" => order.cmp((a.modified_on, &a.id), (b.modified_on, &b.id)),
        _ => order.cmp(&a.id, &b.id),
    });
    let link = format!("{}/operations", call.base);
    Ok(Out::text(collection::envelope(call.req, &link, page, &list, |out, op| {
        collection::value(out, &view::operation(call, op, items_too))
    })))
}

/// G07: `subSystem` defaults to TRA, the only listable one (S5); `CIM` or `TAS` is 400,
/// except that knob `listCimOperations` makes CIM listable. Answers whether CIM
/// operations are listed.
fn g07_sub_system(call: &Call) -> Result<bool, OracleError> {
    let cim = call.settings.list_cim_operations;
    match call.req.query_param("subSystem").map(|s| s.to_ascii_uppercase()).as_deref() {
        None | Some("TRA") => Ok(cim),
        Some("CIM") if cim => Ok(true),
        Some("CIM" | "TAS") => Err(OracleError::Attribute(FieldError::says(
            "subSystem",
            "only TRA is supported; operations of other subsystems can only be queried by id",
        ))),
        Some(_) => Err(OracleError::Attribute(FieldError::new("subSystem", Rule::OneOf(&["TRA"])))),
    }
}

/// An ISO-8601 time (or epoch milliseconds) query parameter.
fn time_param(call: &Call, name: &'static str) -> Result<Option<SimInstant>, OracleError> {
    let Some(v) = call.req.query_param(name) else { return Ok(None) };
    if let Ok(ms) = v.trim().parse::<i64>() {
        return Ok(DateTime::from_timestamp_millis(ms).map(|t| call.cx.clock.from_utc(t)));
    }
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| Some(call.cx.clock.from_utc(t.to_utc())))
        .map_err(|_| OracleError::Attribute(FieldError::says(name, "must be an ISO-8601 time")))
}

// ---------------------------------------------------------------------------------------
// Steps applied by the scheduler.

fn transition(kind: &'static str, id: &str, from: &str, to: &str, cx: &Cx) -> Transition {
    Transition::new(NAME, kind, id, from, to, cx)
}

/// What changed between two versions of an instance, as transitions.
pub(crate) fn diff(before: &Instance, after: &Instance, cx: &Cx) -> Vec<Transition> {
    let mut out = Vec::new();
    if before.status != after.status {
        out.push(transition("serviceInstance", &after.id(), before.status.as_str(), after.status.as_str(), cx));
    }
    for (id, c) in &after.clusters {
        let from = before.clusters.get(id).map_or("ABSENT", |b| b.status.as_str());
        if from != c.status.as_str() {
            out.push(transition("vmCluster", &id.to_string(), from, c.status.as_str(), cx));
        }
    }
    for (id, c) in &before.clusters {
        if !after.clusters.contains_key(id) {
            out.push(transition("vmCluster", &id.to_string(), c.status.as_str(), "REMOVED", cx));
        }
    }
    out
}

/// Applies a due step. Guarded: the operation must still be at the generation and status
/// the step expects.
pub fn apply(o: &Oracle, event: Event, cx: &Cx) -> Vec<Transition> {
    let _guard = o.lock();
    let (domain, operation, generation, step) = match event {
        Event::OperationStep { domain, operation, generation, step } => (domain, operation, generation, step),
        Event::OperationExpire { domain, operation, generation } => {
            return expire_operation(o, &domain, &operation, generation, cx)
        }
        Event::InstanceExpire { domain, instance, since } => return expire_instance(o, &domain, instance, since, cx),
    };
    let Some(mut op) = o.operations.get(&domain, &operation) else { return Vec::new() };
    if op.generation != generation {
        return Vec::new();
    }
    if let Some(until) = held_until(o, &mut op, cx.now) {
        cx.schedule_at(until, Event::OperationStep { domain, operation, generation, step });
        return Vec::new();
    }
    match (step, op.status, op.item.status) {
        (Step::Start, OperationStatus::New, _) => start(o, op, cx),
        (Step::AsyncWait, OperationStatus::Processing, ItemStatus::Processing) => async_wait(o, op, cx),
        (Step::Finish, OperationStatus::Processing, _) => finish(o, op, cx),
        _ => Vec::new(),
    }
}

fn expire_operation(o: &Oracle, domain: &str, id: &str, generation: u64, cx: &Cx) -> Vec<Transition> {
    match o.operations.get(domain, id) {
        Some(op) if op.generation == generation && op.status.is_terminal() => {
            o.operations.remove(domain, id);
            vec![transition("operation", id, op.status.as_str(), "EXPIRED", cx)]
        }
        _ => Vec::new(),
    }
}

fn expire_instance(o: &Oracle, domain: &str, id: u64, since: SimInstant, cx: &Cx) -> Vec<Transition> {
    let key = id.to_string();
    match o.instances.get(domain, &key) {
        Some(i) if i.status == InstanceStatus::Terminated && i.modified_on == since => {
            o.instances.remove(domain, &key);
            vec![transition("serviceInstance", &i.id(), "TERMINATED", "REMOVED", cx)]
        }
        _ => Vec::new(),
    }
}

/// Schedules what follows the end of an operation: its own expiry, and the removal of
/// an instance it terminated (knobs `operationRetention`, `terminatedRetention`).
fn schedule_retention(op: &Operation, instance: Option<&Instance>, cx: &Cx, s: &Settings) {
    cx.schedule_in(
        s.operation_retention,
        Event::OperationExpire { domain: op.domain.clone(), operation: op.id.clone(), generation: op.generation },
    );
    if let Some(i) = instance.filter(|i| i.status == InstanceStatus::Terminated && s.terminated_retention > 0) {
        cx.schedule_in(
            s.terminated_retention,
            Event::InstanceExpire { domain: i.domain.clone(), instance: i.numeric_id, since: i.modified_on },
        );
    }
}

/// Takes one firing of the first fault matching the operation at `phase` (in the order
/// they were armed).
fn take_fault(o: &Oracle, op: &Operation, phase: Phase) -> Option<String> {
    let mut faults = o.faults.all();
    faults.sort_by_key(|(_, f)| f.number());
    let (_, fault) = faults.into_iter().find(|(_, f)| f.matches(op, phase))?;
    o.faults.update("", &fault.id, |f| f.remaining = f.remaining.saturating_sub(1));
    Some(fault.message)
}

fn start(o: &Oracle, mut op: Operation, cx: &Cx) -> Vec<Transition> {
    let settings = o.settings();
    let key = op.plan.instance().to_string();
    let Some(before) = o.instances.get(&op.domain, &key) else {
        return fail(o, op, "The service instance no longer exists".into(), Phase::Start, cx);
    };
    if let Some(message) = take_fault(o, &op, Phase::Start) {
        return fail(o, op, message, Phase::Start, cx);
    }
    let unchanged = match backend_checks(&before, &op.plan, &settings) {
        Ok(u) => u,
        Err(message) => return fail(o, op, message, Phase::Start, cx),
    };
    let new_cluster = match &op.plan {
        Plan::Create { .. } => Some(o.next_exaunit_id()),
        Plan::Update { allocation: Allocation { op: AllocationOp::Add(_), .. }, .. } => Some(o.next_exaunit_id()),
        _ => None,
    };
    if new_cluster.is_some() {
        op.exaunit = new_cluster;
    }
    let now = cx.now;
    let plan = op.plan.clone();
    let after = o.instances.update(&op.domain, &key, |inst| {
        begin(inst, &plan, new_cluster, unchanged, &settings, now);
        inst.clone()
    });
    let mut out = after.map(|a| diff(&before, &a, cx)).unwrap_or_default();
    let from =
        op.advance(OperationStatus::Processing, "Processing", ItemStatus::Processing, Action::SubmitToBackend, now);
    push_log(&mut op, Action::Validate, now, "Backend checks passed");
    let note = if unchanged { "No change: the value equals the current one" } else { "Submitted to the backend" };
    push_log(&mut op, Action::SubmitToBackend, now, note);
    let duration = op.plan.duration(&settings.durations);
    let (domain, id, generation) = (op.domain.clone(), op.id.clone(), op.generation);
    out.push(transition("operation", &op.id, from.as_str(), op.status.as_str(), cx));
    o.operations.insert(&domain, &id, op);
    let step = |step| Event::OperationStep { domain: domain.clone(), operation: id.clone(), generation, step };
    cx.schedule_in(settings.durations.submit.min(duration), step(Step::AsyncWait));
    cx.schedule_in(duration, step(Step::Finish));
    out
}

/// Start effects on the instance: reserve, enter the transitional states (§10.2–10.3).
fn begin(inst: &mut Instance, plan: &Plan, new_cluster: Option<u64>, unchanged: bool, s: &Settings, now: SimInstant) {
    inst.modified_on = now;
    match plan {
        Plan::Create { spec, .. } => {
            let cluster = match &spec.allocation {
                Some(Allocation { op: AllocationOp::Add(add), .. }) => add.clone(),
                _ => {
                    // A basic instance: one implicit cluster holding the whole rack (§6.1).
                    let cap = inst.capacity();
                    AddClusterSpec {
                        name: spec.exa_unit_name.clone(),
                        cores: inst.subscribed_cores(),
                        memory_gb: cap.memory_gb(),
                        storage_tb: cap.storage_tb,
                        oh_gb: 60,
                        create_sparse: spec.create_sparse,
                        backup_to_disk: spec.backup_to_disk,
                        client_network: spec.client_network.clone(),
                        backup_network: spec.backup_network.clone(),
                    }
                }
            };
            if let Some(id) = new_cluster {
                add_cluster(inst, id, &cluster, now);
            }
        }
        Plan::Update { allocation, .. } => match &allocation.op {
            AllocationOp::Add(add) => {
                if let Some(id) = new_cluster {
                    add_cluster(inst, id, add, now);
                }
            }
            AllocationOp::Reshape { exaunit, change } => {
                if let Some(c) = inst.clusters.get_mut(exaunit) {
                    if !unchanged {
                        c.status = ClusterStatus::Updating;
                        c.pending = Some(*change);
                        c.modified_on = now;
                    }
                }
            }
            AllocationOp::Delete { exaunit } => {
                if let Some(c) = inst.clusters.get_mut(exaunit) {
                    c.status = ClusterStatus::Deleting;
                    c.modified_on = now;
                }
            }
        },
        Plan::Delete { .. } => {
            inst.status_before_delete = Some(inst.status);
            inst.status = InstanceStatus::BeginTermination;
            // `invalidState` leaves the clusters of a multi-VM instance orphaned (§6.3).
            let orphan = inst.multi_vm && s.delete_with_clusters == "invalidState";
            if !orphan {
                for c in inst.clusters.values_mut() {
                    c.status = ClusterStatus::Deleting;
                    c.modified_on = now;
                }
            }
        }
    }
}

fn add_cluster(inst: &mut Instance, id: u64, spec: &AddClusterSpec, now: SimInstant) {
    let k = inst.clusters.len() + 1;
    inst.clusters.insert(
        id,
        Cluster {
            exaunit_id: id,
            name: spec.name.clone(),
            rack_name: format!("{}-clu-{k}", inst.name),
            status: ClusterStatus::Creating,
            cores: spec.cores,
            memory_gb: spec.memory_gb,
            storage_tb: spec.storage_tb,
            oh_gb: spec.oh_gb,
            create_sparse: spec.create_sparse,
            backup_to_disk: spec.backup_to_disk,
            client_network: spec.client_network.clone(),
            backup_network: spec.backup_network.clone(),
            burst_cores: 0,
            pending: None,
            created_on: now,
            modified_on: now,
        },
    );
}

fn async_wait(o: &Oracle, mut op: Operation, cx: &Cx) -> Vec<Transition> {
    op.item.status = ItemStatus::AsyncWait;
    op.item.current_action = Action::WaitForBackend;
    op.item.modified_on = cx.now;
    op.modified_on = cx.now;
    push_log(&mut op, Action::WaitForBackend, cx.now, "Waiting for the backend");
    let t =
        transition("operationItem", &op.item.id, ItemStatus::Processing.as_str(), ItemStatus::AsyncWait.as_str(), cx);
    o.operations.insert(&op.domain.clone(), &op.id.clone(), op);
    vec![t]
}

fn finish(o: &Oracle, mut op: Operation, cx: &Cx) -> Vec<Transition> {
    if let Some(message) = take_fault(o, &op, Phase::Finish) {
        return fail(o, op, message, Phase::Finish, cx);
    }
    let settings = o.settings();
    let key = op.plan.instance().to_string();
    let Some(before) = o.instances.get(&op.domain, &key) else {
        return fail(o, op, "The service instance no longer exists".into(), Phase::Finish, cx);
    };
    let now = cx.now;
    let (plan, exaunit, user) = (op.plan.clone(), op.exaunit, op.created_by.clone());
    let committed = o.instances.update(&op.domain, &key, |inst| {
        let result = commit(inst, &plan, exaunit, &settings);
        inst.in_flight = None;
        inst.modified_on = now;
        inst.modified_by = user.clone();
        (result, inst.clone())
    });
    let Some((result, after)) = committed else { return Vec::new() };
    let mut out = diff(&before, &after, cx);
    op.item.result_attributes = result;
    let from = op.advance(OperationStatus::Processed, "Processed", ItemStatus::Processed, Action::Done, now);
    push_log(&mut op, Action::UpdateInventory, now, "Inventory updated");
    let done = format!("{} completed", op.plan.operation_name());
    push_log(&mut op, Action::Done, now, done);
    out.push(transition("operation", &op.id, from.as_str(), op.status.as_str(), cx));
    schedule_retention(&op, Some(&after), cx, &settings);
    o.operations.insert(&op.domain.clone(), &op.id.clone(), op);
    out
}

/// Commit effects on the instance (§10.2–10.3); answers the item's result attributes
/// (§11.3, §15 #21).
fn commit(inst: &mut Instance, plan: &Plan, exaunit: Option<u64>, s: &Settings) -> Vec<Attribute> {
    let exaunit_attr = |id: u64| Attribute::new("ExaunitID", id.to_string());
    match plan {
        Plan::Create { .. } => {
            inst.status = InstanceStatus::Active;
            for c in inst.clusters.values_mut() {
                c.status = ClusterStatus::Provisioned;
            }
            let mut out = vec![
                Attribute::new("serviceInstanceId", inst.id()),
                Attribute::new("instanceId", inst.numeric_id.to_string()),
            ];
            out.extend(exaunit.map(exaunit_attr));
            out
        }
        Plan::Update { allocation, .. } => match &allocation.op {
            AllocationOp::Add(_) => {
                if let Some(c) = exaunit.and_then(|id| inst.clusters.get_mut(&id)) {
                    c.status = ClusterStatus::Provisioned;
                }
                exaunit.map(exaunit_attr).into_iter().collect()
            }
            AllocationOp::Reshape { exaunit, change } => {
                let mut out = vec![exaunit_attr(*exaunit)];
                if let Some(c) = inst.clusters.get_mut(exaunit) {
                    let previous = change.current(c);
                    if let Some(p) = c.pending.take() {
                        p.apply(c);
                    }
                    c.status = ClusterStatus::Provisioned;
                    out.push(Attribute::new(change.name(), change.value().to_string()));
                    out.push(Attribute::new(format!("{}.previous", change.name()), previous.to_string()));
                }
                out
            }
            AllocationOp::Delete { exaunit } => {
                inst.clusters.remove(exaunit);
                vec![exaunit_attr(*exaunit)]
            }
        },
        Plan::Delete { .. } => {
            let orphan = inst.multi_vm && s.delete_with_clusters == "invalidState" && !inst.clusters.is_empty();
            if orphan {
                inst.status = InstanceStatus::NonRecoverable;
            } else {
                inst.status = InstanceStatus::Terminated;
                inst.clusters.clear();
            }
            inst.status_before_delete = None;
            vec![
                Attribute::new("serviceInstanceId", inst.id()),
                Attribute::new("instanceId", inst.numeric_id.to_string()),
            ]
        }
    }
}

/// Ends an operation FAILED with `message`; the instance rolls back per §10.2–10.3:
/// a CREATE's instance goes FAILED_ACTIVATION (its cluster PROVISIONERR when the backend
/// failed late), an AddCluster's cluster PROVISIONERR, a reshape or cluster delete back to
/// PROVISIONED unchanged, a DELETE back to the instance's earlier status.
pub(crate) fn fail(o: &Oracle, mut op: Operation, message: String, phase: Phase, cx: &Cx) -> Vec<Transition> {
    let now = cx.now;
    let key = op.plan.instance().to_string();
    let before = o.instances.get(&op.domain, &key);
    let (plan, exaunit) = (op.plan.clone(), op.exaunit);
    let after = o.instances.update(&op.domain, &key, |inst| {
        rollback(inst, &plan, exaunit, phase);
        inst.in_flight = None;
        inst.modified_on = now;
        inst.clone()
    });
    let mut out = match (before, after) {
        (Some(b), Some(a)) => diff(&b, &a, cx),
        _ => Vec::new(),
    };
    let from = op.advance(OperationStatus::Failed, message.clone(), ItemStatus::Failed, Action::Done, now);
    push_log(&mut op, Action::Done, now, message);
    out.push(transition("operation", &op.id, from.as_str(), op.status.as_str(), cx));
    schedule_retention(&op, None, cx, &o.settings());
    o.operations.insert(&op.domain.clone(), &op.id.clone(), op);
    out
}

fn rollback(inst: &mut Instance, plan: &Plan, exaunit: Option<u64>, phase: Phase) {
    match plan {
        Plan::Create { .. } => {
            inst.status = InstanceStatus::FailedActivation;
            for c in inst.clusters.values_mut() {
                c.status = ClusterStatus::Provisionerr;
            }
        }
        Plan::Update { allocation, .. } if phase == Phase::Finish => match &allocation.op {
            AllocationOp::Add(_) => {
                if let Some(c) = exaunit.and_then(|id| inst.clusters.get_mut(&id)) {
                    c.status = ClusterStatus::Provisionerr;
                }
            }
            AllocationOp::Reshape { exaunit, .. } | AllocationOp::Delete { exaunit } => {
                if let Some(c) = inst.clusters.get_mut(exaunit) {
                    c.pending = None;
                    c.status = ClusterStatus::Provisioned;
                }
            }
        },
        Plan::Update { .. } => {}
        Plan::Delete { .. } => {
            if let Some(prev) = inst.status_before_delete.take() {
                inst.status = prev;
            }
            for c in inst.clusters.values_mut() {
                if c.status == ClusterStatus::Deleting {
                    c.status = ClusterStatus::Provisioned;
                }
            }
        }
    }
}

/// Until when a due step of `op` must wait (a stall on the operation or its instance
/// still in force); stalls that have run out are cleared. Called under the lock.
pub(crate) fn held_until(o: &Oracle, op: &mut Operation, now: SimInstant) -> Option<SimInstant> {
    let key = op.plan.instance().to_string();
    let on_instance = o.instances.get(&op.domain, &key).and_then(|i| i.stall_until);
    let hold = [op.stall_until, on_instance].into_iter().flatten().filter(|u| *u > now).max();
    if hold.is_none() {
        op.stall_until = None;
        if on_instance.is_some() {
            o.instances.update(&op.domain, &key, |i| i.stall_until = None);
        }
    }
    hold
}
