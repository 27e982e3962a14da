//! ClickHouse knobs (spec §12): every strict/lenient reading, quota and duration, each
//! named `clickhouse.<name>`.
//!
//! Defaults follow the seeds where they speak and the live API (the official OpenAPI
//! document, ClickHouse/clickhousectl `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`)
//! where the seeds are silent or older than it; where the two differ, the seed's reading
//! stays one knob value away (`serviceNameCharset=strict`, `regionSet=seed`,
//! `deleteAllowedStates=seed`, `backupRules=seed`).

use serde_json::json;

use crate::config::{knob_bool, knob_u64, read, KnobDef};

/// CH-R02 readings of a service name's characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCharset {
    /// The official document: 1–50 characters, no charset rule (`ServicePostRequest.name`
    /// has only `minLength`/`maxLength`), which is what the live API accepts.
    Official,
    /// Letters, digits, spaces, `-`, `_` and `.`.
    Lenient,
    /// Letters, digits and spaces only (SEED-A 25, SEED-B 230).
    Strict,
}

impl NameCharset {
    pub fn as_str(self) -> &'static str {
        match self {
            NameCharset::Official => "official",
            NameCharset::Lenient => "lenient",
            NameCharset::Strict => "strict",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// CH-R02: which characters a service name may hold.
    pub name_charset: NameCharset,
    /// CH-R04: `official` = the official document's 24 regions; `seed` = SEED-B's 19.
    pub seed_regions: bool,
    /// CH-R08/R10: paid cap of replica memory (236 SEED-A/O1, 356 SEED-B).
    pub paid_replica_max: u32,
    /// CH-R14: paid cap of total memory (708 SEED-A, 1068 SEED-B/O1).
    pub paid_total_max: u32,
    /// CH-R11: BYOC size list: `seed002`, `seed000` or `union`.
    pub byoc_sizes: &'static str,
    /// E5: `live` = the states the live API allows (O4, the default); `seed` = stopped only.
    pub delete_live: bool,
    /// CH-R46/R47: `official` = retention 24..1080 in whole days and, with a start time,
    /// a period of 24 or 48 hours; `seed` = retention between the period and 720 and, with
    /// a start time, a period of 24 only.
    pub seed_backup_rules: bool,
    pub delete_returns_service: bool,
    pub soft_delete: bool,
    pub awake_command: bool,
    pub auto_idle: bool,
    /// A6: status for another organization's id (404 or 403).
    pub foreign_org_status: u16,
    pub strict_unknown_fields: bool,
    pub allow_ipv6: bool,
    /// Serve the short paths one real client uses (`queryEndpoint`, ...).
    pub rc_aliases: bool,
    pub rate_limit: bool,
    /// Base of `udfUploadSessionCreate`'s `uploadUrl` (no trailing `/`); empty: the
    /// simulator's own `http://{Host}`.
    pub udf_upload_base_url: String,
    /// Custom roles' policies grant access (`access.rs`); false: recorded, not enforced.
    pub enforce_custom_roles: bool,
    pub max_services_per_org: u64,
    pub max_ip_access_entries: u64,
    pub max_api_keys: u64,
    /// Versions kept per UDF; an upload beyond them is refused.
    pub max_udf_versions: u64,
    /// Saved queries per service; a create beyond them is refused.
    pub max_saved_queries_per_service: u64,
    /// Query API endpoints per service; a create beyond them is refused.
    pub max_query_api_endpoints_per_service: u64,
    /// Credit grants per organization (`billing.rs`'s hook refuses more).
    pub max_credit_balances_per_org: u64,
    /// Notifications kept per organization; raising one beyond drops the oldest.
    pub max_notifications_per_org: u64,
    /// Snapshots a service keeps; the oldest go first.
    pub max_snapshots_per_service: u64,
    /// BYOC infrastructures per organization; a create beyond them is refused.
    pub max_byoc_configs: u64,
    /// Activities kept per organization, the oldest dropped first.
    pub activities_max: u64,
    pub backup_period_min: u64,
    pub backup_period_max: u64,
    pub clickhouse_version: String,
    pub durations: Durations,
}

/// Simulated seconds of each transition (spec §6.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Durations {
    pub provision: u64,
    pub start: u64,
    pub stop: u64,
    pub awake: u64,
    pub terminate: u64,
    pub backup: u64,
    pub clickpipe: u64,
    pub reverse_private_endpoint: u64,
    pub byoc: u64,
    pub udf_build: u64,
    pub udf_attach: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name_charset: NameCharset::Official,
            seed_regions: false,
            paid_replica_max: 356,
            paid_total_max: 1068,
            byoc_sizes: "seed002",
            delete_live: true,
            seed_backup_rules: false,
            delete_returns_service: false,
            soft_delete: false,
            awake_command: true,
            auto_idle: true,
            foreign_org_status: 404,
            strict_unknown_fields: false,
            allow_ipv6: true,
            rc_aliases: true,
            rate_limit: false,
            enforce_custom_roles: true,
            udf_upload_base_url: String::new(),
            max_services_per_org: 100,
            max_ip_access_entries: 100,
            max_api_keys: 100,
            activities_max: 10_000,
            max_udf_versions: 100,
            max_byoc_configs: 20,
            max_saved_queries_per_service: 1000,
            max_query_api_endpoints_per_service: 100,
            max_credit_balances_per_org: 100,
            max_notifications_per_org: 1000,
            max_snapshots_per_service: 1000,
            backup_period_min: 6,
            backup_period_max: 48,
            clickhouse_version: "25.8.1.8344".into(),
            durations: Durations {
                provision: 60,
                start: 30,
                stop: 20,
                awake: 15,
                terminate: 30,
                backup: 300,
                clickpipe: 30,
                reverse_private_endpoint: 60,
                byoc: 60,
                udf_build: 30,
                udf_attach: 20,
            },
        }
    }
}

pub static KNOBS: &[KnobDef<Settings>] = &[
    KnobDef {
        name: "serviceNameCharset",
        doc: "CH-R02 service names of 1-50 characters: official (any character, as the live API), lenient (letters, digits, spaces, - _ .) or strict (letters, digits, spaces, per the seeds)",
        get: |s| json!(s.name_charset.as_str()),
        set: |s, v| {
            s.name_charset = match read::choice(v, &["official", "lenient", "strict"])? {
                "lenient" => NameCharset::Lenient,
                "strict" => NameCharset::Strict,
                _ => NameCharset::Official,
            };
            Ok(())
        },
    },
    KnobDef {
        name: "regionSet",
        doc: "CH-R04 regions: official (the 24 of the official document; 'openapi' is an alias) or seed (the 19 of seed 002, with me-central-1)",
        get: |s| json!(if s.seed_regions { "seed" } else { "official" }),
        set: |s, v| {
            s.seed_regions = read::choice(v, &["official", "openapi", "seed"])? == "seed";
            Ok(())
        },
    },
    KnobDef {
        name: "paidReplicaMax",
        doc: "CH-R08/R10 upper bound of replica memory for paid organizations: 356 (seed 002) or 236 (seed 000, OpenAPI)",
        get: |s| json!(s.paid_replica_max),
        set: |s, v| {
            s.paid_replica_max = match read::choice(v, &["236", "356"])? {
                "236" => 236,
                _ => 356,
            };
            Ok(())
        },
    },
    KnobDef {
        name: "paidTotalMax",
        doc: "CH-R12/R14 upper bound of total memory for paid organizations: 1068 (seed 002) or 708 (seed 000)",
        get: |s| json!(s.paid_total_max),
        set: |s, v| {
            s.paid_total_max = match read::choice(v, &["708", "1068"])? {
                "708" => 708,
                _ => 1068,
            };
            Ok(())
        },
    },
    KnobDef {
        name: "byocSizes",
        doc: "CH-R11 BYOC replica sizes: seed002 (48,116,172,232), seed000 (28,60,124,188,252,380) or union",
        get: |s| json!(s.byoc_sizes),
        set: |s, v| {
            s.byoc_sizes = read::choice(v, &["seed002", "seed000", "union"])?;
            Ok(())
        },
    },
    KnobDef {
        name: "deleteAllowedStates",
        doc: "E5 delete: live (provisioning, starting, awaking, idle, stopped, degraded, failed, as the live API) or seed (stopped only)",
        get: |s| json!(if s.delete_live { "live" } else { "seed" }),
        set: |s, v| {
            s.delete_live = read::flag(v, "seed", "live")?;
            Ok(())
        },
    },
    KnobDef {
        name: "backupRules",
        doc: "CH-R46/R47 backup configuration: official (retention 24..1080 in multiples of 24; with backupStartTime a period of 24 or 48) or seed (retention between the period and 720; with backupStartTime a period of 24)",
        get: |s| json!(if s.seed_backup_rules { "seed" } else { "official" }),
        set: |s, v| {
            s.seed_backup_rules = read::flag(v, "official", "seed")?;
            Ok(())
        },
    },
    knob_bool!("deleteReturnsService", delete_returns_service, "E5 delete answers result.service (true) or only {status, requestId} (false, per OpenAPI)"),
    knob_bool!("softDelete", soft_delete, "E5 delete goes through softdeleting/softdeleted instead of terminating/terminated"),
    knob_bool!("awakeCommand", awake_command, "E10 accepts the newer 'awake' command besides start and stop"),
    knob_bool!("autoIdle", auto_idle, "running services with idleScaling go idle after idleTimeoutMinutes without activity"),
    KnobDef {
        name: "foreignOrgStatus",
        doc: "status for another organization's id in the path: 404 (invisible) or 403",
        get: |s| json!(s.foreign_org_status),
        set: |s, v| {
            s.foreign_org_status = match read::choice(v, &["403", "404"])? {
                "403" => 403,
                _ => 404,
            };
            Ok(())
        },
    },
    knob_bool!("strictUnknownFields", strict_unknown_fields, "refuse unknown body fields with 400 instead of ignoring them"),
    knob_bool!("allowIpv6", allow_ipv6, "CH-R21 ipAccessList accepts IPv6 addresses and CIDRs"),
    knob_bool!("rcAliases", rc_aliases, "serve the short paths real clients use (queryEndpoint, reversePrivateEndpoints, privateEndpointInfo)"),
    KnobDef {
        name: "rateLimit",
        doc: "10 requests per 10 simulated seconds per key, then 429 with X-RateLimit-Reset (on|off)",
        get: |s| json!(if s.rate_limit { "on" } else { "off" }),
        set: |s, v| {
            s.rate_limit = read::bool(v)?;
            Ok(())
        },
    },
    knob_bool!("enforceCustomRoles", enforce_custom_roles,
        "custom roles' policies grant what they say (ALLOW/DENY on control-plane permissions and instance/organization resources); false: recorded, not enforced (access follows system roles only)"
    ),
    KnobDef {
        name: "udfUploadBaseUrl",
        doc: "base of the uploadUrl udfUploadSessionCreate answers (an absolute http(s) URL, e.g. the https address of a TLS-terminating proxy in front of the simulator, for clickhousectl udf create/deploy); empty: http://{Host} of the request",
        get: |s| json!(s.udf_upload_base_url),
        set: |s, v| {
            s.udf_upload_base_url = upload_base_url(&read::string(v)?)?;
            Ok(())
        },
    },
    knob_u64!("maxServicesPerOrg", max_services_per_org, "CH-R50 non-deleted services per organization"),
    knob_u64!("maxIpAccessEntries", max_ip_access_entries, "CH-R22 entries of a service's ipAccessList"),
    knob_u64!("maxApiKeys", max_api_keys, "API keys per organization"),
    knob_u64!("maxUdfVersions", max_udf_versions, "versions kept per UDF (delete one to upload another)"),
    knob_u64!("maxByocConfigs", max_byoc_configs, "BYOC infrastructures per organization"),
    knob_u64!("maxSavedQueriesPerService", max_saved_queries_per_service, "saved queries per service (a create beyond them is a 403)"),
    knob_u64!("maxQueryApiEndpointsPerService", max_query_api_endpoints_per_service, "Query API endpoints per service (a create beyond them is a 403)"),
    knob_u64!("maxCreditBalancesPerOrg", max_credit_balances_per_org, "credit grants per organization (the grant hook refuses more)"),
    knob_u64!("maxNotificationsPerOrg", max_notifications_per_org, "notifications kept per organization (the oldest go first)"),
    knob_u64!("maxSnapshotsPerService", max_snapshots_per_service, "snapshots a service keeps (the oldest go first)"),
    KnobDef {
        name: "activities.max",
        doc: "activities kept per organization (the oldest are dropped first); at least 1",
        get: |s| json!(s.activities_max),
        set: |s, v| {
            s.activities_max = read::u64(v)?.max(1);
            Ok(())
        },
    },
    KnobDef {
        name: "backupPeriodMin",
        doc: "CH-R45 smallest backupPeriodInHours",
        get: |s| json!(s.backup_period_min),
        set: |s, v| {
            s.backup_period_min = read::u64(v)?.max(1);
            Ok(())
        },
    },
    KnobDef {
        name: "backupPeriodMax",
        doc: "CH-R45 largest backupPeriodInHours",
        get: |s| json!(s.backup_period_max),
        set: |s, v| {
            s.backup_period_max = read::u64(v)?.max(1);
            Ok(())
        },
    },
    KnobDef {
        name: "clickhouseVersion",
        doc: "clickhouseVersion reported by new services",
        get: |s| json!(s.clickhouse_version),
        set: |s, v| {
            s.clickhouse_version = read::string(v)?;
            Ok(())
        },
    },
    knob_u64!(concat!("durations.", "provision"), durations.provision, "simulated seconds from provisioning to running"),
    knob_u64!(concat!("durations.", "start"), durations.start, "simulated seconds from starting to running"),
    knob_u64!(concat!("durations.", "stop"), durations.stop, "simulated seconds from stopping to stopped"),
    knob_u64!(concat!("durations.", "awake"), durations.awake, "simulated seconds from awaking to running"),
    knob_u64!(concat!("durations.", "terminate"), durations.terminate, "simulated seconds from terminating to removed"),
    knob_u64!(concat!("durations.", "backup"), durations.backup, "simulated seconds a backup stays in_progress"),
    knob_u64!(concat!("durations.", "clickpipe"), durations.clickpipe, "simulated seconds a ClickPipe stays Provisioning/Stopping"),
    knob_u64!(concat!("durations.", "reversePrivateEndpoint"), durations.reverse_private_endpoint,
        "simulated seconds a reverse private endpoint stays Provisioning"
    ),
    knob_u64!(concat!("durations.", "byoc"), durations.byoc, "simulated seconds a BYOC infrastructure stays infra-provisioning"),
    knob_u64!(concat!("durations.", "udfBuild"), durations.udf_build, "simulated seconds a UDF version stays building"),
    knob_u64!(concat!("durations.", "udfAttach"), durations.udf_attach,
        "simulated seconds a UDF attachment stays provisioning or deprovisioning"
    ),
];

/// Knob `udfUploadBaseUrl`: empty, or an absolute `http://` / `https://` URL with a host
/// and no query or fragment; a trailing `/` is dropped, so that the upload path follows.
fn upload_base_url(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("'{s}' is not an absolute http(s) URL"))?;
    let host = rest.split('/').next().unwrap_or("");
    let bad = host.is_empty()
        || host.starts_with(':')
        || host.contains('@')
        || rest.contains(['?', '#'])
        || rest.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad {
        return Err(format!("'{s}' is not an absolute http(s) URL with a host (and no query or fragment)"));
    }
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| !host.ends_with(']')) {
        if port.parse::<u16>().is_err() {
            return Err(format!("'{s}' has a bad port"));
        }
    }
    Ok(s.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::upload_base_url;

    #[test]
    fn the_upload_base_url_is_empty_or_an_absolute_http_url() {
        assert_eq!(upload_base_url(""), Ok(String::new()));
        assert_eq!(upload_base_url("https://127.0.0.1:8443/"), Ok("https://127.0.0.1:8443".into()));
        assert_eq!(upload_base_url("http://sim.local/prefix"), Ok("http://sim.local/prefix".into()));
        assert_eq!(upload_base_url("https://[::1]:9443"), Ok("https://[::1]:9443".into()));
        for bad in ["ftp://x", "127.0.0.1:8443", "https://", "https:///x", "https://h:99999", "https://h?x=1", "https://u@h"] {
            assert!(upload_base_url(bad).is_err(), "{bad}");
        }
    }
}
