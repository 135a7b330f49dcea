//! SORT and SORT_RO against replies captured from Redis 7.0.15. Values are built directly in the
//! keyspace, so these tests need no other command family.

use rds_storage::hash::{Hash, HashLimits};
use rds_storage::list::{End, List, DEFAULT_FILL};
use rds_storage::set::{Set, SetLimits};
use rds_storage::zset::{AddFlags, ZSet, ZSetLimits};
use rds_storage::Value;

use crate::testing::Harness;

fn put(h: &mut Harness, key: &str, value: Value) {
    h.state.keyspace.dbs[0].set(key.as_bytes(), value, 0);
}

fn list(h: &mut Harness, key: &str, items: &[&str]) {
    let mut list = List::new(DEFAULT_FILL);
    for item in items {
        list.push(End::Tail, item.as_bytes());
    }
    put(h, key, Value::List(Box::new(list)));
}

fn set(h: &mut Harness, key: &str, members: &[&str]) {
    let mut set = Set::new();
    for member in members {
        set.insert(member.as_bytes(), &SetLimits::default());
    }
    put(h, key, Value::Set(set));
}

fn zset(h: &mut Harness, key: &str, members: &[(f64, &str)]) {
    let mut zset = ZSet::new();
    for (score, member) in members {
        zset.add(member.as_bytes(), *score, AddFlags::default(), &ZSetLimits::default()).expect("valid score");
    }
    put(h, key, Value::ZSet(Box::new(zset)));
}

fn hash(h: &mut Harness, key: &str, pairs: &[(&str, &str)]) {
    let mut hash = Hash::new();
    for (field, value) in pairs {
        hash.set(field.as_bytes(), value.as_bytes(), &HashLimits::default());
    }
    put(h, key, Value::Hash(hash));
}

/// The RESP2 array of bulk strings (`None`: nil).
fn array(items: &[Option<&str>]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for item in items {
        match item {
            Some(text) => out.push_str(&format!("${}\r\n{text}\r\n", text.len())),
            None => out.push_str("$-1\r\n"),
        }
    }
    out
}

fn strings(items: &[&str]) -> String {
    array(&items.iter().map(|s| Some(*s)).collect::<Vec<_>>())
}

/// The list stored at `key`, head to tail.
fn stored(h: &mut Harness, key: &str) -> Vec<String> {
    match h.state.keyspace.dbs[0].peek(key.as_bytes()).map(|e| &e.value) {
        Some(Value::List(list)) => list.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn sorts_lists_numerically_and_alphabetically() {
    let mut h = Harness::new();
    list(&mut h, "l", &["3", "1", "2", "10", "-0", "0x10", " 7", ".5", "inf", ""]);
    h.expect_all(&[
        (&["SORT", "l"], &strings(&["", "-0", ".5", "1", "2", "3", " 7", "10", "0x10", "inf"])),
        (&["SORT", "l", "DESC"], &strings(&["inf", "0x10", "10", " 7", "3", "2", "1", ".5", "-0", ""])),
        (&["SORT", "l", "ALPHA"], &strings(&["", " 7", "-0", ".5", "0x10", "1", "10", "2", "3", "inf"])),
        (&["SORT", "l", "LIMIT", "1", "2"], &strings(&["-0", ".5"])),
        (&["SORT", "l", "LIMIT", "-5", "2"], &strings(&["", "-0"])),
        (
            &["SORT", "l", "LIMIT", "2", "9223372036854775807"],
            &strings(&[".5", "1", "2", "3", " 7", "10", "0x10", "inf"]),
        ),
        (&["SORT", "l", "LIMIT", "10", "1"], "*0\r\n"),
        (&["SORT", "l", "LIMIT", "0", "0"], "*0\r\n"),
        (&["SORT", "l", "BY", "nosort"], &strings(&["3", "1", "2", "10", "-0", "0x10", " 7", ".5", "inf", ""])),
        (&["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"], &strings(&["inf", ".5"])),
        (&["SORT", "nokey"], "*0\r\n"),
        (&["SORT_RO", "l", "LIMIT", "0", "3", "ASC"], &strings(&["", "-0", ".5"])),
    ]);
}

#[test]
fn alpha_compares_c_strings_unless_storing() {
    let mut h = Harness::new();
    list(&mut h, "l", &["a\0b", "b", "a\0a", "a", "\u{e9}", "Z"]);
    let reply = h.run_bytes(&[b"SORT", b"l", b"ALPHA"]);
    assert_eq!(reply, b"*6\r\n$1\r\nZ\r\n$3\r\na\0b\r\n$3\r\na\0a\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\n\xc3\xa9\r\n");
    assert_eq!(h.run(&["SORT", "l", "ALPHA", "STORE", "d"]), ":6\r\n");
    assert_eq!(stored(&mut h, "d"), ["Z", "a", "a\0a", "a\0b", "b", "\u{e9}"]);
}

#[test]
fn errors_match_redis() {
    let mut h = Harness::new();
    list(&mut h, "l", &["1", "x"]);
    h.run(&["SET", "s", "v"]);
    h.expect_all(&[
        (&["SORT", "l"], "-ERR One or more scores can't be converted into double\r\n"),
        (&["SORT", "l", "LIMIT", "0", "0"], "-ERR One or more scores can't be converted into double\r\n"),
        (&["SORT", "l", "STORE", "d"], "-ERR One or more scores can't be converted into double\r\n"),
        (&["EXISTS", "d"], ":0\r\n"),
        (&["SORT", "l", "LIMIT", "1"], "-ERR syntax error\r\n"),
        (&["SORT", "l", "LIMIT", "x", "1"], "-ERR value is not an integer or out of range\r\n"),
        (&["SORT", "l", "LIMIT", "1", " 1"], "-ERR value is not an integer or out of range\r\n"),
        (&["SORT", "l", "STORE"], "-ERR syntax error\r\n"),
        (&["SORT", "l", "BY"], "-ERR syntax error\r\n"),
        (&["SORT", "l", "GET"], "-ERR syntax error\r\n"),
        (&["SORT", "l", "foo"], "-ERR syntax error\r\n"),
        (&["SORT_RO", "l", "STORE", "d"], "-ERR syntax error\r\n"),
        (&["SORT", "s"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["SORT", "s", "foo"], "-ERR syntax error\r\n"),
        (&["SORT"], "-ERR wrong number of arguments for 'sort' command\r\n"),
        (&["SORT_RO"], "-ERR wrong number of arguments for 'sort_ro' command\r\n"),
        (&["SORT", "l", "ALPHA"], &strings(&["1", "x"])),
    ]);
}

#[test]
fn by_and_get_patterns() {
    let mut h = Harness::new();
    list(&mut h, "l", &["1", "2", "3"]);
    h.run(&["SET", "w_1", "30"]);
    h.run(&["SET", "w_2", "10"]);
    h.run(&["SET", "w_3", "20"]);
    hash(&mut h, "h_1", &[("f", "c"), ("g", "x")]);
    hash(&mut h, "h_2", &[("f", "a")]);
    hash(&mut h, "h_3", &[("f", "b")]);
    h.expect_all(&[
        (&["SORT", "l", "BY", "w_*"], &strings(&["2", "3", "1"])),
        (&["SORT", "l", "BY", "h_*->f", "ALPHA"], &strings(&["2", "3", "1"])),
        (&["SORT", "l", "BY", "h_*->f"], "-ERR One or more scores can't be converted into double\r\n"),
        (&["SORT", "l", "BY", "missing_*"], &strings(&["1", "2", "3"])),
        (&["SORT", "l", "BY", "h_*", "DESC"], &strings(&["3", "2", "1"])),
        (
            &["SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->g", "GET", "w_*", "GET", "nothing"],
            &array(&[
                Some("2"),
                None,
                Some("10"),
                None,
                Some("3"),
                None,
                Some("20"),
                None,
                Some("1"),
                Some("x"),
                Some("30"),
                None,
            ]),
        ),
        (&["SORT", "l", "GET", "h_*->"], &array(&[None, None, None])),
        (&["SORT", "l", "GET", "w_*", "STORE", "d"], ":3\r\n"),
        (&["SORT", "l", "GET", "h_*->g", "STORE", "d2"], ":3\r\n"),
    ]);
    assert_eq!(stored(&mut h, "d"), ["30", "10", "20"]);
    assert_eq!(stored(&mut h, "d2"), ["x", "", ""]);
    let resp3 = &mut Harness::new().resp3();
    list(resp3, "l", &["1"]);
    assert_eq!(resp3.run(&["SORT", "l", "GET", "x_*"]), "*1\r\n_\r\n");
}

#[test]
fn sorted_sets_keep_score_order_with_nosort_and_become_skiplists() {
    let mut h = Harness::new();
    zset(&mut h, "z", &[(1.0, "30"), (2.0, "10"), (3.0, "20"), (4.0, "5"), (5.0, "b")]);
    h.expect_all(&[
        (&["OBJECT", "ENCODING", "z"], "$8\r\nlistpack\r\n"),
        (&["SORT_RO", "z", "BY", "nosort"], &strings(&["30", "10", "20", "5", "b"])),
        (&["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n"),
        (&["SORT", "z"], "-ERR One or more scores can't be converted into double\r\n"),
        (&["SORT", "z", "ALPHA"], &strings(&["10", "20", "30", "5", "b"])),
        (&["SORT", "z", "BY", "nosort", "DESC"], &strings(&["b", "5", "20", "10", "30"])),
        (&["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"], &strings(&["10", "20"])),
        (&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"], &strings(&["5", "20"])),
        (&["SORT", "z", "BY", "nosort", "LIMIT", "4", "5"], &strings(&["b"])),
        (&["SORT", "z", "BY", "nosort", "LIMIT", "5", "1"], "*0\r\n"),
        (
            &["SORT", "z", "ALPHA", "DESC", "LIMIT", "0", "3", "GET", "#", "GET", "w_*"],
            &array(&[Some("b"), None, Some("5"), None, Some("30"), None]),
        ),
        (&["SORT", "z", "BY", "nosort", "STORE", "zs"], ":5\r\n"),
    ]);
    assert_eq!(stored(&mut h, "zs"), ["30", "10", "20", "5", "b"]);
}

#[test]
fn sets_are_sorted_before_being_stored() {
    let mut h = Harness::new();
    set(&mut h, "s", &["b", "a", "c"]);
    set(&mut h, "is", &["3", "1", "2"]);
    h.expect_all(&[
        (&["SORT", "s", "BY", "nosort", "STORE", "ss"], ":3\r\n"),
        (&["SORT", "is", "BY", "nosort"], &strings(&["1", "2", "3"])),
        (&["SORT", "is", "BY", "nosort", "DESC"], &strings(&["1", "2", "3"])),
        (&["SORT", "is", "BY", "nosort", "LIMIT", "1", "1"], &strings(&["2"])),
        (&["SORT", "s", "ALPHA", "DESC"], &strings(&["c", "b", "a"])),
    ]);
    assert_eq!(stored(&mut h, "ss"), ["a", "b", "c"]);
    h.run(&["SORT", "s", "BY", "nosort", "DESC", "STORE", "ss"]);
    assert_eq!(stored(&mut h, "ss"), ["c", "b", "a"]);
}

/// A 40-element list whose BY keys are mostly missing (all equal under ALPHA): with a partial LIMIT,
/// Redis's partial quicksort leaves the ties in this exact order.
#[test]
fn ties_under_a_partial_limit_follow_redis_quicksort() {
    let mut h = Harness::new();
    let items = [
        "-50",
        "0",
        "13",
        "3",
        "-9",
        "-12",
        "-36",
        "9007199254740993",
        "ab",
        "-32",
        "a",
        "19",
        "-15",
        "-10",
        "32",
        "23",
        " 7",
        "11",
        "-4",
        "ab",
        "12",
        "19",
        "007",
        "0",
        "-50",
        "39",
        "-44",
        "5.",
        "39",
        "e",
        "46",
        "15",
        "a\0c",
        "9007199254740993",
        "42",
        "-49",
        "19",
        "-23",
        "-6",
        "-0",
    ];
    list(&mut h, "K", &items);
    hash(&mut h, "h_12", &[("f", "b")]);
    hash(&mut h, "h_-36", &[("f", "1.0")]);
    hash(&mut h, "h_-0", &[("f", "x\0z")]);
    let expected = [
        "-4",
        "ab",
        "-50",
        "19",
        "007",
        "0",
        "-50",
        "39",
        "-44",
        "5.",
        "39",
        "e",
        "46",
        "15",
        "a\0c",
        "9007199254740993",
        "42",
        "-49",
    ];
    assert_eq!(h.run(&["SORT", "K", "LIMIT", "18", "18", "BY", "h_*->f", "ALPHA"]), strings(&expected));
    // Without LIMIT the sort is stable: ties keep list order.
    let full = h.run(&["SORT", "K", "BY", "h_*->f", "ALPHA"]);
    let mut stable: Vec<&str> = items.iter().copied().filter(|e| !["12", "-36", "-0"].contains(e)).collect();
    stable.extend(["-36", "12", "-0"]);
    assert_eq!(full, strings(&stable));
}

#[test]
fn store_replicates_only_real_changes() {
    let mut h = Harness::new();
    list(&mut h, "l", &["2", "1"]);
    h.state.effects.enable();
    assert_eq!(h.run(&["SORT", "l"]), strings(&["1", "2"]));
    assert_eq!(h.run(&["SORT", "nokey", "STORE", "d"]), ":0\r\n");
    assert!(h.state.effects.take().is_empty());
    assert_eq!(h.run(&["SORT", "l", "STORE", "d"]), ":2\r\n");
    let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
    assert!(effects.ends_with("*4\r\n$4\r\nSORT\r\n$1\r\nl\r\n$5\r\nSTORE\r\n$1\r\nd\r\n"), "{effects}");
    assert_eq!(h.run(&["SORT", "nokey", "STORE", "d"]), ":0\r\n");
    assert_eq!(&h.state.effects.take()[..], b"*4\r\n$4\r\nSORT\r\n$5\r\nnokey\r\n$5\r\nSTORE\r\n$1\r\nd\r\n");
    assert_eq!(h.run(&["EXISTS", "d"]), ":0\r\n");
}

#[test]
fn store_replaces_the_destination_and_its_ttl() {
    let mut h = Harness::new();
    list(&mut h, "l", &["b", "a"]);
    h.run(&["SET", "d", "x"]);
    h.run(&["EXPIRE", "d", "100"]);
    h.expect_all(&[
        (&["SORT", "l", "ALPHA", "STORE", "d"], ":2\r\n"),
        (&["TTL", "d"], ":-1\r\n"),
        (&["TYPE", "d"], "+list\r\n"),
        (&["OBJECT", "ENCODING", "d"], "$9\r\nquicklist\r\n"),
        (&["SORT", "l", "ALPHA", "STORE", "l"], ":2\r\n"),
    ]);
    assert_eq!(stored(&mut h, "l"), ["a", "b"]);
}

#[test]
fn getkeys_finds_the_store_destination() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["COMMAND", "GETKEYS", "SORT", "k", "STORE", "d"], &strings(&["k", "d"])),
        (&["COMMAND", "GETKEYS", "SORT", "k", "GET", "store", "BY", "x"], &strings(&["k"])),
        (&["COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "x"], &strings(&["k"])),
    ]);
}

#[test]
fn cluster_mode_refuses_by_and_get_patterns() {
    let config = rds_config::Config::from_text("cluster-enabled yes\n", "").expect("valid config");
    let mut h = Harness::with_config(config);
    list(&mut h, "{t}l", &["3", "1", "2"]);
    h.expect_all(&[
        (&["SORT", "{t}l"], &strings(&["1", "2", "3"])),
        (&["SORT", "{t}l", "BY", "w*"], "-ERR BY option of SORT denied in Cluster mode.\r\n"),
        (&["SORT_RO", "{t}l", "BY", "{t}w*"], "-ERR BY option of SORT denied in Cluster mode.\r\n"),
        (&["SORT", "{t}l", "BY", "nosort"], &strings(&["3", "1", "2"])),
        (&["SORT", "{t}l", "GET", "#"], "-ERR GET option of SORT denied in Cluster mode.\r\n"),
        (&["SORT", "{t}l", "foo", "BY", "w*"], "-ERR syntax error\r\n"),
        (&["SORT", "{t}l", "BY", "w*", "foo"], "-ERR BY option of SORT denied in Cluster mode.\r\n"),
    ]);
}
