//! Response bodies as the server sends them: whole, shaped by a fault rule (cut off
//! mid-body, or trickled in chunks), or streamed from a producer on another thread
//! ([`ChunkSink`] → [`SimBody::Streamed`], the state dump).
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
    /// Chunks as a [`ChunkSink`] sends them, until it is dropped (the end) or sends an
    /// error (the connection is closed mid-body). Dropping this body (the client went
    /// away) closes the channel, and the producer's next write fails.
    Streamed(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>),
}

/// Bytes of one streamed chunk: what a [`ChunkSink`] gathers before it sends.
pub const CHUNK: usize = 64 * 1024;

/// Chunks a [`ChunkSink`] may have sent that the body has not taken yet: with
/// [`CHUNK`], at most a quarter MiB of a stream waits in memory, whatever its length.
pub const CHUNKS_IN_FLIGHT: usize = 4;

/// A streamed body and the writer that feeds it (on a blocking thread: its writes wait
/// while the channel is full).
pub fn streamed() -> (ChunkSink, SimBody) {
    let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    (ChunkSink { tx, buf: Vec::with_capacity(CHUNK) }, SimBody::Streamed(rx))
}

/// The producer's end of a streamed body: an `io::Write` that sends a chunk each time
/// [`CHUNK`] bytes are gathered, waiting while [`CHUNKS_IN_FLIGHT`] are unsent. Once the
/// body is gone every write fails (`BrokenPipe`), which stops the producer. Must not be
/// written from an async task (it blocks).
pub struct ChunkSink {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChunkSink {
    fn send(&mut self, chunk: std::io::Result<Bytes>) -> std::io::Result<()> {
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the streamed body was dropped"))
    }

    /// Ends the body with an error: the client sees the connection close mid-body
    /// rather than a body that looks whole.
    pub fn fail(mut self, error: std::io::Error) {
        let _ = self.send(Err(error));
    }
}

impl std::io::Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.tx.is_closed() {
            return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the streamed body was dropped"));
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            self.send(Ok(chunk.into()))?;
        }
        Ok(data.len())
    }

    /// Sends what is gathered (the end of the stream: a flush mid-way would only send
    /// smaller chunks).
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        self.send(Ok(chunk.into()))
    }
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
            SimBody::Streamed(rx) => rx.poll_recv(cx).map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Full(d) => d.is_none(),
            SimBody::Slow { rest, .. } => rest.is_empty(),
            SimBody::Truncated { .. } | SimBody::Streamed(_) => false,
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_stream_sends_whole_chunks_and_its_writer_stops_once_the_body_is_dropped() {
        let (mut sink, body) = streamed();
        let SimBody::Streamed(mut rx) = body else { panic!("a streamed body") };
        sink.write_all(&[b'x'; CHUNK + 10]).expect("written");
        let chunk = rx.try_recv().expect("a chunk was sent").expect("data");
        assert_eq!(chunk.len(), CHUNK + 10, "sent once a chunk's worth was gathered");
        sink.write_all(b"tail").expect("gathered");
        assert!(rx.try_recv().is_err(), "less than a chunk waits");
        sink.flush().expect("sent");
        assert_eq!(&rx.try_recv().expect("the tail").expect("data")[..], b"tail");
        drop(rx);
        let err = sink.write_all(b"more").expect_err("nobody reads");
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    }
}
