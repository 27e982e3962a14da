//! The `dbaas-sim` command: parse flags, build a simulator, run it. Nothing else.
//!
//! Every `serve` flag can also come from an environment variable `DBAAS_SIM_<FLAG>`
//! (`DBAAS_SIM_ADDR`, `DBAAS_SIM_SEED`, ...; a flag on the command line wins), for CI
//! services and containers. Logs go to stderr (`RUST_LOG`, `--log-format`); stdout
//! carries only the listening line (`serve`; with `--admin-addr` a second line names the
//! control API's address) or the step lines (`run`). A second SIGINT or SIGTERM during
//! the shutdown drain exits at once (code 130), without writing `--state-file`.

/// mimalloc instead of the system allocator: every request allocates small, short-lived
/// strings (ids, names, journal entries), and glibc's malloc/free took a fifth of a
/// create's instructions; with mimalloc a create costs about 20% fewer (callgrind).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use dbaas_sim::{ClockMode, Simulator, SimulatorBuilder, DEFAULT_JOURNAL_SIZE};

#[derive(Parser)]
#[command(
    name = "dbaas-sim",
    version,
    about = "Simulates the ClickHouse Cloud, Fujitsu DBaaS and Oracle My Services control-plane APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Built once per run: the size of `Serve` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the simulated APIs over HTTP until SIGINT or SIGTERM.
    Serve(Serve),
    /// Run the steps of YAML scenarios, each against a fresh in-process simulator with
    /// the manual clock; prints one line per step and "N passed, N failed". Exit code 0
    /// only if every step passed, 1 when a step (or a file without steps) failed, 2 when a
    /// file is missing or invalid.
    Run(Run),
}

#[derive(Parser)]
struct Run {
    /// Scenario files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ClockArg {
    /// Simulated time follows real time (times --speed).
    Real,
    /// Simulated time moves only on POST /_sim/clock/advance.
    Manual,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum LogFormat {
    /// One human-readable line per event (colours only when stderr is a terminal).
    Text,
    /// One JSON object per line, fields at the top level.
    Json,
}

#[derive(Parser)]
struct Serve {
    /// Address to listen on, HOST:PORT (a host name such as localhost is resolved, IPv4
    /// first); port 0 picks a free port. The first stdout line names the address:
    /// "dbaas-sim listening on http://HOST:PORT".
    #[arg(long, env = "DBAAS_SIM_ADDR", default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    addr: String,
    /// Seed of every generated id, password and random draw: the same seed and the same
    /// requests give the same answers.
    #[arg(long, env = "DBAAS_SIM_SEED", default_value_t = 0)]
    seed: u64,
    /// How simulated time moves.
    #[arg(long, env = "DBAAS_SIM_CLOCK", value_enum, default_value = "real")]
    clock: ClockArg,
    /// Simulated seconds per real second with --clock real (e.g. 60: a minute per second).
    #[arg(long, env = "DBAAS_SIM_SPEED", default_value_t = 1.0)]
    speed: f64,
    /// Request journal capacity (entries kept for GET /_sim/requests).
    #[arg(long, env = "DBAAS_SIM_JOURNAL_SIZE", default_value_t = DEFAULT_JOURNAL_SIZE)]
    journal_size: usize,
    /// Set a knob, NAME=VALUE (repeatable); GET /_sim/config lists them all, e.g.
    /// clickhouse.durations.provision=5. In DBAAS_SIM_SET, separate assignments with ';'.
    #[arg(long = "set", env = "DBAAS_SIM_SET", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Load a YAML scenario's setup at start: settings, identities, resources, faults and
    /// timeline (repeatable, in order; steps are for `dbaas-sim run`). In
    /// DBAAS_SIM_SCENARIO, separate files like PATH does (':').
    #[arg(long = "scenario", env = "DBAAS_SIM_SCENARIO", value_name = "FILE")]
    scenario: Vec<PathBuf>,
    /// Keep the state in this file: restored at start when it holds a dump (a `GET
    /// /_sim/state` body), written atomically within about a second of every change and
    /// on shutdown. Checked for writing at start; a file that is not a dbaas-sim state
    /// dump of a version this build reads is refused (exit code 2) and left as it is.
    #[arg(long = "state-file", env = "DBAAS_SIM_STATE_FILE", value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Require `Authorization: Bearer TOKEN` on every /_sim/ request (401 otherwise; the
    /// dashboard's files stay open, open it as /_sim/ui#token=TOKEN). Prefer the
    /// environment variable: a command line is visible to every user of the machine.
    #[arg(long, env = "DBAAS_SIM_ADMIN_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    admin_token: Option<String>,
    /// Serve the control API (/_sim/) on this address only, HOST:PORT; the main address
    /// then answers /_sim/ with 404. The second stdout line names it: "dbaas-sim control
    /// API on http://HOST:PORT".
    #[arg(long, env = "DBAAS_SIM_ADMIN_ADDR", value_name = "HOST:PORT")]
    admin_addr: Option<String>,
    /// Seconds a client may take to send a request's head, from the connection's start
    /// or the end of the previous answer; then the connection is closed.
    #[arg(long, env = "DBAAS_SIM_HEADER_READ_TIMEOUT", default_value = "30", value_name = "SECONDS")]
    header_read_timeout: String,
    /// Seconds a client may take to send a whole request body; then the connection is
    /// closed.
    #[arg(long, env = "DBAAS_SIM_BODY_READ_TIMEOUT", default_value = "60", value_name = "SECONDS")]
    body_read_timeout: String,
    /// Seconds a connection with no request in flight and no byte moving stays open (an
    /// open /_sim/events stream is in flight). HTTP/1 connections waiting for their next
    /// request are also bound by --header-read-timeout.
    #[arg(long, env = "DBAAS_SIM_IDLE_TIMEOUT", default_value = "60", value_name = "SECONDS")]
    idle_timeout: String,
    /// Connections served at once, per address; one more is accepted and closed at once.
    /// Default 10000, or fewer when the limit on open files (ulimit -n) is lower.
    #[arg(long, env = "DBAAS_SIM_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,
    /// Log lines on stderr: text or json. RUST_LOG chooses what is logged (default
    /// warn; info: one line per request, transition and fired fault).
    #[arg(long, env = "DBAAS_SIM_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

fn main() -> ExitCode {
    dbaas_sim::prefer_small_pages();
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let (Command::Serve(args), Some(("serve", m))) = (&mut cli.command, matches.subcommand()) {
        split_environment_lists(args, m);
    }
    let format = match &cli.command {
        Command::Serve(args) => args.log_format,
        Command::Run(_) => LogFormat::Text,
    };
    init_logs(format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dbaas-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Run(args) => runtime.block_on(run(args)),
    }
}

/// A list flag given by its environment variable is one string: `DBAAS_SIM_SET` holds
/// assignments separated by ';' (a ',' may sit in a JSON value), `DBAAS_SIM_SCENARIO`
/// files separated like `PATH`. On the command line each flag is one value.
fn split_environment_lists(args: &mut Serve, m: &clap::ArgMatches) {
    let from_env = |id: &str| m.value_source(id) == Some(clap::parser::ValueSource::EnvVariable);
    if from_env("set") {
        args.set = args
            .set
            .iter()
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if from_env("scenario") {
        args.scenario =
            args.scenario.iter().flat_map(std::env::split_paths).filter(|p| !p.as_os_str().is_empty()).collect();
    }
}

/// Logs on stderr, filtered by `RUST_LOG` (default `warn`); colours only on a terminal.
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_ansi(false).flatten_event(true).with_current_span(false).init(),
    }
}

async fn run(args: Run) -> ExitCode {
    let mut out = std::io::stdout();
    let (mut passed, mut failed, mut unrunnable) = (0, 0, false);
    for file in &args.files {
        let name = file.display().to_string();
        match dbaas_sim::runner::run_path(&name).await {
            Ok(results) => {
                let (p, f) = dbaas_sim::runner::report(&name, &results, &mut out);
                passed += p;
                failed += f;
            }
            Err(why) => {
                // Missing or invalid: the message names the file (and the line) once.
                println!("FAIL  {why}");
                failed += 1;
                unrunnable = true;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if unrunnable {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `HOST:PORT` to socket addresses, IPv4 first ("localhost" is 127.0.0.1 to most
/// clients, and the listening line then reads like the default).
fn resolve(flag: &str, addr: &str) -> Result<Vec<SocketAddr>, String> {
    use std::net::ToSocketAddrs;
    let hint = "expected HOST:PORT, e.g. 127.0.0.1:8080, localhost:8080 or [::1]:0";
    let mut addrs: Vec<SocketAddr> =
        addr.to_socket_addrs().map_err(|e| format!("{flag} {addr}: {e} ({hint})"))?.collect();
    addrs.sort_by_key(SocketAddr::is_ipv6);
    addrs.dedup();
    if addrs.is_empty() {
        return Err(format!("{flag} {addr}: the name has no address ({hint})"));
    }
    Ok(addrs)
}

/// A timeout flag: seconds, a decimal number above 0 and at most a day.
fn seconds(value: &str) -> Result<Duration, String> {
    match value.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err("expected a number of seconds above 0 and at most 86400 (a day), e.g. 30 or 0.5".into()),
    }
}

/// The loud warning of a control API that anyone on the network can drive.
fn warn_if_exposed(control: SocketAddr, has_token: bool) {
    if has_token || control.ip().is_loopback() {
        return;
    }
    eprintln!(
        "dbaas-sim: WARNING: the control API (/_sim/) listens on {control}, which is not a loopback address, \
         and has no admin token: anyone who can reach it can reset, rewrite or read the whole state. \
         Set --admin-token (or DBAAS_SIM_ADMIN_TOKEN), or serve it on a loopback --admin-addr."
    );
}

async fn serve(args: Serve) -> ExitCode {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eprintln!("dbaas-sim: --speed must be a positive number, got {}", args.speed);
        return ExitCode::from(2);
    }
    let addrs = match resolve("--addr", &args.addr) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("dbaas-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let clock = match (args.clock, args.speed) {
        (ClockArg::Manual, _) => ClockMode::Manual,
        (ClockArg::Real, 1.0) => ClockMode::Real,
        (ClockArg::Real, s) => ClockMode::Scaled(s),
    };
    let mut builder = Simulator::builder().seed(args.seed).clock(clock).journal_size(args.journal_size);
    for (flag, value, set) in [
        ("--header-read-timeout", &args.header_read_timeout, SimulatorBuilder::header_read_timeout as fn(_, _) -> _),
        ("--body-read-timeout", &args.body_read_timeout, SimulatorBuilder::body_read_timeout),
        ("--idle-timeout", &args.idle_timeout, SimulatorBuilder::idle_timeout),
    ] {
        match seconds(value) {
            Ok(d) => builder = set(builder, d),
            Err(e) => {
                eprintln!("dbaas-sim: {flag} {value}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match args.max_connections {
        Some(0) => {
            eprintln!("dbaas-sim: --max-connections must be at least 1");
            return ExitCode::from(2);
        }
        Some(n) => builder = builder.max_connections(n),
        None => {}
    }
    let token = match args.admin_token.as_deref() {
        Some(t) if t.trim().is_empty() => {
            eprintln!("dbaas-sim: --admin-token must not be empty");
            return ExitCode::from(2);
        }
        Some(t) if t.chars().any(|c| c.is_control() || c == ' ') => {
            eprintln!("dbaas-sim: --admin-token must be one word of printable characters (it is sent in a header)");
            return ExitCode::from(2);
        }
        other => other,
    };
    if let Some(t) = token {
        builder = builder.admin_token(t);
    }
    let admin_addrs = match args.admin_addr.as_deref().map(|a| resolve("--admin-addr", a)).transpose() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("dbaas-sim: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(a) = admin_addrs.as_ref().and_then(|a| a.first()) {
        builder = builder.admin_addr(*a);
    }
    for file in &args.scenario {
        builder = builder.scenario(file);
    }
    if let Some(path) = &args.state_file {
        builder = builder.state_file(path);
    }
    for assignment in &args.set {
        match dbaas_sim::config::parse_assignment(assignment) {
            Ok((name, value)) => builder = builder.set(name, value),
            Err(e) => {
                eprintln!("dbaas-sim: --set: {e}");
                return ExitCode::from(2);
            }
        }
    }
    // The first address that binds; another error (a refused knob, a bad scenario) is
    // the same for every address.
    let mut started = None;
    for addr in &addrs {
        match builder.clone().addr(*addr).start().await {
            Ok(sim) => {
                started = Some(Ok(sim));
                break;
            }
            Err(e @ dbaas_sim::Error::Bind(_)) => started = Some(Err(format!("--addr {addr}: {e}"))),
            Err(dbaas_sim::Error::AdminBind(e)) => {
                let admin = args.admin_addr.as_deref().unwrap_or_default();
                started = Some(Err(format!("--admin-addr {admin}: cannot bind: {e}")));
                break;
            }
            Err(e @ dbaas_sim::Error::State(_)) => {
                let path = args.state_file.as_deref().unwrap_or(std::path::Path::new("")).display();
                started = Some(Err(format!("--state-file {path}: {e}")));
                break;
            }
            Err(e) => {
                started = Some(Err(e.to_string()));
                break;
            }
        }
    }
    let sim = match started {
        Some(Ok(sim)) => sim,
        Some(Err(e)) => {
            eprintln!("dbaas-sim: {e}");
            return ExitCode::from(2);
        }
        None => unreachable!("resolve answers at least one address"),
    };
    let mut signals = Signals::install();
    warn_if_exposed(sim.admin_addr().unwrap_or(sim.addr()), token.is_some());
    // The contract: this is the first line on stdout.
    println!("dbaas-sim listening on {}", sim.url());
    if sim.admin_addr().is_some() {
        println!("dbaas-sim control API on {}", sim.admin_url());
    }
    tracing::info!(url = %sim.url(), "listening");
    signals.wait().await;
    tracing::info!("shutting down");
    // In-flight requests are answered; a second signal gives up on them at once.
    let forced = tokio::spawn(async move {
        signals.wait().await;
        eprintln!("dbaas-sim: second signal: exiting at once, without finishing in-flight requests");
        std::process::exit(130);
    });
    let closed = sim.close().await;
    forced.abort();
    if let Err(e) = closed {
        eprintln!("dbaas-sim: --state-file: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, registered before the listening line is printed: a supervisor
/// that signals as soon as it reads that line must find the handlers in place.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals { term: signal(SignalKind::terminate()).ok(), int: signal(SignalKind::interrupt()).ok() }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = recv(&mut self.term) => {}
                _ = recv(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
