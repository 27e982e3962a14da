//! The My Services collection envelope and list query parameters (spec §2.5): `limit`,
//! `offset`, `orderBy=field[:asc|:desc]`, comma-separated filters, and the envelope
//! `{items, hasMore, limit, offset, canonicalLink, nextLink?, previousLink?}`.
//!
//! Pure: parses a request's query and shapes a page; the resource modules sort and filter.

use std::cmp::Ordering;

use serde_json::Value;

use super::error::OracleError;
use crate::http::Request;
use crate::json_text::Obj;
use crate::validation::{FieldError, Rule};

/// §2.5: `limit` defaults to 25 (D, from the examples).
pub const DEFAULT_LIMIT: u64 = 25;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

/// G04 + G05: `limit` is an integer ≥ 1, clamped to `max_limit`; `offset` an integer ≥ 0.
pub fn g04_page(req: &Request, max_limit: u64) -> Result<Page, OracleError> {
    let limit = match req.query_param("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(OracleError::Attribute(FieldError::says("limit", "must be an integer of at least 1"))),
        },
    };
    let offset = match req.query_param("offset") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| OracleError::Attribute(FieldError::says("offset", "must be a non-negative integer")))?,
    };
    Ok(Page { limit: limit.min(max_limit.max(1)), offset })
}

/// A validated `orderBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub field: &'static str,
    pub desc: bool,
}

impl Order {
    /// Orders `a` and `b` by `key`, descending when asked.
    pub fn cmp<K: Ord>(self, a: K, b: K) -> Ordering {
        if self.desc {
            b.cmp(&a)
        } else {
            a.cmp(&b)
        }
    }
}

/// G06: `orderBy=field[:asc|:desc]` with `field` among `allowed`; `default` when absent.
pub fn g06_order_by(req: &Request, allowed: &'static [&'static str], default: Order) -> Result<Order, OracleError> {
    let Some(raw) = req.query_param("orderBy") else { return Ok(default) };
    let (field, dir) = match raw.split_once(':') {
        Some((f, d)) => (f.trim(), Some(d.trim())),
        None => (raw.trim(), None),
    };
    let field = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(field))
        .ok_or_else(|| OracleError::Attribute(FieldError::new("orderBy", Rule::OneOf(allowed))))?;
    let desc = match dir.map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(OracleError::Attribute(FieldError::says("orderBy", "direction must be asc or desc"))),
    };
    Ok(Order { field, desc })
}

/// A comma-separated list filter (§2.5), values trimmed; `None` when absent.
pub fn list_filter(req: &Request, name: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = false;
    for (k, v) in req.query_pairs() {
        if k == name {
            seen = true;
            out.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
        }
    }
    seen.then_some(out)
}

/// Whether `value` is one of `wanted`, case-insensitively (`statuses`, `serviceDefinitionNames`).
pub fn matches_any(wanted: &Option<Vec<String>>, value: &str) -> bool {
    wanted.as_ref().is_none_or(|w| w.iter().any(|x| x.eq_ignore_ascii_case(value)))
}

/// Cuts one page out of `items` (already filtered and sorted) and wraps it in the envelope.
/// `canonical` is the collection path without a query; next/previous links carry every
/// original parameter plus the new `offset` and `limit`.
///
/// Written as JSON text, keys in byte order (as the `Value` rendering had them); only the
/// items of the page are written (`write`).
pub fn envelope<T>(
    req: &Request,
    canonical: &str,
    page: Page,
    items: &[T],
    write: impl Fn(&mut Vec<u8>, &T),
) -> Vec<u8> {
    let total = items.len() as u64;
    let start = page.offset.min(total) as usize;
    let end = page.offset.saturating_add(page.limit).min(total) as usize;
    let has_more = (end as u64) < total;
    let link = |offset: u64| {
        let mut pairs: Vec<(String, String)> =
            req.query_pairs().into_iter().filter(|(k, _)| k != "offset" && k != "limit").collect();
        pairs.push(("offset".into(), offset.to_string()));
        pairs.push(("limit".into(), page.limit.to_string()));
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        format!("{canonical}?{}", query.join("&"))
    };
    let mut out = Vec::with_capacity(256 + (end - start) * 1024);
    let mut m = Obj::new(&mut out);
    m.str("canonicalLink", canonical);
    m.bool("hasMore", has_more);
    let list = m.key("items");
    list.push(b'[');
    for (n, item) in items[start..end].iter().enumerate() {
        if n > 0 {
            list.push(b',');
        }
        write(list, item);
    }
    list.push(b']');
    m.num("limit", page.limit);
    if has_more {
        m.str("nextLink", &link(page.offset + page.limit));
    }
    m.num("offset", page.offset);
    if page.offset > 0 {
        m.str("previousLink", &link(page.offset.saturating_sub(page.limit)));
    }
    m.end();
    out
}

/// An item of [`envelope`] that is a `Value`.
pub fn value(out: &mut Vec<u8>, v: &Value) {
    serde_json::to_writer(out, v).expect("a Value serialises into memory");
}

/// Percent-encodes a query component (unreserved characters and `,` `:` kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;
    use serde_json::json;

    fn req(q: &str) -> Request {
        Request::new(Method::GET, &format!("/x?{q}"), "")
    }

    #[test]
    fn page_defaults_clamps_and_refuses() {
        assert_eq!(g04_page(&req(""), 100).unwrap(), Page { limit: 25, offset: 0 });
        assert_eq!(g04_page(&req("limit=500&offset=3"), 100).unwrap(), Page { limit: 100, offset: 3 });
        assert!(g04_page(&req("limit=0"), 100).is_err());
        assert!(g04_page(&req("limit=x"), 100).is_err());
        assert!(g04_page(&req("offset=-1"), 100).is_err());
    }

    #[test]
    fn envelope_links_keep_filters() {
        let r = req("statuses=ACTIVE&limit=1&offset=1");
        let items = vec![json!(1), json!(2), json!(3)];
        let parse = |t: Vec<u8>| serde_json::from_slice::<Value>(&t).unwrap();
        let v = parse(envelope(&r, "/c", Page { limit: 1, offset: 1 }, &items, value));
        assert_eq!(v["items"], json!([2]));
        assert_eq!(v["hasMore"], true);
        assert_eq!(v["nextLink"], "/c?statuses=ACTIVE&offset=2&limit=1");
        assert_eq!(v["previousLink"], "/c?statuses=ACTIVE&offset=0&limit=1");
        let v = parse(envelope(&req(""), "/c", Page { limit: 25, offset: 0 }, &[json!(1)], value));
        assert!(v.get("nextLink").is_none() && v.get("previousLink").is_none());
    }

    #[test]
    fn order_by_names_allowed_fields() {
        const F: &[&str] = &["id", "createdOn"];
        let d = Order { field: "id", desc: false };
        assert_eq!(
            g06_order_by(&req("orderBy=createdOn:desc"), F, d).unwrap(),
            Order { field: "createdOn", desc: true }
        );
        assert!(g06_order_by(&req("orderBy=name"), F, d).is_err());
        assert!(g06_order_by(&req("orderBy=id:up"), F, d).is_err());
    }
}
