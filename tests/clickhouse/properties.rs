//! Property tests of the memory and replica rules (spec §7 CH-R08..R10, CH-R12..R17,
//! §4.2 totals = 3 × replica memory) on create (E2), `scaling` (E11) and
//! `replicaScaling` (S5).
//!
//! Requests run in-process (`Handle::request`, no socket) so 256 cases take well under a
//! second. The oracle is an independent model of the rules written here; the crate's own
//! rule functions are checked against the same model. For every generated request:
//! accepted ⇒ the stored service obeys every rule; rejected ⇒ 400 naming a field whose
//! rule the input breaks, and nothing changed.

use base64::Engine;
use dbaas_sim::providers::clickhouse::validate;
use dbaas_sim::{Handle, Request, SimulatorBuilder};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::Method;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

const ORG: &str = "/v1/organizations/00000000-0000-4000-8000-000000000001";
const ORG_ID: &str = "00000000-0000-4000-8000-000000000001";
/// Default paid caps (knobs `paidReplicaMax`, `paidTotalMax`) and the unpaid ones.
const REPLICA_CAP: i64 = 356;
const TOTAL_CAP: i64 = 1068;
const UNPAID_REPLICA_CAP: i64 = 120;
const UNPAID_TOTAL_CAP: i64 = 360;

/// A JSON number the generator sends: an integer, or an integer plus one half.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Half(i64),
}

impl Num {
    fn json(self) -> Value {
        match self {
            Num::Int(n) => json!(n),
            Num::Half(n) => json!(n as f64 + 0.5),
        }
    }

    fn f64(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Half(n) => n as f64 + 0.5,
        }
    }

    fn int(self) -> Option<i64> {
        match self {
            Num::Int(n) => Some(n),
            Num::Half(_) => None,
        }
    }
}

/// Numbers around the boundaries: the documented limits ± 13 (so every neighbour on and
/// off the grids of 4 and 12, negatives included), values on the grids, anything in
/// 0..=max, and non-integral values.
fn num(max: i64) -> impl Strategy<Value = Num> {
    const EDGES: &[i64] = &[0, 8, 24, 120, 236, 356, 360, 708, 1068];
    prop_oneof![
        4 => (proptest::sample::select(EDGES), -13i64..=13).prop_map(|(b, d)| Num::Int(b + d)),
        3 => (0..=max / 4).prop_map(|n| Num::Int(n * 4)),
        2 => (0..=max / 12).prop_map(|n| Num::Int(n * 12)),
        2 => (0..=max).prop_map(Num::Int),
        1 => (0..=max).prop_map(Num::Half),
    ]
}

fn replicas() -> impl Strategy<Value = Num> {
    prop_oneof![5 => (0i64..=24).prop_map(Num::Int), 1 => (0i64..=20).prop_map(Num::Half)]
}

// ---- the model --------------------------------------------------------------------------

/// CH-R08 + CH-R10.
fn replica_ok(n: Num, paid: bool) -> bool {
    let cap = if paid { REPLICA_CAP } else { UNPAID_REPLICA_CAP };
    n.int().is_some_and(|v| v % 4 == 0 && (8..=cap).contains(&v))
}

/// CH-R12..R14 (one value).
fn total_ok(n: Num, paid: bool) -> bool {
    let cap = if paid { TOTAL_CAP } else { UNPAID_TOTAL_CAP };
    n.int().is_some_and(|v| v % 12 == 0 && (24..=cap).contains(&v))
}

/// CH-R16 (+ CH-R17 for the first service of a warehouse in a SCALE organization).
fn replicas_ok(n: Num, first_in_warehouse: bool) -> bool {
    n.int().is_some_and(|v| (1..=20).contains(&v) && (!first_in_warehouse || v >= 2))
}

/// The memory and replica fields of a stored service.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sizing {
    min: i64,
    max: i64,
    replicas: i64,
}

/// A model verdict: the sizing the service ends with, or the fields (error-text
/// prefixes) whose rule the input breaks.
type Verdict = Result<Sizing, Vec<&'static str>>;

/// Every invariant of an accepted service (§4.2, §7).
fn assert_invariants(s: &Value, paid: bool) -> Result<(), TestCaseError> {
    let get = |k: &str| s[k].as_i64().ok_or_else(|| TestCaseError::fail(format!("{k} missing: {s}")));
    let (min, max, replicas) = (get("minReplicaMemoryGb")?, get("maxReplicaMemoryGb")?, get("numReplicas")?);
    let cap = if paid { REPLICA_CAP } else { UNPAID_REPLICA_CAP };
    prop_assert!(min % 4 == 0 && max % 4 == 0, "multiples of 4: {}", s);
    prop_assert!((8..=cap).contains(&min) && (8..=cap).contains(&max), "range 8..{}: {}", cap, s);
    prop_assert!(min <= max, "min <= max: {}", s);
    prop_assert_eq!(get("minTotalMemoryGb")?, 3 * min);
    prop_assert_eq!(get("maxTotalMemoryGb")?, 3 * max);
    prop_assert!((1..=20).contains(&replicas), "replicas: {}", s);
    Ok(())
}

// ---- in-process requests ------------------------------------------------------------

struct InProcess {
    handle: Handle,
    auth: HeaderValue,
}

impl InProcess {
    fn new() -> Self {
        let handle = SimulatorBuilder::default().seed(1).build().expect("simulator builds");
        let token = base64::engine::general_purpose::STANDARD.encode("sim-key:sim-secret");
        let auth = HeaderValue::from_str(&format!("Basic {token}")).expect("header value");
        InProcess { handle, auth }
    }

    fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("json")).unwrap_or_default();
        let mut req = Request::new(method, path, bytes);
        req.headers.insert(AUTHORIZATION, self.auth.clone());
        if body.is_some() {
            // A control-API body must say it is JSON (the one Content-Type rule of /_sim/).
            req.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let reply = self.handle.request(req);
        (reply.status.as_u16(), reply.body_json().unwrap_or(Value::Null))
    }

    /// A fresh world whose organization is paid or not.
    fn reset(&self, paid: bool) {
        self.handle.reset();
        let (status, body) =
            self.call(Method::PATCH, &format!("/_sim/clickhouse/organizations/{ORG_ID}"), Some(&json!({"paid": paid})));
        assert_eq!(status, 200, "org attrs: {body}");
    }

    fn services(&self) -> Vec<Value> {
        let (status, body) = self.call(Method::GET, &format!("{ORG}/services"), None);
        assert_eq!(status, 200);
        body["result"].as_array().cloned().unwrap_or_default()
    }

    fn service(&self, id: &str) -> Value {
        let (status, body) = self.call(Method::GET, &format!("{ORG}/services/{id}"), None);
        assert_eq!(status, 200, "{body}");
        body["result"].clone()
    }

    fn create(&self, body: &Value) -> (u16, Value) {
        self.call(Method::POST, &format!("{ORG}/services"), Some(body))
    }
}

/// Checks a rejection: 400, the envelope, and an error naming a broken rule.
fn assert_rejected(status: u16, body: &Value, broken: &[&str]) -> Result<(), TestCaseError> {
    prop_assert_eq!(status, 400, "expected a rejection breaking {:?}: {}", broken, body);
    prop_assert_eq!(&body["status"], &json!(400));
    prop_assert!(body.get("result").is_none());
    let error = body["error"].as_str().unwrap_or("");
    let text =
        error.strip_prefix("BAD_REQUEST: ").ok_or_else(|| TestCaseError::fail(format!("not BAD_REQUEST: {error}")))?;
    prop_assert!(
        broken.iter().any(|f| text.starts_with(f)),
        "error {:?} names none of the broken rules {:?}",
        error,
        broken
    );
    Ok(())
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() })
}

fn put(body: &mut Value, field: &str, n: Option<Num>) {
    if let Some(n) = n {
        body[field] = n.json();
    }
}

// ---- E2 create ------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct CreateCase {
    paid: bool,
    development: bool,
    min_rep: Option<Num>,
    max_rep: Option<Num>,
    min_total: Option<Num>,
    max_total: Option<Num>,
    replicas: Option<Num>,
}

fn create_case() -> impl Strategy<Value = CreateCase> {
    (
        any::<bool>(),
        proptest::bool::weighted(0.15),
        proptest::option::of(num(400)),
        proptest::option::of(num(400)),
        proptest::option::weighted(0.3, num(1200)),
        proptest::option::weighted(0.3, num(1200)),
        proptest::option::of(replicas()),
    )
        .prop_map(|(paid, development, min_rep, max_rep, min_total, max_total, replicas)| CreateCase {
            paid,
            development,
            min_rep,
            max_rep,
            min_total,
            max_total,
            replicas,
        })
}

/// The create rules of §7 (SCALE organization, first service of a new warehouse).
fn create_model(c: &CreateCase) -> Verdict {
    let mut broken = Vec::new();
    let (min, max) = if c.development {
        // CH-R15: totals refused; replica fields accepted and ignored (fixed 8/8).
        if c.min_total.is_some() || c.max_total.is_some() {
            broken.push("Memory settings are available only for production services");
        }
        (8, 8)
    } else {
        let check = |n: Option<Num>, ok: fn(Num, bool) -> bool, field, broken: &mut Vec<&'static str>| {
            if n.is_some_and(|n| !ok(n, c.paid)) {
                broken.push(field);
            }
        };
        check(c.min_rep, replica_ok, "minReplicaMemoryGb", &mut broken);
        check(c.max_rep, replica_ok, "maxReplicaMemoryGb", &mut broken);
        check(c.min_total, total_ok, "minTotalMemoryGb", &mut broken);
        check(c.max_total, total_ok, "maxTotalMemoryGb", &mut broken);
        let int = |n: Option<Num>| n.and_then(Num::int);
        if let (Some(a), Some(b)) = (int(c.min_total), int(c.max_total)) {
            if a > b {
                broken.push("minTotalMemoryGb");
            }
        }
        let min = int(c.min_rep).or(int(c.min_total).map(|t| t / 3)).unwrap_or(8);
        let max = int(c.max_rep).or(int(c.max_total).map(|t| t / 3)).unwrap_or(120);
        if min > max {
            broken.push("minReplicaMemoryGb");
        }
        (min, max)
    };
    if c.replicas.is_some_and(|n| !replicas_ok(n, true)) {
        broken.push("numReplicas");
    }
    if broken.is_empty() {
        Ok(Sizing { min, max, replicas: c.replicas.and_then(Num::int).unwrap_or(3) })
    } else {
        Err(broken)
    }
}

#[test]
fn create_accepts_exactly_what_the_memory_and_replica_rules_allow() {
    let sim = InProcess::new();
    let result = runner().run(&create_case(), |c| {
        sim.reset(c.paid);
        let mut body = json!({"name": "prop", "provider": "aws", "region": "us-east-1"});
        if c.development {
            body["tier"] = json!("development");
        }
        put(&mut body, "minReplicaMemoryGb", c.min_rep);
        put(&mut body, "maxReplicaMemoryGb", c.max_rep);
        put(&mut body, "minTotalMemoryGb", c.min_total);
        put(&mut body, "maxTotalMemoryGb", c.max_total);
        put(&mut body, "numReplicas", c.replicas);
        let (status, answer) = sim.create(&body);
        match create_model(&c) {
            Ok(want) => {
                prop_assert_eq!(status, 200, "model accepts {}: {}", body, answer);
                let s = &answer["result"]["service"];
                assert_invariants(s, c.paid)?;
                let id = s["id"].as_str().unwrap_or("");
                let stored = sim.service(id);
                prop_assert_eq!(&stored, s, "GET equals the create answer");
                prop_assert_eq!(stored["minReplicaMemoryGb"].as_i64(), Some(want.min));
                prop_assert_eq!(stored["maxReplicaMemoryGb"].as_i64(), Some(want.max));
                prop_assert_eq!(stored["numReplicas"].as_i64(), Some(want.replicas));
                prop_assert_eq!(sim.services().len(), 1);
            }
            Err(broken) => {
                assert_rejected(status, &answer, &broken)?;
                prop_assert_eq!(sim.services().len(), 0, "a rejected create creates nothing");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---- S5 replicaScaling and E11 scaling --------------------------------------------------

/// A valid starting point: replica memory min ≤ max on the grid, within the org's cap.
fn initial(paid: bool) -> impl Strategy<Value = (i64, i64)> {
    let cap = if paid { REPLICA_CAP } else { UNPAID_REPLICA_CAP };
    (2..=cap / 4, 2..=cap / 4).prop_map(|(a, b)| (a.min(b) * 4, a.max(b) * 4))
}

#[derive(Debug, Clone)]
struct ScaleCase {
    paid: bool,
    start: (i64, i64),
    min: Option<Num>,
    max: Option<Num>,
    replicas: Option<Num>,
}

fn scale_case(max_value: i64) -> impl Strategy<Value = ScaleCase> {
    any::<bool>().prop_flat_map(move |paid| {
        (
            Just(paid),
            initial(paid),
            proptest::option::of(num(max_value)),
            proptest::option::of(num(max_value)),
            proptest::option::weighted(0.3, replicas()),
        )
            .prop_map(|(paid, start, min, max, replicas)| ScaleCase { paid, start, min, max, replicas })
    })
}

/// Creates the starting service; answers its id.
fn start_service(sim: &InProcess, c: &ScaleCase) -> String {
    sim.reset(c.paid);
    let body = json!({"name": "prop", "provider": "aws", "region": "us-east-1",
                      "minReplicaMemoryGb": c.start.0, "maxReplicaMemoryGb": c.start.1});
    let (status, answer) = sim.create(&body);
    assert_eq!(status, 200, "start {body}: {answer}");
    answer["result"]["service"]["id"].as_str().expect("id").to_owned()
}

/// S5: replica memory given per replica (CH-R08..R10), replicas (CH-R16).
fn replica_scaling_model(c: &ScaleCase) -> Verdict {
    let mut broken = Vec::new();
    if c.min.is_some_and(|n| !replica_ok(n, c.paid)) {
        broken.push("minReplicaMemoryGb");
    }
    if c.max.is_some_and(|n| !replica_ok(n, c.paid)) {
        broken.push("maxReplicaMemoryGb");
    }
    let min = c.min.and_then(Num::int).unwrap_or(c.start.0);
    let max = c.max.and_then(Num::int).unwrap_or(c.start.1);
    if min > max {
        broken.push("minReplicaMemoryGb");
    }
    if c.replicas.is_some_and(|n| !replicas_ok(n, false)) {
        broken.push("numReplicas");
    }
    if broken.is_empty() {
        Ok(Sizing { min, max, replicas: c.replicas.and_then(Num::int).unwrap_or(3) })
    } else {
        Err(broken)
    }
}

/// E11: totals (CH-R12..R14) become replica memory ÷ 3.
fn total_scaling_model(c: &ScaleCase) -> Verdict {
    let mut broken = Vec::new();
    if c.min.is_some_and(|n| !total_ok(n, c.paid)) {
        broken.push("minTotalMemoryGb");
    }
    if c.max.is_some_and(|n| !total_ok(n, c.paid)) {
        broken.push("maxTotalMemoryGb");
    }
    let min_t = c.min.and_then(Num::int).unwrap_or(3 * c.start.0);
    let max_t = c.max.and_then(Num::int).unwrap_or(3 * c.start.1);
    if min_t > max_t {
        broken.push("minTotalMemoryGb");
    }
    if c.replicas.is_some_and(|n| !replicas_ok(n, false)) {
        broken.push("numReplicas");
    }
    if broken.is_empty() {
        Ok(Sizing { min: min_t / 3, max: max_t / 3, replicas: c.replicas.and_then(Num::int).unwrap_or(3) })
    } else {
        Err(broken)
    }
}

fn check_scaling(tail: &str, fields: (&str, &str), model: fn(&ScaleCase) -> Verdict, max_value: i64) {
    let sim = InProcess::new();
    let result = runner().run(&scale_case(max_value), |c| {
        let id = start_service(&sim, &c);
        let before = sim.service(&id);
        let mut body = json!({});
        put(&mut body, fields.0, c.min);
        put(&mut body, fields.1, c.max);
        put(&mut body, "numReplicas", c.replicas);
        let (status, answer) = sim.call(Method::PATCH, &format!("{ORG}/services/{id}/{tail}"), Some(&body));
        let after = sim.service(&id);
        match model(&c) {
            Ok(want) => {
                prop_assert_eq!(status, 200, "model accepts {} from {:?}: {}", body, c.start, answer);
                prop_assert_eq!(&answer["result"], &after, "the answer is the stored service");
                assert_invariants(&after, c.paid)?;
                prop_assert_eq!(after["minReplicaMemoryGb"].as_i64(), Some(want.min));
                prop_assert_eq!(after["maxReplicaMemoryGb"].as_i64(), Some(want.max));
                prop_assert_eq!(after["numReplicas"].as_i64(), Some(want.replicas));
                prop_assert_eq!(&after["state"], &before["state"], "scaling keeps the state");
            }
            Err(broken) => {
                assert_rejected(status, &answer, &broken)?;
                prop_assert_eq!(&after, &before, "a rejected scaling changes nothing");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{tail}: {e}");
    }
}

#[test]
fn replica_scaling_accepts_exactly_what_the_rules_allow_and_keeps_totals_at_three_times() {
    check_scaling("replicaScaling", ("minReplicaMemoryGb", "maxReplicaMemoryGb"), replica_scaling_model, 400);
}

#[test]
fn total_scaling_accepts_exactly_what_the_rules_allow_and_stores_a_third_per_replica() {
    check_scaling("scaling", ("minTotalMemoryGb", "maxTotalMemoryGb"), total_scaling_model, 1200);
}

// ---- exhaustive sweeps of one field ----------------------------------------------------

/// The values a sweep of one field tries: every integer in `range`, and a non-integral
/// value next to each grid point.
fn sweep(range: std::ops::RangeInclusive<i64>, grid: i64) -> impl Iterator<Item = Num> {
    range.flat_map(move |v| {
        let half = (v % grid == 0).then_some(Num::Half(v));
        std::iter::once(Num::Int(v)).chain(half)
    })
}

/// Every value of one memory field at a time, paid and unpaid, on create, `scaling` and
/// `replicaScaling`: random cases can miss a single off-by-one at a cap; a sweep cannot.
#[test]
fn every_value_of_one_memory_field_is_judged_by_the_rules() {
    let sim = InProcess::new();
    for paid in [true, false] {
        let (replica_cap, total_cap) = if paid { (356, 1068) } else { (120, 360) };
        sim.reset(paid);
        let mut created = 0;
        let replica = |n| {
            [
                (
                    "minReplicaMemoryGb",
                    n,
                    CreateCase { min_rep: Some(n), max_rep: Some(Num::Int(replica_cap)), ..none(paid) },
                ),
                ("maxReplicaMemoryGb", n, CreateCase { max_rep: Some(n), ..none(paid) }),
            ]
        };
        let total = |n| {
            [
                (
                    "minTotalMemoryGb",
                    n,
                    CreateCase { min_total: Some(n), max_total: Some(Num::Int(total_cap)), ..none(paid) },
                ),
                ("maxTotalMemoryGb", n, CreateCase { max_total: Some(n), ..none(paid) }),
            ]
        };
        let cases = sweep(-4..=400, 4).flat_map(replica).chain(sweep(-12..=1100, 12).flat_map(total));
        for (field, n, c) in cases {
            let mut body = json!({"name": "sweep", "provider": "aws", "region": "us-east-1"});
            put(&mut body, "minReplicaMemoryGb", c.min_rep);
            put(&mut body, "maxReplicaMemoryGb", c.max_rep);
            put(&mut body, "minTotalMemoryGb", c.min_total);
            put(&mut body, "maxTotalMemoryGb", c.max_total);
            let (status, answer) = sim.create(&body);
            let want = grid_error(field, n, paid);
            assert_eq!(status == 200, create_model(&c).is_ok(), "create {field} {body} paid={paid}: {answer}");
            assert_eq!(answer["error"].as_str().map(str::to_owned), want, "create {body} paid={paid}");
            created += usize::from(status == 200);
            if created == 50 {
                // Keep the world small so each create stays cheap.
                sim.reset(paid);
                created = 0;
            }
        }

        sim.reset(paid);
        let (_, started) = sim.create(&json!({"name": "base", "provider": "aws", "region": "us-east-1"}));
        let id = started["result"]["service"]["id"].as_str().expect("id").to_owned();
        let scalings = sweep(-4..=400, 4)
            .map(|n| ("replicaScaling", "maxReplicaMemoryGb", n, replica_ok(n, paid)))
            .chain(sweep(-12..=1100, 12).map(|n| ("scaling", "maxTotalMemoryGb", n, total_ok(n, paid))));
        for (tail, field, n, ok) in scalings {
            let before = sim.service(&id);
            let path = format!("{ORG}/services/{id}/{tail}");
            let (status, answer) = sim.call(Method::PATCH, &path, Some(&json!({ field: n.json() })));
            assert_eq!(status == 200, ok, "{tail} {field}={n:?} paid={paid}: {answer}");
            assert_eq!(answer["error"].as_str().map(str::to_owned), grid_error(field, n, paid), "{tail} {n:?}");
            if ok {
                let reset = json!({"minReplicaMemoryGb": 8, "maxReplicaMemoryGb": 120});
                let (s, _) = sim.call(Method::PATCH, &format!("{ORG}/services/{id}/replicaScaling"), Some(&reset));
                assert_eq!(s, 200, "back to the starting point");
            } else {
                assert_eq!(sim.service(&id), before, "a rejected scaling changes nothing");
            }
        }
    }
}

/// The exact §7 error for one memory field alone (the other bound at its default or
/// cap), or `None` when the value is valid.
fn grid_error(field: &str, n: Num, paid: bool) -> Option<String> {
    let total = field.contains("Total");
    let (step, lo, cap, unpaid_cap) =
        if total { (12, 24, TOTAL_CAP, UNPAID_TOTAL_CAP) } else { (4, 8, REPLICA_CAP, UNPAID_REPLICA_CAP) };
    match n.int() {
        Some(v) if v % step == 0 && (lo..=cap).contains(&v) => (!paid && v > unpaid_cap)
            .then(|| format!("BAD_REQUEST: {field} must be <= {unpaid_cap} for non paid services")),
        _ => Some(format!("BAD_REQUEST: {field} must be a multiple of {step} between {lo} and {cap}")),
    }
}

/// A create case with no memory or replica field.
fn none(paid: bool) -> CreateCase {
    CreateCase {
        paid,
        development: false,
        min_rep: None,
        max_rep: None,
        min_total: None,
        max_total: None,
        replicas: None,
    }
}

// ---- the rule functions agree with the model -----------------------------------------

#[test]
fn the_rule_functions_agree_with_the_model() {
    for paid in [true, false] {
        for n in sweep(-24..=1200, 4) {
            let replica = validate::replica_memory_gb("minReplicaMemoryGb", n.f64(), paid, REPLICA_CAP as u32);
            assert_eq!(replica.is_ok(), replica_ok(n, paid), "replica {n:?} paid={paid}");
            let want = grid_error("minReplicaMemoryGb", n, paid).map(|e| e.replacen("BAD_REQUEST: ", "", 1));
            assert_eq!(replica.err().map(|e| e.to_string()), want);
            let total = validate::total_memory_gb("maxTotalMemoryGb", n.f64(), paid, TOTAL_CAP as u32);
            assert_eq!(total.is_ok(), total_ok(n, paid), "total {n:?} paid={paid}");
            let want = grid_error("maxTotalMemoryGb", n, paid).map(|e| e.replacen("BAD_REQUEST: ", "", 1));
            assert_eq!(total.err().map(|e| e.to_string()), want);
            let replicas = validate::num_replicas(n.f64());
            assert_eq!(replicas.is_ok(), n.int().is_some_and(|v| (1..=20).contains(&v)), "replicas {n:?}");
        }
    }
}

// ---- generated passwords --------------------------------------------------------------

/// §E2 step 4: every generated password (create and E12) has 16 characters with an
/// upper-case letter, a lower-case letter, a digit and one of `~!@#$%^&*_-+=`, and its
/// hashes are stored.
#[test]
fn every_generated_password_mixes_all_four_character_classes() {
    let sim = InProcess::new();
    sim.reset(true);
    let (_, created) = sim.create(&json!({"name": "pw", "provider": "aws", "region": "us-east-1"}));
    let id = created["result"]["service"]["id"].as_str().expect("id").to_owned();
    let mut seen = std::collections::HashSet::new();
    let mut passwords = vec![created["result"]["password"].as_str().expect("password").to_owned()];
    for _ in 0..300 {
        let (status, answer) = sim.call(Method::PATCH, &format!("{ORG}/services/{id}/password"), Some(&json!({})));
        assert_eq!(status, 200);
        passwords.push(answer["result"]["password"].as_str().expect("password").to_owned());
    }
    for pw in &passwords {
        assert_eq!(pw.chars().count(), 16, "{pw}");
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()), "{pw}");
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()), "{pw}");
        assert!(pw.chars().any(|c| c.is_ascii_digit()), "{pw}");
        assert!(pw.chars().any(|c| "~!@#$%^&*_-+=".contains(c)), "{pw}");
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric() || "~!@#$%^&*_-+=".contains(c)), "{pw}");
        assert!(seen.insert(pw.clone()), "passwords do not repeat: {pw}");
    }
    let (_, hashes) = sim.call(Method::GET, &format!("/_sim/clickhouse/services/{id}/password-hash"), None);
    let last = passwords.last().expect("one");
    let sha = base64::engine::general_purpose::STANDARD.encode(<sha2::Sha256 as sha2::Digest>::digest(last.as_bytes()));
    assert_eq!(hashes["sha256Base64"], sha);
}
