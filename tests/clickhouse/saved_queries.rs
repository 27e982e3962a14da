//! Saved queries (`SVC/saved-queries[/{queryId}]`, the operations clickhousectl 0.5.0's
//! `cloud saved-query` calls): the round trip, every rule broken once, cursor pages,
//! isolation, the per-service cap, the cascade with the service, dump/restore and reset.

use hyper::Method;

use crate::support::*;

fn coll(svc: &str) -> String {
    format!("{ORG}/services/{svc}/saved-queries")
}

fn item(svc: &str, id: &str) -> String {
    format!("{ORG}/services/{svc}/saved-queries/{id}")
}

fn body(name: &str) -> Value {
    json!({"name": name, "sql": "SELECT {n:UInt8}", "database": "default", "parameters": {"n": "1"}})
}

async fn create(sim: &Sim, svc: &str, name: &str) -> Value {
    sim.post(&coll(svc), body(name)).await.assert_ok().clone()
}

/// The whole list of a service (one page of 100).
async fn listed(sim: &Sim, svc: &str) -> Vec<Value> {
    sim.get(&coll(svc)).await.assert_ok().as_array().expect("result is an array").clone()
}

async fn put(sim: &Sim, path: &str, body: Value) -> Resp {
    sim.ch(Method::PUT, path, Some(body)).await
}

#[tokio::test]
async fn a_saved_query_is_created_read_listed_replaced_and_deleted() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let created = create(&sim, &svc, "daily").await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(
        created,
        json!({"id": id, "name": "daily", "sql": "SELECT {n:UInt8}", "database": "default", "parameters": {"n": "1"}})
    );
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &created);

    let r = sim.get(&coll(&svc)).await;
    assert_eq!(r.assert_ok(), &json!([{"id": id, "name": "daily", "database": "default"}]));
    assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(100), json!(1)));
    assert!(r.body.get("nextCursor").is_none(), "one page: {}", r.text);

    // PUT replaces the whole query: the omitted parameters are gone.
    let replaced = put(&sim, &item(&svc, &id), json!({"name": "nightly", "sql": "SELECT 2", "database": "db2"}))
        .await
        .assert_ok()
        .clone();
    assert_eq!(replaced, json!({"id": id, "name": "nightly", "sql": "SELECT 2", "database": "db2", "parameters": {}}));
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &replaced);

    let r = sim.delete(&item(&svc, &id)).await;
    assert_eq!((r.status, r.body["status"].clone()), (200, json!(200)));
    assert!(r.body.get("result").is_none(), "{}", r.text);
    let gone = format!("NOT_FOUND: Saved query {id} not found");
    sim.get(&item(&svc, &id)).await.assert_ch_error(404, &gone);
    sim.delete(&item(&svc, &id)).await.assert_ch_error(404, &gone);
    put(&sim, &item(&svc, &id), body("x")).await.assert_ch_error(404, &gone);
    assert!(listed(&sim, &svc).await.is_empty());

    let journal = sim.sim_get("/_sim/requests").await.body;
    let ops: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().filter_map(|e| e["operation"].as_str()).collect();
    for op in ["savedQueryCreate", "savedQueryGet", "savedQueryList", "savedQueryUpdate", "savedQueryDelete"] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
}

#[tokio::test]
async fn every_rule_broken_once_names_the_field_and_changes_nothing() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let kept = create(&sim, &svc, "kept").await;
    let id = kept["id"].as_str().unwrap().to_owned();
    let many: serde_json::Map<String, Value> = (0..101).map(|i| (format!("p{i}"), json!("v"))).collect();
    let cases = [
        (json!({"sql": "SELECT 1", "database": "d"}), "BAD_REQUEST: name is required"),
        (json!({"name": 5, "sql": "SELECT 1", "database": "d"}), "BAD_REQUEST: name must be a string"),
        (json!({"name": "  ", "sql": "SELECT 1", "database": "d"}), "BAD_REQUEST: name must not be empty"),
        (
            json!({"name": "n".repeat(256), "sql": "SELECT 1", "database": "d"}),
            "BAD_REQUEST: name must be at most 255 characters",
        ),
        (json!({"name": "q", "database": "d"}), "BAD_REQUEST: sql is required"),
        (json!({"name": "q", "sql": "", "database": "d"}), "BAD_REQUEST: sql must not be empty"),
        (json!({"name": "q", "sql": "SELECT 1"}), "BAD_REQUEST: database is required"),
        (json!({"name": "q", "sql": "SELECT 1", "database": " "}), "BAD_REQUEST: database must not be empty"),
        (
            json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": ["a"]}),
            "BAD_REQUEST: parameters must be an object",
        ),
        (
            json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": {"a": 1}}),
            "BAD_REQUEST: parameters.a must be a string",
        ),
        (
            json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": {"": "v"}}),
            "BAD_REQUEST: parameters names must not be empty",
        ),
        (
            json!({"name": "q", "sql": "SELECT 1", "database": "d", "parameters": many}),
            "BAD_REQUEST: parameters must have at most 100 entries",
        ),
    ];
    for (bad, error) in cases {
        sim.post(&coll(&svc), bad.clone()).await.assert_ch_error(400, error);
        put(&sim, &item(&svc, &id), bad).await.assert_ch_error(400, error);
    }
    let r = sim.send(Method::POST, &coll(&svc), Some(KEY), None, &[]).await;
    r.assert_ch_error(400, "BAD_REQUEST: name is required");
    let r = sim.send_raw(Method::POST, &coll(&svc), Some(KEY), Some(b"{".to_vec()), &[]).await;
    r.assert_ch_error(400, "BAD_REQUEST: Invalid JSON body");
    sim.get(&item(&svc, "nope")).await.assert_ch_error(400, "BAD_REQUEST: Invalid queryId");
    sim.get(&coll("nope")).await.assert_ch_error(400, "BAD_REQUEST: Invalid serviceId");

    // Names are unique within the service: a create or a rename onto a taken name is a 409.
    let other = create(&sim, &svc, "other").await;
    sim.post(&coll(&svc), body("kept"))
        .await
        .assert_ch_error(409, "CONFLICT: A saved query named 'kept' already exists");
    let other_id = other["id"].as_str().unwrap();
    put(&sim, &item(&svc, other_id), body("kept"))
        .await
        .assert_ch_error(409, "CONFLICT: A saved query named 'kept' already exists");
    // Keeping its own name is no clash.
    put(&sim, &item(&svc, &id), body("kept")).await.assert_ok();

    assert_eq!(listed(&sim, &svc).await.len(), 2);
    assert_eq!(sim.get(&item(&svc, &id)).await.assert_ok(), &kept);
    assert_eq!(sim.get(&item(&svc, other_id)).await.assert_ok(), &other);
}

#[tokio::test]
async fn lists_page_with_the_top_level_cursor_the_cli_follows() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create(&sim, &svc, &format!("q{i}")).await["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => format!("{}?limit=2", coll(&svc)),
            Some(c) => format!("{}?limit=2&cursor={c}", coll(&svc)),
        };
        let r = sim.get(&path).await;
        let page = r.assert_ok().as_array().unwrap().clone();
        // The first page counts 5; the later ones 4, after the delete below.
        let total = if pages == 0 { 5 } else { 4 };
        assert_eq!((r.body["limit"].clone(), r.body["totalCount"].clone()), (json!(2), json!(total)));
        seen.extend(page.iter().map(|q| q["id"].as_str().unwrap().to_owned()));
        pages += 1;
        if pages == 1 {
            // A delete between two pages (of the item the cursor names) neither repeats
            // nor skips what is left.
            sim.delete(&item(&svc, &ids[1])).await.assert_ok();
        }
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "creation order, each once");

    for (query, error) in [
        ("limit=0", "BAD_REQUEST: limit must be between 1 and 100"),
        ("limit=101", "BAD_REQUEST: limit must be between 1 and 100"),
        ("limit=x", "BAD_REQUEST: limit must be between 1 and 100"),
        ("cursor=not-ours", "BAD_REQUEST: cursor is not a cursor of this list"),
    ] {
        sim.get(&format!("{}?{query}", coll(&svc))).await.assert_ch_error(400, error);
    }
}

#[tokio::test]
async fn queries_belong_to_one_service_of_one_organization() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    let q = create(&sim, &a, "same").await;
    let id = q["id"].as_str().unwrap();
    // Another service neither lists nor finds it, and may hold the same name.
    assert!(listed(&sim, &b).await.is_empty());
    sim.get(&item(&b, id)).await.assert_ch_error(404, &format!("NOT_FOUND: Saved query {id} not found"));
    sim.delete(&item(&b, id)).await.assert_ch_error(404, "NOT_FOUND: Saved query");
    create(&sim, &b, "same").await;
    assert_eq!(listed(&sim, &a).await.len(), 1);

    // A key of another organization reaches nothing of this one.
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let k2 = Some(("k2", "s2"));
    let r = sim.send(Method::GET, &coll(&a), k2, None, &[]).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/services/{a}/saved-queries"), k2, None, &[]).await;
    r.assert_ch_error(404, &format!("NOT_FOUND: Service {a} not found"));

    // An unknown service is the official 404.
    let unknown = "99999999-9999-4999-8999-999999999999";
    sim.get(&coll(unknown)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
    sim.post(&coll(unknown), body("x")).await.assert_ch_error(404, &format!("NOT_FOUND: Service {unknown} not found"));
}

#[tokio::test]
async fn the_per_service_cap_refuses_one_more() {
    let sim = Sim::start().await;
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.maxSavedQueriesPerService": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    create(&sim, &a, "one").await;
    create(&sim, &a, "two").await;
    sim.post(&coll(&a), body("three"))
        .await
        .assert_ch_error(403, "FORBIDDEN: Saved query limit reached for this service (2)");
    assert_eq!(listed(&sim, &a).await.len(), 2);
    create(&sim, &b, "three").await;
}

#[tokio::test]
async fn writes_need_service_manage_and_reads_service_view() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let q = create(&sim, &svc, "q").await;
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "dev", "roles": ["developer"]})).await;
    let (kid, ksecret) =
        (r.result()["keyId"].as_str().unwrap().to_owned(), r.result()["keySecret"].as_str().unwrap().to_owned());
    let dev = Some((kid.as_str(), ksecret.as_str()));
    let id = q["id"].as_str().unwrap();
    assert_eq!(sim.send(Method::GET, &item(&svc, id), dev, None, &[]).await.assert_ok(), &q);
    sim.send(Method::POST, &coll(&svc), dev, Some(body("w")), &[])
        .await
        .assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    sim.send(Method::DELETE, &item(&svc, id), dev, None, &[])
        .await
        .assert_ch_error(403, "FORBIDDEN: Insufficient permissions");
    assert_eq!(listed(&sim, &svc).await.len(), 1);
}

#[tokio::test]
async fn deleting_the_service_deletes_its_queries() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let keep = sim.running_service().await;
    create(&sim, &svc, "q").await;
    create(&sim, &keep, "q").await;
    sim.patch(&format!("{ORG}/services/{svc}/state"), json!({"command": "stop"})).await.assert_ok();
    sim.advance(20).await;
    sim.delete(&format!("{ORG}/services/{svc}")).await.assert_ok();
    sim.advance(120).await;
    sim.get(&coll(&svc)).await.assert_ch_error(404, &format!("NOT_FOUND: Service {svc} not found"));
    let dump = sim.sim_get("/_sim/state").await.body;
    let rows = dump["providers"]["clickhouse"]["savedQueries"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["serviceId"], json!(keep));
}

#[tokio::test]
async fn queries_round_trip_through_the_state_dump_and_reset_clears_them() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let q = create(&sim, &svc, "q").await;
    let before = sim.sim_get("/_sim/state").await.body;
    assert_eq!(before["providers"]["clickhouse"]["savedQueries"].as_array().map(Vec::len), Some(1));
    let r = sim.sim_post("/_sim/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"]["savedQueries"], json!([]));
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before.clone()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.sim_get("/_sim/state").await.body["providers"]["clickhouse"], before["providers"]["clickhouse"]);
    let id = q["id"].as_str().unwrap();
    assert_eq!(sim.get(&item(&svc, id)).await.assert_ok(), &q);
    // The next create continues the service's order after the restored one.
    let next = create(&sim, &svc, "after").await;
    let names: Vec<Value> = listed(&sim, &svc).await.iter().map(|x| x["name"].clone()).collect();
    assert_eq!(names, vec![json!("q"), json!("after")]);
    assert_ne!(next["id"], q["id"]);
}

#[tokio::test]
async fn a_query_this_api_does_not_manage_is_read_only() {
    let sim = Sim::start().await;
    let svc = sim.running_service().await;
    let q = create(&sim, &svc, "console").await;
    let id = q["id"].as_str().unwrap();
    let mut dump = sim.sim_get("/_sim/state").await.body;
    dump["providers"]["clickhouse"]["savedQueries"][0]["apiManaged"] = json!(false);
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sim.get(&item(&svc, id)).await.assert_ok(), &q);
    let refused = format!("CONFLICT: Saved query {id} cannot be managed through this API");
    put(&sim, &item(&svc, id), body("renamed")).await.assert_ch_error(409, &refused);
    sim.delete(&item(&svc, id)).await.assert_ch_error(409, &refused);
    assert_eq!(sim.get(&item(&svc, id)).await.assert_ok(), &q);
}
