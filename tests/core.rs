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
