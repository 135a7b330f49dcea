//! The replication protocol of Redis 7.0 (PSYNC2), as pure data types and functions.
//!
//! Everything here is independent of the server, sockets and tokio, so it is tested byte for byte:
//! - [`id`]: replication ids (40 hex characters) and random marks.
//! - [`backlog`]: the circular history of the replication stream (`repl-backlog-size`), which serves
//!   partial resynchronisations.
//! - [`psync`]: the PSYNC request, the master's partial-or-full decision, and the reply lines.
//! - [`replconf`]: REPLCONF option parsing, with Redis's error texts.
//! - [`handshake`]: the replica side of the 7.0 handshake as a state machine fed with reply lines.
//! - [`transfer`]: the RDB transfer framing (`$<len>` and `$EOF:<mark>`), both directions.
//!
//! No dependencies beyond std; `rds-server` drives these pieces over its connections, and nothing here
//! may import the server.

pub mod backlog;
pub mod handshake;
pub mod id;
pub mod psync;
pub mod replconf;
pub mod transfer;

pub use backlog::Backlog;
pub use id::ReplId;

/// Encodes `argv` as a RESP multibulk, the form of every command on the replication link.
pub fn encode_command(argv: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + argv.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `REPLCONF ACK <offset>`: what a replica sends once per second and in answer to GETACK.
pub fn ack_command(offset: u64) -> Vec<u8> {
    encode_command(&[b"REPLCONF", b"ACK", offset.to_string().as_bytes()])
}

/// `REPLCONF GETACK *`: what a master feeds into the stream when WAIT needs fresh acks (37 bytes).
pub const GETACK_COMMAND: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

/// The keepalive PING a master feeds into the stream every `repl-ping-replica-period` (14 bytes).
pub const PING_COMMAND: &[u8] = b"*1\r\n$4\r\nping\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_link_commands_like_redis() {
        assert_eq!(ack_command(1050), b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$4\r\n1050\r\n");
        assert_eq!(GETACK_COMMAND.len(), 37);
        assert_eq!(encode_command(&[b"REPLCONF", b"GETACK", b"*"]), GETACK_COMMAND);
        assert_eq!(PING_COMMAND.len(), 14);
    }
}
