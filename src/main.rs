//! The `dbaas-sim` command: parse flags, build a simulator, run it. Nothing else.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use dbaas_sim::{ClockMode, Simulator, DEFAULT_JOURNAL_SIZE};

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

#[derive(Subcommand)]
enum Command {
    /// Serve the simulated APIs over HTTP until SIGINT or SIGTERM.
    Serve(Serve),
    /// Run the steps of YAML scenarios, each against a fresh in-process simulator with
    /// the manual clock; prints one line per step and "N passed, N failed" (exit code 0
    /// only if every step passed).
    Run(Run),
}

#[derive(Parser)]
struct Run {
    /// Scenario files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ClockArg {
    /// Simulated time follows real time (times --speed).
    Real,
    /// Simulated time moves only on POST /_sim/clock/advance.
    Manual,
}

#[derive(Parser)]
struct Serve {
    /// Address to listen on; port 0 picks a free port. The first stdout line names the
    /// address: "dbaas-sim listening on http://HOST:PORT".
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Seed of every generated id, password and random draw: the same seed and the same
    /// requests give the same answers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How simulated time moves.
    #[arg(long, value_enum, default_value = "real")]
    clock: ClockArg,
    /// Simulated seconds per real second with --clock real (e.g. 60: a minute per second).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Request journal capacity (entries kept for GET /_sim/requests).
    #[arg(long, default_value_t = DEFAULT_JOURNAL_SIZE)]
    journal_size: usize,
    /// Set a knob, NAME=VALUE (repeatable); GET /_sim/config lists them all, e.g.
    /// clickhouse.durations.provision=5.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Load a YAML scenario's setup at start: settings, identities, resources, faults and
    /// timeline (repeatable, in order; steps are for `dbaas-sim run`).
    #[arg(long = "scenario", value_name = "FILE")]
    scenario: Vec<std::path::PathBuf>,
    /// Restore the state from this file at start when it exists (a `GET /_sim/state`
    /// dump), and write the state to it on shutdown.
    #[arg(long = "state-file", value_name = "PATH")]
    state_file: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
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

async fn run(args: Run) -> ExitCode {
    let mut out = std::io::stdout();
    let (mut passed, mut failed) = (0, 0);
    for file in &args.files {
        let name = file.display().to_string();
        let results = dbaas_sim::runner::run_file(&name).await;
        let (p, f) = dbaas_sim::runner::report(&name, &results, &mut out);
        passed += p;
        failed += f;
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn serve(args: Serve) -> ExitCode {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eprintln!("dbaas-sim: --speed must be a positive number, got {}", args.speed);
        return ExitCode::from(2);
    }
    let clock = match (args.clock, args.speed) {
        (ClockArg::Manual, _) => ClockMode::Manual,
        (ClockArg::Real, 1.0) => ClockMode::Real,
        (ClockArg::Real, s) => ClockMode::Scaled(s),
    };
    let mut builder = Simulator::builder().addr(args.addr).seed(args.seed).clock(clock).journal_size(args.journal_size);
    for file in &args.scenario {
        builder = builder.scenario(file);
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
    let sim = match builder.start().await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("dbaas-sim: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.state_file {
        if path.exists() {
            let restored = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
                .and_then(|v| sim.restore(&v));
            if let Err(e) = restored {
                eprintln!("dbaas-sim: --state-file {}: {e}", path.display());
                sim.shutdown().await;
                return ExitCode::from(2);
            }
        }
    }
    let signals = Signals::install();
    // The contract: this is the first line on stdout.
    println!("dbaas-sim listening on {}", sim.url());
    tracing::info!(url = %sim.url(), "listening");
    signals.wait().await;
    tracing::info!("shutting down");
    sim.shutdown().await;
    if let Some(path) = &args.state_file {
        let text = serde_json::to_string_pretty(&sim.dump()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("dbaas-sim: cannot write --state-file {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
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

    async fn wait(mut self) {
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
