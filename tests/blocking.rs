//! End-to-end tests of the blocking list commands over real sockets: FIFO service among waiters,
//! fractional timeouts, MULTI/EXEC waking waiters only at EXEC, CLIENT UNBLOCK, waiters that
//! disconnect, and redis-py's BLPOP. Each scenario runs against our `rds-server` and, when it is
//! installed, a real `redis-server` 7.0, and both must give the same replies.
//!
//! Scenarios wait for a client to be blocked by polling `INFO clients` (`blocked_clients`), never by
//! sleeping a guessed time; every read has a timeout, so a hung server fails the test instead of
//! stalling it, and servers are killed when their `TestServer` drops.

#![allow(clippy::unwrap_used)]

use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rds_testkit::diff::on_both;
use rds_testkit::{require_python_redis, require_redis, wait_until, Client, ServerBuilder, TestServer};

/// Our server binary.
fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

fn spawn(program: &Path) -> TestServer {
    ServerBuilder::new(program).args(["--save", "", "--appendonly", "no"]).spawn().unwrap()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The `blocked_clients` field of INFO clients.
fn blocked_clients(client: &mut Client) -> usize {
    let info = client.cmd_str(&["INFO", "clients"]);
    info.lines()
        .find_map(|line| line.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(usize::MAX)
}

/// Waits until exactly `n` clients are blocked.
fn wait_blocked(client: &mut Client, n: usize) {
    assert!(wait_until(Duration::from_secs(5), || blocked_clients(client) == n), "{n} clients never blocked");
}

/// Sends `args` from a new connection that is then blocked (the caller waits for it).
fn send_blocking(port: u16, args: &[&str]) -> Client {
    let mut client = Client::connect(port).unwrap();
    client.send_cmd(args).unwrap();
    client
}

/// True when no reply arrives within a short while.
fn nothing_yet(client: &mut Client) -> bool {
    client.set_timeout(Duration::from_millis(150)).unwrap();
    let quiet = client.try_read_reply().is_err();
    client.set_timeout(Duration::from_secs(5)).unwrap();
    quiet
}

fn fifo_scenario(port: u16) -> Vec<String> {
    let mut main = Client::connect(port).unwrap();
    let mut transcript = Vec::new();
    for (push, pops) in [("LPUSH", ["BLPOP", "BLPOP", "BRPOP"]), ("RPUSH", ["BRPOP", "BLPOP", "BLPOP"])] {
        let mut waiters = Vec::new();
        for (n, pop) in pops.iter().enumerate() {
            waiters.push(send_blocking(port, &[pop, "k", "0"]));
            wait_blocked(&mut main, n + 1);
        }
        transcript.push(main.cmd_str(&[push, "k", "a", "b", "c", "d"]));
        for waiter in &mut waiters {
            transcript.push(text(waiter.read_raw_reply()));
        }
        transcript.push(main.cmd_str(&["LRANGE", "k", "0", "-1"]));
        main.cmd(&["DEL", "k"]);
    }
    transcript
}

#[test]
fn waiters_on_one_key_are_served_first_blocked_first() {
    let transcript = on_both(&rds(), fifo_scenario);
    let popped = |v: &str| format!("*2\r\n$1\r\nk\r\n$1\r\n{v}\r\n");
    assert_eq!(transcript[1..4], [popped("d"), popped("c"), popped("a")]);
    assert_eq!(transcript[4], "*1\r\n$1\r\nb\r\n");
    assert_eq!(transcript[6..9], [popped("d"), popped("a"), popped("b")]);
}

fn timeout_scenario(port: u16) -> Vec<String> {
    let mut client = Client::connect(port).unwrap();
    let mut resp3 = Client::connect(port).unwrap();
    resp3.cmd(&["HELLO", "3"]);
    let mut transcript = Vec::new();
    let commands: [&[&str]; 5] = [
        &["BLPOP", "nokey", "0.1"],
        &["BRPOP", "nokey", "other", "0.1"],
        &["BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.1"],
        &["BRPOPLPUSH", "nokey", "dst", "0.1"],
        &["BLMPOP", "0.1", "1", "nokey", "LEFT", "COUNT", "2"],
    ];
    for command in commands {
        for connection in [&mut client, &mut resp3] {
            let start = Instant::now();
            transcript.push(text(connection.cmd(command)));
            let waited = start.elapsed();
            assert!(waited >= Duration::from_millis(95), "{command:?} returned after {waited:?}");
            assert!(waited < Duration::from_secs(2), "{command:?} returned after {waited:?}");
        }
    }
    transcript.push(client.cmd_str(&["EXISTS", "dst"]));
    transcript
}

#[test]
fn fractional_timeouts_reply_null_after_the_timeout() {
    let transcript = on_both(&rds(), timeout_scenario);
    for pair in transcript[..10].chunks(2) {
        assert_eq!(pair, ["*-1\r\n", "_\r\n"]);
    }
    assert_eq!(transcript[10], ":0\r\n");
}

fn multi_scenario(port: u16) -> Vec<String> {
    let mut main = Client::connect(port).unwrap();
    let mut waiter = send_blocking(port, &["BLPOP", "k", "0"]);
    wait_blocked(&mut main, 1);
    let mut transcript =
        vec![main.cmd_str(&["MULTI"]), main.cmd_str(&["LPUSH", "k", "a"]), main.cmd_str(&["LPUSH", "k", "b"])];
    assert!(nothing_yet(&mut waiter), "the waiter was served before EXEC");
    transcript.push(main.cmd_str(&["EXEC"]));
    transcript.push(text(waiter.read_raw_reply()));
    transcript.push(main.cmd_str(&["LRANGE", "k", "0", "-1"]));
    transcript
}

#[test]
fn a_push_inside_multi_wakes_the_waiter_only_after_exec() {
    let transcript = on_both(&rds(), multi_scenario);
    assert_eq!(transcript[3], "*2\r\n:1\r\n:2\r\n");
    assert_eq!(transcript[4], "*2\r\n$1\r\nk\r\n$1\r\nb\r\n");
    assert_eq!(transcript[5], "*1\r\n$1\r\na\r\n");
}

fn unblock_scenario(port: u16) -> Vec<String> {
    let mut main = Client::connect(port).unwrap();
    let mut waiter = Client::connect(port).unwrap();
    let id = waiter.cmd_str(&["CLIENT", "ID"]).trim_start_matches(':').trim().to_string();
    let mut transcript = Vec::new();
    for (command, reason) in [
        (&["BLPOP", "u", "0"][..], None),
        (&["BLMOVE", "u", "v", "LEFT", "LEFT", "0"], Some("TIMEOUT")),
        (&["BLMPOP", "0", "1", "u", "LEFT"], Some("ERROR")),
    ] {
        waiter.send_cmd(command).unwrap();
        wait_blocked(&mut main, 1);
        let mut unblock = vec!["CLIENT", "UNBLOCK", id.as_str()];
        unblock.extend(reason);
        transcript.push(main.cmd_str(&unblock));
        transcript.push(text(waiter.read_raw_reply()));
    }
    transcript.push(main.cmd_str(&["CLIENT", "UNBLOCK", &id]));
    transcript.push(waiter.cmd_str(&["PING"]));
    transcript
}

#[test]
fn client_unblock_ends_a_wait_with_a_timeout_or_an_error() {
    let transcript = on_both(&rds(), unblock_scenario);
    assert_eq!(
        transcript,
        [
            ":1\r\n",
            "*-1\r\n",
            ":1\r\n",
            "*-1\r\n",
            ":1\r\n",
            "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
            ":0\r\n",
            "+PONG\r\n"
        ]
    );
}

fn disconnect_scenario(port: u16) -> Vec<String> {
    let mut main = Client::connect(port).unwrap();
    let gone = send_blocking(port, &["BLPOP", "k", "0"]);
    wait_blocked(&mut main, 1);
    let mut stays = send_blocking(port, &["BLPOP", "k", "0"]);
    wait_blocked(&mut main, 2);
    gone.stream().shutdown(Shutdown::Both).unwrap();
    drop(gone);
    wait_blocked(&mut main, 1);
    let mut transcript = vec![main.cmd_str(&["RPUSH", "k", "x", "y"])];
    transcript.push(text(stays.read_raw_reply()));
    transcript.push(main.cmd_str(&["LRANGE", "k", "0", "-1"]));
    // The only waiter leaves: the next push stays in the list.
    let alone = send_blocking(port, &["BLPOP", "q", "0"]);
    wait_blocked(&mut main, 1);
    alone.stream().shutdown(Shutdown::Both).unwrap();
    drop(alone);
    wait_blocked(&mut main, 0);
    transcript.push(main.cmd_str(&["LPUSH", "q", "kept"]));
    transcript.push(main.cmd_str(&["LRANGE", "q", "0", "-1"]));
    transcript
}

#[test]
fn a_waiter_that_disconnects_does_not_lose_the_next_element() {
    let transcript = on_both(&rds(), disconnect_scenario);
    assert_eq!(
        transcript,
        [":2\r\n", "*2\r\n$1\r\nk\r\n$1\r\nx\r\n", "*1\r\n$1\r\ny\r\n", ":1\r\n", "*1\r\n$4\r\nkept\r\n"]
    );
}

/// redis-py: BLPOP timing out, served at once, and served by a push from another client while it
/// waits; BRPOPLPUSH and BLMOVE timing out. Prints OK when every check passes.
const REDIS_PY_BLPOP: &str = r#"
import sys, threading, redis
port = int(sys.argv[1])
r = redis.Redis(port=port, socket_timeout=10)
pusher = redis.Redis(port=port, socket_timeout=10)
r.delete("q", "d")
assert r.blpop(["q"], timeout=0.1) is None
r.rpush("q", "x")
assert r.blpop(["nokey", "q"], timeout=1) == (b"q", b"x")
timer = threading.Timer(0.2, lambda: pusher.rpush("q", "y", "z"))
timer.start()
assert r.blpop("q", timeout=5) == (b"q", b"y")
timer.join()
assert r.brpop("q", timeout=1) == (b"q", b"z")
assert r.brpoplpush("q", "d", timeout=0.1) is None
assert r.blmove("q", "d", 0.1, "LEFT", "RIGHT") is None
print("OK")
"#;

#[test]
fn redis_py_blpop_works() {
    let Some(python) = require_python_redis() else {
        return;
    };
    let mut programs = vec![rds()];
    if let Some(bins) = require_redis() {
        programs.push(bins.server);
    }
    for program in programs {
        let server = spawn(&program);
        let output = Command::new(&python).args(["-c", REDIS_PY_BLPOP, &server.port().to_string()]).output().unwrap();
        assert!(
            output.status.success() && output.stdout.starts_with(b"OK"),
            "{} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            program.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
