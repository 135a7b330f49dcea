//! [`Value`]: what a key holds, and the names Redis gives its types and encodings.

use crate::compact::CompactBytes;
use crate::hash::Hash;
use crate::list::List;
use crate::num::parse_i64;
use crate::set::Set;
use crate::zset::ZSet;

/// Longest string Redis stores with the `embstr` encoding.
pub const EMBSTR_MAX_LEN: usize = 44;

/// A key's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string set as a whole (SET, INCR, ...): encoded `int`, `embstr` or `raw` by content, as Redis's
    /// `tryObjectEncoding` would.
    Str(CompactBytes),
    /// A string modified in place (APPEND, SETRANGE, SETBIT): always `raw`, with room to grow.
    Raw(Vec<u8>),
    /// A whole string Redis never int-encodes (INCRBYFLOAT results): `embstr` up to 44 bytes, else `raw`.
    Embstr(CompactBytes),
    /// A list.
    List(Box<List>),
    /// A hash.
    Hash(Hash),
    /// A set.
    Set(Set),
    /// A sorted set.
    ZSet(Box<ZSet>),
}

impl Value {
    /// A string value from bytes.
    pub fn string(bytes: &[u8]) -> Value {
        Value::Str(CompactBytes::new(bytes))
    }

    /// The name TYPE replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Raw(_) | Value::Embstr(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(bytes) => string_encoding(bytes),
            Value::Raw(_) => "raw",
            Value::Embstr(bytes) if bytes.len() <= EMBSTR_MAX_LEN => "embstr",
            Value::Embstr(_) => "raw",
            Value::List(list) => list.encoding_name(),
            Value::Hash(hash) => hash.encoding_name(),
            Value::Set(set) => set.encoding_name(),
            Value::ZSet(zset) => zset.encoding_name(),
        }
    }

    /// The bytes of a string value; `None` for other types.
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Value::Str(bytes) | Value::Embstr(bytes) => Some(bytes.as_slice()),
            Value::Raw(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Reads the first byte of a string's heap bytes (0 for anything else), to bring them into the
    /// cache ahead of a copy (see [`crate::dict::Dict::walk_buckets`]).
    pub fn warm(&self) -> usize {
        match self {
            Value::Str(CompactBytes::Heap(bytes)) | Value::Embstr(CompactBytes::Heap(bytes)) => {
                bytes.first().map_or(0, |b| usize::from(*b))
            }
            Value::Raw(bytes) => bytes.first().map_or(0, |b| usize::from(*b)),
            _ => 0,
        }
    }

    /// Approximate heap bytes owned by the value, for INFO memory and eviction.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(bytes) | Value::Embstr(bytes) => bytes.heap_size(),
            Value::Raw(bytes) => bytes.capacity(),
            Value::List(list) => std::mem::size_of::<List>() + list.heap_size(),
            Value::Hash(hash) => hash.heap_size(),
            Value::Set(set) => set.heap_size(),
            Value::ZSet(zset) => std::mem::size_of::<ZSet>() + zset.heap_size(),
        }
    }
}

/// Redis's encoding for a string stored whole.
pub fn string_encoding(bytes: &[u8]) -> &'static str {
    if bytes.len() <= 20 && parse_i64(bytes).is_some() {
        "int"
    } else if bytes.len() <= EMBSTR_MAX_LEN {
        "embstr"
    } else {
        "raw"
    }
}

/// A value with its access metadata, as stored in the keyspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// LRU clock (seconds, 24 bits like Redis) or LFU counter and decay time, per `maxmemory-policy`.
    pub access: u32,
}
