//! The source kinds of a ClickPipe and the rules of those the official document details
//! beyond "an object": MySQL, MongoDB and Pub/Sub sources of `clickPipeCreate`
//! (`ClickPipeMutateMySQLSource`, `ClickPipeMutateMongoDBSource`,
//! `ClickPipePostPubSubSource`) and the object-storage and Pub/Sub sources of
//! `clickPipeSchemaDiscovery`. Pure functions over the request body: touches no table.
//!
//! Authority: the official document (newest copy), its `required` lists, enums and bounds.
//! Choices where it is silent or differs from clickhousectl 0.5.0 (I):
//! - clickhousectl offers `--mysql-type cloudsqlmysql` and Pub/Sub auth
//!   `SERVICE_ACCOUNT_WORKLOAD_IDENTITY`; the document's enums lack both, so they answer 400.
//! - `ClickPipeSchemaDiscoverySource` lists only Kafka and Kinesis, while clickhousectl's
//!   `schema-discover object-storage` / `pubsub` send `objectStorage` / `pubsub` under
//!   the create schemas (`ClickPipePostObjectStorageSource`, `ClickPipePostPubSubSource`);
//!   the served contract adds both (`openapi.rs`). An object-storage discovery needs `url`
//!   and `format` (the document has no `required` list; the CLI requires both).
//! - Pub/Sub `seekTimestamp` is needed with, and refused without, `seekType` `timestamp`
//!   (the CLI's rule; the document only says date-time).

use serde_json::{Map, Value};

use crate::validation::{integral, FieldError, Fields, Rule};

/// Every source kind of `ClickPipePostSource`; exactly one is given.
pub const SOURCES: &[&str] = &["kafka", "objectStorage", "kinesis", "pubsub", "postgres", "mysql", "bigquery", "mongodb"];

/// `source` is an object with exactly one kind, itself an object; the kinds detailed here
/// are checked against their schema. Answers the kind.
pub fn pipe_source(v: &Value) -> Result<&'static str, FieldError> {
    let obj = v.as_object().ok_or_else(|| FieldError::new("source", Rule::Type("object")))?;
    let given: Vec<&'static str> = SOURCES.iter().copied().filter(|k| obj.get(*k).is_some_and(|x| !x.is_null())).collect();
    let [kind] = given.as_slice() else {
        return Err(FieldError::says("source", format!("must contain exactly one of {}", SOURCES.join(", "))));
    };
    let spec = obj[*kind].as_object().ok_or_else(|| FieldError::new(format!("source.{kind}"), Rule::Type("object")))?;
    let prefix = format!("source.{kind}.");
    let f = Fields::with_prefix(spec, &prefix);
    match *kind {
        "mysql" => mysql(&f)?,
        "mongodb" => mongodb(&f)?,
        "pubsub" => pubsub(&f, true)?,
        _ => {}
    }
    Ok(kind)
}

/// A required, non-blank string.
fn required_str<'a>(f: &Fields<'a>, name: &str) -> Result<&'a str, FieldError> {
    f.str(name)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| FieldError::required(f.name(name)))
}

/// An optional string from an enum.
fn one_of(f: &Fields, name: &str, values: &'static [&'static str]) -> Result<(), FieldError> {
    match f.str(name)? {
        Some(v) if !values.contains(&v) => Err(FieldError::new(f.name(name), Rule::OneOf(values))),
        _ => Ok(()),
    }
}

/// An optional integer within bounds.
fn int_in(f: &Fields, name: &str, min: i64, max: i64) -> Result<(), FieldError> {
    match f.raw(name) {
        None => Ok(()),
        Some(Value::Number(n)) => match n.as_f64().and_then(integral) {
            Some(i) if (min..=max).contains(&i) => Ok(()),
            _ => Err(FieldError::new(f.name(name), Rule::Range { min, max })),
        },
        Some(_) => Err(FieldError::new(f.name(name), Rule::Type("integer"))),
    }
}

/// Optional booleans.
fn booleans(f: &Fields, names: &[&str]) -> Result<(), FieldError> {
    names.iter().try_for_each(|n| f.bool(n).map(|_| ()))
}

const REPLICATION_MODES: &[&str] = &["cdc", "snapshot", "cdc_only"];
const TABLE_ENGINES: &[&str] = &["MergeTree", "ReplacingMergeTree", "Null"];
const MYSQL_TYPES: &[&str] = &["mysql", "rdsmysql", "auroramysql", "mariadb", "rdsmariadb"];
const MYSQL_AUTH: &[&str] = &["basic", "IAM_ROLE"];
const MYSQL_MECHANISMS: &[&str] = &["GTID", "FILE_POS"];
const READ_PREFERENCES: &[&str] = &["primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"];
const PUBSUB_FORMATS: &[&str] = &["JSONEachRow", "Avro", "Protobuf"];
const PUBSUB_AUTH: &[&str] = &["SERVICE_ACCOUNT"];
const SEEK_TYPES: &[&str] = &["latest", "earliest", "timestamp"];
const STORAGE_TYPES: &[&str] = &["s3", "gcs", "dospaces", "azureblobstorage", "cloudflarer2", "ovhobjectstorage"];
const STORAGE_FORMATS: &[&str] =
    &["JSONEachRow", "JSONAsObject", "CSV", "CSVWithNames", "TabSeparated", "TabSeparatedWithNames", "Parquet", "Avro"];
const COMPRESSIONS: &[&str] = &["none", "gzip", "gz", "brotli", "br", "xz", "LZMA", "zstd", "auto"];
const STORAGE_AUTH: &[&str] = &["IAM_ROLE", "IAM_USER", "CONNECTION_STRING", "SERVICE_ACCOUNT"];

/// A required object under `name`, with its fields' prefix.
fn required_object<'a>(f: &Fields<'a>, name: &str) -> Result<&'a Map<String, Value>, FieldError> {
    f.object(name)?.ok_or_else(|| FieldError::required(f.name(name)))
}

/// Official `ClickPipeMySQLPipeSettings` / `ClickPipeMongoDBPipeSettings`:
/// `replicationMode` required; counts at least 1 (rows per partition at least 1000).
fn cdc_settings(f: &Fields, mysql: bool) -> Result<(), FieldError> {
    f.str("replicationMode")?.ok_or_else(|| FieldError::required(f.name("replicationMode")))?;
    one_of(f, "replicationMode", REPLICATION_MODES)?;
    for name in ["syncIntervalSeconds", "pullBatchSize", "snapshotNumberOfParallelTables"] {
        int_in(f, name, 1, i64::MAX)?;
    }
    int_in(f, "snapshotNumRowsPerPartition", 1000, i64::MAX)?;
    booleans(f, &["deleteOnMerge", "useJsonNativeFormat", "useCompression", "allowNullableColumns"])?;
    if mysql {
        one_of(f, "replicationMechanism", MYSQL_MECHANISMS)?;
        int_in(f, "initialLoadParallelism", 1, i64::MAX)?;
    }
    Ok(())
}

/// Official table mappings: the source and target names required, `tableEngine` an enum.
fn table_mappings(f: &Fields, required: &[&str]) -> Result<(), FieldError> {
    let items = f.array("tableMappings")?.ok_or_else(|| FieldError::required(f.name("tableMappings")))?;
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("{}[{i}].", f.name("tableMappings"));
        let m = item.as_object().ok_or_else(|| FieldError::new(format!("{}[{i}]", f.name("tableMappings")), Rule::Type("object")))?;
        let mf = Fields::with_prefix(m, &prefix);
        for name in required {
            required_str(&mf, name)?;
        }
        one_of(&mf, "tableEngine", TABLE_ENGINES)?;
    }
    Ok(())
}

/// Official `ClickPipeMutateMySQLSource`: `host`, `port` (1..65535), `settings`,
/// `tableMappings` required; `type`, `authentication` enums; `serverId` 1..4294967295.
fn mysql(f: &Fields) -> Result<(), FieldError> {
    required_str(f, "host")?;
    f.raw("port").ok_or_else(|| FieldError::required(f.name("port")))?;
    int_in(f, "port", 1, 65_535)?;
    one_of(f, "type", MYSQL_TYPES)?;
    one_of(f, "authentication", MYSQL_AUTH)?;
    int_in(f, "serverId", 1, 4_294_967_295)?;
    booleans(f, &["disableTls", "skipCertVerification"])?;
    let prefix = f.name("settings.");
    cdc_settings(&Fields::with_prefix(required_object(f, "settings")?, &prefix), true)?;
    table_mappings(f, &["sourceSchemaName", "sourceTable", "targetTable"])
}

/// Official `ClickPipeMutateMongoDBSource`: `uri`, `readPreference` (enum), `settings`,
/// `tableMappings` required.
fn mongodb(f: &Fields) -> Result<(), FieldError> {
    required_str(f, "uri")?;
    f.str("readPreference")?.ok_or_else(|| FieldError::required(f.name("readPreference")))?;
    one_of(f, "readPreference", READ_PREFERENCES)?;
    booleans(f, &["disableTls", "skipCertVerification"])?;
    let prefix = f.name("settings.");
    cdc_settings(&Fields::with_prefix(required_object(f, "settings")?, &prefix), false)?;
    table_mappings(f, &["sourceDatabaseName", "sourceCollection", "targetTable"])
}

/// Official `ClickPipePostPubSubSource`: `format`, `projectId`, `topic`,
/// `authentication`, `seekType` and (`with_key`) `serviceAccountKey` required; `filter` at
/// most 256 characters; `ackDeadline` 10..600; `seekTimestamp` with `seekType` timestamp.
fn pubsub(f: &Fields, with_key: bool) -> Result<(), FieldError> {
    for name in ["format", "projectId", "topic", "authentication", "seekType"] {
        required_str(f, name)?;
    }
    one_of(f, "format", PUBSUB_FORMATS)?;
    one_of(f, "authentication", PUBSUB_AUTH)?;
    one_of(f, "seekType", SEEK_TYPES)?;
    let timestamp = f.str("seekTimestamp")?;
    match (f.str("seekType")?, timestamp) {
        (Some("timestamp"), None) => return Err(FieldError::required(f.name("seekTimestamp"))),
        (Some("timestamp"), Some(t)) if chrono::DateTime::parse_from_rfc3339(t).is_err() => {
            return Err(FieldError::says(f.name("seekTimestamp"), "must be an RFC 3339 date-time"))
        }
        (Some(s), Some(_)) if s != "timestamp" => {
            return Err(FieldError::says(f.name("seekTimestamp"), "is only allowed with seekType timestamp"))
        }
        _ => {}
    }
    if f.str("filter")?.is_some_and(|s| s.chars().count() > 256) {
        return Err(FieldError::says(f.name("filter"), "must be at most 256 characters"));
    }
    int_in(f, "ackDeadline", 10, 600)?;
    booleans(f, &["enableOrdering"])?;
    if with_key {
        let prefix = f.name("serviceAccountKey.");
        required_str(&Fields::with_prefix(required_object(f, "serviceAccountKey")?, &prefix), "serviceAccountFile")?;
    }
    Ok(())
}

/// Official `ClickPipePostObjectStorageSource` for discovery: `url`, `format` (enum)
/// required (module doc); `type`, `compression`, `authentication` enums.
fn object_storage(f: &Fields) -> Result<(), FieldError> {
    required_str(f, "url")?;
    required_str(f, "format")?;
    one_of(f, "format", STORAGE_FORMATS)?;
    one_of(f, "type", STORAGE_TYPES)?;
    one_of(f, "compression", COMPRESSIONS)?;
    one_of(f, "authentication", STORAGE_AUTH)?;
    booleans(f, &["isContinuous", "skipInitialLoad"])
}

/// Schema discovery of an object-storage or Pub/Sub source (`kind`); answers the format
/// and what was sampled. Pub/Sub discovery needs a `serviceAccountKey` as a create does.
pub fn discovery_source(kind: &str, spec: &Map<String, Value>) -> Result<(String, String), FieldError> {
    let prefix = format!("source.{kind}.");
    let f = Fields::with_prefix(spec, &prefix);
    if kind == "pubsub" {
        pubsub(&f, true)?;
        Ok((f.str("format")?.unwrap_or_default().to_owned(), f.str("topic")?.unwrap_or_default().to_owned()))
    } else {
        object_storage(&f)?;
        Ok((f.str("format")?.unwrap_or_default().to_owned(), f.str("url")?.unwrap_or_default().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_detailed_kinds_follow_their_schema() {
        let mysql = json!({"mysql": {"host": "db", "port": 3306, "settings": {"replicationMode": "cdc"},
                                     "tableMappings": [{"sourceSchemaName": "app", "sourceTable": "t", "targetTable": "t"}]}});
        assert_eq!(pipe_source(&mysql), Ok("mysql"));
        let bad = json!({"mysql": {"host": "db", "port": 70000, "settings": {"replicationMode": "cdc"}, "tableMappings": []}});
        assert_eq!(pipe_source(&bad).unwrap_err().field, "source.mysql.port");
        let bad = json!({"mongodb": {"uri": "mongodb://x", "readPreference": "primary", "settings": {"replicationMode": "cdc"},
                                     "tableMappings": [{"sourceDatabaseName": "d", "targetTable": "t"}]}});
        assert_eq!(pipe_source(&bad).unwrap_err().field, "source.mongodb.tableMappings[0].sourceCollection");
        let bad = json!({"pubsub": {"format": "JSONEachRow", "projectId": "p", "topic": "t", "authentication": "SERVICE_ACCOUNT",
                                    "seekType": "timestamp", "serviceAccountKey": {"serviceAccountFile": "e30="}}});
        assert_eq!(pipe_source(&bad).unwrap_err().field, "source.pubsub.seekTimestamp");
        assert_eq!(pipe_source(&json!({"kafka": {}})), Ok("kafka"));
        assert!(pipe_source(&json!({"kafka": {}, "mysql": {}})).is_err());
    }
}
