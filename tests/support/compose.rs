//! Shared by the container tests (compose.rs, sentinel_compose.rs): running docker commands with
//! bounds, finding Docker and Compose, building the image from the locally made base, one compose
//! project per test run (torn down on drop, leftovers of killed runs removed), and the containers as
//! nodes reached with the redis-cli inside them (`docker exec`).
//!
//! Nothing is pulled: `docker/make-base.sh` makes the base image `rds-base:local` from files on this
//! machine, the runtime image copies in the binaries cargo built for this test run, and Compose runs
//! under a project name of its own, so parallel runs never share containers, networks, volumes or
//! image tags. Missing Docker or Compose skips a test, except under CI, where it fails.

// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rds_testkit::util::{find_in_path, in_ci, wait_until_every};

/// The workspace root: build context, compose project directory.
pub const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");
/// Prefix of the compose project names of these tests: `rds-e2e-<pid>-<nanos>`.
pub const PROJECT_PREFIX: &str = "rds-e2e-";
/// Bound on one docker command (a build, `up`, `down`, one `exec`).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on waiting for one state (a server answering, a replica catching up).
pub const STATE_TIMEOUT: Duration = Duration::from_secs(25);
/// The sentinels' port in the topology.
pub const SENTINEL_PORT: u16 = 26379;

/// What a finished command printed.
pub struct Ran {
    /// It exited with status 0.
    pub ok: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `cmd` with `input` on its stdin, killing it after `timeout`; `Err` when it cannot start or
/// runs out of time.
pub fn run(cmd: &mut Command, input: Option<&str>, timeout: Duration) -> Result<Ran, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    // Fed from a thread, so a child that answers before reading all its input cannot deadlock us;
    // dropping the pipe at the end is its end of file.
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        let input = input.to_string();
        std::thread::spawn(move || stdin.write_all(input.as_bytes()));
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
pub fn run_ok(cmd: &mut Command, input: Option<&str>, timeout: Duration) -> String {
    let what = format!("{cmd:?}");
    match run(cmd, input, timeout) {
        Ok(ran) if ran.ok => ran.stdout,
        Ok(ran) => panic!("{what} failed:\nstdout:\n{}\nstderr:\n{}", ran.stdout, ran.stderr),
        Err(error) => panic!("{error}"),
    }
}

/// Polls `cond` every 250 ms (docker commands are slow) until it holds or `timeout` passes.
pub fn poll(timeout: Duration, cond: impl FnMut() -> bool) -> bool {
    wait_until_every(timeout, Duration::from_millis(250), cond)
}

/// The Docker CLI and a Compose that work here.
pub struct Tools {
    /// `docker compose` (v2 plugin) or `docker-compose` (v1).
    compose: Vec<String>,
    /// The CLI has no buildx, so builds must ask for the legacy builder (`DOCKER_BUILDKIT=0`).
    legacy_build: bool,
}

impl Tools {
    /// Finds Docker with a running engine and a Compose; `None` (after saying why) when there is
    /// none, and a panic instead under CI, where a missing prerequisite must never pass as a skip.
    pub fn detect() -> Option<Tools> {
        match Tools::find() {
            Ok(tools) => Some(tools),
            Err(reason) => {
                assert!(!in_ci(), "{reason} (CI is set, so this is a failure, not a skip)");
                eprintln!("skipping: {reason}");
                None
            }
        }
    }

    /// The tools, or what is missing.
    pub fn find() -> Result<Tools, &'static str> {
        let works = |args: &[&str]| {
            let mut cmd = Command::new(args[0]);
            cmd.args(&args[1..]);
            run(&mut cmd, None, COMMAND_TIMEOUT).is_ok_and(|r| r.ok)
        };
        if !works(&["docker", "--version"]) {
            return Err("docker is not installed (Debian: apt-get install docker.io docker-compose)");
        }
        if !works(&["docker", "info"]) {
            return Err("the Docker engine does not answer `docker info` (is dockerd running? may this user use it?)");
        }
        let compose = if works(&["docker", "compose", "version"]) {
            vec!["docker".to_string(), "compose".to_string()]
        } else if works(&["docker-compose", "version"]) {
            vec!["docker-compose".to_string()]
        } else {
            return Err("neither `docker compose` nor `docker-compose` works (Debian: apt-get install docker-compose)");
        };
        // The default base (docker/make-base.sh) carries the host's redis-cli.
        let debootstrap = std::env::var("RDS_BASE_MODE").is_ok_and(|mode| mode == "debootstrap");
        if !debootstrap && find_in_path("redis-cli").is_none() {
            return Err(
                "redis-cli is not installed, and the base image takes it from the host (apt-get install redis-tools)",
            );
        }
        Ok(Tools { compose, legacy_build: !works(&["docker", "buildx", "version"]) })
    }

    /// A `docker compose -p <project> -f docker-compose.yml` command with this test's environment.
    pub fn compose(&self, project: &str, env: &[(String, String)]) -> Command {
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

/// Our rds-sentinel binary.
pub fn rds_sentinel() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-sentinel"))
}

/// Builds `rds-base:local` with docker/make-base.sh (a no-op when it is up to date).
pub fn build_base(binary: &Path) {
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(WORKSPACE).join("docker/make-base.sh")).arg("--binary").arg(binary);
    run_ok(&mut cmd, None, COMMAND_TIMEOUT);
}

/// `binary` as a path inside the build context (the workspace) and that path relative to it.
/// `.dockerignore` lets in target/{debug,release}/{rds-server,rds-sentinel} and target/docker/; a
/// binary elsewhere (another CARGO_TARGET_DIR, `--target`, real Redis) is copied to
/// target/docker/<project>/<name>.
pub fn binary_in_context(project: &str, binary: &Path, name: &str) -> (PathBuf, String) {
    let relative = binary.strip_prefix(WORKSPACE).ok().map(|p| p.to_string_lossy().into_owned());
    match relative {
        Some(rel) if rel == format!("target/debug/{name}") || rel == format!("target/release/{name}") => {
            (binary.to_path_buf(), rel)
        }
        _ => {
            let rel = format!("target/docker/{project}/{name}");
            let copy = Path::new(WORKSPACE).join(&rel);
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(binary, &copy).unwrap();
            (copy, rel)
        }
    }
}

/// Writes target/docker/<project>/rds-sentinel: a script that starts the image's rds-server (real
/// redis-server in the real-Redis runs) in sentinel mode, which Redis picks from `argv[0]`; returns
/// its path relative to the workspace.
fn redis_sentinel_wrapper(project: &str) -> String {
    let rel = format!("target/docker/{project}/rds-sentinel");
    let path = Path::new(WORKSPACE).join(&rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "#!/bin/bash\nexec -a redis-sentinel /usr/local/bin/rds-server \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    rel
}

/// Removes projects (and image tags) of earlier runs whose process is gone: a run killed by a timeout
/// never reaches its teardown.
pub fn remove_stale_projects(tools: &Tools) {
    let mut cmd = Command::new("docker");
    cmd.args(["ps", "-a", "--format", "{{.Label \"com.docker.compose.project\"}}"]);
    let Ok(ran) = run(&mut cmd, None, COMMAND_TIMEOUT) else { return };
    let mut stale: Vec<&str> = ran.stdout.lines().filter(|name| is_stale(name)).collect();
    stale.sort_unstable();
    stale.dedup();
    for name in stale {
        eprintln!("removing the leftover compose project {name}");
        let _ =
            run(tools.compose(name, &[]).args(["down", "-v", "--remove-orphans", "-t", "1"]), None, COMMAND_TIMEOUT);
    }
    let mut cmd = Command::new("docker");
    cmd.args(["images", "--format", "{{.Tag}}", "rds-e2e"]);
    let Ok(ran) = run(&mut cmd, None, COMMAND_TIMEOUT) else { return };
    for tag in ran.stdout.lines().filter(|tag| is_stale(tag)) {
        let _ = run(Command::new("docker").args(["rmi", &format!("rds-e2e:{tag}")]), None, COMMAND_TIMEOUT);
    }
    let copies = std::fs::read_dir(Path::new(WORKSPACE).join("target/docker")).into_iter().flatten().flatten();
    for copy in copies.filter(|entry| is_stale(&entry.file_name().to_string_lossy())) {
        let _ = std::fs::remove_dir_all(copy.path());
    }
}

/// True for `rds-e2e-<pid>-...` when no process `pid` runs on this machine.
pub fn is_stale(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PROJECT_PREFIX) else { return false };
    let pid = rest.split('-').next().unwrap_or_default();
    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !Path::new("/proc").join(pid).exists()
}

/// One compose project of this test: its name, environment and containers. Dropping it (also when
/// the test fails) prints the servers' logs on failure, then runs `down -v --remove-orphans` and
/// removes the image tag it built.
pub struct Project<'t> {
    tools: &'t Tools,
    /// The compose project name.
    pub name: String,
    env: Vec<(String, String)>,
    image: String,
}

impl Project<'_> {
    /// A `docker compose` command for this project.
    pub fn compose(&self, args: &[&str]) -> Command {
        let mut cmd = self.tools.compose(&self.name, &self.env);
        cmd.args(args);
        cmd
    }

    /// Runs a compose subcommand; panics unless it succeeds.
    pub fn compose_ok(&self, args: &[&str]) -> String {
        run_ok(&mut self.compose(args), None, COMMAND_TIMEOUT * 2)
    }

    /// The container id of `service`.
    pub fn container(&self, service: &str) -> String {
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
        // Copies of binaries made for this project, if any.
        let _ = std::fs::remove_dir_all(Path::new(WORKSPACE).join("target/docker").join(&self.name));
    }
}

/// A service's container, reached with the redis-cli inside it.
pub struct Node {
    /// The compose service.
    pub service: &'static str,
    /// The container id.
    pub id: String,
    /// The port its process listens on inside the container (6379, or 26379 for sentinels).
    pub port: u16,
}

impl Node {
    /// `redis-cli <args>` inside the container: its output, or why it failed.
    pub fn try_cli(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = Command::new("docker");
        cmd.args(["exec", &self.id, "redis-cli", "-p", &self.port.to_string()]).args(args);
        match run(&mut cmd, None, COMMAND_TIMEOUT) {
            Ok(ran) if ran.ok => Ok(ran.stdout),
            Ok(ran) => Err(format!("{}: redis-cli {args:?}: {}{}", self.service, ran.stdout, ran.stderr)),
            Err(error) => Err(error),
        }
    }

    /// `redis-cli <args>` inside the container, trimmed; panics when it cannot run.
    pub fn cli(&self, args: &[&str]) -> String {
        self.try_cli(args).unwrap_or_else(|e| panic!("{e}")).trim_end().to_string()
    }

    /// Sends one command per line of `script` through one redis-cli; panics unless every reply is
    /// `OK` or an integer (what the write commands answer), one per command.
    pub fn cli_script(&self, script: &str) {
        let mut cmd = Command::new("docker");
        cmd.args(["exec", "-i", &self.id, "redis-cli", "-p", &self.port.to_string()]);
        let out = run_ok(&mut cmd, Some(script), COMMAND_TIMEOUT);
        let unexpected: Vec<&str> = out.lines().filter(|l| *l != "OK" && l.parse::<i64>().is_err()).take(5).collect();
        assert!(unexpected.is_empty(), "{}: unexpected replies to the write script: {unexpected:?}", self.service);
        assert_eq!(out.lines().count(), script.lines().count(), "{}: one reply per command", self.service);
    }

    /// A field of `INFO replication` (empty when absent).
    pub fn replication(&self, field: &str) -> String {
        info_field(&self.cli(&["info", "replication"]), field)
    }

    /// `docker inspect -f <format>` of the container.
    pub fn inspect(&self, format: &str) -> String {
        run_ok(Command::new("docker").args(["inspect", "-f", format, &self.id]), None, COMMAND_TIMEOUT)
            .trim()
            .to_string()
    }

    /// Waits until the server answers PING.
    pub fn wait_pong(&self) {
        let answered = poll(STATE_TIMEOUT, || self.try_cli(&["ping"]).is_ok_and(|r| r.trim() == "PONG"));
        assert!(answered, "{} did not answer PING within {STATE_TIMEOUT:?}", self.service);
    }
}

/// `field:value` of an INFO reply.
pub fn info_field(info: &str, field: &str) -> String {
    let prefix = format!("{field}:");
    info.lines().find_map(|l| l.trim_end().strip_prefix(&prefix)).unwrap_or_default().to_string()
}

/// Waits until the image's HEALTHCHECK reports the container healthy.
pub fn wait_healthy(node: &Node) {
    let mut status = String::new();
    let healthy = poll(STATE_TIMEOUT, || {
        status = node.inspect("{{.State.Health.Status}}");
        status == "healthy"
    });
    assert!(healthy, "{} is not healthy within {STATE_TIMEOUT:?}: {status}", node.service);
}

/// The sentinel binary an image carries.
pub enum SentinelProgram<'a> {
    /// This binary (rds-sentinel).
    Binary(&'a Path),
    /// Real Redis: the image's server binary (redis-server) started as `redis-sentinel`.
    RealRedis,
}

/// Builds an image around `server` and `sentinel` and starts `services` of the topology in a fresh
/// project (its guard tears it down when dropped); returns their nodes, in the order asked, once each
/// answers PING.
pub fn start_project<'t>(
    tools: &'t Tools,
    server: &Path,
    sentinel: SentinelProgram,
    services: &[&'static str],
) -> (Project<'t>, Vec<Node>) {
    remove_stale_projects(tools);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let name = format!("{PROJECT_PREFIX}{}-{}", std::process::id(), nanos % 1_000_000_000);
    let (binary, relative) = binary_in_context(&name, server, "rds-server");
    let sentinel_relative = match sentinel {
        SentinelProgram::Binary(path) => binary_in_context(&name, path, "rds-sentinel").1,
        SentinelProgram::RealRedis => redis_sentinel_wrapper(&name),
    };
    let image = format!("rds-e2e:{name}");
    let env = [
        ("RDS_BASE", "rds-base:local"),
        ("RDS_BIN", relative.as_str()),
        ("RDS_SENTINEL_BIN", sentinel_relative.as_str()),
        ("RDS_IMAGE", image.as_str()),
    ];
    let project =
        Project { tools, env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), name, image };
    build_base(&binary);
    project.compose_ok(&["build", "master"]);
    let mut up = vec!["up", "-d", "--no-build"];
    up.extend_from_slice(services);
    project.compose_ok(&up);
    let nodes: Vec<Node> = services
        .iter()
        .map(|&service| {
            let port = if service.starts_with("sentinel") { SENTINEL_PORT } else { 6379 };
            Node { service, id: project.container(service), port }
        })
        .collect();
    for node in &nodes {
        node.wait_pong();
    }
    (project, nodes)
}
