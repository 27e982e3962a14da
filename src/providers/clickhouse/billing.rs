//! Credit balances of an organization (`GET /v1/organizations/{id}/creditBalances`,
//! `creditBalancesGet`: `clickhousectl cloud org balance`), and the control hook that
//! grants them (`/_sim/clickhouse/organizations/{id}/creditBalances`).
//!
//! Owns the `credit_balances` table, keyed `(organization, balance id)`. May touch:
//! `crate::validation`, `crate::clock` (reads), the `orgs` table (read, for the hook).
//!
//! # Authority
//! Not in the official OpenAPI document (neither the vendored nor the newest one);
//! learnt from the clickhousectl 0.5.0 binary: the path and operationId of its operation
//! table, the permission its `--help` prints (`control-plane:organization:view-billing`),
//! and its models, probed against a capturing server: `CreditBalances` (`totalRemainingCredits`
//! a number, `balances` an array) and `CreditBalance` of 7 fields (`id` a UUID, `type` —
//! `prepaid` or `trial`, other strings tolerated —, `totalAmount`, `amountSpent`,
//! `remainingCredits` numbers, `startDate`, `expirationDate` RFC 3339 date-times). The
//! client prints "No active credit balances found" for an empty `balances`, so an
//! organization without credits answers 200 with `totalRemainingCredits: 0` and `[]`
//! (not a 404).
//!
//! # Choices (I)
//! - **Active** balances only, as the client's wording says: started (`startDate` ≤ now)
//!   and not expired (`expirationDate` > now) on the simulated clock; an expired grant
//!   disappears from the answer as the clock passes its expiry. `totalRemainingCredits`
//!   sums the active balances' `remainingCredits` (`totalAmount − amountSpent`).
//! - **Where balances come from**: the API cannot buy credits, so the hook grants them:
//!   `POST .../creditBalances {"type", "totalAmount", "amountSpent"?, "startDate"?,
//!   "expirationDate"?}` (start defaults to now, expiry to a year later) adds one and
//!   answers it; `DELETE .../creditBalances` removes them all. Rules, one function each:
//!   `type` one of `prepaid`/`trial`, `totalAmount` a number > 0, `amountSpent` 0..=total,
//!   dates RFC 3339 with the expiry after the start. Spending is not derived from usage.
//! - Knob `maxCreditBalancesPerOrg` (default 100) caps the grants of an organization (the
//!   hook answers 400 beyond it). The answer lists balances by expiry, soonest first.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::routes::Op;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::{json_object, Reply, Request};
use crate::providers::Cx;
use crate::validation::{FieldError, Fields, Rule};

/// The credit types the client knows.
pub const TYPES: &[&str] = &["prepaid", "trial"];
/// A grant's default validity (a year).
const DEFAULT_VALIDITY_SECS: u64 = 365 * 24 * 3600;

/// One credit grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditBalance {
    pub id: String,
    pub org_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub total_amount: f64,
    pub amount_spent: f64,
    pub start_date: SimInstant,
    pub expiration_date: SimInstant,
}

impl CreditBalance {
    fn remaining(&self) -> f64 {
        (self.total_amount - self.amount_spent).max(0.0)
    }

    fn active_at(&self, now: SimInstant) -> bool {
        self.start_date <= now && now < self.expiration_date
    }
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::CreditBalances => Ok(Out::Result(balances(ch, &call.org.id, call.cx))),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// `CreditBalances` of the organization at the request's time.
fn balances(ch: &ClickHouse, org: &str, cx: &Cx) -> Value {
    let mut active = ch.credit_balances.list_where(org, |b| b.active_at(cx.now));
    active.sort_by(|a, b| (a.expiration_date, &a.id).cmp(&(b.expiration_date, &b.id)));
    // `+ 0.0`: an empty sum is -0.0, printed "-0".
    let total: f64 = active.iter().map(CreditBalance::remaining).sum::<f64>() + 0.0;
    json!({
        "totalRemainingCredits": round(total),
        "balances": active.iter().map(|b| view(b, cx)).collect::<Vec<_>>(),
    })
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `CreditBalance`.
fn view(b: &CreditBalance, cx: &Cx) -> Value {
    json!({
        "id": b.id,
        "type": b.kind,
        "totalAmount": b.total_amount,
        "amountSpent": b.amount_spent,
        "remainingCredits": round(b.remaining()),
        "startDate": cx.clock.iso(b.start_date),
        "expirationDate": cx.clock.iso(b.expiration_date),
    })
}

/// `type`: required, `prepaid` or `trial`.
fn type_rule(f: &Fields) -> Result<String, FieldError> {
    let t = f.str("type")?.ok_or_else(|| FieldError::required("type"))?;
    if !TYPES.contains(&t) {
        return Err(FieldError::new("type", Rule::OneOf(TYPES)));
    }
    Ok(t.to_owned())
}

/// `totalAmount`: required, a finite number above 0.
fn total_rule(f: &Fields) -> Result<f64, FieldError> {
    let n = f.number("totalAmount")?.ok_or_else(|| FieldError::required("totalAmount"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(FieldError::says("totalAmount", "must be greater than 0"));
    }
    Ok(n)
}

/// `amountSpent`: optional (0), a number from 0 to `totalAmount`.
fn spent_rule(f: &Fields, total: f64) -> Result<f64, FieldError> {
    let n = f.number("amountSpent")?.unwrap_or(0.0);
    if !n.is_finite() || n < 0.0 || n > total {
        return Err(FieldError::says("amountSpent", "must be between 0 and totalAmount"));
    }
    Ok(n)
}

/// An RFC 3339 date-time field, or `default` when absent.
fn date_rule(f: &Fields, field: &str, default: SimInstant, cx: &Cx) -> Result<SimInstant, FieldError> {
    match f.str(field)? {
        None => Ok(default),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| cx.clock.from_utc(t.with_timezone(&chrono::Utc)))
            .map_err(|_| FieldError::says(field, "must be an RFC 3339 date-time")),
    }
}

/// `expirationDate` after `startDate`.
fn window_rule(start: SimInstant, end: SimInstant) -> Result<(), FieldError> {
    if end <= start {
        return Err(FieldError::says("expirationDate", "must be after startDate"));
    }
    Ok(())
}

const FIELDS: &[&str] = &["type", "totalAmount", "amountSpent", "startDate", "expirationDate"];

/// A grant from the hook's body.
fn grant(body: &Map<String, Value>, org: &str, cx: &Cx) -> Result<CreditBalance, FieldError> {
    let f = Fields::new(body);
    if let Some(k) = f.unknown(FIELDS) {
        return Err(FieldError::says(k, "is not a field of a credit grant"));
    }
    let kind = type_rule(&f)?;
    let total_amount = total_rule(&f)?;
    let amount_spent = spent_rule(&f, total_amount)?;
    let start_date = date_rule(&f, "startDate", cx.now, cx)?;
    let expiration_date = date_rule(&f, "expirationDate", start_date.plus_secs(DEFAULT_VALIDITY_SECS), cx)?;
    window_rule(start_date, expiration_date)?;
    Ok(CreditBalance {
        id: cx.ids.uuid(),
        org_id: org.to_owned(),
        kind,
        total_amount,
        amount_spent,
        start_date,
        expiration_date,
    })
}

/// `/_sim/clickhouse/organizations/{id}/creditBalances`: `POST` grants, `DELETE` clears.
pub fn hook(ch: &ClickHouse, req: &Request, segs: &[&str], cx: &Cx) -> Option<Reply> {
    let ["organizations", org, "creditBalances"] = segs else { return None };
    let reply = |status, v: Value| Reply::json(status, &v);
    if ch.orgs.get(org, org).is_none() {
        return Some(reply(hyper::StatusCode::NOT_FOUND, json!({"error": format!("organization {org} not found")})));
    }
    Some(match req.method {
        hyper::Method::POST => {
            let body = match json_object(req) {
                Ok(b) => b,
                Err(_) => return Some(reply(hyper::StatusCode::BAD_REQUEST, json!({"error": "body must be a JSON object"}))),
            };
            let max = ch.settings().max_credit_balances_per_org;
            if ch.credit_balances.count(org) as u64 >= max {
                return Some(reply(
                    hyper::StatusCode::BAD_REQUEST,
                    json!({"error": format!("at most {max} credit grants per organization (knob maxCreditBalancesPerOrg)")}),
                ));
            }
            match grant(&body, org, cx) {
                Ok(b) => {
                    ch.credit_balances.insert(org, &b.id, b.clone());
                    reply(hyper::StatusCode::OK, view(&b, cx))
                }
                Err(e) => reply(hyper::StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
            }
        }
        hyper::Method::DELETE => {
            let org = org.to_string();
            ch.credit_balances.retain(|k, _| k.0 != org);
            reply(hyper::StatusCode::OK, json!({"cleared": true}))
        }
        _ => reply(hyper::StatusCode::METHOD_NOT_ALLOWED, json!({"error": "POST or DELETE"})),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (json!({}), "type is required"),
            (json!({"type": "gift"}), "type must be one of"),
            (json!({"type": "trial"}), "totalAmount is required"),
            (json!({"type": "trial", "totalAmount": 0}), "totalAmount must be greater than 0"),
            (json!({"type": "trial", "totalAmount": 5, "amountSpent": 6}), "amountSpent must be between"),
        ];
        for (body, want) in cases {
            let m = body.as_object().cloned().unwrap();
            let f = Fields::new(&m);
            let got = type_rule(&f)
                .and_then(|_| total_rule(&f))
                .and_then(|t| spent_rule(&f, t))
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(got.starts_with(want), "{got} / {want}");
        }
        assert!(window_rule(SimInstant(5), SimInstant(5)).is_err());
    }
}
