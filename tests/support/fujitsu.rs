//! Fujitsu DBaaS helpers: the default identity, a client that sends `X-Auth-Token`
//! (obtained through `POST /v1.0/{tenantId}/auth/token`, renewed when the simulated clock
//! passes its `expires`), the `{"Error": {status, name, message}}` envelope assertion,
//! instance bodies shaped like the seed's examples, and polling on the manual clock.
//!
//! Everything here goes over HTTP: the tests check the provider from the outside.

use std::ops::Deref;
use std::sync::Mutex;

use hyper::Method;

use super::{json, Resp, Sim, Value};

/// The default tenant (project id).
pub const TENANT: &str = "0123456789abcdef0123456789abcdef";
/// `/v1.0/<default tenant>`
pub const BASE: &str = "/v1.0/0123456789abcdef0123456789abcdef";
pub const USER: &str = "simuser";
pub const DOMAIN: &str = "simdomain";
pub const PASSWORD: &str = "simpassword";
/// The FJcloud-O IaaS token accepted by `auth.token.id`.
pub const IAAS_TOKEN: &str = "sim-iaas-token";
/// The subnet of the seed's examples, owned by the default tenant (00-decisions).
pub const SUBNET: &str = "f45dabec-fae7-4a4e-8c3b-7f878602f12a";
/// The flavor every instance example of the seed uses.
pub const FLAVOR: &str = "1";
/// A password the seed's rule accepts (ASCII, no `'`, ≤ 1024).
pub const MASTER_PASSWORD: &str = "Sim-passw0rd";

/// Every instance state as the wire spells it (00-decisions; seed 247–272).
pub const STATES: [&str; 15] = [
    "ACTIVE",
    "BACKUP",
    "RESTART_REQUIRED",
    "DEGENERATED",
    "BUILD",
    "DELETING",
    "DELETED",
    "FAILED",
    "ERROR",
    "MODIFYING",
    "RESIZE",
    "SHUTDOWN",
    "REBOOT",
    "STARTING",
    "STOPPING",
];

/// The error name of each status (seed 232–245).
pub fn error_name(status: u16) -> &'static str {
    match status {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        413 => "overLimit",
        422 => "unprocessableEntity",
        500 => "instanceFault",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        504 => "gatewayTimeout",
        _ => "<no Fujitsu name>",
    }
}

/// `{BASE}{tail}`
pub fn path(tail: &str) -> String {
    format!("{BASE}{tail}")
}

/// `{BASE}/instances/{id}`
pub fn inst(id: &str) -> String {
    format!("{BASE}/instances/{id}")
}

/// `{BASE}/instances/{id}/action`
pub fn action_path(id: &str) -> String {
    format!("{BASE}/instances/{id}/action")
}

/// The password-authentication body of the seed (user by name + domain).
pub fn password_auth(user: &str, domain: &str, password: &str) -> Value {
    json!({"auth": {"password": {"user": {"domain": {"name": domain}, "name": user, "password": password}}}})
}

/// The token-authentication body of the seed.
pub fn token_auth(iaas_token: &str) -> Value {
    json!({"auth": {"token": {"id": iaas_token}}})
}

/// A small valid create body: the seed's required fields (`flavorRef`, `volume.size`,
/// `masterUserPassword`) plus an id, a redundant DB (so read replicas may use it) and
/// windows far from the times the tests land on (the defaults are random).
pub fn create_body(id: &str) -> Value {
    json!({"instance": {
        "id": id,
        "name": id,
        "flavorRef": FLAVOR,
        "volume": {"size": 20},
        "multi": true,
        "subnetId": SUBNET,
        "backupRetentionPeriod": 1,
        "preferredBackupWindow": "12:00-12:30",
        "preferredMaintenanceWindow": "Sun:13:00-Sun:13:30",
        "masterUserPassword": MASTER_PASSWORD,
    }})
}

/// `create_body(id)` with `changes` merged into `instance` (a `null` removes the key).
pub fn create_body_with(id: &str, changes: Value) -> Value {
    let mut body = create_body(id);
    merge(&mut body["instance"], &changes);
    body
}

/// Merges `changes` into `target` (objects recursively; `null` removes).
pub fn merge(target: &mut Value, changes: &Value) {
    match (target.as_object_mut(), changes.as_object()) {
        (Some(t), Some(c)) => {
            for (k, v) in c {
                if v.is_null() {
                    t.remove(k);
                } else if v.is_object() && t.get(k).is_some_and(Value::is_object) {
                    merge(t.get_mut(k).expect("present"), v);
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
        _ => *target = changes.clone(),
    }
}

/// `{"action": {<key>: ""}}`, the seed's action bodies.
pub fn action(key: &str) -> Value {
    json!({"action": {key: ""}})
}

impl Resp {
    /// Asserts the Fujitsu error: HTTP status, `{"Error": {"status": <same>, "name":
    /// <the seed's name>, "message": <text containing `text`>}}` and nothing else in the
    /// body. `text` is the field (or reason) the message must name.
    #[track_caller]
    pub fn assert_fj_error(&self, status: u16, text: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        let err = &self.body["Error"];
        assert!(err.is_object(), "the body is {{\"Error\": {{...}}}}: {}", self.text);
        assert_eq!(self.body.as_object().map(|o| o.len()), Some(1), "only Error: {}", self.text);
        assert_eq!(err["status"], json!(status), "Error.status; body: {}", self.text);
        assert_eq!(err["name"], json!(error_name(status)), "Error.name; body: {}", self.text);
        let message = err["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "Error.message is a non-empty string: {}", self.text);
        assert!(message.contains(text), "Error.message {message:?} does not name {text:?}");
        let ct = self.header("content-type").unwrap_or("");
        assert!(ct.starts_with("application/json"), "an error is JSON (content-type {ct:?})");
    }

    /// Asserts a 202 with an empty body (DELETE and the `.../action` POSTs).
    #[track_caller]
    pub fn assert_accepted(&self) {
        assert_eq!(self.status, 202, "expected 202; body: {}", self.text);
        assert!(self.text.is_empty(), "202 has an empty body: {:?}", self.text);
    }

    /// Asserts 200 and answers `body.instance`.
    #[track_caller]
    pub fn instance(&self) -> &Value {
        assert_eq!(self.status, 200, "expected 200; body: {}", self.text);
        assert!(self.body["instance"].is_object(), "body.instance: {}", self.text);
        &self.body["instance"]
    }
}

/// A token and the simulated time it expires at (seconds since the Unix epoch), when
/// `expires` parses.
#[derive(Debug, Clone)]
struct Token {
    id: String,
    expires: Option<i64>,
    issued_at: i64,
}

/// A simulator with a Fujitsu client: `fj` sends the default identity's token, renewing
/// it (as a client does) once the simulated clock has passed its `expires`. Deref gives
/// the plain [`Sim`] (control API, raw requests).
pub struct Fj {
    pub sim: Sim,
    token: Mutex<Option<Token>>,
    /// Simulated now, seconds since the Unix epoch, as the last clock answer said.
    now: Mutex<i64>,
}

impl Deref for Fj {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        &self.sim
    }
}

/// Seconds since the Unix epoch of an ISO-8601 time; also reads the seed's
/// `2021-08-01T01:10:58:45Z` shape (seconds then hundredths).
pub fn epoch_secs(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp());
    }
    let trimmed = text.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S:%f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(trimmed, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    None
}

impl Fj {
    /// Manual clock, seed 42, 127.0.0.1:0, default identities.
    pub async fn start() -> Fj {
        Self::wrap(Sim::start().await).await
    }

    pub async fn start_with(builder: dbaas_sim::SimulatorBuilder) -> Fj {
        Self::wrap(Sim::start_with(builder).await).await
    }

    pub async fn wrap(sim: Sim) -> Fj {
        let clock = sim.sim_get("/_sim/clock").await;
        let now = clock.body["now"].as_str().and_then(epoch_secs).unwrap_or(0);
        Fj { sim, token: Mutex::new(None), now: Mutex::new(now) }
    }

    fn now(&self) -> i64 {
        *self.now.lock().expect("now")
    }

    /// `POST /_sim/clock/advance` (and remembers the new simulated time).
    pub async fn advance(&self, seconds: u64) -> Value {
        let body = self.sim.advance(seconds).await;
        if let Some(now) = body["now"].as_str().and_then(epoch_secs) {
            *self.now.lock().expect("now") = now;
        }
        body
    }

    /// Re-reads the simulated time (after a reset, a state restore or a scenario).
    pub async fn sync_clock(&self) {
        let clock = self.sim_get("/_sim/clock").await;
        if let Some(now) = clock.body["now"].as_str().and_then(epoch_secs) {
            *self.now.lock().expect("now") = now;
        }
        *self.token.lock().expect("token") = None;
    }

    /// `POST {tenant path}/auth/token` with `body`, no `X-Auth-Token`.
    pub async fn auth(&self, tenant: &str, body: Value) -> Resp {
        self.send(Method::POST, &format!("/v1.0/{tenant}/auth/token"), None, Some(body), &[]).await
    }

    /// The token a response carries: `token.tokenId` (seed 12488–12519), else the
    /// `X-Auth-Token` header.
    pub fn token_of(r: &Resp) -> String {
        r.body["token"]["tokenId"]
            .as_str()
            .or_else(|| r.header("x-auth-token"))
            .unwrap_or_else(|| panic!("no token in {} {}", r.status, r.text))
            .to_owned()
    }

    /// A fresh token of the default identity (password authentication).
    pub async fn token(&self) -> String {
        let r = self.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
        assert_eq!(r.status, 200, "token: {}", r.text);
        Self::token_of(&r)
    }

    /// A fresh token for `tenant` by password.
    pub async fn token_for(&self, tenant: &str, user: &str, domain: &str, password: &str) -> String {
        let r = self.auth(tenant, password_auth(user, domain, password)).await;
        assert_eq!(r.status, 200, "token for {tenant}: {}", r.text);
        Self::token_of(&r)
    }

    /// The cached default token, renewed when the simulated clock passed its expiry (or
    /// moved at all, when `expires` does not parse).
    async fn current_token(&self) -> String {
        let now = self.now();
        let cached = self.token.lock().expect("token").clone();
        if let Some(t) = cached {
            let fresh = match t.expires {
                Some(exp) => now + 60 < exp,
                None => now == t.issued_at,
            };
            if fresh {
                return t.id;
            }
        }
        let r = self.auth(TENANT, password_auth(USER, DOMAIN, PASSWORD)).await;
        assert_eq!(r.status, 200, "token: {}", r.text);
        let id = Self::token_of(&r);
        let expires = r.body["token"]["expires"].as_str().and_then(epoch_secs);
        *self.token.lock().expect("token") = Some(Token { id: id.clone(), expires, issued_at: now });
        id
    }

    /// A Fujitsu request with the default identity's token.
    pub async fn fj(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let token = self.current_token().await;
        self.fj_as(&token, method, path, body).await
    }

    /// A Fujitsu request with the given token.
    pub async fn fj_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, None, body, &[("x-auth-token", token)]).await
    }

    /// A Fujitsu request with a raw body and extra headers (content type included).
    pub async fn fj_raw(&self, method: Method, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Resp {
        let token = self.current_token().await;
        let mut all: Vec<(&str, &str)> = vec![("x-auth-token", token.as_str())];
        all.extend_from_slice(headers);
        self.send_raw(method, path, None, Some(body), &all).await
    }

    pub async fn fj_get(&self, path: &str) -> Resp {
        self.fj(Method::GET, path, None).await
    }

    /// `GET {BASE}/instances/{id}`
    pub async fn show(&self, id: &str) -> Resp {
        self.fj_get(&inst(id)).await
    }

    /// The instance's `status` ("<gone>" when the GET is not 200).
    pub async fn instance_status(&self, id: &str) -> String {
        let r = self.show(id).await;
        if r.status != 200 {
            return "<gone>".into();
        }
        r.body["instance"]["status"].as_str().unwrap_or("<none>").to_owned()
    }

    /// `GET {BASE}/instances` answered as the list of `(id, status)`.
    pub async fn list(&self) -> Vec<(String, String)> {
        let r = self.fj_get(&path("/instances?limit=100")).await;
        assert_eq!(r.status, 200, "list: {}", r.text);
        r.body["instances"]
            .as_array()
            .unwrap_or_else(|| panic!("instances is an array: {}", r.text))
            .iter()
            .map(|i| (i["id"].as_str().unwrap_or("").to_owned(), i["status"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    /// `POST {BASE}/instances` with `body`.
    pub async fn post_instances(&self, body: Value) -> Resp {
        self.fj(Method::POST, &path("/instances"), Some(body)).await
    }

    /// `PUT {BASE}/instances/{id}` with `{"instance": changes}`.
    pub async fn modify(&self, id: &str, changes: Value) -> Resp {
        self.fj(Method::PUT, &inst(id), Some(json!({ "instance": changes }))).await
    }

    /// `POST .../instances/{id}/action` with `{"action": {key: ""}}`.
    pub async fn act(&self, id: &str, key: &str) -> Resp {
        self.fj(Method::POST, &action_path(id), Some(action(key))).await
    }

    pub async fn delete(&self, id: &str) -> Resp {
        self.fj(Method::DELETE, &inst(id), None).await
    }

    /// Creates an instance with [`create_body`]; asserts 200 and `BUILD`.
    pub async fn create_instance(&self, id: &str) -> Value {
        self.create_instance_with(id, json!({})).await
    }

    /// Creates an instance with [`create_body_with`]; asserts 200 and `BUILD`.
    pub async fn create_instance_with(&self, id: &str, changes: Value) -> Value {
        let r = self.post_instances(create_body_with(id, changes)).await;
        let i = r.instance().clone();
        assert_eq!(i["status"], "BUILD", "a new instance is BUILD: {}", r.text);
        i
    }

    /// Advances the clock a minute at a time until the instance is `status` (at most
    /// `max_secs`); panics otherwise. Answers the seconds it took.
    pub async fn wait_for(&self, id: &str, status: &str, max_secs: u64) -> u64 {
        let mut waited = 0;
        loop {
            let now = self.instance_status(id).await;
            if now == status {
                return waited;
            }
            assert!(waited < max_secs, "{id} is {now}, not {status}, after {waited} s");
            self.advance(60).await;
            waited += 60;
        }
    }

    /// Waits (a simulated day at most) until the instance is `ACTIVE`.
    pub async fn wait_active(&self, id: &str) {
        self.wait_for(id, "ACTIVE", 86_400).await;
    }

    /// Creates an instance and lets it reach `ACTIVE`.
    pub async fn active_instance(&self, id: &str) -> Value {
        self.create_instance(id).await;
        self.wait_active(id).await;
        self.show(id).await.instance().clone()
    }

    /// Adds a fault rule; answers its id.
    pub async fn add_rule(&self, rule: Value) -> String {
        let r = self.sim_post("/_sim/faults", rule).await;
        assert_eq!(r.status, 200, "rule: {}", r.text);
        r.body["id"].as_str().expect("rule id").to_owned()
    }

    pub async fn clear_rules(&self) {
        let r = self.send(Method::DELETE, "/_sim/faults", None, None, &[]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    /// Forces an instance into `state` through a one-shot resource rule on a GET of it
    /// (the generic chaos seam, no provider hook), and checks the GET shows it.
    pub async fn force_state(&self, id: &str, state: &str) {
        self.add_rule(json!({
            "match": {"provider": "fujitsu", "method": "GET", "path": inst(id)},
            "action": {"kind": "resource", "state": state, "resource_id": id},
            "schedule": {"times": 1},
        }))
        .await;
        let got = self.instance_status(id).await;
        assert_eq!(got, state, "the resource rule forced {id} into {state}");
    }

    /// Loads a scenario's setup (YAML) through `POST /_sim/scenarios`.
    pub async fn load(&self, yaml: &str) -> Resp {
        let r = self.send_raw(Method::POST, "/_sim/scenarios", None, Some(yaml.as_bytes().to_vec()), &[]).await;
        self.sync_clock().await;
        r
    }

    /// `providers.fujitsu` of `GET /_sim/state`.
    pub async fn fujitsu_state(&self) -> Value {
        self.sim_get("/_sim/state").await.body["providers"]["fujitsu"].clone()
    }

    /// Journal entries of the Fujitsu provider (`GET /_sim/requests?provider=fujitsu&...`).
    pub async fn journal(&self, query: &str) -> Vec<Value> {
        let r = self.sim_get(&format!("/_sim/requests?provider=fujitsu{query}")).await;
        assert_eq!(r.status, 200, "journal: {}", r.text);
        r.body["requests"].as_array().cloned().unwrap_or_default()
    }
}
