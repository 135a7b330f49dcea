//! Server-side request decoding: multibulk (`*<n>` + `$<len>` bulks) and inline commands.
//!
//! The decoder is incremental: a request split across reads at any byte resumes where it stopped, and
//! completed arguments are split off the buffer as they arrive, so a large bulk is never re-scanned.

use bytes::{Buf, Bytes, BytesMut};
use thiserror::Error;

use crate::inline::split_args;

/// Longest header line (`*<n>` / `$<len>`) or inline request Redis accepts (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX_SIZE: usize = 64 * 1024;
/// Largest argument count an unauthenticated client may announce.
pub const UNAUTH_MAX_ARGS: i64 = 10;
/// Largest bulk an unauthenticated client may announce.
pub const UNAUTH_MAX_BULK: i64 = 16 * 1024;
/// Arguments preallocated per request at most, whatever count the client announced.
const MAX_PREALLOC_ARGS: usize = 1024;

/// A framing error. The server replies with `-ERR <display text>` and closes the connection, as Redis does.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// No `\r` within 64 KiB after `*`.
    #[error("Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    /// The argument count is not an integer or exceeds `INT_MAX`.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// More than 10 arguments before authentication.
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// No `\r` within 64 KiB after `$`.
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// An argument header did not start with `$`.
    #[error("Protocol error: expected '$', got '{}'", char::from(*.0))]
    ExpectedDollar(u8),
    /// The bulk length is negative, not an integer, or above `proto-max-bulk-len`.
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// A bulk above 16 KiB before authentication.
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
    /// No newline within 64 KiB of an inline request.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// Unbalanced quotes in an inline request.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
}

impl ProtocolError {
    /// The error reply's text (without `-` and CRLF), byte-exact even for a non-ASCII offending byte.
    pub fn reply_text(&self) -> Vec<u8> {
        match self {
            ProtocolError::ExpectedDollar(byte) => {
                let mut text = b"ERR Protocol error: expected '$', got '".to_vec();
                text.push(*byte);
                text.push(b'\'');
                text
            }
            other => format!("ERR {other}").into_bytes(),
        }
    }
}

/// Per-call limits, which change when a client authenticates or becomes the master link.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: i64,
    /// False while a password is required and the client has not authenticated yet.
    pub authenticated: bool,
    /// The master link is exempt from the bulk length limit.
    pub from_master: bool,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits { max_bulk_len: 512 * 1024 * 1024, authenticated: true, from_master: false }
    }
}

/// One decoded request and the number of wire bytes it took (replication offsets count those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The arguments, command name first. Never empty.
    pub argv: Vec<Bytes>,
    /// Bytes consumed from the wire for this request, including ignored empty requests before it.
    pub wire_len: usize,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Idle,
    Multibulk {
        remaining: usize,
        argv: Vec<Bytes>,
        bulk_len: Option<usize>,
    },
}

/// Incremental request decoder; keep one per connection.
#[derive(Debug, Default)]
pub struct RequestDecoder {
    state: State,
    consumed: usize,
    /// Emptied argument vectors of executed requests, reused so a pipelined request allocates none.
    spare: Vec<Vec<Bytes>>,
}

/// Argument vectors kept for reuse at most.
const MAX_SPARE_ARGVS: usize = 128;
/// Argument vectors larger than this are freed rather than kept (a huge MSET must not pin memory).
const MAX_SPARE_CAPACITY: usize = 16;

impl RequestDecoder {
    /// A decoder at the start of a request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes back an executed request's arguments, so the next request reuses the vector.
    pub fn recycle(&mut self, mut argv: Vec<Bytes>) {
        if argv.capacity() <= MAX_SPARE_CAPACITY && self.spare.len() < MAX_SPARE_ARGVS {
            argv.clear();
            self.spare.push(argv);
        }
    }

    /// True when part of a request has been read but not all of it.
    pub fn is_mid_request(&self) -> bool {
        matches!(self.state, State::Multibulk { .. })
    }

    /// Decodes the next complete request from `buf`, consuming its bytes.
    ///
    /// Returns `Ok(None)` when more bytes are needed. Empty requests (`*0`, `*-1`, a blank line) are
    /// consumed and skipped.
    pub fn decode(&mut self, buf: &mut BytesMut, limits: RequestLimits) -> Result<Option<Request>, ProtocolError> {
        loop {
            let argv = match self.state {
                State::Idle => {
                    let Some(&first) = buf.first() else { return Ok(None) };
                    if first == b'*' {
                        match self.start_multibulk(buf, limits)? {
                            Progress::NeedMore => return Ok(None),
                            Progress::Skipped | Progress::Complete(_) => continue,
                            Progress::Started => match self.continue_multibulk(buf, limits)? {
                                Some(argv) => argv,
                                None => return Ok(None),
                            },
                        }
                    } else {
                        match self.decode_inline(buf)? {
                            Progress::NeedMore => return Ok(None),
                            Progress::Skipped | Progress::Started => continue,
                            Progress::Complete(argv) => argv,
                        }
                    }
                }
                State::Multibulk { .. } => match self.continue_multibulk(buf, limits)? {
                    Some(argv) => argv,
                    None => return Ok(None),
                },
            };
            let wire_len = std::mem::take(&mut self.consumed);
            return Ok(Some(Request { argv, wire_len }));
        }
    }

    fn start_multibulk(&mut self, buf: &mut BytesMut, limits: RequestLimits) -> Result<Progress, ProtocolError> {
        let Some(line_end) = find_line_end(buf) else {
            if buf.len() > INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigMultibulkCount);
            }
            return Ok(Progress::NeedMore);
        };
        let count = parse_header_int(&buf[1..line_end])
            .filter(|n| *n <= i64::from(i32::MAX))
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        if count > UNAUTH_MAX_ARGS && !limits.authenticated {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        buf.advance(line_end + 2);
        self.consumed += line_end + 2;
        if count <= 0 {
            return Ok(Progress::Skipped);
        }
        let remaining = usize::try_from(count).map_err(|_| ProtocolError::InvalidMultibulkLength)?;
        let mut argv = self.spare.pop().unwrap_or_default();
        argv.reserve(remaining.min(MAX_PREALLOC_ARGS));
        self.state = State::Multibulk { remaining, argv, bulk_len: None };
        Ok(Progress::Started)
    }

    fn continue_multibulk(
        &mut self,
        buf: &mut BytesMut,
        limits: RequestLimits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let State::Multibulk { remaining, argv, bulk_len } = &mut self.state else {
            return Ok(None);
        };
        while *remaining > 0 {
            let len = match *bulk_len {
                Some(len) => len,
                None => {
                    let Some(line_end) = find_line_end(buf) else {
                        if buf.len() > INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(None);
                    };
                    if buf[0] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(buf[0]));
                    }
                    let len = parse_header_int(&buf[1..line_end])
                        .filter(|n| *n >= 0 && (limits.from_master || *n <= limits.max_bulk_len))
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if len > UNAUTH_MAX_BULK && !limits.authenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    buf.advance(line_end + 2);
                    self.consumed += line_end + 2;
                    let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
                    *bulk_len = Some(len);
                    if buf.capacity() < len + 2 {
                        // Large bulks: reserve once (bounded by proto-max-bulk-len) instead of regrowing.
                        buf.reserve(len + 2 - buf.len().min(len + 2));
                    }
                    len
                }
            };
            if buf.len() < len + 2 {
                return Ok(None);
            }
            argv.push(buf.split_to(len).freeze());
            // Like Redis, skip the two bytes after the payload without checking they are CRLF.
            buf.advance(2);
            self.consumed += len + 2;
            *bulk_len = None;
            *remaining -= 1;
        }
        let State::Multibulk { argv, .. } = std::mem::take(&mut self.state) else {
            return Ok(None);
        };
        Ok(Some(argv))
    }

    fn decode_inline(&mut self, buf: &mut BytesMut) -> Result<Progress, ProtocolError> {
        // Redis finds the newline with strchr, which stops at a NUL byte: a NUL hides the rest.
        let Some(newline) = buf.iter().take_while(|&&b| b != 0).position(|&b| b == b'\n') else {
            if buf.len() > INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(Progress::NeedMore);
        };
        let line = buf.split_to(newline + 1);
        self.consumed += newline + 1;
        let mut text = &line[..newline];
        if let Some(stripped) = text.strip_suffix(b"\r") {
            text = stripped;
        }
        let args = split_args(text).ok_or(ProtocolError::UnbalancedQuotes)?;
        if args.is_empty() {
            return Ok(Progress::Skipped);
        }
        Ok(Progress::Complete(args.into_iter().map(Bytes::from).collect()))
    }
}

enum Progress {
    NeedMore,
    Skipped,
    Started,
    Complete(Vec<Bytes>),
}

/// Index of the `\r` that ends the header line starting at `buf[0]`, once its `\n` has arrived too.
fn find_line_end(buf: &[u8]) -> Option<usize> {
    let search = &buf[..buf.len().min(INLINE_MAX_SIZE + 2)];
    let cr = search.iter().position(|&b| b == b'\r')?;
    (cr + 1 < buf.len()).then_some(cr)
}

/// Parses a header integer with Redis's `string2ll` rules: optional `-`, no `+`, no leading zeros.
fn parse_header_int(digits: &[u8]) -> Option<i64> {
    let (negative, body) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, digits),
    };
    if body.is_empty() || body.len() > 19 || (body[0] == b'0' && (body.len() > 1 || negative)) {
        return None;
    }
    let mut value: i64 = 0;
    for &b in body {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}
