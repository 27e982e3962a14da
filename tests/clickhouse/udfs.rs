//! User-defined functions: uploads, versions, builds on the clock, service attachments
//! (official `Udf*`).

use super::services::force_state;
use crate::support::*;

async fn upload(sim: &Sim) -> String {
    let r = sim.post(&format!("{ORG}/udfUploads/url"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], 201);
    r.body["result"]["uploadId"].as_str().unwrap().to_owned()
}

fn udf_body(upload: &str) -> Value {
    json!({"functionName": "parse_ua", "uploadId": upload, "runtime": "python3.11", "type": "executable",
           "arguments": [{"name": "ua", "type": "String"}], "returnType": "String"})
}

#[tokio::test]
async fn a_udf_builds_on_the_clock_and_gets_versions() {
    let sim = Sim::start().await;
    let up = upload(&sim).await;
    let r = sim.post(&format!("{ORG}/udfs"), udf_body(&up)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v1 = r.body["result"].clone();
    assert_eq!((v1["version"].as_u64(), v1["status"].as_str()), (Some(1), Some("building")));
    assert_eq!((v1["commandReadTimeout"].as_u64(), v1["format"].as_str()), (Some(10000), Some("TabSeparated")));
    assert_eq!((v1["poolSize"].clone(), v1["error"].clone()), (Value::Null, Value::Null));
    // The upload was used up.
    let r = sim.post(&format!("{ORG}/udfs"), udf_body(&up)).await;
    r.assert_ch_error(400, &format!("BAD_REQUEST: Upload '{up}' not found, expired or already used"));
    sim.advance(30).await;
    assert_eq!(sim.get(&format!("{ORG}/udfs/parse_ua")).await.assert_ok()["status"], "ready");
    let up2 = upload(&sim).await;
    let mut v2_body = udf_body(&up2);
    v2_body.as_object_mut().unwrap().remove("functionName");
    v2_body["type"] = json!("executable_pool");
    let r = sim.post(&format!("{ORG}/udfs/parse_ua/versions"), v2_body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.body["result"]["version"].as_u64(), r.body["result"]["poolSize"].as_u64()), (Some(2), Some(3)));
    // Pages: `result` is the page, `pagination` beside it (the live shape).
    let versions = sim.get(&format!("{ORG}/udfs/parse_ua/versions")).await;
    assert_eq!(versions.body["pagination"]["totalRecords"], 2);
    let page = sim.get(&format!("{ORG}/udfs/parse_ua/versions?limit=1")).await;
    assert_eq!(
        (page.assert_ok().as_array().unwrap().len(), page.body["pagination"]["nextCursor"].as_str()),
        (1, Some("1"))
    );
    let page2 = sim.get(&format!("{ORG}/udfs/parse_ua/versions?limit=1&cursor=1")).await;
    assert_eq!(page2.assert_ok()[0]["version"], 2);
    assert_eq!(page2.body["pagination"]["nextCursor"], Value::Null);
    let list = sim.get(&format!("{ORG}/udfs")).await.assert_ok().clone();
    assert_eq!(list[0]["version"], 2, "the list shows the latest version");
    let up3 = upload(&sim).await;
    sim.post(&format!("{ORG}/udfs"), udf_body(&up3))
        .await
        .assert_ch_error(409, "CONFLICT: UDF parse_ua already exists");
}

#[tokio::test]
async fn bad_udfs_are_refused_naming_the_field() {
    let sim = Sim::start().await;
    let up = upload(&sim).await;
    let with = |k: &str, v: Value| {
        let mut b = udf_body(&up);
        b[k] = v;
        b
    };
    for (body, error) in [
        (
            with("functionName", json!("1bad")),
            "BAD_REQUEST: functionName must start with a letter and contain only letters, digits and '_'",
        ),
        (with("runtime", json!("ruby")), "BAD_REQUEST: runtime must be one of python3.11, native"),
        (with("type", json!("script")), "BAD_REQUEST: type must be one of executable, executable_pool"),
        (with("arguments", json!([{"name": "x"}])), "BAD_REQUEST: arguments[0].type is required"),
        (with("poolSize", json!(2)), "BAD_REQUEST: poolSize is only for executable_pool UDFs"),
        (with("commandReadTimeout", json!(0)), "BAD_REQUEST: commandReadTimeout must be a positive integer"),
        (
            with("uploadId", json!("00000000-0000-4000-8000-000000000000")),
            "BAD_REQUEST: Upload '00000000-0000-4000-8000-000000000000' not found, expired or already used",
        ),
    ] {
        let r = sim.post(&format!("{ORG}/udfs"), body).await;
        r.assert_ch_error(400, error);
        assert_eq!(r.error(), error);
    }
    sim.get(&format!("{ORG}/udfs/parse_ua")).await.assert_ch_error(404, "NOT_FOUND: UDF parse_ua not found");
}

#[tokio::test]
async fn attaching_needs_a_ready_version_and_a_running_service_and_settles_on_the_clock() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let up = upload(&sim).await;
    sim.post(&format!("{ORG}/udfs"), udf_body(&up)).await;
    let path = format!("{ORG}/udfs/parse_ua/attachments/{svc}");
    sim.ch(hyper::Method::PUT, &path, Some(json!({})))
        .await
        .assert_ch_error(409, "CONFLICT: UDF parse_ua has no ready version");
    sim.advance(30).await;
    let a = sim.ch(hyper::Method::PUT, &path, Some(json!({}))).await.assert_ok().clone();
    assert_eq!(a, json!({"functionName": "parse_ua", "serviceId": svc, "status": "provisioning", "version": 1}));
    sim.advance(20).await;
    assert_eq!(sim.get(&path).await.assert_ok()["status"], "deployed");
    assert_eq!(sim.get(&format!("{ORG}/udfs/parse_ua/attachments")).await.assert_ok()[0]["serviceId"], svc.as_str());
    sim.delete(&format!("{ORG}/udfs/parse_ua/versions/1")).await.assert_ch_error(409, "CONFLICT");
    assert_eq!(sim.delete(&path).await.status, 200);
    assert_eq!(sim.get(&path).await.assert_ok()["status"], "deprovisioning");
    sim.advance(20).await;
    sim.get(&path).await.assert_ch_error(404, "NOT_FOUND");
    let deleted = sim.delete(&format!("{ORG}/udfs/parse_ua/versions/1")).await;
    assert!(matches!(deleted.status, 200 | 204), "{}", deleted.text);
    // A stopped service: the official 424 body.
    let other = sim.running_service().await;
    // Its only version deleted, the UDF is gone; it can be created again.
    sim.get(&format!("{ORG}/udfs/parse_ua")).await.assert_ch_error(404, "NOT_FOUND");
    let up = upload(&sim).await;
    assert_eq!(sim.post(&format!("{ORG}/udfs"), udf_body(&up)).await.status, 201);
    sim.advance(30).await;
    force_state(&sim, &other, "stopped").await;
    let r = sim.ch(hyper::Method::PUT, &format!("{ORG}/udfs/parse_ua/attachments/{other}"), Some(json!({}))).await;
    r.assert_ch_error(424, "FAILED_DEPENDENCY");
    assert_eq!(
        (r.body["code"].as_str(), r.body["serviceState"].as_str(), r.body["canWake"].as_bool()),
        (Some("SERVICE_STOPPED"), Some("stopped"), Some(false))
    );
    // Deleting the UDF detaches it everywhere.
    sim.ch(hyper::Method::PUT, &path, Some(json!({"version": 1}))).await.assert_ok();
    assert_eq!(sim.delete(&format!("{ORG}/udfs/parse_ua")).await.status, 200);
    sim.get(&format!("{ORG}/udfs/parse_ua")).await.assert_ch_error(404, "NOT_FOUND");
}

/// Nothing prunes a UDF's versions or an organization's upload sessions, so both are
/// capped: versions by knob `clickhouse.maxUdfVersions`, live sessions at 1,000 (expired
/// ones are dropped as new ones are asked for). A refused upload uses nothing up.
#[tokio::test]
async fn udf_versions_and_upload_sessions_are_capped() {
    let sim = Sim::start().await;
    assert_eq!(sim.patch("/_sim/config", json!({"clickhouse.maxUdfVersions": 2})).await.status, 200);
    let up = upload(&sim).await;
    assert_eq!(sim.post(&format!("{ORG}/udfs"), udf_body(&up)).await.status, 201);
    let mut body = udf_body(&upload(&sim).await);
    body.as_object_mut().unwrap().remove("functionName");
    assert_eq!(sim.post(&format!("{ORG}/udfs/parse_ua/versions"), body).await.status, 201);
    let third = upload(&sim).await;
    let mut body = udf_body(&third);
    body.as_object_mut().unwrap().remove("functionName");
    sim.post(&format!("{ORG}/udfs/parse_ua/versions"), body.clone())
        .await
        .assert_ch_error(403, "FORBIDDEN: UDF version limit reached (2 versions");
    assert_eq!(sim.get(&format!("{ORG}/udfs/parse_ua/versions")).await.body["pagination"]["totalRecords"], 2);
    // The refused upload was not used up: deleting a version makes room for it.
    let deleted = sim.delete(&format!("{ORG}/udfs/parse_ua/versions/1")).await;
    assert!(matches!(deleted.status, 200 | 204), "{}", deleted.text);
    assert_eq!(sim.post(&format!("{ORG}/udfs/parse_ua/versions"), body).await.status, 201);

    // Upload sessions: 1,000 live ones at most; an hour later they have expired.
    for _ in 3..1_000 {
        upload(&sim).await;
    }
    let r = sim.post(&format!("{ORG}/udfUploads/url"), json!({})).await;
    r.assert_ch_error(403, "FORBIDDEN: UDF upload limit reached");
    sim.advance(3600).await;
    upload(&sim).await;
}

#[tokio::test]
async fn knob_udf_upload_base_url_sets_the_base_of_the_upload_url_and_is_validated() {
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/udfUploads/url"), json!({})).await;
    let (id, url) = (r.body["result"]["uploadId"].as_str().unwrap(), r.body["result"]["uploadUrl"].as_str().unwrap());
    let host = sim.url().trim_start_matches("http://").to_owned();
    assert_eq!(url, format!("http://{host}/_sim/clickhouse/udfUploads/{id}"), "default: the simulator itself");

    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.udfUploadBaseUrl": "https://127.0.0.1:8443/"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.post(&format!("{ORG}/udfUploads/url"), json!({})).await;
    let (id, url) = (r.body["result"]["uploadId"].as_str().unwrap(), r.body["result"]["uploadUrl"].as_str().unwrap());
    assert_eq!(url, format!("https://127.0.0.1:8443/_sim/clickhouse/udfUploads/{id}"));
    // The path behind the base is the simulator's own: a proxy forwards it unchanged.
    let put = sim
        .send_raw(hyper::Method::PUT, &format!("/_sim/clickhouse/udfUploads/{id}"), None, Some(b"zip".to_vec()), &[])
        .await;
    assert_eq!(put.status, 200, "{}", put.text);

    for bad in ["ftp://x", "127.0.0.1:8443", "https://", "https://h?x=1"] {
        let r = sim.sim_patch("/_sim/config", json!({"clickhouse.udfUploadBaseUrl": bad})).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert!(r.text.contains("clickhouse.udfUploadBaseUrl"), "{}", r.text);
    }
    let r = sim.sim_get("/_sim/config").await;
    let knob = r.body["knobs"].as_array().unwrap().iter().find(|k| k["name"] == "clickhouse.udfUploadBaseUrl").cloned();
    assert_eq!(
        knob.map(|k| k["value"].clone()),
        Some(json!("https://127.0.0.1:8443")),
        "a refused value changes nothing"
    );
}

/// Real clients upload the archive as they please (clickhousectl sends
/// `application/zip`): the upload hook takes any Content-Type, and the control API's JSON
/// rule still holds for every other `/_sim/` mutation.
#[tokio::test]
async fn the_upload_hook_takes_an_archive_of_any_content_type_and_only_it_does() {
    let sim = Sim::start().await;
    for (n, ctype) in ["application/zip", "application/octet-stream", "text/plain"].into_iter().enumerate() {
        let r = sim.post(&format!("{ORG}/udfUploads/url"), json!({})).await;
        let id = r.body["result"]["uploadId"].as_str().unwrap().to_owned();
        let put = sim
            .send_raw(
                hyper::Method::PUT,
                &format!("/_sim/clickhouse/udfUploads/{id}"),
                None,
                Some(b"PK\x03\x04 zip".to_vec()),
                &[("content-type", ctype)],
            )
            .await;
        assert_eq!(put.status, 200, "{ctype}: {}", put.text);
        assert_eq!(put.body["received"], 8, "{n}: {}", put.text);
    }
    // Another provider hook and a core route keep the rule.
    for path in ["/_sim/clickhouse/organizations", "/_sim/state"] {
        let r = sim
            .send_raw(hyper::Method::PUT, path, None, Some(b"PK".to_vec()), &[("content-type", "application/zip")])
            .await;
        assert_eq!(r.status, 415, "{path}: {}", r.text);
    }
}
