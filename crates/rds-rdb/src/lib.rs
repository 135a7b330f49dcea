//! RDB snapshots as Redis 7.0 writes and reads them (format version 10), and the DUMP/RESTORE payload.
//!
//! Layout:
//! - [`encode`]: [`Encoder`] streams a snapshot to any `std::io::Write` one entry at a time, computing
//!   the CRC-64 as it goes, so a background writer can hand it entries while the server keeps running.
//! - [`decode`]: [`Decoder`] reads any RDB up to version 10 from a `std::io::Read`, yielding aux
//!   fields, function libraries and key entries; memory is bounded by what was actually read.
//! - [`dump`]: DUMP/RESTORE payloads (one serialized value + RDB version + CRC-64).
//! - Packed blobs: [`listpack`], [`ziplist`], [`intset`], [`zipmap`]; strings: [`lzf`], [`length`];
//!   scores as text: [`double`]; the checksumming byte streams: [`io`].
//!
//! Encodings are chosen the way Redis 7.0 chooses them (listpack blobs for small hashes and sorted
//! sets, intsets, quicklist-2 lists, int-encoded and LZF-compressed strings), so our files are no
//! larger than Redis's and real Redis loads them. Streams and module values are reported as
//! [`RdbError::UnsupportedType`].
//!
//! This crate depends on `rds-storage` only: it knows nothing of the server, RESP or sockets.

pub mod decode;
pub mod double;
pub mod dump;
pub mod encode;
mod error;
pub mod intset;
pub mod io;
pub mod length;
pub mod listpack;
pub mod lzf;
pub mod ziplist;
pub mod zipmap;

pub use decode::{Decoder, Entry, Item, LoadLimits};
pub use dump::{decode_payload, dump_payload, dump_payload_with, restore_payload, verify_payload};
pub use encode::{AuxFields, EncodeOptions, Encoder, EntryRef, ReplInfo};
pub use error::{RdbError, Result};

/// The RDB format version this crate writes (Redis 7.0's), and the newest it reads.
pub const RDB_VERSION: u16 = 10;

/// CRC-64/Redis (Jones polynomial, reflected), the checksum of RDB files and DUMP payloads. Slice-by-16
/// tables: several times faster than one table on whole buffers, as Redis's `crcspeed` is.
pub static CRC64: crc::Crc<u64, crc::Table<16>> = crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

/// Opcodes that may appear where a value type is expected.
pub mod opcode {
    /// A function library (Redis 7.0 GA).
    pub const FUNCTION2: u8 = 245;
    /// A function in the pre-GA 7.0 format (never written by a release; refused).
    pub const FUNCTION_PRE_GA: u8 = 246;
    /// Module auxiliary data.
    pub const MODULE_AUX: u8 = 247;
    /// LRU idle time of the next key, in seconds.
    pub const IDLE: u8 = 248;
    /// LFU counter of the next key.
    pub const FREQ: u8 = 249;
    /// An auxiliary field: two strings.
    pub const AUX: u8 = 250;
    /// Sizes of the current database's key and expire tables (a hint).
    pub const RESIZEDB: u8 = 251;
    /// Absolute expire time of the next key, ms, 8 bytes little-endian.
    pub const EXPIRETIME_MS: u8 = 252;
    /// Absolute expire time of the next key, seconds, 4 bytes little-endian (old files).
    pub const EXPIRETIME: u8 = 253;
    /// Switches the database of the following keys.
    pub const SELECTDB: u8 = 254;
    /// End of the file; the checksum follows.
    pub const EOF: u8 = 255;
}

/// Value type codes.
pub mod types {
    /// A string.
    pub const STRING: u8 = 0;
    /// A list as plain strings (old files).
    pub const LIST: u8 = 1;
    /// A set as plain strings.
    pub const SET: u8 = 2;
    /// A sorted set with scores as strings (old files).
    pub const ZSET: u8 = 3;
    /// A hash as plain field/value strings.
    pub const HASH: u8 = 4;
    /// A sorted set with binary double scores.
    pub const ZSET_2: u8 = 5;
    /// A module value (pre-GA format).
    pub const MODULE: u8 = 6;
    /// A module value.
    pub const MODULE_2: u8 = 7;
    /// A hash as a zipmap blob (very old files).
    pub const HASH_ZIPMAP: u8 = 9;
    /// A list as a ziplist blob (old files).
    pub const LIST_ZIPLIST: u8 = 10;
    /// A set of integers as an intset blob.
    pub const SET_INTSET: u8 = 11;
    /// A sorted set as a ziplist blob (old files).
    pub const ZSET_ZIPLIST: u8 = 12;
    /// A hash as a ziplist blob (old files).
    pub const HASH_ZIPLIST: u8 = 13;
    /// A list as a quicklist of ziplists (old files).
    pub const LIST_QUICKLIST: u8 = 14;
    /// A stream (Redis 5 to 6.2).
    pub const STREAM_LISTPACKS: u8 = 15;
    /// A hash as a listpack blob.
    pub const HASH_LISTPACK: u8 = 16;
    /// A sorted set as a listpack blob.
    pub const ZSET_LISTPACK: u8 = 17;
    /// A list as a quicklist of listpacks (Redis 7.0).
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// A stream (Redis 7.0).
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// A set as a listpack blob (Redis 7.2; read only).
    pub const SET_LISTPACK: u8 = 20;
    /// A stream (Redis 7.2).
    pub const STREAM_LISTPACKS_3: u8 = 21;

    /// A readable name for a type code, for error messages.
    pub fn name(code: u8) -> &'static str {
        match code {
            STRING => "string",
            LIST | LIST_ZIPLIST | LIST_QUICKLIST | LIST_QUICKLIST_2 => "list",
            SET | SET_INTSET | SET_LISTPACK => "set",
            ZSET | ZSET_2 | ZSET_ZIPLIST | ZSET_LISTPACK => "zset",
            HASH | HASH_ZIPMAP | HASH_ZIPLIST | HASH_LISTPACK => "hash",
            MODULE | MODULE_2 => "module",
            STREAM_LISTPACKS | STREAM_LISTPACKS_2 | STREAM_LISTPACKS_3 => "stream",
            _ => "unknown",
        }
    }
}

/// Integers stored as strings are formatted like Redis's `ll2string`.
pub(crate) use rds_itoa::format_i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_matches_redis_check_value() {
        assert_eq!(CRC64.checksum(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }
}
