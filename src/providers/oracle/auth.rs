//! Authentication (spec §2.2, rows T01–T09): HTTP Basic with `X-ID-TENANT-NAME` naming the
//! path's identity domain (name or IDCS GUID alias), bearer tokens with an expiry, the
//! mutate role, and the optional per-user rate limit.
//!
//! May touch: the provider's domain, token and rate tables (read; the rate table write).

use std::borrow::Cow;
use std::sync::Arc;

use super::error::OracleError;
use super::model::Domain;
use super::Oracle;
use crate::clock::SimInstant;
use crate::http::Request;
use crate::id::Id;
use crate::providers::Cx;

/// Who is calling, in which identity domain.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Shared with the domains table: a request copies none of it.
    pub domain: Arc<Domain>,
    /// Inline: a request's identity costs no allocation.
    pub username: Id,
    pub can_mutate: bool,
}

/// The header naming the identity domain (§2.2).
pub const X_ID_TENANT_NAME: hyper::header::HeaderName = hyper::header::HeaderName::from_static("x-id-tenant-name");

fn unauthorized(m: impl Into<String>) -> OracleError {
    OracleError::Unauthorized(m.into())
}

/// A domain by name or alias (§2.1); `.anon` and unknown names are `None`.
pub fn resolve_domain(o: &Oracle, name: &str) -> Option<Arc<Domain>> {
    o.domains.get("", &canonical_name(o, name)?)
}

/// The canonical name of the domain `name` or its alias names, when there is one: the
/// request path checks names only, and the caller's domain is cloned once, at the end.
fn canonical_name<'a>(o: &Oracle, name: &'a str) -> Option<Cow<'a, str>> {
    if o.domains.contains("", name) {
        return Some(Cow::Borrowed(name));
    }
    let canonical = o.aliases.get("", &name.to_ascii_lowercase())?;
    o.domains.contains("", &canonical).then_some(Cow::Owned(canonical))
}

/// T01–T07: the principal of a request. `path_domain` is the `{domain}` of the path
/// (`None` on ECRA paths, where the header or token names the domain, §15 #15).
pub fn authenticate(o: &Oracle, req: &Request, path_domain: Option<&str>, cx: &Cx) -> Result<Principal, OracleError> {
    // T07: the path's domain must exist; `.anon` is unauthenticated (§2.1).
    let path = match path_domain {
        Some(".anon") => return Err(unauthorized("Anonymous access is not allowed")),
        Some(d) => Some(canonical_name(o, d).ok_or_else(|| unauthorized(format!("Unknown identity domain '{d}'")))?),
        None => None,
    };
    let header = req.header(hyper::header::AUTHORIZATION).map(str::trim).filter(|h| !h.is_empty());
    let header = header.ok_or_else(|| unauthorized("The Authorization header is required"))?;
    let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
    let tenant = req.header(X_ID_TENANT_NAME).map(str::trim).filter(|t| !t.is_empty());
    // T04: the header names the same domain as the path (either alias).
    let tenant_domain = match tenant {
        // The header spells the path's domain as the path does (what clients send): the
        // same domain, resolved once.
        Some(t) if path.is_some() && path_domain == Some(t) => path.clone(),
        Some(t) => {
            let d = canonical_name(o, t)
                .ok_or_else(|| unauthorized(format!("Unknown identity domain '{t}' in X-ID-TENANT-NAME")))?;
            if path.as_ref().is_some_and(|p| *p != d) {
                return Err(unauthorized(format!(
                    "X-ID-TENANT-NAME '{t}' does not name the identity domain of the request path"
                )));
            }
            Some(d)
        }
        None => None,
    };
    if scheme.eq_ignore_ascii_case("basic") {
        // T03: Basic needs the tenant header (S6).
        let domain = tenant_domain
            .ok_or_else(|| unauthorized("The X-ID-TENANT-NAME header is required with Basic authentication"))?;
        let decoded = crate::http::BasicCredentials::decode(credentials.trim())
            .ok_or_else(|| unauthorized("Malformed Basic credentials"))?;
        let (user, password) = decoded.parts();
        // T02: the user exists in the domain and the password matches.
        let found = o.domains.read("", &domain, |d| {
            let u = d.users.iter().find(|u| u.username == user && u.password.matches(password))?;
            Some(Principal { domain: Arc::clone(d), username: Id::from(&u.username), can_mutate: u.can_mutate })
        });
        return found.flatten().ok_or_else(|| unauthorized("Invalid username or password"));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        // T06: a known token; T05: not expired (S4: "Expired" in the message).
        let token = o
            .tokens
            .get("", crate::secret::DigestText::of(credentials.trim()).as_str())
            .ok_or_else(|| unauthorized("Invalid access token"))?;
        if token.expires_at <= cx.now {
            return Err(OracleError::Expired);
        }
        let domain = o.domains.get("", &token.domain).ok_or_else(|| unauthorized("Invalid access token"))?;
        let wrong_domain = path.as_ref().is_some_and(|p| *p != domain.name)
            || tenant_domain.as_ref().is_some_and(|t| *t != domain.name);
        if wrong_domain {
            return Err(unauthorized("The access token was not issued for this identity domain"));
        }
        let can_mutate = domain.users.iter().find(|u| u.username == token.username).is_none_or(|u| u.can_mutate);
        return Ok(Principal { domain, username: Id::from(token.username), can_mutate });
    }
    Err(unauthorized("Unsupported authorization scheme; use Basic or Bearer"))
}

/// T08: `POST operations` needs the mutate role (§2.2).
pub fn t08_can_mutate(p: &Principal) -> Result<(), OracleError> {
    if !p.can_mutate {
        return Err(OracleError::Forbidden(format!("User {} is not allowed to submit operations", p.username)));
    }
    Ok(())
}

/// T09: at most `per_minute` requests per user per simulated minute (knob `rateLimit`).
pub fn t09_rate_limit(o: &Oracle, p: &Principal, now: SimInstant, per_minute: u64) -> Result<(), OracleError> {
    const WINDOW_MS: u64 = 60_000;
    let (domain, user) = (&p.domain.name, &p.username);
    if !o.rate.contains(domain, user) {
        o.rate.insert(domain, user, Vec::new());
    }
    o.rate
        .update(domain, user, |times| {
            times.retain(|t| now.0.saturating_sub(t.0) < WINDOW_MS);
            if times.len() as u64 >= per_minute {
                let oldest = times.iter().min().copied().unwrap_or(now);
                let wait = (oldest.0 + WINDOW_MS).saturating_sub(now.0).div_ceil(1000).max(1);
                return Err(OracleError::RateLimited { retry_after: wait });
            }
            times.push(now);
            Ok(())
        })
        .unwrap_or(Ok(()))
}
