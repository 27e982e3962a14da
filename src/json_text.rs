//! JSON text written straight into an answer's bytes, for the providers' hot paths
//! (get, list, create): strings escaped exactly as serde_json escapes them, numbers,
//! objects whose keys are ASCII literals, and ISO-8601 date-times computed without
//! chrono's formatter. A `serde_json::Value` tree costs an allocation per key and per
//! string and a second pass to serialise; on a GET that was most of the provider's time.
//!
//! Every provider view that writes text uses these (ClickHouse services, Fujitsu
//! instances, Oracle entitlements and instances), so that escaping has one definition.
//! Each provider's unit tests hold its old `Value` rendering as the oracle of its bytes.
//!
//! May touch: nothing else in the crate.

use crate::clock::{Clock, SimInstant};

/// Whether `s` goes into a JSON string as it is: serde_json escapes exactly the control
/// characters (below 0x20), `"` and `\`. Eight bytes at a time (SWAR): a list of 1,000
/// services checks 200 KB of strings, and byte by byte that was a fifth of its time.
pub fn needs_no_escape(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte that is zero (exact as "is any byte zero"), or below `n`
    // (exact for n <= 128) — the classic bit tricks.
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let has_less = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let mut bad = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        bad |= has_less(x, 0x20) | has_zero(x ^ (ONES * b'"' as u64)) | has_zero(x ^ (ONES * b'\\' as u64));
    }
    bad == 0 && chunks.remainder().iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// `s` as a JSON string, escaped as serde_json escapes it.
pub fn string(out: &mut Vec<u8>, s: &str) {
    if needs_no_escape(s) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, s).expect("a str serialises into memory");
    }
}

/// `s` escaped, without the quotes (a piece of a longer string).
pub fn contents(out: &mut Vec<u8>, s: &str) {
    if needs_no_escape(s) {
        out.extend_from_slice(s.as_bytes());
    } else {
        let quoted = serde_json::to_vec(s).expect("a str serialises into memory");
        out.extend_from_slice(&quoted[1..quoted.len() - 1]);
    }
}

/// A non-negative integer in decimal.
pub fn number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// An integer in decimal, `-` first when negative.
pub fn signed(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    number(out, n.unsigned_abs());
}

/// An array of strings.
pub fn strings<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// An object being written: keys are ASCII literals (written as they are), values are
/// escaped. A caller that must match a `serde_json::Map` rendering writes its keys in
/// byte order, as the map sorts them.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Writes `"k":` (after a comma unless first) and answers the buffer for the value.
    pub fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    pub fn str(&mut self, k: &str, v: &str) {
        string(self.key(k), v);
    }

    pub fn opt_str(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.str(k, v),
            None => self.null(k),
        }
    }

    pub fn num(&mut self, k: &str, v: u64) {
        number(self.key(k), v);
    }

    pub fn bool(&mut self, k: &str, v: bool) {
        self.key(k).extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub fn null(&mut self, k: &str) {
        self.key(k).extend_from_slice(b"null");
    }

    /// A value already written as JSON text.
    pub fn raw(&mut self, k: &str, json: &[u8]) {
        self.key(k).extend_from_slice(json);
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// How a date-time is written: the fraction of a second and the zone suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeForm {
    /// `.000` milliseconds after the seconds.
    pub millis: bool,
    /// `Z` at the end.
    pub zone: bool,
}

/// `"YYYY-MM-DDThh:mm:ss[.mmm][Z]"` of simulated time `t` on `clock`, as a JSON string,
/// for the years 0000-9999 computed here (days to civil date by Howard Hinnant's
/// algorithm); other years go to chrono's formatter (`%Y` with its sign), which also
/// saturates where the clock does.
pub fn date_time(out: &mut Vec<u8>, clock: &Clock, t: SimInstant, form: DateTimeForm) {
    match unix_time(clock, t) {
        Some((secs, milli)) => {
            out.push(b'"');
            civil(out, secs);
            if form.millis {
                let mut frac = *b".000";
                put(&mut frac, 1, 3, milli);
                out.extend_from_slice(&frac);
            }
            if form.zone {
                out.push(b'Z');
            }
            out.push(b'"');
        }
        None => {
            let pattern = match (form.millis, form.zone) {
                (true, true) => "%Y-%m-%dT%H:%M:%S%.3fZ",
                (true, false) => "%Y-%m-%dT%H:%M:%S%.3f",
                (false, true) => "%Y-%m-%dT%H:%M:%SZ",
                (false, false) => "%Y-%m-%dT%H:%M:%S",
            };
            string(out, &clock.to_utc(t).format(pattern).to_string());
        }
    }
}

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds.
const FIRST_SECS: i64 = -62_167_219_200;
const LAST_SECS: i64 = 253_402_300_799;

/// Unix seconds and milliseconds of `t` (the epoch's fraction of a second carried, and
/// cut to milliseconds as chrono's `%.3f` cuts it), when within the years 0000-9999.
fn unix_time(clock: &Clock, t: SimInstant) -> Option<(i64, i64)> {
    let epoch = clock.epoch();
    let sub = u64::from(epoch.timestamp_subsec_nanos());
    // A leap second in the epoch (nanos of 1e9 and more) is left to chrono.
    if sub >= 1_000_000_000 {
        return None;
    }
    let nanos = sub + t.0 % 1000 * 1_000_000;
    let whole = i64::try_from(t.0 / 1000).ok()?;
    let secs = epoch.timestamp().checked_add(whole)?.checked_add((nanos / 1_000_000_000) as i64)?;
    (FIRST_SECS..=LAST_SECS).contains(&secs).then_some((secs, (nanos % 1_000_000_000 / 1_000_000) as i64))
}

/// Writes `n` in `width` digits at `text[at..]`.
fn put(text: &mut [u8], at: usize, width: usize, mut n: i64) {
    for i in (at..at + width).rev() {
        text[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `YYYY-MM-DDThh:mm:ss` of Unix seconds within the years 0000-9999.
fn civil(out: &mut Vec<u8>, secs: i64) {
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut text = *b"0000-00-00T00:00:00";
    put(&mut text, 0, 4, year);
    put(&mut text, 5, 2, month);
    put(&mut text, 8, 2, day);
    put(&mut text, 11, 2, of_day / 3600);
    put(&mut text, 14, 2, of_day / 60 % 60);
    put(&mut text, 17, 2, of_day % 60);
    out.extend_from_slice(&text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockMode;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in ["plain", "", "quote \" here", "back\\slash", "tab\there", "\u{1}", "é ü 日本", "0123456\"89"] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
            let mut inner = Vec::new();
            contents(&mut inner, s);
            assert_eq!(inner, out[1..out.len() - 1], "{s:?}");
        }
    }

    #[test]
    fn the_escape_check_agrees_with_serde_json_for_every_ascii_byte_in_every_position() {
        for len in 1..20 {
            for at in 0..len {
                for c in (0u8..=127).map(char::from).chain(['é', '\u{2028}', '😀']) {
                    let s: String = (0..len).map(|i| if i == at { c } else { 'a' }).collect();
                    let verbatim = serde_json::to_string(&s).unwrap() == format!("\"{s}\"");
                    assert_eq!(needs_no_escape(&s), verbatim, "{s:?}");
                }
            }
        }
        assert!(needs_no_escape(""));
    }

    #[test]
    fn numbers_and_objects() {
        let mut out = Vec::new();
        let mut o = Obj::new(&mut out);
        o.num("a", 0);
        o.num("b", u64::MAX);
        o.bool("c", true);
        o.null("d");
        o.opt_str("e", Some("x"));
        o.raw("f", b"[1]");
        signed(o.key("g"), -42);
        o.end();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let mut digits = Vec::new();
        number(&mut digits, 0);
        number(&mut digits, u64::MAX);
        assert_eq!(digits, b"018446744073709551615");
        assert_eq!(v, serde_json::json!({"a":0,"b":u64::MAX,"c":true,"d":null,"e":"x","f":[1],"g":-42}));
    }

    #[test]
    fn date_times_match_chrono_formatting() {
        for c in [Clock::new(ClockMode::Manual), Clock::new(ClockMode::Real)] {
            let forms = [
                (true, true, "%Y-%m-%dT%H:%M:%S%.3fZ"),
                (false, true, "%Y-%m-%dT%H:%M:%SZ"),
                (false, false, "%Y-%m-%dT%H:%M:%S"),
            ];
            for ms in
                [0u64, 1, 999, 59_999, 86_399_999, 31_536_000_123, 4_000_000_000_000, 250_000_000_000_000, u64::MAX]
            {
                let t = SimInstant(ms);
                for (millis, zone, pattern) in forms {
                    let mut out = Vec::new();
                    date_time(&mut out, &c, t, DateTimeForm { millis, zone });
                    let want = serde_json::to_vec(&c.to_utc(t).format(pattern).to_string()).unwrap();
                    assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(want).unwrap(), "{ms} {pattern}");
                }
            }
        }
    }
}
