//! The seed's instance-state table (データベース仮想サーバの状態, lines 247–272) checked
//! cell by cell over HTTP. The expectations are written here from the seed, independently
//! of the provider's own table. Each state gets one test: instances are created, given an
//! automated backup (so that point-in-time recovery has something to restore), forced
//! into the state by a one-shot resource rule, and every operation is tried:
//! - a refused cell answers 422 `unprocessableEntity` (00-decisions) and changes nothing;
//! - an allowed cell answers the operation's success (200 with a body, 202 without);
//! - a cell the table allows but whose operation has its own precondition (start of a
//!   running instance, cancel with no backup running, stop of a stopped one) may answer
//!   either, in the envelope.
//!
//! Plus the Shutdown footnote (a modify is refused whatever `applyImmediately` says when
//! the instance was stopped from Degenerated), and the naturally reached states.

use super::instances::raise_quotas;
use super::restores::{pitr, pitr_body, replica_body};
use crate::support::fujitsu::*;
use crate::support::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    /// The table allows it: the operation's success status.
    Y,
    /// The table forbids it: 422, nothing changed.
    N,
    /// The table allows it; the operation's own precondition decides (success or 422).
    P,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    /// GET show (1.2.2.10).
    Get,
    /// PUT modify (1.2.2.3) of a plain field, applyImmediately absent.
    ModifyDeferred,
    /// PUT modify with applyImmediately=true.
    ModifyImmediate,
    /// PUT modify of volume.size only (the Failed exception).
    DiskSize,
    /// DELETE (1.2.2.2).
    Delete,
    Start,
    Stop,
    Reboot,
    Cancel,
    /// Create a read replica of this instance (1.2.2.12).
    Replica,
    /// PITR from this instance (1.2.2.5).
    Pitr,
}

/// The columns of [`TABLE`], in order.
const OPS: [Op; 11] = [
    Op::Get,
    Op::ModifyDeferred,
    Op::ModifyImmediate,
    Op::DiskSize,
    Op::Delete,
    Op::Start,
    Op::Stop,
    Op::Reboot,
    Op::Cancel,
    Op::Replica,
    Op::Pitr,
];

/// Seed lines 247–272, one row per state. Columns: GET, modify (deferred), modify
/// (applyImmediately=true), disk size, DELETE, start, stop, reboot, cancel, replica, PITR.
/// - Active, Restart_Required: "すべての API を実行できます".
/// - Backup: no start/stop/reboot, modify, replica (or snapshot).
/// - Degenerated: no modify, no replica.
/// - Build, Deleting, Deleted: "POST/PUT/DELETE の操作はできません" (GET only; PITR is a
///   POST on the instance, so refused too — part 01 A7).
/// - Failed: POST/PUT only restore, PITR, logs, stop/reboot, disk size; DELETE is not
///   restricted ("POST/PUT" only, A26).
/// - Error: POST/PUT only restore, PITR, logs; DELETE not restricted (A26).
/// - Modifying, Resize: POST/PUT/DELETE only restore, PITR, logs.
/// - Shutdown: no modify with applyImmediately=true, no replica (or snapshot).
/// - Reboot, Starting, Stopping: POST/PUT/DELETE only restore, PITR.
const TABLE: [&str; 15] = [
    // state          GET MD MI DS DE ST SP RB CA RE PI
    "ACTIVE            Y  Y  Y  Y  Y  P  Y  Y  P  Y  Y",
    "RESTART_REQUIRED  Y  Y  Y  Y  Y  P  Y  Y  P  Y  Y",
    "BACKUP            Y  N  N  N  Y  N  N  N  Y  N  Y",
    "DEGENERATED       Y  N  N  N  Y  P  Y  Y  P  N  Y",
    "BUILD             Y  N  N  N  N  N  N  N  N  N  N",
    "DELETING          Y  N  N  N  N  N  N  N  N  N  N",
    "DELETED           Y  N  N  N  N  N  N  N  N  N  N",
    "FAILED            Y  N  N  Y  Y  N  Y  Y  N  N  Y",
    "ERROR             Y  N  N  N  Y  N  N  N  N  N  Y",
    "MODIFYING         Y  N  N  N  N  N  N  N  N  N  Y",
    "RESIZE            Y  N  N  N  N  N  N  N  N  N  Y",
    "SHUTDOWN          Y  Y  N  Y  Y  Y  P  P  P  N  Y",
    "REBOOT            Y  N  N  N  N  N  N  N  N  N  Y",
    "STARTING          Y  N  N  N  N  N  N  N  N  N  Y",
    "STOPPING          Y  N  N  N  N  N  N  N  N  N  Y",
];

fn row(state: &str) -> Vec<(Op, Cell)> {
    let line = TABLE.iter().find(|l| l.split_whitespace().next() == Some(state)).expect("a state of the table");
    let cells: Vec<Cell> = line
        .split_whitespace()
        .skip(1)
        .map(|c| match c {
            "Y" => Cell::Y,
            "N" => Cell::N,
            "P" => Cell::P,
            other => panic!("cell {other}"),
        })
        .collect();
    assert_eq!(cells.len(), OPS.len(), "{state}");
    OPS.iter().copied().zip(cells).collect()
}

fn slug(op: Op) -> &'static str {
    match op {
        Op::Get => "get",
        Op::ModifyDeferred => "modd",
        Op::ModifyImmediate => "modi",
        Op::DiskSize => "disk",
        Op::Delete => "del",
        Op::Start => "start",
        Op::Stop => "stop",
        Op::Reboot => "reboot",
        Op::Cancel => "cancel",
        Op::Replica => "rep",
        Op::Pitr => "pitr",
    }
}

/// Runs `op` on instance `id`; answers the response and the success status it should have.
async fn run(fj: &Fj, op: Op, id: &str) -> (Resp, u16) {
    match op {
        Op::Get => (fj.show(id).await, 200),
        Op::ModifyDeferred => (fj.modify(id, json!({"description": "changed"})).await, 200),
        Op::ModifyImmediate => (fj.modify(id, json!({"description": "changed", "applyImmediately": true})).await, 200),
        Op::DiskSize => (fj.modify(id, json!({"volume": {"size": 30}})).await, 200),
        Op::Delete => (fj.delete(id).await, 202),
        Op::Start => (fj.act(id, "start").await, 202),
        Op::Stop => (fj.act(id, "stop").await, 202),
        Op::Reboot => (fj.act(id, "reboot").await, 202),
        Op::Cancel => (fj.act(id, "cancel").await, 202),
        Op::Replica => (fj.post_instances(replica_body(id, &format!("{id}-rep"))).await, 200),
        Op::Pitr => (pitr(fj, id, pitr_body(&format!("{id}-pitr"))).await, 200),
    }
}

/// Every cell of `state`'s row.
async fn check_state(state: &str) {
    let fj = Fj::start().await;
    raise_quotas(&fj).await;
    let row = row(state);
    let allowed: Vec<(Op, Cell)> = row.iter().copied().filter(|(op, c)| *c != Cell::N && *op != Op::Get).collect();
    let mut ids = vec!["refused".to_owned()];
    ids.extend(allowed.iter().map(|(op, _)| slug(*op).to_owned()));
    for id in &ids {
        fj.create_instance(id).await;
    }
    for id in &ids {
        fj.wait_active(id).await;
    }
    // The first automated backup (window 12:00-12:30 from midnight).
    fj.advance(13 * 3600).await;
    for id in &ids {
        fj.wait_active(id).await;
    }

    // Refused cells: all on one instance, since none may change it.
    fj.force_state("refused", state).await;
    for (op, cell) in &row {
        let before = fj.show("refused").await.body;
        let count = fj.list().await.len();
        let (r, ok) = run(&fj, *op, "refused").await;
        match cell {
            Cell::N => {
                assert_eq!(r.status, 422, "{op:?} in {state} is refused: {}", r.text);
                r.assert_fj_error(422, "");
                assert_eq!(fj.show("refused").await.body, before, "{op:?} in {state} changed the instance");
                assert_eq!(fj.list().await.len(), count, "{op:?} in {state} created an instance");
            }
            _ if *op == Op::Get => {
                assert_eq!(r.status, ok, "GET in {state}: {}", r.text);
                assert_eq!(r.body["instance"]["status"], state);
            }
            _ => {}
        }
    }

    // Allowed cells: one fresh instance each.
    for (op, cell) in allowed {
        let id = slug(op);
        fj.force_state(id, state).await;
        let (r, ok) = run(&fj, op, id).await;
        match cell {
            Cell::Y => assert_eq!(r.status, ok, "{op:?} in {state} is allowed by the table: {}", r.text),
            Cell::P => {
                assert!(r.status == ok || r.status == 422, "{op:?} in {state}: {} {}", r.status, r.text);
                if r.status == 422 {
                    r.assert_fj_error(422, "");
                }
            }
            Cell::N => unreachable!(),
        }
        if r.status == 202 {
            assert!(r.text.is_empty(), "{op:?}: 202 has no body");
        }
        if ok == 200 && r.status == 200 {
            assert!(r.body["instance"].is_object(), "{op:?} answers an instance: {}", r.text);
        }
    }
}

macro_rules! state_rows {
    ($($name:ident => $state:literal,)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                check_state($state).await;
            }
        )*
    };
}

state_rows! {
    in_active_every_operation_is_allowed => "ACTIVE",
    in_restart_required_every_operation_is_allowed => "RESTART_REQUIRED",
    in_backup_start_stop_reboot_modify_and_replica_are_refused => "BACKUP",
    in_degenerated_modify_and_replica_are_refused => "DEGENERATED",
    in_build_only_reads_are_allowed => "BUILD",
    in_deleting_only_reads_are_allowed => "DELETING",
    in_deleted_only_reads_are_allowed => "DELETED",
    in_failed_only_pitr_stop_reboot_disk_size_and_delete_are_allowed => "FAILED",
    in_error_only_pitr_and_delete_are_allowed => "ERROR",
    in_modifying_only_pitr_is_allowed => "MODIFYING",
    in_resize_only_pitr_is_allowed => "RESIZE",
    in_shutdown_modify_with_apply_immediately_and_replica_are_refused => "SHUTDOWN",
    in_reboot_only_pitr_is_allowed => "REBOOT",
    in_starting_only_pitr_is_allowed => "STARTING",
    in_stopping_only_pitr_is_allowed => "STOPPING",
}

#[test]
fn the_table_has_a_row_for_every_wire_state() {
    for s in STATES {
        assert_eq!(row(s).len(), OPS.len(), "{s}");
    }
    assert_eq!(TABLE.len(), STATES.len());
}

#[tokio::test]
async fn an_instance_stopped_from_degenerated_refuses_every_modify_until_started() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.force_state("db1", "DEGENERATED").await;
    fj.act("db1", "stop").await.assert_accepted();
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    // "※Degenerated 状態からデータベース仮想サーバを停止した場合は、applyImmediately
    // パラメーターにかかわらず、1.2.2.3API は実行できません。" (seed 267)
    let before = fj.show("db1").await.body;
    for changes in [
        json!({"description": "x"}),
        json!({"description": "x", "applyImmediately": false}),
        json!({"volume": {"size": 30}}),
    ] {
        fj.modify("db1", changes).await.assert_fj_error(422, "");
    }
    assert_eq!(fj.show("db1").await.body, before);
    // An instance stopped from ACTIVE may be modified (deferred).
    fj.active_instance("db2").await;
    fj.act("db2", "stop").await.assert_accepted();
    fj.wait_for("db2", "SHUTDOWN", 86_400).await;
    assert_eq!(fj.modify("db2", json!({"description": "x"})).await.status, 200);
    fj.modify("db2", json!({"description": "y", "applyImmediately": true})).await.assert_fj_error(422, "");
}

#[tokio::test]
async fn a_deferred_modify_of_a_stopped_instance_is_applied_when_it_starts() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.act("db1", "stop").await.assert_accepted();
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    let r = fj.modify("db1", json!({"port": 6000})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(fj.instance_status("db1").await, "SHUTDOWN", "it stays stopped");
    fj.act("db1", "start").await.assert_accepted();
    fj.wait_active("db1").await;
    assert_eq!(fj.show("db1").await.instance()["port"], 6000);
}

#[tokio::test]
async fn the_naturally_reached_transitional_states_refuse_writes_too() {
    let fj = Fj::start().await;
    // BUILD, at once after the create.
    fj.create_instance("db1").await;
    let before = fj.show("db1").await.body;
    fj.modify("db1", json!({"description": "x"})).await.assert_fj_error(422, "");
    fj.act("db1", "stop").await.assert_fj_error(422, "");
    fj.delete("db1").await.assert_fj_error(422, "");
    assert_eq!(fj.show("db1").await.body, before);
    fj.wait_active("db1").await;
    // STOPPING.
    fj.act("db1", "stop").await.assert_accepted();
    fj.act("db1", "stop").await.assert_fj_error(422, "");
    fj.act("db1", "start").await.assert_fj_error(422, "");
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    // STARTING.
    fj.act("db1", "start").await.assert_accepted();
    fj.modify("db1", json!({"description": "x"})).await.assert_fj_error(422, "");
    fj.wait_active("db1").await;
    // MODIFYING.
    fj.modify("db1", json!({"port": 7000, "applyImmediately": true})).await;
    assert_eq!(fj.instance_status("db1").await, "MODIFYING");
    fj.act("db1", "reboot").await.assert_fj_error(422, "");
    fj.delete("db1").await.assert_fj_error(422, "");
    fj.wait_active("db1").await;
    // DELETING.
    fj.delete("db1").await.assert_accepted();
    fj.delete("db1").await.assert_fj_error(422, "");
    fj.act("db1", "start").await.assert_fj_error(422, "");
}

#[tokio::test]
async fn a_forced_state_accepts_any_case_and_an_unknown_state_changes_nothing() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // 00-decisions: "Accept any case where a state is input (scenarios, faults)".
    fj.add_rule(json!({"match": {"provider": "fujitsu", "method": "GET", "path": inst("db1")},
                       "action": {"kind": "resource", "state": "Restart_Required", "resource_id": "db1"},
                       "schedule": {"times": 1}}))
        .await;
    assert_eq!(fj.instance_status("db1").await, "RESTART_REQUIRED");
    let r = fj
        .sim_post(
            "/_sim/faults",
            json!({"match": {"provider": "fujitsu", "method": "GET", "path": inst("db1")},
                                          "action": {"kind": "resource", "state": "MELTED", "resource_id": "db1"},
                                          "schedule": {"times": 1}}),
        )
        .await;
    if r.status == 200 {
        assert_eq!(fj.instance_status("db1").await, "RESTART_REQUIRED", "an unknown state is not applied");
    } else {
        assert_eq!(r.status, 400, "{}", r.text);
    }
}

#[tokio::test]
async fn transition_durations_are_knobs() {
    let fj = Fj::start().await;
    let r = fj.sim_get("/_sim/config").await;
    let knobs: Vec<Value> = r.body["knobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k["name"].as_str().is_some_and(|n| n.starts_with("fujitsu.durations.")))
        .collect();
    assert!(!knobs.is_empty(), "fujitsu.durations.* knobs: {}", r.text);
    // Set every duration to 10 minutes: a create is BUILD for 600 s, then ACTIVE.
    for k in &knobs {
        let name = k["name"].as_str().unwrap();
        let r = fj.sim_patch("/_sim/config", json!({ name: 600 })).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text);
    }
    fj.create_instance("db1").await;
    fj.advance(599).await;
    assert_eq!(fj.instance_status("db1").await, "BUILD");
    fj.advance(1).await;
    assert_eq!(fj.instance_status("db1").await, "ACTIVE");
    fj.act("db1", "stop").await.assert_accepted();
    fj.advance(599).await;
    assert_eq!(fj.instance_status("db1").await, "STOPPING");
    fj.advance(1).await;
    assert_eq!(fj.instance_status("db1").await, "SHUTDOWN");
}
