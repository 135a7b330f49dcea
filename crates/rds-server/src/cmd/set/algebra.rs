//! Set algebra: SMEMBERS, SINTER, SINTERCARD, SUNION, SDIFF and the STORE forms.
//!
//! Every source key is looked up like Redis's `lookupKeyRead` (in argument order, stopping at the
//! first WRONGTYPE); a missing key is an empty set. Results are built the way Redis builds them, so
//! their encodings and, for intsets, their (ascending) order match: intersections walk the smallest
//! set, unions add each set in turn to a fresh intset, and differences pick the same one of Redis's
//! two algorithms.

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::set::{Set, SetLimits};
use rds_storage::{Db, Entry, Value};

use super::read_set;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, SET};

/// Looks every key up for reading; which ones exist, or WRONGTYPE at the first key of another type.
fn check_sets(ctx: &mut Ctx, keys: &[Bytes]) -> Result<Vec<bool>, CommandError> {
    keys.iter()
        .map(|key| match ctx.lookup_read(key) {
            None => Ok(false),
            Some(Value::Set(_)) => Ok(true),
            Some(_) => Err(CommandError::WrongType),
        })
        .collect()
}

/// The sets of `keys` that [`check_sets`] found, `None` for the missing ones.
fn present_sets<'d>(db: &'d Db, keys: &[Bytes], present: &[bool]) -> Vec<Option<&'d Set>> {
    keys.iter()
        .zip(present)
        .map(|(key, &here)| match db.peek(key) {
            Some(Entry { value: Value::Set(set), .. }) if here => Some(set),
            _ => None,
        })
        .collect()
}

/// Calls `visit` with every member common to all `sets`, walking the smallest one (the first of
/// equal sizes), until it returns false.
fn for_each_common(sets: &[&Set], mut visit: impl FnMut(&[u8]) -> bool) {
    let mut order = sets.to_vec();
    order.sort_by_key(|set| set.len());
    let Some((&smallest, others)) = order.split_first() else { return };
    for member in smallest.iter() {
        let everywhere = others.iter().all(|&set| std::ptr::eq(set, smallest) || set.contains(&member));
        if everywhere && !visit(&member) {
            return;
        }
    }
}

/// All sets of `sets` when every key existed; `None` when one is missing (an empty intersection).
fn all_present<'d>(sets: &[Option<&'d Set>]) -> Option<Vec<&'d Set>> {
    sets.iter().copied().collect()
}

/// SMEMBERS key: every member (ascending for an intset), as a RESP3 set.
pub fn smembers(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let (set, out) = read_set(ctx, key)?;
    out.set(set.map_or(0, |set| set.len()));
    for member in set.into_iter().flat_map(|set| set.iter()) {
        out.bulk(&member);
    }
    Ok(())
}

/// SINTER key [key ...]
pub fn sinter(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(1..).unwrap_or_default();
    let present = check_sets(ctx, keys)?;
    let (db, out) = ctx.db_and_out();
    let Some(sets) = all_present(&present_sets(db, keys, &present)) else {
        out.set(0);
        return Ok(());
    };
    let mut elements = ReplyBuf::new();
    let mut len = 0;
    for_each_common(&sets, |member| {
        elements.bulk(member);
        len += 1;
        true
    });
    out.set(len);
    out.raw(&elements.buf);
    Ok(())
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(2..).unwrap_or_default();
    let present = check_sets(ctx, keys)?;
    let limits = ctx.server.settings.set_limits;
    let mut result = Set::new();
    if let Some(sets) = all_present(&present_sets(ctx.db(), keys, &present)) {
        for_each_common(&sets, |member| {
            result.insert(member, &limits);
            true
        });
    }
    store(ctx, result, "sinterstore");
    Ok(())
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection, counting stops at
/// `limit` when it is not 0.
pub fn sintercard(ctx: &mut Ctx) -> CmdResult {
    let numkeys = match ctx.int_arg(1) {
        Ok(numkeys) if numkeys >= 1 => numkeys,
        _ => return Err(CommandError::err("numkeys should be greater than 0")),
    };
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > ctx.argc() - 2 {
        return Err(CommandError::err("Number of keys can't be greater than number of args"));
    }
    let mut limit = 0usize;
    let mut index = 2 + numkeys;
    while index < ctx.argc() {
        if !ctx.arg_is(index, "limit") || index + 1 >= ctx.argc() {
            return Err(CommandError::Syntax);
        }
        limit = match ctx.int_arg(index + 1) {
            Ok(value) if value >= 0 => usize::try_from(value).unwrap_or(usize::MAX),
            _ => return Err(CommandError::err("LIMIT can't be negative")),
        };
        index += 2;
    }
    let keys = ctx.argv.get(2..2 + numkeys).unwrap_or_default();
    let present = check_sets(ctx, keys)?;
    let (db, out) = ctx.db_and_out();
    let mut count = 0usize;
    if let Some(sets) = all_present(&present_sets(db, keys, &present)) {
        for_each_common(&sets, |_| {
            count += 1;
            limit == 0 || count < limit
        });
    }
    out.int(count as i64);
    Ok(())
}

/// Members of any of `sets`, added set by set to a fresh set like Redis's SUNION.
fn union(sets: &[Option<&Set>], limits: &SetLimits) -> Set {
    let mut result = Set::new();
    for set in sets.iter().flatten() {
        for member in set.iter() {
            result.insert(&member, limits);
        }
    }
    result
}

/// Members of the first set in none of the others, with the algorithm Redis would pick (it decides
/// the result's encoding): probe the others per member when that is at most twice the cheaper, else
/// copy the first set and remove the others' members.
fn difference(sets: &[Option<&Set>], limits: &SetLimits) -> Set {
    let mut result = Set::new();
    let Some((Some(first), rest)) = sets.split_first() else { return result };
    let others: Vec<&Set> = rest.iter().flatten().copied().collect();
    let probe_work = first.len().saturating_mul(others.len() + 1) / 2;
    let copy_work = others.iter().fold(first.len(), |work, set| work.saturating_add(set.len()));
    if probe_work <= copy_work {
        for member in first.iter() {
            if !others.iter().any(|&set| std::ptr::eq(set, *first) || set.contains(&member)) {
                result.insert(&member, limits);
            }
        }
        return result;
    }
    for member in first.iter() {
        result.insert(&member, limits);
    }
    for set in others {
        for member in set.iter() {
            result.remove(&member);
        }
        if result.is_empty() {
            break;
        }
    }
    result
}

/// SUNION/SDIFF and their STORE forms: the result of `combine` over the sets of `keys`.
fn combine_keys(
    ctx: &mut Ctx,
    keys: &[Bytes],
    combine: fn(&[Option<&Set>], &SetLimits) -> Set,
) -> Result<Set, CommandError> {
    let present = check_sets(ctx, keys)?;
    let limits = ctx.server.settings.set_limits;
    Ok(combine(&present_sets(ctx.db(), keys, &present), &limits))
}

/// Replies with every member of `result`, as a RESP3 set.
fn reply_members(ctx: &mut Ctx, result: &Set) {
    let out = ctx.out();
    out.set(result.len());
    for member in result.iter() {
        out.bulk(&member);
    }
}

/// Stores `result` at argument 1 (replacing any value and TTL), or deletes the key when it is empty;
/// replies with the size.
fn store(ctx: &mut Ctx, result: Set, event: &str) {
    let destination = ctx.arg(1);
    let len = result.len();
    if len > 0 {
        ctx.set_value(destination, Value::Set(result));
        ctx.changed(1);
        ctx.notify(SET, event, destination);
    } else if ctx.db().remove(destination).is_some() {
        ctx.changed(1);
        ctx.notify(GENERIC, "del", destination);
    }
    ctx.out().int(len as i64);
}

/// SUNION key [key ...]
pub fn sunion(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(1..).unwrap_or_default();
    let result = combine_keys(ctx, keys, union)?;
    reply_members(ctx, &result);
    Ok(())
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(2..).unwrap_or_default();
    let result = combine_keys(ctx, keys, union)?;
    store(ctx, result, "sunionstore");
    Ok(())
}

/// SDIFF key [key ...]
pub fn sdiff(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(1..).unwrap_or_default();
    let result = combine_keys(ctx, keys, difference)?;
    reply_members(ctx, &result);
    Ok(())
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.argv.get(2..).unwrap_or_default();
    let result = combine_keys(ctx, keys, difference)?;
    store(ctx, result, "sdiffstore");
    Ok(())
}
