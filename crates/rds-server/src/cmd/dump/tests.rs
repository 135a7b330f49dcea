//! DUMP/RESTORE against the replies real Redis 7.0.15 gives.

use rds_rdb::{dump_payload, restore_payload};
use rds_storage::zset::{AddFlags, ZSet, ZSetLimits};
use rds_storage::Value;

use crate::testing::Harness;

/// A payload with a valid footer around `body`, and RDB version `version`.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut out = body.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    let crc = rds_rdb::CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn bulk(bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

fn dumped(h: &mut Harness, key: &str) -> Vec<u8> {
    let reply = h.run_bytes(&[b"DUMP", key.as_bytes()]);
    let start = reply.iter().position(|&b| b == b'\n').unwrap() + 1;
    reply[start..reply.len() - 2].to_vec()
}

#[test]
fn dump_of_a_string_matches_redis_bytes() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v"]);
    // DUMP k on a real redis-server 7.0.15.
    let expected = [0x00, 0x01, b'v', 0x0a, 0x00, 0x91, 0x08, 0xce, 0xb2, 0x19, 0x38, 0x8a, 0xce];
    assert_eq!(h.run_bytes(&[b"DUMP", b"k"]), bulk(&expected));
    assert_eq!(h.run(&["DUMP", "nokey"]), "$-1\r\n");
}

#[test]
fn restore_errors_come_in_redis_order() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v"]);
    h.expect_all(&[
        (&["RESTORE", "k", "0", "x"], "-BUSYKEY Target key name already exists.\r\n"),
        (&["RESTORE", "k", "-1", "x"], "-BUSYKEY Target key name already exists.\r\n"),
        (&["RESTORE", "k2", "0", "x"], "-ERR DUMP payload version or checksum are wrong\r\n"),
        (&["RESTORE", "k2", "-1", "x"], "-ERR Invalid TTL value, must be >= 0\r\n"),
        (&["RESTORE", "k2", "abc", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["RESTORE", "k2", "0", "x", "foo"], "-ERR syntax error\r\n"),
        (&["RESTORE", "k2", "0", "x", "IDLETIME"], "-ERR syntax error\r\n"),
        (&["RESTORE", "k2", "0", "x", "IDLETIME", "-1"], "-ERR Invalid IDLETIME value, must be >= 0\r\n"),
        (&["RESTORE", "k2", "0", "x", "IDLETIME", "abc"], "-ERR value is not an integer or out of range\r\n"),
        (&["RESTORE", "k2", "0", "x", "FREQ", "256"], "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"),
        (&["RESTORE", "k2", "0", "x", "FREQ", "-1"], "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"),
        (&["RESTORE", "k2", "0", "x", "IDLETIME", "1", "FREQ", "1"], "-ERR syntax error\r\n"),
        (&["RESTORE", "k2", "0", "x", "FREQ", "1", "IDLETIME", "1"], "-ERR syntax error\r\n"),
        (&["RESTORE", "k", "0", "x", "REPLACE"], "-ERR DUMP payload version or checksum are wrong\r\n"),
        (&["RESTORE", "k", "abc", "x", "REPLACE"], "-ERR value is not an integer or out of range\r\n"),
        (&["RESTORE", "k", "-5", "x", "REPLACE"], "-ERR Invalid TTL value, must be >= 0\r\n"),
        (&["RESTORE"], "-ERR wrong number of arguments for 'restore' command\r\n"),
        (&["DUMP"], "-ERR wrong number of arguments for 'dump' command\r\n"),
    ]);
}

#[test]
fn restore_checks_version_checksum_and_data() {
    let mut h = Harness::new();
    let cases: [(Vec<u8>, &str); 6] = [
        (payload(b"\x00\x01v", 11), "-ERR DUMP payload version or checksum are wrong\r\n"),
        (payload(b"\x02\x00", 10), "-ERR Bad data format\r\n"),
        (payload(b"\x13\x00", 10), "-ERR Bad data format\r\n"),
        (payload(b"\x63\x00", 10), "-ERR Bad data format\r\n"),
        (payload(b"", 10), "-ERR Bad data format\r\n"),
        (payload(b"\x00\x01vEXTRA", 10), "+OK\r\n"),
    ];
    for (data, expected) in cases {
        let reply = h.run_bytes(&[b"RESTORE", b"a", b"0", &data, b"REPLACE"]);
        assert_eq!(String::from_utf8_lossy(&reply), expected, "{data:?}");
    }
    // Like Redis, a string may run into the footer: the value is read from the whole payload.
    assert_eq!(h.run_bytes(&[b"RESTORE", b"b", b"0", &payload(b"\x00\x05v", 10)]), b"+OK\r\n");
    assert_eq!(h.run(&["STRLEN", "b"]), ":5\r\n");
}

#[test]
fn dump_restore_round_trips_every_type() {
    let mut h = Harness::new();
    let setup: [&[&str]; 5] = [
        &["SET", "s", "hello"],
        &["RPUSH", "l", "a", "1", "b"],
        &["SADD", "si", "1", "2", "3"],
        &["SADD", "ss", "a", "b"],
        &["HSET", "h", "f", "v"],
    ];
    for command in setup {
        h.run(command);
    }
    let mut zset = ZSet::new();
    for (member, score) in [(&b"a"[..], 1.5), (b"b", 2.0)] {
        zset.add(member, score, AddFlags::default(), &ZSetLimits::default()).unwrap();
    }
    h.state.keyspace.dbs[0].set(b"z", Value::ZSet(Box::new(zset)), 0);
    for key in ["s", "l", "si", "ss", "h", "z"] {
        let data = dumped(&mut h, key);
        let value = h.state.keyspace.dbs[0].peek(key.as_bytes()).map(|e| e.value.clone()).unwrap();
        assert_eq!(restore_payload(&data).unwrap(), value, "{key}");
        let target = format!("{key}-copy");
        assert_eq!(h.run_bytes(&[b"RESTORE", target.as_bytes(), b"0", &data]), b"+OK\r\n");
        // Hash-table sets and hashes are written in table order, which a restore may change.
        if !matches!(data[0], 2 | 4) {
            assert_eq!(dumped(&mut h, &target), data, "{key}");
        }
        assert_eq!(h.run(&["OBJECT", "ENCODING", &target]), h.run(&["OBJECT", "ENCODING", key]));
    }
}

#[test]
fn restore_applies_ttls_like_redis() {
    let mut h = Harness::new();
    let data = dump_payload(&Value::string(b"v"));
    assert_eq!(h.run_bytes(&[b"RESTORE", b"rel", b"100000", &data]), b"+OK\r\n");
    let pttl: i64 = h.run(&["PTTL", "rel"]).trim_start_matches(':').trim().parse().unwrap();
    assert!((99_000..=100_000).contains(&pttl), "{pttl}");
    assert_eq!(h.run_bytes(&[b"RESTORE", b"abs", b"1", &data, b"ABSTTL"]), b"+OK\r\n");
    assert_eq!(h.run(&["EXISTS", "abs"]), ":0\r\n");
    h.run(&["SET", "old", "x"]);
    assert_eq!(h.run_bytes(&[b"RESTORE", b"old", b"1", &data, b"ABSTTL", b"REPLACE"]), b"+OK\r\n");
    assert_eq!(h.run(&["EXISTS", "old"]), ":0\r\n");
    // A TTL so large that adding the current time wraps: expired at once, as in Redis.
    h.run(&["SET", "big", "x"]);
    assert_eq!(h.run_bytes(&[b"RESTORE", b"big", b"9223372036854775807", &data, b"REPLACE"]), b"+OK\r\n");
    assert_eq!(h.run(&["EXISTS", "big"]), ":0\r\n");
    assert_eq!(h.run_bytes(&[b"RESTORE", b"far", b"9223372036854775807", &data, b"ABSTTL"]), b"+OK\r\n");
    assert_eq!(h.run(&["PEXPIRETIME", "far"]), ":9223372036854775807\r\n");
}

#[test]
fn restore_sets_idle_time_and_frequency() {
    let mut h = Harness::new();
    let data = dump_payload(&Value::string(b"v"));
    assert_eq!(h.run_bytes(&[b"RESTORE", b"a", b"0", &data, b"IDLETIME", b"100"]), b"+OK\r\n");
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), ":100\r\n");
    assert_eq!(h.run_bytes(&[b"RESTORE", b"b", b"0", &data, b"IDLETIME", b"5", b"IDLETIME", b"7"]), b"+OK\r\n");
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "b"]), ":7\r\n");
    assert_eq!(h.run_bytes(&[b"RESTORE", b"c", b"0", &data, b"IDLETIME", b"9223372036854775807"]), b"+OK\r\n");
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "c"]), ":16777214\r\n");
    h.run(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    assert_eq!(h.run_bytes(&[b"RESTORE", b"d", b"0", &data, b"FREQ", b"100"]), b"+OK\r\n");
    assert_eq!(h.run(&["OBJECT", "FREQ", "d"]), ":100\r\n");
}

#[test]
fn restore_propagates_absolute_ttls_and_deletions() {
    let mut h = Harness::new();
    h.state.effects.enable();
    let data = dump_payload(&Value::string(b"v"));
    h.run_bytes(&[b"RESTORE", b"plain", b"0", &data]);
    let effects = h.state.effects.take();
    assert!(effects.ends_with(&[&b"$5\r\nplain\r\n$1\r\n0\r\n"[..], &bulk(&data)].concat()), "{effects:?}");
    h.run_bytes(&[b"RESTORE", b"rel", b"100000", &data, b"REPLACE"]);
    let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
    assert!(effects.starts_with("*6\r\n$7\r\nRESTORE\r\n$3\r\nrel\r\n$13\r\n"), "{effects}");
    assert!(effects.ends_with("$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n"), "{effects}");
    h.run_bytes(&[b"RESTORE", b"rel", b"1", &data, b"REPLACE", b"ABSTTL"]);
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), "*2\r\n$3\r\nDEL\r\n$3\r\nrel\r\n");
    h.run_bytes(&[b"RESTORE", b"none", b"1", &data, b"ABSTTL"]);
    assert_eq!(h.state.effects.take().len(), 0);
}
