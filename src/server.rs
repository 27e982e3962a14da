//! The hyper 1.x server: accept loop, one task per connection, graceful shutdown, and
//! the real-time driver of the lifecycle heap.
//!
//! HTTP/1.1 with keep-alive and HTTP/2 cleartext (prior knowledge) on the same port, via
//! hyper-util's auto builder. On shutdown the listener closes at once, every connection
//! is asked to finish its in-flight request and close, and `serve` returns when all have.
//!
//! Every connection is bounded ([`Limits`]): at most `max_connections` at once (one more
//! is accepted and closed at once), a header-read timeout (from the accept, or from the
//! end of the previous answer, until a request's head is in; this module's watchdog, for
//! both protocols, so that a request arms no timer of its own), a
//! body-read timeout (the whole request body; then the connection is closed), and an
//! idle timeout (no request in flight and no byte read or written). A response being
//! sent counts as in flight, so the `/_sim/events` stream is never cut as idle. HTTP/2
//! has a cap on concurrent streams and on the header list, and hyper's rapid-reset
//! limits. A failed accept is logged at most once a second, with a count of the ones
//! left out.
//!
//! Fault effects on delivery happen here, after the handler returned and with no lock
//! held: latency (real, or until the simulated clock reaches a time), a reset before any
//! byte, a hang, a body cut off mid-way or trickled. They only ever hold their own
//! connection's task.
//!
//! `GET /_sim/events` answers a stream (`crate::admin::EventBody`) that ends when the
//! server shuts down, so that the drain never waits on a watcher. `GET /_sim/state`
//! answers the state dump streamed as it is written, on a blocking thread, through a
//! bounded channel of chunks (`crate::body::streamed`).
//!
//! May touch: `crate::sim` (the request path, the dump), `crate::body` (bodies), `crate::http` (request values),
//! `crate::admin` (the event stream's body, the control API's guard), `crate::pipeline`
//! (which paths a listener serves).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Either};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use crate::admin::{EventBody, Guard};
use crate::body::SimBody;
use crate::faults::Effect;
use crate::http::{Request, BODY_LIMIT};
use crate::pipeline::{Front, Serves};
use crate::sim::Core;

/// Why a connection is dropped without a (whole) response.
#[derive(Debug)]
struct Dropped(&'static str);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Dropped {}

/// How long shutdown waits for in-flight requests before it lets go of them.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// HTTP/2: streams a client may have open at once on one connection.
pub const H2_MAX_CONCURRENT_STREAMS: u32 = 256;
/// HTTP/2: the largest header list (decoded) a request may send.
pub const H2_MAX_HEADER_LIST_SIZE: u32 = 64 * 1024;
/// HTTP/2 rapid reset (CVE-2023-44487): streams reset by the client before they were
/// answered, at once, before the connection is closed with `ENHANCE_YOUR_CALM`.
const H2_MAX_PENDING_ACCEPT_RESET_STREAMS: usize = 20;
/// HTTP/2: streams the server may reset for a client's protocol errors before it closes
/// the connection (the "MadeYouReset" variant).
const H2_MAX_LOCAL_ERROR_RESET_STREAMS: usize = 256;
/// A body above the limit is read on (and dropped) up to this much more, so that the 413
/// reaches a client still sending instead of a reset of the stream or connection.
const DRAIN_EXCESS: usize = 4 << 20;

/// The bounds of every connection; the defaults are the documented ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }
}

/// 10,000, or fewer when the process may not open that many files: the soft limit on
/// open files less some room for the rest of the process (Linux; elsewhere 10,000).
pub fn default_max_connections() -> usize {
    const DEFAULT: usize = 10_000;
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    match soft {
        Some(n) => n.saturating_sub(64).clamp(16, DEFAULT),
        None => DEFAULT,
    }
}

/// One listener: what it serves, and the rules of its connections.
pub struct Listener {
    pub listener: TcpListener,
    pub serves: Serves,
    pub guard: Arc<Guard>,
    pub limits: Limits,
}

/// A warning logged at most once a second; the ones left out are counted in the next.
struct Throttled {
    what: &'static str,
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttled {
    fn new(what: &'static str) -> Self {
        Throttled { what, last: None, suppressed: 0 }
    }

    fn warn(&mut self, detail: &dyn std::fmt::Display) {
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < Duration::from_secs(1)) {
            self.suppressed += 1;
            return;
        }
        let (what, suppressed) = (self.what, self.suppressed);
        tracing::warn!(error = %detail, suppressed, "{what} ({suppressed} more since the last warning)");
        self.last = Some(now);
        self.suppressed = 0;
    }
}

/// Serves until `shutdown` changes (or its sender is dropped).
pub async fn serve(listen: Listener, core: Arc<Core>, mut shutdown: watch::Receiver<()>) {
    let Listener { listener, serves, guard, limits } = listen;
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // No hyper timer for HTTP/1: with one, hyper arms (allocates, registers, drops) a
    // header-read sleep for every request of a keep-alive connection; the watchdog keeps
    // the same deadlines instead, with no timer per request.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(H2_MAX_CONCURRENT_STREAMS)
        .max_header_list_size(H2_MAX_HEADER_LIST_SIZE)
        .max_pending_accept_reset_streams(H2_MAX_PENDING_ACCEPT_RESET_STREAMS)
        .max_local_error_reset_streams(H2_MAX_LOCAL_ERROR_RESET_STREAMS);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut accept_failed = Throttled::new("accept failed");
    let mut refused = Throttled::new("connection refused: the limit of concurrent connections is reached");
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off briefly, keep serving.
                        accept_failed.warn(&e);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    // Accepted and closed at once: the client sees the connection end
                    // before any byte, and the ones already open keep being served.
                    refused.warn(&format_args!("{} connections open; {peer} closed", limits.max_connections));
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let activity = Arc::new(Activity::new());
                // What every request of the connection needs, behind one pointer of the
                // connection's own: a request clones this `Arc` (a count no other
                // connection touches) instead of the core's, the guard's and the
                // shutdown receiver's, which every connection shared.
                let conn = Arc::new(Conn { core: core.clone(), guard: guard.clone(), stop: shutdown.clone(), activity: activity.clone() });
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let conn = conn.clone();
                    async move {
                        let busy = Busy::start(&conn);
                        let response = respond(&conn, req, peer, serves).await?;
                        Ok::<_, Dropped>(response.map(|body| Tracked { body, _busy: busy }))
                    }
                });
                let io = TokioIo::new(Counted { inner: stream, activity: activity.clone() });
                let conn = builder.serve_connection(io, service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _slot = slot;
                    tokio::select! {
                        ended = conn => {
                            if let Err(e) = ended {
                                tracing::debug!(error = %e, %peer, "connection ended with an error");
                            }
                        }
                        why = watchdog(&activity, &limits) => {
                            tracing::debug!(%peer, why, "connection closed");
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown: connections still open after the drain limit");
    }
}

/// What a connection's watchdog knows: requests in flight, and when a byte last moved.
struct Activity {
    accepted: Instant,
    /// Milliseconds after `accepted` of the last byte read, or of the last answer done.
    last_ms: AtomicU64,
    /// Milliseconds after `accepted` when the last answer was done with: the next
    /// request's head is due within the header-read timeout from then.
    finished_ms: AtomicU64,
    /// Request bodies being read, and since when (the first of them to start).
    reading: AtomicUsize,
    reading_since_ms: AtomicU64,
    in_flight: AtomicUsize,
    /// Requests begun so far.
    begun: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            accepted: Instant::now(),
            last_ms: AtomicU64::new(0),
            finished_ms: AtomicU64::new(0),
            reading: AtomicUsize::new(0),
            reading_since_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            begun: AtomicU64::new(0),
        }
    }

    fn touch(&self) -> u64 {
        let ms = self.accepted.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
        ms
    }
}

/// What the requests of one connection share: the core, the listener's guard, the
/// shutdown signal (for the live feed's stream) and the watchdog's view.
struct Conn {
    core: Arc<Core>,
    guard: Arc<Guard>,
    stop: watch::Receiver<()>,
    activity: Arc<Activity>,
}

/// A request in flight, from its head until its answer's body is done with (dropped).
struct Busy(Arc<Conn>);

impl Busy {
    fn start(conn: &Arc<Conn>) -> Self {
        conn.activity.begun.fetch_add(1, Ordering::Relaxed);
        conn.activity.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(conn.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.0.activity;
        let ms = a.touch();
        a.finished_ms.store(ms, Ordering::Relaxed);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request body being read: the watchdog closes the connection when it takes longer
/// than the body-read timeout. With several at once (HTTP/2), the clock runs from the
/// first of them, a slightly stricter reading.
struct Reading<'a>(&'a Activity);

impl<'a> Reading<'a> {
    fn start(a: &'a Activity) -> Self {
        if a.reading.load(Ordering::Acquire) == 0 {
            a.reading_since_ms.store(a.accepted.elapsed().as_millis() as u64, Ordering::Relaxed);
        }
        a.reading.fetch_add(1, Ordering::AcqRel);
        Reading(a)
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.reading.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Resolves when the connection should be closed: no request's head within the
/// header-read timeout of the accept, or idle (nothing in flight, no byte moved) for the
/// idle timeout. Never while a request is in flight.
///
/// It is told nothing: it sleeps until the deadline the last byte set and looks again
/// then (a request in flight: one idle timeout later), so that a request costs no wake-up
/// of the connection's task and no timer of its own.
async fn watchdog(a: &Activity, limits: &Limits) -> &'static str {
    // It looks at least this often, so that a deadline that began after it last looked
    // (a body read, a request that ended) is never noticed more than this late.
    let step = limits.header_read_timeout.min(limits.idle_timeout).min(limits.body_read_timeout);
    loop {
        let now = Instant::now();
        // A timeout too long to be a point in time (`Duration::MAX`) is no deadline.
        let at = |ms: &AtomicU64, d: Duration| {
            (a.accepted + Duration::from_millis(ms.load(Ordering::Relaxed))).checked_add(d)
        };
        let rules: [(Option<Instant>, &'static str); 3] = if a.begun.load(Ordering::Relaxed) == 0 {
            [(a.accepted.checked_add(limits.header_read_timeout), HEAD_TIMEOUT), (None, ""), (None, "")]
        } else if a.in_flight.load(Ordering::Acquire) == 0 {
            // The next head is due a header-read timeout after the last answer, and the
            // connection is idle an idle timeout after the last byte.
            [
                (at(&a.finished_ms, limits.header_read_timeout), HEAD_TIMEOUT),
                (at(&a.last_ms, limits.idle_timeout), "idle for the idle timeout"),
                (None, ""),
            ]
        } else if a.reading.load(Ordering::Acquire) > 0 {
            [(at(&a.reading_since_ms, limits.body_read_timeout), BODY_TIMEOUT), (None, ""), (None, "")]
        } else {
            [(None, ""), (None, ""), (None, "")]
        };
        let mut next = now.checked_add(step);
        for (deadline, why) in rules {
            let Some(deadline) = deadline else { continue };
            if now >= deadline {
                return why;
            }
            next = Some(next.map_or(deadline, |n| n.min(deadline)));
        }
        match next {
            Some(at) => tokio::time::sleep_until(at.into()).await,
            None => std::future::pending::<()>().await,
        }
    }
}

const HEAD_TIMEOUT: &str = "no request head within the header-read timeout";
const BODY_TIMEOUT: &str = "the request body did not arrive within the body-read timeout";

/// The socket, noting for the watchdog when bytes arrive. Writes are not noted: every
/// write answers something read (a request in flight, which no idle rule times out,
/// and whose end [`Busy`] notes; an HTTP/2 ping, whose arrival was noted), and a clock
/// read per write was a percent of a GET's time at 64 connections.
struct Counted {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A response body that keeps its request in flight until it is done with.
struct Tracked<B> {
    body: B,
    _busy: Busy,
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// How reading a request body ended.
enum BodyRead {
    Whole(Bytes),
    TooLarge,
}

/// Reads the body within [`BODY_LIMIT`]. A body above the limit is read on (up to
/// [`DRAIN_EXCESS`] more) and dropped, so the 413 reaches the client; a body that breaks
/// its framing (a bad chunk) closes the connection, which is all HTTP/1 can do once the
/// framing is lost. The body-read timeout is the watchdog's ([`Reading`]): a timer per
/// request body cost creates about a tenth of their throughput (bench, 8 connections).
async fn read_body(mut body: Incoming, activity: &Activity) -> Result<BodyRead, Dropped> {
    if body.is_end_stream() {
        return Ok(BodyRead::Whole(Bytes::new()));
    }
    let _reading = Reading::start(activity);
    // Sized by the declared length, so that a body is one allocation and becomes `Bytes`
    // without another; at most 64 KiB ahead of the bytes, so that a connection that
    // declares a large body and sends none holds no more.
    let declared = body.size_hint().exact().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut kept: Vec<u8> = Vec::with_capacity(declared.min(64 << 10));
    let mut seen = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                let Some(data) = frame.data_ref() else { continue };
                seen = seen.saturating_add(data.len());
                if seen <= BODY_LIMIT {
                    kept.extend_from_slice(data);
                } else if seen > BODY_LIMIT + DRAIN_EXCESS {
                    // Enough read: answer now, whatever the rest of the body does.
                    return Ok(BodyRead::TooLarge);
                } else {
                    kept = Vec::new();
                }
            }
            Some(Err(_)) if seen > BODY_LIMIT => return Ok(BodyRead::TooLarge),
            Some(Err(_)) => return Err(Dropped("the request body is malformed (its framing is broken)")),
        }
    }
    Ok(if seen > BODY_LIMIT { BodyRead::TooLarge } else { BodyRead::Whole(crate::http::body_bytes(kept)) })
}

/// Reads the body (within the limit), runs the request path, and delivers the answer
/// the way a fault rule says (an `Err` closes the connection without a response).
async fn respond(
    conn: &Conn,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    serves: Serves,
) -> Result<hyper::Response<Either<SimBody, EventBody>>, Dropped> {
    let (core, front) = (&conn.core, Front { serves, guard: &conn.guard });
    let (parts, body) = req.into_parts();
    let (body, too_large) = match read_body(body, &conn.activity).await? {
        BodyRead::Whole(b) => (b, false),
        BodyRead::TooLarge => (Bytes::new(), true),
    };
    let mut headers = parts.headers;
    if !headers.contains_key(hyper::header::HOST) {
        // HTTP/2 names the host in `:authority`; the control API's origin check reads `Host`.
        if let Some(value) = parts.uri.authority().and_then(|a| hyper::header::HeaderValue::from_str(a.as_str()).ok()) {
            headers.insert(hyper::header::HOST, value);
        }
    }
    let request = Request {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body,
        body_too_large: too_large,
        peer,
    };
    let answer = core.respond_on(request, Some(front));
    if let Some(feed) = answer.events {
        let mut response = hyper::Response::new(Either::Right(EventBody::new(feed, conn.stop.clone())));
        *response.status_mut() = answer.reply.status;
        for (name, value) in answer.reply.headers {
            response.headers_mut().append(name, value);
        }
        return Ok(response);
    }
    if answer.state {
        let mut response = hyper::Response::new(Either::Left(stream_state(core.clone())));
        *response.status_mut() = answer.reply.status;
        for (name, value) in answer.reply.headers {
            response.headers_mut().append(name, value);
        }
        return Ok(response);
    }
    let reply = answer.reply;
    let full_len = reply.body.len();
    let body = match answer.effect {
        None => SimBody::full(reply.body),
        Some(Effect::Delay(d)) => {
            tokio::time::sleep(d).await;
            SimBody::full(reply.body)
        }
        Some(Effect::DelayUntil(due)) => {
            wait_for_simulated(core, due).await;
            SimBody::full(reply.body)
        }
        Some(Effect::Reset) => return Err(Dropped("connection dropped by a fault rule")),
        Some(Effect::Hang(d)) => {
            tokio::time::sleep(d).await;
            return Err(Dropped("connection dropped by a fault rule"));
        }
        Some(Effect::Truncate { after_bytes }) => {
            let keep = (after_bytes as usize).min(full_len);
            SimBody::Truncated { prefix: Some(reply.body.slice(..keep)), pause: None }
        }
        Some(Effect::SlowBody { bytes_per_chunk, chunk }) => {
            SimBody::Slow { rest: reply.body, chunk: (bytes_per_chunk as usize).max(1), every: chunk, sleep: None }
        }
        // Status and resource effects were applied by the request path.
        Some(Effect::Status { .. } | Effect::Resource { .. }) => SimBody::full(reply.body),
    };
    let shaped = !matches!(body, SimBody::Full(_));
    let mut response = hyper::Response::new(Either::Left(body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        headers.append(name, value);
    }
    if shaped {
        // The client is told the whole length, so a cut-off body is visible as such.
        headers.insert(hyper::header::CONTENT_LENGTH, hyper::header::HeaderValue::from(full_len));
    }
    Ok(response)
}

/// The state dump as a streamed body (chunked over HTTP/1.1): written by
/// `Core::write_dump` on a blocking thread into a bounded channel of chunks, so that the
/// async workers keep serving and at most a few chunks wait in memory. A client that
/// goes away drops the body, which closes the channel and stops the writer at its next
/// chunk.
fn stream_state(core: Arc<Core>) -> SimBody {
    let (mut sink, body) = crate::body::streamed();
    tokio::task::spawn_blocking(move || match core.write_dump(&mut sink, false) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            tracing::debug!("the state dump's client went away; the dump stopped");
        }
        Err(e) => {
            tracing::warn!(error = %e, "the state dump failed");
            sink.fail(e);
        }
    });
    body
}

/// Waits until simulated time reaches `due`: woken by every clock advance (manual
/// clock), or by a real-time sleep of the remaining simulated time (real/scaled clock).
async fn wait_for_simulated(core: &Core, due: crate::clock::SimInstant) {
    loop {
        let notified = core.clock_moved.notified();
        if core.clock.now() >= due {
            return;
        }
        match core.clock.real_wait_until(due) {
            Some(real) => {
                tokio::select! {
                    _ = tokio::time::sleep(real) => {}
                    _ = notified => {}
                }
            }
            None => notified.await,
        }
    }
}

/// Drives the lifecycle heap in real and scaled clock modes: sleeps until the next due
/// event (converted to real time), wakes early when an earlier event is scheduled, and
/// stops on shutdown.
pub async fn drive(core: Arc<Core>, mut shutdown: watch::Receiver<()>) {
    loop {
        let wait =
            core.next_event_due().and_then(|due| core.clock.real_wait_until(due)).unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = core.lifecycle.wake.notified() => {}
            _ = core.timeline.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        core.run_due(core.clock.now());
    }
}
