//! In-process command harness for unit tests: runs argv against a fresh [`ServerState`] and returns the
//! raw reply bytes, with no sockets involved.

use std::net::SocketAddr;

use bytes::Bytes;
use rds_config::Config;
use rds_resp::Protocol;

use crate::client::Session;
use crate::dispatch::execute;
use crate::state::{now_ms, ServerState};

/// A server state plus one client session.
pub struct Harness {
    /// The server state.
    pub state: ServerState,
    /// The client's session.
    pub session: Session,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A fresh server with the default config and one connected client. Save points are off, so
    /// FLUSHALL and SHUTDOWN never write `dump.rdb` into the working directory.
    pub fn new() -> Self {
        Self::with_config(Config::from_text("save \"\"\n", "").unwrap_or_else(|_| Config::defaults()))
    }

    /// A fresh server with `config` and one connected client.
    pub fn with_config(config: Config) -> Self {
        let mut state = ServerState::new(config);
        let addr: SocketAddr = "127.0.0.1:40000".parse().expect("valid literal address");
        let local: SocketAddr = "127.0.0.1:6379".parse().expect("valid literal address");
        let id = state.clients.register(addr, local, now_ms());
        let authenticated = state.settings.requirepass.is_empty();
        Harness { state, session: Session::new(id, authenticated, true) }
    }

    /// Switches the client to RESP3 (as HELLO 3 would).
    pub fn resp3(mut self) -> Self {
        self.session.reply.protocol = Protocol::Resp3;
        self
    }

    /// Runs one command and returns its raw reply.
    pub fn run_bytes(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        execute(&mut self.state, &mut self.session, &argv);
        self.session.reply.buf.split().to_vec()
    }

    /// Runs one command given as words and returns its raw reply as (lossy) text.
    pub fn run(&mut self, words: &[&str]) -> String {
        let argv: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        String::from_utf8_lossy(&self.run_bytes(&argv)).into_owned()
    }

    /// Asserts each (command, expected raw reply) pair in order.
    pub fn expect_all(&mut self, cases: &[(&[&str], &str)]) {
        for (words, expected) in cases {
            let got = self.run(words);
            assert_eq!(&got, expected, "command {words:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Harness;

    #[test]
    fn connection_commands_reply_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["PING"], "+PONG\r\n"),
            (&["ping", "hi"], "$2\r\nhi\r\n"),
            (&["PING", "a", "b"], "-ERR wrong number of arguments for 'ping' command\r\n"),
            (&["ECHO", "x"], "$1\r\nx\r\n"),
            (&["SELECT", "16"], "-ERR DB index is out of range\r\n"),
            (&["SELECT", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["SELECT", "1"], "+OK\r\n"),
            (&["FOO", "bar", "baz"], "-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n"),
            (&["CONFIG", "BLAH"], "-ERR unknown subcommand 'BLAH'. Try CONFIG HELP.\r\n"),
            (&["HELLO", "4"], "-NOPROTO unsupported protocol version\r\n"),
            (&["AUTH", "x"], "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"),
        ]);
        let hello = h.run(&["HELLO", "3"]);
        assert!(
            hello.starts_with(
                "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
            ),
            "{hello}"
        );
    }
}
