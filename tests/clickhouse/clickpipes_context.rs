//! The ClickPipes context of a service (`GET SVC/clickpipes/context`, clickhousectl
//! 0.5.0's `cloud clickpipe context get`): GCP workload identity on GCP services only.

use hyper::Method;

use crate::support::*;

fn path(svc: &str) -> String {
    format!("{ORG}/services/{svc}/clickpipes/context")
}

#[tokio::test]
async fn gcp_services_have_a_workload_identity_and_others_do_not() {
    let sim = Sim::start().await;
    let aws = sim.running_service().await;
    assert_eq!(
        sim.get(&path(&aws)).await.assert_ok(),
        &json!({"gcpWorkloadIdentity": {"supported": false, "ready": false}})
    );

    let gcp = sim.create_service(json!({"provider": "gcp", "region": "us-central1"})).await;
    let r = sim.get(&path(&gcp)).await.assert_ok().clone();
    assert_eq!(
        (r["gcpWorkloadIdentity"]["supported"].as_bool(), r["gcpWorkloadIdentity"]["ready"].as_bool()),
        (Some(true), Some(false))
    );
    sim.advance(60).await;
    let r = sim.get(&path(&gcp)).await.assert_ok().clone();
    assert_eq!(r["gcpWorkloadIdentity"]["ready"], true, "ready once it has run");
    let principal = r["gcpWorkloadIdentity"]["principal"].as_str().unwrap();
    assert_eq!(principal, format!("clickpipes-{}@clickhouse-cloud-sim.iam.gserviceaccount.com", &gcp[..8]));

    // Not a pipe id: the path is the context's, not `clickPipeGet`'s.
    let journal = sim.sim_get("/_sim/requests").await.body;
    assert!(journal.to_string().contains("clickPipesServiceContextGet"), "{journal}");
    let unknown = "99999999-9999-4999-8999-999999999999";
    sim.get(&path(unknown)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .send(
            Method::GET,
            &format!("/v1/organizations/{org2}/services/{gcp}/clickpipes/context"),
            Some(("k2", "s2")),
            None,
            &[],
        )
        .await;
    r.assert_ch_error(404, &format!("NOT_FOUND: Service {gcp} not found"));
}
