//! A complete RESP2/RESP3 value and its decoder, for the client side of a connection.
//!
//! Servers only receive flat requests (see [`crate::request`]); replies, however, nest. The decoder is a
//! streaming nom parser that enforces a nesting limit and never preallocates from a wire length.

use bytes::{Buf, Bytes, BytesMut};
use nom::{
    bytes::streaming::{take, take_until},
    number::streaming::u8 as any_byte,
    Err as NomErr, IResult, Needed,
};
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

/// Deepest nesting of aggregates accepted from a peer.
pub const MAX_DEPTH: usize = 64;
/// Largest bulk accepted from a peer (`proto-max-bulk-len`'s default).
pub const MAX_BULK_LEN: usize = 512 * 1024 * 1024;

/// One RESP value.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+text`.
    Simple(Bytes),
    /// `-CODE message`.
    Error(Bytes),
    /// `:n`.
    Integer(i64),
    /// `$len` bulk string.
    Bulk(Bytes),
    /// `$-1`, `*-1` or RESP3 `_`.
    Null,
    /// `*n` array.
    Array(Vec<Frame>),
    /// RESP3 `,` double.
    Double(f64),
    /// RESP3 `#t` / `#f`.
    Boolean(bool),
    /// RESP3 `=` verbatim string: format and text.
    Verbatim(Bytes, Bytes),
    /// RESP3 `(` big number, as its digits.
    BigNumber(Bytes),
    /// RESP3 `!` blob error.
    BlobError(Bytes),
    /// RESP3 `%` map.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~` set.
    Set(Vec<Frame>),
    /// RESP3 `>` push.
    Push(Vec<Frame>),
}

impl Frame {
    /// A bulk string frame from anything byte-like.
    pub fn bulk(bytes: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(bytes.as_ref()))
    }

    /// A request: an array of bulk strings.
    pub fn command<I, T>(args: I) -> Frame
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        Frame::Array(args.into_iter().map(Frame::bulk).collect())
    }

    /// The bytes of a string-like frame.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Simple(b) | Frame::Bulk(b) | Frame::Verbatim(_, b) | Frame::Error(b) => Some(b),
            _ => None,
        }
    }

    /// Encodes the frame into `dst`.
    pub fn encode(&self, dst: &mut BytesMut) {
        match self {
            Frame::Simple(text) => put_line(dst, b'+', text),
            Frame::Error(text) => put_line(dst, b'-', text),
            Frame::Integer(n) => put_line(dst, b':', n.to_string().as_bytes()),
            Frame::Bulk(bytes) => put_blob(dst, b'$', bytes),
            Frame::Null => dst.extend_from_slice(b"_\r\n"),
            Frame::Array(items) => put_items(dst, b'*', items),
            Frame::Double(value) => put_line(dst, b',', crate::double::format_g17(*value).as_bytes()),
            Frame::Boolean(value) => dst.extend_from_slice(if *value { b"#t\r\n" } else { b"#f\r\n" }),
            Frame::Verbatim(format, text) => {
                let mut body = format.to_vec();
                body.push(b':');
                body.extend_from_slice(text);
                put_blob(dst, b'=', &body);
            }
            Frame::BigNumber(digits) => put_line(dst, b'(', digits),
            Frame::BlobError(bytes) => put_blob(dst, b'!', bytes),
            Frame::Map(pairs) => {
                put_line(dst, b'%', pairs.len().to_string().as_bytes());
                for (key, value) in pairs {
                    key.encode(dst);
                    value.encode(dst);
                }
            }
            Frame::Set(items) => put_items(dst, b'~', items),
            Frame::Push(items) => put_items(dst, b'>', items),
        }
    }
}

fn put_line(dst: &mut BytesMut, prefix: u8, text: &[u8]) {
    dst.extend_from_slice(&[prefix]);
    dst.extend_from_slice(text);
    dst.extend_from_slice(b"\r\n");
}

fn put_blob(dst: &mut BytesMut, prefix: u8, bytes: &[u8]) {
    put_line(dst, prefix, bytes.len().to_string().as_bytes());
    dst.extend_from_slice(bytes);
    dst.extend_from_slice(b"\r\n");
}

fn put_items(dst: &mut BytesMut, prefix: u8, items: &[Frame]) {
    put_line(dst, prefix, items.len().to_string().as_bytes());
    for item in items {
        item.encode(dst);
    }
}

/// Why a byte stream is not valid RESP.
#[derive(Debug, Error)]
pub enum FrameError {
    /// The bytes do not form a RESP value.
    #[error("protocol error: {0}")]
    Invalid(&'static str),
    /// Aggregates nest deeper than [`MAX_DEPTH`].
    #[error("protocol error: nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// The connection failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

type ParseResult<'a, T> = IResult<&'a [u8], T, ParseFailure>;

#[derive(Debug)]
struct ParseFailure(&'static str);

impl<'a> nom::error::ParseError<&'a [u8]> for ParseFailure {
    fn from_error_kind(_input: &'a [u8], _kind: nom::error::ErrorKind) -> Self {
        ParseFailure("malformed frame")
    }
    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

fn fail<T>(reason: &'static str) -> Result<T, NomErr<ParseFailure>> {
    Err(NomErr::Failure(ParseFailure(reason)))
}

fn line(input: &[u8]) -> ParseResult<'_, &[u8]> {
    let (rest, text) = take_until(&b"\r\n"[..])(input)?;
    let (rest, _) = take(2usize)(rest)?;
    Ok((rest, text))
}

fn integer(text: &[u8]) -> Result<i64, NomErr<ParseFailure>> {
    std::str::from_utf8(text).ok().and_then(|t| t.parse().ok()).map_or_else(|| fail("invalid integer"), Ok)
}

fn length(text: &[u8]) -> Result<Option<usize>, NomErr<ParseFailure>> {
    match integer(text)? {
        -1 => Ok(None),
        n if n < 0 => fail("invalid length"),
        n => usize::try_from(n).map(Some).or_else(|_| fail("invalid length")),
    }
}

fn blob(input: &[u8], len: usize) -> ParseResult<'_, &[u8]> {
    if len > MAX_BULK_LEN {
        return Err(NomErr::Failure(ParseFailure("bulk too long")));
    }
    let (rest, bytes) = take(len)(input)?;
    let (rest, crlf) = take(2usize)(rest)?;
    if crlf != b"\r\n" {
        return Err(NomErr::Failure(ParseFailure("bulk not terminated by CRLF")));
    }
    Ok((rest, bytes))
}

/// Parses one frame; aggregates are parsed iteratively with an explicit stack.
fn parse_frame(input: &[u8]) -> ParseResult<'_, Frame> {
    enum Pending {
        Array(usize, Vec<Frame>),
        Set(usize, Vec<Frame>),
        Push(usize, Vec<Frame>),
        Map(usize, Vec<Frame>),
    }
    let mut stack: Vec<Pending> = Vec::new();
    let mut input = input;
    loop {
        let (rest, prefix) = any_byte(input)?;
        let (rest, text) = line(rest)?;
        input = rest;
        let mut value = match prefix {
            b'+' => Frame::Simple(Bytes::copy_from_slice(text)),
            b'-' => Frame::Error(Bytes::copy_from_slice(text)),
            b':' => Frame::Integer(integer(text)?),
            b'_' => Frame::Null,
            b'#' => match text {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return fail("invalid boolean"),
            },
            b',' => Frame::Double(parse_double(text)?),
            b'(' => Frame::BigNumber(Bytes::copy_from_slice(text)),
            b'$' | b'!' | b'=' => match length(text)? {
                None => Frame::Null,
                Some(len) => {
                    let (rest, bytes) = blob(input, len)?;
                    input = rest;
                    blob_frame(prefix, bytes)?
                }
            },
            b'*' | b'~' | b'>' | b'%' => match length(text)? {
                None if prefix == b'*' => Frame::Null,
                None => return fail("negative aggregate length"),
                Some(len) => {
                    if stack.len() >= MAX_DEPTH {
                        return fail("nesting too deep");
                    }
                    let wanted =
                        if prefix == b'%' { len.checked_mul(2).map_or_else(|| fail("map too long"), Ok)? } else { len };
                    let items = Vec::with_capacity(wanted.min(1024));
                    stack.push(match prefix {
                        b'*' => Pending::Array(wanted, items),
                        b'~' => Pending::Set(wanted, items),
                        b'>' => Pending::Push(wanted, items),
                        _ => Pending::Map(wanted, items),
                    });
                    if wanted > 0 {
                        continue;
                    }
                    match close_finished(&mut stack) {
                        Some(frame) => frame,
                        None => continue,
                    }
                }
            },
            _ => return fail("unknown frame type"),
        };
        loop {
            let Some(top) = stack.last_mut() else { return Ok((input, value)) };
            let (Pending::Array(wanted, items)
            | Pending::Set(wanted, items)
            | Pending::Push(wanted, items)
            | Pending::Map(wanted, items)) = top;
            items.push(value);
            if items.len() < *wanted {
                break;
            }
            match close_finished(&mut stack) {
                Some(frame) => value = frame,
                None => break,
            }
        }
    }

    fn close_finished(stack: &mut Vec<Pending>) -> Option<Frame> {
        let finished = stack.pop()?;
        Some(match finished {
            Pending::Array(_, items) => Frame::Array(items),
            Pending::Set(_, items) => Frame::Set(items),
            Pending::Push(_, items) => Frame::Push(items),
            Pending::Map(_, items) => {
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut iter = items.into_iter();
                while let (Some(key), Some(value)) = (iter.next(), iter.next()) {
                    pairs.push((key, value));
                }
                Frame::Map(pairs)
            }
        })
    }
}

fn blob_frame(prefix: u8, bytes: &[u8]) -> Result<Frame, NomErr<ParseFailure>> {
    Ok(match prefix {
        b'$' => Frame::Bulk(Bytes::copy_from_slice(bytes)),
        b'!' => Frame::BlobError(Bytes::copy_from_slice(bytes)),
        _ => {
            if bytes.len() < 4 || bytes[3] != b':' {
                return fail("invalid verbatim string");
            }
            Frame::Verbatim(Bytes::copy_from_slice(&bytes[..3]), Bytes::copy_from_slice(&bytes[4..]))
        }
    })
}

fn parse_double(text: &[u8]) -> Result<f64, NomErr<ParseFailure>> {
    match text {
        b"inf" => Ok(f64::INFINITY),
        b"-inf" => Ok(f64::NEG_INFINITY),
        b"nan" => Ok(f64::NAN),
        _ => std::str::from_utf8(text).ok().and_then(|t| t.parse().ok()).map_or_else(|| fail("invalid double"), Ok),
    }
}

/// Decodes one frame from the front of `buf`: `Ok(None)` when more bytes are needed.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
    match parse_frame(buf) {
        Ok((rest, frame)) => {
            let consumed = buf.len() - rest.len();
            buf.advance(consumed);
            Ok(Some(frame))
        }
        Err(NomErr::Incomplete(Needed::Size(_) | Needed::Unknown)) => Ok(None),
        Err(NomErr::Error(ParseFailure(reason)) | NomErr::Failure(ParseFailure(reason))) => {
            Err(if reason == "nesting too deep" { FrameError::TooDeep } else { FrameError::Invalid(reason) })
        }
    }
}

/// A tokio-util codec reading [`Frame`]s and writing requests or frames.
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameCodec;

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        decode_frame(src)
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, item: Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.encode(dst);
        Ok(())
    }
}
