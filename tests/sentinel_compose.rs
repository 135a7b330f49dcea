//! The whole container topology of `docker-compose.yml` (master, replica1, replica2, sentinel1..3 on
//! their own network, each with its own address) built and started for real, then cut apart with
//! `docker network disconnect`:
//!
//! - one sentinel isolated: the others still see a healthy master, nothing fails over;
//! - the master isolated from everyone while a client beside it (inside its container) keeps writing:
//!   with min-replicas-to-write 1 it refuses writes once its replicas lag more than
//!   min-replicas-max-lag, exactly one failover promotes a replica, the other replica follows it,
//!   writes replicated before the cut survive, and once reconnected the old master becomes a replica
//!   of the new one (no split brain).
//!
//! The same scenario runs with real Redis 7.0 in the image, so a wrong expectation (or a config
//! mistake) shows up as a failure on Redis too. Support code is shared with compose.rs
//! (tests/support/compose.rs); missing Docker or Compose skips, except under CI, where it fails.

#![allow(clippy::unwrap_used)]

#[path = "support/compose.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rds_testkit::require_redis;
use support::*;

/// Every service of the file, in the order of the nodes `start_project` returns.
const SERVICES: [&str; 6] = ["master", "replica1", "replica2", "sentinel1", "sentinel2", "sentinel3"];
/// `down-after-milliseconds` in configs/sentinel.conf.
const DOWN_AFTER: Duration = Duration::from_millis(2000);
/// The old master's min-replicas-max-lag in this test (seconds).
const MAX_LAG: u64 = 3;
/// Bound on a failover and on the old master being turned into a replica (sentinel waits 8 s after it
/// reports `role:master`, and refreshes INFO every 10 s).
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(60);

/// A write load inside a container: a bash loop writing `SET w:<i> <i>` over /dev/tcp to the server
/// beside it (so it keeps reaching it when the container is cut off), printing `<i> <reply>` per
/// write; the test reads those lines as they come. Bounded: about 400 writes a second (a read that
/// times out on a second, silent connection paces it), for at most 90 s.
struct Writer {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The loop, in bash (the image has no other tools).
const WRITER_SCRIPT: &str = r#"
exec 3<>/dev/tcp/127.0.0.1/6379 || exit 1
exec 4<>/dev/tcp/127.0.0.1/6379 || exit 1
i=0
while (( SECONDS < 90 )); do
    key="w:$i"
    # One write per request: split, Nagle and delayed ACKs would cost 40 ms each.
    printf -v request '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n' "${#key}" "$key" "${#i}" "$i"
    printf '%s' "$request" >&3
    IFS= read -r -t 10 reply <&3 || exit 2
    printf '%d %s\n' "$i" "${reply%$'\r'}"
    i=$((i + 1))
    read -r -t 0.002 -u 4 _ || true
done
"#;

impl Writer {
    fn start(node: &Node) -> Writer {
        let mut child = Command::new("docker")
            .args(["exec", "-i", &node.id, "bash", "-c", WRITER_SCRIPT])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (stdout, sink) = (child.stdout.take().unwrap(), lines.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Writer { child, lines }
    }

    /// Indexes the server acknowledged with `+OK`.
    fn acked(&self) -> Vec<u64> {
        let lines = self.lines.lock().unwrap();
        lines.iter().filter_map(|l| l.strip_suffix(" +OK")).filter_map(|i| i.parse().ok()).collect()
    }

    /// Replies other than `+OK`.
    fn errors(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .filter(|l| !l.ends_with(" +OK"))
            .map(|l| l.split_once(' ').map_or(l.as_str(), |p| p.1).to_string())
            .collect()
    }

    /// Stops the local docker exec; the loop in the container dies on its next write to the closed
    /// pipe (or with the container).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The name of the container's (only) network.
fn network_of(node: &Node) -> String {
    node.inspect("{{range $name, $net := .NetworkSettings.Networks}}{{$name}} {{end}}").trim().to_string()
}

/// Cuts `node` off the network.
fn disconnect(network: &str, node: &Node) {
    run_ok(Command::new("docker").args(["network", "disconnect", network, &node.id]), None, COMMAND_TIMEOUT);
}

/// Puts `node` back on the network under its service name.
fn reconnect(network: &str, node: &Node) {
    let args = ["network", "connect", "--alias", node.service, network, &node.id];
    run_ok(Command::new("docker").args(args), None, COMMAND_TIMEOUT);
}

/// Marks where the entries `pin_names` appends to a container's /etc/hosts begin.
const PINNED_MARK: &str = "# names pinned by tests/sentinel_compose.rs";

/// Names every node by its current address in every node's /etc/hosts (nodes cut off keep the
/// address they had). A partitioned host keeps its DNS record in a real network, but `docker network
/// disconnect` removes the container's name from Docker's DNS, which then forwards lookups of it to
/// the host's resolver; where that resolver drops queries (seen on these machines: 1 in 30), a lookup
/// takes 5 s. redis-sentinel resolves names on its event loop (on every reconnect and hello), so those
/// stalls put it in TILT again and again and its failover comes a minute late or not at all; pinned
/// names keep the partition a partition of the network only.
fn pin_names(nodes: &[&Node]) {
    let entries: String = nodes
        .iter()
        .map(|node| (node, node.inspect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}")))
        .filter(|(_, address)| !address.trim().is_empty())
        .map(|(node, address)| format!("{} {}\n", address.trim(), node.service))
        .collect();
    // Keeps Docker's own lines (up to the mark), then writes the mark and the entries, in place: the
    // file is a bind mount.
    let script = r#"kept=""
while IFS= read -r line; do [[ $line == "$1" ]] && break; kept+="$line"$'\n'; done < /etc/hosts
printf '%s%s\n%s' "$kept" "$1" "$2" > /etc/hosts"#;
    for node in nodes {
        let args = ["exec", "--user", "root", &node.id, "bash", "-c", script, "pin", PINNED_MARK, &entries];
        run_ok(Command::new("docker").args(args), None, COMMAND_TIMEOUT);
    }
}

/// The `master0:` line of a sentinel's INFO as key/value pairs.
fn sentinel_view(sentinel: &Node) -> Vec<(String, String)> {
    let line = info_field(&sentinel.try_cli(&["info", "sentinel"]).unwrap_or_default(), "master0");
    line.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn view_field(view: &[(String, String)], name: &str) -> String {
    view.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Waits until every sentinel sees the master at `address` with status ok, 2 replicas and 3
/// sentinels.
fn wait_sentinels_settled(sentinels: &[Node], address: &str) {
    let mut last = Vec::new();
    let settled = poll(FAILOVER_TIMEOUT, || {
        last = sentinels.iter().map(sentinel_view).collect();
        last.iter().all(|v| {
            view_field(v, "address") == address
                && view_field(v, "status") == "ok"
                && view_field(v, "slaves") == "2"
                && view_field(v, "sentinels") == "3"
        })
    });
    assert!(settled, "sentinels did not settle on {address} with 2 replicas and 3 sentinels: {last:?}");
}

/// What the sentinel names as the master (`host port`).
fn master_addr(sentinel: &Node) -> String {
    sentinel.try_cli(&["sentinel", "get-master-addr-by-name", "mymaster"]).unwrap_or_default().trim().replace('\n', " ")
}

/// The container's log (the daemon's stdout and stderr).
fn logs(node: &Node) -> String {
    let ran = run(Command::new("docker").args(["logs", &node.id]), None, COMMAND_TIMEOUT).unwrap();
    format!("{}{}", ran.stdout, ran.stderr)
}

/// Lines of the sentinels' logs that carry `event`.
fn event_lines(sentinels: &[Node], event: &str) -> Vec<String> {
    let needle = format!(" {event} ");
    sentinels
        .iter()
        .flat_map(|s| {
            logs(s).lines().filter(|l| l.contains(&needle)).map(|l| format!("{}: {l}", s.service)).collect::<Vec<_>>()
        })
        .collect()
}

/// Waits until the server in `node` is a linked replica of `master` (by its service name).
fn wait_replica_of(node: &Node, master: &str, timeout: Duration) {
    let mut last = String::new();
    let ok = poll(timeout, || {
        last = node.try_cli(&["info", "replication"]).unwrap_or_default();
        info_field(&last, "role") == "slave"
            && info_field(&last, "master_host") == master
            && info_field(&last, "master_link_status") == "up"
    });
    assert!(ok, "{} is not a linked replica of {master} within {timeout:?}:\n{last}", node.service);
}

/// Waits until every node in `replicas` applied `master`'s stream as far as it is now.
fn wait_offsets(master: &Node, replicas: &[&Node]) {
    let offset: i64 = master.replication("master_repl_offset").parse().unwrap();
    let ok = poll(STATE_TIMEOUT, || {
        replicas.iter().all(|r| r.replication("slave_repl_offset").parse::<i64>().unwrap_or(-1) >= offset)
    });
    assert!(ok, "replicas did not reach offset {offset}");
}

/// Writes `w:<i>` for these indexes that `node` does not hold with value i.
fn missing(node: &Node, indexes: &[u64]) -> Vec<u64> {
    let mut gone = Vec::new();
    for chunk in indexes.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("w:{i}")).collect();
        let mut args = vec!["mget"];
        args.extend(keys.iter().map(String::as_str));
        let values = node.cli(&args);
        let values: Vec<&str> = values.split('\n').collect();
        assert_eq!(values.len(), chunk.len(), "MGET on {}", node.service);
        gone.extend(chunk.iter().zip(values).filter(|(i, v)| *v != i.to_string()).map(|(i, _)| *i));
    }
    gone
}

#[test]
fn compose_sentinels_fail_over_a_partitioned_master() {
    let Some(tools) = Tools::detect() else { return };
    let server = Path::new(env!("CARGO_BIN_EXE_rds-server"));
    check_partitions(&tools, server, SentinelProgram::Binary(&rds_sentinel()));
}

/// The same scenario with real redis-server and redis-sentinel in the image.
#[test]
fn compose_sentinel_scenario_holds_for_real_redis() {
    let Some(tools) = Tools::detect() else { return };
    let Some(redis) = require_redis() else { return };
    check_partitions(&tools, &redis.server, SentinelProgram::RealRedis);
}

fn check_partitions(tools: &Tools, server: &Path, sentinel: SentinelProgram) {
    let started = Instant::now();
    let phase = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    let (project, nodes) = start_project(tools, server, sentinel, &SERVICES);
    let [master, replica1, replica2, sentinel1, sentinel2, sentinel3]: [Node; 6] = nodes.try_into().ok().unwrap();
    let sentinels = [sentinel1, sentinel2, sentinel3];
    let everyone = [&master, &replica1, &replica2, &sentinels[0], &sentinels[1], &sentinels[2]];
    pin_names(&everyone);
    let network = network_of(&master);
    for node in [&master, &replica1, &replica2] {
        // Whichever server ends up master refuses writes without a replica acknowledging within the lag.
        assert_eq!(node.cli(&["config", "set", "min-replicas-to-write", "1"]), "OK");
        assert_eq!(node.cli(&["config", "set", "min-replicas-max-lag", &MAX_LAG.to_string()]), "OK");
    }
    wait_sentinels_settled(&sentinels, "master:6379");
    phase("topology up, sentinels settled");

    // One sentinel cut off: it loses sight of everything, but alone it is no quorum, and the two
    // others see a healthy master. Nothing fails over.
    disconnect(&network, &sentinels[2]);
    std::thread::sleep(DOWN_AFTER * 5);
    for sentinel in &sentinels[..2] {
        assert_eq!(master_addr(sentinel), "master 6379", "{}", sentinel.service);
        assert_eq!(view_field(&sentinel_view(sentinel), "status"), "ok", "{}", sentinel.service);
    }
    // (The isolated sentinel itself may be in TILT by now; nothing is asked of it.)
    reconnect(&network, &sentinels[2]);
    pin_names(&everyone);
    for event in ["+odown", "+try-failover", "+switch-master"] {
        assert_eq!(event_lines(&sentinels, event), Vec::<String>::new(), "{event} with one sentinel isolated");
    }
    // The two that stayed connected are enough for quorum and majority; the third may sit in TILT for
    // its 30 s, and joins in from the hello messages.
    wait_sentinels_settled(&sentinels[..2], "master:6379");
    phase("sentinel partition healed, no failover");

    // The master cut off under a write load from inside its container.
    let mut writer = Writer::start(&master);
    assert!(poll(STATE_TIMEOUT, || writer.acked().len() >= 300), "the writer made no progress: {:?}", writer.errors());
    let replicated = writer.acked();
    wait_offsets(&master, &[&replica1, &replica2]);
    let address_before = master.inspect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
    disconnect(&network, &master);
    phase("master cut off");

    let refused = "-NOREPLICAS Not enough good replicas to write.";
    let refusing = poll(Duration::from_secs(MAX_LAG) + STATE_TIMEOUT, || writer.errors().iter().any(|e| e == refused));
    assert!(refusing, "the isolated master kept accepting writes: {:?}", writer.errors());
    phase("the isolated master refuses writes");
    let mut agreed = String::new();
    let failed_over = poll(FAILOVER_TIMEOUT, || {
        let named: Vec<String> = sentinels.iter().map(master_addr).collect();
        agreed = named[0].clone();
        named.iter().all(|a| *a == agreed) && (agreed == "replica1 6379" || agreed == "replica2 6379")
    });
    assert!(failed_over, "sentinels did not agree on a promoted replica: {agreed:?}");
    phase("sentinels agree on the promoted replica");
    let (new_master, other) = if agreed == "replica1 6379" { (&replica1, &replica2) } else { (&replica2, &replica1) };
    assert_eq!(new_master.replication("role"), "master");
    wait_replica_of(other, new_master.service, STATE_TIMEOUT);
    assert_eq!(missing(new_master, &replicated), Vec::<u64>::new(), "writes replicated before the cut were lost");
    writer.stop();
    assert_eq!(master.cli(&["set", "k", "v"]), refused.trim_start_matches('-'));
    assert_eq!(master.replication("role"), "master", "cut off, nobody could reconfigure it yet");

    // Healed: the sentinels turn the old master into a replica of the new one.
    reconnect(&network, &master);
    pin_names(&everyone);
    phase("master reconnected");
    let address_after = master.inspect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
    eprintln!("old master address before/after the partition: {address_before} / {address_after}");
    wait_replica_of(&master, new_master.service, FAILOVER_TIMEOUT);
    phase("old master is a replica of the new one");
    assert_eq!(new_master.cli(&["set", "after-heal", "1"]), "OK");
    wait_offsets(new_master, &[&master, other]);
    assert_eq!(master.cli(&["get", "after-heal"]), "1");
    assert_eq!(master.cli(&["set", "k", "v"]), "READONLY You can't write against a read only replica.");
    assert_eq!(missing(&master, &replicated), Vec::<u64>::new());
    wait_sentinels_settled(&sentinels, &format!("{}:6379", new_master.service));

    // Exactly one failover: one promotion, one switch per sentinel.
    assert_eq!(event_lines(&sentinels, "+promoted-slave").len(), 1, "{:?}", event_lines(&sentinels, "+promoted-slave"));
    let switches = event_lines(&sentinels, "+switch-master");
    assert_eq!(switches.len(), 3, "{switches:?}");
    for line in &switches {
        assert!(line.ends_with(&format!("+switch-master mymaster master 6379 {} 6379", new_master.service)), "{line}");
    }
    for node in [&master, &replica1, &replica2].into_iter().chain(&sentinels) {
        assert_eq!(node.inspect("{{.RestartCount}}"), "0", "{} restarted", node.service);
    }
    drop(project);
}
