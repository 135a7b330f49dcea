//! Unit tests of the list commands, with replies captured from Redis 7.0.15.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::client::Session;
use crate::dispatch::execute;
use crate::state::now_ms;
use crate::testing::Harness;

/// Connects one more client to the harness's server.
pub(super) fn connect(h: &mut Harness) -> Session {
    let addr: SocketAddr = "127.0.0.1:40001".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:6379".parse().unwrap();
    let id = h.state.clients.register(addr, local, now_ms());
    Session::new(id, true, true)
}

/// Runs `words` as `session` and returns its reply.
pub(super) fn run_as(h: &mut Harness, session: &mut Session, words: &[&str]) -> String {
    let argv: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect();
    execute(&mut h.state, session, &argv);
    String::from_utf8_lossy(&session.reply.buf.split()).into_owned()
}

/// Takes what other clients pushed to `id` (served blocked replies, pub/sub messages).
pub(super) fn pushed(h: &mut Harness, id: u64) -> String {
    let record = h.state.clients.get_mut(id).unwrap();
    String::from_utf8_lossy(&record.outbox.split()).into_owned()
}

/// The replication stream since the last call, with CRLF shown as spaces.
pub(super) fn effects(h: &mut Harness) -> String {
    String::from_utf8_lossy(&h.state.effects.take()).replace("\r\n", " ")
}

#[test]
fn pushes_pops_and_lengths() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["LPUSH", "l", "a", "b", "c"], ":3\r\n"),
        (&["RPUSH", "l", "d"], ":4\r\n"),
        (&["LRANGE", "l", "0", "-1"], "*4\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n"),
        (&["LLEN", "l"], ":4\r\n"),
        (&["LLEN", "nokey"], ":0\r\n"),
        (&["LPUSHX", "nokey", "a"], ":0\r\n"),
        (&["RPUSHX", "nokey", "a"], ":0\r\n"),
        (&["EXISTS", "nokey"], ":0\r\n"),
        (&["LPUSHX", "l", "x", "y"], ":6\r\n"),
        (&["RPUSHX", "l", "z"], ":7\r\n"),
        (&["LPOP", "l"], "$1\r\ny\r\n"),
        (&["RPOP", "l"], "$1\r\nz\r\n"),
        (&["LPOP", "l", "2"], "*2\r\n$1\r\nx\r\n$1\r\nc\r\n"),
        (&["RPOP", "l", "2"], "*2\r\n$1\r\nd\r\n$1\r\na\r\n"),
        (&["LPOP", "l", "0"], "*0\r\n"),
        (&["RPOP", "l", "10"], "*1\r\n$1\r\nb\r\n"),
        (&["EXISTS", "l"], ":0\r\n"),
        (&["LPOP", "l"], "$-1\r\n"),
        (&["LPOP", "l", "0"], "*-1\r\n"),
        (&["RPOP", "l", "2"], "*-1\r\n"),
        (&["LPOP", "l", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (&["LPOP", "l", "x"], "-ERR value is out of range, must be positive\r\n"),
        (&["LPOP", "l", "1", "2"], "-ERR wrong number of arguments for 'lpop' command\r\n"),
        (&["LPUSH", "l"], "-ERR wrong number of arguments for 'lpush' command\r\n"),
        (&["OBJECT", "ENCODING", "nokey"], "$-1\r\n"),
        (&["RPUSH", "l", "1"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "l"], "$9\r\nquicklist\r\n"),
    ]);
    let mut h3 = Harness::new().resp3();
    h3.expect_all(&[
        (&["LPOP", "nokey"], "_\r\n"),
        (&["LPOP", "nokey", "2"], "_\r\n"),
        (&["LINDEX", "nokey", "0"], "_\r\n"),
        (&["LMPOP", "1", "nokey", "LEFT"], "_\r\n"),
    ]);
}

#[test]
fn wrong_types_and_argument_errors_come_in_redis_order() {
    let mut h = Harness::new();
    let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    let not_int = "-ERR value is not an integer or out of range\r\n";
    h.expect_all(&[
        (&["SET", "s", "x"], "+OK\r\n"),
        (&["LPUSH", "s", "a"], wrongtype),
        (&["RPUSHX", "s", "a"], wrongtype),
        (&["LPOP", "s"], wrongtype),
        (&["LPOP", "s", "x"], "-ERR value is out of range, must be positive\r\n"),
        (&["LLEN", "s"], wrongtype),
        (&["LRANGE", "s", "0", "1"], wrongtype),
        (&["LRANGE", "nokey", "x", "1"], not_int),
        (&["LINDEX", "nokey", "x"], "$-1\r\n"),
        (&["LINDEX", "s", "x"], wrongtype),
        (&["LSET", "nokey", "x", "v"], "-ERR no such key\r\n"),
        (&["LSET", "s", "x", "v"], wrongtype),
        (&["LINSERT", "nokey", "middle", "a", "b"], "-ERR syntax error\r\n"),
        (&["LINSERT", "nokey", "before", "a", "b"], ":0\r\n"),
        (&["LINSERT", "s", "before", "a", "b"], wrongtype),
        (&["LREM", "nokey", "x", "a"], not_int),
        (&["LREM", "s", "0", "a"], wrongtype),
        (&["LTRIM", "nokey", "x", "1"], not_int),
        (&["LTRIM", "nokey", "0", "1"], "+OK\r\n"),
        (&["LTRIM", "s", "0", "1"], wrongtype),
        (&["LMOVE", "s", "nokey", "left", "left"], wrongtype),
        (&["LMOVE", "nokey", "s", "left", "left"], "$-1\r\n"),
        (&["LMOVE", "nokey", "s", "up", "left"], "-ERR syntax error\r\n"),
        (&["RPUSH", "l", "a"], ":1\r\n"),
        (&["LMOVE", "l", "s", "left", "left"], wrongtype),
        (&["RPOPLPUSH", "s", "l"], wrongtype),
        (&["LRANGE", "l", "0", "-1"], "*1\r\n$1\r\na\r\n"),
        (&["LSET", "l", "x", "v"], not_int),
        (&["LSET", "l", "5", "v"], "-ERR index out of range\r\n"),
    ]);
}

#[test]
fn lindex_lset_linsert_lrem_ltrim() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["RPUSH", "l", "a", "b", "a", "c", "a"], ":5\r\n"),
        (&["LINDEX", "l", "-1"], "$1\r\na\r\n"),
        (&["LINDEX", "l", "1"], "$1\r\nb\r\n"),
        (&["LINDEX", "l", "100"], "$-1\r\n"),
        (&["LSET", "l", "-2", "C"], "+OK\r\n"),
        (&["LINSERT", "l", "BEFORE", "b", "q"], ":6\r\n"),
        (&["LINSERT", "l", "after", "a", "r"], ":7\r\n"),
        (&["LINSERT", "l", "after", "zz", "r"], ":-1\r\n"),
        (
            &["LRANGE", "l", "0", "-1"],
            "*7\r\n$1\r\na\r\n$1\r\nr\r\n$1\r\nq\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nC\r\n$1\r\na\r\n",
        ),
        (&["LREM", "l", "-1", "a"], ":1\r\n"),
        (&["LREM", "l", "0", "zz"], ":0\r\n"),
        (&["LREM", "l", "0", "a"], ":2\r\n"),
        (&["LRANGE", "l", "-100", "100"], "*4\r\n$1\r\nr\r\n$1\r\nq\r\n$1\r\nb\r\n$1\r\nC\r\n"),
        (&["LRANGE", "l", "3", "1"], "*0\r\n"),
        (&["LTRIM", "l", "1", "-2"], "+OK\r\n"),
        (&["LRANGE", "l", "0", "-1"], "*2\r\n$1\r\nq\r\n$1\r\nb\r\n"),
        (&["LTRIM", "l", "1", "0"], "+OK\r\n"),
        (&["EXISTS", "l"], ":0\r\n"),
        (&["RPUSH", "l", "x", "x"], ":2\r\n"),
        (&["LREM", "l", "0", "x"], ":2\r\n"),
        (&["EXISTS", "l"], ":0\r\n"),
    ]);
}

#[test]
fn lpos_follows_redis_including_its_corner_cases() {
    let mut h = Harness::new();
    let rank_zero = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n";
    h.expect_all(&[
        (&["RPUSH", "l", "a", "b", "a", "c", "a"], ":5\r\n"),
        (&["LPOS", "l", "a"], ":0\r\n"),
        (&["LPOS", "l", "a", "RANK", "-1"], ":4\r\n"),
        (&["LPOS", "l", "a", "rank", "-9223372036854775808"], ":4\r\n"),
        (&["LPOS", "l", "a", "rank", "-9223372036854775808", "count", "1"], "*3\r\n:4\r\n:2\r\n:0\r\n"),
        (&["LPOS", "l", "a", "rank", "-9223372036854775807", "count", "1"], "*0\r\n"),
        (&["LPOS", "l", "a", "rank", "9223372036854775807"], "$-1\r\n"),
        (&["LPOS", "l", "a", "rank", "-1", "count", "0", "maxlen", "2"], "*1\r\n:4\r\n"),
        (&["LPOS", "l", "a", "count", "0"], "*3\r\n:0\r\n:2\r\n:4\r\n"),
        (&["LPOS", "l", "a", "maxlen", "0", "count", "2", "rank", "2"], "*2\r\n:2\r\n:4\r\n"),
        (&["LPOS", "l", "a", "RANK", "1", "RANK", "2"], ":2\r\n"),
        (&["LPOS", "l", "a", "rank", "2", "maxlen", "2"], "$-1\r\n"),
        (&["LPOS", "l", "zz", "count", "2"], "*0\r\n"),
        (&["LPOS", "nokey", "a"], "$-1\r\n"),
        (&["LPOS", "nokey", "a", "count", "2"], "*0\r\n"),
        (&["LPOS", "l", "a", "rank", "0"], rank_zero),
        (&["LPOS", "nokey", "a", "rank", "0", "foo"], rank_zero),
        (&["LPOS", "l", "a", "foo", "rank", "0"], "-ERR syntax error\r\n"),
        (&["LPOS", "l", "a", "rank"], "-ERR syntax error\r\n"),
        (&["LPOS", "l", "a", "rank", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["LPOS", "l", "a", "count", "x"], "-ERR COUNT can't be negative\r\n"),
        (&["LPOS", "l", "a", "count", "-1"], "-ERR COUNT can't be negative\r\n"),
        (&["LPOS", "l", "a", "maxlen", "-1"], "-ERR MAXLEN can't be negative\r\n"),
        (&["SET", "s", "a"], "+OK\r\n"),
        (&["LPOS", "s", "a"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ]);
}

#[test]
fn lmove_and_rpoplpush_handle_same_and_new_keys() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["RPUSH", "s", "1", "2", "3"], ":3\r\n"),
        (&["LMOVE", "s", "d", "LEFT", "RIGHT"], "$1\r\n1\r\n"),
        (&["RPOPLPUSH", "s", "d"], "$1\r\n3\r\n"),
        (&["LRANGE", "d", "0", "-1"], "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
        (&["LMOVE", "s", "s", "left", "right"], "$1\r\n2\r\n"),
        (&["LRANGE", "s", "0", "-1"], "*1\r\n$1\r\n2\r\n"),
        (&["RPOPLPUSH", "s", "d"], "$1\r\n2\r\n"),
        (&["EXISTS", "s"], ":0\r\n"),
        (&["RPOPLPUSH", "s", "d"], "$-1\r\n"),
        (&["LLEN", "d"], ":3\r\n"),
    ]);
}

#[test]
fn lmpop_parses_like_redis() {
    let mut h = Harness::new();
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    let count = "-ERR count should be greater than 0\r\n";
    h.expect_all(&[
        (&["RPUSH", "l", "a", "b", "c"], ":3\r\n"),
        (&["LMPOP", "0", "l", "left"], numkeys),
        (&["LMPOP", "x", "l", "left"], numkeys),
        (&["LMPOP", "2", "l", "left"], "-ERR syntax error\r\n"),
        (&["LMPOP", "9223372036854775807", "l", "left"], "-ERR syntax error\r\n"),
        (&["LMPOP", "1", "l", "middle"], "-ERR syntax error\r\n"),
        (&["LMPOP", "1", "l", "left", "count", "0"], count),
        (&["LMPOP", "1", "l", "left", "count", "99999999999999999999"], count),
        (&["LMPOP", "1", "l", "left", "count"], "-ERR syntax error\r\n"),
        (&["LMPOP", "1", "l", "left", "count", "1", "count", "1"], "-ERR syntax error\r\n"),
        (&["LMPOP", "1", "l"], "-ERR wrong number of arguments for 'lmpop' command\r\n"),
        (&["LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"], "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
        (&["LMPOP", "1", "l", "left", "COUNT", "9223372036854775807"], "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"),
        (&["LMPOP", "1", "l", "left"], "*-1\r\n"),
        (&["SET", "s", "x"], "+OK\r\n"),
        (
            &["LMPOP", "2", "nokey", "s", "left"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
    ]);
}

#[test]
fn effects_are_what_redis_propagates() {
    let mut h = Harness::new();
    h.state.effects.enable();
    h.run(&["RPUSH", "l", "1", "2", "3", "4", "5"]);
    effects(&mut h);
    let cases: &[(&[&str], &str)] = &[
        (&["LPOP", "l", "0"], ""),
        (&["LPOP", "l", "1"], "*3 $4 LPOP $1 l $1 1 "),
        (&["LMPOP", "2", "nx", "l", "RIGHT", "COUNT", "3"], "*3 $4 RPOP $1 l $1 3 "),
        (&["LMPOP", "1", "l", "LEFT"], "*3 $4 LPOP $1 l $1 1 "),
        (&["LREM", "l", "0", "zz"], ""),
        (&["LINSERT", "l", "before", "zz", "q"], ""),
        (&["LPUSHX", "nokey", "q"], ""),
        (&["RPOPLPUSH", "nokey", "x"], ""),
        (&["RPUSH", "l", "a", "b"], "*4 $5 RPUSH $1 l $1 a $1 b "),
        (&["LTRIM", "l", "0", "-1"], ""),
        (&["LSET", "l", "0", "q"], "*4 $4 LSET $1 l $1 0 $1 q "),
        (&["BLPOP", "nokey", "l", "0"], "*2 $4 LPOP $1 l "),
        (&["BLMOVE", "l", "d", "RIGHT", "left", "0"], "*5 $5 LMOVE $1 l $1 d $5 RIGHT $4 left "),
        (&["RPUSH", "l", "1", "2"], "*4 $5 RPUSH $1 l $1 1 $1 2 "),
        (&["BRPOPLPUSH", "l", "d", "0"], "*3 $9 RPOPLPUSH $1 l $1 d "),
        (&["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"], "*3 $4 LPOP $1 l $1 1 "),
        (&["LTRIM", "d", "5", "10"], "*4 $5 LTRIM $1 d $1 5 $2 10 "),
    ];
    for (words, expected) in cases {
        h.run(words);
        assert_eq!(effects(&mut h), *expected, "{words:?}");
    }
}

#[test]
fn dirty_counts_match_redis() {
    let mut h = Harness::new();
    let cases: &[(&[&str], u64)] = &[
        (&["RPUSH", "l", "a", "b", "c", "d", "e", "f"], 6),
        (&["LPUSHX", "l", "a", "b"], 2),
        (&["LPOP", "l", "3"], 3),
        (&["LPOP", "l", "0"], 0),
        (&["LINSERT", "l", "BEFORE", "c", "x"], 1),
        (&["LREM", "l", "0", "x"], 1),
        (&["LTRIM", "l", "1", "-2"], 2),
        (&["LMOVE", "l", "l2", "LEFT", "LEFT"], 1),
        (&["LMPOP", "1", "l", "LEFT", "COUNT", "2"], 2),
        (&["BLMPOP", "0", "1", "l2", "LEFT", "COUNT", "2"], 1),
    ];
    for (words, expected) in cases {
        let before = h.state.dirty;
        h.run(words);
        assert_eq!(h.state.dirty - before, *expected, "{words:?}");
    }
}

/// Runs `words` and returns the keyevent names subscriber `id` received, space-separated.
fn events(h: &mut Harness, id: u64, words: &[&str]) -> String {
    h.run(words);
    let raw = pushed(h, id);
    let names: Vec<&str> = raw.split("\r\n").filter_map(|p| p.strip_prefix("__keyevent@0__:")).collect();
    names.join(" ")
}

#[test]
fn keyspace_events_match_redis() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "notify-keyspace-events", "El"]);
    let mut sub = connect(&mut h);
    run_as(&mut h, &mut sub, &["PSUBSCRIBE", "__keyevent*"]);
    let id = sub.id;
    assert_eq!(events(&mut h, id, &["RPUSH", "l", "a", "b"]), "rpush");
    assert_eq!(events(&mut h, id, &["LSET", "l", "0", "x"]), "lset");
    assert_eq!(events(&mut h, id, &["LTRIM", "l", "0", "-1"]), "ltrim");
    assert_eq!(events(&mut h, id, &["LINSERT", "l", "AFTER", "zz", "q"]), "");
    assert_eq!(events(&mut h, id, &["LMOVE", "l", "m", "LEFT", "RIGHT"]), "rpush lpop");
    assert_eq!(events(&mut h, id, &["RPOPLPUSH", "l", "m"]), "lpush rpop");
    h.run(&["CONFIG", "SET", "notify-keyspace-events", "Elg"]);
    assert_eq!(events(&mut h, id, &["LPOP", "m", "5"]), "lpop del");
    assert_eq!(events(&mut h, id, &["LPOP", "m", "5"]), "");
    assert_eq!(events(&mut h, id, &["RPUSH", "s", "1"]), "rpush");
    assert_eq!(events(&mut h, id, &["LMOVE", "s", "s", "LEFT", "RIGHT"]), "rpush lpop");
    assert_eq!(events(&mut h, id, &["LREM", "s", "0", "1"]), "lrem del");
}
