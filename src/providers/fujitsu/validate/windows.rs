//! Time windows: the backup window (`hh24:mi-hh24:mi`, daily), the maintenance window
//! (`ddd:hh24:mi-ddd:hh24:mi`, weekly), the autoScale times (daily), the recovery time
//! (`hh24:mi`), the rules that tie them, and the seed's random defaults.
//!
//! Readings (extract 01 A27, 00-decisions): a window may cross midnight (the region range
//! 17:00-03:00 does) and the week's end; windows are half-open, so touching is not an
//! overlap; start = end is a 0-minute window (too short). A daily window overlaps the
//! weekly one when its copy on any of the seven days does.
//! Authority: seed lines 438–478 (create), 1646–1689 (modify), 759–817 (autoScale).

use crate::validation::{FieldError, Rule};

use super::super::model::{Daily, TimeOfDay, Weekly, DAY, DAYS, WEEK};

const HHMM: &str = "hh24:mi";
const DAILY: &str = "hh24:mi-hh24:mi";
const WEEKLY: &str = "ddd:hh24:mi-ddd:hh24:mi";

/// `hh:mm` at `b[0..5]` → minutes of the day.
fn hhmm(b: &[u8]) -> Option<u32> {
    if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return None;
    }
    let num = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let (h, m) = (num(0), num(3));
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `ddd:hh:mm` → minutes of the week from Monday 00:00.
fn dddhhmm(b: &[u8]) -> Option<u32> {
    if b.len() != 9 || b[3] != b':' {
        return None;
    }
    let day = DAYS.iter().position(|d| d.as_bytes() == &b[..3])? as u32;
    Some(day * DAY + hhmm(&b[4..])?)
}

/// The recovery time `hh24:mi` (UTC). Format inferred from the modify example's
/// `"01:00"` (seed 2460; extract 01 row 16), max 255 (G1) implied.
pub fn time_of_day(field: &str, s: &str) -> Result<TimeOfDay, FieldError> {
    hhmm(s.as_bytes()).map(TimeOfDay).ok_or_else(|| FieldError::new(field, Rule::Pattern(HHMM)))
}

/// Format `hh24:mi-hh24:mi` (seed 442, 763, 804). Duration rules are separate.
pub fn daily(field: &str, s: &str) -> Result<Daily, FieldError> {
    let b = s.as_bytes();
    let parsed = (b.len() == 11 && b[5] == b'-').then(|| Some(Daily { start: hhmm(&b[..5])?, end: hhmm(&b[6..])? }));
    parsed.flatten().ok_or_else(|| FieldError::new(field, Rule::Pattern(DAILY)))
}

/// Format `ddd:hh24:mi-ddd:hh24:mi`, `ddd` one of `Mon`…`Sun` (seed 466–472).
pub fn weekly(field: &str, s: &str) -> Result<Weekly, FieldError> {
    let b = s.as_bytes();
    let parsed =
        (b.len() == 19 && b[9] == b'-').then(|| Some(Weekly { start: dddhhmm(&b[..9])?, end: dddhhmm(&b[10..])? }));
    parsed
        .flatten()
        .ok_or_else(|| FieldError::says(field, format!("must match {WEEKLY} with ddd one of {}", DAYS.join(", "))))
}

/// `preferredBackupWindow`: "30 分以上の時間帯を指定する必要があります" (seed 446, 1655).
pub fn backup_window(field: &str, s: &str) -> Result<Daily, FieldError> {
    let w = daily(field, s)?;
    at_least_30(field, w.minutes())?;
    Ok(w)
}

/// `autoScale.volume.time` / `autoScale.flavor.time`: the same format and "30 分以上"
/// (seed 765, 806).
pub fn autoscale_time(field: &str, s: &str) -> Result<Daily, FieldError> {
    backup_window(field, s)
}

/// `preferredMaintenanceWindow`: "30 分以上 23 時間 30 分以内" (seed 463, 1677).
pub fn maintenance_window(field: &str, s: &str) -> Result<Weekly, FieldError> {
    let w = weekly(field, s)?;
    if !(30..=23 * 60 + 30).contains(&w.minutes()) {
        return Err(FieldError::says(field, "must last at least 30 minutes and at most 23 hours 30 minutes"));
    }
    Ok(w)
}

fn at_least_30(field: &str, minutes: u32) -> Result<(), FieldError> {
    if minutes < 30 {
        return Err(FieldError::says(field, "must last at least 30 minutes"));
    }
    Ok(())
}

/// Half-open intervals `[a, a+alen)` and `[b, b+blen)` on a circle of `m` minutes.
fn circular_overlap(a: u32, alen: u32, b: u32, blen: u32, m: u32) -> bool {
    alen > 0 && blen > 0 && ((a + m - b) % m < blen || (b + m - a) % m < alen)
}

/// Two daily windows overlap.
pub fn daily_overlaps_daily(a: Daily, b: Daily) -> bool {
    circular_overlap(a.start, a.minutes(), b.start, b.minutes(), DAY)
}

/// A daily window overlaps a weekly one on some day of the week.
pub fn daily_overlaps_weekly(d: Daily, w: Weekly) -> bool {
    (0..7).any(|day| circular_overlap(day * DAY + d.start, d.minutes(), w.start, w.minutes(), WEEK))
}

/// "PreferredMaintenanceWindow と重複した時間帯を設定することはできません" (seed 450,
/// 1665): blames `preferredBackupWindow`, the field whose table states the rule.
pub fn backup_clear_of_maintenance(field: &str, backup: Daily, maintenance: Weekly) -> Result<(), FieldError> {
    if daily_overlaps_weekly(backup, maintenance) {
        return Err(FieldError::says(
            field,
            format!("{} overlaps preferredMaintenanceWindow {}", backup.text(), maintenance.text()),
        ));
    }
    Ok(())
}

/// "preferredBackupWindow、preferredMaintenanceWindow と重複した時間帯を設定することは
/// できません" (seed 769, 810; modify 1828, 1869).
pub fn autoscale_clear_of_windows(
    field: &str,
    time: Daily,
    backup: Daily,
    maintenance: Weekly,
) -> Result<(), FieldError> {
    if daily_overlaps_daily(time, backup) {
        return Err(FieldError::says(
            field,
            format!("{} overlaps preferredBackupWindow {}", time.text(), backup.text()),
        ));
    }
    if daily_overlaps_weekly(time, maintenance) {
        return Err(FieldError::says(
            field,
            format!("{} overlaps preferredMaintenanceWindow {}", time.text(), maintenance.text()),
        ));
    }
    Ok(())
}

/// The windows a request gave; the rest are drawn by [`defaults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Given {
    pub backup: Option<Daily>,
    pub maintenance: Option<Weekly>,
    pub volume_time: Option<Daily>,
    pub flavor_time: Option<Daily>,
}

/// Every window, given or drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub backup: Daily,
    pub maintenance: Weekly,
    pub volume_time: Daily,
    pub flavor_time: Daily,
}

/// The region's 10-hour range of the default backup and maintenance windows,
/// "17:00-03:00 UTC" (seed 1658–1659; used for every region, extract 01 A28).
const RANGE_START: u32 = 17 * 60;
const RANGE_SLOTS: u32 = 20;

/// The seed's defaults: "ランダムな 30 分間" for the backup window (seed 455) and the
/// autoScale times (774, 815), and for the maintenance window a random 30 minutes of the
/// region's 10-hour range on a random day (476). Drawn with `draw(n)` (a number below
/// `n`, from the seeded RNG) so that they obey every overlap rule against the given
/// windows and each other (extract 01 A14). `Err` names a field whose default has no
/// room left (the given windows cover every slot), which then has to be given.
pub fn defaults(given: Given, draw: &mut dyn FnMut(u32) -> u32) -> Result<Windows, FieldError> {
    fn pick<T: Copy>(
        n: u32,
        draw: &mut dyn FnMut(u32) -> u32,
        at: impl Fn(u32) -> T,
        ok: impl Fn(T) -> bool,
    ) -> Option<T> {
        for _ in 0..16 {
            let c = at(draw(n));
            if ok(c) {
                return Some(c);
            }
        }
        (0..n).map(&at).find(|c| ok(*c))
    }
    let in_range = |k: u32| {
        let start = (RANGE_START + 30 * k) % DAY;
        Daily { start, end: (start + 30) % DAY }
    };
    let any_slot = |k: u32| Daily { start: 30 * k, end: (30 * k + 30) % DAY };
    let clear_of_times =
        |d: Daily| ![given.volume_time, given.flavor_time].into_iter().flatten().any(|t| daily_overlaps_daily(d, t));
    let backup = match given.backup {
        Some(b) => b,
        None => pick(RANGE_SLOTS, draw, in_range, |d| {
            given.maintenance.is_none_or(|m| !daily_overlaps_weekly(d, m)) && clear_of_times(d)
        })
        .ok_or_else(|| FieldError::says("instance.preferredBackupWindow", "has no free default window: give one"))?,
    };
    let maintenance = match given.maintenance {
        Some(m) => m,
        None => {
            let weekly_slot = |k: u32| {
                let d = in_range(k % RANGE_SLOTS);
                let start = (k / RANGE_SLOTS) * DAY + d.start;
                Weekly { start, end: (start + 30) % WEEK }
            };
            pick(7 * RANGE_SLOTS, draw, weekly_slot, |w| {
                !daily_overlaps_weekly(backup, w)
                    && ![given.volume_time, given.flavor_time]
                        .into_iter()
                        .flatten()
                        .any(|t| daily_overlaps_weekly(t, w))
            })
            .ok_or_else(|| {
                FieldError::says("instance.preferredMaintenanceWindow", "has no free default window: give one")
            })?
        }
    };
    let free = |d: Daily| !daily_overlaps_daily(d, backup) && !daily_overlaps_weekly(d, maintenance);
    let volume_time = match given.volume_time {
        Some(t) => t,
        None => pick(48, draw, any_slot, |d| free(d) && given.flavor_time.is_none_or(|f| !daily_overlaps_daily(d, f)))
            .or_else(|| pick(48, draw, any_slot, free))
            .ok_or_else(|| {
                FieldError::says("instance.autoScale.volume.time", "has no free default window: give one")
            })?,
    };
    let flavor_time = match given.flavor_time {
        Some(t) => t,
        None => pick(48, draw, any_slot, |d| free(d) && !daily_overlaps_daily(d, volume_time))
            .or_else(|| pick(48, draw, any_slot, free))
            .ok_or_else(|| {
                FieldError::says("instance.autoScale.flavor.time", "has no free default window: give one")
            })?,
    };
    Ok(Windows { backup, maintenance, volume_time, flavor_time })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Daily {
        daily("w", s).unwrap()
    }

    fn w(s: &str) -> Weekly {
        weekly("w", s).unwrap()
    }

    #[test]
    fn formats_are_checked_byte_by_byte() {
        assert_eq!(d("17:00-18:00"), Daily { start: 1020, end: 1080 });
        for bad in ["17:00-18", "24:00-01:00", "17:60-18:00", "1700-1800", "17:00 18:00", "１7:00-18:00", ""] {
            assert!(daily("instance.preferredBackupWindow", bad).is_err(), "{bad}");
        }
        assert_eq!(w("Sun:05:00-Sun:06:00").minutes(), 60);
        for bad in ["sun:05:00-Sun:06:00", "Sun:05:00-Sun:6:00", "Xyz:05:00-Sun:06:00", "Sun:05:00"] {
            assert!(weekly("instance.preferredMaintenanceWindow", bad).is_err(), "{bad}");
        }
        assert_eq!(time_of_day("t", "01:00").unwrap().0, 60);
        assert!(time_of_day("t", "1:00").is_err());
    }

    /// Seed 446: at least 30 minutes; across midnight counts (A27).
    #[test]
    fn a_backup_window_lasts_at_least_30_minutes() {
        assert!(backup_window("f", "17:00-17:30").is_ok());
        assert!(backup_window("f", "23:45-00:15").is_ok());
        let e = backup_window("instance.preferredBackupWindow", "17:00-17:29").unwrap_err();
        assert_eq!(e.to_string(), "instance.preferredBackupWindow must last at least 30 minutes");
        assert!(backup_window("f", "17:00-17:00").is_err(), "0 minutes");
        assert!(autoscale_time("f", "10:00-10:10").is_err());
    }

    /// Seed 463: between 30 minutes and 23 hours 30 minutes, across the week's end too.
    #[test]
    fn a_maintenance_window_lasts_30_minutes_to_23_hours_30() {
        assert!(maintenance_window("f", "Sun:23:45-Mon:00:15").is_ok());
        assert!(maintenance_window("f", "Mon:00:00-Mon:23:30").is_ok());
        assert!(maintenance_window("f", "Mon:00:00-Mon:23:31").is_err());
        assert!(maintenance_window("f", "Mon:00:00-Mon:00:29").is_err());
        assert!(maintenance_window("f", "Mon:00:00-Tue:00:00").is_err(), "24 hours");
    }

    /// Seed 450: the two windows must not overlap, on any day, across midnight and the
    /// week's wrap; touching is no overlap.
    #[test]
    fn the_backup_window_stays_clear_of_the_maintenance_window() {
        assert!(backup_clear_of_maintenance("f", d("17:00-18:00"), w("Sun:19:00-Sun:20:00")).is_ok());
        assert!(backup_clear_of_maintenance("f", d("18:00-19:00"), w("Sun:19:00-Sun:20:00")).is_ok(), "touching");
        assert!(backup_clear_of_maintenance("f", d("19:30-20:30"), w("Wed:19:00-Wed:20:00")).is_err());
        // The daily window crosses midnight into Monday; the weekly one starts Monday 00:00.
        assert!(backup_clear_of_maintenance("f", d("23:45-00:15"), w("Mon:00:00-Mon:00:30")).is_err());
        // The weekly one wraps from Sunday into Monday.
        assert!(backup_clear_of_maintenance("f", d("00:10-00:40"), w("Sun:23:50-Mon:00:20")).is_err());
        assert!(backup_clear_of_maintenance("f", d("01:00-01:30"), w("Sun:23:50-Mon:00:20")).is_ok());
        let e =
            backup_clear_of_maintenance("instance.preferredBackupWindow", d("19:30-20:30"), w("Wed:19:00-Wed:20:00"));
        assert!(e.unwrap_err().to_string().contains("preferredMaintenanceWindow"));
    }

    /// Seed 769, 810: an autoScale time overlaps neither window.
    #[test]
    fn autoscale_times_stay_clear_of_both_windows() {
        let (b, m) = (d("17:00-18:00"), w("Sun:19:00-Sun:20:00"));
        assert!(autoscale_clear_of_windows("f", d("21:00-21:30"), b, m).is_ok());
        assert!(autoscale_clear_of_windows("f", d("17:00-18:00"), b, m)
            .unwrap_err()
            .to_string()
            .contains("BackupWindow"));
        assert!(autoscale_clear_of_windows("f", d("19:15-19:45"), b, m)
            .unwrap_err()
            .to_string()
            .contains("Maintenance"));
    }

    #[test]
    fn defaults_are_30_minutes_and_obey_every_rule() {
        let mut n = 0u32;
        let mut draw = |k: u32| {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            n % k
        };
        for _ in 0..200 {
            let given = Given { backup: Some(d("17:00-17:30")), ..Given::default() };
            let all = defaults(given, &mut draw).unwrap();
            assert_eq!(all.maintenance.minutes(), 30);
            assert!(!daily_overlaps_weekly(all.backup, all.maintenance));
            for t in [all.volume_time, all.flavor_time] {
                assert_eq!(t.minutes(), 30);
                assert!(autoscale_clear_of_windows("f", t, all.backup, all.maintenance).is_ok());
            }
            let all = defaults(Given::default(), &mut draw).unwrap();
            assert_eq!(all.backup.minutes(), 30);
            let in_range = (all.backup.start >= 17 * 60) || (all.backup.start < 3 * 60);
            assert!(in_range, "17:00-03:00 UTC: {}", all.backup.text());
        }
        // A backup window of 23 h 30 leaves no daily half hour for the autoScale times
        // once the maintenance window takes the free one on its day.
        let given = Given { backup: Some(d("00:30-00:00")), ..Given::default() };
        let e = defaults(given, &mut draw).unwrap_err();
        assert!(e.field.contains("autoScale"), "{e}");
    }
}
