//! The daily backup window, the weekly maintenance window and the recovery time of day,
//! in minutes (UTC).
//!
//! Pure data, no I/O. May touch: `validate::windows` (the text forms).

use serde::{Deserialize, Deserializer, Serialize, Serializer};


/// A daily window `hh24:mi-hh24:mi` (UTC), in minutes of the day; may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    pub start: u32,
    pub end: u32,
}

/// A weekly window `ddd:hh24:mi-ddd:hh24:mi` (UTC), in minutes of the week from Monday
/// 00:00; may cross the week's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekly {
    pub start: u32,
    pub end: u32,
}

pub const DAY: u32 = 1440;
pub const WEEK: u32 = 7 * DAY;
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Daily {
    pub fn minutes(self) -> u32 {
        (self.end + DAY - self.start) % DAY
    }
    pub fn text(self) -> String {
        format!("{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

impl Weekly {
    pub fn minutes(self) -> u32 {
        (self.end + WEEK - self.start) % WEEK
    }
    pub fn text(self) -> String {
        let part = |m: u32| format!("{}:{:02}:{:02}", DAYS[(m / DAY) as usize % 7], m % DAY / 60, m % 60);
        format!("{}-{}", part(self.start), part(self.end))
    }
}

macro_rules! window_serde {
    ($ty:ident, $parse:path) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $parse("window", &text).map_err(|e| serde::de::Error::custom(e.to_string()))
            }
        }
    };
}

window_serde!(Daily, super::super::validate::windows::daily);
window_serde!(Weekly, super::super::validate::windows::weekly);

/// `hh24:mi` of the day (the recovery time; format inferred from the modify example's
/// `"01:00"`, extract 01 row 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay(pub u32);

impl TimeOfDay {
    pub fn text(self) -> String {
        format!("{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        super::super::validate::windows::time_of_day("time", &text).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}
