//! [`Encoder`]: writes an RDB v10 stream to any `std::io::Write`, one item at a time.
//!
//! The encoder never needs the whole dataset: a snapshot writer feeds it entries (possibly from a
//! background thread holding copies or a consistent view) and it streams them out through a 64 KiB
//! buffer, keeping the CRC-64 as it goes. Call [`Encoder::finish`] to write EOF and the checksum.

mod value;

use std::io::Write;

use rds_storage::Value;

use crate::error::Result;
use crate::io::{Out, Sink};
use crate::{length, opcode, RDB_VERSION};
pub use value::{set_packed_threshold, type_code, write_body, StringWriter};

/// How to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes when that helps.
    pub compression: bool,
    /// `rdbchecksum`: write the CRC-64 (otherwise eight zero bytes, which loaders accept).
    pub checksum: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { compression: true, checksum: true }
    }
}

/// Replication state saved in the aux fields, so a restarted replica can PSYNC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplInfo {
    /// `repl-stream-db`: the database selected in the replication stream.
    pub stream_db: i64,
    /// `repl-id`: the 40-character replication id.
    pub id: String,
    /// `repl-offset`: the replication offset.
    pub offset: i64,
}

/// The aux fields Redis 7.0 writes at the start of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxFields {
    /// `redis-ver`.
    pub redis_ver: String,
    /// `redis-bits`.
    pub redis_bits: i64,
    /// `ctime`: creation time, unix seconds.
    pub ctime: i64,
    /// `used-mem`: memory in use, bytes.
    pub used_mem: i64,
    /// `repl-stream-db`, `repl-id`, `repl-offset`, when the server has replication state.
    pub repl: Option<ReplInfo>,
    /// `aof-base`: whether this snapshot is the base of an AOF.
    pub aof_base: bool,
}

impl Default for AuxFields {
    fn default() -> Self {
        AuxFields {
            redis_ver: "7.0.15".to_string(),
            redis_bits: 64,
            ctime: 0,
            used_mem: 0,
            repl: None,
            aof_base: false,
        }
    }
}

/// One key to write.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    /// The key.
    pub key: &'a [u8],
    /// The value.
    pub value: &'a Value,
    /// Absolute expire time, unix ms.
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds (written with an LRU `maxmemory-policy`).
    pub idle_secs: Option<u64>,
    /// LFU counter (written with an LFU `maxmemory-policy`).
    pub freq: Option<u8>,
}

impl<'a> EntryRef<'a> {
    /// An entry without TTL or access metadata.
    pub fn new(key: &'a [u8], value: &'a Value) -> Self {
        EntryRef { key, value, expire_ms: None, idle_secs: None, freq: None }
    }
}

/// Streams an RDB file: header, aux fields, functions, databases, EOF and checksum.
pub struct Encoder<W: Write> {
    sink: Sink<W>,
    strings: StringWriter,
    options: EncodeOptions,
    db: Option<u64>,
}

impl<W: Write> Encoder<W> {
    /// Starts a stream on `writer`: writes the `REDIS0010` header.
    pub fn new(writer: W, options: EncodeOptions) -> Result<Self> {
        let mut sink = Sink::new(writer);
        sink.put(format!("REDIS{RDB_VERSION:04}").as_bytes())?;
        Ok(Encoder { sink, strings: StringWriter::new(options.compression), options, db: None })
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.sink.written()
    }

    /// Writes one aux field.
    pub fn aux(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.sink.put(&[opcode::AUX])?;
        self.strings.write(&mut self.sink, key)?;
        self.strings.write(&mut self.sink, value)?;
        Ok(())
    }

    /// Writes the aux fields Redis 7.0 writes, in its order.
    pub fn aux_fields(&mut self, aux: &AuxFields) -> Result<()> {
        self.aux(b"redis-ver", aux.redis_ver.as_bytes())?;
        self.aux(b"redis-bits", aux.redis_bits.to_string().as_bytes())?;
        self.aux(b"ctime", aux.ctime.to_string().as_bytes())?;
        self.aux(b"used-mem", aux.used_mem.to_string().as_bytes())?;
        if let Some(repl) = &aux.repl {
            self.aux(b"repl-stream-db", repl.stream_db.to_string().as_bytes())?;
            self.aux(b"repl-id", repl.id.as_bytes())?;
            self.aux(b"repl-offset", repl.offset.to_string().as_bytes())?;
        }
        self.aux(b"aof-base", if aux.aof_base { b"1" } else { b"0" })
    }

    /// Writes a function library (its code, which names the library in its shebang line).
    pub fn function(&mut self, code: &[u8]) -> Result<()> {
        self.sink.put(&[opcode::FUNCTION2])?;
        self.strings.write(&mut self.sink, code)?;
        Ok(())
    }

    /// Starts database `db`: SELECTDB, then RESIZEDB with its key and expire counts (sizing hints).
    pub fn select_db(&mut self, db: u64, keys: u64, expires: u64) -> Result<()> {
        let mut head = vec![opcode::SELECTDB];
        length::push(&mut head, db);
        head.push(opcode::RESIZEDB);
        length::push(&mut head, keys);
        length::push(&mut head, expires);
        self.sink.put(&head)?;
        self.db = Some(db);
        Ok(())
    }

    /// Writes one key of the current database (see [`Encoder::select_db`]).
    pub fn entry(&mut self, entry: &EntryRef<'_>) -> Result<()> {
        let mut head = Vec::with_capacity(24);
        if let Some(when) = entry.expire_ms {
            head.push(opcode::EXPIRETIME_MS);
            head.extend_from_slice(&when.to_le_bytes());
        }
        if let Some(idle) = entry.idle_secs {
            head.push(opcode::IDLE);
            length::push(&mut head, idle);
        }
        if let Some(freq) = entry.freq {
            head.extend_from_slice(&[opcode::FREQ, freq]);
        }
        head.push(type_code(entry.value));
        self.sink.put(&head)?;
        self.strings.write(&mut self.sink, entry.key)?;
        value::write_body(&mut self.sink, entry.value, &mut self.strings)?;
        Ok(())
    }

    /// Writes entries given as `(db, key, value, expire ms)`, with a SELECTDB (without sizing
    /// hints) whenever the database changes. Entries of one database must be consecutive.
    pub fn entries<'a, I>(&mut self, entries: I) -> Result<()>
    where
        I: IntoIterator<Item = (u64, &'a [u8], &'a Value, Option<i64>)>,
    {
        for (db, key, value, expire_ms) in entries {
            if self.db != Some(db) {
                let mut head = vec![opcode::SELECTDB];
                length::push(&mut head, db);
                self.sink.put(&head)?;
                self.db = Some(db);
            }
            self.entry(&EntryRef { key, value, expire_ms, idle_secs: None, freq: None })?;
        }
        Ok(())
    }

    /// Writes EOF and the checksum, flushes, and returns the writer.
    pub fn finish(mut self) -> Result<W> {
        self.sink.put(&[opcode::EOF])?;
        let checksum = if self.options.checksum { self.sink.checksum() } else { 0 };
        self.sink.put(&checksum.to_le_bytes())?;
        Ok(self.sink.into_inner()?)
    }
}
