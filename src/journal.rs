//! The request journal: every request the simulator answered, newest last, capped.
//!
//! A `VecDeque` ring behind a `Mutex` (held only to push or to copy out the pointers of a
//! page, never while filtering, never across an `.await`). Two caps keep memory bounded
//! under load and abuse: `--journal-size` entries, and [`MAX_BYTES`] of entry text (the
//! oldest entries go first). A path, query or tenant longer than [`MAX_FIELD`] bytes is
//! kept shortened, with a `…[+N bytes]` marker, so that 60 KB paths cost the journal
//! 2 KB each. Listing is paged (`limit`, `after`: the `seq` of the last entry seen).
//!
//! May touch: `crate::clock` and `crate::id` (types only).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::clock::SimInstant;
use crate::id::Id;

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
    pub tenant: Option<Id>,
    pub status: u16,
    /// Simulated time of arrival: milliseconds since the clock's start, and ISO-8601
    /// (empty until listed).
    pub sim_time_ms: u64,
    #[serde(default)]
    pub sim_time: String,
    /// Real handling time in microseconds (excluded from determinism comparisons).
    pub latency_us: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// Inline (a request id is a UUID or shorter): no allocation per journaled request.
    pub request_id: Option<Id>,
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

pub use crate::glob::path_matches;

/// The longest path, query or tenant a journal entry keeps, in bytes.
pub const MAX_FIELD: usize = 2048;

/// The most entry text the journal keeps, in bytes (paths, queries and the other fields).
pub const MAX_BYTES: usize = 64 << 20;

/// Entries one listing answers at most (`limit` above this is refused).
pub const MAX_PAGE: usize = 10_000;

/// `s` cut to at most `max` bytes (on a character boundary) with a marker saying how
/// much was dropped.
fn shorten(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = s.len() - cut;
    s.truncate(cut);
    s.push_str(&format!("…[+{dropped} bytes]"));
}

impl Entry {
    /// What the entry costs the journal, roughly: its text and a fixed part.
    fn weight(&self) -> usize {
        let text = |s: Option<&str>| s.map_or(0, str::len);
        160 + self.path.len()
            + text(self.query.as_deref())
            + text(self.tenant.as_deref())
            + text(self.request_id.as_deref())
            + text(self.fault.as_deref())
    }
}

thread_local! {
    /// The entry this thread's last record pushed out of a ring: the next record on the
    /// thread writes its entry there (any journal's: it is only a place). One per thread.
    static SPARE: std::cell::Cell<Option<Arc<Entry>>> = const { std::cell::Cell::new(None) };
}

struct Ring {
    /// Entries with their weights (kept beside them, so that pushing one out reads
    /// nothing of it).
    entries: VecDeque<(Arc<Entry>, usize)>,
    bytes: usize,
}

pub struct Journal {
    cap: usize,
    ring: Mutex<Ring>,
    next_seq: AtomicU64,
}

/// One page of a listing: the entries, and whether more match after the last one.
pub struct Page {
    pub entries: Vec<Entry>,
    pub more: bool,
}

impl Journal {
    pub fn new(cap: usize) -> Self {
        let ring = Ring { entries: VecDeque::with_capacity(cap.min(4096)), bytes: 0 };
        Journal { cap, ring: Mutex::new(ring), next_seq: AtomicU64::new(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
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
        shorten(&mut entry.path, MAX_FIELD);
        if let Some(q) = entry.query.as_mut() {
            shorten(q, MAX_FIELD);
        }
        if let Some(t) = entry.tenant.as_mut().filter(|t| t.len() > MAX_FIELD) {
            let mut long = String::from(&*t);
            shorten(&mut long, MAX_FIELD);
            *t = Id::from(long);
        }
        let weight = entry.weight();
        // Every connection records through this one lock, so nothing is allocated, freed
        // or read from cold memory under it: the entry is written into the place of one
        // that this thread's last record pushed out (the ring's oldest, not in any cache)
        // before the lock is taken, and the one it pushes out now is kept for the next.
        // A place a listing still holds is left to it, and the entry allocated instead.
        let mut entry = match SPARE.take() {
            Some(mut place) => match Arc::get_mut(&mut place) {
                Some(old) => {
                    drop(std::mem::replace(old, entry));
                    place
                }
                None => Arc::new(entry),
            },
            None => Arc::new(entry),
        };
        let mut gone: (Option<Arc<Entry>>, Vec<Arc<Entry>>) = (None, Vec::new());
        let mut ring = self.lock();
        while !ring.entries.is_empty() && (ring.entries.len() >= self.cap || ring.bytes + weight > MAX_BYTES) {
            if let Some((old, old_weight)) = ring.entries.pop_front() {
                ring.bytes = ring.bytes.saturating_sub(old_weight);
                match gone.0 {
                    None => gone.0 = Some(old),
                    Some(_) => gone.1.push(old),
                }
            }
        }
        // The number is taken under the lock, so the ring stays in `seq` order (listing
        // pages by it).
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        if let Some(e) = Arc::get_mut(&mut entry) {
            e.seq = seq;
        }
        ring.bytes += weight;
        ring.entries.push_back((entry, weight));
        drop(ring);
        SPARE.set(gone.0);
        drop(gone.1);
        seq
    }

    /// The entries after `after` (a `seq`; 0 for the start) that `filter` keeps, oldest
    /// first, at most `limit`. Only the pointers of the entries after `after` are copied
    /// under the lock; filtering runs without it.
    pub fn list(&self, filter: &Filter, after: u64, limit: usize) -> Page {
        let candidates: Vec<Arc<Entry>> = {
            let ring = self.lock();
            let start = ring.entries.partition_point(|(e, _)| e.seq <= after);
            ring.entries.range(start..).map(|(e, _)| e.clone()).collect()
        };
        let mut kept = candidates.iter().filter(|e| filter.matches(e));
        let entries: Vec<Entry> = kept.by_ref().take(limit).map(|e| Entry::clone(e)).collect();
        let more = kept.next().is_some();
        Page { entries, more }
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// The entry text the journal holds, in bytes (see [`MAX_BYTES`]).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    pub fn clear(&self) {
        let mut ring = self.lock();
        ring.entries.clear();
        ring.bytes = 0;
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
        let all = j.list(&Filter::default(), 0, MAX_PAGE).entries;
        assert_eq!(all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["/b", "/c"]);
        assert_eq!(all[1].seq, 3);
    }

    #[test]
    fn a_record_reuses_the_place_the_last_one_pushed_out_unless_a_listing_holds_it() {
        let j = Journal::new(3);
        let places = |j: &Journal| j.lock().entries.iter().map(|(e, _)| Arc::as_ptr(e)).collect::<Vec<_>>();
        for i in 1..=3 {
            j.record(entry(&format!("/{i}")));
        }
        let place_of_1 = places(&j)[0];
        j.record(entry("/4")); // pushes /1 out and keeps its place
        j.record(entry("/5")); // is written there
        assert_eq!(places(&j)[2], place_of_1, "/5 took the place /1 left");
        // The oldest entry is held elsewhere (as a listing holds the ones it copies out):
        // once pushed out it stays with its holder, and a later entry gets a new place.
        let held = j.lock().entries.front().map(|(e, _)| e.clone()).expect("an entry");
        assert_eq!(held.path, "/3");
        let place_of_3 = Arc::as_ptr(&held);
        j.record(entry("/6"));
        j.record(entry("/7"));
        j.record(entry("/8"));
        assert_eq!(held.path, "/3", "a held entry is never written over");
        assert!(!places(&j).contains(&place_of_3));
        let all = j.list(&Filter::default(), 0, MAX_PAGE).entries;
        assert_eq!(all.iter().map(|e| (e.path.as_str(), e.seq)).collect::<Vec<_>>(), [("/6", 6), ("/7", 7), ("/8", 8)]);
        j.clear();
        j.record(entry("/a"));
        assert_eq!(j.list(&Filter::default(), 0, MAX_PAGE).entries.len(), 1);
    }

    #[test]
    fn long_fields_are_shortened_with_a_marker_and_bytes_stay_under_the_cap() {
        let j = Journal::new(1_000_000);
        let long = format!("/{}", "é".repeat(30_000));
        for _ in 0..3 {
            j.record(entry(&long));
        }
        let all = j.list(&Filter::default(), 0, MAX_PAGE).entries;
        assert_eq!(all.len(), 3);
        assert!(all[0].path.len() < MAX_FIELD + 32, "{}", all[0].path.len());
        // "é" takes two bytes from byte 1 on: byte 2048 is inside one, so the cut is at 2047.
        assert!(all[0].path.ends_with(&format!("…[+{} bytes]", long.len() - 2047)), "cut on a char boundary");
        // Entries of about 2 KB each: the byte cap, not the entry cap, bounds the ring.
        let per = j.bytes() / 3;
        for _ in 0..(MAX_BYTES / per + 100) {
            j.record(entry(&long));
        }
        assert!(j.bytes() <= MAX_BYTES, "{} bytes", j.bytes());
        assert!(j.len() < MAX_BYTES / per + 100);
    }

    #[test]
    fn pages_follow_the_sequence_and_say_when_more_remain() {
        let j = Journal::new(100);
        for i in 0..10 {
            j.record(entry(&format!("/{}", if i % 2 == 0 { "even" } else { "odd" })));
        }
        let even = Filter { path: Some("/even".into()), ..Filter::default() };
        let p1 = j.list(&even, 0, 2);
        assert_eq!(p1.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3]);
        assert!(p1.more);
        let p2 = j.list(&even, 3, 10);
        assert_eq!(p2.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 7, 9]);
        assert!(!p2.more);
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
