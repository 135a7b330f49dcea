//! Unit tests of the sorted set commands, with replies captured from Redis 7.0.15.

use std::net::SocketAddr;

use bytes::Bytes;

use super::{parse_score, reply_score};
use crate::client::Session;
use crate::dispatch::execute;
use crate::state::now_ms;
use crate::testing::Harness;
use rds_resp::{Protocol, ReplyBuf};

/// Connects one more client to the harness's server.
pub(super) fn connect(h: &mut Harness) -> Session {
    let addr: SocketAddr = "127.0.0.1:40002".parse().unwrap();
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

/// Takes what other clients pushed to `id` (served blocked replies).
pub(super) fn pushed(h: &mut Harness, id: u64) -> String {
    let record = h.state.clients.get_mut(id).unwrap();
    String::from_utf8_lossy(&record.outbox.split()).into_owned()
}

/// The replication stream since the last call, with CRLF shown as spaces.
pub(super) fn effects(h: &mut Harness) -> String {
    String::from_utf8_lossy(&h.state.effects.take()).replace("\r\n", " ")
}

#[test]
fn scores_parse_like_strtod_with_redis_checks() {
    for (text, value) in [
        ("1", 1.0),
        ("-15", -15.0),
        ("123456789012345", 123_456_789_012_345.0),
        ("1.5", 1.5),
        ("+5", 5.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("0x10", 16.0),
        ("-0x1.8p1", -3.0),
        ("0X1P+2", 4.0),
        ("inf", f64::INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
        ("1e-310", 1e-310),
        ("0x1p-1074", 5e-324),
        ("0e-999", 0.0),
    ] {
        assert_eq!(parse_score(text.as_bytes()), Some(value), "{text}");
    }
    for bad in ["", " 1", "1 ", "x", "nan", "1e400", "-1e400", "1e-400", "0x1p5000", "0x1p-5000", "0x", "0x1p", "1\0"] {
        assert_eq!(parse_score(bad.as_bytes()), None, "{bad:?}");
    }
    assert!(parse_score(b"-0").is_some_and(|z| z == 0.0 && z.is_sign_negative()));
}

#[test]
fn scores_reply_as_percent_17g() {
    let cases = [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1.1, "1.1000000000000001"),
        (1e20, "1e+20"),
        (123_456_789_012_345_678.0, "1.2345678901234568e+17"),
        (99_999_999_999_999_984.0, "99999999999999984"),
        (f64::INFINITY, "inf"),
        (-2.5, "-2.5"),
    ];
    for (score, text) in cases {
        let mut out = ReplyBuf::new();
        reply_score(&mut out, score);
        assert_eq!(out.buf.as_ref(), format!("${}\r\n{text}\r\n", text.len()).as_bytes());
        let mut out = ReplyBuf { protocol: Protocol::Resp3, ..ReplyBuf::new() };
        reply_score(&mut out, score);
        assert_eq!(out.buf.as_ref(), format!(",{text}\r\n").as_bytes());
    }
}

#[test]
fn zadd_options_and_errors() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["ZADD", "z", "1", "a", "2", "b"], ":2\r\n"),
        (&["ZADD", "z", "NX", "5", "a", "3", "c"], ":1\r\n"),
        (&["ZADD", "z", "XX", "CH", "5", "a", "4", "d"], ":1\r\n"),
        (&["ZADD", "z", "GT", "CH", "1", "a", "9", "b"], ":1\r\n"),
        (&["ZADD", "z", "LT", "CH", "10", "b", "1", "e"], ":1\r\n"),
        (&["ZADD", "z", "INCR", "2.5", "a"], "$3\r\n7.5\r\n"),
        (&["ZADD", "z", "NX", "INCR", "1", "a"], "$-1\r\n"),
        (&["ZADD", "z", "XX", "INCR", "1", "nosuch"], "$-1\r\n"),
        (&["ZADD", "z", "GT", "INCR", "-1", "a"], "$-1\r\n"),
        (&["ZADD", "z", "NX", "XX", "1", "a"], "-ERR XX and NX options at the same time are not compatible\r\n"),
        (
            &["ZADD", "z", "GT", "LT", "1", "a"],
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
        ),
        (
            &["ZADD", "z", "NX", "GT", "1", "a"],
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
        ),
        (&["ZADD", "z", "INCR", "1", "a", "2", "b"], "-ERR INCR option supports a single increment-element pair\r\n"),
        (&["ZADD", "z", "NX", "XX"], "-ERR syntax error\r\n"),
        (&["ZADD", "z", "1", "a", "NX"], "-ERR syntax error\r\n"),
        (&["ZADD", "z", "x", "a"], "-ERR value is not a valid float\r\n"),
        (&["ZADD", "z", "INCR", "inf", "b"], "$3\r\ninf\r\n"),
        (&["ZADD", "z", "INCR", "-inf", "b"], "-ERR resulting score is not a number (NaN)\r\n"),
        (&["ZINCRBY", "z", "nx", "a"], "-ERR syntax error\r\n"),
        (&["ZINCRBY", "z", "-7.5", "a"], "$1\r\n0\r\n"),
        (&["ZADD", "nokey", "XX", "1", "a"], ":0\r\n"),
        (&["EXISTS", "nokey"], ":0\r\n"),
        (&["SET", "s", "v"], "+OK\r\n"),
        (&["ZADD", "s", "x", "a"], "-ERR value is not a valid float\r\n"),
        (&["ZADD", "s", "1", "a"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ]);
}

#[test]
fn reads_in_both_protocols() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    h.expect_all(&[
        (&["ZCARD", "z"], ":3\r\n"),
        (&["ZSCORE", "z", "b"], "$1\r\n2\r\n"),
        (&["ZMSCORE", "z", "a", "x"], "*2\r\n$1\r\n1\r\n$-1\r\n"),
        (&["ZRANK", "z", "c"], ":2\r\n"),
        (&["ZREVRANK", "z", "c"], ":0\r\n"),
        (&["ZRANK", "z", "x"], "$-1\r\n"),
        (&["ZCOUNT", "z", "(1", "3"], ":2\r\n"),
        (&["ZRANGE", "z", "0", "1", "WITHSCORES"], "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        (&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "1", "1"], "*1\r\n$1\r\nb\r\n"),
        (&["ZRANGE", "z", "0", "-1", "REV", "REV"], "-ERR syntax error\r\n"),
        (
            &["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
        ),
        (&["ZRANGE", "z", "0", "1", "LIMIT", "5", "-1"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (
            &["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"],
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
        ),
        (&["ZRANGE", "nokey", "0", "-1"], "*0\r\n"),
        (&["ZCOUNT", "z", "x", "1"], "-ERR min or max is not a float\r\n"),
        (&["ZLEXCOUNT", "z", "x", "+"], "-ERR min or max not valid string range item\r\n"),
    ]);
    let mut h3 = Harness::new().resp3();
    h3.run(&["ZADD", "z", "1", "a", "2.5", "b"]);
    h3.expect_all(&[
        (&["ZSCORE", "z", "b"], ",2.5\r\n"),
        (&["ZRANGE", "z", "0", "-1", "WITHSCORES"], "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n,1\r\n"),
        (&["ZPOPMAX", "z", "1"], "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (&["ZRANK", "z", "a"], "_\r\n"),
        (&["ZMPOP", "1", "z", "MIN"], "_\r\n"),
    ]);
}

#[test]
fn encodings_follow_the_listpack_limits() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "zset-max-listpack-entries", "2"]);
    h.expect_all(&[
        (&["ZADD", "z", "1", "a", "1", "a", "1", "a"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "z"], "$8\r\nlistpack\r\n"),
        (&["ZADD", "z", "2", "b", "3", "c"], ":2\r\n"),
        (&["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n"),
        (&["ZREM", "z", "a", "b"], ":2\r\n"),
        (&["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n"),
        (&["ZUNIONSTORE", "u", "1", "z"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "u"], "$8\r\nlistpack\r\n"),
        (&["ZADD", "big", "1", "a", "2", "b", "3", "c"], ":3\r\n"),
        (&["ZRANGESTORE", "d", "big", "0", "1"], ":2\r\n"),
        (&["OBJECT", "ENCODING", "d"], "$8\r\nlistpack\r\n"),
        (&["ZRANGESTORE", "d", "big", "0", "-1"], ":3\r\n"),
        (&["OBJECT", "ENCODING", "d"], "$8\r\nskiplist\r\n"),
    ]);
}

#[test]
fn emptied_sets_are_deleted() {
    let mut h = Harness::new();
    for words in [
        &["ZREM", "z", "a", "b"][..],
        &["ZPOPMIN", "z", "5"],
        &["ZREMRANGEBYRANK", "z", "0", "-1"],
        &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
        &["ZREMRANGEBYLEX", "z", "-", "+"],
        &["ZMPOP", "1", "z", "MAX", "COUNT", "2"],
    ] {
        h.run(&["ZADD", "z", "0", "a", "0", "b"]);
        h.run(words);
        assert_eq!(h.run(&["EXISTS", "z"]), ":0\r\n", "{words:?}");
    }
}

#[test]
fn algebra_and_stores() {
    let mut h = Harness::new();
    h.run(&["ZADD", "a", "1", "x", "2", "y"]);
    h.run(&["ZADD", "b", "10", "y", "20", "z"]);
    h.run(&["SADD", "s", "x", "z"]);
    h.expect_all(&[
        (
            &["ZUNION", "2", "a", "b", "WITHSCORES"],
            "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n20\r\n",
        ),
        (&["ZINTER", "2", "a", "s", "WEIGHTS", "3", "1"], "*1\r\n$1\r\nx\r\n"),
        (&["ZINTER", "2", "a", "s", "WEIGHTS", "3", "1", "WITHSCORES"], "*2\r\n$1\r\nx\r\n$1\r\n4\r\n"),
        (&["ZDIFF", "2", "b", "a", "WITHSCORES"], "*2\r\n$1\r\nz\r\n$2\r\n20\r\n"),
        (&["ZINTERCARD", "2", "a", "b"], ":1\r\n"),
        (&["ZINTERCARD", "1", "b", "LIMIT", "1"], ":1\r\n"),
        (&["ZINTERCARD", "1", "b", "LIMIT", "-1"], "-ERR LIMIT can't be negative\r\n"),
        (&["ZUNION", "0", "a"], "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
        (&["ZUNIONSTORE", "d", "0", "a"], "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"),
        (&["ZUNION", "3", "a", "b"], "-ERR syntax error\r\n"),
        (&["ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"], "-ERR weight value is not a float\r\n"),
        (&["ZUNION", "2", "a", "b", "AGGREGATE", "avg"], "-ERR syntax error\r\n"),
        (&["ZDIFF", "1", "a", "AGGREGATE", "MIN"], "-ERR syntax error\r\n"),
        (&["SET", "str", "v"], "+OK\r\n"),
        (&["ZUNION", "2", "str", "a", "BAD"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["SET", "d", "v", "EX", "100"], "+OK\r\n"),
        (&["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "MAX"], ":3\r\n"),
        (&["TTL", "d"], ":-1\r\n"),
        (
            &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
            "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n",
        ),
        (&["ZINTERSTORE", "d", "2", "a", "nokey"], ":0\r\n"),
        (&["EXISTS", "d"], ":0\r\n"),
        (&["ZADD", "inf1", "inf", "m"], ":1\r\n"),
        (&["ZADD", "inf2", "-inf", "m"], ":1\r\n"),
        (&["ZUNION", "2", "inf1", "inf2", "WITHSCORES"], "*2\r\n$1\r\nm\r\n$1\r\n0\r\n"),
    ]);
}

#[test]
fn random_members_and_scan() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    h.expect_all(&[
        (&["ZRANDMEMBER", "z", "5"], "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
        (&["ZRANDMEMBER", "z", "0"], "*0\r\n"),
        (&["ZRANDMEMBER", "nokey"], "$-1\r\n"),
        (&["ZRANDMEMBER", "nokey", "-3"], "*0\r\n"),
        (
            &["ZRANDMEMBER", "z", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (&["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"], "-ERR value is out of range\r\n"),
        (&["ZRANDMEMBER", "z", "1", "WITHSCORE"], "-ERR syntax error\r\n"),
        (&["ZSCAN", "z", "0", "MATCH", "b"], "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        (&["ZSCAN", "z", "x"], "-ERR invalid cursor\r\n"),
        (&["ZSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
    ]);
    let repeated = h.run(&["ZRANDMEMBER", "z", "-50", "WITHSCORES"]);
    assert!(repeated.starts_with("*100\r\n"), "{repeated}");
    let distinct = h.run(&["ZRANDMEMBER", "z", "2"]);
    assert!(distinct.starts_with("*2\r\n"), "{distinct}");
    assert_ne!(distinct.matches("$1\r\na").count() + distinct.matches("$1\r\nb").count(), 0);
}

#[test]
fn effects_are_what_redis_propagates() {
    let mut h = Harness::new();
    h.state.effects.enable();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    effects(&mut h);
    let cases: &[(&[&str], &str)] = &[
        (&["ZADD", "z", "1", "a"], ""),
        (&["ZINCRBY", "z", "0", "a"], ""),
        (&["ZADD", "z", "XX", "1", "nosuch"], ""),
        (&["ZREM", "z", "nosuch"], ""),
        (&["ZPOPMIN", "z", "0"], ""),
        (&["ZPOPMIN", "z"], "*2 $7 ZPOPMIN $1 z "),
        (&["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "10"], "*3 $7 ZPOPMAX $1 z $1 3 "),
        (&["ZADD", "z", "1", "a", "2", "b"], "*6 $4 ZADD $1 z $1 1 $1 a $1 2 $1 b "),
        (&["BZPOPMAX", "nokey", "z", "0"], "*2 $7 ZPOPMAX $1 z "),
        (&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"], "*3 $7 ZPOPMIN $1 z $1 1 "),
        (&["ZRANGESTORE", "d", "nokey", "0", "-1"], ""),
        (&["ZADD", "z", "1", "a"], "*4 $4 ZADD $1 z $1 1 $1 a "),
        (&["ZUNIONSTORE", "d", "1", "z"], "*4 $11 ZUNIONSTORE $1 d $1 1 $1 z "),
        (&["ZRANGESTORE", "d", "nokey", "0", "-1"], "*5 $11 ZRANGESTORE $1 d $5 nokey $1 0 $2 -1 "),
        (&["ZREMRANGEBYSCORE", "z", "5", "6"], ""),
    ];
    for (words, expected) in cases {
        h.run(words);
        assert_eq!(effects(&mut h), *expected, "{words:?}");
    }
}

#[test]
fn multi_key_pops_only_touch_the_popped_key() {
    let mut h = Harness::new();
    h.run(&["ZADD", "b", "1", "x"]);
    let mut watcher = connect(&mut h);
    run_as(&mut h, &mut watcher, &["WATCH", "a"]);
    h.run(&["ZMPOP", "2", "a", "b", "MIN"]);
    run_as(&mut h, &mut watcher, &["MULTI"]);
    run_as(&mut h, &mut watcher, &["PING"]);
    assert_eq!(run_as(&mut h, &mut watcher, &["EXEC"]), "*1\r\n+PONG\r\n");
    h.run(&["ZADD", "b", "1", "x"]);
    run_as(&mut h, &mut watcher, &["WATCH", "b"]);
    h.run(&["BZPOPMIN", "a", "b", "0"]);
    run_as(&mut h, &mut watcher, &["MULTI"]);
    assert_eq!(run_as(&mut h, &mut watcher, &["EXEC"]), "*-1\r\n");
}

#[test]
fn dirty_counts_match_redis() {
    let mut h = Harness::new();
    let cases: &[(&[&str], u64)] = &[
        (&["ZADD", "z", "1", "a", "2", "b", "3", "c"], 3),
        (&["ZADD", "z", "CH", "5", "a", "2", "b", "9", "d"], 2),
        (&["ZREM", "z", "a", "b", "x"], 2),
        (&["ZPOPMAX", "z", "5"], 2),
        (&["ZADD", "z", "1", "a", "2", "b"], 2),
        (&["ZUNIONSTORE", "d", "1", "z"], 1),
        (&["ZREMRANGEBYRANK", "z", "0", "-1"], 2),
        (&["ZUNIONSTORE", "d", "1", "z"], 1),
        (&["ZUNIONSTORE", "d", "1", "z"], 0),
    ];
    for (words, expected) in cases {
        let before = h.state.dirty;
        h.run(words);
        assert_eq!(h.state.dirty - before, *expected, "{words:?}");
    }
}
