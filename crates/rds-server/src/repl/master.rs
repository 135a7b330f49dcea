//! The master side: attaching replicas (partial or full resync), acks, WAIT, min-replicas, the
//! write and stale-data checks, and the replication cron.

use std::sync::Arc;
use std::time::Duration;

use rds_commands::{flags, CommandSpec};
use rds_repl::psync::{self, FullReason};
use rds_repl::Backlog;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::{feed, JobInfo, ReplicaConf, ReplicaLink, ReplicaState, SyncEvent};
use crate::client::{ClientKind, PeerAddr, Session};
use crate::error::CommandError;
use crate::state::{now_ms, ServerState, Shared};

pub use super::role::{become_master, become_replica};

/// Events a feeder may have queued before it drains them (the RDB streams through here).
const EVENT_QUEUE: usize = 64;

/// Why PSYNC/SYNC was refused before any decision.
pub fn sync_refusal(state: &ServerState, session: &Session) -> Option<CommandError> {
    if state.repl.failover.is_some() {
        return Some(CommandError::other("NOMASTERLINK Can't SYNC while failing over"));
    }
    if let Some(link) = &state.repl.link {
        if link.state != super::LinkState::Connected {
            return Some(CommandError::other("NOMASTERLINK Can't SYNC while not connected with my master"));
        }
    }
    if !session.reply.buf.is_empty() {
        return Some(CommandError::err("SYNC and PSYNC are invalid with pending output"));
    }
    None
}

/// Tries a partial resync for `PSYNC <replid> <offset>`: on success registers the replica online and
/// returns the reply (`+CONTINUE` and the backlog from `offset`).
pub fn try_partial(state: &mut ServerState, id: u64, replid: &[u8], offset: i64) -> Result<Vec<u8>, FullReason> {
    let repl = &state.repl;
    psync::decide(replid, offset, &repl.ids, repl.backlog.as_ref()).inspect_err(|reason| {
        log_full_reason(state, id, replid, offset, reason);
    })?;
    let now = now_ms();
    let conf = state.repl.confs.remove(&id).unwrap_or_default();
    let mut reply = psync::continue_line(&state.repl.ids.replid, conf.capa_psync2).into_bytes();
    let start = u64::try_from(offset).unwrap_or(0);
    if let Some((a, b)) = state.repl.backlog.as_ref().and_then(|b| b.range_from(start)) {
        reply.extend_from_slice(a);
        reply.extend_from_slice(b);
    }
    let sent = reply.len();
    let addr = register_replica_client(state, id);
    state.repl.replicas.push(ReplicaLink {
        client_id: id,
        addr: addr.clone(),
        conf,
        state: ReplicaState::Online,
        pre_psync: false,
        ack_off: 0,
        ack_time_ms: now,
        stream_on_ack: false,
        events: None,
    });
    state.repl.stats.partial_ok += 1;
    let backlog_bytes = sent.saturating_sub(psync::continue_line(&state.repl.ids.replid, true).len());
    info!(
        "Partial resynchronization request from {addr} accepted. Sending {backlog_bytes} bytes of backlog starting from offset {offset}."
    );
    Ok(reply)
}

fn log_full_reason(state: &ServerState, id: u64, replid: &[u8], offset: i64, reason: &FullReason) {
    let ids = &state.repl.ids;
    let asked = String::from_utf8_lossy(replid);
    let addr = state.clients.get(id).map(|c| c.addr.to_string()).unwrap_or_default();
    match reason {
        FullReason::Requested => info!("Full resync requested by replica {addr}"),
        FullReason::IdMismatch => info!(
            "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{asked}', my replication IDs are '{}' and '{}')",
            ids.replid, ids.replid2
        ),
        FullReason::SecondIdOffset => info!(
            "Partial resynchronization not accepted: Requested offset for second ID was {offset}, but I can reply up to {}",
            ids.second_replid_offset
        ),
        FullReason::OffsetAhead => warn!(
            "Warning: replica {addr} tried to PSYNC with an offset that is greater than the master replication offset."
        ),
        FullReason::NoBacklog => info!(
            "Unable to partial resync with replica {addr} for lack of backlog (Replica request was: {offset})."
        ),
    }
}

/// Marks the client as a replica in the registry and returns its peer address.
fn register_replica_client(state: &mut ServerState, id: u64) -> PeerAddr {
    match state.clients.get_mut(id) {
        Some(record) => {
            record.kind = ClientKind::Replica;
            record.addr.clone()
        }
        None => PeerAddr::Tcp(std::net::SocketAddr::from(([0, 0, 0, 0], 0))),
    }
}

/// Registers a replica for a full resync: it waits for the next snapshot (or joins a disk snapshot
/// that another replica is already waiting for). Creates the backlog, with a new replication id, when
/// this is the first replica and there is none.
pub fn attach_full(state: &mut ServerState, id: u64, pre_psync: bool) {
    let now = now_ms();
    state.repl.stats.full += 1;
    let conf = state.repl.confs.remove(&id).unwrap_or_default();
    let addr = register_replica_client(state, id);
    let (sender, receiver) = mpsc::channel(EVENT_QUEUE);
    state.repl.receivers.insert(id, receiver);
    state.repl.replicas.push(ReplicaLink {
        client_id: id,
        addr: addr.clone(),
        conf,
        state: ReplicaState::WaitBgsaveStart(now),
        pre_psync,
        ack_off: 0,
        ack_time_ms: now,
        stream_on_ack: false,
        events: Some(sender),
    });
    if state.repl.replicas.len() == 1 && state.repl.backlog.is_none() {
        create_backlog(state);
    }
    if !join_disk_job(state, id) {
        info!("Replica {addr} asks for synchronization; waiting for the next snapshot");
    }
    state.repl.wake_jobs.notify_one();
}

/// A new backlog with a new history (Redis's `changeReplicationId` + `createReplicationBacklog`).
fn create_backlog(state: &mut ServerState) {
    let repl = &mut state.repl;
    repl.ids = rds_repl::psync::Ids::fresh();
    repl.backlog = Some(Backlog::new(state.settings.repl.backlog_size, state.effects.offset));
    state.effects.enable();
    info!("Replication backlog created, my new replication IDs are '{}' and '{}'", repl.ids.replid, repl.ids.replid2);
}

/// Joins a disk snapshot in progress when another replica waits for it (its buffered stream since the
/// snapshot began is copied), like Redis's "Waiting for end of BGSAVE for SYNC".
fn join_disk_job(state: &mut ServerState, id: u64) -> bool {
    let Some(job) = state.repl.job.filter(|j| !j.diskless) else { return false };
    let partner =
        state.repl.replicas.iter().find(|r| r.state == ReplicaState::WaitBgsaveEnd(job.id) && !r.conf.rdb_only);
    let Some(partner_id) = partner.map(|r| r.client_id) else { return false };
    let Some(buffered) = state.clients.get(partner_id).filter(|c| !c.kill).map(|c| c.outbox.clone()) else {
        return false;
    };
    if let Some(record) = state.clients.get_mut(id) {
        record.push(&buffered);
    }
    start_for_job(state, id, job);
    info!("Waiting for end of BGSAVE for SYNC");
    true
}

/// The snapshot `job` covers replica `id` from now on: its stream starts here, and it learns the
/// offset with `+FULLRESYNC`.
pub fn start_for_job(state: &mut ServerState, id: u64, job: JobInfo) {
    let line = psync::fullresync_line(&state.repl.ids.replid, job.offset).into_bytes();
    if let Some(replica) = state.repl.replica_mut(id) {
        replica.state = ReplicaState::WaitBgsaveEnd(job.id);
        if !replica.pre_psync {
            if let Some(events) = &replica.events {
                let _ = events.try_send(SyncEvent::Line(line));
            }
        }
    }
}

/// Applies `REPLCONF ACK <offset>` from replica `id`.
pub fn ack(state: &mut ServerState, id: u64, offset: i64) {
    let now = now_ms();
    let Some(replica) = state.repl.replica_mut(id) else { return };
    if let Ok(offset) = u64::try_from(offset) {
        replica.ack_off = replica.ack_off.max(offset);
    }
    replica.ack_time_ms = now;
    if replica.stream_on_ack && replica.state == ReplicaState::Online {
        replica.stream_on_ack = false;
        if let Some(record) = state.clients.get(id) {
            record.wakeup.notify_one();
        }
    }
    serve_waiters(state);
}

/// Online replicas that acknowledged `offset` (Redis's `replicationCountAcksByOffset`).
pub fn acked(state: &ServerState, offset: u64) -> usize {
    state.repl.replicas.iter().filter(|r| r.state == ReplicaState::Online && r.ack_off >= offset).count()
}

/// Replicas online whose last ack is within `min-replicas-max-lag`.
pub fn good_replicas(state: &ServerState, now: u64) -> usize {
    let max_lag = state.settings.repl.min_replicas_max_lag_secs;
    let now_secs = now / 1000;
    state
        .repl
        .replicas
        .iter()
        .filter(|r| r.state == ReplicaState::Online && now_secs.saturating_sub(r.ack_time_ms / 1000) <= max_lag)
        .count()
}

/// Feeds `REPLCONF GETACK *` so replicas report their offsets soon (WAIT). Not while clients are
/// paused: it would move the offset a FAILOVER waits for; it goes out when the pause ends.
pub fn request_acks(state: &mut ServerState) {
    if state.repl.pause.is_active() {
        state.repl.getack_pending = true;
        return;
    }
    state.repl.getack_pending = false;
    if state.repl.link.is_none() && state.repl.backlog.is_some() && !state.repl.replicas.is_empty() {
        state.effects.append_raw(rds_repl::GETACK_COMMAND);
        feed(state);
    }
}

/// Replies to WAIT clients whose replicas caught up; updates the count the others get on timeout.
pub fn serve_waiters(state: &mut ServerState) {
    if state.repl.waiters.is_empty() {
        return;
    }
    let waiters = std::mem::take(&mut state.repl.waiters);
    for waiter in waiters {
        if !state.blocking.is_blocked(waiter.client_id) {
            continue;
        }
        let count = acked(state, waiter.offset);
        if count >= waiter.numreplicas {
            state.blocking.unblock(waiter.client_id);
            if let Some(record) = state.clients.get_mut(waiter.client_id) {
                record.push(format!(":{count}\r\n").as_bytes());
            }
        } else {
            state.blocking.set_timeout_reply(waiter.client_id, crate::blocking::TimeoutReply::Integer(count as i64));
            state.repl.waiters.push(waiter);
        }
    }
}

/// True for a write command (EXEC counts when a queued command writes).
fn is_write(session: &Session, spec: &CommandSpec) -> bool {
    if spec.has(flags::WRITE) {
        return true;
    }
    spec.name == "exec"
        && session.multi.as_ref().is_some_and(|tx| {
            tx.queued.iter().any(|argv| match rds_commands::resolve(argv) {
                rds_commands::Resolved::Command(queued) => queued.has(flags::WRITE),
                _ => false,
            })
        })
}

/// NOREPLICAS and READONLY, at their place in Redis's `processCommand` (after OOM).
pub fn check_write(state: &ServerState, session: &Session, spec: &CommandSpec) -> Result<(), CommandError> {
    let settings = &state.settings.repl;
    let replica = state.repl.link.is_some();
    if !replica && settings.min_replicas_to_write == 0 {
        return Ok(());
    }
    if !is_write(session, spec) || session.is_master {
        return Ok(());
    }
    if !replica
        && settings.min_replicas_max_lag_secs > 0
        && good_replicas(state, now_ms()) < settings.min_replicas_to_write
    {
        return Err(CommandError::other("NOREPLICAS Not enough good replicas to write."));
    }
    if replica && settings.read_only {
        return Err(CommandError::other("READONLY You can't write against a read only replica."));
    }
    Ok(())
}

/// MASTERDOWN: a replica whose link is down refuses non-STALE commands unless
/// `replica-serve-stale-data` is yes.
pub fn check_stale(state: &ServerState, session: &Session, spec: &CommandSpec) -> Result<(), CommandError> {
    let Some(link) = &state.repl.link else { return Ok(()) };
    if link.state == super::LinkState::Connected || state.settings.repl.serve_stale || session.is_master {
        return Ok(());
    }
    if spec.has(flags::STALE) {
        return Ok(());
    }
    Err(CommandError::other("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."))
}

/// Applies REPLCONF options of client `id` (kept until it PSYNCs, or on its replica record).
pub fn apply_options(state: &mut ServerState, id: u64, options: &[rds_repl::replconf::ReplconfOption]) {
    use rds_repl::replconf::ReplconfOption as O;
    let conf: &mut ReplicaConf = match state.repl.replicas.iter_mut().find(|r| r.client_id == id) {
        Some(replica) => &mut replica.conf,
        None => state.repl.confs.entry(id).or_default(),
    };
    for option in options {
        match option {
            O::ListeningPort(port) => conf.listening_port = *port,
            O::IpAddress(ip) => conf.ip = Some(ip.clone()),
            O::CapaEof => conf.capa_eof = true,
            O::CapaPsync2 => conf.capa_psync2 = true,
            O::RdbOnly(only) => conf.rdb_only = *only,
            O::RdbFilterOnly { .. } => conf.exclude_data = true,
        }
    }
}

/// Once a second (checked every 100 ms): keepalive PING, replica timeouts, backlog TTL and size.
pub async fn cron(shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let mut state = shared.lock();
        let now = now_ms();
        super::failover::update(&mut state, now);
        if state.repl.getack_pending && !state.repl.pause.is_active() {
            request_acks(&mut state);
        }
        if state.repl.link.is_none() {
            master_cron(&mut state, now);
        }
        let size = state.settings.repl.backlog_size;
        if let Some(backlog) = state.repl.backlog.as_mut().filter(|b| b.size() != size) {
            backlog.resize(size);
        }
        let ServerState { repl, blocking, .. } = &mut *state;
        repl.waiters.retain(|w| blocking.is_blocked(w.client_id));
    }
}

fn master_cron(state: &mut ServerState, now: u64) {
    let settings = state.settings.repl.clone();
    // Like Redis, no keepalive while a FAILOVER with a timeout holds clients paused.
    let failing_over = state.repl.failover.as_ref().is_some_and(|f| f.end_ms.is_some()) && state.repl.pause.is_active();
    if !state.repl.replicas.is_empty()
        && !failing_over
        && now.saturating_sub(state.repl.last_ping_ms) >= settings.ping_period_secs * 1000
    {
        state.repl.last_ping_ms = now;
        state.effects.append_raw(rds_repl::PING_COMMAND);
        feed(state);
    }
    let timeout_ms = settings.timeout_secs * 1000;
    let timed_out: Vec<(u64, String)> = state
        .repl
        .replicas
        .iter()
        .filter(|r| r.state == ReplicaState::Online && !r.pre_psync && now.saturating_sub(r.ack_time_ms) > timeout_ms)
        .map(|r| (r.client_id, format!("{}:{}", r.ip(), r.conf.listening_port)))
        .collect();
    for (id, name) in timed_out {
        warn!("Disconnecting timedout replica (streaming sync): {name}");
        if let Some(record) = state.clients.get_mut(id) {
            record.request_kill();
        }
    }
    let ttl = settings.backlog_ttl_secs;
    let idle = now.saturating_sub(state.repl.no_replicas_since_ms) / 1000;
    if state.repl.replicas.is_empty() && state.repl.backlog.is_some() && ttl > 0 && idle >= ttl {
        state.repl.ids = rds_repl::psync::Ids::fresh();
        state.repl.backlog = None;
        state.effects.disable();
        info!("Replication backlog freed after {ttl} seconds without connected replicas.");
    }
}
