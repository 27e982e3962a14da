//! Rules of horizontal autoscaling and the scaling schedule (official `ServicePostRequest`,
//! `ServiceReplicaScalingPatchRequest`, `ScalingScheduleEntryRequest`): one pure function
//! per rule, shared by create, `/replicaScaling` and schedule entries.
//!
//! Authority: the official OpenAPI document (ClickHouse/clickhousectl,
//! `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`); the seeds predate
//! horizontal autoscaling and say nothing about it. Field names carry the entry prefix of
//! schedule entries (`entries[0].minReplicas`).

use super::super::error::ChError;
use super::super::model::{AutoscalingMode, OrgAttributes};
use crate::validation::{integral, FieldError, Rule};

/// `autoscalingMode` ∈ {vertical, horizontal}.
pub fn autoscaling_mode(field: &str, s: &str) -> Result<AutoscalingMode, FieldError> {
    match s {
        "vertical" => Ok(AutoscalingMode::Vertical),
        "horizontal" => Ok(AutoscalingMode::Horizontal),
        _ => Err(FieldError::new(field, Rule::OneOf(AutoscalingMode::NAMES))),
    }
}

/// `minReplicas` / `maxReplicas`: integers 1..20 (official `Service.minReplicas`).
pub fn replica_bound(field: &str, n: f64) -> Result<u32, FieldError> {
    match integral(n) {
        Some(v) if (1..=20).contains(&v) => Ok(v as u32),
        _ => Err(FieldError::new(field, Rule::Range { min: 1, max: 20 })),
    }
}

/// How many replicas a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replicas {
    /// Neither `numReplicas` nor a band.
    Unset,
    /// A fixed count (vertical): `numReplicas`, or an equal band.
    Fixed(u32),
    /// A band `min < max` (horizontal).
    Band(u32, u32),
}

/// The mode and replicas a request asks for, from `autoscalingMode`, `numReplicas` and the
/// `minReplicas`/`maxReplicas` band. Official rules: the band comes as a pair; it excludes
/// `numReplicas`; `min ≤ max`; an equal band with the mode omitted or `vertical` is a
/// vertical fixed count; an unequal band is horizontal (explicit `vertical` refuses it);
/// `horizontal` needs a band (or the stored one, `kept_band`). `None` mode: unchanged.
pub fn band(
    prefix: &str,
    mode: Option<AutoscalingMode>,
    num: Option<u32>,
    min: Option<u32>,
    max: Option<u32>,
    kept_band: Option<(u32, u32)>,
) -> Result<(Option<AutoscalingMode>, Replicas), FieldError> {
    let name = |f: &str| format!("{prefix}{f}");
    let replicas = match (num, min, max) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(FieldError::message(
                name("numReplicas"),
                "numReplicas cannot be combined with minReplicas and maxReplicas",
            ))
        }
        (Some(n), None, None) => Replicas::Fixed(n),
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(FieldError::message(name("minReplicas"), "minReplicas and maxReplicas must be given together"))
        }
        (None, Some(a), Some(b)) if a > b => {
            return Err(FieldError::says(name("minReplicas"), "must be less than or equal to maxReplicas"))
        }
        (None, Some(a), Some(b)) if a == b => Replicas::Fixed(a),
        (None, Some(a), Some(b)) => Replicas::Band(a, b),
        (None, None, None) => Replicas::Unset,
    };
    match (mode, replicas) {
        (Some(AutoscalingMode::Vertical), Replicas::Band(..)) => Err(FieldError::message(
            name("minReplicas"),
            "minReplicas must equal maxReplicas when autoscalingMode is vertical",
        )),
        (Some(AutoscalingMode::Horizontal), Replicas::Fixed(_)) if num.is_some() => Err(FieldError::message(
            name("numReplicas"),
            "numReplicas is only for vertical autoscaling; use minReplicas and maxReplicas",
        )),
        (Some(AutoscalingMode::Horizontal), Replicas::Fixed(n)) => Ok((mode, Replicas::Band(n, n))),
        (Some(AutoscalingMode::Horizontal), Replicas::Unset) => match kept_band {
            Some((a, b)) => Ok((mode, Replicas::Band(a, b))),
            None => Err(FieldError::message(
                name("minReplicas"),
                "minReplicas and maxReplicas are required when autoscalingMode is horizontal",
            )),
        },
        (None, Replicas::Band(..)) => Ok((Some(AutoscalingMode::Horizontal), replicas)),
        _ => Ok((mode, replicas)),
    }
}

/// Horizontal autoscaling runs every replica at one memory size: `minReplicaMemoryGb`
/// equals `maxReplicaMemoryGb` (official `ServicePostRequest.autoscalingMode`).
pub fn horizontal_memory(prefix: &str, min: u32, max: u32) -> Result<(), FieldError> {
    if min != max {
        return Err(FieldError::message(
            format!("{prefix}minReplicaMemoryGb"),
            "minReplicaMemoryGb must equal maxReplicaMemoryGb when autoscalingMode is horizontal",
        ));
    }
    Ok(())
}

/// "Horizontal requires the feature to be enabled for the organization" (official); the
/// hidden attribute `horizontalAutoscaling` (default on) says whether it is.
pub fn horizontal_enabled(attrs: &OrgAttributes) -> Result<(), ChError> {
    if !attrs.horizontal_autoscaling {
        return Err(ChError::Forbidden("Horizontal autoscaling is not enabled for this organization".into()));
    }
    Ok(())
}

/// A schedule entry's `weekdays`: a non-empty array of integers 0..6 (0 = Sunday),
/// duplicates collapsed, in ascending order.
pub fn weekdays(field: &str, days: &[f64]) -> Result<Vec<u8>, FieldError> {
    if days.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    let mut out = Vec::new();
    for (i, d) in days.iter().enumerate() {
        match integral(*d) {
            Some(v) if (0..=6).contains(&v) => out.push(v as u8),
            _ => return Err(FieldError::new(format!("{field}[{i}]"), Rule::Range { min: 0, max: 6 })),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `startHourUtc` 0..23 and `endHourUtc` 1..24, and they differ (official
/// `ScalingScheduleEntryRequest`; a smaller end is an overnight window).
pub fn entry_hours(prefix: &str, start: f64, end: f64) -> Result<(u8, u8), FieldError> {
    let start = match integral(start) {
        Some(v) if (0..=23).contains(&v) => v as u8,
        _ => return Err(FieldError::new(format!("{prefix}startHourUtc"), Rule::Range { min: 0, max: 23 })),
    };
    let end = match integral(end) {
        Some(v) if (1..=24).contains(&v) => v as u8,
        _ => return Err(FieldError::new(format!("{prefix}endHourUtc"), Rule::Range { min: 1, max: 24 })),
    };
    if start == end {
        return Err(FieldError::says(format!("{prefix}endHourUtc"), "must differ from startHourUtc"));
    }
    Ok((start, end))
}

/// Two entries may not be active at the same hour of the week (I: the live API picks one
/// `activeEntryId`, so an overlap has no single answer).
pub fn entries_disjoint(field: &str, overlap: Option<(usize, usize)>) -> Result<(), FieldError> {
    match overlap {
        Some((a, b)) => Err(FieldError::message(field, format!("entries[{a}] and entries[{b}] overlap"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AutoscalingMode::*;

    #[test]
    fn bands_and_modes() {
        assert_eq!(band("", None, Some(3), None, None, None), Ok((None, Replicas::Fixed(3))));
        assert_eq!(band("", None, None, Some(2), Some(2), None), Ok((None, Replicas::Fixed(2))));
        assert_eq!(band("", None, None, Some(2), Some(5), None), Ok((Some(Horizontal), Replicas::Band(2, 5))));
        assert!(band("", Some(Vertical), None, Some(2), Some(5), None).is_err());
        assert!(band("", None, Some(3), Some(2), Some(5), None).is_err());
        assert!(band("", None, None, Some(2), None, None).is_err());
        assert!(band("", None, None, Some(5), Some(2), None).is_err());
        assert!(band("", Some(Horizontal), None, None, None, None).is_err());
        assert_eq!(band("", Some(Horizontal), None, None, None, Some((1, 4))), Ok((Some(Horizontal), Replicas::Band(1, 4))));
        assert_eq!(band("", Some(Horizontal), None, Some(3), Some(3), None), Ok((Some(Horizontal), Replicas::Band(3, 3))));
        let e = band("entries[1].", None, None, None, Some(2), None).unwrap_err();
        assert_eq!(e.field, "entries[1].minReplicas");
    }

    #[test]
    fn hours_and_days() {
        assert_eq!(entry_hours("", 9.0, 17.0), Ok((9, 17)));
        assert_eq!(entry_hours("", 22.0, 6.0), Ok((22, 6)));
        assert_eq!(entry_hours("", 0.0, 24.0), Ok((0, 24)));
        assert!(entry_hours("", 9.0, 9.0).is_err());
        assert!(entry_hours("", 24.0, 1.0).is_err());
        assert!(entry_hours("", 1.0, 0.0).is_err());
        assert_eq!(weekdays("weekdays", &[5.0, 1.0, 1.0]), Ok(vec![1, 5]));
        assert!(weekdays("weekdays", &[]).is_err());
        assert!(weekdays("weekdays", &[7.0]).is_err());
    }
}
