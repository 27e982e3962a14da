//! Tokens: `POST /v1.0/{tenantId}/auth/token` (1.8.2.1, seed 12327–12519) and the
//! `X-Auth-Token` check every other Fujitsu endpoint makes (seed 200–209).
//!
//! - Token authentication (`auth.token.id`, an FJcloud-O IaaS token) wins over password
//!   authentication when both are given (seed 12332).
//! - The answer is the seed's body `{"token": {"expires", "tokenId"}}`, and the same
//!   value in an `X-Auth-Token` header (DESIGN.md: the endpoint "returns the
//!   X-Auth-Token value"; the seed documents the body only).
//! - A token belongs to one tenant and expires on the simulated clock (knob
//!   `fujitsu.tokenLifetime`; never after the IaaS token it came from). Missing, unknown
//!   or expired → 401 `unauthorized`; a token of another tenant on this tenant's path →
//!   401 as well ("Insufficient privileges", seed 235): the token carries no privilege
//!   here, and the answer says nothing of the other tenant's data.
//! - Secrets are kept as digests only (`crate::secret`: passwords, IaaS and service
//!   tokens), so the state dump never shows one (DESIGN.md).
//!
//! May touch: the tenant, user and token tables.

use hyper::header::HeaderValue;
use hyper::StatusCode;

use super::error::FujitsuError;
use super::model::Token;
use super::validate::auth::{credentials, Credentials};
use super::wire::TokenBody;
use super::{body_mirror, view, Fujitsu, Out};
use crate::http::Request;
use crate::providers::Cx;
use crate::id::Id;
use crate::secret::{digest, DigestText};

/// The header carrying a token (seed: `X-Auth-Token`).
pub const X_AUTH_TOKEN: hyper::header::HeaderName = hyper::header::HeaderName::from_static("x-auth-token");

/// The identity a request acts as (its tenant is the path's, checked against the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Inline: a request's identity costs no allocation.
    pub user_id: Id,
}

/// The `X-Auth-Token` of a request, checked for this tenant at `cx.now`.
pub fn authenticate(f: &Fujitsu, req: &Request, tenant: &str, cx: &Cx) -> Result<Principal, FujitsuError> {
    let token = req.header(X_AUTH_TOKEN).map(str::trim).filter(|t| !t.is_empty());
    let token = token.ok_or(FujitsuError::Unauthorized("X-Auth-Token is required"))?;
    let found = f.tokens.read("", DigestText::of(token).as_str(), |t| {
        (t.expires > cx.now).then(|| (t.tenant == tenant).then(|| Principal { user_id: Id::from(&t.user_id) }))
    });
    match found {
        None => Err(FujitsuError::Unauthorized("the X-Auth-Token is not a token of this service")),
        Some(None) => Err(FujitsuError::Unauthorized("the X-Auth-Token has expired")),
        Some(Some(None)) => Err(FujitsuError::Unauthorized("the X-Auth-Token gives no access to this project")),
        Some(Some(Some(p))) => Ok(p),
    }
}

/// Whether `user_id` may act in `tenant` (a user of several projects can name a read
/// replica source in another one, seed 6166–6173).
pub fn member(f: &Fujitsu, user_id: &str, tenant: &str) -> bool {
    f.tenants.contains("", tenant)
        && f.users.read("", user_id, |u| u.tenants.iter().any(|t| t == tenant)).unwrap_or(false)
}

const BAD_CREDENTIALS: &str = "the credentials are not valid for this project";

/// `POST /v1.0/{tenantId}/auth/token`: 200 with the token (extract 03 §0.2: POST with a
/// body → 200).
pub fn create_token(f: &Fujitsu, req: &Request, tenant: &str, cx: &Cx) -> Result<Out, FujitsuError> {
    let body: TokenBody = body_mirror(req)?;
    let creds = credentials(&body)?;
    let settings = f.settings();
    let (user_id, limit) = match creds {
        Credentials::IaasToken(t) => {
            let found = f.iaas_tokens.get("", &digest(&t)).ok_or(FujitsuError::Unauthorized(BAD_CREDENTIALS))?;
            if found.expires.is_some_and(|e| e <= cx.now) {
                return Err(FujitsuError::Unauthorized("the IaaS token has expired"));
            }
            (found.user_id, found.expires)
        }
        Credentials::UserId { id, password } => {
            let ok = f.users.read("", &id, |u| u.password.matches(&password)).unwrap_or(false);
            if !ok {
                return Err(FujitsuError::Unauthorized(BAD_CREDENTIALS));
            }
            (id, None)
        }
        Credentials::UserName { name, domain, password } => {
            let found =
                f.users.list_where("", |u| u.name == name && u.domain == domain && u.password.matches(&password));
            let user = found.into_iter().next().ok_or(FujitsuError::Unauthorized(BAD_CREDENTIALS))?;
            (user.id, None)
        }
    };
    if !member(f, &user_id, tenant) {
        return Err(FujitsuError::Unauthorized(BAD_CREDENTIALS));
    }
    let mut expires = cx.now.plus_secs(settings.token_lifetime);
    if let Some(limit) = limit {
        expires = expires.min(limit);
    }
    let token_id = format!("gAAAAAB{}", cx.ids.alnum(120));
    let key = digest(&token_id);
    f.prune_tokens(cx);
    f.tokens.insert("", &key, Token { token_digest: key.clone(), user_id, tenant: tenant.to_owned(), expires });
    let body = view::token(&cx.iso(expires), &token_id);
    let mut out = Out::json(StatusCode::OK, body);
    if let Ok(v) = HeaderValue::from_str(&token_id) {
        out.headers.push((hyper::header::HeaderName::from_static("x-auth-token"), v));
    }
    Ok(out)
}
