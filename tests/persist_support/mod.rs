//! Helpers shared by the persistence and AOF end-to-end tests.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use rds_testkit::{Client, ServerBuilder, TestServer};

/// Our server binary.
pub fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

/// Starts `program` with its data in `dir` (which outlives the server), save points off unless
/// `extra` sets them, DEBUG enabled.
pub fn start(program: &Path, dir: &Path, extra: &[&str]) -> TestServer {
    let mut args = vec!["--dir", dir.to_str().unwrap(), "--save", "", "--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    ServerBuilder::new(program).args(args).spawn().unwrap()
}

/// Starts `program` on `dir` expecting it to refuse to start; returns its exit status and log.
pub fn start_failing(program: &Path, dir: &Path, extra: &[&str]) -> (std::process::ExitStatus, String) {
    let mut args = vec!["--dir", dir.to_str().unwrap(), "--save", ""];
    args.extend_from_slice(extra);
    let mut server = ServerBuilder::new(program).args(args).no_wait().spawn().unwrap();
    let status = server.wait_exit(Duration::from_secs(20)).expect("the server should have exited");
    (status, server.log())
}

pub fn digest(client: &mut Client) -> String {
    client.cmd_str(&["DEBUG", "DIGEST"])
}

/// Writes every data type in each of its encodings, binary data, TTLs and several databases.
pub fn fill_every_type(c: &mut Client) {
    let ok = |reply: String| assert!(!reply.starts_with('-'), "{reply}");
    ok(c.cmd_str(&["MSET", "int", "12345", "neg", "-5", "big", "12345678901", "emb", "hello", "bin", "a\0b\r\n"]));
    ok(c.cmd_str(&["SET", "long", &"a".repeat(300)]));
    ok(c.cmd_str(&["SET", "random", "kjh9847(*&^%$#@!)_+jkhsdf87234KJHKJHkjh98723"]));
    ok(c.cmd_str(&["RPUSH", "list", "a", "b", "1", "2", "-3"]));
    for chunk in 0..10 {
        let items: Vec<String> = (0..100).map(|i| format!("item-{chunk}-{i}")).collect();
        let mut argv = vec!["RPUSH", "biglist"];
        argv.extend(items.iter().map(String::as_str));
        ok(c.cmd_str(&argv));
    }
    ok(c.cmd_str(&["RPUSH", "biglist", &"x".repeat(10_000)]));
    ok(c.cmd_str(&["HSET", "hash", "f1", "v1", "f2", "2"]));
    for i in 0..600 {
        ok(c.cmd_str(&["HSET", "bighash", &format!("field{i}"), &format!("value{i}")]));
    }
    ok(c.cmd_str(&["SADD", "intset", "1", "2", "3", "-4", "100000000000"]));
    ok(c.cmd_str(&["SADD", "strset", "a", "b", "c"]));
    for i in 0..600 {
        ok(c.cmd_str(&["SADD", "bigintset", &i.to_string()]));
    }
    ok(c.cmd_str(&["ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "1e100", "d"]));
    for i in 0..200 {
        ok(c.cmd_str(&["ZADD", "bigzset", &format!("{}.25", i), &format!("member{i}")]));
    }
    ok(c.cmd_str(&["PFADD", "hll", "a", "b", "c", "d"]));
    ok(c.cmd_str(&["SET", "ttl", "v", "PX", "500000"]));
    ok(c.cmd_str(&["PEXPIRE", "bighash", "400000"]));
    ok(c.cmd_str(&["PEXPIRE", "zset", "300000"]));
    ok(c.cmd_str(&["SELECT", "3"]));
    ok(c.cmd_str(&["SET", "in-db-3", "v"]));
    ok(c.cmd_str(&["RPUSH", "list", "x"]));
    ok(c.cmd_str(&["SELECT", "15"]));
    ok(c.cmd_str(&["SET", "in-db-15", "v"]));
    ok(c.cmd_str(&["SELECT", "0"]));
}

/// PTTL of the keys with a TTL, rounded to seconds (the servers read them at slightly different times).
pub fn ttls(c: &mut Client) -> Vec<i64> {
    ["ttl", "bighash", "zset"]
        .iter()
        .map(|key| c.cmd_str(&["PTTL", key]).trim_start_matches(':').trim().parse::<i64>().unwrap() / 10_000)
        .collect()
}

pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "server.log")
        .collect();
    names.sort();
    names
}

/// A client with a long timeout, for DEBUG POPULATE and saves in a debug build on a busy machine.
pub fn slow_client(server: &TestServer) -> Client {
    let mut client = server.client();
    client.set_timeout(Duration::from_secs(120)).unwrap();
    client
}
