//! Hash command tests; the expected replies were captured from Redis 7.0.15.

use crate::testing::Harness;

fn encoding(h: &mut Harness, key: &str) -> String {
    h.run(&["OBJECT", "ENCODING", key])
}

#[test]
fn set_get_and_delete_reply_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["HSET", "h", "a"], "-ERR wrong number of arguments for 'hset' command\r\n"),
        (&["HSET", "h", "a", "1", "b"], "-ERR wrong number of arguments for 'hset' command\r\n"),
        (&["HMSET", "h", "a"], "-ERR wrong number of arguments for 'hmset' command\r\n"),
        (&["HSET", "h", "a", "1", "b", "2"], ":2\r\n"),
        (&["HSET", "h", "a", "x", "c", "3"], ":1\r\n"),
        (&["HMSET", "h", "d", "4"], "+OK\r\n"),
        (&["HSETNX", "h", "a", "y"], ":0\r\n"),
        (&["HSETNX", "h", "e", "5"], ":1\r\n"),
        (&["HSETNX", "new", "f", "v"], ":1\r\n"),
        (&["HGET", "h", "a"], "$1\r\nx\r\n"),
        (&["HGET", "h", "zz"], "$-1\r\n"),
        (&["HGET", "nokey", "a"], "$-1\r\n"),
        (&["HMGET", "h", "a", "zz", "b"], "*3\r\n$1\r\nx\r\n$-1\r\n$1\r\n2\r\n"),
        (&["HMGET", "nokey", "a", "b"], "*2\r\n$-1\r\n$-1\r\n"),
        (&["HLEN", "h"], ":5\r\n"),
        (&["HLEN", "nokey"], ":0\r\n"),
        (&["HSTRLEN", "h", "a"], ":1\r\n"),
        (&["HSTRLEN", "h", "zz"], ":0\r\n"),
        (&["HEXISTS", "h", "a"], ":1\r\n"),
        (&["HEXISTS", "h", "zz"], ":0\r\n"),
        (&["HKEYS", "h"], "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
        (&["HVALS", "h"], "*5\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
        (&["HGETALL", "new"], "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
        (&["HGETALL", "nokey"], "*0\r\n"),
        (&["HKEYS", "nokey"], "*0\r\n"),
        (&["HDEL", "h", "a", "zz", "b"], ":2\r\n"),
        (&["HDEL", "nokey", "a"], ":0\r\n"),
        (&["HDEL", "h", "c", "d", "e", "f"], ":3\r\n"),
        (&["EXISTS", "h"], ":0\r\n"),
    ]);
}

#[test]
fn wrong_types_are_refused_after_argument_checks() {
    let mut h = Harness::new();
    h.run(&["SET", "s", "x"]);
    let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    for words in [
        &["HSET", "s", "a", "1"][..],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "1"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(h.run(words), wrongtype, "{words:?}");
    }
    h.expect_all(&[
        (&["HSET", "s", "a"], "-ERR wrong number of arguments for 'hset' command\r\n"),
        (&["HINCRBY", "s", "a", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["HINCRBYFLOAT", "s", "a", "x"], "-ERR value is not a valid float\r\n"),
        (&["HRANDFIELD", "s", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["HRANDFIELD", "s", "1", "x"], "-ERR syntax error\r\n"),
        (&["HSCAN", "s", "x"], "-ERR invalid cursor\r\n"),
        (&["HSCAN", "s", "0", "COUNT", "0"], wrongtype),
    ]);
}

#[test]
fn counters_follow_redis_arithmetic_and_texts() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["HSET", "h", "s", "abc", "i", "9223372036854775807", "f", "1.5", "z", "01"], ":4\r\n"),
        (&["HINCRBY", "h", "n", "5"], ":5\r\n"),
        (&["HINCRBY", "h", "n", "-7"], ":-2\r\n"),
        (&["HINCRBY", "h", "s", "1"], "-ERR hash value is not an integer\r\n"),
        (&["HINCRBY", "h", "z", "1"], "-ERR hash value is not an integer\r\n"),
        (&["HINCRBY", "h", "i", "1"], "-ERR increment or decrement would overflow\r\n"),
        (&["HINCRBY", "h", "i", "-1"], ":9223372036854775806\r\n"),
        (&["HINCRBYFLOAT", "h", "f", "0.1"], "$3\r\n1.6\r\n"),
        (&["HINCRBYFLOAT", "h", "i", "1"], "$19\r\n9223372036854775807\r\n"),
        (&["HINCRBYFLOAT", "h", "s", "1"], "-ERR hash value is not a float\r\n"),
        (&["HINCRBYFLOAT", "h", "f", "inf"], "-ERR value is NaN or Infinity\r\n"),
        (&["HINCRBYFLOAT", "h", "f", "nan"], "-ERR value is not a valid float\r\n"),
        (&["HSET", "h", "big", "1e4932"], ":1\r\n"),
        (&["HINCRBYFLOAT", "h", "big", "1e4932"], "-ERR increment would produce NaN or Infinity\r\n"),
        (&["HINCRBYFLOAT", "h", "y", "123456.789"], "$24\r\n123456.78900000000000148\r\n"),
        (&["HINCRBYFLOAT", "new", "f", "2"], "$1\r\n2\r\n"),
        (&["HGET", "new", "f"], "$1\r\n2\r\n"),
    ]);
}

#[test]
fn encodings_convert_like_redis() {
    let mut h = Harness::new();
    let long = "a".repeat(65);
    h.run(&["HSET", "h", "f", "1"]);
    h.run(&["HSETNX", "h", "f", &long]);
    assert_eq!(encoding(&mut h, "h"), "$8\r\nlistpack\r\n", "HSETNX on an existing field changes nothing");
    h.run(&["HINCRBYFLOAT", "h", "f", "1e70"]);
    assert_eq!(encoding(&mut h, "h"), "$9\r\nhashtable\r\n", "a 71-byte result is too long");
    h.run(&["HSETNX", "h2", "f", &long]);
    assert_eq!(encoding(&mut h, "h2"), "$9\r\nhashtable\r\n");
    h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "3"]);
    h.run(&["HSET", "h3", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(encoding(&mut h, "h3"), "$8\r\nlistpack\r\n");
    h.run(&["HSET", "h3", "d", "4"]);
    assert_eq!(encoding(&mut h, "h3"), "$9\r\nhashtable\r\n");
    h.run(&["HDEL", "h3", "a", "b", "c"]);
    assert_eq!(encoding(&mut h, "h3"), "$9\r\nhashtable\r\n", "never converts back");
}

#[test]
fn resp3_replies_use_maps_nulls_and_nested_pairs() {
    let mut h = Harness::new().resp3();
    h.run(&["HSET", "h", "a", "1"]);
    h.expect_all(&[
        (&["HGETALL", "h"], "%1\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&["HGETALL", "nokey"], "%0\r\n"),
        (&["HGET", "h", "x"], "_\r\n"),
        (&["HMGET", "h", "x"], "*1\r\n_\r\n"),
        (&["HRANDFIELD", "nokey"], "_\r\n"),
        (&["HRANDFIELD", "h", "5", "WITHVALUES"], "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&["HRANDFIELD", "h", "-2", "WITHVALUES"], "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&["HSCAN", "h", "0"], "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    ]);
}

#[test]
fn hrandfield_counts_and_limits() {
    let mut h = Harness::new();
    h.run(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    h.expect_all(&[
        (&["HRANDFIELD", "h", "0"], "*0\r\n"),
        (&["HRANDFIELD", "h", "0", "WITHVALUES"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "3"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "0", "foo"], "-ERR syntax error\r\n"),
        (&["HRANDFIELD", "h", "1", "WITHVALUES", "x"], "-ERR syntax error\r\n"),
        (
            &["HRANDFIELD", "h", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (&["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"], "-ERR value is out of range\r\n"),
        (&["HRANDFIELD", "h", "4611686018427387904", "withvalues"], "-ERR value is out of range\r\n"),
        (&["HRANDFIELD", "h", "3"], "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (
            &["HRANDFIELD", "h", "4611686018427387903", "WITHVALUES"],
            "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
        ),
    ]);
    for count in ["1", "2", "-1", "-5"] {
        let reply = h.run(&["HRANDFIELD", "h", count]);
        let expected = count.trim_start_matches('-');
        assert!(reply.starts_with(&format!("*{expected}\r\n")), "{count}: {reply}");
    }
    let reply = h.run(&["HRANDFIELD", "h", "-4", "WITHVALUES"]);
    assert!(reply.starts_with("*8\r\n"), "{reply}");
    let single = h.run(&["HRANDFIELD", "h"]);
    assert!(["$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"].contains(&single.as_str()), "{single}");
}

#[test]
fn hscan_of_a_table_walks_every_field_once() {
    let mut h = Harness::new();
    for i in 0..600 {
        h.run(&["HSET", "h", &format!("f{i}"), &format!("v{i}")]);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = h.run(&["HSCAN", "h", &cursor, "COUNT", "20", "MATCH", "f1*"]);
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        for pair in lines[4..].chunks(4).filter(|c| c.len() == 4) {
            assert_eq!(pair[1][1..], pair[3][1..], "values follow their fields");
            seen.insert(pair[1].to_string());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 111, "f1, f10..f19, f100..f199");
    h.expect_all(&[
        (&["HSCAN", "nokey", "0", "COUNT", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
        (&["HSCAN", "h", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
        (&["HSCAN", "h", "0", "TYPE", "string"], "-ERR syntax error\r\n"),
        (&["HSCAN", "h", "0", "COUNT"], "-ERR syntax error\r\n"),
    ]);
}

#[test]
fn effects_and_dirty_follow_redis() {
    let mut h = Harness::new();
    h.state.effects.enable();
    h.run(&["HSET", "h", "f", "1"]);
    h.run(&["HSET", "h", "f", "1"]);
    h.run(&["HINCRBYFLOAT", "h", "f", "0.5"]);
    h.run(&["HSETNX", "h", "f", "x"]);
    h.run(&["HDEL", "h", "nofield"]);
    h.run(&["HDEL", "h", "f"]);
    let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n\
                    *4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\n1\r\n\
                    *4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\n1\r\n\
                    *4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$3\r\n1.5\r\n\
                    *3\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\nf\r\n";
    assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
    assert_eq!(h.state.dirty, 4);
    assert_eq!(h.run(&["EXISTS", "h"]), ":0\r\n");
}

/// DEBUG DIGEST-VALUE of `key`, computed from the stored value.
pub(crate) fn digest(h: &Harness, key: &str) -> String {
    let entry = h.state.keyspace.dbs[0].peek(key.as_bytes()).expect("key exists");
    crate::sha1::to_hex(&crate::cmd::debug::digest::value_digest([0; 20], &entry.value, false))
}

#[test]
fn digest_matches_redis() {
    let mut h = Harness::new();
    h.run(&["HSET", "h2", "f", "1"]);
    h.run(&["HINCRBY", "h2", "f", "1"]);
    h.run(&["HINCRBYFLOAT", "h2", "g", "1e3"]);
    assert_eq!(digest(&h, "h2"), "0df04abce8b394e6f69f75380013c27310ee595f");
    h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "0"]);
    h.run(&["HSET", "table", "f", "2", "g", "1000"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "table"]), "$9\r\nhashtable\r\n");
    assert_eq!(digest(&h, "table"), "0df04abce8b394e6f69f75380013c27310ee595f");
}

#[test]
fn hrandfield_of_a_listpack_answers_distinct_fields_in_listpack_order() {
    let mut h = Harness::new();
    let mut args = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..20 {
        args.push(format!("f{i:02}"));
        args.push(format!("{i}"));
    }
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    h.run(&words);
    for _ in 0..20 {
        let reply = h.run(&["HRANDFIELD", "h", "7", "WITHVALUES"]);
        let lines: Vec<&str> = reply.split("\r\n").collect();
        assert_eq!(lines[0], "*14");
        let fields: Vec<&str> = lines[1..].iter().skip(1).step_by(4).copied().collect();
        assert_eq!(fields.len(), 7);
        assert!(fields.windows(2).all(|pair| pair[0] < pair[1]), "{fields:?}");
    }
}

#[test]
fn repeated_picks_stop_at_the_output_limit_and_close_the_client() {
    let mut h = Harness::new();
    h.run(&["HSET", "h", "a", "1", "b", "2"]);
    h.run(&["SADD", "s", "x", "y"]);
    assert_eq!(h.run(&["CONFIG", "SET", "client-output-buffer-limit", "normal 4kb 0 0"]), "+OK\r\n");
    for words in [&["HRANDFIELD", "h", "-9223372036854775807"][..], &["SRANDMEMBER", "s", "-9223372036854775807"]] {
        h.session.close_after_reply = false;
        let reply = h.run(words);
        assert!(reply.len() > 4096 && reply.len() < 4200, "{words:?}: {} bytes", reply.len());
        assert!(h.session.close_after_reply, "{words:?}");
    }
}
