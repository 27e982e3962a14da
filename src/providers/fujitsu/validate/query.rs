//! Query parameters of the list endpoints: `limit` and `marker` (1.2.2.9, 1.2.2.13,
//! 1.2.2.14) and the engine-version filters (1.2.2.13).
//!
//! The seed lists no 400 for these GETs; an out-of-range `limit` is refused anyway
//! (extract 02 A27), or clamped under knob `fujitsu.clampListLimit`. An unknown
//! `marker` is refused too: a client paging on a vanished id would otherwise silently
//! restart from the top.

use crate::http::Request;
use crate::validation::{FieldError, Rule};

use super::super::error::FujitsuError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub marker: Option<String>,
}

/// `limit`: "20 以上 100 以下", default 20 (seed 5053–5063, 6720–6727, 6905–6912).
pub fn limit(raw: Option<&str>, clamp: bool) -> Result<usize, FieldError> {
    let Some(raw) = raw else { return Ok(20) };
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new("limit", Rule::Type("integer")))?;
    if clamp {
        return Ok(n.clamp(20, 100) as usize);
    }
    if !(20..=100).contains(&n) {
        return Err(FieldError::new("limit", Rule::Range { min: 20, max: 100 }));
    }
    Ok(n as usize)
}

/// A boolean flag of the query (`true`/`false`, any case).
pub fn flag(name: &'static str, raw: Option<&str>) -> Result<bool, FieldError> {
    match raw.map(str::trim) {
        None => Ok(false),
        Some(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(FieldError::new(name, Rule::Type("boolean"))),
    }
}

/// `marker`, `limit` of a list request.
pub fn page(req: &Request, clamp: bool) -> Result<Page, FujitsuError> {
    let mut limit_raw = None;
    let mut marker = None;
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "limit" if limit_raw.is_none() => limit_raw = Some(v),
            "marker" if marker.is_none() => marker = Some(v),
            _ => {}
        }
    }
    let limit = limit(limit_raw.as_deref(), clamp)?;
    Ok(Page { limit, marker: marker.filter(|m| !m.is_empty()) })
}

/// Where a page starts after `marker`, an element's id or, failing that, its name (the
/// lists of snapshots, parameter groups and subscriptions); 400 when it names none.
pub fn start_after<T>(
    all: &[T],
    marker: Option<&str>,
    id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
) -> Result<usize, FujitsuError> {
    let Some(m) = marker else { return Ok(0) };
    all.iter()
        .position(|x| id(x) == m)
        .or_else(|| all.iter().position(|x| name(x) == m))
        .map(|p| p + 1)
        .ok_or_else(|| unknown_marker(m))
}

/// A `marker` naming nothing of the list.
pub fn unknown_marker(marker: &str) -> FujitsuError {
    FujitsuError::Invalid(FieldError::says("marker", format!("'{marker}' is not an element of the list")))
}

/// The query of `GET engineversion` (seed 6686–6727).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineQuery {
    pub default_only: bool,
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    pub list_character_sets: bool,
    pub page: Page,
}

pub fn engine_versions(req: &Request, clamp: bool) -> Result<EngineQuery, FujitsuError> {
    let pairs = req.query_pairs();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    Ok(EngineQuery {
        default_only: flag("defaultOnly", get("defaultOnly"))?,
        engine: get("engine").filter(|s| !s.is_empty()).map(str::to_owned),
        engine_version: get("engineVersion").filter(|s| !s.is_empty()).map(str::to_owned),
        list_character_sets: flag("listSupportedCharacterSets", get("listSupportedCharacterSets"))?,
        page: page(req, clamp)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 5053–5063: 20 to 100, default 20.
    #[test]
    fn limit_is_20_to_100() {
        assert_eq!(limit(None, false).unwrap(), 20);
        assert_eq!(limit(Some("100"), false).unwrap(), 100);
        assert!(limit(Some("19"), false).is_err());
        assert!(limit(Some("101"), false).is_err());
        assert_eq!(limit(Some("lots"), false).unwrap_err().to_string(), "limit must be an integer");
        assert_eq!(limit(Some("5"), true).unwrap(), 20);
        assert_eq!(limit(Some("500"), true).unwrap(), 100);
    }

    #[test]
    fn flags_are_true_or_false() {
        assert!(flag("defaultOnly", Some("TRUE")).unwrap());
        assert!(!flag("defaultOnly", None).unwrap());
        assert!(flag("defaultOnly", Some("yes")).is_err());
    }

    #[test]
    fn page_reads_limit_and_marker() {
        let req = Request::new(hyper::Method::GET, "/x?limit=30&marker=db1", "");
        assert_eq!(page(&req, false).unwrap(), Page { limit: 30, marker: Some("db1".into()) });
    }
}
