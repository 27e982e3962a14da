//! Cursor pages of the lists `clickhousectl` 0.5.0 pages with a top-level `nextCursor`:
//! `openapiKeyGetList` (when asked to page), `savedQueryList` and `queryApiEndpointList`.
//!
//! Owns no table: it reads a request's `limit` and `cursor` query parameters and cuts a
//! sorted list. May touch: `crate::http::Request`, `crate::validation`.
//!
//! # The wire (learnt from the clickhousectl 0.5.0 binary; no document describes it)
//! The client sends `?limit=N` and `?cursor=C` and decodes one envelope for all three
//! lists, `ApiResponseWire` of 7 fields: `status`, `requestId`, `error`, `result` (the
//! page, an array), `limit`, `totalCount` and `nextCursor`, the last three beside `result`.
//! It follows `nextCursor` (`--all`, and the `--name` lookups of get/update/delete, which
//! ask for `limit=100`) until it is absent, and fails on a cursor it has seen before. A
//! `pagination.nextCursor` beside or inside `result` is ignored by it (tried against a
//! capturing server), so none is sent.
//!
//! # Choices (I)
//! - `limit` is 1..100 with 100 the default, as the client's help says for saved queries
//!   and Query API endpoints (`key list` says only "at least 1": the same bounds apply).
//! - Cursors are keyset cursors, opaque to clients (URL-safe base64 of the last item's sort
//!   key `(seq, id)`): a page is "the items after this one", so a delete between two pages
//!   neither repeats nor skips an item. A cursor that does not decode is a 400 naming
//!   `cursor`; one of an item deleted since still works.
//! - The last page has no `nextCursor` (absent, not `null`).

use base64::Engine;

use crate::http::Request;
use crate::validation::{FieldError, Rule};

/// The largest and default page size.
pub const MAX_LIMIT: usize = 100;

/// A request's paging: `limit` (default [`MAX_LIMIT`]) and the sort key after which the
/// page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub after: Option<(u64, String)>,
}

/// One cut page: its items, the page size asked for, how many items the whole list has,
/// and the cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub limit: usize,
    pub total: usize,
    pub next: Option<String>,
}

/// `limit`: an integer 1..100.
pub fn limit(s: &str) -> Result<usize, FieldError> {
    match s.parse::<usize>() {
        Ok(v) if (1..=MAX_LIMIT).contains(&v) => Ok(v),
        _ => Err(FieldError::new("limit", Rule::Range { min: 1, max: MAX_LIMIT as i64 })),
    }
}

/// `cursor`: a `nextCursor` this simulator handed out.
pub fn cursor(s: &str) -> Result<(u64, String), FieldError> {
    let bad = || FieldError::says("cursor", "is not a cursor of this list");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (seq, id) = text.split_once(':').ok_or_else(bad)?;
    let seq = seq.parse::<u64>().map_err(|_| bad())?;
    Ok((seq, id.to_owned()))
}

/// The cursor of the page after the item with sort key `(seq, id)`.
pub fn encode(seq: u64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{seq}:{id}"))
}

/// The request's `limit` and `cursor`; `None` when it sends neither (a caller that does
/// not page).
pub fn params(req: &Request) -> Result<Option<Paging>, FieldError> {
    let mut paging: Option<Paging> = None;
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "limit" => paging.get_or_insert(Paging { limit: MAX_LIMIT, after: None }).limit = limit(&v)?,
            "cursor" => paging.get_or_insert(Paging { limit: MAX_LIMIT, after: None }).after = Some(cursor(&v)?),
            _ => {}
        }
    }
    Ok(paging)
}

/// Cuts `items`, already sorted by `key`, at `paging`.
pub fn cut<T>(items: Vec<T>, paging: &Paging, key: impl Fn(&T) -> (u64, &str)) -> Page<T> {
    let total = items.len();
    let mut rest: Vec<T> = match &paging.after {
        None => items,
        Some((seq, id)) => items.into_iter().filter(|t| key(t) > (*seq, id.as_str())).collect(),
    };
    let more = rest.len() > paging.limit;
    rest.truncate(paging.limit);
    let next = if more {
        rest.last().map(|t| {
            let (seq, id) = key(t);
            encode(seq, id)
        })
    } else {
        None
    };
    Page { items: rest, limit: paging.limit, total, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_their_cursors_to_the_end() {
        let items: Vec<(u64, String)> = (1..=5).map(|i| (i, format!("id{i}"))).collect();
        fn key(t: &(u64, String)) -> (u64, &str) {
            (t.0, t.1.as_str())
        }
        let first = cut(items.clone(), &Paging { limit: 2, after: None }, key);
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.total, 5);
        let after = cursor(first.next.as_deref().unwrap()).unwrap();
        assert_eq!(after, (2, "id2".to_owned()));
        let second = cut(items.clone(), &Paging { limit: 2, after: Some(after) }, key);
        assert_eq!(second.items[0].0, 3);
        let third = cut(items, &Paging { limit: 2, after: Some(cursor(second.next.as_deref().unwrap()).unwrap()) }, key);
        assert_eq!((third.items.len(), third.next), (1, None));
    }

    #[test]
    fn bad_limits_and_cursors_name_their_parameter() {
        assert!(limit("0").unwrap_err().to_string().starts_with("limit"));
        assert!(limit("101").is_err());
        assert_eq!(limit("100"), Ok(100));
        assert!(cursor("not a cursor").unwrap_err().to_string().starts_with("cursor"));
        assert!(cursor(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("x:y")).is_err());
    }
}
