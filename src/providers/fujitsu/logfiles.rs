//! Fujitsu DB log files (seed 1.4, lines 7683–7967): the list of an instance's log files
//! and a portion of one, paged by `marker`.
//!
//! The files are generated, deterministically, from the instance's own event history
//! (`history`: its creation, state changes, restarts, backups, parameter changes and
//! injected faults): one file per UTC day with events, `postgresql-YYYY-MM-DD.log`
//! (PostgreSQL's `log_filename` pattern), lines in PostgreSQL's `stderr` format with
//! `log_line_prefix = '%m [%p] '` (`2026-12-02 12:00:00.000 UTC [41234] LOG:  ...`). The
//! server process id changes at every restart. The history is bounded (knob
//! `fujitsu.events.cap`), and so are the files; at most 100 are listed (seed 7763).
//!
//! May touch: the instance table and the history (read only). Authority: seed 1.4.2.1,
//! 1.4.2.2; extract 03 §1.4.

use std::collections::BTreeMap;

use hyper::StatusCode;
use serde_json::{json, Value};

use super::error::FujitsuError;
use super::history::DbEvent;
use super::model::Instance;
use super::validate::logs as rules;
use super::{Call, Fujitsu, Out, Res};
use crate::providers::Cx;

/// "5MB を超える場合は 5MB 以内に収まる行数" (seed 7910–7915).
const PORTION_BYTES: usize = 5 * 1024 * 1024;

/// PostgreSQL's lines for one event (level, text).
fn pg_lines(e: &DbEvent) -> Vec<(&'static str, String)> {
    let m = e.message.as_ref();
    let log = |t: &str| ("LOG", t.to_owned());
    match (e.category.as_ref(), m) {
        (_, "Creating DB instance") => vec![log("starting PostgreSQL 12.0 on x86_64-pc-linux-gnu")],
        (_, "DB instance created" | "DB instance started" | "DB instance restarted" | "DB instance is available") => {
            vec![log("database system is ready to accept connections")]
        }
        (_, "DB instance restarting") => vec![log("received fast shutdown request"), log("database system is shut down")],
        (_, "DB instance is being stopped") => vec![log("received smart shutdown request")],
        (_, "DB instance stopped") => vec![log("database system is shut down")],
        (_, "DB instance is being started") => vec![log("database system was shut down; starting up")],
        ("backup", "Backing up DB instance") => vec![log("checkpoint starting: force wait")],
        ("backup", _) => vec![log("checkpoint complete"), log("archive command completed for the base backup")],
        ("configuration change", _) => vec![log("received SIGHUP, reloading configuration files"), log(m)],
        ("failover", _) => vec![("WARNING", "standby server is unreachable; continuing on one node".to_owned())],
        ("recovery", _) => vec![log("standby server reconnected; redundancy restored")],
        ("deletion", _) => vec![log("received immediate shutdown request")],
        ("failure", _) => vec![("FATAL", format!("the database system is in an unrecoverable state ({m})"))],
        _ => vec![log(m)],
    }
}

/// The base process id of an instance (deterministic from its id).
fn base_pid(id: &str) -> u64 {
    let h = crate::hash::fnv1a(id.as_bytes());
    10_000 + h % 50_000
}

/// One generated file: name, content lines, last written (POSIX seconds).
struct LogFile {
    name: String,
    lines: Vec<String>,
    last_written: i64,
}

impl LogFile {
    fn size(&self) -> usize {
        self.lines.iter().map(|l| l.len() + 1).sum()
    }
}

/// The instance's files, oldest first.
fn files(f: &Fujitsu, i: &Instance, cx: &Cx) -> Vec<LogFile> {
    let mut events: Vec<DbEvent> = f.history().of(&i.tenant).into_iter().filter(|e| e.source_id == i.id && e.source_type == super::history::DB_INSTANCE).collect();
    events.sort_by_key(|e| (e.date, e.seq));
    let mut days: BTreeMap<String, LogFile> = BTreeMap::new();
    let mut pid = base_pid(&i.id);
    for e in &events {
        let at = cx.clock.to_utc(e.date);
        if e.message == "DB instance is being started" || e.message == "DB instance restarting" {
            pid += 1;
        }
        let day = at.format("%Y-%m-%d").to_string();
        let file = days.entry(day.clone()).or_insert_with(|| LogFile {
            name: format!("postgresql-{day}.log"),
            lines: Vec::new(),
            last_written: 0,
        });
        let stamp = at.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string();
        for (level, text) in pg_lines(e) {
            file.lines.push(format!("{stamp} [{pid}] {level}:  {text}"));
        }
        file.last_written = at.timestamp();
    }
    days.into_values().collect()
}

fn instance(f: &Fujitsu, call: &Call, id: &str) -> Result<Instance, FujitsuError> {
    let i = f.instances.get(call.tenant(), id).ok_or_else(FujitsuError::instance_not_found)?;
    rules::logs_readable(id, i.status)?;
    Ok(i)
}

fn query_get(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn json_out(v: &Value) -> Res {
    Ok(Out::json(StatusCode::OK, serde_json::to_vec(v).expect("a JSON value serialises")))
}

/// `GET logfiles/{instanceId}` (1.4.2.1). The key names are the example's
/// (`describeDBLogFilesResult.describeDBLogFileDetails`), `lastWritten` a number as the
/// table types it.
pub fn list(f: &Fujitsu, call: &Call, id: &str) -> Res {
    let pairs = call.req.query_pairs();
    let q = rules::list_query(|n| query_get(&pairs, n), call.settings.clamp_list_limit)?;
    let i = instance(f, call, id)?;
    let items: Vec<Value> = files(f, &i, call.cx)
        .into_iter()
        .filter(|l| q.last_written.is_none_or(|t| l.last_written >= t))
        .filter(|l| l.size() as i64 > q.size_over)
        .filter(|l| q.name_contains.as_deref().is_none_or(|s| l.name.contains(s)))
        .take(q.limit.min(100))
        .map(|l| json!({"lastWritten": l.last_written, "logFileName": l.name, "size": l.size()}))
        .collect();
    json_out(&json!({"describeDBLogFilesResult": {"describeDBLogFileDetails": items}}))
}

/// `GET logfiles/{instanceId}/{logFileName}` (1.4.2.2): `limit` lines from `marker` on
/// (from the end with `descending`); `marker` in the answer is where the next portion
/// starts.
pub fn read(f: &Fujitsu, call: &Call, id: &str, name: &str) -> Res {
    let i = f.instances.get(call.tenant(), id).ok_or_else(FujitsuError::instance_not_found)?;
    let pairs = call.req.query_pairs();
    let q = rules::read_query(|n| query_get(&pairs, n), i.download_log_extension)?;
    rules::logs_readable(id, i.status)?;
    let file = files(f, &i, call.cx).into_iter().find(|l| l.name == name).ok_or_else(|| {
        FujitsuError::NotFound(format!("DBLogFileNotFound: '{name}' is not a log file of instance {id}"))
    })?;
    let mut lines = file.lines;
    if q.descending {
        lines.reverse();
    }
    let mut taken: Vec<&str> = Vec::new();
    let mut bytes = 0;
    for l in lines.iter().skip(q.offset).take(q.limit) {
        bytes += l.len() + 1;
        if q.extended && taken.len() >= 100 && bytes > PORTION_BYTES {
            break;
        }
        taken.push(l);
    }
    let next = q.offset.saturating_add(taken.len()).min(lines.len());
    json_out(&json!({"downloadDBLogFilePortion": {
        "additionalDataPending": next < lines.len(),
        "logFileData": taken.join("\n"),
        "marker": next.to_string(),
    }}))
}
