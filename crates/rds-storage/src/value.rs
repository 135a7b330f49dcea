//! [`Value`]: what a key holds, and the names Redis gives its types and encodings.

use crate::compact::CompactBytes;
use crate::num::parse_i64;

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
}

impl Value {
    /// A string value from bytes.
    pub fn string(bytes: &[u8]) -> Value {
        Value::Str(CompactBytes::new(bytes))
    }

    /// The name TYPE replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Raw(_) => "string",
        }
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(bytes) => string_encoding(bytes),
            Value::Raw(_) => "raw",
        }
    }

    /// The bytes of a string value; `None` for other types.
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Value::Str(bytes) => Some(bytes.as_slice()),
            Value::Raw(bytes) => Some(bytes),
        }
    }

    /// Approximate heap bytes owned by the value, for INFO memory and eviction.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(bytes) => bytes.heap_size(),
            Value::Raw(bytes) => bytes.capacity(),
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
