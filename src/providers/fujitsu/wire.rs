//! Request mirrors: the seed's request bodies as serde structs, every field an
//! `Option<In<T>>` (absent or `null` → `None`; a value of the wrong JSON type →
//! `In::Wrong`, so that validation can name the field instead of serde failing the
//! whole body with a position). Only `validate/` turns a mirror into a validated spec.
//!
//! Unknown keys are ignored everywhere: the seed forbids none, and its own examples send
//! keys an operation does not document (the modify example's `multi`, `engine`,
//! `character_set`, ..., extract 01 A19).
//!
//! Field names are the seed's (camelCase), including its alternative spellings where an
//! extract recommends accepting them (`parameterGroupid`, A12 of extract 02).
//!
//! The seed's printed request examples are not JSON (missing commas after `volume` and
//! `masterUserPassword`, trailing commas, a stray `"` after `{`; seed 1393–1445,
//! 2447–2510, 3592–3616, 4696–4719): their repaired forms are accepted. Repaired, the
//! create example still breaks two rules (`preferredRecoveryTime` with `multi:false`, an
//! `engine` with a leading space) and the modify example one (`volume.size` 2): those
//! are refused with 400 naming the field (extract 01 A19, A20).
//!
//! May touch: nothing else in the provider.

use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A JSON value read as `T`, or the fact that it had the wrong JSON type.
#[derive(Debug, Clone, PartialEq)]
pub enum In<T> {
    Ok(T),
    Wrong,
}

/// The JSON type a mirror field takes: serde would also fill a struct from an array
/// (its fields in order), so each type says which values it accepts at all, and reads
/// one JSON value as `In<Self>`. Scalars and objects are read straight from the parser
/// (no `Value` tree per field: that was a third of a create's time); lists and free-form
/// maps go through a `Value`.
pub trait Kind: Sized {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<In<Self>, D::Error>;
}

/// A value of another JSON type: consumed whole, then `In::Wrong`.
struct Other<T>(PhantomData<T>);

/// What a scalar accepts; every other JSON type is `In::Wrong`.
trait Scalar: Sized {
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_str(_: &str) -> Option<Self> {
        None
    }
}

impl Scalar for i64 {
    fn from_i64(n: i64) -> Option<Self> {
        Some(n)
    }
    fn from_u64(n: u64) -> Option<Self> {
        i64::try_from(n).ok()
    }
}

impl Scalar for bool {
    fn from_bool(b: bool) -> Option<Self> {
        Some(b)
    }
}

impl Scalar for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

fn found<T>(v: Option<T>) -> In<T> {
    v.map_or(In::Wrong, In::Ok)
}

impl<'de, T: Scalar> Visitor<'de> for Other<T> {
    type Value = In<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<In<T>, E> {
        Ok(found(T::from_i64(n)))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<In<T>, E> {
        Ok(found(T::from_u64(n)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<In<T>, E> {
        Ok(found(T::from_bool(b)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<In<T>, E> {
        Ok(found(T::from_str(s)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_none<E: de::Error>(self) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<In<T>, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(In::Wrong)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<In<T>, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(In::Wrong)
    }
}

macro_rules! scalars {
    ($($t:ty),+) => {
        $(impl Kind for $t {
            fn read<'de, D: Deserializer<'de>>(d: D) -> Result<In<Self>, D::Error> {
                d.deserialize_any(Other::<$t>(PhantomData))
            }
        })+
    };
}

scalars!(i64, bool, String);

/// Through a `Value`: accepted when `accepts` says so and `T` reads it.
fn via_value<'de, T: DeserializeOwned, D: Deserializer<'de>>(
    d: D,
    accepts: fn(&Value) -> bool,
) -> Result<In<T>, D::Error> {
    let v = Value::deserialize(d)?;
    if !accepts(&v) {
        return Ok(In::Wrong);
    }
    Ok(T::deserialize(v).map_or(In::Wrong, In::Ok))
}

impl<T: DeserializeOwned> Kind for Vec<T> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<In<Self>, D::Error> {
        via_value(d, Value::is_array)
    }
}

impl Kind for Map<String, Value> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<In<Self>, D::Error> {
        via_value(d, Value::is_object)
    }
}

/// A mirror struct: a JSON object read field by field; another JSON type is consumed and
/// `In::Wrong`. A struct that cannot be read from an object (a key given twice) is an
/// error: [`mirror_body`] then reads the body through a `Value`, as before.
struct Object<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Object<T> {
    type Value = In<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<In<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(In::Ok)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_unit<E: de::Error>(self) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_none<E: de::Error>(self) -> Result<In<T>, E> {
        Ok(In::Wrong)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<In<T>, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(In::Wrong)
    }
}

/// Mirror structs are JSON objects only.
macro_rules! objects {
    ($($t:ty),+ $(,)?) => {
        $(impl Kind for $t {
            fn read<'de, D: Deserializer<'de>>(d: D) -> Result<In<Self>, D::Error> {
                d.deserialize_any(Object::<$t>(PhantomData))
            }
        })+
    };
}

impl<'de, T: Kind> Deserialize<'de> for In<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::read(d)
    }
}

/// Reads a whole body (its bytes) as a mirror without a `Value` tree. `None` when the
/// bytes are not one JSON object a mirror reads in one pass (not JSON, not an object, a
/// key given twice): the caller then takes the `Value` path, whose answers and error
/// texts are the reference.
pub fn mirror_bytes<T: Kind>(body: &[u8]) -> Option<T> {
    match serde_json::from_slice::<In<T>>(body) {
        Ok(In::Ok(t)) => Some(t),
        _ => None,
    }
}

/// An optional field of a mirror.
pub type Opt<T> = Option<In<T>>;

/// Reads a whole body (already JSON) as a mirror; a mirror of `Opt` fields only fails
/// when the body is not an object.
pub fn mirror<T: DeserializeOwned>(body: &Value) -> Option<T> {
    // An array would fill a struct's fields in order: only objects are bodies.
    if !body.is_object() {
        return None;
    }
    T::deserialize(body).ok()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeRequest {
    pub size: Opt<i64>,
    #[serde(rename = "type")]
    pub kind: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecoveryRequest {
    pub apply_immediately: Opt<bool>,
    pub time: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoScaleVolumeRequest {
    pub available: Opt<bool>,
    pub max_size: Opt<i64>,
    pub time: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoScaleFlavorRequest {
    pub available: Opt<bool>,
    pub time: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoScaleReplicaRequest {
    pub available: Opt<bool>,
    pub max_number: Opt<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoScaleRequest {
    pub volume: Opt<AutoScaleVolumeRequest>,
    pub flavor: Opt<AutoScaleFlavorRequest>,
    pub readreplica: Opt<AutoScaleReplicaRequest>,
}

/// `databases[]` and `users[].databases[]`: `{"name": ...}` as the examples send it, or
/// a plain string as the tables' "String list" says (extract 01 A8).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NameItem {
    Object(NameObject),
    Plain(Value),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NameObject {
    pub name: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserRequest {
    pub name: Opt<String>,
    pub password: Opt<String>,
    pub databases: Opt<Vec<Value>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSourceRequest {
    pub tenant_id: Opt<String>,
    pub id: Opt<String>,
    /// The table heading spells it `Id` (seed line 6180).
    #[serde(rename = "Id")]
    pub id_capital: Opt<String>,
}

/// The `instance` object of every instance request (create 1.2.2.1, modify 1.2.2.3, the
/// restores 1.2.2.4/1.2.2.5, the replica 1.2.2.12): the union of their fields. Each
/// operation's validator reads the fields the seed lists for it and ignores the rest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstanceRequest {
    pub flavor_ref: Opt<String>,
    pub volume: Opt<VolumeRequest>,
    pub id: Opt<String>,
    pub name: Opt<String>,
    pub description: Opt<String>,
    pub subnet_id: Opt<String>,
    pub multi: Opt<bool>,
    pub port: Opt<i64>,
    pub preferred_backup_window: Opt<String>,
    pub preferred_maintenance_window: Opt<String>,
    pub preferred_recovery_time: Opt<RecoveryRequest>,
    pub auto_maintenance: Opt<bool>,
    pub publicly_accessible: Opt<bool>,
    /// Strings or `{"securityGroupId": ...}` objects (extract 01 A9).
    pub security_group_ids: Opt<Vec<Value>>,
    pub parameter_group_id: Opt<String>,
    /// A12 of extract 02: the 1.2.2.5 heading's spelling.
    #[serde(rename = "parameterGroupid")]
    pub parameter_group_id_lower: Opt<String>,
    pub backup_retention_period: Opt<i64>,
    pub engine: Opt<String>,
    pub engine_version: Opt<String>,
    pub master_user_name: Opt<String>,
    pub master_user_password: Opt<String>,
    pub character_set: Opt<String>,
    pub collate: Opt<String>,
    pub download_log_extension: Opt<bool>,
    pub databases: Opt<Vec<Value>>,
    /// A8 of extract 01: the table heading says `database`.
    pub database: Opt<Vec<Value>>,
    pub users: Opt<Vec<UserRequest>>,
    pub auto_scale: Opt<AutoScaleRequest>,
    pub apply_immediately: Opt<bool>,
    #[serde(rename = "readReplicaSrcDBInstance")]
    pub read_replica_src_db_instance: Opt<ReplicaSourceRequest>,
}

impl InstanceRequest {
    /// `parameterGroupId`, else the `parameterGroupid` spelling.
    pub fn parameter_group(&self) -> &Opt<String> {
        if self.parameter_group_id.is_some() {
            &self.parameter_group_id
        } else {
            &self.parameter_group_id_lower
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SnapshotRef {
    pub id: Opt<String>,
    /// The child list prints `Id` (seed line 2633).
    #[serde(rename = "Id")]
    pub id_capital: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RestoreTimes {
    pub restore_time: Opt<String>,
    pub use_latest_restorable_time: Opt<bool>,
}

/// Every body of `POST /instances`, `POST /instances/{id}` and `PUT /instances/{id}`:
/// `action` decides the operation (see `validate::dispatch`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstanceBody {
    pub action: Opt<Map<String, Value>>,
    pub instance: Opt<InstanceRequest>,
    pub snapshot: Opt<SnapshotRef>,
    pub restore: Opt<RestoreTimes>,
    /// The PITR example puts `restoreTime` at the top level (seed 4699; A2 of extract 02).
    pub restore_time: Opt<String>,
    pub use_latest_restorable_time: Opt<bool>,
}

/// `POST /instances/{id}/action`: the flag key inside `action`, and `failover` /
/// `applyPatch` either inside `action` (the reboot example, seed 5027–5034) or at the top
/// level (the tables' Parent Element `None`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionBody {
    pub action: Opt<Map<String, Value>>,
    pub failover: Opt<bool>,
    pub apply_patch: Opt<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthDomain {
    pub name: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthUser {
    pub domain: Opt<AuthDomain>,
    pub name: Opt<String>,
    pub id: Opt<String>,
    pub password: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthPassword {
    pub user: Opt<AuthUser>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthToken {
    pub id: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Auth {
    pub token: Opt<AuthToken>,
    pub password: Opt<AuthPassword>,
}

/// `POST /v1.0/{tenantId}/auth/token` (seed 12327–12519).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenBody {
    pub auth: Opt<Auth>,
}

/// `snapshot` of `POST /snapshots` (1.3.2.1) and `PUT /snapshots/{id}` (copy, 1.3.2.3).
/// The copy's child list names `sourceSnapshotId`, which no table describes: the source
/// is the path's, and a body `sourceSnapshotId` is ignored (extract 03 §1.3.2.3).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SnapshotRequest {
    pub instance_id: Opt<String>,
    pub id: Opt<String>,
    pub name: Opt<String>,
    pub description: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SnapshotBody {
    pub snapshot: Opt<SnapshotRequest>,
}

/// `parametergroup` of `POST /parametergroups` (1.5.2.1) and `PUT
/// /parametergroups/{id}` (1.5.2.5).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterGroupRequest {
    pub parameter_group_family: Opt<String>,
    pub id: Opt<String>,
    pub name: Opt<String>,
    pub description: Opt<String>,
    pub parameters: Opt<Vec<Value>>,
    /// Spelled so by the seed (8486, 8569).
    #[serde(rename = "resetAllparameters")]
    pub reset_all_parameters: Opt<bool>,
}

/// One element of `parametergroup.parameters` (seed 8490–8530).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterRequest {
    pub name: Opt<String>,
    /// The type cell is `-`; the example sends strings. Numbers are read as their text.
    pub value: Option<Value>,
    pub apply_method: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterGroupBody {
    #[serde(rename = "parametergroup")]
    pub parameter_group: Opt<ParameterGroupRequest>,
}

/// `eventnotification` of the subscription bodies (seed 1.7.2.1, 1.7.2.3, 1.7.2.4).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionRequest {
    pub enabled: Opt<bool>,
    pub event_categories: Opt<Vec<Value>>,
    pub source_ids: Opt<Vec<Value>>,
    pub source_type: Opt<String>,
    pub id: Opt<String>,
    pub name: Opt<String>,
    /// The modify example's spelling of `name` (seed 11600).
    pub subscription_name: Opt<String>,
    pub description: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionBody {
    pub action: Opt<Map<String, Value>>,
    pub eventnotification: Opt<SubscriptionRequest>,
}

/// `security_group` of `POST` / `PUT security-groups` (seed 1.11.2.1, 1.11.2.3).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRequest {
    pub name: Opt<String>,
    pub description: Opt<String>,
    pub stateful: Opt<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupBody {
    pub security_group: Opt<SecurityGroupRequest>,
}

/// `security_group_rule` of `POST security-group-rules` (seed 1.12.2.1). `protocol`
/// may be a string, an integer or null; the ports and prefix are checked by type in
/// `validate::secgroup`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRuleRequest {
    pub security_group_id: Opt<String>,
    pub direction: Opt<String>,
    pub protocol: Option<Value>,
    pub ethertype: Opt<String>,
    pub port_range_max: Option<Value>,
    pub port_range_min: Option<Value>,
    pub remote_ip_prefix: Option<Value>,
    pub description: Opt<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRuleBody {
    pub security_group_rule: Opt<SecurityGroupRuleRequest>,
}

objects!(
    SecurityGroupRequest,
    SecurityGroupRuleRequest,
    SubscriptionRequest,
    ParameterGroupRequest,
    ParameterRequest,
    SnapshotRequest,
    VolumeRequest,
    RecoveryRequest,
    AutoScaleVolumeRequest,
    AutoScaleFlavorRequest,
    AutoScaleReplicaRequest,
    AutoScaleRequest,
    NameObject,
    UserRequest,
    ReplicaSourceRequest,
    InstanceRequest,
    SnapshotRef,
    RestoreTimes,
    AuthDomain,
    AuthUser,
    AuthPassword,
    AuthToken,
    Auth,
    InstanceBody,
    ActionBody,
    TokenBody,
    SnapshotBody,
    ParameterGroupBody,
    SubscriptionBody,
    SecurityGroupBody,
    SecurityGroupRuleBody,
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

fn agree<T: Kind + DeserializeOwned + std::fmt::Debug>(text: &str, value: &Value) {
        let slow = format!("{:?}", mirror::<T>(value).unwrap());
        let fast = format!("{:?}", mirror_bytes::<T>(text.as_bytes()).unwrap());
        assert_eq!(fast, slow, "{text}");
    }

        /// The one-pass read from bytes answers exactly what the `Value` path answers, and
    /// declines (so that the `Value` path answers) what it cannot read in one pass.
    #[test]
    fn reading_from_bytes_agrees_with_the_value_path() {
        let bodies = [
            r#"{"instance":{"id":"db1","flavorRef":"1","volume":{"size":20,"type":"M2"},"masterUserPassword":"Sim-passw0rd"}}"#,
            r#"{"instance":{"port":"26500","volume":7,"multi":null,"name":"x","users":[{"name":1}]}}"#,
            r#"{"instance":[],"snapshot":["x"],"action":{"readreplica":""}}"#,
            r#"{"instance":{"port":20.0,"autoScale":[],"backupRetentionPeriod":18446744073709551615}}"#,
            r#"{"instance":{"port":-3,"multi":"true","name":"\u00e9\n","description":{"a":[1,{"b":2}]}}}"#,
            r#"{"instance":{"securityGroupIds":["a",{"id":"b"},3],"databases":[{"name":"d"}]},"x":[[[]]]}"#,
            r#"{"auth":{"token":{"id":"t"},"password":{"user":{"id":1,"name":"n","domain":{"name":"d"}}}}}"#,
            r#"{}"#,
        ];
        for text in bodies {
            let value: Value = serde_json::from_str(text).unwrap();
            let slow = format!("{:?}", mirror::<InstanceBody>(&value).unwrap());
            let fast = format!("{:?}", mirror_bytes::<InstanceBody>(text.as_bytes()).unwrap());
            assert_eq!(fast, slow, "{text}");
            let slow = format!("{:?}", mirror::<TokenBody>(&value).unwrap());
            let fast = format!("{:?}", mirror_bytes::<TokenBody>(text.as_bytes()).unwrap());
            assert_eq!(fast, slow, "{text}");
            agree::<SnapshotBody>(text, &value);
            agree::<ParameterGroupBody>(text, &value);
            agree::<SubscriptionBody>(text, &value);
            agree::<SecurityGroupBody>(text, &value);
            agree::<SecurityGroupRuleBody>(text, &value);
        }
        for declined in [r#"{"instance":{"id":"a","id":"b"}}"#, "[1]", "1", "", "{", r#"{"a":1} x"#] {
            assert!(mirror_bytes::<InstanceBody>(declined.as_bytes()).is_none(), "{declined}");
        }
    }

    #[test]
    fn wrong_types_are_kept_as_wrong_not_refused() {
        let body =
            json!({"instance": {"port": "26500", "volume": 7, "multi": null, "name": "x", "users": [{"name": 1}]}});
        let b: InstanceBody = mirror(&body).unwrap();
        let i = match b.instance {
            Some(In::Ok(i)) => i,
            other => panic!("{other:?}"),
        };
        assert_eq!(i.port, Some(In::Wrong));
        assert!(matches!(i.volume, Some(In::Wrong)));
        assert_eq!(i.multi, None, "null is absent");
        assert_eq!(i.name, Some(In::Ok("x".into())));
        let users = match i.users {
            Some(In::Ok(u)) => u,
            other => panic!("{other:?}"),
        };
        assert_eq!(users[0].name, Some(In::Wrong));
        assert!(mirror::<InstanceBody>(&json!([1])).is_none(), "not an object");
        let b: InstanceBody = mirror(&json!({"instance": [], "snapshot": ["x"]})).unwrap();
        assert!(
            matches!(b.instance, Some(In::Wrong)) && matches!(b.snapshot, Some(In::Wrong)),
            "arrays are no structs"
        );
        let b: InstanceBody = mirror(&json!({"instance": {"port": 20.0, "autoScale": []}})).unwrap();
        match b.instance {
            Some(In::Ok(i)) => assert!(i.port == Some(In::Wrong) && matches!(i.auto_scale, Some(In::Wrong))),
            other => panic!("{other:?}"),
        }
    }
}
