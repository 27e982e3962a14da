//! Service snapshots (Beta): the schedule (`SVC/snapshotConfiguration`:
//! `snapshotConfigurationGet`, `snapshotConfigurationUpdate` (PATCH)) and the snapshots
//! it takes (`SVC/snapshots[/{snapshotId}]`: `snapshotGetList`, `snapshotGet`);
//! `clickhousectl cloud service snapshot`.
//!
//! Owns the `snapshot_configs` table, keyed `(organization, service id)`. May touch: the
//! `services` table (read), `crate::validation`, `crate::clock` (reads).
//!
//! # Authority
//! Not in the official OpenAPI document; learnt from the clickhousectl 0.5.0 binary: the
//! paths, method and operationIds of its operation table; the permissions its `--help`
//! prints (`control-plane:service:view-snapshots` to read, `...:manage-snapshots` to
//! change); its help ("Omitted fields stay unchanged; Cloud validates the resulting
//! configuration", `--gap` "Interval in minutes", `--time-frame` "Retention in minutes");
//! what it sends (captured: `{"enabled": true}`, `{"gap": 60.0, "timeFrame": 1440.0}`);
//! and its models, probed against a capturing server: `SnapshotConfiguration` (`enabled`
//! a boolean, `gap` and `timeFrame` numbers) and `Snapshot` (`id` a UUID, `serviceId`,
//! `status` — `SnapshotStatus`, values seen in the binary `done`, `in_progress`,
//! `error`, `throttled` —, `type` — `SnapshotType` —, `startedAt`, `finishedAt`
//! RFC 3339, `sizeInBytes`, `durationInSeconds` numbers).
//!
//! # Choices (I)
//! - **Nothing configured**: the configuration read is the 404 `Snapshot configuration
//!   not found` and the list is empty. The first PATCH starts from `enabled: false`,
//!   `gap: 60`, `timeFrame: 1440` and applies the fields sent; later ones merge.
//! - **Rules**, one function each, a 400 naming the field: `enabled` a boolean; `gap` an
//!   integer 15–1440 minutes; `timeFrame` an integer 60–43200 minutes (30 days); the
//!   result's `timeFrame` at least its `gap`; a body naming none of the three is a 400.
//! - **Snapshots on the clock, worked out on read**: while enabled, one is taken every
//!   `gap` minutes after the configuration was enabled (or last changed), each `done`
//!   60 simulated seconds after it starts (`in_progress` until then, without
//!   `finishedAt`), type `full`, a size fixed by its id. Only those within the last
//!   `timeFrame` minutes are kept. A change of the configuration keeps the snapshots
//!   taken so far (within the retention) and starts the new schedule at that moment.
//!   Ids are derived from the service, the schedule's start and the snapshot's number, so
//!   a snapshot keeps its id from one read to the next.
//! - Listed newest first. Knob `maxSnapshotsPerService` (default 1000) caps what a
//!   service keeps (the oldest go first). Any service state: the simulator does not stop
//!   the schedule of a stopped or idle service. Deleting the service deletes them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::routes::Op;
use super::validate as v;
use super::{Call, ChError, ClickHouse, Out, Res};
use crate::clock::SimInstant;
use crate::http::json_object;
use crate::providers::Cx;
use crate::validation::{integral, FieldError, Fields, Rule};

pub const GAP_MIN: i64 = 15;
pub const GAP_MAX: i64 = 1440;
pub const TIME_FRAME_MIN: i64 = 60;
pub const TIME_FRAME_MAX: i64 = 43200;
/// How long a snapshot takes (simulated seconds).
const TAKES_SECS: u64 = 60;
const MINUTE_MS: u64 = 60_000;

/// A snapshot taken under an earlier schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TakenSnapshot {
    pub id: String,
    pub started_at: SimInstant,
}

/// One service's schedule and what earlier schedules took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotConfig {
    pub org_id: String,
    pub service_id: String,
    pub enabled: bool,
    /// Minutes between snapshots.
    pub gap: u64,
    /// Minutes a snapshot is kept.
    pub time_frame: u64,
    /// When the current schedule started.
    pub since: SimInstant,
    /// Snapshots of earlier schedules, oldest first.
    #[serde(default)]
    pub taken: Vec<TakenSnapshot>,
}

pub fn handle(ch: &ClickHouse, call: &Call, op: &Op) -> Res {
    match op {
        Op::GetSnapshotConfiguration { service } => {
            ch.service(&call.org.id, service)?;
            let c = ch
                .snapshot_configs
                .get(&call.org.id, service)
                .ok_or_else(|| ChError::NotFound("Snapshot configuration not found".into()))?;
            Ok(Out::Result(config_view(&c)))
        }
        Op::UpdateSnapshotConfiguration { service } => update(ch, call, service),
        Op::ListSnapshots { service } => {
            ch.service(&call.org.id, service)?;
            let all = snapshots(ch, call, service);
            Ok(Out::Result(Value::Array(all.iter().map(|s| view(s, service, call.cx)).collect())))
        }
        Op::GetSnapshot { service, snapshot } => {
            ch.service(&call.org.id, service)?;
            let all = snapshots(ch, call, service);
            let s = all.iter().find(|s| &s.id == snapshot).ok_or_else(|| ChError::not_found("Snapshot", snapshot))?;
            Ok(Out::Result(view(s, service, call.cx)))
        }
        other => Err(ChError::NotFound(format!("Route not found for {}", other.name()))),
    }
}

fn config_view(c: &SnapshotConfig) -> Value {
    json!({"enabled": c.enabled, "gap": c.gap, "timeFrame": c.time_frame})
}

/// A stable UUID-shaped id of snapshot `n` of the schedule started at `since`.
fn snapshot_id(service: &str, since: SimInstant, n: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x8422_2325_cbf2_9ce4;
    for b in service.bytes().chain(since.0.to_le_bytes()).chain(n.to_le_bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        h2 = (h2 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(7);
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h2 >> 52) & 0xfff,
        h2 & 0xffff_ffff_ffff
    )
}

/// The snapshots of the current schedule started by `now`, within the retention.
fn current_schedule(c: &SnapshotConfig, now: SimInstant, cap: usize) -> Vec<TakenSnapshot> {
    if !c.enabled || c.gap == 0 {
        return Vec::new();
    }
    let gap_ms = c.gap * MINUTE_MS;
    let last = now.0.saturating_sub(c.since.0) / gap_ms;
    let oldest_kept = now.0.saturating_sub(c.time_frame * MINUTE_MS);
    let first = (oldest_kept.saturating_sub(c.since.0)).div_ceil(gap_ms).max(1);
    let first = first.max(last.saturating_sub(cap as u64).saturating_add(1));
    (first..=last)
        .map(|n| TakenSnapshot { id: snapshot_id(&c.service_id, c.since, n), started_at: SimInstant(c.since.0 + n * gap_ms) })
        .filter(|s| s.started_at.0 > oldest_kept)
        .collect()
}

/// Every kept snapshot of `c` at `now`, oldest first, at most `cap`.
fn kept(c: &SnapshotConfig, now: SimInstant, cap: usize) -> Vec<TakenSnapshot> {
    let oldest_kept = now.0.saturating_sub(c.time_frame * MINUTE_MS);
    let mut all: Vec<TakenSnapshot> = c.taken.iter().filter(|s| s.started_at.0 > oldest_kept).cloned().collect();
    all.extend(current_schedule(c, now, cap));
    let excess = all.len().saturating_sub(cap);
    all.drain(..excess);
    all
}

/// The service's snapshots, newest first.
fn snapshots(ch: &ClickHouse, call: &Call, service: &str) -> Vec<TakenSnapshot> {
    let Some(c) = ch.snapshot_configs.get(&call.org.id, service) else { return Vec::new() };
    let mut all = kept(&c, call.cx.now, call.settings.max_snapshots_per_service.max(1) as usize);
    all.reverse();
    all
}

/// `Snapshot`.
fn view(s: &TakenSnapshot, service: &str, cx: &Cx) -> Value {
    let done_at = s.started_at.plus_secs(TAKES_SECS);
    let size = u64::from_str_radix(&s.id[..8], 16).unwrap_or(0) % (1 << 30) + (1 << 30);
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("serviceId".into(), json!(service));
    m.insert("type".into(), json!("full"));
    m.insert("startedAt".into(), json!(cx.clock.iso(s.started_at)));
    if cx.now >= done_at {
        m.insert("status".into(), json!("done"));
        m.insert("finishedAt".into(), json!(cx.clock.iso(done_at)));
        m.insert("durationInSeconds".into(), json!(TAKES_SECS));
        m.insert("sizeInBytes".into(), json!(size));
    } else {
        m.insert("status".into(), json!("in_progress"));
    }
    Value::Object(m)
}

/// At least one of the three fields.
fn some_field_rule(f: &Fields) -> Result<(), FieldError> {
    if !["enabled", "gap", "timeFrame"].iter().any(|k| f.has_key(k)) {
        return Err(FieldError::says("enabled", "gap or timeFrame is required"));
    }
    Ok(())
}

/// An integral number of minutes in `min..=max`.
fn minutes_rule(f: &Fields, field: &str, min: i64, max: i64) -> Result<Option<u64>, FieldError> {
    let Some(n) = f.number(field)? else { return Ok(None) };
    match integral(n) {
        Some(m) if (min..=max).contains(&m) => Ok(Some(m as u64)),
        _ => Err(FieldError::new(field, Rule::Range { min, max })),
    }
}

/// `gap`: 15–1440 minutes.
fn gap_rule(f: &Fields) -> Result<Option<u64>, FieldError> {
    minutes_rule(f, "gap", GAP_MIN, GAP_MAX)
}

/// `timeFrame`: 60–43200 minutes.
fn time_frame_rule(f: &Fields) -> Result<Option<u64>, FieldError> {
    minutes_rule(f, "timeFrame", TIME_FRAME_MIN, TIME_FRAME_MAX)
}

/// The result keeps a snapshot at least one gap long.
fn retention_rule(gap: u64, time_frame: u64) -> Result<(), FieldError> {
    if time_frame < gap {
        return Err(FieldError::says("timeFrame", "must be at least gap"));
    }
    Ok(())
}

const FIELDS: &[&str] = &["enabled", "gap", "timeFrame"];

fn update(ch: &ClickHouse, call: &Call, service: &str) -> Res {
    ch.service(&call.org.id, service)?;
    let raw = json_object(call.req)?;
    let f = Fields::new(&raw);
    v::unknown_fields(&f, FIELDS, call.settings.strict_unknown_fields)?;
    some_field_rule(&f)?;
    let enabled = f.bool("enabled")?;
    let gap = gap_rule(&f)?;
    let time_frame = time_frame_rule(&f)?;
    let now = call.cx.now;
    let cap = call.settings.max_snapshots_per_service.max(1) as usize;
    let current = ch.snapshot_configs.get(&call.org.id, service);
    let mut next = current.clone().unwrap_or(SnapshotConfig {
        org_id: call.org.id.clone(),
        service_id: service.to_owned(),
        enabled: false,
        gap: 60,
        time_frame: 1440,
        since: now,
        taken: Vec::new(),
    });
    let gap = gap.unwrap_or(next.gap);
    let time_frame = time_frame.unwrap_or(next.time_frame);
    retention_rule(gap, time_frame)?;
    // What the schedule took so far stays; the new one starts now.
    next.taken = kept(&next, now, cap);
    next.since = now;
    next.enabled = enabled.unwrap_or(next.enabled);
    next.gap = gap;
    next.time_frame = time_frame;
    ch.snapshot_configs.insert(&call.org.id, service, next.clone());
    Ok(Out::Result(config_view(&next)))
}

/// Drops a removed service's schedule and snapshots.
pub fn forget_service(ch: &ClickHouse, org: &str, service: &str) {
    ch.snapshot_configs.remove(org, service);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(gap: u64, time_frame: u64) -> SnapshotConfig {
        SnapshotConfig {
            org_id: "o".into(),
            service_id: "s".into(),
            enabled: true,
            gap,
            time_frame,
            since: SimInstant(0),
            taken: Vec::new(),
        }
    }

    #[test]
    fn a_schedule_takes_one_a_gap_and_keeps_its_time_frame() {
        let c = config(60, 180);
        assert!(kept(&c, SimInstant(59 * MINUTE_MS), 1000).is_empty());
        assert_eq!(kept(&c, SimInstant(60 * MINUTE_MS), 1000).len(), 1);
        // After 10 hours: the snapshots of hours 8, 9 and 10 (hour 7 is 180 minutes old).
        let ten = kept(&c, SimInstant(600 * MINUTE_MS), 1000);
        assert_eq!(ten.iter().map(|s| s.started_at.0 / MINUTE_MS).collect::<Vec<_>>(), vec![480, 540, 600]);
        assert_eq!(ten[0].id, kept(&c, SimInstant(540 * MINUTE_MS), 1000)[1].id, "ids are stable");
        assert_eq!(kept(&c, SimInstant(600 * MINUTE_MS), 2).len(), 2);
        assert!(kept(&SnapshotConfig { enabled: false, ..c }, SimInstant(600 * MINUTE_MS), 10).is_empty());
    }

    #[test]
    fn ids_look_like_uuids() {
        let id = snapshot_id("s", SimInstant(5), 3);
        assert!(crate::validation::is_uuid(&id), "{id}");
        assert_ne!(id, snapshot_id("s", SimInstant(5), 4));
    }
}
