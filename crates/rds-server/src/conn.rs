//! One task per client connection: read, decode, execute under the server lock in batches, write.
//!
//! Pipelined requests that arrive in one read are executed under one lock acquisition and their replies
//! leave in one write, which is where most of the per-command cost of a naive server goes. While a write
//! is blocked the task does not read, so a client that sends without reading can only hold one batch of
//! replies in memory.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use std::collections::VecDeque;

use rds_resp::request::Request;
use rds_resp::{ProtocolError, RequestDecoder, RequestLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::{debug, info, Instrument};

use crate::client::{PeerAddr, Session};
use crate::dispatch::execute;
use crate::state::{now_ms, ServerState, Shared};
use crate::stream::ClientStream;

/// Replies buffered before the batch is flushed to the socket.
const REPLY_FLUSH_BYTES: usize = 64 * 1024;
/// Bytes read per `read` call at least.
const READ_CHUNK: usize = 16 * 1024;

/// The text Redis sends before closing a remote client in protected mode.
const PROTECTED_MODE_DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Accepts the connection (or refuses it like Redis) and serves it until it closes.
pub async fn serve(shared: Arc<Shared>, mut stream: ClientStream, peer: PeerAddr, laddr: PeerAddr) {
    // Unix socket clients count as local, as in Redis's protected mode.
    let is_local = match &peer {
        PeerAddr::Tcp(addr) => addr.ip().is_loopback(),
        PeerAddr::Unix(_) => true,
    };
    let admitted = {
        let mut state = shared.lock();
        state.stats.connections_received += 1;
        if state.clients.len() >= state.settings.maxclients {
            state.stats.rejected_connections += 1;
            Err("-ERR max number of clients reached\r\n")
        } else if state.settings.protected_mode && state.settings.requirepass.is_empty() && !is_local {
            Err(PROTECTED_MODE_DENIED)
        } else {
            let id = state.clients.register(peer.clone(), laddr, now_ms());
            let authenticated = state.settings.requirepass.is_empty();
            Ok(Session::new(id, authenticated, is_local))
        }
    };
    let session = match admitted {
        Ok(session) => session,
        Err(refusal) => {
            let _ = stream.write_all(refusal.as_bytes()).await;
            return;
        }
    };
    let span = tracing::info_span!("conn", id = session.id, peer = %peer);
    let id = session.id;
    let connection = Connection {
        shared: shared.clone(),
        stream,
        session,
        inbuf: BytesMut::with_capacity(READ_CHUNK),
        decoder: RequestDecoder::new(),
        unreported_output: 0,
        idle_timeout: None,
        queued: VecDeque::new(),
        queued_error: None,
        aof_barrier: None,
    };
    connection.run().instrument(span).await;
    let mut state = shared.lock();
    let state = &mut *state;
    if let Some(record) = state.clients.get_mut(id) {
        state.tracking.disable(record);
    }
    state.clients.unregister(id);
    state.monitors.retain(|m| *m != id);
    state.watches.unwatch_all(id);
    state.blocking.unblock(id);
    state.pubsub.remove_client(id);
    crate::repl::client_closed(state, id, now_ms());
}

struct Connection {
    shared: Arc<Shared>,
    stream: ClientStream,
    session: Session,
    inbuf: BytesMut,
    decoder: RequestDecoder,
    /// Bytes written since the stats were last updated (folded in at the next batch, saving a lock).
    unreported_output: u64,
    /// The idle timeout that applies to this client, refreshed at every batch.
    idle_timeout: Option<Duration>,
    /// Requests decoded ahead of execution, so their keys can be warmed in the cache together.
    queued: VecDeque<Request>,
    /// A framing error met while decoding ahead: reported once the requests before it have run.
    queued_error: Option<ProtocolError>,
    /// With `appendfsync always`: the AOF fsync the buffered replies must wait for.
    aof_barrier: Option<crate::persist::aof::fsync::Barrier>,
}

/// Why a batch stopped executing.
enum BatchEnd {
    /// Every complete request in the buffer ran; wait for more input.
    NeedInput,
    /// Replies piled up: flush them, then continue with the buffered requests.
    Flush,
    /// The connection must close once replies are written.
    Close,
    /// The last command blocked the client, until the deadline (ms since the epoch) if any.
    Blocked(Option<u64>),
    /// PSYNC/SYNC: the connection becomes a replica link.
    Handover,
}

impl Connection {
    async fn run(mut self) {
        let wakeup = match self.shared.lock().clients.get(self.session.id) {
            Some(record) => record.wakeup.clone(),
            None => return,
        };
        let shutdown = self.shared.shutdown.clone();
        self.idle_timeout = {
            let state = self.shared.lock();
            self.idle_timeout_of(&state)
        };
        let mut pending_input = false;
        let mut blocked_until: Option<Option<u64>> = None;
        loop {
            if pending_input && blocked_until.is_none() {
                match self.execute_batch() {
                    BatchEnd::NeedInput => pending_input = false,
                    BatchEnd::Flush => pending_input = true,
                    BatchEnd::Close => self.session.close_after_reply = true,
                    BatchEnd::Blocked(deadline) => blocked_until = Some(deadline),
                    BatchEnd::Handover => {
                        let Connection { shared, stream, session, inbuf, decoder, .. } = self;
                        return crate::repl::feeder::serve(shared, stream, session, inbuf, decoder).await;
                    }
                }
            }
            if !self.flush().await || self.session.close_after_reply {
                break;
            }
            if pending_input && blocked_until.is_none() {
                continue;
            }
            let wait = match blocked_until {
                Some(deadline) => deadline.map(|when| Duration::from_millis(when.saturating_sub(now_ms()))),
                None => self.idle_timeout,
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wakeup.notified() => {
                    if !self.take_pushes(&mut blocked_until) {
                        break;
                    }
                    if blocked_until.is_none() && self.has_buffered_input() {
                        pending_input = true;
                    }
                }
                read = self.read_more() => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => pending_input = true,
                },
                _ = sleep_or_forever(wait) => {
                    if blocked_until.is_some() {
                        self.time_out_block();
                        blocked_until = None;
                        pending_input = self.has_buffered_input();
                    } else {
                        debug!("closing idle client");
                        break;
                    }
                }
            }
        }
        let _ = self.flush().await;
    }

    /// The blocking timeout passed: reply the command's timeout reply, unless it was served meanwhile.
    fn time_out_block(&mut self) {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        if let Some(blocked) = state.blocking.unblock(self.session.id) {
            blocked.request.timeout_reply.write(&mut self.session.reply);
        }
        self.absorb_outbox(&mut state);
    }

    /// Reads what the socket has. A buffer released while idle is allocated again only once input is
    /// there (this future is created anew at every loop turn), so an idle client holds none.
    async fn read_more(&mut self) -> std::io::Result<usize> {
        if self.inbuf.capacity() == 0 {
            self.stream.readable().await?;
        }
        if self.inbuf.capacity() - self.inbuf.len() < READ_CHUNK {
            self.inbuf.reserve(READ_CHUNK);
        }
        self.stream.read_buf(&mut self.inbuf).await
    }

    fn idle_timeout_of(&self, state: &ServerState) -> Option<Duration> {
        let secs = state.settings.idle_timeout_secs;
        let kind = state.clients.get(self.session.id).map(|c| c.kind);
        let exempt = matches!(
            kind,
            Some(
                crate::client::ClientKind::Replica
                    | crate::client::ClientKind::Master
                    | crate::client::ClientKind::PubSub
            )
        );
        (secs > 0 && !exempt).then(|| Duration::from_secs(secs))
    }

    /// Moves messages pushed by other clients into the reply buffer and notices when a blocked command
    /// was served; false when the client was killed.
    fn take_pushes(&mut self, blocked_until: &mut Option<Option<u64>>) -> bool {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        if blocked_until.is_some() && !state.blocking.is_blocked(self.session.id) {
            *blocked_until = None;
        }
        self.absorb_outbox(&mut state)
    }

    fn absorb_outbox(&mut self, state: &mut ServerState) -> bool {
        let Some(record) = state.clients.get_mut(self.session.id) else { return false };
        if record.kill {
            return false;
        }
        if record.release_buffers {
            record.release_buffers = false;
            if self.inbuf.is_empty() && self.queued.is_empty() && self.session.reply.buf.is_empty() {
                // Allocated again by the next read; thousands of idle clients hold nothing meanwhile.
                self.inbuf = BytesMut::new();
                self.session.reply.buf = BytesMut::new();
                record.buffers_released = true;
            }
        }
        if !record.outbox.is_empty() {
            self.session.reply.buf.extend_from_slice(&record.outbox);
            record.outbox.clear();
            record.soft_limit_since_ms = None;
            // Pushed replies (a served BLPOP, a message) may show writes not yet fsynced.
            self.aof_barrier = crate::persist::aof::barrier(state);
        }
        true
    }

    /// Executes the complete requests in the input buffer under one lock acquisition.
    fn execute_batch(&mut self) -> BatchEnd {
        let shared = self.shared.clone();
        shared.busy_poll.note_batch();
        let mut state = shared.lock();
        if !self.absorb_outbox(&mut state) {
            return BatchEnd::Close;
        }
        let input_before = self.inbuf.len();
        self.session.clock_us = Some(crate::state::now_us());
        let end = loop {
            let limits = RequestLimits {
                max_bulk_len: state.settings.proto_max_bulk_len,
                authenticated: self.session.authenticated,
                from_master: false,
            };
            match self.next_request(&state, limits) {
                Ok(Some(request)) => {
                    execute(&mut state, &mut self.session, &request.argv);
                    if self.session.postponed {
                        // A client pause holds it back: wait (like a blocked client) and run it again.
                        self.session.postponed = false;
                        self.queued.push_front(request);
                        break BatchEnd::Blocked(None);
                    }
                    self.decoder.recycle(request.argv);
                    if self.session.handover {
                        break BatchEnd::Handover;
                    }
                    if self.session.close_after_reply || state.shutdown_requested {
                        break BatchEnd::Close;
                    }
                    if let Some(blocked) = state.blocking.get(self.session.id) {
                        break BatchEnd::Blocked(blocked.request.deadline_ms);
                    }
                    if self.session.reply.buf.len() >= REPLY_FLUSH_BYTES {
                        break BatchEnd::Flush;
                    }
                }
                Ok(None) => break BatchEnd::NeedInput,
                Err(error) => {
                    self.session.reply.error(&error.reply_text());
                    info!("Protocol error ({error}) from client: id={}", self.session.id);
                    break BatchEnd::Close;
                }
            }
        };
        self.session.clock_us = None;
        state.tracking_before_sleep();
        // The batch's writes reach the AOF (and with `appendfsync always` the disk) before its replies.
        crate::persist::after_batch(&mut state);
        self.aof_barrier = crate::persist::aof::barrier(&mut state);
        let consumed = input_before.saturating_sub(self.inbuf.len());
        state.stats.net_input_bytes += consumed as u64;
        state.stats.net_output_bytes += std::mem::take(&mut self.unreported_output);
        self.idle_timeout = self.idle_timeout_of(&state);
        if self.inbuf.len() > state.settings.query_buffer_limit {
            tracing::warn!("Closing client that reached max query buffer length (qbuf={})", self.inbuf.len());
            return BatchEnd::Close;
        }
        if let Some(record) = state.clients.get_mut(self.session.id) {
            record.query_buffer = self.inbuf.len();
            record.buffers_released = false;
            // Only large batches matter for output limits; small ones are not worth a lock to clear.
            let pending = self.session.reply.buf.len();
            record.reply_pending = if pending >= REPLY_FLUSH_BYTES { pending } else { 0 };
        }
        if state.shutdown_requested {
            self.shared.shutdown.cancel();
        }
        end
    }

    /// Most requests decoded ahead of execution.
    const DECODE_AHEAD: usize = 64;

    /// The next request to run: decoded ahead in runs of pipelined requests whose keys are then warmed
    /// together, so the cache misses of their lookups overlap instead of adding up. Before
    /// authentication requests are decoded one at a time, since AUTH changes the decoder's limits.
    fn next_request(&mut self, state: &ServerState, limits: RequestLimits) -> Result<Option<Request>, ProtocolError> {
        if let Some(request) = self.queued.pop_front() {
            return Ok(Some(request));
        }
        if let Some(error) = self.queued_error.take() {
            return Err(error);
        }
        if !self.session.authenticated {
            return self.decoder.decode(&mut self.inbuf, limits);
        }
        while self.queued.len() < Self::DECODE_AHEAD {
            match self.decoder.decode(&mut self.inbuf, limits) {
                Ok(Some(request)) => self.queued.push_back(request),
                Ok(None) => break,
                Err(error) => {
                    self.queued_error = Some(error);
                    break;
                }
            }
        }
        if self.queued.len() > 1 {
            if let Some(db) = state.keyspace.dbs.get(self.session.db).filter(|db| !db.is_empty()) {
                let warmed = warm_keys(db, &self.queued, self.session.last_spec);
                std::hint::black_box(warmed + warm_members(db, &self.queued));
            }
        }
        match self.queued.pop_front() {
            Some(request) => Ok(Some(request)),
            None => self.queued_error.take().map_or(Ok(None), Err),
        }
    }

    /// True when input is waiting: undecoded bytes or requests decoded ahead.
    fn has_buffered_input(&self) -> bool {
        !self.inbuf.is_empty() || !self.queued.is_empty() || self.queued_error.is_some()
    }

    /// Writes the reply buffer; false when the peer is gone.
    async fn flush(&mut self) -> bool {
        if self.session.reply.buf.is_empty() {
            return true;
        }
        if let Some(barrier) = self.aof_barrier.take() {
            barrier.wait().await;
        }
        // Let every other connection with input ready run its batch first, then write: replies leave
        // in a burst, as from Redis's beforeSleep, and a client woken by the first of them finds the
        // others already queued instead of being woken once per reply (measured: -P 16 SADD/HSET
        // +17%/+22%, server CPU per request -14%; see docs/architecture.md).
        tokio::task::yield_now().await;
        let written = self.session.reply.buf.len();
        let ok = self.stream.write_all(&self.session.reply.buf).await.is_ok();
        self.session.reply.buf.clear();
        if self.session.reply.buf.capacity() > 4 * REPLY_FLUSH_BYTES {
            self.session.reply.buf = BytesMut::new();
        }
        self.unreported_output += written as u64;
        if written >= REPLY_FLUSH_BYTES {
            if let Some(record) = self.shared.lock().clients.get_mut(self.session.id) {
                record.reply_pending = 0;
            }
        }
        ok
    }
}

/// Warms the keys of the queued requests, [`rds_storage::dict::WARM_MAX`] at a time.
fn warm_keys(
    db: &rds_storage::Db,
    queued: &VecDeque<Request>,
    last_spec: Option<&'static rds_commands::CommandSpec>,
) -> usize {
    const MAX: usize = rds_storage::dict::WARM_MAX;
    let mut keys: [&[u8]; MAX] = [&[]; MAX];
    let (mut count, mut warmed) = (0, 0);
    for request in queued {
        for_each_key(&request.argv, last_spec, |key| {
            if count == MAX {
                warmed += db.warm_many(keys.iter().copied());
                count = 0;
            }
            keys[count] = key;
            count += 1;
        });
    }
    warmed + db.warm_many(keys[..count].iter().copied())
}

/// Calls `f` with each key of a request. Up to three arguments the second is taken as the key
/// without a table lookup (GET, SET, INCR, HSET ...; warming a non-key costs only the warming);
/// longer requests use their command's (first, last, step) positions, so the keys of MSET and MGET
/// after the first are warmed too. `last_spec` is the connection's last command (see
/// [`crate::dispatch::same_command`]).
fn for_each_key<'a>(
    argv: &'a [bytes::Bytes],
    last_spec: Option<&'static rds_commands::CommandSpec>,
    mut f: impl FnMut(&'a [u8]),
) {
    if argv.len() <= 3 {
        if let Some(key) = argv.get(1) {
            f(key);
        }
        return;
    }
    let spec = argv
        .first()
        .and_then(|name| crate::dispatch::same_command(last_spec, name).or_else(|| rds_commands::lookup(name)));
    if let Some(spec) = spec.filter(|spec| !spec.has(rds_commands::flags::MOVABLE_KEYS)) {
        for position in spec.key_position_iter(argv.len()) {
            if let Some(key) = argv.get(position) {
                f(key);
            }
        }
    }
}

/// Commands whose third argument is a field of the hash, or a member of the set, at their key.
fn names_member_at_2(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 14] = [
        b"hset",
        b"hsetnx",
        b"hget",
        b"hexists",
        b"hincrby",
        b"hincrbyfloat",
        b"hdel",
        b"hstrlen",
        b"hmget",
        b"hmset",
        b"sadd",
        b"srem",
        b"sismember",
        b"smismember",
    ];
    matches!(name.first(), Some(b'h' | b'H' | b's' | b'S'))
        && NAMES.iter().any(|known| known.len() == name.len() && known.eq_ignore_ascii_case(name))
}

/// Warms the fields and members that queued hash and set commands will look up in their
/// collection's table, one [`rds_storage::Db::warm_members`] call per run of requests on one key.
fn warm_members(db: &rds_storage::Db, queued: &VecDeque<Request>) -> usize {
    const MAX: usize = rds_storage::dict::WARM_MAX;
    let mut fields: [&[u8]; MAX] = [&[]; MAX];
    let (mut count, mut key, mut warmed): (usize, &[u8], usize) = (0, &[], 0);
    for request in queued {
        let (Some(name), Some(this_key), Some(member)) =
            (request.argv.first(), request.argv.get(1), request.argv.get(2))
        else {
            continue;
        };
        if !names_member_at_2(name) {
            continue;
        }
        if count > 0 && (this_key.as_ref() != key || count == MAX) {
            warmed += db.warm_members(key, fields[..count].iter().copied());
            count = 0;
        }
        key = this_key;
        fields[count] = member;
        count += 1;
    }
    if count > 0 {
        warmed += db.warm_members(key, fields[..count].iter().copied());
    }
    warmed
}

async fn sleep_or_forever(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}
