//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, over
//! [`rds_storage::hll`], which keeps Redis's exact byte format in an ordinary string value.
//!
//! Like Redis, every command that writes an HLL first makes the value a private `raw` string
//! (`dbUnshareStringValue`), PFCOUNT of one key writes the cached cardinality back (a change that is
//! replicated and invalidates WATCH), and keys are checked in argument order, each merged as soon
//! as it is checked, so the first bad key decides the error.

use rds_storage::hll::{self, Encoding, HllError};
use rds_storage::Value;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::STRING;

fn hll_error(error: HllError) -> CommandError {
    CommandError::other(error.to_string())
}

/// `hll-sparse-max-bytes`.
fn sparse_max_bytes(ctx: &Ctx) -> usize {
    usize::try_from(ctx.server.config.int("hll-sparse-max-bytes")).unwrap_or(hll::DEFAULT_SPARSE_MAX_BYTES)
}

/// The string at `key` made a private raw string (keeping its TTL), after checking it is a valid
/// HLL; `Ok(None)` when the key is missing. Looks the key up for writing (no hit/miss stats).
fn hll_for_write<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Vec<u8>>, CommandError> {
    let Some(value) = ctx.lookup_write(key) else { return Ok(None) };
    let bytes = value.as_string().ok_or(CommandError::WrongType)?;
    hll::validate(bytes).map_err(hll_error)?;
    if !matches!(value, Value::Raw(_)) {
        *value = Value::Raw(bytes.to_vec());
    }
    match value {
        Value::Raw(bytes) => Ok(Some(bytes)),
        _ => Ok(None),
    }
}

/// PFADD key [element ...]
pub fn pfadd(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let argv = ctx.argv;
    let elements = &argv[2..];
    let max_bytes = sparse_max_bytes(ctx);
    let mut updated = 0u64;
    let mut created = None;
    let hll = match hll_for_write(ctx, key)? {
        Some(hll) => hll,
        None => {
            updated += 1;
            created.insert(hll::pfadd_new(std::iter::empty(), max_bytes))
        }
    };
    for element in elements {
        // On a corrupted value the registers already raised stay raised, unsignalled, as in Redis.
        if hll::pfadd(hll, std::iter::once(element.as_ref()), max_bytes).map_err(hll_error)? {
            updated += 1;
        }
    }
    if let Some(new) = created {
        ctx.set_value(key, Value::Raw(new));
    }
    if updated > 0 {
        ctx.notify(STRING, "pfadd", key);
        ctx.changed(updated);
    }
    ctx.out().int(i64::from(updated > 0));
    Ok(())
}

/// Checks the HLLs at `keys` in order like Redis's merge loops (lookup, type, header, registers),
/// stopping at the first bad one; returns the indexes of the keys that exist.
fn check_all(ctx: &mut Ctx, keys: &[bytes::Bytes]) -> Result<Vec<usize>, CommandError> {
    let mut found = Vec::with_capacity(keys.len());
    for (index, key) in keys.iter().enumerate() {
        let Some(value) = ctx.lookup_read(key) else { continue };
        let bytes = value.as_string().ok_or(CommandError::WrongType)?;
        // Only the sparse code can be corrupted; walking it alone finds that.
        if hll::validate(bytes).map_err(hll_error)? == Encoding::Sparse {
            hll::pfcount_union(std::iter::once(bytes)).map_err(hll_error)?;
        }
        found.push(index);
    }
    Ok(found)
}

/// The string values at `keys[found]`, read without side effects (they were just checked).
fn peek_all<'d>(db: &'d rds_storage::Db, keys: &[bytes::Bytes], found: &[usize]) -> Vec<&'d [u8]> {
    found
        .iter()
        .filter_map(|&index| keys.get(index))
        .filter_map(|key| db.peek(key).and_then(|entry| entry.value.as_string()))
        .collect()
}

/// PFCOUNT key [key ...]
pub fn pfcount(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() > 2 {
        let argv = ctx.argv;
        let keys = &argv[1..];
        let found = check_all(ctx, keys)?;
        let union = {
            let db = ctx.db();
            hll::pfcount_union(peek_all(db, keys, &found)).map_err(hll_error)?
        };
        ctx.out().int(i64::try_from(union).unwrap_or(i64::MAX));
        return Ok(());
    }
    let key = ctx.arg(1);
    if ctx.lookup_read(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let Some(hll) = hll_for_write(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let count = hll::pfcount(hll).map_err(hll_error)?;
    if count.cache_written {
        ctx.changed(1);
    }
    ctx.out().int(i64::try_from(count.cardinality).unwrap_or(i64::MAX));
    Ok(())
}

/// PFMERGE destkey [sourcekey ...]
pub fn pfmerge(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let keys = &argv[1..];
    let dest = ctx.arg(1);
    let max_bytes = sparse_max_bytes(ctx);
    let found = check_all(ctx, keys)?;
    let dest_exists = found.first() == Some(&0);
    let merged = {
        let db = ctx.db();
        let values = peek_all(db, keys, &found);
        let (dest_value, sources) =
            if dest_exists { (values.first().copied(), values.get(1..).unwrap_or(&[])) } else { (None, &values[..]) };
        hll::pfmerge(dest_value, sources.iter().copied(), max_bytes).map_err(hll_error)?
    };
    if dest_exists {
        ctx.set_value_keep_ttl(dest, Value::Raw(merged));
    } else {
        ctx.set_value(dest, Value::Raw(merged));
    }
    ctx.notify(STRING, "pfadd", dest);
    ctx.changed(1);
    ctx.out().ok();
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
pub fn pfdebug(ctx: &mut Ctx) -> CmdResult {
    let sub = ctx.arg(1);
    let key = ctx.arg(2);
    let Some(hll) = hll_for_write(ctx, key)? else {
        return Err(CommandError::err("The specified key does not exist"));
    };
    let sparse = hll::validate(hll) == Ok(Encoding::Sparse);
    if sub.eq_ignore_ascii_case(b"getreg") {
        let converted = hll::to_dense(hll).map_err(hll_error)?;
        let registers = hll::registers(hll).map_err(hll_error)?;
        if converted {
            ctx.changed(1);
        }
        let out = ctx.out();
        out.array(registers.len());
        for register in registers {
            out.int(i64::from(register));
        }
    } else if sub.eq_ignore_ascii_case(b"decode") {
        if !sparse {
            return Err(CommandError::err("HLL encoding is not sparse"));
        }
        let text = decode_sparse(hll.get(hll::HEADER_LEN..).unwrap_or(&[]));
        ctx.out().bulk(text.as_bytes());
    } else if sub.eq_ignore_ascii_case(b"encoding") {
        ctx.out().simple(if sparse { "sparse" } else { "dense" });
    } else if sub.eq_ignore_ascii_case(b"todense") {
        let converted = hll::to_dense(hll).map_err(hll_error)?;
        if converted {
            ctx.changed(1);
        }
        ctx.out().int(i64::from(converted));
    } else {
        // Redis prints the subcommand with %s: up to its first NUL byte.
        let name = rds_storage::cstr::c_str_lossy(sub);
        return Err(CommandError::err(format!("Unknown PFDEBUG subcommand '{name}'")));
    }
    Ok(())
}

/// PFDEBUG DECODE's text: `z:N` (ZERO), `Z:N` (XZERO) and `v:VALUE,N` (VAL) opcodes, space separated.
fn decode_sparse(code: &[u8]) -> String {
    let mut text = String::new();
    let mut pos = 0;
    while let Some(&byte) = code.get(pos) {
        if byte & 0xc0 == 0 {
            text.push_str(&format!("z:{} ", (byte & 0x3f) + 1));
            pos += 1;
        } else if byte & 0xc0 == 0x40 {
            // A truncated XZERO reads the string terminator (0) as its second byte, as in Redis.
            let low = usize::from(code.get(pos + 1).copied().unwrap_or(0));
            text.push_str(&format!("Z:{} ", ((usize::from(byte & 0x3f) << 8) | low) + 1));
            pos += 2;
        } else {
            text.push_str(&format!("v:{},{} ", ((byte >> 2) & 0x1f) + 1, (byte & 3) + 1));
            pos += 1;
        }
    }
    text.trim_matches(' ').to_string()
}

/// Elements PFSELFTEST adds to a sparse and a dense HLL in step.
const SELFTEST_ELEMENTS: u64 = 100_000;

/// PFSELFTEST: checks that the sparse and dense encodings agree register for register while
/// elements are added, and that the estimate stays within 5 standard errors of the truth.
pub fn pfselftest(ctx: &mut Ctx) -> CmdResult {
    let max_bytes = sparse_max_bytes(ctx);
    match selftest(max_bytes) {
        Ok(()) => {
            ctx.out().ok();
            Ok(())
        }
        Err(text) => Err(CommandError::other(format!("TESTFAILED {text}"))),
    }
}

fn selftest(max_bytes: usize) -> Result<(), String> {
    let mut sparse = hll::new_sparse();
    let mut dense = hll::new_sparse();
    hll::to_dense(&mut dense).map_err(|e| e.to_string())?;
    // 1.04 / sqrt(16384) is the standard error of a 16384-register HLL.
    let relative_error = 1.04 / (hll::REGISTERS as f64).sqrt();
    let mut checkpoint = 1u64;
    for n in 1..=SELFTEST_ELEMENTS {
        let element = n.to_le_bytes();
        let a = hll::pfadd(&mut sparse, [&element[..]], max_bytes).map_err(|e| e.to_string())?;
        let b = hll::pfadd(&mut dense, [&element[..]], max_bytes).map_err(|e| e.to_string())?;
        if a != b {
            return Err(format!("Sparse and dense encodings disagree after {n} elements"));
        }
        if n == checkpoint {
            checkpoint *= 10;
            if hll::registers(&sparse) != hll::registers(&dense) {
                return Err(format!("Register mismatch after {n} elements"));
            }
            let count = hll::pfcount(&mut dense).map_err(|e| e.to_string())?.cardinality;
            let error = (n as f64 - count as f64).abs();
            let allowed = (n as f64 * relative_error * 5.0).max(1.0);
            if error > allowed {
                return Err(format!("Too big error. card:{n} abserr:{error:.6}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
