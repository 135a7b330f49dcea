//! Startup, listeners, the periodic cron (active expiry, rehashing, stats) and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rds_config::Config;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::client::{ClientKind, IDLE_BUFFER_RELEASE_MS};
use crate::dispatch::propagate_expired;
use crate::state::{now_ms, ServerState, Shared};
use crate::stream::ClientListener;

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
    /// The `unixsocket` path could not be listened on.
    #[error("Failed opening Unix socket: bind: {0}")]
    Unix(std::io::Error),
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
pub async fn bind(config: &Config) -> Result<Vec<std::net::TcpListener>, StartError> {
    let port = u16::try_from(config.int("port")).unwrap_or(6379);
    let listeners = bind_std(port, &config.str("bind"))?;
    // An empty `bind` or port 0 listens on no TCP socket, which is fine with a Unix socket.
    if listeners.is_empty() && config.str("unixsocket").is_empty() {
        return Err(StartError::NoListeners);
    }
    Ok(listeners)
}

/// Binds `port` on the `bind` addresses, synchronously so that CONFIG SET can report a failure in its
/// reply; port 0 listens nowhere, as in Redis.
pub fn bind_std(port: u16, bind: &str) -> Result<Vec<std::net::TcpListener>, StartError> {
    if port == 0 {
        return Ok(Vec::new());
    }
    let mut listeners = Vec::new();
    for (addr, optional) in bind_addresses(bind, port) {
        let bound = std::net::TcpListener::bind(&addr).and_then(|listener| {
            listener.set_nonblocking(true)?;
            Ok(listener)
        });
        match bound {
            Ok(listener) => listeners.push(listener),
            Err(error) if optional => {
                tracing::debug!("optional bind {addr} failed: {error}");
            }
            Err(source) => return Err(StartError::Bind { addr, source }),
        }
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
    pub async fn run(self, listeners: Vec<std::net::TcpListener>) -> Result<(), StartError> {
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
        tokio::spawn(serve_listeners(self.shared.clone(), listeners));
        let unix_path = {
            let state = self.shared.lock();
            Some(state.config.str("unixsocket")).filter(|path| !path.is_empty())
        };
        if let Some(path) = &unix_path {
            let perm = u32::try_from(self.shared.lock().config.int("unixsocketperm")).unwrap_or(0);
            let listener = bind_unix(path, perm).inspect_err(|error| warn!("{error}"))?;
            let listener = ClientListener::Unix(listener, Arc::from(path.as_str()));
            tokio::spawn(accept_loop(self.shared.clone(), listener, self.shared.shutdown.clone()));
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
        if let Some(path) = &unix_path {
            info!("The server is now ready to accept connections at {path}");
        }
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
        if let Some(path) = &unix_path {
            info!("Removing the unix socket file.");
            let _ = std::fs::remove_file(path);
        }
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

/// Listens on the `unixsocket` path (a file left there by an earlier run is replaced, as in Redis) and
/// applies `unixsocketperm` when set.
fn bind_unix(path: &str, perm: u32) -> Result<tokio::net::UnixListener, StartError> {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::remove_file(path);
    let listener = tokio::net::UnixListener::bind(path).map_err(StartError::Unix)?;
    if perm != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm)).map_err(StartError::Unix)?;
    }
    Ok(listener)
}

/// Accepts clients on `listeners` until CONFIG SET changes `port` or `bind`: then the listeners that
/// CONFIG SET already bound replace them (so a failed bind was reported in its reply, and the old
/// listeners serve until the new ones are in place).
async fn serve_listeners(shared: Arc<Shared>, mut listeners: Vec<std::net::TcpListener>) {
    let changed = shared.lock().listeners.changed.clone();
    loop {
        let generation = shared.shutdown.child_token();
        for listener in listeners {
            match TcpListener::from_std(listener) {
                Ok(listener) => {
                    tokio::spawn(accept_loop(shared.clone(), ClientListener::Tcp(listener), generation.clone()));
                }
                Err(error) => warn!("Listening: {error}"),
            }
        }
        listeners = loop {
            tokio::select! {
                _ = shared.shutdown.cancelled() => return,
                _ = changed.notified() => {}
            }
            if let Some(replacement) = shared.lock().listeners.replacement.take() {
                break replacement;
            }
        };
        generation.cancel();
    }
}

/// Accepts clients on `listener` until `stop` is cancelled.
async fn accept_loop(shared: Arc<Shared>, listener: ClientListener, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer, local)) => {
                tokio::spawn(crate::conn::serve(shared.clone(), stream, peer, local));
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
        if state.cron_paused {
            continue;
        }
        let now = now_ms();
        let budget = period * u32::try_from(EXPIRE_CYCLE_TIME_PERCENT).unwrap_or(25) / 100;
        if state.active_expire_enabled
            && state.expiry_mode == rds_storage::ExpiryMode::Delete
            && !state.persist.is_loading()
        {
            active_expire_cycle(&mut state, now, budget);
        }
        if state.repl.link.is_none() {
            state.replica_keys_with_expire.clear();
        } else if state.active_expire_enabled && !state.replica_keys_with_expire.is_empty() {
            crate::replica_expire::expire_cycle(&mut state, now, budget);
        }
        for db in &mut state.keyspace.dbs {
            db.rehash_idle(1000);
        }
        sample_ops(&mut state, now);
        clients_cron(&mut state, now);
        // The memory peak, and evictions left over by a run that hit its time limit.
        crate::evict::cron(&mut state, budget);
        // Save points, scheduled jobs, AOF writes and fsyncs.
        crate::persist::cron(&mut state);
        // Keys expired or evicted above, and writes of the master link, reach broadcasting clients.
        state.tracking_limit();
        state.tracking_before_sleep();
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

/// Redis's clientsCron, in one pass over the clients: closes those whose pushed-but-unsent output is
/// over their class's hard limit, or over the soft limit for longer than allowed, and asks those idle
/// for [`IDLE_BUFFER_RELEASE_MS`] to free their empty buffers.
pub fn clients_cron(state: &mut ServerState, now: u64) {
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
        let idle = now.saturating_sub(record.last_interaction_ms) >= IDLE_BUFFER_RELEASE_MS;
        // Replica and master links run their own tasks, which keep their buffers.
        let releasable = matches!(record.kind, ClientKind::Normal | ClientKind::PubSub);
        if idle && releasable && !record.buffers_released && !record.release_buffers && used == 0 {
            record.release_buffers = true;
            record.wakeup.notify_one();
        }
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
