//! The task serving one replica after PSYNC/SYNC: the `+FULLRESYNC` line and the RDB as the snapshot
//! job produces them, then the stream buffered in the client's outbox since the snapshot began, then
//! the live stream. It also reads the replica's commands (`REPLCONF ACK`): a replica's command that
//! produces a reply closes the link, as in Redis 7.0.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rds_resp::{RequestDecoder, RequestLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::{ReplicaState, SyncEvent};
use crate::client::Session;
use crate::dispatch::execute;
use crate::state::{now_ms, ServerState, Shared};

/// Bytes read from the RDB file per write.
const FILE_CHUNK: usize = 64 * 1024;

/// A replica connection in feeding mode.
struct Feeder {
    shared: Arc<Shared>,
    stream: crate::stream::ClientStream,
    session: Session,
    inbuf: BytesMut,
    decoder: RequestDecoder,
    out: BytesMut,
    /// Bytes written since the stats were last updated.
    unreported: u64,
    /// `repl-timeout`: longest a write may wait for the replica to read.
    timeout: Duration,
    /// Notified when the outbox grows or the client is killed.
    wakeup: Arc<tokio::sync::Notify>,
}

/// Serves replica `session` on `stream` until the link closes. `inbuf` holds input already read.
pub async fn serve(
    shared: Arc<Shared>,
    stream: crate::stream::ClientStream,
    session: Session,
    inbuf: BytesMut,
    decoder: RequestDecoder,
) {
    let id = session.id;
    let (wakeup, events, timeout) = {
        let mut state = shared.lock();
        let Some(record) = state.clients.get(id) else { return };
        let wakeup = record.wakeup.clone();
        let timeout = Duration::from_secs(state.settings.repl.timeout_secs);
        (wakeup, state.repl.receivers.remove(&id), timeout)
    };
    let out = BytesMut::new();
    let mut feeder = Feeder { shared, stream, session, inbuf, decoder, out, unreported: 0, timeout, wakeup };
    let pending = std::mem::take(&mut feeder.session.reply.buf);
    // Commands pipelined after PSYNC were read with it: run them now.
    let leftover_ok = feeder.inbuf.is_empty() || feeder.execute_input();
    if leftover_ok && feeder.write(&pending).await {
        feeder.run(events).await;
    }
    let _ = feeder.stream.shutdown().await;
}

impl Feeder {
    async fn run(&mut self, mut events: Option<mpsc::Receiver<SyncEvent>>) {
        let shutdown = self.shared.shutdown.clone();
        let wakeup = self.wakeup.clone();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            if !self.poll() {
                return;
            }
            if !self.out.is_empty() {
                let out = std::mem::take(&mut self.out);
                if !self.write(&out).await {
                    return;
                }
                self.out = out;
                self.out.clear();
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = wakeup.notified() => {}
                event = next_event(&mut events) => {
                    if !self.on_event(event).await {
                        return;
                    }
                }
                read = self.stream.read_buf(&mut self.inbuf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => if !self.execute_input() {
                        return;
                    },
                },
                _ = tick.tick() => {
                    if self.waiting_for_snapshot() && !self.write(b"\n").await {
                        return;
                    }
                }
            }
        }
    }

    /// Under the lock: false when the client was killed; moves the outbox to `out` once streaming.
    fn poll(&mut self) -> bool {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        let state = &mut *state;
        state.repl.stats.net_output_bytes += std::mem::take(&mut self.unreported);
        let id = self.session.id;
        let Some(replica) = state.repl.replicas.iter().find(|r| r.client_id == id) else { return false };
        let streaming = replica.state == ReplicaState::Online && !replica.stream_on_ack && !replica.conf.rdb_only;
        let Some(record) = state.clients.get_mut(id) else { return false };
        if record.kill {
            return false;
        }
        if streaming && !record.outbox.is_empty() {
            std::mem::swap(&mut self.out, &mut record.outbox);
            record.soft_limit_since_ms = None;
        }
        true
    }

    /// True while the replica waits for a snapshot to start, or for a disk snapshot to finish:
    /// Redis sends it a newline every second meanwhile.
    fn waiting_for_snapshot(&self) -> bool {
        let state = self.shared.lock();
        let Some(replica) = state.repl.replicas.iter().find(|r| r.client_id == self.session.id) else { return false };
        match replica.state {
            ReplicaState::WaitBgsaveStart(_) => true,
            ReplicaState::WaitBgsaveEnd(job) => state.repl.job.is_some_and(|j| j.id == job && !j.diskless),
            _ => false,
        }
    }

    async fn on_event(&mut self, event: Option<SyncEvent>) -> bool {
        match event {
            None | Some(SyncEvent::Failed) => false,
            Some(SyncEvent::Line(line)) => self.write(&line).await,
            Some(SyncEvent::Chunk(chunk)) => self.write(&chunk).await,
            Some(SyncEvent::File(path)) => self.send_file(&path).await && self.put_online(),
            Some(SyncEvent::End) => self.put_online(),
        }
    }

    /// The RDB is fully sent: the replica is online (a diskless one streams from its first ack).
    fn put_online(&mut self) -> bool {
        let mut state = self.shared.lock();
        let now = now_ms();
        let Some(replica) = state.repl.replica_mut(self.session.id) else { return false };
        let diskless = replica.state != ReplicaState::SendBulk;
        replica.state = ReplicaState::Online;
        replica.stream_on_ack = diskless && !replica.pre_psync;
        replica.ack_time_ms = now;
        let name = format!("{}:{}", replica.ip(), replica.conf.listening_port);
        let rdb_only = replica.conf.rdb_only;
        info!("Synchronization with replica {name} succeeded");
        !rdb_only
    }

    /// Sends the RDB file with a `$<len>` preamble; a blocking thread reads it.
    async fn send_file(&mut self, path: &Path) -> bool {
        let (sender, mut chunks) = mpsc::channel::<std::io::Result<Vec<u8>>>(4);
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || read_file(&path, &sender));
        while let Some(chunk) = chunks.recv().await {
            match chunk {
                Ok(bytes) => {
                    if !self.write(&bytes).await {
                        return false;
                    }
                }
                Err(error) => {
                    warn!("SYNC failed. Can't open/stat DB after BGSAVE: {error}");
                    return false;
                }
            }
        }
        true
    }

    /// Runs the replica's commands; false when the link must close (protocol error, or a command
    /// that replied: replicas only send REPLCONF ACK and newlines).
    fn execute_input(&mut self) -> bool {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        loop {
            let limits = RequestLimits {
                max_bulk_len: state.settings.proto_max_bulk_len,
                authenticated: self.session.authenticated,
                from_master: false,
            };
            match self.decoder.decode(&mut self.inbuf, limits) {
                Ok(Some(request)) => {
                    execute(&mut state, &mut self.session, &request.argv);
                    if !self.session.reply.buf.is_empty() {
                        log_reply(&state, self.session.id, &request.argv);
                        return false;
                    }
                }
                Ok(None) => return self.inbuf.len() <= state.settings.query_buffer_limit,
                Err(_) => return false,
            }
        }
    }

    /// Writes `bytes`; false when the replica is gone, did not read for `repl-timeout` (Redis's
    /// "Disconnecting timedout replica"), or was killed meanwhile (CLIENT KILL, output buffer limit).
    async fn write(&mut self, bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return true;
        }
        self.unreported += bytes.len() as u64;
        let (shared, wakeup, id) = (self.shared.clone(), self.wakeup.clone(), self.session.id);
        let killed = async move {
            loop {
                wakeup.notified().await;
                if shared.lock().clients.get(id).is_none_or(|c| c.kill) {
                    return;
                }
            }
        };
        tokio::select! {
            written = tokio::time::timeout(self.timeout, self.stream.write_all(bytes)) => match written {
                Ok(result) => result.is_ok(),
                Err(_) => {
                    warn!("Disconnecting timedout replica (full sync): id={}", self.session.id);
                    false
                }
            },
            _ = killed => false,
        }
    }
}

fn log_reply(state: &ServerState, id: u64, argv: &[bytes::Bytes]) {
    let name = argv.first().map(|n| String::from_utf8_lossy(n).to_lowercase()).unwrap_or_default();
    let addr = state.clients.get(id).map(|c| c.addr.to_string()).unwrap_or_default();
    warn!("Replica generated a reply to command '{name}', disconnecting it: id={id} addr={addr}");
}

/// Reads `path` for [`Feeder::send_file`]: the `$<len>` preamble first, then the contents.
fn read_file(path: &Path, sender: &mpsc::Sender<std::io::Result<Vec<u8>>>) {
    use std::io::Read;
    let opened = std::fs::File::open(path).and_then(|file| Ok((file.metadata()?.len(), file)));
    let (len, mut file) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            let _ = sender.blocking_send(Err(error));
            return;
        }
    };
    if sender.blocking_send(Ok(rds_repl::transfer::sized_preamble(len))).is_err() {
        return;
    }
    loop {
        let mut chunk = vec![0u8; FILE_CHUNK];
        match file.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                chunk.truncate(n);
                if sender.blocking_send(Ok(chunk)).is_err() {
                    return;
                }
            }
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        }
    }
}

/// The next event, or `None` once the channel is closed (then never again: pending forever).
async fn next_event(events: &mut Option<mpsc::Receiver<SyncEvent>>) -> Option<SyncEvent> {
    let Some(receiver) = events else { return std::future::pending().await };
    let event = receiver.recv().await;
    if event.is_none() {
        *events = None;
        return std::future::pending().await;
    }
    event
}
