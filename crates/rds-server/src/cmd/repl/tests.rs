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
    h.expect_all(&[(&["REPLICAOF", "NO", "ONE"], "+OK\r\n"), (&["SET", "k", "w"], "+OK\r\n")]);
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

mod stream {
    use std::net::SocketAddr;

    use bytes::Bytes;

    use crate::client::Session;
    use crate::dispatch::execute;
    use crate::state::now_ms;
    use crate::testing::Harness;

    fn connect(h: &mut Harness, port: u16) -> Session {
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let local: SocketAddr = "127.0.0.1:6379".parse().unwrap();
        let id = h.state.clients.register(addr, local, now_ms());
        Session::new(id, true, true)
    }

    fn run_as(h: &mut Harness, session: &mut Session, words: &[&str]) -> String {
        let argv: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect();
        execute(&mut h.state, session, &argv);
        String::from_utf8_lossy(&session.reply.buf.split()).into_owned()
    }

    fn pushed(h: &mut Harness, id: u64) -> String {
        String::from_utf8_lossy(&h.state.clients.get_mut(id).unwrap().outbox.split()).into_owned()
    }

    fn stat(h: &mut Harness, name: &str) -> String {
        let info = h.run(&["INFO", "all"]);
        let prefix = format!("{name}:");
        info.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_default().to_string()
    }

    #[test]
    fn psync_continues_with_the_exact_bytes_of_the_stream() {
        let mut h = Harness::new();
        let mut full = connect(&mut h, 40010);
        assert_eq!(run_as(&mut h, &mut full, &["REPLCONF", "listening-port", "7001"]), "+OK\r\n");
        assert_eq!(run_as(&mut h, &mut full, &["PSYNC", "?", "-1"]), "");
        assert!(full.handover, "the connection becomes a replica link");
        assert_eq!(stat(&mut h, "repl_backlog_active"), "1");
        assert_eq!(stat(&mut h, "slave0"), "ip=127.0.0.1,port=7001,state=wait_bgsave,offset=0,lag=0");
        let replid = stat(&mut h, "master_replid");
        h.run(&["SET", "k", "v"]);
        let set = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        assert_eq!(stat(&mut h, "master_repl_offset"), set.len().to_string());
        assert_eq!(pushed(&mut h, full.id), "", "no stream before its snapshot starts");

        let mut partial = connect(&mut h, 40011);
        run_as(&mut h, &mut partial, &["REPLCONF", "capa", "eof", "capa", "psync2"]);
        let reply = run_as(&mut h, &mut partial, &["PSYNC", &replid, "1"]);
        assert_eq!(reply, format!("+CONTINUE {replid}\r\n{set}"));
        h.run(&["DEL", "k"]);
        assert_eq!(pushed(&mut h, partial.id), "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");
        assert_eq!(stat(&mut h, "sync_full"), "1");
        assert_eq!(stat(&mut h, "sync_partial_ok"), "1");

        let mut old = connect(&mut h, 40012);
        assert_eq!(run_as(&mut h, &mut old, &["PSYNC", &"f".repeat(40), "1"]), "");
        assert_eq!(stat(&mut h, "sync_partial_err"), "1");
        assert_eq!(run_as(&mut h, &mut old, &["PSYNC", "?", "-1"]), "", "a replica's PSYNC is ignored");
    }

    #[test]
    fn wait_counts_acks_and_replies_when_they_arrive() {
        let mut h = Harness::new();
        let mut replica = connect(&mut h, 40020);
        run_as(&mut h, &mut replica, &["PSYNC", "?", "-1"]);
        let replid = stat(&mut h, "master_replid");
        run_as(&mut h, &mut replica, &["REPLCONF", "ACK", "0"]);
        let mut online = connect(&mut h, 40021);
        run_as(&mut h, &mut online, &["PSYNC", &replid, "1"]);
        assert_eq!(h.run(&["SET", "k", "v"]), "+OK\r\n");
        assert_eq!(h.run(&["WAIT", "1", "0"]), "", "blocks until an ack covers the write");
        assert!(h.state.blocking.is_blocked(h.session.id));
        let offset = stat(&mut h, "master_repl_offset");
        assert!(pushed(&mut h, online.id).ends_with("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"));
        assert_eq!(run_as(&mut h, &mut online, &["REPLCONF", "ACK", &offset]), "");
        assert!(!h.state.blocking.is_blocked(h.session.id));
        let caller = h.session.id;
        assert_eq!(pushed(&mut h, caller), ":1\r\n");
        let role = h.run(&["ROLE"]);
        let expected = format!("*3\r\n$6\r\nmaster\r\n:{offset}\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n$2\r\n");
        assert!(role.starts_with(&expected), "{role}");
        assert_eq!(h.run(&["WAIT", "2", "0"]), "", "only one replica acknowledges");
    }
}
