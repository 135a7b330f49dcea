//! Hostile and broken clients against the `rds-server` binary: malformed RESP, oversized lengths,
//! unterminated requests, random garbage and a client that never reads its replies. The server must
//! answer with Redis's exact protocol error (and close that connection), keep its memory bounded, never
//! panic, and keep serving everyone else. Where real Redis is installed the same checks run against it,
//! so the expected bytes are Redis's own.

#![allow(clippy::unwrap_used)]

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rds_testkit::{escape, require_redis, wait_until, Client, ServerBuilder, TestServer};

/// Memory a server may gain while a hostile client is connected.
const RSS_SLACK_KIB: u64 = 50 * 1024;

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

/// Asserts byte equality, printing both sides escaped.
fn assert_bytes(got: &[u8], want: &[u8], context: &str) {
    assert!(got == want, "{context}\n   got: {}\n  want: {}", escape(got), escape(want));
}

/// Asserts that a fresh client still gets PONG.
fn assert_serving(server: &TestServer) {
    let mut client = server.client();
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n", "{} stopped serving", server.name());
}

/// Asserts that nothing in the server's output looks like a Rust panic.
fn assert_no_panic(server: &TestServer) {
    let log = server.log();
    assert!(!log.contains("panicked"), "{} panicked:\n{log}", server.name());
}

/// A deterministic xorshift byte stream, so a failure can be replayed.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Reads and discards replies, so the server is never stuck writing, until the server closes the
/// connection or the writer is done and nothing arrived for 200 ms.
fn drain_until_quiet(client: &Client, writer: &std::thread::JoinHandle<()>) {
    let mut stream = client.stream();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut chunk = [0u8; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if writer.is_finished() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
    panic!("the server kept sending replies to garbage for 20 s");
}

#[test]
fn protocol_errors_get_redis_exact_reply_then_close() {
    let inline_70k = vec![b'A'; 70 * 1024];
    let mut mbulk_count_70k = b"*".to_vec();
    mbulk_count_70k.extend(std::iter::repeat_n(b'1', 70 * 1024));
    let mut bulk_count_70k = b"*1\r\n$".to_vec();
    bulk_count_70k.extend(std::iter::repeat_n(b'1', 70 * 1024));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bulk expected", b"*2\r\nGET\r\n".to_vec(), "-ERR Protocol error: expected '$', got 'G'\r\n"),
        ("2 GB bulk length", b"*1\r\n$2147483648\r\n".to_vec(), "-ERR Protocol error: invalid bulk length\r\n"),
        ("negative bulk length", b"*1\r\n$-2\r\n".to_vec(), "-ERR Protocol error: invalid bulk length\r\n"),
        ("bad multibulk length", b"*x\r\n".to_vec(), "-ERR Protocol error: invalid multibulk length\r\n"),
        ("3 G arguments", b"*3000000000\r\n".to_vec(), "-ERR Protocol error: invalid multibulk length\r\n"),
        ("70 KB inline", inline_70k, "-ERR Protocol error: too big inline request\r\n"),
        ("70 KB count", mbulk_count_70k, "-ERR Protocol error: too big mbulk count string\r\n"),
        ("70 KB bulk count", bulk_count_70k, "-ERR Protocol error: too big bulk count string\r\n"),
        ("unbalanced double quote", b"SET \"foo\r\n".to_vec(), "-ERR Protocol error: unbalanced quotes in request\r\n"),
        ("unbalanced single quote", b"SET k 'v\r\n".to_vec(), "-ERR Protocol error: unbalanced quotes in request\r\n"),
        ("text after a quote", b"ECHO \"a\"b\r\n".to_vec(), "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (
            "error after a good request",
            b"*1\r\n$4\r\nPING\r\n*2\r\nGET\r\n".to_vec(),
            "+PONG\r\n-ERR Protocol error: expected '$', got 'G'\r\n",
        ),
    ];
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        for (name, input, expected) in &cases {
            let mut client = server.client();
            // The server may close before reading everything we send; that is fine.
            let _ = client.try_send_raw(input);
            let received = client.read_until_closed().unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert_bytes(&received, expected.as_bytes(), &format!("{}: {name}", server.name()));
            assert_serving(&server);
        }
        assert_no_panic(&server);
    }
}

#[test]
fn huge_multibulk_header_without_arguments_keeps_memory_bounded() {
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        let baseline = server.rss_kib().unwrap();
        let mut clients = Vec::new();
        for _ in 0..10 {
            let mut client = server.client();
            client.send_raw(b"*1000000\r\n");
            clients.push(client);
        }
        // Half-sent requests must neither block other clients nor reserve room for a million arguments.
        for _ in 0..5 {
            assert_serving(&server);
            std::thread::sleep(Duration::from_millis(50));
        }
        let rss = server.rss_kib().unwrap();
        assert!(rss < baseline + RSS_SLACK_KIB, "{}: RSS grew from {baseline} KiB to {rss} KiB", server.name());
        // The header is still pending: completing it with one argument is not enough to run anything.
        clients[0].send_raw(b"$4\r\nPING\r\n");
        assert_serving(&server);
        assert_no_panic(&server);
    }
}

#[test]
fn random_garbage_does_not_crash_the_server() {
    const CONNECTIONS: u64 = 64;
    const BYTES_EACH: usize = 16 * 1024;
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        for seed in 1..=CONNECTIONS {
            let client = server.client();
            let mut writer_stream = client.stream().try_clone().unwrap();
            let data = garbage(seed, BYTES_EACH);
            let writer = std::thread::spawn(move || {
                let _ = writer_stream.write_all(&data);
                // Ends the last inline request, so the server does not wait for more of it.
                let _ = writer_stream.write_all(b"\r\n");
            });
            drain_until_quiet(&client, &writer);
            let _ = client.stream().shutdown(Shutdown::Both);
            writer.join().unwrap();
        }
        assert_serving(&server);
        assert_no_panic(&server);
    }
}

#[test]
fn client_that_never_reads_cannot_grow_server_memory() {
    // Real Redis buffers replies for normal clients without limit (client-output-buffer-limit normal 0 0 0),
    // so this test is ours only: rds stops reading from a client whose replies are not being consumed.
    let server = ServerBuilder::new(rds()).spawn().unwrap();
    let value = "x".repeat(10 * 1024);
    let mut other = server.client();
    assert_eq!(other.cmd(&["SET", "big", &value]), b"+OK\r\n");
    let baseline = server.rss_kib().unwrap();

    let flooder = server.client();
    let mut stream = flooder.stream().try_clone().unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    let writer = std::thread::spawn(move || {
        let request = rds_testkit::encode_command(&["GET", "big"]);
        let batch: Vec<u8> = request.iter().copied().cycle().take(request.len() * 1000).collect();
        let mut sent = 0;
        for _ in 0..200 {
            if stream.write_all(&batch).is_err() {
                break;
            }
            sent += 1000;
        }
        sent
    });

    let expected = format!("${}\r\n{value}\r\n", value.len());
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut peak = baseline;
    while Instant::now() < deadline {
        peak = peak.max(server.rss_kib().unwrap());
        assert_eq!(other.cmd_str(&["GET", "big"]), expected, "another client was not served during the flood");
        std::thread::sleep(Duration::from_millis(100));
    }
    let sent = writer.join().unwrap();
    assert!(peak < baseline + RSS_SLACK_KIB, "RSS grew from {baseline} KiB to {peak} KiB ({sent} GETs sent)");
    drop(flooder);
    assert!(wait_until(Duration::from_secs(5), || server.rss_kib().unwrap() < baseline + RSS_SLACK_KIB));
    assert_serving(&server);
    assert_no_panic(&server);
}

#[test]
fn empty_requests_are_ignored() {
    let cases: [(&[u8], &[&str]); 2] = [
        (b"\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n", &["+PONG\r\n"]),
        // A bulk's two trailing bytes are skipped without being checked.
        (b"*1\r\n$4\r\nPINGxx\r\nPING\r\n", &["+PONG\r\n", "+PONG\r\n"]),
    ];
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        for (input, replies) in cases {
            let mut client = server.client();
            client.send_raw(input);
            for reply in replies {
                let got = client.read_raw_reply();
                assert_bytes(&got, reply.as_bytes(), &format!("{}: after {}", server.name(), escape(input)));
            }
        }
        assert_no_panic(&server);
    }
}

#[test]
fn nul_byte_hides_the_end_of_an_inline_request() {
    // Redis looks for the inline request's newline with strchr, which stops at a NUL byte: the request
    // never completes, and the bytes pile up until the 64 KiB inline limit closes the connection.
    for program in servers_under_test() {
        let server = ServerBuilder::new(program).spawn().unwrap();
        for input in [&b"PING\x00junk\r\n"[..], b"\x00\r\nPING\r\n"] {
            let mut client = server.client();
            client.send_raw(input);
            client.set_timeout(Duration::from_millis(300)).unwrap();
            let early = client.try_read_reply();
            assert!(early.is_err(), "{}: {} got a reply: {:?}", server.name(), escape(input), early);
            client.set_timeout(Duration::from_secs(10)).unwrap();
            let _ = client.try_send_raw(&vec![b'A'; 70 * 1024]);
            let received = client.read_until_closed().unwrap();
            let context = format!("{}: after {}", server.name(), escape(input));
            assert_bytes(&received, b"-ERR Protocol error: too big inline request\r\n", &context);
            assert_serving(&server);
        }
        assert_no_panic(&server);
    }
}
