//! Authentication, roles, organization isolation and the rate limit (spec §2.2–2.3, §2.9;
//! tests T-01..T-09, T-86).

use hyper::Method;

use crate::support::*;

/// Creates a key with `body` fields (name defaults to "k"); answers (management id, key
/// id, secret).
async fn new_key(sim: &Sim, body: Value) -> (String, String, String) {
    let mut b = json!({"name": "k", "roles": ["admin"]});
    for (k, v) in body.as_object().expect("object") {
        b[k] = v.clone();
    }
    let r = sim.post(&format!("{ORG}/keys"), b).await;
    let res = r.assert_ok();
    (
        res["key"]["id"].as_str().expect("id").to_owned(),
        res["keyId"].as_str().expect("keyId").to_owned(),
        res["keySecret"].as_str().expect("keySecret").to_owned(),
    )
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b[14] == b'4'
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

#[tokio::test]
async fn list_organizations_answers_the_envelope_with_the_keys_only_organization() {
    // T-01
    let sim = Sim::start().await;
    let r = sim.get("/v1/organizations").await;
    let result = r.assert_ok();
    assert!(is_uuid_v4(r.body["requestId"].as_str().unwrap()), "requestId: {}", r.text);
    assert_eq!(r.header("x-request-id"), r.body["requestId"].as_str());
    let orgs = result.as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["id"], ORG_ID);
    assert_eq!(orgs[0]["name"], "sim-org");
}

#[tokio::test]
async fn a_request_without_credentials_gets_401_with_www_authenticate() {
    // T-02
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, "/v1/organizations", None, None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Missing or malformed authentication");
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"ClickHouse Cloud API\""));
    let r = sim.send(Method::GET, "/v1/organizations", None, None, &[("authorization", "Bearer abc")]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Missing or malformed authentication");
    let r = sim.send(Method::GET, "/v1/organizations", None, None, &[("authorization", "Basic !!!")]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Missing or malformed authentication");
}

#[tokio::test]
async fn a_wrong_secret_or_unknown_key_is_not_found() {
    // T-03
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, "/v1/organizations", Some(("sim-key", "wrong")), None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not found");
    assert!(r.header("www-authenticate").is_some());
    let r = sim.send(Method::GET, "/v1/organizations", Some(("nobody", "sim-secret")), None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not found");
}

#[tokio::test]
async fn a_disabled_key_is_not_active() {
    // T-04: a second admin key disables the first one, which then cannot call.
    let sim = Sim::start().await;
    let (_, admin2, secret2) = new_key(&sim, json!({"name": "second admin"})).await;
    let (victim, victim_id, victim_secret) = new_key(&sim, json!({"name": "victim"})).await;
    let r = sim
        .send(
            Method::PATCH,
            &format!("{ORG}/keys/{victim}"),
            Some((&admin2, &secret2)),
            Some(json!({"state": "disabled"})),
            &[],
        )
        .await;
    assert_eq!(r.assert_ok()["state"], "disabled");
    let r = sim.send(Method::GET, "/v1/organizations", Some((&victim_id, &victim_secret)), None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not active");
    // Enabled again, it works again.
    sim.patch(&format!("{ORG}/keys/{victim}"), json!({"state": "enabled"})).await.assert_ok();
    let r = sim.send(Method::GET, "/v1/organizations", Some((&victim_id, &victim_secret)), None, &[]).await;
    r.assert_ok();
}

#[tokio::test]
async fn a_key_stops_working_when_its_expiry_passes_on_the_simulated_clock() {
    // T-05: the manual clock starts at 2025-01-01T00:00:00Z.
    let sim = Sim::start().await;
    let (_, key_id, secret) = new_key(&sim, json!({"expireAt": "2025-01-01T00:01:00Z"})).await;
    let auth = Some((key_id.as_str(), secret.as_str()));
    sim.send(Method::GET, "/v1/organizations", auth, None, &[]).await.assert_ok();
    sim.advance(59).await;
    sim.send(Method::GET, "/v1/organizations", auth, None, &[]).await.assert_ok();
    sim.advance(2).await;
    let r = sim.send(Method::GET, "/v1/organizations", auth, None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not active");
}

#[tokio::test]
async fn an_unknown_organization_id_is_not_found() {
    // T-06
    let sim = Sim::start().await;
    let r = sim.get("/v1/organizations/7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b/services").await;
    r.assert_ch_error(404, "NOT_FOUND: Organization 7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b not found");
}

#[tokio::test]
async fn a_key_sees_only_its_own_organization() {
    // T-07: two organizations; each key sees only its own, the other's data never leaks.
    let sim = Sim::start().await;
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim
        .sim_post(
            "/_sim/clickhouse/organizations",
            json!({"id": org2, "name": "other org", "keyId": "k2", "keySecret": "s2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let svc = sim.create_service(json!({"name": "secret service"})).await;
    let k2 = Some(("k2", "s2"));

    let r = sim.send(Method::GET, "/v1/organizations", k2, None, &[]).await;
    let orgs = r.assert_ok().as_array().unwrap().clone();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["id"], org2);
    assert_eq!(orgs[0]["name"], "other org");

    for path in [format!("{ORG}/services/{svc}"), format!("{ORG}/services"), ORG.to_owned(), format!("{ORG}/keys")] {
        let r = sim.send(Method::GET, &path, k2, None, &[]).await;
        r.assert_ch_error(404, &format!("NOT_FOUND: Organization {ORG_ID} not found"));
        assert!(!r.text.contains("secret service") && !r.text.contains("sim-org"), "leak: {}", r.text);
    }
    // Org 1's service id under org 2's path is simply unknown there.
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/services/{svc}"), k2, None, &[]).await;
    r.assert_ch_error(404, "NOT_FOUND: Service");
    assert!(!r.text.contains("secret service"));
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/services"), k2, None, &[]).await;
    assert_eq!(r.assert_ok(), &json!([]));
    // And the default key cannot see org 2.
    let r = sim.get(&format!("/v1/organizations/{org2}")).await;
    r.assert_ch_error(404, "NOT_FOUND: Organization");
    assert!(!r.text.contains("other org"));
}

#[tokio::test]
async fn a_developer_key_reads_but_cannot_write() {
    // T-08
    let sim = Sim::start().await;
    let (_, key_id, secret) = new_key(&sim, json!({"roles": ["developer"]})).await;
    let dev = Some((key_id.as_str(), secret.as_str()));
    let body = json!({"name": "my service", "provider": "aws", "region": "us-east-1"});
    let r = sim.send(Method::POST, &format!("{ORG}/services"), dev, Some(body), &[]).await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    let r = sim.send(Method::GET, &format!("{ORG}/services"), dev, None, &[]).await;
    assert_eq!(r.assert_ok(), &json!([]), "the refused create created nothing");
    let r = sim.send(Method::PATCH, ORG, dev, Some(json!({"name": "x"})), &[]).await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    assert_eq!(sim.get(ORG).await.assert_ok()["name"], "sim-org");
}

#[tokio::test]
async fn a_query_endpoints_key_has_no_control_plane_access() {
    let sim = Sim::start().await;
    let (_, key_id, secret) = new_key(&sim, json!({"roles": ["query_endpoints"]})).await;
    let r = sim.send(Method::GET, &format!("{ORG}/services"), Some((&key_id, &secret)), None, &[]).await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
}

#[tokio::test]
async fn a_malformed_service_id_is_a_bad_request() {
    // T-09
    let sim = Sim::start().await;
    let r = sim.get(&format!("{ORG}/services/not-a-uuid")).await;
    r.assert_ch_error(400, "BAD_REQUEST: Invalid serviceId");
}

#[tokio::test]
async fn a_key_whose_ip_list_excludes_the_caller_is_forbidden() {
    let sim = Sim::start().await;
    let (_, far_id, far_secret) = new_key(&sim, json!({"ipAccessList": [{"source": "10.0.0.0/8"}]})).await;
    let r = sim.send(Method::GET, "/v1/organizations", Some((&far_id, &far_secret)), None, &[]).await;
    r.assert_ch_error(403, "FORBIDDEN: IP address is not allowed for this API key");
    let (_, near_id, near_secret) =
        new_key(&sim, json!({"ipAccessList": [{"source": "10.0.0.0/8"}, {"source": "127.0.0.1/32"}]})).await;
    sim.send(Method::GET, "/v1/organizations", Some((&near_id, &near_secret)), None, &[]).await.assert_ok();
}

#[tokio::test]
async fn the_rate_limit_refuses_the_eleventh_request_within_ten_seconds() {
    // T-86
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.rateLimit": "on"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for i in 0..10 {
        let r = sim.get("/v1/organizations").await;
        assert_eq!(r.status, 200, "request {i}: {}", r.text);
    }
    let r = sim.get("/v1/organizations").await;
    // The live 429 body: the bare message (the official client's fixture), no code prefix.
    r.assert_ch_error(429, "Rate limit exceeded");
    assert_eq!(r.error(), "Rate limit exceeded");
    assert_eq!(r.header("x-ratelimit-reset"), Some("10"));
    // The limit is per key: another key still gets through.
    sim.sim_post("/_sim/clickhouse/organizations", json!({"keyId": "k2", "keySecret": "s2"})).await;
    let r = sim.send(Method::GET, "/v1/organizations", Some(("k2", "s2")), None, &[]).await;
    r.assert_ok();
    // Ten simulated seconds later the window has passed.
    sim.advance(10).await;
    sim.get("/v1/organizations").await.assert_ok();
}
