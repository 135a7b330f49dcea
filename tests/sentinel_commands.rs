//! rds-sentinel and a real redis-sentinel 7.0, started side by side with the same config and
//! monitoring one real redis-server, must answer the client-side commands byte for byte: PING,
//! HELLO, AUTH, CLIENT, unknown commands and arities, SENTINEL with bad arguments, PUBLISH, ROLE,
//! the SUBSCRIBE family and event delivery in RESP2 and RESP3, INFO field names, and malformed
//! input (after which both keep serving). Only replies that do not depend on timing or ids are
//! compared; client ids are masked. Skips without real Redis, fails under CI.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use rds_resp::Frame;
use rds_testkit::{escape, require_redis, require_redis_sentinel, Client, ServerBuilder, TempDir, TestServer};

/// A real redis-server and one sentinel of each kind monitoring it as `mymaster`.
struct Pair {
    master: TestServer,
    ours: TestServer,
    theirs: TestServer,
    _dir: TempDir,
}

/// Starts the pair; `extra` are `--directive value` arguments given to both sentinels.
fn start_pair(extra: &[&str]) -> Option<Pair> {
    let bins = require_redis()?;
    let real_sentinel = require_redis_sentinel()?;
    let master = ServerBuilder::new(&bins.server).args(["--save", ""]).spawn().unwrap();
    let dir = TempDir::new("rds-sentinel-commands").unwrap();
    let config = |name: &str| {
        let path = dir.path().join(name);
        // A long down-after keeps SDOWN and failovers out of the comparison window.
        let text = format!(
            "sentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 60000\n",
            master.port()
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let ours = ServerBuilder::new(env!("CARGO_BIN_EXE_rds-sentinel"))
        .config_file(config("ours.conf"))
        .args(extra.iter().copied())
        .spawn()
        .unwrap();
    let theirs = ServerBuilder::new(real_sentinel)
        .config_file(config("theirs.conf"))
        .args(extra.iter().copied())
        .spawn()
        .unwrap();
    Some(Pair { master, ours, theirs, _dir: dir })
}

fn connect(server: &TestServer) -> Client {
    let mut client = Client::connect(server.port()).unwrap();
    client.set_timeout(Duration::from_secs(5)).unwrap();
    client
}

/// Masks what legitimately differs: the client id in HELLO replies.
fn normalize(reply: &[u8]) -> String {
    let text = escape(reply);
    match text.find("$2\\r\\nid\\r\\n:") {
        Some(at) => {
            let start = at + "$2\\r\\nid\\r\\n:".len();
            let end = text[start..].find('\\').map_or(text.len(), |e| start + e);
            format!("{}<id>{}", &text[..start], &text[end..])
        }
        None => text,
    }
}

/// The replies to one command: one, plus for the SUBSCRIBE family every further confirmation that
/// arrives within a short while (they send one reply per channel).
fn replies(client: &mut Client, command: &[&str]) -> String {
    let mut text = match client.try_cmd(command) {
        Ok(reply) => normalize(&reply),
        Err(error) => format!("<{error}>"),
    };
    if command[0].to_ascii_lowercase().contains("subscribe") {
        client.set_timeout(Duration::from_millis(50)).unwrap();
        while let Ok(reply) = client.try_read_reply() {
            text.push_str(&normalize(&reply));
        }
        client.set_timeout(Duration::from_secs(5)).unwrap();
    }
    text
}

/// Runs `commands` on one connection to each sentinel and returns the differing replies.
fn compare(pair: &Pair, commands: &[&[&str]]) -> Vec<String> {
    let (mut ours, mut theirs) = (connect(&pair.ours), connect(&pair.theirs));
    let mut mismatches = Vec::new();
    for command in commands {
        let (a, b) = (replies(&mut ours, command), replies(&mut theirs, command));
        if a != b {
            mismatches.push(format!("{command:?}:\n  rds:   {a}\n  redis: {b}"));
        }
    }
    mismatches
}

fn assert_same(pair: &Pair, commands: &[&[&str]]) {
    let mismatches = compare(pair, commands);
    assert!(mismatches.is_empty(), "replies differ:\n{}", mismatches.join("\n"));
}

#[test]
fn connection_commands_match_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    let commands: &[&[&str]] = &[
        &["PING"],
        &["ping", "hello"],
        &["PING", "a", "b"],
        &["HELLO"],
        &["HELLO", "3"],
        &["PING"],
        &["HELLO", "2"],
        &["HELLO", "4"],
        &["HELLO", "x"],
        &["HELLO", "3", "FOO"],
        &["HELLO", "3", "AUTH"],
        &["HELLO", "2", "AUTH", "default", "anything"],
        &["HELLO", "2", "AUTH", "nobody", "x"],
        &["HELLO", "3", "SETNAME", "foo"],
        &["CLIENT", "GETNAME"],
        &["HELLO", "2"],
        &["AUTH", "x"],
        &["AUTH", "a", "b"],
        &["AUTH", "default", "x"],
        &["AUTH"],
        &["AUTH", "a", "b", "c"],
        &["CLIENT", "SETNAME", "bar"],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME", "a b"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "SETNAME", ""],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "FOO"],
        &["CLIENT"],
        &["CLIENT", "KILL", "1.2.3.4:5"],
        &["CLIENT", "KILL", "ID", "999999"],
        &["CLIENT", "KILL", "ID"],
        &["CLIENT", "NO-EVICT", "on"],
        &["CLIENT", "GETREDIR"],
        &["FOO", "bar"],
        &["GET", "x"],
        &["SET", "a", "b"],
        &["QUIT"],
        &["RESET"],
        &["MULTI"],
        &["ACL", "WHOAMI"],
        &["ACL", "FOO"],
        &["ACL"],
        &["COMMAND", "COUNT"],
        &["COMMAND", "FOO"],
    ];
    assert_same(&pair, commands);
}

#[test]
fn sentinel_commands_with_bad_arguments_match_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    let port = pair.master.port().to_string();
    let commands: &[&[&str]] = &[
        &["ROLE"],
        &["ROLE", "x"],
        &["PUBLISH", "a", "b"],
        &["PUBLISH", "__sentinel__:hello", "garbage"],
        &["PUBLISH", "x"],
        &["SENTINEL"],
        &["SENTINEL", "FOO"],
        &["SENTINEL", "MASTER", "nope"],
        &["SENTINEL", "MASTER"],
        &["SENTINEL", "REPLICAS", "nope"],
        &["SENTINEL", "SLAVES", "nope"],
        &["SENTINEL", "SENTINELS", "nope"],
        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"],
        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
        &["SENTINEL", "RESET", "nope*"],
        &["SENTINEL", "FAILOVER", "nope"],
        &["SENTINEL", "CKQUORUM", "nope"],
        &["SENTINEL", "REMOVE", "nope"],
        &["SENTINEL", "SET", "nope", "quorum", "1"],
        &["SENTINEL", "SET", "mymaster", "foo", "1"],
        &["SENTINEL", "SET", "mymaster", "quorum"],
        &["SENTINEL", "SET", "mymaster", "down-after-milliseconds", "abc"],
        &["SENTINEL", "MONITOR", "m2", "127.0.0.1", "abc", "2"],
        &["SENTINEL", "MONITOR", "m2", "127.0.0.1", &port, "0"],
        &["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", &port, "2"],
        &["SENTINEL", "MONITOR", "m2", "not.an.ip.invalid", &port, "2"],
        &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", &port, "0", "*"],
        &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "y", "*"],
        &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "garbage"],
        &["SENTINEL", "CONFIG", "GET", "nothing"],
        &["SENTINEL", "CONFIG", "SET", "nothing", "x"],
        &["SENTINEL", "CONFIG", "FOO"],
        &["SENTINEL", "INFO-CACHE", "nope"],
        &["SENTINEL", "SIMULATE-FAILURE", "garbage"],
        &["SENTINEL", "DEBUG", "garbage"],
        &["SENTINEL", "PENDING-SCRIPTS"],
        &["INFO", "nosuchsection"],
        &["SENTINEL", "HELP"],
        &["SENTINEL", "CONFIG", "GET", "*"],
        &["SENTINEL", "MYID", "x"],
        &["SENTINEL", "FLUSHCONFIG", "x"],
        &["SENTINEL", "SET", "mymaster", "quorum", "0"],
        &["SENTINEL", "SET", "mymaster", "parallel-syncs", "x"],
        &["SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"],
        &["SENTINEL", "SET", "mymaster", "rename-command", "a"],
        &["SENTINEL", "CONFIG", "SET", "announce-port", "x"],
        &["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"],
        &["SENTINEL", "DEBUG"],
        &["SENTINEL", "INFO-CACHE"],
        &["SENTINEL", "RESET"],
        &["SENTINEL", "MASTERS", "x"],
    ];
    assert_same(&pair, commands);
}

/// The `name:` keys of every INFO section, in order.
fn info_fields(client: &mut Client, args: &[&str]) -> Vec<String> {
    let reply = client.try_cmd(args).unwrap();
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.to_string()))
        .filter(|key| !key.starts_with("master"))
        .collect()
}

#[test]
fn info_has_the_same_fields_as_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    let (mut ours, mut theirs) = (connect(&pair.ours), connect(&pair.theirs));
    for args in [&["INFO"][..], &["INFO", "sentinel"], &["INFO", "clients"], &["INFO", "server"], &["INFO", "stats"]] {
        let fields = info_fields(&mut ours, args);
        assert!(fields.len() > 3, "{args:?}: {fields:?}");
        assert_eq!(fields, info_fields(&mut theirs, args), "{args:?}");
    }
    let master0 = |client: &mut Client| {
        let reply = String::from_utf8_lossy(&client.try_cmd(&["INFO", "sentinel"]).unwrap()).into_owned();
        reply.lines().find(|l| l.starts_with("master0:")).map(|l| l.split(",slaves").next().unwrap_or("").to_string())
    };
    assert_eq!(master0(&mut ours), master0(&mut theirs));
}

#[test]
fn subscriptions_and_events_match_redis_sentinel_in_resp2_and_resp3() {
    let Some(pair) = start_pair(&[]) else { return };
    let subscribed: &[&[&str]] = &[
        &["SUBSCRIBE"],
        &["SUBSCRIBE", "a", "b"],
        &["PING"],
        &["PING", "x"],
        &["GET", "x"],
        &["CLIENT", "ID"],
        &["ROLE"],
        &["PSUBSCRIBE", "+*"],
        &["UNSUBSCRIBE", "a"],
        // Unsubscribing from all goes in Redis's hash order: keep one name per kind.
        &["UNSUBSCRIBE"],
        &["PUNSUBSCRIBE"],
        &["UNSUBSCRIBE"],
        &["PUNSUBSCRIBE", "x"],
        &["HELLO", "3"],
        &["SUBSCRIBE", "a"],
        &["PING"],
        &["PING", "x"],
        &["UNSUBSCRIBE", "z"],
        &["ROLE"],
    ];
    assert_same(&pair, subscribed);

    // Events: a subscriber in each protocol, the command that causes them on another connection,
    // and (RESP3) a subscriber that causes them itself, whose push must come before the reply.
    let port = pair.master.port().to_string();
    let mut transcripts = Vec::new();
    for server in [&pair.ours, &pair.theirs] {
        let mut resp2 = connect(server);
        let mut resp3 = connect(server);
        let mut actor = connect(server);
        let mut transcript = vec![normalize(&resp2.try_cmd(&["PSUBSCRIBE", "*monitor"]).unwrap())];
        transcript.push(normalize(&resp3.try_cmd(&["HELLO", "3"]).unwrap()));
        transcript.push(normalize(&resp3.try_cmd(&["SUBSCRIBE", "+monitor", "-monitor"]).unwrap()));
        transcript.push(normalize(&resp3.try_cmd(&["SUBSCRIBE", "+monitor", "-monitor"]).unwrap()));
        transcript.push(normalize(&actor.try_cmd(&["SENTINEL", "MONITOR", "other", "127.0.0.1", &port, "1"]).unwrap()));
        transcript.push(normalize(&resp2.try_read_reply().unwrap()));
        transcript.push(normalize(&resp3.try_read_reply().unwrap()));
        resp3.send_cmd(&["SENTINEL", "REMOVE", "other"]).unwrap();
        transcript.push(normalize(&resp3.try_read_reply().unwrap()));
        transcript.push(normalize(&resp3.try_read_reply().unwrap()));
        transcript.push(normalize(&resp2.try_read_reply().unwrap()));
        transcript.push(normalize(&actor.try_cmd(&["PUBLISH", "+monitor", "x"]).unwrap()));
        transcripts.push(transcript);
    }
    assert_eq!(transcripts[0], transcripts[1]);
}

/// Raw bytes, then everything the server sends until it closes the connection.
fn send_raw_until_closed(server: &TestServer, bytes: &[u8]) -> String {
    let mut client = connect(server);
    client.send_raw(bytes);
    escape(&client.read_until_closed().unwrap_or_default())
}

#[test]
fn malformed_input_gets_the_same_errors_and_both_keep_serving() {
    let Some(pair) = start_pair(&[]) else { return };
    let inputs: &[&[u8]] = &[
        b"*1\r\n$-5\r\n",
        b"*abc\r\n",
        b"*3\r\nfoo\r\n",
        b"PING \"a\r\n",
        b"*1\r\n$999999999999\r\n",
        b"*1\r\n$600000000\r\n",
        b"*99999999999\r\n",
        b"*2\r\n$8\r\nSENTINEL\r\n$3\r\n\x00\xff\r\n",
    ];
    for input in inputs {
        let ours = send_raw_until_closed_or_reply(&pair.ours, input);
        let theirs = send_raw_until_closed_or_reply(&pair.theirs, input);
        assert_eq!(ours, theirs, "input {}", escape(input));
        assert_eq!(connect(&pair.ours).try_cmd(&["PING"]).unwrap(), b"+PONG\r\n");
    }
    // A request split at every byte is still one request.
    let mut client = connect(&pair.ours);
    for byte in b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n" {
        client.send_raw(&[*byte]);
    }
    assert_eq!(client.try_read_reply().unwrap(), b"$2\r\nhi\r\n");
}

/// The connection's output after `bytes`: what arrives until the server closes, or the first
/// reply when it keeps the connection open (valid input).
fn send_raw_until_closed_or_reply(server: &TestServer, bytes: &[u8]) -> String {
    let mut client = connect(server);
    client.set_timeout(Duration::from_millis(500)).unwrap();
    client.send_raw(bytes);
    match client.try_read_reply() {
        Ok(reply) => escape(&reply),
        Err(_) => "<no reply>".to_string(),
    }
}

#[test]
fn authentication_matches_redis_sentinel_with_requirepass() {
    let Some(pair) = start_pair(&["--requirepass", "secret"]) else { return };
    let commands: &[&[&str]] = &[
        &["PING"],
        &["CLIENT", "ID"],
        &["FOO"],
        &["CLIENT"],
        &["SENTINEL", "MASTERS"],
        &["SUBSCRIBE", "x"],
        &["HELLO", "3"],
        &["HELLO", "3", "AUTH", "default", "wrong"],
        &["AUTH", "wrong"],
        &["AUTH", "default", "wrong"],
        &["AUTH", "nobody", "secret"],
        &["PING"],
        &["AUTH", "secret"],
        &["PING"],
        &["AUTH", "wrong"],
        &["PING"],
    ];
    assert_same(&pair, commands);
    assert_same(&pair, &[&["HELLO", "3", "AUTH", "default", "secret"], &["PING"], &["CLIENT", "GETNAME"]]);
    // Before AUTH, a request may announce at most 10 arguments.
    let big = b"*20\r\n";
    assert_eq!(send_raw_until_closed(&pair.ours, big), send_raw_until_closed(&pair.theirs, big));
}

/// Exit status and output of a sentinel that must refuse to start.
fn refused_start(program: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(program).args(args).stdin(std::process::Stdio::null()).output().unwrap();
    // Log lines start with "<pid>:X <date> ": compare what follows.
    let strip = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|line| line.splitn(6, ' ').nth(5).filter(|_| line.contains(":X ")).unwrap_or(line).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    (output.status.code(), strip(&output.stdout), strip(&output.stderr))
}

#[test]
fn startup_errors_match_redis_sentinel() {
    let Some(_) = require_redis() else { return };
    let Some(real) = require_redis_sentinel() else { return };
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_rds-sentinel"));
    let dir = TempDir::new("rds-sentinel-startup").unwrap();
    let bad = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let cases = [
        vec![],
        vec!["/nonexistent/sentinel.conf".to_string()],
        vec![bad("a.conf", "port 0\nfoo bar\n")],
        vec![bad("b.conf", "port 0\nsentinel monitor m 127.0.0.1 6379 0\n")],
        vec![bad("c.conf", "port 0\nsentinel down-after-milliseconds nope 10\n")],
        vec![bad("d.conf", "port 0\n"), "--sentinel".to_string(), "myid".to_string(), "short".to_string()],
        vec![bad("e.conf", "port 0\n"), "--port".to_string(), "abc".to_string()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(refused_start(&ours, &args), refused_start(&real, &args), "{args:?}");
    }
}

/// The names in a flat reply (COMMAND LIST, ACL CAT), sorted: Redis lists them in hash order.
fn sorted_names(client: &mut Client, args: &[&str]) -> Vec<String> {
    let text = String::from_utf8_lossy(&client.try_cmd(args).unwrap()).into_owned();
    let mut names: Vec<String> =
        text.split("\r\n").filter(|line| !line.is_empty() && !line.starts_with(['*', '$'])).map(String::from).collect();
    names.sort();
    names
}

/// A COMMAND / COMMAND INFO reply as one line per command and subcommand, sorted: Redis lists
/// commands and subcommands in the order of a randomly seeded hash table.
fn flat_info(client: &mut Client, args: &[&str]) -> Vec<String> {
    fn walk(entries: &[Frame], out: &mut Vec<String>) {
        for entry in entries {
            match entry {
                Frame::Array(items) if items.len() == 10 => {
                    out.push(format!("{:?}", &items[..9]));
                    if let Frame::Array(subs) = &items[9] {
                        walk(subs, out);
                    }
                }
                other => out.push(format!("{other:?}")),
            }
        }
    }
    client.send_cmd(args).unwrap();
    let Frame::Array(entries) = client.read_frame().unwrap() else { panic!("{args:?}: not an array") };
    let mut out = Vec::new();
    walk(&entries, &mut out);
    out.sort();
    out
}

/// A COMMAND DOCS reply (RESP2) as one line per command and subcommand, sorted.
fn flat_docs(client: &mut Client, args: &[&str]) -> Vec<String> {
    fn walk(pairs: &[Frame], out: &mut Vec<String>) {
        for pair in pairs.chunks(2) {
            let [name, Frame::Array(doc)] = pair else { panic!("bad docs reply") };
            let mut fields = Vec::new();
            for field in doc.chunks(2) {
                match field {
                    [Frame::Bulk(key), Frame::Array(subs)] if key.as_ref() == b"subcommands" => walk(subs, out),
                    _ => fields.push(format!("{field:?}")),
                }
            }
            out.push(format!("{name:?} {}", fields.join(" ")));
        }
    }
    client.send_cmd(args).unwrap();
    let Frame::Array(pairs) = client.read_frame().unwrap() else { panic!("{args:?}: not an array") };
    let mut out = Vec::new();
    walk(&pairs, &mut out);
    out.sort();
    out
}

#[test]
fn command_table_matches_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    assert_same(
        &pair,
        &[
            &["COMMAND", "COUNT"],
            &["COMMAND", "INFO", "ping", "sentinel|masters", "get", "nope"],
            &["COMMAND", "DOCS", "sentinel|slaves", "role", "acl|getuser", "get"],
            &["COMMAND", "GETKEYS", "ping"],
            &["COMMAND", "GETKEYS", "ping", "x", "y"],
            &["COMMAND", "GETKEYS", "get", "x"],
            &["COMMAND", "GETKEYS", "sentinel", "masters"],
            &["COMMAND", "GETKEYSANDFLAGS", "ping", "a", "b"],
            &["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
            &["COMMAND", "LIST", "FILTERBY", "nope", "x"],
            &["COMMAND", "LIST", "x"],
            &["COMMAND", "HELP"],
            &["COMMAND", "INFO", "client|tracking"],
            &["HELLO", "3"],
            &["COMMAND", "INFO", "publish", "sentinel|set"],
            &["COMMAND", "DOCS", "sentinel|config", "client|tracking"],
        ],
    );
    let (mut ours, mut theirs) = (connect(&pair.ours), connect(&pair.theirs));
    for args in [
        &["COMMAND", "LIST"][..],
        &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin"],
        &["COMMAND", "LIST", "FILTERBY", "PATTERN", "s*"],
        &["ACL", "CAT"],
        &["ACL", "CAT", "fast"],
        &["ACL", "CAT", "dangerous"],
    ] {
        assert_eq!(sorted_names(&mut ours, args), sorted_names(&mut theirs, args), "{args:?}");
    }
    for args in [&["COMMAND"][..], &["COMMAND", "INFO"], &["COMMAND", "INFO", "sentinel", "CLIENT", "acl", "x"]] {
        assert_eq!(flat_info(&mut ours, args), flat_info(&mut theirs, args), "{args:?}");
    }
    for args in [&["COMMAND", "DOCS"][..], &["COMMAND", "DOCS", "sentinel", "client", "nope"]] {
        assert_eq!(flat_docs(&mut ours, args), flat_docs(&mut theirs, args), "{args:?}");
    }
}

#[test]
fn acl_client_and_shutdown_arguments_match_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    assert_same(
        &pair,
        &[
            &["ACL", "WHOAMI"],
            &["ACL", "USERS"],
            &["ACL", "LIST"],
            &["ACL", "GETUSER", "default"],
            &["ACL", "GETUSER", "nobody"],
            &["ACL", "CAT", "nope"],
            &["ACL", "DELUSER", "default"],
            &["ACL", "DELUSER", "x", "y"],
            &["ACL", "DRYRUN", "default", "ping", "a", "b"],
            &["ACL", "DRYRUN", "default", "sentinel", "masters"],
            &["ACL", "DRYRUN", "default", "sentinel", "foo"],
            &["ACL", "DRYRUN", "default", "get", "x"],
            &["ACL", "DRYRUN", "nobody", "ping"],
            &["ACL", "GENPASS", "0"],
            &["ACL", "GENPASS", "x"],
            &["ACL", "LOG", "x"],
            &["ACL", "LOG"],
            &["ACL", "LOG", "RESET"],
            &["ACL", "SAVE"],
            &["ACL", "LOAD"],
            &["ACL", "HELP"],
            &["CLIENT", "HELP"],
            &["CLIENT", "TRACKINGINFO"],
            &["CLIENT", "GETREDIR"],
            &["CLIENT", "CACHING", "yes"],
            &["CLIENT", "TRACKING", "on", "OPTIN"],
            &["CLIENT", "TRACKINGINFO"],
            &["CLIENT", "GETREDIR"],
            &["CLIENT", "CACHING", "maybe"],
            &["CLIENT", "CACHING", "no"],
            &["CLIENT", "CACHING", "yes"],
            &["CLIENT", "TRACKINGINFO"],
            &["CLIENT", "TRACKINGINFO"],
            &["CLIENT", "TRACKING", "on", "BCAST"],
            &["CLIENT", "TRACKING", "off"],
            &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"],
            &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "NOLOOP"],
            &["CLIENT", "TRACKINGINFO"],
            &["CLIENT", "TRACKING", "off"],
            &["CLIENT", "TRACKING", "on", "PREFIX", "a"],
            &["CLIENT", "TRACKING", "on", "REDIRECT", "999"],
            &["CLIENT", "TRACKING", "maybe"],
            &["CLIENT", "TRACKING", "on", "FOO"],
            &["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
            &["CLIENT", "PAUSE", "10", "FOO"],
            &["CLIENT", "PAUSE", "-1"],
            &["CLIENT", "PAUSE", "abc"],
            &["CLIENT", "PAUSE", "10", "ALL", "x"],
            &["CLIENT", "PAUSE", "0"],
            &["CLIENT", "UNPAUSE"],
            &["CLIENT", "UNBLOCK", "1"],
            &["CLIENT", "UNBLOCK", "1", "ERROR"],
            &["CLIENT", "UNBLOCK", "1", "FOO"],
            &["CLIENT", "UNBLOCK", "x"],
            &["SHUTDOWN", "FOO"],
            &["SHUTDOWN", "NOSAVE", "SAVE"],
            &["SHUTDOWN", "ABORT"],
            &["SHUTDOWN", "NOW", "FOO"],
            &["SHUTDOWN", "ABORT", "NOW"],
            &["PING"],
        ],
    );
    // Every refused SHUTDOWN left both serving; a valid one (flags may repeat) stops both.
    for server in [&pair.ours, &pair.theirs] {
        let mut client = connect(server);
        client.send_cmd(&["SHUTDOWN", "NOSAVE", "NOSAVE", "NOW"]).unwrap();
        assert!(client.try_read_reply().is_err(), "SHUTDOWN must close the connection without a reply");
        rds_testkit::util::wait_until(Duration::from_secs(5), || Client::connect(server.port()).is_err());
    }
}

#[test]
fn client_ids_list_fields_and_acl_log_match_redis_sentinel() {
    let Some(pair) = start_pair(&["--requirepass", "secret"]) else { return };
    let mut lines = Vec::new();
    for server in [&pair.ours, &pair.theirs] {
        let mut client = connect(server);
        let id = String::from_utf8(client.try_cmd(&["CLIENT", "ID"]).unwrap()).unwrap();
        assert_eq!(
            client.try_cmd(&["AUTH", "wrong"]).unwrap(),
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        client.try_cmd(&["AUTH", "secret"]).unwrap();
        let list = String::from_utf8(client.try_cmd(&["CLIENT", "LIST"]).unwrap()).unwrap();
        let acl = String::from_utf8(client.try_cmd(&["ACL", "LIST"]).unwrap()).unwrap();
        let log = String::from_utf8(client.try_cmd(&["ACL", "LOG"]).unwrap()).unwrap();
        // Keep the line's field names and the values that do not depend on the implementation.
        let fields: Vec<String> = list
            .lines()
            .nth(1)
            .unwrap()
            .split(' ')
            .map(|field| {
                let (name, value) = field.split_once('=').unwrap();
                match name {
                    "qbuf" | "argv-mem" | "obl" | "oll" | "cmd" | "flags" | "db" | "sub" | "psub" | "multi" => {
                        field.to_string()
                    }
                    _ => {
                        let _ = value;
                        name.to_string()
                    }
                }
            })
            .collect();
        let log_fields: Vec<String> = log
            .split("\r\n")
            .filter(|l| l.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
            .map(String::from)
            .collect();
        lines.push((id, fields, acl, log_fields));
    }
    assert_eq!(lines[0], lines[1]);
}

#[test]
fn client_pause_holds_commands_like_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    for server in [&pair.ours, &pair.theirs] {
        let mut pauser = connect(server);
        let mut other = connect(server);
        assert_eq!(pauser.try_cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]).unwrap(), b"+OK\r\n");
        // WRITE pauses only commands that may replicate: PUBLISH waits, SENTINEL does not.
        assert!(other.try_cmd(&["SENTINEL", "MYID"]).unwrap().starts_with(b"$40"));
        other.send_cmd(&["PUBLISH", "x", "y"]).unwrap();
        other.set_timeout(Duration::from_millis(300)).unwrap();
        assert!(other.try_read_reply().is_err(), "PUBLISH must wait while writes are paused");
        assert_eq!(pauser.try_cmd(&["CLIENT", "UNPAUSE"]).unwrap(), b"+OK\r\n");
        other.set_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            other.try_read_reply().unwrap(),
            b"-ERR Only HELLO messages are accepted by Sentinel instances.\r\n"
        );
        // ALL pauses everything, the pausing client included (even its UNPAUSE), until the timeout.
        assert_eq!(pauser.try_cmd(&["CLIENT", "PAUSE", "1500", "ALL"]).unwrap(), b"+OK\r\n");
        other.send_cmd(&["SENTINEL", "MYID"]).unwrap();
        pauser.send_cmd(&["CLIENT", "UNPAUSE"]).unwrap();
        other.set_timeout(Duration::from_millis(300)).unwrap();
        assert!(other.try_read_reply().is_err(), "every command must wait while all clients are paused");
        other.set_timeout(Duration::from_secs(5)).unwrap();
        assert!(other.try_read_reply().unwrap().starts_with(b"$40"));
        assert_eq!(pauser.try_read_reply().unwrap(), b"+OK\r\n");
    }
}

/// Kills a daemonized sentinel (by its pidfile's pid) if a test fails before stopping it.
struct Daemon(Option<u32>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}

/// Runs `program` with `daemonize yes`, checks the parent returns at once with status 0, the daemon
/// writes its pidfile, serves, and on SIGTERM logs Redis's lines and removes the pidfile. Returns
/// the log lines without their `<pid>:` prefixes and timestamps.
fn daemon_run(program: &std::path::Path, dir: &std::path::Path, name: &str, master_port: u16) -> Vec<String> {
    let port = rds_testkit::util::free_port().unwrap();
    let (pidfile, logfile) = (dir.join(format!("{name}.pid")), dir.join(format!("{name}.log")));
    let config = dir.join(format!("{name}.conf"));
    let text = format!(
        "port {port}\ndaemonize yes\npidfile {}\nlogfile {}\nsentinel monitor m 127.0.0.1 {master_port} 1\n",
        pidfile.display(),
        logfile.display()
    );
    std::fs::write(&config, text).unwrap();
    let status = std::process::Command::new(program).arg(&config).status().unwrap();
    assert!(status.success(), "{name}: the parent exits with 0");
    assert!(rds_testkit::util::wait_until(Duration::from_secs(5), || pidfile.exists()), "{name}: no pidfile");
    let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    let mut daemon = Daemon(Some(pid));
    assert!(rds_testkit::util::wait_until(Duration::from_secs(5), || Client::connect(port).is_ok()));
    let mut client = Client::connect(port).unwrap();
    let info = String::from_utf8_lossy(&client.try_cmd(&["INFO", "server"]).unwrap()).into_owned();
    assert!(info.contains(&format!("process_id:{pid}\r\n")), "{name}: the daemon writes its own pid");
    let hz: u32 = info.split("\r\nhz:").nth(1).unwrap().split("\r\n").next().unwrap().parse().unwrap();
    assert!((10..20).contains(&hz), "{name}: hz {hz} is the randomised timer frequency");
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(rds_testkit::util::wait_until(Duration::from_secs(5), || !pidfile.exists()), "{name}: pidfile kept");
    daemon.0 = None;
    let log = std::fs::read_to_string(&logfile).unwrap();
    log.lines()
        .filter(|line| line.contains("signal-handler") || line.contains("shutdown") || line.contains("bye bye"))
        .map(|line| {
            let rest = line.split_once(':').map_or(line, |(_, rest)| rest);
            match rest.strip_prefix("signal-handler (") {
                Some(after) => format!("signal-handler {}", after.split_once(") ").map_or("", |(_, m)| m)),
                None => rest.splitn(6, ' ').nth(5).unwrap_or("").to_string(),
            }
        })
        .collect()
}

#[test]
fn daemonize_pidfile_and_sigterm_lines_match_redis_sentinel() {
    let Some(bins) = require_redis() else { return };
    let Some(real) = require_redis_sentinel() else { return };
    let master = ServerBuilder::new(&bins.server).args(["--save", ""]).spawn().unwrap();
    let dir = TempDir::new("rds-sentinel-daemon").unwrap();
    let ours = daemon_run(std::path::Path::new(env!("CARGO_BIN_EXE_rds-sentinel")), dir.path(), "ours", master.port());
    let theirs = daemon_run(&real, dir.path(), "theirs", master.port());
    assert_eq!(
        ours,
        vec![
            "signal-handler Received SIGTERM scheduling shutdown...",
            "# User requested shutdown...",
            "# Sentinel is now ready to exit, bye bye..."
        ]
    );
    assert_eq!(ours, theirs);
}

#[test]
fn acl_users_match_redis_sentinel() {
    let Some(pair) = start_pair(&[]) else { return };
    let hash = "a".repeat(64);
    assert_same(
        &pair,
        &[
            &["ACL", "SETUSER", "bob"],
            &["ACL", "GETUSER", "bob"],
            &["ACL", "LIST"],
            &["ACL", "SETUSER", "bob", "on", ">pw", "+@all", "-sentinel|reset", "~*", "&*"],
            &["ACL", "GETUSER", "bob"],
            &["ACL", "LIST"],
            &["ACL", "SETUSER", "amy", "on", "nopass", "+@pubsub", "-publish"],
            &["ACL", "GETUSER", "amy"],
            &["ACL", "SETUSER", "amy", "foo"],
            &["ACL", "SETUSER", "amy", "+nosuch"],
            &["ACL", "SETUSER", "amy", "+@nosuch"],
            &["ACL", "SETUSER", "amy", "off", "+get"],
            &["ACL", "GETUSER", "amy"],
            &["ACL", "USERS"],
            &["ACL", "DRYRUN", "amy", "ping"],
            &["ACL", "DRYRUN", "amy", "subscribe", "x"],
            &["ACL", "DRYRUN", "amy", "publish", "x", "y"],
            &["ACL", "DRYRUN", "bob", "sentinel", "reset", "*"],
            &["ACL", "DRYRUN", "bob", "sentinel", "masters"],
            &["ACL", "SETUSER", "c", "reset"],
            &["ACL", "GETUSER", "c"],
            &["ACL", "SETUSER", "c", "on", &format!("#{hash}"), "resetpass", ">x", "<x"],
            &["ACL", "GETUSER", "c"],
            &["ACL", "SETUSER", "c", "#bad"],
            &["ACL", "SETUSER", "c", "<nope"],
            &["ACL", "SETUSER", "c", "allkeys", "~x"],
            &["ACL", "SETUSER", "d", "on", "nopass", "allcommands", "allkeys", "allchannels", "-@admin"],
            &["ACL", "GETUSER", "d"],
            &["ACL", "SETUSER", "a b"],
            &["AUTH", "amy", "x"],
            &["AUTH", "bob", "wrong"],
            &["AUTH", "bob", "pw"],
            &["ACL", "WHOAMI"],
            &["SENTINEL", "RESET", "*"],
            &["SENTINEL", "MYID", "x"],
            &["AUTH", "d", "x"],
            &["SENTINEL", "MASTERS"],
            &["ACL", "WHOAMI"],
            &["PING"],
            &["ACL", "DELUSER", "amy", "zed"],
            &["ACL", "USERS"],
        ],
    );
    // The refusals are in ACL LOG, newest first (ages and client details left out).
    let log = |server: &TestServer| {
        let text = String::from_utf8_lossy(&connect(server).try_cmd(&["ACL", "LOG"]).unwrap()).into_owned();
        let lines: Vec<&str> = text.split("\r\n").collect();
        lines
            .windows(3)
            .filter(|w| ["reason", "object", "username"].contains(&w[0]))
            .map(|w| format!("{}={}", w[0], w[2]))
            .collect::<Vec<_>>()
    };
    assert_eq!(log(&pair.ours), log(&pair.theirs));
    assert!(log(&pair.ours).contains(&"object=sentinel|masters".to_string()));
    // A user's connections close when it is deleted; both write the users in their config.
    let mut ours = connect(&pair.ours);
    let mut theirs = connect(&pair.theirs);
    for client in [&mut ours, &mut theirs] {
        assert_eq!(client.try_cmd(&["AUTH", "bob", "pw"]).unwrap(), b"+OK\r\n");
        assert_eq!(client.try_cmd(&["ACL", "DELUSER", "bob"]).unwrap(), b":1\r\n");
        assert!(client.try_cmd(&["PING"]).is_err());
    }
    let users_in_config = |server: &TestServer, name: &str| {
        connect(server).try_cmd(&["SENTINEL", "FLUSHCONFIG"]).unwrap();
        let text = std::fs::read_to_string(pair._dir.path().join(name)).unwrap();
        text.lines().filter(|l| l.starts_with("user ")).map(String::from).collect::<Vec<_>>()
    };
    let ours_users = users_in_config(&pair.ours, "ours.conf");
    assert_eq!(ours_users, users_in_config(&pair.theirs, "theirs.conf"));
    assert_eq!(ours_users.len(), 4, "{ours_users:?}");
}
