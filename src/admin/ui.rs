//! `GET /_sim/ui`: the dashboard, one page that watches and drives a simulator.
//!
//! The page, its script and its style sheet are compiled into the binary
//! (`include_str!`), so there is no build step and nothing is fetched from elsewhere:
//! the Content-Security-Policy allows this origin only. The page reads everything through
//! the control API (`/_sim/state`, `/_sim/clock`, `/_sim/faults`, `/_sim/requests`) and
//! follows `/_sim/events`; it shows every control-API error it gets.
//!
//! Admin token (for when `--admin-token` exists): the page sends `Authorization: Bearer
//! TOKEN` on every request when the URL fragment carries `#token=TOKEN`, or after it asked
//! for a token because a request was answered 401.
//!
//! May touch: `crate::http` (the reply).

use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL};
use hyper::StatusCode;

use crate::http::Reply;

const INDEX: &str = include_str!("ui/index.html");
const SCRIPT: &str = include_str!("ui/app.js");
const STYLE: &str = include_str!("ui/style.css");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The file under `/_sim/ui/...` (`[]` is the page itself).
pub fn asset(rest: &[&str]) -> Option<Reply> {
    let (content_type, body) = match rest {
        [] | ["index.html"] => ("text/html; charset=utf-8", INDEX),
        ["app.js"] => ("text/javascript; charset=utf-8", SCRIPT),
        ["style.css"] => ("text/css; charset=utf-8", STYLE),
        _ => return None,
    };
    Some(
        Reply::text(StatusCode::OK, content_type, body)
            .with_header(CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            .with_header(HeaderName::from_static("content-security-policy"), HeaderValue::from_static(CSP))
            .with_header(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"))
            .with_header(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_assets() {
        for needle in ["/_sim/ui/app.js", "/_sim/ui/style.css"] {
            assert!(INDEX.contains(needle), "the page links {needle}");
        }
        for text in [INDEX, SCRIPT, STYLE] {
            assert!(!text.contains("http://") && !text.contains("https://"), "no external resources");
            assert!(!text.contains("//cdn"), "no CDN");
        }
        assert!(asset(&["nope.js"]).is_none());
    }
}
