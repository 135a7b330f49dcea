//! Set command tests; the expected replies were captured from Redis 7.0.15.

use crate::cmd::hash::tests::digest;
use crate::testing::Harness;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

fn encoding(h: &mut Harness, key: &str) -> String {
    h.run(&["OBJECT", "ENCODING", key])
}

#[test]
fn membership_replies_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["SADD", "s", "3", "1", "2", "1"], ":3\r\n"),
        (&["SADD", "s", "1"], ":0\r\n"),
        (&["SCARD", "s"], ":3\r\n"),
        (&["SCARD", "nokey"], ":0\r\n"),
        (&["SISMEMBER", "s", "2"], ":1\r\n"),
        (&["SISMEMBER", "s", "02"], ":0\r\n"),
        (&["SISMEMBER", "nokey", "2"], ":0\r\n"),
        (&["SMISMEMBER", "s", "1", "x", "3"], "*3\r\n:1\r\n:0\r\n:1\r\n"),
        (&["SMISMEMBER", "nokey", "a", "b"], "*2\r\n:0\r\n:0\r\n"),
        (&["SMEMBERS", "s"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (&["SMEMBERS", "nokey"], "*0\r\n"),
        (&["SREM", "s", "1", "x"], ":1\r\n"),
        (&["SREM", "nokey", "1"], ":0\r\n"),
        (&["SREM", "s", "2", "3", "4"], ":2\r\n"),
        (&["EXISTS", "s"], ":0\r\n"),
    ]);
}

#[test]
fn wrong_types_and_argument_errors() {
    let mut h = Harness::new();
    h.run(&["SET", "str", "x"]);
    h.run(&["SADD", "s", "1", "2", "3"]);
    for words in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "0"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "-5"],
        &["SINTER", "s", "nokey", "str"],
        &["SINTER", "nokey", "str"],
        &["SUNION", "nokey", "str"],
        &["SDIFF", "nokey", "str"],
        &["SINTERSTORE", "d", "nokey", "str"],
        &["SINTERCARD", "2", "nokey", "str"],
        &["SMOVE", "s", "str", "1"],
        &["SMOVE", "str", "s", "1"],
        &["SSCAN", "str", "0"],
    ] {
        assert_eq!(h.run(words), WRONGTYPE, "{words:?}");
    }
    h.expect_all(&[
        (&["SMOVE", "nokey", "str", "a"], ":0\r\n"),
        (&["SPOP", "str", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (&["SPOP", "s", "x"], "-ERR value is out of range, must be positive\r\n"),
        (&["SPOP", "s", "1", "2"], "-ERR syntax error\r\n"),
        (&["SRANDMEMBER", "s", "1", "2"], "-ERR syntax error\r\n"),
        (
            &["SRANDMEMBER", "s", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (&["SINTERCARD", "0", "s"], "-ERR numkeys should be greater than 0\r\n"),
        (&["SINTERCARD", "x", "s"], "-ERR numkeys should be greater than 0\r\n"),
        (&["SINTERCARD", "9223372036854775808", "s"], "-ERR numkeys should be greater than 0\r\n"),
        (&["SINTERCARD", "3", "s", "t"], "-ERR Number of keys can't be greater than number of args\r\n"),
        (&["SINTERCARD", "1", "s", "LIMIT", "-1"], "-ERR LIMIT can't be negative\r\n"),
        (&["SINTERCARD", "1", "s", "LIMIT", "x"], "-ERR LIMIT can't be negative\r\n"),
        (&["SINTERCARD", "1", "s", "LIMIT"], "-ERR syntax error\r\n"),
        (&["SINTERCARD", "1", "s", "foo", "1"], "-ERR syntax error\r\n"),
        (&["SSCAN", "s", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
        (&["SSCAN", "nokey", "0", "COUNT", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
        (&["SSCAN", "s", "x"], "-ERR invalid cursor\r\n"),
    ]);
}

#[test]
fn algebra_replies_like_redis() {
    let mut h = Harness::new();
    h.run(&["SADD", "s", "3", "1", "2"]);
    h.run(&["SADD", "t", "a", "b", "2"]);
    h.run(&["SADD", "u", "5", "2", "1"]);
    h.expect_all(&[
        (&["SINTER", "s", "t"], "*1\r\n$1\r\n2\r\n"),
        (&["SINTER", "s", "u"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SINTER", "s", "nokey"], "*0\r\n"),
        (&["SINTER", "nokey"], "*0\r\n"),
        (&["SDIFF", "s", "t"], "*2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
        (&["SDIFF", "s", "nokey", "u"], "*1\r\n$1\r\n3\r\n"),
        (&["SDIFF", "nokey", "s"], "*0\r\n"),
        (&["SUNION", "s", "u"], "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n"),
        (&["SINTERCARD", "2", "s", "u"], ":2\r\n"),
        (&["SINTERCARD", "2", "s", "u", "LIMIT", "1"], ":1\r\n"),
        (&["SINTERCARD", "2", "s", "u", "LIMIT", "0"], ":2\r\n"),
        (&["SINTERCARD", "2", "s", "nokey"], ":0\r\n"),
        (&["SINTERSTORE", "d", "s", "u"], ":2\r\n"),
        (&["SMEMBERS", "d"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SUNIONSTORE", "d", "s", "t"], ":5\r\n"),
        (&["SCARD", "d"], ":5\r\n"),
        (&["SDIFFSTORE", "d", "s", "u"], ":1\r\n"),
        (&["SMEMBERS", "d"], "*1\r\n$1\r\n3\r\n"),
        (&["SINTERSTORE", "d", "s", "nokey"], ":0\r\n"),
        (&["EXISTS", "d"], ":0\r\n"),
        (&["SET", "str", "x", "EX", "100"], "+OK\r\n"),
        (&["SUNIONSTORE", "str", "s"], ":3\r\n"),
        (&["TTL", "str"], ":-1\r\n"),
        (&["SDIFFSTORE", "str", "s", "s"], ":0\r\n"),
        (&["EXISTS", "str"], ":0\r\n"),
    ]);
    assert_eq!(encoding(&mut h, "t"), "$9\r\nhashtable\r\n");
    h.run(&["SINTERSTORE", "d", "t", "s"]);
    assert_eq!(encoding(&mut h, "d"), "$6\r\nintset\r\n", "an all-integer result is an intset");
}

#[test]
fn difference_picks_redis_algorithm_and_so_its_encoding() {
    let mut h = Harness::new();
    let first: Vec<String> = (0..600).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "a"];
    args.extend(first.iter().map(String::as_str));
    h.run(&args);
    let mut args = vec!["SADD", "b"];
    args.extend(first.iter().take(100).map(String::as_str));
    h.run(&args);
    h.run(&["SADD", "c", "599"]);
    // Probing costs 600*3/2 = 900 > copying 701: Redis copies `a` (a hashtable) and removes.
    assert_eq!(h.run(&["SDIFFSTORE", "d", "a", "b", "c"]), ":499\r\n");
    assert_eq!(encoding(&mut h, "d"), "$9\r\nhashtable\r\n");
    // Probing costs 600*2/2 = 600 <= 700: only the kept members are added.
    assert_eq!(h.run(&["SDIFFSTORE", "d", "a", "b"]), ":500\r\n");
    assert_eq!(encoding(&mut h, "d"), "$6\r\nintset\r\n");
}

#[test]
fn smove_moves_and_checks_like_redis() {
    let mut h = Harness::new();
    h.run(&["SADD", "src", "1", "2"]);
    h.run(&["SADD", "dst", "2"]);
    h.expect_all(&[
        (&["SMOVE", "src", "src", "1"], ":1\r\n"),
        (&["SMOVE", "src", "src", "9"], ":0\r\n"),
        (&["SMOVE", "src", "dst", "9"], ":0\r\n"),
        (&["SMOVE", "src", "dst", "2"], ":1\r\n"),
        (&["SMEMBERS", "dst"], "*1\r\n$1\r\n2\r\n"),
        (&["SMOVE", "src", "new", "1"], ":1\r\n"),
        (&["EXISTS", "src"], ":0\r\n"),
        (&["SMEMBERS", "new"], "*1\r\n$1\r\n1\r\n"),
    ]);
    assert_eq!(encoding(&mut h, "new"), "$6\r\nintset\r\n");
}

#[test]
fn spop_and_srandmember_reply_like_redis() {
    let mut h = Harness::new();
    h.run(&["SADD", "s", "1", "2", "3"]);
    h.expect_all(&[
        (&["SPOP", "s", "0"], "*0\r\n"),
        (&["SPOP", "nokey", "5"], "*0\r\n"),
        (&["SPOP", "nokey"], "$-1\r\n"),
        (&["SRANDMEMBER", "nokey"], "$-1\r\n"),
        (&["SRANDMEMBER", "nokey", "-5"], "*0\r\n"),
        (&["SRANDMEMBER", "s", "0"], "*0\r\n"),
        (&["SRANDMEMBER", "s", "10"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (&["SPOP", "s", "100"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (&["EXISTS", "s"], ":0\r\n"),
    ]);
    h.run(&["SADD", "s", "a", "b", "c", "d", "e"]);
    assert!(h.run(&["SRANDMEMBER", "s", "-7"]).starts_with("*7\r\n"));
    assert!(h.run(&["SRANDMEMBER", "s", "2"]).starts_with("*2\r\n"));
    assert!(h.run(&["SPOP", "s", "2"]).starts_with("*2\r\n"));
    assert!(h.run(&["SPOP", "s"]).starts_with("$1\r\n"));
    assert_eq!(h.run(&["SCARD", "s"]), ":2\r\n");
    // A hashtable of integers pops whole as a sorted intset-built reply, as Redis's SUNION would.
    h.run(&["DEL", "s"]);
    h.run(&["SADD", "s", "30", "x", "10", "20"]);
    h.run(&["SREM", "s", "x"]);
    assert_eq!(h.run(&["SPOP", "s", "3"]), "*3\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n");
}

#[test]
fn resp3_uses_sets_except_for_srandmember() {
    let mut h = Harness::new().resp3();
    h.run(&["SADD", "s", "1", "2"]);
    h.expect_all(&[
        (&["SMEMBERS", "s"], "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SMEMBERS", "nokey"], "~0\r\n"),
        (&["SINTER", "s", "nokey"], "~0\r\n"),
        (&["SUNION", "s"], "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SDIFF", "s", "nokey"], "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SRANDMEMBER", "s", "5"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        (&["SPOP", "nokey"], "_\r\n"),
        (&["SPOP", "s", "0"], "~0\r\n"),
        (&["SPOP", "s", "5"], "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
    ]);
}

#[test]
fn spop_propagates_its_effects() {
    let mut h = Harness::new();
    h.run(&["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    h.state.effects.enable();
    let popped = h.run(&["SPOP", "s", "3"]);
    let members: Vec<&str> = popped.split("\r\n").skip(2).step_by(2).filter(|m| !m.is_empty()).collect();
    assert_eq!(members.len(), 3);
    let mut expected = String::from("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n");
    for member in &members {
        expected.push_str(&format!("*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n${}\r\n{member}\r\n", member.len()));
    }
    expected.push_str("*1\r\n$4\r\nEXEC\r\n");
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
    let single = h.run(&["SPOP", "s"]);
    let member = single.split("\r\n").nth(1).unwrap_or_default().to_string();
    let expected = format!("*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n${}\r\n{member}\r\n", member.len());
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
    h.run(&["SPOP", "s", "100"]);
    h.run(&["SPOP", "s", "100"]);
    h.run(&["SUNIONSTORE", "d", "nokey"]);
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), "*2\r\n$3\r\nDEL\r\n$1\r\ns\r\n");
}

#[test]
fn encodings_and_digest_match_redis() {
    let mut h = Harness::new();
    h.run(&["SADD", "s1", "a"]);
    h.run(&["SADD", "s3", "01"]);
    h.run(&["SADD", "s4", "-1", "9223372036854775807"]);
    assert_eq!(encoding(&mut h, "s1"), "$9\r\nhashtable\r\n");
    assert_eq!(encoding(&mut h, "s3"), "$9\r\nhashtable\r\n");
    assert_eq!(encoding(&mut h, "s4"), "$6\r\nintset\r\n");
    assert_eq!(digest(&h, "s4"), "8eb61d728ce163423b86a25635fe7fcfaefc960e");
    h.run(&["SADD", "s5", "x", "-1", "9223372036854775807"]);
    h.run(&["SREM", "s5", "x"]);
    assert_eq!(encoding(&mut h, "s5"), "$9\r\nhashtable\r\n");
    assert_eq!(digest(&h, "s5"), "8eb61d728ce163423b86a25635fe7fcfaefc960e");
}

#[test]
fn sscan_of_a_table_walks_every_member_once() {
    let mut h = Harness::new();
    for i in 0..300 {
        h.run(&["SADD", "s", &format!("m{i}")]);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = h.run(&["SSCAN", "s", &cursor, "COUNT", "7"]);
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        seen.extend(lines[4..].iter().skip(1).step_by(2).filter(|m| !m.is_empty()).map(|m| m.to_string()));
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 300);
    h.run(&["SADD", "ints", "3", "1", "2"]);
    assert_eq!(h.run(&["SSCAN", "ints", "77", "MATCH", "[12]"]), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

#[test]
fn spop_of_most_members_keeps_a_rebuilt_set_and_answers_in_set_order() {
    let mut h = Harness::new();
    h.run(&["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "x"]);
    h.run(&["SREM", "s", "x"]);
    h.run(&["EXPIRE", "s", "100"]);
    assert_eq!(encoding(&mut h, "s"), "$9\r\nhashtable\r\n");
    // 1 stays, 9 go: Redis moves the one that stays into a new set, which is an intset again.
    assert!(h.run(&["SPOP", "s", "9"]).starts_with("*9\r\n"));
    assert_eq!((encoding(&mut h, "s"), h.run(&["TTL", "s"])), ("$6\r\nintset\r\n".into(), ":100\r\n".into()));
    h.run(&["DEL", "s"]);
    h.run(&["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]);
    h.state.effects.enable();
    let reply = h.run(&["SPOP", "s", "10"]);
    let popped: Vec<i64> = reply.split("\r\n").skip(2).step_by(2).filter_map(|m| m.parse().ok()).collect();
    assert_eq!(popped.len(), 10);
    assert!(popped.windows(2).all(|pair| pair[0] < pair[1]), "an intset answers in ascending order: {popped:?}");
    let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
    assert_eq!(effects.matches("SREM").count(), 10);
    assert_eq!(h.run(&["SCARD", "s"]), ":2\r\n");
}
