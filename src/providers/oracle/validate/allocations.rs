//! EXAUNIT_ALLOCATIONS (spec §7, checklist rows P01–P08, A01–A05, R01–R06, D01): from
//! the base64 attribute to a validated [`Allocation`], one function per row.
//!
//! Every error is 400 `ITAS-400-PAYLOAD` naming the property
//! (`EXAUNIT_ALLOCATIONS.TotalMemoryInGb`) or the position in the decoded text.

use super::super::error::OracleError;
use super::super::model::{AddClusterSpec, Allocation, AllocationOp, ReshapeAttr};
use super::super::payload::{self, PValue};
use super::{exa_unit_name, network, yes_no};
use crate::validation::{FieldError, Rule};

/// The attribute, as errors name it.
pub const FIELD: &str = "requestPayload.customAttributes.EXAUNIT_ALLOCATIONS";

fn payload_error(e: FieldError) -> OracleError {
    OracleError::Payload(e)
}

/// Errors about one property are named `EXAUNIT_ALLOCATIONS.<Property>`.
fn prop_field(p: Prop) -> String {
    format!("EXAUNIT_ALLOCATIONS.{}", p.name())
}

fn says(p: Prop, text: impl Into<String>) -> OracleError {
    payload_error(FieldError::says(prop_field(p), text))
}

/// The properties of §7.4, matched case-insensitively (`ExaunitID` = `ExaUnitId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    Operation,
    RequestId,
    ExaunitId,
    Cores,
    Memory,
    Storage,
    OracleHomeDisk,
    OhomePartition,
    ExaUnitName,
    CreateSparse,
    BackupToDisk,
    ClientNetwork,
    BackupNetwork,
}

impl Prop {
    pub const ALL: [Prop; 13] = [
        Prop::Operation,
        Prop::RequestId,
        Prop::ExaunitId,
        Prop::Cores,
        Prop::Memory,
        Prop::Storage,
        Prop::OracleHomeDisk,
        Prop::OhomePartition,
        Prop::ExaUnitName,
        Prop::CreateSparse,
        Prop::BackupToDisk,
        Prop::ClientNetwork,
        Prop::BackupNetwork,
    ];

    /// The canonical spelling (§15 #23 for the names the seed splits across lines).
    pub fn name(self) -> &'static str {
        match self {
            Prop::Operation => "Operation",
            Prop::RequestId => "requestId",
            Prop::ExaunitId => "ExaunitID",
            Prop::Cores => "TotalNumOfCoresForCluster",
            Prop::Memory => "TotalMemoryInGb",
            Prop::Storage => "StorageInTb",
            Prop::OracleHomeDisk => "OracleHomeDiskSizeInGb",
            Prop::OhomePartition => "OhomePartitionInGB",
            Prop::ExaUnitName => "ExaUnitName",
            Prop::CreateSparse => "CreateSparse",
            Prop::BackupToDisk => "BackupToDisk",
            Prop::ClientNetwork => "ClientNetwork",
            Prop::BackupNetwork => "BackupNetwork",
        }
    }

    pub fn parse(s: &str) -> Option<Prop> {
        Self::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s))
    }
}

/// The entries of `ExaunitProperties`, by property; unknown names kept for the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Props {
    values: Vec<(Prop, Option<String>)>,
    pub unknown: Vec<String>,
}

impl Props {
    /// The entry exists (its value may be absent).
    pub fn has(&self, p: Prop) -> bool {
        self.values.iter().any(|(q, _)| *q == p)
    }

    /// A present, non-empty value.
    pub fn get(&self, p: Prop) -> Option<&str> {
        self.values.iter().find(|(q, _)| *q == p).and_then(|(_, v)| v.as_deref()).filter(|v| !v.is_empty())
    }
}

/// P01: base64 (standard or URL-safe, padding optional, whitespace ignored), UTF-8, at
/// most `max_bytes` decoded (§7.1).
pub fn p01_decode(b64: &str, max_bytes: usize) -> Result<String, OracleError> {
    payload::decode(b64, max_bytes).map_err(|e| {
        payload_error(FieldError::message(FIELD, format!("EXAUNIT_ALLOCATIONS is not valid base64/UTF-8: it {e}")))
    })
}

/// P02: the decoded text matches the tolerant grammar of §7.3; the error names the line
/// and column.
pub fn p02_grammar(text: &str) -> Result<PValue, OracleError> {
    payload::parse(text)
        .map_err(|e| payload_error(FieldError::message(FIELD, format!("EXAUNIT_ALLOCATIONS does not parse at {e}"))))
}

/// P03: the top-level `ExaunitProperties` (case-insensitive) is an array; other top-level
/// keys are ignored.
pub fn p03_exaunit_properties(v: &PValue) -> Result<&[PValue], OracleError> {
    let missing = || {
        payload_error(FieldError::message(
            FIELD,
            "EXAUNIT_ALLOCATIONS.ExaunitProperties is required and must be an array",
        ))
    };
    let PValue::Object(members) = v else { return Err(missing()) };
    match members.iter().find(|(k, _)| k.eq_ignore_ascii_case("ExaunitProperties")) {
        Some((_, PValue::Array(items))) => Ok(items),
        _ => Err(missing()),
    }
}

/// P04: every entry is an object with a string `name` (keys case-insensitive); its
/// `value` is a scalar or absent.
pub fn p04_entries(items: &[PValue]) -> Result<Vec<(String, Option<String>)>, OracleError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("EXAUNIT_ALLOCATIONS.ExaunitProperties[{i}]");
        let PValue::Object(members) = item else {
            return Err(payload_error(FieldError::says(field, "must be an object {name, value}")));
        };
        let get = |key: &str| members.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
        let name = match get("name") {
            Some(PValue::Str(n)) => n.trim().to_owned(),
            _ => return Err(payload_error(FieldError::new(format!("{field}.name"), Rule::Required))),
        };
        let value = match get("value") {
            None | Some(PValue::Absent) => None,
            Some(PValue::Str(v)) => Some(v.trim().to_owned()),
            Some(_) => return Err(payload_error(FieldError::says(format!("{field}.value"), "must be a string"))),
        };
        out.push((name, value));
    }
    Ok(out)
}

/// P05: no property is given twice (names compared case-insensitively).
pub fn p05_unique(entries: Vec<(String, Option<String>)>) -> Result<Props, OracleError> {
    let mut props = Props::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in entries {
        let key = name.to_ascii_lowercase();
        if seen.contains(&key) {
            return Err(payload_error(FieldError::says(
                format!("EXAUNIT_ALLOCATIONS.{name}"),
                "is given more than once",
            )));
        }
        seen.push(key);
        match Prop::parse(&name) {
            Some(p) => props.values.push((p, value)),
            None => props.unknown.push(name),
        }
    }
    Ok(props)
}

/// The three documented `Operation` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Reshape,
    Delete,
}

/// P06: `Operation` is `AddCluster`, `ReshapeCluster` or `DeleteCluster` (case-sensitive;
/// ECRA's `CoreBurst` is refused here).
pub fn p06_operation(props: &Props) -> Result<OpKind, OracleError> {
    const OPS: &[&str] = &["AddCluster", "ReshapeCluster", "DeleteCluster"];
    match props.get(Prop::Operation) {
        Some("AddCluster") => Ok(OpKind::Add),
        Some("ReshapeCluster") => Ok(OpKind::Reshape),
        Some("DeleteCluster") => Ok(OpKind::Delete),
        _ => Err(payload_error(FieldError::new(prop_field(Prop::Operation), Rule::OneOf(OPS)))),
    }
}

/// P07: on CREATE the `Operation` is `AddCluster`.
pub fn p07_create_operation(kind: OpKind, is_create: bool) -> Result<(), OracleError> {
    if is_create && kind != OpKind::Add {
        return Err(says(Prop::Operation, "must be AddCluster on CIM-Exadata-CUSTOM-PRODUCTION-CREATE"));
    }
    Ok(())
}

pub use crate::validation::is_uuid;

/// P08: `requestId`, when given, is a UUID. Recorded only (no deduplication by default).
pub fn p08_request_id(props: &Props) -> Result<Option<String>, OracleError> {
    match props.get(Prop::RequestId) {
        None => Ok(None),
        Some(v) if is_uuid(v) => Ok(Some(v.to_owned())),
        Some(_) => Err(says(Prop::RequestId, "must be a UUID (8-4-4-4-12 hex digits)")),
    }
}

/// A01: AddCluster gives cores, memory, storage and the Oracle Home size.
pub fn a01_add_required(props: &Props) -> Result<(), OracleError> {
    for p in [Prop::Cores, Prop::Memory, Prop::Storage, Prop::OracleHomeDisk] {
        if props.get(p).is_none() {
            return Err(payload_error(FieldError::new(prop_field(p), Rule::Required)));
        }
    }
    Ok(())
}

/// A02 / R06: a resource value is a positive integer of digits only, at most 1,000,000
/// (§16: no `+`, no decimals).
pub fn a02_positive_integer(p: Prop, v: Option<&str>) -> Result<u64, OracleError> {
    let bad = || says(p, "must be a positive integer");
    let v = v.ok_or_else(bad)?;
    if v.is_empty() || v.len() > 7 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match v.parse::<u64>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(bad()),
    }
}

/// A03: AddCluster names its cluster (`ExaUnitName`, §15 #25).
pub fn a03_add_name(props: &Props) -> Result<String, OracleError> {
    let field = prop_field(Prop::ExaUnitName);
    let v =
        props.get(Prop::ExaUnitName).ok_or_else(|| payload_error(FieldError::new(field.clone(), Rule::Required)))?;
    exa_unit_name(&field, v).map_err(payload_error)
}

/// A04: AddCluster names no `ExaunitID` (it is assigned) and no `OhomePartitionInGB`
/// (the reshape name).
pub fn a04_add_forbidden(props: &Props) -> Result<(), OracleError> {
    for p in [Prop::ExaunitId, Prop::OhomePartition] {
        if props.has(p) {
            return Err(says(p, "is not allowed with AddCluster"));
        }
    }
    Ok(())
}

/// A05: AddCluster's `CreateSparse` / `BackupToDisk` are `Y` or `N`; absent means `N` (O).
pub fn a05_add_flags(props: &Props) -> Result<(bool, bool), OracleError> {
    let flag = |p: Prop| match props.get(p) {
        None => Ok(false),
        Some(v) => yes_no(&prop_field(p), v).map_err(payload_error),
    };
    Ok((flag(Prop::CreateSparse)?, flag(Prop::BackupToDisk)?))
}

/// §7.4: AddCluster's networks come both or neither, each non-empty.
pub fn add_networks(props: &Props) -> Result<(Option<String>, Option<String>), OracleError> {
    let one = |p: Prop| -> Result<Option<String>, OracleError> {
        if !props.has(p) {
            return Ok(None);
        }
        network(&prop_field(p), props.get(p).unwrap_or("")).map(Some).map_err(payload_error)
    };
    match (one(Prop::ClientNetwork)?, one(Prop::BackupNetwork)?) {
        (Some(_), None) => Err(says(Prop::BackupNetwork, "is required with ClientNetwork")),
        (None, Some(_)) => Err(says(Prop::ClientNetwork, "is required with BackupNetwork")),
        pair => Ok(pair),
    }
}

/// R01: ReshapeCluster names its `ExaunitID`.
pub fn r01_exaunit_required(props: &Props) -> Result<u64, OracleError> {
    exaunit(props)
}

/// The four attributes a reshape may change (§7.6).
const RESHAPEABLE: [Prop; 4] = [Prop::Cores, Prop::Memory, Prop::Storage, Prop::OhomePartition];

/// R02: a reshape changes something.
pub fn r02_reshape_attribute_present(props: &Props) -> Result<(), OracleError> {
    if !RESHAPEABLE.iter().any(|p| props.has(*p)) {
        return Err(payload_error(FieldError::message(
            FIELD,
            "One of TotalNumOfCoresForCluster, TotalMemoryInGb, StorageInTb, OhomePartitionInGB must be specified",
        )));
    }
    Ok(())
}

/// R03: one attribute per reshape (seed: 「1つの再構成リクエストで変更できるのは、1つの属性のみです」).
/// The seed's own full reshape example (four attributes) is refused by this rule (§15 #9).
pub fn r03_single_attribute(props: &Props) -> Result<(), OracleError> {
    let given: Vec<&str> = RESHAPEABLE.iter().filter(|p| props.has(**p)).map(|p| p.name()).collect();
    if given.len() > 1 {
        return Err(payload_error(FieldError::message(
            FIELD,
            format!("Only one attribute can be modified per ReshapeCluster request; got {}", given.join(", ")),
        )));
    }
    Ok(())
}

/// R04: reshape the Oracle Home with `OhomePartitionInGB`, not `OracleHomeDiskSizeInGb`
/// (seed: 「OhomePartitionInGBという名前を使用します」).
pub fn r04_no_oracle_home_disk(props: &Props) -> Result<(), OracleError> {
    if props.has(Prop::OracleHomeDisk) {
        return Err(says(Prop::OracleHomeDisk, "is not allowed with ReshapeCluster; use OhomePartitionInGB"));
    }
    Ok(())
}

/// R05: name, sparse and backup-to-disk are not reshapeable.
pub fn r05_not_reshapeable(props: &Props) -> Result<(), OracleError> {
    for p in [Prop::ExaUnitName, Prop::CreateSparse, Prop::BackupToDisk] {
        if props.has(p) {
            return Err(says(p, "cannot be changed by ReshapeCluster"));
        }
    }
    Ok(())
}

/// R06: the reshaped value is a positive integer (the A02 rule).
pub fn r06_reshape_value(props: &Props) -> Result<ReshapeAttr, OracleError> {
    let (p, make): (Prop, fn(u64) -> ReshapeAttr) = if props.has(Prop::Cores) {
        (Prop::Cores, ReshapeAttr::Cores)
    } else if props.has(Prop::Memory) {
        (Prop::Memory, ReshapeAttr::Memory)
    } else if props.has(Prop::Storage) {
        (Prop::Storage, ReshapeAttr::Storage)
    } else {
        (Prop::OhomePartition, ReshapeAttr::Ohome)
    };
    a02_positive_integer(p, props.get(p)).map(make)
}

/// D01: DeleteCluster names its `ExaunitID`.
pub fn d01_exaunit_required(props: &Props) -> Result<u64, OracleError> {
    exaunit(props)
}

fn exaunit(props: &Props) -> Result<u64, OracleError> {
    if !props.has(Prop::ExaunitId) {
        return Err(payload_error(FieldError::new(prop_field(Prop::ExaunitId), Rule::Required)));
    }
    a02_positive_integer(Prop::ExaunitId, props.get(Prop::ExaunitId))
}

/// The whole chain: P01 → P08, then the rows of the `Operation`. Answers the validated
/// allocation and the decoded text (for idempotency digests).
pub fn allocation(b64: &str, is_create: bool, max_bytes: usize) -> Result<(Allocation, String), OracleError> {
    let text = p01_decode(b64, max_bytes)?;
    let tree = p02_grammar(&text)?;
    let items = p03_exaunit_properties(&tree)?;
    let props = p05_unique(p04_entries(items)?)?;
    let kind = p06_operation(&props)?;
    p07_create_operation(kind, is_create)?;
    let request_id = p08_request_id(&props)?;
    let op = match kind {
        OpKind::Add => {
            a04_add_forbidden(&props)?;
            a01_add_required(&props)?;
            let cores = a02_positive_integer(Prop::Cores, props.get(Prop::Cores))?;
            let memory_gb = a02_positive_integer(Prop::Memory, props.get(Prop::Memory))?;
            let storage_tb = a02_positive_integer(Prop::Storage, props.get(Prop::Storage))?;
            let oh_gb = a02_positive_integer(Prop::OracleHomeDisk, props.get(Prop::OracleHomeDisk))?;
            let name = a03_add_name(&props)?;
            let (create_sparse, backup_to_disk) = a05_add_flags(&props)?;
            let (client_network, backup_network) = add_networks(&props)?;
            AllocationOp::Add(AddClusterSpec {
                name,
                cores,
                memory_gb,
                storage_tb,
                oh_gb,
                create_sparse,
                backup_to_disk,
                client_network,
                backup_network,
            })
        }
        OpKind::Reshape => {
            let exaunit = r01_exaunit_required(&props)?;
            r04_no_oracle_home_disk(&props)?;
            r05_not_reshapeable(&props)?;
            r02_reshape_attribute_present(&props)?;
            r03_single_attribute(&props)?;
            AllocationOp::Reshape { exaunit, change: r06_reshape_value(&props)? }
        }
        OpKind::Delete => AllocationOp::Delete { exaunit: d01_exaunit_required(&props)? },
    };
    Ok((Allocation { op, request_id, ignored: props.unknown }, text))
}

/// The properties that describe `op`, in the documented order (the serializer's input;
/// `parse(serialize(x)) == x` is property-tested).
pub fn properties_of(a: &Allocation) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut put = |p: Prop, v: String| out.push((p.name().to_owned(), Some(v)));
    if let Some(r) = &a.request_id {
        put(Prop::RequestId, r.clone());
    }
    match &a.op {
        AllocationOp::Add(s) => {
            put(Prop::Operation, "AddCluster".into());
            put(Prop::Cores, s.cores.to_string());
            put(Prop::Memory, s.memory_gb.to_string());
            put(Prop::Storage, s.storage_tb.to_string());
            put(Prop::OracleHomeDisk, s.oh_gb.to_string());
            if let (Some(c), Some(b)) = (&s.client_network, &s.backup_network) {
                put(Prop::ClientNetwork, c.clone());
                put(Prop::BackupNetwork, b.clone());
            }
            put(Prop::ExaUnitName, s.name.clone());
            put(Prop::CreateSparse, if s.create_sparse { "Y" } else { "N" }.into());
            put(Prop::BackupToDisk, if s.backup_to_disk { "Y" } else { "N" }.into());
        }
        AllocationOp::Reshape { exaunit, change } => {
            put(Prop::ExaunitId, exaunit.to_string());
            put(Prop::Operation, "ReshapeCluster".into());
            out.push((change.name().to_owned(), Some(change.value().to_string())));
        }
        AllocationOp::Delete { exaunit } => {
            put(Prop::ExaunitId, exaunit.to_string());
            put(Prop::Operation, "DeleteCluster".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use payload::{encode, serialize, Style};

    fn alloc(text: &str, create: bool) -> Result<Allocation, OracleError> {
        allocation(&encode(text), create, 65536).map(|(a, _)| a)
    }

    fn err(text: &str, create: bool) -> String {
        match alloc(text, create) {
            Err(OracleError::Payload(e)) => e.to_string(),
            other => panic!("expected a payload error, got {other:?}"),
        }
    }

    const ADD: &str = "{ExaunitProperties:[{name:Operation, value:AddCluster},{name:TotalNumOfCoresForCluster, value:4},{name:TotalMemoryInGb, value:30},{name:StorageInTb, value:3},{name:OracleHomeDiskSizeInGb, value:60},{name:ExaUnitName, value:systemname}]}";

    #[test]
    fn the_seed_add_payload_validates() {
        let a = alloc(ADD, true).unwrap();
        assert_eq!(
            a.op,
            AllocationOp::Add(AddClusterSpec {
                name: "systemname".into(),
                cores: 4,
                memory_gb: 30,
                storage_tb: 3,
                oh_gb: 60,
                create_sparse: false,
                backup_to_disk: false,
                client_network: None,
                backup_network: None,
            })
        );
    }

    #[test]
    fn each_row_names_its_property() {
        assert!(err("{x:1}", false).contains("ExaunitProperties is required"));
        assert!(err("{ExaunitProperties:[{value:1}]}", false).contains("ExaunitProperties[0].name is required"));
        assert!(err("{ExaunitProperties:[{name:a,value:1},{name:A,value:2}]}", false).contains("more than once"));
        assert!(err("{ExaunitProperties:[{name:Operation,value:CoreBurst}]}", false)
            .contains("EXAUNIT_ALLOCATIONS.Operation"));
        assert!(err("{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:ExaunitID,value:1}]}", true)
            .contains("must be AddCluster"));
        assert!(err("{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:requestId,value:x},{name:ExaunitID,value:1}]}", false).contains("requestId"));
        assert!(err("{ExaunitProperties:[{name:Operation,value:AddCluster}]}", false)
            .contains("TotalNumOfCoresForCluster is required"));
        assert!(
            err(&ADD.replace("value:30", "value:+30"), false).contains("TotalMemoryInGb must be a positive integer")
        );
        assert!(err(&ADD.replace("value:30", "value:3.5"), false).contains("TotalMemoryInGb"));
        assert!(err(&ADD.replace("value:30", "value:0"), false).contains("TotalMemoryInGb"));
        assert!(err(&ADD.replace("value:systemname", "value:9x"), false).contains("ExaUnitName"));
        assert!(err(&ADD.replace("}]}", "},{name:ExaunitID,value:1}]}"), false).contains("ExaunitID is not allowed"));
        assert!(err(&ADD.replace("}]}", "},{name:CreateSparse,value:maybe}]}"), false).contains("CreateSparse"));
        assert!(
            err(&ADD.replace("}]}", "},{name:ClientNetwork,value:/n}]}"), false).contains("BackupNetwork is required")
        );
        let reshape = "{ExaunitProperties:[{name:Operation,value:ReshapeCluster},{name:ExaunitID,value:1}";
        assert!(err(
            "{ExaunitProperties:[{name:Operation,value:ReshapeCluster},{name:TotalMemoryInGb,value:2}]}",
            false
        )
        .contains("ExaunitID is required"));
        assert!(err(&format!("{reshape}]}}"), false).contains("must be specified"));
        assert!(err(&format!("{reshape},{{name:TotalMemoryInGb,value:2}},{{name:StorageInTb,value:2}}]}}"), false)
            .contains("Only one attribute"));
        assert!(err(&format!("{reshape},{{name:OracleHomeDiskSizeInGb,value:100}}]}}"), false)
            .contains("use OhomePartitionInGB"));
        assert!(err(&format!("{reshape},{{name:ExaUnitName,value:x}}]}}"), false).contains("cannot be changed"));
        assert!(err(&format!("{reshape},{{name:StorageInTb,value:-1}}]}}"), false)
            .contains("StorageInTb must be a positive integer"));
        assert!(
            err("{ExaunitProperties:[{name:Operation,value:DeleteCluster}]}", false).contains("ExaunitID is required")
        );
    }

    #[test]
    fn reshape_ignores_networks_and_delete_ignores_resources() {
        let a = alloc("{ExaunitProperties:[{name:Operation,value:ReshapeCluster},{name:ExaunitID,value:5},{name:TotalNumOfCoresForCluster,value:6},{name:ClientNetwork,value:/a},{name:BackupNetwork,value:/b}]}", false).unwrap();
        assert_eq!(a.op, AllocationOp::Reshape { exaunit: 5, change: ReshapeAttr::Cores(6) });
        let a = alloc("{ExaunitProperties:[{name:Operation,value:DeleteCluster},{name:exaunitid,value:2},{name:TotalMemoryInGb,value:x},{name:rack_name,value:r}]}", false).unwrap();
        assert_eq!(a.op, AllocationOp::Delete { exaunit: 2 });
        assert_eq!(a.ignored, vec!["rack_name".to_owned()]);
    }

    #[test]
    fn serialized_allocations_validate_back() {
        let a = alloc(ADD, true).unwrap();
        for style in [Style::Documented, Style::Json] {
            let text = serialize(&properties_of(&a), style);
            assert_eq!(alloc(&text, true).unwrap(), a, "{text}");
        }
    }
}
