//! Core: control API, clock, journal, metrics, config, library.

use crate::support::*;

#[tokio::test]
async fn health_answers_ok() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/health").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["clock"], "manual");
}

#[tokio::test]
async fn openapi_document_lists_every_clickhouse_operation() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/openapi/clickhouse.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.0.1");
    let create = &r.body["paths"]["/v1/organizations/{organizationId}/services"]["post"];
    assert_eq!(create["operationId"], "createService");
    assert_eq!(sim.sim_get("/_sim/openapi/nothing.json").await.status, 404);
}
