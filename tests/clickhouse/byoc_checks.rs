//! BYOC provisioning progress and account validation (clickhousectl 0.5.0's `cloud org
//! byoc progress` and `validate`): progress on the clock, validation by the create's rules,
//! nothing stored.

use crate::support::*;

#[tokio::test]
async fn byoc_progress_follows_the_infrastructure_on_the_clock() {
    let sim = Sim::start().await;
    let body = json!({"regionId": "eu-west-1", "accountId": "123456789012"});
    let id = sim.post(&format!("{ORG}/byocInfrastructure"), body).await.assert_ok()["id"].as_str().unwrap().to_owned();
    let path = format!("{ORG}/byocInfrastructure/{id}/progress");
    let p = sim.get(&path).await.assert_ok().clone();
    assert_eq!(p["id"], id);
    assert_eq!(p["status"], "in_progress");
    let statuses: Vec<&str> = p["stages"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["in_progress", "pending", "pending"]);
    sim.advance(60).await;
    let p = sim.get(&path).await.assert_ok().clone();
    assert_eq!(p["status"], "ready");
    assert!(p["stages"].as_array().unwrap().iter().all(|s| s["status"] == "ready"));
    let unknown = "99999999-9999-4999-8999-999999999999";
    sim.get(&format!("{ORG}/byocInfrastructure/{unknown}/progress"))
        .await
        .assert_ch_error(404, &format!("NOT_FOUND: BYOC infrastructure {unknown} not found"));
}

#[tokio::test]
async fn byoc_validation_checks_the_account_body_and_stores_nothing() {
    let sim = Sim::start().await;
    let path = format!("{ORG}/byocInfrastructure/validate");
    let body = json!({"regionId": "us-east-1", "accountId": "123456789012", "availabilityZoneSuffixes": ["a"],
                      "vpcCidrRange": "10.0.0.0/16", "tags": {"env": "ci"}});
    let v = sim.post(&path, body).await.assert_ok().clone();
    assert_eq!(v["cloudProvider"], "aws");
    assert_eq!((v["supported"].clone(), v["allPassed"].clone()), (json!(true), json!(true)));
    assert!(v["checks"].as_array().unwrap().iter().all(|c| c["allowed"] == true && c["group"].is_string()));
    for (body, error) in [
        (json!({"accountId": "1"}), "BAD_REQUEST: regionId is required"),
        (
            json!({"regionId": "us-east-1", "accountId": "1", "vpcCidrRange": "10.0.0.0/16", "vpcId": "vpc-1"}),
            "BAD_REQUEST: vpcCidrRange",
        ),
        (json!({"regionId": "eastus", "accountId": "sub"}), "BAD_REQUEST: tenantId is required"),
        (
            json!({"regionId": "us-east-1", "accountId": "1", "tags": {"env": 1}}),
            "BAD_REQUEST: tags.env must be a string",
        ),
    ] {
        sim.post(&path, body).await.assert_ch_error(400, error);
    }
    let org = sim.get(ORG).await.assert_ok().clone();
    assert_eq!(org["byocConfig"], json!([]), "validation stores nothing");
}
