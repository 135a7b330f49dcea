//! A tiny synchronous RESP client that hands back raw reply bytes.
//!
//! Tests compare bytes, not decoded values, so a reply that decodes "the same" but differs on the wire
//! (`$-1` vs `*-1`, `:1` vs `+1`) still fails. The reply boundary is found with
//! [`rds_resp::frame::decode_frame`], which handles every RESP2/RESP3 type.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::BytesMut;
use rds_resp::frame::decode_frame;
use rds_resp::Frame;

use crate::util::escape;

/// How long a read or write may block before the client gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Encodes `args` as a RESP array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The length of the first complete reply in `buf`, `None` when more bytes are needed.
pub fn reply_len(buf: &[u8]) -> anyhow::Result<Option<usize>> {
    let mut probe = BytesMut::from(buf);
    match decode_frame(&mut probe) {
        Ok(Some(_)) => Ok(Some(buf.len() - probe.len())),
        Ok(None) => Ok(None),
        Err(error) => {
            let shown = &buf[..buf.len().min(200)];
            bail!("invalid RESP from server ({error}): {}", escape(shown))
        }
    }
}

/// Decodes one complete raw reply into a [`Frame`].
pub fn parse_reply(raw: &[u8]) -> anyhow::Result<Frame> {
    let mut buf = BytesMut::from(raw);
    match decode_frame(&mut buf) {
        Ok(Some(frame)) => Ok(frame),
        Ok(None) => bail!("incomplete reply: {}", escape(raw)),
        Err(error) => bail!("invalid reply ({error}): {}", escape(raw)),
    }
}

/// One client connection.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    timeout: Duration,
}

impl Client {
    /// Connects to `127.0.0.1:port` with the default timeouts.
    pub fn connect(port: u16) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port)).with_context(|| format!("connect to 127.0.0.1:{port}"))?;
        stream.set_nodelay(true).context("set TCP_NODELAY")?;
        let mut client = Client { stream, buf: Vec::new(), timeout: DEFAULT_TIMEOUT };
        client.set_timeout(DEFAULT_TIMEOUT)?;
        Ok(client)
    }

    /// Changes the read and write timeouts.
    pub fn set_timeout(&mut self, timeout: Duration) -> anyhow::Result<()> {
        self.timeout = timeout;
        self.stream.set_read_timeout(Some(timeout)).context("set read timeout")?;
        self.stream.set_write_timeout(Some(timeout)).context("set write timeout")?;
        Ok(())
    }

    /// The underlying socket (e.g. to clone it for a writer thread or shut it down).
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Writes `bytes` as they are.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.stream.write_all(bytes).context("write to server")?;
        Ok(())
    }

    /// Writes `bytes` as they are; panics on failure.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.try_send_raw(bytes).unwrap();
    }

    /// Sends one command without reading its reply.
    pub fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> anyhow::Result<()> {
        self.try_send_raw(&encode_command(args))
    }

    /// Reads more bytes into the buffer; errors on EOF or timeout.
    fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => bail!("connection closed by server"),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                bail!("no complete reply within {:?} (have {})", self.timeout, escape(&self.buf))
            }
            Err(error) => Err(error).context("read from server"),
        }
    }

    /// Reads exactly one complete reply and returns its raw bytes.
    pub fn try_read_reply(&mut self) -> anyhow::Result<Vec<u8>> {
        loop {
            if !self.buf.is_empty() {
                if let Some(len) = reply_len(&self.buf)? {
                    return Ok(self.buf.drain(..len).collect());
                }
            }
            self.fill()?;
        }
    }

    /// Reads exactly one complete reply and returns its raw bytes; panics on failure.
    pub fn read_raw_reply(&mut self) -> Vec<u8> {
        self.try_read_reply().unwrap()
    }

    /// Reads one reply and decodes it.
    pub fn read_frame(&mut self) -> anyhow::Result<Frame> {
        parse_reply(&self.try_read_reply()?)
    }

    /// Sends a command given as byte strings and returns the raw reply.
    pub fn try_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> anyhow::Result<Vec<u8>> {
        self.send_cmd(args)?;
        self.try_read_reply()
    }

    /// Sends a command and returns the raw reply; panics on I/O or protocol failure.
    pub fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        self.try_cmd(args).unwrap_or_else(|error| panic!("{args:?}: {error:#}"))
    }

    /// Sends a command and returns the raw reply as text (lossy), for readable assertions.
    pub fn cmd_str(&mut self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args)).into_owned()
    }

    /// Reads until the server closes the connection and returns whatever arrived before the close
    /// (buffered bytes included). Errors when the connection is still open after the timeout.
    pub fn read_until_closed(&mut self) -> anyhow::Result<Vec<u8>> {
        let deadline = Instant::now() + self.timeout;
        let mut chunk = [0u8; 64 * 1024];
        let mut received = std::mem::take(&mut self.buf);
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(received),
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(error) if matches!(error.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                    return Ok(received)
                }
                Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(error) => return Err(error).context("read from server"),
            }
            if Instant::now() >= deadline {
                bail!("connection still open after {:?}; received {}", self.timeout, escape(&received));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands_as_bulk_arrays() {
        assert_eq!(encode_command(&["GET", "k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        assert_eq!(encode_command(&[b"a\x00".as_slice(), b""]), b"*2\r\n$2\r\na\x00\r\n$0\r\n\r\n");
    }

    #[test]
    fn finds_reply_boundaries() {
        assert_eq!(reply_len(b"+OK\r\n+PONG\r\n").unwrap(), Some(5));
        assert_eq!(reply_len(b"*2\r\n$1\r\na\r\n:1").unwrap(), None);
        assert_eq!(reply_len(b"%1\r\n+a\r\n_\r\nrest").unwrap(), Some(11));
        assert!(reply_len(b"?bad\r\n").is_err());
    }
}
