//! End-to-end test of the container topology: the repository's `Dockerfile` and `docker-compose.yml`
//! (master + replica1 + replica2 on their own network), built and started for real on the local
//! Docker engine, then torn down.
//!
//! Nothing is pulled: `docker/make-base.sh` makes the base image `rds-base:local` from files on this
//! machine, the runtime image copies in the `rds-server` binary cargo built for this test run, and
//! Compose runs under a project name of its own, so parallel runs never share containers, networks,
//! volumes or image tags. The test talks to the servers with the `redis-cli` inside the containers
//! (`docker exec`), so it needs no published port and no route from the host to the container network.
//!
//! Missing Docker or Compose skips the test, except under CI, where it fails. A run that was killed
//! before its teardown leaves a project that the next run removes (its name carries the dead pid).

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rds_testkit::util::in_ci;

/// The workspace root: build context, compose project directory.
const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");
/// Prefix of this test's compose project names: `rds-e2e-<pid>-<nanos>`.
const PROJECT_PREFIX: &str = "rds-e2e-";
/// Bound on one docker command (a build, `up`, `down`, one `exec`).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on waiting for one state (a server answering, a replica catching up).
const STATE_TIMEOUT: Duration = Duration::from_secs(25);

/// What a finished command printed.
struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with `input` on its stdin, killing it after `timeout`; `Err` when it cannot start or
/// runs out of time.
fn run(cmd: &mut Command, input: Option<&str>, timeout: Duration) -> Result<Ran, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        stdin.write_all(input.as_bytes()).map_err(|e| format!("{what}: writing stdin: {e}"))?;
    }
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what} did not finish within {timeout:?}"));
            }
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    Ok(Ran { ok: status.success(), stdout, stderr })
}

/// Runs `cmd` and returns its stdout; panics (with its output) unless it succeeds in time.
fn run_ok(cmd: &mut Command, input: Option<&str>, timeout: Duration) -> String {
    let what = format!("{cmd:?}");
    match run(cmd, input, timeout) {
        Ok(ran) if ran.ok => ran.stdout,
        Ok(ran) => panic!("{what} failed:\nstdout:\n{}\nstderr:\n{}", ran.stdout, ran.stderr),
        Err(error) => panic!("{error}"),
    }
}

/// Polls `cond` every 250 ms (docker commands are slow) until it holds or `timeout` passes.
fn poll(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The Docker CLI and a Compose that work here.
struct Tools {
    /// `docker compose` (v2 plugin) or `docker-compose` (v1).
    compose: Vec<String>,
    /// The CLI has no buildx, so builds must ask for the legacy builder (`DOCKER_BUILDKIT=0`).
    legacy_build: bool,
}

impl Tools {
    /// Finds Docker with a running engine and a Compose; `None` (after saying why) when there is
    /// none, and a panic instead under CI, where a missing prerequisite must never pass as a skip.
    fn detect() -> Option<Tools> {
        let works = |args: &[&str]| {
            let mut cmd = Command::new(args[0]);
            cmd.args(&args[1..]);
            run(&mut cmd, None, COMMAND_TIMEOUT).is_ok_and(|r| r.ok)
        };
        let missing = if !works(&["docker", "--version"]) {
            Some("docker is not installed (Debian: apt-get install docker.io docker-compose)")
        } else if !works(&["docker", "info"]) {
            Some("the Docker engine does not answer `docker info` (is dockerd running?)")
        } else {
            None
        };
        let compose = if works(&["docker", "compose", "version"]) {
            Some(vec!["docker".to_string(), "compose".to_string()])
        } else if works(&["docker-compose", "version"]) {
            Some(vec!["docker-compose".to_string()])
        } else {
            None
        };
        let reason = match (missing, &compose) {
            (Some(reason), _) => reason,
            (None, None) => "neither `docker compose` nor `docker-compose` works (apt-get install docker-compose)",
            (None, Some(_)) => return Some(Tools { compose: compose?, legacy_build: !works(&["docker", "buildx", "version"]) }),
        };
        assert!(!in_ci(), "{reason} (CI is set, so this is a failure, not a skip)");
        eprintln!("skipping: {reason}");
        None
    }

    /// A `docker compose -p <project> -f docker-compose.yml` command with this test's environment.
    fn compose(&self, project: &str, env: &[(String, String)]) -> Command {
        let mut cmd = Command::new(&self.compose[0]);
        cmd.args(&self.compose[1..])
            .args(["-p", project, "-f"])
            .arg(Path::new(WORKSPACE).join("docker-compose.yml"))
            .current_dir(WORKSPACE)
            .envs(env.iter().map(|(k, v)| (k, v)));
        if self.legacy_build {
            cmd.env("DOCKER_BUILDKIT", "0");
        }
        cmd
    }
}

/// Builds `rds-base:local` with docker/make-base.sh (a no-op when it is up to date).
fn build_base(binary: &Path) {
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(WORKSPACE).join("docker/make-base.sh")).arg("--binary").arg(binary);
    run_ok(&mut cmd, None, COMMAND_TIMEOUT);
}

/// The rds-server binary cargo built for this run, as a path inside the build context (the
/// workspace). `.dockerignore` lets in target/{debug,release}/rds-server and target/docker/; a binary
/// elsewhere (another CARGO_TARGET_DIR or --target) is copied to target/docker/<project>/.
fn binary_in_context(project: &str) -> (PathBuf, String) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_rds-server"));
    let relative = binary.strip_prefix(WORKSPACE).ok().map(|p| p.to_string_lossy().into_owned());
    match relative {
        Some(rel) if rel == "target/debug/rds-server" || rel == "target/release/rds-server" => (binary, rel),
        _ => {
            let rel = format!("target/docker/{project}/rds-server");
            let copy = Path::new(WORKSPACE).join(&rel);
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(&binary, &copy).unwrap();
            (copy, rel)
        }
    }
}

/// Removes projects (and image tags) of earlier runs whose process is gone: a run killed by a timeout
/// never reaches its teardown.
fn remove_stale_projects(tools: &Tools) {
    let mut cmd = Command::new("docker");
    cmd.args(["ps", "-a", "--format", "{{.Label \"com.docker.compose.project\"}}"]);
    let Ok(ran) = run(&mut cmd, None, COMMAND_TIMEOUT) else { return };
    let mut stale: Vec<&str> = ran.stdout.lines().filter(|name| is_stale(name)).collect();
    stale.sort_unstable();
    stale.dedup();
    for name in stale {
        eprintln!("removing the leftover compose project {name}");
        let _ = run(tools.compose(name, &[]).args(["down", "-v", "--remove-orphans", "-t", "1"]), None, COMMAND_TIMEOUT);
    }
    let mut cmd = Command::new("docker");
    cmd.args(["images", "--format", "{{.Tag}}", "rds-e2e"]);
    let Ok(ran) = run(&mut cmd, None, COMMAND_TIMEOUT) else { return };
    for tag in ran.stdout.lines().filter(|tag| is_stale(tag)) {
        let _ = run(Command::new("docker").args(["rmi", &format!("rds-e2e:{tag}")]), None, COMMAND_TIMEOUT);
    }
}

/// True for `rds-e2e-<pid>-...` when no process `pid` runs on this machine.
fn is_stale(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PROJECT_PREFIX) else { return false };
    let pid = rest.split('-').next().unwrap_or_default();
    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !Path::new("/proc").join(pid).exists()
}

/// One compose project of this test: its name, environment and containers. Dropping it (also when
/// the test fails) prints the servers' logs on failure, then runs `down -v --remove-orphans` and
/// removes the image tag it built.
struct Project<'t> {
    tools: &'t Tools,
    name: String,
    env: Vec<(String, String)>,
    image: String,
    /// A copy of the binary made for this project (removed with it), if any.
    copied_binary: Option<PathBuf>,
}

impl Project<'_> {
    /// A `docker compose` command for this project.
    fn compose(&self, args: &[&str]) -> Command {
        let mut cmd = self.tools.compose(&self.name, &self.env);
        cmd.args(args);
        cmd
    }

    /// Runs a compose subcommand; panics unless it succeeds.
    fn compose_ok(&self, args: &[&str]) -> String {
        run_ok(&mut self.compose(args), None, COMMAND_TIMEOUT * 2)
    }

    /// The container id of `service`.
    fn container(&self, service: &str) -> String {
        let id = self.compose_ok(&["ps", "-q", service]).trim().to_string();
        assert!(!id.is_empty(), "service {service} has no container");
        id
    }
}

impl Drop for Project<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(ran) = run(&mut self.compose(&["logs", "--no-color", "--tail", "150"]), None, COMMAND_TIMEOUT) {
                eprintln!("---- logs of compose project {} ----\n{}{}", self.name, ran.stdout, ran.stderr);
            }
        }
        match run(&mut self.compose(&["down", "-v", "--remove-orphans", "-t", "5"]), None, COMMAND_TIMEOUT * 2) {
            Ok(ran) if ran.ok => {}
            Ok(ran) => eprintln!("compose down of {} failed: {}", self.name, ran.stderr),
            Err(error) => eprintln!("{error}"),
        }
        let _ = run(Command::new("docker").args(["rmi", &self.image]), None, COMMAND_TIMEOUT);
        if let Some(dir) = self.copied_binary.as_ref().and_then(|b| b.parent()) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
