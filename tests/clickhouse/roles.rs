//! Roles (official `RBACRole`, `RoleCreateRequest`, `RoleUpdateRequest`) and the role ids
//! keys, members and invitations refer to.

use hyper::Method;

use crate::support::*;

const ADMIN_ROLE: &str = "00000000-0000-4000-8000-00000000a001";
const MEMBER: &str = "00000000-0000-4000-8000-0000000000b1";

fn role_body() -> Value {
    json!({
        "name": "Billing viewers",
        "actors": [format!("user/{MEMBER}")],
        "policies": [{"allowDeny": "ALLOW", "permissions": ["control-plane:organization:view-billing"],
                      "resources": ["organization/*"], "tags": {"roleV2": "sql-console-readonly"}}],
    })
}

#[tokio::test]
async fn the_system_roles_are_listed_with_their_holders_and_cannot_change() {
    let sim = Sim::start().await;
    let roles = sim.get(&format!("{ORG}/roles")).await.assert_ok().as_array().unwrap().clone();
    let names: Vec<&str> = roles.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Admin", "Developer", "Query Endpoints"]);
    assert!(roles.iter().all(|r| r["type"] == "system"));
    assert_eq!(
        roles[0]["actors"],
        json!([format!("apiKey/00000000-0000-4000-8000-0000000000a1"), format!("user/{MEMBER}")])
    );
    let r = sim.get(&format!("{ORG}/roles/{ADMIN_ROLE}")).await;
    assert_eq!(r.assert_ok()["name"], "Admin");
    sim.patch(&format!("{ORG}/roles/{ADMIN_ROLE}"), json!({"name": "x"}))
        .await
        .assert_ch_error(400, "BAD_REQUEST: System roles cannot be updated");
    sim.delete(&format!("{ORG}/roles/{ADMIN_ROLE}"))
        .await
        .assert_ch_error(400, "BAD_REQUEST: System roles cannot be deleted");
}

#[tokio::test]
async fn a_custom_role_is_created_read_updated_and_deleted() {
    let sim = Sim::start().await;
    let role = sim.post(&format!("{ORG}/roles"), role_body()).await.assert_ok().clone();
    let id = role["id"].as_str().unwrap().to_owned();
    assert_eq!(role["type"], "custom");
    assert_eq!(role["tenantId"], format!("organization/{ORG_ID}"));
    assert_eq!(role["policies"][0]["allowDeny"], "ALLOW");
    assert_eq!(role["policies"][0]["roleId"], id.as_str());
    assert_eq!(role["policies"][0]["tags"], json!({"roleV2": "sql-console-readonly"}));
    assert_eq!(sim.get(&format!("{ORG}/roles/{id}")).await.assert_ok(), &role);
    assert_eq!(sim.get(&format!("{ORG}/roles")).await.assert_ok().as_array().unwrap().len(), 4);
    // The member now holds it.
    let m = sim.get(&format!("{ORG}/members/{MEMBER}")).await.assert_ok().clone();
    assert!(m["assignedRoles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["roleId"] == id.as_str() && r["roleType"] == "custom"));
    let renamed =
        sim.patch(&format!("{ORG}/roles/{id}"), json!({"name": "Billing", "actors": []})).await.assert_ok().clone();
    assert_eq!((renamed["name"].as_str(), renamed["actors"].clone()), (Some("Billing"), json!([])));
    assert_eq!(renamed["policies"], role["policies"], "fields not given stay");
    assert_eq!(sim.delete(&format!("{ORG}/roles/{id}")).await.status, 200);
    sim.get(&format!("{ORG}/roles/{id}")).await.assert_ch_error(404, "NOT_FOUND: Role");
}

#[tokio::test]
async fn bad_roles_are_refused_naming_the_field_and_create_nothing() {
    let sim = Sim::start().await;
    let with = |k: &str, v: Value| {
        let mut b = role_body();
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v;
        }
        b
    };
    let cases = [
        (with("name", Value::Null), 400, "BAD_REQUEST: name is required"),
        (with("actors", Value::Null), 400, "BAD_REQUEST: actors is required"),
        (with("policies", Value::Null), 400, "BAD_REQUEST: policies is required"),
        (
            with("actors", json!(["user/nobody"])),
            400,
            "BAD_REQUEST: actors[0] 'user/nobody' is not a member or API key of this organization",
        ),
        (
            with("policies", json!([{"allowDeny": "MAYBE", "permissions": ["a:b"], "resources": []}])),
            400,
            "BAD_REQUEST: policies[0].allowDeny must be one of ALLOW, DENY",
        ),
        (
            with("policies", json!([{"allowDeny": "ALLOW", "permissions": [], "resources": []}])),
            400,
            "BAD_REQUEST: policies[0].permissions must not be empty",
        ),
        (with("name", json!("Admin")), 409, "CONFLICT: A role named 'Admin' already exists"),
    ];
    for (body, status, error) in cases {
        let r = sim.post(&format!("{ORG}/roles"), body.clone()).await;
        r.assert_ch_error(status, error);
        assert_eq!(r.error(), error, "{body}");
    }
    assert_eq!(sim.get(&format!("{ORG}/roles")).await.assert_ok().as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn keys_and_invitations_refer_to_real_role_ids() {
    let sim = Sim::start().await;
    let role = sim
        .post(&format!("{ORG}/roles"), json!({"name": "Ops", "actors": [], "policies": []}))
        .await
        .assert_ok()
        .clone();
    let role_id = role["id"].as_str().unwrap();
    let key = sim
        .post(
            &format!("{ORG}/keys"),
            json!({"name": "ops", "assignedRoleIds": [role_id, "00000000-0000-4000-8000-00000000a002"]}),
        )
        .await
        .assert_ok()
        .clone();
    let key_id = key["key"]["id"].as_str().unwrap().to_owned();
    let assigned: Vec<&str> =
        key["key"]["assignedRoles"].as_array().unwrap().iter().map(|r| r["roleName"].as_str().unwrap()).collect();
    assert_eq!(assigned, ["Developer", "Ops"]);
    let role = sim.get(&format!("{ORG}/roles/{role_id}")).await.assert_ok().clone();
    assert_eq!(role["actors"], json!([format!("apiKey/{key_id}")]));
    // Deleting the key takes it off the role.
    sim.ch(Method::DELETE, &format!("{ORG}/keys/{key_id}"), None).await.assert_ok();
    assert_eq!(sim.get(&format!("{ORG}/roles/{role_id}")).await.assert_ok()["actors"], json!([]));
    let inv = sim
        .post(&format!("{ORG}/invitations"), json!({"email": "ops@x.io", "assignedRoleIds": [role_id]}))
        .await
        .assert_ok()
        .clone();
    assert_eq!(inv["assignedRoles"], json!([{"roleId": role_id, "roleName": "Ops", "roleType": "custom"}]));
    let unknown = "7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b";
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "x", "assignedRoleIds": [unknown]})).await;
    r.assert_ch_error(400, &format!("BAD_REQUEST: assignedRoleIds[0] '{unknown}' is not a known role"));
    // Another organization does not see the role.
    let other =
        sim.sim_post("/_sim/clickhouse/organizations", json!({"keyId": "k2", "keySecret": "s2"})).await.body.clone();
    let other_org = other["id"].as_str().unwrap();
    let r = sim
        .send(Method::GET, &format!("/v1/organizations/{other_org}/roles/{role_id}"), Some(("k2", "s2")), None, &[])
        .await;
    r.assert_ch_error(404, "NOT_FOUND");
}
