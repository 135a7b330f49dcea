//! Server command tests; expected replies were checked against a real Redis 7.0.15.

use rds_storage::Value;

use crate::testing::Harness;

fn set(h: &mut Harness, db: usize, key: &str) {
    h.state.keyspace.dbs[db].set(key.as_bytes(), Value::string(b"v"), 0);
}

#[test]
fn dbsize_and_flushes_reply_and_count_changes_like_redis() {
    let mut h = Harness::new();
    h.state.effects.enable();
    set(&mut h, 0, "a");
    set(&mut h, 0, "b");
    set(&mut h, 2, "c");
    h.expect_all(&[
        (&["DBSIZE"], ":2\r\n"),
        (&["DBSIZE", "x"], "-ERR wrong number of arguments for 'dbsize' command\r\n"),
        (&["FLUSHDB", "x"], "-ERR syntax error\r\n"),
        (&["FLUSHDB", "async", "sync"], "-ERR syntax error\r\n"),
        (&["FLUSHALL", "foo"], "-ERR syntax error\r\n"),
        (&["FLUSHDB", "ASYNC"], "+OK\r\n"),
        (&["DBSIZE"], ":0\r\n"),
    ]);
    assert_eq!(h.state.dirty, 2);
    assert_eq!(h.state.keyspace.dbs[2].len(), 1);
    h.expect_all(&[(&["FLUSHDB"], "+OK\r\n"), (&["flushall", "sync"], "+OK\r\n")]);
    assert_eq!(h.state.dirty, 3);
    assert_eq!(h.state.keyspace.total_keys(), 0);
    h.expect_all(&[(&["FLUSHALL"], "+OK\r\n")]);
    let effects = h.state.effects.take();
    let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$7\r\nFLUSHDB\r\n$5\r\nASYNC\r\n*1\r\n$7\r\nFLUSHDB\r\n*2\r\n$8\r\nflushall\r\n$4\r\nsync\r\n*1\r\n$8\r\nFLUSHALL\r\n";
    assert_eq!(effects, expected.as_bytes(), "flushes replicate even when nothing was removed");
}

#[test]
fn time_and_lastsave() {
    let mut h = Harness::new();
    let reply = h.run(&["TIME"]);
    let parts: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(parts[0], "*2");
    let secs: u64 = parts[2].parse().expect("seconds");
    let micros: u64 = parts[4].parse().expect("microseconds");
    assert!(secs > 1_600_000_000 && micros < 1_000_000, "{reply}");
    h.state.last_save_secs = 1_795_265_530;
    h.expect_all(&[
        (&["LASTSAVE"], ":1795265530\r\n"),
        (&["TIME", "x"], "-ERR wrong number of arguments for 'time' command\r\n"),
    ]);
}

#[test]
fn shutdown_checks_its_flags_then_closes_without_reply() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["SHUTDOWN", "abort"], "-ERR No shutdown in progress.\r\n"),
        (&["SHUTDOWN", "foo"], "-ERR syntax error\r\n"),
        (&["SHUTDOWN", "nosave", "save"], "-ERR syntax error\r\n"),
        (&["SHUTDOWN", "abort", "now"], "-ERR syntax error\r\n"),
    ]);
    assert!(!h.state.shutdown_requested);
    h.expect_all(&[(&["SHUTDOWN", "NOSAVE", "NOW", "FORCE"], "")]);
    assert!(h.state.shutdown_requested && h.session.close_after_reply);
}

#[test]
fn monitor_registers_the_client_once() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["MONITOR", "x"], "-ERR wrong number of arguments for 'monitor' command\r\n"),
        (&["MONITOR"], "+OK\r\n"),
        (&["MONITOR"], ""),
    ]);
    let id = h.session.id;
    assert_eq!(h.state.monitors, vec![id]);
    assert!(h.state.clients.get(id).is_some_and(|c| c.monitor));
}

#[test]
fn config_commands_reply_like_redis() {
    let mut h = Harness::new();
    // Above any real reading: every command raises the peak to the memory in use.
    h.state.stats.peak_memory = 1 << 50;
    h.expect_all(&[
        (&["CONFIG", "SET", "hz", "20"], "+OK\r\n"),
        (&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"),
        (&["CONFIG", "GET", "nonexist"], "*0\r\n"),
        (&["CONFIG", "SET", "a"], "-ERR wrong number of arguments for 'config|set' command\r\n"),
        (&["CONFIG", "SET", "a", "b", "c"], "-ERR syntax error\r\n"),
        (&["CONFIG", "SET", "foo", "bar"], "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"),
        (
            &["CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"],
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter\r\n",
        ),
        (&["CONFIG", "GET"], "-ERR wrong number of arguments for 'config|get' command\r\n"),
        (&["CONFIG", "REWRITE"], "-ERR The server is running without a config file\r\n"),
        (&["CONFIG", "RESETSTAT", "x"], "-ERR wrong number of arguments for 'config|resetstat' command\r\n"),
        (&["CONFIG", "RESETSTAT"], "+OK\r\n"),
        (&["CONFIG"], "-ERR wrong number of arguments for 'config' command\r\n"),
    ]);
    assert_eq!(h.state.settings.hz, 20);
    assert_eq!(h.state.stats.peak_memory, 1 << 50, "RESETSTAT keeps the memory peak");
    assert_eq!(h.state.stats.commands_processed, 1, "RESETSTAT cleared the counters, then counted itself");
    assert!(h
        .run(&["CONFIG", "HELP"])
        .starts_with("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    let mut h = Harness::new().resp3();
    h.expect_all(&[(&["CONFIG", "GET", "hz"], "%1\r\n$2\r\nhz\r\n$2\r\n10\r\n")]);
}

#[test]
fn slowlog_records_and_replies_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["SLOWLOG", "GET", "x"], "-ERR count should be greater than or equal to -1\r\n"),
        (&["SLOWLOG", "GET", "-2"], "-ERR count should be greater than or equal to -1\r\n"),
        (
            &["SLOWLOG", "GET", "1", "2"],
            "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n",
        ),
        (&["SLOWLOG", "LEN", "x"], "-ERR wrong number of arguments for 'slowlog|len' command\r\n"),
        (&["SLOWLOG", "foo"], "-ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n"),
        (&["SLOWLOG", "GET", "-1"], "*0\r\n"),
        (&["CONFIG", "SET", "slowlog-log-slower-than", "0"], "+OK\r\n"),
        (&["DBSIZE"], ":0\r\n"),
        (&["SLOWLOG", "LEN"], ":2\r\n"),
    ]);
    let reply = h.run(&["SLOWLOG", "GET", "1"]);
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(&lines[..3], ["*1", "*6", ":2"], "the newest entry is SLOWLOG LEN: {reply}");
    assert!(lines[3].trim_start_matches(':').parse::<u64>().is_ok() && lines[4].starts_with(':'), "{reply}");
    let args = ["*2", "$7", "SLOWLOG", "$3", "LEN", "$15", "127.0.0.1:40000", "$0", "", ""];
    assert_eq!(&lines[5..], args, "{reply}");
    h.expect_all(&[(&["SLOWLOG", "RESET"], "+OK\r\n"), (&["SLOWLOG", "LEN"], ":1\r\n")]);
    assert!(h
        .run(&["SLOWLOG", "HELP"])
        .starts_with("*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
}

#[test]
fn latency_reports_events_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[(&["LATENCY", "LATEST"], "*0\r\n"), (&["LATENCY", "RESET"], ":0\r\n")]);
    h.state.latency.record("command", 50, 1_795_265_599, 1);
    h.state.latency.record("command", 20, 1_795_265_599, 1);
    h.state.latency.record("command", 30, 1_795_265_600, 1);
    h.expect_all(&[
        (&["LATENCY", "LATEST"], "*1\r\n*4\r\n$7\r\ncommand\r\n:1795265600\r\n:30\r\n:50\r\n"),
        (&["LATENCY", "HISTORY", "command"], "*2\r\n*2\r\n:1795265599\r\n:50\r\n*2\r\n:1795265600\r\n:30\r\n"),
        (&["LATENCY", "HISTORY", "COMMAND"], "*0\r\n"),
        (&["LATENCY", "HISTORY"], "-ERR wrong number of arguments for 'latency|history' command\r\n"),
        (&["LATENCY", "RESET", "command", "foo"], ":1\r\n"),
        (&["LATENCY", "LATEST"], "*0\r\n"),
    ]);
    assert!(h
        .run(&["LATENCY", "HELP"])
        .starts_with("*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
}
