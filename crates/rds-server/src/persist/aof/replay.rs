//! Reading AOF commands (`*<argc>` then `$<len>` arguments; `#` annotation lines skipped) and replaying
//! them against the keyspace like Redis's fake AOF client: no replies, no propagation, MULTI queued
//! until EXEC, and time frozen at "loading" (nothing expires, past deadlines are kept as TTLs).

use std::io::{BufRead, Read};

use bytes::Bytes;
use rds_commands::{resolve, Resolved};

use crate::client::Session;
use crate::ctx::Ctx;
use crate::state::ServerState;

/// Longest `*<argc>` / `$<len>` / annotation line accepted.
const MAX_LINE: u64 = 64 * 1024;

/// Why reading stopped before the end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file ends in the middle of a command: it may be truncated there.
    Truncated,
    /// Bytes that are not the AOF format.
    Format,
    /// The reader failed.
    Io(String),
}

/// Reads AOF commands from a buffered reader, tracking the byte offset.
pub struct CommandReader<R: BufRead> {
    reader: R,
    /// Offset of the next unread byte.
    pub offset: u64,
}

impl<R: BufRead> CommandReader<R> {
    /// A reader starting at `offset` (after an RDB preamble, for example).
    pub fn new(reader: R, offset: u64) -> Self {
        CommandReader { reader, offset }
    }

    /// Reads one line including its `\n`; an empty vector at the end of the file.
    fn line(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut line = Vec::new();
        let read =
            (&mut self.reader).take(MAX_LINE).read_until(b'\n', &mut line).map_err(|e| ReadError::Io(e.to_string()))?;
        self.offset += read as u64;
        Ok(line)
    }

    /// The next command; `Ok(None)` at a clean end of file.
    pub fn next_command(&mut self) -> Result<Option<Vec<Bytes>>, ReadError> {
        let header = loop {
            let line = self.line()?;
            if line.is_empty() {
                return Ok(None);
            }
            if line[0] != b'#' {
                break line;
            }
        };
        if header[0] != b'*' {
            return Err(ReadError::Format);
        }
        if header.last() != Some(&b'\n') {
            return Err(ReadError::Truncated);
        }
        let argc = parse_count(&header[1..]).filter(|n| *n >= 1).ok_or(ReadError::Format)?;
        let mut argv = Vec::new();
        for _ in 0..argc {
            let line = self.line()?;
            if line.is_empty() || line.last() != Some(&b'\n') {
                return Err(ReadError::Truncated);
            }
            if line[0] != b'$' {
                return Err(ReadError::Format);
            }
            let len = parse_count(&line[1..]).ok_or(ReadError::Format)?;
            argv.push(Bytes::from(self.exact(len)?));
            self.exact(2)?;
        }
        Ok(Some(argv))
    }

    /// Reads exactly `len` bytes, growing the buffer only as data arrives.
    fn exact(&mut self, len: u64) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let read = (&mut self.reader).take(len).read_to_end(&mut out).map_err(|e| ReadError::Io(e.to_string()))?;
        self.offset += read as u64;
        if (read as u64) < len {
            return Err(ReadError::Truncated);
        }
        Ok(out)
    }
}

/// A non-negative decimal count followed by `\r\n` (or `\n`).
fn parse_count(digits: &[u8]) -> Option<u64> {
    let digits = digits.strip_suffix(b"\n").unwrap_or(digits);
    let digits = digits.strip_suffix(b"\r").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Replays commands like Redis's fake AOF client.
pub struct Replayer {
    session: Session,
    /// Commands queued since MULTI.
    multi: Option<Vec<Vec<Bytes>>>,
}

impl Default for Replayer {
    fn default() -> Self {
        Replayer { session: Session::new(0, true, true), multi: None }
    }
}

impl Replayer {
    /// True inside MULTI (an EOF here means the transaction is incomplete).
    pub fn in_multi(&self) -> bool {
        self.multi.is_some()
    }

    /// Forgets an incomplete transaction.
    pub fn discard_multi(&mut self) {
        self.multi = None;
    }

    /// Starts a new file: Redis loads every file with a fresh client in database 0.
    pub fn reset(&mut self) {
        *self = Replayer::default();
    }

    /// Runs (or queues) one command; an unknown command is an error naming it.
    pub fn execute(&mut self, state: &mut ServerState, argv: Vec<Bytes>) -> Result<(), String> {
        let spec = match resolve(&argv) {
            Resolved::Command(spec) => spec,
            _ => return Err(format!("Unknown command '{}'", String::from_utf8_lossy(&argv[0]))),
        };
        match spec.name {
            "multi" => self.multi = Some(Vec::new()),
            "exec" => {
                for queued in self.multi.take().unwrap_or_default() {
                    self.run(state, &queued);
                }
            }
            _ => match &mut self.multi {
                Some(queue) => queue.push(argv),
                None => self.run(state, &argv),
            },
        }
        Ok(())
    }

    /// Calls the handler with the clock at 0, so nothing counts as expired while loading.
    fn run(&mut self, state: &mut ServerState, argv: &[Bytes]) {
        let Resolved::Command(spec) = resolve(argv) else { return };
        let mut ctx = Ctx::new(state, &mut self.session, argv, spec, 0);
        let _ = crate::cmd::handler(spec.id)(&mut ctx);
        self.session.reply.buf.clear();
        self.session.block = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> (Vec<Vec<Bytes>>, Result<(), ReadError>, u64) {
        let mut reader = CommandReader::new(bytes, 0);
        let mut commands = Vec::new();
        let mut valid = 0;
        loop {
            match reader.next_command() {
                Ok(Some(argv)) => {
                    commands.push(argv);
                    valid = reader.offset;
                }
                Ok(None) => return (commands, Ok(()), valid),
                Err(error) => return (commands, Err(error), valid),
            }
        }
    }

    #[test]
    fn reads_commands_and_skips_annotations() {
        let (commands, result, valid) =
            read_all(b"#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$0\r\n\r\n");
        assert_eq!(result, Ok(()));
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[1], vec![Bytes::from("set"), Bytes::from("a"), Bytes::from("")]);
        assert_eq!(valid, 65);
    }

    #[test]
    fn a_torn_tail_is_truncation_and_garbage_is_a_format_error() {
        let good = b"*3\r\n$3\r\nset\r\n$1\r\nc\r\n$1\r\n1\r\n";
        for cut in 1..good.len() {
            let (commands, result, valid) = read_all(&good[..cut]);
            assert!(commands.is_empty() && valid == 0);
            assert_eq!(result, Err(ReadError::Truncated), "cut at {cut}");
        }
        assert_eq!(read_all(b"set a b\r\n").1, Err(ReadError::Format));
        assert_eq!(read_all(b"*0\r\n").1, Err(ReadError::Format));
        assert_eq!(read_all(b"*1\r\nfoo\r\n").1, Err(ReadError::Format));
        assert_eq!(read_all(b"*1\r\n$-1\r\n").1, Err(ReadError::Format));
        assert_eq!(read_all(b"*1\r\n$99999999999\r\nab").1, Err(ReadError::Truncated), "no allocation from the claim");
    }
}
