//! Full-resync snapshots: when replicas wait for one, start a point-in-time snapshot through the
//! persistence engine ([`crate::persist::start_external`]: copy-on-write walk, no fork, one job at a
//! time like Redis's fork child) and stream it as an RDB, either to a file sent afterwards with
//! `$<len>` (disk-backed) or straight to the replicas' sockets with the EOF-mark framing (diskless,
//! Redis 7.0's default), several replicas sharing one snapshot.
//!
//! The replicas' streams are buffered in their outboxes from the moment the snapshot began (the
//! offset of their `+FULLRESYNC`), under the same lock acquisition.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rds_rdb::ReplInfo;
use rds_repl::transfer::{eof_preamble, random_mark};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::master::start_for_job;
use super::{JobInfo, ReplicaState, SyncEvent};
use crate::persist::snapshot::{FinishFn, SnapshotResult};
use crate::persist::StartError;
use crate::state::{now_ms, ServerState, Shared};

/// How often a running job's result is polled.
const POLL_RUNNING: Duration = Duration::from_millis(5);
/// How often waiting replicas are checked otherwise (the diskless delay is counted in seconds).
const POLL_IDLE: Duration = Duration::from_millis(100);

/// Starts snapshot jobs for waiting replicas, one at a time, and hands their results to the feeders.
pub async fn coordinator(shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    let wake = shared.lock().repl.wake_jobs.clone();
    loop {
        let period = if shared.lock().repl.job.is_some() { POLL_RUNNING } else { POLL_IDLE };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(period) => {}
        }
        let mut state = shared.lock();
        if state.repl.job.is_some() {
            collect(&mut state);
        } else {
            plan(&mut state, now_ms());
        }
    }
}

/// Decides whether a job starts now, and starts it: Redis's `startBgsaveForReplication`.
fn plan(state: &mut ServerState, now: u64) {
    let waiting: Vec<u64> = state
        .repl
        .replicas
        .iter()
        .filter(|r| matches!(r.state, ReplicaState::WaitBgsaveStart(_)))
        .map(|r| r.client_id)
        .collect();
    if waiting.is_empty() || state.persist.job.is_some() || state.persist.is_loading() {
        return;
    }
    let settings = state.settings.repl.clone();
    let replicas = || state.repl.replicas.iter().filter(|r| waiting.contains(&r.client_id));
    let diskless = settings.diskless_sync && replicas().all(|r| r.conf.capa_eof);
    if diskless {
        let since = replicas().filter_map(|r| match r.state {
            ReplicaState::WaitBgsaveStart(since) => Some(since),
            _ => None,
        });
        let waited_ms = since.map(|since| now.saturating_sub(since)).max().unwrap_or(0);
        let enough = settings.diskless_sync_max_replicas > 0 && waiting.len() >= settings.diskless_sync_max_replicas;
        if !enough && waited_ms < settings.diskless_sync_delay_secs * 1000 {
            return;
        }
    }
    begin(state, &waiting, diskless);
}

/// Starts the snapshot and tells the replicas (`+FULLRESYNC`): their streams start here.
fn begin(state: &mut ServerState, waiting: &[u64], diskless: bool) {
    let offset = state.effects.offset;
    // A master's stream after a full resync begins with SELECT; a replica forwards its master's
    // bytes, and the RDB tells its replicas which database that stream is in.
    let stream_db = if state.repl.link.is_some() { state.repl.stream_db } else { 0 };
    let mut aux = crate::persist::rdb::aux_fields(state, false);
    aux.repl = Some(ReplInfo {
        stream_db: i64::try_from(stream_db).unwrap_or(0),
        id: state.repl.ids.replid.to_string(),
        offset: i64::try_from(offset).unwrap_or(0),
    });
    let started = if diskless {
        info!("Starting BGSAVE for SYNC with target: replicas sockets");
        start_diskless(state, waiting, aux)
    } else {
        info!("Starting BGSAVE for SYNC with target: disk");
        start_disk(state, aux)
    };
    let token = match started {
        Ok(token) => token,
        Err(StartError::Busy) => return,
        Err(StartError::Failed(error)) => {
            warn!("BGSAVE for replication failed: {error}");
            fail_waiting(state, waiting);
            return;
        }
    };
    let id = state.repl.next_job;
    state.repl.next_job += 1;
    let job = JobInfo { id, token, diskless, offset };
    state.repl.job = Some(job);
    if state.repl.link.is_none() {
        state.effects.reset_db();
    }
    for &client in waiting {
        start_for_job(state, client, job);
    }
}

fn start_diskless(state: &mut ServerState, waiting: &[u64], aux: rds_rdb::AuxFields) -> Result<u64, StartError> {
    let mark = random_mark();
    let targets: Vec<(u64, mpsc::Sender<SyncEvent>)> = state
        .repl
        .replicas
        .iter()
        .filter(|r| waiting.contains(&r.client_id))
        .filter_map(|r| r.events.clone().map(|events| (r.client_id, events)))
        .collect();
    let fan = FanOut { targets, preamble: Some(Bytes::from(eof_preamble(&mark))) };
    let finish: FinishFn<FanOut> = Box::new(move |written| {
        let mut fan = written?;
        fan.write_all(&mark).map_err(|e| e.to_string())
    });
    state.repl.job_path = None;
    crate::persist::start_external(state, aux, fan, finish)
}

fn start_disk(state: &mut ServerState, aux: rds_rdb::AuxFields) -> Result<u64, StartError> {
    let path = crate::persist::rdb::rdb_path(state);
    let temp = state.config.dir().join(format!("temp-repl-{}.rdb", std::process::id()));
    let file = File::create(&temp).map_err(|e| StartError::Failed(format!("{}: {e}", temp.display())))?;
    let (from, to) = (temp.clone(), path.clone());
    let finish: FinishFn<BufWriter<File>> = Box::new(move |written| {
        let result = written.and_then(|writer| {
            let file = writer.into_inner().map_err(|e| e.error().to_string())?;
            file.sync_all().map_err(|e| e.to_string())?;
            std::fs::rename(&from, &to).map_err(|e| e.to_string())
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&from);
        }
        result
    });
    let token = crate::persist::start_external(state, aux, BufWriter::with_capacity(64 * 1024, file), finish);
    if token.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    state.repl.job_path = Some(path);
    token
}

/// Collects the running job's result, if it has one, and hands it to its replicas.
fn collect(state: &mut ServerState) {
    let Some(job) = state.repl.job else { return };
    let results = &mut state.persist.external_results;
    let Some(position) = results.iter().position(|(token, _)| *token == job.token) else { return };
    let (_, result) = results.remove(position);
    state.repl.job = None;
    state.repl.wake_jobs.notify_one();
    complete(state, job, result);
}

fn complete(state: &mut ServerState, job: JobInfo, result: SnapshotResult) {
    let path: Option<PathBuf> = state.repl.job_path.take();
    let members: Vec<u64> = state
        .repl
        .replicas
        .iter()
        .filter(|r| r.state == ReplicaState::WaitBgsaveEnd(job.id))
        .map(|r| r.client_id)
        .collect();
    match &result {
        Ok(stats) => {
            info!("Background RDB transfer terminated with success ({} keys, {} bytes)", stats.keys, stats.bytes);
            if !job.diskless {
                state.last_save_secs = now_ms() / 1000;
                info!("DB saved on disk");
            }
        }
        Err(error) => warn!("SYNC failed. BGSAVE for replication failed: {error}"),
    }
    for id in members {
        let Some(replica) = state.repl.replica_mut(id) else { continue };
        let event = match (&result, &path) {
            (Err(_), _) => SyncEvent::Failed,
            (Ok(_), Some(path)) if !job.diskless => {
                replica.state = ReplicaState::SendBulk;
                SyncEvent::File(path.clone())
            }
            (Ok(_), _) => SyncEvent::End,
        };
        if let Some(events) = &replica.events {
            let _ = events.try_send(event);
        }
    }
}

/// Tells replicas that were about to be served that the snapshot could not start.
fn fail_waiting(state: &mut ServerState, waiting: &[u64]) {
    for replica in state.repl.replicas.iter().filter(|r| waiting.contains(&r.client_id)) {
        if let Some(events) = &replica.events {
            let _ = events.try_send(SyncEvent::Failed);
        }
    }
}

/// The diskless payload's destination: every chunk goes to each replica's feeder (the first one
/// after the `$EOF:<mark>` preamble); replicas that went away are dropped, and the snapshot fails when
/// none is left. Runs in the snapshot writer thread, so it may block on a slow replica.
struct FanOut {
    targets: Vec<(u64, mpsc::Sender<SyncEvent>)>,
    preamble: Option<Bytes>,
}

impl FanOut {
    fn send(&mut self, chunk: Bytes) -> std::io::Result<()> {
        self.targets.retain(|(_, sender)| sender.blocking_send(SyncEvent::Chunk(chunk.clone())).is_ok());
        if self.targets.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "no replica left"));
        }
        Ok(())
    }
}

impl Write for FanOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(preamble) = self.preamble.take() {
            self.send(preamble)?;
        }
        self.send(Bytes::copy_from_slice(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
