//! Auth (spec §2.2, rows T01–T09): Basic with `X-ID-TENANT-NAME`, bearer tokens, the
//! mutate role, the rate limit, and domain isolation.

use hyper::Method;

use crate::support::oracle::*;
use crate::support::*;

const ENTITLEMENTS: &str = "/itas/mydomain/myservices/api/v1/serviceEntitlements";

#[tokio::test]
async fn t01_a_request_without_authorization_is_401_with_www_authenticate() {
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, ENTITLEMENTS, None, None, &[("x-id-tenant-name", DOMAIN)]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Authorization header is required");
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"itas\""));
}

#[tokio::test]
async fn t02_a_wrong_password_or_unknown_user_is_401() {
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, ENTITLEMENTS, Some((USER.0, "wrong")), None, &[("x-id-tenant-name", DOMAIN)]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Invalid username or password");
    let r = sim
        .send(Method::GET, ENTITLEMENTS, Some(("nobody@example.com", USER.1)), None, &[("x-id-tenant-name", DOMAIN)])
        .await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Invalid username or password");
}

#[tokio::test]
async fn t03_basic_auth_without_the_tenant_header_is_401() {
    let sim = Sim::start().await;
    let r = sim.send(Method::GET, ENTITLEMENTS, Some(USER), None, &[]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "X-ID-TENANT-NAME header is required");
}

#[tokio::test]
async fn t04_a_tenant_header_naming_another_domain_is_401() {
    let sim = Sim::start().await;
    let r = sim
        .sim_post("/_sim/oracle/domains", json!({"name": "otherdomain", "username": "o@example.com", "password": "pw"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.send(Method::GET, ENTITLEMENTS, Some(USER), None, &[("x-id-tenant-name", "otherdomain")]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "does not name the identity domain of the request path");
}

#[tokio::test]
async fn the_idcs_alias_and_the_name_are_the_same_domain_and_links_echo_the_alias() {
    let sim = Sim::start().await;
    let path = format!("/itas/{ALIAS}/myservices/api/v1/serviceEntitlements/cesi-500073421");
    let r = sim.send(Method::GET, &path, Some(USER), None, &[("x-id-tenant-name", DOMAIN)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["canonicalLink"], path);
    let r = sim.send(Method::GET, ENTITLEMENTS, Some(USER), None, &[("x-id-tenant-name", ALIAS)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["canonicalLink"], ENTITLEMENTS);
}

async fn token(sim: &Sim, body: Value) -> String {
    let r = sim.sim_post("/_sim/oracle/tokens", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn bearer(sim: &Sim, path: &str, token: &str) -> Resp {
    let auth = format!("Bearer {token}");
    sim.send(Method::GET, path, None, None, &[("authorization", &auth)]).await
}

#[tokio::test]
async fn a_bearer_token_works_without_the_tenant_header_until_it_expires() {
    let sim = Sim::start().await;
    let t = token(&sim, json!({})).await;
    let r = bearer(&sim, ENTITLEMENTS, &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    sim.advance(3600).await;
    let r = bearer(&sim, ENTITLEMENTS, &t).await;
    r.assert_ora_error(401, "ITAS-401-EXPIRED", "Expired");
}

#[tokio::test]
async fn t05_an_expired_token_is_401_saying_expired() {
    let sim = Sim::start().await;
    let t = token(&sim, json!({"token": "tok-1", "expiresIn": 7200})).await;
    let r = sim.sim_post(&format!("/_sim/oracle/tokens/{t}/expire"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = bearer(&sim, ENTITLEMENTS, &t).await;
    r.assert_ora_error(401, "ITAS-401-EXPIRED", "Token Expired");
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"itas\""));
}

#[tokio::test]
async fn t06_an_unknown_or_malformed_token_is_401() {
    let sim = Sim::start().await;
    bearer(&sim, ENTITLEMENTS, "nope").await.assert_ora_error(401, "ITAS-401-AUTH", "Invalid access token");
    let r = sim.send(Method::GET, ENTITLEMENTS, None, None, &[("authorization", "Digest abc")]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Unsupported authorization scheme");
    let r = sim
        .send(Method::GET, ENTITLEMENTS, None, None, &[("authorization", "Basic !!!"), ("x-id-tenant-name", DOMAIN)])
        .await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Malformed Basic credentials");
}

#[tokio::test]
async fn a_token_of_another_domain_is_401_on_this_domains_paths() {
    let sim = Sim::start().await;
    sim.sim_post("/_sim/oracle/domains", json!({"name": "otherdomain", "username": "o@example.com", "password": "pw"}))
        .await;
    let t = token(&sim, json!({"domain": "otherdomain"})).await;
    bearer(&sim, ENTITLEMENTS, &t).await.assert_ora_error(401, "ITAS-401-AUTH", "not issued for this identity domain");
}

#[tokio::test]
async fn t07_an_unknown_domain_or_anon_is_401() {
    let sim = Sim::start().await;
    let r = sim
        .send(
            Method::GET,
            "/itas/nodomain/myservices/api/v1/serviceEntitlements",
            Some(USER),
            None,
            &[("x-id-tenant-name", "nodomain")],
        )
        .await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Unknown identity domain 'nodomain'");
    let r = sim.send(Method::GET, "/itas/.anon/myservices/api/v1/serviceDefinitions", None, None, &[]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Anonymous access is not allowed");
}

#[tokio::test]
async fn anon_may_read_the_catalogue_when_the_knob_allows_it() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/config", json!({"oracle.allowAnon": true})).await;
    let r = sim.send(Method::GET, "/itas/.anon/myservices/api/v1/serviceDefinitions", None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let r = sim.send(Method::GET, "/itas/.anon/myservices/api/v1/serviceEntitlements", None, None, &[]).await;
    r.assert_ora_error(401, "ITAS-401-AUTH", "Anonymous");
}

#[tokio::test]
async fn t08_a_user_without_the_mutate_role_cannot_post_operations_but_can_read() {
    let sim = Sim::start().await;
    let r = sim
        .sim_post("/_sim/oracle/users", json!({"username": "reader@example.com", "password": "pw", "canMutate": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let reader = Some(("reader@example.com", "pw"));
    let hdr = [("x-id-tenant-name", DOMAIN)];
    let r = sim.send(Method::POST, &format!("{MS}/operations"), reader, Some(create_body(&[])), &hdr).await;
    r.assert_ora_error(403, "ITAS-403-FORBIDDEN", "reader@example.com is not allowed to submit operations");
    assert_eq!(sim.instance_count().await, 0);
    let r = sim.send(Method::GET, ENTITLEMENTS, reader, None, &hdr).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn t09_the_rate_limit_answers_429_with_retry_after_when_enabled() {
    let sim = Sim::start().await;
    sim.sim_patch("/_sim/config", json!({"oracle.rateLimit": 3})).await;
    for _ in 0..3 {
        assert_eq!(sim.ms_get("/serviceDefinitions").await.status, 200);
    }
    let r = sim.ms_get("/serviceDefinitions").await;
    r.assert_ora_error(429, "ITAS-429-RATE", "Too many requests");
    assert_eq!(r.header("retry-after"), Some("60"));
    sim.advance(60).await;
    assert_eq!(sim.ms_get("/serviceDefinitions").await.status, 200);
}

#[tokio::test]
async fn another_domains_operations_and_instances_are_invisible() {
    let sim = Sim::start().await;
    let op = sim.submit(create_body(&[])).await;
    sim.sim_post("/_sim/oracle/domains", json!({"name": "otherdomain", "username": "o@example.com", "password": "pw"}))
        .await;
    let other = Some(("o@example.com", "pw"));
    let hdr = [("x-id-tenant-name", "otherdomain")];
    let base = "/itas/otherdomain/myservices/api/v1";
    let r = sim.send(Method::GET, &format!("{base}/operations/{op}"), other, None, &hdr).await;
    r.assert_ora_error(404, "ITAS-404-NOT_FOUND", &format!("Operation {op} not found"));
    let r = sim.send(Method::GET, &format!("{base}/serviceInstances/csi-{SEED_INSTANCE}"), other, None, &hdr).await;
    r.assert_ora_error(404, "ITAS-404-NOT_FOUND", "Service instance");
    let r = sim.send(Method::GET, &format!("{base}/serviceInstances"), other, None, &hdr).await;
    assert_eq!(r.body["items"], json!([]));
}

#[tokio::test]
async fn passwords_and_tokens_are_dumped_as_digests_and_a_restored_dump_still_authenticates() {
    let sim = Sim::start().await;
    let t = token(&sim, json!({})).await;
    let dump = sim.sim_get("/_sim/state").await;
    assert_eq!(dump.status, 200);
    for secret in [USER.1, t.as_str()] {
        assert!(!dump.text.contains(secret), "the dump holds no plaintext secret ({secret})");
    }
    assert!(dump.text.contains("\"passwordHash\":\"sha256:"), "passwords are digests");
    assert!(dump.text.contains("\"tokenHash\":\"sha256:"), "tokens are digests");
    // A fresh simulator restored from the dump takes the same password and token.
    let other = Sim::start().await;
    let r = other.send(Method::PUT, "/_sim/state", None, Some(dump.body.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = other.send(Method::GET, ENTITLEMENTS, Some(USER), None, &[("x-id-tenant-name", DOMAIN)]).await;
    assert_eq!(r.status, 200, "Basic after restore: {}", r.text);
    assert_eq!(bearer(&other, ENTITLEMENTS, &t).await.status, 200, "the token after restore");
    // A dump written with plaintext passwords (older dumps, hand-written ones) is hashed.
    let mut old = dump.body.clone();
    old["providers"]["oracle"]["domains"][0]["users"][0] =
        json!({"username": USER.0, "password": USER.1, "canMutate": true});
    let r = other.send(Method::PUT, "/_sim/state", None, Some(old), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!other.sim_get("/_sim/state").await.text.contains(USER.1));
    let r = other.send(Method::GET, ENTITLEMENTS, Some(USER), None, &[("x-id-tenant-name", DOMAIN)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
