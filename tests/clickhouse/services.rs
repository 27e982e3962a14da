//! Services: create, read, update, delete, the state machine (E1–E12).

use crate::support::*;

#[tokio::test]
async fn create_is_provisioning_then_running_after_provisioning_time() {
    let sim = Sim::start().await;
    let r = sim
        .post(&format!("{ORG}/services"), json!({"name": "my service", "provider": "aws", "region": "us-east-1"}))
        .await;
    let result = r.assert_ok();
    let svc = &result["service"];
    assert_eq!(svc["state"], "provisioning");
    assert_eq!(result["password"].as_str().unwrap().len(), 16);
    assert_eq!(svc["numReplicas"], 3);
    assert_eq!(svc["idleScaling"], true);
    assert_eq!(svc["releaseChannel"], "default");
    assert_eq!(svc["isPrimary"], true);
    let protocols: Vec<&str> =
        svc["endpoints"].as_array().unwrap().iter().map(|e| e["protocol"].as_str().unwrap()).collect();
    assert_eq!(protocols, ["https", "nativesecure"]);
    let id = svc["id"].as_str().unwrap();
    assert_eq!(sim.state_of(id).await, "provisioning");
    let adv = sim.advance(60).await;
    assert_eq!(adv["transitions"][0]["to"], "running");
    assert_eq!(sim.state_of(id).await, "running");
}
