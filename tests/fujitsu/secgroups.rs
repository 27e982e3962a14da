//! Security groups and their rules (seed 1.11, lines 12691–13450; 1.12, lines
//! 13451–14049): create with the two default egress rules, update, list with `fields`,
//! show, delete; rules create, list, show, delete; every rule broken once.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

fn sg(tail: &str) -> String {
    path(&format!("/security-groups{tail}"))
}

fn rules(tail: &str) -> String {
    path(&format!("/security-group-rules{tail}"))
}

async fn create_group(fj: &Fj) -> Value {
    let body = json!({"security_group": {"name": "database-securitygroup", "description": "security group for dbinstance", "stateful": false}});
    let r = fj.fj(Method::POST, &sg(""), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["security_group"].clone()
}

fn example_rule(group: &str) -> Value {
    json!({"security_group_rule": {"security_group_id": group, "direction": "ingress", "ethertype": "IPv4",
        "port_range_max": 26500, "port_range_min": 26500, "protocol": "tcp", "remote_ip_prefix": "192.168.0.0/24"}})
}

#[tokio::test]
async fn a_group_is_created_with_two_default_egress_rules_updated_listed_and_deleted() {
    let fj = Fj::start().await;
    let g = create_group(&fj).await;
    let id = g["id"].as_str().unwrap().to_owned();
    assert_eq!((g["name"].as_str(), g["stateful"].as_bool()), (Some("database-securitygroup"), Some(false)));
    let rs = g["security_group_rules"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    for (r, ether) in rs.iter().zip(["IPv4", "IPv6"]) {
        let r = &r["security_group_rule"];
        assert_eq!((r["direction"].as_str(), r["ethertype"].as_str()), (Some("egress"), Some(ether)));
        assert_eq!(
            (&r["protocol"], &r["remote_ip_prefix"], &r["description"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(r["security_group_id"], id.as_str());
    }
    let r = fj
        .fj(
            Method::PUT,
            &sg(&format!("/{id}")),
            Some(json!({"security_group": {"name": "changenname-database-securitygroup"}})),
        )
        .await;
    assert_eq!(r.body["security_group"]["name"], "changenname-database-securitygroup", "{}", r.text);
    assert_eq!(r.body["security_group"]["description"], "security group for dbinstance");
    let r = fj.fj_get(&sg("?fields=id&fields=name")).await;
    let list = r.body["security_groups"].as_array().unwrap();
    assert_eq!(list.len(), 4, "default, secid1, secid2 and the new one: {}", r.text);
    let keys: Vec<&String> = list[3]["security_group"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "name"], "seed 13145: only the fields asked for");
    assert_eq!(
        fj.fj_get(&sg("/secid1")).await.body["security_group"]["security_group_rules"].as_array().map(Vec::len),
        Some(2)
    );
    fj.fj(Method::DELETE, &sg(&format!("/{id}")), None).await.assert_accepted();
    fj.fj_get(&sg(&format!("/{id}"))).await.assert_fj_error(404, &id);
    // A new group is a valid instance.securityGroupIds entry.
    let g = create_group(&fj).await;
    let i = fj.create_instance_with("db1", json!({"securityGroupIds": [g["id"]]})).await;
    assert_eq!(i["status"], "BUILD");
    fj.fj(Method::DELETE, &sg(&format!("/{}", g["id"].as_str().unwrap())), None).await.assert_fj_error(422, "db1");
}

#[tokio::test]
async fn a_rule_is_created_shown_listed_in_its_group_and_deleted() {
    let fj = Fj::start().await;
    let g = create_group(&fj).await;
    let gid = g["id"].as_str().unwrap();
    let r = fj.fj(Method::POST, &rules(""), Some(example_rule(gid))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rule = r.body["security_group_rule"].clone();
    assert_eq!(
        (rule["protocol"].as_str(), rule["port_range_min"].as_u64(), rule["description"].as_str()),
        (Some("tcp"), Some(26500), Some(""))
    );
    let rid = rule["id"].as_str().unwrap();
    assert_eq!(fj.fj_get(&rules(&format!("/{rid}"))).await.body["security_group_rule"], rule);
    let group = fj.fj_get(&sg(&format!("/{gid}"))).await.body["security_group"].clone();
    assert_eq!(group["security_group_rules"].as_array().map(Vec::len), Some(3));
    let r = fj.fj_get(&rules("?fields=id&fields=direction")).await;
    let all = r.body["security_group_rules"].as_array().unwrap();
    assert_eq!(all.len(), 3 * 2 + 3, "every group's rules: {}", r.text);
    assert_eq!(all[0]["security_group_rule"].as_object().unwrap().len(), 2);
    fj.fj(Method::POST, &rules(""), Some(example_rule(gid))).await.assert_fj_error(422, "SecurityGroupRuleExists");
    fj.fj(Method::DELETE, &rules(&format!("/{rid}")), None).await.assert_accepted();
    fj.fj_get(&rules(&format!("/{rid}"))).await.assert_fj_error(404, rid);
    // The prefix is normalised; protocol numbers are accepted.
    let r = fj.fj(Method::POST, &rules(""), Some(json!({"security_group_rule": {"security_group_id": "secid1", "direction": "ingress", "protocol": 6, "port_range_min": 1, "port_range_max": 65535, "remote_ip_prefix": "10.1.2.3/16"}}))).await;
    assert_eq!(r.body["security_group_rule"]["remote_ip_prefix"], "10.1.0.0/16", "{}", r.text);
}

#[tokio::test]
async fn every_rule_is_refused_naming_the_field_and_changes_nothing() {
    let fj = Fj::start().await;
    let g = create_group(&fj).await;
    let gid = g["id"].as_str().unwrap().to_owned();
    let before = fj.fujitsu_state().await["securityGroups"].clone();
    let post = |b: Value| {
        let p = sg("");
        let fj = &fj;
        async move { fj.fj(Method::POST, &p, Some(b)).await }
    };
    post(json!({})).await.assert_fj_error(400, "security_group");
    post(json!({"security_group": {"description": "x"}})).await.assert_fj_error(400, "security_group.name");
    post(json!({"security_group": {"name": ""}})).await.assert_fj_error(400, "security_group.name");
    post(json!({"security_group": {"name": "n", "stateful": "no"}}))
        .await
        .assert_fj_error(400, "security_group.stateful");
    post(json!({"security_group": {"name": "n", "description": "d".repeat(256)}}))
        .await
        .assert_fj_error(400, "security_group.description");
    fj.fj(Method::PUT, &sg(&format!("/{gid}")), Some(json!({"security_group": {}})))
        .await
        .assert_fj_error(400, "security_group");
    fj.fj(Method::PUT, &sg("/nope"), Some(json!({"security_group": {"name": "n"}}))).await.assert_fj_error(404, "nope");
    fj.fj(Method::DELETE, &sg("/nope"), None).await.assert_fj_error(404, "nope");
    fj.fj(Method::DELETE, &sg("/default"), None).await.assert_fj_error(422, "default");
    let rule = |changes: Value| {
        let mut b = example_rule(&gid);
        merge(&mut b["security_group_rule"], &changes);
        b
    };
    let bad = [
        (json!({}), "security_group_rule"),
        (rule(json!({"security_group_id": null})), "security_group_rule.security_group_id"),
        (rule(json!({"direction": "sideways"})), "security_group_rule.direction"),
        (rule(json!({"ethertype": "IPv6"})), "security_group_rule.ethertype"),
        (rule(json!({"protocol": "sctp"})), "security_group_rule.protocol"),
        (rule(json!({"protocol": 143})), "security_group_rule.protocol"),
        (rule(json!({"port_range_min": 0})), "security_group_rule.port_range_min"),
        (rule(json!({"port_range_max": 70000})), "security_group_rule.port_range_max"),
        (rule(json!({"port_range_min": 30000})), "security_group_rule.port_range_max"),
        (rule(json!({"protocol": null})), "security_group_rule.port_range_min"),
        (rule(json!({"remote_ip_prefix": "192.168.0.0"})), "security_group_rule.remote_ip_prefix"),
    ];
    for (body, field) in bad {
        fj.fj(Method::POST, &rules(""), Some(body)).await.assert_fj_error(400, field);
    }
    fj.fj(Method::POST, &rules(""), Some(rule(json!({"security_group_id": "nope"}))))
        .await
        .assert_fj_error(404, "security_group_id");
    fj.fj(Method::DELETE, &rules("/nope"), None).await.assert_fj_error(404, "nope");
    assert_eq!(fj.fujitsu_state().await["securityGroups"], before, "rejected requests change nothing");
}

#[tokio::test]
async fn groups_are_dumped_reset_isolated_and_faulted_by_operation_name() {
    let fj = Fj::start().await;
    let g = create_group(&fj).await;
    let gid = g["id"].as_str().unwrap().to_owned();
    fj.load(&super::tenants::other_tenant_yaml()).await;
    let (u, d, p) = super::tenants::OTHER_USER;
    let b = fj.token_for(super::tenants::OTHER, u, d, p).await;
    let r = fj.fj_as(&b, Method::GET, &format!("/v1.0/{}/security-groups/{gid}", super::tenants::OTHER), None).await;
    r.assert_fj_error(404, &gid);
    let dump = fj.sim_get("/_sim/state").await.body;
    fj.sim_post("/_sim/reset", json!({})).await;
    fj.sync_clock().await;
    fj.fj_get(&sg(&format!("/{gid}"))).await.assert_fj_error(404, &gid);
    let r = fj.send(Method::PUT, "/_sim/state", None, Some(dump), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.sync_clock().await;
    assert_eq!(fj.fj_get(&sg(&format!("/{gid}"))).await.body["security_group"]["name"], "database-securitygroup");
    fj.add_rule(json!({"match": {"provider": "fujitsu", "operation": "createSecurityGroupRule"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}})).await;
    fj.fj(Method::POST, &rules(""), Some(example_rule(&gid))).await.assert_fj_error(503, "ServiceUnavailable");
    let doc = fj.sim_get("/_sim/openapi/fujitsu.json").await.body;
    assert_eq!(doc["paths"]["/v1.0/{tenantId}/security-group-rules"]["post"]["operationId"], "createSecurityGroupRule");
}
