//! The fuzzing harness, one entry per cargo-fuzz target in `fuzz/fuzz_targets/`:
//! - `router` ([`run_one`]): arbitrary bytes decoded into a short sequence of requests, run
//!   through [`Handle::request`] (the server's own request path: every provider's router,
//!   decoders and validators), each reply checked for well-formedness;
//! - `scenario` ([`scenario_one`]): arbitrary bytes as a YAML scenario: parsed, loaded;
//! - `faults` ([`faults_one`]): arbitrary bytes as the body of `POST /_sim/faults`, then
//!   requests that the rules may match;
//! - `allocations` ([`allocations_one`]): arbitrary bytes through Oracle's
//!   EXAUNIT_ALLOCATIONS decoder, grammar and property checks, with a round trip.
//!
//! The regular test `core::fuzz_corpus_replays_without_panic` replays every committed
//! corpus (`fuzz/corpus/<target>/`), so CI checks them without a nightly toolchain.
//!
//! Not part of the supported API (hidden from the docs). May touch: the public library
//! API (`Handle`, `Request`, `Reply`, `http::BODY_LIMIT`, `scenario`), and Oracle's
//! payload parser.
//!
//! # Input format
//! Chosen so that corpus files are readable and hand-writable, and so that one input can
//! reach deep states (create, then patch, then delete the same resource):
//!
//! ```text
//! POST /v1/organizations/00000000-0000-4000-8000-000000000001/services
//! x-any-header: value
//!
//! {"name":"a","provider":"aws","region":"us-east-1"}
//! ~~~
//! DELETE /v1/organizations/00000000-0000-4000-8000-000000000001/services/$id
//! ```
//!
//! - Requests are separated by a line `~~~` (at most [`MAX_REQUESTS`] per input).
//! - The first line is `METHOD TARGET`; a method that is not a valid token becomes `GET`;
//!   a target that is not a valid request URI is skipped, as hyper would refuse it before
//!   any handler ran.
//! - Header lines follow until an empty line; the rest is the body.
//! - `$id` in the target or body stands for the first `id` (breadth-first) of the last
//!   successful JSON reply, so a created resource can be addressed.
//! - Without an `authorization` line the request carries HTTP Basic `sim-key:sim-secret`;
//!   `authorization: none` sends none. A Fujitsu path (`/v1.0/...`) without an
//!   `x-auth-token` line carries the default identity's service token (`none`: none). Without a `content-type` line a non-empty body is
//!   declared `application/json`; `content-type: none` declares nothing.
//!
//! # Checks (a failed check panics, which the fuzzer reports as a crash)
//! - The status is a final status (200–599); 204 and 304 carry no body.
//! - A non-empty body has a content type; a JSON content type means the body parses.
//! - Errors carry the envelope of whoever owns the path: the provider's native envelope
//!   (ClickHouse: `status` equal to the HTTP status, `error`, `requestId`), the control
//!   API's and the fallback's `{"error": ...}`.

use std::net::SocketAddr;

use base64::Engine;
use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Uri};
use serde_json::Value;

use crate::http::{Reply, Request, BODY_LIMIT};
use crate::Handle;

/// Requests decoded from one input at most.
pub const MAX_REQUESTS: usize = 8;
/// Header lines read per request at most.
pub const MAX_HEADERS: usize = 16;
/// Stands for a resource id before any reply has named one (a valid, absent UUID).
pub const NO_ID: &str = "00000000-0000-4000-8000-0000000000ff";

const SEPARATOR: &[u8] = b"\n~~~\n";

/// The Fujitsu default identity's service token, which never expires (so that an input
/// that advances the clock keeps reaching past authentication).
const FUJITSU_TOKEN: &str = "sim-fujitsu-token";

/// Journal entries kept by [`simulator`]: enough to exercise the ring, small enough that
/// `GET /_sim/requests` stays cheap on every input.
pub const JOURNAL_SIZE: usize = 256;

/// The simulator every fuzz input runs on: the defaults (no server, manual clock, seed 0)
/// with a small journal.
pub fn simulator() -> Handle {
    crate::SimulatorBuilder::default().journal_size(JOURNAL_SIZE).build().expect("the default knobs are valid")
}

/// Decodes `data` into requests, runs them in order on `handle`, and checks each reply.
/// Panics (with the request and reply) when a reply is malformed.
pub fn run_one(handle: &Handle, data: &[u8]) {
    let mut last_id = NO_ID.to_owned();
    for chunk in split(data, SEPARATOR).take(MAX_REQUESTS) {
        let Some(req) = decode(chunk, &last_id) else { continue };
        let described =
            format!("{} {}{}", req.method, req.path, req.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default());
        let reply = handle.request(req.clone());
        if let Err(problem) = check(&req, &reply) {
            panic!(
                "malformed reply to {described}: {problem}\nstatus {}\nheaders {:?}\nbody {}",
                reply.status,
                reply.headers,
                String::from_utf8_lossy(&reply.body)
            );
        }
        if reply.status.is_success() {
            if let Some(id) = reply.body_json().as_ref().and_then(first_id) {
                last_id = id;
            }
        }
    }
}

/// Fuzz target `scenario`: `data` as a scenario file. Parsing and loading may refuse it
/// (with a message); neither may panic, and a refused load changes nothing.
pub fn scenario_one(handle: &Handle, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = crate::scenario::parse("fuzz.yaml", text) else { return };
    let before = state_without_clock(handle);
    if handle.load_scenario(&scenario).is_err() {
        assert_eq!(state_without_clock(handle), before, "a refused scenario changed the state");
    }
}

fn state_without_clock(handle: &Handle) -> Value {
    let reply = handle.request(Request::new(Method::GET, "/_sim/state", ""));
    let mut state = reply.body_json().unwrap_or(Value::Null);
    if let Some(obj) = state.as_object_mut() {
        obj.remove("clock");
    }
    state
}

/// Fuzz target `faults`: `data` as the body of `POST /_sim/faults`; when rules were
/// added, a few requests on each provider's paths (which they may match), every reply
/// checked; then the rules are cleared.
pub fn faults_one(handle: &Handle, data: &[u8]) {
    let mut add = Request::new(Method::POST, "/_sim/faults", Bytes::copy_from_slice(data));
    add.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let reply = handle.request(add.clone());
    if let Err(problem) = check(&add, &reply) {
        panic!("malformed reply to POST /_sim/faults: {problem}: {}", String::from_utf8_lossy(&reply.body));
    }
    if !reply.status.is_success() {
        return;
    }
    for target in [
        "/v1/organizations/00000000-0000-4000-8000-000000000001/services",
        "/itas/mydomain/myservices/api/v1/serviceInstances",
        "/v1.0/0123456789abcdef0123456789abcdef/instances",
        "/_sim/health",
        "/nowhere",
    ] {
        for method in [Method::GET, Method::POST] {
            let Some(req) = decode(format!("{method} {target}").as_bytes(), NO_ID) else { continue };
            let reply = handle.request(req.clone());
            if let Err(problem) = check(&req, &reply) {
                panic!("malformed reply to {method} {target} under fault rules: {problem}");
            }
        }
    }
    handle.request(Request::new(Method::DELETE, "/_sim/faults", ""));
}

/// Fuzz target `allocations`: `data` as base64 and as decoded text of Oracle's
/// EXAUNIT_ALLOCATIONS payload, through every parsing stage; properties that parse are
/// serialised in both styles and must read back unchanged.
pub fn allocations_one(data: &[u8]) {
    use crate::providers::oracle::payload::{self, Style};
    use crate::providers::oracle::validate::allocations as a;
    let text = String::from_utf8_lossy(data);
    let _ = a::p01_decode(&text, 64 * 1024);
    let Ok(parsed) = a::p02_grammar(&text) else { return };
    let Ok(items) = a::p03_exaunit_properties(&parsed) else { return };
    let Ok(entries) = a::p04_entries(items) else { return };
    for style in [Style::Documented, Style::Json] {
        let written = payload::serialize(&entries, style);
        let again = a::p02_grammar(&written)
            .and_then(|v| a::p03_exaunit_properties(&v).and_then(a::p04_entries))
            .unwrap_or_else(|e| panic!("serialised properties do not parse back: {e:?}\n{written}"));
        assert_eq!(again, entries, "round trip of {written}");
    }
    if let Ok(props) = a::p05_unique(entries) {
        let _ = a::p06_operation(&props);
        let _ = a::p08_request_id(&props);
    }
}

/// Splits `data` on `sep` (no allocation; an empty input yields one empty chunk)./// Splits `data` on `sep` (no allocation; an empty input yields one empty chunk).
fn split<'a>(data: &'a [u8], sep: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let cur = rest?;
        match find(cur, sep) {
            Some(i) => {
                rest = Some(&cur[i + sep.len()..]);
                Some(&cur[..i])
            }
            None => {
                rest = None;
                Some(cur)
            }
        }
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut parts = split(hay, needle).peekable();
    while let Some(p) = parts.next() {
        out.extend_from_slice(p);
        if parts.peek().is_some() {
            out.extend_from_slice(with);
        }
    }
    out
}

/// One request from one chunk; `None` when hyper would have refused it before routing.
fn decode(chunk: &[u8], last_id: &str) -> Option<Request> {
    let (head, body) = match find(chunk, b"\n\n") {
        Some(i) => (&chunk[..i], &chunk[i + 2..]),
        None => (chunk, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
    let target = target.trim().replace("$id", last_id);
    let uri: Uri = target.parse().ok()?;
    // An absolute-form or authority-form target still routes by its path, as in hyper.
    let path = uri.path().to_owned();
    let query = uri.query().map(str::to_owned);

    let mut headers = HeaderMap::new();
    let (mut auth_given, mut type_given, mut token_given) = (false, false, false);
    for line in lines.take(MAX_HEADERS) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.trim().as_bytes()), HeaderValue::from_str(value.trim()))
        else {
            continue;
        };
        let none = value.as_bytes().eq_ignore_ascii_case(b"none");
        if name == AUTHORIZATION {
            auth_given = true;
            if none {
                continue;
            }
        }
        if name.as_str() == "x-auth-token" {
            token_given = true;
            if none {
                continue;
            }
        }
        if name == CONTENT_TYPE {
            type_given = true;
            if none {
                continue;
            }
        }
        headers.append(name, value);
    }
    if !token_given && path.starts_with("/v1.0/") {
        headers.insert("x-auth-token", HeaderValue::from_static(FUJITSU_TOKEN));
    }
    if !auth_given {
        let token = base64::engine::general_purpose::STANDARD.encode("sim-key:sim-secret");
        if let Ok(v) = HeaderValue::from_str(&format!("Basic {token}")) {
            headers.insert(AUTHORIZATION, v);
        }
    }
    if !type_given && !body.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let body = replace(body, b"$id", last_id.as_bytes());
    // Mirrors the server: a body over the limit arrives empty, flagged.
    let too_large = body.len() > BODY_LIMIT;
    Some(Request {
        method,
        path,
        query,
        headers,
        body: if too_large { Bytes::new() } else { Bytes::from(body) },
        body_too_large: too_large,
        peer: SocketAddr::from(([127, 0, 0, 1], 40000)),
    })
}

/// The first string `id` of a JSON value, breadth-first (so `result.service.id` of a
/// ClickHouse create, or the first element's `id` of a list).
fn first_id(v: &Value) -> Option<String> {
    let mut queue = std::collections::VecDeque::from([v]);
    while let Some(v) = queue.pop_front() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("id") {
                    return Some(id.clone());
                }
                queue.extend(map.values());
            }
            Value::Array(items) => queue.extend(items),
            _ => {}
        }
    }
    None
}

/// Whether a reply is well-formed for its request; the problem otherwise.
pub fn check(req: &Request, reply: &Reply) -> Result<(), String> {
    let status = reply.status.as_u16();
    if !(200..=599).contains(&status) {
        return Err(format!("{status} is not a final status"));
    }
    if matches!(status, 204 | 304) && !reply.body.is_empty() {
        return Err(format!("{status} must not carry a body"));
    }
    let content_type = reply
        .headers
        .iter()
        .find(|(n, _)| *n == CONTENT_TYPE)
        .map(|(_, v)| v.to_str().unwrap_or("<not text>").to_ascii_lowercase());
    if !reply.body.is_empty() && content_type.is_none() {
        return Err("a body without a content type".into());
    }
    let is_json = content_type.as_deref().is_some_and(|ct| {
        let mime = ct.split(';').next().unwrap_or("").trim();
        mime == "application/json" || mime.ends_with("+json")
    });
    if req.method == hyper::Method::HEAD {
        // A HEAD answer declares what GET would send, without the body.
        return if reply.body.is_empty() { Ok(()) } else { Err("a HEAD answer carries a body".into()) };
    }
    let json = if is_json {
        Some(serde_json::from_slice::<Value>(&reply.body).map_err(|e| format!("declared JSON, does not parse: {e}"))?)
    } else {
        None
    };
    if status < 400 {
        return Ok(());
    }
    let segs = req.segments();
    // Oracle also owns `/{domain}/myservices/...` (its own rule decides).
    let envelope = if crate::providers::oracle::owns_path(&segs) {
        oracle_error
    } else {
        ENVELOPES.iter().find(|(first, _)| segs.first() == Some(first)).map(|(_, f)| *f).unwrap_or(plain_error)
    };
    let body = json.ok_or_else(|| format!("error {status} is not JSON"))?;
    envelope(status, &body)
}

/// The error envelope of each path owner, by first path segment. A provider adds its row
/// here when it arrives; every other path (the control API, unknown paths) answers the
/// plain `{"error": "..."}`.
const ENVELOPES: &[(&str, EnvelopeCheck)] =
    &[("v1", clickhouse_error), ("itas", oracle_error), ("ecra", oracle_error), ("v1.0", fujitsu_error)];

/// Fujitsu DBaaS: `{"Error": {"status": <http status>, "name": "<the seed's name for it>",
/// "message": "..."}}`.
fn fujitsu_error(status: u16, body: &Value) -> Result<(), String> {
    const NAMES: &[(u16, &str)] = &[
        (400, "badRequest"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "itemNotFound"),
        (405, "badMethod"),
        (413, "overLimit"),
        (422, "unprocessableEntity"),
        (500, "instanceFault"),
        (501, "notImplemented"),
        (503, "serviceUnavailable"),
        (504, "gatewayTimeout"),
    ];
    let e = body.get("Error").ok_or_else(|| format!("Fujitsu error {status} without its Error object: {body}"))?;
    if e.get("status").and_then(Value::as_u64) != Some(u64::from(status)) {
        return Err(format!("Fujitsu error without status {status}: {body}"));
    }
    let name = e.get("name").and_then(Value::as_str).unwrap_or("");
    match NAMES.iter().find(|(s, _)| *s == status) {
        Some((_, want)) if *want != name => return Err(format!("Fujitsu {status} is named '{name}', not '{want}'")),
        None if name.is_empty() => return Err(format!("Fujitsu error {status} without a name")),
        _ => {}
    }
    if e.get("message").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(format!("Fujitsu error {status} without a message: {body}"));
    }
    Ok(())
}

/// Checks an error body against an envelope, given the HTTP status.
type EnvelopeCheck = fn(u16, &Value) -> Result<(), String>;

/// Oracle My Services: `{errorCode, errorMessage, httpMessage, httpStatusCode}`; ECRA
/// helper endpoints: `{status, message, status-detail, op}`.
fn oracle_error(status: u16, body: &Value) -> Result<(), String> {
    let ecra = body.get("status").and_then(Value::as_u64) == Some(u64::from(status))
        && body.get("message").and_then(Value::as_str).is_some();
    let my_services = body.get("httpStatusCode").and_then(Value::as_u64) == Some(u64::from(status))
        && body.get("errorCode").and_then(Value::as_str).is_some_and(|c| c.starts_with("ITAS-"))
        && body.get("errorMessage").and_then(Value::as_str).is_some();
    if ecra || my_services {
        Ok(())
    } else {
        Err(format!("Oracle error {status} without its envelope: {body}"))
    }
}

/// ClickHouse Cloud: `{"status": <http status>, "error": "...", "requestId": "<uuid>"}`.
fn clickhouse_error(status: u16, body: &Value) -> Result<(), String> {
    if body.get("status").and_then(Value::as_u64) != Some(u64::from(status)) {
        return Err(format!("ClickHouse error without status {status}"));
    }
    if body.get("error").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err("ClickHouse error without an error message".into());
    }
    if !body.get("requestId").is_some_and(Value::is_string) {
        return Err("ClickHouse error without a requestId".into());
    }
    Ok(())
}

fn plain_error(_status: u16, body: &Value) -> Result<(), String> {
    match body.get("error").and_then(Value::as_str) {
        Some(e) if !e.is_empty() => Ok(()),
        _ => Err("error without an error message".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_format() {
        let req = decode(b"PATCH /a/$id?x=1\ncontent-type: none\nx-y: z\n\n{\"id\":\"$id\"}", "abc").unwrap();
        assert_eq!(req.method, Method::PATCH);
        assert_eq!((req.path.as_str(), req.query.as_deref()), ("/a/abc", Some("x=1")));
        assert!(req.headers.get(CONTENT_TYPE).is_none());
        assert!(req.headers.get(AUTHORIZATION).is_some());
        assert_eq!(&req.body[..], b"{\"id\":\"abc\"}");
        assert!(decode(b"GET /a b", NO_ID).is_none(), "a space in the target is refused, as by hyper");
        let req = decode(b"\xff\xfe", NO_ID).unwrap();
        assert_eq!((req.method, req.path.as_str()), (Method::GET, "/"));
    }

    #[test]
    fn splits_requests_and_finds_ids() {
        let parts: Vec<&[u8]> = split(b"a\n~~~\nb\n~~~\n", SEPARATOR).collect();
        assert_eq!(parts, [&b"a"[..], b"b", b""]);
        let v = serde_json::json!({"result": {"password": "p", "service": {"id": "s1"}}});
        assert_eq!(first_id(&v).as_deref(), Some("s1"));
    }
}
