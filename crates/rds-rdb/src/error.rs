//! [`RdbError`]: why a snapshot or payload could not be read or written, with the byte offset.

use crate::types;

/// A result of this crate.
pub type Result<T, E = RdbError> = std::result::Result<T, E>;

/// Why reading or writing an RDB stream failed.
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The stream does not start with `REDIS` and four version digits.
    #[error("Wrong signature trying to load DB from file")]
    BadMagic,
    /// The RDB version is newer than Redis 7.0's (10), or 0.
    #[error("Can't handle RDB format version {0}")]
    UnsupportedVersion(u32),
    /// The CRC-64 stored after the EOF opcode (or in a DUMP payload) differs from the data's.
    #[error("Wrong RDB checksum expected: ({expected:x}) got: ({actual:x})")]
    Checksum {
        /// The checksum stored in the stream.
        expected: u64,
        /// The checksum of the bytes read.
        actual: u64,
    },
    /// The stream ended in the middle of something.
    #[error(
        "Short read or OOM loading DB. Unrecoverable error, aborting now (unexpected end of data at offset {offset})"
    )]
    Truncated {
        /// Bytes read before the end.
        offset: u64,
    },
    /// The bytes are not a valid encoding.
    #[error("Corrupt RDB at offset {offset}: {what}")]
    Corrupt {
        /// Offset of the first byte of the malformed item (or where reading stopped).
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// A value of a type rds cannot hold (streams, module values).
    #[error("Key '{}' holds a {} (RDB type {type_code}), which rds cannot load", String::from_utf8_lossy(key), types::name(*type_code))]
    UnsupportedType {
        /// The key.
        key: Vec<u8>,
        /// The RDB type code.
        type_code: u8,
    },
}

impl RdbError {
    /// A [`RdbError::Corrupt`] at `offset`.
    pub fn corrupt(offset: u64, what: impl Into<String>) -> RdbError {
        RdbError::Corrupt { offset, what: what.into() }
    }
}
