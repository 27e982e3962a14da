//! Reads of one BYOC infrastructure (clickhousectl 0.5.0's `cloud org byoc get`,
//! `private-endpoint-config`, `tags`): what create kept, the endpoint config once ready,
//! the 404s, isolation.

use hyper::Method;

use crate::support::*;

async fn create(sim: &Sim) -> String {
    let body = json!({"regionId": "eu-west-1", "accountId": "123456789012", "availabilityZoneSuffixes": ["a", "b"],
                      "vpcCidrRange": "10.10.0.0/16", "displayName": "prod byoc"});
    sim.post(&format!("{ORG}/byocInfrastructure"), body).await.assert_ok()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_byoc_infrastructure_reads_back_with_its_endpoint_config_once_ready() {
    let sim = Sim::start().await;
    let id = create(&sim).await;
    let base = format!("{ORG}/byocInfrastructure/{id}");
    let got = sim.get(&base).await.assert_ok().clone();
    assert_eq!(
        got,
        json!({"id": id, "state": "infra-provisioning", "cloudProvider": "aws", "regionId": "eu-west-1",
               "accountId": "123456789012", "displayName": "prod byoc"})
    );
    sim.get(&format!("{base}/privateEndpointConfig")).await.assert_ch_error(409, "CONFLICT: BYOC infrastructure");
    assert_eq!(sim.get(&format!("{base}/tags")).await.assert_ok(), &json!({"tags": {}}));
    sim.advance(60).await;
    assert_eq!(sim.get(&base).await.assert_ok()["state"], "infra-ready");
    let pec = sim.get(&format!("{base}/privateEndpointConfig")).await.assert_ok().clone();
    let name = pec["endpointName"].as_str().unwrap();
    assert!(name.starts_with("com.amazonaws.vpce.eu-west-1.vpce-svc-") && name.len() == 55, "{name}");
    assert!(pec["privateDnsHostname"].as_str().unwrap().ends_with(".eu-west-1.byoc.clickhouse.cloud"));
    assert_eq!(sim.get(&format!("{base}/privateEndpointConfig")).await.assert_ok(), &pec, "stable");
    sim.patch(&base, json!({"displayName": "renamed"})).await.assert_ok();
    assert_eq!(sim.get(&base).await.assert_ok()["displayName"], "renamed");
}

#[tokio::test]
async fn unknown_and_foreign_infrastructures_are_not_found() {
    let sim = Sim::start().await;
    let id = create(&sim).await;
    let unknown = "99999999-9999-4999-8999-999999999999";
    for tail in ["", "/privateEndpointConfig", "/tags"] {
        sim.get(&format!("{ORG}/byocInfrastructure/{unknown}{tail}"))
            .await
            .assert_ch_error(404, &format!("NOT_FOUND: BYOC infrastructure {unknown} not found"));
    }
    sim.get(&format!("{ORG}/byocInfrastructure/nope"))
        .await
        .assert_ch_error(400, "BAD_REQUEST: Invalid byocInfrastructureId");
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .send(Method::GET, &format!("/v1/organizations/{org2}/byocInfrastructure/{id}"), Some(("k2", "s2")), None, &[])
        .await;
    r.assert_ch_error(404, &format!("NOT_FOUND: BYOC infrastructure {id} not found"));
}
