//! `GET /_sim/events`: the live feed as server-sent events (`text/event-stream`).
//!
//! Event types: `transition` (a resource changed state), `request` (a journal entry),
//! `clock` (the clock moved: advance, reset, restore) and `fault` (rules added, removed,
//! cleared, loaded, or one fired); `lagged` tells a subscriber that fell behind how many
//! events it lost (the feed is bounded: see `crate::feed`). A comment line every
//! [`PING`] keeps proxies from closing an idle stream.
//!
//! The request path subscribes (so nothing published after the answer is missed) and
//! the server streams [`EventBody`]; the body ends when the client goes away or when the
//! server shuts down, so a stream never holds up a graceful shutdown.
//!
//! May touch: `crate::feed` (frames), `crate::http` (the reply).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL};
use hyper::StatusCode;
use tokio::sync::{broadcast, watch};

use crate::feed::Subscription;
use crate::http::Reply;

/// The journal's operation name of `GET /_sim/events` (the request path streams the
/// feed for a 200 answer of this operation).
pub const EVENTS_OPERATION: &str = "streamEvents";

/// How often an idle stream sends a comment line.
pub const PING: Duration = Duration::from_secs(15);

/// The answer's head; the server attaches the stream as its body.
pub fn open() -> Reply {
    Reply::text(StatusCode::OK, "text/event-stream; charset=utf-8", Bytes::new())
        .with_header(CACHE_CONTROL, HeaderValue::from_static("no-cache"))
        .with_header(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))
}

type Next = Option<(Bytes, Subscription, watch::Receiver<()>)>;

/// The body of `GET /_sim/events`: a greeting, then every frame of the feed.
pub struct EventBody {
    next: Option<Pin<Box<dyn Future<Output = Next> + Send>>>,
}

impl EventBody {
    /// Streams `feed` until `shutdown` changes or its sender is dropped.
    pub fn new(feed: Subscription, shutdown: watch::Receiver<()>) -> Self {
        // `retry` tells EventSource clients to reconnect after a second.
        let hello = Bytes::from_static(b"retry: 1000\n: dbaas-sim events\n\n");
        EventBody { next: Some(Box::pin(std::future::ready(Some((hello, feed, shutdown))))) }
    }
}

async fn step(mut feed: Subscription, mut shutdown: watch::Receiver<()>) -> Next {
    let frame = tokio::select! {
        biased;
        _ = shutdown.changed() => return None,
        received = feed.recv() => match received {
            Ok(frame) => frame,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                crate::feed::frame("lagged", &serde_json::json!({ "dropped": n }).to_string())
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        },
        _ = tokio::time::sleep(PING) => Bytes::from_static(b": ping\n\n"),
    };
    Some((frame, feed, shutdown))
}

impl Body for EventBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let Some(next) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        match next.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.next = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some((frame, feed, shutdown))) => {
                self.next = Some(Box::pin(step(feed, shutdown)));
                Poll::Ready(Some(Ok(Frame::data(frame))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.next.is_none()
    }
}
