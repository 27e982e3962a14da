//! Read resources (spec §3–4): service definitions, entitlements, instances, cloud
//! accounts, purchase entitlements, operations; the collection envelope, filters,
//! `orderBy` and paging (G01–G08).

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

fn ids(r: &Resp) -> Vec<String> {
    r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn service_definitions_are_ordered_by_name_and_filterable() {
    let sim = Sim::start().await;
    let r = sim.ms_get("/serviceDefinitions").await;
    let names: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Compute", "Exadata", "Storage"]);
    assert_eq!(r.body["items"][1]["canonicalLink"], format!("{MS}/serviceDefinitions/502579309"));
    let r = sim.ms_get("/serviceDefinitions?name=exadata").await;
    assert_eq!(ids(&r), ["502579309"]);
    let r = sim.ms_get("/serviceDefinitions/502579309").await;
    assert_eq!(
        r.body,
        json!({"id": "502579309", "name": "Exadata", "canonicalLink": format!("{MS}/serviceDefinitions/502579309")})
    );
}

#[tokio::test]
async fn g02_unknown_definitions_entitlements_instances_and_purchases_are_404() {
    let sim = Sim::start().await;
    sim.ms_get("/serviceDefinitions/1").await.assert_ora_error(
        404,
        "ITAS-404-NOT_FOUND",
        "Service definition 1 not found",
    );
    sim.ms_get("/serviceEntitlements/cesi-1").await.assert_ora_error(
        404,
        "ITAS-404-NOT_FOUND",
        "Service entitlement cesi-1",
    );
    sim.ms_get("/serviceInstances/csi-1").await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Service instance csi-1");
    sim.ms_get("/serviceInstances/abc").await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Service instance abc");
    sim.ms_get("/purchaseEntitlements/9").await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Purchase entitlement 9");
}

#[tokio::test]
async fn g03_an_unknown_cloud_account_is_404() {
    let sim = Sim::start().await;
    let r = sim.ms_get("/cloudAccounts").await;
    assert_eq!(ids(&r), ["cacct-be7475efc2c54995bc842d3379d35812"]);
    let r = sim.ms_get("/cloudAccounts/cacct-be7475efc2c54995bc842d3379d35812").await;
    assert_eq!(r.body["name"], "mydomain");
    sim.ms_get("/cloudAccounts/cacct-0").await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Cloud account cacct-0");
}

#[tokio::test]
async fn an_entitlement_has_the_documented_fields_and_expands_its_data_centers() {
    let sim = Sim::start().await;
    let r = sim.ms_get("/serviceEntitlements/cesi-500073421").await;
    let e = &r.body;
    assert_eq!(e["id"], "cesi-500073421");
    assert_eq!(e["serviceDefinition"]["id"], "502579309");
    assert_eq!(e["purchaseEntitlement"]["id"], "511203590");
    assert_eq!(e["identityDomain"]["name"], "mydomain");
    assert_eq!(e["cloudAccount"]["id"], "cacct-be7475efc2c54995bc842d3379d35812");
    assert_eq!(e["createdOn"], "2025-01-01T00:00:00.000Z");
    assert_eq!(
        e["serviceConfigurations"]["canonicalLink"],
        format!("{MS}/serviceEntitlements/cesi-500073421/serviceConfigurations")
    );
    assert!(e.get("serviceInstancesEligibleDataCenters").is_none());
    assert!(e.get("allowedRackSizes").is_none() && e.get("maxInstances").is_none(), "hidden fields stay hidden");
    let r = sim.ms_get("/serviceEntitlements/cesi-500073421?expands=none").await;
    assert!(r.body.get("serviceInstancesEligibleDataCenters").is_none());
    let r = sim.ms_get("/serviceEntitlements/cesi-500073421?expands=everything").await;
    r.assert_ora_error(400, "ITAS-400-ATTRIBUTE", "expands must be one of none, serviceInstancesEligibleDataCenters");
}

#[tokio::test]
async fn an_entitlement_read_again_follows_its_expansion_and_the_timestamp_format() {
    // The rendering is kept with the entitlement: what else it reads must still count.
    let sim = Sim::start().await;
    let path = "/serviceEntitlements/cesi-500073421";
    let first = sim.ms_get(path).await.body;
    assert_eq!(sim.ms_get(path).await.body, first, "the same answer twice");
    let expanded = sim.ms_get(&format!("{path}?expands=serviceInstancesEligibleDataCenters")).await.body;
    assert!(expanded["serviceInstancesEligibleDataCenters"].as_array().is_some_and(|a| !a.is_empty()), "{expanded}");
    assert_eq!(sim.ms_get(path).await.body, first, "not expanded again");
    sim.sim_patch("/_sim/config", json!({"oracle.timestampFormat": "epochMillis"})).await;
    let millis = sim.ms_get(path).await.body;
    assert_eq!(millis["createdOn"], 1_735_689_600_000_i64);
    assert_eq!(millis["id"], first["id"]);
}

#[tokio::test]
async fn entitlement_filters_are_comma_separated_and_case_insensitive() {
    let sim = Sim::start().await;
    assert_eq!(ids(&sim.ms_get("/serviceEntitlements").await), ["cesi-500073421", "cesi-500089779"]);
    assert_eq!(ids(&sim.ms_get("/serviceEntitlements?serviceDefinitionNames=storage").await), ["cesi-500089779"]);
    assert_eq!(ids(&sim.ms_get("/serviceEntitlements?serviceDefinitionNames=Storage,Exadata").await).len(), 2);
    assert_eq!(ids(&sim.ms_get("/serviceEntitlements?statuses=active&ids=cesi-500073421").await), ["cesi-500073421"]);
    assert!(ids(&sim.ms_get("/serviceEntitlements?statuses=SUSPENDED").await).is_empty());
    assert!(ids(&sim.ms_get("/serviceEntitlements?purchaseEntitlementId=1").await).is_empty());
}

async fn add_entitlements(sim: &Sim, n: u64) {
    for i in 0..n {
        let r = sim.sim_post("/_sim/oracle/entitlements", json!({"id": format!("cesi-6{i:08}")})).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

#[tokio::test]
async fn paging_defaults_to_25_with_next_and_previous_links_that_keep_filters() {
    let sim = Sim::start().await;
    add_entitlements(&sim, 28).await; // 30 with the two defaults
    let r = sim.ms_get("/serviceEntitlements?serviceDefinitionNames=Exadata").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 25);
    assert_eq!((r.body["limit"].clone(), r.body["hasMore"].clone()), (json!(25), json!(true)));
    assert_eq!(r.body["canonicalLink"], format!("{MS}/serviceEntitlements"));
    let next = r.body["nextLink"].as_str().unwrap().to_owned();
    assert_eq!(next, format!("{MS}/serviceEntitlements?serviceDefinitionNames=Exadata&offset=25&limit=25"));
    assert!(r.body.get("previousLink").is_none());
    let r = sim.ora_get(&next).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4);
    assert_eq!(r.body["hasMore"], false);
    assert!(r.body.get("nextLink").is_none());
    assert_eq!(
        r.body["previousLink"],
        format!("{MS}/serviceEntitlements?serviceDefinitionNames=Exadata&offset=0&limit=25")
    );
}

#[tokio::test]
async fn g05_a_limit_above_the_maximum_is_clamped() {
    let sim = Sim::start().await;
    add_entitlements(&sim, 110).await;
    let r = sim.ms_get("/serviceEntitlements?limit=500").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["limit"], 100);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 100);
    assert_eq!(r.body["hasMore"], true);
}

#[tokio::test]
async fn g04_a_bad_limit_or_offset_is_400() {
    let sim = Sim::start().await;
    for q in ["limit=0", "limit=abc", "limit=-3"] {
        sim.ms_get(&format!("/serviceEntitlements?{q}")).await.assert_ora_error(
            400,
            "ITAS-400-ATTRIBUTE",
            "limit must be an integer of at least 1",
        );
    }
    for q in ["offset=-1", "offset=x"] {
        sim.ms_get(&format!("/serviceInstances?{q}")).await.assert_ora_error(
            400,
            "ITAS-400-ATTRIBUTE",
            "offset must be a non-negative integer",
        );
    }
    let r = sim.ms_get("/serviceEntitlements?offset=10").await;
    assert_eq!((r.body["items"].clone(), r.body["hasMore"].clone()), (json!([]), json!(false)));
}

#[tokio::test]
async fn g06_order_by_accepts_listed_fields_with_a_direction_and_refuses_others() {
    let sim = Sim::start().await;
    assert_eq!(ids(&sim.ms_get("/serviceEntitlements?orderBy=id:desc").await), ["cesi-500089779", "cesi-500073421"]);
    assert_eq!(
        ids(&sim.ms_get("/serviceEntitlements?orderBy=createdOn:asc").await),
        ["cesi-500073421", "cesi-500089779"]
    );
    sim.ms_get("/serviceEntitlements?orderBy=name").await.assert_ora_error(
        400,
        "ITAS-400-ATTRIBUTE",
        "orderBy must be one of id, createdOn, modifiedOn",
    );
    sim.ms_get("/serviceEntitlements?orderBy=id:sideways").await.assert_ora_error(
        400,
        "ITAS-400-ATTRIBUTE",
        "orderBy direction must be asc or desc",
    );
    sim.ms_get("/serviceDefinitions?orderBy=createdOn").await.assert_ora_error(
        400,
        "ITAS-400-ATTRIBUTE",
        "orderBy must be one of name, id",
    );
}

#[tokio::test]
async fn instances_are_found_by_csi_or_numeric_id_and_filtered_by_status() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    let r = sim.ms_get(&format!("/serviceInstances/{SEED_INSTANCE}")).await;
    assert_eq!(r.body["id"], "csi-500076173");
    assert_eq!(r.body["status"], "BEGIN_ACTIVATION");
    assert!(r.body.get("name").is_none(), "MSServiceInstance has no name by default");
    assert_eq!(r.body["createdBy"], "john.smith@example.com");
    assert_eq!(ids(&sim.ms_get("/serviceInstances?statuses=BEGIN_ACTIVATION").await), ["csi-500076173"]);
    assert!(ids(&sim.ms_get("/serviceInstances?statuses=ACTIVE").await).is_empty());
    assert_eq!(ids(&sim.ms_get("/serviceInstances?serviceEntitlementId=cesi-500073421").await).len(), 1);
    assert_eq!(ids(&sim.ms_get("/serviceInstances?serviceEntitlementId=500073421").await).len(), 1);
    assert!(ids(&sim.ms_get("/serviceInstances?serviceDefinitionNames=Storage").await).is_empty());
    sim.settle(&op, 60).await;
    assert_eq!(ids(&sim.ms_get("/serviceInstances?statuses=active").await), ["csi-500076173"]);
}

#[tokio::test]
async fn knobs_expose_the_instance_name_and_switch_timestamps_to_epoch_millis() {
    let sim = Sim::start().await;
    sim.submit(create_body(&[])).await;
    sim.sim_patch("/_sim/config", json!({"oracle.exposeInstanceName": true, "oracle.timestampFormat": "epochMillis"}))
        .await;
    let r = sim.ms_get(&format!("/serviceInstances/csi-{SEED_INSTANCE}")).await;
    assert_eq!(r.body["name"], "prodexa01");
    assert_eq!(r.body["createdOn"], 1_735_689_600_000_i64);
}

#[tokio::test]
async fn service_configurations_link_to_the_out_of_scope_sub_resources() {
    let sim = Sim::start().await;
    let r = sim.ms_get("/serviceEntitlements/cesi-500073421/serviceConfigurations").await;
    assert_eq!(r.body["items"][0]["id"], "Exadata");
    assert!(r.body["items"][0]["exadata"]["securityGroups"]["canonicalLink"]
        .as_str()
        .unwrap()
        .ends_with("/securityGroups"));
    sim.submit(create_body(&[])).await;
    let r = sim.ms_get(&format!("/serviceInstances/csi-{SEED_INSTANCE}/serviceConfigurations/Exadata")).await;
    assert!(r.body["exadata"]["bursting"]["canonicalLink"].as_str().unwrap().ends_with("/bursting"));
    sim.ms_get(&format!("/serviceInstances/csi-{SEED_INSTANCE}/serviceConfigurations/Other")).await.assert_ora_error(
        404,
        "ITAS-404-NOT_FOUND",
        "Service configuration Other",
    );
}

#[tokio::test]
async fn g08_put_operations_bursting_and_security_groups_are_400_unsupported() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    let r = sim.ora(Method::PUT, &format!("{MS}/operations/{op}"), Some(json!({}))).await;
    r.assert_ora_error(400, "ITAS-400-UNSUPPORTED", "updateOperation is not supported");
    let r = sim.ms_get(&format!("/serviceInstances/csi-{SEED_INSTANCE}/serviceConfigurations/Exadata/bursting")).await;
    r.assert_ora_error(400, "ITAS-400-UNSUPPORTED", "bursting");
    let r = sim
        .ora(
            Method::POST,
            &format!("{MS}/serviceEntitlements/cesi-500073421/serviceConfigurations/Exadata/securityGroups"),
            Some(json!({})),
        )
        .await;
    r.assert_ora_error(400, "ITAS-400-UNSUPPORTED", "securityGroups");
    assert_eq!(sim.op_status(&op).await.0, "NEW", "nothing changed");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let sim = Sim::start().await;
    sim.ms_get("/nothing").await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "No resource at");
    let r = sim.ora(Method::DELETE, &format!("{MS}/operations"), None).await;
    r.assert_ora_error(405, "ITAS-405-UNSUPPORTED", "allowed: GET, POST");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = sim.ora(Method::POST, &format!("{MS}/serviceInstances"), Some(json!({}))).await;
    assert_eq!(r.header("allow"), Some("GET"));
    // Without /itas (the seed's typo) only under the knob.
    let path = "/mydomain/myservices/api/v1/serviceInstances";
    sim.ora_get(path).await.assert_ora_error(404, "ITAS-404-NOT_FOUND", "No resource at");
    sim.sim_patch("/_sim/config", json!({"oracle.acceptMissingItasPrefix": true})).await;
    assert_eq!(sim.ora_get(path).await.status, 200);
}

#[tokio::test]
async fn g07_cim_operations_are_polled_by_id_and_listed_only_with_the_knob() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    let r = sim.ms_get("/operations").await;
    assert_eq!((r.status, r.body["items"].clone()), (200, json!([])));
    sim.ms_get("/operations?subSystem=CIM").await.assert_ora_error(400, "ITAS-400-ATTRIBUTE", "only TRA is supported");
    sim.ms_get("/operations?subSystem=TAS").await.assert_ora_error(400, "ITAS-400-ATTRIBUTE", "only TRA is supported");
    sim.sim_patch("/_sim/config", json!({"oracle.listCimOperations": true})).await;
    assert_eq!(ids(&sim.ms_get("/operations?subSystem=CIM").await), vec![op.clone()]);
    assert_eq!(ids(&sim.ms_get("/operations?statuses=NEW&operationItemStatuses=READY").await), vec![op.clone()]);
    assert!(ids(&sim.ms_get("/operations?statuses=PROCESSED").await).is_empty());
    let q = format!("/operations?operationItemDefinitionIds={CREATE}&operationItemAttributeName=requestPayload.name&operationItemAttributeValue=prodexa01");
    assert_eq!(ids(&sim.ms_get(&q).await), vec![op.clone()]);
    assert!(ids(&sim.ms_get("/operations?createdOnRangeStart=2025-01-02T00:00:00Z").await).is_empty());
    sim.ms_get("/operations?createdOnRangeEnd=yesterday").await.assert_ora_error(
        400,
        "ITAS-400-ATTRIBUTE",
        "createdOnRangeEnd must be an ISO-8601 time",
    );
    let r = sim.ms_get("/operations?expands=none").await;
    assert!(r.body["items"][0].get("operationItems").is_none());
}

#[tokio::test]
async fn g01_an_unknown_operation_is_404() {
    let sim = Sim::start().await;
    sim.ms_get("/operations/700000999").await.assert_ora_error(
        404,
        "ITAS-404-NOT_FOUND",
        "Operation 700000999 not found",
    );
}

#[tokio::test]
async fn purchase_entitlements_and_operation_item_definitions_are_readable() {
    let sim = Sim::start().await;
    let r = sim.ms_get("/purchaseEntitlements?serviceDefinitionNames=Exadata").await;
    assert_eq!(ids(&r), ["511203590"]);
    assert_eq!(r.body["items"][0]["status"], "ACTIVE");
    assert_eq!(r.body["items"][0]["trial"], false);
    let r = sim.ora_get(&format!("/itas/mydomain/myservices/api/operationItemDefinitions/{UPDATE}")).await;
    assert_eq!(r.body["operationType"], "UPDATE");
    let r = sim.ora_get("/itas/mydomain/myservices/api/operationItemDefinitions/x").await;
    r.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Operation item definition x");
}

#[tokio::test]
async fn the_state_dump_shows_oracle_resources_with_hidden_fields() {
    let sim = Sim::start().await;
    sim.submit(create_body(&[])).await;
    let state = sim.oracle_state().await;
    let e =
        state["serviceEntitlements"].as_array().unwrap().iter().find(|e| e["id"] == "cesi-500073421").unwrap().clone();
    assert_eq!(e["allowedRackSizes"], json!(["Quarter Rack", "Half Rack"]));
    assert_eq!(e["maxInstances"], 1);
    let inst = sim.instance_state(SEED_INSTANCE).await;
    assert_eq!(inst["name"], "prodexa01");
    assert_eq!(inst["rack"], "QUARTER");
    assert_eq!(inst["inFlight"], "700000001");
    let pending = sim.sim_get("/_sim/state").await.body["pending"].clone();
    assert_eq!(pending[0]["event"]["provider"], "oracle");
}
