//! Prometheus metrics: E13 `GET SVC/prometheus` and S4 `GET ORG/prometheus`
//! (spec §5 E13, §8.3, §9.1 S4; SEED-A 683–697; O1 `text/plain`; O2 integration page).
//!
//! Reads services only; answers `Out::Prometheus` (text exposition 0.0.4). Errors
//! (CH-R39 `filtered_metrics`, 404, ...) stay JSON envelopes (O1).
//!
//! What is exposed (metric and label names follow O2's sample, I until re-verified):
//! - `ClickHouse_ServiceInfo` (untyped, 1) per service, with `clickhouse_cluster_status`
//!   = the service state, `clickhouse_version`, and `scrape`.
//! - Per replica (`hostname` = `instance` = `c-sim-<sub>-server-<i>`, `i` in
//!   `0..numReplicas`): the counters `ClickHouseProfileEvents_{Query,SelectQuery,InsertQuery}`
//!   and the gauge `ClickHouseMetrics_MemoryTracking`; with `filtered_metrics=false` (the
//!   default) also `ClickHouseProfileEvents_FailedQuery`, `ClickHouseMetrics_Query`,
//!   `ClickHouseAsyncMetrics_Uptime` and `ClickHouseAsyncMetrics_TotalBytesOfMergeTreeTables`.
//! - A service whose servers are down or scaled to zero (every state but `running`,
//!   `partially_running` and `degraded`) exposes only `ClickHouse_ServiceInfo`, with
//!   `scrape="partial"`: scraping does not wake an idle service (§8.3, I).
//!
//! Values are deterministic: a hash of (service id, replica, metric) — independent of the
//! seed — and the whole minutes since the service was *created*. Minutes since creation
//! rather than since the last start, so that counters never decrease across calls, not even
//! across a stop/start (§8.3). Gauges may move either way.
//!
//! S4 groups by metric name: one `# HELP`/`# TYPE` block per name, with the series of every
//! visible service (oldest first), so the body stays valid exposition. A family without any
//! series is left out; an organization without services answers an empty body (200).

use std::fmt::Write as _;

use super::model::*;
use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::hash::fnv1a;

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    let filtered = v::filtered_metrics(call.req.query_param("filtered_metrics").as_deref())?;
    let services = match op {
        Op::ServicePrometheus { service } => vec![ch.service(&call.org.id, service)?],
        Op::OrganizationPrometheus => {
            let mut all = ch.services.list_where(&call.org.id, |s| !s.state.is_removed());
            all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            all
        }
        other => return Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    };
    Ok(Out::Prometheus(exposition(&services, filtered, call.cx.now)))
}

/// Metric kinds of the exposition format.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// One per-replica metric family.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    /// The system table the value comes from (label `table`).
    table: &'static str,
    /// Part of the `filtered_metrics=true` list.
    filtered: bool,
    value: fn(&Replica) -> u64,
}

const SERVICE_INFO: &str = "ClickHouse_ServiceInfo";
const SERVICE_INFO_HELP: &str = "Information about service, including cluster status and ClickHouse version";

static FAMILIES: &[Family] = &[
    Family {
        name: "ClickHouseProfileEvents_Query",
        help: "Number of queries to be interpreted and potentially executed.",
        kind: Kind::Counter,
        table: "system.events",
        filtered: true,
        value: |r| r.select() + r.insert() + r.failed() + 2 * r.minutes,
    },
    Family {
        name: "ClickHouseProfileEvents_SelectQuery",
        help: "Same as Query, but only for SELECT queries.",
        kind: Kind::Counter,
        table: "system.events",
        filtered: true,
        value: |r| r.select(),
    },
    Family {
        name: "ClickHouseProfileEvents_InsertQuery",
        help: "Same as Query, but only for INSERT queries.",
        kind: Kind::Counter,
        table: "system.events",
        filtered: true,
        value: |r| r.insert(),
    },
    Family {
        name: "ClickHouseProfileEvents_FailedQuery",
        help: "Number of failed queries.",
        kind: Kind::Counter,
        table: "system.events",
        filtered: false,
        value: |r| r.failed(),
    },
    Family {
        name: "ClickHouseMetrics_MemoryTracking",
        help: "Total amount of memory (bytes) allocated by the server.",
        kind: Kind::Gauge,
        table: "system.metrics",
        filtered: true,
        value: |r| {
            // A quarter of the smallest replica size at most: a lightly loaded server.
            let quarter = ((r.memory_gb as u64).max(1) << 30) / 4;
            (256 << 20) + r.hash("memory", true) % quarter
        },
    },
    Family {
        name: "ClickHouseMetrics_Query",
        help: "Number of executing queries.",
        kind: Kind::Gauge,
        table: "system.metrics",
        filtered: false,
        value: |r| r.hash("executing", true) % 4,
    },
    Family {
        name: "ClickHouseAsyncMetrics_Uptime",
        help: "The server uptime in seconds.",
        kind: Kind::Gauge,
        table: "system.asynchronous_metrics",
        filtered: false,
        value: |r| r.uptime_secs,
    },
    Family {
        name: "ClickHouseAsyncMetrics_TotalBytesOfMergeTreeTables",
        help:
            "Total amount of bytes (compressed, including data and indices) stored in all tables of MergeTree family.",
        kind: Kind::Gauge,
        table: "system.asynchronous_metrics",
        filtered: false,
        value: |r| (64 << 20) + 65_536 * r.minutes + r.hash("bytes", false) % (1 << 20),
    },
];

/// One replica of one service at one instant: what the values are computed from.
struct Replica<'a> {
    service_id: &'a str,
    index: u32,
    minutes: u64,
    uptime_secs: u64,
    /// `minReplicaMemoryGb`: the gauge of allocated memory stays well below it.
    memory_gb: u32,
}

impl Replica<'_> {
    /// A stable hash of (service id, replica, `what`), and of the minute when `per_minute`.
    fn hash(&self, what: &str, per_minute: bool) -> u64 {
        let minute = if per_minute { self.minutes } else { 0 };
        fnv1a(format!("{}/{}/{what}/{minute}", self.service_id, self.index).as_bytes())
    }

    /// A counter: an offset and a rate per minute, both from the hash.
    fn counter(&self, what: &str, max_rate: u64) -> u64 {
        let h = self.hash(what, false);
        h % 500 + (1 + (h >> 32) % max_rate) * self.minutes
    }

    fn select(&self) -> u64 {
        self.counter("select", 40)
    }

    fn insert(&self) -> u64 {
        self.counter("insert", 20)
    }

    fn failed(&self) -> u64 {
        let h = self.hash("failed", false);
        h % 5 + self.minutes / (10 + (h >> 32) % 20)
    }
}

/// Whether the service's servers answer a scrape (`scrape="full"`).
fn scraped_in_full(state: ServiceState) -> bool {
    matches!(state, ServiceState::Running | ServiceState::PartiallyRunning | ServiceState::Degraded)
}

/// A label value with `\`, `"` and newlines escaped (exposition format 0.0.4).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The labels every series of a service carries.
fn service_labels(s: &Service) -> String {
    format!(
        "clickhouse_org=\"{}\",clickhouse_service=\"{}\",clickhouse_service_name=\"{}\"",
        escape(&s.org_id),
        escape(&s.id),
        escape(&s.name)
    )
}

/// The exposition text of `services`, grouped by metric name (§8.3).
fn exposition(services: &[Service], filtered: bool, now: SimInstant) -> String {
    let mut blocks: Vec<String> = Vec::new();
    if !services.is_empty() {
        let mut block = format!("# HELP {SERVICE_INFO} {SERVICE_INFO_HELP}\n# TYPE {SERVICE_INFO} untyped\n");
        for s in services {
            let scrape = if scraped_in_full(s.state) { "full" } else { "partial" };
            let _ = writeln!(
                block,
                "{SERVICE_INFO}{{{},clickhouse_cluster_status=\"{}\",clickhouse_version=\"{}\",scrape=\"{scrape}\"}} 1",
                service_labels(s),
                s.state.as_str(),
                escape(&s.clickhouse_version),
            );
        }
        blocks.push(block);
    }
    let full: Vec<&Service> = services.iter().filter(|s| scraped_in_full(s.state)).collect();
    for family in FAMILIES.iter().filter(|f| f.filtered || !filtered) {
        if full.is_empty() {
            break;
        }
        let mut block =
            format!("# HELP {} {}\n# TYPE {} {}\n", family.name, family.help, family.name, family.kind.as_str());
        for s in &full {
            let labels = service_labels(s);
            for index in 0..s.num_replicas {
                let host = format!("c-sim-{}-server-{index}", s.subdomain);
                let replica = Replica {
                    service_id: &s.id,
                    index,
                    minutes: now.secs_since(s.created_at) / 60,
                    uptime_secs: s.running_since.map(|t| now.secs_since(t)).unwrap_or(0),
                    memory_gb: s.min_replica_memory_gb,
                };
                let _ = writeln!(
                    block,
                    "{}{{{labels},hostname=\"{host}\",instance=\"{host}\",table=\"{}\"}} {}",
                    family.name,
                    family.table,
                    (family.value)(&replica)
                );
            }
        }
        blocks.push(block);
    }
    blocks.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_grow_with_the_minutes() {
        let at = |minutes| Replica { service_id: "s", index: 0, minutes, uptime_secs: 0, memory_gb: 8 };
        for family in FAMILIES.iter().filter(|f| f.kind == Kind::Counter) {
            let mut last = 0;
            for m in 0..500 {
                let v = (family.value)(&at(m));
                assert!(v >= last, "{} decreased at minute {m}", family.name);
                last = v;
            }
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
