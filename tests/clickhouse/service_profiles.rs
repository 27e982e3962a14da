//! Service profiles (`GET ORG/serviceProfiles`, clickhousectl 0.5.0's `cloud service
//! profile list`): by region, by BYOC infrastructure, every rule broken once.

use hyper::Method;

use crate::support::*;

fn path(q: &str) -> String {
    format!("{ORG}/serviceProfiles{q}")
}

#[tokio::test]
async fn profiles_are_listed_by_region_and_by_byoc_infrastructure() {
    let sim = Sim::start().await;
    let list = sim.get(&path("?region_id=eu-west-1")).await.assert_ok().clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 10);
    assert_eq!(list[0], json!({"profile": "v1-default", "cpuCores": 2, "memoryGi": 8}));
    assert!(list.iter().any(|p| p["profile"] == "v1-highmem-xl" && p["memoryGi"] == 256));

    let body = json!({"regionId": "eu-west-1", "accountId": "123456789012", "availabilityZoneSuffixes": ["a"],
                      "vpcCidrRange": "10.10.0.0/16", "displayName": "b"});
    let byoc =
        sim.post(&format!("{ORG}/byocInfrastructure"), body).await.assert_ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.get(&path(&format!("?byoc_id={byoc}"))).await.assert_ok().as_array().unwrap().len(), 10);
    sim.get(&path(&format!("?byoc_id={byoc}&region_id=eu-west-1"))).await.assert_ok();
    sim.get(&path(&format!("?byoc_id={byoc}&region_id=us-east-1")))
        .await
        .assert_ch_error(400, "BAD_REQUEST: Region 'us-east-1' is not the BYOC infrastructure's region 'eu-west-1'");

    // Another organization's infrastructure is not found.
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .send(
            Method::GET,
            &format!("/v1/organizations/{org2}/serviceProfiles?byoc_id={byoc}"),
            Some(("k2", "s2")),
            None,
            &[],
        )
        .await;
    r.assert_ch_error(404, &format!("NOT_FOUND: BYOC infrastructure {byoc} not found"));
}

#[tokio::test]
async fn every_profile_rule_names_its_parameter() {
    let sim = Sim::start().await;
    for (q, status, want) in [
        ("", 400, "BAD_REQUEST: region_id or byoc_id is required"),
        ("?region_id=mars-1", 400, "BAD_REQUEST: Unsupported region 'mars-1'"),
        ("?byoc_id=nope", 400, "BAD_REQUEST: byoc_id"),
        ("?byoc_id=99999999-9999-4999-8999-999999999999", 404, "NOT_FOUND: BYOC infrastructure"),
    ] {
        sim.get(&path(q)).await.assert_ch_error(status, want);
    }
}
