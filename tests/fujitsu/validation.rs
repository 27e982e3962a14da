//! Every validation rule of the instance family broken once (part 01's checklist rows
//! 1–77, part 02's rows 1–61, each traced to the seed's lines): the status and the
//! `{"Error": {...}}` envelope whose message names the field, and nothing changed —
//! the list (for creates) or the instance (for modifies and actions) reads the same
//! afterwards. The boundary values are accepted.

use hyper::Method;

use super::instances::raise_quotas;
use crate::support::fujitsu::*;
use crate::support::*;

/// Creates with `changes` merged into the valid body; asserts the error and that the list
/// is unchanged.
async fn create_refused(fj: &Fj, changes: Value, status: u16, field: &str) {
    let before = fj.list().await;
    let r = fj.post_instances(create_body_with("v1", changes.clone())).await;
    assert_eq!(r.status, status, "{changes}: {}", r.text);
    r.assert_fj_error(status, field);
    assert_eq!(fj.list().await, before, "{changes}: nothing was created");
}

/// Creates with `changes`; asserts 200 (the boundary is accepted).
async fn create_accepted(fj: &Fj, id: &str, changes: Value) {
    let r = fj.post_instances(create_body_with(id, changes.clone())).await;
    assert_eq!(r.status, 200, "{changes} is accepted: {}", r.text);
}

/// Modifies `id` with `changes`; asserts the error and that the instance is unchanged.
async fn modify_refused(fj: &Fj, id: &str, changes: Value, status: u16, field: &str) {
    let before = fj.show(id).await.body;
    let r = fj.modify(id, changes.clone()).await;
    assert_eq!(r.status, status, "{changes}: {}", r.text);
    r.assert_fj_error(status, field);
    assert_eq!(fj.show(id).await.body, before, "{changes}: nothing changed");
}

fn long(n: usize) -> String {
    let mut s = String::from("a");
    s.push_str(&"b".repeat(n - 1));
    s
}

#[tokio::test]
async fn create_needs_an_instance_object_a_flavor_a_volume_size_and_a_password() {
    let fj = Fj::start().await;
    // instance 1..1 (seed 332–335); flavorRef 1..1 (337–344); volume, volume.size 1..1
    // (346–358); masterUserPassword 1..1 (605–614).
    let before = fj.list().await;
    fj.post_instances(json!({})).await.assert_fj_error(400, "instance");
    fj.post_instances(json!({"instance": "db1"})).await.assert_fj_error(400, "instance");
    create_refused(&fj, json!({"flavorRef": null}), 400, "flavorRef").await;
    create_refused(&fj, json!({"volume": null}), 400, "volume").await;
    create_refused(&fj, json!({"volume": {"size": null, "type": "M2"}}), 400, "volume.size").await;
    create_refused(&fj, json!({"masterUserPassword": null}), 400, "masterUserPassword").await;
    assert_eq!(fj.list().await, before);
}

#[tokio::test]
async fn create_refuses_an_unknown_flavor_with_404() {
    let fj = Fj::start().await;
    // "存在するフレーバーID を指定する。" (seed 337–344).
    create_refused(&fj, json!({"flavorRef": "999"}), 404, "flavorRef").await;
    create_refused(&fj, json!({"flavorRef": 1}), 400, "flavorRef").await;
}

#[tokio::test]
async fn create_refuses_a_volume_size_outside_10_to_10000_gb_and_a_type_other_than_m2() {
    let fj = Fj::start().await;
    // "10 to 10000 (GB)" (seed 351–358); type M2 (360–367).
    for size in [json!(9), json!(10001), json!(0), json!(-20), json!("20"), json!(20.5)] {
        create_refused(&fj, json!({"volume": {"size": size}}), 400, "volume.size").await;
    }
    create_refused(&fj, json!({"volume": {"size": 20, "type": "SSD"}}), 400, "volume.type").await;
    create_accepted(&fj, "min", json!({"volume": {"size": 10}})).await;
    create_accepted(&fj, "max", json!({"volume": {"size": 10000, "type": "M2"}})).await;
}

#[tokio::test]
async fn create_refuses_an_id_that_breaks_the_id_rule() {
    let fj = Fj::start().await;
    // Alphanumerics or hyphen, first a letter, no trailing hyphen, no "--", ≤ 63 (seed 369–383).
    for id in ["1db", "db_1", "db-", "d--b", "-db", "d b", "dé", ""] {
        create_refused(&fj, json!({ "id": id }), 400, "id").await;
    }
    create_refused(&fj, json!({ "id": long(64) }), 400, "id").await;
    create_refused(&fj, json!({ "id": 7 }), 400, "id").await;
    create_accepted(&fj, &long(63), json!({})).await;
    create_accepted(&fj, "a-1-b", json!({})).await;
}

#[tokio::test]
async fn create_refuses_an_id_already_in_use() {
    let fj = Fj::start().await;
    fj.create_instance("db1").await;
    let before = fj.list().await;
    let r = fj.post_instances(create_body("db1")).await;
    // Part 01 says 400 DBInstanceAlreadyExists, part 02 422: either, in the envelope.
    assert!(matches!(r.status, 400 | 422), "{}", r.text);
    r.assert_fj_error(r.status, "db1");
    assert_eq!(fj.list().await, before);
}

#[tokio::test]
async fn create_refuses_a_name_that_breaks_the_name_rule_or_a_long_description() {
    let fj = Fj::start().await;
    // name: same characters as id, ≤ 255 (seed 385–398); description ≤ 1024 (400–407).
    for name in ["json_rack_instance", "9lives", "end-", "a--b"] {
        create_refused(&fj, json!({ "name": name }), 400, "name").await;
    }
    create_refused(&fj, json!({ "name": long(256) }), 400, "name").await;
    create_refused(&fj, json!({ "description": "d".repeat(1025) }), 400, "description").await;
    create_accepted(&fj, "n255", json!({ "name": long(255), "description": "d".repeat(1024) })).await;
}

#[tokio::test]
async fn create_refuses_a_subnet_the_tenant_does_not_own_with_404() {
    let fj = Fj::start().await;
    // 00-decisions: unknown subnetId → 404 naming subnetId; the example's leading space is a typo.
    create_refused(&fj, json!({"subnetId": "00000000-0000-0000-0000-000000000000"}), 404, "subnetId").await;
    create_refused(&fj, json!({"subnetId": format!(" {SUBNET}")}), 404, "subnetId").await;
    create_accepted(&fj, "nosubnet", json!({"subnetId": null})).await;
}

#[tokio::test]
async fn create_refuses_booleans_that_are_not_booleans() {
    let fj = Fj::start().await;
    // multi (416–425), autoMaintenance (509–522), publiclyAccessible (524–537),
    // downloadLogExtension (634–647), autoScale.*.available (733–839).
    create_refused(&fj, json!({"multi": "true"}), 400, "multi").await;
    create_refused(&fj, json!({"autoMaintenance": "no"}), 400, "autoMaintenance").await;
    create_refused(&fj, json!({"publiclyAccessible": 1}), 400, "publiclyAccessible").await;
    create_refused(&fj, json!({"downloadLogExtension": "false"}), 400, "downloadLogExtension").await;
    create_refused(&fj, json!({"autoScale": {"volume": {"available": "yes"}}}), 400, "autoScale.volume.available")
        .await;
    create_refused(&fj, json!({"autoScale": {"flavor": {"available": 0}}}), 400, "autoScale.flavor.available").await;
    create_refused(
        &fj,
        json!({"autoScale": {"readreplica": {"maxNumber": "two"}}}),
        400,
        "autoScale.readreplica.maxNumber",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_a_port_outside_1024_to_32767() {
    let fj = Fj::start().await;
    // "1024 to 32767" (seed 427–436).
    for port in [json!(1023), json!(32768), json!(0), json!("5432"), json!(5432.5)] {
        create_refused(&fj, json!({ "port": port }), 400, "port").await;
    }
    create_accepted(&fj, "p1", json!({"port": 1024})).await;
    create_accepted(&fj, "p2", json!({"port": 32767})).await;
}

#[tokio::test]
async fn create_refuses_a_backup_window_of_the_wrong_shape_or_shorter_than_30_minutes() {
    let fj = Fj::start().await;
    // "hh24:mi-hh24:mi", "30 分以上" (seed 438–457).
    for w in ["1700-1730", "17:00", "24:00-00:30", "17:60-18:30", "17:00-17:29", "5:00-5:30", "17:00-17:00"] {
        create_refused(&fj, json!({ "preferredBackupWindow": w }), 400, "preferredBackupWindow").await;
    }
    create_accepted(&fj, "b30", json!({"preferredBackupWindow": "02:00-02:30"})).await;
    // A window may cross midnight (A27).
    create_accepted(&fj, "bmid", json!({"preferredBackupWindow": "23:45-00:15"})).await;
}

#[tokio::test]
async fn create_refuses_a_maintenance_window_of_the_wrong_shape_or_length() {
    let fj = Fj::start().await;
    // "ddd:hh24:mi-ddd:hh24:mi", Mon..Sun, "30 分以上 23 時間 30 分以内" (seed 459–478).
    for w in [
        "Sun:19:00-20:00",
        "sun:19:00-sun:20:00",
        "Xyz:19:00-Xyz:20:00",
        "Sun:19:00-Sun:19:29",
        "Sun:00:00-Mon:00:00",
        "Sun:25:00-Sun:26:00",
    ] {
        create_refused(&fj, json!({ "preferredMaintenanceWindow": w }), 400, "preferredMaintenanceWindow").await;
    }
    create_accepted(&fj, "m30", json!({"preferredMaintenanceWindow": "Mon:01:00-Mon:01:30"})).await;
    // Up to 23 h 30 min; a long window leaves little room for the three daily windows
    // that may not overlap it on any day (touching is no overlap, A27).
    create_refused(
        &fj,
        json!({"preferredMaintenanceWindow": "Mon:00:00-Mon:23:31"}),
        400,
        "preferredMaintenanceWindow",
    )
    .await;
    create_accepted(
        &fj,
        "m23",
        json!({"preferredMaintenanceWindow": "Mon:00:00-Mon:23:00", "preferredBackupWindow": "23:00-23:30",
               "autoScale": {"volume": {"time": "23:30-00:00"}, "flavor": {"time": "23:30-00:00"}}}),
    )
    .await;
    create_accepted(&fj, "mweek", json!({"preferredMaintenanceWindow": "Sun:23:00-Mon:01:00"})).await;
}

#[tokio::test]
async fn create_refuses_windows_that_overlap() {
    let fj = Fj::start().await;
    // Backup vs maintenance (seed 438–457); autoScale times vs both (759–817).
    create_refused(
        &fj,
        json!({"preferredBackupWindow": "13:15-13:45", "preferredMaintenanceWindow": "Sun:13:00-Sun:13:30"}),
        400,
        "preferredBackupWindow",
    )
    .await;
    create_refused(&fj, json!({"autoScale": {"volume": {"time": "12:00-12:30"}}}), 400, "autoScale.volume.time").await;
    create_refused(&fj, json!({"autoScale": {"flavor": {"time": "13:00-13:30"}}}), 400, "autoScale.flavor.time").await;
    create_refused(&fj, json!({"autoScale": {"volume": {"time": "21:00-21:20"}}}), 400, "autoScale.volume.time").await;
    create_refused(&fj, json!({"autoScale": {"flavor": {"time": "2100-2130"}}}), 400, "autoScale.flavor.time").await;
    // Touching is not overlapping (A27), and the two autoScale times may overlap each other.
    create_accepted(
        &fj,
        "touch",
        json!({"preferredBackupWindow": "12:30-13:00",
               "autoScale": {"volume": {"time": "13:30-14:00"}, "flavor": {"time": "13:30-14:00"}}}),
    )
    .await;
}

#[tokio::test]
async fn create_refuses_a_recovery_time_without_multi_or_with_both_children() {
    let fj = Fj::start().await;
    // "multi=true の場合のみ指定可能" (seed 480–487); "どちらか片方だけ" (489–498).
    create_refused(
        &fj,
        json!({"multi": false, "preferredRecoveryTime": {"applyImmediately": true}}),
        400,
        "preferredRecoveryTime",
    )
    .await;
    create_refused(
        &fj,
        json!({"preferredRecoveryTime": {"applyImmediately": true, "time": "01:00"}}),
        400,
        "preferredRecoveryTime",
    )
    .await;
    create_refused(&fj, json!({"preferredRecoveryTime": {"applyImmediately": "true"}}), 400, "applyImmediately").await;
    create_refused(&fj, json!({"preferredRecoveryTime": {"time": "1 am"}}), 400, "time").await;
    create_accepted(&fj, "rt", json!({"preferredRecoveryTime": {"time": "01:00"}})).await;
}

#[tokio::test]
async fn create_refuses_a_retention_period_outside_0_to_10() {
    let fj = Fj::start().await;
    // "0 to 10" (seed 557–568).
    for n in [json!(11), json!(-1), json!("1"), json!(1.5)] {
        create_refused(&fj, json!({ "backupRetentionPeriod": n }), 400, "backupRetentionPeriod").await;
    }
    create_accepted(&fj, "r0", json!({"backupRetentionPeriod": 0})).await;
    create_accepted(&fj, "r10", json!({"backupRetentionPeriod": 10})).await;
}

#[tokio::test]
async fn create_refuses_an_engine_other_than_enterprisepostgres_and_an_unknown_version() {
    let fj = Fj::start().await;
    // engine: enterprisepostgres only (seed 570–579); the example's leading space is not trimmed (A20).
    create_refused(&fj, json!({"engine": "postgres"}), 400, "engine").await;
    create_refused(&fj, json!({"engine": " enterprisepostgres"}), 400, "engine").await;
    // engineVersion: a version of 1.2.2.13 (part 01 row 47).
    create_refused(&fj, json!({"engineVersion": "99"}), 400, "engineVersion").await;
}

#[tokio::test]
async fn create_refuses_a_master_user_name_that_breaks_its_rule() {
    let fj = Fj::start().await;
    // 1–63 characters, lower-case letters, digits, _, first a letter or _ (seed 590–603).
    for name in ["Admin", "1admin", "ad-min", "", "ad min"] {
        create_refused(&fj, json!({ "masterUserName": name }), 400, "masterUserName").await;
    }
    create_refused(&fj, json!({ "masterUserName": long(64) }), 400, "masterUserName").await;
    create_accepted(&fj, "u1", json!({"masterUserName": "_admin_1"})).await;
    create_accepted(&fj, "u2", json!({"masterUserName": long(63)})).await;
}

#[tokio::test]
async fn create_refuses_a_master_password_with_a_quote_or_longer_than_1024() {
    let fj = Fj::start().await;
    // "英数字または'(シングルクォート)以外の記号", "最大 1024 文字" (seed 605–614).
    create_refused(&fj, json!({"masterUserPassword": "it'sme"}), 400, "masterUserPassword").await;
    create_refused(&fj, json!({"masterUserPassword": "p".repeat(1025)}), 400, "masterUserPassword").await;
    create_refused(&fj, json!({"masterUserPassword": ""}), 400, "masterUserPassword").await;
    create_refused(&fj, json!({"masterUserPassword": 12345678}), 400, "masterUserPassword").await;
    create_accepted(
        &fj,
        "pw",
        json!({"masterUserPassword": format!("!#$%&()*+,-./:;<=>?@[]^_`{{|}}~{}", "x".repeat(990))}),
    )
    .await;
}

#[tokio::test]
async fn create_refuses_strings_longer_than_255_where_no_other_limit_is_given() {
    let fj = Fj::start().await;
    // G1: "String 型の入力パラメーターの上限値は 255" (seed 170).
    create_refused(&fj, json!({"characterSet": "c".repeat(256)}), 400, "characterSet").await;
    create_refused(&fj, json!({"collate": "c".repeat(256)}), 400, "collate").await;
    create_accepted(&fj, "c255", json!({"collate": "c".repeat(255)})).await;
}

#[tokio::test]
async fn create_refuses_databases_and_users_that_break_their_rules() {
    let fj = Fj::start().await;
    // databases[].name 1..1, [A-Za-z_][A-Za-z0-9_]*, ≤ 63 (seed 649–674).
    create_refused(&fj, json!({"databases": [{}]}), 400, "databases").await;
    create_refused(&fj, json!({"databases": [{"name": "1db"}]}), 400, "databases").await;
    create_refused(&fj, json!({"databases": [{"name": "sample-db"}]}), 400, "databases").await;
    create_refused(&fj, json!({"databases": [{"name": long(64)}]}), 400, "databases").await;
    create_refused(&fj, json!({"databases": "sampledb"}), 400, "databases").await;
    // users[].name, .password (≤ 1024), .databases[].name (seed 676–717).
    let user = |u: Value| json!({"users": [u]});
    create_refused(&fj, user(json!({"password": "pw"})), 400, "users").await;
    create_refused(&fj, user(json!({"name": "demo-user", "password": "pw"})), 400, "users").await;
    create_refused(&fj, user(json!({"name": "demouser"})), 400, "password").await;
    create_refused(&fj, user(json!({"name": "demouser", "password": "p".repeat(1025)})), 400, "password").await;
    create_refused(&fj, user(json!({"name": "demouser", "password": "pw", "databases": [{}]})), 400, "databases").await;
    create_refused(
        &fj,
        user(json!({"name": "demouser", "password": "pw", "databases": [{"name": "9x"}]})),
        400,
        "databases",
    )
    .await;
    // Upper case is folded, not refused: "大文字を指定した場合も小文字で作成されます" (seed 658–674).
    create_accepted(
        &fj,
        "dbs",
        json!({"databases": [{"name": "SampleDB"}, {"name": "_next"}],
               "users": [{"name": "DemoUser", "password": "demopassword", "databases": [{"name": "SampleDB"}]}]}),
    )
    .await;
}

#[tokio::test]
async fn create_refuses_autoscale_limits_out_of_range() {
    let fj = Fj::start().await;
    // maxSize: multiple of 10, ≥ volume.size, ≤ 10000 (seed 748–757).
    for m in [json!(25), json!(10), json!(10010), json!("100")] {
        create_refused(&fj, json!({"autoScale": {"volume": {"maxSize": m}}}), 400, "maxSize").await;
    }
    // maxNumber: an integer, ≥ 1 inferred (seed 841–848).
    create_refused(&fj, json!({"autoScale": {"readreplica": {"maxNumber": 0}}}), 400, "maxNumber").await;
    create_accepted(&fj, "as", json!({"autoScale": {"volume": {"maxSize": 20}, "readreplica": {"maxNumber": 1}}}))
        .await;
}

#[tokio::test]
async fn create_beyond_the_instance_quota_is_413_over_limit() {
    let fj = Fj::start().await;
    let r = fj.sim_get("/_sim/config").await;
    let knob = r.body["knobs"]
        .as_array()
        .and_then(|ks| {
            ks.iter()
                .find(|k| k["name"].as_str().is_some_and(|n| n.starts_with("fujitsu.quota") && n.contains("nstance")))
                .cloned()
        })
        .unwrap_or_else(|| panic!("a fujitsu.quota.*instance* knob: {}", r.text));
    let name = knob["name"].as_str().unwrap();
    fj.sim_patch("/_sim/config", json!({ name: 2 })).await;
    fj.create_instance("q1").await;
    fj.create_instance("q2").await;
    create_refused(&fj, json!({"id": "q3"}), 413, "").await;
}

// ------------------------------------------------------------------------------ modify

#[tokio::test]
async fn modify_refuses_each_field_out_of_its_rule_and_changes_nothing() {
    let fj = Fj::start().await;
    raise_quotas(&fj).await;
    fj.active_instance("db1").await;
    // Part 01 §5.3 (seed 1586–1909), each rule once.
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"flavorRef": "999"}), 404, "flavorRef"),
        (json!({"volume": {"size": 2}}), 400, "volume.size"),
        (json!({"volume": {"size": 10001}}), 400, "volume.size"),
        (json!({"volume": {"size": 30, "type": "SSD"}}), 400, "volume.type"),
        (json!({"id": "bad_id"}), 400, "id"),
        (json!({"name": "bad_name"}), 400, "name"),
        (json!({"description": "d".repeat(1025)}), 400, "description"),
        (json!({"port": 80}), 400, "port"),
        (json!({"port": 32768}), 400, "port"),
        (json!({"preferredBackupWindow": "14:00-14:10"}), 400, "preferredBackupWindow"),
        (json!({"preferredMaintenanceWindow": "Sun:13:00-Sun:13:10"}), 400, "preferredMaintenanceWindow"),
        // Overlap with the current maintenance window Sun:13:00-Sun:13:30 (the resulting configuration).
        (json!({"preferredBackupWindow": "13:00-13:30"}), 400, "preferredBackupWindow"),
        (json!({"autoScale": {"volume": {"time": "12:00-12:30"}}}), 400, "autoScale.volume.time"),
        (json!({"autoMaintenance": "yes"}), 400, "autoMaintenance"),
        (json!({"backupRetentionPeriod": 11}), 400, "backupRetentionPeriod"),
        (json!({"engineVersion": "99"}), 400, "engineVersion"),
        (json!({"masterUserPassword": "it'sme"}), 400, "masterUserPassword"),
        (json!({"masterUserPassword": "p".repeat(1025)}), 400, "masterUserPassword"),
        (json!({"applyImmediately": "true"}), 400, "applyImmediately"),
        (json!({"downloadLogExtension": 1}), 400, "downloadLogExtension"),
        // maxSize ≥ the resulting disk size (seed 1809–1818).
        (json!({"autoScale": {"volume": {"maxSize": 10}}}), 400, "maxSize"),
        (json!({"volume": {"size": 100}, "autoScale": {"volume": {"maxSize": 50}}}), 400, "maxSize"),
        (json!({"autoScale": {"volume": {"maxSize": 55}}}), 400, "maxSize"),
        (json!({"securityGroupIds": "secid1"}), 400, "securityGroupIds"),
    ];
    for (changes, status, field) in cases {
        modify_refused(&fj, "db1", changes, status, field).await;
    }
    fj.fj(Method::PUT, &inst("db1"), Some(json!({}))).await.assert_fj_error(400, "instance");
    fj.fj(Method::PUT, &inst("db1"), Some(json!({"instance": []}))).await.assert_fj_error(400, "instance");
    assert_eq!(fj.instance_status("db1").await, "ACTIVE");
}

// ------------------------------------------------------------------------------ actions

#[tokio::test]
async fn an_action_body_needs_exactly_one_known_key_and_boolean_flags() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let before = fj.show("db1").await.body;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "action"),
        (json!({"action": {}}), "action"),
        (json!({"action": "stop"}), "action"),
        (json!({"action": {"start": "", "stop": ""}}), "action"),
        (json!({"action": {"explode": ""}}), "explode"),
        (json!({"action": {"restoresnapshot": ""}}), "restoresnapshot"),
        (json!({"action": {"reboot": "", "failover": "no"}}), "failover"),
        (json!({"action": {"reboot": ""}, "applyPatch": "yes"}), "applyPatch"),
        (json!({"action": {"start": "", "applyPatch": 1}}), "applyPatch"),
    ];
    for (body, field) in cases {
        let r = fj.fj(Method::POST, &action_path("db1"), Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.assert_fj_error(400, field);
    }
    assert_eq!(fj.show("db1").await.body, before, "nothing changed");
}

// ------------------------------------------------------------------- restores, replicas

#[tokio::test]
async fn restores_and_replicas_apply_the_instance_rules_too() {
    let fj = Fj::start().await;
    raise_quotas(&fj).await;
    super::restores::backed_up_instance(&fj, "src").await;
    super::restores::seed_snapshot(&fj, "snap1", "src").await;
    let before = fj.list().await;
    // Part 02 §2 (seed 2647–3033 for 1.2.2.4; 1.2.2.5 alike) and §12.2 (5954–6200).
    let rules: Vec<(Value, &str)> = vec![
        (json!({"volume": {"size": 5}}), "volume.size"),
        (json!({"volume": {"size": 20, "type": "SSD"}}), "volume.type"),
        (json!({"port": 99999}), "port"),
        (json!({"multi": "no"}), "multi"),
        (json!({"preferredBackupWindow": "17:00-17:10"}), "preferredBackupWindow"),
        (json!({"preferredMaintenanceWindow": "Fri:19:00"}), "preferredMaintenanceWindow"),
        (json!({"multi": false, "preferredRecoveryTime": {"applyImmediately": true}}), "preferredRecoveryTime"),
        (json!({"backupRetentionPeriod": 11}), "backupRetentionPeriod"),
        (json!({"masterUserName": "Bad-Name"}), "masterUserName"),
        (json!({"id": "bad_id"}), "id"),
        (json!({"name": "-bad"}), "name"),
        (json!({"autoScale": {"volume": {"maxSize": 15}}}), "maxSize"),
        (json!({"publiclyAccessible": "yes"}), "publiclyAccessible"),
        (json!({"flavorRef": "999"}), "flavorRef"),
    ];
    for (changes, field) in &rules {
        let status = if *field == "flavorRef" { 404 } else { 400 };
        let mut restore = super::restores::restore_body("snap1", "r1");
        merge(&mut restore["instance"], changes);
        let r = fj.post_instances(restore).await;
        assert_eq!(r.status, status, "restore {changes}: {}", r.text);
        r.assert_fj_error(status, field);
        let mut pitr = super::restores::pitr_body("p1");
        merge(&mut pitr["instance"], changes);
        let r = super::restores::pitr(&fj, "src", pitr).await;
        assert_eq!(r.status, status, "PITR {changes}: {}", r.text);
        r.assert_fj_error(status, field);
    }
    // The replica's own list (no multi, backup window, retention, user, autoScale).
    let replica_rules: Vec<(Value, &str)> = vec![
        (json!({"port": 80}), "port"),
        (json!({"id": "9replica"}), "id"),
        (json!({"name": "a--b"}), "name"),
        (json!({"description": "d".repeat(1025)}), "description"),
        (json!({"preferredMaintenanceWindow": "Sun:19:00-Sun:19:10"}), "preferredMaintenanceWindow"),
        (json!({"preferredRecoveryTime": {"applyImmediately": true, "time": "01:00"}}), "preferredRecoveryTime"),
        (json!({"volume": {"size": 10001}}), "volume.size"),
        (json!({"flavorRef": "999"}), "flavorRef"),
    ];
    for (changes, field) in &replica_rules {
        let status = if *field == "flavorRef" { 404 } else { 400 };
        let mut body = super::restores::replica_body("src", "rep1");
        merge(&mut body["instance"], changes);
        let r = fj.post_instances(body).await;
        assert_eq!(r.status, status, "replica {changes}: {}", r.text);
        r.assert_fj_error(status, field);
    }
    assert_eq!(fj.list().await, before, "nothing was created");
}
