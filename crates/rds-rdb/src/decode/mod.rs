//! [`Decoder`]: reads an RDB stream (version 1 to 10) item by item from any `std::io::BufRead`.
//!
//! The decoder reads in place from the reader's buffer (wrap a file in a `BufReader`) and consumes
//! exactly what it read: it never reads past the checksum, so it can consume an RDB embedded in a
//! longer stream (a replication link, an AOF's RDB preamble). Memory is bounded by the
//! data actually read: lengths from the stream are never used to preallocate.

pub mod value;

use std::io::BufRead;

use rds_storage::hash::HashLimits;
use rds_storage::list::DEFAULT_FILL;
use rds_storage::set::SetLimits;
use rds_storage::zset::ZSetLimits;
use rds_storage::{CompactBytes, Value};

use crate::error::{RdbError, Result};
use crate::io::Source;
use crate::{opcode, RDB_VERSION};
use value::{read_len, read_str, read_string, read_value};

/// The encoding limits values are built with (the loading server's config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// `list-max-listpack-size`.
    pub list_max_listpack_size: i64,
    /// `hash-max-listpack-entries` / `hash-max-listpack-value`.
    pub hash: HashLimits,
    /// `set-max-intset-entries`.
    pub set: SetLimits,
    /// `zset-max-listpack-entries` / `zset-max-listpack-value`.
    pub zset: ZSetLimits,
}

impl Default for LoadLimits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        LoadLimits {
            list_max_listpack_size: DEFAULT_FILL,
            hash: HashLimits::default(),
            set: SetLimits::default(),
            zset: ZSetLimits::default(),
        }
    }
}

/// One key read from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its database.
    pub db: u64,
    /// The key.
    pub key: CompactBytes,
    /// The value.
    pub value: Value,
    /// Absolute expire time, unix ms (the loader decides whether to drop expired keys).
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds, when the writer had an LRU policy.
    pub idle_secs: Option<u64>,
    /// LFU counter, when the writer had an LFU policy.
    pub freq: Option<u8>,
}

/// What a snapshot contains, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An aux field (`redis-ver`, `repl-id`, ...); unknown ones are for the caller to ignore.
    Aux {
        /// Field name.
        key: Vec<u8>,
        /// Field value.
        value: Vec<u8>,
    },
    /// The following keys belong to this database.
    SelectDb(u64),
    /// Sizing hint for the current database.
    ResizeDb {
        /// Keys in the database.
        keys: u64,
        /// Keys with a TTL.
        expires: u64,
    },
    /// A function library's code.
    Function(Vec<u8>),
    /// Module aux data, skipped (it cannot be interpreted without the module).
    ModuleAux {
        /// The module's 64-bit id (name and encoding version).
        module_id: u64,
    },
    /// A key.
    Entry(Entry),
}

/// Per-key metadata seen before the key.
#[derive(Default)]
struct Pending {
    expire_ms: Option<i64>,
    idle_secs: Option<u64>,
    freq: Option<u8>,
}

/// Reads an RDB stream; see the module docs.
pub struct Decoder<R: BufRead> {
    src: Source<R>,
    version: u32,
    db: u64,
    limits: LoadLimits,
    verify_checksum: bool,
    done: bool,
    empty_keys_skipped: u64,
}

impl<R: BufRead> Decoder<R> {
    /// Reads and checks the header (`REDIS` and a version from 1 to 10).
    pub fn new(reader: R, limits: LoadLimits) -> Result<Self> {
        let mut src = Source::new(reader);
        let header: [u8; 9] = src.array().map_err(|e| match e {
            RdbError::Truncated { .. } => RdbError::BadMagic,
            other => other,
        })?;
        if &header[..5] != b"REDIS" || !header[5..].iter().all(u8::is_ascii_digit) {
            return Err(RdbError::BadMagic);
        }
        let version = header[5..].iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
        if version == 0 || version > u32::from(RDB_VERSION) {
            return Err(RdbError::UnsupportedVersion(version));
        }
        Ok(Decoder { src, version, db: 0, limits, verify_checksum: true, done: false, empty_keys_skipped: 0 })
    }

    /// Whether to check the trailing CRC-64 (DEBUG SET-SKIP-CHECKSUM-VALIDATION turns it off).
    pub fn verify_checksum(&mut self, verify: bool) {
        self.verify_checksum = verify;
    }

    /// The file's RDB version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.src.offset()
    }

    /// Empty collections skipped so far (Redis skips them too, with a warning).
    pub fn empty_keys_skipped(&self) -> u64 {
        self.empty_keys_skipped
    }

    /// The underlying reader, positioned after what was read.
    pub fn into_inner(self) -> R {
        self.src.into_inner()
    }

    /// The next item, or `None` after EOF and a valid checksum.
    pub fn next_item(&mut self) -> Result<Option<Item>> {
        if self.done {
            return Ok(None);
        }
        let mut pending = Pending::default();
        loop {
            let at = self.src.offset();
            let op = self.src.byte()?;
            let item = match op {
                opcode::EXPIRETIME_MS => {
                    pending.expire_ms = Some(i64::from_le_bytes(self.src.array()?));
                    continue;
                }
                opcode::EXPIRETIME => {
                    pending.expire_ms = Some(i64::from(i32::from_le_bytes(self.src.array()?)) * 1000);
                    continue;
                }
                opcode::IDLE => {
                    pending.idle_secs = Some(read_len(&mut self.src)?);
                    continue;
                }
                opcode::FREQ => {
                    pending.freq = Some(self.src.byte()?);
                    continue;
                }
                opcode::EOF => return self.finish(),
                opcode::AUX => Item::Aux { key: read_string(&mut self.src)?, value: read_string(&mut self.src)? },
                opcode::SELECTDB => {
                    self.db = read_len(&mut self.src)?;
                    Item::SelectDb(self.db)
                }
                opcode::RESIZEDB => {
                    Item::ResizeDb { keys: read_len(&mut self.src)?, expires: read_len(&mut self.src)? }
                }
                opcode::FUNCTION2 => Item::Function(read_string(&mut self.src)?),
                opcode::FUNCTION_PRE_GA => {
                    return Err(RdbError::corrupt(at, "pre-release function format not supported"));
                }
                opcode::MODULE_AUX => self.module_aux(at)?,
                type_code => match self.entry(type_code, &mut pending)? {
                    Some(entry) => Item::Entry(entry),
                    None => continue,
                },
            };
            return Ok(Some(item));
        }
    }

    /// Reads a key and its value; `None` (and the key skipped) for an empty collection.
    fn entry(&mut self, type_code: u8, pending: &mut Pending) -> Result<Option<Entry>> {
        let key = CompactBytes::new(read_str(&mut self.src)?);
        let Some(value) = read_value(&mut self.src, type_code, &key, &self.limits)? else {
            self.empty_keys_skipped += 1;
            *pending = Pending::default();
            return Ok(None);
        };
        let Pending { expire_ms, idle_secs, freq } = std::mem::take(pending);
        Ok(Some(Entry { db: self.db, key, value, expire_ms, idle_secs, freq }))
    }

    /// Skips module aux data, which is a sequence of typed fields ending with field type 0.
    fn module_aux(&mut self, at: u64) -> Result<Item> {
        let module_id = read_len(&mut self.src)?;
        let when_opcode = read_len(&mut self.src)?;
        let _when = read_len(&mut self.src)?;
        if when_opcode != 2 {
            return Err(RdbError::corrupt(at, "module aux data: bad 'when' field"));
        }
        loop {
            let field_at = self.src.offset();
            match read_len(&mut self.src)? {
                0 => return Ok(Item::ModuleAux { module_id }),
                1 | 2 => {
                    read_len(&mut self.src)?;
                }
                3 => {
                    self.src.array::<4>()?;
                }
                4 => {
                    self.src.array::<8>()?;
                }
                5 => {
                    read_str(&mut self.src)?;
                }
                other => {
                    return Err(RdbError::corrupt(field_at, format!("module aux data: unknown field type {other}")))
                }
            }
        }
    }

    /// After EOF: reads and checks the checksum (version 5 and later; zero means "not computed").
    fn finish(&mut self) -> Result<Option<Item>> {
        self.done = true;
        if self.version < 5 {
            return Ok(None);
        }
        let actual = self.src.checksum()?;
        let mut trailer = [0u8; 8];
        self.src.fill(&mut trailer, false)?;
        let expected = u64::from_le_bytes(trailer);
        if self.verify_checksum && expected != 0 && expected != actual {
            return Err(RdbError::Checksum { expected, actual });
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for Decoder<R> {
    type Item = Result<Item>;

    /// Items until EOF; after an error, nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.next_item();
        if item.is_err() {
            self.done = true;
        }
        item.transpose()
    }
}
