//! The one ordered stream of write effects that replicas and the AOF consume.
//!
//! Handlers run under the server lock, so effects are appended in the single total order in which they
//! were applied. Each effect is encoded once as a RESP multibulk, with a `SELECT` inserted whenever the
//! database changes, exactly the bytes a Redis master sends; consumers count offsets in those bytes.

use bytes::{Bytes, BytesMut};

/// Encodes `argv` as a RESP multibulk into `out`.
pub fn encode_multibulk(out: &mut BytesMut, argv: &[impl AsRef<[u8]>]) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The effect stream: who consumes it and where it stands.
#[derive(Debug, Default)]
pub struct EffectStream {
    /// Database of the last effect written, so `SELECT` is only sent on change.
    last_db: Option<usize>,
    /// Bytes ever written to the stream (Redis's `master_repl_offset`).
    pub offset: u64,
    /// Encoded effects not yet taken by consumers; `None` while nobody consumes the stream.
    pending: Option<BytesMut>,
    /// The append-only file's copy of the effects: its own `SELECT` state (reset when a new incr file
    /// opens) and no replication keepalives; `None` while the AOF is off.
    aof: Option<BytesMut>,
    /// Database of the last effect in the AOF copy.
    aof_last_db: Option<usize>,
}

impl EffectStream {
    /// Starts buffering effects (a replica attached, or AOF was enabled).
    pub fn enable(&mut self) {
        if self.pending.is_none() {
            self.pending = Some(BytesMut::new());
            self.last_db = None;
        }
    }

    /// True when some consumer (replication or the AOF) wants effects.
    pub fn is_enabled(&self) -> bool {
        self.pending.is_some() || self.aof.is_some()
    }

    /// Starts the AOF copy of the stream (`appendonly yes`); its first effect starts with `SELECT`.
    pub fn enable_aof(&mut self) {
        if self.aof.is_none() {
            self.aof = Some(BytesMut::new());
            self.aof_last_db = None;
        }
    }

    /// Stops the AOF copy (`appendonly no`).
    pub fn disable_aof(&mut self) {
        self.aof = None;
    }

    /// The next AOF effect starts with `SELECT` (a new incr file opened).
    pub fn reset_aof_db(&mut self) {
        self.aof_last_db = None;
    }

    /// Takes the AOF copy's bytes appended since the last call.
    pub fn take_aof(&mut self) -> Bytes {
        self.aof.as_mut().map(|p| p.split().freeze()).unwrap_or_default()
    }

    /// Stops buffering (the last consumer went away, or this server became a replica); the offset stays.
    pub fn disable(&mut self) {
        self.pending = None;
    }

    /// The database of the last effect, if any since the last reset (`repl-stream-db`).
    pub fn current_db(&self) -> Option<usize> {
        self.last_db
    }

    /// Forgets the database of the last effect, so the next one starts with `SELECT` (a full resync
    /// begins, or a new master takes over).
    pub fn reset_db(&mut self) {
        self.last_db = None;
    }

    /// Appends an encoded command that belongs to no database (the keepalive `PING`, `REPLCONF
    /// GETACK`): it never causes a `SELECT`.
    pub fn append_raw(&mut self, encoded: &[u8]) {
        let Some(pending) = &mut self.pending else { return };
        pending.extend_from_slice(encoded);
        self.offset += encoded.len() as u64;
    }

    /// Appends one effect executed against database `db`.
    pub fn append(&mut self, db: usize, argv: &[Bytes]) {
        if let Some(aof) = &mut self.aof {
            if self.aof_last_db != Some(db) {
                encode_multibulk(aof, &[&b"SELECT"[..], db.to_string().as_bytes()]);
                self.aof_last_db = Some(db);
            }
            encode_multibulk(aof, argv);
        }
        let Some(pending) = &mut self.pending else { return };
        let before = pending.len();
        if self.last_db != Some(db) {
            let db_text = db.to_string();
            encode_multibulk(pending, &[&b"SELECT"[..], db_text.as_bytes()]);
            self.last_db = Some(db);
        }
        encode_multibulk(pending, argv);
        self.offset += (pending.len() - before) as u64;
    }

    /// Takes the encoded bytes appended since the last call.
    pub fn take(&mut self) -> Bytes {
        self.pending.as_mut().map(|p| p.split().freeze()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_select_on_database_change_and_counts_bytes() {
        let mut stream = EffectStream::default();
        stream.append(0, &[Bytes::from("SET"), Bytes::from("k"), Bytes::from("v")]);
        assert_eq!(stream.offset, 0, "nothing is counted while disabled");
        stream.enable();
        stream.append(0, &[Bytes::from("SET"), Bytes::from("k"), Bytes::from("v")]);
        stream.append(0, &[Bytes::from("DEL"), Bytes::from("k")]);
        stream.append(1, &[Bytes::from("DEL"), Bytes::from("k")]);
        let bytes = stream.take();
        let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n";
        assert_eq!(bytes, expected.as_bytes());
        assert_eq!(stream.offset, expected.len() as u64);
    }
}
