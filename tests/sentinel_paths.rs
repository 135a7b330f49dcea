//! Sentinel paths that a plain failover does not exercise, each run against rds-sentinel and a real
//! redis-sentinel 7.0 with the same configuration (both watching real redis-server nodes) and
//! compared: the arguments notification and client-reconfig scripts get, `+fix-slave-config` for a
//! replica pointed at the wrong master, and `resolve-hostnames yes` with `localhost`. Skips without
//! real Redis, fails under CI.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use rds_testkit::util::wait_until;
use rds_testkit::{require_redis, require_redis_sentinel, Client, ServerBuilder, TempDir, TestServer};

/// Both sentinel programs, ours first.
fn sentinels() -> Option<[(&'static str, PathBuf); 2]> {
    require_redis()?;
    let real = require_redis_sentinel()?;
    Some([("rds", PathBuf::from(env!("CARGO_BIN_EXE_rds-sentinel"))), ("redis", real)])
}

/// A real redis-server replicating from `master`, returned once the master lists it as online (so a
/// sentinel started next sees it in the master's first INFO instead of 10 s later).
fn redis_replica(master: &TestServer) -> TestServer {
    let replica = redis_server(&["--replicaof".into(), "127.0.0.1".into(), master.port().to_string()]);
    let mut client = connect(master.port());
    let online = format!("port={},state=online", replica.port());
    assert!(wait_until(Duration::from_secs(10), || text(&mut client, &["INFO", "replication"]).contains(&online)));
    replica
}

fn redis_server(extra: &[String]) -> TestServer {
    let bins = require_redis().unwrap();
    // No diskless-sync delay: a replica is online at once instead of after 5 s.
    let fast = ["--save", "", "--repl-diskless-sync-delay", "0"];
    ServerBuilder::new(&bins.server).args(fast).args(extra.iter().cloned()).spawn().unwrap()
}

fn connect(port: u16) -> Client {
    let mut client = Client::connect(port).unwrap();
    client.set_timeout(Duration::from_secs(5)).unwrap();
    client
}

fn text(client: &mut Client, args: &[&str]) -> String {
    String::from_utf8_lossy(&client.try_cmd(args).unwrap()).into_owned()
}

/// Starts a sentinel with `config` (a file in `dir`).
fn start_sentinel(program: &Path, dir: &Path, name: &str, config: &str) -> TestServer {
    let path = dir.join(format!("{name}.conf"));
    std::fs::write(&path, config).unwrap();
    ServerBuilder::new(program).config_file(path).spawn().unwrap()
}

/// An executable shell script appending its arguments, one call per line, to `out`.
fn recorder(dir: &Path, name: &str, out: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\necho \"$@\" >> {}\n", out.display())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// Replaces what differs between runs (ports, run ids, epochs are kept) with placeholders.
fn normalize(line: &str, names: &[(u16, &str)]) -> String {
    let mut words: Vec<String> = Vec::new();
    for word in line.split(' ') {
        let named = word.parse::<u16>().ok().and_then(|port| names.iter().find(|(p, _)| *p == port)).map(|(_, n)| n);
        let word = match named {
            Some(name) => name.to_string(),
            None if word.len() == 40 && word.bytes().all(|b| b.is_ascii_hexdigit()) => "<runid>".to_string(),
            None => word
                .replace(&format!(":{}", names[0].0), &format!(":{}", names[0].1))
                .replace(&format!(":{}", names[1].0), &format!(":{}", names[1].1)),
        };
        words.push(word);
    }
    words.join(" ")
}

/// Waits until the sentinel on `port` sees one healthy replica of `mymaster`.
fn wait_replica_known(port: u16) {
    let mut client = connect(port);
    let ok = wait_until(Duration::from_secs(15), || {
        let reply = text(&mut client, &["SENTINEL", "REPLICAS", "mymaster"]);
        reply.contains("master-link-status\r\n$2\r\nok") && !reply.contains("disconnected")
    });
    assert!(ok, "the sentinel never saw a healthy replica");
}

/// What scripts a failover ran on one sentinel: (client-reconfig calls, notification calls).
fn failover_script_calls(name: &str, program: &Path, dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut master = redis_server(&[]);
    let replica = redis_replica(&master);
    let (notify_out, reconfig_out) = (dir.join(format!("{name}.notify")), dir.join(format!("{name}.reconfig")));
    let config = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 500\n\
         sentinel failover-timeout mymaster 3000\nsentinel notification-script mymaster {}\n\
         sentinel client-reconfig-script mymaster {}\n",
        master.port(),
        recorder(dir, &format!("{name}-notify.sh"), &notify_out),
        recorder(dir, &format!("{name}-reconfig.sh"), &reconfig_out),
    );
    let sentinel = start_sentinel(program, dir, name, &config);
    wait_replica_known(sentinel.port());
    let names = [(master.port(), "<master>"), (replica.port(), "<replica>")];
    master.kill();
    let mut client = connect(sentinel.port());
    let replica_port = replica.port().to_string();
    let switched = wait_until(Duration::from_secs(20), || {
        text(&mut client, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]).contains(&replica_port)
            && std::fs::read_to_string(&notify_out).is_ok_and(|t| t.contains("+switch-master"))
            && std::fs::read_to_string(&reconfig_out).is_ok()
    });
    assert!(switched, "{name}: no failover with scripts");
    // Scripts run asynchronously: wait until every queued one has run.
    let drained = wait_until(Duration::from_secs(10), || {
        text(&mut client, &["INFO", "sentinel"]).contains("sentinel_scripts_queue_length:0\r\n")
    });
    assert!(drained, "{name}: scripts still queued");
    let read = |path: &Path| -> Vec<String> {
        let mut lines: Vec<String> =
            std::fs::read_to_string(path).unwrap().lines().map(|line| normalize(line, &names)).collect();
        lines.sort();
        lines.dedup();
        lines
    };
    (read(&reconfig_out), read(&notify_out))
}

#[test]
fn scripts_get_redis_arguments_during_a_failover() {
    let Some(programs) = sentinels() else { return };
    let dir = TempDir::new("rds-sentinel-scripts").unwrap();
    let runs: Vec<(Vec<String>, Vec<String>)> =
        programs.iter().map(|(name, program)| failover_script_calls(name, program, dir.path())).collect();
    assert_eq!(runs[0].0, vec!["mymaster leader start 127.0.0.1 <master> 127.0.0.1 <replica>"]);
    assert_eq!(runs[0].0, runs[1].0, "client-reconfig-script arguments");
    // The events of the failover itself (later ones, such as the old master's +sdown as a replica,
    // depend on when the comparison stops). redis-sentinel also reports the dead master -sdown and
    // -odown about a second after the kill when its failover is still waiting for the promotion
    // then (it sees the promotion through the next periodic INFO); rds-sentinel asks INFO right
    // after the promotion and is done long before, so those depend on timing too.
    let failover_events = |calls: &[String]| -> Vec<String> {
        let later = [
            " slave <master>",
            "master mymaster 127.0.0.1 <replica>",
            "+new-epoch 2",
            "<runid> 2",
            "-sdown master mymaster 127.0.0.1 <master>",
            "-odown master mymaster 127.0.0.1 <master>",
        ];
        calls.iter().filter(|line| !later.iter().any(|l| line.contains(l))).cloned().collect()
    };
    assert_eq!(failover_events(&runs[0].1), failover_events(&runs[1].1), "notification-script arguments");
    assert!(runs[0].1.iter().any(|line| line.starts_with("+odown master mymaster 127.0.0.1 <master> #quorum 1/1")));
}

/// Points a known replica at a dead address and returns the `+fix-slave-config` message the
/// sentinel publishes when it points it back.
fn fix_slave_config(name: &str, program: &Path, dir: &Path) -> String {
    let master = redis_server(&[]);
    let replica = redis_replica(&master);
    let config = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 5000\n\
         sentinel failover-timeout mymaster 1000\n",
        master.port()
    );
    let sentinel = start_sentinel(program, dir, name, &config);
    wait_replica_known(sentinel.port());
    let mut admin = connect(sentinel.port());
    assert_eq!(text(&mut admin, &["SENTINEL", "DEBUG", "INFO-PERIOD", "200"]), "+OK\r\n");
    let mut events = connect(sentinel.port());
    events.try_cmd(&["SUBSCRIBE", "+fix-slave-config"]).unwrap();
    let dead = rds_testkit::util::free_port().unwrap().to_string();
    assert_eq!(text(&mut connect(replica.port()), &["REPLICAOF", "127.0.0.1", &dead]), "+OK\r\n");
    events.set_timeout(Duration::from_secs(15)).unwrap();
    let message = String::from_utf8_lossy(&events.try_read_reply().unwrap()).into_owned();
    let master_port = format!("master_port:{}\r", master.port());
    // The sentinel's SLAVEOF transaction ends with CLIENT KILL TYPE normal: connect afresh each time.
    let back = wait_until(Duration::from_secs(5), || {
        let reply = connect(replica.port()).try_cmd(&["INFO", "replication"]).unwrap_or_default();
        String::from_utf8_lossy(&reply).contains(&master_port)
    });
    assert!(back, "{name}: the replica was not pointed back at its master");
    let payload = message.rsplit("\r\n").nth(1).unwrap_or_default().to_string();
    normalize(&payload, &[(master.port(), "<master>"), (replica.port(), "<replica>")])
}

#[test]
fn a_replica_replicating_from_the_wrong_master_is_fixed_after_failover_timeout() {
    let Some(programs) = sentinels() else { return };
    let dir = TempDir::new("rds-sentinel-fix").unwrap();
    let messages: Vec<String> =
        programs.iter().map(|(name, program)| fix_slave_config(name, program, dir.path())).collect();
    assert_eq!(
        messages[0], "slave 127.0.0.1:<replica> 127.0.0.1 <replica> @ mymaster 127.0.0.1 <master>",
        "rds-sentinel's +fix-slave-config"
    );
    assert_eq!(messages[0], messages[1]);
}

/// What a sentinel with `resolve-hostnames yes` reports about a master configured as `localhost`.
fn localhost_view(name: &str, program: &Path, dir: &Path, announce: &str, master: &TestServer) -> Vec<String> {
    let config = format!(
        "sentinel resolve-hostnames yes\nsentinel announce-hostnames {announce}\n\
         sentinel monitor mymaster localhost {} 1\n",
        master.port()
    );
    let sentinel = start_sentinel(program, dir, &format!("{name}-{announce}"), &config);
    let mut client = connect(sentinel.port());
    let mut view = vec![text(&mut client, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])];
    let master_reply = text(&mut client, &["SENTINEL", "MASTER", "mymaster"]);
    let fields: Vec<&str> = master_reply.split("\r\n").collect();
    for key in ["name", "ip", "port"] {
        let at = fields.iter().position(|f| *f == key).unwrap();
        view.push(format!("{key}={}", fields[at + 2]));
    }
    let info = text(&mut client, &["INFO", "sentinel"]);
    view.push(
        info.lines().find(|l| l.starts_with("master0:")).unwrap_or_default().replace(",status=sdown", ",status=ok"),
    );
    text(&mut client, &["SENTINEL", "FLUSHCONFIG"]);
    let file = std::fs::read_to_string(dir.join(format!("{name}-{announce}.conf"))).unwrap();
    view.extend(
        file.lines().filter(|l| l.starts_with("sentinel monitor") || l.contains("hostnames")).map(String::from),
    );
    view.iter().map(|line| line.replace(&master.port().to_string(), "<master>")).collect()
}

#[test]
fn resolve_hostnames_with_localhost_matches_redis_sentinel() {
    let Some(programs) = sentinels() else { return };
    let dir = TempDir::new("rds-sentinel-hostnames").unwrap();
    let master = redis_server(&["--bind".into(), "127.0.0.1".into()]);
    for announce in ["no", "yes"] {
        let views: Vec<Vec<String>> = programs
            .iter()
            .map(|(name, program)| localhost_view(name, program, dir.path(), announce, &master))
            .collect();
        assert_eq!(views[0], views[1], "announce-hostnames {announce}");
    }
    // And without resolve-hostnames, a hostname is refused at startup by both.
    let config_path = dir.path().join("refused.conf");
    std::fs::write(&config_path, format!("port 0\nsentinel monitor mymaster localhost {} 1\n", master.port())).unwrap();
    for (name, program) in &programs {
        let status = std::process::Command::new(program).arg(&config_path).output().unwrap().status;
        assert_eq!(status.code(), Some(1), "{name}");
    }
}

/// The `link-refcount` a sentinel reports for the other sentinel in `master`'s SENTINEL SENTINELS.
fn peer_link_refcount(port: u16, master: &str) -> Option<String> {
    let reply = connect(port).try_cmd(&["SENTINEL", "SENTINELS", master]).ok()?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let fields: Vec<&str> = reply.split("\r\n").collect();
    let at = fields.iter().position(|f| *f == "link-refcount")?;
    fields.get(at + 2).map(|v| v.to_string())
}

#[test]
fn a_peer_watching_two_masters_is_one_shared_link_on_both_sides() {
    let Some(programs) = sentinels() else { return };
    let dir = TempDir::new("rds-sentinel-refcount").unwrap();
    let (first, second) = (redis_server(&[]), redis_server(&[]));
    let config = format!(
        "sentinel monitor first 127.0.0.1 {} 1\nsentinel monitor second 127.0.0.1 {} 1\n",
        first.port(),
        second.port()
    );
    let ours = start_sentinel(&programs[0].1, dir.path(), "ours", &config);
    let theirs = start_sentinel(&programs[1].1, dir.path(), "theirs", &config);
    for (name, port) in [("rds", ours.port()), ("redis", theirs.port())] {
        let shared = wait_until(Duration::from_secs(15), || {
            peer_link_refcount(port, "first").as_deref() == Some("2")
                && peer_link_refcount(port, "second").as_deref() == Some("2")
        });
        assert!(shared, "{name}: {:?} {:?}", peer_link_refcount(port, "first"), peer_link_refcount(port, "second"));
    }
    // Forgetting one master leaves the other's entry with the link to itself alone.
    for port in [ours.port(), theirs.port()] {
        assert_eq!(text(&mut connect(port), &["SENTINEL", "REMOVE", "first"]), "+OK\r\n");
    }
    assert_eq!(peer_link_refcount(ours.port(), "second"), peer_link_refcount(theirs.port(), "second"));
    assert_eq!(peer_link_refcount(ours.port(), "second").as_deref(), Some("1"));
}
