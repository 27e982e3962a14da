//! The request journal: every request the simulator answered, newest last, capped.
//!
//! A `VecDeque` ring behind a `Mutex` (held only to push or copy out, never across an
//! `.await`). The cap is `--journal-size`; the oldest entry goes when a new one arrives at
//! the cap, so memory stays bounded under load.
//!
//! May touch: `crate::clock` (types only).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;

/// One answered request. Field names are camelCase on the wire, like the rest of the
/// control API (`simTimeMs`, `latencyUs`, `requestId`).
///
/// Recording is on every request's path, so an entry is cheap to build: the method,
/// provider and operation are static strings where they can be, the path and query are
/// moved out of the request, and `simTime` is formatted only when the journal is listed
/// ([`Entry::with_sim_time`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub seq: u64,
    pub method: Cow<'static, str>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub query: Option<String>,
    /// `clickhouse`, `fujitsu`, `oracle` or `sim` (the control API), or `none`.
    pub provider: Cow<'static, str>,
    /// The operation name (= OpenAPI operationId where the provider has one).
    pub operation: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant: Option<String>,
    pub status: u16,
    /// Simulated time of arrival: milliseconds since the clock's start, and ISO-8601
    /// (empty until listed).
    pub sim_time_ms: u64,
    #[serde(default)]
    pub sim_time: String,
    /// Real handling time in microseconds (excluded from determinism comparisons).
    pub latency_us: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_id: Option<String>,
    /// The fault rule that fired on this request, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fault: Option<String>,
}

impl Entry {
    /// The entry with `simTime` filled in by `iso` (the clock's formatter).
    pub fn with_sim_time(mut self, iso: impl Fn(SimInstant) -> String) -> Self {
        self.sim_time = iso(SimInstant(self.sim_time_ms));
        self
    }
}

/// The method as a static string when it is a standard one (no allocation per entry).
pub fn method_name(m: &Method) -> Cow<'static, str> {
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    match STANDARD.iter().find(|(s, _)| s == m) {
        Some((_, name)) => Cow::Borrowed(name),
        None => Cow::Owned(m.as_str().to_owned()),
    }
}

/// Filters of `GET /_sim/requests`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub provider: Option<String>,
    pub method: Option<String>,
    /// A path prefix, or a glob with `*` (one segment) and `**` (any number).
    pub path: Option<String>,
    pub status: Option<u16>,
    pub operation: Option<String>,
}

impl Filter {
    pub fn matches(&self, e: &Entry) -> bool {
        self.provider.as_deref().is_none_or(|p| p == e.provider)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
            && self.status.is_none_or(|s| s == e.status)
            && self.operation.as_deref().is_none_or(|o| o == e.operation)
            && self.path.as_deref().is_none_or(|p| path_matches(p, &e.path))
    }
}

/// `pattern` matches `path` when it is a glob that matches it (`*` = one segment, `**` =
/// any number of segments) or, without wildcards, when it is equal or a segment prefix.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if !pattern.contains('*') {
        return segs.len() >= pat.len() && pat.iter().zip(&segs).all(|(a, b)| a == b);
    }
    glob(&pat, &segs)
}

fn glob(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| glob(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => (*p == "*" || p == s) && glob(rest, srest),
            None => false,
        },
    }
}

pub struct Journal {
    cap: usize,
    ring: Mutex<VecDeque<Entry>>,
    next_seq: AtomicU64,
}

impl Journal {
    pub fn new(cap: usize) -> Self {
        Journal { cap, ring: Mutex::new(VecDeque::with_capacity(cap.min(4096))), next_seq: AtomicU64::new(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Records `entry`, giving it the next sequence number, and answers that number (0
    /// when the journal keeps nothing), so that the live feed can show the entry as
    /// listed.
    pub fn record(&self, mut entry: Entry) -> u64 {
        if self.cap == 0 {
            return 0;
        }
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        entry.seq = seq;
        let mut ring = self.lock();
        if ring.len() >= self.cap {
            ring.pop_front();
        }
        ring.push_back(entry);
        seq
    }

    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        self.lock().iter().filter(|e| filter.matches(e)).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.next_seq.store(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            seq: 0,
            method: method_name(&Method::GET),
            path: path.into(),
            query: None,
            provider: "clickhouse".into(),
            operation: "op".into(),
            tenant: None,
            status: 200,
            sim_time_ms: 0,
            sim_time: String::new(),
            latency_us: 0,
            request_id: None,
            fault: None,
        }
    }

    #[test]
    fn ring_keeps_the_newest() {
        let j = Journal::new(2);
        for p in ["/a", "/b", "/c"] {
            j.record(entry(p));
        }
        let all = j.list(&Filter::default());
        assert_eq!(all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["/b", "/c"]);
        assert_eq!(all[1].seq, 3);
    }

    #[test]
    fn standard_methods_are_static_and_others_kept() {
        assert!(matches!(method_name(&Method::PATCH), Cow::Borrowed("PATCH")));
        let odd = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method_name(&odd), "PURGE");
    }

    #[test]
    fn globs_match_segments() {
        assert!(path_matches("/v1/organizations/*/services", "/v1/organizations/x/services"));
        assert!(!path_matches("/v1/organizations/*/services", "/v1/organizations/x/services/y"));
        assert!(path_matches("/v1/**", "/v1/organizations/x/services/y"));
        assert!(path_matches("/v1/organizations", "/v1/organizations/x"));
        assert!(!path_matches("/v1/org", "/v1/organizations"));
    }
}
