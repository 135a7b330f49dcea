//! Hash writers: HSET, HMSET, HSETNX, HDEL, HINCRBY and HINCRBYFLOAT.
//!
//! Like Redis, HSET counts one change per pair (even when a value is unchanged), HINCRBYFLOAT is
//! replicated as `HSET key field result` so replicas never redo the x87 arithmetic, and a hash emptied
//! by HDEL is deleted with a `del` event after the `hdel` one.

use bytes::Bytes;
use rds_storage::hash::Hash;
use rds_storage::intset::format_i64;
use rds_storage::num::parse_i64;
use rds_storage::Value;

use super::write_hash;
use crate::cmd::longdouble::LongDouble;
use crate::cmd::string::arg_bytes;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, HASH};

/// Sets every field/value pair of arguments 2.. at key 1, creating the hash; returns the new fields.
fn set_pairs(ctx: &mut Ctx) -> Result<usize, CommandError> {
    if ctx.argc() % 2 == 1 {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    let key = ctx.arg(1);
    let limits = ctx.server.settings.hash_limits;
    let pairs = ctx.argv.get(2..).unwrap_or_default().chunks_exact(2);
    let count = pairs.len();
    let added = match write_hash(ctx, key)? {
        Some(hash) => pairs.filter(|pair| hash.set(&pair[0], &pair[1], &limits)).count(),
        None => {
            let mut hash = Hash::new();
            let added = pairs.filter(|pair| hash.set(&pair[0], &pair[1], &limits)).count();
            ctx.set_value(key, Value::Hash(hash));
            added
        }
    };
    ctx.changed(count as u64);
    ctx.notify(HASH, "hset", key);
    Ok(added)
}

/// HSET key field value [field value ...]: the number of fields added.
pub fn hset(ctx: &mut Ctx) -> CmdResult {
    let added = set_pairs(ctx)?;
    ctx.out().int(added as i64);
    Ok(())
}

/// HMSET key field value [field value ...]: HSET replying OK.
pub fn hmset(ctx: &mut Ctx) -> CmdResult {
    set_pairs(ctx)?;
    ctx.out().ok();
    Ok(())
}

/// HSETNX key field value: sets the field only when it is absent.
pub fn hsetnx(ctx: &mut Ctx) -> CmdResult {
    let (key, field, value) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    // One lookup, as in Redis: a second would touch the key's LFU/LRU clock twice.
    if !store_field(ctx, key, field, value, true)? {
        ctx.out().int(0);
        return Ok(());
    }
    ctx.changed(1);
    ctx.notify(HASH, "hset", key);
    ctx.out().int(1);
    Ok(())
}

/// HDEL key field [field ...]: the number of fields removed; an emptied hash is deleted.
pub fn hdel(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let fields = ctx.argv.get(2..).unwrap_or_default();
    let Some(hash) = write_hash(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut deleted = 0;
    for field in fields {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                break;
            }
        }
    }
    let emptied = hash.is_empty();
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        ctx.changed(deleted);
        ctx.notify(HASH, "hdel", key);
        if emptied {
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

/// Stores `value` in `field` of the hash at `key`, creating the hash when missing; with `if_absent`,
/// leaves an existing field alone. Returns whether the value was stored.
fn store_field(ctx: &mut Ctx, key: &[u8], field: &[u8], value: &[u8], if_absent: bool) -> Result<bool, CommandError> {
    let limits = ctx.server.settings.hash_limits;
    match write_hash(ctx, key)? {
        Some(hash) if if_absent && hash.contains(field) => return Ok(false),
        Some(hash) => {
            hash.set(field, value, &limits);
        }
        None => {
            let mut hash = Hash::new();
            hash.set(field, value, &limits);
            ctx.set_value(key, Value::Hash(hash));
        }
    }
    Ok(true)
}

/// HINCRBY key field increment: the new value; a missing field counts as 0.
pub fn hincrby(ctx: &mut Ctx) -> CmdResult {
    let increment = ctx.int_arg(3)?;
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let current = match write_hash(ctx, key)?.and_then(|hash| hash.get(field)) {
        Some(bytes) => parse_i64(bytes).ok_or_else(|| CommandError::err("hash value is not an integer"))?,
        None => 0,
    };
    let result = current.checked_add(increment).ok_or(CommandError::Overflow)?;
    store_field(ctx, key, field, &format_i64(result), false)?;
    ctx.changed(1);
    ctx.notify(HASH, "hincrby", key);
    ctx.out().int(result);
    Ok(())
}

/// HINCRBYFLOAT key field increment: computed in x87 extended precision like INCRBYFLOAT, replicated
/// as `HSET key field result`.
pub fn hincrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let increment = LongDouble::parse(ctx.arg(3)).ok_or(CommandError::NotFloat)?;
    if !increment.is_finite() {
        return Err(CommandError::err("value is NaN or Infinity"));
    }
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let current = match write_hash(ctx, key)?.and_then(|hash| hash.get(field)) {
        Some(bytes) => LongDouble::parse(bytes).ok_or_else(|| CommandError::err("hash value is not a float"))?,
        None => LongDouble::ZERO,
    };
    let sum = current.plus(increment);
    if !sum.is_finite() {
        return Err(CommandError::err("increment would produce NaN or Infinity"));
    }
    let text = Bytes::from(sum.to_human_string());
    store_field(ctx, key, field, &text, false)?;
    ctx.changed(1);
    ctx.notify(HASH, "hincrbyfloat", key);
    ctx.out().bulk(&text);
    let (key, field) = (arg_bytes(ctx, 1), arg_bytes(ctx, 2));
    ctx.propagate(vec![Bytes::from_static(b"HSET"), key, field, text]);
    Ok(())
}
