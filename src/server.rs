//! The hyper 1.x server: accept loop, one task per connection, graceful shutdown, and
//! the real-time driver of the lifecycle heap.
//!
//! HTTP/1.1 with keep-alive and HTTP/2 cleartext (prior knowledge) on the same port, via
//! hyper-util's auto builder. On shutdown the listener closes at once, every connection
//! is asked to finish its in-flight request and close, and `serve` returns when all have.
//!
//! Fault effects on delivery happen here, after the handler returned and with no lock
//! held: latency (real, or until the simulated clock reaches a time), a reset before any
//! byte, a hang, a body cut off mid-way or trickled. They only ever hold their own
//! connection's task.
//!
//! `GET /_sim/events` answers a stream (`crate::admin::EventBody`) that ends when the
//! server shuts down, so that the drain never waits on a watcher.
//!
//! May touch: `crate::sim` (the request path), `crate::http` (request values),
//! `crate::admin` (the event stream's body).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admin::EventBody;
use crate::body::SimBody;
use crate::faults::Effect;
use crate::http::{Request, BODY_LIMIT};
use crate::sim::Core;

/// Why a connection is dropped without a (whole) response.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for Dropped {}

/// How long shutdown waits for in-flight requests before it lets go of them.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Serves until `shutdown` changes (or its sender is dropped).
pub async fn serve(listener: TcpListener, core: Arc<Core>, mut shutdown: watch::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off briefly, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let core = core.clone();
                let stop = shutdown.clone();
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let core = core.clone();
                    let stop = stop.clone();
                    async move { respond(&core, req, peer, stop).await }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
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

/// Reads the body (within the limit), runs the request path, and delivers the answer
/// the way a fault rule says (an `Err` closes the connection without a response).
async fn respond(
    core: &Core,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    shutdown: watch::Receiver<()>,
) -> Result<hyper::Response<Either<SimBody, EventBody>>, Dropped> {
    let (parts, body) = req.into_parts();
    let (body, too_large) = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (Bytes::new(), true),
    };
    let request = Request {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        body_too_large: too_large,
        peer,
    };
    let answer = core.respond(request);
    if let Some(feed) = answer.events {
        let mut response = hyper::Response::new(Either::Right(EventBody::new(feed, shutdown)));
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
        Some(Effect::Reset) => return Err(Dropped),
        Some(Effect::Hang(d)) => {
            tokio::time::sleep(d).await;
            return Err(Dropped);
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
