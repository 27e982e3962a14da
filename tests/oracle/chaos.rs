//! Oracle through the provider-neutral chaos seam: `/_sim/faults` status rules answering
//! the native `MSError` with Retry-After, tenant matching by identity domain (name or
//! alias), resource rules forcing FAILED_ACTIVATION / PROVISIONERR / FAILED with the
//! documented recovery, `fail_next_transition` and `stall_seconds` seen by polling, state
//! dump and restore with pending operations, scenario `identities.oracle` and
//! `resources.oracle`, and the OpenAPI document.

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

async fn add_rule(sim: &Sim, rule: Value) -> String {
    let r = sim.sim_post("/_sim/faults", rule).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().expect("rule id").to_owned()
}

async fn clear_rules(sim: &Sim) {
    let r = sim.send(Method::DELETE, "/_sim/faults", None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn fired(sim: &Sim, id: &str) -> u64 {
    let r = sim.sim_get("/_sim/faults").await;
    let rules = r.body["faults"].as_array().cloned().unwrap_or_default();
    rules.iter().find(|f| f["id"] == id).and_then(|f| f["fired"].as_u64()).unwrap_or(0)
}

/// `(ExaunitId, status)` of every cluster, from ECRA resourceinfo.
async fn clusters(sim: &Sim, instance: &str) -> Vec<(u64, String)> {
    let r = sim.resource_info(instance).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["DistributedClusterResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["ExaunitId"].as_u64().unwrap(), c["status"].as_str().unwrap().to_owned()))
        .collect()
}

async fn instance_status(sim: &Sim, id: &str) -> String {
    let r = sim.ms_get(&format!("/serviceInstances/csi-{id}")).await;
    r.body["status"].as_str().unwrap_or("<none>").to_owned()
}

fn last_log(op: &Value) -> String {
    let logs = op["operationItems"][0]["actionLogs"].as_array().cloned().unwrap_or_default();
    logs.last().and_then(|l| l["message"].as_str()).unwrap_or("").to_owned()
}

/// A basic instance, settled ACTIVE; answers its numeric id.
async fn active_basic_instance(sim: &Sim) -> String {
    let op = sim.submit(create_body(&[])).await;
    assert_eq!(sim.settle(&op, 60).await["result"]["status"], "PROCESSED");
    SEED_INSTANCE.to_owned()
}

#[tokio::test]
async fn a_status_rule_on_an_oracle_operation_answers_the_native_error_with_retry_after_and_changes_nothing() {
    let sim = Sim::start().await;
    let id = add_rule(
        &sim,
        json!({"match": {"provider": "oracle", "operation": "createOperation"}, "action": {"kind": "status"}}),
    )
    .await;
    let r = sim.post_operation(create_body(&[])).await;
    r.assert_ora_error(503, "ITAS-503-INTERNAL", "Service Unavailable");
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(sim.instance_count().await, 0);
    assert_eq!(sim.operation_count().await, 0);
    let journal = sim.sim_get("/_sim/requests?operation=createOperation").await;
    let entry = &journal.body["requests"][0];
    assert_eq!((entry["provider"].clone(), entry["tenant"].clone()), (json!("oracle"), json!("mydomain")));
    assert_eq!(entry["fault"], json!(id));
    clear_rules(&sim).await;

    // 429 and an explicit Retry-After; other codes keep the envelope without one.
    add_rule(
        &sim,
        json!({"match": {"operation": "getOperation"}, "action": {"kind": "status", "status": 429, "retry_after": 7}}),
    )
    .await;
    let r = sim.ms_get("/operations/700000001").await;
    r.assert_ora_error(429, "ITAS-429-RATE", "Too Many Requests");
    assert_eq!(r.header("retry-after"), Some("7"));
    clear_rules(&sim).await;
    add_rule(
        &sim,
        json!({"match": {"operation": "listServiceInstances"}, "action": {"kind": "status", "status": 500}}),
    )
    .await;
    let r = sim.ms_get("/serviceInstances").await;
    r.assert_ora_error(500, "ITAS-500-INTERNAL", "Internal Server Error");
    assert_eq!(r.header("retry-after"), None);
}

#[tokio::test]
async fn a_tenant_rule_naming_mydomain_matches_requests_made_through_its_alias_too() {
    let sim = Sim::start().await;
    let r = sim
        .sim_post("/_sim/oracle/domains", json!({"name": "otherdomain", "username": "o@example.com", "password": "pw"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rule = add_rule(
        &sim,
        json!({"match": {"provider": "oracle", "tenant": "mydomain", "operation": "listServiceEntitlements"},
               "action": {"kind": "status", "status": 503, "retry_after": 3}}),
    )
    .await;
    let by_name = sim.ms_get("/serviceEntitlements").await;
    by_name.assert_ora_error(503, "ITAS-503-INTERNAL", "Service Unavailable");
    let alias_path = format!("/itas/{ALIAS}/myservices/api/v1/serviceEntitlements");
    let by_alias = sim.send(Method::GET, &alias_path, Some(USER), None, &[("x-id-tenant-name", ALIAS)]).await;
    by_alias.assert_ora_error(503, "ITAS-503-INTERNAL", "Service Unavailable");
    assert_eq!(by_alias.header("retry-after"), Some("3"));
    // Another domain's requests do not match.
    let other = sim
        .send(
            Method::GET,
            "/itas/otherdomain/myservices/api/v1/serviceEntitlements",
            Some(("o@example.com", "pw")),
            None,
            &[("x-id-tenant-name", "otherdomain")],
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
    assert_eq!(fired(&sim, &rule).await, 2);

    // ECRA paths carry no domain: the tenant header names it.
    clear_rules(&sim).await;
    add_rule(
        &sim,
        json!({"match": {"tenant": "mydomain", "operation": "clustershapes_get"}, "action": {"kind": "status"}}),
    )
    .await;
    let r = sim
        .send(
            Method::GET,
            "/ecra/endpoint/clustershapes?racksize=QUARTER&model=X7-2",
            Some(USER),
            None,
            &[("x-id-tenant-name", ALIAS)],
        )
        .await;
    r.assert_ora_error(503, "ITAS-503-INTERNAL", "Service Unavailable");
}

#[tokio::test]
async fn a_resource_rule_forces_failed_activation_and_deleting_the_instance_recovers() {
    let sim = Sim::start().await;
    let instance = active_basic_instance(&sim).await;
    add_rule(
        &sim,
        json!({"match": {"operation": "getServiceInstance"}, "action": {"kind": "resource", "state": "FAILED_ACTIVATION"},
               "schedule": {"times": 1}}),
    )
    .await;
    // The rule acts before the handler: the answer already shows the failure state.
    assert_eq!(instance_status(&sim, &instance).await, "FAILED_ACTIVATION");
    assert_eq!(clusters(&sim, &instance).await, [(1, "PROVISIONERR".to_owned())]);
    // An update is refused (U04); the seed's recovery is a DELETE (§10.2).
    let r = sim.post_operation(update_body(&instance, &reshape_payload(1, "StorageInTb", "4"))).await;
    r.assert_ora_error(409, "ITAS-409-CONFLICT", "is FAILED_ACTIVATION and cannot be updated");
    let del = sim.submit(delete_body(&instance)).await;
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(instance_status(&sim, &instance).await, "TERMINATED");
}

#[tokio::test]
async fn forcing_failed_activation_while_the_create_runs_fails_the_create_without_leaving_it_half_applied() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"match": {"operation": "createOperation"}, "action": {"kind": "resource", "state": "FAILED_ACTIVATION"}}),
    )
    .await;
    let r = sim.post_operation(create_multivm_body(SEED_ADD_PAYLOAD)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["result"]["status"], "NEW", "the answer was made before the rule acted");
    let op = r.body["id"].as_str().unwrap().to_owned();
    let done = sim.ms_get(&format!("/operations/{op}")).await.body;
    assert_eq!(done["result"]["status"], "FAILED", "{done}");
    assert_eq!(done["operationItems"][0]["result"]["status"], "FAILED");
    assert_eq!(done["result"]["statusMessage"], "The service instance was forced into FAILED_ACTIVATION");
    assert_eq!(last_log(&done), "The service instance was forced into FAILED_ACTIVATION");
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["status"], "FAILED_ACTIVATION");
    assert_eq!(inst["inFlight"], Value::Null, "the busy flag is released");
    // The stale steps of the failed operation change nothing later.
    sim.advance(60).await;
    assert_eq!(sim.op_status(&op).await, ("FAILED".into(), "FAILED".into()));
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "FAILED_ACTIVATION");
    clear_rules(&sim).await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
}

#[tokio::test]
async fn a_resource_rule_forces_a_vm_cluster_into_provisionerr_and_delete_cluster_recovers() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    // The cluster by its ExaunitID, named in the rule.
    add_rule(
        &sim,
        json!({"match": {"operation": "get-exaservice"},
               "action": {"kind": "resource", "state": "PROVISIONERR", "resource_id": "1"}, "schedule": {"times": 1}}),
    )
    .await;
    assert_eq!(clusters(&sim, &instance).await, [(1, "PROVISIONERR".to_owned())]);
    assert_eq!(instance_status(&sim, &instance).await, "ACTIVE");
    let reshape = sim.update_and_settle(&instance, &reshape_payload(1, "TotalNumOfCoresForCluster", "6")).await;
    assert_eq!(reshape["result"]["status"], "FAILED");
    assert_eq!(reshape["result"]["statusMessage"], "Cluster 1 is not in PROVISIONED state (PROVISIONERR)");
    let gone = sim.update_and_settle(&instance, &delete_cluster_payload(1)).await;
    assert_eq!(gone["result"]["status"], "PROCESSED", "{gone}");
    assert!(clusters(&sim, &instance).await.is_empty());

    // An unknown state is refused by the rule's target, and changes nothing.
    add_rule(
        &sim,
        json!({"match": {"operation": "getServiceInstance"}, "action": {"kind": "resource", "state": "degraded"}}),
    )
    .await;
    assert_eq!(instance_status(&sim, &instance).await, "ACTIVE");
}

#[tokio::test]
async fn fail_next_transition_makes_a_posted_operation_end_failed_part_way_and_a_retry_succeeds() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    add_rule(
        &sim,
        json!({"match": {"operation": "createOperation"}, "action": {"kind": "resource", "fail_next_transition": true},
               "schedule": {"times": 1}}),
    )
    .await;
    let op = sim.submit(update_body(&instance, &add_payload("c2", 4, 30, 3, 60))).await;
    assert_eq!(sim.op_status(&op).await, ("NEW".into(), "READY".into()));
    // Part-way: it starts, reserves and creates the cluster ...
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSING".into(), "PROCESSING".into()));
    assert_eq!(clusters(&sim, &instance).await[1], (2, "CREATING".to_owned()));
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSING".into(), "ASYNC_WAIT".into()));
    // ... then ends FAILED, with the documented detail, and the AddCluster rollback.
    let done = sim.settle(&op, 30).await;
    assert_eq!(done["result"]["status"], "FAILED", "{done}");
    assert_eq!(done["operationItems"][0]["result"]["status"], "FAILED");
    assert_eq!(done["result"]["statusMessage"], "Injected backend failure");
    assert_eq!(last_log(&done), "Injected backend failure");
    assert_eq!(clusters(&sim, &instance).await, [(1, "PROVISIONED".into()), (2, "PROVISIONERR".into())]);
    assert_eq!(sim.instance_state(&instance).await["inFlight"], Value::Null);
    // Recovery: delete the failed cluster, retry the add.
    let gone = sim.update_and_settle(&instance, &delete_cluster_payload(2)).await;
    assert_eq!(gone["result"]["status"], "PROCESSED");
    let retry = sim.update_and_settle(&instance, &add_payload("c2", 4, 30, 3, 60)).await;
    assert_eq!(retry["result"]["status"], "PROCESSED", "{retry}");

    // On an instance: its next operation fails; a reshape leaves the cluster unchanged.
    add_rule(
        &sim,
        json!({"match": {"operation": "getServiceInstance"}, "action": {"kind": "resource", "fail_next_transition": true},
               "schedule": {"times": 1}}),
    )
    .await;
    sim.ms_get(&format!("/serviceInstances/csi-{instance}")).await;
    let reshape = sim.update_and_settle(&instance, &reshape_payload(1, "TotalMemoryInGb", "60")).await;
    assert_eq!(reshape["result"]["statusMessage"], "Injected backend failure");
    let info = sim.resource_info(&instance).await;
    assert_eq!(info.body["DistributedClusterResources"][0]["TotalMemoryInGb"], 30);
    assert_eq!(info.body["DistributedClusterResources"][0]["status"], "PROVISIONED");
    let again = sim.update_and_settle(&instance, &reshape_payload(1, "TotalMemoryInGb", "60")).await;
    assert_eq!(again["result"]["status"], "PROCESSED");
}

#[tokio::test]
async fn stall_seconds_holds_the_next_step_of_an_operation_for_that_simulated_time() {
    let sim = Sim::start().await;
    add_rule(
        &sim,
        json!({"match": {"operation": "createOperation"}, "action": {"kind": "resource", "stall_seconds": 100},
               "schedule": {"times": 1}}),
    )
    .await;
    let op = sim.submit(create_body(&[])).await;
    sim.advance(99).await;
    assert_eq!(sim.op_status(&op).await, ("NEW".into(), "READY".into()), "the start (due at 1 s) waits");
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "BEGIN_ACTIVATION");
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSING".into(), "PROCESSING".into()));
    // The rest follows at its own pace from there (CREATE 20 s).
    sim.advance(19).await;
    assert_eq!(sim.op_status(&op).await.0, "PROCESSING");
    sim.advance(1).await;
    assert_eq!(sim.op_status(&op).await, ("PROCESSED".into(), "PROCESSED".into()));
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "ACTIVE");

    // A stall on an instance holds the next operation on it.
    add_rule(
        &sim,
        json!({"match": {"operation": "getServiceInstance"}, "action": {"kind": "resource", "stall_seconds": 50},
               "schedule": {"times": 1}}),
    )
    .await;
    sim.ms_get(&format!("/serviceInstances/csi-{SEED_INSTANCE}")).await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.advance(49).await;
    assert_eq!(sim.op_status(&del).await.0, "NEW");
    sim.advance(1).await;
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "BEGIN_TERMINATION");
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
}

#[tokio::test]
async fn put_state_restores_oracle_instances_and_pending_operations_which_then_complete() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    // Exaunit 2 is used and deleted: only the counter remembers it.
    sim.update_and_settle(&instance, &add_payload("c2", 4, 30, 3, 60)).await;
    sim.update_and_settle(&instance, &delete_cluster_payload(2)).await;
    let r =
        sim.sim_post("/_sim/oracle/domains", json!({"name": "teamb", "username": "b@example.com", "password": "pw"}));
    assert_eq!(r.await.status, 200);
    let pending = sim.submit(update_body(&instance, &add_payload("c3", 4, 30, 3, 60))).await;
    let dump = sim.sim_get("/_sim/state").await.body;
    assert_eq!(dump["providers"]["oracle"]["serviceEntitlements"][0]["domain"], "mydomain");

    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(sim.instance_count().await, 0);
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(dump.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(instance_status(&sim, &instance).await, "ACTIVE");
    assert_eq!(sim.op_status(&pending).await, ("NEW".into(), "READY".into()));
    let done = sim.settle(&pending, 30).await;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
    assert_eq!(clusters(&sim, &instance).await, [(1, "PROVISIONED".into()), (3, "PROVISIONED".into())]);
    // The restored domain authenticates; new ids continue after the dump's.
    let r = sim
        .send(
            Method::GET,
            "/itas/teamb/myservices/api/v1/serviceInstances",
            Some(("b@example.com", "pw")),
            None,
            &[("x-id-tenant-name", "teamb")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let next = sim.submit(update_body(&instance, &add_payload("c4", 4, 30, 3, 60))).await;
    assert!(next.parse::<u64>().unwrap() > pending.parse::<u64>().unwrap() + 1, "{next} after {pending}");
    assert_eq!(sim.settle(&next, 30).await["result"]["status"], "PROCESSED");
    assert_eq!(clusters(&sim, &instance).await.last(), Some(&(4, "PROVISIONED".to_owned())));

    // A broken Oracle part is refused before any provider changes.
    sim.create_service(json!({})).await;
    let broken = json!({"providers": {"clickhouse": {}, "oracle": {"serviceInstances": [1]}}});
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(broken), &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("oracle: serviceInstances[0]"), "{}", r.text);
    assert_eq!(sim.service_count().await, 1);
    assert_eq!(sim.instance_count().await, 1);
    let orphan = json!({"providers": {"oracle": {"domains": [], "serviceInstances": dump["providers"]["oracle"]["serviceInstances"]}}});
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(orphan), &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("is not among the domains"), "{}", r.text);
    assert_eq!(sim.instance_count().await, 1);
}

const SEEDED_WORLD: &str = r#"
identities:
  oracle:
    domains:
      - {name: teamb, alias: idcs-000000000000000000000000000000bb, username: jane@example.com, password: Secret1!}
    users:
      - {username: reader@example.com, password: Read1!, canMutate: false}
    tokens:
      - {domain: teamb, username: jane@example.com, token: teamb-token, expiresIn: 3600}
    entitlements:
      - {id: cesi-500073421, maxInstances: 5}
      - {domain: teamb, id: cesi-600000001, allowedRackSizes: [Half Rack]}
resources:
  oracle:
    serviceInstances:
      - name: seeded01
        clusters:
          - {name: c1}
          - {name: c2, cores: 6, memoryGb: 60, status: PROVISIONERR}
      - {name: broken01, status: FAILED_ACTIVATION}
      - {name: teamb01, domain: idcs-000000000000000000000000000000bb, entitlement: cesi-600000001, id: csi-900000001}
"#;

async fn load(sim: &Sim, yaml: &str) -> Resp {
    sim.send_raw(Method::POST, "/_sim/scenarios", None, Some(yaml.as_bytes().to_vec()), &[]).await
}

#[tokio::test]
async fn a_scenario_seeds_oracle_identities_and_resources_and_a_broken_one_changes_nothing() {
    let sim = Sim::start().await;
    let r = load(&sim, SEEDED_WORLD).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let list = sim.ms_get("/serviceInstances").await;
    let ids: Vec<(&str, &str)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert_eq!(ids, [("csi-500076173", "ACTIVE"), ("csi-500076174", "FAILED_ACTIVATION")]);
    assert_eq!(clusters(&sim, SEED_INSTANCE).await, [(1, "PROVISIONED".into()), (2, "PROVISIONERR".into())]);
    assert_eq!(clusters(&sim, "500076174").await, [(3, "PROVISIONERR".into())]);
    assert_eq!(sim.operation_count().await, 0, "seeding leaves no operation history");

    // teamb's instance, seen with its bearer token only.
    let r = sim
        .send(
            Method::GET,
            "/itas/teamb/myservices/api/v1/serviceInstances/csi-900000001",
            None,
            None,
            &[("authorization", "Bearer teamb-token")],
        )
        .await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ACTIVE")), "{}", r.text);
    let r = sim.ms_get("/serviceInstances/csi-900000001").await;
    r.assert_ora_error(404, "ITAS-404-NOT_FOUND", "csi-900000001");
    let info = sim
        .send(
            Method::GET,
            "/ecra/endpoint/exaservice/900000001/resourceinfo",
            None,
            None,
            &[("authorization", "Bearer teamb-token")],
        )
        .await;
    assert_eq!(info.body["DistributedClusterResources"][0]["status"], "PROVISIONED", "{}", info.text);

    // The reader reads but may not submit (T08).
    let reader = ("reader@example.com", "Read1!");
    let list_path = format!("{MS}/serviceInstances");
    let r = sim.send(Method::GET, &list_path, Some(reader), None, &[("x-id-tenant-name", DOMAIN)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim
        .send(
            Method::POST,
            &format!("{MS}/operations"),
            Some(reader),
            Some(create_body(&[])),
            &[("x-id-tenant-name", DOMAIN)],
        )
        .await;
    r.assert_ora_error(403, "ITAS-403-FORBIDDEN", "reader@example.com");

    // A broken scenario (its second instance fails a backend check) leaves nothing.
    let broken = r#"
identities:
  oracle:
    domains: [{name: teamc, username: c@example.com, password: pw}]
faults:
  - {id: never, match: {path: /nothing}, action: {kind: reset}}
resources:
  oracle:
    serviceInstances:
      - {name: fine01}
      - {name: odd01, clusters: [{name: c1, cores: 5}]}
"#;
    let before = sim.oracle_state().await;
    let r = load(&sim, broken).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let error = r.body["error"].as_str().unwrap();
    assert!(error.contains("resources.oracle: serviceInstances[1]"), "{error}");
    assert!(error.contains("TotalNumOfCoresForCluster 5 must be a multiple of numComputes 2"), "{error}");
    assert_eq!(sim.oracle_state().await, before);
    assert_eq!(sim.sim_get("/_sim/faults").await.body["faults"], json!([]));

    // Unknown keys and states are refused by name.
    for (yaml, says) in [
        ("resources: {oracle: {serviceInstances: [{name: x01, colour: red}]}}", "unknown field `colour`"),
        ("resources: {oracle: {serviceInstances: [{name: x01, status: BROKEN}]}}", "unknown status 'BROKEN'"),
        ("identities: {oracle: {users: [{username: a, password: b, role: admin}]}}", "users[0]: unknown key 'role'"),
        ("identities: {oracle: {groups: []}}", "unknown key 'groups'"),
        (
            "identities: {oracle: {domains: [{name: mydomain}]}}",
            "domains[0]: identity domain 'mydomain' already exists",
        ),
    ] {
        let r = load(&sim, yaml).await;
        assert_eq!(r.status, 400, "{yaml}: {}", r.text);
        assert!(r.body["error"].as_str().unwrap().contains(says), "{yaml}: {}", r.text);
    }
    assert_eq!(sim.oracle_state().await, before);
}

#[tokio::test]
async fn the_openapi_document_lists_every_oracle_path_with_the_journal_operation_names() {
    let sim = Sim::start().await;
    let r = sim.sim_get("/_sim/openapi/oracle.json").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["openapi"], "3.0.1");
    let ops = &r.body["paths"]["/itas/{identityDomainId}/myservices/api/v1/operations"];
    assert_eq!(ops["post"]["operationId"], "createOperation");
    assert_eq!(ops["get"]["operationId"], "listOperations");
    assert_eq!(
        r.body["paths"]["/ecra/endpoint/exaservice/{serviceInstance}/resourceinfo"]["get"]["operationId"],
        "get-exaservice"
    );
    assert!(r.body["components"]["schemas"]["MSError"]["properties"]["errorCode"].is_object());
}

#[tokio::test]
async fn a_timeline_break_forces_an_oracle_failure_state_at_its_simulated_time() {
    let sim = Sim::start().await;
    let yaml = r#"
resources:
  oracle:
    serviceInstances: [{name: prodexa01}]
timeline:
  - {at: 10, break: {provider: oracle, resource_id: csi-500076173, state: FAILED_ACTIVATION}}
"#;
    let r = load(&sim, yaml).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.advance(9).await;
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "ACTIVE");
    let moved = sim.advance(1).await;
    let changes: Vec<(String, String, String)> = moved["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (t["kind"].as_str().unwrap().into(), t["from"].as_str().unwrap().into(), t["to"].as_str().unwrap().into())
        })
        .collect();
    assert!(changes.contains(&("serviceInstance".into(), "ACTIVE".into(), "FAILED_ACTIVATION".into())), "{changes:?}");
    assert!(changes.contains(&("vmCluster".into(), "PROVISIONED".into(), "PROVISIONERR".into())), "{changes:?}");
    assert_eq!(instance_status(&sim, SEED_INSTANCE).await, "FAILED_ACTIVATION");
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    assert_eq!(sim.settle(&del, 30).await["result"]["status"], "PROCESSED");
}
