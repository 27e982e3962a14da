//! The `/_sim/` control API: health, reset, state, clock, journal, metrics, knobs, the
//! live feed (`events`), the dashboard (`ui`), and each provider's own hooks under
//! `/_sim/{provider}/...`.
//!
//! Every answer is JSON (metrics: Prometheus text; events: server-sent events; ui: the
//! page and its assets). Bad control input gets 400 `{"error": "..."}` and changes
//! nothing. One Content-Type rule covers every mutation ([`refuse_media_type`]), so that a
//! web page on another origin cannot drive the simulator with a "simple" request; over
//! the network, [`Guard`] also refuses cross-site `Origin`s and checks the admin token.
//!
//! May touch: `crate::sim::Core` and what it exposes; providers only through `World`.

mod events;
mod guard;
mod metrics;
mod ui;

pub use events::{EventBody, EVENTS_OPERATION};
pub use guard::Guard;

use std::time::Duration;

use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use crate::feed::Kind;
use crate::http::{json_object, Rejection, Reply, Request, PROMETHEUS_TEXT};
use crate::journal::{Filter, MAX_PAGE};
use crate::providers::World;
use crate::sim::{offload, Core};

/// The journal's operation name of `GET /_sim/state`. Its answer here has no body: the
/// request path writes the dump itself, streamed to a socket (`crate::server`) or whole
/// for an in-process caller, so that it is never built in memory twice.
pub const STATE_OPERATION: &str = "getState";

/// Transitions an advance lists unless asked for all of them.
const ADVANCE_LIST: usize = 1_000;

/// Entries a journal listing answers when it names no `limit`.
const DEFAULT_PAGE: usize = 1_000;

fn ok(value: Value) -> Reply {
    Reply::json(StatusCode::OK, &value)
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Reply {
    Reply::json(status, &json!({ "error": message.into() }))
}

fn bad(message: impl Into<String>) -> Reply {
    error(StatusCode::BAD_REQUEST, message)
}

fn not_allowed(allow: &'static str) -> Reply {
    error(StatusCode::METHOD_NOT_ALLOWED, format!("method not allowed; allowed: {allow}"))
        .with_header(hyper::header::ALLOW, hyper::header::HeaderValue::from_static(allow))
}

/// The body as a JSON object, or the refusal (boxed: a reply keeps its headers inline).
fn body_object(req: &Request) -> Result<serde_json::Map<String, Value>, Box<Reply>> {
    json_object(req).map_err(|r| {
        Box::new(match r {
            Rejection::BodyTooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "request body is larger than 1 MiB"),
            Rejection::UnsupportedMediaType => {
                error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")
            }
            Rejection::MalformedBody(m) => bad(m),
            other => bad(other.to_string()),
        })
    })
}

/// The one Content-Type rule of the control API: a mutation (POST, PUT, PATCH, DELETE)
/// that has a body declares it `application/json` (or another JSON type, `+json`);
/// `POST /_sim/scenarios` may declare YAML instead. A mutation without a body needs no
/// Content-Type, but one that declares a Content-Type declares one of those (a browser
/// form or a `text/plain` fetch, which need no preflight, is refused even when empty).
/// Anything else is refused with 415, before the request does anything. The one
/// exception is a provider's opaque-body upload route (`PUT`, see
/// `Provider::admin_takes_opaque_body`), which takes any type.
fn refuse_media_type(core: &Core, req: &Request, segs: &[&str]) -> Option<Reply> {
    let mutation = matches!(req.method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if req.method == Method::PUT {
        if let [provider, rest @ ..] = segs {
            if core.world.admin_takes_opaque_body(provider, rest) {
                return None;
            }
        }
    }
    let declared = req.header("content-type").unwrap_or("");
    let bodiless = req.body.is_empty() && !req.body_too_large && req.headers.get("content-type").is_none();
    if !mutation || bodiless {
        return None;
    }
    let mime = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let json = mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    let yaml = matches!(mime.as_str(), "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml");
    if json || (yaml && segs == ["scenarios"]) {
        return None;
    }
    let got = if declared.is_empty() { "none".to_owned() } else { format!("'{declared}'") };
    let what = if req.body.is_empty() && !req.body_too_large { "that declares a Content-Type" } else { "with a body" };
    Some(error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "a /_sim/ request {what} must declare Content-Type: application/json \
             (POST /_sim/scenarios also takes application/yaml); got {got}"
        ),
    ))
}

/// Answers `/_sim/<segs...>`, with the operation name the journal records.
pub fn handle(core: &Core, req: &Request, segs: &[&str]) -> (Reply, &'static str) {
    if let Some(reply) = refuse_media_type(core, req, segs) {
        return (reply, "unsupportedMediaType");
    }
    let m = &req.method;
    match segs {
        ["health"] if m == Method::GET => (health(core), "health"),
        ["health"] => (not_allowed("GET"), "health"),
        ["reset"] if m == Method::POST => {
            core.reset();
            (ok(json!({"reset": true, "clock": clock_json(core)})), "reset")
        }
        ["reset"] => (not_allowed("POST"), "reset"),
        ["state"] if m == Method::GET => (Reply::json_bytes(StatusCode::OK, Vec::new()), STATE_OPERATION),
        ["state"] if m == Method::PUT => (offload(|| put_state(core, req)), "putState"),
        ["state"] => (not_allowed("GET, PUT"), "state"),
        ["faults"] if m == Method::GET => (list_faults(core), "listFaults"),
        ["faults"] if m == Method::POST => (add_faults(core, req), "addFault"),
        ["faults"] if m == Method::DELETE => {
            core.faults.clear();
            core.feed.publish(Kind::Fault, &json!({"change": "cleared"}));
            (ok(json!({"cleared": true})), "clearFaults")
        }
        ["faults"] => (not_allowed("GET, POST, DELETE"), "faults"),
        ["faults", id] if m == Method::DELETE => {
            if core.faults.remove(id) {
                core.feed.publish(Kind::Fault, &json!({"change": "removed", "ids": [id]}));
                (ok(json!({"deleted": id})), "deleteFault")
            } else {
                (error(StatusCode::NOT_FOUND, format!("no fault rule '{id}'")), "deleteFault")
            }
        }
        ["faults", _] => (not_allowed("DELETE"), "fault"),
        ["openapi", file] if m == Method::GET => {
            let doc = file.strip_suffix(".json").and_then(|name| core.world.openapi(name));
            match doc {
                Some(doc) => (ok(doc), "getOpenApi"),
                None => (error(StatusCode::NOT_FOUND, format!("no OpenAPI document {file}")), "getOpenApi"),
            }
        }
        ["scenarios"] if m == Method::POST => (load_scenario(core, req), "loadScenario"),
        ["scenarios"] => (not_allowed("POST"), "scenarios"),
        ["clock"] if m == Method::GET => (ok(clock_json(core)), "getClock"),
        ["clock"] => (not_allowed("GET"), "clock"),
        ["clock", "advance"] if m == Method::POST => (offload(|| advance(core, req)), "advanceClock"),
        ["clock", "advance"] => (not_allowed("POST"), "advanceClock"),
        ["requests"] if m == Method::GET => (requests(core, req), "listRequests"),
        ["requests"] if m == Method::DELETE => {
            core.journal.clear();
            (ok(json!({"cleared": true})), "clearRequests")
        }
        ["requests"] => (not_allowed("GET, DELETE"), "requests"),
        ["metrics"] if m == Method::GET => {
            (Reply::text(StatusCode::OK, PROMETHEUS_TEXT, metrics::render(core)), "metrics")
        }
        ["metrics"] => (not_allowed("GET"), "metrics"),
        ["events"] if m == Method::GET => (events::open(), EVENTS_OPERATION),
        ["events"] => (not_allowed("GET"), EVENTS_OPERATION),
        ["ui", rest @ ..] if m == Method::GET || m == Method::HEAD => match ui::asset(rest) {
            Some(reply) => (reply, "dashboard"),
            None => (error(StatusCode::NOT_FOUND, format!("no dashboard file {}", req.path)), "dashboard"),
        },
        ["ui", ..] => (not_allowed("GET"), "dashboard"),
        ["config"] if m == Method::GET => (ok(config(core)), "getConfig"),
        ["config"] if m == Method::PATCH => (patch_config(core, req), "patchConfig"),
        ["config"] => (not_allowed("GET, PATCH"), "config"),
        [provider, rest @ ..] if World::providers().contains(provider) => {
            let cx = core.cx(core.clock.now(), req.peer);
            match core.world.admin(req, provider, rest, &cx) {
                Some(reply) => (reply, "providerHook"),
                None => (error(StatusCode::NOT_FOUND, format!("no control route {}", req.path)), "unknownRoute"),
            }
        }
        _ => (error(StatusCode::NOT_FOUND, format!("no control route {}", req.path)), "unknownRoute"),
    }
}

/// Written as JSON text (keys in byte order, as the `Value` rendering had them): load
/// tests and readiness probes poll it, and the `Value` tree was half of its cost.
fn health(core: &Core) -> Reply {
    use crate::json_text::{strings, Obj};
    let mut out = Vec::with_capacity(128);
    let mut m = Obj::new(&mut out);
    m.str("clock", core.clock.mode().name());
    strings(m.key("providers"), World::providers().iter().copied());
    m.num("seed", core.ids.seed());
    m.str("status", "ok");
    m.num("uptimeMs", core.started.elapsed().as_millis() as u64);
    m.end();
    Reply::json_bytes(StatusCode::OK, out)
}

fn clock_json(core: &Core) -> Value {
    let now = core.clock.now();
    json!({
        "mode": core.clock.mode().name(),
        "speed": core.clock.mode().speed(),
        "now": core.clock.iso(now),
        "elapsedMs": now.millis(),
        "epoch": core.clock.iso(crate::clock::SimInstant::ZERO),
        "pendingTransitions": core.lifecycle.len(),
    })
}

fn advance(core: &Core, req: &Request) -> Reply {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(reply) => return *reply,
    };
    let seconds = match body.get("seconds") {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(s) if (0.0..=crate::sim::MAX_ADVANCE.as_secs_f64()).contains(&s) => s,
            _ => {
                return bad(format!(
                    "seconds must be a non-negative number of at most {} (ten years)",
                    crate::sim::MAX_ADVANCE.as_secs()
                ))
            }
        },
        Some(_) => return bad("seconds must be a number"),
        None => return bad("seconds is required"),
    };
    // `"all": true` lists every transition; otherwise the first ADVANCE_LIST, and
    // `applied` counts them all (an advance over years applies millions).
    let keep = match body.get("all") {
        None | Some(Value::Bool(false)) => ADVANCE_LIST,
        Some(Value::Bool(true)) => usize::MAX,
        Some(_) => return bad("all must be a boolean"),
    };
    let (now, applied) = core.advance(Duration::from_secs_f64(seconds), keep);
    ok(json!({
        "now": core.clock.iso(now),
        "elapsedMs": now.millis(),
        "applied": applied.total,
        "truncated": applied.truncated(),
        "transitions": applied.transitions,
    }))
}

/// `PUT /_sim/state`: restore a `GET /_sim/state` dump (all or nothing).
fn put_state(core: &Core, req: &Request) -> Reply {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(reply) => return *reply,
    };
    match core.restore(&Value::Object(body)) {
        Ok(()) => ok(json!({"restored": true, "clock": clock_json(core)})),
        Err(e) => bad(e),
    }
}

fn list_faults(core: &Core) -> Reply {
    let rules: Vec<Value> = core.faults.list().iter().map(|r| r.to_json()).collect();
    ok(json!({ "faults": rules }))
}

/// `POST /_sim/faults`: one rule (an object) or several (an array); all or nothing.
fn add_faults(core: &Core, req: &Request) -> Reply {
    if req.body_too_large {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "request body is larger than 1 MiB");
    }
    let value: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let items = match value {
        Value::Array(a) => a,
        v @ Value::Object(_) => vec![v],
        _ => return bad("the body must be a fault rule object or an array of them"),
    };
    let mut specs = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<crate::faults::RuleSpec>(item) {
            Ok(s) => specs.push(s),
            Err(e) => return bad(format!("rule {i}: {e}")),
        }
    }
    match core.faults.add(specs, &core.world) {
        Ok(ids) => {
            core.feed.publish(Kind::Fault, &json!({"change": "added", "ids": ids}));
            if ids.len() == 1 {
                ok(json!({"id": ids[0], "ids": ids}))
            } else {
                ok(json!({"ids": ids}))
            }
        }
        Err(e) => bad(e),
    }
}

/// `POST /_sim/scenarios`: load a YAML scenario's setup (its steps are not run).
fn load_scenario(core: &Core, req: &Request) -> Reply {
    if req.body_too_large {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "request body is larger than 1 MiB");
    }
    let text = match std::str::from_utf8(&req.body) {
        Ok(t) => t,
        Err(_) => return bad("the scenario must be UTF-8 YAML"),
    };
    let scenario = match crate::scenario::parse("request body", text) {
        Ok(s) => s,
        Err(e) => return bad(e),
    };
    match crate::scenario::load::load(core, &scenario) {
        Ok(()) => {
            core.feed.publish(Kind::Fault, &json!({"change": "loaded"}));
            ok(json!({
            "loaded": scenario.name.clone().unwrap_or_default(),
            "faults": scenario.faults.len(),
            "timeline": scenario.timeline.len(),
            }))
        }
        Err(e) => bad(e),
    }
}

fn requests(core: &Core, req: &Request) -> Reply {
    let mut filter = Filter::default();
    let (mut after, mut limit) = (0u64, DEFAULT_PAGE);
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "after" => match v.parse() {
                Ok(n) => after = n,
                Err(_) => return bad(format!("after must be the seq of an entry (a number), got '{v}'")),
            },
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => limit = n,
                _ => return bad(format!("limit must be between 1 and {MAX_PAGE}, got '{v}'")),
            },
            "provider" => filter.provider = Some(v),
            "method" => filter.method = Some(v),
            "path" => match crate::glob::check(&v) {
                Ok(()) => filter.path = Some(v),
                Err(e) => return bad(format!("path: {e}")),
            },
            "operation" => filter.operation = Some(v),
            "status" => match v.parse() {
                Ok(s) => filter.status = Some(s),
                Err(_) => return bad(format!("status must be an HTTP status code, got '{v}'")),
            },
            other => {
                return bad(format!(
                    "unknown parameter '{other}'; known: provider, method, path, status, operation, after, limit"
                ))
            }
        }
    }
    let page = core.journal.list(&filter, after, limit);
    let next = if page.more { page.entries.last().map(|e| e.seq) } else { None };
    let entries: Vec<_> = page.entries.into_iter().map(|e| e.with_sim_time(|t| core.clock.iso(t))).collect();
    ok(json!({ "capacity": core.journal.capacity(), "count": entries.len(), "requests": entries, "next": next }))
}

fn config(core: &Core) -> Value {
    let knobs: Vec<Value> = core.knobs().iter().flat_map(|k| k.list()).map(|k| k.to_json()).collect();
    json!({ "knobs": knobs })
}

/// `PATCH /_sim/config {"name": value, ...}`: all or nothing.
fn patch_config(core: &Core, req: &Request) -> Reply {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(reply) => return *reply,
    };
    let known: Vec<String> = core.knobs().iter().flat_map(|k| k.list()).map(|k| k.name).collect();
    if let Some(unknown) = body.keys().find(|k| !known.contains(k)) {
        return bad(format!("unknown knob '{unknown}'"));
    }
    // Validate every value on a scratch copy first, so a bad one changes nothing.
    let before: Vec<(String, Value)> = core.knobs().iter().flat_map(|k| k.list()).map(|k| (k.name, k.value)).collect();
    for (name, value) in &body {
        if let Err(e) = core.set_knob(name, value) {
            for (n, v) in &before {
                let _ = core.set_knob(n, v);
            }
            return bad(e);
        }
    }
    ok(config(core))
}
