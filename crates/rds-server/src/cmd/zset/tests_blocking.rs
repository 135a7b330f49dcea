//! Unit tests of BZPOPMIN, BZPOPMAX and BZMPOP: several in-process clients, replies and effects as
//! Redis 7.0.15 gives them.

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

/// BZPOPMIN/BZPOPMAX's reply.
fn popped(key: &str, member: &str, score: &str) -> String {
    format!("*3\r\n${}\r\n{key}\r\n${}\r\n{member}\r\n${}\r\n{score}\r\n", key.len(), member.len(), score.len())
}

#[test]
fn waiters_are_served_first_blocked_first() {
    let mut h = Harness::new();
    let first = blocked(&mut h, &["BZPOPMIN", "z", "0"]);
    let second = blocked(&mut h, &["BZPOPMAX", "z", "0"]);
    let third = blocked(&mut h, &["BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"]);
    assert_eq!(h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), ":5\r\n");
    assert_eq!(pushed(&mut h, first.id), popped("z", "a", "1"));
    assert_eq!(pushed(&mut h, second.id), popped("z", "e", "5"));
    assert_eq!(
        pushed(&mut h, third.id),
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(h.run(&["ZRANGE", "z", "0", "-1"]), "*1\r\n$1\r\nd\r\n");
    assert!(h.state.blocking.is_empty());
}

#[test]
fn served_pops_propagate_as_zpop() {
    let mut h = Harness::new();
    h.state.effects.enable();
    let client = blocked(&mut h, &["BZPOPMIN", "a", "b", "0"]);
    let other = blocked(&mut h, &["BZMPOP", "0", "1", "b", "MAX", "COUNT", "5"]);
    h.run(&["ZADD", "b", "1", "x", "2", "y", "3", "z"]);
    assert_eq!(pushed(&mut h, client.id), popped("b", "x", "1"));
    assert_eq!(
        pushed(&mut h, other.id),
        "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"
    );
    let stream = effects(&mut h);
    assert!(stream.ends_with("*2 $7 ZPOPMIN $1 b *3 $7 ZPOPMAX $1 b $1 2 "), "{stream}");
    assert_eq!(h.run(&["EXISTS", "b"]), ":0\r\n");
}

#[test]
fn a_waiter_is_served_from_the_key_that_became_ready() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BZMPOP", "0", "2", "k1", "k2", "MAX", "COUNT", "5"]);
    h.run(&["MULTI"]);
    h.run(&["ZADD", "k2", "1", "a", "2", "b"]);
    h.run(&["ZADD", "k1", "3", "c"]);
    h.run(&["EXEC"]);
    assert_eq!(
        pushed(&mut h, client.id),
        "*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(h.run(&["ZCARD", "k1"]), ":1\r\n");
}

#[test]
fn other_types_leave_waiters_blocked() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BZPOPMIN", "k", "0"]);
    h.run(&["LPUSH", "k", "x"]);
    h.run(&["SET", "k", "string"]);
    assert_eq!(pushed(&mut h, client.id), "");
    assert!(h.state.blocking.is_blocked(client.id));
    h.run(&["DEL", "k"]);
    h.run(&["ZADD", "k", "7", "m"]);
    assert_eq!(pushed(&mut h, client.id), popped("k", "m", "7"));
    // A list waiter is not served by a sorted set.
    let lister = blocked(&mut h, &["BLPOP", "k", "0"]);
    h.run(&["ZADD", "k", "1", "a"]);
    assert_eq!(pushed(&mut h, lister.id), "");
    assert!(h.state.blocking.is_blocked(lister.id));
}

#[test]
fn emptied_in_the_same_transaction_serves_nobody() {
    let mut h = Harness::new();
    let client = blocked(&mut h, &["BZPOPMAX", "k", "0"]);
    h.run(&["MULTI"]);
    h.run(&["ZADD", "k", "1", "a"]);
    h.run(&["ZREM", "k", "a"]);
    assert_eq!(h.run(&["EXEC"]), "*2\r\n:1\r\n:1\r\n");
    assert_eq!(pushed(&mut h, client.id), "");
    assert!(h.state.blocking.is_blocked(client.id));
}

#[test]
fn blocking_pops_inside_exec_reply_null_at_once() {
    let mut h = Harness::new();
    h.run(&["MULTI"]);
    h.run(&["BZPOPMIN", "q", "0"]);
    h.run(&["BZPOPMAX", "q", "0"]);
    h.run(&["BZMPOP", "0", "1", "q", "MIN"]);
    assert_eq!(h.run(&["EXEC"]), "*3\r\n*-1\r\n*-1\r\n*-1\r\n");
    let mut h3 = Harness::new().resp3();
    h3.run(&["MULTI"]);
    h3.run(&["BZMPOP", "0", "1", "q", "MIN"]);
    assert_eq!(h3.run(&["EXEC"]), "*1\r\n_\r\n");
}

#[test]
fn argument_errors_come_before_blocking() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["BZPOPMIN", "k", "x"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BZPOPMIN", "k", "-1"], "-ERR timeout is negative\r\n"),
        (&["BZMPOP", "x", "0", "k", "MIN"], "-ERR numkeys should be greater than 0\r\n"),
        (&["BZMPOP", "x", "1", "k", "MIN"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BZMPOP", "0", "1", "k", "MIN", "COUNT", "0"], "-ERR count should be greater than 0\r\n"),
        (&["BZMPOP", "0", "2", "k", "MIN"], "-ERR syntax error\r\n"),
    ]);
    assert!(h.state.blocking.is_empty());
}
