//! EXAUNIT_ALLOCATIONS over HTTP (spec §7): the tolerant grammar's edge cases, base64
//! decoding, size bounds, and rows P01–P08, A01–A05, R01–R06, D01 — each refused with
//! 400 `ITAS-400-PAYLOAD` naming the property or the position, nothing changed.

use base64::Engine;

use crate::support::oracle::*;
use crate::support::*;

const PAYLOAD: &str = "ITAS-400-PAYLOAD";

/// An UPDATE whose EXAUNIT_ALLOCATIONS attribute is `encoded` as given.
fn update_encoded(instance: &str, encoded: &str) -> Value {
    let mut body = update_body(instance, "");
    body["operationItems"][0]["attributes"][4]["value"] = json!(encoded);
    body
}

/// Posts, asserts the payload error, and asserts that nothing changed.
async fn refused(sim: &Sim, body: Value, text: &str) {
    let ops = sim.operation_count().await;
    let before = sim.oracle_state().await["serviceInstances"].clone();
    sim.post_operation(body).await.assert_ora_error(400, PAYLOAD, text);
    assert_eq!(sim.operation_count().await, ops, "no operation was created");
    assert_eq!(sim.oracle_state().await["serviceInstances"], before, "nothing changed");
}

async fn accepted_add(sim: &Sim, instance: &str, payload: &str) -> Value {
    let done = sim.update_and_settle(instance, payload).await;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
    done
}

#[tokio::test]
async fn whitespace_crlf_tabs_and_comments_are_tolerated() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = "\r\n{\r\n\tExaunitProperties :\r\n [ /* block */\r\n\t{ name : Operation , value : AddCluster } , // line\r\n\t{name:TotalNumOfCoresForCluster,value:4},{name:TotalMemoryInGb,value:30},\r\n{name:StorageInTb,value:3},{name:OracleHomeDiskSizeInGb,value:60},{name:ExaUnitName,value:crlf}\r\n]\r\n}\r\n";
    accepted_add(&sim, &instance, payload).await;
    let info = sim.resource_info(&instance).await;
    assert_eq!(info.body["DistributedClusterResources"][1]["ExaunitName"], "crlf");
}

#[tokio::test]
async fn strict_json_single_quotes_and_trailing_commas_are_accepted() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let json_payload = r#"{"ExaunitProperties": [{"name": "Operation", "value": "AddCluster"}, {"name": "TotalNumOfCoresForCluster", "value": 4}, {"name": "TotalMemoryInGb", "value": "30"}, {"name": "StorageInTb", "value": 3}, {"name": "OracleHomeDiskSizeInGb", "value": 60}, {"name": "ExaUnitName", "value": "json1"}]}"#;
    accepted_add(&sim, &instance, json_payload).await;
    let quoted = "{'ExaunitProperties': [{name:'Operation', value:'AddCluster',}, {name:'TotalNumOfCoresForCluster', value:'2'}, {name:TotalMemoryInGb, value:\"4\"}, {name:StorageInTb, value:1}, {name:OracleHomeDiskSizeInGb, value:50}, {name:ExaUnitName, value:'q-2'},],}";
    accepted_add(&sim, &instance, quoted).await;
    let info = sim.resource_info(&instance).await;
    let names: Vec<&str> = info.body["DistributedClusterResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ExaunitName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["systemname", "json1", "q-2"]);
}

#[tokio::test]
async fn base64_may_be_wrapped_unpadded_or_url_safe() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = reshape_payload(1, "StorageInTb", "5");
    let wrapped: String =
        b64(&payload).as_bytes().chunks(20).map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n").collect();
    let done = sim.settle(&sim.submit(update_encoded(&instance, &wrapped)).await, 30).await;
    assert_eq!(done["result"]["status"], "PROCESSED");
    let unpadded = b64(&reshape_payload(1, "StorageInTb", "6")).trim_end_matches('=').to_owned();
    assert_eq!(
        sim.settle(&sim.submit(update_encoded(&instance, &unpadded)).await, 30).await["result"]["status"],
        "PROCESSED"
    );
    // `?>` encodes to `/` and `+` in the standard alphabet: here as `_` and `-`.
    let url =
        base64::engine::general_purpose::URL_SAFE.encode(format!("{} //?>?>", reshape_payload(1, "StorageInTb", "7")));
    assert!(url.contains(['-', '_']), "{url}");
    assert_eq!(
        sim.settle(&sim.submit(update_encoded(&instance, &url)).await, 30).await["result"]["status"],
        "PROCESSED"
    );
    assert_eq!(sim.resource_info(&instance).await.body["DistributedClusterResources"][0]["StorageInTb"], 7);
}

#[tokio::test]
async fn p01_bad_base64_non_utf8_and_oversized_payloads_are_refused() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    refused(
        &sim,
        update_encoded(&instance, "not base64 at all!"),
        "EXAUNIT_ALLOCATIONS is not valid base64/UTF-8: it is not valid base64",
    )
    .await;
    let latin1 = base64::engine::general_purpose::STANDARD.encode([b'{', 0xe9, b'}']);
    refused(&sim, update_encoded(&instance, &latin1), "does not decode to UTF-8 text").await;
    let big = format!(
        "{{ExaunitProperties:[{{name:Operation,value:DeleteCluster}},{{name:ExaunitID,value:1}}]}}{}",
        " ".repeat(70_000)
    );
    refused(&sim, update_encoded(&instance, &b64(&big)), "decodes to more than 65536 bytes").await;
    // A blank value is an absent one (values are trimmed, §5.1 rule 7).
    let r = sim.post_operation(update_encoded(&instance, "   ")).await;
    r.assert_ora_error(400, "ITAS-400-ATTRIBUTE", "EXAUNIT_ALLOCATIONS is required");
    // Exactly at the limit is fine (the grammar allows trailing whitespace).
    let payload = delete_cluster_payload(1);
    let at_limit = format!("{payload}{}", " ".repeat(65_536 - payload.len()));
    assert_eq!(sim.post_operation(update_body(&instance, &at_limit)).await.status, 201);
}

#[tokio::test]
async fn p02_syntax_errors_name_the_line_and_column_and_never_crash() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let body = update_body(&instance, "{\n  ExaunitProperties: [\n    {name Operation, value:AddCluster}\n  ]\n}");
    refused(&sim, body, "EXAUNIT_ALLOCATIONS does not parse at line 3, column 11: expected ':' after key 'name'").await;
    refused(&sim, update_body(&instance, "ExaunitProperties: []"), "line 1, column 1: expected '{'").await;
    refused(&sim, update_body(&instance, "{a:'open"), "unterminated string").await;
    let bomb = format!("{{ExaunitProperties:{}{}}}", "[".repeat(5000), "]".repeat(5000));
    refused(&sim, update_body(&instance, &bomb), "nesting deeper than 32 levels").await;
    for garbage in [&b"\x00\x01\x02{[}]"[..], b"{\xf0\x9f\x92\xa9:", b"{{{{{{{{", b"}", b"{a:[1,,]}"] {
        let encoded = base64::engine::general_purpose::STANDARD.encode(garbage);
        let r = sim.post_operation(update_encoded(&instance, &encoded)).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["errorCode"], PAYLOAD);
    }
}

#[tokio::test]
async fn p03_p04_p05_the_property_list_shape() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    refused(
        &sim,
        update_body(&instance, "{Other: []}"),
        "EXAUNIT_ALLOCATIONS.ExaunitProperties is required and must be an array",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties: {name: Operation}}"),
        "ExaunitProperties is required and must be an array",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties: [{value: DeleteCluster}]}"),
        "EXAUNIT_ALLOCATIONS.ExaunitProperties[0].name is required",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties: [Operation]}"),
        "ExaunitProperties[0] must be an object {name, value}",
    )
    .await;
    let dup =
        "{ExaunitProperties: [{name:Operation,value:DeleteCluster},{name:ExaunitID,value:1},{name:exaunitid,value:2}]}";
    refused(&sim, update_body(&instance, dup), "EXAUNIT_ALLOCATIONS.exaunitid is given more than once").await;
}

#[tokio::test]
async fn p06_p07_p08_operation_and_request_id() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties:[{name:ExaunitID,value:1}]}"),
        "EXAUNIT_ALLOCATIONS.Operation must be one of AddCluster, ReshapeCluster, DeleteCluster",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties:[{name:Operation,value:CoreBurst}]}"),
        "Operation must be one of",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties:[{name:Operation,value:deletecluster},{name:ExaunitID,value:1}]}"),
        "Operation must be one of",
    )
    .await;
    refused(&sim, update_body(&instance, "{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:ExaunitID,value:1},{name:requestId,value:req-1}]}"), "EXAUNIT_ALLOCATIONS.requestId must be a UUID").await;
    refused(
        &sim,
        create_multivm_body(&delete_cluster_payload(1)),
        "EXAUNIT_ALLOCATIONS.Operation must be AddCluster on CIM-Exadata-CUSTOM-PRODUCTION-CREATE",
    )
    .await;
}

#[tokio::test]
async fn a01_to_a05_add_cluster_properties() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let without_storage = "{ExaunitProperties:[{name:Operation,value:AddCluster},{name:TotalNumOfCoresForCluster,value:4},{name:TotalMemoryInGb,value:30},{name:OracleHomeDiskSizeInGb,value:60},{name:ExaUnitName,value:c}]}";
    refused(&sim, update_body(&instance, without_storage), "EXAUNIT_ALLOCATIONS.StorageInTb is required").await;
    for bad in ["4.0", "+4", "0", "1000001", "four", "-4"] {
        let p = add_payload("c2", 4, 30, 3, 60)
            .replace("TotalNumOfCoresForCluster, value:4", &format!("TotalNumOfCoresForCluster, value:{bad}"));
        refused(
            &sim,
            update_body(&instance, &p),
            "EXAUNIT_ALLOCATIONS.TotalNumOfCoresForCluster must be a positive integer",
        )
        .await;
    }
    let no_name = add_payload("x", 4, 30, 3, 60).replace(",\n    {name:ExaUnitName, value:x}", "");
    refused(&sim, update_body(&instance, &no_name), "EXAUNIT_ALLOCATIONS.ExaUnitName is required").await;
    refused(
        &sim,
        update_body(&instance, &add_payload("2bad", 4, 30, 3, 60)),
        "EXAUNIT_ALLOCATIONS.ExaUnitName must be 1-15 characters",
    )
    .await;
    let with = |extra: &str| add_payload("c2", 4, 30, 3, 60).replace("\n  ]", &format!(",\n    {extra}\n  ]"));
    refused(
        &sim,
        update_body(&instance, &with("{name:ExaunitID, value:9}")),
        "EXAUNIT_ALLOCATIONS.ExaunitID is not allowed with AddCluster",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, &with("{name:OhomePartitionInGB, value:60}")),
        "OhomePartitionInGB is not allowed with AddCluster",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, &with("{name:CreateSparse, value:maybe}")),
        "EXAUNIT_ALLOCATIONS.CreateSparse must be one of Y, N",
    )
    .await;
    // Absent flags mean N; given ones are stored.
    accepted_add(&sim, &instance, &with("{name:BackupToDisk, value:y}")).await;
    let c = &sim.resource_info(&instance).await.body["DistributedClusterResources"][1];
    assert_eq!((c["CreateSparse"].as_str(), c["BackupToDisk"].as_str()), (Some("N"), Some("Y")));
}

#[tokio::test]
async fn r01_to_r06_reshape_properties() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    refused(
        &sim,
        update_body(
            &instance,
            "{ExaunitProperties:[{name:Operation,value:ReshapeCluster},{name:TotalMemoryInGb,value:40}]}",
        ),
        "EXAUNIT_ALLOCATIONS.ExaunitID is required",
    )
    .await;
    refused(&sim, update_body(&instance, "{ExaunitProperties:[{name:Operation,value:ReshapeCluster},{name:ExaunitID,value:1},{name:ClientNetwork,value:/a}]}"), "One of TotalNumOfCoresForCluster, TotalMemoryInGb, StorageInTb, OhomePartitionInGB must be specified").await;
    let four = include_str!("fixtures/seed_payload_reshape.txt");
    refused(&sim, update_body(&instance, four), "Only one attribute can be modified per ReshapeCluster request; got TotalNumOfCoresForCluster, TotalMemoryInGb, StorageInTb, OhomePartitionInGB").await;
    refused(
        &sim,
        update_body(&instance, &reshape_payload(1, "OracleHomeDiskSizeInGb", "100")),
        "EXAUNIT_ALLOCATIONS.OracleHomeDiskSizeInGb is not allowed with ReshapeCluster; use OhomePartitionInGB",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, &reshape_payload(1, "ExaUnitName", "renamed")),
        "EXAUNIT_ALLOCATIONS.ExaUnitName cannot be changed by ReshapeCluster",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, &reshape_payload(1, "TotalMemoryInGb", "-1")),
        "EXAUNIT_ALLOCATIONS.TotalMemoryInGb must be a positive integer",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, &reshape_payload(1, "TotalMemoryInGb", "")),
        "TotalMemoryInGb must be a positive integer",
    )
    .await;
    // OhomePartitionInGB is the reshape name for the Oracle Home size.
    let done = sim.update_and_settle(&instance, &reshape_payload(1, "OhomePartitionInGB", "100")).await;
    assert_eq!(done["result"]["status"], "PROCESSED", "{done}");
    assert_eq!(
        sim.resource_info(&instance).await.body["DistributedClusterResources"][0]["OracleHomeDiskSizeInGb"],
        100
    );
}

#[tokio::test]
async fn d01_delete_cluster_needs_its_exaunit_id() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties:[{name:Operation,value:DeleteCluster}]}"),
        "EXAUNIT_ALLOCATIONS.ExaunitID is required",
    )
    .await;
    refused(
        &sim,
        update_body(&instance, "{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:ExaunitID,value:one}]}"),
        "EXAUNIT_ALLOCATIONS.ExaunitID must be a positive integer",
    )
    .await;
}

#[tokio::test]
async fn unknown_properties_are_ignored_and_recorded_in_the_action_log() {
    let sim = Sim::start().await;
    let instance = sim.active_multivm_instance().await;
    let payload = "{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:ExaunitID,value:1},{name:rack_name,value:r1},{name:NodeSubset,value:eyJ9}]}";
    let r = sim.post_operation(update_body(&instance, payload)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let log = r.body["operationItems"][0]["actionLogs"][0]["message"].as_str().unwrap();
    assert_eq!(log, "DeleteCluster accepted; ignored properties: rack_name, NodeSubset");
}
