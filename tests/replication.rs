//! End-to-end replication: rds master and replica (disk-backed and diskless full sync under a write
//! load), interop with real redis-server 7.0 in both directions and in a chain, partial resync after a
//! link drop, full resync when the backlog no longer covers the gap, PSYNC2 after a promotion, WAIT
//! and min-replicas, kill -9 during a transfer and of a master mid-stream, and garbage PSYNC/REPLCONF.
//!
//! Datasets are compared with DEBUG DIGEST once the replicas' offsets equal the master's; every wait is
//! bounded, and servers die with their `TestServer`.

#![allow(clippy::unwrap_used)]

#[path = "replication/support.rs"]
mod support;

use std::time::Duration;

use rds_testkit::{wait_until, Client, ServerBuilder};
use support::*;

#[test]
fn rds_replica_syncs_from_rds_master_diskless_under_write_load() {
    let master = node(&rds(), &[]);
    fill(&master, 10_000);
    let writer = Writer::start(master.port(), "live");
    let replica = replica_of(&rds(), &master, &[]);
    let second = replica_of(&rds(), &master, &["--repl-diskless-load", "swapdb"]);
    wait_link_up(&[&replica, &second]);
    assert!(writer.stop() > 0);
    assert_same_data(&master, &[&replica, &second]);
    assert!(master.log().contains("target: replicas sockets"), "diskless sync expected");
    assert_eq!(cmd(&replica, &["SET", "k", "v"]), "-READONLY You can't write against a read only replica.\r\n");
}

#[test]
fn rds_replica_syncs_from_rds_master_through_disk_under_write_load() {
    let master = node(&rds(), &["--repl-diskless-sync", "no"]);
    fill(&master, 10_000);
    let writer = Writer::start(master.port(), "live");
    let replica = replica_of(&rds(), &master, &["--repl-diskless-load", "on-empty-db"]);
    wait_link_up(&[&replica]);
    writer.stop();
    assert_same_data(&master, &[&replica]);
    assert!(master.log().contains("target: disk"), "disk-backed sync expected");
    assert_eq!(info_field(&replica, "replication", "master_link_status"), "up");
}

#[test]
fn real_redis_replica_of_rds_resumes_after_link_drop() {
    let Some(redis) = redis() else { return };
    for mode in ["yes", "no"] {
        let master = node(&rds(), &["--repl-diskless-sync", mode]);
        fill(&master, 5_000);
        let replica = replica_of(&redis, &master, &[]);
        wait_caught_up(&master, &[&replica]);
        let before = info_int(&master, "stats", "sync_partial_ok");
        assert_eq!(cmd(&master, &["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
        write_every_type(&mut master.client(), "after-drop", 50);
        wait_until(SYNC_TIMEOUT, || info_int(&master, "stats", "sync_partial_ok") == before + 1);
        assert_eq!(info_int(&master, "stats", "sync_partial_ok"), before + 1, "mode {mode}");
        assert_eq!(info_int(&master, "stats", "sync_full"), 1);
        assert_same_data(&master, &[&replica]);
    }
}

#[test]
fn rds_replica_of_real_redis_resumes_after_link_drop() {
    let Some(redis) = redis() else { return };
    for mode in ["yes", "no"] {
        let master = node(&redis, &["--repl-diskless-sync", mode]);
        fill(&master, 5_000);
        let replica = replica_of(&rds(), &master, &[]);
        wait_caught_up(&master, &[&replica]);
        let before = info_int(&master, "stats", "sync_partial_ok");
        assert_eq!(cmd(&replica, &["CLIENT", "KILL", "TYPE", "master"]), ":1\r\n");
        write_every_type(&mut master.client(), "after-drop", 50);
        wait_until(SYNC_TIMEOUT, || info_int(&master, "stats", "sync_partial_ok") == before + 1);
        assert_eq!(info_int(&master, "stats", "sync_partial_ok"), before + 1, "mode {mode}");
        assert_same_data(&master, &[&replica]);
        assert_eq!(
            info_field(&replica, "replication", "master_replid"),
            info_field(&master, "replication", "master_replid")
        );
    }
}

#[test]
fn chain_redis_to_rds_to_redis_carries_the_same_stream() {
    let Some(redis) = redis() else { return };
    let top = node(&redis, &[]);
    fill(&top, 5_000);
    let middle = replica_of(&rds(), &top, &[]);
    let bottom = replica_of(&redis, &middle, &[]);
    let writer = Writer::start(top.port(), "chain");
    wait_link_up(&[&middle, &bottom]);
    writer.stop();
    assert_same_data(&top, &[&middle]);
    wait_caught_up(&top, &[&bottom]);
    assert_eq!(digest(&bottom), digest(&top));
    let id = info_field(&top, "replication", "master_replid");
    assert_eq!(info_field(&bottom, "replication", "master_replid"), id);
}

#[test]
fn full_resync_when_the_backlog_no_longer_covers_the_gap() {
    let master = node(&rds(), &["--repl-backlog-size", "16kb"]);
    fill(&master, 1_000);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    let port = master.port().to_string();
    let dead = rds_testkit::free_port().unwrap().to_string();
    // A small gap: the replica continues.
    assert_eq!(cmd(&replica, &["REPLICAOF", "127.0.0.1", &dead]), "+OK\r\n");
    write_every_type(&mut master.client(), "small-gap", 5);
    assert_eq!(cmd(&replica, &["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(info_int(&master, "stats", "sync_partial_ok"), 1);
    // A gap larger than the backlog: a full resync.
    assert_eq!(cmd(&replica, &["REPLICAOF", "127.0.0.1", &dead]), "+OK\r\n");
    write_every_type(&mut master.client(), "big-gap", 200);
    assert_eq!(cmd(&replica, &["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(info_int(&master, "stats", "sync_full"), 2);
    assert_eq!(info_int(&master, "stats", "sync_partial_err"), 1);
    assert_same_data(&master, &[&replica]);
}

#[test]
fn psync2_after_promotion_continues_on_every_node() {
    let redis = redis();
    let master = node(&rds(), &[]);
    fill(&master, 2_000);
    let promoted = replica_of(&rds(), &master, &[]);
    let sibling_program = redis.clone().unwrap_or_else(rds);
    let sibling = replica_of(&sibling_program, &master, &[]);
    write_every_type(&mut master.client(), "before", 20);
    wait_caught_up(&master, &[&promoted, &sibling]);
    assert_eq!(cmd(&promoted, &["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    let port = promoted.port().to_string();
    assert_eq!(cmd(&sibling, &["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    assert_eq!(cmd(&master, &["REPLICAOF", "127.0.0.1", &port]), "+OK\r\n");
    write_every_type(&mut promoted.client(), "after", 20);
    wait_caught_up(&promoted, &[&sibling, &master]);
    assert_same_data(&promoted, &[&sibling, &master]);
    assert_eq!(info_int(&promoted, "stats", "sync_partial_ok"), 2, "both continued");
    assert_eq!(info_int(&promoted, "stats", "sync_full"), 0);
    let old_id = info_field(&promoted, "replication", "master_replid2");
    assert_eq!(info_field(&sibling, "replication", "master_replid2"), old_id);
}

#[test]
fn wait_and_min_replicas_count_acknowledging_replicas() {
    let master = node(&rds(), &[]);
    let replica = replica_of(&redis().unwrap_or_else(rds), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    let mut client = master.client();
    client.cmd(&["SET", "k", "v"]);
    assert_eq!(client.cmd_str(&["WAIT", "1", "5000"]), ":1\r\n");
    assert_eq!(client.cmd_str(&["WAIT", "2", "100"]), ":1\r\n");
    assert_eq!(client.cmd_str(&["CONFIG", "SET", "min-replicas-to-write", "1"]), "+OK\r\n");
    assert_eq!(client.cmd_str(&["CONFIG", "SET", "min-replicas-max-lag", "2"]), "+OK\r\n");
    assert_eq!(client.cmd_str(&["SET", "k", "v2"]), "+OK\r\n");
    assert_eq!(info_int(&master, "replication", "min_slaves_good_slaves"), 1);
    replica.signal("STOP").unwrap();
    let refused = wait_until(Duration::from_secs(10), || {
        client.cmd_str(&["SET", "k", "v3"]) == "-NOREPLICAS Not enough good replicas to write.\r\n"
    });
    replica.signal("CONT").unwrap();
    assert!(refused, "writes must be refused once the replica lags");
    assert!(wait_until(Duration::from_secs(10), || client.cmd_str(&["SET", "k", "v4"]) == "+OK\r\n"));
}

#[test]
fn killed_replica_mid_transfer_and_killed_master_mid_stream_recover() {
    let master = node(&rds(), &[]);
    fill(&master, 300_000);
    let mut doomed = replica_of(&rds(), &master, &[]);
    assert!(wait_until(SYNC_TIMEOUT, || info_int(&doomed, "replication", "master_sync_in_progress") == 1
        || info_field(&master, "replication", "slave0").contains("wait_bgsave")));
    doomed.signal("KILL").unwrap();
    doomed.kill();
    assert_eq!(cmd(&master, &["PING"]), "+PONG\r\n");
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    // The master dies while streaming; the replica keeps serving, then follows the new master.
    let writer = Writer::start(master.port(), "stream");
    std::thread::sleep(Duration::from_millis(200));
    let port = master.port();
    let mut master = master;
    master.signal("KILL").unwrap();
    master.kill();
    drop(writer);
    assert_eq!(cmd(&replica, &["PING"]), "+PONG\r\n");
    assert!(wait_until(SYNC_TIMEOUT, || info_field(&replica, "replication", "master_link_status") == "down"));
    let reborn = ServerBuilder::new(rds())
        .port_from_config(port)
        .args(["--port", &port.to_string(), "--save", "", "--enable-debug-command", "yes"])
        .spawn()
        .unwrap();
    reborn.client().cmd(&["SET", "reborn", "1"]);
    wait_caught_up(&reborn, &[&replica]);
    assert_eq!(digest(&replica), digest(&reborn));
    assert!(!replica.log().contains("panicked"));
}

#[test]
fn garbage_psync_and_replconf_do_not_disturb_the_master() {
    let master = node(&rds(), &[]);
    fill(&master, 1_000);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    let attempts: &[&[&str]] = &[
        &["PSYNC", "?", "99999999999999999999"],
        &["PSYNC", "", "-9223372036854775808"],
        &["REPLCONF", "ack", "-1"],
        &["REPLCONF", "listening-port", "99999999999", "capa", "\u{0}"],
        &["REPLCONF", "ip-address", ""],
    ];
    for args in attempts {
        // Some get no reply (REPLCONF ACK), some turn the connection into a replica: send and go.
        master.client().send_cmd(args).unwrap();
    }
    // A client that PSYNCs with a bogus id and offset, then sends garbage instead of acks.
    let mut rogue = master.client();
    rogue.send_cmd(&["PSYNC", &"z".repeat(40), "123456789"]).unwrap();
    rogue.send_raw(b"*2\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n");
    rogue.send_raw(b"\x00\xff garbage \r\n*-5\r\n$-1\r\n");
    let mut raw = master.client();
    raw.send_raw(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n*1\r\n$4\r\nPING\r\n");
    drop(raw);
    let mut short = Client::connect(master.port()).unwrap();
    short.send_raw(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n");
    drop(short);
    write_every_type(&mut master.client(), "after-garbage", 20);
    assert_eq!(cmd(&master, &["PING"]), "+PONG\r\n");
    assert_same_data(&master, &[&replica]);
    assert!(!master.log().contains("panicked"));
}

#[test]
fn a_slow_replica_over_its_output_buffer_limit_is_dropped_and_resyncs() {
    let master = node(&rds(), &["--client-output-buffer-limit", "replica", "256kb", "0", "0"]);
    fill(&master, 1_000);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    replica.signal("STOP").unwrap();
    let mut client = master.client();
    let value = "v".repeat(100_000);
    let dropped = wait_until(Duration::from_secs(20), || {
        for i in 0..20 {
            client.cmd(&["SET", &format!("big{i}"), &value]);
        }
        info_int(&master, "replication", "connected_slaves") == 0
    });
    replica.signal("CONT").unwrap();
    assert!(dropped, "the replica must be dropped once over its output buffer limit");
    assert!(master.log().contains("overcoming of output buffer limits"));
    assert_same_data(&master, &[&replica]);
}

#[test]
fn a_restarted_replica_continues_from_its_rdb() {
    let master = node(&rds(), &[]);
    let mut client = master.client();
    client.cmd(&["SELECT", "2"]);
    client.cmd(&["SET", "before", "1"]);
    let mut first = replica_of(&rds(), &master, &["--dbfilename", "replica.rdb"]);
    wait_caught_up(&master, &[&first]);
    let _ = first.client().try_cmd(&["SHUTDOWN", "SAVE"]);
    assert!(first.wait_exit(Duration::from_secs(10)).is_some());
    client.cmd(&["SET", "while-down", "1"]);
    let dir = first.dir().to_string_lossy().into_owned();
    let second = replica_of(&rds(), &master, &["--dir", &dir, "--dbfilename", "replica.rdb"]);
    wait_caught_up(&master, &[&second]);
    assert_eq!(info_int(&master, "stats", "sync_partial_ok"), 1, "continued from the saved offset");
    assert_eq!(info_int(&master, "stats", "sync_full"), 1);
    let mut reader = second.client();
    reader.cmd(&["SELECT", "2"]);
    assert_eq!(reader.cmd_str(&["GET", "while-down"]), "$1\r\n1\r\n");
    assert_same_data(&master, &[&second]);
}

#[test]
fn a_replica_hides_expired_keys_until_its_master_deletes_them() {
    let master = node(&rds(), &[]);
    let replica = replica_of(&rds(), &master, &[]);
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&master, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    assert_eq!(cmd(&master, &["SET", "k", "v", "PX", "100"]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(cmd(&replica, &["GET", "k"]), "$-1\r\n", "logically expired on the replica");
    assert_eq!(cmd(&replica, &["DBSIZE"]), ":1\r\n", "but kept until the master's DEL");
    assert_eq!(cmd(&master, &["GET", "k"]), "$-1\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&replica, &["DBSIZE"]), ":0\r\n");
}

#[test]
fn a_writable_replica_expires_the_keys_its_own_clients_gave_a_ttl() {
    let master = node(&rds(), &[]);
    let replica = replica_of(&rds(), &master, &["--replica-read-only", "no"]);
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&master, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    assert_eq!(cmd(&master, &["SET", "from-master", "v", "PX", "50"]), "+OK\r\n");
    wait_caught_up(&master, &[&replica]);
    assert_eq!(cmd(&replica, &["SET", "own", "v", "PX", "50"]), "+OK\r\n");
    assert_eq!(cmd(&replica, &["SET", "own-live", "v", "EX", "100"]), "+OK\r\n");
    let mut client = Client::connect(replica.port()).unwrap();
    let own_gone = wait_until(Duration::from_secs(10), || {
        client.cmd_str(&["EXISTS", "own"]) == ":0\r\n" && client.cmd_str(&["DBSIZE"]) == ":2\r\n"
    });
    // DBSIZE 2: the master's expired key waits for the master's DEL, the live one stays.
    assert!(own_gone, "the replica's own expired key is deleted by its active expiry");
    let info = cmd(&replica, &["INFO", "stats"]);
    assert!(info.contains("expired_keys:1\r\n"), "{info}");
    assert_eq!(cmd(&replica, &["EXISTS", "own-live"]), ":1\r\n");
}

#[test]
fn bind_source_addr_sets_the_address_a_replica_connects_from() {
    let master = node(&rds(), &[]);
    let replica = replica_of(&rds(), &master, &["--bind-source-addr", "127.0.0.2"]);
    wait_caught_up(&master, &[&replica]);
    let info = cmd(&master, &["INFO", "replication"]);
    assert!(info.contains("slave0:ip=127.0.0.2,"), "{info}");
}
