//! Services (spec §5 E1–E12, §9.2 S5/S6): the happy path of every services endpoint,
//! black-box over HTTP. Tests T-10..T-22, T-51, T-53, T-56, T-57, T-63, T-64.
//!
//! Error paths live in `validation.rs`, state refusals in `state_machine.rs`. The small
//! helpers at the top are shared with those siblings (`super::services::...`).

use base64::Engine;
use hyper::Method;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::support::*;

/// `ORG/services/{id}`
pub(super) fn svc(id: &str) -> String {
    format!("{ORG}/services/{id}")
}

/// `ORG/services/{id}/{tail}`
pub(super) fn svc_path(id: &str, tail: &str) -> String {
    format!("{ORG}/services/{id}/{tail}")
}

/// `ORG/services`
pub(super) fn services_path() -> String {
    format!("{ORG}/services")
}

/// The minimal create body of T-10 with `extra` merged in.
pub(super) fn create_body(extra: Value) -> Value {
    let mut body = json!({"name": "my service", "provider": "aws", "region": "us-east-1"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

/// `GET ORG/services/{id}` → `result`.
pub(super) async fn get_service(sim: &Sim, id: &str) -> Value {
    let r = sim.get(&svc(id)).await;
    r.assert_ok().clone()
}

/// Sets knobs through `PATCH /_sim/config`.
pub(super) async fn set_knobs(sim: &Sim, knobs: Value) {
    let r = sim.sim_patch("/_sim/config", knobs).await;
    assert_eq!(r.status, 200, "knobs: {}", r.text);
}

/// Forces a service state through the control hook.
pub(super) async fn force_state(sim: &Sim, id: &str, state: &str) {
    let r = sim.sim_post(&format!("/_sim/clickhouse/services/{id}/state"), json!({ "state": state })).await;
    assert_eq!(r.status, 200, "force state: {}", r.text);
    assert_eq!(sim.state_of(id).await, state);
}

/// The protocols of a service's `endpoints`, in order.
fn protocols(service: &Value) -> Vec<String> {
    service["endpoints"].as_array().expect("endpoints").iter().map(|e| e["protocol"].as_str().unwrap().into()).collect()
}

fn sources(service: &Value) -> Vec<String> {
    service["ipAccessList"]
        .as_array()
        .expect("ipAccessList")
        .iter()
        .map(|e| e["source"].as_str().unwrap().into())
        .collect()
}

fn sha256_base64(pw: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(pw.as_bytes()))
}

fn double_sha1_hex(pw: &str) -> String {
    Sha1::digest(Sha1::digest(pw.as_bytes())).iter().map(|b| format!("{b:02x}")).collect()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

// ---- E2 create, E3 get, E1 list -------------------------------------------------------

#[tokio::test]
async fn create_is_provisioning_then_running_after_provisioning_time() {
    let sim = Sim::start().await;
    let r = sim.post(&services_path(), create_body(json!({}))).await;
    let result = r.assert_ok();
    let svc = &result["service"];
    assert_eq!(svc["state"], "provisioning");
    assert_eq!(result["password"].as_str().unwrap().len(), 16);
    assert_eq!(svc["numReplicas"], 3);
    assert_eq!(svc["idleScaling"], true);
    assert_eq!(svc["releaseChannel"], "default");
    assert_eq!(svc["isPrimary"], true);
    assert_eq!(protocols(svc), ["https", "nativesecure"]);
    let id = svc["id"].as_str().unwrap();
    assert_eq!(sim.state_of(id).await, "provisioning"); // T-11
    let adv = sim.advance(60).await; // T-12
    assert_eq!(adv["transitions"][0]["to"], "running");
    assert_eq!(adv["transitions"][0]["from"], "provisioning");
    assert_eq!(adv["transitions"][0]["id"], id);
    assert_eq!(sim.state_of(id).await, "running");
}

#[tokio::test]
async fn create_applies_every_documented_default() {
    let sim = Sim::start().await;
    let r = sim.post(&services_path(), create_body(json!({}))).await;
    let result = r.assert_ok();
    assert!(is_uuid(r.body["requestId"].as_str().unwrap()));
    let s = &result["service"];
    assert!(is_uuid(s["id"].as_str().unwrap()));
    assert_eq!(s["name"], "my service");
    assert_eq!(s["provider"], "aws");
    assert_eq!(s["region"], "us-east-1");
    assert_eq!(s["clickhouseVersion"], "25.8.1.8344");
    assert_eq!(s["minReplicaMemoryGb"], 8);
    assert_eq!(s["maxReplicaMemoryGb"], 120);
    assert_eq!(s["minTotalMemoryGb"], 24);
    assert_eq!(s["maxTotalMemoryGb"], 360);
    assert_eq!(s["idleTimeoutMinutes"], 15);
    assert_eq!(s["ipAccessList"], json!([]));
    assert_eq!(s["createdAt"], "2025-01-01T00:00:00Z");
    assert_eq!(s["privateEndpointIds"], json!([]));
    assert_eq!(s["availablePrivateEndpointIds"], json!([]));
    assert!(is_uuid(s["dataWarehouseId"].as_str().unwrap()));
    assert_eq!(s["isReadonly"], false);
    assert_eq!(s["hasTransparentDataEncryption"], false);
    assert_eq!(s["tags"], json!([]));
    assert_eq!(s["enableCoreDumps"], true);
    let id = s["id"].as_str().unwrap();
    assert_eq!(s["iamRole"], format!("arn:aws:iam::000000000000:role/CH-S3-{}-Role", &id[..8]));
    // Strings never set are omitted, not null (§4.2); a non-legacy org has no tier.
    for absent in ["tier", "encryptionKey", "byocId", "profile", "complianceType", "transparentDataEncryptionKeyId"] {
        assert!(s.get(absent).is_none(), "{absent} must be omitted: {s}");
    }
    // Endpoints: one host, https 8443, nativesecure 9440, no mysql (§4.3).
    let eps = s["endpoints"].as_array().unwrap();
    let host = eps[0]["host"].as_str().unwrap();
    let sub = host.strip_suffix(".us-east-1.aws.clickhouse.cloud").expect("host shape");
    assert_eq!(sub.len(), 10);
    assert!(sub.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(eps[0], json!({"protocol": "https", "host": host, "port": 8443}));
    assert_eq!(eps[1], json!({"protocol": "nativesecure", "host": host, "port": 9440}));
    // The generated password mixes classes (§E2 step 4).
    let pw = result["password"].as_str().unwrap();
    assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
    assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
    assert!(pw.chars().any(|c| c.is_ascii_digit()));
    assert!(pw.chars().any(|c| "~!@#$%^&*_-+=".contains(c)));
    // GET answers the same service.
    let got = get_service(&sim, id).await;
    assert_eq!(&got, s);
}

#[tokio::test]
async fn create_stores_the_password_hashes_of_the_password_it_returns() {
    let sim = Sim::start().await;
    let r = sim.post(&services_path(), create_body(json!({}))).await;
    let result = r.assert_ok();
    let pw = result["password"].as_str().unwrap();
    let id = result["service"]["id"].as_str().unwrap();
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["sha256Base64"], sha256_base64(pw));
    assert_eq!(h.body["doubleSha1Hex"], double_sha1_hex(pw));
}

#[tokio::test]
async fn create_with_the_seed_b_example_body_enables_mysql_and_reports_totals() {
    // T-14: SEED-B lines 17-49, minus backupId/byocId/dataWarehouseId/isReadonly which
    // need existing resources.
    let sim = Sim::start().await;
    let body = create_body(json!({
        "endpoints": [{"enabled": true, "protocol": "mysql"}],
        "idleScaling": true,
        "idleTimeoutMinutes": 123,
        "ipAccessList": [{"description": "office", "source": "10.0.0.0/8"}],
        "maxReplicaMemoryGb": 120,
        "maxTotalMemoryGb": 360,
        "minReplicaMemoryGb": 16,
        "minTotalMemoryGb": 48,
        "numReplicas": 3,
        "privatePreviewTermsChecked": true
    }));
    let r = sim.post(&services_path(), body).await;
    let s = &r.assert_ok()["service"];
    assert_eq!(s["minTotalMemoryGb"], 48);
    assert_eq!(s["maxTotalMemoryGb"], 360);
    assert_eq!(s["minReplicaMemoryGb"], 16);
    assert_eq!(s["maxReplicaMemoryGb"], 120);
    assert_eq!(s["numReplicas"], 3);
    assert_eq!(s["idleTimeoutMinutes"], 123);
    assert_eq!(s["ipAccessList"], json!([{"source": "10.0.0.0/8", "description": "office"}]));
    assert_eq!(protocols(s), ["https", "nativesecure", "mysql"]);
    let mysql = &s["endpoints"][2];
    let host = mysql["host"].as_str().unwrap();
    let sub = host.split('.').next().unwrap();
    assert_eq!(mysql["port"], 3306);
    assert_eq!(mysql["username"], format!("mysql4{sub}"));
    assert_eq!(host, s["endpoints"][0]["host"].as_str().unwrap());
}

#[tokio::test]
async fn create_with_the_real_client_default_body_echoes_tier_production() {
    // T-15: what real client tools send by default (§9.0).
    let sim = Sim::start().await;
    let body = create_body(json!({
        "tier": "production", "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 120,
        "numReplicas": 3, "idleScaling": true
    }));
    let r = sim.post(&services_path(), body).await;
    let s = &r.assert_ok()["service"];
    assert_eq!(s["tier"], "production");
    assert_eq!(s["minReplicaMemoryGb"], 16);
    assert_eq!(s["maxTotalMemoryGb"], 360);
}

#[tokio::test]
async fn create_treats_explicit_nulls_as_absent() {
    // T-16 (§2.4: RC sends nulls for unset options).
    let sim = Sim::start().await;
    let body = create_body(json!({
        "tier": null, "idleTimeoutMinutes": null, "minReplicaMemoryGb": null, "maxReplicaMemoryGb": null,
        "numReplicas": null, "ipAccessList": null, "releaseChannel": null, "endpoints": null, "backupId": null
    }));
    let r = sim.post(&services_path(), body).await;
    let s = &r.assert_ok()["service"];
    assert!(s.get("tier").is_none());
    assert_eq!(s["idleTimeoutMinutes"], 15);
    assert_eq!(s["minReplicaMemoryGb"], 8);
    assert_eq!(s["numReplicas"], 3);
    assert_eq!(s["releaseChannel"], "default");
}

#[tokio::test]
async fn create_ignores_unknown_fields_by_default() {
    let sim = Sim::start().await;
    let body = create_body(json!({"futureField": 1, "anotherNewField": {"x": [1]}}));
    sim.post(&services_path(), body).await.assert_ok();
    assert_eq!(sim.service_count().await, 1);
}

#[tokio::test]
async fn create_development_tier_has_fixed_size_and_ignores_replica_memory() {
    // CH-R15: real clients always send replica memory; a development service is 8/8.
    let sim = Sim::start().await;
    let body = create_body(json!({"tier": "development", "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 120}));
    let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
    assert_eq!(s["tier"], "development");
    assert_eq!(s["minReplicaMemoryGb"], 8);
    assert_eq!(s["maxReplicaMemoryGb"], 8);
    assert_eq!(s["maxTotalMemoryGb"], 24);
}

#[tokio::test]
async fn create_from_totals_only_derives_replica_memory() {
    let sim = Sim::start().await;
    let body = create_body(json!({"minTotalMemoryGb": 48, "maxTotalMemoryGb": 720}));
    let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
    assert_eq!(s["minReplicaMemoryGb"], 16);
    assert_eq!(s["maxReplicaMemoryGb"], 240);
    assert_eq!(s["minTotalMemoryGb"], 48);
    assert_eq!(s["maxTotalMemoryGb"], 720);
}

#[tokio::test]
async fn create_echoes_optional_fields() {
    let sim = Sim::start().await;
    let body = create_body(json!({
        "provider": "gcp", "region": "europe-west4",
        "encryptionKey": "projects/p/keys/k", "encryptionAssumedRoleIdentifier": "role-x",
        "releaseChannel": "fast", "complianceType": "hipaa", "idleScaling": false,
        "tags": [{"key": "env", "value": "prod"}, {"key": "team"}], "enableCoreDumps": false
    }));
    let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
    assert_eq!(s["encryptionKey"], "projects/p/keys/k");
    assert_eq!(s["encryptionAssumedRoleIdentifier"], "role-x");
    assert_eq!(s["releaseChannel"], "fast");
    assert_eq!(s["complianceType"], "hipaa");
    assert_eq!(s["idleScaling"], false);
    assert_eq!(s["tags"], json!([{"key": "env", "value": "prod"}, {"key": "team"}]));
    assert_eq!(s["enableCoreDumps"], false);
    assert!(s.get("iamRole").is_none(), "iamRole is aws only");
    assert!(s["endpoints"][0]["host"].as_str().unwrap().ends_with(".europe-west4.gcp.clickhouse.cloud"));
}

#[tokio::test]
async fn create_in_an_enterprise_org_accepts_profile_and_transparent_data_encryption() {
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"tier": "ENTERPRISE"})).await;
    let body = create_body(json!({"profile": "v1-highcpu-s", "hasTransparentDataEncryption": true}));
    let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
    assert_eq!(s["profile"], "v1-highcpu-s");
    assert_eq!(s["hasTransparentDataEncryption"], true);
    assert!(is_uuid(s["transparentDataEncryptionKeyId"].as_str().unwrap()));
    assert!(s["encryptionRoleId"].as_str().unwrap().starts_with("arn:aws:iam::000000000000:role/CH-TDE-"));
    // E4 rotates the TDE key.
    let id = s["id"].as_str().unwrap();
    let r = sim.patch(&svc(id), json!({"transparentDataEncryptionKeyId": "key-2"})).await;
    assert_eq!(r.assert_ok()["transparentDataEncryptionKeyId"], "key-2");
}

#[tokio::test]
async fn create_in_a_basic_org_defaults_to_one_replica() {
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"tier": "BASIC"})).await;
    let s = sim.post(&services_path(), create_body(json!({}))).await.assert_ok()["service"].clone();
    assert_eq!(s["numReplicas"], 1);
}

#[tokio::test]
async fn create_in_a_legacy_tier_org_reports_production_when_no_tier_was_given() {
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"legacyTiers": true})).await;
    let s = sim.post(&services_path(), create_body(json!({}))).await.assert_ok()["service"].clone();
    assert_eq!(s["tier"], "production");
}

#[tokio::test]
async fn create_in_an_existing_warehouse_is_a_secondary_with_one_replica_allowed() {
    let sim = Sim::start().await;
    let primary = get_service(&sim, &sim.create_service(json!({})).await).await;
    let wh = primary["dataWarehouseId"].as_str().unwrap();
    let body = create_body(json!({"name": "reader", "dataWarehouseId": wh, "numReplicas": 1, "isReadonly": true}));
    let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
    assert_eq!(s["dataWarehouseId"], wh);
    assert_eq!(s["isPrimary"], false);
    assert_eq!(s["isReadonly"], true);
    assert_eq!(s["numReplicas"], 1);
}

#[tokio::test]
async fn create_with_an_infra_ready_byoc_config_accepts_byoc_sizes() {
    // T-31, last case.
    let sim = Sim::start().await;
    sim.org_attrs(
        ORG_ID,
        json!({"byocConfig": [{"id": "b1", "state": "infra-ready", "accountName": "acct", "regionId": "us-east-1",
                               "cloudProvider": "aws", "displayName": "byoc"}]}),
    )
    .await;
    let body = create_body(json!({"byocId": "b1", "minReplicaMemoryGb": 48, "maxReplicaMemoryGb": 232}));
    let s = sim.post(&services_path(), body.clone()).await.assert_ok()["service"].clone();
    assert_eq!(s["byocId"], "b1");
    assert_eq!(s["minReplicaMemoryGb"], 48);
    assert_eq!(s["maxReplicaMemoryGb"], 232);
    // The unpaid cap of CH-R10 does not apply to BYOC sizes.
    sim.org_attrs(ORG_ID, json!({"paid": false})).await;
    sim.post(&services_path(), body).await.assert_ok();
}

#[tokio::test]
async fn create_and_update_accept_any_name_of_1_to_50_characters_as_the_live_api() {
    // Official ServicePostRequest.name: minLength 1, maxLength 50, no pattern; clickhousectl
    // creates hyphenated names.
    let sim = Sim::start().await;
    for name in ["my-svc-1", "svc_2", "v1.2", "caf\u{e9} \u{1f680}", "   ", &"x".repeat(50)] {
        let s = sim.post(&services_path(), create_body(json!({ "name": name }))).await.assert_ok()["service"].clone();
        assert_eq!(s["name"], name);
        let id = s["id"].as_str().unwrap().to_owned();
        let renamed = format!("{}-renamed", &name[..name.len().min(40)]);
        let r = sim.patch(&svc(&id), json!({ "name": renamed })).await;
        assert_eq!(r.assert_ok()["name"], renamed.as_str());
    }
}

#[tokio::test]
async fn create_accepts_lenient_names_when_the_knob_says_so() {
    // T-24, second half: knob serviceNameCharset=lenient.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.serviceNameCharset": "lenient"})).await;
    let s = sim.post(&services_path(), create_body(json!({"name": "my-service_v1.2"}))).await.assert_ok()["service"]
        .clone();
    assert_eq!(s["name"], "my-service_v1.2");
}

#[tokio::test]
async fn create_accepts_every_official_region_of_each_provider_and_no_other() {
    // The official document's region enum (24), grouped by provider; SEED-B's extra
    // me-central-1 only under knob regionSet=seed.
    let sim = Sim::start().await;
    let official = [
        ("aws", "ap-northeast-1"),
        ("aws", "ap-northeast-2"),
        ("aws", "ap-south-1"),
        ("aws", "ap-southeast-1"),
        ("aws", "ap-southeast-2"),
        ("aws", "ca-central-1"),
        ("aws", "eu-central-1"),
        ("aws", "eu-west-1"),
        ("aws", "eu-west-2"),
        ("aws", "il-central-1"),
        ("aws", "us-east-1"),
        ("aws", "us-east-2"),
        ("aws", "us-west-2"),
        ("gcp", "us-east1"),
        ("gcp", "us-central1"),
        ("gcp", "europe-west2"),
        ("gcp", "europe-west4"),
        ("gcp", "asia-southeast1"),
        ("gcp", "asia-northeast1"),
        ("azure", "eastus"),
        ("azure", "eastus2"),
        ("azure", "westus3"),
        ("azure", "germanywestcentral"),
        ("azure", "centralus"),
    ];
    for (provider, region) in official {
        let body = create_body(json!({"name": format!("svc {region}"), "provider": provider, "region": region}));
        let s = sim.post(&services_path(), body).await.assert_ok()["service"].clone();
        assert_eq!((s["provider"].as_str(), s["region"].as_str()), (Some(provider), Some(region)));
    }
    let r = sim.post(&services_path(), create_body(json!({"region": "me-central-1"}))).await;
    r.assert_ch_error(400, "BAD_REQUEST: Unsupported region 'me-central-1'");
    set_knobs(&sim, json!({"clickhouse.regionSet": "seed"})).await;
    // SEED-B's extra region is outside the official contract (its region enum).
    sim.skip_schema_check();
    sim.post(&services_path(), create_body(json!({"region": "me-central-1"}))).await.assert_ok();
}

#[tokio::test]
async fn create_accepts_the_boundary_values() {
    // T-30 (356 paid), T-35 (idleTimeoutMinutes 5), numReplicas 20, totals 1068.
    let sim = Sim::start().await;
    let cases = [
        json!({"minReplicaMemoryGb": 356, "maxReplicaMemoryGb": 356}),
        json!({"minReplicaMemoryGb": 8, "maxReplicaMemoryGb": 8}),
        json!({"idleTimeoutMinutes": 5}),
        json!({"numReplicas": 20}),
        json!({"numReplicas": 2}),
        json!({"minTotalMemoryGb": 24, "maxTotalMemoryGb": 1068}),
        json!({"minReplicaMemoryGb": 16.0}),
        json!({"ipAccessList": [{"source": "0.0.0.0/0"}, {"source": "2001:db8::/32", "description": "v6"}]}),
        json!({"ipAccessList": [{"source": "10.1.2.3/8"}, {"source": "::1"}, {"source": "192.168.0.1"}]}),
    ];
    for (i, extra) in cases.iter().enumerate() {
        let r = sim.post(&services_path(), create_body(extra.clone())).await;
        assert_eq!(r.status, 200, "case {i} {extra}: {}", r.text);
    }
    assert_eq!(sim.service_count().await, cases.len());
}

#[tokio::test]
async fn get_service_is_stable_between_calls() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let a = get_service(&sim, &id).await;
    let b = get_service(&sim, &id).await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn list_returns_every_service_oldest_first() {
    // T-13 and E1 ordering.
    let sim = Sim::start().await;
    let r = sim.get(&services_path()).await;
    assert_eq!(r.assert_ok(), &json!([]));
    let a = sim.create_service(json!({"name": "first"})).await;
    sim.advance(1).await;
    let b = sim.create_service(json!({"name": "second"})).await;
    let r = sim.get(&services_path()).await;
    let ids: Vec<&str> = r.assert_ok().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
}

#[tokio::test]
async fn list_filters_by_tag_key_and_value() {
    let sim = Sim::start().await;
    // One second apart: the list is ordered by createdAt, then id (E1).
    let prod = sim.create_service(json!({"name": "prod", "tags": [{"key": "env", "value": "prod"}]})).await;
    sim.advance(1).await;
    let dev = sim.create_service(json!({"name": "dev", "tags": [{"key": "env", "value": "dev"}, {"key": "x"}]})).await;
    sim.create_service(json!({"name": "untagged"})).await;
    let ids = |r: &Resp| -> Vec<String> {
        r.assert_ok().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
    };
    let (prod, dev) = (prod.as_str(), dev.as_str());
    let r = sim.get(&format!("{}?filter=tag:env=prod", services_path())).await;
    assert_eq!(ids(&r), [prod]);
    let r = sim.get(&format!("{}?filter=tag:env", services_path())).await;
    assert_eq!(ids(&r), [prod, dev]);
    // Several filters AND together.
    let r = sim.get(&format!("{}?filter=tag:env&filter=tag:x", services_path())).await;
    assert_eq!(ids(&r), [dev]);
    let r = sim.get(&format!("{}?filter=tag:env=nope", services_path())).await;
    assert_eq!(ids(&r), Vec::<String>::new());
    // Percent-encoded filters decode.
    let r = sim.get(&format!("{}?filter=tag%3Aenv%3Ddev", services_path())).await;
    assert_eq!(ids(&r), [dev]);
}

#[tokio::test]
async fn list_and_get_tolerate_a_trailing_slash_and_real_client_headers() {
    // §2.1 trailing slash; §2.4 RC sends Content-Type and Accept on GET and DELETE too.
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let h = [("content-type", "application/json"), ("accept", "application/json")];
    let r = sim.send(Method::GET, &format!("{}/", services_path()), Some(KEY), None, &h).await;
    assert_eq!(r.assert_ok().as_array().unwrap().len(), 1);
    let r = sim.send(Method::GET, &format!("{}/", svc(&id)), Some(KEY), None, &h).await;
    assert_eq!(r.assert_ok()["id"], id.as_str());
    force_state(&sim, &id, "stopped").await;
    let r = sim.send(Method::DELETE, &svc(&id), Some(KEY), None, &h).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.header("x-request-id"), r.body["requestId"].as_str());
}

#[tokio::test]
async fn many_concurrent_creates_get_distinct_ids_and_all_show_in_the_list() {
    // T-88
    let sim = std::sync::Arc::new(Sim::start().await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100 {
        let sim = sim.clone();
        tasks.spawn(async move {
            let r = sim.post(&services_path(), create_body(json!({"name": format!("svc {i}")}))).await;
            r.assert_ok()["service"]["id"].as_str().expect("id").to_owned()
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(id) = tasks.join_next().await {
        ids.insert(id.expect("task"));
    }
    assert_eq!(ids.len(), 100);
    let listed: std::collections::BTreeSet<String> = sim
        .get(&services_path())
        .await
        .assert_ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids);
}

// ---- E4 update ------------------------------------------------------------------------

#[tokio::test]
async fn patch_name_renames_and_keeps_the_state() {
    // T-17
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim.patch(&svc(&id), json!({"name": "renamed"})).await;
    let s = r.assert_ok();
    assert_eq!(s["name"], "renamed");
    assert_eq!(s["state"], "running");
    assert_eq!(get_service(&sim, &id).await["name"], "renamed");
}

#[tokio::test]
async fn patch_ip_access_list_adds_then_removes_by_source() {
    // T-18
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"ipAccessList": [{"source": "10.0.0.0/8", "description": "office"}]})).await;
    let r = sim.patch(&svc(&id), json!({"ipAccessList": {"add": [{"source": "1.2.3.4"}], "remove": []}})).await;
    assert_eq!(sources(r.assert_ok()), ["10.0.0.0/8", "1.2.3.4"]);
    // Remove matches on source (description ignored).
    let r =
        sim.patch(&svc(&id), json!({"ipAccessList": {"remove": [{"source": "1.2.3.4", "description": "?"}]}})).await;
    assert_eq!(sources(r.assert_ok()), ["10.0.0.0/8"]);
    // Removing an absent entry is a no-op.
    let r = sim.patch(&svc(&id), json!({"ipAccessList": {"remove": [{"source": "9.9.9.9"}]}})).await;
    assert_eq!(sources(r.assert_ok()), ["10.0.0.0/8"]);
    // Adding an existing source replaces its description.
    let r =
        sim.patch(&svc(&id), json!({"ipAccessList": {"add": [{"source": "10.0.0.0/8", "description": "vpn"}]}})).await;
    assert_eq!(r.assert_ok()["ipAccessList"], json!([{"source": "10.0.0.0/8", "description": "vpn"}]));
    // Remove runs before add (O1): removing and adding the same source keeps it.
    let r = sim
        .patch(
            &svc(&id),
            json!({"ipAccessList": {"remove": [{"source": "10.0.0.0/8"}], "add": [{"source": "10.0.0.0/8"}]}}),
        )
        .await;
    assert_eq!(sources(r.assert_ok()), ["10.0.0.0/8"]);
    assert_eq!(sources(&get_service(&sim, &id).await), ["10.0.0.0/8"]);
}

#[tokio::test]
async fn patch_endpoints_toggles_mysql() {
    // T-20
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.patch(&svc(&id), json!({"endpoints": [{"protocol": "mysql", "enabled": true}]})).await;
    let s = r.assert_ok();
    assert_eq!(protocols(s), ["https", "nativesecure", "mysql"]);
    assert_eq!(s["endpoints"][2]["port"], 3306);
    let r = sim.patch(&svc(&id), json!({"endpoints": [{"protocol": "mysql", "enabled": false}]})).await;
    assert_eq!(protocols(r.assert_ok()), ["https", "nativesecure"]);
}

#[tokio::test]
async fn patch_release_channel_changes_it() {
    // T-21
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.patch(&svc(&id), json!({"releaseChannel": "fast"})).await;
    assert_eq!(r.assert_ok()["releaseChannel"], "fast");
    let r = sim.patch(&svc(&id), json!({"releaseChannel": "slow"})).await;
    assert_eq!(r.assert_ok()["releaseChannel"], "slow");
}

#[tokio::test]
async fn patch_with_an_unknown_field_or_an_empty_body_changes_nothing() {
    // T-22 and "empty body {} → 200 unchanged" (§E4).
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let before = get_service(&sim, &id).await;
    let r = sim.patch(&svc(&id), json!({"foo": 1})).await;
    assert_eq!(r.assert_ok(), &before);
    let r = sim.patch(&svc(&id), json!({})).await;
    assert_eq!(r.assert_ok(), &before);
    // An empty body (no bytes) reads as {} too (§2.4).
    let r = sim.send_raw(Method::PATCH, &svc(&id), Some(KEY), None, &[]).await;
    assert_eq!(r.assert_ok(), &before);
}

#[tokio::test]
async fn patch_tags_adds_and_removes_and_accepts_the_one_element_array_shape() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"tags": [{"key": "env", "value": "dev"}]})).await;
    let r = sim
        .patch(&svc(&id), json!({"tags": {"add": [{"key": "team", "value": "a"}, {"key": "env", "value": "prod"}]}}))
        .await;
    assert_eq!(r.assert_ok()["tags"], json!([{"key": "team", "value": "a"}, {"key": "env", "value": "prod"}]));
    let r = sim.patch(&svc(&id), json!({"tags": [{"remove": [{"key": "team"}]}]})).await;
    assert_eq!(r.assert_ok()["tags"], json!([{"key": "env", "value": "prod"}]));
}

#[tokio::test]
async fn patch_enable_core_dumps_turns_them_off_and_on() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.patch(&svc(&id), json!({"enableCoreDumps": false})).await;
    assert_eq!(r.assert_ok()["enableCoreDumps"], false);
    let r = sim.patch(&svc(&id), json!({"enableCoreDumps": true})).await;
    assert_eq!(r.assert_ok()["enableCoreDumps"], true);
}

// ---- E6 private endpoint config, S6 private endpoint ---------------------------------

#[tokio::test]
async fn private_endpoint_config_of_an_aws_service_names_the_vpce_service() {
    // T-63
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let s = get_service(&sim, &id).await;
    let sub = s["endpoints"][0]["host"].as_str().unwrap().split('.').next().unwrap().to_owned();
    let r = sim.get(&svc_path(&id, "privateEndpointConfig")).await;
    let c = r.assert_ok().clone();
    let esid = c["endpointServiceId"].as_str().unwrap();
    let suffix = esid.strip_prefix("com.amazonaws.vpce.us-east-1.vpce-svc-").expect("aws endpoint service id");
    assert_eq!(suffix.len(), 17);
    assert!(suffix.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(c["privateDnsHostname"], format!("{sub}.us-east-1.vpce.aws.clickhouse.cloud"));
    // Stable per service.
    assert_eq!(sim.get(&svc_path(&id, "privateEndpointConfig")).await.assert_ok(), &c);
}

#[tokio::test]
async fn private_endpoint_config_follows_the_provider() {
    let sim = Sim::start().await;
    let gcp = sim.create_service(json!({"provider": "gcp", "region": "us-central1"})).await;
    let c = sim.get(&svc_path(&gcp, "privateEndpointConfig")).await.assert_ok().clone();
    assert_eq!(
        c["endpointServiceId"],
        "projects/ch-sim-us-central1/regions/us-central1/serviceAttachments/clickhouse-cloud"
    );
    assert!(c["privateDnsHostname"].as_str().unwrap().ends_with(".us-central1.p.gcp.clickhouse.cloud"));
    let azure = sim.create_service(json!({"provider": "azure", "region": "eastus2"})).await;
    let c = sim.get(&svc_path(&azure, "privateEndpointConfig")).await.assert_ok().clone();
    assert!(c["endpointServiceId"].as_str().unwrap().starts_with("clickhouse-cloud-eastus2."));
    assert!(c["endpointServiceId"].as_str().unwrap().ends_with(".eastus2.azure.privatelinkservice"));
    assert!(c["privateDnsHostname"].as_str().unwrap().ends_with(".eastus2.privatelink.azure.clickhouse.cloud"));
}

#[tokio::test]
async fn private_endpoint_becomes_available_and_can_be_attached_and_detached() {
    // T-64
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let other_region = sim.create_service(json!({"name": "west", "region": "us-west-2"})).await;
    let r = sim.post(&svc_path(&id, "privateEndpoint"), json!({"id": "vpce-123", "description": "d"})).await;
    assert_eq!(
        r.assert_ok(),
        &json!({"id": "vpce-123", "description": "d", "cloudProvider": "aws", "region": "us-east-1"})
    );
    let s = get_service(&sim, &id).await;
    assert_eq!(s["availablePrivateEndpointIds"], json!(["vpce-123"]));
    assert_eq!(s["privateEndpointIds"], json!([]));
    // Another region does not see it.
    assert_eq!(get_service(&sim, &other_region).await["availablePrivateEndpointIds"], json!([]));
    let r = sim.patch(&svc(&id), json!({"privateEndpointIds": {"add": ["vpce-123"]}})).await;
    let s = r.assert_ok();
    assert_eq!(s["privateEndpointIds"], json!(["vpce-123"]));
    assert_eq!(s["availablePrivateEndpointIds"], json!([]));
    let r = sim.patch(&svc(&id), json!({"privateEndpointIds": {"remove": ["vpce-123"]}})).await;
    let s = r.assert_ok();
    assert_eq!(s["privateEndpointIds"], json!([]));
    assert_eq!(s["availablePrivateEndpointIds"], json!(["vpce-123"]));
}

#[tokio::test]
async fn create_may_attach_a_known_private_endpoint() {
    // deprecated on create but accepted with the CH-R24 check.
    let sim = Sim::start().await;
    let first = sim.create_service(json!({})).await;
    sim.post(&svc_path(&first, "privateEndpoint"), json!({"id": "vpce-9"})).await.assert_ok();
    let s = sim
        .post(&services_path(), create_body(json!({"name": "second", "privateEndpointIds": ["vpce-9"]})))
        .await
        .assert_ok()["service"]
        .clone();
    assert_eq!(s["privateEndpointIds"], json!(["vpce-9"]));
    assert_eq!(s["availablePrivateEndpointIds"], json!([]));
}

// ---- E11 / S5 scaling -----------------------------------------------------------------

#[tokio::test]
async fn scaling_totals_sets_replica_memory_to_a_third() {
    // T-51
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim
        .patch(
            &svc_path(&id, "scaling"),
            json!({"minTotalMemoryGb": 48, "maxTotalMemoryGb": 360, "idleTimeoutMinutes": 10}),
        )
        .await;
    let s = r.assert_ok();
    assert_eq!(s["minReplicaMemoryGb"], 16);
    assert_eq!(s["maxReplicaMemoryGb"], 120);
    assert_eq!(s["minTotalMemoryGb"], 48);
    assert_eq!(s["maxTotalMemoryGb"], 360);
    assert_eq!(s["idleTimeoutMinutes"], 10);
    assert_eq!(s["state"], "running");
    assert_eq!(&get_service(&sim, &id).await, s);
}

#[tokio::test]
async fn scaling_totals_accepts_num_replicas_and_idle_scaling() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.patch(&svc_path(&id, "scaling"), json!({"numReplicas": 5, "idleScaling": false})).await;
    let s = r.assert_ok();
    assert_eq!(s["numReplicas"], 5);
    assert_eq!(s["idleScaling"], false);
    assert_eq!(s["minReplicaMemoryGb"], 8, "memory untouched");
}

#[tokio::test]
async fn replica_scaling_sets_replica_memory_and_recomputes_totals() {
    // T-53
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let r = sim
        .patch(
            &svc_path(&id, "replicaScaling"),
            json!({"minReplicaMemoryGb": 24, "maxReplicaMemoryGb": 48, "numReplicas": 2}),
        )
        .await;
    let s = r.assert_ok();
    assert_eq!(s["minReplicaMemoryGb"], 24);
    assert_eq!(s["maxReplicaMemoryGb"], 48);
    assert_eq!(s["numReplicas"], 2);
    assert_eq!(s["minTotalMemoryGb"], 72);
    assert_eq!(s["maxTotalMemoryGb"], 144);
    assert_eq!(s["state"], "running");
}

#[tokio::test]
async fn replica_scaling_of_one_bound_keeps_the_other() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 64})).await;
    let r = sim.patch(&svc_path(&id, "replicaScaling"), json!({"maxReplicaMemoryGb": 356})).await;
    let s = r.assert_ok();
    assert_eq!(s["minReplicaMemoryGb"], 16);
    assert_eq!(s["maxReplicaMemoryGb"], 356);
    assert_eq!(s["maxTotalMemoryGb"], 1068);
}

#[tokio::test]
async fn scaling_an_empty_body_answers_the_unchanged_service() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let before = get_service(&sim, &id).await;
    assert_eq!(sim.patch(&svc_path(&id, "scaling"), json!({})).await.assert_ok(), &before);
    assert_eq!(sim.patch(&svc_path(&id, "replicaScaling"), json!({})).await.assert_ok(), &before);
}

// ---- E12 password ---------------------------------------------------------------------

#[tokio::test]
async fn password_without_a_hash_generates_a_new_password() {
    // T-56
    let sim = Sim::start().await;
    let r = sim.post(&services_path(), create_body(json!({}))).await;
    let created = r.assert_ok().clone();
    let id = created["service"]["id"].as_str().unwrap();
    let r = sim.patch(&svc_path(id, "password"), json!({})).await;
    let result = r.assert_ok();
    let pw = result["password"].as_str().expect("a new password");
    assert_eq!(pw.len(), 16);
    assert_ne!(pw, created["password"].as_str().unwrap());
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.body["sha256Base64"], sha256_base64(pw));
    assert_eq!(h.body["doubleSha1Hex"], double_sha1_hex(pw));
    // A double SHA-1 hash alone is ignored (SEED-A: only with newPasswordHash).
    let r = sim.patch(&svc_path(id, "password"), json!({"newDoubleSha1Hash": double_sha1_hex("x")})).await;
    let pw2 = r.assert_ok()["password"].as_str().expect("generated").to_owned();
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.body["doubleSha1Hex"], double_sha1_hex(&pw2));
}

#[tokio::test]
async fn password_from_hashes_stores_them_and_returns_no_password() {
    // T-57
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let body = json!({"newPasswordHash": sha256_base64("pw"), "newDoubleSha1Hash": double_sha1_hex("pw")});
    let r = sim.patch(&svc_path(&id, "password"), body).await;
    assert_eq!(r.assert_ok(), &json!({}));
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["sha256Base64"], sha256_base64("pw"));
    assert_eq!(h.body["doubleSha1Hex"], double_sha1_hex("pw"));
}

#[tokio::test]
async fn password_hash_alone_is_accepted() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let r = sim.patch(&svc_path(&id, "password"), json!({"newPasswordHash": sha256_base64("secret")})).await;
    assert_eq!(r.assert_ok(), &json!({}));
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.body["sha256Base64"], sha256_base64("secret"));
}

#[tokio::test]
async fn password_accepts_an_uppercase_double_sha1_hash() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let upper = double_sha1_hex("pw").to_ascii_uppercase();
    let r = sim
        .patch(&svc_path(&id, "password"), json!({"newPasswordHash": sha256_base64("pw"), "newDoubleSha1Hash": upper}))
        .await;
    r.assert_ok();
    let h = sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await;
    assert_eq!(h.body["doubleSha1Hex"], double_sha1_hex("pw"));
}

// ---- knobs and determinism ----------------------------------------------------------

#[tokio::test]
async fn durations_knob_changes_the_provisioning_time() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.durations.provision": 5})).await;
    let id = sim.create_service(json!({})).await;
    sim.advance(4).await;
    assert_eq!(sim.state_of(&id).await, "provisioning");
    sim.advance(1).await;
    assert_eq!(sim.state_of(&id).await, "running");
}

#[tokio::test]
async fn clickhouse_version_knob_is_reported_by_new_services() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.clickhouseVersion": "24.1.0.1"})).await;
    let id = sim.create_service(json!({})).await;
    assert_eq!(get_service(&sim, &id).await["clickhouseVersion"], "24.1.0.1");
}

#[tokio::test]
async fn the_same_seed_and_requests_give_the_same_ids_hosts_and_passwords() {
    // T-87 (services part).
    async fn run() -> Value {
        let sim = Sim::start().await;
        let r = sim.post(&services_path(), create_body(json!({}))).await;
        let mut v = r.assert_ok().clone();
        v["requestId"] = r.body["requestId"].clone();
        v
    }
    assert_eq!(run().await, run().await);
}

#[tokio::test]
async fn concurrent_patches_never_lose_each_others_changes() {
    let sim = std::sync::Arc::new(Sim::start().await);
    let id = sim.running_service().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (sim, id) = (sim.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"ipAccessList": {"add": [{"source": format!("10.0.0.{i}")}]}});
            sim.patch(&format!("{ORG}/services/{id}"), body).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let r = sim.get(&format!("{ORG}/services/{id}")).await;
    assert_eq!(r.assert_ok()["ipAccessList"].as_array().unwrap().len(), 20);
}
