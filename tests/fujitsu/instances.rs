//! The instance family's happy paths with the documented response fields (seed 1.2.2.1–
//! 1.2.2.3 and 1.2.2.6–1.2.2.15): create (`BUILD` then `ACTIVE`), show, list and its
//! paging, delete, modify (applied, restart-requiring, pending until a reboot), start,
//! stop, reboot, cancel, flavors and engine versions.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

/// The instance response elements: the create table's child list (seed 876) plus
/// `autoMaintenance` from the modify table (seed 1937). `publicIp` is left out: "not shown
/// when publiclyAccessible is false" (seed 943–950).
pub const INSTANCE_FIELDS: [&str; 35] = [
    "created",
    "flavor",
    "id",
    "links",
    "name",
    "status",
    "updated",
    "volume",
    "privateIp",
    "port",
    "characterSet",
    "collate",
    "backupRetentionPeriod",
    "engine",
    "engineVersion",
    "engineMinorVersion",
    "masterUserName",
    "multi",
    "parameterGroupId",
    "pendingModifiedValues",
    "preferredBackupWindow",
    "preferredMaintenanceWindow",
    "preferredRecoveryTime",
    "publiclyAccessible",
    "readReplicaDBInstanceIdentifiers",
    "readReplicaSrcDBInstanceIdentifier",
    "replicaStatus",
    "subnetId",
    "securityGroupIds",
    "description",
    "downloadLogExtension",
    "readReplicaDBInstances",
    "readReplicaSrcDBInstance",
    "autoScale",
    "autoMaintenance",
];

/// `hh24:mi-hh24:mi` → (start, end) minutes of the day.
fn daily(w: &str) -> (u32, u32) {
    let p: Vec<u32> = w.split(['-', ':']).map(|x| x.parse().expect("digits")).collect();
    assert_eq!(p.len(), 4, "hh24:mi-hh24:mi: {w}");
    (p[0] * 60 + p[1], p[2] * 60 + p[3])
}

fn duration(start: u32, end: u32, modulo: u32) -> u32 {
    (end + modulo - start) % modulo
}

/// The id/name rule (seed 369–398).
fn is_id_like(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[tokio::test]
async fn create_answers_200_with_the_whole_instance_in_build_echoing_the_request() {
    let fj = Fj::start().await;
    let body = create_body_with(
        "db1",
        json!({"name": "json-rack-instance", "description": "orders", "port": 1234, "collate": "C",
               "characterSet": "UTF8", "backupRetentionPeriod": 7, "engine": "enterprisepostgres",
               "engineVersion": "12", "masterUserName": "admin_1", "autoMaintenance": false,
               "downloadLogExtension": true, "volume": {"size": 30, "type": "M2"},
               "preferredRecoveryTime": {"time": "01:00"},
               "autoScale": {"volume": {"available": true, "maxSize": 500, "time": "21:00-21:30"},
                             "flavor": {"available": true, "time": "22:00-22:30"},
                             "readreplica": {"available": true, "maxNumber": 2}}}),
    );
    let r = fj.post_instances(body).await;
    let i = r.instance().clone();
    let ct = r.header("content-type").unwrap_or("");
    assert!(ct.starts_with("application/json"), "{ct}");
    for f in INSTANCE_FIELDS {
        assert!(i.get(f).is_some(), "instance.{f} is present: {i}");
    }
    assert_eq!(i["status"], "BUILD");
    assert_eq!(i["id"], "db1");
    assert_eq!(i["name"], "json-rack-instance");
    assert_eq!(i["description"], "orders");
    assert_eq!(i["port"], 1234);
    assert_eq!(i["volume"], json!({"size": 30, "type": "M2"}), "volume.size is an integer (A11)");
    assert_eq!(i["flavor"]["id"], FLAVOR);
    assert_eq!(i["collate"], "C");
    assert_eq!(i["characterSet"], "UTF8");
    assert_eq!(i["backupRetentionPeriod"], 7);
    assert_eq!(i["engine"], "enterprisepostgres");
    assert_eq!(i["engineVersion"], "12");
    assert!(i["engineMinorVersion"].is_string(), "engineMinorVersion is a String (seed 994)");
    assert_eq!(i["masterUserName"], "admin_1");
    assert_eq!(i["multi"], true);
    assert_eq!(i["autoMaintenance"], false);
    assert_eq!(i["downloadLogExtension"], true);
    assert_eq!(i["publiclyAccessible"], false);
    assert!(i.get("publicIp").is_none() || i["publicIp"].is_null(), "no publicIp when not public: {i}");
    assert_eq!(i["subnetId"], SUBNET);
    assert_eq!(i["preferredBackupWindow"], "12:00-12:30");
    assert_eq!(i["preferredMaintenanceWindow"], "Sun:13:00-Sun:13:30");
    assert_eq!(i["preferredRecoveryTime"]["time"], "01:00");
    assert_eq!(i["pendingModifiedValues"], json!({}), "nothing pending");
    // Deprecated fields: "常に空の list" / "常に null" (seed 1059–1071).
    assert_eq!(i["readReplicaDBInstanceIdentifiers"], json!([]));
    assert_eq!(i["readReplicaSrcDBInstanceIdentifier"], Value::Null);
    assert_eq!(i["readReplicaDBInstances"], json!([]));
    assert_eq!(i["readReplicaSrcDBInstance"], json!({}));
    assert_eq!(i["replicaStatus"], Value::Null);
    assert!(i["securityGroupIds"].is_array());
    let a = &i["autoScale"];
    assert_eq!(a["volume"], json!({"available": true, "maxSize": 500, "time": "21:00-21:30"}));
    assert_eq!(a["flavor"], json!({"available": true, "time": "22:00-22:30"}));
    assert_eq!(a["readreplica"]["available"], true);
    assert_eq!(a["readreplica"]["maxNumber"], 2);
    // "maxNumber で指定の台数分表示されます" (seed 1373–1380); no public ones (seed 1382–1391).
    assert_eq!(a["readreplica"]["readreplicaIp"].as_array().map(Vec::len), Some(2), "{a}");
    assert!(a["readreplica"].get("readreplicaPublicIp").is_none() || a["readreplica"]["readreplicaPublicIp"].is_null());
    let ip = i["privateIp"].as_str().expect("privateIp");
    assert_eq!(ip.split('.').filter(|p| p.parse::<u8>().is_ok()).count(), 4, "an IPv4 address: {ip}");
    // created/updated are date-times, equal at creation.
    assert!(i["created"].as_str().and_then(epoch_secs).is_some(), "{}", i["created"]);
    assert_eq!(i["created"], i["updated"]);
    // The password is never echoed (no response element carries it in clear).
    assert!(!r.text.contains(MASTER_PASSWORD), "the password is not in the answer");
}

#[tokio::test]
async fn links_point_at_the_instance_and_its_flavor_with_rel_self() {
    let fj = Fj::start().await;
    let i = fj.create_instance("db1").await;
    let href = i["links"][0]["href"].as_str().expect("links[0].href");
    assert!(href.ends_with(&format!("/v1.0/{TENANT}/instances/db1")), "{href}");
    assert!(href.starts_with("http"), "{href}");
    assert!(!href.contains(' '), "no stray spaces (the examples' PDF artefacts): {href}");
    assert_eq!(i["links"][0]["rel"], "self");
    let fhref = i["flavor"]["links"][0]["href"].as_str().expect("flavor.links[0].href");
    assert!(fhref.ends_with(&format!("/v1.0/{TENANT}/flavors/{FLAVOR}")), "{fhref}");
    assert_eq!(i["flavor"]["links"][0]["rel"], "self");
}

#[tokio::test]
async fn an_omitted_field_takes_the_seeds_default() {
    let fj = Fj::start().await;
    // Only the 1..1 fields (seed 337–358, 605–614).
    let r = fj
        .post_instances(
            json!({"instance": {"flavorRef": FLAVOR, "volume": {"size": 10}, "masterUserPassword": MASTER_PASSWORD}}),
        )
        .await;
    let i = r.instance().clone();
    assert_eq!(i["status"], "BUILD");
    let id = i["id"].as_str().expect("a generated id");
    assert!(is_id_like(id) && id.len() <= 63, "the generated id obeys the id rule: {id}");
    let name = i["name"].as_str().expect("a generated name");
    assert!(is_id_like(name) && name.len() <= 255, "the generated name obeys the name rule: {name}");
    assert_eq!(i["port"], 26500, "seed 427–436");
    assert_eq!(i["multi"], false, "seed 416–425");
    assert_eq!(i["backupRetentionPeriod"], 1, "seed 557–568");
    assert_eq!(i["engine"], "enterprisepostgres", "seed 570–579");
    assert_eq!(i["engineVersion"], "12", "the latest version (seed 581–588; 1.2.2.13)");
    assert_eq!(i["masterUserName"], "postgres", "seed 590–603");
    assert_eq!(i["characterSet"], "UTF8", "seed 616–623");
    assert_eq!(i["collate"], "C", "seed 625–632");
    assert_eq!(i["autoMaintenance"], true, "seed 509–522");
    assert_eq!(i["publiclyAccessible"], false, "seed 524–537");
    assert_eq!(i["downloadLogExtension"], false, "seed 634–647");
    assert_eq!(i["volume"]["size"], 10);
    assert_eq!(i["autoScale"]["volume"]["available"], false, "seed 733–746");
    assert_eq!(i["autoScale"]["volume"]["maxSize"], 10000, "seed 748–757");
    assert_eq!(i["autoScale"]["flavor"]["available"], false, "seed 785–798");
    assert_eq!(i["autoScale"]["readreplica"]["available"], false, "seed 826–839");
    assert_eq!(i["autoScale"]["readreplica"]["maxNumber"], 5, "seed 841–848");
    // Default windows: "ランダムな 30 分間" that obey the overlap rules (seed 438–478, 759–817).
    let backup = daily(i["preferredBackupWindow"].as_str().expect("a default backup window"));
    assert_eq!(duration(backup.0, backup.1, 1440), 30, "{backup:?}");
    let av = daily(i["autoScale"]["volume"]["time"].as_str().expect("a default autoScale.volume.time"));
    let af = daily(i["autoScale"]["flavor"]["time"].as_str().expect("a default autoScale.flavor.time"));
    assert_eq!(duration(av.0, av.1, 1440), 30);
    assert_eq!(duration(af.0, af.1, 1440), 30);
    let overlaps = |a: (u32, u32), b: (u32, u32)| {
        let minutes = |w: (u32, u32)| -> Vec<u32> { (0..duration(w.0, w.1, 1440)).map(|m| (w.0 + m) % 1440).collect() };
        let mb = minutes(b);
        minutes(a).iter().any(|m| mb.contains(m))
    };
    assert!(!overlaps(av, backup), "autoScale.volume.time {av:?} overlaps the backup window {backup:?}");
    assert!(!overlaps(af, backup), "autoScale.flavor.time {af:?} overlaps the backup window {backup:?}");
    let mw = i["preferredMaintenanceWindow"].as_str().expect("a default maintenance window");
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let parts: Vec<&str> = mw.split('-').collect();
    assert_eq!(parts.len(), 2, "ddd:hh24:mi-ddd:hh24:mi: {mw}");
    for p in &parts {
        assert!(days.contains(&&p[..3]) && p.len() == 9, "{mw}");
    }
}

#[tokio::test]
async fn utf8_spellings_of_the_character_set_answer_utf8_and_others_are_echoed() {
    let fj = Fj::start().await;
    // 00-decisions: accept utf8/UTF8/utf-8/UTF-8 and answer UTF8; echo other strings.
    for (n, cs) in ["utf8", "UTF-8", "utf-8", "UTF8"].iter().enumerate() {
        let i = fj.create_instance_with(&format!("cs{n}"), json!({"characterSet": cs})).await;
        assert_eq!(i["characterSet"], "UTF8", "{cs}");
    }
    let i = fj.create_instance_with("euc", json!({"characterSet": "EUC_JP"})).await;
    assert_eq!(i["characterSet"], "EUC_JP");
}

#[tokio::test]
async fn a_created_instance_becomes_active_and_show_and_list_agree() {
    let fj = Fj::start().await;
    let created = fj.create_instance("db1").await;
    assert_eq!(fj.instance_status("db1").await, "BUILD", "still building at once");
    let took = fj.wait_for("db1", "ACTIVE", 86_400).await;
    assert!(took > 0, "BUILD lasts some simulated time");
    let shown = fj.show("db1").await.instance().clone();
    for f in INSTANCE_FIELDS {
        assert!(shown.get(f).is_some(), "GET instance.{f}: {shown}");
    }
    assert_eq!(shown["status"], "ACTIVE");
    assert_eq!(shown["created"], created["created"]);
    assert_eq!(shown["port"], created["port"]);
    assert_eq!(shown["privateIp"], created["privateIp"], "the IP stays");
    // List elements: flavor id links name status volume (seed 5085–5120).
    let r = fj.fj_get(&path("/instances")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.body["instances"].as_array().expect("instances is an array");
    assert_eq!(list.len(), 1);
    let mut keys: Vec<&str> = list[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["flavor", "id", "links", "name", "status", "volume"], "{}", r.text);
    assert_eq!(list[0]["id"], "db1");
    assert_eq!(list[0]["status"], "ACTIVE");
    assert_eq!(list[0]["volume"], json!({"size": 20, "type": "M2"}));
    assert_eq!(list[0]["links"], shown["links"]);
    assert_eq!(list[0]["flavor"], shown["flavor"]);
}

#[tokio::test]
async fn show_of_an_unknown_instance_is_404_item_not_found() {
    let fj = Fj::start().await;
    // The seed's one message text: "DBInstanceNotFound" (seed 280–288).
    fj.show("nope").await.assert_fj_error(404, "DBInstanceNotFound");
    fj.delete("nope").await.assert_fj_error(404, "DBInstanceNotFound");
    fj.modify("nope", json!({"description": "x"})).await.assert_fj_error(404, "DBInstanceNotFound");
    fj.act("nope", "stop").await.assert_fj_error(404, "DBInstanceNotFound");
}

#[tokio::test]
async fn the_list_pages_by_limit_and_marker() {
    let fj = Fj::start().await;
    raise_quotas(&fj).await;
    let ids: Vec<String> = (0..25).map(|n| format!("db{n:02}")).collect();
    for id in &ids {
        fj.create_instance(id).await;
    }
    // limit default 20, range 20–100 (seed 5053–5063); marker = the last id of the page.
    let page = |r: &Resp| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["instances"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
    };
    let first = page(&fj.fj_get(&path("/instances")).await);
    assert_eq!(first, ids[..20], "the default limit is 20, in creation order");
    let rest = page(&fj.fj_get(&path(&format!("/instances?marker={}", first[19]))).await);
    assert_eq!(rest, ids[20..]);
    let all = page(&fj.fj_get(&path("/instances?limit=100")).await);
    assert_eq!(all, ids);
    let r = fj.fj_get(&path("/instances?limit=21")).await;
    assert_eq!(page(&r).len(), 21);
    // Out of range (A27: 400 recommended).
    fj.fj_get(&path("/instances?limit=5")).await.assert_fj_error(400, "limit");
    fj.fj_get(&path("/instances?limit=101")).await.assert_fj_error(400, "limit");
    fj.fj_get(&path("/instances?limit=lots")).await.assert_fj_error(400, "limit");
    // marker: "前回のリスト表示で返された最後の要素の ID" (row 55: an unknown one is 400).
    fj.fj_get(&path("/instances?marker=nosuch")).await.assert_fj_error(400, "marker");
}

/// Sets every `fujitsu.quota.*` knob high, so that tests creating many instances are not
/// stopped by a quota.
pub async fn raise_quotas(fj: &Fj) {
    let r = fj.sim_get("/_sim/config").await;
    let knobs = r.body["knobs"].as_array().cloned().unwrap_or_default();
    for k in knobs {
        let name = k["name"].as_str().unwrap_or("");
        // A quota of 0 means no limit: leave those alone.
        if name.starts_with("fujitsu.quota") && k["value"].as_u64().is_some_and(|v| v > 0) {
            let r = fj.sim_patch("/_sim/config", json!({ name: 100_000 })).await;
            assert_eq!(r.status, 200, "{name}: {}", r.text);
        }
    }
}

#[tokio::test]
async fn delete_answers_202_empty_then_deleting_then_the_instance_is_gone() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.delete("db1").await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "DELETING");
    for _ in 0..1440 {
        if fj.show("db1").await.status == 404 {
            break;
        }
        fj.advance(60).await;
    }
    fj.show("db1").await.assert_fj_error(404, "DBInstanceNotFound");
    assert!(fj.list().await.is_empty());
    // Once gone, the id may be used again.
    fj.create_instance("db1").await;
}

#[tokio::test]
async fn modify_of_plain_fields_answers_200_with_the_instance_and_applies_them() {
    let fj = Fj::start().await;
    let before = fj.active_instance("db1").await;
    fj.advance(10).await;
    let r = fj
        .modify(
            "db1",
            json!({"name": "renamed", "description": "d2", "backupRetentionPeriod": 3,
                   "preferredBackupWindow": "14:00-14:30", "preferredMaintenanceWindow": "Mon:15:00-Mon:16:00",
                   "autoMaintenance": false, "downloadLogExtension": true,
                   "autoScale": {"volume": {"available": true, "maxSize": 100, "time": "20:00-20:30"}}}),
        )
        .await;
    let i = r.instance().clone();
    for f in INSTANCE_FIELDS {
        assert!(i.get(f).is_some(), "modify answer instance.{f}: {i}");
    }
    assert_ne!(i["status"], "BUILD", "the real status, not the example's BUILD (A21)");
    assert_ne!(i["updated"], before["updated"], "updated moves");
    assert_eq!(i["created"], before["created"]);
    fj.wait_active("db1").await;
    let i = fj.show("db1").await.instance().clone();
    assert_eq!(i["name"], "renamed");
    assert_eq!(i["description"], "d2");
    assert_eq!(i["backupRetentionPeriod"], 3);
    assert_eq!(i["preferredBackupWindow"], "14:00-14:30");
    assert_eq!(i["preferredMaintenanceWindow"], "Mon:15:00-Mon:16:00");
    assert_eq!(i["autoMaintenance"], false);
    assert_eq!(i["downloadLogExtension"], true);
    assert_eq!(i["autoScale"]["volume"], json!({"available": true, "maxSize": 100, "time": "20:00-20:30"}));
    assert_eq!(i["pendingModifiedValues"], json!({}), "no restart-requiring change");
    assert_eq!(i["port"], before["port"], "untouched fields stay");
}

#[tokio::test]
async fn a_port_change_with_apply_immediately_restarts_through_modifying() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // 1.1.3 (seed 182–188): port needs a restart; applyImmediately=true restarts now (1739–1746).
    let r = fj.modify("db1", json!({"port": 5433, "applyImmediately": true})).await;
    assert_eq!(r.instance()["status"], "MODIFYING", "{}", r.text);
    assert_eq!(fj.instance_status("db1").await, "MODIFYING");
    fj.wait_active("db1").await;
    let i = fj.show("db1").await.instance().clone();
    assert_eq!(i["port"], 5433);
    assert_eq!(i["pendingModifiedValues"], json!({}));
}

#[tokio::test]
async fn a_disk_size_change_with_apply_immediately_goes_through_resize() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // Resize: "データディスクのサイズ変更中" (seed 266).
    let r = fj.modify("db1", json!({"volume": {"size": 40}, "applyImmediately": true})).await;
    assert_eq!(r.instance()["status"], "RESIZE", "{}", r.text);
    fj.wait_active("db1").await;
    let i = fj.show("db1").await.instance().clone();
    assert_eq!(i["volume"]["size"], 40);
    assert_eq!(i["pendingModifiedValues"], json!({}));
}

#[tokio::test]
async fn restart_fields_without_apply_immediately_wait_as_pending_until_a_reboot() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = fj.modify("db1", json!({"port": 5433, "flavorRef": "11", "volume": {"size": 30}})).await;
    let i = r.instance().clone();
    // pendingModifiedValues: "次の再起動時に変更される予定のパラメーター" (seed 1022–1027);
    // Restart_Required: unapplied modifications needing a restart (seed 254).
    assert_eq!(i["status"], "RESTART_REQUIRED", "{i}");
    assert_eq!(i["port"], 26500, "not applied yet");
    assert_eq!(i["volume"]["size"], 20);
    assert_eq!(i["flavor"]["id"], FLAVOR);
    let p = &i["pendingModifiedValues"];
    assert_eq!(p["port"], 5433, "{p}");
    assert_eq!(p["volume"]["size"], 30, "{p}");
    assert_eq!(p["flavor"]["id"], "11", "{p}");
    // It stays so with time: only a reboot applies it.
    fj.advance(3600).await;
    assert_eq!(fj.instance_status("db1").await, "RESTART_REQUIRED");
    fj.act("db1", "reboot").await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "REBOOT");
    fj.wait_active("db1").await;
    let i = fj.show("db1").await.instance().clone();
    assert_eq!(
        (i["port"].clone(), i["volume"]["size"].clone(), i["flavor"]["id"].clone()),
        (json!(5433), json!(30), json!("11"))
    );
    assert_eq!(i["pendingModifiedValues"], json!({}));
}

#[tokio::test]
async fn a_password_change_is_never_shown_in_clear() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let r = fj.modify("db1", json!({"masterUserPassword": "N3w-secret!"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("N3w-secret!"), "{}", r.text);
    // If it is pending, it is masked "****" (seed 1201–1208).
    if let Some(p) = r.body["instance"]["pendingModifiedValues"].get("masterUserPassword") {
        assert_eq!(p, "****");
    }
    let shown = fj.show("db1").await;
    assert!(!shown.text.contains("N3w-secret!"));
    assert!(!fj.sim_get("/_sim/state").await.text.contains("N3w-secret!"), "dumps keep hashes only (DESIGN)");
}

#[tokio::test]
async fn keys_modify_does_not_document_are_ignored_not_applied() {
    let fj = Fj::start().await;
    let before = fj.active_instance("db1").await;
    // A19: the printed modify example sends create-only keys; ignore them.
    let r = fj
        .modify(
            "db1",
            json!({"description": "x", "multi": false, "engine": "enterprisepostgres", "collate": "POSIX",
                               "masterUserName": "other", "publiclyAccessible": true, "character_set": "utf8"}),
        )
        .await;
    let i = r.instance();
    assert_eq!(i["multi"], before["multi"]);
    assert_eq!(i["collate"], before["collate"]);
    assert_eq!(i["masterUserName"], before["masterUserName"]);
    assert_eq!(i["publiclyAccessible"], before["publiclyAccessible"]);
}

#[tokio::test]
async fn stop_goes_through_stopping_to_shutdown_and_start_back_to_active() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.act("db1", "stop").await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "STOPPING");
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    fj.advance(86_400).await;
    assert_eq!(fj.instance_status("db1").await, "SHUTDOWN", "stopped stays stopped");
    fj.act("db1", "start").await.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "STARTING");
    fj.wait_active("db1").await;
}

#[tokio::test]
async fn reboot_goes_through_reboot_back_to_active_with_flags_in_either_place() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // The seed's example puts failover inside action (seed 5027–5034).
    let r = fj.fj(Method::POST, &action_path("db1"), Some(json!({"action": {"reboot": "", "failover": false}}))).await;
    r.assert_accepted();
    assert_eq!(fj.instance_status("db1").await, "REBOOT");
    fj.wait_active("db1").await;
    // The tables put failover/applyPatch at the top level (Parent Element None).
    let r = fj
        .fj(
            Method::POST,
            &action_path("db1"),
            Some(json!({"action": {"reboot": ""}, "failover": true, "applyPatch": true})),
        )
        .await;
    r.assert_accepted();
    fj.wait_active("db1").await;
    let r = fj.fj(Method::POST, &action_path("db1"), Some(json!({"action": {"stop": ""}}))).await;
    r.assert_accepted();
    fj.wait_for("db1", "SHUTDOWN", 86_400).await;
    let r = fj.fj(Method::POST, &action_path("db1"), Some(json!({"action": {"start": "", "applyPatch": false}}))).await;
    r.assert_accepted();
    fj.wait_active("db1").await;
}

#[tokio::test]
async fn cancel_during_a_backup_is_accepted_and_the_backup_ends() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    fj.force_state("db1", "BACKUP").await;
    // 1.2.2.11: cancels a backup or snapshot in progress, "10 分程度" (seed 5848).
    fj.act("db1", "cancel").await.assert_accepted();
    fj.wait_for("db1", "ACTIVE", 3600).await;
}

#[tokio::test]
async fn flavors_list_and_show_answer_the_seeds_catalogue() {
    let fj = Fj::start().await;
    // 1.2.2.14 example (seed 6965–6990): ids 11 economy, 12 standard, rel "SELF".
    let r = fj.fj_get(&path("/flavors")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let flavors = r.body["flavors"].as_array().expect("flavors");
    let find =
        |id: &str| flavors.iter().find(|f| f["id"] == id).cloned().unwrap_or_else(|| panic!("flavor {id}: {}", r.text));
    assert_eq!(find("11")["name"], "economy");
    assert_eq!(find("12")["name"], "standard");
    find(FLAVOR);
    for f in flavors {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3, "id links name (seed 6925–6950): {f}");
        let href = f["links"][0]["href"].as_str().unwrap();
        assert!(href.ends_with(&format!("/v1.0/{TENANT}/flavors/{}", f["id"].as_str().unwrap())), "{href}");
        assert_eq!(f["links"][0]["rel"], "SELF");
    }
    // 1.2.2.15 example (seed 7091–7108), values and types as printed (A29).
    let r = fj.fj_get(&path("/flavors/11")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let f = &r.body["flavor"];
    assert_eq!(f["id"], "11");
    assert_eq!(f["name"], "economy");
    assert_eq!(f["ram"], "1700");
    assert_eq!(f["vcpus"], "1");
    assert_eq!(f["disk"], "0");
    assert_eq!(f["swap"], Value::Null);
    assert_eq!(f["links"][0]["rel"], "SELF");
    // A35: an unknown flavor is 404 although 1.2.2.15 lists none.
    fj.fj_get(&path("/flavors/999")).await.assert_fj_error(404, "999");
}

#[tokio::test]
async fn engine_versions_answer_the_seeds_enterprise_postgres_12() {
    let fj = Fj::start().await;
    let r = fj.fj_get(&path("/engineversion")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // 1.2.2.13 example (seed 6852–6880), under the documented key dbEngineVersions.
    let v = &r.body["dbEngineVersions"][0];
    assert_eq!(v["engine"], "enterprisepostgres", "{}", r.text);
    assert_eq!(v["engineVersion"], "12");
    assert_eq!(v["engineMinorVersion"], "0");
    assert_eq!(v["dbEngineDescription"], "Enterprise Postgres DBaaS");
    assert_eq!(v["dbEngineVersionDescription"], "Version 12");
    assert_eq!(v["dbParameterGroupFamily"], "enterprisepostgres_v12");
    assert_eq!(
        v["defaultCharacterSet"],
        json!({"characterSetDescription": "UTF8 Unicode 8-bit", "characterSetName": "UTF8"})
    );
    assert_eq!(v["supportedCharacterSets"], Value::Null, "null unless listSupportedCharacterSets");
    let r = fj.fj_get(&path("/engineversion?listSupportedCharacterSets=true")).await;
    assert!(r.body["dbEngineVersions"][0]["supportedCharacterSets"].is_array(), "{}", r.text);
    let r = fj.fj_get(&path("/engineversion?engine=enterprisepostgres&defaultOnly=true")).await;
    assert_eq!(r.body["dbEngineVersions"].as_array().map(Vec::len), Some(1), "{}", r.text);
}

#[tokio::test]
async fn a_public_instance_gets_a_public_ip_and_one_in_a_subnet_without_a_gateway_ends_in_error() {
    let fj = Fj::start().await;
    let r = fj
        .load("identities:\n  fujitsu:\n    subnets:\n      - {id: 22222222-3333-4444-8555-666666666666, internetGateway: false}\n")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // "true の場合：パブリック IP が割り当てられる" (seed 1050–1057); one public replica IP
    // per maxNumber (seed 1382–1391).
    let i = fj
        .create_instance_with(
            "public",
            json!({"publiclyAccessible": true, "autoScale": {"readreplica": {"available": true, "maxNumber": 3}}}),
        )
        .await;
    let ip = i["publicIp"].as_str().unwrap_or_else(|| panic!("publicIp: {i}"));
    assert_ne!(ip, i["privateIp"].as_str().unwrap());
    assert_eq!(i["autoScale"]["readreplica"]["readreplicaPublicIp"].as_array().map(Vec::len), Some(3), "{i}");
    fj.wait_active("public").await;
    // 1.1.2 (seed 174–180): Internet access without an Internet gateway → Error, not a 4xx.
    let r = fj
        .post_instances(create_body_with(
            "nogw",
            json!({"publiclyAccessible": true, "subnetId": "22222222-3333-4444-8555-666666666666"}),
        ))
        .await;
    assert_eq!(r.instance()["status"], "BUILD", "{}", r.text);
    fj.wait_for("nogw", "ERROR", 86_400).await;
    // A private instance in that subnet is fine.
    fj.create_instance_with("private", json!({"subnetId": "22222222-3333-4444-8555-666666666666"})).await;
    fj.wait_active("private").await;
}

#[tokio::test]
async fn failover_on_a_single_instance_is_a_plain_reboot() {
    let fj = Fj::start().await;
    fj.create_instance_with("single", json!({"multi": false})).await;
    fj.wait_active("single").await;
    // "true でデータベース仮想サーバが冗長化構成の場合、フェイルオーバーが起こります" (seed 4979):
    // on a single instance it is a plain reboot (extract 02 §8).
    let r =
        fj.fj(Method::POST, &action_path("single"), Some(json!({"action": {"reboot": "", "failover": true}}))).await;
    r.assert_accepted();
    assert_eq!(fj.instance_status("single").await, "REBOOT");
    fj.wait_active("single").await;
}

#[tokio::test]
async fn flavor_and_engine_lists_check_their_query_parameters() {
    let fj = Fj::start().await;
    // limit "20 以上 100 以下" (seed 6905–6910, 6734–6740); defaultOnly, listSupportedCharacterSets
    // are Booleans (6693, 6718).
    fj.fj_get(&path("/flavors?limit=5")).await.assert_fj_error(400, "limit");
    assert_eq!(fj.fj_get(&path("/flavors?limit=20")).await.status, 200);
    fj.fj_get(&path("/engineversion?limit=500")).await.assert_fj_error(400, "limit");
    fj.fj_get(&path("/engineversion?defaultOnly=perhaps")).await.assert_fj_error(400, "defaultOnly");
    fj.fj_get(&path("/engineversion?listSupportedCharacterSets=2"))
        .await
        .assert_fj_error(400, "listSupportedCharacterSets");
    // Another engine: nothing to list.
    let r = fj.fj_get(&path("/engineversion?engine=mysql")).await;
    assert_eq!((r.status, r.body["dbEngineVersions"].clone()), (200, json!([])), "{}", r.text);
}

#[tokio::test]
async fn a_new_instance_id_in_a_modify_is_not_silently_ignored() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    // A17: modify lists instance.id (seed 1623–1628) and pendingModifiedValues.id (1166–1171).
    let r = fj.modify("db1", json!({"id": "db1-renamed"})).await;
    if r.status == 400 {
        r.assert_fj_error(400, "id");
        return;
    }
    assert_eq!(r.instance()["pendingModifiedValues"]["id"], "db1-renamed", "{}", r.text);
    fj.act("db1", "reboot").await.assert_accepted();
    fj.wait_for("db1-renamed", "ACTIVE", 86_400).await;
    fj.show("db1").await.assert_fj_error(404, "DBInstanceNotFound");
    let ids: Vec<String> = fj.list().await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["db1-renamed"]);
}
