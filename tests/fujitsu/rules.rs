//! Every rule of part 03's validation checklist (§1.3–§1.12) broken once, family by
//! family: the status, the `{"Error": {...}}` envelope whose message names the field or
//! the resource, and nothing changed — every Fujitsu table of the state dump (the event
//! ring included; the token table aside, as the test client's own token may be renewed)
//! reads the same afterwards.
//!
//! Rule ids: the checklist's bullets numbered in order within each family — SN
//! (snapshots), LF (log files), PG (parameter groups), MO (monitoring), AL (alarms, the
//! checklist's monitoring bullets from alarm `name` on), EV (event notifications), TK
//! (token), MT (maintenance), SG (security groups), SR (security group rules), CM
//! (common). A bullet that states no error (TK3, "both present → token authentication
//! is used") is tested where it is a behaviour (tests/fujitsu/auth.rs).

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

/// One broken rule: its id, the request, and the expected status and message text.
struct Case {
    id: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    names: String,
}

fn case(id: &'static str, method: Method, tail: &str, body: Option<Value>, status: u16, names: &str) -> Case {
    Case { id, method, path: path(tail), body, status, names: names.to_owned() }
}

fn get(id: &'static str, tail: &str, status: u16, names: &str) -> Case {
    case(id, Method::GET, tail, None, status, names)
}

fn post(id: &'static str, tail: &str, body: Value, status: u16, names: &str) -> Case {
    case(id, Method::POST, tail, Some(body), status, names)
}

fn put(id: &'static str, tail: &str, body: Value, status: u16, names: &str) -> Case {
    case(id, Method::PUT, tail, Some(body), status, names)
}

fn delete(id: &'static str, tail: &str, status: u16, names: &str) -> Case {
    case(id, Method::DELETE, tail, None, status, names)
}

/// The Fujitsu tables of the state dump, without the tokens.
async fn tables(fj: &Fj) -> Value {
    let mut s = fj.fujitsu_state().await;
    if let Some(o) = s.as_object_mut() {
        o.remove("tokens");
    }
    s
}

/// Runs every case: each refused as expected, and the tables unchanged after each.
async fn refused(fj: &Fj, cases: Vec<Case>) {
    fj.fj_get(&path("/instances")).await;
    for c in cases {
        let before = tables(fj).await;
        let r = fj.fj(c.method.clone(), &c.path, c.body.clone()).await;
        assert_eq!(r.status, c.status, "{}: {} {} {:?}: {}", c.id, c.method, c.path, c.body, r.text);
        r.assert_fj_error(c.status, &c.names);
        assert_eq!(tables(fj).await, before, "{}: a refused request changes nothing", c.id);
    }
}

/// The world the cases break rules against: `db1` ACTIVE in parameter group `pg1` and in
/// a security group of its own (with one rule), a snapshot `snap1` Available,
/// monitoring on with one alarm, and a subscription `sub1`.
struct World {
    fj: Fj,
    sg: String,
    rule: String,
    alarm: String,
}

async fn world() -> World {
    let fj = Fj::start().await;
    let ok = |r: &Resp| assert_eq!(r.status, 200, "{}", r.text);
    let pg = json!({"parametergroup": {"id": "pg1", "name": "pg1", "parameterGroupFamily": "enterprisepostgres_v15"}});
    ok(&fj.fj(Method::POST, &path("/parametergroups"), Some(pg)).await);
    let r = fj.fj(Method::POST, &path("/security-groups"), Some(json!({"security_group": {"name": "sg1"}}))).await;
    ok(&r);
    let sg = r.body["security_group"]["id"].as_str().unwrap().to_owned();
    let rule = json!({"security_group_rule": {"security_group_id": sg, "direction": "ingress", "ethertype": "IPv4",
        "port_range_min": 26500, "port_range_max": 26500, "protocol": "tcp", "remote_ip_prefix": "192.168.0.0/24"}});
    let r = fj.fj(Method::POST, &path("/security-group-rules"), Some(rule)).await;
    ok(&r);
    let rule = r.body["security_group_rule"]["id"].as_str().unwrap().to_owned();
    fj.create_instance_with("db1", json!({"parameterGroupId": "pg1", "securityGroupIds": [sg]})).await;
    fj.wait_active("db1").await;
    let snap = json!({"snapshot": {"instanceId": "db1", "id": "snap1", "name": "snap1"}});
    ok(&fj.fj(Method::POST, &path("/snapshots"), Some(snap)).await);
    fj.advance(600).await;
    fj.wait_active("db1").await;
    ok(&fj.fj(Method::POST, &path("/meter"), Some(json!({"meter": {"projectId": ""}}))).await);
    let alarm =
        json!({"name": "busy", "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 90.0}});
    let r = fj.fj(Method::POST, &path("/alarms"), Some(alarm)).await;
    ok(&r);
    let alarm = r.body["alarm_id"].as_str().unwrap().to_owned();
    let sub = json!({"eventnotification": {"id": "sub1", "name": "sub1", "sourceType": "db-instance"}});
    ok(&fj.fj(Method::POST, &path("/eventnotifications"), Some(sub)).await);
    World { fj, sg, rule, alarm }
}

#[tokio::test]
async fn every_snapshot_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let snap = |o: Value| json!({ "snapshot": o });
    let cases = vec![
        post("SN1", "/snapshots", snap(json!({"name": "s"})), 400, "snapshot.instanceId"),
        post("SN2", "/snapshots", snap(json!({"instanceId": "ghost", "name": "s"})), 404, "snapshot.instanceId"),
        post("SN3", "/snapshots", snap(json!({"instanceId": "db1"})), 400, "snapshot.name"),
        post("SN3", "/snapshots", snap(json!({"instanceId": "db1", "name": "bad--name"})), 400, "snapshot.name"),
        put("SN3", "/snapshots/snap1", snap(json!({"name": "9lives"})), 400, "snapshot.name"),
        post("SN4", "/snapshots", snap(json!({"instanceId": "db1", "name": "s", "id": "x-"})), 400, "snapshot.id"),
        put("SN4", "/snapshots/snap1", snap(json!({"name": "s", "id": "a".repeat(64)})), 400, "snapshot.id"),
        post("CM6", "/snapshots", snap(json!({"instanceId": "db1", "name": "s", "id": "snap1"})), 400, "snap1"),
        delete("SN5", "/snapshots/ghost", 404, "ghost"),
        put("SN5", "/snapshots/ghost", snap(json!({"name": "copy"})), 404, "ghost"),
        get("SN5", "/snapshots/ghost", 404, "ghost"),
        get("SN8", "/snapshots?limit=19", 400, "limit"),
        get("SN8", "/snapshots?limit=101", 400, "limit"),
        get("SN9", "/snapshots?snapshotType=weekly", 400, "snapshotType"),
    ];
    refused(fj, cases).await;
    // SN6, SN7: a snapshot in progress is neither copied nor deleted.
    let r = fj
        .fj(Method::POST, &path("/snapshots"), Some(snap(json!({"instanceId": "db1", "name": "s2", "id": "snap2"}))))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    refused(
        fj,
        vec![
            put("SN6", "/snapshots/snap2", snap(json!({"name": "copy"})), 422, "In_progress"),
            delete("SN7", "/snapshots/snap2", 422, "In_progress"),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_log_file_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let r = fj.fj_get(&path("/logfiles/db1")).await;
    let name = r.body["describeDBLogFilesResult"]["describeDBLogFileDetails"][0]["logFileName"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.text))
        .to_owned();
    let file = |q: &str| format!("/logfiles/db1/{name}{q}");
    let cases = vec![
        get("LF1", "/logfiles/ghost", 404, "DBInstanceNotFound"),
        get("LF1", "/logfiles/ghost/postgresql-2025-01-01.log", 404, "DBInstanceNotFound"),
        get("LF3", "/logfiles/db1?filelastwritten=soon", 400, "filelastwritten"),
        get("LF3", "/logfiles/db1?filesize=big", 400, "filesize"),
        get("LF4", "/logfiles/db1?limit=19", 400, "limit"),
        get("LF5", "/logfiles/db1/postgresql-1999-01-01.log", 404, "postgresql-1999-01-01.log"),
        get("LF6", &file("?limit=101"), 400, "limit"),
        get("LF6", &file("?limit=0"), 400, "limit"),
        get("LF6", &file("?limit=10001&limitExtension=true"), 400, "limit"),
        get("LF7", &file("?descending=true"), 400, "downloadLogExtension"),
        get("LF8", &file("?descending=maybe"), 400, "descending"),
        get("LF8", &file("?limitExtension=maybe"), 400, "limitExtension"),
        get("LF9", &file("?marker=not-a-marker"), 400, "marker"),
    ];
    refused(fj, cases).await;
    // LF2: a state in which the files cannot be read (SHUTDOWN).
    fj.act("db1", "stop").await.assert_accepted();
    fj.wait_for("db1", "SHUTDOWN", 3600).await;
    refused(fj, vec![get("LF2", "/logfiles/db1", 404, "SHUTDOWN"), get("LF2", &file(""), 404, "SHUTDOWN")]).await;
}

#[tokio::test]
async fn every_parameter_group_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let pg = |o: Value| json!({ "parametergroup": o });
    let change = |p: Value| pg(json!({ "parameters": [p] }));
    let cases = vec![
        post(
            "PG1",
            "/parametergroups",
            pg(json!({"name": "g", "parameterGroupFamily": "enterprisepostgres_v9"})),
            400,
            "parametergroup.parameterGroupFamily",
        ),
        post("PG2", "/parametergroups", pg(json!({"id": "g1"})), 400, "parametergroup.name"),
        post("PG2", "/parametergroups", pg(json!({"name": "-g"})), 400, "parametergroup.name"),
        post("PG3", "/parametergroups", pg(json!({"name": "g", "id": "g_1"})), 400, "parametergroup.id"),
        post("CM6", "/parametergroups", pg(json!({"name": "g", "id": "pg1"})), 400, "DBParameterGroupAlreadyExists"),
        delete("PG4", "/parametergroups/ghost", 404, "ghost"),
        get("PG4", "/parametergroups/ghost", 404, "ghost"),
        put("PG4", "/parametergroups/ghost", change(json!({"name": "work_mem", "value": "8192"})), 404, "ghost"),
        delete("PG5", "/parametergroups/pg1", 422, "db1"),
        get("PG6", "/parametergroups?limit=19", 400, "limit"),
        put("PG7", "/parametergroups/pg1", pg(json!({})), 400, "parametergroup.parameters"),
        put("PG8", "/parametergroups/pg1", change(json!({"value": "8192"})), 400, "name"),
        put(
            "PG8",
            "/parametergroups/pg1",
            change(json!({"name": "no_such_parameter", "value": "1"})),
            400,
            "no_such_parameter",
        ),
        put(
            "PG9",
            "/parametergroups/pg1",
            change(json!({"name": "work_mem", "value": "lots"})),
            400,
            "parameters[0].value",
        ),
        put(
            "PG10",
            "/parametergroups/pg1",
            change(json!({"name": "work_mem", "value": "8192", "applyMethod": "later"})),
            400,
            "applyMethod",
        ),
        put(
            "PG11",
            "/parametergroups/pg1",
            change(json!({"name": "shared_buffers", "value": "131072", "applyMethod": "immediate"})),
            400,
            "shared_buffers",
        ),
        put(
            "PG12",
            "/parametergroups/pg1",
            change(json!({"name": "shared_preload_libraries", "value": "x"})),
            400,
            "shared_preload_libraries",
        ),
        put("PG13", "/parametergroups/pg1", pg(json!({"resetAllparameters": "yes"})), 400, "resetAllparameters"),
    ];
    refused(fj, cases).await;
}

#[tokio::test]
async fn every_monitoring_and_alarm_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let a = &w.alarm;
    let ten = "q.field=resource_id&q.value=db1&".repeat(11);
    let alarm = |o: Value| {
        let mut b =
            json!({"name": "a", "type": "threshold", "threshold_rule": {"meter_name": "cpu_util", "threshold": 1.0}});
        merge(&mut b, &o);
        b
    };
    let cases = vec![
        post("MO1", "/meter", json!({"meter": {"projectId": "x"}}), 400, "meter.projectId"),
        post("MO1", "/meter", json!({}), 400, "meter"),
        post("MO2", "/meter", json!({"meter": {"projectId": ""}}), 422, "already"),
        get("MO3", &format!("/meters?{ten}"), 400, "q.field"),
        get("MO4", "/meters?q.field=timestamp&q.value=2025-01-01T00:00:00", 400, "q.field"),
        get("MO5", "/meters/cpu_util?q.field=timestamp&q.op=eq&q.value=2025-01-01T00:00:00", 400, "q.op"),
        get("MO6", "/meters/cpu_util?q.field=timestamp&q.op=ge&q.value=yesterday", 400, "q.value"),
        get("MO6", "/meters?q.field=resource_id", 400, "q.value"),
        get("MO7", "/meters/cpu_util?limit=1441", 400, "limit"),
        get("MO7", "/meters/cpu_util?offset=-1", 400, "offset"),
        get("MO8", "/meters/cpu_util/statistics?period=90", 400, "period"),
        get("MO8", "/meters/cpu_util/statistics?period=1209660", 400, "period"),
        get(
            "MO9",
            "/meters/cpu_util/statistics?period=60&q.field=timestamp&q.op=ge&q.value=2025-01-01T00:00:00&q.field=timestamp&q.op=lt&q.value=2025-01-03T00:00:00",
            400,
            "q.value",
        ),
        get("MO10", "/meters/cpu_util/statistics?groupby=name", 400, "groupby"),
        get("MO11", "/meters/cpu_util/statistics?aggregate.func=median", 400, "aggregate.func"),
        post("AL1", "/alarms", alarm(json!({"name": ""})), 400, "name"),
        put("AL1", &format!("/alarms/{a}"), alarm(json!({"name": "x".repeat(256)})), 400, "name"),
        post("AL2", "/alarms", alarm(json!({"description": "x".repeat(1024)})), 400, "description"),
        post("AL3", "/alarms", alarm(json!({"type": "gauge"})), 400, "type"),
        post("AL4", "/alarms", alarm(json!({"state": "fine"})), 400, "state"),
        post("AL5", "/alarms", alarm(json!({"severity": "urgent"})), 400, "severity"),
        post("AL6", "/alarms", alarm(json!({"enabled": "yes"})), 400, "enabled"),
        post("AL6", "/alarms", alarm(json!({"repeat_actions": 1})), 400, "repeat_actions"),
        post("AL7", "/alarms", json!({"name": "a", "type": "threshold"}), 400, "threshold_rule"),
        post("AL7", "/alarms", alarm(json!({"threshold_rule": {"meter_name": "cpu_util", "threshold": "hot"}})), 400, "threshold_rule.threshold"),
        post("AL8", "/alarms", json!({"name": "a", "type": "combination"}), 400, "combination_rule"),
        get("AL9", "/alarms/ghost", 404, "ghost"),
        put("AL9", "/alarms/ghost", alarm(json!({})), 404, "ghost"),
        delete("AL9", "/alarms/ghost", 404, "ghost"),
        get("AL9", "/alarms/ghost/state", 404, "ghost"),
        get("AL9", "/alarms/ghost/history", 404, "ghost"),
        put("AL10", &format!("/alarms/{a}/state"), json!("broken"), 400, "state"),
        put("AL10", &format!("/alarms/{a}/state"), json!({"state": "ok"}), 400, "state"),
        get("MO6", &format!("/alarms/{a}/history?q.field=type&q.value=party"), 400, "type 'party'"),
        get("MO6", "/alarms?q.field=enabled&q.value=maybe", 400, "enabled"),
    ];
    refused(fj, cases).await;
    // MO2: stopped monitoring cannot be stopped or shown again.
    fj.fj(Method::DELETE, &path("/meter"), None).await.assert_accepted();
    refused(
        fj,
        vec![
            delete("MO2", "/meter", 422, "MonitoringNotStarted"),
            get("MO2", "/meter", 422, "MonitoringNotStarted"),
            post("AL7", "/alarms", alarm(json!({})), 422, "MonitoringNotStarted"),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_event_notification_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let sub = |o: Value| {
        let mut b = json!({"eventnotification": {"name": "s2", "sourceType": "db-instance"}});
        merge(&mut b["eventnotification"], &o);
        b
    };
    let cases = vec![
        post(
            "EV1",
            "/eventnotifications",
            json!({"eventnotification": {"sourceType": "db-instance"}}),
            400,
            "eventnotification.name",
        ),
        post("EV1", "/eventnotifications", sub(json!({"name": "s--2"})), 400, "eventnotification.name"),
        post("EV2", "/eventnotifications", sub(json!({"id": "2s"})), 400, "eventnotification.id"),
        post(
            "EV3",
            "/eventnotifications",
            sub(json!({"description": "x".repeat(1025)})),
            400,
            "eventnotification.description",
        ),
        post("EV4", "/eventnotifications", sub(json!({"enabled": "yes"})), 400, "eventnotification.enabled"),
        post(
            "EV5",
            "/eventnotifications",
            sub(json!({"sourceType": "db-cluster"})),
            400,
            "eventnotification.sourceType",
        ),
        post("EV6", "/eventnotifications", sub(json!({"eventCategories": ["weather"]})), 400, "eventCategories"),
        post("EV7", "/eventnotifications", sub(json!({"sourceIds": ["ghost"]})), 404, "ghost"),
        post("CM6", "/eventnotifications", sub(json!({"id": "sub1"})), 400, "sub1"),
        put("EV8", "/eventnotifications/sub1", json!({"eventnotification": {}}), 400, "action"),
        put(
            "EV8",
            "/eventnotifications/sub1",
            json!({"action": {"modify": "", "add": ""}, "eventnotification": {}}),
            400,
            "action",
        ),
        put(
            "EV9",
            "/eventnotifications/sub1",
            json!({"action": {"modify": ""}, "eventnotification": {"enabled": true}}),
            400,
            "eventnotification",
        ),
        put(
            "EV10",
            "/eventnotifications/sub1",
            json!({"action": {"add": ""}, "eventnotification": {}}),
            400,
            "eventnotification.sourceIds",
        ),
        put(
            "EV11",
            "/eventnotifications/sub1",
            json!({"action": {"add": ""}, "eventnotification": {"sourceIds": [{"sourceId": "snap1"}]}}),
            404,
            "snap1",
        ),
        delete("EV12", "/eventnotifications/ghost", 404, "ghost"),
        get("EV12", "/eventnotifications/ghost", 404, "ghost"),
        put(
            "EV12",
            "/eventnotifications/ghost",
            json!({"action": {"modify": ""}, "eventnotification": {"name": "n", "enabled": true, "eventCategories": []}}),
            404,
            "ghost",
        ),
        get("EV13", "/eventnotifications?limit=19", 400, "limit"),
        get("EV13", "/events?limit=101", 400, "limit"),
        get("EV14", "/eventcategories/db-cluster", 404, "db-cluster"),
        get("EV15", "/events?startTime=yesterday", 400, "startTime"),
        get("EV15", "/events?startTime=2030-01-02T00:00Z&endTime=2030-01-01T00:00Z", 400, "endTime"),
        get("EV16", "/events?duration=0", 400, "duration"),
        get("EV17", "/events?sourceType=db", 400, "sourceType"),
    ];
    refused(fj, cases).await;
}

#[tokio::test]
async fn every_token_and_maintenance_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let pw = |user: Value| json!({"auth": {"password": {"user": user}}});
    let cases = vec![
        post("TK1", "/auth/token", json!({}), 400, "auth"),
        post("TK2", "/auth/token", json!({"auth": {}}), 400, "auth"),
        post("TK4", "/auth/token", json!({"auth": {"token": {"id": ""}}}), 400, "auth.token.id"),
        post("TK4", "/auth/token", json!({"auth": {"token": {"id": "no-such-iaas-token"}}}), 401, ""),
        post("TK5", "/auth/token", pw(json!({"name": USER, "password": PASSWORD})), 400, "domain"),
        post("TK6", "/auth/token", pw(json!({"name": USER, "domain": {"name": DOMAIN}})), 400, "password"),
        post("TK7", "/auth/token", pw(json!({"name": USER, "domain": {"name": DOMAIN}, "password": "wrong"})), 401, ""),
        post("MT1", "/applymaintenance/ghost", json!({}), 404, "DBInstanceNotFound"),
        post("MT2", "/applymaintenance/db1", json!({"standby": "yes"}), 400, "standby"),
        post("MT2", "/applymaintenance/db1", json!({"failover": 1}), 400, "failover"),
        post("MT3", "/applymaintenance/db1", json!({"standby": true, "failover": true}), 400, "standby"),
    ];
    refused(fj, cases).await;
    // MT4: a maintainable state (BUILD is not one).
    fj.create_instance("db2").await;
    refused(fj, vec![post("MT4", "/applymaintenance/db2", json!({}), 422, "BUILD")]).await;
}

#[tokio::test]
async fn every_security_group_and_rule_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    let (sg, rule) = (&w.sg, &w.rule);
    let r = |o: Value| {
        let mut b = json!({"security_group_rule": {"security_group_id": sg, "direction": "ingress", "ethertype": "IPv4",
            "protocol": "tcp", "port_range_min": 5432, "port_range_max": 5432, "remote_ip_prefix": "10.0.0.0/8"}});
        merge(&mut b["security_group_rule"], &o);
        b
    };
    let cases = vec![
        post("SG1", "/security-groups", json!({"name": "x"}), 400, "security_group"),
        post("SG2", "/security-groups", json!({"security_group": {"description": "d"}}), 400, "security_group.name"),
        post(
            "SG3",
            "/security-groups",
            json!({"security_group": {"name": "x", "stateful": "yes"}}),
            400,
            "security_group.stateful",
        ),
        put("SG4", &format!("/security-groups/{sg}"), json!({"security_group": {}}), 400, "security_group"),
        get("SG5", "/security-groups/ghost", 404, "ghost"),
        put("SG5", "/security-groups/ghost", json!({"security_group": {"name": "n"}}), 404, "ghost"),
        delete("SG5", "/security-groups/ghost", 404, "ghost"),
        delete("SG6", &format!("/security-groups/{sg}"), 422, "db1"),
        post("SR1", "/security-group-rules", json!({"direction": "ingress"}), 400, "security_group_rule"),
        post("SR2", "/security-group-rules", r(json!({"security_group_id": null})), 400, "security_group_id"),
        post("SR2", "/security-group-rules", r(json!({"security_group_id": "ghost"})), 404, "security_group_id"),
        post("SR3", "/security-group-rules", r(json!({"direction": "sideways"})), 400, "direction"),
        post("SR4", "/security-group-rules", r(json!({"protocol": "smtp"})), 400, "protocol"),
        post(
            "SR4",
            "/security-group-rules",
            r(json!({"protocol": 143, "port_range_min": null, "port_range_max": null})),
            400,
            "protocol",
        ),
        post("SR5", "/security-group-rules", r(json!({"ethertype": "IPv6"})), 400, "ethertype"),
        post(
            "SR6",
            "/security-group-rules",
            r(json!({"port_range_min": 6000, "port_range_max": 5000})),
            400,
            "port_range",
        ),
        post("SR6", "/security-group-rules", r(json!({"port_range_min": 0})), 400, "port_range_min"),
        post(
            "SR6",
            "/security-group-rules",
            r(json!({"protocol": "icmp", "port_range_min": 256, "port_range_max": 0})),
            400,
            "port_range_min",
        ),
        post("SR6", "/security-group-rules", r(json!({"protocol": null})), 400, "protocol"),
        post("SR7", "/security-group-rules", r(json!({"remote_ip_prefix": "10.0.0.0/33"})), 400, "remote_ip_prefix"),
        post(
            "SR8",
            "/security-group-rules",
            r(json!({"port_range_min": 26500, "port_range_max": 26500, "remote_ip_prefix": "192.168.0.0/24"})),
            422,
            "SecurityGroupRuleExists",
        ),
        get("SR9", "/security-group-rules/ghost", 404, "ghost"),
        delete("SR9", "/security-group-rules/ghost", 404, "ghost"),
    ];
    refused(fj, cases).await;
    assert_eq!(fj.fj_get(&path(&format!("/security-group-rules/{rule}"))).await.status, 200);
}

#[tokio::test]
async fn every_common_rule_broken_once() {
    let w = world().await;
    let fj = &w.fj;
    fj.fj_get(&path("/instances")).await;
    let before = tables(fj).await;
    // CM1: no token, or a bad one.
    let r = fj.send(Method::GET, &path("/snapshots"), None, None, &[]).await;
    r.assert_fj_error(401, "X-Auth-Token");
    let r = fj
        .fj_as(
            "not-a-token",
            Method::POST,
            &path("/snapshots"),
            Some(json!({"snapshot": {"instanceId": "db1", "name": "s"}})),
        )
        .await;
    r.assert_fj_error(401, "");
    // CM2: a token of this tenant on another tenant's path.
    let r = fj.fj(Method::GET, "/v1.0/11111111111111111111111111111111/parametergroups", None).await;
    assert_eq!(r.status, 401, "{}", r.text);
    r.assert_fj_error(401, "");
    // CM3: a body that is not JSON, or not the wrapper.
    for tail in [
        "/snapshots",
        "/parametergroups",
        "/eventnotifications",
        "/alarms",
        "/security-groups",
        "/security-group-rules",
    ] {
        let r = fj.fj_raw(Method::POST, &path(tail), b"{not json".to_vec(), &[]).await;
        assert_eq!(r.status, 400, "CM3 {tail}: {}", r.text);
        r.assert_fj_error(400, "");
    }
    assert_eq!(tables(fj).await, before, "CM1-CM3 change nothing");
}
