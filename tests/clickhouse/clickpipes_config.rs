//! ClickPipe settings, CDC scaling, schema discovery and the reverse-private-endpoint
//! PATCH (official `ClickPipeSettings*`, `ClickPipesCdcScaling*`, `ClickPipeSchemaDiscovery*`,
//! `UpdateReversePrivateEndpoint`).

use hyper::Method;

use crate::support::*;

async fn kafka_pipe(sim: &Sim, svc: &str) -> String {
    let body = json!({"name": "orders", "source": {"kafka": {"brokers": "b:9092", "topics": "orders", "format": "JSONEachRow"}},
                      "destination": {"database": "default", "table": "orders"}});
    sim.post(&format!("{ORG}/services/{svc}/clickpipes"), body).await.assert_ok()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn pipe_settings_are_replaced_by_put_within_their_bounds() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let pipe = kafka_pipe(&sim, &svc).await;
    let path = format!("{ORG}/services/{svc}/clickpipes/{pipe}/settings");
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"kafka_read_committed": false}));
    let put = |body| sim.ch(Method::PUT, &path, Some(body));
    let r = put(json!({"streaming_max_insert_wait_ms": 1000, "clickhouse_parallel_view_processing": true})).await;
    assert_eq!(
        r.assert_ok(),
        &json!({"streaming_max_insert_wait_ms": 1000, "clickhouse_parallel_view_processing": true,
                "kafka_read_committed": false})
    );
    assert_eq!(sim.get(&path).await.assert_ok()["streaming_max_insert_wait_ms"], 1000);
    for (body, error) in [
        (
            json!({"streaming_max_insert_wait_ms": 100}),
            "BAD_REQUEST: streaming_max_insert_wait_ms must be between 500 and 60000",
        ),
        (
            json!({"object_storage_use_cluster_function": 1}),
            "BAD_REQUEST: object_storage_use_cluster_function must be a boolean",
        ),
        (json!({"bogus": 1}), "BAD_REQUEST: Unknown setting 'bogus'"),
    ] {
        let r = put(body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    // A PUT replaces; null drops one.
    let r = put(json!({"clickhouse_max_threads": 8, "streaming_max_insert_wait_ms": null})).await;
    assert_eq!(r.assert_ok(), &json!({"clickhouse_max_threads": 8, "kafka_read_committed": false}));
    let other = format!("{ORG}/services/{svc}/clickpipes/00000000-0000-4000-8000-00000000beef/settings");
    sim.get(&other).await.assert_ch_error(404, "NOT_FOUND: ClickPipe");
}

#[tokio::test]
async fn kafka_read_committed_is_answered_and_kept_on_kafka_pipes_only() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let pipe = kafka_pipe(&sim, &svc).await;
    let path = format!("{ORG}/services/{svc}/clickpipes/{pipe}/settings");
    let r = sim.ch(Method::PUT, &path, Some(json!({"kafka_read_committed": true, "clickhouse_max_threads": 4}))).await;
    assert_eq!(r.assert_ok(), &json!({"kafka_read_committed": true, "clickhouse_max_threads": 4}));
    assert_eq!(sim.get(&path).await.assert_ok()["kafka_read_committed"], true);
    let r = sim.ch(Method::PUT, &path, Some(json!({"kafka_read_committed": "yes"}))).await;
    r.assert_ch_error(400, "BAD_REQUEST: kafka_read_committed must be a boolean");
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"kafka_read_committed": true, "clickhouse_max_threads": 4}));
    // Another source: not answered, and a PUT naming it is refused and changes nothing.
    let body = json!({"name": "pg", "source": {"postgres": {"host": "db", "port": 5432, "database": "app"}},
                      "destination": {"database": "default"}});
    let pg = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), body).await.assert_ok()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pg_path = format!("{ORG}/services/{svc}/clickpipes/{pg}/settings");
    assert_eq!(sim.get(&pg_path).await.assert_ok(), &json!({}));
    let r =
        sim.ch(Method::PUT, &pg_path, Some(json!({"kafka_read_committed": true, "clickhouse_max_threads": 2}))).await;
    r.assert_ch_error(400, "BAD_REQUEST: kafka_read_committed applies to Kafka ClickPipes only");
    assert_eq!(sim.get(&pg_path).await.assert_ok(), &json!({}));
}

#[tokio::test]
async fn cdc_scaling_needs_a_database_pipe_or_a_patch_and_keeps_four_gib_per_core() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let path = format!("{ORG}/services/{svc}/clickpipesCdcScaling");
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND");
    let r = sim.patch(&path, json!({"replicaCpuMillicores": 4000})).await;
    assert_eq!(r.assert_ok(), &json!({"replicaCpuMillicores": 4000, "replicaMemoryGb": 16}));
    assert_eq!(sim.get(&path).await.assert_ok(), &json!({"replicaCpuMillicores": 4000, "replicaMemoryGb": 16}));
    for (body, error) in [
        (
            json!({"replicaCpuMillicores": 1500}),
            "BAD_REQUEST: replicaCpuMillicores must be a multiple of 1000 between 1000 and 32000",
        ),
        (json!({"replicaMemoryGb": 130}), "BAD_REQUEST: replicaMemoryGb must be a multiple of 4 between 4 and 128"),
        (
            json!({"replicaCpuMillicores": 2000, "replicaMemoryGb": 16}),
            "BAD_REQUEST: replicaMemoryGb must be 4 times the CPU core count (8 for 2000 millicores)",
        ),
    ] {
        let r = sim.patch(&path, body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    assert_eq!(sim.get(&path).await.assert_ok()["replicaCpuMillicores"], 4000);
    // A service with a database pipe has the default scaling.
    let other = sim.running_service().await;
    let body = json!({"name": "pg", "source": {"postgres": {"host": "db", "port": 5432, "database": "app"}},
                      "destination": {"database": "default"}});
    sim.post(&format!("{ORG}/services/{other}/clickpipes"), body).await.assert_ok();
    let r = sim.get(&format!("{ORG}/services/{other}/clickpipesCdcScaling")).await;
    assert_eq!(r.assert_ok(), &json!({"replicaCpuMillicores": 2000, "replicaMemoryGb": 8}));
}

#[tokio::test]
async fn schema_discovery_answers_fields_for_a_kafka_or_kinesis_source() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let path = format!("{ORG}/services/{svc}/clickpipes/schemaDiscovery");
    let r = sim
        .post(&path, json!({"source": {"kafka": {"brokers": "b:9092", "topics": "t", "format": "JSONEachRow"}}}))
        .await;
    let found = r.assert_ok().clone();
    assert!(found["fields"].as_array().unwrap().iter().all(|f| f["name"].is_string() && f["type"].is_string()));
    for (body, error) in [
        (json!({}), "BAD_REQUEST: source is required"),
        (json!({"source": {}}), "BAD_REQUEST: source must have one of kafka, kinesis, objectStorage, pubsub"),
        (
            json!({"source": {"kafka": {"topics": "t", "format": "Avro"}}}),
            "BAD_REQUEST: source.kafka.brokers is required",
        ),
        (
            json!({"source": {"kinesis": {"streamName": "s", "region": "us-east-1", "format": "Protobuf"}}}),
            "BAD_REQUEST: source.kinesis.format must be one of JSONEachRow, Avro, AvroConfluent",
        ),
    ] {
        let r = sim.post(&path, body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
}

#[tokio::test]
async fn a_reverse_private_endpoint_patch_replaces_its_private_dns_mappings() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let base = format!("{ORG}/services/{svc}/clickpipesReversePrivateEndpoints");
    let create = |name: &str| json!({"description": name, "type": "VPC_ENDPOINT_SERVICE", "vpcEndpointServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-1"});
    let a = sim.post(&base, create("a")).await.assert_ok()["id"].as_str().unwrap().to_owned();
    let b = sim.post(&base, create("b")).await.assert_ok()["id"].as_str().unwrap().to_owned();
    let mappings =
        json!({"customPrivateDnsMappings": [{"privateDnsName": "db.corp.io"}, {"privateDnsName": "*.kafka.corp.io"}]});
    let e = sim.patch(&format!("{base}/{a}"), mappings).await.assert_ok().clone();
    assert_eq!(e["customPrivateDnsMappings"][1]["privateDnsName"], "*.kafka.corp.io");
    assert_eq!(e["privateDnsNames"], json!(["db.corp.io", "*.kafka.corp.io"]));
    assert_eq!(sim.get(&format!("{base}/{a}")).await.assert_ok(), &e);
    // Unique across the service.
    let r = sim
        .patch(&format!("{base}/{b}"), json!({"customPrivateDnsMappings": [{"privateDnsName": "db.corp.io"}]}))
        .await;
    r.assert_ch_error(409, "CONFLICT: Private DNS name 'db.corp.io' is already used");
    let r =
        sim.patch(&format!("{base}/{b}"), json!({"customPrivateDnsMappings": [{"privateDnsName": "a.*.io"}]})).await;
    r.assert_ch_error(
        400,
        "BAD_REQUEST: customPrivateDnsMappings[0].privateDnsName must be a DNS name or a leading wildcard name",
    );
    // An empty list clears.
    let cleared = sim.patch(&format!("{base}/{a}"), json!({"customPrivateDnsMappings": []})).await.assert_ok().clone();
    assert_eq!(
        (cleared["customPrivateDnsMappings"].clone(), cleared["privateDnsNames"].clone()),
        (json!([]), json!([]))
    );
}

#[tokio::test]
async fn schema_discovery_answers_object_storage_and_pubsub_sources() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let path = format!("{ORG}/services/{svc}/clickpipes/schemaDiscovery");
    let body = json!({"source": {"objectStorage": {"type": "s3", "url": "https://b.s3.amazonaws.com/*.json",
                                                   "format": "JSONEachRow", "compression": "auto"}}});
    let r = sim.post(&path, body).await;
    assert_eq!(r.assert_ok()["meta"]["source"], "objectStorage");
    let pubsub = json!({"format": "Avro", "projectId": "p", "topic": "events", "authentication": "SERVICE_ACCOUNT",
                        "seekType": "latest", "serviceAccountKey": {"serviceAccountFile": "e30="}});
    let r = sim.post(&path, json!({"source": {"pubsub": pubsub}})).await;
    assert_eq!(r.assert_ok()["meta"], json!({"source": "pubsub", "format": "Avro", "sampled": "events"}));
    for (body, error) in [
        (
            json!({"source": {"objectStorage": {"url": "https://b/x", "format": "XML"}}}),
            "BAD_REQUEST: source.objectStorage.format must be one of JSONEachRow, JSONAsObject, CSV, CSVWithNames, TabSeparated, TabSeparatedWithNames, Parquet, Avro",
        ),
        (
            json!({"source": {"pubsub": {"format": "Avro", "projectId": "p", "topic": "t", "authentication": "SERVICE_ACCOUNT",
                                         "seekType": "latest", "ackDeadline": 5, "serviceAccountKey": {"serviceAccountFile": "e30="}}}}),
            "BAD_REQUEST: source.pubsub.ackDeadline must be between 10 and 600",
        ),
    ] {
        let r = sim.post(&path, body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
}
