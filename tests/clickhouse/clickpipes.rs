//! ClickPipes and reverse private endpoints (spec §9.7, §9.8; tests T-84, T-85).

use crate::support::*;

fn pipe_body() -> Value {
    json!({
        "name": "orders",
        "description": "orders from kafka",
        "source": {"kafka": {"brokers": "b:9092", "topics": "orders", "format": "JSONEachRow"}},
        "destination": {"database": "default", "table": "orders"},
    })
}

/// Creates the Kafka pipe of [`pipe_body`] on a running service; answers its id.
async fn create_pipe(sim: &Sim, svc: &str) -> String {
    let r = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), pipe_body()).await;
    r.assert_ok()["id"].as_str().expect("pipe id").to_owned()
}

async fn pipes(sim: &Sim, svc: &str) -> Vec<Value> {
    sim.get(&format!("{ORG}/services/{svc}/clickpipes")).await.assert_ok().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_clickpipe_on_a_service_that_is_not_running_is_a_failed_dependency() {
    // T-84
    let sim = Sim::start().await;
    let svc = sim.create_service(json!({})).await;
    let r = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), pipe_body()).await;
    r.assert_ch_error(
        424,
        "FAILED_DEPENDENCY: ClickPipe creation is allowed only when the ClickHouse service is running. Current state: provisioning",
    );
    sim.advance(60).await;
    sim.advance(15 * 60).await; // idle after 15 minutes without activity
    assert_eq!(sim.state_of(&svc).await, "idle");
    let r = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), pipe_body()).await;
    r.assert_ch_error(
        424,
        "FAILED_DEPENDENCY: ClickPipe creation is allowed only when the ClickHouse service is running. Current state: idle",
    );
    assert!(pipes(&sim, &svc).await.is_empty());
}

#[tokio::test]
async fn a_clickpipe_is_provisioning_then_running_and_can_be_updated_and_deleted() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let r = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), pipe_body()).await;
    let pipe = r.assert_ok().clone();
    let id = pipe["id"].as_str().unwrap();
    assert_eq!(pipe["state"], "Provisioning");
    assert_eq!(pipe["serviceId"], svc);
    assert_eq!(pipe["scaling"], json!({"replicas": 1, "replicaCpuMillicores": 125, "replicaMemoryGb": 0.5}));
    assert_eq!(pipe["source"], pipe_body()["source"]);
    assert_eq!(pipe["fieldMappings"], json!([]));
    let adv = sim.advance(30).await;
    assert!(adv["transitions"].as_array().unwrap().iter().any(|t| t["id"] == id && t["to"] == "Running"), "{adv}");
    let path = format!("{ORG}/services/{svc}/clickpipes/{id}");
    assert_eq!(sim.get(&path).await.assert_ok()["state"], "Running");

    let r = sim
        .patch(&path, json!({"name": "orders v2", "fieldMappings": [{"sourceField": "a", "destinationField": "b"}]}))
        .await;
    let updated = r.assert_ok().clone();
    assert_eq!(updated["name"], "orders v2");
    assert_eq!(updated["fieldMappings"][0]["sourceField"], "a");
    assert_eq!(updated["updatedAt"], "2025-01-01T00:01:30Z");
    assert_eq!(pipes(&sim, &svc).await, vec![updated]);

    let r = sim.delete(&path).await;
    assert_eq!((r.status, r.body.get("result")), (200, None));
    sim.get(&path).await.assert_ch_error(404, &format!("NOT_FOUND: ClickPipe {id} not found"));
    assert!(pipes(&sim, &svc).await.is_empty());
}

#[tokio::test]
async fn clickpipe_state_commands_follow_the_table() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let body = json!({"name": "pg", "source": {"postgres": {"host": "db"}}, "destination": {"database": "default"}});
    let id = sim.post(&format!("{ORG}/services/{svc}/clickpipes"), body).await.assert_ok()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.advance(30).await;
    let state = format!("{ORG}/services/{svc}/clickpipes/{id}/state");
    assert_eq!(sim.patch(&state, json!({"command": "stop"})).await.assert_ok()["state"], "Stopping");
    let r = sim.patch(&state, json!({"command": "start"})).await;
    r.assert_ch_error(409, "CONFLICT: Cannot start ClickPipe in state 'Stopping'");
    sim.advance(30).await;
    let path = format!("{ORG}/services/{svc}/clickpipes/{id}");
    assert_eq!(sim.get(&path).await.assert_ok()["state"], "Stopped");
    assert_eq!(sim.patch(&state, json!({"command": "stop"})).await.assert_ok()["state"], "Stopped");
    assert_eq!(sim.patch(&state, json!({"command": "start"})).await.assert_ok()["state"], "Running");
    assert_eq!(sim.patch(&state, json!({"command": "resync"})).await.assert_ok()["state"], "Resync");
    sim.advance(30).await;
    assert_eq!(sim.get(&path).await.assert_ok()["state"], "Running");
    let r = sim.patch(&state, json!({"command": "pause"})).await;
    r.assert_ch_error(400, "BAD_REQUEST: command must be one of start, stop, resync");
}

#[tokio::test]
async fn a_stale_clickpipe_transition_does_not_undo_a_later_command() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let id = create_pipe(&sim, &svc).await;
    // Stopped while still provisioning: the pending "→ Running" must not fire.
    let state = format!("{ORG}/services/{svc}/clickpipes/{id}/state");
    sim.patch(&state, json!({"command": "stop"})).await.assert_ok();
    sim.advance(30).await;
    assert_eq!(sim.get(&format!("{ORG}/services/{svc}/clickpipes/{id}")).await.assert_ok()["state"], "Stopped");
}

#[tokio::test]
async fn resync_is_only_for_postgres_pipes() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let id = create_pipe(&sim, &svc).await;
    sim.advance(30).await;
    let r = sim.patch(&format!("{ORG}/services/{svc}/clickpipes/{id}/state"), json!({"command": "resync"})).await;
    r.assert_ch_error(400, "BAD_REQUEST: resync is only available for Postgres ClickPipes");
    assert_eq!(sim.get(&format!("{ORG}/services/{svc}/clickpipes/{id}")).await.assert_ok()["state"], "Running");
}

#[tokio::test]
async fn clickpipe_scaling_accepts_1_to_40_replicas() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let id = create_pipe(&sim, &svc).await;
    let scaling = format!("{ORG}/services/{svc}/clickpipes/{id}/scaling");
    for bad in [json!(0), json!(41), json!(2.5)] {
        let r = sim.patch(&scaling, json!({"replicas": bad})).await;
        r.assert_ch_error(400, "BAD_REQUEST: replicas must be between 1 and 40");
    }
    sim.patch(&scaling, json!({"replicas": "4"})).await.assert_ch_error(400, "BAD_REQUEST: replicas must be a number");
    assert_eq!(sim.patch(&scaling, json!({"replicas": 40})).await.assert_ok()["scaling"]["replicas"], 40);
    // Scaling needs the service running too.
    sim.patch(&format!("{ORG}/services/{svc}/state"), json!({"command": "stop"})).await.assert_ok();
    let r = sim.patch(&scaling, json!({"replicas": 2})).await;
    r.assert_ch_error(424, "FAILED_DEPENDENCY: ClickPipe scaling is allowed only when the ClickHouse service is running. Current state: stopping");
    assert_eq!(sim.get(&format!("{ORG}/services/{svc}/clickpipes/{id}")).await.assert_ok()["scaling"]["replicas"], 40);
}

#[tokio::test]
async fn invalid_clickpipe_bodies_are_refused_and_create_nothing() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let mut no_name = pipe_body();
    no_name.as_object_mut().unwrap().remove("name");
    let cases = [
        (no_name, "BAD_REQUEST: name is required"),
        (
            json!({"name": "p", "source": {"kafka": {}, "kinesis": {}}, "destination": {}}),
            "BAD_REQUEST: source must contain exactly one of kafka, objectStorage, kinesis, pubsub, postgres, mysql, bigquery, mongodb",
        ),
        (
            json!({"name": "p", "source": {"oracle": {}}, "destination": {}}),
            "BAD_REQUEST: source must contain exactly one of",
        ),
        (json!({"name": "p", "source": {"mysql": {}}, "destination": {}}), "BAD_REQUEST: source.mysql.host is required"),
        (json!({"name": "p", "source": {"kafka": {}}}), "BAD_REQUEST: destination is required"),
        (
            json!({"name": "p", "source": {"kafka": {}}, "destination": "t"}),
            "BAD_REQUEST: destination must be an object",
        ),
        (
            json!({"name": "p", "source": {"kafka": {}}, "destination": {}, "fieldMappings": {}}),
            "BAD_REQUEST: fieldMappings must be an array",
        ),
    ];
    for (body, error) in cases {
        sim.post(&format!("{ORG}/services/{svc}/clickpipes"), body).await.assert_ch_error(400, error);
    }
    assert!(pipes(&sim, &svc).await.is_empty());
    let unknown = "7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b";
    let r = sim.get(&format!("{ORG}/services/{svc}/clickpipes/{unknown}")).await;
    r.assert_ch_error(404, "NOT_FOUND: ClickPipe");
    let r = sim.get(&format!("{ORG}/services/{unknown}/clickpipes")).await;
    r.assert_ch_error(404, "NOT_FOUND: Service");
    let r = sim.get(&format!("{ORG}/services/{svc}/clickpipes/nope")).await;
    r.assert_ch_error(400, "BAD_REQUEST: Invalid clickPipeId");
}

#[tokio::test]
async fn a_reverse_private_endpoint_becomes_ready_and_is_deleted_later() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let base = format!("{ORG}/services/{svc}/clickpipesReversePrivateEndpoints");
    let body = json!({"description": "msk", "type": "MSK_MULTI_VPC", "mskClusterArn": "arn:aws:kafka:x", "mskAuthentication": "SASL_IAM"});
    let e = sim.post(&base, body).await.assert_ok().clone();
    let id = e["id"].as_str().unwrap();
    assert_eq!(e["status"], "Provisioning");
    assert_eq!(e["type"], "MSK_MULTI_VPC");
    assert_eq!(e["mskClusterArn"], "arn:aws:kafka:x");
    assert_eq!(e["serviceId"], svc);
    let endpoint_id = e["endpointId"].as_str().unwrap();
    assert!(endpoint_id.starts_with("vpce-") && endpoint_id.len() == 22, "{endpoint_id}");
    assert!(e["dnsNames"].is_array() && e["privateDnsNames"].is_array());
    sim.advance(60).await;
    assert_eq!(sim.get(&format!("{base}/{id}")).await.assert_ok()["status"], "Ready");

    let r = sim.delete(&format!("{base}/{id}")).await;
    assert_eq!((r.status, r.body.get("result")), (200, None));
    assert_eq!(sim.get(&format!("{base}/{id}")).await.assert_ok()["status"], "Deleting");
    sim.delete(&format!("{base}/{id}")).await.assert_ch_error(409, "CONFLICT: Reverse private endpoint");
    sim.advance(60).await;
    sim.get(&format!("{base}/{id}")).await.assert_ch_error(404, "NOT_FOUND: Reverse private endpoint");
    assert_eq!(sim.get(&base).await.assert_ok(), &json!([]));
}

#[tokio::test]
async fn the_reverse_private_endpoints_alias_answers_like_the_canonical_path() {
    // T-85 (reverse private endpoints)
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let canonical = format!("{ORG}/services/{svc}/clickpipesReversePrivateEndpoints");
    let alias = format!("{ORG}/services/{svc}/reversePrivateEndpoints");
    let body =
        json!({"description": "d", "type": "VPC_ENDPOINT_SERVICE", "vpcEndpointServiceName": "com.amazonaws.vpce.x"});
    let e = sim.post(&alias, body).await.assert_ok().clone();
    let id = e["id"].as_str().unwrap();
    assert_eq!(sim.get(&alias).await.assert_ok(), sim.get(&canonical).await.assert_ok());
    assert_eq!(sim.get(&format!("{alias}/{id}")).await.assert_ok(), &e);
    assert_eq!(sim.get(&format!("{canonical}/{id}")).await.assert_ok(), &e);
}

#[tokio::test]
async fn invalid_reverse_private_endpoints_are_refused_and_create_nothing() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let base = format!("{ORG}/services/{svc}/clickpipesReversePrivateEndpoints");
    let cases = [
        (json!({"description": "d"}), "BAD_REQUEST: type is required"),
        (json!({"type": "VPC"}), "BAD_REQUEST: type must be one of VPC_ENDPOINT_SERVICE, VPC_RESOURCE, MSK_MULTI_VPC"),
        (
            json!({"type": "VPC_ENDPOINT_SERVICE"}),
            "BAD_REQUEST: vpcEndpointServiceName is required for type VPC_ENDPOINT_SERVICE",
        ),
        (
            json!({"type": "VPC_RESOURCE", "vpcResourceConfigurationId": "rcfg-1"}),
            "BAD_REQUEST: vpcResourceShareArn is required for type VPC_RESOURCE",
        ),
        (
            json!({"type": "MSK_MULTI_VPC", "mskClusterArn": "arn", "mskAuthentication": "PLAIN"}),
            "BAD_REQUEST: mskAuthentication must be one of SASL_IAM, SASL_SCRAM",
        ),
        (
            json!({"type": "VPC_ENDPOINT_SERVICE", "vpcEndpointServiceName": "x", "description": "d".repeat(256)}),
            "BAD_REQUEST: description must be at most 255 characters",
        ),
    ];
    for (body, error) in cases {
        sim.post(&base, body).await.assert_ch_error(400, error);
    }
    assert_eq!(sim.get(&base).await.assert_ok(), &json!([]));
}

#[tokio::test]
async fn mysql_mongodb_and_pubsub_pipes_are_created_by_their_official_schema() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let path = format!("{ORG}/services/{svc}/clickpipes");
    let dest = json!({"database": "default"});
    let sources = [
        json!({"mysql": {"host": "db.example.com", "port": 3306, "type": "mysql", "credentials": {"username": "u", "password": "p"},
                         "settings": {"replicationMode": "cdc", "replicationMechanism": "GTID"},
                         "tableMappings": [{"sourceSchemaName": "app", "sourceTable": "orders", "targetTable": "orders"}]}}),
        json!({"mongodb": {"uri": "mongodb+srv://c.example.net/app", "readPreference": "secondaryPreferred",
                           "credentials": {"username": "u", "password": "p"}, "settings": {"replicationMode": "cdc"},
                           "tableMappings": [{"sourceDatabaseName": "app", "sourceCollection": "users", "targetTable": "users"}]}}),
        json!({"pubsub": {"format": "JSONEachRow", "projectId": "proj", "topic": "events", "authentication": "SERVICE_ACCOUNT",
                          "seekType": "earliest", "serviceAccountKey": {"serviceAccountFile": "e30="}}}),
    ];
    for (i, source) in sources.into_iter().enumerate() {
        let kind = source.as_object().unwrap().keys().next().unwrap().clone();
        let r = sim.post(&path, json!({"name": format!("p{i}"), "source": source, "destination": dest})).await;
        assert!(r.assert_ok()["source"][&kind].is_object(), "{kind}");
    }
    assert_eq!(pipes(&sim, &svc).await.len(), 3);
    for (source, error) in [
        (
            json!({"mysql": {"host": "db", "port": 3306, "settings": {"replicationMode": "cdc"}}}),
            "BAD_REQUEST: source.mysql.tableMappings is required",
        ),
        (
            json!({"mysql": {"host": "db", "port": 3306, "type": "cloudsqlmysql", "settings": {"replicationMode": "cdc"}, "tableMappings": []}}),
            "BAD_REQUEST: source.mysql.type must be one of mysql, rdsmysql, auroramysql, mariadb, rdsmariadb",
        ),
        (
            json!({"mongodb": {"uri": "mongodb://x", "readPreference": "any", "settings": {"replicationMode": "cdc"}, "tableMappings": []}}),
            "BAD_REQUEST: source.mongodb.readPreference must be one of primary, primaryPreferred, secondary, secondaryPreferred, nearest",
        ),
        (
            json!({"pubsub": {"format": "JSONEachRow", "projectId": "p", "topic": "t", "authentication": "SERVICE_ACCOUNT", "seekType": "latest"}}),
            "BAD_REQUEST: source.pubsub.serviceAccountKey is required",
        ),
    ] {
        let r = sim.post(&path, json!({"name": "bad", "source": source, "destination": dest})).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    assert_eq!(pipes(&sim, &svc).await.len(), 3, "a refused body creates nothing");
}
