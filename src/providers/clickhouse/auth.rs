//! Authentication and authorization (spec §2.2–§2.3, §2.9): HTTP Basic with an API key
//! id and secret, key state and expiry, key IP lists, organization scoping, system roles
//! (custom roles' policies: `access.rs`), and the optional per-key rate limit.

use std::sync::Arc;

use base64::Engine;
use hyper::Method;
use sha2::{Digest, Sha256};

use super::access::Access;
use super::error::ChError;
use super::model::ApiKey;
use super::routes::Op;
use super::settings::Settings;
use super::validate;
use super::ClickHouse;
use crate::clock::SimInstant;
use crate::http::{BasicCredentials, Request};
use crate::providers::Cx;

/// A1–A4: the key behind the request's `Authorization: Basic ...`.
pub fn authenticate(ch: &ClickHouse, req: &Request, cx: &Cx) -> Result<Arc<ApiKey>, ChError> {
    const MALFORMED: ChError = ChError::Unauthorized("Missing or malformed authentication");
    let header = req.headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(MALFORMED)?;
    let (scheme, encoded) = header.trim().split_once(' ').ok_or(MALFORMED)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(MALFORMED);
    }
    let credentials = BasicCredentials::decode(encoded.trim()).ok_or(MALFORMED)?;
    let (key_id, secret) = credentials.parts();
    const NOT_FOUND: ChError = ChError::Unauthorized("Key is not found");
    // A key created from `hashData` is indexed by the hash of its key ID (§9.3). The
    // index entry is read in place and the key comes out shared: nothing is copied.
    let indexed = |id: &str| ch.key_index.read("", id, |entry| ch.keys.get(&entry.0, &entry.1));
    let key = indexed(key_id)
        .or_else(|| super::keys::hashed_key_id(key_id).and_then(|h| indexed(&h)))
        .flatten()
        .ok_or(NOT_FOUND)?;
    if !secret_matches(&key, secret) {
        return Err(NOT_FOUND);
    }
    if key.state != "enabled" || key.expire_at.is_some_and(|t| t <= cx.now) {
        return Err(ChError::Unauthorized("Key is not active"));
    }
    if !key.ip_access_list.is_empty()
        && !key.ip_access_list.iter().any(|e| validate::ip_source_contains(&e.source, cx.peer.ip()))
    {
        return Err(ChError::Forbidden("IP address is not allowed for this API key".into()));
    }
    Ok(key)
}

fn secret_matches(key: &ApiKey, secret: &str) -> bool {
    match (&key.key_secret, &key.key_secret_hash) {
        (Some(s), _) => s.matches(secret),
        (None, Some(hash)) => {
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(secret.as_bytes()));
            constant_time_eq(hash.as_bytes(), digest.as_bytes())
        }
        (None, None) => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A6: another organization's id (knob `foreignOrgStatus`).
pub fn foreign_org(settings: &Settings, org_id: &str) -> ChError {
    if settings.foreign_org_status == 403 {
        ChError::Forbidden(format!("API key does not belong to organization {org_id}"))
    } else {
        ChError::not_found("Organization", org_id)
    }
}

/// A5: roles (§2.3), then custom roles (`access.rs`): what the call may see, or 403.
pub fn check_role(ch: &ClickHouse, key: &ApiKey, op: &Op, req: &Request, settings: &Settings) -> Result<Access, ChError> {
    if system_allows(key, op, req) {
        return Ok(Access::Full);
    }
    if settings.enforce_custom_roles {
        if let Some(access) = super::access::by_custom_roles(ch, key, op) {
            return Ok(access);
        }
    }
    Err(ChError::Forbidden("Insufficient permissions".into()))
}

/// A5: system roles (§2.3). `admin` may do everything; `developer` reads, and may
/// `awake` (O2); `query_endpoints` has no control-plane access.
pub fn system_allows(key: &ApiKey, op: &Op, req: &Request) -> bool {
    let has = |r: &str| key.roles.iter().any(|k| k == r);
    if has("admin") {
        return true;
    }
    has("developer") && (req.method == Method::GET || (matches!(op, Op::UpdateState { .. }) && is_awake_command(req)))
}

fn is_awake_command(req: &Request) -> bool {
    serde_json::from_slice::<serde_json::Value>(&req.body)
        .ok()
        .and_then(|v| v.get("command").and_then(|c| c.as_str()).map(|c| c == "awake"))
        .unwrap_or(false)
}

/// §2.9: 10 requests per 10 simulated seconds per key id; the 11th gets 429 with the
/// seconds until the oldest request of the window leaves it.
pub fn rate_limit(ch: &ClickHouse, key: &ApiKey, now: SimInstant) -> Result<(), ChError> {
    const LIMIT: usize = 10;
    const WINDOW_MS: u64 = 10_000;
    if !ch.rate.contains("", &key.key_id) {
        ch.rate.insert("", &key.key_id, Vec::new());
    }
    ch.rate
        .update("", &key.key_id, |times| {
            times.retain(|t| now.0.saturating_sub(t.0) < WINDOW_MS);
            if times.len() >= LIMIT {
                let oldest = times.iter().min().copied().unwrap_or(now);
                let reset_ms = (oldest.0 + WINDOW_MS).saturating_sub(now.0);
                return Err(ChError::TooManyRequests { reset_secs: reset_ms.div_ceil(1000).max(1) });
            }
            times.push(now);
            Ok(())
        })
        .unwrap_or(Ok(()))
}

/// A successful authenticated request updates the key's `usedAt` (O1).
///
/// `usedAt` is shown to the second, so the key is written only when the second it
/// shows changes: under a running clock every request carries the same key, and each
/// one rewrote it under its shard's write lock. The answers are the same; a state dump's
/// millisecond `usedAt` is the first use within the shown second.
pub fn touch(ch: &ClickHouse, key: &ApiKey, cx: &Cx) {
    let now = cx.now;
    if key.used_at.is_none_or(|t| shown_second(cx, t) != shown_second(cx, now)) {
        ch.keys.update(&key.org_id, &key.id, |k| Arc::make_mut(k).used_at = Some(now));
    }
}

/// The whole second `cx.iso(t)` shows (since the clock's epoch second).
fn shown_second(cx: &Cx, t: SimInstant) -> u128 {
    let nanos = u128::from(cx.clock.epoch().timestamp_subsec_nanos());
    (nanos + u128::from(t.0) * 1_000_000) / 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ClockMode};
    use crate::ids::Ids;
    use crate::lifecycle::Lifecycle;
    use crate::provider::Provider;

    #[test]
    fn used_at_is_written_when_the_second_it_shows_changes() {
        let (ids, lifecycle) = (Ids::new(1), Lifecycle::default());
        let peer = ([127, 0, 0, 1], 0).into();
        for clock in [Clock::new(ClockMode::Manual), Clock::new(ClockMode::Real)] {
            let at = |ms| Cx { now: SimInstant(ms), clock: &clock, ids: &ids, lifecycle: &lifecycle, peer };
            let ch = ClickHouse::new(&at(0));
            let used = || ch.keys.get(super::super::DEFAULT_ORG_ID, super::super::DEFAULT_KEY_MGMT_ID).unwrap();
            let shown = |ms| clock.iso(SimInstant(ms));
            let mut last_written = None;
            for ms in [0, 1, 400, 999, 1_000, 1_001, 2_500, 2_999, 3_000, 90_000, 90_001] {
                touch(&ch, &used(), &at(ms));
                let stored = used().used_at.expect("touched");
                // What the API shows is always the second of the latest use ...
                assert_eq!(clock.iso(stored), shown(ms), "{ms}");
                // ... and the key is rewritten only when that second moves on.
                if last_written.is_some_and(|t: u64| shown(t) == shown(ms)) {
                    assert_eq!(Some(stored.0), last_written);
                } else {
                    assert_eq!(stored.0, ms);
                    last_written = Some(ms);
                }
            }
        }
    }
}
