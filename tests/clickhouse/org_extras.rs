//! Organization-level families of the official document: BYOC infrastructure and quotas.

use hyper::Method;

use super::services::{create_body, services_path, set_knobs};
use crate::support::*;

#[tokio::test]
async fn byoc_infrastructure_provisions_on_the_clock_and_serves_byoc_services() {
    let sim = Sim::start().await;
    let body = json!({"regionId": "eu-west-1", "accountId": "123456789012", "availabilityZoneSuffixes": ["a", "b"],
                      "vpcCidrRange": "10.10.0.0/16", "displayName": "prod byoc"});
    let c = sim.post(&format!("{ORG}/byocInfrastructure"), body).await.assert_ok().clone();
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!((c["state"].as_str(), c["cloudProvider"].as_str()), (Some("infra-provisioning"), Some("aws")));
    let org = sim.get(ORG).await.assert_ok().clone();
    assert_eq!(org["byocConfig"][0]["id"], id.as_str());
    // Not ready yet: a BYOC service is refused.
    let service =
        create_body(json!({"region": "eu-west-1", "byocId": id, "minReplicaMemoryGb": 48, "maxReplicaMemoryGb": 48}));
    sim.post(&services_path(), service.clone()).await.assert_ch_error(400, "BAD_REQUEST: BYOC configuration");
    sim.advance(60).await;
    assert_eq!(sim.get(ORG).await.assert_ok()["byocConfig"][0]["state"], "infra-ready");
    let svc = sim.post(&services_path(), service).await.assert_ok()["service"]["id"].as_str().unwrap().to_owned();
    let r = sim.patch(&format!("{ORG}/byocInfrastructure/{id}"), json!({"displayName": "renamed"})).await;
    assert_eq!(r.assert_ok()["displayName"], "renamed");
    sim.delete(&format!("{ORG}/byocInfrastructure/{id}")).await.assert_ch_error(409, "CONFLICT");
    sim.patch(&format!("{ORG}/services/{svc}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(60).await;
    assert_eq!(sim.delete(&format!("{ORG}/services/{svc}")).await.status, 200);
    sim.advance(60).await;
    assert_eq!(sim.delete(&format!("{ORG}/byocInfrastructure/{id}")).await.status, 200);
    assert_eq!(sim.get(ORG).await.assert_ok()["byocConfig"], json!([]));
    sim.patch(&format!("{ORG}/byocInfrastructure/{id}"), json!({"displayName": "x"}))
        .await
        .assert_ch_error(404, "NOT_FOUND: BYOC infrastructure");
}

#[tokio::test]
async fn bad_byoc_requests_are_refused_naming_the_field() {
    let sim = Sim::start().await;
    for (body, error) in [
        (json!({"accountId": "1"}), "BAD_REQUEST: regionId is required"),
        (json!({"regionId": "mars-1", "accountId": "1"}), "BAD_REQUEST: Unsupported region 'mars-1'"),
        (json!({"regionId": "eastus"}), "BAD_REQUEST: accountId is required"),
        (
            json!({"regionId": "eastus", "accountId": "1", "availabilityZoneSuffixes": ["z"]}),
            "BAD_REQUEST: availabilityZoneSuffixes[0] must be one of a, b, c, d, e, f",
        ),
        (
            json!({"regionId": "eastus", "accountId": "1", "vpcCidrRange": "10.0.0.1"}),
            "BAD_REQUEST: vpcCidrRange must be an IPv4 CIDR range",
        ),
    ] {
        let r = sim.post(&format!("{ORG}/byocInfrastructure"), body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    assert_eq!(sim.get(ORG).await.assert_ok()["byocConfig"], json!([]));
}

#[tokio::test]
async fn quotas_report_the_enforced_limits_and_usage() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.maxServicesPerOrg": 7})).await;
    sim.create_service(json!({})).await;
    let list = sim.get(&format!("{ORG}/quotas")).await.assert_ok().as_array().unwrap().clone();
    let codes: Vec<&str> = list.iter().map(|q| q["quotaCode"].as_str().unwrap()).collect();
    assert_eq!(codes, ["services-per-organization", "replicas-per-warehouse"]);
    let q = sim.get(&format!("{ORG}/quotas/services-per-organization")).await.assert_ok().clone();
    assert_eq!(
        (q["value"].as_u64(), q["usage"].as_u64(), q["scope"].as_str()),
        (Some(7), Some(1), Some("organization"))
    );
    // Postgres does not apply here: omitted, and 404 by code.
    sim.get(&format!("{ORG}/quotas/postgres-services-per-organization")).await.assert_ch_error(404, "NOT_FOUND");
    sim.send(Method::POST, &format!("{ORG}/quotas"), Some(KEY), Some(json!({})), &[])
        .await
        .assert_ch_error(405, "METHOD_NOT_ALLOWED");
}

/// An organization's BYOC infrastructures are capped by knob `clickhouse.maxByocConfigs`;
/// the refused create adds nothing.
#[tokio::test]
async fn byoc_infrastructures_are_capped_per_organization() {
    let sim = Sim::start().await;
    assert_eq!(sim.patch("/_sim/config", json!({"clickhouse.maxByocConfigs": 2})).await.status, 200);
    let body = json!({"regionId": "eu-west-1", "accountId": "123456789012"});
    for _ in 0..2 {
        sim.post(&format!("{ORG}/byocInfrastructure"), body.clone()).await.assert_ok();
    }
    sim.post(&format!("{ORG}/byocInfrastructure"), body)
        .await
        .assert_ch_error(403, "FORBIDDEN: BYOC infrastructure limit reached for this organization (2)");
    assert_eq!(sim.get(ORG).await.assert_ok()["byocConfig"].as_array().unwrap().len(), 2);
}
