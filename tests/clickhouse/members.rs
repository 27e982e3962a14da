//! Members and invitations (spec §9.4; tests T-80, T-81).

use crate::support::*;

const ADMIN: &str = "00000000-0000-4000-8000-0000000000b1";

async fn add_member(sim: &Sim, email: &str, role: &str) -> String {
    let r = sim
        .sim_post(&format!("/_sim/clickhouse/organizations/{ORG_ID}/members"), json!({"email": email, "role": role}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["userId"].as_str().unwrap().to_owned()
}

async fn invitations(sim: &Sim) -> Vec<Value> {
    sim.get(&format!("{ORG}/invitations")).await.assert_ok().as_array().unwrap().clone()
}

#[tokio::test]
async fn the_only_admin_cannot_be_demoted_or_removed() {
    // T-80
    let sim = Sim::start().await;
    let list = sim.get(&format!("{ORG}/members")).await.assert_ok().clone();
    assert_eq!(
        list,
        json!([{
            "userId": ADMIN,
            "name": "Sim Admin",
            "email": "admin@sim.local",
            "role": "admin",
            "joinedAt": "2025-01-01T00:00:00Z",
            "assignedRoles": [{"roleId": "00000000-0000-4000-8000-00000000a001", "roleName": "Admin", "roleType": "system"}],
        }])
    );
    let r = sim.patch(&format!("{ORG}/members/{ADMIN}"), json!({"role": "developer"})).await;
    r.assert_ch_error(400, "BAD_REQUEST: Organization must have at least one admin");
    let r = sim.delete(&format!("{ORG}/members/{ADMIN}")).await;
    r.assert_ch_error(400, "BAD_REQUEST: Organization must have at least one admin");
    assert_eq!(sim.get(&format!("{ORG}/members/{ADMIN}")).await.assert_ok()["role"], "admin");
}

#[tokio::test]
async fn a_member_role_changes_once_another_admin_exists() {
    let sim = Sim::start().await;
    let dev = add_member(&sim, "dev@x.io", "developer").await;
    let r = sim
        .patch(&format!("{ORG}/members/{dev}"), json!({"assignedRoleIds": ["00000000-0000-4000-8000-00000000a001"]}))
        .await;
    assert_eq!(r.assert_ok()["role"], "admin");
    let r = sim.patch(&format!("{ORG}/members/{ADMIN}"), json!({"role": "developer"})).await;
    assert_eq!(r.assert_ok()["role"], "developer");
    let types: Vec<Value> = sim.get(&format!("{ORG}/activities")).await.assert_ok().as_array().unwrap()[..2]
        .iter()
        .map(|a| a["type"].clone())
        .collect();
    assert_eq!(types, [json!("organization_member_update_role"), json!("organization_member_update_role")]);
    // Now `dev` is the only admin.
    let r = sim.delete(&format!("{ORG}/members/{dev}")).await;
    r.assert_ch_error(400, "BAD_REQUEST: Organization must have at least one admin");
    let r = sim.delete(&format!("{ORG}/members/{ADMIN}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = sim.get(&format!("{ORG}/members")).await.assert_ok().clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["userId"], dev);
}

#[tokio::test]
async fn invalid_member_updates_are_refused_and_change_nothing() {
    let sim = Sim::start().await;
    let dev = add_member(&sim, "dev@x.io", "developer").await;
    let cases = [
        (json!({"role": "owner"}), "BAD_REQUEST: role must be one of admin, developer"),
        (json!({}), "BAD_REQUEST: role is required"),
        (
            json!({"assignedRoleIds": ["00000000-0000-4000-8000-00000000a003"]}),
            "BAD_REQUEST: assignedRoleIds[0] '00000000-0000-4000-8000-00000000a003' is not a known role",
        ),
    ];
    for (body, error) in cases {
        sim.patch(&format!("{ORG}/members/{dev}"), body).await.assert_ch_error(400, error);
    }
    assert_eq!(sim.get(&format!("{ORG}/members/{dev}")).await.assert_ok()["role"], "developer");
    let unknown = "7d3f1b7e-2a4c-4f7e-9d2b-5a6c8e9f0a1b";
    sim.get(&format!("{ORG}/members/{unknown}")).await.assert_ch_error(404, "NOT_FOUND: Member");
    sim.patch(&format!("{ORG}/members/{unknown}"), json!({"role": "admin"}))
        .await
        .assert_ch_error(404, "NOT_FOUND: Member");
    sim.get(&format!("{ORG}/members/nope")).await.assert_ch_error(400, "BAD_REQUEST: Invalid userId");
}

#[tokio::test]
async fn an_invitation_is_stored_lowercase_for_seven_days_and_deleted_once() {
    // T-81
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/invitations"), json!({"email": "New@X.io", "role": "developer"})).await;
    let inv = r.assert_ok().clone();
    let id = inv["id"].as_str().unwrap();
    assert_eq!(inv["email"], "new@x.io");
    assert_eq!(inv["role"], "developer");
    assert_eq!(inv["createdAt"], "2025-01-01T00:00:00Z");
    assert_eq!(inv["expireAt"], "2025-01-08T00:00:00Z");
    assert_eq!(inv["assignedRoles"][0]["roleName"], "Developer");
    assert_eq!(sim.get(&format!("{ORG}/invitations/{id}")).await.assert_ok(), &inv);
    assert_eq!(invitations(&sim).await, vec![inv.clone()]);
    let r = sim.delete(&format!("{ORG}/invitations/{id}")).await;
    assert_eq!((r.status, r.body.get("result")), (200, None));
    let r = sim.delete(&format!("{ORG}/invitations/{id}")).await;
    r.assert_ch_error(404, &format!("NOT_FOUND: Invitation {id} not found"));
    assert!(invitations(&sim).await.is_empty());
    let types: Vec<Value> = sim.get(&format!("{ORG}/activities")).await.assert_ok().as_array().unwrap()[..2]
        .iter()
        .map(|a| a["type"].clone())
        .collect();
    assert_eq!(types, [json!("organization_invite_delete"), json!("organization_invite_create")]);
}

#[tokio::test]
async fn the_default_invitation_role_is_developer() {
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/invitations"), json!({"email": "a@b.co"})).await;
    assert_eq!(r.assert_ok()["role"], "developer");
}

#[tokio::test]
async fn a_second_invitation_or_an_invitation_for_a_member_conflicts() {
    let sim = Sim::start().await;
    sim.post(&format!("{ORG}/invitations"), json!({"email": "a@b.co"})).await.assert_ok();
    let r = sim.post(&format!("{ORG}/invitations"), json!({"email": "A@B.CO", "role": "admin"})).await;
    r.assert_ch_error(409, "CONFLICT: An invitation for 'a@b.co' is already pending");
    let r = sim.post(&format!("{ORG}/invitations"), json!({"email": "Admin@Sim.Local"})).await;
    r.assert_ch_error(409, "CONFLICT: User with email 'admin@sim.local' is already a member");
    assert_eq!(invitations(&sim).await.len(), 1);
    // Once the first one has expired, the address may be invited again.
    sim.advance(7 * 24 * 3600).await;
    sim.post(&format!("{ORG}/invitations"), json!({"email": "a@b.co"})).await.assert_ok();
}

#[tokio::test]
async fn an_invalid_invitation_is_refused_and_creates_nothing() {
    let sim = Sim::start().await;
    let cases = [
        (json!({}), "BAD_REQUEST: email is required"),
        (json!({"email": "not-an-email"}), "BAD_REQUEST: email must be a valid email address"),
        (json!({"email": "a@localhost"}), "BAD_REQUEST: email must be a valid email address"),
        (json!({"email": 7}), "BAD_REQUEST: email must be a string"),
        (json!({"email": "a@b.co", "role": "query_endpoints"}), "BAD_REQUEST: role must be one of admin, developer"),
    ];
    for (body, error) in cases {
        sim.post(&format!("{ORG}/invitations"), body).await.assert_ch_error(400, error);
    }
    assert!(invitations(&sim).await.is_empty());
}

#[tokio::test]
async fn an_invitation_may_be_created_without_roles() {
    // `clickhousectl invitation create --email` sends `assignedRoleIds: []` and no `role`.
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/invitations"), json!({"email": "norole@x.io", "assignedRoleIds": []})).await;
    let inv = r.assert_ok().clone();
    assert_eq!(inv["assignedRoles"], json!([]));
    assert!(inv.get("role").is_none(), "no role: {inv}");
    let id = inv["id"].as_str().unwrap();
    assert_eq!(sim.get(&format!("{ORG}/invitations/{id}")).await.assert_ok(), &inv);
}
