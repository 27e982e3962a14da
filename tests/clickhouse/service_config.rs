//! Per-service configuration families of the official document: upgrade windows,
//! ClickHouse settings, backup buckets. Each is stateful (what is PUT is GET back),
//! isolated per service and organization, validated, and 404 when not configured.

use hyper::Method;

use super::services::svc_path;
use crate::support::*;

async fn put(sim: &Sim, path: &str, body: Value) -> Resp {
    sim.ch(Method::PUT, path, Some(body)).await
}

#[tokio::test]
async fn an_upgrade_window_is_stored_per_primary_service_and_validated() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "upgradeWindow");
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND: Upgrade window not found");
    let w = put(&sim, &path, json!({"weekday": 2, "startHourUtc": 18})).await.assert_ok().clone();
    assert_eq!(w, json!({"weekday": 2, "startHourUtc": 18, "duration": 6}));
    assert_eq!(sim.get(&path).await.assert_ok(), &w);
    for (body, error) in [
        (json!({"weekday": 7, "startHourUtc": 6}), "BAD_REQUEST: weekday must be between 0 and 6"),
        (json!({"weekday": 1, "startHourUtc": 3}), "BAD_REQUEST: startHourUtc must be one of 0, 6, 12, 18"),
        (json!({"startHourUtc": 6}), "BAD_REQUEST: weekday is required"),
        (json!({"weekday": 1}), "BAD_REQUEST: startHourUtc is required"),
    ] {
        let r = put(&sim, &path, body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    assert_eq!(sim.get(&path).await.assert_ok(), &w, "refusals change nothing");
    // A secondary service inherits its primary's window.
    let wh = sim.get(&format!("{ORG}/services/{id}")).await.assert_ok()["dataWarehouseId"].clone();
    let secondary = sim.create_service(json!({"name": "replica", "dataWarehouseId": wh, "numReplicas": 1})).await;
    put(&sim, &svc_path(&secondary, "upgradeWindow"), json!({"weekday": 1, "startHourUtc": 0}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: The upgrade window can only be set on primary services");
    // The entitlement: 403 to set, a delete still works.
    sim.org_attrs(ORG_ID, json!({"scheduledUpgrades": false})).await;
    put(&sim, &path, json!({"weekday": 1, "startHourUtc": 0})).await.assert_ch_error(403, "FORBIDDEN");
    let r = sim.delete(&path).await;
    assert_eq!((r.status, r.body.get("result")), (200, None));
    sim.delete(&path).await.assert_ch_error(404, "NOT_FOUND: Upgrade window not found");
}

#[tokio::test]
async fn clickhouse_settings_are_set_listed_read_and_reset_per_service() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let other = sim.running_service().await;
    let base = svc_path(&id, "clickhouseSettings");
    assert_eq!(sim.get(&base).await.assert_ok(), &json!({"settings": []}));
    // The official string form and the object form clickhousectl sends.
    let r = sim.patch(&base, json!({"settings": "{\"max_threads\": 8, \"async_insert\": true}"})).await;
    let applied = r.assert_ok().clone();
    assert_eq!(applied["settings"], json!({"max_threads": "8", "async_insert": "1"}));
    let r = sim.patch(&base, json!({"settings": {"keep_alive_timeout": 30}})).await;
    let warned = r.assert_ok().clone();
    assert_eq!(warned["warnings"][0]["name"], "keep_alive_timeout");
    let list = sim.get(&base).await.assert_ok()["settings"].clone();
    assert_eq!(
        list,
        json!([{"name": "async_insert", "value": "1"}, {"name": "keep_alive_timeout", "value": "30"},
               {"name": "max_threads", "value": "8"}])
    );
    assert_eq!(
        sim.get(&format!("{base}/max_threads")).await.assert_ok(),
        &json!({"name": "max_threads", "value": "8"})
    );
    assert_eq!(sim.get(&format!("{base}/readonly")).await.assert_ok()["value"], "0", "the default when unset");
    let schema = sim.get(&format!("{base}/schema")).await.assert_ok()["settings"].clone();
    assert!(schema.as_array().unwrap().iter().any(|s| s["name"] == "readonly" && s["enum"] == json!([0, 1, 2])));
    // Bad input names the setting and changes nothing.
    for (body, error) in [
        (json!({"settings": {"no_such_setting": 1}}), "BAD_REQUEST: Unknown setting 'no_such_setting'"),
        (json!({"settings": {"max_threads": "many"}}), "BAD_REQUEST: settings.max_threads must be a valid MaxThreads"),
        (json!({"settings": {"readonly": 5}}), "BAD_REQUEST: settings.readonly must be one of 0, 1, 2"),
        (json!({"settings": "not json"}), "BAD_REQUEST: settings must be a JSON object of setting names to values"),
        (json!({}), "BAD_REQUEST: settings is required"),
    ] {
        let r = sim.patch(&base, body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    assert_eq!(sim.get(&base).await.assert_ok()["settings"], list);
    sim.get(&format!("{base}/no_such_setting"))
        .await
        .assert_ch_error(404, "NOT_FOUND: Setting 'no_such_setting' not found");
    // Reset one; resetting one never set is a no-op.
    assert_eq!(sim.delete(&format!("{base}/max_threads")).await.status, 200);
    assert_eq!(sim.delete(&format!("{base}/max_execution_time")).await.status, 200);
    assert_eq!(sim.get(&format!("{base}/max_threads")).await.assert_ok()["value"], "0");
    assert_eq!(sim.get(&base).await.assert_ok()["settings"].as_array().unwrap().len(), 2);
    // Per service.
    assert_eq!(sim.get(&svc_path(&other, "clickhouseSettings")).await.assert_ok(), &json!({"settings": []}));
}

#[tokio::test]
async fn a_backup_bucket_is_created_read_updated_and_deleted_without_showing_secrets() {
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let path = svc_path(&id, "backupBucket");
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND: Backup bucket not found");
    sim.patch(&path, json!({"bucketProvider": "AWS"})).await.assert_ch_error(404, "NOT_FOUND");
    let aws = json!({"bucketProvider": "AWS", "bucketPath": "s3://backups/ch",
                     "iamRoleArn": "arn:aws:iam::123456789012:role/ch-backups"});
    let b = sim.post(&path, aws.clone()).await.assert_ok().clone();
    assert_eq!(b["bucketProvider"], "AWS");
    assert_eq!(b["bucketPath"], "s3://backups/ch");
    assert_eq!(sim.get(&path).await.assert_ok(), &b);
    sim.post(&path, aws).await.assert_ch_error(409, "CONFLICT");
    let r = sim.patch(&path, json!({"iamRoleSessionName": "nightly"})).await;
    assert_eq!(r.assert_ok()["iamRoleSessionName"], "nightly");
    assert_eq!(r.assert_ok()["id"], b["id"], "an update keeps the bucket");
    // Switching to GCP needs every GCP field, the secret included; secrets never show.
    let r = sim.patch(&path, json!({"bucketProvider": "GCP", "bucketPath": "gs://b", "accessKeyId": "GOOG1"})).await;
    r.assert_ch_error(400, "BAD_REQUEST: secretAccessKey is required");
    let r = sim.patch(&path, json!({"bucketProvider": "GCP", "bucketPath": "gs://b", "accessKeyId": "GOOG1", "secretAccessKey": "s3cret"})).await;
    let g = r.assert_ok().clone();
    assert_eq!(g["bucketProvider"], "GCP");
    assert!(!g.to_string().contains("s3cret"));
    for (body, error) in [
        (json!({"bucketProvider": "IBM"}), "BAD_REQUEST: bucketProvider must be one of AWS, GCP, AZURE"),
        (
            json!({"bucketProvider": "AWS", "bucketPath": "s3://x", "iamRoleArn": "nope"}),
            "BAD_REQUEST: iamRoleArn must be an IAM role ARN",
        ),
    ] {
        sim.patch(&path, body).await.assert_ch_error(400, error);
    }
    assert_eq!(sim.get(&path).await.assert_ok(), &g);
    assert_eq!(sim.delete(&path).await.status, 200);
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND");
    // A developer key reads but cannot write (admin only).
    let key =
        sim.post(&format!("{ORG}/keys"), json!({"name": "dev", "roles": ["developer"]})).await.assert_ok().clone();
    let creds = (key["keyId"].as_str().unwrap(), key["keySecret"].as_str().unwrap());
    let r = sim
        .send(
            Method::POST,
            &path,
            Some(creds),
            Some(json!({"bucketProvider": "AZURE", "containerName": "c", "connectionString": "x"})),
            &[],
        )
        .await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
}
