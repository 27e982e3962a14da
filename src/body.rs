//! Response bodies as the server sends them: whole, or shaped by a fault rule
//! (cut off mid-body, or trickled in chunks).
//!
//! May touch: nothing else in the crate.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

pub enum SimBody {
    /// The whole body in one frame.
    Full(Option<Bytes>),
    /// A prefix, then (after a pause that lets the server flush it) an error, so the
    /// connection is closed mid-body.
    Truncated { prefix: Option<Bytes>, pause: Option<Pin<Box<tokio::time::Sleep>>> },
    /// `rest` sent `chunk` bytes at a time, one chunk per `every`.
    Slow { rest: Bytes, chunk: usize, every: Duration, sleep: Option<Pin<Box<tokio::time::Sleep>>> },
}

impl SimBody {
    pub fn full(b: Bytes) -> Self {
        SimBody::Full((!b.is_empty()).then_some(b))
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match &mut *self {
            SimBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            SimBody::Truncated { prefix, pause } => {
                if let Some(d) = prefix.take().filter(|d| !d.is_empty()) {
                    *pause = Some(Box::pin(tokio::time::sleep(std::time::Duration::from_millis(20))));
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                if let Some(p) = pause {
                    if p.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
                Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "response truncated by a fault rule",
                ))))
            }
            SimBody::Slow { rest, chunk, every, sleep } => {
                if rest.is_empty() {
                    return Poll::Ready(None);
                }
                if let Some(s) = sleep {
                    if s.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
                let n = (*chunk).min(rest.len());
                let piece = rest.split_to(n);
                *sleep = Some(Box::pin(tokio::time::sleep(*every)));
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Full(d) => d.is_none(),
            SimBody::Slow { rest, .. } => rest.is_empty(),
            SimBody::Truncated { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            SimBody::Full(None) => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}
