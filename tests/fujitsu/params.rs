//! DB parameter groups (seed 1.5.2.1–1.5.2.5, lines 7968–8574; change rules 1.1.4, lines
//! 190–197): create, list, get, modify, delete, RESTART_REQUIRED after a change that
//! needs a restart, and every rule broken once.

use hyper::Method;

use super::tenants::{other_tenant_yaml, OTHER, OTHER_USER};
use crate::support::fujitsu::*;
use crate::support::*;

fn groups(tail: &str) -> String {
    path(&format!("/parametergroups{tail}"))
}

async fn create_group(fj: &Fj, id: &str) -> Resp {
    let body = json!({"parametergroup": {"parameterGroupFamily": "enterprisepostgres_v12", "id": id, "name": format!("{id}-name"), "description": "this is test"}});
    fj.fj(Method::POST, &groups(""), Some(body)).await
}

async fn change(fj: &Fj, id: &str, params: Value) -> Resp {
    fj.fj(Method::PUT, &groups(&format!("/{id}")), Some(json!({"parametergroup": {"parameters": params}}))).await
}

async fn post(fj: &Fj, body: Value) -> Resp {
    fj.fj(Method::POST, &groups(""), Some(body)).await
}

fn param<'a>(group: &'a Value, name: &str) -> &'a Value {
    group["parameterGroup"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("parameter {name} in {group}"))
}

fn ids_of(r: &Resp) -> Vec<String> {
    r.body["parameterGroups"]
        .as_array()
        .unwrap_or_else(|| panic!("parameterGroups is a list: {}", r.text))
        .iter()
        .map(|g| g["parameterGroup"]["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_group_is_created_listed_shown_with_every_parameter_field_and_deleted() {
    let fj = Fj::start().await;
    let r = create_group(&fj, "pg1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let g = &r.body["dbParameterGroup"];
    assert_eq!((g["id"].as_str(), g["name"].as_str()), (Some("pg1"), Some("pg1-name")));
    assert_eq!(
        (g["parameterGroupFamily"].as_str(), g["description"].as_str()),
        (Some("enterprisepostgres_v12"), Some("this is test"))
    );
    assert_eq!(g["appliedInstances"], json!([]));
    let r = fj.fj_get(&groups("")).await;
    assert_eq!(ids_of(&r), ["default", "paramid1", "pg1"]);
    let r = fj.fj_get(&groups("?marker=paramid1")).await;
    assert_eq!(ids_of(&r), ["pg1"]);
    let r = fj.fj_get(&groups("/pg1")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sb = param(&r.body, "shared_buffers");
    for (k, v) in [
        ("value", json!("65536")),
        ("allowedValues", json!("16-1073741823")),
        ("applyType", json!("static")),
        ("dataType", json!("integer")),
        ("isModifiable", json!(true)),
        ("minimumEngineVersion", json!("12.1")),
        ("source", json!("system")),
    ] {
        assert_eq!(sb[k], v, "shared_buffers.{k} as seed 8415–8426 prints it");
    }
    assert_eq!(param(&r.body, "shared_preload_libraries")["isModifiable"], json!(false));
    fj.fj(Method::DELETE, &groups("/pg1"), None).await.assert_accepted();
    fj.fj_get(&groups("/pg1")).await.assert_fj_error(404, "pg1");
    assert_eq!(ids_of(&fj.fj_get(&groups("")).await), ["default", "paramid1"]);
}

#[tokio::test]
async fn a_generated_id_obeys_the_id_rule_and_the_family_defaults_to_v15() {
    let fj = Fj::start().await;
    let r = fj.fj(Method::POST, &groups(""), Some(json!({"parametergroup": {"name": "dbparam1"}}))).await;
    let g = &r.body["dbParameterGroup"];
    assert_eq!(g["parameterGroupFamily"], "enterprisepostgres_v15", "seed 8003–8020 default; {}", r.text);
    let id = g["id"].as_str().unwrap();
    assert!(id.starts_with("paramgroup-") && !id.contains('_'), "{id}");
}

#[tokio::test]
async fn a_pending_reboot_change_makes_attached_instances_restart_required_until_rebooted() {
    let fj = Fj::start().await;
    create_group(&fj, "pg1").await;
    fj.create_instance_with("db1", json!({"parameterGroupId": "pg1"})).await;
    fj.wait_active("db1").await;
    fj.active_instance("other").await;
    assert_eq!(create_group(&fj, "pg2").await.status, 200);
    let r = fj.fj_get(&groups("/pg1")).await;
    assert_eq!(r.body["parameterGroup"]["appliedInstances"], json!(["db1"]));
    // A dynamic parameter applied immediately: no restart (seed 194).
    let r = change(&fj, "pg1", json!([{"name": "work_mem", "value": "8192", "applyMethod": "immediate"}])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(param(&r.body, "work_mem")["value"], "8192");
    assert_eq!(param(&r.body, "work_mem")["source"], "user");
    assert_eq!(fj.instance_status("db1").await, "ACTIVE");
    // A static one: at the next restart only (seed 193).
    let r = change(&fj, "pg1", json!([{"name": "shared_buffers", "value": "131072", "applyMethod": "pending-reboot"}]))
        .await;
    assert_eq!(param(&r.body, "shared_buffers")["value"], "131072", "{}", r.text);
    assert_eq!(fj.instance_status("db1").await, "RESTART_REQUIRED");
    assert_eq!(fj.instance_status("other").await, "ACTIVE", "another group's instance is untouched");
    fj.act("db1", "reboot").await.assert_accepted();
    fj.wait_active("db1").await;
    // Reset to defaults: the static change needs a restart again.
    let r = fj.fj(Method::PUT, &groups("/pg1"), Some(json!({"parametergroup": {"resetAllparameters": true}}))).await;
    assert_eq!(param(&r.body, "shared_buffers")["source"], "system", "{}", r.text);
    assert_eq!(param(&r.body, "work_mem")["value"], "4096");
    assert_eq!(fj.instance_status("db1").await, "RESTART_REQUIRED");
    // In use: not deletable; once the instance moves to another group, deletable.
    fj.fj(Method::DELETE, &groups("/pg1"), None).await.assert_fj_error(422, "db1");
    let r = fj.modify("db1", json!({"parameterGroupId": "pg2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.fj(Method::DELETE, &groups("/pg1"), None).await.assert_accepted();
}

#[tokio::test]
async fn every_rule_is_refused_naming_the_field_and_changes_nothing() {
    let fj = Fj::start().await;
    create_group(&fj, "pg1").await;
    let before = fj.fj_get(&groups("/pg1")).await.body;
    post(&fj, json!({})).await.assert_fj_error(400, "parametergroup");
    post(&fj, json!({"parametergroup": {}})).await.assert_fj_error(400, "parametergroup.name");
    post(&fj, json!({"parametergroup": {"name": "a--b"}})).await.assert_fj_error(400, "parametergroup.name");
    post(&fj, json!({"parametergroup": {"name": "p", "id": "9p"}})).await.assert_fj_error(400, "parametergroup.id");
    post(&fj, json!({"parametergroup": {"name": "p", "parameterGroupFamily": "mysql8"}}))
        .await
        .assert_fj_error(400, "parametergroup.parameterGroupFamily");
    post(&fj, json!({"parametergroup": {"name": "p", "description": "d".repeat(256)}}))
        .await
        .assert_fj_error(400, "parametergroup.description");
    post(&fj, json!({"parametergroup": {"name": "p", "id": "pg1"}}))
        .await
        .assert_fj_error(400, "DBParameterGroupAlreadyExists");
    let bad = [
        (json!({"parametergroup": {}}), "parametergroup.parameters"),
        (json!({"parametergroup": {"parameters": [{"name": "nope", "value": "1"}]}}), "parameters[0].name"),
        (json!({"parametergroup": {"parameters": [{"value": "1"}]}}), "parameters[0].name"),
        (
            json!({"parametergroup": {"parameters": [{"name": "shared_preload_libraries", "value": "pg_stat_statements"}]}}),
            "isModifiable",
        ),
        (
            json!({"parametergroup": {"parameters": [{"name": "shared_buffers", "value": "65536", "applyMethod": "immediate"}]}}),
            "static",
        ),
        (json!({"parametergroup": {"parameters": [{"name": "shared_buffers", "value": "8"}]}}), "parameters[0].value"),
        (
            json!({"parametergroup": {"parameters": [{"name": "shared_buffers", "value": "many"}]}}),
            "parameters[0].value",
        ),
        (
            json!({"parametergroup": {"parameters": [{"name": "log_statement", "value": "some"}]}}),
            "parameters[0].value",
        ),
        (
            json!({"parametergroup": {"parameters": [{"name": "work_mem", "value": "8192", "applyMethod": "later"}]}}),
            "applyMethod",
        ),
        (
            json!({"parametergroup": {"parameters": [{"name": "work_mem", "value": "8192"}, {"name": "x"}]}}),
            "parameters[1].name",
        ),
    ];
    for (body, field) in bad {
        fj.fj(Method::PUT, &groups("/pg1"), Some(body)).await.assert_fj_error(400, field);
    }
    assert_eq!(fj.fj_get(&groups("/pg1")).await.body, before, "rejected changes change nothing");
    // The default group is the system's.
    change(&fj, "default", json!([{"name": "work_mem", "value": "8192"}])).await.assert_fj_error(422, "default");
    fj.fj(Method::DELETE, &groups("/default"), None).await.assert_fj_error(422, "default");
    change(&fj, "nope", json!([{"name": "work_mem", "value": "8192"}])).await.assert_fj_error(404, "nope");
    fj.fj(Method::DELETE, &groups("/nope"), None).await.assert_fj_error(404, "nope");
    fj.fj_get(&groups("?limit=101")).await.assert_fj_error(400, "limit");
    fj.fj_get(&groups("?marker=nope")).await.assert_fj_error(400, "marker");
    let r = fj.sim_patch("/_sim/config", json!({"fujitsu.quota.parameterGroups": 3})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    create_group(&fj, "pg2").await.assert_fj_error(413, "DBParameterGroupQuotaExceeded");
    assert_eq!(ids_of(&fj.fj_get(&groups("")).await), ["default", "paramid1", "pg1"]);
}

#[tokio::test]
async fn a_new_group_is_usable_by_instances_and_groups_are_dumped_reset_and_isolated() {
    let fj = Fj::start().await;
    create_group(&fj, "pg1").await;
    change(&fj, "pg1", json!([{"name": "max_connections", "value": 200}])).await;
    // A new group is a valid instance.parameterGroupId.
    let i = fj.create_instance_with("db1", json!({"parameterGroupId": "pg1"})).await;
    assert_eq!(i["parameterGroupId"], "pg1", "{i}");
    // Another tenant sees none of them.
    fj.load(&other_tenant_yaml()).await;
    let b = fj.token_for(OTHER, OTHER_USER.0, OTHER_USER.1, OTHER_USER.2).await;
    let r = fj.fj_as(&b, Method::GET, &format!("/v1.0/{OTHER}/parametergroups/pg1"), None).await;
    r.assert_fj_error(404, "pg1");
    let dump = fj.sim_get("/_sim/state").await.body;
    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    fj.fj_get(&groups("/pg1")).await.assert_fj_error(404, "pg1");
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.sync_clock().await;
    let r = fj.fj_get(&groups("/pg1")).await;
    assert_eq!(param(&r.body, "max_connections")["value"], "200", "{}", r.text);
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "modifyParameterGroup"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}})).await;
    change(&fj, "pg1", json!([{"name": "work_mem", "value": "8192", "applyMethod": "immediate"}]))
        .await
        .assert_fj_error(503, "ServiceUnavailable");
    let doc = fj.sim_get("/_sim/openapi/fujitsu.json").await.body;
    assert_eq!(
        doc["paths"]["/v1.0/{tenantId}/parametergroups/{parameterGroupId}"]["put"]["operationId"],
        "modifyParameterGroup"
    );
}
