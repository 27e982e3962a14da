//! Fujitsu DBaaS resources and the instance state machine (pure data, no I/O), one
//! submodule per record family, all re-exported here.
//!
//! Owns: [`InstanceStatus`] (the seed's 15 states) with its one exhaustive
//! [`InstanceStatus::can`] table, each operation's own preconditions next to it
//! ([`precondition`]), the [`Instance`] and [`Snapshot`] records, the identity records
//! (tenants with their subnets, parameter groups and security groups; users; IaaS and
//! database-service tokens), the transition in progress ([`Transit`]) and the scheduled
//! [`Event`]s.
//!
//! May touch: `crate::clock` (types). Must not touch: the store, the clock's reading.
//! Authority: seed `001_d8dce1e49d487248.txt` lines 247–272 (states), 1.2.2.1–1.2.2.15;
//! `spec/fujitsu/00-decisions.md`; extract 01 §1.5.7–1.5.8.

mod status;
mod windows;
mod instance;
mod snapshot;
mod paramgroup;
mod subscription;
mod secgroup;
mod identity;
mod event;

pub use status::*;
pub use windows::*;
pub use instance::*;
pub use snapshot::*;
pub use paramgroup::*;
pub use subscription::*;
pub use secgroup::*;
pub use identity::*;
pub use event::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimInstant;
    use crate::secret::Secret;
    use InstanceStatus as S;
    use OpKind::*;

    #[test]
    fn every_state_parses_from_any_spelling() {
        for s in InstanceStatus::ALL {
            assert_eq!(InstanceStatus::parse(s.as_str()), Some(s));
            assert_eq!(InstanceStatus::parse(&s.as_str().to_lowercase()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(InstanceStatus::parse("Restart_Required"), Some(S::RestartRequired));
        assert_eq!(InstanceStatus::parse("restartrequired"), Some(S::RestartRequired));
        assert_eq!(InstanceStatus::parse("degenerated"), Some(S::Degenerated));
        assert_eq!(InstanceStatus::parse("nope"), None);
        assert_eq!(SnapshotStatus::parse("in_progress"), Some(SnapshotStatus::InProgress));
        assert_eq!(SnapshotStatus::parse("AVAILABLE"), Some(SnapshotStatus::Available));
    }

    /// The rows of seed lines 247–272, cell by cell (extract 01 §1.5.8).
    #[test]
    fn the_table_matches_the_seed_row_by_row() {
        let row = |s: InstanceStatus| -> Vec<OpKind> { OpKind::ALL.into_iter().filter(|op| s.can(*op)).collect() };
        let all: Vec<OpKind> = OpKind::ALL.to_vec();
        assert_eq!(row(S::Active), all);
        assert_eq!(row(S::RestartRequired), all);
        assert_eq!(row(S::Backup), vec![Read, LogRead, Delete, Cancel, Pitr, RestoreSnapshot, Maintenance]);
        assert_eq!(
            row(S::Degenerated),
            vec![Read, LogRead, Delete, Start, Stop, Reboot, Cancel, Snapshot, Pitr, RestoreSnapshot, Maintenance]
        );
        for s in [S::Build, S::Deleting, S::Deleted] {
            assert_eq!(row(s), vec![Read, LogRead, RestoreSnapshot], "{s:?}");
        }
        assert_eq!(
            row(S::Failed),
            vec![Read, LogRead, ResizeDisk, ResizeDiskImmediately, Delete, Stop, Reboot, Pitr, RestoreSnapshot]
        );
        assert_eq!(row(S::Error), vec![Read, LogRead, Delete, Pitr, RestoreSnapshot]);
        for s in [S::Modifying, S::Resize, S::Reboot, S::Starting, S::Stopping] {
            assert_eq!(row(s), vec![Read, LogRead, Pitr, RestoreSnapshot], "{s:?}");
        }
        assert_eq!(
            row(S::Shutdown),
            vec![
                Read,
                LogRead,
                Modify,
                ResizeDisk,
                Delete,
                Start,
                Stop,
                Reboot,
                Cancel,
                Pitr,
                RestoreSnapshot,
                Maintenance
            ]
        );
        assert_eq!(table().len(), 15 * 16);
        assert!(table().iter().all(|(s, op, ok)| s.can(*op) == *ok));
    }

    #[test]
    fn reads_are_allowed_in_every_state() {
        for s in InstanceStatus::ALL {
            assert!(s.can(Read) && s.can(LogRead), "{s:?}");
        }
    }

    #[test]
    fn windows_print_as_the_seed_writes_them() {
        assert_eq!(Daily { start: 17 * 60, end: 18 * 60 }.text(), "17:00-18:00");
        assert_eq!(Daily { start: 23 * 60 + 45, end: 15 }.minutes(), 30);
        let w = Weekly { start: 6 * DAY + 19 * 60, end: 6 * DAY + 20 * 60 };
        assert_eq!(w.text(), "Sun:19:00-Sun:20:00");
        assert_eq!(Weekly { start: 6 * DAY + 23 * 60 + 30, end: 0 }.minutes(), 30);
    }

    #[test]
    fn the_password_history_answers_the_one_that_held_then() {
        let mut h = PasswordHistory::new(SimInstant(10), Secret::new("a"));
        h.set(SimInstant(20), Secret::new("b"));
        assert!(h.current().unwrap().matches("b"));
        assert!(h.at(SimInstant(15)).unwrap().matches("a"));
        assert!(h.at(SimInstant(20)).unwrap().matches("b"));
        assert!(h.at(SimInstant(5)).unwrap().matches("a"));
    }
}
