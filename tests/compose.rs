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

#[path = "support/compose.rs"]
mod support;

use std::path::Path;

use rds_testkit::require_redis;
use support::*;

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

/// rds-server in the repository's images and topology: replication, a replica down, its resync.
#[test]
fn compose_master_and_replicas_replicate_and_resync() {
    let Some(tools) = Tools::detect() else { return };
    check_topology(&tools, Path::new(env!("CARGO_BIN_EXE_rds-server")), SentinelProgram::Binary(&rds_sentinel()));
}

/// The same scenario with real Redis 7.0 in place of rds-server, so a wrong expectation in the test (or
/// a config or compose mistake) shows up as a failure on Redis too.
#[test]
fn compose_scenario_holds_for_real_redis() {
    let Some(tools) = Tools::detect() else { return };
    let Some(redis) = require_redis() else { return };
    check_topology(&tools, &redis.server, SentinelProgram::RealRedis);
}

/// Starts the topology around `server` and walks it through replication, a replica stopped while the
/// master takes writes, and that replica's resynchronization.
fn check_topology(tools: &Tools, server: &Path, sentinel: SentinelProgram) {
    // Only the servers: the sentinels of the same file are tested in sentinel_compose.rs.
    let (project, nodes) = start_project(tools, server, sentinel, &["master", "replica1", "replica2"]);
    let [master, replica1, replica2]: [Node; 3] = nodes.try_into().ok().unwrap();
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
