//! Reading one value body, for every type Redis 7.0 can load, into rds-storage values built with
//! the server's encoding limits (so encodings end up as Redis's would after loading).

use std::io::BufRead;

use rds_storage::hash::Hash;
use rds_storage::list::{End, List};
use rds_storage::set::Set;
use rds_storage::zset::{AddFlags, AddOutcome, ZSet};
use rds_storage::{CompactBytes, Value};

use super::LoadLimits;
use crate::error::{RdbError, Result};
use crate::io::Source;
use crate::length::{self, Head};
use crate::listpack::{Element, Packing};
use crate::{double, intset, listpack, types, zipmap};

/// Quicklist node containers.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// Reads a length; a special encoding here is corrupt.
pub fn read_len<R: BufRead>(src: &mut Source<R>) -> Result<u64> {
    let at = src.offset();
    let first = src.byte()?;
    match length::head(first) {
        Head::Done(len) => Ok(len),
        Head::More14(high) => Ok((u64::from(high) << 8) | u64::from(src.byte()?)),
        Head::More32 => Ok(u64::from(u32::from_be_bytes(src.array()?))),
        Head::More64 => Ok(u64::from_be_bytes(src.array()?)),
        Head::Special(_) | Head::Invalid => Err(RdbError::corrupt(at, format!("invalid length byte {first:#04x}"))),
    }
}

/// Reads a string in any of its forms (raw, int8/16/32, LZF), borrowed from `src` until its next read:
/// loading copies each string once, into its final place.
pub fn read_str<R: BufRead>(src: &mut Source<R>) -> Result<&[u8]> {
    let at = src.offset();
    let first = src.byte()?;
    let len = match length::head(first) {
        Head::Done(len) => len,
        Head::More14(high) => (u64::from(high) << 8) | u64::from(src.byte()?),
        Head::More32 => u64::from(u32::from_be_bytes(src.array()?)),
        Head::More64 => u64::from_be_bytes(src.array()?),
        Head::Special(length::ENC_INT8) => {
            let value = i8::from_le_bytes(src.array()?);
            return Ok(src.digits(i64::from(value)));
        }
        Head::Special(length::ENC_INT16) => {
            let value = i16::from_le_bytes(src.array()?);
            return Ok(src.digits(i64::from(value)));
        }
        Head::Special(length::ENC_INT32) => {
            let value = i32::from_le_bytes(src.array()?);
            return Ok(src.digits(i64::from(value)));
        }
        Head::Special(length::ENC_LZF) => {
            let compressed = read_len(src)?;
            let plain = usize::try_from(read_len(src)?).map_err(|_| RdbError::corrupt(at, "LZF length overflows"))?;
            return src.lzf(compressed, plain)?.ok_or_else(|| RdbError::corrupt(at, "invalid LZF compressed string"));
        }
        Head::Special(_) | Head::Invalid => {
            return Err(RdbError::corrupt(at, format!("unknown string encoding {first:#04x}")))
        }
    };
    src.take(len)
}

/// Reads a string in any of its forms into a vector of its own.
pub fn read_string<R: BufRead>(src: &mut Source<R>) -> Result<Vec<u8>> {
    Ok(read_str(src)?.to_vec())
}

/// Reads a score in the old text form of type 3 (length byte, 253 NaN, 254 +inf, 255 -inf).
fn read_text_double<R: BufRead>(src: &mut Source<R>) -> Result<f64> {
    let at = src.offset();
    match src.byte()? {
        253 => Ok(f64::NAN),
        254 => Ok(f64::INFINITY),
        255 => Ok(f64::NEG_INFINITY),
        len => {
            let text = src.bytes(u64::from(len))?;
            double::parse(&text).ok_or_else(|| RdbError::corrupt(at, "invalid score"))
        }
    }
}

/// Reads the body of a value of type `type_code`; `Ok(None)` for an empty collection, which Redis
/// skips when loading.
pub fn read_value<R: BufRead>(
    src: &mut Source<R>,
    type_code: u8,
    key: &[u8],
    limits: &LoadLimits,
) -> Result<Option<Value>> {
    let at = src.offset();
    let value = match type_code {
        types::STRING => return Ok(Some(Value::Str(CompactBytes::new(read_str(src)?)))),
        types::LIST => plain_list(src, limits)?,
        types::SET => plain_set(src, limits)?,
        types::ZSET | types::ZSET_2 => plain_zset(src, type_code, limits)?,
        types::HASH => plain_hash(src, limits)?,
        types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => quicklist(src, type_code, limits)?,
        types::HASH_ZIPMAP
        | types::LIST_ZIPLIST
        | types::SET_INTSET
        | types::ZSET_ZIPLIST
        | types::HASH_ZIPLIST
        | types::HASH_LISTPACK
        | types::ZSET_LISTPACK
        | types::SET_LISTPACK => {
            let blob = read_str(src)?;
            from_blob(blob, type_code, limits).map_err(|what| RdbError::corrupt(at, what))?
        }
        types::MODULE
        | types::MODULE_2
        | types::STREAM_LISTPACKS
        | types::STREAM_LISTPACKS_2
        | types::STREAM_LISTPACKS_3 => return Err(RdbError::UnsupportedType { key: key.to_vec(), type_code }),
        _ => return Err(RdbError::corrupt(at.saturating_sub(1), format!("unknown value type {type_code}"))),
    };
    Ok(Some(value).filter(|v| !is_empty(v)))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::List(list) => list.is_empty(),
        Value::Set(set) => set.is_empty(),
        Value::Hash(hash) => hash.is_empty(),
        Value::ZSet(zset) => zset.is_empty(),
        Value::Str(_) | Value::Raw(_) | Value::Embstr(_) => false,
    }
}

fn plain_list<R: BufRead>(src: &mut Source<R>, limits: &LoadLimits) -> Result<Value> {
    let count = read_len(src)?;
    let mut list = List::new(limits.list_max_listpack_size);
    for _ in 0..count {
        list.push(End::Tail, read_str(src)?);
    }
    Ok(Value::List(Box::new(list)))
}

fn plain_set<R: BufRead>(src: &mut Source<R>, limits: &LoadLimits) -> Result<Value> {
    let count = read_len(src)?;
    let mut set = Set::new();
    for _ in 0..count {
        let at = src.offset();
        if !set.insert(read_str(src)?, &limits.set) {
            return Err(RdbError::corrupt(at, "duplicate set members detected"));
        }
    }
    Ok(Value::Set(set))
}

fn plain_hash<R: BufRead>(src: &mut Source<R>, limits: &LoadLimits) -> Result<Value> {
    let count = read_len(src)?;
    let mut hash = Hash::new();
    let mut field = Vec::new();
    for _ in 0..count {
        let at = src.offset();
        field.clear();
        field.extend_from_slice(read_str(src)?);
        let value = read_str(src)?;
        if !hash.set(&field, value, &limits.hash) {
            return Err(RdbError::corrupt(at, "duplicate hash fields detected"));
        }
    }
    Ok(Value::Hash(hash))
}

fn plain_zset<R: BufRead>(src: &mut Source<R>, type_code: u8, limits: &LoadLimits) -> Result<Value> {
    let count = read_len(src)?;
    let hint = usize::try_from(count).unwrap_or(usize::MAX);
    let mut zset = ZSet::with_hint(hint, 0, &limits.zset);
    for _ in 0..count {
        let at = src.offset();
        let member = read_str(src)?.to_vec();
        let score = if type_code == types::ZSET_2 { f64::from_le_bytes(src.array()?) } else { read_text_double(src)? };
        zadd(&mut zset, &member, score, limits).map_err(|what| RdbError::corrupt(at, what))?;
    }
    Ok(Value::ZSet(Box::new(zset)))
}

fn zadd(zset: &mut ZSet, member: &[u8], score: f64, limits: &LoadLimits) -> Result<(), &'static str> {
    if score.is_nan() {
        return Err("zset with NAN score detected");
    }
    match zset.add(member, score, AddFlags::default(), &limits.zset) {
        Ok(AddOutcome::Added(_)) => Ok(()),
        Ok(_) => Err("duplicate zset fields detected"),
        Err(_) => Err("invalid zset entry"),
    }
}

fn quicklist<R: BufRead>(src: &mut Source<R>, type_code: u8, limits: &LoadLimits) -> Result<Value> {
    let nodes = read_len(src)?;
    let mut list = List::new(limits.list_max_listpack_size);
    let mut buf = [0u8; 20];
    for _ in 0..nodes {
        let container = if type_code == types::LIST_QUICKLIST_2 { read_len(src)? } else { CONTAINER_PACKED };
        let at = src.offset();
        let blob = read_str(src)?;
        let corrupt = |what: &str| RdbError::corrupt(at, what);
        match container {
            CONTAINER_PLAIN => list.push(End::Tail, blob),
            CONTAINER_PACKED => {
                let packing = if type_code == types::LIST_QUICKLIST { Packing::Ziplist } else { Packing::Listpack };
                for element in listpack::elements(blob, packing).map_err(corrupt)? {
                    list.push(End::Tail, element.map_err(corrupt)?.bytes(&mut buf));
                }
            }
            _ => return Err(corrupt("quicklist integrity check failed: unknown container")),
        }
    }
    Ok(Value::List(Box::new(list)))
}

/// Builds a value from a packed blob of type `type_code`.
fn from_blob(blob: &[u8], type_code: u8, limits: &LoadLimits) -> Result<Value, &'static str> {
    let mut a = [0u8; 20];
    let mut b = [0u8; 20];
    match type_code {
        types::SET_INTSET => {
            let mut set = Set::new();
            for value in intset::decode(blob)? {
                set.insert(crate::format_i64(value, &mut a), &limits.set);
            }
            Ok(Value::Set(set))
        }
        types::HASH_ZIPMAP => {
            let mut hash = Hash::new();
            for (field, value) in zipmap::decode(blob)? {
                if !hash.set(field, value, &limits.hash) {
                    return Err("duplicate hash fields detected");
                }
            }
            Ok(Value::Hash(hash))
        }
        types::LIST_ZIPLIST => {
            let mut list = List::new(limits.list_max_listpack_size);
            for element in listpack::elements(blob, Packing::Ziplist)? {
                list.push(End::Tail, element?.bytes(&mut a));
            }
            Ok(Value::List(Box::new(list)))
        }
        types::SET_LISTPACK => {
            let mut set = Set::new();
            for element in listpack::elements(blob, Packing::Listpack)? {
                if !set.insert(element?.bytes(&mut a), &limits.set) {
                    return Err("duplicate set members detected");
                }
            }
            Ok(Value::Set(set))
        }
        _ => pairs_from_blob(blob, type_code, limits, &mut a, &mut b),
    }
}

/// Hashes and sorted sets from ziplist or listpack blobs of pairs, walked in place.
fn pairs_from_blob(
    blob: &[u8],
    type_code: u8,
    limits: &LoadLimits,
    a: &mut [u8; 20],
    b: &mut [u8; 20],
) -> Result<Value, &'static str> {
    let packing = if matches!(type_code, types::HASH_ZIPLIST | types::ZSET_ZIPLIST) {
        Packing::Ziplist
    } else {
        Packing::Listpack
    };
    let mut items = listpack::elements(blob, packing)?;
    let mut next_pair = move || -> Result<Option<(Element<'_>, Element<'_>)>, &'static str> {
        match items.next().transpose()? {
            None => Ok(None),
            Some(first) => Ok(Some((first, items.next().ok_or("odd number of elements in a pair blob")??))),
        }
    };
    if matches!(type_code, types::HASH_ZIPLIST | types::HASH_LISTPACK) {
        let mut hash = Hash::new();
        while let Some((field, value)) = next_pair()? {
            if !hash.set(field.bytes(a), value.bytes(b), &limits.hash) {
                return Err("duplicate hash fields detected");
            }
        }
        return Ok(Value::Hash(hash));
    }
    let mut zset = ZSet::new();
    while let Some((member, score)) = next_pair()? {
        let score = match score {
            Element::Int(value) => value as f64,
            Element::Str(text) => double::parse(text).ok_or("invalid zset score")?,
        };
        zadd(&mut zset, member.bytes(a), score, limits)?;
    }
    Ok(Value::ZSet(Box::new(zset)))
}
