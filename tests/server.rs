//! End-to-end tests of the `rds-server` binary: startup from the command line and config files,
//! clients we did not write (redis-cli, redis-py), pipelining, authentication, client limits and
//! shutdown on SIGTERM. Where real Redis is installed, the behaviour tests also run against it, so a
//! wrong expectation in a test shows up as a failure on Redis too.
//!
//! Protected mode is not tested: it only refuses non-loopback peers, and tests connect over loopback.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rds_testkit::{free_port, require_python_redis, require_redis, Client, ServerBuilder, TempDir};

/// Our server binary.
fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

/// Our server, and real Redis when it is installed (when it is not, CI fails and elsewhere only ours runs).
fn servers_under_test() -> Vec<PathBuf> {
    let mut programs = vec![rds()];
    if let Some(bins) = require_redis() {
        programs.push(bins.server);
    }
    programs
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("redis.conf");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    path
}

#[test]
fn redis_cli_gets_pong_and_echo() {
    let Some(bins) = require_redis() else { return };
    let server = ServerBuilder::new(rds()).spawn().unwrap();
    let port = server.port().to_string();
    let run = |args: &[&str]| {
        let output = Command::new(&bins.cli).arg("-p").arg(&port).args(args).output().unwrap();
        assert!(output.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(run(&["PING"]), "PONG\n");
    assert_eq!(run(&["ECHO", "hello world"]), "hello world\n");
    // `-3` makes redis-cli send HELLO 3 first, so this also exercises our RESP3 handshake.
    assert_eq!(run(&["-3", "PING"]), "PONG\n");
}

#[test]
fn redis_py_smoke_script_passes() {
    let Some(python) = require_python_redis() else {
        return;
    };
    let server = ServerBuilder::new(rds()).spawn().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/smoke.py");
    let output = Command::new(&python).arg(&script).arg(server.port().to_string()).output().unwrap();
    assert!(
        output.status.success(),
        "smoke.py failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn thousand_pipelined_commands_in_one_write_reply_in_order() {
    let server = ServerBuilder::new(rds()).spawn().unwrap();
    let mut client = server.client();
    let mut batch = Vec::new();
    for i in 0..1000 {
        if i % 10 == 0 {
            batch.extend_from_slice(&rds_testkit::encode_command(&["PING"]));
        } else {
            batch.extend_from_slice(&rds_testkit::encode_command(&["ECHO", &format!("value-{i}")]));
        }
    }
    client.send_raw(&batch);
    for i in 0..1000 {
        let expected = if i % 10 == 0 {
            "+PONG\r\n".to_string()
        } else {
            let text = format!("value-{i}");
            format!("${}\r\n{text}\r\n", text.len())
        };
        assert_eq!(String::from_utf8_lossy(&client.read_raw_reply()), expected, "reply {i}");
    }
}

#[test]
fn inline_commands_are_accepted() {
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        let mut client = server.client();
        client.send_raw(b"PING\r\nECHO \"a b\"\nPING hi\r\n");
        assert_eq!(client.read_raw_reply(), b"+PONG\r\n", "{}", server.name());
        assert_eq!(client.read_raw_reply(), b"$3\r\na b\r\n", "{}", server.name());
        assert_eq!(client.read_raw_reply(), b"$2\r\nhi\r\n", "{}", server.name());
    }
}

#[test]
fn sigterm_shuts_down_cleanly_after_ready() {
    let mut server = ServerBuilder::new(rds()).spawn().unwrap();
    assert!(server.wait_for_log("Ready to accept connections tcp", Duration::from_secs(5)), "no ready line in the log");
    let mut client = server.client();
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n");
    server.signal("TERM").unwrap();
    let status = server.wait_exit(Duration::from_secs(10)).expect("server still running 10 s after SIGTERM");
    assert!(status.success(), "exit status after SIGTERM: {status}");
    // The connected client is closed, not left hanging.
    assert!(client.read_until_closed().is_ok());
}

#[test]
fn config_file_sets_port_and_requirepass() {
    for program in servers_under_test() {
        let conf_dir = TempDir::new("rds-conf").unwrap();
        let port = free_port().unwrap();
        let conf = write_config(conf_dir.path(), &format!("# test config\nport {port}\nrequirepass \"s3cret\"\n"));
        let server = ServerBuilder::new(program).config_file(&conf).port_from_config(port).spawn().unwrap();
        let name = server.name().to_string();
        let mut client = Client::connect(port).unwrap();
        assert_eq!(client.cmd_str(&["PING"]), "-NOAUTH Authentication required.\r\n", "{name}");
        assert_eq!(client.cmd_str(&["GET", "k"]), "-NOAUTH Authentication required.\r\n", "{name}");
        assert_eq!(
            client.cmd_str(&["AUTH", "wrong"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            "{name}"
        );
        assert_eq!(client.cmd_str(&["AUTH", "s3cret"]), "+OK\r\n", "{name}");
        assert_eq!(client.cmd_str(&["PING"]), "+PONG\r\n", "{name}");
        let mut other = Client::connect(port).unwrap();
        assert_eq!(other.cmd_str(&["AUTH", "default", "s3cret"]), "+OK\r\n", "{name}");
        assert_eq!(other.cmd_str(&["ECHO", "x"]), "$1\r\nx\r\n", "{name}");
    }
}

#[test]
fn command_line_port_overrides_config_file() {
    for program in servers_under_test() {
        let conf_dir = TempDir::new("rds-conf").unwrap();
        let file_port = free_port().unwrap();
        let conf = write_config(conf_dir.path(), &format!("port {file_port}\n"));
        // The builder passes `--port <free port>` after the file, which must win.
        let server = ServerBuilder::new(program).config_file(&conf).spawn().unwrap();
        assert_ne!(server.port(), file_port);
        assert_eq!(server.client().cmd_str(&["PING"]), "+PONG\r\n");
        assert!(Client::connect(file_port).is_err(), "{} also listens on the file's port", server.name());
    }
}

#[test]
fn config_set_port_and_bind_move_the_listener_or_fail_keeping_it() {
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        let name = server.name().to_string();
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy_port = busy.local_addr().unwrap().port().to_string();
        let mut client = server.client();
        let same_port = server.port().to_string();
        assert_eq!(client.cmd_str(&["CONFIG", "SET", "port", &same_port]), "+OK\r\n", "{name}: unchanged");
        assert_eq!(
            client.cmd_str(&["CONFIG", "SET", "maxmemory", "1mb", "port", &busy_port]),
            "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
            "{name}"
        );
        assert_eq!(
            client.cmd_str(&["CONFIG", "SET", "bind", "999.999.999.999"]),
            "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
            "{name}"
        );
        assert_eq!(
            client.cmd_str(&["CONFIG", "GET", "maxmemory"]),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n",
            "{name}: a failed CONFIG SET changes nothing"
        );
        assert_eq!(
            client.cmd_str(&["CONFIG", "GET", "port"]),
            format!("*2\r\n$4\r\nport\r\n${}\r\n{}\r\n", server.port().to_string().len(), server.port()),
            "{name}"
        );
        assert_eq!(
            Client::connect(server.port()).unwrap().cmd_str(&["PING"]),
            "+PONG\r\n",
            "{name}: old port still served"
        );

        let new_port = free_port().unwrap();
        assert_eq!(
            client.cmd_str(&["CONFIG", "SET", "bind", "127.0.0.1", "port", &new_port.to_string()]),
            "+OK\r\n",
            "{name}"
        );
        let mut moved = Client::connect(new_port).unwrap();
        assert_eq!(moved.cmd_str(&["PING"]), "+PONG\r\n", "{name}");
        let closed = rds_testkit::wait_until(Duration::from_secs(5), || Client::connect(server.port()).is_err());
        assert!(closed, "{name}: the old port still accepts");
        assert_eq!(client.cmd_str(&["PING"]), "+PONG\r\n", "{name}: connected clients stay");
    }
}

#[test]
fn unixsocket_serves_clients_with_redis_addresses_and_is_removed_at_shutdown() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    for program in servers_under_test() {
        let dir = TempDir::new("rds-unix").unwrap();
        let path = dir.path().join("server.sock");
        let path_text = path.to_str().unwrap().to_string();
        let mut server = ServerBuilder::new(program)
            .args(["--unixsocket", path_text.as_str(), "--unixsocketperm", "700"])
            .spawn()
            .unwrap();
        let name = server.name().to_string();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{name}");
        let mut socket = std::os::unix::net::UnixStream::connect(&path).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        socket.write_all(b"*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n").unwrap();
        let mut reply = Vec::new();
        let mut chunk = [0u8; 4096];
        while !reply.ends_with(b"\n\r\n") {
            let read = socket.read(&mut chunk).unwrap();
            assert!(read > 0, "{name}: closed");
            reply.extend_from_slice(&chunk[..read]);
        }
        let info = String::from_utf8_lossy(&reply).into_owned();
        assert!(info.contains(&format!(" addr={path_text}:0 laddr={path_text}:0 ")), "{name}: {info}");
        assert!(info.contains(" flags=U "), "{name}: {info}");
        server.signal("TERM").unwrap();
        assert!(server.wait_exit(Duration::from_secs(10)).is_some(), "{name}: still running");
        assert!(!path.exists(), "{name}: the socket file is left behind");
    }
}

#[test]
fn idle_clients_give_their_buffers_back_and_keep_working() {
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        let name = server.name().to_string();
        let mut idler = server.client();
        assert_eq!(idler.cmd_str(&["CLIENT", "SETNAME", "idler"]), "+OK\r\n", "{name}");
        let mut observer = server.client();
        let mut line = String::new();
        let released = rds_testkit::wait_until(Duration::from_secs(10), || {
            let list = observer.cmd_str(&["CLIENT", "LIST"]);
            line = list.lines().find(|l| l.contains(" name=idler ")).unwrap_or_default().to_string();
            line.contains(" qbuf=0 qbuf-free=0 ")
        });
        assert!(released, "{name}: {line}");
        assert!(line.contains(" rbs=1024 ") && line.contains(" tot-mem=1800 "), "{name}: {line}");
        assert_eq!(idler.cmd_str(&["ECHO", "back"]), "$4\r\nback\r\n", "{name}");
        let list = observer.cmd_str(&["CLIENT", "LIST"]);
        let line = list.lines().find(|l| l.contains(" name=idler ")).unwrap_or_default();
        assert!(line.contains(" qbuf-free=20474 "), "{name}: buffers in use again: {line}");
    }
}

#[test]
fn invalid_config_lines_fail_startup_naming_the_line() {
    let cases = [
        (
            "loglevel notice\nbogus-directive yes\n",
            "at line 3",
            "'bogus-directive yes'",
            "Bad directive or wrong number of arguments",
        ),
        ("appendonly maybe\n", "at line 2", "'appendonly maybe'", "argument must be 'yes' or 'no'"),
        ("port abc\n", "at line 2", "'port abc'", "argument couldn't be parsed into an integer"),
        ("maxclients 0\n", "at line 2", "'maxclients 0'", "argument must be between 1 and 4294967295 inclusive"),
    ];
    for program in servers_under_test() {
        for (body, line, text, reason) in cases {
            let conf_dir = TempDir::new("rds-conf").unwrap();
            let conf = write_config(conf_dir.path(), &format!("# first line\n{body}"));
            let mut server = ServerBuilder::new(&program).config_file(&conf).no_wait().spawn().unwrap();
            let status = server.wait_exit(Duration::from_secs(10)).expect("server did not exit on a bad config");
            assert!(!status.success(), "{}: exit status {status} for {body:?}", server.name());
            let log = server.log();
            for needle in ["*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***", line, &format!(">>> {text}"), reason] {
                assert!(log.contains(needle), "{}: {needle:?} missing from:\n{log}", server.name());
            }
        }
    }
}

/// Connects until the server accepts the client (earlier connections may still be closing).
fn accepted_client(port: u16) -> Client {
    let mut accepted = None;
    let ok = rds_testkit::wait_until(Duration::from_secs(5), || {
        let mut client = Client::connect(port).unwrap();
        match client.try_cmd(&["PING"]) {
            Ok(reply) if reply == b"+PONG\r\n" => {
                accepted = Some(client);
                true
            }
            _ => false,
        }
    });
    assert!(ok, "no client accepted on port {port}");
    accepted.unwrap()
}

#[test]
fn clients_over_maxclients_are_refused() {
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).args(["--maxclients", "2"]).spawn().unwrap();
        let first = accepted_client(server.port());
        let _second = accepted_client(server.port());
        let mut third = server.client();
        let refused = third.read_until_closed().unwrap();
        assert_eq!(String::from_utf8_lossy(&refused), "-ERR max number of clients reached\r\n", "{}", server.name());
        drop(first);
        let _replacement = accepted_client(server.port());
    }
}

/// With `enable-module-command yes`, MODULE LOAD of a missing or non-executable file fails with
/// Redis's reply and logs Redis's reason; LOADEX checks its arguments first; UNLOAD finds nothing.
#[test]
fn module_commands_fail_to_load_like_redis_and_log_why() {
    let scenario = |program: &Path| {
        let server =
            ServerBuilder::new(program).args(["--enable-module-command", "yes", "--save", ""]).spawn().unwrap();
        let dir = server.dir().to_path_buf();
        let not_executable = dir.join("module.so");
        std::fs::write(&not_executable, b"").unwrap();
        let not_executable = not_executable.to_string_lossy().into_owned();
        let mut client = server.client();
        let replies: Vec<String> = [
            vec!["MODULE", "LOAD", "/some/fake/path"],
            vec!["MODULE", "LOAD", not_executable.as_str(), "arg"],
            vec!["MODULE", "LOADEX", "/some/fake/path", "CONFIG", "a"],
            vec!["MODULE", "LOADEX", "/some/fake/path", "bogus"],
            vec!["MODULE", "UNLOAD", "foo"],
            vec!["MODULE", "LIST"],
        ]
        .iter()
        .map(|args| client.cmd_str(args))
        .collect();
        let log = server.log();
        let logged = [
            "Module /some/fake/path failed to load: /some/fake/path: cannot open shared object file: No such file or directory",
            &format!("Module {not_executable} failed to load: It does not have execute permissions."),
            "CONFIG specified without name value pair",
            "Syntax Error from arguments to loadex around bogus.",
        ]
        .map(|line| log.contains(line));
        (replies, logged)
    };
    let (ours, logged) = scenario(&rds());
    assert_eq!(logged, [true; 4], "log lines missing");
    let bins = require_redis().expect("redis-server is needed to compare MODULE replies");
    let (theirs, _) = scenario(&bins.server);
    assert_eq!(ours, theirs);
}
