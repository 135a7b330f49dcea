//! Small helpers shared by the end-to-end tests: polling, ports, temporary directories, byte escaping
//! and locating the real Redis binaries the interop tests compare against.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;

/// Polls `cond` every 10 ms until it returns true or `timeout` passes; true when it held in time.
///
/// This is Redis's `wait_for_condition`: tests wait for a state instead of sleeping a guessed time.
pub fn wait_until(timeout: Duration, cond: impl FnMut() -> bool) -> bool {
    wait_until_every(timeout, Duration::from_millis(10), cond)
}

/// [`wait_until`] polling every `interval` (longer for conditions that are slow to check, such as
/// docker commands).
pub fn wait_until_every(timeout: Duration, interval: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(interval);
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind `:0`, read it, drop the listener).
///
/// Another process may take it before the server binds it, so callers retry on EADDRINUSE.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind 127.0.0.1:0")?;
    Ok(listener.local_addr().context("read the bound address")?.port())
}

/// A directory under `std::env::temp_dir()` that is unique to this test and removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory whose name starts with `prefix`.
    pub fn new(prefix: &str) -> anyhow::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for _ in 0..100 {
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
            let name = format!("{prefix}-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
            let path = std::env::temp_dir().join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error).with_context(|| format!("create {}", path.display())),
            }
        }
        anyhow::bail!("could not create a unique temporary directory for {prefix}")
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Renders bytes as a quoted string with `\r`, `\n`, `\"`, `\\` and `\xHH` escapes, so replies with
/// binary data print readably in failure messages.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &byte in bytes {
        match byte {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// Finds an executable called `name` on `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// True when the `CI` environment variable is set (to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Skips the calling test (prints why and returns `None`), or panics under CI, where a missing
/// dependency must never turn into a green run.
fn skip_or_fail<T>(reason: &str) -> Option<T> {
    if in_ci() {
        panic!("{reason} (CI is set, so this is a failure, not a skip)");
    }
    eprintln!("skipping: {reason}");
    None
}

/// Paths of the real Redis 7.0 binaries.
#[derive(Debug, Clone)]
pub struct RedisBins {
    /// `redis-server`.
    pub server: PathBuf,
    /// `redis-cli`.
    pub cli: PathBuf,
}

/// The real `redis-server` and `redis-cli` 7.0, or `None` (after printing why) when they are missing;
/// panics instead when `CI` is set.
pub fn require_redis() -> Option<RedisBins> {
    let (Some(server), Some(cli)) = (find_in_path("redis-server"), find_in_path("redis-cli")) else {
        return skip_or_fail("redis-server not installed");
    };
    let version = Command::new(&server).arg("--version").stderr(Stdio::null()).output();
    let version = version.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    if !version.contains("v=7.0.") {
        return skip_or_fail(&format!("redis-server is not version 7.0 ({})", version.trim()));
    }
    Some(RedisBins { server, cli })
}

/// The real `redis-sentinel`, or `None` (after printing why) when it is missing; panics instead when
/// `CI` is set.
pub fn require_redis_sentinel() -> Option<PathBuf> {
    find_in_path("redis-sentinel").or_else(|| skip_or_fail("redis-sentinel not installed"))
}

/// A Python interpreter that can `import redis` (redis-py): `$RDS_PYTHON`, then `python3` on `PATH`,
/// then `/usr/bin/python3` (Debian's `python3-redis` installs there, which a pyenv `python3` on `PATH`
/// does not see). `None` after printing why when there is none; panics instead when `CI` is set.
pub fn require_python_redis() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(python) = std::env::var_os("RDS_PYTHON") {
        candidates.push(PathBuf::from(python));
    }
    candidates.push(PathBuf::from("python3"));
    candidates.push(PathBuf::from("/usr/bin/python3"));
    for python in candidates {
        let status =
            Command::new(&python).args(["-c", "import redis"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
        if status.is_ok_and(|s| s.success()) {
            return Some(python);
        }
    }
    skip_or_fail("python3 with the redis module (redis-py) not installed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_shows_control_and_binary_bytes() {
        assert_eq!(escape(b"$1\r\nv\r\n"), r#""$1\r\nv\r\n""#);
        assert_eq!(escape(b"a\x00\"\\\xff"), r#""a\x00\"\\\xff""#);
    }

    #[test]
    fn temp_dirs_are_unique_and_removed_on_drop() {
        let first = TempDir::new("rds-testkit-unit").unwrap();
        let second = TempDir::new("rds-testkit-unit").unwrap();
        assert_ne!(first.path(), second.path());
        let path = first.path().to_path_buf();
        assert!(path.is_dir());
        drop(first);
        assert!(!path.exists());
    }

    #[test]
    fn wait_until_reports_timeouts() {
        assert!(wait_until(Duration::from_millis(50), || true));
        assert!(!wait_until(Duration::from_millis(30), || false));
    }
}
