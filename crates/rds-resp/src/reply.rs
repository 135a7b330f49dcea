//! Reply encoding straight into an output buffer, in the protocol the client chose.
//!
//! Handlers call these methods the way Redis calls `addReply*`: no intermediate reply tree is built, so
//! a pipelined batch of replies costs one buffer and no allocation per reply.

use bytes::{BufMut, BytesMut};

use crate::double::format_g17;
use crate::itoa::{format_i64, format_u64};

/// The protocol a connection speaks, chosen with HELLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3.
    Resp3,
}

/// An output buffer that encodes replies.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    /// The encoded bytes waiting to be written to the socket.
    pub buf: BytesMut,
    /// The protocol replies are encoded in.
    pub protocol: Protocol,
}

impl ReplyBuf {
    /// An empty RESP2 buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when replies use RESP3.
    pub fn is_resp3(&self) -> bool {
        self.protocol == Protocol::Resp3
    }

    /// Appends already-encoded bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.raw(b"+OK\r\n");
    }

    /// A simple string; CR and LF are replaced by spaces so the frame stays valid.
    pub fn simple(&mut self, text: &str) {
        self.buf.put_u8(b'+');
        self.put_line_text(text.as_bytes());
    }

    /// An error; `text` starts with the code (`ERR ...`, `WRONGTYPE ...`).
    pub fn error(&mut self, text: &[u8]) {
        self.buf.put_u8(b'-');
        self.put_line_text(text);
    }

    fn put_line_text(&mut self, text: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(text);
        for byte in &mut self.buf[start..] {
            if *byte == b'\r' || *byte == b'\n' {
                *byte = b' ';
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer.
    pub fn int(&mut self, value: i64) {
        self.header(b':', value);
    }

    /// A bulk string.
    pub fn bulk(&mut self, bytes: &[u8]) {
        let mut digits = [0u8; 20];
        let digits = format_u64(bytes.len() as u64, &mut digits);
        self.buf.reserve(digits.len() + bytes.len() + 5);
        self.buf.put_u8(b'$');
        self.buf.extend_from_slice(digits);
        self.buf.extend_from_slice(b"\r\n");
        self.buf.extend_from_slice(bytes);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `value`.
    pub fn bulk_int(&mut self, value: i64) {
        let mut digits = [0u8; 20];
        let digits = format_i64(value, &mut digits);
        self.bulk(digits);
    }

    /// The null bulk string: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.raw(b"$-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.raw(b"*-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// An array header; `len` elements must follow.
    pub fn array(&mut self, len: usize) {
        self.header_usize(b'*', len);
    }

    /// A map header of `pairs` key/value pairs (a flat array of twice that in RESP2).
    pub fn map(&mut self, pairs: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', pairs * 2),
            Protocol::Resp3 => self.header_usize(b'%', pairs),
        }
    }

    /// A set header (an array in RESP2).
    pub fn set(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', len),
            Protocol::Resp3 => self.header_usize(b'~', len),
        }
    }

    /// A push header, for out-of-band messages (an array in RESP2).
    pub fn push(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', len),
            Protocol::Resp3 => self.header_usize(b'>', len),
        }
    }

    /// A double: a `%.17g` bulk string in RESP2, a `,` double in RESP3.
    pub fn double(&mut self, value: f64) {
        let text = format_g17(value);
        match self.protocol {
            Protocol::Resp2 => self.bulk(text.as_bytes()),
            Protocol::Resp3 => {
                self.buf.put_u8(b',');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `:1`/`:0` in RESP2, `#t`/`#f` in RESP3.
    pub fn boolean(&mut self, value: bool) {
        match (self.protocol, value) {
            (Protocol::Resp2, true) => self.raw(b":1\r\n"),
            (Protocol::Resp2, false) => self.raw(b":0\r\n"),
            (Protocol::Resp3, true) => self.raw(b"#t\r\n"),
            (Protocol::Resp3, false) => self.raw(b"#f\r\n"),
        }
    }

    /// A verbatim string of format `txt`: a plain bulk string in RESP2.
    pub fn verbatim(&mut self, text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header_usize(b'=', text.len() + 4);
                self.buf.extend_from_slice(b"txt:");
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<I, T>(&mut self, items: I)
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
        T: AsRef<[u8]>,
    {
        let items = items.into_iter();
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }

    fn header(&mut self, prefix: u8, value: i64) {
        let mut digits = [0u8; 20];
        let digits = format_i64(value, &mut digits);
        // One reservation for the whole line, so the three appends below never re-check capacity.
        self.buf.reserve(digits.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.extend_from_slice(digits);
        self.buf.extend_from_slice(b"\r\n");
    }

    fn header_usize(&mut self, prefix: u8, value: usize) {
        let mut digits = [0u8; 20];
        let digits = format_u64(value as u64, &mut digits);
        self.buf.reserve(digits.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.extend_from_slice(digits);
        self.buf.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(protocol: Protocol, write: impl FnOnce(&mut ReplyBuf)) -> Vec<u8> {
        let mut reply = ReplyBuf { buf: BytesMut::new(), protocol };
        write(&mut reply);
        reply.buf.to_vec()
    }

    #[test]
    fn encodes_both_protocols() {
        assert_eq!(encode(Protocol::Resp2, |r| r.null()), b"$-1\r\n");
        assert_eq!(encode(Protocol::Resp3, |r| r.null()), b"_\r\n");
        assert_eq!(encode(Protocol::Resp2, |r| r.map(2)), b"*4\r\n");
        assert_eq!(encode(Protocol::Resp3, |r| r.map(2)), b"%2\r\n");
        assert_eq!(encode(Protocol::Resp2, |r| r.double(1.5)), b"$3\r\n1.5\r\n");
        assert_eq!(encode(Protocol::Resp3, |r| r.double(f64::INFINITY)), b",inf\r\n");
        assert_eq!(encode(Protocol::Resp2, |r| r.int(i64::MIN)), b":-9223372036854775808\r\n");
        assert_eq!(encode(Protocol::Resp2, |r| r.error(b"ERR a\r\nb")), b"-ERR a  b\r\n");
        assert_eq!(encode(Protocol::Resp3, |r| r.verbatim(b"hi")), b"=6\r\ntxt:hi\r\n");
    }
}
