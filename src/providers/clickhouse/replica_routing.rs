//! Replica-aware routing of a service (`SVC/replicaAwareRouting`: `replicaAwareRoutingGet`,
//! `replicaAwareRoutingUpdate` (PATCH); `clickhousectl cloud service replica-aware-routing`).
//!
//! Owns the `replica_routing` table, keyed `(organization, service id)`. May touch: the
//! `services` table (read), `crate::validation`.
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary: the
//! path, method and operationIds of its operation table, the permissions its `--help`
//! prints (`control-plane:service:view` to read, `control-plane:service:manage` to
//! change), what it sends (captured: `{"httpEnabled": true}`, `{"nativeEnabled": false}`,
//! only the flags given) and the model it decodes (`httpEnabled`, `nativeEnabled`,
//! booleans).
//!
//! # Choices (I)
//! - **A service that never set it** reads both off (`false`): routing is a setting every
//!   service has, so the read is not a 404.
//! - **PATCH merges**: an omitted field keeps its value; a body naming neither field is a
//!   400 (the client refuses to send one: "at least one of"). Each field a boolean.
//! - Any service state (the setting lives in the control plane). Deleting the service
//!   deletes it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields};

/// One service's routing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaRouting {
    pub org_id: String,
    pub service_id: String,
    pub http_enabled: bool,
    pub native_enabled: bool,
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetReplicaAwareRouting { service } => {
            ch.service(&call.org.id, service)?;
            Ok(Out::Result(view(&current(ch, &call.org.id, service))))
        }
        Op::UpdateReplicaAwareRouting { service } => update(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn current(ch: &ClickHouse, org: &str, service: &str) -> ReplicaRouting {
    ch.replica_routing.get(org, service).unwrap_or_else(|| ReplicaRouting {
        org_id: org.to_owned(),
        service_id: service.to_owned(),
        ..ReplicaRouting::default()
    })
}

fn view(r: &ReplicaRouting) -> Value {
    json!({"httpEnabled": r.http_enabled, "nativeEnabled": r.native_enabled})
}

/// At least one of the two fields.
fn some_field_rule(f: &Fields) -> Result<(), FieldError> {
    if !f.has_key("httpEnabled") && !f.has_key("nativeEnabled") {
        return Err(FieldError::says("httpEnabled", "or nativeEnabled is required"));
    }
    Ok(())
}

const FIELDS: &[&str] = &["httpEnabled", "nativeEnabled"];

fn update(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let raw = json_object(call.req)?;
    let f = Fields::new(&raw);
    v::unknown_fields(&f, FIELDS, call.settings.strict_unknown_fields)?;
    some_field_rule(&f)?;
    let http = f.bool("httpEnabled")?;
    let native = f.bool("nativeEnabled")?;
    let mut next = current(ch, &call.org.id, service);
    if let Some(h) = http {
        next.http_enabled = h;
    }
    if let Some(n) = native {
        next.native_enabled = n;
    }
    ch.replica_routing.insert(&call.org.id, service, next.clone());
    Ok(Out::Result(view(&next)))
}

/// Drops a removed service's routing.
pub fn forget_service(ch: &ClickHouse, org: &str, service: &str) {
    ch.replica_routing.remove(org, service);
}
