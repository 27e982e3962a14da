//! Custom roles grant what their policies say (official `RBACPolicy`: `allowDeny`,
//! `permissions`, `resources`): the permission table of `access.rs` (clickhousectl's
//! `required_permissions`), DENY over ALLOW, `instance/<id>` and `instance/*` scopes,
//! system-role keys unchanged, knob `clickhouse.enforceCustomRoles`.

use hyper::Method;

use crate::support::*;

const VIEW: &str = "control-plane:service:view";
const MANAGE: &str = "control-plane:service:manage";
const ORG_VIEW: &str = "control-plane:organization:view";
const VIEW_BACKUPS: &str = "control-plane:service:view-backups";
const DEVELOPER_ROLE: &str = "00000000-0000-4000-8000-00000000a002";
const DENIED: &str = "FORBIDDEN: Insufficient permissions";

fn policy(allow: &str, permissions: &[&str], resources: &[String]) -> Value {
    json!({"allowDeny": allow, "permissions": permissions, "resources": resources})
}

fn every() -> Vec<String> {
    vec!["instance/*".to_owned()]
}

fn one(service: &str) -> Vec<String> {
    vec![format!("instance/{service}")]
}

/// A custom role with `policies`; answers its id.
async fn role(sim: &Sim, name: &str, policies: Vec<Value>) -> String {
    let r = sim.post(&format!("{ORG}/roles"), json!({"name": name, "actors": [], "policies": policies})).await;
    r.assert_ok()["id"].as_str().expect("role id").to_owned()
}

/// A key holding exactly the roles `ids` (custom or system ids); answers (key id, secret).
async fn key_with(sim: &Sim, ids: &[&str]) -> (String, String) {
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "scoped", "assignedRoleIds": ids})).await;
    let res = r.assert_ok();
    (res["keyId"].as_str().expect("keyId").to_owned(), res["keySecret"].as_str().expect("keySecret").to_owned())
}

struct As<'a> {
    sim: &'a Sim,
    key: (String, String),
}

impl As<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.sim.send(method, path, Some((&self.key.0, &self.key.1)), body, &[]).await
    }
    async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }
    async fn state(&self, service: &str, command: &str) -> Resp {
        self.send(Method::PATCH, &format!("{ORG}/services/{service}/state"), Some(json!({"command": command}))).await
    }
}

fn listed_ids(r: &Resp) -> Vec<String> {
    let mut ids: Vec<String> =
        r.assert_ok().as_array().expect("list").iter().map(|s| s["id"].as_str().expect("id").to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_view_only_key_lists_and_gets_services_but_cannot_create_patch_stop_or_delete_them() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let viewer = role(&sim, "viewers", vec![policy("ALLOW", &[VIEW, VIEW_BACKUPS], &every())]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&viewer]).await };

    assert_eq!(listed_ids(&k.get(&format!("{ORG}/services")).await), vec![a.clone()]);
    assert_eq!(k.get(&format!("{ORG}/services/{a}")).await.assert_ok()["state"], "running");
    assert_eq!(k.get(&format!("{ORG}/services/{a}/backupConfiguration")).await.status, 200);
    // Private endpoints have a view permission of their own.
    k.get(&format!("{ORG}/services/{a}/privateEndpointConfig")).await.assert_ch_error(403, DENIED);

    let body = json!({"name": "other", "provider": "aws", "region": "us-east-1"});
    k.send(Method::POST, &format!("{ORG}/services"), Some(body)).await.assert_ch_error(403, DENIED);
    k.send(Method::PATCH, &format!("{ORG}/services/{a}"), Some(json!({"name": "renamed"})))
        .await
        .assert_ch_error(403, DENIED);
    k.state(&a, "stop").await.assert_ch_error(403, DENIED);
    k.send(Method::DELETE, &format!("{ORG}/services/{a}"), None).await.assert_ch_error(403, DENIED);
    // Organization-level reads need control-plane:organization:view, which it lacks.
    k.get(ORG).await.assert_ch_error(403, DENIED);

    // Nothing changed.
    assert_eq!(sim.service_count().await, 1);
    let s = sim.get(&format!("{ORG}/services/{a}")).await.assert_ok().clone();
    assert_eq!((s["name"].as_str(), s["state"].as_str()), (Some("my service"), Some("running")));
}

#[tokio::test]
async fn manage_on_one_instance_stops_that_service_and_no_other() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    let ops = role(&sim, "ops-a", vec![policy("ALLOW", &[VIEW, MANAGE], &one(&a))]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&ops]).await };

    assert_eq!(k.state(&a, "stop").await.assert_ok()["state"], "stopping");
    k.state(&b, "stop").await.assert_ch_error(403, DENIED);
    assert_eq!(sim.state_of(&b).await, "running", "the refused stop changed nothing");
    // The list shows only the service it may view; the other is refused by id.
    assert_eq!(listed_ids(&k.get(&format!("{ORG}/services")).await), vec![a.clone()]);
    k.get(&format!("{ORG}/services/{b}")).await.assert_ch_error(403, DENIED);
    // Creating needs control-plane:organization:create-service.
    let body = json!({"name": "new", "provider": "aws", "region": "us-east-1"});
    k.send(Method::POST, &format!("{ORG}/services"), Some(body)).await.assert_ch_error(403, DENIED);
    assert_eq!(sim.service_count().await, 2);
}

#[tokio::test]
async fn deny_overrides_allow_across_a_keys_roles() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let b = sim.running_service().await;
    let broad = role(&sim, "broad", vec![policy("ALLOW", &[VIEW, MANAGE], &every())]).await;
    let fence = role(&sim, "fence", vec![policy("DENY", &[MANAGE], &one(&b))]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&broad, &fence]).await };

    k.state(&b, "stop").await.assert_ch_error(403, DENIED);
    assert_eq!(sim.state_of(&b).await, "running");
    assert_eq!(k.state(&a, "stop").await.status, 200);
    // A DENY of view on one service hides it from the list and refuses its GET.
    let r = sim
        .patch(&format!("{ORG}/roles/{fence}"), json!({"policies": [policy("DENY", &[VIEW, MANAGE], &one(&b))]}))
        .await;
    r.assert_ok();
    assert_eq!(listed_ids(&k.get(&format!("{ORG}/services")).await), vec![a.clone()]);
    k.get(&format!("{ORG}/services/{b}")).await.assert_ch_error(403, DENIED);
    // A DENY of view on every service refuses the list itself.
    sim.patch(&format!("{ORG}/roles/{fence}"), json!({"policies": [policy("DENY", &["control-plane:*"], &every())]}))
        .await
        .assert_ok();
    k.get(&format!("{ORG}/services")).await.assert_ch_error(403, DENIED);
}

#[tokio::test]
async fn keys_with_system_roles_keep_their_access_whatever_their_custom_roles_say() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let deny_all = role(&sim, "deny-all", vec![policy("DENY", &["control-plane:*"], &["*".to_owned()])]).await;
    // A developer reads everything and still may not write, a DENY-everything role or not.
    let dev = As { sim: &sim, key: key_with(&sim, &[DEVELOPER_ROLE, &deny_all]).await };
    assert_eq!(listed_ids(&dev.get(&format!("{ORG}/services")).await), vec![a.clone()]);
    assert_eq!(dev.get(ORG).await.status, 200);
    dev.state(&a, "stop").await.assert_ch_error(403, DENIED);
    // The default admin key is not touched by a role naming it.
    let admin_actor = "apiKey/00000000-0000-4000-8000-0000000000a1";
    sim.patch(&format!("{ORG}/roles/{deny_all}"), json!({"actors": [admin_actor]})).await.assert_ok();
    assert_eq!(sim.patch(&format!("{ORG}/services/{a}/state"), json!({"command": "stop"})).await.status, 200);
}

#[tokio::test]
async fn organization_changes_need_organization_permissions_on_the_organization() {
    let sim = Sim::start().await;
    let services = vec!["*".to_owned()];
    let org_res = vec![format!("organization/{ORG_ID}")];
    let r = role(&sim, "ops", vec![policy("ALLOW", &["control-plane:service:*", ORG_VIEW], &services)]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&r]).await };
    assert_eq!(k.get(ORG).await.assert_ok()["name"], "sim-org");
    let keys_before = sim.get(&format!("{ORG}/keys")).await.assert_ok().as_array().expect("keys").len();
    k.send(Method::POST, &format!("{ORG}/keys"), Some(json!({"name": "escalate", "roles": ["admin"]})))
        .await
        .assert_ch_error(403, DENIED);
    k.send(Method::PATCH, ORG, Some(json!({"name": "taken"}))).await.assert_ch_error(403, DENIED);
    k.send(Method::POST, &format!("{ORG}/roles"), Some(json!({"name": "x", "actors": [], "policies": []})))
        .await
        .assert_ch_error(403, DENIED);
    let body = json!({"name": "mine", "provider": "aws", "region": "us-east-1"});
    k.send(Method::POST, &format!("{ORG}/services"), Some(body.clone())).await.assert_ch_error(403, DENIED);
    assert_eq!(sim.get(&format!("{ORG}/keys")).await.assert_ok().as_array().expect("keys").len(), keys_before);
    assert_eq!(sim.get(ORG).await.assert_ok()["name"], "sim-org");
    assert_eq!(sim.service_count().await, 0);

    // organization:manage and organization:create-service on the organization.
    let more =
        policy("ALLOW", &["control-plane:organization:manage", "control-plane:organization:create-service"], &org_res);
    let all = json!([policy("ALLOW", &["control-plane:service:*", ORG_VIEW], &services), more]);
    sim.patch(&format!("{ORG}/roles/{r}"), json!({"policies": all})).await.assert_ok();
    assert_eq!(k.send(Method::PATCH, ORG, Some(json!({"name": "renamed"}))).await.assert_ok()["name"], "renamed");
    assert_eq!(k.send(Method::POST, &format!("{ORG}/services"), Some(body)).await.status, 200);
    // API keys have permissions of their own (create-api-keys, view-api-keys).
    k.get(&format!("{ORG}/keys")).await.assert_ch_error(403, DENIED);
    k.send(Method::POST, &format!("{ORG}/keys"), Some(json!({"name": "escalate", "roles": ["admin"]})))
        .await
        .assert_ch_error(403, DENIED);
}

#[tokio::test]
async fn a_role_update_takes_effect_at_once_and_its_deletion_removes_the_access() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let r = role(&sim, "growing", vec![policy("ALLOW", &[VIEW], &one(&a))]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&r]).await };
    k.state(&a, "stop").await.assert_ch_error(403, DENIED);
    sim.patch(&format!("{ORG}/roles/{r}"), json!({"policies": [policy("ALLOW", &[VIEW, MANAGE], &one(&a))]}))
        .await
        .assert_ok();
    assert_eq!(k.state(&a, "stop").await.status, 200);
    assert_eq!(k.get(&format!("{ORG}/services/{a}")).await.status, 200);
    assert_eq!(sim.delete(&format!("{ORG}/roles/{r}")).await.status, 200);
    k.get(&format!("{ORG}/services/{a}")).await.assert_ch_error(403, DENIED);
    k.get(&format!("{ORG}/services")).await.assert_ch_error(403, DENIED);
}

#[tokio::test]
async fn knob_enforce_custom_roles_false_records_policies_without_enforcing_them() {
    let sim = Sim::start().await;
    let a = sim.running_service().await;
    let viewer = role(&sim, "viewers", vec![policy("ALLOW", &[VIEW, ORG_VIEW], &["*".to_owned()])]).await;
    let k = As { sim: &sim, key: key_with(&sim, &[&viewer]).await };
    assert_eq!(k.get(&format!("{ORG}/services/{a}")).await.status, 200);
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.enforceCustomRoles": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    k.get(&format!("{ORG}/services/{a}")).await.assert_ch_error(403, DENIED);
    k.get(ORG).await.assert_ch_error(403, DENIED);
    let r = sim.sim_patch("/_sim/config", json!({"clickhouse.enforceCustomRoles": "maybe"})).await;
    assert_eq!(r.status, 400, "a bad value is refused: {}", r.text);
    assert!(r.text.contains("clickhouse.enforceCustomRoles"), "{}", r.text);
}
