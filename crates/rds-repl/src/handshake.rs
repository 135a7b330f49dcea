//! The replica side of the Redis 7.0 handshake, as a state machine fed with the master's reply lines.
//!
//! 1. `PING`, wait for its reply (`+...`, or `-NOAUTH`/`-NOPERM`/`-ERR operation not permitted` from a
//!    password-protected master).
//! 2. Pipelined: `AUTH` (if `masterauth`), `REPLCONF listening-port`, `REPLCONF ip-address` (if
//!    announced), `REPLCONF capa eof capa psync2`; then one reply per command in order. Only an AUTH
//!    error aborts.
//! 3. `PSYNC <replid> <offset>` (or `PSYNC ? -1`), then `+FULLRESYNC`, `+CONTINUE`, a transient
//!    error (retry later), or any other error (old master: fall back to `SYNC`).

use std::collections::VecDeque;

use crate::encode_command;
use crate::id::ReplId;
use crate::replconf::parse_i64;

/// What the replica announces and what it resumes from.
#[derive(Debug, Clone, Default)]
pub struct HandshakeConfig {
    /// `masteruser`, if set.
    pub masteruser: Option<Vec<u8>>,
    /// `masterauth`, if set.
    pub masterauth: Option<Vec<u8>>,
    /// The port announced with `REPLCONF listening-port`.
    pub listening_port: u16,
    /// `replica-announce-ip`, if set.
    pub announce_ip: Option<Vec<u8>>,
    /// The history to continue: our replication id and processed offset (`PSYNC <id> <offset+1>`).
    pub resume: Option<(ReplId, u64)>,
    /// A master handing over with FAILOVER: `PSYNC ... FAILOVER` makes the new master promote itself.
    pub failover: bool,
}

/// What the replica does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Keep reading lines.
    Wait,
    /// Write these bytes, then keep reading lines.
    Send(Vec<u8>),
    /// The master starts a full resync: an RDB follows. `replid` is `None` when the line was malformed.
    FullResync {
        /// The master's replication id.
        replid: Option<ReplId>,
        /// The offset the RDB corresponds to.
        offset: i64,
    },
    /// Partial resync accepted: the stream continues; a new id when the master's history changed.
    Continue {
        /// The master's (possibly new) replication id.
        replid: Option<ReplId>,
    },
    /// The master does not know PSYNC: `SYNC` was written (these bytes) and an RDB follows.
    Sync(Vec<u8>),
}

/// Why the attempt stops; the replica reconnects later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abort(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Auth,
    ListeningPort,
    IpAddress,
    Capa,
}

#[derive(Debug)]
enum State {
    Ping,
    Replies(VecDeque<Expect>),
    Psync,
    Done,
}

/// The handshake in progress.
#[derive(Debug)]
pub struct Handshake {
    config: HandshakeConfig,
    state: State,
    /// Log lines for the caller (non-critical REPLCONF errors and the like).
    pub notes: Vec<String>,
}

impl Handshake {
    /// Starts a handshake; returns it with the first bytes to send (`PING`).
    pub fn start(config: HandshakeConfig) -> (Handshake, Vec<u8>) {
        let handshake = Handshake { config, state: State::Ping, notes: Vec::new() };
        (handshake, encode_command(&[b"PING"]))
    }

    /// The PSYNC command this handshake sends.
    pub fn psync_command(&self) -> Vec<u8> {
        let next = self.config.resume.map(|(_, offset)| offset.saturating_add(1).to_string());
        let (id, offset): (&[u8], &[u8]) = match (&self.config.resume, &next) {
            (Some((id, _)), Some(next)) => (id.as_bytes(), next.as_bytes()),
            _ => (b"?", b"-1"),
        };
        if self.config.failover {
            encode_command(&[b"PSYNC", id, offset, b"FAILOVER"])
        } else {
            encode_command(&[b"PSYNC", id, offset])
        }
    }

    /// Feeds one reply line (without CRLF).
    pub fn on_line(&mut self, line: &[u8]) -> Result<Action, Abort> {
        match &mut self.state {
            State::Ping => self.on_ping(line),
            State::Replies(expected) => {
                let Some(what) = expected.pop_front() else { return Ok(Action::Wait) };
                let finished = expected.is_empty();
                self.on_reply(what, line)?;
                if finished {
                    self.state = State::Psync;
                    return Ok(Action::Send(self.psync_command()));
                }
                Ok(Action::Wait)
            }
            State::Psync => self.on_psync(line),
            State::Done => Ok(Action::Wait),
        }
    }

    fn on_ping(&mut self, line: &[u8]) -> Result<Action, Abort> {
        let accepted = line.first() == Some(&b'+')
            || line.starts_with(b"-NOAUTH")
            || line.starts_with(b"-NOPERM")
            || line.starts_with(b"-ERR operation not permitted");
        if !accepted {
            return Err(Abort(format!("Error reply to PING from master: '{}'", String::from_utf8_lossy(line))));
        }
        let mut out = Vec::new();
        let mut expected = VecDeque::new();
        if let Some(password) = &self.config.masterauth {
            match &self.config.masteruser {
                Some(user) => out.extend(encode_command(&[b"AUTH", user, password])),
                None => out.extend(encode_command(&[b"AUTH", password])),
            }
            expected.push_back(Expect::Auth);
        }
        let port = self.config.listening_port.to_string();
        out.extend(encode_command(&[b"REPLCONF", b"listening-port", port.as_bytes()]));
        expected.push_back(Expect::ListeningPort);
        if let Some(ip) = &self.config.announce_ip {
            out.extend(encode_command(&[b"REPLCONF", b"ip-address", ip]));
            expected.push_back(Expect::IpAddress);
        }
        out.extend(encode_command(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]));
        expected.push_back(Expect::Capa);
        self.state = State::Replies(expected);
        Ok(Action::Send(out))
    }

    fn on_reply(&mut self, what: Expect, line: &[u8]) -> Result<(), Abort> {
        if line.first() != Some(&b'-') {
            return Ok(());
        }
        let text = String::from_utf8_lossy(line).into_owned();
        match what {
            Expect::Auth => return Err(Abort(format!("Unable to AUTH to MASTER: {text}"))),
            Expect::ListeningPort => {
                self.notes.push(format!("(Non critical) Master does not understand REPLCONF listening-port: {text}"))
            }
            Expect::IpAddress => {
                self.notes.push(format!("(Non critical) Master does not understand REPLCONF ip-address: {text}"))
            }
            Expect::Capa => self.notes.push(format!("(Non critical) Master does not understand REPLCONF capa: {text}")),
        }
        Ok(())
    }

    fn on_psync(&mut self, line: &[u8]) -> Result<Action, Abort> {
        if line.is_empty() {
            return Ok(Action::Wait);
        }
        if let Some(rest) = line.strip_prefix(b"+FULLRESYNC") {
            self.state = State::Done;
            return Ok(parse_fullresync(rest));
        }
        if let Some(rest) = line.strip_prefix(b"+CONTINUE") {
            self.state = State::Done;
            let id = rest.strip_prefix(b" ").and_then(ReplId::parse);
            return Ok(Action::Continue { replid: id });
        }
        let text = String::from_utf8_lossy(line).into_owned();
        if line.starts_with(b"-NOMASTERLINK") || line.starts_with(b"-LOADING") {
            return Err(Abort(format!("Master is currently unable to PSYNC but should be in the future: {text}")));
        }
        if line.starts_with(b"-ERR") {
            self.notes.push(format!("Master does not support PSYNC or is in error state (reply: {text})"));
        } else {
            self.notes.push(format!("Unexpected reply to PSYNC from master: {text}"));
        }
        self.state = State::Done;
        Ok(Action::Sync(b"SYNC\r\n".to_vec()))
    }
}

/// `+FULLRESYNC <40-char id> <offset>`; a malformed line blanks the id, as Redis does.
fn parse_fullresync(rest: &[u8]) -> Action {
    let mut words = rest.strip_prefix(b" ").unwrap_or(rest).splitn(2, |&b| b == b' ');
    let id = words.next().and_then(ReplId::parse);
    let offset = words.next().and_then(strtoll);
    match (id, offset) {
        (Some(id), Some(offset)) => Action::FullResync { replid: Some(id), offset },
        _ => Action::FullResync { replid: None, offset: -1 },
    }
}

/// C's `strtoll`: leading digits (with an optional sign), junk after them ignored.
fn strtoll(bytes: &[u8]) -> Option<i64> {
    let sign = usize::from(bytes.first() == Some(&b'-'));
    let digits = bytes[sign..].iter().take_while(|b| b.is_ascii_digit()).count();
    parse_i64(&bytes[..sign + digits]).or(Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HandshakeConfig {
        HandshakeConfig {
            masteruser: None,
            masterauth: Some(b"secret".to_vec()),
            listening_port: 17021,
            announce_ip: Some(b"10.1.2.3".to_vec()),
            resume: None,
            failover: false,
        }
    }

    #[test]
    fn sends_the_same_bytes_as_a_real_replica() {
        let (mut handshake, ping) = Handshake::start(config());
        assert_eq!(ping, b"*1\r\n$4\r\nPING\r\n");
        let Ok(Action::Send(pipelined)) = handshake.on_line(b"-NOAUTH Authentication required.") else { panic!() };
        let expected = "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n\
            *3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$5\r\n17021\r\n\
            *3\r\n$8\r\nREPLCONF\r\n$10\r\nip-address\r\n$8\r\n10.1.2.3\r\n\
            *5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n";
        assert_eq!(String::from_utf8_lossy(&pipelined), expected);
        assert_eq!(handshake.on_line(b"+OK"), Ok(Action::Wait));
        assert_eq!(handshake.on_line(b"-ERR unknown"), Ok(Action::Wait));
        assert_eq!(handshake.on_line(b"+OK"), Ok(Action::Wait));
        assert_eq!(
            handshake.on_line(b"+OK"),
            Ok(Action::Send(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n".to_vec()))
        );
        assert_eq!(handshake.notes.len(), 1);
        assert_eq!(handshake.on_line(b""), Ok(Action::Wait));
        let line = format!("+FULLRESYNC {} 1000", "a".repeat(40));
        assert_eq!(
            handshake.on_line(line.as_bytes()),
            Ok(Action::FullResync { replid: ReplId::parse(&[b'a'; 40]), offset: 1000 })
        );
    }

    #[test]
    fn resumes_with_the_next_offset_and_reads_continue() {
        let id = ReplId::parse(&[b'a'; 40]).unwrap();
        let cfg = HandshakeConfig { resume: Some((id, 1087)), listening_port: 1, ..HandshakeConfig::default() };
        let (mut handshake, _) = Handshake::start(cfg);
        assert!(matches!(handshake.on_line(b"+PONG"), Ok(Action::Send(_))));
        assert_eq!(handshake.on_line(b"+OK"), Ok(Action::Wait));
        let psync = format!("*3\r\n$5\r\nPSYNC\r\n$40\r\n{}\r\n$4\r\n1088\r\n", "a".repeat(40));
        assert_eq!(handshake.on_line(b"+OK"), Ok(Action::Send(psync.into_bytes())));
        let failover = HandshakeConfig { resume: Some((id, 1087)), failover: true, ..HandshakeConfig::default() };
        let expected = format!("*4\r\n$5\r\nPSYNC\r\n$40\r\n{}\r\n$4\r\n1088\r\n$8\r\nFAILOVER\r\n", "a".repeat(40));
        assert_eq!(Handshake::start(failover).0.psync_command(), expected.into_bytes());
        let line = format!("+CONTINUE {}", "b".repeat(40));
        assert_eq!(handshake.on_line(line.as_bytes()), Ok(Action::Continue { replid: ReplId::parse(&[b'b'; 40]) }));
    }

    #[test]
    fn errors_abort_or_fall_back() {
        let (mut handshake, _) = Handshake::start(HandshakeConfig::default());
        assert!(handshake.on_line(b"-ERR weird").is_err());
        let (mut handshake, _) = Handshake::start(config());
        handshake.on_line(b"+PONG").unwrap();
        assert!(handshake.on_line(b"-WRONGPASS invalid").is_err());
        let (mut handshake, _) = Handshake::start(HandshakeConfig::default());
        handshake.on_line(b"+PONG").unwrap();
        handshake.on_line(b"+OK").unwrap();
        handshake.on_line(b"+OK").unwrap();
        assert!(handshake.on_line(b"-LOADING busy").is_err());
        let (mut handshake, _) = Handshake::start(HandshakeConfig::default());
        handshake.on_line(b"+PONG").unwrap();
        handshake.on_line(b"+OK").unwrap();
        handshake.on_line(b"+OK").unwrap();
        assert_eq!(handshake.on_line(b"-ERR unknown command 'PSYNC'"), Ok(Action::Sync(b"SYNC\r\n".to_vec())));
        assert_eq!(parse_fullresync(b" short 5"), Action::FullResync { replid: None, offset: -1 });
        assert_eq!(handshake.on_line(b"+CONTINUE"), Ok(Action::Wait));
    }
}
