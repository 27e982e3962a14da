//! Hardening, black-box over real sockets: the control API's network rules (admin token,
//! its own address, cross-site `Origin`s, Content-Type of mutations), API key secrets
//! kept as digests, connection bounds (header-read, body-read and idle timeouts, the
//! connection cap, HTTP/2 limits, 413 over HTTP/2), and the small wire fixes (a broken
//! chunk, a form-feed body, HEAD on GET routes, plain control error messages).
//!
//! Timeouts are real time: each test configures small ones and waits on the socket
//! (EOF) with a generous bound, never on a timer of its own.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use dbaas_sim::{ClockMode, Simulator, SimulatorBuilder};
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::fujitsu::Fj;
use crate::support::*;

/// Every bounded wait of these tests.
const PATIENCE: Duration = Duration::from_secs(10);
const TOKEN: &str = "s3cret-admin-token";

fn builder() -> SimulatorBuilder {
    Simulator::builder().seed(42).clock(ClockMode::Manual)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Reads until the server closes the connection (within `PATIENCE`): what it sent.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(PATIENCE, read).await.expect("the server closes the connection in time");
    got
}

/// Reads one whole HTTP/1.1 response with a `Content-Length` (within `PATIENCE`).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    return text;
                }
            }
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "the connection closed mid-response: {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(PATIENCE, read).await.expect("a response in time")
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

// ---------------------------------------------------------------- control API safety

#[tokio::test]
async fn an_admin_token_guards_every_control_route() {
    let sim = Sim::start_with(builder().admin_token(TOKEN)).await;
    for (method, path) in [
        (Method::GET, "/_sim/health"),
        (Method::POST, "/_sim/reset"),
        (Method::GET, "/_sim/state"),
        (Method::GET, "/_sim/events"),
    ] {
        let r = sim.send(method.clone(), path, None, None, &[]).await;
        assert_eq!(r.status, 401, "{method} {path} without a token: {}", r.text);
        assert!(r.error().contains("admin token"), "{}", r.text);
        assert!(r.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{:?}", r.headers);
        let wrong = sim.send(method.clone(), path, None, None, &[("authorization", "Bearer nope")]).await;
        assert_eq!(wrong.status, 401, "{method} {path} with a wrong token");
        assert!(wrong.error().contains("wrong"), "{}", wrong.text);
    }
    // The right token opens every route; Basic of the token is not a bearer token.
    let auth = bearer(TOKEN);
    let r = sim.send(Method::GET, "/_sim/health", None, None, &[("authorization", &auth)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.send(Method::GET, "/_sim/health", Some(("x", TOKEN)), None, &[]).await;
    assert_eq!(r.status, 401);
    let r = sim
        .send(Method::POST, "/_sim/clock/advance", None, Some(json!({"seconds": 5})), &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The dashboard's files hold no state and open without a header; providers are untouched.
    assert_eq!(sim.sim_get("/_sim/ui").await.status, 200);
    assert_eq!(sim.get(ORG).await.status, 200);
    // Refused requests changed nothing: the clock moved by the one advance only.
    let clock = sim.send(Method::GET, "/_sim/clock", None, None, &[("authorization", &auth)]).await;
    assert_eq!(clock.body["elapsedMs"], 5000, "{}", clock.text);
}

#[tokio::test]
async fn the_in_process_handle_needs_no_admin_token() {
    let sim = Sim::start_with(builder().admin_token(TOKEN)).await;
    let reply = sim.sim.handle().request(dbaas_sim::Request::new(Method::GET, "/_sim/health", ""));
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn an_admin_addr_serves_the_control_api_and_nothing_else() {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let sim = builder().admin_addr(any).start().await.expect("starts");
    let admin = sim.admin_addr().expect("an admin address");
    assert_ne!(admin, sim.addr());
    assert_eq!(sim.admin_url(), format!("http://{admin}"));
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let get = |url: String| {
        let client = client.clone();
        async move {
            let req = hyper::Request::get(url).header("authorization", dbaas_sim::http::basic(KEY.0, KEY.1));
            let resp = client.request(req.body(Full::new(Bytes::new())).unwrap()).await.expect("answer");
            let status = resp.status().as_u16();
            let body: Value =
                serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap_or(Value::Null);
            (status, body)
        }
    };
    let (status, body) = get(format!("{}/_sim/health", sim.url())).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("--admin-addr"), "{body}");
    assert!(!body.to_string().contains(&admin.port().to_string()), "the private address is not told: {body}");
    let (status, body) = get(format!("{}/_sim/health", sim.admin_url())).await;
    assert_eq!((status, &body["status"]), (200, &json!("ok")), "{body}");
    let (status, body) = get(format!("{}{ORG}", sim.admin_url())).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("only the control API"), "{body}");
    let (status, body) = get(format!("{}{ORG}", sim.url())).await;
    assert_eq!(status, 200, "{body}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_cross_site_origin_is_refused_and_changes_nothing() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    for origin in ["http://evil.example", "null", "https://127.0.0.1", "http://127.0.0.1:1"] {
        for (method, path) in [(Method::POST, "/_sim/reset"), (Method::GET, "/_sim/state")] {
            let r = sim.send(method.clone(), path, None, None, &[("origin", origin)]).await;
            assert_eq!(r.status, 403, "{method} {path} from {origin}: {}", r.text);
            assert!(r.error().contains("cross-site"), "{}", r.text);
        }
    }
    assert_eq!(sim.state_of(&id).await, "provisioning", "the refused reset did nothing");
    // The simulator's own pages (its dashboard) send its own origin.
    let own = sim.url();
    let r = sim.send(Method::POST, "/_sim/clock/advance", None, Some(json!({"seconds": 1})), &[("origin", &own)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Provider paths are for any client, browsers included.
    let r = sim.send(Method::GET, ORG, Some(KEY), None, &[("origin", "http://evil.example")]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_mutation_declaring_a_non_json_type_is_refused_even_without_a_body() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = sim.send_raw(Method::POST, "/_sim/reset", None, None, &[("content-type", ct)]).await;
        assert_eq!(r.status, 415, "{ct}: {}", r.text);
        assert!(r.error().contains("application/json"), "{}", r.text);
        let r = sim.send_raw(Method::DELETE, "/_sim/faults", None, None, &[("content-type", ct)]).await;
        assert_eq!(r.status, 415, "{ct}: {}", r.text);
    }
    assert_eq!(sim.state_of(&id).await, "provisioning", "nothing was reset");
    // A bodiless POST without a Content-Type (or with a JSON one) still works.
    let r = sim.send_raw(Method::POST, "/_sim/reset", None, None, &[("content-type", "application/json")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sim.send_raw(Method::POST, "/_sim/reset", None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn api_key_secrets_are_kept_as_digests_and_a_restored_dump_still_authenticates() {
    let sim = Sim::start().await;
    let r = sim.post(&format!("{ORG}/keys"), json!({"name": "ci key", "roles": ["admin"]})).await;
    let res = r.assert_ok().clone();
    let (key_id, secret) = (res["keyId"].as_str().unwrap().to_owned(), res["keySecret"].as_str().unwrap().to_owned());
    assert_eq!(sim.send(Method::GET, ORG, Some((&key_id, &secret)), None, &[]).await.status, 200);
    let dump = sim.sim_get("/_sim/state").await;
    assert_eq!(dump.status, 200);
    for plain in [secret.as_str(), KEY.1] {
        assert!(!dump.text.contains(plain), "the dump holds no plaintext secret ({plain})");
    }
    assert!(dump.text.contains(&dbaas_sim::secret::digest(&secret)), "the dump holds the digest");
    let journal = sim.sim_get("/_sim/requests").await;
    assert!(!journal.text.contains(&secret));
    // Restored into a fresh simulator, both keys authenticate; a wrong secret does not.
    let other = Sim::start().await;
    let put = other.send(Method::PUT, "/_sim/state", None, Some(dump.body.clone()), &[]).await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(other.send(Method::GET, ORG, Some((&key_id, &secret)), None, &[]).await.status, 200);
    assert_eq!(other.get(ORG).await.status, 200);
    other.send(Method::GET, ORG, Some((&key_id, "4b1dwrong")), None, &[]).await.assert_ch_error(401, "");
    // The secret is answered once, at creation, and never again.
    let listed = other.get(&format!("{ORG}/keys")).await;
    assert!(!listed.text.contains(&secret) && !listed.text.contains("sha256:"), "{}", listed.text);
}

// ---------------------------------------------------------------- connections

#[tokio::test]
async fn half_a_header_is_cut_off_after_the_header_read_timeout() {
    let sim = builder().header_read_timeout(Duration::from_millis(200)).start().await.expect("starts");
    // Nothing at all, half a request line, and half an HTTP/2 preface: all closed.
    for sent in [&b""[..], b"GET /_sim/health HTTP/1.1\r\nHo", b"PRI * HTTP/2.0\r\n"] {
        let mut s = connect(sim.addr()).await;
        s.write_all(sent).await.expect("write");
        let got = until_closed(&mut s).await;
        let text = String::from_utf8_lossy(&got);
        assert!(!text.contains("200 OK"), "{sent:?}: no answer to a request never finished: {text}");
    }
    // A whole request on a fresh connection is served as always.
    let mut s = connect(sim.addr()).await;
    s.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    // Kept alive, the next head is due within the timeout too, however its bytes trickle.
    s.write_all(b"GET /_sim/health HTTP/1.1\r\nHo").await.expect("write");
    let got = until_closed(&mut s).await;
    assert!(!String::from_utf8_lossy(&got).contains("200 OK"), "the second head never finished");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_body_that_does_not_arrive_is_cut_off_after_the_body_read_timeout() {
    let sim = builder().body_read_timeout(Duration::from_millis(200)).start().await.expect("starts");
    let mut s = connect(sim.addr()).await;
    s.write_all(b"POST /_sim/clock/advance HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"sec")
        .await
        .expect("write");
    let got = until_closed(&mut s).await;
    assert!(got.is_empty(), "closed without an answer: {:?}", String::from_utf8_lossy(&got));
    assert_eq!(
        sim.handle().request(dbaas_sim::Request::new(Method::GET, "/_sim/clock", "")).body_json().unwrap()["elapsedMs"],
        0
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_but_the_event_stream_is_not() {
    // First the idle timeout closes the kept-alive connection (the header-read timeout is
    // long), then the header-read timeout does (hyper also runs it on a kept-alive
    // HTTP/1 connection waiting for its next request): neither cuts the event stream.
    let short = Duration::from_millis(200);
    let long = Duration::from_secs(60);
    for (idle_timeout, header_timeout) in [(short, long), (long, short)] {
        let sim =
            builder().idle_timeout(idle_timeout).header_read_timeout(header_timeout).start().await.expect("starts");
        let mut events = connect(sim.addr()).await;
        events.write_all(b"GET /_sim/events HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !String::from_utf8_lossy(&head).contains("dbaas-sim events") {
            let n =
                tokio::time::timeout(PATIENCE, events.read(&mut buf)).await.expect("the stream opens").expect("read");
            assert!(n > 0, "the stream opened");
            head.extend_from_slice(&buf[..n]);
        }
        // A kept-alive connection, answered, then idle: closed by the server.
        let mut idle = connect(sim.addr()).await;
        idle.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
        assert!(until_closed(&mut idle).await.is_empty());
        // The event stream, opened before and silent since, still delivers.
        let sim2 = sim.clone();
        tokio::task::spawn_blocking(move || sim2.advance(Duration::from_secs(3))).await.expect("advance");
        let mut seen = String::new();
        while !seen.contains("event: clock") {
            let n = tokio::time::timeout(PATIENCE, events.read(&mut buf)).await.expect("an event").expect("read");
            assert!(n > 0, "the event stream was not cut ({idle_timeout:?}, {header_timeout:?}): {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_too() {
    let sim = builder().idle_timeout(Duration::from_millis(200)).start().await.expect("starts");
    let (send, conn) = h2::client::handshake(connect(sim.addr()).await).await.expect("h2 handshake");
    let driven = tokio::spawn(conn);
    let mut send = send.ready().await.expect("ready");
    let req = hyper::Request::get(format!("{}/_sim/health", sim.url())).body(()).unwrap();
    let (resp, _) = send.send_request(req, true).expect("send");
    assert_eq!(tokio::time::timeout(PATIENCE, resp).await.expect("in time").expect("answer").status(), 200);
    // Still holding the client: only the server can end the connection.
    let ended = tokio::time::timeout(PATIENCE, driven).await.expect("the server closes the idle connection");
    drop(send);
    let _ = ended.expect("task");
    sim.shutdown().await;
}

#[tokio::test]
async fn connections_above_the_cap_are_accepted_and_closed() {
    let sim = builder().max_connections(2).start().await.expect("starts");
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = connect(sim.addr()).await;
        s.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let mut third = connect(sim.addr()).await;
    let _ = third.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(until_closed(&mut third).await.is_empty(), "the third connection gets no answer");
    // A held connection is still served; once one closes, a new one is served again.
    held[0].write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    assert!(read_response(&mut held[0]).await.starts_with("HTTP/1.1 200"));
    drop(held.pop());
    let served_again = async {
        loop {
            let mut s = connect(sim.addr()).await;
            let _ = s.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let mut buf = [0u8; 64];
            if matches!(s.read(&mut buf).await, Ok(n) if n > 0) {
                return;
            }
        }
    };
    tokio::time::timeout(PATIENCE, served_again).await.expect("a slot frees up when a connection closes");
    sim.shutdown().await;
}

#[tokio::test]
async fn http2_announces_its_stream_limit_and_refuses_a_huge_header_list() {
    let sim = Sim::start().await;
    let tcp = connect(sim.sim.addr()).await;
    let (send, mut conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let mut ping = conn.ping_pong().expect("ping");
    let (conn_tx, conn_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let pong = async { ping.ping(h2::Ping::opaque()).await };
        tokio::select! {
            _ = &mut conn => {}
            _ = pong => {}
        }
        let _ = conn_tx.send(conn.max_concurrent_send_streams());
        let _ = conn.await;
    });
    let streams = tokio::time::timeout(PATIENCE, conn_rx).await.expect("settings").expect("settings");
    assert_eq!(streams, 256, "the server's SETTINGS_MAX_CONCURRENT_STREAMS");
    let mut send = send.ready().await.expect("ready");
    let big = "x".repeat(100 * 1024);
    let req = hyper::Request::get(format!("{}/_sim/health", sim.url())).header("x-big", big.as_str()).body(()).unwrap();
    let answered = match send.send_request(req, true) {
        Ok((resp, _)) => tokio::time::timeout(PATIENCE, resp).await.expect("an answer or a reset"),
        Err(e) => Err(e),
    };
    match answered {
        Ok(resp) => assert_eq!(resp.status(), 431, "a header list above 64 KiB"),
        Err(e) => panic!("431 expected, got {e}"),
    }
    // The server still serves (the same client may have lost its connection: a new one).
    assert_eq!(sim.sim_get("/_sim/health").await.status, 200);
}

/// One HTTP/2 frame: length, type, flags, stream id, payload.
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// The error code of the first GOAWAY among HTTP/2 frames `bytes` (server to client).
fn goaway_code(bytes: &[u8]) -> Option<u32> {
    let mut at = 0;
    while at + 9 <= bytes.len() {
        let len = (usize::from(bytes[at]) << 16) | (usize::from(bytes[at + 1]) << 8) | usize::from(bytes[at + 2]);
        let kind = bytes[at + 3];
        let payload = bytes.get(at + 9..at + 9 + len)?;
        if kind == 0x7 {
            return Some(u32::from_be_bytes(payload.get(4..8)?.try_into().ok()?));
        }
        at += 9 + len;
    }
    None
}

#[tokio::test]
async fn http2_rapid_reset_closes_the_connection_and_the_server_keeps_serving() {
    let sim = Sim::start().await;
    let mut s = connect(sim.sim.addr()).await;
    // The attack of CVE-2023-44487: open a stream, reset it at once, over and over.
    let mut attack = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    attack.extend(h2_frame(0x4, 0, 0, &[]));
    for i in 0..2_000u32 {
        let stream = 2 * i + 1;
        // HPACK: :method GET, :scheme http, :path / (static table entries 2, 6, 4).
        attack.extend(h2_frame(0x1, 0x5, stream, &[0x82, 0x86, 0x84]));
        attack.extend(h2_frame(0x3, 0, stream, &0x8u32.to_be_bytes()));
    }
    let _ = s.write_all(&attack).await;
    let got = until_closed(&mut s).await;
    assert_eq!(goaway_code(&got), Some(0xb), "GOAWAY ENHANCE_YOUR_CALM ({} bytes read)", got.len());
    assert_eq!(sim.sim_get("/_sim/health").await.status, 200, "other connections are served");
}

#[tokio::test]
async fn a_body_above_the_limit_gets_413_over_http2_too() {
    let sim = Sim::start().await;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).http2_only(true).build_http();
    let body = format!("{{\"name\": \"{}\"}}", "x".repeat(8 << 20));
    let req = hyper::Request::post(format!("{}{ORG}/services", sim.url()))
        .header("authorization", dbaas_sim::http::basic(KEY.0, KEY.1))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp =
        tokio::time::timeout(PATIENCE, client.request(req)).await.expect("in time").expect("an answer, not a reset");
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 413);
    let body: Value =
        serde_json::from_slice(&resp.into_body().collect().await.expect("body").to_bytes()).expect("json");
    assert_eq!(body["status"], 413, "the ClickHouse envelope: {body}");
    assert_eq!(sim.service_count().await, 0);
}

// ---------------------------------------------------------------- small wire fixes

#[tokio::test]
async fn a_broken_chunk_closes_the_connection_instead_of_a_413() {
    let sim = Sim::start().await;
    let mut s = connect(sim.sim.addr()).await;
    let auth = dbaas_sim::http::basic(KEY.0, KEY.1);
    let req = format!(
        "POST {ORG}/services HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let got = String::from_utf8_lossy(&until_closed(&mut s).await).into_owned();
    assert!(!got.contains("413"), "a broken chunk is not a body too large: {got}");
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 400"), "{got}");
    assert_eq!(sim.service_count().await, 0, "nothing was created");
}

#[tokio::test]
async fn a_form_feed_body_is_a_json_error_not_an_empty_object() {
    let sim = Sim::start().await;
    for body in [&b"\x0c"[..], b" \x0b "] {
        let r = sim.send_raw(Method::POST, &format!("{ORG}/services"), Some(KEY), Some(body.to_vec()), &[]).await;
        r.assert_ch_error(400, "");
        assert!(r.error().contains("JSON body"), "{}", r.text);
        let r = sim.send_raw(Method::POST, "/_sim/clock/advance", None, Some(body.to_vec()), &[]).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.error().contains("JSON body"), "{}", r.text);
    }
    assert_eq!(sim.service_count().await, 0);
}

/// Where, what path, which Basic credentials and which headers.
type HeadCase<'a> = (&'a Sim, String, Option<(&'a str, &'a str)>, &'a [(&'a str, &'a str)]);

#[tokio::test]
async fn head_answers_like_get_without_a_body_for_every_provider_and_the_control_api() {
    let sim = Sim::start().await;
    let fj = Fj::wrap(Sim::start().await).await;
    let token = fj.token().await;
    let oracle = [("x-id-tenant-name", crate::support::oracle::DOMAIN)];
    let fj_auth = [("x-auth-token", token.as_str())];
    let cases: Vec<HeadCase> = vec![
        (&sim, ORG.to_owned(), Some(KEY), &[]),
        (&sim, format!("{ORG}/services"), Some(KEY), &[]),
        (&fj, crate::support::fujitsu::path("/instances"), None, &fj_auth),
        (
            &sim,
            format!("{}/serviceEntitlements/cesi-500073421", crate::support::oracle::MS),
            Some(crate::support::oracle::USER),
            &oracle,
        ),
        (&sim, "/_sim/health".to_owned(), None, &[]),
        (&sim, "/_sim/state".to_owned(), None, &[]),
    ];
    for (on, path, auth, headers) in cases {
        let get = on.send(Method::GET, &path, auth, None, headers).await;
        assert_eq!(get.status, 200, "GET {path}: {}", get.text);
        let head = on.send(Method::HEAD, &path, auth, None, headers).await;
        assert_eq!(head.status, 200, "HEAD {path}: {}", head.text);
        assert!(head.text.is_empty(), "HEAD {path} has no body");
        if !path.starts_with("/_sim/") {
            assert_eq!(head.header("content-length"), Some(get.text.len().to_string().as_str()), "HEAD {path}");
        }
        assert_eq!(head.header("content-type"), get.header("content-type"), "HEAD {path}");
    }
    // HEAD on a path with no GET is still refused by the route's methods.
    let r = sim.send(Method::HEAD, "/_sim/reset", None, None, &[]).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn control_errors_are_plain_words_not_rust_debug_text() {
    let sim = Sim::start().await;
    let big = vec![b' '; (1 << 20) + 10];
    for path in ["/_sim/clickhouse/organizations", "/_sim/clock/advance"] {
        let r = sim.send_raw(Method::POST, path, None, Some(big.clone()), &[]).await;
        assert!(r.status == 413 || r.status == 400, "{path}: {}", r.text);
        let e = r.error();
        assert!(e.contains("larger than"), "{path}: {e}");
        assert!(!e.contains("BodyTooLarge") && !e.contains("MalformedBody"), "{path}: {e}");
    }
    let r = sim.send_raw(Method::POST, "/_sim/clickhouse/organizations", None, Some(b"[1".to_vec()), &[]).await;
    assert_eq!(r.status, 400);
    assert!(!r.error().contains("MalformedBody(") && r.error().contains("JSON"), "{}", r.text);
}
