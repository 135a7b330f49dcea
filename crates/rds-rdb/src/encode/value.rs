//! Serializing one value: its RDB type code and body, with the encodings Redis 7.0 picks.

use std::sync::atomic::{AtomicUsize, Ordering};

use rds_storage::hash::Hash;
use rds_storage::list::List;
use rds_storage::num::parse_i64;
use rds_storage::set::Set;
use rds_storage::zset::ZSet;
use rds_storage::Value;

use crate::io::Out;
use crate::{double, intset, length, listpack, lzf, types};

/// Redis's quicklist node size limits for `list-max-listpack-size` -1 to -5.
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest node when `list-max-listpack-size` counts entries.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's `SIZE_ESTIMATE_OVERHEAD`: what a node admission check adds to the element's length.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Redis's default `quicklist-packed-threshold` (1 GB).
const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;
/// Elements this large get a node of their own, stored plain. Process-wide like Redis's
/// `packed_threshold`, changed only by DEBUG QUICKLIST-PACKED-THRESHOLD.
static PACKED_THRESHOLD: AtomicUsize = AtomicUsize::new(DEFAULT_PACKED_THRESHOLD);

/// Redis's `quicklistisSetPackedThreshold`: 0 restores the default, anything from 4 GB - 1 MB up is
/// refused (false).
pub fn set_packed_threshold(size: u64) -> bool {
    if size > (1u64 << 32) - (1 << 20) {
        return false;
    }
    let size = if size == 0 { DEFAULT_PACKED_THRESHOLD } else { usize::try_from(size).unwrap_or(usize::MAX) };
    PACKED_THRESHOLD.store(size, Ordering::Relaxed);
    true
}
/// Quicklist node containers.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// Writes strings: int-encoded when they are short canonical integers, LZF-compressed when that
/// saves at least 4 bytes and compression is on, raw otherwise (Redis's `rdbSaveRawString`).
pub struct StringWriter {
    compression: bool,
    lzf: lzf::Compressor,
    scratch: Vec<u8>,
}

impl StringWriter {
    /// A writer; `compression` is `rdbcompression`.
    pub fn new(compression: bool) -> Self {
        StringWriter { compression, lzf: lzf::Compressor::new(), scratch: Vec::new() }
    }

    /// Turns LZF compression on or off (`rdbcompression` can change between uses).
    pub fn set_compression(&mut self, compression: bool) {
        self.compression = compression;
    }

    /// Writes `s` as an RDB string.
    pub fn write(&mut self, out: &mut impl Out, s: &[u8]) -> std::io::Result<()> {
        if s.len() <= 11 {
            if let Some(encoded) = parse_i64(s).and_then(encode_int) {
                return out.put(&encoded.0[..encoded.1]);
            }
        }
        if self.compression && s.len() > 20 && self.lzf.compress(s, s.len() - 4, &mut self.scratch) {
            let mut head = [0u8; 19];
            head[0] = 0xc0 | length::ENC_LZF;
            let mut len = [0u8; 9];
            let used = length::encode(self.scratch.len() as u64, &mut len);
            head[1..1 + used].copy_from_slice(&len[..used]);
            let more = length::encode(s.len() as u64, &mut len);
            head[1 + used..1 + used + more].copy_from_slice(&len[..more]);
            out.put(&head[..1 + used + more])?;
            return out.put(&self.scratch);
        }
        let mut buf = [0u8; 9];
        let used = length::encode(s.len() as u64, &mut buf);
        out.put(&buf[..used])?;
        out.put(s)
    }

    /// Writes an integer as an RDB string.
    pub fn write_int(&mut self, out: &mut impl Out, value: i64) -> std::io::Result<()> {
        let mut buf = [0u8; 20];
        self.write(out, crate::format_i64(value, &mut buf))
    }
}

/// The int8/int16/int32 string encodings of `value`, if it fits one.
fn encode_int(value: i64) -> Option<([u8; 5], usize)> {
    let mut buf = [0u8; 5];
    let le = value.to_le_bytes();
    let used = if i8::try_from(value).is_ok() {
        buf[0] = 0xc0 | length::ENC_INT8;
        2
    } else if i16::try_from(value).is_ok() {
        buf[0] = 0xc0 | length::ENC_INT16;
        3
    } else if i32::try_from(value).is_ok() {
        buf[0] = 0xc0 | length::ENC_INT32;
        5
    } else {
        return None;
    };
    buf[1..used].copy_from_slice(&le[..used - 1]);
    Some((buf, used))
}

/// The RDB type code a value is written with.
pub fn type_code(value: &Value) -> u8 {
    match value {
        Value::Str(_) | Value::Raw(_) | Value::Embstr(_) => types::STRING,
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Set(set) if set.encoding_name() == "intset" => types::SET_INTSET,
        Value::Set(_) => types::SET,
        Value::Hash(hash) if hash.encoding_name() == "listpack" => types::HASH_LISTPACK,
        Value::Hash(_) => types::HASH,
        Value::ZSet(zset) if zset.encoding_name() == "listpack" => types::ZSET_LISTPACK,
        Value::ZSet(_) => types::ZSET_2,
    }
}

fn put_len(out: &mut impl Out, len: usize) -> std::io::Result<()> {
    let mut buf = [0u8; 9];
    let used = length::encode(len as u64, &mut buf);
    out.put(&buf[..used])
}

/// Writes the body of `value` (what follows the type code and key).
pub fn write_body(out: &mut impl Out, value: &Value, strings: &mut StringWriter) -> std::io::Result<()> {
    match value {
        Value::Str(_) | Value::Raw(_) | Value::Embstr(_) => strings.write(out, value.as_string().unwrap_or(&[])),
        Value::List(list) => write_list(out, list, strings),
        Value::Set(set) => write_set(out, set, strings),
        Value::Hash(hash) => write_hash(out, hash, strings),
        Value::ZSet(zset) => write_zset(out, zset, strings),
    }
}

/// Whether a quicklist node of `node_bytes` and `count` elements admits an element of `len` bytes
/// (Redis 7.0's `_quicklistNodeAllowInsert`).
fn node_admits(fill: i64, node_bytes: usize, count: usize, len: usize) -> bool {
    let new_size = node_bytes + len + SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        let level = usize::try_from(-fill - 1).unwrap_or(usize::MAX);
        return SIZE_LEVELS.get(level).is_some_and(|&limit| new_size <= limit);
    }
    new_size <= SIZE_SAFETY_LIMIT && i64::try_from(count).is_ok_and(|count| count < fill)
}

/// Splits a list into nodes as Redis's quicklist does when the elements are pushed at the tail:
/// calls `node(first, count, plain)` for each node.
fn for_each_node(list: &List, mut node: impl FnMut(usize, usize, bool) -> std::io::Result<()>) -> std::io::Result<()> {
    let fill = list.fill();
    let threshold = PACKED_THRESHOLD.load(Ordering::Relaxed);
    let (mut start, mut count, mut bytes) = (0usize, 0usize, 0usize);
    for (index, element) in list.iter().enumerate() {
        let plain = element.len() >= threshold;
        if count > 0 && !plain && node_admits(fill, bytes, count, element.len()) {
            count += 1;
            bytes += listpack::entry_size(element);
            continue;
        }
        if count > 0 {
            node(start, count, false)?;
        }
        if plain {
            node(index, 1, true)?;
            (start, count, bytes) = (index + 1, 0, 0);
        } else {
            (start, count, bytes) = (index, 1, listpack::HEADER_LEN + 1 + listpack::entry_size(element));
        }
    }
    if count > 0 {
        node(start, count, false)?;
    }
    Ok(())
}

fn write_list(out: &mut impl Out, list: &List, strings: &mut StringWriter) -> std::io::Result<()> {
    let mut nodes = 0;
    for_each_node(list, |_, _, _| {
        nodes += 1;
        Ok(())
    })?;
    put_len(out, nodes)?;
    let mut elements = list.iter();
    for_each_node(list, |_, count, plain| {
        if plain {
            put_len(out, CONTAINER_PLAIN as usize)?;
            return strings.write(out, elements.next().unwrap_or(&[]));
        }
        let mut lp = listpack::Writer::new();
        for element in elements.by_ref().take(count) {
            lp.push(element);
        }
        put_len(out, CONTAINER_PACKED as usize)?;
        strings.write(out, &lp.finish())
    })
}

fn write_set(out: &mut impl Out, set: &Set, strings: &mut StringWriter) -> std::io::Result<()> {
    if set.encoding_name() == "intset" {
        let values: Vec<i64> = set.iter().filter_map(|member| parse_i64(&member)).collect();
        return strings.write(out, &intset::encode(&values));
    }
    put_len(out, set.len())?;
    for member in set.iter() {
        strings.write(out, &member)?;
    }
    Ok(())
}

fn write_hash(out: &mut impl Out, hash: &Hash, strings: &mut StringWriter) -> std::io::Result<()> {
    if hash.encoding_name() == "listpack" {
        let mut lp = listpack::Writer::new();
        for (field, value) in hash.iter() {
            lp.push(field);
            lp.push(value);
        }
        return strings.write(out, &lp.finish());
    }
    put_len(out, hash.len())?;
    for (field, value) in hash.iter() {
        strings.write(out, field)?;
        strings.write(out, value)?;
    }
    Ok(())
}

fn write_zset(out: &mut impl Out, zset: &ZSet, strings: &mut StringWriter) -> std::io::Result<()> {
    if zset.encoding_name() == "listpack" {
        let mut lp = listpack::Writer::new();
        for (member, score) in zset.iter() {
            lp.push(member);
            lp.push(double::d2string(score).as_bytes());
        }
        return strings.write(out, &lp.finish());
    }
    // Highest score first, as Redis writes them, so loading inserts each at the head.
    put_len(out, zset.len())?;
    for (member, score) in zset.range_by_rank(0, -1, true) {
        strings.write(out, member)?;
        out.put(&score.to_le_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_bytes(s: &[u8], compression: bool) -> Vec<u8> {
        let mut out = Vec::new();
        StringWriter::new(compression).write(&mut out, s).unwrap();
        out
    }

    #[test]
    fn strings_are_encoded_like_redis() {
        assert_eq!(string_bytes(b"12", true), [0xc0, 12]);
        assert_eq!(string_bytes(b"-5", true), [0xc0, 0xfb]);
        assert_eq!(string_bytes(b"12345", true), [0xc1, 0x39, 0x30]);
        assert_eq!(string_bytes(b"1234567890", true), [0xc2, 0xd2, 0x02, 0x96, 0x49]);
        assert_eq!(string_bytes(b"12345678901", true)[0], 11);
        assert_eq!(string_bytes(b"007", true), [3, b'0', b'0', b'7']);
        let big = string_bytes(&[b'a'; 100], true);
        assert_eq!(&big[..4], [0xc3, 0x09, 0x40, 0x64]);
        assert_eq!(string_bytes(&[b'a'; 100], false).len(), 102);
    }

    #[test]
    fn node_admission_follows_quicklist_limits() {
        assert!(node_admits(-2, 8000, 100, 184));
        assert!(!node_admits(-2, 8000, 100, 185));
        assert!(node_admits(4, 20, 3, 1));
        assert!(!node_admits(4, 20, 4, 1));
        assert!(!node_admits(0, 20, 0, 1));
        assert!(!node_admits(100, 8190, 1, 1));
    }
}
