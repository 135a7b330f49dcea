//! Reading an RDB into the keyspace: at startup in batches (decoding off the lock, inserting under it,
//! while other clients get `-LOADING`), at once for DEBUG RELOAD, and as an AOF base.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use rds_rdb::{Decoder, Item, LoadLimits, RdbError};
use rds_storage::ExpiryMode;
use tracing::{info, warn};

use crate::error::CommandError;
use crate::persist::{fsutil, rdb, Loading};
use crate::state::{now_ms, AccessPolicy, ServerState, Shared};

/// Items decoded before they are inserted under one lock acquisition.
const BATCH_ITEMS: usize = 1024;
/// Decoded batches waiting for their insert.
const PIPELINE_BATCHES: usize = 4;
/// Read buffer in front of the file.
const READ_BUFFER: usize = 1 << 20;
/// Largest RESIZEDB hint honoured (a corrupt file must not make us allocate at will).
const MAX_RESERVE: u64 = 1 << 26;

/// Why the dataset could not be loaded: the file, the byte offset and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file being loaded.
    pub file: PathBuf,
    /// Offset in the file where loading stopped.
    pub offset: u64,
    /// What went wrong.
    pub reason: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (file {}, offset {})", self.reason, self.file.display(), self.offset)
    }
}

/// How loaded keys are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Keep keys whose TTL has passed (an AOF base: the incr files expect them; a replica's payload).
    pub keep_expired: bool,
    /// A key already present is replaced instead of being an error (DEBUG RELOAD MERGE).
    pub merge: bool,
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Keys inserted.
    pub keys_loaded: u64,
    /// Keys dropped because their TTL had passed.
    pub keys_expired: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The database the file is at (SELECTDB), for RESIZEDB hints.
    pub db: usize,
}

/// The encoding limits values are built with (the server's config).
pub fn load_limits(state: &ServerState) -> LoadLimits {
    let settings = &state.settings;
    LoadLimits {
        list_max_listpack_size: settings.list_max_listpack_size,
        hash: settings.hash_limits,
        set: settings.set_limits,
        zset: settings.zset_limits,
    }
}

/// Access metadata of a loaded key: its saved LRU idle time or LFU counter when the policy uses it.
fn loaded_access(policy: AccessPolicy, lru_policy: bool, idle: Option<u64>, freq: Option<u8>, now_ms: u64) -> u32 {
    match (policy.lfu, freq, idle) {
        (true, Some(freq), _) => policy.created(now_ms) & !0xff | u32::from(freq),
        (false, _, Some(idle)) if lru_policy => {
            let clock = AccessPolicy::lru_clock(now_ms);
            let idle = u32::try_from(idle % (1 << 24)).unwrap_or(0);
            if clock >= idle {
                clock - idle
            } else {
                clock + (1 << 24) - idle
            }
        }
        _ => policy.created(now_ms),
    }
}

/// Applies decoded items to the keyspace (under the lock).
pub fn apply_items(
    state: &mut ServerState,
    items: Vec<Item>,
    options: LoadOptions,
    report: &mut LoadReport,
) -> Result<(), String> {
    let now = now_ms();
    let lru_policy = state.config.str("maxmemory-policy").ends_with("lru");
    for item in items {
        match item {
            Item::Entry(entry) => {
                let databases = state.keyspace.dbs.len();
                let Some(index) = usize::try_from(entry.db).ok().filter(|db| *db < databases) else {
                    return Err(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {databases} databases"
                    ));
                };
                let expired = entry.expire_ms.is_some_and(|ms| ms < i64::try_from(now).unwrap_or(i64::MAX));
                if expired && !options.keep_expired && state.expiry_mode == ExpiryMode::Delete {
                    report.keys_expired += 1;
                    continue;
                }
                let access = loaded_access(state.settings.access, lru_policy, entry.idle_secs, entry.freq, now);
                let expire = entry.expire_ms.map(|ms| u64::try_from(ms).unwrap_or(0));
                let db = &mut state.keyspace.dbs[index];
                if options.merge {
                    db.set(&entry.key, entry.value, access);
                    if let Some(when) = expire {
                        db.set_expire(&entry.key, when);
                    }
                } else if let Err((key, _)) = db.insert_loaded(entry.key, entry.value, access, expire) {
                    return Err(format!("RDB has duplicated key '{}' in DB {index}", String::from_utf8_lossy(&key)));
                }
                report.keys_loaded += 1;
            }
            Item::Aux { key, value } => aux_field(state, &key, &value),
            Item::Function(_) => warn!("Skipping a function library: rds does not support functions yet"),
            Item::SelectDb(db) if usize::try_from(db).map_or(true, |db| db >= state.keyspace.dbs.len()) => {
                return Err(format!(
                    "FATAL: Data file was created with a Redis server configured to handle more than {} databases",
                    state.keyspace.dbs.len()
                ));
            }
            Item::SelectDb(db) => report.db = usize::try_from(db).unwrap_or(0),
            Item::ResizeDb { keys, expires } => {
                // A sizing hint from the file: bounded, and only for a database still empty, so the
                // tables do not grow (and rehash) through every power of two.
                if let Some(db) = state.keyspace.dbs.get_mut(report.db).filter(|db| db.is_empty()) {
                    let bound = |n: u64| usize::try_from(n.min(MAX_RESERVE)).unwrap_or(0);
                    db.reserve(bound(keys), bound(expires));
                }
            }
            Item::ModuleAux { .. } => {}
        }
    }
    Ok(())
}

/// Logs the aux fields Redis logs, and keeps the replication id and offset.
fn aux_field(state: &mut ServerState, key: &[u8], value: &[u8]) {
    let text = String::from_utf8_lossy(value);
    match key {
        b"redis-ver" => info!("Loading RDB produced by version {text}"),
        b"ctime" => {
            let ctime = text.parse::<u64>().unwrap_or(0);
            let age = (now_ms() / 1000).saturating_sub(ctime);
            info!("RDB age {age} seconds");
        }
        b"used-mem" => {
            let used = text.parse::<u64>().unwrap_or(0);
            if let Some(loading) = &mut state.persist.loading {
                loading.rdb_used_mem = used;
            }
            info!("RDB memory usage when created {:.2} Mb", used as f64 / (1024.0 * 1024.0));
        }
        b"repl-id" => {
            let offset = state.persist.loaded_repl.as_ref().map_or(0, |r| r.1);
            state.persist.loaded_repl = Some((text.into_owned(), offset));
        }
        b"repl-offset" => {
            let offset = text.parse::<i64>().unwrap_or(0);
            match &mut state.persist.loaded_repl {
                Some(repl) => repl.1 = offset,
                None => state.persist.loaded_repl = Some((String::new(), offset)),
            }
        }
        _ if key.first() == Some(&b'%') => info!("RDB '{}': {text}", String::from_utf8_lossy(&key[1..])),
        _ => {}
    }
}

/// A batch of decoded items with the offset reached, or where and why decoding failed.
type Decoded = Result<(Vec<Item>, u64), (u64, String)>;

/// Decodes `decoder` to its end, handing batches of items to `apply` (with the offset reached).
///
/// Decoding runs on a thread of its own while `apply` inserts the previous batches, so loading uses
/// two cores; the bounded channel between them keeps at most a few batches in flight.
pub fn read_items<R: BufRead + Send>(
    decoder: &mut Decoder<R>,
    mut apply: impl FnMut(Vec<Item>, u64) -> Result<(), String>,
) -> Result<(), (u64, String)> {
    let (sender, receiver) = mpsc::sync_channel::<Decoded>(PIPELINE_BATCHES);
    std::thread::scope(|scope| {
        let decoding = std::thread::Builder::new()
            .name("rds-rdb-decode".to_string())
            .spawn_scoped(scope, move || decode_batches(decoder, |batch| sender.send(batch).is_ok()));
        if let Err(error) = decoding {
            warn!("Decoding the RDB on the loading thread: cannot start a decoder thread ({error})");
            return Err((0, error.to_string()));
        }
        // Returning drops the receiver, which stops the decoder at its next batch.
        for batch in receiver {
            let (items, offset) = batch?;
            apply(items, offset).map_err(|reason| (offset, reason))?;
        }
        Ok(())
    })
}

/// Decodes to the end, sending batches to `send` until it returns false.
fn decode_batches<R: BufRead>(decoder: &mut Decoder<R>, mut send: impl FnMut(Decoded) -> bool) {
    let mut batch = Vec::with_capacity(BATCH_ITEMS);
    loop {
        match decoder.next_item() {
            Ok(Some(item)) => {
                batch.push(item);
                if batch.len() >= BATCH_ITEMS
                    && !send(Ok((std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ITEMS)), decoder.offset())))
                {
                    return;
                }
            }
            Ok(None) => break,
            Err(error) => {
                send(Err((error_offset(&error, decoder.offset()), describe(&error))));
                return;
            }
        }
    }
    send(Ok((batch, decoder.offset())));
}

/// The offset an error refers to.
fn error_offset(error: &RdbError, reached: u64) -> u64 {
    match error {
        RdbError::Truncated { offset } | RdbError::Corrupt { offset, .. } => *offset,
        RdbError::BadMagic | RdbError::UnsupportedVersion(_) => 0,
        _ => reached,
    }
}

/// Redis's wording for the common failures.
fn describe(error: &RdbError) -> String {
    match error {
        RdbError::Truncated { .. } => "Short read or OOM loading DB. Unrecoverable error, aborting now.".to_string(),
        RdbError::Checksum { expected, actual } => {
            format!("Wrong RDB checksum expected: ({expected:x}) but got ({actual:x}). Aborting now.")
        }
        other => other.to_string(),
    }
}

/// A decoder over a file, with the file's size.
type Opened = (Decoder<BufReader<File>>, u64);

/// Opens `path` for loading: `Ok(None)` when it does not exist.
fn open(path: &Path, limits: LoadLimits, verify: bool) -> Result<Option<Opened>, LoadError> {
    let fail = |offset, reason: String| LoadError { file: path.to_path_buf(), offset, reason };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(fail(0, error.to_string())),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = BufReader::with_capacity(READ_BUFFER, file);
    let mut decoder = Decoder::new(reader, limits).map_err(|e| fail(0, describe(&e)))?;
    decoder.verify_checksum(verify);
    Ok(Some((decoder, size)))
}

/// Loads the RDB at `path` in batches while the server runs: decoding happens in the calling
/// (blocking) thread, each batch is inserted under one lock acquisition. `Ok(None)` when the file
/// does not exist.
pub fn load_file_in_batches(
    shared: &Arc<Shared>,
    path: &Path,
    options: LoadOptions,
) -> Result<Option<LoadReport>, LoadError> {
    let (limits, verify) = {
        let state = shared.lock();
        (load_limits(&state), state.config.bool("rdbchecksum"))
    };
    let Some((mut decoder, size)) = open(path, limits, verify)? else { return Ok(None) };
    if let Some(loading) = &mut shared.lock().persist.loading {
        loading.total_bytes = loading.total_bytes.max(size);
    }
    let mut report = LoadReport::default();
    let result = read_items(&mut decoder, |items, offset| {
        let mut state = shared.lock();
        if let Some(loading) = &mut state.persist.loading {
            loading.loaded_bytes = offset;
        }
        apply_items(&mut state, items, options, &mut report)
    });
    finish(path, result, report, decoder.offset())
}

/// Loads the RDB at `path` at once into `state` (DEBUG RELOAD). `Ok(None)` when it does not exist.
pub fn load_file_now(
    state: &mut ServerState,
    path: &Path,
    options: LoadOptions,
) -> Result<Option<LoadReport>, LoadError> {
    let verify = state.config.bool("rdbchecksum");
    let Some((mut decoder, _)) = open(path, load_limits(state), verify)? else { return Ok(None) };
    let mut report = LoadReport::default();
    let result = read_items(&mut decoder, |items, _| apply_items(state, items, options, &mut report));
    finish(path, result, report, decoder.offset())
}

fn finish(
    path: &Path,
    result: Result<(), (u64, String)>,
    mut report: LoadReport,
    offset: u64,
) -> Result<Option<LoadReport>, LoadError> {
    match result {
        Ok(()) => {
            report.bytes = offset;
            info!("Done loading RDB, keys loaded: {}, keys expired: {}.", report.keys_loaded, report.keys_expired);
            Ok(Some(report))
        }
        Err((offset, reason)) => Err(LoadError { file: path.to_path_buf(), offset, reason }),
    }
}

/// True when there is a file to load at startup. With nothing on disk there is no loading phase at
/// all (as in Redis), so early clients never see `-LOADING`.
pub fn has_data_to_load(state: &ServerState) -> bool {
    if state.config.bool("appendonly") {
        state.persist.aof.dir().exists()
    } else {
        rdb::rdb_path(state).exists()
    }
}

/// Marks the server as loading (before it accepts clients; [`load_at_startup`] clears it).
pub fn mark_loading(state: &mut ServerState) {
    state.persist.loading = Some(Loading { started_secs: now_ms() / 1000, ..Loading::default() });
}

/// Loads the dataset at startup: the AOF with `appendonly yes`, else the RDB file. Temporary files
/// of a killed process are removed first. Clients connected meanwhile get `-LOADING`.
pub fn load_at_startup(shared: &Arc<Shared>) -> Result<(), LoadError> {
    let (dir, aof_on, aof_dir, aof_name, rdb_path) = {
        let mut state = shared.lock();
        if state.persist.loading.is_none() && has_data_to_load(&state) {
            mark_loading(&mut state);
        }
        let aof = &state.persist.aof;
        (state.config.dir(), state.config.bool("appendonly"), aof.dir(), aof.base_name(), rdb::rdb_path(&state))
    };
    for name in fsutil::remove_stale_temp_files(&dir, Some((&aof_dir, &aof_name))) {
        info!("Removing temp file {name} left by a previous run");
    }
    let started = Instant::now();
    let result = if aof_on {
        crate::persist::aof::load_at_startup(shared).map(drop)
    } else {
        load_file_in_batches(shared, &rdb_path, LoadOptions::default()).map(|report| {
            if let Some(report) = report {
                let mut state = shared.lock();
                state.persist.rdb.last_load_keys_loaded = report.keys_loaded;
                state.persist.rdb.last_load_keys_expired = report.keys_expired;
                info!("DB loaded from disk: {:.3} seconds", started.elapsed().as_secs_f64());
            }
        })
    };
    let mut state = shared.lock();
    state.persist.loading = None;
    state.dirty = 0;
    result
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the keyspace, load the file back.
pub fn debug_reload(state: &mut ServerState, merge: bool, flush: bool, save: bool) -> Result<(), CommandError> {
    if save && rdb::save(state).is_err() {
        return Err(CommandError::other("ERR"));
    }
    if flush {
        for index in 0..state.keyspace.dbs.len() {
            crate::cmd::server::flush_db(state, index);
        }
    }
    let path = rdb::rdb_path(state);
    match load_file_now(state, &path, LoadOptions { keep_expired: false, merge }) {
        Ok(Some(_)) => {
            warn!("DB reloaded by DEBUG RELOAD");
            Ok(())
        }
        Ok(None) => {
            warn!("Fatal error loading the DB: {} does not exist", path.display());
            Err(CommandError::err("Error trying to load the RDB dump, check server logs."))
        }
        Err(error) => {
            warn!("Fatal error loading the DB: {error}");
            Err(CommandError::err("Error trying to load the RDB dump, check server logs."))
        }
    }
}
