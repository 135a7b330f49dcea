//! The RDB transfer on the replication link: the preamble line and the two framings.
//!
//! - Sized (disk-backed sync): `$<len>\r\n` then exactly `len` RDB bytes, no trailing CRLF.
//! - EOF-mark (diskless sync): `$EOF:<40 chars>\r\n`, the RDB, then the same 40 characters. The end is
//!   found by comparing the last 40 bytes received with the mark; a master sends nothing after the
//!   mark until the replica's first `REPLCONF ACK`, so the check is exact.

use crate::id::random_hex;

/// Length of the EOF mark (`RDB_EOF_MARK_SIZE`).
pub const EOF_MARK_LEN: usize = 40;

/// How the RDB that follows is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Exactly this many bytes.
    Sized(u64),
    /// Until the mark.
    EofMark([u8; EOF_MARK_LEN]),
}

/// What one line received before the RDB means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreambleLine {
    /// An empty line: the master's keepalive while it prepares the RDB.
    Keepalive,
    /// The master refused (`-ERR ...`): abort this attempt.
    MasterError(String),
    /// Not a preamble at all.
    BadProtocol(String),
    /// The framing of the RDB that follows.
    Framing(Framing),
}

/// Interprets a line (without its CRLF) read while waiting for the RDB.
pub fn parse_preamble(line: &[u8]) -> PreambleLine {
    match line.first() {
        None => PreambleLine::Keepalive,
        Some(b'-') => PreambleLine::MasterError(String::from_utf8_lossy(&line[1..]).into_owned()),
        Some(b'$') => {
            let rest = &line[1..];
            if let Some(mark) = rest.strip_prefix(b"EOF:").filter(|m| m.len() >= EOF_MARK_LEN) {
                let mut array = [0u8; EOF_MARK_LEN];
                array.copy_from_slice(&mark[..EOF_MARK_LEN]);
                return PreambleLine::Framing(Framing::EofMark(array));
            }
            // strtol semantics: leading digits, anything else ignored; negative or junk is 0.
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let len = std::str::from_utf8(&rest[..digits]).ok().and_then(|d| d.parse().ok()).unwrap_or(0);
            PreambleLine::Framing(Framing::Sized(len))
        }
        Some(_) => PreambleLine::BadProtocol(String::from_utf8_lossy(line).into_owned()),
    }
}

/// A random EOF mark.
pub fn random_mark() -> [u8; EOF_MARK_LEN] {
    let mut mark = [0u8; EOF_MARK_LEN];
    mark.copy_from_slice(random_hex(EOF_MARK_LEN).as_bytes());
    mark
}

/// `$<len>\r\n`.
pub fn sized_preamble(len: u64) -> Vec<u8> {
    format!("${len}\r\n").into_bytes()
}

/// `$EOF:<mark>\r\n`.
pub fn eof_preamble(mark: &[u8; EOF_MARK_LEN]) -> Vec<u8> {
    let mut out = Vec::with_capacity(EOF_MARK_LEN + 7);
    out.extend_from_slice(b"$EOF:");
    out.extend_from_slice(mark);
    out.extend_from_slice(b"\r\n");
    out
}

/// Receives an RDB payload in either framing, releasing payload bytes as they become certain.
#[derive(Debug)]
pub struct Receiver {
    framing: Framing,
    /// Sized: bytes still expected. EOF-mark: unused.
    remaining: u64,
    /// EOF-mark: the last bytes received, not yet known not to be the mark.
    held: Vec<u8>,
    /// Payload bytes released so far.
    received: u64,
    done: bool,
}

impl Receiver {
    /// A receiver for `framing`.
    pub fn new(framing: Framing) -> Self {
        let remaining = match framing {
            Framing::Sized(len) => len,
            Framing::EofMark(_) => 0,
        };
        Receiver { framing, remaining, held: Vec::new(), received: 0, done: matches!(framing, Framing::Sized(0)) }
    }

    /// True once the whole payload arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Payload bytes released so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The total size when known (sized framing).
    pub fn total(&self) -> Option<u64> {
        match self.framing {
            Framing::Sized(len) => Some(len),
            Framing::EofMark(_) => None,
        }
    }

    /// Feeds received bytes; calls `payload` with the bytes that are certainly RDB, and returns how
    /// many bytes of `data` were consumed (the rest, after a sized payload, is the command stream).
    pub fn feed(&mut self, data: &[u8], mut payload: impl FnMut(&[u8])) -> usize {
        if self.done {
            return 0;
        }
        match self.framing {
            Framing::Sized(_) => {
                let take = usize::try_from(self.remaining).map_or(data.len(), |r| r.min(data.len()));
                payload(&data[..take]);
                self.remaining -= take as u64;
                self.received += take as u64;
                self.done = self.remaining == 0;
                take
            }
            Framing::EofMark(mark) => {
                self.held.extend_from_slice(data);
                if self.held.ends_with(&mark) {
                    let end = self.held.len() - EOF_MARK_LEN;
                    payload(&self.held[..end]);
                    self.received += end as u64;
                    self.held.clear();
                    self.done = true;
                } else if self.held.len() > EOF_MARK_LEN {
                    let release = self.held.len() - EOF_MARK_LEN;
                    payload(&self.held[..release]);
                    self.received += release as u64;
                    self.held.drain(..release);
                }
                data.len()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_preamble_lines_like_redis() {
        assert_eq!(parse_preamble(b""), PreambleLine::Keepalive);
        assert_eq!(parse_preamble(b"$213"), PreambleLine::Framing(Framing::Sized(213)));
        assert_eq!(parse_preamble(b"$-3"), PreambleLine::Framing(Framing::Sized(0)));
        let mark = [b'f'; 40];
        let line = [&b"$EOF:"[..], &mark[..]].concat();
        assert_eq!(parse_preamble(&line), PreambleLine::Framing(Framing::EofMark(mark)));
        assert_eq!(parse_preamble(b"$EOF:abc"), PreambleLine::Framing(Framing::Sized(0)));
        assert_eq!(parse_preamble(b"-ERR no"), PreambleLine::MasterError("ERR no".into()));
        assert_eq!(parse_preamble(b"+OK"), PreambleLine::BadProtocol("+OK".into()));
        assert_eq!(eof_preamble(&mark), [&b"$EOF:"[..], &mark[..], b"\r\n"].concat());
        assert_eq!(sized_preamble(5), b"$5\r\n");
        assert!(random_mark().iter().all(u8::is_ascii_hexdigit));
    }

    #[test]
    fn sized_payload_stops_at_its_length() {
        let mut receiver = Receiver::new(Framing::Sized(5));
        let mut got = Vec::new();
        assert_eq!(receiver.feed(b"abc", |p| got.extend_from_slice(p)), 3);
        assert_eq!(receiver.feed(b"de*1\r\n", |p| got.extend_from_slice(p)), 2);
        assert!(receiver.is_done());
        assert_eq!(got, b"abcde");
        assert!(Receiver::new(Framing::Sized(0)).is_done());
    }

    proptest! {
        #[test]
        fn eof_mark_payload_is_exact_in_any_chunking(payload in prop::collection::vec(any::<u8>(), 0..300), cuts in prop::collection::vec(1usize..50, 1..20)) {
            let mark = random_mark();
            let wire = [&payload[..], &mark[..]].concat();
            let mut receiver = Receiver::new(Framing::EofMark(mark));
            let mut got = Vec::new();
            let mut rest = &wire[..];
            let mut cut = cuts.iter().cycle();
            while !rest.is_empty() {
                let n = (*cut.next().unwrap()).min(rest.len());
                receiver.feed(&rest[..n], |p| got.extend_from_slice(p));
                rest = &rest[n..];
            }
            prop_assert!(receiver.is_done());
            prop_assert_eq!(got, payload);
        }
    }
}
