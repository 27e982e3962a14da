//! Rules of the DB log-file family (seed 1.4.2.1–1.4.2.2, lines 7683–7967), one pure
//! function per rule.

use crate::validation::{FieldError, Rule};

use super::super::error::FujitsuError;
use super::super::model::InstanceStatus;
use super::query;

/// "データベース仮想サーバの状態が、Active、Restart_Required、Degenerated、Backup、Modifying、
/// Resize、Error、Failed のいずれかある場合のみ参照できます" (seed 7699, 7841). Other states:
/// 404, the only fit both endpoints list (extract 03 §1.4). This note is the log
/// endpoints' own and is narrower than the state table's `LogRead` column.
pub fn logs_readable(id: &str, status: InstanceStatus) -> Result<(), FujitsuError> {
    use InstanceStatus::*;
    match status {
        Active | RestartRequired | Degenerated | Backup | Modifying | Resize | Error | Failed => Ok(()),
        Build | Deleting | Deleted | Shutdown | Reboot | Starting | Stopping => Err(FujitsuError::NotFound(format!(
            "DBLogFileNotFound: the log files of instance {id} are readable only while it is ACTIVE, RESTART_REQUIRED, \
             DEGENERATED, BACKUP, MODIFYING, RESIZE, ERROR or FAILED; it is {} (seed 7699)",
            status.as_str()
        ))),
    }
}

/// A `Long` of the query (`filelastwritten`, `filesize`).
pub fn long(name: &'static str, raw: Option<&str>) -> Result<Option<i64>, FieldError> {
    raw.map(|s| s.trim().parse::<i64>().map_err(|_| FieldError::new(name, Rule::Type("integer")))).transpose()
}

/// The list's query (seed 7715–7760).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub last_written: Option<i64>,
    pub size_over: i64,
    pub name_contains: Option<String>,
    pub limit: usize,
}

pub fn list_query(get: impl Fn(&str) -> Option<String>, clamp: bool) -> Result<ListQuery, FieldError> {
    Ok(ListQuery {
        last_written: long("filelastwritten", get("filelastwritten").as_deref())?,
        size_over: long("filesize", get("filesize").as_deref())?.unwrap_or(0),
        name_contains: get("filenamecontains").filter(|s| !s.is_empty()),
        limit: query::limit(get("limit").as_deref(), clamp)?,
    })
}

/// The read's query (seed 7870–7930).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadQuery {
    pub limit: usize,
    /// Lines already returned (the previous answer's `marker`).
    pub offset: usize,
    pub descending: bool,
    pub extended: bool,
}

/// `limit`: lines, default 20, at most 100 — 10000 with `limitExtension=true` (seed
/// 7903–7915); at least 1 (inferred).
pub fn read_limit(raw: Option<&str>, extended: bool) -> Result<usize, FieldError> {
    let max: i64 = if extended { 10_000 } else { 100 };
    let Some(raw) = raw else { return Ok(20) };
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new("limit", Rule::Type("integer")))?;
    if !(1..=max).contains(&n) {
        return Err(FieldError::new("limit", Rule::Range { min: 1, max }));
    }
    Ok(n as usize)
}

/// `marker`: the value the previous read returned — here a line count (inferred: the
/// example's `"20"` after a default page).
pub fn marker(raw: Option<&str>) -> Result<usize, FieldError> {
    match raw {
        None => Ok(0),
        Some(s) => s.trim().parse::<usize>().map_err(|_| FieldError::says("marker", "is not a marker this API returned")),
    }
}

/// `descending=true` "downloadLogExtension が True の場合のみ実行可能" (seed 7890–7897).
pub fn descending_allowed(descending: bool, download_log_extension: bool) -> Result<(), FieldError> {
    if descending && !download_log_extension {
        return Err(FieldError::says("descending", "needs the instance's downloadLogExtension to be true (seed 7895)"));
    }
    Ok(())
}

pub fn read_query(get: impl Fn(&str) -> Option<String>, download_log_extension: bool) -> Result<ReadQuery, FieldError> {
    let descending = query::flag("descending", get("descending").as_deref())?;
    let extended = query::flag("limitExtension", get("limitExtension").as_deref())?;
    descending_allowed(descending, download_log_extension)?;
    Ok(ReadQuery {
        limit: read_limit(get("limit").as_deref(), extended)?,
        offset: marker(get("marker").as_deref())?,
        descending,
        extended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_states_read_logs() {
        assert!(logs_readable("db1", InstanceStatus::Failed).is_ok());
        assert!(logs_readable("db1", InstanceStatus::Shutdown).is_err());
        assert_eq!(read_limit(Some("101"), false).unwrap_err().field, "limit");
        assert_eq!(read_limit(Some("10000"), true).unwrap(), 10_000);
        assert_eq!(read_limit(Some("0"), true).unwrap_err().field, "limit");
        assert!(descending_allowed(true, false).is_err());
        assert_eq!(marker(Some("x")).unwrap_err().field, "marker");
    }
}
