//! ClickPipes (spec §9.7) and reverse private endpoints (§9.8): O1 beta, minimal but
//! consistent.
//!
//! ClickPipes: list, create, get, update, delete, scaling (`replicas` 1..40) and state
//! commands (`start`, `stop`, `resync`). `source`, `destination` and `fieldMappings` are
//! stored as given (only their shape is checked). Writes that need the ClickHouse service
//! (create, update, scaling, `start`, `resync`) are refused with 424 `FAILED_DEPENDENCY`
//! unless the service is `running` (O4 text, §6.4); reads, `stop` and delete are always
//! allowed. A new pipe is `Provisioning` and becomes `Running` after knob
//! `durations.clickpipe`; `stop` goes `Stopping → Stopped` and `resync` `Resync →
//! Running` after the same duration.
//!
//! Reverse private endpoints: list, create (`Provisioning → Ready` after knob
//! `durations.reversePrivateEndpoint`), get, delete (`Deleting`, gone after the same
//! duration). Listed by id: the stored resource has no creation time.
//!
//! Scheduled events carry the generation they expect, so a later change makes them no-ops.
//! May touch: the `clickpipes` and `reverse_endpoints` tables, reads of `services`, the
//! schedule. Rules live in `validate::org`.

use serde_json::{json, Map, Value};

use super::model::{ClickPipe, Event, Permit, ReversePrivateEndpoint, Service, StateOp};
use super::routes::Op;
use super::validate::org::{self as rules, PipeCommand};
use super::validate::{self as v};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Fields};

/// ClickPipe states (O1 `ClickPipe.state`, the subset the simulator reaches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeState {
    Provisioning,
    Running,
    Stopping,
    Stopped,
    Resync,
    Failed,
}

/// What a state command does in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeStep {
    /// Move to `now`; then, if given, to the second state after `durations.clickpipe`.
    Go(PipeState, Option<PipeState>),
    /// Already there or on the way: 200 with the unchanged pipe.
    NoOp,
    /// 409.
    Refused,
}

impl PipeState {
    pub const ALL: [PipeState; 6] = [
        PipeState::Provisioning,
        PipeState::Running,
        PipeState::Stopping,
        PipeState::Stopped,
        PipeState::Resync,
        PipeState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PipeState::Provisioning => "Provisioning",
            PipeState::Running => "Running",
            PipeState::Stopping => "Stopping",
            PipeState::Stopped => "Stopped",
            PipeState::Resync => "Resync",
            PipeState::Failed => "Failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The command × state table of §9.7. Exhaustive on purpose: a new state does not
    /// compile until its row is decided.
    pub fn on(self, command: PipeCommand) -> PipeStep {
        use PipeState as S;
        use PipeStep::*;
        match command {
            PipeCommand::Start => match self {
                S::Stopped | S::Failed => Go(S::Running, None),
                S::Provisioning | S::Running | S::Resync => NoOp,
                S::Stopping => Refused,
            },
            PipeCommand::Stop => match self {
                S::Provisioning | S::Running | S::Resync | S::Failed => Go(S::Stopping, Some(S::Stopped)),
                S::Stopping | S::Stopped => NoOp,
            },
            PipeCommand::Resync => match self {
                S::Running => Go(S::Resync, Some(S::Running)),
                S::Resync => NoOp,
                S::Provisioning | S::Stopping | S::Stopped | S::Failed => Refused,
            },
        }
    }
}

/// Reverse private endpoint statuses (§9.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointStatus {
    Provisioning,
    Ready,
    Deleting,
    /// Only as the target of the last event: the endpoint is removed.
    Deleted,
}

impl EndpointStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointStatus::Provisioning => "Provisioning",
            EndpointStatus::Ready => "Ready",
            EndpointStatus::Deleting => "Deleting",
            EndpointStatus::Deleted => "Deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Provisioning, Self::Ready, Self::Deleting, Self::Deleted].into_iter().find(|x| x.as_str() == s)
    }
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::ListClickPipes { service } => {
            ch.service(&call.org.id, service)?;
            let mut pipes = ch.clickpipes.list_where(&call.org.id, |p| p.service_id == *service);
            pipes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            Ok(Out::Result(Value::Array(pipes.iter().map(|p| pipe_view(p, call.cx)).collect())))
        }
        Op::CreateClickPipe { service } => create_pipe(ch, call, service),
        Op::GetClickPipe { service, pipe } => {
            let (_, p) = find_pipe(ch, call, service, pipe)?;
            Ok(Out::Result(pipe_view(&p, call.cx)))
        }
        Op::UpdateClickPipe { service, pipe } => update_pipe(ch, call, service, pipe),
        Op::DeleteClickPipe { service, pipe } => {
            find_pipe(ch, call, service, pipe)?;
            ch.clickpipes.remove(&call.org.id, pipe);
            ch.clickpipe_settings.remove(&call.org.id, pipe);
            call.cx.cancel_events(super::NAME, "clickpipe", &call.org.id, pipe);
            Ok(Out::Empty)
        }
        Op::UpdateClickPipeScaling { service, pipe } => scale_pipe(ch, call, service, pipe),
        Op::UpdateClickPipeState { service, pipe } => pipe_command(ch, call, service, pipe),
        Op::ListReversePrivateEndpoints { service } => {
            let s = ch.service(&call.org.id, service)?;
            let mut list = ch.reverse_endpoints.list_where(&call.org.id, |e| e.service_id == *service);
            list.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(Out::Result(Value::Array(list.iter().map(|e| endpoint_view(e, &s)).collect())))
        }
        Op::CreateReversePrivateEndpoint { service } => create_endpoint(ch, call, service),
        Op::GetReversePrivateEndpoint { service, endpoint } => {
            let (s, e) = find_endpoint(ch, call, service, endpoint)?;
            Ok(Out::Result(endpoint_view(&e, &s)))
        }
        Op::UpdateReversePrivateEndpoint { service, endpoint } => update_endpoint(ch, call, service, endpoint),
        Op::DeleteReversePrivateEndpoint { service, endpoint } => delete_endpoint(ch, call, service, endpoint),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// The service (404 first, §5) and one of its ClickPipes.
fn find_pipe(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Result<(Service, ClickPipe), ChError> {
    let s = ch.service(&call.org.id, service)?;
    let p = ch
        .clickpipes
        .get(&call.org.id, id)
        .filter(|p| p.service_id == service)
        .ok_or_else(|| ChError::not_found("ClickPipe", id))?;
    Ok((s, p))
}

/// The service (404 first, §5) and one of its reverse private endpoints.
fn find_endpoint(
    ch: &ClickHouse,
    call: &Call,
    service: &str,
    id: &str,
) -> Result<(Service, ReversePrivateEndpoint), ChError> {
    let s = ch.service(&call.org.id, service)?;
    let e = ch
        .reverse_endpoints
        .get(&call.org.id, id)
        .filter(|e| e.service_id == service)
        .ok_or_else(|| ChError::not_found("Reverse private endpoint", id))?;
    Ok((s, e))
}

/// §6.4: ClickPipe writes need a `running` service; else 424 with the O4 text.
fn service_running(s: &Service, what: &str) -> Result<(), ChError> {
    if s.state.permits(StateOp::ClickPipeWrite, false) == Permit::Yes {
        return Ok(());
    }
    Err(ChError::FailedDependency(format!(
        "ClickPipe {what} is allowed only when the ClickHouse service is running. Current state: {}",
        s.state.as_str()
    )))
}

/// O1 `ClickPipe`. Each replica has 0.125 vCPU and 0.5 GB (the ClickPipes default size,
/// I).
pub fn pipe_view(p: &ClickPipe, cx: &Cx) -> Value {
    json!({
        "id": p.id,
        "serviceId": p.service_id,
        "name": p.name,
        "description": p.description,
        "state": p.state,
        "scaling": {
            "replicas": p.replicas,
            "replicaCpuMillicores": 125,
            "replicaMemoryGb": 0.5,
        },
        "source": p.source,
        "destination": p.destination,
        "fieldMappings": p.field_mappings,
        "createdAt": cx.iso(p.created_at),
        "updatedAt": cx.iso(p.updated_at),
    })
}

const PIPE_FIELDS: &[&str] = &["name", "description", "source", "destination", "fieldMappings"];

/// The validated fields of a ClickPipe body; `None` = not given.
struct PipePatch {
    name: Option<String>,
    description: Option<String>,
    source: Option<Value>,
    destination: Option<Value>,
    field_mappings: Option<Value>,
}

fn pipe_patch(call: &Call, f: &Fields) -> Result<PipePatch, ChError> {
    v::unknown_fields(f, PIPE_FIELDS, call.settings.strict_unknown_fields)?;
    let name = f.str("name")?.map(rules::pipe_name).transpose()?;
    let description = f.str("description")?.map(str::to_owned);
    if let Some(d) = &description {
        rules::description_length("description", d)?;
    }
    let source = match f.raw("source") {
        Some(raw) => {
            super::clickpipe_sources::pipe_source(raw)?;
            Some(raw.clone())
        }
        None => None,
    };
    let destination = f.raw("destination").map(rules::pipe_destination).transpose()?;
    let field_mappings = f.raw("fieldMappings").map(rules::pipe_field_mappings).transpose()?;
    Ok(PipePatch { name, description, source, destination, field_mappings })
}

/// POST `SVC/clickpipes`: `name`, `source`, `destination` required; the service must be
/// running (424). Starts `Provisioning`.
fn create_pipe(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let patch = pipe_patch(call, &f)?;
    let name = patch.name.ok_or_else(|| FieldError::required("name"))?;
    let source = patch.source.ok_or_else(|| FieldError::required("source"))?;
    let destination = patch.destination.ok_or_else(|| FieldError::required("destination"))?;
    service_running(&s, "creation")?;
    let cx = call.cx;
    let pipe = ClickPipe {
        id: cx.ids.uuid(),
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        name,
        description: patch.description.unwrap_or_default(),
        state: PipeState::Provisioning.as_str().to_owned(),
        generation: 0,
        replicas: 1,
        source,
        destination,
        field_mappings: patch.field_mappings.unwrap_or_else(|| json!([])),
        created_at: cx.now,
        updated_at: cx.now,
    };
    ch.clickpipes.insert(&call.org.id, &pipe.id, pipe.clone());
    schedule_pipe(call, &pipe, PipeState::Running);
    Ok(Out::Result(pipe_view(&pipe, cx)))
}

fn schedule_pipe(call: &Call, p: &ClickPipe, to: PipeState) {
    call.cx.schedule_in(
        call.settings.durations.clickpipe,
        Event::ClickPipeSettle {
            org: p.org_id.clone(),
            pipe: p.id.clone(),
            generation: p.generation,
            to: to.as_str().to_owned(),
        },
    );
}

/// PATCH `SVC/clickpipes/{id}`: any of the create fields; the service must be running.
fn update_pipe(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let (s, _) = find_pipe(ch, call, service, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let patch = pipe_patch(call, &f)?;
    service_running(&s, "update")?;
    let now = call.cx.now;
    let stored = ch
        .clickpipes
        .update(&call.org.id, id, |p| {
            if let Some(n) = &patch.name {
                p.name = n.clone();
            }
            if let Some(d) = &patch.description {
                p.description = d.clone();
            }
            if let Some(src) = &patch.source {
                p.source = src.clone();
            }
            if let Some(d) = &patch.destination {
                p.destination = d.clone();
            }
            if let Some(m) = &patch.field_mappings {
                p.field_mappings = m.clone();
            }
            p.updated_at = now;
            p.clone()
        })
        .ok_or_else(|| ChError::not_found("ClickPipe", id))?;
    Ok(Out::Result(pipe_view(&stored, call.cx)))
}

/// PATCH `SVC/clickpipes/{id}/scaling` `{replicas?}` (1..40); the service must be running.
fn scale_pipe(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let (s, current) = find_pipe(ch, call, service, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["replicas"], call.settings.strict_unknown_fields)?;
    let replicas = f.number("replicas")?.map(rules::pipe_replicas).transpose()?;
    service_running(&s, "scaling")?;
    let Some(replicas) = replicas else { return Ok(Out::Result(pipe_view(&current, call.cx))) };
    let now = call.cx.now;
    let stored = ch
        .clickpipes
        .update(&call.org.id, id, |p| {
            p.replicas = replicas;
            p.updated_at = now;
            p.clone()
        })
        .ok_or_else(|| ChError::not_found("ClickPipe", id))?;
    Ok(Out::Result(pipe_view(&stored, call.cx)))
}

/// PATCH `SVC/clickpipes/{id}/state` `{command}`: the table of [`PipeState::on`];
/// `resync` only for Postgres pipes; `start`/`resync` need a running service.
fn pipe_command(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let (s, current) = find_pipe(ch, call, service, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["command"], call.settings.strict_unknown_fields)?;
    let command = rules::pipe_command(f.str("command")?)?;
    if command == PipeCommand::Resync {
        rules::resync_needs_postgres(super::clickpipe_sources::pipe_source(&current.source).ok())?;
    }
    let what = match command {
        PipeCommand::Start => "start",
        PipeCommand::Stop => "stop",
        PipeCommand::Resync => "resync",
    };
    if command != PipeCommand::Stop {
        service_running(&s, what)?;
    }
    let now = call.cx.now;
    let (stored, then) = ch
        .clickpipes
        .update(&call.org.id, id, |p| {
            let state = PipeState::parse(&p.state).unwrap_or(PipeState::Failed);
            match state.on(command) {
                PipeStep::Refused => {
                    Err(ChError::Conflict(format!("Cannot {what} ClickPipe in state '{}'", state.as_str())))
                }
                PipeStep::NoOp => Ok((p.clone(), None)),
                PipeStep::Go(to, then) => {
                    p.state = to.as_str().to_owned();
                    p.generation += 1;
                    p.updated_at = now;
                    Ok((p.clone(), then))
                }
            }
        })
        .ok_or_else(|| ChError::not_found("ClickPipe", id))??;
    if let Some(then) = then {
        schedule_pipe(call, &stored, then);
    }
    Ok(Out::Result(pipe_view(&stored, call.cx)))
}

/// O1 `ReversePrivateEndpoint`: the request fields plus `id`, `serviceId`, `endpointId`,
/// `dnsNames`, `privateDnsNames`, `status`.
pub fn endpoint_view(e: &ReversePrivateEndpoint, s: &Service) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id));
    m.insert("serviceId".into(), json!(e.service_id));
    m.insert("description".into(), json!(e.description));
    m.insert("type".into(), json!(e.kind));
    for (k, val) in &e.fields {
        m.insert(k.clone(), val.clone());
    }
    m.insert("endpointId".into(), json!(e.endpoint_id));
    m.insert("dnsNames".into(), json!([format!("{}.{}.vpce.amazonaws.com", e.endpoint_id, s.region)]));
    let mapped: Vec<&str> = e
        .fields
        .get("customPrivateDnsMappings")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|m| m["privateDnsName"].as_str()).collect())
        .unwrap_or_default();
    m.insert("privateDnsNames".into(), json!(mapped));
    m.insert("status".into(), json!(e.status));
    Value::Object(m)
}

const ENDPOINT_FIELDS: &[&str] = &[
    "description",
    "type",
    "vpcEndpointServiceName",
    "vpcResourceConfigurationId",
    "vpcResourceShareArn",
    "mskClusterArn",
    "mskAuthentication",
    "customPrivateDnsMappings",
];

/// POST `SVC/clickpipesReversePrivateEndpoints`: `type` and the fields it needs (§9.8);
/// `description` ≤ 255 characters. Starts `Provisioning`.
fn create_endpoint(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, ENDPOINT_FIELDS, call.settings.strict_unknown_fields)?;
    let description = f.str("description")?.unwrap_or("").to_owned();
    rules::description_length("description", &description)?;
    let kind = rules::reverse_endpoint_type(f.str("type")?)?;
    let mut fields = rules::reverse_endpoint_fields(kind, &f)?;
    if let Some(items) = f.array("customPrivateDnsMappings")? {
        let names = dns_mappings_for(ch, call, service, kind, items, None)?;
        fields.insert("customPrivateDnsMappings".into(), mappings_value(&names));
    }
    let cx = call.cx;
    let e = ReversePrivateEndpoint {
        id: cx.ids.uuid(),
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        description,
        kind: kind.to_owned(),
        fields,
        endpoint_id: format!("vpce-{}", cx.ids.hex(17)),
        status: EndpointStatus::Provisioning.as_str().to_owned(),
        generation: 0,
    };
    ch.reverse_endpoints.insert(&call.org.id, &e.id, e.clone());
    schedule_endpoint(call, &e, EndpointStatus::Ready);
    Ok(Out::Result(endpoint_view(&e, &s)))
}

fn mappings_value(names: &[String]) -> Value {
    Value::Array(names.iter().map(|n| json!({ "privateDnsName": n })).collect())
}

/// `customPrivateDnsMappings`, checked (CH: not for `MSK_MULTI_VPC`; unique across the
/// service's other endpoints, official `UpdateReversePrivateEndpoint`).
fn dns_mappings_for(
    ch: &ClickHouse,
    call: &Call,
    service: &str,
    kind: &str,
    items: &[Value],
    except: Option<&str>,
) -> Result<Vec<String>, ChError> {
    if kind == "MSK_MULTI_VPC" && !items.is_empty() {
        return Err(FieldError::message(
            "customPrivateDnsMappings",
            "customPrivateDnsMappings is not supported for MSK_MULTI_VPC endpoints",
        )
        .into());
    }
    let names = rules::dns_mappings(items)?;
    let taken: Vec<String> = ch
        .reverse_endpoints
        .list_where(&call.org.id, |e| e.service_id == service && Some(e.id.as_str()) != except)
        .iter()
        .flat_map(|e| e.fields.get("customPrivateDnsMappings").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|m| m["privateDnsName"].as_str().map(str::to_owned))
        .collect();
    if let Some(dup) = names.iter().find(|n| taken.contains(n)) {
        return Err(ChError::Conflict(format!("Private DNS name '{dup}' is already used by another endpoint of this service")));
    }
    Ok(names)
}

/// PATCH (`clickPipeReversePrivateEndpointUpdate`): `customPrivateDnsMappings` replaces
/// the list (`[]` clears it).
fn update_endpoint(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    let (s, e) = find_endpoint(ch, call, service, id)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["customPrivateDnsMappings"], call.settings.strict_unknown_fields)?;
    let stored = match f.array("customPrivateDnsMappings")? {
        Some(items) => {
            let names = dns_mappings_for(ch, call, service, &e.kind, items, Some(id))?;
            ch.reverse_endpoints
                .update(&call.org.id, id, |e| {
                    e.fields.insert("customPrivateDnsMappings".into(), mappings_value(&names));
                    e.clone()
                })
                .ok_or_else(|| ChError::not_found("Reverse private endpoint", id))?
        }
        None => e,
    };
    Ok(Out::Result(endpoint_view(&stored, &s)))
}

fn schedule_endpoint(call: &Call, e: &ReversePrivateEndpoint, to: EndpointStatus) {
    call.cx.schedule_in(
        call.settings.durations.reverse_private_endpoint,
        Event::ReversePrivateEndpointSettle {
            org: e.org_id.clone(),
            endpoint: e.id.clone(),
            generation: e.generation,
            to: to.as_str().to_owned(),
        },
    );
}

/// DELETE: `Deleting` now, gone after `durations.reversePrivateEndpoint`; deleting one
/// that is already `Deleting` → 409 (I).
fn delete_endpoint(ch: &ClickHouse, call: &Call, service: &str, id: &str) -> Res {
    find_endpoint(ch, call, service, id)?;
    let deleting = EndpointStatus::Deleting.as_str();
    let stored = ch
        .reverse_endpoints
        .update(&call.org.id, id, |e| {
            if e.status == deleting {
                return Err(ChError::Conflict(format!("Reverse private endpoint {id} is already being deleted")));
            }
            e.status = deleting.to_owned();
            e.generation += 1;
            Ok(e.clone())
        })
        .ok_or_else(|| ChError::not_found("Reverse private endpoint", id))??;
    schedule_endpoint(call, &stored, EndpointStatus::Deleted);
    Ok(Out::Empty)
}

fn transition(kind: &'static str, id: &str, from: &str, to: &str, cx: &Cx) -> Transition {
    Transition::new(super::NAME, kind, id, from, to, cx)
}

/// Applies a due ClickPipe or reverse private endpoint event, if the resource is still at
/// the generation the event expects.
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    match event {
        Event::ClickPipeSettle { org, pipe, generation, to } => {
            let Some(to) = PipeState::parse(&to) else { return Vec::new() };
            let changed = ch
                .clickpipes
                .update(&org, &pipe, |p| {
                    if p.generation != generation {
                        return None;
                    }
                    let from = std::mem::replace(&mut p.state, to.as_str().to_owned());
                    p.generation += 1;
                    p.updated_at = cx.now;
                    Some(from)
                })
                .flatten();
            changed.map(|from| vec![transition("clickpipe", &pipe, &from, to.as_str(), cx)]).unwrap_or_default()
        }
        Event::ReversePrivateEndpointSettle { org, endpoint, generation, to } => {
            let Some(to) = EndpointStatus::parse(&to) else { return Vec::new() };
            let Some(e) = ch.reverse_endpoints.get(&org, &endpoint) else { return Vec::new() };
            if e.generation != generation {
                return Vec::new();
            }
            if to == EndpointStatus::Deleted {
                ch.reverse_endpoints.remove(&org, &endpoint);
            } else {
                ch.reverse_endpoints.update(&org, &endpoint, |x| {
                    x.status = to.as_str().to_owned();
                    x.generation += 1;
                });
            }
            vec![transition("reversePrivateEndpoint", &endpoint, &e.status, to.as_str(), cx)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::ServiceState;
    use super::*;

    #[test]
    fn pipe_state_names_round_trip() {
        for s in PipeState::ALL {
            assert_eq!(PipeState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn pipe_commands_follow_the_table() {
        use PipeState as S;
        assert_eq!(S::Running.on(PipeCommand::Stop), PipeStep::Go(S::Stopping, Some(S::Stopped)));
        assert_eq!(S::Stopped.on(PipeCommand::Start), PipeStep::Go(S::Running, None));
        assert_eq!(S::Stopping.on(PipeCommand::Start), PipeStep::Refused);
        assert_eq!(S::Stopped.on(PipeCommand::Stop), PipeStep::NoOp);
        assert_eq!(S::Stopped.on(PipeCommand::Resync), PipeStep::Refused);
        assert_eq!(S::Running.on(PipeCommand::Resync), PipeStep::Go(S::Resync, Some(S::Running)));
    }

    #[test]
    fn the_clickpipe_write_rule_is_running_only() {
        for st in ServiceState::ALL {
            let allowed = st.permits(StateOp::ClickPipeWrite, false) == Permit::Yes;
            assert_eq!(allowed, st == ServiceState::Running, "{st:?}");
        }
    }
}
