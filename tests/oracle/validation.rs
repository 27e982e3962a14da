//! The POST envelope and the attribute rows (spec §14: T10–T17, C01–C24, U01–U08, X01,
//! X03), each broken once: the native MSError naming the field, and nothing changed.

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

/// Posts `body`, asserts the error, and asserts that no operation or instance appeared.
async fn refused(sim: &Sim, body: Value, status: u16, code: &str, text: &str) {
    let (ops, instances) = (sim.operation_count().await, sim.instance_count().await);
    let before = sim.oracle_state().await["serviceInstances"].clone();
    sim.post_operation(body).await.assert_ora_error(status, code, text);
    assert_eq!(sim.operation_count().await, ops, "no operation was created");
    assert_eq!(sim.instance_count().await, instances, "no instance was created");
    assert_eq!(sim.oracle_state().await["serviceInstances"], before, "no instance changed");
}

async fn refused_raw(sim: &Sim, body: &[u8], content_type: &str, status: u16, code: &str, text: &str) {
    let hdr = [("x-id-tenant-name", DOMAIN), ("content-type", content_type)];
    let r = sim.send_raw(Method::POST, &format!("{MS}/operations"), Some(USER), Some(body.to_vec()), &hdr).await;
    r.assert_ora_error(status, code, text);
    assert_eq!(sim.operation_count().await, 0);
}

const BAD: &str = "ITAS-400-ATTRIBUTE";
const MALFORMED: &str = "ITAS-400-MALFORMED";
const CONFLICT: &str = "ITAS-409-CONFLICT";

#[tokio::test]
async fn t10_a_non_json_content_type_is_415() {
    let sim = Sim::start().await;
    let body = serde_json::to_vec(&create_body(&[])).unwrap();
    refused_raw(&sim, &body, "text/plain", 415, "ITAS-415-UNSUPPORTED", "Content-Type must be application/json").await;
}

#[tokio::test]
async fn t11_an_outer_body_that_is_not_json_is_400_malformed() {
    let sim = Sim::start().await;
    refused_raw(&sim, b"{\"operationItems\": [", "application/json", 400, MALFORMED, "not valid JSON").await;
    refused_raw(&sim, b"[]", "application/json", 400, MALFORMED, "must be a JSON object").await;
    refused_raw(&sim, b"", "application/json", 400, MALFORMED, "empty").await;
    refused_raw(&sim, &[0xff, 0xfe], "application/json", 400, MALFORMED, "not UTF-8").await;
}

#[tokio::test]
async fn t12_missing_or_empty_operation_items_are_400() {
    let sim = Sim::start().await;
    refused(&sim, json!({}), 400, MALFORMED, "operationItems is required").await;
    refused(&sim, json!({"operationItems": []}), 400, MALFORMED, "must contain one operation item").await;
    refused(&sim, json!({"operationItems": {}}), 400, MALFORMED, "operationItems must be an array").await;
}

#[tokio::test]
async fn t13_more_than_one_operation_item_is_400() {
    let sim = Sim::start().await;
    let one = create_body(&[])["operationItems"][0].clone();
    refused(&sim, json!({"operationItems": [one.clone(), one]}), 400, MALFORMED, "exactly one operation item, found 2")
        .await;
}

#[tokio::test]
async fn t14_a_missing_or_unknown_definition_is_400() {
    let sim = Sim::start().await;
    let mut body = create_body(&[]);
    body["operationItems"][0]["operationItemDefinition"] = json!({});
    refused(&sim, body.clone(), 400, BAD, "operationItems[0].operationItemDefinition.id is required").await;
    body["operationItems"][0]["operationItemDefinition"] = json!({"id": "cim-exadata-custom-production-create"});
    refused(&sim, body, 400, BAD, "operationItemDefinition.id must be one of CIM-Exadata-CUSTOM-PRODUCTION-CREATE")
        .await;
}

#[tokio::test]
async fn t15_an_operation_type_disagreeing_with_the_definition_is_400() {
    let sim = Sim::start().await;
    let mut body = create_body(&[]);
    body["operationItems"][0]["operationItemDefinition"]["operationType"] = json!("DELETE");
    refused(&sim, body.clone(), 400, BAD, "operationType must be CREATE").await;
    body["operationItems"][0]["operationItemDefinition"]["operationType"] = json!("CREATE");
    assert_eq!(sim.post_operation(body).await.status, 201);
}

#[tokio::test]
async fn t16_an_attribute_without_a_name_is_400() {
    let sim = Sim::start().await;
    let mut body = create_body(&[]);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().push(json!({"value": "x"}));
    refused(&sim, body.clone(), 400, BAD, "operationItems[0].attributes[18].name is required").await;
    let mut body = create_body(&[]);
    body["operationItems"][0]["attributes"][0]["value"] = json!({"nested": true});
    refused(&sim, body, 400, BAD, "requestPayload.name must be a string, number or boolean").await;
}

#[tokio::test]
async fn t17_duplicate_attribute_names_after_trimming_are_400() {
    let sim = Sim::start().await;
    let body = create_body(&[("requestPayload. name ", Some("other"))]);
    refused(&sim, body, 400, BAD, "requestPayload.name is given more than once").await;
}

#[tokio::test]
async fn c01_to_c04_the_instance_name_rules_of_the_seed() {
    let sim = Sim::start().await;
    let name = "requestPayload.name";
    refused(&sim, create_body(&[(name, None)]), 400, BAD, "requestPayload.name is required").await;
    refused(&sim, create_body(&[(name, Some(""))]), 400, BAD, "requestPayload.name is required").await;
    refused(
        &sim,
        create_body(&[(name, Some(&"a".repeat(26)))]),
        400,
        BAD,
        "requestPayload.name must be at most 25 characters",
    )
    .await;
    refused(&sim, create_body(&[(name, Some("1exa"))]), 400, BAD, "requestPayload.name must start with a letter").await;
    for bad in ["newinstanceName", "exa one", "exa-one", "exa_1"] {
        refused(&sim, create_body(&[(name, Some(bad))]), 400, BAD, "may contain only lowercase letters and digits")
            .await;
    }
    assert_eq!(sim.post_operation(create_body(&[(name, Some(&"a".repeat(25)))])).await.status, 201);
}

#[tokio::test]
async fn c05_a_name_in_use_in_the_domain_is_409() {
    let sim = Sim::start().await;
    sim.submit(create_body(&[])).await;
    refused(&sim, create_body(&[]), 409, CONFLICT, "requestPayload.name 'prodexa01' is already used").await;
}

#[tokio::test]
async fn c06_to_c08_the_entitlement_id_is_required_numeric_known_and_unprefixed() {
    let sim = Sim::start().await;
    let ent = "requestPayload.serviceEntitlementId";
    refused(&sim, create_body(&[(ent, None)]), 400, BAD, "requestPayload.serviceEntitlementId is required").await;
    for prefixed in ["cesi-500073421", "sub-500073421", "CESI-500073421"] {
        refused(&sim, create_body(&[(ent, Some(prefixed))]), 400, BAD, "must not include the 'cesi-' or 'sub-' prefix")
            .await;
    }
    refused(&sim, create_body(&[(ent, Some("5000x3421"))]), 400, BAD, "serviceEntitlementId must match ^[0-9]+$").await;
    refused(
        &sim,
        create_body(&[(ent, Some("999"))]),
        400,
        BAD,
        "'999' is not a service entitlement of this identity domain",
    )
    .await;
}

#[tokio::test]
async fn c09_an_entitlement_for_another_service_is_400() {
    let sim = Sim::start().await;
    let body = create_body(&[("requestPayload.serviceEntitlementId", Some("500089779"))]);
    refused(&sim, body, 400, BAD, "'500089779' is an entitlement for Storage, not Exadata").await;
}

#[tokio::test]
async fn c10_an_entitlement_that_is_not_active_is_409() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"status": "SUSPENDED"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    refused(&sim, create_body(&[]), 409, CONFLICT, "Service entitlement cesi-500073421 is SUSPENDED, not ACTIVE").await;
}

#[tokio::test]
async fn c11_an_entitlement_with_all_its_instances_is_409() {
    let sim = Sim::start().await;
    sim.submit(create_body(&[])).await;
    let body = create_body(&[("requestPayload.name", Some("second"))]);
    refused(&sim, body.clone(), 409, CONFLICT, "already has 1 of 1 instance(s)").await;
    sim.sim_patch("/_sim/oracle/entitlements/cesi-500073421", json!({"maxInstances": 2})).await;
    assert_eq!(sim.post_operation(body).await.status, 201);
}

#[tokio::test]
async fn c12_c13_size_must_be_custom_and_service_type_exadata() {
    let sim = Sim::start().await;
    refused(&sim, create_body(&[("requestPayload.size", None)]), 400, BAD, "requestPayload.size is required").await;
    refused(
        &sim,
        create_body(&[("requestPayload.size", Some("SMALL"))]),
        400,
        BAD,
        "requestPayload.size must be one of CUSTOM",
    )
    .await;
    refused(
        &sim,
        create_body(&[("requestPayload.serviceType", None)]),
        400,
        BAD,
        "requestPayload.serviceType is required",
    )
    .await;
    refused(
        &sim,
        create_body(&[("requestPayload.serviceType", Some("Database"))]),
        400,
        BAD,
        "requestPayload.serviceType must be one of Exadata",
    )
    .await;
    assert_eq!(sim.post_operation(create_body(&[("requestPayload.serviceType", Some("EXADATA"))])).await.status, 201);
}

#[tokio::test]
async fn c14_admin_attributes_are_required_and_emails_well_formed() {
    let sim = Sim::start().await;
    refused(
        &sim,
        create_body(&[("requestPayload.adminEmail", None)]),
        400,
        BAD,
        "requestPayload.adminEmail is required",
    )
    .await;
    refused(
        &sim,
        create_body(&[("requestPayload.invokerAdminLastName", None)]),
        400,
        BAD,
        "requestPayload.invokerAdminLastName is required",
    )
    .await;
    refused(
        &sim,
        create_body(&[("requestPayload.adminEmail", Some("john@smith"))]),
        400,
        BAD,
        "requestPayload.adminEmail must be an e-mail address",
    )
    .await;
    sim.sim_patch("/_sim/config", json!({"oracle.requireAdminAttributes": false})).await;
    assert_eq!(sim.post_operation(create_body(&[("requestPayload.adminEmail", None)])).await.status, 201);
}

#[tokio::test]
async fn c15_exa_unit_name_is_required_and_a_cluster_name() {
    let sim = Sim::start().await;
    let f = "requestPayload.customAttributes.ExaUnitName";
    refused(&sim, create_body(&[(f, None)]), 400, BAD, "ExaUnitName is required").await;
    refused(&sim, create_body(&[(f, Some("9cluster"))]), 400, BAD, "ExaUnitName must be 1-15 characters").await;
    refused(&sim, create_body(&[(f, Some("clusterwithlongname"))]), 400, BAD, "ExaUnitName must be 1-15 characters")
        .await;
}

#[tokio::test]
async fn c16_c17_sparse_backup_and_byol_are_required_y_or_n() {
    let sim = Sim::start().await;
    for f in ["CreateSparse", "BackupToDisk", "isBYOL"] {
        let field = format!("requestPayload.customAttributes.{f}");
        refused(&sim, create_body(&[(&field, None)]), 400, BAD, &format!("{field} is required")).await;
        refused(&sim, create_body(&[(&field, Some("yes"))]), 400, BAD, &format!("{field} must be one of Y, N")).await;
    }
    assert_eq!(
        sim.post_operation(create_body(&[("requestPayload.customAttributes.isBYOL", Some("y"))])).await.status,
        201
    );
}

#[tokio::test]
async fn c18_c19_the_rack_size_is_required_and_allowed_by_the_purchase() {
    let sim = Sim::start().await;
    let f = "requestPayload.customAttributes.PickRackSize";
    refused(&sim, create_body(&[(f, None)]), 400, BAD, "PickRackSize is required").await;
    refused(
        &sim,
        create_body(&[(f, Some("Full Rack"))]),
        400,
        BAD,
        "PickRackSize 'Full Rack' is not available for this entitlement",
    )
    .await;
    refused(&sim, create_body(&[(f, Some("Mega Rack"))]), 400, BAD, "PickRackSize 'Mega Rack' is not available").await;
    assert_eq!(sim.post_operation(create_body(&[(f, Some("half rack X7 BYOL"))])).await.status, 201);
}

#[tokio::test]
async fn c20_c21_the_data_center_is_required_and_eligible() {
    let sim = Sim::start().await;
    let f = "requestPayload.customAttributes.SELECTED_DC_ID";
    refused(&sim, create_body(&[(f, None)]), 400, BAD, "SELECTED_DC_ID is required").await;
    refused(
        &sim,
        create_body(&[(f, Some("US002"))]),
        400,
        BAD,
        "'US002' is not an eligible data center of cesi-500073421 (US001)",
    )
    .await;
}

#[tokio::test]
async fn c22_client_and_backup_networks_come_together() {
    let sim = Sim::start().await;
    let (c, b) = ("requestPayload.customAttributes.ClientNetwork", "requestPayload.customAttributes.BackupNetwork");
    refused(&sim, create_body(&[(c, Some("/root/root/1/ipnetwork1"))]), 400, BAD, "BackupNetwork is required with")
        .await;
    refused(&sim, create_body(&[(b, Some("/root/root/1/ipnetwork2"))]), 400, BAD, "ClientNetwork is required with")
        .await;
    refused(&sim, create_body(&[(c, Some("/n1")), (b, Some(""))]), 400, BAD, "BackupNetwork must be 1-512 characters")
        .await;
}

#[tokio::test]
async fn c23_c24_multivm_and_allocations_go_together() {
    let sim = Sim::start().await;
    let (a, m) =
        ("requestPayload.customAttributes.EXAUNIT_ALLOCATIONS", "requestPayload.customAttributes.MULTIVM_ENABLED");
    let encoded = b64(SEED_ADD_PAYLOAD);
    refused(&sim, create_body(&[(a, Some(&encoded))]), 400, BAD, "MULTIVM_ENABLED must be true when").await;
    refused(
        &sim,
        create_body(&[(a, Some(&encoded)), (m, Some("false"))]),
        400,
        BAD,
        "MULTIVM_ENABLED must be true when",
    )
    .await;
    refused(&sim, create_body(&[(m, Some("true"))]), 400, BAD, "EXAUNIT_ALLOCATIONS is required when").await;
    refused(&sim, create_body(&[(m, Some("yes"))]), 400, BAD, "MULTIVM_ENABLED must be one of true, false").await;
    assert_eq!(sim.post_operation(create_body(&[(m, Some("FALSE"))])).await.status, 201);
}

#[tokio::test]
async fn u01_u02_the_instance_id_is_required_well_formed_and_known() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = reshape_payload(1, "StorageInTb", "4");
    let mut body = update_body(&instance, &payload);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(0);
    refused(&sim, body, 400, BAD, "instanceId is required").await;
    refused(&sim, update_body("abc", &payload), 400, BAD, "instanceId must match ^(csi-)?[0-9]+$").await;
    refused(
        &sim,
        update_body("999", &payload),
        400,
        BAD,
        "instanceId '999' is not a service instance of this identity domain",
    )
    .await;
    sim.sim_patch("/_sim/config", json!({"oracle.acceptCsiPrefix": false})).await;
    refused(&sim, update_body(&format!("csi-{instance}"), &payload), 400, BAD, "instanceId must match ^[0-9]+$").await;
    sim.sim_patch("/_sim/config", json!({"oracle.acceptCsiPrefix": true})).await;
    assert_eq!(sim.post_operation(update_body(&format!("csi-{instance}"), &payload)).await.status, 201);
}

#[tokio::test]
async fn u03_an_entitlement_that_is_not_the_instances_is_400() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let mut body = update_body(&instance, &reshape_payload(1, "StorageInTb", "4"));
    body["operationItems"][0]["attributes"][1]["value"] = json!("500089779");
    refused(&sim, body, 400, BAD, "'500089779' is not the entitlement of instance 500076173 (500073421)").await;
    refused(&sim, delete_body_with_entitlement(&instance, "cesi-500073421"), 400, BAD, "must not include the 'cesi-'")
        .await;
}

fn delete_body_with_entitlement(instance: &str, entitlement: &str) -> Value {
    let mut body = delete_body(instance);
    body["operationItems"][0]["attributes"][1]["value"] = json!(entitlement);
    body
}

#[tokio::test]
async fn u04_updating_an_instance_that_is_not_active_is_409() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let r = sim.sim_post(&format!("/_sim/oracle/instances/{instance}/state"), json!({"status": "SUSPENDED"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = update_body(&instance, &reshape_payload(1, "StorageInTb", "4"));
    refused(&sim, body, 409, CONFLICT, "Instance 500076173 is SUSPENDED and cannot be updated").await;
    refused(&sim, delete_body(&instance), 409, CONFLICT, "Instance 500076173 is SUSPENDED and cannot be deleted").await;
}

#[tokio::test]
async fn u04_deleting_an_instance_still_activating_is_409() {
    let sim = Sim::start().await;
    sim.submit(create_body(&[])).await;
    refused(&sim, delete_body(SEED_INSTANCE), 409, CONFLICT, "is BEGIN_ACTIVATION and cannot be deleted").await;
}

#[tokio::test]
async fn u05_a_second_mutation_on_a_busy_instance_is_409_busy() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let first = sim.submit(update_body(&instance, &add_payload("clu2", 4, 30, 3, 60))).await;
    let body = update_body(&instance, &reshape_payload(1, "StorageInTb", "4"));
    refused(
        &sim,
        body.clone(),
        409,
        "ITAS-409-BUSY",
        &format!("Instance 500076173 has an operation in progress: {first}"),
    )
    .await;
    refused(&sim, delete_body(&instance), 409, "ITAS-409-BUSY", "has an operation in progress").await;
    sim.settle(&first, 60).await;
    assert_eq!(sim.post_operation(body).await.status, 201);
}

#[tokio::test]
async fn u06_an_update_without_allocations_is_400() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let mut body = update_body(&instance, "{}");
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(4);
    refused(&sim, body, 400, BAD, "requestPayload.customAttributes.EXAUNIT_ALLOCATIONS is required").await;
}

#[tokio::test]
async fn u07_an_update_without_multivm_true_is_400() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = reshape_payload(1, "StorageInTb", "4");
    let mut body = update_body(&instance, &payload);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(5);
    refused(&sim, body, 400, BAD, "requestPayload.customAttributes.MULTIVM_ENABLED is required").await;
    let mut body = update_body(&instance, &payload);
    body["operationItems"][0]["attributes"][5]["value"] = json!("false");
    refused(&sim, body, 400, BAD, "MULTIVM_ENABLED must be one of true").await;
}

#[tokio::test]
async fn u08_service_type_and_size_are_checked_on_update_and_delete() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = reshape_payload(1, "StorageInTb", "4");
    let mut body = update_body(&instance, &payload);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(2);
    refused(&sim, body, 400, BAD, "requestPayload.size is required").await;
    let mut body = update_body(&instance, &payload);
    body["operationItems"][0]["attributes"][3]["value"] = json!("Database");
    refused(&sim, body, 400, BAD, "requestPayload.serviceType must be one of Exadata").await;
    let mut body = delete_body(&instance);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(2);
    refused(&sim, body, 400, BAD, "requestPayload.serviceType is required").await;
}

#[tokio::test]
async fn x01_a_delete_without_instance_or_entitlement_is_400() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let mut body = delete_body(&instance);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(0);
    refused(&sim, body, 400, BAD, "instanceId is required").await;
    let mut body = delete_body(&instance);
    body["operationItems"][0]["attributes"].as_array_mut().unwrap().remove(1);
    refused(&sim, body, 400, BAD, "requestPayload.serviceEntitlementId is required").await;
}

#[tokio::test]
async fn x03_deleting_a_terminating_or_terminated_instance_is_409() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    sim.settle(&op, 60).await;
    let del = sim.submit(delete_body(SEED_INSTANCE)).await;
    sim.advance(1).await;
    refused(&sim, delete_body(SEED_INSTANCE), 409, CONFLICT, "Instance 500076173 is already BEGIN_TERMINATION").await;
    sim.settle(&del, 60).await;
    refused(&sim, delete_body(SEED_INSTANCE), 409, CONFLICT, "Instance 500076173 is already TERMINATED").await;
}
