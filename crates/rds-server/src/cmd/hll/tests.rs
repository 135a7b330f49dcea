//! PFADD/PFCOUNT/PFMERGE/PFDEBUG against replies captured from Redis 7.0.15.

use crate::testing::Harness;

/// A bulk reply holding `bytes`, as the harness returns it (lossy text).
fn bulk(bytes: &[u8]) -> String {
    let mut out = format!("${}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    String::from_utf8_lossy(&out).into_owned()
}

const EMPTY: &[u8] = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff";
const ABC_STALE: &[u8] = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ";
const ABC_CACHED: &[u8] = b"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ";
const MERGED: &[u8] = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\\{\x80Dv\x80P\xb1\x84K\xfb\x80BZ";

#[test]
fn values_are_byte_identical_to_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["PFADD", "e"], ":1\r\n"),
        (&["PFADD", "e"], ":0\r\n"),
        (&["OBJECT", "ENCODING", "e"], "$3\r\nraw\r\n"),
        (&["PFADD", "h", "a", "b", "c"], ":1\r\n"),
        (&["PFADD", "h", "a"], ":0\r\n"),
        (&["PFCOUNT", "h"], ":3\r\n"),
        (&["PFADD", "h2", "c", "d"], ":1\r\n"),
        (&["PFCOUNT", "h", "h2"], ":4\r\n"),
        (&["PFCOUNT", "h", "nokey"], ":3\r\n"),
        (&["PFCOUNT", "nokey"], ":0\r\n"),
        (&["PFMERGE", "m", "h", "h2"], "+OK\r\n"),
        (&["PFCOUNT", "m"], ":4\r\n"),
        (&["PFDEBUG", "DECODE", "m"], "$57\r\nZ:7292 v:1,1 Z:1143 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n"),
        (&["PFMERGE", "empty"], "+OK\r\n"),
    ]);
    assert_eq!(h.run(&["GET", "e"]), bulk(EMPTY));
    assert_eq!(h.run(&["GET", "h"]), bulk(ABC_CACHED));
    assert_eq!(h.run(&["GET", "empty"]), bulk(EMPTY));
    h.run(&["PFADD", "fresh", "a", "b", "c"]);
    assert_eq!(h.run(&["GET", "fresh"]), bulk(ABC_STALE));
    h.run(&["PFMERGE", "m2", "h", "h2"]);
    assert_eq!(h.run(&["GET", "m2"]), bulk(MERGED));
}

#[test]
fn errors_match_redis() {
    let mut h = Harness::new();
    let not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
    let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    let corrupted = "-INVALIDOBJ Corrupted HLL object detected\r\n";
    h.run(&["SET", "s", "hello"]);
    h.run(&["SET", "i", "12345"]);
    h.run(&["PFADD", "ok", "a"]);
    h.state.keyspace.dbs[0].set(b"l", rds_storage::Value::List(Box::default()), 0);
    // A sparse header whose single XZERO covers 16383 registers instead of 16384.
    h.run_bytes(&[b"SET", b"bad", b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"]);
    h.expect_all(&[
        (&["PFADD", "s", "x"], not_hll),
        (&["PFADD", "i", "x"], not_hll),
        (&["PFCOUNT", "s"], not_hll),
        (&["PFCOUNT", "ok", "s"], not_hll),
        (&["PFADD", "l", "x"], wrongtype),
        (&["PFCOUNT", "ok", "l", "s"], wrongtype),
        (&["PFMERGE", "s", "ok"], not_hll),
        (&["PFMERGE", "d", "ok", "l"], wrongtype),
        (&["EXISTS", "d"], ":0\r\n"),
        (&["PFCOUNT", "bad"], corrupted),
        (&["PFCOUNT", "bad", "s"], corrupted),
        (&["PFCOUNT", "s", "bad"], not_hll),
        (&["PFMERGE", "d", "bad"], corrupted),
        (&["PFADD", "bad"], ":0\r\n"),
        (&["PFDEBUG", "TODENSE", "bad"], corrupted),
        (&["PFDEBUG", "ENCODING", "nokey"], "-ERR The specified key does not exist\r\n"),
        (&["PFDEBUG", "nope", "nokey"], "-ERR The specified key does not exist\r\n"),
        (&["PFDEBUG", "nope", "ok"], "-ERR Unknown PFDEBUG subcommand 'nope'\r\n"),
        (&["PFDEBUG", "ENCODING", "l"], wrongtype),
        (&["PFDEBUG", "ENCODING", "s"], not_hll),
        (&["PFADD"], "-ERR wrong number of arguments for 'pfadd' command\r\n"),
        (&["PFDEBUG", "x"], "-ERR wrong number of arguments for 'pfdebug' command\r\n"),
    ]);
}

#[test]
fn pfdebug_reports_and_converts_encodings() {
    let mut h = Harness::new();
    h.run(&["PFADD", "h", "a", "b", "c"]);
    h.expect_all(&[
        (&["PFDEBUG", "ENCODING", "h"], "+sparse\r\n"),
        (&["PFDEBUG", "DECODE", "h"], "$44\r\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n"),
        (&["PFDEBUG", "TODENSE", "h"], ":1\r\n"),
        (&["PFDEBUG", "TODENSE", "h"], ":0\r\n"),
        (&["PFDEBUG", "ENCODING", "h"], "+dense\r\n"),
        (&["PFDEBUG", "DECODE", "h"], "-ERR HLL encoding is not sparse\r\n"),
        (&["STRLEN", "h"], ":12304\r\n"),
        (&["PFCOUNT", "h"], ":3\r\n"),
    ]);
    let registers = h.run(&["PFDEBUG", "GETREG", "h"]);
    assert!(registers.starts_with("*16384\r\n:0\r\n"), "{}", &registers[..40]);
    assert_eq!(registers.matches(":1\r\n").count(), 2);
    assert_eq!(registers.matches(":2\r\n").count(), 1);
}

#[test]
fn writes_keep_the_ttl_and_make_the_value_raw() {
    let mut h = Harness::new();
    h.run_bytes(&[b"SET", b"e", EMPTY]);
    h.expect_all(&[
        (&["OBJECT", "ENCODING", "e"], "$6\r\nembstr\r\n"),
        (&["EXPIRE", "e", "100"], ":1\r\n"),
        (&["PFADD", "e"], ":0\r\n"),
        (&["OBJECT", "ENCODING", "e"], "$3\r\nraw\r\n"),
        (&["PFMERGE", "e"], "+OK\r\n"),
        (&["TTL", "e"], ":100\r\n"),
        (&["PFADD", "e", "x"], ":1\r\n"),
        (&["PFCOUNT", "e"], ":1\r\n"),
        (&["TTL", "e"], ":100\r\n"),
    ]);
}

#[test]
fn only_real_changes_are_replicated() {
    let mut h = Harness::new();
    h.state.effects.enable();
    h.run(&["PFADD", "h", "a"]);
    let created = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
    assert!(created.ends_with("*3\r\n$5\r\nPFADD\r\n$1\r\nh\r\n$1\r\na\r\n"), "{created}");
    h.run(&["PFADD", "h", "a"]);
    h.run(&["PFCOUNT", "nokey"]);
    assert!(h.state.effects.take().is_empty());
    // The first count writes the cache back: replicated as is; the second reads the cache.
    h.run(&["PFCOUNT", "h"]);
    assert_eq!(&h.state.effects.take()[..], b"*2\r\n$7\r\nPFCOUNT\r\n$1\r\nh\r\n");
    h.run(&["PFCOUNT", "h"]);
    h.run(&["PFCOUNT", "h", "h"]);
    assert!(h.state.effects.take().is_empty());
    h.run(&["PFMERGE", "d", "h"]);
    assert_eq!(&h.state.effects.take()[..], b"*3\r\n$7\r\nPFMERGE\r\n$1\r\nd\r\n$1\r\nh\r\n");
}

#[test]
fn selftest_passes() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["PFSELFTEST"]), "+OK\r\n");
}
