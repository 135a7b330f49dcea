//! [`ServerState`]: everything behind the server lock, and the hot settings cached from the config.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rds_config::Config;
use rds_storage::{ExpiryMode, Keyspace};
use tokio_util::sync::CancellationToken;

use bytes::Bytes;

use crate::blocking::Blocking;
use crate::client::{ClientKind, ClientRegistry};
use crate::monitor::{LatencyMonitor, SlowLog};
use crate::propagate::EffectStream;
use crate::pubsub::PubSub;
use crate::watch::Watches;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// An output buffer limit (`client-output-buffer-limit <class> <hard> <soft> <seconds>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputLimit {
    /// Bytes at which the client is closed at once; 0 disables.
    pub hard: usize,
    /// Bytes that, exceeded for `soft_seconds`, close the client; 0 disables.
    pub soft: usize,
    /// Seconds over the soft limit tolerated.
    pub soft_seconds: u64,
}

/// Config values read on hot paths, refreshed whenever the config changes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `requirepass`; empty means none.
    pub requirepass: Vec<u8>,
    /// `maxclients`.
    pub maxclients: usize,
    /// `timeout` in seconds; 0 disables idle disconnects.
    pub idle_timeout_secs: u64,
    /// `proto-max-bulk-len`.
    pub proto_max_bulk_len: i64,
    /// `client-query-buffer-limit`.
    pub query_buffer_limit: usize,
    /// Output limits for normal, replica and pub/sub clients.
    pub output_limits: [OutputLimit; 3],
    /// `protected-mode`.
    pub protected_mode: bool,
    /// `slowlog-log-slower-than` in µs; negative disables.
    pub slowlog_slower_than_us: i64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: usize,
    /// `latency-monitor-threshold` in ms; 0 disables.
    pub latency_threshold_ms: u64,
    /// `latency-tracking`: per-command latency histograms are recorded.
    pub latency_tracking: bool,
    /// `tracking-table-max-keys`; 0 is no limit.
    pub tracking_table_max_keys: usize,
    /// `hz`.
    pub hz: u64,
    /// `enable-debug-command`: "no", "yes" or "local".
    pub enable_debug_command: String,
    /// `notify-keyspace-events` as flags of [`crate::notify`].
    pub notify_flags: u32,
    /// How key access metadata is kept (`maxmemory-policy`, `lfu-log-factor`, `lfu-decay-time`).
    pub access: AccessPolicy,
    /// `list-max-listpack-size`.
    pub list_max_listpack_size: i64,
    /// `hash-max-listpack-entries` / `hash-max-listpack-value`.
    pub hash_limits: rds_storage::hash::HashLimits,
    /// `set-max-intset-entries`.
    pub set_limits: rds_storage::set::SetLimits,
    /// `zset-max-listpack-entries` / `zset-max-listpack-value`.
    pub zset_limits: rds_storage::zset::ZSetLimits,
    /// `maxmemory` and the eviction directives.
    pub maxmemory: crate::evict::Limits,
    /// Replication directives (`repl-*`, `min-replicas-*`, `replica-*`).
    pub repl: crate::repl::ReplSettings,
}

/// LFU counter value of a new key (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u32 = 5;

/// How `Entry.access` is maintained: an LRU clock, or Redis's LFU pair of (decay minutes, log counter).
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessPolicy {
    /// True with an LFU `maxmemory-policy`.
    pub lfu: bool,
    /// `lfu-log-factor`.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`, minutes.
    pub lfu_decay_minutes: u32,
}

impl AccessPolicy {
    fn minutes(now_ms: u64) -> u32 {
        u32::try_from((now_ms / 60_000) & 0xffff).unwrap_or(0)
    }

    /// The LRU clock: seconds, 24 bits, like Redis.
    pub fn lru_clock(now_ms: u64) -> u32 {
        u32::try_from((now_ms / 1000) & 0x00ff_ffff).unwrap_or(0)
    }

    /// Access metadata of a key created now.
    pub fn created(self, now_ms: u64) -> u32 {
        if self.lfu {
            (Self::minutes(now_ms) << 8) | LFU_INIT_VAL
        } else {
            Self::lru_clock(now_ms)
        }
    }

    /// The LFU counter after decay (Redis's `LFUDecrAndReturn`).
    pub fn decayed_counter(self, access: u32, now_ms: u64) -> u32 {
        let counter = access & 0xff;
        let last = access >> 8;
        let now = Self::minutes(now_ms);
        let elapsed = if now >= last { now - last } else { 65_535 - last + now };
        let periods = elapsed.checked_div(self.lfu_decay_minutes).unwrap_or(0);
        counter.saturating_sub(periods)
    }

    /// Access metadata after the key is read or written now (Redis's `updateLFU` / LRU clock).
    pub fn touched(self, access: u32, now_ms: u64) -> u32 {
        if !self.lfu {
            return Self::lru_clock(now_ms);
        }
        let mut counter = self.decayed_counter(access, now_ms);
        if counter < 255 {
            let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
            let probability = 1.0 / (base * f64::from(self.lfu_log_factor) + 1.0);
            let random = (rds_storage::rng::next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if random < probability {
                counter += 1;
            }
        }
        (Self::minutes(now_ms) << 8) | counter
    }
}

impl Settings {
    /// Reads the hot settings from `config`.
    pub fn from_config(config: &Config) -> Self {
        let limit = |class: &str| parse_output_limit(&config.str("client-output-buffer-limit"), class);
        Settings {
            requirepass: config.str("requirepass").into_bytes(),
            maxclients: usize::try_from(config.int("maxclients")).unwrap_or(10_000),
            idle_timeout_secs: u64::try_from(config.int("timeout")).unwrap_or(0),
            proto_max_bulk_len: config.int("proto-max-bulk-len"),
            query_buffer_limit: usize::try_from(config.int("client-query-buffer-limit")).unwrap_or(1 << 30),
            output_limits: [limit("normal"), limit("slave"), limit("pubsub")],
            protected_mode: config.bool("protected-mode"),
            slowlog_slower_than_us: config.int("slowlog-log-slower-than"),
            slowlog_max_len: usize::try_from(config.int("slowlog-max-len")).unwrap_or(128),
            latency_threshold_ms: u64::try_from(config.int("latency-monitor-threshold")).unwrap_or(0),
            latency_tracking: config.bool("latency-tracking"),
            tracking_table_max_keys: usize::try_from(config.int("tracking-table-max-keys")).unwrap_or(0),
            hz: u64::try_from(config.int("hz")).unwrap_or(10).clamp(1, 500),
            enable_debug_command: config.str("enable-debug-command"),
            notify_flags: crate::notify::parse_flags(&config.str("notify-keyspace-events")).unwrap_or(0),
            access: AccessPolicy {
                lfu: config.str("maxmemory-policy").contains("lfu"),
                lfu_log_factor: u32::try_from(config.int("lfu-log-factor")).unwrap_or(10),
                lfu_decay_minutes: u32::try_from(config.int("lfu-decay-time")).unwrap_or(1),
            },
            list_max_listpack_size: config.int("list-max-listpack-size"),
            hash_limits: rds_storage::hash::HashLimits {
                max_listpack_entries: usize::try_from(config.int("hash-max-listpack-entries")).unwrap_or(512),
                max_listpack_value: usize::try_from(config.int("hash-max-listpack-value")).unwrap_or(64),
            },
            set_limits: rds_storage::set::SetLimits {
                max_intset_entries: usize::try_from(config.int("set-max-intset-entries")).unwrap_or(512),
            },
            zset_limits: rds_storage::zset::ZSetLimits {
                max_listpack_entries: usize::try_from(config.int("zset-max-listpack-entries")).unwrap_or(128),
                max_listpack_value: usize::try_from(config.int("zset-max-listpack-value")).unwrap_or(64),
            },
            maxmemory: crate::evict::Limits::from_config(config),
            repl: crate::repl::ReplSettings::from_config(config),
        }
    }

    /// The output limit that applies to a client of `kind`.
    pub fn output_limit(&self, kind: ClientKind) -> OutputLimit {
        match kind {
            ClientKind::Normal | ClientKind::Master => self.output_limits[0],
            ClientKind::Replica => self.output_limits[1],
            ClientKind::PubSub => self.output_limits[2],
        }
    }
}

/// Reads one class out of the `client-output-buffer-limit` value as CONFIG GET prints it.
fn parse_output_limit(value: &str, class: &str) -> OutputLimit {
    let words: Vec<&str> = value.split_whitespace().collect();
    for chunk in words.chunks(4) {
        if let [name, hard, soft, seconds] = chunk {
            let matches = *name == class || (class == "slave" && *name == "replica");
            if matches {
                return OutputLimit {
                    hard: hard.parse().unwrap_or(0),
                    soft: soft.parse().unwrap_or(0),
                    soft_seconds: seconds.parse().unwrap_or(0),
                };
            }
        }
    }
    OutputLimit::default()
}

/// Counters reported by INFO stats.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// `total_connections_received`.
    pub connections_received: u64,
    /// `total_commands_processed`.
    pub commands_processed: u64,
    /// `rejected_connections`.
    pub rejected_connections: u64,
    /// `expired_keys`.
    pub expired_keys: u64,
    /// `evicted_keys`.
    pub evicted_keys: u64,
    /// `keyspace_hits`.
    pub keyspace_hits: u64,
    /// `keyspace_misses`.
    pub keyspace_misses: u64,
    /// `total_net_input_bytes`.
    pub net_input_bytes: u64,
    /// `total_net_output_bytes`.
    pub net_output_bytes: u64,
    /// `total_error_replies`.
    pub error_replies: u64,
    /// `client_query_buffer_limit_disconnections`-style counter for output limits (`client_output_buffer_limit_disconnections`).
    pub output_limit_disconnections: u64,
    /// Commands processed at the last instantaneous sample, and when.
    pub ops_sample: (u64, u64),
    /// `instantaneous_ops_per_sec`.
    pub instantaneous_ops: u64,
    /// `expired_stale_perc` numerator/denominator of the last cycle.
    pub expire_cycle_stale_percent: f64,
    /// Per-command counters (INFO commandstats and latencystats).
    pub commands: crate::cmd::info::stats::CommandTable,
    /// Error replies by code (INFO errorstats).
    pub errors: crate::cmd::info::stats::ErrorTable,
    /// Highest estimated `used_memory` seen (`used_memory_peak`).
    pub peak_memory: u64,
    /// Time memory spent over `maxmemory` in finished episodes (`total_eviction_exceeded_time`), µs.
    pub eviction_exceeded_total_us: u64,
    /// When memory went over `maxmemory` without eviction bringing it back yet, µs since the epoch.
    pub eviction_exceeded_since_us: Option<u64>,
}

/// All mutable server state, behind one lock: one total order of commands and effects.
pub struct ServerState {
    /// The databases.
    pub keyspace: Keyspace,
    /// The full configuration (CONFIG GET/SET/REWRITE).
    pub config: Config,
    /// Hot settings cached from `config`.
    pub settings: Settings,
    /// Connected clients.
    pub clients: ClientRegistry,
    /// INFO stats counters.
    pub stats: Stats,
    /// Changes since the last save (`rdb_changes_since_last_save`).
    pub dirty: u64,
    /// The slow log.
    pub slowlog: SlowLog,
    /// The latency monitor.
    pub latency: LatencyMonitor,
    /// The effect stream for replicas and AOF.
    pub effects: EffectStream,
    /// Whether the server expires keys itself (false on replicas).
    pub expiry_mode: ExpiryMode,
    /// DEBUG PAUSE-CRON: the periodic tasks are suspended.
    pub cron_paused: bool,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire_enabled: bool,
    /// Keys a writable replica's own clients gave a TTL: its active expiry deletes them.
    pub replica_keys_with_expire: crate::replica_expire::ReplicaKeysWithExpire,
    /// Server start, ms since the epoch.
    pub started_ms: u64,
    /// 40 hex chars identifying this run.
    pub run_id: String,
    /// Unix time of the last successful save (LASTSAVE).
    pub last_save_secs: u64,
    /// TCP port actually listened on.
    pub port: u16,
    /// Listeners bound by CONFIG SET port/bind, for the accept task to take over.
    pub listeners: ListenerSwap,
    /// Set by SHUTDOWN; the main task exits when it sees it.
    pub shutdown_requested: bool,
    /// Clients in MONITOR mode.
    pub monitors: Vec<u64>,
    /// Pub/sub subscriptions.
    pub pubsub: PubSub,
    /// WATCHed keys.
    pub watches: Watches,
    /// Clients blocked on keys.
    pub blocking: Blocking,
    /// Client-side caching: tracked keys, broadcast prefixes.
    pub tracking: crate::tracking::Tracking,
    /// Effects of the execution unit in progress (a command, or a whole EXEC), flushed to the effect
    /// stream when it ends: wrapped in MULTI/EXEC when there are several, as Redis does.
    pub pending_effects: Vec<(usize, Vec<Bytes>)>,
    /// Where `used_memory` comes from, and its startup baseline.
    pub memory: crate::memory::Accounting,
    /// The eviction pool and round-robin position.
    pub eviction: crate::evict::Eviction,
    /// RDB / AOF persistence: the snapshot job, AOF files, loading state.
    pub persist: crate::persist::Persistence,
    /// Replication: ids, backlog, the master link, attached replicas.
    pub repl: crate::repl::ReplState,
}

impl ServerState {
    /// State for a fresh server with `config`.
    pub fn new(config: Config) -> Self {
        let databases = usize::try_from(config.int("databases")).unwrap_or(16).max(1);
        let cluster = config.bool("cluster-enabled");
        let settings = Settings::from_config(&config);
        let persist = crate::persist::Persistence::new(&config);
        let now = now_ms();
        ServerState {
            keyspace: Keyspace::new(databases, cluster),
            slowlog: SlowLog::default(),
            latency: LatencyMonitor::default(),
            settings,
            config,
            clients: ClientRegistry::default(),
            stats: Stats::default(),
            dirty: 0,
            effects: EffectStream::default(),
            expiry_mode: ExpiryMode::Delete,
            active_expire_enabled: true,
            cron_paused: false,
            replica_keys_with_expire: Default::default(),
            started_ms: now,
            run_id: random_hex(40),
            last_save_secs: now / 1000,
            port: 0,
            listeners: ListenerSwap::default(),
            shutdown_requested: false,
            monitors: Vec::new(),
            pubsub: PubSub::default(),
            watches: Watches::default(),
            tracking: crate::tracking::Tracking::default(),
            blocking: Blocking::default(),
            pending_effects: Vec::new(),
            memory: crate::memory::Accounting::new(),
            eviction: crate::evict::Eviction::default(),
            persist,
            repl: crate::repl::ReplState::new(now),
        }
    }

    /// Re-reads hot settings after CONFIG SET.
    pub fn refresh_settings(&mut self) {
        self.settings = Settings::from_config(&self.config);
    }

    /// Moves the pending effects of the finished execution unit to the effect stream.
    pub fn flush_effects(&mut self) {
        if self.pending_effects.is_empty() {
            return;
        }
        let effects = std::mem::take(&mut self.pending_effects);
        let wrap = effects.len() > 1;
        if wrap {
            self.effects.append(effects[0].0, &[Bytes::from_static(b"MULTI")]);
        }
        let mut last_db = effects[0].0;
        for (db, argv) in &effects {
            self.effects.append(*db, argv);
            last_db = *db;
        }
        if wrap {
            self.effects.append(last_db, &[Bytes::from_static(b"EXEC")]);
        }
        crate::repl::feed(self);
    }

    /// Moves pending effects to the effect stream one by one, never wrapped (active expiry's DELs).
    pub fn flush_effects_unwrapped(&mut self) {
        for (db, argv) in std::mem::take(&mut self.pending_effects) {
            self.effects.append(db, &argv);
        }
        crate::repl::feed(self);
    }

    /// A write changed `key` of `db`: invalidate WATCHes and client-side caches, and wake clients
    /// blocked on it.
    pub fn key_touched(&mut self, db: usize, key: &[u8]) {
        self.watches.touch(db, key, &self.keyspace.dbs[db]);
        self.blocking.signal(db, key);
        if self.tracking.is_active() {
            self.tracking.invalidate(&mut self.clients, key, true, true);
        }
    }

    /// A key deleted by expiry or eviction: WATCH and client-side caching see the change.
    pub fn key_removed(&mut self, db: usize, key: &[u8]) {
        self.watches.touch(db, key, &self.keyspace.dbs[db]);
        if self.tracking.is_active() {
            self.tracking.invalidate(&mut self.clients, key, true, false);
        }
    }

    /// The end of a batch of commands (Redis's `beforeSleep`): broadcasts the keys changed under
    /// tracked prefixes.
    pub fn tracking_before_sleep(&mut self) {
        if self.tracking.is_active() {
            self.tracking.broadcast(&mut self.clients);
        }
    }

    /// Keeps the tracking table within `tracking-table-max-keys`; called before every command while
    /// any client tracks, and by the cron, as in Redis.
    pub fn tracking_limit(&mut self) {
        if self.tracking.key_count() > 0 {
            self.tracking.enforce_limit(&mut self.clients, self.settings.tracking_table_max_keys);
        }
    }

    /// The LRU clock value stored in keys on access: seconds, 24 bits like Redis.
    pub fn lru_clock(&self, now_ms: u64) -> u32 {
        AccessPolicy::lru_clock(now_ms)
    }
}

/// `len` random lowercase hex characters (run ids, replication ids).
pub fn random_hex(len: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let mut out = String::with_capacity(len);
    let mut counter = now_us();
    while out.len() < len {
        counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let word = RandomState::new().hash_one(counter);
        out.push_str(&format!("{word:016x}"));
    }
    out.truncate(len);
    out
}

/// Hands listeners bound by CONFIG SET to the task that accepts clients.
#[derive(Debug, Default)]
pub struct ListenerSwap {
    /// The listeners to serve from now on (the old ones close).
    pub replacement: Option<Vec<std::net::TcpListener>>,
    /// Wakes the accept task when `replacement` is set.
    pub changed: Arc<tokio::sync::Notify>,
}

/// The server shared between connection tasks.
pub struct Shared {
    state: Mutex<ServerState>,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Keeps the event loop polling while clients keep it busy.
    pub busy_poll: crate::busy_poll::BusyPoll,
}

impl Shared {
    /// Wraps `state`.
    pub fn new(state: ServerState) -> Arc<Self> {
        Arc::new(Shared { state: Mutex::new(state), shutdown: CancellationToken::new(), busy_poll: Default::default() })
    }

    /// Locks the state. A panic while holding the lock cannot leave the keyspace half-updated in a way
    /// that matters more than stopping service, so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
