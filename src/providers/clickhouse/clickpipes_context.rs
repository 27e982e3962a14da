//! The ClickPipes context of a service (`GET SVC/clickpipes/context`,
//! `clickPipesServiceContextGet`: `clickhousectl cloud clickpipe context get`): whether
//! its ClickPipes can read Google Cloud Storage with GCP workload identity, and as whom.
//!
//! Owns no table; reads the service. May touch: the `services` table (read).
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary: the
//! path and operationId of its operation table, its help ("Get GCP workload identity
//! readiness and principal", permission `control-plane:service:manage-clickpipes`; the
//! object-storage pipe's "Workload identity is only valid for GCS"), and its models,
//! probed against a capturing server: `ClickPipesServiceContext` (`gcpWorkloadIdentity`)
//! and `ClickPipesGcpWorkloadIdentityContext` (`supported`, `ready` booleans,
//! `principal` a string).
//!
//! # Choices (I)
//! - **Supported** on services hosted on GCP only; **ready** once such a service has run
//!   (`running`, or any later state but the removed ones: the identity outlives a stop);
//!   the **principal** a service account named after the service,
//!   `clickpipes-<first 8 characters of the service id>@clickhouse-cloud-sim.iam.gserviceaccount.com`,
//!   present when supported. Other providers answer `{"supported": false, "ready": false}`.
//! - Any service state; the official 404 for an unknown service.

use serde_json::{json, Value};

use super::model::ServiceState;
use super::routes::Op;
use super::{Call, ChError, ClickHouse, Out, Res};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetClickPipesContext { service } => {
            let s = ch.service(&call.org.id, service)?;
            let supported = s.provider == "gcp";
            let ready = supported && !matches!(s.state, ServiceState::Provisioning);
            let mut identity = json!({"supported": supported, "ready": ready});
            if supported {
                let short: String = s.id.chars().take(8).collect();
                identity["principal"] =
                    Value::String(format!("clickpipes-{short}@clickhouse-cloud-sim.iam.gserviceaccount.com"));
            }
            Ok(Out::Result(json!({"gcpWorkloadIdentity": identity})))
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}
