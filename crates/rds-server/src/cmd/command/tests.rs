//! COMMAND replies checked against redis-server 7.0.15.

use crate::testing::Harness;

/// The commands whose replies `rds-commands/tests/data/capture.py` captured from redis-server 7.0.15.
const SAMPLE: [&str; 8] = ["get", "set", "mset", "config|get", "ping", "del", "client|list", "keys"];

fn run_with_sample(h: &mut Harness, subcommand: &str) -> Vec<u8> {
    let mut argv: Vec<&[u8]> = vec![b"COMMAND", subcommand.as_bytes()];
    argv.extend(SAMPLE.iter().map(|name| name.as_bytes()));
    h.run_bytes(&argv)
}

#[test]
fn command_info_is_byte_identical_to_redis() {
    let expected2 = include_bytes!("../../../../rds-commands/tests/data/command_info_sample.resp2");
    let expected3 = include_bytes!("../../../../rds-commands/tests/data/command_info_sample.resp3");
    assert_eq!(
        String::from_utf8_lossy(&run_with_sample(&mut Harness::new(), "INFO")),
        String::from_utf8_lossy(expected2)
    );
    let got3 = run_with_sample(&mut Harness::new().resp3(), "INFO");
    assert_eq!(String::from_utf8_lossy(&got3), String::from_utf8_lossy(expected3));
}

#[test]
fn command_docs_is_byte_identical_to_redis() {
    let expected2 = include_bytes!("../../../../rds-commands/tests/data/command_docs_sample.resp2");
    let expected3 = include_bytes!("../../../../rds-commands/tests/data/command_docs_sample.resp3");
    assert_eq!(
        String::from_utf8_lossy(&run_with_sample(&mut Harness::new(), "DOCS")),
        String::from_utf8_lossy(expected2)
    );
    let got3 = run_with_sample(&mut Harness::new().resp3(), "DOCS");
    assert_eq!(String::from_utf8_lossy(&got3), String::from_utf8_lossy(expected3));
}

#[test]
fn getkeys_replies_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["COMMAND", "GETKEYS", "get"], "-ERR wrong number of arguments for 'command|getkeys' command\r\n"),
        (&["COMMAND", "GETKEYS", "get", "a"], "*1\r\n$1\r\na\r\n"),
        (&["command", "getkeys", "GET", "a"], "*1\r\n$1\r\na\r\n"),
        (&["COMMAND", "GETKEYS", "foo", "a", "b"], "-ERR Invalid command specified\r\n"),
        (&["COMMAND", "GETKEYS", "config", "foo", "a"], "-ERR Invalid command specified\r\n"),
        (&["COMMAND", "GETKEYS", "ping", "a"], "-ERR The command has no key arguments\r\n"),
        (&["COMMAND", "GETKEYS", "time", "a"], "-ERR The command has no key arguments\r\n"),
        (&["COMMAND", "GETKEYS", "spublish", "a", "b"], "-ERR The command has no key arguments\r\n"),
        (&["COMMAND", "GETKEYS", "get", "a", "b"], "-ERR Invalid number of arguments specified for command\r\n"),
        (&["COMMAND", "GETKEYS", "set", "a"], "-ERR Invalid number of arguments specified for command\r\n"),
        (&["COMMAND", "GETKEYS", "mset", "a", "b", "c"], "*2\r\n$1\r\na\r\n$1\r\nc\r\n"),
        (&["COMMAND", "GETKEYS", "bitop", "and", "d", "a", "b"], "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (&["COMMAND", "GETKEYS", "object", "encoding", "k"], "*1\r\n$1\r\nk\r\n"),
        (&["COMMAND", "GETKEYS", "rename", "a", "b"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
    ]);
}

#[test]
fn info_list_count_and_help_reply_like_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["COMMAND", "INFO", "nosuch", "get|x", "config get"], "*3\r\n$-1\r\n$-1\r\n$-1\r\n"),
        (&["COMMAND", "DOCS", "nosuch"], "*0\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "module", "x"], "*0\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"], "*0\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "aclcat", "@string"], "*0\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "aclcat"], "-ERR syntax error\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "foo", "bar"], "-ERR syntax error\r\n"),
        (&["COMMAND", "LIST", "foo"], "-ERR syntax error\r\n"),
        (&["COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|G*"], "*1\r\n$10\r\nconfig|get\r\n"),
        (&["COMMAND", "COUNT", "x"], "-ERR wrong number of arguments for 'command|count' command\r\n"),
        (&["COMMAND", "FOO"], "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"),
    ]);
    let count = rds_commands::top_level().count();
    assert_eq!(h.run(&["COMMAND", "COUNT"]), format!(":{count}\r\n"));
    assert!(h.run(&["COMMAND"]).starts_with(&format!("*{count}\r\n*10\r\n")));
    assert!(h.run(&["COMMAND", "INFO"]).starts_with(&format!("*{count}\r\n*10\r\n")));
    let list = h.run(&["COMMAND", "LIST"]);
    assert!(list.starts_with(&format!("*{}\r\n", rds_commands::COMMANDS.len())));
    let strings = h.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "STRING"]);
    assert!(strings.contains("$3\r\nget\r\n") && !strings.contains("$3\r\ndel\r\n"), "{strings}");
    let help = h.run(&["COMMAND", "HELP"]);
    assert!(help.starts_with("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
}

#[test]
fn docs_of_a_container_nest_its_subcommands() {
    let mut h = Harness::new().resp3();
    let reply = h.run(&["COMMAND", "DOCS", "config"]);
    let subcommands = rds_commands::lookup(b"config").map(|spec| spec.subcommands().count()).unwrap_or(0);
    assert!(reply.starts_with("%1\r\n$6\r\nconfig\r\n%5\r\n$7\r\nsummary\r\n"), "{reply}");
    assert!(reply.contains(&format!("$11\r\nsubcommands\r\n%{subcommands}\r\n$10\r\nconfig|get\r\n")), "{reply}");
}
