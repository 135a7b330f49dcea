//! Receiving the RDB from our master (either framing) and loading it into a new dataset as it
//! arrives. With `repl-diskless-load disabled` (the default) the payload also goes to a temporary
//! file kept as our `dbfilename`, as Redis does; `on-empty-db` (over an empty dataset) and `swapdb`
//! load from the socket only.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use rds_repl::transfer::{Framing, Receiver};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::info;

use super::load::{load, ChannelReader, LoadParams, Loaded};
use super::DisklessLoad;
use crate::state::{now_ms, Shared};

/// Chunks queued between the socket and a loader reading from it.
const LOAD_QUEUE: usize = 16;

/// Where received payload goes: the loader, and (for a disk-backed load) the file writer, each a
/// blocking thread fed through a bounded channel.
struct Sink {
    loader: mpsc::Sender<Bytes>,
    file: Option<mpsc::Sender<Bytes>>,
}

impl Sink {
    async fn put(&mut self, data: Bytes) -> Result<(), String> {
        if let Some(file) = &self.file {
            file.send(data.clone())
                .await
                .map_err(|_| "MASTER <-> REPLICA sync: writing the DB file failed".to_string())?;
        }
        self.loader.send(data).await.map_err(|_| "MASTER <-> REPLICA sync: loading the DB failed".to_string())
    }
}

/// Writes chunks to a new file at `path` until the channel closes, then syncs it.
fn write_file(path: &std::path::Path, mut chunks: mpsc::Receiver<Bytes>) -> Result<(), String> {
    use std::io::Write;
    let error = |e: std::io::Error| {
        format!(
            "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: {e}"
        )
    };
    let mut file = std::fs::File::create(path).map_err(error)?;
    while let Some(chunk) = chunks.blocking_recv() {
        file.write_all(&chunk).map_err(error)?;
    }
    file.sync_all().map_err(error)
}

/// Receives the payload announced by `framing` and loads it into a new dataset while it arrives
/// (the old one keeps serving reads until the swap). With `repl-diskless-load disabled` (or
/// `on-empty-db` over a non-empty dataset) the payload is also written to a temporary file that
/// becomes our `dbfilename`, as Redis's disk-backed load leaves it. `buf` holds bytes already read;
/// on return it holds what followed the payload (the start of the stream).
pub async fn receive(
    shared: &Arc<Shared>,
    generation: u64,
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    timeout: Duration,
    framing: Framing,
) -> Result<Loaded, String> {
    let (params, keep_file, dir, dbfilename) = {
        let state = shared.lock();
        let empty = state.keyspace.total_keys() == 0;
        let keep_file = match state.settings.repl.diskless_load {
            DisklessLoad::Disabled => true,
            DisklessLoad::OnEmptyDb => !empty,
            DisklessLoad::Swapdb => false,
        };
        (LoadParams::of(&state), keep_file, state.config.dir(), state.config.str("dbfilename"))
    };
    let mut receiver = Receiver::new(framing);
    let target = if keep_file { "to disk" } else { "from socket" };
    match framing {
        Framing::Sized(len) => info!("MASTER <-> REPLICA sync: receiving {len} bytes from master {target}"),
        Framing::EofMark(_) => info!("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"),
    }
    let (loader_tx, chunks) = mpsc::channel(LOAD_QUEUE);
    let loader = tokio::task::spawn_blocking(move || load(ChannelReader::new(chunks), params, now_ms()));
    let temp = dir.join(format!("temp-{}.{}.rdb", now_ms() / 1000, std::process::id()));
    let mut writer = None;
    let mut guard = TempFile(keep_file.then(|| temp.clone()));
    let mut sink = Sink { loader: loader_tx, file: None };
    if keep_file {
        let (file_tx, chunks) = mpsc::channel(LOAD_QUEUE);
        let path = temp.clone();
        writer = Some(tokio::task::spawn_blocking(move || write_file(&path, chunks)));
        sink.file = Some(file_tx);
    }
    info!("MASTER <-> REPLICA sync: Flushing old data");
    info!("MASTER <-> REPLICA sync: Loading DB in memory");
    let pumped = pump(shared, generation, stream, buf, timeout, &mut receiver, &mut sink).await;
    drop(sink);
    let written = match writer {
        Some(writer) => writer.await.map_err(|e| format!("writer failed: {e}")).and_then(|r| r),
        None => Ok(()),
    };
    let loaded = wait_loading(stream, loader).await;
    let result = pumped.and(written).and(loaded);
    if result.is_ok() && keep_file && std::fs::rename(&temp, dir.join(dbfilename)).is_ok() {
        guard.0 = None;
    }
    result
}

/// Removes the temporary file when the transfer fails or is cancelled (the task may be dropped at
/// any await point by REPLICAOF).
struct TempFile(Option<std::path::PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Moves payload from the socket to `sink` until the framing says it is complete.
async fn pump(
    shared: &Arc<Shared>,
    generation: u64,
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    timeout: Duration,
    receiver: &mut Receiver,
    sink: &mut Sink,
) -> Result<(), String> {
    loop {
        if !buf.is_empty() {
            let mut parts = Vec::new();
            let consumed = receiver.feed(buf, |payload| parts.push(Bytes::copy_from_slice(payload)));
            buf.advance(consumed);
            for part in parts {
                sink.put(part).await?;
            }
            if !progress(shared, generation, receiver) {
                return Err("replication link replaced".to_string());
            }
        }
        if receiver.is_done() {
            return Ok(());
        }
        buf.reserve(64 * 1024);
        match tokio::time::timeout(timeout, stream.read_buf(buf)).await {
            Err(_) => return Err("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.".to_string()),
            Ok(Ok(0)) => return Err("I/O error trying to sync with MASTER: connection lost".to_string()),
            Ok(Err(error)) => return Err(format!("I/O error trying to sync with MASTER: {error}")),
            Ok(Ok(_)) => {}
        }
    }
}

/// Records transfer progress for INFO; false when the link was replaced meanwhile.
fn progress(shared: &Shared, generation: u64, receiver: &Receiver) -> bool {
    let mut state = shared.lock();
    let now = now_ms();
    let Some(link) = state.repl.link.as_mut().filter(|l| l.generation == generation) else { return false };
    if let Some(transfer) = &mut link.transfer {
        transfer.total = receiver.total();
        transfer.read = receiver.received();
        transfer.last_io_ms = now;
    }
    link.last_io_ms = now;
    true
}

/// Waits for the loader, writing a newline to the master every second meanwhile so its
/// `repl-timeout` does not fire.
async fn wait_loading(
    stream: &mut TcpStream,
    mut loader: JoinHandle<Result<Loaded, String>>,
) -> Result<Loaded, String> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tokio::select! {
            result = &mut loader => {
                return result.map_err(|e| format!("loader failed: {e}"))?.map_err(|e| {
                    format!("Failed trying to load the MASTER synchronization DB: {e}")
                });
            }
            _ = tick.tick() => {
                let _ = stream.write_all(b"\n").await;
            }
        }
    }
}
