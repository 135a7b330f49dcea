//! Clients: the record other connections can see ([`ClientRecord`], in the registry) and the
//! connection-private [`Session`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use rds_resp::{Protocol, ReplyBuf};
use tokio::sync::Notify;

/// What kind of connection a client is, for output buffer limits and CLIENT LIST `flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientKind {
    /// An ordinary client.
    #[default]
    Normal,
    /// A replica attached to this master.
    Replica,
    /// The link to our master.
    Master,
    /// In subscribed mode.
    PubSub,
}

/// A client's peer or local address: a TCP address, or the path of the Unix socket it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAddr {
    /// A TCP endpoint.
    Tcp(SocketAddr),
    /// The `unixsocket` path.
    Unix(Arc<str>),
}

impl PeerAddr {
    /// The IP address (or the socket path) without the port: replicas are listed by it.
    pub fn ip(&self) -> String {
        match self {
            PeerAddr::Tcp(addr) => addr.ip().to_string(),
            PeerAddr::Unix(path) => path.to_string(),
        }
    }

    /// True for a Unix socket client (flag `U`, `unix:` in MONITOR).
    pub fn is_unix(&self) -> bool {
        matches!(self, PeerAddr::Unix(_))
    }
}

impl From<SocketAddr> for PeerAddr {
    fn from(addr: SocketAddr) -> Self {
        PeerAddr::Tcp(addr)
    }
}

/// As Redis prints it: `ip:port`, `[ipv6]:port`, or `path:0` for a Unix socket.
impl std::fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerAddr::Tcp(addr) => write!(f, "{addr}"),
            PeerAddr::Unix(path) => write!(f, "{path}:0"),
        }
    }
}

/// A client idle this long gives its empty buffers back (Redis: 2 s).
pub const IDLE_BUFFER_RELEASE_MS: u64 = 2000;

/// What every connection can see of a client (CLIENT LIST, CLIENT KILL, pushes from others).
#[derive(Debug)]
pub struct ClientRecord {
    /// CLIENT ID.
    pub id: u64,
    /// Peer address.
    pub addr: PeerAddr,
    /// Local address.
    pub laddr: PeerAddr,
    /// CLIENT SETNAME.
    pub name: Option<Bytes>,
    /// Selected database.
    pub db: usize,
    /// Connection time, ms since the epoch.
    pub created_ms: u64,
    /// Last command time, ms since the epoch.
    pub last_interaction_ms: u64,
    /// Full name of the last command run.
    pub last_command: &'static str,
    /// Kind of connection.
    pub kind: ClientKind,
    /// True while in MONITOR mode.
    pub monitor: bool,
    /// True while in MULTI, with the number of queued commands.
    pub multi: Option<usize>,
    /// Reply protocol.
    pub protocol: Protocol,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// Subscribed channels, patterns and shard channels.
    pub subscriptions: (usize, usize, usize),
    /// Bytes waiting in the query buffer (updated by the connection).
    pub query_buffer: usize,
    /// Bytes of replies not yet written (updated by the connection).
    pub reply_pending: usize,
    /// Set by the cron for a client idle for [`IDLE_BUFFER_RELEASE_MS`]: its connection frees its
    /// empty query and reply buffers (Redis's clientsCronResizeQueryBuffer/OutputBuffer).
    pub release_buffers: bool,
    /// The connection freed its buffers and has not read since.
    pub buffers_released: bool,
    /// Messages pushed by other connections (pub/sub, MONITOR), not yet moved to the reply buffer.
    pub outbox: BytesMut,
    /// When the outbox first went over the soft output limit, ms since the epoch.
    pub soft_limit_since_ms: Option<u64>,
    /// Set to close the connection (CLIENT KILL, output buffer limits, SHUTDOWN).
    pub kill: bool,
    /// CLIENT TRACKING state, when on.
    pub tracking: Option<crate::tracking::ClientTracking>,
    /// Wakes the connection task when the outbox grows or `kill` is set.
    pub wakeup: Arc<Notify>,
}

impl ClientRecord {
    /// A fresh record for a new connection.
    pub fn new(id: u64, addr: PeerAddr, laddr: PeerAddr, now_ms: u64) -> Self {
        ClientRecord {
            id,
            addr,
            laddr,
            name: None,
            db: 0,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_command: "NULL",
            kind: ClientKind::Normal,
            monitor: false,
            multi: None,
            protocol: Protocol::Resp2,
            no_evict: false,
            subscriptions: (0, 0, 0),
            query_buffer: 0,
            reply_pending: 0,
            release_buffers: false,
            buffers_released: false,
            outbox: BytesMut::new(),
            soft_limit_since_ms: None,
            kill: false,
            tracking: None,
            wakeup: Arc::new(Notify::new()),
        }
    }

    /// Asks the connection to close.
    pub fn request_kill(&mut self) {
        self.kill = true;
        self.wakeup.notify_one();
    }

    /// A reply buffer in this client's protocol, for composing a push.
    pub fn push_buffer(&self) -> ReplyBuf {
        ReplyBuf { buf: BytesMut::new(), protocol: self.protocol }
    }

    /// Appends an encoded push to the outbox and wakes the connection.
    pub fn push(&mut self, bytes: &[u8]) {
        self.outbox.extend_from_slice(bytes);
        self.wakeup.notify_one();
    }

    /// The CLIENT LIST / CLIENT INFO line (without the trailing newline), fields in Redis 7.0's order.
    ///
    /// Memory figures that depend on Redis's allocator (qbuf-free, rbs, tot-mem, ...) are modelled on
    /// what Redis reports for a client in the same situation.
    pub fn info_line(&self, line: &LineContext<'_>) -> String {
        use std::fmt::Write;
        let name = self.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
        let multi = self.multi.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let omem = self.reply_pending + self.outbox.len();
        let memory = BufferMemory::estimate(self, line.current_argv);
        let mut text = String::with_capacity(320);
        let _ = write!(
            text,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} ",
            self.id,
            self.addr,
            self.laddr,
            line.fd,
            name,
            (line.now_ms / 1000).saturating_sub(self.created_ms / 1000),
            if line.current_argv.is_some() {
                0
            } else {
                (line.now_ms / 1000).saturating_sub(self.last_interaction_ms / 1000)
            },
            self.flag_letters(line.blocked),
            self.db,
            self.subscriptions.0,
            self.subscriptions.1,
            self.subscriptions.2,
            multi,
        );
        let _ = write!(
            text,
            "qbuf={} qbuf-free={} argv-mem={} multi-mem=0 rbs={} rbp={} obl=0 oll=0 omem={omem} tot-mem={} ",
            memory.qbuf,
            memory.qbuf_free,
            memory.argv_mem,
            memory.reply_size,
            memory.reply_peak,
            memory.total + omem,
        );
        let _ = write!(
            text,
            "events={} cmd={} user=default redir={} resp={}",
            if omem > 0 { "rw" } else { "r" },
            line.current_command.unwrap_or(self.last_command),
            self.tracking.as_ref().map_or(-1, |state| i64::try_from(state.redirect).unwrap_or(i64::MAX)),
            if self.protocol == Protocol::Resp3 { 3 } else { 2 },
        );
        text
    }

    /// CLIENT LIST `flags`: one letter per state, in Redis's order, or `N` for none.
    fn flag_letters(&self, blocked: bool) -> String {
        let mut flags = String::new();
        if self.monitor {
            flags.push('O');
        } else if self.kind == ClientKind::Replica {
            flags.push('S');
        }
        let letters = [
            (self.kind == ClientKind::Master, 'M'),
            (self.kind == ClientKind::PubSub, 'P'),
            (self.multi.is_some(), 'x'),
            (blocked, 'b'),
            (self.tracking.is_some(), 't'),
            (self.tracking.as_ref().is_some_and(|state| state.broken_redirect), 'R'),
            (self.tracking.as_ref().is_some_and(|state| state.bcast), 'B'),
            (self.kill, 'A'),
            (self.addr.is_unix(), 'U'),
            (self.no_evict, 'e'),
        ];
        flags.extend(letters.iter().filter(|(set, _)| *set).map(|(_, letter)| letter));
        if flags.is_empty() {
            flags.push('N');
        }
        flags
    }
}

/// What CLIENT LIST shows about a client beyond its record.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineContext<'a> {
    /// Current time, ms since the epoch.
    pub now_ms: u64,
    /// The `fd` to show (rds does not expose socket descriptors; callers number clients like Redis's
    /// fds, from 8 up in connection order).
    pub fd: usize,
    /// True while the client is blocked on keys.
    pub blocked: bool,
    /// The arguments of the command the client is running right now (the CLIENT LIST caller itself).
    pub current_argv: Option<&'a [Bytes]>,
    /// The full name of that command.
    pub current_command: Option<&'static str>,
}

/// Buffer sizes as Redis's allocator would report them.
struct BufferMemory {
    qbuf: usize,
    qbuf_free: usize,
    argv_mem: usize,
    reply_size: usize,
    reply_peak: usize,
    total: usize,
}

impl BufferMemory {
    /// Redis's query buffer is a 16 KiB sds in a 20 KiB allocation and its reply buffer 16 KiB; after
    /// 2 s idle the query buffer is freed and the reply buffer shrinks to 1 KiB.
    fn estimate(record: &ClientRecord, current_argv: Option<&[Bytes]>) -> Self {
        const QUERY_BUFFER: usize = 20_474;
        match current_argv {
            Some(argv) => {
                let qbuf = resp_request_len(argv).max(record.query_buffer);
                let argv_mem: usize = argv.iter().map(Bytes::len).sum();
                let total = QUERY_BUFFER.max(qbuf) + 6 + argv_mem + 16_384 + 784;
                let qbuf_free = QUERY_BUFFER.saturating_sub(qbuf);
                BufferMemory { qbuf, qbuf_free, argv_mem, reply_size: 16_384, reply_peak: 16_384, total }
            }
            None if record.last_command == "NULL" => {
                let qbuf = record.query_buffer;
                BufferMemory { qbuf, qbuf_free: 4, argv_mem: 0, reply_size: 1024, reply_peak: 0, total: 1800 + qbuf }
            }
            None if record.buffers_released => {
                BufferMemory { qbuf: 0, qbuf_free: 0, argv_mem: 0, reply_size: 1024, reply_peak: 0, total: 1800 }
            }
            None => {
                let qbuf = record.query_buffer;
                let qbuf_free = QUERY_BUFFER.saturating_sub(qbuf);
                let total = QUERY_BUFFER.max(qbuf) + 6 + 16_384 + 768;
                BufferMemory { qbuf, qbuf_free, argv_mem: 0, reply_size: 16_384, reply_peak: 0, total }
            }
        }
    }
}

/// Length of `argv` encoded as a RESP multibulk request.
fn resp_request_len(argv: &[Bytes]) -> usize {
    let digits = |n: usize| n.to_string().len();
    let header = 3 + digits(argv.len());
    header + argv.iter().map(|arg| 5 + digits(arg.len()) + arg.len()).sum::<usize>()
}

/// Hashes client ids for the registry. Ids are handed out by the server in sequence, never chosen by a
/// client, so a keyed hash (SipHash, a few hundred instructions per lookup, several lookups per
/// command) buys nothing here: a multiply spreads consecutive ids over the table's control bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Every connected client, by id.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    clients: HashMap<u64, ClientRecord, std::hash::BuildHasherDefault<IdHasher>>,
    next_id: u64,
}

impl ClientRegistry {
    /// Registers a connection and returns its id (ids start at 1 and are never reused, like Redis).
    pub fn register(&mut self, addr: impl Into<PeerAddr>, laddr: impl Into<PeerAddr>, now_ms: u64) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.clients.insert(id, ClientRecord::new(id, addr.into(), laddr.into(), now_ms));
        id
    }

    /// Removes a closed connection.
    pub fn unregister(&mut self, id: u64) -> Option<ClientRecord> {
        self.clients.remove(&id)
    }

    /// The record of client `id`.
    pub fn get(&self, id: u64) -> Option<&ClientRecord> {
        self.clients.get(&id)
    }

    /// The record of client `id`, mutable.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut ClientRecord> {
        self.clients.get_mut(&id)
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// True when no client is connected.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// All records in id order.
    pub fn sorted(&self) -> Vec<&ClientRecord> {
        let mut all: Vec<&ClientRecord> = self.clients.values().collect();
        all.sort_by_key(|c| c.id);
        all
    }

    /// All records, mutable, in no particular order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut ClientRecord> {
        self.clients.values_mut()
    }

    /// All records in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &ClientRecord> {
        self.clients.values()
    }
}

/// Connection-private state that handlers may change.
#[derive(Debug)]
pub struct Session {
    /// CLIENT ID.
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// True once authenticated (or when no password is set).
    pub authenticated: bool,
    /// Replies for this connection.
    pub reply: ReplyBuf,
    /// CLIENT REPLY ON/OFF/SKIP.
    pub reply_mode: ReplyMode,
    /// Set by (un)subscribe handlers: their confirmations are pushes, which Redis sends whatever
    /// CLIENT REPLY says (its CLIENT_PUSHING flag); cleared after each command.
    pub pushed_reply: bool,
    /// Close the connection after the pending replies are written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// Is this connection from the local host (for protected mode and `enable-debug-command local`)?
    pub is_local: bool,
    /// Commands queued since MULTI; `None` outside a transaction.
    pub multi: Option<Transaction>,
    /// Set by a blocking handler that found nothing to serve.
    pub block: Option<crate::blocking::BlockRequest>,
    /// True inside EXEC or when retrying for a blocked client: blocking commands must not block.
    pub deny_blocking: bool,
    /// Replication offset right after this client's last propagated write (what WAIT waits for).
    pub woff: u64,
    /// This session applies our master's stream: exempt from READONLY, stale-data and OOM checks.
    pub is_master: bool,
    /// Set by PSYNC/SYNC: once its replies are written the connection becomes a replica link.
    pub handover: bool,
    /// The plain (not container) command this connection ran last: pipelines repeat one command, and
    /// comparing its name is cheaper than a table lookup.
    pub last_spec: Option<&'static rds_commands::CommandSpec>,
    /// Set by dispatch when a client pause holds the command back: it has not run and must be sent
    /// to dispatch again once the pause ends.
    pub postponed: bool,
    /// Set by a connection for the length of one batch of pipelined requests: the clock reading (µs)
    /// at which the next command starts, which is where the previous one ended, so a pipelined
    /// command costs one clock read instead of two. `None` outside a batch: commands read the clock.
    pub clock_us: Option<u64>,
}

/// A transaction being queued.
#[derive(Debug, Default)]
pub struct Transaction {
    /// The queued requests.
    pub queued: Vec<Vec<Bytes>>,
    /// A queued command was rejected: EXEC will fail with EXECABORT.
    pub aborted: bool,
}

/// CLIENT REPLY modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    /// Replies are sent.
    #[default]
    On,
    /// Replies are discarded.
    Off,
    /// The next command's reply is discarded.
    SkipNext,
    /// The current command's reply is discarded (SKIP was the previous command).
    Skip,
}

impl Session {
    /// A session for a new connection.
    pub fn new(id: u64, authenticated: bool, is_local: bool) -> Self {
        Session {
            id,
            db: 0,
            authenticated,
            reply: ReplyBuf::new(),
            reply_mode: ReplyMode::On,
            pushed_reply: false,
            close_after_reply: false,
            is_local,
            multi: None,
            block: None,
            deny_blocking: false,
            woff: 0,
            is_master: false,
            handover: false,
            last_spec: None,
            postponed: false,
            clock_us: None,
        }
    }
}
