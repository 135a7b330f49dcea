//! Unit tests of the blocking list commands and CLIENT UNBLOCK: several in-process clients, replies
//! and effects as Redis 7.0.15 gives them.

use super::tests::{connect, effects, pushed, run_as};
use crate::client::Session;
use crate::testing::Harness;

/// A client that sent `words` and is now blocked (its command replied nothing).
fn blocked(h: &mut Harness, words: &[&str]) -> Session {
    let mut client = connect(h);
    assert_eq!(run_as(h, &mut client, words), "", "{words:?} should block");
    assert!(h.state.blocking.is_blocked(client.id));
    client
}

fn popped(key: &str, value: &str) -> String {
    format!("*2\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n", key.len(), value.len())
}

#[test]
fn waiters_are_served_first_blocked_first_one_element_each() {
    let mut h = Harness::new();
    let clients: Vec<Session> = (0..3).map(|_| blocked(&mut h, &["BLPOP", "k", "0"])).collect();
    assert_eq!(h.run(&["LPUSH", "k", "a", "b", "c"]), ":3\r\n");
    for (client, value) in clients.iter().zip(["c", "b", "a"]) {
        assert_eq!(pushed(&mut h, client.id), popped("k", value));
    }
    let clients: Vec<Session> = (0..3).map(|_| blocked(&mut h, &["BLPOP", "k", "0"])).collect();
    assert_eq!(h.run(&["RPUSH", "k", "a", "b", "c", "d"]), ":4\r\n");
    for (client, value) in clients.iter().zip(["a", "b", "c"]) {
        assert_eq!(pushed(&mut h, client.id), popped("k", value));
    }
    assert_eq!(h.run(&["LRANGE", "k", "0", "-1"]), "*1\r\n$1\r\nd\r\n");
    assert!(h.state.blocking.is_empty());
}

#[test]
fn a_transaction_wakes_waiters_only_after_exec() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BLPOP", "k", "0"]);
    h.run(&["MULTI"]);
    h.run(&["LPUSH", "k", "a"]);
    h.run(&["LPUSH", "k", "b"]);
    assert_eq!(pushed(&mut h, client.id), "");
    assert_eq!(h.run(&["EXEC"]), "*2\r\n:1\r\n:2\r\n");
    assert_eq!(pushed(&mut h, client.id), popped("k", "b"));
    assert_eq!(h.run(&["LRANGE", "k", "0", "-1"]), "*1\r\n$1\r\na\r\n");
    h.run(&["DEL", "k"]);
    // A push popped again within the same transaction serves nobody.
    let client = blocked(&mut h, &["BLPOP", "k", "0"]);
    h.run(&["MULTI"]);
    h.run(&["LPUSH", "k", "a"]);
    h.run(&["LPOP", "k"]);
    assert_eq!(h.run(&["EXEC"]), "*2\r\n:1\r\n$1\r\na\r\n");
    assert_eq!(pushed(&mut h, client.id), "");
    assert!(h.state.blocking.is_blocked(client.id));
}

#[test]
fn blocking_commands_inside_exec_reply_their_timeout_at_once() {
    let mut h = Harness::new();
    h.run(&["MULTI"]);
    for words in [
        &["BLPOP", "zz", "0"][..],
        &["BLMOVE", "zz", "yy", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "zz", "yy", "0"],
        &["BLMPOP", "0", "1", "zz", "LEFT"],
    ] {
        assert_eq!(h.run(words), "+QUEUED\r\n");
    }
    assert_eq!(h.run(&["EXEC"]), "*4\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n");
    let mut h3 = Harness::new().resp3();
    h3.run(&["MULTI"]);
    h3.run(&["BLMOVE", "zz", "yy", "LEFT", "LEFT", "0"]);
    assert_eq!(h3.run(&["EXEC"]), "*1\r\n_\r\n");
}

#[test]
fn waiters_survive_type_changes_and_wake_on_renames() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BLPOP", "k", "0"]);
    assert_eq!(h.run(&["SET", "k", "x"]), "+OK\r\n");
    assert_eq!(pushed(&mut h, client.id), "");
    assert!(h.state.blocking.is_blocked(client.id));
    h.run(&["DEL", "k"]);
    h.run(&["LPUSH", "k", "y"]);
    assert_eq!(pushed(&mut h, client.id), popped("k", "y"));
    let client = blocked(&mut h, &["BLPOP", "k", "0"]);
    h.run(&["RPUSH", "src", "r1", "r2"]);
    assert_eq!(h.run(&["RENAME", "src", "k"]), "+OK\r\n");
    assert_eq!(pushed(&mut h, client.id), popped("k", "r1"));
}

#[test]
fn a_waiter_is_served_from_the_key_that_became_ready_first() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BLPOP", "k1", "k2", "0"]);
    h.run(&["MULTI"]);
    h.run(&["LPUSH", "k2", "v2"]);
    h.run(&["LPUSH", "k1", "v1"]);
    h.run(&["EXEC"]);
    assert_eq!(pushed(&mut h, client.id), popped("k2", "v2"));
    assert_eq!(h.run(&["LLEN", "k1"]), ":1\r\n");
}

#[test]
fn blmove_to_a_wrong_type_fails_the_waiter_and_keeps_the_element() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BLMOVE", "a", "dst", "LEFT", "RIGHT", "0"]);
    h.run(&["SET", "dst", "str"]);
    h.run(&["LPUSH", "a", "x"]);
    assert_eq!(pushed(&mut h, client.id), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    assert!(!h.state.blocking.is_blocked(client.id));
    assert_eq!(h.run(&["LRANGE", "a", "0", "-1"]), "*1\r\n$1\r\nx\r\n");
}

#[test]
fn served_commands_propagate_their_non_blocking_effect() {
    let mut h = Harness::new();
    h.state.effects.enable();
    let mover = blocked(&mut h, &["BLMOVE", "a", "b", "RIGHT", "LEFT", "0"]);
    let popper = blocked(&mut h, &["BLPOP", "b", "0"]);
    effects(&mut h);
    h.run(&["LPUSH", "a", "x"]);
    assert_eq!(pushed(&mut h, mover.id), "$1\r\nx\r\n");
    assert_eq!(pushed(&mut h, popper.id), popped("b", "x"));
    assert_eq!(
        effects(&mut h),
        "*2 $6 SELECT $1 0 *3 $5 LPUSH $1 a $1 x *5 $5 LMOVE $1 a $1 b $5 right $4 left *2 $4 LPOP $1 b "
    );
    let client = blocked(&mut h, &["BRPOPLPUSH", "s", "d", "0"]);
    h.run(&["RPUSH", "s", "1", "2"]);
    assert_eq!(pushed(&mut h, client.id), "$1\r\n2\r\n");
    assert_eq!(effects(&mut h), "*4 $5 RPUSH $1 s $1 1 $1 2 *3 $9 RPOPLPUSH $1 s $1 d ");
    let client = blocked(&mut h, &["BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2"]);
    h.run(&["RPUSH", "m2", "1", "2", "3"]);
    assert_eq!(pushed(&mut h, client.id), "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
    assert_eq!(effects(&mut h), "*5 $5 RPUSH $2 m2 $1 1 $1 2 $1 3 *3 $4 RPOP $2 m2 $1 2 ");
    // Pushes of one EXEC are wrapped; the pops served after it are not.
    let first = blocked(&mut h, &["BRPOP", "w", "0"]);
    let second = blocked(&mut h, &["BRPOP", "w", "0"]);
    h.run(&["MULTI"]);
    h.run(&["RPUSH", "w", "1"]);
    h.run(&["RPUSH", "w", "2"]);
    h.run(&["EXEC"]);
    assert_eq!(pushed(&mut h, first.id), popped("w", "2"));
    assert_eq!(pushed(&mut h, second.id), popped("w", "1"));
    assert_eq!(
        effects(&mut h),
        "*1 $5 MULTI *3 $5 RPUSH $1 w $1 1 *3 $5 RPUSH $1 w $1 2 *1 $4 EXEC *2 $4 RPOP $1 w *2 $4 RPOP $1 w "
    );
}

#[test]
fn client_unblock_replies_in_the_targets_protocol() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BLPOP", "u", "0"]);
    let id = client.id.to_string();
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &id]), ":1\r\n");
    assert_eq!(pushed(&mut h, client.id), "*-1\r\n");
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &id]), ":0\r\n");
    let client = blocked(&mut h, &["BLMOVE", "u", "v", "LEFT", "LEFT", "0"]);
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &client.id.to_string(), "timeout"]), ":1\r\n");
    assert_eq!(pushed(&mut h, client.id), "*-1\r\n");
    let client = blocked(&mut h, &["BLMPOP", "0", "1", "u", "LEFT"]);
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &client.id.to_string(), "ERROR"]), ":1\r\n");
    assert_eq!(pushed(&mut h, client.id), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    let mut resp3 = connect(&mut h);
    resp3.reply.protocol = rds_resp::Protocol::Resp3;
    assert_eq!(run_as(&mut h, &mut resp3, &["BRPOPLPUSH", "u", "v", "0"]), "");
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &resp3.id.to_string()]), ":1\r\n");
    assert_eq!(pushed(&mut h, resp3.id), "_\r\n");
    h.expect_all(&[
        (&["CLIENT", "UNBLOCK", "1", "foo"], "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"),
        (&["CLIENT", "UNBLOCK", "x", "foo"], "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"),
        (&["CLIENT", "UNBLOCK", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["CLIENT", "UNBLOCK", "-1"], ":0\r\n"),
        (&["CLIENT", "UNBLOCK", "999999", "error"], ":0\r\n"),
        (
            &["CLIENT", "UnBlock", "1", "timeout", "x"],
            "-ERR unknown subcommand or wrong number of arguments for 'UnBlock'. Try CLIENT HELP.\r\n",
        ),
        (&["CLIENT", "UNBLOCK"], "-ERR wrong number of arguments for 'client|unblock' command\r\n"),
    ]);
}

#[test]
fn timeouts_are_parsed_before_keys_and_fractional() {
    let mut h = Harness::new();
    h.run(&["SET", "s", "x"]);
    h.expect_all(&[
        (&["BLPOP", "s", "x"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BLPOP", "s", "-1"], "-ERR timeout is negative\r\n"),
        (&["BLPOP", "s", "1e100"], "-ERR timeout is negative\r\n"),
        (&["BLPOP", "nokey", "s", "0"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["BLMOVE", "s", "d", "up", "left", "x"], "-ERR syntax error\r\n"),
        (&["BLMOVE", "s", "d", "left", "left", "x"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BRPOPLPUSH", "s", "d", "-0.5"], "-ERR timeout is negative\r\n"),
        (&["BLMPOP", "x", "0", "l", "left"], "-ERR numkeys should be greater than 0\r\n"),
        (&["BLMPOP", "x", "1", "l", "left", "count", "0"], "-ERR count should be greater than 0\r\n"),
        (&["BLMPOP", "x", "1", "l", "left"], "-ERR timeout is not a float or out of range\r\n"),
    ]);
    let client = blocked(&mut h, &["BLPOP", "t", "0.1"]);
    let deadline = h.state.blocking.get(client.id).and_then(|b| b.request.deadline_ms).unwrap();
    let now = crate::state::now_ms();
    assert!(deadline > now && deadline <= now + 100, "{deadline} vs {now}");
    let forever = blocked(&mut h, &["BLPOP", "t", "-0.0001"]);
    assert_eq!(h.state.blocking.get(forever.id).unwrap().request.deadline_ms, None);
}

#[test]
fn a_blocked_command_counts_once_and_reaches_the_slow_log_only_when_served() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    h.run(&["SLOWLOG", "RESET"]);
    let served = blocked(&mut h, &["BLPOP", "t", "0"]);
    let unblocked = blocked(&mut h, &["BLPOP", "t", "0"]);
    h.run(&["RPUSH", "t", "1"]);
    assert_eq!(pushed(&mut h, served.id), popped("t", "1"));
    // The second waiter was retried for that push too, and blocked again.
    assert_eq!(pushed(&mut h, unblocked.id), "");
    assert_eq!(h.run(&["CLIENT", "UNBLOCK", &unblocked.id.to_string()]), ":1\r\n");
    let stats = h.run(&["INFO", "commandstats"]);
    let blpop = stats.lines().find(|line| line.starts_with("cmdstat_blpop:")).unwrap();
    assert!(
        blpop.starts_with("cmdstat_blpop:calls=2,") && blpop.ends_with(",rejected_calls=0,failed_calls=1"),
        "{blpop}"
    );
    let slowlog = h.run(&["SLOWLOG", "GET", "100"]);
    assert_eq!(slowlog.matches("BLPOP").count(), 1, "{slowlog}");
}
