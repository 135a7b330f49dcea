//! The link to our master: connect, the 7.0 handshake, PSYNC, the RDB transfer and load, then the
//! stream ([`super::stream`]); on any failure, reconnect a second later and try to continue.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rds_repl::handshake::{Action, Handshake, HandshakeConfig};
use rds_repl::transfer::{parse_preamble, Framing, PreambleLine};
use rds_repl::ReplId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::load::install;
use super::stream::Link;
use super::{LinkState, Transfer};
use crate::state::{now_ms, Shared};

/// Longest line accepted during the handshake.
const MAX_LINE: usize = 64 * 1024;

/// Runs one link task per REPLICAOF generation.
pub async fn supervisor(shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    let wake = shared.lock().repl.wake_link.clone();
    let mut running: Option<u64> = None;
    loop {
        let wanted = shared.lock().repl.link.as_ref().map(|l| (l.generation, l.cancel.clone()));
        if wanted.as_ref().map(|w| w.0) != running {
            running = wanted.as_ref().map(|w| w.0);
            if let Some((generation, cancel)) = wanted {
                tokio::spawn(link_task(shared.clone(), generation, cancel));
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn link_task(shared: Arc<Shared>, generation: u64, cancel: CancellationToken) {
    loop {
        let error = tokio::select! {
            _ = cancel.cancelled() => return,
            error = attempt(&shared, generation, &cancel) => error,
        };
        if cancel.is_cancelled() {
            return;
        }
        warn!("{error}");
        {
            let mut state = shared.lock();
            match state.repl.link.as_mut().filter(|l| l.generation == generation) {
                Some(link) => {
                    link.state = LinkState::Connect;
                    link.transfer = None;
                }
                None => return,
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = shared.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// The master connection during the handshake and the transfer.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    timeout: Duration,
}

impl Conn {
    async fn read_more(&mut self) -> Result<usize, String> {
        self.buf.reserve(16 * 1024);
        match tokio::time::timeout(self.timeout, self.stream.read_buf(&mut self.buf)).await {
            Err(_) => Err("Timeout connecting to the MASTER...".to_string()),
            Ok(Ok(0)) => Err("Master closed the connection".to_string()),
            Ok(Ok(n)) => Ok(n),
            Ok(Err(error)) => Err(format!("Error reading from MASTER: {error}")),
        }
    }

    async fn read_line(&mut self) -> Result<Vec<u8>, String> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let line = self.buf.split_to(end + 1);
                let line = line.strip_suffix(b"\n").unwrap_or(&line);
                return Ok(line.strip_suffix(b"\r").unwrap_or(line).to_vec());
            }
            if self.buf.len() > MAX_LINE {
                return Err("Bad protocol from MASTER: line too long".to_string());
            }
            self.read_more().await?;
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream.write_all(bytes).await.map_err(|e| format!("Error writing to MASTER: {e}"))
    }
}

/// Sets the link state if the link is still ours; false when it was replaced.
fn set_state(shared: &Shared, generation: u64, new: LinkState) -> bool {
    let mut state = shared.lock();
    match state.repl.link.as_mut().filter(|l| l.generation == generation) {
        Some(link) => {
            link.state = new;
            true
        }
        None => false,
    }
}

/// One connection attempt; returns why it ended.
async fn attempt(shared: &Arc<Shared>, generation: u64, cancel: &CancellationToken) -> String {
    let Some((address, source, config, timeout)) = prepare(shared, generation) else {
        return "replication link replaced".to_string();
    };
    info!("Connecting to MASTER {address}");
    info!("MASTER <-> REPLICA sync started");
    let stream = match tokio::time::timeout(timeout, connect(&address, source.as_deref())).await {
        Err(_) => return "Timeout connecting to the MASTER...".to_string(),
        Ok(Err(error)) => return format!("Error condition on socket for SYNC: {error}"),
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    if !set_state(shared, generation, LinkState::Handshake) {
        return "replication link replaced".to_string();
    }
    info!("Non blocking connect for SYNC fired the event.");
    let mut conn = Conn { stream, buf: BytesMut::new(), timeout };
    let failover = config.failover;
    let mut stage = Stage::BeforePsync;
    let action = match handshake(&mut conn, config, &mut stage).await {
        Ok(action) => action,
        Err(error) => {
            // A FAILOVER ends here if the target did not take our PSYNC (Redis's syncWithMaster).
            match stage {
                Stage::PsyncWrite if failover => {
                    end_failover(shared, generation, Some("Write error to failover target"))
                }
                Stage::PsyncSent if failover => {
                    end_failover(shared, generation, Some("Failover target rejected psync request"))
                }
                _ => {}
            }
            return error;
        }
    };
    if failover {
        let rejected = matches!(action, Action::Sync(_)).then_some("Failover target rejected psync request");
        end_failover(shared, generation, rejected);
        if rejected.is_some() {
            return "failover target rejected psync request".to_string();
        }
    }
    match action {
        Action::FullResync { replid, offset } => {
            let replid = replid.unwrap_or(ReplId::NONE);
            info!("Full resync from master: {replid}:{offset}");
            full_sync(shared, generation, conn, replid, u64::try_from(offset).unwrap_or(0), cancel).await
        }
        Action::Sync(_) => full_sync(shared, generation, conn, ReplId::random(), 0, cancel).await,
        Action::Continue { replid } => {
            info!("Successful partial resynchronization with master.");
            continue_history(shared, replid);
            info!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            let link = Link {
                stream: conn.stream,
                inbuf: BytesMut::new(),
                raw: BytesMut::new(),
                in_multi: 0,
                decoder: Default::default(),
                postponed: None,
            };
            let mut link = link;
            link.raw.extend_from_slice(&conn.buf);
            link.inbuf = conn.buf;
            super::stream::run(shared, generation, link, cancel, false).await
        }
        Action::Send(_) | Action::Wait => "unexpected handshake state".to_string(),
    }
}

/// Reads what the attempt needs from the state: the address, the handshake parameters, the timeout.
fn prepare(shared: &Shared, generation: u64) -> Option<(String, Option<String>, HandshakeConfig, Duration)> {
    let mut state = shared.lock();
    let port = state.port;
    let offset = state.effects.offset;
    let replid = state.repl.ids.replid;
    let announce_port = u16::try_from(state.config.int("replica-announce-port")).unwrap_or(0);
    let optional = |value: Vec<u8>| (!value.is_empty()).then_some(value);
    let masterauth = optional(state.config.bytes("masterauth"));
    let masteruser = optional(state.config.bytes("masteruser"));
    let announce_ip = optional(state.config.bytes("replica-announce-ip"));
    let source = Some(state.config.str("bind-source-addr")).filter(|source| !source.is_empty());
    let timeout = Duration::from_secs(state.settings.repl.timeout_secs);
    let failover = super::failover::in_progress(&state);
    let link = state.repl.link.as_mut().filter(|l| l.generation == generation)?;
    link.state = LinkState::Connecting;
    let address = if link.host.contains(':') {
        format!("[{}]:{}", link.host, link.port)
    } else {
        format!("{}:{}", link.host, link.port)
    };
    let config = HandshakeConfig {
        masteruser,
        masterauth,
        listening_port: if announce_port != 0 { announce_port } else { port },
        announce_ip,
        resume: link.resume.then_some((replid, offset)),
        failover,
    };
    Some((address, source, config, timeout))
}

/// Connects to the master at `address`, from the local address `source` when `bind-source-addr` is set.
async fn connect(address: &str, source: Option<&str>) -> std::io::Result<TcpStream> {
    let Some(source) = source else { return TcpStream::connect(address).await };
    let source: std::net::IpAddr = source
        .parse()
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("bad bind-source-addr {source}")))?;
    let mut last_error = None;
    for target in tokio::net::lookup_host(address).await?.filter(|target| target.is_ipv4() == source.is_ipv4()) {
        let socket = if target.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.bind(std::net::SocketAddr::new(source, 0))?;
        match socket.connect(target).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no address of the source's family")
    }))
}

/// How far the handshake got: a FAILOVER is aborted when its PSYNC could not be sent or was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    BeforePsync,
    PsyncWrite,
    PsyncSent,
}

/// The FAILOVER that this link was started for ends: the target answered our PSYNC (`None`), or
/// refused it (the reason), which makes us a master again.
fn end_failover(shared: &Shared, generation: u64, rejected: Option<&str>) {
    let mut state = shared.lock();
    if state.repl.link.as_ref().is_none_or(|l| l.generation != generation) || !super::failover::in_progress(&state) {
        return;
    }
    match rejected {
        None => super::failover::clear(&mut state),
        Some(reason) => super::failover::abort(&mut state, reason, now_ms()),
    }
}

async fn handshake(conn: &mut Conn, config: HandshakeConfig, stage: &mut Stage) -> Result<Action, String> {
    let resume = config.resume;
    let (mut handshake, ping) = Handshake::start(config);
    conn.send(&ping).await?;
    let mut pinged = false;
    loop {
        let line = conn.read_line().await?;
        let action = handshake.on_line(&line).map_err(|abort| abort.0)?;
        for note in handshake.notes.drain(..) {
            info!("{note}");
        }
        match action {
            Action::Wait => {}
            Action::Send(bytes) => {
                if !pinged {
                    pinged = true;
                    info!("Master replied to PING, replication can continue...");
                } else {
                    match resume {
                        Some((id, offset)) => {
                            info!("Trying a partial resynchronization (request {id}:{}).", offset + 1)
                        }
                        None => info!("Partial resynchronization not possible (no cached master)"),
                    }
                    *stage = Stage::PsyncWrite;
                    conn.send(&bytes).await?;
                    *stage = Stage::PsyncSent;
                    continue;
                }
                conn.send(&bytes).await?;
            }
            Action::Sync(bytes) => {
                conn.send(&bytes).await?;
                return Ok(Action::Sync(bytes));
            }
            done => return Ok(done),
        }
    }
}

/// `+CONTINUE`: if the master's history has a new id, ours becomes the previous one. A replica
/// restarted from an RDB has no backlog yet: it starts here.
fn continue_history(shared: &Shared, replid: Option<ReplId>) {
    let mut state = shared.lock();
    let offset = state.effects.offset;
    if state.repl.backlog.is_none() {
        let size = state.settings.repl.backlog_size;
        state.repl.backlog = Some(rds_repl::Backlog::new(size, offset));
    }
    let Some(new) = replid.filter(|new| *new != state.repl.ids.replid) else { return };
    state.repl.ids.replid2 = state.repl.ids.replid;
    state.repl.ids.second_replid_offset = i64::try_from(offset).unwrap_or(i64::MAX).saturating_add(1);
    state.repl.ids.replid = new;
    info!("Master replication ID changed to {new}");
    super::role::disconnect_replicas(&mut state);
}

/// Receives and loads the RDB, then applies the stream.
async fn full_sync(
    shared: &Arc<Shared>,
    generation: u64,
    mut conn: Conn,
    replid: ReplId,
    offset: u64,
    cancel: &CancellationToken,
) -> String {
    {
        let mut state = shared.lock();
        let Some(link) = state.repl.link.as_mut().filter(|l| l.generation == generation) else {
            return "replication link replaced".to_string();
        };
        link.resume = false;
        link.state = LinkState::Transfer;
        link.transfer = Some(Transfer { total: None, read: 0, last_io_ms: now_ms() });
    }
    let framing = match read_preamble(&mut conn).await {
        Ok(framing) => framing,
        Err(error) => return error,
    };
    let loaded = match super::transfer::receive(
        shared,
        generation,
        &mut conn.stream,
        &mut conn.buf,
        conn.timeout,
        framing,
    )
    .await
    {
        Ok(loaded) => loaded,
        Err(error) => return error,
    };
    let old = {
        let mut state = shared.lock();
        if state.repl.link.as_ref().is_none_or(|l| l.generation != generation) {
            return "replication link replaced".to_string();
        }
        let old = install(&mut state, loaded, replid, offset);
        info!("MASTER <-> REPLICA sync: Finished with success");
        old
    };
    tokio::task::spawn_blocking(move || drop(old));
    let diskless = matches!(framing, Framing::EofMark(_));
    let mut link = Link {
        stream: conn.stream,
        inbuf: BytesMut::new(),
        raw: BytesMut::new(),
        in_multi: 0,
        decoder: Default::default(),
        postponed: None,
    };
    link.raw.extend_from_slice(&conn.buf);
    link.inbuf = conn.buf;
    super::stream::run(shared, generation, link, cancel, diskless).await
}

async fn read_preamble(conn: &mut Conn) -> Result<Framing, String> {
    loop {
        let line = conn.read_line().await?;
        match parse_preamble(&line) {
            PreambleLine::Keepalive => continue,
            PreambleLine::MasterError(text) => return Err(format!("MASTER aborted replication with an error: {text}")),
            PreambleLine::BadProtocol(text) => {
                return Err(format!(
                    "Bad protocol from MASTER, the first byte is not '$' (we received '{text}'), are you sure the host and port are right?"
                ))
            }
            PreambleLine::Framing(framing) => return Ok(framing),
        }
    }
}
