//! Who may use the control API over the network: the cross-site rule and the admin token.
//!
//! Checked on every `/_sim/` request that arrives on a socket (in-process requests are
//! trusted), before the request does anything, in this order:
//! 1. a request with an `Origin` header that is not the simulator's own (the `Host` the
//!    request was sent to, scheme `http`) is refused with 403: a page on another site
//!    can make a browser send it, and reading a browser's `Origin` is how a server tells;
//! 2. with an admin token (`--admin-token`), a request without `Authorization: Bearer
//!    TOKEN` is refused with 401 and `WWW-Authenticate: Bearer`. The token is kept only as
//!    a digest and compared in constant time. The dashboard's static files (`GET
//!    /_sim/ui...`) stay open: a browser cannot send a header when it opens a page, they
//!    hold no state, and the page sends the token on every call it makes.
//!
//! The Content-Type rule of mutations is the control API's own (`super::refuse_media_type`).
//!
//! May touch: `crate::http`, `crate::secret`.

use hyper::header::{HeaderValue, HOST, ORIGIN, WWW_AUTHENTICATE};
use hyper::{Method, StatusCode};

use super::error;
use crate::http::{Reply, Request};
use crate::secret::Secret;

/// The network rules of the control API; built once per simulator.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    token: Option<Secret>,
}

impl Guard {
    /// `token`: the admin token, or `None` for an open control API.
    pub fn new(token: Option<&str>) -> Self {
        Guard { token: token.map(Secret::new) }
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The refusal of a `/_sim/<segs>` request, with its journal operation name; `None`
    /// lets it through.
    pub fn check(&self, req: &Request, segs: &[&str]) -> Option<(Reply, &'static str)> {
        if let Some(origin) = req.header(ORIGIN.as_str()) {
            if !same_origin(origin, req.header(HOST.as_str())) {
                return Some((
                    error(
                        StatusCode::FORBIDDEN,
                        format!(
                            "cross-site request refused: Origin {origin} is not this simulator's own address; \
                             the control API answers only its own pages and non-browser clients"
                        ),
                    ),
                    "forbiddenOrigin",
                ));
            }
        }
        let token = self.token.as_ref()?;
        let static_page = matches!(segs.first(), Some(&"ui")) && matches!(req.method, Method::GET | Method::HEAD);
        if static_page {
            return None;
        }
        let presented = req.header(hyper::header::AUTHORIZATION).and_then(bearer);
        if presented.is_some_and(|t| token.matches(t)) {
            return None;
        }
        let why = if presented.is_some() { "the admin token is wrong" } else { "an admin token is required" };
        Some((
            error(
                StatusCode::UNAUTHORIZED,
                format!("{why}: this simulator's control API (/_sim/) needs Authorization: Bearer <admin token>"),
            )
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"dbaas-sim control API\"")),
            "unauthorized",
        ))
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// Whether `origin` (`scheme://host[:port]`, or `null`) is the address the request was
/// sent to (`host`). The simulator serves plain HTTP, so only `http` can be its origin.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let (Some(authority), Some(host)) = (origin.trim().strip_prefix("http://"), host) else {
        return false;
    };
    let authority = authority.trim_end_matches('/');
    normalise(authority) == normalise(host.trim())
}

/// `HOST[:PORT]` lower-cased, with HTTP's default port made explicit.
fn normalise(authority: &str) -> String {
    let lower = authority.to_ascii_lowercase();
    let has_port = match lower.rfind(':') {
        // `[::1]` has colons but no port; `[::1]:80` has one.
        Some(i) => !lower[i..].contains(']'),
        None => false,
    };
    if has_port {
        lower
    } else {
        format!("{lower}:80")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_the_host_the_request_was_sent_to() {
        assert!(same_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_origin("http://LOCALHOST:8080", Some("localhost:8080")));
        assert!(same_origin("http://[::1]:9", Some("[::1]:9")));
        assert!(same_origin("http://example.test", Some("example.test:80")));
        assert!(!same_origin("http://evil.test:8080", Some("127.0.0.1:8080")));
        assert!(!same_origin("https://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!same_origin("null", Some("127.0.0.1:8080")));
        assert!(!same_origin("http://127.0.0.1:8080", None));
        assert!(!same_origin("http://127.0.0.1:8081", Some("127.0.0.1:8080")));
    }

    #[test]
    fn bearer_reads_the_token_only() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
