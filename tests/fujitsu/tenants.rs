//! Tenant isolation (DESIGN: "another tenant's resources are invisible (404), never
//! leaked"; seed: `{tenantId}` is "インスタンスのオーナーとなるプロジェクト ID"). A second
//! tenant comes from a scenario's `identities.fujitsu`; its token sees only its own
//! instances, cannot change the first tenant's, and a path naming the other tenant's id
//! is refused.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

pub const OTHER: &str = "fedcba9876543210fedcba9876543210";
pub const OTHER_USER: (&str, &str, &str) = ("teamb", "teambdomain", "teamb-password");

/// The scenario that adds the second tenant, its subnet and its user.
pub fn other_tenant_yaml() -> String {
    format!(
        "identities:\n  fujitsu:\n    tenants:\n      - {{id: {OTHER}, subnets: [{{id: 11111111-2222-4333-8444-555555555555}}]}}\n    users:\n      - {{name: {}, domain: {}, password: {}, tenants: [{OTHER}]}}\n",
        OTHER_USER.0, OTHER_USER.1, OTHER_USER.2
    )
}

/// A simulator with the second tenant; answers its token.
async fn with_other(fj: &Fj) -> String {
    let r = fj.load(&other_tenant_yaml()).await;
    assert_eq!(r.status, 200, "identities.fujitsu: {}", r.text);
    fj.token_for(OTHER, OTHER_USER.0, OTHER_USER.1, OTHER_USER.2).await
}

fn other(tail: &str) -> String {
    format!("/v1.0/{OTHER}{tail}")
}

#[tokio::test]
async fn each_tenant_lists_only_its_own_instances() {
    let fj = Fj::start().await;
    let b = with_other(&fj).await;
    fj.create_instance("a1").await;
    let body = create_body_with("b1", json!({"subnetId": "11111111-2222-4333-8444-555555555555"}));
    let r = fj.fj_as(&b, Method::POST, &other("/instances"), Some(body)).await;
    assert_eq!(r.instance()["id"], "b1", "{}", r.text);
    let href = r.instance()["links"][0]["href"].as_str().unwrap().to_owned();
    assert!(href.contains(&format!("/v1.0/{OTHER}/instances/b1")), "{href}");
    assert_eq!(fj.list().await, [("a1".to_owned(), "BUILD".to_owned())]);
    let r = fj.fj_as(&b, Method::GET, &other("/instances"), None).await;
    let ids: Vec<&str> = r.body["instances"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["b1"]);
}

#[tokio::test]
async fn another_tenants_instance_is_404_through_its_own_path_and_unchanged() {
    let fj = Fj::start().await;
    fj.active_instance("a1").await;
    let b = with_other(&fj).await;
    let before = fj.show("a1").await.body;
    let a1 = other("/instances/a1");
    for (method, p, body) in [
        (Method::GET, a1.clone(), None),
        (Method::PUT, a1.clone(), Some(json!({"instance": {"description": "mine now"}}))),
        (Method::DELETE, a1.clone(), None),
        (Method::POST, other("/instances/a1/action"), Some(action("stop"))),
        (
            Method::POST,
            a1.clone(),
            Some(json!({"action": {"restoretointime": ""}, "restore": {"useLatestRestorableTime": true},
                                              "instance": {"flavorRef": FLAVOR, "volume": {"size": 20}, "masterUserPassword": MASTER_PASSWORD}})),
        ),
    ] {
        let r = fj.fj_as(&b, method.clone(), &p, body).await;
        assert_eq!(r.status, 404, "{method} {p}: {}", r.text);
        r.assert_fj_error(404, "DBInstanceNotFound");
        assert!(!r.text.contains(TENANT), "nothing about the owner leaks: {}", r.text);
    }
    // A replica of the other tenant's instance, named in the body: not found either.
    let replica = json!({"action": {"readreplica": ""},
                         "instance": {"subnetId": "11111111-2222-4333-8444-555555555555", "readReplicaSrcDBInstance": {"id": "a1"}}});
    fj.fj_as(&b, Method::POST, &other("/instances"), Some(replica)).await.assert_fj_error(404, "");
    assert_eq!(fj.show("a1").await.body, before, "the owner's instance is unchanged");
}

#[tokio::test]
async fn a_token_is_refused_on_a_path_naming_another_tenant() {
    let fj = Fj::start().await;
    fj.active_instance("a1").await;
    let b = with_other(&fj).await;
    let before = fj.show("a1").await.body;
    // Tenant B's token on tenant A's paths, and A's token on B's.
    for (token, p) in
        [(b.clone(), path("/instances")), (b.clone(), inst("a1")), (fj.token().await, other("/instances"))]
    {
        let r = fj.fj_as(&token, Method::GET, &p, None).await;
        // 401 (part 01 §3.8: "token of another tenant") or 403 (part 02 row 60).
        assert!(matches!(r.status, 401 | 403), "{p}: {}", r.text);
        r.assert_fj_error(r.status, "");
    }
    for (method, body) in [(Method::PUT, Some(json!({"instance": {"description": "x"}}))), (Method::DELETE, None)] {
        let r = fj.fj_as(&b, method, &inst("a1"), body).await;
        assert!(matches!(r.status, 401 | 403), "{}", r.text);
    }
    let r = fj.fj_as(&b, Method::POST, &action_path("a1"), Some(action("stop"))).await;
    assert!(matches!(r.status, 401 | 403), "{}", r.text);
    assert_eq!(fj.show("a1").await.body, before);
}

#[tokio::test]
async fn a_user_gets_no_token_for_a_project_it_does_not_belong_to() {
    let fj = Fj::start().await;
    with_other(&fj).await;
    // The default user asking for tenant B's token, and B's user for the default tenant.
    fj.auth(OTHER, password_auth(USER, DOMAIN, PASSWORD)).await.assert_fj_error(401, "");
    fj.auth(TENANT, password_auth(OTHER_USER.0, OTHER_USER.1, OTHER_USER.2)).await.assert_fj_error(401, "");
    // The default IaaS token belongs to the default user: no token for tenant B either.
    fj.auth(OTHER, token_auth(IAAS_TOKEN)).await.assert_fj_error(401, "");
    // An unknown project id.
    fj.auth("00000000000000000000000000000000", password_auth(USER, DOMAIN, PASSWORD)).await.assert_fj_error(401, "");
}

#[tokio::test]
async fn the_same_instance_id_may_exist_in_two_tenants() {
    let fj = Fj::start().await;
    let b = with_other(&fj).await;
    fj.create_instance("db1").await;
    let body = create_body_with("db1", json!({"subnetId": "11111111-2222-4333-8444-555555555555"}));
    let r = fj.fj_as(&b, Method::POST, &other("/instances"), Some(body)).await;
    assert_eq!(r.status, 200, "ids are per tenant: {}", r.text);
    // The default tenant's subnet is not tenant B's (00-decisions: 404 naming subnetId).
    let r = fj.fj_as(&b, Method::POST, &other("/instances"), Some(create_body("db2"))).await;
    r.assert_fj_error(404, "subnetId");
    fj.wait_active("db1").await;
    fj.delete("db1").await.assert_accepted();
    fj.advance(86_400).await;
    fj.show("db1").await.assert_fj_error(404, "DBInstanceNotFound");
    let b = fj.token_for(OTHER, OTHER_USER.0, OTHER_USER.1, OTHER_USER.2).await;
    let r = fj.fj_as(&b, Method::GET, &other("/instances/db1"), None).await;
    assert_eq!(r.instance()["status"], "ACTIVE", "deleting A's db1 leaves B's");
}

#[tokio::test]
async fn journal_entries_carry_the_tenant_of_the_path() {
    let fj = Fj::start().await;
    let b = with_other(&fj).await;
    fj.fj_get(&path("/instances")).await;
    fj.fj_as(&b, Method::GET, &other("/instances"), None).await;
    let a = fj.journal(&format!("&method=GET&path=/v1.0/{TENANT}/instances")).await;
    let bb = fj.journal(&format!("&method=GET&path=/v1.0/{OTHER}/instances")).await;
    assert_eq!(a.last().unwrap()["tenant"], TENANT);
    assert_eq!(bb.last().unwrap()["tenant"], OTHER);
    assert_eq!(a.last().unwrap()["operation"], bb.last().unwrap()["operation"]);
}
