//! AOF rewrites (BGREWRITEAOF, automatic, and the first one when the AOF is turned on at runtime), the
//! Redis 7.0 way: new writes go to a new incr file from the moment the snapshot begins; the snapshot
//! becomes the next base; the manifest then names the new base and the new incr file, and the older
//! files become history and are deleted.

use std::path::PathBuf;

use tracing::{info, warn};

use super::{open_incr, strerror, Aof, Status};
use crate::persist::snapshot::{SnapshotFormat, SnapshotJob, SnapshotResult};
use crate::persist::{fsutil, install_job, rdb, snapshot_busy, ActiveJob, JobKind, StartError};
use crate::state::{now_ms, ServerState};

/// Longest wait between automatic rewrites after failures, ms.
const MAX_BACKOFF_MS: u64 = 60_000;

/// Where a rewrite writes its base.
#[derive(Debug)]
pub struct RewriteTarget {
    /// `<dir>/temp-rewriteaof-bg-<pid>.aof`.
    pub temp: PathBuf,
    /// RDB preamble (`.base.rdb`) or commands (`.base.aof`).
    pub rdb: bool,
}

fn temp_incr_name(aof: &Aof) -> String {
    format!("temp-{}.incr", aof.base_name)
}

/// Starts a rewrite: opens the incr file new writes go to, then snapshots the dataset into the next base.
pub fn start_rewrite(state: &mut ServerState) -> Result<(), StartError> {
    if snapshot_busy(state) {
        return Err(StartError::Busy);
    }
    super::flush(state, true);
    let aof_dir = state.persist.aof.dir.clone();
    std::fs::create_dir_all(&aof_dir).map_err(|e| {
        warn!("Can't open or create append-only dir {}: {}", aof_dir.display(), strerror(&e));
        StartError::Failed(strerror(&e))
    })?;
    open_rewrite_incr(state)?;
    let dir = state.config.dir();
    let temp = dir.join(fsutil::temp_rewrite_name(std::process::id()));
    let file = fsutil::create_buffered(&temp).map_err(|e| {
        warn!("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): {}", strerror(&e));
        StartError::Failed(strerror(&e))
    })?;
    let rdb = state.persist.aof.policy.rdb_preamble;
    let format = if rdb {
        SnapshotFormat::Rdb { options: rdb::encode_options(state), aux: rdb::aux_fields(state, true) }
    } else {
        let timestamp = state.persist.aof.policy.timestamps.then(|| now_ms() / 1000);
        SnapshotFormat::Commands { timestamp }
    };
    let access = rdb::access_save(state, now_ms());
    let finish = fsutil::sync_finisher(temp.clone());
    let job = SnapshotJob::start(&mut state.keyspace, format, access, file, finish)
        .map_err(|e| StartError::Failed(e.to_string()))?;
    state.persist.aof.stats.last_attempt_ms = now_ms();
    info!("Background append only file rewriting started");
    install_job(state, JobKind::AofRewrite(RewriteTarget { temp, rdb }), job);
    Ok(())
}

/// The file new writes go to during the rewrite: a new incr file named in the manifest when the AOF
/// is on, the temporary incr file while it is being turned on, none when it is off.
fn open_rewrite_incr(state: &mut ServerState) -> Result<(), StartError> {
    let aof = &mut state.persist.aof;
    match aof.status {
        Status::Off => Ok(()),
        Status::On => {
            let mut manifest = aof.manifest.clone();
            let name = manifest.new_incr(&aof.base_name);
            let opened =
                open_incr(&aof.dir.join(&name)).and_then(|file| aof.persist_manifest(&manifest).map(|()| file));
            let (file, size) = opened.map_err(|e| {
                warn!("Can't open the append-only file {name}: {}", strerror(&e));
                StartError::Failed(strerror(&e))
            })?;
            aof.manifest = manifest;
            aof.switch_file(file, size);
            state.effects.reset_aof_db();
            info!("Creating AOF incr file {name} on background rewrite");
            Ok(())
        }
        Status::WaitRewrite => {
            let name = temp_incr_name(aof);
            let path = aof.dir.join(&name);
            let created = std::fs::File::create(&path).and_then(|_| open_incr(&path));
            let (file, size) = created.map_err(|e| {
                warn!("Can't open the append-only file {name}: {}", strerror(&e));
                StartError::Failed(strerror(&e))
            })?;
            aof.switch_file(file, size);
            aof.pending.clear();
            // Everything before this moment is in the snapshot; everything after goes to the temp incr.
            state.effects.disable_aof();
            state.effects.enable_aof();
            info!("Creating AOF incr file {name} on background rewrite");
            Ok(())
        }
    }
}

/// Bookkeeping when a rewrite ends (Redis's `backgroundRewriteDoneHandler`).
pub fn rewrite_done(state: &mut ServerState, done: &ActiveJob, result: SnapshotResult) {
    let JobKind::AofRewrite(target) = &done.kind else { return };
    state.persist.aof.stats.last_secs = i64::try_from(done.job.started().elapsed().as_secs()).unwrap_or(i64::MAX);
    let outcome = result.and_then(|_| {
        info!("Background AOF rewrite terminated with success");
        install_base(state, target)
    });
    let aof = &mut state.persist.aof;
    match outcome {
        Ok(()) => {
            aof.stats.rewrites += 1;
            aof.stats.last_ok = true;
            aof.stats.consecutive_failures = 0;
            super::delete_history(aof);
            info!("Background AOF rewrite finished successfully");
        }
        Err(error) => {
            let _ = std::fs::remove_file(&target.temp);
            warn!("Background AOF rewrite terminated with error: {error}");
            aof.stats.last_ok = false;
            aof.stats.consecutive_failures += 1;
            if aof.status == Status::WaitRewrite {
                // Turning the AOF on needs a base: try again.
                aof.rewrite_scheduled = true;
            }
        }
    }
}

/// Renames the new base into the AOF directory and persists the manifest naming it (with the new incr
/// file); the files it replaces become history.
fn install_base(state: &mut ServerState, target: &RewriteTarget) -> Result<(), String> {
    let aof = &mut state.persist.aof;
    let mut manifest = aof.manifest.clone();
    let base = manifest.new_base(&aof.base_name, target.rdb);
    let base_path = aof.dir.join(&base);
    let temp_name = target.temp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    std::fs::rename(&target.temp, &base_path).map_err(|e| {
        format!("Error trying to rename the temporary AOF base file {temp_name} into {base}: {}", strerror(&e))
    })?;
    let mut renamed_incr = None;
    match aof.status {
        Status::On => manifest.retire_incrs(1),
        Status::Off => manifest.retire_incrs(0),
        Status::WaitRewrite => {
            manifest.retire_incrs(0);
            let incr = manifest.new_incr(&aof.base_name);
            let from = temp_incr_name(aof);
            std::fs::rename(aof.dir.join(&from), aof.dir.join(&incr)).map_err(|e| {
                let _ = std::fs::remove_file(&base_path);
                format!("Error trying to rename the temporary AOF incr file {from} into {incr}: {}", strerror(&e))
            })?;
            renamed_incr = Some((from, incr));
        }
    }
    if let Err(error) = aof.persist_manifest(&manifest) {
        let _ = std::fs::remove_file(&base_path);
        return Err(format!("Can't persist the AOF manifest: {}", strerror(&error)));
    }
    info!("Successfully renamed the temporary AOF base file {temp_name} into {base}");
    if let Some((from, incr)) = renamed_incr {
        info!("Successfully renamed the temporary AOF incr file {from} into {incr}");
        aof.status = Status::On;
    }
    aof.manifest = manifest;
    aof.base_size = std::fs::metadata(&base_path).map(|m| m.len()).unwrap_or(0);
    aof.current_size = aof.base_size + aof.incr_size;
    Ok(())
}

/// A rewrite was abandoned (its writer already removed the temporary base).
pub fn rewrite_aborted(state: &mut ServerState, target: &RewriteTarget) {
    let _ = std::fs::remove_file(&target.temp);
    state.persist.aof.stats.last_secs = -1;
}

/// `auto-aof-rewrite-percentage` / `auto-aof-rewrite-min-size`: rewrite when the AOF grew enough since
/// the last rewrite (failed attempts back off).
pub fn check_auto_rewrite(state: &mut ServerState) {
    let aof = &state.persist.aof;
    if aof.status != Status::On || aof.policy.auto_percentage == 0 || aof.current_size <= aof.policy.auto_min_size {
        return;
    }
    let failures = u32::try_from(aof.stats.consecutive_failures.min(16)).unwrap_or(16);
    let backoff = if failures == 0 { 0 } else { (1000u64 << failures).min(MAX_BACKOFF_MS) };
    if now_ms().saturating_sub(aof.stats.last_attempt_ms) < backoff {
        return;
    }
    let base = aof.base_size.max(1);
    let growth = (aof.current_size.saturating_mul(100) / base).saturating_sub(100);
    if growth >= aof.policy.auto_percentage {
        info!("Starting automatic rewriting of AOF on {growth}% growth");
        if let Err(error) = start_rewrite(state) {
            warn!("Can't start the automatic AOF rewrite: {error:?}");
            state.persist.aof.stats.last_attempt_ms = now_ms();
            state.persist.aof.stats.consecutive_failures += 1;
        }
    }
}
