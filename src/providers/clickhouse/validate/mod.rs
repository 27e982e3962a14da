//! ClickHouse validation rules, one pure function per rule of spec §7 (CH-R01…CH-R50).
//!
//! Handlers, the scenario loader and the property tests call these same functions.
//! Each returns the validated value or a `FieldError` (400) / `ChError` (403 rules) naming
//! the client's JSON field. Rules are checked in the order of §7; the first failure wins.
//! Module `org` holds the rules of the organization-level endpoints (keys, members,
//! invitations, activities, usage).

pub mod org;
pub mod scaling;

use std::net::IpAddr;

use serde_json::Value;

use super::error::ChError;
use super::model::{IpAccessEntry, OrgAttributes, OrgTier, Tag};
use super::settings::{NameCharset, Settings};
use crate::validation::{integral, FieldError, Fields, Rule};

/// CH-R49: path ids are UUIDs (activityId excepted). 400 `Invalid <param>`.
pub fn path_uuid(param: &str, value: &str) -> Result<(), ChError> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(ChError::BadRequest(format!("Invalid {param}")))
    }
}

pub use crate::validation::is_uuid;

/// CH-R01 + CH-R02: `name` is 1–50 characters. Which characters: knob
/// `serviceNameCharset`. `official` (the default) has no charset rule, as the official
/// document (`ServicePostRequest.name`: `minLength` 1, `maxLength` 50, nothing else) and the
/// live API have it: `clickhousectl` creates `my-svc_1.x`. `strict` is the seeds' reading
/// (SEED-A 25, SEED-B 230: letters, digits and spaces, not all spaces); `lenient` adds
/// `-`, `_`, `.` to it.
pub fn service_name(name: &str, charset: NameCharset) -> Result<String, FieldError> {
    let len = name.chars().count();
    if !(1..=50).contains(&len) {
        return Err(FieldError::says("name", "must be 1-50 characters"));
    }
    let (lenient, text) = match charset {
        NameCharset::Official => return Ok(name.to_owned()),
        NameCharset::Lenient => (true, "may contain only alphanumeric characters, spaces, '-', '_' and '.'"),
        NameCharset::Strict => (false, "may contain only alphanumeric characters and spaces"),
    };
    let ok = |c: char| c.is_ascii_alphanumeric() || c == ' ' || (lenient && matches!(c, '-' | '_' | '.'));
    if !name.chars().all(ok) || name.trim().is_empty() {
        return Err(FieldError::says("name", text));
    }
    Ok(name.to_owned())
}

pub const PROVIDERS: &[&str] = &["aws", "gcp", "azure"];

/// CH-R03: `provider` ∈ {aws, gcp, azure} (SEED-B 274–277).
pub fn provider(p: &str) -> Result<&'static str, FieldError> {
    PROVIDERS.iter().find(|x| **x == p).copied().ok_or_else(|| FieldError::new("provider", Rule::OneOf(PROVIDERS)))
}

/// The official document's region enum (`ServicePostRequest.region`, 24 values), grouped
/// by the provider whose naming each follows. The live API accepts exactly these.
pub const OFFICIAL_REGIONS: &[(&str, &str)] = &[
    ("aws", "ap-northeast-1"),
    ("aws", "ap-northeast-2"),
    ("aws", "ap-south-1"),
    ("aws", "ap-southeast-1"),
    ("aws", "ap-southeast-2"),
    ("aws", "ca-central-1"),
    ("aws", "eu-central-1"),
    ("aws", "eu-west-1"),
    ("aws", "eu-west-2"),
    ("aws", "il-central-1"),
    ("aws", "us-east-1"),
    ("aws", "us-east-2"),
    ("aws", "us-west-2"),
    ("gcp", "us-east1"),
    ("gcp", "us-central1"),
    ("gcp", "europe-west2"),
    ("gcp", "europe-west4"),
    ("gcp", "asia-southeast1"),
    ("gcp", "asia-northeast1"),
    ("azure", "eastus"),
    ("azure", "eastus2"),
    ("azure", "westus3"),
    ("azure", "germanywestcentral"),
    ("azure", "centralus"),
];

/// SEED-B 283–302, grouped by provider (knob `regionSet=seed`). It has `me-central-1`,
/// which the official document does not list, and lacks six of its regions.
const SEED_REGIONS: &[(&str, &str)] = &[
    ("aws", "ap-northeast-1"),
    ("aws", "ap-south-1"),
    ("aws", "ap-southeast-1"),
    ("aws", "ap-southeast-2"),
    ("aws", "eu-central-1"),
    ("aws", "eu-west-1"),
    ("aws", "eu-west-2"),
    ("aws", "me-central-1"),
    ("aws", "us-east-1"),
    ("aws", "us-east-2"),
    ("aws", "us-west-2"),
    ("gcp", "us-east1"),
    ("gcp", "us-central1"),
    ("gcp", "europe-west4"),
    ("gcp", "asia-southeast1"),
    ("azure", "eastus"),
    ("azure", "eastus2"),
    ("azure", "westus3"),
    ("azure", "germanywestcentral"),
];

fn region_provider(region: &str, seed: bool) -> Option<&'static str> {
    let set = if seed { SEED_REGIONS } else { OFFICIAL_REGIONS };
    set.iter().find(|(_, r)| *r == region).map(|(p, _)| *p)
}

/// CH-R04 + CH-R05: `region` is a supported region and belongs to `provider`. The set is
/// knob `regionSet`: the official document's 24 (default) or SEED-B's 19.
pub fn region(provider: &str, region: &str, seed: bool) -> Result<String, FieldError> {
    match region_provider(region, seed) {
        None => Err(FieldError::message("region", format!("Unsupported region '{region}'"))),
        Some(p) if p != provider => {
            Err(FieldError::message("region", format!("Region '{region}' is not available for provider '{provider}'")))
        }
        Some(_) => Ok(region.to_owned()),
    }
}

pub const TIERS: &[&str] = &[
    "development",
    "production",
    "dedicated_high_mem",
    "dedicated_high_cpu",
    "dedicated_standard",
    "dedicated_standard_n2d_standard_4",
    "dedicated_standard_n2d_standard_8",
    "dedicated_standard_n2d_standard_32",
    "dedicated_standard_n2d_standard_128",
    "dedicated_standard_n2d_standard_32_16SSD",
    "dedicated_standard_n2d_standard_64_24SSD",
];

/// CH-R06: `tier` is one of the 11 values of SEED-A 30 / SEED-B 316–329.
pub fn tier(t: &str) -> Result<String, FieldError> {
    if TIERS.contains(&t) {
        Ok(t.to_owned())
    } else {
        Err(FieldError::message("tier", "Invalid tier"))
    }
}

/// CH-R07: Azure services don't support the development tier (SEED-A 30).
pub fn azure_not_development(provider: &str, tier: Option<&str>) -> Result<(), FieldError> {
    if provider == "azure" && tier == Some("development") {
        return Err(FieldError::message("tier", "Azure services don't support Development tier"));
    }
    Ok(())
}

/// CH-R08 + CH-R10: replica memory is a multiple of 4 between 8 and the cap: 120 for
/// unpaid organizations, else knob `paidReplicaMax` (356 per SEED-B, 236 per SEED-A/O1).
pub fn replica_memory_gb(field: &'static str, gb: f64, paid: bool, paid_max: u32) -> Result<u32, FieldError> {
    let cap = paid_max as i64;
    let range = || FieldError::says(field, format!("must be a multiple of 4 between 8 and {cap}"));
    let n = integral(gb).ok_or_else(range)?;
    if n % 4 != 0 || !(8..=cap).contains(&n) {
        return Err(range());
    }
    if !paid && n > 120 {
        return Err(FieldError::says(field, "must be <= 120 for non paid services"));
    }
    Ok(n as u32)
}

/// CH-R09: `minReplicaMemoryGb ≤ maxReplicaMemoryGb` (after defaults).
pub fn replica_min_le_max(min: u32, max: u32) -> Result<(), FieldError> {
    if min > max {
        return Err(FieldError::says("minReplicaMemoryGb", "must be less than or equal to maxReplicaMemoryGb"));
    }
    Ok(())
}

/// The BYOC replica sizes of knob `byocSizes` (SEED-B/O1 default, SEED-A, or both).
pub fn byoc_sizes(knob: &str) -> Vec<u32> {
    const SEED002: &[u32] = &[48, 116, 172, 232];
    const SEED000: &[u32] = &[28, 60, 124, 188, 252, 380];
    match knob {
        "seed000" => SEED000.to_vec(),
        "union" => {
            let mut v: Vec<u32> = SEED002.iter().chain(SEED000).copied().collect();
            v.sort_unstable();
            v
        }
        _ => SEED002.to_vec(),
    }
}

/// CH-R11 (first half): with `byocId`, both replica memories are given and each is a
/// BYOC size. The configuration lookup is [`byoc_config`].
pub fn byoc_memory(min: Option<f64>, max: Option<f64>, sizes: &[u32]) -> Result<(u32, u32), FieldError> {
    let list = sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
    let err = || {
        FieldError::message(
            "minReplicaMemoryGb",
            format!("minReplicaMemoryGb and maxReplicaMemoryGb are required with byocId and must be one of {list}"),
        )
    };
    let pick =
        |v: Option<f64>| v.and_then(integral).filter(|n| sizes.iter().any(|s| *s as i64 == *n)).map(|n| n as u32);
    match (pick(min), pick(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(err()),
    }
}

/// CH-R11 (second half): `byocId` names an `infra-ready` BYOC configuration of the
/// organization with the service's provider and region.
pub fn byoc_config(
    id: &str,
    provider: &str,
    region: &str,
    configs: &[super::model::ByocConfig],
) -> Result<(), FieldError> {
    if configs
        .iter()
        .any(|c| c.id == id && c.state == "infra-ready" && c.cloud_provider == provider && c.region_id == region)
    {
        Ok(())
    } else {
        Err(FieldError::message("byocId", format!("BYOC configuration '{id}' not found")))
    }
}

/// CH-R12 + CH-R13 + CH-R14: total memory is a multiple of 12 between 24 and the cap:
/// 360 unpaid, else knob `paidTotalMax` (1068 per SEED-B/O1, 708 per SEED-A).
pub fn total_memory_gb(field: &'static str, gb: f64, paid: bool, paid_max: u32) -> Result<u32, FieldError> {
    let cap = paid_max as i64;
    let range = || FieldError::says(field, format!("must be a multiple of 12 between 24 and {cap}"));
    let n = integral(gb).ok_or_else(range)?;
    if n % 12 != 0 || !(24..=cap).contains(&n) {
        return Err(range());
    }
    if !paid && n > 360 {
        return Err(FieldError::says(field, "must be <= 360 for non paid services"));
    }
    Ok(n as u32)
}

/// CH-R14 cap for paid organizations: knob `paidTotalMax`, but never above three times
/// knob `paidReplicaMax`, since totals are "the memory of three workers" (SEED-A 31–32):
/// with the SEED-A/O1 replica cap of 236 the total cap is SEED-A's 708.
pub fn paid_total_cap(paid_total_max: u32, paid_replica_max: u32) -> u32 {
    paid_total_max.min(paid_replica_max.saturating_mul(3))
}

/// CH-R14 (second half): `minTotalMemoryGb ≤ maxTotalMemoryGb`.
pub fn total_min_le_max(min: u32, max: u32) -> Result<(), FieldError> {
    if min > max {
        return Err(FieldError::says("minTotalMemoryGb", "must be less than or equal to maxTotalMemoryGb"));
    }
    Ok(())
}

/// CH-R15: memory settings are available only for production-class services.
pub fn memory_only_production(field: &str, development: bool) -> Result<(), FieldError> {
    if development {
        return Err(FieldError::message(field, "Memory settings are available only for production services"));
    }
    Ok(())
}

/// CH-R16: `numReplicas` is an integer 1..20 (SEED-B 237).
pub fn num_replicas(n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if (1..=20).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::new("numReplicas", Rule::Range { min: 1, max: 20 })),
    }
}

/// CH-R17: SCALE/ENTERPRISE: the first service of a warehouse needs 2..20 replicas;
/// BASIC: exactly 1 (SEED-A 35 "defaults to 1 for BASIC"; A-06).
pub fn replicas_for_warehouse(n: u32, tier: OrgTier, first_in_warehouse: bool) -> Result<(), FieldError> {
    match tier {
        OrgTier::Basic if n != 1 => Err(FieldError::says("numReplicas", "must be 1 for BASIC organizations")),
        OrgTier::Scale | OrgTier::Enterprise if first_in_warehouse && n < 2 => {
            Err(FieldError::says("numReplicas", "must be between 2 and 20 for the first service in a warehouse"))
        }
        _ => Ok(()),
    }
}

/// CH-R18: `idleTimeoutMinutes` is an integer ≥ 5 (SEED-A 37; SEED-B 173).
pub fn idle_timeout_minutes(n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if (5..=u32::MAX as i64).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::says("idleTimeoutMinutes", "must be >= 5")),
    }
}

/// CH-R19: `numReplicas` changes need support to enable them (SEED-A 566).
pub fn num_replicas_adjustable(attrs: &OrgAttributes) -> Result<(), ChError> {
    if !attrs.num_replicas_adjustable {
        return Err(ChError::Forbidden("Please contact support to enable adjustment of numReplicas".into()));
    }
    Ok(())
}

/// Parses an IP access source: an address or a CIDR (prefix 0..32 / 0..128).
pub fn parse_ip_source(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (a, Some(p.parse::<u8>().ok()?))
        }
        None => (s, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some((ip, prefix))
}

/// Whether `ip` falls inside source `s` (used for API-key IP lists, A4).
pub fn ip_source_contains(s: &str, ip: IpAddr) -> bool {
    let Some((net, prefix)) = parse_ip_source(s) else { return false };
    let (net, ip, bits) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32u32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128u32),
        (IpAddr::V6(n), IpAddr::V4(i)) => (u128::from(n), u128::from(i.to_ipv6_mapped()), 128u32),
        (IpAddr::V4(n), IpAddr::V6(i)) => match i.to_ipv4_mapped() {
            Some(i) => (u32::from(n) as u128, u32::from(i) as u128, 32u32),
            None => return false,
        },
    };
    let shift = bits - prefix as u32;
    if shift >= bits {
        return true;
    }
    (net >> shift) == (ip >> shift)
}

/// CH-R20 + CH-R21: one `ipAccessList` entry: `source` required, an IPv4/IPv6 address
/// or CIDR (IPv6 per knob `allowIpv6`); `description` an optional string ≤ 255 chars.
pub fn ip_access_entry(i: usize, v: &Value, allow_ipv6: bool) -> Result<IpAccessEntry, FieldError> {
    let field = format!("ipAccessList[{i}]");
    let obj = v.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
    let prefix = format!("{field}.");
    let f = Fields::with_prefix(obj, &prefix);
    let source = f.str("source")?.ok_or_else(|| FieldError::required(f.name("source")))?;
    let valid = parse_ip_source(source).is_some_and(|(ip, _)| allow_ipv6 || ip.is_ipv4());
    if !valid {
        return Err(FieldError::says(f.name("source"), format!("'{source}' is not a valid IP address or CIDR")));
    }
    let description = f.str("description")?.map(str::to_owned);
    if description.as_ref().is_some_and(|d| d.chars().count() > 255) {
        return Err(FieldError::says(f.name("description"), "must be at most 255 characters"));
    }
    Ok(IpAccessEntry { source: source.to_owned(), description })
}

/// CH-R20–R22 on create: an array of entries; duplicates collapse (last description
/// wins); at most `max` entries.
pub fn ip_access_list(items: &[Value], allow_ipv6: bool, max: u64) -> Result<Vec<IpAccessEntry>, FieldError> {
    let mut out: Vec<IpAccessEntry> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let entry = ip_access_entry(i, v, allow_ipv6)?;
        merge_ip_entry(&mut out, entry);
    }
    ip_access_list_size(out.len(), max)?;
    Ok(out)
}

/// Adds or replaces (same `source`) an entry.
pub fn merge_ip_entry(list: &mut Vec<IpAccessEntry>, entry: IpAccessEntry) {
    match list.iter_mut().find(|e| e.source == entry.source) {
        Some(existing) => existing.description = entry.description,
        None => list.push(entry),
    }
}

/// CH-R22: at most `max` entries after the change.
pub fn ip_access_list_size(n: usize, max: u64) -> Result<(), FieldError> {
    if n as u64 > max {
        return Err(FieldError::says("ipAccessList", format!("must not contain more than {max} entries")));
    }
    Ok(())
}

/// `{add?: T[], remove?: T[]}` patch shape of CH-R23 (also tags, private endpoints).
pub struct AddRemove<'a> {
    pub add: &'a [Value],
    pub remove: &'a [Value],
}

/// CH-R23: a PATCH list field is an object with optional `add`/`remove` arrays.
/// `one_element_array` accepts `[{add, remove}]` too (O1 types tags that way).
pub fn add_remove<'a>(field: &'static str, v: &'a Value, one_element_array: bool) -> Result<AddRemove<'a>, FieldError> {
    let shape = || FieldError::says(field, "must be an object with add/remove");
    let obj = match v {
        Value::Object(o) => o,
        Value::Array(a) if one_element_array && a.len() == 1 => a[0].as_object().ok_or_else(shape)?,
        _ => return Err(shape()),
    };
    let list = |k: &str| -> Result<&'a [Value], FieldError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(_) => Err(FieldError::new(format!("{field}.{k}"), Rule::Type("array"))),
        }
    };
    Ok(AddRemove { add: list("add")?, remove: list("remove")? })
}

/// CH-R24: private endpoint ids are non-empty strings.
pub fn private_endpoint_id(field: &str, v: &Value) -> Result<String, FieldError> {
    match v.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
        Some(_) => Err(FieldError::says(field, "must not be empty")),
        None => Err(FieldError::new(field, Rule::Type("string"))),
    }
}

/// CH-R24 (availability): an endpoint id known to the organization for this
/// provider/region.
pub fn private_endpoint_available(id: &str, available: bool) -> Result<(), FieldError> {
    if available {
        Ok(())
    } else {
        Err(FieldError::message(
            "privateEndpointIds",
            format!("Private endpoint '{id}' is not available for this service"),
        ))
    }
}

/// CH-R25: `endpoints[]` items toggle `mysql` only: `{protocol: "mysql", enabled: bool}`.
/// Returns the last `enabled` given for mysql.
pub fn endpoints(items: &[Value]) -> Result<Option<bool>, FieldError> {
    let mut mysql = None;
    for (i, v) in items.iter().enumerate() {
        let field = format!("endpoints[{i}]");
        let obj = v.as_object().ok_or_else(|| FieldError::new(field.clone(), Rule::Type("object")))?;
        let prefix = format!("{field}.");
        let f = Fields::with_prefix(obj, &prefix);
        let protocol = f.str("protocol")?.ok_or_else(|| FieldError::required(f.name("protocol")))?;
        if protocol != "mysql" {
            return Err(FieldError::says(f.name("protocol"), "must be 'mysql'"));
        }
        let enabled = f.bool("enabled")?.ok_or_else(|| FieldError::required(f.name("enabled")))?;
        mysql = Some(enabled);
    }
    Ok(mysql)
}

/// CH-R26: `isReadonly` only together with `dataWarehouseId` (SEED-A 47).
pub fn readonly_needs_warehouse(is_readonly: bool, warehouse: Option<&str>) -> Result<(), FieldError> {
    if is_readonly && warehouse.is_none() {
        return Err(FieldError::message("isReadonly", "isReadonly can only be set when dataWarehouseId is provided"));
    }
    Ok(())
}

/// CH-R27: the warehouse exists in the organization, with the same provider and region.
pub fn warehouse_matches(
    id: &str,
    found: Option<(&str, &str)>,
    provider: &str,
    region: &str,
) -> Result<(), FieldError> {
    match found {
        Some((p, r)) if p == provider && r == region => Ok(()),
        Some(_) => Err(FieldError::message(
            "dataWarehouseId",
            format!("Data warehouse '{id}' is in another provider or region"),
        )),
        None => Err(FieldError::message("dataWarehouseId", format!("Data warehouse '{id}' not found"))),
    }
}

/// CH-R28: `backupId` is a UUID of a `done` backup of the organization.
pub fn backup_exists(id: &str, done: bool) -> Result<(), FieldError> {
    if is_uuid(id) && done {
        Ok(())
    } else {
        Err(FieldError::message("backupId", format!("Backup '{id}' not found")))
    }
}

/// CH-R29: the new service's provider, region (and tier, when either side has one)
/// equal those of the backup's source service (SEED-A 113).
pub fn backup_matches(
    (provider, region, tier): (&str, &str, Option<&str>),
    (b_provider, b_region, b_tier): (&str, &str, Option<&str>),
) -> Result<(), FieldError> {
    let tier_ok = match (tier, b_tier) {
        (None, None) => true,
        (a, b) => a == b,
    };
    if provider == b_provider && region == b_region && tier_ok {
        Ok(())
    } else {
        Err(FieldError::message("backupId", "Region and tier must match the original service of the backup"))
    }
}

/// CH-R30: `encryptionAssumedRoleIdentifier` requires `encryptionKey`; `encryptionKey`
/// only for aws and gcp.
pub fn encryption(provider: &str, key: Option<&str>, role: Option<&str>) -> Result<(), FieldError> {
    if role.is_some() && key.is_none() {
        return Err(FieldError::message(
            "encryptionAssumedRoleIdentifier",
            "encryptionAssumedRoleIdentifier requires encryptionKey",
        ));
    }
    if key.is_some() && provider == "azure" {
        return Err(FieldError::message("encryptionKey", "encryptionKey is only available for aws and gcp services"));
    }
    Ok(())
}

/// CH-R31: the first service of a private-preview organization needs the terms accepted.
pub fn private_preview_terms(attrs: &OrgAttributes, first_service: bool, checked: bool) -> Result<(), FieldError> {
    if attrs.private_preview && first_service && !checked {
        return Err(FieldError::message(
            "privatePreviewTermsChecked",
            "Private preview terms and conditions must be accepted",
        ));
    }
    Ok(())
}

pub const RELEASE_CHANNELS: &[&str] = &["slow", "default", "fast"];

/// CH-R32: `releaseChannel` ∈ {slow, default, fast}; slow/fast only for production-class
/// services (SEED-A 48; SEED-B 306–311).
pub fn release_channel(channel: &str, development: bool) -> Result<String, FieldError> {
    if !RELEASE_CHANNELS.contains(&channel) {
        return Err(FieldError::new("releaseChannel", Rule::OneOf(RELEASE_CHANNELS)));
    }
    if channel != "default" && development {
        return Err(FieldError::says(
            "releaseChannel",
            format!("'{channel}' is only available for production services"),
        ));
    }
    Ok(channel.to_owned())
}

/// CH-R33: transparent data encryption only for ENTERPRISE organizations (SEED-B 163).
pub fn tde_enterprise(enabled: bool, tier: OrgTier) -> Result<(), ChError> {
    if enabled && tier != OrgTier::Enterprise {
        return Err(ChError::Forbidden(
            "Transparent Data Encryption is only available for ENTERPRISE organizations".into(),
        ));
    }
    Ok(())
}

pub const PROFILES: &[&str] = &[
    "v1-default",
    "v1-highmem-xs",
    "v1-highmem-s",
    "v1-highmem-m",
    "v1-highmem-l",
    "v1-highmem-xl",
    "v1-highcpu-s",
    "v1-highcpu-m",
    "v1-highcpu-l",
    "v1-highcpu-xl",
];

/// CH-R34: `profile` is one of SEED-B's 10 values, and only for ENTERPRISE (SEED-B 253–268).
pub fn profile(p: &str, tier: OrgTier) -> Result<String, ChError> {
    if !PROFILES.contains(&p) {
        return Err(FieldError::message("profile", "Invalid profile").into());
    }
    if tier != OrgTier::Enterprise {
        return Err(ChError::Forbidden("Custom profiles are only available for ENTERPRISE organizations".into()));
    }
    Ok(p.to_owned())
}

pub const COMPLIANCE_TYPES: &[&str] = &["hipaa", "pci"];

/// CH-R35: `complianceType` ∈ {hipaa, pci} (SEED-B 132–139).
pub fn compliance_type(c: &str) -> Result<String, FieldError> {
    if COMPLIANCE_TYPES.contains(&c) {
        Ok(c.to_owned())
    } else {
        Err(FieldError::new("complianceType", Rule::OneOf(COMPLIANCE_TYPES)))
    }
}

fn tag_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// CH-R36: one tag: `key` required, key and value alphanumeric with `.`, `_`, `-` (O1).
pub fn tag(field: &str, v: &Value) -> Result<Tag, FieldError> {
    let obj = v.as_object().ok_or_else(|| FieldError::new(field, Rule::Type("object")))?;
    let prefix = format!("{field}.");
    let f = Fields::with_prefix(obj, &prefix);
    let key = f.str("key")?.ok_or_else(|| FieldError::required(f.name("key")))?;
    if !tag_token(key) {
        return Err(FieldError::message(f.name("key"), format!("Invalid tag key '{key}'")));
    }
    let value = f.str("value")?;
    if let Some(val) = value {
        if !tag_token(val) {
            return Err(FieldError::message(f.name("value"), format!("Invalid tag value '{val}'")));
        }
    }
    Ok(Tag { key: key.to_owned(), value: value.map(str::to_owned) })
}

/// CH-R36: at most 50 tags (I).
pub fn tag_count(n: usize) -> Result<(), FieldError> {
    if n > 50 {
        return Err(FieldError::says("tags", "must not contain more than 50 tags"));
    }
    Ok(())
}

/// CH-R37: core dumps cannot be enabled when the organization disabled them (O1).
pub fn core_dumps(enabled: bool, org_enabled: bool) -> Result<(), FieldError> {
    if enabled && !org_enabled {
        return Err(FieldError::message("enableCoreDumps", "Core dumps are disabled for this organization"));
    }
    Ok(())
}

/// The commands of E10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Stop,
    Awake,
}

/// CH-R38: `command` ∈ {start, stop} (SEED-A 499), plus `awake` per knob `awakeCommand`.
pub fn command(c: Option<&str>, awake_allowed: bool) -> Result<Command, FieldError> {
    match c {
        Some("start") => Ok(Command::Start),
        Some("stop") => Ok(Command::Stop),
        Some("awake") if awake_allowed => Ok(Command::Awake),
        _ if awake_allowed => Err(FieldError::message("command", "command must be one of 'start', 'stop', 'awake'")),
        _ => Err(FieldError::message("command", "command must be one of 'start', 'stop'")),
    }
}

/// CH-R39: `filtered_metrics` ∈ {true, false} when present.
pub fn filtered_metrics(v: Option<&str>) -> Result<bool, FieldError> {
    match v {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(FieldError::says("filtered_metrics", "must be a boolean")),
    }
}

pub const QUERY_ENDPOINT_ROLES: &[&str] = &["sql_console_read_only", "sql_console_admin"];

/// CH-R40: `roles` is a non-empty array of `sql_console_read_only` / `sql_console_admin`.
pub fn query_endpoint_roles(roles: &[&str]) -> Result<Vec<String>, FieldError> {
    if roles.is_empty() {
        return Err(FieldError::says("roles", "must not be empty"));
    }
    for r in roles {
        if !QUERY_ENDPOINT_ROLES.contains(r) {
            return Err(FieldError::message("roles", format!("Invalid role '{r}'")));
        }
    }
    Ok(roles.iter().map(|r| (*r).to_owned()).collect())
}

/// CH-R41: `openApiKeys` is a non-empty array of keys (by UUID, or by key ID) that exist in
/// the organization and are enabled. `exists` answers for one reference.
pub fn open_api_keys(keys: &[&str], exists: impl Fn(&str) -> bool) -> Result<Vec<String>, FieldError> {
    if keys.is_empty() {
        return Err(FieldError::says("openApiKeys", "must not be empty"));
    }
    for k in keys {
        if !exists(k) {
            return Err(FieldError::message("openApiKeys", format!("API key '{k}' not found")));
        }
    }
    Ok(keys.iter().map(|k| (*k).to_owned()).collect())
}

/// CH-R42: `allowedOrigins` is `*` or a comma-separated list of host names (optional
/// `http(s)://` prefix and `:port`).
pub fn allowed_origins(s: &str) -> Result<String, FieldError> {
    let err = || FieldError::message("allowedOrigins", "Invalid allowedOrigins");
    if s.trim() == "*" {
        return Ok(s.trim().to_owned());
    }
    if !s.split(',').all(|item| is_origin(item.trim())) {
        return Err(err());
    }
    Ok(s.to_owned())
}

/// One origin: `[http(s)://]host[:port]`, the host of letters, digits, dots and hyphens,
/// the port of 1 to 5 digits (CH-R42; also the Query API endpoints' `allowedOrigins`).
pub fn is_origin(item: &str) -> bool {
    let host = item.strip_prefix("https://").or_else(|| item.strip_prefix("http://")).unwrap_or(item);
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && port_ok
}

/// CH-R43: `newPasswordHash` is padded standard base64 of 32 bytes (SHA-256, SEED-A 668).
pub fn password_hash(s: &str) -> Result<[u8; 32], FieldError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| FieldError::says("newPasswordHash", "must be a base64-encoded SHA-256 hash"))
}

/// CH-R44: `newDoubleSha1Hash` is 40 hex characters (SEED-A 669), either case.
pub fn double_sha1_hash(s: &str) -> Result<[u8; 20], FieldError> {
    crate::providers::clickhouse::model::hex_20(s)
        .ok_or_else(|| FieldError::says("newDoubleSha1Hash", "must be a hex-encoded double SHA-1 hash"))
}

/// CH-R45: `backupPeriodInHours` is an integer within knob `backupPeriodMin..Max` (6..48).
pub fn backup_period(n: f64, settings: &Settings) -> Result<u64, FieldError> {
    let (min, max) = (settings.backup_period_min, settings.backup_period_max);
    match integral(n) {
        Some(v) if v >= min as i64 && v <= max as i64 => Ok(v as u64),
        _ => Err(FieldError::says("backupPeriodInHours", format!("must be between {min} and {max}"))),
    }
}

/// CH-R46: `backupRetentionPeriodInHours`. Official (the default): "a whole number of days
/// between 24 (1 day) and 1080 (45 days), i.e. a multiple of 24" (official
/// `BackupConfigurationPatchRequest`). Knob `backupRules=seed`: an integer between the
/// period and 720 (the spec's reading of SEED-A 830).
pub fn backup_retention(n: f64, period: u64, seed: bool) -> Result<u64, FieldError> {
    let field = "backupRetentionPeriodInHours";
    match integral(n) {
        Some(v) if seed && v >= period as i64 && v <= 720 => Ok(v as u64),
        _ if seed => Err(FieldError::says(field, format!("must be between {period} and 720"))),
        Some(v) if v % 24 == 0 && (24..=1080).contains(&v) => Ok(v as u64),
        _ => Err(FieldError::says(field, "must be a multiple of 24 between 24 and 1080")),
    }
}

/// CH-R47: `backupStartTime` is `HH:MM` (UTC). Returns minutes after midnight.
pub fn backup_start_time(s: &str) -> Result<u32, FieldError> {
    let err = || FieldError::says("backupStartTime", "must be in HH:MM format");
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return Err(err());
    }
    let h = (b[0] - b'0') as u32 * 10 + (b[1] - b'0') as u32;
    let m = (b[3] - b'0') as u32 * 10 + (b[4] - b'0') as u32;
    if h > 23 || m > 59 {
        return Err(err());
    }
    Ok(h * 60 + m)
}

/// CH-R47 (second half): with `backupStartTime` the period is 24 or 48 hours, as the live
/// API takes it (backups once a day, or every other day, at the start time). Knob
/// `backupRules=seed`: "the period resets to every 24 hours" (SEED-A 832), so only 24.
pub fn start_time_period(period: Option<u64>, seed: bool) -> Result<(), FieldError> {
    let allowed: &[u64] = if seed { &[24] } else { &[24, 48] };
    match period {
        Some(p) if !allowed.contains(&p) => Err(FieldError::says(
            "backupPeriodInHours",
            if seed {
                "must be 24 when backupStartTime is set (the period resets to every 24 hours)"
            } else {
                "must be 24 or 48 when backupStartTime is set"
            },
        )),
        _ => Ok(()),
    }
}

/// CH-R50: at most knob `maxServicesPerOrg` non-deleted services.
pub fn service_quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::Forbidden("Service limit reached for this organization".into()));
    }
    Ok(())
}

/// Knob `maxUdfVersions`: the versions one UDF keeps (nothing prunes them, so a client
/// uploading in a loop would grow the state without end).
pub fn udf_version_quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::Forbidden(format!(
            "UDF version limit reached ({max} versions; delete one before uploading another)"
        )));
    }
    Ok(())
}

/// Upload sessions of one organization that have not expired (an hour each).
pub const MAX_LIVE_UDF_UPLOADS: usize = 1_000;

/// At most [`MAX_LIVE_UDF_UPLOADS`] unexpired upload sessions per organization.
pub fn udf_upload_quota(live: usize) -> Result<(), ChError> {
    if live >= MAX_LIVE_UDF_UPLOADS {
        return Err(ChError::Forbidden(format!(
            "UDF upload limit reached ({MAX_LIVE_UDF_UPLOADS} sessions in the last hour; they expire after an hour)"
        )));
    }
    Ok(())
}

/// Knob `maxByocConfigs`: the BYOC infrastructures of one organization.
pub fn byoc_quota(current: usize, max: u64) -> Result<(), ChError> {
    if current as u64 >= max {
        return Err(ChError::Forbidden(format!("BYOC infrastructure limit reached for this organization ({max})")));
    }
    Ok(())
}

/// `strictUnknownFields`: the first body field not in `known`.
pub fn unknown_fields(f: &Fields, known: &[&str], strict: bool) -> Result<(), FieldError> {
    if strict {
        if let Some(k) = f.unknown(known) {
            return Err(FieldError::message(k, format!("Unknown field '{k}'")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replica_memory_rules() {
        assert_eq!(replica_memory_gb("minReplicaMemoryGb", 16.0, true, 356), Ok(16));
        assert_eq!(
            replica_memory_gb("minReplicaMemoryGb", 16.0 + 0.5, true, 356).unwrap_err().to_string(),
            "minReplicaMemoryGb must be a multiple of 4 between 8 and 356"
        );
        assert!(replica_memory_gb("x", 10.0, true, 356).is_err());
        assert!(replica_memory_gb("x", 4.0, true, 356).is_err());
        assert!(replica_memory_gb("x", 360.0, true, 356).is_err());
        assert_eq!(replica_memory_gb("x", 356.0, true, 356), Ok(356));
        assert!(replica_memory_gb("x", 124.0, false, 356).unwrap_err().to_string().contains("<= 120"));
        assert!(replica_memory_gb("x", 240.0, true, 236).is_err());
    }

    #[test]
    fn total_memory_rules() {
        assert_eq!(total_memory_gb("minTotalMemoryGb", 48.0, true, 1068), Ok(48));
        assert!(total_memory_gb("minTotalMemoryGb", 30.0, true, 1068).is_err());
        assert!(total_memory_gb("minTotalMemoryGb", 12.0, true, 1068).is_err());
        assert!(total_memory_gb("maxTotalMemoryGb", 1080.0, true, 1068).is_err());
        assert!(total_memory_gb("maxTotalMemoryGb", 372.0, false, 1068).unwrap_err().to_string().contains("360"));
    }

    #[test]
    fn total_cap_follows_the_replica_cap() {
        assert_eq!(paid_total_cap(1068, 356), 1068);
        assert_eq!(paid_total_cap(1068, 236), 708);
        assert_eq!(paid_total_cap(708, 356), 708);
    }

    #[test]
    fn ip_sources() {
        assert!(parse_ip_source("10.0.0.0/8").is_some());
        assert!(parse_ip_source("10.0.0.0/33").is_none());
        assert!(parse_ip_source("300.1.1.1").is_none());
        assert!(parse_ip_source("::1/128").is_some());
        assert!(parse_ip_source("example.com").is_none());
        assert!(ip_source_contains("10.0.0.0/8", "10.2.3.4".parse().unwrap()));
        assert!(!ip_source_contains("10.0.0.0/8", "11.2.3.4".parse().unwrap()));
        assert!(ip_source_contains("0.0.0.0/0", "1.2.3.4".parse().unwrap()));
        assert!(ip_access_entry(0, &json!({"description": "x"}), true).unwrap_err().field == "ipAccessList[0].source");
    }

    #[test]
    fn names_regions_and_misc() {
        use NameCharset::*;
        assert!(service_name("my service", Strict).is_ok());
        assert!(service_name("my_service!", Strict).is_err());
        assert!(service_name("my-service", Lenient).is_ok());
        assert!(service_name("my_service!", Lenient).is_err());
        assert!(service_name("my-svc_1.x!", Official).is_ok());
        assert!(service_name(&"a".repeat(51), Official).is_err());
        assert!(service_name("", Official).is_err());
        assert!(service_name("   ", Strict).is_err());
        assert!(region("aws", "eastus", false).is_err());
        assert!(region("aws", "mars-1", false).is_err());
        assert!(region("aws", "il-central-1", true).is_err());
        assert!(region("aws", "il-central-1", false).is_ok());
        assert!(region("aws", "me-central-1", false).is_err());
        assert!(region("aws", "me-central-1", true).is_ok());
        assert!(region("aws", "ca-central-1", false).is_ok());
        assert!(region("gcp", "europe-west2", false).is_ok());
        assert_eq!(OFFICIAL_REGIONS.len(), 24);
        assert_eq!(backup_start_time("03:30"), Ok(210));
        assert!(backup_start_time("25:00").is_err());
        assert!(password_hash("abc").is_err());
        assert!(double_sha1_hash(&"a".repeat(40)).is_ok());
        assert!(allowed_origins("example.com, https://a.b:8080").is_ok());
        assert!(allowed_origins("bad origin").is_err());
        assert!(is_uuid("00000000-0000-4000-8000-000000000001"));
        assert!(!is_uuid("not-a-uuid"));
    }
}
