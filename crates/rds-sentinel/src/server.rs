//! Client connections of the sentinel: the listeners, one task per connection, the
//! connection-local commands (PING, AUTH, HELLO, CLIENT, the SUBSCRIBE family, COMMAND), and
//! forwarding of everything else to the core.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rds_resp::Protocol;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};
use tracing::Instrument;

use crate::acl_users::AclUsers;
use crate::config::SentinelConfig;
use crate::pubsub::EventBus;
use crate::CoreRequest;

/// Counters INFO reports (clients and stats sections), shared by the connection tasks and the core.
#[derive(Debug)]
pub struct ServerStats {
    /// When the process started (INFO `uptime_in_seconds`).
    pub started: Instant,
    /// Open client connections (INFO `connected_clients`).
    pub connected_clients: AtomicU64,
    /// Connections accepted since start (INFO `total_connections_received`).
    pub total_connections_received: AtomicU64,
    /// Commands executed (INFO `total_commands_processed`).
    pub total_commands_processed: AtomicU64,
    /// Connections refused because of `maxclients` (INFO `rejected_connections`).
    pub rejected_connections: AtomicU64,
    /// Bytes read from clients (INFO `total_net_input_bytes`).
    pub total_net_input_bytes: AtomicU64,
    /// Bytes written to clients (INFO `total_net_output_bytes`).
    pub total_net_output_bytes: AtomicU64,
    /// Error replies sent (INFO `total_error_replies`).
    pub total_error_replies: AtomicU64,
    /// Socket reads (INFO `total_reads_processed`).
    pub total_reads_processed: AtomicU64,
    /// Socket writes (INFO `total_writes_processed`).
    pub total_writes_processed: AtomicU64,
    /// `maxclients` (INFO `maxclients`).
    pub maxclients: AtomicU64,
    /// The TCP port clients connect to (INFO `tcp_port`).
    pub tcp_port: AtomicU64,
    /// The timer frequency chosen for the current period (INFO `hz`), re-randomised in 10..19 by the
    /// core at every timer run as Redis's sentinel does.
    pub hz: AtomicU64,
}

impl Default for ServerStats {
    fn default() -> Self {
        ServerStats {
            started: Instant::now(),
            connected_clients: AtomicU64::new(0),
            total_connections_received: AtomicU64::new(0),
            total_commands_processed: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            total_net_input_bytes: AtomicU64::new(0),
            total_net_output_bytes: AtomicU64::new(0),
            total_error_replies: AtomicU64::new(0),
            total_reads_processed: AtomicU64::new(0),
            total_writes_processed: AtomicU64::new(0),
            maxclients: AtomicU64::new(10_000),
            tcp_port: AtomicU64::new(0),
            hz: AtomicU64::new(10),
        }
    }
}

impl ServerStats {
    /// Fresh counters, starting the uptime clock now.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a counter (shorthand for INFO).
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// The id the first client of a redis-sentinel 7.0 gets.
const FIRST_CLIENT_ID: u64 = 3;

/// What the listeners need from the configuration.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The ACL users (the default one carries `requirepass`), shared with the core, which writes
    /// them in its configuration.
    pub users: Arc<AclUsers>,
    /// `maxclients`.
    pub maxclients: u64,
}

impl ServeOptions {
    /// The options a loaded config asks for, with its ACL users.
    pub fn from_config(config: &SentinelConfig, users: Arc<AclUsers>) -> Self {
        ServeOptions { users, maxclients: config.maxclients }
    }
}

/// A listener could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A mandatory bind address failed, as Redis reports it before exiting.
    #[error("Could not create server TCP listening socket {addr}: {source}")]
    Bind {
        /// `host:port` as Redis prints it.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Every address was optional and none could be bound.
    #[error("Failed listening on port {0} (TCP), aborting.")]
    NoListeners(u16),
}

/// Binds the configured addresses like Redis: `*` is every IPv4 interface, `::*` every IPv6 one, and
/// a leading `-` makes an address optional (the default `* -::*` works on hosts without IPv6).
pub async fn bind(config: &SentinelConfig) -> Result<Vec<TcpListener>, BindError> {
    let port = config.port;
    let mut addrs: Vec<(String, bool)> = config
        .bind
        .iter()
        .map(|word| {
            let (optional, addr) = word.strip_prefix('-').map_or((false, word.as_str()), |rest| (true, rest));
            let addr = match addr {
                "*" => format!("0.0.0.0:{port}"),
                "::*" => format!("[::]:{port}"),
                a if a.contains(':') => format!("[{a}]:{port}"),
                a => format!("{a}:{port}"),
            };
            (addr, optional)
        })
        .collect();
    // IPv4 first: where [::] also takes IPv4, the optional IPv6 bind is the one that fails.
    addrs.sort_by_key(|(addr, _)| addr.starts_with('['));
    let mut listeners = Vec::new();
    for (addr, optional) in addrs {
        match TcpListener::bind(&addr).await {
            Ok(listener) => listeners.push(listener),
            Err(error) if optional => tracing::debug!("optional bind {addr} failed: {error}"),
            Err(source) => return Err(BindError::Bind { addr, source }),
        }
    }
    if listeners.is_empty() {
        return Err(BindError::NoListeners(port));
    }
    Ok(listeners)
}

/// One connected client, as CLIENT LIST / KILL see it.
pub(crate) struct ClientHandle {
    pub(crate) id: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) laddr: SocketAddr,
    pub(crate) fd: i32,
    pub(crate) created: Instant,
    /// Woken (with a stored permit) when CLIENT KILL picks this client.
    pub(crate) kill: Notify,
    pub(crate) state: Mutex<ClientState>,
}

/// The mutable part of a client's record, updated by its own task.
#[derive(Debug, Clone)]
pub(crate) struct ClientState {
    pub(crate) name: Option<Bytes>,
    pub(crate) last_interaction: Instant,
    pub(crate) last_command: String,
    pub(crate) protocol: Protocol,
    pub(crate) query_buffer: usize,
    /// Capacity of the query buffer (CLIENT LIST `qbuf-free` is what is left of it).
    pub(crate) query_buffer_capacity: usize,
    /// Bytes of the arguments of the command running now (`argv-mem`).
    pub(crate) argv_mem: usize,
    /// CLIENT NO-EVICT on (shown as the `e` flag).
    pub(crate) no_evict: bool,
    /// CLIENT TRACKING state, as CLIENT LIST shows it (`t`/`B` flags, `redir`).
    pub(crate) tracking: crate::client_cmd::Tracking,
    /// The ACL user the connection runs as.
    pub(crate) user: String,
}

impl ClientHandle {
    pub(crate) fn state(&self) -> MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// State shared by every connection task.
pub(crate) struct Shared {
    pub(crate) options: ServeOptions,
    pub(crate) core: mpsc::Sender<CoreRequest>,
    pub(crate) bus: EventBus,
    pub(crate) stats: Arc<ServerStats>,
    /// CLIENT PAUSE state.
    pub(crate) pause: Pause,
    /// ACL LOG.
    pub(crate) acl_log: crate::acl_cmd::AclLog,
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: AtomicU64,
}

/// CLIENT PAUSE: until when, and whether every command (ALL) or only the ones that may replicate
/// (WRITE) wait.
#[derive(Default)]
pub(crate) struct Pause {
    state: Mutex<Option<(tokio::time::Instant, bool)>>,
    changed: Notify,
}

impl Pause {
    /// Pauses clients until `until`; `all` false pauses only commands that may replicate.
    pub(crate) fn pause(&self, until: tokio::time::Instant, all: bool) {
        *self.lock() = Some((until, all));
        self.changed.notify_waiters();
    }

    /// CLIENT UNPAUSE.
    pub(crate) fn unpause(&self) {
        *self.lock() = None;
        self.changed.notify_waiters();
    }

    fn lock(&self) -> MutexGuard<'_, Option<(tokio::time::Instant, bool)>> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits while a pause holds a command (`may_replicate`: the command writes or may replicate).
    pub(crate) async fn wait(&self, may_replicate: bool) {
        loop {
            let changed = self.changed.notified();
            let until = match *self.lock() {
                Some((until, all)) if (all || may_replicate) && until > tokio::time::Instant::now() => until,
                _ => return,
            };
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }
}

impl Shared {
    /// Every connected client, by id.
    pub(crate) fn clients(&self) -> Vec<Arc<ClientHandle>> {
        self.lock_clients().values().cloned().collect()
    }

    fn lock_clients(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<ClientHandle>>> {
        self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Serves clients on `listeners` until the process exits: one task per connection, commands other
/// than the connection-local ones forwarded to the core through `core`.
pub async fn serve(
    listeners: Vec<TcpListener>,
    options: ServeOptions,
    core: mpsc::Sender<CoreRequest>,
    bus: EventBus,
    stats: Arc<ServerStats>,
) {
    if let Some(port) = listeners.first().and_then(|l| l.local_addr().ok()).map(|a| a.port()) {
        stats.tcp_port.store(u64::from(port), Ordering::Relaxed);
    }
    stats.maxclients.store(options.maxclients, Ordering::Relaxed);
    let shared = Arc::new(Shared {
        options,
        core,
        bus,
        stats,
        pause: Pause::default(),
        acl_log: Default::default(),
        clients: Mutex::new(BTreeMap::new()),
        // Redis's sentinel creates two internal clients at startup (the Lua and function engines):
        // the first connection gets id 3.
        next_id: AtomicU64::new(FIRST_CLIENT_ID),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for listener in listeners {
        tasks.spawn(accept_loop(shared.clone(), listener));
    }
    while tasks.join_next().await.is_some() {}
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // EMFILE and friends: back off instead of spinning, as Redis logs and goes on.
                tracing::warn!("Accepting client connection: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        ServerStats::add(&shared.stats.total_connections_received, 1);
        let _ = stream.set_nodelay(true);
        if ServerStats::get(&shared.stats.connected_clients) >= shared.options.maxclients {
            ServerStats::add(&shared.stats.rejected_connections, 1);
            let mut stream = stream;
            tokio::spawn(async move {
                let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
            });
            continue;
        }
        let Ok(laddr) = stream.local_addr() else { continue };
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let handle = Arc::new(ClientHandle {
            id,
            addr,
            laddr,
            fd: stream.as_raw_fd(),
            created: Instant::now(),
            kill: Notify::new(),
            state: Mutex::new(ClientState {
                name: None,
                last_interaction: Instant::now(),
                last_command: "NULL".to_string(),
                protocol: Protocol::Resp2,
                query_buffer: 0,
                query_buffer_capacity: 0,
                argv_mem: 0,
                no_evict: false,
                tracking: Default::default(),
                user: "default".to_string(),
            }),
        });
        shared.lock_clients().insert(id, handle.clone());
        ServerStats::add(&shared.stats.connected_clients, 1);
        let span = tracing::info_span!("conn", id, peer = %addr);
        let shared = shared.clone();
        tokio::spawn(
            async move {
                crate::conn::run(shared.clone(), handle, stream).await;
                shared.lock_clients().remove(&id);
                shared.stats.connected_clients.fetch_sub(1, Ordering::Relaxed);
            }
            .instrument(span),
        );
    }
}
