//! Prometheus HTTP service discovery for an organization (`GET
//! ORG/prometheus/discovery`, `organizationPrometheusDiscoveryGet`: `clickhousectl cloud
//! org prometheus discovery`).
//!
//! Owns no table; reads the organization's services. May touch: `super::validate`
//! (`filtered_metrics`), `crate::http::Request` (the `Host` it was reached at).
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary: the
//! path and operationId of its operation table, its help ("List Prometheus scrape
//! targets", `--filtered-metrics true|false`, "no additional named permissions"), and
//! what it decodes, probed against a capturing server: a bare JSON array (no
//! `{status, result}` envelope — Prometheus' HTTP SD format) of
//! `PrometheusDiscoveryTargetGroup` (`targets`, an array of strings, and `labels`, a
//! string map); the label names in its binary are `__scheme__`,
//! `__param_filtered_metrics`, `__meta_clickhouse_provider`, `__meta_clickhouse_region`,
//! `clickhouse_discovery_service_name`, `clickhouse_org_id`, `clickhouse_service_id`.
//!
//! # Choices (I)
//! - One group per service (removed ones left out), oldest first. Its target is the host
//!   the request reached (its `Host`, else `127.0.0.1`) and its `__metrics_path__` the
//!   service's `SVC/prometheus`, so a Prometheus pointed at the discovery scrapes the
//!   simulator itself; `__scheme__` is `http`, the simulator's. `__param_filtered_metrics`
//!   is set only when the request gives `filtered_metrics` (a boolean, else the 400 of
//!   `prometheus.rs`). Errors keep the JSON error envelope.

use serde_json::{json, Value};

use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::OrganizationPrometheusDiscovery => discovery(ch, call),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn discovery(ch: &ClickHouse, call: &Call) -> Res {
    let given = call.req.query_param("filtered_metrics");
    let filtered = v::filtered_metrics(given.as_deref())?;
    let host = call.req.header("host").filter(|h| !h.trim().is_empty()).unwrap_or("127.0.0.1").to_owned();
    let mut services = ch.services.list_where(&call.org.id, |s| !s.state.is_removed() && call.access.sees_service(&s.id));
    services.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let org = &call.org.id;
    let groups: Vec<Value> = services
        .iter()
        .map(|s| {
            let mut labels = json!({
                "__scheme__": "http",
                "__metrics_path__": format!("/v1/organizations/{org}/services/{}/prometheus", s.id),
                "__meta_clickhouse_provider": s.provider,
                "__meta_clickhouse_region": s.region,
                "clickhouse_discovery_service_name": s.name,
                "clickhouse_org_id": org,
                "clickhouse_service_id": s.id,
            });
            if given.is_some() {
                labels["__param_filtered_metrics"] = json!(filtered.to_string());
            }
            json!({"targets": [host], "labels": labels})
        })
        .collect();
    Ok(Out::Bare(Value::Array(groups)))
}
