//! A service's external backup bucket (`SVC/backupBucket`: `backupBucketGet`,
//! `backupBucketCreate`, `backupBucketUpdate`, `backupBucketDelete`).
//!
//! Owns the `backup_buckets` table, keyed `(organization, service id)`: at most one bucket
//! per service (a second create → 409). The provider is `AWS` (`bucketPath`, `iamRoleArn`,
//! optional `iamRoleSessionName`), `GCP` (`bucketPath`, `accessKeyId`, `secretAccessKey`)
//! or `AZURE` (`containerName`, `connectionString`) (official `BackupBucket*` schemas).
//! Secrets are write-only and kept hashed; an update needs the provider's secret again
//! ("The secrets of the specified bucket provider are always required"). Writes need the
//! admin role (official: "Requires ADMIN auth key role", the role check). GET and DELETE
//! answer 404 when no bucket is configured.

use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::model::BackupBucket;
use super::routes::Op;
use super::validate::{self as v, org as rules};
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::http::json_object;
use crate::validation::{FieldError, Fields, Rule};

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetBackupBucket { service } => {
            ch.service(&call.org.id, service)?;
            let b = ch.backup_buckets.get(&call.org.id, service).ok_or_else(not_configured)?;
            Ok(Out::Result(view(&b)))
        }
        Op::CreateBackupBucket { service } => write(ch, call, service, true),
        Op::UpdateBackupBucket { service } => write(ch, call, service, false),
        Op::DeleteBackupBucket { service } => {
            ch.service(&call.org.id, service)?;
            ch.backup_buckets.remove(&call.org.id, service).ok_or_else(not_configured)?;
            Ok(Out::Empty)
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn not_configured() -> ChError {
    ChError::NotFound("Backup bucket not found".into())
}

/// Official `AwsBackupBucket` / `GcpBackupBucket` / `AzureBackupBucket`: never a secret.
pub fn view(b: &BackupBucket) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(b.id));
    m.insert("bucketProvider".into(), json!(b.bucket_provider));
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), json!(v));
        }
    };
    put("bucketPath", &b.bucket_path);
    put("iamRoleArn", &b.iam_role_arn);
    put("iamRoleSessionName", &b.iam_role_session_name);
    put("accessKeyId", &b.access_key_id);
    put("containerName", &b.container_name);
    Value::Object(m)
}

fn hash(secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(secret.as_bytes()))
}

/// Create (`create`) or update the bucket; validated whole before anything is stored.
fn write(ch: &ClickHouse, call: &Call, service: &str, create: bool) -> Res {
    let s = ch.service(&call.org.id, service)?;
    let current = ch.backup_buckets.get(&call.org.id, service);
    if create && current.is_some() {
        return Err(ChError::Conflict("A backup bucket is already configured for this service".into()));
    }
    if !create && current.is_none() {
        return Err(not_configured());
    }
    let body = json_object(call.req)?;
    let f = Fields::new(&body);
    let known = [
        "bucketProvider",
        "bucketPath",
        "iamRoleArn",
        "iamRoleSessionName",
        "accessKeyId",
        "secretAccessKey",
        "containerName",
        "connectionString",
    ];
    v::unknown_fields(&f, &known, call.settings.strict_unknown_fields)?;
    let provider = match (f.str("bucketProvider")?, &current) {
        (Some(p), _) => rules::bucket_provider(p)?,
        (None, Some(c)) => rules::bucket_provider(&c.bucket_provider)?,
        (None, None) => return Err(FieldError::new("bucketProvider", Rule::OneOf(rules::BUCKET_PROVIDERS)).into()),
    };
    // Switching provider is a replacement: every field of the new one is needed.
    let base = current.filter(|c| c.bucket_provider == provider);
    let text = |name: &str, kept: Option<&String>| -> Result<Option<String>, FieldError> {
        Ok(f.str(name)?.map(str::to_owned).or_else(|| kept.cloned()))
    };
    let need = |name: &str, value: Option<String>| value.ok_or_else(|| FieldError::required(name));
    let mut next = BackupBucket {
        id: base.as_ref().map_or_else(|| call.cx.ids.uuid(), |b| b.id.clone()),
        org_id: call.org.id.clone(),
        service_id: s.id.to_string(),
        bucket_provider: provider.to_owned(),
        bucket_path: None,
        iam_role_arn: None,
        iam_role_session_name: None,
        access_key_id: None,
        container_name: None,
        secret_hash: None,
    };
    let b = base.as_ref();
    match provider {
        "AWS" => {
            next.bucket_path = Some(need("bucketPath", text("bucketPath", b.and_then(|b| b.bucket_path.as_ref()))?)?);
            let arn = need("iamRoleArn", text("iamRoleArn", b.and_then(|b| b.iam_role_arn.as_ref()))?)?;
            next.iam_role_arn = Some(rules::iam_role_arn(&arn)?);
            next.iam_role_session_name = if f.has_key("iamRoleSessionName") && f.raw("iamRoleSessionName").is_some_and(Value::is_null) {
                None // the PATCH schema lets `null` clear it
            } else {
                text("iamRoleSessionName", b.and_then(|b| b.iam_role_session_name.as_ref()))?
            };
        }
        "GCP" => {
            next.bucket_path = Some(need("bucketPath", text("bucketPath", b.and_then(|b| b.bucket_path.as_ref()))?)?);
            next.access_key_id =
                Some(need("accessKeyId", text("accessKeyId", b.and_then(|b| b.access_key_id.as_ref()))?)?);
            next.secret_hash = Some(hash(&need("secretAccessKey", f.str("secretAccessKey")?.map(str::to_owned))?));
        }
        _ => {
            next.container_name =
                Some(need("containerName", text("containerName", b.and_then(|b| b.container_name.as_ref()))?)?);
            next.secret_hash = Some(hash(&need("connectionString", f.str("connectionString")?.map(str::to_owned))?));
        }
    }
    for (field, value) in [("bucketPath", &next.bucket_path), ("containerName", &next.container_name)] {
        if let Some(v) = value {
            rules::non_blank(field, v)?;
        }
    }
    ch.backup_buckets.insert(&call.org.id, service, next.clone());
    Ok(Out::Result(view(&next)))
}
