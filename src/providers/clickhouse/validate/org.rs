//! Rules of the organization-level endpoints (spec §9.1, §9.3–§9.8): organizations, API
//! keys, members, invitations, activities, usage cost, ClickPipes and reverse private
//! endpoints. One pure function per rule; each names the client's field (JSON body field
//! or query parameter) and returns the validated value.
//!
//! May touch: `crate::validation`, the provider's model types and the rules of
//! `validate/mod.rs` (provider, region, IP entries), which it reuses rather than repeats.
//! The texts are the simulator's (I) unless a row of the spec quotes the provider.

use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::super::error::ChError;
use super::super::model::OrgPrivateEndpoint;
use crate::validation::{integral, FieldError, Fields, Rule};

/// §9.1 S3: an organization `name` is 1–50 characters, not only white space (I).
pub fn org_name(name: &str) -> Result<String, FieldError> {
    let len = name.chars().count();
    if !(1..=50).contains(&len) || name.trim().is_empty() {
        return Err(FieldError::says("name", "must be 1-50 characters"));
    }
    Ok(name.to_owned())
}

/// Re-expresses an error of a shared rule under another field name. Rules whose text is
/// fixed (`Rule::Message`) get the field in front, so the client still sees which one.
fn under(mut e: FieldError, field: &str) -> FieldError {
    e.rule = match e.rule {
        Rule::Message(text) => Rule::Message(format!("{field}: {text}")),
        other => other,
    };
    e.field = field.to_owned();
    e
}

/// §9.1 S7/S8 and S3 `privateEndpoints.add[]`: a cloud provider and a region of it, with
/// CH-R03/R04/R05 reported under the client's own field names.
pub fn cloud_region(
    provider_field: &str,
    provider: &str,
    region_field: &str,
    region: &str,
    seed_regions: bool,
) -> Result<(&'static str, String), FieldError> {
    let p = super::provider(provider).map_err(|e| under(e, provider_field))?;
    let r = super::region(p, region, seed_regions).map_err(|e| under(e, region_field))?;
    Ok((p, r))
}

/// §9.1 S3: one `privateEndpoints.add[i]` item: `id` required (non-empty), `description`
/// optional (≤ 255 characters, I), `cloudProvider` and `region` required and valid.
pub fn org_private_endpoint(i: usize, v: &Value, seed_regions: bool) -> Result<OrgPrivateEndpoint, FieldError> {
    let field = format!("privateEndpoints.add[{i}]");
    let obj = v.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
    let prefix = format!("{field}.");
    let f = Fields::with_prefix(obj, &prefix);
    let id = match f.raw("id") {
        Some(raw) => super::private_endpoint_id(&f.name("id"), raw)?,
        None => return Err(FieldError::required(f.name("id"))),
    };
    let description = f.str("description")?.unwrap_or("").to_owned();
    description_length(&f.name("description"), &description)?;
    let provider = f.str("cloudProvider")?.ok_or_else(|| FieldError::required(f.name("cloudProvider")))?;
    let region = f.str("region")?.ok_or_else(|| FieldError::required(f.name("region")))?;
    let (provider, region) = cloud_region(&f.name("cloudProvider"), provider, &f.name("region"), region, seed_regions)?;
    Ok(OrgPrivateEndpoint { id, description, cloud_provider: provider.to_owned(), region })
}

/// §9.1 S3 `privateEndpoints.remove[i]`: an object with an `id` (or the bare id string).
pub fn org_private_endpoint_ref(i: usize, v: &Value) -> Result<String, FieldError> {
    let field = format!("privateEndpoints.remove[{i}]");
    match v {
        Value::String(_) => super::private_endpoint_id(&field, v),
        Value::Object(obj) => match obj.get("id") {
            Some(raw) if !raw.is_null() => super::private_endpoint_id(&format!("{field}.id"), raw),
            _ => Err(FieldError::required(format!("{field}.id"))),
        },
        _ => Err(FieldError::new(field, Rule::Type("object"))),
    }
}

/// §9.1 S3: an endpoint still attached to a service cannot leave the organization (I:
/// refusing is safer than silently detaching it from services).
pub fn private_endpoint_unused(id: &str, used_by: Option<&str>) -> Result<(), ChError> {
    match used_by {
        Some(service) => Err(ChError::Conflict(format!("Private endpoint '{id}' is in use by service {service}"))),
        None => Ok(()),
    }
}

/// A free-text description of at most 255 characters (CH-R20 length, reused for private
/// endpoints and reverse private endpoints, I / O1).
pub fn description_length(field: &str, s: &str) -> Result<(), FieldError> {
    if s.chars().count() > 255 {
        return Err(FieldError::says(field, "must be at most 255 characters"));
    }
    Ok(())
}

/// A required query parameter (S7 `cloud_provider`, `region_id`; S24 dates).
pub fn required_param(name: &str, v: Option<String>) -> Result<String, FieldError> {
    match v {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(FieldError::required(name)),
    }
}

// ---------------------------------------------------------------------------------------
// API keys (§9.3)
// ---------------------------------------------------------------------------------------

/// The roles of O1 `ApiKey.roles` (§2.3).
pub const KEY_ROLES: &[&str] = &["admin", "developer", "query_endpoints"];

/// The roles of a member or an invitation (§9.4).
pub const MEMBER_ROLES: &[&str] = &["admin", "developer"];

/// Fixed ids of the three system roles, so `assignedRoleIds` can name them (§9.3, I).
pub const SYSTEM_ROLES: &[(&str, &str, &str)] = &[
    ("admin", "00000000-0000-4000-8000-00000000a001", "Admin"),
    ("developer", "00000000-0000-4000-8000-00000000a002", "Developer"),
    ("query_endpoints", "00000000-0000-4000-8000-00000000a003", "Query Endpoints"),
];

/// §9.3: a key `name` is 1–50 characters (I).
pub fn key_name(name: &str) -> Result<String, FieldError> {
    let len = name.chars().count();
    if !(1..=50).contains(&len) || name.trim().is_empty() {
        return Err(FieldError::says("name", "must be 1-50 characters"));
    }
    Ok(name.to_owned())
}

/// §9.3 / §9.4: `roles` is a non-empty array of `allowed` role names; duplicates collapse.
pub fn role_names(field: &str, roles: &[&str], allowed: &'static [&'static str]) -> Result<Vec<String>, FieldError> {
    if roles.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        if !allowed.contains(r) {
            return Err(FieldError::new(format!("{field}[{i}]"), Rule::OneOf(allowed)));
        }
        if !out.iter().any(|x| x == r) {
            out.push((*r).to_owned());
        }
    }
    Ok(out)
}

/// §9.3 / §9.4: `assignedRoleIds` is an array of the fixed system role ids whose role is in
/// `allowed` and of the organization's custom role ids (`is_custom`); answers both. It may be empty: `clickhousectl` creates keys and
/// invitations with `assignedRoleIds: []` (`cloud/service_query.rs`, `invitation create`
/// without `--role-id`), and the live API accepts them (official `ApiKeyPostRequest`,
/// `InvitationPostRequest`: a plain array, no `minItems`).
pub fn assigned_role_ids(
    ids: &[&str],
    allowed: &'static [&'static str],
    is_custom: impl Fn(&str) -> bool,
) -> Result<RoleRefs, FieldError> {
    let mut out = RoleRefs::default();
    for (i, id) in ids.iter().enumerate() {
        let role = SYSTEM_ROLES.iter().find(|(name, rid, _)| rid.eq_ignore_ascii_case(id) && allowed.contains(name));
        match role {
            Some((name, _, _)) => {
                if !out.system.iter().any(|x| x == name) {
                    out.system.push((*name).to_owned());
                }
            }
            None if is_custom(id) => {
                if !out.custom.iter().any(|x| x == id) {
                    out.custom.push((*id).to_owned());
                }
            }
            None => {
                return Err(FieldError::says(format!("assignedRoleIds[{i}]"), format!("'{id}' is not a known role")))
            }
        }
    }
    Ok(out)
}

/// The roles `assignedRoleIds` names: system role names and custom role ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRefs {
    pub system: Vec<String>,
    pub custom: Vec<String>,
}

/// §9.3: a key's roles: `roles` and/or `assignedRoleIds`, the union when both are given
/// (§2.3). Neither is required: a key may have no role at all (official
/// `ApiKeyPostRequest` requires neither; `clickhousectl` creates query keys so), and such a
/// key has no control-plane permission (A5).
pub fn roles_given(roles: Option<Vec<String>>, assigned: Option<Vec<String>>) -> Result<Vec<String>, FieldError> {
    match (roles, assigned) {
        (None, None) => Ok(Vec::new()),
        (Some(a), None) | (None, Some(a)) => Ok(a),
        (Some(mut a), Some(b)) => {
            for r in b {
                if !a.contains(&r) {
                    a.push(r);
                }
            }
            Ok(a)
        }
    }
}

pub const KEY_STATES: &[&str] = &["enabled", "disabled"];

/// §9.3: `state` ∈ {enabled, disabled} (O1).
pub fn key_state(s: &str) -> Result<String, FieldError> {
    if KEY_STATES.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new("state", Rule::OneOf(KEY_STATES)))
    }
}

/// §9.3: `expireAt` is an ISO-8601 date-time later than now (I).
pub fn expire_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let at = date_time("expireAt", s)?;
    if at <= now {
        return Err(FieldError::says("expireAt", "must be in the future"));
    }
    Ok(at)
}

/// Validated `hashData` (O1 `ApiKeyHashData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHashes {
    pub key_id_hash: String,
    pub key_id_suffix: String,
    pub key_secret_hash: String,
}

/// §9.3 `hashData {keyIdHash, keyIdSuffix, keySecretHash}`: both hashes are base64 of a
/// SHA-256 digest (O1); `keyIdSuffix` is the last 4 characters of the key id, because
/// that is what `keySuffix` shows (§2.7).
pub fn hash_data(obj: &Map<String, Value>) -> Result<KeyHashes, FieldError> {
    let f = Fields::with_prefix(obj, "hashData.");
    let hash = |name: &str| -> Result<String, FieldError> {
        let s = f.str(name)?.ok_or_else(|| FieldError::required(f.name(name)))?;
        match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(bytes) if bytes.len() == 32 => Ok(s.to_owned()),
            _ => Err(FieldError::says(f.name(name), "must be a base64-encoded SHA-256 hash")),
        }
    };
    let key_id_hash = hash("keyIdHash")?;
    let key_secret_hash = hash("keySecretHash")?;
    let suffix = f.str("keyIdSuffix")?.ok_or_else(|| FieldError::required(f.name("keyIdSuffix")))?;
    if suffix.chars().count() != 4 || !suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FieldError::says(f.name("keyIdSuffix"), "must be the last 4 characters of the key id"));
    }
    Ok(KeyHashes { key_id_hash, key_id_suffix: suffix.to_owned(), key_secret_hash })
}

/// §2.9: at most knob `maxApiKeys` keys per organization (O2: 100).
pub fn key_quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::BadRequest("API key limit reached".into()));
    }
    Ok(())
}

/// §9.3 DELETE: "Only a key not used to authenticate the active request can be deleted"
/// (O1).
pub fn not_own_key(target: &str, caller: &str) -> Result<(), ChError> {
    if target == caller {
        return Err(ChError::BadRequest("Cannot delete the API key used to authenticate this request".into()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Members and invitations (§9.4)
// ---------------------------------------------------------------------------------------

/// §9.4: `role` ∈ {admin, developer} (O1, deprecated but what clients send).
pub fn member_role(r: &str) -> Result<String, FieldError> {
    if MEMBER_ROLES.contains(&r) {
        Ok(r.to_owned())
    } else {
        Err(FieldError::new("role", Rule::OneOf(MEMBER_ROLES)))
    }
}

/// The role a set of role names amounts to for a member: admin wins (union, §2.3).
pub fn member_role_of(roles: &[String]) -> String {
    if roles.iter().any(|r| r == "admin") {
        "admin".into()
    } else {
        "developer".into()
    }
}

/// §9.4: an organization keeps at least one admin (I). `admins_after` counts the admins
/// the change would leave.
pub fn keeps_an_admin(admins_after: usize) -> Result<(), ChError> {
    if admins_after == 0 {
        return Err(ChError::BadRequest("Organization must have at least one admin".into()));
    }
    Ok(())
}

/// §9.4: an invitation `email` is a plausible address (one `@`, a dotted domain of
/// letters, digits and `-`, no spaces); stored lowercase (O1).
pub fn email(s: &str) -> Result<String, FieldError> {
    let err = || FieldError::says("email", "must be a valid email address");
    let s = s.trim();
    let (local, domain) = s.split_once('@').ok_or_else(err)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if !local_ok || !domain_ok || s.len() > 254 {
        return Err(err());
    }
    Ok(s.to_ascii_lowercase())
}

/// §9.4: an existing member or a pending invitation with the same email → 409 (I).
pub fn email_free(email: &str, member: bool, pending_invitation: bool) -> Result<(), ChError> {
    if member {
        return Err(ChError::Conflict(format!("User with email '{email}' is already a member of this organization")));
    }
    if pending_invitation {
        return Err(ChError::Conflict(format!("An invitation for '{email}' is already pending")));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Dates: activities (§9.5), usage cost (§9.6), key expiry (§9.3)
// ---------------------------------------------------------------------------------------

/// `YYYY-MM-DD` with a valid calendar date.
fn plain_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// An ISO-8601 instant: an RFC 3339 date-time (`2025-01-01T00:00:00Z`, any offset), a
/// date-time without offset (read as UTC), or a bare `YYYY-MM-DD` (midnight UTC, §9.5).
pub fn date_time(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(t.and_utc());
    }
    if let Some(d) = plain_date(s) {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default());
    }
    Err(FieldError::says(field, "must be an ISO-8601 date-time"))
}

/// §9.6: a usage date is `YYYY-MM-DD`; a full date-time is accepted and its UTC date used
/// (I).
pub fn usage_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    if let Some(d) = plain_date(s.trim()) {
        return Ok(d);
    }
    date_time(field, s)
        .map(|t| t.date_naive())
        .map_err(|_| FieldError::says(field, "must be a date in YYYY-MM-DD format"))
}

/// §9.5: `to_date` is not before `from_date` (I).
pub fn instant_order(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), FieldError> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => Err(FieldError::says("to_date", "must not be before from_date")),
        _ => Ok(()),
    }
}

/// §9.6: `to_date ≥ from_date` and at most 31 days queried (`to − from ≤ 30`, O1).
pub fn usage_range(from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    if to < from {
        return Err(FieldError::says("to_date", "must not be before from_date"));
    }
    if (to - from).num_days() > 30 {
        return Err(FieldError::says("to_date", "must be within 31 days of from_date (maximum queried period)"));
    }
    Ok(())
}

/// §9.6 `filter=tag:<key>[=<value>]` (O1; repeatable, ANDed): answers key and value.
pub fn usage_filter(s: &str) -> Result<(String, Option<String>), FieldError> {
    let err = || FieldError::says("filter", "must be tag:<key> or tag:<key>=<value>");
    let tag = s.strip_prefix("tag:").ok_or_else(err)?;
    let (key, value) = match tag.split_once('=') {
        Some((k, v)) => (k, Some(v.to_owned())),
        None => (tag, None),
    };
    if key.is_empty() {
        return Err(err());
    }
    Ok((key.to_owned(), value))
}

// ---------------------------------------------------------------------------------------
// ClickPipes (§9.7) and reverse private endpoints (§9.8)
// ---------------------------------------------------------------------------------------

/// The source kinds of a ClickPipe; exactly one is given (§9.7).
pub const PIPE_SOURCES: &[&str] = &["kafka", "objectStorage", "kinesis", "postgres", "bigquery"];

/// §9.7: a ClickPipe `name` is 1–255 characters (I; only "required" is stated).
pub fn pipe_name(name: &str) -> Result<String, FieldError> {
    let len = name.chars().count();
    if !(1..=255).contains(&len) || name.trim().is_empty() {
        return Err(FieldError::says("name", "must be 1-255 characters"));
    }
    Ok(name.to_owned())
}

/// §9.7: `source` is an object with exactly one of the source kinds, itself an object.
/// Answers the kind.
pub fn pipe_source(v: &Value) -> Result<&'static str, FieldError> {
    let obj = v.as_object().ok_or_else(|| FieldError::new("source", Rule::Type("object")))?;
    let given: Vec<&'static str> =
        PIPE_SOURCES.iter().copied().filter(|k| obj.get(*k).is_some_and(|x| !x.is_null())).collect();
    match given.as_slice() {
        [one] => {
            if obj.get(*one).is_some_and(Value::is_object) {
                Ok(one)
            } else {
                Err(FieldError::new(format!("source.{one}"), Rule::Type("object")))
            }
        }
        _ => Err(FieldError::says("source", format!("must contain exactly one of {}", PIPE_SOURCES.join(", ")))),
    }
}

/// §9.7: `destination` is an object (its contents are stored as given).
pub fn pipe_destination(v: &Value) -> Result<Value, FieldError> {
    if v.is_object() {
        Ok(v.clone())
    } else {
        Err(FieldError::new("destination", Rule::Type("object")))
    }
}

/// §9.7: `fieldMappings` is an array (its items are stored as given).
pub fn pipe_field_mappings(v: &Value) -> Result<Value, FieldError> {
    if v.is_array() {
        Ok(v.clone())
    } else {
        Err(FieldError::new("fieldMappings", Rule::Type("array")))
    }
}

/// §9.7: scaling `replicas` is an integer 1..40 (O1; one client's docstring says 1–10).
pub fn pipe_replicas(n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if (1..=40).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::new("replicas", Rule::Range { min: 1, max: 40 })),
    }
}

/// ClickPipe state commands (O1 enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeCommand {
    Start,
    Stop,
    Resync,
}

pub const PIPE_COMMANDS: &[&str] = &["start", "stop", "resync"];

/// §9.7: `command` ∈ {start, stop, resync} (O1).
pub fn pipe_command(c: Option<&str>) -> Result<PipeCommand, FieldError> {
    match c {
        Some("start") => Ok(PipeCommand::Start),
        Some("stop") => Ok(PipeCommand::Stop),
        Some("resync") => Ok(PipeCommand::Resync),
        _ => Err(FieldError::new("command", Rule::OneOf(PIPE_COMMANDS))),
    }
}

/// §9.7: `resync` only for postgres pipes.
pub fn resync_needs_postgres(source_kind: Option<&str>) -> Result<(), FieldError> {
    if source_kind == Some("postgres") {
        Ok(())
    } else {
        Err(FieldError::message("command", "resync is only available for Postgres ClickPipes"))
    }
}

pub const REVERSE_ENDPOINT_TYPES: &[&str] = &["VPC_ENDPOINT_SERVICE", "VPC_RESOURCE", "MSK_MULTI_VPC"];
pub const MSK_AUTHENTICATIONS: &[&str] = &["SASL_IAM", "SASL_SCRAM"];

/// §9.8: `type` of a reverse private endpoint.
pub fn reverse_endpoint_type(t: Option<&str>) -> Result<&'static str, FieldError> {
    let t = t.ok_or_else(|| FieldError::required("type"))?;
    REVERSE_ENDPOINT_TYPES
        .iter()
        .find(|x| **x == t)
        .copied()
        .ok_or_else(|| FieldError::new("type", Rule::OneOf(REVERSE_ENDPOINT_TYPES)))
}

/// §9.8: the fields each type needs: `vpcEndpointServiceName` (VPC_ENDPOINT_SERVICE),
/// `vpcResourceConfigurationId` + `vpcResourceShareArn` (VPC_RESOURCE), `mskClusterArn` +
/// `mskAuthentication` ∈ {SASL_IAM, SASL_SCRAM} (MSK_MULTI_VPC). Answers the type's
/// fields, as given.
pub fn reverse_endpoint_fields(kind: &str, f: &Fields) -> Result<Map<String, Value>, FieldError> {
    let needed: &[&str] = match kind {
        "VPC_RESOURCE" => &["vpcResourceConfigurationId", "vpcResourceShareArn"],
        "MSK_MULTI_VPC" => &["mskClusterArn", "mskAuthentication"],
        _ => &["vpcEndpointServiceName"],
    };
    let mut out = Map::new();
    for name in needed {
        let v = f
            .str(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| FieldError::says(f.name(name), format!("is required for type {kind}")))?;
        if *name == "mskAuthentication" && !MSK_AUTHENTICATIONS.contains(&v) {
            return Err(FieldError::new(f.name(name), Rule::OneOf(MSK_AUTHENTICATIONS)));
        }
        out.insert((*name).to_owned(), Value::String(v.to_owned()));
    }
    Ok(out)
}

/// `customPrivateDnsMappings` (official `CustomPrivateDnsMapping[]`): each
/// `privateDnsName` an exact DNS name or a leading wildcard (`*.example.com`), unique in
/// the list; answers the names.
pub fn dns_mappings(items: &[Value]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("customPrivateDnsMappings[{i}]");
        let obj = item.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
        let prefix = format!("{field}.");
        let f = Fields::with_prefix(obj, &prefix);
        let name = f.str("privateDnsName")?.ok_or_else(|| FieldError::required(f.name("privateDnsName")))?;
        let host = name.strip_prefix("*.").unwrap_or(name);
        let labels_ok = host.split('.').count() >= 2
            && host.len() <= 253
            && host.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !labels_ok {
            return Err(FieldError::says(f.name("privateDnsName"), "must be a DNS name or a leading wildcard name"));
        }
        let lower = name.to_ascii_lowercase();
        if out.contains(&lower) {
            return Err(FieldError::says(f.name("privateDnsName"), "must be unique"));
        }
        out.push(lower);
    }
    Ok(out)
}


// ---------------------------------------------------------------------------------------
// Service configuration families (official document)
// ---------------------------------------------------------------------------------------

/// A weekday 0..6 (0 = Sunday), official `UpgradeWindowPutRequest.weekday`.
pub fn weekday(field: &str, n: f64) -> Result<u8, FieldError> {
    match integral(n) {
        Some(v) if (0..=6).contains(&v) => Ok(v as u8),
        _ => Err(FieldError::new(field, Rule::Range { min: 0, max: 6 })),
    }
}

/// `startHourUtc` ∈ {0, 6, 12, 18} (official `UpgradeWindowPutRequest`).
pub fn upgrade_start_hour(n: f64) -> Result<u8, FieldError> {
    match integral(n) {
        Some(v @ (0 | 6 | 12 | 18)) => Ok(v as u8),
        _ => Err(FieldError::says("startHourUtc", "must be one of 0, 6, 12, 18")),
    }
}

pub const BUCKET_PROVIDERS: &[&str] = &["AWS", "GCP", "AZURE"];

/// `bucketProvider` ∈ {AWS, GCP, AZURE} (official `BackupBucketPostRequest`).
pub fn bucket_provider(p: &str) -> Result<&'static str, FieldError> {
    BUCKET_PROVIDERS
        .iter()
        .find(|x| **x == p)
        .copied()
        .ok_or_else(|| FieldError::new("bucketProvider", Rule::OneOf(BUCKET_PROVIDERS)))
}

/// `iamRoleArn` is an IAM role ARN (`arn:aws:iam::<account>:role/<name>`, I).
pub fn iam_role_arn(s: &str) -> Result<String, FieldError> {
    let ok = s
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty());
    if !ok {
        return Err(FieldError::says("iamRoleArn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)"));
    }
    Ok(s.to_owned())
}

/// A name that is not empty or only white space.
pub fn non_blank(field: &str, s: &str) -> Result<(), FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    Ok(())
}

/// `replicaCpuMillicores`: 1000..32000 in steps of 1000 (official `ClickPipesCdcScaling`).
pub fn cdc_cpu(n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if v % 1000 == 0 && (1000..=32000).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::says("replicaCpuMillicores", "must be a multiple of 1000 between 1000 and 32000")),
    }
}

/// `replicaMemoryGb`: 4..128 in steps of 4 (official `ClickPipesCdcScaling`).
pub fn cdc_memory(n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if v % 4 == 0 && (4..=128).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::says("replicaMemoryGb", "must be a multiple of 4 between 4 and 128")),
    }
}

/// "Memory in GiB for DB ClickPipes. Must be 4× the CPU core count" (official).
pub fn cdc_ratio(cpu_millicores: u32, memory_gb: u32) -> Result<(), FieldError> {
    if cpu_millicores / 1000 * 4 != memory_gb {
        return Err(FieldError::says(
            "replicaMemoryGb",
            format!("must be 4 times the CPU core count ({} for {cpu_millicores} millicores)", cpu_millicores / 1000 * 4),
        ));
    }
    Ok(())
}

/// A custom role `name`: 1–50 characters, not only white space (I).
pub fn role_name(name: &str) -> Result<String, FieldError> {
    let len = name.chars().count();
    if !(1..=50).contains(&len) || name.trim().is_empty() {
        return Err(FieldError::says("name", "must be 1-50 characters"));
    }
    Ok(name.to_owned())
}

pub const ALLOW_DENY: &[&str] = &["ALLOW", "DENY"];

/// A policy's `allowDeny` ∈ {ALLOW, DENY} (official `RBACPolicyCreateRequest`).
pub fn allow_deny(field: &str, s: &str) -> Result<String, FieldError> {
    if ALLOW_DENY.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(field, Rule::OneOf(ALLOW_DENY)))
    }
}

/// A policy's `permissions`: a non-empty array of `control-plane:...` / `data-plane:...`
/// permission names (the official examples' shape, I).
pub fn permissions(field: &str, items: &[&str]) -> Result<Vec<String>, FieldError> {
    if items.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    for (i, p) in items.iter().enumerate() {
        let ok = p.split(':').count() >= 2 && p.split(':').all(|seg| !seg.is_empty());
        if !ok {
            return Err(FieldError::says(format!("{field}[{i}]"), format!("'{p}' is not a permission name")));
        }
    }
    Ok(items.iter().map(|p| (*p).to_owned()).collect())
}

pub const ROLE_V2: &[&str] = &["sql-console-readonly", "sql-console-admin"];

/// `tags.roleV2` ∈ {sql-console-readonly, sql-console-admin} (official `RBACPolicyTags`).
pub fn role_v2(field: &str, s: &str) -> Result<String, FieldError> {
    if ROLE_V2.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(field, Rule::OneOf(ROLE_V2)))
    }
}

pub const ZONE_SUFFIXES: &[&str] = &["a", "b", "c", "d", "e", "f"];

/// `availabilityZoneSuffixes[i]` ∈ a..f (official `ByocInfrastructurePostRequest`).
pub fn zone_suffixes(items: &[&str]) -> Result<(), FieldError> {
    for (i, z) in items.iter().enumerate() {
        if !ZONE_SUFFIXES.contains(z) {
            return Err(FieldError::new(format!("availabilityZoneSuffixes[{i}]"), Rule::OneOf(ZONE_SUFFIXES)));
        }
    }
    Ok(())
}

/// `vpcCidrRange` is an IPv4 CIDR with a prefix (I).
pub fn vpc_cidr(s: &str) -> Result<(), FieldError> {
    match super::parse_ip_source(s) {
        Some((std::net::IpAddr::V4(_), _)) if s.contains('/') => Ok(()),
        _ => Err(FieldError::says("vpcCidrRange", "must be an IPv4 CIDR range")),
    }
}

// ---------------------------------------------------------------------------------------
// User-defined functions (official `Udf*`)
// ---------------------------------------------------------------------------------------

/// A UDF, argument or return name: `^[A-Za-z][A-Za-z0-9_]*$`, at most 64 characters (I).
pub fn udf_name(field: &str, s: &str) -> Result<(), FieldError> {
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 64;
    if !ok {
        return Err(FieldError::says(field, "must start with a letter and contain only letters, digits and '_'"));
    }
    Ok(())
}

/// A string enum field.
pub fn one_of(field: &str, s: &str, allowed: &'static [&'static str]) -> Result<String, FieldError> {
    if allowed.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(field, Rule::OneOf(allowed)))
    }
}

/// A positive integer (official `exclusiveMinimum: 0`).
pub fn positive(field: &str, n: f64) -> Result<u64, FieldError> {
    match integral(n) {
        Some(v) if v > 0 => Ok(v as u64),
        _ => Err(FieldError::says(field, "must be a positive integer")),
    }
}

/// A UDF version in a path: a positive integer.
pub fn udf_version(s: &str) -> Result<u32, ChError> {
    match s.parse::<u32>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(ChError::BadRequest("Invalid version".into())),
    }
}

/// `limit`: 1..100 (official, default 100).
pub fn page_limit(s: &str) -> Result<usize, FieldError> {
    match s.parse::<usize>() {
        Ok(v) if (1..=100).contains(&v) => Ok(v),
        _ => Err(FieldError::new("limit", Rule::Range { min: 1, max: 100 })),
    }
}

/// `cursor`: a cursor this simulator handed out (`nextCursor`).
pub fn page_cursor(s: &str) -> Result<usize, FieldError> {
    s.parse::<usize>().map_err(|_| FieldError::says("cursor", "is not a cursor of this list"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dns_mappings_take_exact_and_wildcard_names() {
        let ok = dns_mappings(&[json!({"privateDnsName": "db.example.com"}), json!({"privateDnsName": "*.corp.io"})]);
        assert_eq!(ok, Ok(vec!["db.example.com".to_string(), "*.corp.io".to_string()]));
        assert!(dns_mappings(&[json!({"privateDnsName": "a.*.io"})]).is_err());
        assert!(dns_mappings(&[json!({"privateDnsName": "x.io"}), json!({"privateDnsName": "X.io"})]).is_err());
        assert!(dns_mappings(&[json!({})]).is_err());
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(email("New@X.io"), Ok("new@x.io".into()));
        assert!(email("no-at-sign").is_err());
        assert!(email("a@localhost").is_err());
        assert!(email("a b@x.io").is_err());
        assert!(email("a@-x.io").is_err());
        assert_eq!(email("").unwrap_err().to_string(), "email must be a valid email address");
    }

    #[test]
    fn dates_accept_rfc3339_naive_and_bare_dates() {
        let t = date_time("from_date", "2025-01-02T03:04:05Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-01-02T03:04:05+00:00");
        assert_eq!(date_time("x", "2025-01-02T04:04:05+01:00").unwrap(), t);
        assert_eq!(date_time("x", "2025-01-02T03:04:05").unwrap(), t);
        assert_eq!(date_time("x", "2025-01-02").unwrap().to_rfc3339(), "2025-01-02T00:00:00+00:00");
        assert!(date_time("from_date", "2025-02-30").is_err());
        assert_eq!(date_time("from_date", "yesterday").unwrap_err().field, "from_date");
    }

    #[test]
    fn usage_range_is_at_most_31_days() {
        let d = |s| usage_date("from_date", s).unwrap();
        assert!(usage_range(d("2025-01-01"), d("2025-01-31")).is_ok());
        assert_eq!(usage_range(d("2025-01-01"), d("2025-02-01")).unwrap_err().field, "to_date");
        assert!(usage_range(d("2025-01-02"), d("2025-01-01")).is_err());
        assert_eq!(d("2025-01-05T10:00:00Z"), d("2025-01-05"));
    }

    #[test]
    fn roles_and_role_ids() {
        assert_eq!(role_names("roles", &["developer", "developer"], KEY_ROLES), Ok(vec!["developer".to_string()]));
        assert_eq!(role_names("roles", &["root"], KEY_ROLES).unwrap_err().field, "roles[0]");
        assert!(role_names("roles", &[], KEY_ROLES).is_err());
        let none = |_: &str| false;
        assert_eq!(assigned_role_ids(&[SYSTEM_ROLES[0].1], KEY_ROLES, none).unwrap().system, vec!["admin".to_string()]);
        assert!(assigned_role_ids(&[SYSTEM_ROLES[2].1], MEMBER_ROLES, none).is_err());
        let custom = assigned_role_ids(&["c1", SYSTEM_ROLES[1].1], KEY_ROLES, |id| id == "c1").unwrap();
        assert_eq!((custom.system, custom.custom), (vec!["developer".to_string()], vec!["c1".to_string()]));
        assert_eq!(roles_given(None, None), Ok(Vec::new()));
        assert_eq!(
            roles_given(Some(vec!["developer".into()]), Some(vec!["admin".into()])),
            Ok(vec!["developer".to_string(), "admin".to_string()])
        );
    }

    #[test]
    fn hash_data_needs_two_sha256_hashes_and_a_suffix() {
        let h = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let ok = json!({"keyIdHash": h, "keySecretHash": h, "keyIdSuffix": "AB12"});
        assert!(hash_data(ok.as_object().unwrap()).is_ok());
        let bad = json!({"keyIdHash": "abc", "keySecretHash": h, "keyIdSuffix": "AB12"});
        assert_eq!(hash_data(bad.as_object().unwrap()).unwrap_err().field, "hashData.keyIdHash");
        let bad = json!({"keyIdHash": h, "keySecretHash": h, "keyIdSuffix": "AB"});
        assert_eq!(hash_data(bad.as_object().unwrap()).unwrap_err().field, "hashData.keyIdSuffix");
    }

    #[test]
    fn private_endpoint_items_name_their_fields() {
        let e = org_private_endpoint(0, &json!({"id": "vpce-1", "cloudProvider": "oracle", "region": "x"}), false)
            .unwrap_err();
        assert_eq!(e.to_string(), "privateEndpoints.add[0].cloudProvider must be one of aws, gcp, azure");
        let e = org_private_endpoint(1, &json!({"id": "vpce-1", "cloudProvider": "aws", "region": "eastus"}), false)
            .unwrap_err();
        assert_eq!(e.field, "privateEndpoints.add[1].region");
        assert!(e.to_string().starts_with("privateEndpoints.add[1].region: Region 'eastus'"));
        assert!(org_private_endpoint(
            0,
            &json!({"id": "vpce-1", "cloudProvider": "aws", "region": "us-east-1"}),
            false
        )
        .is_ok());
    }

    #[test]
    fn clickpipe_shapes() {
        assert_eq!(pipe_source(&json!({"kafka": {}})), Ok("kafka"));
        assert!(pipe_source(&json!({"kafka": {}, "postgres": {}})).is_err());
        assert!(pipe_source(&json!({})).is_err());
        assert_eq!(pipe_source(&json!({"kafka": 1})).unwrap_err().field, "source.kafka");
        assert_eq!(pipe_replicas(40.0), Ok(40));
        assert!(pipe_replicas(41.0).is_err());
        assert!(pipe_replicas(0.0).is_err());
        assert!(resync_needs_postgres(Some("kafka")).is_err());
    }
}
