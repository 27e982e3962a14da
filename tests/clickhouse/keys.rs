//! API keys (spec §9.3, §2.7, §2.9; tests T-78, T-79).

use base64::Engine;
use hyper::Method;
use sha2::{Digest, Sha256};

use crate::support::*;

const DEVELOPER_ROLE_ID: &str = "00000000-0000-4000-8000-00000000a002";

async fn key_list(sim: &Sim) -> Vec<Value> {
    sim.get(&format!("{ORG}/keys")).await.assert_ok().as_array().unwrap().clone()
}

async fn activities(sim: &Sim) -> Vec<Value> {
    sim.get(&format!("{ORG}/activities")).await.assert_ok().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_created_key_authenticates_at_once_with_its_roles() {
    // T-78
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "ci", "roles": ["developer"], "state": "enabled"})).await;
    let res = r.assert_ok().clone();
    let key_id = res["keyId"].as_str().unwrap();
    let secret = res["keySecret"].as_str().unwrap();
    assert_eq!(key_id.len(), 20);
    assert!(key_id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{key_id}");
    assert_eq!(secret.len(), 42);
    assert!(secret.starts_with("4b1d") && secret.chars().all(|c| c.is_ascii_alphanumeric()), "{secret}");
    let key = &res["key"];
    assert_eq!(key["name"], "ci");
    assert_eq!(key["state"], "enabled");
    assert_eq!(key["roles"], json!(["developer"]));
    assert_eq!(
        key["assignedRoles"],
        json!([{"roleId": DEVELOPER_ROLE_ID, "roleName": "Developer", "roleType": "system"}])
    );
    assert_eq!(key["keySuffix"], &key_id[16..]);
    assert_eq!(key["createdAt"], "2025-01-01T00:00:00Z");
    assert_eq!(key["ipAccessList"], json!([]));
    assert!(key.get("expireAt").is_none() && key.get("keySecret").is_none());

    let auth = Some((key_id, secret));
    sim.send(Method::GET, &format!("{ORG}/services"), auth, None, &[]).await.assert_ok();
    let body = json!({"name": "my service", "provider": "aws", "region": "us-east-1"});
    let r = sim.send(Method::POST, &format!("{ORG}/services"), auth, Some(body), &[]).await;
    r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");

    let a = &activities(&sim).await[0];
    assert_eq!(a["type"], "key_create");
    assert_eq!(a["targetKeyId"], key["id"]);
    assert_eq!(a["actorType"], "api");
    assert_eq!(a["actorId"], "00000000-0000-4000-8000-0000000000a1");
}

#[tokio::test]
async fn keys_are_listed_without_secrets_and_read_by_management_id() {
    // T-79 (reads)
    let sim = Sim::start().await;
    let created = sim.post(&format!("{ORG}/keys"), json!({"name": "ci", "roles": ["admin"]})).await;
    let id = created.assert_ok()["key"]["id"].as_str().unwrap().to_owned();
    let list = key_list(&sim).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "sim-key");
    assert_eq!(list[0]["keySuffix"], "-key");
    assert!(!sim.get(&format!("{ORG}/keys")).await.text.contains("sim-secret"));
    let r = sim.get(&format!("{ORG}/keys/{id}")).await;
    assert_eq!(r.assert_ok(), &created.result()["key"]);
    let r = sim.get(&format!("{ORG}/keys/7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b")).await;
    r.assert_ch_error(404, "NOT_FOUND: API key 7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b not found");
    sim.get(&format!("{ORG}/keys/not-a-uuid")).await.assert_ch_error(400, "BAD_REQUEST: Invalid keyId");
}

#[tokio::test]
async fn updating_a_key_records_one_activity_per_kind_of_change() {
    // T-79 (update)
    let sim = Sim::start().await;
    let created = sim.post(&format!("{ORG}/keys"), json!({"name": "ci", "roles": ["admin"]})).await;
    let id = created.assert_ok()["key"]["id"].as_str().unwrap().to_owned();
    let patch = json!({
        "name": "ci-2",
        "assignedRoleIds": [DEVELOPER_ROLE_ID],
        "expireAt": "2026-01-01T00:00:00Z",
        "ipAccessList": [{"source": "127.0.0.1", "description": "me"}],
    });
    let key = sim.patch(&format!("{ORG}/keys/{id}"), patch).await.assert_ok().clone();
    assert_eq!(key["name"], "ci-2");
    assert_eq!(key["roles"], json!(["developer"]));
    assert_eq!(key["expireAt"], "2026-01-01T00:00:00Z");
    assert_eq!(key["ipAccessList"], json!([{"source": "127.0.0.1", "description": "me"}]));
    let kinds: Vec<Value> = activities(&sim).await.iter().take(4).map(|a| a["keyUpdateType"].clone()).collect();
    assert_eq!(
        kinds,
        [json!("ip-access-list-changed"), json!("date-changed"), json!("role-changed"), json!("name-changed")]
    );
    assert!(activities(&sim).await.iter().take(4).all(|a| a["type"] == "openapi_key_update" && a["targetKeyId"] == id));

    // `expireAt: null` clears the expiry; an array replaces the whole IP list.
    let key = sim.patch(&format!("{ORG}/keys/{id}"), json!({"expireAt": null, "ipAccessList": []})).await;
    let key = key.assert_ok();
    assert!(key.get("expireAt").is_none());
    assert_eq!(key["ipAccessList"], json!([]));
}

#[tokio::test]
async fn invalid_key_bodies_are_refused_and_create_nothing() {
    let sim = Sim::start().await;
    let cases = [
        (json!({"roles": ["admin"]}), "BAD_REQUEST: name is required"),
        (json!({"name": "a".repeat(51), "roles": ["admin"]}), "BAD_REQUEST: name must be 1-50 characters"),
        (json!({"name": "k", "roles": []}), "BAD_REQUEST: roles must not be empty"),
        (
            json!({"name": "k", "roles": ["root"]}),
            "BAD_REQUEST: roles[0] must be one of admin, developer, query_endpoints",
        ),
        (json!({"name": "k", "roles": "admin"}), "BAD_REQUEST: roles must be an array"),
        (
            json!({"name": "k", "assignedRoleIds": ["7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b"]}),
            "BAD_REQUEST: assignedRoleIds[0] '7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b' is not a known role",
        ),
        (
            json!({"name": "k", "roles": ["admin"], "state": "paused"}),
            "BAD_REQUEST: state must be one of enabled, disabled",
        ),
        (
            json!({"name": "k", "roles": ["admin"], "expireAt": "2024-12-31T23:59:59Z"}),
            "BAD_REQUEST: expireAt must be in the future",
        ),
        (
            json!({"name": "k", "roles": ["admin"], "expireAt": "soon"}),
            "BAD_REQUEST: expireAt must be an ISO-8601 date-time",
        ),
        (
            json!({"name": "k", "roles": ["admin"], "ipAccessList": [{"source": "300.1.1.1"}]}),
            "BAD_REQUEST: ipAccessList[0].source '300.1.1.1' is not a valid IP address or CIDR",
        ),
        (
            json!({"name": "k", "roles": ["admin"], "hashData": {"keyIdHash": "abc"}}),
            "BAD_REQUEST: hashData.keyIdHash must be a base64-encoded SHA-256 hash",
        ),
    ];
    for (body, error) in cases {
        sim.post(&format!("{ORG}/keys"), body).await.assert_ch_error(400, error);
    }
    assert_eq!(key_list(&sim).await.len(), 1);
    // The same rules on PATCH, which then changes nothing.
    let r = sim
        .patch(&format!("{ORG}/keys/00000000-0000-4000-8000-0000000000a1"), json!({"name": "x", "state": "on"}))
        .await;
    r.assert_ch_error(400, "BAD_REQUEST: state must be one of enabled, disabled");
    assert_eq!(key_list(&sim).await[0]["name"], "sim-key");
}

#[tokio::test]
async fn the_key_limit_refuses_one_more_key() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.maxApiKeys": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.post(&format!("{ORG}/keys"), json!({"name": "second", "roles": ["admin"]})).await.assert_ok();
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "third", "roles": ["admin"]})).await;
    r.assert_ch_error(400, "BAD_REQUEST: API key limit reached");
    assert_eq!(key_list(&sim).await.len(), 2);
}

#[tokio::test]
async fn a_key_created_from_hashes_authenticates_with_the_original_credentials() {
    let sim = Sim::start().await;
    let (key_id, secret) = ("MYKEYID0123456789XYZ", "4b1dmysecret");
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()));
    let body = json!({"name": "hashed", "roles": ["admin"], "hashData": {
        "keyIdHash": b64(key_id), "keyIdSuffix": "9XYZ", "keySecretHash": b64(secret),
    }});
    let r = sim.post(&format!("{ORG}/keys"), body.clone()).await;
    let res = r.assert_ok();
    assert!(res.get("keyId").is_none() && res.get("keySecret").is_none(), "{res}");
    assert_eq!(res["key"]["keySuffix"], "9XYZ");
    sim.send(Method::GET, "/v1/organizations", Some((key_id, secret)), None, &[]).await.assert_ok();
    let r = sim.send(Method::GET, "/v1/organizations", Some((key_id, "wrong")), None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not found");
    // The same key id hash twice is a conflict.
    let r = sim.post(&format!("{ORG}/keys"), body).await;
    r.assert_ch_error(409, "CONFLICT: An API key with this keyIdHash already exists");
}

#[tokio::test]
async fn a_deleted_key_stops_authenticating_but_the_callers_own_key_cannot_be_deleted() {
    // T-79 (delete)
    let sim = Sim::start().await;
    let created = sim.post(&format!("{ORG}/keys"), json!({"name": "ci", "roles": ["admin"]})).await;
    let res = created.assert_ok().clone();
    let (id, key_id, secret) =
        (res["key"]["id"].as_str().unwrap(), res["keyId"].as_str().unwrap(), res["keySecret"].as_str().unwrap());
    let own = "00000000-0000-4000-8000-0000000000a1";
    let r = sim.delete(&format!("{ORG}/keys/{own}")).await;
    r.assert_ch_error(400, "BAD_REQUEST: Cannot delete the API key used to authenticate this request");
    assert_eq!(key_list(&sim).await.len(), 2);

    let r = sim.delete(&format!("{ORG}/keys/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], 200);
    assert!(r.body.get("result").is_none());
    let r = sim.send(Method::GET, "/v1/organizations", Some((key_id, secret)), None, &[]).await;
    r.assert_ch_error(401, "UNAUTHORIZED: Key is not found");
    sim.get(&format!("{ORG}/keys/{id}")).await.assert_ch_error(404, "NOT_FOUND: API key");
    sim.delete(&format!("{ORG}/keys/{id}")).await.assert_ch_error(404, "NOT_FOUND: API key");
    let a = &activities(&sim).await[0];
    assert_eq!((a["type"].as_str(), a["targetKeyId"].as_str()), (Some("key_delete"), Some(id)));

    // Another admin key may delete the default key.
    let other = sim.post(&format!("{ORG}/keys"), json!({"name": "other", "roles": ["admin"]})).await;
    let o = other.assert_ok().clone();
    let auth = Some((o["keyId"].as_str().unwrap(), o["keySecret"].as_str().unwrap()));
    let r = sim.send(Method::DELETE, &format!("{ORG}/keys/{own}"), auth, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    sim.get("/v1/organizations").await.assert_ch_error(401, "UNAUTHORIZED: Key is not found");
}

#[tokio::test]
async fn a_used_key_shows_when_it_was_last_used() {
    let sim = Sim::start().await;
    sim.advance(90).await;
    sim.get("/v1/organizations").await.assert_ok();
    let list = key_list(&sim).await;
    assert_eq!(list[0]["usedAt"], "2025-01-01T00:01:30Z");
}

#[tokio::test]
async fn a_key_may_be_created_without_roles_and_then_has_no_control_plane_access() {
    // clickhousectl creates its query keys with `assignedRoleIds: []` (cloud/service_query.rs);
    // the official ApiKeyPostRequest requires no role.
    let sim = Sim::start().await;
    for body in
        [json!({"name": "no roles", "assignedRoleIds": [], "state": "enabled"}), json!({"name": "absent roles"})]
    {
        let created = sim.post(&format!("{ORG}/keys"), body).await.assert_ok().clone();
        assert_eq!(created["key"]["roles"], json!([]));
        assert_eq!(created["key"]["assignedRoles"], json!([]));
        let id = created["key"]["id"].as_str().unwrap();
        assert_eq!(sim.get(&format!("{ORG}/keys/{id}")).await.assert_ok()["assignedRoles"], json!([]));
        let creds = (created["keyId"].as_str().unwrap(), created["keySecret"].as_str().unwrap());
        let r = sim.send(Method::GET, &format!("{ORG}/services"), Some(creds), None, &[]).await;
        r.assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    }
}

#[tokio::test]
async fn key_list_pages_with_the_cursor_clickhousectl_follows_and_stays_whole_without_one() {
    // clickhousectl 0.5.0 `key list --limit N --all` sends `?limit=N`, then
    // `?limit=N&cursor=<nextCursor>` until no `nextCursor` comes back.
    let sim = Sim::start().await;
    for name in ["second", "third"] {
        sim.post(&format!("{ORG}/keys"), json!({"name": name, "roles": ["developer"]})).await.assert_ok();
    }
    // No paging parameters: every key, and nothing beside `result` (the official shape).
    let r = sim.get(&format!("{ORG}/keys")).await;
    assert_eq!(r.assert_ok().as_array().unwrap().len(), 3);
    for extra in ["limit", "totalCount", "nextCursor"] {
        assert!(r.body.get(extra).is_none(), "{extra}: {}", r.text);
    }
    let whole: Vec<Value> = r.result().as_array().unwrap().iter().map(|k| k["id"].clone()).collect();

    let mut paged = Vec::new();
    let mut path = format!("{ORG}/keys?limit=1");
    let mut pages = 0;
    loop {
        let r = sim.get(&path).await;
        let page = r.assert_ok().as_array().unwrap().clone();
        assert_eq!(page.len(), 1);
        assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(1), json!(3)));
        paged.extend(page.iter().map(|k| k["id"].clone()));
        pages += 1;
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => path = format!("{ORG}/keys?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!((pages, &paged), (3, &whole), "each key once, in the unpaged order");

    // A cursor alone pages with the default size.
    let r = sim.get(&format!("{ORG}/keys?limit=1")).await;
    let c = r.body["nextCursor"].as_str().unwrap().to_owned();
    let r = sim.get(&format!("{ORG}/keys?cursor={c}")).await;
    assert_eq!((r.assert_ok().as_array().unwrap().len(), r.body["limit"].clone()), (2, json!(100)));
    for (query, error) in [
        ("limit=0", "BAD_REQUEST: limit must be between 1 and 100"),
        ("limit=many", "BAD_REQUEST: limit must be between 1 and 100"),
        ("cursor=%%%", "BAD_REQUEST: cursor is not a cursor of this list"),
    ] {
        sim.get(&format!("{ORG}/keys?{query}")).await.assert_ch_error(400, error);
    }
}
