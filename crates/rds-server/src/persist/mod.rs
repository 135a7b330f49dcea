//! Persistence: RDB snapshots (SAVE, BGSAVE, save points, load at startup, DEBUG RELOAD) and the
//! Redis 7.0 multi-part append-only file.
//!
//! Layout:
//! - [`snapshot`]: [`snapshot::SnapshotJob`], the fork-less point-in-time snapshot engine (walk under
//!   the lock in steps of at most 1 ms, encode in a writer thread into any `Write`); [`writer`] is its thread.
//! - [`rdb`]: SAVE / BGSAVE / save points and their bookkeeping; [`load`]: reading an RDB into the
//!   keyspace, at startup (in batches, while clients get `-LOADING`) or at once (DEBUG RELOAD).
//! - [`aof`]: the append-only file (manifest, incr files, fsync policies, rewrite, loading).
//! - [`fsutil`]: crash-safe file replacement; [`info`]: INFO persistence.
//!
//! One snapshot job runs at a time ([`Persistence::job`]): BGSAVE, an AOF rewrite, or a job started by
//! another subsystem ([`start_external`], e.g. a full resynchronisation of replicas), like Redis's
//! single fork child. A dedicated task ([`run_task`]) steps it, yielding to clients between steps.

pub mod aof;
pub mod fsutil;
pub mod info;
pub mod load;
pub mod rdb;
pub mod snapshot;
pub mod writer;

use std::sync::Arc;
use std::time::Duration;

use rds_commands::{flags, resolve, CommandSpec, Resolved};
use tokio::sync::Notify;

use crate::error::CommandError;
use crate::state::{now_ms, ServerState, Shared};
use snapshot::{Progress, SnapshotJob, SnapshotResult};

/// Longest the persistence task holds the server lock per step.
pub const STEP_BUDGET: Duration = Duration::from_millis(1);
/// Longest step while clients are being served.
const BUSY_STEP_BUDGET: Duration = Duration::from_micros(200);
/// Pause after each step while clients are being served (the runtime's timer makes it 1 to 2 ms).
const BUSY_PAUSE: Duration = Duration::from_millis(1);
/// Pause while the job waits for its writer thread (a full channel, or the final flush).
const WRITER_PAUSE: Duration = Duration::from_millis(1);

/// What the running snapshot job is for.
#[derive(Debug)]
pub enum JobKind {
    /// BGSAVE (or a save point): `<dir>/temp-<pid>.rdb`, renamed over `dbfilename` when done.
    Bgsave,
    /// BGREWRITEAOF: a new AOF base.
    AofRewrite(aof::RewriteTarget),
    /// Another subsystem's snapshot (replication); its result lands in [`Persistence::external_results`].
    External(u64),
}

/// The snapshot job in progress.
pub struct ActiveJob {
    /// What it is for.
    pub kind: JobKind,
    /// The job.
    pub job: SnapshotJob,
    /// `dirty` when it started (a successful BGSAVE subtracts it).
    pub dirty_at_start: u64,
    /// Unix time it started.
    pub started_secs: u64,
}

/// Loading progress, while the dataset loads at startup (INFO `loading:1`, `-LOADING` replies).
#[derive(Debug, Clone, Default)]
pub struct Loading {
    /// Unix time loading began.
    pub started_secs: u64,
    /// Size of what is loaded.
    pub total_bytes: u64,
    /// Bytes read so far.
    pub loaded_bytes: u64,
    /// `used-mem` of the RDB being loaded.
    pub rdb_used_mem: u64,
}

/// State of the RDB side.
#[derive(Debug, Clone)]
pub struct RdbStatus {
    /// `rdb_last_bgsave_status`.
    pub last_bgsave_ok: bool,
    /// Unix time of the last BGSAVE attempt (save points retry failed ones after 5 s).
    pub last_bgsave_try_secs: u64,
    /// `rdb_last_bgsave_time_sec`.
    pub last_bgsave_secs: i64,
    /// A BGSAVE waits for the running job (`BGSAVE SCHEDULE`).
    pub bgsave_scheduled: bool,
    /// `rdb_saves`.
    pub saves: u64,
    /// `rdb_last_load_keys_loaded`.
    pub last_load_keys_loaded: u64,
    /// `rdb_last_load_keys_expired`.
    pub last_load_keys_expired: u64,
}

impl Default for RdbStatus {
    fn default() -> Self {
        RdbStatus {
            last_bgsave_ok: true,
            last_bgsave_try_secs: 0,
            last_bgsave_secs: -1,
            bgsave_scheduled: false,
            saves: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }
}

/// Everything persistence keeps in the server state.
pub struct Persistence {
    /// The snapshot job in progress.
    pub job: Option<ActiveJob>,
    /// RDB status.
    pub rdb: RdbStatus,
    /// The append-only file.
    pub aof: aof::Aof,
    /// Set while the dataset loads at startup.
    pub loading: Option<Loading>,
    /// Wakes the persistence task when a job starts.
    pub wake: Arc<Notify>,
    /// `repl-id` / `repl-offset` read from the loaded RDB, for replication to resume from.
    pub loaded_repl: Option<(String, i64)>,
    /// Results of external jobs, by token, for their owner to collect.
    pub external_results: Vec<(u64, SnapshotResult)>,
    next_external: u64,
}

impl Persistence {
    /// Fresh state for `config`.
    pub fn new(config: &rds_config::Config) -> Self {
        Persistence {
            job: None,
            rdb: RdbStatus::default(),
            aof: aof::Aof::new(config),
            loading: None,
            wake: Arc::new(Notify::new()),
            loaded_repl: None,
            external_results: Vec::new(),
            next_external: 1,
        }
    }

    /// True while the dataset loads (commands without the LOADING flag are refused).
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// True while a BGSAVE runs (`rdb_bgsave_in_progress`).
    pub fn bgsave_in_progress(&self) -> bool {
        matches!(self.job, Some(ActiveJob { kind: JobKind::Bgsave | JobKind::External(_), .. }))
    }

    /// True while an AOF rewrite runs (`aof_rewrite_in_progress`).
    pub fn rewrite_in_progress(&self) -> bool {
        matches!(self.job, Some(ActiveJob { kind: JobKind::AofRewrite(_), .. }))
    }
}

/// Why a snapshot job could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// Another job runs; the caller may schedule or retry.
    Busy,
    /// Starting failed (file creation, thread spawn); the text is for the log.
    Failed(String),
}

/// True while a snapshot runs: ours, or another subsystem's walk (only one may walk the keyspace).
pub fn snapshot_busy(state: &ServerState) -> bool {
    state.persist.job.is_some() || state.keyspace.dbs.iter().any(|db| db.in_snapshot())
}

/// Starts a snapshot for another subsystem (a full resynchronisation): written to `writer` in RDB
/// format with `aux` (which carries `repl-id` / `repl-offset`), then `finish` runs in the writer
/// thread. Returns a token; the result appears in [`Persistence::external_results`] under it.
pub fn start_external<W: std::io::Write + Send + 'static>(
    state: &mut ServerState,
    aux: rds_rdb::AuxFields,
    writer: W,
    finish: snapshot::FinishFn<W>,
) -> Result<u64, StartError> {
    if snapshot_busy(state) {
        return Err(StartError::Busy);
    }
    let format = snapshot::SnapshotFormat::Rdb { options: rdb::encode_options(state), aux };
    let access = rdb::access_save(state, now_ms());
    let job = SnapshotJob::start(&mut state.keyspace, format, access, writer, finish)
        .map_err(|e| StartError::Failed(e.to_string()))?;
    let token = state.persist.next_external;
    state.persist.next_external += 1;
    install_job(state, JobKind::External(token), job);
    Ok(token)
}

/// Makes `job` the running job and wakes the persistence task.
pub(crate) fn install_job(state: &mut ServerState, kind: JobKind, job: SnapshotJob) {
    let dirty_at_start = state.dirty;
    let started_secs = now_ms() / 1000;
    state.persist.job = Some(ActiveJob { kind, job, dirty_at_start, started_secs });
    state.persist.wake.notify_one();
}

/// Abandons the running job, if any (SHUTDOWN, FLUSHALL, `appendonly no`), removing its temporary file.
pub fn abort_job(state: &mut ServerState) -> Option<JobKind> {
    let active = state.persist.job.take()?;
    active.job.abort(&mut state.keyspace);
    match &active.kind {
        JobKind::AofRewrite(target) => aof::rewrite_aborted(state, target),
        JobKind::External(token) => state.persist.external_results.push((*token, Err("aborted".to_string()))),
        JobKind::Bgsave => {}
    }
    Some(active.kind)
}

/// Where the running job stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stepped {
    /// No job runs any more.
    Idle,
    /// The walk goes on: step again as soon as clients had their turn.
    Walking,
    /// The job waits for its writer thread: step again after a pause.
    Waiting,
}

/// One step of the running job within `budget`; handles its completion and starts scheduled jobs.
pub fn step(state: &mut ServerState, budget: Duration) -> Stepped {
    let Some(active) = state.persist.job.as_mut() else { return Stepped::Idle };
    if let Progress::Finished(result) = active.job.step(&mut state.keyspace, budget) {
        if let Some(done) = state.persist.job.take() {
            finished(state, done, result);
        }
        start_scheduled(state);
    }
    match &state.persist.job {
        None => Stepped::Idle,
        Some(active) if active.job.waits_for_writer() => Stepped::Waiting,
        Some(_) => Stepped::Walking,
    }
}

fn finished(state: &mut ServerState, done: ActiveJob, result: SnapshotResult) {
    match done.kind {
        JobKind::Bgsave => rdb::bgsave_done(state, &done, result),
        JobKind::AofRewrite(_) => aof::rewrite_done(state, &done, result),
        JobKind::External(token) => state.persist.external_results.push((token, result)),
    }
}

/// Starts a job that was scheduled while another ran (BGSAVE SCHEDULE, BGREWRITEAOF during BGSAVE).
pub fn start_scheduled(state: &mut ServerState) {
    if snapshot_busy(state) || state.persist.is_loading() {
        return;
    }
    let now_secs = now_ms() / 1000;
    if state.persist.aof.rewrite_scheduled {
        state.persist.aof.rewrite_scheduled = false;
        if let Err(error) = aof::start_rewrite(state) {
            tracing::warn!("Can't rewrite append only file in background: {error:?}");
        }
        return;
    }
    let rdb = &state.persist.rdb;
    let retry_ok =
        now_secs.saturating_sub(rdb.last_bgsave_try_secs) > rdb::BGSAVE_RETRY_DELAY_SECS || rdb.last_bgsave_ok;
    if rdb.bgsave_scheduled && retry_ok {
        state.persist.rdb.bgsave_scheduled = false;
        let _ = rdb::start_bgsave(state);
    }
}

/// Runs the running job to its end at once (tests, and callers that must wait).
pub fn finish_jobs(state: &mut ServerState) {
    while step(state, Duration::from_millis(50)) != Stepped::Idle {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The persistence task: steps the running job, holding the lock at most [`STEP_BUDGET`] at a time,
/// so BGSAVE never stalls clients.
///
/// Pacing follows the clients. With none being served the walk runs flat out, yielding to the runtime
/// between steps. Once commands ran since the previous step, each step lasts at most
/// [`BUSY_STEP_BUDGET`] and is followed by a [`BUSY_PAUSE`] sleep, so the walk takes about a sixth of
/// the thread. Sleeping matters, not only the share: a thread that never sleeps is treated by the
/// kernel's scheduler as a CPU hog and loses the core for whole time slices (milliseconds) whenever
/// another thread (the snapshot writer, the clients) wants it, which is what clients' tail latency
/// showed when the walk only yielded.
pub async fn run_task(shared: Arc<Shared>) {
    let wake = shared.lock().persist.wake.clone();
    let shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
        }
        let mut budget = STEP_BUDGET;
        let mut commands_seen = None;
        loop {
            let (stepped, commands) = {
                let mut state = shared.lock();
                (step(&mut state, budget), state.stats.commands_processed)
            };
            let busy = commands_seen.is_some_and(|seen| seen != commands);
            commands_seen = Some(commands);
            let pause = match stepped {
                Stepped::Idle => break,
                Stepped::Walking if busy => Some(BUSY_PAUSE),
                Stepped::Walking => None,
                Stepped::Waiting => Some(WRITER_PAUSE),
            };
            match pause {
                Some(pause) => tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(pause) => {}
                },
                None => tokio::task::yield_now().await,
            }
            if shutdown.is_cancelled() {
                return;
            }
            budget = if busy { BUSY_STEP_BUDGET } else { STEP_BUDGET };
        }
    }
}

/// The persistence part of the server cron: save points, scheduled jobs, AOF flushing and fsync,
/// automatic AOF rewrite.
pub fn cron(state: &mut ServerState) {
    if state.persist.is_loading() {
        return;
    }
    aof::cron(state);
    if state.persist.job.is_none() {
        rdb::check_save_points(state);
    }
    if state.persist.job.is_none() {
        start_scheduled(state);
    }
    if state.persist.job.is_none() {
        aof::check_auto_rewrite(state);
    }
}

/// At the end of a client batch, under the lock and before the replies are written: appends the
/// batch's effects to the AOF (fsyncing them with `appendfsync always`).
pub fn after_batch(state: &mut ServerState) {
    if state.persist.aof.is_active() {
        aof::flush(state, false);
    }
}

/// The `-MISCONF` error writes (and PING) get while persistence is failing, like Redis's
/// `writeCommandsDeniedByDiskError`.
pub fn write_denied(state: &ServerState) -> Option<CommandError> {
    let rdb_failing = !state.persist.rdb.last_bgsave_ok
        && state.config.bool("stop-writes-on-bgsave-error")
        && !state.config.save_points().is_empty();
    if rdb_failing {
        return Some(CommandError::other(MISCONF_RDB));
    }
    state
        .persist
        .aof
        .write_error()
        .map(|error| CommandError::other(format!("MISCONF Errors writing to the AOF file: {error}")))
}

/// The dispatcher's MISCONF check (after the OOM check, as in Redis's `processCommand`): write
/// commands, EXEC of a transaction with writes, and PING are refused while persistence is failing;
/// the master's stream is always applied.
pub fn check_misconf(
    state: &ServerState,
    session: &crate::client::Session,
    spec: &CommandSpec,
) -> Result<(), CommandError> {
    if session.is_master {
        return Ok(());
    }
    let writes = spec.has(flags::WRITE)
        || spec.name == "ping"
        || (spec.name == "exec"
            && session.multi.as_ref().is_some_and(|t| {
                t.queued.iter().any(|argv| matches!(resolve(argv), Resolved::Command(s) if s.has(flags::WRITE)))
            }));
    match write_denied(state) {
        Some(error) if writes => Err(error),
        _ => Ok(()),
    }
}

/// The dispatcher's loading check: while the dataset loads, only commands flagged LOADING run.
pub fn check_loading(state: &ServerState, spec: &CommandSpec) -> Result<(), CommandError> {
    if state.persist.is_loading() && !spec.has(flags::LOADING) {
        return Err(CommandError::other("LOADING Redis is loading the dataset in memory"));
    }
    Ok(())
}

/// Redis's `shared.bgsaveerr`.
pub const MISCONF_RDB: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// How SHUTDOWN (or a signal) treats the final save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownSave {
    /// Save when save points are configured.
    Default,
    /// Always save.
    Save,
    /// Never save.
    NoSave,
}

/// Redis's `prepareForShutdown`: stops the running job, flushes and fsyncs the AOF, and saves the
/// final RDB when asked; false (after logging why) when the save failed and `force` is off.
pub fn prepare_shutdown(state: &mut ServerState, save: ShutdownSave, force: bool) -> bool {
    tracing::warn!("User requested shutdown...");
    match abort_job(state) {
        Some(JobKind::Bgsave | JobKind::External(_)) => tracing::warn!("There is a child saving an .rdb. Killing it!"),
        Some(JobKind::AofRewrite(_)) => tracing::warn!("There is a child rewriting the AOF. Killing it!"),
        None => {}
    }
    if state.persist.aof.is_active() {
        tracing::info!("Calling fsync() on the AOF file.");
        aof::flush(state, true);
    }
    let wants_save = match save {
        ShutdownSave::Save => true,
        ShutdownSave::NoSave => false,
        ShutdownSave::Default => !state.config.save_points().is_empty(),
    };
    if wants_save {
        tracing::info!("Saving the final RDB snapshot before exiting.");
        if let Err(error) = rdb::save(state) {
            if !force {
                tracing::warn!("Error trying to save the DB, can't exit.");
                return false;
            }
            tracing::warn!("Error trying to save the DB, exiting anyway: {error}");
        }
    }
    aof::close(state);
    true
}

/// After CONFIG SET: refreshes the cached AOF directives and turns the AOF on or off when `appendonly`
/// changed (turning it on starts a rewrite, like Redis).
pub fn config_changed(state: &mut ServerState, appendonly_before: bool) -> Result<(), CommandError> {
    state.persist.aof.refresh(&state.config);
    let appendonly = state.config.bool("appendonly");
    if appendonly == appendonly_before {
        return Ok(());
    }
    aof::set_enabled(state, appendonly).map_err(|reason| {
        let local = [(&b"appendonly"[..], &b"no"[..])];
        let _ = state.config.set_from_client(&local, true);
        CommandError::err(format!("CONFIG SET failed (possibly related to argument 'appendonly') - {reason}"))
    })
}

/// SIGTERM / SIGINT: prepares the shutdown as `shutdown-on-sigterm` / `shutdown-on-sigint` says
/// (`default`: save when save points exist; `save`, `nosave`, `force`); false when it must not exit.
pub fn shutdown_on_signal(state: &mut ServerState, signal: &str) -> bool {
    let directive = if signal == "SIGINT" { "shutdown-on-sigint" } else { "shutdown-on-sigterm" };
    let flags = state.config.str(directive);
    let has = |word: &str| flags.split_whitespace().any(|w| w == word);
    let save = if has("nosave") {
        ShutdownSave::NoSave
    } else if has("save") {
        ShutdownSave::Save
    } else {
        ShutdownSave::Default
    };
    prepare_shutdown(state, save, has("force"))
}

#[cfg(test)]
mod tests;
