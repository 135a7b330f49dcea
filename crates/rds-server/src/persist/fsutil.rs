//! Crash-safe file replacement (write a temporary file, fsync, rename, fsync the directory) and the
//! clean-up of temporary files a killed process left behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::persist::snapshot::FinishFn;

/// Buffer of the writer in front of a snapshot file.
pub const FILE_BUFFER: usize = 256 * 1024;

/// `temp-<pid>.rdb`: Redis's name for an RDB being written (ours uses the server's pid).
pub fn temp_rdb_name(pid: u32) -> String {
    format!("temp-{pid}.rdb")
}

/// `temp-rewriteaof-bg-<pid>.aof`: Redis's name for an AOF base being written.
pub fn temp_rewrite_name(pid: u32) -> String {
    format!("temp-rewriteaof-bg-{pid}.aof")
}

/// Fsyncs a directory so a rename in it survives a crash.
pub fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates (truncating) `path` for a snapshot, buffered.
pub fn create_buffered(path: &Path) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(FILE_BUFFER, File::create(path)?))
}

/// Flushes the buffer and fsyncs the file.
pub fn flush_and_sync(writer: BufWriter<File>) -> std::io::Result<File> {
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(file)
}

/// Writes `bytes` to `path` atomically: a temporary file next to it, fsync, rename, fsync the directory.
pub fn write_atomic(path: &Path, temp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let result = (|| {
        let mut file = File::create(temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(temp, path)?;
        fsync_dir(path.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    result
}

/// The `finish` of a snapshot written to `temp`: fsync, rename over `target`, fsync the directory; on
/// failure, remove `temp`. `saved_log` is logged on success (Redis's child logs "DB saved on disk").
pub fn rename_finisher(temp: PathBuf, target: PathBuf, saved_log: Option<&'static str>) -> FinishFn<BufWriter<File>> {
    Box::new(move |written| {
        let result = written.and_then(|writer| {
            flush_and_sync(writer).map_err(|e| e.to_string())?;
            std::fs::rename(&temp, &target).map_err(|e| format!("rename {}: {e}", target.display()))?;
            fsync_dir(target.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())
        });
        match &result {
            Ok(()) => {
                if let Some(line) = saved_log {
                    tracing::info!("{line}");
                }
            }
            Err(_) => {
                let _ = std::fs::remove_file(&temp);
            }
        }
        result
    })
}

/// The `finish` of a snapshot that stays at `temp` for the owner to rename: fsync, or remove on failure.
pub fn sync_finisher(temp: PathBuf) -> FinishFn<BufWriter<File>> {
    Box::new(move |written| {
        let result = written.and_then(|writer| flush_and_sync(writer).map(drop).map_err(|e| e.to_string()));
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    })
}

/// True when `name` is `<prefix><digits><suffix>` for a process that no longer runs (or is us, which
/// has not started writing yet): a temporary file a killed server left behind.
fn stale_temp(name: &str, prefix: &str, suffix: &str) -> bool {
    let Some(digits) = name.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix)) else { return false };
    let Ok(pid) = digits.parse::<u32>() else { return false };
    pid == std::process::id() || !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes temporary snapshot files of dead processes from `dir` (`temp-<pid>.rdb`,
/// `temp-bgsave-<pid>.rdb`, `temp-rewriteaof-bg-<pid>.aof`) and, when given, the AOF directory's temporary manifest and incr
/// files; returns the names removed. Files of live processes (another server sharing the directory)
/// are kept.
pub fn remove_stale_temp_files(dir: &Path, aof_dir: Option<(&Path, &str)>) -> Vec<String> {
    let mut removed = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale = stale_temp(&name, "temp-", ".rdb")
                || stale_temp(&name, "temp-bgsave-", ".rdb")
                || stale_temp(&name, "temp-rewriteaof-bg-", ".aof")
                || stale_temp(&name, "temp-rewriteaof-", ".aof");
            if stale && std::fs::remove_file(entry.path()).is_ok() {
                removed.push(name);
            }
        }
    }
    if let Some((aof_dir, base_name)) = aof_dir {
        for name in [format!("temp-{base_name}.manifest"), format!("temp-{base_name}.incr")] {
            if std::fs::remove_file(aof_dir.join(&name)).is_ok() {
                removed.push(name);
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temp_files_of_dead_processes_are_stale() {
        let me = std::process::id();
        assert!(stale_temp(&format!("temp-{me}.rdb"), "temp-", ".rdb"));
        assert!(stale_temp("temp-999999999.rdb", "temp-", ".rdb"));
        assert!(!stale_temp("temp-1.rdb", "temp-", ".rdb"), "pid 1 is alive");
        assert!(!stale_temp("temp-x.rdb", "temp-", ".rdb"));
        assert!(!stale_temp("dump.rdb", "temp-", ".rdb"));
    }
}
