//! Startup log lines: the ones ops scripts and health checks wait for.

use std::io::IsTerminal;

use rds_config::Config;
use tracing::{info, warn};

/// Logs the startup banner like `redis-server` does, including ` PID: <pid>` when the logo is shown
/// (`always-show-logo yes` or a terminal on stdout).
pub fn log_banner(config: &Config, has_file: bool) {
    let pid = std::process::id();
    warn!("oO0OoO0OoO0Oo rds-server is starting oO0OoO0OoO0Oo");
    warn!(
        "rds version={}, redis_version={}, bits=64, pid={pid}, just started",
        env!("CARGO_PKG_VERSION"),
        crate::cmd::connection::REDIS_VERSION
    );
    if has_file {
        warn!("Configuration loaded");
    } else {
        warn!("Warning: no config file specified, using the default config. In order to specify a config file use rds-server /path/to/redis.conf");
    }
    let unsupported = config.unsupported_in_use();
    if !unsupported.is_empty() {
        warn!(
            "These directives are accepted but not acted on by rds yet (see docs/compat.md): {}",
            unsupported.join(", ")
        );
    }
    let mode = if config.bool("cluster-enabled") { "cluster" } else { "standalone" };
    let port = config.int("port");
    if config.bool("always-show-logo") || std::io::stdout().is_terminal() {
        let logo = format!(
            "\n       _____   ____     _____\n      |  __ \\ |  _ \\   / ____|     rds {version} (Redis {redis} compatible) 64 bit\n      | |__) || | | | | (___\n      |  _  / | | | |  \\___ \\      Running in {mode} mode\n      | | \\ \\ | |_| |  ____) |     Port: {port}\n      |_|  \\_\\|____/  |_____/      PID: {pid}\n",
            version = env!("CARGO_PKG_VERSION"),
            redis = crate::cmd::connection::REDIS_VERSION,
        );
        info!("{logo}");
    } else {
        info!("Running mode={mode}, port={port}.");
    }
}
