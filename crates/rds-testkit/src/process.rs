//! Starting a server binary for a test: our `rds-server` or a real `redis-server`, invoked the same way.
//!
//! Each server gets a port that was free a moment ago (retried when another process wins the race), a
//! private temporary `--dir` that also holds its captured stdout/stderr, and is killed when the
//! [`TestServer`] drops. If the test is panicking at that point, the tail of the log is printed so the
//! failure shows what the server said.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::client::Client;
use crate::util::{free_port, wait_until, TempDir};

/// How long a server may take to answer its first PING.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Lines of the log printed when a test fails.
const LOG_TAIL_LINES: usize = 200;
/// Attempts at finding a port nobody else grabs in the meantime.
const PORT_ATTEMPTS: usize = 5;

/// How to start a server; see [`ServerBuilder::spawn`].
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    program: PathBuf,
    config_file: Option<PathBuf>,
    args: Vec<String>,
    config_port: Option<u16>,
    wait_ready: bool,
}

impl ServerBuilder {
    /// A server run from `program` (a path, or a name looked up on `PATH`).
    pub fn new(program: impl Into<PathBuf>) -> Self {
        ServerBuilder {
            program: program.into(),
            config_file: None,
            args: Vec::new(),
            config_port: None,
            wait_ready: true,
        }
    }

    /// Passes `path` as the config file (the first argument, as `redis-server /path/redis.conf`).
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Appends one command-line argument (after `--port` and `--dir`, so it can override them).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends command-line arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The config file already sets `port`: do not pass `--port`, and expect the server there.
    pub fn port_from_config(mut self, port: u16) -> Self {
        self.config_port = Some(port);
        self
    }

    /// Return as soon as the process is started, without waiting for PING (for startup failures).
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }

    /// Starts the server and, unless [`no_wait`](Self::no_wait), waits until it answers PING.
    pub fn spawn(&self) -> anyhow::Result<TestServer> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = match self.config_port {
                Some(port) => port,
                None => free_port()?,
            };
            let mut server = self.spawn_on(port)?;
            if !self.wait_ready {
                return Ok(server);
            }
            match server.wait_ready(READY_TIMEOUT) {
                Ok(()) => return Ok(server),
                Err(error) => {
                    let lost_race = server.log().contains("Address already in use");
                    if lost_race && self.config_port.is_none() && attempt < PORT_ATTEMPTS {
                        continue;
                    }
                    server.print_log_tail();
                    return Err(error);
                }
            }
        }
    }

    fn spawn_on(&self, port: u16) -> anyhow::Result<TestServer> {
        let name = self.program.file_name().map_or_else(|| "server".to_string(), |n| n.to_string_lossy().into_owned());
        let dir = TempDir::new(&format!("rds-test-{name}"))?;
        let log_path = dir.path().join("server.log");
        let log = File::create(&log_path).with_context(|| format!("create {}", log_path.display()))?;
        let log_err = log.try_clone().context("clone the log file handle")?;
        let mut command = Command::new(&self.program);
        if let Some(config) = &self.config_file {
            command.arg(config);
        }
        if self.config_port.is_none() {
            command.arg("--port").arg(port.to_string());
        }
        command.arg("--dir").arg(dir.path());
        command.args(&self.args);
        command.current_dir(dir.path()).stdin(Stdio::null()).stdout(log).stderr(log_err);
        let child = command.spawn().with_context(|| format!("start {}", self.program.display()))?;
        Ok(TestServer { child, port, dir, log_path, name, exit: None })
    }
}

/// A running server process, killed (and reaped) on drop.
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    port: u16,
    dir: TempDir,
    log_path: PathBuf,
    name: String,
    exit: Option<ExitStatus>,
}

impl TestServer {
    /// The TCP port the server was told to listen on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The binary's file name (`rds-server`, `redis-server`), for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's private directory (its `--dir`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The file holding the server's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Everything the server printed so far (lossy UTF-8).
    pub fn log(&self) -> String {
        std::fs::read(&self.log_path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    /// Waits until the log contains `needle`; true when it appeared in time.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.log().contains(needle))
    }

    /// Prints the last lines of the log to stderr.
    pub fn print_log_tail(&self) {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let start = lines.len().saturating_sub(LOG_TAIL_LINES);
        eprintln!("---- {} (port {}) log, last {} lines ----", self.name, self.port, lines.len() - start);
        for line in &lines[start..] {
            eprintln!("{line}");
        }
        eprintln!("---- end of {} log ----", self.name);
    }

    /// A new client connection; panics (after printing the log) when the server cannot be reached.
    pub fn client(&self) -> Client {
        match Client::connect(self.port) {
            Ok(client) => client,
            Err(error) => panic!("connect to {} on port {}: {error:#}", self.name, self.port),
        }
    }

    /// Connects and PINGs until the server answers (`+PONG`, or `-NOAUTH` when a password is set),
    /// failing early if the process exits.
    pub fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last_error = String::from("no attempt");
        while Instant::now() < deadline {
            if let Some(status) = self.try_wait() {
                bail!("{} exited during startup with {status}", self.name);
            }
            match Client::connect(self.port) {
                Ok(mut client) => {
                    client.set_timeout(Duration::from_secs(2))?;
                    match client.try_cmd(&["PING"]) {
                        Ok(reply) if reply.starts_with(b"+PONG") || reply.starts_with(b"-NOAUTH") => return Ok(()),
                        Ok(reply) => last_error = format!("PING replied {}", crate::util::escape(&reply)),
                        Err(error) => last_error = format!("{error:#}"),
                    }
                }
                Err(error) => last_error = format!("{error:#}"),
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("{} on port {} not ready within {timeout:?}: {last_error}", self.name, self.port)
    }

    /// The exit status if the process has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends a signal by name (`TERM`, `INT`, `KILL`, ...) with `kill(1)`.
    pub fn signal(&self, name: &str) -> anyhow::Result<()> {
        let status = Command::new("kill").args(["-s", name, &self.pid().to_string()]).status().context("run kill")?;
        if !status.success() {
            bail!("kill -s {name} {} failed: {status}", self.pid());
        }
        Ok(())
    }

    /// The process's resident set size in KiB (`VmRSS` in `/proc/<pid>/status`).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Kills the process and reaps it.
    pub fn kill(&mut self) {
        if self.try_wait().is_none() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_log_tail();
        }
        self.kill();
    }
}
