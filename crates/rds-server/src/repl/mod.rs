//! Replication, master and replica sides (Redis 7.0 PSYNC2), on top of the protocol pieces of
//! `rds-repl`.
//!
//! Layout:
//! - this file: [`ReplState`] (ids, backlog, the master link, attached replicas, counters), the hot
//!   settings, and [`feed`], which moves the effect stream into the backlog and the replicas.
//! - [`master`]: PSYNC/SYNC decisions, REPLCONF effects, acks, WAIT, min-replicas, the master cron.
//! - [`feeder`]: the task that serves one replica connection after PSYNC (RDB, then the stream).
//! - [`job`]: full-resync snapshots, to disk or straight to the replicas' sockets.
//! - [`replica`], [`stream`], [`load`]: the link to our master: handshake, RDB transfer and load,
//!   applying the stream.
//! - [`info`]: INFO replication and ROLE.
//! - [`pause`]: client pauses (CLIENT PAUSE, and writes held back during a FAILOVER).
//! - [`failover`]: the FAILOVER command's coordinated switch, master side.
//!
//! Offsets: `state.effects.offset` is `master_repl_offset` in every role. A master advances it by
//! appending effects; a replica sets it to the master's offset as it applies the stream, whose exact
//! bytes it keeps in its backlog and forwards to its own replicas.

pub mod failover;
pub mod feeder;
pub mod info;
pub mod job;
pub mod load;
pub mod master;
pub mod pause;
pub mod replica;
mod role;
pub mod stream;
pub mod transfer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use rds_config::Config;
use rds_repl::psync::Ids;
use rds_repl::{Backlog, ReplId};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

use crate::state::{ServerState, Shared};

/// `repl-diskless-load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisklessLoad {
    /// Always through a temporary file.
    Disabled,
    /// Straight from the socket when the dataset is empty.
    OnEmptyDb,
    /// Straight from the socket, into a new dataset swapped in at the end.
    Swapdb,
}

/// Replication directives read on hot paths, refreshed with the other settings.
#[derive(Debug, Clone)]
pub struct ReplSettings {
    /// `repl-backlog-size`.
    pub backlog_size: usize,
    /// `repl-backlog-ttl`, seconds.
    pub backlog_ttl_secs: u64,
    /// `repl-timeout`, seconds.
    pub timeout_secs: u64,
    /// `repl-ping-replica-period`, seconds.
    pub ping_period_secs: u64,
    /// `repl-diskless-sync`.
    pub diskless_sync: bool,
    /// `repl-diskless-sync-delay`, seconds.
    pub diskless_sync_delay_secs: u64,
    /// `repl-diskless-sync-max-replicas`.
    pub diskless_sync_max_replicas: usize,
    /// `repl-diskless-load`.
    pub diskless_load: DisklessLoad,
    /// `replica-read-only`.
    pub read_only: bool,
    /// `replica-serve-stale-data`.
    pub serve_stale: bool,
    /// `min-replicas-to-write`.
    pub min_replicas_to_write: usize,
    /// `min-replicas-max-lag`, seconds.
    pub min_replicas_max_lag_secs: u64,
}

impl ReplSettings {
    /// Reads the directives from `config`.
    pub fn from_config(config: &Config) -> Self {
        let unsigned = |name: &str| u64::try_from(config.int(name)).unwrap_or(0);
        let diskless_load = match config.str("repl-diskless-load").as_str() {
            "on-empty-db" => DisklessLoad::OnEmptyDb,
            "swapdb" => DisklessLoad::Swapdb,
            _ => DisklessLoad::Disabled,
        };
        ReplSettings {
            backlog_size: usize::try_from(config.int("repl-backlog-size")).unwrap_or(1 << 20).max(1),
            backlog_ttl_secs: unsigned("repl-backlog-ttl"),
            timeout_secs: unsigned("repl-timeout").max(1),
            ping_period_secs: unsigned("repl-ping-replica-period").max(1),
            diskless_sync: config.bool("repl-diskless-sync"),
            diskless_sync_delay_secs: unsigned("repl-diskless-sync-delay"),
            diskless_sync_max_replicas: usize::try_from(config.int("repl-diskless-sync-max-replicas")).unwrap_or(0),
            diskless_load,
            read_only: config.bool("replica-read-only"),
            serve_stale: config.bool("replica-serve-stale-data"),
            min_replicas_to_write: usize::try_from(config.int("min-replicas-to-write")).unwrap_or(0),
            min_replicas_max_lag_secs: unsigned("min-replicas-max-lag"),
        }
    }
}

/// The replica's link state (ROLE and INFO names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Waiting to connect.
    Connect,
    /// TCP connect in progress.
    Connecting,
    /// PING, AUTH, REPLCONF, PSYNC.
    Handshake,
    /// Receiving the RDB.
    Transfer,
    /// Applying the stream.
    Connected,
}

impl LinkState {
    /// The state as ROLE prints it.
    pub fn name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// Progress of an RDB transfer from our master.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transfer {
    /// Payload size; `None` with the EOF-mark framing.
    pub total: Option<u64>,
    /// Bytes received.
    pub read: u64,
    /// Last byte received, ms since the epoch.
    pub last_io_ms: u64,
}

/// The link to our master (present exactly when this server is a replica).
#[derive(Debug)]
pub struct MasterLink {
    /// `master_host`.
    pub host: String,
    /// `master_port`.
    pub port: u16,
    /// Identifies this REPLICAOF: a link task of another generation stops.
    pub generation: u64,
    /// Cancelled when this link is replaced or removed.
    pub cancel: CancellationToken,
    /// Where the link stands.
    pub state: LinkState,
    /// A history to continue exists (Redis's cached master): PSYNC `<replid> <offset+1>`.
    pub resume: bool,
    /// Bytes received from the master (`slave_read_repl_offset`); applied ones are `effects.offset`.
    pub read_offset: u64,
    /// The master client's id while connected.
    pub client_id: Option<u64>,
    /// Last data from the master, ms since the epoch.
    pub last_io_ms: u64,
    /// When the link went down, ms since the epoch (0: never up since REPLICAOF).
    pub down_since_ms: u64,
    /// The RDB transfer in progress.
    pub transfer: Option<Transfer>,
    /// Set by `REPLCONF GETACK`: the link answers with `REPLCONF ACK` once the command is applied.
    pub ack_requested: bool,
}

/// Where an attached replica stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for a snapshot to start, since this time (ms since the epoch).
    WaitBgsaveStart(u64),
    /// The snapshot of this job is being produced (diskless: sent at the same time).
    WaitBgsaveEnd(u64),
    /// The RDB file is being sent.
    SendBulk,
    /// Streaming.
    Online,
}

impl ReplicaState {
    /// The state as INFO prints it.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsaveStart(_) | ReplicaState::WaitBgsaveEnd(_) => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

/// What a replica announced with REPLCONF.
#[derive(Debug, Clone, Default)]
pub struct ReplicaConf {
    /// `listening-port`.
    pub listening_port: i64,
    /// `ip-address`.
    pub ip: Option<Vec<u8>>,
    /// `capa eof`: accepts the diskless framing.
    pub capa_eof: bool,
    /// `capa psync2`.
    pub capa_psync2: bool,
    /// `rdb-only 1`: wants the RDB and no stream (`redis-cli --rdb`).
    pub rdb_only: bool,
    /// `rdb-filter-only`: leave keys out of the RDB.
    pub exclude_data: bool,
}

/// What the snapshot job tells a replica's feeder.
#[derive(Debug)]
pub enum SyncEvent {
    /// Write this line (`+FULLRESYNC ...`).
    Line(Vec<u8>),
    /// Diskless payload bytes (preamble and mark included).
    Chunk(Bytes),
    /// Disk-backed: send this RDB file with a `$<len>` preamble.
    File(PathBuf),
    /// The diskless payload is complete.
    End,
    /// The snapshot failed: close the replica.
    Failed,
}

/// One replica attached to us.
#[derive(Debug)]
pub struct ReplicaLink {
    /// Its client id.
    pub client_id: u64,
    /// Peer address.
    pub addr: crate::client::PeerAddr,
    /// What it announced.
    pub conf: ReplicaConf,
    /// Where it stands.
    pub state: ReplicaState,
    /// Attached with SYNC (no `+FULLRESYNC`, no acks expected).
    pub pre_psync: bool,
    /// Highest offset acknowledged.
    pub ack_off: u64,
    /// Last ack, ms since the epoch.
    pub ack_time_ms: u64,
    /// Diskless: the stream starts at its first ack.
    pub stream_on_ack: bool,
    /// Events from the snapshot job.
    pub events: Option<mpsc::Sender<SyncEvent>>,
}

impl ReplicaLink {
    /// True once its stream has started (bytes fed from now on are its stream).
    pub fn receives_stream(&self) -> bool {
        !matches!(self.state, ReplicaState::WaitBgsaveStart(_)) && !self.conf.rdb_only
    }

    /// The address shown in INFO and ROLE: the announced one, else the peer's IP.
    pub fn ip(&self) -> String {
        match &self.conf.ip {
            Some(ip) => String::from_utf8_lossy(ip).into_owned(),
            None => self.addr.ip(),
        }
    }
}

/// INFO stats counters of replication.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncStats {
    /// `sync_full`.
    pub full: u64,
    /// `sync_partial_ok`.
    pub partial_ok: u64,
    /// `sync_partial_err`.
    pub partial_err: u64,
    /// `total_net_repl_input_bytes`.
    pub net_input_bytes: u64,
    /// `total_net_repl_output_bytes`.
    pub net_output_bytes: u64,
}

/// A client blocked in WAIT.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// The client.
    pub client_id: u64,
    /// The offset replicas must acknowledge.
    pub offset: u64,
    /// How many replicas.
    pub numreplicas: usize,
}

/// The snapshot job in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobInfo {
    /// Its id.
    pub id: u64,
    /// The persistence layer's token for it (its result arrives under this token).
    pub token: u64,
    /// Streaming to sockets (true) or writing a file.
    pub diskless: bool,
    /// `master_repl_offset` when it started.
    pub offset: u64,
}

/// Replication state, behind the server lock.
#[derive(Debug)]
pub struct ReplState {
    /// `master_replid`, `master_replid2`, `second_repl_offset`.
    pub ids: Ids,
    /// The backlog (a master creates it when the first replica attaches; a replica always has one).
    pub backlog: Option<Backlog>,
    /// The link to our master: `Some` exactly when we are a replica.
    pub link: Option<MasterLink>,
    /// Attached replicas, in attach order.
    pub replicas: Vec<ReplicaLink>,
    /// REPLCONF options of clients that did not PSYNC yet.
    pub confs: HashMap<u64, ReplicaConf>,
    /// Feeder event channels created by PSYNC, taken by the feeder when it starts.
    pub receivers: HashMap<u64, mpsc::Receiver<SyncEvent>>,
    /// Counters.
    pub stats: SyncStats,
    /// When the last replica left, ms since the epoch (backlog TTL).
    pub no_replicas_since_ms: u64,
    /// Clients blocked in WAIT.
    pub waiters: Vec<Waiter>,
    /// The snapshot job in progress.
    pub job: Option<JobInfo>,
    /// The RDB file a disk-backed job produces.
    pub job_path: Option<PathBuf>,
    /// Id of the next job.
    pub next_job: u64,
    /// Generation of the next REPLICAOF.
    pub next_generation: u64,
    /// Wakes the job coordinator (a replica waits for a snapshot).
    pub wake_jobs: Arc<Notify>,
    /// Wakes the link supervisor (REPLICAOF changed).
    pub wake_link: Arc<Notify>,
    /// Last keepalive PING fed, ms since the epoch.
    pub last_ping_ms: u64,
    /// Replica: the database our master's stream is in (the master client's), for `repl-stream-db`.
    pub stream_db: usize,
    /// Client pauses.
    pub pause: pause::Pause,
    /// The FAILOVER in progress.
    pub failover: Option<failover::Failover>,
    /// WAIT asked for acks while clients were paused: `REPLCONF GETACK` goes out when the pause ends.
    pub getack_pending: bool,
}

impl ReplState {
    /// State of a fresh master.
    pub fn new(now_ms: u64) -> Self {
        ReplState {
            ids: Ids::fresh(),
            backlog: None,
            link: None,
            replicas: Vec::new(),
            confs: HashMap::new(),
            receivers: HashMap::new(),
            stats: SyncStats::default(),
            no_replicas_since_ms: now_ms,
            waiters: Vec::new(),
            job: None,
            job_path: None,
            next_job: 1,
            next_generation: 1,
            wake_jobs: Arc::new(Notify::new()),
            wake_link: Arc::new(Notify::new()),
            last_ping_ms: now_ms,
            stream_db: 0,
            pause: pause::Pause::default(),
            failover: None,
            getack_pending: false,
        }
    }

    /// True when this server is a replica.
    pub fn is_replica(&self) -> bool {
        self.link.is_some()
    }

    /// The attached replica with client id `id`.
    pub fn replica_mut(&mut self, id: u64) -> Option<&mut ReplicaLink> {
        self.replicas.iter_mut().find(|r| r.client_id == id)
    }
}

/// A replica restarted from an RDB with replication fields continues that history (Redis's cached
/// master built from the RDB).
fn resume_loaded_history(state: &mut ServerState, id: ReplId, offset: i64) {
    let Ok(offset) = u64::try_from(offset) else { return };
    state.repl.ids.replid = id;
    state.effects.offset = offset;
    let path = crate::persist::rdb::rdb_path(state);
    let databases = state.keyspace.dbs.len();
    state.repl.stream_db = load::rdb_stream_db(&path).filter(|db| *db < databases).unwrap_or(0);
    if let Some(link) = &mut state.repl.link {
        link.resume = true;
        link.read_offset = offset;
    }
    tracing::info!("Using the replication ID and offset of the loaded RDB ({id}:{offset}) to continue with the master");
}

/// Moves the effects appended since the last call into the backlog and the replicas' outboxes (a
/// master with a backlog only; a replica forwards its master's bytes instead, see [`stream`]).
pub fn feed(state: &mut ServerState) {
    if state.repl.backlog.is_none() || state.repl.link.is_some() || !state.effects.is_enabled() {
        return;
    }
    let bytes = state.effects.take();
    if !bytes.is_empty() {
        feed_bytes(state, &bytes);
    }
}

/// Appends stream bytes to the backlog and to every replica whose stream has started.
pub fn feed_bytes(state: &mut ServerState, bytes: &[u8]) {
    if let Some(backlog) = &mut state.repl.backlog {
        backlog.append(bytes);
    }
    let ServerState { repl, clients, .. } = state;
    for replica in repl.replicas.iter().filter(|r| r.receives_stream()) {
        if let Some(record) = clients.get_mut(replica.client_id) {
            record.push(bytes);
        }
    }
}

/// Forgets a closed connection's replication state (attached replica, REPLCONF options, WAIT).
pub fn client_closed(state: &mut ServerState, id: u64, now_ms: u64) {
    let repl = &mut state.repl;
    repl.pause.client_closed(id);
    repl.confs.remove(&id);
    repl.receivers.remove(&id);
    repl.waiters.retain(|w| w.client_id != id);
    let Some(position) = repl.replicas.iter().position(|r| r.client_id == id) else { return };
    let replica = repl.replicas.remove(position);
    tracing::info!("Connection with replica {}:{} lost.", replica.ip(), replica.conf.listening_port);
    if repl.replicas.is_empty() {
        repl.no_replicas_since_ms = now_ms;
    }
}

/// The replication aux fields of an RDB saved now (Redis's `rdbPopulateSaveInfo`): a master with a
/// backlog, or a replica, records its id, offset and stream database so a restart can continue.
pub fn rdb_info(state: &ServerState) -> Option<rds_rdb::ReplInfo> {
    let stream_db = match &state.repl.link {
        None if state.repl.backlog.is_some() => state.effects.current_db().unwrap_or(0),
        Some(link) if link.client_id.is_some() || link.resume => state.repl.stream_db,
        _ => return None,
    };
    Some(rds_rdb::ReplInfo {
        stream_db: i64::try_from(stream_db).unwrap_or(0),
        id: state.repl.ids.replid.to_string(),
        offset: i64::try_from(state.effects.offset).unwrap_or(i64::MAX),
    })
}

/// Starts the replication tasks (the snapshot coordinator, the master-link supervisor and the cron)
/// once the dataset is loaded. A `replicaof` directive makes the server a replica; the history
/// recorded in the loaded RDB lets it continue with a partial resync.
pub fn start(shared: &Arc<Shared>) {
    {
        let mut state = shared.lock();
        let loaded = state.persist.loaded_repl.take();
        if let Some((host, port)) = state.config.replica_of() {
            master::become_replica(&mut state, &host, port, crate::state::now_ms(), true);
            if let Some((id, offset)) = loaded.and_then(|(id, offset)| Some((ReplId::parse(id.as_bytes())?, offset))) {
                resume_loaded_history(&mut state, id, offset);
            }
        }
    }
    tokio::spawn(job::coordinator(shared.clone()));
    tokio::spawn(replica::supervisor(shared.clone()));
    tokio::spawn(master::cron(shared.clone()));
    tokio::spawn(pause::timer(shared.clone()));
}
