//! The Redis 7.0 multi-part append-only file: `<dir>/<appenddirname>/` holds a base (an RDB with
//! `aof-base=1`, or commands), incr files of commands, and the manifest naming them.
//!
//! Layout: [`manifest`] (the manifest format), [`replay`] (reading and replaying commands), [`load`]
//! (loading at startup and DEBUG LOADAOF), [`rewrite`] (BGREWRITEAOF, automatic rewrites, turning
//! the AOF on at runtime), [`fsync`] (the background fsync of `everysec`).
//!
//! Writes reach the AOF through the effect stream's AOF copy (`EffectStream::take_aof`: the same
//! bytes replicas get, minus keepalives, with its own `SELECT` state). They are written at the end of
//! every client batch, under the lock and before the replies go out (`persist::after_batch`), and
//! fsynced right there with `appendfsync always`, once a second by a background thread with
//! `everysec`, never by us with `no`.

pub mod fsync;
pub mod load;
pub mod manifest;
pub mod replay;
pub mod rewrite;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::{info, warn};

use crate::persist::info::field;
use crate::state::{now_ms, ServerState};
use manifest::Manifest;

pub use load::load_at_startup;
pub use rewrite::{check_auto_rewrite, rewrite_aborted, rewrite_done, start_rewrite, RewriteTarget};

/// Whether the AOF is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `appendonly no`.
    Off,
    /// Appending to the last incr file.
    On,
    /// Turned on at runtime: waiting for the first rewrite to produce a base.
    WaitRewrite,
}

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Fsync before replying, every batch.
    Always,
    /// Fsync in the background about once a second.
    EverySec,
    /// Leave it to the OS.
    No,
}

/// AOF directives, cached from the config (refreshed after CONFIG SET).
#[derive(Debug, Clone)]
pub struct Policy {
    /// `appendfsync`.
    pub fsync: FsyncPolicy,
    /// `aof-timestamp-enabled`.
    pub timestamps: bool,
    /// `aof-load-truncated`.
    pub load_truncated: bool,
    /// `aof-use-rdb-preamble`.
    pub rdb_preamble: bool,
    /// `auto-aof-rewrite-percentage`.
    pub auto_percentage: u64,
    /// `auto-aof-rewrite-min-size`.
    pub auto_min_size: u64,
    /// `no-appendfsync-on-rewrite`.
    pub no_fsync_on_rewrite: bool,
    /// `aof-disable-auto-gc`.
    pub disable_auto_gc: bool,
}

impl Policy {
    fn from_config(config: &rds_config::Config) -> Self {
        Policy {
            fsync: match config.str("appendfsync").as_str() {
                "always" => FsyncPolicy::Always,
                "no" => FsyncPolicy::No,
                _ => FsyncPolicy::EverySec,
            },
            timestamps: config.bool("aof-timestamp-enabled"),
            load_truncated: config.bool("aof-load-truncated"),
            rdb_preamble: config.bool("aof-use-rdb-preamble"),
            auto_percentage: u64::try_from(config.int("auto-aof-rewrite-percentage")).unwrap_or(0),
            auto_min_size: u64::try_from(config.int("auto-aof-rewrite-min-size")).unwrap_or(0),
            no_fsync_on_rewrite: config.bool("no-appendfsync-on-rewrite"),
            disable_auto_gc: config.bool("aof-disable-auto-gc"),
        }
    }
}

/// Rewrite statistics for INFO.
#[derive(Debug, Clone)]
pub struct RewriteStats {
    /// `aof_rewrites`.
    pub rewrites: u64,
    /// `aof_last_bgrewrite_status`.
    pub last_ok: bool,
    /// `aof_last_rewrite_time_sec`.
    pub last_secs: i64,
    /// `aof_rewrites_consecutive_failures`.
    pub consecutive_failures: u64,
    /// When the last rewrite started, ms (failed automatic rewrites back off).
    pub last_attempt_ms: u64,
}

/// The AOF state.
#[derive(Debug)]
pub struct Aof {
    /// Whether it is written.
    pub status: Status,
    /// BGREWRITEAOF waits for the running job.
    pub rewrite_scheduled: bool,
    /// Cached directives.
    pub policy: Policy,
    /// Rewrite statistics.
    pub stats: RewriteStats,
    dir: PathBuf,
    base_name: String,
    manifest: Manifest,
    file: Option<Arc<File>>,
    incr_size: u64,
    /// Bytes ever written to the AOF (over all files): fsync barriers are expressed in it.
    written_total: u64,
    /// The furthest offset an fsync was asked for.
    requested_upto: u64,
    current_size: u64,
    base_size: u64,
    pending: Vec<u8>,
    write_error: Option<String>,
    fsyncer: Option<fsync::Fsyncer>,
    last_fsync_ms: u64,
    unsynced: bool,
    last_timestamp_secs: u64,
}

/// An io error as C's `strerror` prints it (without Rust's " (os error N)").
pub fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

impl Aof {
    /// State for `config` (off until loading or CONFIG SET turns it on).
    pub fn new(config: &rds_config::Config) -> Self {
        Aof {
            status: Status::Off,
            rewrite_scheduled: false,
            policy: Policy::from_config(config),
            stats: RewriteStats {
                rewrites: 0,
                last_ok: true,
                last_secs: -1,
                consecutive_failures: 0,
                last_attempt_ms: 0,
            },
            dir: config.dir().join(config.str("appenddirname")),
            base_name: config.str("appendfilename"),
            manifest: Manifest::default(),
            file: None,
            incr_size: 0,
            written_total: 0,
            requested_upto: 0,
            current_size: 0,
            base_size: 0,
            pending: Vec::new(),
            write_error: None,
            fsyncer: None,
            last_fsync_ms: 0,
            unsynced: false,
            last_timestamp_secs: 0,
        }
    }

    /// Re-reads the directives after CONFIG SET.
    pub fn refresh(&mut self, config: &rds_config::Config) {
        self.policy = Policy::from_config(config);
        if let Some(fsyncer) = &self.fsyncer {
            fsyncer.set_exit_on_error(self.policy.fsync == FsyncPolicy::Always);
        }
    }

    /// True while writes are appended (`aof_enabled`).
    pub fn is_active(&self) -> bool {
        self.status != Status::Off
    }

    /// `<dir>/<appenddirname>`.
    pub fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// `appendfilename`.
    pub fn base_name(&self) -> String {
        self.base_name.clone()
    }

    /// The manifest in effect.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Why writes are refused (`-MISCONF Errors writing to the AOF file: ...`), if they are.
    pub fn write_error(&self) -> Option<String> {
        if self.status == Status::Off {
            return None;
        }
        self.write_error.clone().or_else(|| self.fsyncer.as_ref().and_then(fsync::Fsyncer::error))
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join(format!("{}.manifest", self.base_name))
    }

    /// Writes the manifest atomically (temp file, fsync, rename, fsync the directory).
    fn persist_manifest(&self, manifest: &Manifest) -> std::io::Result<()> {
        let temp = self.dir.join(format!("temp-{}.manifest", self.base_name));
        crate::persist::fsutil::write_atomic(&self.manifest_path(), &temp, manifest.format().as_bytes())
    }

    /// Makes `file` (of `size` bytes) the file appended to; the previous one is fsynced first.
    fn switch_file(&mut self, file: File, size: u64) {
        if let Some(old) = self.file.take() {
            if old.sync_data().is_ok() {
                if let Some(fsyncer) = &self.fsyncer {
                    fsyncer.mark_synced(self.written_total);
                }
            }
        }
        self.file = Some(Arc::new(file));
        self.incr_size = size;
        self.unsynced = false;
        // A new file starts with a timestamp annotation (with `aof-timestamp-enabled`).
        self.last_timestamp_secs = 0;
        if self.fsyncer.is_none() {
            self.fsyncer = fsync::Fsyncer::spawn().map_err(|e| warn!("Can't start the AOF fsync thread: {e}")).ok();
            if let Some(fsyncer) = &self.fsyncer {
                fsyncer.set_exit_on_error(self.policy.fsync == FsyncPolicy::Always);
                fsyncer.mark_synced(self.written_total);
            }
        }
    }

    /// Writes what is pending; false (after recording why) when the write failed.
    fn write_pending(&mut self) -> bool {
        let Some(file) = &self.file else { return false };
        match (&**file).write_all(&self.pending) {
            Ok(()) => {
                let written = self.pending.len() as u64;
                self.incr_size += written;
                self.written_total += written;
                self.current_size += written;
                self.pending.clear();
                if self.write_error.take().is_some() {
                    warn!("AOF write error looks solved, Redis can write again.");
                }
                self.unsynced = true;
                true
            }
            Err(error) => {
                // Drop a partially written command so the file stays loadable.
                let _ = file.set_len(self.incr_size);
                let text = strerror(&error);
                warn!("Error writing to the AOF file: {text}");
                if self.policy.fsync == FsyncPolicy::Always {
                    warn!("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                    std::process::exit(1);
                }
                self.write_error = Some(text);
                false
            }
        }
    }

    fn fsync_now(&mut self) {
        if let Some(file) = &self.file {
            if let Err(error) = file.sync_data() {
                let text = strerror(&error);
                if self.policy.fsync == FsyncPolicy::Always {
                    warn!(
                        "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {text}. Exiting..."
                    );
                    std::process::exit(1);
                }
                warn!("Error fsyncing the AOF file: {text}");
                self.write_error = Some(text);
                return;
            }
            if let Some(fsyncer) = &self.fsyncer {
                fsyncer.mark_synced(self.written_total);
            }
        }
        self.unsynced = false;
        self.last_fsync_ms = now_ms();
    }

    /// With `appendfsync always`: asks the fsync thread to make everything written durable (merged
    /// with other batches' requests); falls back to fsyncing here without the thread.
    fn request_fsync(&mut self) {
        match (&self.fsyncer, &self.file) {
            (Some(fsyncer), Some(file)) if fsyncer.request(file, self.written_total) => {
                self.requested_upto = self.written_total;
                self.unsynced = false;
                self.last_fsync_ms = now_ms();
            }
            _ => self.fsync_now(),
        }
    }
}

/// Opens (creating) an incr file for appending; returns it with its size.
pub(crate) fn open_incr(path: &Path) -> std::io::Result<(File, u64)> {
    let file = OpenOptions::new().append(true).create(true).open(path)?;
    let size = file.metadata()?.len();
    Ok((file, size))
}

/// Appends the effects taken since the last call to the AOF, and fsyncs them with `appendfsync
/// always` (or when `force_fsync`).
pub fn flush(state: &mut ServerState, force_fsync: bool) {
    let bytes = state.effects.take_aof();
    let job_running = state.persist.job.is_some();
    let aof = &mut state.persist.aof;
    if aof.status == Status::Off || aof.file.is_none() {
        return;
    }
    if !bytes.is_empty() {
        if aof.policy.timestamps {
            let now = now_ms() / 1000;
            if now > aof.last_timestamp_secs {
                aof.pending.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
                aof.last_timestamp_secs = now;
            }
        }
        aof.pending.extend_from_slice(&bytes);
    }
    let wrote = !aof.pending.is_empty() && aof.write_pending();
    let skip_fsync = aof.policy.no_fsync_on_rewrite && job_running;
    if force_fsync {
        aof.fsync_now();
    } else if wrote && aof.policy.fsync == FsyncPolicy::Always && !skip_fsync {
        aof.request_fsync();
    }
}

/// What a connection must wait for before sending replies: with `appendfsync always`, the fsync of
/// everything written so far (its own writes, or writes whose effects its replies may show). Asks for
/// that fsync if nobody has yet (bytes written while `no-appendfsync-on-rewrite` held fsyncs back).
pub fn barrier(state: &mut ServerState) -> Option<fsync::Barrier> {
    let job_running = state.persist.job.is_some();
    let aof = &mut state.persist.aof;
    if aof.status == Status::Off || aof.policy.fsync != FsyncPolicy::Always {
        return None;
    }
    if aof.policy.no_fsync_on_rewrite && job_running {
        return None;
    }
    if aof.fsyncer.as_ref()?.is_synced(aof.written_total) {
        return None;
    }
    if aof.requested_upto < aof.written_total {
        aof.request_fsync();
    }
    aof.fsyncer.as_ref().map(|fsyncer| fsyncer.barrier(aof.written_total))
}

/// The AOF part of the cron: writes effects produced outside client batches (expiry, eviction),
/// retries failed writes, and asks for the once-a-second fsync of `everysec`.
pub fn cron(state: &mut ServerState) {
    if state.persist.aof.status == Status::Off {
        return;
    }
    flush(state, false);
    let job_running = state.persist.job.is_some();
    let aof = &mut state.persist.aof;
    let now = now_ms();
    let due = aof.unsynced && now.saturating_sub(aof.last_fsync_ms) >= 1000;
    if aof.policy.fsync == FsyncPolicy::EverySec && due && !(aof.policy.no_fsync_on_rewrite && job_running) {
        if let (Some(fsyncer), Some(file)) = (&aof.fsyncer, &aof.file) {
            if !fsyncer.busy() && fsyncer.request(file, aof.written_total) {
                aof.unsynced = false;
                aof.last_fsync_ms = now;
            }
        }
    }
}

/// On shutdown: writes and fsyncs what is pending and closes the file.
pub fn close(state: &mut ServerState) {
    if state.persist.aof.status == Status::Off {
        return;
    }
    flush(state, true);
    state.persist.aof.file = None;
    state.persist.aof.fsyncer = None;
}

/// CONFIG SET appendonly: turning it on starts a rewrite (the first base); turning it off stops
/// appending (a running rewrite is abandoned). Returns an error text when it cannot be turned on.
pub fn set_enabled(state: &mut ServerState, on: bool) -> Result<(), String> {
    let status = state.persist.aof.status;
    if on && status == Status::Off {
        state.persist.aof.status = Status::WaitRewrite;
        return match start_rewrite(state) {
            Ok(()) => Ok(()),
            Err(crate::persist::StartError::Busy) => {
                state.persist.aof.rewrite_scheduled = true;
                info!("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
                Ok(())
            }
            Err(crate::persist::StartError::Failed(error)) => {
                state.persist.aof.status = Status::Off;
                warn!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation: {error}");
                Err("Unable to turn on AOF. Check server logs.".to_string())
            }
        };
    }
    if !on && status != Status::Off {
        if state.persist.rewrite_in_progress() {
            info!("Killing running AOF rewrite child");
            crate::persist::abort_job(state);
        }
        flush(state, true);
        let aof = &mut state.persist.aof;
        if aof.status == Status::WaitRewrite {
            let _ = std::fs::remove_file(aof.dir.join(format!("temp-{}.incr", aof.base_name)));
        }
        aof.file = None;
        aof.fsyncer = None;
        aof.status = Status::Off;
        aof.rewrite_scheduled = false;
        aof.pending.clear();
        state.effects.disable_aof();
    }
    Ok(())
}

/// Appends the AOF fields of INFO persistence.
pub fn info(out: &mut String, state: &ServerState) {
    let aof = &state.persist.aof;
    let rewriting = state.persist.rewrite_in_progress();
    let current = match &state.persist.job {
        Some(job) if rewriting => i64::try_from((now_ms() / 1000).saturating_sub(job.started_secs)).unwrap_or(0),
        _ => -1,
    };
    field(out, "aof_enabled", u8::from(aof.is_active()));
    field(out, "aof_rewrite_in_progress", u8::from(rewriting));
    field(out, "aof_rewrite_scheduled", u8::from(aof.rewrite_scheduled));
    field(out, "aof_last_rewrite_time_sec", aof.stats.last_secs);
    field(out, "aof_current_rewrite_time_sec", current);
    field(out, "aof_last_bgrewrite_status", if aof.stats.last_ok { "ok" } else { "err" });
    field(out, "aof_rewrites", aof.stats.rewrites);
    field(out, "aof_rewrites_consecutive_failures", aof.stats.consecutive_failures);
    field(out, "aof_last_write_status", if aof.write_error.is_none() { "ok" } else { "err" });
    field(out, "aof_last_cow_size", 0);
    field(out, "module_fork_in_progress", 0);
    field(out, "module_fork_last_cow_size", 0);
    if aof.is_active() {
        field(out, "aof_current_size", aof.current_size);
        field(out, "aof_base_size", aof.base_size);
        field(out, "aof_pending_rewrite", u8::from(aof.rewrite_scheduled));
        field(out, "aof_buffer_length", aof.pending.len());
        field(out, "aof_pending_bio_fsync", u8::from(aof.fsyncer.as_ref().is_some_and(fsync::Fsyncer::busy)));
        field(out, "aof_delayed_fsync", 0);
    }
}

/// Removes history files (unless `aof-disable-auto-gc`) and persists the manifest without them.
pub(crate) fn delete_history(aof: &mut Aof) {
    if aof.policy.disable_auto_gc || aof.manifest.history.is_empty() {
        return;
    }
    for file in std::mem::take(&mut aof.manifest.history) {
        info!("Removing the history file {} in the background", file.name);
        let _ = std::fs::remove_file(aof.dir.join(&file.name));
    }
    if let Err(error) = aof.persist_manifest(&aof.manifest) {
        warn!("Can't persist the AOF manifest after removing history files: {}", strerror(&error));
    }
}

#[cfg(test)]
mod tests;
