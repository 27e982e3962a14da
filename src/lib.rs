//! dbaas-sim: an in-memory simulator of the ClickHouse Cloud, Fujitsu DBaaS and Oracle
//! My Services control-plane APIs, for test harnesses, chaos runs and load tests.
//!
//! Start one per test, in-process, on an ephemeral port with the manual clock:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), dbaas_sim::Error> {
//! use std::time::Duration;
//! use dbaas_sim::{ClockMode, Simulator};
//!
//! let sim = Simulator::builder().seed(42).clock(ClockMode::Manual).start().await?;
//! assert!(sim.url().starts_with("http://127.0.0.1:"));
//! // ... point the client under test at sim.url() with HTTP Basic sim-key:sim-secret ...
//! let transitions = sim.advance(Duration::from_secs(60)); // provisioning -> running, ...
//! assert!(transitions.is_empty()); // nothing was created in this example
//! sim.reset();
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! Imports run downwards: `server → pipeline → {admin, providers} → core`.
//! - core: [`clock`] (simulated time), [`lifecycle`] (scheduled transitions), [`store`]
//!   (sharded tables), [`ids`] (seeded ids), [`journal`] (request log), [`config`] (knobs),
//!   [`http`] (request/reply values), [`validation`] (typed field errors), [`faults`]
//!   (fault rules), [`timeline`] (scenario timeline actions), [`feed`] (the live feed of
//!   transitions, requests, clock moves and fault changes), [`persist`] (the state
//!   file: its checks, its atomic write, the writer behind every change), `sim` (the
//!   core state: clock advances, reset, dump, restore);
//! - [`provider`]: the seam, the one trait every provider implements;
//! - [`providers`]: the registry (one line per provider) and one folder per provider API,
//!   each owning its wire format, rules and state machine;
//! - `admin` (the `/_sim/` control API, its event stream and the dashboard), [`scenario`] (the YAML model and its loader),
//!   `pipeline` (the one request path), `server` (hyper);
//! - [`runner`]: runs a scenario's steps over HTTP against a [`Simulator`].

/// Turns transparent huge pages off for this process (Linux; elsewhere nothing), unless
/// `MIMALLOC_ALLOW_THP` is set, which then decides as the allocator documents it.
///
/// The allocator asks the kernel for huge pages for its arenas (`madvise`), and the
/// first touch of each 2 MiB page zeroes it whole: the request that happens to grow the
/// heap (a create, which keeps its resource) stalled for 3-4 ms on the two-core load
/// machine, which set the creates' p99 at 64 connections (issue 12: CH 6.7 ms, Fujitsu
/// 7.3 ms; with small pages 5.2 and 4.6 ms, the same total work spread evenly). The
/// `dbaas-sim` binary and the load bench call it first thing; an embedding program
/// decides for itself.
pub fn prefer_small_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` only sets a flag of this
        // process; it reads and writes no memory of ours. A failure (an old kernel)
        // leaves huge pages on, which is only slower.
        let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

pub mod clock;
pub mod config;
pub mod dump;
pub mod faults;
pub mod feed;
pub mod glob;
pub mod hash;
pub mod http;
pub mod id;
pub mod ids;
pub mod journal;
pub mod json_text;
pub mod lifecycle;
pub mod persist;
pub mod provider;
pub mod providers;
pub mod runner;
pub mod scenario;
pub mod secret;
pub mod sparse;
pub mod store;
pub mod timeline;
pub mod validation;

mod admin;
mod body;
mod pipeline;
mod server;
mod sim;

/// The fuzzing harness shared by `fuzz/` and the corpus-replay test; not a supported API.
#[doc(hidden)]
pub mod fuzzing;

/// The README's Rust examples, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::clock::ClockMode;
pub use crate::http::{Reply, Request};
pub use crate::provider::Transition;

/// Why a simulator could not start.
#[derive(Debug)]
pub enum Error {
    /// The listening address could not be bound.
    Bind(std::io::Error),
    /// The control API's own address (`admin_addr`) could not be bound.
    AdminBind(std::io::Error),
    /// A knob name or value was refused.
    Config(String),
    /// The state file cannot be written, or holds what cannot be restored (it is left
    /// as it is).
    State(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Bind(e) => write!(f, "cannot bind: {e}"),
            Error::AdminBind(e) => write!(f, "cannot bind the admin address: {e}"),
            Error::Config(e) | Error::State(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

/// The longest connection timeout the builder takes (a day); longer ones are cut to it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// Default journal capacity (entries).
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;

/// Configures and starts a [`Simulator`].
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    addr: SocketAddr,
    seed: u64,
    clock: ClockMode,
    journal_size: usize,
    settings: Vec<(String, Value)>,
    scenarios: Vec<std::path::PathBuf>,
    admin_token: Option<Redacted>,
    admin_addr: Option<SocketAddr>,
    limits: server::Limits,
    state_file: Option<std::path::PathBuf>,
}

/// A secret that `Debug` does not show.
#[derive(Clone)]
struct Redacted(String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 0,
            clock: ClockMode::Manual,
            journal_size: DEFAULT_JOURNAL_SIZE,
            settings: Vec::new(),
            scenarios: Vec::new(),
            admin_token: None,
            admin_addr: None,
            limits: server::Limits::default(),
            state_file: None,
        }
    }
}

impl SimulatorBuilder {
    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Seed of every generated id, password and random draw (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Clock mode (default [`ClockMode::Manual`] for the library; the CLI defaults to real).
    pub fn clock(mut self, clock: ClockMode) -> Self {
        self.clock = clock;
        self
    }

    /// Journal capacity in entries (default [`DEFAULT_JOURNAL_SIZE`]).
    pub fn journal_size(mut self, n: usize) -> Self {
        self.journal_size = n;
        self
    }

    /// Sets a knob (`clickhouse.durations.provision`, ...) before start.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.settings.push((name.into(), value.into()));
        self
    }

    /// Loads a YAML scenario's setup (settings, identities, resources, faults, timeline)
    /// at start; repeatable, in order. Its steps are not run (see `runner`).
    pub fn scenario(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.scenarios.push(path.into());
        self
    }

    /// Requires `Authorization: Bearer TOKEN` on every `/_sim/` request that comes over
    /// the network (401 otherwise; the dashboard's static files stay open). In-process
    /// calls ([`Handle::request`], [`Simulator::advance`], ...) need no token.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(Redacted(token.into()));
        self
    }

    /// Serves the control API (`/_sim/`) on this address only; the main address then
    /// answers `/_sim/` with 404 (see [`Simulator::admin_url`]).
    pub fn admin_addr(mut self, addr: SocketAddr) -> Self {
        self.admin_addr = Some(addr);
        self
    }

    /// The longest a client may take to send a request's head, from the connection's
    /// start or the end of the previous answer (default 30 s, at most [`MAX_TIMEOUT`]).
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.limits.header_read_timeout = d.min(MAX_TIMEOUT);
        self
    }

    /// The longest a client may take to send a whole request body (default 60 s); then
    /// the connection is closed.
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.limits.body_read_timeout = d.min(MAX_TIMEOUT);
        self
    }

    /// How long a connection with no request in flight and no byte moving is kept open
    /// (default 60 s). A response being streamed (`/_sim/events`) is in flight.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.limits.idle_timeout = d.min(MAX_TIMEOUT);
        self
    }

    /// Connections served at once, per address (default 10,000, or fewer when the limit
    /// on open files is lower); one more is accepted and closed at once.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.max_connections = n.max(1);
        self
    }

    /// Keeps the state in this file (`--state-file`): checked for writing at start,
    /// restored from when it holds a dump (after the scenarios), written within about a
    /// second of every change and at [`Simulator::shutdown`]. A file that is not a state
    /// dump of this simulator, or of a version it cannot read, fails the start and is left
    /// as it is; an empty file is no state yet.
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Builds the simulator's state without a server: answer requests in-process with
    /// [`Handle::request`] (fuzzing, scenario steps).
    pub fn build(&self) -> Result<Handle, Error> {
        let core = sim::Core::new(self.clock, self.seed, self.journal_size);
        for (name, value) in &self.settings {
            core.set_knob(name, value).map_err(Error::Config)?;
        }
        for path in &self.scenarios {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| Error::Config(format!("{name}: {e}")))?;
            let s = scenario::parse(&name, &text).map_err(Error::Config)?;
            scenario::load::load(&core, &s).map_err(|e| Error::Config(format!("{name}: {e}")))?;
        }
        for k in core.knobs() {
            k.mark_baseline();
        }
        Ok(Handle { core: Arc::new(core) })
    }

    /// Binds, starts serving, and answers once the socket is listening.
    pub async fn start(self) -> Result<Simulator, Error> {
        let handle = self.build()?;
        let state_file = match &self.state_file {
            Some(path) => {
                persist::check_writable(path).map_err(Error::State)?;
                if let Some(dump) = persist::read(path).map_err(Error::State)? {
                    handle.core.restore(&dump).map_err(|e| Error::State(format!("cannot be restored: {e}")))?;
                }
                Some(Arc::new(persist::StateFile::new(path.clone())))
            }
            None => None,
        };
        let listener = TcpListener::bind(self.addr).await.map_err(Error::Bind)?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let admin = match self.admin_addr {
            Some(a) => Some(TcpListener::bind(a).await.map_err(Error::AdminBind)?),
            None => None,
        };
        let admin_addr = match &admin {
            Some(l) => Some(l.local_addr().map_err(Error::AdminBind)?),
            None => None,
        };
        let guard = Arc::new(admin::Guard::new(self.admin_token.as_ref().map(|t| t.0.as_str())));
        let (tx, rx) = watch::channel(());
        let main = server::Listener {
            listener,
            serves: if admin.is_some() { pipeline::Serves::Providers } else { pipeline::Serves::Everything },
            guard: guard.clone(),
            limits: self.limits,
        };
        let mut tasks = vec![tokio::spawn(server::serve(main, handle.core.clone(), rx.clone()))];
        if let Some(listener) = admin {
            let control = server::Listener { listener, serves: pipeline::Serves::Control, guard, limits: self.limits };
            tasks.push(tokio::spawn(server::serve(control, handle.core.clone(), rx.clone())));
        }
        if self.clock != ClockMode::Manual {
            tasks.push(tokio::spawn(server::drive(handle.core.clone(), rx.clone())));
        }
        if let Some(file) = &state_file {
            tasks.push(tokio::spawn(persist::write_behind(handle.core.clone(), file.clone(), rx)));
        }
        Ok(Simulator {
            inner: Arc::new(Inner {
                handle,
                addr,
                admin_addr,
                shutdown: Mutex::new(Some(tx)),
                tasks: Mutex::new(tasks),
                state_file,
            }),
        })
    }
}

/// The simulator's state, answering requests in-process (no socket).
#[derive(Clone)]
pub struct Handle {
    core: Arc<sim::Core>,
}

impl Handle {
    /// Runs one request through the same path the server uses.
    pub fn request(&self, req: Request) -> Reply {
        self.core.handle(req)
    }

    /// Moves the simulated clock forward, applying every due transition in time order.
    pub fn advance(&self, d: Duration) -> Vec<Transition> {
        self.core.advance(d, usize::MAX).1.transitions
    }

    /// Back to the default identities and an empty world, clock to its start.
    pub fn reset(&self) {
        self.core.reset()
    }

    /// Loads a parsed scenario's setup (all or nothing).
    pub fn load_scenario(&self, s: &scenario::Scenario) -> Result<(), String> {
        scenario::load::load(&self.core, s)
    }
}

struct Inner {
    handle: Handle,
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    shutdown: Mutex<Option<watch::Sender<()>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    state_file: Option<Arc<persist::StateFile>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping the sender stops the accept loop and the driver; in-flight requests
        // finish on their connection tasks.
        self.shutdown.get_mut().map(Option::take).ok();
    }
}

/// A running simulator. Cheap to clone; the server stops when the last clone is dropped
/// or on [`Simulator::shutdown`].
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl Simulator {
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Where the control API (`/_sim/`) is served: `http://ADMIN_ADDR` with
    /// [`SimulatorBuilder::admin_addr`], else [`Simulator::url`].
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.inner.admin_addr.unwrap_or(self.inner.addr))
    }

    /// The control API's own address, when it has one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.inner.admin_addr
    }

    /// The in-process handle on the same state.
    pub fn handle(&self) -> &Handle {
        &self.inner.handle
    }

    /// Moves the simulated clock forward, applying every due transition in time order
    /// before it returns.
    pub fn advance(&self, d: Duration) -> Vec<Transition> {
        self.inner.handle.advance(d)
    }

    /// Back to the default identities and an empty world, clock to its start.
    pub fn reset(&self) {
        self.inner.handle.reset()
    }

    /// Loads a parsed scenario's setup (settings, identities, resources, faults,
    /// timeline): all or nothing.
    pub fn load_scenario(&self, s: &scenario::Scenario) -> Result<(), String> {
        self.inner.handle.load_scenario(s)
    }

    /// Everything `GET /_sim/state` shows: clock, knobs, resources, pending transitions,
    /// timeline, fault rules. The streamed dump's text, parsed: a whole `Value` tree,
    /// so a very large world is better dumped over HTTP or to the state file.
    pub fn dump(&self) -> Value {
        self.inner.handle.core.dump()
    }

    /// Restores a [`Simulator::dump`] (all or nothing), as `PUT /_sim/state` does.
    pub fn restore(&self, dump: &Value) -> Result<(), String> {
        self.inner.handle.core.restore(dump)
    }

    /// Scenario variables naming the default identities (`clickhouse.org`, ...).
    pub fn variables(&self) -> Vec<(String, String)> {
        self.inner.handle.core.world.variables()
    }

    /// The request headers of a scenario step's `auth:`.
    pub fn auth_headers(&self, auth: Option<&scenario::Auth>) -> Result<Vec<(String, String)>, String> {
        Ok(match auth {
            None => Vec::new(),
            Some(scenario::Auth::Named(n)) if n == "none" => Vec::new(),
            Some(scenario::Auth::Named(n)) => {
                self.inner.handle.core.world.default_auth(n).ok_or_else(|| {
                    format!("auth '{n}' is not a provider (use none, a provider name, basic or bearer)")
                })?
            }
            Some(scenario::Auth::Basic { basic }) => {
                vec![("authorization".into(), http::basic(&basic.user, &basic.password))]
            }
            Some(scenario::Auth::Bearer { bearer }) => vec![("authorization".into(), format!("Bearer {bearer}"))],
        })
    }

    /// Stops accepting, lets in-flight requests finish, waits until the server is down,
    /// and writes the state file (when there is one; a failure is logged, see
    /// [`Simulator::close`]).
    pub async fn shutdown(&self) {
        if let Err(e) = self.close().await {
            tracing::error!(error = %e, "cannot write the state file");
        }
    }

    /// [`Simulator::shutdown`], answering whether the final write of the state file
    /// succeeded.
    pub async fn close(&self) -> Result<(), Error> {
        self.inner.shutdown.lock().unwrap_or_else(|p| p.into_inner()).take();
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        let had_tasks = !tasks.is_empty();
        for t in tasks {
            let _ = t.await;
        }
        // Written once, by the first close: a second one finds no tasks.
        match &self.inner.state_file {
            Some(file) if had_tasks => self.save_to(file),
            _ => Ok(()),
        }
    }

    /// Writes the state file now (nothing without one): what the writer does within a
    /// second of a change anyway.
    pub fn save_state(&self) -> Result<(), Error> {
        match &self.inner.state_file {
            Some(file) => self.save_to(file),
            None => Ok(()),
        }
    }

    fn save_to(&self, file: &persist::StateFile) -> Result<(), Error> {
        file.save(&self.inner.handle.core)
            .map_err(|e| Error::State(format!("cannot write {}: {e}", file.path().display())))
    }
}
