//! List commands: pushes, pops, ranges, in-place edits (LSET, LINSERT, LREM, LTRIM), LPOS, the moves
//! (LMOVE, RPOPLPUSH), LMPOP, and the blocking variants with CLIENT UNBLOCK.
//!
//! Layout: this file holds the shared helpers and the single-key commands; `pop.rs` the pops
//! (LPOP/RPOP with count, LMPOP); `moves.rs` LMOVE/RPOPLPUSH; `lpos.rs` LPOS; `blocking.rs` BLPOP,
//! BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP and CLIENT UNBLOCK.
//!
//! As in Redis, an emptied list is deleted at once (with a `del` notification after the command's own
//! event), replies are written straight from the list's packed nodes, and pops remove elements after
//! writing them, so no element is copied on the way out.

mod blocking;
mod lpos;
mod moves;
mod pop;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_blocking;

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::list::{End, List};
use rds_storage::Value;

use super::{changed_key, delete_if_empty};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::LIST;

pub use blocking::{blmove, blmpop, blpop, brpop, brpoplpush, client_unblock};
pub use lpos::lpos;
pub use moves::{lmove, rpoplpush};
pub use pop::{lmpop, lpop, rpop};

/// The list at `key` for writing, with the reply buffer: `Ok(None)` when missing, WRONGTYPE for
/// other types. Applies lazy expiry and updates the access clock, without hit/miss accounting (as
/// Redis's `lookupKeyWrite`).
fn list_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<(&'c mut List, &'c mut ReplyBuf)>, CommandError> {
    let mode = ctx.server.expiry_mode;
    let now = ctx.now_ms;
    let policy = ctx.server.settings.access;
    let out = &mut ctx.session.reply;
    let Some(db) = ctx.server.keyspace.dbs.get_mut(ctx.session.db) else { return Ok(None) };
    let Some(entry) = db.get_entry_mut(key, now, mode) else { return Ok(None) };
    entry.access = policy.touched(entry.access, now);
    match &mut entry.value {
        Value::List(list) => Ok(Some((list, out))),
        _ => Err(CommandError::WrongType),
    }
}

/// The list at `key` for reading, with the reply buffer (hit/miss counted, as `lookupKeyRead`).
fn list_read<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<(Option<&'c List>, &'c mut ReplyBuf), CommandError> {
    match ctx.lookup_read_with_out(key) {
        (None, out) => Ok((None, out)),
        (Some(Value::List(list)), out) => Ok((Some(list), out)),
        (Some(_), _) => Err(CommandError::WrongType),
    }
}

/// An empty list with the configured `list-max-listpack-size`.
fn new_list(ctx: &Ctx) -> List {
    List::new(ctx.server.settings.list_max_listpack_size)
}

/// `LEFT` / `RIGHT` (any case) as a list end.
fn parse_end(word: &[u8]) -> Option<End> {
    if word.eq_ignore_ascii_case(b"left") {
        Some(End::Head)
    } else if word.eq_ignore_ascii_case(b"right") {
        Some(End::Tail)
    } else {
        None
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// The keyspace event of a pop at `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// The command that pops at `end`, for propagation.
fn pop_command(end: End) -> Bytes {
    match end {
        End::Head => Bytes::from_static(b"LPOP"),
        End::Tail => Bytes::from_static(b"RPOP"),
    }
}

/// After a pop from `key`: the pop event, then deletion and `del` when the list is now empty.
fn popped(ctx: &mut Ctx, key: &[u8], end: End, now_empty: bool) {
    ctx.notify(LIST, pop_event(end), key);
    delete_if_empty(ctx, key, now_empty);
}

/// Pushes `items` at `end` of the list at `key`, creating it unless `only_existing`; returns the new
/// length (0 when `only_existing` and the key is missing).
fn push_items(
    ctx: &mut Ctx,
    key: &[u8],
    end: End,
    items: &[Bytes],
    only_existing: bool,
) -> Result<usize, CommandError> {
    match ctx.lookup_write(key) {
        Some(Value::List(list)) => {
            for item in items {
                list.push(end, item);
            }
            Ok(list.len())
        }
        Some(_) => Err(CommandError::WrongType),
        None if only_existing => Ok(0),
        None => {
            let mut list = new_list(ctx);
            for item in items {
                list.push(end, item);
            }
            let len = list.len();
            ctx.set_value(key, Value::List(Box::new(list)));
            Ok(len)
        }
    }
}

/// LPUSH / RPUSH / LPUSHX / RPUSHX.
fn push_command(ctx: &mut Ctx, end: End, only_existing: bool) -> CmdResult {
    let key = ctx.arg(1);
    let items = ctx.argv.get(2..).unwrap_or_default();
    let len = push_items(ctx, key, end, items, only_existing)?;
    if len > 0 {
        ctx.notify(LIST, push_event(end), key);
        ctx.changed(items.len() as u64);
    }
    ctx.out().int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// LPUSH key element [element ...]
pub fn lpush(ctx: &mut Ctx) -> CmdResult {
    push_command(ctx, End::Head, false)
}

/// RPUSH key element [element ...]
pub fn rpush(ctx: &mut Ctx) -> CmdResult {
    push_command(ctx, End::Tail, false)
}

/// LPUSHX key element [element ...]
pub fn lpushx(ctx: &mut Ctx) -> CmdResult {
    push_command(ctx, End::Head, true)
}

/// RPUSHX key element [element ...]
pub fn rpushx(ctx: &mut Ctx) -> CmdResult {
    push_command(ctx, End::Tail, true)
}

/// LLEN key
pub fn llen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let (list, out) = list_read(ctx, key)?;
    out.int(list.map_or(0, |l| i64::try_from(l.len()).unwrap_or(i64::MAX)));
    Ok(())
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut Ctx) -> CmdResult {
    let start = ctx.int_arg(2)?;
    let stop = ctx.int_arg(3)?;
    let key = ctx.arg(1);
    let (list, out) = list_read(ctx, key)?;
    let Some(list) = list else {
        out.array(0);
        return Ok(());
    };
    let items = list.range(start, stop);
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
    Ok(())
}

/// LINDEX key index
pub fn lindex(ctx: &mut Ctx) -> CmdResult {
    let (key, index) = (ctx.arg(1), ctx.arg(2));
    let (list, out) = list_read(ctx, key)?;
    let Some(list) = list else {
        out.null();
        return Ok(());
    };
    let index = rds_storage::num::parse_i64(index).ok_or(CommandError::NotInteger)?;
    match list.get(index) {
        Some(item) => out.bulk(item),
        None => out.null(),
    }
    Ok(())
}

/// LSET key index element
pub fn lset(ctx: &mut Ctx) -> CmdResult {
    let (key, index, item) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let Some((list, _)) = list_mut(ctx, key)? else {
        return Err(CommandError::NoSuchKey);
    };
    let index = rds_storage::num::parse_i64(index).ok_or(CommandError::NotInteger)?;
    if !list.set(index, item) {
        return Err(CommandError::err("index out of range"));
    }
    ctx.notify(LIST, "lset", key);
    ctx.changed(1);
    ctx.out().ok();
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
pub fn linsert(ctx: &mut Ctx) -> CmdResult {
    let after = if ctx.arg_is(2, "after") {
        true
    } else if ctx.arg_is(2, "before") {
        false
    } else {
        return Err(CommandError::Syntax);
    };
    let (key, pivot, item) = (ctx.arg(1), ctx.arg(3), ctx.arg(4));
    let Some((list, out)) = list_mut(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    if !list.insert_relative(pivot, item, after) {
        out.int(-1);
        return Ok(());
    }
    out.int(i64::try_from(list.len()).unwrap_or(i64::MAX));
    ctx.notify(LIST, "linsert", key);
    ctx.changed(1);
    Ok(())
}

/// LREM key count element
pub fn lrem(ctx: &mut Ctx) -> CmdResult {
    let count = ctx.int_arg(2)?;
    let (key, item) = (ctx.arg(1), ctx.arg(3));
    let Some((list, out)) = list_mut(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let removed = list.remove_matching(item, count);
    let now_empty = list.is_empty();
    out.int(i64::try_from(removed).unwrap_or(i64::MAX));
    if removed > 0 {
        ctx.notify(LIST, "lrem", key);
        delete_if_empty(ctx, key, now_empty);
        ctx.changed(removed as u64);
    }
    Ok(())
}

/// LTRIM key start stop
pub fn ltrim(ctx: &mut Ctx) -> CmdResult {
    let start = ctx.int_arg(2)?;
    let stop = ctx.int_arg(3)?;
    let key = ctx.arg(1);
    let Some((list, out)) = list_mut(ctx, key)? else {
        ctx.out().ok();
        return Ok(());
    };
    let before = list.len();
    list.trim(start, stop);
    let removed = before - list.len();
    let now_empty = list.is_empty();
    out.ok();
    ctx.notify(LIST, "ltrim", key);
    delete_if_empty(ctx, key, now_empty);
    // Redis signals the key even when nothing was trimmed (WATCH sees it), but only counts removals.
    if removed == 0 {
        ctx.touch(key);
    }
    ctx.changed(removed as u64);
    Ok(())
}
