//! The hyper 1.x server: accept loop, one task per connection, graceful shutdown, and
//! the real-time driver of the lifecycle heap.
//!
//! HTTP/1.1 with keep-alive and HTTP/2 cleartext (prior knowledge) on the same port, via
//! hyper-util's auto builder. On shutdown the listener closes at once, every connection
//! is asked to finish its in-flight request and close, and `serve` returns when all have.
//!
//! May touch: `crate::sim` (the request path), `crate::http` (request values).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::http::{Request, BODY_LIMIT};
use crate::sim::Core;

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
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let core = core.clone();
                    async move { Ok::<_, Infallible>(respond(&core, req, peer).await) }
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

/// Reads the body (within the limit), runs the request path, builds the hyper response.
async fn respond(core: &Core, req: hyper::Request<Incoming>, peer: SocketAddr) -> hyper::Response<Full<Bytes>> {
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
    let reply = core.handle(request);
    let mut response = hyper::Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        headers.append(name, value);
    }
    response
}

/// Drives the lifecycle heap in real and scaled clock modes: sleeps until the next due
/// event (converted to real time), wakes early when an earlier event is scheduled, and
/// stops on shutdown.
pub async fn drive(core: Arc<Core>, mut shutdown: watch::Receiver<()>) {
    loop {
        let wait = core
            .lifecycle
            .next_due()
            .and_then(|due| core.clock.real_wait_until(due))
            .unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = core.lifecycle.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        core.run_due(core.clock.now());
    }
}
