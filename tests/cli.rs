//! The `dbaas-sim` command: the `serve` contract (first stdout line, flags, `--set`,
//! SIGTERM, exit codes, `RUST_LOG`), black-box on the built binary.

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

/// Spawns `dbaas-sim serve --addr 127.0.0.1:0 ARGS...` and reads its first stdout line.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--addr", "127.0.0.1:0"]).args(args);
    cmd.env_remove("RUST_LOG").envs(env.iter().copied());
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
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
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
