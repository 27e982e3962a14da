//! The one request path, shared by the HTTP server, the in-process handle, the scenario
//! runner and the fuzzer: run due events, check the fault rules, dispatch to the control
//! API or the provider that owns the path, record the journal entry and the metrics, and
//! tell the server how to deliver the answer (fault effects on delivery).
//!
//! Each answered request is also logged at `info` (target `dbaas_sim::request`: method,
//! path without the query, provider, operation, status, latency; never a header or a
//! body), each fired fault rule too (`dbaas_sim::fault`), and both are published on the
//! live feed (`crate::feed`) when someone watches it.
//!
//! A request that came over a socket names its listener ([`Front`]): which paths it
//! serves (`--admin-addr` splits the control API off), and the control API's network
//! rules (`admin::Guard`: cross-site `Origin`, admin token), checked before `/_sim/`
//! does anything. HEAD is answered as GET without the body, on every route.
//!
//! The state dump (`GET /_sim/state`) is the one answer whose body this path writes
//! rather than the handler: streamed by the server for a socket ([`Response::state`]),
//! whole for an in-process caller, counted (never held) for a `HEAD`.
//!
//! It sits above both the control API (`crate::admin`) and the providers, and below only
//! `server`: imports run `server → pipeline → {admin, providers} → core`.
//!
//! Every request that is not a read marks the core's changes (`crate::persist`): one
//! atomic load when they are already marked.
//!
//! May touch: `crate::sim` (the core), `crate::admin`, `crate::providers` (through
//! `World`), `crate::{faults, journal, http}`.

use std::borrow::Cow;
use std::time::Instant;

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::clock::SimInstant;
use crate::faults::Effect;
use crate::faults::Probe;
use crate::feed::Kind;
use crate::http::{Reply, Request};
use crate::journal::{method_name, Entry};
use crate::providers::Cx;
use crate::sim::{local, offload, Core};

impl Core {
    /// The one request path, for in-process callers: the reply as the server would
    /// send it, fault effects on delivery left aside.
    pub fn handle(&self, req: Request) -> Reply {
        self.respond(req).reply
    }

    /// The one request path, for requests that come from no socket: every path is
    /// served, and the control API's network rules (`admin::Guard`) do not apply.
    pub fn respond(&self, req: Request) -> Response {
        self.respond_on(req, None)
    }

    /// The one request path: due events, fault rules, dispatch, journal. `front` is the
    /// listener the request came in on: which paths it serves and the control API's
    /// network rules.
    pub fn respond_on(&self, req: Request, front: Option<Front<'_>>) -> Response {
        let started = Instant::now();
        let mut now = self.clock.now();
        if (self.lifecycle.is_due(now) || self.timeline.is_due(now)) && self.should_run_due() {
            self.run_due(now);
            now = self.clock.now();
        }
        let segs = req.segments();
        let cx = self.cx(now, req.peer);
        let is_control = segs.first() == Some(&"_sim");
        let served = match front.map(|f| f.serves) {
            None | Some(Serves::Everything) => true,
            Some(Serves::Providers) => !is_control,
            Some(Serves::Control) => is_control,
        };
        // Classifying costs a route lookup: only when there are rules to match.
        let check_faults = served && !is_control && !self.faults.is_empty();
        let class = if check_faults { self.world.classify(&req, &segs) } else { None };
        let fired = if !check_faults {
            None
        } else {
            self.faults.check(&Probe {
                method: req.method.as_str(),
                path: &req.path,
                headers: &req.headers,
                body: &req.body,
                class: class.as_ref(),
                now,
            })
        };
        // Resource faults act beside the request: on the resource it names (before the
        // handler runs, so the answer shows the fault), or on the one it created.
        let resource = match (&fired, &class) {
            (Some(f), Some(c)) => match &f.effect {
                Effect::Resource { fault, resource_id } => Some((c, fault, resource_id, f.rule.as_str())),
                _ => None,
            },
            _ => None,
        };
        let mut pending_resource = None;
        if let Some((c, fault, resource_id, rule)) = resource {
            let target = match resource_id {
                Some(id) => Some((c.tenant.as_deref().map(str::to_owned), id.clone())),
                None => self.world.resource_target(c.provider, &req, &segs, None).map(|(t, id)| (Some(t), id)),
            };
            match target {
                Some((tenant, id)) => self.apply_resource_fault(c.provider, tenant.as_deref(), &id, fault, now, rule),
                None => pending_resource = Some((c, fault, rule)),
            }
        }
        let injected = match &fired {
            Some(f) => match f.effect {
                Effect::Status { status, retry_after } => Some((status, retry_after)),
                _ => None,
            },
            None => None,
        };
        let (reply, provider, operation, tenant) = match (injected, &class) {
            // In the envelope of the provider that owns the path.
            (Some((status, retry_after)), Some(c)) => match self.world.inject(c.provider, status, retry_after, &cx) {
                Some(reply) => (reply, c.provider, c.operation, c.tenant.clone()),
                None => (injected_on_no_route(status), "none", "unknownRoute", None),
            },
            (Some((status, _)), None) => (injected_on_no_route(status), "none", "unknownRoute", None),
            _ if !served => not_served(&req, is_control),
            _ => match front.and_then(|f| if is_control { f.guard.check(&req, &segs[1..]) } else { None }) {
                Some((reply, op)) => (reply, "sim", op, None),
                None if req.method == Method::HEAD => self.head(&req, &segs, &cx, is_control),
                None => self.dispatch(&req, &segs, &cx, is_control),
            },
        };
        if let Some((c, fault, rule)) = pending_resource {
            if let Some((tenant, id)) = self.world.resource_target(c.provider, &req, &segs, Some(&reply)) {
                self.apply_resource_fault(c.provider, Some(&tenant), &id, fault, now, rule);
            }
        }
        // Reads change nothing worth a write of the state file (a key's last use at most,
        // saved with the next change); everything else may have, answered or refused.
        if !matches!(req.method, hyper::Method::GET | hyper::Method::HEAD) {
            self.changes.mark();
        }
        let status = reply.status.as_u16();
        self.requests.incr((provider, operation, status));
        let latency_us = started.elapsed().as_micros() as u64;
        tracing::info!(
            target: "dbaas_sim::request",
            method = %req.method,
            path = %loggable(&req.path),
            provider,
            operation,
            status,
            latency_us,
            "request"
        );
        if let Some(f) = &fired {
            tracing::info!(
                target: "dbaas_sim::fault",
                rule = %f.rule,
                effect = effect_name(&f.effect),
                method = %req.method,
                path = %loggable(&req.path),
                provider,
                operation,
                "fault fired"
            );
            self.feed.publish(Kind::Fault, &json!({"change": "fired", "id": f.rule}));
        }
        // Reading the journal, the live feed or the dashboard is not journaled, so that
        // watching does not change what is watched.
        let journaled = provider != "sim" || segs.get(1).is_none_or(|s| !matches!(*s, "requests" | "events" | "ui"));
        let events = (provider == "sim"
            && operation == crate::admin::EVENTS_OPERATION
            && status == 200
            && req.method == Method::GET)
            .then(|| self.feed.subscribe());
        // `GET /_sim/state`: written here (or by the server, streamed), not by the handler.
        let streams_state = is_state_dump(provider, operation, status, &req.method);
        let mut reply = reply;
        if streams_state && front.is_none() {
            // No socket to stream to: the caller gets the whole dump.
            reply.body = offload(|| self.dump_bytes()).into();
        }
        let state = streams_state && front.is_some();
        drop(segs);
        if journaled && (self.journal.capacity() > 0 || self.feed.is_watched()) {
            // The request is done with: its path and query move into the entry.
            self.record(Entry {
                seq: 0,
                method: method_name(&req.method),
                path: req.path,
                query: req.query,
                provider: Cow::Borrowed(provider),
                operation: Cow::Borrowed(operation),
                tenant,
                status,
                sim_time_ms: now.millis(),
                sim_time: String::new(),
                latency_us,
                request_id: reply
                    .headers
                    .iter()
                    .find(|(n, _)| n.as_str() == "x-request-id")
                    .and_then(|(_, v)| v.to_str().ok())
                    .map(crate::id::Id::new),
                fault: fired.as_ref().map(|f| f.rule.clone()),
            });
        }
        let effect = fired.map(|f| f.effect).filter(|e| !matches!(e, Effect::Status { .. } | Effect::Resource { .. }));
        Response { reply, effect, events, state }
    }

    /// Journals an entry, and publishes it when someone watches the feed.
    fn record(&self, entry: Entry) {
        if !self.feed.is_watched() {
            self.journal.record(entry);
            return;
        }
        let mut shown = entry.clone().with_sim_time(|t| self.clock.iso(t));
        shown.seq = self.journal.record(entry);
        self.feed.publish(Kind::Request, &shown);
    }

    fn apply_resource_fault(
        &self,
        provider: &str,
        tenant: Option<&str>,
        id: &str,
        fault: &crate::faults::ResourceFault,
        now: SimInstant,
        rule: &str,
    ) {
        let cx = self.cx(now, local());
        match self.world.resource_fault(provider, tenant, id, fault, &cx) {
            Ok(changes) => self.announce(&changes),
            Err(e) => tracing::debug!(error = %e, rule, "resource fault not applied"),
        }
    }

    /// HEAD answers what GET answers, without the body (RFC 9110 §9.3.2): every GET
    /// route of every provider and of the control API, with the length GET would send.
    fn head(&self, req: &Request, segs: &[&str], cx: &Cx, is_control: bool) -> Dispatched {
        let mut get = req.clone();
        get.method = Method::GET;
        let (mut reply, provider, operation, tenant) = self.dispatch(&get, segs, cx, is_control);
        let length = if is_state_dump(provider, operation, reply.status.as_u16(), &get.method) {
            let mut counted = crate::dump::Counted::default();
            // Counting cannot fail.
            let _ = offload(|| self.write_dump(&mut counted, false));
            counted.0
        } else {
            reply.body.len() as u64
        };
        reply.body = bytes::Bytes::new();
        reply.headers.retain(|(name, _)| *name != hyper::header::CONTENT_LENGTH);
        reply.headers.push((hyper::header::CONTENT_LENGTH, hyper::header::HeaderValue::from(length)));
        (reply, provider, operation, tenant)
    }

    fn dispatch(&self, req: &Request, segs: &[&str], cx: &Cx, is_control: bool) -> Dispatched {
        if is_control {
            let (reply, op) = crate::admin::handle(self, req, &segs[1..]);
            return (reply, "sim", op, None);
        }
        match self.world.handle(req, segs, cx) {
            Some(h) => (h.reply, h.provider, h.operation, h.tenant),
            None => (
                Reply::json(
                    StatusCode::NOT_FOUND,
                    &json!({"error": format!("no route for {} {}", req.method, req.path)}),
                ),
                "none",
                "unknownRoute",
                None,
            ),
        }
    }
}

/// A dispatched request: the reply, provider, operation and tenant the journal records.
type Dispatched = (Reply, &'static str, &'static str, Option<crate::id::Id>);

/// Which paths a listener answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// Providers and the control API (one address, the default).
    Everything,
    /// Providers only: the control API has an address of its own (`--admin-addr`).
    Providers,
    /// The control API only (the `--admin-addr` listener).
    Control,
}

/// The listener a request came in on.
#[derive(Debug, Clone, Copy)]
pub struct Front<'a> {
    pub serves: Serves,
    pub guard: &'a crate::admin::Guard,
}

/// A path the listener does not serve: the control API on the providers' address when it
/// has its own, or a provider path on the control address. Not the address itself: it
/// may be private.
fn not_served(req: &Request, is_control: bool) -> Dispatched {
    let why = if is_control {
        "the control API (/_sim/) is served on its own address (--admin-addr), not on this one"
    } else {
        "this address serves only the control API (/_sim/)"
    };
    let body = json!({"error": format!("no route for {} {}: {why}", req.method, req.path)});
    (Reply::json(StatusCode::NOT_FOUND, &body), "none", "unknownRoute", None)
}

/// What the server sends: the reply, and how a fault rule shapes its delivery.
pub struct Response {
    pub reply: Reply,
    pub effect: Option<Effect>,
    /// `GET /_sim/events`: the body is this live feed, until the client or the server
    /// goes away.
    pub events: Option<crate::feed::Subscription>,
    /// `GET /_sim/state` on a socket: the body is the state dump, which the server
    /// streams ([`Core::write_dump`] on a blocking thread); `reply` has no body then.
    pub state: bool,
}

/// Whether an answer is the state dump's (whose body the request path writes).
fn is_state_dump(provider: &str, operation: &str, status: u16, method: &Method) -> bool {
    provider == "sim" && operation == crate::admin::STATE_OPERATION && status == 200 && method == Method::GET
}

/// A path as the log shows it: a segment after `tokens` is a credential (a control hook
/// that expires a token names it in its path), so it is left out.
fn loggable(path: &str) -> Cow<'_, str> {
    if !path.contains("/tokens/") {
        return Cow::Borrowed(path);
    }
    let mut after_tokens = false;
    let segs: Vec<&str> = path
        .split('/')
        .map(|seg| {
            let shown = if after_tokens && !seg.is_empty() { "***" } else { seg };
            after_tokens = seg == "tokens";
            shown
        })
        .collect();
    Cow::Owned(segs.join("/"))
}

/// The kind of a fault action, for the log.
fn effect_name(e: &Effect) -> &'static str {
    match e {
        Effect::Status { .. } => "status",
        Effect::Delay(_) | Effect::DelayUntil(_) => "latency",
        Effect::Reset => "reset",
        Effect::Truncate { .. } => "truncate",
        Effect::SlowBody { .. } => "slow_body",
        Effect::Hang(_) => "hang",
        Effect::Resource { .. } => "resource",
    }
}

/// An injected status on a path that no provider owns: there is no native envelope.
fn injected_on_no_route(status: u16) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    Reply::json(status, &json!({"error": "injected by a fault rule"}))
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn logged_paths_leave_out_tokens() {
        assert_eq!(loggable("/v1/organizations/o/services"), "/v1/organizations/o/services");
        assert_eq!(loggable("/_sim/oracle/tokens/s3cret/expire"), "/_sim/oracle/tokens/***/expire");
        assert_eq!(loggable("/_sim/oracle/tokens/"), "/_sim/oracle/tokens/");
    }
}
