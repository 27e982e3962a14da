//! Token auth (seed 1.8, lines 12316–12519; common header rule 1.1.5, lines 200–209):
//! password and IaaS-token authentication, token precedence, the 401s, the token bound to
//! the simulated clock, and `X-Auth-Token` required on every other endpoint.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

#[tokio::test]
async fn password_authentication_answers_a_token_id_and_expiry_in_the_body() {
    let fj = Fj::start().await;
    // "リクエストヘッダには X-Auth-Token の指定は不要です" (seed 12333): no token header.
    let r = fj.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Response elements (seed 12458–12478): token { expires, tokenId }.
    let token = r.body["token"].as_object().unwrap_or_else(|| panic!("token object: {}", r.text));
    let id = token.get("tokenId").and_then(Value::as_str).expect("token.tokenId is a string");
    assert!(!id.is_empty());
    let expires = token.get("expires").and_then(Value::as_str).expect("token.expires is a string");
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    let exp = epoch_secs(expires).unwrap_or_else(|| panic!("expires {expires:?} is a date-time"));
    assert!(exp > now, "the token expires in the future ({expires})");
    // DESIGN: the same value also comes as the X-Auth-Token header.
    assert_eq!(r.header("x-auth-token"), Some(id), "header and body carry the same token");
    // The token opens the instance API.
    let list = fj.fj_as(id, Method::GET, &path("/instances"), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["instances"], json!([]));
}

#[tokio::test]
async fn an_iaas_token_is_exchanged_for_a_database_service_token() {
    let fj = Fj::start().await;
    let r = fj.auth(TENANT, token_auth(IAAS_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = Fj::token_of(&r);
    assert_ne!(id, IAAS_TOKEN, "a database-service token, not the IaaS one");
    let list = fj.fj_as(&id, Method::GET, &path("/instances"), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    // The IaaS token itself is not a database-service token.
    let r = fj.fj_as(IAAS_TOKEN, Method::GET, &path("/instances"), None).await;
    r.assert_fj_error(401, "");
}

#[tokio::test]
async fn token_authentication_takes_precedence_over_a_password_in_the_same_body() {
    let fj = Fj::start().await;
    // Seed 12332: "リクエストボディにパスワードとトークンの両方が含まれている場合、トークン認証が優先されます".
    let mut both = password_auth(USER, DOMAIN, "wrong-password");
    both["auth"]["token"] = json!({"id": IAAS_TOKEN});
    let r = fj.auth(TENANT, both).await;
    assert_eq!(r.status, 200, "a good token wins over a bad password: {}", r.text);

    let mut both = password_auth(USER, DOMAIN, PASSWORD);
    both["auth"]["token"] = json!({"id": "not-an-iaas-token"});
    fj.auth(TENANT, both).await.assert_fj_error(401, "");
}

#[tokio::test]
async fn an_x_auth_token_on_the_token_request_is_not_needed_and_not_checked() {
    let fj = Fj::start().await;
    let r = fj
        .send(
            Method::POST,
            &path("/auth/token"),
            None,
            Some(password_auth(USER, DOMAIN, PASSWORD)),
            &[("x-auth-token", "stale-or-garbage")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn wrong_credentials_are_401_unauthorized_in_the_fujitsu_body() {
    let fj = Fj::start().await;
    for body in [
        password_auth(USER, DOMAIN, "wrong"),
        password_auth("nobody", DOMAIN, PASSWORD),
        password_auth(USER, "otherdomain", PASSWORD),
        token_auth("unknown-iaas-token"),
        json!({"auth": {"password": {"user": {"id": "no-such-user-id", "password": PASSWORD}}}}),
    ] {
        let r = fj.auth(TENANT, body.clone()).await;
        r.assert_fj_error(401, "");
        assert!(r.body.get("token").is_none(), "{body}: no token on a failure");
    }
}

#[tokio::test]
async fn a_malformed_auth_body_is_400_naming_the_missing_part() {
    let fj = Fj::start().await;
    // auth 1..1 (seed 12346); a user by name needs the domain (seed 12391–12393); the
    // password 1..1 (seed 12409).
    let cases = [
        (json!({}), "auth"),
        (json!({"auth": {}}), "auth"),
        (json!({"auth": "simuser"}), "auth"),
        (json!({"auth": {"password": {"user": {"name": USER, "password": PASSWORD}}}}), "domain"),
        (json!({"auth": {"password": {"user": {"domain": {"name": DOMAIN}, "name": USER}}}}), "password"),
        (json!({"auth": {"password": {"user": {"domain": {"name": DOMAIN}, "password": PASSWORD}}}}), "name"),
        (json!({"auth": {"token": {}}}), "id"),
    ];
    for (body, field) in cases {
        let r = fj.auth(TENANT, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.assert_fj_error(400, field);
    }
    let r = fj.send_raw(Method::POST, &path("/auth/token"), None, Some(b"{\"auth\": {".to_vec()), &[]).await;
    r.assert_fj_error(400, "");
}

/// Every instance-family endpoint of the seed (1.2.1, lines 292–313).
fn endpoints() -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, path("/instances"), None),
        (Method::POST, path("/instances"), Some(create_body("db1"))),
        (Method::GET, inst("db1"), None),
        (Method::PUT, inst("db1"), Some(json!({"instance": {"description": "x"}}))),
        (Method::DELETE, inst("db1"), None),
        (
            Method::POST,
            inst("db1"),
            Some(json!({"action": {"restoretointime": ""}, "restore": {"useLatestRestorableTime": true}})),
        ),
        (Method::POST, action_path("db1"), Some(action("stop"))),
        (Method::GET, path("/engineversion"), None),
        (Method::GET, path("/flavors"), None),
        (Method::GET, path("/flavors/11"), None),
    ]
}

#[tokio::test]
async fn every_instance_endpoint_refuses_a_missing_or_unknown_token_with_401_and_changes_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let before = fj.show("db1").await.body;
    for (method, p, body) in endpoints() {
        let none = fj.send(method.clone(), &p, None, body.clone(), &[]).await;
        assert_eq!(none.status, 401, "{method} {p} without X-Auth-Token: {}", none.text);
        none.assert_fj_error(401, "");
        let bad = fj.fj_as("gAAAAAB-not-a-token", method.clone(), &p, body.clone()).await;
        assert_eq!(bad.status, 401, "{method} {p} with an unknown token: {}", bad.text);
        bad.assert_fj_error(401, "");
        let empty = fj.fj_as("", method.clone(), &p, body.clone()).await;
        empty.assert_fj_error(401, "");
    }
    assert_eq!(fj.show("db1").await.body, before, "nothing changed");
    assert_eq!(fj.list().await, [("db1".to_owned(), "ACTIVE".to_owned())]);
}

#[tokio::test]
async fn a_token_expires_on_the_simulated_clock_and_a_new_one_works() {
    let fj = Fj::start().await;
    let r = fj.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
    let token = Fj::token_of(&r);
    let exp = r.body["token"]["expires"].as_str().and_then(epoch_secs).expect("expires");
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    let lifetime = (exp - now) as u64;
    assert!(lifetime >= 60, "a usable lifetime: {lifetime} s");

    fj.advance(lifetime - 1).await;
    let r = fj.fj_as(&token, Method::GET, &path("/instances"), None).await;
    assert_eq!(r.status, 200, "still valid a second before `expires`: {}", r.text);
    fj.advance(2).await;
    let r = fj.fj_as(&token, Method::GET, &path("/instances"), None).await;
    r.assert_fj_error(401, "");
    // Expired also for writes, and nothing is created.
    let r = fj.fj_as(&token, Method::POST, &path("/instances"), Some(create_body("late"))).await;
    r.assert_fj_error(401, "");
    let fresh = fj.token().await;
    let r = fj.fj_as(&fresh, Method::GET, &path("/instances"), None).await;
    assert_eq!((r.status, r.body["instances"].clone()), (200, json!([])), "{}", r.text);
}

/// The token-lifetime knob of `GET /_sim/config` (the one Fujitsu knob naming a token).
async fn lifetime_knob(fj: &Fj) -> String {
    let r = fj.sim_get("/_sim/config").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let text = r.body.to_string();
    let names: Vec<String> = collect_names(&r.body).into_iter().filter(|n| n.starts_with("fujitsu.")).collect();
    names
        .iter()
        .find(|n| n.to_ascii_lowercase().contains("token"))
        .cloned()
        .unwrap_or_else(|| panic!("a fujitsu.*token* knob in {text}"))
}

/// Knob names in a `/_sim/config` answer, whether it is a map or a list of `{name}`.
fn collect_names(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let knobs = v.get("knobs").unwrap_or(v);
    if let Some(map) = knobs.as_object() {
        out.extend(map.keys().cloned());
    }
    if let Some(list) = knobs.as_array() {
        out.extend(list.iter().filter_map(|k| k["name"].as_str().map(str::to_owned)));
    }
    out
}

#[tokio::test]
async fn the_token_lifetime_is_a_knob() {
    let fj = Fj::start().await;
    let knob = lifetime_knob(&fj).await;
    let r = fj.sim_patch("/_sim/config", json!({ knob.clone(): 120 })).await;
    assert_eq!(r.status, 200, "{knob}: {}", r.text);
    let r = fj.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
    let token = Fj::token_of(&r);
    let exp = r.body["token"]["expires"].as_str().and_then(epoch_secs).expect("expires");
    let now = fj.sim_get("/_sim/clock").await.body["now"].as_str().and_then(epoch_secs).unwrap();
    assert_eq!(exp - now, 120, "expires = now + {knob}");
    fj.advance(121).await;
    fj.fj_as(&token, Method::GET, &path("/instances"), None).await.assert_fj_error(401, "");
    // A bad value is refused by name.
    let r = fj.sim_patch("/_sim/config", json!({ knob.clone(): "soon" })).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains(&knob), "{}", r.text);
}

#[tokio::test]
async fn the_token_journal_entry_is_create_token_and_never_shows_the_password() {
    let fj = Fj::start().await;
    fj.token().await;
    let entries = fj.journal("").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["tenant"], json!(TENANT));
    let op = entries[0]["operation"].as_str().unwrap_or("");
    assert!(op.to_ascii_lowercase().contains("token"), "operation {op}");
    let all = fj.sim_get("/_sim/requests").await.text;
    assert!(!all.contains(PASSWORD), "the journal does not echo the password");
}
