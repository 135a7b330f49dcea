//! Loading the AOF: the manifest, then the base (RDB preamble or commands) and every incr file in
//! order, replaying commands in batches under the lock; a torn tail of the last file is cut off with
//! `aof-load-truncated yes`. Then the files are opened for appending, as Redis does at startup.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use rds_rdb::Decoder;
use tracing::{info, warn};

use super::manifest::{self, Manifest};
use super::replay::{CommandReader, ReadError, Replayer};
use super::{open_incr, strerror, Aof, Status};
use crate::persist::load::{apply_items, load_limits, read_items, LoadError, LoadOptions, LoadReport};
use crate::persist::rdb;
use crate::state::{ServerState, Shared};

/// Commands replayed per lock acquisition.
const BATCH_COMMANDS: usize = 1024;
/// Read buffer in front of each file.
const READ_BUFFER: usize = 1 << 20;

/// Access to the server state: per batch through the lock while the server runs, or directly.
pub trait WithState {
    /// Runs `f` with the state.
    fn with<T>(&mut self, f: impl FnOnce(&mut ServerState) -> T) -> T;
}

impl WithState for &Arc<Shared> {
    fn with<T>(&mut self, f: impl FnOnce(&mut ServerState) -> T) -> T {
        f(&mut self.lock())
    }
}

impl WithState for &mut ServerState {
    fn with<T>(&mut self, f: impl FnOnce(&mut ServerState) -> T) -> T {
        f(self)
    }
}

fn fail(path: &Path, offset: u64, reason: String) -> LoadError {
    LoadError { file: path.to_path_buf(), offset, reason }
}

/// Loads the AOF at startup and opens it for appending. Returns whether files were loaded.
pub fn load_at_startup(shared: &Arc<Shared>) -> Result<bool, LoadError> {
    let (dir, base_name, data_dir) = {
        let state = shared.lock();
        (state.persist.aof.dir.clone(), state.persist.aof.base_name.clone(), state.config.dir())
    };
    upgrade_single_file(&data_dir, &dir, &base_name)?;
    let manifest_path = dir.join(format!("{base_name}.manifest"));
    let manifest = manifest::read(&manifest_path).map_err(|reason| fail(&manifest_path, 0, reason))?;
    let mut access = shared;
    let started = Instant::now();
    let loaded = match &manifest {
        Some(manifest) if !manifest.files_to_load().is_empty() => {
            load_files(&mut access, &dir, manifest)?;
            info!("DB loaded from append only file: {:.3} seconds", started.elapsed().as_secs_f64());
            true
        }
        _ => {
            if manifest.is_none() {
                info!("The AOF directory {} doesn't exist", dir.display());
            }
            false
        }
    };
    let mut state = shared.lock();
    open_on_start(&mut state, manifest.unwrap_or_default()).map_err(|reason| fail(&manifest_path, 0, reason))?;
    Ok(loaded)
}

/// A pre-7.0 single-file AOF at `<dir>/<appendfilename>` without a manifest becomes the base of a
/// new AOF directory, as Redis's upgrade path does.
fn upgrade_single_file(data_dir: &Path, aof_dir: &Path, base_name: &str) -> Result<(), LoadError> {
    let old = data_dir.join(base_name);
    let manifest_path = aof_dir.join(format!("{base_name}.manifest"));
    if !old.is_file() || manifest_path.exists() {
        return Ok(());
    }
    let result = (|| {
        std::fs::create_dir_all(aof_dir)?;
        let manifest = format!("file {base_name} seq 1 type b\n");
        let temp = aof_dir.join(format!("temp-{base_name}.manifest"));
        crate::persist::fsutil::write_atomic(&manifest_path, &temp, manifest.as_bytes())?;
        std::fs::rename(&old, aof_dir.join(base_name))?;
        crate::persist::fsutil::fsync_dir(data_dir)
    })();
    result.map_err(|e| fail(&old, 0, format!("Error upgrading the AOF: {}", strerror(&e))))?;
    info!("Successfully migrated an old-style AOF into the AOF directory {}.", aof_dir.display());
    Ok(())
}

/// Loads the base and incr files of `manifest`; a missing file is fatal.
pub fn load_files(access: &mut impl WithState, dir: &Path, manifest: &Manifest) -> Result<(), LoadError> {
    let files = manifest.files_to_load();
    let mut total = 0;
    for file in &files {
        let path = dir.join(&file.name);
        let size = std::fs::metadata(&path).map_err(|e| {
            fail(&path, 0, format!("Unable to obtain the AOF file {} length. stat: {}", file.name, strerror(&e)))
        })?;
        total += size.len();
    }
    access.with(|state| {
        if let Some(loading) = &mut state.persist.loading {
            loading.total_bytes = total;
        }
    });
    let base_name = manifest.base.as_ref().map(|b| b.name.clone());
    for (index, file) in files.iter().enumerate() {
        let started = Instant::now();
        let last = index + 1 == files.len();
        load_file(access, &dir.join(&file.name), &file.name, last)?;
        let kind = if Some(&file.name) == base_name.as_ref() { "base" } else { "incr" };
        info!("DB loaded from {kind} file {}: {:.3} seconds", file.name, started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Loads one file: an RDB preamble if it starts with `REDIS`, then commands to the end.
fn load_file(access: &mut impl WithState, path: &Path, name: &str, last: bool) -> Result<(), LoadError> {
    let file = File::open(path).map_err(|e| {
        fail(path, 0, format!("Fatal error: can't open the append log file {name} for reading: {}", strerror(&e)))
    })?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let is_rdb = reader.fill_buf().map(|head| head.starts_with(b"REDIS")).unwrap_or(false);
    let (reader, offset) = if is_rdb { load_preamble(access, path, name, reader)? } else { (reader, 0) };
    let mut commands = CommandReader::new(reader, offset);
    replay_commands(access, &mut commands, path, name, last)
}

/// Loads the RDB part of a file (expired keys kept: the commands after it expect them).
fn load_preamble(
    access: &mut impl WithState,
    path: &Path,
    name: &str,
    reader: BufReader<File>,
) -> Result<(BufReader<File>, u64), LoadError> {
    info!("Reading RDB base file on AOF loading...");
    let (limits, verify) = access.with(|s| (load_limits(s), s.config.bool("rdbchecksum")));
    let preamble_error = |offset, reason: String| {
        fail(
            path,
            offset,
            format!("Error reading the RDB preamble of the AOF file {name}, AOF loading aborted: {reason}"),
        )
    };
    let mut decoder = Decoder::new(reader, limits).map_err(|e| preamble_error(0, e.to_string()))?;
    decoder.verify_checksum(verify);
    let mut report = LoadReport::default();
    let options = LoadOptions { keep_expired: true, merge: false };
    read_items(&mut decoder, |items, offset| {
        access.with(|state| {
            if let Some(loading) = &mut state.persist.loading {
                loading.loaded_bytes = offset;
            }
            apply_items(state, items, options, &mut report)
        })
    })
    .map_err(|(offset, reason)| preamble_error(offset, reason))?;
    info!("RDB is base AOF");
    info!("Done loading RDB, keys loaded: {}, keys expired: {}.", report.keys_loaded, report.keys_expired);
    let offset = decoder.offset();
    Ok((decoder.into_inner(), offset))
}

/// Replays the commands of a file in batches; handles a torn tail and an incomplete transaction.
fn replay_commands(
    access: &mut impl WithState,
    commands: &mut CommandReader<BufReader<File>>,
    path: &Path,
    name: &str,
    last: bool,
) -> Result<(), LoadError> {
    let mut replayer = Replayer::default();
    let mut batch: Vec<Vec<Bytes>> = Vec::with_capacity(BATCH_COMMANDS);
    let mut valid_up_to = commands.offset;
    let mut before_multi = valid_up_to;
    let outcome = loop {
        match commands.next_command() {
            Ok(Some(argv)) => {
                if argv[0].eq_ignore_ascii_case(b"multi") {
                    before_multi = valid_up_to;
                }
                batch.push(argv);
                valid_up_to = commands.offset;
                if batch.len() >= BATCH_COMMANDS {
                    run_batch(access, &mut replayer, &mut batch, path, name, commands.offset)?;
                }
            }
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };
    run_batch(access, &mut replayer, &mut batch, path, name, commands.offset)?;
    match outcome {
        None if !replayer.in_multi() => Ok(()),
        None => {
            warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
            replayer.discard_multi();
            truncate_tail(access, path, name, before_multi, last)
        }
        Some(ReadError::Truncated) => {
            let cut = if replayer.in_multi() { before_multi } else { valid_up_to };
            replayer.discard_multi();
            truncate_tail(access, path, name, cut, last)
        }
        Some(ReadError::Format) => Err(fail(
            path,
            valid_up_to,
            format!("Bad file format reading the append only file {name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"),
        )),
        Some(ReadError::Io(error)) => {
            Err(fail(path, commands.offset, format!("Unrecoverable error reading the append only file {name}: {error}")))
        }
    }
}

fn run_batch(
    access: &mut impl WithState,
    replayer: &mut Replayer,
    batch: &mut Vec<Vec<Bytes>>,
    path: &Path,
    name: &str,
    offset: u64,
) -> Result<(), LoadError> {
    if batch.is_empty() {
        return Ok(());
    }
    let commands = std::mem::replace(batch, Vec::with_capacity(BATCH_COMMANDS));
    access.with(|state| {
        for argv in commands {
            replayer
                .execute(state, argv)
                .map_err(|error| fail(path, offset, format!("{error} reading the append only file {name}")))?;
        }
        if let Some(loading) = &mut state.persist.loading {
            loading.loaded_bytes = loading.loaded_bytes.max(offset);
        }
        Ok(())
    })
}

/// A file ends in the middle of a command: with `aof-load-truncated yes` and the last file, cut it back
/// to the last complete command (as Redis does); otherwise loading fails.
fn truncate_tail(
    access: &mut impl WithState,
    path: &Path,
    name: &str,
    valid_up_to: u64,
    last: bool,
) -> Result<(), LoadError> {
    let allowed = access.with(|s| s.persist.aof.policy.load_truncated);
    if allowed && last {
        warn!("!!! Warning: short read while loading the AOF file {name}!!!");
        warn!("!!! Truncating the AOF {name} at offset {valid_up_to} !!!");
        let truncated = std::fs::OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(valid_up_to));
        if let Err(error) = truncated {
            return Err(fail(path, valid_up_to, format!("Error truncating the AOF file {name}: {}", strerror(&error))));
        }
        warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
        return Ok(());
    }
    if allowed {
        warn!("Fatal error: the truncated file is not the last file");
    }
    Err(fail(
        path,
        valid_up_to,
        format!("Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."),
    ))
}

/// After loading (Redis's `aofOpenIfNeededOnServerStart`): creates the base of an empty dataset when
/// there is no file at all, opens the last incr file (or a new one) for appending, persists the
/// manifest and deletes history files.
pub fn open_on_start(state: &mut ServerState, manifest: Manifest) -> Result<(), String> {
    let dir = state.persist.aof.dir.clone();
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't open or create append-only dir {}: {}", dir.display(), strerror(&e)))?;
    let mut manifest = manifest;
    if manifest.base.is_none() && manifest.incrs.is_empty() {
        let aof = &state.persist.aof;
        let name = manifest.new_base(&aof.base_name, aof.policy.rdb_preamble);
        write_base_now(state, &dir.join(&name))?;
        info!("Creating AOF base file {name} on server start");
    }
    let aof = &mut state.persist.aof;
    let (name, created) = match manifest.incrs.last() {
        Some(last) => (last.name.clone(), false),
        None => (manifest.new_incr(&aof.base_name), true),
    };
    let (file, size) =
        open_incr(&dir.join(&name)).map_err(|e| format!("Can't open the append-only file {name}: {}", strerror(&e)))?;
    aof.persist_manifest(&manifest).map_err(|e| format!("Can't persist the AOF manifest: {}", strerror(&e)))?;
    if created {
        info!("Creating AOF incr file {name} on server start");
    } else {
        info!("Opening AOF incr file {name} on server start");
    }
    aof.base_size = manifest.base.as_ref().map_or(0, |f| file_len(&dir.join(&f.name)));
    aof.current_size = aof.base_size + manifest.incrs.iter().map(|f| file_len(&dir.join(&f.name))).sum::<u64>();
    aof.manifest = manifest;
    aof.switch_file(file, size);
    aof.status = Status::On;
    super::delete_history(aof);
    state.effects.enable_aof();
    state.effects.reset_aof_db();
    Ok(())
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Writes the dataset as a base file now (under the lock): an RDB with `aof-base`, or commands.
pub fn write_base_now(state: &ServerState, path: &Path) -> Result<(), String> {
    if state.persist.aof.policy.rdb_preamble {
        return rdb::write_dataset(state, path, true).map(drop);
    }
    let mut out = bytes::BytesMut::new();
    if state.persist.aof.policy.timestamps {
        out.extend_from_slice(format!("#TS:{}\r\n", crate::state::now_ms() / 1000).as_bytes());
    }
    for (index, db) in state.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        crate::propagate::encode_multibulk(&mut out, &[&b"SELECT"[..], index.to_string().as_bytes()]);
        for (key, entry) in db.iter() {
            crate::persist::writer::entry_commands(&mut out, key.as_slice(), &entry.value, db.expire_at(key));
        }
    }
    let temp = path.with_extension("tmp");
    crate::persist::fsutil::write_atomic(path, &temp, &out).map_err(|e| strerror(&e))
}

/// DEBUG LOADAOF: writes what is pending, empties the keyspace and loads the AOF files again.
pub fn debug_loadaof(state: &mut ServerState) -> Result<(), String> {
    if state.persist.aof.status == Status::On {
        super::flush(state, true);
    }
    for index in 0..state.keyspace.dbs.len() {
        crate::cmd::server::flush_db(state, index);
    }
    let aof: &Aof = &state.persist.aof;
    let (dir, manifest_path) = (aof.dir.clone(), aof.manifest_path());
    let manifest = manifest::read(&manifest_path)?.unwrap_or_default();
    let mut access = state;
    load_files(&mut access, &dir, &manifest).map_err(|e| e.to_string())?;
    access.dirty = 0;
    warn!("Append Only File loaded by DEBUG LOADAOF");
    Ok(())
}
