//! `rds-sentinel /path/to/sentinel.conf [--directive value ...]`, invoked exactly like
//! `redis-sentinel`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use rds_config::REDIS_VERSION;
use rds_sentinel::acl_users::AclUsers;
use rds_sentinel::config::{self, ConfigError, SentinelConfig};
use rds_sentinel::pubsub::EventBus;
use rds_sentinel::server::{self, ServeOptions, ServerStats};
use rds_sentinel::CoreRequest;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, oneshot};

/// Requests queued for the core at most; connections wait (backpressure) beyond that.
const CORE_QUEUE: usize = 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => {
            println!(
                "Redis server v={REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=rds-{}",
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Some("-h" | "--help") => {
            eprintln!("Usage: ./rds-sentinel [/path/to/sentinel.conf] [options] [-]");
            eprintln!("       ./rds-sentinel -v or --version");
            eprintln!("       ./rds-sentinel -h or --help");
            return ExitCode::FAILURE;
        }
        _ => {}
    }
    // Like redis-server's main(): a first argument not starting with "--" is the config file.
    let (path, directives) = match args.split_first() {
        Some((first, rest)) if !first.starts_with("--") => (Some(PathBuf::from(first)), rest.to_vec()),
        _ => (None, args.clone()),
    };
    let Some(path) = path else {
        early_log("Sentinel needs config file on disk to save state. Exiting...");
        return ExitCode::FAILURE;
    };
    let config = match SentinelConfig::load(&path, &directives) {
        Ok(config) => config,
        Err(error @ ConfigError::Open { .. }) => {
            early_log(&error.to_string());
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    if config.daemonize && std::env::var_os(DAEMON_MARKER).is_none() {
        return daemonize();
    }
    match run(config, &path) {
        Ok(code) => code,
        Err(error) => {
            tracing::warn!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Set in the environment of the background copy `daemonize yes` starts.
const DAEMON_MARKER: &str = "RDS_SENTINEL_DAEMONIZED";

/// `daemonize yes` without `fork()` (unsafe code is forbidden here): the process starts a copy of
/// itself with the same arguments, detached from the terminal (its own process group, standard
/// streams on /dev/null), and exits with status 0 as Redis's parent does after forking; the copy
/// runs the sentinel and writes the pidfile.
fn daemonize() -> ExitCode {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("Can't daemonize: {error}");
            return ExitCode::FAILURE;
        }
    };
    let spawned = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(DAEMON_MARKER, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    match spawned {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Can't daemonize: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A log line written before logging is set up (Redis logs to stdout by default).
fn early_log(message: &str) {
    let pid = std::process::id();
    println!("{pid}:X {} # {message}", rds_log::timestamp(std::time::SystemTime::now()));
}

fn run(config: SentinelConfig, path: &Path) -> anyhow::Result<ExitCode> {
    rds_log::init(&config.loglevel, &config.logfile).with_context(|| format!("open logfile {}", config.logfile))?;
    rds_log::set_role_char(b'X');
    let config_path = match config::check_config_file(Some(path)) {
        Ok(absolute) => absolute,
        Err(message) => {
            tracing::warn!("{message}");
            return Ok(ExitCode::FAILURE);
        }
    };
    tracing::warn!("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid={}, just started",
        std::process::id()
    );
    tracing::warn!("Configuration loaded");
    // Like Redis's createPidFile: a daemon always writes one, by default /var/run/redis.pid.
    let pidfile = match (&config.pidfile, config.daemonize) {
        (Some(path), _) => Some(PathBuf::from(path)),
        (None, true) => Some(PathBuf::from("/var/run/redis.pid")),
        (None, false) => None,
    };
    if let Some(pidfile) = &pidfile {
        if let Err(error) = std::fs::write(pidfile, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {error}");
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("start the runtime")?;
    let code = runtime.block_on(serve_and_run(config, config_path));
    if let Some(pidfile) = &pidfile {
        let _ = std::fs::remove_file(pidfile);
    }
    Ok(code)
}

async fn serve_and_run(config: SentinelConfig, config_path: PathBuf) -> ExitCode {
    let listeners = match server::bind(&config).await {
        Ok(listeners) => listeners,
        Err(error) => {
            tracing::warn!("{error}");
            if !matches!(error, server::BindError::NoListeners(_)) {
                tracing::warn!("Failed listening on port {} (TCP), aborting.", config.port);
            }
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("Running mode=sentinel, port={}.", config.port);
    let bus = EventBus::new();
    let stats = Arc::new(ServerStats::new());
    let (core_tx, core_rx) = mpsc::channel::<CoreRequest>(CORE_QUEUE);
    let users = match AclUsers::from_config(config.requirepass.as_deref(), &config.server.0.lines("user")) {
        Ok(users) => Arc::new(users),
        Err(error) => {
            tracing::warn!("{}", error.0);
            return ExitCode::FAILURE;
        }
    };
    let options = ServeOptions::from_config(&config, users.clone());
    tokio::spawn(server::serve(listeners, options, core_tx.clone(), bus.clone(), stats.clone()));
    let mut core = tokio::spawn(rds_sentinel::core::run(config, config_path, core_rx, bus, stats, users));
    let (Ok(mut sigterm), Ok(mut sigint)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::warn!("Could not install the signal handlers");
        return ExitCode::FAILURE;
    };
    let signal_name = tokio::select! {
        result = &mut core => return core_exit(result),
        _ = sigterm.recv() => "SIGTERM",
        _ = sigint.recv() => "SIGINT",
    };
    rds_log::log_from_handler(&format!("Received {signal_name} scheduling shutdown..."));
    // The core flushes the config and says goodbye exactly as for a SHUTDOWN command.
    let (reply, _ignored) = oneshot::channel();
    let shutdown = CoreRequest { args: vec!["SHUTDOWN".into()], protocol: rds_resp::Protocol::Resp2, reply };
    if core_tx.send(shutdown).await.is_err() {
        return ExitCode::SUCCESS;
    }
    core_exit(core.await)
}

fn core_exit(result: Result<Result<(), rds_sentinel::core::SentinelError>, tokio::task::JoinError>) -> ExitCode {
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            tracing::warn!("{error}");
            ExitCode::FAILURE
        }
        Err(error) => {
            tracing::warn!("sentinel core failed: {error}");
            ExitCode::FAILURE
        }
    }
}
