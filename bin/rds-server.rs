//! `rds-server [/path/to/redis.conf] [--directive value ...]`, invoked exactly like `redis-server`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use rds_config::Config;
use rds_server::cmd::connection::REDIS_VERSION;

/// Counts every allocation, so `used_memory` (INFO, MEMORY, maxmemory eviction) is what the allocator
/// handed out, like Redis's zmalloc counter. `cap::Cap` is a safe wrapper around the system allocator:
/// the crate implements `GlobalAlloc`, so declaring it here takes no `unsafe` in our code. Its limit
/// stays unbounded: maxmemory is enforced by eviction and OOM replies, never by failing allocations.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Command line of rds-server.
#[derive(Parser, Debug)]
#[command(name = "rds-server", disable_version_flag = true, about = "Redis-compatible data server")]
struct Cli {
    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    version: bool,
    /// Configuration file (redis.conf syntax); `-` reads it from stdin.
    #[arg(value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Directives appended after the file, as `--name value ...`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "--DIRECTIVE VALUE")]
    directives: Vec<String>,
}

/// Splits argv so that a leading `--directive` is not taken for a config path.
fn parse_cli() -> Cli {
    let args: Vec<String> = std::env::args().collect();
    let has_path = args.get(1).is_some_and(|a| !a.starts_with("--") || a == "--");
    if has_path || args.len() < 2 || args[1] == "--version" || args[1] == "--help" {
        return Cli::parse_from(args);
    }
    Cli { version: false, config: None, directives: args[1..].to_vec() }
}

fn main() -> ExitCode {
    rds_server::memory::install_counter(|| ALLOCATOR.allocated());
    let cli = parse_cli();
    if cli.version {
        println!(
            "Redis server v={REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=rds-{}",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(cli.config.as_deref(), &cli.directives) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    match run(config, cli.config.is_some()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config, has_file: bool) -> anyhow::Result<()> {
    rds_log::init(&config.str("loglevel"), &config.str("logfile"))
        .with_context(|| format!("open logfile {}", config.str("logfile")))?;
    rds_server::startup::log_banner(&config, has_file);
    let io_threads = usize::try_from(config.int("io-threads")).unwrap_or(1).max(1);
    let runtime = if io_threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(io_threads).enable_all().build()
    }
    .context("start the async runtime")?;
    runtime.block_on(async move {
        let listeners = rds_server::bind(&config).await?;
        rds_server::Server::new(config).run(listeners).await?;
        Ok(())
    })
}
