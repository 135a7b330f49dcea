//! End-to-end FAILOVER and CLIENT PAUSE: rds → rds failover under a write load (no acknowledged
//! write lost, datasets equal afterwards), FAILOVER TO one replica among two, the TIMEOUT, ABORT and
//! FORCE paths, the errors that need replicas (compared with real Redis byte for byte), failover in
//! both directions between rds and real redis-server 7.0, and CLIENT PAUSE WRITE holding a write
//! (also the master stream of a replica) while reads go on.
//!
//! Every wait is bounded, and servers die with their `TestServer`.

#![allow(clippy::unwrap_used)]

#[path = "replication/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rds_testkit::{wait_until, Client, TestServer};
use support::*;

/// How long a failover may take: the target acknowledges once a second.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(20);

fn role(server: &TestServer) -> String {
    info_field(server, "replication", "role")
}

fn failover_state(server: &TestServer) -> String {
    info_field(server, "replication", "master_failover_state")
}

/// Waits until `new` is a master, `old` a replica of it with its link up, and no failover is left.
fn wait_switched(old: &TestServer, new: &TestServer) {
    let ok = wait_until(FAILOVER_TIMEOUT, || {
        role(new) == "master"
            && role(old) == "slave"
            && info_int(old, "replication", "master_port") == i64::from(new.port())
            && info_field(old, "replication", "master_link_status") == "up"
            && failover_state(old) == "no-failover"
    });
    if !ok {
        for server in [old, new] {
            server.print_log_tail();
            eprintln!("{}", String::from_utf8_lossy(&server.client().cmd(&["INFO", "replication"])));
        }
        panic!("the failover did not complete within {FAILOVER_TIMEOUT:?}");
    }
}

/// A client writing `w:<n>` = n in a loop and remembering the writes acknowledged with `+OK`, until
/// stopped or refused (the old master turned replica answers `-READONLY`).
struct AckedWriter {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(Vec<u64>, String)>,
}

impl AckedWriter {
    fn start(port: u16) -> AckedWriter {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut client = Client::connect(port).unwrap();
            client.set_timeout(Duration::from_secs(30)).unwrap();
            let mut acked = Vec::new();
            for n in 0u64.. {
                if flag.load(Ordering::Relaxed) {
                    return (acked, String::new());
                }
                let value = n.to_string();
                let reply = client.cmd_str(&["SET", &format!("w:{n}"), &value]);
                if reply != "+OK\r\n" {
                    return (acked, reply);
                }
                acked.push(n);
            }
            (acked, String::new())
        });
        AckedWriter { stop, handle }
    }

    /// The acknowledged writes, and the reply that stopped the writer ("" when stopped).
    fn finish(self) -> (Vec<u64>, String) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Every acknowledged `w:<n>` is on `server` with its value.
fn assert_writes_kept(server: &TestServer, acked: &[u64]) {
    assert!(!acked.is_empty(), "no write was acknowledged");
    let mut client = server.client();
    for chunk in acked.chunks(500) {
        let mut args = vec!["MGET".to_string()];
        args.extend(chunk.iter().map(|n| format!("w:{n}")));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let reply = client.cmd_str(&refs);
        for n in chunk {
            let value = n.to_string();
            assert!(reply.contains(&format!("${}\r\n{value}\r\n", value.len())), "acknowledged write w:{n} lost");
        }
    }
}

#[test]
fn rds_failover_to_a_chosen_replica_keeps_every_acknowledged_write() {
    let master = node(&rds(), &[]);
    fill(&master, 2_000);
    let first = replica_of(&rds(), &master, &[]);
    let chosen = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&first, &chosen]);
    let writer = AckedWriter::start(master.port());
    let load = Writer::start(master.port(), "load");
    std::thread::sleep(Duration::from_millis(200));
    let port = chosen.port().to_string();
    assert_eq!(cmd(&master, &["FAILOVER", "TO", "127.0.0.1", &port]), "+OK\r\n");
    wait_switched(&master, &chosen);
    let (acked, refusal) = writer.finish();
    load.stop();
    // The writes held back during the failover ran once it ended: on a replica now.
    assert_eq!(refusal, "-READONLY You can't write against a read only replica.\r\n");
    assert_writes_kept(&chosen, &acked);
    assert!(master.log().contains(&format!("Failover target 127.0.0.1:{port} is synced, failing over.")));
    assert!(chosen.log().contains("MASTER MODE enabled (failover request from"));
    // The old master continued the new master's history with a partial resync.
    assert_eq!(info_int(&chosen, "stats", "sync_partial_ok"), 1);
    assert_eq!(
        info_field(&chosen, "replication", "master_replid2"),
        info_field(&master, "replication", "master_replid2")
    );
    write_every_type(&mut chosen.client(), "after", 20);
    // The other replica reconnects to its old master, now a replica of the new one (a chain).
    assert_same_data(&chosen, &[&master, &first]);
}

#[test]
fn failover_to_any_replica_waits_for_one_in_sync() {
    let master = node(&rds(), &[]);
    fill(&master, 500);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&master, &["FAILOVER"]), "+OK\r\n");
    wait_switched(&master, &replica);
    assert_same_data(&replica, &[&master]);
}

/// A replica whose stream a CLIENT PAUSE holds back never acknowledges the master's last write.
fn stalled_pair() -> (TestServer, TestServer) {
    let master = node(&rds(), &[]);
    fill(&master, 100);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    // The replica can have loaded everything a moment before its master marks the transfer done.
    let online = wait_until(FAILOVER_TIMEOUT, || cmd(&master, &["INFO", "replication"]).contains(",state=online,"));
    assert!(online, "the master never listed its replica as online");
    assert_eq!(cmd(&replica, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    assert_eq!(cmd(&master, &["SET", "unsynced", "1"]), "+OK\r\n");
    (master, replica)
}

#[test]
fn failover_timeout_aborts_and_held_writes_then_run() {
    let (master, replica) = stalled_pair();
    assert_eq!(cmd(&master, &["FAILOVER", "TIMEOUT", "1500"]), "+OK\r\n");
    assert_eq!(failover_state(&master), "waiting-for-sync");
    // Writes wait for the failover to end; reads do not.
    let mut writer = master.client();
    writer.send_cmd(&["SET", "held", "1"]).unwrap();
    assert_eq!(cmd(&master, &["GET", "held"]), "$-1\r\n");
    assert!(wait_until(FAILOVER_TIMEOUT, || info_int(&master, "clients", "blocked_clients") == 1));
    writer.set_timeout(FAILOVER_TIMEOUT).unwrap();
    assert_eq!(writer.read_raw_reply(), b"+OK\r\n");
    assert_eq!(failover_state(&master), "no-failover");
    assert_eq!(role(&master), "master");
    assert!(master.log().contains("FAILOVER to any replica aborted: Replica never caught up before timeout"));
    assert_eq!(cmd(&replica, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_same_data(&master, &[&replica]);
}

#[test]
fn failover_abort_resumes_writes() {
    let (master, replica) = stalled_pair();
    let port = replica.port().to_string();
    assert_eq!(cmd(&master, &["FAILOVER", "TO", "127.0.0.1", &port]), "+OK\r\n");
    assert_eq!(failover_state(&master), "waiting-for-sync");
    let mut writer = master.client();
    writer.send_cmd(&["INCR", "counter"]).unwrap();
    assert!(wait_until(FAILOVER_TIMEOUT, || info_int(&master, "clients", "blocked_clients") == 1));
    assert_eq!(cmd(&master, &["FAILOVER", "ABORT"]), "+OK\r\n");
    assert_eq!(writer.read_raw_reply(), b":1\r\n");
    assert_eq!(cmd(&master, &["FAILOVER", "ABORT"]), "-ERR No failover in progress.\r\n");
    assert_eq!(failover_state(&master), "no-failover");
    assert!(master.log().contains(&format!("FAILOVER to 127.0.0.1:{port} aborted: Failover manually aborted")));
    assert_eq!(cmd(&replica, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_same_data(&master, &[&replica]);
}

#[test]
fn failover_force_takes_over_after_the_timeout() {
    let (master, replica) = stalled_pair();
    let port = replica.port().to_string();
    assert_eq!(cmd(&master, &["FAILOVER", "TO", "127.0.0.1", &port, "FORCE", "TIMEOUT", "500"]), "+OK\r\n");
    wait_switched(&master, &replica);
    assert!(master.log().contains(&format!("FAILOVER to 127.0.0.1:{port} time out exceeded, failing over.")));
    // The new master did not have the last write; its old master now mirrors it.
    assert_eq!(cmd(&replica, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_same_data(&replica, &[&master]);
}

/// Sends `args` and notes the reply (with the command's first words; ports differ between runs).
fn say(out: &mut Vec<String>, client: &mut Client, args: &[&str]) {
    let words = args.iter().take(2).copied().collect::<Vec<_>>().join(" ");
    out.push(format!("{words} -> {}", client.cmd_str(args)));
}

/// The replies of FAILOVER and its neighbours on a master with a fake replica attached (a raw
/// connection that did PSYNC and never acknowledges), on a master that is waiting for it, and on a
/// replica. The same sequence runs on rds and on real Redis.
fn failover_error_replies(program: &PathBuf) -> Vec<String> {
    // A diskless sync delay keeps the fake replica waiting for its RDB (not online) for a while.
    let master = node(program, &["--repl-diskless-sync-delay", "30"]);
    let mut out = Vec::new();
    let mut c = master.client();
    say(&mut out, &mut c, &["FAILOVER"]);
    let mut fake = master.client();
    assert_eq!(fake.cmd_str(&["REPLCONF", "listening-port", "7777", "capa", "eof"]), "+OK\r\n");
    fake.send_cmd(&["PSYNC", "?", "-1"]).unwrap();
    assert!(wait_until(FAILOVER_TIMEOUT, || info_int(&master, "replication", "connected_slaves") == 1));
    // The fake replica acknowledged nothing, and now lags behind.
    say(&mut out, &mut c, &["SET", "k", "v"]);
    for args in [
        &["FAILOVER", "TO", "127.0.0.1", "7777"][..],
        &["FAILOVER", "TO", "127.0.0.1", "7778"],
        &["FAILOVER", "TO", "10.0.0.1", "7777"],
        &["FAILOVER", "FORCE"],
        &["FAILOVER", "FORCE", "TIMEOUT", "100"],
        &["FAILOVER", "TO", "127.0.0.1", "7777", "FORCE"],
        &["FAILOVER", "ABORT"],
        &["FAILOVER", "TIMEOUT", "100000"],
        &["FAILOVER"],
        &["FAILOVER", "TO", "127.0.0.1", "7777"],
        &["FAILOVER", "BOGUS"],
        &["REPLICAOF", "127.0.0.1", "1"],
        &["REPLICAOF", "NO", "ONE"],
        &["PSYNC", "?", "-1"],
        &["SYNC"],
        &["GET", "k"],
        &["FAILOVER", "ABORT"],
        &["FAILOVER", "ABORT"],
        &["SET", "k", "v"],
    ] {
        say(&mut out, &mut c, args);
    }
    out.push(format!("state -> {}", failover_state(&master)));
    let dead = rds_testkit::free_port().unwrap().to_string();
    for args in [
        &["REPLICAOF", "127.0.0.1", dead.as_str()][..],
        &["FAILOVER"],
        &["FAILOVER", "ABORT"],
        &["PSYNC", "abc", "1", "FAILOVER"],
        &["REPLICAOF", "NO", "ONE"],
        &["PSYNC", "abc", "1", "FAILOVER"],
    ] {
        say(&mut out, &mut c, args);
    }
    out
}

#[test]
fn failover_errors_with_replicas_match_real_redis() {
    let Some(redis) = redis() else { return };
    let (ours, theirs) = std::thread::scope(|scope| {
        let ours = scope.spawn(|| failover_error_replies(&rds()));
        let theirs = scope.spawn(|| failover_error_replies(&redis));
        (ours.join().unwrap(), theirs.join().unwrap())
    });
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b);
    }
    assert_eq!(ours.len(), theirs.len());
}

/// FAILOVER TO between a master run by `master_program` and its replica run by `replica_program`,
/// under a write load: every acknowledged write is kept and the old master resyncs partially.
fn failover_between(master_program: &PathBuf, replica_program: &PathBuf, options: &[&str]) {
    let master = node(master_program, &[]);
    fill(&master, 2_000);
    let replica = replica_of(replica_program, &master, &[]);
    wait_caught_up(&master, &[&replica]);
    let writer = AckedWriter::start(master.port());
    std::thread::sleep(Duration::from_millis(100));
    let port = replica.port().to_string();
    let mut failover = vec!["FAILOVER", "TO", "127.0.0.1", &port];
    failover.extend_from_slice(options);
    assert_eq!(cmd(&master, &failover), "+OK\r\n");
    wait_switched(&master, &replica);
    let (acked, refusal) = writer.finish();
    assert_eq!(refusal, "-READONLY You can't write against a read only replica.\r\n");
    assert_writes_kept(&replica, &acked);
    assert_eq!(info_int(&replica, "stats", "sync_partial_ok"), 1);
    write_every_type(&mut replica.client(), "after", 20);
    assert_same_data(&replica, &[&master]);
}

#[test]
fn real_redis_master_fails_over_to_rds_replica() {
    let Some(redis) = redis() else { return };
    failover_between(&redis, &rds(), &["TIMEOUT", "10000"]);
}

#[test]
fn rds_master_fails_over_to_real_redis_replica() {
    let Some(redis) = redis() else { return };
    failover_between(&rds(), &redis, &[]);
}

#[test]
fn client_pause_write_holds_a_set_while_get_proceeds() {
    let master = node(&rds(), &[]);
    let replica = replica_of(&rds(), &master, &[]);
    assert_eq!(cmd(&master, &["SET", "k", "old"]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&master, &["CLIENT", "PAUSE", "60000", "WRITE"]), "+OK\r\n");
    let mut writer = master.client();
    writer.send_cmd(&["SET", "k", "new"]).unwrap();
    writer.send_cmd(&["GET", "k"]).unwrap();
    assert!(wait_until(FAILOVER_TIMEOUT, || info_int(&master, "clients", "blocked_clients") == 1));
    let list = cmd(&master, &["CLIENT", "LIST"]);
    assert!(list.lines().any(|l| l.contains(" flags=b ") && l.contains(" cmd=set ")), "{list}");
    assert_eq!(cmd(&master, &["GET", "k"]), "$3\r\nold\r\n");
    assert_eq!(cmd(&master, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(writer.read_raw_reply(), b"+OK\r\n");
    assert_eq!(writer.read_raw_reply(), b"$3\r\nnew\r\n");
    assert_eq!(info_int(&master, "clients", "blocked_clients"), 0);
    // On a replica, a WRITE pause holds back its master's stream too (as in Redis 7.0).
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&replica, &["CLIENT", "PAUSE", "60000", "WRITE"]), "+OK\r\n");
    let applied = info_int(&replica, "replication", "slave_repl_offset");
    assert_eq!(cmd(&master, &["SET", "k", "newer"]), "+OK\r\n");
    let offset = info_int(&master, "replication", "master_repl_offset");
    assert!(wait_until(FAILOVER_TIMEOUT, || info_int(&replica, "replication", "slave_read_repl_offset") == offset));
    assert_eq!(info_int(&replica, "replication", "slave_repl_offset"), applied);
    assert_eq!(cmd(&replica, &["GET", "k"]), "$3\r\nnew\r\n");
    assert_eq!(cmd(&replica, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&replica, &["GET", "k"]), "$5\r\nnewer\r\n");
}
