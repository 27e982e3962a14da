//! Query API endpoints (`SVC/query-api-endpoints[/{endpointId}]`, the operations
//! clickhousectl 0.5.0's `cloud query-api-endpoint` calls): the round trip, every rule
//! broken once, references to keys and roles, user-owned endpoints, cursor pages,
//! isolation, the per-service cap, the cascade with the service, dump/restore.

use hyper::Method;

use crate::support::*;

const SIM_KEY_ID: &str = "00000000-0000-4000-8000-0000000000a1";
const QUERY_ENDPOINTS_ROLE: &str = "00000000-0000-4000-8000-00000000a003";

fn coll(svc: &str) -> String {
    format!("{ORG}/services/{svc}/query-api-endpoints")
}

fn item(svc: &str, id: &str) -> String {
    format!("{ORG}/services/{svc}/query-api-endpoints/{id}")
}

fn body(name: &str) -> Value {
    json!({"name": name, "sql": "SELECT {n:UInt8}", "database": "default", "parameters": {"n": "1"},
           "apiKeyIds": [SIM_KEY_ID], "roles": [QUERY_ENDPOINTS_ROLE], "allowedOrigins": ["https://app.example.com"]})
}

fn with(mut b: Value, field: &str, value: Value) -> Value {
    b[field] = value;
    b
}

fn without(mut b: Value, field: &str) -> Value {
    b.as_object_mut().unwrap().remove(field);
    b
}

async fn create(sim: &Sim, svc: &str, b: Value) -> Value {
    sim.post(&coll(svc), b).await.assert_ok().clone()
}

async fn listed(sim: &Sim, svc: &str) -> Vec<Value> {
    sim.get(&coll(svc)).await.assert_ok().as_array().expect("result is an array").clone()
}

async fn put(sim: &Sim, path: &str, body: Value) -> Resp {
    sim.ch(Method::PUT, path, Some(body)).await
}

#[tokio::test]
async fn an_endpoint_is_created_read_listed_replaced_and_deleted() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let created = create(&sim, &svc, body("top")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created,
        json!({"id": id, "name": "top", "sql": "SELECT {n:UInt8}", "database": "default", "parameters": {"n": "1"},
               "apiKeyIds": [SIM_KEY_ID], "roles": [QUERY_ENDPOINTS_ROLE],
               "allowedOrigins": ["https://app.example.com"],
               "url": format!("https://queries.clickhouse.cloud/run/{id}"), "ownerType": "queryApiEndpoint"})
    );
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &created);
    let r = sim.get(&coll(&svc)).await;
    let mut list_item = created.clone();
    list_item.as_object_mut().unwrap().remove("sql");
    list_item.as_object_mut().unwrap().remove("parameters");
    assert_eq!(r.assert_ok(), &json!([list_item]));
    assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(100), json!(1)));

    // PUT takes the complete definition: omitted parameters and allowedOrigins reset.
    let next = without(without(with(body("renamed"), "sql", json!("SELECT 2")), "parameters"), "allowedOrigins");
    let replaced = put(&sim, &item(&svc, &id), next).await.assert_ok().clone();
    assert_eq!((replaced["name"].clone(), replaced["sql"].clone()), (json!("renamed"), json!("SELECT 2")));
    assert_eq!((replaced["parameters"].clone(), replaced["allowedOrigins"].clone()), (json!({}), json!([])));
    assert_eq!(replaced["url"], created["url"]);
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &replaced);

    sim.delete(&item(&svc, &id)).await.assert_ok();
    let gone = format!("NOT_FOUND: Query API endpoint {id} not found");
    sim.get(&item(&svc, &id)).await.assert_ch_error(404, &gone);
    sim.delete(&item(&svc, &id)).await.assert_ch_error(404, &gone);
    assert!(listed(&sim, &svc).await.is_empty());
    // The older single endpoint of the service is another resource: still unset.
    sim.get(&format!("{ORG}/services/{svc}/serviceQueryEndpoint")).await.assert_ch_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn every_rule_broken_once_names_the_field_and_changes_nothing() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let kept = create(&sim, &svc, body("kept")).await;
    let id = kept["id"].as_str().unwrap().to_owned();
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let foreign_key =
        sim.send(Method::GET, &format!("/v1/organizations/{org2}/keys"), Some(("k2", "s2")), None, &[]).await;
    let foreign_key = foreign_key.assert_ok()[0]["id"].as_str().unwrap().to_owned();
    let unknown = "99999999-9999-4999-8999-999999999999";
    let b = body("q");
    let cases = [
        (without(b.clone(), "name"), "BAD_REQUEST: name is required".to_owned()),
        (without(b.clone(), "sql"), "BAD_REQUEST: sql is required".to_owned()),
        (with(b.clone(), "database", json!("")), "BAD_REQUEST: database must not be empty".to_owned()),
        (with(b.clone(), "parameters", json!({"a": true})), "BAD_REQUEST: parameters.a must be a string".to_owned()),
        (without(b.clone(), "apiKeyIds"), "BAD_REQUEST: apiKeyIds is required".to_owned()),
        (with(b.clone(), "apiKeyIds", json!(SIM_KEY_ID)), "BAD_REQUEST: apiKeyIds must be an array".to_owned()),
        (with(b.clone(), "apiKeyIds", json!([])), "BAD_REQUEST: apiKeyIds must not be empty".to_owned()),
        (with(b.clone(), "apiKeyIds", json!(["sim-key"])), "BAD_REQUEST: apiKeyIds[0] must be a UUID".to_owned()),
        (
            with(b.clone(), "apiKeyIds", json!([SIM_KEY_ID, unknown])),
            format!("BAD_REQUEST: apiKeyIds[1] names no API key of this organization ('{unknown}')"),
        ),
        (
            with(b.clone(), "apiKeyIds", json!([foreign_key])),
            format!("BAD_REQUEST: apiKeyIds[0] names no API key of this organization ('{foreign_key}')"),
        ),
        (
            with(b.clone(), "apiKeyIds", json!([SIM_KEY_ID, SIM_KEY_ID])),
            format!("BAD_REQUEST: apiKeyIds[1] repeats '{SIM_KEY_ID}'"),
        ),
        (without(b.clone(), "roles"), "BAD_REQUEST: roles is required".to_owned()),
        (with(b.clone(), "roles", json!([])), "BAD_REQUEST: roles must not be empty".to_owned()),
        (with(b.clone(), "roles", json!([7])), "BAD_REQUEST: roles[0] must be a string".to_owned()),
        (
            with(b.clone(), "roles", json!(["sql_console_admin"])),
            "BAD_REQUEST: roles[0] names no role of this organization ('sql_console_admin')".to_owned(),
        ),
        (
            with(b.clone(), "roles", json!([unknown])),
            format!("BAD_REQUEST: roles[0] names no role of this organization ('{unknown}')"),
        ),
        (
            with(b.clone(), "roles", json!([QUERY_ENDPOINTS_ROLE, QUERY_ENDPOINTS_ROLE])),
            format!("BAD_REQUEST: roles[1] repeats '{QUERY_ENDPOINTS_ROLE}'"),
        ),
        (with(b.clone(), "allowedOrigins", json!("*")), "BAD_REQUEST: allowedOrigins must be an array".to_owned()),
        (
            with(b.clone(), "allowedOrigins", json!(["*", "bad origin"])),
            "BAD_REQUEST: allowedOrigins[1] must be * or an origin".to_owned(),
        ),
        (
            with(b.clone(), "allowedOrigins", json!(vec!["a.io"; 101])),
            "BAD_REQUEST: allowedOrigins must have at most 100 entries".to_owned(),
        ),
    ];
    for (bad, error) in cases {
        sim.post(&coll(&svc), bad.clone()).await.assert_ch_error(400, &error);
        put(&sim, &item(&svc, &id), bad).await.assert_ch_error(400, &error);
    }
    sim.get(&item(&svc, "nope")).await.assert_ch_error(400, "BAD_REQUEST: Invalid endpointId");
    let other = create(&sim, &svc, body("other")).await;
    sim.post(&coll(&svc), body("kept"))
        .await
        .assert_ch_error(409, "CONFLICT: A Query API endpoint named 'kept' already exists in this service");
    put(&sim, &item(&svc, other["id"].as_str().unwrap()), body("kept")).await.assert_ch_error(409, "CONFLICT");
    assert_eq!(listed(&sim, &svc).await.len(), 2);
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &kept);
}

#[tokio::test]
async fn roles_are_the_organizations_role_ids_and_leave_with_a_deleted_role_or_key() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let role = sim.post(&format!("{ORG}/roles"), json!({"name": "ops", "actors": [], "policies": []})).await;
    let role = role.assert_ok()["id"].as_str().unwrap().to_owned();
    let key = sim.post(&format!("{ORG}/keys"), json!({"name": "caller", "roles": ["developer"]})).await;
    let key = key.assert_ok()["key"]["id"].as_str().unwrap().to_owned();
    // A system role id in any case is stored as the roles list names it.
    let b = with(
        with(body("e"), "roles", json!([QUERY_ENDPOINTS_ROLE.to_uppercase(), role])),
        "apiKeyIds",
        json!([SIM_KEY_ID, key]),
    );
    let e = create(&sim, &svc, b).await;
    assert_eq!(e["roles"], json!([QUERY_ENDPOINTS_ROLE, role]));
    let id = e["id"].as_str().unwrap();

    sim.delete(&format!("{ORG}/roles/{role}")).await.assert_ok();
    sim.delete(&format!("{ORG}/keys/{key}")).await.assert_ok();
    let after = sim.get(&item(&svc, id)).await.assert_ok().clone();
    assert_eq!(
        (after["roles"].clone(), after["apiKeyIds"].clone()),
        (json!([QUERY_ENDPOINTS_ROLE]), json!([SIM_KEY_ID]))
    );
}

#[tokio::test]
async fn a_user_owned_endpoint_can_be_read_but_not_updated_or_deleted() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let e = create(&sim, &svc, body("console")).await;
    let id = e["id"].as_str().unwrap();
    let mut dump = sim.sim_get("/_sim/state").await.body;
    dump["providers"]["clickhouse"]["queryApiEndpoints"][0]["ownerType"] = json!("user");
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let owned = sim.get(&item(&svc, id)).await.assert_ok().clone();
    assert_eq!(owned["ownerType"], "user");
    assert_eq!(listed(&sim, &svc).await[0]["ownerType"], "user");
    let refused = format!(
        "CONFLICT: Query API endpoint {id} is owned by a user and cannot be updated or deleted through this API"
    );
    put(&sim, &item(&svc, id), body("mine")).await.assert_ch_error(409, &refused);
    sim.delete(&item(&svc, id)).await.assert_ch_error(409, &refused);
    assert_eq!(sim.get(&item(&svc, id)).await.assert_ok(), &owned);
}

#[tokio::test]
async fn lists_page_with_the_top_level_cursor_and_services_are_isolated() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    for i in 0..3 {
        create(&sim, &a, body(&format!("e{i}"))).await;
    }
    let r = sim.get(&format!("{}?limit=2", coll(&a))).await;
    assert_eq!(r.assert_ok().as_array().unwrap().len(), 2);
    assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(2), json!(3)));
    let cursor = r.body["nextCursor"].as_str().expect("a next page").to_owned();
    let r = sim.get(&format!("{}?limit=2&cursor={cursor}", coll(&a))).await;
    assert_eq!(r.assert_ok().as_array().unwrap()[0]["name"], "e2");
    assert!(r.body.get("nextCursor").is_none(), "{}", r.text);
    sim.get(&format!("{}?limit=500", coll(&a)))
        .await
        .assert_ch_error(400, "BAD_REQUEST: limit must be between 1 and 100");

    // The other service lists nothing, finds nothing, and may reuse a name.
    assert!(listed(&sim, &b).await.is_empty());
    let id = listed(&sim, &a).await[0]["id"].as_str().unwrap().to_owned();
    sim.get(&item(&b, &id)).await.assert_ch_error(404, &format!("NOT_FOUND: Query API endpoint {id} not found"));
    create(&sim, &b, body("e0")).await;
    let unknown = "99999999-9999-4999-8999-999999999999";
    sim.get(&coll(unknown)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
}

#[tokio::test]
async fn the_per_service_cap_refuses_one_more() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.maxQueryApiEndpointsPerService": 1})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = sim.running_service().await;
    create(&sim, &a, body("one")).await;
    sim.post(&coll(&a), body("two"))
        .await
        .assert_ch_error(403, "FORBIDDEN: Query API endpoint limit reached for this service (1)");
    assert_eq!(listed(&sim, &a).await.len(), 1);
}

#[tokio::test]
async fn deleting_the_service_deletes_its_endpoints_and_the_dump_restores_them() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let keep = sim.running_service().await;
    create(&sim, &svc, body("gone")).await;
    let kept = create(&sim, &keep, body("kept")).await;
    let before = sim.sim_get("/_sim/state").await.body;
    assert_eq!(before["providers"]["clickhouse"]["queryApiEndpoints"].as_array().map(Vec::len), Some(2));

    sim.patch(&format!("{ORG}/services/{svc}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.delete(&format!("{ORG}/services/{svc}")).await.assert_ok();
    sim.advance(120).await;
    sim.get(&coll(&svc)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {svc} not found"));
    let rows = sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"]["queryApiEndpoints"].clone();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");

    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"], before["providers"]["clickhouse"]);
    assert_eq!(listed(&sim, &svc).await.len(), 1);
    assert_eq!(sim.get(&item(&keep, kept["id"].as_str().unwrap())).await.assert_ok(), &kept);
    sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"]["queryApiEndpoints"], json!([]));
}

#[tokio::test]
async fn reads_need_view_query_api_endpoints_and_writes_manage() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let e = create(&sim, &svc, body("e")).await;
    let policy =
        |perm: &str| json!({"allowDeny": "ALLOW", "permissions": [perm], "resources": [format!("instance/{svc}")]});
    let viewer = sim
        .post(
            &format!("{ORG}/roles"),
            json!({"name": "viewer", "actors": [], "policies": [policy("control-plane:service:view-query-api-endpoints")]}),
        )
        .await;
    let viewer = viewer.assert_ok()["id"].as_str().unwrap().to_owned();
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "reader", "assignedRoleIds": [viewer]})).await;
    let (kid, secret) =
        (r.result()["keyId"].as_str().unwrap().to_owned(), r.result()["keySecret"].as_str().unwrap().to_owned());
    let reader = Some((kid.as_str(), secret.as_str()));
    let r = sim.send(Method::GET, &item(&svc, e["id"].as_str().unwrap()), reader, None, &[]).await;
    assert_eq!(r.assert_ok(), &e);
    sim.send(Method::POST, &coll(&svc), reader, Some(body("w")), &[])
        .await
        .assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    let journal = sim.sim_get("/_sim/requests").await.body;
    let ops: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().filter_map(|e| e["operation"].as_str()).collect();
    assert!(ops.contains(&"queryApiEndpointCreate") && ops.contains(&"queryApiEndpointGet"), "{ops:?}");
}
