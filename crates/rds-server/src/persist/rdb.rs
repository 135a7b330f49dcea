//! SAVE, BGSAVE and save points: writing `<dir>/<dbfilename>` atomically, and the status fields
//! INFO persistence, LASTSAVE and the `-MISCONF` check read.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rds_rdb::{AuxFields, EncodeOptions, Encoder, EntryRef};
use tracing::{info, warn};

use crate::persist::fsutil;
use crate::persist::snapshot::{AccessSave, SnapshotFormat, SnapshotJob, SnapshotResult};
use crate::persist::writer::access_fields;
use crate::persist::{install_job, ActiveJob, JobKind, StartError};
use crate::state::{now_ms, ServerState};

/// Seconds before a save point retries after a failed BGSAVE (Redis's `CONFIG_BGSAVE_RETRY_DELAY`).
pub const BGSAVE_RETRY_DELAY_SECS: u64 = 5;

/// `rdbcompression` / `rdbchecksum`.
pub fn encode_options(state: &ServerState) -> EncodeOptions {
    EncodeOptions { compression: state.config.bool("rdbcompression"), checksum: state.config.bool("rdbchecksum") }
}

/// The access metadata saved with keys: LRU idle time with an LRU policy, the LFU counter with an LFU one.
pub fn access_save(state: &ServerState, now_ms: u64) -> AccessSave {
    let policy = state.config.str("maxmemory-policy");
    if policy.ends_with("lfu") {
        AccessSave::Lfu(state.settings.access, now_ms)
    } else if policy.ends_with("lru") {
        AccessSave::Lru(now_ms)
    } else {
        AccessSave::None
    }
}

/// The aux fields of a snapshot taken now (no replication info: replication supplies its own).
pub fn aux_fields(state: &ServerState, aof_base: bool) -> AuxFields {
    AuxFields {
        redis_ver: crate::cmd::connection::REDIS_VERSION.to_string(),
        redis_bits: 64,
        ctime: i64::try_from(now_ms() / 1000).unwrap_or(0),
        used_mem: i64::try_from(state.used_memory()).unwrap_or(i64::MAX),
        // A master with a backlog, or a replica, records its history so a restart can continue it.
        repl: if aof_base { None } else { crate::repl::rdb_info(state) },
        aof_base,
    }
}

/// `<dir>/<dbfilename>`.
pub fn rdb_path(state: &ServerState) -> PathBuf {
    state.config.dir().join(state.config.str("dbfilename"))
}

/// Name of the temporary file of a BGSAVE (SAVE uses Redis's `temp-<pid>.rdb`; both may coexist).
pub fn temp_bgsave_name(pid: u32) -> String {
    format!("temp-bgsave-{pid}.rdb")
}

/// Writes the whole dataset to `path` at once, under the lock, through a temporary file in the same
/// directory (fsync, rename, fsync the directory). Returns the bytes written.
pub fn write_dataset(state: &ServerState, path: &Path, aof_base: bool) -> Result<u64, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(fsutil::temp_rdb_name(std::process::id()));
    let file = fsutil::create_buffered(&temp).map_err(|e| {
        format!(
            "Failed opening the temp RDB file {} (in server root dir {}) for saving: {e}",
            temp.display(),
            dir.display()
        )
    })?;
    let result = encode_dataset(state, file, aof_base).and_then(|(writer, bytes)| {
        fsutil::flush_and_sync(writer).map_err(|e| e.to_string())?;
        std::fs::rename(&temp, path).map_err(|e| format!("Error moving temp DB file on the final destination: {e}"))?;
        fsutil::fsync_dir(dir).map_err(|e| e.to_string())?;
        Ok(bytes)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn encode_dataset(
    state: &ServerState,
    file: BufWriter<File>,
    aof_base: bool,
) -> Result<(BufWriter<File>, u64), String> {
    let werr = |e: rds_rdb::RdbError| format!("Write error saving DB on disk: {e}");
    let access = access_save(state, now_ms());
    let mut encoder = Encoder::new(file, encode_options(state)).map_err(werr)?;
    encoder.aux_fields(&aux_fields(state, aof_base)).map_err(werr)?;
    for (index, db) in state.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        encoder.select_db(index as u64, db.len() as u64, db.expires_len() as u64).map_err(werr)?;
        for (key, entry) in db.iter() {
            let expire_ms = db.expire_at(key).map(|ms| i64::try_from(ms).unwrap_or(i64::MAX));
            let (idle_secs, freq) = access_fields(access, entry.access);
            let entry = EntryRef { key: key.as_slice(), value: &entry.value, expire_ms, idle_secs, freq };
            encoder.entry(&entry).map_err(werr)?;
        }
    }
    let bytes = encoder.bytes_written() + 9;
    Ok((encoder.finish().map_err(werr)?, bytes))
}

/// SAVE (and the saves of SHUTDOWN, FLUSHALL and DEBUG RELOAD): writes the RDB now, under the lock.
pub fn save(state: &mut ServerState) -> Result<(), String> {
    let path = rdb_path(state);
    match write_dataset(state, &path, false) {
        Ok(_) => {
            info!("DB saved on disk");
            state.dirty = 0;
            state.last_save_secs = now_ms() / 1000;
            state.persist.rdb.last_bgsave_ok = true;
            Ok(())
        }
        Err(error) => {
            warn!("{error}");
            Err(error)
        }
    }
}

/// Starts a BGSAVE: a snapshot job writing `<dir>/temp-bgsave-<pid>.rdb`, renamed over `dbfilename`.
pub fn start_bgsave(state: &mut ServerState) -> Result<(), StartError> {
    if crate::persist::snapshot_busy(state) {
        return Err(StartError::Busy);
    }
    let now = now_ms();
    state.persist.rdb.last_bgsave_try_secs = now / 1000;
    let dir = state.config.dir();
    let temp = dir.join(temp_bgsave_name(std::process::id()));
    let target = rdb_path(state);
    let file = match fsutil::create_buffered(&temp) {
        Ok(file) => file,
        Err(error) => {
            warn!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {error}",
                temp.display(),
                dir.display()
            );
            state.persist.rdb.last_bgsave_ok = false;
            return Err(StartError::Failed(error.to_string()));
        }
    };
    let format = SnapshotFormat::Rdb { options: encode_options(state), aux: aux_fields(state, false) };
    let access = access_save(state, now);
    let finish = fsutil::rename_finisher(temp, target, Some("DB saved on disk"));
    let job = SnapshotJob::start(&mut state.keyspace, format, access, file, finish).map_err(|error| {
        warn!("Can't save in background: {error}");
        StartError::Failed(error.to_string())
    })?;
    state.persist.rdb.saves += 1;
    info!("Background saving started");
    install_job(state, JobKind::Bgsave, job);
    Ok(())
}

/// Bookkeeping when a BGSAVE ends (Redis's `backgroundSaveDoneHandler`).
pub fn bgsave_done(state: &mut ServerState, done: &ActiveJob, result: SnapshotResult) {
    let elapsed = i64::try_from(done.job.started().elapsed().as_secs()).unwrap_or(i64::MAX);
    state.persist.rdb.last_bgsave_secs = elapsed;
    match result {
        Ok(_) => {
            info!("Background saving terminated with success");
            state.dirty = state.dirty.saturating_sub(done.dirty_at_start);
            state.last_save_secs = now_ms() / 1000;
            state.persist.rdb.last_bgsave_ok = true;
        }
        Err(error) => {
            warn!("Write error saving DB on disk: {error}");
            warn!("Background saving error");
            state.persist.rdb.last_bgsave_ok = false;
        }
    }
}

/// The save points of the `save` directive: BGSAVE once `changes` writes happened and more than
/// `seconds` passed since the last save (a failed BGSAVE is retried after 5 seconds).
pub fn check_save_points(state: &mut ServerState) {
    let now_secs = now_ms() / 1000;
    let since_save = now_secs.saturating_sub(state.last_save_secs);
    let rdb = &state.persist.rdb;
    let retry_ok = now_secs.saturating_sub(rdb.last_bgsave_try_secs) > BGSAVE_RETRY_DELAY_SECS || rdb.last_bgsave_ok;
    if !retry_ok {
        return;
    }
    for (seconds, changes) in state.config.save_points() {
        let due =
            state.dirty >= u64::try_from(changes).unwrap_or(0) && since_save > u64::try_from(seconds).unwrap_or(0);
        if due {
            info!("{changes} changes in {seconds} seconds. Saving...");
            let _ = start_bgsave(state);
            return;
        }
    }
}

/// Before FLUSHALL empties the keyspace: a running BGSAVE is abandoned (Redis kills its child), so
/// the walk does not copy every key it has not reached yet.
pub fn before_flushall(state: &mut ServerState) {
    if state.persist.bgsave_in_progress() {
        crate::persist::abort_job(state);
    }
}

/// After FLUSHALL: with save points configured, the empty dataset is saved at once, as Redis 7.0
/// does. Returns true when it saved (`dirty` is then 0).
pub fn after_flushall(state: &mut ServerState) -> bool {
    !state.config.save_points().is_empty() && save(state).is_ok()
}
