use crate::testing::Harness;

#[test]
fn replconf_replies_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["REPLCONF"], "+OK\r\n"),
        (&["REPLCONF", "a"], "-ERR syntax error\r\n"),
        (&["REPLCONF", "foo", "bar"], "-ERR Unrecognized REPLCONF option: foo\r\n"),
        (&["REPLCONF", "listening-port", "abc"], "-ERR value is not an integer or out of range\r\n"),
        (&["REPLCONF", "listening-port", "99999999999"], "+OK\r\n"),
        (&["REPLCONF", "capa", "eof", "capa", "psync2", "capa", "zzz"], "+OK\r\n"),
        (&["REPLCONF", "ack", "10"], ""),
        (&["REPLCONF", "getack", "*"], ""),
        (&["REPLCONF", "rdb-only", "2"], "-ERR value is out of range, value must between 0 and 1\r\n"),
        (&["REPLCONF", "rdb-filter-only", "foo"], "-ERR Unsupported rdb-filter-only option: foo\r\n"),
        (&["PSYNC", "a", "b", "c"], "-ERR value is not an integer or out of range\r\n"),
        (&["WAIT", "a", "0"], "-ERR value is not an integer or out of range\r\n"),
        (&["WAIT", "0", "a"], "-ERR timeout is not an integer or out of range\r\n"),
        (&["WAIT", "0", "-1"], "-ERR timeout is negative\r\n"),
        (&["WAIT", "0", "0"], ":0\r\n"),
        (&["WAIT", "-1", "0"], ":0\r\n"),
        (&["ROLE"], "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"),
        (&["REPLICAOF", "a", "b"], "-ERR Invalid master port\r\n"),
        (&["REPLICAOF", "127.0.0.1", "65536"], "-ERR Invalid master port\r\n"),
        (&["REPLICAOF", "no", "one"], "+OK\r\n"),
    ]);
}

#[test]
fn a_replica_refuses_writes_wait_and_sync_while_its_link_is_down() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["SET", "k", "v"], "+OK\r\n"),
        (&["REPLICAOF", "127.0.0.1", "1"], "+OK\r\n"),
        (&["SLAVEOF", "127.0.0.1", "1"], "+OK Already connected to specified master\r\n"),
        (&["SET", "k", "v"], "-READONLY You can't write against a read only replica.\r\n"),
        (&["GET", "k"], "$1\r\nv\r\n"),
        (&["PSYNC", "?", "-1"], "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"),
        (&["SYNC"], "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"),
        (&["ROLE"], "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:1\r\n$7\r\nconnect\r\n:-1\r\n"),
        (&["CONFIG", "SET", "replica-serve-stale-data", "no"], "+OK\r\n"),
        (&["GET", "k"], "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"),
        (&["PING"], "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"),
        (&["CONFIG", "SET", "replica-serve-stale-data", "yes"], "+OK\r\n"),
    ]);
    let wait = h.run(&["WAIT", "0", "0"]);
    assert!(wait.starts_with("-ERR WAIT cannot be used with replica instances."), "{wait}");
    let info = h.run(&["INFO", "replication"]);
    for line in ["role:slave", "master_link_status:down", "slave_repl_offset:0", "master_link_down_since_seconds:-1"] {
        assert!(info.contains(line), "{line} in {info}");
    }
    h.expect_all(&[
        (&["REPLICAOF", "NO", "ONE"], "+OK\r\n"),
        (&["SET", "k", "w"], "+OK\r\n"),
    ]);
    let info = h.run(&["INFO", "replication"]);
    assert!(info.contains("second_repl_offset:1\r\n"), "{info}");
}

#[test]
fn min_replicas_refuses_writes_without_good_replicas() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["CONFIG", "SET", "min-replicas-to-write", "1"], "+OK\r\n"),
        (&["SET", "k", "v"], "-NOREPLICAS Not enough good replicas to write.\r\n"),
        (&["GET", "k"], "$-1\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["SET", "k", "v"], "-NOREPLICAS Not enough good replicas to write.\r\n"),
        (&["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n"),
        (&["CONFIG", "SET", "min-replicas-max-lag", "0"], "+OK\r\n"),
        (&["SET", "k", "v"], "+OK\r\n"),
    ]);
    let info = h.run(&["INFO", "replication"]);
    assert!(!info.contains("min_slaves_good_slaves"), "{info}");
    h.run(&["CONFIG", "SET", "min-replicas-max-lag", "10"]);
    let info = h.run(&["INFO", "replication"]);
    assert!(info.contains("min_slaves_good_slaves:0\r\n"), "{info}");
}
