//! Startup, listeners, the periodic cron (active expiry, rehashing, stats) and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rds_config::Config;
use thiserror::Error;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::dispatch::propagate_expired;
use crate::state::{now_ms, ServerState, Shared};

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// A mandatory bind address could not be listened on.
    #[error("Warning: Could not create server TCP listening socket {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Nothing to listen on.
    #[error("Configured to not listen anywhere, exiting.")]
    NoListeners,
    /// The dataset on disk could not be loaded (the message names the file and the offset).
    #[error("Fatal error loading the DB: {0}. Exiting.")]
    Load(String),
}

/// Parses the `bind` value into (address, optional) pairs: `-` marks an address whose failure is
/// tolerated, `*` and `::*` mean every IPv4 / IPv6 address.
pub fn bind_addresses(bind: &str, port: u16) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for word in bind.split_whitespace() {
        let (optional, addr) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let addr = match addr {
            "*" => format!("0.0.0.0:{port}"),
            "::*" => format!("[::]:{port}"),
            a if a.contains(':') => format!("[{a}]:{port}"),
            a => format!("{a}:{port}"),
        };
        out.push((addr, optional));
    }
    // Bind IPv4 first: on hosts where [::] also covers IPv4 the later IPv6 bind is the one that fails.
    out.sort_by_key(|(addr, _)| addr.starts_with('['));
    out
}

/// Binds the listeners the config asks for.
pub async fn bind(config: &Config) -> Result<Vec<TcpListener>, StartError> {
    let port = u16::try_from(config.int("port")).unwrap_or(6379);
    if port == 0 {
        return Ok(Vec::new());
    }
    let mut listeners = Vec::new();
    for (addr, optional) in bind_addresses(&config.str("bind"), port) {
        match TcpListener::bind(&addr).await {
            Ok(listener) => listeners.push(listener),
            Err(error) if optional => {
                tracing::debug!("optional bind {addr} failed: {error}");
            }
            Err(source) => return Err(StartError::Bind { addr, source }),
        }
    }
    if listeners.is_empty() {
        return Err(StartError::NoListeners);
    }
    Ok(listeners)
}

/// A running server's handle.
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// Builds the server state from `config`.
    pub fn new(config: Config) -> Self {
        Server { shared: Shared::new(ServerState::new(config)) }
    }

    /// The shared state (for tests and the persistence/replication layers).
    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Serves clients on `listeners` until SHUTDOWN or a termination signal; fails when the dataset on
    /// disk cannot be loaded.
    pub async fn run(self, listeners: Vec<TcpListener>) -> Result<(), StartError> {
        let port = listeners.first().and_then(|l| l.local_addr().ok()).map_or(0, |a| a.port());
        let has_data = {
            let mut state = self.shared.lock();
            state.port = port;
            // Clients accepted before the dataset is loaded get -LOADING.
            let has_data = crate::persist::load::has_data_to_load(&state);
            if has_data {
                crate::persist::load::mark_loading(&mut state);
            }
            has_data
        };
        rds_log::set_role_char(b'M');
        info!("Server initialized");
        let shutdown = self.shared.shutdown.clone();
        // With nothing on disk there is no loading phase, so the (empty) load and the AOF opening
        // finish before the first client is accepted: a write accepted earlier would be counted out of
        // `dirty` and miss the AOF the load opens.
        let mut pending_load = None;
        if has_data {
            pending_load = Some(load_dataset(self.shared.clone()));
        } else if let Err(error) = load_dataset(self.shared.clone()).await {
            warn!("Fatal error loading the DB: {error}. Exiting.");
            return Err(StartError::Load(error));
        }
        for listener in listeners {
            tokio::spawn(accept_loop(self.shared.clone(), listener));
        }
        tokio::spawn(cron(self.shared.clone()));
        let busy = self.shared.clone();
        tokio::spawn(async move { busy.busy_poll.run(busy.shutdown.clone()).await });
        tokio::spawn(crate::persist::run_task(self.shared.clone()));
        if let Some(load) = pending_load {
            if let Err(error) = load.await {
                warn!("Fatal error loading the DB: {error}. Exiting.");
                shutdown.cancel();
                return Err(StartError::Load(error));
            }
        }
        crate::repl::start(&self.shared);
        info!("Ready to accept connections tcp");
        loop {
            let signal = tokio::select! {
                _ = shutdown.cancelled() => break,
                signal = termination_signal() => signal,
            };
            info!("Received {signal} scheduling shutdown...");
            if crate::persist::shutdown_on_signal(&mut self.shared.lock(), signal) {
                break;
            }
            warn!("{signal} received but errors trying to shut down the server, check the logs for more information");
        }
        shutdown.cancel();
        info!("Redis is now ready to exit, bye bye...");
        Ok(())
    }
}

/// Loads the dataset on disk while clients already connect (and get `-LOADING`).
async fn load_dataset(shared: Arc<Shared>) -> Result<(), String> {
    match tokio::task::spawn_blocking(move || crate::persist::load::load_at_startup(&shared)).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(error) => Err(format!("the loading thread failed: {error}")),
    }
}

/// Waits for SIGTERM or SIGINT and names it.
async fn termination_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let shutdown = shared.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                tokio::spawn(crate::conn::serve(shared.clone(), stream, peer));
            }
            Err(error) => {
                // EMFILE and friends: back off instead of spinning.
                warn!("Accepting client connection: {error}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Redis's `ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`: share of each cron period active expiry may use.
const EXPIRE_CYCLE_TIME_PERCENT: u64 = 25;

async fn cron(shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    loop {
        let hz = shared.lock().settings.hz;
        let period = Duration::from_millis(1000 / hz.max(1));
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(period) => {}
        }
        let mut state = shared.lock();
        let now = now_ms();
        if state.active_expire_enabled
            && state.expiry_mode == rds_storage::ExpiryMode::Delete
            && !state.persist.is_loading()
        {
            let budget = period * u32::try_from(EXPIRE_CYCLE_TIME_PERCENT).unwrap_or(25) / 100;
            active_expire_cycle(&mut state, now, budget);
        }
        for db in &mut state.keyspace.dbs {
            db.rehash_idle(1000);
        }
        sample_ops(&mut state, now);
        enforce_output_limits(&mut state, now);
        // The memory peak, and evictions left over by a run that hit its time limit.
        crate::evict::cron(&mut state, period * u32::try_from(EXPIRE_CYCLE_TIME_PERCENT).unwrap_or(25) / 100);
        // Save points, scheduled jobs, AOF writes and fsyncs.
        crate::persist::cron(&mut state);
    }
}

/// Redis's slow active-expire cycle: per database, sample keys with a TTL and repeat while more than
/// 10% of the sample had expired, within a time budget.
pub fn active_expire_cycle(state: &mut ServerState, now: u64, budget: Duration) {
    let started = Instant::now();
    let mut total_sampled = 0usize;
    let mut total_expired = 0usize;
    for db_index in 0..state.keyspace.dbs.len() {
        loop {
            let db = &mut state.keyspace.dbs[db_index];
            if db.expires_len() == 0 {
                break;
            }
            let (sampled, expired) = db.active_expire_step(now);
            total_sampled += sampled;
            total_expired += expired;
            if sampled == 0 || expired * 100 / sampled <= rds_storage::db::EXPIRE_ACCEPTABLE_STALE_PERCENT {
                break;
            }
            if started.elapsed() > budget {
                break;
            }
        }
        if started.elapsed() > budget {
            break;
        }
    }
    if total_sampled > 0 {
        state.stats.expire_cycle_stale_percent = total_expired as f64 * 100.0 / total_sampled as f64;
    }
    propagate_expired(state);
    state.flush_effects_unwrapped();
}

fn sample_ops(state: &mut ServerState, now: u64) {
    let (last_count, last_time) = state.stats.ops_sample;
    if now.saturating_sub(last_time) >= 1000 {
        let elapsed = now.saturating_sub(last_time).max(1);
        let done = state.stats.commands_processed.saturating_sub(last_count);
        state.stats.instantaneous_ops = if last_time == 0 { 0 } else { done * 1000 / elapsed };
        state.stats.ops_sample = (state.stats.commands_processed, now);
    }
}

/// Closes clients whose pushed-but-unsent output is over their class's hard limit, or over the soft
/// limit for longer than allowed.
pub fn enforce_output_limits(state: &mut ServerState, now: u64) {
    let settings = state.settings.clone();
    let mut disconnected = 0;
    for record in state.clients.iter_mut() {
        let limit = settings.output_limit(record.kind);
        let used = record.outbox.len() + record.reply_pending;
        let over_hard = limit.hard > 0 && used >= limit.hard;
        let over_soft = limit.soft > 0 && used >= limit.soft;
        let soft_expired = match (over_soft, record.soft_limit_since_ms) {
            (true, Some(since)) => now.saturating_sub(since) / 1000 >= limit.soft_seconds,
            (true, None) => {
                record.soft_limit_since_ms = Some(now);
                limit.soft_seconds == 0
            }
            (false, _) => {
                record.soft_limit_since_ms = None;
                false
            }
        };
        if (over_hard || soft_expired) && !record.kill {
            warn!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                record.id, record.addr
            );
            record.outbox.clear();
            record.request_kill();
            disconnected += 1;
        }
    }
    state.stats.output_limit_disconnections += disconnected;
}

/// The address a listener is bound to, for logs and tests.
pub fn local_addr(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}
