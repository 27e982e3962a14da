//! The simulated clock: the only place that reads real time.
//!
//! Three modes: `real` (one simulated second per real second), scaled (`--speed X`
//! simulated seconds per real second) and `manual` (time moves only when someone calls
//! [`Clock::advance`]). Simulated time is a [`SimInstant`]: milliseconds since the
//! clock's start. The start is mapped to a wall-clock [`DateTime<Utc>`] (the epoch) so that
//! providers can print ISO-8601 timestamps.
//!
//! May touch: nothing else in the crate. Everything that needs "now" asks this module.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A point in simulated time: milliseconds since the clock's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct SimInstant(pub u64);

impl SimInstant {
    pub const ZERO: SimInstant = SimInstant(0);

    pub fn from_secs(secs: u64) -> Self {
        SimInstant(secs.saturating_mul(1000))
    }

    pub fn millis(self) -> u64 {
        self.0
    }

    pub fn secs(self) -> u64 {
        self.0 / 1000
    }

    /// `self + secs` simulated seconds, saturating.
    pub fn plus_secs(self, secs: u64) -> Self {
        SimInstant(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    pub fn plus(self, d: Duration) -> Self {
        SimInstant(self.0.saturating_add(d.as_millis().min(u64::MAX as u128) as u64))
    }

    /// Whole seconds from `earlier` to `self` (0 when `earlier` is later).
    pub fn secs_since(self, earlier: SimInstant) -> u64 {
        self.0.saturating_sub(earlier.0) / 1000
    }
}

/// How simulated time moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockMode {
    /// One simulated second per real second.
    Real,
    /// `f64` simulated seconds per real second.
    Scaled(f64),
    /// Time moves only on `advance` (`POST /_sim/clock/advance` or `Simulator::advance`).
    Manual,
}

impl ClockMode {
    pub fn name(self) -> &'static str {
        match self {
            ClockMode::Real => "real",
            ClockMode::Scaled(_) => "scaled",
            ClockMode::Manual => "manual",
        }
    }

    pub fn speed(self) -> f64 {
        match self {
            ClockMode::Real => 1.0,
            ClockMode::Scaled(s) => s,
            ClockMode::Manual => 0.0,
        }
    }
}

/// The manual clock starts here, so that timestamps are the same run after run.
pub const MANUAL_EPOCH_SECS: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

pub struct Clock {
    mode: ClockMode,
    epoch: DateTime<Utc>,
    /// Milliseconds added by `advance` (and, in manual mode, the whole of simulated time).
    offset_ms: AtomicU64,
    /// Real instant at which simulated time 0 began (real and scaled modes).
    base: Mutex<Instant>,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Self {
        let epoch = match mode {
            ClockMode::Manual => {
                Utc.timestamp_opt(MANUAL_EPOCH_SECS, 0).single().expect("the manual epoch is a valid timestamp")
            }
            // Whole seconds, so that ISO timestamps printed at second precision stay exact.
            _ => {
                let now = Utc::now().timestamp();
                Utc.timestamp_opt(now, 0).single().unwrap_or_else(Utc::now)
            }
        };
        Clock { mode, epoch, offset_ms: AtomicU64::new(0), base: Mutex::new(Instant::now()) }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    pub fn epoch(&self) -> DateTime<Utc> {
        self.epoch
    }

    /// The current simulated time.
    pub fn now(&self) -> SimInstant {
        let offset = self.offset_ms.load(Ordering::Acquire);
        let running = match self.mode {
            ClockMode::Manual => 0,
            mode => {
                let base = *self.base.lock().expect("clock base lock is never poisoned");
                (base.elapsed().as_secs_f64() * mode.speed() * 1000.0) as u64
            }
        };
        SimInstant(offset.saturating_add(running))
    }

    /// Moves simulated time forward by `d` (in every mode; in real and scaled mode the
    /// jump adds to the running time).
    pub fn advance(&self, d: Duration) {
        let ms = d.as_millis().min(u64::MAX as u128) as u64;
        self.offset_ms.fetch_add(ms, Ordering::AcqRel);
    }

    /// Moves simulated time forward to `t` if it is later than now (manual stepping).
    pub fn advance_to(&self, t: SimInstant) {
        let now = self.now();
        if t > now {
            self.offset_ms.fetch_add(t.0 - now.0, Ordering::AcqRel);
        }
    }

    /// Back to the start: simulated time 0.
    pub fn reset(&self) {
        *self.base.lock().expect("clock base lock is never poisoned") = Instant::now();
        self.offset_ms.store(0, Ordering::Release);
    }

    /// The wall-clock time a simulated instant stands for, saturating at chrono's last
    /// representable instant: repeated `POST /_sim/clock/advance {"seconds": 1e12}` can
    /// carry simulated time past year 262143, and printing a timestamp must not panic.
    pub fn to_utc(&self, t: SimInstant) -> DateTime<Utc> {
        chrono::TimeDelta::try_milliseconds(t.0.min(i64::MAX as u64) as i64)
            .and_then(|d| self.epoch.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// ISO-8601, seconds precision, `Z` suffix (`2025-01-01T00:00:00Z`); years past 9999
    /// get a `+` sign, as chrono's `%Y` writes them.
    ///
    /// Written by hand rather than with `format("%Y-...")`: every response and journal
    /// entry prints timestamps, and chrono re-parses the format string on each call
    /// (13% of a GET's CPU in the load bench profile).
    pub fn iso(&self, t: SimInstant) -> String {
        let mut out = String::with_capacity(24);
        self.write_iso(t, &mut out);
        out
    }

    /// [`Clock::iso`] inline (20 bytes, no allocation): what a transition keeps.
    pub fn iso_inline(&self, t: SimInstant) -> compact_str::CompactString {
        let mut out = compact_str::CompactString::default();
        self.write_iso(t, &mut out);
        out
    }

    fn write_iso(&self, t: SimInstant, out: &mut impl std::fmt::Write) {
        use chrono::{Datelike, Timelike};
        let at = self.to_utc(t);
        let year = at.year();
        // Writing to a String or a CompactString cannot fail.
        if !(0..=9999).contains(&year) {
            let _ = write!(out, "{year:+05}");
            let _ = write!(
                out,
                "-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                at.month(),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            );
            return;
        }
        // Digits by hand into one buffer, written at once: every transition of an advance
        // over a large world prints its time (a tenth of the advance's CPU with `write!`,
        // and a `write_char` per character into a CompactString was half as much again).
        let mut text = *b"0000-00-00T00:00:00Z";
        let year = year as u32;
        let fields = [(0, year / 100), (2, year % 100), (5, at.month()), (8, at.day())];
        let times = [(11, at.hour()), (14, at.minute()), (17, at.second())];
        for (place, v) in fields.into_iter().chain(times) {
            text[place] = b'0' + (v / 10 % 10) as u8;
            text[place + 1] = b'0' + (v % 10) as u8;
        }
        let _ = out.write_str(std::str::from_utf8(&text).unwrap_or_default());
    }

    /// The simulated instant of a wall-clock time (saturating at the start).
    pub fn from_utc(&self, at: DateTime<Utc>) -> SimInstant {
        let ms = (at - self.epoch).num_milliseconds();
        SimInstant(ms.max(0) as u64)
    }

    /// How long, in real time, until simulated time reaches `t`; `None` in manual mode.
    pub fn real_wait_until(&self, t: SimInstant) -> Option<Duration> {
        let speed = self.mode.speed();
        if speed <= 0.0 {
            return None;
        }
        let now = self.now();
        let ms = t.0.saturating_sub(now.0) as f64 / speed;
        Some(Duration::from_micros((ms * 1000.0).min(1e15) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_on_advance() {
        let c = Clock::new(ClockMode::Manual);
        assert_eq!(c.now(), SimInstant::ZERO);
        c.advance(Duration::from_secs(90));
        assert_eq!(c.now(), SimInstant::from_secs(90));
        assert_eq!(c.iso(c.now()), "2025-01-01T00:01:30Z");
        c.reset();
        assert_eq!(c.now(), SimInstant::ZERO);
        assert!(c.real_wait_until(SimInstant::from_secs(5)).is_none());
    }

    #[test]
    fn advance_to_never_goes_back() {
        let c = Clock::new(ClockMode::Manual);
        c.advance_to(SimInstant::from_secs(10));
        c.advance_to(SimInstant::from_secs(5));
        assert_eq!(c.now(), SimInstant::from_secs(10));
    }

    #[test]
    fn far_future_timestamps_saturate_instead_of_panicking() {
        let c = Clock::new(ClockMode::Manual);
        c.advance(Duration::from_secs(u64::MAX));
        assert_eq!(c.now(), SimInstant(u64::MAX));
        assert!(c.iso(c.now()).starts_with('+'), "{}", c.iso(c.now()));
    }

    #[test]
    fn iso_matches_chrono_formatting() {
        let c = Clock::new(ClockMode::Manual);
        for secs in [0, 59, 86_399, 31_536_000, 253_402_300_799 - MANUAL_EPOCH_SECS as u64, 10_000_000_000_000] {
            let t = SimInstant::from_secs(secs);
            assert_eq!(c.iso(t), c.to_utc(t).format("%Y-%m-%dT%H:%M:%SZ").to_string(), "{secs}");
            assert_eq!(c.iso_inline(t), c.iso(t), "{secs}");
        }
        assert_eq!(c.iso(SimInstant(1_500)), "2025-01-01T00:00:01Z");
    }
}
