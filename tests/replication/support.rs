//! Helpers of the replication tests: starting nodes, reading INFO fields, waiting for replicas to
//! catch up, comparing datasets with DEBUG DIGEST, and a write load of every data type.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rds_testkit::{require_redis, wait_until, Client, ServerBuilder, TestServer};

/// How long a replica may take to catch up in these tests.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

/// Our server binary.
pub fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

/// Real `redis-server`, or `None` (the test is skipped; CI fails instead).
pub fn redis() -> Option<PathBuf> {
    require_redis().map(|bins| bins.server)
}

/// Starts `program` with no persistence, DEBUG enabled, and `extra` directives.
pub fn node(program: &PathBuf, extra: &[&str]) -> TestServer {
    let base = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"];
    ServerBuilder::new(program).args(base).args(extra.iter().copied()).spawn().unwrap()
}

/// Starts `program` as a replica of `master`.
pub fn replica_of(program: &PathBuf, master: &TestServer, extra: &[&str]) -> TestServer {
    let port = master.port().to_string();
    let mut args = vec!["--replicaof", "127.0.0.1", port.as_str()];
    args.extend_from_slice(extra);
    node(program, &args)
}

/// The reply as text, with a bulk string's header stripped.
pub fn text(client: &mut Client, args: &[&str]) -> String {
    let reply = client.cmd_str(args);
    match reply.split_once("\r\n") {
        Some((head, body)) if head.starts_with('$') => body.trim_end_matches("\r\n").to_string(),
        _ => reply.trim_end_matches("\r\n").to_string(),
    }
}

/// One INFO field of `server` ("" when absent or unreachable).
pub fn info_field(server: &TestServer, section: &str, name: &str) -> String {
    let Ok(mut client) = Client::connect(server.port()) else { return String::new() };
    let Ok(reply) = client.try_cmd(&["INFO", section]) else { return String::new() };
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let prefix = format!("{name}:");
    reply.lines().find_map(|line| line.strip_prefix(&prefix)).unwrap_or_default().to_string()
}

/// A numeric INFO field (-1 when absent).
pub fn info_int(server: &TestServer, section: &str, name: &str) -> i64 {
    info_field(server, section, name).parse().unwrap_or(-1)
}

/// DEBUG DIGEST of the whole dataset.
pub fn digest(server: &TestServer) -> String {
    text(&mut server.client(), &["DEBUG", "DIGEST"])
}

/// Waits until every replica's link is up and it applied everything `master` sent.
pub fn wait_caught_up(master: &TestServer, replicas: &[&TestServer]) {
    let ok = wait_until(SYNC_TIMEOUT, || {
        let offset = info_int(master, "replication", "master_repl_offset");
        replicas.iter().all(|r| {
            info_field(r, "replication", "master_link_status") == "up"
                && info_int(r, "replication", "slave_repl_offset") == offset
        })
    });
    if !ok {
        for server in std::iter::once(master).chain(replicas.iter().copied()) {
            server.print_log_tail();
            eprintln!("{}", String::from_utf8_lossy(&server.client().cmd(&["INFO", "replication"])));
        }
        panic!("replicas did not catch up within {SYNC_TIMEOUT:?}");
    }
}

/// Waits until every replica finished its full sync and its link is up (the master may still be
/// streaming).
pub fn wait_link_up(replicas: &[&TestServer]) {
    let ok = wait_until(SYNC_TIMEOUT, || {
        replicas.iter().all(|r| info_field(r, "replication", "master_link_status") == "up")
    });
    assert!(ok, "replica links not up within {SYNC_TIMEOUT:?}");
}

/// Deletes the keys whose time passed on `server` (SCAN expires what it meets, like Redis's), so
/// its replicas get the DELs.
pub fn expire_due_keys(server: &TestServer) {
    let mut client = server.client();
    for db in 0..16 {
        client.cmd(&["SELECT", &db.to_string()]);
        let mut cursor = "0".to_string();
        loop {
            let reply = client.cmd_str(&["SCAN", &cursor, "COUNT", "1000"]);
            cursor = reply.split("\r\n").nth(2).unwrap_or("0").to_string();
            if cursor == "0" {
                break;
            }
        }
    }
}

/// Waits for the replicas to catch up, then asserts every dataset equals the master's. Due keys are
/// expired on the master first; the comparison is retried while the master's active expiry still
/// deletes keys (each deletion reaches the replicas as a DEL). Digests are computed in parallel:
/// DEBUG DIGEST of a debug build takes seconds.
pub fn assert_same_data(master: &TestServer, replicas: &[&TestServer]) {
    expire_due_keys(master);
    wait_caught_up(master, replicas);
    let matched = wait_until(SYNC_TIMEOUT, || {
        let (before, theirs) = std::thread::scope(|scope| {
            let before = scope.spawn(|| digest(master));
            let theirs: Vec<_> = replicas.iter().map(|r| scope.spawn(move || digest(r))).collect();
            (before.join().unwrap(), theirs.into_iter().map(|t| t.join().unwrap()).collect::<Vec<_>>())
        });
        assert_ne!(before, "0".repeat(40), "the master's dataset is empty");
        theirs.iter().all(|d| *d == before) && digest(master) == before
    });
    assert!(matched, "a replica has another dataset than its master");
}

/// Writes `n` rounds of every data type into a few databases, with expiries (some already due).
pub fn write_every_type(client: &mut Client, prefix: &str, n: usize) {
    for i in 0..n {
        let key = |kind: &str| format!("{prefix}:{kind}:{}", i % 97);
        let member = i.to_string();
        client.cmd(&["SELECT", &(i % 3).to_string()]);
        client.cmd(&["SET", &key("str"), &format!("value-{i}")]);
        client.cmd(&["INCRBY", &key("ctr"), "3"]);
        client.cmd(&["APPEND", &key("app"), "xy"]);
        client.cmd(&["SET", &key("ttl"), "v", "PX", "100000"]);
        client.cmd(&["SET", &key("short"), "v", "PX", "50"]);
        client.cmd(&["EXPIRE", &key("str"), "1000"]);
        client.cmd(&["RPUSH", &key("list"), &member, "filler-element-of-some-length"]);
        client.cmd(&["LPUSH", &format!("{prefix}:biglist"), &member]);
        client.cmd(&["HSET", &key("hash"), &member, "v", "f", &member]);
        client.cmd(&["HSET", &format!("{prefix}:bighash"), &member, &"x".repeat(70)]);
        client.cmd(&["SADD", &key("iset"), &member]);
        client.cmd(&["SADD", &key("sset"), &format!("m{member}")]);
        client.cmd(&["ZADD", &key("zset"), &(i as f64 / 3.0).to_string(), &member]);
        client.cmd(&["ZADD", &format!("{prefix}:bigzset"), &i.to_string(), &format!("{member}{}", "y".repeat(70))]);
        client.cmd(&["PFADD", &key("hll"), &member]);
        if i % 10 == 9 {
            client.cmd(&["DEL", &key("list")]);
            client.cmd(&["SPOP", &key("iset")]);
            client.cmd(&["LPOP", &format!("{prefix}:biglist")]);
        }
    }
    client.cmd(&["SELECT", "0"]);
}

/// A thread writing every data type until stopped.
pub struct Writer {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<usize>>,
}

impl Writer {
    /// Starts writing to `port` with keys under `prefix`.
    pub fn start(port: u16, prefix: &str) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let prefix = prefix.to_string();
        let handle = std::thread::spawn(move || {
            let mut client = Client::connect(port).unwrap();
            let mut rounds = 0;
            while !flag.load(Ordering::Relaxed) {
                write_every_type(&mut client, &format!("{prefix}{rounds}"), 20);
                rounds += 1;
            }
            rounds
        });
        Writer { stop, handle: Some(handle) }
    }

    /// Stops and returns how many rounds were written.
    pub fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().map(|h| h.join().unwrap()).unwrap_or(0)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Fills `server` with `keys` small strings (DEBUG POPULATE) plus every data type.
pub fn fill(server: &TestServer, keys: usize) {
    let mut client = server.client();
    client.set_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(client.cmd_str(&["DEBUG", "POPULATE", &keys.to_string()]), "+OK\r\n");
    write_every_type(&mut client, "fill", 100);
}

/// Sends `args` on a new connection and returns the raw reply.
pub fn cmd(server: &TestServer, args: &[&str]) -> String {
    server.client().cmd_str(args)
}
