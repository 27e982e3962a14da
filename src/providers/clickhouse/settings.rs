//! ClickHouse knobs (spec §12): every strict/lenient reading, quota and duration, each
//! named `clickhouse.<name>`, defaulting to the seed-faithful value.

use serde_json::{json, Value};

use crate::config::{read, KnobDef};

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// CH-R02: `strict` = letters, digits, spaces; `lenient` adds `-`, `_`, `.`.
    pub lenient_names: bool,
    /// CH-R04: `seed` = SEED-B's 19 regions; `openapi` adds O1's 4.
    pub openapi_regions: bool,
    /// CH-R08/R10: paid cap of replica memory (236 SEED-A/O1, 356 SEED-B).
    pub paid_replica_max: u32,
    /// CH-R14: paid cap of total memory (708 SEED-A, 1068 SEED-B/O1).
    pub paid_total_max: u32,
    /// CH-R11: BYOC size list: `seed002`, `seed000` or `union`.
    pub byoc_sizes: &'static str,
    /// E5: `seed` = stopped only; `live` = the states the live API allows (O4).
    pub delete_live: bool,
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
    pub max_services_per_org: u64,
    pub max_ip_access_entries: u64,
    pub max_api_keys: u64,
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lenient_names: false,
            openapi_regions: false,
            paid_replica_max: 356,
            paid_total_max: 1068,
            byoc_sizes: "seed002",
            delete_live: false,
            delete_returns_service: false,
            soft_delete: false,
            awake_command: true,
            auto_idle: true,
            foreign_org_status: 404,
            strict_unknown_fields: false,
            allow_ipv6: true,
            rc_aliases: true,
            rate_limit: false,
            max_services_per_org: 100,
            max_ip_access_entries: 100,
            max_api_keys: 100,
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
            },
        }
    }
}

macro_rules! duration_knob {
    ($name:literal, $field:ident, $doc:literal) => {
        KnobDef {
            name: concat!("durations.", $name),
            doc: $doc,
            get: |s| json!(s.durations.$field),
            set: |s, v| {
                s.durations.$field = read::u64(v)?;
                Ok(())
            },
        }
    };
}

fn choice_flag(v: &Value, off: &'static str, on: &'static str) -> Result<bool, String> {
    Ok(read::choice(v, &[off, on])? == on)
}

pub static KNOBS: &[KnobDef<Settings>] = &[
    KnobDef {
        name: "serviceNameCharset",
        doc: "CH-R02 service names: strict (letters, digits, spaces, per the seeds) or lenient (adds - _ .)",
        get: |s| json!(if s.lenient_names { "lenient" } else { "strict" }),
        set: |s, v| {
            s.lenient_names = choice_flag(v, "strict", "lenient")?;
            Ok(())
        },
    },
    KnobDef {
        name: "regionSet",
        doc: "CH-R04 regions: seed (the 19 of seed 002) or openapi (adds ap-northeast-2, il-central-1, asia-northeast1, centralus)",
        get: |s| json!(if s.openapi_regions { "openapi" } else { "seed" }),
        set: |s, v| {
            s.openapi_regions = choice_flag(v, "seed", "openapi")?;
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
        doc: "E5 delete: seed (stopped only) or live (provisioning, starting, awaking, idle, stopped, degraded, failed)",
        get: |s| json!(if s.delete_live { "live" } else { "seed" }),
        set: |s, v| {
            s.delete_live = choice_flag(v, "seed", "live")?;
            Ok(())
        },
    },
    KnobDef {
        name: "deleteReturnsService",
        doc: "E5 delete answers result.service (true) or only {status, requestId} (false, per OpenAPI)",
        get: |s| json!(s.delete_returns_service),
        set: |s, v| {
            s.delete_returns_service = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "softDelete",
        doc: "E5 delete goes through softdeleting/softdeleted instead of terminating/terminated",
        get: |s| json!(s.soft_delete),
        set: |s, v| {
            s.soft_delete = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "awakeCommand",
        doc: "E10 accepts the newer 'awake' command besides start and stop",
        get: |s| json!(s.awake_command),
        set: |s, v| {
            s.awake_command = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "autoIdle",
        doc: "running services with idleScaling go idle after idleTimeoutMinutes without activity",
        get: |s| json!(s.auto_idle),
        set: |s, v| {
            s.auto_idle = read::bool(v)?;
            Ok(())
        },
    },
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
    KnobDef {
        name: "strictUnknownFields",
        doc: "refuse unknown body fields with 400 instead of ignoring them",
        get: |s| json!(s.strict_unknown_fields),
        set: |s, v| {
            s.strict_unknown_fields = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "allowIpv6",
        doc: "CH-R21 ipAccessList accepts IPv6 addresses and CIDRs",
        get: |s| json!(s.allow_ipv6),
        set: |s, v| {
            s.allow_ipv6 = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "rcAliases",
        doc: "serve the short paths real clients use (queryEndpoint, reversePrivateEndpoints, privateEndpointInfo)",
        get: |s| json!(s.rc_aliases),
        set: |s, v| {
            s.rc_aliases = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "rateLimit",
        doc: "10 requests per 10 simulated seconds per key, then 429 with X-RateLimit-Reset (on|off)",
        get: |s| json!(if s.rate_limit { "on" } else { "off" }),
        set: |s, v| {
            s.rate_limit = read::bool(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "maxServicesPerOrg",
        doc: "CH-R50 non-deleted services per organization",
        get: |s| json!(s.max_services_per_org),
        set: |s, v| {
            s.max_services_per_org = read::u64(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "maxIpAccessEntries",
        doc: "CH-R22 entries of a service's ipAccessList",
        get: |s| json!(s.max_ip_access_entries),
        set: |s, v| {
            s.max_ip_access_entries = read::u64(v)?;
            Ok(())
        },
    },
    KnobDef {
        name: "maxApiKeys",
        doc: "API keys per organization",
        get: |s| json!(s.max_api_keys),
        set: |s, v| {
            s.max_api_keys = read::u64(v)?;
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
    duration_knob!("provision", provision, "simulated seconds from provisioning to running"),
    duration_knob!("start", start, "simulated seconds from starting to running"),
    duration_knob!("stop", stop, "simulated seconds from stopping to stopped"),
    duration_knob!("awake", awake, "simulated seconds from awaking to running"),
    duration_knob!("terminate", terminate, "simulated seconds from terminating to removed"),
    duration_knob!("backup", backup, "simulated seconds a backup stays in_progress"),
    duration_knob!("clickpipe", clickpipe, "simulated seconds a ClickPipe stays Provisioning/Stopping"),
    duration_knob!(
        "reversePrivateEndpoint",
        reverse_private_endpoint,
        "simulated seconds a reverse private endpoint stays Provisioning"
    ),
];
