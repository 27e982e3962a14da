//! Property tests of the EXAUNIT_ALLOCATIONS serializer and parser (spec §7.3, §16): any
//! allocation the serializer writes, in either style, validates back to the same
//! allocation, and a CREATE carrying it yields exactly that cluster.

use std::time::Duration;

use base64::Engine;
use dbaas_sim::providers::oracle::model::{AddClusterSpec, Allocation, AllocationOp, ReshapeAttr};
use dbaas_sim::providers::oracle::payload::{self, Style};
use dbaas_sim::providers::oracle::validate::allocations;
use dbaas_sim::{ClockMode, Request, Simulator};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::Method;
use proptest::prelude::*;

use crate::support::oracle::*;
use crate::support::*;

fn network() -> impl Strategy<Value = String> {
    // Printable, no surrounding blanks (values are trimmed); may hold `,` `}` `"` `//`.
    "[!-~]([ -~]{0,30}[!-~])?"
}

fn add_spec() -> impl Strategy<Value = AddClusterSpec> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,14}",
        (1u64..=11).prop_map(|n| n * 2),
        (1u64..=300).prop_map(|n| n * 2),
        1u64..=50,
        50u64..=400,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of((network(), network())),
    )
        .prop_map(|(name, cores, memory_gb, storage_tb, oh_gb, create_sparse, backup_to_disk, nets)| {
            AddClusterSpec {
                name,
                cores,
                memory_gb,
                storage_tb,
                oh_gb,
                create_sparse,
                backup_to_disk,
                client_network: nets.as_ref().map(|n| n.0.clone()),
                backup_network: nets.map(|n| n.1),
            }
        })
}

fn allocation() -> impl Strategy<Value = Allocation> {
    let uuid = proptest::option::of("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    let reshape = (1u64..=1_000_000, 0usize..4, 1u64..=1_000_000).prop_map(|(exaunit, which, v)| {
        let change =
            [ReshapeAttr::Cores(v), ReshapeAttr::Memory(v), ReshapeAttr::Storage(v), ReshapeAttr::Ohome(v)][which];
        AllocationOp::Reshape { exaunit, change }
    });
    let op = prop_oneof![
        add_spec().prop_map(AllocationOp::Add),
        reshape,
        (1u64..=1_000_000).prop_map(|exaunit| AllocationOp::Delete { exaunit }),
    ];
    (op, uuid).prop_map(|(op, request_id)| Allocation { op, request_id, ignored: Vec::new() })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_serialized_allocation_validates_back_to_itself(a in allocation(), json in any::<bool>()) {
        let style = if json { Style::Json } else { Style::Documented };
        let text = payload::serialize(&allocations::properties_of(&a), style);
        let is_create = matches!(a.op, AllocationOp::Add(_));
        let (back, _) = allocations::allocation(&payload::encode(&text), is_create, 65536)
            .map_err(|e| TestCaseError::fail(format!("{e:?} for {text}")))?;
        prop_assert_eq!(back, a);
    }
}

/// One request through the in-process handle (the server's own request path).
fn call(handle: &dbaas_sim::Handle, method: Method, path: &str, body: Option<&Value>) -> Value {
    let mut req = Request::new(method, path, body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default());
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", USER.0, USER.1));
    req.headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Basic {basic}")).unwrap());
    req.headers.insert("x-id-tenant-name", HeaderValue::from_static(DOMAIN));
    req.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let reply = handle.request(req);
    reply.body_json().unwrap_or(Value::Null)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_create_with_any_serialized_cluster_yields_that_cluster(spec in add_spec(), json in any::<bool>()) {
        prop_assume!(spec.cores <= 22 && spec.memory_gb <= 1440 && spec.storage_tb <= 106);
        let handle = Simulator::builder().seed(42).clock(ClockMode::Manual).build().unwrap();
        let a = Allocation { op: AllocationOp::Add(spec.clone()), request_id: None, ignored: Vec::new() };
        let style = if json { Style::Json } else { Style::Documented };
        let text = payload::serialize(&allocations::properties_of(&a), style);
        let created = call(&handle, Method::POST, &format!("{MS}/operations"), Some(&create_multivm_body(&text)));
        prop_assert_eq!(&created["result"]["status"], "NEW", "{} for {}", created, text);
        handle.advance(Duration::from_secs(30));
        let info = call(&handle, Method::GET, &format!("/ecra/endpoint/exaservice/{SEED_INSTANCE}/resourceinfo"), None);
        let c = &info["DistributedClusterResources"][0];
        prop_assert_eq!(&c["status"], "PROVISIONED", "{}", info);
        prop_assert_eq!(c["ExaunitName"].as_str(), Some(spec.name.as_str()));
        prop_assert_eq!(c["TotalNumOfCoresForCluster"].as_u64(), Some(spec.cores));
        prop_assert_eq!(c["TotalMemoryInGb"].as_u64(), Some(spec.memory_gb));
        prop_assert_eq!(c["StorageInTb"].as_u64(), Some(spec.storage_tb));
        prop_assert_eq!(c["OracleHomeDiskSizeInGb"].as_u64(), Some(spec.oh_gb));
        prop_assert_eq!(c["CreateSparse"].as_str(), Some(if spec.create_sparse { "Y" } else { "N" }));
        let state = handle.request(Request::new(Method::GET, "/_sim/state", "")).body_json().unwrap();
        let stored = &state["providers"]["oracle"]["serviceInstances"][0]["clusters"]["1"];
        prop_assert_eq!(stored["clientNetwork"].as_str(), spec.client_network.as_deref());
        prop_assert_eq!(stored["backupNetwork"].as_str(), spec.backup_network.as_deref());
    }

    #[test]
    fn no_byte_sequence_in_the_payload_makes_the_server_fail(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let handle = Simulator::builder().seed(42).clock(ClockMode::Manual).build().unwrap();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let mut body = create_multivm_body("");
        for a in body["operationItems"][0]["attributes"].as_array_mut().unwrap() {
            if a["name"] == "requestPayload.customAttributes.EXAUNIT_ALLOCATIONS" {
                a["value"] = json!(encoded);
            }
        }
        let answer = call(&handle, Method::POST, &format!("{MS}/operations"), Some(&body));
        let code = answer["httpStatusCode"].as_u64().unwrap_or(201);
        prop_assert!(code == 201 || code == 400, "{}", answer);
    }
}
