//! Runs the steps of a scenario over real HTTP against a simulator, and reports one line
//! per step (`dbaas-sim run`, `SimulatorBuilder::scenario`, the scenario tests).
//!
//! Each file gets a fresh in-process simulator on 127.0.0.1:0 with the manual clock,
//! seeded with the scenario's `seed` (0 when absent). Steps run in order; variables
//! captured by one step (`capture: {name: /json/pointer}`) are substituted as `${name}`
//! in later paths, headers, bodies and expectations. Built-in variables name the
//! default identities (`${clickhouse.org}`, ...).

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::faults::json_at;
use crate::scenario::{Auth, Expect, Scenario, Step};
use crate::{ClockMode, Simulator};

/// How long one step's request may take (bounds hang faults).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub index: usize,
    pub name: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub detail: String,
}

/// What came back for a request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub text: String,
    pub json: Value,
}

/// Parses and runs one file on a fresh simulator. An unreadable or invalid file is one
/// failed step named after the file.
pub async fn run_file(path: &str) -> Vec<StepResult> {
    run_path(path)
        .await
        .unwrap_or_else(|detail| vec![StepResult { index: 0, name: path.to_owned(), passed: false, detail }])
}

/// Parses and runs one file on a fresh simulator. `Err` when the file cannot be run at
/// all: unreadable, invalid YAML or schema (the message starts with `FILE:LINE:COLUMN`),
/// or a setup the simulator refuses. A file without steps is one failed step: running it
/// would prove nothing.
pub async fn run_path(path: &str) -> Result<Vec<StepResult>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let scenario = crate::scenario::parse(path, &text)?;
    if scenario.steps.is_empty() {
        let detail = "no steps (dbaas-sim run needs `steps:`; a setup-only file is for serve --scenario)".to_owned();
        return Ok(vec![StepResult { index: 0, name: path.to_owned(), passed: false, detail }]);
    }
    let sim = Simulator::builder()
        .seed(scenario.seed.unwrap_or(0))
        .clock(ClockMode::Manual)
        .start()
        .await
        .map_err(|e| format!("{path}: cannot start a simulator: {e}"))?;
    if let Err(e) = sim.load_scenario(&scenario) {
        sim.shutdown().await;
        return Err(format!("{path}: {e}"));
    }
    let results = run_steps(&sim, &scenario).await;
    sim.shutdown().await;
    Ok(results)
}

/// Runs the steps of an already loaded scenario.
pub async fn run_steps(sim: &Simulator, scenario: &Scenario) -> Vec<StepResult> {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut vars: BTreeMap<String, Value> = sim.variables().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let mut results = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let name = step.name.clone().unwrap_or_else(|| describe(step));
        let outcome = run_step(sim, &client, step, &mut vars).await;
        results.push(StepResult {
            index: i + 1,
            name,
            passed: outcome.is_ok(),
            detail: outcome.err().unwrap_or_default(),
        });
    }
    results
}

fn describe(step: &Step) -> String {
    match (&step.request, step.advance) {
        (Some(r), _) => format!("{} {}", r.method, r.path),
        (None, Some(a)) => format!("advance {a}s"),
        (None, None) => "step".into(),
    }
}

async fn run_step(
    sim: &Simulator,
    client: &Client<HttpConnector, Full<Bytes>>,
    step: &Step,
    vars: &mut BTreeMap<String, Value>,
) -> Result<(), String> {
    if let Some(req) = &step.request {
        let mut advanced = 0.0;
        loop {
            let answer = send(sim, client, req, vars).await;
            let verdict = check(step.expect.as_ref(), &answer, vars);
            match (verdict, &step.eventually) {
                (Ok(()), _) => {
                    if let Ok(a) = &answer {
                        capture(&step.capture, a, vars)?;
                    } else if !step.capture.is_empty() {
                        return Err("nothing to capture from a failed connection".into());
                    }
                    break;
                }
                (Err(e), Some(ev)) if advanced < ev.within => {
                    let _ = e;
                    sim.advance(Duration::from_secs_f64(ev.advance));
                    advanced += ev.advance;
                }
                (Err(e), Some(ev)) => return Err(format!("{e} (still, after advancing {} s)", ev.within)),
                (Err(e), None) => return Err(e),
            }
        }
    }
    if let Some(secs) = step.advance {
        sim.advance(Duration::from_secs_f64(secs));
    }
    Ok(())
}

/// Substitutes `${name}` in a string.
pub fn substitute(s: &str, vars: &BTreeMap<String, Value>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                let name = &rest[start + 2..start + end];
                match vars.get(name) {
                    Some(Value::String(v)) => out.push_str(v),
                    Some(v) => out.push_str(&v.to_string()),
                    None => out.push_str(&rest[start..start + end + 1]),
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Substitutes inside a JSON value; a string that is exactly `${name}` takes the
/// variable's JSON value (so numbers stay numbers).
pub fn substitute_json(v: &Value, vars: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if let Some(val) = vars.get(name) {
                    return val.clone();
                }
            }
            Value::String(substitute(s, vars))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_json(x, vars)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (substitute(k, vars), substitute_json(x, vars))).collect())
        }
        other => other.clone(),
    }
}

async fn send(
    sim: &Simulator,
    client: &Client<HttpConnector, Full<Bytes>>,
    req: &crate::scenario::StepRequest,
    vars: &BTreeMap<String, Value>,
) -> Result<Answer, String> {
    let path = substitute(&req.path, vars);
    let method = hyper::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("bad method '{}'", req.method))?;
    let mut builder = hyper::Request::builder().method(method).uri(format!("{}{}", sim.url(), path));
    for (k, v) in sim.auth_headers(req.auth.as_ref().map(|a| resolve_auth(a, vars)).as_ref())? {
        builder = builder.header(k, v);
    }
    let body = match (&req.body, &req.raw_body) {
        (Some(b), _) => {
            builder = builder.header("content-type", "application/json");
            serde_json::to_vec(&substitute_json(b, vars)).map_err(|e| e.to_string())?
        }
        (None, Some(raw)) => substitute(raw, vars).into_bytes(),
        (None, None) => Vec::new(),
    };
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), substitute(v, vars));
    }
    let request = builder.body(Full::new(Bytes::from(body))).map_err(|e| format!("bad request: {e}"))?;
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, client.request(request)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(format!("connection error: {e}")),
        Err(_) => return Err("no answer within 30 s".into()),
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = match tokio::time::timeout(REQUEST_TIMEOUT, response.into_body().collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) => return Err(format!("connection error while reading the body: {e}")),
        Err(_) => return Err("body not finished within 30 s".into()),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(Answer { status, headers, text, json })
}

fn resolve_auth(a: &Auth, vars: &BTreeMap<String, Value>) -> Auth {
    match a {
        Auth::Named(n) => Auth::Named(substitute(n, vars)),
        Auth::Basic { basic } => Auth::Basic {
            basic: crate::scenario::BasicAuth {
                user: substitute(&basic.user, vars),
                password: substitute(&basic.password, vars),
            },
        },
        Auth::Bearer { bearer } => Auth::Bearer { bearer: substitute(bearer, vars) },
    }
}

pub use crate::http::basic;

fn check(
    expect: Option<&Expect>,
    answer: &Result<Answer, String>,
    vars: &BTreeMap<String, Value>,
) -> Result<(), String> {
    let default = Expect::default();
    let e = expect.unwrap_or(&default);
    let a = match (answer, e.connection_error) {
        (Err(_), Some(true)) => return Ok(()),
        (Err(err), _) => return Err(err.clone()),
        (Ok(a), Some(true)) => return Err(format!("expected a connection error, got status {}", a.status)),
        (Ok(a), _) => a,
    };
    match &e.status {
        Some(s) if !s.contains(a.status) => {
            return Err(format!("status {} (expected {}); body: {}", a.status, show_status(s), clip(&a.text)))
        }
        None if a.status >= 400 => {
            return Err(format!("status {} (expected a success); body: {}", a.status, clip(&a.text)))
        }
        _ => {}
    }
    for (path, want) in &e.json {
        let path = substitute(path, vars);
        let want = substitute_json(want, vars);
        let got = json_at(&a.json, &path);
        value_matches(got, &want).map_err(|m| format!("{path}: {m}; body: {}", clip(&a.text)))?;
    }
    for (name, want) in &e.headers {
        let got = a.headers.get(name.as_str()).and_then(|v| v.to_str().ok());
        if got != Some(substitute(want, vars).as_str()) {
            return Err(format!("header {name}: got {got:?}, expected {want:?}"));
        }
    }
    if let Some(needle) = &e.body_contains {
        let needle = substitute(needle, vars);
        if !a.text.contains(&needle) {
            return Err(format!("body does not contain {needle:?}: {}", clip(&a.text)));
        }
    }
    Ok(())
}

fn show_status(s: &crate::scenario::StatusSet) -> String {
    match s {
        crate::scenario::StatusSet::One(x) => x.to_string(),
        crate::scenario::StatusSet::Any(v) => format!("one of {v:?}"),
    }
}

fn clip(s: &str) -> String {
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

/// Equality, or a matcher object: `$exists`, `$len`, `$contains`, `$ne`, `$prefix`.
fn value_matches(got: Option<&Value>, want: &Value) -> Result<(), String> {
    if let Value::Object(m) = want {
        if m.len() == 1 {
            let (op, arg) = m.iter().next().expect("one entry");
            match op.as_str() {
                "$exists" => {
                    return if got.is_some() == arg.as_bool().unwrap_or(true) {
                        Ok(())
                    } else {
                        Err(format!("exists is {}", got.is_some()))
                    }
                }
                "$len" => {
                    let n = match got {
                        Some(Value::Array(a)) => a.len(),
                        Some(Value::String(s)) => s.chars().count(),
                        Some(Value::Object(o)) => o.len(),
                        other => return Err(format!("$len of {other:?}")),
                    };
                    return if Some(n as u64) == arg.as_u64() {
                        Ok(())
                    } else {
                        Err(format!("length {n}, expected {arg}"))
                    };
                }
                "$contains" => {
                    let ok = match (got, arg) {
                        (Some(Value::Array(a)), x) => a.contains(x),
                        (Some(Value::String(s)), Value::String(x)) => s.contains(x.as_str()),
                        _ => false,
                    };
                    return if ok { Ok(()) } else { Err(format!("{got:?} does not contain {arg}")) };
                }
                "$ne" => return if got != Some(arg) { Ok(()) } else { Err(format!("is {arg}")) },
                "$prefix" => {
                    let ok =
                        matches!((got, arg), (Some(Value::String(s)), Value::String(p)) if s.starts_with(p.as_str()));
                    return if ok { Ok(()) } else { Err(format!("{got:?} does not start with {arg}")) };
                }
                _ => {}
            }
        }
    }
    if got == Some(want) {
        Ok(())
    } else {
        Err(format!("got {}, expected {want}", got.map_or("nothing".to_owned(), |g| g.to_string())))
    }
}

fn capture(spec: &BTreeMap<String, String>, a: &Answer, vars: &mut BTreeMap<String, Value>) -> Result<(), String> {
    for (name, path) in spec {
        let v = json_at(&a.json, path).ok_or_else(|| format!("capture {name}: nothing at {path}"))?;
        vars.insert(name.clone(), v.clone());
    }
    Ok(())
}

/// Prints one line per step and the closing `N passed, N failed` line; answers whether
/// every step passed.
pub fn report(file: &str, results: &[StepResult], out: &mut impl std::io::Write) -> (usize, usize) {
    let mut passed = 0;
    let mut failed = 0;
    for r in results {
        if r.passed {
            passed += 1;
            let _ = writeln!(out, "ok    {file} #{} {}", r.index, r.name);
        } else if r.index == 0 {
            // The file itself failed (no steps, or it could not be run): say so once.
            failed += 1;
            let _ = writeln!(
                out,
                "FAIL  {}",
                if r.detail.starts_with(file) { r.detail.clone() } else { format!("{file}: {}", r.detail) }
            );
        } else {
            failed += 1;
            let _ = writeln!(out, "FAIL  {file} #{} {}: {}", r.index, r.name, r.detail);
        }
    }
    (passed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitution_keeps_types_for_whole_variables() {
        let vars: BTreeMap<String, Value> = [("id".to_owned(), json!("abc")), ("n".to_owned(), json!(3))].into();
        assert_eq!(substitute("/x/${id}/y/${missing}", &vars), "/x/abc/y/${missing}");
        assert_eq!(substitute_json(&json!({"a": "${n}", "b": "n=${n}"}), &vars), json!({"a": 3, "b": "n=3"}));
    }

    #[test]
    fn matchers() {
        assert!(value_matches(Some(&json!([1, 2])), &json!({"$len": 2})).is_ok());
        assert!(value_matches(Some(&json!("running")), &json!({"$ne": "failed"})).is_ok());
        assert!(value_matches(None, &json!({"$exists": false})).is_ok());
        assert!(value_matches(Some(&json!("CONFLICT: x")), &json!({"$prefix": "CONFLICT"})).is_ok());
        assert!(value_matches(Some(&json!(1)), &json!(2)).is_err());
    }
}
