//! Request and reply values, and the seam through which providers render errors.
//!
//! The server turns a hyper request into a [`Request`] (body already read, within the
//! limit), a provider answers with a [`Reply`]. Rejections found before a provider handler
//! runs (bad JSON, body too large, unknown path, wrong method) are [`Rejection`]s; every
//! provider converts them into its own native error envelope through [`ProviderError`],
//! so a client never sees a generic error shape on a provider path.
//!
//! May touch: nothing else in the crate.

use std::net::SocketAddr;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Method, StatusCode};
use serde_json::Value;

/// Largest request body read (1 MiB); larger bodies get the provider's 413.
pub const BODY_LIMIT: usize = 1 << 20;

pub const JSON: &str = "application/json; charset=utf-8";
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A request with its body read.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body was longer than [`BODY_LIMIT`]; `body` is empty then.
    pub body_too_large: bool,
    pub peer: SocketAddr,
}

impl Request {
    /// A request built in memory (tests, scenario steps, the fuzzer).
    pub fn new(method: Method, uri: &str, body: impl Into<Bytes>) -> Self {
        let (path, query) = match uri.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (uri.to_owned(), None),
        };
        Request {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: body.into(),
            body_too_large: false,
            peer: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }

    /// A header's value as text. Hot paths pass a `HeaderName` constant: a `&str` is
    /// parsed into a name on every call.
    pub fn header<K: hyper::header::AsHeaderName>(&self, name: K) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Path segments without the empty ones (so a trailing `/` is tolerated).
    pub fn segments(&self) -> Segments<'_> {
        // On the stack up to 12 segments (every path a provider serves), and split on the
        // byte: `str::split` cost more than the rest of the request path.
        let mut segs = Segments::new();
        let mut start = 0;
        for (i, b) in self.path.bytes().enumerate() {
            if b == b'/' {
                if i > start {
                    segs.push(&self.path[start..i]);
                }
                start = i + 1;
            }
        }
        if start < self.path.len() {
            segs.push(&self.path[start..]);
        }
        segs
    }

    /// Decoded query parameters, in order (repeated names kept).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query.as_deref().map(parse_query).unwrap_or_default()
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// `a=1&b=x%20y` → `[("a","1"), ("b","x y")]`; `+` is a space.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path's segments: inline up to 12 (no allocation), on the heap beyond.
pub type Segments<'a> = smallvec::SmallVec<[&'a str; 12]>;

/// A written body as `Bytes` without a second allocation: `Bytes::from(Vec)` allocates
/// a shared header when the vector has spare capacity (as a body written into a
/// capacity guessed ahead has), and a boxed slice never does. The shrink is a
/// `realloc` that the allocator does in place when the body fills at least half its
/// capacity.
pub fn body_bytes(body: Vec<u8>) -> Bytes {
    Bytes::from(body.into_boxed_slice())
}

/// A reply's headers: inline up to three (a content type, a request id and one more: no
/// allocation per answer), on the heap beyond.
pub type Headers = smallvec::SmallVec<[(HeaderName, HeaderValue); 3]>;

/// What a handler answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Headers,
    pub body: Bytes,
}

impl Reply {
    pub fn json(status: StatusCode, value: &Value) -> Self {
        let body = serde_json::to_vec(value).expect("a serde_json::Value always serialises");
        Reply::json_bytes(status, body)
    }

    /// A reply whose body is JSON text already written.
    pub fn json_bytes(status: StatusCode, body: Vec<u8>) -> Self {
        let headers = smallvec::smallvec![(CONTENT_TYPE, HeaderValue::from_static(JSON))];
        Reply { status, headers, body: body_bytes(body) }
    }

    pub fn text(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let headers = smallvec::smallvec![(CONTENT_TYPE, HeaderValue::from_static(content_type))];
        Reply { status, headers, body: body.into() }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The body as JSON (tests and scenario steps).
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Rejections found by the shared request plumbing, before or around a handler.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The body is not JSON, or not the JSON shape required (message says which).
    MalformedBody(String),
    /// A body with a content type other than JSON.
    UnsupportedMediaType,
    BodyTooLarge,
    /// No route for this path under the provider's prefix.
    NotFound,
    /// Known path, wrong method; `allow` lists the methods of the path.
    MethodNotAllowed {
        allow: &'static str,
    },
    /// Injected by a fault rule: the status the rule asked for.
    Injected {
        status: u16,
        retry_after: Option<u64>,
    },
}

impl std::fmt::Display for Rejection {
    /// Plain words for a client, never Rust debug text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::MalformedBody(m) => f.write_str(m),
            Rejection::UnsupportedMediaType => {
                f.write_str("the request body must be JSON (Content-Type: application/json)")
            }
            Rejection::BodyTooLarge => write!(f, "the request body is larger than {} MiB", BODY_LIMIT >> 20),
            Rejection::NotFound => f.write_str("no such route"),
            Rejection::MethodNotAllowed { allow } => write!(f, "method not allowed; allowed: {allow}"),
            Rejection::Injected { status, .. } => write!(f, "status {status} injected by a fault rule"),
        }
    }
}

/// Implemented once per provider: its status codes, error bodies and headers.
pub trait ProviderError: std::fmt::Debug + From<Rejection> {
    fn status(&self) -> StatusCode;
    /// The native error body; `request_id` for providers that echo one.
    fn body(&self, request_id: &str) -> Value;
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        Vec::new()
    }

    fn into_reply(self, request_id: &str) -> Reply
    where
        Self: Sized,
    {
        let mut reply = Reply::json(self.status(), &self.body(request_id));
        reply.headers.extend(self.headers());
        reply
    }
}

/// `Authorization: Basic ...` for a user and password.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// The `user:password` of HTTP Basic credentials (RFC 7617), decoded on the stack: every
/// authenticated ClickHouse and Oracle request decodes one, and the `Vec` and `String`
/// it took were two allocations per request.
pub struct BasicCredentials {
    text: smallvec::SmallVec<[u8; 192]>,
    colon: usize,
}

impl BasicCredentials {
    /// The credentials in `encoded` (the part after `Basic `, standard base64, padded):
    /// `None` unless it decodes to UTF-8 text with a `:`.
    pub fn decode(encoded: &str) -> Option<Self> {
        use base64::Engine;
        let engine = &base64::engine::general_purpose::STANDARD;
        let mut buf = [0u8; 192];
        let text = match engine.decode_slice(encoded, &mut buf) {
            Ok(len) => smallvec::SmallVec::from_buf_and_len(buf, len),
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => engine.decode(encoded).ok()?.into(),
            Err(base64::DecodeSliceError::DecodeError(_)) => return None,
        };
        let colon = std::str::from_utf8(&text).ok()?.find(':')?;
        Some(BasicCredentials { text, colon })
    }

    /// The user (a ClickHouse key id, the text before the first `:`) and the password (a
    /// key secret, the text after it).
    pub fn parts(&self) -> (&str, &str) {
        let (user, password) = self.text.split_at(self.colon);
        let text = |b| std::str::from_utf8(b).unwrap_or_default();
        (text(user), text(password.get(1..).unwrap_or_default()))
    }
}

/// The `Retry-After` of an injected error: the rule's, or 1 s for 503 and 429 (which
/// real clients back off on) when the rule names none.
pub fn retry_after_headers(status: u16, retry_after: Option<u64>) -> Vec<(HeaderName, HeaderValue)> {
    let secs = retry_after.or((status == 503 || status == 429).then_some(1));
    secs.map(|s| vec![(hyper::header::RETRY_AFTER, HeaderValue::from(s))]).unwrap_or_default()
}

/// Whether the request declares a JSON body (or declares nothing).
pub fn is_json_content(req: &Request) -> bool {
    match req.header(CONTENT_TYPE) {
        None => true,
        Some(ct) => {
            let mime = ct.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("application/json") || mime.to_ascii_lowercase().ends_with("+json")
        }
    }
}

/// Whitespace as JSON reads it (RFC 8259 §2): space, tab, line feed, carriage return.
/// A form feed or a vertical tab is not JSON whitespace, so it is not an empty body.
fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Parses the body as a JSON object. An empty body (or JSON whitespace only) is `{}`.
pub fn json_object(req: &Request) -> Result<serde_json::Map<String, Value>, Rejection> {
    if req.body_too_large {
        return Err(Rejection::BodyTooLarge);
    }
    if req.body.iter().all(|&b| is_json_whitespace(b)) {
        return Ok(serde_json::Map::new());
    }
    if !is_json_content(req) {
        return Err(Rejection::UnsupportedMediaType);
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Rejection::MalformedBody("the request body must be a JSON object".into())),
        Err(e) => Err(Rejection::MalformedBody(format!("invalid JSON body: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded() {
        assert_eq!(
            parse_query("a=1&b=x%20y+z&c&d=%zz&e=%4"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into()),
                ("e".into(), "%4".into())
            ]
        );
    }

    #[test]
    fn basic_credentials_decode_as_the_heap_decoder_did_and_refuse_what_it_refused() {
        use base64::Engine;
        let long = format!("{}:{}", "k".repeat(300), "s".repeat(300));
        for plain in ["sim-key:sim-secret", "a:", ":b", "user:pa:ss", "é:ü", long.as_str()] {
            let encoded = base64::engine::general_purpose::STANDARD.encode(plain);
            let c = BasicCredentials::decode(&encoded).expect(plain);
            assert_eq!(Some(c.parts()), plain.split_once(':'), "{plain}");
        }
        let no_colon = base64::engine::general_purpose::STANDARD.encode("nocolon");
        let not_utf8 = base64::engine::general_purpose::STANDARD.encode([0xff, b':', 0xfe]);
        for bad in ["", "!!!!", "c2ltLWtleTpzaW0tc2VjcmV0=", no_colon.as_str(), not_utf8.as_str()] {
            assert!(BasicCredentials::decode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn segments_skip_empty_ones() {
        for (path, want) in [
            ("/v1/organizations/o/services", vec!["v1", "organizations", "o", "services"]),
            ("/v1//x/", vec!["v1", "x"]),
            ("", vec![]),
            ("/", vec![]),
            ("a", vec!["a"]),
            ("//é/ü//", vec!["é", "ü"]),
        ] {
            let r = Request::new(Method::GET, path, "");
            assert_eq!(&r.segments()[..], &want[..], "{path}");
            let split: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            assert_eq!(&r.segments()[..], &split[..], "{path}");
        }
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        let r = Request::new(Method::POST, "/x", "  ");
        assert!(json_object(&r).unwrap().is_empty());
        let r = Request::new(Method::POST, "/x", "[1]");
        assert!(matches!(json_object(&r), Err(Rejection::MalformedBody(_))));
        for not_json in ["\x0c", " \x0b "] {
            let r = Request::new(Method::POST, "/x", not_json);
            match json_object(&r) {
                Err(Rejection::MalformedBody(m)) => assert!(m.contains("JSON body"), "{m}"),
                other => panic!("{not_json:?} is not an empty body: {other:?}"),
            }
        }
    }
}
