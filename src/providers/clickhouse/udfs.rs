//! User-defined functions (`ORG/udfs...`, `ORG/udfUploads/url`): `udfUploadSessionCreate`,
//! `udfCreate`, `udfList`, `udfGet`, `udfDelete`, `udfVersionCreate`, `udfVersionList`,
//! `udfVersionDelete`, `udfAttachmentList`, `udfAttachmentGet`, `udfAttach` (PUT),
//! `udfDetach`.
//!
//! Owns the `udfs` (keyed `(organization, functionName)`, with every version),
//! `udf_uploads` and `udf_attachments` (keyed `(organization, "<function>/<service>")`)
//! tables. An upload session is good for one create or version (a used or unknown
//! `uploadId` → 400). A new version is `building` and `ready` after knob
//! `durations.udfBuild` (`Event::UdfBuildFinish`); versions count up and are never reused.
//! Attaching needs a running service (else 424 with the official `code`, `serviceState`,
//! `canWake` body) and a ready version (the latest ready one when `version` is omitted;
//! none → 409); the attachment is `provisioning`, `deployed` after `durations.udfAttach`.
//! Detaching goes `deprovisioning` and disappears after the same time. A version that is
//! attached cannot be deleted (409); deleting the UDF detaches it everywhere. Creates
//! answer 201, as the official document declares. Lists page with `limit` (1..100, default
//! 100) and an opaque `cursor` (official `Pagination`, beside `result`: see [`page`]).
//! The upload URL is `{base}/_sim/clickhouse/udfUploads/{uploadId}`, `base` being knob
//! `udfUploadBaseUrl` or, when it is empty, `http://{Host}` of the request.
//! Authority: the official document (`Udf*` schemas and operations).

use serde_json::{json, Value};

use super::model::{Event, Permit, StateOp, Udf, UdfAttachment, UdfUpload, UdfVersion};
use super::routes::Op;
use super::validate::org as rules;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::providers::{Cx, Transition};
use crate::validation::{FieldError, Fields, Rule};

/// Upload URLs are good for an hour (I).
const UPLOAD_TTL_SECS: u64 = 3600;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::CreateUdfUploadSession => {
            let cx = call.cx;
            // Expired sessions go now; the live ones are capped, so that asking for URLs
            // in a loop does not grow the state without end.
            let mut live = 0;
            for u in ch.udf_uploads.list(&call.org.id) {
                if cx.now >= u.created_at.plus_secs(UPLOAD_TTL_SECS) {
                    ch.udf_uploads.remove(&call.org.id, &u.id);
                } else {
                    live += 1;
                }
            }
            super::validate::udf_upload_quota(live)?;
            let up = UdfUpload { id: cx.ids.uuid(), org_id: call.org.id.clone(), created_at: cx.now, used: false };
            ch.udf_uploads.insert(&call.org.id, &up.id, up.clone());
            // The presigned URL points back at the simulator (the control hook
            // `PUT /_sim/clickhouse/udfUploads/{uploadId}` takes the archive), so a client
            // that uploads before it creates (`clickhousectl udf create`) reaches it; knob
            // `udfUploadBaseUrl` names a TLS-terminating proxy for clients that insist on
            // HTTPS.
            let base = match call.settings.udf_upload_base_url.as_str() {
                "" => {
                    let host = call.req.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok());
                    format!("http://{}", host.unwrap_or("127.0.0.1"))
                }
                base => base.to_owned(),
            };
            Ok(Out::Created(json!({
                "uploadId": up.id,
                "uploadUrl": format!("{base}/_sim/clickhouse/udfUploads/{}", up.id),
                "expiresAt": cx.iso(up.created_at.plus_secs(UPLOAD_TTL_SECS)),
            })))
        }
        Op::CreateUdf => create(ch, call, None),
        Op::CreateUdfVersion { function } => create(ch, call, Some(function)),
        Op::ListUdfs => {
            let mut all = ch.udfs.list(&call.org.id);
            all.sort_by(|a, b| a.function_name.cmp(&b.function_name));
            let items: Vec<Value> =
                all.iter().filter_map(|u| u.versions.last().map(|v| version_view(&u.function_name, v, call.cx))).collect();
            page(call, items)
        }
        Op::GetUdf { function } => {
            let u = find(ch, call, function)?;
            let latest = u.versions.last().ok_or_else(|| not_found(function))?;
            Ok(Out::Result(version_view(&u.function_name, latest, call.cx)))
        }
        Op::ListUdfVersions { function } => {
            let u = find(ch, call, function)?;
            page(call, u.versions.iter().map(|v| version_view(&u.function_name, v, call.cx)).collect())
        }
        Op::DeleteUdfVersion { function, version } => delete_version(ch, call, function, version),
        Op::DeleteUdf { function } => delete_udf(ch, call, function),
        Op::ListUdfAttachments { function } => {
            find(ch, call, function)?;
            let mut list = ch.udf_attachments.list_where(&call.org.id, |a| a.function_name == *function);
            list.sort_by(|a, b| a.service_id.cmp(&b.service_id));
            page(call, list.iter().map(attachment_view).collect())
        }
        Op::GetUdfAttachment { function, service } => {
            find(ch, call, function)?;
            ch.service(&call.org.id, service)?;
            let a = ch
                .udf_attachments
                .get(&call.org.id, &UdfAttachment::key(function, service))
                .ok_or_else(|| ChError::NotFound(format!("UDF {function} is not attached to service {service}")))?;
            Ok(Out::Result(attachment_view(&a)))
        }
        Op::AttachUdf { function, service } => attach(ch, call, function, service),
        Op::DetachUdf { function, service } => detach(ch, call, function, service),
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn not_found(function: &str) -> ChError {
    ChError::NotFound(format!("UDF {function} not found"))
}

fn find(ch: &ClickHouse, call: &Call, function: &str) -> Result<Udf, ChError> {
    rules::udf_name("functionName", function).map_err(|e| ChError::BadRequest(e.to_string()))?;
    ch.udfs.get(&call.org.id, function).filter(|u| !u.versions.is_empty()).ok_or_else(|| not_found(function))
}

/// Official `Udf`: every field present (nulls included), nothing else.
pub fn version_view(function: &str, v: &UdfVersion, cx: &Cx) -> Value {
    json!({
        "functionName": function,
        "version": v.version,
        "status": v.status,
        "runtime": v.runtime,
        "type": v.kind,
        "arguments": v.arguments,
        "returnType": v.return_type,
        "returnName": v.return_name,
        "poolSize": v.pool_size,
        "commandReadTimeout": v.command_read_timeout,
        "commandWriteTimeout": v.command_write_timeout,
        "maxCommandExecutionTime": v.max_command_execution_time,
        "sendChunkHeader": v.send_chunk_header,
        "format": v.format,
        "sandboxType": v.sandbox_type,
        "sandboxVersion": v.sandbox_version,
        "error": Value::Null,
        "createdAt": cx.iso(v.created_at),
        "updatedAt": cx.iso(v.updated_at),
    })
}

/// Official `UdfAttachment`.
fn attachment_view(a: &UdfAttachment) -> Value {
    json!({"functionName": a.function_name, "serviceId": a.service_id, "status": a.status, "version": a.version})
}

/// One page of `items` (`limit` 1..100, default 100; `cursor` the offset it returned).
/// The page is `result` itself and `pagination` sits beside it in the envelope, as the
/// live API answers (`clickhousectl` 0.5.0 decodes `result` as an array); the official
/// document wraps both in `result` (`UdfListResponse`), and the served schema follows
/// the live shape.
fn page(call: &Call, items: Vec<Value>) -> Res {
    let mut limit = 100usize;
    let mut offset = 0usize;
    let mut cursor = None;
    for (k, v) in call.req.query_pairs() {
        match k.as_ref() {
            "limit" => limit = rules::page_limit(&v)?,
            "cursor" => {
                offset = rules::page_cursor(&v)?;
                cursor = Some(v);
            }
            _ => {}
        }
    }
    let total = items.len();
    let end = offset.saturating_add(limit).min(total);
    let next = (end < total).then(|| end.to_string());
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let pagination = json!({"totalRecords": total, "currentCursor": cursor, "nextCursor": next, "limit": limit});
    Ok(Out::Paged(Value::Array(page), pagination))
}

/// The configuration of a create or version body (official `UdfCreateRequest` /
/// `UdfVersionCreateRequest`: `executable` or `executable_pool`, defaults as documented).
fn version_spec(f: &Fields, version: u32, cx: &Cx) -> Result<UdfVersion, FieldError> {
    let runtime = f.str("runtime")?.ok_or_else(|| FieldError::required("runtime"))?;
    let runtime = rules::one_of("runtime", runtime, &["python3.11", "native"])?;
    let kind = f.str("type")?.ok_or_else(|| FieldError::required("type"))?;
    let kind = rules::one_of("type", kind, &["executable", "executable_pool"])?;
    let pool = kind == "executable_pool";
    let items = f.array("arguments")?.ok_or_else(|| FieldError::required("arguments"))?;
    let mut arguments = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("arguments[{i}]");
        let obj = item.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
        let prefix = format!("{field}.");
        let af = Fields::with_prefix(obj, &prefix);
        let name = af.str("name")?.ok_or_else(|| FieldError::required(af.name("name")))?;
        rules::udf_name(&af.name("name"), name)?;
        let ty = af.str("type")?.ok_or_else(|| FieldError::required(af.name("type")))?;
        rules::non_blank(&af.name("type"), ty)?;
        arguments.push(json!({"name": name, "type": ty}));
    }
    let return_type = f.str("returnType")?.ok_or_else(|| FieldError::required("returnType"))?;
    rules::non_blank("returnType", return_type)?;
    let return_name = f.str("returnName")?.map(|n| rules::udf_name("returnName", n).map(|_| n.to_owned())).transpose()?;
    let positive = |name: &str, default: u64| -> Result<u64, FieldError> {
        f.number(name)?.map(|n| rules::positive(name, n)).transpose().map(|v| v.unwrap_or(default))
    };
    let command_read_timeout = positive("commandReadTimeout", 10_000)?;
    let command_write_timeout = positive("commandWriteTimeout", 10_000)?;
    let pool_size = match (pool, f.number("poolSize")?) {
        (true, n) => Some(n.map(|n| rules::positive("poolSize", n)).transpose()?.unwrap_or(3) as u32),
        (false, None) => None,
        (false, Some(_)) => return Err(FieldError::says("poolSize", "is only for executable_pool UDFs")),
    };
    let max_command_execution_time = match f.raw("maxCommandExecutionTime") {
        Some(Value::Null) if !pool => None,
        _ => Some(positive("maxCommandExecutionTime", 10)?),
    };
    let send_chunk_header = f.bool("sendChunkHeader")?.unwrap_or(false);
    let format = f.str("format")?.unwrap_or("TabSeparated").to_owned();
    rules::non_blank("format", &format)?;
    let sandbox_type = rules::one_of("sandboxType", f.str("sandboxType")?.unwrap_or("basic"), &["basic", "netenable"])?;
    let sandbox_version =
        rules::one_of("sandboxVersion", f.str("sandboxVersion")?.unwrap_or("v2"), &["v1", "v2", "v3"])?;
    Ok(UdfVersion {
        version,
        status: "building".into(),
        runtime,
        kind,
        arguments,
        return_type: return_type.to_owned(),
        return_name,
        pool_size,
        command_read_timeout,
        command_write_timeout,
        max_command_execution_time,
        send_chunk_header,
        format,
        sandbox_type,
        sandbox_version,
        created_at: cx.now,
        updated_at: cx.now,
    })
}

const CREATE_FIELDS: &[&str] = &[
    "uploadId",
    "runtime",
    "arguments",
    "returnType",
    "returnName",
    "commandReadTimeout",
    "commandWriteTimeout",
    "sendChunkHeader",
    "format",
    "sandboxType",
    "sandboxVersion",
    "type",
    "poolSize",
    "maxCommandExecutionTime",
    "functionName",
];

/// `udfCreate` (`function` None: the body names it; a taken name → 409) or
/// `udfVersionCreate` (the next version of an existing UDF). Consumes the upload.
fn create(ch: &ClickHouse, call: &Call, function: Option<&str>) -> Res {
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let known = if function.is_some() { &CREATE_FIELDS[..CREATE_FIELDS.len() - 1] } else { CREATE_FIELDS };
    super::validate::unknown_fields(&f, known, call.settings.strict_unknown_fields)?;
    let existing = match function {
        Some(name) => Some(find(ch, call, name)?),
        None => None,
    };
    let name = match function {
        Some(name) => name.to_owned(),
        None => {
            let name = f.str("functionName")?.ok_or_else(|| FieldError::required("functionName"))?;
            rules::udf_name("functionName", name)?;
            name.to_owned()
        }
    };
    let upload = f.str("uploadId")?.ok_or_else(|| FieldError::required("uploadId"))?;
    let cx = call.cx;
    let usable = ch
        .udf_uploads
        .get(&call.org.id, upload)
        .is_some_and(|u| !u.used && cx.now < u.created_at.plus_secs(UPLOAD_TTL_SECS));
    if !usable {
        return Err(FieldError::message("uploadId", format!("Upload '{upload}' not found, expired or already used")).into());
    }
    if let Some(u) = &existing {
        super::validate::udf_version_quota(u.versions.len(), call.settings.max_udf_versions)?;
    }
    let next = existing.as_ref().map_or(1, |u| u.next_version);
    let spec = version_spec(&f, next, cx)?;
    if existing.is_none() && ch.udfs.get(&call.org.id, &name).is_some_and(|u| !u.versions.is_empty()) {
        return Err(ChError::Conflict(format!("UDF {name} already exists")));
    }
    ch.udf_uploads.update(&call.org.id, upload, |u| u.used = true);
    let mut udf = existing.unwrap_or(Udf {
        org_id: call.org.id.clone(),
        function_name: name.clone(),
        versions: Vec::new(),
        next_version: 1,
    });
    udf.next_version = next + 1;
    udf.versions.push(spec.clone());
    ch.udfs.insert(&call.org.id, &name, udf);
    cx.schedule_in(
        call.settings.durations.udf_build,
        Event::UdfBuildFinish { org: call.org.id.clone(), function: name.clone(), version: next },
    );
    Ok(Out::Created(version_view(&name, &spec, cx)))
}

fn delete_version(ch: &ClickHouse, call: &Call, function: &str, version: &str) -> Res {
    let u = find(ch, call, function)?;
    let n = rules::udf_version(version)?;
    if !u.versions.iter().any(|v| v.version == n) {
        return Err(ChError::NotFound(format!("UDF {function} has no version {n}")));
    }
    let attached = ch.udf_attachments.count_where(|k, a| k.0 == call.org.id && a.function_name == function);
    if attached > 0 {
        return Err(ChError::Conflict(format!("UDF {function} is attached to {attached} service(s); detach it first")));
    }
    let left = ch.udfs.update(&call.org.id, function, |u| {
        u.versions.retain(|v| v.version != n);
        u.versions.len()
    });
    if left == Some(0) {
        // Its last version gone, the UDF is gone.
        ch.udfs.remove(&call.org.id, function);
    }
    Ok(Out::Empty)
}

/// Deletes every version and detaches the UDF from every service (asynchronously).
fn delete_udf(ch: &ClickHouse, call: &Call, function: &str) -> Res {
    find(ch, call, function)?;
    ch.udfs.remove(&call.org.id, function);
    for a in ch.udf_attachments.list_where(&call.org.id, |a| a.function_name == function) {
        start_detach(ch, call, &a);
    }
    Ok(Out::Empty)
}

/// The 424 of an attach to a service that is not running (official `udfAttach` 424).
fn not_running(state: super::model::ServiceState) -> ChError {
    ChError::ServiceNotRunning { state }
}

fn attach(ch: &ClickHouse, call: &Call, function: &str, service: &str) -> Res {
    let u = find(ch, call, function)?;
    let s = ch.service(&call.org.id, service)?;
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    super::validate::unknown_fields(&f, &["version"], call.settings.strict_unknown_fields)?;
    let wanted = f.number("version")?.map(|n| rules::positive("version", n).map(|v| v as u32)).transpose()?;
    if s.state.permits(StateOp::ClickPipeWrite, false) != Permit::Yes {
        return Err(not_running(s.state));
    }
    let ready = |v: &&UdfVersion| v.status == "ready";
    let version = match wanted {
        Some(n) => {
            let v = u.versions.iter().find(|v| v.version == n).ok_or_else(|| {
                ChError::NotFound(format!("UDF {function} has no version {n}"))
            })?;
            if v.status != "ready" {
                return Err(ChError::Conflict(format!("UDF {function} version {n} is not ready (status: {})", v.status)));
            }
            n
        }
        None => u
            .versions
            .iter()
            .rev()
            .find(ready)
            .map(|v| v.version)
            .ok_or_else(|| ChError::Conflict(format!("UDF {function} has no ready version")))?,
    };
    let key = UdfAttachment::key(function, service);
    let generation = ch.udf_attachments.get(&call.org.id, &key).map_or(0, |a| a.generation + 1);
    let a = UdfAttachment {
        org_id: call.org.id.clone(),
        function_name: function.to_owned(),
        service_id: service.to_owned(),
        version,
        status: "provisioning".into(),
        generation,
    };
    ch.udf_attachments.insert(&call.org.id, &key, a.clone());
    schedule_attachment(call, &a);
    Ok(Out::Result(attachment_view(&a)))
}

fn schedule_attachment(call: &Call, a: &UdfAttachment) {
    call.cx.schedule_in(
        call.settings.durations.udf_attach,
        Event::UdfAttachmentSettle {
            org: a.org_id.clone(),
            function: a.function_name.clone(),
            service: a.service_id.clone(),
            generation: a.generation,
        },
    );
}

fn start_detach(ch: &ClickHouse, call: &Call, a: &UdfAttachment) {
    let key = UdfAttachment::key(&a.function_name, &a.service_id);
    let moved = ch.udf_attachments.update(&call.org.id, &key, |a| {
        a.status = "deprovisioning".into();
        a.generation += 1;
        a.clone()
    });
    if let Some(a) = moved {
        schedule_attachment(call, &a);
    }
}

fn detach(ch: &ClickHouse, call: &Call, function: &str, service: &str) -> Res {
    find(ch, call, function)?;
    ch.service(&call.org.id, service)?;
    let a = ch
        .udf_attachments
        .get(&call.org.id, &UdfAttachment::key(function, service))
        .ok_or_else(|| ChError::NotFound(format!("UDF {function} is not attached to service {service}")))?;
    if a.status != "deprovisioning" {
        start_detach(ch, call, &a);
    }
    Ok(Out::Empty)
}

/// `PUT /_sim/clickhouse/udfUploads/{uploadId}`: the archive of an upload session (any
/// body; nothing is built from it). Unknown or expired → 404.
pub fn receive_upload(ch: &ClickHouse, id: &str, cx: &Cx) -> bool {
    ch.udf_uploads
        .all()
        .into_iter()
        .any(|(_, u)| u.id == id && !u.used && cx.now < u.created_at.plus_secs(UPLOAD_TTL_SECS))
}

/// Drops what hangs off a removed service: its attachments.
pub fn forget_service(ch: &ClickHouse, org: &str, service: &str) {
    ch.udf_attachments.retain(|k, a| !(k.0 == org && a.service_id == service));
}

/// Builds end, attachments settle.
pub fn apply(ch: &ClickHouse, event: Event, cx: &Cx) -> Vec<Transition> {
    match event {
        Event::UdfBuildFinish { org, function, version } => {
            let done = ch
                .udfs
                .update(&org, &function, |u| {
                    let v = u.versions.iter_mut().find(|v| v.version == version && v.status == "building")?;
                    v.status = "ready".into();
                    v.updated_at = cx.now;
                    Some(())
                })
                .flatten();
            match done {
                Some(()) => {
                    vec![Transition::new(super::NAME, "udf", format!("{function}@{version}"), "building", "ready", cx)]
                }
                None => Vec::new(),
            }
        }
        Event::UdfAttachmentSettle { org, function, service, generation } => {
            let key = UdfAttachment::key(&function, &service);
            let Some(a) = ch.udf_attachments.get(&org, &key).filter(|a| a.generation == generation) else {
                return Vec::new();
            };
            match a.status.as_str() {
                "provisioning" => {
                    ch.udf_attachments.update(&org, &key, |a| a.status = "deployed".into());
                    vec![Transition::new(super::NAME, "udfAttachment", &key, "provisioning", "deployed", cx)]
                }
                "deprovisioning" => {
                    ch.udf_attachments.remove(&org, &key);
                    vec![Transition::new(super::NAME, "udfAttachment", &key, "deprovisioning", "removed", cx)]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}
