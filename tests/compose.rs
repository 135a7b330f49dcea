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

use rds_testkit::require_redis;
use rds_testkit::util::{find_in_path, in_ci};

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
    fn find() -> Result<Tools, &'static str> {
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

/// `binary` as a path inside the build context (the workspace) and that path relative to it.
/// `.dockerignore` lets in target/{debug,release}/rds-server and target/docker/; a binary elsewhere
/// (another CARGO_TARGET_DIR, `--target`, real Redis) is copied to target/docker/<project>/rds-server.
fn binary_in_context(project: &str, binary: &Path) -> (PathBuf, String) {
    let relative = binary.strip_prefix(WORKSPACE).ok().map(|p| p.to_string_lossy().into_owned());
    match relative {
        Some(rel) if rel == "target/debug/rds-server" || rel == "target/release/rds-server" => {
            (binary.to_path_buf(), rel)
        }
        _ => {
            let rel = format!("target/docker/{project}/rds-server");
            let copy = Path::new(WORKSPACE).join(&rel);
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(binary, &copy).unwrap();
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

/// A service's container, reached with the redis-cli inside it.
struct Node {
    service: &'static str,
    id: String,
}

impl Node {
    /// `redis-cli <args>` inside the container: its output, or why it failed.
    fn try_cli(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = Command::new("docker");
        cmd.args(["exec", &self.id, "redis-cli"]).args(args);
        match run(&mut cmd, None, COMMAND_TIMEOUT) {
            Ok(ran) if ran.ok => Ok(ran.stdout),
            Ok(ran) => Err(format!("{}: redis-cli {args:?}: {}{}", self.service, ran.stdout, ran.stderr)),
            Err(error) => Err(error),
        }
    }

    /// `redis-cli <args>` inside the container, trimmed; panics when it cannot run.
    fn cli(&self, args: &[&str]) -> String {
        self.try_cli(args).unwrap_or_else(|e| panic!("{e}")).trim_end().to_string()
    }

    /// Sends one command per line of `script` through one redis-cli; panics unless every reply is
    /// `OK` or an integer (what the write commands answer), one per command.
    fn cli_script(&self, script: &str) {
        let mut cmd = Command::new("docker");
        cmd.args(["exec", "-i", &self.id, "redis-cli"]);
        let out = run_ok(&mut cmd, Some(script), COMMAND_TIMEOUT);
        let unexpected: Vec<&str> = out.lines().filter(|l| *l != "OK" && l.parse::<i64>().is_err()).take(5).collect();
        assert!(unexpected.is_empty(), "{}: unexpected replies to the write script: {unexpected:?}", self.service);
        assert_eq!(out.lines().count(), script.lines().count(), "{}: one reply per command", self.service);
    }

    /// A field of `INFO replication` (empty when absent).
    fn replication(&self, field: &str) -> String {
        info_field(&self.cli(&["info", "replication"]), field)
    }

    /// `docker inspect -f <format>` of the container.
    fn inspect(&self, format: &str) -> String {
        run_ok(Command::new("docker").args(["inspect", "-f", format, &self.id]), None, COMMAND_TIMEOUT)
            .trim()
            .to_string()
    }

    /// Waits until the server answers PING.
    fn wait_pong(&self) {
        let answered = poll(STATE_TIMEOUT, || self.try_cli(&["ping"]).is_ok_and(|r| r.trim() == "PONG"));
        assert!(answered, "{} did not answer PING within {STATE_TIMEOUT:?}", self.service);
    }
}

/// `field:value` of an INFO reply.
fn info_field(info: &str, field: &str) -> String {
    let prefix = format!("{field}:");
    info.lines().find_map(|l| l.trim_end().strip_prefix(&prefix)).unwrap_or_default().to_string()
}

/// What the master holds after the `write` calls so far: `key:<i>` → value, in key order (deleted: "").
struct Expected {
    values: Vec<(String, String)>,
}

impl Expected {
    /// Writes `key:<i>` for every i in `range` (and list, counter and TTL effects) on `master`.
    fn write(&mut self, master: &Node, range: std::ops::Range<u32>, tag: &str) {
        let mut script = String::new();
        for i in range.clone() {
            script.push_str(&format!("SET key:{i} {tag}-{i}\nRPUSH events {tag}-{i}\n"));
            self.values.push((format!("key:{i}"), format!("{tag}-{i}")));
        }
        // An overwrite, a delete, a counter and a relative TTL (replicated as an absolute one).
        let first = range.start;
        script.push_str(&format!("SET key:{first} {tag}-overwritten\nDEL key:{}\n", first + 1));
        script.push_str(&format!("INCRBY counter {}\nEXPIRE key:{} 100000\n", range.len(), first + 2));
        self.values[first as usize].1 = format!("{tag}-overwritten");
        self.values[first as usize + 1].1 = String::new();
        master.cli_script(&script);
    }

    /// Asserts that `node` holds exactly these values (MGET; a deleted key reads as an empty line).
    fn check(&self, node: &Node) {
        let mut args = vec!["mget"];
        args.extend(self.values.iter().map(|(k, _)| k.as_str()));
        let got = node.cli(&args);
        let got: Vec<&str> = got.split('\n').collect();
        let want: Vec<&str> = self.values.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(got, want, "{}: MGET of every written key", node.service);
    }
}

/// Waits until `replica` is linked to `master` and holds the same dataset (DEBUG DIGEST, which covers
/// every key, value and expire time, plus DBSIZE).
fn wait_in_sync(master: &Node, replica: &Node) {
    let want = (master.cli(&["debug", "digest"]), master.cli(&["dbsize"]));
    let mut last = String::new();
    let synced = poll(STATE_TIMEOUT, || {
        let link = replica.replication("master_link_status");
        let got = (replica.cli(&["debug", "digest"]), replica.cli(&["dbsize"]));
        last = format!("master_link_status={link:?}, digest/dbsize {got:?}, master has {want:?}");
        link == "up" && got == want
    });
    assert!(synced, "{} did not catch up with the master within {STATE_TIMEOUT:?}: {last}", replica.service);
}

/// Waits until the master lists exactly `replicas` (by their announced names) as connected.
fn wait_replicas_listed(master: &Node, replicas: &[&str]) {
    let mut last = String::new();
    let listed = poll(STATE_TIMEOUT, || {
        last = master.cli(&["info", "replication"]);
        let mut names: Vec<String> = (0..4)
            .map(|i| info_field(&last, &format!("slave{i}")))
            .filter(|line| !line.is_empty())
            .map(|line| line.split(',').find_map(|kv| kv.strip_prefix("ip=")).unwrap_or_default().to_string())
            .collect();
        names.sort();
        info_field(&last, "connected_slaves") == replicas.len().to_string() && names == replicas
    });
    assert!(listed, "the master does not list exactly the replicas {replicas:?}:\n{last}");
}

/// Waits until the image's HEALTHCHECK reports the container healthy.
fn wait_healthy(node: &Node) {
    let mut status = String::new();
    let healthy = poll(STATE_TIMEOUT, || {
        status = node.inspect("{{.State.Health.Status}}");
        status == "healthy"
    });
    assert!(healthy, "{} is not healthy within {STATE_TIMEOUT:?}: {status}", node.service);
}

/// Builds an image around `server` and starts the topology in a fresh project (its guard tears it
/// down when dropped).
fn start_project<'t>(tools: &'t Tools, server: &Path) -> (Project<'t>, [Node; 3]) {
    remove_stale_projects(tools);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let name = format!("{PROJECT_PREFIX}{}-{}", std::process::id(), nanos % 1_000_000_000);
    let (binary, relative) = binary_in_context(&name, server);
    let image = format!("rds-e2e:{name}");
    let env = [("RDS_BASE", "rds-base:local"), ("RDS_BIN", relative.as_str()), ("RDS_IMAGE", image.as_str())];
    let copied_binary = (binary != server).then(|| binary.clone());
    let project = Project {
        tools,
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        name,
        image,
        copied_binary,
    };
    build_base(&binary);
    project.compose_ok(&["build", "master"]);
    project.compose_ok(&["up", "-d", "--no-build"]);
    let nodes = ["master", "replica1", "replica2"].map(|service| Node { service, id: project.container(service) });
    for node in &nodes {
        node.wait_pong();
    }
    (project, nodes)
}

/// rds-server in the repository's images and topology: replication, a replica down, its resync.
#[test]
fn compose_master_and_replicas_replicate_and_resync() {
    let Some(tools) = Tools::detect() else { return };
    check_topology(&tools, Path::new(env!("CARGO_BIN_EXE_rds-server")));
}

/// The same scenario with real Redis 7.0 in place of rds-server, so a wrong expectation in the test (or
/// a config or compose mistake) shows up as a failure on Redis too.
#[test]
fn compose_scenario_holds_for_real_redis() {
    let Some(tools) = Tools::detect() else { return };
    let Some(redis) = require_redis() else { return };
    check_topology(&tools, &redis.server);
}

/// Starts the topology around `server` and walks it through replication, a replica stopped while the
/// master takes writes, and that replica's resynchronization.
fn check_topology(tools: &Tools, server: &Path) {
    let (project, [master, replica1, replica2]) = start_project(tools, server);
    assert_eq!(master.replication("role"), "master");

    // Both replicas get the dataset, refuse writes, and the master names them as announced.
    let mut expected = Expected { values: Vec::new() };
    expected.write(&master, 0..100, "first");
    for replica in [&replica1, &replica2] {
        wait_in_sync(&master, replica);
        expected.check(replica);
        assert_eq!(replica.replication("role"), "slave");
        assert_eq!(replica.replication("master_host"), "master");
        assert_eq!(replica.cli(&["set", "key:0", "x"]), "READONLY You can't write against a read only replica.");
    }
    wait_replicas_listed(&master, &["replica1", "replica2"]);
    for node in [&master, &replica1, &replica2] {
        wait_healthy(node);
    }

    // One replica down: the master goes on with the other.
    project.compose_ok(&["stop", "-t", "5", "replica2"]);
    assert_eq!(replica2.inspect("{{.State.Running}}"), "false");
    wait_replicas_listed(&master, &["replica1"]);
    expected.write(&master, 100..200, "second");
    wait_in_sync(&master, &replica1);
    expected.check(&replica1);

    // Back up, it resynchronizes everything it missed.
    project.compose_ok(&["start", "replica2"]);
    replica2.wait_pong();
    wait_in_sync(&master, &replica2);
    expected.check(&replica2);
    wait_replicas_listed(&master, &["replica1", "replica2"]);
    assert_eq!(master.cli(&["get", "counter"]), "200");

    // `restart: unless-stopped` must not have hidden a crash.
    for node in [&master, &replica1, &replica2] {
        assert_eq!(node.inspect("{{.RestartCount}}"), "0", "{} restarted", node.service);
    }
}
