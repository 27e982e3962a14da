//! Credit balances (`GET ORG/creditBalances`, clickhousectl 0.5.0's `cloud org balance`)
//! and the hook that grants them: the empty answer, active grants on the clock, every
//! rule of a grant broken once with nothing changed, isolation, the cap, dump/restore/reset.

use hyper::Method;

use crate::support::*;

const HOOK: &str = "/_sim/clickhouse/organizations/00000000-0000-4000-8000-000000000001/creditBalances";

fn path() -> String {
    format!("{ORG}/creditBalances")
}

async fn balances(sim: &Sim) -> Value {
    sim.get(&path()).await.assert_ok().clone()
}

#[tokio::test]
async fn an_organization_without_credits_has_an_empty_balance() {
    let sim = Sim::start().await;
    assert_eq!(balances(&sim).await, json!({"totalRemainingCredits": 0.0, "balances": []}));
    let journal = sim.sim_get("/_sim/requests").await.body;
    assert!(journal.to_string().contains("creditBalancesGet"), "{journal}");
}

#[tokio::test]
async fn granted_credits_are_listed_while_active_and_go_at_their_expiry() {
    let sim = Sim::start().await;
    let r = sim
        .sim_post(
            HOOK,
            json!({"type": "trial", "totalAmount": 300, "amountSpent": 12.5,
                                      "expirationDate": "2025-01-02T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let trial = r.body.clone();
    let r = sim.sim_post(HOOK, json!({"type": "prepaid", "totalAmount": 1000})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = balances(&sim).await;
    assert_eq!(b["totalRemainingCredits"], json!(1287.5));
    let list = b["balances"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], trial, "soonest expiry first");
    assert_eq!(list[0]["remainingCredits"], json!(287.5));
    assert_eq!(list[0]["startDate"], "2025-01-01T00:00:00Z");
    assert_eq!(list[1]["type"], "prepaid");
    assert_eq!(list[1]["expirationDate"], "2026-01-01T00:00:00Z", "a year by default");

    // A grant that starts later is not active yet.
    let r = sim.sim_post(HOOK, json!({"type": "prepaid", "totalAmount": 5, "startDate": "2025-03-01T00:00:00Z"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(balances(&sim).await["balances"].as_array().unwrap().len(), 2);

    sim.advance(86_400).await; // the trial expires at 2025-01-02T00:00:00Z
    let b = balances(&sim).await;
    assert_eq!(b["totalRemainingCredits"], json!(1000.0));
    assert_eq!(b["balances"].as_array().unwrap().len(), 1);

    let r = sim.send(Method::DELETE, HOOK, None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(balances(&sim).await["balances"], json!([]));
}

#[tokio::test]
async fn every_rule_of_a_grant_names_its_field_and_changes_nothing() {
    let sim = Sim::start().await;
    let cases = [
        (json!({}), "type is required"),
        (json!({"type": "gift", "totalAmount": 1}), "type must be one of"),
        (json!({"type": "trial"}), "totalAmount is required"),
        (json!({"type": "trial", "totalAmount": -1}), "totalAmount must be greater than 0"),
        (json!({"type": "trial", "totalAmount": "x"}), "totalAmount must be"),
        (json!({"type": "trial", "totalAmount": 5, "amountSpent": 6}), "amountSpent must be between 0 and totalAmount"),
        (json!({"type": "trial", "totalAmount": 5, "startDate": "tomorrow"}), "startDate must be an RFC 3339"),
        (
            json!({"type": "trial", "totalAmount": 5, "expirationDate": "2024-01-01T00:00:00Z"}),
            "expirationDate must be after startDate",
        ),
        (json!({"type": "trial", "totalAmount": 5, "colour": "red"}), "colour is not a field"),
    ];
    for (body, want) in cases {
        let r = sim.sim_post(HOOK, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        let msg = r.body["error"].as_str().unwrap_or_default();
        assert!(msg.starts_with(want), "{body}: {msg:?} / {want:?}");
    }
    assert_eq!(balances(&sim).await["balances"], json!([]));
    let r = sim
        .sim_post(
            "/_sim/clickhouse/organizations/99999999-9999-4999-8999-999999999999/creditBalances",
            json!({"type": "trial", "totalAmount": 1}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn balances_belong_to_their_organization_and_are_capped() {
    let sim = Sim::start().await;
    let org2 = "22222222-2222-4222-8222-222222222222";
    let r = sim.sim_post("/_sim/clickhouse/organizations", json!({"id": org2, "keyId": "k2", "keySecret": "s2"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let hook2 = format!("/_sim/clickhouse/organizations/{org2}/creditBalances");
    assert_eq!(sim.sim_post(&hook2, json!({"type": "trial", "totalAmount": 7})).await.status, 200);
    assert_eq!(balances(&sim).await["balances"], json!([]), "the other organization's grant is not ours");
    let k2 = Some(("k2", "s2"));
    let r = sim.send(Method::GET, &format!("/v1/organizations/{org2}/creditBalances"), k2, None, &[]).await;
    assert_eq!(r.assert_ok()["totalRemainingCredits"], json!(7.0));
    let r = sim.send(Method::GET, &path(), k2, None, &[]).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);

    sim.sim_patch("/_sim/config", json!({"clickhouse.maxCreditBalancesPerOrg": 2})).await;
    for _ in 0..2 {
        assert_eq!(sim.sim_post(HOOK, json!({"type": "prepaid", "totalAmount": 1})).await.status, 200);
    }
    let r = sim.sim_post(HOOK, json!({"type": "prepaid", "totalAmount": 1})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("maxCreditBalancesPerOrg"), "{}", r.text);
    assert_eq!(balances(&sim).await["balances"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn balances_round_trip_through_the_state_dump_and_reset_clears_them() {
    let sim = Sim::start().await;
    assert_eq!(sim.sim_post(HOOK, json!({"type": "trial", "totalAmount": 50})).await.status, 200);
    let want = balances(&sim).await;
    let before = sim.sim_get("/_sim/state").await.body;
    assert_eq!(before["providers"]["clickhouse"]["creditBalances"].as_array().map(Vec::len), Some(1));
    assert_eq!(sim.sim_post("/_sim/reset", json!({})).await.status, 200);
    assert_eq!(balances(&sim).await["balances"], json!([]));
    let r = sim.send(Method::PUT, "/_sim/state", None, Some(before), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(balances(&sim).await, want);
}
