//! Transitions on the simulated clock: starting one (status now, a `Settle` event due
//! later), applying due events (guarded: the instance must still exist and still carry
//! the generation the event names), the daily automated backups, and the states a
//! resource fault forces.
//!
//! Every state change of the seed's state table goes through here:
//! create/restore/PITR/replica BUILD → ACTIVE (ERROR under seed 1.1.2); modify
//! MODIFYING/RESIZE → back; stop STOPPING → SHUTDOWN; start STARTING → ACTIVE; reboot
//! REBOOT → ACTIVE (the pending values applied, RESTART_REQUIRED cleared); delete
//! DELETING → gone (DELETED while manual snapshots remain, seed 260); the backup window
//! BACKUP → back; cancel of a backup → back; DEGENERATED → ACTIVE by the
//! `preferredRecoveryTime` (seed 255). An armed `fail_next` ends the next settle in
//! FAILED (ERROR for a build: "1.2.2.1API、1.2.2.4API、1.2.2.5API … Error となった場合
//! は、再作成", seed 262).
//!
//! May touch: the instance and snapshot tables, the schedule.

use chrono::Timelike;

use super::model::*;
use super::settings::Settings;
use super::snapshots;
use super::{Fujitsu, NAME};
use crate::clock::SimInstant;
use crate::id::Id;
use crate::providers::{Cx, Transition};

type Status = InstanceStatus;

/// A settle to schedule after the table write.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub at: SimInstant,
    pub event: Event,
}

impl Due {
    pub fn schedule(self, cx: &Cx) {
        cx.schedule_at(self.at, self.event);
    }
}

/// Starts a transition on `i`: `status` now, `work` done after `secs` (plus a stall a
/// resource fault armed), returning to `back` where the work is a detour.
pub fn begin(i: &mut Instance, status: Status, work: Work, back: Status, secs: u64, now: SimInstant) -> Due {
    let secs = secs.saturating_add(std::mem::take(&mut i.stall_next));
    i.status = status;
    i.generation += 1;
    let at = now.plus_secs(secs);
    i.transit = Some(Box::new(Transit { work, back, due: at }));
    Due { at, event: Event::Settle { tenant: i.tenant.clone(), id: i.id.clone(), generation: i.generation } }
}

/// Ends whatever transition was in progress (its settle becomes a no-op).
pub fn drop_transit(i: &mut Instance) {
    i.transit = None;
    i.generation += 1;
}

/// The next time of day `minute` (UTC) strictly after `now`.
pub fn next_time_of_day(cx: &Cx, now: SimInstant, minute: u32) -> SimInstant {
    let t = cx.clock.to_utc(now);
    let of_day = u64::from(t.num_seconds_from_midnight());
    let target = u64::from(minute) * 60;
    let wait = if target > of_day { target - of_day } else { 86_400 - of_day + target };
    SimInstant(now.0 - now.0 % 1000).plus_secs(wait)
}

/// A new series of daily automated backups, the first at the next start of the backup
/// window ("自動バックアップが有効の場合に日次のバックアップが行われる時間帯", seed 444).
pub fn schedule_backups(i: &mut Instance, cx: &Cx, now: SimInstant) -> Due {
    i.backup_series += 1;
    let at = next_time_of_day(cx, now, i.backup_window.start);
    Due { at, event: backup_event(i, i.backup_series) }
}

/// The daily backup of series `series` of `i`: the one event every instance keeps.
fn backup_event(i: &Instance, series: u64) -> Event {
    Event::BackupDue { tenant: i.tenant.clone(), id: i.id.clone(), series }
}

/// When a DEGENERATED instance recovers (seed 255, 480–507): after the recovery time
/// at once (`applyImmediately`), or from the next `time`; `None` when no automatic
/// recovery was chosen.
pub fn recovery_delay(i: &Instance, s: &Settings, cx: &Cx) -> Option<u64> {
    match i.recovery.unwrap_or(Recovery::Immediately) {
        Recovery::Immediately => Some(s.durations.recovery),
        Recovery::NotImmediately => None,
        Recovery::At(t) => Some(next_time_of_day(cx, cx.now, t.0).secs_since(cx.now) + s.durations.recovery),
    }
}

/// Restart-requiring values applied (seed 1.1.3); answers the new id when `id` changed.
fn apply_restart(i: &mut Instance, r: &Restart) -> Option<String> {
    if let Some(f) = &r.flavor {
        i.flavor = f.as_str().into();
    }
    if let Some(v) = &r.volume {
        i.volume = v.clone();
        if i.auto_scale.volume_max_size < v.size {
            i.auto_scale.volume_max_size = v.size.div_ceil(10) * 10;
        }
    }
    if let Some(p) = r.port {
        i.port = p;
    }
    i.pending.flavor = None;
    i.pending.volume = None;
    i.pending.port = None;
    i.pending.id = None;
    r.id.clone()
}

/// The pending values and, with `patch`, the pending patch (seed 4817–4824).
fn apply_pending(i: &mut Instance, patch: bool) -> Option<String> {
    let r = Restart::from_pending(&i.pending);
    i.pending.master_user_password = false;
    if patch {
        if let Some(v) = i.pending.engine_minor_version.take() {
            i.engine_minor_version = v.into();
        }
        i.pending.security_update = None;
    }
    apply_restart(i, &r)
}

/// Applies one due event.
pub fn apply(f: &Fujitsu, event: Event, cx: &Cx) -> Vec<Transition> {
    let _guard = f.lock();
    let tenant = match &event {
        Event::Settle { tenant, .. }
        | Event::BackupDue { tenant, .. }
        | Event::SnapshotDone { tenant, .. }
        | Event::SnapshotGone { tenant, .. }
        | Event::AlarmCheck { tenant, .. } => tenant.clone(),
    };
    let changes = run(f, event, cx);
    for t in &changes {
        f.note(&tenant, t.kind, &t.id, &t.from, &t.to, cx);
    }
    changes
}

fn run(f: &Fujitsu, event: Event, cx: &Cx) -> Vec<Transition> {
    match event {
        Event::Settle { tenant, id, generation } => settle(f, &tenant, &id, generation, cx),
        Event::BackupDue { tenant, id, series } => backup_due(f, &tenant, &id, series, cx),
        Event::SnapshotDone { tenant, id } => snapshot_done(f, &tenant, &id, cx),
        Event::SnapshotGone { tenant, id } => snapshots::gone(f, &tenant, &id, cx),
        Event::AlarmCheck { tenant, id, generation } => super::alarms::check(f, &tenant, &id, generation, cx),
    }
}

fn transition(id: &str, from: Status, to: Status, cx: &Cx) -> Transition {
    Transition::new(NAME, "instance", id, from.as_str(), to.as_str(), cx)
}

/// What a settle done in place under the instance's shard lock answers.
enum InPlace {
    /// The event is stale (another generation, no transition in progress).
    Stale,
    /// The work touches more than this instance (other rows, other tables, a new id):
    /// nothing was changed, the owned path does it.
    Elsewhere,
    /// Settled from one status to another, with a backup series to schedule.
    Done(Status, Status, Option<Due>),
}

fn settle(f: &Fujitsu, tenant: &str, id: &str, generation: u64, cx: &Cx) -> Vec<Transition> {
    // The common settles (a build, a stop, a modify without restart, a recovery, an
    // armed failure) change only the instance: done in place, without the clone of the
    // whole record and the write-back that the owned path below takes.
    match f.instances.update(tenant, id, |i| settle_in_place(i, generation, cx)) {
        None | Some(InPlace::Stale) => return Vec::new(),
        Some(InPlace::Done(from, to, later)) => {
            let changes = vec![transition(id, from, to, cx)];
            if let Some(due) = later {
                due.schedule(cx);
            }
            return changes;
        }
        Some(InPlace::Elsewhere) => {}
    }
    let Some(mut i) = f.instances.get(tenant, id) else { return Vec::new() };
    if i.generation != generation {
        return Vec::new();
    }
    let Some(transit) = i.transit.take() else { return Vec::new() };
    i.generation += 1;
    let from = i.status;
    let s = f.settings();
    let mut later: Vec<Due> = Vec::new();
    if std::mem::take(&mut i.fail_next) {
        i.status = if transit.work == Work::Build { Status::Error } else { Status::Failed };
        i.updated = cx.now;
        if i.replica_of.is_some() {
            i.replica_status = Some(ReplicaStatus::Error);
        }
        let to = i.status;
        f.instances.insert(tenant, id, i);
        return vec![transition(id, from, to, cx)];
    }
    let mut rename = None;
    match &transit.work {
        Work::Build => {
            i.status = transit.back;
            if i.status == Status::Active {
                later.push(schedule_backups(&mut i, cx, cx.now));
                if let Some(src) = i.replica_of.clone() {
                    let me = i.reference(&s.region);
                    f.instances.update(&src.tenant_id, &src.id, |s| {
                        if !s.replicas.contains(&me) {
                            s.replicas.push(me)
                        }
                    });
                }
            } else if i.replica_of.is_some() {
                i.replica_status = Some(ReplicaStatus::Error);
            }
        }
        Work::Apply { changes } => {
            rename = apply_restart(&mut i, changes);
            i.status = transit.back;
            i.pending.master_user_password = false;
        }
        Work::Touch => {
            i.pending.master_user_password = false;
            i.status = transit.back;
        }
        Work::Stop => i.status = Status::Shutdown,
        Work::Start { patch } => {
            rename = apply_pending(&mut i, *patch);
            i.stopped_degenerated = false;
            i.status = Status::Active;
        }
        Work::Reboot { patch } => {
            rename = apply_pending(&mut i, *patch);
            i.status = Status::Active;
        }
        Work::Delete => return finish_delete(f, i, from, cx),
        Work::Backup => {
            snapshots::record_automated(f, &i, cx);
            i.status = transit.back;
        }
        Work::CancelBackup => i.status = transit.back,
        Work::Recover => i.status = Status::Active,
    }
    // Writes above may have boxed a blank `pending`: a settled instance keeps none.
    i.pending.tidy();
    i.updated = cx.now;
    let to = i.status;
    let mut changes = vec![transition(id, from, to, cx)];
    match rename {
        Some(new_id) if new_id != id && !f.instances.contains(tenant, &new_id) => {
            changes.push(Transition::new(NAME, "instanceId", id, id, new_id.as_str(), cx));
            rename_instance(f, i, &new_id, cx, &mut later);
        }
        _ => {
            f.instances.insert(tenant, id, i);
        }
    }
    for due in later {
        due.schedule(cx);
    }
    changes
}

/// [`settle`] for the work that changes only `i` itself (the same steps as the owned
/// path, which keeps the rest); [`InPlace::Elsewhere`], with `i` untouched, for the rest.
fn settle_in_place(i: &mut Instance, generation: u64, cx: &Cx) -> InPlace {
    if i.generation != generation {
        return InPlace::Stale;
    }
    let Some(transit) = &i.transit else { return InPlace::Stale };
    let here = i.fail_next
        || match transit.work {
            Work::Build => i.replica_of.is_none(),
            Work::Touch | Work::Stop | Work::CancelBackup | Work::Recover => true,
            Work::Apply { .. } | Work::Start { .. } | Work::Reboot { .. } | Work::Delete | Work::Backup => false,
        };
    if !here {
        return InPlace::Elsewhere;
    }
    let Some(transit) = i.transit.take() else { return InPlace::Stale };
    i.generation += 1;
    let from = i.status;
    if std::mem::take(&mut i.fail_next) {
        i.status = if transit.work == Work::Build { Status::Error } else { Status::Failed };
        i.updated = cx.now;
        if i.replica_of.is_some() {
            i.replica_status = Some(ReplicaStatus::Error);
        }
        return InPlace::Done(from, i.status, None);
    }
    let mut later = None;
    match transit.work {
        Work::Build => {
            i.status = transit.back;
            if i.status == Status::Active {
                later = Some(schedule_backups(i, cx, cx.now));
            }
        }
        Work::Touch => {
            i.pending.master_user_password = false;
            i.status = transit.back;
        }
        Work::Stop => i.status = Status::Shutdown,
        Work::CancelBackup => i.status = transit.back,
        Work::Recover => i.status = Status::Active,
        // Never here: `here` sent them to the owned path.
        Work::Apply { .. } | Work::Start { .. } | Work::Reboot { .. } | Work::Delete | Work::Backup => {}
    }
    i.updated = cx.now;
    InPlace::Done(from, i.status, later)
}

/// A17: the instance moves to its new id at the restart; snapshots and replica links
/// follow it, and its backups restart under the new key.
fn rename_instance(f: &Fujitsu, mut i: Instance, new_id: &str, cx: &Cx, later: &mut Vec<Due>) {
    let tenant = i.tenant.clone();
    let old = i.id.clone();
    f.instances.remove(&tenant, &old);
    cx.cancel_events(NAME, "instance", &tenant, &old);
    let region = f.settings().region.clone();
    let old_ref = i.reference(&region);
    i.id = Id::new(new_id);
    let new_ref = i.reference(&region);
    if let Some(src) = i.replica_of.clone() {
        f.instances.update(&src.tenant_id, &src.id, |s| {
            for r in s.replicas.iter_mut().filter(|r| r.tenant_id == old_ref.tenant_id && r.id == old_ref.id) {
                *r = new_ref.clone();
            }
        });
    }
    for r in i.replicas.clone() {
        f.instances.update(&r.tenant_id, &r.id, |rep| {
            if let Some(src) = rep.replica_of.as_mut() {
                src.id = new_id.to_owned();
            }
        });
    }
    f.snapshots.retain(|k, s| {
        if k.0 == tenant && s.instance_id == old {
            s.instance_id = new_id.to_owned();
        }
        true
    });
    if matches!(i.status, Status::Active | Status::RestartRequired) {
        later.push(schedule_backups(&mut i, cx, cx.now));
    }
    f.instances.insert(&tenant, new_id, i);
}

/// DELETING → gone, or DELETED while manual snapshots of it remain (seed 260). Read
/// replicas of it lose their source (`replicaStatus: Error`); its source forgets it.
fn finish_delete(f: &Fujitsu, mut i: Instance, from: Status, cx: &Cx) -> Vec<Transition> {
    let region = f.settings().region.clone();
    let me = i.reference(&region);
    if let Some(src) = &i.replica_of {
        f.instances.update(&src.tenant_id, &src.id, |s| s.replicas.retain(|r| *r != me));
    }
    for r in &i.replicas {
        f.instances.update(&r.tenant_id, &r.id, |rep| rep.replica_status = Some(ReplicaStatus::Error));
    }
    let (tenant, id) = (i.tenant.clone(), i.id.clone());
    // The automated backups go with their instance; the manual snapshots stay.
    f.snapshots.retain(|k, s| !(k.0 == tenant && s.instance_id == id && s.snapshot_type == SnapshotType::Automated));
    let keeps_snapshots = f.snapshots.count_where(|k, s| k.0 == tenant && s.instance_id == id) > 0;
    if keeps_snapshots {
        i.status = Status::Deleted;
        i.updated = cx.now;
        i.replicas.clear();
        f.instances.insert(&tenant, &id, i);
        vec![transition(&id, from, Status::Deleted, cx)]
    } else {
        f.instances.remove(&tenant, &id);
        cx.cancel_events(NAME, "instance", &tenant, &id);
        vec![Transition::new(NAME, "instance", id.as_str(), from.as_str(), "gone", cx)]
    }
}

/// A DELETED instance whose last manual snapshot went is gone too.
pub fn reap_deleted(f: &Fujitsu, tenant: &str, id: &str, cx: &Cx) -> Option<Transition> {
    let deleted = f.instances.read(tenant, id, |i| i.status == Status::Deleted)?;
    let left = f.snapshots.count_where(|k, s| k.0 == tenant && s.instance_id == id);
    if deleted && left == 0 {
        f.instances.remove(tenant, id);
        cx.cancel_events(NAME, "instance", tenant, id);
        return Some(Transition::new(NAME, "instance", id, "DELETED", "gone", cx));
    }
    None
}

/// The daily backup (seed 444): BACKUP for `durations.backup` when the instance runs
/// idle and keeps backups; the next one scheduled either way.
fn backup_due(f: &Fujitsu, tenant: &str, id: &str, series: u64, cx: &Cx) -> Vec<Transition> {
    let s = f.settings();
    let mut later = None;
    let mut skipped = 0;
    let mut instant = None;
    let changed = f.instances.update(tenant, id, |i| {
        if i.backup_series != series {
            return None;
        }
        instant = Some(i.clone());
        let next = SimInstant(cx.now.0 - cx.now.0 % 1000).plus_secs(86_400);
        later = Some(Due { at: next, event: backup_event(i, series) });
        let idle =
            matches!(i.status, Status::Active | Status::RestartRequired | Status::Degenerated) && i.transit.is_none();
        if i.backup_retention == 0 || !idle {
            // A day that takes no backup changes nothing: while nothing else can change
            // the instance (no transition in progress; requests and timeline actions wait
            // until the horizon), the chain goes straight to its last day before then.
            if i.transit.is_none() {
                if let Some(last) = last_quiet_day(cx) {
                    later = Some(Due { at: last, event: backup_event(i, series) });
                }
            }
            return None;
        }
        if let Some((days, resume)) = coalescible(i, s.durations.backup, cx) {
            skipped = days;
            later = Some(Due { at: resume, event: backup_event(i, series) });
            return None;
        }
        if s.durations.backup == 0 {
            return Some(None);
        }
        let from = i.status;
        let due = begin(i, Status::Backup, Work::Backup, from, s.durations.backup, cx.now);
        Some(Some((from, due)))
    });
    if let Some(due) = later {
        due.schedule(cx);
    }
    if skipped > 0 && s.durations.backup > 0 {
        // Each skipped backup: into BACKUP and back.
        cx.count_coalesced(skipped.saturating_mul(2));
    }
    // The retention period is kept on the clock even when no backup runs today.
    if let Some(i) = &instant {
        snapshots::prune_automated(f, i, cx.now);
    }
    let changed = changed.flatten();
    if let (Some(None), Some(i)) = (&changed, &instant) {
        snapshots::record_automated(f, i, cx);
    }
    match changed.flatten() {
        Some((from, due)) => {
            due.schedule(cx);
            vec![transition(id, from, Status::Backup, cx)]
        }
        None => Vec::new(),
    }
}

/// How many daily backups, from this one (`cx.now`) on, a clock advance can skip, and
/// the day to resume at: those that the retention prunes before the advance ends
/// ([`Cx::horizon`]). With `L` the last day whose backup is done by the horizon and `r`
/// the retention in days, the last prune (at day `L`'s backup) keeps days `L - r ..= L`,
/// so days before `L - r` are never seen: they are counted as applied, not run. A
/// ten-year advance then runs `r + 1` backups per instance instead of 3,650. Only for an
/// ACTIVE (or RESTART_REQUIRED) instance with no fault armed: nothing but a request or a
/// timeline action, neither of which happens before the horizon, changes it.
fn coalescible(i: &Instance, backup_secs: u64, cx: &Cx) -> Option<(u64, SimInstant)> {
    const DAY_MS: u64 = 86_400_000;
    if !matches!(i.status, Status::Active | Status::RestartRequired) || i.fail_next || i.stall_next > 0 {
        return None;
    }
    // Days after this one start on the second (as `backup_due` schedules them).
    let base = cx.now.0 - cx.now.0 % 1000;
    let last_start = cx.horizon().0.checked_sub(backup_secs.saturating_mul(1000))?;
    let last_day = last_start.checked_sub(base)? / DAY_MS;
    let days = last_day.checked_sub(u64::from(i.backup_retention))?;
    (days > 0).then(|| (days, SimInstant(base.saturating_add(days.saturating_mul(DAY_MS)))))
}

/// The last day of the chain (on this one's time of day) at or before [`Cx::horizon`],
/// when that is later than tomorrow's.
fn last_quiet_day(cx: &Cx) -> Option<SimInstant> {
    const DAY_MS: u64 = 86_400_000;
    let base = cx.now.0 - cx.now.0 % 1000;
    let days = cx.horizon().0.checked_sub(base)? / DAY_MS;
    (days > 1).then(|| SimInstant(base.saturating_add(days.saturating_mul(DAY_MS))))
}

/// An `In_progress` snapshot (created, copied or seeded) becomes `Available`, or goes
/// when it was cancelled.
fn snapshot_done(f: &Fujitsu, tenant: &str, id: &str, cx: &Cx) -> Vec<Transition> {
    let Some(snap) = f.snapshots.get(tenant, id) else { return Vec::new() };
    if snap.status != SnapshotStatus::InProgress {
        return Vec::new();
    }
    if snap.cancelling {
        f.snapshots.remove(tenant, id);
        cx.cancel_events(NAME, "snapshot", tenant, id);
        let mut out = vec![Transition::new(NAME, "snapshot", id, "In_progress", "gone", cx)];
        out.extend(reap_deleted(f, tenant, &snap.instance_id, cx));
        return out;
    }
    f.snapshots.update(tenant, id, |s| s.status = SnapshotStatus::Available);
    vec![Transition::new(NAME, "snapshot", id, "In_progress", "Available", cx)]
}

/// Forces `status` now (resource faults, seeding). Transitional states get their
/// natural settle, so a forced BUILD or STOPPING still ends; DEGENERATED recovers by
/// the instance's `preferredRecoveryTime` (and needs `multi`, seed 255 "片系").
pub fn force(f: &Fujitsu, i: &mut Instance, status: Status, cx: &Cx) -> Result<Option<Due>, String> {
    let s = f.settings();
    let d = &s.durations;
    let steady = |i: &Instance| match i.status {
        Status::Active | Status::RestartRequired | Status::Degenerated => i.status,
        _ => Status::Active,
    };
    if status == Status::Degenerated && !i.multi {
        return Err(format!("instance {} is not redundant (multi=false): only a multi instance degenerates", i.id));
    }
    i.updated = cx.now;
    let due = match status {
        Status::Build => Some(begin(i, status, Work::Build, Status::Active, d.create, cx.now)),
        Status::Modifying => {
            let back = steady(i);
            // The restart-length MODIFYING: a forced one is observable (`durations.modify`
            // may be 0).
            Some(begin(i, status, Work::Touch, back, d.modify_restart, cx.now))
        }
        Status::Resize => {
            let back = steady(i);
            Some(begin(i, status, Work::Touch, back, d.resize, cx.now))
        }
        Status::Stopping => Some(begin(i, status, Work::Stop, Status::Shutdown, d.stop, cx.now)),
        Status::Starting => Some(begin(i, status, Work::Start { patch: false }, Status::Active, d.start, cx.now)),
        Status::Reboot => Some(begin(i, status, Work::Reboot { patch: false }, Status::Active, d.reboot, cx.now)),
        Status::Deleting => Some(begin(i, status, Work::Delete, Status::Active, d.delete, cx.now)),
        Status::Backup => {
            let back = steady(i);
            Some(begin(i, status, Work::Backup, back, d.backup, cx.now))
        }
        Status::Degenerated => match recovery_delay(i, &s, cx) {
            Some(secs) => Some(begin(i, status, Work::Recover, Status::Active, secs, cx.now)),
            None => {
                drop_transit(i);
                i.status = status;
                None
            }
        },
        Status::Active
        | Status::RestartRequired
        | Status::Shutdown
        | Status::Failed
        | Status::Error
        | Status::Deleted => {
            drop_transit(i);
            i.status = status;
            if status == Status::Shutdown {
                i.stopped_degenerated = false;
            }
            None
        }
    };
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    
    
    

    #[test]
    fn the_next_time_of_day_is_strictly_later() {
        let core = crate::provider::TestCore::new();
        let (clock, cx) = (&core.clock, core.cx(SimInstant::ZERO));
        let epoch_secs = u64::from(clock.to_utc(SimInstant::ZERO).num_seconds_from_midnight());
        let at = next_time_of_day(&cx, SimInstant::ZERO, 12 * 60);
        let got = (epoch_secs + at.secs()) % 86_400;
        assert_eq!(got, 12 * 3600);
        let again = next_time_of_day(&cx, at, 12 * 60);
        assert_eq!(again.secs() - at.secs(), 86_400);
    }

    /// STYLE §6: an event applies only while its instance still carries its generation.
    #[test]
    fn settles_are_guarded_by_the_generation() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let f = Fujitsu::build(&cx);
        let mut i = crate::providers::fujitsu::chaos::tests::sample_instance();
        let stale = begin(&mut i, Status::Stopping, Work::Stop, Status::Shutdown, 60, cx.now);
        let due = begin(&mut i, Status::Stopping, Work::Stop, Status::Shutdown, 60, cx.now);
        f.instances.insert(&i.tenant, &i.id, i.clone());
        assert!(apply(&f, stale.event, &cx).is_empty(), "a stale settle is a no-op");
        let t = apply(&f, due.event.clone(), &cx);
        assert_eq!((t[0].from.as_str(), t[0].to.as_str()), ("STOPPING", "SHUTDOWN"));
        assert_eq!(f.instances.get(&i.tenant, &i.id).unwrap().status, Status::Shutdown);
        assert!(apply(&f, due.event, &cx).is_empty(), "applied once");
        // A deleted instance takes no event.
        f.instances.remove(&i.tenant, &i.id);
        assert!(apply(&f, Event::Settle { tenant: i.tenant.clone(), id: i.id.clone(), generation: 9 }, &cx).is_empty());
    }

    /// A build settles in place (no write-back): ACTIVE, a new generation, the first
    /// daily backup scheduled; a replica's build takes the owned path and its source
    /// learns of it.
    #[test]
    fn a_build_settles_in_place_and_a_replicas_build_updates_its_source() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let f = Fujitsu::build(&cx);
        let mut i = crate::providers::fujitsu::chaos::tests::sample_instance();
        let due = begin(&mut i, Status::Build, Work::Build, Status::Active, 60, cx.now);
        let generation = i.generation;
        f.instances.insert(&i.tenant, &i.id, i.clone());
        let t = apply(&f, due.event, &cx);
        assert_eq!((t[0].from.as_str(), t[0].to.as_str()), ("BUILD", "ACTIVE"));
        let got = f.instances.get(&i.tenant, &i.id).unwrap();
        assert_eq!((got.status, got.generation, got.transit.is_none()), (Status::Active, generation + 1, true));
        let pending = core.lifecycle.pending();
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert!(matches!(&pending[0].1, crate::providers::Event::Fujitsu(Event::BackupDue { id, .. }) if *id == i.id));

        let mut r = crate::providers::fujitsu::chaos::tests::sample_instance();
        r.id = "replica1".into();
        r.replica_of = Some(Box::new(i.reference(&f.settings().region)));
        let due = begin(&mut r, Status::Build, Work::Build, Status::Active, 60, cx.now);
        f.instances.insert(&r.tenant, &r.id, r.clone());
        let t = apply(&f, due.event, &cx);
        assert_eq!(t[0].to, "ACTIVE");
        let source = f.instances.get(&i.tenant, &i.id).unwrap();
        assert_eq!(source.replicas, vec![r.reference(&f.settings().region)]);
    }

    #[test]
    fn an_armed_failure_ends_a_build_in_error_and_other_work_in_failed() {
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant::ZERO);
        let f = Fujitsu::build(&cx);
        for (work, status, end) in [
            (Work::Build, Status::Build, Status::Error),
            (Work::Reboot { patch: false }, Status::Reboot, Status::Failed),
        ] {
            let mut i = crate::providers::fujitsu::chaos::tests::sample_instance();
            i.fail_next = true;
            let due = begin(&mut i, status, work, Status::Active, 10, cx.now);
            f.instances.insert(&i.tenant, &i.id, i.clone());
            apply(&f, due.event, &cx);
            let got = f.instances.get(&i.tenant, &i.id).unwrap();
            assert_eq!((got.status, got.fail_next), (end, false));
        }
    }
}
