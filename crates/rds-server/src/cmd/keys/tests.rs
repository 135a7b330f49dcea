//! Unit tests of the keyspace commands, with replies captured from Redis 7.0.15.

use rds_storage::Value;

use crate::state::now_ms;
use crate::testing::Harness;

/// Stores a string directly, so these tests do not depend on the string commands.
pub(crate) fn put(h: &mut Harness, db: usize, key: &str, value: &str) {
    let clock = h.state.lru_clock(now_ms());
    h.state.keyspace.dbs[db].set(key.as_bytes(), Value::string(value.as_bytes()), clock);
}

/// Gives `key` an absolute expiry time.
pub(crate) fn expire_at(h: &mut Harness, db: usize, key: &str, when_ms: u64) {
    assert!(h.state.keyspace.dbs[db].set_expire(key.as_bytes(), when_ms));
}

fn value(h: &mut Harness, db: usize, key: &str) -> Option<Vec<u8>> {
    let entry = h.state.keyspace.dbs[db].peek(key.as_bytes())?;
    entry.value.as_string().map(<[u8]>::to_vec)
}

#[test]
fn del_unlink_exists_type_touch_reply_like_redis() {
    let mut h = Harness::new();
    put(&mut h, 0, "a", "1");
    put(&mut h, 0, "b", "2");
    h.expect_all(&[
        (&["EXISTS", "a", "a", "b", "c"], ":3\r\n"),
        (&["TYPE", "a"], "+string\r\n"),
        (&["TYPE", "nokey"], "+none\r\n"),
        (&["TOUCH", "a", "a", "nokey"], ":2\r\n"),
        (&["DEL", "a", "a", "b", "c"], ":2\r\n"),
        (&["EXISTS", "a", "a", "b"], ":0\r\n"),
        (&["DEL"], "-ERR wrong number of arguments for 'del' command\r\n"),
        (&["EXISTS"], "-ERR wrong number of arguments for 'exists' command\r\n"),
        (&["TYPE", "a", "b"], "-ERR wrong number of arguments for 'type' command\r\n"),
    ]);
    put(&mut h, 0, "u", "1");
    h.expect_all(&[(&["UNLINK", "u", "nokey"], ":1\r\n"), (&["UNLINK", "u"], ":0\r\n")]);
    let mut h3 = Harness::new().resp3();
    h3.expect_all(&[(&["TYPE", "x"], "+none\r\n"), (&["RANDOMKEY"], "_\r\n")]);
}

#[test]
fn exists_and_type_count_hits_and_misses() {
    let mut h = Harness::new();
    put(&mut h, 0, "k", "v");
    h.run(&["EXISTS", "k", "nokey"]);
    h.run(&["TYPE", "k"]);
    h.run(&["DEL", "nokey"]);
    assert_eq!((h.state.stats.keyspace_hits, h.state.stats.keyspace_misses), (2, 1));
}

#[test]
fn expired_keys_are_invisible_and_expired_once() {
    let mut h = Harness::new();
    put(&mut h, 0, "gone", "v");
    expire_at(&mut h, 0, "gone", 1);
    h.state.effects.enable();
    h.expect_all(&[(&["DEL", "gone"], ":0\r\n"), (&["EXISTS", "gone"], ":0\r\n")]);
    let effects = h.state.effects.take();
    assert_eq!(&effects[..], b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n");
    assert_eq!(h.state.stats.expired_keys, 1);
}

#[test]
fn rename_and_renamenx_reply_like_redis() {
    let mut h = Harness::new();
    put(&mut h, 0, "a", "1");
    put(&mut h, 0, "b", "2");
    expire_at(&mut h, 0, "a", now_ms() + 100_000);
    h.expect_all(&[
        (&["RENAME", "nokey", "x"], "-ERR no such key\r\n"),
        (&["RENAME", "nokey", "nokey"], "-ERR no such key\r\n"),
        (&["RENAMENX", "nokey", "a"], "-ERR no such key\r\n"),
        (&["RENAME", "a", "a"], "+OK\r\n"),
        (&["RENAMENX", "a", "a"], ":0\r\n"),
        (&["RENAMENX", "a", "b"], ":0\r\n"),
        (&["RENAME", "a", "c"], "+OK\r\n"),
        (&["EXISTS", "a", "c"], ":1\r\n"),
        (&["RENAME", "c", "b"], "+OK\r\n"),
        (&["RENAMENX", "b", "d"], ":1\r\n"),
        (&["RENAME", "a"], "-ERR wrong number of arguments for 'rename' command\r\n"),
    ]);
    assert_eq!(value(&mut h, 0, "d").as_deref(), Some(&b"1"[..]));
    assert!(h.state.keyspace.dbs[0].expire_at(b"d").is_some(), "the TTL moves with the key");
    assert_eq!(h.state.dirty, 3);
}

#[test]
fn copy_replies_like_redis() {
    let mut h = Harness::new();
    put(&mut h, 0, "c", "1");
    expire_at(&mut h, 0, "c", now_ms() + 100_000);
    let range = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
    h.expect_all(&[
        (&["COPY", "c", "d"], ":1\r\n"),
        (&["COPY", "c", "d"], ":0\r\n"),
        (&["COPY", "c", "d", "REPLACE"], ":1\r\n"),
        (&["COPY", "c", "c"], "-ERR source and destination objects are the same\r\n"),
        (&["COPY", "c", "c", "DB", "0"], "-ERR source and destination objects are the same\r\n"),
        (&["COPY", "nokey", "nokey"], "-ERR source and destination objects are the same\r\n"),
        (&["COPY", "c", "c", "db", "1"], ":1\r\n"),
        (&["COPY", "c", "e", "DB", "16"], "-ERR DB index is out of range\r\n"),
        (&["COPY", "c", "e", "DB", "-1"], "-ERR DB index is out of range\r\n"),
        (&["COPY", "c", "e", "DB", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["COPY", "c", "e", "DB", "4294967296"], range),
        (&["COPY", "c", "e", "DB", "16", "DB", "1"], "-ERR DB index is out of range\r\n"),
        (&["COPY", "c", "e", "FOO"], "-ERR syntax error\r\n"),
        (&["COPY", "c", "e", "DB"], "-ERR syntax error\r\n"),
        (&["COPY", "nokey", "e"], ":0\r\n"),
        (&["COPY", "nokey", "e", "DB", "16"], "-ERR DB index is out of range\r\n"),
        (&["COPY", "c", "e", "REPLACE", "REPLACE"], ":1\r\n"),
        (&["COPY", "c"], "-ERR wrong number of arguments for 'copy' command\r\n"),
    ]);
    assert_eq!(value(&mut h, 1, "c").as_deref(), Some(&b"1"[..]));
    assert!(h.state.keyspace.dbs[1].expire_at(b"c").is_some(), "the TTL is copied");
    assert_eq!(value(&mut h, 0, "c").as_deref(), Some(&b"1"[..]), "the source stays");
}

#[test]
fn move_replies_like_redis() {
    let mut h = Harness::new();
    put(&mut h, 0, "c", "1");
    put(&mut h, 0, "f", "2");
    put(&mut h, 1, "c", "other");
    expire_at(&mut h, 0, "f", now_ms() + 100_000);
    let range = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
    h.expect_all(&[
        (&["MOVE", "c", "0"], "-ERR source and destination objects are the same\r\n"),
        (&["MOVE", "c", "16"], "-ERR DB index is out of range\r\n"),
        (&["MOVE", "c", "-1"], "-ERR DB index is out of range\r\n"),
        (&["MOVE", "c", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["MOVE", "c", "2147483648"], range),
        (&["MOVE", "c", "99999999999999999999"], "-ERR value is not an integer or out of range\r\n"),
        (&["MOVE", "nokey", "0"], "-ERR source and destination objects are the same\r\n"),
        (&["MOVE", "c", "1"], ":0\r\n"),
        (&["MOVE", "nokey", "1"], ":0\r\n"),
        (&["MOVE", "f", "1"], ":1\r\n"),
        (&["MOVE", "f", "1"], ":0\r\n"),
    ]);
    assert!(value(&mut h, 0, "f").is_none());
    assert_eq!(value(&mut h, 1, "f").as_deref(), Some(&b"2"[..]));
    assert!(h.state.keyspace.dbs[1].expire_at(b"f").is_some(), "the TTL moves with the key");
    assert_eq!(h.state.dirty, 1);
}

#[test]
fn swapdb_replies_like_redis() {
    let mut h = Harness::new();
    put(&mut h, 0, "a", "0");
    put(&mut h, 1, "b", "1");
    h.expect_all(&[
        (&["SWAPDB", "0", "16"], "-ERR DB index is out of range\r\n"),
        (&["SWAPDB", "16", "0"], "-ERR DB index is out of range\r\n"),
        (&["SWAPDB", "-1", "0"], "-ERR DB index is out of range\r\n"),
        (&["SWAPDB", "0", "2147483647"], "-ERR DB index is out of range\r\n"),
        (&["SWAPDB", "x", "0"], "-ERR invalid first DB index\r\n"),
        (&["SWAPDB", "x", "y"], "-ERR invalid first DB index\r\n"),
        (&["SWAPDB", "0", "x"], "-ERR invalid second DB index\r\n"),
        (&["SWAPDB", "4294967296", "0"], "-ERR invalid first DB index\r\n"),
        (&["SWAPDB", "0", "4294967296"], "-ERR invalid second DB index\r\n"),
        (&["SWAPDB", "0", "0"], "+OK\r\n"),
        (&["SWAPDB", "0", "1"], "+OK\r\n"),
        (&["EXISTS", "a"], ":0\r\n"),
        (&["EXISTS", "b"], ":1\r\n"),
    ]);
    assert!(value(&mut h, 1, "a").is_some());
    assert_eq!(h.state.dirty, 2);
}

#[test]
fn cluster_mode_confines_keys_to_database_zero() {
    let args = ["--cluster-enabled".to_string(), "yes".to_string()];
    let mut h = Harness::with_config(rds_config::Config::load(None, &args).unwrap());
    put(&mut h, 0, "k", "v");
    let copy_err = "-ERR Copying to another database is not allowed in cluster mode\r\n";
    h.expect_all(&[
        (&["MOVE", "k", "1"], "-ERR MOVE is not allowed in cluster mode\r\n"),
        (&["MOVE", "k", "x"], "-ERR MOVE is not allowed in cluster mode\r\n"),
        (&["SWAPDB", "x", "1"], "-ERR SWAPDB is not allowed in cluster mode\r\n"),
        (&["COPY", "k", "k", "DB", "1"], copy_err),
        (&["COPY", "nokey", "k2", "DB", "1"], copy_err),
        (&["COPY", "k", "k2", "DB", "16"], "-ERR DB index is out of range\r\n"),
        (&["COPY", "k", "k", "DB", "0"], "-ERR source and destination objects are the same\r\n"),
        (&["COPY", "k", "k2", "DB", "0"], ":1\r\n"),
    ]);
}

#[test]
fn randomkey_returns_live_keys_only() {
    let mut h = Harness::new();
    h.expect_all(&[(&["RANDOMKEY"], "$-1\r\n")]);
    put(&mut h, 0, "dead", "v");
    expire_at(&mut h, 0, "dead", 1);
    h.expect_all(&[(&["RANDOMKEY"], "$-1\r\n")]);
    put(&mut h, 0, "live", "v");
    h.expect_all(&[(&["RANDOMKEY"], "$4\r\nlive\r\n")]);
}

#[test]
fn writes_propagate_as_sent_and_noops_not_at_all() {
    let mut h = Harness::new();
    put(&mut h, 0, "k", "v");
    h.state.effects.enable();
    for words in [
        &["RENAME", "k", "k"][..],
        &["DEL", "nokey"],
        &["RENAMENX", "k", "k"],
        &["RENAME", "k", "k2"],
        &["COPY", "k2", "k3"],
        &["MOVE", "k3", "1"],
        &["SWAPDB", "0", "0"],
        &["UNLINK", "k2", "nokey"],
    ] {
        h.run(words);
    }
    let expected = concat!(
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n",
        "*3\r\n$6\r\nRENAME\r\n$1\r\nk\r\n$2\r\nk2\r\n",
        "*3\r\n$4\r\nCOPY\r\n$2\r\nk2\r\n$2\r\nk3\r\n",
        "*3\r\n$4\r\nMOVE\r\n$2\r\nk3\r\n$1\r\n1\r\n",
        "*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n0\r\n",
        "*3\r\n$6\r\nUNLINK\r\n$2\r\nk2\r\n$5\r\nnokey\r\n",
    );
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
}

#[test]
fn writes_into_another_database_invalidate_its_watchers() {
    let mut h = Harness::new();
    put(&mut h, 0, "k", "v");
    h.state.watches.watch(1001, 1, b"k", false);
    h.state.watches.watch(1002, 2, b"k", false);
    h.state.watches.watch(1003, 3, b"absent", false);
    h.expect_all(&[(&["MOVE", "k", "1"], ":1\r\n")]);
    assert!(h.state.watches.is_invalidated(1001));
    h.session.db = 1;
    h.expect_all(&[(&["COPY", "k", "k", "DB", "2"], ":1\r\n")]);
    assert!(h.state.watches.is_invalidated(1002));
    h.expect_all(&[(&["SWAPDB", "3", "4"], "+OK\r\n")]);
    assert!(!h.state.watches.is_invalidated(1003), "nothing changed under the key");
}

#[test]
fn swapdb_invalidates_watchers_of_keys_present_in_either_database() {
    let mut h = Harness::new();
    put(&mut h, 1, "k", "v");
    h.state.watches.watch(1001, 0, b"k", false);
    h.state.watches.watch(1002, 5, b"k", false);
    h.expect_all(&[(&["SWAPDB", "0", "1"], "+OK\r\n")]);
    assert!(h.state.watches.is_invalidated(1001));
    assert!(!h.state.watches.is_invalidated(1002));
}
