//! DB log files (seed 1.4.2.1–1.4.2.2, lines 7683–7967): the list and its filters, a
//! portion paged by `marker` and `limit`, `descending`, the readable states, and the
//! content made of the instance's own history in PostgreSQL's log-line format.

use hyper::Method;

use crate::support::fujitsu::*;
use crate::support::*;

fn logs(tail: &str) -> String {
    path(&format!("/logfiles{tail}"))
}

fn details(r: &Resp) -> Vec<Value> {
    r.body["describeDBLogFilesResult"]["describeDBLogFileDetails"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("describeDBLogFileDetails: {}", r.text))
}

fn portion(r: &Resp) -> &Value {
    assert_eq!(r.status, 200, "{}", r.text);
    &r.body["downloadDBLogFilePortion"]
}

/// An instance that was created, rebooted and had a parameter change: one day's file.
async fn busy_instance(fj: &Fj) -> String {
    fj.create_instance_with("db1", json!({"downloadLogExtension": true})).await;
    fj.wait_active("db1").await;
    fj.act("db1", "reboot").await.assert_accepted();
    fj.wait_active("db1").await;
    let r = fj
        .fj(Method::POST, &path("/parametergroups"), Some(json!({"parametergroup": {"id": "pg1", "name": "pg1"}})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    fj.modify("db1", json!({"parameterGroupId": "pg1"})).await;
    let body =
        json!({"parametergroup": {"parameters": [{"name": "work_mem", "value": "8192", "applyMethod": "immediate"}]}});
    assert_eq!(fj.fj(Method::PUT, &path("/parametergroups/pg1"), Some(body)).await.status, 200);
    let r = fj.fj_get(&logs("/db1")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    details(&r)[0]["logFileName"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_log_is_the_instances_history_in_postgresql_format() {
    let fj = Fj::start().await;
    let name = busy_instance(&fj).await;
    let r = fj.fj_get(&logs("/db1")).await;
    let files = details(&r);
    assert_eq!(files.len(), 1, "one day: {}", r.text);
    assert!(name.starts_with("postgresql-") && name.ends_with(".log"), "{name}");
    assert!(files[0]["lastWritten"].is_i64() && files[0]["size"].as_u64().unwrap() > 0, "{}", r.text);
    let p = portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=100"))).await).clone();
    let data = p["logFileData"].as_str().unwrap();
    let lines: Vec<&str> = data.lines().collect();
    assert!(lines[0].contains(" UTC [") && lines[0].contains("] LOG:  starting PostgreSQL"), "{data}");
    assert!(data.contains("received fast shutdown request"), "the reboot: {data}");
    assert!(data.contains("Parameter group pg1 changed (work_mem)"), "the parameter change: {data}");
    let pid = |l: &str| l.split('[').nth(1).and_then(|x| x.split(']').next()).unwrap_or("").to_owned();
    assert_ne!(pid(lines[0]), pid(lines.last().unwrap()), "a restart is a new server process");
    assert_eq!(p["additionalDataPending"], false);
    // The same history gives the same file.
    assert_eq!(portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=100"))).await)["logFileData"], p["logFileData"]);
    // An injected failure shows as FATAL.
    fj.force_state("db1", "FAILED").await;
    let data =
        portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=100"))).await)["logFileData"].as_str().unwrap().to_owned();
    assert!(data.lines().last().unwrap().contains("FATAL:"), "{data}");
}

#[tokio::test]
async fn a_file_reads_in_portions_by_marker_and_from_the_end_with_descending() {
    let fj = Fj::start().await;
    let name = busy_instance(&fj).await;
    let all =
        portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=100"))).await)["logFileData"].as_str().unwrap().to_owned();
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() > 3, "{all}");
    let p = portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=2"))).await).clone();
    assert_eq!((p["marker"].as_str(), p["additionalDataPending"].as_bool()), (Some("2"), Some(true)));
    assert_eq!(p["logFileData"], lines[..2].join("\n"));
    let next = portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=2&marker=2"))).await).clone();
    assert_eq!(next["logFileData"], lines[2..4].join("\n"));
    let p = portion(&fj.fj_get(&logs(&format!("/db1/{name}?limit=1&descending=true"))).await).clone();
    assert_eq!(p["logFileData"], *lines.last().unwrap());
}

#[tokio::test]
async fn the_list_filters_by_time_size_and_name() {
    let fj = Fj::start().await;
    let name = busy_instance(&fj).await;
    let r = fj.fj_get(&logs("/db1")).await;
    let f = details(&r)[0].clone();
    let (t, size) = (f["lastWritten"].as_i64().unwrap(), f["size"].as_i64().unwrap());
    assert_eq!(details(&fj.fj_get(&logs(&format!("/db1?filelastwritten={t}"))).await).len(), 1, "written at or after");
    assert!(details(&fj.fj_get(&logs(&format!("/db1?filelastwritten={}", t + 1))).await).is_empty());
    assert!(details(&fj.fj_get(&logs(&format!("/db1?filesize={size}"))).await).is_empty(), "larger than");
    assert_eq!(details(&fj.fj_get(&logs(&format!("/db1?filesize={}", size - 1))).await).len(), 1);
    assert_eq!(details(&fj.fj_get(&logs(&format!("/db1?filenamecontains={}", &name[11..18]))).await).len(), 1);
    assert!(details(&fj.fj_get(&logs("/db1?filenamecontains=mysql")).await).is_empty());
    // A new day, a new file.
    fj.advance(86_400).await;
    fj.act("db1", "reboot").await.assert_accepted();
    fj.wait_active("db1").await;
    assert_eq!(details(&fj.fj_get(&logs("/db1")).await).len(), 2);
}

#[tokio::test]
async fn every_rule_is_refused_with_the_native_error() {
    let fj = Fj::start().await;
    fj.active_instance("db1").await;
    let name = details(&fj.fj_get(&logs("/db1")).await)[0]["logFileName"].as_str().unwrap().to_owned();
    fj.fj_get(&logs("/nope")).await.assert_fj_error(404, "DBInstanceNotFound");
    fj.fj_get(&logs("/db1/postgresql-1999-01-01.log")).await.assert_fj_error(404, "postgresql-1999-01-01.log");
    fj.fj_get(&logs("/db1?filesize=big")).await.assert_fj_error(400, "filesize");
    fj.fj_get(&logs("/db1?filelastwritten=soon")).await.assert_fj_error(400, "filelastwritten");
    fj.fj_get(&logs("/db1?limit=10")).await.assert_fj_error(400, "limit");
    let read = |q: &str| logs(&format!("/db1/{name}{q}"));
    fj.fj_get(&read("?limit=101")).await.assert_fj_error(400, "limit");
    assert_eq!(fj.fj_get(&read("?limit=101&limitExtension=true")).await.status, 200, "seed 7903: up to 10000");
    fj.fj_get(&read("?limit=0")).await.assert_fj_error(400, "limit");
    fj.fj_get(&read("?marker=abc")).await.assert_fj_error(400, "marker");
    fj.fj_get(&read("?descending=maybe")).await.assert_fj_error(400, "descending");
    fj.fj_get(&read("?descending=true")).await.assert_fj_error(400, "downloadLogExtension");
    // Readable only in the listed states (seed 7699): not while stopped.
    fj.act("db1", "stop").await;
    fj.wait_for("db1", "SHUTDOWN", 3600).await;
    fj.fj_get(&logs("/db1")).await.assert_fj_error(404, "SHUTDOWN");
    fj.fj_get(&read("")).await.assert_fj_error(404, "SHUTDOWN");
    let ops: Vec<String> =
        fj.journal("&method=GET").await.iter().filter_map(|e| e["operation"].as_str().map(str::to_owned)).collect();
    assert!(ops.iter().any(|o| o == "listLogFiles") && ops.iter().any(|o| o == "readLogFile"), "{ops:?}");
}
