//! DEBUG tests. Expected digests and serialized lengths were taken from a real Redis 7.0.15 holding the
//! same data.

use rds_config::Config;
use rds_storage::Value;

use super::{c_atoi, c_strtod, saved_string_len};
use crate::testing::Harness;

const ZERO_DIGEST: &str = "0000000000000000000000000000000000000000";
const PROTECTED: &str = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";

fn debug_enabled(setting: &str) -> Harness {
    let config = Config::from_text(&format!("enable-debug-command {setting}\n"), "").expect("valid config");
    Harness::with_config(config)
}

fn set(h: &mut Harness, db: usize, key: &str, value: &str) {
    h.state.keyspace.dbs[db].set(key.as_bytes(), Value::string(value.as_bytes()), 0);
}

#[test]
fn debug_is_protected_unless_enabled() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["DEBUG", "HELP"], PROTECTED),
        (&["DEBUG", "FOO"], PROTECTED),
        (&["DEBUG"], "-ERR wrong number of arguments for 'debug' command\r\n"),
    ]);
    let mut h = debug_enabled("local");
    h.session.authenticated = false;
    assert!(h.run(&["DEBUG", "HELP"]).starts_with("-NOAUTH"), "local clients pass the protection check");
    h.session.is_local = false;
    assert_eq!(h.run(&["DEBUG", "HELP"]), PROTECTED, "protection is checked before authentication");
    h.session.is_local = true;
    h.session.authenticated = true;
    assert!(h
        .run(&["DEBUG", "HELP"])
        .starts_with("*106\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
}

#[test]
fn digest_matches_redis_and_ignores_insertion_order() {
    let mut h = debug_enabled("yes");
    let empty = format!("+{ZERO_DIGEST}\r\n");
    h.expect_all(&[(&["DEBUG", "DIGEST"], &empty), (&["DEBUG", "DIGEST-VALUE"], "*0\r\n")]);
    set(&mut h, 0, "a", "1");
    h.expect_all(&[
        (&["DEBUG", "DIGEST"], "+943d800368fb9c0e951138f1bc0e313ac769d91f\r\n"),
        (
            &["DEBUG", "DIGEST-VALUE", "a", "b"],
            &format!("*2\r\n+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da\r\n+{ZERO_DIGEST}\r\n"),
        ),
    ]);
    let keys: Vec<(String, String)> = (0..50).map(|i| (format!("key{i}"), format!("value{i}"))).collect();
    let mut forward = debug_enabled("yes");
    let mut backward = debug_enabled("yes");
    for (key, value) in &keys {
        set(&mut forward, 0, key, value);
    }
    for (key, value) in keys.iter().rev() {
        set(&mut backward, 0, key, value);
    }
    let digest = forward.run(&["DEBUG", "DIGEST"]);
    assert_eq!(digest, backward.run(&["DEBUG", "DIGEST"]));
    assert_ne!(digest, empty);
    set(&mut backward, 0, "key7", "changed");
    let changed = backward.run(&["DEBUG", "DIGEST"]);
    assert_ne!(digest, changed, "a different value changes the digest");
    set(&mut backward, 0, "key7", "value7");
    assert_eq!(digest, backward.run(&["DEBUG", "DIGEST"]));
    backward.state.keyspace.dbs[0].set_expire(b"key7", u64::MAX / 2);
    assert_ne!(digest, backward.run(&["DEBUG", "DIGEST"]), "a TTL changes the digest");
    let mut moved = debug_enabled("yes");
    for (key, value) in &keys {
        set(&mut moved, 1, key, value);
    }
    assert_ne!(digest, moved.run(&["DEBUG", "DIGEST"]), "the database number is part of the digest");
}

#[test]
fn object_reports_encoding_refcount_and_rdb_length() {
    let mut h = debug_enabled("yes");
    let cases = [
        ("1", "refcount:2147483647 encoding:int serializedlength:2"),
        ("-1", "refcount:1 encoding:int serializedlength:2"),
        ("9999", "refcount:2147483647 encoding:int serializedlength:3"),
        ("10000", "refcount:1 encoding:int serializedlength:3"),
        ("123456", "refcount:1 encoding:int serializedlength:5"),
        ("12345678901", "refcount:1 encoding:int serializedlength:12"),
        ("hello", "refcount:1 encoding:embstr serializedlength:6"),
    ];
    for (value, expected) in cases {
        set(&mut h, 0, "k", value);
        let reply = h.run(&["DEBUG", "OBJECT", "k"]);
        assert!(reply.starts_with("+Value at:0x"), "{reply}");
        assert!(reply.contains(&format!(" {expected} lru:")), "{value}: {reply}");
        assert!(reply.contains(" lru_seconds_idle:"), "{reply}");
    }
    set(&mut h, 0, "big", &"a".repeat(75));
    assert!(h.run(&["DEBUG", "OBJECT", "big"]).contains(" encoding:raw serializedlength:13 "));
    h.state.keyspace.dbs[0].set(b"raw", Value::Raw(b"hellox".to_vec()), 0);
    assert!(h.run(&["DEBUG", "OBJECT", "raw"]).contains(" refcount:1 encoding:raw serializedlength:7 "));
    h.expect_all(&[
        (&["DEBUG", "OBJECT", "nokey"], "-ERR no such key\r\n"),
        (
            &["DEBUG", "OBJECT"],
            "-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP.\r\n",
        ),
    ]);
}

#[test]
fn serialized_length_compresses_like_redis() {
    let cases: [(String, usize); 9] = [
        ("ab".repeat(40), 14),
        ("abc".repeat(100), 18),
        ("x".repeat(8192), 106),
        ("hello world ".repeat(30), 27),
        ("a".repeat(21), 9),
        ("a".repeat(20), 21),
        ("0123456789".repeat(3), 18),
        ("007".to_string(), 4),
        ("-2147483648".to_string(), 5),
    ];
    for (value, expected) in cases {
        assert_eq!(saved_string_len(value.as_bytes(), true), expected, "{value}");
    }
    assert_eq!(saved_string_len("x".repeat(8192).as_bytes(), false), 8194);
}

#[test]
fn subcommands_reply_like_redis() {
    let mut h = debug_enabled("yes");
    h.expect_all(&[
        (&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n"),
        (
            &["DEBUG", "SET-ACTIVE-EXPIRE"],
            "-ERR unknown subcommand or wrong number of arguments for 'SET-ACTIVE-EXPIRE'. Try DEBUG HELP.\r\n",
        ),
    ]);
    assert!(!h.state.active_expire_enabled);
    h.expect_all(&[(&["debug", "set-active-expire", "2"], "+OK\r\n")]);
    assert!(h.state.active_expire_enabled);
    let started = std::time::Instant::now();
    h.expect_all(&[
        (&["DEBUG", "SLEEP", "0.02"], "+OK\r\n"),
        (&["DEBUG", "SLEEP", "x"], "+OK\r\n"),
        (&["DEBUG", "SLEEP", "-5"], "+OK\r\n"),
        (
            &["DEBUG", "SLEEP", "1", "2"],
            "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n",
        ),
        (&["DEBUG", "foo"], "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n"),
        (
            &["DEBUG", "DIGEST", "x"],
            "-ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.\r\n",
        ),
        (&["DEBUG", "RELOAD", "x"], "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"),
        (&["DEBUG", "ERROR", "FOO bar"], "-FOO bar\r\n"),
        (&["DEBUG", "LOG", "hello"], "+OK\r\n"),
        (&["DEBUG", "CHANGE-REPL-ID"], "+OK\r\n"),
    ]);
    assert!(started.elapsed() >= std::time::Duration::from_millis(20));
}

#[test]
fn populate_creates_missing_keys_only() {
    let mut h = debug_enabled("yes");
    set(&mut h, 0, "key:1", "mine");
    h.expect_all(&[
        (&["DEBUG", "POPULATE", "3"], "+OK\r\n"),
        (&["DEBUG", "POPULATE", "2", "p", "12"], "+OK\r\n"),
        (&["DEBUG", "POPULATE", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (&["DEBUG", "POPULATE", "x"], "-ERR value is out of range, must be positive\r\n"),
        (&["DEBUG", "POPULATE", "2", "p", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (
            &["DEBUG", "POPULATE", "1", "a", "b", "c"],
            "-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.\r\n",
        ),
    ]);
    let db = &h.state.keyspace.dbs[0];
    assert_eq!(db.len(), 5);
    let get = |key: &str| db.peek(key.as_bytes()).and_then(|e| e.value.as_string()).map(<[u8]>::to_vec);
    assert_eq!(get("key:0"), Some(b"value:0".to_vec()));
    assert_eq!(get("key:1"), Some(b"mine".to_vec()));
    assert_eq!(get("p:1"), Some(b"value:1\0\0\0\0\0".to_vec()));
    assert_eq!(h.state.dirty, 0, "POPULATE does not count as changes");
}

#[test]
fn protocol_samples_every_reply_type() {
    let cases: [(&str, &str, &str); 13] = [
        ("string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"),
        ("integer", ":12345\r\n", ":12345\r\n"),
        ("double", "$5\r\n3.141\r\n", ",3.141\r\n"),
        ("bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"),
        ("null", "$-1\r\n", "_\r\n"),
        ("array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"),
        ("set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"),
        ("map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        (
            "attrib",
            "$39\r\nSome real reply following the attribute\r\n",
            "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
        ),
        (
            "push",
            "-ERR RESP2 is not supported by this command\r\n",
            ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n",
        ),
        ("verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"),
        ("true", ":1\r\n", "#t\r\n"),
        ("false", ":0\r\n", "#f\r\n"),
    ];
    let mut resp2 = debug_enabled("yes");
    let mut resp3 = debug_enabled("yes").resp3();
    for (name, two, three) in cases {
        assert_eq!(resp2.run(&["DEBUG", "PROTOCOL", name]), two, "{name}");
        assert_eq!(resp3.run(&["DEBUG", "PROTOCOL", name]), three, "{name}");
    }
    assert!(resp2.run(&["DEBUG", "PROTOCOL", "x"]).starts_with("-ERR Wrong protocol type name."));
}

#[test]
fn c_number_parsing_takes_the_longest_prefix() {
    assert_eq!(c_strtod(b"1.5"), 1.5);
    assert_eq!(c_strtod(b"  2abc"), 2.0);
    assert_eq!(c_strtod(b"x"), 0.0);
    assert_eq!(c_strtod(b""), 0.0);
    assert_eq!(c_atoi(b"12x"), 12);
    assert_eq!(c_atoi(b"-3"), -3);
    assert_eq!(c_atoi(b"x"), 0);
    assert_eq!(c_atoi(b" +7"), 7);
}
