//! Oracle My Services helpers: the default identity, request bodies built like the seed's
//! examples, base64 payloads, envelope assertions and polling.

use base64::Engine;
use hyper::Method;

use super::{json, Resp, Sim, Value};

pub const DOMAIN: &str = "mydomain";
pub const ALIAS: &str = "idcs-00000000000000000000000000000001";
pub const USER: (&str, &str) = ("john.smith@example.com", "Welcome1!");
/// `/itas/mydomain/myservices/api/v1`
pub const MS: &str = "/itas/mydomain/myservices/api/v1";
pub const CREATE: &str = "CIM-Exadata-CUSTOM-PRODUCTION-CREATE";
pub const UPDATE: &str = "CIM-Exadata-CUSTOM-PRODUCTION-UPDATE";
pub const DELETE: &str = "CIM-Exadata-CUSTOM-PRODUCTION-DELETE";
/// The seed's literal instance id of its UPDATE and DELETE examples (the first instance).
pub const SEED_INSTANCE: &str = "500076173";

/// The seed's AddCluster payload for CREATE, verbatim (comments, bare values).
pub const SEED_ADD_PAYLOAD: &str = "{\n  ExaunitProperties: [\n    {name:requestId, value:27ac0ee3-0c72-4493-b02b-40038f07d2a0}, \n    {name:Operation, value:AddCluster},\n    {name:TotalNumOfCoresForCluster, value:4},\n    {name:TotalMemoryInGb, value:30},\n    {name:StorageInTb, value:3},\n    {name:OracleHomeDiskSizeInGb, value:60},\n    {name:ClientNetwork, value:/root/root/1/ipnetwork1},  // Only if Higgs is also required\n    {name:BackupNetwork, value:/root/root/1/ipnetwork2},  // Only if Higgs is also required\n    {name:ExaUnitName, value:systemname},\n    {name:CreateSparse, value:N},\n    {name:BackupToDisk, value:N}\n  ] \n}";

/// The seed's delete payload, verbatim.
pub const SEED_DELETE_PAYLOAD: &str = "{\n  ExaunitProperties: [\n    {name:requestId, value:27ac0ee3-0c72-4493-b02b-40038f07d202},  // Optional\n\t{name:ExaunitID, value:2},\n    {name:Operation, value:DeleteCluster}\n  ] \n}";

/// The seed's minimal reshape payload, verbatim (a newline between every token).
pub const SEED_MINIMAL_RESHAPE: &str = "{ExaunitProperties\n\n:\n\n[{name:Operation,value\n\n:\n\nReshapeCluster},\n\n{\n\nname:ExaunitID,value:5\n\n},{\n\nname:TotalNumOfCoresForCluster\n\n,\n\nvalue:6}]\n\n}";

pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// `[{"name": .., "value": ..}, ...]`
pub fn attrs(list: &[(&str, &str)]) -> Vec<Value> {
    list.iter().map(|(n, v)| json!({"name": n, "value": v})).collect()
}

/// `{"operationItems": [{"attributes": .., "operationItemDefinition": {"id": ..}}]}`
pub fn operation(definition: &str, attributes: Vec<Value>) -> Value {
    json!({"operationItems": [{"attributes": attributes, "operationItemDefinition": {"id": definition}}]})
}

/// The seed's basic CREATE attributes with a valid name (`prodexa01`).
pub fn create_attrs() -> Vec<(String, String)> {
    [
        ("requestPayload.name", "prodexa01"),
        ("requestPayload.serviceEntitlementId", "500073421"),
        ("requestPayload.size", "CUSTOM"),
        ("requestPayload.serviceType", "Exadata"),
        ("requestPayload.adminUserName", "john.smith@example.com"),
        ("requestPayload.adminEmail", "john.smith@example.com"),
        ("requestPayload.adminFirstName", "John"),
        ("requestPayload.adminLastName", "Smith"),
        ("requestPayload.invokerAdminUserName", "john.smith@example.com"),
        ("requestPayload.invokerAdminEmail", "john.smith@example.com"),
        ("requestPayload.invokerAdminFirstName", "John"),
        ("requestPayload.invokerAdminLastName", "Smith"),
        ("requestPayload.customAttributes.ExaUnitName", "systemname"),
        ("requestPayload.customAttributes.CreateSparse", "N"),
        ("requestPayload.customAttributes.BackupToDisk", "N"),
        ("requestPayload.customAttributes.isBYOL", "N"),
        ("requestPayload.customAttributes.PickRackSize", "Quarter Rack"),
        ("requestPayload.customAttributes.SELECTED_DC_ID", "US001"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// A CREATE body: the basic attributes with `changes` applied (`None` removes, a new
/// name appends).
pub fn create_body(changes: &[(&str, Option<&str>)]) -> Value {
    let mut list = create_attrs();
    for (name, value) in changes {
        match (list.iter().position(|(n, _)| n == name), value) {
            (Some(i), Some(v)) => list[i].1 = v.to_string(),
            (Some(i), None) => {
                list.remove(i);
            }
            (None, Some(v)) => list.push((name.to_string(), v.to_string())),
            (None, None) => {}
        }
    }
    let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    operation(CREATE, attrs(&refs))
}

/// A multi-VM CREATE with the given (plain text) allocation payload.
pub fn create_multivm_body(payload: &str) -> Value {
    let encoded = b64(payload);
    create_body(&[
        ("requestPayload.customAttributes.EXAUNIT_ALLOCATIONS", Some(&encoded)),
        ("requestPayload.customAttributes.MULTIVM_ENABLED", Some("true")),
    ])
}

/// An UPDATE like the seed's (including its `customAttributes. MULTIVM_ENABLED` space).
pub fn update_body(instance: &str, payload: &str) -> Value {
    operation(
        UPDATE,
        attrs(&[
            ("instanceId", instance),
            ("requestPayload.serviceEntitlementId", "500073421"),
            ("requestPayload.size", "CUSTOM"),
            ("requestPayload.serviceType", "Exadata"),
            ("requestPayload.customAttributes.EXAUNIT_ALLOCATIONS", &b64(payload)),
            ("requestPayload.customAttributes. MULTIVM_ENABLED", "true"),
        ]),
    )
}

/// A DELETE like the seed's.
pub fn delete_body(instance: &str) -> Value {
    operation(
        DELETE,
        attrs(&[
            ("instanceId", instance),
            ("requestPayload.serviceEntitlementId", "500073421"),
            ("requestPayload.serviceType", "Exadata"),
        ]),
    )
}

/// An AddCluster payload in the seed's documented form.
pub fn add_payload(name: &str, cores: u64, memory: u64, storage: u64, oh: u64) -> String {
    format!(
        "{{\n  ExaunitProperties: [\n    {{name:Operation, value:AddCluster}},\n    {{name:TotalNumOfCoresForCluster, value:{cores}}},\n    {{name:TotalMemoryInGb, value:{memory}}},\n    {{name:StorageInTb, value:{storage}}},\n    {{name:OracleHomeDiskSizeInGb, value:{oh}}},\n    {{name:ExaUnitName, value:{name}}}\n  ]\n}}"
    )
}

/// A one-attribute ReshapeCluster payload.
pub fn reshape_payload(exaunit: u64, attribute: &str, value: &str) -> String {
    format!("{{ExaunitProperties:[{{name:Operation,value:ReshapeCluster}},{{name:ExaunitID,value:{exaunit}}},{{name:{attribute},value:{value}}}]}}")
}

/// A DeleteCluster payload.
pub fn delete_cluster_payload(exaunit: u64) -> String {
    format!("{{ExaunitProperties:[{{name:ExaunitID,value:{exaunit}}},{{name:Operation,value:DeleteCluster}}]}}")
}

impl Resp {
    /// Asserts the MSError envelope: status, `errorCode`, `httpStatusCode`, `httpMessage`,
    /// and an `errorMessage` containing `text` (the field or the rule).
    #[track_caller]
    pub fn assert_ora_error(&self, status: u16, code: &str, text: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.body["errorCode"], json!(code), "errorCode; body: {}", self.text);
        assert_eq!(self.body["httpStatusCode"], json!(status), "httpStatusCode; body: {}", self.text);
        assert!(self.body["httpMessage"].as_str().is_some_and(|m| !m.is_empty()), "httpMessage: {}", self.text);
        let message = self.body["errorMessage"].as_str().unwrap_or("");
        assert!(message.contains(text), "errorMessage {message:?} does not contain {text:?}");
        assert!(self.body.get("items").is_none() && self.body.get("id").is_none(), "an error is only an error");
    }

    /// Asserts the ECRA error envelope.
    #[track_caller]
    pub fn assert_ecra_error(&self, status: u16, op: &str, text: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.body["status"], json!(status), "{}", self.text);
        assert_eq!(self.body["op"], json!(op), "{}", self.text);
        let message = self.body["message"].as_str().unwrap_or("");
        assert!(message.contains(text), "message {message:?} does not contain {text:?}");
        assert_eq!(self.body["status-detail"], self.body["message"]);
    }
}

impl Sim {
    /// An Oracle request with Basic auth and `X-ID-TENANT-NAME: mydomain`.
    pub async fn ora(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, Some(USER), body, &[("x-id-tenant-name", DOMAIN)]).await
    }

    pub async fn ora_get(&self, path: &str) -> Resp {
        self.ora(Method::GET, path, None).await
    }

    /// `GET {MS}{path}`
    pub async fn ms_get(&self, path: &str) -> Resp {
        self.ora_get(&format!("{MS}{path}")).await
    }

    /// `POST {MS}/operations`
    pub async fn post_operation(&self, body: Value) -> Resp {
        self.ora(Method::POST, &format!("{MS}/operations"), Some(body)).await
    }

    /// Posts and asserts 201; answers the operation id.
    pub async fn submit(&self, body: Value) -> String {
        let r = self.post_operation(body).await;
        assert_eq!(r.status, 201, "submit: {}", r.text);
        r.body["id"].as_str().expect("operation id").to_owned()
    }

    /// `(operation result.status, item result.status)` by polling.
    pub async fn op_status(&self, id: &str) -> (String, String) {
        let r = self.ms_get(&format!("/operations/{id}")).await;
        assert_eq!(r.status, 200, "poll: {}", r.text);
        let op = r.body["result"]["status"].as_str().unwrap_or("").to_owned();
        let item = r.body["operationItems"][0]["result"]["status"].as_str().unwrap_or("").to_owned();
        (op, item)
    }

    /// Polls once a simulated second until the operation is PROCESSED or FAILED (at most
    /// `max` seconds); answers the final operation body.
    pub async fn settle(&self, id: &str, max: u64) -> Value {
        for _ in 0..=max {
            let r = self.ms_get(&format!("/operations/{id}")).await;
            let status = r.body["result"]["status"].as_str().unwrap_or("");
            if status == "PROCESSED" || status == "FAILED" {
                return r.body;
            }
            self.advance(1).await;
        }
        panic!("operation {id} did not settle within {max} s");
    }

    /// `providers.oracle` of `GET /_sim/state`.
    pub async fn oracle_state(&self) -> Value {
        self.sim_get("/_sim/state").await.body["providers"]["oracle"].clone()
    }

    /// A stored instance (hidden fields included) by numeric id.
    pub async fn instance_state(&self, id: &str) -> Value {
        let state = self.oracle_state().await;
        state["serviceInstances"]
            .as_array()
            .and_then(|a| {
                a.iter().find(|i| i["numericId"].as_u64().map(|n| n.to_string()).as_deref() == Some(id)).cloned()
            })
            .unwrap_or(Value::Null)
    }

    /// `GET /ecra/endpoint/exaservice/{id}/resourceinfo`.
    pub async fn resource_info(&self, id: &str) -> Resp {
        self.ora_get(&format!("/ecra/endpoint/exaservice/{id}/resourceinfo")).await
    }

    /// Creates a multi-VM instance with the seed's AddCluster payload and lets it reach
    /// ACTIVE; answers its numeric id (the seed's `500076173` on a fresh simulator).
    pub async fn active_multivm_instance(&self) -> String {
        let op = self.submit(create_multivm_body(SEED_ADD_PAYLOAD)).await;
        let done = self.settle(&op, 60).await;
        assert_eq!(done["result"]["status"], "PROCESSED", "create: {done}");
        let attrs = done["operationItems"][0]["result"]["attributes"].as_array().cloned().unwrap_or_default();
        attrs
            .iter()
            .find(|a| a["name"] == "instanceId")
            .and_then(|a| a["value"].as_str())
            .expect("instanceId")
            .to_owned()
    }

    /// Runs an UPDATE to completion; answers the final operation body.
    pub async fn update_and_settle(&self, instance: &str, payload: &str) -> Value {
        let op = self.submit(update_body(instance, payload)).await;
        self.settle(&op, 60).await
    }

    /// The number of service instances visible through the API.
    pub async fn instance_count(&self) -> usize {
        let r = self.ms_get("/serviceInstances?limit=100").await;
        r.body["items"].as_array().map(Vec::len).expect("items")
    }

    /// The number of operations stored (through `/_sim/state`: CIM operations are not listable).
    pub async fn operation_count(&self) -> usize {
        self.oracle_state().await["operations"].as_array().map(Vec::len).unwrap_or(0)
    }
}
