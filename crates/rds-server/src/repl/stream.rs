//! Applying our master's stream: every command runs through the dispatcher as the master client (no
//! replies, no READONLY / stale / bulk-length checks). The processed offset advances by the wire
//! length of each command once it ran (a MULTI ... EXEC block at its EXEC), and exactly those bytes
//! go to our backlog and our own replicas, so a chain carries the master's bytes unchanged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rds_resp::{RequestDecoder, RequestLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{feed_bytes, LinkState};
use crate::client::{ClientKind, Session};
use crate::dispatch::execute;
use crate::state::{now_ms, ServerState, Shared};

/// Bytes read from the master per read call at least.
const READ_CHUNK: usize = 16 * 1024;

/// The master link once synchronised.
pub struct Link {
    /// The socket.
    pub stream: TcpStream,
    /// Bytes read and not decoded yet.
    pub inbuf: BytesMut,
    /// Bytes read and not applied yet (a copy of the wire, for the backlog and our replicas).
    pub raw: BytesMut,
    /// Bytes of commands run inside a MULTI not yet closed by EXEC.
    pub in_multi: usize,
    /// Request decoder.
    pub decoder: RequestDecoder,
    /// A command a client pause holds back (Redis 7.0 pauses the master client too): it runs first
    /// once the pause ends, and nothing after it runs before.
    pub postponed: Option<rds_resp::request::Request>,
}

/// Applies the stream until the link breaks or is cancelled. `db` is the database the stream is in
/// (the RDB's `repl-stream-db`, or the one we had); `ack_now` sends an ACK at once (after a
/// diskless transfer a master streams only after the first ACK).
pub async fn run(
    shared: &Arc<Shared>,
    generation: u64,
    mut link: Link,
    cancel: &CancellationToken,
    ack_now: bool,
) -> String {
    let Some((mut session, wakeup)) = attach(shared, generation, &link.stream) else {
        return "replication link replaced".to_string();
    };
    let timeout = Duration::from_secs(shared.lock().settings.repl.timeout_secs);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if !ack_now {
        tick.tick().await;
    }
    let shutdown = shared.shutdown.clone();
    // What arrived with the last handshake or RDB bytes is the start of the stream.
    if !link.inbuf.is_empty() {
        if let Err(error) = apply(shared, &mut session, &mut link) {
            detach(shared, generation, session.id);
            return error;
        }
    }
    let reason = loop {
        tokio::select! {
            _ = cancel.cancelled() => break "replication link replaced".to_string(),
            _ = shutdown.cancelled() => break "shutting down".to_string(),
            _ = wakeup.notified() => {
                if shared.lock().clients.get(session.id).is_none_or(|c| c.kill) {
                    break "master client killed".to_string();
                }
                if link.postponed.is_some() {
                    match apply(shared, &mut session, &mut link) {
                        Err(error) => break error,
                        Ok(acks) => {
                            if send_acks(&mut link.stream, acks).await.is_err() {
                                break "error writing ACK to master".to_string();
                            }
                        }
                    }
                }
            }
            _ = tick.tick() => {
                let offset = shared.lock().effects.offset;
                if link.stream.write_all(&rds_repl::ack_command(offset)).await.is_err() {
                    break "error writing ACK to master".to_string();
                }
            }
            read = tokio::time::timeout(timeout, read_some(&mut link)) => match read {
                Err(_) => break "MASTER timeout: no data nor PING received...".to_string(),
                Ok(Ok(0)) => break "Connection with master lost.".to_string(),
                Ok(Err(error)) => break format!("Error reading from MASTER: {error}"),
                Ok(Ok(_)) => {
                    let acks = apply(shared, &mut session, &mut link);
                    match acks {
                        Err(error) => break error,
                        Ok(acks) => {
                            let _ = send_acks(&mut link.stream, acks).await;
                        }
                    }
                }
            }
        }
    };
    detach(shared, generation, session.id);
    reason
}

async fn send_acks(stream: &mut TcpStream, acks: Vec<u64>) -> std::io::Result<()> {
    for offset in acks {
        stream.write_all(&rds_repl::ack_command(offset)).await?;
    }
    Ok(())
}

async fn read_some(link: &mut Link) -> std::io::Result<usize> {
    if link.inbuf.capacity() - link.inbuf.len() < READ_CHUNK {
        link.inbuf.reserve(READ_CHUNK);
    }
    let before = link.inbuf.len();
    let n = link.stream.read_buf(&mut link.inbuf).await?;
    link.raw.extend_from_slice(&link.inbuf[before..]);
    Ok(n)
}

/// Registers the master client and marks the link connected.
fn attach(shared: &Arc<Shared>, generation: u64, stream: &TcpStream) -> Option<(Session, Arc<tokio::sync::Notify>)> {
    let peer = stream.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let local = stream.local_addr().unwrap_or(peer);
    let mut state = shared.lock();
    let now = now_ms();
    let db = state.repl.stream_db;
    if state.repl.link.as_ref().is_none_or(|l| l.generation != generation) {
        return None;
    }
    let id = state.clients.register(peer, local, now);
    let record = state.clients.get_mut(id)?;
    record.kind = ClientKind::Master;
    record.db = db;
    let wakeup = record.wakeup.clone();
    let link = state.repl.link.as_mut()?;
    link.state = LinkState::Connected;
    link.client_id = Some(id);
    link.resume = true;
    link.down_since_ms = 0;
    link.last_io_ms = now;
    link.transfer = None;
    let mut session = Session::new(id, true, peer.ip().is_loopback());
    session.is_master = true;
    session.db = db;
    Some((session, wakeup))
}

/// The link broke: the history is kept to continue later (Redis's cached master).
fn detach(shared: &Arc<Shared>, generation: u64, id: u64) {
    let mut state = shared.lock();
    state.clients.unregister(id);
    let now = now_ms();
    if let Some(link) = state.repl.link.as_mut().filter(|l| l.generation == generation) {
        link.client_id = None;
        link.state = LinkState::Connect;
        link.down_since_ms = now;
        info!("Caching the disconnected master state.");
    }
}

/// Runs every complete command received; returns the offsets to acknowledge (GETACK).
fn apply(shared: &Arc<Shared>, session: &mut Session, link: &mut Link) -> Result<Vec<u64>, String> {
    let mut guard = shared.lock();
    let state: &mut ServerState = &mut guard;
    let base = state.effects.offset;
    let mut applied = 0usize;
    let mut acks = Vec::new();
    // One clock read per applied command, as for a client's pipelined batch (see `Session::clock_us`).
    session.clock_us = Some(crate::state::now_us());
    loop {
        let limits =
            RequestLimits { max_bulk_len: state.settings.proto_max_bulk_len, authenticated: true, from_master: true };
        let request = match link.postponed.take() {
            Some(request) => request,
            None => match link.decoder.decode(&mut link.inbuf, limits) {
                Ok(Some(request)) => request,
                Ok(None) => break,
                Err(error) => {
                    warn!("Protocol error from MASTER: {error}");
                    return Err(format!("Protocol error from master: {error}"));
                }
            },
        };
        execute(state, session, &request.argv);
        if session.postponed {
            session.postponed = false;
            link.postponed = Some(request);
            break;
        }
        session.reply.buf.clear();
        link.in_multi += request.wire_len;
        link.decoder.recycle(request.argv);
        if let Some(master) = state.repl.link.as_mut().filter(|l| l.ack_requested) {
            master.ack_requested = false;
            acks.push(base + applied as u64);
        }
        if session.multi.is_none() {
            applied += std::mem::take(&mut link.in_multi);
        }
    }
    session.clock_us = None;
    let bytes = link.raw.split_to(applied.min(link.raw.len()));
    state.effects.offset = base + bytes.len() as u64;
    feed_bytes(state, &bytes);
    state.repl.stats.net_input_bytes += bytes.len() as u64;
    state.repl.stream_db = session.db;
    let now = now_ms();
    let read = (link.raw.len()) as u64;
    if let Some(master) = state.repl.link.as_mut() {
        master.last_io_ms = now;
        master.read_offset = state.effects.offset + read;
    }
    if let Some(record) = state.clients.get_mut(session.id) {
        record.db = session.db;
        record.last_interaction_ms = now;
    }
    Ok(acks)
}
