//! The live feed: what happens in a simulator as it happens (transitions, journal
//! entries, clock moves, fault changes), for `GET /_sim/events` and the dashboard.
//!
//! A `tokio::sync::broadcast` channel of frames already written as server-sent events
//! (`event: <kind>\ndata: <json>\n\n`), so a message is serialised once however many
//! subscribers there are. The channel has a fixed capacity: a subscriber that falls
//! behind loses the oldest frames (it is told how many) instead of growing memory.
//! With no subscriber, publishing costs one atomic load (not the channel's lock: it is on
//! every request's path): callers ask [`Feed::is_watched`] before they build a message.
//!
//! May touch: nothing else in the crate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;

/// Frames kept for a subscriber that has not read them yet.
pub const CAPACITY: usize = 1024;

/// What a frame reports (its SSE `event:` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A resource changed state: `{provider, kind, id, from, to, at}`.
    Transition,
    /// A request was answered: its journal entry.
    Request,
    /// The simulated clock moved (advance, reset, restore): `{now, elapsedMs, mode, ...}`.
    Clock,
    /// Fault rules changed or one fired: `{change, ids?, id?}`.
    Fault,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Transition => "transition",
            Kind::Request => "request",
            Kind::Clock => "clock",
            Kind::Fault => "fault",
        }
    }
}

/// The sending side, owned by the core.
pub struct Feed {
    tx: broadcast::Sender<Bytes>,
    /// Live [`Subscription`]s (the channel's own count sits behind its lock).
    watchers: Arc<AtomicUsize>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed { tx: broadcast::Sender::new(CAPACITY), watchers: Arc::new(AtomicUsize::new(0)) }
    }
}

/// A subscriber's side: the frames published since it subscribed.
pub struct Subscription {
    rx: broadcast::Receiver<Bytes>,
    watchers: Arc<AtomicUsize>,
}

impl Subscription {
    /// The next frame; `Lagged(n)` when `n` frames were lost to falling behind.
    pub async fn recv(&mut self) -> Result<Bytes, broadcast::error::RecvError> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Result<Bytes, broadcast::error::TryRecvError> {
        self.rx.try_recv()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.watchers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Feed {
    /// Whether anyone listens (build a message only then).
    pub fn is_watched(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// Sends one message to every subscriber; nothing happens when nobody listens.
    pub fn publish(&self, kind: Kind, data: &impl Serialize) {
        if !self.is_watched() {
            return;
        }
        // serde_json writes no raw newline inside a value, so the data is one SSE line.
        let json = serde_json::to_string(data).unwrap_or_else(|_| "null".into());
        let _ = self.tx.send(frame(kind.name(), &json));
    }

    /// A new subscriber: it sees what is published from now on.
    pub fn subscribe(&self) -> Subscription {
        self.watchers.fetch_add(1, Ordering::Relaxed);
        Subscription { rx: self.tx.subscribe(), watchers: self.watchers.clone() }
    }
}

/// One server-sent event.
pub fn frame(event: &str, json: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {json}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn publishing_without_subscribers_is_a_no_op_and_frames_are_sse() {
        let feed = Feed::default();
        feed.publish(Kind::Clock, &json!({"now": 1}));
        let mut rx = feed.subscribe();
        assert!(feed.is_watched());
        feed.publish(Kind::Fault, &json!({"change": "added", "note": "a\nb"}));
        let got = rx.try_recv().expect("one frame");
        assert_eq!(&got[..], b"event: fault\ndata: {\"change\":\"added\",\"note\":\"a\\nb\"}\n\n");
        assert!(rx.try_recv().is_err(), "the frame before subscribing is not replayed");
        drop(rx);
        assert!(!feed.is_watched(), "a dropped subscription stops the publishing");
    }

    #[test]
    fn a_slow_subscriber_loses_the_oldest_frames_not_memory() {
        let feed = Feed::default();
        let mut rx = feed.subscribe();
        for i in 0..CAPACITY + 10 {
            feed.publish(Kind::Request, &json!({ "seq": i }));
        }
        match rx.try_recv() {
            Err(broadcast::error::TryRecvError::Lagged(n)) => assert_eq!(n, 10),
            other => panic!("expected a lag of 10, got {other:?}"),
        }
        let next = rx.try_recv().expect("the oldest kept frame");
        assert!(String::from_utf8_lossy(&next).contains("\"seq\":10"));
    }
}
