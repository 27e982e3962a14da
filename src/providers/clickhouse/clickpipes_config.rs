//! ClickPipe configuration beside the pipes themselves: a pipe's advanced settings
//! (`clickPipeSettingsGet`, `clickPipeSettingsUpdate` (PUT)), the service-wide scaling of
//! database ClickPipes (`clickPipeCdcScalingGet`, `clickPipeCdcScalingUpdate`) and schema
//! discovery of a streaming source (`clickPipeSchemaDiscovery`).
//!
//! Owns the `clickpipe_settings` table (keyed `(organization, pipe id)`: the settings set,
//! each within the official bounds; a PUT replaces them, `null` drops one) and the
//! `cdc_scaling` table (keyed `(organization, service id)`). CDC scaling "becomes
//! available once at least one database ClickPipe was provisioned": before a database pipe
//! (Postgres, MySQL, MongoDB, BigQuery source) exists, GET answers 404; a PATCH sets it and
//! from then on GET answers it (defaults 2000 millicores / 8 GiB, official: "2 CPU cores
//! and 8 GB of RAM correspond to one compute unit"). Memory is 4 GiB per core. Schema
//! discovery answers a fixed, deterministic schema for a valid Kafka, Kinesis, object
//! storage or Pub/Sub source (I: there is no broker or bucket to read; the last two are
//! checked by `clickpipe_sources.rs`, which says why they are accepted).
//! Authority: the official document (`ClickPipeSettings*`, `ClickPipesCdcScaling*`,
//! `ClickPipeSchemaDiscovery*`).
//!
//! `kafka_read_committed` (boolean) is not in the official document; clickhousectl 0.5.0
//! decodes and sends it (its `ClickPipeSettings` has 13 fields) and refuses `settings
//! update` without `--kafka-read-committed` when the settings answer omits it, so the live
//! API answers it. Choices (I): it belongs to Kafka pipes only (the CLI: "Kafka only"), so
//! a Kafka pipe's answer always carries it, `false` until set (Kafka's consumers read
//! uncommitted unless asked), and a PUT naming it on another pipe answers 400 naming it.

use serde_json::{json, Map, Value};

use super::model::{CdcScaling, ClickPipeSettings};
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields, Rule};

/// Official `ClickPipeSettingsPutRequest`: name, integer bounds (`None`: a boolean).
pub const PIPE_SETTINGS: &[(&str, Option<(i64, i64)>)] = &[
    ("streaming_max_insert_wait_ms", Some((500, 60_000))),
    ("object_storage_concurrency", Some((1, 35))),
    ("object_storage_polling_interval_ms", Some((100, 3_600_000))),
    ("object_storage_max_insert_bytes", Some((10_485_760, 53_687_091_200))),
    ("object_storage_max_file_count", Some((1, 10_000))),
    ("clickhouse_max_threads", Some((0, 64))),
    ("clickhouse_max_insert_threads", Some((0, 16))),
    ("clickhouse_min_insert_block_size_bytes", Some((0, 10_737_418_240))),
    ("clickhouse_max_download_threads", Some((0, 32))),
    ("clickhouse_parallel_distributed_insert_select", Some((0, 2))),
    ("object_storage_use_cluster_function", None),
    ("clickhouse_parallel_view_processing", None),
    (KAFKA_READ_COMMITTED, None),
];

/// The Kafka-only setting the live API answers beside the official ones (module doc).
pub const KAFKA_READ_COMMITTED: &str = "kafka_read_committed";

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetClickPipeSettings { service, pipe } => {
            let kafka = find_pipe(ch, call, service, pipe)?;
            let settings = ch.clickpipe_settings.get(&call.org.id, pipe).map(|s| s.settings).unwrap_or_default();
            Ok(Out::Result(settings_view(settings, kafka)))
        }
        Op::UpdateClickPipeSettings { service, pipe } => update_settings(ch, call, service, pipe),
        Op::GetCdcScaling { service } => {
            ch.service(&call.org.id, service)?;
            let scaling = ch.cdc_scaling.get(&call.org.id, service).or_else(|| default_cdc(ch, call, service));
            let scaling = scaling.ok_or_else(|| {
                ChError::NotFound("CDC scaling is available once a database ClickPipe was provisioned".into())
            })?;
            Ok(Out::Result(cdc_view(&scaling)))
        }
        Op::UpdateCdcScaling { service } => update_cdc(ch, call, service),
        Op::DiscoverClickPipeSchema { service } => discover(ch, call, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

/// The pipe of that service; answers whether its source is Kafka.
fn find_pipe(ch: &ClickHouse, call: &Call, service: &str, pipe: &str) -> Result<bool, ChError> {
    ch.service(&call.org.id, service)?;
    ch.clickpipes
        .get(&call.org.id, pipe)
        .filter(|p| p.service_id == service)
        .map(|p| p.source.get("kafka").is_some_and(|k| !k.is_null()))
        .ok_or_else(|| ChError::not_found("ClickPipe", pipe))
}

/// The settings answer: those set, and on a Kafka pipe `kafka_read_committed` always.
fn settings_view(mut settings: Map<String, Value>, kafka: bool) -> Value {
    if kafka {
        settings.entry(KAFKA_READ_COMMITTED).or_insert(Value::Bool(false));
    }
    Value::Object(settings)
}

/// `kafka_read_committed` is a setting of Kafka pipes only (module doc).
fn kafka_only(name: &str, value: &Value, kafka: bool) -> Result<(), FieldError> {
    if name == KAFKA_READ_COMMITTED && !kafka && !value.is_null() {
        return Err(FieldError::message(name, format!("{name} applies to Kafka ClickPipes only")));
    }
    Ok(())
}

/// One setting's value within its bounds; `null` drops it.
fn pipe_setting(name: &str, bounds: Option<(i64, i64)>, v: &Value) -> Result<Option<Value>, FieldError> {
    match (bounds, v) {
        (_, Value::Null) => Ok(None),
        (None, Value::Bool(_)) => Ok(Some(v.clone())),
        (None, _) => Err(FieldError::new(name, Rule::Type("boolean"))),
        (Some((min, max)), Value::Number(n)) => match n.as_f64().and_then(crate::validation::integral) {
            Some(i) if (min..=max).contains(&i) => Ok(Some(json!(i))),
            _ => Err(FieldError::new(name, Rule::Range { min, max })),
        },
        (Some(_), _) => Err(FieldError::new(name, Rule::Type("integer"))),
    }
}

/// PUT: the given settings replace the stored ones (unknown names → 400).
fn update_settings(ch: &ClickHouse, call: &Call, service: &str, pipe: &str) -> Res {
    let kafka = find_pipe(ch, call, service, pipe)?;
    let body = json_object(call.req)?;
    let mut settings = Map::new();
    for (name, value) in &body {
        let bounds = PIPE_SETTINGS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
            .ok_or_else(|| FieldError::message(name.clone(), format!("Unknown setting '{name}'")))?;
        kafka_only(name, value, kafka)?;
        if let Some(v) = pipe_setting(name, bounds, value)? {
            settings.insert(name.clone(), v);
        }
    }
    let stored = ClickPipeSettings { org_id: call.org.id.clone(), pipe_id: pipe.to_owned(), settings };
    ch.clickpipe_settings.insert(&call.org.id, pipe, stored.clone());
    Ok(Out::Result(settings_view(stored.settings, kafka)))
}

/// Sources of database ClickPipes (official `ClickPipeCdcScaling*` descriptions).
const DATABASE_SOURCES: &[&str] = &["postgres", "mysql", "mongodb", "bigquery"];

/// The default scaling of a service that has a database ClickPipe.
fn default_cdc(ch: &ClickHouse, call: &Call, service: &str) -> Option<CdcScaling> {
    let has_database_pipe = !ch
        .clickpipes
        .list_where(&call.org.id, |p| {
            p.service_id == service && DATABASE_SOURCES.iter().any(|k| p.source.get(*k).is_some_and(|s| !s.is_null()))
        })
        .is_empty();
    has_database_pipe.then(|| CdcScaling {
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        replica_cpu_millicores: 2000,
        replica_memory_gb: 8,
    })
}

/// Official `ClickPipesCdcScaling`.
fn cdc_view(c: &CdcScaling) -> Value {
    json!({"replicaCpuMillicores": c.replica_cpu_millicores, "replicaMemoryGb": c.replica_memory_gb})
}

/// PATCH: `replicaCpuMillicores` (1000..32000 in steps of 1000) and/or `replicaMemoryGb`
/// (4..128 in steps of 4), memory 4 GiB per core (official). A lone CPU change moves the
/// memory along; a lone memory change must match the kept CPU.
fn update_cdc(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["replicaCpuMillicores", "replicaMemoryGb"], call.settings.strict_unknown_fields)?;
    let cpu = f.number("replicaCpuMillicores")?.map(rules::cdc_cpu).transpose()?;
    let memory = f.number("replicaMemoryGb")?.map(rules::cdc_memory).transpose()?;
    let current = ch.cdc_scaling.get(&call.org.id, service).or_else(|| default_cdc(ch, call, service)).unwrap_or(
        CdcScaling {
            org_id: call.org.id.clone(),
            service_id: service.to_owned(),
            replica_cpu_millicores: 2000,
            replica_memory_gb: 8,
        },
    );
    let (cpu, memory) = match (cpu, memory) {
        (Some(c), Some(m)) => (c, m),
        (Some(c), None) => (c, c / 1000 * 4),
        (None, Some(m)) => (current.replica_cpu_millicores, m),
        (None, None) => (current.replica_cpu_millicores, current.replica_memory_gb),
    };
    rules::cdc_ratio(cpu, memory)?;
    let next = CdcScaling { replica_cpu_millicores: cpu, replica_memory_gb: memory, ..current };
    ch.cdc_scaling.insert(&call.org.id, service, next.clone());
    Ok(Out::Result(cdc_view(&next)))
}

/// Source kinds schema discovery supports (module doc).
const DISCOVERY_SOURCES: &[&str] = &["kafka", "kinesis", "objectStorage", "pubsub"];

/// `clickPipeSchemaDiscovery`: `{source: {kafka | kinesis | objectStorage | pubsub}}`,
/// exactly one, with the fields a pipe of that source needs; answers `{fields, meta}`.
fn discover(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    v::unknown_fields(&f, &["source"], call.settings.strict_unknown_fields)?;
    let source = f.object("source")?.ok_or_else(|| FieldError::required("source"))?;
    let given: Vec<(&String, &Value)> = source.iter().filter(|(_, v)| !v.is_null()).collect();
    let one_of = DISCOVERY_SOURCES.join(", ");
    let (kind, spec) = match given.as_slice() {
        [(k, v)] if DISCOVERY_SOURCES.contains(&k.as_str()) => (k.as_str(), *v),
        [] => return Err(FieldError::message("source", format!("source must have one of {one_of}")).into()),
        [(k, _)] => {
            return Err(FieldError::message(format!("source.{k}"), format!("Schema discovery supports {one_of} sources"))
                .into())
        }
        _ => return Err(FieldError::message("source", format!("source must have exactly one of {one_of}")).into()),
    };
    let spec = spec.as_object().ok_or_else(|| FieldError::new(format!("source.{kind}"), Rule::Type("object")))?;
    if kind == "objectStorage" || kind == "pubsub" {
        let (format, sampled) = super::clickpipe_sources::discovery_source(kind, spec)?;
        return Ok(Out::Result(discovered(kind, &format, &sampled)));
    }
    let prefix = format!("source.{kind}.");
    let sf = Fields::with_prefix(spec, &prefix);
    let required: &[&str] = if kind == "kafka" { &["brokers", "topics", "format"] } else { &["streamName", "region", "format"] };
    for name in required {
        sf.str(name)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| FieldError::required(sf.name(name)))?;
    }
    let format = sf.str("format")?.unwrap_or("JSONEachRow");
    let formats: &'static [&'static str] =
        if kind == "kafka" { &["JSONEachRow", "Avro", "AvroConfluent", "Protobuf"] } else { &["JSONEachRow", "Avro", "AvroConfluent"] };
    if !formats.contains(&format) {
        return Err(FieldError::new(sf.name("format"), Rule::OneOf(formats)).into());
    }
    let topic = sf.str(if kind == "kafka" { "topics" } else { "streamName" })?.unwrap_or_default();
    Ok(Out::Result(discovered(kind, format, topic)))
}

/// The fixed, deterministic schema every discovery answers (module doc).
fn discovered(kind: &str, format: &str, sampled: &str) -> Value {
    json!({
        "fields": [
            {"name": "id", "type": "Int64", "optional": false},
            {"name": "timestamp", "type": "DateTime64(3)", "optional": false},
            {"name": "payload", "type": "String", "optional": true},
        ],
        "meta": {"source": kind, "format": format, "sampled": sampled},
    })
}
