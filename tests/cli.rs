//! The `dbaas-sim` command: the `serve` contract (first stdout line, flags, `--set`,
//! environment variables, host names, SIGTERM, exit codes, `--state-file`, logs under
//! `RUST_LOG`), and `run`'s exit codes and messages, black-box on the built binary.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_dbaas-sim");
/// Every bounded wait of these tests (start-up, exit).
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `dbaas-sim serve`; killed on drop if a test fails before stopping it.
struct Served {
    child: Option<Child>,
    url: String,
    first_line: String,
}

impl Served {
    /// SIGTERM, then the exit status and everything the process wrote to stderr.
    fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("still running");
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -TERM");
        let mut stderr = child.stderr.take().expect("stderr");
        let status = wait_exit(child);
        let mut log = String::new();
        stderr.read_to_string(&mut log).expect("stderr");
        (status, log)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The environment variables of `serve`'s flags: a test sets the ones it means to.
const FLAG_VARIABLES: [&str; 15] = [
    "DBAAS_SIM_ADDR",
    "DBAAS_SIM_ADMIN_TOKEN",
    "DBAAS_SIM_ADMIN_ADDR",
    "DBAAS_SIM_HEADER_READ_TIMEOUT",
    "DBAAS_SIM_BODY_READ_TIMEOUT",
    "DBAAS_SIM_IDLE_TIMEOUT",
    "DBAAS_SIM_MAX_CONNECTIONS",
    "DBAAS_SIM_SEED",
    "DBAAS_SIM_CLOCK",
    "DBAAS_SIM_SPEED",
    "DBAAS_SIM_JOURNAL_SIZE",
    "DBAAS_SIM_SET",
    "DBAAS_SIM_SCENARIO",
    "DBAAS_SIM_STATE_FILE",
    "DBAAS_SIM_LOG_FORMAT",
];

/// Spawns `dbaas-sim serve --addr 127.0.0.1:0 ARGS...` and reads its first stdout line.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut all = vec!["--addr", "127.0.0.1:0"];
    all.extend_from_slice(args);
    serve_exactly(&all, env)
}

/// Spawns `dbaas-sim serve ARGS...` (no `--addr` added) and reads its first stdout line.
fn serve_exactly(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve").args(args);
    cmd.env_remove("RUST_LOG");
    for var in FLAG_VARIABLES {
        cmd.env_remove(var);
    }
    // The allocator's huge-page choice (see `transparent_huge_pages_are_off_unless_asked_for`).
    cmd.env_remove("MIMALLOC_ALLOW_THP");
    cmd.envs(env.iter().copied());
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut served = Served { child: Some(child), url: String::new(), first_line: String::new() };
    let first_line = rx.recv_timeout(PATIENCE).expect("the listening line within the wait");
    served.first_line = first_line.trim_end().to_owned();
    served.url = served.first_line.strip_prefix("dbaas-sim listening on ").unwrap_or_default().to_owned();
    served
}

/// Waits for `child` to exit, at most `PATIENCE` (then kills it and fails).
fn wait_exit(mut child: Child) -> ExitStatus {
    let pid = child.id().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(status) => status.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("process {pid} did not exit within {PATIENCE:?}");
        }
    }
}

/// Runs the binary to completion with `args`; answers (status, stdout, stderr).
fn run(args: &[&str]) -> (ExitStatus, String, String) {
    let mut cmd = Command::new(BIN);
    for var in FLAG_VARIABLES {
        cmd.env_remove(var);
    }
    let mut child =
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = wait_exit(child);
    (status, out.join().unwrap_or_default(), err.join().unwrap_or_default())
}

/// One request; answers (status, JSON body).
async fn request(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let req = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .header("authorization", "Basic c2ltLWtleTpzaW0tc2VjcmV0") // sim-key:sim-secret
        .body(Full::new(body))
        .expect("request");
    let resp = tokio::time::timeout(PATIENCE, client.request(req)).await.expect("answers in time").expect("request");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn serve_announces_its_address_serves_and_exits_0_on_sigterm() {
    let s = serve(&["--clock", "manual", "--seed", "7"], &[]);
    let port = s.first_line.strip_prefix("dbaas-sim listening on http://127.0.0.1:").expect(&s.first_line);
    assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "an ephemeral port: {}", s.first_line);

    let (status, health) = request("GET", &format!("{}/_sim/health", s.url), None).await;
    assert_eq!((status, &health["clock"], &health["seed"]), (200, &json!("manual"), &json!(7)));
    let org = "/v1/organizations/00000000-0000-4000-8000-000000000001";
    let body = json!({"name": "cli", "provider": "aws", "region": "us-east-1"});
    let (status, created) = request("POST", &format!("{}{org}/services", s.url), Some(body)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["result"]["service"]["state"], "provisioning");

    let (exit, _) = s.stop();
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}

#[tokio::test]
async fn set_flags_show_in_the_config() {
    let s = serve(
        &["--clock", "manual", "--set", "clickhouse.durations.provision=5", "--set", "clickhouse.rateLimit=off"],
        &[],
    );
    let (status, config) = request("GET", &format!("{}/_sim/config", s.url), None).await;
    assert_eq!(status, 200);
    let knob = |name: &str| config["knobs"].as_array().unwrap().iter().find(|k| k["name"] == name).cloned().unwrap();
    assert_eq!(knob("clickhouse.durations.provision")["value"], 5);
    assert_eq!(knob("clickhouse.durations.provision")["default"], 60);
    assert_eq!(knob("clickhouse.rateLimit")["value"], "off");
}

#[tokio::test]
async fn journal_size_caps_the_request_journal() {
    let s = serve(&["--clock", "manual", "--journal-size", "2"], &[]);
    for path in ["/a", "/b", "/c"] {
        assert_eq!(request("GET", &format!("{}{path}", s.url), None).await.0, 404);
    }
    let (status, journal) = request("GET", &format!("{}/_sim/requests", s.url), None).await;
    assert_eq!((status, &journal["capacity"]), (200, &json!(2)));
    let paths: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/b", "/c"]);
}

#[tokio::test]
async fn speed_scales_the_real_clock() {
    let s = serve(&["--clock", "real", "--speed", "60"], &[]);
    let (status, clock) = request("GET", &format!("{}/_sim/clock", s.url), None).await;
    assert_eq!(status, 200);
    assert_eq!((&clock["mode"], &clock["speed"]), (&json!("scaled"), &json!(60.0)));
}

#[tokio::test]
async fn rust_log_turns_on_logging_to_stderr() {
    let s = serve(&["--clock", "manual"], &[("RUST_LOG", "dbaas_sim=info")]);
    assert!(s.first_line.starts_with("dbaas-sim listening on "), "stdout stays clean: {}", s.first_line);
    let (exit, log) = s.stop();
    assert_eq!(exit.code(), Some(0));
    assert!(log.contains("listening") && log.contains("shutting down"), "info logs: {log}");
}

#[tokio::test]
async fn without_rust_log_stderr_is_quiet() {
    let s = serve(&["--clock", "manual"], &[]);
    let (exit, log) = s.stop();
    assert_eq!(exit.code(), Some(0));
    assert_eq!(log, "", "only warnings and errors by default");
}

#[test]
fn serve_help_documents_every_flag() {
    let (status, help, _) = run(&["serve", "--help"]);
    assert!(status.success());
    for flag in ["--addr", "--seed", "--clock", "--speed", "--journal-size", "--set"] {
        assert!(help.contains(flag), "{flag} is documented:\n{help}");
    }
    assert!(help.contains("dbaas-sim listening on"), "the listening line is documented:\n{help}");
}

#[test]
fn a_bad_set_exits_2_naming_the_problem() {
    for (arg, mention) in [
        ("clickhouse.nope=1", "clickhouse.nope"),
        ("clickhouse.durations.provision=soon", "clickhouse.durations.provision"),
        ("no-equals-sign", "NAME=VALUE"),
    ] {
        let (status, stdout, stderr) = run(&["serve", "--addr", "127.0.0.1:0", "--set", arg]);
        assert_eq!(status.code(), Some(2), "{arg}: {stderr}");
        assert!(stderr.contains(mention), "{arg}: {stderr}");
        assert!(!stdout.contains("listening"), "{arg}: it never listened");
    }
}

#[test]
fn a_bad_speed_exits_2_with_a_message() {
    for speed in ["0", "-3", "fast", "inf"] {
        let (status, _, stderr) = run(&["serve", "--addr", "127.0.0.1:0", &format!("--speed={speed}")]);
        assert_eq!(status.code(), Some(2), "--speed {speed}: {stderr}");
        assert!(stderr.contains("speed"), "--speed {speed}: {stderr}");
    }
}

#[tokio::test]
async fn state_file_is_written_on_shutdown_and_restored_at_the_next_start() {
    let dir = std::env::temp_dir().join(format!("dbaas-sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let path = file.display().to_string();
    let served = serve(&["--clock", "manual", "--state-file", &path], &[]);
    let services = format!("{}/v1/organizations/00000000-0000-4000-8000-000000000001/services", served.url);
    let (status, body) =
        request("POST", &services, Some(json!({"name": "kept", "provider": "aws", "region": "us-east-1"}))).await;
    assert_eq!(status, 200, "{body}");
    let id = body["result"]["service"]["id"].as_str().expect("id").to_owned();
    let (status, _) = served.stop();
    assert!(status.success());
    assert!(std::fs::read_to_string(&file).expect("written").contains(&id));

    let served = serve(&["--clock", "manual", "--state-file", &path], &[]);
    let services = format!("{}/v1/organizations/00000000-0000-4000-8000-000000000001/services", served.url);
    let (status, body2) = request("GET", &format!("{services}/{id}"), None).await;
    assert_eq!(status, 200, "{body2}");
    assert_eq!(body2["result"]["name"], "kept");
    served.stop();

    std::fs::write(&file, "{not json").expect("write");
    let (status, _, stderr) = run(&["serve", "--addr", "127.0.0.1:0", "--state-file", &path]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--state-file"), "{stderr}");
}

// ---------------------------------------------------------------- environment, addresses

#[test]
fn every_serve_flag_names_its_environment_variable_in_the_help() {
    let (status, help, _) = run(&["serve", "--help"]);
    assert!(status.success());
    let flags: Vec<&str> = help
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--"))
        .map(|l| l.split([' ', '=', '<']).next().unwrap_or(""))
        .filter(|f| !f.is_empty() && *f != "help")
        .collect();
    assert!(flags.len() >= 9, "the flags of serve: {flags:?}");
    for flag in flags {
        let var = format!("DBAAS_SIM_{}", flag.to_ascii_uppercase().replace('-', "_"));
        assert!(help.contains(&format!("[env: {var}")), "--{flag} reads {var}:\n{help}");
        assert!(FLAG_VARIABLES.contains(&var.as_str()), "the tests clear {var} too");
    }
}

#[tokio::test]
async fn serve_takes_every_flag_from_its_environment_variable() {
    let s = serve_exactly(
        &[],
        &[
            ("DBAAS_SIM_ADDR", "127.0.0.1:0"),
            ("DBAAS_SIM_SEED", "7"),
            ("DBAAS_SIM_CLOCK", "manual"),
            ("DBAAS_SIM_JOURNAL_SIZE", "3"),
            ("DBAAS_SIM_SET", "clickhouse.durations.provision=5; clickhouse.rateLimit=on"),
        ],
    );
    assert!(s.first_line.starts_with("dbaas-sim listening on http://127.0.0.1:"), "{}", s.first_line);
    let (_, health) = request("GET", &format!("{}/_sim/health", s.url), None).await;
    assert_eq!((&health["seed"], &health["clock"]), (&json!(7), &json!("manual")));
    let (_, config) = request("GET", &format!("{}/_sim/config", s.url), None).await;
    let knob = |name: &str| config["knobs"].as_array().unwrap().iter().find(|k| k["name"] == name).cloned().unwrap();
    assert_eq!(knob("clickhouse.durations.provision")["value"], 5);
    assert_eq!(knob("clickhouse.rateLimit")["value"], "on");
    let (_, journal) = request("GET", &format!("{}/_sim/requests", s.url), None).await;
    assert_eq!(journal["capacity"], 3);
}

#[tokio::test]
async fn a_flag_on_the_command_line_wins_over_its_environment_variable() {
    let s = serve(&["--seed", "3"], &[("DBAAS_SIM_SEED", "7"), ("DBAAS_SIM_CLOCK", "manual")]);
    let (_, health) = request("GET", &format!("{}/_sim/health", s.url), None).await;
    assert_eq!(health["seed"], 3);
}

#[tokio::test]
async fn the_scenario_variable_lists_files_like_path() {
    let dir = temp_dir("scenario-env");
    let (a, b) = (dir.join("a.yaml"), dir.join("b.yaml"));
    std::fs::write(
        &a,
        "resources:\n  clickhouse:\n    services:\n      - {name: from a, provider: aws, region: us-east-1}\n",
    )
    .expect("write");
    std::fs::write(
        &b,
        "resources:\n  clickhouse:\n    services:\n      - {name: from b, provider: aws, region: us-east-1}\n",
    )
    .expect("write");
    let list = format!("{}:{}", a.display(), b.display());
    let s = serve(&["--clock", "manual"], &[("DBAAS_SIM_SCENARIO", &list)]);
    let (_, state) = request("GET", &format!("{}/_sim/state", s.url), None).await;
    let names: Vec<&str> = state["providers"]["clickhouse"]["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["from a", "from b"]);
}

#[tokio::test]
async fn addr_takes_a_host_name_and_prefers_ipv4() {
    let s = serve_exactly(&["--addr", "localhost:0", "--clock", "manual"], &[]);
    assert!(s.first_line.starts_with("dbaas-sim listening on http://127.0.0.1:"), "{}", s.first_line);
    let (status, _) = request("GET", &format!("{}/_sim/health", s.url), None).await;
    assert_eq!(status, 200);
}

#[test]
fn an_addr_without_a_port_exits_2_and_says_what_it_expects() {
    let (status, stdout, stderr) = run(&["serve", "--addr", "localhost"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--addr localhost") && stderr.contains("HOST:PORT"), "{stderr}");
    assert!(!stdout.contains("listening"));
}

// ---------------------------------------------------------------- --state-file

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dbaas-sim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_state_file_that_cannot_be_written_is_refused_at_start() {
    let dir = temp_dir("state-check");
    let missing = dir.join("no-such-dir").join("state.json");
    let (status, stdout, stderr) =
        run(&["serve", "--addr", "127.0.0.1:0", "--state-file", &missing.display().to_string()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--state-file") && stderr.contains("does not exist"), "{stderr}");
    assert!(!stdout.contains("listening"), "it never served, so no state was ever at risk");

    let (status, _, stderr) = run(&["serve", "--addr", "127.0.0.1:0", "--state-file", &dir.display().to_string()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a directory"), "{stderr}");
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 0, "the write check leaves nothing behind");
}

// ---------------------------------------------------------------- logs

/// Creates a service, fires a fault rule and advances the clock, on a simulator started
/// with `args` and `RUST_LOG=info`; answers its stderr.
async fn logged_session(args: &[&str]) -> String {
    let mut all = vec!["--clock", "manual"];
    all.extend_from_slice(args);
    let s = serve(&all, &[("RUST_LOG", "info")]);
    let org = "/v1/organizations/00000000-0000-4000-8000-000000000001";
    let body = json!({"name": "secret body text", "provider": "aws", "region": "us-east-1"});
    let (status, created) = request("POST", &format!("{}{org}/services", s.url), Some(body)).await;
    assert_eq!(status, 200, "{created}");
    let id = created["result"]["service"]["id"].as_str().expect("id").to_owned();
    let password = created["result"]["password"].as_str().expect("a generated password").to_owned();
    let rule =
        json!({"id": "storm", "match": {"operation": "instanceGet"}, "action": {"kind": "status", "status": 503}});
    assert_eq!(request("POST", &format!("{}/_sim/faults", s.url), Some(rule)).await.0, 200);
    assert_eq!(request("GET", &format!("{}{org}/services/{id}?secret=query", s.url), None).await.0, 503);
    let (status, _) = request("POST", &format!("{}/_sim/clock/advance", s.url), Some(json!({"seconds": 60}))).await;
    assert_eq!(status, 200);
    // A control hook that names a credential in its path.
    let token = json!({"token": "tok-in-the-path"});
    assert_eq!(request("POST", &format!("{}/_sim/oracle/tokens", s.url), Some(token)).await.0, 200);
    let expire = format!("{}/_sim/oracle/tokens/tok-in-the-path/expire", s.url);
    assert_eq!(request("POST", &expire, Some(json!({}))).await.0, 200);
    let (exit, log) = s.stop();
    assert_eq!(exit.code(), Some(0));
    assert!(log.contains("/_sim/oracle/tokens/***/expire"), "the token is left out of the path: {log}");
    for secret in [
        password.as_str(),
        "sim-secret",
        "c2ltLWtleTpzaW0tc2VjcmV0",
        "secret body text",
        "secret=query",
        "tok-in-the-path",
    ] {
        assert!(!log.contains(secret), "the log shows no secret, body or query ({secret}):\n{log}");
    }
    assert!(!log.contains('\u{1b}'), "no ANSI colours when stderr is not a terminal:\n{log}");
    log
}

#[tokio::test]
async fn info_logs_one_line_per_request_transition_and_fired_fault() {
    let log = logged_session(&[]).await;
    let line = |needles: &[&str]| {
        let found: Vec<&str> = log.lines().filter(|l| needles.iter().all(|n| l.contains(n))).collect();
        assert_eq!(found.len(), 1, "one line with {needles:?}:\n{log}");
    };
    line(&[
        "dbaas_sim::request",
        "method=POST",
        "path=/v1/organizations/00000000-0000-4000-8000-000000000001/services",
        "provider=\"clickhouse\"",
        "operation=\"instanceCreate\"",
        "status=200",
        "latency_us=",
    ]);
    line(&["dbaas_sim::request", "operation=\"instanceGet\"", "status=503"]);
    line(&["dbaas_sim::request", "operation=\"advanceClock\"", "status=200"]);
    line(&["dbaas_sim::fault", "fault fired", "rule=storm", "effect=\"status\"", "operation=\"instanceGet\""]);
    line(&["dbaas_sim::transition", "from=provisioning", "to=running", "kind=\"service\""]);
}

#[tokio::test]
async fn log_format_json_writes_one_object_per_line() {
    let log = logged_session(&["--log-format", "json"]).await;
    let entries: Vec<Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let create = entries
        .iter()
        .find(|e| e["target"] == "dbaas_sim::request" && e["operation"] == "instanceCreate")
        .unwrap_or_else(|| panic!("a request entry:\n{log}"));
    assert_eq!((&create["method"], &create["status"], &create["level"]), (&json!("POST"), &json!(200), &json!("INFO")));
    assert!(create["latency_us"].is_u64(), "{create}");
    let transition = entries.iter().find(|e| e["target"] == "dbaas_sim::transition").expect("a transition entry");
    assert_eq!((&transition["from"], &transition["to"]), (&json!("provisioning"), &json!("running")));
    assert!(entries.iter().any(|e| e["target"] == "dbaas_sim::fault" && e["rule"] == "storm"), "{log}");
}

// ---------------------------------------------------------------- run

#[test]
fn run_exits_2_for_a_missing_or_invalid_file_and_prints_each_location_once() {
    let dir = temp_dir("run-invalid");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: x\nsteps:\n  - request: {path: /a}\n    expct: {status: 200}\n").expect("write");
    let bad = bad.display().to_string();
    let (status, stdout, _) = run(&["run", &bad]);
    assert_eq!(status.code(), Some(2), "{stdout}");
    let expected = format!(
        "FAIL  {bad}:4:5: unknown field `expct`, expected one of name, request, expect, capture, eventually, advance\n \
         4 |     expct: {{status: 200}}\n   |     ^\n0 passed, 1 failed\n"
    );
    assert_eq!(stdout, expected);
    assert_eq!(stdout.matches(":4:5").count(), 1, "the location once");

    let missing = dir.join("missing.yaml").display().to_string();
    let (status, stdout, _) = run(&["run", &missing]);
    assert_eq!(status.code(), Some(2), "{stdout}");
    assert!(stdout.starts_with(&format!("FAIL  {missing}: cannot read: ")), "{stdout}");
    assert_eq!(stdout.matches("missing.yaml").count(), 1, "{stdout}");
    assert!(stdout.ends_with("0 passed, 1 failed\n"), "{stdout}");
}

#[test]
fn run_fails_a_file_without_steps() {
    let dir = temp_dir("run-empty");
    for (name, text) in
        [("empty.yaml", ""), ("setup-only.yaml", "name: only a setup\nsettings: {clickhouse.durations.provision: 5}\n")]
    {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let path = path.display().to_string();
        let (status, stdout, _) = run(&["run", &path]);
        assert_eq!(status.code(), Some(1), "{name}: {stdout}");
        assert!(stdout.starts_with(&format!("FAIL  {path}: no steps")), "{name}: {stdout}");
        assert!(stdout.ends_with("0 passed, 1 failed\n"), "{name}: {stdout}");
    }
}

// ---------------------------------------------------------------- hardening

/// A `dbaas-sim serve` whose stdout and stderr lines arrive as they are written.
struct Live {
    child: Option<Child>,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Live {
    /// Spawns `dbaas-sim serve ARGS...` through `bash -c` when `shell_prefix` is given
    /// (`ulimit -n 64 && exec ...`), else directly.
    fn spawn(args: &[&str], env: &[(&str, &str)], shell_prefix: Option<&str>) -> Live {
        let mut cmd = match shell_prefix {
            Some(prefix) => {
                let mut c = Command::new("bash");
                let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
                c.args(["-c", &format!("{prefix} && exec '{BIN}' serve {}", quoted.join(" "))]);
                c
            }
            None => {
                let mut c = Command::new(BIN);
                c.arg("serve").args(args);
                c
            }
        };
        cmd.env_remove("RUST_LOG");
        for var in FLAG_VARIABLES {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let lines = |r: Box<dyn Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(r).lines() {
                    let Ok(line) = line else { return };
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().expect("stdout")));
        let stderr = lines(Box::new(child.stderr.take().expect("stderr")));
        Live { child: Some(child), stdout, stderr }
    }

    fn line(&self) -> String {
        self.stdout.recv_timeout(PATIENCE).expect("a stdout line within the wait")
    }

    /// The URL of the listening line.
    fn url(&self) -> String {
        let first = self.line();
        first.strip_prefix("dbaas-sim listening on ").unwrap_or_else(|| panic!("first line: {first}")).to_owned()
    }

    /// Waits (bounded) for a stderr line containing `needle`; answers it.
    fn stderr_line(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => eprintln!("stderr: {line}"),
                Err(_) => panic!(
                    "no stderr line with {needle:?} within the wait; seen: {:?}",
                    self.stderr.try_iter().collect::<Vec<_>>()
                ),
            }
        }
    }

    fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        assert!(Command::new("kill").args([&format!("-{name}"), &pid]).status().expect("kill").success());
    }

    fn wait(mut self) -> ExitStatus {
        wait_exit(self.child.take().expect("running"))
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `GET url` with `Authorization: auth` (or none); answers the status.
async fn status_with(url: &str, auth: Option<&str>) -> u16 {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = hyper::Request::get(url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = tokio::time::timeout(PATIENCE, client.request(req.body(Full::new(Bytes::new())).expect("request")))
        .await
        .expect("answers in time")
        .expect("request");
    resp.status().as_u16()
}

#[tokio::test]
async fn admin_token_from_the_flag_or_its_variable_guards_the_control_api() {
    for (args, env) in
        [(vec!["--admin-token", "flag-token"], vec![]), (vec![], vec![("DBAAS_SIM_ADMIN_TOKEN", "flag-token")])]
    {
        let s = serve(&args, &env);
        let health = format!("{}/_sim/health", s.url);
        assert_eq!(status_with(&health, None).await, 401);
        assert_eq!(status_with(&health, Some("Bearer wrong")).await, 401);
        assert_eq!(status_with(&health, Some("Bearer flag-token")).await, 200);
        let (status, _) = request("GET", &format!("{}/v1/organizations", s.url), None).await;
        assert_eq!(status, 200, "providers need no admin token");
        let (exit, log) = s.stop();
        assert!(exit.success());
        assert!(!log.contains("flag-token"), "the token is never logged: {log}");
    }
    // The help names the variable, never its value.
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .env("DBAAS_SIM_ADMIN_TOKEN", "do-not-print-me")
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[env: DBAAS_SIM_ADMIN_TOKEN]"), "{help}");
    assert!(!help.contains("do-not-print-me"), "{help}");
}

#[tokio::test]
async fn admin_addr_prints_a_second_line_and_serves_the_control_api_there_only() {
    let s = Live::spawn(&["--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--clock", "manual"], &[], None);
    let url = s.url();
    let second = s.line();
    let admin = second.strip_prefix("dbaas-sim control API on ").unwrap_or_else(|| panic!("{second}")).to_owned();
    assert_ne!(admin, url);
    assert_eq!(status_with(&format!("{admin}/_sim/health"), None).await, 200);
    assert_eq!(status_with(&format!("{url}/_sim/health"), None).await, 404);
    let (status, _) = request("GET", &format!("{url}/v1/organizations"), None).await;
    assert_eq!(status, 200);
    s.signal("TERM");
    assert!(s.wait().success());
}

#[tokio::test]
async fn a_control_api_open_to_the_network_without_a_token_is_warned_about() {
    let s = serve_exactly(&["--addr", "0.0.0.0:0"], &[]);
    let (_, log) = s.stop();
    assert!(log.contains("WARNING") && log.contains("--admin-token"), "{log}");
    for quiet in [
        vec!["--addr", "0.0.0.0:0", "--admin-token", "t"],
        vec!["--addr", "0.0.0.0:0", "--admin-addr", "127.0.0.1:0"],
        vec!["--addr", "127.0.0.1:0"],
    ] {
        let s = serve_exactly(&quiet, &[]);
        let (_, log) = s.stop();
        assert!(!log.contains("WARNING"), "{quiet:?}: {log}");
    }
}

#[test]
fn bad_hardening_flags_exit_2_naming_the_flag() {
    for (args, mention) in [
        (vec!["--header-read-timeout", "0"], "--header-read-timeout"),
        (vec!["--body-read-timeout", "soon"], "--body-read-timeout"),
        (vec!["--idle-timeout=-1"], "--idle-timeout"),
        (vec!["--idle-timeout", "inf"], "--idle-timeout"),
        (vec!["--max-connections", "0"], "--max-connections"),
        (vec!["--admin-token", ""], "--admin-token"),
        (vec!["--admin-token", "two words"], "--admin-token"),
        (vec!["--admin-addr", "nowhere"], "--admin-addr"),
    ] {
        let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(&args);
        let (status, stdout, stderr) = run(&all);
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(mention), "{args:?}: {stderr}");
        assert!(!stdout.contains("listening"), "{args:?}: it never listened");
    }
}

// Multi-threaded: the held request runs while this thread waits on stderr lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_during_the_drain_exits_at_once() {
    let s = Live::spawn(&["--addr", "127.0.0.1:0", "--clock", "manual"], &[("RUST_LOG", "info")], None);
    let url = s.url();
    // A request that the server holds for a minute.
    let rule = json!({"match": {"operation": "organizationGetList"}, "action": {"kind": "latency", "ms": 60000}});
    assert_eq!(request("POST", &format!("{url}/_sim/faults"), Some(rule)).await.0, 200);
    let held = tokio::spawn({
        let url = url.clone();
        async move {
            let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
            let req = hyper::Request::get(format!("{url}/v1/organizations"))
                .header("authorization", "Basic c2ltLWtleTpzaW0tc2VjcmV0")
                .body(Full::new(Bytes::new()))
                .expect("request");
            client.request(req).await.map(|r| r.status())
        }
    });
    s.stderr_line("operation=\"organizationGetList\"");
    s.signal("TERM");
    s.stderr_line("shutting down");
    let before = std::time::Instant::now();
    s.signal("INT");
    let status = s.wait();
    assert_eq!(status.code(), Some(130), "the second signal's exit code");
    assert!(before.elapsed() < Duration::from_secs(8), "at once, not after the 10 s drain: {:?}", before.elapsed());
    assert!(held.await.expect("task").is_err(), "the held request was given up");
}

#[tokio::test]
async fn accept_errors_are_logged_at_most_once_a_second_with_a_count() {
    // Few file descriptors and a cap above them: accepting fails with EMFILE.
    let s = Live::spawn(
        &["--addr", "127.0.0.1:0", "--clock", "manual", "--max-connections", "1000"],
        &[],
        Some("ulimit -n 48"),
    );
    let url = s.url();
    let addr = url.strip_prefix("http://").expect("url").to_owned();
    let mut held = Vec::new();
    for _ in 0..80 {
        if let Ok(c) = std::net::TcpStream::connect(&addr) {
            held.push(c);
        }
    }
    let started = std::time::Instant::now();
    let first = s.stderr_line("accept failed");
    let second = s.stderr_line("accept failed");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "the second warning waits a second: {elapsed:?}\n{first}\n{second}");
    let suppressed: u64 = second
        .split("suppressed=")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of the left-out warnings: {second}"));
    assert!(suppressed > 0, "{second}");
    drop(held);
    s.signal("TERM");
    s.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_server_restarts_with_every_change_it_acknowledged_a_second_before() {
    let dir = temp_dir("state-kill");
    let file = dir.join("state.json");
    let path = file.display().to_string();
    // The writer's debug line says when a write is done: the test waits on it, not on time.
    let served = Live::spawn(
        &[
            "--addr",
            "127.0.0.1:0",
            "--clock",
            "manual",
            "--set",
            "clickhouse.maxServicesPerOrg=10000",
            "--state-file",
            &path,
        ],
        &[("RUST_LOG", "dbaas_sim::persist=debug")],
        None,
    );
    let services = format!("{}/v1/organizations/00000000-0000-4000-8000-000000000001/services", served.url());
    let target = services.clone();
    let create = move |name: String| {
        let services = target.clone();
        async move {
            let body = json!({"name": name, "provider": "aws", "region": "us-east-1"});
            let (status, body) = request("POST", &services, Some(body)).await;
            assert_eq!(status, 200, "{body}");
            body["result"]["service"]["id"].as_str().expect("id").to_owned()
        }
    };
    // 100 creates, ten at a time.
    let mut acknowledged = Vec::new();
    for batch in 0..10 {
        let tasks: Vec<_> = (0..10).map(|i| tokio::spawn(create(format!("kept {batch} {i}")))).collect();
        for t in tasks {
            acknowledged.push(t.await.expect("create"));
        }
    }
    // Under load (creates keep coming), the file catches up within about a second.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let services = services.clone();
        tokio::spawn(async move {
            let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
            for n in 0..2_000 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let body = json!({"name": format!("load {n}"), "provider": "aws", "region": "us-east-1"});
                let req = hyper::Request::post(&services)
                    .header("content-type", "application/json")
                    .header("authorization", "Basic c2ltLWtleTpzaW0tc2VjcmV0")
                    .body(Full::new(Bytes::from(body.to_string())))
                    .expect("request");
                // The kill cuts one of these off: that is the point.
                if client.request(req).await.is_err() {
                    break;
                }
            }
        })
    };
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if acknowledged.iter().all(|id| text.contains(id.as_str())) {
            break;
        }
        // The next write (bounded wait).
        served.stderr_line("state written");
    }
    let waited = start.elapsed();
    eprintln!("every acknowledged create was on disk {waited:?} after the last acknowledgement");
    assert!(waited < Duration::from_secs(5), "written within about a second, took {waited:?}");
    served.signal("KILL");
    let _ = served.wait();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.await.expect("the load task ends");

    let text = std::fs::read_to_string(&file).expect("the file survives a SIGKILL");
    let dump: Value = serde_json::from_str(&text).expect("whole: an atomic write is never torn");
    assert_eq!(dump["format"], "dbaas-sim-state");
    let served = serve(&["--clock", "manual", "--state-file", &path], &[]);
    let services = format!("{}/v1/organizations/00000000-0000-4000-8000-000000000001/services", served.url);
    for id in &acknowledged {
        let (status, body) = request("GET", &format!("{services}/{id}"), None).await;
        assert_eq!(status, 200, "{id} came back: {body}");
    }
    let (status, _) = served.stop();
    assert!(status.success());
}

#[test]
fn a_state_file_that_is_not_a_dump_of_this_simulator_is_refused_and_left_alone() {
    let dir = temp_dir("state-foreign");
    let file = dir.join("state.json");
    let path = file.display().to_string();
    let cases = [
        (r#"{"name": "package.json", "version": "1.0.0"}"#, "not a dbaas-sim state dump"),
        (r#"{"format": "dbaas-sim-state", "version": 2, "providers": {}}"#, "version 2"),
        (r#"{"format": "something-else", "version": 1}"#, "not a dbaas-sim state dump"),
        ("[1, 2, 3]", "not a dbaas-sim state dump"),
        ("{not json", "not JSON"),
    ];
    for (content, expected) in cases {
        std::fs::write(&file, content).expect("write");
        let (status, stdout, stderr) = run(&["serve", "--addr", "127.0.0.1:0", "--state-file", &path]);
        assert_eq!(status.code(), Some(2), "{content}: {stderr}");
        assert!(stderr.contains("--state-file") && stderr.contains(expected), "{content}: {stderr}");
        assert!(!stdout.contains("listening"), "{content}: it never served");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), content, "never overwritten");
    }
}

#[tokio::test]
async fn a_state_file_with_a_resource_of_an_unknown_organization_is_refused_naming_it() {
    let dir = temp_dir("state-orphan");
    let file = dir.join("state.json");
    let path = file.display().to_string();
    let served = serve(&["--clock", "manual", "--state-file", &path], &[]);
    let services = format!("{}/v1/organizations/00000000-0000-4000-8000-000000000001/services", served.url);
    let body = json!({"name": "orphan", "provider": "aws", "region": "us-east-1"});
    let (status, body) = request("POST", &services, Some(body)).await;
    assert_eq!(status, 200, "{body}");
    served.stop();
    let mut dump: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("dump");
    let stranger = "00000000-0000-4000-8000-0000000000ff";
    dump["providers"]["clickhouse"]["services"][0]["orgId"] = json!(stranger);
    let content = dump.to_string();
    std::fs::write(&file, &content).expect("write");
    let (status, _, stderr) = run(&["serve", "--addr", "127.0.0.1:0", "--state-file", &path]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("clickhouse: services[0]") && stderr.contains(stranger), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), content, "never overwritten");
}

#[tokio::test]
async fn an_empty_state_file_is_no_state_yet() {
    let dir = temp_dir("state-empty");
    let file = dir.join("state.json");
    std::fs::write(&file, "").expect("write");
    let served = serve(&["--clock", "manual", "--state-file", &file.display().to_string()], &[]);
    let (status, _) = request("GET", &format!("{}/_sim/health", served.url), None).await;
    assert_eq!(status, 200);
    let (status, _) = served.stop();
    assert!(status.success());
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("a dump");
    assert_eq!(dump["version"], 1);
}

/// `THP_enabled` of a process's `/proc/<pid>/status` (Linux 5.0 and later).
#[cfg(target_os = "linux")]
fn thp_enabled(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(|v| v.trim().to_owned())
}

/// The binary turns transparent huge pages off for itself (a create's first touch of a
/// 2 MiB page stalled it for milliseconds), unless `MIMALLOC_ALLOW_THP` says otherwise.
#[cfg(target_os = "linux")]
#[test]
fn transparent_huge_pages_are_off_unless_asked_for() {
    let this = thp_enabled(std::process::id());
    let Some(this) = this else {
        eprintln!("this kernel's /proc/<pid>/status has no THP_enabled line: nothing to check here");
        return;
    };
    assert_eq!(this, "1", "the test process itself starts with huge pages allowed");
    // With the variable set the allocator decides: `0` has it turn them off itself.
    for (env, want) in [(None, "0"), (Some("1"), "1"), (Some("0"), "0")] {
        let vars: Vec<(&str, &str)> = env.map(|v| ("MIMALLOC_ALLOW_THP", v)).into_iter().collect();
        let served = serve(&[], &vars);
        let pid = served.child.as_ref().expect("running").id();
        assert_eq!(thp_enabled(pid).as_deref(), Some(want), "MIMALLOC_ALLOW_THP={env:?}");
        let (status, _) = served.stop();
        assert!(status.success());
    }
}
