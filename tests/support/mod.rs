//! Test support: a simulator per test and a small HTTP client for it.

#![allow(dead_code)]

pub mod fujitsu;
pub mod oracle;
pub mod schema;

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use dbaas_sim::{ClockMode, Simulator, SimulatorBuilder};
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
pub use serde_json::{json, Value};

pub const ORG_ID: &str = "00000000-0000-4000-8000-000000000001";
/// `/v1/organizations/<default org>`
pub const ORG: &str = "/v1/organizations/00000000-0000-4000-8000-000000000001";
pub const KEY: (&str, &str) = ("sim-key", "sim-secret");

/// An answer: status, headers, body as text and (when it parses) as JSON.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `body.result`
    pub fn result(&self) -> &Value {
        &self.body["result"]
    }

    /// `body.error` as text ("" when absent).
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// Asserts the ClickHouse error envelope: status, `error` starting with `prefix`,
    /// `status` field equal to the HTTP status, and a UUID `requestId`.
    #[track_caller]
    pub fn assert_ch_error(&self, status: u16, prefix: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.body["status"], json!(status), "envelope status; body: {}", self.text);
        assert!(self.error().starts_with(prefix), "error {:?} does not start with {:?}", self.error(), prefix);
        let rid = self.body["requestId"].as_str().unwrap_or("");
        assert_eq!(rid.len(), 36, "requestId is a UUID: {}", self.text);
        assert!(self.body.get("result").is_none(), "an error has no result");
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, 200, "expected 200, got {}: {}", self.status, self.text);
        assert_eq!(self.body["status"], json!(200));
        self.result()
    }
}

pub struct Sim {
    pub sim: Simulator,
    client: Client<HttpConnector, Full<Bytes>>,
    /// Whether ClickHouse answers are checked against the served document (see
    /// `schema.rs`); off only for tests of a seed reading the official contract lacks.
    schema_checked: std::sync::atomic::AtomicBool,
}

impl Sim {
    /// Manual clock, seed 42, 127.0.0.1:0.
    pub async fn start() -> Sim {
        Self::start_with(Simulator::builder().seed(42).clock(ClockMode::Manual)).await
    }

    pub async fn start_with(builder: SimulatorBuilder) -> Sim {
        let sim = builder.start().await.expect("simulator starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Sim { sim, client, schema_checked: std::sync::atomic::AtomicBool::new(true) }
    }

    /// Stops checking ClickHouse answers against the served document: for tests of a
    /// seed reading that goes beyond the official contract (knob `regionSet=seed`).
    pub fn skip_schema_check(&self) {
        self.schema_checked.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// A fresh HTTP client (for requests run on other tasks).
    pub fn client() -> Client<HttpConnector, Full<Bytes>> {
        Client::builder(TokioExecutor::new()).build_http()
    }

    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// Any request; `auth` is HTTP Basic; `body` is sent as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<(&str, &str)>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let body = body.map(|b| serde_json::to_vec(&b).expect("json"));
        self.send_raw(method, path, auth, body, headers).await
    }

    /// Any request with a raw body.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        auth: Option<(&str, &str)>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let method_name = method.to_string();
        let mut req = hyper::Request::builder().method(method).uri(format!("{}{}", self.url(), path));
        if let Some((user, pass)) = auth {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            req = req.header("authorization", format!("Basic {token}"));
        }
        let has_body = body.is_some();
        if has_body && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).expect("request");
        let resp = tokio::time::timeout(Duration::from_secs(30), self.client.request(req))
            .await
            .expect("the simulator answers within 30 s")
            .expect("request succeeds");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if path.starts_with("/v1/") && self.schema_checked.load(std::sync::atomic::Ordering::Relaxed) {
            // Every ClickHouse answer of the suite is checked against the served document.
            let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
            if let Err(e) = schema::check_clickhouse(&method_name, path, status, ct, &bytes) {
                panic!("the answer breaks the served OpenAPI document: {e}\nbody: {text}");
            }
        }
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, text, body }
    }

    /// ClickHouse request with the default key.
    pub async fn ch(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, Some(KEY), body, &[]).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.ch(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.ch(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.ch(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.ch(Method::DELETE, path, None).await
    }

    /// Control API request (no auth).
    pub async fn sim_get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, None, &[]).await
    }

    pub async fn sim_post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, None, Some(body), &[]).await
    }

    pub async fn sim_patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, None, Some(body), &[]).await
    }

    /// `POST /_sim/clock/advance`; answers the control API's JSON.
    pub async fn advance(&self, seconds: u64) -> Value {
        let r = self.sim_post("/_sim/clock/advance", json!({ "seconds": seconds })).await;
        assert_eq!(r.status, 200, "advance: {}", r.text);
        r.body
    }

    /// Creates a service with the minimal body and `extra` fields; answers its id.
    pub async fn create_service(&self, extra: Value) -> String {
        let mut body = json!({"name": "my service", "provider": "aws", "region": "us-east-1"});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post(&format!("{ORG}/services"), body).await;
        let result = r.assert_ok();
        result["service"]["id"].as_str().expect("service id").to_owned()
    }

    /// Creates a service and advances the clock until it is running.
    pub async fn running_service(&self) -> String {
        let id = self.create_service(json!({})).await;
        self.advance(60).await;
        assert_eq!(self.state_of(&id).await, "running");
        id
    }

    /// The `state` of a service via GET.
    pub async fn state_of(&self, id: &str) -> String {
        let r = self.get(&format!("{ORG}/services/{id}")).await;
        r.body["result"]["state"].as_str().unwrap_or("<gone>").to_owned()
    }

    /// The number of services in the default organization.
    pub async fn service_count(&self) -> usize {
        let r = self.get(&format!("{ORG}/services")).await;
        r.assert_ok().as_array().map(Vec::len).expect("list is an array")
    }

    /// Sets hidden attributes of an organization through the control hook.
    pub async fn org_attrs(&self, org: &str, attrs: Value) {
        let r = self.sim_patch(&format!("/_sim/clickhouse/organizations/{org}"), attrs).await;
        assert_eq!(r.status, 200, "org attrs: {}", r.text);
    }
}
